"""The error of a rule that cannot be used, pointing at the place in the rule."""

from __future__ import annotations

from difflib import get_close_matches

from kenal.errors import ConfigError


class RuleError(ConfigError):
    """A rule that does not parse, names an unknown field or function, or misuses one.

    The message is one line (the CLI prints it as is): where the rule is configured, what is wrong,
    the column (counted from 1) and the rule, then a hint such as the known names.
    :attr:`pointer` shows the rule with a caret under the column, for a notebook or a log.
    """

    def __init__(self, rule: str, position: int, problem: str, hint: str = "", where: str = ""):
        self.rule, self.position, self.problem, self.hint, self.where = rule, position, problem, hint, where
        message = f"{problem} at column {position + 1} of `{_one_line(rule)}`" if rule.strip() else problem
        if hint:
            message += f"; {hint}"
        super().__init__(f"{where}: {message}" if where else message)

    @property
    def pointer(self) -> str:
        """The rule and a caret under the offending position, on two lines."""
        return f"{_one_line(self.rule)}\n{' ' * self.position}^"

    def within(self, where: str) -> "RuleError":
        """The same error, said to be in ``where`` (e.g. "kenal.toml: [segmentations.x] segment 'Y'")."""
        return RuleError(self.rule, self.position, self.problem, self.hint, where)


def _one_line(rule: str) -> str:
    # A rule may span lines in kenal.toml; shown on one line, each character stays in its column.
    return rule.replace("\r", " ").replace("\n", " ").replace("\t", " ")


def did_you_mean(name: str, known) -> str:
    """\"did you mean X? \" when ``name`` is a near miss of a known name, else \"\"."""
    close = get_close_matches(name, list(known), n=1, cutoff=0.75)
    return f"did you mean {close[0]}? " if close else ""
