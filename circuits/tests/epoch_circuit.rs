//! The whole epoch circuit: an honest epoch satisfies it on every applicable vector (square
//! shape) and on synthetic epochs over validator rows; every statement field and every
//! commitment opening is bound (changed, the system is unsatisfied).
mod common;

use ark_bn254::Fr;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem, ConstraintSystemRef};
use serde_json::Value;
use zkyuma_circuits::epoch::constraints::EpochCircuit;
use zkyuma_circuits::epoch::{EpochRound, EpochStatement, PROPORTION_BITS};
use zkyuma_circuits::yuma::synthetic::SyntheticEpoch;
use zkyuma_circuits::yuma::EpochInput;

/// One named change to a value.
type Tamper<T> = Box<dyn Fn(&mut T)>;

fn round(input: EpochInput, validators: Option<Vec<u16>>) -> EpochRound {
    let rows = validators.clone().map_or_else(
        || {
            (0..input.n)
                .filter(|u| input.validator_permit[usize::from(*u)])
                .count()
        },
        |v| v.len(),
    );
    EpochRound {
        netuid: 2,
        epoch: 11,
        input,
        validators,
        prev_validators: None,
        weight_blindings: (0..rows as u64).map(|i| Fr::from(100 + i)).collect(),
        prev_bonds_blinding: Fr::from(7u64),
        new_bonds_blinding: Fr::from(8u64),
    }
}

fn satisfied(circuit: &EpochCircuit, digest: Fr) -> bool {
    let cs = ConstraintSystem::<Fr>::new_ref();
    circuit
        .synthesize_with_input(cs.clone(), digest)
        .expect("synthesis");
    let ok = cs.is_satisfied().expect("assignment");
    if !ok {
        eprintln!("{:?}", cs.which_is_unsatisfied().ok().flatten());
    }
    ok
}

#[test]
fn honest_epochs_satisfy_the_circuit() {
    let mut checked = 0;
    for file in [
        "epoch_test_bonds.json",
        "epoch_test_yuma_3_liquid_alpha_disabled.json",
        "epoch_test_active_stake.json",
    ] {
        let path = format!("{}/tests/vectors/{file}", env!("CARGO_MANIFEST_DIR"));
        let doc: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("file")).expect("json");
        for e in doc["epochs"].as_array().expect("epochs") {
            let input = EpochInput::from_json_str(&e["input"].to_string()).expect("input");
            if input.yuma3 && input.liquid_alpha {
                continue;
            }
            let all: Vec<u16> = (0..input.n).collect();
            let circuit = EpochCircuit::build(&round(input, Some(all)), [1; 32]).expect("build");
            assert!(
                satisfied(&circuit, circuit.statement.public_digest()),
                "{file}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 19);
    for yuma3 in [true, false] {
        let input = SyntheticEpoch {
            validators: 3,
            uids: 6,
            yuma3,
            liquid_alpha: false,
            seed: 4,
        }
        .build();
        let circuit = EpochCircuit::build(&round(input, None), [1; 32]).expect("build");
        assert_eq!(circuit.statement.chain.validators, vec![0, 1, 2]);
        assert!(satisfied(&circuit, circuit.statement.public_digest()));
    }
}

#[test]
fn every_statement_field_and_opening_is_bound() {
    let input = SyntheticEpoch {
        validators: 3,
        uids: 5,
        yuma3: true,
        liquid_alpha: false,
        seed: 6,
    }
    .build();
    let circuit = EpochCircuit::build(&round(input, None), [1; 32]).expect("build");
    let st = circuit.statement.clone();
    let cases: Vec<(&str, Tamper<EpochStatement>)> = vec![
        ("netuid", Box::new(|s| s.chain.netuid += 1)),
        ("epoch", Box::new(|s| s.chain.epoch += 1)),
        ("vk hash", Box::new(|s| s.chain.vk_hash[3] ^= 1)),
        (
            "a mask",
            Box::new(|s| s.chain.keep[1][3] = !s.chain.keep[1][3]),
        ),
        (
            "an active stake",
            Box::new(|s| s.chain.active_stake_bits[0] += 1),
        ),
        ("a stake", Box::new(|s| s.chain.stake_bits[4] += 1)),
        ("kappa", Box::new(|s| s.chain.kappa += 1)),
        ("bonds penalty", Box::new(|s| s.chain.bonds_penalty -= 1)),
        (
            "bonds moving average",
            Box::new(|s| s.chain.bonds_moving_average += 1),
        ),
        (
            "a bonds mask",
            Box::new(|s| s.chain.bonds_keep[2] = !s.chain.bonds_keep[2]),
        ),
        (
            "a new permit",
            Box::new(|s| s.chain.new_permit[1] = !s.chain.new_permit[1]),
        ),
        ("the emission", Box::new(|s| s.chain.rao_emission += 1)),
        (
            "a weight commitment",
            Box::new(|s| s.commitments.weight_commitments[2] += Fr::from(1u64)),
        ),
        (
            "the previous bonds commitment",
            Box::new(|s| s.commitments.prev_bonds_commitment += Fr::from(1u64)),
        ),
        (
            "the new bonds commitment",
            Box::new(|s| s.commitments.new_bonds_commitment += Fr::from(1u64)),
        ),
        (
            "consensus +1 ulp",
            Box::new(|s| s.results.consensus_bits[3] += 1),
        ),
        (
            "consensus -1 ulp",
            Box::new(|s| s.results.consensus_bits[3] -= 1),
        ),
        (
            "a validator trust",
            Box::new(|s| s.results.validator_trust_bits[0] += 1),
        ),
        (
            "an incentive",
            Box::new(|s| s.results.incentive_bits[4] -= 1),
        ),
        ("a dividend", Box::new(|s| s.results.dividends_bits[1] += 1)),
        (
            "a server emission",
            Box::new(|s| s.results.server_emission[3] += 1),
        ),
        (
            "a validator emission",
            Box::new(|s| s.results.validator_emission[0] -= 1),
        ),
        ("an emission", Box::new(|s| s.results.emission[2] += 1)),
        (
            "the validator rows",
            Box::new(|s| s.chain.validators = vec![0, 1, 3]),
        ),
    ];
    for (what, tamper) in cases {
        let mut other = st.clone();
        tamper(&mut other);
        assert_ne!(other.public_digest(), st.public_digest(), "{what}");
        assert!(
            !satisfied(&circuit, other.public_digest()),
            "{what} changed, still satisfied"
        );
    }
    // Packed numbers: moving 2^33 between neighbouring consensus slots leaves the packed
    // element unchanged, so the statement check must refuse values outside their slots (and the
    // circuit range-checks every packed value, so no proof holds them).
    let k = (1..st.results.consensus_bits.len())
        .find(|k| st.results.consensus_bits[*k] > 0)
        .expect("a positive consensus");
    let mut other = st.clone();
    other.results.consensus_bits[k - 1] += 1 << PROPORTION_BITS;
    other.results.consensus_bits[k] -= 1;
    assert_eq!(other.public_digest(), st.public_digest(), "same packing");
    assert!(other.validate().is_err(), "a value outside its slot");
    let mut other = st.clone();
    other.results.validator_trust_bits[0] = -1;
    assert!(other.validate().is_err(), "a negative trust");
    let mut other = st.clone();
    other.chain.bonds_moving_average = 1_000_001;
    assert!(other.validate().is_err(), "a negative EMA rate");
    let mut other = st.clone();
    other.chain.shape.uids = 70_000;
    let err = other.validate().expect_err("more uids than a subnet has");
    assert!(err.to_string().contains("at most 65535"), "{err}");
    assert!(st.validate().is_ok());
    // Openings: a weight, a blinding, a previous bond.
    let mut c = circuit.clone();
    c.witness.weight_blindings[1] += Fr::from(1u64);
    assert!(!satisfied(&c, st.public_digest()), "a weight blinding");
    let mut c = circuit.clone();
    c.witness.prev_bonds_blinding += Fr::from(1u64);
    assert!(
        !satisfied(&c, st.public_digest()),
        "the previous bonds blinding"
    );
}

#[test]
fn no_witness_of_the_epoch_circuit_is_free() {
    for yuma3 in [true, false] {
        let mut input = SyntheticEpoch {
            validators: 3,
            uids: 5,
            yuma3,
            liquid_alpha: false,
            seed: 4,
        }
        .build();
        input.bonds_penalty = 30000;
        let circuit = EpochCircuit::build(&round(input, None), [1; 32]).expect("build");
        let cs = ConstraintSystem::<Fr>::new_ref();
        circuit
            .synthesize_with_input(cs.clone(), circuit.statement.public_digest())
            .expect("synthesis");
        common::finalize_for_tampering(&cs);
        // Every witness — private rows, quotients, remainders, comparison bits, and the public
        // chain state the digest binds — changed alone (bits flipped) breaks a constraint.
        common::assert_no_free_witness(&cs, 0, 300);
    }
}

/// What the prover calls (`ConstraintSynthesizer::generate_constraints`, with the statement's
/// own digest as the public input) is the system the other tests check: the same constraints and
/// public input, satisfied by the honest witness and not by a tampered one. (Mutation testing
/// found the entry point untested: replaced by a no-op, every other circuit test still passed.)
#[test]
fn the_provers_entry_point_is_the_checked_system() {
    let input = SyntheticEpoch {
        validators: 2,
        uids: 4,
        yuma3: true,
        liquid_alpha: false,
        seed: 9,
    }
    .build();
    let circuit = EpochCircuit::build(&round(input, None), [1; 32]).expect("build");
    let direct = ConstraintSystem::<Fr>::new_ref();
    circuit
        .synthesize_with_input(direct.clone(), circuit.statement.public_digest())
        .expect("synthesis");
    let via = ConstraintSystem::<Fr>::new_ref();
    circuit
        .clone()
        .generate_constraints(via.clone())
        .expect("synthesis");
    assert!(via.num_constraints() > 0);
    assert_eq!(via.num_constraints(), direct.num_constraints());
    assert_eq!(
        via.num_instance_variables(),
        2,
        "the digest is the one public input"
    );
    let instance = |cs: &ConstraintSystemRef<Fr>| {
        cs.borrow()
            .and_then(|c| c.instance_assignment().ok().map(<[Fr]>::to_vec))
    };
    assert_eq!(instance(&via), instance(&direct));
    assert!(via.is_satisfied().expect("assignment"));
    let mut tampered = circuit.clone();
    tampered.witness.weight_blindings[0] += Fr::from(1u64);
    let cs = ConstraintSystem::<Fr>::new_ref();
    tampered
        .generate_constraints(cs.clone())
        .expect("synthesis");
    assert!(!cs.is_satisfied().expect("assignment"));
}

/// Keys come from `EpochCircuit::blank` (placeholder values): for every bonds rule, the blank
/// circuit of an honest epoch's shape is the same system — as many constraints, witnesses and
/// public inputs — or the keys it makes could not prove that epoch. (Mutation testing found the
/// blank circuit's liquid-alpha state unchecked.)
#[test]
fn the_key_generation_circuit_has_the_honest_shape() {
    let size = |circuit: &EpochCircuit| {
        let cs = ConstraintSystem::<Fr>::new_ref();
        circuit
            .clone()
            .generate_constraints(cs.clone())
            .expect("synthesis");
        cs.finalize();
        (
            cs.num_constraints(),
            cs.num_witness_variables(),
            cs.num_instance_variables(),
        )
    };
    for (yuma3, liquid_alpha) in [(true, false), (false, false), (true, true)] {
        let input = SyntheticEpoch {
            validators: 2,
            uids: 4,
            yuma3,
            liquid_alpha,
            seed: 5,
        }
        .build();
        let honest = EpochCircuit::build(&round(input, None), [1; 32]).expect("build");
        let blank = EpochCircuit::blank(honest.statement.shape());
        assert_eq!(
            size(&blank),
            size(&honest),
            "yuma3 {yuma3}, liquid alpha {liquid_alpha}"
        );
    }
}
