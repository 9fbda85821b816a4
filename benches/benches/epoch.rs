//! Epoch proof: constraints per cell at several shapes, and setup / prove / verify time, peak
//! memory and the prove / MSM ratio at the proving shape (default 16 validators × 64 uids; set
//! ZKYUMA_BENCH_EPOCH_SHAPE=VxN for another, ZKYUMA_BENCH_EPOCH_BONDS=yuma3-liquid or original
//! for another bonds rule). The keys are saved to a keys directory and proving
//! streams the proving key from there, as `zkyuma prove epoch` does; with
//! ZKYUMA_BENCH_KEYS=<dir> that directory is kept, and keys already in it are reused (no setup).
//!
//! Record a baseline and compare against it:
//!   cargo bench -p zkyuma-benches --bench epoch -- --save-baseline main
//!   cargo bench -p zkyuma-benches --bench epoch -- --baseline main
use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{CurveGroup, VariableBaseMSM};
use ark_ff::UniformRand;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::time::Instant;
use zkyuma_benches::{peak_rss_mb, reset_peak_rss};
use zkyuma_circuits::epoch::constraints::EpochCircuit;
use zkyuma_circuits::epoch::{circuit_id, BondsRule, EpochShape};
use zkyuma_prover::epoch::{params_name, prove_epoch, setup_epoch};
use zkyuma_prover::keys::{describe, KeyPaths, SetupKind};
use zkyuma_subnet::examples::synthetic_epoch_round;
use zkyuma_verifier::{verify, verify_epoch, PreparedVerifyingKey, Proof, VerifyingKey};

/// `VxN`.
fn parse_shape(s: &str) -> Option<(u32, u32)> {
    let (v, n) = s.split_once('x')?;
    Some((v.parse().ok()?, n.parse().ok()?))
}

fn epoch_proof(c: &mut Criterion) {
    // Counting alone (no keys) also works at shapes too large to prove here:
    // ZKYUMA_BENCH_EPOCH_COUNT=64x256 adds one.
    let mut counted = vec![(4u32, 16u32), (8, 32), (16, 64)];
    if let Some(extra) = std::env::var("ZKYUMA_BENCH_EPOCH_COUNT")
        .ok()
        .and_then(|s| parse_shape(&s))
    {
        counted.push(extra);
    }
    for (v, n) in counted {
        for bonds in [BondsRule::Yuma3, BondsRule::Original] {
            let shape = EpochShape {
                validators: v,
                uids: n,
                bonds,
            };
            let (constraints, witnesses, _) =
                describe(EpochCircuit::blank(shape)).expect("circuit");
            println!(
                "epoch {}: {constraints} constraints, {:.0} per cell, {witnesses} witness variables",
                shape.name(),
                constraints as f64 / f64::from(v * n)
            );
        }
    }
    let (v, n) = std::env::var("ZKYUMA_BENCH_EPOCH_SHAPE")
        .ok()
        .and_then(|s| parse_shape(&s))
        .unwrap_or((16, 64));
    // ZKYUMA_BENCH_EPOCH_BONDS=yuma3-liquid proves with liquid alpha on.
    let bonds = match std::env::var("ZKYUMA_BENCH_EPOCH_BONDS").as_deref() {
        Ok("yuma3-liquid") => BondsRule::Yuma3Liquid,
        Ok("original") => BondsRule::Original,
        _ => BondsRule::Yuma3,
    };
    let shape = EpochShape {
        validators: v,
        uids: n,
        bonds,
    };
    let kept = std::env::var_os("ZKYUMA_BENCH_KEYS").map(std::path::PathBuf::from);
    let scratch = tempfile::tempdir().expect("tempdir");
    let root = kept.clone().unwrap_or_else(|| scratch.path().to_path_buf());
    let paths = KeyPaths::new(
        &root.join("params"),
        &root.join("keys"),
        &params_name(&shape),
    );
    let id = circuit_id(&shape);
    if paths.load(&id).is_err() {
        let t = Instant::now();
        let keys = setup_epoch(
            shape,
            SetupKind::InsecureDeterministic {
                seed: "bench".into(),
            },
        )
        .expect("setup");
        println!(
            "epoch {}: setup {:.1} s, proving key {} MB",
            shape.name(),
            t.elapsed().as_secs_f64(),
            keys.description.pk_bytes / 1_000_000
        );
        println!(
            "epoch {}: peak memory through setup {} MB",
            shape.name(),
            peak_rss_mb()
        );
        paths.save(&keys).expect("save keys");
    }
    // The proving key stays on disk: the prover streams it.
    let t = Instant::now();
    let keys = paths.load(&id).expect("load keys");
    println!(
        "epoch {}: keys loaded and checked in {:.1} s",
        shape.name(),
        t.elapsed().as_secs_f64()
    );
    reset_peak_rss();
    let size = keys
        .description
        .constraints
        .max(keys.description.witness_variables);
    let mut rng = ark_std::test_rng();
    // Distinct points by a walk (one addition each; an MSM's cost does not depend on which).
    let step = G1Projective::rand(&mut rng);
    let mut walk = Vec::with_capacity(size);
    let mut point = G1Projective::rand(&mut rng);
    for _ in 0..size {
        walk.push(point);
        point += step;
    }
    let bases: Vec<G1Affine> = G1Projective::normalize_batch(&walk);
    drop(walk);
    let scalars: Vec<Fr> = (0..size).map(|_| Fr::rand(&mut rng)).collect();
    let t = Instant::now();
    let _ = G1Projective::msm(&bases, &scalars);
    let msm = t.elapsed().as_secs_f64();
    drop((bases, scalars));
    let round = synthetic_epoch_round(&shape, 3);
    reset_peak_rss();
    let t = Instant::now();
    let proof = prove_epoch(&keys, &round).expect("prove");
    let prove = t.elapsed().as_secs_f64();
    println!(
        "epoch {}: prove {prove:.1} s, one G1 MSM of {size} points {msm:.2} s, prove / MSM = {:.1}, peak memory while proving {} MB",
        shape.name(),
        prove / msm,
        peak_rss_mb()
    );
    let pvk = PreparedVerifyingKey::new(VerifyingKey::from_bytes(&keys.vk_bytes(), 1).expect("vk"));
    let p = Proof::from_bytes(&proof.proof).expect("proof");
    let digest = proof.statement.public_digest();
    let mut group = c.benchmark_group("epoch");
    group.sample_size(10);
    // What the chain does: rebuild the statement digest from its own state, then check the proof.
    group.bench_function(BenchmarkId::new("verify", shape.name()), |b| {
        b.iter(|| verify_epoch(&pvk, &proof.statement, &p).expect("verify"))
    });
    // Its two parts: the Poseidon digest of the statement, and the Groth16 pairing check.
    group.bench_function(BenchmarkId::new("statement_digest", shape.name()), |b| {
        b.iter(|| proof.statement.public_digest())
    });
    group.bench_function(BenchmarkId::new("pairing_check", shape.name()), |b| {
        b.iter(|| verify(&pvk, &[digest], &p).expect("verify"))
    });
    group.finish();
}

criterion_group!(benches, epoch_proof);
criterion_main!(benches);
