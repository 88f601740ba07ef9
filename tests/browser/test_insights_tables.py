"""Insights' tables fit every screen (issue 18, items 4 and 6): at 390, 1024 and 1366 px, in Japanese
and English, the page never scrolls sideways, no segment or member name breaks one character per line
(each name cell is at most three lines high and no cell is narrower than its longest word), the
strategy table's last header is shown whole, and the period bar's previous / custom range work.

Screenshots land in ``$TOTONOU_SCREENSHOTS`` (default: a temporary directory; never in git)."""

from __future__ import annotations

import datetime
import os
import tempfile

import pytest
from django.utils import timezone

from tests.browser_support import chromium_page, screenshot, settled
from tests.factories import ActivityFactory, CustomerFactory, SegmentFactory, make_team
from totonou.activities.models import Activity
from totonou.strategy.models import Strategy

playwright_sync = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("TOTONOU_SCREENSHOTS") or tempfile.mkdtemp(prefix="totonou-insights-")
WIDTHS = (390, 1024, 1366)
SEGMENTS = {
    "ja": ["食品スーパー（首都圏・大型店）", "ドラッグストアチェーン", "ホームセンター"],
    "en": ["Supermarkets (Greater Tokyo, large stores)", "Drugstore chains", "Home improvement"],
}
MEMBERS = {
    "ja": ["佐藤 美咲", "長谷川 健一郎"],
    "en": ["Alexandra Montgomery-Smith", "Kenichiro Hasegawa"],
}

#: Per table cell: its width, its height in lines, and the width of its longest word (a word: text
#: between spaces; a Japanese run without spaces may wrap between characters, so it is measured by
#: the widest single character there, and the height check covers it).
MEASURE = """
(selector) => Array.from(document.querySelectorAll(selector)).map((cell) => {
  const style = getComputedStyle(cell);
  const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.5;
  const padding = parseFloat(style.paddingTop) + parseFloat(style.paddingBottom);
  const probe = document.createElement("span");
  probe.style.cssText = "position:absolute;visibility:hidden;white-space:nowrap;font:" + style.font;
  document.body.appendChild(probe);
  let longest = 0;
  const text = cell.innerText.trim();
  for (const word of text.split(/\\s+/)) {
    const latin = /^[\\x21-\\x7e]+$/.test(word);
    for (const part of latin ? [word] : Array.from(word)) {
      probe.textContent = part;
      longest = Math.max(longest, probe.getBoundingClientRect().width);
    }
  }
  probe.remove();
  const content = cell.getBoundingClientRect();
  const inner = content.width - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return {text, lines: (content.height - padding) / line, inner, longest};
})
"""


def _world(language: str):
    team, manager, reps = make_team("営業一課" if language == "ja" else "Sales One")
    manager.username, manager.language, manager.time_zone = "boss", language, "Asia/Tokyo"
    manager.set_password("pw")
    manager.save()
    for rep, name in zip(reps, MEMBERS[language], strict=True):
        rep.display_name = name
        rep.save()
    segments = [
        SegmentFactory(name=name, cadence_days=30, key_cadence_days=14, sort_order=index)
        for index, name in enumerate(SEGMENTS[language])
    ]
    now = timezone.now()
    for index, segment in enumerate(segments):
        for number in range(index + 2):
            customer = CustomerFactory(
                owner=reps[number % 2], segment=segment, name=f"{segment.name} {number}", is_key=number == 0
            )
            started = now - datetime.timedelta(days=40 + number)
            ActivityFactory(
                owner=reps[number % 2],
                customer=customer,
                status=Activity.Status.DONE,
                starts_at=started,
                ends_at=started + datetime.timedelta(hours=1),
                completed_at=started + datetime.timedelta(hours=1),
            )
    strategy = Strategy.objects.create(
        name="首都圏の大型店を攻める" if language == "ja" else "Large stores in Greater Tokyo first",
        hypothesis="大型店の店長が決める" if language == "ja" else "Store managers of large stores decide",
        starts_on=timezone.localdate() - datetime.timedelta(days=90),
        ends_on=timezone.localdate() + datetime.timedelta(days=90),
        target_share=40,
    )
    strategy.segments.set(segments[:1])
    return team


def _sign_in(page, base: str) -> None:
    page.goto(f"{base}/accounts/login/?next=/insights/")
    page.fill("input[name=username]", "boss")
    page.fill("input[name=password]", "pw")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/insights/")


def _check_fits(page, width: int, label: str, shot: str) -> None:
    settled(page)
    page.set_viewport_size({"width": width, "height": 900})
    page.wait_for_timeout(50)
    screenshot(page, path=f"{SHOTS}/{shot}.png", full_page=True)
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{label}: the page is {scroll} px wide at {width} px"
    for row in page.evaluate(MEASURE, "#insight-uncontacted tbody th, .insight tbody th"):
        assert row["lines"] <= 3.05, f"{label}: {row['text']!r} takes {row['lines']:.1f} lines"
        assert row["inner"] + 0.5 >= row["longest"], f"{label}: {row['text']!r} is cut inside a word"
    # Every header of every table is visible whole: inside its cell and, unless the table scrolls
    # inside its card (then the hint shows), inside the card.
    clipped = page.evaluate(
        """() => Array.from(document.querySelectorAll(".insight table")).flatMap((table) => {
          const wrap = table.closest(".table-wrap");
          const box = wrap.getBoundingClientRect();
          const scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
          if (table.querySelector("thead").getBoundingClientRect().width <= 1) {
            // Cards: the header row is for screen readers; each figure is labelled by its data-label.
            return Array.from(table.querySelectorAll("tbody td, tfoot td")).filter((td) =>
              td.offsetParent !== null && !td.dataset.label && !td.matches(".hbar-col, .empty")
            ).map((td) => `unlabelled: ${td.innerText}`);
          }
          return Array.from(table.querySelectorAll("thead th")).filter((th) => {
            const visible = getComputedStyle(th).display !== "none" && th.offsetParent !== null;
            if (!visible || th.getAttribute("aria-hidden") === "true") return false;
            const r = th.getBoundingClientRect();
            return th.scrollWidth > th.clientWidth + 1 || (!scrolls && r.right > box.right + 1);
          }).map((th) => th.innerText);
        })"""
    )
    assert clipped == [], f"{label}: headers cut: {clipped}"
    last = page.evaluate(
        """() => {
          const wrap = document.querySelector("#insight-strategy .table-wrap");
          const head = wrap.querySelector("thead");
          if (head.getBoundingClientRect().width <= 1) return null;
          const shown = Array.from(head.querySelectorAll("th")).filter(
            (th) => getComputedStyle(th).display !== "none"
          );
          const th = shown[shown.length - 1];
          const r = th.getBoundingClientRect();
          return {
            text: th.innerText, right: r.right, box: wrap.getBoundingClientRect().right,
            scrolls: wrap.scrollWidth > wrap.clientWidth + 1, cut: th.scrollWidth > th.clientWidth + 1,
            shadow: getComputedStyle(wrap).backgroundImage,
          };
        }"""
    )
    if last is None:  # cards: only on phones
        assert width < 600, f"{label}: the strategy table is cards on a wide screen"
        return
    assert last["text"] in ("作成した案件（戦略に沿う／その他）", "Deals created (following / other)"), label
    assert not last["cut"], f"{label}: the last header is cut"
    if last["scrolls"]:  # a table wider than its card scrolls inside it, with a shadow at the hidden side
        assert "radial-gradient" in last["shadow"], label
    else:
        assert last["right"] <= last["box"] + 1, f"{label}: the last header is cut"


@pytest.mark.parametrize("language", ["ja", "en"])
def test_insights_tables_fit_and_the_period_moves(live_server, live_reference_data, settings, language):
    settings.LANGUAGE_CODE = language
    team = _world(language)
    with chromium_page(locale="ja-JP" if language == "ja" else "en-US", timezone_id="Asia/Tokyo") as page:
        _sign_in(page, live_server.url)
        for width in WIDTHS:
            label = f"{language} {width}px"
            _check_fits(page, width, label, f"insights-{language}-{width}")

        # Previous week: the words change to the week before, and every insight says so.
        words = page.locator(".period-bar__words").inner_text()
        page.locator("[data-period-step=previous]").click()
        page.wait_for_load_state()
        before = page.locator(".period-bar__words").inner_text()
        assert before != words
        assert page.locator("#plans-title [data-period-words]").inner_text() == before
        assert "period=week" in page.url and f"team={team.pk}" in page.url
        # A custom range from the form: three months.
        today = timezone.localdate()
        first = (today.replace(day=1) - datetime.timedelta(days=62)).replace(day=1)
        page.fill("#period-from", first.isoformat())
        page.fill("#period-to", today.isoformat())
        page.locator(".period-bar__range button[type=submit]").click()
        page.wait_for_load_state()
        assert "period=custom" in page.url
        assert page.locator("#period-from").input_value() == first.isoformat()
        assert page.locator(".form-errors").count() == 0
        for width in WIDTHS:
            _check_fits(page, width, f"{language} {width}px custom", f"insights-{language}-{width}-custom")

        # The pipeline tab (under Insights): its tables fit too, each header whole.
        page.goto(f"{live_server.url}/insights/pipeline/?team={team.pk}")
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.wait_for_timeout(50)
            screenshot(page, path=f"{SHOTS}/pipeline-{language}-{width}.png", full_page=True)
            label = f"pipeline {language} {width}px"
            settled(page)
            scroll = page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= width, f"{label}: the page is {scroll} px wide"
            cut = page.evaluate(
                """() => Array.from(document.querySelectorAll("main table")).flatMap((table) => {
                  const wrap = table.closest(".table-wrap");
                  if (!wrap || table.querySelector("thead").getBoundingClientRect().width <= 1) return [];
                  const box = wrap.getBoundingClientRect();
                  if (wrap.scrollWidth > wrap.clientWidth + 1) {
                    // Scrolls inside its card: the shadow says there is more to the side.
                    const shadow = getComputedStyle(wrap).backgroundImage.includes("radial-gradient");
                    return shadow ? [] : [`scrolls without a hint: ${table.closest("section").id}`];
                  }
                  return Array.from(table.querySelectorAll("thead th")).filter(
                    (th) =>
                      th.getBoundingClientRect().right > box.right + 1 || th.scrollWidth > th.clientWidth + 1
                  ).map((th) => th.innerText);
                })"""
            )
            assert cut == [], f"{label}: headers cut: {cut}"
            for row in page.evaluate(MEASURE, "main tbody th"):
                assert row["lines"] <= 3.05, f"{label}: {row['text']!r} takes {row['lines']:.1f} lines"

        # The uncontacted list (under Insights): its per-segment table fits the same way.
        page.goto(f"{live_server.url}/insights/uncontacted/?team={team.pk}")
        for width in (320, *WIDTHS):
            page.set_viewport_size({"width": width, "height": 900})
            page.wait_for_timeout(50)
            screenshot(page, path=f"{SHOTS}/uncontacted-{language}-{width}.png", full_page=True)
            label = f"uncontacted {language} {width}px"
            settled(page)
            scroll = page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= width, f"{label}: the page is {scroll} px wide"
            for row in page.evaluate(MEASURE, ".uncontacted-groups tbody th"):
                assert row["lines"] <= 3.05, f"{label}: {row['text']!r} takes {row['lines']:.1f} lines"
                assert row["inner"] + 0.5 >= row["longest"], f"{label}: {row['text']!r} is cut inside a word"
