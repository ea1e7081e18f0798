"""Content and configuration errors: values with a path and a line, collected and printed together."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ContentError(Exception):
    """Raised at the end of a stage that found problems; carries all of them."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = sorted(problems)

    def __reduce__(self) -> tuple[type, tuple[list[Problem]]]:
        # raised in forked render workers and pickled back to the parent whole
        return (ContentError, (self.problems,))
