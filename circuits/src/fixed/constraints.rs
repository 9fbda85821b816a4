//! The fixed-point rules of the parent module in R1CS, for non-negative values with known bit
//! bounds (everything the epoch computes on is a proportion or a small sum of them).
//!
//! * [`mul_floor`]: `q = ⌊a·b / 2^32⌋` (`I32F32` multiplication): `a·b = q·2^32 + r`,
//!   `0 <= r < 2^32`, `q` range-checked.
//! * [`div_trunc`]: `q = ⌊n / d⌋` for `n >= 0, d >= 1` (`I32F32` division after the caller scales
//!   `n` by `2^32`): `n = q·d + r`, `0 <= r < d`, `q` range-checked.
//!
//! Soundness bound: all operands and results below `2^120`, far from the modulus.

use crate::gadgets::{div_rem, enforce_range, value_or_zero};
use ark_bn254::Fr;
use ark_ff::PrimeField;
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::SynthesisError;

fn to_u128(x: Fr) -> u128 {
    let limbs = x.into_bigint().0;
    u128::from(limbs[0]) | (u128::from(limbs[1]) << 64)
}

/// `⌊a·b / 2^32⌋` for `a < 2^a_bits`, `b < 2^b_bits` (both non-negative, `a_bits + b_bits <= 120`).
pub fn mul_floor(
    a: &FpVar<Fr>,
    b: &FpVar<Fr>,
    a_bits: usize,
    b_bits: usize,
) -> Result<FpVar<Fr>, SynthesisError> {
    mul_floor_rem(a, b, a_bits, b_bits).map(|(q, _)| q)
}

/// [`mul_floor`] also returning the remainder `a·b − q·2^32` (in `0..2^32`).
pub fn mul_floor_rem(
    a: &FpVar<Fr>,
    b: &FpVar<Fr>,
    a_bits: usize,
    b_bits: usize,
) -> Result<(FpVar<Fr>, FpVar<Fr>), SynthesisError> {
    let product = a * b;
    let q_value = to_u128(value_or_zero(&product)) >> 32;
    let q = FpVar::new_witness(product.cs().or(a.cs()), || Ok(Fr::from(q_value)))?;
    let r = &product - &q * Fr::from(1u64 << 32);
    enforce_range(&r, 32)?;
    enforce_range(&q, (a_bits + b_bits).saturating_sub(32).max(1))?;
    Ok((q, r))
}

/// `⌊x / 2^32⌋` for `0 <= x < 2^x_bits` (to an integer, e.g. a u16 or RAO amount).
pub fn floor_to_int(x: &FpVar<Fr>, x_bits: usize) -> Result<FpVar<Fr>, SynthesisError> {
    let q_value = to_u128(value_or_zero(x)) >> 32;
    let q = FpVar::new_witness(x.cs(), || Ok(Fr::from(q_value)))?;
    enforce_range(&(x - &q * Fr::from(1u64 << 32)), 32)?;
    enforce_range(&q, x_bits.saturating_sub(32).max(1))?;
    Ok(q)
}

/// `safe_div` normalisation of non-negative values: `⌊x_k·2^32 / Σx⌋`, or `x_k` unchanged when
/// the sum is 0 (then every `x_k` is 0). Each quotient is at most `2^32`; `x_bits` documents the
/// operands' bound; the sum is `< 2^sum_bits`.
pub fn normalize(
    xs: &[FpVar<Fr>],
    _x_bits: usize,
    sum_bits: usize,
) -> Result<alloc::vec::Vec<FpVar<Fr>>, SynthesisError> {
    use ark_r1cs_std::fields::FieldVar;
    let total = xs.iter().fold(FpVar::zero(), |acc, x| acc + x);
    let divisor = &total + FpVar::from(crate::gadgets::is_zero(&total)?);
    xs.iter()
        .map(|x| div_trunc(&(x * Fr::from(1u64 << 32)), &divisor, 33, sum_bits))
        .collect()
}

/// `⌊n / d⌋` for `0 <= n < 2^n_bits` and `1 <= d <= 2^d_bits`.
pub fn div_trunc(
    n: &FpVar<Fr>,
    d: &FpVar<Fr>,
    n_bits: usize,
    d_bits: usize,
) -> Result<FpVar<Fr>, SynthesisError> {
    let (q, _) = div_rem(n, d, d_bits)?;
    enforce_range(&q, n_bits)?;
    Ok(q)
}
