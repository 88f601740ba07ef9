from __future__ import annotations

import datetime
from typing import Any

from ninja import Schema


class ImportRowOut(Schema):
    line: int
    status: str
    key: str
    message: str


class ImportOut(Schema):
    id: int
    kind: str
    filename: str
    dry_run: bool
    status: str
    progress: int
    total_rows: int
    rows_done: int
    counts: dict[str, int]
    errors: list[ImportRowOut]
    error: str
    created_at: datetime.datetime
    finished_at: datetime.datetime | None

    @staticmethod
    def resolve_errors(obj: Any) -> list[dict[str, Any]]:
        return list(obj.report_rows(status="failed"))
