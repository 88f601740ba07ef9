from __future__ import annotations

from django.utils.translation import get_language


def pick(*, ja: str, en: str) -> str:
    """The Japanese or English name of a seeded record, by the active language."""
    return ja if (get_language() or "ja").startswith("ja") else en
