//! A whole phase-2 ceremony on disk for a real zkyuma circuit (the smallest score circuit,
//! 1 miner × 1 sample, 3 008 constraints): init on a phase 1, two contributions and a beacon,
//! verify, finalize into `params/`, then a real score proof with the finalized keys verifies
//! with the chain's verifier. Damage is refused by name; a contributor killed mid-way loses
//! nothing. The phase 1 here is written from known secrets (`ptau::write_insecure`: a
//! snarkjs-made file of power 12 takes minutes; `tests/ceremony.rs` reads snarkjs's own).

use ark_bn254::Fr;
use rand_chacha::rand_core::SeedableRng;
mod common;
use common::{tiny_score_round, tiny_score_shape};
use zkyuma_prover::ceremony::ptau::write_insecure;
use zkyuma_prover::ceremony::run::{CeremonyCircuit, CeremonyDir};
use zkyuma_prover::keys::{KeyPaths, SetupKind};
use zkyuma_prover::score::{params_name, prove_score};
use zkyuma_verifier::{verify_score, PreparedVerifyingKey, Proof, VerifyingKey};

#[test]
fn a_ceremony_on_disk_gives_keys_that_prove_and_verify() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let ptau = dir.join("pot12.ptau");
    let secret = |x: u64| Fr::from(x);
    write_insecure(&ptau, 12, secret(0x1234_5678), secret(77), secret(1999)).expect("ptau");
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    let (scoring, shape) = tiny_score_shape();
    let circuit = CeremonyCircuit::Score { scoring, shape };
    let ceremony = CeremonyDir::new(&dir.join("ceremony"));
    let t = ceremony
        .init(circuit.clone(), &ptau, &mut rng)
        .expect("init");
    assert_eq!(t.ptau_power, 12);
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
        .contribute("alice", b"alice's dice", &mut rng)
        .expect("alice");
    let bob = ceremony.contribute("bob", b"", &mut rng).expect("bob");
    assert_eq!(
        bob.previous, alice.hash,
        "each contribution continues the transcript"
    );
    let beacon = ceremony
        .beacon("00112233445566778899aabbccddeeff", 6, &mut rng)
        .expect("beacon");
    let (_, _, named) = ceremony.verify(&ptau, &mut rng).expect("verifies");
    assert_eq!(
        named,
        vec![
            ("alice".to_string(), alice.hash.clone()),
            ("bob".to_string(), bob.hash.clone()),
            ("beacon".to_string(), beacon.hash.clone()),
        ]
    );
    // Only the current key is kept (a killed contributor leaves the previous one in place).
    assert!(dir.join("ceremony/key-0003.bin").exists());
    assert!(!dir.join("ceremony/key-0002.bin").exists());

    let finalized = ceremony
        .finalize(&ptau, &params, &keys, &mut rng)
        .expect("finalize");
    assert!(matches!(
        finalized.description.setup,
        SetupKind::Ceremony {
            contributions: 3,
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
    std::fs::write(&path, text.replace("\"bob\"", "\"eve\"")).expect("write");
    let err = ceremony
        .verify(&ptau, &mut rng)
        .expect_err("edited")
        .to_string();
    assert!(err.contains("its hash is not its content's"), "{err}");
}
