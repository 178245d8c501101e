"""Our hypergeometric tail against scipy.stats.hypergeom, including far tails and edges."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from proteosig import hypergeom


def test_equals_scipy_on_a_grid_of_ora_sized_cases():
    rng = np.random.default_rng(3)
    total = rng.integers(1, 3000, 2000)
    successes = (rng.random(2000) * (total + 1)).astype(int)
    draws = (rng.random(2000) * (total + 1)).astype(int)
    k = (rng.random(2000) * (np.minimum(successes, draws) + 3)).astype(int) - 2
    ours = hypergeom.sf(k, total, successes, draws)
    theirs = stats.hypergeom.sf(k, total, successes, draws)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-300)


def test_far_tail_keeps_its_digits():
    # 40 of 40 set members among 50 DEPs in 3,000 proteins: p ~ 1e-80
    ours = hypergeom.sf(39, 3000, 40, 50)
    theirs = stats.hypergeom.sf(39, 3000, 40, 50)
    assert 0 < theirs < 1e-70
    assert ours == pytest.approx(theirs, rel=1e-9)


def test_edges_and_invalid_parameters():
    # k below the support: the whole distribution; at or above its top: nothing
    assert hypergeom.sf(-1, 10, 3, 4) == pytest.approx(1.0)
    assert hypergeom.sf(3, 10, 3, 4) == 0.0
    # draws exceeding the failures force successes: support starts at 2
    assert hypergeom.sf(1, 10, 8, 4) == pytest.approx(1.0)
    assert hypergeom.sf(2, 10, 8, 4) == pytest.approx(stats.hypergeom.sf(2, 10, 8, 4))
    assert np.isnan(hypergeom.sf(1, 10, 11, 4)) and np.isnan(hypergeom.sf(1, 10, 3, 2.5))
    # broadcasting keeps the shape
    assert hypergeom.sf(np.array([[0, 1], [2, 3]]), 20, 5, 6).shape == (2, 2)


def test_many_sets_in_blocks(monkeypatch):
    monkeypatch.setattr(hypergeom, "BLOCK_CELLS", 50)
    k = np.arange(0, 30) % 7
    np.testing.assert_allclose(
        hypergeom.sf(k, 500, 40, 60), stats.hypergeom.sf(k, 500, 40, 60), rtol=1e-9
    )
