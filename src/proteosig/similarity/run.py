"""The similarity stage: every pair of disease signatures, and the carrier sub-contrasts.

Each unordered pair {A, B} of ``<group>_vs_<control>`` signatures is tested twice
(``signatures.signature_similarity``): once with A's case labels permuted with the
controls and once with B's (the shared-control null, ``p_permute_a`` / ``_b``). How the
directions make the pair's p depends on the metric:

- directional (``transfer_t``, the default): the two directions are two questions, "does
  A follow B's top proteins?" and "does B follow A's?". Each direction must also beat
  the protein null (``p_proteins_a`` / ``_b``, on ``transfer_halved_*``: the two
  signatures fitted apart on halves of the controls, the selector's directions flipped
  at random), because the label null alone takes any effect of the follower's that
  lands on the other's top proteins for resemblance; a direction's p (``p_direction_*``)
  is the larger of its two. The pair resembles when either direction holds:
  ``p_value`` = min(1, 2 * the smaller direction p) (Bonferroni). A disease whose subset
  carries the other's signature answers the first question and not the second, so asking
  both would miss exactly the resemblance the stage is for.
- symmetric (correlations, ``top_concordance_t``): one number that must exceed both
  label nulls: ``p_value`` is the larger p (an intersection-union test).

Then BH across pairs.
"""

from __future__ import annotations

import itertools
import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from proteosig.differential.design import safe_name
from proteosig.differential.run import CallSettings, ModelSettings, contrast_table, fit_model
from proteosig.differential.table import adjust_bh
from proteosig.errors import InputError
from proteosig.similarity.signatures import (
    DIRECTIONAL_METRICS,
    METRICS,
    pair_p_value,
    signature_similarity,
)

PAIR_COLUMNS = [
    "signature_a", "signature_b", "n_shared", *METRICS, "transfer_t_b", "metric", "observed",
    "ci_low", "ci_high", "shared_control_null_a", "null_q975_a", "p_permute_a",
    "transfer_halved_a", "p_proteins_a", "p_direction_a", "observed_b", "ci_low_b",
    "ci_high_b", "shared_control_null_b", "null_q975_b", "p_permute_b", "transfer_halved_b",
    "p_proteins_b", "p_direction_b", "p_rule", "p_value",
    "split_controls_mean", "split_controls_q025", "split_controls_q975", "n_permutations",
    "n_bootstrap", "fdr",
]  # fmt: skip


@dataclass(frozen=True)
class SimilaritySettings:
    """The config's ``similarity:`` keys for the signature-level test."""

    groups: tuple = ()
    metric: str = "transfer_t"
    top_n: int = 20
    permutations: int = 1000
    bootstrap: int = 200
    control_splits: int = 100


def signature_name(group: str, control: str) -> str:
    return f"{safe_name(group)}_vs_{safe_name(control)}"


def subgroup_name(item: dict, signatures: list[str]) -> str:
    """``MDD_carriers_AD_vs_HC`` for ``{group: MDD, signature: AD_vs_HC}``, checked."""
    if item["signature"] not in signatures:
        raise InputError(
            "config",
            f"unknown signature {item['signature']!r} in 'similarity: subgroups'",
            expected="one of " + ", ".join(signatures),
        )
    return f"{safe_name(item['group'])}_carriers_{item['signature']}"


def disease_groups(configured, group_levels: list[str], control: str) -> list[str]:
    """The groups whose signatures are compared: configured, else every non-control group.

    With a single case group (e.g. cases vs controls only) there is no pair to compare:
    the pair tables are written empty and the patient scores still use its signature."""
    groups = list(configured) or [g for g in group_levels if g != control]
    unknown = [g for g in groups if g not in group_levels or g == control]
    if unknown:
        raise InputError(
            "config",
            "unknown or control group(s) in 'similarity: groups': " + ", ".join(unknown),
            expected="analysed groups other than the control: " + ", ".join(group_levels),
        )
    if len(configured) == 1:
        raise InputError(
            "config",
            f"'similarity: groups' needs at least 2 disease groups, got {groups}",
            fix="list two or more groups, or leave it empty for all non-control groups",
        )
    return groups


def pair_seed(seed: int, a: str, b: str) -> int:
    """A seed per pair, stable across runs and independent of which pairs are run."""
    return int(
        np.random.SeedSequence([seed, zlib.crc32(f"{a}\t{b}".encode())]).generate_state(1)[0]
    )


def similarity_table(
    matrix: pd.DataFrame,
    samples: pd.DataFrame,
    *,
    groups: list[str],
    control: str,
    covariates: list[str],
    formula: str | None,
    settings: SimilaritySettings,
    seed: int,
    factors: list[str] = (),
    progress=None,
) -> pd.DataFrame:
    """One row per unordered pair of signatures (see the module docstring)."""
    rows = []
    for a, b in itertools.combinations(groups, 2):
        common = dict(
            control=control,
            covariates=covariates,
            formula=formula,
            factors=list(factors),
            n_permutations=settings.permutations,
            metric=settings.metric,
            top_n=settings.top_n,
            null="case_control",
        )
        forward = signature_similarity(
            matrix,
            samples,
            case_a=a,
            case_b=b,
            n_bootstrap=settings.bootstrap,
            seed=pair_seed(seed, a, b),
            baseline="split_controls" if settings.control_splits else None,
            n_splits=settings.control_splits,
            **common,
        )
        # a directional metric's second direction is a second value, with its own interval
        directional = settings.metric in DIRECTIONAL_METRICS
        backward = signature_similarity(
            matrix, samples, case_a=b, case_b=a, seed=pair_seed(seed, b, a),
            n_bootstrap=settings.bootstrap if directional else 0, **common,
        )  # fmt: skip
        row = {
            "signature_a": signature_name(a, control),
            "signature_b": signature_name(b, control),
            "n_shared": forward["observed"]["n_shared"],
        }
        row.update({m: forward["observed"][m] for m in METRICS})
        # the forward call measures A following B; B following A is the backward one's
        row["transfer_t_b"] = backward["observed"]["transfer_t"]
        rule, p_value = pair_p_value(settings.metric, forward["p_value"], backward["p_value"])
        row.update(
            {
                "metric": settings.metric,
                "observed": forward["observed_value"],
                "ci_low": forward["ci_low"],
                "ci_high": forward["ci_high"],
                "shared_control_null_a": forward["null_mean"],
                "null_q975_a": forward["null_q975"],
                "p_permute_a": forward["p_labels"],
                "transfer_halved_a": forward["split_transfer"],
                "p_proteins_a": forward["p_proteins"],
                "p_direction_a": forward["p_value"],
                "observed_b": backward["observed_value"],
                "ci_low_b": backward["ci_low"] if directional else forward["ci_low"],
                "ci_high_b": backward["ci_high"] if directional else forward["ci_high"],
                "shared_control_null_b": backward["null_mean"],
                "null_q975_b": backward["null_q975"],
                "p_permute_b": backward["p_labels"],
                "transfer_halved_b": backward["split_transfer"],
                "p_proteins_b": backward["p_proteins"],
                "p_direction_b": backward["p_value"],
                "p_rule": rule,
                "p_value": p_value,
                "split_controls_mean": forward.get("split_controls_mean", np.nan),
                "split_controls_q025": forward.get("split_controls_q025", np.nan),
                "split_controls_q975": forward.get("split_controls_q975", np.nan),
                "n_permutations": forward["n_permutations"],
                "n_bootstrap": forward["n_bootstrap"],
            }
        )
        rows.append(row)
        if progress is not None:
            progress(f"{row['signature_a']} ~ {row['signature_b']}")
    table = pd.DataFrame(rows, columns=PAIR_COLUMNS[:-1] if not rows else None)
    table.insert(table.columns.get_loc("p_value") + 1, "fdr", adjust_bh(table["p_value"]))
    return table


def carrier_subgroup_table(
    matrix: pd.DataFrame,
    samples: pd.DataFrame,
    carriers: pd.DataFrame,
    assays: pd.DataFrame,
    *,
    group: str,
    signature: str,
    group_levels: list[str],
    control: str,
    covariates: list[str],
    factors: list[str],
    model: ModelSettings,
    calls: CallSettings,
) -> tuple[pd.DataFrame, dict]:
    """Carriers and non-carriers of ``signature`` within ``group``, each vs the controls.

    The group is split into ``<group>_carrier`` / ``<group>_noncarrier`` and the model is
    refitted with the same formula and covariates; three contrasts are tested: carriers
    vs control, non-carriers vs control, carriers vs non-carriers. The split was made from
    these data, so these p-values describe the subgroup; they are not confirmatory.
    """
    flag = f"carrier_{signature}"
    if flag not in carriers.columns:
        raise InputError(
            "config",
            f"no patient score for signature {signature!r}",
            where="similarity: subgroups",
            expected="one of "
            + ", ".join(c.removeprefix("carrier_") for c in carriers if c.startswith("carrier_")),
        )
    if group not in group_levels or group == control:
        raise InputError(
            "config",
            f"unknown group {group!r} in 'similarity: subgroups'",
            expected="an analysed non-control group: " + ", ".join(group_levels),
        )
    is_carrier = carriers.set_index("sample_id")[flag].astype(bool)
    relabelled = samples.copy()
    members = relabelled["group"].astype(str) == group
    carrier_of = relabelled["sample_id"].astype(str).map(is_carrier).fillna(False).astype(bool)
    yes, no = f"{safe_name(group)}_carrier", f"{safe_name(group)}_noncarrier"
    relabelled.loc[members & carrier_of, "group"] = yes
    relabelled.loc[members & ~carrier_of, "group"] = no
    counts = {
        "carriers": int((members & carrier_of).sum()),
        "noncarriers": int((members & ~carrier_of).sum()),
    }
    about = {
        "group": group,
        "signature": signature,
        **counts,
        "note": "carriers were selected from these data: the p-values describe the subgroup "
        "and are not confirmatory",
    }
    columns = ["contrast", "assay_id", "gene_symbol", "uniprot", "panel", "logFC", "fold_change",
               "AveExpr", "t", "P.Value", "adj.P.Val", "B", "significant", "direction"]  # fmt: skip
    if min(counts.values()) < 2:
        about["skipped"] = "fewer than 2 carriers or non-carriers"
        return pd.DataFrame(columns=columns), about
    levels = [g for g in group_levels if g != group] + [yes, no]
    contrasts = [
        {"name": f"{yes}_vs_{safe_name(control)}", "expression": f"{yes}-{safe_name(control)}"},
        {"name": f"{no}_vs_{safe_name(control)}", "expression": f"{no}-{safe_name(control)}"},
        {"name": f"{yes}_vs_{no}", "expression": f"{yes}-{no}"},
    ]
    settings = ModelSettings(
        formula=model.formula,
        contrasts=tuple(contrasts),
        default_contrasts=False,
        trend=model.trend,
        robust=model.robust,
    )
    moderated = fit_model(
        matrix,
        relabelled,
        settings=settings,
        group_levels=levels,
        control_group=control,
        covariates=covariates,
        factors=factors,
    )
    tables = []
    for item in contrasts:
        table = contrast_table(moderated, item["name"], assays, settings=calls)
        table.insert(0, "contrast", item["name"])
        tables.append(table)
    about["contrasts"] = [c["name"] for c in contrasts]
    about["dep_counts"] = {t["contrast"].iloc[0]: int(t["significant"].sum()) for t in tables}
    return pd.concat(tables, ignore_index=True)[columns], about
