"""The native epoch on a subtensor vector, and audits of bundles."""

import json
import pathlib

import pytest

import zkyuma

DATA = pathlib.Path(__file__).parent / "data"


def test_the_native_epoch_matches_subtensor():
    vector = json.loads((DATA / "epoch_bonds_5.json").read_text())
    out = zkyuma.run_epoch(vector["input"])
    assert out == zkyuma.run_epoch(json.dumps(vector["input"]))
    for key, expected in vector["output"].items():
        assert out[key] == expected, key


def test_a_malformed_epoch_input_raises_epoch_error():
    vector = json.loads((DATA / "epoch_bonds_5.json").read_text())
    bad = dict(vector["input"])
    bad["stake"] = bad["stake"][:-1]
    with pytest.raises(zkyuma.EpochError) as e:
        zkyuma.run_epoch(bad)
    assert e.value.kind == "Length" and e.value.field == "stake"
    assert e.value.expected == bad["n"] and e.value.got == bad["n"] - 1
    with pytest.raises(zkyuma.EpochError) as e:
        zkyuma.run_epoch("{}")
    assert e.value.kind == "Json"


def test_auditing_a_missing_directory_raises_audit_error(tmp_path):
    with pytest.raises(zkyuma.AuditError) as e:
        zkyuma.audit_bundles(tmp_path / "nowhere")
    assert e.value.path.endswith("nowhere")


def test_an_empty_directory_does_not_pass(tmp_path):
    report = zkyuma.audit_bundles(tmp_path)
    assert not report.passed and report.epochs == []
