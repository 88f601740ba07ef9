"""Amounts as people read them: whole units of the team currency (``TOTONOU_CURRENCY``, JPY by default)
with its symbol and thousands separators, the same in Japanese and English (``¥1,200,000``)."""

from __future__ import annotations

from django.conf import settings

SYMBOLS = {"JPY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "CNY": "CN¥", "KRW": "₩", "TWD": "NT$"}


def currency() -> str:
    return str(getattr(settings, "TOTONOU_CURRENCY", "JPY") or "JPY")


def currency_symbol() -> str:
    code = currency()
    return SYMBOLS.get(code, f"{code} ")


def format_money(amount: int | None) -> str:
    """``¥1,200,000``; a negative amount as ``-¥500``; None as an empty string."""
    if amount is None:
        return ""
    sign = "-" if amount < 0 else ""
    return f"{sign}{currency_symbol()}{abs(int(amount)):,}"
