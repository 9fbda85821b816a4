"""Score rounds from numpy arrays, proofs, verification and their typed failures."""

import json

import numpy as np
import pytest

import zkyuma
from conftest import DEPTH, MINERS, SAMPLES

HOTKEY = bytes([7]) * 32
SEED = bytes([9]) * 32


def evaluation_set() -> zkyuma.EvaluationSet:
    features = np.array([[3000 + 7000 * r, r] for r in range(8)], dtype=np.int64)
    labels = features[:, 0].astype(np.uint16)
    return zkyuma.EvaluationSet(features, labels, depth=DEPTH)


def make_round(outputs=None, blindings=None, mode="public") -> zkyuma.ScoreRound:
    tree = evaluation_set()
    probe = zkyuma.ScoreRound(1, 5, HOTKEY, SEED, tree, [[0] * SAMPLES] * MINERS, [1] * MINERS, mode=mode)
    labels = np.array(probe.sampled_labels(), dtype=np.uint16)
    if outputs is None:
        outputs = np.stack([labels, labels // 2, np.zeros(SAMPLES, dtype=np.uint16)])
    if blindings is None:
        blindings = [11, 12, None]
    return zkyuma.ScoreRound(1, 5, HOTKEY, SEED, tree, outputs, blindings, mode=mode)


def test_a_round_proves_and_verifies(keys):
    rnd = make_round()
    assert rnd.shape == (MINERS, SAMPLES, DEPTH, "public")
    proof = keys.prove(rnd)
    assert len(proof.proof) == 128
    # The row is the scoring function's on the sampled labels; the absent miner scores 0.
    labels = rnd.sampled_labels()
    outputs = [labels, [x // 2 for x in labels], [0] * SAMPLES]
    scores, row = zkyuma.score("mse", outputs, labels, [True, True, False])
    assert (proof.scores, proof.row) == (scores, row)
    st = proof.statement
    assert st["weights"]["public"]["row"] == row
    assert st["epoch"] == 5 and st["netuid"] == 1
    assert int(st["dataset_root"], 16) == evaluation_set().root
    assert int(st["miner_commitments"][0], 16) == zkyuma.miner_commitment(outputs[0], 11)
    assert int(st["miner_commitments"][2], 16) == 0
    zkyuma.verify_score(keys.vk_bytes, proof.statement_json, proof.proof)
    zkyuma.verify_score(keys.vk_bytes, st, proof.proof)


def test_a_statement_with_another_row_does_not_verify(keys):
    proof = keys.prove(make_round())
    st = proof.statement
    st["weights"]["public"]["row"][1] += 1
    with pytest.raises(zkyuma.VerifyError) as e:
        zkyuma.verify_score(keys.vk_bytes, st, proof.proof)
    assert e.value.kind == "Rejected"


def test_malformed_proofs_and_keys_raise_typed_errors(keys):
    proof = keys.prove(make_round())
    with pytest.raises(zkyuma.VerifyError) as e:
        zkyuma.verify_score(keys.vk_bytes, proof.statement_json, proof.proof[:100])
    assert e.value.kind == "Length" and e.value.got == 100 and e.value.expected == 128
    with pytest.raises(zkyuma.VerifyError) as e:
        zkyuma.verify_score(keys.vk_bytes[:-1], proof.statement_json, proof.proof)
    assert e.value.kind in ("Length", "Encoding")
    with pytest.raises(zkyuma.InputError) as e:
        zkyuma.verify_score(keys.vk_bytes, "{not json", proof.proof)
    assert e.value.argument == "statement"


def test_a_round_that_does_not_fit_the_shape_raises_score_error(keys):
    # The second miner sent one output short.
    rnd = make_round(outputs=[[1, 2, 3, 4], [1, 2, 3], [1, 2, 3, 4]])
    with pytest.raises(zkyuma.ScoreError) as e:
        keys.prove(rnd)
    assert e.value.kind == "Length" and e.value.what == "miners[i].outputs"
    assert (e.value.expected, e.value.got) == (SAMPLES, 3)


def test_keys_for_another_shape_are_refused(keys, tmp_path):
    rnd = make_round(mode="hidden", blindings=[11, 12, 13])
    with pytest.raises(zkyuma.ProverError) as e:
        keys.prove(rnd)
    assert e.value.kind == "WrongCircuit"
    assert "hidden" in e.value.expected and "public" in e.value.found


def test_keys_save_and_load_with_checksums(keys, tmp_path):
    keys.save(tmp_path / "params", tmp_path / "keys")
    loaded = zkyuma.ScoreKeys.load(tmp_path / "params", tmp_path / "keys", "mse", MINERS, SAMPLES, DEPTH, mode="public")
    assert loaded.vk_hash == keys.vk_hash and loaded.name == keys.name
    proof = loaded.prove(make_round())
    zkyuma.verify_score(keys.vk_bytes, proof.statement_json, proof.proof)
    pk = next((tmp_path / "keys").rglob("pk.bin"))
    data = bytearray(pk.read_bytes())
    data[len(data) // 2] ^= 1
    pk.write_bytes(bytes(data))
    with pytest.raises(zkyuma.ProverError) as e:
        zkyuma.ScoreKeys.load(tmp_path / "params", tmp_path / "keys", "mse", MINERS, SAMPLES, DEPTH, mode="public")
    assert e.value.kind == "Checksum" and e.value.path.endswith("pk.bin")


def test_rounds_round_trip_through_the_cli_document():
    rnd = make_round()
    again = zkyuma.ScoreRound.from_json(rnd.to_json())
    assert again.to_json() == rnd.to_json()
    doc = json.loads(rnd.to_json())
    assert doc["samples"] == SAMPLES and doc["miners"][2] is None
    with pytest.raises(zkyuma.InputError):
        zkyuma.ScoreRound.from_json('{"netuid": 1}')


def test_a_hidden_row_gets_a_random_blinding_unless_given():
    a = json.loads(make_round(mode="hidden", blindings=[11, 12, 13]).to_json())
    b = json.loads(make_round(mode="hidden", blindings=[11, 12, 13]).to_json())
    assert a["weight_blinding"] != b["weight_blinding"]
    assert int(a["weight_blinding"], 16) != 0
    public = json.loads(make_round().to_json())
    assert int(public["weight_blinding"], 16) == 0


def test_the_samples_come_from_a_miner_that_answered():
    # Miner 0 is absent and sends no outputs; the shape still has 4 samples.
    rnd = make_round(outputs=[[], [1, 2, 3, 4], [5, 6, 7, 8]], blindings=[None, 12, 13])
    assert rnd.shape[1] == SAMPLES
