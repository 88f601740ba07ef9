"""The analytics page's horizontal bar charts are written in Python (``web.pipeline_card.hbar_chart``);
this test keeps the template include they replaced (``hbar_chart_template.html``) and requires the same
bytes for every kind of chart (counts, shares, money), with bars without a value, inner bars, labels that
need escaping and labels cut to fit, in both languages."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.template import engines
from django.utils import translation

from totonou.insights import charts
from totonou.web.pipeline_card import hbar_chart

#: ``pipeline/_hbar_chart.html`` as it was (``hbar_chart_template.html`` here), included with chart,
#: chart_id, title and kind.
TEMPLATE = Path(__file__).with_name("hbar_chart_template.html")

CHARTS = {
    "count": charts.horizontal_bars(
        [
            ("1", "リード", 412, 201),
            ("2", '提案 <A&B> "見積"', 0, 0),
            ("3", "An unusually long stage name", 7, None),
            ("4", "交渉", None, None),
        ]
    ),
    "percent": charts.horizontal_bars(
        [("7", "営業一郎", 0.3333, None), ("8", "O'Brien", 0.125, None), ("9", "空", None, None)], scale=1.0
    ),
    "money": charts.horizontal_bars(
        [
            ("won", "Won so far", 12_345_678, None),
            ("weighted", "加重パイプライン", 0, None),
            ("forecast", "Forecast", 98_765_432, 12_345_678),
        ]
    ),
    "empty": charts.horizontal_bars([]),
}


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("name", list(CHARTS))
def test_the_chart_is_the_templates_bytes(name, language):
    chart = CHARTS[name]
    kind = "count" if name == "empty" else name
    template = engines["django"].from_string(TEMPLATE.read_text())
    with translation.override(language):
        title = "Deals entered per stage & <moved> forward"
        expected = template.render({"chart": chart, "chart_id": "funnel-chart", "title": title, "kind": kind})
        written = hbar_chart(chart, chart_id="funnel-chart", title=title, kind=kind)
    assert str(written) == expected
    assert len(chart.bars) == {"count": 4, "percent": 3, "money": 3, "empty": 0}[name]


def test_a_share_prints_as_a_whole_percent_and_none_as_a_dash():
    written = str(hbar_chart(CHARTS["percent"], chart_id="w", title="t", kind="percent"))
    assert "営業一郎: 33%; O&#x27;Brien: 12%; 空: –</desc>" in written
