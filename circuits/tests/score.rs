//! The score circuit: an honest round satisfies it and agrees with the native reference; every
//! kind of witness, every internal value and every statement field, once changed, leaves it
//! unsatisfied; random rounds agree with the reference.
use ark_bn254::Fr;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem, ConstraintSystemRef};
use proptest::prelude::*;
use zkyuma_circuits::score::constraints::{ScoreCircuit, ScoreVars};
use zkyuma_circuits::score::{
    evaluate, MinerAnswer, Record, ScoreRound, ScoreStatement, ScoreWitness, WeightsBinding,
    WeightsMode, PUBLIC_INPUTS,
};
use zkyuma_circuits::scoring::{Accuracy, Mse, Scoring, ScoringFunction, ScoringGadget};

/// One named change to a value.
type Tamper<T> = Box<dyn Fn(&mut T)>;

/// A small round: `miners` miners, 3 samples, depth 3, 6 records.
fn round(
    miners: usize,
    mode: WeightsMode,
    seed: u8,
    outputs: &dyn Fn(usize, usize) -> u16,
) -> ScoreRound {
    let records: Vec<Record> = (0..6)
        .map(|r| Record {
            features: vec![r as i64 * 1000 - 2500, 7 * r as i64, 65536],
            label: (r as u16) * 9000 + 1000,
        })
        .collect();
    ScoreRound {
        netuid: 7,
        epoch: 42,
        validator_hotkey: [seed; 32],
        depth: 3,
        mode,
        sample_seed: [seed.wrapping_add(1); 32],
        records,
        samples: 3,
        miners: (0..miners)
            .map(|i| {
                Some(MinerAnswer {
                    outputs: (0..3).map(|k| outputs(i, k)).collect(),
                    blinding: Fr::from(1000 + i as u64),
                })
            })
            .collect(),
        weight_blinding: Fr::from(99u64),
    }
}

fn default_outputs(i: usize, k: usize) -> u16 {
    (i as u16) * 7000 + (k as u16) * 11000 + 500
}

/// Synthesized through the entry point the prover calls (`generate_constraints`), so a circuit
/// whose entry point generates nothing fails every negative test here (mutation testing found
/// it untested).
fn satisfied<S: ScoringGadget + Clone>(circuit: &ScoreCircuit<S>) -> bool {
    let cs = ConstraintSystem::<Fr>::new_ref();
    circuit
        .clone()
        .generate_constraints(cs.clone())
        .expect("synthesis");
    assert!(cs.num_constraints() > 0, "no constraints generated");
    let ok = cs.is_satisfied().expect("assignment present");
    if !ok {
        eprintln!(
            "unsatisfied: {:?}",
            cs.which_is_unsatisfied().ok().flatten()
        );
    }
    ok
}

mod common;

/// Synthesize, prepare for tampering, let `tamper` edit the assignment and report whether the
/// system is still satisfied.
fn satisfied_after<S: ScoringGadget>(
    circuit: &ScoreCircuit<S>,
    tamper: impl FnOnce(&ConstraintSystemRef<Fr>, &ScoreVars),
) -> bool {
    let cs = ConstraintSystem::<Fr>::new_ref();
    let vars = circuit.synthesize(cs.clone()).expect("synthesis");
    common::finalize_for_tampering(&cs);
    tamper(&cs, &vars);
    cs.is_satisfied().expect("assignment")
}

fn bump_witness(cs: &ConstraintSystemRef<Fr>, var: &FpVar<Fr>, delta: i64) {
    let idx = common::witness_index(var);
    cs.borrow_mut()
        .expect("constraint system")
        .assignments
        .witness_assignment[idx] += common::fr_bits(delta);
}

fn set_public_inputs(cs: &ConstraintSystemRef<Fr>, inputs: &[Fr]) {
    let mut inner = cs.borrow_mut().expect("constraint system");
    inner.assignments.instance_assignment[1..=inputs.len()].copy_from_slice(inputs);
}

fn build<S: ScoringGadget + Clone>(
    r: &ScoreRound,
    scoring: S,
) -> (ScoreStatement, ScoreWitness, ScoreCircuit<S>) {
    let (statement, witness, _) = r.build(&scoring, [5; 32]).expect("honest round");
    let circuit = ScoreCircuit {
        statement: statement.clone(),
        witness: witness.clone(),
        scoring,
    };
    (statement, witness, circuit)
}

#[test]
fn honest_round_satisfies_and_matches_the_reference() {
    for mode in [WeightsMode::Hidden, WeightsMode::Public] {
        for scoring in [Scoring::Mse { amplification: 16 }, Scoring::Accuracy] {
            let r = round(4, mode, 3, &default_outputs);
            let (statement, witness, circuit) = build(&r, scoring);
            let eval = evaluate(&statement, &witness, &scoring).expect("reference accepts");
            let cs = ConstraintSystem::<Fr>::new_ref();
            let vars = circuit.synthesize(cs.clone()).expect("synthesis");
            assert!(
                cs.is_satisfied().expect("assignment"),
                "{:?}",
                cs.which_is_unsatisfied()
            );
            let value = |v: &FpVar<Fr>| v.value().expect("value");
            let scores: Vec<Fr> = eval.scores.iter().map(|s| Fr::from(*s)).collect();
            let row: Vec<Fr> = eval.row.iter().map(|s| Fr::from(*s)).collect();
            assert_eq!(vars.scores.iter().map(value).collect::<Vec<_>>(), scores);
            assert_eq!(vars.row.iter().map(value).collect::<Vec<_>>(), row);
            assert_eq!(
                vars.inputs.iter().map(value).collect::<Vec<_>>(),
                statement.public_inputs()
            );
            assert_eq!(
                cs.num_instance_variables(),
                1 + PUBLIC_INPUTS,
                "six public inputs (plus the constant 1)"
            );
            if eval.scores.iter().any(|s| *s > 0) {
                assert!(
                    eval.row.contains(&65535),
                    "the best miner gets the maximum weight"
                );
            }
        }
    }
}

#[test]
fn tampered_witness_leaves_the_circuit_unsatisfied() {
    let r = round(4, WeightsMode::Hidden, 3, &default_outputs);
    let (_, witness, circuit) = build(&r, Mse::DEFAULT);
    let cases: Vec<(&str, Tamper<ScoreWitness>)> = vec![
        ("one output value", Box::new(|w| w.outputs[2][1] += 1)),
        ("one output value down", Box::new(|w| w.outputs[0][0] -= 1)),
        (
            "a miner blinding",
            Box::new(|w| w.blindings[1] += Fr::from(1u64)),
        ),
        ("a label", Box::new(|w| w.labels[0] += 1)),
        (
            "a features digest",
            Box::new(|w| w.features_digests[2] += Fr::from(1u64)),
        ),
        (
            "a Merkle path node",
            Box::new(|w| w.paths[1][2] += Fr::from(1u64)),
        ),
        (
            "the weight blinding",
            Box::new(|w| w.weight_blinding += Fr::from(1u64)),
        ),
    ];
    for (what, tamper) in cases {
        let mut w = witness.clone();
        tamper(&mut w);
        let c = ScoreCircuit {
            witness: w,
            ..circuit.clone()
        };
        assert!(
            !satisfied(&c),
            "{what} changed but the circuit is satisfied"
        );
    }
}

#[test]
fn tampered_internal_values_leave_the_circuit_unsatisfied() {
    let r = round(4, WeightsMode::Hidden, 3, &default_outputs);
    let (_, _, circuit) = build(&r, Mse::DEFAULT);
    for delta in [1, -1] {
        assert!(
            !satisfied_after(&circuit, |cs, v| bump_witness(cs, &v.scores[1], delta)),
            "a score"
        );
        assert!(
            !satisfied_after(&circuit, |cs, v| bump_witness(cs, &v.row[2], delta)),
            "one weight"
        );
        assert!(
            !satisfied_after(&circuit, |cs, v| bump_witness(cs, &v.max, delta)),
            "the max"
        );
    }
}

#[test]
fn every_statement_field_is_bound_by_the_public_input() {
    for mode in [WeightsMode::Hidden, WeightsMode::Public] {
        let r = round(4, mode, 3, &default_outputs);
        let (statement, _, circuit) = build(&r, Mse::DEFAULT);
        let mut cases: Vec<(&str, Tamper<ScoreStatement>)> = vec![
            ("netuid", Box::new(|s| s.netuid += 1)),
            ("epoch", Box::new(|s| s.epoch += 1)),
            (
                "validator hotkey",
                Box::new(|s| s.validator_hotkey[31] ^= 1),
            ),
            ("scoring function", Box::new(|s| s.scoring = Accuracy.id())),
            ("shape", Box::new(|s| s.shape.depth += 1)),
            ("vk hash", Box::new(|s| s.vk_hash[0] ^= 1)),
            (
                "dataset root",
                Box::new(|s| s.dataset_root += Fr::from(1u64)),
            ),
            ("dataset size", Box::new(|s| s.dataset_size += 1)),
            ("sample seed", Box::new(|s| s.sample_seed[5] ^= 1)),
            (
                "query digest",
                Box::new(|s| s.query_digest += Fr::from(1u64)),
            ),
            (
                "a miner commitment",
                Box::new(|s| s.miner_commitments[3] += Fr::from(1u64)),
            ),
        ];
        match mode {
            WeightsMode::Hidden => cases.push((
                "weight commitment",
                Box::new(|s| {
                    if let WeightsBinding::Hidden { commitment } = &mut s.weights {
                        *commitment += Fr::from(1u64);
                    }
                }),
            )),
            WeightsMode::Public => cases.push((
                "a public weight",
                Box::new(|s| {
                    if let WeightsBinding::Public { row } = &mut s.weights {
                        row[0] ^= 1;
                    }
                }),
            )),
        }
        for (what, tamper) in cases {
            let mut other = statement.clone();
            tamper(&mut other);
            assert_ne!(other.public_inputs(), statement.public_inputs(), "{what}");
            let ok = satisfied_after(&circuit, |cs, _| {
                set_public_inputs(cs, &other.public_inputs())
            });
            assert!(!ok, "{what} changed but the proof's statement still holds");
        }
    }
}

#[test]
fn a_row_that_does_not_follow_the_scores_is_refused_natively() {
    // The collusion case: a validator claims a higher weight for a friend than the scores give.
    let r = round(4, WeightsMode::Public, 3, &default_outputs);
    let (mut statement, witness, _) = r.build(&Mse::DEFAULT, [5; 32]).expect("honest");
    if let WeightsBinding::Public { row } = &mut statement.weights {
        row[0] = 65535;
    }
    assert!(evaluate(&statement, &witness, &Mse::DEFAULT).is_err());
}

#[test]
fn bad_rounds_get_typed_errors() {
    let mut r = round(2, WeightsMode::Hidden, 1, &default_outputs);
    if let Some(answer) = &mut r.miners[1] {
        answer.outputs.pop();
    }
    assert!(r.build(&Mse::DEFAULT, [0; 32]).is_err());
    let mut r = round(2, WeightsMode::Hidden, 1, &default_outputs);
    r.records.clear();
    assert!(r.build(&Mse::DEFAULT, [0; 32]).is_err());
    let mut r = round(2, WeightsMode::Hidden, 1, &default_outputs);
    r.depth = 2; // 6 records do not fit 4 leaves
    assert!(r.build(&Mse::DEFAULT, [0; 32]).is_err());
}

/// Miner 1 of the default round did not answer.
fn round_with_absent_miner(mode: WeightsMode) -> ScoreRound {
    let mut r = round(4, mode, 3, &default_outputs);
    r.miners[1] = None;
    r
}

#[test]
fn an_absent_miner_scores_zero_in_both_reference_and_circuit() {
    for mode in [WeightsMode::Hidden, WeightsMode::Public] {
        let r = round_with_absent_miner(mode);
        let (statement, witness, circuit) = build(&r, Mse::DEFAULT);
        assert_eq!(statement.miner_commitments[1], Fr::from(0u64));
        assert!(!statement.present(1) && statement.present(0));
        let eval = evaluate(&statement, &witness, &Mse::DEFAULT).expect("reference");
        assert_eq!(eval.scores[1], 0);
        assert_eq!(eval.row[1], 0);
        assert!(eval.scores[0] > 0);
        let cs = ConstraintSystem::<Fr>::new_ref();
        let vars = circuit.synthesize(cs.clone()).expect("synthesis");
        assert!(cs.is_satisfied().expect("assignment"));
        assert_eq!(vars.scores[1].value().expect("value"), Fr::from(0u64));
        // The same outputs present would have scored above 0: absence is what zeroes it.
        let (present_statement, _, _) = build(&round(4, mode, 3, &default_outputs), Mse::DEFAULT);
        assert!(present_statement.present(1));
    }
}

#[test]
fn presence_cannot_be_flipped_by_the_prover() {
    let r = round_with_absent_miner(WeightsMode::Hidden);
    let (_, _, circuit) = build(&r, Mse::DEFAULT);
    // The absent miner claimed present (its score would then count): unsatisfied.
    let flip = |cs: &ConstraintSystemRef<Fr>, v: &ScoreVars, i: usize| {
        let idx = common::witness_index(&FpVar::from(v.present[i].clone()));
        let mut inner = cs.borrow_mut().expect("constraint system");
        let w = &mut inner.assignments.witness_assignment[idx];
        *w = Fr::from(1u64) - *w;
    };
    assert!(
        !satisfied_after(&circuit, |cs, v| flip(cs, v, 1)),
        "absent → present"
    );
    // A present miner dropped by the prover (scored 0 instead): unsatisfied.
    assert!(
        !satisfied_after(&circuit, |cs, v| flip(cs, v, 0)),
        "present → absent"
    );
    // With its committed row unchanged, the statement cannot mark an answering miner absent
    // (a validator that also recomputes the row can: the chain-side limit the README states),
    // nor an absent one present.
    let (statement, witness, _) = build(
        &round(4, WeightsMode::Hidden, 3, &default_outputs),
        Mse::DEFAULT,
    );
    let mut dropped = statement.clone();
    dropped.miner_commitments[2] = Fr::from(0u64);
    let c = ScoreCircuit {
        statement: dropped,
        witness: witness.clone(),
        scoring: Mse::DEFAULT,
    };
    // The honest row for this statement would give miner 2 weight 0: the committed row does not.
    assert!(!satisfied(&c), "a present miner marked absent");
    // ...and an absent one cannot be given a commitment it never made.
    let r = round_with_absent_miner(WeightsMode::Hidden);
    let (statement, witness, _) = build(&r, Mse::DEFAULT);
    let mut invented = statement.clone();
    invented.miner_commitments[1] =
        zkyuma_circuits::commitment::miner_commitment(&[1, 2, 3], Fr::from(4u64));
    let c = ScoreCircuit {
        statement: invented,
        witness,
        scoring: Mse::DEFAULT,
    };
    assert!(!satisfied(&c), "an absent miner given a commitment");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn random_rounds_agree_with_the_reference(
        outs in prop::collection::vec(any::<u16>(), 9),
        seed in any::<u8>(),
        accuracy in any::<bool>(),
        public in any::<bool>(),
    ) {
        let mode = if public { WeightsMode::Public } else { WeightsMode::Hidden };
        let r = round(3, mode, seed, &|i, k| outs[i * 3 + k]);
        let scoring = if accuracy { Scoring::Accuracy } else { Scoring::Mse { amplification: 3 } };
        let (statement, witness, circuit) = build(&r, scoring);
        let eval = evaluate(&statement, &witness, &scoring).expect("reference");
        let cs = ConstraintSystem::<Fr>::new_ref();
        let vars = circuit.synthesize(cs.clone()).expect("synthesis");
        prop_assert!(cs.is_satisfied().expect("assignment"));
        let row: Vec<Fr> = eval.row.iter().map(|s| Fr::from(*s)).collect();
        prop_assert_eq!(vars.row.iter().map(|v| v.value().expect("value")).collect::<Vec<_>>(), row);
    }
}

#[test]
fn no_sampled_witness_is_free_in_the_score_circuit() {
    // Any single witness variable changed alone (a spread of 250 of them, every kind) breaks the
    // system: nothing in the circuit is left unconstrained.
    let r = round(3, WeightsMode::Hidden, 9, &default_outputs);
    let (_, _, circuit) = build(&r, Scoring::Accuracy);
    let cs = ConstraintSystem::<Fr>::new_ref();
    circuit.synthesize(cs.clone()).expect("synthesis");
    common::finalize_for_tampering(&cs);
    common::assert_no_free_witness(&cs, 0, 250);
}
