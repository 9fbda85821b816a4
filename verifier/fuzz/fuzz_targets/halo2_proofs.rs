//! halo2-ipa proofs of the two statements, verified under the pinned demo keys
//! (`params/*.halo2-ipa/vk.bin`) for the statements of a real run (`halo2/`): the first byte's
//! low bit picks the score or the epoch statement, the rest is the proof. A proof is accepted
//! only if it is the real run's proof of that statement (a changed transcript that verified
//! would be a forgery), and everything else is a typed refusal; never a panic, whatever the
//! bytes (points off the curve, non-canonical scalars, short or long transcripts).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use zkyuma_circuits::epoch::EpochStatement;
use zkyuma_circuits::score::ScoreStatement;
use zkyuma_circuits::statement::ProofSystem;
use zkyuma_verifier::{StatementKey, SystemProof, VerifyError};

struct Fixture {
    score_key: StatementKey,
    epoch_key: StatementKey,
    score: ScoreStatement,
    epoch: EpochStatement,
    score_proof: Vec<u8>,
    epoch_proof: Vec<u8>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let key = |bytes: &[u8], inputs| {
            StatementKey::from_bytes(ProofSystem::Halo2Ipa, bytes, inputs).expect("pinned key")
        };
        Fixture {
            score_key: key(
                include_bytes!("../../../params/score-mse-a16-12x16-d7-hidden.halo2-ipa/vk.bin"),
                zkyuma_circuits::score::PUBLIC_INPUTS,
            ),
            epoch_key: key(
                include_bytes!("../../../params/epoch-4x12-yuma3.halo2-ipa/vk.bin"),
                1,
            ),
            score: serde_json::from_slice(include_bytes!("../halo2/score-statement.json"))
                .expect("statement"),
            epoch: serde_json::from_slice(include_bytes!("../halo2/epoch-statement.json"))
                .expect("statement"),
            score_proof: include_bytes!("../halo2/score-proof.bin").to_vec(),
            epoch_proof: include_bytes!("../halo2/epoch-proof.bin").to_vec(),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let f = fixture();
    let proof = SystemProof {
        system: ProofSystem::Halo2Ipa,
        bytes: bytes.to_vec(),
    };
    let (verdict, real) = if selector & 1 == 0 {
        (f.score_key.verify(&f.score, &proof), &f.score_proof)
    } else {
        (f.epoch_key.verify(&f.epoch, &proof), &f.epoch_proof)
    };
    match verdict {
        Ok(()) => assert_eq!(bytes, real.as_slice(), "another proof of the statement verified"),
        Err(VerifyError::Rejected | VerifyError::Length { .. } | VerifyError::Encoding { .. }) => {}
        Err(e) => panic!("unexpected refusal {e:?}"),
    }
});
