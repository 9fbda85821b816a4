//! `evm::proof_from_words` (the proof in a registry log): what decodes is the proof whose words
//! these are, and whose compressed encoding decodes to it; everything else is refused as an
//! encoding or an identity point.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zkyuma_verifier::evm::{proof_from_words, proof_words, Word};
use zkyuma_verifier::{Proof, VerifyError};

fuzz_target!(|data: &[u8]| {
    if data.len() != 8 * 32 {
        return;
    }
    let words: [Word; 8] = core::array::from_fn(|i| {
        let mut w = [0u8; 32];
        w.copy_from_slice(&data[32 * i..32 * i + 32]);
        w
    });
    match proof_from_words(&words) {
        Ok(p) => {
            assert_eq!(proof_words(&p), words, "a second encoding of one proof");
            assert_eq!(Proof::from_bytes(&p.to_bytes()), Ok(p));
        }
        Err(VerifyError::Encoding { .. } | VerifyError::IdentityPoint { .. }) => {}
        Err(e) => panic!("unexpected refusal {e:?}"),
    }
});
