//! The miner (DESIGN §1 step 2): it watches the chain's task board, opens the task each
//! validator sealed to it, checks the features against the posted query digest, answers with its
//! model's predictions, commits to them with a fresh blinding, signs (netuid, epoch, validator,
//! query digest, commitment) with its hotkey and posts the commitment to the chain with its
//! opening sealed to the validator. A task that does not open to the posted digest is answered
//! with a complaint (the envelope's key, disclosed), which refuses that validator's score proof.
//!
//! Nothing passes through the validator: what the miner posted is on the chain, and the
//! validator's score statement must carry it.

use crate::chain::tasks::{
    miner_opening_context, task_context, MinerOpening, PostedTask, TaskBoard, TaskFeatures,
};
use crate::chain::Refusal;
use crate::net::hotkey::{miner_commitment_payload, Hotkey};
use crate::net::protocol::{self, fr_to_bytes, pb};
use crate::net::sealed;
use crate::net::serve::chain_client;
use ark_bn254::Fr;
use ark_ff::UniformRand;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use zkyuma_circuits::commitment::miner_commitment;

/// A miner's model: features (fixed point, scaled by 2^16) to a u16 prediction.
pub type Model = Arc<dyn Fn(&[i64]) -> u16 + Send + Sync>;

/// How a miner behaves (the demo and the fault tests use the misbehaving ones).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Behaviour {
    /// Answers promptly and correctly.
    Honest,
    /// Never answers.
    Silent,
    /// Answers each task this long after it first sees it.
    Slow(Duration),
    /// Signs with a key that is not its hotkey (the chain refuses the commitment).
    MisSigns,
    /// Posts a sealed opening far larger than any opening (the chain refuses it).
    Oversized,
    /// Posts a sealed opening that does not open its commitment (the validator drops it,
    /// showing why).
    SealsBadOpening,
}

/// What the miner did with one task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TaskOutcome {
    /// Its commitment is on the chain.
    Committed,
    /// Its envelope did not open to the posted features; its complaint is on the chain.
    Complained,
    /// The chain refused what it posted.
    Refused(Refusal),
}

/// Why a miner could not work.
#[derive(Debug, thiserror::Error)]
pub enum MinerError {
    /// The chain is unreachable or answered malformed.
    #[error("chain: {0}")]
    Chain(String),
    /// Sealing or disclosing failed.
    #[error("sealing: {0}")]
    Seal(String),
}

/// A miner: hotkey, model, behaviour.
#[derive(Clone)]
pub struct Miner {
    hotkey: Hotkey,
    model: Model,
    behaviour: Behaviour,
}

/// What a miner remembers between passes over the board: tasks it has handled and when it first
/// saw each (a restarted miner re-learns the first from the board itself, which holds what it
/// posted).
#[derive(Default)]
pub struct MinerSession {
    handled: BTreeMap<(u64, u16), TaskOutcome>,
    first_seen: BTreeMap<(u64, u16), Instant>,
}

impl Miner {
    /// A miner.
    pub fn new(hotkey: Hotkey, model: Model, behaviour: Behaviour) -> Self {
        Self {
            hotkey,
            model,
            behaviour,
        }
    }

    /// Its hotkey.
    pub fn public(&self) -> [u8; 32] {
        self.hotkey.public()
    }

    /// One pass over the chain's task board: answer every open task sealed to this miner that
    /// it has not handled yet. Returns what it did, per (epoch, validator uid).
    pub async fn answer_open_tasks(
        &self,
        chain: &mut pb::chain_client::ChainClient<tonic::transport::Channel>,
        netuid: u16,
        session: &mut MinerSession,
    ) -> Result<Vec<((u64, u16), TaskOutcome)>, MinerError> {
        let request = pb::MetagraphRequest {
            netuid: u32::from(netuid),
        };
        let meta = chain
            .get_metagraph(request)
            .await
            .map_err(|e| MinerError::Chain(e.message().to_string()))?
            .into_inner();
        let me = self.hotkey.public();
        let reply = chain
            .get_task_board(pb::TaskBoardRequest {
                netuid: u32::from(netuid),
                for_hotkey: me.to_vec(),
            })
            .await
            .map_err(|e| MinerError::Chain(e.message().to_string()))?
            .into_inner();
        let board: TaskBoard = protocol::json_field("board_json", &reply.board_json)
            .map_err(|e| MinerError::Chain(e.to_string()))?;
        let Some(my_uid) = meta
            .neurons
            .iter()
            .position(|n| n.hotkey == me)
            .map(|u| u as u16)
        else {
            return Ok(Vec::new());
        };
        let mut done = Vec::new();
        for task in &board.tasks {
            let key = (reply.epoch, task.validator_uid);
            if session.handled.contains_key(&key)
                || board.commitment(task.validator_uid, my_uid).is_some()
                || board.complaint(task.validator_uid, my_uid).is_some()
                || !task.envelopes.iter().any(|e| e.uid == my_uid)
            {
                continue;
            }
            let seen = *session.first_seen.entry(key).or_insert_with(Instant::now);
            match &self.behaviour {
                Behaviour::Silent => continue,
                Behaviour::Slow(d) if seen.elapsed() < *d => continue,
                _ => {}
            }
            let Some(validator) = meta
                .neurons
                .get(usize::from(task.validator_uid))
                .and_then(|n| <[u8; 32]>::try_from(n.hotkey.as_slice()).ok())
            else {
                continue;
            };
            // One task failing (the chain unreachable a moment) does not hold up the others;
            // it is tried again on the next pass.
            match self
                .answer(chain, netuid, reply.epoch, task, &validator, my_uid)
                .await
            {
                Ok(outcome) => {
                    session.handled.insert(key, outcome.clone());
                    done.push((key, outcome));
                }
                Err(MinerError::Chain(_)) => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(done)
    }

    /// Answer one task: a commitment, or a complaint if the envelope does not open to the
    /// posted features.
    async fn answer(
        &self,
        chain: &mut pb::chain_client::ChainClient<tonic::transport::Channel>,
        netuid: u16,
        epoch: u64,
        task: &PostedTask,
        validator: &[u8; 32],
        my_uid: u16,
    ) -> Result<TaskOutcome, MinerError> {
        let me = self.hotkey.public();
        let Some(envelope) = task.envelopes.iter().find(|e| e.uid == my_uid) else {
            return Err(MinerError::Chain("no envelope for this miner".into()));
        };
        let context = task_context(netuid, epoch, validator, &me, &task.query_digest);
        let secret = self.hotkey.recipient_secret();
        let features = sealed::open(&secret, &context, &envelope.envelope)
            .ok()
            .and_then(|plaintext| TaskFeatures::parse(&plaintext, &task.query_digest));
        let Some(features) = features else {
            let disclosure =
                sealed::disclose(&secret, &context, &envelope.envelope, rand::rngs::OsRng)
                    .map_err(|e| MinerError::Seal(e.to_string()))?;
            let receipt = chain
                .post_complaint(pb::ComplaintPost {
                    netuid: u32::from(netuid),
                    epoch,
                    validator_hotkey: validator.to_vec(),
                    miner_hotkey: me.to_vec(),
                    disclosure_json: protocol::to_json(&disclosure),
                })
                .await
                .map_err(|e| MinerError::Chain(e.message().to_string()))?
                .into_inner();
            return Ok(match protocol::verdict(&receipt) {
                Ok(()) => TaskOutcome::Complained,
                Err(r) => TaskOutcome::Refused(r),
            });
        };
        let outputs: Vec<u16> = features.records.iter().map(|r| (self.model)(r)).collect();
        let blinding = Fr::rand(&mut rand::rngs::OsRng);
        let commitment = miner_commitment(&outputs, blinding);
        let mut opening = MinerOpening { outputs, blinding };
        if self.behaviour == Behaviour::SealsBadOpening {
            opening.blinding += Fr::from(1u64);
        }
        let context = miner_opening_context(netuid, epoch, validator, &me, &commitment);
        let mut sealed_opening = sealed::seal(
            validator,
            &context,
            &protocol::to_json(&opening),
            rand::rngs::OsRng,
        )
        .map_err(|e| MinerError::Seal(e.to_string()))?;
        if self.behaviour == Behaviour::Oversized {
            sealed_opening.ciphertext = vec![7; 1 << 20];
        }
        let sealed_json = protocol::to_json(&sealed_opening);
        let payload = miner_commitment_payload(
            netuid,
            epoch,
            validator,
            &task.query_digest,
            &commitment,
            &sealed_json,
        );
        let signature = match self.behaviour {
            Behaviour::MisSigns => Hotkey::demo("not-my-hotkey").sign(&payload),
            _ => self.hotkey.sign(&payload),
        };
        let receipt = chain
            .post_commitment(pb::CommitmentPost {
                netuid: u32::from(netuid),
                epoch,
                validator_hotkey: validator.to_vec(),
                miner_hotkey: me.to_vec(),
                commitment: fr_to_bytes(&commitment).to_vec(),
                signature: signature.to_vec(),
                sealed_opening: sealed_json,
            })
            .await
            .map_err(|e| MinerError::Chain(e.message().to_string()))?
            .into_inner();
        Ok(match protocol::verdict(&receipt) {
            Ok(()) => TaskOutcome::Committed,
            Err(r) => TaskOutcome::Refused(r),
        })
    }

    /// Watch the chain at `chain_url` and answer every task sealed to this miner, polling every
    /// `poll`, until `shutdown` resolves. A chain that is unreachable for a while is waited for.
    pub async fn run(
        &self,
        chain_url: &str,
        netuid: u16,
        poll: Duration,
        shutdown: impl std::future::Future<Output = ()> + Send,
        mut log: impl FnMut(String) + Send,
    ) -> Result<(), MinerError> {
        let mut chain = chain_client(chain_url).map_err(|e| MinerError::Chain(e.to_string()))?;
        let mut session = MinerSession::default();
        tokio::pin!(shutdown);
        loop {
            match self
                .answer_open_tasks(&mut chain, netuid, &mut session)
                .await
            {
                Ok(done) => {
                    for ((epoch, v), outcome) in done {
                        log(match outcome {
                            TaskOutcome::Committed => {
                                format!("epoch {epoch}: committed to validator uid {v}'s task")
                            }
                            TaskOutcome::Complained => format!(
                                "epoch {epoch}: validator uid {v}'s task does not open: complained"
                            ),
                            TaskOutcome::Refused(r) => {
                                format!("epoch {epoch}: validator uid {v}'s task: refused: {r}")
                            }
                        });
                    }
                }
                Err(e) => log(format!("waiting for the chain: {e}")),
            }
            tokio::select! {
                _ = &mut shutdown => return Ok(()),
                _ = tokio::time::sleep(poll) => {}
            }
        }
    }
}

/// How a miner process behaves (its configuration's `behaviour`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BehaviourSpec {
    /// Answers promptly and correctly.
    Honest,
    /// Never answers.
    Silent,
    /// Answers this many milliseconds after it first sees a task.
    SlowMs(u64),
    /// Signs with a key that is not its hotkey.
    MisSigns,
}

/// A miner process's configuration (`zkyuma serve miner --config miner.json`):
///
/// ```json
/// { "chain": "http://127.0.0.1:50051", "netuid": 1, "hotkey": { "seed_file": "miner.key" },
///   "model": { "kind": "linear", "columns": [0,1,2,3,4,5,6,7,8,9] },
///   "data": { "hospitals": 4, "per_hospital": 72, "seed": 2026 }, "behaviour": "honest" }
/// ```
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct MinerConfig {
    /// The chain's URL.
    pub chain: String,
    /// Subnet.
    pub netuid: u16,
    /// Its hotkey.
    pub hotkey: crate::roles::config::HotkeySpec,
    /// Its model.
    pub model: crate::roles::config::ModelSpec,
    /// The public training data the model is fitted on.
    pub data: crate::roles::config::PatientData,
    /// How it behaves.
    #[serde(default = "honest")]
    pub behaviour: BehaviourSpec,
    /// How often the task board is polled (milliseconds).
    #[serde(default = "default_poll_ms")]
    pub poll_ms: u64,
}

fn honest() -> BehaviourSpec {
    BehaviourSpec::Honest
}

fn default_poll_ms() -> u64 {
    200
}

impl MinerConfig {
    /// The miner.
    pub fn miner(&self) -> Result<Miner, crate::roles::config::ConfigError> {
        let behaviour = match self.behaviour {
            BehaviourSpec::Honest => Behaviour::Honest,
            BehaviourSpec::Silent => Behaviour::Silent,
            BehaviourSpec::SlowMs(ms) => Behaviour::Slow(Duration::from_millis(ms)),
            BehaviourSpec::MisSigns => Behaviour::MisSigns,
        };
        Ok(Miner::new(
            self.hotkey.load()?,
            self.model.build(&self.data)?,
            behaviour,
        ))
    }
}

/// Run a miner process until `shutdown` resolves.
pub async fn run(
    config: &MinerConfig,
    shutdown: impl std::future::Future<Output = ()> + Send,
) -> Result<(), crate::roles::config::ConfigError> {
    let miner = config.miner()?;
    let name = hex::encode(&miner.public()[..4]);
    miner
        .run(
            &config.chain,
            config.netuid,
            Duration::from_millis(config.poll_ms),
            shutdown,
            |line| println!("miner {name}: {line}"),
        )
        .await
        .map_err(|e| crate::roles::config::ConfigError::Unusable(format!("miner: {e}")))
}
