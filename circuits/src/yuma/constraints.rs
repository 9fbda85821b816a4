//! The consensus core of the Yuma epoch in R1CS, step by step beside the native rules in
//! [`super`] and [`super::math`]: masks and row normalisation, consensus (the weighted-median
//! rule with a witness and two masked stake sums), clipping, validator trust, ranks and
//! incentive. All values are `I32F32` bits of non-negative numbers.
//!
//! Bounds used below (n ≤ 65535 uids): stored weights < 2^16 (bits); row sums ≤ N·65535;
//! consensus < 2^33 (bits); normalised weights within 2^33 of their column's consensus (the
//! median comparison), hence exactly ⌊e·2^32 / S⌋ ≤ 2^32; stakes, clipped weights ≤ 2^32; ranks
//! ≤ 2^32 each. Each fixed-point gadget states the honest maximum of its operands.

// Matrix steps index rows and columns of several parallel matrices at once; explicit indices
// read closer to the native rules than zipped iterators.
#![allow(clippy::needless_range_loop)]

use super::median::MedianBounds;
use super::EpochInput;
use crate::fixed::constraints::{
    bits_for, div_trunc, floor_to_int, mul_ceil, mul_floor, mul_floor_deferred, normalize, UNIT,
};
use crate::fixed::I32F32;
use crate::gadgets::{
    alloc_bits, alloc_u16, div_rem_bounded, enforce_range, from_bits_le, is_equal, is_less,
    is_zero, materialize, sum, value_or_zero,
};
use crate::yuma::liquid_alpha::constraints::{liquid_alpha_sigmoid, LiquidAlphaVars, SigmoidVars};
use alloc::vec::Vec;
use ark_bn254::Fr;
use ark_ff::PrimeField;
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::fields::FieldVar;
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};

/// Native inputs of the consensus core for `V` rows × `N` columns.
#[derive(Clone, Debug)]
pub struct ConsensusInputs {
    /// The uid of each row (the validators the circuit covers), increasing.
    pub validators: Vec<u16>,
    /// Stored u16 weights, dense (absent entries 0). Private.
    pub stored: Vec<Vec<u16>>,
    /// Which entries survive the masks (public).
    pub keep: Vec<Vec<bool>>,
    /// Active stake per row, `I32F32` (public).
    pub active_stake: Vec<I32F32>,
    /// Median stakes and bounds (public).
    pub bounds: MedianBounds,
    /// Consensus per column (the witness the rule checks).
    pub consensus: Vec<I32F32>,
}

impl ConsensusInputs {
    /// The inputs for an epoch over the rows of `validators`, with the consensus from the native
    /// reference. Duplicate uids in a stored row (impossible through set_weights) are refused.
    pub fn from_epoch(input: &EpochInput, validators: &[u16]) -> Result<Self, EpochCircuitError> {
        check_idle_rows(input, validators)?;
        let trace = super::run_epoch_traced(input, super::median::MedianAlgorithm::ClosedForm)?;
        let n = usize::from(input.n);
        let mut stored = alloc::vec![alloc::vec![0u16; n]; n];
        for (i, row) in input.weights.iter().enumerate() {
            let mut seen = alloc::vec![false; n];
            for &(j, w) in row {
                let j = usize::from(j);
                if j < n {
                    if seen[j] {
                        return Err(EpochCircuitError::Epoch(super::EpochError::Json {
                            path: alloc::format!("weights[{i}]"),
                            message: alloc::format!("uid {j} appears twice"),
                        }));
                    }
                    seen[j] = true;
                    stored[i][j] = w;
                }
            }
        }
        let kappa = I32F32::from_u16_proportion(input.kappa);
        let keep = super::weight_keep_mask(input);
        let mut bounds = super::median::median_bounds(&trace.active_stake, kappa);
        let rows = |v: &[u16]| v.iter().map(|u| usize::from(*u)).collect::<Vec<_>>();
        let rows = rows(validators);
        bounds.stake = rows.iter().map(|&r| bounds.stake[r]).collect();
        Ok(Self {
            validators: validators.to_vec(),
            stored: rows.iter().map(|&r| stored[r].clone()).collect(),
            keep: rows.iter().map(|&r| keep[r].clone()).collect(),
            bounds,
            active_stake: rows.iter().map(|&r| trace.active_stake[r]).collect(),
            consensus: trace.consensus,
        })
    }
}

/// Handles to the consensus core's results.
#[derive(Clone, Debug)]
pub struct ConsensusVars {
    /// Active stake per row (allocated).
    pub active_stake: Vec<FpVar<Fr>>,
    /// Stored u16 weights per row (allocated, range-checked): what weight commitments open.
    pub stored: Vec<Vec<FpVar<Fr>>>,
    /// Public chain state allocated by the core, in allocation order (masks row by row, median
    /// stakes, lo, hi, empty): bound by the statement digest.
    pub public: Vec<FpVar<Fr>>,
    /// Normalised weights `[row][col]`.
    pub weights: Vec<Vec<FpVar<Fr>>>,
    /// Remainders of the row normalisation, `e·2^32 − w·S'` (`[row][col]`).
    pub row_remainders: Vec<Vec<FpVar<Fr>>>,
    /// Consensus per column (one variable each, used by every row's comparison).
    pub consensus: Vec<FpVar<Fr>>,
    /// The same consensus as its 33 bits (the linear combination the variable equals).
    pub consensus_bits: Vec<FpVar<Fr>>,
    /// Clipped weights.
    pub clipped: Vec<Vec<FpVar<Fr>>>,
    /// Validator trust per row.
    pub validator_trust: Vec<FpVar<Fr>>,
    /// Incentive per column.
    pub incentive: Vec<FpVar<Fr>>,
}

fn fixed(x: I32F32) -> Fr {
    let b = x.to_bits();
    if b >= 0 {
        Fr::from(b as u64)
    } else {
        -Fr::from(b.unsigned_abs())
    }
}

/// Allocate `x` as a witness.
fn witness(cs: &ConstraintSystemRef<Fr>, x: Fr) -> Result<FpVar<Fr>, SynthesisError> {
    FpVar::new_witness(cs.clone(), || Ok(x))
}

/// Enforce the consensus core; see the module documentation.
pub fn consensus_core(
    cs: ConstraintSystemRef<Fr>,
    inputs: &ConsensusInputs,
) -> Result<ConsensusVars, SynthesisError> {
    let v = inputs.stored.len();
    let n = inputs.consensus.len();
    let unit = Fr::from(1u64 << 32);

    // Public chain state (bound to the statement digest by the caller).
    let keep = inputs
        .keep
        .iter()
        .map(|row| {
            row.iter()
                .map(|k| Boolean::new_witness(cs.clone(), || Ok(*k)))
                .collect()
        })
        .collect::<Result<Vec<Vec<_>>, _>>()?;
    let stake = inputs
        .active_stake
        .iter()
        .map(|s| witness(&cs, fixed(*s)))
        .collect::<Result<Vec<_>, _>>()?;
    let median_stake = inputs
        .bounds
        .stake
        .iter()
        .map(|s| witness(&cs, fixed(*s)))
        .collect::<Result<Vec<_>, _>>()?;
    let lo = witness(&cs, fixed(inputs.bounds.lo))?;
    let hi = witness(&cs, fixed(inputs.bounds.hi))?;
    let empty = Boolean::new_witness(cs.clone(), || Ok(inputs.bounds.empty))?;
    let not_empty = FpVar::one() - FpVar::from(empty.clone());

    // Masks and row normalisation (DESIGN §2): e_ij = keep_ij · W_ij; w_ij = ⌊e_ij·2^32 / S_i⌋
    // with S_i = Σ_j e_ij, or 0 for an all-zero row (S'_i = S_i + [S_i = 0]).
    let mut public: Vec<FpVar<Fr>> = keep
        .iter()
        .flat_map(|row| row.iter().map(|k| FpVar::from(k.clone())))
        .collect();
    public.extend(median_stake.iter().cloned());
    public.push(lo.clone());
    public.push(hi.clone());
    public.push(FpVar::from(empty.clone()));
    let mut weights = Vec::with_capacity(v);
    let mut row_remainders = Vec::with_capacity(v);
    let mut stored = Vec::with_capacity(v);
    // A row sum is at most N·65535, so remainders below it need only these bits.
    let row_sum_bits = bits_for((n as u128 * 65535).saturating_sub(1));
    for i in 0..v {
        let mut effective = Vec::with_capacity(n);
        let mut raw_row = Vec::with_capacity(n);
        for j in 0..n {
            let (raw, _) = alloc_u16(cs.clone(), inputs.stored[i][j])?;
            raw_row.push(raw.clone());
            effective.push(&raw * FpVar::from(keep[i][j].clone()));
        }
        let row_sum = materialize(&sum(effective.iter().cloned()))?;
        let divisor = &row_sum + FpVar::from(is_zero(&row_sum)?);
        // The quotient needs no range check of its own: the median comparison below confines
        // every w_ij to within 2^33 of its column's range-checked consensus, which makes
        // `w·S' + r = e·2^32` an integer relation (|w·S'| < 2^66) with the unique solution ⌊·⌋.
        let (row, rems): (Vec<_>, Vec<_>) = effective
            .iter()
            .map(|e| div_rem_bounded(&(e * unit), &divisor, row_sum_bits, None))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .unzip();
        weights.push(row);
        row_remainders.push(rems);
        stored.push(raw_row);
    }

    // Consensus: c_j with S(w < c_j) <= lo < … and hi < S(w <= c_j) over the median stakes,
    // c_j one of the column's values on rows with positive median stake; 0 when empty.
    let counted = median_stake
        .iter()
        .map(|u| Ok(FpVar::one() - FpVar::from(is_zero(u)?)))
        .collect::<Result<Vec<_>, SynthesisError>>()?;
    let mut consensus = Vec::with_capacity(n);
    let mut consensus_bits = Vec::with_capacity(n);
    let mut clipped = alloc::vec![Vec::with_capacity(n); v];
    for j in 0..n {
        let c_bits = from_bits_le(&alloc_bits(cs.clone(), fixed(inputs.consensus[j]), 33)?);
        let c = materialize(&c_bits)?;
        consensus_bits.push(c_bits);
        let mut below = Vec::with_capacity(v);
        let mut at_or_below = Vec::with_capacity(v);
        let mut membership = FpVar::one();
        for i in 0..v {
            let w = &weights[i][j];
            let lt = FpVar::from(is_less(w, &c, 33)?);
            let le = &lt + FpVar::from(is_equal(w, &c)?);
            below.push(&median_stake[i] * &lt);
            at_or_below.push(&median_stake[i] * &le);
            // Rows with positive median stake: factor (c − w); others: 1.
            membership *= &counted[i] * (&c - w) + FpVar::one() - &counted[i];
            // Clip (DESIGN §2): min(w, c); an entry above a zero consensus becomes 0.
            clipped[i].push(&le * (w - &c) + &c);
        }
        let (below, at_or_below) = (sum(below), sum(at_or_below));
        enforce_range(&(&not_empty * (&lo - &below)), 40)?;
        enforce_range(&(&not_empty * (&at_or_below - &hi - FpVar::one())), 40)?;
        (&not_empty * membership).enforce_equal(&FpVar::zero())?;
        (FpVar::from(empty.clone()) * &c).enforce_equal(&FpVar::zero())?;
        consensus.push(c);
    }

    // Validator trust: the sum of each row's clipped weights (linear).
    let validator_trust = clipped
        .iter()
        .map(|row| materialize(&sum(row.iter().cloned())))
        .collect::<Result<Vec<_>, _>>()?;

    // Ranks r_j = Σ_i ⌊s_i · clipped_ij / 2^32⌋; incentive = ⌊r_j · 2^32 / Σ r⌋ (0 if Σ r = 0).
    let ranks = (0..n)
        .map(|j| {
            // Stakes and clipped weights are proportions (≤ 1).
            (0..v)
                .map(|i| mul_floor(&stake[i], &clipped[i][j], UNIT, UNIT))
                .collect::<Result<Vec<_>, _>>()
                .map(sum)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let total = materialize(&sum(ranks.iter().cloned()))?;
    let divisor = &total + FpVar::from(is_zero(&total)?);
    let incentive = ranks
        .iter()
        .map(|r| div_trunc(&(r * unit), &divisor, UNIT, n as u128 * UNIT))
        .collect::<Result<Vec<_>, _>>()?;

    Ok(ConsensusVars {
        active_stake: stake,
        stored,
        public,
        weights,
        row_remainders,
        consensus,
        consensus_bits,
        clipped,
        validator_trust,
        incentive,
    })
}

/// Which bonds rule the circuit enforces (fixed per circuit).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BondsMode {
    /// Yuma3: a fixed alpha, or liquid alpha where [`BondsInputs::liquid`] is set.
    Yuma3,
    /// The original Yuma (column-normalised EMA, max-upscaled storage).
    Original,
}

/// Native inputs of the bonds, dividends and emission steps.
#[derive(Clone, Debug)]
pub struct BondsInputs {
    /// The uid of each row.
    pub validators: Vec<u16>,
    /// Bonds rule.
    pub mode: BondsMode,
    /// Previous bonds as stored (u16, dense). Private.
    pub bonds: Vec<Vec<u16>>,
    /// Columns whose bonds survive (uid registered before the last tempo). Public.
    pub bonds_keep: Vec<bool>,
    /// Bonds penalty as `I32F32`. Public.
    pub penalty: I32F32,
    /// EMA alpha as `I32F32`. Public.
    pub alpha: I32F32,
    /// Normalised total stake (the emission fallback). Public.
    pub stake: Vec<I32F32>,
    /// Permits held before the epoch (owner forced), per row. Public.
    pub old_permit: Vec<bool>,
    /// Permits after the epoch, per row. Public.
    pub new_permit: Vec<bool>,
    /// Epoch emission in RAO. Public.
    pub rao_emission: u64,
    /// Liquid alpha's state (Yuma3 only; `None`: the fixed alpha). Public.
    pub liquid: Option<crate::yuma::liquid_alpha::LiquidAlphaState>,
}

impl BondsInputs {
    /// The inputs of an epoch over the rows of `validators`.
    pub fn from_epoch(input: &EpochInput, validators: &[u16]) -> Result<Self, EpochCircuitError> {
        if input.bonds_moving_average > 1_000_000 {
            return Err(EpochCircuitError::NegativeAlpha(input.bonds_moving_average));
        }
        let core = super::EpochCore::from_input(input)?;
        let liquid = crate::epoch::check_liquid_alpha(input, &core)?;
        crate::epoch::check_idle(input, &core, validators)?;
        let trace = super::run_core(&core, super::median::MedianAlgorithm::ClosedForm);
        let n = usize::from(input.n);
        let mut bonds = alloc::vec![alloc::vec![0u16; n]; n];
        for (i, row) in input.bonds.iter().enumerate() {
            for &(j, b) in row {
                if let Some(cell) = bonds[i].get_mut(usize::from(j)) {
                    *cell = b;
                }
            }
        }
        let last_tempo = input.bonds_cutoff_block();
        let owner = input.owner_uid.map(usize::from);
        let rows: Vec<usize> = validators.iter().map(|u| usize::from(*u)).collect();
        let old_permit: Vec<bool> = (0..n)
            .map(|i| input.validator_permit[i] || owner == Some(i))
            .collect();
        Ok(Self {
            validators: validators.to_vec(),
            mode: if input.yuma3 {
                BondsMode::Yuma3
            } else {
                BondsMode::Original
            },
            bonds: rows.iter().map(|&r| bonds[r].clone()).collect(),
            bonds_keep: input
                .block_at_registration
                .iter()
                .map(|reg| last_tempo > *reg)
                .collect(),
            penalty: I32F32::from_u16_proportion(input.bonds_penalty),
            alpha: super::bonds_moving_average_alpha(input.bonds_moving_average),
            stake: trace.stake,
            old_permit: rows.iter().map(|&r| old_permit[r]).collect(),
            new_permit: rows
                .iter()
                .map(|&r| trace.output.new_validator_permit[r])
                .collect(),
            rao_emission: input.rao_emission,
            liquid,
        })
    }
}

pub use crate::epoch::{check_idle_rows, EpochCircuitError};

/// Handles to the bonds, dividends and emission results.
#[derive(Clone, Debug)]
pub struct BondsVars {
    /// Dividends per row (`I32F32` bits).
    pub dividends: Vec<FpVar<Fr>>,
    /// Bonds rows written back, u16 dense (0 = absent).
    pub new_bonds: Vec<Vec<FpVar<Fr>>>,
    /// Server emission (RAO).
    pub server_emission: Vec<FpVar<Fr>>,
    /// Validator emission (RAO).
    pub validator_emission: Vec<FpVar<Fr>>,
    /// Combined emission (RAO).
    pub emission: Vec<FpVar<Fr>>,
    /// Previous bonds as allocated (u16), for the commitment.
    pub old_bonds: Vec<Vec<FpVar<Fr>>>,
    /// Yuma3 with the fixed alpha: the EMA's second floor `⌊(1−α)·B⌋` per cell as (quotient,
    /// remainder) — the quotient pinned only by the bond quantisation (empty rows for the
    /// original Yuma and with liquid alpha, whose floors are in `liquid_cells`).
    pub ema_second_floor: Vec<Vec<(FpVar<Fr>, FpVar<Fr>)>>,
    /// Public chain state allocated here, in order (penalty, alpha, bonds masks, old permits, new
    /// permits, stake, rao): bound by the statement digest.
    pub public: Vec<FpVar<Fr>>,
    /// Liquid alpha's public parameters (bound by the digest after everything else).
    pub liquid: Option<LiquidAlphaVars>,
    /// Liquid alpha's cells per row (empty rows without liquid alpha).
    pub liquid_cells: Vec<Vec<LiquidCell>>,
}

/// Enforce bonds, dividends and emission on top of the consensus core (square epochs: one row
/// per uid).
///
/// `selection[r][u]` (public booleans) is 1 exactly when row `r` is uid `u`; it maps row values
/// (dividends, active stake) to uids without making the circuit depend on which uids validate.
pub fn bonds_and_emission(
    cs: ConstraintSystemRef<Fr>,
    core: &ConsensusVars,
    active_stake: &[FpVar<Fr>],
    inputs: &BondsInputs,
    selection: &[Vec<Boolean<Fr>>],
) -> Result<BondsVars, SynthesisError> {
    let v = core.weights.len();
    let n = core.consensus.len();
    let unit = Fr::from(1u64 << 32);
    let penalty = witness(&cs, fixed(inputs.penalty))?;
    let alpha = witness(&cs, fixed(inputs.alpha))?;
    // 0 <= α <= 1 (33 bits, with 1 − α >= 0 below): the EMA floors' bounds rest on it, here as
    // well as in every verifier's statement check.
    enforce_range(&alpha, 33)?;
    let one_minus_alpha = FpVar::constant(unit) - &alpha;
    enforce_range(&one_minus_alpha, 33)?;
    let bonds_keep = inputs
        .bonds_keep
        .iter()
        .map(|k| Boolean::new_witness(cs.clone(), || Ok(*k)).map(FpVar::from))
        .collect::<Result<Vec<_>, _>>()?;
    let old_permit = inputs
        .old_permit
        .iter()
        .map(|k| Boolean::new_witness(cs.clone(), || Ok(*k)).map(FpVar::from))
        .collect::<Result<Vec<_>, _>>()?;
    let new_permit = inputs
        .new_permit
        .iter()
        .map(|k| Boolean::new_witness(cs.clone(), || Ok(*k)).map(FpVar::from))
        .collect::<Result<Vec<_>, _>>()?;
    let stake = inputs
        .stake
        .iter()
        .map(|s| witness(&cs, fixed(*s)))
        .collect::<Result<Vec<_>, _>>()?;
    let rao = witness(&cs, Fr::from(inputs.rao_emission))?;
    let mut public = alloc::vec![penalty.clone(), alpha.clone()];
    public.extend(bonds_keep.iter().cloned());
    public.extend(old_permit.iter().cloned());
    public.extend(new_permit.iter().cloned());
    public.extend(stake.iter().cloned());
    public.push(rao.clone());

    // Bonds penalty (interpolate_sparse): wfb = w + ⌊p·(cl − w)⌋ = w − ⌈p·(w − cl) / 2^32⌉
    // (p ≤ 1 and 0 ≤ w − cl ≤ 1).
    let mut wfb = Vec::with_capacity(v);
    for i in 0..v {
        let row = (0..n)
            .map(|j| {
                let gap = &core.weights[i][j] - &core.clipped[i][j];
                Ok(&core.weights[i][j] - mul_ceil(&penalty, &gap, UNIT, UNIT)?)
            })
            .collect::<Result<Vec<_>, SynthesisError>>()?;
        wfb.push(row);
    }

    // Previous bonds (u16), masked by column.
    let old_bonds = inputs
        .bonds
        .iter()
        .map(|row| {
            row.iter()
                .map(|b| Ok(alloc_u16(cs.clone(), *b)?.0))
                .collect::<Result<Vec<_>, SynthesisError>>()
        })
        .collect::<Result<Vec<_>, _>>()?;
    let masked = |i: usize, j: usize| &old_bonds[i][j] * &bonds_keep[j];

    let column =
        |m: &[Vec<FpVar<Fr>>], j: usize| m.iter().map(|row| row[j].clone()).collect::<Vec<_>>();
    let transpose = |cols: Vec<Vec<FpVar<Fr>>>| -> Vec<Vec<FpVar<Fr>>> {
        (0..v)
            .map(|i| cols.iter().map(|c| c[i].clone()).collect())
            .collect()
    };

    let mut ema_second_floor = Vec::new();
    let mut liquid_cells = Vec::new();
    // Liquid alpha (Yuma3): its parameters, the consensus its sigmoid reads, and whether it
    // applies — the chain uses the fixed alpha when this epoch's consensus is all zero
    // (consensus values are non-negative and below 2^33, so their sum is zero exactly then).
    let liquid = match (&inputs.liquid, inputs.mode) {
        (Some(state), BondsMode::Yuma3) => {
            let vars = LiquidAlphaVars::new(cs.clone(), state, n)?;
            let fed = vars.sigmoid_consensus(&core.consensus)?;
            let any = FpVar::one() - FpVar::from(is_zero(&sum(core.consensus.iter().cloned()))?);
            Some((vars, fed, any))
        }
        _ => None,
    };
    let (dividends, ema_stored) = match inputs.mode {
        BondsMode::Yuma3 => {
            // B = b / 65535 (truncating), EMA = ⌊α·wfb⌋ + ⌊(1−α)·B⌋.
            let mut ema = Vec::with_capacity(v);
            for i in 0..v {
                let row = (0..n)
                    .map(|j| {
                        // ⌊b·2^32 / 65535⌋ = 65537·b + [b = 65535], as 2^32 = 65535·65537 + 1.
                        let raw = masked(i, j);
                        let b = &raw * Fr::from(65537u64)
                            + FpVar::from(is_equal(&raw, &FpVar::constant(Fr::from(65535u64)))?);
                        // α, 1 − α, wfb and B are all ≤ 1. The second floor's quotient is
                        // pinned by the bond quantisation below, which writes `65535·ema` as 48
                        // bits X: with q1 range-checked, Z = 2^32·ema = 2^32·q1 + (1−α)·B − r2
                        // is an integer below 2^66 in size, and 2^32·X = 65535·Z (both below
                        // 2^82, so over the integers) makes 2^32 divide Z — ema, hence q2, is an
                        // integer, and `q2·2^32 + r2 = (1−α)·B` with `r2 < 2^32` is the floor.
                        let (q2, r2) = mul_floor_deferred(&one_minus_alpha, &b)?;
                        let ema = mul_floor(&alpha, &wfb[i][j], UNIT, UNIT)? + &q2;
                        let Some((vars, fed, any)) = &liquid else {
                            return Ok((ema, Some((q2, r2)), None));
                        };
                        // Liquid alpha: α_ij from the sigmoid, and only cells with a positive
                        // weight for bonds survive (the chain's EMA walks the new row's
                        // entries; an old bond without one is dropped). A second-floor
                        // quotient is pinned as above where it reaches the kept EMA (the
                        // selected branch, on a cell that survives); the others — the discarded
                        // branch's, and the liquid one on a cell with no weight — stay free field
                        // elements that feed no bond, digest element or output.
                        let sigmoid = liquid_alpha_sigmoid(vars, &fed[j], &wfb[i][j], &b)?;
                        let (lq2, lr2) =
                            mul_floor_deferred(&(FpVar::constant(unit) - &sigmoid.alpha), &b)?;
                        let present = FpVar::one() - FpVar::from(is_zero(&wfb[i][j])?);
                        let first = mul_floor(&sigmoid.alpha, &wfb[i][j], UNIT, UNIT)?;
                        let liquid_ema = &present * (first + &lq2);
                        let chosen = materialize(&(any * (liquid_ema - &ema) + &ema))?;
                        let cell = LiquidCell {
                            sigmoid,
                            second_floor: (lq2, lr2),
                            ema: chosen.clone(),
                        };
                        Ok((chosen, None, Some(cell)))
                    })
                    .collect::<Result<Vec<_>, SynthesisError>>()?;
                let mut floors = Vec::new();
                let mut cells = Vec::new();
                let row = row
                    .into_iter()
                    .map(|(e, floor, cell)| {
                        floors.extend(floor);
                        cells.extend(cell);
                        e
                    })
                    .collect();
                ema.push(row);
                ema_second_floor.push(floors);
                liquid_cells.push(cells);
            }
            // Column-normalised EMA, then dividends = normalise(⌊(Σ_j ⌊ema_n·inc⌋) · s_i⌋).
            // Each EMA entry is ≤ 1, so a column sums to at most V.
            let norm_cols = (0..n)
                .map(|j| normalize(&column(&ema, j), v as u128 * UNIT))
                .collect::<Result<Vec<_>, _>>()?;
            let norm = transpose(norm_cols);
            let mut raw = Vec::with_capacity(v);
            for i in 0..v {
                let total = sum((0..n)
                    .map(|j| mul_floor(&norm[i][j], &core.incentive[j], UNIT, UNIT))
                    .collect::<Result<Vec<_>, _>>()?);
                // total ≤ max_j norm · Σ_j incentive ≤ 1.
                raw.push(mul_floor(&total, &active_stake[i], UNIT, UNIT)?);
            }
            (normalize(&raw, v as u128 * UNIT)?, ema)
        }
        BondsMode::Original => {
            // B = col-normalise(b); ΔB = col-normalise(⌊wfb·s_i⌋); EMA col-normalised.
            let b_cols = (0..n)
                .map(|j| {
                    let col = (0..v).map(|i| masked(i, j) * unit).collect::<Vec<_>>();
                    normalize(&col, v as u128 * 65535 * UNIT)
                })
                .collect::<Result<Vec<_>, _>>()?;
            let d_cols = (0..n)
                .map(|j| {
                    let col = (0..v)
                        .map(|i| mul_floor(&wfb[i][j], &active_stake[i], UNIT, UNIT))
                        .collect::<Result<Vec<_>, _>>()?;
                    normalize(&col, v as u128 * UNIT)
                })
                .collect::<Result<Vec<_>, SynthesisError>>()?;
            let ema_cols = (0..n)
                .map(|j| {
                    let col = (0..v)
                        .map(|i| {
                            Ok(mul_floor(&alpha, &d_cols[j][i], UNIT, UNIT)?
                                + mul_floor(&one_minus_alpha, &b_cols[j][i], UNIT, UNIT)?)
                        })
                        .collect::<Result<Vec<_>, SynthesisError>>()?;
                    normalize(&col, v as u128 * UNIT)
                })
                .collect::<Result<Vec<_>, SynthesisError>>()?;
            let ema = transpose(ema_cols.clone());
            let raw = (0..v)
                .map(|i| {
                    (0..n)
                        .map(|j| mul_floor(&ema[i][j], &core.incentive[j], UNIT, UNIT))
                        .collect::<Result<Vec<_>, _>>()
                        .map(sum)
                })
                .collect::<Result<Vec<_>, _>>()?;
            // raw_i ≤ Σ_j incentive_j ≤ 1 (Σ_i ema_ij ≤ 1 after normalisation).
            let dividends = normalize(&raw, v as u128 * UNIT)?;
            // Column max-upscale for storage: ema / max_i ema (unchanged where the max is 0).
            let up_cols = ema_cols
                .iter()
                .map(|col| {
                    let max_value = col
                        .iter()
                        .map(|x| value_or_zero(x).into_bigint())
                        .max()
                        .map(Fr::from)
                        .unwrap_or_default();
                    let m = witness(&cs, max_value)?;
                    let mut product = FpVar::one();
                    for x in col {
                        let gap = &m - x;
                        enforce_range(&gap, 33)?;
                        product *= gap;
                    }
                    product.enforce_equal(&FpVar::zero())?;
                    let divisor = &m + FpVar::from(is_zero(&m)?);
                    col.iter()
                        .map(|x| div_trunc(&(x * unit), &divisor, UNIT, UNIT))
                        .collect::<Result<Vec<_>, _>>()
                })
                .collect::<Result<Vec<_>, SynthesisError>>()?;
            (dividends, transpose(up_cols))
        }
    };

    // Bonds written back: ⌊ema · 65535⌋ as u16 for a new permit; cleared for a lost permit;
    // unchanged otherwise.
    let mut new_bonds = Vec::with_capacity(v);
    for i in 0..v {
        let row = (0..n)
            .map(|j| {
                // ema ≤ 1, so the stored bond is at most 65535 (the u16 range check). Enforced
                // on every cell, kept or not: in Yuma3 it is also what pins the EMA's second
                // floor (above).
                let q = floor_to_int(&(&ema_stored[i][j] * Fr::from(65535u64)), 65535)?;
                let kept = (FpVar::one() - &old_permit[i]) * &old_bonds[i][j];
                Ok(&new_permit[i] * (q - &kept) + kept)
            })
            .collect::<Result<Vec<_>, SynthesisError>>()?;
        new_bonds.push(row);
    }

    // Per-uid views of the row values (0 for uids without a row): Σ_r sel[r][u] · x_r.
    let by_uid = |rows: &[FpVar<Fr>]| -> Vec<FpVar<Fr>> {
        (0..n)
            .map(|u| {
                sum(rows
                    .iter()
                    .zip(selection)
                    .map(|(x, sel)| FpVar::from(sel[u].clone()) * x))
            })
            .collect()
    };
    let dividends_by_uid = by_uid(&dividends);
    let active_by_uid = by_uid(active_stake);

    // Emission: incentive + dividends normalised by their sum; with a zero sum, validators are
    // paid by active stake (or by stake when no stake is active).
    let combined: Vec<FpVar<Fr>> = core
        .incentive
        .iter()
        .zip(&dividends_by_uid)
        .map(|(a, b)| a + b)
        .collect();
    let total = materialize(&sum(combined.iter().cloned()))?;
    let zero_sum = FpVar::from(is_zero(&total)?);
    let divisor = &total + &zero_sum;
    // Incentives and dividends each sum to at most 1.
    let share = |x: &FpVar<Fr>| div_trunc(&(x * unit), &divisor, UNIT, 2 * UNIT);
    let server = core
        .incentive
        .iter()
        .map(share)
        .collect::<Result<Vec<_>, _>>()?;
    let validator = dividends_by_uid
        .iter()
        .map(share)
        .collect::<Result<Vec<_>, _>>()?;
    let combined_norm = combined.iter().map(share).collect::<Result<Vec<_>, _>>()?;
    let active_total = sum(active_stake.iter().cloned());
    let no_active = FpVar::from(is_zero(&active_total)?);
    let fallback: Vec<FpVar<Fr>> = active_by_uid
        .iter()
        .zip(&stake)
        .map(|(a, s)| &no_active * (s - a) + a)
        .collect();
    let pick = |normal: &FpVar<Fr>, fb: &FpVar<Fr>| &zero_sum * (fb - normal) + normal;
    // A share is at most 1, so its RAO amount is at most the epoch's emission (a u64).
    let to_rao = |x: &FpVar<Fr>| mul_floor(x, &rao, UNIT, u128::from(u64::MAX));
    let server_emission = server.iter().map(to_rao).collect::<Result<Vec<_>, _>>()?;
    let validator_emission = validator
        .iter()
        .zip(&fallback)
        .map(|(x, fb)| to_rao(&pick(x, fb)))
        .collect::<Result<Vec<_>, _>>()?;
    let emission = combined_norm
        .iter()
        .zip(&fallback)
        .map(|(x, fb)| to_rao(&pick(x, fb)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(BondsVars {
        dividends,
        new_bonds,
        server_emission,
        validator_emission,
        emission,
        old_bonds,
        ema_second_floor,
        public,
        liquid: liquid.map(|(vars, _, _)| vars),
        liquid_cells,
    })
}

/// Handles to one cell of the liquid-alpha EMA.
#[derive(Clone, Debug)]
pub struct LiquidCell {
    /// The cell's sigmoid and alpha.
    pub sigmoid: SigmoidVars,
    /// The liquid branch's second floor `⌊(1 − α)·B⌋` as (quotient, remainder).
    pub second_floor: (FpVar<Fr>, FpVar<Fr>),
    /// The EMA the cell keeps (the liquid branch, or the fixed one when consensus is all zero).
    pub ema: FpVar<Fr>,
}
