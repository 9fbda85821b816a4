//! Why the chain refuses a registration, a submission or a request: one typed refusal per rule,
//! carried over the wire in the [`crate::net::protocol::pb::Receipt`] (as JSON) so that a
//! validator, an epoch prover, a test or an auditor acts on the rule, not on its wording.

use serde::{Deserialize, Serialize};
use zkyuma_circuits::statement::ProofSystem;

/// What a signature was checked on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Signed {
    /// A validator's evaluation-set registration.
    DatasetRegistration,
    /// A validator's score submission.
    ScoreSubmission,
    /// A validator's posted task.
    Task,
}

/// A rule the chain enforces, broken.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Refusal {
    /// The message is for another subnet.
    #[error("wrong netuid: {got}, this subnet is {expected}")]
    WrongNetuid {
        /// This subnet.
        expected: u16,
        /// The message's.
        got: u32,
    },
    /// The hotkey is not registered on this subnet.
    #[error("hotkey not registered on this subnet")]
    UnknownHotkey,
    /// Only a permit holder registers an evaluation set or submits a score proof.
    #[error("uid {uid} holds no validator permit")]
    NoPermit {
        /// The uid.
        uid: u16,
    },
    /// Signed or stated for another epoch than the open one (no replay).
    #[error("signed for netuid {netuid} epoch {epoch}, the chain is at netuid {chain_netuid} epoch {chain_epoch}")]
    WrongEpoch {
        /// The message's netuid.
        netuid: u16,
        /// The message's epoch.
        epoch: u64,
        /// This subnet.
        chain_netuid: u16,
        /// The open epoch.
        chain_epoch: u64,
    },
    /// A signature does not verify.
    #[error("bad signature on the {what:?}")]
    BadSignature {
        /// What was signed.
        what: Signed,
    },
    /// An evaluation set of the wrong size.
    #[error("dataset size {size} outside {min}..={max}")]
    DatasetSize {
        /// Registered size.
        size: u64,
        /// Smallest allowed (the samples per task).
        min: u64,
        /// Largest (the tree's leaves).
        max: u64,
    },
    /// A statement that is malformed for its own shape.
    #[error("statement: {reason}")]
    MalformedStatement {
        /// The statement's own error.
        reason: String,
    },
    /// The statement is for another scoring function or shape than the subnet's.
    #[error("statement is not for this subnet's scoring function and shape")]
    WrongCircuit,
    /// A validator's place is scored (no validator can score itself or another key it holds).
    #[error("uid {uid} is a validator and cannot be scored")]
    ValidatorScored {
        /// The validator's uid.
        uid: u16,
    },
    /// The statement names another verifying key than the registered one.
    #[error("statement names another verifying key")]
    OtherKey,
    /// The proof is of another proof system than the registered key's.
    #[error("a {got} proof, the registered key is a {expected} key")]
    ProofSystem {
        /// The registered key's.
        expected: ProofSystem,
        /// The submission's.
        got: ProofSystem,
    },
    /// The validator registered no evaluation set.
    #[error("validator has no registered evaluation set")]
    NoDataset,
    /// The statement's evaluation set is not the registered one.
    #[error("statement's evaluation set is not the registered one")]
    DatasetMismatch,
    /// The statement's sample seed is not the open epoch's.
    #[error("statement's sample seed is not this epoch's")]
    WrongSeed,
    /// The score submission's sealed weight opening is malformed, or not sealed to the epoch
    /// prover for this row.
    #[error("sealed weight opening: {reason}")]
    SealedOpening {
        /// Why.
        reason: String,
    },
    /// The epoch prover dropped a row whose opening it did not show invalid.
    #[error("validator uid {uid}: dropped, but its sealed opening opens its commitment (or it has no accepted row)")]
    UnjustifiedDrop {
        /// The row's validator uid.
        uid: u16,
    },
    /// A disclosure (of a dropped row's, a dropped miner's or a complaining miner's envelope)
    /// that is not a valid proof of the envelope's key.
    #[error("uid {uid}: the disclosure of its sealed envelope does not verify: {reason}")]
    BadDisclosure {
        /// The uid whose envelope it is (the row's validator, or the miner).
        uid: u16,
        /// Why.
        reason: String,
    },
    /// The open epoch's beacon round is not published yet, so it has no seed.
    #[error("epoch {epoch} has no seed yet: its beacon round is not published")]
    SeedUnknown {
        /// The open epoch.
        epoch: u64,
    },
    /// The score window closed: the epoch takes no more score proofs.
    #[error("the score window closed at {closed_at} (Unix seconds)")]
    ScoreWindowClosed {
        /// When it closed.
        closed_at: u64,
    },
    /// The epoch cannot be closed yet: a permit holder has not submitted and the score window
    /// is open.
    #[error("the score window is open until {closes_at} (Unix seconds) and a permit holder has not submitted")]
    ScoreWindowOpen {
        /// When it closes.
        closes_at: u64,
    },
    /// A beacon round other than the one the open epoch fixed.
    #[error("beacon round {got} is not the open epoch's (round {expected:?})")]
    WrongBeaconRound {
        /// The round the epoch fixed (none yet: no round fixed).
        expected: Option<u64>,
        /// The round posted.
        got: u64,
    },
    /// A beacon round that does not verify against the subnet's beacon key.
    #[error("beacon round does not verify: {reason}")]
    BadBeaconRound {
        /// Why.
        reason: String,
    },
    /// This subnet keeps weight rows hidden.
    #[error("this subnet keeps weight rows hidden")]
    PublicWeights,
    /// The statement's miner commitment is not the one the chain holds for that miner (the
    /// one posted to this validator's task, or 0 if none was or the miner was shown dropped).
    #[error("uid {uid}: the statement's miner commitment is not the one posted to the chain")]
    CommitmentMismatch {
        /// The miner.
        uid: u16,
    },
    /// A miner's signature that does not verify.
    #[error("uid {uid}: miner signature does not verify")]
    MinerSignature {
        /// The miner.
        uid: u16,
    },
    /// The proof bytes do not decode.
    #[error("{statement} proof: {reason}")]
    MalformedProof {
        /// `score` or `epoch`.
        statement: String,
        /// The decoder's error.
        reason: String,
    },
    /// The proof does not verify for the statement.
    #[error("{statement} proof rejected: {reason}")]
    ProofRejected {
        /// `score` or `epoch`.
        statement: String,
        /// The verifier's error.
        reason: String,
    },
    /// Another score proof of this validator was already accepted this epoch.
    #[error("a different score proof was already accepted this epoch")]
    AlreadyAccepted,
    /// The chain's own state cannot be proven by the epoch circuit.
    #[error("the chain state cannot be proven: {reason}")]
    UnprovableChainState {
        /// Why.
        reason: String,
    },
    /// The epoch statement's chain state is not the one the chain derives.
    #[error("the epoch statement's public chain state differs from the chain's")]
    ChainStateMismatch,
    /// The epoch statement's weight commitments are not the accepted ones.
    #[error("the epoch statement's weight commitments are not the accepted ones")]
    WeightCommitmentsMismatch,
    /// The epoch statement does not open the bonds the previous epoch wrote.
    #[error("the epoch statement does not continue the previous bonds")]
    BondsDiscontinuity,
    /// No bundle for that epoch.
    #[error("no bundle for epoch {epoch}")]
    NoBundle {
        /// The epoch asked for.
        epoch: u64,
    },
    /// The hotkey's refused submissions this epoch reached the chain's limit; this one is not
    /// recorded.
    #[error("{limit} refused score submissions of this hotkey this epoch: no more are recorded")]
    TooManyRefused {
        /// The limit.
        limit: usize,
    },
    /// No task of this validator is on the board this epoch.
    #[error("validator uid {uid} posted no task this epoch")]
    NoTask {
        /// The validator.
        uid: u16,
    },
    /// A second, different task of the same validator.
    #[error("a different task of this validator is already posted this epoch")]
    TaskAlreadyPosted,
    /// A task without an envelope for a miner (so that miner could not answer).
    #[error("the task has no envelope for miner uid {uid}")]
    TaskIncomplete {
        /// The miner left out.
        uid: u16,
    },
    /// A task envelope that is bad on its face.
    #[error("the task envelope for uid {uid}: {reason}")]
    TaskEnvelope {
        /// The miner.
        uid: u16,
        /// Why.
        reason: String,
    },
    /// A uid that is not one of the task's miners (a validator, a stranger or a repeat).
    #[error("uid {uid} is not a miner of this task")]
    NotAMiner {
        /// The uid.
        uid: u16,
    },
    /// A miner commitment of zero (the absent miner's value).
    #[error("uid {uid}: a zero commitment")]
    ZeroCommitment {
        /// The miner.
        uid: u16,
    },
    /// A miner's sealed opening that is bad on its face.
    #[error("uid {uid}: sealed miner opening: {reason}")]
    MinerOpening {
        /// The miner.
        uid: u16,
        /// Why.
        reason: String,
    },
    /// A second, different commitment of the same miner to the same task.
    #[error("uid {uid} already posted a different commitment to this task")]
    AlreadyCommitted {
        /// The miner.
        uid: u16,
    },
    /// The task's commit window has closed.
    #[error("the task's commit window closed at {closed_at_ms} (Unix ms)")]
    CommitWindowClosed {
        /// When.
        closed_at_ms: u64,
    },
    /// A score submission before its task's commit window has closed.
    #[error("the task's commit window is open until {closes_at_ms} (Unix ms)")]
    CommitWindowOpen {
        /// When it closes.
        closes_at_ms: u64,
    },
    /// The statement's query digest is not the posted task's.
    #[error("the statement's query digest is not the posted task's")]
    QueryDigestMismatch,
    /// A miner complained, justly, about the task sealed to it: the validator's score
    /// submission is refused.
    #[error("miner uid {uid} showed its task envelope invalid")]
    TaskComplaint {
        /// The miner.
        uid: u16,
    },
    /// A complaint whose disclosure opens a valid task.
    #[error("miner uid {uid}: complaint, but its task envelope opens to the posted features")]
    UnjustifiedComplaint {
        /// The miner.
        uid: u16,
    },
    /// A validator scored a posted miner 0 without showing its opening invalid.
    #[error(
        "miner uid {uid}: dropped, but it posted no commitment or its sealed opening opens it"
    )]
    UnjustifiedMinerDrop {
        /// The miner.
        uid: u16,
    },
    /// A refusal whose rule the receipt did not name (a chain of another version).
    #[error("{reason}")]
    Unnamed {
        /// The receipt's text.
        reason: String,
    },
}
