"""Typed stubs of zkyuma's native module (the Rust bindings)."""

from os import PathLike
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

# A row of ints or a numpy array (anything with ``tolist``).
IntRow = Union[Sequence[int], Any]
# Rows of ints or a 2-D numpy array.
IntMatrix = Union[Sequence[Sequence[int]], Any]
StrPath = Union[str, PathLike[str]]
Json = Union[str, Dict[str, Any]]

class ZkyumaError(Exception):
    """Base of every zkyuma error."""

    kind: str
    """The Rust error's variant, e.g. ``"MinerOpening"``."""
    fields: Dict[str, Any]
    """The variant's fields (each also set as an attribute)."""

class InputError(ZkyumaError):
    """An argument zkyuma cannot take; ``fields["argument"]`` names it."""

class ScoreError(ZkyumaError):
    """A round or statement the score rules refuse."""

class ProverError(ZkyumaError):
    """Keys that cannot be made, read or used, or a proof that cannot be made."""

class VerifyError(ZkyumaError):
    """A proof, key or statement that does not verify or does not decode."""

class EpochError(ZkyumaError):
    """An epoch input the native epoch refuses."""

class AuditError(ZkyumaError):
    """Bundles that cannot be read for an audit."""

class SubnetError(ZkyumaError):
    """A local subnet or one of its roles that failed; ``fields["role"]`` names it."""

def miner_commitment(outputs: IntRow, blinding: int) -> int:
    """A miner's commitment to its u16 outputs under ``blinding``."""

def weight_commitment(row: IntRow, blinding: int) -> int:
    """A validator's hidden-mode commitment to its weight row."""

def public_weights_digest(row: IntRow) -> int:
    """The public-mode digest of a weight row (the proof's weights input)."""

def random_blinding() -> int:
    """A uniformly random field element from the operating system's generator."""

def sample_indices(
    sample_seed: bytes, validator_hotkey: bytes, samples: int, dataset_size: int
) -> List[int]:
    """The evaluation-record indices an epoch's seed selects for a validator."""

def score(
    scoring_name: str,
    outputs: IntMatrix,
    labels: IntRow,
    present: Optional[Sequence[bool]] = None,
) -> Tuple[List[int], List[int]]:
    """``(scores, row)``: the scoring function on miners × samples outputs, and the weight row
    (max-upscaled to u16) the score proof binds."""

def verify_score(vk_bytes: bytes, statement: Json, proof: bytes) -> None:
    """Verify a score proof; raises :class:`VerifyError` when it does not verify."""

def run_epoch(input: Json) -> Dict[str, Any]:
    """Yuma consensus on an epoch input, bit-exact with subtensor."""

def audit_bundles(
    bundles_dir: StrPath, params_dir: Optional[StrPath] = None
) -> AuditReport:
    """Audit every epoch bundle in a directory."""

class EvaluationSet:
    """A validator's private evaluation set as the Merkle tree whose root it registers."""

    def __init__(self, features: IntMatrix, labels: IntRow, depth: int) -> None: ...
    @property
    def root(self) -> int: ...
    @property
    def size(self) -> int: ...
    @property
    def depth(self) -> int: ...
    def leaf(self, index: int) -> int: ...
    def path(self, index: int) -> List[int]: ...
    @staticmethod
    def verify_path(leaf: int, index: int, path: Sequence[int], root: int) -> bool: ...

class ScoreRound:
    """Everything a validator holds for one epoch's score proof."""

    def __init__(
        self,
        netuid: int,
        epoch: int,
        validator_hotkey: bytes,
        sample_seed: bytes,
        evaluation_set: EvaluationSet,
        outputs: IntMatrix,
        blindings: Sequence[Optional[int]],
        mode: str = "hidden",
        weight_blinding: Optional[int] = None,
    ) -> None:
        """``weight_blinding`` defaults to a fresh random one in hidden mode."""
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(text: str) -> ScoreRound: ...
    def sample_indices(self) -> List[int]: ...
    def sampled_labels(self) -> List[int]: ...
    @property
    def shape(self) -> Tuple[int, int, int, str]:
        """``(miners, samples, depth, mode)``."""

class ScoreProof:
    """A score proof, its public statement, and the validator's private scores and row."""

    proof: bytes
    statement_json: str
    scores: List[int]
    row: List[int]
    @property
    def statement(self) -> Dict[str, Any]: ...

class ScoreKeys:
    """Groth16 keys of one score circuit."""

    @staticmethod
    def setup(
        scoring: str,
        miners: int,
        samples: int,
        depth: int,
        mode: str = "hidden",
        insecure_seed: Optional[str] = None,
    ) -> ScoreKeys: ...
    @staticmethod
    def load(
        params_dir: StrPath,
        keys_dir: StrPath,
        scoring: str,
        miners: int,
        samples: int,
        depth: int,
        mode: str = "hidden",
    ) -> ScoreKeys: ...
    def save(self, params_dir: StrPath, keys_dir: StrPath) -> None: ...
    @property
    def name(self) -> str: ...
    @property
    def vk_bytes(self) -> bytes: ...
    @property
    def vk_hash(self) -> bytes: ...
    @property
    def constraints(self) -> int: ...
    def prove(self, round: ScoreRound) -> ScoreProof: ...

class AuditReport:
    """The audit of a directory of epoch bundles."""

    passed: bool
    epochs: List[Dict[str, Any]]
    text: str

class LocalValidator:
    """One validator of a :class:`LocalSubnet`, driven phase by phase."""

    @property
    def hotkey(self) -> bytes: ...
    def register(self) -> Tuple[bool, str]: ...
    def evaluation_set(self) -> EvaluationSet: ...
    def query_miners(self, epoch: int) -> Dict[str, Any]: ...
    def prove(self, epoch: int) -> Dict[str, Any]: ...
    def submit(self, epoch: int) -> Tuple[bool, str]: ...

class LocalSubnet:
    """A 7-uid subnet on loopback with keys from the insecure local setup."""

    def __init__(
        self,
        validator_stakes: Sequence[int],
        miner_stakes: Sequence[int],
        dir: Optional[StrPath] = None,
        name: str = "py",
    ) -> None: ...
    @property
    def chain_url(self) -> str: ...
    @property
    def epoch(self) -> int: ...
    @property
    def bundles_dir(self) -> str: ...
    @property
    def scoring(self) -> str: ...
    @property
    def validators(self) -> int: ...
    def metagraph(self) -> Dict[str, Any]: ...
    def validator(self, index: int) -> LocalValidator: ...
    def close_epoch(self) -> Tuple[int, int]: ...
    def audit(self) -> AuditReport: ...
    def close(self) -> None: ...
    def __enter__(self) -> LocalSubnet: ...
    def __exit__(self, *args: Any) -> bool: ...
