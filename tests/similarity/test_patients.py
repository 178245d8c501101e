"""Patient-level signature scores: exact leave-one-out, carriers, planted subset recovery."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from proteosig.errors import InputError
from proteosig.similarity.patients import (
    PatientSettings,
    _project,
    call_carriers,
    signature_scores,
)
from proteosig.similarity.signatures import simulate_cohort

KW = {"groups": ["A", "B"], "group_levels": ["HC", "A", "B"], "control_group": "HC"}


def _brute_force_score(matrix, samples, sample, group, top_n):
    """Refit ordinary least squares without ``sample`` and score it (the definition)."""
    keep = samples["sample_id"] != sample
    rest, rest_matrix = samples[keep], matrix.loc[keep.to_numpy()]
    levels = ["HC", "A", "B"]
    x = np.column_stack(
        [(rest["group"] == g).to_numpy(float) for g in levels] + [rest["age"].to_numpy(float)]
    )
    row = samples.set_index("sample_id").loc[sample]
    x_control = np.array([1.0, 0.0, 0.0, row["age"]])
    c = np.zeros(4)
    c[levels.index(group)], c[0] = 1.0, -1.0
    values = np.full(matrix.shape[1], np.nan)
    weights, ts, zs = values.copy(), values.copy(), values.copy()
    for j, protein in enumerate(matrix.columns):
        y = rest_matrix[protein].to_numpy(float)
        ok = np.isfinite(y)
        xo, yo = x[ok], y[ok]
        beta, *_ = np.linalg.lstsq(xo, yo, rcond=None)
        resid = yo - xo @ beta
        sigma = np.sqrt(resid @ resid / (ok.sum() - 4))
        unscaled = np.sqrt(c @ np.linalg.inv(xo.T @ xo) @ c)
        logfc = c @ beta
        ts[j] = logfc / (unscaled * sigma)
        weights[j] = logfc / sigma
        zs[j] = (matrix.loc[matrix.index == sample, protein].iloc[0] - x_control @ beta) / sigma
    return float(_project(weights[None, :], ts[None, :], zs[None, :], top_n)[0])


@pytest.mark.parametrize("with_missing", [False, True])
def test_closed_form_equals_refitting_without_the_sample(with_missing):
    rng = np.random.default_rng(4)
    effect = np.zeros(30)
    effect[:5] = 1.0
    matrix, samples = simulate_cohort(rng, n_per_group=8, n_proteins=30, effect_a=effect)
    if with_missing:
        values = matrix.to_numpy().copy()
        values[rng.random(values.shape) < 0.08] = np.nan
        matrix = pd.DataFrame(values, index=matrix.index, columns=matrix.columns)
    scores = signature_scores(
        matrix, samples, covariates=["age"], settings=PatientSettings(top_n=6), **KW
    ).set_index("sample_id")
    for sample in ["S000", "S009", "S020"]:  # a control, an A and a B sample
        for group in ("A", "B"):
            expected = _brute_force_score(matrix, samples, sample, group, 6)
            assert scores.loc[sample, f"score_{group}_vs_HC"] == pytest.approx(expected, rel=1e-9)


def test_scores_separate_a_planted_subset_and_controls_set_the_threshold():
    """Half of group B carries A's effects: the A-signature score finds them."""
    rng = np.random.default_rng(11)
    n = 30
    effect = np.zeros(200)
    effect[:12] = 1.2
    matrix, samples = simulate_cohort(rng, n_per_group=n, n_proteins=200, effect_a=effect)
    b_rows = np.flatnonzero(samples["group"].to_numpy() == "B")
    carriers = b_rows[: n // 2]
    values = matrix.to_numpy().copy()
    values[carriers] += effect
    matrix = pd.DataFrame(values, index=matrix.index, columns=matrix.columns)
    scores = signature_scores(matrix, samples, covariates=["age"], **KW)
    flagged, fractions = call_carriers(scores, control_group="HC", quantile=0.95)
    b = flagged[flagged["group"] == "B"]
    truth = np.isin(b.index, carriers)
    auc = stats.mannwhitneyu(b.loc[truth, "score_A_vs_HC"], b.loc[~truth, "score_A_vs_HC"])[0]
    assert auc / (truth.sum() * (~truth).sum()) > 0.95
    control_share = fractions.query("signature == 'A_vs_HC' and group == 'HC'")["fraction"]
    assert control_share.iloc[0] <= 0.1  # leave-one-out controls: about 1 - quantile
    a_share = fractions.query("signature == 'A_vs_HC' and group == 'A'")["fraction"].iloc[0]
    assert a_share > 0.8
    assert set(flagged.columns) >= {"carrier_A_vs_HC", "carrier_B_vs_HC"}


def test_leave_one_out_keeps_controls_honest():
    """Without any effect, controls and cases are carriers at about the nominal rate."""
    rng = np.random.default_rng(2)
    matrix, samples = simulate_cohort(rng, n_per_group=40, n_proteins=100)
    scores = signature_scores(matrix, samples, covariates=["age"], **KW)
    _, fractions = call_carriers(scores, control_group="HC", quantile=0.9)
    a = fractions.query("signature == 'A_vs_HC' and group == 'A'")["fraction"].iloc[0]
    assert a < 0.3  # an in-sample signature would put most A samples above the threshold


def test_carrier_threshold_needs_controls():
    scores = pd.DataFrame({"sample_id": list("abc"), "group": ["HC", "A", "A"], "score_x": 1.0})
    with pytest.raises(InputError, match="too few for a carrier threshold"):
        call_carriers(scores, control_group="HC")
