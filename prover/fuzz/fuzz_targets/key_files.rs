//! A circuit's key files as `KeyPaths::load` and the prover read them: `checksums.b3`,
//! `circuit.json`, `vk.bin`, `rows.bin` and `pk.bin`, starting from real keys of a small score
//! circuit.
//!
//! The input's first byte picks the file (`% 5`) and whether it is *restamped* (bit 3): its
//! checksums rewritten so that the decoder behind them is reached. The small files are replaced
//! by the rest of the input; `rows.bin` and `pk.bin` (megabytes) are patched by it, five bytes a
//! patch (a little-endian offset and a byte), the last patch's byte-count, when odd, cutting the
//! file short.
//!
//! What must hold:
//! - a changed file that is not restamped is refused (a checksum names it), except
//!   `checksums.b3` when its first `vk.bin` and `circuit.json` lines are still the true ones;
//! - a restamped file is taken or refused with a typed error, never a panic or an unbounded
//!   allocation; keys that load prove or refuse with a typed error, and a proof from the
//!   untouched keys verifies.
#![no_main]

#[path = "common/mod.rs"]
mod common;

use common::keys::{first_listed, hex, lay_out, load, template, CHECKSUMS, DESCRIPTION, VK};
use libfuzzer_sys::fuzz_target;
use zkyuma_prover::ProverError;

fn seeds(t: &common::keys::Template) {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        for (selector, name) in [(0u8, "checksums"), (1, "description"), (2, "vk")] {
            for restamp in [0u8, 8] {
                let mut seed = vec![selector | restamp];
                seed.extend(&t.files[usize::from(selector)].1);
                common::seed(&format!("{name}-{restamp}"), &seed);
            }
        }
        common::seed("rows-untouched", &[3]);
        common::seed("rows-patched", &[3 | 8, 200, 0, 0, 0, 1]);
        common::seed("rows-cut", &[3 | 8, 100, 0]);
    });
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let t = template();
    seeds(t);
    let which = usize::from(selector % 4);
    let restamp = selector & 0x08 != 0;
    let (files, changed) = lay_out(t, which, restamp, rest);
    let loaded = load(t);
    if changed && !restamp {
        let tolerated = which == CHECKSUMS && {
            let sums = String::from_utf8_lossy(&files[CHECKSUMS]).to_string();
            first_listed(&sums, "vk.bin") == Some(&hex(&files[VK]))
                && first_listed(&sums, "circuit.json") == Some(&hex(&files[DESCRIPTION]))
        };
        if !tolerated {
            match &loaded {
                Err(ProverError::Checksum { .. } | ProverError::Malformed { .. }) => {}
                Err(e) => panic!("a changed {} refused for another reason: {e:?}", t.files[which].0),
                Ok(_) => panic!("a changed {} was taken", t.files[which].0),
            }
        }
    }
});
