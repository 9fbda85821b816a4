//! Property tests: the closed-form consensus equals the chain's quickselect, satisfies the median
//! rule uniquely, and the epoch never panics and stays within its invariants on random inputs.
use proptest::prelude::*;
use zkyuma_circuits::fixed::I32F32;
use zkyuma_circuits::weights::{stored_weight_row, u16_max_upscale};
use zkyuma_circuits::yuma::median::{
    is_weighted_median, weighted_median_closed_form, weighted_median_quickselect, MedianAlgorithm,
};
use zkyuma_circuits::yuma::synthetic::SyntheticEpoch;
use zkyuma_circuits::yuma::{run_epoch, run_epoch_traced, EpochInput};

/// Scores drawn from a few distinct values so ties are common; stakes often multiples of 1/8 so
/// that `m` lands exactly on a partial stake sum (the boundary of the rule).
fn column() -> impl Strategy<Value = (Vec<I32F32>, Vec<I32F32>)> {
    (1usize..12).prop_flat_map(|n| {
        (
            prop::collection::vec(
                prop_oneof![Just(0i64), (0i64..4).prop_map(|k| k << 29), 0i64..(1 << 32)],
                n,
            ),
            prop::collection::vec(prop_oneof![0i64..4, 0i64..(1 << 32)], n),
        )
            .prop_map(|(st, sc)| {
                (
                    st.into_iter().map(I32F32::from_bits).collect(),
                    sc.into_iter().map(|v| I32F32::from_bits(v << 8)).collect(),
                )
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn closed_form_equals_quickselect(
        (stake, score) in column(),
        m in prop_oneof![(-2i64..40).prop_map(|j| j << 29), -(1i64 << 33)..(1i64 << 34)],
    ) {
        let minority = I32F32::from_bits(m);
        let total = stake.iter().fold(I32F32::ZERO, |a, s| a.saturating_add(*s));
        let idx: Vec<usize> = (0..stake.len()).collect();
        let chain = weighted_median_quickselect(&stake, &score, &idx, minority, I32F32::ZERO, total);
        let closed = weighted_median_closed_form(&stake, &score, minority);
        prop_assert_eq!(chain, closed);
        prop_assert!(is_weighted_median(&stake, &score, minority, closed));
        // Unique: no other score of the column satisfies the rule.
        for s in &score {
            if *s != closed {
                prop_assert!(!is_weighted_median(&stake, &score, minority, *s));
            }
        }
    }

    #[test]
    fn set_weights_row_keeps_order_and_maximum(values in prop::collection::vec(any::<u16>(), 1..40)) {
        let uids: Vec<u16> = (0..values.len() as u16).rev().collect();
        let row = stored_weight_row(&uids, &values, 64).expect("valid row");
        prop_assert_eq!(row.iter().map(|(u, _)| *u).collect::<Vec<_>>(), uids);
        let up = u16_max_upscale(&values);
        if values.iter().any(|v| *v > 0) {
            prop_assert_eq!(up.iter().max().copied(), Some(65535));
        }
        // Order is preserved (up to rounding): a larger input never gets a smaller output.
        for (a, b) in values.iter().zip(&values[1..]) {
            let (ia, ib) = (values.iter().position(|x| x == a).unwrap_or(0), values.iter().position(|x| x == b).unwrap_or(0));
            if a < b { prop_assert!(up[ia] <= up[ib]); }
        }
    }
}

/// Random but valid epoch inputs: any masks, permits, stakes, parameters and sparse rows.
fn epoch_input() -> impl Strategy<Value = EpochInput> {
    (1u16..24).prop_flat_map(|n| {
        let nu = usize::from(n);
        let row = prop::collection::vec((0u16..n + 2, any::<u16>()), 0..(nu + 2));
        (
            (
                prop::collection::vec(0u64..40, nu),
                prop::collection::vec(0u64..40, nu),
                prop::collection::vec(
                    prop_oneof![Just(0u64), 0u64..1_000, any::<u64>().prop_map(|s| s >> 8)],
                    nu,
                ),
                prop::collection::vec(any::<bool>(), nu),
                prop::collection::vec(row.clone(), nu),
                prop::collection::vec(row, nu),
            ),
            (
                any::<u16>(),
                any::<u16>(),
                0u64..=1_000_000,
                any::<bool>(),
                any::<bool>(),
                (any::<u16>(), any::<u16>(), any::<i16>()),
                (
                    0u64..60,
                    0u64..40,
                    0u64..50,
                    0u16..30,
                    prop::option::of(0u16..n + 1),
                ),
                prop::option::of(prop::collection::vec(prop::option::of(0u64..40), nu)),
                any::<u64>(),
            ),
        )
            .prop_map(
                move |(
                    (lu, reg, stake, permit, weights, bonds),
                    (
                        kappa,
                        bp,
                        bma,
                        y3,
                        la,
                        (lo, hi, steep),
                        (cb, cutoff, tempo, maxv, owner),
                        crc,
                        rao,
                    ),
                )| EpochInput {
                    n,
                    current_block: cb,
                    tempo,
                    activity_cutoff_blocks: cutoff,
                    last_mechanism_step_block: if cb % 3 == 0 { 0 } else { cb / 2 },
                    last_update: lu,
                    block_at_registration: reg,
                    stake,
                    stake_threshold: if cb % 2 == 0 { 0 } else { 500 },
                    owner_uid: owner,
                    validator_permit: permit,
                    max_allowed_validators: maxv,
                    weights,
                    bonds,
                    kappa,
                    bonds_penalty: bp,
                    bonds_moving_average: bma,
                    yuma3: y3,
                    liquid_alpha: la,
                    alpha_low: lo.min(hi),
                    alpha_high: hi.max(lo),
                    alpha_sigmoid_steepness: steep,
                    rao_emission: rao,
                    commit_reveal_commit_blocks: crc,
                    ..EpochInput::default_modes()
                },
            )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn epoch_is_total_and_both_medians_agree(input in epoch_input()) {
        let a = run_epoch_traced(&input, MedianAlgorithm::ClosedForm).expect("valid input");
        let b = run_epoch_traced(&input, MedianAlgorithm::Quickselect).expect("valid input");
        prop_assert_eq!(&a.output, &b.output);
        let out = a.output;
        let n = usize::from(input.n);
        prop_assert_eq!(out.consensus_u16.len(), n);
        prop_assert_eq!(out.bonds_out.len(), n);
        // Emission never exceeds the epoch's emission (every share is a floor of a proportion).
        let total: u128 = out.emission.iter().map(|e| u128::from(*e)).sum();
        prop_assert!(total <= u128::from(input.rao_emission) + n as u128);
        // Consensus is one of the column's (normalised) weights, so at most 1.
        for c in &out.consensus_bits {
            prop_assert!(*c >= 0 && *c <= 1 << 32);
        }
    }
}

#[test]
fn synthetic_network_epochs_agree_across_median_algorithms() {
    // The benchmark shapes in every bonds mode, several seeds.
    for seed in 0..3 {
        for (yuma3, liquid_alpha) in [(true, false), (true, true), (false, false)] {
            let input = SyntheticEpoch {
                validators: 16,
                uids: 64,
                yuma3,
                liquid_alpha,
                seed,
            }
            .build();
            let a = run_epoch_traced(&input, MedianAlgorithm::ClosedForm).expect("valid");
            let b = run_epoch_traced(&input, MedianAlgorithm::Quickselect).expect("valid");
            assert_eq!(a.output, b.output);
            assert!(
                a.output.incentive_bits.iter().any(|x| *x > 0),
                "miners earn incentive"
            );
            assert!(
                a.output.dividends_bits.iter().any(|x| *x > 0),
                "validators earn dividends"
            );
        }
    }
}

#[test]
fn large_subnet_runs() {
    // n = 4096 (the CLI's advertised limit) completes and keeps the output shape.
    let input = SyntheticEpoch {
        validators: 64,
        uids: 4096,
        yuma3: true,
        liquid_alpha: false,
        seed: 1,
    }
    .build();
    let out = run_epoch(&input).expect("valid");
    assert_eq!(out.emission.len(), 4096);
}
