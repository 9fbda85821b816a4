//! Consensus: the stake-weighted median of each miner's column, with majority `kappa`.
//!
//! The rule (DESIGN §2): over the validators with positive stake (renormalised to sum 1), the
//! consensus of a column is the unique score `x` among the column's scores with
//!
//! ```text
//! S(score < x) <= m < S(score <= x),      m = stake_sum − kappa
//! ```
//!
//! where `S(P)` is the stake of the validators whose score satisfies `P`. `m < 0` gives the
//! minimum score, no solution (`m >= stake_sum`) gives the maximum, an empty column 0. A missing
//! weight counts as 0. [`weighted_median_closed_form`] computes it from the definition; a circuit
//! takes `x` as a witness and checks the two inequalities with masked sums.
//!
//! The chain computes the same value with a deterministic mid-pivot quickselect
//! ([`weighted_median_quickselect`], subtensor's `weighted_median`); the property tests show the
//! two agree.

use super::math::{inplace_normalize, SparseRow};
use crate::fixed::{sum, I32F32};
use alloc::vec;
use alloc::vec::Vec;

/// The median rule from its definition. `minority` is `m`; stakes are taken as given.
pub fn weighted_median_closed_form(stake: &[I32F32], score: &[I32F32], minority: I32F32) -> I32F32 {
    if stake.is_empty() || stake.len() != score.len() {
        return I32F32::ZERO;
    }
    let mut order: Vec<usize> = (0..score.len()).collect();
    order.sort_by_key(|&i| score[i]);
    let min = score[order[0]];
    let max = score[order[order.len() - 1]];
    if minority < I32F32::ZERO {
        return min;
    }
    // Smallest x with S(score <= x) > m; then S(score < x) <= m holds by minimality.
    let mut at_or_below = I32F32::ZERO;
    let mut k = 0;
    while k < order.len() {
        let x = score[order[k]];
        while k < order.len() && score[order[k]] == x {
            at_or_below = at_or_below.saturating_add(stake[order[k]]);
            k += 1;
        }
        if minority < at_or_below {
            return x;
        }
    }
    max
}

/// True when `x` satisfies the median rule for this column: the relation a circuit enforces.
pub fn is_weighted_median(stake: &[I32F32], score: &[I32F32], minority: I32F32, x: I32F32) -> bool {
    if stake.is_empty() {
        return x == I32F32::ZERO;
    }
    let Some(&min) = score.iter().min() else {
        return false;
    };
    let Some(&max) = score.iter().max() else {
        return false;
    };
    let total = sum(stake.iter().copied());
    if minority < I32F32::ZERO {
        return x == min;
    }
    if total <= minority {
        return x == max;
    }
    let below = sum(stake
        .iter()
        .zip(score)
        .filter(|(_, s)| **s < x)
        .map(|(st, _)| *st));
    let at_or_below = sum(stake
        .iter()
        .zip(score)
        .filter(|(_, s)| **s <= x)
        .map(|(st, _)| *st));
    score.contains(&x) && below <= minority && minority < at_or_below
}

/// Subtensor's `weighted_median`: mid-pivot quickselect over `partition_idx`, with the stake
/// integral of the partition spanning `[lo, hi]`.
pub fn weighted_median_quickselect(
    stake: &[I32F32],
    score: &[I32F32],
    partition_idx: &[usize],
    minority: I32F32,
    mut lo: I32F32,
    mut hi: I32F32,
) -> I32F32 {
    if stake.len() != score.len() {
        return I32F32::ZERO;
    }
    let at = |v: &[I32F32], i: usize| v.get(i).copied().unwrap_or(I32F32::ZERO);
    let mut current: Vec<usize> = partition_idx.to_vec();
    let limit = partition_idx.len();
    let mut iterations = 0usize;
    loop {
        let n = current.len();
        if n == 0 {
            return I32F32::ZERO;
        }
        if n == 1 {
            return at(score, current[0]);
        }
        let pivot = at(score, current[n / 2]);
        let (mut lo_stake, mut hi_stake) = (I32F32::ZERO, I32F32::ZERO);
        let (mut lower, mut upper) = (Vec::new(), Vec::new());
        for &idx in &current {
            let s = at(score, idx);
            if s == pivot {
                continue;
            }
            if s < pivot {
                lo_stake = lo_stake.saturating_add(at(stake, idx));
                lower.push(idx);
            } else {
                hi_stake = hi_stake.saturating_add(at(stake, idx));
                upper.push(idx);
            }
        }
        if minority < lo.saturating_add(lo_stake) && !lower.is_empty() {
            current = lower;
            hi = lo.saturating_add(lo_stake);
        } else if hi.saturating_sub(hi_stake) <= minority && !upper.is_empty() {
            current = upper;
            lo = hi.saturating_sub(hi_stake);
        } else {
            return pivot;
        }
        iterations += 1;
        if iterations > limit {
            return I32F32::ZERO;
        }
    }
}

/// Which median algorithm computes each column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MedianAlgorithm {
    /// From the definition (what circuits enforce).
    ClosedForm,
    /// The chain's quickselect.
    Quickselect,
}

/// Consensus of every column (`weighted_median_col_sparse`): keep validators with positive
/// stake, renormalise their stake, read absent weights as 0, and take each column's median with
/// `m = stake_sum − kappa`.
pub fn weighted_median_col_sparse(
    stake: &[I32F32],
    weights: &[SparseRow],
    columns: u16,
    kappa: I32F32,
    algorithm: MedianAlgorithm,
) -> Vec<I32F32> {
    let mut use_stake: Vec<I32F32> = stake
        .iter()
        .copied()
        .filter(|s| *s > I32F32::ZERO)
        .collect();
    inplace_normalize(&mut use_stake);
    let stake_sum = sum(use_stake.iter().copied());
    let minority = stake_sum.saturating_sub(kappa);
    let mut use_score = vec![vec![I32F32::ZERO; use_stake.len()]; usize::from(columns)];
    let mut k = 0usize;
    for (s, row) in stake.iter().zip(weights) {
        if *s > I32F32::ZERO {
            for &(c, v) in row {
                if let Some(cell) = use_score
                    .get_mut(usize::from(c))
                    .and_then(|col| col.get_mut(k))
                {
                    *cell = v;
                }
            }
            k += 1;
        }
    }
    let idx: Vec<usize> = (0..use_stake.len()).collect();
    use_score
        .iter()
        .map(|col| match algorithm {
            MedianAlgorithm::ClosedForm => weighted_median_closed_form(&use_stake, col, minority),
            MedianAlgorithm::Quickselect => weighted_median_quickselect(
                &use_stake,
                col,
                &idx,
                minority,
                I32F32::ZERO,
                stake_sum,
            ),
        })
        .collect()
}

/// The public quantities of one epoch's consensus rule, as the circuit checks it: per validator
/// row the renormalised median stake `u_i` (0 for rows without positive stake), and bounds
/// `lo`, `hi` such that the consensus `c` of a column is the column value (over rows with
/// `u_i > 0`) with `S(w < c) <= lo` and `hi < S(w <= c)`:
/// `lo = max(m, 0)`, `hi = m` unless `m >= stake_sum` (then `hi = stake_sum − 1 ulp`, forcing the
/// maximum). With no positive stake (`empty`) every consensus is 0.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MedianBounds {
    /// Renormalised stake of each row (0 where excluded).
    pub stake: Vec<I32F32>,
    /// Upper bound of the stake strictly below the consensus.
    pub lo: I32F32,
    /// Strict lower bound of the stake at or below the consensus.
    pub hi: I32F32,
    /// No row has positive stake.
    pub empty: bool,
}

/// [`MedianBounds`] for the active stake and kappa (as `weighted_median_col_sparse` derives
/// `use_stake` and `m`).
pub fn median_bounds(active_stake: &[I32F32], kappa: I32F32) -> MedianBounds {
    let mut positive: Vec<I32F32> = active_stake
        .iter()
        .copied()
        .filter(|s| *s > I32F32::ZERO)
        .collect();
    inplace_normalize(&mut positive);
    let total = sum(positive.iter().copied());
    let minority = total.saturating_sub(kappa);
    let mut it = positive.into_iter();
    let stake = active_stake
        .iter()
        .map(|s| {
            if *s > I32F32::ZERO {
                it.next().unwrap_or(I32F32::ZERO)
            } else {
                I32F32::ZERO
            }
        })
        .collect::<Vec<_>>();
    let lo = minority.max(I32F32::ZERO);
    let hi = if minority >= total {
        I32F32::from_bits(total.to_bits() - 1)
    } else {
        minority
    };
    MedianBounds {
        empty: stake.iter().all(|s| *s == I32F32::ZERO),
        stake,
        lo,
        hi,
    }
}

/// True when `c` satisfies the bounded rule of [`MedianBounds`] for one column.
pub fn satisfies_bounds(bounds: &MedianBounds, column: &[I32F32], c: I32F32) -> bool {
    if bounds.empty {
        return c == I32F32::ZERO;
    }
    let member = bounds
        .stake
        .iter()
        .zip(column)
        .any(|(u, w)| *u > I32F32::ZERO && *w == c);
    let below = sum(bounds
        .stake
        .iter()
        .zip(column)
        .filter(|(_, w)| **w < c)
        .map(|(u, _)| *u));
    let at_or_below = sum(bounds
        .stake
        .iter()
        .zip(column)
        .filter(|(_, w)| **w <= c)
        .map(|(u, _)| *u));
    member && below <= bounds.lo && bounds.hi < at_or_below
}
