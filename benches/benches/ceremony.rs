//! One phase-2 contribution to a large circuit's key, and its check: time and peak memory at the
//! epoch circuit of 64 validators × 256 uids (set ZKYUMA_BENCH_CEREMONY_SHAPE=VxN for another).
//!
//! The key is the seeded setup's (a power-25 `.ptau` for the ceremony's own initial key cannot be
//! fetched here; a contribution costs the same on either: it multiplies `δ` by the secret and
//! divides every `L` and `H` point by it). Measured: the contribution (`phase2::contribute`, in
//! memory), then the check of the new key against the one before it (`phase2::verify_key`: `δ`
//! in G1 and G2, and random-linear-combination pairing checks of `L` and `H`; the proof of
//! knowledge adds two pairings). The full `zkyuma ceremony verify` also re-derives the initial
//! key from the `.ptau` (not measured here).
//!
//!   cargo bench -p zkyuma-benches --bench ceremony
use ark_ec::AffineRepr;
use std::time::Instant;
use zkyuma_benches::{peak_rss_mb, reset_peak_rss};
use zkyuma_circuits::epoch::{BondsRule, EpochShape};
use zkyuma_prover::ceremony::phase2::{contribute, verify_key};
use zkyuma_prover::ceremony::snarkjs::ChaCha;
use zkyuma_prover::keys::{ProvingKeySource, SetupKind};

fn main() {
    let (v, n) = std::env::var("ZKYUMA_BENCH_CEREMONY_SHAPE")
        .ok()
        .and_then(|s| {
            let (v, n) = s.split_once('x')?;
            Some((v.parse().ok()?, n.parse().ok()?))
        })
        .unwrap_or((64u32, 256u32));
    let shape = EpochShape {
        validators: v,
        uids: n,
        bonds: BondsRule::Yuma3,
    };
    let t = Instant::now();
    let keys = zkyuma_prover::epoch::setup_epoch(
        shape,
        SetupKind::InsecureDeterministic {
            seed: "ceremony-bench".into(),
        },
    )
    .expect("setup");
    println!(
        "epoch {}: {} constraints; seeded setup {:.0} s, proving key {} MB, peak {} MB",
        shape.name(),
        keys.description.constraints,
        t.elapsed().as_secs_f64(),
        keys.description.pk_bytes / 1_000_000,
        peak_rss_mb()
    );
    let mut pk = match keys.pk {
        ProvingKeySource::Memory(pk) => *pk,
        ProvingKeySource::File(_) => unreachable!("a fresh setup is in memory"),
    };
    drop(keys.rows);
    // A ceremony's initial key has δ = 1 on the standard generators (snarkjs's convention, which
    // the check below assumes); the seeded key's δ and generators are random. Start from δ = 1:
    // the contribution costs the same, and the check then holds exactly as in a ceremony.
    pk.delta_g1 = ark_bn254::G1Affine::generator();
    pk.vk.delta_g2 = ark_bn254::G2Affine::generator();
    // The key before the contribution, as the check needs it: its `L`, `H` and `δ`.
    let mut before = pk.clone();
    before.a_query = Vec::new();
    before.b_g1_query = Vec::new();
    before.b_g2_query = Vec::new();

    reset_peak_rss();
    let t = Instant::now();
    let _contribution = contribute(
        &mut pk,
        &[7u8; 64],
        &[],
        &mut ChaCha::new([1, 2, 3, 4, 5, 6, 7, 8]),
        "bench",
        None,
    )
    .expect("contribute");
    println!(
        "contribution: {:.1} s ({} L + {} H points), peak {} MB (the key held whole)",
        t.elapsed().as_secs_f64(),
        pk.l_query.len(),
        pk.h_query.len(),
        peak_rss_mb()
    );

    reset_peak_rss();
    let t = Instant::now();
    let mut after = pk;
    after.a_query = Vec::new();
    after.b_g1_query = Vec::new();
    after.b_g2_query = Vec::new();
    let delta = after.delta_g1;
    verify_key(&before, &after, delta, &mut ark_std::test_rng()).expect("the contribution checks");
    println!(
        "check against the key before: {:.1} s, peak {} MB",
        t.elapsed().as_secs_f64(),
        peak_rss_mb()
    );
}
