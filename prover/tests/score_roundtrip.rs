//! A real Groth16 round trip at a tiny shape: setup, keys on disk, prove, verify (single and
//! batch), and every kind of wrong proof, statement or key rejected with the right typed error.
use ark_bn254::Fr;
use zkyuma_circuits::score::{MinerAnswer, Record, ScoreRound, WeightsBinding, WeightsMode};
use zkyuma_circuits::scoring::{Accuracy, Mse, Scoring};
use zkyuma_prover::keys::{KeyPaths, SetupKind};
use zkyuma_prover::score::{params_name, prove_score, setup_score};
use zkyuma_prover::ProverError;
use zkyuma_verifier::{
    verify_score, verify_score_batch, PreparedVerifyingKey, Proof, VerifyError, VerifyingKey,
};

fn round(epoch: u64, hotkey: u8, mode: WeightsMode) -> ScoreRound {
    ScoreRound {
        netuid: 3,
        epoch,
        validator_hotkey: [hotkey; 32],
        depth: 3,
        mode,
        sample_seed: [epoch as u8; 32],
        records: (0..5)
            .map(|r| Record {
                features: vec![r, 2 * r + 1],
                label: 10_000 * r as u16,
            })
            .collect(),
        samples: 3,
        miners: (0..2)
            .map(|i| {
                Some(MinerAnswer {
                    outputs: (0..3).map(|k| (i * 9_000 + k * 4_000) as u16).collect(),
                    blinding: Fr::from(77 + i as u64),
                })
            })
            .collect(),
        weight_blinding: Fr::from(5u64),
    }
}

fn insecure(seed: &str) -> SetupKind {
    SetupKind::InsecureDeterministic { seed: seed.into() }
}

#[test]
fn prove_verify_and_reject() {
    let scoring = Scoring::Mse { amplification: 16 };
    let shape = round(1, 1, WeightsMode::Hidden).shape();
    let keys = setup_score(scoring, shape, insecure("test")).expect("setup");
    assert_eq!(keys.description.public_inputs, 6);

    // Keys survive the disk, checked by blake3.
    let dir = tempfile::tempdir().expect("tempdir");
    let paths = KeyPaths::new(
        &dir.path().join("params"),
        &dir.path().join("keys"),
        &params_name(&scoring, &shape),
    );
    paths.save(&keys).expect("save");
    let loaded = paths.load(&keys.description.circuit_id).expect("load");
    assert_eq!(loaded.vk_bytes(), keys.vk_bytes());

    let vk_bytes = paths.load_vk_bytes().expect("vk");
    let pvk = PreparedVerifyingKey::new(
        VerifyingKey::from_bytes(&vk_bytes, zkyuma_circuits::score::PUBLIC_INPUTS)
            .expect("vk decodes"),
    );
    assert_eq!(pvk.hash(), keys.vk_hash());

    let proofs: Vec<_> = (0..3)
        .map(|e| {
            prove_score(
                &loaded,
                scoring,
                &round(e, 1 + e as u8, WeightsMode::Hidden),
            )
            .expect("prove")
        })
        .collect();
    for p in &proofs {
        assert_eq!(p.proof.len(), 128, "compressed proof is 128 bytes");
        let proof = Proof::from_bytes(&p.proof).expect("decodes");
        verify_score(&pvk, &p.statement, &proof).expect("honest proof verifies");
    }

    // Another statement: each field changed, the proof no longer verifies.
    let p = &proofs[0];
    let proof = Proof::from_bytes(&p.proof).expect("decodes");
    let mut other = p.statement.clone();
    other.epoch += 1;
    assert_eq!(
        verify_score(&pvk, &other, &proof),
        Err(VerifyError::Rejected)
    );
    let mut other = p.statement.clone();
    other.miner_commitments[1] += Fr::from(1u64);
    assert_eq!(
        verify_score(&pvk, &other, &proof),
        Err(VerifyError::Rejected)
    );
    let mut other = p.statement.clone();
    if let WeightsBinding::Hidden { commitment } = &mut other.weights {
        *commitment += Fr::from(1u64);
    }
    assert_eq!(
        verify_score(&pvk, &other, &proof),
        Err(VerifyError::Rejected)
    );
    // A proof for another validator or epoch (replay) does not verify for this statement.
    let replay = Proof::from_bytes(&proofs[1].proof).expect("decodes");
    assert_eq!(
        verify_score(&pvk, &p.statement, &replay),
        Err(VerifyError::Rejected)
    );

    // Another verifying key.
    let other_keys = setup_score(scoring, shape, insecure("other")).expect("setup");
    let other_pvk = PreparedVerifyingKey::new(
        VerifyingKey::from_bytes(
            &other_keys.vk_bytes(),
            zkyuma_circuits::score::PUBLIC_INPUTS,
        )
        .expect("vk"),
    );
    assert_eq!(
        verify_score(&other_pvk, &p.statement, &proof),
        Err(VerifyError::VkMismatch)
    );
    let mut claimed = p.statement.clone();
    claimed.vk_hash = other_pvk.hash();
    assert_eq!(
        verify_score(&other_pvk, &claimed, &proof),
        Err(VerifyError::Rejected)
    );

    // Malformed bytes.
    assert!(matches!(
        Proof::from_bytes(&p.proof[..127]),
        Err(VerifyError::Length {
            expected: 128,
            got: 127,
            ..
        })
    ));
    let mut flipped = p.proof.clone();
    flipped[40] ^= 0x01;
    match Proof::from_bytes(&flipped) {
        Err(VerifyError::Encoding { .. }) => {}
        Ok(q) => assert_eq!(
            verify_score(&pvk, &p.statement, &q),
            Err(VerifyError::Rejected)
        ),
        Err(e) => panic!("unexpected {e}"),
    }
    assert!(matches!(
        VerifyingKey::from_bytes(&vk_bytes[..vk_bytes.len() - 1], 1),
        Err(VerifyError::Length { .. })
    ));
    assert!(matches!(
        VerifyingKey::from_bytes(&vk_bytes, 2),
        Err(VerifyError::Length { .. })
    ));

    // Batch verification: all honest pass; one bad is named.
    let items: Vec<_> = proofs
        .iter()
        .map(|p| {
            (
                p.statement.clone(),
                Proof::from_bytes(&p.proof).expect("decodes"),
            )
        })
        .collect();
    verify_score_batch(&pvk, &items).expect("batch");
    let mut bad = items.clone();
    bad[2].1 = bad[0].1;
    assert_eq!(
        verify_score_batch(&pvk, &bad),
        Err(VerifyError::BatchRejected { index: 2 })
    );
    assert_eq!(verify_score_batch(&pvk, &[]), Err(VerifyError::EmptyBatch));
}

#[test]
fn keys_for_another_circuit_or_corrupted_are_refused() {
    let shape = round(1, 1, WeightsMode::Public).shape();
    let keys = setup_score(Accuracy, shape, insecure("t")).expect("setup");
    let dir = tempfile::tempdir().expect("tempdir");
    let paths = KeyPaths::new(dir.path(), dir.path(), "c");
    paths.save(&keys).expect("save");
    // Proving a round with a different scoring function than the keys' circuit.
    let err = prove_score(&keys, Mse::DEFAULT, &round(1, 1, WeightsMode::Public)).err();
    assert!(matches!(err, Some(ProverError::WrongCircuit { .. })));
    // A flipped byte in the proving key is caught by its checksum.
    let mut pk = std::fs::read(&paths.pk_path).expect("pk");
    pk[1000] ^= 1;
    std::fs::write(&paths.pk_path, pk).expect("write");
    assert!(matches!(
        paths.load(&keys.description.circuit_id),
        Err(ProverError::Checksum { .. })
    ));
    // And a changed vk.bin by checksums.b3.
    let mut vk = std::fs::read(paths.vk_path()).expect("vk");
    vk[3] ^= 1;
    std::fs::write(paths.vk_path(), vk).expect("write");
    assert!(matches!(
        paths.load_vk_bytes(),
        Err(ProverError::Checksum { .. })
    ));
}

#[test]
fn the_proof_system_seam_verifies_statements_by_their_system() {
    // Why: the chain and the auditor verify through `StatementKey` / `SystemProof` only; a
    // proof must verify there exactly as through the Groth16 functions, and a statement naming
    // another key must be refused before any pairing.
    use zkyuma_circuits::score::PUBLIC_INPUTS;
    use zkyuma_verifier::{ProofSystem, StatementKey, SystemProof};
    let scoring = Scoring::Mse { amplification: 16 };
    let shape = round(1, 1, WeightsMode::Hidden).shape();
    let keys = setup_score(scoring, shape, insecure("seam")).expect("setup");
    assert_eq!(keys.proof_system(), ProofSystem::Groth16);
    let key = StatementKey::from_bytes(keys.proof_system(), &keys.vk_bytes(), PUBLIC_INPUTS)
        .expect("key");
    assert_eq!(key.hash(), keys.vk_hash());
    let a = prove_score(&keys, scoring, &round(1, 1, WeightsMode::Hidden)).expect("prove");
    let b = prove_score(&keys, scoring, &round(2, 4, WeightsMode::Hidden)).expect("prove");
    let pa = SystemProof {
        system: ProofSystem::Groth16,
        bytes: a.proof.clone(),
    };
    let pb = SystemProof {
        system: ProofSystem::Groth16,
        bytes: b.proof.clone(),
    };
    key.verify(&a.statement, &pa).expect("verifies");
    key.verify_batch(&[(&a.statement, &pa), (&b.statement, &pb)])
        .expect("batch verifies");
    // Swapped proofs: the second is named.
    assert_eq!(
        key.verify_batch(&[(&a.statement, &pa), (&b.statement, &pa)]),
        Err(VerifyError::BatchRejected { index: 1 })
    );
    let mut other = a.statement.clone();
    other.vk_hash[0] ^= 1;
    assert_eq!(key.verify(&other, &pa), Err(VerifyError::VkMismatch));
    let short = SystemProof {
        system: ProofSystem::Groth16,
        bytes: a.proof[..100].to_vec(),
    };
    assert!(matches!(
        key.verify(&a.statement, &short),
        Err(VerifyError::Length { got: 100, .. })
    ));

    // The proving side: a `StatementProver` proves what the verifying side accepts, and refuses
    // a statement naming another key or a witness the native check rejects, before proving.
    use zkyuma_prover::system::{Groth16Score, StatementProver};
    let vk_hash = keys.vk_hash();
    let prover = Groth16Score::new(std::sync::Arc::new(keys), scoring);
    assert_eq!(prover.system(), ProofSystem::Groth16);
    let (statement, witness, _) = round(3, 2, WeightsMode::Hidden)
        .build(&scoring, vk_hash)
        .expect("round");
    let proof = SystemProof {
        system: prover.system(),
        bytes: prover.prove(&statement, &witness).expect("prove"),
    };
    key.verify(&statement, &proof)
        .expect("the seam's proof verifies");
    let mut other_key = statement.clone();
    other_key.vk_hash[1] ^= 1;
    assert!(matches!(
        prover.prove(&other_key, &witness),
        Err(ProverError::WrongCircuit { .. })
    ));
    let mut bad = witness.clone();
    bad.labels[0] ^= 1;
    assert!(matches!(
        prover.prove(&statement, &bad),
        Err(ProverError::Statement(_))
    ));
}
