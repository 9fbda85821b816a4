//! The witness side of proving: a values-only synthesis giving the assignment, and the
//! R1CS-to-QAP witness map (snarkjs's) giving the quotient's values.

use super::rows::{synthesis_error, ConstraintRows};
use crate::ProverError;
use ark_bn254::Fr;
use ark_ff::{FftField, Zero};
use ark_poly::{EvaluationDomain, GeneralEvaluationDomain};
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, SynthesisMode,
};
use rayon::prelude::*;

/// Synthesize `circuit` keeping values only; returns the full assignment `z` (the constant 1,
/// the public inputs, then the witnesses).
pub(crate) fn assignment<C: ConstraintSynthesizer<Fr>>(circuit: C) -> Result<Vec<Fr>, ProverError> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Prove {
        construct_matrices: false,
        generate_lc_assignments: false,
    });
    circuit
        .generate_constraints(cs.clone())
        .map_err(synthesis_error)?;
    let mut inner = cs
        .borrow_mut()
        .ok_or_else(|| synthesis_error("no constraint system"))?;
    let mut z = std::mem::take(&mut inner.assignments.instance_assignment);
    z.append(&mut inner.assignments.witness_assignment);
    Ok(z)
}

/// arkworks' Groth16 evaluation domain of a circuit: one point per constraint and per instance
/// variable, rounded up to a power of two.
pub(crate) fn domain(rows: &ConstraintRows) -> Result<GeneralEvaluationDomain<Fr>, ProverError> {
    let points = rows.constraints() + rows.instance_variables;
    GeneralEvaluationDomain::<Fr>::new(points).ok_or(ProverError::TooLarge {
        what: "evaluation domain points",
        max: 1u64 << Fr::TWO_ADICITY,
        got: points as u64,
    })
}

/// The quotient's values as snarkjs's reduction hands them to the prover
/// ([`super::reduction`]): `A·B − C` on the odd coset of the circuit's domain (`C·z` taken as
/// `(A·z)∘(B·z)`), one value per `H` query point.
pub(crate) fn quotient(rows: &ConstraintRows, z: &[Fr]) -> Result<Vec<Fr>, ProverError> {
    let (constraints, instance_variables) = (rows.constraints(), rows.instance_variables);
    let domain = domain(rows)?;
    let size = domain.size();
    let mut a = vec![Fr::zero(); size];
    let mut b = vec![Fr::zero(); size];
    a[..constraints]
        .par_iter_mut()
        .zip(b[..constraints].par_iter_mut())
        .enumerate()
        .for_each(|(i, (a, b))| {
            *a = rows.a.evaluate(i, &rows.coefficients, z);
            *b = rows.b.evaluate(i, &rows.coefficients, z);
        });
    a[constraints..constraints + instance_variables].copy_from_slice(&z[..instance_variables]);
    super::reduction::odd_coset_values(&domain, a, b).map_err(synthesis_error)
}
