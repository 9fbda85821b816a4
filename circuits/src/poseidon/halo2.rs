//! Poseidon with circom's constants as halo2 gates: the twin of [`crate::poseidon`]'s `permute`
//! (widths 3 and 5), `hash2` and `hash_many`, bit-exact with them and hence with circomlib.
//!
//! A permutation is `R + 1` rows (`R = 8 + 57` rounds at width 3, `8 + 60` at width 5): row `r`
//! holds the state before round `r`, in the round-constant columns round `r`'s constants, and in
//! the square columns the squares `sq_j = (x_j + c_j)^2` of its S-box inputs; row `R` holds the
//! output. The gates (degree 4 with their selector; `halo2-axiom` caps gates at degree 5):
//!
//! * `poseidon{T} full round`: `sq_j = (x_j + c_j)^2` and `next_i = Σ_j M_ij·sq_j^2·(x_j + c_j)`;
//! * `poseidon{T} partial round`: `sq_0 = (x_0 + c_0)^2` and
//!   `next_i = M_i0·sq_0^2·(x_0 + c_0) + Σ_{j>0} M_ij·(x_j + c_j)`.
//!
//! The first row's cells are copies of the inputs or pinned constants (the capacity element, the
//! zero padding), so a hash constrains exactly the cells it was given.

use crate::halo2::{to_fp, Fp, Rows, Wire};
use crate::poseidon::constants::{
    ARK_T3, ARK_T5, FULL_ROUNDS_T3, FULL_ROUNDS_T5, MDS_T3, MDS_T5, PARTIAL_ROUNDS_T3,
    PARTIAL_ROUNDS_T5,
};
use crate::poseidon::{capacity, Domain};
use halo2_axiom::circuit::Value;
use halo2_axiom::halo2curves::ff::Field;
use halo2_axiom::plonk::{Advice, Column, ConstraintSystem, Error, Expression, Fixed, Selector};
use halo2_axiom::poly::Rotation;
use std::sync::OnceLock;

/// One width's round schedule and constants, in halo2's field.
struct Params<const T: usize> {
    full: usize,
    partial: usize,
    ark: Vec<Fp>,
    mds: [[Fp; T]; T],
}

impl<const T: usize> Params<T> {
    fn new(
        full: usize,
        partial: usize,
        ark: &[ark_bn254::Fr],
        mds: &[[ark_bn254::Fr; T]; T],
    ) -> Self {
        Self {
            full,
            partial,
            ark: ark.iter().map(|c| to_fp(*c)).collect(),
            mds: mds.map(|row| row.map(to_fp)),
        }
    }

    fn rounds(&self) -> usize {
        self.full + self.partial
    }

    fn is_full(&self, round: usize) -> bool {
        let half = self.full / 2;
        round < half || round >= half + self.partial
    }

    /// One round on a known state (the witness).
    fn round(&self, state: &[Fp; T], round: usize) -> [Fp; T] {
        let mut x = *state;
        for (i, s) in x.iter_mut().enumerate() {
            *s += self.ark[round * T + i];
        }
        let full = self.is_full(round);
        for (i, s) in x.iter_mut().enumerate() {
            if full || i == 0 {
                *s = s.square().square() * *s;
            }
        }
        core::array::from_fn(|i| (0..T).fold(Fp::ZERO, |acc, j| acc + self.mds[i][j] * x[j]))
    }
}

fn t3() -> &'static Params<3> {
    static P: OnceLock<Params<3>> = OnceLock::new();
    P.get_or_init(|| Params::new(FULL_ROUNDS_T3, PARTIAL_ROUNDS_T3, &ARK_T3, &MDS_T3))
}

fn t5() -> &'static Params<5> {
    static P: OnceLock<Params<5>> = OnceLock::new();
    P.get_or_init(|| Params::new(FULL_ROUNDS_T5, PARTIAL_ROUNDS_T5, &ARK_T5, &MDS_T5))
}

/// The round-constant columns and the four round selectors.
#[derive(Clone, Debug)]
pub struct PoseidonConfig {
    rc: [Column<Fixed>; 5],
    full3: Selector,
    partial3: Selector,
    full5: Selector,
    partial5: Selector,
}

fn round_gate<const T: usize>(
    meta: &mut ConstraintSystem<Fp>,
    name: &str,
    selector: Selector,
    (advice, squares): ([Column<Advice>; 5], [Column<Advice>; 5]),
    rc: [Column<Fixed>; 5],
    params: &Params<T>,
    full: bool,
) {
    meta.create_gate(name, |meta| {
        let q = meta.query_selector(selector);
        let boxed = |j: usize| full || j == 0;
        let mut constraints = Vec::with_capacity(2 * T);
        let mut x = Vec::with_capacity(T);
        for j in 0..T {
            let s = meta.query_advice(advice[j], Rotation::cur())
                + meta.query_fixed(rc[j], Rotation::cur());
            if boxed(j) {
                let square = meta.query_advice(squares[j], Rotation::cur());
                constraints.push(q.clone() * (square.clone() - s.clone() * s.clone()));
                x.push(square.clone() * square * s);
            } else {
                x.push(s);
            }
        }
        for (column, mds_row) in advice.iter().zip(params.mds.iter()) {
            let next = meta.query_advice(*column, Rotation::next());
            let mixed = mds_row
                .iter()
                .zip(&x)
                .fold(Expression::Constant(Fp::ZERO), |acc, (m, x)| {
                    acc + Expression::Constant(*m) * x.clone()
                });
            constraints.push(q.clone() * (next - mixed));
        }
        constraints
    });
}

impl PoseidonConfig {
    /// Configure on advice columns 0..5 (the state) and the square columns.
    pub fn configure(
        meta: &mut ConstraintSystem<Fp>,
        advice: [Column<Advice>; 5],
        squares: [Column<Advice>; 5],
    ) -> Self {
        let rc: [Column<Fixed>; 5] = core::array::from_fn(|_| meta.fixed_column());
        let config = Self {
            rc,
            full3: meta.selector(),
            partial3: meta.selector(),
            full5: meta.selector(),
            partial5: meta.selector(),
        };
        round_gate(
            meta,
            "poseidon3 full round",
            config.full3,
            (advice, squares),
            rc,
            t3(),
            true,
        );
        round_gate(
            meta,
            "poseidon3 partial round",
            config.partial3,
            (advice, squares),
            rc,
            t3(),
            false,
        );
        round_gate(
            meta,
            "poseidon5 full round",
            config.full5,
            (advice, squares),
            rc,
            t5(),
            true,
        );
        round_gate(
            meta,
            "poseidon5 partial round",
            config.partial5,
            (advice, squares),
            rc,
            t5(),
            false,
        );
        config
    }
}

/// A permutation input cell: a copy of a wire, or a pinned constant.
#[derive(Clone, Copy, Debug)]
pub enum Input<'w> {
    /// A copy of this wire.
    Wire(&'w Wire),
    /// This constant.
    Const(Fp),
}

impl Input<'_> {
    fn value(&self) -> Value<Fp> {
        match self {
            Self::Wire(w) => w.value,
            Self::Const(c) => Value::known(*c),
        }
    }
}

fn permute_with<const T: usize>(
    rows: &mut Rows<'_, '_>,
    params: &Params<T>,
    (full, partial): (Selector, Selector),
    input: [Input<'_>; T],
) -> Result<[Wire; T], Error> {
    let rounds = params.rounds();
    let first = rows.take(rounds + 1);
    let rc = rows.config.poseidon.rc;
    let mut state: Value<[Fp; T]> = input
        .iter()
        .fold(Value::known(Vec::with_capacity(T)), |acc, x| {
            acc.zip(x.value()).map(|(mut v, x)| {
                v.push(x);
                v
            })
        })
        .map(|v| core::array::from_fn(|i| v[i]));
    for (i, x) in input.iter().enumerate() {
        match x {
            Input::Wire(w) => {
                rows.copy(w, i, first);
            }
            Input::Const(c) => {
                let cell = rows.advice(i, first, Value::known(*c));
                rows.pin(&cell, *c);
            }
        }
    }
    let mut out = Vec::with_capacity(T);
    for round in 0..rounds {
        let offset = first + round;
        rows.enable(if params.is_full(round) { full } else { partial }, offset)?;
        for (i, column) in rc.iter().enumerate().take(T) {
            rows.fixed(*column, offset, params.ark[round * T + i]);
        }
        for i in 0..T {
            if params.is_full(round) || i == 0 {
                let c = params.ark[round * T + i];
                rows.advice(5 + i, offset, state.map(|s| (s[i] + c).square()));
            }
        }
        state = state.map(|s| params.round(&s, round));
        out = (0..T)
            .map(|i| rows.advice(i, offset + 1, state.map(|s| s[i])))
            .collect();
    }
    Ok(core::array::from_fn(|i| out[i]))
}

/// circom's width-3 permutation of `input`; returns the output state.
pub fn permute3(rows: &mut Rows<'_, '_>, input: [Input<'_>; 3]) -> Result<[Wire; 3], Error> {
    let p = &rows.config.poseidon;
    let selectors = (p.full3, p.partial3);
    permute_with(rows, t3(), selectors, input)
}

/// circom's width-5 permutation of `input`; returns the output state.
pub fn permute5(rows: &mut Rows<'_, '_>, input: [Input<'_>; 5]) -> Result<[Wire; 5], Error> {
    let p = &rows.config.poseidon;
    let selectors = (p.full5, p.partial5);
    permute_with(rows, t5(), selectors, input)
}

/// circom `Poseidon(2)`: a Merkle node (capacity 0). Twin of [`crate::poseidon::hash2`].
pub fn hash2(rows: &mut Rows<'_, '_>, a: &Wire, b: &Wire) -> Result<Wire, Error> {
    let [out, _, _] = permute3(
        rows,
        [Input::Const(Fp::ZERO), Input::Wire(a), Input::Wire(b)],
    )?;
    Ok(out)
}

/// The domain- and length-separated hash of `elements`. Twin of
/// [`crate::poseidon::hash_many`]: the capacity `tag·2^64 + n` and the zero padding are
/// pinned constants, the chained steps start from capacity 0.
pub fn hash_many(
    rows: &mut Rows<'_, '_>,
    domain: Domain,
    elements: &[Wire],
) -> Result<Wire, Error> {
    let c = Input::Const(to_fp(capacity(domain, elements.len())));
    let at = |i: usize| {
        elements
            .get(i)
            .map(Input::Wire)
            .unwrap_or(Input::Const(Fp::ZERO))
    };
    if elements.len() <= 2 {
        let [out, _, _] = permute3(rows, [c, at(0), at(1)])?;
        return Ok(out);
    }
    let [mut h, _, _, _, _] = permute5(rows, [c, at(0), at(1), at(2), at(3)])?;
    let mut i = 4;
    while i < elements.len() {
        let zero = Input::Const(Fp::ZERO);
        let [next, _, _, _, _] =
            permute5(rows, [zero, Input::Wire(&h), at(i), at(i + 1), at(i + 2)])?;
        h = next;
        i += 3;
    }
    Ok(h)
}
