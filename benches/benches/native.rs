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

criterion_group!(benches, native_epoch);
criterion_main!(benches);
