//! The consensus core and the bonds / dividends / emission steps of the Yuma epoch as halo2
//! chips, step by step beside their R1CS twins in [`super::constraints`] (whose module
//! documentation states the bounds each step relies on): the same relations, remainders and
//! range widths, with range checks by lookups. One region per row or column step, named after
//! the rule (what `MockProver` reports).

// Matrix steps index rows and columns of several parallel matrices at once, as the R1CS twin.
#![allow(clippy::needless_range_loop)]

use super::constraints::{BondsInputs, BondsMode, ConsensusInputs};
use super::liquid_alpha::halo2::{liquid_alpha_sigmoid, LiquidAlphaWires, SigmoidWires};
use crate::fixed::halo2::{
    div_trunc, floor_to_int, mul_ceil, mul_floor, mul_floor_deferred, normalize,
};
use crate::fixed::{bits_for, I32F32, UNIT};
use crate::halo2::arith::{boolean, is_equal, is_less, is_zero, linear, mul, sum};
use crate::halo2::{fp_i128, fp_to_u128, fp_u128, range, Fp, Rows, Synth, Wire};
use halo2_axiom::circuit::{Layouter, Value};
use halo2_axiom::halo2curves::ff::Field;
use halo2_axiom::plonk::Error;

fn fixed(x: I32F32) -> Value<Fp> {
    Value::known(fp_i128(i128::from(x.to_bits())))
}

/// `Σ terms`, or a pinned 0 for none.
fn total(rows: &mut Rows<'_, '_>, terms: &[Wire]) -> Result<Wire, Error> {
    if terms.is_empty() {
        return Ok(rows.constant(Fp::ZERO));
    }
    sum(rows, terms)
}

/// `x − y`.
fn minus(rows: &mut Rows<'_, '_>, x: &Wire, y: &Wire) -> Result<Wire, Error> {
    linear(rows, &[(Fp::ONE, x), (-Fp::ONE, y)], Fp::ZERO)
}

/// `flag·(a − b) + b` (`a` when the boolean `flag` is 1, else `b`).
fn select(rows: &mut Rows<'_, '_>, flag: &Wire, a: &Wire, b: &Wire) -> Result<Wire, Error> {
    let gap = minus(rows, a, b)?;
    let swing = mul(rows, flag, &gap)?;
    linear(rows, &[(Fp::ONE, &swing), (Fp::ONE, b)], Fp::ZERO)
}

/// `x + [x = 0]`: a divisor that is `x`, or 1 when `x` is 0.
fn divisor_of(rows: &mut Rows<'_, '_>, x: &Wire) -> Result<Wire, Error> {
    let zero = is_zero(rows, x)?;
    linear(rows, &[(Fp::ONE, x), (Fp::ONE, &zero)], Fp::ZERO)
}

/// The consensus core's cells.
#[derive(Clone, Debug)]
pub struct ConsensusWires {
    /// Masks `[row][col]` (public).
    pub keep: Vec<Vec<Wire>>,
    /// Active stake per row (public).
    pub active_stake: Vec<Wire>,
    /// Median stakes per row (public).
    pub median_stake: Vec<Wire>,
    /// The median's stake bounds `lo`, `hi` (public).
    pub lo: Wire,
    /// See `lo`.
    pub hi: Wire,
    /// Whether no row has median stake (public).
    pub empty: Wire,
    /// Stored u16 weights per row (range-checked): what weight commitments open.
    pub stored: Vec<Vec<Wire>>,
    /// Normalised weights `[row][col]`.
    pub weights: Vec<Vec<Wire>>,
    /// Consensus per column (33 bits).
    pub consensus: Vec<Wire>,
    /// Clipped weights.
    pub clipped: Vec<Vec<Wire>>,
    /// Validator trust per row.
    pub validator_trust: Vec<Wire>,
    /// Incentive per column.
    pub incentive: Vec<Wire>,
}

/// Enforce the consensus core: masks and row normalisation, the weighted-median consensus,
/// clipping, validator trust, ranks and incentive (the rules of the R1CS `consensus_core`).
pub fn consensus_core<L: Layouter<Fp>>(
    synth: &mut Synth<'_, L>,
    inputs: &ConsensusInputs,
) -> Result<ConsensusWires, Error> {
    let v = inputs.stored.len();
    let n = inputs.consensus.len();
    let unit = fp_u128(UNIT);

    // Public chain state (bound to the statement digest by the caller).
    let (keep, active_stake, median_stake, counted, lo, hi, empty, not_empty) =
        synth.region("epoch consensus chain state", |rows| {
            let keep = inputs
                .keep
                .iter()
                .map(|row| {
                    row.iter()
                        .map(|k| boolean(rows, Value::known(*k)))
                        .collect::<Result<Vec<_>, _>>()
                })
                .collect::<Result<Vec<_>, _>>()?;
            let stake: Vec<Value<Fp>> = inputs.active_stake.iter().map(|s| fixed(*s)).collect();
            let active_stake = rows.witnesses(&stake);
            let median: Vec<Value<Fp>> = inputs.bounds.stake.iter().map(|s| fixed(*s)).collect();
            let median_stake = rows.witnesses(&median);
            let bounds = rows.witnesses(&[fixed(inputs.bounds.lo), fixed(inputs.bounds.hi)]);
            let empty = boolean(rows, Value::known(inputs.bounds.empty))?;
            let not_empty = linear(rows, &[(-Fp::ONE, &empty)], Fp::ONE)?;
            // Rows with positive median stake take part in the membership product.
            let counted = median_stake
                .iter()
                .map(|u| {
                    let zero = is_zero(rows, u)?;
                    linear(rows, &[(-Fp::ONE, &zero)], Fp::ONE)
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok((
                keep,
                active_stake,
                median_stake,
                counted,
                bounds[0],
                bounds[1],
                empty,
                not_empty,
            ))
        })?;

    // Masks and row normalisation: e_ij = keep_ij·W_ij; w_ij = ⌊e_ij·2^32 / S'_i⌋ with
    // S'_i = S_i + [S_i = 0]. The quotient is range-checked on 33 bits (every honest one is at
    // most 2^32); the R1CS twin leaves it to the median comparison.
    let row_sum_bits = bits_for((n as u128 * 65535).saturating_sub(1));
    let mut stored = Vec::with_capacity(v);
    let mut weights = Vec::with_capacity(v);
    for i in 0..v {
        let (raw, row) = synth.region("epoch row normalisation", |rows| {
            let mut raw = Vec::with_capacity(n);
            let mut effective = Vec::with_capacity(n);
            for j in 0..n {
                let w = Value::known(Fp::from(u64::from(inputs.stored[i][j])));
                let cell = range::witness(rows, w, 16)?;
                effective.push(mul(rows, &cell, &keep[i][j])?);
                raw.push(cell);
            }
            let row_sum = total(rows, &effective)?;
            let divisor = divisor_of(rows, &row_sum)?;
            let row = effective
                .iter()
                .map(|e| {
                    let scaled = linear(rows, &[(unit, e)], Fp::ZERO)?;
                    crate::halo2::arith::div_rem(rows, &scaled, &divisor, row_sum_bits, 33)
                        .map(|(q, _)| q)
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok((raw, row))
        })?;
        stored.push(raw);
        weights.push(row);
    }

    // Consensus: c_j with S(w < c_j) <= lo and hi < S(w <= c_j) over the median stakes, c_j one
    // of the column's values on rows with positive median stake; 0 when empty. Clipping:
    // min(w, c).
    let mut consensus = Vec::with_capacity(n);
    let mut clipped: Vec<Vec<Wire>> = vec![Vec::with_capacity(n); v];
    for j in 0..n {
        let (c, column) = synth.region("epoch consensus column", |rows| {
            let c = range::witness(rows, fixed(inputs.consensus[j]), 33)?;
            let mut below = Vec::with_capacity(v);
            let mut at_or_below = Vec::with_capacity(v);
            let mut membership = rows.constant(Fp::ONE);
            let mut column = Vec::with_capacity(v);
            for i in 0..v {
                let w = &weights[i][j];
                let lt = is_less(rows, w, &c, 33)?;
                let eq = is_equal(rows, w, &c)?;
                let le = linear(rows, &[(Fp::ONE, &lt), (Fp::ONE, &eq)], Fp::ZERO)?;
                below.push(mul(rows, &median_stake[i], &lt)?);
                at_or_below.push(mul(rows, &median_stake[i], &le)?);
                // Rows with positive median stake: factor (c − w); others: 1.
                let c_minus_w = minus(rows, &c, w)?;
                let counted_gap = mul(rows, &counted[i], &c_minus_w)?;
                let factor = linear(
                    rows,
                    &[(Fp::ONE, &counted_gap), (-Fp::ONE, &counted[i])],
                    Fp::ONE,
                )?;
                membership = mul(rows, &membership, &factor)?;
                column.push(select(rows, &le, w, &c)?);
            }
            let below = total(rows, &below)?;
            let at_or_below = total(rows, &at_or_below)?;
            let slack_lo = minus(rows, &lo, &below)?;
            let slack_lo = mul(rows, &not_empty, &slack_lo)?;
            range::check(rows, &slack_lo, 40)?;
            let slack_hi = linear(rows, &[(Fp::ONE, &at_or_below), (-Fp::ONE, &hi)], -Fp::ONE)?;
            let slack_hi = mul(rows, &not_empty, &slack_hi)?;
            range::check(rows, &slack_hi, 40)?;
            let member = mul(rows, &not_empty, &membership)?;
            rows.pin(&member, Fp::ZERO);
            let empty_c = mul(rows, &empty, &c)?;
            rows.pin(&empty_c, Fp::ZERO);
            Ok((c, column))
        })?;
        consensus.push(c);
        for (i, x) in column.into_iter().enumerate() {
            clipped[i].push(x);
        }
    }

    // Validator trust: the sum of each row's clipped weights.
    let validator_trust = synth.region("epoch validator trust", |rows| {
        clipped
            .iter()
            .map(|row| total(rows, row))
            .collect::<Result<Vec<_>, _>>()
    })?;

    // Ranks r_j = Σ_i ⌊s_i·clipped_ij / 2^32⌋; incentive = ⌊r_j·2^32 / Σ r⌋ (0 if Σ r = 0).
    let mut ranks = Vec::with_capacity(n);
    for j in 0..n {
        ranks.push(synth.region("epoch rank", |rows| {
            let terms = (0..v)
                .map(|i| mul_floor(rows, &active_stake[i], &clipped[i][j], UNIT, UNIT))
                .collect::<Result<Vec<_>, _>>()?;
            total(rows, &terms)
        })?);
    }
    let incentive = synth.region("epoch incentive", |rows| {
        let all = total(rows, &ranks)?;
        let divisor = divisor_of(rows, &all)?;
        ranks
            .iter()
            .map(|r| {
                let scaled = linear(rows, &[(unit, r)], Fp::ZERO)?;
                div_trunc(rows, &scaled, &divisor, UNIT, n as u128 * UNIT)
            })
            .collect::<Result<Vec<_>, _>>()
    })?;

    Ok(ConsensusWires {
        keep,
        active_stake,
        median_stake,
        lo,
        hi,
        empty,
        stored,
        weights,
        consensus,
        clipped,
        validator_trust,
        incentive,
    })
}

/// The bonds, dividends and emission cells.
#[derive(Clone, Debug)]
pub struct BondsWires {
    /// Bonds penalty (public).
    pub penalty: Wire,
    /// EMA alpha (public, `0..=2^32`).
    pub alpha: Wire,
    /// Column bonds masks (public booleans).
    pub bonds_keep: Vec<Wire>,
    /// Permits before the epoch (public booleans).
    pub old_permit: Vec<Wire>,
    /// Permits after the epoch (public booleans).
    pub new_permit: Vec<Wire>,
    /// Normalised total stake per uid (public).
    pub stake: Vec<Wire>,
    /// The epoch's emission in RAO (public).
    pub rao: Wire,
    /// Previous bonds (u16, range-checked).
    pub old_bonds: Vec<Vec<Wire>>,
    /// Bonds rows written back (u16).
    pub new_bonds: Vec<Vec<Wire>>,
    /// Dividends per row.
    pub dividends: Vec<Wire>,
    /// Server emission (RAO).
    pub server_emission: Vec<Wire>,
    /// Validator emission (RAO).
    pub validator_emission: Vec<Wire>,
    /// Combined emission (RAO).
    pub emission: Vec<Wire>,
    /// Liquid alpha's public parameters.
    pub liquid: Option<LiquidAlphaWires>,
    /// Liquid alpha's sigmoid per cell (empty without liquid alpha).
    pub sigmoids: Vec<Vec<SigmoidWires>>,
}

/// Enforce bonds, dividends and emission on top of the consensus core (the rules of the R1CS
/// `bonds_and_emission`); `selection[r][u]` (public booleans) is 1 exactly when row `r` is uid
/// `u`.
pub fn bonds_and_emission<L: Layouter<Fp>>(
    synth: &mut Synth<'_, L>,
    core: &ConsensusWires,
    inputs: &BondsInputs,
    selection: &[Vec<Wire>],
) -> Result<BondsWires, Error> {
    let v = core.weights.len();
    let n = core.consensus.len();
    let unit = fp_u128(UNIT);

    let (penalty, alpha, one_minus_alpha, bonds_keep, old_permit, new_permit, stake, rao) =
        synth.region("epoch bonds chain state", |rows| {
            let scalars = rows.witnesses(&[
                fixed(inputs.penalty),
                fixed(inputs.alpha),
                Value::known(Fp::from(inputs.rao_emission)),
            ]);
            let (penalty, alpha, rao) = (scalars[0], scalars[1], scalars[2]);
            // 0 <= α <= 1: the EMA floors' bounds rest on it.
            range::check(rows, &alpha, 33)?;
            let one_minus_alpha = linear(rows, &[(-Fp::ONE, &alpha)], unit)?;
            range::check(rows, &one_minus_alpha, 33)?;
            let flags = |rows: &mut Rows<'_, '_>, xs: &[bool]| {
                xs.iter()
                    .map(|k| boolean(rows, Value::known(*k)))
                    .collect::<Result<Vec<_>, _>>()
            };
            let bonds_keep = flags(rows, &inputs.bonds_keep)?;
            let old_permit = flags(rows, &inputs.old_permit)?;
            let new_permit = flags(rows, &inputs.new_permit)?;
            let stake: Vec<Value<Fp>> = inputs.stake.iter().map(|s| fixed(*s)).collect();
            let stake = rows.witnesses(&stake);
            Ok((
                penalty,
                alpha,
                one_minus_alpha,
                bonds_keep,
                old_permit,
                new_permit,
                stake,
                rao,
            ))
        })?;

    // Bonds penalty: wfb = w − ⌈p·(w − cl) / 2^32⌉; previous bonds (u16), masked by column.
    let mut wfb = Vec::with_capacity(v);
    let mut old_bonds = Vec::with_capacity(v);
    let mut masked = Vec::with_capacity(v);
    for i in 0..v {
        let (row, old, kept) = synth.region("epoch bonds penalty", |rows| {
            let mut row = Vec::with_capacity(n);
            let mut old = Vec::with_capacity(n);
            let mut kept = Vec::with_capacity(n);
            for j in 0..n {
                let gap = minus(rows, &core.weights[i][j], &core.clipped[i][j])?;
                let cut = mul_ceil(rows, &penalty, &gap, UNIT, UNIT)?;
                row.push(minus(rows, &core.weights[i][j], &cut)?);
                let b = Value::known(Fp::from(u64::from(inputs.bonds[i][j])));
                let b = range::witness(rows, b, 16)?;
                kept.push(mul(rows, &b, &bonds_keep[j])?);
                old.push(b);
            }
            Ok((row, old, kept))
        })?;
        wfb.push(row);
        old_bonds.push(old);
        masked.push(kept);
    }

    // Liquid alpha (Yuma3): its parameters, the consensus its sigmoid reads, and whether it
    // applies (the chain uses the fixed alpha when this epoch's consensus is all zero).
    let liquid = match (&inputs.liquid, inputs.mode) {
        (Some(state), BondsMode::Yuma3) => Some(synth.region("epoch liquid alpha", |rows| {
            let params = LiquidAlphaWires::new(rows, state, n)?;
            let fed = (0..n)
                .map(|j| params.sigmoid_consensus(rows, j, &core.consensus[j]))
                .collect::<Result<Vec<_>, _>>()?;
            let all = total(rows, &core.consensus)?;
            let zero = is_zero(rows, &all)?;
            let any = linear(rows, &[(-Fp::ONE, &zero)], Fp::ONE)?;
            Ok((params, fed, any))
        })?),
        _ => None,
    };

    let column = |m: &[Vec<Wire>], j: usize| m.iter().map(|row| row[j]).collect::<Vec<_>>();
    let mut sigmoids = Vec::new();
    let (dividends, ema_stored) = match inputs.mode {
        BondsMode::Yuma3 => {
            // B = b / 65535 (truncating), EMA = ⌊α·wfb⌋ + ⌊(1−α)·B⌋ (the second floor's
            // quotient pinned by the bond quantisation below, as in the R1CS twin).
            let mut ema = Vec::with_capacity(v);
            for i in 0..v {
                let (row, cells) = synth.region("epoch bonds ema", |rows| {
                    let top = rows.constant(Fp::from(65535));
                    let mut row = Vec::with_capacity(n);
                    let mut cells = Vec::new();
                    for j in 0..n {
                        let raw = &masked[i][j];
                        let full = is_equal(rows, raw, &top)?;
                        let b =
                            linear(rows, &[(Fp::from(65537), raw), (Fp::ONE, &full)], Fp::ZERO)?;
                        let (q2, _) = mul_floor_deferred(rows, &one_minus_alpha, &b)?;
                        let first = mul_floor(rows, &alpha, &wfb[i][j], UNIT, UNIT)?;
                        let fixed_ema =
                            linear(rows, &[(Fp::ONE, &first), (Fp::ONE, &q2)], Fp::ZERO)?;
                        let Some((params, fed, any)) = &liquid else {
                            row.push(fixed_ema);
                            continue;
                        };
                        // Liquid alpha: α_ij from the sigmoid; only cells with a positive weight
                        // for bonds survive.
                        let sigmoid = liquid_alpha_sigmoid(rows, params, &fed[j], &wfb[i][j], &b)?;
                        let rest = linear(rows, &[(-Fp::ONE, &sigmoid.alpha)], unit)?;
                        let (lq2, _) = mul_floor_deferred(rows, &rest, &b)?;
                        let zero = is_zero(rows, &wfb[i][j])?;
                        let present = linear(rows, &[(-Fp::ONE, &zero)], Fp::ONE)?;
                        let first = mul_floor(rows, &sigmoid.alpha, &wfb[i][j], UNIT, UNIT)?;
                        let liquid_sum =
                            linear(rows, &[(Fp::ONE, &first), (Fp::ONE, &lq2)], Fp::ZERO)?;
                        let liquid_ema = mul(rows, &present, &liquid_sum)?;
                        row.push(select(rows, any, &liquid_ema, &fixed_ema)?);
                        cells.push(sigmoid);
                    }
                    Ok((row, cells))
                })?;
                ema.push(row);
                sigmoids.push(cells);
            }
            // Column-normalised EMA, then dividends = normalise(⌊(Σ_j ⌊ema_n·inc⌋)·s_i⌋).
            let mut norm_cols = Vec::with_capacity(n);
            for j in 0..n {
                norm_cols.push(synth.region("epoch ema column normalisation", |rows| {
                    normalize(rows, &column(&ema, j), v as u128 * UNIT)
                })?);
            }
            let dividends = synth.region("epoch dividends", |rows| {
                let mut raw = Vec::with_capacity(v);
                for i in 0..v {
                    let terms = (0..n)
                        .map(|j| mul_floor(rows, &norm_cols[j][i], &core.incentive[j], UNIT, UNIT))
                        .collect::<Result<Vec<_>, _>>()?;
                    let t = total(rows, &terms)?;
                    raw.push(mul_floor(rows, &t, &core.active_stake[i], UNIT, UNIT)?);
                }
                normalize(rows, &raw, v as u128 * UNIT)
            })?;
            (dividends, ema)
        }
        BondsMode::Original => {
            // B = col-normalise(b); ΔB = col-normalise(⌊wfb·s_i⌋); EMA col-normalised, then
            // max-upscaled per column for storage.
            let mut ema_cols = Vec::with_capacity(n);
            let mut up_cols = Vec::with_capacity(n);
            for j in 0..n {
                let (ema_col, up_col) = synth.region("epoch original bonds column", |rows| {
                    let scaled = (0..v)
                        .map(|i| linear(rows, &[(unit, &masked[i][j])], Fp::ZERO))
                        .collect::<Result<Vec<_>, _>>()?;
                    let b_col = normalize(rows, &scaled, v as u128 * 65535 * UNIT)?;
                    let d_raw = (0..v)
                        .map(|i| mul_floor(rows, &wfb[i][j], &core.active_stake[i], UNIT, UNIT))
                        .collect::<Result<Vec<_>, _>>()?;
                    let d_col = normalize(rows, &d_raw, v as u128 * UNIT)?;
                    let mixed = (0..v)
                        .map(|i| {
                            let x = mul_floor(rows, &alpha, &d_col[i], UNIT, UNIT)?;
                            let y = mul_floor(rows, &one_minus_alpha, &b_col[i], UNIT, UNIT)?;
                            linear(rows, &[(Fp::ONE, &x), (Fp::ONE, &y)], Fp::ZERO)
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    let ema_col = normalize(rows, &mixed, v as u128 * UNIT)?;
                    // Max-upscale: m = max_i ema (a witness with every gap m − x on 33 bits and
                    // one gap zero); ema / m, unchanged where m = 0.
                    let max_value = ema_col.iter().fold(Value::known(0u128), |acc, x| {
                        acc.zip(x.value)
                            .map(|(a, x)| a.max(fp_to_u128(x).unwrap_or(u128::MAX)))
                    });
                    let m = rows.witnesses(&[max_value.map(|m| {
                        if m == u128::MAX {
                            -Fp::ONE
                        } else {
                            fp_u128(m)
                        }
                    })])[0];
                    let mut product = rows.constant(Fp::ONE);
                    for x in &ema_col {
                        let gap = minus(rows, &m, x)?;
                        range::check(rows, &gap, 33)?;
                        product = mul(rows, &product, &gap)?;
                    }
                    rows.pin(&product, Fp::ZERO);
                    let divisor = divisor_of(rows, &m)?;
                    let up_col = ema_col
                        .iter()
                        .map(|x| {
                            let scaled = linear(rows, &[(unit, x)], Fp::ZERO)?;
                            div_trunc(rows, &scaled, &divisor, UNIT, UNIT)
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    Ok((ema_col, up_col))
                })?;
                ema_cols.push(ema_col);
                up_cols.push(up_col);
            }
            let dividends = synth.region("epoch dividends", |rows| {
                let raw = (0..v)
                    .map(|i| {
                        let terms = (0..n)
                            .map(|j| {
                                mul_floor(rows, &ema_cols[j][i], &core.incentive[j], UNIT, UNIT)
                            })
                            .collect::<Result<Vec<_>, _>>()?;
                        total(rows, &terms)
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                normalize(rows, &raw, v as u128 * UNIT)
            })?;
            let stored = (0..v)
                .map(|i| up_cols.iter().map(|c| c[i]).collect())
                .collect();
            (dividends, stored)
        }
    };

    // Bonds written back: ⌊ema·65535⌋ (u16) for a new permit; cleared for a lost permit;
    // unchanged otherwise. Enforced on every cell: in Yuma3 it also pins the EMA's second floor.
    let mut new_bonds = Vec::with_capacity(v);
    for i in 0..v {
        new_bonds.push(synth.region("epoch bonds written back", |rows| {
            (0..n)
                .map(|j| {
                    let scaled = linear(rows, &[(Fp::from(65535), &ema_stored[i][j])], Fp::ZERO)?;
                    let q = floor_to_int(rows, &scaled, 65535)?;
                    let dropped = mul(rows, &old_permit[i], &old_bonds[i][j])?;
                    let kept = minus(rows, &old_bonds[i][j], &dropped)?;
                    select(rows, &new_permit[i], &q, &kept)
                })
                .collect::<Result<Vec<_>, _>>()
        })?);
    }

    // Emission: incentive + dividends normalised by their sum; with a zero sum, validators are
    // paid by active stake (or by stake when no stake is active).
    let (server_emission, validator_emission, emission) =
        synth.region("epoch emission", |rows| {
            let by_uid = |rows: &mut Rows<'_, '_>, xs: &[Wire]| -> Result<Vec<Wire>, Error> {
                (0..n)
                    .map(|u| {
                        let terms = xs
                            .iter()
                            .zip(selection)
                            .map(|(x, sel)| mul(rows, &sel[u], x))
                            .collect::<Result<Vec<_>, _>>()?;
                        total(rows, &terms)
                    })
                    .collect()
            };
            let dividends_by_uid = by_uid(rows, &dividends)?;
            let active_by_uid = by_uid(rows, &core.active_stake)?;
            let combined = core
                .incentive
                .iter()
                .zip(&dividends_by_uid)
                .map(|(a, b)| linear(rows, &[(Fp::ONE, a), (Fp::ONE, b)], Fp::ZERO))
                .collect::<Result<Vec<_>, _>>()?;
            let all = total(rows, &combined)?;
            let zero_sum = is_zero(rows, &all)?;
            let divisor = linear(rows, &[(Fp::ONE, &all), (Fp::ONE, &zero_sum)], Fp::ZERO)?;
            let share = |rows: &mut Rows<'_, '_>, x: &Wire| -> Result<Wire, Error> {
                let scaled = linear(rows, &[(unit, x)], Fp::ZERO)?;
                div_trunc(rows, &scaled, &divisor, UNIT, 2 * UNIT)
            };
            let active_total = total(rows, &core.active_stake)?;
            let no_active = is_zero(rows, &active_total)?;
            let to_rao = |rows: &mut Rows<'_, '_>, x: &Wire| {
                mul_floor(rows, x, &rao, UNIT, u128::from(u64::MAX))
            };
            let mut server = Vec::with_capacity(n);
            let mut validator = Vec::with_capacity(n);
            let mut combined_out = Vec::with_capacity(n);
            for u in 0..n {
                let s = share(rows, &core.incentive[u])?;
                server.push(to_rao(rows, &s)?);
                let fallback = select(rows, &no_active, &stake[u], &active_by_uid[u])?;
                let d = share(rows, &dividends_by_uid[u])?;
                let d = select(rows, &zero_sum, &fallback, &d)?;
                validator.push(to_rao(rows, &d)?);
                let c = share(rows, &combined[u])?;
                let c = select(rows, &zero_sum, &fallback, &c)?;
                combined_out.push(to_rao(rows, &c)?);
            }
            Ok((server, validator, combined_out))
        })?;

    Ok(BondsWires {
        penalty,
        alpha,
        bonds_keep,
        old_permit,
        new_permit,
        stake,
        rao,
        old_bonds,
        new_bonds,
        dividends,
        server_emission,
        validator_emission,
        emission,
        liquid: liquid.map(|(params, _, _)| params),
        sigmoids,
    })
}
