"""The one small exception hierarchy of kenal.

Every error a user can cause is a :class:`KenalError` whose message says what failed and what
to do; the CLI prints that message on one line and exits with :attr:`KenalError.exit_code`.
"""

from __future__ import annotations


def first_line(exc: BaseException) -> str:
    """The first line of a library's error message (its own words for what failed), else its type."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class KenalError(Exception):
    """Base class of every error kenal raises on purpose."""

    exit_code = 2


class SourceError(KenalError):
    """A whole input source cannot be used: unreadable, empty, missing a column, wrong type."""

    def __init__(self, file: str, problem: str, *, column: str | None = None,
                 example: object = None, expected: str | None = None):
        self.file, self.column, self.example, self.expected = file, column, example, expected
        parts = [f"{file}:"]
        if column is not None:
            parts.append(f"column '{column}'")
        parts.append(problem)
        if example is not None:
            parts.append(f"(example: {example!r})")
        if expected is not None:
            parts.append(f"- expected {expected}")
        super().__init__(" ".join(parts))


class ConfigError(KenalError):
    """The workspace configuration or a command-line option is invalid."""


class WorkspaceError(KenalError):
    """The workspace is missing something a command needs (e.g. no data ingested yet)."""


class ConsentError(KenalError):
    """No customer may be profiled: consent rules leave nobody to build features for."""


class EngineError(KenalError):
    """The engine cannot be reached or started: a wrong DSN, a server down, no Java, a bad Spark master."""
