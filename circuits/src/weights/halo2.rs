//! The set_weights storage rule (max-upscaling a row of u16 scores) as a halo2 chip, the twin of
//! `constraints.rs` step for step.

use crate::halo2::arith::{boolean, div_rem, is_zero, linear, mul};
use crate::halo2::{fp_to_u128, fp_u128, range, shr, Fp, Rows, Wire};
use halo2_axiom::circuit::Value;
use halo2_axiom::halo2curves::ff::Field;
use halo2_axiom::plonk::Error;

/// `65535 · 2^32`: `I32F32(65535)`'s bits.
const U16_MAX_BITS: u128 = 65535u128 << 32;

/// Max-upscale range-checked u16 `values` to the stored row; returns the row (each entry
/// range-checked u16) and the maximum.
///
/// * `m` = max: `m − v_j` range-checked on 16 bits for every `j` and `Π_j (m − v_j) = 0`;
/// * `big = [m > 32768]` by a range check of `(2·big − 1)(m − 32768) − big`;
/// * `m' = m + [m = 0]`;
/// * `scale = ⌊65535·2^32 / m'⌋` (48 bits); below the threshold `q_j = ⌊v_j·65535·2^32 / m'⌋`,
///   above it `q_j = v_j·scale`;
/// * `row_j = ⌊(q_j + 2^31) / 2^32⌋` with a 32-bit remainder and a 16-bit `row_j`.
///
/// `q_small` is also range-checked on 48 bits here (every honest value is, as `v_j <= m'`):
/// the lookup chip's division takes a quotient bound.
pub fn u16_max_upscale(
    rows: &mut Rows<'_, '_>,
    values: &[Wire],
) -> Result<(Vec<Wire>, Wire), Error> {
    if values.is_empty() {
        return Ok((Vec::new(), rows.constant(Fp::ZERO)));
    }
    let max_value = values.iter().fold(Value::known(0u128), |acc, v| {
        acc.zip(v.value)
            .map(|(a, v)| a.max(fp_to_u128(v).unwrap_or(u128::MAX)))
    });
    let m =
        rows.witnesses(&[max_value.map(|m| if m == u128::MAX { -Fp::ONE } else { fp_u128(m) })])[0];
    let mut product = rows.constant(Fp::ONE);
    for v in values {
        let gap = linear(rows, &[(Fp::ONE, &m), (-Fp::ONE, v)], Fp::ZERO)?;
        range::check(rows, &gap, 16)?;
        product = mul(rows, &product, &gap)?;
    }
    rows.pin(&product, Fp::ZERO);

    let big = boolean(rows, max_value.map(|m| m > 32768))?;
    let big_m = mul(rows, &big, &m)?;
    let side = linear(
        rows,
        &[
            (Fp::from(2), &big_m),
            (-Fp::ONE, &m),
            (-Fp::from(65537), &big),
        ],
        Fp::from(32768),
    )?;
    range::check(rows, &side, 16)?;

    let zero = is_zero(rows, &m)?;
    let m1 = linear(rows, &[(Fp::ONE, &m), (Fp::ONE, &zero)], Fp::ZERO)?;
    let numerator = rows.constant(fp_u128(U16_MAX_BITS));
    let (scale, _) = div_rem(rows, &numerator, &m1, 16, 48)?;

    let half = Fp::from(1u64 << 31);
    let unit = Fp::from(1u64 << 32);
    let mut row = Vec::with_capacity(values.len());
    for v in values {
        let scaled = linear(rows, &[(fp_u128(U16_MAX_BITS), v)], Fp::ZERO)?;
        let (q_small, _) = div_rem(rows, &scaled, &m1, 16, 48)?;
        let q_big = mul(rows, v, &scale)?;
        let gap = linear(rows, &[(Fp::ONE, &q_big), (-Fp::ONE, &q_small)], Fp::ZERO)?;
        let swing = mul(rows, &big, &gap)?;
        let rounded = linear(rows, &[(Fp::ONE, &q_small), (Fp::ONE, &swing)], half)?;
        let entry = range::witness(rows, rounded.value.map(|r| shr(r, 32)), 16)?;
        let remainder = linear(rows, &[(Fp::ONE, &rounded), (-unit, &entry)], Fp::ZERO)?;
        range::check(rows, &remainder, 32)?;
        row.push(entry);
    }
    Ok((row, m))
}
