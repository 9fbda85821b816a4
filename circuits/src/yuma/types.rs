//! Epoch input and output, whose JSON is exactly the test vectors' `input` / `output` objects.

use super::math::SparseMatrix;
use crate::fixed::I32F32;
use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The complete chain state one epoch reads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EpochInput {
    /// Number of uids in the subnet.
    pub n: u16,
    /// Block at which the epoch runs.
    pub current_block: u64,
    /// Subnet tempo in blocks.
    pub tempo: u64,
    /// A uid that has not set weights within this many blocks is inactive.
    pub activity_cutoff_blocks: u64,
    /// Block of the last successful epoch (0 when none): bonds to uids registered since then are
    /// dropped.
    pub last_mechanism_step_block: u64,
    /// Block each uid last set weights.
    pub last_update: Vec<u64>,
    /// Block each uid was (last) registered.
    pub block_at_registration: Vec<u64>,
    /// Total stake of each uid's hotkey in RAO.
    pub stake: Vec<u64>,
    /// Minimum stake (RAO) to count as stake; the owner is exempt.
    pub stake_threshold: u64,
    /// Uid of the subnet owner's hotkey, if registered.
    pub owner_uid: Option<u16>,
    /// Validator permits from the previous epoch.
    pub validator_permit: Vec<bool>,
    /// Number of validator permits handed out.
    pub max_allowed_validators: u16,
    /// Stored weight rows: `(uid, u16)` pairs, max-upscaled, in submission order.
    pub weights: Vec<Vec<(u16, u16)>>,
    /// Stored bonds rows: `(uid, u16)` pairs.
    pub bonds: Vec<Vec<(u16, u16)>>,
    /// Consensus majority as a u16 proportion.
    pub kappa: u16,
    /// Bonds penalty as a u16 proportion (0: bonds follow raw weights, 1: clipped weights).
    pub bonds_penalty: u16,
    /// Bonds moving average in millionths.
    pub bonds_moving_average: u64,
    /// Yuma3 bonds (otherwise the original Yuma).
    pub yuma3: bool,
    /// Liquid alpha for Yuma3 bonds.
    pub liquid_alpha: bool,
    /// Liquid alpha lower bound (u16 proportion).
    pub alpha_low: u16,
    /// Liquid alpha upper bound (u16 proportion).
    pub alpha_high: u16,
    /// Liquid alpha sigmoid steepness.
    pub alpha_sigmoid_steepness: i16,
    /// Emission of the epoch in RAO.
    pub rao_emission: u64,
    /// With commit-reveal on: per uid, the block of its earliest unexpired weight commit (`null`
    /// for none). Weights to uids registered after that block are dropped. `null` when
    /// commit-reveal is off.
    #[serde(default)]
    pub commit_reveal_commit_blocks: Option<Vec<Option<u64>>>,
    /// Which consensus feeds the liquid-alpha sigmoid (subtensor's `LiquidAlphaConsensusMode`,
    /// runtime 446). Absent: `current`, the rule of the runtimes before it (every older vector).
    #[serde(default)]
    pub liquid_alpha_consensus_mode: ConsensusMode,
    /// The consensus the previous epoch stored (u16 per uid, subtensor's `Consensus`); absent,
    /// `null` or empty when none is stored.
    #[serde(default)]
    pub previous_consensus: Option<Vec<u16>>,
    /// The subnet's epoch consensus (subtensor's `SubnetEpochConsensus`, runtime 475). Absent:
    /// `yuma`.
    #[serde(default)]
    pub consensus_kind: EpochConsensus,
    /// Block of the last Yuma epoch (subtensor's `LastYumaStepBlock`): the bonds registration
    /// mask reads it in place of `last_mechanism_step_block`. Absent or `null`: that block.
    #[serde(default)]
    pub last_yuma_step_block: Option<u64>,
}

/// Which consensus the liquid-alpha sigmoid reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsensusMode {
    /// This epoch's consensus.
    #[default]
    Current,
    /// The previous epoch's stored consensus (this epoch's when none is stored).
    Previous,
    /// `previous` when the bonds penalty is 65535 (the runtime default), else `current`: the
    /// runtime's default mode.
    Auto,
}

/// The epoch consensus a subnet runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EpochConsensus {
    /// Yuma consensus.
    #[default]
    Yuma,
    /// The Null consensus (the largest-stake uid's raw row pays the miners, dividends follow
    /// stake, bonds freeze): computed natively ([`super::null`]), refused by the circuits.
    Null,
}

/// Everything the chain writes for one epoch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EpochOutput {
    /// Active flag per uid.
    pub active: Vec<bool>,
    /// Validator permits for the next epoch.
    pub new_validator_permit: Vec<bool>,
    /// Normalised stake as u16.
    pub stake_weight_u16: Vec<u16>,
    /// Consensus as u16.
    pub consensus_u16: Vec<u16>,
    /// Incentive as u16.
    pub incentive_u16: Vec<u16>,
    /// Dividends as u16.
    pub dividends_u16: Vec<u16>,
    /// Validator trust as u16.
    pub validator_trust_u16: Vec<u16>,
    /// Miner (server) emission in RAO.
    pub server_emission: Vec<u64>,
    /// Validator emission in RAO.
    pub validator_emission: Vec<u64>,
    /// Combined emission in RAO.
    pub emission: Vec<u64>,
    /// Bonds rows as written back (u16).
    pub bonds_out: Vec<Vec<(u16, u16)>>,
    /// Raw `I32F32` bits of the normalised stake.
    pub stake_bits: Vec<i64>,
    /// Raw bits of the active stake.
    pub active_stake_bits: Vec<i64>,
    /// Raw bits of consensus.
    pub consensus_bits: Vec<i64>,
    /// Raw bits of incentive.
    pub incentive_bits: Vec<i64>,
    /// Raw bits of dividends.
    pub dividends_bits: Vec<i64>,
    /// Raw bits of validator trust.
    pub validator_trust_bits: Vec<i64>,
}

/// The epoch's intermediate values, in the chain's fixed point.
#[derive(Clone, Debug)]
pub struct EpochTrace {
    /// Normalised stake.
    pub stake: Vec<I32F32>,
    /// Normalised active validator stake.
    pub active_stake: Vec<I32F32>,
    /// Weights after every mask and row normalisation.
    pub weights: SparseMatrix,
    /// Consensus per column.
    pub consensus: Vec<I32F32>,
    /// Weights clipped to consensus.
    pub clipped_weights: SparseMatrix,
    /// Validator trust.
    pub validator_trust: Vec<I32F32>,
    /// Incentive.
    pub incentive: Vec<I32F32>,
    /// Weights after the bonds-penalty interpolation.
    pub weights_for_bonds: SparseMatrix,
    /// Previous bonds as read (masked; column-normalised for the original Yuma).
    pub bonds: SparseMatrix,
    /// New bonds before quantisation (column max-upscaled for the original Yuma).
    pub ema_bonds: SparseMatrix,
    /// Dividends.
    pub dividends: Vec<I32F32>,
    /// What the chain writes.
    pub output: EpochOutput,
}

/// Why an epoch input is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EpochError {
    /// The JSON does not parse into an epoch input.
    #[error("epoch input: field `{path}`: {message}")]
    Json {
        /// Path of the offending field (e.g. `weights[3][0]`).
        path: String,
        /// What is wrong with it.
        message: String,
    },
    /// A per-uid vector does not have `n` entries.
    #[error("epoch input: field `{field}` has {got} entries, expected n = {expected}")]
    Length {
        /// The field.
        field: &'static str,
        /// `n`.
        expected: usize,
        /// Its length.
        got: usize,
    },
    /// The total stake does not fit the chain's `I64F64` (above 2^63 − 1 RAO).
    #[error("epoch input: field `stake`: total stake exceeds the I64F64 range of the chain")]
    StakeOverflow,
    /// The Null epoch consensus where a Yuma core is needed: [`super::run_epoch`] computes it
    /// ([`super::null`]), but the epoch circuits do not prove it yet.
    #[error("epoch input: `consensus_kind: null` (the Null epoch consensus) has no Yuma core and is not proven by the epoch circuits")]
    NullConsensus,
}

impl EpochInput {
    /// The first block after the last Yuma epoch (subtensor's bond cutoff): bonds to a uid
    /// registered at or after it are dropped. It reads `LastYumaStepBlock` where the chain keeps
    /// one, else `LastMechansimStepBlock`; a chain that never stepped takes `current − tempo`.
    pub fn bonds_cutoff_block(&self) -> u64 {
        let last_step = self
            .last_yuma_step_block
            .unwrap_or(self.last_mechanism_step_block);
        if last_step == 0 {
            self.current_block.saturating_sub(self.tempo)
        } else {
            last_step.saturating_add(1)
        }
    }

    /// An empty input whose runtime-mode fields (consensus mode, previous consensus, consensus
    /// kind, last Yuma step block) have their defaults, to complete a literal with `..`.
    pub fn default_modes() -> Self {
        Self {
            n: 0,
            current_block: 0,
            tempo: 0,
            activity_cutoff_blocks: 0,
            last_mechanism_step_block: 0,
            last_update: Vec::new(),
            block_at_registration: Vec::new(),
            stake: Vec::new(),
            stake_threshold: 0,
            owner_uid: None,
            validator_permit: Vec::new(),
            max_allowed_validators: 0,
            weights: Vec::new(),
            bonds: Vec::new(),
            kappa: 0,
            bonds_penalty: 0,
            bonds_moving_average: 0,
            yuma3: false,
            liquid_alpha: false,
            alpha_low: 0,
            alpha_high: 0,
            alpha_sigmoid_steepness: 0,
            rao_emission: 0,
            commit_reveal_commit_blocks: None,
            liquid_alpha_consensus_mode: ConsensusMode::Current,
            previous_consensus: None,
            consensus_kind: EpochConsensus::Yuma,
            last_yuma_step_block: None,
        }
    }

    /// Parse an epoch input from JSON, naming the offending field on error.
    #[cfg(feature = "std")]
    pub fn from_json_str(s: &str) -> Result<Self, EpochError> {
        let de = &mut serde_json::Deserializer::from_str(s);
        let input: Self = serde_path_to_error::deserialize(de).map_err(|e| EpochError::Json {
            path: alloc::string::ToString::to_string(e.path()),
            message: alloc::string::ToString::to_string(e.inner()),
        })?;
        input.validate()?;
        Ok(input)
    }

    /// Check that every per-uid vector has `n` entries.
    pub fn validate(&self) -> Result<(), EpochError> {
        let n = usize::from(self.n);
        let check = |field: &'static str, got: usize| {
            if got == n {
                Ok(())
            } else {
                Err(EpochError::Length {
                    field,
                    expected: n,
                    got,
                })
            }
        };
        check("last_update", self.last_update.len())?;
        check("block_at_registration", self.block_at_registration.len())?;
        check("stake", self.stake.len())?;
        check("validator_permit", self.validator_permit.len())?;
        check("weights", self.weights.len())?;
        check("bonds", self.bonds.len())?;
        if let Some(cb) = &self.commit_reveal_commit_blocks {
            check("commit_reveal_commit_blocks", cb.len())?;
        }
        // A stored consensus of another length (the subnet grew or shrank since) is refused
        // rather than guessed at.
        if let Some(pc) = self.previous_consensus.as_ref().filter(|p| !p.is_empty()) {
            check("previous_consensus", pc.len())?;
        }
        Ok(())
    }
}
