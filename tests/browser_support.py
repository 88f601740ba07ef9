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
