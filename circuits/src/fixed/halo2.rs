//! The fixed-point rules of the parent module as halo2 chips, the twins of `constraints.rs`:
//! the same relations, remainders and range-check widths, with the range checks done by lookups
//! ([`crate::halo2::range`]) and the relations by the `arith` gate ([`crate::halo2::arith`]).

use super::{bits_for, product_max};
use crate::halo2::arith::{div_rem, neg, row, Coeffs, Operand, ZERO};
use crate::halo2::{fp_u128, range, shr, Fp, Rows, Wire};
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
    split_product(rows, (a, b), q, Rounding::Floor, q_bits)
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
    split_product(rows, (a, b), q, Rounding::Ceil, q_bits)
}

/// Which side of `a·b / 2^32` the quotient is on.
#[derive(Clone, Copy)]
enum Rounding {
    /// `a·b = q·2^32 + r`.
    Floor,
    /// `a·b = q·2^32 − r`.
    Ceil,
}

/// One `arith` row `a·b − q·2^32 ∓ r = 0` (the remainder's sign by `rounding`), `q` on `q_bits`
/// bits and `r` on 32; returns `q`.
fn split_product(
    rows: &mut Rows<'_, '_>,
    (a, b): (&Wire, &Wire),
    q: halo2_axiom::circuit::Value<Fp>,
    rounding: Rounding,
    q_bits: usize,
) -> Result<Wire, Error> {
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
    range::check(rows, &q, q_bits)?;
    range::check(rows, &r, 32)?;
    Ok(q)
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
