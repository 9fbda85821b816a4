//! Liquid alpha as halo2 chips, the twins of `constraints.rs`: the public parameters with their
//! bounds ([`LiquidAlphaWires`]) and the per-cell sigmoid alpha ([`liquid_alpha_sigmoid`]), the
//! same relations and range widths.

use super::LiquidAlphaState;
use crate::fixed::halo2::{div_trunc, exp_safe, mul_floor, mul_floor_signed, ExpWires};
use crate::fixed::UNIT;
use crate::halo2::arith::{boolean, is_equal, is_less, linear, mul};
use crate::halo2::{fp_i128, fp_u128, range, Fp, Rows, Wire};
use halo2_axiom::circuit::Value;
use halo2_axiom::halo2curves::ff::Field;
use halo2_axiom::plonk::Error;

/// Bits of the slope's magnitude bound (`327.68 · 2^32 < 2^41`).
const FACTOR_BITS: usize = 41;

/// Liquid alpha's public parameters as cells, bound by the statement digest in this order:
/// `low`, `high`, `factor`, `use_previous`, then the stored previous consensus.
#[derive(Clone, Debug)]
pub struct LiquidAlphaWires {
    /// `alpha_low` (bits), `0 <= low <= high <= 2^32`.
    pub low: Wire,
    /// `alpha_high` (bits).
    pub high: Wire,
    /// The sigmoid's slope `steepness / −100` (bits, signed).
    pub factor: Wire,
    /// Whether the sigmoid reads the previous epoch's stored consensus.
    pub use_previous: Wire,
    /// The stored previous consensus (u16 per uid, range-checked).
    pub previous: Vec<Wire>,
}

impl LiquidAlphaWires {
    /// The parameters of `state` for `n` uids, with their bounds enforced.
    pub fn new(rows: &mut Rows<'_, '_>, state: &LiquidAlphaState, n: usize) -> Result<Self, Error> {
        let signed = |x: i64| Value::known(fp_i128(i128::from(x)));
        let [low, high, factor] = {
            let cells = rows.witnesses(&[
                signed(state.low().to_bits()),
                signed(state.high().to_bits()),
                signed(state.factor().to_bits()),
            ]);
            [cells[0], cells[1], cells[2]]
        };
        // 0 <= low <= high <= 1: the alphas stay proportions, and 1 − alpha too.
        range::check(rows, &low, 33)?;
        let spread = linear(rows, &[(Fp::ONE, &high), (-Fp::ONE, &low)], Fp::ZERO)?;
        range::check(rows, &spread, 33)?;
        let headroom = linear(rows, &[(-Fp::ONE, &high)], fp_u128(UNIT))?;
        range::check(rows, &headroom, 33)?;
        let shifted = linear(rows, &[(Fp::ONE, &factor)], fp_u128(1 << FACTOR_BITS))?;
        range::check(rows, &shifted, FACTOR_BITS + 1)?;
        let use_previous = boolean(rows, Value::known(state.sigmoid_consensus.is_some()))?;
        let stored = state.sigmoid_consensus.clone().unwrap_or_default();
        let previous = (0..n)
            .map(|j| {
                let c = stored.get(j).copied().unwrap_or(0);
                range::witness(rows, Value::known(Fp::from(u64::from(c))), 16)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            low,
            high,
            factor,
            use_previous,
            previous,
        })
    }

    /// The consensus the sigmoid reads at one uid: the stored previous one as a proportion
    /// (`⌊c·2^32 / 65535⌋ = 65537·c + [c = 65535]`) when `use_previous`, else `current`.
    pub fn sigmoid_consensus(
        &self,
        rows: &mut Rows<'_, '_>,
        uid: usize,
        current: &Wire,
    ) -> Result<Wire, Error> {
        let p = &self.previous[uid];
        let top = rows.constant(Fp::from(65535));
        let full = is_equal(rows, p, &top)?;
        let stored = linear(
            rows,
            &[(Fp::from(65537), p), (Fp::ONE, &full), (-Fp::ONE, current)],
            Fp::ZERO,
        )?;
        let swing = mul(rows, &self.use_previous, &stored)?;
        linear(rows, &[(Fp::ONE, &swing), (Fp::ONE, current)], Fp::ZERO)
    }

    /// The public values in digest order (`previous` unpacked).
    pub fn public(&self) -> Vec<Wire> {
        let mut v = vec![self.low, self.high, self.factor, self.use_previous];
        v.extend(self.previous.iter().copied());
        v
    }
}

/// The cells of one cell's sigmoid, in the order it computes them.
#[derive(Clone, Debug)]
pub struct SigmoidWires {
    /// The sigmoid input `diff` (bits, `0..=2^32`).
    pub diff: Wire,
    /// The exponent `⌊factor · (diff − 1/2)⌋` (bits, signed).
    pub exponent: Wire,
    /// `exp_safe` of the exponent.
    pub exp: ExpWires,
    /// `σ = 1 / (1 + exp)` (bits).
    pub sigma: Wire,
    /// The cell's alpha (bits).
    pub alpha: Wire,
}

/// The alpha of one cell from the consensus `c` the sigmoid reads (`< 2^33`), the weight for
/// bonds `w` and the bond `b` (both `0..=2^32`); the steps of the R1CS
/// `liquid_alpha_sigmoid`:
///
/// 1. `ge = [w >= b]`; `diff = max(0, w − c)` when `ge`, else `b − w`;
/// 2. the exponent `⌊factor · (diff − 1/2)⌋`, signed, `|·| < 2^40`;
/// 3. `σ = trunc(1 / (1 + exp_safe(exponent)))`;
/// 4. `alpha = low + ⌊σ · (high − low)⌋`.
pub fn liquid_alpha_sigmoid(
    rows: &mut Rows<'_, '_>,
    params: &LiquidAlphaWires,
    c: &Wire,
    w: &Wire,
    b: &Wire,
) -> Result<SigmoidWires, Error> {
    let w_below_b = is_less(rows, w, b, 33)?;
    let w_below_c = is_less(rows, w, c, 34)?;
    // diff_buy = (1 − [w < c])·(w − c); diff_sell = b − w;
    // diff = (1 − [w < b])·(diff_buy − diff_sell) + diff_sell.
    let w_minus_c = linear(rows, &[(Fp::ONE, w), (-Fp::ONE, c)], Fp::ZERO)?;
    let masked = mul(rows, &w_below_c, &w_minus_c)?;
    let diff_buy = linear(
        rows,
        &[(Fp::ONE, &w_minus_c), (-Fp::ONE, &masked)],
        Fp::ZERO,
    )?;
    let diff_sell = linear(rows, &[(Fp::ONE, b), (-Fp::ONE, w)], Fp::ZERO)?;
    let gap = linear(
        rows,
        &[(Fp::ONE, &diff_buy), (-Fp::ONE, &diff_sell)],
        Fp::ZERO,
    )?;
    let below_gap = mul(rows, &w_below_b, &gap)?;
    let diff = linear(
        rows,
        &[
            (Fp::ONE, &gap),
            (-Fp::ONE, &below_gap),
            (Fp::ONE, &diff_sell),
        ],
        Fp::ZERO,
    )?;
    let centred = linear(rows, &[(Fp::ONE, &diff)], -Fp::from(1u64 << 31))?;
    let exponent = mul_floor_signed(rows, &params.factor, &centred, FACTOR_BITS - 1)?;
    let exp = exp_safe(rows, &exponent, FACTOR_BITS)?;
    // exp_safe is at most e^20 < 2^29 (bits below 2^61): the divisor is below 2^62.
    let two_64 = rows.constant(fp_u128(1 << 64));
    let divisor = linear(rows, &[(Fp::ONE, &exp.value)], fp_u128(UNIT))?;
    let sigma = div_trunc(rows, &two_64, &divisor, UNIT, 1u128 << 62)?;
    let spread = linear(
        rows,
        &[(Fp::ONE, &params.high), (-Fp::ONE, &params.low)],
        Fp::ZERO,
    )?;
    let scaled = mul_floor(rows, &sigma, &spread, UNIT, UNIT)?;
    let alpha = linear(
        rows,
        &[(Fp::ONE, &params.low), (Fp::ONE, &scaled)],
        Fp::ZERO,
    )?;
    Ok(SigmoidWires {
        diff,
        exponent,
        exp,
        sigma,
        alpha,
    })
}
