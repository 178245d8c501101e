"""QC figures at biobank size: a seeded subset of points, no artist per sample."""

from __future__ import annotations

import matplotlib.collections as mcoll
import numpy as np
import pandas as pd

from proteosig.plotting import qc as plots


def capture(monkeypatch):
    figures = []
    monkeypatch.setattr(plots, "save", lambda fig, path: figures.append(fig))
    return figures


def points(ax) -> int:
    return sum(len(c.get_offsets()) for c in ax.collections if isinstance(c, mcoll.PathCollection))


def test_pca_of_a_biobank_draws_a_seeded_subset_and_a_plate_scale(monkeypatch, tmp_path):
    rng = np.random.default_rng(0)
    n = 30_000
    scores = pd.DataFrame(
        {
            "sample_id": [f"S{i}" for i in range(n)],
            "PC1": rng.normal(size=n),
            "PC2": rng.normal(size=n),
            "group": rng.choice(["HC", "AD", "PSO"], n),
            "plate": [f"P{i // 88:04d}" for i in range(n)],
        }
    )
    figures = capture(monkeypatch)
    plots.pca(scores, [0.2, 0.1], tmp_path / "pca.png", control_group="HC", seed=5)
    plots.pca(scores, [0.2, 0.1], tmp_path / "pca.png", control_group="HC", seed=5)
    first, again = figures
    by_group, by_plate = first.axes[:2]
    assert points(by_group) == plots.MAX_POINTS == points(by_plate)
    assert by_plate.get_legend() is None and len(first.axes) == 3  # a colour bar instead
    np.testing.assert_array_equal(  # the subset depends on the seed only
        by_group.collections[0].get_offsets(), again.axes[0].collections[0].get_offsets()
    )


def test_iqr_median_names_only_the_most_extreme_outliers(monkeypatch, tmp_path):
    rng = np.random.default_rng(1)
    n = 20_000
    median, iqr = rng.normal(5, 1, n), rng.normal(1, 0.1, n)
    table = pd.DataFrame(
        {
            "sample_id": [f"S{i}" for i in range(n)],
            "panel": "INF",
            "iqr": iqr,
            "median": median,
            "iqr_low": 0.7,
            "iqr_high": 1.3,
            "median_low": 2.0,
            "median_high": 8.0,
            "iqr_outlier": (iqr < 0.7) | (iqr > 1.3),
            "median_outlier": (median < 2) | (median > 8),
            "qc_warning": False,
        }
    )
    figures = capture(monkeypatch)
    plots.iqr_median(table, tmp_path / "iqr.png", seed=2)
    ax = figures[0].axes[0]
    flagged = int((table["iqr_outlier"] | table["median_outlier"]).sum())
    assert flagged > plots.MAX_LABELS
    assert points(ax) == plots.MAX_PANEL_POINTS + flagged
    names = [t for t in ax.texts if t.get_text().startswith("S")]
    assert len(names) == plots.MAX_LABELS
