//! The small-memory prover and key generator (`zkyuma_prover::groth16`) against arkworks' own
//! (with snarkjs's QAP reduction, `SnarkjsReduction`): from the same randomness the proving key is
//! the same byte for byte, and a proof with the same `r, s` is the same proof; a key of another
//! circuit is refused with an error.
use ark_bn254::{Bn254, Fr};
use ark_groth16::Groth16;
use ark_serialize::CanonicalSerialize;
use ark_snark::SNARK;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkyuma_circuits::epoch::constraints::EpochCircuit;
use zkyuma_circuits::epoch::{BondsRule, EpochRound, EpochShape};
use zkyuma_circuits::yuma::synthetic::SyntheticEpoch;
use zkyuma_prover::groth16::{generate, prove_with, ConstraintRows, SnarkjsReduction};
use zkyuma_prover::ProverError;

fn bytes(x: &impl CanonicalSerialize) -> Vec<u8> {
    let mut out = Vec::new();
    x.serialize_uncompressed(&mut out).expect("serialize");
    out
}

fn circuit(yuma3: bool, seed: u64) -> EpochCircuit {
    let round = EpochRound {
        netuid: 2,
        epoch: 5,
        input: SyntheticEpoch {
            validators: 2,
            uids: 4,
            yuma3,
            liquid_alpha: false,
            seed,
        }
        .build(),
        validators: None,
        prev_validators: None,
        weight_blindings: vec![Fr::from(7u64), Fr::from(8u64)],
        prev_bonds_blinding: Fr::from(9u64),
        new_bonds_blinding: Fr::from(10u64),
    };
    EpochCircuit::build(&round, [1; 32]).expect("circuit")
}

#[test]
fn keys_and_proofs_equal_arkworks() {
    for yuma3 in [true, false] {
        let bonds = if yuma3 {
            BondsRule::Yuma3
        } else {
            BondsRule::Original
        };
        let blank = EpochCircuit::blank(EpochShape {
            validators: 2,
            uids: 4,
            bonds,
        });
        let (ours, rows) =
            generate(blank.clone(), &mut ChaCha20Rng::from_seed([3; 32])).expect("generate");
        let (theirs, _) = Groth16::<Bn254, SnarkjsReduction>::circuit_specific_setup(
            blank,
            &mut ChaCha20Rng::from_seed([3; 32]),
        )
        .expect("arkworks setup");
        assert_eq!(bytes(&ours), bytes(&theirs), "proving keys differ");
        assert!(rows.c.is_empty(), "C rows are dropped after key generation");
        assert!(rows.a.entries() > 0 && rows.b.entries() > 0);

        let c = circuit(yuma3, 4);
        let (r, s) = (Fr::from(11u64), Fr::from(12u64));
        let proof = prove_with(&ours, c.clone(), r, s).expect("prove");
        let reference =
            Groth16::<Bn254, SnarkjsReduction>::create_proof_with_reduction(c, &theirs, r, s)
                .expect("arkworks");
        assert_eq!(bytes(&proof), bytes(&reference), "proofs differ");
    }
}

#[test]
fn rows_match_the_circuit_counts() {
    let c = circuit(true, 6);
    let rows = ConstraintRows::of(c.clone()).expect("rows");
    let (constraints, witnesses, inputs) = zkyuma_prover::keys::describe(c).expect("describe");
    assert_eq!(rows.constraints(), constraints);
    assert_eq!(rows.b.len(), constraints);
    assert_eq!(rows.witness_variables, witnesses);
    assert_eq!(rows.instance_variables, inputs + 1);
    assert!(rows.c.is_empty());
}

#[test]
fn a_key_of_another_circuit_is_refused() {
    let small = EpochCircuit::blank(EpochShape {
        validators: 1,
        uids: 2,
        bonds: BondsRule::Yuma3,
    });
    let (pk, _) = generate(small, &mut ChaCha20Rng::from_seed([1; 32])).expect("generate");
    let err = prove_with(&pk, circuit(true, 1), Fr::from(1u64), Fr::from(2u64))
        .expect_err("another circuit's key");
    assert!(matches!(err, ProverError::KeySize { .. }), "{err}");
}

#[test]
fn rows_round_trip_through_the_keys_directory_and_are_checked() {
    use zkyuma_prover::keys::{setup, KeyPaths, SetupKind};
    let shape = EpochShape {
        validators: 1,
        uids: 2,
        bonds: BondsRule::Yuma3,
    };
    let id = zkyuma_circuits::epoch::circuit_id(&shape);
    let keys = setup(
        &id,
        EpochCircuit::blank(shape),
        SetupKind::InsecureDeterministic { seed: "t".into() },
    )
    .expect("setup");
    let dir = tempfile::tempdir().expect("tempdir");
    let paths = KeyPaths::new(dir.path(), dir.path(), "c");
    paths.save(&keys).expect("save");
    let loaded = paths.load(&id).expect("load");
    assert_eq!(loaded.rows, keys.rows);
    assert!(loaded.rows.as_ref().is_some_and(|r| r.check().is_ok()));

    // A flipped byte in rows.bin is caught by its checksum; a missing file is an I/O error.
    let mut bytes = std::fs::read(paths.rows_path()).expect("rows");
    bytes[100] ^= 1;
    std::fs::write(paths.rows_path(), &bytes).expect("write");
    assert!(matches!(paths.load(&id), Err(ProverError::Checksum { .. })));
    std::fs::remove_file(paths.rows_path()).expect("remove");
    assert!(matches!(paths.load(&id), Err(ProverError::Io { .. })));

    // Rows whose indices leave their range are refused by the structural check.
    let mut bad = keys.rows.clone().expect("rows");
    bad.witness_variables = 0;
    assert!(bad.check().is_err(), "variables out of range");
    let mut bad = keys.rows.clone().expect("rows");
    bad.coefficients.clear();
    assert!(bad.check().is_err(), "coefficients out of range");
}

/// The smallest shape: every sum the circuit keeps as one variable has a single term here, which
/// must not change the circuit's shape between key generation and proving.
#[test]
fn a_one_uid_epoch_proves_and_verifies() {
    use zkyuma_prover::epoch::{prove_epoch, setup_epoch};
    use zkyuma_prover::keys::SetupKind;
    for yuma3 in [true, false] {
        let round = EpochRound {
            netuid: 1,
            epoch: 1,
            input: SyntheticEpoch {
                validators: 1,
                uids: 1,
                yuma3,
                liquid_alpha: false,
                seed: 2,
            }
            .build(),
            validators: None,
            prev_validators: None,
            weight_blindings: vec![Fr::from(7u64)],
            prev_bonds_blinding: Fr::from(9u64),
            new_bonds_blinding: Fr::from(10u64),
        };
        let keys = setup_epoch(
            round.shape(),
            SetupKind::InsecureDeterministic { seed: "t".into() },
        )
        .expect("setup");
        let proof = prove_epoch(&keys, &round).expect("a 1-uid epoch proves");
        let vk = zkyuma_verifier::VerifyingKey::from_bytes(&keys.vk_bytes(), 1).expect("vk");
        let pvk = zkyuma_verifier::PreparedVerifyingKey::new(vk);
        let p = zkyuma_verifier::Proof::from_bytes(&proof.proof).expect("proof");
        zkyuma_verifier::verify_epoch(&pvk, &proof.statement, &p).expect("verifies");
    }
}

/// A witness that does not satisfy the circuit (here: a statement whose consensus differs from
/// the one the witness computes) is reported, not turned into a proof that fails later.
#[test]
fn an_unsatisfied_witness_is_reported() {
    let mut c = circuit(true, 3);
    let (pk, rows) = generate(c.clone(), &mut ChaCha20Rng::from_seed([2; 32])).expect("generate");
    c.statement.results.consensus_bits[0] += 1;
    let err =
        zkyuma_prover::groth16::prove_with_rows(&pk, &rows, c, Fr::from(1u64), Fr::from(2u64))
            .expect_err("unsatisfied");
    assert!(matches!(err, ProverError::Unsatisfied), "{err}");
}

/// The prover that streams the proving key from its file makes the same proof as the one holding
/// it in memory (and so arkworks'), and refuses a file that is not the recorded key: a byte
/// flipped in the verifying key at its head, in the middle of a query or in the last point, a
/// file cut short or lengthened, the key of another circuit with its own (correct) checksum, and a
/// key whose verifying key is not the expected one.
#[test]
fn a_streamed_key_gives_the_same_proof_and_a_wrong_file_is_refused() {
    use zkyuma_prover::groth16::{prove_from_file, KeyFile};
    let c = circuit(true, 5);
    let (pk, rows) = generate(c.clone(), &mut ChaCha20Rng::from_seed([4; 32])).expect("generate");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("pk.bin");
    let good = bytes(&pk);
    std::fs::write(&path, &good).expect("write");
    let blake3 = blake3::hash(&good).to_hex().to_string();
    let (r, s) = (Fr::from(21u64), Fr::from(22u64));
    let key = KeyFile {
        path: &path,
        blake3: &blake3,
        bytes: good.len() as u64,
        vk: &pk.vk,
    };
    let streamed = prove_from_file(key, Some(&rows), c.clone(), r, s).expect("streamed proof");
    let in_memory = prove_with(&pk, c.clone(), r, s).expect("proof");
    assert_eq!(
        bytes(&streamed),
        bytes(&in_memory),
        "streamed proof differs"
    );
    // Without rows the prover derives them from the circuit.
    let derived = prove_from_file(key, None, c.clone(), r, s).expect("proof without rows");
    assert_eq!(bytes(&derived), bytes(&in_memory));

    // A file of the recorded size but other contents fails the hash; one of another size is
    // refused before proving.
    let refused = |contents: &[u8]| {
        std::fs::write(&path, contents).expect("write");
        let key = KeyFile {
            bytes: contents.len() as u64,
            ..key
        };
        prove_from_file(key, Some(&rows), c.clone(), r, s).expect_err("a wrong key file")
    };
    for at in [10, good.len() / 2, good.len() - 3] {
        let mut bad = good.clone();
        bad[at] ^= 1;
        assert!(
            matches!(refused(&bad), ProverError::Checksum { .. }),
            "byte {at}"
        );
    }
    assert!(matches!(
        refused(&good[..good.len() - 64]),
        ProverError::Checksum { .. }
    ));
    let mut longer = good.clone();
    longer.push(0);
    assert!(matches!(refused(&longer), ProverError::Checksum { .. }));
    std::fs::write(&path, &longer).expect("write");
    let err = prove_from_file(key, Some(&rows), c.clone(), r, s).expect_err("size");
    assert!(
        matches!(err, ProverError::CountMismatch { what: "bytes", .. }),
        "{err}"
    );

    // Another circuit's key, checksum and verifying key all consistent: the sizes differ.
    let small = EpochCircuit::blank(EpochShape {
        validators: 1,
        uids: 2,
        bonds: BondsRule::Yuma3,
    });
    let (other, _) = generate(small, &mut ChaCha20Rng::from_seed([1; 32])).expect("generate");
    let other_bytes = bytes(&other);
    std::fs::write(&path, &other_bytes).expect("write");
    let other_blake3 = blake3::hash(&other_bytes).to_hex().to_string();
    let other_key = KeyFile {
        path: &path,
        blake3: &other_blake3,
        bytes: other_bytes.len() as u64,
        vk: &other.vk,
    };
    let err = prove_from_file(other_key, Some(&rows), c.clone(), r, s).expect_err("other circuit");
    assert!(matches!(err, ProverError::KeySize { .. }), "{err}");
    // The right file with the wrong verifying key expected.
    std::fs::write(&path, &good).expect("write");
    let wrong_vk = KeyFile {
        vk: &other.vk,
        ..key
    };
    let err = prove_from_file(wrong_vk, Some(&rows), c, r, s).expect_err("other vk");
    assert!(matches!(err, ProverError::VkMismatch { .. }), "{err}");
}
