//! What the prover's interop tests share: snarkjs itself (installed from the pinned lockfile on
//! first use) and a small circuit.
#![allow(dead_code)]

use ark_bn254::Fr;
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystemRef, LinearCombination, SynthesisError, Variable,
};
use std::path::{Path, PathBuf};

/// A small circuit with two public inputs: `x·y = z`, `(x + y)·1 = s`, `x·x = q` (q private).
#[derive(Clone)]
pub struct Toy {
    /// x.
    pub x: Fr,
    /// y.
    pub y: Fr,
}

impl ConstraintSynthesizer<Fr> for Toy {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let z = cs.new_input_variable(|| Ok(self.x * self.y))?;
        let s = cs.new_input_variable(|| Ok(self.x + self.y))?;
        let x = cs.new_witness_variable(|| Ok(self.x))?;
        let y = cs.new_witness_variable(|| Ok(self.y))?;
        let q = cs.new_witness_variable(|| Ok(self.x * self.x))?;
        let lc = |v: Variable| LinearCombination::from(v);
        cs.enforce_r1cs_constraint(|| lc(x), || lc(y), || lc(z))?;
        cs.enforce_r1cs_constraint(
            || lc(x) + lc(y),
            || LinearCombination::from(Variable::One),
            || lc(s),
        )?;
        cs.enforce_r1cs_constraint(|| lc(x), || lc(x), || lc(q))?;
        Ok(())
    }
}

/// The snarkjs CLI: `$ZKYUMA_SNARKJS`, or `.ci/snarkjs/node_modules/.bin/snarkjs`, installed there
/// from the pinned `.ci/snarkjs/package-lock.json` (`npm ci`) on first use.
pub fn snarkjs() -> PathBuf {
    if let Some(p) = std::env::var_os("ZKYUMA_SNARKJS") {
        return PathBuf::from(p);
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.ci/snarkjs");
    let path = dir.join("node_modules/.bin/snarkjs");
    if !path.exists() {
        let status = std::process::Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--prefix"])
            .arg(&dir)
            .status();
        assert!(
            matches!(status, Ok(s) if s.success()) && path.exists(),
            "snarkjs is not installed at {} and `npm ci --prefix .ci/snarkjs` failed ({status:?}): \
             install Node.js and npm, or set ZKYUMA_SNARKJS to a snarkjs 0.7.6 binary",
            path.display()
        );
    }
    path
}

pub fn run_snarkjs(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new(snarkjs())
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run snarkjs");
    // snarkjs reports some errors on stdout and still exits 0: the error line counts too.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && !stdout.contains("[ERROR]"),
        "snarkjs {args:?}: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Run snarkjs and return whether it succeeded (exit 0, no `[ERROR]` line) and its output.
pub fn snarkjs_output(dir: &Path, args: &[&str]) -> (bool, String) {
    let out = std::process::Command::new(snarkjs())
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run snarkjs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success() && !text.contains("[ERROR]"), text)
}

/// A round of the smallest score circuit (1 miner × 1 sample, tree depth 1): two records, one
/// miner answer.
pub fn tiny_score_round(epoch: u64, output: u16) -> zkyuma_circuits::score::ScoreRound {
    use zkyuma_circuits::score::{MinerAnswer, Record, ScoreRound, WeightsMode};
    ScoreRound {
        netuid: 1,
        epoch,
        validator_hotkey: [9; 32],
        depth: 1,
        mode: WeightsMode::Hidden,
        sample_seed: [epoch as u8; 32],
        records: (0..2)
            .map(|r| Record {
                features: vec![r, 3 * r + 1],
                label: 20_000 + 9_000 * r as u16,
            })
            .collect(),
        samples: 1,
        miners: vec![Some(MinerAnswer {
            outputs: vec![output],
            blinding: Fr::from(41u64),
        })],
        weight_blinding: Fr::from(6u64),
    }
}

/// The smallest score circuit's shape and scoring function.
pub fn tiny_score_shape() -> (
    zkyuma_circuits::scoring::Scoring,
    zkyuma_circuits::score::ScoreShape,
) {
    (
        zkyuma_circuits::scoring::Scoring::Mse { amplification: 16 },
        zkyuma_circuits::score::ScoreShape {
            miners: 1,
            samples: 1,
            depth: 1,
            mode: zkyuma_circuits::score::WeightsMode::Hidden,
        },
    )
}
