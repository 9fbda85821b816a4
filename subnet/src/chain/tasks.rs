//! The task board (DESIGN §1 steps 1–2): the chain, not the validator, fixes which miner
//! commitments a score statement carries.
//!
//! 1. A validator posts its task: its query digest and, for every miner (every uid without a
//!    validator permit), the task's features sealed to that miner's hotkey ([`task_context`]).
//!    A task without an envelope for some miner is refused, so no miner can be kept from it.
//! 2. Within the commit window (`commit_window_ms` after the task is posted) each miner posts
//!    its signed commitment with its opening sealed to the validator
//!    ([`miner_opening_context`]); a miner whose envelope does not decrypt or whose features do
//!    not hash to the posted digest posts a [`TaskComplaint`] instead (a disclosure of its
//!    envelope's key, judged by [`judge_complaint`]); a justified complaint refuses the
//!    validator's score submission.
//! 3. The score statement must carry exactly the posted commitments
//!    ([`expected_miner_commitments`]): `0` where nothing was posted, and `0` for a posted miner
//!    only with a [`MinerDrop`], the validator's disclosure showing that miner's sealed opening
//!    undecryptable or not opening its commitment ([`judge_miner_drop`]).
//!
//! The chain admits with these rules and the auditor re-checks a bundle's board with the same
//! ones.

use super::{DropReason, Refusal, Signed};
use crate::net::hotkey::{miner_commitment_payload, task_payload, verify_signature};
use crate::net::protocol;
use crate::net::sealed::{self, Disclosure, Envelope};
use ark_bn254::Fr;
use serde::{Deserialize, Serialize};
use zkyuma_circuits::commitment::{features_digest, miner_commitment, query_digest};
use zkyuma_circuits::field::serde_hex;

/// The context a task's features are sealed under: subnet, epoch, validator, miner and the
/// task's query digest, so an envelope cannot be replayed for another task or miner.
pub fn task_context(
    netuid: u16,
    epoch: u64,
    validator: &[u8; 32],
    miner: &[u8; 32],
    query_digest: &Fr,
) -> Vec<u8> {
    let mut p = b"zkyuma/sealed-task/v1".to_vec();
    p.extend(netuid.to_le_bytes());
    p.extend(epoch.to_le_bytes());
    p.extend(validator);
    p.extend(miner);
    p.extend(protocol::fr_to_bytes(query_digest));
    p
}

/// The context a miner's opening is sealed under: subnet, epoch, validator, miner and the
/// commitment it opens.
pub fn miner_opening_context(
    netuid: u16,
    epoch: u64,
    validator: &[u8; 32],
    miner: &[u8; 32],
    commitment: &Fr,
) -> Vec<u8> {
    let mut p = b"zkyuma/sealed-miner-opening/v1".to_vec();
    p.extend(netuid.to_le_bytes());
    p.extend(epoch.to_le_bytes());
    p.extend(validator);
    p.extend(miner);
    p.extend(protocol::fr_to_bytes(commitment));
    p
}

/// A task's features as sealed to each miner: one record per sample (fixed point, 2^16).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskFeatures {
    /// The sampled records' features, in sample order.
    pub records: Vec<Vec<i64>>,
}

impl TaskFeatures {
    /// The features in `plaintext` if they hash to `query_digest`.
    pub fn parse(plaintext: &[u8], query_digest: &Fr) -> Option<Self> {
        let f: Self = serde_json::from_slice(plaintext).ok()?;
        (f.digest() == *query_digest).then_some(f)
    }

    /// Their query digest.
    pub fn digest(&self) -> Fr {
        let digests: Vec<Fr> = self.records.iter().map(|r| features_digest(r)).collect();
        query_digest(&digests)
    }
}

/// A miner's opening as sealed to the validator: its outputs and the commitment's blinding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinerOpening {
    /// One u16 output per sample.
    pub outputs: Vec<u16>,
    /// Blinding of the miner commitment.
    #[serde(with = "serde_hex::fr")]
    pub blinding: Fr,
}

impl MinerOpening {
    /// The opening in `plaintext` if it opens `commitment` with `samples` outputs.
    pub fn parse(plaintext: &[u8], commitment: &Fr, samples: usize) -> Option<Self> {
        let o: Self = serde_json::from_slice(plaintext).ok()?;
        (o.outputs.len() == samples && miner_commitment(&o.outputs, o.blinding) == *commitment)
            .then_some(o)
    }
}

/// One miner's sealed copy of a task.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskEnvelope {
    /// The miner's uid.
    pub uid: u16,
    /// The task's features sealed to its hotkey ([`task_context`]).
    pub envelope: Envelope,
}

/// A validator's task as the chain keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostedTask {
    /// The validator's uid.
    pub validator_uid: u16,
    /// The task's query digest (the statement's must be this one).
    #[serde(with = "serde_hex::fr")]
    pub query_digest: Fr,
    /// One envelope per miner, in uid order.
    pub envelopes: Vec<TaskEnvelope>,
    /// The validator's signature over [`task_payload`] (hex).
    pub signature: String,
    /// When the chain took it (Unix milliseconds).
    pub posted_at_ms: u64,
    /// When its commit window closes (Unix milliseconds).
    pub commit_closes_at_ms: u64,
}

/// A miner's commitment as the chain keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostedCommitment {
    /// The validator whose task it answers.
    pub validator_uid: u16,
    /// The miner.
    pub miner_uid: u16,
    /// The miner commitment.
    #[serde(with = "serde_hex::fr")]
    pub commitment: Fr,
    /// The miner's signature over (netuid, epoch, validator, query digest, commitment) (hex).
    pub signature: String,
    /// Its opening sealed to the validator ([`miner_opening_context`]).
    pub sealed_opening: Envelope,
}

/// Why a miner's complaint about its task is justified.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintReason {
    /// The miner's envelope does not decrypt.
    Undecryptable,
    /// It decrypts, but not to features that hash to the posted query digest.
    WrongFeatures,
}

/// A miner's justified complaint about the task a validator sealed to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskComplaint {
    /// The validator.
    pub validator_uid: u16,
    /// The miner.
    pub miner_uid: u16,
    /// The miner's disclosure of its envelope's key.
    pub disclosure: Disclosure,
    /// What anyone sees with it.
    pub reason: ComplaintReason,
}

/// A posted miner the validator scores 0: its disclosure of that miner's sealed opening.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinerDrop {
    /// The miner's uid.
    pub uid: u16,
    /// The validator's disclosure of the sealed opening's key.
    pub disclosure: Disclosure,
}

/// The open epoch's task board.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskBoard {
    /// Posted tasks, one per validator.
    pub tasks: Vec<PostedTask>,
    /// Posted commitments, at most one per (validator, miner).
    pub commitments: Vec<PostedCommitment>,
    /// Justified complaints.
    pub complaints: Vec<TaskComplaint>,
}

impl TaskBoard {
    /// Validator `v`'s task.
    pub fn task(&self, v: u16) -> Option<&PostedTask> {
        self.tasks.iter().find(|t| t.validator_uid == v)
    }

    /// Miner `m`'s commitment to validator `v`'s task.
    pub fn commitment(&self, v: u16, m: u16) -> Option<&PostedCommitment> {
        self.commitments
            .iter()
            .find(|c| c.validator_uid == v && c.miner_uid == m)
    }

    /// Miner `m`'s justified complaint about validator `v`'s task.
    pub fn complaint(&self, v: u16, m: u16) -> Option<&TaskComplaint> {
        self.complaints
            .iter()
            .find(|c| c.validator_uid == v && c.miner_uid == m)
    }

    /// When validator `v`'s commit window closes (Unix ms): at its deadline, or as soon as
    /// every miner of its task has posted a commitment or a complaint. `None` without a task.
    pub fn commit_closes_at(&self, v: u16, now_ms: u64) -> Option<u64> {
        let task = self.task(v)?;
        let all_in = task
            .envelopes
            .iter()
            .all(|e| self.commitment(v, e.uid).is_some() || self.complaint(v, e.uid).is_some());
        Some(if all_in {
            now_ms.min(task.commit_closes_at_ms)
        } else {
            task.commit_closes_at_ms
        })
    }

    /// Miner `m`'s view: every task with only its own envelope, and its own commitments and
    /// complaints.
    pub fn miner_view(&self, m: u16) -> TaskBoard {
        TaskBoard {
            tasks: self
                .tasks
                .iter()
                .map(|t| PostedTask {
                    envelopes: t.envelopes.iter().filter(|e| e.uid == m).cloned().collect(),
                    ..t.clone()
                })
                .collect(),
            commitments: self
                .commitments
                .iter()
                .filter(|c| c.miner_uid == m)
                .cloned()
                .collect(),
            complaints: self
                .complaints
                .iter()
                .filter(|c| c.miner_uid == m)
                .cloned()
                .collect(),
        }
    }

    /// Validator `v`'s view: its task and what was posted to it (its commit window closes as on
    /// the whole board).
    pub fn validator_view(&self, v: u16) -> TaskBoard {
        TaskBoard {
            tasks: self
                .tasks
                .iter()
                .filter(|t| t.validator_uid == v)
                .cloned()
                .collect(),
            commitments: self
                .commitments
                .iter()
                .filter(|c| c.validator_uid == v)
                .cloned()
                .collect(),
            complaints: self
                .complaints
                .iter()
                .filter(|c| c.validator_uid == v)
                .cloned()
                .collect(),
        }
    }

    /// Whether validator `v`'s commit window is closed at `now_ms` (no task: not open either,
    /// `None`).
    pub fn commit_window_closed(&self, v: u16, now_ms: u64) -> Option<bool> {
        self.commit_closes_at(v, now_ms).map(|at| now_ms >= at)
    }
}

/// The largest task envelope the chain takes per sample (bytes of ciphertext): room for one
/// record's features as JSON (a few dozen fixed-point values), so no task can bloat the board.
pub const MAX_TASK_BYTES_PER_SAMPLE: usize = 2048;

/// The largest sealed miner opening the chain takes per sample (bytes of ciphertext), beside
/// [`OPENING_BASE_BYTES`]: one u16 output as JSON.
pub const MAX_OPENING_BYTES_PER_SAMPLE: usize = 8;

/// Room in a sealed miner opening for its JSON frame and blinding.
pub const OPENING_BASE_BYTES: usize = 160;

/// The largest task envelope ciphertext at `samples` samples.
pub fn max_task_ciphertext(samples: usize) -> usize {
    64 + samples.saturating_mul(MAX_TASK_BYTES_PER_SAMPLE)
}

/// The largest sealed miner opening ciphertext at `samples` samples.
pub fn max_opening_ciphertext(samples: usize) -> usize {
    OPENING_BASE_BYTES + samples.saturating_mul(MAX_OPENING_BYTES_PER_SAMPLE)
}

/// What the chain needs to know of the metagraph to judge the board: (hotkey, permit) per uid.
pub type BoardNeurons<'a> = &'a [([u8; 32], bool)];

/// The miners a task must reach: every uid without a validator permit whose hotkey can receive
/// a sealed envelope (a valid sr25519 key), in uid order.
pub fn task_miners(neurons: BoardNeurons<'_>) -> Vec<u16> {
    (0..neurons.len() as u16)
        .filter(|u| {
            let (hotkey, permit) = &neurons[usize::from(*u)];
            !permit && sealed::check_recipient(hotkey).is_ok()
        })
        .collect()
}

/// The digest a task's signature covers: blake3 of its envelopes' canonical JSON.
pub fn envelopes_digest(envelopes: &[TaskEnvelope]) -> [u8; 32] {
    *blake3::hash(&protocol::to_json(&envelopes.to_vec())).as_bytes()
}

/// Check a posted task against the metagraph: the validator's signature, and one well-formed
/// envelope for every miner (none for anybody else), sealed to that miner's hotkey.
pub fn check_task(
    netuid: u16,
    epoch: u64,
    neurons: BoardNeurons<'_>,
    samples: usize,
    task: &PostedTask,
) -> Result<(), Refusal> {
    let v = usize::from(task.validator_uid);
    let Some((validator, permit)) = neurons.get(v) else {
        return Err(Refusal::UnknownHotkey);
    };
    if !permit {
        return Err(Refusal::NoPermit {
            uid: task.validator_uid,
        });
    }
    let payload = task_payload(
        netuid,
        epoch,
        validator,
        &task.query_digest,
        &envelopes_digest(&task.envelopes),
    );
    let signature = hex::decode(&task.signature).unwrap_or_default();
    if !verify_signature(validator, &payload, &signature) {
        return Err(Refusal::BadSignature { what: Signed::Task });
    }
    let miners = task_miners(neurons);
    let got: Vec<u16> = task.envelopes.iter().map(|e| e.uid).collect();
    if let Some(m) = miners.iter().find(|m| !got.contains(m)) {
        return Err(Refusal::TaskIncomplete { uid: *m });
    }
    if got != miners {
        // Every miner is there, so something else is: a validator, a stranger or a repeat.
        let uid = got
            .iter()
            .enumerate()
            .find(|(i, g)| !miners.contains(g) || got[..*i].contains(g))
            .map_or(0, |(_, g)| *g);
        return Err(Refusal::NotAMiner { uid });
    }
    for e in &task.envelopes {
        if e.envelope.ciphertext.len() > max_task_ciphertext(samples) {
            return Err(Refusal::TaskEnvelope {
                uid: e.uid,
                reason: format!(
                    "{} bytes of ciphertext, at most {}",
                    e.envelope.ciphertext.len(),
                    max_task_ciphertext(samples)
                ),
            });
        }
        let miner = &neurons[usize::from(e.uid)].0;
        let context = task_context(netuid, epoch, validator, miner, &task.query_digest);
        sealed::check_envelope(miner, &context, &e.envelope).map_err(|err| {
            Refusal::TaskEnvelope {
                uid: e.uid,
                reason: err.to_string(),
            }
        })?;
    }
    Ok(())
}

/// Check a posted commitment against its task: a miner of the task, not zero, the miner's
/// signature over this validator's query digest, and a well-formed opening sealed to the
/// validator.
pub fn check_commitment(
    netuid: u16,
    epoch: u64,
    neurons: BoardNeurons<'_>,
    samples: usize,
    task: &PostedTask,
    c: &PostedCommitment,
) -> Result<(), Refusal> {
    if c.validator_uid != task.validator_uid {
        return Err(Refusal::NoTask {
            uid: c.validator_uid,
        });
    }
    if !task.envelopes.iter().any(|e| e.uid == c.miner_uid) {
        return Err(Refusal::NotAMiner { uid: c.miner_uid });
    }
    if c.commitment == Fr::from(0u64) {
        return Err(Refusal::ZeroCommitment { uid: c.miner_uid });
    }
    if c.sealed_opening.ciphertext.len() > max_opening_ciphertext(samples) {
        return Err(Refusal::MinerOpening {
            uid: c.miner_uid,
            reason: format!(
                "{} bytes of ciphertext, at most {}",
                c.sealed_opening.ciphertext.len(),
                max_opening_ciphertext(samples)
            ),
        });
    }
    let validator = &neurons[usize::from(c.validator_uid)].0;
    let miner = &neurons[usize::from(c.miner_uid)].0;
    let payload = miner_commitment_payload(
        netuid,
        epoch,
        validator,
        &task.query_digest,
        &c.commitment,
        &protocol::to_json(&c.sealed_opening),
    );
    let signature = hex::decode(&c.signature).unwrap_or_default();
    if !verify_signature(miner, &payload, &signature) {
        return Err(Refusal::MinerSignature { uid: c.miner_uid });
    }
    let context = miner_opening_context(netuid, epoch, validator, miner, &c.commitment);
    sealed::check_envelope(validator, &context, &c.sealed_opening).map_err(|e| {
        Refusal::MinerOpening {
            uid: c.miner_uid,
            reason: e.to_string(),
        }
    })
}

/// Judge a miner's complaint: the disclosure must be the miner's (a valid proof of its task
/// envelope's shared key) and show the envelope undecryptable or its features not the posted
/// digest's.
pub fn judge_complaint(
    netuid: u16,
    epoch: u64,
    neurons: BoardNeurons<'_>,
    task: &PostedTask,
    miner_uid: u16,
    disclosure: &Disclosure,
) -> Result<ComplaintReason, Refusal> {
    let Some(e) = task.envelopes.iter().find(|e| e.uid == miner_uid) else {
        return Err(Refusal::NotAMiner { uid: miner_uid });
    };
    let validator = &neurons[usize::from(task.validator_uid)].0;
    let miner = &neurons[usize::from(miner_uid)].0;
    let context = task_context(netuid, epoch, validator, miner, &task.query_digest);
    match sealed::open_disclosed(miner, &context, &e.envelope, disclosure) {
        Err(err) => Err(Refusal::BadDisclosure {
            uid: miner_uid,
            reason: err.to_string(),
        }),
        Ok(Err(_)) => Ok(ComplaintReason::Undecryptable),
        Ok(Ok(plaintext)) => match TaskFeatures::parse(&plaintext, &task.query_digest) {
            None => Ok(ComplaintReason::WrongFeatures),
            Some(_) => Err(Refusal::UnjustifiedComplaint { uid: miner_uid }),
        },
    }
}

/// Judge a validator's drop of a posted miner: the disclosure must be the validator's and show
/// the miner's sealed opening undecryptable or not opening its commitment.
pub fn judge_miner_drop(
    netuid: u16,
    epoch: u64,
    neurons: BoardNeurons<'_>,
    c: &PostedCommitment,
    disclosure: &Disclosure,
    samples: usize,
) -> Result<DropReason, Refusal> {
    let validator = &neurons[usize::from(c.validator_uid)].0;
    let miner = &neurons[usize::from(c.miner_uid)].0;
    let context = miner_opening_context(netuid, epoch, validator, miner, &c.commitment);
    match sealed::open_disclosed(validator, &context, &c.sealed_opening, disclosure) {
        Err(err) => Err(Refusal::BadDisclosure {
            uid: c.miner_uid,
            reason: err.to_string(),
        }),
        Ok(Err(_)) => Ok(DropReason::Undecryptable),
        Ok(Ok(plaintext)) => match MinerOpening::parse(&plaintext, &c.commitment, samples) {
            None => Ok(DropReason::DoesNotOpen),
            Some(_) => Err(Refusal::UnjustifiedMinerDrop { uid: c.miner_uid }),
        },
    }
}

/// The miner commitments validator `v`'s score statement must carry, one per uid: the posted
/// commitment, or `0` where none was posted or where `drops` shows its opening invalid. Also
/// refuses a task with a justified complaint (the validator failed a miner) and a drop of a
/// miner that posted nothing (or twice).
pub fn expected_miner_commitments(
    netuid: u16,
    epoch: u64,
    neurons: BoardNeurons<'_>,
    board: &TaskBoard,
    v: u16,
    drops: &[MinerDrop],
    samples: usize,
) -> Result<Vec<Fr>, Refusal> {
    let Some(task) = board.task(v) else {
        return Err(Refusal::NoTask { uid: v });
    };
    if let Some(c) = board.complaints.iter().find(|c| c.validator_uid == v) {
        return Err(Refusal::TaskComplaint { uid: c.miner_uid });
    }
    let mut expected = vec![Fr::from(0u64); neurons.len()];
    for e in &task.envelopes {
        if let Some(c) = board.commitment(v, e.uid) {
            expected[usize::from(e.uid)] = c.commitment;
        }
    }
    let mut seen = Vec::new();
    for d in drops {
        let Some(c) = board.commitment(v, d.uid) else {
            return Err(Refusal::UnjustifiedMinerDrop { uid: d.uid });
        };
        if seen.contains(&d.uid) {
            return Err(Refusal::UnjustifiedMinerDrop { uid: d.uid });
        }
        judge_miner_drop(netuid, epoch, neurons, c, &d.disclosure, samples)?;
        seen.push(d.uid);
        expected[usize::from(d.uid)] = Fr::from(0u64);
    }
    Ok(expected)
}
