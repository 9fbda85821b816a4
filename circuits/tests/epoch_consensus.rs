//! The epoch circuit's consensus core (masks, row normalisation, the weighted-median rule,
//! clipping, validator trust, incentive) agrees bit for bit with the native epoch on the
//! subtensor vectors and on random epochs, and a consensus off by one ulp either way, a weight,
//! a weight or an incentive changed leaves it unsatisfied.
use ark_bn254::Fr;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::ConstraintSystem;
use proptest::prelude::*;
use zkyuma_circuits::fixed::I32F32;
use zkyuma_circuits::yuma::constraints::{consensus_core, ConsensusInputs};
use zkyuma_circuits::yuma::median::{median_bounds, satisfies_bounds, weighted_median_closed_form};
use zkyuma_circuits::yuma::synthetic::SyntheticEpoch;
use zkyuma_circuits::yuma::{run_epoch, EpochInput};

mod common;
use common::{assert_no_free_witness, finalize_for_tampering, fr_bits, satisfied_with_var_moved};

fn all_rows(input: &EpochInput) -> Vec<u16> {
    (0..input.n).collect()
}

fn check(input: &EpochInput, label: &str) {
    check_rows(input, &all_rows(input), label)
}

fn check_rows(input: &EpochInput, rows: &[u16], label: &str) {
    let inputs = ConsensusInputs::from_epoch(input, rows).expect("inputs");
    let out = run_epoch(input).expect("epoch");
    let cs = ConstraintSystem::<Fr>::new_ref();
    let vars = consensus_core(cs.clone(), &inputs).expect("synthesis");
    assert!(
        cs.is_satisfied().expect("assignment"),
        "{label}: {:?}",
        cs.which_is_unsatisfied()
    );
    let values = |v: &[FpVar<Fr>]| {
        v.iter()
            .map(|x| x.value().expect("value"))
            .collect::<Vec<_>>()
    };
    let bits = |v: &[i64]| v.iter().map(|b| fr_bits(*b)).collect::<Vec<_>>();
    assert_eq!(
        values(&vars.consensus),
        bits(&out.consensus_bits),
        "{label} consensus"
    );
    let trust: Vec<i64> = rows
        .iter()
        .map(|u| out.validator_trust_bits[usize::from(*u)])
        .collect();
    assert_eq!(values(&vars.validator_trust), bits(&trust), "{label} trust");
    assert_eq!(
        values(&vars.incentive),
        bits(&out.incentive_bits),
        "{label} incentive"
    );
}

fn vector_inputs() -> Vec<(String, EpochInput)> {
    common::vector_epochs(&[
        "epoch_test_10_graph.json",
        "epoch_test_active_stake.json",
        "epoch_test_bonds.json",
        "epoch_test_yuma_3_kappa_moves_first.json",
        "epoch_test_yuma_3_liquid_alpha_disabled.json",
        "epoch_test_zero_weights.json",
    ])
}

#[test]
fn agrees_with_the_native_epoch_on_every_small_vector() {
    let inputs = vector_inputs();
    assert_eq!(inputs.len(), 32);
    for (label, input) in &inputs {
        check(input, label);
    }
}

#[test]
fn agrees_on_synthetic_epochs() {
    for seed in 0..3 {
        let input = SyntheticEpoch {
            validators: 4,
            uids: 7,
            yuma3: true,
            liquid_alpha: false,
            seed,
        }
        .build();
        check(&input, &format!("synthetic {seed}"));
        // Only the validators' rows: the same results.
        check_rows(&input, &[0, 1, 2, 3], &format!("synthetic {seed}, 4 rows"));
    }
}

#[test]
fn tampering_leaves_the_core_unsatisfied() {
    let input = SyntheticEpoch {
        validators: 4,
        uids: 6,
        yuma3: true,
        liquid_alpha: false,
        seed: 5,
    }
    .build();
    let inputs = ConsensusInputs::from_epoch(&input, &all_rows(&input)).expect("inputs");
    let cs = ConstraintSystem::<Fr>::new_ref();
    let vars = consensus_core(cs.clone(), &inputs).expect("synthesis");
    finalize_for_tampering(&cs);
    for delta in [1, -1] {
        for j in [1, 4] {
            let moved = satisfied_with_var_moved(&cs, &vars.consensus[j], delta);
            assert!(!moved, "consensus {j} {delta:+} ulp");
        }
        assert!(
            !satisfied_with_var_moved(&cs, &vars.weights[1][2], delta),
            "a normalised weight"
        );
        assert!(
            !satisfied_with_var_moved(&cs, &vars.incentive[3], delta),
            "an incentive"
        );
    }
    // Every private witness, changed alone: none is free (weights, comparison bits, quotients…).
    // The public chain state allocated first (masks, stakes, median bounds) is bound by the
    // statement digest instead, so it is skipped.
    let (rows, cols) = (inputs.stored.len(), inputs.consensus.len());
    assert_no_free_witness(&cs, rows * cols + 2 * rows + 3, 400);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn bounded_rule_is_the_median(
        stakes in prop::collection::vec(prop_oneof![Just(0i64), (0i64..4).prop_map(|k| k << 29), 0i64..(1 << 32)], 1..8),
        scores in prop::collection::vec(prop_oneof![0i64..3, 0i64..(1 << 32)], 8),
        kappa in prop_oneof![Just(0i64), Just(1 << 31), Just(1 << 32), 0i64..(1 << 32)],
    ) {
        let stake: Vec<I32F32> = stakes.iter().map(|s| I32F32::from_bits(*s)).collect();
        let column: Vec<I32F32> = scores[..stake.len()].iter().map(|s| I32F32::from_bits(*s)).collect();
        let bounds = median_bounds(&stake, I32F32::from_bits(kappa));
        let used: Vec<(I32F32, I32F32)> = bounds.stake.iter().zip(&column).filter(|(u, _)| **u > I32F32::ZERO).map(|(u, w)| (*u, *w)).collect();
        let (u, w): (Vec<_>, Vec<_>) = used.into_iter().unzip();
        let total = u.iter().fold(I32F32::ZERO, |a, x| a.saturating_add(*x));
        let median = weighted_median_closed_form(&u, &w, total.saturating_sub(I32F32::from_bits(kappa)));
        prop_assert!(satisfies_bounds(&bounds, &column, median));
        for other in &column {
            if *other != median {
                prop_assert!(!satisfies_bounds(&bounds, &column, *other));
            }
        }
    }
}
