"""One exception type for every problem a user can fix in their own input.

Messages are built from four parts so that every error names the file, the place in
it, what was expected and what to do, in one line. The pipeline's script runner prints
only this message (no traceback) and removes partial outputs.
"""

from __future__ import annotations

from pathlib import Path


class InputError(ValueError):
    """Bad input: a file, a column, a row or a config value the user must fix."""

    def __init__(
        self,
        source: str | Path,
        problem: str,
        *,
        where: str | None = None,
        expected: str | None = None,
        fix: str | None = None,
    ) -> None:
        self.source = str(source)
        self.problem = problem
        self.where = where
        self.expected = expected
        self.fix = fix
        super().__init__(self.message)

    @property
    def message(self) -> str:
        location = self.source if not self.where else f"{self.source} ({self.where})"
        parts = [f"{location}: {self.problem}"]
        if self.expected:
            parts.append(f"expected {self.expected}")
        if self.fix:
            parts.append(f"fix: {self.fix}")
        return "; ".join(parts)

    def __str__(self) -> str:
        return self.message


def rows_preview(rows, limit: int = 5) -> str:
    """Format row numbers or labels for a message: '3, 7, 12 (+4 more)'."""
    items = [str(r) for r in rows]
    shown = ", ".join(items[:limit])
    if len(items) > limit:
        shown += f" (+{len(items) - limit} more)"
    return shown
