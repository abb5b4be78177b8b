"""Errors a person can fix: which file, which line, which field."""

from __future__ import annotations

from bisect import insort
from dataclasses import dataclass

MAX_REPORTED = 20


@dataclass(frozen=True)
class FieldProblem:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, {self.field}: {self.message}"


class BadImportFile(Exception):
    """The file was refused whole; nothing was imported."""

    def __init__(self, source: str, problems: list[FieldProblem], more: int = 0) -> None:
        self.source = source
        self.problems = problems
        self.more = more
        lines = "; ".join(str(p) for p in problems[:3])
        extra = len(problems) - 3 + more
        tail = f" (and {extra} more)" if extra > 0 else ""
        super().__init__(f"{source}: nothing imported. {lines}{tail}")

    def details(self) -> list[str]:
        rows = [str(p) for p in self.problems]
        if self.more:
            rows.append(f"… and {self.more} more problems")
        return rows


def _line(problem: FieldProblem) -> int:
    return problem.line


class UsageOutOfBounds(Exception):
    """A source without lines (a provider's answer) gave a value outside the usage bounds; nothing is written."""


class ProblemCollector:
    """Collects problems in line order, keeping the first `MAX_REPORTED` lines and counting the rest.

    Problems arrive out of line order (a management cycle is found after every row was read, a
    duplicate key when the rows are written), yet the report reads top to bottom like the file.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[FieldProblem] = []  # sorted by line; equal lines keep the order found
        self.more = 0

    def add(self, line: int, field: str, message: str) -> None:
        problem = FieldProblem(line, field, message)
        if len(self.problems) < MAX_REPORTED:
            insort(self.problems, problem, key=_line)
        elif line < self.problems[-1].line:
            self.problems.pop()
            insort(self.problems, problem, key=_line)
            self.more += 1
        else:
            self.more += 1

    def add_more(self, count: int) -> None:
        """Count `count` problems on lines after every problem added so far, without their text."""
        self.more += count

    def __bool__(self) -> bool:
        return bool(self.problems)

    def raise_if_any(self) -> None:
        if self.problems:
            raise BadImportFile(self.source, self.problems, self.more)
