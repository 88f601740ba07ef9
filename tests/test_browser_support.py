"""The browser tests' screenshot helper takes a picture again only when Chromium had no frame to give."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Error

from tests.browser_support import screenshot

NO_FRAME = "Page.screenshot: Protocol error (Page.captureScreenshot): Unable to capture screenshot"


class _Page:
    """Stands in for a Playwright page: fails ``screenshot`` with the given errors, then succeeds."""

    def __init__(self, *errors: str) -> None:
        self.errors = list(errors)
        self.calls: list[tuple[str, Any]] = []

    def screenshot(self, **options: Any) -> None:
        self.calls.append(("screenshot", options))
        if self.errors:
            raise Error(self.errors.pop(0))

    def evaluate(self, script: str) -> None:
        self.calls.append(("evaluate", script))

    def wait_for_timeout(self, milliseconds: int) -> None:
        self.calls.append(("wait", milliseconds))


def test_a_missing_frame_is_waited_for_and_the_picture_taken_again():
    page = _Page(NO_FRAME, NO_FRAME)
    screenshot(page, path="shot.png", full_page=True)
    shots = [options for name, options in page.calls if name == "screenshot"]
    assert shots == [{"path": "shot.png", "full_page": True}] * 3
    assert [name for name, _ in page.calls] == [
        "screenshot",
        "evaluate",
        "wait",
        "screenshot",
        "evaluate",
        "wait",
        "screenshot",
    ]


def test_a_third_missing_frame_is_raised():
    page = _Page(NO_FRAME, NO_FRAME, NO_FRAME)
    with pytest.raises(Error, match="Unable to capture screenshot"):
        screenshot(page, path="shot.png")
    assert [name for name, _ in page.calls].count("screenshot") == 3


def test_any_other_error_is_raised_at_once():
    page = _Page("Page.screenshot: Target page, context or browser has been closed")
    with pytest.raises(Error, match="has been closed"):
        screenshot(page, path="shot.png")
    assert page.calls == [("screenshot", {"path": "shot.png"})]
