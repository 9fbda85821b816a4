//! `.ptau` files (a phase 1 from anyone): the committed power-8 file patched by the input
//! (5 bytes a patch: offset, byte; an odd tail cuts the file short). `Ptau::open` indexes it or
//! refuses it by type; every section then reads whole (each point on its curve, G2 in its
//! subgroup) or is refused; when the first byte's low bit is set the file is also verified, and
//! a key derived from it, which must be the untouched file's whenever the file verifies:
//! nothing the key is made of escapes the check.
#![no_main]

#[path = "common/mod.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use rand_chacha::rand_core::SeedableRng;
use std::sync::OnceLock;
use zkyuma_prover::ceremony::phase2::initial_key;
use zkyuma_prover::ceremony::ptau::{Ptau, Section};
use zkyuma_prover::ProverError;

fn honest_key() -> &'static ark_groth16::ProvingKey<ark_bn254::Bn254> {
    static K: OnceLock<ark_groth16::ProvingKey<ark_bn254::Bn254>> = OnceLock::new();
    K.get_or_init(|| {
        std::env::set_var("RAYON_NUM_THREADS", "1");
        let path = common::scratch("honest.ptau");
        std::fs::write(&path, common::POT8).expect("write");
        let ptau = Ptau::open(&path).expect("the fixture opens");
        common::seed("read", &[0]);
        common::seed("verify", &[1]);
        common::seed("verify-patched-point", &[1, 0, 1, 0, 0, 7]);
        initial_key(&ptau, common::Toy).expect("a key").0
    })
}

fn typed(e: &ProverError) {
    assert!(
        matches!(e, ProverError::Malformed { .. } | ProverError::Io { .. } | ProverError::TooLarge { .. }),
        "unexpected refusal {e:?}"
    );
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, patches)) = data.split_first() else {
        return;
    };
    let honest = honest_key();
    let bytes = common::patched(common::POT8, patches);
    let path = common::scratch("fuzzed.ptau");
    std::fs::write(&path, &bytes).expect("write");
    let ptau = match Ptau::open(&path) {
        Ok(p) => p,
        Err(e) => return typed(&e),
    };
    let mut sections = vec![
        Section::TauG1,
        Section::TauG2,
        Section::AlphaTauG1,
        Section::BetaTauG1,
        Section::BetaG2,
    ];
    if ptau.prepared() {
        sections.extend([
            Section::LagrangeG1,
            Section::LagrangeG2,
            Section::AlphaLagrangeG1,
            Section::BetaLagrangeG1,
        ]);
    }
    for s in sections {
        // Bounded: the power is at most the file's, and the file is small.
        let n = ptau.points_in(s);
        if n > 1 << 12 {
            return;
        }
        if let Err(e) = ptau.read(s, 0, n as usize) {
            typed(&e);
        }
    }
    if mode & 1 == 0 {
        return;
    }
    let verified = ptau.verify(&mut rand_chacha::ChaCha20Rng::seed_from_u64(7));
    if let Err(e) = &verified {
        typed(e);
    }
    match initial_key(&ptau, common::Toy) {
        Ok((key, _)) => {
            if verified.is_ok() {
                assert_eq!(&key, honest, "a file that verifies gives another key");
            }
        }
        Err(e) => typed(&e),
    }
});
