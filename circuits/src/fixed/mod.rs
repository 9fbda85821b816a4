//! Fixed-point semantics of subtensor's `substrate-fixed` 0.6 types, written once on raw integers.
//!
//! The chain computes Yuma consensus in three binary fixed-point formats:
//!
//! | type     | bits   | fraction bits | used for                          |
//! |----------|--------|---------------|-----------------------------------|
//! | `I32F32` | `i64`  | 32            | all consensus math                |
//! | `I64F64` | `i128` | 64            | stake normalisation               |
//! | `I96F32` | `i128` | 32            | emission in RAO                   |
//!
//! Every rule below is stated on the raw two's-complement bits so that a circuit can mirror it
//! with a witness and a range-checked remainder:
//!
//! * **multiplication floors** the exact product: `mul(a, b) = floor(a·b / 2^F)`
//!   (an arithmetic right shift of the double-width product);
//! * **division truncates toward zero**: `div(a, b) = trunc(a·2^F / b)`;
//! * `checked_*` returns `None` when the result does not fit the type (or the divisor is 0);
//! * `saturating_*` clamps to the type's range instead;
//! * `safe_div` (subtensor's `SafeDiv`) is `checked_div(..).unwrap_or(0)`: **a zero divisor and an
//!   overflowing quotient both give 0**;
//! * narrowing `I64F64 → I32F32` drops 32 fraction bits with an arithmetic shift (floor) and
//!   saturates the integer part; conversion to an integer floors and saturates.
//!
//! The property tests in `tests/fixed_vs_substrate.rs` check each rule against `substrate-fixed`
//! itself over random and boundary values.

#[cfg(feature = "r1cs")]
pub mod constraints;
mod exp;
#[cfg(feature = "halo2")]
pub mod halo2;
mod wide;

pub use exp::{exp, exp_safe, exp_taylor_terms, EXP_ONE_BITS, EXP_SAFE_BOUND};

use core::cmp::Ordering;
use core::fmt;

/// Number of fraction bits of [`I32F32`] (and of [`I96F32`]).
pub const FRAC32: u32 = 32;
/// Number of fraction bits of [`I64F64`].
pub const FRAC64: u32 = 64;

/// `1.0` in `I32F32` bits: the largest proportion.
pub const UNIT: u128 = 1 << 32;

/// Bits needed to write every integer in `0..=max` (at least 1): the width of a range check on
/// a value whose honest maximum is `max`, in every proof system.
pub const fn bits_for(max: u128) -> usize {
    let bits = (128 - max.leading_zeros()) as usize;
    if bits == 0 {
        1
    } else {
        bits
    }
}

/// The largest honest product of operands bounded by `a_max` and `b_max`; the circuits' floor
/// and ceil multiplications take operands whose products stay below `2^120`.
pub fn product_max(a_max: u128, b_max: u128) -> u128 {
    a_max
        .checked_mul(b_max)
        .filter(|p| *p < 1u128 << 120)
        .expect("fixed-point operands stay below 2^120")
}

/// Floor of `a·b / 2^32` for 64-bit operands, exact in 128 bits.
///
/// This is the raw rule a circuit enforces for `I32F32` products: `a·b = q·2^32 + r` with
/// `0 <= r < 2^32`.
#[inline]
pub fn mul_floor_i64(a: i64, b: i64) -> i128 {
    (i128::from(a) * i128::from(b)) >> FRAC32
}

/// `trunc(a·2^32 / b)` for 64-bit operands, exact in 128 bits; `None` when `b == 0`.
///
/// The raw rule for `I32F32` division: `a·2^32 = q·b + r` with `|r| < |b|` and `r` carrying the
/// sign of the dividend.
#[inline]
pub fn div_trunc_i64(a: i64, b: i64) -> Option<i128> {
    if b == 0 {
        return None;
    }
    Some((i128::from(a) << FRAC32) / i128::from(b))
}

/// Clamps a wide value into `i64`, as the saturating operations do.
#[inline]
pub fn saturate_i64(x: i128) -> i64 {
    x.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

/// Signed 32.32 fixed point, bit-identical with `substrate_fixed::types::I32F32`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct I32F32(i64);

impl fmt::Debug for I32F32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "I32F32({})", self.to_f64())
    }
}

impl I32F32 {
    /// Zero.
    pub const ZERO: Self = Self(0);
    /// One.
    pub const ONE: Self = Self(1 << FRAC32);
    /// Largest value.
    pub const MAX: Self = Self(i64::MAX);
    /// Smallest value.
    pub const MIN: Self = Self(i64::MIN);

    /// From raw bits (`value = bits / 2^32`).
    #[inline]
    pub const fn from_bits(bits: i64) -> Self {
        Self(bits)
    }

    /// Raw bits.
    #[inline]
    pub const fn to_bits(self) -> i64 {
        self.0
    }

    /// Integer `v` as fixed point (saturating, like `saturating_from_num`).
    #[inline]
    pub fn from_int(v: i64) -> Self {
        Self(saturate_i64(i128::from(v) << FRAC32))
    }

    /// A u16 as the integer value `v` (subtensor's `u16_to_fixed`).
    #[inline]
    pub const fn from_u16(v: u16) -> Self {
        Self((v as i64) << FRAC32)
    }

    /// A u16 read as the proportion `v / 65535` (truncating division).
    #[inline]
    pub fn from_u16_proportion(v: u16) -> Self {
        Self::from_u16(v).safe_div(Self::from_u16(u16::MAX))
    }

    /// `self + rhs`, clamped.
    #[inline]
    pub fn saturating_add(self, rhs: Self) -> Self {
        Self(self.0.saturating_add(rhs.0))
    }

    /// `self - rhs`, clamped.
    #[inline]
    pub fn saturating_sub(self, rhs: Self) -> Self {
        Self(self.0.saturating_sub(rhs.0))
    }

    /// `self + rhs` with two's-complement wrap, as the runtime's unchecked `+` / `Sum` behave in a
    /// release build.
    #[inline]
    pub fn wrapping_add(self, rhs: Self) -> Self {
        Self(self.0.wrapping_add(rhs.0))
    }

    /// `-self`, clamped.
    #[inline]
    pub fn saturating_neg(self) -> Self {
        Self(self.0.saturating_neg())
    }

    /// Floor product, `None` when it does not fit.
    #[inline]
    pub fn checked_mul(self, rhs: Self) -> Option<Self> {
        i64::try_from(mul_floor_i64(self.0, rhs.0)).ok().map(Self)
    }

    /// Floor product, clamped.
    #[inline]
    pub fn saturating_mul(self, rhs: Self) -> Self {
        Self(saturate_i64(mul_floor_i64(self.0, rhs.0)))
    }

    /// Truncating quotient, `None` on a zero divisor or when it does not fit.
    #[inline]
    pub fn checked_div(self, rhs: Self) -> Option<Self> {
        div_trunc_i64(self.0, rhs.0).and_then(|q| i64::try_from(q).ok().map(Self))
    }

    /// Truncating quotient, clamped on overflow.
    ///
    /// A zero divisor saturates toward the sign of the dividend as in `substrate-fixed`'s
    /// widening path; the chain never divides by zero through this operation.
    #[inline]
    pub fn saturating_div(self, rhs: Self) -> Self {
        match div_trunc_i64(self.0, rhs.0) {
            Some(q) => Self(saturate_i64(q)),
            None => {
                if self.0 < 0 {
                    Self::MIN
                } else {
                    Self::MAX
                }
            }
        }
    }

    /// Subtensor's `safe_div`: the truncating quotient, or 0 on a zero divisor or overflow.
    #[inline]
    pub fn safe_div(self, rhs: Self) -> Self {
        self.checked_div(rhs).unwrap_or(Self::ZERO)
    }

    /// Round to the nearest integer, ties away from zero (saturating).
    #[inline]
    pub fn round(self) -> Self {
        let half = 1i128 << (FRAC32 - 1);
        let frac_mask = (1i128 << FRAC32) - 1;
        let x = i128::from(self.0);
        let r = if x >= 0 {
            (x + half) & !frac_mask
        } else {
            -((-x + half) & !frac_mask)
        };
        Self(saturate_i64(r))
    }

    /// Floor to an integer and clamp into `u16` (`saturating_to_num::<u16>()`).
    #[inline]
    pub fn saturating_to_u16(self) -> u16 {
        (self.0 >> FRAC32).clamp(0, i64::from(u16::MAX)) as u16
    }

    /// Floor to an integer and clamp into `u64` (`saturating_to_num::<u64>()`).
    #[inline]
    pub fn saturating_to_u64(self) -> u64 {
        (self.0 >> FRAC32).max(0) as u64
    }

    /// A proportion in `[0, 1]` quantised to u16: `floor(x · 65535)` clamped
    /// (subtensor's `fixed_proportion_to_u16`).
    #[inline]
    pub fn proportion_to_u16(self) -> u16 {
        self.saturating_mul(Self::from_u16(u16::MAX))
            .saturating_to_u16()
    }

    /// Value as `f64`, for display only.
    pub fn to_f64(self) -> f64 {
        self.0 as f64 / (1u64 << FRAC32) as f64
    }

    /// The smaller of two values.
    #[inline]
    pub fn min(self, other: Self) -> Self {
        Ord::min(self, other)
    }

    /// The larger of two values.
    #[inline]
    pub fn max(self, other: Self) -> Self {
        Ord::max(self, other)
    }

    /// `value` clamped into `[low, high]` as subtensor's `clamp_value` does (min first, then max).
    #[inline]
    pub fn clamp_to(self, low: Self, high: Self) -> Self {
        self.min(high).max(low)
    }
}

/// Sum with the runtime's release-build `+` (wrapping), as `iter().sum()` does on chain.
pub fn sum(values: impl IntoIterator<Item = I32F32>) -> I32F32 {
    values
        .into_iter()
        .fold(I32F32::ZERO, |acc, v| acc.wrapping_add(v))
}

/// Signed 64.64 fixed point, bit-identical with `substrate_fixed::types::I64F64` for the
/// operations stake normalisation uses.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Debug)]
pub struct I64F64(i128);

impl I64F64 {
    /// Zero.
    pub const ZERO: Self = Self(0);

    /// From raw bits (`value = bits / 2^64`).
    pub const fn from_bits(bits: i128) -> Self {
        Self(bits)
    }

    /// Raw bits.
    pub const fn to_bits(self) -> i128 {
        self.0
    }

    /// An unsigned integer, saturating at the largest representable value (`2^63 - 2^-64`).
    pub fn saturating_from_u64(v: u64) -> Self {
        if v > i64::MAX as u64 {
            Self(i128::MAX)
        } else {
            Self(i128::from(v) << FRAC64)
        }
    }

    /// `self + rhs`, `None` on overflow.
    pub fn checked_add(self, rhs: Self) -> Option<Self> {
        self.0.checked_add(rhs.0).map(Self)
    }

    /// Truncating quotient, `None` on a zero divisor or when it does not fit.
    pub fn checked_div(self, rhs: Self) -> Option<Self> {
        wide::div_shl_trunc_i128(self.0, FRAC64, rhs.0).map(Self)
    }

    /// Subtensor's `safe_div` on `I64F64`.
    pub fn safe_div(self, rhs: Self) -> Self {
        self.checked_div(rhs).unwrap_or(Self::ZERO)
    }

    /// Narrowing to `I32F32` (`I32F32::saturating_from_num`): floor to 32 fraction bits, clamp.
    pub fn saturating_to_i32f32(self) -> I32F32 {
        I32F32(saturate_i64(self.0 >> (FRAC64 - FRAC32)))
    }

    /// Floor to an integer and clamp into `u64`.
    pub fn saturating_to_u64(self) -> u64 {
        let int = self.0 >> FRAC64;
        int.clamp(0, i128::from(u64::MAX)) as u64
    }
}

/// Signed 96.32 fixed point for emission amounts, bit-identical with
/// `substrate_fixed::types::I96F32` for the operations the emission split uses.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Debug)]
pub struct I96F32(i128);

impl I96F32 {
    /// From raw bits (`value = bits / 2^32`).
    pub const fn from_bits(bits: i128) -> Self {
        Self(bits)
    }

    /// Raw bits.
    pub const fn to_bits(self) -> i128 {
        self.0
    }

    /// An unsigned integer (always representable).
    pub fn from_u64(v: u64) -> Self {
        Self(i128::from(v) << FRAC32)
    }

    /// Widening from `I32F32` (same fraction bits).
    pub fn from_i32f32(v: I32F32) -> Self {
        Self(i128::from(v.to_bits()))
    }

    /// Floor product, clamped.
    pub fn saturating_mul(self, rhs: Self) -> Self {
        Self(wide::mul_shr_floor_sat_i128(self.0, rhs.0, FRAC32))
    }

    /// Floor to an integer and clamp into `u64`.
    pub fn saturating_to_u64(self) -> u64 {
        let int = self.0 >> FRAC32;
        int.clamp(0, i128::from(u64::MAX)) as u64
    }
}

/// `floor(x · rao)` in RAO for a proportion `x`: `I96F32(x).saturating_mul(I96F32(rao))` then
/// `saturating_to_num::<u64>()`, as the chain converts emission proportions to amounts.
pub fn proportion_to_rao(x: I32F32, rao: u64) -> u64 {
    I96F32::from_i32f32(x)
        .saturating_mul(I96F32::from_u64(rao))
        .saturating_to_u64()
}

impl PartialOrd<i64> for I32F32 {
    fn partial_cmp(&self, other: &i64) -> Option<Ordering> {
        Some(i128::from(self.0).cmp(&(i128::from(*other) << FRAC32)))
    }
}

impl PartialEq<i64> for I32F32 {
    fn eq(&self, other: &i64) -> bool {
        i128::from(self.0) == (i128::from(*other) << FRAC32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn u16_proportion_truncates() {
        // 1/65535 · 2^32 = 65537.000015… → 65537 bits.
        assert_eq!(I32F32::from_u16_proportion(1).to_bits(), 65537);
        assert_eq!(I32F32::from_u16_proportion(65535), I32F32::ONE);
    }

    #[test]
    fn round_is_half_away_from_zero() {
        let half = I32F32::from_bits(1 << 31);
        assert_eq!(half.round(), I32F32::ONE);
        assert_eq!(half.saturating_neg().round(), I32F32::from_int(-1));
        assert_eq!(I32F32::from_bits((1 << 31) - 1).round(), I32F32::ZERO);
    }

    #[test]
    fn safe_div_zero_and_overflow_give_zero() {
        assert_eq!(I32F32::ONE.safe_div(I32F32::ZERO), I32F32::ZERO);
        assert_eq!(I32F32::MAX.safe_div(I32F32::from_bits(1)), I32F32::ZERO);
    }

    #[test]
    fn emission_floor_of_a_tenth() {
        // floor(I32F32(0.1) · 1e9) = 99_999_999 (README pitfall).
        let tenth = I32F32::ONE.safe_div(I32F32::from_int(10));
        assert_eq!(proportion_to_rao(tenth, 1_000_000_000), 99_999_999);
    }
}
