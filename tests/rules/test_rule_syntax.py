"""The rule language's parser: what it reads, and exactly what it says about what it cannot read."""

from __future__ import annotations

import pytest

from kenal.errors import ConfigError
from kenal.rules import RuleError, parse_rule
from kenal.rules.tree import Arithmetic, Bool, Call, Compare, Field, Logic, Negate, Not, Number, Text


def tree(text: str):
    return parse_rule(text).tree


def test_the_examples_of_the_issue():
    assert tree('visits("Product Viewed", days=7) >= 3') == Compare(
        (Call("visits", ("Product Viewed",), 7), Number(3)), (">=",))
    assert tree("orders(days=30) == 0 and lifetime_value > 5_000_000") == Logic(
        "and", Compare((Call("orders", (), 30), Number(0)), ("==",)),
        Compare((Field("lifetime_value"), Number(5_000_000)), (">",)))
    assert tree('viewed_page("/pricing", days=14) >= 2 and orders(days=14) == 0') == Logic(
        "and", Compare((Call("viewed_page", ("/pricing",), 14), Number(2)), (">=",)),
        Compare((Call("orders", (), 14), Number(0)), ("==",)))


def test_precedence_is_or_then_and_then_not_then_comparison_then_arithmetic():
    a, b, c = (Compare((Field(x), Number(1)), (">",)) for x in "abc")
    assert tree("a > 1 or b > 1 and c > 1") == Logic("or", a, Logic("and", b, c))
    assert tree("(a > 1 or b > 1) and c > 1") == Logic("and", Logic("or", a, b), c)
    assert tree("not a > 1 and b > 1") == Logic("and", Not(a), b)
    assert tree("not not a > 1") == Not(Not(a))
    assert tree("x + 2 * y - z / 4 > 0") == Compare((Arithmetic(
        "-", Arithmetic("+", Field("x"), Arithmetic("*", Number(2), Field("y"))),
        Arithmetic("/", Field("z"), Number(4))), Number(0)), (">",))
    assert tree("x - y - z > 0") == Compare(  # left to right
        (Arithmetic("-", Arithmetic("-", Field("x"), Field("y")), Field("z")), Number(0)), (">",))
    assert tree("-x < -2.5") == Compare((Negate(Field("x")), Number(-2.5)), ("<",))


def test_comparisons_chain():
    assert tree("1 <= orders(days=30) < 5") == Compare(
        (Number(1), Call("orders", (), 30), Number(5)), ("<=", "<"))


def test_literals():
    assert tree("x == 5_000_000") == Compare((Field("x"), Number(5_000_000)), ("==",))
    assert tree("x == 1_000.250_5") == Compare((Field("x"), Number(1000.2505)), ("==",))
    assert tree("x == 2e6") == Compare((Field("x"), Number(2e6)), ("==",))
    assert isinstance(tree("x == 7").operands[1].value, int)
    assert isinstance(tree("x == 7.0").operands[1].value, float)
    assert tree("x < 99999999999999999999").operands[1].value == 1e20  # beyond int64: a float
    assert tree("region == 'Jawa \\'Barat\\''") == Compare((Field("region"), Text("Jawa 'Barat'")), ("==",))
    assert tree('region != "Bali"') == Compare((Field("region"), Text("Bali")), ("!=",))
    assert tree("true") == Bool(True)
    assert tree("false or x > 1") == Logic("or", Bool(False), Compare((Field("x"), Number(1)), (">",)))


def test_arguments_in_order_or_by_name_and_whitespace_anywhere():
    expected = Compare((Call("visits", ("Product Viewed",), 7), Number(3)), (">=",))
    assert tree('visits(event="Product Viewed", days=7) >= 3') == expected
    assert tree("visits( days = 7 , event = 'Product Viewed' )>=3") == expected
    assert tree('visits("Product Viewed",\n       days=7)\n>= 3') == expected


def test_calls_are_listed_once_and_fields_as_written():
    rule = parse_rule("orders(days=7) > 0 and orders(days=7) < 3 or orders(days=8) > 0 and "
                      "lifetime_value > 1 and lifetime_value < 9 and region == 'x'")
    assert rule.calls == (Call("orders", (), 7), Call("orders", (), 8))
    assert rule.fields == ("lifetime_value", "region")
    assert str(rule) == rule.text


MALFORMED = [
    ("", "the rule is empty; write a condition such as orders(days=30) == 0"),
    ("   ", "the rule is empty; write a condition such as orders(days=30) == 0"),
    ("orders(days=30) = 0",
     "expected an operator or the end of the rule, found '=' at column 17 of `orders(days=30) = 0`; write == to compare"),
    ("x > 1 AND y < 2",
     "expected an operator or the end of the rule, found 'AND' at column 7 of `x > 1 AND y < 2`; write and in lower case"),
    ("x > 1 && y < 2",
     "expected an operator or the end of the rule, found '&&' at column 7 of `x > 1 && y < 2`; write and"),
    ("x > 1 || y < 2",
     "expected an operator or the end of the rule, found '||' at column 7 of `x > 1 || y < 2`; write or"),
    ("x y", "expected an operator or the end of the rule, found 'y' at column 3 of `x y`"),
    ("x > 1)", "expected an operator or the end of the rule, found ')' at column 6 of `x > 1)`; "
               "this ')' closes no '('"),
    ("(x > 1", "expected an operator or ')' to close the '(' at column 1, found the end of the rule "
               "at column 7 of `(x > 1`"),
    ("x >", "expected a value (a number, a \"string\", a field or a function call), found the end of the rule "
            "at column 4 of `x >`"),
    ("x > 1 and", "expected a value (a number, a \"string\", a field or a function call), found the end of the rule "
                  "at column 10 of `x > 1 and`"),
    ("x > 1 and or y > 2", "expected a value (a number, a \"string\", a field or a function call), found 'or' "
                           "at column 11 of `x > 1 and or y > 2`"),
    ("x == not y", "expected a value (a number, a \"string\", a field or a function call), found 'not' "
                   "at column 6 of `x == not y`"),
    ("x ** 2 > 1", "expected a value (a number, a \"string\", a field or a function call), found '*' "
                   "at column 4 of `x ** 2 > 1`"),
    ("x > $5", "unexpected character '$' at column 5 of `x > $5`; a rule uses fields, functions, numbers, \"strings\", "
               "and/or/not, comparisons, + - * /"),
    ("x.y > 1", "unexpected character '.' at column 2 of `x.y > 1`; a rule uses fields, functions, numbers, "
                "\"strings\", and/or/not, comparisons, + - * /"),
    ('region == "Bali', 'this string is not closed at column 11 of `region == "Bali`; end it with "'),
    ("x > 5__000", "'5__000' is not a number at column 5 of `x > 5__000`; write digits with single _ between groups "
                   "and an optional decimal part, e.g. 5_000_000 or 0.25"),
    ("x > 5_", "'5_' is not a number at column 5 of `x > 5_`; write digits with single _ between groups "
               "and an optional decimal part, e.g. 5_000_000 or 0.25"),
    ("x > 0x1F", "'0x1F' is not a number at column 5 of `x > 0x1F`; write digits with single _ between groups "
                 "and an optional decimal part, e.g. 5_000_000 or 0.25"),
    ("x > 1.2.3", "'1.2.3' is not a number at column 5 of `x > 1.2.3`; write digits with single _ between groups "
                  "and an optional decimal part, e.g. 5_000_000 or 0.25"),
    # functions and their arguments
    ('visit("Product Viewed", days=7) > 1',
     "unknown function 'visit' at column 1 of `visit(\"Product Viewed\", days=7) > 1`; did you mean visits? "
     "known functions: visits, viewed_page, orders, revenue, returns, behaviour_shift"),
    ("lifetime_value(days=7) > 1",
     "unknown function 'lifetime_value' at column 1 of `lifetime_value(days=7) > 1`; "
     "known functions: visits, viewed_page, orders, revenue, returns, behaviour_shift"),
    ("orders > 3", "orders is a function at column 1 of `orders > 3`; call it, e.g. orders(days=30)"),
    ('visits("Product Viewed", dayz=7) > 1',
     "visits() has no argument 'dayz' at column 26 of `visits(\"Product Viewed\", dayz=7) > 1`; did you mean days? "
     "its arguments: event, days"),
    ("orders(window=7) > 1", "orders() has no argument 'window' at column 8 of `orders(window=7) > 1`; "
                             "its arguments: days"),
    ("orders() > 1", "orders() needs days=N at column 8 of `orders() > 1`; e.g. orders(days=30)"),
    ("orders(30) > 1", "too many arguments for orders(days=N) at column 8 of `orders(30) > 1`; "
                       "give the window by name, e.g. orders(days=30)"),
    ('viewed_page("/a", "/b", days=7) > 1',
     "too many arguments for viewed_page(path, days=N) at column 19 of `viewed_page(\"/a\", \"/b\", days=7) > 1`; "
     "e.g. viewed_page(\"/pricing\", days=14)"),
    ("visits(days=7) > 1", "visits() needs event at column 14 of `visits(days=7) > 1`; "
                           "e.g. visits(\"Product Viewed\", days=7)"),
    ("visits(3, days=7) > 1", "event must be a \"string\", found 3 at column 8 of `visits(3, days=7) > 1`; "
                              "e.g. visits(\"Product Viewed\", days=7)"),
    ("visits(region, days=7) > 1", "event must be a \"string\", found region at column 8 of "
                                   "`visits(region, days=7) > 1`; e.g. visits(\"Product Viewed\", days=7)"),
    ("orders(days=0) > 1", "days must be a whole number above 0, found 0 at column 13 of `orders(days=0) > 1`; "
                           "e.g. orders(days=30)"),
    ("orders(days=-7) > 1", "days must be a whole number above 0, found -7 at column 13 of `orders(days=-7) > 1`; "
                            "e.g. orders(days=30)"),
    ("orders(days=1.5) > 1", "days must be a whole number above 0, found 1.5 at column 13 of "
                             "`orders(days=1.5) > 1`; e.g. orders(days=30)"),
    ('orders(days="7") > 1', "days must be a whole number above 0, found \"7\" at column 13 of "
                             "`orders(days=\"7\") > 1`; e.g. orders(days=30)"),
    ("orders(days=7*4) > 1", "days must be a whole number above 0, found 7*4 at column 13 of "
                             "`orders(days=7*4) > 1`; e.g. orders(days=30)"),
    ("orders(days=7, days=8) > 1", "days is given twice at column 16 of `orders(days=7, days=8) > 1`"),
    ('visits("a", event="b", days=7) > 1', "event is given twice at column 13 of `visits(\"a\", event=\"b\", days=7) > 1`"),
    ('visits(days=7, "a") > 1', "an argument without a name after a named one in visits(event, days=N) "
                                "at column 16 of `visits(days=7, \"a\") > 1`"),
    ("orders(days=7 > 1", "expected ',' or ')' in orders(days=N), found '>' at column 15 of `orders(days=7 > 1`"),
    ("orders(days=7,) > 1", "expected a value (a number, a \"string\", a field or a function call), found ')' "
                            "at column 15 of `orders(days=7,) > 1`"),
    # parts that do not fit, known without the feature table
    ("orders(days=7)", "a rule must be a condition, found a number at column 1 of `orders(days=7)`; "
                       "compare it, e.g. lifetime_value > 5_000_000"),
    ("'Bali'", "a rule must be a condition, found text at column 1 of `'Bali'`; "
               "compare it, e.g. lifetime_value > 5_000_000"),
    ('"a" > 3', "cannot compare text (\"a\") with a number (3) at column 5 of `\"a\" > 3`"),
    ("orders(days=7) == 'none'", "cannot compare a number (orders(days=7)) with text ('none') at column 16 of "
                                 "`orders(days=7) == 'none'`"),
    ('region > "B"', "text can only be compared with == or != at column 8 of `region > \"B\"`"),
    ("true < false", "a condition can only be compared with == or != at column 6 of `true < false`"),
    ("(x > 1) == 3", "cannot compare a condition ((x > 1)) with a number (3) at column 9 of `(x > 1) == 3`"),
    ("not orders(days=7)", "not needs a condition, found a number (orders(days=7)) at column 5 of "
                           "`not orders(days=7)`"),
    ("orders(days=7) and x > 1", "and joins conditions, found a number (orders(days=7)) at column 1 of "
                                 "`orders(days=7) and x > 1`"),
    ("x > 1 or 'yes'", "or joins conditions, found text ('yes') at column 10 of `x > 1 or 'yes'`"),
    ("orders(days=7) + 'a' > 1", "'+' needs numbers, found text ('a') at column 18 of `orders(days=7) + 'a' > 1`"),
    ("-(x > 1) < 0", "'-' needs a number, found a condition ((x > 1)) at column 2 of `-(x > 1) < 0`"),
]


@pytest.mark.parametrize("rule, message", MALFORMED, ids=[m[0] or "empty" for m in MALFORMED])
def test_a_malformed_rule_is_named_at_its_column(rule, message):
    with pytest.raises(RuleError) as exc:
        parse_rule(rule)
    assert str(exc.value) == message
    assert isinstance(exc.value, ConfigError)  # the CLI prints it on one line and exits 2
    assert "\n" not in str(exc.value)


def test_the_pointer_puts_a_caret_under_the_column():
    with pytest.raises(RuleError) as exc:
        parse_rule('visits("Product Viewed", dayz=7) >= 3')
    assert exc.value.pointer == ('visits("Product Viewed", dayz=7) >= 3\n'
                                 "                         ^")
    assert exc.value.position == 25


def test_a_rule_over_several_lines_is_shown_on_one_with_the_same_columns():
    with pytest.raises(RuleError) as exc:
        parse_rule("orders(days=30) == 0\nand lifetime_value >")
    assert str(exc.value) == ("expected a value (a number, a \"string\", a field or a function call), found the end "
                              "of the rule at column 42 of `orders(days=30) == 0 and lifetime_value >`")
    assert exc.value.pointer.splitlines()[1] == " " * 41 + "^"


def test_within_names_where_the_rule_is():
    with pytest.raises(RuleError) as exc:
        parse_rule("orders(days=0) > 1")
    located = exc.value.within("kenal.toml: [segmentations.c] segment 'X'")
    assert str(located) == ("kenal.toml: [segmentations.c] segment 'X': days must be a whole number above 0, found 0 "
                            "at column 13 of `orders(days=0) > 1`; e.g. orders(days=30)")
    assert located.position == 12
