"""A small HTML reader for assertions on one element (no third-party parser needed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""
    inner: list[str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    @property
    def html(self) -> str:
        return "".join(self.inner)


class _Finder(HTMLParser):
    def __init__(self, attr: str, value: str) -> None:
        super().__init__(convert_charrefs=True)
        self.attr, self.value = attr, value
        self.found: list[Element] = []
        self._open: list[tuple[Element, int]] = []
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        for element, _depth in self._open:
            element.inner.append(self.get_starttag_text() or "")
        if tag in VOID:
            return
        self._depth += 1
        if values.get(self.attr) == self.value:
            element = Element(tag, values)
            self.found.append(element)
            self._open.append((element, self._depth))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        self._open = [(element, depth) for element, depth in self._open if depth != self._depth]
        for element, _depth in self._open:
            element.inner.append(f"</{tag}>")
        self._depth -= 1

    def handle_data(self, data: str) -> None:
        for element, _depth in self._open:
            element.text += data
            element.inner.append(data)


def find_all(html: str, attr: str, value: str) -> list[Element]:
    """Every element whose ``attr`` equals ``value``, with its text and inner HTML."""
    finder = _Finder(attr, value)
    finder.feed(html)
    finder.close()
    return finder.found


def find_one(html: str, attr: str, value: str) -> Element:
    found = find_all(html, attr, value)
    assert len(found) == 1, f"expected one element with {attr}={value!r}, found {len(found)}"
    return found[0]
