"""Config schema: defaults, typos, bad values, and rules the schema cannot express."""

from __future__ import annotations

import copy

import pytest
import yaml

from proteosig.config import check_input_files, load_schema, validate_config
from proteosig.errors import InputError
from proteosig.qc import QCSettings
from tests.helpers import REPO

SCHEMA = load_schema(REPO / "workflow" / "schemas" / "config.schema.yaml")
DEMO = yaml.safe_load(open(REPO / "config" / "config.yaml"))


def test_demo_config_is_valid_and_complete(monkeypatch):
    monkeypatch.chdir(REPO)
    config = validate_config(DEMO, SCHEMA)
    assert config["samples"]["control_group"] == "HC"
    check_input_files(config)


def test_every_example_config_is_valid():
    for path in sorted((REPO / "config" / "examples").glob("*.yaml")):
        validate_config(yaml.safe_load(open(path)), SCHEMA, source=str(path))


def test_defaults_are_filled():
    minimal = {
        "inputs": {"npx": ["a.csv"], "sample_sheet": "s.tsv"},
        "samples": {"control_group": "HC"},
    }
    config = validate_config(minimal, SCHEMA)
    assert config["qc"]["max_below_lod"] == 0.75
    assert config["samples"]["id_column"] == "sample_id"
    assert config["inputs"]["format"] == "auto"
    assert config["seed"] == 20260521


def test_qc_schema_and_settings_agree():
    qc_keys = set(SCHEMA["properties"]["qc"]["properties"])
    assert qc_keys == set(QCSettings.__dataclass_fields__)
    defaults = {k: v["default"] for k, v in SCHEMA["properties"]["qc"]["properties"].items()}
    assert QCSettings(**defaults) == QCSettings()


def test_typo_in_key_suggests_the_right_one():
    config = copy.deepcopy(DEMO)
    config["qc"]["max_below_lodd"] = 0.5
    with pytest.raises(InputError) as err:
        validate_config(config, SCHEMA, source="config/config.yaml")
    message = str(err.value)
    assert message.startswith("config/config.yaml (qc): unknown key 'max_below_lodd'")
    assert "did you mean 'max_below_lod'?" in message


def test_bad_enum_lists_choices():
    config = copy.deepcopy(DEMO)
    config["qc"]["below_lod"] = "zero"
    with pytest.raises(InputError, match="'zero' is not allowed.*'keep', 'lod', 'na'"):
        validate_config(config, SCHEMA)


def test_out_of_range_fraction():
    config = copy.deepcopy(DEMO)
    config["qc"]["max_sample_missing"] = 20
    with pytest.raises(InputError, match=r"\(qc: max_sample_missing\): value 20 is invalid"):
        validate_config(config, SCHEMA)


def test_missing_required_key():
    config = copy.deepcopy(DEMO)
    del config["samples"]["control_group"]
    with pytest.raises(InputError, match="'control_group' is required"):
        validate_config(config, SCHEMA)


def test_contradictory_groups_and_control():
    config = copy.deepcopy(DEMO)
    config["samples"]["groups"] = ["AD", "PSO"]
    with pytest.raises(InputError, match="control group 'HC' is not in 'groups'"):
        validate_config(config, SCHEMA)


def test_missing_input_file_named_with_its_key(tmp_path):
    config = validate_config(copy.deepcopy(DEMO), SCHEMA)
    config["inputs"]["npx"] = [str(tmp_path / "absent.csv")]
    with pytest.raises(InputError, match=r"absent.csv \(config inputs: npx\): file not found"):
        check_input_files(config)


def test_every_schema_key_is_documented():
    reference = (REPO / "config" / "README.md").read_text()

    def keys(schema, prefix=""):
        for key, sub in schema.get("properties", {}).items():
            yield prefix, key
            yield from keys(sub, f"{prefix}{key}.")

    missing = [f"{p}{k}" for p, k in keys(SCHEMA) if f"`{k}`" not in reference]
    assert not missing, f"config/README.md does not document {missing}"
