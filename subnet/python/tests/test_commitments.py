"""Commitments, evaluation-set trees and sampling from Python."""

import numpy as np
import pytest

import zkyuma

MODULUS = 21888242871839275222246405745257275088548364400416034343698204186575808495617


def test_miner_commitment_is_the_rust_one_and_binds_outputs_and_blinding():
    # Pinned from the Rust implementation: a change in the commitment scheme must show here.
    c = zkyuma.miner_commitment([1, 2, 3, 65535], 7)
    assert c == zkyuma.miner_commitment(np.array([1, 2, 3, 65535], dtype=np.uint16), 7)
    assert 0 < c < MODULUS
    assert c != zkyuma.miner_commitment([1, 2, 3, 65534], 7)
    assert c != zkyuma.miner_commitment([1, 2, 3, 65535], 8)
    assert c != zkyuma.weight_commitment([1, 2, 3, 65535], 7), "domains are separated"


def test_blindings_are_field_elements():
    b = zkyuma.random_blinding()
    assert 0 <= b < MODULUS and b != zkyuma.random_blinding()
    for bad in (MODULUS, -1, 1 << 256):
        with pytest.raises(zkyuma.InputError) as e:
            zkyuma.miner_commitment([1], bad)
        assert e.value.kind == "Input" and e.value.argument == "blinding"


def test_outputs_out_of_u16_range_are_refused():
    with pytest.raises(zkyuma.InputError) as e:
        zkyuma.miner_commitment([70000], 1)
    assert e.value.fields["argument"] == "outputs"


def test_evaluation_set_paths_open_the_root():
    features = np.arange(10 * 3, dtype=np.int64).reshape(10, 3)
    labels = np.arange(10, dtype=np.uint16) * 1000
    tree = zkyuma.EvaluationSet(features, labels, depth=4)
    assert (tree.size, tree.depth) == (10, 4)
    for i in range(10):
        path = tree.path(i)
        assert len(path) == 4
        assert zkyuma.EvaluationSet.verify_path(tree.leaf(i), i, path, tree.root)
        assert not zkyuma.EvaluationSet.verify_path(tree.leaf(i), (i + 1) % 10, path, tree.root)
    other = zkyuma.EvaluationSet(features, labels + 1, depth=4)
    assert other.root != tree.root, "the root binds the labels"
    with pytest.raises(zkyuma.InputError):
        tree.path(10)


def test_evaluation_set_refuses_what_does_not_fit():
    with pytest.raises(zkyuma.InputError) as e:
        zkyuma.EvaluationSet([[1]] * 9, [1] * 9, depth=3)
    assert e.value.argument == "features"
    with pytest.raises(zkyuma.InputError) as e:
        zkyuma.EvaluationSet([[1]] * 2, [1], depth=3)
    assert e.value.argument == "labels"


def test_sample_indices_are_deterministic_and_in_range():
    seed, hotkey = bytes(range(32)), bytes(32)
    a = zkyuma.sample_indices(seed, hotkey, 16, 10)
    assert a == zkyuma.sample_indices(seed, hotkey, 16, 10)
    assert len(a) == 16 and all(0 <= i < 10 for i in a)
    assert a != zkyuma.sample_indices(seed, bytes([1]) + bytes(31), 16, 10)
    with pytest.raises(zkyuma.InputError) as e:
        zkyuma.sample_indices(seed[:31], hotkey, 16, 10)
    assert e.value.argument == "sample_seed"


def test_score_gives_scores_and_the_max_upscaled_row():
    labels = [1000, 2000, 3000, 4000]
    outputs = np.array([labels, [0, 0, 0, 0], [1100, 2100, 2900, 3900]], dtype=np.uint16)
    scores, row = zkyuma.score("mse", outputs, labels)
    assert scores[0] == max(scores) and scores[1] < scores[2] < scores[0]
    assert row[0] == 65535
    absent_scores, _ = zkyuma.score("mse", outputs, labels, [True, True, False])
    assert absent_scores[2] == 0
    with pytest.raises(zkyuma.InputError) as e:
        zkyuma.score("nope", outputs, labels)
    assert e.value.argument == "scoring"


def test_what_would_exhaust_memory_or_overflow_is_refused():
    with pytest.raises(zkyuma.InputError) as e:
        zkyuma.EvaluationSet([[1]], [1], depth=25)
    assert e.value.argument == "depth"
    tree = zkyuma.EvaluationSet([[1], [2]], [1, 2], depth=2)
    with pytest.raises(zkyuma.InputError) as e:
        zkyuma.EvaluationSet.verify_path(tree.leaf(0), 0, [tree.root] * 64, tree.root)
    assert e.value.argument == "path"
    with pytest.raises(zkyuma.InputError) as e:
        zkyuma.EvaluationSet.verify_path(tree.leaf(0), 4, tree.path(0), tree.root)
    assert e.value.argument == "index"
    for samples in (0, 4097):
        with pytest.raises(zkyuma.InputError) as e:
            zkyuma.sample_indices(bytes(32), bytes(32), samples, 10)
        assert e.value.argument == "samples"
