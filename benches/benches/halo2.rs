//! halo2 beside Groth16, one run, the same score statement (default 256 miners × 32 samples,
//! depth 10): rows and columns, key generation, prove time, proof size, verify time, and the
//! peak memory after each system. KZG reads a powers-of-tau file (`ZKYUMA_BENCH_PTAU`, else one
//! is written from known secrets for the run — insecure, fine for timing); IPA needs none.
//!
//! The epoch statement likewise (default 16 validators × 64 uids, Yuma3;
//! `ZKYUMA_BENCH_EPOCH_SHAPE=VxN`). `ZKYUMA_BENCH_STATEMENT=score|epoch` runs one of the two.
//!
//!   cargo bench -p zkyuma-benches --bench halo2
//!   ZKYUMA_BENCH_SHAPE=16x32 cargo bench -p zkyuma-benches --bench halo2
//! Set ZKYUMA_BENCH_SKIP_GROTH16 to leave Groth16 out.
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::sync::Arc;
use std::time::Instant;
use zkyuma_circuits::halo2::rows_and_k;
use zkyuma_circuits::score::constraints::ScoreCircuit;
use zkyuma_circuits::score::halo2::ScoreHalo2;
use zkyuma_circuits::score::{ScoreShape, WeightsMode, PUBLIC_INPUTS};
use zkyuma_circuits::scoring::Scoring;
use zkyuma_circuits::statement::ProofSystem;
use zkyuma_prover::ceremony::ptau::{write_insecure, Ptau};
use zkyuma_prover::halo2::{Halo2Keys, Halo2Setup};
use zkyuma_prover::keys::{describe, SetupKind};
use zkyuma_prover::score::{prove_score, setup_score};
use zkyuma_subnet::examples::synthetic_round;
use zkyuma_verifier::{StatementKey, SystemProof};

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

/// The process's peak resident memory so far (Linux `VmHWM`), in MB.
fn peak_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}

/// Whether this run includes `statement` (`score` or `epoch`).
fn runs(statement: &str) -> bool {
    std::env::var("ZKYUMA_BENCH_STATEMENT").map_or(true, |s| s == statement)
}

/// A powers-of-tau file of `2^k` powers: `ZKYUMA_BENCH_PTAU`, else one written from known
/// secrets into `dir` (insecure, fine for timing).
fn bench_ptau(dir: &std::path::Path, k: u32, what: &str) -> Arc<Ptau> {
    let path = match std::env::var_os("ZKYUMA_BENCH_PTAU") {
        Some(p) => std::path::PathBuf::from(p),
        None => {
            let p = dir.join("bench.ptau");
            let t = Instant::now();
            write_insecure(&p, k, 7u64.into(), 8u64.into(), 9u64.into()).expect("ptau");
            println!(
                "{what}: powers of tau 2^{k} written in {:.1} s (bench only)",
                t.elapsed().as_secs_f64()
            );
            p
        }
    };
    Arc::new(Ptau::open(&path).expect("ptau"))
}

fn halo2_epoch_vs_groth16(c: &mut Criterion) {
    use zkyuma_circuits::epoch::constraints::EpochCircuit;
    use zkyuma_circuits::epoch::halo2::EpochHalo2;
    use zkyuma_circuits::epoch::{BondsRule, EpochShape};
    if !runs("epoch") {
        return;
    }
    let (v, n) = std::env::var("ZKYUMA_BENCH_EPOCH_SHAPE")
        .ok()
        .and_then(|s| {
            let (v, n) = s.split_once('x')?;
            Some((v.parse().ok()?, n.parse().ok()?))
        })
        .unwrap_or((16, 64));
    let shape = EpochShape {
        validators: v,
        uids: n,
        bonds: BondsRule::Yuma3,
    };
    let name = format!("{v}x{n}");
    let round = zkyuma_subnet::examples::synthetic_epoch_round(&shape, 1);
    let mut group = c.benchmark_group("halo2_epoch");
    group.sample_size(10);
    let blank = EpochHalo2::blank(shape);
    let (rows, k) = rows_and_k(&blank).expect("rows");
    println!(
        "halo2 epoch {name}: {rows} rows ({:.0} per cell) of 2^{k}, 10 advice columns (5 with copy constraints), 16-bit lookup table",
        rows as f64 / f64::from(v * n)
    );
    let ptau_dir = tempfile::tempdir().expect("tempdir");
    let ptau = bench_ptau(ptau_dir.path(), k, &format!("halo2 epoch {name}"));
    // `ZKYUMA_BENCH_SYSTEMS=halo2-kzg` leaves IPA out (its keys at `2^21` rows and more are past
    // what a verifier accepts, `verifier::halo2::MAX_K`).
    let systems = std::env::var("ZKYUMA_BENCH_SYSTEMS").unwrap_or_default();
    for (system, setup) in [
        (ProofSystem::Halo2Ipa, Halo2Setup::Ipa),
        (ProofSystem::Halo2Kzg, Halo2Setup::Kzg(ptau.clone())),
    ]
    .into_iter()
    .filter(|(system, _)| systems.is_empty() || systems.contains(system.name()))
    {
        let t = Instant::now();
        let keys = Halo2Keys::generate(&setup, &blank, 1).expect("keys");
        let keygen = t.elapsed().as_secs_f64();
        let (statement, witness) = round.build(keys.verifying_key().hash()).expect("round");
        let t = Instant::now();
        let proof = keys
            .prove(
                EpochHalo2::new(statement.clone(), witness.clone()).expect("circuit"),
                &[statement.public_digest()],
            )
            .expect("prove");
        let prove = t.elapsed().as_secs_f64();
        let key =
            StatementKey::from_bytes(system, &keys.verifying_key().to_bytes(), 1).expect("key");
        let sealed = SystemProof {
            system,
            bytes: proof.clone(),
        };
        let t = Instant::now();
        key.verify(&statement, &sealed).expect("verify");
        println!(
            "{system} epoch {name}: keys {keygen:.1} s, prove {prove:.1} s (verified inside), proof {} bytes, verifying key {} bytes, first verify {:.0} ms, peak memory so far {} MB",
            proof.len(),
            keys.verifying_key().to_bytes().len(),
            t.elapsed().as_secs_f64() * 1000.0,
            peak_mb()
        );
        group.bench_function(BenchmarkId::new(format!("{system}_verify"), &name), |b| {
            b.iter(|| key.verify(&statement, &sealed).expect("verify"))
        });
    }
    if std::env::var_os("ZKYUMA_BENCH_SKIP_GROTH16").is_none() {
        let (constraints, _, _) = describe(EpochCircuit::blank(shape)).expect("circuit");
        let t = Instant::now();
        let keys = zkyuma_prover::epoch::setup_epoch(
            shape,
            SetupKind::InsecureDeterministic {
                seed: "bench".into(),
            },
        )
        .expect("setup");
        let setup = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let proved = zkyuma_prover::epoch::prove_epoch(&keys, &round).expect("prove");
        println!(
            "groth16 epoch {name}: {constraints} constraints, setup {setup:.1} s, prove {:.1} s, proof {} bytes, peak memory so far {} MB",
            t.elapsed().as_secs_f64(),
            proved.proof.len(),
            peak_mb()
        );
    }
    group.finish();
}

fn halo2_vs_groth16(c: &mut Criterion) {
    if !runs("score") {
        return;
    }
    let shape = shape();
    let name = format!("{}x{}", shape.miners, shape.samples);
    let scoring = Scoring::Mse { amplification: 16 };
    let round = synthetic_round(&shape, 1);
    let mut group = c.benchmark_group("halo2");
    group.sample_size(10);

    let blank = ScoreHalo2::blank(scoring, shape);
    let (rows, k) = rows_and_k(&blank).expect("rows");
    println!(
        "halo2 score {name}: {rows} rows ({:.0} per miner) of 2^{k}, 10 advice columns (5 with copy constraints), 16-bit lookup table",
        rows as f64 / f64::from(shape.miners)
    );
    let ptau_dir = tempfile::tempdir().expect("tempdir");
    let ptau = bench_ptau(ptau_dir.path(), k, &format!("halo2 score {name}"));
    for (system, setup) in [
        (ProofSystem::Halo2Ipa, Halo2Setup::Ipa),
        (ProofSystem::Halo2Kzg, Halo2Setup::Kzg(ptau.clone())),
    ] {
        let t = Instant::now();
        let keys = Halo2Keys::generate(&setup, &blank, PUBLIC_INPUTS).expect("keys");
        let keygen = t.elapsed().as_secs_f64();
        let (statement, witness, _) = round
            .build(&scoring, keys.verifying_key().hash())
            .expect("round");
        let t = Instant::now();
        let proof = keys
            .prove(
                ScoreHalo2::new(statement.clone(), witness.clone(), scoring),
                &statement.public_inputs(),
            )
            .expect("prove");
        let prove = t.elapsed().as_secs_f64();
        let key = StatementKey::from_bytes(system, &keys.verifying_key().to_bytes(), PUBLIC_INPUTS)
            .expect("key");
        let sealed = SystemProof {
            system,
            bytes: proof.clone(),
        };
        let t = Instant::now();
        key.verify(&statement, &sealed).expect("verify");
        println!(
            "{system} score {name}: keys {keygen:.1} s, prove {prove:.1} s (verified inside), proof {} bytes, verifying key {} bytes, first verify {:.0} ms, peak memory so far {} MB",
            proof.len(),
            keys.verifying_key().to_bytes().len(),
            t.elapsed().as_secs_f64() * 1000.0,
            peak_mb()
        );
        group.bench_function(BenchmarkId::new(format!("{system}_verify"), &name), |b| {
            b.iter(|| key.verify(&statement, &sealed).expect("verify"))
        });
    }

    if std::env::var_os("ZKYUMA_BENCH_SKIP_GROTH16").is_none() {
        let (constraints, _, _) = describe(ScoreCircuit::blank(scoring, shape)).expect("circuit");
        let t = Instant::now();
        let keys = setup_score(
            scoring,
            shape,
            SetupKind::InsecureDeterministic {
                seed: "bench".into(),
            },
        )
        .expect("setup");
        let setup = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let proved = prove_score(&keys, scoring, &round).expect("prove");
        println!(
            "groth16 score {name}: {constraints} constraints, setup {setup:.1} s, prove {:.1} s, proof {} bytes, peak memory so far {} MB",
            t.elapsed().as_secs_f64(),
            proved.proof.len(),
            peak_mb()
        );
    }
    group.finish();
}

criterion_group!(benches, halo2_vs_groth16, halo2_epoch_vs_groth16);
criterion_main!(benches);
