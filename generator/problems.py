"""Problems found in the input, and the one error type the core raises.

The core never talks to the terminal: it collects :class:`Problem` records across
all inputs and raises :class:`DossierError` once. The CLI turns that into output
and an exit code at the edge.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, located as precisely as we can.

    ``path`` is relative to the project root when it lies inside it. ``line``
    and ``col`` are 1-based; 0 means unknown.
    """

    path: str
    line: int = 0
    col: int = 0
    field: str = ""
    message: str = ""
    hint: str = ""
    severity: Severity = Severity.ERROR
    strict: bool = False
    """A warning that ``--strict`` made fail the command (it says so)."""

    def __str__(self) -> str:
        where = self.path
        if self.line:
            where += f":{self.line}"
            if self.col:
                where += f":{self.col}"
        text = f"{where}: "
        if self.field:
            text += f"{self.field}: "
        text += self.message
        if self.hint:
            # "unknown field. Did you mean ...?" reads as two sentences, as it should.
            if not self.message.endswith((".", "?", "!", ":")):
                text += "."
            text += f" {self.hint}"
        if self.severity is Severity.WARNING:
            text = (
                f"{text} (warning, an error under --strict)" if self.strict else f"{text} (warning)"
            )
        return text

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


@dataclass
class DossierError(Exception):
    """Raised by the core when the input cannot be turned into a site."""

    problems: Sequence[Problem] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        super().__init__(self.__str__())

    def __reduce__(self) -> tuple[type[DossierError], tuple[tuple[Problem, ...]]]:
        # Rebuilt from the problems when it crosses a process boundary (parallel rendering).
        return (DossierError, (tuple(self.problems),))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


NOT_A_PROJECT = "is this a dossier project? (run dossier in its folder, or give it with -C FOLDER)"
"""Said where a project's site.yaml is not found."""


class UnknownIds(DossierError):
    """Ids given on the command line that the project does not have: the CLI reports
    them as a usage error (exit 2), not as problems in the input."""


class Stopped(SystemExit):
    """SIGTERM (a cancelled CI job, a process manager): the command unwinds as for an
    error and exits 128 + 15. ``written``: it came once the new site was going in place
    and was held until the site was complete."""

    written = False


class InterruptedAfterWriting(KeyboardInterrupt):
    """Ctrl-C that came while the new site was being put in place: it was held until the
    site was complete, so the command says the site was written, not that nothing was."""


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """Return ``"Did you mean 'x'?"`` for the closest candidate, or ``""``."""
    close = difflib.get_close_matches(word, sorted(set(candidates)), n=1, cutoff=0.6)
    return f"Did you mean {close[0]!r}?" if close else ""
