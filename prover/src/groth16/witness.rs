//! The witness side of proving: a values-only synthesis giving the assignment, and the
//! R1CS-to-QAP witness map giving the quotient `h`.

use super::rows::{synthesis_error, ConstraintRows};
use crate::ProverError;
use ark_bn254::Fr;
use ark_ff::{FftField, Field, Zero};
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

/// The coefficients of `h(X) = (A(X)·B(X) − C(X)) / Z(X)` over arkworks' Groth16 domain, as
/// `LibsnarkReduction::witness_map_from_matrices` computes them (`C·z` taken as `(A·z)∘(B·z)`).
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
    let mut c: Vec<Fr> = a.par_iter().zip(&b).map(|(a, b)| *a * b).collect();
    let coset = domain
        .get_coset(Fr::GENERATOR)
        .ok_or(ProverError::Degenerate {
            what: "no coset of the evaluation domain",
        })?;
    domain.ifft_in_place(&mut a);
    domain.ifft_in_place(&mut b);
    coset.fft_in_place(&mut a);
    coset.fft_in_place(&mut b);
    a.par_iter_mut().zip(&b).for_each(|(a, b)| *a *= b);
    drop(b);
    domain.ifft_in_place(&mut c);
    coset.fft_in_place(&mut c);
    let vanishing_inverse = domain
        .evaluate_vanishing_polynomial(Fr::GENERATOR)
        .inverse()
        .ok_or(ProverError::Degenerate {
            what: "the vanishing polynomial is zero on the coset",
        })?;
    a.par_iter_mut().zip(c).for_each(|(ab, c)| {
        *ab -= &c;
        *ab *= &vanishing_inverse;
    });
    coset.ifft_in_place(&mut a);
    Ok(a)
}
