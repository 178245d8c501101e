"""Load and check the pipeline configuration against its JSON schema.

Snakemake's own ``validate`` reports errors with the schema's internals; users need the
key path, the bad value and, for typos, the key they probably meant. This module gives
that, and fills defaults from the schema.
"""

from __future__ import annotations

import copy
import difflib
from pathlib import Path

import jsonschema
import yaml

from proteosig.errors import InputError


def load_schema(path: str | Path) -> dict:
    with open(path) as handle:
        return yaml.safe_load(handle)


def _path(error: jsonschema.ValidationError) -> str:
    return ": ".join(str(p) for p in error.absolute_path) or "top level"


def _describe(error: jsonschema.ValidationError, schema_at: dict) -> tuple[str, str | None]:
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extras = [k for k in error.instance if k not in allowed]
        key = extras[0] if extras else "?"
        close = difflib.get_close_matches(key, allowed, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"allowed keys: {', '.join(allowed)}"
        return f"unknown key {key!r}", hint
    if error.validator == "required":
        return error.message.replace("is a required property", "is required but missing"), None
    if error.validator == "enum":
        return (
            f"value {error.instance!r} is not allowed",
            "use one of " + ", ".join(repr(v) for v in error.validator_value),
        )
    return f"value {error.instance!r} is invalid: {error.message}", schema_at.get("description")


def _fill_defaults(config: dict, schema: dict) -> dict:
    for key, sub in schema.get("properties", {}).items():
        if key not in config and "default" in sub:
            config[key] = copy.deepcopy(sub["default"])
        if isinstance(config.get(key), dict) and sub.get("type", "object") == "object":
            _fill_defaults(config[key], sub)
    return config


def validate_config(config: dict, schema: dict, *, source: str = "config") -> dict:
    """Return a copy of ``config`` with defaults filled; raise InputError on the first problem."""
    config = _fill_defaults(copy.deepcopy(dict(config)), schema)
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        error = errors[0]
        problem, fix = _describe(error, error.schema if isinstance(error.schema, dict) else {})
        raise InputError(source, problem, where=_path(error), fix=fix)
    check_consistency(config, source=source)
    return config


def check_consistency(config: dict, *, source: str) -> None:
    """Rules a JSON schema cannot express."""
    samples = config["samples"]
    groups = samples.get("groups") or []
    if groups and samples["control_group"] not in groups:
        raise InputError(
            source,
            f"control group {samples['control_group']!r} is not in 'groups' ({', '.join(groups)})",
            where="samples",
            fix="add the control group to 'samples: groups' or leave 'groups' empty",
        )
    if samples["group_column"] in samples.get("covariates", []):
        raise InputError(
            source,
            f"the group column {samples['group_column']!r} is also listed as a covariate",
            where="samples: covariates",
            fix="remove it from 'covariates'",
        )
    if samples.get("id_column") and samples["id_column"] == samples["group_column"]:
        raise InputError(
            source,
            f"'id_column' and 'group_column' are both {samples['id_column']!r}",
            where="samples",
            expected="one column of sample IDs and another of groups",
            fix="name the sample-ID column in 'id_column' and the group column in 'group_column'",
        )
    inputs = config.get("inputs", {})
    vendor_formats = ("olink_long", "npx_manager_xlsx")
    if inputs.get("protein_annotation") and inputs.get("format") in vendor_formats:
        raise InputError(
            source,
            f"'protein_annotation' is set but 'format' is {inputs['format']!r}",
            where="inputs",
            expected="a protein annotation only for wide matrices",
            fix="set 'format: wide' (or auto), or remove 'protein_annotation'",
        )
    pattern = samples.get("control_sample_pattern")
    if pattern not in (None, "olink"):
        from proteosig.ingest import compile_control_pattern

        compile_control_pattern(pattern)


def check_input_files(config: dict) -> None:
    """Stop before any job runs when an input named in the config does not exist."""
    named = [("inputs: npx", p) for p in config["inputs"]["npx"]]
    named += [
        ("inputs: sample_sheet", config["inputs"]["sample_sheet"]),
        ("inputs: symbol_table", config["inputs"]["symbol_table"]),
    ]
    if config["inputs"].get("protein_annotation"):
        named.append(("inputs: protein_annotation", config["inputs"]["protein_annotation"]))
    enrichment = config.get("enrichment", {})
    named += [
        (f"enrichment: collections: {k}", v) for k, v in enrichment.get("collections", {}).items()
    ]
    if "assay_gene_map" in enrichment:
        named.append(("enrichment: assay_gene_map", enrichment["assay_gene_map"]))
    reversal = config.get("reversal", {})
    if "library" in reversal:
        named += [
            ("reversal: library", str(Path(reversal["library"]) / name))
            for name in ("drugs.tsv", "target_axes.tsv", "observed_signatures.tsv")
        ]
    for i, item in enumerate(reversal.get("empirical", [])):
        named += [(f"reversal: empirical[{i}]: npx", p) for p in item["npx"]]
        named.append((f"reversal: empirical[{i}]: sample_sheet", item["sample_sheet"]))
    for key, path in named:
        if not Path(path).is_file():
            raise InputError(
                path,
                "file not found",
                where=f"config {key}",
                fix="correct the path (relative paths are read from the directory snakemake "
                "runs in) or copy the file there",
            )


def resolve_resources(config: dict, pipeline_dir: str | Path) -> dict:
    """Shipped reference files (panel symbols, gene sets) are found from the pipeline.

    A relative path is read from the working directory when the file is there (a user's
    own file), else from the pipeline's directory (the copy under resources/), so the
    pipeline can run in any working directory.
    """
    pipeline_dir = Path(pipeline_dir)

    def resolve(path: str) -> str:
        candidate = Path(path)
        if candidate.is_absolute() or candidate.exists():
            return path
        shipped = pipeline_dir / candidate
        return str(shipped) if shipped.exists() else path

    config["inputs"]["symbol_table"] = resolve(config["inputs"]["symbol_table"])
    enrichment = config.get("enrichment", {})
    if "collections" in enrichment:
        enrichment["collections"] = {k: resolve(v) for k, v in enrichment["collections"].items()}
    if "assay_gene_map" in enrichment:
        enrichment["assay_gene_map"] = resolve(enrichment["assay_gene_map"])
    reversal = config.get("reversal", {})
    if "library" in reversal:
        reversal["library"] = resolve(reversal["library"])
    return config
