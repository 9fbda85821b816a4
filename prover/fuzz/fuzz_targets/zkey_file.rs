//! `.zkey` files (snarkjs's proving keys, as a ceremony exchanges them): a real ceremony's key
//! (the toy circuit, two contributions and a beacon) patched by the input (5 bytes a patch:
//! offset, byte; an odd tail cuts the file short). `read_zkey` decodes it or refuses it by type;
//! what decodes and is for the circuit writes back to a file that decodes to the same key; and
//! a key whose ceremony verifies from the initial key is the ceremony's own key, nothing else.
#![no_main]

#[path = "common/mod.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use rand_chacha::rand_core::SeedableRng;
use std::sync::OnceLock;
use zkyuma_prover::ceremony::phase2::verify_phase2;
use zkyuma_prover::ceremony::zkey::{read_zkey, write_zkey};
use zkyuma_prover::ProverError;

struct Template {
    ceremony: common::Ceremony,
    bytes: Vec<u8>,
}

fn template() -> &'static Template {
    static T: OnceLock<Template> = OnceLock::new();
    T.get_or_init(|| {
        let ceremony = common::ceremony();
        let path = common::scratch("template.zkey");
        write_zkey(
            &path,
            &ceremony.last,
            &ceremony.rows,
            &ceremony.circuit_hash,
            &ceremony.contributions,
        )
        .expect("the template key writes");
        let bytes = std::fs::read(&path).expect("read");
        common::seed("untouched", &[]);
        common::seed("patched", &[0, 2, 0, 0, 9]);
        common::seed("cut", &[0, 16]);
        Template { ceremony, bytes }
    })
}

fn typed(e: &ProverError) {
    assert!(
        matches!(
            e,
            ProverError::Malformed { .. } | ProverError::TooLarge { .. } | ProverError::CountMismatch { .. }
        ),
        "unexpected refusal {e:?}"
    );
}

fuzz_target!(|data: &[u8]| {
    let t = template();
    let bytes = common::patched(&t.bytes, data);
    let path = common::scratch("fuzzed.zkey");
    std::fs::write(&path, &bytes).expect("write");
    let z = match read_zkey(&path) {
        Ok(z) => z,
        Err(e) => return typed(&e),
    };
    if let Err(e) = z.check_circuit(&t.ceremony.rows, &path) {
        return typed(&e);
    }
    let again = common::scratch("again.zkey");
    match write_zkey(&again, &z.pk, &t.ceremony.rows, &z.circuit_hash, &z.contributions) {
        Ok(()) => {
            let back = read_zkey(&again).expect("a written key reads");
            assert_eq!(back, z, "a key does not survive a write and a read");
        }
        Err(e) => typed(&e),
    }
    if z.contributions.iter().any(|c| c.beacon.as_ref().is_some_and(|b| b.iterations_exp > 16)) {
        // A beacon of 2^40 hash iterations is legitimate and takes hours to check: out of scope.
        return;
    }
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    match verify_phase2(&z.circuit_hash, &t.ceremony.initial, &z.pk, &z.contributions, &mut rng) {
        Ok(_) => assert_eq!(
            z.pk, t.ceremony.last,
            "a key other than the ceremony's passes the ceremony's check"
        ),
        Err(e) => typed(&e),
    }
});
