//! The R1CS primitives of `gadgets.rs`, each on its own: the value it computes, the inputs at
//! its bounds (the last one accepted, the first one refused) and its witnesses moved alone.
//! Every other circuit is built from these, so each rule is pinned here where it is written.
mod common;

use ark_bn254::Fr;
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::{ConstraintSystem, ConstraintSystemRef, SynthesisError};
use common::{finalize_for_tampering, witness_index};
use common::{fr_bits, satisfied_with, satisfied_with_var_moved, satisfied_with_witness_moved};
use zkyuma_circuits::gadgets::{
    alloc_bits, div_rem, div_rem_bounded, enforce_below, enforce_below_const, enforce_less_bit,
    enforce_range, from_bits_le, is_equal, is_less, is_less_signed, is_zero, materialize,
    pack_le_vars, signed_value, sum, weighted_sum,
};

fn witness(cs: &ConstraintSystemRef<Fr>, x: i64) -> FpVar<Fr> {
    FpVar::new_witness(cs.clone(), || Ok(fr_bits(x))).expect("witness")
}

fn constant(x: i64) -> FpVar<Fr> {
    FpVar::Constant(fr_bits(x))
}

/// Whether `rule` holds of witnesses `xs`, in a fresh system.
fn holds(xs: &[i64], rule: impl FnOnce(&[FpVar<Fr>]) -> Result<(), SynthesisError>) -> bool {
    let cs = ConstraintSystem::<Fr>::new_ref();
    let vars: Vec<FpVar<Fr>> = xs.iter().map(|x| witness(&cs, *x)).collect();
    rule(&vars).expect("synthesis");
    cs.is_satisfied().expect("assignment")
}

fn value(x: &FpVar<Fr>) -> Fr {
    x.value().expect("value")
}

#[test]
fn sums_carry_constants_and_variables() {
    let cs = ConstraintSystem::<Fr>::new_ref();
    let (a, b) = (witness(&cs, 7), witness(&cs, -2));
    let mixed = weighted_sum([
        (Fr::from(2u64), constant(5)),
        (Fr::from(3u64), a.clone()),
        (Fr::from(4u64), constant(1)),
        (Fr::from(10u64), b.clone()),
    ]);
    assert_eq!(value(&mixed), fr_bits(2 * 5 + 3 * 7 + 4 - 20));
    assert!(matches!(mixed, FpVar::Var(_)));
    let only_constants = weighted_sum([
        (Fr::from(6u64), constant(7)),
        (Fr::from(1u64), constant(-2)),
    ]);
    assert!(matches!(only_constants, FpVar::Constant(c) if c == fr_bits(40)));
    let only_variables = weighted_sum([(Fr::from(5u64), a.clone())]);
    assert_eq!(value(&only_variables), fr_bits(35));
    assert_eq!(
        value(&sum([a.clone(), b.clone(), constant(9)])),
        fr_bits(14)
    );
    assert!(matches!(sum([]), FpVar::Constant(c) if c == fr_bits(0)));
    // Used in a constraint, the sum is the value it claims.
    let claimed = witness(&cs, 2 * 5 + 3 * 7 + 4 - 20);
    mixed.enforce_equal(&claimed).expect("enforce");
    finalize_for_tampering(&cs);
    assert!(!satisfied_with_var_moved(&cs, &claimed, 1));
    assert!(!satisfied_with_var_moved(&cs, &a, 1));
}

#[test]
fn materialize_copies_a_variable_and_keeps_a_constant() {
    let cs = ConstraintSystem::<Fr>::new_ref();
    let x = witness(&cs, 11) + witness(&cs, 4);
    let copy = materialize(&x).expect("copy");
    assert_eq!(value(&copy), fr_bits(15));
    assert!(matches!(materialize(&constant(3)), Ok(FpVar::Constant(c)) if c == fr_bits(3)));
    finalize_for_tampering(&cs);
    assert!(!satisfied_with_var_moved(&cs, &copy, 1));
}

#[test]
fn bits_and_ranges() {
    let cs = ConstraintSystem::<Fr>::new_ref();
    let bits = alloc_bits(cs.clone(), Fr::from(0b1011u64), 6).expect("bits");
    let got: Vec<bool> = bits.iter().map(|b| b.value().expect("bit")).collect();
    assert_eq!(got, [true, true, false, true, false, false]);
    assert_eq!(value(&from_bits_le(&bits)), Fr::from(11u64));
    assert_eq!(
        value(&from_bits_le(&[
            Boolean::TRUE,
            Boolean::FALSE,
            Boolean::TRUE
        ])),
        Fr::from(5u64)
    );
    // A bit is a bit.
    let index = match FpVar::from(bits[2].clone()) {
        v @ FpVar::Var(_) => witness_index(&v),
        FpVar::Constant(_) => panic!("a witness bit"),
    };
    assert!(cs.is_satisfied().expect("assignment"));
    assert!(!satisfied_with_witness_moved(&cs, index, 2));
    for n in [1usize, 8, 33] {
        let top = (1i64 << n) - 1;
        assert!(holds(&[top], |x| enforce_range(&x[0], n).map(|_| ())));
        assert!(!holds(&[top + 1], |x| enforce_range(&x[0], n).map(|_| ())));
        assert!(!holds(&[-1], |x| enforce_range(&x[0], n).map(|_| ())));
        assert!(holds(&[0], |x| enforce_range(&x[0], n).map(|_| ())));
    }
}

#[test]
fn below_a_bound() {
    for (bound, n) in [(1u128, 1usize), (5, 3), (8, 3), (65536, 16)] {
        let b = bound as i64;
        assert!(holds(&[b - 1], |x| enforce_below_const(&x[0], bound, n)));
        assert!(holds(&[0], |x| enforce_below_const(&x[0], bound, n)));
        assert!(!holds(&[b], |x| enforce_below_const(&x[0], bound, n)));
        assert!(!holds(&[-1], |x| enforce_below_const(&x[0], bound, n)));
        assert!(holds(&[b - 1, b], |x| enforce_below(&x[0], &x[1], n)));
        assert!(!holds(&[b, b], |x| enforce_below(&x[0], &x[1], n)));
        assert!(!holds(&[-1, b], |x| enforce_below(&x[0], &x[1], n)));
    }
}

#[test]
fn division_with_remainder() {
    for bounded in [None, Some(None), Some(Some(6usize))] {
        for (num, den) in [(17i64, 5i64), (0, 3), (4, 4), (63 * 7 + 6, 7)] {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let (n, d) = (witness(&cs, num), witness(&cs, den));
            let (q, r) = match bounded {
                None => div_rem(&n, &d, 3),
                Some(q_bits) => div_rem_bounded(&n, &d, 3, q_bits),
            }
            .expect("division");
            assert_eq!(
                (value(&q), value(&r)),
                (fr_bits(num / den), fr_bits(num % den))
            );
            finalize_for_tampering(&cs);
            // The same product with the remainder one divisor larger or smaller is refused
            // (where the remainder's bits can hold it at all).
            let (qv, rv) = (num / den, num % den);
            let fits = |r: i64| bounded.is_none() || (0..8).contains(&r);
            if qv >= 1 && fits(rv + den) {
                assert!(!satisfied_with(
                    &cs,
                    &[(&q, fr_bits(qv - 1)), (&r, fr_bits(rv + den))]
                ));
            }
            if qv + 1 < 64 && fits(rv - den) {
                assert!(!satisfied_with(
                    &cs,
                    &[(&q, fr_bits(qv + 1)), (&r, fr_bits(rv - den))]
                ));
            }
            if qv + 1 < 64 {
                assert!(!satisfied_with_var_moved(&cs, &q, 1));
            }
        }
    }
    // A quotient past its bits is refused even when the product holds.
    assert!(holds(&[63 * 5, 5], |x| div_rem_bounded(
        &x[0],
        &x[1],
        3,
        Some(6)
    )
    .map(|_| ())));
    assert!(!holds(&[64 * 5, 5], |x| div_rem_bounded(
        &x[0],
        &x[1],
        3,
        Some(6)
    )
    .map(|_| ())));
    // A zero divisor (and key generation, where every value is 0) gives the witness (0, 0) and
    // an unsatisfied system, not a panic.
    for q_bits in [None, Some(6)] {
        assert!(!holds(&[17, 0], |x| div_rem_bounded(
            &x[0], &x[1], 3, q_bits
        )
        .map(|_| ())));
    }
    assert!(!holds(&[17, 0], |x| div_rem(&x[0], &x[1], 3).map(|_| ())));
    assert!(!holds(&[0, 0], |x| div_rem(&x[0], &x[1], 3).map(|_| ())));
    let setup = ConstraintSystem::<Fr>::new_ref();
    setup.set_mode(ark_relations::gr1cs::SynthesisMode::Setup);
    let (n, d) = (
        FpVar::new_witness(setup.clone(), || Ok(Fr::from(0u64))).expect("n"),
        FpVar::new_witness(setup.clone(), || Ok(Fr::from(0u64))).expect("d"),
    );
    let (_q, _r) = div_rem(&n, &d, 3).expect("setup synthesis");
    let (_q, _r) = div_rem_bounded(&n, &d, 3, Some(6)).expect("setup synthesis");
    // The largest divisor the remainder's bits admit, with the largest remainder.
    assert!(holds(&[23, 8], |x| div_rem(&x[0], &x[1], 3).map(|_| ())));
    assert!(holds(&[23, 8], |x| div_rem_bounded(&x[0], &x[1], 3, None)
        .map(|_| ())));
}

#[test]
fn zero_and_equality_tests() {
    for (x, zero) in [(0i64, true), (3, false), (-1, false)] {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let v = witness(&cs, x);
        let b = is_zero(&v).expect("is_zero");
        assert_eq!(b.value().expect("bit"), zero);
        let e = is_equal(&v, &witness(&cs, 3)).expect("is_equal");
        assert_eq!(e.value().expect("bit"), x == 3);
        finalize_for_tampering(&cs);
        // Every witness past the inputs (the bits and the inverses) moved alone is caught.
        for i in 2..cs.num_witness_variables() {
            let w = cs.borrow().expect("cs").assignments.witness_assignment[i];
            let delta = if w == Fr::from(1u64) { -1 } else { 1 };
            assert!(
                !satisfied_with_witness_moved(&cs, i, delta),
                "x = {x}: witness {i}"
            );
        }
    }
    // Outside a constraint system, a constant.
    assert!(matches!(is_zero(&constant(0)), Ok(b) if b.value() == Ok(true)));
    assert!(matches!(is_zero(&constant(2)), Ok(b) if b.value() == Ok(false)));
}

type Comparison = fn(&FpVar<Fr>, &FpVar<Fr>, usize) -> Result<Boolean<Fr>, SynthesisError>;

/// `compare(a, b)` is `[a < b]`, and its bit flipped is refused.
fn compares(compare: Comparison, a: i64, b: i64) {
    let cs = ConstraintSystem::<Fr>::new_ref();
    let (x, y) = (witness(&cs, a), witness(&cs, b));
    let lt = compare(&x, &y, 8).expect("comparison");
    assert_eq!(lt.value().expect("bit"), a < b, "{a} < {b}");
    let index = witness_index(&FpVar::from(lt));
    finalize_for_tampering(&cs);
    let flip = if a < b { -1 } else { 1 };
    assert!(
        !satisfied_with_witness_moved(&cs, index, flip),
        "{a} < {b} flipped"
    );
}

#[test]
fn comparisons() {
    for (a, b) in [(3i64, 5i64), (5, 5), (6, 5), (0, 255), (255, 0)] {
        compares(is_less, a, b);
    }
    for (a, b) in [(-3i64, 2i64), (2, -3), (-4, -4), (-10, -9), (7, -100)] {
        assert_eq!(signed_value(&constant(a)), i128::from(a));
        compares(is_less_signed, a, b);
    }
    // Far from zero, a field element reads as 0.
    assert_eq!(signed_value(&FpVar::Constant(Fr::from(1u128 << 127))), 0);
    assert_eq!(signed_value(&FpVar::Constant(-Fr::from(1u128 << 127))), 0);
    assert_eq!(
        signed_value(&FpVar::Constant(Fr::from((1u128 << 126) - 1))),
        (1 << 126) - 1
    );
    // The comparison also bounds `a` to `[b − 2^bits, b + 2^bits)`, whatever the bit says.
    let rule = |lt: bool| {
        move |x: &[FpVar<Fr>]| {
            let cs = x[0].cs();
            let bit = Boolean::new_witness(cs, || Ok(lt))?;
            enforce_less_bit(&x[0], &x[1], &bit, 4)
        }
    };
    assert!(holds(&[100 + 15, 100], rule(false)));
    assert!(!holds(&[100 + 16, 100], rule(false)));
    assert!(holds(&[100 - 16, 100], rule(true)));
    assert!(!holds(&[100 - 17, 100], rule(true)));
    assert!(!holds(&[100, 100], rule(true)));
    assert!(!holds(&[99, 100], rule(false)));
}

#[test]
fn packing_is_little_endian() {
    let cs = ConstraintSystem::<Fr>::new_ref();
    let xs: Vec<FpVar<Fr>> = [1i64, 2, 3, 65535, 9]
        .iter()
        .map(|x| witness(&cs, *x))
        .collect();
    let packed = pack_le_vars(&xs, 16, 2);
    let values: Vec<Fr> = packed.iter().map(value).collect();
    let expected = zkyuma_circuits::field::pack_le(&[1, 2, 3, 65535, 9], 16, 2);
    assert_eq!(values, expected);
    assert_eq!(
        values,
        [
            Fr::from(1u64 + (2u64 << 16)),
            Fr::from(3u64 + (65535u64 << 16)),
            Fr::from(9u64)
        ]
    );
}
