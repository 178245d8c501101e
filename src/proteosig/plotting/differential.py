"""Differential-stage figures, drawn from the per-contrast tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from proteosig.plotting._style import plt, save, setup


def volcano(
    table: pd.DataFrame,
    path,
    *,
    contrast: str,
    fc_threshold: float,
    fdr_threshold: float,
    n_labels: int = 15,
) -> None:
    """logFC vs -log10 p; DEPs coloured by direction, the top ``n_labels`` labelled."""
    setup()
    fig, ax = plt.subplots(figsize=(5.6, 4.6))
    data = table.dropna(subset=["logFC", "P.Value"])
    y = -np.log10(data["P.Value"].clip(lower=1e-300))
    colours = data["direction"].map({"up": "#D55E00", "down": "#0072B2"}).fillna("#BBBBBB")
    ax.scatter(data["logFC"], y, s=10, c=colours, alpha=0.8, linewidths=0)
    limit = np.log2(fc_threshold)
    for x in (-limit, limit):
        ax.axvline(x, color="#999999", lw=0.7, ls="--")
    significant = data[data["significant"]]
    if len(significant):
        # the largest p-value among the called DEPs (after the fold-change filter)
        cut = significant["P.Value"].max()
        ax.axhline(-np.log10(cut), color="#999999", lw=0.7, ls=":")
    top = data[data["significant"]].nsmallest(n_labels, "P.Value")
    if len(top) < n_labels:
        rest = data[~data["significant"]].nsmallest(n_labels - len(top), "P.Value")
        top = pd.concat([top, rest.head(max(0, 5 - len(top)))])
    labels = top["gene_symbol"].fillna(top["assay_id"]).astype(str)
    texts = []
    for (_, row), label in zip(top.iterrows(), labels, strict=True):
        texts.append(
            ax.annotate(
                label,
                (row["logFC"], -np.log10(max(row["P.Value"], 1e-300))),
                fontsize=7,
                xytext=(3, 2),
                textcoords="offset points",
            )
        )
    _spread_labels(ax, texts)
    n_up = int((data["direction"] == "up").sum())
    n_down = int((data["direction"] == "down").sum())
    ax.set_title(
        f"{contrast}: {n_up} up, {n_down} down (|FC| > {fc_threshold:g}, FDR < {fdr_threshold:g})"
    )
    ax.set_xlabel("log2 fold change")
    ax.set_ylabel("-log10 P")
    save(fig, path)


def _spread_labels(ax, texts, max_iter: int = 60) -> None:
    """Nudge overlapping labels apart vertically (a small, dependency-free repel)."""
    if len(texts) < 2:
        return
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for _ in range(max_iter):
        moved = False
        boxes = [t.get_window_extent(renderer) for t in texts]
        for i in range(len(texts)):
            for j in range(i + 1, len(texts)):
                if boxes[i].overlaps(boxes[j]):
                    x, y = texts[j].get_position()
                    offset = texts[j].xyann
                    texts[j].xyann = (offset[0], offset[1] + 8)
                    moved = True
                    boxes[j] = texts[j].get_window_extent(renderer)
        if not moved:
            break
