"""Build the gene-set resources of the enrichment stage.

Run from the repository root::

    python resources/genesets/build_genesets.py             # immune_axes.gmt, assay_gene_map.tsv
    python resources/genesets/build_genesets.py --check     # exit 1 if a built file is stale
    python resources/genesets/build_genesets.py --annotate  # refresh derived columns of the TSV
    python resources/genesets/build_genesets.py --import-reference ../shared/reference/genesets

* ``immune_axes.tsv`` is the hand-curated evidence table (one row per axis x protein x source).
  Its columns ``uniprot``, ``olink_assay_name`` and ``on_target96_panels`` are derived from
  ``resources/panels/`` (``--annotate`` rewrites them; a plain build refuses a stale table).
  ``immune_axes.gmt`` is made from it: one set per axis, genes sorted, no duplicates.
* ``assay_gene_map.tsv`` lists every Target 96 assay that does not map to exactly one gene
  symbol (complexes, indistinguishable pairs, paralogs) plus the assays of shared subunits,
  one row per (assay, gene symbol), with the rule that decides gene-set membership.
* ``--import-reference`` copies the MSigDB files unchanged and rewrites the Enrichr-layout
  GO Biological Process file as standard GMT (``name, description, genes``; the description
  is the GO identifier taken from the term name). A maintainer runs it once; the pipeline
  never reads ``../shared``.

Only the standard library is used, so the script runs before the package is installed.
"""

from __future__ import annotations

import argparse
import csv
import re
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PANELS = HERE.parent / "panels"

AXES_VERSION = "1.0"

# Axis name -> human-readable label (GMT description field). Order is the GMT order.
AXES: dict[str, str] = {
    "Th1": "Th1 (type 1 T helper) axis",
    "Th2": "Th2 (type 2 T helper) axis",
    "Th17": "Th17 axis",
    "Th22": "Th22 axis",
    "Th1_Th17_Th22": "shared Th1/Th17/Th22 axis (IL-12/IL-23 p40)",
    "Innate_IL1": "innate immunity / IL-1 family axis",
    "T_cell_activation": "T-cell activation / migration axis",
    "Atherosclerosis_CV_risk": "atherosclerosis / cardiovascular risk axis",
    "Vascular_endothelial": "vascular / endothelial axis",
    "Apoptosis": "apoptosis axis",
    "Neuroinflammation": "neuro-inflammation axis",
}

AXIS_COLUMNS = [
    "axis",
    "gene_symbol",
    "uniprot",
    "olink_assay_name",
    "on_target96_panels",
    "as_written_in_source",
    "source_short",
    "doi_or_pmid",
    "verified",
    "note",
]
DERIVED = ("uniprot", "olink_assay_name", "on_target96_panels")
# abstract: the abstract or a page found states it; resource: membership checked directly in
# the cited gene-set file shipped in this folder; not_found: could not be checked.
# Rows a source contradicts are left out of the table (and listed in README.md).
VERIFIED = ("abstract", "resource", "not_found")
CITATION = re.compile(r"^(doi:10\.\d{4,9}/\S+|PMID:\d+)$")

MAP_COLUMNS = [
    "uniprot_key",
    "olink_assay_name",
    "panels",
    "assay_gene_symbol",
    "part_uniprot",
    "gene_symbol",
    "kind",
    "rule",
    "note",
]

# Assays that measure one protein chain shared by several cytokines or receptors. They map to
# their own gene only (rule own_gene); the note says what else the measured chain belongs to.
SHARED_SUBUNITS: dict[str, str] = {
    "P29460": (
        "p40 is shared by IL-12 (with IL12A/p35) and IL-23 (with IL23A/p19); the assay reads free "
        "p40 and p40 inside either cytokine and cannot tell them apart. Membership is by IL12B "
        "only: an IL-23 or IL-12 set counts it when it lists IL12B, as curated sets do."
    ),
    "P14784": (
        "IL-2R beta is shared by the IL-2 and IL-15 receptors; soluble chain measured on its own. "
        "Membership by IL2RB."
    ),
    "Q08334": (
        "IL-10R beta is shared by the IL-10, IL-22, IL-26 and IFN-lambda receptors; soluble chain "
        "measured on its own. Membership by IL10RB."
    ),
}

# Notes for assays whose UniProt key has several accessions, or one accession several genes.
MULTI_NOTES: dict[str, tuple[str, str]] = {
    "P29459_P29460": (
        "complex",
        "IL-12 p70 heterodimer (IL12A p35 + IL12B p40). IL12A is also the p35 chain of IL-35.",
    ),
    "Q14213_Q8NEV9": (
        "complex",
        "IL-27 heterodimer (IL27 p28 + EBI3). EBI3 is also a chain of IL-35.",
    ),
    "P21217_Q11128": (
        "indistinguishable pair",
        "FUT3 and FUT5 are highly similar fucosyltransferases the assay does not separate.",
    ),
    "Q29980_Q29983": (
        "indistinguishable pair",
        "MICA and MICB are highly similar NKG2D ligands the assay does not separate.",
    ),
}
PARALOG_NOTE = "One UniProt accession encoded by duplicated genes with identical protein."

RULES = {
    "any_member": (
        "the assay is a member of a gene set when ANY of its gene symbols (rows with this "
        "uniprot_key) is in the set"
    ),
    "own_gene": "the assay is a member of a gene set when its own gene symbol is in the set",
}


# ----------------------------------------------------------------------------- reading
def read_tsv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def read_target96(path: Path = PANELS / "olink_target96.tsv") -> list[dict[str, str]]:
    rows = read_tsv(path)
    for row in rows:
        row["olink_name"] = (row.get("olink_name") or "").strip()
    return rows


def read_symbols(path: Path = PANELS / "uniprot_gene_symbols.tsv") -> dict[str, str]:
    return {r["uniprot"]: r["gene_symbol"] for r in read_tsv(path)}


def gmt_genes(path: Path) -> set[str]:
    genes: set[str] = set()
    for _, _, members in parse_gmt(path.read_text(encoding="utf-8")):
        genes.update(members)
    return genes


def parse_gmt(text: str) -> list[tuple[str, str, list[str]]]:
    """Parse standard GMT: name, description, genes. Raise ValueError on a malformed line."""
    sets = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        fields = line.rstrip("\r").split("\t")
        if len(fields) < 3:
            raise ValueError(f"line {number}: fewer than 3 tab-separated fields")
        name, description, genes = fields[0], fields[1], fields[2:]
        if not name:
            raise ValueError(f"line {number}: empty set name")
        sets.append((name, description, genes))
    return sets


def read_axes(path: Path = HERE / "immune_axes.tsv") -> list[dict[str, str]]:
    rows = read_tsv(path)
    if rows and list(rows[0].keys()) != AXIS_COLUMNS:
        raise ValueError(f"{path}: columns must be {AXIS_COLUMNS}")
    return rows


def write_axes(path: Path, rows: list[dict[str, str]]) -> None:
    lines = ["\t".join(AXIS_COLUMNS)]
    for row in rows:
        values = [str(row.get(c, "")) for c in AXIS_COLUMNS]
        for value in values:
            if "\t" in value or "\n" in value or '"' in value:
                raise ValueError(f"field with a tab, newline or double quote: {value!r}")
        lines.append("\t".join(values))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# ----------------------------------------------------------------------------- annotation
def annotate(
    rows: list[dict[str, str]], target96: list[dict[str, str]], symbols: dict[str, str]
) -> list[dict[str, str]]:
    """Return rows with uniprot / olink_assay_name / on_target96_panels derived from the panels.

    A gene measured by a single-accession Target 96 assay takes that assay's UniProt, Olink
    name and panels. Otherwise its UniProt comes from the single-accession keys of the symbol
    table; a gene in neither table keeps the curated UniProt already in the row.
    """
    by_gene = {r["gene_symbol"]: r for r in target96 if "_" not in r["uniprot"]}
    accessions: dict[str, list[str]] = {}
    for key, gene in symbols.items():
        if "_" not in key:
            accessions.setdefault(gene, []).append(key)
    out = []
    for row in rows:
        new = dict(row)
        gene = row["gene_symbol"]
        if gene in by_gene:
            assay = by_gene[gene]
            new["uniprot"] = assay["uniprot"]
            new["olink_assay_name"] = assay["olink_name"]
            new["on_target96_panels"] = assay["panels"]
        else:
            new["olink_assay_name"] = ""
            new["on_target96_panels"] = ""
            if gene in accessions:
                new["uniprot"] = ";".join(sorted(accessions[gene]))
        out.append(new)
    return out


def validate_axes(
    rows: list[dict[str, str]], target96: list[dict[str, str]], symbols: dict[str, str]
) -> list[str]:
    """Return a list of problems (empty when the table is consistent)."""
    problems = []
    for number, (row, fresh) in enumerate(
        zip(rows, annotate(rows, target96, symbols), strict=True), start=2
    ):
        where = f"immune_axes.tsv line {number} ({row['axis']}, {row['gene_symbol']})"
        if row["axis"] not in AXES:
            problems.append(f"{where}: unknown axis")
        if not row["source_short"] or not CITATION.match(row["doi_or_pmid"]):
            problems.append(f"{where}: needs source_short and a doi:... or PMID:... citation")
        if row["verified"] not in VERIFIED:
            problems.append(f"{where}: verified must be one of {VERIFIED}")
        if not row["note"]:
            problems.append(f"{where}: empty note")
        for column in DERIVED:
            if row[column] != fresh[column]:
                problems.append(
                    f"{where}: {column} is {row[column]!r}, the panel tables give "
                    f"{fresh[column]!r} (run with --annotate)"
                )
    return problems


# ----------------------------------------------------------------------------- outputs
def build_gmt(rows: list[dict[str, str]]) -> str:
    """GMT text of the immune axes: every axis in AXES order, genes sorted and unique."""
    members: dict[str, set[str]] = {axis: set() for axis in AXES}
    sources: dict[str, set[str]] = {axis: set() for axis in AXES}
    for row in rows:
        members[row["axis"]].add(row["gene_symbol"])
        sources[row["axis"]].add(row["source_short"])
    lines = []
    for axis, label in AXES.items():
        genes = sorted(members[axis])
        if not genes:
            raise ValueError(f"axis {axis} has no genes")
        description = (
            f"proteosig immune axes v{AXES_VERSION}: {label}; {len(genes)} genes from "
            f"{len(sources[axis])} sources; evidence in immune_axes.tsv"
        )
        lines.append("\t".join([axis, description, *genes]))
    return "\n".join(lines) + "\n"


def build_assay_gene_map(
    target96: list[dict[str, str]], symbols: dict[str, str]
) -> list[dict[str, str]]:
    rows = []
    for assay in sorted(target96, key=lambda r: r["uniprot"]):
        key = assay["uniprot"]
        parts = key.split("_")
        genes = assay["gene_symbol"].split("_")
        if len(parts) > 1:
            kind, note = MULTI_NOTES.get(key, ("complex", "Several accessions in one assay."))
            if len(genes) != len(parts):
                symbol = assay["gene_symbol"]
                raise ValueError(f"{key}: {len(parts)} accessions but symbol {symbol}")
            for part, gene in zip(parts, genes, strict=True):
                if symbols.get(part) != gene:
                    found = symbols.get(part)
                    raise ValueError(f"{key}: part {part} is {found}, the table says {gene}")
                rows.append(_map_row(assay, part, gene, kind, "any_member", note))
        elif len(genes) > 1:
            for gene in genes:
                rows.append(_map_row(assay, key, gene, "paralogs", "any_member", PARALOG_NOTE))
        elif key in SHARED_SUBUNITS:
            rows.append(
                _map_row(assay, key, genes[0], "shared subunit", "own_gene", SHARED_SUBUNITS[key])
            )
    missing = set(SHARED_SUBUNITS) - {r["uniprot_key"] for r in rows}
    if missing:
        raise ValueError(f"shared-subunit accessions not on Target 96: {sorted(missing)}")
    return rows


def _map_row(assay, part, gene, kind, rule, note) -> dict[str, str]:
    return {
        "uniprot_key": assay["uniprot"],
        "olink_assay_name": assay["olink_name"],
        "panels": assay["panels"],
        "assay_gene_symbol": assay["gene_symbol"],
        "part_uniprot": part,
        "gene_symbol": gene,
        "kind": kind,
        "rule": f"{rule}: {RULES[rule]}",
        "note": note,
    }


def map_text(rows: list[dict[str, str]]) -> str:
    lines = ["\t".join(MAP_COLUMNS)]
    lines += ["\t".join(r[c] for c in MAP_COLUMNS) for r in rows]
    return "\n".join(lines) + "\n"


def normalise_enrichr_gmt(text: str) -> str:
    """Enrichr GMT (name, empty field, genes) -> standard GMT with the GO id as description."""
    out = []
    for name, description, genes in parse_gmt(text):
        match = re.search(r"\((GO:\d{7})\)$", name)
        if description:
            raise ValueError(f"{name}: expected an empty second field (Enrichr layout)")
        if not match:
            raise ValueError(f"{name}: no (GO:nnnnnnn) at the end of the term name")
        genes = [g for g in genes if g]
        out.append("\t".join([name, match.group(1), *genes]))
    return "\n".join(out) + "\n"


REFERENCE_FILES = {
    "h.all.v2024.1.Hs.symbols.gmt": "h.all.v2024.1.Hs.symbols.gmt",
    "msigdb_c2_reactome_pid.v6.0.symbols.gmt": "msigdb_c2_reactome_pid.v6.0.symbols.gmt",
}
GO_SOURCE, GO_TARGET = "go_biological_process_2021.enrichr.gmt", "go_biological_process_2021.gmt"


def import_reference(source: Path) -> None:
    for name, target in REFERENCE_FILES.items():
        shutil.copyfile(source / name, HERE / target)
    text = (source / GO_SOURCE).read_text(encoding="utf-8")
    (HERE / GO_TARGET).write_text(normalise_enrichr_gmt(text), encoding="utf-8")


# ----------------------------------------------------------------------------- main
def outputs() -> dict[Path, str]:
    target96, symbols = read_target96(), read_symbols()
    rows = read_axes()
    problems = validate_axes(rows, target96, symbols)
    if problems:
        listing = "\n  ".join(problems)
        raise SystemExit(f"build_genesets: immune_axes.tsv is not valid:\n  {listing}")
    return {
        HERE / "immune_axes.gmt": build_gmt(rows),
        HERE / "assay_gene_map.tsv": map_text(build_assay_gene_map(target96, symbols)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if a built file is stale")
    parser.add_argument("--annotate", action="store_true", help="refresh derived columns")
    parser.add_argument("--import-reference", type=Path, metavar="DIR")
    args = parser.parse_args(argv)
    if args.import_reference:
        import_reference(args.import_reference)
        print(f"imported MSigDB and GO files from {args.import_reference}")
    if args.annotate:
        path = HERE / "immune_axes.tsv"
        write_axes(path, annotate(read_axes(path), read_target96(), read_symbols()))
        print(f"refreshed {', '.join(DERIVED)} in {path.name}")
    stale = []
    for path, text in outputs().items():
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path.name)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.name}")
    if stale:
        print(f"out of date: {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
