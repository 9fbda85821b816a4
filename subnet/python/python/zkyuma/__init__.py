"""zkyuma: zero-knowledge proofs that a Bittensor validator's weights follow its miners'
committed outputs and a public scoring function, and of the epoch's Yuma consensus.

The package is the Rust implementation behind a Python door (``zkyuma._native``): the same
commitments, trees, keys, proofs, native epoch and audits as the ``zkyuma`` command line, so a
proof made here verifies there and on the chain, and the other way round.

Field elements are Python ints, hotkeys and seeds 32-byte ``bytes``; rows and matrices may be
lists or numpy arrays. Every error is a :class:`ZkyumaError` whose ``kind`` names the Rust
error and whose ``fields`` hold its fields.
"""

from ._native import (
    AuditError,
    AuditReport,
    EpochError,
    EvaluationSet,
    InputError,
    LocalSubnet,
    LocalValidator,
    ProverError,
    ScoreError,
    ScoreKeys,
    ScoreProof,
    ScoreRound,
    SubnetError,
    VerifyError,
    ZkyumaError,
    audit_bundles,
    miner_commitment,
    public_weights_digest,
    random_blinding,
    run_epoch,
    sample_indices,
    score,
    verify_score,
    weight_commitment,
)

__all__ = [
    "AuditError",
    "AuditReport",
    "EpochError",
    "EvaluationSet",
    "InputError",
    "LocalSubnet",
    "LocalValidator",
    "ProverError",
    "ScoreError",
    "ScoreKeys",
    "ScoreProof",
    "ScoreRound",
    "SubnetError",
    "VerifyError",
    "ZkyumaError",
    "audit_bundles",
    "miner_commitment",
    "public_weights_digest",
    "random_blinding",
    "run_epoch",
    "sample_indices",
    "score",
    "verify_score",
    "weight_commitment",
]
