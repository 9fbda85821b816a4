//! snarkjs's `proof.json` (`proof_from_json`): JSON from anyone. What decodes is a proof whose
//! points are on their curves; written back with `proof_json` it decodes to the same proof; the
//! rest is refused by type.
#![no_main]

#[path = "common/mod.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use zkyuma_prover::interop::{proof_from_json, proof_json};
use zkyuma_prover::ProverError;

fn seeds() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        use ark_ec::{AffineRepr, CurveGroup};
        let p = ark_groth16::Proof::<ark_bn254::Bn254> {
            a: (ark_bn254::G1Affine::generator() * ark_bn254::Fr::from(5u64)).into_affine(),
            b: (ark_bn254::G2Affine::generator() * ark_bn254::Fr::from(7u64)).into_affine(),
            c: ark_bn254::G1Affine::generator(),
        };
        common::seed("proof", &serde_json::to_vec_pretty(&proof_json(&p)).expect("json"));
    });
}

fuzz_target!(|data: &[u8]| {
    seeds();
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    match proof_from_json(&v) {
        Ok(p) => {
            let back = proof_from_json(&proof_json(&p)).expect("a written proof decodes");
            assert_eq!(back, p, "a proof does not survive a write and a read");
        }
        Err(ProverError::Malformed { .. }) => {}
        Err(e) => panic!("unexpected refusal {e:?}"),
    }
});
