"""Similarity-stage figures, drawn from the stage's tables."""

from __future__ import annotations

import itertools

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
from proteosig.similarity.signatures import P_RULES


def _empty(path, text: str) -> None:
    fig, ax = plt.subplots(figsize=(5, 2))
    ax.text(0.5, 0.5, text, ha="center", va="center")
    ax.set_axis_off()
    save(fig, path)


def _significant(table: pd.DataFrame) -> pd.Series:
    return table["significant"].astype(str).str.lower().eq("true")


def similarity_heatmap(table: pd.DataFrame, path) -> None:
    """Observed similarity of every pair with the shared-control null and the permutation
    p-value written in each cell; the colour is the observed value minus the null mean,
    because two signatures with shared controls resemble each other without any biology.

    A symmetric metric fills the lower triangle (one value per pair, the pair's p). A
    directional one (``transfer_t``) fills both: the cell in row A, column B is "A follows
    B's top proteins", with that direction's shared-control null and its p (the larger of
    the label and protein nulls', unadjusted), so the two questions of a pair sit across
    the diagonal from each other.
    """
    setup()
    if table.empty:
        _empty(path, "fewer than two signatures to compare")
        return
    directional = table["p_rule"].iloc[0] == P_RULES["directional"]
    names = list(dict.fromkeys([*table["signature_a"], *table["signature_b"]]))
    n = len(names)
    values = np.full((n, n), np.nan)
    labels = [["" for _ in names] for _ in names]
    for row in table.itertuples(index=False):
        a, b = names.index(row.signature_a), names.index(row.signature_b)
        if directional:
            cells = [
                (a, b, row.observed, row.shared_control_null_a, row.p_direction_a),
                (b, a, row.observed_b, row.shared_control_null_b, row.p_direction_b),
            ]
        else:
            null = max(row.shared_control_null_a, row.shared_control_null_b)
            cells = [(max(a, b), min(a, b), row.observed, null, row.p_value)]
        for i, j, value, null, p in cells:
            values[i, j] = value - null
            labels[i][j] = f"{value:.2f}\nnull {null:.2f}\np={p:.2g}"
    fig, ax = plt.subplots(figsize=(1.6 * n + 1.5, 1.4 * n + 0.8))
    # t-unit metrics (transfer_t) may go beyond a correlation's range
    limit = max(0.5, float(np.nanmax(np.abs(values)))) if np.isfinite(values).any() else 1.0
    image = ax.imshow(values, cmap="RdBu_r", vmin=-limit, vmax=limit)
    for i, j in itertools.product(range(n), range(n)):
        if labels[i][j]:
            dark = abs(values[i, j]) > 0.6 * limit  # white text on the deep colours
            ax.text(j, i, labels[i][j], ha="center", va="center", fontsize=7,
                    color="white" if dark else "black")  # fmt: skip
    ax.set_xticks(range(n), [s.replace("_", " ") for s in names], rotation=30, ha="right")
    ax.set_yticks(range(n), [s.replace("_", " ") for s in names])
    metric = table["metric"].iloc[0]
    label = f"{metric.replace('_', ' ')} minus shared-control null"
    fig.colorbar(image, ax=ax, shrink=0.8, label=label)
    if directional:
        ax.set_xlabel("signature whose top proteins are followed")
        ax.set_ylabel("signature that follows them")
    ax.set_title("Signature similarity vs the shared-control null")
    fig.tight_layout()
    save(fig, path)


def logfc_scatter(tables: dict[str, pd.DataFrame], path, *, max_labels: int = 12) -> None:
    """logFC of one signature against another for every pair; shared DEPs labelled."""
    setup()
    pairs = list(itertools.combinations(tables, 2))
    if not pairs:
        _empty(path, "fewer than two signatures to compare")
        return
    ncol = min(3, len(pairs))
    nrow = int(np.ceil(len(pairs) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(3.6 * ncol, 3.4 * nrow), squeeze=False)
    for ax, (a, b) in zip(axes.flat, pairs, strict=False):
        left = tables[a].set_index("assay_id")
        right = tables[b].set_index("assay_id").reindex(left.index)
        x, y = left["logFC"].astype(float), right["logFC"].astype(float)
        sig_a, sig_b = _significant(left), _significant(right)
        both, either = sig_a & sig_b, sig_a ^ sig_b
        ax.scatter(x[~(both | either)], y[~(both | either)], s=5, color="#BBBBBB", lw=0)
        ax.scatter(x[either], y[either], s=9, color="#56B4E9", lw=0, label="DEP in one")
        ax.scatter(x[both], y[both], s=14, color="#D55E00", lw=0, label="DEP in both")
        shown = (x.abs() + y.abs())[both].sort_values(ascending=False).index[:max_labels]
        for assay in shown:
            ax.annotate(str(left.loc[assay, "gene_symbol"]), (x[assay], y[assay]), fontsize=7,
                        xytext=(3, 3), textcoords="offset points")  # fmt: skip
        ax.axhline(0, color="#DDDDDD", lw=0.6)
        ax.axvline(0, color="#DDDDDD", lw=0.6)
        finite = np.isfinite(x) & np.isfinite(y)
        r = np.corrcoef(x[finite], y[finite])[0, 1] if finite.sum() > 2 else np.nan
        ax.set_title(f"r = {r:.2f} over {int(finite.sum())} proteins", fontsize=8)
        ax.set_xlabel(f"logFC {a.replace('_', ' ')}")
        ax.set_ylabel(f"logFC {b.replace('_', ' ')}")
    for ax in list(axes.flat)[len(pairs) :]:
        ax.set_visible(False)
    handles, names = axes.flat[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, names, loc="lower center", ncol=2, frameon=False, fontsize=8)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    save(fig, path)


def dep_upset(tables: dict[str, pd.DataFrame], path) -> None:
    """UpSet plot of the DEP sets: size of every exact intersection, with its members.

    Drawn here rather than with the ``upsetplot`` package: the figure is two bar charts and
    a dot matrix, and one dependency less keeps the environment easy to solve.
    """
    setup()
    sets = {
        name: set(t.loc[_significant(t), "gene_symbol"].astype(str)) for name, t in tables.items()
    }
    names = list(sets)
    members = set().union(*sets.values()) if sets else set()
    if not members:
        _empty(path, "no DEPs in any signature at these thresholds")
        return
    combos = {}
    for protein in sorted(members):
        key = tuple(protein in sets[n] for n in names)
        combos.setdefault(key, []).append(protein)
    order = sorted(combos, key=lambda k: (-len(combos[k]), -sum(k)))
    fig, (top, bottom) = plt.subplots(
        2, 1, figsize=(max(4.0, 0.7 * len(order) + 2.5), 2.2 + 0.35 * len(names)),
        gridspec_kw={"height_ratios": [3, 0.4 * len(names) + 0.4]}, sharex=True,
    )  # fmt: skip
    sizes = [len(combos[k]) for k in order]
    top.bar(range(len(order)), sizes, color="#444444")
    for i, key in enumerate(order):
        label = ", ".join(combos[key][:4]) + (" ..." if len(combos[key]) > 4 else "")
        top.text(i, sizes[i], f"{sizes[i]}\n{label}", ha="center", va="bottom", fontsize=6,
                 rotation=90 if len(order) > 6 else 0)  # fmt: skip
    top.set_ylabel("DEPs in exactly\nthese signatures")
    top.set_ylim(0, max(sizes) * 1.9)
    for i, key in enumerate(order):
        on = [j for j, flag in enumerate(key) if flag]
        bottom.scatter([i] * len(names), range(len(names)), color="#DDDDDD", s=30)
        bottom.scatter([i] * len(on), on, color="#222222", s=30)
        if len(on) > 1:
            bottom.plot([i, i], [min(on), max(on)], color="#222222", lw=1.5)
    bottom.set_yticks(range(len(names)), [f"{n.replace('_', ' ')} ({len(sets[n])})" for n in names])
    bottom.set_xticks([])
    bottom.invert_yaxis()
    for side in ("left", "bottom"):
        bottom.spines[side].set_visible(False)
    fig.tight_layout()
    save(fig, path)


def patient_scores(
    scores: pd.DataFrame, fractions: pd.DataFrame, path, *, control_group: str, groups=None
) -> None:
    """Leave-one-out score of every sample per signature, by group, with the carrier line."""
    setup()
    columns = [c for c in scores.columns if c.startswith("score_")]
    if not columns:
        _empty(path, "no signature to score")
        return
    order = ordered_groups(scores["group"].astype(str).unique(), control_group, groups)
    colours = group_colours(scores["group"].astype(str).unique(), control_group)
    fig, axes = plt.subplots(1, len(columns), figsize=(3.2 * len(columns), 3.0), squeeze=False)
    rng = np.random.default_rng(0)  # jitter only; fixed so the figure is reproducible
    for ax, column in zip(axes.flat, columns, strict=True):
        signature = column.removeprefix("score_")
        info = fractions[fractions["signature"] == signature].set_index("group")
        threshold = float(info["threshold"].iloc[0])
        for i, group in enumerate(order):
            values = scores.loc[scores["group"].astype(str) == group, column].to_numpy(float)
            ax.boxplot([values], positions=[i], widths=0.6, showfliers=False)
            drawn = values[evenly_spaced(values.size, MAX_POINTS)]
            ax.scatter(i + rng.uniform(-0.18, 0.18, drawn.size), drawn, s=7,
                       color=colours[group], rasterized=drawn.size > 200)  # fmt: skip
            if group in info.index:
                ax.text(i, 1.0, f"{info.loc[group, 'fraction']:.0%}", fontsize=7, ha="center",
                        transform=ax.get_xaxis_transform())  # fmt: skip
        ax.axhline(threshold, color="#D55E00", lw=0.8, ls="--")
        ax.set_xticks(range(len(order)), order, fontsize=8)
        ax.set_title(f"{signature.replace('_', ' ')} signature", fontsize=9, pad=12)
    axes.flat[0].set_ylabel("leave-one-out score (SD units)")
    fig.text(0.01, 0.005, "dashed: carrier threshold (controls' quantile); top: carrier share",
             fontsize=7)  # fmt: skip
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    save(fig, path)
