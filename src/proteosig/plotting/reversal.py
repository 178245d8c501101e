"""Reversal-stage figures, drawn from the stage's tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from proteosig.plotting._style import (
    MAX_HEATMAP_ROWS,
    evenly_spaced,
    group_colours,
    ordered_groups,
    plt,
    save,
    setup,
)

KIND_COLOURS = {"empirical": "#D55E00", "observed": "#0072B2", "mechanism": "#009E73",
                "none": "#BBBBBB"}  # fmt: skip


def ranked_drugs(table: pd.DataFrame, path, *, title: str, top: int = 3) -> None:
    """Reversal score per drug (ranked), coloured by signature kind; called drugs starred,
    and the share of bootstrap resamples with the drug in the top ``top`` beside it."""
    setup()
    usable = table.dropna(subset=["reversal_score"]).sort_values("reversal_score")
    if usable.empty:
        fig, ax = plt.subplots(figsize=(5, 2))
        ax.text(0.5, 0.5, "no drug signature overlaps the measured proteins", ha="center")
        ax.set_axis_off()
        save(fig, path)
        return
    fig, ax = plt.subplots(figsize=(6.2, 0.24 * len(usable) + 1.2))
    y = np.arange(len(usable))
    colours = [KIND_COLOURS.get(k, "#BBBBBB") for k in usable["signature_kind"]]
    ax.barh(y, usable["reversal_score"], color=colours)
    labels = [f"{d}{' *' if s else ''}" for d, s in zip(usable["drug"], usable["significant"],
                                                         strict=True)]  # fmt: skip
    ax.set_yticks(y, labels, fontsize=7)
    ax.axvline(0, color="#444444", lw=0.6)
    stability = f"top{top}_fraction"
    if stability in usable and usable[stability].notna().any():
        right = ax.get_xlim()[1]
        for yi, value in zip(y, usable[stability], strict=True):
            if np.isfinite(value):
                ax.text(right, yi, f" {value:.0%}", va="center", fontsize=6, color="#555555")
    # tables from before the ranked_by column were all ranked by the correlation
    by = str(usable["ranked_by"].iloc[0]) if "ranked_by" in usable else "correlation"
    meaning = {
        "reversal_t": "disease t against the drug, over its proteins",
        "correlation": "-corr(drug weights, disease logFC)",
    }.get(by, "-CMap connectivity")
    ax.set_xlabel(f"reversal score ({meaning}; > 0 reverses the signature)")
    ax.set_title(title, fontsize=9)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for k, c in KIND_COLOURS.items()
               if k in set(usable["signature_kind"])]  # fmt: skip
    names = [k for k in KIND_COLOURS if k in set(usable["signature_kind"])]
    ax.legend(handles, names, fontsize=7, frameon=False, loc="lower right")
    fig.text(0.01, 0.005, f"* FDR < threshold on both nulls; right: share of resamples in the "
             f"top {top}", fontsize=6)  # fmt: skip
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    save(fig, path)


def patient_drug_heatmap(
    table: pd.DataFrame, path, *, control_group: str | None = None, groups=None
) -> None:
    """Predicted reversal of each patient's deviation by each drug; rows grouped."""
    setup()
    drugs = [c for c in table.columns if c not in ("sample_id", "group")]
    if not drugs or table.empty:
        fig, ax = plt.subplots(figsize=(5, 2))
        ax.text(0.5, 0.5, "no drug signature overlaps the measured proteins", ha="center")
        ax.set_axis_off()
        save(fig, path)
        return
    order = ordered_groups(table["group"].astype(str).unique(), control_group, groups)
    table = table.assign(_g=pd.Categorical(table["group"].astype(str), order)).sort_values(
        ["_g", "sample_id"], kind="stable"
    )
    n_patients = len(table)
    table = table.iloc[evenly_spaced(n_patients, MAX_HEATMAP_ROWS)]
    values = table[drugs].to_numpy(float)
    fig, (bar, ax) = plt.subplots(
        1, 2, figsize=(max(0.22 * len(drugs) + 2.2, 5.0), 0.045 * len(table) + 2.4),
        gridspec_kw={"width_ratios": [0.25, len(drugs) * 0.22]},
    )  # fmt: skip
    colours = group_colours(table["group"].astype(str).unique(), control_group)
    codes = table["_g"].cat.codes.to_numpy()
    from matplotlib.colors import ListedColormap

    bar.imshow(codes[:, None], aspect="auto", cmap=ListedColormap([colours[g] for g in order]),
               vmin=0, vmax=max(len(order) - 1, 1), interpolation="nearest")  # fmt: skip
    bar.set_xticks([])
    starts = [int(np.argmax(codes == i)) for i in range(len(order)) if (codes == i).any()]
    bar.set_yticks(starts, [g for i, g in enumerate(order) if (codes == i).any()], fontsize=7)
    image = ax.imshow(values, aspect="auto", cmap="RdBu_r", vmin=-1, vmax=1,
                      interpolation="nearest")  # fmt: skip
    ax.set_xticks(range(len(drugs)), drugs, rotation=90, fontsize=6)
    ax.set_yticks([])
    fig.colorbar(image, ax=ax, shrink=0.6, label="predicted reversal (-cosine)")
    shown = "" if len(table) == n_patients else f" ({len(table)} of {n_patients}, evenly spaced)"
    ax.set_title("Patients x drugs: reversal of each patient's deviation from controls" + shown,
                 fontsize=8)  # fmt: skip
    fig.tight_layout()
    save(fig, path)
