"""Shared look: one colour per group across every figure, and saving PNG + PDF together."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#000000"]
CONTROL_COLOUR = "#7F7F7F"


def group_colours(groups, control_group: str | None = None) -> dict[str, str]:
    """Controls grey; other groups take the palette in sorted order (stable across figures)."""
    colours = {}
    others = [g for g in sorted(map(str, set(groups))) if g != control_group]
    if control_group is not None:
        colours[str(control_group)] = CONTROL_COLOUR
    for i, group in enumerate(others):
        colours[group] = PALETTE[i % len(PALETTE)]
    return colours


def ordered_groups(groups, control_group: str | None, preferred=None) -> list[str]:
    present = sorted(map(str, set(groups)))
    if preferred:
        order = [g for g in preferred if g in present]
        return order + [g for g in present if g not in order]
    if control_group in present:
        return [control_group] + [g for g in present if g != control_group]
    return present


def setup() -> None:
    plt.rcParams.update(
        {
            "figure.dpi": 110,
            "savefig.dpi": 150,
            "font.size": 9,
            "axes.titlesize": 10,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "pdf.fonttype": 42,
            "svg.hashsalt": "proteosig",
        }
    )


def save(fig, png_path: str | Path) -> None:
    """Write the PNG and the PDF beside it (same stem); PDF without a creation date."""
    png_path = Path(png_path)
    png_path.parent.mkdir(parents=True, exist_ok=True)
    # The tight box once for both files: with bbox_inches="tight" every savefig lays the
    # figure out and measures all its text again, about a third of the figure jobs' time.
    fig.draw_without_rendering()
    tight = fig.get_tightbbox().padded(plt.rcParams["savefig.pad_inches"])
    fig.savefig(png_path, bbox_inches=tight, metadata={"Software": None})
    fig.savefig(
        png_path.with_suffix(".pdf"),
        bbox_inches=tight,
        metadata={"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None},
    )
    plt.close(fig)


#: most points drawn per group in strip plots, and rows in per-patient heatmaps: beyond
#: this a figure shows an evenly spaced subset (boxes and colour scales still use all)
MAX_POINTS = 1500
MAX_HEATMAP_ROWS = 400


def evenly_spaced(n: int, limit: int) -> np.ndarray:
    """Positions of at most ``limit`` of ``n`` items, evenly spaced: deterministic, and for
    rows sorted by group it keeps every group in proportion."""
    if n <= limit:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, limit).round().astype(int))
