//! Small R1CS gadgets every circuit uses: range checks, bounded comparisons and division with a
//! range-checked remainder.
//!
//! Soundness bounds are stated per gadget; all values here are far below the BN254 modulus
//! (`≈ 2^254`), so the integer relations they enforce hold without wrap-around.

use alloc::vec::Vec;
use ark_bn254::Fr;
use ark_ff::{AdditiveGroup, BigInteger, Field, PrimeField, Zero};
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::fp::{AllocatedFp, FpVar};
use ark_r1cs_std::fields::FieldVar;
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};

/// The value of a variable, or 0 while generating keys (when no assignment exists).
pub fn value_or_zero(x: &FpVar<Fr>) -> Fr {
    x.value().unwrap_or_default()
}

/// The low `n` bits of a field element's canonical integer.
fn low_bits(x: Fr, n: usize) -> Vec<bool> {
    let bits = x.into_bigint().to_bits_le();
    (0..n)
        .map(|i| bits.get(i).copied().unwrap_or(false))
        .collect()
}

/// `Σ c_k · x_k` as ONE linear combination (no constraint). Summing with `+=` in a loop would
/// record every partial sum as its own linear combination, and key generation inlines each of
/// them — quadratic in the number of terms, which is what bounds the memory of large circuits.
pub fn weighted_sum(terms: impl IntoIterator<Item = (Fr, FpVar<Fr>)>) -> FpVar<Fr> {
    let mut constant = Fr::zero();
    let mut coeffs = Vec::new();
    let mut vars = Vec::new();
    for (c, x) in terms {
        match x {
            FpVar::Constant(k) => constant += c * k,
            FpVar::Var(v) => {
                coeffs.push(c);
                vars.push(v);
            }
        }
    }
    match AllocatedFp::linear_combination(coeffs, &vars) {
        Some(v) if constant.is_zero() => FpVar::Var(v),
        Some(v) => FpVar::Var(v) + constant,
        None => FpVar::Constant(constant),
    }
}

/// `Σ x_k` as one linear combination (see [`weighted_sum`]).
pub fn sum(terms: impl IntoIterator<Item = FpVar<Fr>>) -> FpVar<Fr> {
    weighted_sum(terms.into_iter().map(|x| (Fr::from(1u64), x)))
}

/// `x` as one witness variable, equal to it (one constraint). A linear combination is free, but
/// every constraint that uses it carries all its terms: a sum used by many constraints (a column
/// total that divides every entry of the column, a consensus written as 33 bits and compared
/// with every weight of its column) is cheaper for key generation and proving — and its
/// constraint rows far shorter — as one variable. Constants are returned as they are; every
/// other value is copied, even one that is already a single variable: whether a one-term sum is
/// a variable or a linear combination depends on the synthesis mode, and the circuit's shape must
/// not.
pub fn materialize(x: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
    match x {
        FpVar::Constant(_) => Ok(x.clone()),
        FpVar::Var(_) => {
            let copy = FpVar::new_witness(x.cs(), || Ok(value_or_zero(x)))?;
            copy.enforce_equal(x)?;
            Ok(copy)
        }
    }
}

/// The number `Σ bits_i · 2^i` as one linear combination (no constraint).
pub fn from_bits_le(bits: &[Boolean<Fr>]) -> FpVar<Fr> {
    let mut coeff = Fr::from(1u64);
    weighted_sum(bits.iter().map(|b| {
        let term = (coeff, FpVar::from(b.clone()));
        coeff.double_in_place();
        term
    }))
}

/// Allocate the low `n` bits of `value` as witness booleans (`n` booleanity constraints). Their
/// sum ([`from_bits_le`]) is a number in `0..2^n` that costs no further constraint.
pub fn alloc_bits(
    cs: ConstraintSystemRef<Fr>,
    value: Fr,
    n: usize,
) -> Result<Vec<Boolean<Fr>>, SynthesisError> {
    assert!(
        n <= 250,
        "range checks are for values far below the modulus"
    );
    low_bits(value, n)
        .into_iter()
        .map(|b| Boolean::new_witness(cs.clone(), || Ok(b)))
        .collect()
}

/// Enforce `0 <= x < 2^n` (`n <= 250`) and return the little-endian bits: `n` booleanity
/// constraints and one sum.
pub fn enforce_range(x: &FpVar<Fr>, n: usize) -> Result<Vec<Boolean<Fr>>, SynthesisError> {
    let bits = alloc_bits(x.cs(), value_or_zero(x), n)?;
    from_bits_le(&bits).enforce_equal(x)?;
    Ok(bits)
}

/// Allocate a witness `u16` as 16 boolean bits (16 constraints); returns the value (their
/// linear combination) and the bits.
pub fn alloc_u16(
    cs: ConstraintSystemRef<Fr>,
    v: u16,
) -> Result<(FpVar<Fr>, Vec<Boolean<Fr>>), SynthesisError> {
    let bits = low_bits(Fr::from(v), 16)
        .into_iter()
        .map(|b| Boolean::new_witness(cs.clone(), || Ok(b)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((from_bits_le(&bits), bits))
}

/// Enforce `0 <= x < bound` for a constant `bound` in `1..=2^n`, given nothing about `x`:
/// range-checks `x` and `bound − 1 − x` on `n` bits.
pub fn enforce_below_const(x: &FpVar<Fr>, bound: u128, n: usize) -> Result<(), SynthesisError> {
    assert!(
        bound >= 1 && n < 128 && bound <= 1u128 << n,
        "bound must be in 1..=2^n"
    );
    enforce_range(x, n)?;
    enforce_range(&(FpVar::constant(Fr::from(bound - 1)) - x), n)?;
    Ok(())
}

/// Enforce `0 <= x < y` where `y` is known to be in `1..=2^n`: range-checks `x` and `y − 1 − x`
/// on `n` bits.
pub fn enforce_below(x: &FpVar<Fr>, y: &FpVar<Fr>, n: usize) -> Result<(), SynthesisError> {
    enforce_range(x, n)?;
    enforce_range(&(y - x - Fr::from(1u64)), n)?;
    Ok(())
}

/// Allocate `(q, r)` with `numerator = q · denominator + r`, `0 <= r < denominator`, from the
/// integers' values, and enforce the product relation and the remainder bound.
///
/// Soundness: the caller must bound `q` (a range check or a later relation) so that
/// `q · denominator + r` cannot wrap the modulus; `denominator` must be in `1..=2^rem_bits`.
pub fn div_rem(
    numerator: &FpVar<Fr>,
    denominator: &FpVar<Fr>,
    rem_bits: usize,
) -> Result<(FpVar<Fr>, FpVar<Fr>), SynthesisError> {
    let cs = numerator.cs().or(denominator.cs());
    let n = value_or_zero(numerator).into_bigint();
    let d = value_or_zero(denominator).into_bigint();
    let (q, r) = bigint_div_rem(n, d);
    let q = FpVar::new_witness(cs.clone(), || Ok(q))?;
    let r = FpVar::new_witness(cs, || Ok(r))?;
    q.mul_equals(denominator, &(numerator - &r))?;
    enforce_below(&r, denominator, rem_bits)?;
    Ok((q, r))
}

/// [`div_rem`] with the remainder (and, given `q_bits`, the quotient) written directly as bits:
/// `r` in `0..denominator` (`denominator` in `1..=2^rem_bits`), `q` in `0..2^q_bits`; one product
/// constraint `q · denominator = numerator − r` and one for the remainder bound — two fewer than
/// range-checking separately allocated values. With `q_bits = None` the quotient is a plain
/// witness, and the caller must bound it by a later relation so that `q · denominator + r`
/// cannot wrap; with `Some`, no wrap-around when `2^q_bits · 2^(rem_bits + 1)` is far below the
/// modulus.
pub fn div_rem_bounded(
    numerator: &FpVar<Fr>,
    denominator: &FpVar<Fr>,
    rem_bits: usize,
    q_bits: Option<usize>,
) -> Result<(FpVar<Fr>, FpVar<Fr>), SynthesisError> {
    assert!(
        q_bits.unwrap_or(0) + rem_bits < 200,
        "quotient and divisor far below the modulus"
    );
    let cs = numerator.cs().or(denominator.cs());
    let n = value_or_zero(numerator).into_bigint();
    let d = value_or_zero(denominator).into_bigint();
    let (q, r) = bigint_div_rem(n, d);
    let q = match q_bits {
        Some(bits) => from_bits_le(&alloc_bits(cs.clone(), q, bits)?),
        None => FpVar::new_witness(cs.clone(), || Ok(q))?,
    };
    let r = from_bits_le(&alloc_bits(cs, r, rem_bits)?);
    q.mul_equals(denominator, &(numerator - &r))?;
    enforce_range(&(denominator - &r - Fr::from(1u64)), rem_bits)?;
    Ok((q, r))
}

/// Integer division of canonical representatives (0 / 0 = (0, 0), used only in key generation).
fn bigint_div_rem(n: <Fr as PrimeField>::BigInt, d: <Fr as PrimeField>::BigInt) -> (Fr, Fr) {
    let to_u128 = |b: <Fr as PrimeField>::BigInt| -> Option<u128> {
        let limbs = b.0;
        (limbs[2] == 0 && limbs[3] == 0)
            .then(|| u128::from(limbs[0]) | (u128::from(limbs[1]) << 64))
    };
    match (to_u128(n), to_u128(d)) {
        (Some(n), Some(d)) if d != 0 => (Fr::from(n / d), Fr::from(n % d)),
        _ => (Fr::from(0u64), Fr::from(0u64)),
    }
}

/// A boolean that is true exactly when `x == 0`, with every witness unique (3 constraints):
/// `x · inv = 1 − b`, `x · b = 0`, and `b · inv = 0` (so `inv = 0` when `x = 0`, where the usual
/// two-constraint gadget leaves it free).
pub fn is_zero(x: &FpVar<Fr>) -> Result<Boolean<Fr>, SynthesisError> {
    let cs = x.cs();
    if cs.is_none() {
        return Ok(Boolean::constant(value_or_zero(x).is_zero()));
    }
    let v = value_or_zero(x);
    let zero = v.is_zero();
    let b = Boolean::new_witness(cs.clone(), || Ok(zero))?;
    let inv = FpVar::new_witness(cs, || Ok(v.inverse().unwrap_or_default()))?;
    let b_fp = FpVar::from(b.clone());
    x.mul_equals(&inv, &(FpVar::one() - &b_fp))?;
    x.mul_equals(&b_fp, &FpVar::zero())?;
    b_fp.mul_equals(&inv, &FpVar::zero())?;
    Ok(b)
}

/// A boolean that is true exactly when `a == b` ([`is_zero`] of the difference).
pub fn is_equal(a: &FpVar<Fr>, b: &FpVar<Fr>) -> Result<Boolean<Fr>, SynthesisError> {
    is_zero(&(a - b))
}

/// `[a < b]` for integers with `a − b < 2^bits` and `b − a <= 2^bits`: a witness bit pinned by
/// [`enforce_less_bit`].
pub fn is_less(a: &FpVar<Fr>, b: &FpVar<Fr>, bits: usize) -> Result<Boolean<Fr>, SynthesisError> {
    let cs = a.cs().or(b.cs());
    let less = value_or_zero(a).into_bigint() < value_or_zero(b).into_bigint();
    let lt = Boolean::new_witness(cs, || Ok(less))?;
    enforce_less_bit(a, b, &lt, bits)?;
    Ok(lt)
}

/// The signed integer a field element stands for (`p − |x|` for a negative `x`), for witness
/// values within `2^126` of zero; 0 outside (a malformed witness fails its checks anyway).
pub fn signed_value(x: &FpVar<Fr>) -> i128 {
    let v = value_or_zero(x);
    let (pos, neg) = (v.into_bigint(), (-v).into_bigint());
    let small = |b: <Fr as PrimeField>::BigInt| {
        (b.0[2] == 0 && b.0[3] == 0 && b.0[1] >> 62 == 0)
            .then(|| (i128::from(b.0[1]) << 64) | i128::from(b.0[0]))
    };
    small(pos).or_else(|| small(neg).map(|m| -m)).unwrap_or(0)
}

/// [`is_less`] for signed integers (field elements standing for values near zero, as
/// [`signed_value`] reads them): `[a < b]` with `|a − b| < 2^bits`.
pub fn is_less_signed(
    a: &FpVar<Fr>,
    b: &FpVar<Fr>,
    bits: usize,
) -> Result<Boolean<Fr>, SynthesisError> {
    let cs = a.cs().or(b.cs());
    let lt = Boolean::new_witness(cs, || Ok(signed_value(a) < signed_value(b)))?;
    enforce_less_bit(a, b, &lt, bits)?;
    Ok(lt)
}

/// Enforce `lt = [a < b]` by a range check of `(2·lt − 1)(b − a) − lt` on `bits` bits (1
/// product, `bits + 1` range constraints): `b − a − 1` when `lt`, `a − b` otherwise. Whatever
/// `lt`, the check also confines `a` to `[b − 2^bits, b + 2^bits)`, so a caller may rely on it to
/// bound `a` (the epoch's row normalisation does).
pub fn enforce_less_bit(
    a: &FpVar<Fr>,
    b: &FpVar<Fr>,
    lt: &Boolean<Fr>,
    bits: usize,
) -> Result<(), SynthesisError> {
    let lt_fp = FpVar::from(lt.clone());
    let diff = b - a;
    let signed = (&lt_fp * &diff).double()? - &diff - &lt_fp;
    enforce_range(&signed, bits)?;
    Ok(())
}

/// [`crate::field::pack_le`] in R1CS (linear: no constraint): `Σ v_i · 2^(bits·i)`,
/// `per_element` values to an element. Injective only for values the caller has bounded below
/// `2^bits`.
pub fn pack_le_vars(values: &[FpVar<Fr>], bits: u32, per_element: usize) -> Vec<FpVar<Fr>> {
    let base = Fr::from(1u128 << bits);
    values
        .chunks(per_element)
        .map(|chunk| {
            let mut shift = Fr::from(1u64);
            weighted_sum(chunk.iter().map(|v| {
                let term = (shift, v.clone());
                shift *= base;
                term
            }))
        })
        .collect()
}
