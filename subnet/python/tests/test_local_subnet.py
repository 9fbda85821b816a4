"""The example validator loop against a local subnet, and a tampered bundle failing its audit."""

import json
import pathlib
import subprocess
import sys

import pytest

import zkyuma

EXAMPLE = pathlib.Path(__file__).parent.parent / "examples" / "validator.py"


def test_the_example_validator_loop_runs_and_audits(tmp_path):
    run = subprocess.run(
        [sys.executable, str(EXAMPLE), "--epochs", "2", "--dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count("accepted") == 4, run.stdout
    assert "epoch 2: consensus proven" in run.stdout
    bundles = sorted((tmp_path / "bundles").glob("epoch-*.json"))
    assert len(bundles) == 2
    report = zkyuma.audit_bundles(tmp_path / "bundles")
    assert report.passed, report.text
    assert [e["epoch"] for e in report.epochs] == [1, 2]
    assert all(e["score_proofs"] == 2 for e in report.epochs)

    # A bundle whose epoch input claims another stake fails the audit.
    doc = json.loads(bundles[0].read_text())
    tampered = tmp_path / "tampered"
    tampered.mkdir()
    doc["epoch_input"]["stake"][-1] += 1
    (tampered / bundles[0].name).write_text(json.dumps(doc))
    report = zkyuma.audit_bundles(tampered)
    assert not report.passed
    assert report.epochs[0]["failures"], report.text


def test_validator_phases_and_refusals():
    with zkyuma.LocalSubnet([3_000_000, 2_000_000], [0] * 5, name="phases") as subnet:
        meta = subnet.metagraph()
        assert len(meta["neurons"]) == 7 and meta["epoch"] == 1
        assert [n["validator_permit"] for n in meta["neurons"]][:2] == [True, True]
        v = subnet.validator(0)
        assert v.register() == (True, "")
        answers = v.query_miners(1)
        assert len(answers["labels"]) == 4 and len(answers["miners"]) == 7
        answered = [m for m in answers["miners"] if m["status"] == "ok"]
        assert len(answered) == 5 and all(m["outputs"] == answers["labels"] for m in answered)
        proven = v.prove(1)
        assert proven["row"] == [0, 0] + [65535] * 5
        assert v.submit(1) == (True, "")
        with pytest.raises(zkyuma.SubnetError) as e:
            v.query_miners(7)
        assert e.value.role == "validator" and "epoch" in str(e.value)
        with pytest.raises(zkyuma.InputError):
            subnet.validator(2)
    with pytest.raises(zkyuma.SubnetError):
        subnet.epoch
