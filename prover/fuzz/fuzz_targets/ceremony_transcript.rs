//! Ceremony transcripts (`ceremony.json`, and the `transcript.json` published beside a key):
//! JSON from anyone. What parses writes back to JSON that parses to the same transcript; its
//! hash and its contributions are checked or refused by type; and a chain of contributions that
//! verifies ends at a `δ` of the real ceremony's chain (a contributor's secret cannot be forged).
#![no_main]

#[path = "common/mod.rs"]
mod common;

use ark_ec::AffineRepr;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use zkyuma_prover::ceremony::phase2::verify_contributions;
use zkyuma_prover::ceremony::run::{CeremonyCircuit, Transcript};
use zkyuma_prover::ProverError;

/// `δ·G1` after each prefix of the real ceremony, and the generator (no contribution).
fn honest_deltas() -> &'static Vec<ark_bn254::G1Affine> {
    static D: OnceLock<Vec<ark_bn254::G1Affine>> = OnceLock::new();
    D.get_or_init(|| {
        let c = common::ceremony();
        let shape = zkyuma_circuits::score::ScoreShape {
            miners: 2,
            samples: 2,
            depth: 2,
            mode: zkyuma_circuits::score::WeightsMode::Hidden,
        };
        let scoring = zkyuma_circuits::scoring::Scoring::Mse { amplification: 16 };
        let circuit = CeremonyCircuit::Score { scoring, shape };
        let transcript = Transcript {
            circuit_id: circuit.circuit_id(),
            circuit,
            ptau_blake3: blake3::hash(common::POT8).to_hex().to_string(),
            ptau_power: 8,
            circuit_hash: hex::encode(c.circuit_hash),
            contributions: c.contributions.clone(),
        };
        common::seed(
            "ceremony",
            &serde_json::to_vec_pretty(&transcript).expect("serializes"),
        );
        let mut out = vec![ark_bn254::G1Affine::generator()];
        for i in 1..=c.contributions.len() {
            let (_, d) = verify_contributions(&c.circuit_hash, &c.contributions[..i])
                .expect("the real ceremony verifies");
            out.push(d);
        }
        out
    })
}

fn typed(e: &ProverError) {
    assert!(matches!(e, ProverError::Malformed { .. }), "unexpected refusal {e:?}");
}

fuzz_target!(|data: &[u8]| {
    let deltas = honest_deltas();
    let Ok(t) = serde_json::from_slice::<Transcript>(data) else {
        return;
    };
    let text = serde_json::to_vec(&t).expect("a transcript serializes");
    let back: Transcript = serde_json::from_slice(&text).expect("a written transcript parses");
    assert_eq!(back, t, "a transcript does not survive a write and a read");
    if let Err(e) = t.hash() {
        typed(&e);
    }
    if t.contributions.iter().any(|c| c.beacon.as_ref().is_some_and(|b| b.iterations_exp > 16)) {
        // A beacon of 2^40 hash iterations is legitimate and takes hours to check: out of scope.
        return;
    }
    let hash = match t.circuit_hash_bytes() {
        Ok(h) => h,
        Err(e) => return typed(&e),
    };
    match verify_contributions(&hash, &t.contributions) {
        Ok((hashes, delta)) => {
            assert_eq!(hashes.len(), t.contributions.len());
            assert!(deltas.contains(&delta), "a contribution chain nobody made verifies");
        }
        Err(e) => typed(&e),
    }
});
