//! Liquid alpha in R1CS, beside the native rule in [`super`]: the per-cell sigmoid alpha
//! ([`liquid_alpha_sigmoid`]) and the public parameters it reads ([`LiquidAlphaVars`]).
//!
//! Values are `I32F32` bits. Bounds: weights for bonds and bonds are proportions (`0..=2^32`);
//! the consensus the sigmoid reads is below `2^33` (this epoch's, range-checked by the consensus
//! core) or a stored u16 proportion (`0..=2^32`); the slope `|steepness / −100| < 2^41`.

use super::LiquidAlphaState;
use crate::fixed::constraints::{div_trunc, exp_safe, mul_floor, mul_floor_signed, UNIT};
use crate::gadgets::{alloc_u16, enforce_range, is_equal, is_less, materialize};
use alloc::vec::Vec;
use ark_bn254::Fr;
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::fields::FieldVar;
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};

/// Bits of the slope's magnitude bound (`327.68 · 2^32 < 2^41`).
const FACTOR_BITS: usize = 41;

fn signed(bits: i64) -> Fr {
    if bits >= 0 {
        Fr::from(bits as u64)
    } else {
        -Fr::from(bits.unsigned_abs())
    }
}

/// Liquid alpha's public parameters in the circuit, each bound by the statement digest in this
/// order: `low`, `high`, `factor`, `use_previous`, then the stored previous consensus (u16 per
/// uid, zeros when unused).
#[derive(Clone, Debug)]
pub struct LiquidAlphaVars {
    /// `alpha_low` as a proportion (bits), `0 <= low <= high <= 2^32`.
    pub low: FpVar<Fr>,
    /// `alpha_high` as a proportion (bits).
    pub high: FpVar<Fr>,
    /// The sigmoid's slope `steepness / −100` (bits, signed).
    pub factor: FpVar<Fr>,
    /// Whether the sigmoid reads the previous epoch's stored consensus.
    pub use_previous: FpVar<Fr>,
    /// The stored previous consensus (u16 per uid, range-checked).
    pub previous: Vec<FpVar<Fr>>,
}

impl LiquidAlphaVars {
    /// Allocate the parameters of `state` for `n` uids, with their bounds enforced.
    pub fn new(
        cs: ConstraintSystemRef<Fr>,
        state: &LiquidAlphaState,
        n: usize,
    ) -> Result<Self, SynthesisError> {
        let witness = |x: Fr| FpVar::new_witness(cs.clone(), || Ok(x));
        let low = witness(signed(state.low().to_bits()))?;
        let high = witness(signed(state.high().to_bits()))?;
        let factor = witness(signed(state.factor().to_bits()))?;
        // 0 <= low <= high <= 1: the alphas stay proportions, and 1 − alpha too.
        enforce_range(&low, 33)?;
        enforce_range(&(&high - &low), 33)?;
        enforce_range(&(FpVar::constant(Fr::from(UNIT)) - &high), 33)?;
        enforce_range(&(&factor + Fr::from(1u64 << FACTOR_BITS)), FACTOR_BITS + 1)?;
        let use_previous = FpVar::from(Boolean::new_witness(cs.clone(), || {
            Ok(state.sigmoid_consensus.is_some())
        })?);
        let stored = state.sigmoid_consensus.clone().unwrap_or_default();
        let previous = (0..n)
            .map(|j| Ok(alloc_u16(cs.clone(), stored.get(j).copied().unwrap_or(0))?.0))
            .collect::<Result<Vec<_>, SynthesisError>>()?;
        Ok(Self {
            low,
            high,
            factor,
            use_previous,
            previous,
        })
    }

    /// The consensus the sigmoid reads per uid: the stored previous one as a proportion
    /// (`⌊c·2^32 / 65535⌋ = 65537·c + [c = 65535]`) when `use_previous`, else `current`.
    pub fn sigmoid_consensus(
        &self,
        current: &[FpVar<Fr>],
    ) -> Result<Vec<FpVar<Fr>>, SynthesisError> {
        current
            .iter()
            .zip(&self.previous)
            .map(|(c, p)| {
                let stored = p * Fr::from(65537u64)
                    + FpVar::from(is_equal(p, &FpVar::constant(Fr::from(65535u64)))?);
                materialize(&(&self.use_previous * (stored - c) + c))
            })
            .collect()
    }

    /// The public values in digest order (`previous` unpacked).
    pub fn public(&self) -> Vec<FpVar<Fr>> {
        let mut v = alloc::vec![
            self.low.clone(),
            self.high.clone(),
            self.factor.clone(),
            self.use_previous.clone(),
        ];
        v.extend(self.previous.iter().cloned());
        v
    }
}

/// The alpha of one cell, as [`super::liquid_alpha_sigmoid`] computes it from the consensus `c`
/// the sigmoid reads (`< 2^33`), the weight for bonds `w` and the bond `b` (both `0..=2^32`):
///
/// 1. `ge = [w >= b]`; `diff = max(0, w − c)` when `ge`, else `b − w` (positive, at most 1;
///    neither needs the native clamp to 1, since `w, b <= 1` and `c >= 0`);
/// 2. the exponent `⌊factor · (diff − 1/2)⌋`, signed, `|·| < 2^40`;
/// 3. `σ = trunc(1 / (1 + exp_safe(exponent)))` (at most 1: the divisor is at least 1);
/// 4. `alpha = low + ⌊σ · (high − low)⌋`, inside `[low, high]`, so the native clamp changes nothing.
pub fn liquid_alpha_sigmoid(
    params: &LiquidAlphaVars,
    c: &FpVar<Fr>,
    w: &FpVar<Fr>,
    b: &FpVar<Fr>,
) -> Result<SigmoidVars, SynthesisError> {
    let w_below_b = FpVar::from(is_less(w, b, 33)?);
    let w_below_c = FpVar::from(is_less(w, c, 34)?);
    let diff_buy = (FpVar::one() - &w_below_c) * (w - c);
    let diff_sell = b - w;
    let diff = materialize(&((FpVar::one() - &w_below_b) * (diff_buy - &diff_sell) + diff_sell))?;
    let centred = &diff - Fr::from(1u64 << 31);
    let exponent = mul_floor_signed(&params.factor, &centred, FACTOR_BITS - 1)?;
    let exp = exp_safe(&exponent, FACTOR_BITS)?;
    // exp_safe is at most e^20 < 2^29 (bits below 2^61): the divisor is below 2^62.
    let sigma = div_trunc(
        &FpVar::constant(Fr::from(1u128 << 64)),
        &(&exp.value + Fr::from(UNIT)),
        UNIT,
        1u128 << 62,
    )?;
    let alpha = materialize(
        &(&params.low + mul_floor(&sigma, &(&params.high - &params.low), UNIT, UNIT)?),
    )?;
    Ok(SigmoidVars {
        diff,
        exponent,
        exp,
        sigma,
        alpha,
    })
}

/// Handles to one cell's sigmoid, in the order it computes them.
#[derive(Clone, Debug)]
pub struct SigmoidVars {
    /// The sigmoid input `diff` (bits, `0..=2^32`).
    pub diff: FpVar<Fr>,
    /// The exponent `⌊factor · (diff − 1/2)⌋` (bits, signed).
    pub exponent: FpVar<Fr>,
    /// `exp_safe` of the exponent.
    pub exp: crate::fixed::constraints::ExpVars,
    /// `σ = 1 / (1 + exp)` (bits).
    pub sigma: FpVar<Fr>,
    /// The cell's alpha (bits).
    pub alpha: FpVar<Fr>,
}
