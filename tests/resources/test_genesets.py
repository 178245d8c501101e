"""The gene-set resources in resources/genesets/ are consistent, cited and parseable.

The reference copies are also compared with ../shared/reference/genesets when present
(marker shared_data).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
GENESETS = REPO / "resources" / "genesets"
SHARED_GENESETS = REPO.parent / "shared" / "reference" / "genesets"

# The axes issue 4 asks for, by the names the GMT uses.
REQUIRED_AXES = [
    "Th1",
    "Th2",
    "Th17",
    "Th22",
    "Th1_Th17_Th22",
    "Innate_IL1",
    "T_cell_activation",
    "Atherosclerosis_CV_risk",
    "Vascular_endothelial",
    "Apoptosis",
    "Neuroinflammation",
]
STUDY_PANELS = {"INF", "CVD II", "CVD III", "NEU"}
# Axes with fewer than 5 proteins on those panels, as README.md says.
THIN_AXES = {"Th1_Th17_Th22"}
GMT_FILES = {
    "immune_axes.gmt": len(REQUIRED_AXES),
    "h.all.v2024.1.Hs.symbols.gmt": 50,
    "msigdb_c2_reactome_pid.v6.0.symbols.gmt": 870,
    "go_biological_process_2021.gmt": 6036,
}


def _load_builder():
    spec = importlib.util.spec_from_file_location("build_genesets", GENESETS / "build_genesets.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bg = _load_builder()


@pytest.fixture(scope="module")
def axes_rows():
    return bg.read_axes(GENESETS / "immune_axes.tsv")


@pytest.fixture(scope="module")
def target96():
    return bg.read_target96()


@pytest.fixture(scope="module")
def symbols():
    return bg.read_symbols()


@pytest.fixture(scope="module")
def universe(symbols):
    """Valid symbols: every part of the Olink symbol table plus the MSigDB gene universe."""
    genes = {part for symbol in symbols.values() for part in symbol.split("_")}
    genes |= set(symbols.values())
    for name in ("h.all.v2024.1.Hs.symbols.gmt", "msigdb_c2_reactome_pid.v6.0.symbols.gmt"):
        genes |= bg.gmt_genes(GENESETS / name)
    return genes


def _read_gmt(name):
    return bg.parse_gmt((GENESETS / name).read_text(encoding="utf-8"))


# ----------------------------------------------------------------------------- built files
def test_gmt_is_what_the_builder_makes_from_the_tsv(axes_rows):
    assert (GENESETS / "immune_axes.gmt").read_text(encoding="utf-8") == bg.build_gmt(axes_rows)


def test_assay_map_is_what_the_builder_makes(target96, symbols):
    built = bg.map_text(bg.build_assay_gene_map(target96, symbols))
    assert (GENESETS / "assay_gene_map.tsv").read_text(encoding="utf-8") == built


def test_builder_check_passes():
    assert bg.main(["--check"]) == 0


# ----------------------------------------------------------------------------- evidence table
def test_every_row_is_cited_and_consistent_with_the_panel_tables(axes_rows, target96, symbols):
    assert axes_rows, "immune_axes.tsv is empty"
    assert bg.validate_axes(axes_rows, target96, symbols) == []
    for row in axes_rows:
        assert row["source_short"].strip()
        assert bg.CITATION.match(row["doi_or_pmid"]), row
        assert row["verified"] in bg.VERIFIED
        assert row["note"].strip() and row["as_written_in_source"].strip()


def test_no_duplicate_evidence_rows(axes_rows):
    keys = [(r["axis"], r["gene_symbol"], r["source_short"]) for r in axes_rows]
    assert len(keys) == len(set(keys))


def test_validation_catches_a_missing_citation_and_a_stale_panel(axes_rows, target96, symbols):
    broken = [dict(r) for r in axes_rows[:2]]
    broken[0]["doi_or_pmid"] = "olink.com publication page"
    broken[1]["on_target96_panels"] = "XYZ"
    problems = bg.validate_axes(broken, target96, symbols)
    assert any("citation" in p for p in problems)
    assert any("on_target96_panels" in p for p in problems)


def test_every_required_axis_exists():
    names = [name for name, _, _ in _read_gmt("immune_axes.gmt")]
    assert names == REQUIRED_AXES
    assert list(bg.AXES) == REQUIRED_AXES


def test_axis_symbols_are_valid(axes_rows, universe):
    unknown = sorted({r["gene_symbol"] for r in axes_rows} - universe)
    assert not unknown, f"not in the Olink symbol table or MSigDB: {unknown}"


def test_panel_coverage_of_the_study_panels(axes_rows):
    on_panels: dict[str, set[str]] = {axis: set() for axis in REQUIRED_AXES}
    for row in axes_rows:
        panels = {p.strip() for p in row["on_target96_panels"].split(",") if p.strip()}
        if panels & STUDY_PANELS:
            on_panels[row["axis"]].add(row["gene_symbol"])
    thin = {axis for axis, genes in on_panels.items() if len(genes) < 5}
    assert thin == THIN_AXES


# ----------------------------------------------------------------------------- GMT files
@pytest.mark.parametrize("name", sorted(GMT_FILES))
def test_gmt_parses(name, universe):
    sets = _read_gmt(name)
    assert len(sets) == GMT_FILES[name]
    names = [s[0] for s in sets]
    assert len(names) == len(set(names)), "duplicate set names"
    for set_name, description, genes in sets:
        assert set_name.strip() and description.strip(), set_name
        assert genes and all(genes), f"{set_name}: no genes or an empty gene field"
        assert len(genes) == len(set(genes)), f"{set_name}: duplicate genes"
    if name == "immune_axes.gmt":
        assert {g for _, _, genes in sets for g in genes} <= universe


def test_go_descriptions_are_the_go_ids():
    for name, description, _ in _read_gmt("go_biological_process_2021.gmt"):
        assert name.endswith(f"({description})") and description.startswith("GO:")


def test_parse_gmt_rejects_malformed_lines():
    with pytest.raises(ValueError):
        bg.parse_gmt("SET_ONLY\tdescription\n")
    with pytest.raises(ValueError):
        bg.normalise_enrichr_gmt("term without id\t\tA\tB\n")


def test_normalise_enrichr_layout():
    text = "foo process (GO:0000001)\t\tA\tB\nbar (GO:0000002)\t\tC\n"
    assert bg.normalise_enrichr_gmt(text) == (
        "foo process (GO:0000001)\tGO:0000001\tA\tB\nbar (GO:0000002)\tGO:0000002\tC\n"
    )


@pytest.mark.shared_data
@pytest.mark.skipif(not SHARED_GENESETS.is_dir(), reason="../shared reference gene sets absent")
def test_reference_copies_match_the_originals():
    for name in bg.REFERENCE_FILES:
        assert (GENESETS / name).read_bytes() == (SHARED_GENESETS / name).read_bytes(), name
    original = bg.parse_gmt((SHARED_GENESETS / bg.GO_SOURCE).read_text(encoding="utf-8"))
    copied = _read_gmt(bg.GO_TARGET)
    assert [(n, g) for n, _, g in original] == [(n, g) for n, _, g in copied]


# ----------------------------------------------------------------------------- assay map
def test_map_covers_every_multi_accession_and_multi_gene_assay(target96, symbols):
    rows = bg.read_tsv(GENESETS / "assay_gene_map.tsv")
    assert list(rows[0]) == bg.MAP_COLUMNS
    mapped: dict[str, set[str]] = {}
    for row in rows:
        mapped.setdefault(row["uniprot_key"], set()).add(row["gene_symbol"])
        assert row["rule"].split(":")[0] in bg.RULES
    multi = [a for a in target96 if "_" in a["uniprot"] or "_" in a["gene_symbol"]]
    assert {a["uniprot"] for a in multi} >= {"P29459_P29460", "Q14213_Q8NEV9"}
    for assay in multi:
        expected = set(assay["gene_symbol"].split("_"))
        if "_" in assay["uniprot"]:
            assert expected == {symbols[p] for p in assay["uniprot"].split("_")}
        assert mapped.get(assay["uniprot"]) == expected, assay["uniprot"]


def test_shared_p40_subunit_is_mapped_to_il12b_only():
    rows = [r for r in bg.read_tsv(GENESETS / "assay_gene_map.tsv") if r["uniprot_key"] == "P29460"]
    assert [(r["gene_symbol"], r["kind"]) for r in rows] == [("IL12B", "shared subunit")]
    assert "IL-23" in rows[0]["note"]


def test_readme_names_every_file_with_licence():
    readme = (GENESETS / "README.md").read_text(encoding="utf-8")
    for path in GENESETS.iterdir():
        if path.is_file() and path.name != "README.md":
            assert path.name in readme, path.name
    for phrase in ("CC BY 4.0", "CC0", "10.1016/j.cels.2015.12.004", "build_genesets.py"):
        assert phrase in readme
