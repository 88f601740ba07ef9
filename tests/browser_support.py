"""Debian's Chromium driven by Playwright, the same way in every browser test."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}


@contextmanager
def chromium_page(
    *, viewport: dict[str, int] | None = None, locale: str = "en-US", timezone_id: str | None = None
) -> Iterator[Any]:
    """A fresh headless Chromium page (closed afterwards), 15 s per step at the most; ``timezone_id`` is
    the browser's time zone (the machine's when None)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        options: dict[str, Any] = {"locale": locale}
        if viewport is not None:
            options["viewport"] = viewport
        if timezone_id is not None:
            options["timezone_id"] = timezone_id
        context = browser.new_context(**options)
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()


#: An init script that collects every Content-Security-Policy violation a document reports, from its
#: first byte on (read them with ``csp_violations``).
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`
  );
});
"""


def csp_violations(page: Any) -> list[str]:
    """The violations the current document reported (``page.add_init_script(CSP_LISTENER)`` first)."""
    return [f"{page.url}: {item}" for item in page.evaluate("window.__cspViolations || []")]


def settled(page: Any) -> None:
    """Wait until the current document is styled, before measuring its layout.

    ``expect`` on an element passes as soon as the new document's DOM is parsed, possibly while its
    stylesheet is still loading; a layout read then (``scrollWidth``, ``getBoundingClientRect``,
    ``bounding_box`` ...) forces layout without the pending stylesheet and measures an unstyled page,
    which on a loaded machine is wider than the window. So wait for the document's ``load`` event
    (stylesheets and images are in) and for its web fonts, and what is measured next is the styled page.
    """
    page.wait_for_load_state("load")
    page.evaluate("document.fonts.ready.then(() => true)")


def screenshot(page: Any, **options: Any) -> None:
    """Save a screenshot of ``page`` (``page.screenshot``'s options).

    Now and then Chromium answers "Unable to capture screenshot" when its compositor has no frame to
    give, seen once in CI right after a viewport resize on a loaded machine. The picture is for a person
    to look at, not an assertion, so wait for two animation frames and take it again (three tries at
    most); any other error, or a third failure, is raised.
    """
    from playwright.sync_api import Error

    for attempt in range(3):
        try:
            page.screenshot(**options)
            return
        except Error as error:
            if "Unable to capture screenshot" not in str(error) or attempt == 2:
                raise
            page.evaluate("new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
            page.wait_for_timeout(250)
