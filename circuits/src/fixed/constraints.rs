//! The fixed-point rules of the parent module in R1CS, for non-negative values with known bounds
//! (everything the epoch computes on is a proportion or a small sum of them).
//!
//! * [`mul_floor`]: `q = ⌊a·b / 2^32⌋` (`I32F32` multiplication): `a·b = q·2^32 + r`,
//!   `0 <= r < 2^32`, `q` range-checked.
//! * [`mul_ceil`]: `q = ⌈a·b / 2^32⌉`: `a·b = q·2^32 − r`, `0 <= r < 2^32`, `q` range-checked.
//! * [`div_trunc`]: `q = ⌊n / d⌋` for `n >= 0, d >= 1` (`I32F32` division after the caller scales
//!   `n` by `2^32`): `n = q·d + r`, `0 <= r < d`, `q` range-checked.
//!
//! Each gadget takes the *largest honest value* of its operands (`a_max`, `d_max`, …) and range
//! checks its quotient and remainder on exactly the bits those maxima need ([`bits_for`]), so a
//! range check is never wider than the values it holds. Soundness needs only that the operands are
//! integers far below the modulus (every caller's operands are range-checked or sums of
//! range-checked values below `2^120`, or — the epoch's normalised weights — bounded by a later
//! comparison with a range-checked value): then `q·2^32 + r` (resp. `q·d + r`) cannot wrap, the field
//! relation is an integer relation, and its solution with the checked remainder is unique.
//! Completeness needs the maxima to be true bounds of the honest values; each call site states
//! why.

use crate::gadgets::{alloc_bits, div_rem_bounded, from_bits_le, value_or_zero};
use ark_bn254::Fr;
use ark_ff::PrimeField;
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::fields::FieldVar;
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::SynthesisError;

/// `1.0` in `I32F32` bits: the largest proportion.
pub const UNIT: u128 = 1 << 32;

/// Bits needed to write every integer in `0..=max` (at least 1).
pub const fn bits_for(max: u128) -> usize {
    let bits = (128 - max.leading_zeros()) as usize;
    if bits == 0 {
        1
    } else {
        bits
    }
}

fn to_u128(x: Fr) -> u128 {
    let limbs = x.into_bigint().0;
    u128::from(limbs[0]) | (u128::from(limbs[1]) << 64)
}

fn product_max(a_max: u128, b_max: u128) -> u128 {
    a_max
        .checked_mul(b_max)
        .filter(|p| *p < 1u128 << 120)
        .expect("fixed-point operands stay below 2^120")
}

/// `⌊a·b / 2^32⌋` for `0 <= a <= a_max`, `0 <= b <= b_max`: the product written as bits, its
/// low 32 the remainder and the rest the quotient (one product constraint).
pub fn mul_floor(
    a: &FpVar<Fr>,
    b: &FpVar<Fr>,
    a_max: u128,
    b_max: u128,
) -> Result<FpVar<Fr>, SynthesisError> {
    let q_bits = bits_for(product_max(a_max, b_max) >> 32);
    let product = value_or_zero(a) * value_or_zero(b);
    let bits = alloc_bits(a.cs().or(b.cs()), product, 32 + q_bits)?;
    a.mul_equals(b, &from_bits_le(&bits))?;
    Ok(from_bits_le(&bits[32..]))
}

/// `⌊a·b / 2^32⌋` for `0 <= a, b <= 2^32` with only the remainder range-checked (32 bits and
/// one product constraint, against 66 for [`mul_floor`]). The quotient is a free field element
/// here: `a·b = q·2^32 + r` alone admits, for every other `r`, a wrapped `q`. **The caller must pin
/// `q` to an integer by a later check** — the epoch's bonds EMA does: its second floor's quotient
/// is added to a range-checked first floor and the sum is quantised to a u16 bond through its
/// bits, which forces the sum, hence this quotient, to be an integer (argument at the call site).
///
/// Returns the quotient and the remainder.
pub fn mul_floor_deferred(
    a: &FpVar<Fr>,
    b: &FpVar<Fr>,
) -> Result<(FpVar<Fr>, FpVar<Fr>), SynthesisError> {
    let product = to_u128(value_or_zero(a) * value_or_zero(b));
    let cs = a.cs().or(b.cs());
    let q = FpVar::new_witness(cs.clone(), || Ok(Fr::from(product >> 32)))?;
    let r = from_bits_le(&alloc_bits(cs, Fr::from(product & 0xffff_ffff), 32)?);
    a.mul_equals(b, &(&q * Fr::from(1u64 << 32) + &r))?;
    Ok((q, r))
}

/// `⌈a·b / 2^32⌉` for `0 <= a <= a_max`, `0 <= b <= b_max` (the rounding of a negated floor:
/// `⌊−x⌋ = −⌈x⌉`): `a·b = q·2^32 − r` with `q` and `r < 2^32` as bits.
pub fn mul_ceil(
    a: &FpVar<Fr>,
    b: &FpVar<Fr>,
    a_max: u128,
    b_max: u128,
) -> Result<FpVar<Fr>, SynthesisError> {
    let q_bits = bits_for(product_max(a_max, b_max).div_ceil(1 << 32));
    let product = to_u128(value_or_zero(a) * value_or_zero(b));
    let q_value = product.div_ceil(1 << 32);
    let cs = a.cs().or(b.cs());
    let q = from_bits_le(&alloc_bits(cs.clone(), Fr::from(q_value), q_bits)?);
    let r = from_bits_le(&alloc_bits(cs, Fr::from((q_value << 32) - product), 32)?);
    a.mul_equals(b, &(&q * Fr::from(1u64 << 32) - r))?;
    Ok(q)
}

/// `⌊x / 2^32⌋` for `0 <= x`, whose honest quotient is at most `q_max` (to an integer: a u16
/// bond): `x` written as bits.
pub fn floor_to_int(x: &FpVar<Fr>, q_max: u128) -> Result<FpVar<Fr>, SynthesisError> {
    let bits = alloc_bits(x.cs(), value_or_zero(x), 32 + bits_for(q_max))?;
    from_bits_le(&bits).enforce_equal(x)?;
    Ok(from_bits_le(&bits[32..]))
}

/// `safe_div` normalisation of non-negative values: `⌊x_k·2^32 / Σx⌋`, or `x_k` unchanged when
/// the sum is 0 (then every `x_k` is 0). Each quotient is at most `2^32`; the honest sum is at
/// most `sum_max`.
pub fn normalize(
    xs: &[FpVar<Fr>],
    sum_max: u128,
) -> Result<alloc::vec::Vec<FpVar<Fr>>, SynthesisError> {
    let total = crate::gadgets::materialize(&crate::gadgets::sum(xs.iter().cloned()))?;
    let divisor = &total + FpVar::from(crate::gadgets::is_zero(&total)?);
    xs.iter()
        .map(|x| div_trunc(&(x * Fr::from(1u64 << 32)), &divisor, UNIT, sum_max.max(1)))
        .collect()
}

/// `⌊n / d⌋` for `0 <= n` and `1 <= d <= d_max`, whose honest quotient is at most `q_max`.
pub fn div_trunc(
    n: &FpVar<Fr>,
    d: &FpVar<Fr>,
    q_max: u128,
    d_max: u128,
) -> Result<FpVar<Fr>, SynthesisError> {
    let (q, _) = div_rem_bounded(
        n,
        d,
        bits_for(d_max.saturating_sub(1)),
        Some(bits_for(q_max)),
    )?;
    Ok(q)
}
