//! `Proof::from_bytes`: a proof decodes from exactly one encoding (what decodes re-encodes to the
//! same bytes), and everything else is a typed refusal that says why.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zkyuma_verifier::{Proof, VerifyError, PROOF_BYTES};

fuzz_target!(|data: &[u8]| {
    match Proof::from_bytes(data) {
        Ok(p) => assert_eq!(p.to_bytes(), data, "a second encoding of one proof"),
        Err(VerifyError::Length { expected, got, .. }) => {
            assert_eq!((expected, got), (PROOF_BYTES, data.len()));
            assert_ne!(got, PROOF_BYTES);
        }
        Err(VerifyError::Encoding { .. } | VerifyError::IdentityPoint { .. }) => {
            assert_eq!(data.len(), PROOF_BYTES)
        }
        Err(e) => panic!("unexpected refusal {e:?}"),
    }
});
