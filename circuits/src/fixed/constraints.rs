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

use crate::gadgets::{alloc_bits, div_rem_bounded, from_bits_le, signed_value, value_or_zero};
use ark_bn254::Fr;
use ark_ff::PrimeField;
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::fields::FieldVar;
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::SynthesisError;

use super::product_max;
pub use super::{bits_for, UNIT};

fn to_u128(x: Fr) -> u128 {
    let limbs = x.into_bigint().0;
    u128::from(limbs[0]) | (u128::from(limbs[1]) << 64)
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

fn signed_fr(x: i128) -> Fr {
    if x >= 0 {
        Fr::from(x as u128)
    } else {
        -Fr::from(x.unsigned_abs())
    }
}

/// `⌊a·b / 2^32⌋` for a signed product `a·b` with `|⌊a·b / 2^32⌋| < 2^q_bits` (`I32F32`
/// multiplication of signed values, which floors toward −∞): `a·b = q·2^32 + r` with
/// `0 <= r < 2^32` and `q + 2^q_bits` on `q_bits + 1` bits. The caller bounds `|a·b|` far below
/// the modulus, so the relation holds over the integers and `(q, r)` is unique.
pub fn mul_floor_signed(
    a: &FpVar<Fr>,
    b: &FpVar<Fr>,
    q_bits: usize,
) -> Result<FpVar<Fr>, SynthesisError> {
    let cs = a.cs().or(b.cs());
    let product = signed_value(a) * signed_value(b);
    let q = product >> 32;
    let r = product - (q << 32);
    let q = FpVar::new_witness(cs.clone(), || Ok(signed_fr(q)))?;
    let r = from_bits_le(&alloc_bits(cs, signed_fr(r), 32)?);
    crate::gadgets::enforce_range(&(&q + signed_fr(1i128 << q_bits)), q_bits + 1)?;
    a.mul_equals(b, &(&q * Fr::from(1u64 << 32) + r))?;
    Ok(q)
}

/// Subtensor's `exp_safe` ([`super::exp_safe`]) of a signed `I32F32` value `x` with
/// `|x| < 2^x_bits` (`x_bits <= 100`), step for step:
///
/// 1. the clamp to `[−20, 20]`: `lo = [x < −20]`, `hi = [20 < x]` (comparisons on
///    `x_bits + 1` bits), `xc = x + lo·(−20 − x) + hi·(20 − x)`;
/// 2. the sign, `neg = [xc < 0]`, and the operand `a = |xc| = (1 − 2·neg)·xc <= 20`;
/// 3. the 30-step Taylor series: `term_1 = a` and, for `i = 2..=31`,
///    `term_{i−1}·a = term_i·(i·2^32) + r_i` with `0 <= r_i < i·2^32` (as `r_i = lo + 2^32·hi`,
///    `lo` on 32 bits and `hi < i`), which is `trunc(floor(term·a / 2^32) / i)` since both
///    divisions floor non-negative values; each `term_i` is range-checked against its value at
///    `a = 20` ([`super::exp_taylor_terms`]), so every product stays below `2^95` and each step
///    is an integer relation with one solution; `sum = 2^32 + Σ term_i`;
/// 4. `exp(1)` is the constant `e` (`xc = 1` exactly), a negative operand gives
///    `trunc(2^64 / sum)` (`1 / exp(|x|)`; `sum >= 2^32`, so the quotient is at most `2^32`).
///
/// No step overflows inside the clamp, so the native failure branches never apply.
pub fn exp_safe(x: &FpVar<Fr>, x_bits: usize) -> Result<ExpVars, SynthesisError> {
    use crate::gadgets::{enforce_below_const, is_equal, is_less_signed};
    assert!((38..=100).contains(&x_bits), "operand bound out of range");
    let bound = super::EXP_SAFE_BOUND as u64;
    let bound_fr = Fr::from(bound);
    let lo = FpVar::from(is_less_signed(x, &FpVar::constant(-bound_fr), x_bits + 1)?);
    let hi = FpVar::from(is_less_signed(&FpVar::constant(bound_fr), x, x_bits + 1)?);
    let xc = x + &lo * (FpVar::constant(-bound_fr) - x) + &hi * (FpVar::constant(bound_fr) - x);
    let xc = crate::gadgets::materialize(&xc)?;
    // |xc| <= 20·2^32 < 2^37.
    let neg = FpVar::from(is_less_signed(&xc, &FpVar::zero(), 38)?);
    let a = crate::gadgets::materialize(&((FpVar::one() - neg.double()?) * &xc))?;

    let maxima = super::exp_taylor_terms(super::EXP_SAFE_BOUND)
        .expect("no step of exp overflows at the clamp bound");
    let cs = x.cs();
    let mut term = a.clone();
    let mut terms = alloc::vec![a.clone()];
    let mut total = &a + Fr::from(1u64 << 32);
    for i in 2..32u64 {
        let (term_v, a_v) = (signed_value(&term), signed_value(&a));
        let product = term_v * a_v;
        let divisor = i128::from(i) << 32;
        let (q, r) = (product / divisor, product % divisor);
        let next = from_bits_le(&alloc_bits(
            cs.clone(),
            signed_fr(q),
            bits_for(maxima[(i - 1) as usize] as u128),
        )?);
        let r_lo = from_bits_le(&alloc_bits(cs.clone(), signed_fr(r & 0xffff_ffff), 32)?);
        let r_hi = FpVar::new_witness(cs.clone(), || Ok(signed_fr(r >> 32)))?;
        enforce_below_const(&r_hi, u128::from(i), bits_for(u128::from(i - 1)))?;
        term.mul_equals(
            &a,
            &(&next * Fr::from(u128::from(i) << 32) + r_lo + r_hi * Fr::from(1u64 << 32)),
        )?;
        total += &next;
        terms.push(next.clone());
        term = next;
    }
    let total = crate::gadgets::materialize(&total)?;
    // The honest sum is at most e^20·2^32 < 2^61.
    let inverse = div_trunc(
        &FpVar::constant(Fr::from(1u128 << 64)),
        &total,
        UNIT,
        1u128 << 61,
    )?;
    let is_one = FpVar::from(is_equal(&xc, &FpVar::constant(Fr::from(1u64 << 32)))?);
    let positive =
        &is_one * (FpVar::constant(Fr::from(super::EXP_ONE_BITS as u64)) - &total) + total;
    let value = crate::gadgets::materialize(&(&neg * (inverse - &positive) + positive))?;
    Ok(ExpVars {
        clamped: xc,
        terms,
        value,
    })
}

/// Handles to one [`exp_safe`]: the clamped operand, the Taylor terms `term_1 ..= term_31` of
/// its magnitude, and the result.
#[derive(Clone, Debug)]
pub struct ExpVars {
    /// The operand clamped to `[−20, 20]` (bits, signed).
    pub clamped: FpVar<Fr>,
    /// The Taylor terms (bits).
    pub terms: alloc::vec::Vec<FpVar<Fr>>,
    /// `exp_safe` of the operand (bits).
    pub value: FpVar<Fr>,
}
