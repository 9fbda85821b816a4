//! Native Yuma epoch at the network shape (64 validators × 256 uids).
//!
//! Record a baseline and compare against it:
//!   cargo bench -p zkyuma-benches --bench native -- --save-baseline main
//!   cargo bench -p zkyuma-benches --bench native -- --baseline main
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use zkyuma_circuits::yuma::{run_epoch, synthetic::SyntheticEpoch};

fn native_epoch(c: &mut Criterion) {
    let mut group = c.benchmark_group("native_epoch");
    for (validators, uids) in [(16u16, 64u16), (64, 256)] {
        for (name, yuma3, liquid_alpha) in [
            ("yuma3", true, false),
            ("yuma3_liquid_alpha", true, true),
            ("original_yuma", false, false),
        ] {
            let input = SyntheticEpoch {
                validators,
                uids,
                yuma3,
                liquid_alpha,
                seed: 7,
            }
            .build();
            group.bench_with_input(
                BenchmarkId::new(name, format!("{validators}x{uids}")),
                &input,
                |b, input| b.iter(|| run_epoch(input).expect("synthetic epoch is valid")),
            );
        }
    }
    group.finish();
}

/// Native Poseidon: one `Poseidon(4)` and the digest of a 275-element statement (the size of a
/// 256-miner score statement), which dominates verifying a score proof.
fn poseidon(c: &mut Criterion) {
    use ark_bn254::Fr;
    use zkyuma_circuits::poseidon::{hash4, hash_many, Domain};
    let xs: Vec<Fr> = (0..275u64).map(|i| Fr::from(i * 7919 + 1)).collect();
    let mut group = c.benchmark_group("poseidon");
    group.bench_function("hash4", |b| b.iter(|| hash4(xs[0], xs[1], xs[2], xs[3])));
    group.bench_function("hash_many_275", |b| {
        b.iter(|| hash_many(Domain::ScoreRest, &xs))
    });
    use zkyuma_circuits::poseidon::{constants::*, permute};
    group.bench_function("plain_permutation_t5", |b| {
        b.iter(|| {
            let mut s = [xs[0], xs[1], xs[2], xs[3], xs[4]];
            permute(&mut s, &ARK_T5, &MDS_T5, FULL_ROUNDS_T5, PARTIAL_ROUNDS_T5);
            s
        })
    });
    group.finish();
}

criterion_group!(benches, native_epoch, poseidon);
criterion_main!(benches);
