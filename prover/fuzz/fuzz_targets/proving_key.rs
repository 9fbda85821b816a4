//! The proving key and the constraint rows as the prover streams them: `pk.bin` (bit 0 of the
//! first byte clear) or `rows.bin` (set) of real keys of a small score circuit, patched by the
//! rest of the input (5 bytes a patch: offset, byte; an odd tail cuts the file short) and
//! restamped (the checksums in `circuit.json` and `checksums.b3` rewritten), so that the
//! decoders behind the checksums are reached. Keys that load then prove or are refused with a
//! typed error: never a panic, never an unbounded allocation. (The untouched keys prove and
//! their proof verifies, checked once when the template is made.)
#![no_main]

#[path = "common/mod.rs"]
mod common;

use common::keys::{lay_out, load, round, template, typed_proving_refusal, PK, ROWS, SCORING};
use libfuzzer_sys::fuzz_target;
use zkyuma_prover::score::prove_score;

fn seeds() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        common::seed("pk-patched", &[0, 200, 0, 0, 0, 1]);
        common::seed("pk-cut", &[0, 100, 0]);
        common::seed("rows-patched", &[1, 200, 0, 0, 0, 1]);
        common::seed("rows-cut", &[1, 100, 0]);
    });
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let t = template();
    seeds();
    let which = if selector & 1 == 0 { PK } else { ROWS };
    let (_, changed) = lay_out(t, which, true, rest);
    let keys = match load(t) {
        Ok(k) => k,
        Err(e) => {
            assert!(typed_proving_refusal(&e), "unexpected refusal {e:?}");
            return;
        }
    };
    if !changed {
        return;
    }
    if let Err(e) = prove_score(&keys, SCORING, &round()) {
        assert!(typed_proving_refusal(&e), "unexpected refusal {e:?}");
    }
});
