"""Enrichment-stage figures, drawn from the stage's tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from proteosig.plotting._style import (
    MAX_POINTS,
    evenly_spaced,
    group_colours,
    ordered_groups,
    plt,
    save,
    setup,
)


def axis_scores(
    scores: pd.DataFrame,
    samples: pd.DataFrame,
    path,
    *,
    collection: str = "immune_axes",
    control_group: str | None = None,
    groups=None,
) -> None:
    """Per-sample scores of one collection's sets, by group (box + points per axis)."""
    setup()
    columns = [c for c in scores.columns if c.startswith(f"{collection}:")] or list(scores.columns)
    if not columns:
        fig, ax = plt.subplots(figsize=(5, 2))
        ax.text(0.5, 0.5, "no gene set with enough measured members to score", ha="center")
        ax.set_axis_off()
        save(fig, path)
        return
    group_of = samples.set_index(samples["sample_id"].astype(str))["group"].astype(str)
    order = ordered_groups(group_of.unique(), control_group, groups)
    colours = group_colours(group_of.unique(), control_group)
    ncol = min(4, max(1, len(columns)))
    nrow = int(np.ceil(len(columns) / ncol)) if columns else 1
    fig, axes = plt.subplots(nrow, ncol, figsize=(3.0 * ncol, 2.6 * nrow), squeeze=False)
    rng = np.random.default_rng(0)  # jitter only; fixed so the figure is reproducible
    for ax, column in zip(axes.flat, columns, strict=False):
        values = [scores.loc[group_of.index[group_of == g].intersection(scores.index), column]
                  for g in order]  # fmt: skip
        box = ax.boxplot(values, widths=0.6, showfliers=False, patch_artist=True)
        for patch, group in zip(box["boxes"], order, strict=True):
            patch.set_facecolor(colours[group])
            patch.set_alpha(0.35)
        for i, (vals, group) in enumerate(zip(values, order, strict=True), start=1):
            drawn = np.asarray(vals)[evenly_spaced(len(vals), MAX_POINTS)]
            ax.scatter(i + rng.uniform(-0.15, 0.15, drawn.size), drawn, s=6, color=colours[group],
                       rasterized=drawn.size > 200)  # fmt: skip
        ax.set_xticks(range(1, len(order) + 1))
        ax.set_xticklabels(order, fontsize=8)
        ax.set_title(column.split(":", 1)[-1].replace("_", " "), fontsize=9)
        ax.axhline(0, color="#CCCCCC", lw=0.6)
    for ax in list(axes.flat)[len(columns) :]:
        ax.set_visible(False)
    axes.flat[0].set_ylabel("score")
    fig.tight_layout()
    save(fig, path)


def _dotplot(frame, path, *, value, size, value_label, size_label, title, cmap) -> None:
    setup()
    if frame.empty:
        fig, ax = plt.subplots(figsize=(5, 2))
        ax.text(0.5, 0.5, "nothing to show at these thresholds", ha="center", va="center")
        ax.set_axis_off()
        save(fig, path)
        return
    sets = list(dict.fromkeys(frame["label"]))
    contrasts = list(dict.fromkeys(frame["contrast"]))
    y = frame["label"].map({s: i for i, s in enumerate(sets)})
    x = frame["contrast"].map({c: i for i, c in enumerate(contrasts)})
    fig, ax = plt.subplots(figsize=(1.6 + 1.1 * len(contrasts), 1.2 + 0.28 * len(sets)))
    limit = np.nanmax(np.abs(frame[value])) or 1.0
    points = ax.scatter(x, y, s=20 + 40 * frame[size], c=frame[value], cmap=cmap,
                        vmin=-limit if cmap == "RdBu_r" else 0, vmax=limit, edgecolors="#555555",
                        linewidths=0.3)  # fmt: skip
    ax.set_xticks(range(len(contrasts)))
    ax.set_xticklabels(contrasts, rotation=30, ha="right")
    ax.set_yticks(range(len(sets)))
    ax.set_yticklabels(sets, fontsize=7)
    ax.set_ylim(len(sets) - 0.5, -0.5)
    ax.set_xlim(-0.6, len(contrasts) - 0.4)
    fig.colorbar(points, ax=ax, label=value_label, shrink=0.6)
    ax.set_title(f"{title}\n(dot size: {size_label})", fontsize=9)
    save(fig, path)


def gsea_dotplot(
    tables: dict[str, pd.DataFrame], path, *, top: int = 30, fdr: float = 0.25
) -> None:
    """NES of sets significant (GSEA FDR q < ``fdr``) in any contrast, plus every immune axis."""
    frame = pd.concat([t.assign(contrast=c) for c, t in tables.items() if len(t)],
                      ignore_index=True) if tables else pd.DataFrame()  # fmt: skip
    if frame.empty:
        return _dotplot(frame, path, value="NES", size="s", value_label="", size_label="",
                        title="GSEA", cmap="RdBu_r")  # fmt: skip
    frame["label"] = frame["collection"] + ": " + frame["set"]
    best = frame.groupby("label")["fdr_q"].min().sort_values()
    chosen = set(best[best < fdr].index[:top]) | set(
        frame.loc[frame["collection"] == "immune_axes", "label"]
    )
    frame = frame[frame["label"].isin(chosen)].copy()
    frame["s"] = -np.log10(frame["fdr_q"].clip(lower=1e-4))
    frame = frame.sort_values(["collection", "label"])
    _dotplot(frame, path, value="NES", size="s", value_label="normalised enrichment score",
             size_label="-log10 GSEA FDR q", title=f"GSEA on moderated t (sets with q < {fdr:g} "
             "in any contrast, and every immune axis)", cmap="RdBu_r")  # fmt: skip


def ora_dotplot(tables: dict[str, pd.DataFrame], path, *, top: int = 30, fdr: float = 0.25) -> None:
    """Over-representation of all DEPs: sets with BH-adjusted p < ``fdr`` in any contrast."""
    frames = [t[t["direction"] == "all"].assign(contrast=c) for c, t in tables.items() if len(t)]
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if not frame.empty:
        frame["label"] = frame["collection"] + ": " + frame["set"]
        best = frame.groupby("label")["adj_p_value"].min().sort_values()
        frame = frame[frame["label"].isin(set(best[best < fdr].index[:top]))].copy()
        frame["s"] = frame["overlap"].clip(upper=10) / 2
        frame["v"] = -np.log10(frame["adj_p_value"].clip(lower=1e-10))
    title = f"Over-representation of DEPs (hypergeometric, measured universe; adj. p < {fdr:g})"
    _dotplot(frame, path, value="v", size="s", value_label="-log10 BH-adjusted p",
             size_label="DEPs in the set (capped at 10)", title=title, cmap="viridis")  # fmt: skip
