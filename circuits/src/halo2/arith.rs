//! The arithmetic gate and the integer rules built on it: the halo2 twins of the R1CS gadgets
//! `div_rem_bounded`, `enforce_below`, `is_less` and `is_zero` (the fixed-point rules built on
//! these are in `fixed::halo2`).
//!
//! One gate, `arith`, on advice columns `a, b, c, d` with fixed coefficients per row:
//! `m·a·b + α·a + β·b + γ·c + δ·d + k = 0`. Every rule below is a few such rows plus lookup
//! range checks ([`super::range`]); operands are copied into a row by copy constraints, so a rule
//! constrains exactly the cells it was given.
//!
//! The soundness argument of each rule is the R1CS one, stated at each function: operands and
//! results are integers far below the modulus, so the field relation is an integer relation and
//! the range-checked remainder makes its solution unique.

use super::range;
use super::{fp_to_i128, fp_to_u128, fp_u128, from_fp, Fp, Rows, Wire};
use ark_ff::PrimeField as _;
use halo2_axiom::circuit::Value;
use halo2_axiom::halo2curves::ff::Field;
use halo2_axiom::plonk::{Advice, Column, ConstraintSystem, Error, Fixed, Selector};
use halo2_axiom::poly::Rotation;

/// The arithmetic gate's selector and coefficient columns `m, α, β, γ, δ, k`.
#[derive(Clone, Debug)]
pub struct ArithConfig {
    q: Selector,
    coeff: [Column<Fixed>; 6],
}

impl ArithConfig {
    /// Configure on advice columns 0..4 (`a, b, c, d`).
    pub fn configure(meta: &mut ConstraintSystem<Fp>, advice: [Column<Advice>; 5]) -> Self {
        let q = meta.selector();
        let coeff: [Column<Fixed>; 6] = core::array::from_fn(|_| meta.fixed_column());
        meta.create_gate("arith", |meta| {
            let q = meta.query_selector(q);
            let [a, b, c, d] =
                core::array::from_fn(|i| meta.query_advice(advice[i], Rotation::cur()));
            let [m, ca, cb, cc, cd, k] =
                core::array::from_fn(|i| meta.query_fixed(coeff[i], Rotation::cur()));
            vec![q * (m * a.clone() * b.clone() + ca * a + cb * b + cc * c + cd * d + k)]
        });
        Self { q, coeff }
    }
}

/// A cell of an arithmetic row: a copy of a wire, or a new value.
#[derive(Clone, Copy, Debug)]
pub enum Operand<'w> {
    /// A copy of this wire.
    Copy(&'w Wire),
    /// A new cell with this value.
    New(Value<Fp>),
}

/// An arithmetic row's coefficients `m·a·b + α·a + β·b + γ·c + δ·d + k`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Coeffs {
    /// `m`.
    pub m: Fp,
    /// `α`.
    pub a: Fp,
    /// `β`.
    pub b: Fp,
    /// `γ`.
    pub c: Fp,
    /// `δ`.
    pub d: Fp,
    /// `k`.
    pub k: Fp,
}

/// One `arith` row over `cells` (`a, b, c, d`); returns the four cells.
pub fn row(
    rows: &mut Rows<'_, '_>,
    cells: [Operand<'_>; 4],
    co: Coeffs,
) -> Result<[Wire; 4], Error> {
    let offset = rows.take(1);
    let config = rows.config.arith.clone();
    rows.enable(config.q, offset)?;
    for (column, value) in config
        .coeff
        .iter()
        .zip([co.m, co.a, co.b, co.c, co.d, co.k])
    {
        rows.fixed(*column, offset, value);
    }
    let mut out = [None; 4];
    for (i, cell) in cells.iter().enumerate() {
        out[i] = Some(match cell {
            Operand::Copy(w) => rows.copy(w, i, offset),
            Operand::New(v) => rows.advice(i, offset, *v),
        });
    }
    Ok(out.map(|w| w.unwrap_or_else(|| unreachable!("four cells"))))
}

/// An unused cell of a row (zero).
pub const ZERO: Operand<'static> = Operand::New(Value::known(Fp::ZERO));

/// `−x`.
pub fn neg(x: u128) -> Fp {
    -fp_u128(x)
}

/// `Σ c_i·x_i + k` for up to three terms.
pub fn linear(rows: &mut Rows<'_, '_>, terms: &[(Fp, &Wire)], k: Fp) -> Result<Wire, Error> {
    assert!(terms.len() <= 3, "at most three terms a row");
    let value = terms
        .iter()
        .fold(Value::known(k), |acc, (c, w)| acc + w.value.map(|v| v * c));
    let mut cells = [ZERO; 4];
    let mut co = Coeffs {
        d: -Fp::ONE,
        k,
        ..Coeffs::default()
    };
    for (i, (c, w)) in terms.iter().enumerate() {
        cells[i] = Operand::Copy(w);
        match i {
            0 => co.a = *c,
            1 => co.b = *c,
            _ => co.c = *c,
        }
    }
    cells[3] = Operand::New(value);
    Ok(row(rows, cells, co)?[3])
}

/// `x·y`.
pub fn mul(rows: &mut Rows<'_, '_>, x: &Wire, y: &Wire) -> Result<Wire, Error> {
    let value = x.value * y.value;
    let co = Coeffs {
        m: Fp::ONE,
        d: -Fp::ONE,
        ..Coeffs::default()
    };
    let cells = [
        Operand::Copy(x),
        Operand::Copy(y),
        ZERO,
        Operand::New(value),
    ];
    Ok(row(rows, cells, co)?[3])
}

/// `x·y + z`.
pub fn mul_add(rows: &mut Rows<'_, '_>, x: &Wire, y: &Wire, z: &Wire) -> Result<Wire, Error> {
    let value = x.value * y.value + z.value;
    let co = Coeffs {
        m: Fp::ONE,
        c: Fp::ONE,
        d: -Fp::ONE,
        ..Coeffs::default()
    };
    let cells = [
        Operand::Copy(x),
        Operand::Copy(y),
        Operand::Copy(z),
        Operand::New(value),
    ];
    Ok(row(rows, cells, co)?[3])
}

/// `Σ c_i·x_i + k` for any number of terms: three a row, then two more a row onto the running
/// sum.
pub fn weighted_sum(rows: &mut Rows<'_, '_>, terms: &[(Fp, &Wire)], k: Fp) -> Result<Wire, Error> {
    let (head, mut rest) = terms.split_at(terms.len().min(3));
    let mut acc = linear(rows, head, k)?;
    while !rest.is_empty() {
        let (next, tail) = rest.split_at(rest.len().min(2));
        let mut step = vec![(Fp::ONE, &acc)];
        step.extend(next.iter().copied());
        acc = linear(rows, &step, Fp::ZERO)?;
        rest = tail;
    }
    Ok(acc)
}

/// `Σ x_i`.
pub fn sum(rows: &mut Rows<'_, '_>, terms: &[Wire]) -> Result<Wire, Error> {
    let terms: Vec<(Fp, &Wire)> = terms.iter().map(|w| (Fp::ONE, w)).collect();
    weighted_sum(rows, &terms, Fp::ZERO)
}

/// A new boolean cell holding `bit` (`x·x − x = 0`).
pub fn boolean(rows: &mut Rows<'_, '_>, bit: Value<bool>) -> Result<Wire, Error> {
    let offset = rows.take(1);
    let wire = rows.advice(2, offset, bit.map(|b| Fp::from(u64::from(b))));
    assert_bool(rows, &wire)?;
    Ok(wire)
}

/// Enforce `x ∈ {0, 1}` (`x·x − x = 0`).
pub fn assert_bool(rows: &mut Rows<'_, '_>, x: &Wire) -> Result<(), Error> {
    let co = Coeffs {
        m: Fp::ONE,
        a: -Fp::ONE,
        ..Coeffs::default()
    };
    row(rows, [Operand::Copy(x), Operand::Copy(x), ZERO, ZERO], co).map(|_| ())
}

/// Integer division of canonical integers below `2^128` (`0 / 0` and larger values give
/// `(0, 0)`, which fails the checks of a dishonest witness).
fn div_rem_values(n: Fp, d: Fp) -> (Fp, Fp) {
    match (fp_to_u128(n), fp_to_u128(d)) {
        (Some(n), Some(d)) if d != 0 => (fp_u128(n / d), fp_u128(n % d)),
        _ => (Fp::ZERO, Fp::ZERO),
    }
}

/// `(q, r)` with `n = q·d + r`, `0 <= r < d` for `d` in `1..=2^rem_bits` and `q < 2^q_bits`: one
/// product row, one row for `s = d − 1 − r`, and range checks of `q`, `r` and `s` (twin of the
/// R1CS `div_rem_bounded` with a bounded quotient). No wrap-around when `q_bits + rem_bits + 1`
/// is far below 254.
pub fn div_rem(
    rows: &mut Rows<'_, '_>,
    n: &Wire,
    d: &Wire,
    rem_bits: usize,
    q_bits: usize,
) -> Result<(Wire, Wire), Error> {
    assert!(
        q_bits + rem_bits < 200,
        "quotient and divisor far below the modulus"
    );
    let qr = n.value.zip(d.value).map(|(n, d)| div_rem_values(n, d));
    let co = Coeffs {
        m: Fp::ONE,
        c: Fp::ONE,
        d: -Fp::ONE,
        ..Coeffs::default()
    };
    let [q, _, r, _] = row(
        rows,
        [
            Operand::New(qr.map(|x| x.0)),
            Operand::Copy(d),
            Operand::New(qr.map(|x| x.1)),
            Operand::Copy(n),
        ],
        co,
    )?;
    let slack = linear(rows, &[(Fp::ONE, d), (-Fp::ONE, &r)], -Fp::ONE)?;
    range::check(rows, &q, q_bits)?;
    range::check(rows, &r, rem_bits)?;
    range::check(rows, &slack, rem_bits)?;
    Ok((q, r))
}

/// Enforce `0 <= x < y` where `y` is known to be in `1..=2^bits`: range checks of `x` and
/// `y − 1 − x` on `bits` bits.
pub fn enforce_below(
    rows: &mut Rows<'_, '_>,
    x: &Wire,
    y: &Wire,
    bits: usize,
) -> Result<(), Error> {
    range::check(rows, x, bits)?;
    let slack = linear(rows, &[(Fp::ONE, y), (-Fp::ONE, x)], -Fp::ONE)?;
    range::check(rows, &slack, bits)
}

/// Enforce `0 <= x < bound` for a constant `bound` in `1..=2^bits`.
pub fn enforce_below_const(
    rows: &mut Rows<'_, '_>,
    x: &Wire,
    bound: u128,
    bits: usize,
) -> Result<(), Error> {
    assert!(
        bound >= 1 && bits < 128 && bound <= 1u128 << bits,
        "bound must be in 1..=2^bits"
    );
    range::check(rows, x, bits)?;
    let slack = linear(rows, &[(-Fp::ONE, x)], fp_u128(bound - 1))?;
    range::check(rows, &slack, bits)
}

/// `[a < b]` for integers with `a − b < 2^bits` and `b − a <= 2^bits`: a boolean witness `lt`
/// with `(2·lt − 1)(b − a) − lt` range-checked on `bits` bits (`b − a − 1` when `lt`, `a − b`
/// otherwise). Twin of the R1CS `is_less` / `enforce_less_bit`.
pub fn is_less(rows: &mut Rows<'_, '_>, a: &Wire, b: &Wire, bits: usize) -> Result<Wire, Error> {
    let less = a.value.zip(b.value).map(|(a, b)| {
        Fp::from(u64::from(
            from_fp(a).into_bigint() < from_fp(b).into_bigint(),
        ))
    });
    less_bit(rows, a, b, less, bits)
}

/// `[a < b]` for signed integers (field elements standing for `−2^127..2^127`) with
/// `a − b < 2^bits` and `b − a <= 2^bits`: the rule of [`is_less`], with the witness read as
/// signed. Twin of the R1CS `is_less_signed`.
pub fn is_less_signed(
    rows: &mut Rows<'_, '_>,
    a: &Wire,
    b: &Wire,
    bits: usize,
) -> Result<Wire, Error> {
    let less = a
        .value
        .zip(b.value)
        .map(|(a, b)| Fp::from(u64::from(fp_to_i128(a) < fp_to_i128(b))));
    less_bit(rows, a, b, less, bits)
}

/// `[a = b]` (the zero test of `a − b`). Twin of the R1CS `is_equal`.
pub fn is_equal(rows: &mut Rows<'_, '_>, a: &Wire, b: &Wire) -> Result<Wire, Error> {
    let diff = linear(rows, &[(Fp::ONE, a), (-Fp::ONE, b)], Fp::ZERO)?;
    is_zero(rows, &diff)
}

/// The comparison bit `lt` (its value from the caller) with `(2·lt − 1)(b − a) − lt` on `bits`
/// bits.
fn less_bit(
    rows: &mut Rows<'_, '_>,
    a: &Wire,
    b: &Wire,
    less: Value<Fp>,
    bits: usize,
) -> Result<Wire, Error> {
    let offset = rows.take(1);
    let lt = rows.advice(2, offset, less);
    assert_bool(rows, &lt)?;
    let diff = linear(rows, &[(Fp::ONE, b), (-Fp::ONE, a)], Fp::ZERO)?;
    let product = mul(rows, &lt, &diff)?;
    let signed = linear(
        rows,
        &[(Fp::from(2), &product), (-Fp::ONE, &diff), (-Fp::ONE, &lt)],
        Fp::ZERO,
    )?;
    range::check(rows, &signed, bits)?;
    Ok(lt)
}

/// `[x = 0]` with every witness unique: `x·inv = 1 − z`, `x·z = 0`, `z·inv = 0` (twin of the R1CS
/// `is_zero`).
pub fn is_zero(rows: &mut Rows<'_, '_>, x: &Wire) -> Result<Wire, Error> {
    let zero = x
        .value
        .map(|v| Fp::from(u64::from(bool::from(v.is_zero()))));
    let inv = x
        .value
        .map(|v| Option::from(v.invert()).unwrap_or(Fp::ZERO));
    let one_minus = Coeffs {
        m: Fp::ONE,
        c: Fp::ONE,
        k: -Fp::ONE,
        ..Coeffs::default()
    };
    let [_, inv, z, _] = row(
        rows,
        [
            Operand::Copy(x),
            Operand::New(inv),
            Operand::New(zero),
            ZERO,
        ],
        one_minus,
    )?;
    let product = Coeffs {
        m: Fp::ONE,
        ..Coeffs::default()
    };
    row(
        rows,
        [Operand::Copy(x), Operand::Copy(&z), ZERO, ZERO],
        product,
    )?;
    row(
        rows,
        [Operand::Copy(&z), Operand::Copy(&inv), ZERO, ZERO],
        product,
    )?;
    Ok(z)
}
