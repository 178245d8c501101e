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

Result tables (TSV) are quoted the same way through :class:`ResultTable` (one file) and
:class:`ResultTables` (one file per key, e.g. per contrast)::

    params:
        ranked=ResultTables({c: f"{RESULTS}/reversal/{c}.tsv" for c in CONTRASTS}),

    {% set top = snakemake.params.ranked["MDD_vs_HC"].rows[0] %}{{ top.drug }}

Snakemake leaves objects of these kinds out of its params-changed check, so adding one
never reruns a job. A number or column the file does not hold stops the report with an
error instead of rendering as an empty string (Jinja's default for a missing key).
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


def _typed(text: str):
    """A TSV cell as the number, flag or text it holds (captions format numbers); a blank
    or NA cell is NaN, so a number format prints 'nan' instead of failing the report."""
    if text in ("", "NA", "NaN", "nan"):
        return float("nan")
    if text in ("True", "False"):
        return text == "True"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


class _Row(dict):
    """One table row; a column the table lacks raises MissingNumber (not KeyError)."""

    def __init__(self, values: dict, where: str):
        super().__init__(values)
        self._where = where

    def __getitem__(self, column):
        if column not in self:
            raise MissingNumber(
                f"{self._where} has no column {column!r}; it has: " + ", ".join(map(repr, self))
            )
        return super().__getitem__(column)

    def __getattr__(self, column):
        if column.startswith("_"):
            raise AttributeError(column)
        return self[column]


class ResultTable:
    """Read-only, lazily loaded rows of a result TSV (see module doc)."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        self._rows: list[_Row] | None = None

    @property
    def rows(self) -> list[_Row]:
        if self._rows is None:
            import csv

            try:
                with open(self.path, newline="", encoding="utf-8") as handle:
                    records = list(csv.DictReader(handle, delimiter="\t"))
            except FileNotFoundError:
                raise MissingNumber(
                    f"{self.path} does not exist: run the workflow before building the report"
                ) from None
            self._rows = [
                _Row({k: _typed(v) for k, v in record.items()}, self.path) for record in records
            ]
        return self._rows

    def where(self, **equal) -> list[_Row]:
        """Rows whose columns equal the given values, in file order."""
        return [row for row in self.rows if all(row[k] == v for k, v in equal.items())]

    def below(self, column: str, threshold: float) -> list[_Row]:
        """Rows whose ``column`` is a number below ``threshold`` (blank and NaN are not)."""
        return [
            row
            for row in self.rows
            if isinstance(row[column], (int, float)) and row[column] < threshold
        ]

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __getstate__(self):
        return {"path": self.path, "_rows": None}  # pickled into job scripts: never the rows

    def __repr__(self) -> str:
        return f"ResultTable({self.path!r})"


class ResultTables:
    """:class:`ResultTable` per key (contrast, signature), in the given order."""

    def __init__(self, paths: dict):
        self._tables = {key: ResultTable(path) for key, path in paths.items()}

    def __getitem__(self, key) -> ResultTable:
        if key not in self._tables:
            raise MissingNumber(f"no table for {key!r}; there are: " + ", ".join(self._tables))
        return self._tables[key]

    def __iter__(self):
        return iter(self._tables)

    def items(self):
        return list(self._tables.items())

    def __repr__(self) -> str:
        return f"ResultTables({ {key: t.path for key, t in self._tables.items()}!r})"
