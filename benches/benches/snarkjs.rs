//! zkyuma's prover side by side with snarkjs's (`snarkjs groth16 prove`, 0.7.6 from
//! `.ci/snarkjs`) on the same proving key and the same witness, in one run: the score circuit at
//! 256 miners × 32 samples (depth 10) and the epoch circuit at 16 validators × 64 uids.
//!
//! Per circuit: a seeded setup (its keys saved, so zkyuma streams the proving key from disk as
//! `zkyuma prove` does), the round's `.zkey` and `.wtns` (`prove --snarkjs`'s files), then each
//! prover `ZKYUMA_BENCH_RUNS` times (default 3): wall time (median) and peak memory. zkyuma is
//! timed in process from the round (witness synthesis and the native check included), its peak
//! resident memory counted from the start of proving; snarkjs is a child process under
//! `/usr/bin/time` from the precomputed witness. Both proofs are checked with zkyuma's verifier.
//!
//!   cargo bench -p zkyuma-benches --bench snarkjs
//! Set ZKYUMA_BENCH_SNARKJS_ONLY=score or =epoch for one circuit.
use ark_bn254::Fr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use zkyuma_benches::{peak_rss_mb, reset_peak_rss};
use zkyuma_circuits::epoch::{BondsRule, EpochShape};
use zkyuma_circuits::score::{ScoreShape, WeightsMode};
use zkyuma_circuits::scoring::Mse;
use zkyuma_prover::keys::{KeyPaths, Keys, SetupKind};
use zkyuma_subnet::examples::{synthetic_epoch_round, synthetic_round};
use zkyuma_verifier::{verify, PreparedVerifyingKey, Proof, VerifyingKey};

fn snarkjs() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.ci/snarkjs");
    let path = dir.join("node_modules/.bin/snarkjs");
    if !path.exists() {
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--prefix"])
            .arg(&dir)
            .status();
        assert!(matches!(status, Ok(s) if s.success()), "npm ci: {status:?}");
    }
    path
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    xs[xs.len() / 2]
}

/// Keys saved under `dir` and loaded back (the proving key streamed from its file).
fn saved(keys: &Keys, dir: &Path, name: &str) -> Keys {
    let paths = KeyPaths::new(&dir.join("params"), &dir.join("keys"), name);
    paths.save(keys).expect("save keys");
    paths.load(&keys.description.circuit_id).expect("load keys")
}

fn vk_of(keys: &Keys) -> PreparedVerifyingKey {
    let vk = keys.vk();
    PreparedVerifyingKey::new(VerifyingKey {
        alpha_g1: vk.alpha_g1,
        beta_g2: vk.beta_g2,
        gamma_g2: vk.gamma_g2,
        delta_g2: vk.delta_g2,
        gamma_abc_g1: vk.gamma_abc_g1.clone(),
    })
}

/// Prove with snarkjs `runs` times in `dir`; returns (median seconds, peak MB) and checks the
/// last proof with zkyuma's verifier against `inputs`.
fn snarkjs_runs(dir: &Path, runs: usize, pvk: &PreparedVerifyingKey, inputs: &[Fr]) -> (f64, u64) {
    let (mut times, mut peak) = (Vec::new(), 0u64);
    for _ in 0..runs {
        let out = Command::new("/usr/bin/time")
            .args(["-f", "%e %M"])
            .arg(snarkjs())
            .args([
                "groth16",
                "prove",
                "circuit.zkey",
                "witness.wtns",
                "proof.json",
                "public.json",
            ])
            .env("NODE_OPTIONS", "--max-old-space-size=20000")
            .current_dir(dir)
            .output()
            .expect("snarkjs runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "snarkjs groth16 prove: {err}");
        let last = err.lines().last().unwrap_or_default().to_string();
        let mut it = last.split_whitespace();
        let secs: f64 = it
            .next()
            .and_then(|s| s.parse().ok())
            .expect("time's seconds");
        let kb: u64 = it
            .next()
            .and_then(|s| s.parse().ok())
            .expect("time's peak kB");
        times.push(secs);
        peak = peak.max(kb / 1024);
    }
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("proof.json")).expect("proof.json"))
            .expect("json");
    let p = zkyuma_prover::interop::proof_from_json(&json).expect("snarkjs's proof decodes");
    let proof = Proof {
        a: p.a,
        b: p.b,
        c: p.c,
    };
    verify(pvk, inputs, &proof).expect("zkyuma's verifier accepts snarkjs's proof");
    (median(times), peak)
}

fn report(name: &str, constraints: usize, zk: (f64, u64), sj: (f64, u64)) {
    println!(
        "{name}: {constraints} constraints | zkyuma {:.2} s, {} MB | snarkjs {:.2} s, {} MB | \
         snarkjs/zkyuma time {:.2}×, memory {:.2}×",
        zk.0,
        zk.1,
        sj.0,
        sj.1,
        sj.0 / zk.0,
        sj.1 as f64 / zk.1.max(1) as f64
    );
}

fn main() {
    let runs: usize = std::env::var("ZKYUMA_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let only = std::env::var("ZKYUMA_BENCH_SNARKJS_ONLY").ok();
    let tmp = tempfile::tempdir().expect("tempdir");
    let seed = || SetupKind::InsecureDeterministic {
        seed: "snarkjs-bench".into(),
    };

    if only.as_deref() != Some("epoch") {
        let shape = ScoreShape {
            miners: 256,
            samples: 32,
            depth: 10,
            mode: WeightsMode::Hidden,
        };
        let scoring = Mse::DEFAULT;
        let dir = tmp.path().join("score");
        let round = synthetic_round(&shape, 1);
        let keys = zkyuma_prover::score::setup_score(scoring, shape, seed()).expect("setup");
        let constraints = keys.description.constraints;
        let keys = saved(&keys, &dir, "score");
        zkyuma_prover::score::write_snarkjs_files(&keys, scoring, &round, &dir)
            .expect("snarkjs files");
        let pvk = vk_of(&keys);
        let (mut times, mut peak) = (Vec::new(), 0u64);
        let mut inputs = Vec::new();
        for _ in 0..runs {
            reset_peak_rss();
            let t = Instant::now();
            let p = zkyuma_prover::score::prove_score(&keys, scoring, &round).expect("prove");
            times.push(t.elapsed().as_secs_f64());
            peak = peak.max(peak_rss_mb());
            inputs = zkyuma_circuits::statement::Statement::public_inputs(&p.statement);
            verify(&pvk, &inputs, &Proof::from_bytes(&p.proof).expect("proof")).expect("valid");
        }
        let sj = snarkjs_runs(&dir, runs, &pvk, &inputs);
        report("score 256x32", constraints, (median(times), peak), sj);
    }
    if only.as_deref() != Some("score") {
        let shape = EpochShape {
            validators: 16,
            uids: 64,
            bonds: BondsRule::Yuma3,
        };
        let dir = tmp.path().join("epoch");
        let round = synthetic_epoch_round(&shape, 1);
        let keys = zkyuma_prover::epoch::setup_epoch(shape, seed()).expect("setup");
        let constraints = keys.description.constraints;
        let keys = saved(&keys, &dir, "epoch");
        zkyuma_prover::epoch::write_snarkjs_files(&keys, &round, &dir).expect("snarkjs files");
        let pvk = vk_of(&keys);
        let (mut times, mut peak) = (Vec::new(), 0u64);
        let mut inputs = Vec::new();
        for _ in 0..runs {
            reset_peak_rss();
            let t = Instant::now();
            let p = zkyuma_prover::epoch::prove_epoch(&keys, &round).expect("prove");
            times.push(t.elapsed().as_secs_f64());
            peak = peak.max(peak_rss_mb());
            inputs = zkyuma_circuits::statement::Statement::public_inputs(&p.statement);
            verify(&pvk, &inputs, &Proof::from_bytes(&p.proof).expect("proof")).expect("valid");
        }
        let sj = snarkjs_runs(&dir, runs, &pvk, &inputs);
        report("epoch 16x64", constraints, (median(times), peak), sj);
    }
}
