"""Bridge normalisation: put a new Olink run on the scale of a reference run.

When two runs (projects, batches) are combined, Olink's advice is to re-measure some
samples of the first run in the second ("bridge samples") and, per assay, add to every
NPX value of the new run the **median over the bridge samples of the paired difference**
``NPX_reference - NPX_new`` (OlinkAnalyze ``olink_normalization``, bridge mode). The
reference run is not changed. LOD values of the new run move with its NPX values, so
"below LOD" keeps its meaning. Olink recommends 8-16 bridge samples for Target 96 and
Explore 384 (16-24 for Explore 384 II panels) and keeping the reference run's copy of each
bridge sample for the analysis.

Bridge samples are the samples with the same ID in both runs (or an explicit list, or a
``{reference ID: new ID}`` mapping when a sample was renamed). Olink control samples
(``sample_type``) are never picked automatically, and a value with a vendor QC warning in
either run does not enter the median (QC warnings are per sample and panel, so this is
decided per row).

``method="medians"`` instead subtracts the medians of the two runs' bridge samples
(``median(ref) - median(new)``): Olink's *subset* normalisation formula, and what some
hand-made spreadsheets do. With an odd number of bridge samples and ranks that change
between runs it can differ from the paired median by tenths of an NPX (see
``benchmarks/bridge_vs_authors.py``).

The verbs, each on long tables (``sample_id``, an assay column, ``npx``; optional ``lod``,
``qc_warning``, ``sample_type``):

* ``bridge_adjustments``: one row per assay of the new run: adjustment, pairs used, status;
* ``apply_bridge``: shift the new run by those adjustments;
* ``combine_bridged``: stack the runs, keeping one copy of each bridge sample;
* ``bridge_diagnostics``: per assay, per bridge sample and overall agreement of the bridge
  samples before and after, including a leave-one-out error that is not fitted on itself;
* ``bridge_normalise``: all of the above in order, with ``BridgeSettings``.

Everything is computed on bridge-samples x assays matrices: no loop over assays.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from proteosig.errors import InputError, rows_preview
from proteosig.ingest import CONTROL_SAMPLE_TYPES
from proteosig.io.categorical import union_concat

__all__ = [
    "BridgeDiagnostics",
    "BridgeResult",
    "BridgeSettings",
    "apply_bridge",
    "bridge_adjustments",
    "bridge_diagnostics",
    "bridge_normalise",
    "bridge_pairs",
    "combine_bridged",
]

METHODS = ("paired", "medians")
UNBRIDGED = ("drop", "keep", "error")
KEEP_COPY = ("reference", "new")
#: Olink's recommended minimum for Target 96 / Explore 384 (8-16 bridge samples).
OLINK_RECOMMENDED_BRIDGE = 8
#: qc_warning text that means "not passed" (NPX Manager, Olink long exports).
_WARNING_WORDS = ("WARN", "WARNING", "FAIL", "TRUE")
#: sample types never used as bridge samples unless listed explicitly.
_CONTROL_TYPES = frozenset(CONTROL_SAMPLE_TYPES - {"BRIDGE"})

STATUS_BRIDGED = "bridged"
STATUS_FEW = "too_few_pairs"
STATUS_NOT_IN_REFERENCE = "not_in_reference"

Labels = tuple[str, str]
BridgeSamples = Sequence[str] | Mapping[str, str] | None


@dataclass(frozen=True)
class BridgeSettings:
    """Bridge options; a config ``bridge:`` section maps one-to-one onto these fields."""

    method: str = "paired"  # paired (Olink bridge) | medians (difference of medians)
    min_bridge: int = 3  # fewer usable bridge samples (or pairs for an assay): error / unbridged
    recommended_bridge: int = OLINK_RECOMMENDED_BRIDGE  # fewer: a warning
    drop_qc_warning: bool = True  # values with a vendor QC warning do not enter the median
    drop_controls: bool = True  # control sample types are not picked as bridge samples
    unbridged: str = "drop"  # assays without an adjustment: drop | keep (unadjusted) | error
    keep_bridge_copy: str = "reference"  # which run's copy of a bridge sample is kept


@dataclass
class BridgeDiagnostics:
    assays: pd.DataFrame  # one row per assay of the new run, before/after agreement
    samples: pd.DataFrame  # one row per bridge pair, used or not and why, before/after
    summary: dict = field(default_factory=dict)


@dataclass
class BridgeResult:
    new: pd.DataFrame  # the new run, adjusted to the reference (apply_bridge)
    combined: pd.DataFrame  # both runs stacked, one copy per bridge sample, column 'run'
    adjustments: pd.DataFrame  # bridge_adjustments
    diagnostics: BridgeDiagnostics
    settings: BridgeSettings


# ----------------------------------------------------------------------------- checks


def _check_frame(frame: pd.DataFrame, label: str, assay_column: str) -> None:
    required = ["sample_id", assay_column, "npx"]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputError(
            label,
            f"missing column(s) {', '.join(repr(c) for c in missing)}",
            expected=f"a long NPX table with columns {', '.join(required)}",
            fix="read the run with proteosig's readers (one row per sample and assay)",
        )
    if frame["npx"].dtype.kind not in "fiu":
        numeric = pd.to_numeric(frame["npx"], errors="coerce")
        bad = numeric.isna() & frame["npx"].notna()
        if bad.any():
            raise InputError(
                label,
                f"column 'npx' holds {int(bad.sum())} non-numeric value(s) such as "
                f"{frame.loc[bad, 'npx'].iloc[0]!r}",
                expected="NPX values as numbers",
                fix="correct or blank those values",
            )
    key = ["sample_id", assay_column]
    dup = frame.duplicated(key, keep=False)
    if dup.any():
        pairs = frame.loc[dup, key].drop_duplicates().head(4)
        example = "; ".join(f"{s} x {a}" for s, a in pairs.itertuples(index=False))
        raise InputError(
            label,
            f"{int(dup.sum())} rows repeat a sample x assay pair, e.g. {example}",
            expected="one NPX value per sample and assay in each run",
            fix="remove the repeated rows, or give re-measured samples distinct IDs",
        )


def _check_choice(value: str, allowed: tuple[str, ...], key: str) -> None:
    if value not in allowed:
        raise InputError(
            "config",
            f"unknown value {value!r}",
            where=f"bridge: {key}",
            expected=" | ".join(allowed),
            fix=f"set 'bridge: {key}' to one of {', '.join(allowed)}",
        )


def _npx(frame: pd.DataFrame) -> np.ndarray:
    return pd.to_numeric(frame["npx"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _warned(frame: pd.DataFrame) -> np.ndarray:
    """Per row: the vendor QC warning as a boolean (text or boolean column; absent = no)."""
    if "qc_warning" not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    column = frame["qc_warning"]
    if pd.api.types.is_bool_dtype(column):
        return column.fillna(False).to_numpy(dtype=bool)
    text = column.astype("string").str.strip().str.upper()
    return text.isin(_WARNING_WORDS).fillna(False).to_numpy(dtype=bool)


def _controls(frame: pd.DataFrame) -> set[str]:
    if "sample_type" not in frame.columns:
        return set()
    kind = frame["sample_type"].astype("string").str.strip().str.upper()
    return set(frame.loc[kind.isin(_CONTROL_TYPES).fillna(False).to_numpy(), "sample_id"])


# ----------------------------------------------------------------------------- pairing


def bridge_pairs(
    reference: pd.DataFrame,
    new: pd.DataFrame,
    bridge_samples: BridgeSamples = None,
    *,
    drop_controls: bool = True,
    labels: Labels = ("reference run", "new run"),
) -> pd.DataFrame:
    """The candidate bridge pairs: one row per sample measured in both runs.

    ``bridge_samples``: ``None`` (every sample ID in both runs, Olink control sample types
    left out when ``drop_controls``), a list of IDs present in both runs, or a mapping
    ``{reference ID: new ID}``. Listed samples are used even if they are controls.

    Returns columns ``reference_id``, ``new_id``, ``control`` (a control sample type in
    either run), ``candidate`` (False for controls left out), ``reason``.
    """
    ref_ids = pd.Index(pd.unique(reference["sample_id"].dropna().astype(str)))
    new_ids = pd.Index(pd.unique(new["sample_id"].dropna().astype(str)))
    controls = _controls(reference) | _controls(new)
    if bridge_samples is None:
        shared = ref_ids.intersection(new_ids, sort=False)
        if not len(shared):
            raise InputError(
                f"{labels[0]} and {labels[1]}",
                "no sample ID is in both runs, so there are no bridge samples "
                f"(e.g. {rows_preview(ref_ids, 3)} vs {rows_preview(new_ids, 3)})",
                where="sample IDs of both runs",
                expected="the bridge samples measured in both runs under the same ID",
                fix="list them under 'bridge: samples' (as 'reference ID: new ID' if they "
                "were renamed), or check that the IDs match exactly",
            )
        pairs = pd.DataFrame({"reference_id": shared, "new_id": shared})
        explicit = False
    else:
        if isinstance(bridge_samples, Mapping):
            items = [(str(k), str(v)) for k, v in bridge_samples.items()]
        elif isinstance(bridge_samples, str):
            items = [(bridge_samples, bridge_samples)]
        else:
            items = [(str(s), str(s)) for s in bridge_samples]
        pairs = pd.DataFrame(items, columns=["reference_id", "new_id"])
        if not len(pairs):
            raise InputError(
                "config",
                "the list of bridge samples is empty",
                where="bridge: samples",
                expected="the IDs of samples measured in both runs (or null to use shared IDs)",
                fix="list the bridge samples or set 'bridge: samples: null'",
            )
        twice = pairs["new_id"].duplicated(keep=False) | pairs["reference_id"].duplicated(
            keep=False
        )
        if twice.any():
            raise InputError(
                "config",
                "a bridge sample is listed more than once: "
                + rows_preview(sorted(set(pairs.loc[twice, "new_id"]))),
                where="bridge: samples",
                expected="each bridge sample once",
                fix="remove the repeated entries",
            )
        for column, ids, label in (
            ("reference_id", ref_ids, labels[0]),
            ("new_id", new_ids, labels[1]),
        ):
            absent = pairs.loc[~pairs[column].isin(ids), column]
            if len(absent):
                raise InputError(
                    label,
                    f"{len(absent)} listed bridge sample(s) are not in this run: "
                    + rows_preview(absent.tolist()),
                    where="bridge: samples",
                    expected="bridge sample IDs exactly as written in both runs",
                    fix="correct the IDs (leading/trailing spaces are removed by the readers) "
                    "or map renamed samples as 'reference ID: new ID'",
                )
        explicit = True
    is_control = pairs["reference_id"].isin(controls) | pairs["new_id"].isin(controls)
    pairs["control"] = is_control.to_numpy(dtype=bool)
    pairs["candidate"] = True if explicit or not drop_controls else ~pairs["control"]
    pairs["reason"] = np.where(pairs["candidate"], "", "control sample")
    return pairs.reset_index(drop=True)


@dataclass
class _Paired:
    """Bridge pairs x assays of the new run, aligned: what every statistic is computed on."""

    pairs: pd.DataFrame
    assays: pd.Index  # assays of the new run
    in_reference: np.ndarray  # per assay: measured in the reference run
    ref: np.ndarray  # pairs x assays NPX (NaN: absent, missing, or excluded)
    new: np.ndarray
    warned_ref: np.ndarray  # pairs x assays: QC warning in the reference run
    warned_new: np.ndarray


def _matrices(frame, ids: pd.Index, assays: pd.Index, assay_column: str):
    """Bridge pairs x assays NPX and QC-warning matrices of one run (only its bridge rows)."""
    rows_of = frame.loc[frame["sample_id"].astype(str).isin(ids).to_numpy()]
    rows = ids.get_indexer(rows_of["sample_id"].astype(str))
    cols = assays.get_indexer(rows_of[assay_column].astype(str))
    keep = (rows >= 0) & (cols >= 0)
    npx = np.full((len(ids), len(assays)), np.nan)
    npx[rows[keep], cols[keep]] = _npx(rows_of)[keep]
    warned = np.zeros((len(ids), len(assays)), dtype=bool)
    warned[rows[keep], cols[keep]] = _warned(rows_of)[keep]
    return npx, warned


def _pair(
    reference: pd.DataFrame,
    new: pd.DataFrame,
    pairs: pd.DataFrame,
    *,
    assay_column: str,
    drop_qc_warning: bool,
    labels: Labels,
) -> _Paired:
    ref_assays = pd.Index(pd.unique(reference[assay_column].dropna().astype(str)))
    assays = pd.Index(sorted(pd.unique(new[assay_column].dropna().astype(str))))
    in_reference = assays.isin(ref_assays)
    if not in_reference.any():
        raise InputError(
            f"{labels[0]} and {labels[1]}",
            f"no assay is in both runs (e.g. {rows_preview(ref_assays, 3)} vs "
            f"{rows_preview(assays, 3)})",
            expected=f"the same {assay_column} values (e.g. OlinkIDs) in both runs",
            fix="bridge runs of the same panel(s); check that assays are identified the same "
            "way in both files",
        )
    used = pairs.loc[pairs["candidate"]]
    ref_ids = pd.Index(used["reference_id"])
    new_ids = pd.Index(used["new_id"])
    ref, warned_ref = _matrices(reference, ref_ids, assays, assay_column)
    nw, warned_new = _matrices(new, new_ids, assays, assay_column)
    if drop_qc_warning:
        excluded = warned_ref | warned_new
        ref[excluded] = np.nan
        nw[excluded] = np.nan
    complete = ~np.isnan(ref) & ~np.isnan(nw)
    ref[~complete] = np.nan
    nw[~complete] = np.nan
    return _Paired(
        used.reset_index(drop=True), assays, in_reference, ref, nw, warned_ref, warned_new
    )


# ----------------------------------------------------------------------------- estimates


def _nanmedian(values: np.ndarray, axis: int = 0) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns give NaN
        return np.nanmedian(values, axis=axis)


def _estimate(ref: np.ndarray, new: np.ndarray, method: str) -> np.ndarray:
    """Per assay (column) adjustment from complete pairs (NaN where both are NaN)."""
    if method == "paired":
        return _nanmedian(ref - new)
    return _nanmedian(ref) - _nanmedian(new)


def _leave_one_out(ref: np.ndarray, new: np.ndarray, method: str) -> np.ndarray:
    """Pairs x assays: each pair's remaining difference when it is left out of the estimate.

    A loop over bridge samples (a few dozen at most), vectorised over assays.
    """
    out = np.full(ref.shape, np.nan)
    for i in range(ref.shape[0]):
        keep = np.arange(ref.shape[0]) != i
        out[i] = (ref[i] - new[i]) - _estimate(ref[keep], new[keep], method)
    return out


def _concordance(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per column: Lin's concordance correlation and Pearson r over rows where both exist.

    Concordance is 1 only when the pairs lie on the identity line, so unlike Pearson r it
    drops with a shift between runs. NaN with fewer than 2 pairs or no variance.
    """
    mask = ~np.isnan(x) & ~np.isnan(y)
    n = mask.sum(axis=0)
    x = np.where(mask, x, 0.0)
    y = np.where(mask, y, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mx = x.sum(axis=0) / n
        my = y.sum(axis=0) / n
        dx = np.where(mask, x - mx, 0.0)
        dy = np.where(mask, y - my, 0.0)
        vx = (dx**2).sum(axis=0) / n
        vy = (dy**2).sum(axis=0) / n
        cov = (dx * dy).sum(axis=0) / n
        ccc = 2 * cov / (vx + vy + (mx - my) ** 2)
        r = cov / np.sqrt(vx * vy)
    bad = n < 2
    ccc[bad] = np.nan
    r[bad | (vx == 0) | (vy == 0)] = np.nan
    return ccc, r


def _adjustment_table(paired: _Paired, method: str, min_bridge: int, column: str) -> pd.DataFrame:
    diff = paired.ref - paired.new
    n_pairs = (~np.isnan(diff)).sum(axis=0)
    adjustment = _estimate(paired.ref, paired.new, method)
    status = np.where(
        ~paired.in_reference,
        STATUS_NOT_IN_REFERENCE,
        np.where(n_pairs >= max(min_bridge, 1), STATUS_BRIDGED, STATUS_FEW),
    )
    adjustment = np.where(status == STATUS_BRIDGED, adjustment, np.nan)
    after = diff - adjustment
    return pd.DataFrame(
        {
            column: paired.assays.to_numpy(),
            "adjustment": adjustment,
            "n_pairs": n_pairs.astype(int),
            "median_diff_before": _nanmedian(diff),
            "median_diff_after": _nanmedian(after),
            "median_abs_diff_before": _nanmedian(np.abs(diff)),
            "median_abs_diff_after": _nanmedian(np.abs(after)),
            "status": status,
        }
    )


def _fit(reference, new, bridge_samples, *, settings: BridgeSettings, assay_column, labels):
    for key in ("min_bridge", "recommended_bridge"):
        value = getattr(settings, key)
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise InputError(
                "config",
                f"invalid value {value!r}",
                where=f"bridge: {key}",
                expected="a whole number of bridge samples, at least 1",
                fix=f"set 'bridge: {key}' to e.g. 3 (min_bridge) or 8 (recommended_bridge)",
            )
    _check_choice(settings.method, METHODS, "method")
    _check_choice(settings.unbridged, UNBRIDGED, "unbridged")
    _check_choice(settings.keep_bridge_copy, KEEP_COPY, "keep_bridge_copy")
    _check_frame(reference, labels[0], assay_column)
    _check_frame(new, labels[1], assay_column)
    pairs = bridge_pairs(
        reference, new, bridge_samples, drop_controls=settings.drop_controls, labels=labels
    )
    paired = _pair(
        reference,
        new,
        pairs,
        assay_column=assay_column,
        drop_qc_warning=settings.drop_qc_warning,
        labels=labels,
    )
    usable = int((~np.isnan(paired.ref)).any(axis=1).sum())
    if usable < settings.min_bridge:
        reasons = _pair_table(pairs, paired)
        left_out = reasons.loc[~reasons["used"], ["new_id", "reason"]]
        detail = "; ".join(f"{s}: {r}" for s, r in left_out.head(5).itertuples(index=False))
        raise InputError(
            f"{labels[0]} and {labels[1]}",
            f"only {usable} usable bridge sample(s) (minimum {settings.min_bridge})"
            + (f"; left out {detail}" if detail else ""),
            expected=f"at least {settings.min_bridge} bridge samples measured in both runs "
            f"(Olink recommends {OLINK_RECOMMENDED_BRIDGE}-16 for Target 96)",
            fix="add bridge samples, list renamed ones under 'bridge: samples', or lower "
            "'bridge: min_bridge' knowingly",
        )
    table = _adjustment_table(paired, settings.method, settings.min_bridge, assay_column)
    notes = []
    if usable < settings.recommended_bridge:
        notes.append(
            f"only {usable} usable bridge sample(s); Olink recommends at least "
            f"{settings.recommended_bridge} (8-16 for Target 96): adjustments are noisy"
        )
    unbridged = table.loc[table["status"] != STATUS_BRIDGED]
    if len(unbridged):
        notes.append(
            f"{len(unbridged)} assay(s) of the new run cannot be bridged "
            f"({rows_preview(unbridged[assay_column].tolist())}): too few bridge pairs or "
            "not measured in the reference run"
        )
    return pairs, paired, table, notes


def _emit(notes: list[str]) -> None:
    for note in notes:
        warnings.warn(note, UserWarning, stacklevel=3)


# ----------------------------------------------------------------------------- public verbs


def bridge_adjustments(
    reference: pd.DataFrame,
    new: pd.DataFrame,
    bridge_samples: BridgeSamples = None,
    *,
    method: str = "paired",
    min_bridge: int = 3,
    recommended_bridge: int = OLINK_RECOMMENDED_BRIDGE,
    drop_qc_warning: bool = True,
    drop_controls: bool = True,
    assay_column: str = "assay_id",
    labels: Labels = ("reference run", "new run"),
) -> pd.DataFrame:
    """Per assay of the new run, the shift that puts it on the reference run's scale.

    Returns one row per assay: ``adjustment`` (to add to the new run; NaN when not
    bridged), ``n_pairs`` (bridge pairs used), ``median_diff_before/after`` and
    ``median_abs_diff_before/after`` (of ``ref - new`` over the bridge pairs) and
    ``status``: ``bridged``, ``too_few_pairs`` (fewer than ``min_bridge`` usable pairs)
    or ``not_in_reference``.

    Raises InputError for missing columns, repeated sample x assay rows, no shared
    samples or assays, or fewer than ``min_bridge`` usable bridge samples; warns
    (UserWarning) below ``recommended_bridge``.
    """
    settings = BridgeSettings(
        method=method,
        min_bridge=min_bridge,
        recommended_bridge=recommended_bridge,
        drop_qc_warning=drop_qc_warning,
        drop_controls=drop_controls,
    )
    _, _, table, notes = _fit(
        reference, new, bridge_samples, settings=settings, assay_column=assay_column, labels=labels
    )
    _emit(notes)
    return table


def apply_bridge(
    new: pd.DataFrame,
    adjustments: pd.DataFrame,
    *,
    unbridged: str = "drop",
    assay_column: str = "assay_id",
    columns: Sequence[str] = ("npx", "lod"),
    label: str = "new run",
) -> pd.DataFrame:
    """Add each assay's adjustment to the new run's NPX (and LOD) values.

    ``unbridged`` decides for assays without an adjustment: ``drop`` their rows, ``keep``
    them unadjusted, or ``error``. Adds ``bridge_adjustment`` (0 for kept unbridged
    assays) and ``bridged`` (bool). Other columns (``below_lod`` included, since NPX and
    LOD move together) are unchanged.
    """
    _check_choice(unbridged, UNBRIDGED, "unbridged")
    index = pd.Index(adjustments[assay_column].astype(str))
    if index.has_duplicates:
        raise InputError(
            "adjustments",
            "an assay has more than one adjustment: "
            + rows_preview(sorted(set(index[index.duplicated()]))),
            expected="one row per assay, as returned by bridge_adjustments",
        )
    values = np.append(adjustments["adjustment"].to_numpy(dtype="float64", na_value=np.nan), np.nan)
    out = new.copy()
    position = index.get_indexer(out[assay_column].astype(str))  # -1 (absent) -> the NaN
    adjustment = pd.Series(values[position], index=out.index)
    missing = adjustment.isna()
    if missing.any() and unbridged == "error":
        assays = sorted(out.loc[missing, assay_column].astype(str).unique())
        raise InputError(
            label,
            f"{len(assays)} assay(s) have no bridge adjustment: {rows_preview(assays)}",
            where="bridge: unbridged",
            expected="every assay of the new run measured in both runs on enough bridge samples",
            fix="set 'bridge: unbridged' to drop or keep, or add bridge samples",
        )
    out["bridged"] = (~missing).to_numpy()
    out["bridge_adjustment"] = adjustment.fillna(0.0).to_numpy()
    for column in columns:
        if column in out.columns:
            out[column] = pd.to_numeric(out[column], errors="coerce") + out["bridge_adjustment"]
    if unbridged == "drop":
        out = out.loc[out["bridged"]]
    return out.reset_index(drop=True)


def combine_bridged(
    reference: pd.DataFrame,
    new_adjusted: pd.DataFrame,
    pairs: pd.DataFrame,
    *,
    keep: str = "reference",
    assay_column: str = "assay_id",
    labels: Labels = ("reference run", "new run"),
) -> pd.DataFrame:
    """Stack both runs (column ``run``: the labels), keeping one copy of each bridge sample.

    ``keep='reference'`` (Olink's advice) drops the new run's copy of every bridge pair in
    ``pairs`` (from ``bridge_pairs``), ``'new'`` the reference copy (a renamed bridge sample
    then takes its reference ID, the one the sample sheet uses). Control samples
    (``sample_type``) named alike in both runs keep the reference run's wells. Any other
    sample ID in both runs is an error: it would be two measurements of one sample. Rows of the
    reference run get ``bridged`` False and ``bridge_adjustment`` 0 when the new run has
    these columns (from ``apply_bridge``).
    """
    _check_choice(keep, KEEP_COPY, "keep_bridge_copy")
    # Olink names the control wells alike in every run (IPC, negative controls): a
    # control ID in both runs is not two measurements of a study sample; the reference
    # run's wells are kept
    ref_ids = set(reference["sample_id"].astype(str))
    shared_controls = (_controls(reference) | _controls(new_adjusted)) & ref_ids
    new_ids = new_adjusted["sample_id"].astype(str)
    if keep == "reference":
        new_part = new_adjusted.loc[~new_ids.isin(set(pairs["new_id"]) | shared_controls)]
        ref_part = reference
    else:
        new_part = new_adjusted.loc[~new_ids.isin(shared_controls)]
        # only the pairs' study samples: the reference run's control wells stay
        bridged_ids = pairs.loc[~pairs["control"], "reference_id"]
        ref_part = reference.loc[~reference["sample_id"].astype(str).isin(bridged_ids)]
        renamed = {n: r for r, n in zip(pairs["reference_id"], pairs["new_id"], strict=True)
                   if r != n}  # fmt: skip
        if renamed:  # the kept copy goes by the reference ID, the one the sample sheet knows
            new_part = new_part.assign(
                sample_id=new_part["sample_id"].astype(str).replace(renamed).astype("category")
            )
    both = pd.Index(ref_part["sample_id"].unique()).intersection(new_part["sample_id"].unique())
    if len(both):
        raise InputError(
            f"{labels[0]} and {labels[1]}",
            f"{len(both)} sample ID(s) are in both runs but are not bridge samples: "
            + rows_preview(sorted(map(str, both))),
            where="bridge: samples",
            expected="distinct IDs for distinct samples, bridge samples listed",
            fix="add them to 'bridge: samples' or rename them in one run",
        )
    # the reference run's values are the scale: not adjusted, by zero
    unchanged = {"bridged": False, "bridge_adjustment": 0.0}
    extra = {c: unchanged.get(c, np.nan) for c in new_part.columns if c not in ref_part.columns}
    parts = [ref_part.assign(**extra, run=labels[0]), new_part.assign(run=labels[1])]
    if set(parts[0].columns) == set(parts[1].columns):
        parts[1] = parts[1][list(parts[0].columns)]
        # pandas' concat turns categorical columns with different categories into object
        # columns, several times larger for the long tables ingest hands over
        return union_concat(parts)
    return pd.concat(parts, ignore_index=True)


def _pair_table(pairs: pd.DataFrame, paired: _Paired) -> pd.DataFrame:
    """Every candidate pair with what happened to it."""
    table = pairs.copy()
    index = pd.MultiIndex.from_frame(paired.pairs[["reference_id", "new_id"]])
    position = index.get_indexer(pd.MultiIndex.from_frame(table[["reference_id", "new_id"]]))
    shared = paired.in_reference[None, :]
    n_used = (~np.isnan(paired.ref)).sum(axis=1)
    n_warned_ref = (paired.warned_ref & shared).sum(axis=1)
    n_warned_new = (paired.warned_new & shared).sum(axis=1)
    has = position >= 0
    for name, values in (
        ("n_assays_used", n_used),
        ("n_qc_warning_reference", n_warned_ref),
        ("n_qc_warning_new", n_warned_new),
    ):
        column = np.zeros(len(table), dtype=int)
        column[has] = values[position[has]]
        table[name] = column
    table["used"] = table["n_assays_used"] > 0
    reason = np.array(table["reason"].tolist(), dtype=object)
    for i in np.flatnonzero(table["candidate"].to_numpy() & ~table["used"].to_numpy()):
        parts = []
        if table.at[i, "n_qc_warning_reference"]:
            parts.append("QC warning in the reference run")
        if table.at[i, "n_qc_warning_new"]:
            parts.append("QC warning in the new run")
        reason[i] = "; ".join(parts) or "no NPX value shared with the other run"
    table["reason"] = reason
    return table


def _median_or_none(values) -> float | None:
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    return round(float(np.median(values)), 6) if len(values) else None


def _diagnose(pairs, paired: _Paired, adjustments, *, method, column, notes) -> BridgeDiagnostics:
    shift = (
        adjustments.set_index(column)["adjustment"]
        .reindex(paired.assays)
        .to_numpy(dtype="float64", na_value=np.nan)
    )
    ref, new = paired.ref, paired.new
    after = new + shift[None, :]
    diff_before = ref - new
    diff_after = ref - after
    ccc_before, r_before = _concordance(ref, new)
    ccc_after, _ = _concordance(ref, after)
    loo = _leave_one_out(ref, new, method)
    status = adjustments.set_index(column)["status"].reindex(paired.assays).fillna("not_adjusted")
    assays = pd.DataFrame(
        {
            column: paired.assays.to_numpy(),
            "status": status.to_numpy(),
            "adjustment": shift,
            "n_pairs": (~np.isnan(diff_before)).sum(axis=0),
            "median_diff_before": _nanmedian(diff_before),
            "median_diff_after": _nanmedian(diff_after),
            "median_abs_diff_before": _nanmedian(np.abs(diff_before)),
            "median_abs_diff_after": _nanmedian(np.abs(diff_after)),
            "ccc_before": ccc_before,
            "ccc_after": ccc_after,
            "pearson_r": r_before,
            "loo_median_abs_error": _nanmedian(np.abs(loo)),
        }
    )
    samples = _pair_table(pairs, paired)
    position = pd.MultiIndex.from_frame(paired.pairs[["reference_id", "new_id"]]).get_indexer(
        pd.MultiIndex.from_frame(samples[["reference_id", "new_id"]])
    )
    for name, values in (
        ("median_diff_before", _nanmedian(diff_before, axis=1)),
        ("median_abs_diff_before", _nanmedian(np.abs(diff_before), axis=1)),
        ("median_abs_diff_after", _nanmedian(np.abs(diff_after), axis=1)),
        ("loo_median_abs_error", _nanmedian(np.abs(loo), axis=1)),
    ):
        column_values = np.full(len(samples), np.nan)
        column_values[position >= 0] = values[position[position >= 0]]
        samples[name] = column_values
    bridged = assays["status"].to_numpy() == STATUS_BRIDGED
    left_out = samples.loc[~samples["used"]]
    summary = {
        "method": method,
        "bridge_pairs": int(len(samples)),
        "bridge_samples_used": int(samples["used"].sum()),
        "bridge_samples": samples.loc[samples["used"], "new_id"].tolist(),
        "bridge_samples_left_out": dict(
            zip(left_out["new_id"].astype(str), left_out["reason"].astype(str), strict=True)
        ),
        "assays_new": int(len(paired.assays)),
        "assays_bridged": int(bridged.sum()),
        "assays_unbridged": {
            str(a): str(s)
            for a, s in zip(assays[column], assays["status"], strict=True)
            if s != STATUS_BRIDGED
        },
        "median_abs_assay_shift_before": _median_or_none(
            np.abs(assays["median_diff_before"])[bridged]
        ),
        "median_abs_assay_shift_after": _median_or_none(
            np.abs(assays["median_diff_after"])[bridged]
        ),
        "median_abs_diff_before": _median_or_none(assays["median_abs_diff_before"][bridged]),
        "median_abs_diff_after": _median_or_none(assays["median_abs_diff_after"][bridged]),
        "median_ccc_before": _median_or_none(assays["ccc_before"][bridged]),
        "median_ccc_after": _median_or_none(assays["ccc_after"][bridged]),
        "median_loo_abs_error": _median_or_none(assays["loo_median_abs_error"][bridged]),
        "warnings": list(notes),
    }
    return BridgeDiagnostics(assays=assays, samples=samples, summary=summary)


def bridge_diagnostics(
    reference: pd.DataFrame,
    new: pd.DataFrame,
    adjustments: pd.DataFrame,
    bridge_samples: BridgeSamples = None,
    *,
    method: str = "paired",
    drop_qc_warning: bool = True,
    drop_controls: bool = True,
    assay_column: str = "assay_id",
    labels: Labels = ("reference run", "new run"),
) -> BridgeDiagnostics:
    """How well the bridge samples agree before and after ``adjustments`` (any source).

    Per assay: ``median_diff`` and ``median_abs_diff`` of ``ref - new`` over the bridge
    pairs, Lin's concordance ``ccc`` before and after (1 = on the identity line), Pearson
    ``r`` (shift-invariant, so the same before and after) and ``loo_median_abs_error``:
    each pair's difference left after an adjustment estimated without it (``method``), a
    fair estimate of the bridging error for a sample outside the bridge set. Per bridge
    pair: used or why not, and its median differences over assays. ``summary``: medians
    over bridged assays, counts, left-out samples, warnings (JSON-ready).
    """
    _check_choice(method, METHODS, "method")
    _check_frame(reference, labels[0], assay_column)
    _check_frame(new, labels[1], assay_column)
    if assay_column not in adjustments.columns or "adjustment" not in adjustments.columns:
        raise InputError(
            "adjustments",
            f"missing column {assay_column!r} or 'adjustment'",
            expected="the table returned by bridge_adjustments",
        )
    if "status" not in adjustments.columns:
        adjustments = adjustments.assign(
            status=np.where(adjustments["adjustment"].notna(), STATUS_BRIDGED, "not_adjusted")
        )
    pairs = bridge_pairs(reference, new, bridge_samples, drop_controls=drop_controls, labels=labels)
    paired = _pair(
        reference,
        new,
        pairs,
        assay_column=assay_column,
        drop_qc_warning=drop_qc_warning,
        labels=labels,
    )
    return _diagnose(pairs, paired, adjustments, method=method, column=assay_column, notes=[])


def bridge_normalise(
    reference: pd.DataFrame,
    new: pd.DataFrame,
    bridge_samples: BridgeSamples = None,
    settings: BridgeSettings | None = None,
    *,
    assay_column: str = "assay_id",
    labels: Labels = ("reference run", "new run"),
) -> BridgeResult:
    """Adjust ``new`` to ``reference`` with bridge samples, stack the runs, diagnose.

    The order: pick bridge pairs, estimate per-assay adjustments, apply them to the new
    run (NPX and LOD), combine the runs keeping one copy of each bridge sample, and
    compute the before/after diagnostics. Warnings (few bridge samples, unbridged assays)
    are raised as UserWarning and kept in ``diagnostics.summary['warnings']``.
    """
    settings = settings or BridgeSettings()
    pairs, paired, table, notes = _fit(
        reference, new, bridge_samples, settings=settings, assay_column=assay_column, labels=labels
    )
    if (table["status"] != STATUS_BRIDGED).any():
        notes[-1] += f"; 'unbridged: {settings.unbridged}' applies"
    _emit(notes)
    adjusted = apply_bridge(
        new, table, unbridged=settings.unbridged, assay_column=assay_column, label=labels[1]
    )
    combined = combine_bridged(
        reference,
        adjusted,
        pairs,
        keep=settings.keep_bridge_copy,
        assay_column=assay_column,
        labels=labels,
    )
    diagnostics = _diagnose(
        pairs, paired, table, method=settings.method, column=assay_column, notes=notes
    )
    diagnostics.summary["settings"] = asdict(settings)
    return BridgeResult(
        new=adjusted,
        combined=combined,
        adjustments=table,
        diagnostics=diagnostics,
        settings=settings,
    )
