"""Long loops report progress in the rule's log: a line per tenth of the work."""

from __future__ import annotations

import logging

import numpy as np

from proteosig.progress import Progress
from proteosig.similarity.signatures import simulate_cohort, signature_similarity


def _lines(caplog, what):
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith(what)]


def test_progress_logs_each_tenth_and_the_end(caplog):
    caplog.set_level(logging.INFO, logger="proteosig")
    progress = Progress("label null", 1000)
    for _ in range(15):  # blocks of 64, as the batched refits advance
        progress.advance(min(64, 1000 - progress.done))
    lines = _lines(caplog, "label null")
    assert 9 <= len(lines) <= 10
    assert lines[-1].startswith("label null: 960/1000") or "1000/1000 (100 %)" in lines[-1]
    progress.advance(40)
    assert "1000/1000 (100 %)" in _lines(caplog, "label null")[-1]


def test_similarity_permutations_report_progress(caplog):
    caplog.set_level(logging.INFO, logger="proteosig")
    matrix, samples = simulate_cohort(np.random.default_rng(2), n_per_group=8, n_proteins=40)
    signature_similarity(
        matrix, samples, case_a="A", case_b="B", control="HC", covariates=["age"],
        n_permutations=200, n_bootstrap=50, seed=1,
    )  # fmt: skip
    permutations = _lines(caplog, "A_vs_HC ~ B_vs_HC: permutations")
    assert permutations and "200/200 (100 %)" in permutations[-1]
    assert "50/50 (100 %)" in _lines(caplog, "A_vs_HC ~ B_vs_HC: bootstrap")[-1]
