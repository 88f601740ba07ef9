"""The stylesheets parse as written: every block closed where it was meant to close. One brace left open
once nested the rest of app.css inside ``.deal-form__more`` (CSS nesting), silently turning off every
rule after it; the browser reports no error for that, so this test reads the files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[2] / "src" / "totonou" / "web" / "static" / "totonou"
SHEETS = sorted(STATIC.glob("*.css"))


def _blocks(text: str) -> list[tuple[int, str, str]]:
    """(line, selector, enclosing selector) of every block opened, comments and strings removed."""
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    text = re.sub(r'"[^"\n]*"|\'[^\'\n]*\'', '""', text)
    depth, found, selector = 0, [], ""
    stack: list[str] = []
    for number, line in enumerate(text.split("\n"), 1):
        for char in line:
            if char == "{":
                opened = " ".join((selector.strip() or line.strip()).split())
                found.append((number, opened, stack[-1] if stack else ""))
                stack.append(opened)
                depth += 1
                selector = ""
            elif char == "}":
                depth -= 1
                assert depth >= 0, f"line {number}: a block closed that was never opened"
                stack.pop()
                selector = ""
            elif char == ";":
                selector = ""
            else:
                selector += char
        selector += " "
    assert depth == 0, f"{depth} block(s) left open"
    return found


def test_there_are_stylesheets():
    assert len(SHEETS) >= 7, SHEETS


@pytest.mark.parametrize("sheet", SHEETS, ids=lambda path: path.name)
def test_every_block_closes_and_only_at_rules_hold_rules(sheet):
    for line, selector, parent in _blocks(sheet.read_text(encoding="utf-8")):
        # Only an at-rule (@media, @supports) holds rules: a rule nested in a rule is the sign of a
        # brace left open above it.
        assert not parent or parent.startswith("@"), (
            f"{sheet.name} line {line}: {selector!r} inside {parent!r}"
        )
