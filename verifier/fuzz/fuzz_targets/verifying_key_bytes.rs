//! `VerifyingKey::from_bytes`: the first byte picks the number of public inputs (0–8), the rest
//! is the key. A key decodes from exactly one encoding and takes exactly that many inputs;
//! everything else is a typed refusal.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zkyuma_verifier::{VerifyError, VerifyingKey};

fuzz_target!(|data: &[u8]| {
    let Some((&n, key)) = data.split_first() else {
        return;
    };
    let n = usize::from(n % 9);
    match VerifyingKey::from_bytes(key, n) {
        Ok(vk) => {
            assert_eq!(vk.gamma_abc_g1.len(), n + 1);
            assert_eq!(vk.to_bytes(), key, "a second encoding of one key");
        }
        Err(
            VerifyError::Length { .. }
            | VerifyError::Encoding { .. }
            | VerifyError::PublicInputs { .. },
        ) => {}
        Err(e) => panic!("unexpected refusal {e:?}"),
    }
});
