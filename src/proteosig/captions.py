"""Result numbers for report captions.

Snakemake renders a caption as a Jinja template with ``snakemake.params``,
``snakemake.config`` and ``snakemake.wildcards`` of the job that made the figure, but a
template cannot open files, and params are evaluated before the job runs. So a rule
writes its key numbers to a JSON file and passes a :class:`ResultNumbers` that points at
it as a param; the file is read only when a caption asks for a number, at ``--report``
time. In a rule::

    params:
        numbers=ResultNumbers(f"{RESULTS}/differential/summary.json"),

and in its caption ``{{ snakemake.params.numbers.contrasts[snakemake.wildcards.contrast].up }}``.

Snakemake leaves objects of this kind out of its params-changed check, so adding one never
reruns a job. A number the file does not hold stops the report with an error instead of
rendering as an empty string (Jinja's default for a missing key).
"""

from __future__ import annotations

import json
from pathlib import Path


class MissingNumber(Exception):
    """A caption asked for a number the run did not write (deliberately not a KeyError:
    Jinja would turn that into an empty string)."""


class ResultNumbers:
    """Read-only, lazily loaded view of a JSON file of result numbers (see module doc)."""

    def __init__(self, path: str | Path, *, _data: dict | None = None, _where: str = ""):
        self.path = str(path)
        self._data = _data
        self._where = _where

    def _load(self) -> dict:
        if self._data is None:
            try:
                self._data = json.loads(Path(self.path).read_text())
            except FileNotFoundError:
                raise MissingNumber(
                    f"{self.path} does not exist: run the workflow before building the report"
                ) from None
        return self._data

    def __getitem__(self, key):
        data = self._load()
        if key not in data:
            raise MissingNumber(
                f"{self.path} has no {self._where}{key!r}; it holds: " + ", ".join(map(repr, data))
            )
        value = data[key]
        if isinstance(value, dict):
            return ResultNumbers(self.path, _data=value, _where=f"{self._where}{key!r} -> ")
        return value

    def __iter__(self):
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())

    def __contains__(self, key) -> bool:
        return key in self._load()

    def items(self):
        return [(key, self[key]) for key in self._load()]

    def __repr__(self) -> str:
        # shown in job logs and the report's params: never read the file for it
        return f"ResultNumbers({self.path!r})"
