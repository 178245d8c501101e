"""Write the bad-input corpus: one folder per malformed input, plus manifest.tsv.

    python tests/bad_inputs/make_corpus.py          # rewrites tests/bad_inputs/corpus/
    python tests/bad_inputs/make_corpus.py OUT_DIR

Each case starts from the same small, valid study (8 samples, HC and AD; the fixtures of
tests/io/make_fixtures.py) and breaks one thing. ``corpus/<case>/config.yaml`` is a
complete pipeline config (paths relative to the case folder, as a user writes them), so
any case can also be run with ``snakemake --directory corpus/<case> --configfile
corpus/<case>/config.yaml``. ``manifest.tsv`` lists, per case: how it is run (``entry``:
``ingest`` = the ingest rule's Python function, ``config`` = the config check every run
starts with, ``shared`` = a real file from ../shared, skipped when absent), its files,
what is wrong, and the fragments the one-line error must contain (``where``: the place;
``message``: the problem).

Output is byte-stable (workbooks get fixed timestamps), so re-running the script on an
unchanged corpus changes nothing.
"""

from __future__ import annotations

import gzip
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))  # the repository root, when run as a script

from tests.io import make_fixtures as fx  # noqa: E402

DEFAULT_OUT = HERE / "corpus"
MANIFEST_COLUMNS = ["case", "entry", "files", "problem", "where", "message"]
NIJMEGEN = "../../../../../shared/data/postcovid_olink_exports/nijmegen_cohort2_per_plate.xlsx"


@dataclass
class Case:
    name: str
    entry: str  # ingest | config | shared
    problem: str
    where: str  # fragment of the error's place
    message: str  # fragment of the error's problem
    build: Callable[[Path], dict]  # writes the files, returns config changes


# --------------------------------------------------------------------------- base study


def sheet() -> pd.DataFrame:
    return pd.DataFrame(fx.SAMPLES, columns=["sample_id", "group", "age", "sex"])


def inf_long() -> pd.DataFrame:
    return fx.long_target96("INF", sample_type=True)


def cvd_long() -> pd.DataFrame:
    return fx.long_target96("CVD II", sample_type=False)


def write_csv(path: Path, frame: pd.DataFrame, sep: str = ";") -> None:
    fx.write_text(path, frame, sep)


def base(d: Path, npx: list[str] | None = None, **changes) -> dict:
    """Write the valid sample sheet and return a config over the given NPX files."""
    if not (d / "samples.tsv").exists():
        write_csv(d / "samples.tsv", sheet(), "\t")
    config = {
        "inputs": {"npx": npx or ["npx_INF.csv"], "sample_sheet": "samples.tsv"},
        "samples": {"control_group": "HC", "covariates": ["age", "sex"]},
    }
    for section, values in changes.items():
        config.setdefault(section, {}).update(values)
    return config


def with_inf(d: Path, frame: pd.DataFrame | None = None, **changes) -> dict:
    write_csv(d / "npx_INF.csv", inf_long() if frame is None else frame)
    return base(d, **changes)


def inf_text() -> str:
    return inf_long().to_csv(sep=";", index=False, lineterminator="\n", float_format="%.5f")


def xlsx_rows(samples=None) -> list[list]:
    samples = samples or ["S01 ", *fx.SAMPLE_IDS[1:], "IPC 1"]
    return fx.npx_manager_rows(
        "INF", samples, layout="2.2", panel_text="Olink Target 96 Inflammation(v.3022)"
    )


def with_xlsx(d: Path, sheets: dict[str, list[list]]) -> dict:
    fx.stable_xlsx(fx.workbook(sheets), d / "npx_INF.xlsx")
    return base(d, ["npx_INF.xlsx"])


def row_of(rows: list[list], label) -> int:
    return next(i for i, r in enumerate(rows) if r and r[0] == label)


def wide(d: Path, name: str = "matrix.csv", frame: pd.DataFrame | None = None, **changes):
    matrix = fx.wide_matrix("INF", lambda a: a[1]).reset_index() if frame is None else frame
    write_csv(d / name, matrix, ",")
    return base(d, [name], **changes)


# ------------------------------------------------------------------------------ cases


def _truncated(d):
    text = inf_text()
    (d / "npx_INF.csv").write_text(text[: len(text) * 2 // 3 - 7])
    return base(d)


def _mixed_delimiters(d):
    lines = inf_text().splitlines()
    lines[20:] = [line.replace(";", ",") for line in lines[20:]]
    (d / "npx_INF.csv").write_text("\n".join(lines) + "\n")
    return base(d)


def _pipe(d):
    write_csv(d / "npx_INF.csv", inf_long(), "|")
    return base(d)


def _extra_field(d):
    lines = cvd_long().to_csv(index=False, lineterminator="\n").splitlines()
    lines[5] = lines[5].replace('"Angiopoietin-1, ANGPT1"', "Angiopoietin-1, ANGPT1")
    (d / "npx_CVD.csv").write_text("\n".join(lines) + "\n")
    return base(d, ["npx_CVD.csv"])


def _decimal_comma(d):
    frame = inf_long()
    frame["NPX"] = frame["NPX"].map(lambda v: f"{v:.3f}".replace(".", ","))
    return with_inf(d, frame)


def _non_numeric(d):
    frame = inf_long().astype({"NPX": object})
    frame.loc[9, "NPX"] = "n.d."
    return with_inf(d, frame)


def _infinite(d):
    frame = inf_long().astype({"NPX": object})
    frame.loc[13, "NPX"] = "Inf"
    return with_inf(d, frame)


def _not_utf8(d):
    text = inf_text().replace("Intensity", "Intensité", 3)
    (d / "npx_INF.csv").write_bytes(text.encode("latin-1"))
    return base(d)


def _gzip(d):
    (d / "npx_INF.csv").write_bytes(gzip.compress(inf_text().encode(), mtime=0))
    return base(d)


def _empty(d):
    (d / "npx_INF.csv").write_bytes(b"")
    return base(d)


def _header_only(d):
    return with_inf(d, inf_long().iloc[:0])


def _missing_npx(d):
    return with_inf(d, inf_long().rename(columns={"NPX": "NPX_value"}))


def _duplicated_assay_rows(d):
    frame = inf_long()
    return with_inf(d, pd.concat([frame, frame.iloc[4:8]], ignore_index=True))


def _duplicated_npx_column(d):
    frame = inf_long()
    frame.insert(5, "NPX ", frame["NPX"] + 1)
    return with_inf(d, frame)


def _blank_sample_id(d):
    frame = inf_long()
    frame.loc[17, "SampleID"] = ""
    return with_inf(d, frame)


def _unit_column(d):
    frame = inf_long()
    frame["Unit"] = ["pg/mL" if a == "IL6" else "NPX" for a in frame["Assay"]]
    return with_inf(d, frame)


def _quantified(d):
    frame = inf_long().rename(columns={"NPX": "Quantified_value"})
    frame["Unit"] = "pg/mL"
    return with_inf(d, frame)


def _linear_panel(d):
    write_csv(d / "npx_INF.csv", inf_long())
    cvd = cvd_long()
    cvd["NPX"] = (2 ** cvd["NPX"] * 10).round(3)
    write_csv(d / "npx_CVD.csv", cvd, ",")
    return base(d, ["npx_INF.csv", "npx_CVD.csv"])


def _mixed_scale_matrices(d):
    log = fx.wide_matrix("INF", lambda a: a[1]).reset_index()
    linear = fx.wide_matrix("CAM", lambda a: a[1])
    linear = (2**linear * 50).round(2).reset_index()
    write_csv(d / "log2.csv", log, ",")
    write_csv(d / "pg_per_ml.csv", linear, ",")
    return base(d, ["log2.csv", "pg_per_ml.csv"])


def _panel_no_overlap(d):
    write_csv(d / "npx_INF.csv", inf_long())
    cvd = cvd_long()
    cvd["SampleID"] = cvd["SampleID"].str.replace(r"^S(\d+)$", r"S-\1", regex=True)
    write_csv(d / "npx_CVD.csv", cvd, ",")
    return base(d, ["npx_INF.csv", "npx_CVD.csv"], samples={"allow_unmatched": True})


def _panels_disjoint(d):
    inf, cvd = inf_long(), cvd_long()
    write_csv(d / "npx_INF.csv", inf[~inf["SampleID"].isin(fx.SAMPLE_IDS[4:])])
    write_csv(d / "npx_CVD.csv", cvd[~cvd["SampleID"].isin(fx.SAMPLE_IDS[:4])], ",")
    return base(d, ["npx_INF.csv", "npx_CVD.csv"])


def _all_na_protein(d):
    frame = inf_long().astype({"NPX": object})
    frame.loc[frame["Assay"] == "IL6", "NPX"] = "NA"
    return with_inf(d, frame)


def _misspelt_group(d):
    s = sheet()
    s.loc[[0, 2], "group"] = "hc"
    write_csv(d / "samples.tsv", s, "\t")
    return with_inf(d)


def _misspelt_group_single(d):
    s = sheet()
    s.loc[4, "group"] = "ADD"
    write_csv(d / "samples.tsv", s, "\t")
    return with_inf(d)


def _group_config_spelling(d):
    return with_inf(d, samples={"control_group": "hc"})


def _sheet_not_utf8(d):
    s = sheet()
    s.loc[4, "sex"] = "féminin"
    (d / "samples.tsv").write_bytes(s.to_csv(sep="\t", index=False).encode("latin-1"))
    return with_inf(d)


def _sheet_commas(d):
    (d / "samples.tsv").write_text(sheet().to_csv(index=False, lineterminator="\n"))
    return with_inf(d)


def _sheet_duplicate_ids(d):
    s = sheet()
    s.loc[5, "sample_id"] = "S03"
    write_csv(d / "samples.tsv", s, "\t")
    return with_inf(d)


def _sheet_renamed_group(d):
    write_csv(d / "samples.tsv", sheet().rename(columns={"group": "Group"}), "\t")
    return with_inf(d)


def _sheet_missing_covariate(d):
    s = sheet().astype({"age": object})
    s.loc[2, "age"] = ""
    write_csv(d / "samples.tsv", s, "\t")
    return with_inf(d)


def _sample_not_in_sheet(d):
    write_csv(d / "samples.tsv", sheet().iloc[:7], "\t")
    return with_inf(d)


def _sheet_header_only(d):
    write_csv(d / "samples.tsv", sheet().iloc[:0], "\t")
    return with_inf(d)


def _plate_blank(d):
    s = sheet()
    s["plate"] = [fx.PLATE_OF[i] for i in s["sample_id"]]
    s.loc[5, "plate"] = ""
    write_csv(d / "samples.tsv", s, "\t")
    return with_inf(d, samples={"plate_column": "plate"})


def _xlsx_shifted_rows(d):
    rows = xlsx_rows()
    at = row_of(rows, "Uniprot ID")
    rows.insert(at, [])
    return with_xlsx(d, {"INF": rows})


def _xlsx_shifted_right(d):
    return with_xlsx(d, {"INF": [[None, None, *r] for r in xlsx_rows()]})


def _xlsx_corrupt_summary(d):
    rows = xlsx_rows()
    rows[1] = ["NPX data", "OD3:BC3link INFLAMMATION(v.3021)"]
    return with_xlsx(d, {"INF plate 2": rows})


def _xlsx_truncated(d):
    config = with_xlsx(d, {"INF": xlsx_rows()})
    path = d / "npx_INF.xlsx"
    path.write_bytes(path.read_bytes()[:1500])
    return config


def _xlsx_legacy(d):
    (d / "npx_INF.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    return base(d, ["npx_INF.xls"])


def _xlsx_duplicate_sample(d):
    return with_xlsx(d, {"INF": xlsx_rows(["S01", *fx.SAMPLE_IDS[1:], "S04"])})


def _xlsx_non_numeric(d):
    rows = xlsx_rows()
    rows[row_of(rows, "S05")][3] = "< LOD"
    return with_xlsx(d, {"INF": rows})


def _nijmegen(d):
    return base(d, [NIJMEGEN])


def _wide_duplicate_column(d):
    matrix = fx.wide_matrix("INF", lambda a: a[1]).reset_index()
    text = matrix.to_csv(index=False, lineterminator="\n", float_format="%.5f")
    text = text.replace("P35225", "P05231", 1)
    (d / "matrix.csv").write_text(text)
    return base(d, ["matrix.csv"])


def _wide_transposed(d):
    matrix = fx.wide_matrix("INF", lambda a: a[1]).T
    matrix.index.name = "protein"
    return wide(d, frame=matrix.reset_index(), inputs={"format": "wide"})


def _unknown_layout(d):
    matrix = fx.wide_matrix("INF", lambda a: a[1]).reset_index()
    matrix.insert(1, "Group", [g for _, g, _, _ in fx.SAMPLES])
    return wide(d, frame=matrix)


def _wide_covariate(d):
    matrix = fx.wide_matrix("INF", lambda a: a[1]).reset_index()
    matrix["BMI"] = [22.5 + i for i in range(len(matrix))]
    return wide(d, frame=matrix)


def _wide_annotation_gap(d):
    config = wide(d, inputs={"protein_annotation": "proteins.tsv"})
    annotation = pd.DataFrame({"column": ["P10145", "P05231", "P35225"], "panel": "INF"})
    write_csv(d / "proteins.tsv", annotation, "\t")
    return config


def _wide_annotation_bad_uniprot(d):
    matrix = fx.wide_matrix("INF", lambda a: f"ab_{a[2]}").reset_index()
    config = wide(d, frame=matrix, inputs={"protein_annotation": "proteins.tsv"})
    annotation = pd.DataFrame(
        {"column": [f"ab_{a[2]}" for a in fx.PANELS["INF"]],
         "uniprot": ["P10145", "IL-6", "P35225", "P09341"]}
    )  # fmt: skip
    write_csv(d / "proteins.tsv", annotation, "\t")
    return config


def _config_control_not_in_groups(d):
    return with_inf(d, samples={"groups": ["AD", "PSO"]})


def _config_group_is_covariate(d):
    return with_inf(d, samples={"covariates": ["age", "group"]})


def _config_unknown_format(d):
    return with_inf(d, inputs={"format": "olink_wide"})


def _config_typo(d):
    return with_inf(d, samples={"alow_unmatched": True})


def _config_format_mismatch(d):
    return with_inf(d, inputs={"format": "npx_manager_xlsx"})


def _config_bad_regex(d):
    return with_inf(d, samples={"control_sample_pattern": "(IPC|Neg ctrl"})


def _config_id_is_group(d):
    return with_inf(d, samples={"id_column": "group"})


def _config_annotation_without_matrix(d):
    config = with_inf(d, inputs={"protein_annotation": "proteins.tsv"})
    write_csv(d / "proteins.tsv", pd.DataFrame({"column": ["IL8"], "panel": ["INF"]}), "\t")
    return config


def _bridge_no_shared_samples(d):
    second = inf_long()
    second["SampleID"] = "R2_" + second["SampleID"].astype(str)
    write_csv(d / "run2_INF.csv", second)
    return with_inf(d, bridge={"npx": ["run2_INF.csv"]})


def _bridge_listed_sample_absent(d):
    second = inf_long()
    second = second.loc[second["SampleID"].isin(["S01", "S02", "S03", "IPC_1"])]
    write_csv(d / "run2_INF.csv", second)
    return with_inf(d, bridge={"npx": ["run2_INF.csv"], "samples": ["S01", "S02", "S03", "S04"]})


CASES = [
    Case("truncated_csv", "ingest", "long CSV cut off in the middle of a row",
         "line 28", "the last line (line 28) has 9 fields", _truncated),
    Case("mixed_delimiters", "ingest", "rows pasted with ',' below a ';' header",
         "line 21", "is ','-separated but the header is ';'-separated", _mixed_delimiters),
    Case("pipe_delimited", "ingest", "'|' as delimiter",
         "line 1", "no ';', ',' or tab delimiter", _pipe),
    Case("unquoted_comma", "ingest", "an assay name with a comma, unquoted, in a ',' file",
         "line 6", "line 6 has 15 fields but the header has 14", _extra_field),
    Case("decimal_comma", "ingest", "NPX written with a decimal comma",
         "row(s) 2, 3, 4", "decimal comma", _decimal_comma),
    Case("non_numeric_npx", "ingest", "'n.d.' in the NPX column",
         "row(s) 11", "non-numeric value(s) such as 'n.d.'", _non_numeric),
    Case("infinite_npx", "ingest", "'Inf' in the NPX column (pandas reads it as a number)",
         "row(s) 15", "infinite value(s) such as 'Inf'", _infinite),
    Case("non_utf8_csv", "ingest", "Latin-1 text in a long CSV",
         "line 2, character", "not UTF-8", _not_utf8),
    Case("gzip_named_csv", "ingest", "a gzip-compressed export named .csv",
         "file start", "gzip-compressed", _gzip),
    Case("empty_file", "ingest", "a zero-byte NPX file", "line 1", "the file is empty", _empty),
    Case("header_only", "ingest", "a long CSV with a header and no rows",
         "line 2", "header but no rows", _header_only),
    Case("missing_npx_column", "ingest", "the NPX column renamed",
         "header", "required column 'NPX' is missing (found 'NPX_value'", _missing_npx),
    Case("duplicated_assay_rows", "ingest", "four sample x assay rows exported twice",
         "sample S02, assay OID00471", "measure the same sample on the same assay more than once",
         _duplicated_assay_rows),
    Case("duplicated_npx_column", "ingest", "two columns both called NPX",
         "header", "column 'NPX' appears 2 times", _duplicated_npx_column),
    Case("blank_sample_id", "ingest", "a row without sample ID",
         "column 'SampleID', row(s) 19", "have no sample ID", _blank_sample_id),
    Case("mixed_units_column", "ingest", "Unit column with NPX and pg/mL rows",
         "column 'Unit'", "units other than NPX", _unit_column),
    Case("quantified_export", "ingest", "an absolute-quantification export (no NPX)",
         "header", "absolute quantification export", _quantified),
    Case("mixed_units_files", "ingest", "one panel file on a linear scale (2^NPX)",
         "panel 'CVD II'", "impossible for NPX", _linear_panel),
    Case("mixed_scale_matrices", "ingest", "two wide matrices, one log2, one in pg/mL",
         "pg_per_ml.csv", "mixed units: the values of pg_per_ml.csv have median 2201",
         _mixed_scale_matrices),
    Case("panel_no_overlap", "ingest",
         "a panel file whose IDs are written 'S-01' (with allow_unmatched: it would vanish)",
         "sample ID column", "shares no sample ID with the sample sheet", _panel_no_overlap),
    Case("panels_disjoint", "ingest", "two panels measured on different samples",
         "panel 'INF'", "have no sample in common", _panels_disjoint),
    Case("all_na_protein", "ingest", "every IL6 value missing",
         "assay IL6 (OID00482)", "have no value in any study sample", _all_na_protein),
    Case("misspelt_group", "ingest", "'hc' for two HC samples in the sheet",
         "column 'group', row(s) 2, 4", "differs from group 'HC' only in case", _misspelt_group),
    Case("misspelt_group_single", "ingest", "'ADD' for one AD sample",
         "column 'group', row(s) 6", "ADD (1); did you mean 'AD'?", _misspelt_group_single),
    Case("control_group_spelling", "ingest", "config says 'hc', the sheet 'HC'",
         "column 'group', row(s) 2, 3, 4", "the sheet writes group 'HC' where the config "
         "says 'hc'", _group_config_spelling),
    Case("sheet_not_utf8", "ingest", "Latin-1 sample sheet",
         "line 6, character", "not UTF-8", _sheet_not_utf8),
    Case("sheet_commas_in_tsv", "ingest", "a comma-separated sample sheet named .tsv",
         "line 1", "comma-separated, but a .tsv file is read as tab-separated", _sheet_commas),
    Case("sheet_duplicate_ids", "ingest", "S03 twice in the sheet",
         "column 'sample_id', rows 4, 7", "duplicate sample ID(s) S03", _sheet_duplicate_ids),
    Case("sheet_renamed_group_column", "ingest", "'group' renamed 'Group' in the sheet",
         "header", "did you mean 'Group'?", _sheet_renamed_group),
    Case("sheet_missing_covariate", "ingest", "an empty age cell",
         "column 'age', row(s) 4", "'age' is missing for 1 sample(s): S03",
         _sheet_missing_covariate),
    Case("sample_not_in_sheet", "ingest", "S08 measured but not in the sheet",
         "column 'sample_id'", "not in the sample sheet: S08", _sample_not_in_sheet),
    Case("sheet_header_only", "ingest", "a sample sheet without rows",
         "row 2", "header but no rows", _sheet_header_only),
    Case("plate_column_blank", "ingest", "plate_column set, one plate cell empty",
         "column 'plate', row(s) 7", "have no plate", _plate_blank),
    Case("xlsx_shifted_header_rows", "ingest", "NPX Manager: a row inserted between 'Assay' "
         "and 'Uniprot ID'", "row 10, column A", "header rows misaligned", _xlsx_shifted_rows),
    Case("xlsx_block_shifted_right", "ingest", "NPX Manager: two columns inserted before the "
         "block", "row 9, column C", "the NPX block is shifted", _xlsx_shifted_right),
    Case("xlsx_corrupted_summary_cell", "ingest", "NPX Manager: a range reference typed into "
         "B2 (as in the real Nijmegen workbook)", "sheet 'INF plate 2', row 2, column B",
         "never writes there", _xlsx_corrupt_summary),
    Case("xlsx_truncated", "ingest", "NPX Manager workbook cut off",
         "npx_INF.xlsx", "truncated or corrupt", _xlsx_truncated),
    Case("xlsx_legacy_xls", "ingest", "a binary .xls workbook",
         "npx_INF.xls", "old binary Excel", _xlsx_legacy),
    Case("xlsx_duplicate_sample", "ingest", "S04 twice on one plate",
         "rows 16, 21, column A", "'S04' occurs 2 times in panel 'INF'", _xlsx_duplicate_sample),
    Case("xlsx_non_numeric_cell", "ingest", "'< LOD' typed into an NPX cell",
         "row 17, column D", "non-numeric NPX values such as '< LOD'", _xlsx_non_numeric),
    Case("nijmegen_corrupted_header", "shared", "the real Nijmegen workbook (its 'INF plate 2' "
         "sheet has 'OD3:BC3link INFLAMMATION(v.3021)' in B2)",
         "sheet 'INF plate 2', row 2, column B", "'OD3:BC3link INFLAMMATION(v.3021)' in cell B2",
         _nijmegen),
    Case("wide_duplicate_column", "ingest", "a matrix with the column P05231 twice",
         "header, field 3, field 4", "column 'P05231' appears 2 times", _wide_duplicate_column),
    Case("wide_transposed", "ingest", "a proteins x samples matrix",
         "column 'protein'", "looks transposed", _wide_transposed),
    Case("unknown_layout", "ingest", "a matrix with a text column: neither long nor wide",
         "header: 'SampleID', 'Group'", "cannot tell the layout", _unknown_layout),
    Case("wide_covariate_column", "ingest", "a BMI column in the protein matrix",
         "header, column 'BMI'", "holds sample information", _wide_covariate),
    Case("wide_annotation_gap", "ingest", "the protein annotation lacks one matrix column",
         "header", "1 matrix column(s) are not in the protein annotation: P09341",
         _wide_annotation_gap),
    Case("wide_annotation_bad_uniprot", "ingest", "'IL-6' in the annotation's uniprot column",
         "column 'uniprot', row(s) 3", "not UniProt accessions, such as 'IL-6'",
         _wide_annotation_bad_uniprot),
    Case("config_control_not_in_groups", "config", "control group missing from 'groups'",
         "samples", "control group 'HC' is not in 'groups'", _config_control_not_in_groups),
    Case("config_group_is_covariate", "config", "the group column listed as a covariate",
         "samples: covariates", "also listed as a covariate", _config_group_is_covariate),
    Case("config_unknown_format", "config", "'inputs: format: olink_wide'",
         "inputs: format", "value 'olink_wide' is not allowed", _config_unknown_format),
    Case("config_typo", "config", "'alow_unmatched' for 'allow_unmatched'",
         "samples", "did you mean 'allow_unmatched'?", _config_typo),
    Case("config_format_mismatch", "ingest", "format npx_manager_xlsx for a CSV file",
         "config inputs: format", "'inputs: format' is 'npx_manager_xlsx' but this is a text "
         "file", _config_format_mismatch),
    Case("config_bad_regex", "ingest", "an unbalanced bracket in control_sample_pattern",
         "samples: control_sample_pattern", "not a valid regular expression", _config_bad_regex),
    Case("config_id_is_group", "ingest", "id_column and group_column name the same column",
         "samples: id_column / group_column", "are both 'group'", _config_id_is_group),
    Case("config_annotation_without_matrix", "ingest",
         "a protein annotation given for Olink long files", "inputs: protein_annotation",
         "none of the NPX files is a wide matrix", _config_annotation_without_matrix),
    Case("bridge_no_shared_samples", "ingest", "a second run to bridge shares no sample ID",
         "sample IDs of both runs", "run 1 and run 2: no sample ID is in both runs",
         _bridge_no_shared_samples),
    Case("bridge_listed_sample_absent", "ingest",
         "a listed bridge sample is not in the second run", "bridge: samples",
         "1 listed bridge sample(s) are not in this run: S04", _bridge_listed_sample_absent),
]  # fmt: skip


def files_of(case_dir: Path, config: dict) -> list[str]:
    names = sorted(p.name for p in case_dir.iterdir() if p.name != "config.yaml")
    shared = [p for p in config["inputs"]["npx"] if p.startswith("../")]
    return names + [Path(p).name + " (../shared)" for p in shared]


def write_corpus(out: Path = DEFAULT_OUT) -> pd.DataFrame:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    rows = []
    for case in CASES:
        case_dir = out / case.name
        case_dir.mkdir()
        config = case.build(case_dir)
        text = yaml.safe_dump(config, sort_keys=True, default_flow_style=False)
        (case_dir / "config.yaml").write_text(f"# {case.problem}\n{text}")
        rows.append(
            [case.name, case.entry, ", ".join(files_of(case_dir, config)), case.problem,
             case.where, case.message]
        )  # fmt: skip
    manifest = pd.DataFrame(rows, columns=MANIFEST_COLUMNS)
    manifest.to_csv(out.parent / "manifest.tsv", sep="\t", index=False, lineterminator="\n")
    return manifest


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT
    print(f"{len(write_corpus(target))} cases written to {target}")
