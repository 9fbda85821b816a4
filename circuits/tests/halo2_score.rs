//! The score statement in halo2 against the R1CS circuit and the native reference: an honest
//! round satisfies all three, and for every domain-level change (a witness field, an internal
//! value a prover could cheat on, a statement field) the three agree — all satisfied or all
//! unsatisfied.
#![cfg(feature = "halo2")]

use ark_bn254::Fr;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem};
use halo2_axiom::dev::{AdviceCellValue, MockProver};
use halo2_axiom::halo2curves::ff::Field;
use halo2_axiom::plonk::{Circuit, ConstraintSystem as ConstraintSystemH};
use zkyuma_circuits::halo2::{to_fp, Fp, Tamper};
use zkyuma_circuits::score::constraints::ScoreCircuit;
use zkyuma_circuits::score::halo2::ScoreHalo2;
use zkyuma_circuits::score::{
    evaluate, MinerAnswer, Record, ScoreRound, ScoreStatement, ScoreWitness, WeightsBinding,
    WeightsMode,
};
use zkyuma_circuits::scoring::{Accuracy, Scoring, ScoringFunction};

/// Rows of the test circuits: 8-bit limbs (a 256-row table) and `2^13` rows.
const K: u32 = 13;
const LIMB: usize = 8;

/// A small round: `miners` miners, 3 samples, depth 3, 6 records.
fn round(miners: usize, mode: WeightsMode, seed: u8) -> ScoreRound {
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
                (i != 2).then(|| MinerAnswer {
                    outputs: (0..3)
                        .map(|k| (i as u16) * 7000 + (k as u16) * 11000 + 500)
                        .collect(),
                    blinding: Fr::from(1000 + i as u64),
                })
            })
            .collect(),
        weight_blinding: Fr::from(99u64),
    }
}

fn halo2_circuit(
    statement: &ScoreStatement,
    witness: &ScoreWitness,
    scoring: Scoring,
) -> ScoreHalo2<Scoring> {
    ScoreHalo2 {
        limb_bits: LIMB,
        ..ScoreHalo2::new(statement.clone(), witness.clone(), scoring)
    }
}

fn halo2_ok(circuit: &ScoreHalo2<Scoring>, instances: Vec<Fp>) -> bool {
    MockProver::run(K, circuit, vec![instances])
        .map(|p| p.verify().is_ok())
        .unwrap_or_else(|e| panic!("synthesis: {e:?}"))
}

fn r1cs_ok(statement: &ScoreStatement, witness: &ScoreWitness, scoring: Scoring) -> bool {
    let cs = ConstraintSystem::<Fr>::new_ref();
    let circuit = ScoreCircuit {
        statement: statement.clone(),
        witness: witness.clone(),
        scoring,
    };
    circuit.generate_constraints(cs.clone()).expect("synthesis");
    cs.is_satisfied().expect("assignment")
}

/// The three verdicts on (statement, witness): native, R1CS, halo2.
fn verdicts(statement: &ScoreStatement, witness: &ScoreWitness, scoring: Scoring) -> [bool; 3] {
    let native = evaluate(statement, witness, &scoring).is_ok();
    let r1cs = r1cs_ok(statement, witness, scoring);
    let circuit = halo2_circuit(statement, witness, scoring);
    let halo2 = halo2_ok(&circuit, circuit.instances());
    [native, r1cs, halo2]
}

type Change<T> = (&'static str, Box<dyn Fn(&mut T)>);

#[test]
fn honest_rounds_satisfy_all_three() {
    for mode in [WeightsMode::Hidden, WeightsMode::Public] {
        for scoring in [Scoring::Mse { amplification: 16 }, Scoring::Accuracy] {
            let (statement, witness, _) = round(4, mode, 3)
                .build(&scoring, [5; 32])
                .expect("honest round");
            assert_eq!(
                verdicts(&statement, &witness, scoring),
                [true; 3],
                "{mode:?} {scoring:?}"
            );
        }
    }
}

#[test]
fn witness_changes_are_refused_by_all_three() {
    let scoring = Scoring::Mse { amplification: 16 };
    let (statement, witness, _) = round(4, WeightsMode::Hidden, 3)
        .build(&scoring, [5; 32])
        .expect("honest round");
    let cases: Vec<Change<ScoreWitness>> = vec![
        ("an output", Box::new(|w| w.outputs[1][1] += 1)),
        ("an output down", Box::new(|w| w.outputs[0][0] -= 1)),
        (
            "a miner blinding",
            Box::new(|w| w.blindings[3] += Fr::from(1u64)),
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
    for (what, change) in cases {
        let mut w = witness.clone();
        change(&mut w);
        assert_eq!(verdicts(&statement, &w, scoring), [false; 3], "{what}");
    }
}

#[test]
fn statement_changes_get_the_same_verdict_from_all_three() {
    for mode in [WeightsMode::Hidden, WeightsMode::Public] {
        let scoring = Scoring::Mse { amplification: 16 };
        let (statement, witness, _) = round(4, mode, 3)
            .build(&scoring, [5; 32])
            .expect("honest round");
        let mut cases: Vec<(Change<ScoreStatement>, bool)> = vec![
            (("netuid", Box::new(|s| s.netuid += 1)), true),
            (("epoch", Box::new(|s| s.epoch += 1)), true),
            (("hotkey", Box::new(|s| s.validator_hotkey[31] ^= 1)), false),
            (
                ("scoring function", Box::new(|s| s.scoring = Accuracy.id())),
                false,
            ),
            (("vk hash", Box::new(|s| s.vk_hash[0] ^= 1)), true),
            (
                (
                    "dataset root",
                    Box::new(|s| s.dataset_root += Fr::from(1u64)),
                ),
                false,
            ),
            (("dataset size", Box::new(|s| s.dataset_size -= 1)), false),
            (("sample seed", Box::new(|s| s.sample_seed[5] ^= 1)), false),
            (
                (
                    "query digest",
                    Box::new(|s| s.query_digest += Fr::from(1u64)),
                ),
                false,
            ),
            (
                (
                    "a miner commitment",
                    Box::new(|s| s.miner_commitments[3] += Fr::from(1u64)),
                ),
                false,
            ),
            (
                (
                    "an absent miner present",
                    Box::new(|s| s.miner_commitments[2] = Fr::from(5u64)),
                ),
                false,
            ),
        ];
        match mode {
            WeightsMode::Hidden => cases.push((
                (
                    "weight commitment",
                    Box::new(|s| {
                        if let WeightsBinding::Hidden { commitment } = &mut s.weights {
                            *commitment += Fr::from(1u64);
                        }
                    }),
                ),
                false,
            )),
            WeightsMode::Public => cases.push((
                (
                    "a public weight (the collusion case)",
                    Box::new(|s| {
                        if let WeightsBinding::Public { row } = &mut s.weights {
                            row[0] = 65535;
                        }
                    }),
                ),
                false,
            )),
        }
        for ((what, change), holds) in cases {
            let mut other = statement.clone();
            change(&mut other);
            // Netuid, epoch and the vk hash are only named by the statement: the same witness
            // proves the changed statement too. Everything else no longer holds.
            assert_eq!(
                verdicts(&other, &witness, scoring),
                [holds; 3],
                "{mode:?} {what}"
            );
            // A proof of the honest statement never verifies for a changed one.
            if other.public_inputs() != statement.public_inputs() {
                let honest = halo2_circuit(&statement, &witness, scoring);
                let claimed: Vec<Fp> = other.public_inputs().into_iter().map(to_fp).collect();
                assert!(!halo2_ok(&honest, claimed), "{mode:?} {what}");
            }
        }
    }
}

#[test]
fn no_witness_cell_is_free() {
    // Every non-zero advice cell of the honest assignment (sampled every 29th row, all ten
    // columns: public inputs, statement fields, samples and Merkle paths, miners, scores, the
    // max-upscale, the weight binding, the rest digest), moved by one, leaves the circuit
    // unsatisfied. (Zero cells include the arithmetic rows' unused operands, which carry no
    // value.)
    let scoring = Scoring::Mse { amplification: 16 };
    let (statement, witness, _) = round(4, WeightsMode::Public, 3)
        .build(&scoring, [5; 32])
        .expect("honest round");
    let honest = halo2_circuit(&statement, &witness, scoring);
    let prover = MockProver::run(K, &honest, vec![honest.instances()]).expect("synthesis");
    assert_eq!(prover.verify(), Ok(()));
    let mut cs = ConstraintSystemH::<Fp>::default();
    let config = ScoreHalo2::<Scoring>::configure_with_params(&mut cs, LIMB);
    let mut caught = 0;
    for (column, advice) in config.all_advice().iter().enumerate() {
        let values = prover.advice_values(*advice);
        for row in (column..values.len()).step_by(29) {
            let value = match &values[row] {
                AdviceCellValue::Assigned(v) => v.evaluate(),
                AdviceCellValue::Poison(_) => continue,
            };
            if value.is_zero_vartime() {
                continue;
            }
            let circuit = ScoreHalo2 {
                tamper: vec![Tamper {
                    column,
                    row,
                    value: value + Fp::ONE,
                }],
                ..honest.clone()
            };
            assert!(
                !halo2_ok(&circuit, honest.instances()),
                "cell ({column}, {row})"
            );
            caught += 1;
        }
    }
    assert!(caught > 100, "{caught} cells checked");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(6))]

    /// Random rounds (outputs, absent miners, mode, scoring function): the three agree on the
    /// honest round, and on it with one output changed.
    #[test]
    fn random_rounds_get_the_same_verdict_from_all_three(
        outputs in proptest::collection::vec(proptest::prelude::any::<u16>(), 12),
        absent in 0usize..5,
        public in proptest::prelude::any::<bool>(),
        accuracy in proptest::prelude::any::<bool>(),
        bump in 0usize..12,
    ) {
        let mode = if public { WeightsMode::Public } else { WeightsMode::Hidden };
        let scoring = if accuracy { Scoring::Accuracy } else { Scoring::Mse { amplification: 16 } };
        let mut r = round(4, mode, 9);
        for (i, miner) in r.miners.iter_mut().enumerate() {
            *miner = (i != absent).then(|| MinerAnswer {
                outputs: outputs[3 * i..3 * i + 3].to_vec(),
                blinding: Fr::from(7 + i as u64),
            });
        }
        let (statement, witness, _) = r.build(&scoring, [5; 32]).expect("honest round");
        proptest::prop_assert_eq!(verdicts(&statement, &witness, scoring), [true; 3]);
        let mut w = witness.clone();
        let (i, k) = (bump / 3, bump % 3);
        w.outputs[i][k] = w.outputs[i][k].wrapping_add(1);
        let v = verdicts(&statement, &w, scoring);
        proptest::prop_assert!(v == [v[0]; 3], "{:?}", v);
        // An absent miner's outputs are not committed: changing them changes nothing.
        proptest::prop_assert_eq!(v[0], i == absent);
    }
}
