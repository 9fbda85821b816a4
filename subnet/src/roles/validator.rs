//! The validator (DESIGN §1 steps 1–3): samples its task from the epoch's seed, posts it to the
//! chain sealed to every miner, waits out the task's commit window, opens the commitments the
//! miners posted (dropping, with a public disclosure, any whose sealed opening is invalid),
//! scores against its private labels, proves its score proof and submits it to the chain with its
//! weight opening sealed to the epoch prover.
//!
//! Its progress through an epoch is persisted after every step (`<state_dir>/epoch-<E>.json`,
//! written atomically): a validator killed mid-epoch resumes where it stopped, without posting its
//! task again or submitting twice.

use crate::chain::tasks::{
    envelopes_digest, miner_opening_context, task_context, MinerDrop, MinerOpening, TaskBoard,
    TaskEnvelope, TaskFeatures,
};
use crate::chain::{opening_context, DropReason, Refusal, WeightOpening};
use crate::net::hotkey::{dataset_payload, score_submission_payload, task_payload, Hotkey};
use crate::net::protocol::{self, fr_to_bytes, pb};
use crate::net::sealed::{self, Disclosure};
use crate::net::serve::chain_client;
use ark_bn254::Fr;
use ark_ff::UniformRand;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use zkyuma_circuits::commitment::{
    features_digest, query_digest, sample_indices, weight_commitment,
};
use zkyuma_circuits::field::serde_hex;
use zkyuma_circuits::score::{
    MinerAnswer, Record, ScoreRound, ScoreStatement, WeightsBinding, WeightsMode,
};
use zkyuma_circuits::scoring::Scoring;
use zkyuma_prover::keys::write_atomic;
use zkyuma_prover::system::StatementProver;

type ChainClient = pb::chain_client::ChainClient<tonic::transport::Channel>;

/// How a validator behaves. Everything but `Honest` is an attack the chain must refuse (or, for
/// `SealsBadOpening`, one the epoch prover must survive); the tests and the demo perform them.
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
    /// Drops every answering miner but `keep`: proves (honestly) the row in which they are
    /// absent, so the friend takes the whole row. The chain must refuse it.
    DropsMiners {
        /// The friend.
        keep: u16,
    },
    /// Leaves miner `uid` out of its task (no envelope), so it cannot answer. The chain must
    /// refuse the task.
    OmitsTask {
        /// The miner kept out.
        uid: u16,
    },
    /// Seals miner `uid` features that are not the task's. The miner's complaint must refuse
    /// the score submission.
    SealsBadTask {
        /// The miner misled.
        uid: u16,
    },
    /// Scores a miner whose opening is valid 0, with a (true) disclosure of that opening. The
    /// chain must refuse it.
    FalselyDrops {
        /// The miner.
        uid: u16,
    },
    /// The demo's colluding hospital: first drops every miner but `friend`, then forges the
    /// friend's weight (both refused).
    Colludes {
        /// The friend.
        friend: u16,
    },
}

impl Behaviour {
    /// The miners this behaviour proves absent although they answered.
    fn drops_answering(&self, miners: &[MinerOutcome]) -> Vec<u16> {
        match self {
            Self::DropsMiners { keep } => miners
                .iter()
                .filter(|m| m.status == MinerStatus::Answered && m.uid != *keep)
                .map(|m| m.uid)
                .collect(),
            Self::FalselyDrops { uid } => vec![*uid],
            _ => Vec::new(),
        }
    }

    /// The uid whose weight it forges.
    fn forged(&self) -> Option<u16> {
        match self {
            Self::ForgeWeight { uid } => Some(*uid),
            Self::Colludes { friend } => Some(*friend),
            _ => None,
        }
    }
}

/// A step of the validator's epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Phase {
    /// Task posted, commit window closed, miners' commitments opened.
    Answered,
    /// Score proof made.
    Proved,
    /// Submitted to the chain.
    Submitted,
}

/// One miner's answer as the validator opened it from the chain.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct CheckedAnswer {
    /// Outputs.
    pub outputs: Vec<u16>,
    /// Blinding.
    #[serde(with = "serde_hex::fr")]
    pub blinding: Fr,
    /// Commitment (the one the chain holds).
    #[serde(with = "serde_hex::fr")]
    pub commitment: Fr,
}

/// What happened to one miner this epoch.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct MinerOutcome {
    /// Uid.
    pub uid: u16,
    /// The opened answer, or none.
    pub answer: Option<CheckedAnswer>,
    /// Answered, or why the miner scores 0.
    pub status: MinerStatus,
    /// For a dropped miner: the disclosure of its sealed opening (submitted with the proof).
    #[serde(default)]
    pub disclosure: Option<Disclosure>,
}

/// Whether a miner's answer counts, and why not.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, thiserror::Error)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum MinerStatus {
    /// Posted a commitment whose sealed opening opens it.
    #[error("ok")]
    Answered,
    /// The uid holds a validator permit (a validator is never scored).
    #[error("not a miner")]
    NotAMiner,
    /// The uid is this validator's own.
    #[error("self")]
    Own,
    /// Posted no commitment to this validator's task within its commit window.
    #[error("no commitment within the commit window")]
    NoCommitment,
    /// Posted a commitment whose sealed opening is invalid; the disclosure shows it.
    #[error("its sealed opening is invalid ({reason:?}), shown by disclosure")]
    Dropped {
        /// What the disclosure shows.
        reason: DropReason,
    },
    /// Complained (justly) about the task sealed to it.
    #[error("complained about its task")]
    Complained,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
struct Proved {
    statement: ScoreStatement,
    proof: String,
    row: Vec<u16>,
    scores: Vec<u16>,
    prove_ms: u64,
    /// Miners the submission drops (disclosures).
    #[serde(default)]
    drops: Vec<MinerDrop>,
}

/// One score submission the validator made and the chain's verdict.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Attempt {
    /// What was submitted.
    pub what: String,
    /// The chain's verdict: `Ok`, or the rule it names.
    pub verdict: Result<(), Refusal>,
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
    /// Every submission made, the last one being `submitted`'s.
    #[serde(default)]
    attempts: Vec<Attempt>,
}

/// Why a validator's epoch failed.
#[derive(Debug, thiserror::Error)]
pub enum ValidatorError {
    /// The chain is unreachable or refused a query.
    #[error("chain: {0}")]
    Chain(String),
    /// The chain refused the validator's task.
    #[error("the chain refused the task: {0}")]
    TaskRefused(Refusal),
    /// A task, an opening or a disclosure could not be sealed or made.
    #[error("sealing: {0}")]
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
    /// Whether the chain accepted the (last) score proof, and why not.
    pub accepted: (bool, String),
    /// Every submission made this epoch and its verdict.
    pub attempts: Vec<Attempt>,
    /// Proving time.
    pub prove_time: Duration,
    /// Whether this run resumed saved progress.
    pub resumed: bool,
    /// The epoch's sample seed (it selects the evaluation records the miners answered).
    pub seed: [u8; 32],
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
    /// Behaviour.
    pub behaviour: Behaviour,
}

/// Where a validator keeps its progress through `epoch` (under its state directory).
pub fn progress_file(state_dir: &Path, epoch: u64) -> PathBuf {
    state_dir.join(format!("epoch-{epoch:06}.json"))
}

fn chain_err(e: tonic::Status) -> ValidatorError {
    ValidatorError::Chain(e.message().to_string())
}

impl Validator {
    fn progress_path(&self, epoch: u64) -> PathBuf {
        progress_file(&self.state_dir, epoch)
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

    fn client(&self) -> Result<ChainClient, ValidatorError> {
        chain_client(&self.chain_url).map_err(|e| ValidatorError::Chain(e.to_string()))
    }

    async fn metagraph(&self, chain: &mut ChainClient) -> Result<pb::Metagraph, ValidatorError> {
        Ok(chain
            .get_metagraph(pb::MetagraphRequest {
                netuid: u32::from(self.netuid),
            })
            .await
            .map_err(chain_err)?
            .into_inner())
    }

    /// The chain's task board: (epoch, board, the chain's clock in ms).
    async fn board(
        &self,
        chain: &mut ChainClient,
    ) -> Result<(u64, TaskBoard, u64), ValidatorError> {
        let r = chain
            .get_task_board(pb::TaskBoardRequest {
                netuid: u32::from(self.netuid),
                for_hotkey: self.hotkey.public().to_vec(),
            })
            .await
            .map_err(chain_err)?
            .into_inner();
        let board = protocol::json_field("board_json", &r.board_json)
            .map_err(|e| ValidatorError::Chain(e.to_string()))?;
        Ok((r.epoch, board, r.now_ms))
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
        let mut chain = self.client()?;
        let epoch = self.metagraph(&mut chain).await?.epoch;
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
            .map_err(chain_err)?
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
            // The demo's colluder first tries to drop every miner but its friend.
            if let (Behaviour::Colludes { friend }, true) =
                (&self.behaviour, progress.attempts.is_empty())
            {
                let dropper = Behaviour::DropsMiners { keep: *friend };
                let attempt = self.prove(&progress, &dropper).await?;
                let verdict = self.submit(&progress, &attempt, &dropper).await?;
                progress.attempts.push(Attempt {
                    what: format!("row with every miner but uid {friend} dropped"),
                    verdict,
                });
                self.save(&progress)?;
            }
            progress.proved = Some(self.prove(&progress, &self.behaviour).await?);
            self.save(&progress)?;
        }
        if stop_after == Some(Phase::Proved) {
            return Ok(self.report(&progress, resumed));
        }
        if progress.submitted.is_none() {
            let Some(proved) = progress.proved.clone() else {
                return Err(ValidatorError::Prove("nothing proven".into()));
            };
            let verdict = self.submit(&progress, &proved, &self.behaviour).await?;
            progress.submitted = Some(match &verdict {
                Ok(()) => (true, String::new()),
                Err(r) => (false, r.to_string()),
            });
            progress.attempts.push(Attempt {
                what: match self.behaviour.forged() {
                    Some(uid) => format!("row with uid {uid}'s weight forged"),
                    None => "score proof".into(),
                },
                verdict,
            });
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
            attempts: p.attempts.clone(),
            prove_time: Duration::from_millis(p.proved.as_ref().map_or(0, |x| x.prove_ms)),
            resumed,
            seed: p.seed,
        }
    }

    /// The epoch's seed from the chain, waiting for its beacon round to be published (at most
    /// [`SEED_WAIT`] past the round's time).
    async fn wait_for_seed(
        &self,
        chain: &mut ChainClient,
        epoch: u64,
    ) -> Result<[u8; 32], ValidatorError> {
        let mut give_up: Option<std::time::Instant> = None;
        loop {
            let s = chain
                .get_seed(pb::MetagraphRequest {
                    netuid: u32::from(self.netuid),
                })
                .await
                .map_err(chain_err)?
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

    /// Post the task: the sampled features sealed to every miner, signed.
    async fn post_task(
        &self,
        chain: &mut ChainClient,
        meta: &pb::Metagraph,
        epoch: u64,
        features: &TaskFeatures,
        q: &Fr,
    ) -> Result<(), ValidatorError> {
        let me = self.hotkey.public();
        let mut envelopes = Vec::new();
        for n in meta.neurons.iter().filter(|n| !n.validator_permit) {
            let uid = n.uid as u16;
            if self.behaviour == (Behaviour::OmitsTask { uid }) {
                continue;
            }
            let miner = protocol::bytes32("hotkey", &n.hotkey)
                .map_err(|e| ValidatorError::Chain(e.to_string()))?;
            let mut sent = features.clone();
            if self.behaviour == (Behaviour::SealsBadTask { uid }) {
                if let Some(x) = sent.records.first_mut().and_then(|r| r.first_mut()) {
                    *x = x.wrapping_add(1);
                }
            }
            let context = task_context(self.netuid, epoch, &me, &miner, q);
            let envelope = sealed::seal(
                &miner,
                &context,
                &protocol::to_json(&sent),
                rand::rngs::OsRng,
            )
            .map_err(|e| ValidatorError::Seal(e.to_string()))?;
            envelopes.push(TaskEnvelope { uid, envelope });
        }
        let signature = self.hotkey.sign(&task_payload(
            self.netuid,
            epoch,
            &me,
            q,
            &envelopes_digest(&envelopes),
        ));
        let receipt = chain
            .post_task(pb::TaskPost {
                netuid: u32::from(self.netuid),
                epoch,
                validator_hotkey: me.to_vec(),
                query_digest: fr_to_bytes(q).to_vec(),
                envelopes_json: protocol::to_json(&envelopes),
                signature: signature.to_vec(),
            })
            .await
            .map_err(chain_err)?
            .into_inner();
        protocol::verdict(&receipt).map_err(ValidatorError::TaskRefused)
    }

    /// Steps 1–2: post the task (unless it is already on the board), wait until its commit
    /// window closes, and open every commitment the miners posted.
    async fn collect(&self, epoch: u64) -> Result<EpochProgress, ValidatorError> {
        let mut chain = self.client()?;
        let meta = self.metagraph(&mut chain).await?;
        if meta.epoch != epoch {
            return Err(ValidatorError::Epoch {
                chain: meta.epoch,
                asked: epoch,
            });
        }
        let seed = self.wait_for_seed(&mut chain, epoch).await?;
        let me = self.hotkey.public();
        let Some(my_uid) = meta
            .neurons
            .iter()
            .position(|n| n.hotkey == me)
            .map(|u| u as u16)
        else {
            return Err(ValidatorError::NotRegistered);
        };
        let indices = sample_indices(&seed, &me, self.samples as usize, self.records.len() as u64);
        let features = TaskFeatures {
            records: indices
                .iter()
                .filter_map(|i| self.records.get(*i as usize))
                .map(|r| r.features.clone())
                .collect(),
        };
        let q = query_digest(
            &features
                .records
                .iter()
                .map(|f| features_digest(f))
                .collect::<Vec<_>>(),
        );
        // A validator restarted after posting finds its task on the board.
        let (_, board, _) = self.board(&mut chain).await?;
        if board.task(my_uid).is_none() {
            self.post_task(&mut chain, &meta, epoch, &features, &q)
                .await?;
        }
        // The commit window: until its deadline, or until every miner has posted.
        let board = loop {
            let (e, board, now_ms) = self.board(&mut chain).await?;
            if e != epoch {
                return Err(ValidatorError::Epoch {
                    chain: e,
                    asked: epoch,
                });
            }
            let Some(closes_at) = board.commit_closes_at(my_uid, now_ms) else {
                return Err(ValidatorError::Chain("the task is not on the board".into()));
            };
            if now_ms >= closes_at {
                break board;
            }
            let wait = Duration::from_millis(closes_at - now_ms);
            tokio::time::sleep(wait.clamp(Duration::from_millis(20), Duration::from_millis(250)))
                .await;
        };
        let secret = self.hotkey.recipient_secret();
        let mut miners = Vec::new();
        for n in &meta.neurons {
            let uid = n.uid as u16;
            let mut outcome = MinerOutcome {
                uid,
                answer: None,
                status: MinerStatus::NoCommitment,
                disclosure: None,
            };
            if uid == my_uid {
                outcome.status = MinerStatus::Own;
            } else if n.validator_permit {
                outcome.status = MinerStatus::NotAMiner;
            } else if board.complaint(my_uid, uid).is_some() {
                outcome.status = MinerStatus::Complained;
            } else if let Some(c) = board.commitment(my_uid, uid) {
                let miner = protocol::bytes32("hotkey", &n.hotkey)
                    .map_err(|e| ValidatorError::Chain(e.to_string()))?;
                let context = miner_opening_context(self.netuid, epoch, &me, &miner, &c.commitment);
                let opened = sealed::open(&secret, &context, &c.sealed_opening);
                let parsed = opened
                    .as_ref()
                    .ok()
                    .and_then(|pt| MinerOpening::parse(pt, &c.commitment, self.samples as usize));
                match parsed {
                    Some(o) => {
                        outcome.status = MinerStatus::Answered;
                        outcome.answer = Some(CheckedAnswer {
                            outputs: o.outputs,
                            blinding: o.blinding,
                            commitment: c.commitment,
                        });
                    }
                    None => {
                        outcome.status = MinerStatus::Dropped {
                            reason: if opened.is_ok() {
                                DropReason::DoesNotOpen
                            } else {
                                DropReason::Undecryptable
                            },
                        };
                        outcome.disclosure = Some(
                            sealed::disclose(
                                &secret,
                                &context,
                                &c.sealed_opening,
                                rand::rngs::OsRng,
                            )
                            .map_err(|e| ValidatorError::Seal(e.to_string()))?,
                        );
                    }
                }
            }
            miners.push(outcome);
        }
        Ok(EpochProgress {
            epoch,
            seed,
            weight_blinding: Fr::rand(&mut rand::rngs::OsRng),
            miners,
            proved: None,
            submitted: None,
            attempts: Vec::new(),
        })
    }

    /// Step 3: score and prove, as `behaviour` does.
    async fn prove(
        &self,
        p: &EpochProgress,
        behaviour: &Behaviour,
    ) -> Result<Proved, ValidatorError> {
        let absent = behaviour.drops_answering(&p.miners);
        let mut drops: Vec<MinerDrop> = p
            .miners
            .iter()
            .filter_map(|m| {
                Some(MinerDrop {
                    uid: m.uid,
                    disclosure: m.disclosure.clone()?,
                })
            })
            .collect();
        if let Behaviour::FalselyDrops { uid } = behaviour {
            // A true disclosure of a valid opening: it shows the opening good, not bad.
            let disclosure = self.disclose_opening(p, *uid).await?;
            drops.push(MinerDrop {
                uid: *uid,
                disclosure,
            });
        }
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
                    if absent.contains(&m.uid) {
                        return None;
                    }
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
        if let Some(uid) = behaviour.forged() {
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
            drops,
        })
    }

    /// A disclosure of miner `uid`'s sealed opening (the attack of [`Behaviour::FalselyDrops`]).
    async fn disclose_opening(
        &self,
        p: &EpochProgress,
        uid: u16,
    ) -> Result<Disclosure, ValidatorError> {
        let mut chain = self.client()?;
        let meta = self.metagraph(&mut chain).await?;
        let (_, board, _) = self.board(&mut chain).await?;
        let me = self.hotkey.public();
        let my_uid = meta
            .neurons
            .iter()
            .position(|n| n.hotkey == me)
            .ok_or(ValidatorError::NotRegistered)? as u16;
        let c = board
            .commitment(my_uid, uid)
            .ok_or_else(|| ValidatorError::Chain(format!("uid {uid} posted no commitment")))?;
        let miner = meta
            .neurons
            .get(usize::from(uid))
            .and_then(|n| <[u8; 32]>::try_from(n.hotkey.as_slice()).ok())
            .ok_or_else(|| ValidatorError::Chain(format!("no uid {uid}")))?;
        let context = miner_opening_context(self.netuid, p.epoch, &me, &miner, &c.commitment);
        sealed::disclose(
            &self.hotkey.recipient_secret(),
            &context,
            &c.sealed_opening,
            rand::rngs::OsRng,
        )
        .map_err(|e| ValidatorError::Seal(e.to_string()))
    }

    /// Submit `proved` to the chain with its weight opening sealed to the epoch prover; the
    /// chain's verdict.
    async fn submit(
        &self,
        p: &EpochProgress,
        proved: &Proved,
        behaviour: &Behaviour,
    ) -> Result<Result<(), Refusal>, ValidatorError> {
        let proof =
            hex::decode(&proved.proof).map_err(|e| ValidatorError::Storage(e.to_string()))?;
        let mut chain = self.client()?;
        // The weight opening travels with the row, sealed to the subnet's epoch prover.
        let meta = self.metagraph(&mut chain).await?;
        let epoch_prover = protocol::bytes32("epoch_prover_hotkey", &meta.epoch_prover_hotkey)
            .map_err(|e| ValidatorError::Chain(e.to_string()))?;
        let cw = match &proved.statement.weights {
            WeightsBinding::Hidden { commitment } => *commitment,
            WeightsBinding::Public { .. } => weight_commitment(&proved.row, p.weight_blinding),
        };
        let mut row = proved.row.clone();
        if *behaviour == Behaviour::SealsBadOpening {
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
        let dropped_miners_json = if proved.drops.is_empty() {
            Vec::new()
        } else {
            protocol::to_json(&proved.drops)
        };
        let signature = self.hotkey.sign(&score_submission_payload(
            &proved.statement.public_inputs(),
            &sealed_opening,
            &dropped_miners_json,
        ));
        let r = chain
            .submit_score(pb::ScoreSubmission {
                statement_json: protocol::to_json(&proved.statement),
                proof,
                signature: signature.to_vec(),
                proof_system: self.keys.system().name().into(),
                sealed_opening,
                dropped_miners_json,
            })
            .await
            .map_err(chain_err)?
            .into_inner();
        Ok(protocol::verdict(&r))
    }
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
///   "state_dir": "zkyuma-data/hospital-0", "epochs": 2 }
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
    /// The keys' proof system (`groth16`, `halo2-ipa`, `halo2-kzg`). halo2 keys are read from
    /// `params/<keys.name>.<system>/` and regenerated from their setup.
    #[serde(default)]
    pub proof_system: zkyuma_circuits::statement::ProofSystem,
    /// halo2-kzg: the powers-of-tau file the keys were made from.
    #[serde(default)]
    pub ptau: Option<PathBuf>,
    /// Where progress is kept.
    pub state_dir: PathBuf,
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
    /// Proves a row in which every answering miner but this uid is absent (refused).
    DropsMiners(u16),
    /// First drops every miner but this uid, then forges its weight (both refused).
    Colludes(u16),
}

fn default_poll_ms() -> u64 {
    200
}

impl ValidatorConfig {
    fn halo2_setup(
        &self,
        system: zkyuma_circuits::statement::ProofSystem,
    ) -> Result<zkyuma_prover::halo2::Halo2Setup, zkyuma_prover::ProverError> {
        use zkyuma_prover::halo2::Halo2Setup;
        match (system, &self.ptau) {
            (zkyuma_circuits::statement::ProofSystem::Halo2Kzg, Some(path)) => Ok(Halo2Setup::Kzg(
                Arc::new(zkyuma_prover::ceremony::ptau::Ptau::open(path)?),
            )),
            (zkyuma_circuits::statement::ProofSystem::Halo2Kzg, None) => {
                Err(zkyuma_prover::ProverError::Malformed {
                    path: "the validator configuration".into(),
                    message: "proof_system halo2-kzg needs `ptau` (the keys' setup file)".into(),
                })
            }
            _ => Ok(Halo2Setup::Ipa),
        }
    }

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
        let keys = match self.proof_system {
            zkyuma_circuits::statement::ProofSystem::Groth16 => {
                zkyuma_prover::system::load_score_prover(
                    self.proof_system,
                    &paths,
                    self.scoring,
                    &shape,
                )
            }
            halo2 => self.halo2_setup(halo2).and_then(|setup| {
                zkyuma_prover::system::load_halo2_score_prover(
                    &self.keys.params,
                    &setup,
                    self.scoring,
                    &shape,
                )
            }),
        }
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
            behaviour: match self.behaviour {
                ValidatorBehaviourSpec::Honest => Behaviour::Honest,
                ValidatorBehaviourSpec::ForgeWeight(uid) => Behaviour::ForgeWeight { uid },
                ValidatorBehaviourSpec::DropsMiners(keep) => Behaviour::DropsMiners { keep },
                ValidatorBehaviourSpec::Colludes(friend) => Behaviour::Colludes { friend },
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
        // The chain unreachable for a moment (restarting from its store, a network blip): the
        // epoch's progress is saved after every step, so it is resumed once the chain answers
        // again, for as long as the epoch is open.
        let report = loop {
            match v.run_epoch(epoch, None).await {
                Ok(report) => break Some(report),
                Err(ValidatorError::Chain(e)) => {
                    eprintln!("{}: epoch {epoch}: chain: {e}; resuming", v.name);
                    tokio::select! {
                        _ = &mut shutdown => return Ok(()),
                        _ = tokio::time::sleep(poll.max(Duration::from_millis(500))) => {}
                    }
                    if matches!(v.chain_epoch().await, Ok(open) if open > epoch) {
                        eprintln!("{}: epoch {epoch} closed before it could resume", v.name);
                        break None;
                    }
                }
                Err(e) => return Err(e),
            }
        };
        let Some(report) = report else {
            continue;
        };
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
