//! The halo2 twin of the constraint code: chips over BN254's scalar field (`halo2-axiom`) that
//! enforce the same rules as the R1CS gadgets and the native reference.
//!
//! Every chip here has a native twin in this crate and is tested against it with halo2's
//! `MockProver` (`tests/halo2_chips.rs`), honest witnesses matching the native value and tampered
//! ones failing at a named gate or lookup, region and offset:
//!
//! | chip | rule | native twin |
//! |---|---|---|
//! | [`range`] | `0 <= x < 2^n` by `L`-bit limbs looked up in a `2^L`-row table | `enforce_range` |
//! | [`arith`] | division with remainder, bounded comparisons, `[a < b]`, zero test | the R1CS gadgets |
//! | `fixed::halo2` | `I32F32` floor / ceil multiplication, truncating division, floor to integer | [`crate::fixed`] |
//! | `poseidon::halo2` | circom's Poseidon (widths 3 and 5) and `hash_many` | [`crate::poseidon`] |
//!
//! # Layout
//! All chips share one [`ChipConfig`]: five advice columns (equality on), five more for values
//! used only in their own row (Poseidon's S-box squares), one fixed column of
//! pinned constants (equality on), one instance column, the arithmetic gate's coefficient
//! columns, the range chip's table, and Poseidon's round-constant columns. `halo2-axiom` places
//! every region at absolute rows, so [`Synth`] keeps the row cursor: each chip call is a region of
//! its own (named after the rule, which is what `MockProver` reports), taking the next free rows.
//!
//! Public inputs are BN254 field elements, the same [`ark_bn254::Fr`] values the R1CS circuits
//! take; [`to_fp`] and [`from_fp`] carry them across (canonical little-endian bytes).

pub mod arith;
pub mod range;

use ark_ff::{BigInteger, PrimeField as _};
use core::ops::Range;
pub use halo2_axiom as backend;
use halo2_axiom::circuit::{Cell, Layouter, Region, SimpleFloorPlanner, Value};
use halo2_axiom::halo2curves::ff::{Field, PrimeField};
use halo2_axiom::plonk::{
    Advice, Circuit, Column, ConstraintSystem, Error, Fixed, Instance, Selector,
};

/// BN254's scalar field as halo2 sees it (the same field as [`ark_bn254::Fr`]).
pub use halo2_axiom::halo2curves::bn256::Fr as Fp;

/// The same field element in halo2's type.
pub fn to_fp(x: ark_bn254::Fr) -> Fp {
    let mut repr = <Fp as PrimeField>::Repr::default();
    let bytes = x.into_bigint().to_bytes_le();
    repr.as_mut().copy_from_slice(&bytes);
    Option::from(Fp::from_repr(repr)).unwrap_or_else(|| unreachable!("same modulus"))
}

/// The same field element in arkworks' type.
pub fn from_fp(x: Fp) -> ark_bn254::Fr {
    ark_bn254::Fr::from_le_bytes_mod_order(x.to_repr().as_ref())
}

/// An integer as a field element.
pub fn fp_u128(x: u128) -> Fp {
    Fp::from_u128(x)
}

/// The integer a field element stands for, when it is below `2^128`.
pub fn fp_to_u128(x: Fp) -> Option<u128> {
    let repr = x.to_repr();
    let bytes = repr.as_ref();
    if bytes[16..].iter().any(|b| *b != 0) {
        return None;
    }
    let mut low = [0u8; 16];
    low.copy_from_slice(&bytes[..16]);
    Some(u128::from_le_bytes(low))
}

/// The signed integer a field element stands for: `x` when it is below `2^127`, `−(p − x)` when
/// `p − x` is; 0 for anything else (which fails the checks of a dishonest witness).
pub fn fp_to_i128(x: Fp) -> i128 {
    let small = |v: Fp| fp_to_u128(v).filter(|m| *m < 1 << 127).map(|m| m as i128);
    small(x).or_else(|| small(-x).map(|m| -m)).unwrap_or(0)
}

/// A signed integer as a field element.
pub fn fp_i128(x: i128) -> Fp {
    if x >= 0 {
        fp_u128(x as u128)
    } else {
        -fp_u128(x.unsigned_abs())
    }
}

/// `⌊x / 2^shift⌋` of a field element's canonical integer.
pub(crate) fn shr(x: Fp, shift: usize) -> Fp {
    let big = from_fp(x).into_bigint() >> shift as u32;
    to_fp(ark_bn254::Fr::from_bigint(big).unwrap_or_default())
}

/// An assigned cell and its value (unknown during key generation).
#[derive(Clone, Copy, Debug)]
pub struct Wire {
    /// Where it is.
    pub cell: Cell,
    /// Its value.
    pub value: Value<Fp>,
}

/// The columns, gates and lookups every zkyuma halo2 circuit is laid out on.
#[derive(Clone, Debug)]
pub struct ChipConfig {
    /// The advice columns (equality enabled).
    pub advice: [Column<Advice>; 5],
    /// Advice columns for values used only in their own row (Poseidon's S-box squares): no
    /// equality. Addressed as advice columns 5..10 by [`Rows::advice`] and [`Tamper`].
    pub squares: [Column<Advice>; 5],
    /// Constants that cells are pinned to by copy constraints.
    pub constant: Column<Fixed>,
    /// The public inputs.
    pub instance: Column<Instance>,
    /// The arithmetic gate.
    pub arith: arith::ArithConfig,
    /// The lookup range check.
    pub range: range::RangeConfig,
    /// The Poseidon rounds.
    pub poseidon: crate::poseidon::halo2::PoseidonConfig,
}

impl ChipConfig {
    /// Configure the columns, the gates and the range table of `limb_bits`-bit limbs (`2^limb_bits`
    /// table rows: the circuit needs `k > limb_bits`).
    pub fn configure(meta: &mut ConstraintSystem<Fp>, limb_bits: usize) -> Self {
        // Every gate and lookup here has degree <= 5. Fixing the degree keeps the keys
        // independent of `halo2-axiom`'s `MAX_DEGREE` environment variable, which would
        // otherwise cap it.
        meta.set_minimum_degree(DEGREE);
        let advice: [Column<Advice>; 5] = core::array::from_fn(|_| meta.advice_column());
        for column in advice {
            meta.enable_equality(column);
        }
        let squares: [Column<Advice>; 5] = core::array::from_fn(|_| meta.advice_column());
        let constant = meta.fixed_column();
        meta.enable_equality(constant);
        let instance = meta.instance_column();
        meta.enable_equality(instance);
        let arith = arith::ArithConfig::configure(meta, advice);
        let range = range::RangeConfig::configure(meta, advice, limb_bits);
        let poseidon = crate::poseidon::halo2::PoseidonConfig::configure(meta, advice, squares);
        let needed = degree_needed(meta);
        assert!(
            needed <= DEGREE,
            "the chips need degree {needed}; the proof system is fixed at {DEGREE}"
        );
        Self {
            advice,
            squares,
            constant,
            instance,
            arith,
            range,
            poseidon,
        }
    }
}

/// A cheating prover's change to one advice cell: what negative tests put in place of the honest
/// witness (the chips compute the rest from it as usual). Never set by the provers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tamper {
    /// The advice column (0..5 the shared ones, 5..10 the square columns).
    pub column: usize,
    /// The absolute row.
    pub row: usize,
    /// The value put there instead.
    pub value: Fp,
}

/// The regions of a synthesis, in order: each chip call's name and absolute rows.
pub type RegionLayout = Vec<(String, Range<usize>)>;

/// The constraint system's degree (gates, lookups and the permutation argument).
pub const DEGREE: usize = 5;

impl ChipConfig {
    /// Advice column `i`: the shared ones (0..5), then the square columns (5..10).
    pub fn advice_column(&self, i: usize) -> Column<Advice> {
        if i < 5 {
            self.advice[i]
        } else {
            self.squares[i - 5]
        }
    }

    /// Every advice column, in [`ChipConfig::advice_column`] order.
    pub fn all_advice(&self) -> [Column<Advice>; 10] {
        core::array::from_fn(|i| self.advice_column(i))
    }
}

/// The degree the gates and lookups of `meta` need: a gate's polynomial degree, a lookup's
/// `2 + input degree + table degree`. `halo2-axiom` caps the system's degree at 5 rather than
/// raising it, so a higher need would make proofs that never verify while `MockProver` (which
/// checks rows, not the quotient) passes; `configure` refuses it.
pub fn degree_needed(meta: &ConstraintSystem<Fp>) -> usize {
    let gates = meta
        .gates()
        .iter()
        .flat_map(|g| g.polynomials().iter().map(|p| p.degree()))
        .max()
        .unwrap_or(0);
    let lookups = meta
        .lookups()
        .iter()
        .map(|l| {
            let degree = |e: &Vec<halo2_axiom::plonk::Expression<Fp>>| {
                e.iter().map(|x| x.degree()).max().unwrap_or(1).max(1)
            };
            2 + degree(l.input_expressions()) + degree(l.table_expressions())
        })
        .max()
        .unwrap_or(0);
    gates.max(lookups)
}

/// The gates every zkyuma halo2 circuit shares, with no witness: what a verifier reads a
/// verifying key with (a halo2 key stores commitments; the gates come from `configure`). Its
/// parameter is the range table's limb width.
#[derive(Clone, Copy, Debug, Default)]
pub struct ChipLayout(pub usize);

impl Circuit<Fp> for ChipLayout {
    type Config = ChipConfig;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = usize;

    fn without_witnesses(&self) -> Self {
        *self
    }

    fn params(&self) -> usize {
        self.0
    }

    fn configure_with_params(meta: &mut ConstraintSystem<Fp>, limb_bits: usize) -> ChipConfig {
        ChipConfig::configure(meta, limb_bits)
    }

    fn configure(meta: &mut ConstraintSystem<Fp>) -> ChipConfig {
        ChipConfig::configure(meta, 16)
    }

    fn synthesize(&self, config: ChipConfig, layouter: impl Layouter<Fp>) -> Result<(), Error> {
        Synth::new(&config, layouter).map(|_| ())
    }
}

/// Synthesis of a circuit on [`ChipConfig`]: the layouter and the next free row.
pub struct Synth<'c, L: Layouter<Fp>> {
    /// The columns.
    pub config: &'c ChipConfig,
    layouter: L,
    next_row: usize,
    regions: RegionLayout,
    tamper: Vec<Tamper>,
}

impl<'c, L: Layouter<Fp>> Synth<'c, L> {
    /// Start laying out at row 0; loads the range table.
    pub fn new(config: &'c ChipConfig, mut layouter: L) -> Result<Self, Error> {
        config.range.load_table(&mut layouter)?;
        Ok(Self {
            config,
            layouter,
            next_row: 0,
            regions: Vec::new(),
            tamper: Vec::new(),
        })
    }

    /// Put each tamper's value in its cell instead of the honest witness (negative tests).
    pub fn with_tamper(mut self, tamper: &[Tamper]) -> Self {
        self.tamper = tamper.to_vec();
        self
    }

    /// The regions laid out so far: name and absolute rows.
    pub fn regions(&self) -> &[(String, Range<usize>)] {
        &self.regions
    }

    /// Lay out one chip call as a region named `name` on the next free rows.
    pub fn region<T>(
        &mut self,
        name: &str,
        assign: impl FnOnce(&mut Rows<'_, '_>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let start = self.next_row;
        let (config, tamper) = (self.config, self.tamper.as_slice());
        let (value, used) = self.layouter.assign_region(
            || name.to_string(),
            |mut region| {
                let mut rows = Rows {
                    region: &mut region,
                    config,
                    start,
                    used: 0,
                    constants: 0,
                    tamper,
                };
                let value = assign(&mut rows)?;
                if rows.constants == 0 && rows.used > 0 {
                    // A fixed cell at the region's first row, so that tools reading the
                    // assignment (`MockProver`'s failure locations) see where the region starts.
                    rows.region.assign_fixed(config.constant, start, Fp::ZERO);
                }
                Ok((value, rows.used.max(rows.constants)))
            },
        )?;
        self.next_row = start + used;
        self.regions.push((name.to_string(), start..start + used));
        Ok(value)
    }

    /// Make `wire` the `row`-th public input.
    pub fn expose(&mut self, wire: &Wire, row: usize) {
        self.layouter
            .constrain_instance(wire.cell, self.config.instance, row);
    }
}

/// One region's rows: assignments at offsets relative to the region's first row.
pub struct Rows<'r, 'a> {
    region: &'r mut Region<'a, Fp>,
    /// The columns.
    pub config: &'r ChipConfig,
    start: usize,
    used: usize,
    constants: usize,
    tamper: &'r [Tamper],
}

impl Rows<'_, '_> {
    /// Reserve `n` more rows; returns the first one's offset.
    pub fn take(&mut self, n: usize) -> usize {
        let first = self.used;
        self.used += n;
        first
    }

    /// Assign `value` to advice column `column` at `offset`.
    pub fn advice(&mut self, column: usize, offset: usize, value: Value<Fp>) -> Wire {
        let row = self.start + offset;
        let value = match self
            .tamper
            .iter()
            .find(|t| (t.column, t.row) == (column, row))
        {
            Some(t) => Value::known(t.value),
            None => value,
        };
        let cell = self
            .region
            .assign_advice(
                self.config.advice_column(column),
                self.start + offset,
                value,
            )
            .cell();
        Wire { cell, value }
    }

    /// New advice cells holding `values`, free (constrained only where they are used), five a
    /// row.
    pub fn witnesses(&mut self, values: &[Value<Fp>]) -> Vec<Wire> {
        let mut out = Vec::with_capacity(values.len());
        for chunk in values.chunks(5) {
            let offset = self.take(1);
            for (column, value) in chunk.iter().enumerate() {
                out.push(self.advice(column, offset, *value));
            }
        }
        out
    }

    /// Assign a copy of `wire` to advice column `column` at `offset` (a copy constraint).
    pub fn copy(&mut self, wire: &Wire, column: usize, offset: usize) -> Wire {
        let copy = self.advice(column, offset, wire.value);
        self.region.constrain_equal(wire.cell, copy.cell);
        copy
    }

    /// Assign `value` to fixed column `column` at `offset`.
    pub fn fixed(&mut self, column: Column<Fixed>, offset: usize, value: Fp) {
        self.region.assign_fixed(column, self.start + offset, value);
    }

    /// Enforce `a = b` (a copy constraint).
    pub fn equal(&mut self, a: &Wire, b: &Wire) {
        self.region.constrain_equal(a.cell, b.cell);
    }

    /// Turn `selector` on at `offset`.
    pub fn enable(&mut self, selector: Selector, offset: usize) -> Result<(), Error> {
        selector.enable(self.region, self.start + offset)
    }

    /// Pin `wire` to the constant `value` (a copy constraint to a fixed cell).
    pub fn pin(&mut self, wire: &Wire, value: Fp) {
        let at = self.start + self.constants;
        self.constants += 1;
        let fixed = self.region.assign_fixed(self.config.constant, at, value);
        self.region.constrain_equal(wire.cell, fixed);
    }

    /// A new advice cell holding the constant `value`, pinned.
    pub fn constant(&mut self, value: Fp) -> Wire {
        let offset = self.take(1);
        let wire = self.advice(0, offset, Value::known(value));
        self.pin(&wire, value);
        wire
    }
}

/// What a synthesis touches, without a witness or a key: the last row any region, selector or
/// fixed cell (the range table included) uses.
#[derive(Debug, Default)]
struct RowCount {
    rows: usize,
}

impl RowCount {
    fn touch(&mut self, row: usize) {
        self.rows = self.rows.max(row + 1);
    }
}

impl halo2_axiom::plonk::Assignment<Fp> for RowCount {
    fn enter_region<NR: Into<String>, N: FnOnce() -> NR>(&mut self, _: N) {}

    fn annotate_column<A: FnOnce() -> AR, AR: Into<String>>(
        &mut self,
        _: A,
        _: Column<halo2_axiom::plonk::Any>,
    ) {
    }

    fn exit_region(&mut self) {}

    fn enable_selector<A: FnOnce() -> AR, AR: Into<String>>(
        &mut self,
        _: A,
        _: &Selector,
        row: usize,
    ) -> Result<(), Error> {
        self.touch(row);
        Ok(())
    }

    fn query_instance(&self, _: Column<Instance>, _: usize) -> Result<Value<Fp>, Error> {
        Ok(Value::unknown())
    }

    fn assign_advice<'v>(
        &mut self,
        _: Column<Advice>,
        row: usize,
        _: Value<halo2_axiom::plonk::Assigned<Fp>>,
    ) -> Value<&'v halo2_axiom::plonk::Assigned<Fp>> {
        self.touch(row);
        Value::unknown()
    }

    fn assign_fixed(&mut self, _: Column<Fixed>, row: usize, _: halo2_axiom::plonk::Assigned<Fp>) {
        self.touch(row);
    }

    fn copy(
        &mut self,
        _: Column<halo2_axiom::plonk::Any>,
        _: usize,
        _: Column<halo2_axiom::plonk::Any>,
        _: usize,
    ) {
    }

    fn fill_from_row(
        &mut self,
        _: Column<Fixed>,
        _: usize,
        _: Value<halo2_axiom::plonk::Assigned<Fp>>,
    ) -> Result<(), Error> {
        Ok(())
    }

    fn get_challenge(&self, _: halo2_axiom::plonk::Challenge) -> Value<Fp> {
        Value::unknown()
    }

    fn push_namespace<NR: Into<String>, N: FnOnce() -> NR>(&mut self, _: N) {}

    fn pop_namespace(&mut self, _: Option<String>) {}
}

/// The rows `circuit` lays out (its regions and the range table) and the smallest `k` whose
/// `2^k` rows hold them beside halo2's blinding rows: a dry synthesis, no witness or key.
pub fn rows_and_k<C: Circuit<Fp, Params = usize>>(circuit: &C) -> Result<(usize, u32), Error> {
    use halo2_axiom::plonk::FloorPlanner;
    let mut cs = ConstraintSystem::<Fp>::default();
    let config = C::configure_with_params(&mut cs, circuit.params());
    let mut count = RowCount::default();
    C::FloorPlanner::synthesize(&mut count, circuit, config, cs.constants().clone())?;
    let reserved = cs.blinding_factors() + 1;
    let mut k = 1u32;
    while (1usize << k) < count.rows + reserved || (1usize << k) < cs.minimum_rows() {
        k += 1;
    }
    Ok((count.rows, k))
}
