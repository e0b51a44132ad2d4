"""The migration chart: bars and bands sized by customers."""

from __future__ import annotations

import pandas as pd

from kenal.report.sankey import sankey_svg


def test_bars_and_bands_are_as_large_as_their_customers():
    table = pd.DataFrame({"from_segment": ["A", "A", "B"], "to_segment": ["A", "B", "B"], "customers": [30, 10, 60]})
    svg = str(sankey_svg(table, "May", "June", {"A": "#111111", "B": "#222222"}, order=["B", "A"]))
    # 420 px less 40 of margins and two gaps of 8 leave 364 px for 100 customers
    assert svg.count('height="145.6"') == 1  # A on the left: 40 customers
    assert svg.count('height="109.2"') == 1  # A on the right: 30
    assert svg.count('height="254.8"') == 1  # B on the right: 70
    assert svg.count('height="218.4"') == 1  # B on the left: 60
    assert svg.count("<path ") == 3 and "<title>A → B: 10 customers</title>" in svg
    # B comes first, as ordered: its left bar starts at the top
    assert '<rect x="190" y="30.0" width="14" height="218.4" fill="#222222"/>' in svg


def test_no_flows_draw_nothing():
    empty = pd.DataFrame({"from_segment": ["A"], "to_segment": ["B"], "customers": [0]})
    assert str(sankey_svg(empty, "May", "June", {})) == ""


def test_a_long_segment_name_is_shortened_beside_its_bar_and_whole_in_its_tooltip():
    name = "Lapsed big-basket occasional electronics shoppers"
    table = pd.DataFrame({"from_segment": [name], "to_segment": [name], "customers": [5]})
    svg = str(sankey_svg(table, "May", "June", {}))
    assert svg.count(f"<title>{name}</title>Lapsed big-basket occ… (5)</text>") == 2  # left and right
