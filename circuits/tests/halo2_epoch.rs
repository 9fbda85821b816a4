//! The epoch statement in halo2 against the R1CS circuit and the native check: on the vector
//! epochs and on synthetic ones in every bonds rule, an honest epoch satisfies all three, and for
//! every domain-level change (a weight, a consensus ±1 ulp, a bond, a dividend, an emission, a
//! commitment, a statement field) the three agree: all satisfied or all unsatisfied.
#![cfg(feature = "halo2")]

mod common;

use ark_bn254::Fr;
use ark_relations::gr1cs::ConstraintSystem;
use halo2_axiom::dev::AdviceCellValue;
use halo2_axiom::dev::MockProver;
use halo2_axiom::halo2curves::ff::Field;
use halo2_axiom::plonk::{Circuit, ConstraintSystem as ConstraintSystemH};
use zkyuma_circuits::epoch::constraints::EpochCircuit;
use zkyuma_circuits::epoch::halo2::EpochHalo2;
use zkyuma_circuits::epoch::{EpochCircuitError, EpochRound, EpochStatement, EpochWitness};
use zkyuma_circuits::halo2::{rows_and_k, Fp, Tamper};
use zkyuma_circuits::yuma::synthetic::SyntheticEpoch;
use zkyuma_circuits::yuma::EpochInput;

/// 8-bit limbs (a 256-row table) keep the test circuits small.
const LIMB: usize = 8;

fn round(input: EpochInput, validators: Option<Vec<u16>>) -> EpochRound {
    let mut r = EpochRound {
        netuid: 3,
        epoch: 5,
        input,
        validators,
        prev_validators: None,
        weight_blindings: Vec::new(),
        prev_bonds_blinding: Fr::from(11u64),
        new_bonds_blinding: Fr::from(12u64),
    };
    r.weight_blindings = (0..r.rows().len() as u64)
        .map(|i| Fr::from(40 + i))
        .collect();
    r
}

fn halo2_ok(statement: &EpochStatement, witness: &EpochWitness) -> bool {
    let Ok(circuit) = EpochHalo2::new(statement.clone(), witness.clone()) else {
        return false;
    };
    let circuit = EpochHalo2 {
        limb_bits: LIMB,
        ..circuit
    };
    let (_, k) = rows_and_k(&circuit).expect("rows");
    let prover = MockProver::run(k, &circuit, vec![circuit.instances()]).expect("synthesis");
    prover.verify().is_ok()
}

fn r1cs_ok(statement: &EpochStatement, witness: &EpochWitness) -> bool {
    let Ok(circuit) = EpochCircuit::new(statement.clone(), witness.clone()) else {
        return false;
    };
    let cs = ConstraintSystem::<Fr>::new_ref();
    circuit
        .synthesize_with_input(cs.clone(), statement.public_digest())
        .expect("synthesis");
    cs.is_satisfied().expect("assignment")
}

/// The three verdicts on (statement, witness): native, R1CS, halo2.
fn verdicts(statement: &EpochStatement, witness: &EpochWitness) -> [bool; 3] {
    [
        statement.check(witness).is_ok(),
        r1cs_ok(statement, witness),
        halo2_ok(statement, witness),
    ]
}

fn synthetic(yuma3: bool, liquid_alpha: bool, seed: u64) -> EpochInput {
    let mut input = SyntheticEpoch {
        validators: 3,
        uids: 5,
        yuma3,
        liquid_alpha,
        seed,
    }
    .build();
    input.bonds_penalty = [65535, 0, 20000][seed as usize % 3];
    input
}

#[test]
fn honest_synthetic_epochs_satisfy_all_three() {
    for (yuma3, liquid) in [(true, false), (false, false), (true, true)] {
        let input = synthetic(yuma3, liquid, 1);
        let (statement, witness) = round(input, None).build([1; 32]).expect("build");
        assert_eq!(
            verdicts(&statement, &witness),
            [true; 3],
            "yuma3={yuma3} liquid={liquid}"
        );
    }
}

fn vector_inputs() -> Vec<(String, EpochInput)> {
    let mut out = Vec::new();
    for file in [
        "epoch_test_10_graph.json",
        "epoch_test_active_stake.json",
        "epoch_test_bonds.json",
        "epoch_test_zero_weights.json",
        "epoch_test_yuma_3_liquid_alpha_disabled.json",
        "epoch_test_yuma_3_kappa_moves_first.json",
        "epoch_test_yuma_3_one_epoch_switch.json",
    ] {
        let doc = common::load_vector(file);
        for (k, e) in doc["epochs"].as_array().expect("epochs").iter().enumerate() {
            let input = EpochInput::from_json_str(&e["input"].to_string()).expect("input");
            out.push((format!("{file}#{k}"), input));
        }
    }
    // Liquid alpha in every consensus mode (current, previous, auto with both penalties,
    // nothing stored).
    let modes: serde_json::Value =
        serde_json::from_str(include_str!("vectors/epoch_consensus_modes.json")).expect("json");
    for e in modes["epochs"].as_array().expect("epochs") {
        let input: EpochInput = serde_json::from_value(e["input"].clone()).expect("input");
        out.push((e["label"].as_str().expect("label").to_string(), input));
    }
    out
}

#[test]
fn every_applicable_vector_epoch_satisfies_all_three() {
    // Why: the halo2 circuit proves the same epochs as the R1CS one, bit for bit, on subtensor's
    // own vectors in every bonds rule (a liquid-alpha epoch with a stored explicit zero weight is
    // refused by both builders alike).
    let (mut checked, mut liquid, mut original) = (0, 0, 0);
    for (name, input) in vector_inputs() {
        let all: Vec<u16> = (0..input.n).collect();
        let (statement, witness) = match round(input.clone(), Some(all)).build([1; 32]) {
            Err(EpochCircuitError::LiquidAlphaRow { .. }) => continue,
            other => other.unwrap_or_else(|e| panic!("{name}: {e}")),
        };
        assert_eq!(verdicts(&statement, &witness), [true; 3], "{name}");
        checked += 1;
        liquid += usize::from(input.yuma3 && input.liquid_alpha);
        original += usize::from(!input.yuma3);
    }
    assert_eq!(
        (checked, liquid, original),
        (43, 19, 18),
        "epochs checked (liquid alpha, original Yuma)"
    );
}

type Change<T> = (&'static str, Box<dyn Fn(&mut T)>);

#[test]
fn every_domain_change_is_refused_by_all_three() {
    // Why: whatever a cheating epoch prover changes — a result, a commitment, an opening, the
    // chain state — the three definitions of the statement agree that it no longer holds.
    for (yuma3, liquid) in [(true, false), (false, false), (true, true)] {
        let input = synthetic(yuma3, liquid, 2);
        let (statement, witness) = round(input, None).build([1; 32]).expect("build");
        let mode = format!("yuma3={yuma3} liquid={liquid}");
        assert_eq!(verdicts(&statement, &witness), [true; 3], "{mode}");
        let changes: Vec<Change<EpochStatement>> = vec![
            (
                "consensus +1 ulp",
                Box::new(|s| s.results.consensus_bits[1] += 1),
            ),
            (
                "consensus −1 ulp",
                Box::new(|s| s.results.consensus_bits[2] -= 1),
            ),
            (
                "trust",
                Box::new(|s| s.results.validator_trust_bits[0] += 1),
            ),
            ("incentive", Box::new(|s| s.results.incentive_bits[3] += 1)),
            ("dividends", Box::new(|s| s.results.dividends_bits[1] += 1)),
            (
                "server emission",
                Box::new(|s| s.results.server_emission[4] += 1),
            ),
            (
                "validator emission",
                Box::new(|s| s.results.validator_emission[0] += 1),
            ),
            ("emission", Box::new(|s| s.results.emission[2] -= 1)),
            (
                "new bonds commitment",
                Box::new(|s| s.commitments.new_bonds_commitment += Fr::from(1u64)),
            ),
            (
                "previous bonds commitment",
                Box::new(|s| s.commitments.prev_bonds_commitment += Fr::from(1u64)),
            ),
            (
                "a weight commitment",
                Box::new(|s| s.commitments.weight_commitments[1] += Fr::from(1u64)),
            ),
        ];
        // Chain-state fields: a changed field makes another statement, which may be true of
        // the same witness (netuid, epoch, key hash) or not (the results no longer follow); the
        // three agree either way, and a proof for one never shows the other (the digest binds
        // every field).
        let mut fields: Vec<Change<EpochStatement>> = vec![
            ("netuid", Box::new(|s| s.chain.netuid += 1)),
            ("epoch", Box::new(|s| s.chain.epoch += 1)),
            ("key hash", Box::new(|s| s.chain.vk_hash[0] ^= 1)),
            ("a mask", Box::new(|s| s.chain.keep[0][1] ^= true)),
            (
                "an active stake",
                Box::new(|s| s.chain.active_stake_bits[0] += 1),
            ),
            ("a stake", Box::new(|s| s.chain.stake_bits[1] += 1)),
            ("kappa", Box::new(|s| s.chain.kappa += 1)),
            ("bonds penalty", Box::new(|s| s.chain.bonds_penalty ^= 1)),
            ("a new permit", Box::new(|s| s.chain.new_permit[1] ^= true)),
            ("a bonds mask", Box::new(|s| s.chain.bonds_keep[2] ^= true)),
            ("emission in RAO", Box::new(|s| s.chain.rao_emission += 1)),
            (
                "previous rows' uids",
                Box::new(|s| s.chain.prev_validators.swap(0, 1)),
            ),
        ];
        if liquid {
            fields.push((
                "alpha high",
                Box::new(|s| {
                    if let Some(la) = s.chain.liquid_alpha.as_mut() {
                        la.alpha_high -= 1;
                    }
                }),
            ));
            fields.push((
                "steepness",
                Box::new(|s| {
                    if let Some(la) = s.chain.liquid_alpha.as_mut() {
                        la.steepness += 1;
                    }
                }),
            ));
        }
        for (what, change) in changes {
            let mut bad = statement.clone();
            change(&mut bad);
            assert_eq!(verdicts(&bad, &witness), [false; 3], "{mode}: {what}");
        }
        let mut still_true = 0;
        for (what, change) in fields {
            let mut other = statement.clone();
            change(&mut other);
            let [native, r1cs, halo2] = verdicts(&other, &witness);
            assert!(
                native == r1cs && r1cs == halo2,
                "{mode}: {what}: {native} {r1cs} {halo2}"
            );
            still_true += usize::from(native);
            if let Ok(circuit) = EpochHalo2::new(other.clone(), witness.clone()) {
                let circuit = EpochHalo2 {
                    limb_bits: LIMB,
                    ..circuit
                };
                let (_, k) = rows_and_k(&circuit).expect("rows");
                let prover = MockProver::run(
                    k,
                    &circuit,
                    vec![vec![zkyuma_circuits::halo2::to_fp(
                        statement.public_digest(),
                    )]],
                )
                .expect("synthesis");
                assert!(
                    prover.verify().is_err(),
                    "{mode}: {what} not bound by the digest"
                );
            }
        }
        assert!(
            still_true >= 3,
            "{mode}: {still_true} chain changes kept a true statement"
        );
        let witness_changes: Vec<Change<EpochWitness>> = vec![
            ("a weight", Box::new(|w| w.weights[1][3] ^= 1)),
            (
                "a weight blinding",
                Box::new(|w| w.weight_blindings[0] += Fr::from(1u64)),
            ),
            ("a previous bond", Box::new(|w| w.prev_bonds[2][1] ^= 1)),
            (
                "the previous bonds blinding",
                Box::new(|w| w.prev_bonds_blinding += Fr::from(1u64)),
            ),
            (
                "the new bonds blinding",
                Box::new(|w| w.new_bonds_blinding += Fr::from(1u64)),
            ),
        ];
        for (what, change) in witness_changes {
            let mut bad = witness.clone();
            change(&mut bad);
            assert_eq!(verdicts(&statement, &bad), [false; 3], "{mode}: {what}");
        }
    }
}

#[test]
fn no_advice_cell_is_free() {
    // Every non-zero advice cell of an honest epoch (sampled every 23rd row, all ten columns:
    // chain state, weights and their normalisation, consensus, clipping, ranks, bonds, EMA,
    // dividends, emission, commitments, digest), moved by one, leaves the circuit unsatisfied,
    // in both bonds rules with the fixed alpha. (Liquid alpha keeps the discarded branch's EMA
    // floor free, as the R1CS circuit does: it feeds no output.)
    for yuma3 in [true, false] {
        let mut input = synthetic(yuma3, false, 2);
        input.bonds_penalty = 30000;
        let (statement, witness) = round(input, None).build([1; 32]).expect("build");
        let honest = EpochHalo2 {
            limb_bits: LIMB,
            ..EpochHalo2::new(statement, witness).expect("circuit")
        };
        let (_, k) = rows_and_k(&honest).expect("rows");
        let prover = MockProver::run(k, &honest, vec![honest.instances()]).expect("synthesis");
        assert_eq!(prover.verify(), Ok(()));
        let mut cs = ConstraintSystemH::<Fp>::default();
        let config = EpochHalo2::configure_with_params(&mut cs, LIMB);
        let mut caught = 0;
        for (column, advice) in config.all_advice().iter().enumerate() {
            let values = prover.advice_values(*advice);
            for row in (column..values.len()).step_by(23) {
                let value = match &values[row] {
                    AdviceCellValue::Assigned(v) => v.evaluate(),
                    AdviceCellValue::Poison(_) => continue,
                };
                if value.is_zero_vartime() {
                    continue;
                }
                let circuit = EpochHalo2 {
                    tamper: vec![Tamper {
                        column,
                        row,
                        value: value + Fp::ONE,
                    }],
                    ..honest.clone()
                };
                let ok = MockProver::run(k, &circuit, vec![honest.instances()])
                    .expect("synthesis")
                    .verify()
                    .is_ok();
                assert!(!ok, "yuma3={yuma3}: cell ({column}, {row})");
                caught += 1;
            }
        }
        assert!(caught >= 200, "{caught} cells moved");
    }
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

        /// Random epochs in a random bonds rule: honest, all three hold; one result moved by one
        /// unit, none does.
        #[test]
        fn random_epochs_agree(seed in 0u64..1_000_000, rule in 0usize..3, which in 0usize..4) {
            let (yuma3, liquid) = [(true, false), (false, false), (true, true)][rule];
            let input = synthetic(yuma3, liquid, seed);
            let (statement, witness) = round(input, None).build([1; 32]).expect("build");
            prop_assert_eq!(verdicts(&statement, &witness), [true; 3]);
            let mut bad = statement.clone();
            match which {
                0 => bad.results.consensus_bits[(seed % 5) as usize] += 1,
                1 => bad.results.incentive_bits[(seed % 5) as usize] += 1,
                2 => bad.results.dividends_bits[(seed % 3) as usize] += 1,
                _ => bad.results.emission[(seed % 5) as usize] += 1,
            }
            prop_assert_eq!(verdicts(&bad, &witness), [false; 3]);
        }
    }
}
