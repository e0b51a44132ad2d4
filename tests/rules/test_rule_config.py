"""A ``rules`` segmentation in kenal.toml: read, checked when settings are read, and written back."""

from __future__ import annotations

import pytest

from kenal.config import CONFIG_FILE, Settings, load_settings
from kenal.errors import ConfigError
from kenal.rules import RuleError
from kenal.segmentations.spec import spec

CAMPAIGNS = '''
[segmentations.campaigns]
kind = "rules"
segments = [
  {name = "Hot browsers", rule = 'visits("Product Viewed", days=7) >= 3 and orders(days=7) == 0'},
  {name = "Big spenders", rule = "lifetime_value > 5_000_000"},
]
'''


def settings_from(tmp_path, text: str) -> Settings:
    (tmp_path / CONFIG_FILE).write_text(text, encoding="utf-8")
    return load_settings(tmp_path)


def test_rule_segments_are_read_in_order_with_the_default_name(tmp_path):
    (campaigns,) = settings_from(tmp_path, CAMPAIGNS).segmentations
    assert (campaigns.name, campaigns.kind) == ("campaigns", "rules")
    assert campaigns["segments"] == [
        {"name": "Hot browsers", "rule": 'visits("Product Viewed", days=7) >= 3 and orders(days=7) == 0'},
        {"name": "Big spenders", "rule": "lifetime_value > 5_000_000"}]
    assert campaigns["default"] == "Everyone else"


def test_a_multi_line_rule_and_a_default_name(tmp_path):
    text = ("[segmentations.c]\nkind = \"rules\"\ndefault = \"The rest\"\n"
            "segments = [{name = \"A\", rule = '''\norders(days=30) == 0\n  and lifetime_value > 1\n'''}]\n")
    (c,) = settings_from(tmp_path, text).segmentations
    assert c["default"] == "The rest"
    assert c["segments"] == [{"name": "A", "rule": "orders(days=30) == 0\n  and lifetime_value > 1\n"}]


def test_settings_with_rules_are_written_and_read_back_the_same(tmp_path):
    segments = [{"name": 'Say "hi"', "rule": 'viewed_page("/pricing", days=14) >= 2\nand region == "Bali"'}]
    settings = Settings(segmentations=(spec("campaigns", "rules", segments=segments, default="Rest"),))
    (tmp_path / CONFIG_FILE).write_text(settings.to_toml(), encoding="utf-8")
    assert load_settings(tmp_path).segmentations == settings.segmentations


def test_a_bad_rule_is_named_with_the_file_segmentation_and_segment(tmp_path):
    with pytest.raises(RuleError) as exc:
        settings_from(tmp_path, CAMPAIGNS.replace("days=7) >= 3", "dayz=7) >= 3"))
    assert str(exc.value) == (
        f"{tmp_path / CONFIG_FILE}: [segmentations.campaigns] segment 'Hot browsers': visits() has no argument "
        "'dayz' at column 26 of `visits(\"Product Viewed\", dayz=7) >= 3 and orders(days=7) == 0`; did you mean "
        "days? its arguments: event, days")


@pytest.mark.parametrize("segments, message", [
    (None, "segments = [] is not a list of {name = \"...\", rule = \"...\"} tables, at least one, in priority order"),
    ("[]", "segments = [] is not a list of {name = \"...\", rule = \"...\"} tables, at least one, in priority order"),
    ('["x > 1"]', "segment 1 must be {name = \"...\", rule = \"...\"}, found 'x > 1'"),
    ('[{name = "A"}]', "segment 1 must be {name = \"...\", rule = \"...\"}, found name"),
    ('[{name = "A", rule = "x > 1", when = "now"}]',
     "segment 1 must be {name = \"...\", rule = \"...\"}, found name, rule, when"),
    ('[{name = "", rule = "x > 1"}]', "segment 1 needs a name, found ''"),
    ('[{name = 3, rule = "x > 1"}]', "segment 1 needs a name, found 3"),
    ('[{name = "A", rule = "x > 1"}, {name = "A", rule = "x > 2"}]',
     "segment 2 is named 'A', which is another segment's name"),
    ('[{name = "Everyone else", rule = "x > 1"}]',
     "segment 1 is named 'Everyone else', which is the default segment's name"),
    ('[{name = "A", rule = 5}]', "segment 'A' has a rule that is not text: 5"),
])
def test_a_wrong_segment_list_says_what_was_expected(tmp_path, segments, message):
    text = '[segmentations.campaigns]\nkind = "rules"\n' + (f"segments = {segments}\n" if segments else "")
    with pytest.raises(ConfigError) as exc:
        settings_from(tmp_path, text)
    assert str(exc.value) == f"{tmp_path / CONFIG_FILE}: [segmentations.campaigns]: {message}"


def test_an_unknown_option_lists_the_known_ones(tmp_path):
    with pytest.raises(ConfigError) as exc:
        settings_from(tmp_path, CAMPAIGNS + 'else = "Others"\n')
    assert str(exc.value) == (f"{tmp_path / CONFIG_FILE}: [segmentations.campaigns]: unknown option(s) else for kind "
                              "'rules'; known: segments, default")
