//! The sparse matrix and vector rules of subtensor's `epoch/math.rs` that the sparse epoch uses,
//! in the chain's exact fixed-point arithmetic and iteration order.
//!
//! A sparse matrix is one row per uid, each row a list of `(column uid, value)` in the order the
//! chain holds it: stored rows keep submission order, rows rebuilt from a dense accumulator are
//! sorted by column. Absent entries and explicit zeros are different things in several rules
//! (the median reads an absent entry as 0, but the row sum and EMA keep explicit entries).

use crate::fixed::{sum, I32F32, I64F64};
use alloc::vec;
use alloc::vec::Vec;

/// One sparse row: `(column, value)` pairs.
pub type SparseRow = Vec<(u16, I32F32)>;
/// A sparse matrix: one [`SparseRow`] per row.
pub type SparseMatrix = Vec<SparseRow>;

/// Normalise in place so the vector sums to 1 (each element divided by the sum with `safe_div`);
/// a zero sum leaves the vector unchanged.
pub fn inplace_normalize(x: &mut [I32F32]) {
    let total = sum(x.iter().copied());
    inplace_normalize_with_sum(x, total);
}

/// Divide every element by `total` (`safe_div`), unless `total` is zero.
pub fn inplace_normalize_with_sum(x: &mut [I32F32], total: I32F32) {
    if total == I32F32::ZERO {
        return;
    }
    x.iter_mut().for_each(|v| *v = v.safe_div(total));
}

/// Stake normalisation in `I64F64` (`inplace_normalize_64`); `None` if the sum overflows.
pub fn normalize_64(x: &[I64F64]) -> Option<Vec<I64F64>> {
    let total = x
        .iter()
        .try_fold(I64F64::ZERO, |acc, v| acc.checked_add(*v))?;
    if total == I64F64::ZERO {
        return Some(x.to_vec());
    }
    Some(x.iter().map(|v| v.safe_div(total)).collect())
}

/// True where the value is non-zero and among the `k` largest (`is_topk_nonzero`): an ascending
/// stable sort drops the first `n - k`, so among equal values the lower uid loses.
pub fn is_topk_nonzero(x: &[I32F32], k: usize) -> Vec<bool> {
    let n = x.len();
    let mut result: Vec<bool> = x.iter().map(|v| *v != I32F32::ZERO).collect();
    if n < k {
        return result;
    }
    let mut idxs: Vec<usize> = (0..n).collect();
    idxs.sort_by_key(|&i| x[i]);
    for &i in idxs.iter().take(n - k) {
        result[i] = false;
    }
    result
}

/// Zero the elements where `mask` is true (a missing mask entry masks).
pub fn inplace_mask_vector(mask: &[bool], x: &mut [I32F32]) {
    if mask.is_empty() {
        return;
    }
    for (i, v) in x.iter_mut().enumerate() {
        if mask.get(i).copied().unwrap_or(true) {
            *v = I32F32::ZERO;
        }
    }
}

/// Empty the rows where `mask` is true.
pub fn mask_rows_sparse(mask: &[bool], m: &[SparseRow]) -> SparseMatrix {
    m.iter()
        .enumerate()
        .map(|(i, row)| {
            if mask.get(i).copied().unwrap_or(true) {
                Vec::new()
            } else {
                row.clone()
            }
        })
        .collect()
}

/// Remove the diagonal, keeping the entry `(except, except)` when given (the subnet owner's
/// self-weight).
pub fn mask_diag_sparse(m: &[SparseRow], except: Option<u16>) -> SparseMatrix {
    m.iter()
        .enumerate()
        .map(|(i, row)| {
            row.iter()
                .filter(|(j, _)| {
                    i != usize::from(*j) || except.is_some_and(|e| i == usize::from(e) && *j == e)
                })
                .copied()
                .collect()
        })
        .collect()
}

/// Remove `(i, j)` where `mask_fn(first[i], second[j])` (a missing vector entry reads as 0).
pub fn vec_mask_sparse_matrix(
    m: &[SparseRow],
    first: &[u64],
    second: &[u64],
    mask_fn: impl Fn(u64, u64) -> bool,
) -> SparseMatrix {
    m.iter()
        .enumerate()
        .map(|(i, row)| {
            let fv = first.get(i).copied().unwrap_or(0);
            row.iter()
                .filter(|(j, _)| !mask_fn(fv, second.get(usize::from(*j)).copied().unwrap_or(0)))
                .copied()
                .collect()
        })
        .collect()
}

/// Remove `(i, j)` where `mask_fn(scalar, vector[j])`.
pub fn scalar_vec_mask_sparse_matrix(
    m: &[SparseRow],
    scalar: u64,
    vector: &[u64],
    mask_fn: impl Fn(u64, u64) -> bool,
) -> SparseMatrix {
    m.iter()
        .map(|row| {
            row.iter()
                .filter(|(j, _)| {
                    !mask_fn(scalar, vector.get(usize::from(*j)).copied().unwrap_or(0))
                })
                .copied()
                .collect()
        })
        .collect()
}

/// Normalise each row to sum 1 when its sum is positive.
pub fn inplace_row_normalize_sparse(m: &mut [SparseRow]) {
    for row in m.iter_mut() {
        let row_sum = sum(row.iter().map(|(_, v)| *v));
        if row_sum > I32F32::ZERO {
            row.iter_mut().for_each(|(_, v)| *v = v.safe_div(row_sum));
        }
    }
}

/// `r_j = Σ_i s_i · m_ij` (saturating), over `columns` columns.
pub fn matmul_sparse(m: &[SparseRow], s: &[I32F32], columns: u16) -> Vec<I32F32> {
    let mut result = vec![I32F32::ZERO; usize::from(columns)];
    for (i, row) in m.iter().enumerate() {
        let scale = s.get(i).copied().unwrap_or(I32F32::ZERO);
        for &(j, v) in row {
            if let Some(r) = result.get_mut(usize::from(j)) {
                *r = r.saturating_add(scale.saturating_mul(v));
            }
        }
    }
    result
}

/// `d_i = Σ_j v_j · m_ij` (saturating).
pub fn matmul_transpose_sparse(m: &[SparseRow], v: &[I32F32]) -> Vec<I32F32> {
    m.iter()
        .map(|row| {
            row.iter().fold(I32F32::ZERO, |acc, &(j, val)| {
                let vj = v.get(usize::from(j)).copied().unwrap_or(I32F32::ZERO);
                acc.saturating_add(vj.saturating_mul(val))
            })
        })
        .collect()
}

/// Clip to consensus: `w_ij > c_j` becomes `c_j`, or is removed when `c_j <= 0`.
pub fn col_clip_sparse(m: &[SparseRow], threshold: &[I32F32]) -> SparseMatrix {
    m.iter()
        .map(|row| {
            row.iter()
                .filter_map(|&(j, v)| {
                    let th = threshold
                        .get(usize::from(j))
                        .copied()
                        .unwrap_or(I32F32::ZERO);
                    if th < v {
                        (th > I32F32::ZERO).then_some((j, th))
                    } else {
                        Some((j, v))
                    }
                })
                .collect()
        })
        .collect()
}

/// Sum of each row.
pub fn row_sum_sparse(m: &[SparseRow]) -> Vec<I32F32> {
    m.iter()
        .map(|row| sum(row.iter().map(|(_, v)| *v)))
        .collect()
}

/// Densify a row over `columns` columns (later entries overwrite earlier ones).
fn densify(row: Option<&SparseRow>, columns: u16) -> Vec<I32F32> {
    let mut dense = vec![I32F32::ZERO; usize::from(columns)];
    if let Some(row) = row {
        for &(j, v) in row {
            if let Some(d) = dense.get_mut(usize::from(j)) {
                *d = v;
            }
        }
    }
    dense
}

/// `a + ratio · (b − a)` elementwise, keeping positive results sorted by column; a ratio of
/// exactly 0 or 1 returns `a` or `b` unchanged (in their stored order).
pub fn interpolate_sparse(
    a: &[SparseRow],
    b: &[SparseRow],
    columns: u16,
    ratio: I32F32,
) -> SparseMatrix {
    if ratio == I32F32::ZERO {
        return a.to_vec();
    }
    if ratio == I32F32::ONE {
        return b.to_vec();
    }
    if a.len() != b.len() {
        return b.to_vec();
    }
    (0..a.len())
        .map(|i| {
            let r1 = densify(a.get(i), columns);
            let r2 = densify(b.get(i), columns);
            r1.iter()
                .zip(&r2)
                .enumerate()
                .filter_map(|(j, (v1, v2))| {
                    let x = v1.saturating_add(ratio.saturating_mul(v2.saturating_sub(*v1)));
                    (x > I32F32::ZERO).then_some((j as u16, x))
                })
                .collect()
        })
        .collect()
}

/// Normalise each column to sum 1 (saturating column sums), skipping zero-sum columns.
pub fn inplace_col_normalize_sparse(m: &mut [SparseRow], columns: u16) {
    let mut col_sum = vec![I32F32::ZERO; usize::from(columns)];
    for row in m.iter() {
        for &(j, v) in row {
            if let Some(s) = col_sum.get_mut(usize::from(j)) {
                *s = s.saturating_add(v);
            }
        }
    }
    for row in m.iter_mut() {
        for (j, v) in row.iter_mut() {
            let d = col_sum
                .get(usize::from(*j))
                .copied()
                .unwrap_or(I32F32::ZERO);
            if d != I32F32::ZERO {
                *v = v.safe_div(d);
            }
        }
    }
}

/// Scale each column so its largest entry becomes 1.
pub fn inplace_col_max_upscale_sparse(m: &mut [SparseRow], columns: u16) {
    let mut col_max = vec![I32F32::ZERO; usize::from(columns)];
    for row in m.iter() {
        for &(j, v) in row {
            if let Some(c) = col_max.get_mut(usize::from(j)) {
                if *c < v {
                    *c = v;
                }
            }
        }
    }
    for row in m.iter_mut() {
        for (j, v) in row.iter_mut() {
            let c = col_max
                .get(usize::from(*j))
                .copied()
                .unwrap_or(I32F32::ZERO);
            if c != I32F32::ZERO {
                *v = v.safe_div(c);
            }
        }
    }
}

/// Multiply each row by the row's scalar `s_i` (`ΔB = W ∘ S`).
pub fn row_hadamard_sparse(m: &[SparseRow], s: &[I32F32]) -> SparseMatrix {
    m.iter()
        .zip(s)
        .map(|(row, &scale)| {
            row.iter()
                .map(|&(j, v)| (j, v.saturating_mul(scale)))
                .collect()
        })
        .collect()
}

/// Multiply each entry by `v_j`, dropping zero products.
pub fn mat_vec_mul_sparse(m: &[SparseRow], v: &[I32F32]) -> SparseMatrix {
    m.iter()
        .map(|row| {
            row.iter()
                .filter_map(|&(j, val)| {
                    let vj = v.get(usize::from(j))?;
                    let x = val.saturating_mul(*vj);
                    (x != I32F32::ZERO).then_some((j, x))
                })
                .collect()
        })
        .collect()
}

/// Elementwise product; an overflowing product gives 0 (`checked_mul(..).unwrap_or_default()`).
pub fn vec_mul(a: &[I32F32], b: &[I32F32]) -> Vec<I32F32> {
    a.iter()
        .zip(b)
        .map(|(x, y)| x.checked_mul(*y).unwrap_or(I32F32::ZERO))
        .collect()
}

/// True when the vector sums to zero.
pub fn is_zero(x: &[I32F32]) -> bool {
    sum(x.iter().copied()) == I32F32::ZERO
}

/// Bonds EMA with one alpha: `alpha · new + (1 − alpha) · old` over a dense accumulator of
/// `new.len()` columns, keeping positive results sorted by column (`mat_ema_sparse`).
pub fn mat_ema_sparse(new: &[SparseRow], old: &[SparseRow], alpha: I32F32) -> SparseMatrix {
    let n = new.len();
    let one_minus_alpha = I32F32::ONE.saturating_sub(alpha);
    new.iter()
        .enumerate()
        .map(|(i, new_row)| {
            let mut acc = vec![I32F32::ZERO; n];
            for &(j, v) in new_row {
                if let Some(c) = acc.get_mut(usize::from(j)) {
                    *c = c.saturating_add(alpha.saturating_mul(v));
                }
            }
            if let Some(old_row) = old.get(i) {
                for &(j, v) in old_row {
                    if let Some(c) = acc.get_mut(usize::from(j)) {
                        *c = c.saturating_add(one_minus_alpha.saturating_mul(v));
                    }
                }
            }
            acc.iter()
                .enumerate()
                .filter(|(_, v)| **v > I32F32::ZERO)
                .map(|(j, v)| (j as u16, *v))
                .collect()
        })
        .collect()
}

/// Bonds EMA with one alpha per entry (`mat_ema_alpha_sparse`): only entries present in the new
/// row survive (an old bond absent from the new row is dropped), in the new row's order, each
/// `min(1, (1 − α_ij)·old_ij + max(0, α_ij·new_ij))`, kept when positive.
pub fn mat_ema_alpha_sparse(
    new: &[SparseRow],
    old: &[SparseRow],
    alpha: &[Vec<I32F32>],
) -> SparseMatrix {
    if new.len() != old.len() || new.len() != alpha.len() {
        return new.to_vec();
    }
    new.iter()
        .zip(old)
        .zip(alpha)
        .map(|((new_row, old_row), alpha_row)| {
            let mut decayed = vec![I32F32::ZERO; alpha_row.len()];
            for &(j, o) in old_row {
                if let (Some(&a), Some(c)) = (
                    alpha_row.get(usize::from(j)),
                    decayed.get_mut(usize::from(j)),
                ) {
                    *c = I32F32::ONE.saturating_sub(a).saturating_mul(o);
                }
            }
            new_row
                .iter()
                .filter_map(|&(j, w)| {
                    let a = *alpha_row.get(usize::from(j))?;
                    let d = *decayed.get(usize::from(j))?;
                    let inc = a.saturating_mul(w).max(I32F32::ZERO);
                    let v = d.saturating_add(inc).min(I32F32::ONE);
                    (v > I32F32::ZERO).then_some((j, v))
                })
                .collect()
        })
        .collect()
}
