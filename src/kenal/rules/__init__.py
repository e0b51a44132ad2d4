"""Rules written by the analyst, such as ``orders(days=30) == 0 and lifetime_value > 5_000_000``,
parsed here and evaluated by the engine over the feature table and the store's events and
transactions. The language is documented in the README ("Rule segments")."""

from kenal.rules.check import ALIASES, field_types
from kenal.rules.compile import condition
from kenal.rules.errors import RuleError
from kenal.rules.functions import FUNCTIONS
from kenal.rules.segments import RuleSegments, check_segments
from kenal.rules.syntax import parse_rule
from kenal.rules.tree import Rule
from kenal.rules.windows import with_windows

__all__ = ["ALIASES", "FUNCTIONS", "Rule", "RuleError", "RuleSegments", "check_segments", "condition",
           "field_types", "parse_rule", "with_windows"]
