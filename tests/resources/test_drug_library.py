"""The drug library in resources/drugs/ is complete, cited and consistent with resources/.

Checks what the ranking stage relies on: every drug of the library is there, every target has a
well-formed human UniProt accession and at least one immune-axis row, every axis exists in the
curated immune-axis GMT, every row carries a citation, directions are -1/+1, accessions agree
with the Olink panel tables, and no row is duplicated.
"""

from __future__ import annotations

import csv
import math
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DRUGS = REPO / "resources" / "drugs"
GENESETS = REPO / "resources" / "genesets"
PANELS = REPO / "resources" / "panels"

REQUIRED_DRUGS = {
    "dupilumab": ["IL4R"],
    "tralokinumab": ["IL13"],
    "lebrikizumab": ["IL13"],
    "nemolizumab": ["IL31RA"],
    "ustekinumab": ["IL12B"],
    "secukinumab": ["IL17A"],
    "ixekizumab": ["IL17A"],
    "brodalumab": ["IL17RA"],
    "bimekizumab": ["IL17A", "IL17F"],
    "guselkumab": ["IL23A"],
    "risankizumab": ["IL23A"],
    "tildrakizumab": ["IL23A"],
    "adalimumab": ["TNF"],
    "infliximab": ["TNF"],
    "etanercept": ["TNF"],
    "certolizumab pegol": ["TNF"],
    "spesolimab": ["IL1RL2"],
    "omalizumab": ["IGHE"],
    "tezepelumab": ["TSLP"],
    "abrocitinib": ["JAK1"],
    "upadacitinib": ["JAK1"],
    "baricitinib": ["JAK1", "JAK2"],
    "deucravacitinib": ["TYK2"],
    "apremilast": ["PDE4A", "PDE4B", "PDE4C", "PDE4D"],
    "rocatinlimab": ["TNFRSF4"],
    "amlitelimab": ["TNFSF4"],
    "fezakinumab": ["IL22"],
}

# Human accessions checked by hand for targets that are on no Olink panel table.
KNOWN_ACCESSIONS = {
    "IL23A": "Q9NPF7",
    "IGHE": "P01854",
    "JAK1": "P23458",
    "JAK2": "O60674",
    "TYK2": "P29597",
    "PDE4A": "P27815",
    "PDE4B": "Q07343",
    "TNFSF4": "P23510",
}

COLUMNS = {
    "drugs.tsv": [
        "drug",
        "modality",
        "targets",
        "target_uniprot",
        "mechanism",
        "action",
        "dermatology_status",
        "source_target",
        "source_status",
        "note",
    ],
    "target_axes.tsv": [
        "target",
        "axis",
        "weight",
        "direction_on_inhibition",
        "evidence",
        "citation",
        "doi_or_pmid",
    ],
    "observed_signatures.tsv": [
        "drug",
        "gene_symbol",
        "uniprot",
        "direction",
        "reported_change",
        "log2fc",
        "tissue",
        "disease",
        "citation",
        "doi_or_pmid",
        "note",
    ],
    "drug_classes.tsv": ["drug_class", "drug", "rule", "note"],
}
MODALITIES = {"monoclonal antibody", "fusion protein", "small molecule"}
STATUS_PREFIXES = ("approved: ", "approved outside dermatology only: ", "investigational: ")
TISSUES = {"serum", "plasma", "skin_tape_strip", "skin_biopsy"}
UNIPROT_RE = re.compile(
    r"^(?:[OPQ][0-9][A-Z0-9]{3}[0-9]|[A-NR-Z][0-9](?:[A-Z][A-Z0-9]{2}[0-9]){1,2})$"
)
SYMBOL_RE = re.compile(r"^[A-Z][A-Z0-9-]*$")
CITATION_RE = re.compile(r"^(?:doi:10\.\d{4,9}/\S+|PMID:\d+|https?://\S+)")
DOI_OR_PMID_RE = re.compile(r"^(?:doi:10\.\d{4,9}/\S+|PMID:\d+)$")
PERCENT_RANGE_RE = re.compile(r"^([+-]?\d+(?:\.\d+)?) % to ([+-]?\d+(?:\.\d+)?) %$")


def _read(name: str) -> list[dict[str, str]]:
    path = DRUGS / name
    text = path.read_bytes().decode("utf-8")  # must be UTF-8
    lines = text.splitlines()
    header = lines[0].split("\t")
    assert header == COLUMNS[name], f"{name}: header {header}"
    for number, line in enumerate(lines[1:], start=2):
        assert line.count("\t") == len(header) - 1, f"{name}:{number}: wrong number of fields"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    for row in rows:
        for key, value in row.items():
            assert value == value.strip(), f"{name}: stray whitespace in {key}={value!r}"
    return rows


@pytest.fixture(scope="module")
def drugs():
    return _read("drugs.tsv")


@pytest.fixture(scope="module")
def target_axes():
    return _read("target_axes.tsv")


@pytest.fixture(scope="module")
def observed():
    return _read("observed_signatures.tsv")


@pytest.fixture(scope="module")
def drug_classes():
    return _read("drug_classes.tsv")


@pytest.fixture(scope="module")
def gmt_axes():
    names = set()
    for line in (GENESETS / "immune_axes.gmt").read_text(encoding="utf-8").splitlines():
        if line.strip():
            names.add(line.split("\t")[0])
    return names


@pytest.fixture(scope="module")
def panel_symbols():
    """Gene symbol -> UniProt of every single-accession assay on the Target 96 panels.

    Paralog assays (one accession, several identical genes, e.g. DEFB4A_DEFB4B) map each gene
    to that accession; complexes (several accessions) are skipped, their parts have own rows.
    """
    mapping: dict[str, set[str]] = defaultdict(set)
    with (PANELS / "olink_target96.tsv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if "_" in row["uniprot"]:
                continue
            for symbol in row["gene_symbol"].split("_"):
                mapping[symbol].add(row["uniprot"])
    return mapping


@pytest.fixture(scope="module")
def symbol_table():
    """Gene symbol -> UniProt over every Olink product (uniprot_gene_symbols.tsv)."""
    mapping: dict[str, set[str]] = defaultdict(set)
    with (PANELS / "uniprot_gene_symbols.tsv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if "_" in row["uniprot"]:
                continue
            for symbol in row["gene_symbol"].split("_"):
                mapping[symbol].add(row["uniprot"])
    return mapping


def _targets(row):
    return row["targets"].split(";"), row["target_uniprot"].split(";")


# ------------------------------------------------------------------ drugs.tsv


def test_all_required_drugs_present_with_their_targets(drugs):
    by_name = {row["drug"]: row for row in drugs}
    missing = sorted(set(REQUIRED_DRUGS) - set(by_name))
    assert not missing, f"missing drugs: {missing}"
    for name, targets in REQUIRED_DRUGS.items():
        assert _targets(by_name[name])[0] == targets, name


def test_drug_columns_are_well_formed(drugs):
    for row in drugs:
        assert row["modality"] in MODALITIES, row["drug"]
        assert row["action"] == "inhibits", row["drug"]
        assert row["mechanism"], row["drug"]
        assert row["dermatology_status"].startswith(STATUS_PREFIXES), row["drug"]


def test_every_target_has_a_wellformed_accession(drugs):
    for row in drugs:
        symbols, accessions = _targets(row)
        assert len(symbols) == len(accessions), row["drug"]
        assert len(set(symbols)) == len(symbols), row["drug"]
        for symbol, accession in zip(symbols, accessions, strict=True):
            assert SYMBOL_RE.match(symbol), (row["drug"], symbol)
            assert UNIPROT_RE.match(accession), (row["drug"], accession)


def test_target_accessions_agree_across_drugs_and_with_olink_tables(drugs, symbol_table):
    seen: dict[str, str] = {}
    for row in drugs:
        for symbol, accession in zip(*_targets(row), strict=True):
            assert seen.setdefault(symbol, accession) == accession, symbol
            if symbol in symbol_table:
                assert accession in symbol_table[symbol], (symbol, accession, symbol_table[symbol])
            else:
                assert KNOWN_ACCESSIONS.get(symbol) == accession, (symbol, accession)


def test_every_drug_row_is_cited(drugs):
    for row in drugs:
        for column in ("source_target", "source_status"):
            assert CITATION_RE.match(row[column]), (row["drug"], column, row[column])


def test_no_duplicate_drugs(drugs):
    counts = Counter(row["drug"] for row in drugs)
    assert not [name for name, n in counts.items() if n > 1]
    assert len({tuple(row.values()) for row in drugs}) == len(drugs)


# ------------------------------------------------------------ target_axes.tsv


def test_every_target_has_a_primary_axis(drugs, target_axes):
    counts = Counter(row["target"] for row in target_axes if row["weight"] == "1.0")
    assert all(n == 1 for n in counts.values()), f"targets with several primary axes: {counts}"
    primary = set(counts)
    for row in drugs:
        for symbol in _targets(row)[0]:
            assert symbol in primary, f"{row['drug']}: target {symbol} has no primary axis row"


def test_every_axis_row_refers_to_a_library_target(drugs, target_axes):
    targets = {symbol for row in drugs for symbol in _targets(row)[0]}
    assert {row["target"] for row in target_axes} <= targets


def test_axes_exist_in_immune_axes_gmt(target_axes, gmt_axes):
    unknown = sorted({row["axis"] for row in target_axes} - gmt_axes)
    assert not unknown, f"axes not in immune_axes.gmt: {unknown}"


def test_axis_weights_and_directions(target_axes):
    for row in target_axes:
        assert row["weight"] in {"1.0", "0.5"}, row
        assert int(row["direction_on_inhibition"]) == -1, row
        assert row["evidence"], row


def test_every_axis_row_is_cited(target_axes):
    for row in target_axes:
        assert row["citation"], row
        assert DOI_OR_PMID_RE.match(row["doi_or_pmid"]), row["doi_or_pmid"]


def test_no_duplicate_axis_rows(target_axes):
    keys = Counter((row["target"], row["axis"]) for row in target_axes)
    assert not [key for key, n in keys.items() if n > 1]


# ---------------------------------------------------- observed_signatures.tsv


def test_observed_drugs_are_library_drugs_or_classes(drugs, observed, drug_classes):
    names = {row["drug"] for row in drugs}
    classes = {row["drug_class"] for row in drug_classes}
    for row in observed:
        assert row["drug"] in names or row["drug"] in classes, row["drug"]


def test_drug_classes_point_to_drugs_with_that_target(drugs, drug_classes):
    targets = {row["drug"]: set(_targets(row)[0]) for row in drugs}
    for row in drug_classes:
        assert row["drug_class"].startswith("class:"), row
        assert row["drug"] in targets, row
        match = re.match(r"^targets include (\S+)$", row["rule"])
        assert match and match.group(1) in targets[row["drug"]], row
    pairs = Counter((row["drug_class"], row["drug"]) for row in drug_classes)
    assert not [key for key, n in pairs.items() if n > 1]


def test_observed_directions_and_tissues(observed):
    for row in observed:
        assert int(row["direction"]) in {-1, 1}, row
        assert row["tissue"] in TISSUES, row
        assert row["reported_change"] and row["disease"], row


def test_observed_log2fc_matches_reported_percentages(observed):
    for row in observed:
        match = PERCENT_RANGE_RE.match(row["reported_change"])
        if not row["log2fc"]:
            assert not match, f"{row['drug']} {row['gene_symbol']}: percentage given but no log2fc"
            continue
        value = float(row["log2fc"])
        assert math.copysign(1, value) == int(row["direction"]), row
        assert match, f"{row['drug']} {row['gene_symbol']}: log2fc without a percentage range"
        low, high = (float(x) for x in match.groups())
        expected = (math.log2(1 + low / 100) + math.log2(1 + high / 100)) / 2
        assert value == pytest.approx(expected, abs=0.002), row


def test_observed_accessions(observed, panel_symbols, symbol_table):
    seen: dict[str, str] = {}
    for row in observed:
        symbol, accession = row["gene_symbol"], row["uniprot"]
        assert SYMBOL_RE.match(symbol), symbol
        assert UNIPROT_RE.match(accession), accession
        assert seen.setdefault(symbol, accession) == accession, symbol
        if symbol in panel_symbols:  # measured on a Target 96 panel: must be that assay's protein
            assert accession in panel_symbols[symbol], (symbol, accession, panel_symbols[symbol])
        elif symbol in symbol_table:
            assert accession in symbol_table[symbol], (symbol, accession)


def test_observed_accessions_agree_with_drug_targets(drugs, observed):
    targets = {s: a for row in drugs for s, a in zip(*_targets(row), strict=True)}
    for row in observed:
        if row["gene_symbol"] in targets:
            assert targets[row["gene_symbol"]] == row["uniprot"], row["gene_symbol"]


def test_every_observed_row_is_cited(observed):
    for row in observed:
        assert row["citation"], row
        assert DOI_OR_PMID_RE.match(row["doi_or_pmid"]), row["doi_or_pmid"]


def test_no_duplicate_observed_rows(observed):
    keys = Counter(
        (row["drug"], row["gene_symbol"], row["tissue"], row["doi_or_pmid"]) for row in observed
    )
    assert not [key for key, n in keys.items() if n > 1]


def test_required_dupilumab_serum_changes(observed):
    serum = {
        (row["gene_symbol"], row["tissue"])
        for row in observed
        if row["drug"] == "dupilumab" and row["doi_or_pmid"] == "doi:10.1111/cea.13954"
    }
    assert {("CCL17", "serum"), ("IGHE", "serum"), ("POSTN", "serum"), ("CCL26", "plasma")} <= serum
    tape = {
        row["gene_symbol"]
        for row in observed
        if row["drug"] == "dupilumab" and row["tissue"] == "skin_tape_strip"
    }
    assert {
        "MMP12",
        "CCL13",
        "CCL17",
        "IL12B",
        "CXCL1",
        "S100A12",
        "IL6",
        "CXCL8",
        "IL17C",
        "SELE",
    } <= tape


# --------------------------------------------------------------------- README


def test_readme_states_version_and_licence():
    text = (DRUGS / "README.md").read_text(encoding="utf-8")
    assert "proteosig drug library v1.0, 2026-11-26" in text
    assert "CC BY 4.0" in text
    for name in COLUMNS:
        assert f"`{name}`" in text, name
