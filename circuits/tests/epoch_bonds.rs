//! The epoch circuit's bonds, dividends and emission steps (Yuma3 with a fixed alpha and the
//! original Yuma) agree bit for bit with the native epoch on every applicable subtensor vector and
//! on synthetic epochs, with liquid alpha on every liquid-alpha vector epoch (all three consensus
//! modes) too; changed dividends, emissions or bonds leave the system unsatisfied.
use ark_bn254::Fr;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::{ConstraintSystem, ConstraintSystemRef};
use zkyuma_circuits::yuma::constraints::{
    bonds_and_emission, consensus_core, BondsInputs, BondsVars, ConsensusInputs, EpochCircuitError,
};
use zkyuma_circuits::yuma::synthetic::SyntheticEpoch;
use zkyuma_circuits::yuma::{run_epoch, EpochInput};

mod common;
use ark_ff::Field;
use common::{finalize_for_tampering, fr_bits, satisfied_with, satisfied_with_var_moved, value_of};

fn synthesize(input: &EpochInput, rows: &[u16]) -> (ConstraintSystemRef<Fr>, BondsVars) {
    let bonds_in = BondsInputs::from_epoch(input, rows).expect("bonds inputs");
    synthesize_with(input, rows, &bonds_in)
}

/// [`synthesize`] with the bonds inputs given (changed by a test).
fn synthesize_with(
    input: &EpochInput,
    rows: &[u16],
    bonds_in: &BondsInputs,
) -> (ConstraintSystemRef<Fr>, BondsVars) {
    let core_in = ConsensusInputs::from_epoch(input, rows).expect("inputs");
    let cs = ConstraintSystem::<Fr>::new_ref();
    let core = consensus_core(cs.clone(), &core_in).expect("core");
    let selection: Vec<Vec<Boolean<Fr>>> = rows
        .iter()
        .map(|u| (0..input.n).map(|j| Boolean::constant(j == *u)).collect())
        .collect();
    let vars = bonds_and_emission(cs.clone(), &core, &core.active_stake, bonds_in, &selection)
        .expect("bonds");
    (cs, vars)
}

fn check(input: &EpochInput, label: &str) {
    let rows: Vec<u16> = (0..input.n).collect();
    check_rows(input, &rows, label);
}

fn check_rows(input: &EpochInput, rows: &[u16], label: &str) {
    let out = run_epoch(input).expect("epoch");
    let (cs, vars) = synthesize(input, rows);
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
    let ints = |v: &[u64]| v.iter().map(|x| Fr::from(*x)).collect::<Vec<_>>();
    let dividends: Vec<Fr> = rows
        .iter()
        .map(|u| fr_bits(out.dividends_bits[usize::from(*u)]))
        .collect();
    assert_eq!(values(&vars.dividends), dividends, "{label} dividends");
    assert_eq!(
        values(&vars.server_emission),
        ints(&out.server_emission),
        "{label} server emission"
    );
    assert_eq!(
        values(&vars.validator_emission),
        ints(&out.validator_emission),
        "{label} validator emission"
    );
    assert_eq!(
        values(&vars.emission),
        ints(&out.emission),
        "{label} emission"
    );
    let n = usize::from(input.n);
    for (i, row) in rows
        .iter()
        .map(|u| &out.bonds_out[usize::from(*u)])
        .enumerate()
    {
        let mut dense = vec![Fr::from(0u64); n];
        for (j, b) in row {
            if usize::from(*j) < n {
                dense[usize::from(*j)] = Fr::from(*b);
            }
        }
        assert_eq!(values(&vars.new_bonds[i]), dense, "{label} bonds row {i}");
    }
}

fn applicable_vectors() -> Vec<(String, EpochInput)> {
    common::vector_epochs(&[
        "epoch_test_10_graph.json",
        "epoch_test_active_stake.json",
        "epoch_test_bonds.json",
        "epoch_test_zero_weights.json",
        "epoch_test_yuma_3_liquid_alpha_disabled.json",
    ])
    .into_iter()
    .filter(|(_, input)| !(input.yuma3 && input.liquid_alpha))
    .collect()
}

#[test]
fn agrees_with_every_applicable_vector() {
    let inputs = applicable_vectors();
    assert_eq!(inputs.len(), 24);
    for (label, input) in &inputs {
        check(input, label);
    }
}

#[test]
fn agrees_on_synthetic_epochs_in_both_modes() {
    for seed in 0..3 {
        for yuma3 in [true, false] {
            let mut input = SyntheticEpoch {
                validators: 3,
                uids: 6,
                yuma3,
                liquid_alpha: false,
                seed,
            }
            .build();
            input.bonds_penalty = [65535, 0, 20000][seed as usize];
            check(&input, &format!("synthetic {seed} yuma3={yuma3}"));
            check_rows(
                &input,
                &[0, 1, 2],
                &format!("synthetic {seed} yuma3={yuma3}, 3 rows"),
            );
        }
    }
}

#[test]
fn liquid_alpha_agrees_with_every_liquid_vector_epoch() {
    // Why: a Yuma3 subnet with liquid alpha on must be provable, bit for bit, in every consensus
    // mode (current, previous, auto with both penalties, nothing stored) and on subtensor's own
    // liquid-alpha vectors.
    let mut inputs: Vec<(String, EpochInput)> = common::vector_epochs(&[
        "epoch_test_yuma_3_kappa_moves_first.json",
        "epoch_test_yuma_3_kappa_moves_second.json",
        "epoch_test_yuma_3_one_epoch_switch.json",
    ])
    .into_iter()
    .filter(|(_, input)| input.yuma3 && input.liquid_alpha)
    .collect();
    let modes: serde_json::Value =
        serde_json::from_str(include_str!("vectors/epoch_consensus_modes.json")).expect("json");
    for e in modes["epochs"].as_array().expect("epochs") {
        let input: EpochInput = serde_json::from_value(e["input"].clone()).expect("input");
        inputs.push((e["label"].as_str().expect("label").to_string(), input));
    }
    let mut refused = 0;
    let mut checked = 0;
    for (label, input) in &inputs {
        assert!(input.liquid_alpha, "{label}");
        let rows: Vec<u16> = (0..input.n).collect();
        match BondsInputs::from_epoch(input, &rows) {
            Err(EpochCircuitError::LiquidAlphaRow { .. }) => refused += 1,
            _ => {
                check(input, label);
                checked += 1;
            }
        }
    }
    // Subtensor's kappa vectors store explicit zero weights under bonds penalty 0: refused by
    // name; everything else proves.
    assert!(
        checked >= 16 && refused >= 1,
        "{checked} checked, {refused} refused"
    );
}

#[test]
fn liquid_alpha_agrees_on_synthetic_epochs() {
    for seed in 0..3 {
        let mut input = SyntheticEpoch {
            validators: 3,
            uids: 6,
            yuma3: true,
            liquid_alpha: true,
            seed,
        }
        .build();
        input.bonds_penalty = [65535, 0, 20000][seed as usize];
        input.alpha_sigmoid_steepness = [1000, -3000, 32767][seed as usize];
        check(&input, &format!("liquid synthetic {seed}"));
    }
}

#[test]
fn inverted_liquid_alpha_bounds_are_refused() {
    let mut input = SyntheticEpoch {
        validators: 3,
        uids: 6,
        yuma3: true,
        liquid_alpha: true,
        seed: 1,
    }
    .build();
    input.alpha_low = 50000;
    input.alpha_high = 40000;
    assert!(matches!(
        BondsInputs::from_epoch(&input, &[0, 1, 2, 3, 4, 5]),
        Err(EpochCircuitError::LiquidAlphaBounds {
            low: 50000,
            high: 40000
        })
    ));
    // Rows that leave out a uid holding weights are refused.
    let input = SyntheticEpoch {
        validators: 3,
        uids: 6,
        yuma3: true,
        liquid_alpha: false,
        seed: 1,
    }
    .build();
    assert!(matches!(
        ConsensusInputs::from_epoch(&input, &[0, 1]),
        Err(EpochCircuitError::RowOutsideShape { uid: 2, .. })
    ));
    // A negative EMA rate (bonds moving average above 10^6) is refused by name.
    let mut input = input;
    input.bonds_moving_average = 1_000_001;
    let err = BondsInputs::from_epoch(&input, &[0, 1, 2, 3, 4, 5]).expect_err("refused");
    assert!(matches!(err, EpochCircuitError::NegativeAlpha(1_000_001)));
    assert!(err
        .to_string()
        .contains("not supported by the epoch circuit"));
}

#[test]
fn tampered_outputs_and_private_witnesses_are_caught() {
    for yuma3 in [true, false] {
        let mut input = SyntheticEpoch {
            validators: 3,
            uids: 5,
            yuma3,
            liquid_alpha: false,
            seed: 9,
        }
        .build();
        input.bonds_penalty = 30000;
        let rows: Vec<u16> = (0..input.n).collect();
        let (cs, vars) = synthesize(&input, &rows);
        finalize_for_tampering(&cs);
        for delta in [1, -1] {
            assert!(
                !satisfied_with_var_moved(&cs, &vars.dividends[1], delta),
                "a dividend"
            );
            assert!(
                !satisfied_with_var_moved(&cs, &vars.server_emission[3], delta),
                "a server emission"
            );
            assert!(
                !satisfied_with_var_moved(&cs, &vars.emission[0], delta),
                "an emission"
            );
            // A previous bond stays a u16 (its bits): move it only within 0..=65535.
            let bond = vars.old_bonds[0][2].value().expect("bond");
            let at_edge =
                (delta < 0 && bond == Fr::from(0u64)) || (delta > 0 && bond == Fr::from(65535u64));
            let inside = !at_edge;
            if inside {
                assert!(
                    !satisfied_with_var_moved(&cs, &vars.old_bonds[0][2], delta),
                    "a previous bond"
                );
            }
        }
        // Yuma3's second EMA floor carries no quotient range check: moved alone it breaks its
        // product; moved with another remainder (the field quotient of that remainder) it makes
        // the EMA a non-integer, which the bond quantisation refuses.
        if yuma3 {
            let unit = Fr::from(1u64 << 32);
            let unit_inv = unit.inverse().expect("2^32");
            let mut moves = 0;
            for row in &vars.ema_second_floor {
                for (q, r) in row {
                    for delta in [1, -1] {
                        assert!(!satisfied_with_var_moved(&cs, q, delta), "q2 {delta:+}");
                    }
                    let product = value_of(q) * unit + value_of(r);
                    for other in [0u64, 1, 12345, (1 << 32) - 1] {
                        if Fr::from(other) == value_of(r) {
                            continue;
                        }
                        let wrapped = (product - Fr::from(other)) * unit_inv;
                        moves += 1;
                        assert!(
                            !satisfied_with(&cs, &[(q, wrapped), (r, Fr::from(other))]),
                            "wrapped second floor"
                        );
                    }
                }
            }
            assert!(moves > 0);
        } else {
            assert!(vars.ema_second_floor.is_empty());
        }
        // Free private witnesses are sampled over the whole epoch circuit (tests/epoch_circuit.rs),
        // where the commitments also bind the stored rows this part leaves partly unused.
    }
}

/// The EMA rate is range-checked in the circuit (0 <= α <= 1): an α above 1 (whose 1 − α would
/// be negative) leaves the system unsatisfied even though every value is computed from it.
#[test]
fn an_ema_rate_above_one_is_unsatisfiable() {
    let input = SyntheticEpoch {
        validators: 2,
        uids: 3,
        yuma3: true,
        liquid_alpha: false,
        seed: 4,
    }
    .build();
    let rows: Vec<u16> = (0..input.n).collect();
    for (alpha, ok) in [((1i64 << 32) + 1, false), (1i64 << 32, true), (0, true)] {
        let mut bonds_in = BondsInputs::from_epoch(&input, &rows).expect("bonds inputs");
        bonds_in.alpha = zkyuma_circuits::fixed::I32F32::from_bits(alpha);
        let (cs, _) = synthesize_with(&input, &rows, &bonds_in);
        assert_eq!(
            cs.is_satisfied().expect("assignment"),
            ok,
            "alpha bits {alpha}"
        );
    }
}

/// A uid registered at the bonds cutoff block itself has its bonds dropped, one registered the
/// block before keeps them (`cutoff > registration`), in every bonds rule; and liquid alpha over
/// an epoch whose consensus is all zero falls back to the fixed alpha, as the chain does. The
/// circuit agrees with the native epoch on each. (Mutation testing found both boundaries
/// unchecked.)
#[test]
fn bonds_boundaries_agree_with_the_native_epoch() {
    for (yuma3, liquid_alpha) in [(true, false), (false, false), (true, true)] {
        for seed in 0..2 {
            let base = SyntheticEpoch {
                validators: 3,
                uids: 6,
                yuma3,
                liquid_alpha,
                seed,
            }
            .build();
            let cutoff = base.bonds_cutoff_block();
            for (uid, registered) in [(4usize, cutoff), (5, cutoff - 1), (3, cutoff + 1)] {
                let mut input = base.clone();
                input.block_at_registration[uid] = registered;
                let label = format!(
                    "yuma3={yuma3} liquid={liquid_alpha} seed {seed}: uid {uid} at {registered}"
                );
                assert!(
                    input.bonds[..3]
                        .iter()
                        .flatten()
                        .any(|(j, b)| usize::from(*j) == uid && *b > 0)
                        || uid == 3,
                    "{label}: the uid holds bonds to drop"
                );
                check(&input, &label);
            }
            // No weights: the consensus is all zero.
            let mut empty = base.clone();
            empty.weights.iter_mut().for_each(Vec::clear);
            check(
                &empty,
                &format!("yuma3={yuma3} liquid={liquid_alpha} seed {seed}: no weights"),
            );
        }
    }
}

/// The previous permit each row's bonds rule reads: the stored permit, or the subnet owner's
/// uid (which holds one whatever its stake). Rows without either, and the owner's row without a
/// stored permit, agree with the native epoch. (Mutation testing found the owner's clause
/// unchecked.)
#[test]
fn the_owner_keeps_a_previous_permit() {
    for yuma3 in [true, false] {
        let mut input = SyntheticEpoch {
            validators: 3,
            uids: 6,
            yuma3,
            liquid_alpha: false,
            seed: 4,
        }
        .build();
        assert!(!input.validator_permit[5] && !input.validator_permit[4]);
        // Rows without a permit now that hold bonds from before: what they keep depends on the
        // previous permit.
        input.bonds[4] = vec![(0, 30000), (3, 12)];
        input.bonds[5] = vec![(1, 40000)];
        for owner in [Some(5), Some(4), Some(0), None] {
            input.owner_uid = owner;
            check(&input, &format!("yuma3={yuma3}, owner {owner:?}"));
        }
    }
}
