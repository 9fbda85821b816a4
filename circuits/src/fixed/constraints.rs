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
    let product = a * b;
    let q_value = to_u128(value_or_zero(&product)) >> 32;
    let q = FpVar::new_witness(product.cs().or(a.cs()), || Ok(Fr::from(q_value)))?;
    enforce_range(&(&product - &q * Fr::from(1u64 << 32)), 32)?;
    enforce_range(&q, (a_bits + b_bits).saturating_sub(32).max(1))?;
    Ok(q)
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
