//! The fixed-point rules of the parent module as halo2 chips, the twins of `constraints.rs`:
//! the same relations, remainders and range-check widths, with the range checks done by lookups
//! ([`crate::halo2::range`]) and the relations by the `arith` gate ([`crate::halo2::arith`]).

use super::{bits_for, product_max, UNIT};
use crate::halo2::arith::{
    div_rem, enforce_below_const, is_equal, is_less_signed, is_zero, linear, mul, neg, row, sum,
    weighted_sum, Coeffs, Operand, ZERO,
};
use crate::halo2::{fp_i128, fp_to_i128, fp_u128, range, shr, Fp, Rows, Wire};
use halo2_axiom::halo2curves::ff::Field;
use halo2_axiom::plonk::Error;

/// `⌊a·b / 2^32⌋` for `0 <= a <= a_max`, `0 <= b <= b_max` (`I32F32` multiplication):
/// `a·b = q·2^32 + r`, `r` on 32 bits, `q` on the bits `a_max·b_max / 2^32` needs. Twin of
/// [`crate::fixed::mul_floor_i64`].
pub fn mul_floor(
    rows: &mut Rows<'_, '_>,
    a: &Wire,
    b: &Wire,
    a_max: u128,
    b_max: u128,
) -> Result<Wire, Error> {
    let q_bits = bits_for(product_max(a_max, b_max) >> 32);
    let q = (a.value * b.value).map(|p| shr(p, 32));
    split_product(rows, (a, b), q, Rounding::Floor, Some(q_bits))
}

/// `⌈a·b / 2^32⌉` for `0 <= a <= a_max`, `0 <= b <= b_max`: `a·b = q·2^32 − r`, `r` on 32 bits,
/// `q` on the bits `⌈a_max·b_max / 2^32⌉` needs.
pub fn mul_ceil(
    rows: &mut Rows<'_, '_>,
    a: &Wire,
    b: &Wire,
    a_max: u128,
    b_max: u128,
) -> Result<Wire, Error> {
    let q_bits = bits_for(product_max(a_max, b_max).div_ceil(1 << 32));
    let q = (a.value * b.value).map(|p| shr(p + fp_u128((1 << 32) - 1), 32));
    split_product(rows, (a, b), q, Rounding::Ceil, Some(q_bits))
}

/// Which side of `a·b / 2^32` the quotient is on.
#[derive(Clone, Copy)]
enum Rounding {
    /// `a·b = q·2^32 + r`.
    Floor,
    /// `a·b = q·2^32 − r`.
    Ceil,
}

/// `⌊a·b / 2^32⌋` as `(q, r)` with `a·b = q·2^32 + r` and `r` on 32 bits, the quotient left
/// unchecked: the caller pins it (the Yuma3 EMA's second floor, pinned by the bond
/// quantisation). Twin of the R1CS `mul_floor_deferred`.
pub fn mul_floor_deferred(
    rows: &mut Rows<'_, '_>,
    a: &Wire,
    b: &Wire,
) -> Result<(Wire, Wire), Error> {
    let q = (a.value * b.value).map(|p| shr(p, 32));
    split_product_parts(rows, (a, b), q, Rounding::Floor, None)
}

/// `⌊a·b / 2^32⌋` of signed operands (`|a·b| < 2^126`): `a·b = q·2^32 + r` with `r` on 32 bits
/// and `q + 2^q_bits` on `q_bits + 1` bits (so `−2^q_bits <= q < 2^q_bits`). Twin of the R1CS
/// `mul_floor_signed`.
pub fn mul_floor_signed(
    rows: &mut Rows<'_, '_>,
    a: &Wire,
    b: &Wire,
    q_bits: usize,
) -> Result<Wire, Error> {
    let q = a
        .value
        .zip(b.value)
        .map(|(a, b)| fp_i128(fp_to_i128(a).saturating_mul(fp_to_i128(b)) >> 32));
    let (q, _) = split_product_parts(rows, (a, b), q, Rounding::Floor, None)?;
    let offset = linear(rows, &[(Fp::ONE, &q)], fp_u128(1 << q_bits))?;
    range::check(rows, &offset, q_bits + 1)?;
    Ok(q)
}

/// `x_i·2^32 / Σ x` truncated, each (`Σ x` replaced by 1 when it is 0), for `Σ x <= sum_max`.
/// Twin of the R1CS `normalize`.
pub fn normalize(rows: &mut Rows<'_, '_>, xs: &[Wire], sum_max: u128) -> Result<Vec<Wire>, Error> {
    let total = sum(rows, xs)?;
    let zero = is_zero(rows, &total)?;
    let divisor = linear(rows, &[(Fp::ONE, &total), (Fp::ONE, &zero)], Fp::ZERO)?;
    xs.iter()
        .map(|x| {
            let scaled = linear(rows, &[(fp_u128(UNIT), x)], Fp::ZERO)?;
            div_trunc(rows, &scaled, &divisor, UNIT, sum_max.max(1))
        })
        .collect()
}

/// One `arith` row `a·b − q·2^32 ∓ r = 0` (the remainder's sign by `rounding`), `q` on `q_bits`
/// bits and `r` on 32; returns `q`.
fn split_product(
    rows: &mut Rows<'_, '_>,
    (a, b): (&Wire, &Wire),
    q: halo2_axiom::circuit::Value<Fp>,
    rounding: Rounding,
    q_bits: Option<usize>,
) -> Result<Wire, Error> {
    split_product_parts(rows, (a, b), q, rounding, q_bits).map(|(q, _)| q)
}

/// [`split_product`], returning `(q, r)`; `q` unchecked when `q_bits` is `None`.
fn split_product_parts(
    rows: &mut Rows<'_, '_>,
    (a, b): (&Wire, &Wire),
    q: halo2_axiom::circuit::Value<Fp>,
    rounding: Rounding,
    q_bits: Option<usize>,
) -> Result<(Wire, Wire), Error> {
    let product = a.value * b.value;
    let (r, sign) = match rounding {
        Rounding::Floor => (
            product.zip(q).map(|(p, q)| p - q * fp_u128(1 << 32)),
            -Fp::ONE,
        ),
        Rounding::Ceil => (
            product.zip(q).map(|(p, q)| q * fp_u128(1 << 32) - p),
            Fp::ONE,
        ),
    };
    let co = Coeffs {
        m: Fp::ONE,
        c: neg(1 << 32),
        d: sign,
        ..Coeffs::default()
    };
    let cells = [
        Operand::Copy(a),
        Operand::Copy(b),
        Operand::New(q),
        Operand::New(r),
    ];
    let [_, _, q, r] = row(rows, cells, co)?;
    if let Some(bits) = q_bits {
        range::check(rows, &q, bits)?;
    }
    range::check(rows, &r, 32)?;
    Ok((q, r))
}

/// `⌊x / 2^32⌋` for `x >= 0` whose honest quotient is at most `q_max`: `x = q·2^32 + r`, `r` on
/// 32 bits, `q` on `bits_for(q_max)`.
pub fn floor_to_int(rows: &mut Rows<'_, '_>, x: &Wire, q_max: u128) -> Result<Wire, Error> {
    let q = x.value.map(|v| shr(v, 32));
    let r = x.value.zip(q).map(|(v, q)| v - q * fp_u128(1 << 32));
    let co = Coeffs {
        a: fp_u128(1 << 32),
        c: Fp::ONE,
        d: -Fp::ONE,
        ..Coeffs::default()
    };
    let [q, _, r, _] = row(
        rows,
        [Operand::New(q), ZERO, Operand::New(r), Operand::Copy(x)],
        co,
    )?;
    range::check(rows, &q, bits_for(q_max))?;
    range::check(rows, &r, 32)?;
    Ok(q)
}

/// `⌊n / d⌋` for `n >= 0` and `1 <= d <= d_max` whose honest quotient is at most `q_max` (the
/// `I32F32` division after the caller scales `n` by `2^32`). Twin of the R1CS `div_trunc`.
pub fn div_trunc(
    rows: &mut Rows<'_, '_>,
    n: &Wire,
    d: &Wire,
    q_max: u128,
    d_max: u128,
) -> Result<Wire, Error> {
    let (q, _) = div_rem(
        rows,
        n,
        d,
        bits_for(d_max.saturating_sub(1)),
        bits_for(q_max),
    )?;
    Ok(q)
}

/// The cells of one [`exp_safe`].
#[derive(Clone, Debug)]
pub struct ExpWires {
    /// The operand clamped to `±EXP_SAFE_BOUND`.
    pub clamped: Wire,
    /// The Taylor terms `a^i / i!` of `a = |clamped|`, `i = 1..32`.
    pub terms: Vec<Wire>,
    /// `exp_safe(x)` (bits).
    pub value: Wire,
}

/// `exp_safe(x)` of the native rule ([`crate::fixed::exp_safe`]) for a signed `x` with
/// `|x| < 2^x_bits`: the operand clamped to `±20`, 31 Taylor terms of its magnitude (each an
/// exact truncating division by `i·2^32`), and for a negative operand the reciprocal. Twin of the
/// R1CS `exp_safe`, step for step.
pub fn exp_safe(rows: &mut Rows<'_, '_>, x: &Wire, x_bits: usize) -> Result<ExpWires, Error> {
    assert!((38..=100).contains(&x_bits), "operand bound out of range");
    let bound = super::EXP_SAFE_BOUND as u64;
    let bound_fp = Fp::from(bound);
    let minus_bound = rows.constant(-bound_fp);
    let plus_bound = rows.constant(bound_fp);
    let zero = rows.constant(Fp::ZERO);
    let lo = is_less_signed(rows, x, &minus_bound, x_bits + 1)?;
    let hi = is_less_signed(rows, &plus_bound, x, x_bits + 1)?;
    // xc = x + lo·(−bound − x) + hi·(bound − x)
    let lo_x = mul(rows, &lo, x)?;
    let hi_x = mul(rows, &hi, x)?;
    let xc = weighted_sum(
        rows,
        &[
            (Fp::ONE, x),
            (-Fp::ONE, &lo_x),
            (-bound_fp, &lo),
            (bound_fp, &hi),
            (-Fp::ONE, &hi_x),
        ],
        Fp::ZERO,
    )?;
    let neg = is_less_signed(rows, &xc, &zero, 38)?;
    let neg_xc = mul(rows, &neg, &xc)?;
    let a = linear(rows, &[(Fp::ONE, &xc), (-Fp::from(2), &neg_xc)], Fp::ZERO)?;

    let maxima = super::exp_taylor_terms(super::EXP_SAFE_BOUND)
        .unwrap_or_else(|| unreachable!("no step of exp overflows at the clamp bound"));
    let mut term = a;
    let mut terms = vec![a];
    for i in 2..32u64 {
        let divisor = i128::from(i) << 32;
        let qr = term.value.zip(a.value).map(|(t, a)| {
            let product = fp_to_i128(t).saturating_mul(fp_to_i128(a));
            (product / divisor, product % divisor)
        });
        let next = range::witness(
            rows,
            qr.map(|(q, _)| fp_i128(q)),
            bits_for(maxima[(i - 1) as usize] as u128),
        )?;
        let r_lo = range::witness(rows, qr.map(|(_, r)| fp_i128(r & 0xffff_ffff)), 32)?;
        let r_hi = rows.witnesses(&[qr.map(|(_, r)| fp_i128(r >> 32))])[0];
        enforce_below_const(rows, &r_hi, u128::from(i), bits_for(u128::from(i - 1)))?;
        let r = linear(
            rows,
            &[(Fp::ONE, &r_lo), (fp_u128(1 << 32), &r_hi)],
            Fp::ZERO,
        )?;
        // term·a = next·i·2^32 + r
        let co = Coeffs {
            m: Fp::ONE,
            c: -fp_u128(u128::from(i) << 32),
            d: -Fp::ONE,
            ..Coeffs::default()
        };
        row(
            rows,
            [
                Operand::Copy(&term),
                Operand::Copy(&a),
                Operand::Copy(&next),
                Operand::Copy(&r),
            ],
            co,
        )?;
        terms.push(next);
        term = next;
    }
    let with_one: Vec<(Fp, &Wire)> = terms.iter().map(|t| (Fp::ONE, t)).collect();
    let total = weighted_sum(rows, &with_one, fp_u128(UNIT))?;
    let two_64 = rows.constant(fp_u128(1 << 64));
    let inverse = div_trunc(rows, &two_64, &total, UNIT, 1u128 << 61)?;
    let unit = rows.constant(fp_u128(UNIT));
    let is_one = is_equal(rows, &xc, &unit)?;
    // positive = is_one·(e − total) + total
    let one_total = mul(rows, &is_one, &total)?;
    let positive = linear(
        rows,
        &[
            (Fp::from(super::EXP_ONE_BITS as u64), &is_one),
            (-Fp::ONE, &one_total),
            (Fp::ONE, &total),
        ],
        Fp::ZERO,
    )?;
    // value = neg·(inverse − positive) + positive
    let gap = linear(
        rows,
        &[(Fp::ONE, &inverse), (-Fp::ONE, &positive)],
        Fp::ZERO,
    )?;
    let value = {
        let swing = mul(rows, &neg, &gap)?;
        linear(rows, &[(Fp::ONE, &swing), (Fp::ONE, &positive)], Fp::ZERO)?
    };
    Ok(ExpWires {
        clamped: xc,
        terms,
        value,
    })
}
