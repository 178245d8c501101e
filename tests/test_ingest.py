"""Ingest: merging files, controls, gene symbols, and every sample-sheet check."""

from __future__ import annotations

import pandas as pd
import pytest

from proteosig.errors import InputError
from proteosig.ingest import DEFAULT_CONTROL_PATTERN, LONG_COLUMNS, ingest
from tests.helpers import GISBY, make_long_table


def run(npx, sheet, symbols, **kwargs):
    options = dict(control_group="HC", covariates=["age", "sex"])
    options.update(kwargs)
    return ingest([npx] if not isinstance(npx, list) else npx, sheet, symbols, **options)


def test_tiny_study_harmonised(tiny_study, symbols):
    npx, sheet, long, _ = tiny_study
    result = run(npx, sheet, symbols)
    assert list(result.long.columns) == list(LONG_COLUMNS)
    assert result.samples.shape[0] == 8
    assert set(result.controls["sample_id"]) == {"IPC_1", "Neg_ctrl_1"}
    # below_lod is NPX < LOD, row by row
    merged = result.long.merge(
        long.rename(columns={"SampleID": "sample_id", "OlinkID": "assay_id"}),
        on=["sample_id", "assay_id"],
    )
    assert (merged["below_lod"] == (merged["NPX"] < merged["LOD"])).all()
    symbols_found = dict(zip(result.long["assay_id"], result.long["gene_symbol"], strict=True))
    assert symbols_found["OID00482"] == "IL6" and symbols_found["OID00490"] == "IL13"
    assert result.long["npx"].dtype == "float64"
    assert result.samples.set_index("sample_id").loc["S01", "plate"] == "Plate2"


def test_panels_in_separate_files_are_merged(tmp_path, symbols):
    long, sheet = make_long_table()
    inf = long[long.OlinkID.isin(["OID00471", "OID00482"])]
    cvd = long[~long.OlinkID.isin(["OID00471", "OID00482"])].assign(Panel="Olink Target 96 CVD II")
    inf.to_csv(tmp_path / "inf.csv", sep=";", index=False)
    cvd.to_csv(tmp_path / "cvd.csv", sep=",", index=False)
    sheet.to_csv(tmp_path / "s.tsv", sep="\t", index=False)
    result = run([tmp_path / "inf.csv", tmp_path / "cvd.csv"], tmp_path / "s.tsv", symbols)
    assert result.long["assay_id"].nunique() == 4
    assert result.long["panel"].nunique() == 2
    assert len(result.long) == 8 * 4


def test_same_file_twice_is_a_duplicate_measurement(tiny_study, symbols):
    npx, sheet, _, _ = tiny_study
    with pytest.raises(InputError, match="more than once") as err:
        run([npx, npx], sheet, symbols)
    assert "inputs: npx" in str(err.value)


def test_sample_missing_from_sheet(tiny_study, symbols, tmp_path):
    npx, _, _, sheet = tiny_study
    path = tmp_path / "short.tsv"
    sheet.iloc[1:].to_csv(path, sep="\t", index=False)
    with pytest.raises(InputError, match="not in the sample sheet: S00"):
        run(npx, path, symbols)
    dropped = run(npx, path, symbols, allow_unmatched=True)
    assert "S00" not in set(dropped.samples["sample_id"])
    assert any("missing from the sheet" in n for n in dropped.notes)


def test_sheet_sample_without_data(tiny_study, symbols, tmp_path):
    npx, _, _, sheet = tiny_study
    path = tmp_path / "long.tsv"
    extra = pd.DataFrame([{"sample_id": "S99", "group": "HC", "age": "40", "sex": "F"}])
    pd.concat([sheet, extra]).to_csv(path, sep="\t", index=False)
    with pytest.raises(InputError, match="have no NPX data: S99"):
        run(npx, path, symbols)


def test_duplicate_ids_in_sheet(tiny_study, symbols, tmp_path):
    npx, _, _, sheet = tiny_study
    path = tmp_path / "dup.tsv"
    conflicting = sheet.iloc[[2]].assign(age="99")  # same ID, another age
    pd.concat([sheet, conflicting]).to_csv(path, sep="\t", index=False)
    with pytest.raises(InputError) as err:
        run(npx, path, symbols)
    assert "duplicate sample ID(s) S02" in str(err.value) and "rows 4, 10" in str(err.value)
    # the same row twice says nothing new: kept once, with a note
    pd.concat([sheet, sheet.iloc[[2]]]).to_csv(path, sep="\t", index=False)
    result = run(npx, path, symbols)
    assert any("repeats 1 row(s) verbatim" in note for note in result.notes)


def test_renamed_sheet_column_suggests_the_name(tiny_study, symbols, tmp_path):
    npx, _, _, sheet = tiny_study
    path = tmp_path / "renamed.tsv"
    sheet.rename(columns={"group": "groups"}).to_csv(path, sep="\t", index=False)
    with pytest.raises(InputError, match="did you mean 'groups'"):
        run(npx, path, symbols)


def test_unknown_control_group(tiny_study, symbols):
    npx, sheet, _, _ = tiny_study
    with pytest.raises(InputError, match="control group 'Healthy' is not a group"):
        run(npx, sheet, symbols, control_group="Healthy")


def test_group_with_one_sample(tiny_study, symbols, tmp_path):
    npx, _, _, sheet = tiny_study
    sheet = sheet.copy()
    sheet.loc[0, "group"] = "Rare"
    path = tmp_path / "rare.tsv"
    sheet.to_csv(path, sep="\t", index=False)
    with pytest.raises(InputError, match=r"fewer than 2 samples: Rare \(1\)"):
        run(npx, path, symbols)


def test_misspelled_group_in_sheet_is_reported_as_small_group(tiny_study, symbols, tmp_path):
    npx, _, _, sheet = tiny_study
    sheet = sheet.copy()
    sheet.loc[5, "group"] = "ADD"
    path = tmp_path / "typo.tsv"
    sheet.to_csv(path, sep="\t", index=False)
    with pytest.raises(InputError, match="ADD"):
        run(npx, path, symbols)


def test_control_pattern_catches_named_controls_without_sample_type(tmp_path, symbols):
    long, sheet = make_long_table()
    long = long.drop(columns=["SampleType"])
    long.to_csv(tmp_path / "npx.csv", sep=";", index=False)
    sheet.to_csv(tmp_path / "s.tsv", sep="\t", index=False)
    result = run(tmp_path / "npx.csv", tmp_path / "s.tsv", symbols)
    assert set(result.controls["reason"]) == {"name matches control_sample_pattern"}
    with pytest.raises(InputError, match="IPC_1"):
        run(tmp_path / "npx.csv", tmp_path / "s.tsv", symbols, control_sample_pattern=None)


@pytest.mark.parametrize(
    "name",
    ["IPC_1", "IPC 1", "Neg_ctrl_2", "NegCtrl_2", "Negative Control 1", "Negative Control",
     "CONTROL_SAMPLE_AS 1", "CONTROL-3", "control2-1", "Control_01", "Inter-plate 3",
     "Inter-plate control", "Bridge_04", "plate control 1", "Calibrator"],
)  # fmt: skip
def test_default_control_names(name):
    import re

    assert re.search(DEFAULT_CONTROL_PATTERN, name)


@pytest.mark.parametrize(
    "name", ["S001", "Patient_12", "NEGRI_01", "Negrini_01", "CTRLX", "Controlled_7", "PC - HC12"]
)
def test_study_names_are_not_controls(name):
    import re

    assert not re.search(DEFAULT_CONTROL_PATTERN, name)


def test_sheet_decides_for_control_like_names(tmp_path, symbols):
    """'Control_03' in the sheet is a study sample; not in the sheet, it is set aside."""
    long, sheet = make_long_table()
    long["SampleType"] = pd.NA
    long.loc[long.SampleID == "S03", "SampleID"] = "Control_03"
    sheet.loc[sheet.sample_id == "S03", "sample_id"] = "Control_03"
    long.to_csv(tmp_path / "npx.csv", sep=";", index=False)
    sheet.to_csv(tmp_path / "s.tsv", sep="\t", index=False)
    result = run(tmp_path / "npx.csv", tmp_path / "s.tsv", symbols)
    assert "Control_03" in set(result.samples["sample_id"])
    assert set(result.controls["sample_id"]) == {"IPC_1", "Neg_ctrl_1"}


def test_vendor_control_listed_in_sheet_is_an_error(tiny_study, symbols, tmp_path):
    npx, _, _, sheet = tiny_study
    path = tmp_path / "with_ipc.tsv"
    extra = pd.DataFrame([{"sample_id": "IPC_1", "group": "HC", "age": "40", "sex": "F"}])
    pd.concat([sheet, extra]).to_csv(path, sep="\t", index=False)
    with pytest.raises(InputError, match="control samples in the NPX data.*IPC_1"):
        run(npx, path, symbols)


def test_missing_covariate_names_sheet_row(tiny_study, symbols, tmp_path):
    npx, _, _, sheet = tiny_study
    sheet = sheet.copy()
    sheet.loc[4, "age"] = None
    path = tmp_path / "noage.tsv"
    sheet.to_csv(path, sep="\t", index=False)
    with pytest.raises(InputError) as err:
        run(npx, path, symbols)
    assert "noage.tsv (column 'age', row(s) 6)" in str(err.value)
    assert "'age' is missing for 1 sample(s): S04" in str(err.value)


def test_duplicate_uniprot_in_symbol_table(tmp_path):
    from proteosig.io.panels import read_symbol_table

    path = tmp_path / "symbols.tsv"
    path.write_text("uniprot\tgene_symbol\nP05231\tIL6\nP10145\tCXCL8\nP05231\tIL-6\n")
    with pytest.raises(
        InputError, match=r"rows 2, 4\): UniProt key\(s\) listed more than once: P05231"
    ):
        read_symbol_table(path)


def test_gisby_real_data(symbols):
    result = ingest(
        [GISBY / "serum_npx_level.csv"],
        GISBY / "serum_sample_level.csv",
        symbols,
        id_column="SampleID",
        group_column="Case_Control",
        control_group="NEGATIVE",
        covariates=["Sex", "Age"],
        plate_column="Plate_ID",
    )
    assert result.samples["group"].value_counts().to_dict() == {"POSITIVE": 52, "NEGATIVE": 11}
    assert result.long["assay_id"].nunique() == 436
    assert result.unmapped_assays.empty  # every Gisby UniProt has a symbol
    assert (result.long["plate"] == "plate.5").all()
    # The real export names its assays by gene; our mapping agrees for the great majority
    raw = pd.read_csv(GISBY / "serum_npx_level.csv").drop_duplicates("UniProt")
    mapped = result.long.drop_duplicates("uniprot").set_index("uniprot")["gene_symbol"]
    agree = (raw.set_index("UniProt")["GeneID"] == mapped.reindex(raw["UniProt"])).mean()
    assert agree > 0.95
