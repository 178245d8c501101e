"""Differential-stage figures, drawn from the per-contrast tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from proteosig.plotting._style import group_colours, ordered_groups, plt, save, setup


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


DIRECTION_COLOURS = {"up": "#D55E00", "down": "#0072B2"}


def heatmap_proteins(
    tables: dict[str, pd.DataFrame], *, max_rows: int = 60, min_rows: int = 20
) -> tuple[pd.DataFrame, dict]:
    """The heatmap's rows: the DEPs of any contrast, ranked by their smallest adjusted p.

    More than ``max_rows`` DEPs: the ``max_rows`` with the smallest adjusted p in any
    contrast (labels stay readable). Fewer than ``min_rows``: the DEPs plus the next
    proteins by smallest adjusted p, so a run with few or no DEPs still shows its
    strongest signals. Returns one row per protein (``label``, ``dep``, ``min_adj_p``
    and the ``direction`` in each contrast) and a description of the choice.
    """
    directions = pd.DataFrame(
        {c: t.set_index("assay_id")["direction"] for c, t in tables.items()}
    ).fillna("ns")
    adj = pd.DataFrame({c: t.set_index("assay_id")["adj.P.Val"] for c, t in tables.items()})
    first = next(iter(tables.values())).set_index("assay_id")
    rows = pd.DataFrame(
        {
            "min_adj_p": adj.min(axis=1).reindex(directions.index),
            "dep": (directions != "ns").any(axis=1),
            "gene_symbol": first["gene_symbol"].reindex(directions.index),
        }
    )
    rows = rows[rows["min_adj_p"].notna() | rows["dep"]]
    rows = rows.rename_axis("assay_id").reset_index()
    # DEPs first, then by p; assay_id breaks ties so the choice never depends on file order
    rows = rows.sort_values(
        ["dep", "min_adj_p", "assay_id"], ascending=[False, True, True], kind="stable"
    )
    n_deps = int(rows["dep"].sum())
    n_rows = min(len(rows), max(min(n_deps, max_rows), min_rows))
    chosen = rows.head(n_rows).set_index("assay_id")
    symbol = chosen["gene_symbol"].fillna("").astype(str)
    label = symbol.where(symbol != "", chosen.index.to_series())
    repeated = label.duplicated(keep=False)
    label[repeated] = label[repeated] + " (" + chosen.index[repeated] + ")"
    chosen["label"] = label
    for contrast in tables:
        chosen[contrast] = directions.loc[chosen.index, contrast]
    shown_deps = int(chosen["dep"].sum())
    if n_deps > max_rows:
        rule = "top_deps"
    elif shown_deps < n_rows:
        rule = "deps_and_next" if n_deps else "top_p"
    else:
        rule = "all_deps"
    about = {
        "rule": rule,
        "proteins": n_rows,
        "deps": n_deps,
        "deps_shown": shown_deps,
        "non_deps_shown": n_rows - shown_deps,
        "max_rows": max_rows,
        "min_rows": min_rows,
    }
    return chosen.drop(columns="gene_symbol"), about


def heatmap_samples(
    samples: pd.DataFrame,
    *,
    groups: list[str],
    control_group: str | None,
    max_samples: int = 2000,
    seed: int = 0,
) -> tuple[pd.DataFrame, dict]:
    """Samples (``sample_id``, ``group``) in group order; above ``max_samples``, an equal
    random share per group (all of a smaller group), seeded so the figure is reproducible."""
    samples = samples[["sample_id", "group"]].astype(str).reset_index(drop=True)
    order = ordered_groups(samples["group"].unique(), control_group, groups)
    subsample = len(samples) > max_samples
    per_group = max(1, max_samples // len(order)) if order else 0
    rng = np.random.default_rng(seed)
    parts = []
    for group in order:
        members = samples[samples["group"] == group]
        if subsample and len(members) > per_group:
            keep = np.sort(rng.choice(len(members), size=per_group, replace=False))
            members = members.iloc[keep]
        parts.append(members)
    shown = pd.concat(parts) if parts else samples.head(0)
    about = {
        "samples": len(shown),
        "samples_total": len(samples),
        "subsampled": subsample,
        "max_samples": max_samples,
        "per_group": per_group if subsample else None,
        "seed": seed if subsample else None,
        "groups": [  # a list: JSON objects lose the analysis order
            {
                "group": g,
                "shown": int((shown["group"] == g).sum()),
                "total": int((samples["group"] == g).sum()),
            }
            for g in order
        ],
    }
    return shown.reset_index(drop=True), about


def dep_heatmap(
    matrix: pd.DataFrame,
    proteins: pd.DataFrame,
    samples: pd.DataFrame,
    path,
    *,
    contrasts: list[str],
    control_group: str | None,
    groups: list[str],
    about: dict,
    limit: float = 3.0,
) -> None:
    """Per-sample z-scores of the chosen proteins, samples grouped, proteins clustered.

    ``matrix`` is samples x assays with a ``sample_id`` column and every sample analysed
    (z-scores use them all, so a subsample keeps the cohort's scale); ``proteins`` and
    ``samples`` come from :func:`heatmap_proteins` and :func:`heatmap_samples`, ``about``
    is their merged description (for the title). A strip beside the rows marks the
    contrasts in which each protein is a DEP; rows that are not DEPs have grey labels.
    """
    from matplotlib.colors import ListedColormap
    from scipy.cluster.hierarchy import dendrogram, leaves_list, linkage

    setup()
    if proteins.empty or samples.empty:
        _empty(path, "no protein or sample to show")
        return
    values = matrix.set_index(matrix["sample_id"].astype(str))[list(proteins.index)]
    values = values.astype(float)
    z = (values - values.mean()) / values.std(ddof=1).replace(0.0, np.nan)
    z = z.reindex(samples["sample_id"]).to_numpy().T  # proteins x shown samples
    filled = np.nan_to_num(np.clip(z, -limit, limit))  # missing at the mean, for distances

    order = []  # samples: blocks by group, clustered within each block
    for group in dict.fromkeys(samples["group"]):
        idx = np.flatnonzero(samples["group"].to_numpy() == group)
        if len(idx) > 2:
            idx = idx[leaves_list(linkage(filled[:, idx].T, "average"))]
        order.extend(idx)
    order = np.asarray(order)
    tree = None
    if len(proteins) > 2:
        tree = linkage(filled, "average", optimal_ordering=True)
        rows = leaves_list(tree)
    else:
        rows = np.arange(len(proteins))
    z, shown = z[rows][:, order], samples.iloc[order]
    table = proteins.iloc[rows]

    n_rows, n_contrasts = len(table), len(contrasts)
    row_h, heat_w, dendro_w, cell_w = 0.14, 5.2, 0.5, 0.16
    heat_h = max(n_rows * row_h, 1.0)
    bar_h, gap = 0.16, 0.04
    width = dendro_w + heat_w + gap + n_contrasts * cell_w + 0.2
    height = heat_h + gap + bar_h + 0.1
    fig = plt.figure(figsize=(width, height))

    def axes(left, bottom, w, h):
        return fig.add_axes((left / width, bottom / height, w / width, h / height))

    heat = axes(dendro_w, 0, heat_w, heat_h)
    cmap = plt.get_cmap("RdBu_r").with_extremes(bad="#D9D9D9")
    image = heat.imshow(
        z, aspect="auto", cmap=cmap, vmin=-limit, vmax=limit, interpolation="nearest"
    )
    heat.set_yticks([])
    heat.set_xticks([])
    heat.set_xlabel(_samples_label(about))
    for spine in heat.spines.values():
        spine.set_visible(False)

    # group bar, with the colours every other figure uses
    colours = group_colours(shown["group"].unique(), control_group)
    present = ordered_groups(shown["group"].unique(), control_group, groups)
    bar = axes(dendro_w, heat_h + gap, heat_w, bar_h)
    codes = shown["group"].map({g: i for i, g in enumerate(present)}).to_numpy()[None, :]
    bar.imshow(
        codes,
        aspect="auto",
        cmap=ListedColormap([colours[g] for g in present]),
        vmin=-0.5,
        vmax=len(present) - 0.5,
        interpolation="nearest",
    )
    bar.set_axis_off()
    shown_per_group = {item["group"]: item["shown"] for item in about["groups"]}
    handles = [
        plt.Rectangle((0, 0), 1, 1, color=colours[g], label=f"{g} (n={shown_per_group[g]})")
        for g in present
    ]
    bar.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0, 1.15),
        ncol=min(len(handles), 6),
        frameon=False,
        fontsize=7,
        handlelength=1,
        columnspacing=1,
    )
    bar.set_title(_heatmap_title(about), loc="left", pad=6 + 14 * _legend_rows(handles))

    if tree is not None:
        dendro = axes(0, 0, dendro_w - 0.02, heat_h)
        dendrogram(
            tree,
            orientation="left",
            ax=dendro,
            no_labels=True,
            color_threshold=0,
            above_threshold_color="#555555",
        )
        dendro.invert_yaxis()  # scipy draws leaf 0 at the bottom; imshow puts row 0 on top
        dendro.set_axis_off()

    # which contrasts call each protein a DEP, coloured as in the volcano plots
    strip = axes(dendro_w + heat_w + gap, 0, n_contrasts * cell_w, heat_h)
    calls = table[contrasts].to_numpy()
    status = np.where(calls == "up", 1.0, np.where(calls == "down", -1.0, 0.0))
    strip.imshow(
        status,
        aspect="auto",
        cmap=ListedColormap([DIRECTION_COLOURS["down"], "#F2F2F2", DIRECTION_COLOURS["up"]]),
        vmin=-1.5,
        vmax=1.5,
        interpolation="nearest",
    )
    strip.set_xticks(range(n_contrasts), [c.replace("_", " ") for c in contrasts], rotation=90)
    strip.tick_params(axis="x", labelsize=7, length=0)
    strip.set_yticks(range(n_rows), table["label"])
    strip.yaxis.tick_right()
    strip.tick_params(axis="y", labelsize=7 if n_rows <= 40 else 6, length=0)
    for tick, dep in zip(strip.get_yticklabels(), table["dep"], strict=True):
        if not dep:
            tick.set_color("#8C8C8C")
    strip.set_xticks(np.arange(n_contrasts + 1) - 0.5, minor=True)
    strip.set_yticks(np.arange(n_rows + 1) - 0.5, minor=True)
    strip.grid(which="minor", color="white", linewidth=0.6)
    strip.tick_params(which="minor", length=0)
    for spine in strip.spines.values():
        spine.set_visible(False)

    fig.canvas.draw()  # the protein labels' width decides where the colour bar can go
    right = max(t.get_window_extent().x1 for t in strip.get_yticklabels()) / fig.bbox.width
    colourbar = fig.add_axes((right + 0.15 / width, 0, 0.12 / width, min(1.2, heat_h) / height))
    fig.colorbar(image, cax=colourbar, extend="both", label="z-score")
    colourbar.tick_params(labelsize=7)
    colourbar.legend(
        handles=[
            plt.Rectangle((0, 0), 1, 1, color=DIRECTION_COLOURS[d], label=f"DEP {d}")
            for d in ("up", "down")
        ],
        loc="lower left",
        bbox_to_anchor=(0, 1.05),
        frameon=False,
        fontsize=7,
        handlelength=1,
    )
    save(fig, path)


def _legend_rows(handles) -> int:
    return int(np.ceil(len(handles) / 6))


def _heatmap_title(about: dict) -> str:
    title = (
        f"{about['proteins']} proteins ({about['deps_shown']} DEPs) × {about['samples']} samples"
    )
    if about["subsampled"]:
        title += (
            f"\n{about['samples']:,} of {about['samples_total']:,} samples: up to "
            f"{about['per_group']:,} per group at random (seed {about['seed']})"
        )
    return title


def _samples_label(about: dict) -> str:
    if about["subsampled"]:
        return "samples (random subsample), ordered by group"
    return "samples, ordered by group"


def _empty(path, text: str) -> None:
    fig, ax = plt.subplots(figsize=(5, 2))
    ax.text(0.5, 0.5, text, ha="center", va="center")
    ax.set_axis_off()
    save(fig, path)
