//! Epoch bundles: every public datum of one paid epoch and every proof, as one JSON file named by
//! its blake3 (`epoch-<E>-<blake3>.json`), written atomically. An auditor needs nothing else (and
//! optionally the pinned `params/`) to re-verify the epoch offline.

use crate::net::protocol::to_json;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use zkyuma_circuits::epoch::EpochStatement;
use zkyuma_circuits::score::ScoreStatement;
use zkyuma_circuits::scoring::Scoring;
use zkyuma_circuits::statement::ProofSystem;

/// Version of the bundle format.
pub const BUNDLE_VERSION: u32 = 5;

/// A neuron as the epoch saw it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleNeuron {
    /// Uid.
    pub uid: u16,
    /// Hotkey (hex).
    pub hotkey: String,
    /// Stake (RAO).
    pub stake: u64,
    /// Permit before the epoch.
    pub validator_permit: bool,
}

/// A registered evaluation set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleDataset {
    /// Validator hotkey (hex).
    pub hotkey: String,
    /// Root (32 bytes little-endian, hex).
    pub root: String,
    /// Records.
    pub size: u64,
    /// The validator's signature of the registration (hex).
    pub signature: String,
    /// The epoch the registration was signed for.
    pub epoch: u64,
}

/// A verifying key the chain verified with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleKey {
    /// The key's proof system.
    #[serde(default)]
    pub proof_system: ProofSystem,
    /// `score` or `epoch`.
    pub circuit: String,
    /// Params name (e.g. `score-mse-a16-12x16-d6-hidden`).
    pub name: String,
    /// The key's canonical bytes (hex).
    pub vk: String,
    /// blake3 of the bytes (hex): the statements' `vk_hash`.
    pub blake3: String,
    /// For keys from a phase-2 ceremony, the transcript hash the subnet registered them with
    /// (`zkyuma audit --params` checks the key against that transcript); absent for keys from a
    /// seeded or local setup.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcript_hash: Option<String>,
}

impl BundleKey {
    /// A key record.
    pub fn new(circuit: &str, name: &str, system: ProofSystem, bytes: &[u8]) -> Self {
        Self {
            proof_system: system,
            circuit: circuit.into(),
            name: name.into(),
            vk: hex::encode(bytes),
            blake3: blake3::hash(bytes).to_hex().to_string(),
            transcript_hash: None,
        }
    }

    /// The record naming the ceremony transcript the key came from.
    pub fn with_transcript(mut self, transcript_hash: Option<String>) -> Self {
        self.transcript_hash = transcript_hash;
        self
    }
}

/// One score submission and the chain's verdict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleScore {
    /// The proof's proof system.
    #[serde(default)]
    pub proof_system: ProofSystem,
    /// The submitting validator's uid, if its hotkey is registered.
    pub validator_uid: Option<u16>,
    /// The statement.
    pub statement: ScoreStatement,
    /// The proof (hex).
    pub proof: String,
    /// The posted miners the validator scores 0, as submitted (hex of the JSON of
    /// `[chain::tasks::MinerDrop]`; empty for none): each with its disclosure.
    #[serde(default)]
    pub dropped_miners: String,
    /// The validator's signature (hex), over the public inputs and the sealed opening.
    pub signature: String,
    /// The weight opening, sealed to the epoch prover (hex of the submitted bytes).
    #[serde(default)]
    pub sealed_opening: String,
    /// Whether the chain accepted it.
    pub accepted: bool,
    /// The rule a refused submission broke (absent when accepted).
    #[serde(default)]
    pub refusal: Option<crate::chain::Refusal>,
    /// Why not.
    pub reason: String,
}

/// Everything public about one paid epoch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EpochBundle {
    /// Format version.
    pub version: u32,
    /// Subnet.
    pub netuid: u16,
    /// Epoch.
    pub epoch: u64,
    /// The previous epoch's public digest (hex; zeros before the first).
    pub prev_digest: String,
    /// This epoch's sample seed (hex).
    pub sample_seed: String,
    /// The subnet's scoring function.
    pub scoring: Scoring,
    /// The metagraph before the epoch.
    pub neurons: Vec<BundleNeuron>,
    /// Registered evaluation sets.
    pub datasets: Vec<BundleDataset>,
    /// Verifying keys.
    pub keys: Vec<BundleKey>,
    /// The subnet's score circuit shape.
    pub score_shape: zkyuma_circuits::score::ScoreShape,
    /// Every score submission of the epoch.
    pub scores: Vec<BundleScore>,
    /// The proven epoch statement.
    pub epoch_statement: EpochStatement,
    /// The epoch proof (hex).
    pub epoch_proof: String,
    /// The epoch proof's proof system.
    #[serde(default)]
    pub epoch_proof_system: ProofSystem,
    /// The chain state the epoch read, as the native epoch's input: block numbers, last
    /// updates, registration blocks, stakes, permits and the subnet's hyperparameters (weights
    /// and bonds are private: empty here; bundles written before liquid alpha hold one all-zero
    /// row per accepted validator, which no rule reads). The epoch
    /// statement's chain state is derived from it.
    pub epoch_input: zkyuma_circuits::yuma::EpochInput,
    /// Whether the subnet stakes each epoch's emission to its uid (as subtensor does): then
    /// the next epoch's stake is this epoch's plus its emission.
    #[serde(default)]
    pub stake_emission: bool,
    /// The subnet's randomness beacon.
    pub beacon: crate::chain::beacon::BeaconInfo,
    /// The epoch's beacon round: the sample seed derives from it (`chain::epoch_seed`).
    pub beacon_round: Option<crate::chain::beacon::BeaconRound>,
    /// The epoch prover's hotkey (hex): weight openings are sealed to it.
    pub epoch_prover: String,
    /// Accepted rows the epoch prover dropped, with the disclosure that shows each opening
    /// invalid.
    #[serde(default)]
    pub dropped: Vec<BundleDrop>,
    /// The epoch's task board: every posted task (with its sealed envelopes), miner commitment
    /// (with its signature and sealed opening) and justified complaint. Each score statement's
    /// miner commitments are re-derived from it.
    #[serde(default)]
    pub tasks: crate::chain::tasks::TaskBoard,
}

/// An accepted row the epoch prover dropped, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleDrop {
    /// The validator's uid.
    pub uid: u16,
    /// The epoch prover's disclosure of the sealed opening's shared key.
    pub disclosure: crate::net::sealed::Disclosure,
    /// What the disclosure shows.
    pub reason: crate::chain::DropReason,
}

/// A failure writing a bundle.
#[derive(Debug, thiserror::Error)]
#[error("writing bundle {path}: {source}")]
pub struct BundleWriteError {
    path: String,
    source: zkyuma_prover::ProverError,
}

impl EpochBundle {
    /// The canonical bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        to_json(self)
    }

    /// The file name of a bundle with these bytes.
    pub fn file_name(epoch: u64, bytes: &[u8]) -> (String, String) {
        let digest = blake3::hash(bytes).to_hex().to_string();
        (format!("epoch-{epoch:06}-{digest}.json"), digest)
    }

    /// Write atomically under `dir`; returns the path and the blake3.
    pub fn write(&self, dir: &Path) -> Result<(PathBuf, String), BundleWriteError> {
        let bytes = self.to_bytes();
        let (name, digest) = Self::file_name(self.epoch, &bytes);
        let path = dir.join(name);
        zkyuma_prover::keys::write_atomic(&path, &bytes).map_err(|source| BundleWriteError {
            path: path.display().to_string(),
            source,
        })?;
        Ok((path, digest))
    }
}
