//! The fixed-point gadgets (`fixed::constraints`) against the native rules: honest values
//! satisfy them and equal the native results; a quotient moved by one is caught; and the
//! quotient of the epoch's row normalisation, which carries no range check of its own, cannot
//! wrap around the modulus past the median comparison that bounds it.
mod common;

use ark_bn254::Fr;
use ark_ff::Field;
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::fields::FieldVar;
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::{ConstraintSystem, ConstraintSystemRef};
use common::{finalize_for_tampering, satisfied_with, satisfied_with_var_moved, value_of};
use proptest::prelude::*;
use zkyuma_circuits::fixed::constraints::{
    bits_for, div_trunc, floor_to_int, mul_ceil, mul_floor, mul_floor_deferred, normalize, UNIT,
};
use zkyuma_circuits::gadgets::{
    div_rem, div_rem_bounded, enforce_below, enforce_less_bit, enforce_range,
};

fn witness(cs: &ConstraintSystemRef<Fr>, x: u128) -> FpVar<Fr> {
    FpVar::new_witness(cs.clone(), || Ok(Fr::from(x))).expect("witness")
}

fn value(x: &FpVar<Fr>) -> u128 {
    let v = x.value().expect("value");
    v.to_string().parse().expect("small")
}

/// Honest: satisfied and equal to `expected`; then the result moved by ±1 (within
/// `0..2^bits_for(q_max)`, what its bits can hold) is caught.
fn honest_then_tampered(cs: &ConstraintSystemRef<Fr>, q: &FpVar<Fr>, expected: u128, q_max: u128) {
    assert_eq!(value(q), expected);
    finalize_for_tampering(cs);
    for delta in [1, -1] {
        if (expected == 0 && delta < 0) || (expected + 1 >= 1 << bits_for(q_max) && delta > 0) {
            continue;
        }
        assert!(!satisfied_with_var_moved(cs, q, delta), "moved by {delta}");
    }
}

/// The deferred floor alone admits a wrapped quotient (another remainder with the field quotient
/// of that remainder): that is why its caller must pin the quotient. Added to a range-checked
/// floor and quantised to a u16 through bits — the Yuma3 EMA — the wrapped quotient is refused,
/// and the honest sum is the native one.
#[test]
fn deferred_floor_needs_and_gets_its_pin() {
    for (alpha, wfb, b) in [
        (UNIT / 3, UNIT / 2, UNIT - 7),
        (UNIT, UNIT, UNIT),
        (1, 12345, 99),
        (0, 0, 0),
    ] {
        let one_minus = UNIT - alpha;
        let honest = ((alpha * wfb) >> 32) + ((one_minus * b) >> 32);
        let unit = Fr::from(1u64 << 32);
        let wrap = |q: &FpVar<Fr>, r: &FpVar<Fr>, other: u64| {
            let product = value_of(q) * unit + value_of(r);
            (product - Fr::from(other)) * unit.inverse().expect("2^32")
        };
        // Alone: the wrapped quotient satisfies the gadget.
        let cs = ConstraintSystem::<Fr>::new_ref();
        let (q, r) = mul_floor_deferred(&witness(&cs, one_minus), &witness(&cs, b)).expect("floor");
        assert_eq!(value(&q), (one_minus * b) >> 32);
        finalize_for_tampering(&cs);
        let other = if value(&r) == 5 { 6 } else { 5 };
        assert!(
            satisfied_with(&cs, &[(&q, wrap(&q, &r, other)), (&r, Fr::from(other))]),
            "the gadget alone does not pin its quotient"
        );
        // Pinned: EMA = ⌊α·wfb⌋ + q, quantised through 48 bits.
        let cs = ConstraintSystem::<Fr>::new_ref();
        let first = mul_floor(&witness(&cs, alpha), &witness(&cs, wfb), UNIT, UNIT).expect("floor");
        let (q, r) = mul_floor_deferred(&witness(&cs, one_minus), &witness(&cs, b)).expect("floor");
        let ema = first + &q;
        let bond = floor_to_int(&(&ema * Fr::from(65535u64)), 65535).expect("bond");
        assert_eq!(value(&ema), honest);
        assert_eq!(value(&bond), (honest * 65535) >> 32);
        finalize_for_tampering(&cs);
        for other in [0u64, 1, 5, (1 << 32) - 1] {
            if Fr::from(other) == value_of(&r) {
                continue;
            }
            assert!(
                !satisfied_with(&cs, &[(&q, wrap(&q, &r, other)), (&r, Fr::from(other))]),
                "wrapped quotient with remainder {other}"
            );
        }
        for delta in [1, -1] {
            assert!(!satisfied_with_var_moved(&cs, &q, delta), "q {delta:+}");
        }
    }
}

#[test]
fn bits_for_counts_bits() {
    assert_eq!(bits_for(0), 1);
    assert_eq!(bits_for(1), 1);
    assert_eq!(bits_for(65535), 16);
    assert_eq!(bits_for(UNIT), 33);
    assert_eq!(bits_for(UNIT - 1), 32);
}

#[test]
fn boundaries() {
    // 1.0 · 1.0, 0 · 1.0, the largest ceil, and a u16 bond from a full proportion.
    for (a, b) in [(UNIT, UNIT), (0, UNIT), (UNIT, 1), (UNIT - 1, UNIT - 1)] {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let q = mul_floor(&witness(&cs, a), &witness(&cs, b), UNIT, UNIT).expect("floor");
        honest_then_tampered(&cs, &q, (a * b) >> 32, UNIT);
        let cs = ConstraintSystem::<Fr>::new_ref();
        let q = mul_ceil(&witness(&cs, a), &witness(&cs, b), UNIT, UNIT).expect("ceil");
        honest_then_tampered(&cs, &q, (a * b).div_ceil(UNIT), UNIT);
    }
    let cs = ConstraintSystem::<Fr>::new_ref();
    let q = floor_to_int(&(witness(&cs, UNIT) * Fr::from(65535u64)), 65535).expect("floor");
    honest_then_tampered(&cs, &q, 65535, 65535);
}

/// A division by a small divisor with wide remainder bits: moving the quotient down by one and
/// the remainder up by the divisor keeps `q·d + r = n` and fits the bits, so only the bound
/// `r < d` can refuse it (and the opposite move needs a negative remainder).
#[test]
fn quotient_and_remainder_moved_together_are_refused() {
    for q_bits in [Some(40), None] {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let n = witness(&cs, 1_000_003);
        let d = witness(&cs, 7);
        let (q, r) = div_rem_bounded(&n, &d, 24, q_bits).expect("division");
        assert_eq!((value(&q), value(&r)), (1_000_003 / 7, 1_000_003 % 7));
        finalize_for_tampering(&cs);
        let seven = Fr::from(7u64);
        let (qv, rv) = (value_of(&q), value_of(&r));
        assert!(
            !satisfied_with(&cs, &[(&q, qv - Fr::from(1u64)), (&r, rv + seven)]),
            "q − 1, r + d ({q_bits:?})"
        );
        // Sanity: the honest assignment written the same way still passes.
        assert!(satisfied_with(&cs, &[(&q, qv), (&r, rv)]));
    }
}

#[test]
fn a_quotient_above_its_honest_bound_is_refused() {
    // 2^32 · 2^32 / 2^32 = 2^32 does not fit a bound that claims the product is at most 2^63.
    let cs = ConstraintSystem::<Fr>::new_ref();
    let _ = mul_floor(&witness(&cs, UNIT), &witness(&cs, UNIT), UNIT, UNIT / 2).expect("floor");
    assert!(!cs.is_satisfied().expect("assignment"));
}

/// The row-normalisation pattern of the epoch circuit: `w·S + r = e·2^32`, `0 <= r < S`, with
/// `w` free of range checks and compared with a range-checked consensus `c`. Any remainder other
/// than the true one forces `w = (e·2^32 − r)/S` in the field — far from every value within 2^33
/// of `c` — so the comparison fails for either comparison bit.
fn wrapped_quotient_is_caught(e: u128, s: u128, c: u128) {
    let true_r = (e << 32) % s;
    let rem_bits = bits_for(s - 1);
    for r in [0, 1, true_r.saturating_sub(1), true_r + 1, s - 1] {
        if r == true_r || r >= s {
            continue;
        }
        for lt in [false, true] {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let w_value = (Fr::from(e << 32) - Fr::from(r)) * Fr::from(s).inverse().expect("s > 0");
            let w = FpVar::new_witness(cs.clone(), || Ok(w_value)).expect("w");
            let d = witness(&cs, s);
            let rem = witness(&cs, r);
            w.mul_equals(&d, &(FpVar::constant(Fr::from(e << 32)) - &rem))
                .expect("relation");
            enforce_below(&rem, &d, rem_bits).expect("remainder");
            let consensus = witness(&cs, c);
            enforce_range(&consensus, 33).expect("consensus");
            let bit = Boolean::new_witness(cs.clone(), || Ok(lt)).expect("bit");
            enforce_less_bit(&w, &consensus, &bit, 33).expect("comparison");
            assert!(
                !cs.is_satisfied().expect("assignment"),
                "e={e} S={s} c={c} r={r} lt={lt}"
            );
        }
    }
    // The true remainder passes (with the honest bit).
    let cs = ConstraintSystem::<Fr>::new_ref();
    let n = FpVar::constant(Fr::from(e << 32));
    let d = witness(&cs, s);
    let (w, _) = div_rem(&n, &d, rem_bits).expect("division");
    let consensus = witness(&cs, c);
    let _ = zkyuma_circuits::gadgets::is_less(&w, &consensus, 33).expect("comparison");
    assert!(cs.is_satisfied().expect("assignment"));
    assert_eq!(value(&w), (e << 32) / s);
}

#[test]
fn row_normalisation_quotient_cannot_wrap() {
    wrapped_quotient_is_caught(1, 3, 0);
    wrapped_quotient_is_caught(65535, 65535 * 256, UNIT);
    wrapped_quotient_is_caught(7, 100, UNIT / 3);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn gadgets_agree_with_native(a in 0u128..=UNIT, b in 0u128..=UNIT, xs in prop::collection::vec(0u128..=UNIT, 1..5),
                                 e in 0u128..=65535, s in 1u128..=(65535 * 64), c in 0u128..=UNIT) {
        // In the circuit an entry never exceeds its row sum.
        let s = s.max(e).max(2);
        let cs = ConstraintSystem::<Fr>::new_ref();
        let (av, bv) = (witness(&cs, a), witness(&cs, b));
        let f = mul_floor(&av, &bv, UNIT, UNIT).expect("floor");
        let g = mul_ceil(&av, &bv, UNIT, UNIT).expect("ceil");
        let t = floor_to_int(&(&av * Fr::from(65535u64)), 65535).expect("to int");
        let d = witness(&cs, s);
        let q = div_trunc(&(&bv * Fr::from(1u64 << 32)), &d, b.saturating_mul(UNIT) / s + 1, s).expect("div");
        let xv: Vec<FpVar<Fr>> = xs.iter().map(|x| witness(&cs, *x)).collect();
        let norm = normalize(&xv, xs.len() as u128 * UNIT).expect("normalize");
        prop_assert!(cs.is_satisfied().expect("assignment"));
        prop_assert_eq!(value(&f), (a * b) >> 32);
        prop_assert_eq!(value(&g), (a * b).div_ceil(UNIT));
        prop_assert_eq!(value(&t), (a * 65535) >> 32);
        prop_assert_eq!(value(&q), (b << 32) / s);
        let total: u128 = xs.iter().sum();
        for (x, n) in xs.iter().zip(&norm) {
            let expected = (x << 32).checked_div(total).unwrap_or(0);
            prop_assert_eq!(value(n), expected);
        }
        if e > 0 {
            wrapped_quotient_is_caught(e, s, c);
        }
    }
}

fn signed_witness(cs: &ConstraintSystemRef<Fr>, x: i128) -> FpVar<Fr> {
    let v = if x >= 0 {
        Fr::from(x as u128)
    } else {
        -Fr::from(x.unsigned_abs())
    };
    FpVar::new_witness(cs.clone(), || Ok(v)).expect("witness")
}

/// Signed floor multiplication (the liquid-alpha sigmoid's `I32F32` products, which floor toward
/// −∞): the native arithmetic shift of the product, for both signs; the quotient moved by one,
/// or past its bits, is refused.
#[test]
fn signed_floor_multiplication_floors_toward_minus_infinity() {
    use zkyuma_circuits::fixed::constraints::mul_floor_signed;
    let unit = 1i128 << 32;
    for (a, b) in [
        (3 * unit / 2, 5 * unit),
        (-3 * unit / 2, 5 * unit),
        (-1, 1),
        (-(unit + 7), unit - 3),
        (unit + 7, -(unit - 3)),
        (-5 * unit, -7 * unit),
        (0, -unit),
    ] {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let (x, y) = (signed_witness(&cs, a), signed_witness(&cs, b));
        let q = mul_floor_signed(&x, &y, 40).expect("product");
        let expected = (a * b) >> 32;
        assert_eq!(
            zkyuma_circuits::gadgets::signed_value(&q),
            expected,
            "{a}·{b}"
        );
        finalize_for_tampering(&cs);
        for delta in [1, -1] {
            assert!(
                !satisfied_with_var_moved(&cs, &q, delta),
                "{a}·{b} moved by {delta}"
            );
        }
    }
    // `|q| < 2^q_bits`: the last quotient on each side holds, the next one is refused.
    let holds = |a: i128, b: i128| {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let (x, y) = (signed_witness(&cs, a), signed_witness(&cs, b));
        let _q = mul_floor_signed(&x, &y, 4).expect("product");
        cs.is_satisfied().expect("assignment")
    };
    assert!(holds(15 * unit, 1));
    assert!(!holds(16 * unit, 1));
    assert!(holds(-16 * unit, 1));
    assert!(!holds(-17 * unit, 1));
}

/// Column normalisation (`safe_div`): each value over the column's sum, a zero column left as
/// it is; every quotient moved by one is refused.
#[test]
fn normalisation_divides_by_the_sum_or_keeps_a_zero_column() {
    let unit = 1u128 << 32;
    for column in [&[3u128, 1, 0][..], &[0, 0], &[5], &[1, 1, 1], &[65535, 1]] {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let xs: Vec<FpVar<Fr>> = column.iter().map(|x| witness(&cs, *x)).collect();
        let total: u128 = column.iter().sum();
        let qs = normalize(&xs, 1 << 17).expect("normalize");
        assert_eq!(qs.len(), column.len());
        for (q, x) in qs.iter().zip(column) {
            let expected = (x * unit).checked_div(total).unwrap_or(*x);
            assert_eq!(value(q), expected, "{column:?}");
        }
        finalize_for_tampering(&cs);
        for q in &qs {
            for delta in [1, -1] {
                if value(q) == 0 && delta < 0 {
                    continue;
                }
                assert!(
                    !satisfied_with_var_moved(&cs, q, delta),
                    "{column:?} moved by {delta}"
                );
            }
        }
    }
}
