"""Result numbers in report captions, rendered the way Snakemake renders a caption."""

from __future__ import annotations

import json
import pickle

import pytest
from jinja2 import Environment

from proteosig.captions import MissingNumber, ResultNumbers, ResultTable, ResultTables


def render(template: str, numbers: ResultNumbers) -> str:
    # Snakemake's report: a plain Environment, the job's params under snakemake.params
    env = Environment(trim_blocks=True, lstrip_blocks=True)

    class Params:
        pass

    params = Params()
    params.numbers = numbers
    return env.from_string(template).render(snakemake={"params": params})


@pytest.fixture
def numbers(tmp_path):
    path = tmp_path / "summary.json"
    path.write_text(json.dumps({"contrasts": {"AD_vs_HC": {"up": 3, "down": 1}}, "total": 4}))
    return ResultNumbers(path)


def test_caption_reads_numbers_and_nested_numbers(numbers):
    text = render(
        "{% set n = snakemake.params.numbers.contrasts['AD_vs_HC'] %}"
        "{{ n.up }} up, {{ n['down'] }} down, {{ snakemake.params.numbers.total }} in all",
        numbers,
    )
    assert text == "3 up, 1 down, 4 in all"


def test_a_number_the_run_did_not_write_stops_the_caption(numbers):
    # Jinja would print an empty string for a missing dict key: that must not happen
    with pytest.raises(MissingNumber, match="'contrasts' -> 'MDD_vs_HC'"):
        render("{{ snakemake.params.numbers.contrasts.MDD_vs_HC.up }}", numbers)
    with pytest.raises(MissingNumber, match="no 'totl'"):
        render("{{ snakemake.params.numbers.totl }}", numbers)


def test_missing_file_says_to_run_the_workflow(tmp_path):
    with pytest.raises(MissingNumber, match="run the workflow"):
        render("{{ snakemake.params.numbers.total }}", ResultNumbers(tmp_path / "none.json"))


def test_lazy_until_a_caption_asks(tmp_path):
    # params are built and pickled into the script before the file exists
    numbers = ResultNumbers(tmp_path / "later.json")
    assert repr(numbers) == f"ResultNumbers({str(tmp_path / 'later.json')!r})"
    copy = pickle.loads(pickle.dumps(numbers))
    (tmp_path / "later.json").write_text('{"total": 7}')
    assert copy["total"] == 7 and "total" in copy and dict(copy.items()) == {"total": 7}


@pytest.fixture
def ranked(tmp_path):
    path = tmp_path / "MDD_vs_HC.tsv"
    path.write_text("drug\trank\treversal_score\tsignificant\nA\t1\t0.25\tTrue\nB\t2\t-0.5\tFalse\n")
    return ResultTables({"MDD_vs_HC": path})


def test_caption_reads_table_rows_with_their_types(ranked):
    text = render(
        "{% set top = snakemake.params.numbers['MDD_vs_HC'].rows[0] %}"
        "{{ top.drug }} #{{ top['rank'] }} {{ '%.2f'|format(top.reversal_score) }}"
        "{{ ' *' if top.significant }};"
        "{% for row in snakemake.params.numbers['MDD_vs_HC'].where(significant=False) %}"
        " {{ row.drug }} {{ '%+.1f'|format(row.reversal_score) }}{% endfor %}",
        ranked,
    )
    assert text == "A #1 0.25 *; B -0.5"


def test_a_column_or_table_the_run_did_not_write_stops_the_caption(ranked, tmp_path):
    with pytest.raises(MissingNumber, match="no column 'fdr'; it has: 'drug', 'rank'"):
        render("{{ snakemake.params.numbers['MDD_vs_HC'].rows[0].fdr }}", ranked)
    with pytest.raises(MissingNumber, match="no table for 'PSO_vs_HC'"):
        render("{{ snakemake.params.numbers['PSO_vs_HC'].rows[0].drug }}", ranked)
    missing = ResultTable(tmp_path / "none.tsv")
    with pytest.raises(MissingNumber, match="run the workflow"):
        render("{{ snakemake.params.numbers.rows[0].drug }}", missing)


def test_tables_are_read_at_report_time_not_pickled(tmp_path):
    table = ResultTable(tmp_path / "later.tsv")
    assert repr(table) == f"ResultTable({str(tmp_path / 'later.tsv')!r})"
    copy = pickle.loads(pickle.dumps(table))
    (tmp_path / "later.tsv").write_text("a\tb\n1\tx\n")
    assert [dict(row) for row in copy] == [{"a": 1, "b": "x"}] and len(copy) == 1


def test_rows_below_a_threshold_skip_blank_and_nan(tmp_path):
    path = tmp_path / "gsea.tsv"
    path.write_text("set\tfdr_q\nA\t0.01\nB\t\nC\tnan\nD\t0.2\nE\t0.049\n")
    assert [row.set for row in ResultTable(path).below("fdr_q", 0.05)] == ["A", "E"]
    blank = ResultTable(path).rows[1]
    assert render("{{ '%.3g'|format(snakemake.params.numbers.fdr_q) }}", blank) == "nan"
