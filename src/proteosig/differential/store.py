"""Save and load a moderated fit between the 'fit once' rule and the per-contrast rules.

One ``.npz`` holds the arrays and a JSON string holds names and parameters, so the file
is portable (no pickle) and loading it needs only numpy.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from proteosig.differential.fit import LinearFit
from proteosig.differential.moderate import ModeratedFit

_ARRAYS = ("t", "p_value", "lods", "s2_prior", "df_prior", "s2_post", "df_total", "var_prior")
_FIT_ARRAYS = (
    "coefficients",
    "stdev_unscaled",
    "sigma",
    "df_residual",
    "amean",
    "cov_coefficients",
)


def save_moderated(moderated: ModeratedFit, path: str | Path) -> None:
    fit = moderated.fit
    arrays = {f"fit_{name}": getattr(fit, name) for name in _FIT_ARRAYS}
    arrays.update(
        {name: getattr(moderated, name) for name in _ARRAYS if getattr(moderated, name) is not None}
    )
    arrays["design"] = fit.design.to_numpy()
    arrays["contrasts"] = fit.contrasts.to_numpy() if fit.contrasts is not None else np.empty(0)
    meta = {
        "coef_names": fit.coef_names,
        "protein_ids": fit.protein_ids,
        "design_columns": [str(c) for c in fit.design.columns],
        "design_index": [str(i) for i in fit.design.index],
        "contrast_rows": [] if fit.contrasts is None else list(map(str, fit.contrasts.index)),
        "treat_lfc": moderated.treat_lfc,
        "params": moderated.params,
        "fit_params": fit.params,
    }
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        np.savez_compressed(handle, meta=np.array(json.dumps(meta, sort_keys=True)), **arrays)


def load_moderated(path: str | Path) -> ModeratedFit:
    with np.load(path, allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
        arrays = {k: data[k] for k in data.files}
    design = pd.DataFrame(
        arrays["design"], index=meta["design_index"], columns=meta["design_columns"]
    )
    contrasts = None
    if meta["contrast_rows"]:
        contrasts = pd.DataFrame(
            arrays["contrasts"], index=meta["contrast_rows"], columns=meta["coef_names"]
        )
    fit = LinearFit(
        **{name: arrays[f"fit_{name}"] for name in _FIT_ARRAYS},
        coef_names=meta["coef_names"],
        protein_ids=meta["protein_ids"],
        design=design,
        contrasts=contrasts,
        params=meta["fit_params"],
    )
    return ModeratedFit(
        fit=fit,
        **{name: arrays.get(name) for name in _ARRAYS},
        treat_lfc=meta["treat_lfc"],
        params=meta["params"],
    )
