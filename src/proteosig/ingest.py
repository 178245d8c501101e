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
from proteosig.io.wide import read_protein_annotation

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


#: An Olink panel whose median NPX is above this is not on the NPX (log2) scale.
MAX_NPX_MEDIAN = 30.0
#: Blocks (file x panel) with medians below LOG_SCALE_MAX and above LINEAR_SCALE_MIN
#: cannot both be on one scale: the inputs mix log2 and linear units.
LOG_SCALE_MAX, LINEAR_SCALE_MIN = 25.0, 100.0


def read_npx_files(
    paths: list[str | Path],
    *,
    fmt: str = "auto",
    annotation: pd.DataFrame | None = None,
    notes: list[str] | None = None,
) -> pd.DataFrame:
    """Read and stack every NPX file; the result's ``attrs['formats']`` maps file -> layout."""
    frames = [read_npx_file(p, fmt=fmt, annotation=annotation) for p in paths]
    formats = {str(p): f.attrs.get("format", fmt) for p, f in zip(paths, frames, strict=True)}
    if notes is not None:
        for frame in frames:
            notes.extend(frame.attrs.get("notes", []))
    for frame in frames:
        frame.attrs = {}
    raw = pd.concat(frames, ignore_index=True)
    raw.attrs = {"formats": formats}
    return raw


def assign_assay_ids(raw: pd.DataFrame) -> pd.Series:
    """The reader's own key (wide matrices: the column header); else the OlinkID; else
    panel + UniProt (or assay name), which is unique per panel."""
    uni = raw["uniprot"].map(uniprot_key, na_action="ignore").astype("string")
    fallback = (
        raw["panel"].fillna("NA").str.replace(r"\s+", "_", regex=True)
        + ":"
        + uni.fillna(raw["assay"].fillna("NA"))
    )
    own = raw["assay_id"] if "assay_id" in raw.columns else pd.Series(pd.NA, index=raw.index)
    return own.fillna(raw["olink_id"]).fillna(fallback).astype("string")


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
        regex = compile_control_pattern(pattern)
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
        first = rows.iloc[0]
        raise InputError(
            ", ".join(sorted(raw.loc[dup, "source_file"].astype(str).unique())),
            f"{int(dup.sum())} rows measure the same sample on the same assay more than once, "
            f"e.g. {example}",
            where=f"sample {first['sample_id']}, assay {first['assay_id']}",
            expected="one NPX value per sample and assay",
            fix="remove re-runs or duplicated files from 'inputs: npx', or rename repeated "
            "samples (e.g. add a suffix) and list them in the sample sheet",
        )


def check_groups(
    samples: pd.DataFrame,
    *,
    group_column: str,
    control_group: str,
    sheet_path,
    groups=None,
    sheet: pd.DataFrame | None = None,
    sheet_group_column: str | None = None,
) -> None:
    import difflib

    counts = samples[group_column].value_counts()
    labels = [str(g) for g in counts.index]

    def hint(name: str, among: list[str]) -> str:
        close = difflib.get_close_matches(str(name), among, n=1, cutoff=0.5)
        return f"; did you mean {close[0]!r}?" if close else ""

    if control_group not in counts.index:
        raise InputError(
            "config",
            f"control group {control_group!r} is not a group in the sample sheet "
            f"(groups with data: {', '.join(labels)}){hint(control_group, labels)}",
            where="samples: control_group",
            expected="a group of the sample sheet's column " + repr(group_column),
            fix="set 'samples: control_group' to one of those groups",
        )
    for group in groups or ():
        if group not in counts.index:
            raise InputError(
                "config",
                f"group {group!r} listed in 'samples: groups' has no samples with data"
                + hint(group, labels),
                where="samples: groups",
                expected="groups that have samples with NPX data",
                fix=f"use groups from {sheet_path} column {group_column!r}: " + ", ".join(labels),
            )
    small = counts[counts < 2]
    if len(small):
        others = [g for g in labels if g not in set(map(str, small.index))]
        first = str(small.index[0])
        where = f"column {sheet_group_column or group_column!r}"
        if sheet is not None:
            ids = samples.loc[samples[group_column].isin(small.index), "sample_id"]
            rows = sorted(int(sheet.index.get_loc(i)) + 2 for i in ids)
            where += f", row(s) {rows_preview(rows)}"
        raise InputError(
            sheet_path,
            "group(s) with fewer than 2 samples: "
            + ", ".join(f"{g} ({n})" for g, n in small.items())
            + hint(first, others),
            where=where,
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
    subset: dict | None = None,
    control_sample_pattern: str | None = DEFAULT_CONTROL_PATTERN,
    allow_unmatched: bool = False,
    protein_annotation: str | Path | None = None,
) -> IngestResult:
    """Read, harmonise and check the inputs. Raises InputError on anything a user must fix.

    ``protein_annotation`` (wide matrices only) maps matrix columns to UniProt, gene
    symbol, panel and LOD; see :mod:`proteosig.io.wide`.
    """
    notes: list[str] = []
    if control_sample_pattern:
        compile_control_pattern(control_sample_pattern)
    sheet = read_sample_sheet(
        sample_sheet,
        id_column=id_column,
        group_column=group_column,
        covariates=list(covariates),
        plate_column=plate_column,
        sheet=sheet_name,
        subset=subset,
    )
    if sheet.attrs.get("repeated_rows"):
        notes.append(
            f"the sample sheet repeats {sheet.attrs['repeated_rows']} row(s) verbatim; "
            "each was kept once"
        )
    if subset:
        notes.append(
            f"samples: subset kept sheet rows with {subset}; dropped "
            f"{sheet.attrs['subset_dropped']} other row(s)"
        )
    check_group_spelling(
        sheet,
        group_column=group_column,
        configured=[control_group, *(groups or [])],
        sheet_path=sample_sheet,
    )
    annotation = read_protein_annotation(protein_annotation) if protein_annotation else None
    raw = read_npx_files(list(npx_paths), fmt=fmt, annotation=annotation, notes=notes)
    formats = raw.attrs["formats"]
    if annotation is not None and "wide" not in formats.values():
        raise InputError(
            "config",
            "'inputs: protein_annotation' is set but none of the NPX files is a wide matrix "
            f"(read as: {', '.join(sorted(set(formats.values())))})",
            where="inputs: protein_annotation",
            expected="a protein annotation only together with wide (samples x proteins) files",
            fix="remove 'protein_annotation' (Olink files name their proteins), or set "
            "'inputs: format: wide' if the files are matrices",
        )
    wide_files = [f for f, kind in formats.items() if kind == "wide"]
    if wide_files:
        check_wide_columns(raw, sheet, wide_files)
    # one panel code whatever the layout wrote ('Olink Target 96 Inflammation', 'INF', 'In')
    raw["panel"] = raw["panel"].map(panel_code, na_action="ignore").astype("string")
    raw["assay_id"] = assign_assay_ids(raw)
    study, controls = split_controls(
        raw, control_sample_pattern, sheet_ids=sheet.index, sheet_path=sample_sheet
    )
    if controls.shape[0]:
        notes.append(f"set aside {controls.shape[0]} control sample(s)")
    check_duplicates(study)
    check_file_overlap(raw, study, sheet, sheet_path=sample_sheet, id_column=id_column)
    study = join_sample_sheet(
        study,
        sheet,
        sheet_path=sample_sheet,
        id_column=id_column,
        allow_unmatched=allow_unmatched,
        notes=notes,
    )
    if groups:
        group_of = sheet.loc[study["sample_id"].unique(), group_column]
        outside = ~group_of.isin(groups)
        if outside.any():
            left_out = ", ".join(sorted(group_of[outside].astype(str).unique()))
            notes.append(
                f"left out {int(outside.sum())} sample(s) of group(s) {left_out}, not listed in "
                "'samples: groups'"
            )
            keep = outside.index[~outside.to_numpy()]
            study = study.loc[study["sample_id"].isin(keep)]
    check_panel_overlap(study)
    study = study.copy()
    study["uniprot"] = study["uniprot"].map(uniprot_key, na_action="ignore").astype("string")
    study["uniprot"] = fill_uniprot_from_symbols(study, symbol_table)
    given_symbol = study["gene_symbol"].astype("string")
    study["gene_symbol"] = given_symbol.fillna(map_gene_symbols(study["uniprot"], symbol_table))
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
        sheet=sheet,
        sheet_group_column=group_column,
    )
    check_covariates(samples, list(covariates), sheet=sheet, sheet_path=sample_sheet)
    check_all_missing(study)
    check_scale(study, formats)
    check_empty_assays(study, notes)
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


def compile_control_pattern(pattern: str) -> re.Pattern:
    try:
        return re.compile(pattern)
    except re.error as err:
        raise InputError(
            "config",
            f"'samples: control_sample_pattern' {pattern!r} is not a valid regular expression "
            f"({err})",
            where="samples: control_sample_pattern",
            expected="a Python regular expression, 'olink' (Olink's control names) or null",
            fix="correct the expression (escape literal brackets and dots: '\\(', '\\.')",
        ) from None


def _group_key(label: str) -> str:
    return re.sub(r"[^0-9a-z]", "", str(label).casefold())


def check_group_spelling(
    sheet: pd.DataFrame, *, group_column: str, configured: list[str], sheet_path
) -> None:
    """Group labels that differ only in case, spaces or punctuation are one group misspelt.

    'HC' and 'hc ' in one sheet would otherwise become two groups (or, with
    'samples: groups', the misspelt samples would be left out without a word).
    """
    labels = sheet[group_column].astype(str)
    counts = labels.value_counts()
    by_key: dict[str, list[str]] = {}
    for label in counts.index:
        by_key.setdefault(_group_key(label), []).append(label)
    for variants in by_key.values():
        if len(variants) > 1:
            main = next((v for v in configured if v in variants), None) or max(
                variants, key=lambda v: (counts[v], v)
            )
            odd = next(v for v in variants if v != main)
            rows = [int(sheet.index.get_loc(i)) + 2 for i in labels.index[labels == odd]]
            raise InputError(
                sheet_path,
                f"group {odd!r} ({int(counts[odd])} sample(s)) differs from group {main!r} only "
                "in case, spaces or punctuation: a misspelt group",
                where=f"column {group_column!r}, row(s) {rows_preview(rows)}",
                expected="one spelling per group",
                fix=f"write {main!r} in those rows (or rename the group consistently)",
            )
    present = set(counts.index)
    for wanted in dict.fromkeys(configured):
        if wanted in present:
            continue
        same = [v for v in counts.index if _group_key(v) == _group_key(wanted)]
        if same:
            rows = [int(sheet.index.get_loc(i)) + 2 for i in labels.index[labels == same[0]]]
            raise InputError(
                sheet_path,
                f"the sheet writes group {same[0]!r} where the config says {wanted!r}",
                where=f"column {group_column!r}, row(s) {rows_preview(rows)}",
                expected=f"the group names of 'samples: control_group' / 'groups' ({wanted!r})",
                fix=f"write {wanted!r} in the sheet, or use {same[0]!r} in the config",
            )


def check_wide_columns(raw: pd.DataFrame, sheet: pd.DataFrame, wide_files: list[str]) -> None:
    """A matrix column named like a sample-sheet column is sample information, not a protein."""
    sheet_columns = {str(c).strip().casefold(): str(c) for c in sheet.columns}
    rows = raw.loc[raw["source_file"].isin(wide_files), ["assay_id", "assay", "source_file"]]
    for row in rows.drop_duplicates("assay_id").itertuples(index=False):
        for name in (row.assay_id, row.assay):
            if pd.notna(name) and str(name).strip().casefold() in sheet_columns:
                raise InputError(
                    row.source_file,
                    f"matrix column {name!r} is also a sample-sheet column "
                    f"({sheet_columns[str(name).strip().casefold()]!r}): sample information, "
                    "not a protein",
                    where=f"header, column {name!r}",
                    expected="only protein columns after the sample ID column",
                    fix="delete the column from the matrix (the sample sheet already has it)",
                )


def check_file_overlap(
    raw: pd.DataFrame, study: pd.DataFrame, sheet: pd.DataFrame, *, sheet_path, id_column: str
) -> None:
    """Every NPX file must share samples with the sheet, even with allow_unmatched.

    A panel exported with differently written IDs ('S-01' vs 'S01') would otherwise fail
    with a long list of unmatched samples or, with 'allow_unmatched', vanish silently.
    """
    for source in raw["source_file"].drop_duplicates():
        ids = pd.Index(study.loc[study["source_file"] == source, "sample_id"].dropna().unique())
        if ids.empty:
            raise InputError(
                source,
                "holds no study samples: every sample is a control sample",
                where="sample ID column",
                expected="study samples listed in the sample sheet",
                fix="remove the file from 'inputs: npx', or check 'samples: "
                "control_sample_pattern'",
            )
        if ids.intersection(sheet.index).empty:
            theirs = ", ".join(repr(i) for i in sorted(ids)[:3])
            ours = ", ".join(repr(i) for i in list(sheet.index)[:3])
            raise InputError(
                source,
                f"shares no sample ID with the sample sheet {Path(str(sheet_path)).name} "
                f"(this file: {theirs}, ...; sheet column {id_column!r}: {ours}, ...)",
                where="sample ID column",
                expected="the sample IDs of the sheet (compared after removing surrounding spaces)",
                fix="write the IDs the same way in both (prefixes, dashes, leading zeros), or "
                "remove the file from 'inputs: npx' if it belongs to another study",
            )


def check_panel_overlap(study: pd.DataFrame) -> None:
    """Two panels measured on disjoint samples cannot form one samples x proteins matrix."""
    panels = study["panel"].astype("string").fillna("(no panel)")
    sets = {p: set(study.loc[panels == p, "sample_id"]) for p in sorted(panels.unique())}
    names = list(sets)
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            if sets[first] and sets[second] and not sets[first] & sets[second]:
                files = sorted(
                    {Path(str(f)).name for f in study.loc[panels == second, "source_file"]}
                )
                raise InputError(
                    ", ".join(sorted(study.loc[panels.isin([first, second]), "source_file"]
                                     .astype(str).unique())),
                    f"panels {first!r} ({len(sets[first])} samples) and {second!r} "
                    f"({len(sets[second])} samples, {', '.join(files)}) have no sample in "
                    "common",
                    where=f"panel {second!r}",
                    expected="panels measured on the same samples",
                    fix="check the sample IDs of that panel's file (written differently?) or "
                    "remove the file from 'inputs: npx'",
                )  # fmt: skip


def symbol_to_uniprot(symbols: pd.Series) -> pd.Series:
    """Gene symbol -> UniProt key, for symbols that name exactly one key."""
    table = symbols.dropna().astype(str)
    counts = table.value_counts()
    unique = table[table.map(counts) == 1]
    return pd.Series(unique.index.astype(str), index=unique.to_numpy())


def fill_uniprot_from_symbols(study: pd.DataFrame, symbols: pd.Series) -> pd.Series:
    """UniProt from a gene symbol (given, or the assay name) where none was given."""
    uniprot = study["uniprot"].astype("string")
    if not uniprot.isna().any():
        return uniprot
    reverse = symbol_to_uniprot(symbols)
    candidate = study["gene_symbol"].astype("string").fillna(study["assay"].astype("string"))
    found = candidate.map(reverse).astype("string")
    return uniprot.fillna(found)


def check_scale(study: pd.DataFrame, formats: dict[str, str]) -> None:
    """All values must be on one log scale: NPX is log2, linear values are a unit mix-up."""
    values = study.loc[np.isfinite(study["npx"].to_numpy(dtype="float64", na_value=np.nan))]
    if values.empty:
        return
    blocks = (
        values.assign(panel=values["panel"].astype("string").fillna("(no panel)"))
        .groupby(["source_file", "panel"], sort=True)["npx"]
        .median()
    )

    def block(source, panel) -> str:
        name = Path(str(source)).name
        return name if panel == "(no panel)" else f"panel {panel!r} of {name}"

    for (source, panel), median in blocks.items():
        if formats.get(str(source), "olink_long") != "wide" and median > MAX_NPX_MEDIAN:
            raise InputError(
                source,
                f"the NPX values of panel {panel!r} have median {median:.4g}, impossible for "
                "NPX (a log2 scale, typically 0-15): they look like linear values "
                "(concentrations or 2^NPX)",
                where=f"panel {panel!r}, NPX column",
                expected="NPX values (log2)",
                fix="export NPX, not concentrations; or log2-transform the values and give "
                "them as a wide matrix ('inputs: format: wide')",
            )
    low = blocks[blocks < LOG_SCALE_MAX]
    high = blocks[blocks > LINEAR_SCALE_MIN]
    if len(low) and len(high):
        (src_hi, panel_hi), med_hi = next(iter(high.items()))
        (src_lo, panel_lo), med_lo = next(iter(low.items()))
        raise InputError(
            src_hi,
            f"mixed units: the values of {block(src_hi, panel_hi)} have median {med_hi:.4g}, "
            f"those of {block(src_lo, panel_lo)} median {med_lo:.4g}: one is on a linear "
            "scale, the other on a log scale",
            where=block(src_hi, panel_hi),
            expected="every file on the same log2 (NPX-like) scale",
            fix="log2-transform the linear file (or export NPX) so that all inputs share one scale",
        )


def check_empty_assays(study: pd.DataFrame, notes: list[str]) -> None:
    """An assay with no value in any study sample is an export problem, unless the vendor
    flagged it (then QC drops it and the note says why)."""
    measured = study.groupby("assay_id", sort=True)["npx"].apply(lambda v: v.notna().any())
    empty = measured.index[~measured.to_numpy()]
    if empty.empty:
        return
    rows = study.loc[study["assay_id"].isin(empty)]
    flagged = rows.groupby("assay_id", sort=True)["assay_warning"].all()
    silent = flagged.index[~flagged.to_numpy()]
    if len(flagged) - len(silent):
        notes.append(
            f"{len(flagged) - len(silent)} assay(s) without any NPX value carry a vendor assay "
            "warning; QC drops them"
        )
    if len(silent):
        first = rows.loc[rows["assay_id"].isin(silent)].drop_duplicates("assay_id")
        labels = [
            f"{r.assay} ({r.assay_id})" if r.assay != r.assay_id else str(r.assay)
            for r in first.itertuples(index=False)
        ]
        raise InputError(
            ", ".join(sorted(first["source_file"].astype(str).unique())),
            f"{len(silent)} assay(s) have no value in any study sample: {rows_preview(labels)}",
            where=f"assay {labels[0]}",
            expected="at least one measured value per assay",
            fix="delete those assays (columns of a matrix) or check that the right data were "
            "exported",
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
