//! The shipped scoring functions in R1CS, beside their native rules in the parent module.

use super::{Accuracy, Mse, Scoring, ScoringFunction};

/// A scoring function's R1CS twin: the same rule as [`ScoringFunction::score`] over
/// range-checked u16 inputs.
pub trait ScoringGadget: ScoringFunction {
    /// Score one miner in R1CS; returns a variable constrained to `0..=65535` and equal to the
    /// native score.
    fn score_gadget(
        &self,
        outputs: &[FpVar<Fr>],
        labels: &[FpVar<Fr>],
    ) -> Result<FpVar<Fr>, SynthesisError>;
}

impl ScoringGadget for Mse {
    fn score_gadget(
        &self,
        outputs: &[FpVar<Fr>],
        labels: &[FpVar<Fr>],
    ) -> Result<FpVar<Fr>, SynthesisError> {
        mse(self.amplification, outputs, labels)
    }
}

impl ScoringGadget for Accuracy {
    fn score_gadget(
        &self,
        outputs: &[FpVar<Fr>],
        labels: &[FpVar<Fr>],
    ) -> Result<FpVar<Fr>, SynthesisError> {
        accuracy(outputs, labels)
    }
}

impl ScoringGadget for Scoring {
    fn score_gadget(
        &self,
        outputs: &[FpVar<Fr>],
        labels: &[FpVar<Fr>],
    ) -> Result<FpVar<Fr>, SynthesisError> {
        match self {
            Self::Mse { amplification } => mse(*amplification, outputs, labels),
            Self::Accuracy => accuracy(outputs, labels),
        }
    }
}

use crate::gadgets::{div_rem, enforce_range, is_equal};
use ark_bn254::Fr;
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::fields::FieldVar;
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::SynthesisError;

fn bits_for(v: u128) -> usize {
    (128 - v.leading_zeros()) as usize
}

/// MSE score: `65535 − min(65535, t)`, `t = ⌊SSE·a / (K·65535)⌋`.
///
/// Constraints: one square per sample; `t·D + r = SSE·a` with `r < D` range-checked and `t`
/// range-checked (so nothing wraps); a clip bit `b = [t > 65535]` pinned by a range check of
/// `(2b − 1)(t − 65535) − b`; `score = 65535 − t + b·(t − 65535)`.
pub fn mse(
    amplification: u16,
    outputs: &[FpVar<Fr>],
    labels: &[FpVar<Fr>],
) -> Result<FpVar<Fr>, SynthesisError> {
    let k = labels.len().max(1) as u128;
    let mut sse = FpVar::zero();
    for (o, y) in outputs.iter().zip(labels) {
        sse += (o - y).square()?;
    }
    let numerator = sse * Fr::from(amplification);
    let denom = k * 65535;
    let d = FpVar::constant(Fr::from(denom));
    let (t, _remainder) = div_rem(&numerator, &d, bits_for(denom))?;
    // t <= 65535 · a < 2^(16 + bits(a)): bounds the division so it cannot wrap.
    let t_bits = 16 + bits_for(u128::from(amplification));
    enforce_range(&t, t_bits)?;
    let over = t.value().map(|t| t > Fr::from(65535u64)).unwrap_or(false);
    let clip = Boolean::new_witness(t.cs(), || Ok(over))?;
    let excess = &t - Fr::from(65535u64);
    let clipped_excess = FpVar::from(clip.clone()) * &excess;
    // clip = 1 ⇒ t >= 65536; clip = 0 ⇒ t <= 65535 (so the clip bit is unique).
    let signed = clipped_excess.double()? - &excess - FpVar::from(clip.clone());
    enforce_range(&signed, t_bits)?;
    Ok(FpVar::constant(Fr::from(65535u64)) - &t + clipped_excess)
}

/// Accuracy score: `⌊65535 · correct / K⌋` with `correct = Σ_k [o_k = y_k]`.
pub fn accuracy(outputs: &[FpVar<Fr>], labels: &[FpVar<Fr>]) -> Result<FpVar<Fr>, SynthesisError> {
    let k = labels.len().max(1) as u128;
    let mut correct = FpVar::zero();
    for (o, y) in outputs.iter().zip(labels) {
        correct += FpVar::from(is_equal(o, y)?);
    }
    let numerator = correct * Fr::from(65535u64);
    let d = FpVar::constant(Fr::from(k));
    let (score, _r) = div_rem(&numerator, &d, bits_for(k))?;
    // score <= 65535 bounds the division.
    enforce_range(&score, 16)?;
    Ok(score)
}
