"""QC figures, drawn from the QC stage's tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from proteosig.plotting._style import group_colours, ordered_groups, plt, save, setup

#: points drawn per scatter panel; beyond it a seeded random subset (a biobank has 50,000)
MAX_POINTS = 20_000
#: passing samples drawn per panel of the IQR/median figure (eight panels on one page)
MAX_PANEL_POINTS = 5_000
#: plates named in a legend; beyond it plates are a colour scale
MAX_PLATE_LEGEND = 10
#: outliers labelled per panel (the most extreme ones)
MAX_LABELS = 20


def _shown(frame: pd.DataFrame, max_points: int, seed: int) -> pd.DataFrame:
    """All rows, or a seeded random subset of ``max_points`` rows in their order."""
    if len(frame) <= max_points:
        return frame
    rng = np.random.default_rng(seed)
    return frame.iloc[np.sort(rng.choice(len(frame), size=max_points, replace=False))]


def _marker(n_points: int, size: float, alpha: float) -> dict:
    """Scatter style: as given for a few hundred points; beyond, smaller, lighter, and
    rasterised (thousands of vector markers make a slow, heavy PDF)."""
    if n_points <= 500:
        return {"s": size, "alpha": alpha}
    return {
        "s": max(2.0, size * float(np.sqrt(500 / n_points))),
        "alpha": 0.5,
        "linewidths": 0,
        "rasterized": True,
    }


def pca(
    scores: pd.DataFrame,
    explained,
    path,
    *,
    control_group=None,
    groups=None,
    seed: int = 0,
    max_points: int = MAX_POINTS,
) -> None:
    """PC1 vs PC2 of the analysis matrix, coloured by group (left) and by plate (right).

    Beyond ``max_points`` samples a seeded random subset is drawn (said in the title);
    beyond ``MAX_PLATE_LEGEND`` plates, plates are a colour scale instead of a legend.
    """
    setup()
    shown = _shown(scores, max_points, seed)
    style = _marker(len(shown), 16, 0.85)
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 4), sharex=True, sharey=True)
    order = ordered_groups(scores["group"], control_group, groups)
    colours = group_colours(scores["group"], control_group)
    for group in order:
        part = shown[shown["group"].astype(str) == group]
        axes[0].scatter(part["PC1"], part["PC2"], color=colours[group], label=group, **style)
    plates = sorted(scores["plate"].astype(str).unique())
    if len(plates) <= MAX_PLATE_LEGEND:
        cmap = plt.get_cmap("tab10")
        for i, plate in enumerate(plates):
            part = shown[shown["plate"].astype(str) == plate]
            axes[1].scatter(
                part["PC1"], part["PC2"], color=cmap(i % 10), label=_plate_label(plate), **style
            )
    else:
        rank = {plate: i for i, plate in enumerate(plates)}
        points = axes[1].scatter(
            shown["PC1"],
            shown["PC2"],
            c=shown["plate"].astype(str).map(rank).to_numpy(),
            cmap="viridis",
            **style,
        )
        bar = fig.colorbar(points, ax=axes[1], fraction=0.05, pad=0.02)
        bar.set_label(f"plate ({len(plates)}, in name order)")
    xlabel = f"PC1 ({explained[0]:.1%})" if len(explained) else "PC1"
    ylabel = f"PC2 ({explained[1]:.1%})" if len(explained) > 1 else "PC2"
    subset = f"; {len(shown):,} of {len(scores):,} samples" if len(shown) < len(scores) else ""
    for ax, title in zip(axes, ("by group", "by plate"), strict=True):
        ax.set_xlabel(xlabel)
        ax.set_title(f"PCA of the analysis matrix, {title}{subset}")
        if ax.get_legend_handles_labels()[0]:
            ax.legend(frameon=False, fontsize=8, loc="best", markerscale=1.2)
    axes[0].set_ylabel(ylabel)
    save(fig, path)


def _plate_label(label: str) -> str:
    """A sample's plates over all panels ('P1_INF;P1_NEU') shown by the first, '+n'."""
    parts = label.split(";")
    return parts[0] if len(parts) == 1 else f"{parts[0]} +{len(parts) - 1}"


def iqr_median(
    panel_qc: pd.DataFrame,
    path,
    *,
    seed: int = 0,
    max_points: int = MAX_PANEL_POINTS,
    max_labels: int = MAX_LABELS,
) -> None:
    """OlinkAnalyze-style IQR vs median per panel; dashed lines are the outlier limits.

    Flagged samples are always drawn; passing ones beyond ``max_points`` per panel as a
    seeded random subset, and only the ``max_labels`` most extreme outliers are named.
    """
    setup()
    panels = sorted(panel_qc["panel"].astype(str).unique())
    ncol = min(len(panels), 3)
    nrow = int(np.ceil(len(panels) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(3.6 * ncol, 3.2 * nrow), squeeze=False)
    for ax, panel in zip(axes.flat, panels, strict=False):
        part = panel_qc[panel_qc["panel"].astype(str) == panel]
        outlier = part["iqr_outlier"].astype(bool) | part["median_outlier"].astype(bool)
        warned = part["qc_warning"].astype(bool)
        shown = _shown(part, max_points, seed)
        style = _marker(len(shown), 12, 0.7)
        ax.scatter(shown["median"], shown["iqr"], color="#4D4D4D", label="pass", **style)
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
        named = part.loc[outlier]
        if len(named) > max_labels:
            named = named.loc[_extremeness(named).sort_values(ascending=False).index[:max_labels]]
            ax.text(
                0.02, 0.98, f"{int(outlier.sum())} outliers, {max_labels} named",
                transform=ax.transAxes, fontsize=7, va="top",
            )  # fmt: skip
        for row in named.itertuples():
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


def _extremeness(rows: pd.DataFrame) -> pd.Series:
    """How far beyond its limits a sample lies, in half-widths of the limit interval."""
    out = pd.Series(0.0, index=rows.index)
    for value, low, high in (
        ("iqr", "iqr_low", "iqr_high"),
        ("median", "median_low", "median_high"),
    ):
        centre = (rows[low] + rows[high]) / 2
        half = (rows[high] - rows[low]) / 2
        with np.errstate(invalid="ignore", divide="ignore"):
            z = ((rows[value] - centre).abs() / half).where(np.isfinite(half), 0.0)
        out = np.maximum(out, z.fillna(0.0))
    return out


#: samples whose NPX distributions are drawn
NPX_SAMPLES = 150


def npx_by_plate(long: pd.DataFrame, path, *, max_samples: int = NPX_SAMPLES) -> None:
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


def bridge(assays: pd.DataFrame, samples: pd.DataFrame, path, *, labels=("run 1", "run 2")):
    """Bridge normalisation: the adjustment per assay, and how far the bridge samples'
    two measurements lie apart before and after (per assay and per bridge sample)."""
    setup()
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.4))
    bridged = assays.loc[assays["status"] == "bridged"]
    adjustment = bridged["adjustment"].astype(float)
    axes[0].hist(adjustment, bins=30, color="#999999")
    axes[0].axvline(0, color="black", lw=0.8)
    axes[0].set_xlabel(f"adjustment added to {labels[1]} (NPX)")
    axes[0].set_ylabel("assays")
    axes[0].set_title(f"{len(bridged)} assays bridged")

    before = bridged["median_abs_diff_before"].astype(float)
    after = bridged["median_abs_diff_after"].astype(float)
    upper = max(0.05, float(np.nanmax([before.max(), after.max()])))
    bins = np.linspace(0, upper, 30)
    for values, colour, word in ((before, "#D55E00", "before"), (after, "#0072B2", "after")):
        axes[1].hist(values, bins=bins, alpha=0.6, color=colour,
                     label=f"{word} (median {values.median():.3f})")  # fmt: skip
    axes[1].set_xlabel("median |difference| of bridge pairs (NPX)")
    axes[1].set_ylabel("assays")
    axes[1].set_title("Per assay")
    axes[1].legend(frameon=False, fontsize=8)

    used = samples.loc[samples["used"].astype(bool)].sort_values("median_abs_diff_before")
    y = np.arange(len(used))
    axes[2].hlines(y, used["median_abs_diff_after"], used["median_abs_diff_before"],
                   color="#BBBBBB", lw=1)  # fmt: skip
    axes[2].scatter(used["median_abs_diff_before"], y, color="#D55E00", s=14)
    axes[2].scatter(used["median_abs_diff_after"], y, color="#0072B2", s=14)
    axes[2].set_yticks(y, used["reference_id"].astype(str), fontsize=7)
    axes[2].set_xlim(left=0)
    axes[2].set_xlabel("median |difference| over assays (NPX)")
    axes[2].set_title(f"Per bridge sample ({len(used)}; colours as middle)")
    fig.suptitle(f"Bridge normalisation: {labels[1]} on the scale of {labels[0]}", fontsize=10)
    save(fig, path)
