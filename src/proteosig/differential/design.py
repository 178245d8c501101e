"""Design matrices from a model formula and the sample table.

formulaic builds the matrix with R's coding rules (``~ 0 + group + age + sex`` gives one
column per group, treatment-coded factors, numeric covariates as they are), so designs
match R's ``model.matrix``. Columns are then renamed the way limma users name them:
one column per group level (so contrasts read ``MDD-HC``), and R's ``make.names`` style
for the rest (``sexM``).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from proteosig.errors import InputError

GROUP = "group"


def default_formula(covariates: list[str]) -> str:
    return " + ".join(["~ 0 + group", *covariates])


def formula_variables(formula: str) -> list[str]:
    """Variable names used by a formula: identifiers not followed by '(' (so the ``C`` of
    ``C(batch)`` or the ``log`` of ``log(age)`` are functions, not variables)."""
    names = re.findall(r"([A-Za-z_.][\w.]*)(?!\s*[\w.(])", formula.replace("~", " "))
    return list(dict.fromkeys(names))


def safe_name(text: str) -> str:
    """R's make.names: letters, digits, '.' and '_' only, not starting with a digit."""
    name = re.sub(r"[^\w.]", ".", str(text))
    return name if re.match(r"[A-Za-z.]", name) else f"X{name}"


def prepare_covariates(
    samples: pd.DataFrame,
    variables: list[str],
    *,
    group_levels: list[str],
    factors: list[str] = (),
    source: str,
) -> pd.DataFrame:
    """Type each formula variable: group as an ordered factor; a column listed in
    ``factors`` or holding any non-number as a factor with sorted levels; other columns as
    numbers (continuous). Missing covariate values are an error (say which)."""
    data = pd.DataFrame(index=samples["sample_id"].astype(str))
    for variable in variables:
        if variable not in samples.columns:
            raise InputError(
                source,
                f"the model formula uses {variable!r}, which is not a column of the sample table",
                where="differential: formula",
                expected="'group' or a column listed in 'samples: covariates'",
                fix=f"add {variable!r} to 'samples: covariates' or remove it from the formula",
            )
        values = samples[variable].to_numpy()
        missing = pd.isna(values)
        if missing.any():
            ids = samples.loc[missing, "sample_id"].astype(str).tolist()
            raise InputError(
                source,
                f"covariate {variable!r} is missing for {len(ids)} sample(s): "
                + ", ".join(ids[:5])
                + (" ..." if len(ids) > 5 else ""),
                expected="a value for every analysed sample",
                fix="fill in the sample sheet, or drop the covariate from the model",
            )
        if variable == GROUP:
            data[variable] = pd.Categorical(values.astype(str), categories=group_levels)
            continue
        numeric = pd.to_numeric(pd.Series(values), errors="coerce")
        if variable not in factors and numeric.notna().all():
            data[variable] = numeric.to_numpy(dtype=float)
        else:
            text = pd.Series(values).astype(str)
            data[variable] = pd.Categorical(text, categories=sorted(text.unique()))
    return data


def design_matrix(
    samples: pd.DataFrame,
    formula: str,
    *,
    group_levels: list[str],
    factors: list[str] = (),
    source: str = "config",
) -> pd.DataFrame:
    """Samples x coefficients design matrix (float), with limma-style column names.

    ``design.attrs["variable_types"]`` records how each variable entered the model
    ('factor' or 'continuous'), so that a numeric-coded subject or batch column treated
    as a number is visible in the log.
    """
    from formulaic import model_matrix

    variables = formula_variables(formula)
    data = prepare_covariates(
        samples, variables, group_levels=group_levels, factors=list(factors), source=source
    )
    try:
        matrix = model_matrix(formula.replace("~", "", 1).strip() or "1", data)
    except Exception as err:  # formulaic raises several parser error types
        raise InputError(
            source,
            f"the model formula {formula!r} cannot be used: {err}",
            where="differential: formula",
            fix="write it as in R, e.g. '~ 0 + group + age + sex'",
        ) from None
    names = []
    for column in matrix.columns:
        group_level = re.fullmatch(rf"{GROUP}\[(?:T\.)?(.*)\]", column)
        other_level = re.fullmatch(r"(.+)\[T\.(.*)\]", column)
        if group_level:
            names.append(safe_name(group_level.group(1)))
        elif other_level:
            names.append(safe_name(other_level.group(1) + other_level.group(2)))
        else:
            names.append(safe_name(column))
    if len(set(names)) != len(names):
        raise InputError(
            source,
            "design column names collide after making them valid names: " + ", ".join(names),
            fix="rename groups or covariate levels so they differ in letters or digits",
        )
    design = pd.DataFrame(np.asarray(matrix, dtype=float), index=data.index, columns=names)
    design.attrs["variable_types"] = {
        v: "factor" if isinstance(data[v].dtype, pd.CategoricalDtype) else "continuous"
        for v in variables
    }
    return design
