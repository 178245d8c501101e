"""QC figures, drawn from the QC stage's tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from proteosig.plotting._style import group_colours, ordered_groups, plt, save, setup


def pca(scores: pd.DataFrame, explained, path, *, control_group=None, groups=None) -> None:
    """PC1 vs PC2 of the analysis matrix, coloured by group (left) and by plate (right)."""
    setup()
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 4), sharex=True, sharey=True)
    order = ordered_groups(scores["group"], control_group, groups)
    colours = group_colours(scores["group"], control_group)
    for group in order:
        part = scores[scores["group"].astype(str) == group]
        axes[0].scatter(
            part["PC1"], part["PC2"], s=16, color=colours[group], label=group, alpha=0.85
        )
    plates = sorted(scores["plate"].astype(str).unique())
    cmap = plt.get_cmap("tab10")
    for i, plate in enumerate(plates):
        part = scores[scores["plate"].astype(str) == plate]
        axes[1].scatter(
            part["PC1"],
            part["PC2"],
            s=16,
            color=cmap(i % 10),
            label=_plate_label(plate),
            alpha=0.85,
        )
    xlabel = f"PC1 ({explained[0]:.1%})" if len(explained) else "PC1"
    ylabel = f"PC2 ({explained[1]:.1%})" if len(explained) > 1 else "PC2"
    for ax, title in zip(axes, ("by group", "by plate"), strict=True):
        ax.set_xlabel(xlabel)
        ax.set_title(f"PCA of the analysis matrix, {title}")
        ax.legend(frameon=False, fontsize=8, loc="best", markerscale=1.2)
    axes[0].set_ylabel(ylabel)
    save(fig, path)


def _plate_label(label: str) -> str:
    """A sample's plates over all panels ('P1_INF;P1_NEU') shown by the first, '+n'."""
    parts = label.split(";")
    return parts[0] if len(parts) == 1 else f"{parts[0]} +{len(parts) - 1}"


def iqr_median(panel_qc: pd.DataFrame, path) -> None:
    """OlinkAnalyze-style IQR vs median per panel; dashed lines are the outlier limits."""
    setup()
    panels = sorted(panel_qc["panel"].astype(str).unique())
    ncol = min(len(panels), 3)
    nrow = int(np.ceil(len(panels) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(3.6 * ncol, 3.2 * nrow), squeeze=False)
    for ax, panel in zip(axes.flat, panels, strict=False):
        part = panel_qc[panel_qc["panel"].astype(str) == panel]
        outlier = part["iqr_outlier"].astype(bool) | part["median_outlier"].astype(bool)
        warned = part["qc_warning"].astype(bool)
        ax.scatter(part["median"], part["iqr"], s=12, color="#4D4D4D", alpha=0.7, label="pass")
        ax.scatter(
            part.loc[warned, "median"],
            part.loc[warned, "iqr"],
            s=24,
            marker="s",
            facecolor="none",
            edgecolor="#E69F00",
            label="vendor QC warning",
        )
        ax.scatter(
            part.loc[outlier, "median"],
            part.loc[outlier, "iqr"],
            s=24,
            color="#D55E00",
            label="outlier",
        )
        for row in part.loc[outlier].itertuples():
            ax.annotate(
                str(row.sample_id),
                (row.median, row.iqr),
                fontsize=7,
                xytext=(3, 3),
                textcoords="offset points",
            )
        for low, high, axis_line in (
            ("iqr_low", "iqr_high", ax.axhline),
            ("median_low", "median_high", ax.axvline),
        ):
            for limit in (part[low].iloc[0], part[high].iloc[0]):
                if np.isfinite(limit):
                    axis_line(limit, color="#999999", lw=0.8, ls="--")
        ax.set_title(panel)
        ax.set_xlabel("sample median NPX")
        ax.set_ylabel("sample IQR of NPX")
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    fig.legend(handles, labels, loc="lower center", ncol=3, frameon=False, fontsize=8)
    save(fig, path)


def npx_by_plate(long: pd.DataFrame, path, *, max_samples: int = 150) -> None:
    """NPX distribution per sample, ordered by plate (first ``max_samples`` per sample ID)."""
    setup()
    per_sample = (
        long[["sample_id", "plate"]]
        .drop_duplicates("sample_id")
        .sort_values(["plate", "sample_id"])
    )
    if len(per_sample) > max_samples:
        step = len(per_sample) / max_samples
        per_sample = per_sample.iloc[(np.arange(max_samples) * step).astype(int)]
    data = long[long["sample_id"].isin(per_sample["sample_id"])]
    groups = data.groupby("sample_id")["npx"].apply(lambda s: s.dropna().to_numpy())
    values = [groups[s] for s in per_sample["sample_id"]]
    plates = per_sample["plate"].astype(str).to_numpy()
    cmap = plt.get_cmap("tab10")
    codes = {p: i for i, p in enumerate(sorted(set(plates)))}
    fig, ax = plt.subplots(figsize=(max(6, 0.07 * len(values) + 2), 3.6))
    box = ax.boxplot(values, patch_artist=True, showfliers=False, widths=0.7)
    for patch, plate in zip(box["boxes"], plates, strict=True):
        patch.set_facecolor(cmap(codes[plate] % 10))
        patch.set_linewidth(0.4)
    ax.set_xticks([])
    ax.set_xlabel(f"samples ({len(values)} shown), ordered by plate")
    ax.set_ylabel("NPX (before plate centring)")
    handles = [plt.Rectangle((0, 0), 1, 1, color=cmap(i % 10)) for i in codes.values()]
    ax.legend(
        handles,
        [_plate_label(c) for c in codes],
        title="plate",
        frameon=False,
        fontsize=7,
        loc="upper right",
    )
    ax.set_title("NPX distribution per sample")
    save(fig, path)


def below_lod(assay_qc: pd.DataFrame, path, *, max_fraction: float, top: int = 40) -> None:
    """Fraction of samples below LOD per assay (the most often undetected ``top`` assays)."""
    setup()
    table = assay_qc.dropna(subset=["below_lod_fraction"]).sort_values(
        "below_lod_fraction", ascending=False
    )
    fig, ax = plt.subplots(figsize=(9, 3.8))
    if table.empty:
        ax.text(
            0.5,
            0.5,
            "no LOD values in the input files",
            ha="center",
            va="center",
            transform=ax.transAxes,
        )
        ax.set_axis_off()
        save(fig, path)
        return
    head = table.head(top)
    labels = (
        head["gene_symbol"].fillna(head["assay"]).astype(str)
        + " ("
        + head["panel"].astype(str)
        + ")"
    )
    colours = np.where(head["kept"].astype(bool), "#0072B2", "#D55E00")
    ax.bar(np.arange(len(head)), head["below_lod_fraction"], color=colours)
    ax.axhline(max_fraction, color="#999999", ls="--", lw=0.8)
    ax.set_xticks(np.arange(len(head)))
    ax.set_xticklabels(labels, rotation=75, ha="right", fontsize=7)
    ax.set_ylim(0, 1)
    ax.set_ylabel("fraction of samples below LOD")
    ax.set_title(
        f"Least detected assays ({len(table)} with LOD; red = dropped, dashed = {max_fraction:.0%})"
    )
    save(fig, path)


def plate_effects(assay_qc: pd.DataFrame, path) -> None:
    """Per-assay variance explained by plate, before and after plate centring."""
    setup()
    fig, ax = plt.subplots(figsize=(5, 3.4))
    before = assay_qc["plate_r2_before"].dropna()
    after = assay_qc["plate_r2_after"].dropna()
    if before.empty:
        ax.text(
            0.5,
            0.5,
            "one plate only: no plate effect to estimate",
            ha="center",
            va="center",
            transform=ax.transAxes,
        )
        ax.set_axis_off()
        save(fig, path)
        return
    bins = np.linspace(
        0, max(0.05, float(before.max()), float(after.max() if len(after) else 0)), 30
    )
    ax.hist(
        before,
        bins=bins,
        alpha=0.6,
        color="#D55E00",
        label=f"before (median {before.median():.3f})",
    )
    if len(after):
        ax.hist(
            after,
            bins=bins,
            alpha=0.6,
            color="#0072B2",
            label=f"after (median {after.median():.3f})",
        )
    ax.set_xlabel("fraction of NPX variance between plates (R²)")
    ax.set_ylabel("assays")
    ax.set_title("Plate effect per assay")
    ax.legend(frameon=False, fontsize=8)
    save(fig, path)
