"""The whole import flow in a browser: a Shift_JIS CSV as Japanese Excel saves it is uploaded, a wrong
column guess corrected, one unknown stage mapped to an existing one and another created, the preview
read, a dry run checked (nothing written), the real run followed on its progress bar while the worker
runs it, its report downloaded; then the past imports list. The pages are photographed at 390, 1024 and
1366 px in Japanese and English, and none is wider than the screen."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path

import pytest

from tests.browser_support import chromium_page, screenshot, settled
from tests.factories import CustomerFactory, UserFactory
from totonou.deals.models import Deal, Stage
from totonou.imports.models import Import
from totonou.imports.services import import_run
from totonou.users.models import User

playwright_sync = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("TOTONOU_SCREENSHOTS") or tempfile.mkdtemp(prefix="import-shots-")
ROWS = [
    ["コード", "件名", "案件名", "取引先名", "担当", "金額", "フェーズ"],
    ["D1", "展示会で名刺交換", "基幹システム更新", "株式会社A", "sato", "￥1,200,000", "提案"],
    ["D2", "紹介", "保守契約", "株式会社A", "sato", "300,000", "提案中"],
    ["D3", "", "追加ライセンス", "株式会社A", "sato", "50,000円", "デモ済み"],
    ["D4", "", "研修", "株式会社A", "sato", "80000", "提案"],
]


def shift_jis_csv() -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(ROWS)  # as Excel writes "CSV (コンマ区切り)"
    return buffer.getvalue().encode("cp932")


def sign_in(page, base: str, path: str, username: str) -> None:
    page.goto(f"{base}{path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw")
    page.click("main form button[type=submit]")


def no_overflow(page) -> None:
    settled(page)
    width = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert width <= 0, f"{page.url} is {width}px wider than the screen"


def test_the_whole_import_flow(live_server, live_reference_data, settings, tmp_path):
    settings.LANGUAGE_CODE = "en"
    expect = playwright_sync.expect
    admin = UserFactory(username="boss", role=User.Role.ADMIN, language="en")
    UserFactory(username="sato", display_name="佐藤")
    CustomerFactory(name="株式会社A", external_id="C1", owner=admin)
    path = tmp_path / "案件一覧.csv"
    path.write_bytes(shift_jis_csv())
    stages_before = Stage.objects.count()

    with chromium_page(viewport={"width": 1366, "height": 900}) as page:
        sign_in(page, live_server.url, "/imports/", "boss")
        expect(page.locator("h1")).to_have_text("Import")
        page.select_option("#import-kind", "deals")
        page.set_input_files("#import-file", str(path))
        page.click("main form button[type=submit]")

        # 1. the columns, with the guess: 件名 was taken for the title, コード for nothing
        expect(page.locator("h1")).to_have_text("Import: 案件一覧.csv")
        record = Import.objects.get()
        column = {header: f"select[name='map:{header}']" for header in ROWS[0]}
        expect(page.locator(column["件名"])).to_have_value("title")
        expect(page.locator(column["案件名"])).to_have_value("")
        expect(page.locator(column["コード"])).to_have_value("")
        expect(page.locator(column["フェーズ"])).to_have_value("stage")
        page.select_option(column["件名"], "notes")
        page.select_option(column["案件名"], "title")
        page.select_option(column["コード"], "external_id")
        # 2. the stage values that match nothing: 提案 is a stage, 提案中 and デモ済み are not
        unknown = page.locator("input[name^='value:フェーズ:']")
        expect(unknown).to_have_count(2)
        page.fill("input[name='value:フェーズ:提案中']", "proposal")
        page.check("#create-missing")
        screenshot(page, path=f"{SHOTS}/mapping-desktop-en.png", full_page=True)
        page.click("button[value=preview]")

        # 3. the preview as it will be read, the mapping kept
        expect(page.locator(column["案件名"])).to_have_value("title")
        expect(page.locator("input[name='value:フェーズ:提案中']")).to_have_value("proposal")
        expect(page.locator("input[name^='value:フェーズ:']")).to_have_count(2)  # mapped, and デモ済み
        header = page.locator("#import-preview thead th")
        expect(header.first).to_have_text("External id")
        first_row = page.locator("#import-preview tbody tr").first.locator("td")
        expect(first_row.nth(1)).to_have_text("展示会で名刺交換")
        expect(first_row.nth(2)).to_have_text("基幹システム更新")
        expect(page.locator("#import-preview tbody tr")).to_have_count(4)

        # 4. the dry run: a report, nothing written
        page.click("button[value=dry_run]")
        expect(page.locator("#import-progress strong")).to_have_text("Waiting")
        import_run(record=record)  # what the worker does
        expect(page.locator("#import-progress strong")).to_have_text("Done", timeout=10_000)
        expect(page.locator("#import-progress")).to_contain_text("dry run: nothing is written")
        expect(page.locator("[data-count=created]")).to_have_text("4")
        expect(page.locator("[data-count=failed]")).to_have_text("0")
        assert Deal.objects.count() == 0
        assert Stage.objects.count() == stages_before

        # 5. the run, followed on its progress bar
        page.click("button[value=run]")
        expect(page.locator("#import-progress strong")).to_have_text("Waiting")
        expect(page.locator("#import-bar")).to_have_attribute("value", "0")
        Import.objects.filter(pk=record.pk).update(status="running", total_rows=4, rows_done=2)
        expect(page.locator("#import-bar")).to_have_attribute("value", "50", timeout=10_000)
        expect(page.locator("#import-progress label")).to_have_text("2 of 4 rows")
        screenshot(page, path=f"{SHOTS}/progress-desktop-en.png", full_page=True)
        import_run(record=record)
        expect(page.locator("#import-progress strong")).to_have_text("Done", timeout=10_000)
        expect(page.locator("#import-bar")).to_have_attribute("value", "100")
        expect(page.locator("[data-count=created]")).to_have_text("4")

        # 6. the result report
        with page.expect_download() as download_info:
            page.click("#import-progress a[download]")
        report = Path(download_info.value.path()).read_bytes()
        assert report.decode("utf-8-sig").splitlines() == [
            "Line,Result,Record,Reason",
            "2,created,D1,",
            "3,created,D2,",
            "4,created,D3,",
            "5,created,D4,",
        ]

        # the past imports list
        page.goto(f"{live_server.url}/imports/")
        row = page.locator("table tbody tr").first
        expect(row.locator("th a")).to_have_text("案件一覧.csv")
        expect(row.locator("td").nth(0)).to_have_text("Deals")
        expect(row.locator("td").nth(1)).to_have_text("Done")
        expect(row.locator("td").nth(2)).to_have_text("4 created, 0 updated, 0 unchanged, 0 failed")

    created = Stage.objects.get(name_ja="デモ済み")
    assert created.kind == "open"
    assert sorted(Deal.objects.values_list("external_id", "title", "notes", "amount", "stage__slug")) == [
        ("D1", "基幹システム更新", "展示会で名刺交換", 1_200_000, "proposal"),
        ("D2", "保守契約", "紹介", 300_000, "proposal"),
        ("D3", "追加ライセンス", "", 50_000, created.slug),
        ("D4", "研修", "", 80_000, "proposal"),
    ]
    assert Stage.objects.count() == stages_before + 1


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_import_pages_fit_every_screen(live_server, live_reference_data, settings, tmp_path, language):
    from tests.imports.test_engine import csv_bytes
    from totonou.imports.services import import_create

    settings.LANGUAGE_CODE = "en"
    expect = playwright_sync.expect
    admin = UserFactory(username="boss", role=User.Role.ADMIN, language=language)
    UserFactory(username="sato", display_name="佐藤")
    CustomerFactory(name="株式会社A", external_id="C1", owner=admin)
    draft = import_create(
        actor=admin,
        kind="deals",
        file=io.BytesIO(shift_jis_csv()),
        filename="案件一覧_2026年度_営業部_最終版.csv",
        options={},
        draft=True,
    )
    done = import_create(
        actor=admin,
        kind="customers",
        file=io.BytesIO(csv_bytes([["name", "owner"], ["株式会社B", "sato"], ["株式会社C", "nobody"]])),
        filename="customers.csv",
        options={},
    )
    import_run(record=done)
    heading = {"ja": "インポート", "en": "Import"}[language]

    for width in (390, 1024, 1366):
        with chromium_page(viewport={"width": width, "height": 900}, locale=language) as page:
            sign_in(page, live_server.url, f"/imports/{draft.pk}/", "boss")
            expect(page.locator("#import-preview")).to_be_visible()
            expect(page.locator("h1")).to_contain_text(heading)
            no_overflow(page)
            screenshot(page, path=f"{SHOTS}/mapping-{width}-{language}.png", full_page=True)
            page.goto(f"{live_server.url}/imports/{done.pk}/")
            expect(page.locator("[data-count=failed]")).to_have_text("1")
            no_overflow(page)
            screenshot(page, path=f"{SHOTS}/result-{width}-{language}.png", full_page=True)
            page.goto(f"{live_server.url}/imports/")
            expect(page.locator("table tbody tr")).to_have_count(2)
            no_overflow(page)
            screenshot(page, path=f"{SHOTS}/list-{width}-{language}.png", full_page=True)
