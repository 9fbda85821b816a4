//! Real halo2 score proofs, IPA and KZG: keys from the circuit's blank instance (KZG from a
//! powers-of-tau file), a proof of an honest round verifies through the chain's verifier
//! ([`StatementKey`]); a proof does not verify for another statement, under the other scheme's
//! key, or with a byte changed; malformed keys are typed refusals.

use ark_bn254::Fr;
mod common;
use common::{tiny_score_round, tiny_score_shape};
use zkyuma_circuits::score::halo2::ScoreHalo2;
use zkyuma_circuits::score::{ScoreStatement, PUBLIC_INPUTS};
use zkyuma_circuits::statement::ProofSystem;
use zkyuma_prover::ceremony::ptau::{write_insecure, Ptau};
use zkyuma_prover::halo2::{Halo2Keys, Halo2Setup};
use zkyuma_verifier::{StatementKey, SystemProof, VerifyError};

/// Small range tables keep the test circuits at `2^11` rows.
const LIMB: usize = 8;

fn make_keys(setup: &Halo2Setup) -> Halo2Keys {
    let (scoring, shape) = tiny_score_shape();
    let blank = ScoreHalo2 {
        limb_bits: LIMB,
        ..ScoreHalo2::blank(scoring, shape)
    };
    Halo2Keys::generate(setup, &blank, PUBLIC_INPUTS).expect("keys")
}

fn prove(keys: &Halo2Keys, epoch: u64) -> (ScoreStatement, Vec<u8>) {
    let (scoring, _) = tiny_score_shape();
    let (statement, witness, _) = tiny_score_round(epoch, 31_000)
        .build(&scoring, keys.verifying_key().hash())
        .expect("honest round");
    let circuit = ScoreHalo2 {
        limb_bits: LIMB,
        ..ScoreHalo2::new(statement.clone(), witness, scoring)
    };
    let proof = keys
        .prove(circuit, &statement.public_inputs())
        .expect("proof");
    (statement, proof)
}

fn check(system: ProofSystem, keys: &Halo2Keys) {
    let key_bytes = keys.verifying_key().to_bytes();
    let key = StatementKey::from_bytes(system, &key_bytes, PUBLIC_INPUTS).expect("key decodes");
    assert_eq!(key.hash(), keys.verifying_key().hash());
    let (statement, proof) = prove(keys, 5);
    let sealed = SystemProof {
        system,
        bytes: proof.clone(),
    };
    assert_eq!(key.verify(&statement, &sealed), Ok(()));
    assert_eq!(key.verify_batch(&[(&statement, &sealed)]), Ok(()));

    // Another epoch's statement: the proof does not verify for it.
    let mut other = statement.clone();
    other.epoch += 1;
    assert_eq!(key.verify(&other, &sealed), Err(VerifyError::Rejected));
    assert_eq!(
        key.verify_batch(&[(&statement, &sealed), (&other, &sealed)]),
        Err(VerifyError::BatchRejected { index: 1 })
    );
    // A byte of the proof changed, or a byte more.
    let mut bent = proof.clone();
    bent[40] ^= 1;
    let bent = SystemProof {
        system,
        bytes: bent,
    };
    assert_eq!(key.verify(&statement, &bent), Err(VerifyError::Rejected));
    let mut longer = proof.clone();
    longer.push(0);
    let longer = SystemProof {
        system,
        bytes: longer,
    };
    assert_eq!(key.verify(&statement, &longer), Err(VerifyError::Rejected));
    // The proof under another system's name.
    let groth = SystemProof {
        system: ProofSystem::Groth16,
        bytes: proof,
    };
    assert!(matches!(
        key.verify(&statement, &groth),
        Err(VerifyError::SystemMismatch { .. })
    ));
    // The key's bytes: read as the other halo2 scheme, truncated, one byte changed, one more.
    let other_scheme = match system {
        ProofSystem::Halo2Ipa => ProofSystem::Halo2Kzg,
        _ => ProofSystem::Halo2Ipa,
    };
    assert!(matches!(
        StatementKey::from_bytes(other_scheme, &key_bytes, PUBLIC_INPUTS),
        Err(VerifyError::SystemMismatch { .. })
    ));
    for len in [0, 10, 23, key_bytes.len() / 2, key_bytes.len() - 1] {
        assert!(
            matches!(
                StatementKey::from_bytes(system, &key_bytes[..len], PUBLIC_INPUTS),
                Err(VerifyError::Encoding { .. })
            ),
            "{len} bytes"
        );
    }
    // Any byte of the key changed: a typed refusal, or (a bit of halo2's own encoding that
    // still decodes) another key with another hash — never a panic, never the same key.
    for at in (0..key_bytes.len()).step_by(7) {
        let mut bent = key_bytes.clone();
        bent[at] ^= 0x40;
        match StatementKey::from_bytes(system, &bent, PUBLIC_INPUTS) {
            Err(_) => {}
            Ok(k) => assert_ne!(k.hash(), key.hash(), "byte {at}"),
        }
    }
    let mut more = key_bytes.clone();
    more.push(1);
    assert!(matches!(
        StatementKey::from_bytes(system, &more, PUBLIC_INPUTS),
        Err(VerifyError::Encoding { .. })
    ));
}

#[test]
fn ipa_score_proofs_verify_and_bind_their_statement() {
    let keys = make_keys(&Halo2Setup::Ipa);
    check(ProofSystem::Halo2Ipa, &keys);
}

#[test]
fn kzg_score_proofs_verify_and_bind_their_statement() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ptau = tmp.path().join("pot12.ptau");
    write_insecure(
        &ptau,
        12,
        Fr::from(0x5eed_u64),
        Fr::from(3u64),
        Fr::from(4u64),
    )
    .expect("ptau");
    let setup = Halo2Setup::Kzg(std::sync::Arc::new(Ptau::open(&ptau).expect("open")));
    let keys = make_keys(&setup);
    check(ProofSystem::Halo2Kzg, &keys);
    // The same setup serves another circuit (universal): a second key from the same file.
    let again = make_keys(&setup);
    assert_eq!(
        again.verifying_key().hash(),
        keys.verifying_key().hash(),
        "keys are deterministic"
    );
}
