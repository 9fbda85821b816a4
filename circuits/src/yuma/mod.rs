//! The Yuma epoch: a bit-exact reference of subtensor's sparse `epoch_mechanism`.
//!
//! [`run_epoch`] reads one epoch's complete chain state ([`EpochInput`]) and returns everything
//! the chain writes for it ([`EpochOutput`]): activity, validator permits, consensus, validator
//! trust, incentive, dividends, the emission split in RAO and the bonds rows written back. Every
//! step follows the chain's order and fixed-point rules (see [`crate::fixed`]); the epoch
//! circuit enforces the same steps against [`EpochTrace`].

use alloc::vec::Vec;
#[cfg(feature = "r1cs")]
pub mod constraints;
#[cfg(all(feature = "r1cs", feature = "halo2"))]
pub mod halo2;
pub mod liquid_alpha;
pub mod math;
pub mod median;
pub mod null;
pub mod synthetic;
mod types;

pub use types::{ConsensusMode, EpochConsensus, EpochError, EpochInput, EpochOutput, EpochTrace};

use crate::fixed::{proportion_to_rao, sum, I32F32, I64F64};
use liquid_alpha::{liquid_alpha_matrix_sparse, LiquidAlphaParams};
use math::*;
use median::{weighted_median_col_sparse, MedianAlgorithm};

/// Run one epoch; see the module documentation.
pub fn run_epoch(input: &EpochInput) -> Result<EpochOutput, EpochError> {
    if input.consensus_kind == EpochConsensus::Null {
        return null::run_null_epoch(input);
    }
    run_epoch_traced(input, MedianAlgorithm::ClosedForm).map(|t| t.output)
}

/// `1 − bonds_moving_average / 10^6`, the EMA rate when liquid alpha is off:
/// `I64F64(bma) / I64F64(10^6)` narrowed to `I32F32`, subtracted from 1.
pub fn bonds_moving_average_alpha(bonds_moving_average: u64) -> I32F32 {
    let ratio = I64F64::saturating_from_u64(bonds_moving_average)
        .safe_div(I64F64::saturating_from_u64(1_000_000));
    I32F32::ONE.saturating_sub(ratio.saturating_to_i32f32())
}

/// Which stored weights survive the epoch's masks: `keep[i][j]` for row `i`, column `j < n`
/// (validator permit of row `i` with the owner forced, no self-weight except the owner's, not
/// outdated, and — with commit-reveal — not committed before `j` registered). An entry that is
/// kept is read at its stored value; everything else (absent or masked) is 0.
pub fn weight_keep_mask(input: &EpochInput) -> Vec<Vec<bool>> {
    let n = usize::from(input.n);
    let owner = input.owner_uid.map(usize::from);
    (0..n)
        .map(|i| {
            let permit = input.validator_permit[i] || owner == Some(i);
            (0..n)
                .map(|j| {
                    let diag_ok = i != j || owner == Some(i);
                    let outdated = input.last_update[i] <= input.block_at_registration[j];
                    let uncommitted =
                        input
                            .commit_reveal_commit_blocks
                            .as_ref()
                            .is_some_and(|cb| {
                                cb[i].unwrap_or(u64::MAX) < input.block_at_registration[j]
                            });
                    permit && diag_ok && !outdated && !uncommitted
                })
                .collect()
        })
        .collect()
}

/// The epoch's stake weights: RAO stakes as `I64F64`, those below `threshold` zeroed (the owner
/// exempt), normalised, narrowed to `I32F32`. Validator permits go to the top
/// `max_allowed_validators` of these ([`math::is_topk_nonzero`]).
pub fn normalized_stake(
    stake: &[u64],
    threshold: u64,
    owner: Option<u16>,
) -> Result<Vec<I32F32>, EpochError> {
    let filtered: Vec<I64F64> = stake
        .iter()
        .enumerate()
        .map(|(uid, &s)| {
            let s = I64F64::saturating_from_u64(s);
            if owner != Some(uid as u16) && s.saturating_to_u64() < threshold {
                I64F64::ZERO
            } else {
                s
            }
        })
        .collect();
    normalize_64_narrowed(&filtered)
}

/// `inplace_normalize_64` then `vec_fixed64_to_fixed32`: normalise in `I64F64` and narrow each
/// value to `I32F32`; a sum beyond the `I64F64` range is refused.
pub fn normalize_64_narrowed(x: &[I64F64]) -> Result<Vec<I32F32>, EpochError> {
    Ok(normalize_64(x)
        .ok_or(EpochError::StakeOverflow)?
        .into_iter()
        .map(I64F64::saturating_to_i32f32)
        .collect())
}

/// Run one epoch and keep the intermediate values a proof of it needs: the chain's reading of
/// its state ([`EpochCore::from_input`]) followed by the epoch proper ([`run_core`]).
pub fn run_epoch_traced(
    input: &EpochInput,
    median: MedianAlgorithm,
) -> Result<EpochTrace, EpochError> {
    Ok(run_core(&EpochCore::from_input(input)?, median))
}

/// What the epoch computes from once the chain has read its state: stakes, permits, the weights
/// that survive the masks and the bonds that survive registration. The epoch statement carries
/// exactly this (for its validator rows), so the same [`run_core`] serves the chain's epoch and
/// the statement's native check.
#[derive(Clone, Debug)]
pub struct EpochCore {
    /// Uids.
    pub n: u16,
    /// Active flag per uid (reported, not used further).
    pub active: Vec<bool>,
    /// Normalised stake per uid.
    pub stake: Vec<I32F32>,
    /// Normalised active validator stake per uid.
    pub active_stake: Vec<I32F32>,
    /// Permits held before the epoch, owner forced.
    pub validator_permits: Vec<bool>,
    /// Permits after the epoch, owner forced.
    pub new_validator_permits: Vec<bool>,
    /// Stored weights that survive every mask (u16 values as integers), per row.
    pub weights: SparseMatrix,
    /// Previous bonds as stored, per row (written back unchanged for a row without permits).
    pub bonds_stored: Vec<Vec<(u16, u16)>>,
    /// Previous bonds that survive the registration mask (u16 values), per row.
    pub bonds_kept: Vec<Vec<(u16, u16)>>,
    /// Kappa (u16 proportion).
    pub kappa: u16,
    /// Bonds penalty (u16 proportion).
    pub bonds_penalty: u16,
    /// Bonds moving average (millionths).
    pub bonds_moving_average: u64,
    /// Yuma3 bonds (else the original Yuma).
    pub yuma3: bool,
    /// Liquid alpha's parameters when it is on.
    pub liquid_alpha: Option<LiquidAlphaParams>,
    /// The consensus the liquid-alpha sigmoid reads in place of this epoch's (the previous
    /// epoch's stored one, as I32F32), when the consensus mode says so and one is stored.
    pub liquid_alpha_consensus: Option<Vec<I32F32>>,
    /// Epoch emission in RAO.
    pub rao_emission: u64,
}

impl EpochCore {
    /// Read an epoch's chain state as the chain does: activity, stake filter and normalisation,
    /// permits, active stake, the weight masks and the bonds registration mask.
    pub fn from_input(input: &EpochInput) -> Result<Self, EpochError> {
        input.validate()?;
        // The Null consensus has no Yuma core (see [`null`]); the circuits refuse it here.
        if input.consensus_kind == EpochConsensus::Null {
            return Err(EpochError::NullConsensus);
        }
        let n = input.n;

        // == Active & updated ==
        let inactive: Vec<bool> = input
            .last_update
            .iter()
            .map(|u| u.saturating_add(input.activity_cutoff_blocks) < input.current_block)
            .collect();
        let active: Vec<bool> = inactive.iter().map(|b| !b).collect();

        // == Stake == (I64F64, threshold filter with the owner exempt, normalise, narrow to I32F32)
        let owner = input.owner_uid;
        let stake = normalized_stake(&input.stake, input.stake_threshold, owner)?;

        // == Validator permits == (the owner always holds one)
        let mut validator_permits = input.validator_permit.clone();
        if let Some(p) = owner.and_then(|o| validator_permits.get_mut(usize::from(o))) {
            *p = true;
        }
        let validator_forbids: Vec<bool> = validator_permits.iter().map(|b| !b).collect();
        let mut new_validator_permits =
            is_topk_nonzero(&stake, usize::from(input.max_allowed_validators));
        if let Some(p) = owner.and_then(|o| new_validator_permits.get_mut(usize::from(o))) {
            *p = true;
        }

        // == Active stake ==
        let mut active_stake = stake.clone();
        inplace_mask_vector(&inactive, &mut active_stake);
        inplace_mask_vector(&validator_forbids, &mut active_stake);
        inplace_normalize(&mut active_stake);

        // == Weights == (stored u16 values read as integers; out-of-range columns dropped)
        let mut weights: SparseMatrix = input
            .weights
            .iter()
            .map(|row| {
                row.iter()
                    .filter(|(j, _)| *j < n)
                    .map(|&(j, w)| (j, I32F32::from_u16(w)))
                    .collect()
            })
            .collect();
        weights = mask_rows_sparse(&validator_forbids, &weights);
        weights = shared_weight_masks(&weights, input);

        // == Bonds surviving registration == (registered since the last tempo: bonds dropped)
        let last_tempo = input.bonds_cutoff_block();
        let recently_registered = |last_tempo: u64, registered: u64| last_tempo <= registered;
        let bonds_kept: Vec<Vec<(u16, u16)>> = input
            .bonds
            .iter()
            .map(|row| {
                row.iter()
                    .filter(|(j, _)| {
                        let registered = input
                            .block_at_registration
                            .get(usize::from(*j))
                            .copied()
                            .unwrap_or(0);
                        !recently_registered(last_tempo, registered)
                    })
                    .copied()
                    .collect()
            })
            .collect();
        Ok(Self {
            n,
            active,
            stake,
            active_stake,
            validator_permits,
            new_validator_permits,
            weights,
            bonds_stored: input.bonds.clone(),
            bonds_kept,
            kappa: input.kappa,
            bonds_penalty: input.bonds_penalty,
            bonds_moving_average: input.bonds_moving_average,
            yuma3: input.yuma3,
            liquid_alpha: input.liquid_alpha.then_some(LiquidAlphaParams {
                alpha_low: input.alpha_low,
                alpha_high: input.alpha_high,
                steepness: input.alpha_sigmoid_steepness,
            }),
            liquid_alpha_consensus: liquid_alpha_consensus(input),
            rao_emission: input.rao_emission,
        })
    }
}

/// The weight masks Yuma and the Null consensus share: no self-weight but the owner's, no
/// weight to a uid registered since the row's last update, and — with commit-reveal — none to a
/// uid registered after the row's earliest live commit.
pub fn shared_weight_masks(weights: &[SparseRow], input: &EpochInput) -> SparseMatrix {
    let mut weights = mask_diag_sparse(weights, input.owner_uid);
    weights = vec_mask_sparse_matrix(
        &weights,
        &input.last_update,
        &input.block_at_registration,
        |updated, registered| updated <= registered,
    );
    if let Some(commit_blocks) = &input.commit_reveal_commit_blocks {
        let cb: Vec<u64> = commit_blocks
            .iter()
            .map(|c| c.unwrap_or(u64::MAX))
            .collect();
        weights = vec_mask_sparse_matrix(&weights, &cb, &input.block_at_registration, |c, r| c < r);
    }
    weights
}

/// The consensus the liquid-alpha sigmoid reads when it is not this epoch's
/// (`compute_consensus_for_liquid_alpha`): the previous epoch's stored u16 consensus, each
/// `I32F32(c) / I32F32(65535)` (`safe_div`), in `previous` mode, and in `auto` mode when the bonds
/// penalty is 65535; `None` (this epoch's) otherwise or when nothing is stored.
pub fn liquid_alpha_consensus(input: &EpochInput) -> Option<Vec<I32F32>> {
    previous_consensus_for_sigmoid(input).map(|stored| {
        stored
            .iter()
            .map(|c| I32F32::from_u16_proportion(*c))
            .collect()
    })
}

/// The stored u16 consensus [`liquid_alpha_consensus`] converts, when the mode reads it.
pub fn previous_consensus_for_sigmoid(input: &EpochInput) -> Option<&Vec<u16>> {
    let previous = match input.liquid_alpha_consensus_mode {
        ConsensusMode::Current => return None,
        ConsensusMode::Previous => true,
        ConsensusMode::Auto => input.bonds_penalty == u16::MAX,
    };
    let stored = input
        .previous_consensus
        .as_ref()
        .filter(|p| !p.is_empty())?;
    previous.then_some(stored)
}

/// The epoch proper, from the chain state as read: row normalisation, consensus, clipping,
/// validator trust, incentive, bonds, dividends, emission and the bonds written back.
pub fn run_core(core: &EpochCore, median: MedianAlgorithm) -> EpochTrace {
    let n = core.n;
    let nu = usize::from(n);
    let (stake, active_stake) = (&core.stake, &core.active_stake);
    let (validator_permits, new_validator_permits) =
        (&core.validator_permits, &core.new_validator_permits);
    let mut weights = core.weights.clone();
    inplace_row_normalize_sparse(&mut weights);

    // == Consensus, validator trust ==
    let kappa = I32F32::from_u16_proportion(core.kappa);
    let consensus = weighted_median_col_sparse(active_stake, &weights, n, kappa, median);
    let clipped_weights = col_clip_sparse(&weights, &consensus);
    let validator_trust = row_sum_sparse(&clipped_weights);

    // == Ranks, incentive ==
    let mut ranks = matmul_sparse(&clipped_weights, active_stake, n);
    inplace_normalize(&mut ranks);
    let incentive = ranks;

    // == Bonds and dividends ==
    let bonds_penalty = I32F32::from_u16_proportion(core.bonds_penalty);
    let weights_for_bonds = interpolate_sparse(&weights, &clipped_weights, n, bonds_penalty);
    let alpha = bonds_moving_average_alpha(core.bonds_moving_average);

    let (dividends, ema_bonds, bonds) = if core.yuma3 {
        let bonds: SparseMatrix = core
            .bonds_kept
            .iter()
            .map(|row| {
                row.iter()
                    .map(|&(j, b)| (j, I32F32::from_u16_proportion(b)))
                    .collect()
            })
            .collect();
        let liquid = core
            .liquid_alpha
            .filter(|_| consensus.iter().any(|c| *c != I32F32::ZERO));
        let ema_bonds = if let Some(params) = liquid {
            let fed = core.liquid_alpha_consensus.as_ref().unwrap_or(&consensus);
            let alphas = liquid_alpha_matrix_sparse(&params, &weights_for_bonds, &bonds, fed);
            mat_ema_alpha_sparse(&weights_for_bonds, &bonds, &alphas)
        } else {
            mat_ema_sparse(&weights_for_bonds, &bonds, alpha)
        };
        let mut ema_bonds_norm = ema_bonds.clone();
        inplace_col_normalize_sparse(&mut ema_bonds_norm, n);
        let total_bonds_per_validator =
            row_sum_sparse(&mat_vec_mul_sparse(&ema_bonds_norm, &incentive));
        let mut dividends = vec_mul(&total_bonds_per_validator, active_stake);
        inplace_normalize(&mut dividends);
        (dividends, ema_bonds, bonds)
    } else {
        let mut bonds: SparseMatrix = core
            .bonds_kept
            .iter()
            .map(|row| row.iter().map(|&(j, b)| (j, I32F32::from_u16(b))).collect())
            .collect();
        inplace_col_normalize_sparse(&mut bonds, n);
        let mut bonds_delta = row_hadamard_sparse(&weights_for_bonds, active_stake);
        inplace_col_normalize_sparse(&mut bonds_delta, n);
        let mut ema_bonds = mat_ema_sparse(&bonds_delta, &bonds, alpha);
        inplace_col_normalize_sparse(&mut ema_bonds, n);
        let mut dividends = matmul_transpose_sparse(&ema_bonds, &incentive);
        inplace_normalize(&mut dividends);
        inplace_col_max_upscale_sparse(&mut ema_bonds, n);
        (dividends, ema_bonds, bonds)
    };

    // == Emission ==
    let combined: Vec<I32F32> = incentive
        .iter()
        .zip(&dividends)
        .map(|(i, d)| i.saturating_add(*d))
        .collect();
    let emission_sum = sum(combined.iter().copied());
    let mut server = incentive.clone();
    let mut validator = dividends.clone();
    let mut combined_norm = combined;
    inplace_normalize_with_sum(&mut server, emission_sum);
    inplace_normalize_with_sum(&mut validator, emission_sum);
    inplace_normalize(&mut combined_norm);
    if emission_sum == I32F32::ZERO {
        // No weights, outdated weights or only self-weights: pay by stake.
        let by = if is_zero(active_stake) {
            stake
        } else {
            active_stake
        };
        validator.clone_from(by);
        combined_norm.clone_from(by);
    }
    let rao = core.rao_emission;
    let to_rao =
        |v: &[I32F32]| -> Vec<u64> { v.iter().map(|x| proportion_to_rao(*x, rao)).collect() };

    // == Bonds written back == (a new permit writes its EMA row; a lost permit clears the row)
    let bonds_out: Vec<Vec<(u16, u16)>> = (0..nu)
        .map(|i| {
            if new_validator_permits[i] {
                ema_bonds
                    .get(i)
                    .map(|row| {
                        row.iter()
                            .map(|(j, v)| (*j, v.proportion_to_u16()))
                            .collect()
                    })
                    .unwrap_or_default()
            } else if validator_permits[i] {
                Vec::new()
            } else {
                core.bonds_stored.get(i).cloned().unwrap_or_default()
            }
        })
        .collect();

    let u16s = |v: &[I32F32]| -> Vec<u16> { v.iter().map(|x| x.proportion_to_u16()).collect() };
    let bits = |v: &[I32F32]| -> Vec<i64> { v.iter().map(|x| x.to_bits()).collect() };
    let output = EpochOutput {
        active: core.active.clone(),
        new_validator_permit: new_validator_permits.clone(),
        stake_weight_u16: u16s(stake),
        consensus_u16: u16s(&consensus),
        incentive_u16: u16s(&incentive),
        dividends_u16: u16s(&dividends),
        validator_trust_u16: u16s(&validator_trust),
        server_emission: to_rao(&server),
        validator_emission: to_rao(&validator),
        emission: to_rao(&combined_norm),
        bonds_out,
        stake_bits: bits(stake),
        active_stake_bits: bits(active_stake),
        consensus_bits: bits(&consensus),
        incentive_bits: bits(&incentive),
        dividends_bits: bits(&dividends),
        validator_trust_bits: bits(&validator_trust),
    };
    EpochTrace {
        stake: stake.clone(),
        active_stake: active_stake.clone(),
        weights,
        consensus,
        clipped_weights,
        validator_trust,
        incentive,
        weights_for_bonds,
        bonds,
        ema_bonds,
        dividends,
        output,
    }
}
