//! A whole phase-2 ceremony on disk for a real zkyuma circuit (the smallest score circuit,
//! 1 miner × 1 sample, 3 008 constraints): init on a phase 1, two contributions, the key
//! exported as a `.zkey` that `snarkjs zkey verify` accepts against the exported `.r1cs` and the
//! `.ptau`, a third contribution made by `snarkjs zkey contribute` and taken back, a beacon
//! (`tests/zkey.rs` has snarkjs verify a zkyuma beacon),
//! verify, finalize into `params/`, then a real score proof with the finalized keys verifies
//! with the chain's verifier. Damage is refused by name; a contributor killed mid-way loses
//! nothing. The phase 1 here is written from known secrets (`ptau::write_insecure`: a
//! snarkjs-made file of power 13 takes minutes; `tests/ceremony.rs` reads snarkjs's own).

use ark_bn254::Fr;
use rand_chacha::rand_core::SeedableRng;
mod common;
use common::{run_snarkjs, snarkjs_output, tiny_score_round, tiny_score_shape, Toy};
use zkyuma_prover::ceremony::ptau::write_insecure;
use zkyuma_prover::ceremony::run::{CeremonyCircuit, CeremonyDir};
use zkyuma_prover::keys::{KeyPaths, SetupKind};
use zkyuma_prover::score::{params_name, prove_score};
use zkyuma_verifier::{verify_score, PreparedVerifyingKey, Proof, VerifyingKey};

#[test]
fn a_ceremony_on_disk_gives_keys_that_prove_and_verify() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let ptau = dir.join("pot13.ptau");
    let secret = |x: u64| Fr::from(x);
    // Power 13: the circuit's domain is 2^12, and its quotient bases come from the domain
    // twice as large.
    write_insecure(&ptau, 13, secret(0x1234_5678), secret(77), secret(1999)).expect("ptau");
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    let (scoring, shape) = tiny_score_shape();
    let circuit = CeremonyCircuit::Score { scoring, shape };
    let ceremony = CeremonyDir::new(&dir.join("ceremony"));
    let t = ceremony
        .init(circuit.clone(), &ptau, &mut rng)
        .expect("init");
    assert_eq!(t.ptau_power, 13);
    assert!(t.contributions.is_empty());
    // A second init in the same directory is refused: it would discard the contributions.
    let err = ceremony
        .init(circuit, &ptau, &mut rng)
        .expect_err("twice")
        .to_string();
    assert!(err.contains("a ceremony is already here"), "{err}");
    // Finalizing before anyone contributed is refused (δ = 1 is public).
    let params = dir.join("params");
    let keys = dir.join("keys");
    let err = match ceremony.finalize(&ptau, &params, &keys, &mut rng) {
        Ok(_) => panic!("finalized without a contribution"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("no contribution"), "{err}");

    let alice = ceremony
        .contribute("alice", b"alice's dice")
        .expect("alice");
    let bob = ceremony.contribute("bob", b"").expect("bob");
    assert_ne!(alice.transcript, bob.transcript);

    // snarkjs checks the ceremony so far against the circuit and the phase 1, and contributes.
    zkyuma_prover::interop::write_r1cs(
        zkyuma_circuits::score::constraints::ScoreCircuit::blank(scoring, shape),
        &dir.join("score.r1cs"),
    )
    .expect("r1cs");
    ceremony.export_zkey(&dir.join("two.zkey")).expect("export");
    let (ok, out) = snarkjs_output(
        dir,
        &["zkey", "verify", "score.r1cs", "pot13.ptau", "two.zkey"],
    );
    assert!(ok && out.contains("ZKey Ok!"), "snarkjs zkey verify: {out}");
    assert!(
        out.contains(&alice.hash[..8]),
        "snarkjs prints alice's hash: {out}"
    );
    run_snarkjs(
        dir,
        &[
            "zkey",
            "contribute",
            "two.zkey",
            "three.zkey",
            "--name=carol",
            "-e=carol's entropy",
        ],
    );
    // A key for another circuit is refused before any long check.
    let (toy_pk, toy_rows) = zkyuma_prover::ceremony::phase2::initial_key(
        &zkyuma_prover::ceremony::ptau::Ptau::open(&ptau).expect("ptau"),
        Toy {
            x: Fr::from(1u64),
            y: Fr::from(2u64),
        },
    )
    .expect("toy key");
    zkyuma_prover::ceremony::zkey::write_zkey(
        &dir.join("toy.zkey"),
        &toy_pk,
        &toy_rows,
        &[0; 64],
        &[],
    )
    .expect("toy zkey");
    let err = ceremony
        .import_zkey(&dir.join("toy.zkey"), &ptau, &mut rng)
        .expect_err("another circuit")
        .to_string();
    assert!(err.contains("for another circuit"), "{err}");
    // A key that does not extend the ceremony (the exported one adds nothing).
    let err = ceremony
        .import_zkey(&dir.join("two.zkey"), &ptau, &mut rng)
        .expect_err("adds nothing")
        .to_string();
    assert!(err.contains("does not extend this ceremony"), "{err}");
    let carol = ceremony
        .import_zkey(&dir.join("three.zkey"), &ptau, &mut rng)
        .expect("snarkjs's contribution is taken back");
    assert_eq!(carol.len(), 1);
    assert_eq!(carol[0].name, "carol");

    let beacon = ceremony
        .beacon("00112233445566778899aabbccddeeff", 10)
        .expect("beacon");
    let (_, _, named) = ceremony.verify(&ptau, &mut rng).expect("verifies");
    assert_eq!(
        named,
        vec![
            ("alice".to_string(), alice.hash.clone()),
            ("bob".to_string(), bob.hash.clone()),
            ("carol".to_string(), carol[0].hash.clone()),
            ("beacon".to_string(), beacon.hash.clone()),
        ]
    );
    // Only the current key is kept (a killed contributor leaves the previous one in place).
    assert!(dir.join("ceremony/key-0004.bin").exists());
    assert!(!dir.join("ceremony/key-0003.bin").exists());

    let finalized = ceremony
        .finalize(&ptau, &params, &keys, &mut rng)
        .expect("finalize");
    assert!(matches!(
        finalized.description.setup,
        SetupKind::Ceremony {
            contributions: 4,
            ..
        }
    ));
    let name = params_name(&scoring, &shape);
    let paths = KeyPaths::new(&params, &keys, &name);
    let loaded = paths
        .load(&finalized.description.circuit_id)
        .expect("the finalized keys load");
    let proof = prove_score(&loaded, scoring, &tiny_score_round(4, 21_000)).expect("proves");
    let vk = VerifyingKey::from_bytes(
        &paths.load_vk_bytes().expect("vk"),
        zkyuma_circuits::score::PUBLIC_INPUTS,
    )
    .expect("vk decodes");
    let pvk = PreparedVerifyingKey::new(vk);
    verify_score(
        &pvk,
        &proof.statement,
        &Proof::from_bytes(&proof.proof).expect("proof decodes"),
    )
    .expect("the chain's verifier accepts it");

    // Another phase 1, or a transcript edited after the fact, is refused by name.
    let other = dir.join("other.ptau");
    let mut bytes = std::fs::read(&ptau).expect("ptau");
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&other, bytes).expect("write");
    let err = ceremony
        .verify(&other, &mut rng)
        .expect_err("other ptau")
        .to_string();
    assert!(err.contains("does not match the recorded"), "{err}");
    let path = dir.join("ceremony/ceremony.json");
    let text = std::fs::read_to_string(&path).expect("transcript");
    std::fs::write(&path, text.replacen(&alice.hash, &bob.hash, 1)).expect("write");
    let err = ceremony
        .verify(&ptau, &mut rng)
        .expect_err("edited")
        .to_string();
    assert!(err.contains("its hash is not its content's"), "{err}");
}
