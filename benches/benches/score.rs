//! Score proof at the network shape (256 miners × 32 samples, evaluation set of depth 10):
//! constraint counts, setup, prove and verify times, batch verification, and the prove time
//! against one G1 MSM of the circuit's size measured in the same run.
//!
//! Record a baseline and compare against it:
//!   cargo bench -p zkyuma-benches --bench score -- --save-baseline main
//!   cargo bench -p zkyuma-benches --bench score -- --baseline main
//! Set ZKYUMA_BENCH_SHAPE=MxK (e.g. 64x32) for another shape, ZKYUMA_BENCH_ROUNDS for the number
//! of distinct proofs (default 8) and ZKYUMA_BENCH_SKIP_PROVE to skip the criterion prove loop.
use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{CurveGroup, VariableBaseMSM};
use ark_ff::UniformRand;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::time::Instant;
use zkyuma_circuits::score::constraints::ScoreCircuit;
use zkyuma_circuits::score::{ScoreShape, WeightsMode};
use zkyuma_circuits::scoring::Mse;
use zkyuma_prover::keys::{describe, SetupKind};
use zkyuma_prover::score::{prove_score, setup_score};
use zkyuma_subnet::examples::synthetic_round;
use zkyuma_verifier::{
    batch_verify, verify, verify_score, verify_score_batch, PreparedVerifyingKey, Proof,
    VerifyingKey,
};

fn shape() -> ScoreShape {
    let (m, k) = std::env::var("ZKYUMA_BENCH_SHAPE")
        .ok()
        .and_then(|s| {
            let (m, k) = s.split_once('x')?;
            Some((m.parse().ok()?, k.parse().ok()?))
        })
        .unwrap_or((256, 32));
    ScoreShape {
        miners: m,
        samples: k,
        depth: 10,
        mode: WeightsMode::Hidden,
    }
}

fn score_proof(c: &mut Criterion) {
    let shape = shape();
    let name = format!("{}x{}", shape.miners, shape.samples);
    let scoring = Mse::DEFAULT;
    let (constraints, witnesses, inputs) =
        describe(ScoreCircuit::blank(scoring, shape)).expect("circuit");
    println!(
        "score {name}: {constraints} constraints ({:.0} per miner), {witnesses} witness variables, {inputs} public input",
        constraints as f64 / f64::from(shape.miners)
    );
    let t = Instant::now();
    let keys = setup_score(
        scoring,
        shape,
        SetupKind::InsecureDeterministic {
            seed: "bench".into(),
        },
    )
    .expect("setup");
    println!(
        "score {name}: setup {:.1} s, proving key {} MB",
        t.elapsed().as_secs_f64(),
        keys.description.pk_bytes / 1_000_000
    );

    // One G1 MSM of the circuit's size: the floor a Groth16 prover cannot go below.
    let mut rng = ark_std::test_rng();
    let size = constraints.max(witnesses);
    let bases: Vec<G1Affine> = (0..size)
        .map(|_| G1Projective::rand(&mut rng).into_affine())
        .collect();
    let scalars: Vec<Fr> = (0..size).map(|_| Fr::rand(&mut rng)).collect();
    let t = Instant::now();
    let _ = G1Projective::msm(&bases, &scalars);
    let msm = t.elapsed().as_secs_f64();
    println!("score {name}: one G1 MSM of {size} points: {msm:.2} s");

    let count: u64 = std::env::var("ZKYUMA_BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(8);
    let rounds: Vec<_> = (0..count).map(|s| synthetic_round(&shape, s)).collect();
    let mut group = c.benchmark_group("score");
    group.sample_size(10);
    let t = Instant::now();
    let proofs: Vec<_> = rounds
        .iter()
        .map(|r| prove_score(&keys, scoring, r).expect("prove"))
        .collect();
    let prove = t.elapsed().as_secs_f64() / rounds.len() as f64;
    println!(
        "score {name}: prove {prove:.2} s (mean of {}), prove / MSM = {:.1}",
        rounds.len(),
        prove / msm
    );
    if std::env::var_os("ZKYUMA_BENCH_SKIP_PROVE").is_none() {
        group.bench_function(BenchmarkId::new("prove", &name), |b| {
            b.iter(|| prove_score(&keys, scoring, &rounds[0]).expect("prove"))
        });
    }

    let pvk = PreparedVerifyingKey::new(
        VerifyingKey::from_bytes(&keys.vk_bytes(), zkyuma_circuits::score::PUBLIC_INPUTS)
            .expect("vk"),
    );
    let items: Vec<_> = proofs
        .iter()
        .map(|p| {
            (
                p.statement.clone(),
                Proof::from_bytes(&p.proof).expect("proof"),
            )
        })
        .collect();
    group.bench_function(BenchmarkId::new("verify", &name), |b| {
        b.iter(|| verify_score(&pvk, &items[0].0, &items[0].1).expect("verify"))
    });
    // The two halves of a verification: recomputing the statement digest, and the pairing check.
    group.bench_function(BenchmarkId::new("statement_digest", &name), |b| {
        b.iter(|| items[0].0.public_inputs())
    });
    let inputs = items[0].0.public_inputs();
    group.bench_function(BenchmarkId::new("pairing_check", &name), |b| {
        b.iter(|| verify(&pvk, &inputs, &items[0].1).expect("verify"))
    });
    // 64 proofs: the distinct proofs (8 by default) repeated (every position gets its own scalar).
    let batch: Vec<_> = items.iter().cycle().take(64).cloned().collect();
    group.bench_function(BenchmarkId::new("batch_verify_64", &name), |b| {
        b.iter(|| verify_score_batch(&pvk, &batch).expect("batch"))
    });
    let digests: Vec<_> = batch.iter().map(|(s, p)| (s.public_inputs(), *p)).collect();
    group.bench_function(BenchmarkId::new("batch_pairing_check_64", &name), |b| {
        b.iter(|| batch_verify(&pvk, &digests).expect("batch"))
    });
    group.finish();
}

criterion_group!(benches, score_proof);
criterion_main!(benches);
