//! The shipped scoring functions as halo2 chips, the twins of `constraints.rs` (same relations,
//! same remainder and clip rules).

use super::{Accuracy, Mse, Scoring, ScoringFunction};
use crate::halo2::arith::{boolean, div_rem, is_zero, linear, mul, mul_add, sum};
use crate::halo2::{fp_to_u128, fp_u128, range, Fp, Rows, Wire};
use halo2_axiom::halo2curves::ff::Field;
use halo2_axiom::plonk::Error;

/// A scoring function's halo2 twin: the same rule as [`ScoringFunction::score`] over
/// range-checked u16 cells.
pub trait ScoringChip: ScoringFunction {
    /// Score one miner; returns a cell constrained to `0..=65535` and equal to the native score.
    fn score_chip(
        &self,
        rows: &mut Rows<'_, '_>,
        outputs: &[Wire],
        labels: &[Wire],
    ) -> Result<Wire, Error>;
}

impl ScoringChip for Mse {
    fn score_chip(
        &self,
        rows: &mut Rows<'_, '_>,
        outputs: &[Wire],
        labels: &[Wire],
    ) -> Result<Wire, Error> {
        mse(rows, self.amplification, outputs, labels)
    }
}

impl ScoringChip for Accuracy {
    fn score_chip(
        &self,
        rows: &mut Rows<'_, '_>,
        outputs: &[Wire],
        labels: &[Wire],
    ) -> Result<Wire, Error> {
        accuracy(rows, outputs, labels)
    }
}

impl ScoringChip for Scoring {
    fn score_chip(
        &self,
        rows: &mut Rows<'_, '_>,
        outputs: &[Wire],
        labels: &[Wire],
    ) -> Result<Wire, Error> {
        match self {
            Self::Mse { amplification } => mse(rows, *amplification, outputs, labels),
            Self::Accuracy => accuracy(rows, outputs, labels),
        }
    }
}

fn bits_for(v: u128) -> usize {
    (128 - v.leading_zeros()) as usize
}

/// MSE score `65535 − min(65535, t)`, `t = ⌊SSE·a / (K·65535)⌋`: `SSE` by one multiply-add a
/// sample; `t·D + r = SSE·a` with `r < D` and `t` range-checked; the clip bit `b = [t > 65535]`
/// pinned by a range check of `(2b − 1)(t − 65535) − b`; `score = 65535 − t + b·(t − 65535)`.
pub fn mse(
    rows: &mut Rows<'_, '_>,
    amplification: u16,
    outputs: &[Wire],
    labels: &[Wire],
) -> Result<Wire, Error> {
    let k = labels.len().max(1) as u128;
    let mut sse = rows.constant(Fp::ZERO);
    for (o, y) in outputs.iter().zip(labels) {
        let diff = linear(rows, &[(Fp::ONE, o), (-Fp::ONE, y)], Fp::ZERO)?;
        sse = mul_add(rows, &diff, &diff, &sse)?;
    }
    let numerator = linear(
        rows,
        &[(Fp::from(u64::from(amplification)), &sse)],
        Fp::ZERO,
    )?;
    let denom = k * 65535;
    let d = rows.constant(fp_u128(denom));
    let t_bits = 16 + bits_for(u128::from(amplification));
    let (t, _) = div_rem(rows, &numerator, &d, bits_for(denom), t_bits)?;
    let over = t.value.map(|t| fp_to_u128(t).is_some_and(|t| t > 65535));
    let clip = boolean(rows, over)?;
    let excess = linear(rows, &[(Fp::ONE, &t)], -Fp::from(65535))?;
    let clipped = mul(rows, &clip, &excess)?;
    let signed = linear(
        rows,
        &[
            (Fp::from(2), &clipped),
            (-Fp::ONE, &excess),
            (-Fp::ONE, &clip),
        ],
        Fp::ZERO,
    )?;
    range::check(rows, &signed, t_bits)?;
    linear(
        rows,
        &[(-Fp::ONE, &t), (Fp::ONE, &clipped)],
        Fp::from(65535),
    )
}

/// Accuracy score `⌊65535·correct / K⌋`, `correct = Σ_k [o_k = y_k]`: the quotient range-checked
/// on 16 bits and the remainder below `K`.
pub fn accuracy(rows: &mut Rows<'_, '_>, outputs: &[Wire], labels: &[Wire]) -> Result<Wire, Error> {
    let k = labels.len().max(1) as u128;
    let mut matches = Vec::with_capacity(labels.len());
    for (o, y) in outputs.iter().zip(labels) {
        let diff = linear(rows, &[(Fp::ONE, o), (-Fp::ONE, y)], Fp::ZERO)?;
        matches.push(is_zero(rows, &diff)?);
    }
    let correct = if matches.is_empty() {
        rows.constant(Fp::ZERO)
    } else {
        sum(rows, &matches)?
    };
    let numerator = linear(rows, &[(Fp::from(65535), &correct)], Fp::ZERO)?;
    let d = rows.constant(fp_u128(k));
    let (score, _) = div_rem(rows, &numerator, &d, bits_for(k), 16)?;
    Ok(score)
}
