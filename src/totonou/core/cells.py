"""Spreadsheet cells that cannot run: text starting with ``=``, ``+``, ``-`` or ``@`` (and tab or carriage
return) is read as a formula by Excel and LibreOffice, so every exported text cell passes here first."""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: Any) -> Any:
    """``value`` safe for a CSV or .xlsx cell: a text that a spreadsheet would take for a formula gets a
    leading apostrophe; numbers, dates and other text are unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
