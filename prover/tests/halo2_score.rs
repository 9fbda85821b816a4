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

/// A one-cell circuit on the shared chips: `x` is public and below `2^8` (4-bit limbs, a
/// 16-row table), small enough for snarkjs's own power-8 `.ptau`.
#[derive(Clone, Copy)]
struct Byte(u64);

impl halo2_axiom::plonk::Circuit<zkyuma_circuits::halo2::Fp> for Byte {
    type Config = zkyuma_circuits::halo2::ChipConfig;
    type FloorPlanner = halo2_axiom::circuit::SimpleFloorPlanner;
    type Params = usize;

    fn without_witnesses(&self) -> Self {
        Self(0)
    }

    fn params(&self) -> usize {
        4
    }

    fn configure_with_params(
        meta: &mut halo2_axiom::plonk::ConstraintSystem<zkyuma_circuits::halo2::Fp>,
        limb_bits: usize,
    ) -> Self::Config {
        zkyuma_circuits::halo2::ChipConfig::configure(meta, limb_bits)
    }

    fn configure(
        meta: &mut halo2_axiom::plonk::ConstraintSystem<zkyuma_circuits::halo2::Fp>,
    ) -> Self::Config {
        zkyuma_circuits::halo2::ChipConfig::configure(meta, 4)
    }

    fn synthesize(
        &self,
        config: Self::Config,
        layouter: impl halo2_axiom::circuit::Layouter<zkyuma_circuits::halo2::Fp>,
    ) -> Result<(), halo2_axiom::plonk::Error> {
        let mut synth = zkyuma_circuits::halo2::Synth::new(&config, layouter)?;
        let x = synth.region("byte", |rows| {
            zkyuma_circuits::halo2::range::witness(
                rows,
                halo2_axiom::circuit::Value::known(zkyuma_circuits::halo2::Fp::from(self.0)),
                8,
            )
        })?;
        synth.expose(&x, 0);
        Ok(())
    }
}

#[test]
fn kzg_keys_from_snarkjs_own_powers_of_tau() {
    // A powers-of-tau file made by snarkjs itself (see `tests/fixtures/README.md`).
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pot8.ptau");
    let setup = Halo2Setup::Kzg(std::sync::Arc::new(
        Ptau::open(&fixture).expect("snarkjs ptau"),
    ));
    let keys = Halo2Keys::generate(&setup, &Byte(0), 1).expect("keys");
    let proof = keys.prove(Byte(200), &[Fr::from(200u64)]).expect("proof");
    let key = keys.verifying_key();
    assert_eq!(key.verify(&[Fr::from(200u64)], &proof), Ok(()));
    assert_eq!(
        key.verify(&[Fr::from(201u64)], &proof),
        Err(VerifyError::Rejected)
    );
    // 256 does not fit 8 bits: no proof.
    assert!(keys.prove(Byte(256), &[Fr::from(256u64)]).is_err());
}

/// The key's `k` (header and halo2's own) set to `k`: a well-formed key of a larger domain.
fn with_rows(bytes: &[u8], old_k: u32, k: u32) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out[19..23].copy_from_slice(&k.to_le_bytes());
    // halo2's key starts with its version byte 2, then `k` (little-endian).
    let mut pattern = vec![2u8];
    pattern.extend_from_slice(&old_k.to_le_bytes());
    let at = (23..out.len() - 5)
        .find(|&i| out[i..i + 5] == pattern[..])
        .expect("halo2's key");
    out[at + 1..at + 5].copy_from_slice(&k.to_le_bytes());
    out
}

#[test]
fn a_key_may_name_only_so_many_rows() {
    // Why: an IPA verifier derives 2^k generators, so a stranger's key naming 2^21 rows is
    // refused before any work; a KZG verifier's work does not grow with k, so its keys may be
    // larger (the epoch at 64 × 256 is 2^21 rows) — up to MAX_K_KZG.
    use zkyuma_verifier::halo2::{MAX_K, MAX_K_KZG};
    let tmp = tempfile::tempdir().expect("tempdir");
    let ptau = tmp.path().join("pot12.ptau");
    write_insecure(&ptau, 12, Fr::from(9u64), Fr::from(3u64), Fr::from(4u64)).expect("ptau");
    let kzg = Halo2Setup::Kzg(std::sync::Arc::new(Ptau::open(&ptau).expect("ptau")));
    for (system, setup, max) in [
        (ProofSystem::Halo2Ipa, Halo2Setup::Ipa, MAX_K),
        (ProofSystem::Halo2Kzg, kzg, MAX_K_KZG),
    ] {
        let keys = make_keys(&setup);
        let bytes = keys.verifying_key().to_bytes();
        let k = u32::from_le_bytes([bytes[19], bytes[20], bytes[21], bytes[22]]);
        // At the bound: a key of a larger domain decodes (and its proofs are another story).
        let at_bound = with_rows(&bytes, k, max);
        let key = StatementKey::from_bytes(system, &at_bound, PUBLIC_INPUTS)
            .unwrap_or_else(|e| panic!("{system}: 2^{max} rows: {e}"));
        let (statement, proof) = prove(&keys, 5);
        if system == ProofSystem::Halo2Kzg {
            // The proof of the 2^k circuit is not one of the larger domain's.
            let sealed = SystemProof {
                system,
                bytes: proof,
            };
            assert!(key.verify(&statement, &sealed).is_err(), "{system}");
        }
        // One more row bit: refused as an encoding error, before anything is derived.
        let past = with_rows(&bytes, k, max + 1);
        assert!(
            matches!(
                StatementKey::from_bytes(system, &past, PUBLIC_INPUTS),
                Err(VerifyError::Encoding { .. })
            ),
            "{system}: 2^{} rows",
            max + 1
        );
    }
}
