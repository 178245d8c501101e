"""SYNTHETIC demo cohort: Olink Target 96 serum data shaped like He H et al. 2026.

He H et al., Mol Psychiatry 2026 (doi:10.1038/s41380-025-03383-5) measured four Target 96
panels (INF, CVD II, CVD III, NEU) in the serum of 25 MDD, 30 atopic dermatitis (AD),
21 psoriasis (PSO) and 32 healthy (HC) adults. Its individual data are not public, so the
pipeline's default run uses this simulator instead. Nothing here is patient data.

The model, one small function per step:

1. ``load_panel_assays``: every assay of the four panels from the shipped panel table;
   a protein on two panels is two assays (as in real Olink data) sharing one latent value.
2. ``estimate_baseline`` + ``ledoit_wolf_correlation``: mean, SD and protein-protein
   correlation from the real Gisby et al. (eLife 2021) serum data, COVID-negative samples
   only; ``assign_baseline`` draws mean/SD for proteins Gisby did not measure.
3. ``simulate_subjects``: group sizes, age, sex, Th2-high MDD subset, plate layout, IDs.
4. ``covariate_effects`` + ``group_effects``: modest age/sex effects and the planted
   disease effects of ``demo_effects.tsv`` (every one with a literature citation).
5. ``below_lod_targets`` + ``calibrate_assays``: per-assay background, LOD and the
   latent mean such that the expected measured mean equals the baseline mean.
6. ``measure``: NPX = log2(2^signal + 2^background) + noise (noise grows near background).
7. ``plate_offsets``, ``add_qc_artefacts``, ``control_samples``: plate 2 shift, three
   QC-warning samples, one gross outlier, Olink control wells.
8. ``to_olink_long`` + ``write_demo``: semicolon-separated Olink long exports and truth
   tables, deterministic byte for byte for a given seed.
"""

from __future__ import annotations

import io
import math
import re
import zlib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import ndtr

from proteosig.errors import InputError
from proteosig.io.panels import uniprot_key

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_SEED = 20260521
DEFAULT_N_PER_GROUP: dict[str, int] = {"HC": 32, "AD": 30, "PSO": 21, "MDD": 25}
GROUPS = ("HC", "AD", "PSO", "MDD")
EFFECT_GROUPS = ("AD", "PSO", "MDD", "MDD_TH2")
MALE_FRACTION = 0.56
AGE_RANGE = (18, 70)
AGE_CENTRE = 44.0

#: panel code in the panel table -> (file stem, Olink panel name, Panel_Version, ID digit).
#: INF and CVD II versions are those seen in real NPX Manager exports; the CVD III and
#: NEU version strings are illustrative.
PANELS: dict[str, tuple[str, str, str, int]] = {
    "INF": ("INF", "Olink Target 96 Inflammation", "v.3022", 1),
    "CVD II": ("CVD_II", "Olink Target 96 Cardiovascular II", "v.5006", 2),
    "CVD III": ("CVD_III", "Olink Target 96 Cardiovascular III", "v.6113", 3),
    "NEU": ("NEU", "Olink Target 96 Neurology", "v.8012", 4),
}

NPX_COLUMNS = (
    "SampleID",
    "SampleType",
    "OlinkID",
    "UniProt",
    "Assay",
    "MissingFreq",
    "Panel",
    "Panel_Version",
    "PlateID",
    "QC_Warning",
    "LOD",
    "NPX",
    "Normalization",
    "Assay_Warning",
)

#: Fraction of healthy samples below LOD for serum assays known to sit mostly at or below
#: the detection limit of Target 96 Inflammation. Levels follow the missing-data
#: frequencies of a real NPX Manager INF export (CiiM post-COVID cohort, MIT), except that
#: IL-17A and IFN-gamma are set to 0.80 by design (that export detects them in
#: most samples). Keys are HGNC symbols; assays of proteins not on the panels are ignored.
BELOW_LOD_HC: dict[str, float] = {
    "IL2": 0.95,
    "IL2RB": 0.95,
    "IL33": 0.95,
    "NGF": 0.95,
    "IL13": 0.90,
    "IL4": 0.90,
    "IL5": 0.90,
    "IL20": 0.92,
    "IL22RA1": 0.92,
    "IL1A": 0.90,
    "TSLP": 0.90,
    "ARTN": 0.90,
    "NRTN": 0.90,
    "IL20RA": 0.85,
    "IL17A": 0.80,
    "IFNG": 0.80,
    "GDNF": 0.75,
    "IL24": 0.75,
    "LIF": 0.70,
    "FGF5": 0.60,
    "IL10RA": 0.50,
    "NTF3": 0.35,
    "IL15RA": 0.15,
    "SLAMF1": 0.10,
    "SULT1A1": 0.10,
}

#: Modest covariate effects (NPX per year of age, centred at 44 y; NPX male minus female).
#: Directions as commonly reported in population Olink studies; sizes chosen small.
AGE_EFFECTS: dict[str, float] = {"GDF15": 0.02, "EDA2R": 0.015, "CDCP1": 0.01}
SEX_EFFECTS: dict[str, float] = {"LEP": -0.8, "MMP3": 0.5, "ACE2": 0.3}

#: Olink's assay names where the shipped table has none or a typo.
ASSAY_NAME_FIXES = {"STAMPB": "STAMBP"}

NOISE_FLOOR_SD = 0.08  # technical SD well above background (NPX)
NOISE_BACKGROUND_SD = 0.12  # extra SD at background: 0.08 + 0.12 = LOD gap / 3
LOD_ABOVE_BACKGROUND = 0.6  # LOD = background + this (negative controls + 3 SD)
PLATE_OFFSET_SD = 0.25
LOD_PLATE_JITTER_SD = 0.05
WARN_EXTRA_SD = 0.5
OUTLIER_COMPRESSION = 0.6
OUTLIER_SHIFT = 1.5
CONTROL_POOL_SD = 0.3  # pooled control samples sit near the population mean
DRAWN_MIN_MEAN = 1.5  # drawn baselines come from Gisby proteins above the noise floor
GH_NODES = 60
BACKGROUND_GAP = (2.5, 5.0)  # NPX from healthy mean to background, ordinary assays


@dataclass(frozen=True)
class DemoCohort:
    """Everything ``simulate_demo`` produces; ``write_demo`` turns it into files."""

    npx_long: pd.DataFrame  # Olink long format, all four panels, control wells included
    samples: pd.DataFrame  # sample_id, group, age, sex (study samples only)
    truth_samples: pd.DataFrame  # sample_id, group, th2_high_subset, plate, QC artefacts
    truth_effects: pd.DataFrame  # per assay x contrast: planted log2FC applied
    truth_assays: pd.DataFrame  # per assay: baseline source, mean, SD, LOD, plate offset
    planted_effects: pd.DataFrame  # the literature table, resolved against the panels
    params: dict = field(default_factory=dict)


# --------------------------------------------------------------------------------------
# paths and random streams


def default_gisby_dir() -> Path:
    return REPO_ROOT / "resources" / "gisby_serum"


def default_panel_table() -> Path:
    return REPO_ROOT / "resources" / "panels" / "olink_target96.tsv"


def default_effects_table():
    return resources.files("proteosig.simulate").joinpath("demo_effects.tsv")


def _rng(seed: int, stream: str) -> np.random.Generator:
    """One independent generator per named step, so steps do not shift each other."""
    return np.random.default_rng([int(seed), zlib.crc32(stream.encode("utf-8"))])


# --------------------------------------------------------------------------------------
# 1. assays


def _assay_name(olink_name, protein_name, gene_symbol) -> str:
    """Olink's assay name; from the protein name's parentheses where the table has none."""
    if isinstance(olink_name, str) and olink_name.strip():
        name = olink_name.strip()
    else:
        text = str(protein_name or "").strip()
        found = re.search(r"\(([^()]+)\)?\s*$", text)
        if found:
            name = found.group(1).strip()
        elif text.split() and text.split()[-1].isupper():
            name = text.split()[-1]
        else:
            name = str(gene_symbol)
    return ASSAY_NAME_FIXES.get(name, name)


def load_panel_assays(path: str | Path | None = None) -> pd.DataFrame:
    """One row per assay of the four panels, ordered by panel then UniProt.

    Columns: panel_code, panel, panel_version, file_stem, olink_id, uniprot, assay,
    gene_symbol, protein_name. OlinkIDs are synthetic ('OID9' + panel digit + position)
    and stable: the position is the rank of the UniProt key within the panel.
    """
    path = Path(path) if path is not None else default_panel_table()
    if not path.exists():
        raise InputError(path, "panel table not found", fix="pass panel_table=<path>")
    table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, na_values=[""])
    need = {"uniprot", "gene_symbol", "protein_name", "panels"}
    missing = need - set(table.columns)
    if missing:
        raise InputError(
            path,
            f"columns {sorted(missing)} are missing",
            expected="uniprot, gene_symbol, olink_name (optional), protein_name, panels",
        )
    if "olink_name" not in table.columns:
        table["olink_name"] = pd.NA
    table = table.dropna(subset=["uniprot"]).copy()
    table["uniprot"] = table["uniprot"].map(uniprot_key)
    table["panel_code"] = table["panels"].str.split(r"\s*,\s*")
    table = table.explode("panel_code")
    table = table[table["panel_code"].isin(PANELS)].copy()
    table = table.drop_duplicates(["panel_code", "uniprot"])
    order = {code: i for i, code in enumerate(PANELS)}
    table["_order"] = table["panel_code"].map(order)
    table = table.sort_values(["_order", "uniprot"], kind="mergesort").reset_index(drop=True)
    table["position"] = table.groupby("panel_code").cumcount() + 1
    rows = []
    for rec in table.itertuples(index=False):
        stem, panel, version, digit = PANELS[rec.panel_code]
        rows.append(
            {
                "panel_code": rec.panel_code,
                "panel": panel,
                "panel_version": version,
                "file_stem": stem,
                "olink_id": f"OID9{digit}{rec.position:03d}",
                "uniprot": rec.uniprot,
                "assay": _assay_name(rec.olink_name, rec.protein_name, rec.gene_symbol),
                "gene_symbol": rec.gene_symbol,
                "protein_name": rec.protein_name,
            }
        )
    assays = pd.DataFrame(rows)
    short = [c for c in PANELS if (assays["panel_code"] == c).sum() == 0]
    if short:
        raise InputError(path, f"no assays for panel(s) {short}", expected="INF, CVD II, ...")
    return assays


# --------------------------------------------------------------------------------------
# 2. baseline from Gisby et al. serum data


def load_gisby_reference(gisby_dir: str | Path | None = None) -> pd.DataFrame:
    """COVID-negative Gisby samples as a wide table (sample x UniProt key), one per person."""
    gisby_dir = Path(gisby_dir) if gisby_dir is not None else default_gisby_dir()
    npx_path = gisby_dir / "serum_npx_level.csv"
    sheet_path = gisby_dir / "serum_sample_level.csv"
    for p in (npx_path, sheet_path):
        if not p.exists():
            raise InputError(p, "file not found", fix="pass gisby_dir=<folder with both CSVs>")
    npx = pd.read_csv(npx_path, usecols=["SampleID", "Individual_ID", "UniProt", "NPX"])
    sheet = pd.read_csv(sheet_path, usecols=["SampleID", "Individual_ID", "Case_Control"])
    negative = sheet[sheet["Case_Control"].str.upper() == "NEGATIVE"]
    negative = negative.sort_values("SampleID").drop_duplicates("Individual_ID")
    npx = npx[npx["SampleID"].isin(negative["SampleID"])].copy()
    npx["uniprot"] = npx["UniProt"].map(uniprot_key)
    wide = npx.pivot_table(index="SampleID", columns="uniprot", values="NPX", aggfunc="mean")
    return wide.sort_index().sort_index(axis=1)


def estimate_baseline(wide: pd.DataFrame) -> pd.DataFrame:
    """Mean, SD (ddof=1) and number of values per protein."""
    return pd.DataFrame(
        {"mean": wide.mean(), "sd": wide.std(ddof=1), "n": wide.notna().sum()}
    ).rename_axis("uniprot")


def ledoit_wolf_correlation(values: np.ndarray) -> tuple[np.ndarray, float]:
    """Ledoit-Wolf (2004) shrinkage of the correlation matrix towards the identity.

    ``values`` is samples x proteins and may hold NaN. Columns are standardised, missing
    values set to the column mean (0), and re-standardised; then the sample correlation S
    (1/n) is shrunk: R = d I + (1 - d) S with d = min(b2, d2) / d2 (Ledoit & Wolf, J
    Multivar Anal 2004). Returns (R, d); R has unit diagonal and is positive definite.
    """
    x = np.asarray(values, dtype=float)
    n, p = x.shape
    x = (x - np.nanmean(x, axis=0)) / np.nanstd(x, axis=0)
    x = np.where(np.isfinite(x), x, 0.0)
    x = x - x.mean(axis=0)
    x = x / x.std(axis=0)
    s = x.T @ x / n
    d2 = np.sum((s - np.eye(p)) ** 2) / p
    row_norms = np.sum(x**2, axis=1)
    b2 = (np.sum(row_norms**2) - n * np.sum(s**2)) / (n**2 * p)
    shrink = 1.0 if d2 <= 0 else float(min(b2, d2) / d2)
    r = shrink * np.eye(p) + (1.0 - shrink) * s
    np.fill_diagonal(r, 1.0)
    return r, shrink


def assign_baseline(
    proteins: pd.Series, baseline: pd.DataFrame, *, rng: np.random.Generator
) -> pd.DataFrame:
    """Mean and SD for every protein: Gisby where measured there, else drawn.

    Drawn proteins take the (mean, SD) pair of a random Gisby protein whose mean is above
    the noise floor, so that the mean-SD relationship of real serum data is kept.
    """
    proteins = pd.Series(sorted(set(proteins)), name="uniprot")
    usable = baseline[(baseline["n"] >= 3) & baseline["sd"].gt(0)]
    known = proteins.isin(usable.index)
    out = pd.DataFrame({"uniprot": proteins})
    out["baseline_source"] = np.where(known, "gisby", "drawn")
    out["mean"] = proteins.map(usable["mean"]).to_numpy()
    out["sd"] = proteins.map(usable["sd"]).to_numpy()
    pool = usable[usable["mean"] >= DRAWN_MIN_MEAN].sort_index()
    pick = rng.integers(0, len(pool), size=int((~known).sum()))
    out.loc[~known.to_numpy(), "mean"] = pool["mean"].to_numpy()[pick]
    out.loc[~known.to_numpy(), "sd"] = pool["sd"].to_numpy()[pick]
    return out


def latent_protein_values(
    n: int, proteins: pd.DataFrame, wide: pd.DataFrame, *, rng: np.random.Generator
) -> tuple[np.ndarray, float]:
    """Standard-normal latent values (n x proteins), correlated among Gisby proteins."""
    gisby = proteins["baseline_source"].to_numpy() == "gisby"
    keys = proteins.loc[gisby, "uniprot"].tolist()
    corr, shrink = ledoit_wolf_correlation(wide[keys].to_numpy())
    chol = np.linalg.cholesky(corr)
    z = np.empty((n, len(proteins)))
    z[:, gisby] = rng.standard_normal((n, len(keys))) @ chol.T
    z[:, ~gisby] = rng.standard_normal((n, int((~gisby).sum())))
    return z, shrink


# --------------------------------------------------------------------------------------
# 3. subjects


def _largest_remainder(total: int, weights: dict[str, float]) -> dict[str, int]:
    raw = {k: total * w / sum(weights.values()) for k, w in weights.items()}
    out = {k: int(math.floor(v)) for k, v in raw.items()}
    order = sorted(raw, key=lambda k: (-(raw[k] - out[k]), list(raw).index(k)))
    for k in order[: total - sum(out.values())]:
        out[k] += 1
    return out


def simulate_subjects(
    n_per_group: dict[str, int], *, th2_subset_fraction: float, seed: int
) -> pd.DataFrame:
    """One row per study sample: sample_id, group, age, sex, th2_high_subset, plate, well.

    Sex: round(56 % of all) men, spread over groups by largest remainder. Age: integer,
    Beta(1.2, 1.2) on 18-70 (uniform-ish). Plates: each group split in halves, odd ones
    alternating, wells shuffled. IDs S001.. are assigned in random order.
    """
    rng = _rng(seed, "subjects")
    groups = np.concatenate([[g] * n_per_group[g] for g in GROUPS])
    n = len(groups)
    males = _largest_remainder(round(MALE_FRACTION * n), dict(n_per_group))
    sex = np.empty(n, dtype=object)
    for g in GROUPS:
        idx = np.flatnonzero(groups == g)
        s = np.array(["M"] * males[g] + ["F"] * (len(idx) - males[g]), dtype=object)
        sex[idx] = rng.permutation(s)
    lo, hi = AGE_RANGE
    age = np.clip(np.rint(lo + (hi - lo) * rng.beta(1.2, 1.2, size=n)), lo, hi).astype(int)
    th2 = np.zeros(n, dtype=bool)
    mdd = np.flatnonzero(groups == "MDD")
    n_th2 = int(round(th2_subset_fraction * len(mdd)))
    th2[rng.choice(mdd, size=n_th2, replace=False)] = True
    plate = np.zeros(n, dtype=int)
    extra_to = 1
    for g in GROUPS:
        idx = rng.permutation(np.flatnonzero(groups == g))
        half = len(idx) // 2
        plate[idx[:half]] = 1
        plate[idx[half : 2 * half]] = 2
        if len(idx) % 2:
            plate[idx[-1]] = extra_to
            extra_to = 3 - extra_to
    well = np.zeros(n, dtype=int)
    for p in (1, 2):
        idx = np.flatnonzero(plate == p)
        well[idx] = rng.permutation(len(idx)) + 1
    ids = np.array([f"S{i:03d}" for i in rng.permutation(n) + 1])
    return pd.DataFrame(
        {
            "sample_id": ids,
            "group": groups,
            "age": age,
            "sex": sex,
            "th2_high_subset": th2,
            "plate": plate,
            "well": well,
        }
    )


# --------------------------------------------------------------------------------------
# 4. covariates and planted effects


def _protein_index_by_symbol(assays: pd.DataFrame, proteins: pd.DataFrame) -> dict[str, int]:
    symbol = assays.drop_duplicates("uniprot").set_index("uniprot")["gene_symbol"]
    pos = {u: i for i, u in enumerate(proteins["uniprot"])}
    return {symbol[u]: pos[u] for u in symbol.index}


def covariate_effects(
    subjects: pd.DataFrame, assays: pd.DataFrame, proteins: pd.DataFrame
) -> np.ndarray:
    """Subjects x proteins: age slopes (centred at 44 y) and sex effects (+-half)."""
    out = np.zeros((len(subjects), len(proteins)))
    where = _protein_index_by_symbol(assays, proteins)
    age = subjects["age"].to_numpy(float) - AGE_CENTRE
    male = np.where(subjects["sex"].to_numpy() == "M", 0.5, -0.5)
    for gene, slope in AGE_EFFECTS.items():
        if gene in where:
            out[:, where[gene]] += slope * age
    for gene, diff in SEX_EFFECTS.items():
        if gene in where:
            out[:, where[gene]] += diff * male
    return out


def load_effects_table(path=None) -> pd.DataFrame:
    """The literature table of planted effects (``demo_effects.tsv``), checked."""
    source = Path(path) if path is not None else default_effects_table()
    text = source.read_text(encoding="utf-8")
    table = pd.read_csv(io.StringIO(text), sep="\t", dtype=str, keep_default_na=False)
    need = ["group", "gene_symbol", "uniprot", "log2fc", "axis", "citation", "doi_or_pmid"]
    missing = [c for c in need if c not in table.columns]
    if missing:
        raise InputError(str(source), f"columns {missing} are missing", expected=", ".join(need))
    if "note" not in table.columns:
        table["note"] = ""
    bad = ~table["group"].isin(EFFECT_GROUPS)
    if bad.any():
        raise InputError(
            str(source),
            f"unknown group(s) {sorted(set(table.loc[bad, 'group']))}",
            expected=", ".join(EFFECT_GROUPS),
        )
    table["log2fc"] = pd.to_numeric(table["log2fc"], errors="raise")
    empty = (table["citation"].str.strip() == "") | (table["doi_or_pmid"].str.strip() == "")
    if empty.any():
        raise InputError(str(source), "every effect needs a citation and a DOI/PMID")
    table["uniprot"] = table["uniprot"].map(uniprot_key)
    if table.duplicated(["group", "uniprot"]).any():
        raise InputError(str(source), "a protein is listed twice for one group")
    return table


def resolve_effects(effects: pd.DataFrame, assays: pd.DataFrame) -> pd.DataFrame:
    """Mark which literature effects are measured on the four panels and where.

    A measured effect must name the same gene symbol as the panel table for its UniProt.
    """
    on_panel = assays.groupby("uniprot").agg(
        panel_symbol=("gene_symbol", "first"),
        olink_ids=("olink_id", lambda s: ",".join(s)),
        panels=("panel_code", lambda s: ", ".join(s)),
    )
    out = effects.merge(on_panel, left_on="uniprot", right_index=True, how="left")
    out["measured"] = out["olink_ids"].notna()
    clash = out["measured"] & (out["panel_symbol"] != out["gene_symbol"])
    if clash.any():
        first = out[clash].iloc[0]
        raise InputError(
            "demo_effects.tsv",
            f"{first['uniprot']} is {first['panel_symbol']!r} in the panel table but "
            f"{first['gene_symbol']!r} in the effects table",
        )
    return out.drop(columns=["panel_symbol"]).fillna({"olink_ids": "", "panels": ""})


def group_effects(
    subjects: pd.DataFrame, effects: pd.DataFrame, proteins: pd.DataFrame
) -> np.ndarray:
    """Subjects x proteins: planted log2FC per subject (MDD_TH2 only in the subset)."""
    pos = {u: i for i, u in enumerate(proteins["uniprot"])}
    out = np.zeros((len(subjects), len(proteins)))
    group = subjects["group"].to_numpy()
    th2 = subjects["th2_high_subset"].to_numpy(bool)
    for rec in effects[effects["measured"]].itertuples(index=False):
        rows = th2 if rec.group == "MDD_TH2" else group == rec.group
        out[rows, pos[rec.uniprot]] += rec.log2fc
    return out


# --------------------------------------------------------------------------------------
# 5. LOD and calibration


def below_lod_targets(assays: pd.DataFrame, *, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Where each assay's background sits: (target share of HC below LOD, NPX gap).

    Serum cytokines known to sit at the detection limit of Target 96 Inflammation get the
    share of healthy samples below LOD in ``BELOW_LOD_HC`` (gap NaN). Every other assay
    gets its background a gap of 2.5-5 NPX below the healthy mean (share NaN), so that its
    LOD sits well below the bulk, as for most Target 96 assays (0-10 % below LOD).
    """
    rng = _rng(seed, "lod")
    gap = rng.uniform(BACKGROUND_GAP[0], BACKGROUND_GAP[1], size=len(assays))
    share = assays["gene_symbol"].map(BELOW_LOD_HC).to_numpy(float, na_value=np.nan)
    return share, np.where(np.isnan(share), gap, np.nan)


def _gauss_hermite():
    x, w = np.polynomial.hermite_e.hermegauss(GH_NODES)
    return x, w / w.sum()


def expected_measured(mu: np.ndarray, sd: np.ndarray, background: np.ndarray) -> np.ndarray:
    """E[log2(2^t + 2^b)] for t ~ N(mu, sd^2), by Gauss-Hermite quadrature."""
    x, w = _gauss_hermite()
    t = mu[..., None] + sd[..., None] * x
    return np.sum(np.logaddexp2(t, background[..., None]) * w, axis=-1)


def _noise_sd(signal: np.ndarray, background: np.ndarray) -> np.ndarray:
    """Technical SD: 0.08 well above background, 0.2 (= LOD gap / 3) at background."""
    return NOISE_FLOOR_SD + NOISE_BACKGROUND_SD * np.exp2(background - signal)


def expected_below_lod(sd: np.ndarray, background: np.ndarray) -> np.ndarray:
    """P(measured < LOD) for latent t ~ N(0, sd^2), noise included (quadrature)."""
    x, w = _gauss_hermite()
    t = sd[..., None] * x
    b = background[..., None]
    signal = np.logaddexp2(t, b)
    z = (b + LOD_ABOVE_BACKGROUND - signal) / _noise_sd(signal, b)
    return np.sum(ndtr(z) * w, axis=-1)


def calibrate_assays(
    mean: np.ndarray, sd: np.ndarray, below_lod: np.ndarray, gap: np.ndarray
) -> dict[str, np.ndarray]:
    """Latent SD and mean, background and LOD per assay.

    LOD = background b + 0.6 (negative controls + 3 SD). For assays with a target share
    (``below_lod``), b is found by bisection so that the expected share of healthy samples
    measured below LOD (technical noise included) equals the target; otherwise b lies
    ``gap`` NPX below the latent mean. Everything is then shifted so that the expected
    measured healthy mean equals the baseline mean. The latent SD leaves room for the
    technical noise (0.08) within the baseline SD.
    """
    sd_latent = np.sqrt(np.maximum(sd**2 - NOISE_FLOOR_SD**2, (0.5 * sd) ** 2))
    by_share = np.isfinite(below_lod)
    lo = np.full(mean.shape, -12.0)
    hi = np.full(mean.shape, 12.0)
    target = np.where(by_share, below_lod, 0.5)
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        low = expected_below_lod(sd_latent, mid) < target
        lo = np.where(low, mid, lo)
        hi = np.where(low, hi, mid)
    background = np.where(by_share, 0.5 * (lo + hi), -np.nan_to_num(gap))
    shift = mean - expected_measured(np.zeros_like(mean), sd_latent, background)
    return {
        "sd_latent": sd_latent,
        "mu_latent": shift,
        "background": background + shift,
        "lod": background + shift + LOD_ABOVE_BACKGROUND,
        "expected_below_lod": expected_below_lod(sd_latent, background),
    }


# --------------------------------------------------------------------------------------
# 6. measurement


def measure(latent: np.ndarray, background: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """NPX = log2(2^t + 2^b) + noise; the noise SD rises from 0.08 to 0.2 at background."""
    signal = np.logaddexp2(latent, background)
    return signal + _noise_sd(signal, background) * rng.standard_normal(signal.shape)


def plate_offsets(n_assays: int, *, seed: int) -> dict[str, np.ndarray]:
    """Per-assay NPX offset on plate 2 and per-plate LOD jitter."""
    rng = _rng(seed, "plate")
    return {
        "offset": PLATE_OFFSET_SD * rng.standard_normal(n_assays),
        "lod_jitter": LOD_PLATE_JITTER_SD * rng.standard_normal((2, n_assays)),
    }


# --------------------------------------------------------------------------------------
# 7. QC artefacts and controls


def add_qc_artefacts(
    npx: np.ndarray, subjects: pd.DataFrame, assays: pd.DataFrame, *, seed: int
) -> tuple[np.ndarray, pd.DataFrame]:
    """Three samples WARN on one panel each (extra noise), one gross outlier (all panels).

    The outlier's NPX on each panel are compressed towards its own median and shifted:
    x' = m + 0.6 (x - m) + 1.0, which Olink's IQR-vs-median rule flags clearly. Its vendor
    QC flag stays PASS: catching it is the pipeline's job.
    """
    rng = _rng(seed, "qc_artefacts")
    npx = npx.copy()
    chosen = rng.choice(len(subjects), size=4, replace=False)
    warn_panels = rng.choice(list(PANELS), size=3, replace=False)
    qc = pd.DataFrame(
        {"planted_qc_warning": "", "gross_outlier": False, "warn_panel_code": ""},
        index=subjects.index,
    )
    codes = assays["panel_code"].to_numpy()
    for i, code in zip(chosen[:3], warn_panels, strict=True):
        cols = codes == code
        npx[i, cols] += WARN_EXTRA_SD * rng.standard_normal(int(cols.sum()))
        qc.loc[subjects.index[i], "planted_qc_warning"] = PANELS[code][1]
        qc.loc[subjects.index[i], "warn_panel_code"] = code
    out = chosen[3]
    for code in PANELS:
        cols = codes == code
        m = np.median(npx[out, cols])
        npx[out, cols] = m + OUTLIER_COMPRESSION * (npx[out, cols] - m) + OUTLIER_SHIFT
    qc.loc[subjects.index[out], "gross_outlier"] = True
    return npx, qc


def control_samples(
    cal: dict[str, np.ndarray], *, seed: int
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Olink control wells per plate: 2 sample controls, 1 negative control, 3 IPCs.

    Sample controls and IPCs are two pooled sera (fixed across plates, near the population
    mean); the negative control reads background. Returns the wells (plate, sample_id,
    sample_type, pool) and the latent level per assay of each pool.
    """
    rng = _rng(seed, "control_pools")
    n = len(cal["mu_latent"])
    spread = cal["sd_latent"] * CONTROL_POOL_SD
    pools = {
        "CONTROL_SAMPLE": cal["mu_latent"] + spread * rng.standard_normal(n),
        "IPC": cal["mu_latent"] + spread * rng.standard_normal(n),
    }
    wells = []
    for plate in (1, 2):
        for k in (1, 2):
            name = f"CONTROL_SAMPLE_AS {k}_P{plate}"
            wells.append((plate, name, "SAMPLE_CONTROL", "CONTROL_SAMPLE"))
        wells.append((plate, f"Neg_ctrl_1_P{plate}", "NEGATIVE_CONTROL", "NEG"))
        for k in (1, 2, 3):
            wells.append((plate, f"IPC_{k}_P{plate}", "PLATE_CONTROL", "IPC"))
    return pd.DataFrame(wells, columns=["plate", "sample_id", "sample_type", "pool"]), pools


# --------------------------------------------------------------------------------------
# 8. assembling and writing


def _fmt(values: np.ndarray) -> np.ndarray:
    """Five decimals, no negative zero."""
    rounded = np.round(np.asarray(values, dtype=float), 5) + 0.0
    return np.array([f"{v:.5f}" for v in rounded], dtype=object)


def to_olink_long(
    wells: pd.DataFrame,
    npx: np.ndarray,
    assays: pd.DataFrame,
    lod: np.ndarray,
    missing_freq: np.ndarray,
) -> pd.DataFrame:
    """Olink long format (one row per well x assay), in well order then assay order."""
    n_w, n_a = npx.shape
    w_idx = np.repeat(np.arange(n_w), n_a)
    a_idx = np.tile(np.arange(n_a), n_w)
    plate = wells["plate"].to_numpy()[w_idx]
    stem = assays["file_stem"].to_numpy()[a_idx]
    return pd.DataFrame(
        {
            "SampleID": wells["sample_id"].to_numpy()[w_idx],
            "SampleType": wells["sample_type"].to_numpy()[w_idx],
            "OlinkID": assays["olink_id"].to_numpy()[a_idx],
            "UniProt": assays["uniprot"].to_numpy()[a_idx],
            "Assay": assays["assay"].to_numpy()[a_idx],
            "MissingFreq": np.round(missing_freq[a_idx], 5),
            "Panel": assays["panel"].to_numpy()[a_idx],
            "Panel_Version": assays["panel_version"].to_numpy()[a_idx],
            "PlateID": [f"DEMO_{s}_PLATE_{p}" for s, p in zip(stem, plate, strict=True)],
            "QC_Warning": wells["qc_warning"].to_numpy()[w_idx],
            "LOD": np.round(lod[plate - 1, a_idx], 5),
            "NPX": np.round(npx.ravel(), 5),
            "Normalization": "Intensity",
            "Assay_Warning": "PASS",
        }
    )


def simulate_demo(
    *,
    seed: int = DEFAULT_SEED,
    n_per_group: dict[str, int] | None = None,
    th2_subset_fraction: float = 0.5,
    gisby_dir: str | Path | None = None,
    panel_table: str | Path | None = None,
    effects_table: str | Path | None = None,
) -> DemoCohort:
    """Simulate the SYNTHETIC demo cohort (see the module docstring for the model)."""
    n_per_group = dict(DEFAULT_N_PER_GROUP if n_per_group is None else n_per_group)
    if set(n_per_group) != set(GROUPS) or min(n_per_group.values()) < 2:
        raise InputError(
            "n_per_group", f"got {n_per_group}", expected="HC, AD, PSO and MDD, each >= 2"
        )
    if not 0.0 <= th2_subset_fraction <= 1.0:
        raise InputError("th2_subset_fraction", f"got {th2_subset_fraction}", expected="0-1")

    # 1-2: assays and baseline
    assays = load_panel_assays(panel_table)
    wide = load_gisby_reference(gisby_dir)
    baseline = estimate_baseline(wide)
    proteins = assign_baseline(assays["uniprot"], baseline, rng=_rng(seed, "drawn_baseline"))
    p_of = {u: i for i, u in enumerate(proteins["uniprot"])}
    a2p = assays["uniprot"].map(p_of).to_numpy()
    mean_a = proteins["mean"].to_numpy()[a2p]
    sd_a = proteins["sd"].to_numpy()[a2p]

    # 3: subjects
    subjects = simulate_subjects(n_per_group, th2_subset_fraction=th2_subset_fraction, seed=seed)
    n = len(subjects)

    # 4: latent protein values, covariates, planted effects
    z, shrink = latent_protein_values(n, proteins, wide, rng=_rng(seed, "latent"))
    effects = resolve_effects(load_effects_table(effects_table), assays)
    shift_p = covariate_effects(subjects, assays, proteins) + group_effects(
        subjects, effects, proteins
    )

    # 5: LOD and calibration (per assay; duplicate assays share the protein's latent value)
    share, gap = below_lod_targets(assays, seed=seed)
    cal = calibrate_assays(mean_a, sd_a, share, gap)
    latent = cal["mu_latent"] + cal["sd_latent"] * z[:, a2p] + shift_p[:, a2p]

    # 6-7: measurement, plate effect, artefacts, controls
    npx = measure(latent, cal["background"], _rng(seed, "noise"))
    plates = plate_offsets(len(assays), seed=seed)
    on_p2 = subjects["plate"].to_numpy() == 2
    npx[on_p2] += plates["offset"]
    npx, qc = add_qc_artefacts(npx, subjects, assays, seed=seed)
    lod = cal["lod"] + plates["lod_jitter"]
    lod[1] += plates["offset"]

    controls, pools = control_samples(cal, seed=seed)
    ctrl_rng = _rng(seed, "control_noise")
    ctrl = np.empty((len(controls), len(assays)))
    for i, rec in enumerate(controls.itertuples(index=False)):
        if rec.pool == "NEG":
            noise = (NOISE_FLOOR_SD + NOISE_BACKGROUND_SD) * ctrl_rng.standard_normal(len(assays))
            ctrl[i] = cal["background"] + noise
        else:
            ctrl[i] = measure(pools[rec.pool], cal["background"], ctrl_rng)
        if rec.plate == 2:
            ctrl[i] += plates["offset"]

    # below-LOD frequency over study samples, with each plate's own LOD
    plate_idx = subjects["plate"].to_numpy() - 1
    below = npx < lod[plate_idx]
    missing_freq = below.mean(axis=0)

    # wells in plate order: study samples by well, then that plate's control wells
    wells = pd.concat(
        [
            subjects.assign(sample_type="SAMPLE", _kind=0, _row=np.arange(n)),
            controls.assign(well=0, _kind=1, _row=np.arange(n, n + len(controls))),
        ],
        ignore_index=True,
    )[["plate", "well", "sample_id", "sample_type", "_kind", "_row"]]
    wells = wells.sort_values(["plate", "_kind", "well", "_row"], kind="mergesort")
    wells = wells.reset_index(drop=True)
    values = np.vstack([npx, ctrl])[wells["_row"].to_numpy()]
    warn_of = dict(zip(subjects["sample_id"], qc["warn_panel_code"], strict=True))
    frames = []
    for code in PANELS:
        cols = (assays["panel_code"] == code).to_numpy()
        panel_wells = wells.assign(
            qc_warning=np.where(wells["sample_id"].map(warn_of) == code, "WARN", "PASS")
        )
        frames.append(
            to_olink_long(
                panel_wells,
                values[:, cols],
                assays[cols].reset_index(drop=True),
                lod[:, cols],
                missing_freq[cols],
            )
        )
    npx_long = pd.concat(frames, ignore_index=True)

    # tables
    samples = (
        subjects[["sample_id", "group", "age", "sex"]]
        .sort_values("sample_id")
        .reset_index(drop=True)
    )
    truth_samples = (
        subjects[["sample_id", "group", "th2_high_subset", "plate"]]
        .join(qc[["planted_qc_warning", "gross_outlier"]])
        .sort_values("sample_id")
        .reset_index(drop=True)
    )
    hc = (subjects["group"] == "HC").to_numpy()
    id_cols = ["olink_id", "uniprot", "assay", "gene_symbol", "panel_code", "panel"]
    truth_assays = assays[id_cols].copy()
    truth_assays["baseline_source"] = proteins["baseline_source"].to_numpy()[a2p]
    truth_assays["baseline_mean"] = mean_a
    truth_assays["baseline_sd"] = sd_a
    truth_assays["latent_mean"] = cal["mu_latent"]
    truth_assays["latent_sd"] = cal["sd_latent"]
    truth_assays["background"] = cal["background"]
    truth_assays["lod_plate1"] = lod[0]
    truth_assays["lod_plate2"] = lod[1]
    truth_assays["plate2_offset"] = plates["offset"]
    truth_assays["expected_below_lod_hc"] = cal["expected_below_lod"]
    truth_assays["below_lod_hc"] = below[hc].mean(axis=0)
    truth_assays["missing_freq"] = missing_freq

    phi = float(subjects.loc[subjects["group"] == "MDD", "th2_high_subset"].mean())
    truth_effects = build_truth_effects(effects, assays, cal, phi)
    params = {
        "seed": seed,
        "n_per_group": n_per_group,
        "th2_subset_fraction": th2_subset_fraction,
        "n_th2_high": int(subjects["th2_high_subset"].sum()),
        "ledoit_wolf_shrinkage": shrink,
        "n_gisby_reference_samples": int(wide.shape[0]),
        "n_assays": len(assays),
        "n_proteins": len(proteins),
        "n_gisby_proteins": int((proteins["baseline_source"] == "gisby").sum()),
    }
    return DemoCohort(
        npx_long=npx_long,
        samples=samples,
        truth_samples=truth_samples,
        truth_effects=truth_effects,
        truth_assays=truth_assays,
        planted_effects=effects,
        params=params,
    )


def build_truth_effects(
    effects: pd.DataFrame, assays: pd.DataFrame, cal: dict[str, np.ndarray], phi: float
) -> pd.DataFrame:
    """Per assay x contrast (AD, PSO, MDD, MDD_TH2; each vs HC) the log2FC applied.

    MDD is the population average: MDD core effects + phi x the subset's effects
    (phi = share of MDD in the subset); MDD_TH2 is the subset itself: core + AD-like. The
    expected measured difference (``log2fc_expected_measured``) accounts for the
    background floor, which attenuates effects on assays that are mostly below LOD.
    """
    measured = effects[effects["measured"]]
    per = {g: measured[measured["group"] == g].set_index("uniprot") for g in EFFECT_GROUPS}
    rows = []
    for j, a in enumerate(assays.itertuples(index=False)):
        u = a.uniprot
        size = {g: float(per[g]["log2fc"].get(u, 0.0)) for g in EFFECT_GROUPS}
        mdd_rows = [g for g in ("MDD", "MDD_TH2") if u in per[g].index]
        contrasts = {
            "AD": ([(1.0, size["AD"])], ["AD"]),
            "PSO": ([(1.0, size["PSO"])], ["PSO"]),
            "MDD": ([(1.0 - phi, size["MDD"]), (phi, size["MDD"] + size["MDD_TH2"])], mdd_rows),
            "MDD_TH2": ([(1.0, size["MDD"] + size["MDD_TH2"])], mdd_rows),
        }
        mu = cal["mu_latent"][j : j + 1]
        sd = cal["sd_latent"][j : j + 1]
        bg = cal["background"][j : j + 1]
        base = expected_measured(mu, sd, bg)[0]
        for contrast, (parts, sources) in contrasts.items():
            applied = sum(w * v for w, v in parts)
            if applied == 0.0:
                continue
            expect = sum(w * expected_measured(mu + v, sd, bg)[0] for w, v in parts) - base
            rec = per[sources[0]].loc[u]
            rows.append(
                {
                    "olink_id": a.olink_id,
                    "uniprot": u,
                    "assay": a.assay,
                    "gene_symbol": a.gene_symbol,
                    "panel": a.panel,
                    "contrast": contrast,
                    "log2fc_applied": applied,
                    "log2fc_expected_measured": expect,
                    "effect_rows": "+".join(sources),
                    "axis": rec["axis"],
                    "citation": "; ".join(
                        dict.fromkeys(per[g].loc[u, "citation"] for g in sources)
                    ),
                    "doi_or_pmid": "; ".join(
                        dict.fromkeys(per[g].loc[u, "doi_or_pmid"] for g in sources)
                    ),
                }
            )
    order = {c: i for i, c in enumerate(EFFECT_GROUPS)}
    out = pd.DataFrame(rows)
    out["_c"] = out["contrast"].map(order)
    out = out.sort_values(["_c", "gene_symbol", "olink_id"], kind="mergesort")
    return out.drop(columns="_c").reset_index(drop=True)


def observed_effects(cohort: DemoCohort) -> pd.DataFrame:
    """Mean NPX difference (contrast group - HC) in the simulated data, per planted effect.

    Uses study samples only, NPX as written (below-LOD values kept). MDD_TH2 compares the
    Th2-high subset with HC; ``MDD_other`` (the rest of MDD) is added for reference.
    """
    long = cohort.npx_long[cohort.npx_long["SampleType"] == "SAMPLE"]
    wide = long.pivot(index="SampleID", columns="OlinkID", values="NPX")
    truth = cohort.truth_samples.set_index("sample_id").loc[wide.index]
    sets = {
        "HC": truth["group"] == "HC",
        "AD": truth["group"] == "AD",
        "PSO": truth["group"] == "PSO",
        "MDD": truth["group"] == "MDD",
        "MDD_TH2": truth["th2_high_subset"],
        "MDD_other": (truth["group"] == "MDD") & ~truth["th2_high_subset"],
    }
    means = {k: wide[v.to_numpy()].mean() for k, v in sets.items()}
    sds = {k: wide[v.to_numpy()].std(ddof=1) for k, v in sets.items()}
    sizes = {k: int(v.sum()) for k, v in sets.items()}
    out = cohort.truth_effects.copy()
    obs, se, other = [], [], []
    for rec in out.itertuples(index=False):
        c, o = rec.contrast, rec.olink_id
        obs.append(means[c][o] - means["HC"][o])
        se.append(math.sqrt(sds[c][o] ** 2 / sizes[c] + sds["HC"][o] ** 2 / sizes["HC"]))
        other.append(means["MDD_other"][o] - means["HC"][o] if c == "MDD_TH2" else np.nan)
    out["log2fc_observed"] = obs
    out["se_observed"] = se
    out["mdd_other_minus_hc"] = other
    return out


def _tsv(frame: pd.DataFrame, path: Path, float_columns: list[str]) -> None:
    out = frame.copy()
    for col in float_columns:
        out[col] = np.where(out[col].isna(), "NA", _fmt(out[col].fillna(0.0)))
    out.to_csv(path, sep="\t", index=False, lineterminator="\n", na_rep="NA")


def write_demo(out_dir: str | Path, *, seed: int = DEFAULT_SEED, **kwargs) -> list[Path]:
    """Simulate and write every demo file; returns the paths written, sorted.

    Byte-for-byte deterministic for a given seed and inputs. ``kwargs`` go to
    ``simulate_demo``.
    """
    out_dir = Path(out_dir)
    (out_dir / "npx").mkdir(parents=True, exist_ok=True)
    cohort = simulate_demo(seed=seed, **kwargs)
    written: list[Path] = []

    long = cohort.npx_long.copy()
    for col in ("MissingFreq", "LOD", "NPX"):
        long[col] = _fmt(long[col].to_numpy())
    for stem, panel, _, _ in PANELS.values():
        path = out_dir / "npx" / f"demo_{stem}.csv"
        part = long[long["Panel"] == panel][list(NPX_COLUMNS)]
        part.to_csv(path, sep=";", index=False, lineterminator="\n")
        written.append(path)

    path = out_dir / "samples.tsv"
    _tsv(cohort.samples, path, [])
    written.append(path)

    path = out_dir / "truth_samples.tsv"
    _tsv(cohort.truth_samples, path, [])
    written.append(path)

    path = out_dir / "truth_assays.tsv"
    floats = [
        "baseline_mean",
        "baseline_sd",
        "latent_mean",
        "latent_sd",
        "background",
        "lod_plate1",
        "lod_plate2",
        "plate2_offset",
        "expected_below_lod_hc",
        "below_lod_hc",
        "missing_freq",
    ]
    _tsv(cohort.truth_assays, path, floats)
    written.append(path)

    path = out_dir / "truth_effects.tsv"
    _tsv(cohort.truth_effects, path, ["log2fc_applied", "log2fc_expected_measured"])
    written.append(path)

    path = out_dir / "planted_effects.tsv"
    planted = cohort.planted_effects[
        [
            "group",
            "gene_symbol",
            "uniprot",
            "log2fc",
            "axis",
            "measured",
            "panels",
            "olink_ids",
            "citation",
            "doi_or_pmid",
            "note",
        ]
    ]
    _tsv(planted, path, ["log2fc"])
    written.append(path)

    path = out_dir / "README.md"
    path.write_text(render_readme(cohort, observed_effects(cohort)), encoding="utf-8")
    written.append(path)

    # the paired pre/post data of the reversal stage's empirical path (its own seed)
    from proteosig.simulate.prepost import write_prepost

    written += write_prepost(out_dir / "dupilumab_prepost")
    return sorted(written)


def iqr_median_flags(npx_long: pd.DataFrame, n_sd: float = 3.0) -> pd.DataFrame:
    """Samples the QC stage's IQR/median rule flags in the demo (study samples only).

    Returns sample_id, panel, iqr_outlier, median_outlier for flagged rows only.
    """
    from proteosig.qc.samples import iqr_median_outliers

    study = npx_long[npx_long["SampleType"] == "SAMPLE"]
    wide = study.pivot_table(index="SampleID", columns="OlinkID", values="NPX", aggfunc="first")
    panel_of = study.drop_duplicates("OlinkID").set_index("OlinkID")["Panel"]
    table = iqr_median_outliers(wide, panel_of.reindex(wide.columns), iqr_sd=n_sd, median_sd=n_sd)
    hit = table["iqr_outlier"] | table["median_outlier"]
    columns = ["sample_id", "panel", "iqr_outlier", "median_outlier"]
    return table.loc[hit, columns].reset_index(drop=True)


# --------------------------------------------------------------------------------------
# README


def _md_table(frame: pd.DataFrame) -> str:
    head = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def render_readme(cohort: DemoCohort, observed: pd.DataFrame) -> str:
    """The README of resources/demo, filled with this run's numbers."""
    p = cohort.params
    ta = cohort.truth_assays
    ts = cohort.truth_samples
    samples = cohort.samples
    pe = cohort.planted_effects
    n_total = len(samples)
    n_male = int((samples["sex"] == "M").sum())
    per_panel = ta.groupby("panel_code", sort=False).size()
    gisby_per_panel = ta[ta["baseline_source"] == "gisby"].groupby("panel_code", sort=False).size()
    panel_lines = "\n".join(
        f"| {PANELS[c][1]} | `npx/demo_{PANELS[c][0]}.csv` | {per_panel.get(c, 0)} | "
        f"{gisby_per_panel.get(c, 0)} |"
        for c in PANELS
    )
    groups = ", ".join(f"{g} {p['n_per_group'][g]}" for g in GROUPS)
    flags = iqr_median_flags(cohort.npx_long)
    planted_out = set(ts.loc[ts["gross_outlier"], "sample_id"])
    chance = flags[~flags["sample_id"].isin(planted_out)]
    chance_text = "; ".join(
        f"{r.sample_id} on {r.panel.replace('Olink Target 96 ', '')} ("
        + " and ".join(k for k, f in (("IQR", r.iqr_outlier), ("median", r.median_outlier)) if f)
        + ")"
        for r in chance.itertuples(index=False)
    )
    warn = ts[ts["planted_qc_warning"] != ""]
    warn_text = "; ".join(f"{r.sample_id} ({r.planted_qc_warning})" for r in warn.itertuples())
    outlier = ", ".join(ts.loc[ts["gross_outlier"], "sample_id"])
    mostly_below = ta[ta["below_lod_hc"] > 0.5].sort_values("below_lod_hc", ascending=False)
    below_text = ", ".join(
        f"{r.assay} {r.panel_code} ({r.below_lod_hc:.0%})"
        for r in mostly_below.itertuples(index=False)
    )
    n_mostly = int((ta["below_lod_hc"] <= 0.10).sum())

    measured = pe[pe["measured"]]
    gene_lines = "\n".join(
        f"| {g} | {len(measured[measured['group'] == g])} | "
        + ", ".join(measured.loc[measured["group"] == g, "gene_symbol"])
        + " |"
        for g in EFFECT_GROUPS
    )
    unmeasured = pe[~pe["measured"]]
    unmeasured_text = "; ".join(
        f"{r.gene_symbol} ({r.group}, {r.citation})" for r in unmeasured.itertuples(index=False)
    )
    cites = pe[["citation", "doi_or_pmid"]].drop_duplicates().sort_values("citation")
    cite_lines = "\n".join(f"- {r.citation}: {r.doi_or_pmid}" for r in cites.itertuples())

    obs = observed.copy()
    obs = obs.drop_duplicates(["contrast", "gene_symbol"], keep="first")
    table = pd.DataFrame(
        {
            "contrast": obs["contrast"],
            "gene": obs["gene_symbol"],
            "assay (panel)": obs["assay"]
            + " ("
            + obs["panel"].str.replace("Olink Target 96 ", "")
            + ")",
            "applied": obs["log2fc_applied"].map("{:.2f}".format),
            "expected measured": obs["log2fc_expected_measured"].map("{:.2f}".format),
            "observed": obs["log2fc_observed"].map("{:.2f}".format),
            "SE": obs["se_observed"].map("{:.2f}".format),
        }
    )
    return README_TEMPLATE.format(
        seed=p["seed"],
        groups=groups,
        n_total=n_total,
        n_male=n_male,
        pct_male=100 * n_male / n_total,
        age_min=int(samples["age"].min()),
        age_max=int(samples["age"].max()),
        n_th2=p["n_th2_high"],
        n_mdd=p["n_per_group"]["MDD"],
        n_assays=p["n_assays"],
        n_proteins=p["n_proteins"],
        n_gisby=p["n_gisby_proteins"],
        n_drawn=p["n_proteins"] - p["n_gisby_proteins"],
        n_ref=p["n_gisby_reference_samples"],
        shrink=p["ledoit_wolf_shrinkage"],
        panel_lines=panel_lines,
        warn_text=warn_text,
        outlier=outlier,
        chance_text=chance_text or "none",
        below_text=below_text,
        n_mostly=n_mostly,
        n_assays_total=len(ta),
        gene_lines=gene_lines,
        unmeasured_text=unmeasured_text or "none",
        cite_lines=cite_lines,
        observed_table=_md_table(table),
        age_effects=", ".join(f"{g} {v:+.3f} NPX/year" for g, v in AGE_EFFECTS.items()),
        sex_effects=", ".join(f"{g} {v:+.1f}" for g, v in SEX_EFFECTS.items()),
        plate_sd=PLATE_OFFSET_SD,
    )


README_TEMPLATE = """\
# resources/demo: SYNTHETIC Olink demo cohort

**Every value in this folder is SYNTHETIC.** These are not patient data. The files are
simulated to look like the serum Olink study of He H et al., *Mol Psychiatry* 2026
(doi:10.1038/s41380-025-03383-5), whose individual data are not public. They are the
input to the pipeline's default run (`config/config.yaml`) and a test bed with known
answers: every planted effect and artefact is written down in the `truth_*` files.

Generated with seed {seed} by

```
proteosig simulate-demo --out resources/demo --seed {seed}
```

or, from Python, `from proteosig.simulate import write_demo; write_demo("resources/demo",
seed={seed})`. The code is `src/proteosig/simulate/demo.py`; the literature table of
planted effects is `src/proteosig/simulate/demo_effects.tsv`. The inputs are
`resources/gisby_serum/` and `resources/panels/olink_target96.tsv`. Re-running the command
rewrites these files byte for byte (`tests/simulate/test_demo.py` checks this), so do not
edit them by hand: change the code or the effects table and regenerate.

## The cohort

- {n_total} study samples: {groups}. Adults {age_min}-{age_max} years (integer ages,
  roughly uniform on 18-70), {n_male} men ({pct_male:.1f} %).
- {n_th2} of {n_mdd} MDD samples form an AD-like, Th2-high subset that carries every AD
  effect at the AD size (label `MDD_TH2`); the other MDD samples do not. All MDD samples
  carry the MDD core effects, including a modest IL-13 rise.
- Sample IDs `S001`...`S{n_total:03d}` are assigned in random order and do not reveal
  the group.
- Two plates, each group split evenly between them and the wells shuffled. Each plate
  also holds Olink-style control wells: `CONTROL_SAMPLE_AS 1_P<plate>` and
  `CONTROL_SAMPLE_AS 2_P<plate>` (SampleType `SAMPLE_CONTROL`, a pooled serum),
  `Neg_ctrl_1_P<plate>` (`NEGATIVE_CONTROL`, reads background) and `IPC_1..3_P<plate>`
  (`PLATE_CONTROL`, a second pooled serum).

## Files

- `npx/demo_INF.csv`, `npx/demo_CVD_II.csv`, `npx/demo_CVD_III.csv`, `npx/demo_NEU.csv`:
  Olink long format, one row per well x assay, semicolon-separated as Olink software
  writes it. Columns `SampleID;SampleType;OlinkID;UniProt;Assay;MissingFreq;Panel;`
  `Panel_Version;PlateID;QC_Warning;LOD;NPX;Normalization;Assay_Warning`. NPX, LOD and
  MissingFreq have 5 decimals. Control wells included.
- `samples.tsv`: sample sheet of the study samples: `sample_id`, `group` (HC/AD/PSO/MDD),
  `age`, `sex` (M/F).
- `truth_samples.tsv`: `sample_id, group, th2_high_subset, plate`, `planted_qc_warning`
  (the Olink panel name where a QC warning was planted, else empty), `gross_outlier`.
- `truth_assays.tsv`: per assay `olink_id, uniprot, assay, gene_symbol, panel_code,
  panel`; `baseline_source` (`gisby` or `drawn`); `baseline_mean, baseline_sd` (target
  healthy NPX mean and SD); `latent_mean, latent_sd, background` (model parameters, see
  below); `lod_plate1, lod_plate2, plate2_offset`; `expected_below_lod_hc` (model
  expectation) and `below_lod_hc` (realised share of HC below LOD); `missing_freq` (as
  written in the NPX files).
- `truth_effects.tsv`: per assay x contrast (AD, PSO, MDD, MDD_TH2; each vs HC):
  `log2fc_applied` (added to the latent log2 level), `log2fc_expected_measured` (the
  expected NPX difference after the background floor; smaller for assays mostly below
  LOD), `effect_rows` (which rows of the effects table apply), axis and citation. `MDD`
  is the population average: the MDD effects plus {n_th2}/{n_mdd} x the Th2-subset
  effects; `MDD_TH2` is the subset vs HC.
- `planted_effects.tsv`: the literature table `demo_effects.tsv` as used: group, gene,
  UniProt, log2FC, immune axis, whether the protein is on the four panels (`measured`),
  its panels and OlinkIDs, citation, DOI/PMID and a note on what the source reports.
- `README.md`: this file.

### Panels

| panel | file | assays | baseline from Gisby |
|---|---|---|---|
{panel_lines}

{n_assays} assays of {n_proteins} distinct UniProt entries. A protein that Olink measures
on two of these panels (e.g. IL6 on INF and CVD II) appears once per panel, as in real
data, with its own OlinkID and LOD; both assays read the same latent protein level plus
their own technical noise. **The OlinkIDs (`OID9` + panel digit + position) are
synthetic** and do not match Olink's. `Panel_Version` strings for INF (v.3022) and CVD II
(v.5006) follow real NPX Manager exports; those for CVD III and NEU are illustrative.
NT-proBNP is missing from CVD III (91 assays) because the shipped panel table has no
UniProt entry for it.

## How the data were generated

1. **Baseline (real data).** For each protein, the mean and SD of NPX in the
   COVID-negative serum samples of Gisby et al. (*eLife* 2021;10:e64827, CC BY 4.0;
   {n_ref} samples, one per person, from `resources/gisby_serum/`), matched on UniProt.
   {n_gisby} proteins are Gisby-derived; for the other {n_drawn} (nearly all of NEU) a
   (mean, SD) pair is drawn from a random Gisby protein with mean NPX >= 1.5 (column
   `baseline_source`). Caveat: Gisby's COVID-negative participants are end-stage kidney
   disease patients on haemodialysis, not healthy adults, so proteins cleared by the
   kidney (e.g. FGF-23, TNF receptors, cystatins) sit higher than in healthy serum.
2. **Correlation.** The protein-protein correlation of the Gisby-derived proteins is
   estimated from the same {n_ref} samples with Ledoit-Wolf shrinkage towards the
   identity (Ledoit & Wolf, *J Multivar Anal* 2004; shrinkage intensity
   {shrink:.3f} here; missing values set to the protein mean first). Latent values are
   drawn from a multivariate normal with that correlation; drawn proteins are
   independent of all others.
3. **Covariates.** Modest effects on the latent level. Age (centred at 44 y):
   {age_effects}. Sex (NPX, male minus female): {sex_effects}.
4. **Disease effects.** The rows of `planted_effects.tsv` with `measured = True` add
   their log2FC to the latent level of every sample of the group (`MDD_TH2` rows only to
   the Th2-high subset). NPX is a log2 scale, so log2FC is an NPX difference.
5. **Measurement, LOD.** NPX = log2(2^signal + 2^background) + noise. The noise SD rises
   from 0.08 well above background to 0.2 at background, and LOD = background + 0.6,
   i.e. background + 3 SD as Olink defines it from the negative controls. For most
   assays the background lies 2.5-5 NPX (uniform) below the healthy mean, so the LOD
   sits well below the bulk: {n_mostly} of {n_assays_total} assays have at most 10 % of
   HC below LOD. Serum cytokines known to sit at the detection limit of Target 96
   Inflammation instead get a target share of healthy samples below LOD (background
   found by bisection, noise included). The targets follow the missing-data frequencies
   of a real NPX Manager INF export (CiiM post-COVID cohort, MIT), except IL-17A and
   IFN-gamma, set to 80 % by design although that export detects both in most samples.
   NPX below LOD are kept as measured (Olink's default); `MissingFreq` is the share of
   study samples below their plate's LOD. Values are then shifted per assay so that the
   expected healthy mean equals the baseline mean. Realised shares of HC below LOD above
   50 %:

   {below_text}.
6. **Plate effect.** Every assay gets an offset on plate 2 (normal, SD {plate_sd} NPX;
   `plate2_offset`), which also moves that plate's LOD; each plate's LOD has a small
   extra jitter (SD 0.05). This is a residual batch effect, as when two plates are
   normalised separately; the `Normalization` column still says `Intensity`.
7. **QC artefacts.** Three samples carry `QC_Warning = WARN` on one panel each, with extra
   noise (SD 0.5 NPX) on that panel: {warn_text}.
   One sample is a gross outlier on all four panels (its NPX compressed towards its own
   median by 0.6 and shifted by +1.5, which Olink's IQR-vs-median rule flags clearly)
   while its vendor flag stays `PASS`: {outlier}. The same rule (3 SD) also flags, by
   chance and not planted, in this run: {chance_text}.

## Planted effects

| group | n genes | genes |
|---|---|---|
{gene_lines}

Sizes are log2FC 0.3-1.2 (mostly 0.4-1.0). With about 25-30 samples against 32 controls
and SDs of 0.3-1.7 NPX the power is real but not trivial; effects on assays that are
mostly below LOD (IL-13, IL-4, IL-17A, IFN-gamma) are attenuated in the measured data.

In the effects table but not measured on these four panels (left out):
{unmeasured_text}. Also not on the panels: IL-1 beta (no LOD pattern simulated).
IL-4 receptor alpha is on CVD II (`IL-4RA`) but carries no planted effect because no
serum or plasma report of it was found among the sources checked.

Each row's `note` says what the cited abstract reports. Three points to know: the
Brunner 2017 abstract reports PI3, E-selectin and MMP12 as correlating with severity or
skin rather than as an AD-vs-control difference; Wang 2022 (plasma, psoriasis) compares
treated with untreated patients, not with controls; the Glickman 2025 abstract attributes
IL-6 and CXCL10 to "HS and/or psoriasis", and its DOI was not verified. The shape of the
MDD AD-like subset (half of MDD, carrying the AD effects at the AD sizes) is a simulation
assumption.

Sources:

{cite_lines}

### Observed vs planted (this run)

Mean NPX difference, group minus HC, over all study samples (QC artefacts included).
One row per gene and contrast (for proteins on two panels, the first assay).

{observed_table}

## Citations and licences

- Gisby J et al. Longitudinal proteomic profiling of dialysis patients with COVID-19
  reveals markers of severity and predictors of death. *eLife* 2021;10:e64827,
  doi:10.7554/eLife.64827 (data CC BY 4.0): baseline means, SDs and correlation.
- Olink Target 96 panel content: `resources/panels/olink_target96.tsv` (from pQTLdata,
  MIT; Olink's public assay lists).
- He H et al. *Mol Psychiatry* 2026, doi:10.1038/s41380-025-03383-5: study design that
  the cohort imitates.
- Ledoit O, Wolf M. A well-conditioned estimator for large-dimensional covariance
  matrices. *J Multivar Anal* 2004;88:365-411.
"""
