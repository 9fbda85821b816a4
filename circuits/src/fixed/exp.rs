//! `substrate_fixed::transcendental::exp` on `I32F32`, and subtensor's clamped `exp_safe`.
//!
//! The chain's exponential is a fixed 30-step Taylor series on the absolute value of the operand
//! (`1 + x + Σ_{i=2}^{31} x^i / i!`, each term computed as `term = trunc(floor(term·x) / i)`), with
//! `exp(-x) = 1 / exp(x)` for negative operands. Any overflow makes the whole call fail; callers
//! turn a failure into 0 or the maximum as shown below.

use super::I32F32;

/// e in the `I9F23` constant format of `substrate-fixed`, widened to `I32F32` bits.
const E_BITS: i64 = 0x15B_F0A8 << 9;

/// `substrate_fixed::transcendental::exp::<I32F32, I32F32>`: `None` on overflow.
pub fn exp(x: I32F32) -> Option<I32F32> {
    if x == I32F32::ZERO {
        return Some(I32F32::ONE);
    }
    if x == I32F32::ONE {
        return Some(I32F32::from_bits(E_BITS));
    }
    let neg = x < I32F32::ZERO;
    let operand = if neg {
        I32F32::from_bits(x.to_bits().checked_neg()?)
    } else {
        x
    };
    let mut result = I32F32::from_bits(operand.to_bits().checked_add(I32F32::ONE.to_bits())?);
    let mut term = operand;
    for i in 2..32 {
        term = term.checked_mul(operand)?;
        // trunc(term·2^32 / (i·2^32)) = trunc(term / i): the integer divisor cancels exactly.
        term = I32F32::from_bits(term.to_bits() / i);
        result = I32F32::from_bits(result.to_bits().checked_add(term.to_bits())?);
    }
    if neg {
        result = I32F32::ONE.checked_div(result)?;
    }
    Some(result)
}

/// The operand bound of [`exp_safe`]: `20` in `I32F32` bits.
pub const EXP_SAFE_BOUND: i64 = 20 << 32;

/// `e` in `I32F32` bits, the value [`exp`] returns for exactly `1`.
pub const EXP_ONE_BITS: i64 = E_BITS;

/// The Taylor terms `term_1 ..= term_31` (bits) that [`exp`] adds for the non-negative operand
/// `operand` (bits), each `trunc(floor(term·operand / 2^32) / i)`, or `None` where a product
/// overflows. At the largest operand [`exp_safe`] reads (`20`) these are the terms' maxima, since
/// every step is monotone in the operand; the circuit range-checks each term against them.
pub fn exp_taylor_terms(operand: i64) -> Option<[i64; 31]> {
    let mut terms = [0i64; 31];
    let mut term = operand;
    terms[0] = term;
    for i in 2..32i64 {
        term = I32F32::from_bits(term)
            .checked_mul(I32F32::from_bits(operand))?
            .to_bits()
            / i;
        terms[(i - 1) as usize] = term;
    }
    Some(terms)
}

/// Subtensor's `exp_safe`: the operand is clamped to `[-20, 20]`; a failure gives 0 for a
/// non-positive operand and the maximum otherwise. Inside the clamp no step of [`exp`] overflows
/// (`e^20 < 2^29`; the largest term, near `i = 20`, is below `2^26`), so the failure branches are
/// never taken.
pub fn exp_safe(x: I32F32) -> I32F32 {
    let x = x.clamp_to(
        I32F32::from_bits(-EXP_SAFE_BOUND),
        I32F32::from_bits(EXP_SAFE_BOUND),
    );
    match exp(x) {
        Some(v) => v,
        None if x <= I32F32::ZERO => I32F32::ZERO,
        None => I32F32::MAX,
    }
}
