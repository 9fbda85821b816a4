//! The embedded chain (DESIGN §1 step 5, §5): a metagraph (uids, hotkeys, stake, permits), the
//! registered evaluation-set roots, a registry of verifying keys, and the epoch's state machine.
//!
//! It verifies every score proof before it accepts a weight commitment (an invalid or missing
//! proof drops the validator's row), checks the epoch statement's public chain state against its
//! own, verifies the epoch proof before it credits emissions, and writes each epoch's bundle.
//! It runs in the caller's process and is served over gRPC ([`ChainService`]) on any address.

pub mod subtensor;

use crate::bundle::{BundleKey, BundleNeuron, BundleScore, EpochBundle};
use crate::net::hotkey::{dataset_payload, score_submission_payload, verify_signature};
use crate::net::protocol::{self, pb, WireError};
use ark_bn254::Fr;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use zkyuma_circuits::commitment::weight_commitment;
use zkyuma_circuits::epoch::{
    bonds_commitment, slot_rows, EpochChainState, EpochShape, EpochStatement,
};
use zkyuma_circuits::field::serde_hex;
use zkyuma_circuits::score::{ScoreShape, ScoreStatement, WeightsBinding};
use zkyuma_circuits::scoring::{Scoring, ScoringFunction};
use zkyuma_circuits::statement::{ProofSystem, Statement};
use zkyuma_circuits::yuma::EpochInput;
use zkyuma_verifier::{StatementKey, SystemProof, VerifyError};

pub mod beacon;
pub mod node;
mod refusal;
pub mod store;
pub mod tasks;
pub mod timelock;
use crate::net::sealed::{self, Disclosure, Envelope};
use beacon::{verify_round, BeaconInfo, BeaconRound, LocalBeacon};
pub use refusal::{Refusal, Signed};
pub use store::ChainStore;
use tasks::{
    check_commitment, check_task, expected_miner_commitments, judge_complaint, MinerDrop,
    PostedCommitment, PostedTask, TaskBoard, TaskComplaint, TaskEnvelope,
};

/// The subnet's parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SubnetConfig {
    /// Subnet id.
    pub netuid: u16,
    /// Blocks per epoch.
    pub tempo: u64,
    /// Kappa (u16 proportion).
    pub kappa: u16,
    /// Bonds penalty (u16 proportion).
    pub bonds_penalty: u16,
    /// Bonds moving average (millionths).
    pub bonds_moving_average: u64,
    /// Emission per epoch (RAO).
    pub rao_emission: u64,
    /// Validator permits.
    pub max_allowed_validators: u16,
    /// Blocks after which a validator's weights are outdated.
    pub activity_cutoff_blocks: u64,
    /// The subnet's public scoring function.
    pub scoring: Scoring,
    /// Score circuit shape (miners = every uid).
    pub score_shape: ScoreShape,
    /// Epoch circuit shape.
    pub epoch_shape: EpochShape,
    /// Whether each epoch's emission is staked to its uid, as subtensor does (so stakes, and
    /// with them the permits, move from epoch to epoch).
    #[serde(default)]
    pub stake_emission: bool,
    /// The randomness beacon the epoch seeds come from (drand quicknet in production; the
    /// demo beacon by default).
    #[serde(default = "demo_beacon_info")]
    pub beacon: BeaconInfo,
    /// How many rounds after the current one an epoch's beacon round lies when it is fixed
    /// (at least 1, so nobody knows the round's value when it is fixed).
    #[serde(default = "default_beacon_delay")]
    pub beacon_delay_rounds: u64,
    /// The epoch prover's hotkey: validators seal their weight openings to it.
    #[serde(with = "serde_hex::bytes32", default = "demo_epoch_prover")]
    pub epoch_prover: [u8; 32],
    /// Seconds after the seed is known during which score proofs are accepted; the epoch can be
    /// paid before the window closes only once every permit holder has submitted.
    #[serde(default = "default_score_window")]
    pub score_window_secs: u64,
    /// Milliseconds after a validator posts its task during which miners post their
    /// commitments (it closes early once every miner has posted); its score proof is accepted
    /// only after.
    #[serde(default = "default_commit_window")]
    pub commit_window_ms: u64,
}

fn default_score_window() -> u64 {
    300
}

fn default_commit_window() -> u64 {
    30_000
}

/// The most rounds an epoch's beacon round may lie ahead when it is fixed.
pub const MAX_BEACON_DELAY_ROUNDS: u64 = 1000;

impl SubnetConfig {
    /// Check what the chain relies on: a valid beacon (a key, a non-zero period) and a delay in
    /// `1..=MAX_BEACON_DELAY_ROUNDS`.
    pub fn validate(&self) -> Result<(), ChainError> {
        self.beacon
            .validate()
            .map_err(|e| ChainError::Config(format!("beacon: {e}")))?;
        if !(1..=MAX_BEACON_DELAY_ROUNDS).contains(&self.beacon_delay_rounds) {
            return Err(ChainError::Config(format!(
                "beacon_delay_rounds {} is not in 1..={MAX_BEACON_DELAY_ROUNDS}",
                self.beacon_delay_rounds
            )));
        }
        // A task's commit window fits in the first half of the score window, so a validator
        // posting at once has the second half to prove.
        if self.commit_window_ms == 0
            || self.commit_window_ms.saturating_mul(2) > self.score_window_secs.saturating_mul(1000)
        {
            return Err(ChainError::Config(format!(
                "commit_window_ms {} must be positive and at most half the score window ({} s)",
                self.commit_window_ms, self.score_window_secs
            )));
        }
        Ok(())
    }
}

/// The demo epoch prover's hotkey (`Hotkey::demo("epoch-prover")`).
pub fn demo_epoch_prover() -> [u8; 32] {
    crate::net::hotkey::Hotkey::demo("epoch-prover").public()
}

fn demo_beacon_info() -> BeaconInfo {
    LocalBeacon::demo().info()
}

/// The chain's own beacon source: the demo beacon when the subnet uses it, else none (rounds
/// are posted).
fn demo_source(config: &SubnetConfig) -> Option<Arc<LocalBeacon>> {
    (config.beacon == demo_beacon_info()).then(|| Arc::new(LocalBeacon::demo()))
}

fn default_beacon_delay() -> u64 {
    2
}

impl SubnetConfig {
    /// A local subnet (netuid 1) with subtensor-like defaults: tempo 100, kappa 0.5, bonds
    /// penalty 1, bonds moving average 0.9, 1 TAO per epoch, one permit per epoch-circuit row.
    pub fn local(scoring: Scoring, score_shape: ScoreShape, epoch_shape: EpochShape) -> Self {
        Self {
            netuid: 1,
            tempo: 100,
            kappa: 32767,
            bonds_penalty: 65535,
            bonds_moving_average: 900_000,
            rao_emission: 1_000_000_000,
            max_allowed_validators: epoch_shape.validators as u16,
            activity_cutoff_blocks: 5000,
            scoring,
            score_shape,
            epoch_shape,
            stake_emission: false,
            beacon: demo_beacon_info(),
            beacon_delay_rounds: default_beacon_delay(),
            epoch_prover: demo_epoch_prover(),
            score_window_secs: default_score_window(),
            commit_window_ms: default_commit_window(),
        }
    }
}

/// A registered neuron.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Neuron {
    /// Hotkey.
    #[serde(with = "serde_hex::bytes32")]
    pub hotkey: [u8; 32],
    /// Stake (RAO).
    pub stake: u64,
    /// Where the neuron says it can be reached (informational: tasks, commitments and
    /// submissions all travel through the chain).
    #[serde(default)]
    pub endpoint: String,
}

/// The state the epoch prover needs from the chain for the open epoch.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EpochState {
    /// Subnet.
    pub netuid: u16,
    /// The open epoch.
    pub epoch: u64,
    /// The epoch's public input: weights and bonds are empty (the rows are hidden behind their
    /// commitments; the epoch prover opens them and holds the bonds).
    pub input: EpochInput,
    /// Accepted weight commitments: (uid, cw).
    pub accepted: Vec<AcceptedRow>,
    /// Commitment to the bonds the previous epoch wrote.
    #[serde(with = "serde_hex::fr")]
    pub prev_bonds_commitment: Fr,
    /// The uid of each row of that commitment (the previous epoch's rows).
    pub prev_rows: Vec<u16>,
    /// This epoch's rows: the slots kept from `prev_rows` (`slot_rows`).
    pub rows: Vec<u16>,
    /// Permit holders.
    pub permit_holders: Vec<u16>,
    /// Permit holders with a recorded score submission (accepted or refused).
    pub submitted: Vec<u16>,
    /// When the score window closes (Unix seconds), once the seed is known.
    pub score_window_closes_at: Option<u64>,
}

impl EpochState {
    /// Whether the epoch may be closed at `now`: its seed is known and every permit holder has
    /// submitted, or the score window has closed.
    pub fn ready(&self, now: u64) -> bool {
        match self.score_window_closes_at {
            None => false,
            Some(closes_at) => now >= closes_at || self.submitted == self.permit_holders,
        }
    }
}

/// One accepted weight commitment.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct AcceptedRow {
    /// Validator uid.
    pub uid: u16,
    /// Its weight commitment.
    #[serde(with = "serde_hex::fr")]
    pub commitment: Fr,
    /// Its weight opening, sealed to the epoch prover ([`opening_context`]).
    pub sealed_opening: Envelope,
}

/// A row the epoch prover dropped: the validator's sealed opening, disclosed, does not open its
/// weight commitment (or does not decrypt).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct DroppedRow {
    /// Validator uid.
    pub uid: u16,
    /// The epoch prover's disclosure of the sealed opening's shared key.
    pub disclosure: Disclosure,
}

/// Why a dropped row's opening is invalid, as anyone re-checks it from the disclosure.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// The sealed opening does not decrypt.
    Undecryptable,
    /// It decrypts, but not to an opening of the row's weight commitment.
    DoesNotOpen,
}

/// The context a weight opening is sealed under: the subnet, epoch, validator and commitment,
/// so a sealed opening cannot be replayed for another row.
pub fn opening_context(netuid: u16, epoch: u64, validator: &[u8; 32], commitment: &Fr) -> Vec<u8> {
    let mut p = b"zkyuma/sealed-weight-opening/v1".to_vec();
    p.extend(netuid.to_le_bytes());
    p.extend(epoch.to_le_bytes());
    p.extend(validator);
    p.extend(protocol::fr_to_bytes(commitment));
    p
}

/// A weight opening as a validator seals it: its row over every uid and the commitment's
/// blinding.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct WeightOpening {
    /// Dense u16 row over every uid.
    pub row: Vec<u16>,
    /// Blinding of the weight commitment.
    #[serde(with = "serde_hex::fr")]
    pub blinding: Fr,
}

impl WeightOpening {
    /// The opening in `plaintext` if it opens `commitment` over `uids` uids.
    pub fn parse(plaintext: &[u8], commitment: &Fr, uids: usize) -> Option<Self> {
        let o: Self = serde_json::from_slice(plaintext).ok()?;
        (o.row.len() == uids && weight_commitment(&o.row, o.blinding) == *commitment).then_some(o)
    }
}

/// Judge a dropped row: the disclosure must be the epoch prover's (a valid proof of the sealed
/// opening's shared key) and show the opening invalid. The chain and the auditor both call this.
pub fn judge_drop(
    epoch_prover: &[u8; 32],
    context: &[u8],
    sealed: &Envelope,
    disclosure: &Disclosure,
    commitment: &Fr,
    uids: usize,
    uid: u16,
) -> Result<DropReason, Refusal> {
    match sealed::open_disclosed(epoch_prover, context, sealed, disclosure) {
        Err(e) => Err(Refusal::BadDisclosure {
            uid,
            reason: e.to_string(),
        }),
        Ok(Err(_)) => Ok(DropReason::Undecryptable),
        Ok(Ok(plaintext)) => match WeightOpening::parse(&plaintext, commitment, uids) {
            None => Ok(DropReason::DoesNotOpen),
            Some(_) => Err(Refusal::UnjustifiedDrop { uid }),
        },
    }
}

/// Why the chain refused something.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum ChainError {
    /// A malformed message.
    #[error(transparent)]
    Wire(#[from] WireError),
    /// A well-formed request the chain refuses: the rule it breaks.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// A chain that cannot start (neurons, keys or shapes that do not fit together).
    #[error("chain configuration: {0}")]
    Config(String),
    /// A failure writing state or bundles.
    #[error("storage: {0}")]
    Storage(String),
}

fn refuse<T>(refusal: Refusal) -> Result<T, ChainError> {
    Err(ChainError::Refused(refusal))
}

/// A registered dataset.
#[derive(Clone, Debug)]
struct Dataset {
    root: Fr,
    size: u64,
    signature: Vec<u8>,
    /// The epoch the registration was signed for.
    epoch: u64,
}

/// A registered verifying key.
#[derive(Clone, Debug)]
struct RegisteredKey {
    name: String,
    bytes: Vec<u8>,
    key: StatementKey,
    transcript_hash: Option<String>,
}

/// A verifying key to register: its name (the `params/` directory), proof system and bytes.
#[derive(Clone, Debug)]
pub struct KeyRegistration {
    /// The circuit's params name.
    pub name: String,
    /// Its proof system.
    pub system: ProofSystem,
    /// The verifying key in that system's encoding.
    pub bytes: Vec<u8>,
    /// For keys from a phase-2 ceremony, its transcript hash (`circuit.json`'s): carried into
    /// every bundle, where `zkyuma audit --params` checks it against the published transcript.
    pub transcript_hash: Option<String>,
}

impl KeyRegistration {
    /// The registration of `keys` under `name`.
    pub fn from_keys(name: &str, keys: &zkyuma_prover::keys::Keys) -> Self {
        Self {
            name: name.into(),
            system: keys.proof_system(),
            bytes: keys.vk_bytes(),
            transcript_hash: keys.description.setup.transcript_hash().map(str::to_string),
        }
    }
}

/// Verify `proof` of `statement` under `key`; a refusal names the rule it breaks.
fn verify_proof<S: Statement>(
    key: &StatementKey,
    statement: &S,
    proof: &SystemProof,
    what: &str,
) -> Result<(), Refusal> {
    if proof.system != key.system() {
        return Err(Refusal::ProofSystem {
            expected: key.system(),
            got: proof.system,
        });
    }
    key.verify(statement, proof).map_err(|e| match e {
        VerifyError::Length { .. }
        | VerifyError::Encoding { .. }
        | VerifyError::IdentityPoint { .. } => Refusal::MalformedProof {
            statement: what.into(),
            reason: e.to_string(),
        },
        _ => Refusal::ProofRejected {
            statement: what.into(),
            reason: e.to_string(),
        },
    })
}

/// What the chain records of one epoch once it is paid.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EpochResult {
    /// The epoch.
    pub epoch: u64,
    /// The proven statement.
    pub statement: EpochStatement,
    /// Where its bundle was written.
    pub bundle: PathBuf,
    /// The bundle's blake3.
    pub bundle_blake3: String,
    /// Score submissions (accepted or not) of the epoch.
    pub scores: Vec<BundleScore>,
}

#[derive(Clone)]
struct State {
    config: SubnetConfig,
    neurons: Vec<Neuron>,
    permits: Vec<bool>,
    last_update: Vec<u64>,
    emission_total: Vec<u64>,
    datasets: BTreeMap<[u8; 32], Dataset>,
    /// Replacement registrations, active from the next epoch.
    pending_datasets: BTreeMap<[u8; 32], Dataset>,
    score_key: RegisteredKey,
    epoch_key: RegisteredKey,
    epoch: u64,
    /// The open epoch's beacon round, once fixed (at the first request for the seed).
    round: Option<u64>,
    /// That round, once published and verified: the seed derives from it.
    beacon: Option<BeaconRound>,
    /// When the seed became known (Unix seconds): the score window runs from then.
    seed_known_at: Option<u64>,
    /// The previous epoch's beacon round (0 before the first): rounds only increase.
    last_round: u64,
    prev_digest: [u8; 32],
    bonds_commitment: Fr,
    /// The uid of each row of `bonds_commitment`.
    bonds_rows: Vec<u16>,
    scores: Vec<BundleScore>,
    accepted: BTreeMap<u16, (Fr, ScoreStatement)>,
    /// The open epoch's tasks, miner commitments and complaints.
    board: TaskBoard,
    results: Vec<EpochResult>,
    bundle_dir: PathBuf,
}

/// The embedded chain. Cheap to clone (shared state).
#[derive(Clone)]
pub struct EmbeddedChain {
    state: Arc<Mutex<State>>,
    store: Option<Arc<ChainStore>>,
    /// Where the chain reads beacon rounds itself (the demo beacon when the subnet uses it);
    /// rounds may also be posted by anyone ([`EmbeddedChain::post_beacon_round`]).
    beacon_source: Option<Arc<LocalBeacon>>,
}

/// Refused score submissions the chain records per hotkey and epoch; later ones are refused
/// unrecorded (`Refusal::TooManyRefused`).
pub const MAX_REFUSED_PER_HOTKEY: usize = 4;

/// The seed of epoch `epoch` from its beacon round:
/// `blake3("zkyuma/seed/v2" ‖ netuid ‖ epoch ‖ round ‖ randomness)`, where `randomness` is the
/// verified round's (`sha256` of its signature). No subnet party chooses any of it: the round
/// is fixed before it is published, and its value is the beacon's.
pub fn epoch_seed(netuid: u16, epoch: u64, round: u64, randomness: &[u8; 32]) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(b"zkyuma/seed/v2");
    h.update(&netuid.to_le_bytes());
    h.update(&epoch.to_le_bytes());
    h.update(&round.to_le_bytes());
    h.update(randomness);
    *h.finalize().as_bytes()
}

/// Seconds since the Unix epoch, by this machine's clock.
pub fn unix_now() -> u64 {
    unix_now_ms() / 1000
}

/// Milliseconds since the Unix epoch, by this machine's clock.
pub fn unix_now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Where the open epoch's seed stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedStatus {
    /// The open epoch.
    pub epoch: u64,
    /// Its beacon round.
    pub round: u64,
    /// When the beacon publishes it (Unix seconds).
    pub published_at: u64,
    /// The seed, once the round is published and verified.
    pub seed: Option<[u8; 32]>,
}

impl State {
    fn seed(&self) -> Option<[u8; 32]> {
        self.beacon
            .as_ref()
            .map(|b| epoch_seed(self.config.netuid, self.epoch, b.round, &b.randomness()))
    }
}

/// The bonds commitment before the first epoch: all-zero rows held by the genesis rows
/// `uids`, blinding 0.
pub fn genesis_bonds_commitment(shape: &EpochShape, uids: &[u16]) -> Fr {
    let rows = vec![vec![0u16; shape.uids as usize]; uids.len()];
    bonds_commitment(uids, &rows, Fr::from(0u64))
}

/// The weight commitment of a dropped row (no weights): all zeros, blinding 0.
pub fn dropped_row_commitment(uids: usize) -> Fr {
    weight_commitment(&vec![0u16; uids], Fr::from(0u64))
}

/// Whether a stored chain's neurons are the configured genesis neurons (stakes aside where the
/// subnet stakes its emission, since they have grown).
fn same_neurons(stored: &[Neuron], genesis: &[Neuron], stake_emission: bool) -> bool {
    stored.len() == genesis.len()
        && stored.iter().zip(genesis).all(|(a, b)| {
            a.hotkey == b.hotkey
                && a.endpoint == b.endpoint
                && (stake_emission || a.stake == b.stake)
        })
}

fn register_key(key: KeyRegistration, inputs: usize) -> Result<RegisteredKey, ChainError> {
    let prepared = StatementKey::from_bytes(key.system, &key.bytes, inputs)
        .map_err(|e| ChainError::Config(format!("verifying key {}: {e}", key.name)))?;
    Ok(RegisteredKey {
        name: key.name,
        bytes: key.bytes,
        key: prepared,
        transcript_hash: key.transcript_hash,
    })
}

impl EmbeddedChain {
    /// A chain at genesis: `neurons` registered at block 0, the validators among them holding
    /// permits, the two verifying keys registered, bundles written under `bundle_dir`.
    pub fn genesis(
        config: SubnetConfig,
        neurons: Vec<Neuron>,
        score_vk: KeyRegistration,
        epoch_vk: KeyRegistration,
        bundle_dir: PathBuf,
    ) -> Result<Self, ChainError> {
        config.validate()?;
        let n = neurons.len();
        if n != config.score_shape.miners as usize || n != config.epoch_shape.uids as usize {
            return Err(ChainError::Config(format!(
                "{n} neurons, but the circuits are built for {} / {} uids",
                config.score_shape.miners, config.epoch_shape.uids
            )));
        }
        let score_key = register_key(score_vk, zkyuma_circuits::score::PUBLIC_INPUTS)?;
        let epoch_key = register_key(epoch_vk, 1)?;
        // Permits: subtensor's rule, as every later epoch computes them (the top
        // `max_allowed_validators` normalised stakes, non-zero; on a tie the lower uid loses).
        let stakes: Vec<u64> = neurons.iter().map(|nr| nr.stake).collect();
        let normalized = zkyuma_circuits::yuma::normalized_stake(&stakes, 0, None)
            .map_err(|e| ChainError::Config(format!("genesis stakes: {e}")))?;
        let permits = zkyuma_circuits::yuma::math::is_topk_nonzero(
            &normalized,
            usize::from(config.max_allowed_validators),
        );
        let prev_digest = [0u8; 32];
        let genesis_rows: Vec<u16> = (0..n as u16).filter(|u| permits[usize::from(*u)]).collect();
        let state = State {
            round: None,
            beacon: None,
            seed_known_at: None,
            last_round: 0,
            bonds_commitment: genesis_bonds_commitment(&config.epoch_shape, &genesis_rows),
            bonds_rows: genesis_rows,
            config,
            permits,
            last_update: vec![0; n],
            emission_total: vec![0; n],
            neurons,
            datasets: BTreeMap::new(),
            pending_datasets: BTreeMap::new(),
            score_key,
            epoch_key,
            epoch: 1,
            prev_digest,
            scores: Vec::new(),
            accepted: BTreeMap::new(),
            board: TaskBoard::default(),
            results: Vec::new(),
            bundle_dir,
        };
        let beacon_source = demo_source(&state.config);
        Ok(Self {
            state: Arc::new(Mutex::new(state)),
            store: None,
            beacon_source,
        })
    }

    /// The chain reading beacon rounds from `beacon` (whose key must be the subnet's).
    pub fn with_beacon_source(mut self, beacon: LocalBeacon) -> Self {
        self.beacon_source = Some(Arc::new(beacon));
        self
    }

    /// The open epoch's seed (DESIGN §1 step 1). The first request fixes the epoch's beacon
    /// round, `beacon_delay_rounds` after the current one, so nobody knows its value when it is
    /// fixed; from then on evaluation-set registrations wait for the next epoch. Once the round
    /// is published (read from the chain's beacon source, or posted by anyone) and verifies
    /// against the subnet's beacon key, the seed derives from it.
    pub fn seed_status(&self) -> Result<SeedStatus, ChainError> {
        let now = unix_now();
        let round = {
            let mut guard = self.lock();
            match guard.round {
                Some(r) => r,
                None => {
                    let mut s = guard.clone();
                    // A round after the current one by this clock and after the previous epoch's,
                    // so it is unpublished when fixed and rounds only increase.
                    let delay = s.config.beacon_delay_rounds.max(1);
                    let r = s
                        .config
                        .beacon
                        .round_at(now)
                        .max(s.last_round)
                        .saturating_add(delay);
                    s.round = Some(r);
                    self.commit(&mut guard, s, None)?;
                    r
                }
            }
        };
        let known = self.lock().beacon.is_some();
        if !known {
            if let Some(b) = self
                .beacon_source
                .as_ref()
                .and_then(|b| b.published(round, now))
            {
                self.post_beacon_round(&b)?;
            }
        }
        let s = self.lock();
        Ok(SeedStatus {
            epoch: s.epoch,
            round,
            published_at: s.config.beacon.time_of(round),
            seed: s.seed(),
        })
    }

    /// Accept the open epoch's beacon round from anyone (a relay of drand's): it must be the
    /// round the epoch fixed and verify against the subnet's beacon key.
    pub fn post_beacon_round(&self, round: &BeaconRound) -> Result<(), ChainError> {
        let (expected, info) = {
            let s = self.lock();
            if s.beacon.is_some() && s.round == Some(round.round) {
                return Ok(());
            }
            (s.round, s.config.beacon.clone())
        };
        if expected != Some(round.round) {
            return refuse(Refusal::WrongBeaconRound {
                expected,
                got: round.round,
            });
        }
        // The pairing check runs without the chain's lock, so a flood of bad rounds stalls
        // nobody else.
        verify_round(&info, round).map_err(|e| Refusal::BadBeaconRound {
            reason: e.to_string(),
        })?;
        let mut guard = self.lock();
        if guard.round != Some(round.round) || guard.beacon.is_some() {
            return Ok(());
        }
        let mut s = guard.clone();
        s.beacon = Some(round.clone());
        s.seed_known_at = Some(unix_now());
        self.commit(&mut guard, s, None)
    }

    /// The chain kept in `store`: resumed where it stopped if the store holds a chain, else a
    /// new chain at genesis (as [`EmbeddedChain::genesis`]) written to the store at once. The
    /// second value says whether it resumed.
    pub fn open(
        config: SubnetConfig,
        neurons: Vec<Neuron>,
        score_vk: KeyRegistration,
        epoch_vk: KeyRegistration,
        bundle_dir: PathBuf,
        store: ChainStore,
    ) -> Result<(Self, bool), ChainError> {
        config.validate()?;
        let store = Arc::new(store);
        if let Some(state) = store.load(bundle_dir.clone(), register_key)? {
            // The store is the chain; a configuration that means another chain is refused.
            let differs = [
                ("the subnet's parameters", state.config != config),
                (
                    "the genesis neurons",
                    !same_neurons(&state.neurons, &neurons, state.config.stake_emission),
                ),
                (
                    "the score verifying key",
                    state.score_key.bytes != score_vk.bytes
                        || state.score_key.key.system() != score_vk.system,
                ),
                (
                    "the epoch verifying key",
                    state.epoch_key.bytes != epoch_vk.bytes
                        || state.epoch_key.key.system() != epoch_vk.system,
                ),
            ];
            if let Some((what, _)) = differs.iter().find(|(_, d)| *d) {
                return Err(ChainError::Config(format!(
                    "the store holds a chain whose {what} differ from the configuration's"
                )));
            }
            let beacon_source = demo_source(&state.config);
            let chain = Self {
                state: Arc::new(Mutex::new(state)),
                store: Some(store),
                beacon_source,
            };
            return Ok((chain, true));
        }
        let mut chain = Self::genesis(config, neurons, score_vk, epoch_vk, bundle_dir)?;
        store.save(&chain.lock(), None)?;
        chain.store = Some(store);
        Ok((chain, false))
    }

    /// Make `next` the chain's state: written to the store first (with a paid epoch's result),
    /// then in memory, so a failed write changes nothing.
    fn commit(
        &self,
        guard: &mut std::sync::MutexGuard<'_, State>,
        next: State,
        paid: Option<&EpochResult>,
    ) -> Result<(), ChainError> {
        self.persist(&next, paid)?;
        **guard = next;
        Ok(())
    }

    /// Write the state (and a paid epoch's result) to the store, if the chain has one.
    fn persist(&self, s: &State, paid: Option<&EpochResult>) -> Result<(), ChainError> {
        match &self.store {
            Some(store) => Ok(store.save(s, paid)?),
            None => Ok(()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the state half-written: every mutation
        // works on a copy that is stored, then assigned (`commit`).
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The subnet's configuration.
    pub fn config(&self) -> SubnetConfig {
        self.lock().config.clone()
    }

    /// The open epoch.
    pub fn epoch(&self) -> u64 {
        self.lock().epoch
    }

    /// Results of every paid epoch, oldest first.
    pub fn results(&self) -> Vec<EpochResult> {
        self.lock().results.clone()
    }

    /// Total emission credited per uid so far (RAO).
    pub fn emission_totals(&self) -> Vec<u64> {
        self.lock().emission_total.clone()
    }

    /// The metagraph message.
    pub fn metagraph(&self) -> pb::Metagraph {
        let s = self.lock();
        pb::Metagraph {
            netuid: u32::from(s.config.netuid),
            epoch: s.epoch,
            sample_seed: s.seed().map(|x| x.to_vec()).unwrap_or_default(),
            epoch_prover_hotkey: s.config.epoch_prover.to_vec(),
            neurons: s
                .neurons
                .iter()
                .enumerate()
                .map(|(u, nr)| pb::Neuron {
                    uid: u as u32,
                    hotkey: nr.hotkey.to_vec(),
                    stake: nr.stake,
                    validator_permit: s.permits[u],
                    endpoint: nr.endpoint.clone(),
                    emission_total: s.emission_total[u],
                })
                .collect(),
        }
    }

    /// Register a validator's evaluation-set root (signed by the validator for the open epoch).
    /// It is active in the open epoch only while that epoch's beacon round is not fixed, else
    /// from the next epoch, so no validator picks its labels after the seed can be known.
    pub fn register_dataset(&self, r: &pb::DatasetRegistration) -> Result<(), ChainError> {
        let hotkey = protocol::bytes32("validator_hotkey", &r.validator_hotkey)?;
        let root = protocol::fr_from_bytes("root", &r.root)?;
        let mut guard = self.lock();
        let mut s = guard.clone();
        if r.netuid != u32::from(s.config.netuid) {
            return refuse(Refusal::WrongNetuid {
                expected: s.config.netuid,
                got: r.netuid,
            });
        }
        let Some(uid) = s.neurons.iter().position(|n| n.hotkey == hotkey) else {
            return refuse(Refusal::UnknownHotkey);
        };
        if !s.permits[uid] {
            return refuse(Refusal::NoPermit { uid: uid as u16 });
        }
        if r.epoch != s.epoch {
            return refuse(Refusal::WrongEpoch {
                netuid: s.config.netuid,
                epoch: r.epoch,
                chain_netuid: s.config.netuid,
                chain_epoch: s.epoch,
            });
        }
        let payload = dataset_payload(s.config.netuid, &hotkey, &root, r.size, r.epoch);
        if !verify_signature(&hotkey, &payload, &r.signature) {
            return refuse(Refusal::BadSignature {
                what: Signed::DatasetRegistration,
            });
        }
        let (depth, samples) = (s.config.score_shape.depth, s.config.score_shape.samples);
        if r.size < u64::from(samples) || r.size > 1u64 << depth {
            return refuse(Refusal::DatasetSize {
                size: r.size,
                min: u64::from(samples),
                max: 1u64 << depth,
            });
        }
        let dataset = Dataset {
            root,
            size: r.size,
            signature: r.signature.clone(),
            epoch: r.epoch,
        };
        // Active in the open epoch only while its beacon round is not fixed (so its seed is
        // unknown to everybody); else from the next epoch, whose round is not fixed yet.
        if s.round.is_none() {
            s.pending_datasets.remove(&hotkey);
            s.datasets.insert(hotkey, dataset);
        } else {
            s.pending_datasets.insert(hotkey, dataset);
        }
        self.commit(&mut guard, s, None)
    }

    /// (hotkey, permit) per uid: what the task board's rules judge against.
    fn board_neurons(s: &State) -> Vec<([u8; 32], bool)> {
        s.neurons
            .iter()
            .zip(&s.permits)
            .map(|(n, p)| (n.hotkey, *p))
            .collect()
    }

    /// The uid of `hotkey` and the checks every post to the open epoch's board shares: this
    /// subnet, the open epoch, a registered hotkey.
    fn board_post(s: &State, netuid: u32, epoch: u64, hotkey: &[u8; 32]) -> Result<u16, Refusal> {
        if netuid != u32::from(s.config.netuid) {
            return Err(Refusal::WrongNetuid {
                expected: s.config.netuid,
                got: netuid,
            });
        }
        if epoch != s.epoch {
            return Err(Refusal::WrongEpoch {
                netuid: s.config.netuid,
                epoch,
                chain_netuid: s.config.netuid,
                chain_epoch: s.epoch,
            });
        }
        s.neurons
            .iter()
            .position(|n| n.hotkey == *hotkey)
            .map(|u| u as u16)
            .ok_or(Refusal::UnknownHotkey)
    }

    /// Take a validator's task (DESIGN §1 step 1): once the seed is known and while the score
    /// window is open, one per validator and epoch, with a well-formed envelope for every miner;
    /// its commit window opens now.
    pub fn post_task(&self, p: &pb::TaskPost) -> Result<(), ChainError> {
        let hotkey = protocol::bytes32("validator_hotkey", &p.validator_hotkey)?;
        let query_digest = protocol::fr_from_bytes("query_digest", &p.query_digest)?;
        let envelopes: Vec<TaskEnvelope> =
            protocol::json_field("envelopes_json", &p.envelopes_json)?;
        let (uid, neurons, netuid, epoch, window, samples) = {
            let s = self.lock();
            let uid = Self::board_post(&s, p.netuid, p.epoch, &hotkey)?;
            if s.beacon.is_none() {
                return refuse(Refusal::SeedUnknown { epoch: s.epoch });
            }
            // A second task of the same validator is refused before any envelope is checked.
            if let Some(existing) = s.board.task(uid) {
                let same = existing.query_digest == query_digest
                    && existing.envelopes == envelopes
                    && existing.signature == hex::encode(&p.signature);
                return if same {
                    Ok(())
                } else {
                    refuse(Refusal::TaskAlreadyPosted)
                };
            }
            (
                uid,
                Self::board_neurons(&s),
                s.config.netuid,
                s.epoch,
                s.config.commit_window_ms,
                s.config.score_shape.samples as usize,
            )
        };
        let mut task = PostedTask {
            validator_uid: uid,
            query_digest,
            envelopes,
            signature: hex::encode(&p.signature),
            posted_at_ms: 0,
            commit_closes_at_ms: 0,
        };
        // One Schnorr check per miner: without the chain's lock.
        check_task(netuid, epoch, &neurons, samples, &task)?;
        let mut guard = self.lock();
        if guard.epoch != epoch {
            return refuse(Refusal::WrongEpoch {
                netuid,
                epoch,
                chain_netuid: netuid,
                chain_epoch: guard.epoch,
            });
        }
        if let Some(existing) = guard.board.task(uid) {
            let same = existing.query_digest == task.query_digest
                && existing.envelopes == task.envelopes
                && existing.signature == task.signature;
            return if same {
                Ok(())
            } else {
                refuse(Refusal::TaskAlreadyPosted)
            };
        }
        // The window opens when the task is on the board, and must close inside the score
        // window (else the validator could not submit: refused now rather than silently).
        let now = unix_now_ms();
        task.posted_at_ms = now;
        task.commit_closes_at_ms = now.saturating_add(window);
        if let Some(closes_at) = window_closes_at(&guard) {
            if task.commit_closes_at_ms >= closes_at.saturating_mul(1000) {
                return refuse(Refusal::ScoreWindowClosed {
                    closed_at: closes_at,
                });
            }
        }
        let mut s = guard.clone();
        s.board.tasks.push(task);
        self.commit(&mut guard, s, None)
    }

    /// Take a miner's commitment to a validator's task (DESIGN §1 step 2): within the task's
    /// commit window, one per (validator, miner), signed by the miner over the task's query
    /// digest, with a well-formed opening sealed to the validator.
    pub fn post_commitment(&self, p: &pb::CommitmentPost) -> Result<(), ChainError> {
        let validator = protocol::bytes32("validator_hotkey", &p.validator_hotkey)?;
        let miner = protocol::bytes32("miner_hotkey", &p.miner_hotkey)?;
        let commitment = protocol::fr_from_bytes("commitment", &p.commitment)?;
        let sealed_opening: Envelope = protocol::json_field("sealed_opening", &p.sealed_opening)?;
        // The signature and envelope checks run without the chain's lock, against a copy of
        // the task; the post is then taken under the lock if nothing changed meanwhile.
        let (v, m, task, neurons, netuid, epoch, samples) = {
            let s = self.lock();
            let v = Self::board_post(&s, p.netuid, p.epoch, &validator)?;
            let m = Self::board_post(&s, p.netuid, p.epoch, &miner)?;
            let Some(task) = s.board.task(v) else {
                return refuse(Refusal::NoTask { uid: v });
            };
            (
                v,
                m,
                task.clone(),
                Self::board_neurons(&s),
                s.config.netuid,
                s.epoch,
                s.config.score_shape.samples as usize,
            )
        };
        let posted = PostedCommitment {
            validator_uid: v,
            miner_uid: m,
            commitment,
            signature: hex::encode(&p.signature),
            sealed_opening,
        };
        check_commitment(netuid, epoch, &neurons, samples, &task, &posted)?;
        let mut guard = self.lock();
        if guard.epoch != epoch {
            return refuse(Refusal::WrongEpoch {
                netuid,
                epoch,
                chain_netuid: netuid,
                chain_epoch: guard.epoch,
            });
        }
        if let Some(existing) = guard.board.commitment(v, m) {
            return if *existing == posted {
                Ok(())
            } else {
                refuse(Refusal::AlreadyCommitted { uid: m })
            };
        }
        if guard.board.complaint(v, m).is_some() {
            return refuse(Refusal::AlreadyCommitted { uid: m });
        }
        let now = unix_now_ms();
        let closes_at = guard.board.commit_closes_at(v, now).unwrap_or(0);
        if now >= closes_at {
            return refuse(Refusal::CommitWindowClosed {
                closed_at_ms: closes_at,
            });
        }
        let mut s = guard.clone();
        s.board.commitments.push(posted);
        self.commit(&mut guard, s, None)
    }

    /// Take a miner's complaint about the task sealed to it: within the commit window, instead
    /// of a commitment, and only if its disclosure shows the envelope invalid. A justified
    /// complaint refuses the validator's score submission.
    pub fn post_complaint(&self, p: &pb::ComplaintPost) -> Result<(), ChainError> {
        let validator = protocol::bytes32("validator_hotkey", &p.validator_hotkey)?;
        let miner = protocol::bytes32("miner_hotkey", &p.miner_hotkey)?;
        let disclosure: Disclosure = protocol::json_field("disclosure_json", &p.disclosure_json)?;
        // The disclosure is judged without the chain's lock, against a copy of the task.
        let (v, m, task, neurons, netuid, epoch) = {
            let s = self.lock();
            let v = Self::board_post(&s, p.netuid, p.epoch, &validator)?;
            let m = Self::board_post(&s, p.netuid, p.epoch, &miner)?;
            let Some(task) = s.board.task(v) else {
                return refuse(Refusal::NoTask { uid: v });
            };
            if s.board.complaint(v, m).is_some() {
                return Ok(());
            }
            if s.board.commitment(v, m).is_some() {
                return refuse(Refusal::AlreadyCommitted { uid: m });
            }
            (
                v,
                m,
                task.clone(),
                Self::board_neurons(&s),
                s.config.netuid,
                s.epoch,
            )
        };
        let reason = judge_complaint(netuid, epoch, &neurons, &task, m, &disclosure)?;
        let mut guard = self.lock();
        if guard.epoch != epoch {
            return refuse(Refusal::WrongEpoch {
                netuid,
                epoch,
                chain_netuid: netuid,
                chain_epoch: guard.epoch,
            });
        }
        if guard.board.complaint(v, m).is_some() {
            return Ok(());
        }
        if guard.board.commitment(v, m).is_some() {
            return refuse(Refusal::AlreadyCommitted { uid: m });
        }
        let now = unix_now_ms();
        let closes_at = guard.board.commit_closes_at(v, now).unwrap_or(0);
        if now >= closes_at {
            return refuse(Refusal::CommitWindowClosed {
                closed_at_ms: closes_at,
            });
        }
        let mut s = guard.clone();
        s.board.complaints.push(TaskComplaint {
            validator_uid: v,
            miner_uid: m,
            disclosure,
            reason,
        });
        self.commit(&mut guard, s, None)
    }

    /// The open epoch and its task board.
    pub fn task_board(&self) -> (u64, TaskBoard) {
        let s = self.lock();
        (s.epoch, s.board.clone())
    }

    /// The open epoch, the view of its board for `hotkey` (a miner's or a validator's; the whole
    /// board for none or a stranger) and the chain's clock, all taken at one instant, so a view
    /// that shows a window closed holds every post that window took.
    pub fn task_board_view(&self, hotkey: Option<&[u8; 32]>) -> (u64, TaskBoard, u64) {
        let s = self.lock();
        let uid = hotkey.and_then(|h| s.neurons.iter().position(|n| n.hotkey == *h));
        let board = match uid {
            Some(u) if s.permits[u] => s.board.validator_view(u as u16),
            Some(u) => s.board.miner_view(u as u16),
            None => s.board.clone(),
        };
        (s.epoch, board, unix_now_ms())
    }

    /// Accept or refuse a score submission. A submission of a registered hotkey is recorded
    /// either way (it goes into the epoch's bundle), refused ones up to
    /// [`MAX_REFUSED_PER_HOTKEY`] per hotkey and epoch; only an accepted one gives its validator a
    /// row (at most one per validator and epoch).
    pub fn submit_score(&self, sub: &pb::ScoreSubmission) -> Result<(), ChainError> {
        let statement: ScoreStatement =
            protocol::json_field("statement_json", &sub.statement_json)?;
        let proof = SystemProof {
            system: protocol::proof_system("proof_system", &sub.proof_system)?,
            bytes: sub.proof.clone(),
        };
        let drops: Vec<MinerDrop> = if sub.dropped_miners_json.is_empty() {
            Vec::new()
        } else {
            protocol::json_field("dropped_miners_json", &sub.dropped_miners_json)?
        };
        let mut guard = self.lock();
        // Refusals that depend on when the submission comes (no seed yet, the commit window
        // still open, the score window closed) are not recorded: the same statement may be
        // accepted at another time.
        if statement.netuid == guard.config.netuid && statement.epoch == guard.epoch {
            if guard.beacon.is_none() {
                return refuse(Refusal::SeedUnknown { epoch: guard.epoch });
            }
            let uid = guard
                .neurons
                .iter()
                .position(|n| n.hotkey == statement.validator_hotkey);
            let now = unix_now_ms();
            if let Some(u) = uid {
                // No task yet, or its window still open: the same statement may be taken
                // later, so neither is recorded.
                match guard.board.commit_closes_at(u as u16, now) {
                    None => return refuse(Refusal::NoTask { uid: u as u16 }),
                    Some(closes_at) if now < closes_at => {
                        return refuse(Refusal::CommitWindowOpen {
                            closes_at_ms: closes_at,
                        })
                    }
                    Some(_) => {}
                }
            }
            if let Some(closes_at) = window_closes_at(&guard) {
                if unix_now() >= closes_at {
                    return refuse(Refusal::ScoreWindowClosed {
                        closed_at: closes_at,
                    });
                }
            }
        }
        let outcome = check_score(&guard, &statement, sub, &drops, &proof);
        let Some(uid) = guard
            .neurons
            .iter()
            .position(|n| n.hotkey == statement.validator_hotkey)
            .map(|u| u as u16)
        else {
            // Nobody's submission: refused, not recorded (no unbounded record of strangers).
            return outcome.map(|_| ());
        };
        if !signed_for_open_epoch(&guard, &statement, sub) {
            // Not this validator's submission for this epoch (another's bytes under its name, or
            // its own from another epoch replayed): refused, not recorded. A recorded submission
            // counts as the validator's turn (`submitted`): were strangers' recorded, anyone
            // could close the score window for every validator and let the epoch be proven
            // without their rows, or spend their refusals.
            return match outcome {
                Ok(_) => refuse(Refusal::BadSignature {
                    what: Signed::ScoreSubmission,
                }),
                Err(e) => Err(e),
            };
        }
        let refusal = match &outcome {
            Ok(_)
                if guard
                    .accepted
                    .get(&uid)
                    .is_some_and(|(_, st)| *st == statement) =>
            {
                return Ok(()); // the same submission again: already accepted
            }
            Ok(_) if guard.accepted.contains_key(&uid) => Some(Refusal::AlreadyAccepted),
            Ok(_) => None,
            Err(ChainError::Refused(r)) => Some(r.clone()),
            Err(_) => None,
        };
        let refused_before = guard
            .scores
            .iter()
            .filter(|r| !r.accepted && r.validator_uid == Some(uid))
            .count();
        if (refusal.is_some() || outcome.is_err()) && refused_before >= MAX_REFUSED_PER_HOTKEY {
            return refuse(Refusal::TooManyRefused {
                limit: MAX_REFUSED_PER_HOTKEY,
            });
        }
        let record = BundleScore {
            validator_uid: Some(uid),
            statement: statement.clone(),
            proof: hex::encode(&sub.proof),
            dropped_miners: hex::encode(&sub.dropped_miners_json),
            signature: hex::encode(&sub.signature),
            sealed_opening: hex::encode(&sub.sealed_opening),
            accepted: refusal.is_none() && outcome.is_ok(),
            reason: match (&refusal, &outcome) {
                (Some(r), _) => r.to_string(),
                (None, Err(e)) => e.to_string(),
                (None, Ok(_)) => String::new(),
            },
            refusal: refusal.clone(),
            proof_system: proof.system,
        };
        let mut s = guard.clone();
        s.scores.push(record);
        match (outcome, refusal) {
            (Ok(cw), None) => {
                let block = s.epoch * s.config.tempo + 1;
                s.accepted.insert(uid, (cw, statement));
                s.last_update[usize::from(uid)] = block;
                self.commit(&mut guard, s, None)
            }
            (outcome, refusal) => {
                self.commit(&mut guard, s, None)?;
                match refusal {
                    Some(r) => refuse(r),
                    None => outcome.map(|_| ()),
                }
            }
        }
    }

    /// The state the epoch prover proves the open epoch against.
    pub fn epoch_state(&self) -> EpochState {
        let s = self.lock();
        epoch_state(&s)
    }

    /// Check and verify an epoch proof; on success credit emissions, record the results, write
    /// the bundle and open the next epoch.
    pub fn submit_epoch(&self, sub: &pb::EpochSubmission) -> Result<EpochResult, ChainError> {
        let statement: EpochStatement =
            protocol::json_field("statement_json", &sub.statement_json)?;
        let proof = SystemProof {
            system: protocol::proof_system("proof_system", &sub.proof_system)?,
            bytes: sub.proof.clone(),
        };
        let mut guard = self.lock();
        let mut s = guard.clone();
        let state = epoch_state(&s);
        // The epoch closes only once its seed is known and either every permit holder has
        // submitted or the score window has closed: the epoch prover cannot pick which rows
        // count by closing early.
        if s.beacon.is_none() {
            return refuse(Refusal::SeedUnknown { epoch: s.epoch });
        }
        if !state.ready(unix_now()) {
            return refuse(Refusal::ScoreWindowOpen {
                closes_at: state.score_window_closes_at.unwrap_or(u64::MAX),
            });
        }
        // The statement's chain state must be exactly the one the chain derives (one function,
        // shared with the epoch prover and the auditor).
        let expected = EpochChainState::derive(
            s.config.netuid,
            s.epoch,
            &state.input,
            (&state.rows, &state.prev_rows),
            s.epoch_key.key.hash(),
        )
        .map_err(|e| Refusal::UnprovableChainState {
            reason: e.to_string(),
        })?;
        if statement.chain != expected || statement.shape() != s.config.epoch_shape {
            return refuse(Refusal::ChainStateMismatch);
        }
        let n = s.neurons.len();
        // Rows the epoch prover dropped: each must be accepted, once, and its sealed opening
        // shown invalid by the disclosure.
        let dropped: Vec<DroppedRow> = if sub.dropped_json.is_empty() {
            Vec::new()
        } else {
            protocol::json_field("dropped_json", &sub.dropped_json)?
        };
        let mut drops = Vec::new();
        for d in &dropped {
            let Some(row) = state.accepted.iter().find(|a| a.uid == d.uid) else {
                return refuse(Refusal::UnjustifiedDrop { uid: d.uid });
            };
            if drops.iter().any(|(u, _, _)| *u == d.uid) {
                return refuse(Refusal::UnjustifiedDrop { uid: d.uid });
            }
            let hotkey = s.neurons[usize::from(d.uid)].hotkey;
            let context = opening_context(s.config.netuid, s.epoch, &hotkey, &row.commitment);
            let reason = judge_drop(
                &s.config.epoch_prover,
                &context,
                &row.sealed_opening,
                &d.disclosure,
                &row.commitment,
                n,
                d.uid,
            )?;
            drops.push((d.uid, d.disclosure.clone(), reason));
        }
        let expected_cw: Vec<Fr> = statement
            .chain
            .validators
            .iter()
            .map(|u| match s.accepted.get(u) {
                Some((cw, _)) if !drops.iter().any(|(d, _, _)| d == u) => *cw,
                _ => dropped_row_commitment(n),
            })
            .collect();
        if statement.commitments.weight_commitments != expected_cw {
            return refuse(Refusal::WeightCommitmentsMismatch);
        }
        if statement.commitments.prev_bonds_commitment != s.bonds_commitment {
            return refuse(Refusal::BondsDiscontinuity);
        }
        verify_proof(&s.epoch_key.key, &statement, &proof, "epoch")?;

        // Verified: pay, record, write the bundle, open the next epoch.
        let output = zkyuma_circuits::yuma::run_epoch(&state.input).map_err(|e| {
            Refusal::UnprovableChainState {
                reason: e.to_string(),
            }
        })?;
        let bundle = EpochBundle {
            version: crate::bundle::BUNDLE_VERSION,
            netuid: s.config.netuid,
            epoch: s.epoch,
            prev_digest: hex::encode(s.prev_digest),
            sample_seed: hex::encode(s.seed().unwrap_or_default()),
            beacon: s.config.beacon.clone(),
            beacon_round: s.beacon.clone(),
            scoring: s.config.scoring,
            neurons: s
                .neurons
                .iter()
                .enumerate()
                .map(|(u, nr)| BundleNeuron {
                    uid: u as u16,
                    hotkey: hex::encode(nr.hotkey),
                    stake: nr.stake,
                    validator_permit: s.permits[u],
                })
                .collect(),
            datasets: s
                .datasets
                .iter()
                .map(|(hk, d)| crate::bundle::BundleDataset {
                    hotkey: hex::encode(hk),
                    root: hex::encode(protocol::fr_to_bytes(&d.root)),
                    size: d.size,
                    signature: hex::encode(&d.signature),
                    epoch: d.epoch,
                })
                .collect(),
            keys: vec![
                BundleKey::new(
                    "score",
                    &s.score_key.name,
                    s.score_key.key.system(),
                    &s.score_key.bytes,
                )
                .with_transcript(s.score_key.transcript_hash.clone()),
                BundleKey::new(
                    "epoch",
                    &s.epoch_key.name,
                    s.epoch_key.key.system(),
                    &s.epoch_key.bytes,
                )
                .with_transcript(s.epoch_key.transcript_hash.clone()),
            ],
            score_shape: s.config.score_shape,
            scores: s.scores.clone(),
            epoch_statement: statement.clone(),
            epoch_proof: hex::encode(&sub.proof),
            epoch_proof_system: proof.system,
            epoch_input: state.input.clone(),
            stake_emission: s.config.stake_emission,
            epoch_prover: hex::encode(s.config.epoch_prover),
            tasks: s.board.clone(),
            dropped: drops
                .iter()
                .map(|(uid, disclosure, reason)| crate::bundle::BundleDrop {
                    uid: *uid,
                    disclosure: disclosure.clone(),
                    reason: reason.clone(),
                })
                .collect(),
        };
        let (path, digest) = bundle
            .write(&s.bundle_dir)
            .map_err(|e| ChainError::Storage(e.to_string()))?;
        let result = EpochResult {
            epoch: s.epoch,
            statement: statement.clone(),
            bundle: path,
            bundle_blake3: digest,
            scores: s.scores.clone(),
        };
        for (u, e) in statement.results.emission.iter().enumerate() {
            s.emission_total[u] = s.emission_total[u].saturating_add(*e);
            if s.config.stake_emission {
                s.neurons[u].stake = s.neurons[u].stake.saturating_add(*e);
            }
        }
        s.permits = output.new_validator_permit.clone();
        s.bonds_commitment = statement.commitments.new_bonds_commitment;
        s.bonds_rows = statement.chain.validators.clone();
        s.prev_digest = protocol::fr_to_bytes(&statement.public_digest());
        s.epoch += 1;
        s.last_round = s.round.unwrap_or(s.last_round);
        s.round = None;
        s.beacon = None;
        s.seed_known_at = None;
        s.scores.clear();
        s.accepted.clear();
        s.board = TaskBoard::default();
        let pending = std::mem::take(&mut s.pending_datasets);
        s.datasets.extend(pending);
        s.results.push(result.clone());
        if let Err(e) = self.commit(&mut guard, s, Some(&result)) {
            // Not paid: the epoch stays open, and its bundle goes.
            let _ = std::fs::remove_file(&result.bundle);
            return Err(e);
        }
        Ok(result)
    }

    /// The bundle of a paid epoch: its JSON bytes and blake3.
    pub fn bundle(&self, epoch: u64) -> Result<(Vec<u8>, String), ChainError> {
        let s = self.lock();
        let Some(r) = s.results.iter().find(|r| r.epoch == epoch) else {
            return refuse(Refusal::NoBundle { epoch });
        };
        let bytes = std::fs::read(&r.bundle).map_err(|e| ChainError::Storage(e.to_string()))?;
        Ok((bytes, r.bundle_blake3.clone()))
    }
}

/// What a score submission is checked against: the chain's state of the open epoch (the chain
/// builds it from its storage, an auditor from a bundle).
pub struct ScoreContext<'a> {
    /// Subnet.
    pub netuid: u16,
    /// Open epoch.
    pub epoch: u64,
    /// The epoch's sample seed.
    pub seed: [u8; 32],
    /// Scoring function id.
    pub scoring: String,
    /// Score shape.
    pub shape: ScoreShape,
    /// blake3 of the registered score verifying key.
    pub vk_hash: [u8; 32],
    /// (hotkey, permit) per uid.
    pub neurons: Vec<([u8; 32], bool)>,
    /// Registered evaluation set of a hotkey: (root, size).
    pub dataset: &'a DatasetLookup<'a>,
    /// The epoch prover's hotkey (weight openings are sealed to it).
    pub epoch_prover: [u8; 32],
}

/// Looks up a validator's registered evaluation set: (root, size).
pub type DatasetLookup<'a> = dyn Fn(&[u8; 32]) -> Option<(Fr, u64)> + 'a;

/// What a validator submits beside its statement and proof: its signature, its sealed weight
/// opening and the miners it drops (the raw bytes the signature covers, and their parse).
pub struct Submitted<'a> {
    /// The validator's signature over [`score_submission_payload`].
    pub signature: &'a [u8],
    /// The weight opening sealed to the epoch prover (JSON of an [`Envelope`]).
    pub sealed_opening: &'a [u8],
    /// The JSON of the dropped miners, as submitted (empty for none).
    pub dropped_json: &'a [u8],
    /// Those drops.
    pub drops: &'a [MinerDrop],
}

/// Every check of a score submission except the proof itself; the weight commitment on success.
/// `board` is the epoch's task board: the statement's miner commitments must be exactly the
/// ones posted to this validator's task ([`tasks::expected_miner_commitments`]).
pub fn admit_score(
    ctx: &ScoreContext<'_>,
    board: &TaskBoard,
    st: &ScoreStatement,
    submitted: &Submitted<'_>,
) -> Result<Fr, ChainError> {
    let Submitted {
        signature,
        sealed_opening,
        dropped_json,
        drops,
    } = *submitted;
    st.validate().map_err(|e| Refusal::MalformedStatement {
        reason: e.to_string(),
    })?;
    if st.netuid != ctx.netuid || st.epoch != ctx.epoch {
        return refuse(Refusal::WrongEpoch {
            netuid: st.netuid,
            epoch: st.epoch,
            chain_netuid: ctx.netuid,
            chain_epoch: ctx.epoch,
        });
    }
    let Some(uid) = ctx.neurons.iter().position(|n| n.0 == st.validator_hotkey) else {
        return refuse(Refusal::UnknownHotkey);
    };
    if !ctx.neurons[uid].1 {
        return refuse(Refusal::NoPermit { uid: uid as u16 });
    }
    if st.scoring != ctx.scoring
        || st.shape != ctx.shape
        || st.miner_commitments.len() != ctx.neurons.len()
    {
        return refuse(Refusal::WrongCircuit);
    }
    // Validators (permit holders, the submitter included) are not miners: their places must
    // be absent, so no validator can score itself or another key it holds.
    if let Some(u) = (0..ctx.neurons.len()).find(|u| ctx.neurons[*u].1 && st.present(*u)) {
        return refuse(Refusal::ValidatorScored { uid: u as u16 });
    }
    if st.vk_hash != ctx.vk_hash {
        return refuse(Refusal::OtherKey);
    }
    let Some((root, size)) = (ctx.dataset)(&st.validator_hotkey) else {
        return refuse(Refusal::NoDataset);
    };
    if st.dataset_root != root || st.dataset_size != size {
        return refuse(Refusal::DatasetMismatch);
    }
    if st.sample_seed != ctx.seed {
        return refuse(Refusal::WrongSeed);
    }
    let WeightsBinding::Hidden { commitment } = &st.weights else {
        return refuse(Refusal::PublicWeights);
    };
    if !verify_signature(
        &st.validator_hotkey,
        &score_submission_payload(&st.public_inputs(), sealed_opening, dropped_json),
        signature,
    ) {
        return refuse(Refusal::BadSignature {
            what: Signed::ScoreSubmission,
        });
    }
    // The weight opening travels with the row, sealed to the epoch prover: once the row is
    // accepted, its opening is on record and cannot be withheld (DESIGN §1 step 4).
    let context = opening_context(st.netuid, st.epoch, &st.validator_hotkey, commitment);
    serde_json::from_slice::<Envelope>(sealed_opening)
        .map_err(|e| e.to_string())
        .and_then(|env| {
            sealed::check_envelope(&ctx.epoch_prover, &context, &env).map_err(|e| e.to_string())
        })
        .map_err(|reason| Refusal::SealedOpening { reason })?;
    // The miner commitments are the chain's, not the validator's choice (DESIGN §1 step 2):
    // exactly those posted to this validator's task, zero only where nothing was posted or
    // where the validator shows the miner's opening invalid.
    let v = uid as u16;
    let Some(task) = board.task(v) else {
        return refuse(Refusal::NoTask { uid: v });
    };
    if st.query_digest != task.query_digest {
        return refuse(Refusal::QueryDigestMismatch);
    }
    let expected = expected_miner_commitments(
        ctx.netuid,
        ctx.epoch,
        &ctx.neurons,
        board,
        v,
        drops,
        ctx.shape.samples as usize,
    )?;
    if let Some(u) = (0..expected.len()).find(|u| st.miner_commitments[*u] != expected[*u]) {
        return refuse(Refusal::CommitmentMismatch { uid: u as u16 });
    }
    Ok(*commitment)
}

/// The chain's checks of a score submission; the accepted weight commitment on success.
fn check_score(
    s: &State,
    st: &ScoreStatement,
    sub: &pb::ScoreSubmission,
    drops: &[MinerDrop],
    proof: &SystemProof,
) -> Result<Fr, ChainError> {
    let dataset = |hk: &[u8; 32]| s.datasets.get(hk).map(|d| (d.root, d.size));
    let seed = match s.seed() {
        Some(seed) => seed,
        None if st.netuid == s.config.netuid && st.epoch == s.epoch => {
            return refuse(Refusal::SeedUnknown { epoch: s.epoch });
        }
        // Another netuid or epoch: refused by name below, before the seed matters.
        None => [0; 32],
    };
    let ctx = ScoreContext {
        netuid: s.config.netuid,
        epoch: s.epoch,
        seed,
        scoring: s.config.scoring.id(),
        shape: s.config.score_shape,
        vk_hash: s.score_key.key.hash(),
        neurons: s
            .neurons
            .iter()
            .zip(&s.permits)
            .map(|(n, p)| (n.hotkey, *p))
            .collect(),
        dataset: &dataset,
        epoch_prover: s.config.epoch_prover,
    };
    let submitted = Submitted {
        signature: &sub.signature,
        sealed_opening: &sub.sealed_opening,
        dropped_json: &sub.dropped_miners_json,
        drops,
    };
    let cw = admit_score(&ctx, &s.board, st, &submitted)?;
    verify_proof(&s.score_key.key, st, proof, "score")?;
    Ok(cw)
}

/// When the open epoch's score window closes (Unix seconds), once its seed is known.
fn window_closes_at(s: &State) -> Option<u64> {
    s.seed_known_at
        .map(|t| t.saturating_add(s.config.score_window_secs))
}

/// Whether the statement's validator signed this submission, and for the open epoch: only
/// such a submission is recorded against the validator's uid.
fn signed_for_open_epoch(s: &State, st: &ScoreStatement, sub: &pb::ScoreSubmission) -> bool {
    st.netuid == s.config.netuid
        && st.epoch == s.epoch
        && st.validate().is_ok()
        && verify_signature(
            &st.validator_hotkey,
            &score_submission_payload(
                &st.public_inputs(),
                &sub.sealed_opening,
                &sub.dropped_miners_json,
            ),
            &sub.signature,
        )
}

/// Permit holders with a recorded score submission this epoch (accepted or refused): each
/// signed by the permit holder for this epoch (see [`EmbeddedChain::submit_score`]).
fn submitted(s: &State) -> Vec<u16> {
    (0..s.neurons.len() as u16)
        .filter(|u| s.permits[usize::from(*u)])
        .filter(|u| s.scores.iter().any(|r| r.validator_uid == Some(*u)))
        .collect()
}

/// The sealed opening of uid `uid`'s accepted submission (checked at admission).
fn accepted_opening(s: &State, uid: u16) -> Option<Envelope> {
    let record = s
        .scores
        .iter()
        .find(|r| r.accepted && r.validator_uid == Some(uid))?;
    serde_json::from_slice(&hex::decode(&record.sealed_opening).ok()?).ok()
}

/// The runtime modes the chain runs an epoch with. Under liquid alpha, today's runtime default:
/// the `auto` consensus mode (the sigmoid reads the previous epoch's stored consensus when the
/// bonds penalty is 65535, this epoch's otherwise) over the consensus the chain stored after the
/// previous paid epoch (none before the first). Every other rule keeps the defaults (the mode and
/// the stored consensus feed nothing there). The auditor holds a bundle to the same rule.
pub fn with_runtime_modes(
    input: EpochInput,
    previous: Option<&zkyuma_circuits::epoch::EpochResults>,
) -> EpochInput {
    if !input.liquid_alpha {
        return input;
    }
    EpochInput {
        liquid_alpha_consensus_mode: zkyuma_circuits::yuma::ConsensusMode::Auto,
        previous_consensus: previous.map(|r| r.stored_consensus()),
        ..input
    }
}

fn epoch_state(s: &State) -> EpochState {
    let n = s.neurons.len();
    let c = &s.config;
    let block = s.epoch * c.tempo;
    // The rows are hidden: the chain knows only their commitments, and the epoch prover fills
    // in the accepted ones from their openings.
    let weights: Vec<Vec<(u16, u16)>> = vec![Vec::new(); n];
    let input = EpochInput {
        n: n as u16,
        current_block: block + c.tempo - 1,
        tempo: c.tempo,
        activity_cutoff_blocks: c.activity_cutoff_blocks,
        last_mechanism_step_block: block.saturating_sub(1),
        last_update: s.last_update.clone(),
        block_at_registration: vec![0; n],
        stake: s.neurons.iter().map(|nr| nr.stake).collect(),
        stake_threshold: 0,
        owner_uid: None,
        validator_permit: s.permits.clone(),
        max_allowed_validators: c.max_allowed_validators,
        weights,
        bonds: vec![Vec::new(); n],
        kappa: c.kappa,
        bonds_penalty: c.bonds_penalty,
        bonds_moving_average: c.bonds_moving_average,
        liquid_alpha: c.epoch_shape.bonds == zkyuma_circuits::epoch::BondsRule::Yuma3Liquid,
        alpha_low: 45875,
        alpha_high: 58982,
        alpha_sigmoid_steepness: 1000,
        rao_emission: c.rao_emission,
        commit_reveal_commit_blocks: None,
        yuma3: c.epoch_shape.bonds.is_yuma3(),
        ..EpochInput::default_modes()
    };
    let input = with_runtime_modes(input, s.results.last().map(|r| &r.statement.results));
    EpochState {
        rows: slot_rows(&s.bonds_rows, &input),
        prev_rows: s.bonds_rows.clone(),
        permit_holders: (0..n as u16)
            .filter(|u| s.permits[usize::from(*u)])
            .collect(),
        submitted: submitted(s),
        score_window_closes_at: window_closes_at(s),
        netuid: c.netuid,
        epoch: s.epoch,
        input,
        accepted: s
            .accepted
            .iter()
            .filter_map(|(u, (cw, _))| {
                Some(AcceptedRow {
                    uid: *u,
                    commitment: *cw,
                    sealed_opening: accepted_opening(s, *u)?,
                })
            })
            .collect(),
        prev_bonds_commitment: s.bonds_commitment,
    }
}

/// The chain's gRPC service.
#[derive(Clone)]
pub struct ChainService {
    chain: EmbeddedChain,
}

impl ChainService {
    /// Serve `chain`.
    pub fn new(chain: EmbeddedChain) -> Self {
        Self { chain }
    }
}

/// Run `f` on the chain off the async workers: signature checks, pairings and digests take
/// milliseconds.
async fn off_workers<T: Send + 'static>(
    chain: &EmbeddedChain,
    f: impl FnOnce(&EmbeddedChain) -> Result<T, ChainError> + Send + 'static,
) -> Result<Result<T, ChainError>, tonic::Status> {
    let chain = chain.clone();
    tokio::task::spawn_blocking(move || f(&chain))
        .await
        .map_err(|e| tonic::Status::internal(e.to_string()))
}

fn receipt(r: Result<(), ChainError>) -> Result<tonic::Response<pb::Receipt>, tonic::Status> {
    match r {
        Ok(()) => Ok(tonic::Response::new(pb::Receipt {
            accepted: true,
            reason: String::new(),
            refusal_json: Vec::new(),
        })),
        Err(ChainError::Wire(e)) => Err(e.into()),
        Err(ChainError::Storage(e)) => Err(tonic::Status::internal(e)),
        Err(ChainError::Config(e)) => Err(tonic::Status::internal(e)),
        Err(ChainError::Refused(refusal)) => Ok(tonic::Response::new(pb::Receipt {
            accepted: false,
            reason: refusal.to_string(),
            refusal_json: protocol::to_json(&refusal),
        })),
    }
}

#[tonic::async_trait]
impl pb::chain_server::Chain for ChainService {
    async fn get_metagraph(
        &self,
        request: tonic::Request<pb::MetagraphRequest>,
    ) -> Result<tonic::Response<pb::Metagraph>, tonic::Status> {
        let m = self.chain.metagraph();
        if request.get_ref().netuid != m.netuid {
            return Err(tonic::Status::not_found("no such subnet"));
        }
        Ok(tonic::Response::new(m))
    }

    async fn get_seed(
        &self,
        request: tonic::Request<pb::MetagraphRequest>,
    ) -> Result<tonic::Response<pb::EpochSeed>, tonic::Status> {
        if request.get_ref().netuid != u32::from(self.chain.config().netuid) {
            return Err(tonic::Status::not_found("no such subnet"));
        }
        let chain = self.chain.clone();
        // A beacon round's pairing check takes milliseconds: off the async workers.
        let status = tokio::task::spawn_blocking(move || chain.seed_status())
            .await
            .map_err(|e| tonic::Status::internal(e.to_string()))?
            .map_err(|e| tonic::Status::internal(e.to_string()))?;
        Ok(tonic::Response::new(pb::EpochSeed {
            epoch: status.epoch,
            round: status.round,
            published_at: status.published_at,
            sample_seed: status.seed.map(|s| s.to_vec()).unwrap_or_default(),
        }))
    }

    async fn post_beacon_round(
        &self,
        request: tonic::Request<pb::BeaconRoundPost>,
    ) -> Result<tonic::Response<pb::Receipt>, tonic::Status> {
        let chain = self.chain.clone();
        let post = request.into_inner();
        let round = BeaconRound {
            round: post.round,
            signature: post.signature,
        };
        let r = tokio::task::spawn_blocking(move || chain.post_beacon_round(&round))
            .await
            .map_err(|e| tonic::Status::internal(e.to_string()))?;
        receipt(r)
    }

    async fn register_dataset(
        &self,
        request: tonic::Request<pb::DatasetRegistration>,
    ) -> Result<tonic::Response<pb::Receipt>, tonic::Status> {
        receipt(self.chain.register_dataset(request.get_ref()))
    }

    async fn post_task(
        &self,
        request: tonic::Request<pb::TaskPost>,
    ) -> Result<tonic::Response<pb::Receipt>, tonic::Status> {
        let r = off_workers(&self.chain, move |c| c.post_task(request.get_ref())).await?;
        receipt(r)
    }

    async fn post_commitment(
        &self,
        request: tonic::Request<pb::CommitmentPost>,
    ) -> Result<tonic::Response<pb::Receipt>, tonic::Status> {
        let r = off_workers(&self.chain, move |c| c.post_commitment(request.get_ref())).await?;
        receipt(r)
    }

    async fn post_complaint(
        &self,
        request: tonic::Request<pb::ComplaintPost>,
    ) -> Result<tonic::Response<pb::Receipt>, tonic::Status> {
        let r = off_workers(&self.chain, move |c| c.post_complaint(request.get_ref())).await?;
        receipt(r)
    }

    async fn get_task_board(
        &self,
        request: tonic::Request<pb::TaskBoardRequest>,
    ) -> Result<tonic::Response<pb::TaskBoard>, tonic::Status> {
        let r = request.get_ref();
        if r.netuid != u32::from(self.chain.config().netuid) {
            return Err(tonic::Status::not_found("no such subnet"));
        }
        let hotkey = if r.for_hotkey.is_empty() {
            None
        } else {
            Some(protocol::bytes32("for_hotkey", &r.for_hotkey)?)
        };
        let (epoch, board, now_ms) = self.chain.task_board_view(hotkey.as_ref());
        Ok(tonic::Response::new(pb::TaskBoard {
            epoch,
            board_json: protocol::to_json(&board),
            now_ms,
        }))
    }

    async fn submit_score(
        &self,
        request: tonic::Request<pb::ScoreSubmission>,
    ) -> Result<tonic::Response<pb::Receipt>, tonic::Status> {
        let r = off_workers(&self.chain, move |c| c.submit_score(request.get_ref())).await?;
        receipt(r)
    }

    async fn submit_epoch(
        &self,
        request: tonic::Request<pb::EpochSubmission>,
    ) -> Result<tonic::Response<pb::Receipt>, tonic::Status> {
        let r = off_workers(&self.chain, move |c| c.submit_epoch(request.get_ref())).await?;
        receipt(r.map(|_| ()))
    }

    async fn get_epoch_state(
        &self,
        request: tonic::Request<pb::BundleRequest>,
    ) -> Result<tonic::Response<pb::EpochState>, tonic::Status> {
        let state = self.chain.epoch_state();
        let r = request.get_ref();
        if r.netuid != u32::from(state.netuid) || r.epoch != state.epoch {
            return Err(tonic::Status::failed_precondition(format!(
                "the open epoch is {} of netuid {}",
                state.epoch, state.netuid
            )));
        }
        Ok(tonic::Response::new(pb::EpochState {
            state_json: protocol::to_json(&state),
        }))
    }

    async fn get_bundle(
        &self,
        request: tonic::Request<pb::BundleRequest>,
    ) -> Result<tonic::Response<pb::Bundle>, tonic::Status> {
        match self.chain.bundle(request.get_ref().epoch) {
            Ok((bundle_json, blake3)) => Ok(tonic::Response::new(pb::Bundle {
                bundle_json,
                blake3,
            })),
            Err(e) => Err(tonic::Status::not_found(e.to_string())),
        }
    }
}
