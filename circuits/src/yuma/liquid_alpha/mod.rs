//! Liquid alpha: a per-(validator, miner) EMA rate for Yuma3 bonds, from a sigmoid of how far the
//! validator's weight is ahead of consensus (buying) or its bond is ahead of its weight (selling).

#[cfg(feature = "r1cs")]
pub mod constraints;
#[cfg(feature = "halo2")]
pub mod halo2;

use super::math::SparseRow;
use crate::fixed::{exp_safe, I32F32};
use alloc::vec;
use alloc::vec::Vec;

/// Liquid-alpha parameters as stored on chain.
#[derive(Clone, Copy, Debug)]
pub struct LiquidAlphaParams {
    /// Lower bound of alpha, a u16 proportion.
    pub alpha_low: u16,
    /// Upper bound of alpha, a u16 proportion.
    pub alpha_high: u16,
    /// Sigmoid steepness (an integer; divided by −100 in the exponent).
    pub steepness: i16,
}

/// Liquid alpha's public chain state, as an epoch statement carries it (present exactly for the
/// `yuma3-liquid` circuits): the parameters and, when the consensus mode says so, the previous
/// epoch's stored consensus that the sigmoid reads in place of this epoch's.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LiquidAlphaState {
    /// Lower bound of alpha (u16 proportion).
    pub alpha_low: u16,
    /// Upper bound of alpha (u16 proportion); at least `alpha_low`, as the chain requires.
    pub alpha_high: u16,
    /// Sigmoid steepness.
    pub steepness: i16,
    /// The stored u16 consensus the sigmoid reads ([`super::liquid_alpha_consensus`]); `null`
    /// when it reads this epoch's.
    pub sigmoid_consensus: Option<Vec<u16>>,
}

impl LiquidAlphaState {
    /// The state of an epoch with Yuma3 liquid alpha on; `None` otherwise.
    pub fn from_input(input: &super::EpochInput) -> Option<Self> {
        (input.yuma3 && input.liquid_alpha).then(|| Self {
            alpha_low: input.alpha_low,
            alpha_high: input.alpha_high,
            steepness: input.alpha_sigmoid_steepness,
            sigmoid_consensus: super::previous_consensus_for_sigmoid(input).cloned(),
        })
    }

    /// The native rule's parameters.
    pub fn params(&self) -> LiquidAlphaParams {
        LiquidAlphaParams {
            alpha_low: self.alpha_low,
            alpha_high: self.alpha_high,
            steepness: self.steepness,
        }
    }

    /// `alpha_low` as a proportion.
    pub fn low(&self) -> I32F32 {
        I32F32::from_u16_proportion(self.alpha_low)
    }

    /// `alpha_high` as a proportion.
    pub fn high(&self) -> I32F32 {
        I32F32::from_u16_proportion(self.alpha_high)
    }

    /// The sigmoid's slope ([`sigmoid_factor`] of the steepness).
    pub fn factor(&self) -> I32F32 {
        sigmoid_factor(I32F32::from_int(i64::from(self.steepness)))
    }

    /// The consensus the sigmoid reads in place of this epoch's, as proportions.
    pub fn fed_consensus(&self) -> Option<Vec<I32F32>> {
        self.sigmoid_consensus
            .as_ref()
            .map(|c| c.iter().map(|x| I32F32::from_u16_proportion(*x)).collect())
    }
}

/// Alpha for one entry (`liquid_alpha_sigmoid`):
/// `clamp(low + σ · (high − low), low, high)` with
/// `σ = 1 / (1 + exp_safe(steepness / −100 · (diff − 0.5)))`, where `diff` is
/// `clamp(w − c, 0, 1)` when `w >= b` and `clamp(b − w, 0, 1)` otherwise.
pub fn liquid_alpha_sigmoid(
    consensus: I32F32,
    weight: I32F32,
    bond: I32F32,
    alpha_low: I32F32,
    alpha_high: I32F32,
    steepness: I32F32,
) -> I32F32 {
    let zero = I32F32::ZERO;
    let one = I32F32::ONE;
    let diff_buy = weight.saturating_sub(consensus).clamp_to(zero, one);
    let diff_sell = bond.saturating_sub(weight).clamp_to(zero, one);
    let combined = if weight >= bond { diff_buy } else { diff_sell };
    let half = I32F32::from_bits(1 << 31);
    let exponent = sigmoid_factor(steepness).saturating_mul(combined.saturating_sub(half));
    let sigmoid = one.saturating_div(one.saturating_add(exp_safe(exponent)));
    let alpha =
        alpha_low.saturating_add(sigmoid.saturating_mul(alpha_high.saturating_sub(alpha_low)));
    alpha.clamp_to(alpha_low, alpha_high)
}

/// The sigmoid's slope, `steepness / −100` (truncating): the factor of `diff − 0.5` in the
/// exponent. `|steepness| <= 32768`, so its magnitude is below `2^41` in bits.
pub fn sigmoid_factor(steepness: I32F32) -> I32F32 {
    steepness.saturating_div(I32F32::from_int(-100))
}

/// The dense alpha matrix (`liquid_alpha_matrix_sparse`). Each row's weights and bonds are read
/// with a forward-only merge that assumes entries sorted by column, exactly as the chain does: an
/// entry that comes after a larger column in stored order is not seen (it reads as 0).
///
/// The bonds EMA reads `alpha[i][j]` only where row `i` of the weights or of the bonds has an
/// entry in column `j`; the sigmoid (the expensive part) is evaluated there alone and every other
/// cell is left at 0, which nothing reads.
pub fn liquid_alpha_matrix_sparse(
    params: &LiquidAlphaParams,
    weights: &[SparseRow],
    bonds: &[SparseRow],
    consensus: &[I32F32],
) -> Vec<Vec<I32F32>> {
    if weights.len() != bonds.len() {
        return Vec::new();
    }
    let steepness = I32F32::from_int(i64::from(params.steepness));
    let low = I32F32::from_u16_proportion(params.alpha_low);
    let high = I32F32::from_u16_proportion(params.alpha_high);
    weights
        .iter()
        .zip(bonds)
        .map(|(w_row, b_row)| {
            let mut read = vec![false; consensus.len()];
            for &(j, _) in w_row.iter().chain(b_row) {
                if let Some(r) = read.get_mut(usize::from(j)) {
                    *r = true;
                }
            }
            let mut w_it = w_row.iter().peekable();
            let mut b_it = b_row.iter().peekable();
            consensus
                .iter()
                .zip(read)
                .enumerate()
                .map(|(j_pos, (c, read))| {
                    let j = j_pos as u16;
                    let weight = merge_read(&mut w_it, j);
                    let bond = merge_read(&mut b_it, j);
                    if read {
                        liquid_alpha_sigmoid(*c, weight, bond, low, high, steepness)
                    } else {
                        I32F32::ZERO
                    }
                })
                .collect()
        })
        .collect()
}

fn merge_read<'a>(
    it: &mut core::iter::Peekable<impl Iterator<Item = &'a (u16, I32F32)>>,
    j: u16,
) -> I32F32 {
    let mut value = I32F32::ZERO;
    while let Some(&&(i, v)) = it.peek() {
        if i < j {
            it.next();
        } else {
            if i == j {
                value = v;
            }
            break;
        }
    }
    value
}
