"""Similarity heatmap: which cell holds which direction, and what the colour means."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import proteosig.plotting.similarity as similarity_plots


def pair_table(rule: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "signature_a": ["AD_vs_HC", "AD_vs_HC", "PSO_vs_HC"],
            "signature_b": ["PSO_vs_HC", "MDD_vs_HC", "MDD_vs_HC"],
            "metric": "transfer_t",
            "observed": [1.2, 1.1, 0.3],
            "observed_b": [0.6, 1.3, 0.9],
            "shared_control_null_a": [0.8, 0.7, 0.5],
            "shared_control_null_b": [0.5, 0.5, 0.8],
            "p_direction_a": [0.05, 0.06, 0.9],
            "p_direction_b": [0.4, 0.003, 0.3],
            "p_rule": rule,
            "p_value": [0.1, 0.006, 0.6],
        }
    )


@pytest.fixture
def drawn(monkeypatch, tmp_path):
    """Draw the heatmap; return the colour array and the cell texts by (row, column)."""
    figures = []
    monkeypatch.setattr(similarity_plots, "save", lambda fig, path: figures.append(fig))

    def draw(table):
        similarity_plots.similarity_heatmap(table, tmp_path / "heatmap.png")
        ax = figures[-1].axes[0]
        texts = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text()
                 for t in ax.texts}  # fmt: skip
        return np.ma.filled(ax.images[0].get_array(), np.nan), texts

    return draw


def test_directional_metric_fills_both_directions_of_each_pair(drawn):
    values, texts = drawn(pair_table("bonferroni_either_direction"))
    ad, pso, mdd = 0, 1, 2
    # row MDD, column AD: MDD follows AD's top proteins (the backward direction of row 2)
    assert values[mdd, ad] == pytest.approx(1.3 - 0.5)
    assert "p=0.003" in texts[(mdd, ad)] and "null 0.50" in texts[(mdd, ad)]
    # row AD, column MDD: AD follows MDD's
    assert values[ad, mdd] == pytest.approx(1.1 - 0.7)
    assert "p=0.06" in texts[(ad, mdd)]
    assert values[pso, mdd] == pytest.approx(0.3 - 0.5)  # below its null: blue
    assert np.isnan(np.diag(values)).all()


def test_symmetric_metric_fills_one_triangle_with_the_pair_p(drawn):
    table = pair_table("larger_of_two").assign(metric="spearman_t")
    table["observed_b"] = table["observed"]
    values, texts = drawn(table)
    assert np.isnan(values[np.triu_indices(3)]).all()
    # colour: observed minus the larger of the two nulls; text: the pair's p
    assert values[2, 0] == pytest.approx(1.1 - 0.7)
    assert "p=0.006" in texts[(2, 0)]
