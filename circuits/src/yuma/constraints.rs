//! The consensus core of the Yuma epoch in R1CS, step by step beside the native rules in
//! [`super`] and [`super::math`]: masks and row normalisation, consensus (the weighted-median
//! rule with a witness and two masked stake sums), clipping, validator trust, ranks and
//! incentive. All values are `I32F32` bits of non-negative numbers.
//!
//! Bit bounds used below (n ≤ 65535 uids): stored weights < 2^16; row sums < 2^32; normalised
//! weights, stakes, consensus and clipped weights ≤ 2^32 (33 bits); ranks < 2^34; their sum
//! < 2^50.

use super::median::MedianBounds;
use super::EpochInput;
use crate::fixed::constraints::{div_trunc, mul_floor};
use crate::fixed::I32F32;
use crate::gadgets::{enforce_range, is_equal, is_zero, value_or_zero};
use alloc::vec::Vec;
use ark_bn254::Fr;
use ark_ff::PrimeField;
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::fields::FieldVar;
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};

/// Native inputs of the consensus core for `V` rows × `N` columns.
#[derive(Clone, Debug)]
pub struct ConsensusInputs {
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
    /// The inputs for an epoch, with the consensus from the native reference. Duplicate uids in a
    /// stored row (impossible through set_weights) are refused.
    pub fn from_epoch(input: &EpochInput) -> Result<Self, super::EpochError> {
        let trace = super::run_epoch_traced(input, super::median::MedianAlgorithm::ClosedForm)?;
        let n = usize::from(input.n);
        let mut stored = alloc::vec![alloc::vec![0u16; n]; n];
        for (i, row) in input.weights.iter().enumerate() {
            let mut seen = alloc::vec![false; n];
            for &(j, w) in row {
                let j = usize::from(j);
                if j < n {
                    if seen[j] {
                        return Err(super::EpochError::Json {
                            path: alloc::format!("weights[{i}]"),
                            message: alloc::format!("uid {j} appears twice"),
                        });
                    }
                    seen[j] = true;
                    stored[i][j] = w;
                }
            }
        }
        let kappa = I32F32::from_u16_proportion(input.kappa);
        Ok(Self {
            stored,
            keep: super::weight_keep_mask(input),
            bounds: super::median::median_bounds(&trace.active_stake, kappa),
            active_stake: trace.active_stake,
            consensus: trace.consensus,
        })
    }
}

/// Handles to the consensus core's results.
#[derive(Clone, Debug)]
pub struct ConsensusVars {
    /// Normalised weights `[row][col]`.
    pub weights: Vec<Vec<FpVar<Fr>>>,
    /// Consensus per column.
    pub consensus: Vec<FpVar<Fr>>,
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

/// `[a < b]` for `0 <= a, b < 2^bits`: a bit pinned by a range check of
/// `(2·lt − 1)(b − a) − lt` (1 product, `bits + 1` range constraints).
fn is_less(a: &FpVar<Fr>, b: &FpVar<Fr>, bits: usize) -> Result<Boolean<Fr>, SynthesisError> {
    let cs = a.cs().or(b.cs());
    let less = value_or_zero(a).into_bigint() < value_or_zero(b).into_bigint();
    let lt = Boolean::new_witness(cs, || Ok(less))?;
    let lt_fp = FpVar::from(lt.clone());
    let diff = b - a;
    let signed = (&lt_fp * &diff).double()? - &diff - &lt_fp;
    enforce_range(&signed, bits)?;
    Ok(lt)
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
    let mut weights = Vec::with_capacity(v);
    for i in 0..v {
        let mut effective = Vec::with_capacity(n);
        let mut row_sum = FpVar::zero();
        for j in 0..n {
            let raw = witness(&cs, Fr::from(inputs.stored[i][j]))?;
            enforce_range(&raw, 16)?;
            let e = &raw * FpVar::from(keep[i][j].clone());
            row_sum += &e;
            effective.push(e);
        }
        let divisor = &row_sum + FpVar::from(is_zero(&row_sum)?);
        let row = effective
            .iter()
            .map(|e| div_trunc(&(e * unit), &divisor, 33, 32))
            .collect::<Result<Vec<_>, _>>()?;
        weights.push(row);
    }

    // Consensus: c_j with S(w < c_j) <= lo < … and hi < S(w <= c_j) over the median stakes,
    // c_j one of the column's values on rows with positive median stake; 0 when empty.
    let counted = median_stake
        .iter()
        .map(|u| Ok(FpVar::one() - FpVar::from(is_zero(u)?)))
        .collect::<Result<Vec<_>, SynthesisError>>()?;
    let mut consensus = Vec::with_capacity(n);
    let mut clipped = alloc::vec![Vec::with_capacity(n); v];
    for j in 0..n {
        let c = witness(&cs, fixed(inputs.consensus[j]))?;
        enforce_range(&c, 33)?;
        let mut below = FpVar::zero();
        let mut at_or_below = FpVar::zero();
        let mut membership = FpVar::one();
        for i in 0..v {
            let w = &weights[i][j];
            let lt = FpVar::from(is_less(w, &c, 34)?);
            let le = &lt + FpVar::from(is_equal(w, &c)?);
            below += &median_stake[i] * &lt;
            at_or_below += &median_stake[i] * &le;
            // Rows with positive median stake: factor (c − w); others: 1.
            membership *= &counted[i] * (&c - w) + FpVar::one() - &counted[i];
            // Clip (DESIGN §2): min(w, c); an entry above a zero consensus becomes 0.
            clipped[i].push(&le * (w - &c) + &c);
        }
        enforce_range(&(&not_empty * (&lo - &below)), 40)?;
        enforce_range(&(&not_empty * (&at_or_below - &hi - FpVar::one())), 40)?;
        (&not_empty * membership).enforce_equal(&FpVar::zero())?;
        (FpVar::from(empty.clone()) * &c).enforce_equal(&FpVar::zero())?;
        consensus.push(c);
    }

    // Validator trust: the sum of each row's clipped weights (linear).
    let validator_trust = clipped
        .iter()
        .map(|row| row.iter().fold(FpVar::zero(), |acc, x| acc + x))
        .collect();

    // Ranks r_j = Σ_i ⌊s_i · clipped_ij / 2^32⌋; incentive = ⌊r_j · 2^32 / Σ r⌋ (0 if Σ r = 0).
    let ranks = (0..n)
        .map(|j| {
            (0..v).try_fold(FpVar::zero(), |acc, i| {
                Ok::<_, SynthesisError>(acc + mul_floor(&stake[i], &clipped[i][j], 33, 33)?)
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let total = ranks.iter().fold(FpVar::zero(), |acc, r| acc + r);
    let divisor = &total + FpVar::from(is_zero(&total)?);
    let incentive = ranks
        .iter()
        .map(|r| div_trunc(&(r * unit), &divisor, 34, 50))
        .collect::<Result<Vec<_>, _>>()?;

    Ok(ConsensusVars {
        weights,
        consensus,
        clipped,
        validator_trust,
        incentive,
    })
}
