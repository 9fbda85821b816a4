//! The compressed `A`, `B` (and, for key generation, `C`) constraint rows of a circuit: one
//! synthesis without values, its linear combinations inlined, kept as a `u32` variable index and
//! a `u32` index into a table of distinct coefficients per entry; and the structural check of
//! rows read back from a file.

use crate::ProverError;
use ark_bn254::Fr;
use ark_ff::{One, Zero};
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, ConstraintSystemRef, OptimizationGoal, SynthesisMode,
    R1CS_PREDICATE_LABEL,
};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use std::collections::HashMap;

/// One matrix (`A` or `B`) of an R1CS in compressed-row form: row `i` holds the entries
/// `start[i]..start[i + 1]` of `vars` / `coeffs`; `coeffs` index [`ConstraintRows::coefficients`].
#[derive(Clone, Debug, Default, PartialEq, Eq, CanonicalSerialize, CanonicalDeserialize)]
pub struct SparseRows {
    start: Vec<u64>,
    vars: Vec<u32>,
    coeffs: Vec<u32>,
}

impl SparseRows {
    /// No rows.
    pub(crate) fn new() -> Self {
        Self {
            start: vec![0],
            ..Self::default()
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.start.len() - 1
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of non-zero entries.
    pub fn entries(&self) -> usize {
        self.vars.len()
    }

    /// Every index in range: offsets start at 0, never decrease and end at the entry count;
    /// variables below `variables`, coefficients below `coefficients`.
    fn check(&self, variables: usize, coefficients: usize) -> Result<(), String> {
        if self.start.first() != Some(&0)
            || self.start.windows(2).any(|w| w[0] > w[1])
            || self.start.last().copied() != Some(self.vars.len() as u64)
            || self.vars.len() != self.coeffs.len()
        {
            return Err("row offsets are not a partition of the entries".into());
        }
        if let Some(v) = self.vars.iter().find(|v| **v as usize >= variables) {
            return Err(format!("variable {v} of {variables}"));
        }
        if let Some(c) = self.coeffs.iter().find(|c| **c as usize >= coefficients) {
            return Err(format!("coefficient {c} of {coefficients}"));
        }
        Ok(())
    }

    /// Row `i` as `(variable, coefficient index)` pairs.
    pub(crate) fn row(&self, i: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
        let (from, to) = (self.start[i] as usize, self.start[i + 1] as usize);
        self.vars[from..to]
            .iter()
            .zip(&self.coeffs[from..to])
            .map(|(v, c)| (*v as usize, *c as usize))
    }

    /// `row_i · z`.
    pub(crate) fn evaluate(&self, i: usize, coefficients: &[Fr], z: &[Fr]) -> Fr {
        let mut acc = Fr::zero();
        for (var, coeff) in self.row(i) {
            let c = coefficients[coeff];
            let x = z[var];
            if c.is_one() {
                acc += x;
            } else {
                acc += c * x;
            }
        }
        acc
    }
}

/// The `A` and `B` rows of a circuit, with its variable counts (see the
/// [module documentation](crate::groth16)).
#[derive(Clone, Debug, PartialEq, Eq, CanonicalSerialize, CanonicalDeserialize)]
pub struct ConstraintRows {
    /// Instance variables, the constant 1 included.
    pub instance_variables: usize,
    /// Witness variables.
    pub witness_variables: usize,
    /// Distinct coefficients.
    pub coefficients: Vec<Fr>,
    /// `A`.
    pub a: SparseRows,
    /// `B`.
    pub b: SparseRows,
    /// `C` (kept for key generation only; empty when proving).
    pub c: SparseRows,
}

/// A constraint system that could not be synthesized or read.
pub(crate) fn synthesis_error(what: impl std::fmt::Display) -> ProverError {
    ProverError::Synthesis {
        what: what.to_string(),
    }
}

impl ConstraintRows {
    /// Synthesize `circuit` without values (as key generation does), inline its linear
    /// combinations and keep the `A` and `B` rows.
    pub fn of<C: ConstraintSynthesizer<Fr>>(circuit: C) -> Result<Self, ProverError> {
        Self::synthesize(circuit, 2)
    }

    /// [`ConstraintRows::of`] with the `C` rows too, for key generation.
    pub(crate) fn with_c<C: ConstraintSynthesizer<Fr>>(circuit: C) -> Result<Self, ProverError> {
        Self::synthesize(circuit, 3)
    }

    fn synthesize<C: ConstraintSynthesizer<Fr>>(
        circuit: C,
        matrices: usize,
    ) -> Result<Self, ProverError> {
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_optimization_goal(OptimizationGoal::Constraints);
        cs.set_mode(SynthesisMode::Setup);
        circuit
            .generate_constraints(cs.clone())
            .map_err(synthesis_error)?;
        cs.finalize();
        Self::from_finalized(&cs, matrices)
    }

    fn from_finalized(cs: &ConstraintSystemRef<Fr>, count: usize) -> Result<Self, ProverError> {
        let inner = cs
            .borrow()
            .ok_or_else(|| synthesis_error("no constraint system"))?;
        let instance_variables = inner.num_instance_variables;
        let witness_variables = inner.num_witness_variables;
        let variables = instance_variables + witness_variables;
        if variables > u32::MAX as usize {
            return Err(ProverError::TooLarge {
                what: "variables",
                max: u32::MAX as u64,
                got: variables as u64,
            });
        }
        let predicate = inner
            .predicate_constraint_systems
            .get(R1CS_PREDICATE_LABEL)
            .ok_or_else(|| synthesis_error("the circuit has no R1CS constraints"))?;
        let arguments = predicate.get_constraints();
        let mut table: HashMap<Fr, u32> = HashMap::new();
        let mut coefficients = Vec::new();
        let mut matrices = [SparseRows::new(), SparseRows::new(), SparseRows::new()];
        for (rows, lcs) in matrices.iter_mut().zip(arguments.iter()).take(count) {
            for &lc_var in lcs {
                for (coeff, var) in inner.get_lc(lc_var).0 {
                    if coeff.is_zero() || var.is_zero() {
                        continue;
                    }
                    let index = var
                        .get_variable_index(instance_variables)
                        .ok_or_else(|| synthesis_error("a linear combination left uninlined"))?;
                    let c = *table.entry(coeff).or_insert_with(|| {
                        coefficients.push(coeff);
                        (coefficients.len() - 1) as u32
                    });
                    rows.vars.push(index as u32);
                    rows.coeffs.push(c);
                }
                rows.start.push(rows.vars.len() as u64);
            }
        }
        let [a, b, c] = matrices;
        Ok(Self {
            instance_variables,
            witness_variables,
            coefficients,
            a,
            b,
            c,
        })
    }

    /// Number of constraints.
    pub fn constraints(&self) -> usize {
        self.a.len()
    }

    /// Structural check of rows read from a file: `A` and `B` with one row per constraint,
    /// `C` empty or the same length, every index in range (so evaluating them cannot panic).
    pub fn check(&self) -> Result<(), String> {
        let variables = self
            .instance_variables
            .checked_add(self.witness_variables)
            .filter(|v| *v <= u32::MAX as usize)
            .ok_or("more variables than 2^32")?;
        if self.instance_variables == 0 {
            return Err("no constant variable".into());
        }
        for rows in [&self.a, &self.b, &self.c] {
            rows.check(variables, self.coefficients.len())?;
        }
        if self.b.len() != self.a.len() || !(self.c.is_empty() || self.c.len() == self.a.len()) {
            return Err("A, B and C have different row counts".into());
        }
        Ok(())
    }
}
