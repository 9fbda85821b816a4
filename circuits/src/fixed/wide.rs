//! Double-width (256-bit) helpers for the 128-bit fixed-point types.
//!
//! `I64F64` and `I96F32` keep their bits in `i128`, so their products and shifted dividends need
//! 256 bits. These helpers compute on magnitudes and restore the sign, giving exactly the floor
//! (multiplication) and truncation (division) rules of `substrate-fixed`.

const LOW64: u128 = (1u128 << 64) - 1;

/// Full 256-bit product of two u128 values as `(high, low)`.
fn mul_u128_wide(a: u128, b: u128) -> (u128, u128) {
    let (a1, a0) = (a >> 64, a & LOW64);
    let (b1, b0) = (b >> 64, b & LOW64);
    let p00 = a0 * b0;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let p11 = a1 * b1;
    let mid = (p00 >> 64) + (p01 & LOW64) + (p10 & LOW64);
    let lo = (p00 & LOW64) | (mid << 64);
    let hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
    (hi, lo)
}

/// Quotient of the 256-bit value `(hi, lo)` by `d > 0`, as `(high, low)` (restoring division).
fn div_u256_by_u128(hi: u128, lo: u128, d: u128) -> (u128, u128) {
    let mut r: u128 = 0;
    let (mut qh, mut ql) = (0u128, 0u128);
    for i in (0..256u32).rev() {
        let bit = if i >= 128 {
            (hi >> (i - 128)) & 1
        } else {
            (lo >> i) & 1
        };
        let carry = r >> 127;
        r = (r << 1) | bit;
        if carry == 1 || r >= d {
            r = r.wrapping_sub(d);
            if i >= 128 {
                qh |= 1 << (i - 128);
            } else {
                ql |= 1 << i;
            }
        }
    }
    (qh, ql)
}

/// Applies a sign to a magnitude `(hi, lo)`; `None` when the signed result leaves `i128`.
fn signed_from_magnitude(hi: u128, lo: u128, negative: bool) -> Option<i128> {
    if hi != 0 {
        return None;
    }
    if negative {
        if lo <= 1u128 << 127 {
            Some((lo as i128).wrapping_neg())
        } else {
            None
        }
    } else {
        i128::try_from(lo).ok()
    }
}

/// `trunc(a · 2^shift / b)` for `shift < 128`; `None` when `b == 0` or the quotient leaves `i128`.
pub(crate) fn div_shl_trunc_i128(a: i128, shift: u32, b: i128) -> Option<i128> {
    if b == 0 {
        return None;
    }
    let negative = (a < 0) != (b < 0);
    let (ma, mb) = (a.unsigned_abs(), b.unsigned_abs());
    let (hi, lo) = if shift == 0 {
        (0, ma)
    } else {
        (ma >> (128 - shift), ma << shift)
    };
    let (qh, ql) = div_u256_by_u128(hi, lo, mb);
    signed_from_magnitude(qh, ql, negative && (qh | ql) != 0)
}

/// `floor(a · b / 2^shift)` for `0 < shift < 128`, clamped into `i128`.
pub(crate) fn mul_shr_floor_sat_i128(a: i128, b: i128, shift: u32) -> i128 {
    let negative = (a < 0) != (b < 0);
    let (hi, lo) = mul_u128_wide(a.unsigned_abs(), b.unsigned_abs());
    let mut qh = hi >> shift;
    let mut ql = (lo >> shift) | (hi << (128 - shift));
    if negative {
        // floor(-P / 2^s) = -ceil(P / 2^s)
        let rem = lo & ((1u128 << shift) - 1);
        if rem != 0 {
            let (s, c) = ql.overflowing_add(1);
            ql = s;
            qh += u128::from(c);
        }
    }
    match signed_from_magnitude(qh, ql, negative && (qh | ql) != 0) {
        Some(v) => v,
        None if negative => i128::MIN,
        None => i128::MAX,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_product_matches_small_cases() {
        assert_eq!(mul_u128_wide(u128::MAX, u128::MAX), (u128::MAX - 1, 1));
        assert_eq!(mul_u128_wide(1 << 64, 1 << 64), (1, 0));
    }

    #[test]
    fn wide_division_inverts_product() {
        let (hi, lo) = mul_u128_wide(0xdead_beef_1234_5678_9abc, 0x1_0000_0000_0000_0001);
        assert_eq!(
            div_u256_by_u128(hi, lo, 0x1_0000_0000_0000_0001),
            (0, 0xdead_beef_1234_5678_9abc)
        );
    }

    #[test]
    fn signed_rules() {
        assert_eq!(div_shl_trunc_i128(-1, 1, 3), Some(0)); // trunc(-2/3) = 0
        assert_eq!(mul_shr_floor_sat_i128(-1, 1, 1), -1); // floor(-1/2) = -1
        assert_eq!(mul_shr_floor_sat_i128(i128::MAX, i128::MAX, 1), i128::MAX);
        assert_eq!(div_shl_trunc_i128(1, 64, 0), None);
    }
}
