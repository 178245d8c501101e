"""Ingest: NPX exports + sample sheet -> one harmonised long table and a sample table.

Steps (each a small function, so tests can reach every rule):
1. read every NPX file (any supported layout) into the common vendor frame and stack them;
2. give every assay a stable ``assay_id`` and a gene symbol;
3. recognise Olink control samples (plate/negative/sample controls, bridging samples)
   and set them aside;
4. join the sample sheet and check that data, sheet and config agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from proteosig.errors import InputError, rows_preview
from proteosig.io.formats import read_npx_file
from proteosig.io.panels import map_gene_symbols, panel_code, uniprot_key
from proteosig.io.sample_sheet import read_sample_sheet

#: Olink's control sample types (long exports) and the names NPX Manager gives them.
CONTROL_SAMPLE_TYPES = frozenset(
    {"PLATE_CONTROL", "NEGATIVE_CONTROL", "SAMPLE_CONTROL", "CONTROL", "CALIBRATOR", "BRIDGE"}
)
DEFAULT_CONTROL_PATTERN = (
    r"(?i)^(?:ipc|inter[ _-]?plate|neg(?:ative)?[ _-]?c(?:on)?tro?l|"
    r"control(?:[ _-]?sample)?(?=$|[\s_\-\d])|sample[ _-]?control|plate[ _-]?control|"
    r"ctrl(?=$|[\s_\-\d])|calibrator|bridg)"
)

LONG_COLUMNS = (
    "sample_id",
    "assay_id",
    "olink_id",
    "uniprot",
    "gene_symbol",
    "assay",
    "panel",
    "plate",
    "npx",
    "lod",
    "below_lod",
    "qc_warning",
    "assay_warning",
    "missing_freq",
    "normalization",
    "source_file",
)


@dataclass
class IngestResult:
    """What ingest hands to QC."""

    long: pd.DataFrame  # one row per study sample x assay, LONG_COLUMNS
    samples: pd.DataFrame  # one row per study sample: sample_id, group, covariates, plate
    controls: pd.DataFrame  # control samples set aside: sample_id, sample_type, plate, reason
    unmapped_assays: pd.DataFrame  # assays without a gene symbol
    notes: list[str] = field(default_factory=list)


def read_npx_files(paths: list[str | Path], *, fmt: str = "auto") -> pd.DataFrame:
    frames = [read_npx_file(p, fmt=fmt) for p in paths]
    return pd.concat(frames, ignore_index=True)


def assign_assay_ids(raw: pd.DataFrame) -> pd.Series:
    """OlinkID where given; else panel + UniProt (or assay name), which is unique per panel."""
    uni = raw["uniprot"].map(uniprot_key, na_action="ignore").astype("string")
    fallback = (
        raw["panel"].fillna("NA").str.replace(r"\s+", "_", regex=True)
        + ":"
        + uni.fillna(raw["assay"].fillna("NA"))
    )
    return raw["olink_id"].fillna(fallback).astype("string")


def flag_text(values: pd.Series, *, true_words: tuple[str, ...]) -> pd.Series:
    """Vendor flag text -> boolean (missing text means no flag)."""
    upper = values.astype("string").str.strip().str.upper()
    return upper.isin(true_words).fillna(False).astype(bool)


def split_controls(
    raw: pd.DataFrame, pattern: str | None, *, sheet_ids: pd.Index, sheet_path
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (study rows, control-sample table).

    A sample is a control when the vendor's SampleType says so, or when its ID matches
    ``pattern``, unless the sample sheet lists it: a name can look like a control's
    ('Control_12' in a study of controls), and the user's sheet decides.
    """
    by_type = raw["sample_type"].str.upper().isin(CONTROL_SAMPLE_TYPES).fillna(False)
    typed_in_sheet = pd.Index(raw.loc[by_type, "sample_id"].unique()).intersection(sheet_ids)
    if len(typed_in_sheet):
        raise InputError(
            sheet_path,
            f"{len(typed_in_sheet)} sample(s) listed in the sheet are control samples in the "
            f"NPX data (SampleType): {rows_preview(sorted(typed_in_sheet))}",
            expected="only study samples in the sample sheet",
            fix="remove them from the sheet (Olink plate, negative and sample controls are "
            "not study samples)",
        )
    by_name = pd.Series(False, index=raw.index)
    if pattern:
        regex = re.compile(pattern)
        ids = raw["sample_id"].dropna().unique()
        matched = {i for i in ids if regex.search(i) and i not in sheet_ids}
        by_name = raw["sample_id"].isin(matched)
    is_control = (by_type | by_name).astype(bool)
    reason = np.where(by_type, "vendor SampleType", "name matches control_sample_pattern")
    controls = (
        raw.loc[is_control, ["sample_id", "sample_type", "plate"]]
        .assign(reason=reason[is_control.to_numpy()])
        .drop_duplicates("sample_id")
        .sort_values("sample_id")
        .reset_index(drop=True)
    )
    return raw.loc[~is_control].copy(), controls


def check_duplicates(raw: pd.DataFrame) -> None:
    """A sample may be measured on one assay once; twice is an export or merge mistake."""
    key = ["sample_id", "assay_id"]
    dup = raw.duplicated(key, keep=False)
    if dup.any():
        rows = raw.loc[dup, key + ["plate", "source_file"]].head(4)
        example = "; ".join(
            f"{r.sample_id} x {r.assay_id} (plate {r.plate}, {Path(str(r.source_file)).name})"
            for r in rows.itertuples()
        )
        raise InputError(
            ", ".join(sorted(raw.loc[dup, "source_file"].astype(str).unique())),
            f"{int(dup.sum())} rows measure the same sample on the same assay more than once, "
            f"e.g. {example}",
            expected="one NPX value per sample and assay",
            fix="remove re-runs or duplicated files from 'inputs: npx', or rename repeated "
            "samples (e.g. add a suffix) and list them in the sample sheet",
        )


def check_groups(
    samples: pd.DataFrame, *, group_column: str, control_group: str, sheet_path, groups=None
) -> None:
    counts = samples[group_column].value_counts()
    if control_group not in counts.index:
        raise InputError(
            "config",
            f"control group {control_group!r} is not a group in the sample sheet "
            f"(groups with data: {', '.join(map(str, counts.index))})",
            where="samples: control_group",
            fix="set 'samples: control_group' to one of those groups",
        )
    for group in groups or ():
        if group not in counts.index:
            raise InputError(
                "config",
                f"group {group!r} listed in 'samples: groups' has no samples with data",
                where="samples: groups",
                fix=f"use groups from {sheet_path} column {group_column!r}: "
                + ", ".join(map(str, counts.index)),
            )
    small = counts[counts < 2]
    if len(small):
        raise InputError(
            sheet_path,
            "group(s) with fewer than 2 samples: "
            + ", ".join(f"{g} ({n})" for g, n in small.items()),
            where=f"column {group_column!r}",
            expected="at least 2 samples per group, so that a variance can be estimated",
            fix="merge or remove those groups (or check the group spelling)",
        )


def join_sample_sheet(
    study: pd.DataFrame,
    sheet: pd.DataFrame,
    *,
    sheet_path,
    id_column: str,
    allow_unmatched: bool,
    notes: list[str],
) -> pd.DataFrame:
    data_ids = pd.Index(study["sample_id"].unique())
    in_data_only = data_ids.difference(sheet.index)
    in_sheet_only = sheet.index.difference(data_ids)
    if len(in_data_only) and not allow_unmatched:
        raise InputError(
            sheet_path,
            f"{len(in_data_only)} sample(s) in the NPX data are not in the sample sheet: "
            f"{rows_preview(sorted(in_data_only))}",
            where=f"column {id_column!r}",
            expected="every study sample of the NPX files listed in the sheet",
            fix="add them to the sheet, mark them as controls with "
            "'samples: control_sample_pattern', or set 'samples: allow_unmatched: true' to "
            "drop them",
        )
    if len(in_sheet_only) and not allow_unmatched:
        raise InputError(
            sheet_path,
            f"{len(in_sheet_only)} sample(s) in the sheet have no NPX data: "
            f"{rows_preview(sorted(in_sheet_only))}",
            where=f"column {id_column!r}",
            expected="every sample of the sheet present in the NPX files (IDs compared after "
            "removing surrounding spaces)",
            fix="check the ID spelling, add the missing NPX file, or set "
            "'samples: allow_unmatched: true' to drop them",
        )
    if len(in_data_only):
        notes.append(f"dropped {len(in_data_only)} data sample(s) missing from the sheet")
    if len(in_sheet_only):
        notes.append(f"dropped {len(in_sheet_only)} sheet sample(s) without NPX data")
    keep = data_ids.intersection(sheet.index)
    return study.loc[study["sample_id"].isin(keep)]


def build_sample_table(
    study: pd.DataFrame,
    sheet: pd.DataFrame,
    *,
    id_column: str,
    group_column: str,
    covariates: list[str],
    plate_column: str | None,
) -> pd.DataFrame:
    per_sample = study.groupby("sample_id", sort=True).agg(
        plate_data=("plate", lambda s: ";".join(sorted(s.dropna().unique()))),
        n_assays=("assay_id", "nunique"),
        qc_warning_any=("qc_warning", "any"),
    )
    table = pd.DataFrame(index=per_sample.index)
    table["sample_id"] = per_sample.index
    table["group"] = sheet.loc[per_sample.index, group_column].to_numpy()
    for covariate in covariates:
        table[covariate] = sheet.loc[per_sample.index, covariate].to_numpy()
    if plate_column:
        table["plate"] = sheet.loc[per_sample.index, plate_column].astype("string").to_numpy()
    else:
        table["plate"] = per_sample["plate_data"].astype("string").replace("", pd.NA)
    table["n_assays"] = per_sample["n_assays"]
    table["qc_warning_any"] = per_sample["qc_warning_any"]
    return table.reset_index(drop=True)


def ingest(
    npx_paths: list[str | Path],
    sample_sheet: str | Path,
    symbol_table: pd.Series,
    *,
    fmt: str = "auto",
    id_column: str = "sample_id",
    group_column: str = "group",
    control_group: str,
    groups: list[str] | None = None,
    covariates: list[str] = (),
    plate_column: str | None = None,
    sheet_name: str | None = None,
    control_sample_pattern: str | None = DEFAULT_CONTROL_PATTERN,
    allow_unmatched: bool = False,
) -> IngestResult:
    """Read, harmonise and check the inputs. Raises InputError on anything a user must fix."""
    notes: list[str] = []
    sheet = read_sample_sheet(
        sample_sheet,
        id_column=id_column,
        group_column=group_column,
        covariates=list(covariates),
        plate_column=plate_column,
        sheet=sheet_name,
    )
    raw = read_npx_files(list(npx_paths), fmt=fmt)
    # one panel code whatever the layout wrote ('Olink Target 96 Inflammation', 'INF', 'In')
    raw["panel"] = raw["panel"].map(panel_code, na_action="ignore").astype("string")
    raw["assay_id"] = assign_assay_ids(raw)
    study, controls = split_controls(
        raw, control_sample_pattern, sheet_ids=sheet.index, sheet_path=sample_sheet
    )
    if controls.shape[0]:
        notes.append(f"set aside {controls.shape[0]} control sample(s)")
    check_duplicates(study)
    study = join_sample_sheet(
        study,
        sheet,
        sheet_path=sample_sheet,
        id_column=id_column,
        allow_unmatched=allow_unmatched,
        notes=notes,
    )
    if groups:
        outside = ~sheet.loc[study["sample_id"].unique(), group_column].isin(groups)
        if outside.any():
            notes.append(
                f"left out {int(outside.sum())} sample(s) in groups not listed in 'samples: groups'"
            )
            keep = outside.index[~outside.to_numpy()]
            study = study.loc[study["sample_id"].isin(keep)]
    study = study.copy()
    study["uniprot"] = study["uniprot"].map(uniprot_key, na_action="ignore").astype("string")
    study["gene_symbol"] = map_gene_symbols(study["uniprot"], symbol_table)
    study["qc_warning"] = flag_text(study["qc_warning"], true_words=("WARN", "WARNING", "FAIL"))
    study["assay_warning"] = flag_text(study["assay_warning"], true_words=("WARN", "WARNING"))
    below = study["npx"] < study["lod"]
    study["below_lod"] = below.astype("boolean").mask(study["lod"].isna() | study["npx"].isna())
    samples = build_sample_table(
        study,
        sheet,
        id_column=id_column,
        group_column=group_column,
        covariates=list(covariates),
        plate_column=plate_column,
    )
    if plate_column:
        study["plate"] = study["sample_id"].map(samples.set_index("sample_id")["plate"])
    check_groups(
        samples,
        group_column="group",
        control_group=control_group,
        sheet_path=sample_sheet,
        groups=groups,
    )
    check_covariates(samples, list(covariates), sheet=sheet, sheet_path=sample_sheet)
    check_all_missing(study)
    assays = study.drop_duplicates("assay_id")
    unmapped = assays.loc[
        assays["gene_symbol"].isna(), ["assay_id", "uniprot", "assay", "panel"]
    ].sort_values("assay_id")
    long = study.loc[:, list(LONG_COLUMNS)].sort_values(["assay_id", "sample_id"])
    return IngestResult(
        long=long.reset_index(drop=True),
        samples=samples,
        controls=controls,
        unmapped_assays=unmapped.reset_index(drop=True),
        notes=notes,
    )


def check_covariates(samples: pd.DataFrame, covariates: list[str], *, sheet, sheet_path) -> None:
    """Every analysed sample needs every covariate: the model cannot use it otherwise."""
    for covariate in covariates:
        blank = samples[covariate].isna() | (samples[covariate].astype("string").str.strip() == "")
        if blank.any():
            ids = samples.loc[blank, "sample_id"].tolist()
            rows = [int(sheet.index.get_loc(i)) + 2 for i in ids]
            raise InputError(
                sheet_path,
                f"covariate {covariate!r} is missing for {len(ids)} sample(s): {rows_preview(ids)}",
                where=f"column {covariate!r}, row(s) {rows_preview(rows)}",
                expected="a value for every analysed sample",
                fix="fill in the values, remove those samples from the sheet, or drop the "
                "covariate from 'samples: covariates'",
            )


def check_all_missing(study: pd.DataFrame) -> None:
    if study["npx"].isna().all():
        raise InputError(
            ", ".join(sorted(study["source_file"].astype(str).unique())),
            "every NPX value is missing",
            expected="numeric NPX values",
            fix="check that the right column/sheet was exported",
        )


def resolve_control_pattern(value: str | None) -> str | None:
    """Config value -> regex: 'olink' is the built-in list of Olink control names."""
    if value == "olink":
        return DEFAULT_CONTROL_PATTERN
    return value or None
