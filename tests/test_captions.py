"""Result numbers in report captions, rendered the way Snakemake renders a caption."""

from __future__ import annotations

import json
import pickle

import pytest
from jinja2 import Environment

from proteosig.captions import MissingNumber, ResultNumbers


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
