//! The score statement (DESIGN §1 step 3), one proof per validator per epoch:
//!
//! > the validator's u16 weight row (hidden in `cw`, or public) is the max-upscaled row of the
//! > public scoring function applied to outputs that open the miners' commitments and to labels
//! > whose leaves — with features digests that hash to the query digest the miners signed — open
//! > the validator's registered evaluation-set root at the sampled indices.
//!
//! Four parts, as every statement: the public [`ScoreStatement`] with its encoding as six public
//! inputs [`ScoreStatement::public_inputs`]; the private [`ScoreWitness`]; the native reference
//! [`evaluate`]; and the constraints ([`constraints::ScoreCircuit`], feature `r1cs`).
//!
//! ## Public inputs
//! `[netuid, epoch, hotkey_lo, hotkey_hi, weights, rest_digest]`: the four fields an on-chain
//! verifier (an EVM contract) checks against its own data — `hotkey_lo` / `hotkey_hi` are the
//! first / last 16 bytes of the hotkey read as little-endian integers, `weights` is the weight
//! commitment `cw` (public mode: the Poseidon digest of the packed row) — and the Poseidon digest of
//! the rest of the statement ([`ScoreStatement::rest_elements`]), which whoever holds the data
//! (the subnet chain, an auditor) recomputes. Pairing cost does not grow with the miners.
//!
//! ## Absent miners
//! A miner that did not answer in time, answered malformed, or mis-signed scores 0. The statement
//! marks it with the commitment `0` (no Poseidon output is 0 in practice, so no opening exists):
//! the circuit then ignores that miner's outputs and forces its score to 0.

#[cfg(feature = "r1cs")]
pub mod constraints;
#[cfg(feature = "halo2")]
pub mod halo2;

use crate::commitment::{
    merkle_root_from_path, miner_commitment, public_weights_digest, query_digest, record_leaf,
    sample_indices, weight_commitment, MerkleTree,
};
use crate::field::{blake3_to_fr, bytes32_to_fr_pair, pack_le, serde_hex};
use crate::poseidon::{hash_many, Domain};
use crate::scoring::ScoringFunction;
use crate::weights::u16_max_upscale;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use ark_bn254::Fr;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Version of the statement encoding.
pub const STATEMENT_VERSION: u32 = 2;
/// Number of public inputs of a score proof.
pub const PUBLIC_INPUTS: usize = 6;
/// Sample indices packed per field element in the digest (32 bits each).
pub const INDICES_PER_ELEMENT: usize = 7;
/// Deepest supported evaluation-set tree.
pub const MAX_DEPTH: u32 = 32;
/// Most miners a score shape may have (a subnet has at most 65 536 uids).
pub const MAX_MINERS: u32 = 1 << 16;
/// Most samples per epoch a score shape may have.
pub const MAX_SAMPLES: u32 = 1 << 12;

/// How the weight row appears in the statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WeightsMode {
    /// Only the weight commitment `cw` is public.
    Hidden,
    /// The row itself is public (for set_weights on today's Bittensor).
    Public,
}

/// The shape a score circuit is built for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreShape {
    /// Miners scored (the row length).
    pub miners: u32,
    /// Samples per epoch (outputs per miner).
    pub samples: u32,
    /// Depth of the evaluation-set tree (up to `2^depth` records).
    pub depth: u32,
    /// Hidden or public row.
    pub mode: WeightsMode,
}

impl ScoreShape {
    /// `<miners>x<samples>-d<depth>-<mode>`, e.g. `256x32-d10-hidden`.
    pub fn name(&self) -> String {
        let mode = match self.mode {
            WeightsMode::Hidden => "hidden",
            WeightsMode::Public => "public",
        };
        format!("{}x{}-d{}-{mode}", self.miners, self.samples, self.depth)
    }

    /// Check the shape is buildable.
    pub fn validate(&self) -> Result<(), ScoreError> {
        if self.miners == 0
            || self.samples == 0
            || self.miners > MAX_MINERS
            || self.samples > MAX_SAMPLES
            || self.depth == 0
            || self.depth > MAX_DEPTH
        {
            return Err(ScoreError::Shape(self.name()));
        }
        Ok(())
    }
}

/// Identity of a score circuit: scoring function and shape. Hashed into every statement (and
/// fixed inside the circuit), so a proof for one circuit never passes as another's.
pub fn circuit_id(scoring_id: &str, shape: &ScoreShape) -> String {
    format!(
        "zkyuma/score/v{STATEMENT_VERSION}/{scoring_id}/{}",
        shape.name()
    )
}

/// The weight row's place in the statement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WeightsBinding {
    /// `cw = Poseidon(pack(row) ‖ blinding)`.
    Hidden {
        /// The weight commitment.
        #[serde(with = "serde_hex::fr")]
        commitment: Fr,
    },
    /// The row as the chain stores it.
    Public {
        /// Max-upscaled u16 row, one entry per miner.
        row: Vec<u16>,
    },
}

/// The public statement of a score proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreStatement {
    /// Subnet.
    pub netuid: u16,
    /// Epoch.
    pub epoch: u64,
    /// The validator's hotkey (sr25519 public key).
    #[serde(with = "serde_hex::bytes32")]
    pub validator_hotkey: [u8; 32],
    /// Scoring function id (see [`ScoringFunction::id`]).
    pub scoring: String,
    /// Circuit shape.
    pub shape: ScoreShape,
    /// blake3 of the verifying key's canonical compressed bytes.
    #[serde(with = "serde_hex::bytes32")]
    pub vk_hash: [u8; 32],
    /// The validator's registered evaluation-set root.
    #[serde(with = "serde_hex::fr")]
    pub dataset_root: Fr,
    /// Number of records under the root (indices are drawn below it).
    pub dataset_size: u64,
    /// The epoch's public sample seed.
    #[serde(with = "serde_hex::bytes32")]
    pub sample_seed: [u8; 32],
    /// Digest of the features digests sent to the miners.
    #[serde(with = "serde_hex::fr")]
    pub query_digest: Fr,
    /// One commitment per miner, in uid order; `0` marks an absent miner (scored 0).
    #[serde(with = "serde_hex::fr_vec")]
    pub miner_commitments: Vec<Fr>,
    /// The weight row, hidden or public.
    pub weights: WeightsBinding,
}

/// Why a statement, witness or round is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ScoreError {
    /// The shape cannot be built.
    #[error("score shape {0} is not supported (1 <= miners <= 65536, 1 <= samples <= 4096, 1 <= depth <= 32)")]
    Shape(String),
    /// A length does not match the shape.
    #[error("{what}: {got} entries, the shape needs {expected}")]
    Length {
        /// What was measured.
        what: &'static str,
        /// Needed.
        expected: usize,
        /// Found.
        got: usize,
    },
    /// The binding mode does not match the shape's mode.
    #[error("the statement's weights binding does not match the shape's mode")]
    Mode,
    /// A miner's outputs do not open its commitment.
    #[error("miner {miner}: outputs and blinding do not open the commitment")]
    MinerOpening {
        /// Position of the miner.
        miner: usize,
    },
    /// A sampled record does not open the dataset root.
    #[error("sample {sample}: record does not open the dataset root at index {index}")]
    RecordOpening {
        /// Sample number.
        sample: usize,
        /// Its index.
        index: u64,
    },
    /// The sampled features digests do not hash to the query digest.
    #[error("the sampled features digests do not hash to the query digest")]
    QueryDigest,
    /// The weight row does not open the weight commitment / equal the public row.
    #[error("the weight row does not match the statement's weights binding")]
    WeightsBinding,
    /// The scoring function is not the one the statement names.
    #[error("the statement names scoring function {expected}, the check was given {got}")]
    Scoring {
        /// The statement's.
        expected: String,
        /// The one given.
        got: String,
    },
    /// The dataset is empty, too large for the tree, or a record index is out of range.
    #[error("evaluation set: {0}")]
    Dataset(String),
}

impl ScoreStatement {
    /// The sample indices this statement's seed and hotkey select. The set size is capped at
    /// `2^depth` so every index fits the `depth` index bits the circuit packs, even for a
    /// statement that was never validated.
    pub fn sample_indices(&self) -> Vec<u64> {
        let leaves = 1u64 << self.shape.depth.min(MAX_DEPTH);
        sample_indices(
            &self.sample_seed,
            &self.validator_hotkey,
            self.shape.samples as usize,
            self.dataset_size.min(leaves),
        )
    }

    /// Check lengths and mode against the shape.
    pub fn validate(&self) -> Result<(), ScoreError> {
        self.shape.validate()?;
        let m = self.shape.miners as usize;
        if self.miner_commitments.len() != m {
            return Err(ScoreError::Length {
                what: "miner_commitments",
                expected: m,
                got: self.miner_commitments.len(),
            });
        }
        match (&self.weights, self.shape.mode) {
            (WeightsBinding::Hidden { .. }, WeightsMode::Hidden) => {}
            (WeightsBinding::Public { row }, WeightsMode::Public) => {
                if row.len() != m {
                    return Err(ScoreError::Length {
                        what: "weights.row",
                        expected: m,
                        got: row.len(),
                    });
                }
            }
            _ => return Err(ScoreError::Mode),
        }
        if self.dataset_size == 0 || self.dataset_size > 1u64 << self.shape.depth {
            return Err(ScoreError::Dataset(format!(
                "size {} does not fit a tree of depth {}",
                self.dataset_size, self.shape.depth
            )));
        }
        Ok(())
    }

    /// The elements of the statement behind `rest_digest`, in order. Netuid, epoch and hotkey are
    /// repeated here so that every public input is used by a constraint of the circuit itself, not
    /// only by the proof system's input-consistency terms.
    pub fn rest_elements(&self) -> Vec<Fr> {
        let mut e = Vec::new();
        e.push(blake3_to_fr(b"zkyuma/score-statement/v2"));
        e.push(Fr::from(self.netuid));
        e.push(Fr::from(self.epoch));
        e.extend(bytes32_to_fr_pair(&self.validator_hotkey));
        e.push(blake3_to_fr(
            circuit_id(&self.scoring, &self.shape).as_bytes(),
        ));
        e.extend(bytes32_to_fr_pair(&self.vk_hash));
        e.push(self.dataset_root);
        e.push(Fr::from(self.dataset_size));
        e.extend(bytes32_to_fr_pair(&self.sample_seed));
        e.push(self.query_digest);
        e.extend(pack_le(&self.sample_indices(), 32, INDICES_PER_ELEMENT));
        e.extend(self.miner_commitments.iter().copied());
        e
    }

    /// The weights public input: `cw` (hidden mode) or the digest of the packed row (public mode).
    pub fn weights_element(&self) -> Fr {
        match &self.weights {
            WeightsBinding::Hidden { commitment } => *commitment,
            WeightsBinding::Public { row } => public_weights_digest(row),
        }
    }

    /// The proof's public inputs: `[netuid, epoch, hotkey_lo, hotkey_hi, weights, rest_digest]`.
    pub fn public_inputs(&self) -> Vec<Fr> {
        let [hotkey_lo, hotkey_hi] = bytes32_to_fr_pair(&self.validator_hotkey);
        alloc::vec![
            Fr::from(self.netuid),
            Fr::from(self.epoch),
            hotkey_lo,
            hotkey_hi,
            self.weights_element(),
            hash_many(Domain::ScoreRest, &self.rest_elements()),
        ]
    }

    /// Whether miner `i` answered (its commitment is not the absent marker 0).
    pub fn present(&self, i: usize) -> bool {
        self.miner_commitments
            .get(i)
            .is_some_and(|c| *c != Fr::from(0u64))
    }
}

/// The private witness of a score proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreWitness {
    /// `outputs[i][k]`: miner `i`'s output for sample `k`.
    pub outputs: Vec<Vec<u16>>,
    /// Miner blindings.
    #[serde(with = "serde_hex::fr_vec")]
    pub blindings: Vec<Fr>,
    /// Labels of the sampled records.
    pub labels: Vec<u16>,
    /// Features digests of the sampled records.
    #[serde(with = "serde_hex::fr_vec")]
    pub features_digests: Vec<Fr>,
    /// Merkle paths of the sampled records (leaf to root).
    #[serde(with = "serde_hex::fr_vec_vec")]
    pub paths: Vec<Vec<Fr>>,
    /// Blinding of the weight commitment (0 in public mode).
    #[serde(with = "serde_hex::fr")]
    pub weight_blinding: Fr,
}

/// What the native reference computes from a witness.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScoreEvaluation {
    /// Score per miner.
    pub scores: Vec<u16>,
    /// The stored weight row.
    pub row: Vec<u16>,
}

/// The native reference: check every opening of `witness` against `statement` and compute the
/// scores and the row. `Ok` exactly when the circuit is satisfiable with this witness.
pub fn evaluate(
    statement: &ScoreStatement,
    witness: &ScoreWitness,
    scoring: &(impl ScoringFunction + ?Sized),
) -> Result<ScoreEvaluation, ScoreError> {
    statement.validate()?;
    // The circuit binds its own scoring function's identity into the rest digest.
    if scoring.id() != statement.scoring {
        return Err(ScoreError::Scoring {
            expected: statement.scoring.clone(),
            got: scoring.id(),
        });
    }
    let (m, k, d) = (
        statement.shape.miners as usize,
        statement.shape.samples as usize,
        statement.shape.depth as usize,
    );
    let len = |what, expected, got| {
        if expected == got {
            Ok(())
        } else {
            Err(ScoreError::Length {
                what,
                expected,
                got,
            })
        }
    };
    len("outputs", m, witness.outputs.len())?;
    len("blindings", m, witness.blindings.len())?;
    len("labels", k, witness.labels.len())?;
    len("features_digests", k, witness.features_digests.len())?;
    len("paths", k, witness.paths.len())?;
    for (i, (outputs, blinding)) in witness.outputs.iter().zip(&witness.blindings).enumerate() {
        len("outputs[i]", k, outputs.len())?;
        if statement.present(i)
            && miner_commitment(outputs, *blinding) != statement.miner_commitments[i]
        {
            return Err(ScoreError::MinerOpening { miner: i });
        }
    }
    for (s, index) in statement.sample_indices().into_iter().enumerate() {
        len("paths[k]", d, witness.paths[s].len())?;
        let leaf = record_leaf(witness.features_digests[s], witness.labels[s]);
        if merkle_root_from_path(leaf, index, &witness.paths[s]) != statement.dataset_root {
            return Err(ScoreError::RecordOpening { sample: s, index });
        }
    }
    if query_digest(&witness.features_digests) != statement.query_digest {
        return Err(ScoreError::QueryDigest);
    }
    let scores: Vec<u16> = witness
        .outputs
        .iter()
        .enumerate()
        .map(|(i, o)| {
            if statement.present(i) {
                scoring.score(o, &witness.labels)
            } else {
                0
            }
        })
        .collect();
    let row = u16_max_upscale(&scores);
    let bound = match &statement.weights {
        WeightsBinding::Hidden { commitment } => {
            weight_commitment(&row, witness.weight_blinding) == *commitment
        }
        WeightsBinding::Public { row: public } => *public == row,
    };
    if !bound {
        return Err(ScoreError::WeightsBinding);
    }
    Ok(ScoreEvaluation { scores, row })
}

/// One record of a validator's private evaluation set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Fixed-point features (e.g. scaled by 2^16).
    pub features: Vec<i64>,
    /// Fixed-point label (u16 on the unit scale).
    pub label: u16,
}

/// One miner's answer to the validator's task.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinerAnswer {
    /// One output per sampled record.
    pub outputs: Vec<u16>,
    /// The commitment's blinding.
    #[serde(with = "serde_hex::fr")]
    pub blinding: Fr,
}

/// Everything a validator holds for one epoch: the input of `zkyuma prove score`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreRound {
    /// Subnet.
    pub netuid: u16,
    /// Epoch.
    pub epoch: u64,
    /// Validator hotkey.
    #[serde(with = "serde_hex::bytes32")]
    pub validator_hotkey: [u8; 32],
    /// Evaluation-set tree depth (shape).
    pub depth: u32,
    /// Hidden or public row.
    pub mode: WeightsMode,
    /// The epoch's sample seed.
    #[serde(with = "serde_hex::bytes32")]
    pub sample_seed: [u8; 32],
    /// The validator's private evaluation set.
    pub records: Vec<Record>,
    /// Outputs per miner (the shape's K).
    pub samples: u32,
    /// The miners' answers, in uid order (each with `samples` outputs); `None` for a miner that
    /// did not answer validly (scored 0).
    pub miners: Vec<Option<MinerAnswer>>,
    /// Blinding of the weight commitment (hidden mode).
    #[serde(with = "serde_hex::fr")]
    pub weight_blinding: Fr,
}

impl ScoreRound {
    /// The circuit shape this round needs.
    pub fn shape(&self) -> ScoreShape {
        ScoreShape {
            miners: self.miners.len() as u32,
            samples: self.samples,
            depth: self.depth,
            mode: self.mode,
        }
    }

    /// The evaluation-set tree.
    pub fn dataset_tree(&self) -> Result<MerkleTree, ScoreError> {
        let leaves: Vec<Fr> = self
            .records
            .iter()
            .map(|r| record_leaf(crate::commitment::features_digest(&r.features), r.label))
            .collect();
        MerkleTree::new(&leaves, self.depth).ok_or_else(|| {
            ScoreError::Dataset(format!(
                "{} records do not fit a tree of depth {}",
                self.records.len(),
                self.depth
            ))
        })
    }

    /// Build the statement and witness, and check them with the native reference.
    pub fn build(
        &self,
        scoring: &impl ScoringFunction,
        vk_hash: [u8; 32],
    ) -> Result<(ScoreStatement, ScoreWitness, ScoreEvaluation), ScoreError> {
        let shape = self.shape();
        shape.validate()?;
        if self.records.is_empty() {
            return Err(ScoreError::Dataset("no records".into()));
        }
        let tree = self.dataset_tree()?;
        let indices = sample_indices(
            &self.sample_seed,
            &self.validator_hotkey,
            shape.samples as usize,
            self.records.len() as u64,
        );
        let mut features_digests = Vec::new();
        let mut labels = Vec::new();
        let mut paths = Vec::new();
        for &i in &indices {
            let record = &self.records[i as usize];
            features_digests.push(crate::commitment::features_digest(&record.features));
            labels.push(record.label);
            paths.push(
                tree.path(i)
                    .ok_or_else(|| ScoreError::Dataset(format!("index {i} outside the tree")))?,
            );
        }
        let k = shape.samples as usize;
        for (miner, answer) in self.miners.iter().enumerate() {
            if let Some(a) = answer {
                if a.outputs.len() != k {
                    return Err(ScoreError::Length {
                        what: "miners[i].outputs",
                        expected: k,
                        got: a.outputs.len(),
                    });
                }
                if miner_commitment(&a.outputs, a.blinding) == Fr::from(0u64) {
                    return Err(ScoreError::MinerOpening { miner });
                }
            }
        }
        let outputs: Vec<Vec<u16>> = self
            .miners
            .iter()
            .map(|m| {
                m.as_ref()
                    .map_or_else(|| alloc::vec![0; k], |a| a.outputs.clone())
            })
            .collect();
        let scores: Vec<u16> = self
            .miners
            .iter()
            .zip(&outputs)
            .map(|(m, o)| m.as_ref().map_or(0, |_| scoring.score(o, &labels)))
            .collect();
        let row = u16_max_upscale(&scores);
        let weights = match self.mode {
            WeightsMode::Hidden => WeightsBinding::Hidden {
                commitment: weight_commitment(&row, self.weight_blinding),
            },
            WeightsMode::Public => WeightsBinding::Public { row },
        };
        let statement = ScoreStatement {
            netuid: self.netuid,
            epoch: self.epoch,
            validator_hotkey: self.validator_hotkey,
            scoring: scoring.id(),
            shape,
            vk_hash,
            dataset_root: tree.root(),
            dataset_size: self.records.len() as u64,
            sample_seed: self.sample_seed,
            query_digest: query_digest(&features_digests),
            miner_commitments: self
                .miners
                .iter()
                .map(|m| {
                    m.as_ref()
                        .map_or(Fr::from(0u64), |a| miner_commitment(&a.outputs, a.blinding))
                })
                .collect(),
            weights,
        };
        let witness = ScoreWitness {
            outputs,
            blindings: self
                .miners
                .iter()
                .map(|m| m.as_ref().map_or(Fr::from(0u64), |a| a.blinding))
                .collect(),
            labels,
            features_digests,
            paths,
            weight_blinding: match self.mode {
                WeightsMode::Hidden => self.weight_blinding,
                WeightsMode::Public => Fr::from(0u64),
            },
        };
        let evaluation = evaluate(&statement, &witness, scoring)?;
        Ok((statement, witness, evaluation))
    }
}

/// A statement of the given shape with placeholder values (key generation synthesizes the
/// circuit from it; its values are never proven).
pub fn blank_statement(scoring: &str, shape: ScoreShape) -> ScoreStatement {
    let weights = match shape.mode {
        WeightsMode::Hidden => WeightsBinding::Hidden {
            commitment: Fr::from(0u64),
        },
        WeightsMode::Public => WeightsBinding::Public {
            row: alloc::vec![0; shape.miners as usize],
        },
    };
    ScoreStatement {
        netuid: 0,
        epoch: 0,
        validator_hotkey: [0; 32],
        scoring: scoring.into(),
        shape,
        vk_hash: [0; 32],
        dataset_root: Fr::from(0u64),
        dataset_size: 1,
        sample_seed: [0; 32],
        query_digest: Fr::from(0u64),
        miner_commitments: alloc::vec![Fr::from(0u64); shape.miners as usize],
        weights,
    }
}

/// A witness of the right shape with every value zero: what key generation synthesizes.
pub fn blank(shape: &ScoreShape) -> ScoreWitness {
    let (m, k, d) = (
        shape.miners as usize,
        shape.samples as usize,
        shape.depth as usize,
    );
    ScoreWitness {
        outputs: alloc::vec![alloc::vec![0; k]; m],
        blindings: alloc::vec![Fr::from(0u64); m],
        labels: alloc::vec![0; k],
        features_digests: alloc::vec![Fr::from(0u64); k],
        paths: alloc::vec![alloc::vec![Fr::from(0u64); d]; k],
        weight_blinding: Fr::from(0u64),
    }
}
