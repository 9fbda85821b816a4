//! The lookup range check: `0 <= x < 2^n`, the halo2 twin of the R1CS `enforce_range` (which
//! spends one booleanity constraint per bit).
//!
//! `x` is written in `k = ⌈n / L⌉` limbs of `L` bits (`L` = the config's `limb_bits`, 16 in
//! production) as a running sum down one column: row `i` holds `acc_i = Σ_{j>=i} limb_j·2^{L(j−i)}`
//! and `limb_i`, with `acc_0 = x` (a copy of the checked cell).
//!
//! * gate `range running sum` (rows `0..k−1`): `acc_i = limb_i + 2^L·acc_{i+1}`;
//! * gate `range last limb` (row `k−1`): `acc_{k−1} = limb_{k−1}`;
//! * lookup `range limb` (every row): `limb_i` is in the table `0..2^L`;
//! * lookup `range top limb` (every row): `limb_i·shift_i` is in the table, with the fixed
//!   `shift_{k−1} = 2^{L−r}` (`r = n − L(k−1)`) when `L ∤ n` and 0 elsewhere, so the top limb is
//!   below `2^r`.
//!
//! Then `x = Σ limb_i·2^{Li}` with every limb an integer below `2^L` and the top one below `2^r`:
//! `x < 2^n`, over the integers for `n <= 240` (far below the modulus). An unselected lookup row
//! looks up 0, which the table holds.

use super::{shr, Fp, Rows, Wire};
use halo2_axiom::circuit::{Layouter, Value};
use halo2_axiom::plonk::{
    Advice, Column, ConstraintSystem, Error, Expression, Fixed, Selector, TableColumn,
};
use halo2_axiom::poly::Rotation;

/// The widest range [`check`] takes.
pub const MAX_BITS: usize = 240;

/// The range chip's columns, gates and table.
#[derive(Clone, Debug)]
pub struct RangeConfig {
    acc: Column<Advice>,
    limb: Column<Advice>,
    shift: Column<Fixed>,
    running: Selector,
    last: Selector,
    lookup: Selector,
    table: TableColumn,
    /// Bits per limb (`L`): the table holds `0..2^L`.
    pub limb_bits: usize,
}

impl RangeConfig {
    /// Configure on advice columns 0 (running sum) and 1 (limbs).
    pub fn configure(
        meta: &mut ConstraintSystem<Fp>,
        advice: [Column<Advice>; 5],
        limb_bits: usize,
    ) -> Self {
        assert!(
            (1..=24).contains(&limb_bits),
            "limbs of 1 to 24 bits (a table of 2^limb_bits rows)"
        );
        let (acc, limb) = (advice[0], advice[1]);
        let shift = meta.fixed_column();
        let running = meta.selector();
        let last = meta.selector();
        let lookup = meta.complex_selector();
        let table = meta.lookup_table_column();
        let radix = Expression::Constant(Fp::from(1u64 << limb_bits));
        meta.create_gate("range running sum", |meta| {
            let q = meta.query_selector(running);
            let acc_cur = meta.query_advice(acc, Rotation::cur());
            let acc_next = meta.query_advice(acc, Rotation::next());
            let limb = meta.query_advice(limb, Rotation::cur());
            vec![q * (acc_cur - limb - radix * acc_next)]
        });
        meta.create_gate("range last limb", |meta| {
            let q = meta.query_selector(last);
            let acc_cur = meta.query_advice(acc, Rotation::cur());
            let limb = meta.query_advice(limb, Rotation::cur());
            vec![q * (acc_cur - limb)]
        });
        meta.lookup("range limb", |meta| {
            let q = meta.query_selector(lookup);
            let limb = meta.query_advice(limb, Rotation::cur());
            vec![(q * limb, table)]
        });
        // No selector: `shift` is 0 on every other row, and 0 is in the table. (A selector
        // would make the input degree 3 and the argument degree 6, above the system's 5.)
        meta.lookup("range top limb", |meta| {
            let limb = meta.query_advice(limb, Rotation::cur());
            let shift = meta.query_fixed(shift, Rotation::cur());
            vec![(limb * shift, table)]
        });
        Self {
            acc,
            limb,
            shift,
            running,
            last,
            lookup,
            table,
            limb_bits,
        }
    }

    /// Fill the table `0..2^limb_bits`.
    pub fn load_table(&self, layouter: &mut impl Layouter<Fp>) -> Result<(), Error> {
        let (table, size) = (self.table, 1usize << self.limb_bits);
        layouter.assign_table(
            || "range table",
            |mut t| {
                for i in 0..size {
                    t.assign_cell(|| "", table, i, || Value::known(Fp::from(i as u64)))?;
                }
                Ok(())
            },
        )
    }

    /// Rows one [`check`] of `bits` bits takes.
    pub fn rows(&self, bits: usize) -> usize {
        bits.div_ceil(self.limb_bits).max(1)
    }
}

/// Enforce `0 <= x < 2^bits` (`1 <= bits <=` [`MAX_BITS`]) on a copy of `x`.
pub fn check(rows: &mut Rows<'_, '_>, x: &Wire, bits: usize) -> Result<(), Error> {
    decompose(rows, Some(x), x.value, bits).map(|_| ())
}

/// A new cell holding `value`, enforced to lie in `0..2^bits` (it is the running sum's first
/// cell: no copy).
pub fn witness(rows: &mut Rows<'_, '_>, value: Value<Fp>, bits: usize) -> Result<Wire, Error> {
    decompose(rows, None, value, bits)
}

/// The running sum of `value` (a copy of `of`, when given) in limbs; returns its first cell.
fn decompose(
    rows: &mut Rows<'_, '_>,
    of: Option<&Wire>,
    value: Value<Fp>,
    bits: usize,
) -> Result<Wire, Error> {
    assert!((1..=MAX_BITS).contains(&bits), "range of 1 to 240 bits");
    let config = rows.config.range.clone();
    debug_assert_eq!(
        (config.acc, config.limb),
        (rows.config.advice[0], rows.config.advice[1])
    );
    let l = config.limb_bits;
    let k = config.rows(bits);
    let first = rows.take(k);
    let radix = Fp::from(1u64 << l);
    let mut head = None;
    for i in 0..k {
        let offset = first + i;
        let acc_value = value.map(|v| shr(v, l * i));
        let acc = match (i, of) {
            (0, Some(x)) => rows.copy(x, 0, offset),
            _ => rows.advice(0, offset, acc_value),
        };
        head.get_or_insert(acc);
        let limb_value = acc_value.map(|a| a - shr(a, l) * radix);
        rows.advice(1, offset, limb_value);
        rows.enable(config.lookup, offset)?;
        if i + 1 < k {
            rows.enable(config.running, offset)?;
        } else {
            rows.enable(config.last, offset)?;
            let r = bits - l * (k - 1);
            if r < l {
                rows.fixed(config.shift, offset, Fp::from(1u64 << (l - r)));
            }
        }
    }
    Ok(head.unwrap_or_else(|| unreachable!("k >= 1 rows")))
}
