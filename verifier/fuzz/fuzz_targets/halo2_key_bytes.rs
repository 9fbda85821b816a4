//! `Halo2Key::from_bytes`: the first byte's low bit picks the scheme (IPA, KZG), the rest is the
//! key. A key decodes from exactly one encoding (what decodes re-encodes to the same bytes), its
//! rows and limb width are within the verifier's bounds, and everything else is a typed refusal
//! (`Encoding`, or `SystemMismatch` naming the other halo2 scheme). Never a panic: halo2's own
//! key reader unwraps on some inputs, which the decoder must contain.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zkyuma_circuits::statement::ProofSystem;
use zkyuma_verifier::halo2::{Halo2Key, MAX_K, MAX_K_KZG};
use zkyuma_verifier::VerifyError;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, key)) = data.split_first() else {
        return;
    };
    let system = if selector & 1 == 0 {
        ProofSystem::Halo2Ipa
    } else {
        ProofSystem::Halo2Kzg
    };
    match Halo2Key::from_bytes(system, key, 1) {
        Ok(k) => {
            assert_eq!(k.to_bytes(), key, "a second encoding of one key");
            assert_eq!(k.system(), system);
            assert!((1..=24).contains(&k.limb_bits()));
            let max = if system == ProofSystem::Halo2Ipa {
                MAX_K
            } else {
                MAX_K_KZG
            };
            assert!(k.k() > u32::from(k.limb_bits()) && k.k() <= max);
        }
        Err(VerifyError::Encoding { .. }) => {}
        Err(VerifyError::SystemMismatch { expected, got }) => {
            assert_eq!(expected, system);
            assert!(matches!(got, ProofSystem::Halo2Ipa | ProofSystem::Halo2Kzg));
            assert_ne!(got, system);
        }
        Err(e) => panic!("unexpected refusal {e:?}"),
    }
});
