//! The native epoch statement: `EpochRound::build` (one run of the native epoch), the chain
//! state every party derives (`EpochChainState::derive`), and the native check that must hold
//! exactly when the circuit is satisfiable.

mod common;

use ark_bn254::Fr;
use ark_relations::gr1cs::ConstraintSystem;
use serde_json::Value;
use zkyuma_circuits::epoch::constraints::EpochCircuit;
use zkyuma_circuits::epoch::{
    permit_rows, slot_rows, EpochChainState, EpochCheckError, EpochCircuitError, EpochRound,
    EpochStatement, EpochStatementError, EpochWitness,
};
use zkyuma_circuits::statement::Statement;
use zkyuma_circuits::yuma::synthetic::SyntheticEpoch;
use zkyuma_circuits::yuma::{run_epoch, EpochInput};

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

fn vector_inputs() -> Vec<(String, EpochInput)> {
    let dir = format!("{}/tests/vectors", env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("vectors")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("epoch_test_"))
        })
        .collect();
    files.sort();
    for path in files {
        let name = path.file_name().and_then(|n| n.to_str()).expect("name");
        let doc = common::load_vector(name);
        for (k, e) in doc["epochs"].as_array().expect("epochs").iter().enumerate() {
            let input = EpochInput::from_json_str(&e["input"].to_string()).expect("input");
            out.push((format!("{}#{k}", path.display()), input));
        }
    }
    out
}

#[test]
fn built_statements_pass_the_native_check_and_match_the_derived_chain_state() {
    // Why: the chain, the epoch prover and the auditor must agree on one chain state, and an
    // honest round must pass the native check on every applicable vector.
    let mut checked = 0;
    let (mut liquid, mut liquid_refused) = (0, 0);
    for (name, input) in vector_inputs() {
        let all: Vec<u16> = (0..input.n).collect();
        let r = round(input.clone(), Some(all.clone()));
        let (statement, witness) = match r.build([1; 32]) {
            // A stored explicit zero under liquid alpha (subtensor's kappa vectors): refused.
            Err(EpochCircuitError::LiquidAlphaRow { .. }) if input.liquid_alpha => {
                liquid_refused += 1;
                continue;
            }
            other => other.expect("build"),
        };
        if input.yuma3 && input.liquid_alpha {
            assert!(statement.chain.liquid_alpha.is_some(), "{name}");
            liquid += 1;
        }
        statement
            .check(&witness)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        Statement::check(&statement, &(), &witness).expect("trait check");
        let derived = EpochChainState::derive(3, 5, &input, (&all, &all), [1; 32]).expect("derive");
        assert_eq!(statement.chain, derived, "{name}");
        // The results are the native epoch's, at the rows.
        let out = run_epoch(&input).expect("epoch");
        assert_eq!(
            statement.results.consensus_bits, out.consensus_bits,
            "{name}"
        );
        assert_eq!(statement.results.emission, out.emission, "{name}");
        checked += 1;
    }
    assert!(checked >= 19, "{checked} vector epochs checked");
    assert!(
        liquid >= 1 && liquid_refused >= 1,
        "{liquid} liquid-alpha epochs proven, {liquid_refused} refused"
    );
}

#[test]
fn the_statement_json_is_flat() {
    // Why: grouping the statement's fields must not change its JSON (bundles, the chain's wire).
    let input = SyntheticEpoch {
        validators: 2,
        uids: 4,
        yuma3: true,
        liquid_alpha: false,
        seed: 1,
    }
    .build();
    let (statement, _) = round(input, None).build([2; 32]).expect("build");
    let json: Value = serde_json::to_value(&statement).expect("json");
    for field in [
        "netuid",
        "keep",
        "weight_commitments",
        "emission",
        "consensus_bits",
    ] {
        assert!(json.get(field).is_some(), "{field} at the top level");
    }
    let back: EpochStatement = serde_json::from_value(json).expect("parse");
    assert_eq!(back, statement);
}

/// Whether the circuit made from (statement, witness) is satisfied with the statement's digest.
fn circuit_satisfied(statement: &EpochStatement, witness: &EpochWitness) -> bool {
    let Ok(circuit) = EpochCircuit::new(statement.clone(), witness.clone()) else {
        return false;
    };
    let cs = ConstraintSystem::<Fr>::new_ref();
    circuit
        .synthesize_with_input(cs.clone(), statement.public_digest())
        .expect("synthesis");
    cs.is_satisfied().expect("assignment")
}

type Tamper<T> = (&'static str, Box<dyn Fn(&mut T)>);

#[test]
fn native_check_and_circuit_agree_on_every_tamper() {
    // Why: the native check is the backend-neutral definition of the statement; it must refuse
    // exactly what the circuit refuses (here: each result, each commitment, each opening).
    for yuma3 in [true, false] {
        let input = SyntheticEpoch {
            validators: 3,
            uids: 5,
            yuma3,
            liquid_alpha: false,
            seed: 9,
        }
        .build();
        let (statement, witness) = round(input, None).build([1; 32]).expect("build");
        assert!(statement.check(&witness).is_ok());
        assert!(circuit_satisfied(&statement, &witness));
        let statement_tampers: Vec<Tamper<EpochStatement>> = vec![
            ("consensus", Box::new(|s| s.results.consensus_bits[4] += 1)),
            (
                "trust",
                Box::new(|s| s.results.validator_trust_bits[1] += 1),
            ),
            ("incentive", Box::new(|s| s.results.incentive_bits[3] += 1)),
            ("dividends", Box::new(|s| s.results.dividends_bits[0] += 1)),
            (
                "server emission",
                Box::new(|s| s.results.server_emission[4] += 1),
            ),
            (
                "validator emission",
                Box::new(|s| s.results.validator_emission[0] += 1),
            ),
            ("emission", Box::new(|s| s.results.emission[2] += 1)),
            (
                "new bonds",
                Box::new(|s| s.commitments.new_bonds_commitment += Fr::from(1u64)),
            ),
            (
                "prev bonds",
                Box::new(|s| s.commitments.prev_bonds_commitment += Fr::from(1u64)),
            ),
            (
                "a weight commitment",
                Box::new(|s| s.commitments.weight_commitments[2] += Fr::from(1u64)),
            ),
            (
                "the previous rows' uids",
                Box::new(|s| s.chain.prev_validators = vec![0, 1, 4]),
            ),
        ];
        for (what, tamper) in statement_tampers {
            let mut bad = statement.clone();
            tamper(&mut bad);
            let err = bad.check(&witness).expect_err(what);
            assert!(
                matches!(
                    err,
                    EpochCheckError::Result { .. }
                        | EpochCheckError::WeightOpening { .. }
                        | EpochCheckError::PrevBondsOpening
                ),
                "{what}: {err}"
            );
            assert!(!circuit_satisfied(&bad, &witness), "circuit accepts {what}");
        }
        let witness_tampers: Vec<Tamper<EpochWitness>> = vec![
            ("a weight", Box::new(|w| w.weights[1][3] ^= 1)),
            (
                "a weight blinding",
                Box::new(|w| w.weight_blindings[0] += Fr::from(1u64)),
            ),
            ("a previous bond", Box::new(|w| w.prev_bonds[2][1] ^= 1)),
            (
                "the new bonds blinding",
                Box::new(|w| w.new_bonds_blinding += Fr::from(1u64)),
            ),
        ];
        for (what, tamper) in witness_tampers {
            let mut bad = witness.clone();
            tamper(&mut bad);
            let err = statement.check(&bad).expect_err(what);
            let expected = match what {
                "a previous bond" => matches!(err, EpochCheckError::PrevBondsOpening),
                "the new bonds blinding" => matches!(
                    err,
                    EpochCheckError::Result {
                        field: "new_bonds_commitment"
                    }
                ),
                _ => matches!(err, EpochCheckError::WeightOpening { .. }),
            };
            assert!(expected, "{what}: {err}");
            assert!(
                !circuit_satisfied(&statement, &bad),
                "circuit accepts {what}"
            );
        }
        let mut short = witness.clone();
        short.weights.pop();
        assert!(matches!(
            statement.check(&short),
            Err(EpochCheckError::Witness {
                what: "weights",
                expected: 3,
                got: 2
            })
        ));
    }
}

#[test]
fn bonds_follow_their_uid_when_a_permit_changes_hands() {
    // Why: bonds are committed per row slot with the slot's uid. When a permit passes from one
    // uid to another, the continuing validators keep their slots (so the next epoch opens the
    // previous bonds commitment with the chain's own rows), the newcomer takes the departed
    // holder's slot (whose row that epoch cleared), and a statement that moves a validator to
    // another row — reading its bonds as another uid's — is malformed.
    let mut first = SyntheticEpoch {
        validators: 3,
        uids: 6,
        yuma3: true,
        liquid_alpha: false,
        seed: 21,
    }
    .build();
    // Uid 4, a miner without a permit, outstakes validator 1, so the epoch moves 1's permit to 4.
    first.stake[1] = 1_000_000_000;
    first.stake[4] = 2_000_000_000;
    let r1 = round(first.clone(), None);
    let (s1, w1) = r1.build([1; 32]).expect("epoch 1");
    assert_eq!(s1.chain.validators, vec![0, 1, 2]);
    assert_eq!(s1.chain.new_permit, vec![true, false, true]);
    assert!(s1.check(&w1).is_ok());
    let out = run_epoch(&first).expect("epoch 1 natively");
    assert!(
        out.bonds_out[1].iter().all(|(_, b)| *b == 0),
        "a lost permit clears the row"
    );

    let mut second = first.clone();
    second.validator_permit = out.new_validator_permit.clone();
    second.bonds = out.bonds_out.clone();
    second.weights[1].clear();
    second.weights[4] = second.weights[0].clone();
    let rows = slot_rows(&s1.chain.validators, &second);
    assert_eq!(
        rows,
        vec![0, 4, 2],
        "uid 4 takes uid 1's slot; 0 and 2 keep theirs"
    );
    let mut r2 = round(second.clone(), None);
    r2.prev_validators = Some(s1.chain.validators.clone());
    r2.prev_bonds_blinding = r1.new_bonds_blinding;
    let (s2, w2) = r2.build([1; 32]).expect("epoch 2");
    assert_eq!(s2.chain.validators, rows);
    assert_eq!(
        s2.commitments.prev_bonds_commitment, s1.commitments.new_bonds_commitment,
        "the next epoch opens the previous bonds with the chain's rows"
    );
    s2.check(&w2).expect("native check");
    assert!(circuit_satisfied(&s2, &w2));
    let derived = EpochChainState::derive(3, 5, &second, (&rows, &s1.chain.validators), [1; 32])
        .expect("derive");
    assert_eq!(s2.chain, derived);

    // Re-mapped: validator 2 moved into row 1 (and the newcomer into row 2), reading uid 1's
    // cleared row as 2's bonds.
    let mut moved = s2.clone();
    moved.chain.validators = vec![0, 2, 4];
    assert_eq!(
        moved.validate(),
        Err(EpochStatementError::SlotMoved { row: 1, uid: 2 })
    );
    assert!(!circuit_satisfied(&moved, &w2));
    // Increasing order (the old positional rows) is not the chain's.
    assert_ne!(permit_rows(&second), rows);
    // Opening the previous commitment as if it held other uids fails.
    let mut other_uids = s2.clone();
    other_uids.chain.prev_validators = vec![0, 4, 2];
    assert!(other_uids.check(&w2).is_err());
    // A slot may change hands only between empty rows.
    let mut held = second.clone();
    held.bonds[4] = vec![(3, 9)];
    let mut r3 = round(held, None);
    r3.prev_validators = Some(s1.chain.validators.clone());
    assert_eq!(
        r3.build([1; 32]).map(|_| ()),
        Err(EpochCircuitError::ReassignedSlotBonds {
            row: 1,
            departed: 1,
            arrived: 4
        })
    );
}
