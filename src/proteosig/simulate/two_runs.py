"""A SYNTHETIC two-run version of the demo cohort, for bridge normalisation.

Multi-centre and multi-wave studies send their samples to Olink in separate runs; each
run has its own per-assay offset, and the runs rarely hold the groups in the same
proportions. This module splits the demo cohort (``resources/demo``) into two such runs:

* run 1 keeps most controls and AD patients; run 2 holds about half of the PSO and MDD
  patients and a quarter of the HC and AD (``RUN2_SHARE``), so that an uncorrected run
  offset looks like a disease effect;
* ``n_bridge`` run-1 study samples, drawn at random within groups, are measured again in
  run 2 under the same ID: the bridge samples;
* every run-2 value (NPX and LOD) gets the assay's run offset (normal, SD
  ``offset_sd``), and a bridge sample's second measurement also gets fresh technical
  noise (normal, SD ``replicate_sd``: the intra-assay CV of Target 96 is about 3-6 %,
  0.05-0.1 NPX at the usual levels);
* each run is one plate per panel, numbered 1 in both runs, as exports do; the demo's own
  plate-2 offset (``truth_assays.tsv``, ``plate2_offset``) is taken out of its plate-2
  samples first, and they get plate 1's LOD, so the run offset is the only batch effect;
* run 2 carries its own control wells (the demo's plate-1 controls, with the offset).

The offsets are written to ``truth_run_offsets.tsv``: bridging should find adjustments
of minus the offset, to within the bridge samples' replicate noise.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

#: share of each group's samples measured in run 2 (the rest stay in run 1)
RUN2_SHARE = {"HC": 0.25, "AD": 0.25, "PSO": 0.5, "MDD": 0.5}
PANEL_FILES = ("demo_INF.csv", "demo_CVD_II.csv", "demo_CVD_III.csv", "demo_NEU.csv")


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep=";", dtype=str, keep_default_na=False)


def _decimals(values: np.ndarray) -> list[str]:
    return [f"{v:.5f}" for v in values]


def split_runs(
    samples: pd.DataFrame, rng: np.random.Generator, *, n_bridge: int
) -> tuple[list[str], list[str], list[str]]:
    """(run-1 samples, run-2 samples, bridge samples), each sorted."""
    run2 = []
    for group, ids in samples.groupby("group", sort=True)["sample_id"]:
        ids = sorted(ids)
        chosen = rng.permutation(len(ids))[: round(RUN2_SHARE.get(group, 0.5) * len(ids))]
        run2 += [ids[i] for i in chosen]
    run1 = sorted(set(samples["sample_id"]) - set(run2))
    # bridge samples from every group in proportion, as Olink advises (cover the range)
    by_group = samples.set_index("sample_id").loc[run1, "group"]
    quota = (by_group.value_counts(normalize=True).sort_index() * n_bridge).round().astype(int)
    quota.iloc[-1] += n_bridge - quota.sum()
    bridge = []
    for group, k in quota.items():
        ids = sorted(by_group.index[by_group == group])
        bridge += [ids[i] for i in rng.permutation(len(ids))[:k]]
    return run1, sorted(run2), sorted(bridge)


def write_two_runs(
    demo: str | Path,
    out: str | Path,
    *,
    seed: int = 20261126,
    n_bridge: int = 12,
    offset_sd: float = 0.4,
    replicate_sd: float = 0.08,
) -> list[Path]:
    """Write ``out/run1/*.csv``, ``out/run2/*.csv`` and ``out/truth_run_offsets.tsv``.

    ``demo`` is the demo folder (its ``npx/`` files and ``samples.tsv``). Byte-identical
    for the same inputs and seed.
    """
    demo, out = Path(demo), Path(out)
    rng = np.random.default_rng(seed)
    sheet = pd.read_csv(demo / "samples.tsv", sep="\t", dtype=str)
    run1, run2, bridge = split_runs(sheet, rng, n_bridge=n_bridge)
    assays_truth = pd.read_csv(demo / "truth_assays.tsv", sep="\t").set_index("olink_id")
    paths, truth = [], []
    for name in PANEL_FILES:
        table = _read(demo / "npx" / name)
        plate2 = table["PlateID"].str.endswith("_PLATE_2").to_numpy()
        ids = table.loc[plate2, "OlinkID"]
        table.loc[plate2, "NPX"] = _decimals(
            table.loc[plate2, "NPX"].astype(float).to_numpy()
            - assays_truth.loc[ids, "plate2_offset"].to_numpy()
        )
        table.loc[plate2, "LOD"] = _decimals(assays_truth.loc[ids, "lod_plate1"].to_numpy())
        study = table["SampleType"] == "SAMPLE"
        plate1_controls = ~study & table["SampleID"].str.endswith("_P1")
        assays = table["OlinkID"].drop_duplicates().sort_values().to_numpy()
        offset = pd.Series(rng.normal(0.0, offset_sd, assays.size), index=assays)
        first = table[(study & table["SampleID"].isin(run1)) | plate1_controls].copy()
        second = table[(study & table["SampleID"].isin(run2 + bridge)) | plate1_controls].copy()
        shift = offset.loc[second["OlinkID"]].to_numpy()
        noise = np.where(
            second["SampleID"].isin(bridge).to_numpy(),
            rng.normal(0.0, replicate_sd, len(second)),
            0.0,
        )
        second["NPX"] = _decimals(second["NPX"].astype(float).to_numpy() + shift + noise)
        second["LOD"] = _decimals(second["LOD"].astype(float).to_numpy() + shift)
        for part in (first, second):
            part["PlateID"] = part["PlateID"].str.replace(r"_PLATE_\d+$", "_PLATE_1", regex=True)
            part["SampleID"] = part["SampleID"].str.replace(r"_P\d+$", "_P1", regex=True)
        for run, part in (("run1", first), ("run2", second)):
            path = out / run / name
            path.parent.mkdir(parents=True, exist_ok=True)
            part.to_csv(path, sep=";", index=False, lineterminator="\n")
            paths.append(path)
        described = table.drop_duplicates("OlinkID").set_index("OlinkID").loc[assays]
        truth.append(
            pd.DataFrame(
                {
                    "olink_id": assays,
                    "assay": described["Assay"].to_numpy(),
                    "panel": described["Panel"].to_numpy(),
                    "run2_offset": np.round(offset.to_numpy(), 5),
                }
            )
        )
    offsets = out / "truth_run_offsets.tsv"
    pd.concat(truth, ignore_index=True).to_csv(offsets, sep="\t", index=False, lineterminator="\n")
    membership = sheet[["sample_id", "group"]].copy()
    membership["run"] = np.where(membership["sample_id"].isin(run2), "run2", "run1")
    membership["bridge"] = membership["sample_id"].isin(bridge)
    runs = out / "truth_runs.tsv"
    membership.to_csv(runs, sep="\t", index=False, lineterminator="\n")
    return [*paths, offsets, runs]
