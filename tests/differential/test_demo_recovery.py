"""On the demo, the differential stage finds the planted effects and little else."""

from __future__ import annotations

import pandas as pd
import pytest

from proteosig.differential.run import CallSettings, ModelSettings, contrast_table, fit_model
from proteosig.simulate.evaluate import differential_recovery
from tests.helpers import REPO


@pytest.fixture(scope="module")
def demo_tables(demo_qc):
    config, qc = demo_qc
    samples = config["samples"]
    diff = config["differential"]
    model = ModelSettings(
        formula=diff["formula"],
        contrasts=tuple(diff["contrasts"]),
        trend=diff["trend"],
        robust=diff["robust"],
        treat_lfc=diff["treat_lfc"],
    )
    moderated = fit_model(
        qc.matrix,
        qc.samples,
        settings=model,
        group_levels=samples["groups"],
        control_group=samples["control_group"],
        covariates=samples["covariates"],
    )
    calls = CallSettings(fc_threshold=diff["fc_threshold"], fdr_threshold=diff["fdr_threshold"])
    return {
        c: contrast_table(moderated, c, qc.assays, settings=calls) for c in moderated.coef_names
    }


def test_planted_effects_recovered_with_few_false_calls(demo_tables):
    truth = pd.read_csv(REPO / "resources" / "demo" / "truth_effects.tsv", sep="\t")
    report = differential_recovery(demo_tables, truth).set_index("contrast")
    assert set(report.index) == {"AD_vs_HC", "PSO_vs_HC", "MDD_vs_HC"}
    mdd = report.loc["MDD_vs_HC"]
    assert mdd["sensitivity_detectable"] >= 0.8 and mdd["false_discovery_proportion"] <= 0.2
    assert report["true_calls"].sum() / report["called"].sum() >= 0.8
    for contrast in ("AD_vs_HC", "PSO_vs_HC"):
        assert report.loc[contrast, "true_calls"] >= 1, contrast


def test_mdd_signature_is_the_studys(demo_tables):
    """He et al.: MDD higher in PECAM1, SELP, VWF, SIRT2, STAMBP, CD274, CASP8 (planted)."""
    table = demo_tables["MDD_vs_HC"]
    up = set(table.loc[table["direction"] == "up", "gene_symbol"])
    assert {"SIRT2", "PECAM1", "CD274"} <= up
    assert len(up & {"PECAM1", "SELP", "VWF", "SIRT2", "STAMBP", "CD274", "CASP3", "CASP8"}) >= 6
