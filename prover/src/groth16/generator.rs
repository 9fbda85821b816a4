//! Circuit-specific Groth16 key generation from the compressed constraint rows.

use super::reduction::SnarkjsReduction;
use super::rows::{synthesis_error, ConstraintRows, SparseRows};
use super::witness::domain;
use crate::ProverError;
use ark_bn254::{Bn254, Fr, G1Projective, G2Projective};
use ark_ec::scalar_mul::BatchMulPreprocessing;
use ark_ec::CurveGroup;
use ark_ff::{Field, UniformRand, Zero};
use ark_groth16::r1cs_to_qap::R1CSToQAP;
use ark_groth16::{ProvingKey, VerifyingKey};
use ark_poly::{EvaluationDomain, GeneralEvaluationDomain};
use ark_relations::gr1cs::ConstraintSynthesizer;
use rayon::prelude::*;

/// Circuit-specific Groth16 key generation from the constraint rows: arkworks' generator
/// (`generate_random_parameters_with_reduction` with [`SnarkjsReduction`]) step for step — the same
/// draws from `rng` in the same order, the same QAP evaluation at `t` — without keeping the
/// constraint system: only the compressed rows, the Lagrange coefficients at `t` and the
/// per-variable evaluations are held while the key's points are computed. The key equals the one
/// arkworks makes from the same `rng` (a test checks them equal byte for byte). Returns the key
/// and the circuit's `A` and `B` rows (`C` dropped), which proving reuses.
pub fn generate<C: ConstraintSynthesizer<Fr>>(
    circuit: C,
    rng: &mut impl rand_core::RngCore,
) -> Result<(ProvingKey<Bn254>, ConstraintRows), ProverError> {
    let alpha = Fr::rand(rng);
    let beta = Fr::rand(rng);
    let gamma = Fr::rand(rng);
    let delta = Fr::rand(rng);
    let g1_generator = G1Projective::rand(rng);
    let g2_generator = G2Projective::rand(rng);

    let rows = ConstraintRows::with_c(circuit)?;
    let constraints = rows.constraints();
    let instances = rows.instance_variables;
    let domain = domain(&rows)?;
    let t = domain.sample_element_outside_domain(rng);
    let zt = domain.evaluate_vanishing_polynomial(t);
    let domain_size = domain.size();

    // QAP evaluation at t: a_j = Σ_i A_ij·u_i(t) (and b, c), the instance rows appended to A.
    let variables = instances + rows.witness_variables;
    let (mut a, mut b, mut c) = (
        vec![Fr::zero(); variables],
        vec![Fr::zero(); variables],
        vec![Fr::zero(); variables],
    );
    {
        let u = domain.evaluate_all_lagrange_coefficients(t);
        a[..instances].copy_from_slice(&u[constraints..constraints + instances]);
        for (matrix, out) in [(&rows.a, &mut a), (&rows.b, &mut b), (&rows.c, &mut c)] {
            for (i, u_i) in u.iter().enumerate().take(constraints) {
                for (var, coeff) in matrix.row(i) {
                    out[var] += *u_i * rows.coefficients[coeff];
                }
            }
        }
    }
    let keep = ConstraintRows {
        c: SparseRows::new(),
        ..rows
    };

    // Table sizes as arkworks counts them (the last variable left out); they only tune speed.
    let non_zero_a = a[..variables - 1].iter().filter(|x| !x.is_zero()).count();
    let non_zero_b = b[..variables - 1].iter().filter(|x| !x.is_zero()).count();
    let gamma_inverse = gamma.inverse().ok_or(ProverError::Degenerate {
        what: "gamma is zero",
    })?;
    let delta_inverse = delta.inverse().ok_or(ProverError::Degenerate {
        what: "delta is zero",
    })?;
    let gamma_abc: Vec<Fr> = (0..instances)
        .map(|j| (beta * a[j] + alpha * b[j] + c[j]) * gamma_inverse)
        .collect();
    let l: Vec<Fr> = (instances..variables)
        .into_par_iter()
        .map(|j| (beta * a[j] + alpha * b[j] + c[j]) * delta_inverse)
        .collect();
    drop(c);

    let g2_table = BatchMulPreprocessing::new(g2_generator, non_zero_b);
    let b_g2_query = g2_table.batch_mul(&b);
    drop(g2_table);
    let num_scalars = non_zero_a + non_zero_b + (variables - 1) + domain_size + 1;
    let g1_table = BatchMulPreprocessing::new(g1_generator, num_scalars);
    let a_query = g1_table.batch_mul(&a);
    drop(a);
    let b_g1_query = g1_table.batch_mul(&b);
    drop(b);
    let h_scalars = <SnarkjsReduction as R1CSToQAP>::h_query_scalars::<
        Fr,
        GeneralEvaluationDomain<Fr>,
    >(domain_size - 1, t, zt, delta_inverse)
    .map_err(synthesis_error)?;
    let h_query = g1_table.batch_mul(&h_scalars);
    drop(h_scalars);
    let l_query = g1_table.batch_mul(&l);
    drop(l);
    let gamma_abc_g1 = g1_table.batch_mul(&gamma_abc);
    drop(g1_table);

    let vk = VerifyingKey::<Bn254> {
        alpha_g1: (g1_generator * alpha).into_affine(),
        beta_g2: (g2_generator * beta).into_affine(),
        gamma_g2: (g2_generator * gamma).into_affine(),
        delta_g2: (g2_generator * delta).into_affine(),
        gamma_abc_g1,
    };
    let pk = ProvingKey::<Bn254> {
        vk,
        beta_g1: (g1_generator * beta).into_affine(),
        delta_g1: (g1_generator * delta).into_affine(),
        a_query,
        b_g1_query,
        b_g2_query,
        h_query,
        l_query,
    };
    Ok((pk, keep))
}
