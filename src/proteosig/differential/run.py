"""The differential stage: from the QC'd analysis matrix to one table per contrast.

``fit_model`` runs once (design, lmFit, contrasts, eBayes or treat over every contrast
together, as limma does); ``contrast_table`` formats one contrast with annotation, fold
change and the significance call; ``summarise`` counts DEPs up and down.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from proteosig.differential.contrasts import contrast_matrix, contrasts_fit
from proteosig.differential.design import default_formula, design_matrix, safe_name
from proteosig.differential.fit import lm_fit
from proteosig.differential.moderate import ModeratedFit, ebayes, treat
from proteosig.differential.table import top_table
from proteosig.errors import InputError


@dataclass(frozen=True)
class ModelSettings:
    """The config's ``differential:`` keys that define the model (rule differential_fit)."""

    formula: str | None = None
    contrasts: tuple = ()
    default_contrasts: bool = True
    trend: bool = False
    robust: bool = False
    treat_lfc: float | None = None

    @classmethod
    def from_config(cls, section: dict) -> ModelSettings:
        """From the rule params (the config's model keys; contrasts as a list of dicts)."""
        values = dict(section)
        values["contrasts"] = tuple(values.get("contrasts", ()))
        return cls(**values)


@dataclass(frozen=True)
class CallSettings:
    """The keys that only decide what is called significant (rule differential_table)."""

    fc_threshold: float = 1.5
    fdr_threshold: float = 0.05
    confint: float = 0.95


def build_contrasts(
    groups: list[str], control: str, extra: list[dict], *, include_default: bool = True
) -> dict[str, str]:
    """Every group vs the control (``AD_vs_HC: AD-HC``) plus user-listed contrasts."""
    contrasts: dict[str, str] = {}
    if include_default:
        for group in groups:
            if group != control:
                contrasts[f"{safe_name(group)}_vs_{safe_name(control)}"] = (
                    f"{safe_name(group)}-{safe_name(control)}"
                )
    for item in extra:
        if item["name"] in contrasts:
            raise InputError(
                "config",
                f"contrast name {item['name']!r} is used twice",
                where="differential: contrasts",
                fix="give every contrast its own name",
            )
        contrasts[item["name"]] = item["expression"]
    if not contrasts:
        raise InputError(
            "config",
            "no contrast to test",
            where="differential",
            fix="list contrasts or set 'default_contrasts: true'",
        )
    return contrasts


def check_model_config(
    groups: list[str], covariates: list[str], formula: str | None, contrasts: dict[str, str]
) -> None:
    """Checks that need only the config and the group names, run before any job starts."""
    from proteosig.differential.design import formula_variables

    variables = formula_variables(formula or default_formula(covariates))
    unknown = [v for v in variables if v != "group" and v not in covariates]
    if unknown:
        raise InputError(
            "config",
            f"the model formula uses {', '.join(map(repr, unknown))}, which "
            + ("is" if len(unknown) == 1 else "are")
            + " not in 'samples: covariates'",
            where="differential: formula",
            fix="add the column(s) to 'samples: covariates' (so ingest carries them) or "
            "remove them from the formula",
        )
    known = {safe_name(g) for g in groups}
    for name, expression in contrasts.items():
        for term in re.findall(r"[A-Za-z_.][\w.]*", expression):
            if term not in known and not any(term.startswith(v) for v in variables):
                raise InputError(
                    "config",
                    f"contrast {name!r} ({expression}) names {term!r}, which is not a group",
                    where="differential: contrasts",
                    expected="group names: " + ", ".join(sorted(known)),
                    fix="use the group names of the sample sheet (e.g. 'MDD-HC')",
                )


def fit_model(
    matrix: pd.DataFrame,
    samples: pd.DataFrame,
    *,
    settings: ModelSettings,
    group_levels: list[str],
    control_group: str,
    covariates: list[str],
    factors: list[str] = (),
) -> ModeratedFit:
    """Design + lmFit + contrasts + eBayes/treat for every protein of ``matrix``.

    ``matrix`` is samples x assays (the QC stage's analysis matrix).
    """
    formula = settings.formula or default_formula(covariates)
    samples = samples.set_index(samples["sample_id"].astype(str), drop=False)
    samples = samples.loc[matrix.index.astype(str)]
    present = set(samples["group"].astype(str))
    absent = [g for g in group_levels if g not in present]
    if absent:
        raise InputError(
            "differential",
            "group(s) without analysed samples: " + ", ".join(absent),
            where="samples: groups / the sample sheet",
            expected="every analysed group to keep samples after ingest and QC",
            fix="list the groups to analyse in 'samples: groups', or check why their samples "
            "were dropped (results/ingest/ingest_summary.json, results/qc/sample_qc.tsv)",
        )
    design = design_matrix(
        samples.reset_index(drop=True), formula, group_levels=list(group_levels), factors=factors
    )
    levels = list(group_levels)
    contrasts = build_contrasts(
        levels, control_group, list(settings.contrasts), include_default=settings.default_contrasts
    )
    fit = lm_fit(matrix.T, design)
    fit.params = {
        "formula": formula,
        "contrasts": contrasts,
        "group_levels": levels,
        "variable_types": design.attrs.get("variable_types", {}),
    }
    fit2 = contrasts_fit(fit, contrast_matrix(contrasts, fit.coef_names))
    fit2.params = fit.params
    if settings.treat_lfc is not None:
        return treat(fit2, lfc=settings.treat_lfc, trend=settings.trend, robust=settings.robust)
    return ebayes(fit2, trend=settings.trend, robust=settings.robust)


def fit_model_from_params(matrix: pd.DataFrame, samples: pd.DataFrame, params) -> ModeratedFit:
    """``fit_model`` from a rule's params (``model``, ``groups``, ``control_group``,
    ``covariates``, ``factors``): the differential and score-differential rules share it,
    so both fit exactly the same model."""

    def get(key):  # a dict in tests, Snakemake's named list in rules
        return params[key] if isinstance(params, dict) else getattr(params, key)

    return fit_model(
        matrix,
        samples,
        settings=ModelSettings.from_config(get("model")),
        group_levels=list(get("groups")),
        control_group=get("control_group"),
        covariates=list(get("covariates")),
        factors=list(get("factors")),
    )


def contrast_table(
    moderated: ModeratedFit, contrast: str, assays: pd.DataFrame, *, settings: CallSettings
) -> pd.DataFrame:
    """limma's columns plus annotation, fold change, direction and the DEP call.

    A protein is significant when |fold change| > ``fc_threshold`` and the BH-adjusted
    p-value < ``fdr_threshold`` (the study's rule: |FC| > 1.5 and FDR < 0.05).
    """
    if contrast not in moderated.coef_names:
        raise InputError(
            "differential",
            f"unknown contrast {contrast!r}",
            expected=", ".join(moderated.coef_names),
        )
    table = top_table(moderated, contrast, confint=settings.confint)
    annotation = assays.set_index("assay_id").reindex(table.index)
    out = pd.DataFrame(
        {
            "assay_id": table.index,
            "gene_symbol": annotation["gene_symbol"].to_numpy(),
            "uniprot": annotation["uniprot"].to_numpy(),
            "panel": annotation["panel"].to_numpy(),
        }
    )
    for column in table.columns:
        out[column] = table[column].to_numpy()
    out.insert(5, "fold_change", np.power(2.0, out["logFC"]))
    log_threshold = np.log2(settings.fc_threshold)
    significant = (out["adj.P.Val"] < settings.fdr_threshold) & (out["logFC"].abs() > log_threshold)
    out["significant"] = significant.fillna(False).astype(bool)
    out["direction"] = np.where(out["significant"], np.where(out["logFC"] > 0, "up", "down"), "ns")
    return out.sort_values(["P.Value", "assay_id"], kind="stable", na_position="last").reset_index(
        drop=True
    )


def describe(moderated: ModeratedFit, contrast: str, settings: CallSettings, n_tested: int) -> dict:
    """What a reader needs to interpret the table: model, test, correction, universe."""
    fit = moderated.fit
    return {
        "contrast": contrast,
        "expression": fit.params.get("contrasts", {}).get(contrast),
        "model": fit.params.get("formula"),
        "design_columns": fit.coef_names if fit.contrasts is None else list(fit.contrasts.index),
        "method": (
            f"limma-equivalent linear model per protein; {moderated.params['method']}"
            + (" with intensity trend" if moderated.params.get("trend") else "")
            + (" (robust)" if moderated.params.get("robust") else "")
            + (
                f" against |logFC| > {moderated.treat_lfc:g}"
                if moderated.treat_lfc is not None
                else ""
            )
        ),
        "multiple_testing": "Benjamini-Hochberg FDR across the proteins of this contrast",
        "universe": f"{n_tested} proteins measured and kept by QC (not the genome)",
        "significance": (
            f"fold change > {settings.fc_threshold:g} or < 1/{settings.fc_threshold:g}, and "
            f"BH-adjusted p < {settings.fdr_threshold:g}"
        ),
        "variable_types": fit.params.get("variable_types", {}),
        "s2_prior_median": float(np.median(moderated.s2_prior)),
        "df_prior_median": float(np.median(moderated.df_prior)),
        "settings": asdict(settings),
    }


def summarise(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """DEP counts per contrast."""
    rows = []
    for contrast, table in tables.items():
        rows.append(
            {
                "contrast": contrast,
                "tested": int(table["P.Value"].notna().sum()),
                "up": int((table["direction"] == "up").sum()),
                "down": int((table["direction"] == "down").sum()),
                "significant": int(table["significant"].sum()),
                "min_adj_p": float(table["adj.P.Val"].min()),
            }
        )
    return pd.DataFrame(rows)
