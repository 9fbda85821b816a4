//! Scoring functions: how a validator turns miners' outputs and its private labels into scores.
//!
//! A scoring function is public and part of the score circuit's identity. It maps one miner's K
//! outputs and the K labels (all u16 fixed point) to a u16 score. Each has a native rule and an
//! R1CS twin that must agree bit for bit; `tests/scoring.rs` checks both shipped ones.
//!
//! ## Adding a scoring function
//! Implement [`ScoringFunction`]: a stable [`ScoringFunction::id`] (it names the circuit and its
//! keys) and the native [`ScoringFunction::score`]; then, beside it in R1CS, `ScoringGadget`'s
//! `score_gadget` (module `constraints`, feature `r1cs`), which
//! receives range-checked u16 variables and must return a variable it has itself constrained to
//! `0..=65535` and equal to the native score. Then run the same honest / tamper / property tests
//! as `tests/scoring.rs` on it. [`Scoring`] lists the shipped functions for the command line.

use alloc::format;
use alloc::string::String;
use serde::{Deserialize, Serialize};

#[cfg(feature = "r1cs")]
pub mod constraints;
#[cfg(feature = "halo2")]
pub mod halo2;
#[cfg(feature = "r1cs")]
pub use constraints::ScoringGadget;

/// A public scoring function's native rule; its R1CS twin is [`ScoringGadget`] (feature `r1cs`).
pub trait ScoringFunction {
    /// Stable identifier, including parameters (e.g. `mse-a16`).
    fn id(&self) -> String;

    /// Score one miner: `outputs[k]` against `labels[k]`, both of length K.
    fn score(&self, outputs: &[u16], labels: &[u16]) -> u16;
}

/// Regression: `score = 65535 − min(65535, ⌊SSE · a / (K · 65535)⌋)` with
/// `SSE = Σ_k (outputs_k − labels_k)²` and amplification `a` (higher is stricter). A perfect
/// predictor scores 65535; with `a = 1` the score is `65535 · (1 − MSE)` on the unit scale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mse {
    /// Amplification of the error, `1..=65535`.
    pub amplification: u16,
}

impl Mse {
    /// The healthcare example's setting.
    pub const DEFAULT: Self = Self { amplification: 16 };

    fn error_units(&self, outputs: &[u16], labels: &[u16]) -> u128 {
        let sse: u128 = outputs
            .iter()
            .zip(labels)
            .map(|(o, y)| {
                let d = i128::from(*o) - i128::from(*y);
                (d * d) as u128
            })
            .sum();
        let denom = (labels.len().max(1) as u128) * 65535;
        sse * u128::from(self.amplification) / denom
    }
}

impl ScoringFunction for Mse {
    fn id(&self) -> String {
        format!("mse-a{}", self.amplification)
    }

    fn score(&self, outputs: &[u16], labels: &[u16]) -> u16 {
        65535 - self.error_units(outputs, labels).min(65535) as u16
    }
}

/// Classification: `score = ⌊65535 · correct / K⌋`, `correct` the number of exact matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accuracy;

impl ScoringFunction for Accuracy {
    fn id(&self) -> String {
        "accuracy".into()
    }

    fn score(&self, outputs: &[u16], labels: &[u16]) -> u16 {
        let k = labels.len().max(1) as u64;
        let correct = outputs.iter().zip(labels).filter(|(o, y)| o == y).count() as u64;
        (65535 * correct / k) as u16
    }
}

/// The shipped scoring functions, as named on the command line and in JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scoring {
    /// [`Mse`].
    Mse {
        /// Amplification.
        amplification: u16,
    },
    /// [`Accuracy`].
    Accuracy,
}

impl Scoring {
    /// Parse `mse`, `mse-a<N>` or `accuracy`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "accuracy" => Some(Self::Accuracy),
            "mse" => Some(Self::Mse {
                amplification: Mse::DEFAULT.amplification,
            }),
            _ => {
                let a: u16 = s.strip_prefix("mse-a")?.parse().ok()?;
                (a > 0).then_some(Self::Mse { amplification: a })
            }
        }
    }
}

impl ScoringFunction for Scoring {
    fn id(&self) -> String {
        match self {
            Self::Mse { amplification } => Mse {
                amplification: *amplification,
            }
            .id(),
            Self::Accuracy => Accuracy.id(),
        }
    }

    fn score(&self, outputs: &[u16], labels: &[u16]) -> u16 {
        match self {
            Self::Mse { amplification } => Mse {
                amplification: *amplification,
            }
            .score(outputs, labels),
            Self::Accuracy => Accuracy.score(outputs, labels),
        }
    }
}
