//! The validator (DESIGN §1 steps 1–3): samples its task from the epoch's seed, queries every
//! miner concurrently with a deadline and a size limit, checks each answer (signature, opening,
//! query digest), scores against its private labels, proves its score proof, submits it to the
//! chain, and sends its signed weight opening to the epoch prover.
//!
//! Its progress through an epoch is persisted after every step (`<state_dir>/epoch-<E>.json`,
//! written atomically): a validator killed mid-epoch resumes where it stopped, without querying
//! the miners again (which would give new commitments) or submitting twice.

use crate::chain::{opening_context, WeightOpening};
use crate::net::hotkey::{
    dataset_payload, miner_commitment_payload, score_submission_payload, verify_signature, Hotkey,
};
use crate::net::protocol::{self, fr_to_bytes, pb, WireError};
use crate::net::sealed;
use crate::net::serve::{chain_client, miner_client};
use ark_bn254::Fr;
use ark_ff::UniformRand;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use zkyuma_circuits::commitment::{
    features_digest, miner_commitment, query_digest, sample_indices, weight_commitment,
};
use zkyuma_circuits::field::serde_hex;
use zkyuma_circuits::score::{
    MinerAnswer, Record, ScoreRound, ScoreStatement, WeightsBinding, WeightsMode,
};
use zkyuma_circuits::scoring::Scoring;
use zkyuma_prover::keys::write_atomic;
use zkyuma_prover::system::StatementProver;

/// How a validator behaves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Behaviour {
    /// Follows the protocol.
    Honest,
    /// Colludes: commits to a row that gives `uid` the maximum weight, whatever the scores say,
    /// and submits it with its (honest) proof. The chain must refuse it.
    ForgeWeight {
        /// The friend.
        uid: u16,
    },
    /// Tries to stall the epoch: its score proof is honest, but the weight opening it seals to
    /// the epoch prover does not open its commitment. The epoch prover must drop the row.
    SealsBadOpening,
}

/// A step of the validator's epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Phase {
    /// Miners' answers collected.
    Answered,
    /// Score proof made.
    Proved,
    /// Submitted to the chain.
    Submitted,
    /// Opening sent to the epoch prover.
    Opened,
}

/// One miner's answer as the validator checked and kept it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct CheckedAnswer {
    /// Outputs.
    pub outputs: Vec<u16>,
    /// Blinding.
    #[serde(with = "serde_hex::fr")]
    pub blinding: Fr,
    /// Commitment.
    #[serde(with = "serde_hex::fr")]
    pub commitment: Fr,
    /// The miner's signature (hex).
    pub signature: String,
}

/// What happened to one miner this epoch.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct MinerOutcome {
    /// Uid.
    pub uid: u16,
    /// The checked answer, or none.
    pub answer: Option<CheckedAnswer>,
    /// Answered, or why the miner scores 0.
    pub status: MinerStatus,
}

/// Whether a miner's answer was kept, and why not.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, thiserror::Error)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum MinerStatus {
    /// Answered and passed every check.
    #[error("ok")]
    Answered,
    /// The uid serves no miner or holds a validator permit (a validator, scored 0).
    #[error("not a miner")]
    NotAMiner,
    /// The uid is this validator's own.
    #[error("self")]
    Own,
    /// No answer before the deadline.
    #[error("no answer before the deadline")]
    Deadline,
    /// The transport failed or the miner answered with an error.
    #[error("{code}: {message}")]
    Unreachable {
        /// The gRPC status code.
        code: String,
        /// Its message.
        message: String,
    },
    /// The answer failed a check.
    #[error("{detail}")]
    Rejected {
        /// Which check.
        check: AnswerCheck,
        /// The check's message.
        detail: String,
    },
}

/// The checks a miner's answer must pass (see [`check_answer`]).
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum AnswerCheck {
    /// The message decodes.
    Wellformed,
    /// From the miner's registered hotkey.
    Hotkey,
    /// As many outputs as samples.
    Outputs,
    /// Outputs and blinding open the commitment.
    Opening,
    /// The miner's query digest is the task's.
    QueryDigest,
    /// The miner's signature verifies.
    Signature,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
struct Proved {
    statement: ScoreStatement,
    proof: String,
    row: Vec<u16>,
    scores: Vec<u16>,
    prove_ms: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
struct EpochProgress {
    epoch: u64,
    #[serde(with = "serde_hex::bytes32")]
    seed: [u8; 32],
    #[serde(with = "serde_hex::fr")]
    weight_blinding: Fr,
    miners: Vec<MinerOutcome>,
    proved: Option<Proved>,
    submitted: Option<(bool, String)>,
}

/// Why a validator's epoch failed.
#[derive(Debug, thiserror::Error)]
pub enum ValidatorError {
    /// The chain is unreachable or refused a query.
    #[error("chain: {0}")]
    Chain(String),
    /// The weight opening could not be sealed to the epoch prover.
    #[error("sealing the weight opening: {0}")]
    Seal(String),
    /// The validator is not (or no longer) in the metagraph.
    #[error("validator hotkey not in the metagraph")]
    NotRegistered,
    /// Proving failed.
    #[error("proving: {0}")]
    Prove(String),
    /// State on disk.
    #[error("state: {0}")]
    Storage(String),
    /// The chain is at another epoch.
    #[error("the chain is at epoch {chain}, not {asked}")]
    Epoch {
        /// The chain's.
        chain: u64,
        /// Asked for.
        asked: u64,
    },
    /// The epoch's beacon round did not reach the chain in time.
    #[error("beacon round {round} did not reach the chain in time: no seed")]
    SeedTimeout {
        /// The epoch's beacon round.
        round: u64,
    },
}

/// How long past its publication time a validator waits for the epoch's beacon round.
pub const SEED_WAIT: Duration = Duration::from_secs(30);

/// The outcome of a validator's epoch.
#[derive(Clone, Debug)]
pub struct ValidatorReport {
    /// Validator name.
    pub name: String,
    /// Per miner.
    pub miners: Vec<MinerOutcome>,
    /// Scores (private; the demo prints them as an insight).
    pub scores: Vec<u16>,
    /// The committed row (private).
    pub row: Vec<u16>,
    /// Whether the chain accepted the score proof, and why not.
    pub accepted: (bool, String),
    /// Proving time.
    pub prove_time: Duration,
    /// Whether this run resumed saved progress.
    pub resumed: bool,
}

/// A validator.
#[derive(Clone)]
pub struct Validator {
    /// Display name.
    pub name: String,
    /// Hotkey.
    pub hotkey: Hotkey,
    /// Subnet.
    pub netuid: u16,
    /// Private evaluation set.
    pub records: Arc<Vec<Record>>,
    /// Tree depth (score shape).
    pub depth: u32,
    /// Samples per epoch (score shape).
    pub samples: u32,
    /// Scoring function.
    pub scoring: Scoring,
    /// The score prover (its proof system's keys for this subnet's score circuit).
    pub keys: Arc<dyn StatementProver<ScoreStatement>>,
    /// Chain endpoint.
    pub chain_url: String,
    /// Where progress is kept.
    pub state_dir: PathBuf,
    /// Per-miner deadline.
    pub deadline: Duration,
    /// Behaviour.
    pub behaviour: Behaviour,
}

impl Validator {
    fn progress_path(&self, epoch: u64) -> PathBuf {
        self.state_dir.join(format!("epoch-{epoch:06}.json"))
    }

    fn load(&self, epoch: u64) -> Result<Option<EpochProgress>, ValidatorError> {
        match std::fs::read(self.progress_path(epoch)) {
            Ok(b) => serde_json::from_slice(&b)
                .map(Some)
                .map_err(|e| ValidatorError::Storage(e.to_string())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(ValidatorError::Storage(e.to_string())),
        }
    }

    fn save(&self, p: &EpochProgress) -> Result<(), ValidatorError> {
        write_atomic(&self.progress_path(p.epoch), &protocol::to_json(p))
            .map_err(|e| ValidatorError::Storage(e.to_string()))
    }

    /// The evaluation set's tree.
    pub fn dataset(&self) -> Result<zkyuma_circuits::commitment::MerkleTree, ValidatorError> {
        let leaves: Vec<Fr> = self
            .records
            .iter()
            .map(|r| {
                zkyuma_circuits::commitment::record_leaf(features_digest(&r.features), r.label)
            })
            .collect();
        zkyuma_circuits::commitment::MerkleTree::new(&leaves, self.depth)
            .ok_or_else(|| ValidatorError::Storage("evaluation set does not fit the tree".into()))
    }

    /// Register the evaluation set's root on the chain (signed for the chain's open epoch).
    pub async fn register(&self) -> Result<(bool, String), ValidatorError> {
        let root = self.dataset()?.root();
        let size = self.records.len() as u64;
        let hotkey = self.hotkey.public();
        let mut chain =
            chain_client(&self.chain_url).map_err(|e| ValidatorError::Chain(e.to_string()))?;
        let epoch = chain
            .get_metagraph(pb::MetagraphRequest {
                netuid: u32::from(self.netuid),
            })
            .await
            .map_err(|e| ValidatorError::Chain(e.message().to_string()))?
            .into_inner()
            .epoch;
        let sig = self
            .hotkey
            .sign(&dataset_payload(self.netuid, &hotkey, &root, size, epoch));
        let r = chain
            .register_dataset(pb::DatasetRegistration {
                netuid: u32::from(self.netuid),
                validator_hotkey: hotkey.to_vec(),
                root: fr_to_bytes(&root).to_vec(),
                size,
                signature: sig.to_vec(),
                epoch,
            })
            .await
            .map_err(|e| ValidatorError::Chain(e.message().to_string()))?
            .into_inner();
        Ok((r.accepted, r.reason))
    }

    /// Run (or resume) epoch `epoch`, stopping after `stop_after` if given (to simulate a crash).
    pub async fn run_epoch(
        &self,
        epoch: u64,
        stop_after: Option<Phase>,
    ) -> Result<ValidatorReport, ValidatorError> {
        let saved = self.load(epoch)?;
        let resumed = saved.is_some();
        let mut progress = match saved {
            Some(p) => p,
            None => {
                let p = self.collect(epoch).await?;
                self.save(&p)?;
                p
            }
        };
        if stop_after == Some(Phase::Answered) {
            return Ok(self.report(&progress, resumed));
        }
        if progress.proved.is_none() {
            progress.proved = Some(self.prove(&progress).await?);
            self.save(&progress)?;
        }
        if stop_after == Some(Phase::Proved) {
            return Ok(self.report(&progress, resumed));
        }
        if progress.submitted.is_none() {
            progress.submitted = Some(self.submit(&progress).await?);
            self.save(&progress)?;
        }
        Ok(self.report(&progress, resumed))
    }

    fn report(&self, p: &EpochProgress, resumed: bool) -> ValidatorReport {
        ValidatorReport {
            name: self.name.clone(),
            miners: p.miners.clone(),
            scores: p
                .proved
                .as_ref()
                .map(|x| x.scores.clone())
                .unwrap_or_default(),
            row: p.proved.as_ref().map(|x| x.row.clone()).unwrap_or_default(),
            accepted: p
                .submitted
                .clone()
                .unwrap_or((false, "not submitted".into())),
            prove_time: Duration::from_millis(p.proved.as_ref().map_or(0, |x| x.prove_ms)),
            resumed,
        }
    }

    /// The epoch's seed from the chain, waiting for its beacon round to be published (at most
    /// [`SEED_WAIT`] past the round's time).
    async fn wait_for_seed(
        &self,
        chain: &mut pb::chain_client::ChainClient<tonic::transport::Channel>,
        epoch: u64,
    ) -> Result<[u8; 32], ValidatorError> {
        let mut give_up: Option<std::time::Instant> = None;
        loop {
            let s = chain
                .get_seed(pb::MetagraphRequest {
                    netuid: u32::from(self.netuid),
                })
                .await
                .map_err(|e| ValidatorError::Chain(e.message().to_string()))?
                .into_inner();
            if s.epoch != epoch {
                return Err(ValidatorError::Epoch {
                    chain: s.epoch,
                    asked: epoch,
                });
            }
            if !s.sample_seed.is_empty() {
                return protocol::bytes32("sample_seed", &s.sample_seed)
                    .map_err(|e| ValidatorError::Chain(e.to_string()));
            }
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
            let until = Duration::from_secs(s.published_at).saturating_sub(now);
            let deadline = *give_up.get_or_insert_with(|| Instant::now() + until + SEED_WAIT);
            if Instant::now() > deadline {
                return Err(ValidatorError::SeedTimeout { round: s.round });
            }
            tokio::time::sleep(until.clamp(Duration::from_millis(50), Duration::from_millis(500)))
                .await;
        }
    }

    /// Step 1–2: the task, and every miner's checked answer.
    async fn collect(&self, epoch: u64) -> Result<EpochProgress, ValidatorError> {
        let mut chain =
            chain_client(&self.chain_url).map_err(|e| ValidatorError::Chain(e.to_string()))?;
        let meta = chain
            .get_metagraph(pb::MetagraphRequest {
                netuid: u32::from(self.netuid),
            })
            .await
            .map_err(|e| ValidatorError::Chain(e.message().to_string()))?
            .into_inner();
        if meta.epoch != epoch {
            return Err(ValidatorError::Epoch {
                chain: meta.epoch,
                asked: epoch,
            });
        }
        let seed = self.wait_for_seed(&mut chain, epoch).await?;
        let me = self.hotkey.public();
        if !meta.neurons.iter().any(|n| n.hotkey == me) {
            return Err(ValidatorError::NotRegistered);
        }
        let indices = sample_indices(&seed, &me, self.samples as usize, self.records.len() as u64);
        let sampled: Vec<&Record> = indices
            .iter()
            .filter_map(|i| self.records.get(*i as usize))
            .collect();
        let q = query_digest(
            &sampled
                .iter()
                .map(|r| features_digest(&r.features))
                .collect::<Vec<_>>(),
        );
        let task = pb::Task {
            netuid: u32::from(self.netuid),
            epoch,
            validator_hotkey: me.to_vec(),
            records: sampled
                .iter()
                .map(|r| pb::Features {
                    values: r.features.clone(),
                })
                .collect(),
        };
        let mut queries = tokio::task::JoinSet::new();
        for n in &meta.neurons {
            let uid = n.uid as u16;
            // Permit holders are validators, never scored (the chain's rule): not queried.
            if n.endpoint.is_empty() || n.validator_permit || n.hotkey == me {
                continue;
            }
            let (task, endpoint, deadline) = (task.clone(), n.endpoint.clone(), self.deadline);
            queries.spawn(async move {
                let answer = async {
                    let mut client =
                        miner_client(&endpoint).map_err(|e| MinerStatus::Unreachable {
                            code: "Transport".into(),
                            message: e.to_string(),
                        })?;
                    match tokio::time::timeout(deadline, client.query(task)).await {
                        Err(_) => Err(MinerStatus::Deadline),
                        Ok(Err(status)) => Err(MinerStatus::Unreachable {
                            code: format!("{:?}", status.code()),
                            message: status.message().to_string(),
                        }),
                        Ok(Ok(r)) => Ok(r.into_inner()),
                    }
                }
                .await;
                (uid, answer)
            });
        }
        let mut miners: Vec<MinerOutcome> = meta
            .neurons
            .iter()
            .map(|n| MinerOutcome {
                uid: n.uid as u16,
                answer: None,
                status: if n.endpoint.is_empty() || n.validator_permit {
                    MinerStatus::NotAMiner
                } else {
                    MinerStatus::Own
                },
            })
            .collect();
        while let Some(joined) = queries.join_next().await {
            let Ok((uid, answer)) = joined else { continue };
            let Some(slot) = miners.get_mut(usize::from(uid)) else {
                continue;
            };
            let hotkey = meta.neurons[usize::from(uid)].hotkey.as_slice();
            match answer.and_then(|a| {
                check_answer(
                    &a,
                    hotkey,
                    self.netuid,
                    epoch,
                    &me,
                    &q,
                    self.samples as usize,
                )
                .map_err(|e| MinerStatus::Rejected {
                    check: e.check(),
                    detail: e.to_string(),
                })
            }) {
                Ok(a) => {
                    slot.answer = Some(a);
                    slot.status = MinerStatus::Answered;
                }
                Err(why) => slot.status = why,
            }
        }
        Ok(EpochProgress {
            epoch,
            seed,
            weight_blinding: Fr::rand(&mut rand::rngs::OsRng),
            miners,
            proved: None,
            submitted: None,
        })
    }

    /// Step 3: score and prove.
    async fn prove(&self, p: &EpochProgress) -> Result<Proved, ValidatorError> {
        let round = ScoreRound {
            netuid: self.netuid,
            epoch: p.epoch,
            validator_hotkey: self.hotkey.public(),
            depth: self.depth,
            mode: WeightsMode::Hidden,
            sample_seed: p.seed,
            records: self.records.as_ref().clone(),
            samples: self.samples,
            miners: p
                .miners
                .iter()
                .map(|m| {
                    m.answer.as_ref().map(|a| MinerAnswer {
                        outputs: a.outputs.clone(),
                        blinding: a.blinding,
                    })
                })
                .collect(),
            weight_blinding: p.weight_blinding,
        };
        let (prover, scoring) = (self.keys.clone(), self.scoring);
        let _turn = crate::PROVING
            .acquire()
            .await
            .map_err(|e| ValidatorError::Prove(e.to_string()))?;
        let started = Instant::now();
        let proof = tokio::task::spawn_blocking(move || {
            let (statement, witness, evaluation) = round.build(&scoring, prover.vk_hash())?;
            let proof = prover.prove(&statement, &witness)?;
            Ok::<_, zkyuma_prover::ProverError>(zkyuma_prover::score::ScoreProof {
                statement,
                proof,
                evaluation,
            })
        })
        .await
        .map_err(|e| ValidatorError::Prove(e.to_string()))?
        .map_err(|e| ValidatorError::Prove(e.to_string()))?;
        let prove_ms = started.elapsed().as_millis() as u64;
        let mut statement = proof.statement;
        let mut row = proof.evaluation.row.clone();
        if let Behaviour::ForgeWeight { uid } = self.behaviour {
            // The collusion attempt: a row the scores do not give, with the honest proof.
            if let Some(w) = row.get_mut(usize::from(uid)) {
                *w = 65535;
            }
            statement.weights = WeightsBinding::Hidden {
                commitment: weight_commitment(&row, p.weight_blinding),
            };
        }
        Ok(Proved {
            statement,
            proof: hex::encode(&proof.proof),
            row,
            scores: proof.evaluation.scores,
            prove_ms,
        })
    }

    async fn submit(&self, p: &EpochProgress) -> Result<(bool, String), ValidatorError> {
        let Some(proved) = &p.proved else {
            return Err(ValidatorError::Prove("nothing proven".into()));
        };
        let proof =
            hex::decode(&proved.proof).map_err(|e| ValidatorError::Storage(e.to_string()))?;
        let commitments = p
            .miners
            .iter()
            .filter_map(|m| {
                let a = m.answer.as_ref()?;
                Some(pb::SignedCommitment {
                    uid: u32::from(m.uid),
                    commitment: fr_to_bytes(&a.commitment).to_vec(),
                    signature: hex::decode(&a.signature).ok()?,
                })
            })
            .collect();
        let mut chain =
            chain_client(&self.chain_url).map_err(|e| ValidatorError::Chain(e.to_string()))?;
        // The weight opening travels with the row, sealed to the subnet's epoch prover.
        let meta = chain
            .get_metagraph(pb::MetagraphRequest {
                netuid: u32::from(self.netuid),
            })
            .await
            .map_err(|e| ValidatorError::Chain(e.message().to_string()))?
            .into_inner();
        let epoch_prover = protocol::bytes32("epoch_prover_hotkey", &meta.epoch_prover_hotkey)
            .map_err(|e| ValidatorError::Chain(e.to_string()))?;
        let cw = weight_commitment(&proved.row, p.weight_blinding);
        let mut row = proved.row.clone();
        if self.behaviour == Behaviour::SealsBadOpening {
            if let Some(w) = row.first_mut() {
                *w ^= 1;
            }
        }
        let opening = WeightOpening {
            row,
            blinding: p.weight_blinding,
        };
        let context = opening_context(self.netuid, p.epoch, &self.hotkey.public(), &cw);
        let envelope = sealed::seal(
            &epoch_prover,
            &context,
            &protocol::to_json(&opening),
            rand::rngs::OsRng,
        )
        .map_err(|e| ValidatorError::Seal(e.to_string()))?;
        let sealed_opening = protocol::to_json(&envelope);
        let signature = self.hotkey.sign(&score_submission_payload(
            &proved.statement.public_inputs(),
            &sealed_opening,
        ));
        let r = chain
            .submit_score(pb::ScoreSubmission {
                statement_json: protocol::to_json(&proved.statement),
                proof,
                commitments,
                signature: signature.to_vec(),
                proof_system: self.keys.system().name().into(),
                sealed_opening,
            })
            .await
            .map_err(|e| ValidatorError::Chain(e.message().to_string()))?
            .into_inner();
        Ok((r.accepted, r.reason))
    }
}

impl AnswerError {
    /// The check it fails.
    pub fn check(&self) -> AnswerCheck {
        match self {
            Self::Wire(_) => AnswerCheck::Wellformed,
            Self::Hotkey => AnswerCheck::Hotkey,
            Self::Outputs { .. } => AnswerCheck::Outputs,
            Self::Opening => AnswerCheck::Opening,
            Self::QueryDigest => AnswerCheck::QueryDigest,
            Self::Signature => AnswerCheck::Signature,
        }
    }
}

/// A miner's answer that fails a check.
#[derive(Debug, thiserror::Error)]
pub enum AnswerError {
    /// Malformed.
    #[error("malformed answer: {0}")]
    Wire(#[from] WireError),
    /// From another hotkey.
    #[error("answer from another hotkey")]
    Hotkey,
    /// Wrong number of outputs.
    #[error("{got} outputs, {expected} asked")]
    Outputs {
        /// Asked.
        expected: usize,
        /// Received.
        got: usize,
    },
    /// Outputs and blinding do not open the commitment.
    #[error("outputs do not open the commitment")]
    Opening,
    /// The miner saw other queries.
    #[error("query digest differs from the task's")]
    QueryDigest,
    /// Bad signature.
    #[error("signature does not verify")]
    Signature,
}

/// Check one answer against the miner's registered hotkey and the task.
pub fn check_answer(
    a: &pb::Answer,
    hotkey: &[u8],
    netuid: u16,
    epoch: u64,
    validator: &[u8; 32],
    q: &Fr,
    samples: usize,
) -> Result<CheckedAnswer, AnswerError> {
    let miner = protocol::bytes32("miner_hotkey", &a.miner_hotkey)?;
    if miner.as_slice() != hotkey {
        return Err(AnswerError::Hotkey);
    }
    if a.outputs.len() != samples {
        return Err(AnswerError::Outputs {
            expected: samples,
            got: a.outputs.len(),
        });
    }
    let outputs = a
        .outputs
        .iter()
        .map(|o| protocol::u16_field("outputs", *o))
        .collect::<Result<Vec<_>, _>>()?;
    let blinding = protocol::fr_from_bytes("blinding", &a.blinding)?;
    let commitment = protocol::fr_from_bytes("commitment", &a.commitment)?;
    let their_q = protocol::fr_from_bytes("query_digest", &a.query_digest)?;
    if miner_commitment(&outputs, blinding) != commitment || commitment == Fr::from(0u64) {
        return Err(AnswerError::Opening);
    }
    if their_q != *q {
        return Err(AnswerError::QueryDigest);
    }
    let payload = miner_commitment_payload(netuid, epoch, validator, q, &commitment);
    if !verify_signature(&miner, &payload, &a.signature) {
        return Err(AnswerError::Signature);
    }
    Ok(CheckedAnswer {
        outputs,
        blinding,
        commitment,
        signature: hex::encode(&a.signature),
    })
}

/// A validator process's configuration (`zkyuma serve validator --config validator.json`):
///
/// ```json
/// { "name": "hospital-0", "hotkey": { "seed_file": "hospital-0.key" }, "netuid": 1,
///   "chain": "http://127.0.0.1:50051",
///   "records": { "file": "evaluation-set.json" }, "uids": 12, "samples": 16, "depth": 7,
///   "scoring": { "kind": "mse", "amplification": 16 },
///   "keys": { "params": "params", "keys": "zkyuma-data/keys",
///             "name": "score-mse-a16-12x16-d7-hidden" },
///   "state_dir": "zkyuma-data/hospital-0", "deadline_ms": 3000, "epochs": 2 }
/// ```
/// It registers its evaluation set once, then runs `epochs` epochs from the chain's open one
/// (waiting for each to open) and exits; its progress survives a kill (see the module doc).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ValidatorConfig {
    /// Display name.
    pub name: String,
    /// Its hotkey.
    pub hotkey: crate::roles::config::HotkeySpec,
    /// Subnet.
    pub netuid: u16,
    /// The chain's URL.
    pub chain: String,
    /// Its private evaluation set.
    pub records: crate::roles::config::RecordsSpec,
    /// Uids of the subnet (the score circuit's miners).
    pub uids: u32,
    /// Samples per task.
    pub samples: u32,
    /// Evaluation-set tree depth.
    pub depth: u32,
    /// The subnet's scoring function.
    pub scoring: Scoring,
    /// The score circuit's keys.
    pub keys: crate::roles::config::KeysSpec,
    /// The keys' proof system (`groth16`).
    #[serde(default)]
    pub proof_system: zkyuma_circuits::statement::ProofSystem,
    /// Where progress is kept.
    pub state_dir: PathBuf,
    /// Per-miner deadline (milliseconds).
    pub deadline_ms: u64,
    /// Epochs to run (from the chain's open epoch).
    pub epochs: u64,
    /// How often the chain is polled while waiting for an epoch (milliseconds).
    #[serde(default = "default_poll_ms")]
    pub poll_ms: u64,
    /// How it behaves (the demo's colluding hospital forges a weight).
    #[serde(default)]
    pub behaviour: ValidatorBehaviourSpec,
}

/// A validator process's behaviour.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValidatorBehaviourSpec {
    /// Follows the protocol.
    #[default]
    Honest,
    /// Commits a row giving this uid the maximum weight (the chain must refuse it).
    ForgeWeight(u16),
}

fn default_poll_ms() -> u64 {
    200
}

impl ValidatorConfig {
    /// The validator (its keys loaded and checked against the circuit its shape names).
    pub fn validator(&self) -> Result<Validator, ValidatorError> {
        let shape = zkyuma_circuits::score::ScoreShape {
            miners: self.uids,
            samples: self.samples,
            depth: self.depth,
            mode: WeightsMode::Hidden,
        };
        let paths =
            zkyuma_prover::keys::KeyPaths::new(&self.keys.params, &self.keys.keys, &self.keys.name);
        let keys = zkyuma_prover::system::load_score_prover(
            self.proof_system,
            &paths,
            self.scoring,
            &shape,
        )
        .map_err(|e| ValidatorError::Prove(e.to_string()))?;
        Ok(Validator {
            name: self.name.clone(),
            hotkey: self
                .hotkey
                .load()
                .map_err(|e| ValidatorError::Storage(e.to_string()))?,
            netuid: self.netuid,
            records: Arc::new(
                self.records
                    .load()
                    .map_err(|e| ValidatorError::Storage(e.to_string()))?,
            ),
            depth: self.depth,
            samples: self.samples,
            scoring: self.scoring,
            keys,
            chain_url: self.chain.clone(),
            state_dir: self.state_dir.clone(),
            deadline: Duration::from_millis(self.deadline_ms),
            behaviour: match self.behaviour {
                ValidatorBehaviourSpec::Honest => Behaviour::Honest,
                ValidatorBehaviourSpec::ForgeWeight(uid) => Behaviour::ForgeWeight { uid },
            },
        })
    }
}

impl Validator {
    /// The chain's open epoch.
    pub async fn chain_epoch(&self) -> Result<u64, ValidatorError> {
        let mut chain =
            chain_client(&self.chain_url).map_err(|e| ValidatorError::Chain(e.to_string()))?;
        Ok(chain
            .get_metagraph(pb::MetagraphRequest {
                netuid: u32::from(self.netuid),
            })
            .await
            .map_err(|e| ValidatorError::Chain(e.message().to_string()))?
            .into_inner()
            .epoch)
    }
}

/// Run a validator process: register once, then `epochs` epochs, each when the chain opens it.
pub async fn run(
    config: &ValidatorConfig,
    shutdown: impl std::future::Future<Output = ()> + Send,
) -> Result<(), ValidatorError> {
    let v = config.validator()?;
    tokio::pin!(shutdown);
    let poll = Duration::from_millis(config.poll_ms);
    // The chain may still be starting: wait for it.
    let start = loop {
        match v.chain_epoch().await {
            Ok(e) => break e,
            Err(e) => eprintln!("{}: waiting for the chain: {e}", v.name),
        }
        tokio::select! {
            _ = &mut shutdown => return Ok(()),
            _ = tokio::time::sleep(poll) => {}
        }
    };
    let marker = v.state_dir.join("registered.json");
    if !marker.exists() {
        let (ok, why) = v.register().await?;
        if !ok {
            return Err(ValidatorError::Chain(format!(
                "registration refused: {why}"
            )));
        }
        write_atomic(&marker, &protocol::to_json(&start))
            .map_err(|e| ValidatorError::Storage(e.to_string()))?;
    }
    for epoch in start..start + config.epochs {
        loop {
            let open = v.chain_epoch().await;
            match open {
                Ok(e) if e >= epoch => break,
                Ok(_) => {}
                Err(e) => eprintln!("{}: chain: {e}", v.name),
            }
            tokio::select! {
                _ = &mut shutdown => return Ok(()),
                _ = tokio::time::sleep(poll) => {}
            }
        }
        if v.chain_epoch().await? > epoch {
            eprintln!("{}: epoch {epoch} closed before it ran", v.name);
            continue;
        }
        let report = v.run_epoch(epoch, None).await?;
        println!(
            "{}: epoch {epoch}: score proof {}",
            v.name,
            if report.accepted.0 {
                "accepted by the chain".to_string()
            } else {
                format!("refused: {}", report.accepted.1)
            }
        );
    }
    Ok(())
}
