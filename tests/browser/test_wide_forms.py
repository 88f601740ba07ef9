"""Record forms use the width of a desktop screen (two columns from 1100 px) and keep one column on a
phone: the activity form puts the customer picker on the left and the type, subject and times on the
right; the customer form pairs its short fields (name | reading) and gives the notes the full width."""

from __future__ import annotations

import os
import tempfile

import pytest

from tests.browser_support import chromium_page, screenshot, settled
from tests.factories import make_team

playwright_sync = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("TOTONOU_SCREENSHOTS") or tempfile.mkdtemp(prefix="form-shots-")


def _box(page, selector: str) -> dict:
    settled(page)
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return box


@pytest.mark.parametrize("language", ["ja", "en"])
def test_record_forms_take_two_columns_on_a_desktop_and_one_on_a_phone(
    live_server, live_reference_data, language
):
    _team, _manager, (rep, _other) = make_team("Kobe")
    rep.username, rep.language = "hana", language
    rep.set_password("pw")
    rep.save()
    with chromium_page(viewport={"width": 1366, "height": 900}) as page:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", "hana")
        page.fill("input[name=password]", "pw")
        page.click("main form button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")

        page.goto(f"{live_server.url}/activities/new/")
        card, picker, kind = (
            _box(page, ".activity-form"),
            _box(page, "#customer-field"),
            _box(page, "#id_type"),
        )
        assert card["width"] >= 1000  # the form is no longer a 700 px column on a 1366 px screen
        assert kind["x"] >= picker["x"] + picker["width"]  # type sits right of the customer picker
        assert kind["y"] < picker["y"] + picker["height"]  # …beside it, not under it
        screenshot(page, path=os.path.join(SHOTS, f"activity-form-{language}-1366.png"), full_page=True)

        page.goto(f"{live_server.url}/customers/new/")
        name, kana, notes = _box(page, "#id_name"), _box(page, "#id_name_kana"), _box(page, "#id_notes")
        assert kana["x"] > name["x"] + name["width"] and abs(kana["y"] - name["y"]) < 1
        assert notes["width"] > 2 * name["width"]  # long text keeps the full width
        screenshot(page, path=os.path.join(SHOTS, f"customer-form-{language}-1366.png"), full_page=True)

        page.set_viewport_size({"width": 390, "height": 844})
        name, kana = _box(page, "#id_name"), _box(page, "#id_name_kana")
        assert kana["y"] > name["y"] + name["height"] and abs(kana["x"] - name["x"]) < 1
        page.goto(f"{live_server.url}/activities/new/")
        picker, kind = _box(page, "#customer-field"), _box(page, "#id_type")
        assert kind["y"] > picker["y"] + picker["height"]
        settled(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, path=os.path.join(SHOTS, f"activity-form-{language}-390.png"), full_page=True)
