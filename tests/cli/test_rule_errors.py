"""A bad rule in kenal.toml, as a user sees it: one line, exit code 2, no traceback."""

from __future__ import annotations

from tests.cli.test_errors import assert_one_line_error, kenal
from tests.rules.rule_shop import write_shop

CAMPAIGNS = """
[segmentations.campaigns]
kind = "rules"
segments = [{{name = "Big spenders", rule = "{rule}"}}]
"""


def workspace_with_rule(tmp_path, rule: str):
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "kenal.toml").write_text('consent_default = "grant"\n' + CAMPAIGNS.format(rule=rule), encoding="utf-8")
    return ws


def test_a_rule_that_does_not_parse_stops_before_any_work(tmp_path):
    ws = workspace_with_rule(tmp_path, "orders(days=30) = 0")
    result = kenal("run", "--workspace", str(ws))
    assert_one_line_error(result, f"{ws / 'kenal.toml'}: [segmentations.campaigns] segment 'Big spenders': expected "
                                  "an operator or the end of the rule, found '=' at column 17 of `orders(days=30) = 0`; "
                                  "write == to compare")


def test_an_unknown_field_is_found_when_the_rule_meets_the_feature_table(tmp_path):
    ws = workspace_with_rule(tmp_path, "orders(days=30) == 0 and lifetim_value > 5")
    result = kenal("run", "--input", str(write_shop(tmp_path / "in")), "--workspace", str(ws))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    (line,) = [line for line in result.stderr.splitlines() if line.strip()]
    assert line.startswith("error: [segmentations.campaigns] segment 'Big spenders': unknown field 'lifetim_value' "
                           "at column 26 of `orders(days=30) == 0 and lifetim_value > 5`; did you mean "
                           "lifetime_value? known fields: ")
    assert {"avg_basket", "lifetime_orders", "lifetime_value", "region"} <= set(line.split("known fields: ")[1].split(", "))
