"""Bridge normalisation (proteosig.qc.bridge) against the authors' adjusted values.

Data: ``../shared/data/postcovid_olink_exports/bridging_INF_plate1.xlsx`` (MIT, CiiM
Bioinformatics group, Postcovid-targeted-proteomics): the authors' workbook integrating the
Radboud Target 96 Inflammation plate ("new" run, NPX Manager 2.1 export, 88 samples) with
the MHH cohort ("reference" run, 264 samples, wide sheet without OlinkID rows). Sheets:

* ``MHH original`` / ``Radboud original``: both runs as exported;
* ``Bridging samples``: the 7 bridge samples' NPX in each run (columns in panel order, no
  header), ``Median`` rows (Excel ``=MEDIAN``) and ``Difference medians`` (= the
  adjustment factor, MHH median minus Radboud median);
* ``Radboud adjusted``: per assay the original and ``original + factor`` columns, for the
  62 assays kept after the authors' missingness filter and the 86 samples without a QC
  warning; ``Radboud final``: the adjusted values alone.

What is compared: our adjustments (``paired`` = Olink's median of paired differences, and
``medians`` = difference of medians) with the authors' factors, and our adjusted Radboud
NPX with ``Radboud final`` (86 samples x 62 assays). The reading is checked as it goes:
the bridge block of each run must equal that run's original sheet, so the unlabelled
columns are known to be in panel order.

Run:  python benchmarks/bridge_vs_authors.py [WORKBOOK]
Writes the per-assay table to benchmarks/out/bridge_vs_authors.tsv (git-ignored).
"""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from proteosig.io.npx_manager import read_npx_manager
from proteosig.qc.bridge import apply_bridge, bridge_adjustments, bridge_diagnostics
from proteosig.qc.matrix import to_matrix

ROOT = Path(__file__).resolve().parents[1]
WORKBOOK = ROOT.parent / "shared" / "data" / "postcovid_olink_exports" / "bridging_INF_plate1.xlsx"
OUT = ROOT / "benchmarks" / "out" / "bridge_vs_authors.tsv"
LABELS = ("MHH (reference)", "Radboud (new)")


@dataclass
class Workbook:
    reference: pd.DataFrame  # MHH, long: sample_id, assay_id (OlinkID), assay, npx, lod
    new: pd.DataFrame  # Radboud, long, from read_npx_manager (qc_warning included)
    bridge_ids: list[str]  # as listed on 'Bridging samples'
    authors_factor: pd.Series  # OlinkID -> 'Difference medians' (all 92 assays)
    authors_final: pd.DataFrame  # samples x OlinkID: 'Radboud final' (86 x 62)
    authors_final_factor: pd.Series  # OlinkID -> 'Adjustment factor' row of 'Radboud adjusted'


def _label_rows(sheet: pd.DataFrame) -> pd.Series:
    return sheet.iloc[:, 0].astype("string").str.strip()


def _row(sheet: pd.DataFrame, label: str) -> int:
    hits = np.flatnonzero((_label_rows(sheet) == label).fillna(False).to_numpy())
    if not len(hits):
        raise ValueError(f"no row labelled {label!r}")
    return int(hits[0])


def load_workbook(path: str | Path = WORKBOOK) -> Workbook:
    sheets = pd.read_excel(path, sheet_name=None, header=None)
    new = read_npx_manager(path, sheets="Radboud original")
    new = new.assign(assay_id=new["olink_id"])
    oid_of = new.drop_duplicates("assay").set_index("assay")["olink_id"]
    if oid_of.index.duplicated().any():
        raise ValueError("assay names are not unique in the Radboud run")

    # MHH: wide, one 'Assay' header row (no UniProt/OlinkID rows), footer LOD row
    mhh = sheets["MHH original"]
    names = mhh.iloc[0, 1:].astype(str).str.strip().tolist()
    if list(oid_of.index) != names:
        raise ValueError("MHH and Radboud assays differ in name or order")
    lod_row = _row(mhh, "LOD")
    values = mhh.iloc[1:lod_row].dropna(how="all")
    wide = pd.DataFrame(
        values.iloc[:, 1:].to_numpy(dtype=float),
        index=values.iloc[:, 0].astype(str).str.strip(),
        columns=oid_of.to_numpy(),
    )
    lod = pd.Series(mhh.iloc[lod_row, 1:].to_numpy(dtype=float), index=oid_of.to_numpy())
    reference = (
        wide.rename_axis("sample_id")
        .rename_axis("assay_id", axis=1)
        .stack()
        .rename("npx")
        .reset_index()
    )
    reference["assay"] = reference["assay_id"].map(pd.Series(oid_of.index, index=oid_of))
    reference["lod"] = reference["assay_id"].map(lod)

    # 'Bridging samples': two blocks of bridge rows, then 'Difference medians'
    bridge = sheets["Bridging samples"]
    labels = _label_rows(bridge)
    ref_block = _block(bridge, _row(bridge, "MHH cohort"), oid_of)
    new_block = _block(bridge, _row(bridge, "Radboud cohort"), oid_of)
    _check_equal(ref_block, wide.loc[ref_block.index], "MHH bridge block vs 'MHH original'")
    new_wide = to_matrix(new).loc[new_block.index, new_block.columns]
    _check_equal(new_block, new_wide, "Radboud bridge block vs 'Radboud original'")
    listed = labels.iloc[_row(bridge, "Bridging samples that are include in both cohorts:") + 1 :]
    listed = listed.iloc[int(listed.notna().to_numpy().argmax()) :]  # skip blank rows
    bridge_ids = listed.iloc[: int(listed.isna().to_numpy().argmax())].tolist()
    if sorted(bridge_ids) != sorted(ref_block.index) or sorted(bridge_ids) != sorted(
        new_block.index
    ):
        raise ValueError("the listed bridge samples are not the rows of the two blocks")
    factor_row = _row(bridge, "Difference medians")
    authors_factor = pd.Series(
        bridge.iloc[factor_row, 1 : 1 + len(oid_of)].to_numpy(dtype=float), index=oid_of.to_numpy()
    )

    # 'Radboud adjusted': OlinkID row over (original, adjusted) column pairs
    adjusted = sheets["Radboud adjusted"]
    oid_row = adjusted.iloc[_row(adjusted, "OlinkID"), 1:]
    factor = adjusted.iloc[_row(adjusted, "Adjustment factor"), 1:]
    kept = oid_row.notna().to_numpy()
    authors_final_factor = pd.Series(
        factor[kept].to_numpy(dtype=float), index=oid_row[kept].astype(str).to_numpy()
    )

    final = sheets["Radboud final"]
    header = final.iloc[0, 1:].astype(str).str.strip()
    authors_final = pd.DataFrame(
        final.iloc[1:, 1:].to_numpy(dtype=float),
        index=final.iloc[1:, 0].astype(str).str.strip(),
        columns=header.map(oid_of).to_numpy(),
    )
    return Workbook(
        reference=reference,
        new=new,
        bridge_ids=bridge_ids,
        authors_factor=authors_factor,
        authors_final=authors_final,
        authors_final_factor=authors_final_factor,
    )


def _block(sheet: pd.DataFrame, title_row: int, oid_of: pd.Series) -> pd.DataFrame:
    """The sample rows under a block title (blank rows skipped) up to the next blank row."""
    below = _label_rows(sheet).iloc[title_row + 1 :]
    start = title_row + 1 + int(below.notna().to_numpy().argmax())
    ids = _label_rows(sheet).iloc[start:]
    stop = start + int(ids.isna().to_numpy().argmax())
    block = sheet.iloc[start:stop, 1 : 1 + len(oid_of)]
    return pd.DataFrame(
        block.to_numpy(dtype=float),
        index=sheet.iloc[start:stop, 0].astype(str).str.strip(),
        columns=oid_of.to_numpy(),
    )


def _check_equal(a: pd.DataFrame, b: pd.DataFrame, what: str) -> None:
    worst = float(np.nanmax(np.abs(a.to_numpy() - b.to_numpy())))
    if worst > 0:
        raise ValueError(f"{what}: differs by up to {worst}")


def agreement(ours: np.ndarray, theirs: np.ndarray) -> dict:
    """Agreement of two equally shaped arrays (NaN pattern must match)."""
    ours = np.asarray(ours, dtype=float).ravel()
    theirs = np.asarray(theirs, dtype=float).ravel()
    if not np.array_equal(np.isnan(ours), np.isnan(theirs)):
        raise ValueError("missing-value patterns differ")
    keep = ~np.isnan(ours)
    diff = np.abs(ours[keep] - theirs[keep])
    return {
        "n": int(keep.sum()),
        "max_abs_diff": float(diff.max()),
        "median_abs_diff": float(np.median(diff)),
        "pearson_r": float(np.corrcoef(ours[keep], theirs[keep])[0, 1]),
        "frac_within_1e-6": float(np.mean(diff <= 1e-6)),
        "frac_within_0.01": float(np.mean(diff <= 0.01)),
    }


def run(book: Workbook) -> dict:
    """Both methods against the authors; returns the numbers the report and tests use."""
    final = book.authors_final
    results: dict = {"bridge_ids": book.bridge_ids}
    per_assay = []
    for method in ("paired", "medians"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            table = bridge_adjustments(
                book.reference, book.new, method=method, labels=LABELS
            ).set_index("assay_id")
        adjusted = apply_bridge(book.new, table.reset_index())
        ours = to_matrix(adjusted).loc[final.index, final.columns]
        diagnostics = bridge_diagnostics(
            book.reference, book.new, table.reset_index(), method=method, labels=LABELS
        )
        results[method] = {
            "factor_all_92": agreement(
                table["adjustment"].reindex(book.authors_factor.index), book.authors_factor
            ),
            "factor_kept_62": agreement(
                table["adjustment"].reindex(book.authors_final_factor.index),
                book.authors_final_factor,
            ),
            "values": agreement(ours.to_numpy(), final.to_numpy()),
            "n_pairs": sorted(set(table["n_pairs"])),
            "bridge_samples_used": diagnostics.summary["bridge_samples"],
            "warnings": [str(w.message) for w in caught],
            "diagnostics": diagnostics.summary,
        }
        per_assay.append(
            pd.DataFrame(
                {
                    f"adjustment_{method}": table["adjustment"],
                    f"max_abs_value_diff_{method}": (ours - final).abs().max().reindex(table.index),
                    f"bridge_median_abs_diff_after_{method}": diagnostics.assays.set_index(
                        "assay_id"
                    )["median_abs_diff_after"],
                    f"loo_median_abs_error_{method}": diagnostics.assays.set_index("assay_id")[
                        "loo_median_abs_error"
                    ],
                }
            )
        )
    authors = bridge_diagnostics(
        book.reference,
        book.new,
        book.authors_factor.rename("adjustment").rename_axis("assay_id").reset_index(),
        method="medians",
        labels=LABELS,
    )
    results["authors_factor_diagnostics"] = authors.summary
    table = pd.concat(per_assay, axis=1)
    table.insert(0, "authors_factor", book.authors_factor.reindex(table.index))
    table.insert(0, "assay", book.new.drop_duplicates("assay_id").set_index("assay_id")["assay"])
    table["in_authors_final"] = table.index.isin(final.columns)
    table["paired_minus_authors"] = table["adjustment_paired"] - table["authors_factor"]
    results["per_assay"] = table.rename_axis("assay_id").reset_index()
    return results


def _print(results: dict) -> None:
    print(f"bridge samples listed by the authors: {', '.join(results['bridge_ids'])}")
    ours = results["paired"]["bridge_samples_used"]
    print(f"bridge samples we found (IDs in both runs): {', '.join(ours)}")
    rows = []
    for method in ("paired", "medians"):
        for what in ("factor_all_92", "factor_kept_62", "values"):
            rows.append({"method": method, "compared": what, **results[method][what]})
    with pd.option_context("display.width", 160, "display.precision", 6):
        print("\nagreement with the authors (factors: ours vs 'Difference medians' /")
        print("'Adjustment factor'; values: our adjusted Radboud NPX vs 'Radboud final')")
        print(pd.DataFrame(rows).to_string(index=False))
        table = results["per_assay"]
        kept = table.loc[table["in_authors_final"]]
        worst = kept.reindex(kept["max_abs_value_diff_paired"].sort_values(ascending=False).index)
        columns = [
            "assay_id",
            "assay",
            "authors_factor",
            "adjustment_paired",
            "max_abs_value_diff_paired",
            "max_abs_value_diff_medians",
            "bridge_median_abs_diff_after_medians",
            "bridge_median_abs_diff_after_paired",
        ]
        print("\nper assay (62 in the authors' final table), largest paired differences first:")
        print(worst[columns].head(15).to_string(index=False))
    for method in ("paired", "medians"):
        summary = results[method]["diagnostics"]
        print(
            f"\nbridge samples after '{method}': median |ref-new| "
            f"{summary['median_abs_diff_before']} -> {summary['median_abs_diff_after']}, "
            f"median CCC {summary['median_ccc_before']} -> {summary['median_ccc_after']}, "
            f"leave-one-out median |error| {summary['median_loo_abs_error']}"
        )
        for warning in results[method]["warnings"]:
            print(f"  warning: {warning}")


def main(path: str | Path = WORKBOOK) -> dict:
    if not Path(path).is_file():
        sys.exit(f"{path}: workbook not found (needs ../shared)")
    results = run(load_workbook(path))
    _print(results)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    results["per_assay"].to_csv(OUT, sep="\t", index=False, float_format="%.10g")
    print(f"\nper-assay table: {OUT}")
    return results


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else WORKBOOK)
