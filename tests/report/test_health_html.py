"""The data-health page: what the analyst reads first, checked on a report built by hand."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest

from kenal.config import Settings
from kenal.health.checks import Check, HealthReport, TableSummary
from kenal.report.health_html import HEALTH_FILE, environment, render_health, write_health_html

PLOT_HEIGHT = 96  # the charts' plot height in SVG units (see _health.html)
BASELINE = 34 + PLOT_HEIGHT  # top margin + plot height

VOLUME = [
    {"month": "2026-03", "customers": 10, "transactions": 100, "events": 0},
    {"month": "2026-04", "customers": 40, "transactions": 250, "events": 3000},
    {"month": "2026-05", "customers": 20, "transactions": 50, "events": 1500},
]
EXAMPLES = [{"transaction_id": "TX-EXAMPLE-001", "currency": "ZZA", "amount": "17.25"},
            {"transaction_id": "TX-EXAMPLE-002", "currency": "ZZB", "amount": "912.40"}]
DETAILS = [{"currency": "IDR", "rows": 4900, "amount": 1234567.0, "amount_base": 1234567.0},
           {"currency": "XQZ", "rows": 100, "amount": 5000.0, "amount_base": None}]
WARNING_MESSAGE = "2 transactions have a currency with no exchange rate"
INFO_MESSAGE = "37 rows of transactions.csv repeated a row already loaded"


def make_report(**overrides) -> HealthReport:
    fields = dict(
        tables=[TableSummary("customers", 1000, 11, 1010, 1000, 10, 0, 80, {"income": 0.25, "city": 0.0}),
                TableSummary("transactions", 5000, 12, 5037, 5000, 37, 0, 97, {"return_reason": 0.5})],
        checks=[Check("unknown_currency", "transactions", "warning", 2, WARNING_MESSAGE,
                      action="excluded from revenue; add a rate for these currencies", column="currency",
                      share=0.0004, examples=EXAMPLES, details=DETAILS),
                Check("duplicate_rows", "transactions", "info", 37, INFO_MESSAGE,
                      action="loaded once; the repeats were counted")],
        reference_time="2026-05-31T00:00:00+00:00",
        volume=VOLUME,
        recommended_segmentation="clustering",
        changes=[{"id": "missing_values", "table": "customers", "column": "income",
                  "before": 2800, "after": 3000, "trend": "worse"}],
    )
    fields.update(overrides)
    return HealthReport(**fields)


class Page(HTMLParser):
    """The parts of the page the tests look at: text per element class, SVG bars and labels."""

    def __init__(self, text: str):
        super().__init__()
        self.stack: list[tuple[str, dict]] = []
        self.text_by_class: dict[str, list[str]] = {}
        self.svgs: dict[str, dict] = {}
        self._svg = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "svg":
            self._svg = self.svgs.setdefault(attrs.get("data-series"), {"rects": [], "texts": []})
        elif tag == "rect" and self._svg is not None:
            self._svg["rects"].append(attrs)
        self.stack.append((tag, attrs))

    def handle_endtag(self, tag):
        while self.stack:
            top, _ = self.stack.pop()
            if top == tag:
                break
        if tag == "svg":
            self._svg = None

    def handle_data(self, data):
        for _, attrs in self.stack:
            for cls in (attrs.get("class") or "").split():
                self.text_by_class.setdefault(cls, []).append(data)
        if self._svg is not None and self.stack and self.stack[-1][0] == "text":
            self._svg["texts"].append(data.strip())

    def text(self, cls: str) -> str:
        return " ".join(" ".join(self.text_by_class.get(cls, [])).split())


@pytest.fixture
def page() -> str:
    return render_health(make_report(), Settings())


def test_verdict_names_the_worst_severity_and_the_counts(page):
    assert Page(page).text("verdict") == (
        "warning Usable with care: read the warnings before trusting segments or scores. "
        "0 errors, 1 warning, 1 note in 2 tables.")
    assert '<p class="verdict warning">' in page


def test_verdict_for_errors_and_for_a_clean_report():
    error = make_report(checks=[Check("missing_table", "customers", "error", 0, "no customers table")])
    assert Page(render_health(error, Settings())).text("verdict") == (
        "error Errors found: fix them before trusting segments or scores. 1 error, 0 warnings, 0 notes in 2 tables.")
    clean = make_report(checks=[])
    assert Page(render_health(clean, Settings())).text("verdict") == (
        "info No problems found: only notes. 0 errors, 0 warnings, 0 notes in 2 tables.")


def test_each_message_action_and_example_value_appears_exactly_once(page):
    for text in (WARNING_MESSAGE, INFO_MESSAGE, "excluded from revenue; add a rate for these currencies"):
        assert page.count(html.escape(text)) == 1, text
    for row in EXAMPLES:
        for value in row.values():
            assert page.count(value) == 1, value


def test_examples_and_details_are_tables_with_the_dict_keys_as_headers(page):
    assert page.count("<th>transaction_id</th>") == 1
    assert page.count('<th class="num">amount_base</th>') == 1  # numeric columns are right-aligned
    assert page.count("<th>currency</th>") == 2  # in the breakdown and in the examples
    assert '<th class="num">amount</th>' in page and "<th>amount</th>" in page  # example values stay text
    assert ">1,234,567</td>" in page  # amounts formatted with kenal's fmt
    assert '<span class="null">missing</span>' in page  # the None amount_base


def test_each_series_has_one_bar_per_month_proportional_to_its_count(page):
    svgs = Page(page).svgs
    assert set(svgs) == {"customers", "transactions", "events"}
    for series, svg in svgs.items():
        counts = [v[series] for v in VOLUME]
        top = max(counts)
        rects = svg["rects"]
        assert [r["data-month"] for r in rects] == ["2026-03", "2026-04", "2026-05"]
        assert [float(r["height"]) for r in rects] == [round(c / top * PLOT_HEIGHT, 2) for c in counts]
        for r in rects:  # every bar stands on the baseline
            assert float(r["y"]) + float(r["height"]) == pytest.approx(BASELINE)
        assert "2026-03" in svg["texts"] and "2026-05" in svg["texts"]  # month labels
        assert f"{top:,}" in svg["texts"]  # the axis maximum
    assert [float(r["height"]) for r in svgs["customers"]["rects"]] == [24.0, 96.0, 48.0]
    assert [float(r["height"]) for r in svgs["events"]["rects"]] == [0.0, 96.0, 48.0]


def test_month_labels_thin_out_when_there_are_many_months():
    volume = [{"month": f"20{20 + i // 12}-{i % 12 + 1:02d}", "customers": i, "transactions": 1, "events": 1}
              for i in range(48)]
    svg = Page(render_health(make_report(volume=volume), Settings())).svgs["customers"]
    assert len(svg["rects"]) == 48
    labels = [t for t in svg["texts"] if re.fullmatch(r"\d{4}-\d{2}", t)]
    # 48 slots of 924/48 = 19.25 units; a label needs 64, so every ceil(64 / 19.25) = 4th month.
    assert labels == [v["month"] for v in volume[::4]]


def test_rules_callout_only_when_rules_are_recommended(page):
    assert 'class="callout rules"' not in page
    rules = render_health(make_report(recommended_segmentation="rules"), Settings())
    assert rules.count('class="callout rules"') == 1
    assert "Rule-based segments are used by default." in Page(rules).text("callout")
    assert "(RFM)" in Page(rules).text("callout")


def test_html_in_a_message_is_escaped():
    report = make_report(checks=[Check("x", "customers", "warning", 1, 'bad <script>alert("x")</script> value',
                                       examples=[{"note": "<b>bold</b>"}])])
    page = render_health(report, Settings())
    assert "<script" not in page and "<b>bold" not in page
    assert "bad &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; value" in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page


def test_the_page_needs_nothing_from_the_network(page):
    rules = render_health(make_report(recommended_segmentation="rules"), Settings())
    for text in (page, rules):
        assert not re.search(r"https?://", text)
        assert not re.search(r"<(script|link|img|iframe)\b", text)
        assert not re.search(r"\b(src|href)\s*=", text)
        assert "url(" not in text and "@import" not in text


def test_findings_are_grouped_errors_then_warnings_then_notes_collapsed():
    checks = [Check("i", "customers", "info", 1, "INFO-ONE"), Check("w", "customers", "warning", 1, "WARN-ONE"),
              Check("e", "customers", "error", 1, "ERROR-ONE")]
    page = render_health(make_report(checks=checks), Settings())
    assert page.index("ERROR-ONE") < page.index("WARN-ONE") < page.index("INFO-ONE")
    assert page.index("<details") < page.index("INFO-ONE") < page.index("</details>")
    # collapsed while there are warnings or errors, open when notes are all there is
    assert re.search(r'<details class="infos"[^>]*>', page).group(0) == '<details class="infos" id="health-notes">'
    only_infos = render_health(make_report(checks=checks[:1]), Settings())
    assert '<details class="infos" id="health-notes" open>' in only_infos


def test_missingness_lists_only_missing_columns_with_their_share(page):
    text = Page(page).text("missing")
    assert "income 25.0%" in text and "return_reason 50.0%" in text
    assert "city" not in text


def test_table_summary_has_a_score_bar_and_the_ingest_counts(page):
    assert 'class="fair" style="width: 80%"' in page and 'class="good" style="width: 97%"' in page
    assert ">5,037</td>" in page and ">1,010</td>" in page


def test_changes_show_trend_and_before_after_only_when_there_are_changes(page):
    assert "What changed since the last run" in page
    text = Page(page).text("changes")
    assert "▲ worse" in text and "2,800 → 3,000" in text
    assert "What changed since the last run" not in render_health(make_report(changes=[]), Settings())


def test_long_example_values_are_cut_with_the_whole_value_in_a_tooltip():
    long = "x" * 300
    page = render_health(make_report(checks=[Check("x", "events", "info", 1, "m", examples=[{"agent": long}])]),
                         Settings())
    assert f'title="{long}"' in page and ">" + "x" * 117 + "…<" in page


def test_the_report_section_renders_the_same_partial_from_r_health():
    report = make_report()
    env = environment(Settings())
    via_report = env.from_string('{% with h = r.health %}{% include "_health.html" %}{% endwith %}').render(
        r=SimpleNamespace(health=report))
    assert via_report == env.get_template("_health.html").render(h=report)
    assert WARNING_MESSAGE in via_report
    env.get_template("report.html")  # still compiles with the include


def test_write_health_html_writes_the_page_into_the_workspace(tmp_path):
    path = write_health_html(tmp_path, make_report(), Settings())
    assert path == tmp_path / HEALTH_FILE
    assert path.read_text(encoding="utf-8") == render_health(make_report(), Settings())


def test_round_trip_through_dict_renders_the_same_page():
    report = make_report()
    assert render_health(HealthReport.from_dict(report.to_dict()), Settings()) == render_health(report, Settings())
