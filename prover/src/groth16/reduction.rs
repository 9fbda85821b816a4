//! The R1CS-to-QAP reduction zkyuma's keys use: snarkjs's, so that proving keys, witnesses and
//! proofs are exchangeable with snarkjs (`.zkey`, `.wtns`).
//!
//! Both reductions prove `A(X)·B(X) − C(X) = h(X)·Z(X)` over the circuit's domain `H` of size
//! `n` (one point per constraint and per instance variable, rounded up to a power of two). They
//! differ in how the prover hands `h(τ)·Z(τ)/δ` to the multi-scalar multiplication:
//!
//! * arkworks' `LibsnarkReduction` computes the coefficients of `h` (a division by `Z` on a coset
//!   and an inverse FFT) and keys carry `τ^i·Z(τ)/δ`, `i < n − 1`;
//! * snarkjs's (ark-circom calls it `CircomReduction`) takes `P = A·B − C`, of degree at most
//!   `2n − 2`, in the Lagrange basis of the domain of size `2n`: `P` vanishes on its even points
//!   (they are `H`), so `P(τ) = Σ_j P(x_j)·L_{2j+1}(τ)` over the odd points `x_j = ω_{2n}^{2j+1}`.
//!   The prover evaluates `P` on that odd coset (`n` values, no division) and keys carry
//!   `L_{2j+1}(τ)/δ` — exactly, from a phase 1's Lagrange basis of the domain of size `2n`, which
//!   is why a snarkjs `.ptau` of power `p` serves domains up to `2^(p−1)`.
//!
//! The instance map (the `A`, `B`, `C` evaluations at `τ`, the verifying key) is the same in both.

use ark_ff::{FftField, PrimeField};
use ark_groth16::r1cs_to_qap::{evaluate_constraint, LibsnarkReduction, R1CSToQAP};
use ark_poly::EvaluationDomain;
use ark_relations::gr1cs::{ConstraintSystemRef, Matrix, Result as R1CSResult, SynthesisError};
use rayon::prelude::*;

/// snarkjs's R1CS-to-QAP reduction (see the [module documentation](self)), for arkworks'
/// `Groth16::<Bn254, SnarkjsReduction>`: zkyuma's own generator and prover
/// ([`crate::groth16::generate`], [`crate::groth16::prove_with`]) give the keys and proofs this
/// gives, byte for byte.
pub struct SnarkjsReduction;

/// The generator of the odd coset: a primitive `2n`-th root of unity, `ω_{2n}`.
pub(crate) fn odd_coset_shift<F: FftField, D: EvaluationDomain<F>>(
    domain: &D,
) -> Result<F, SynthesisError> {
    let double = D::new(2 * domain.size()).ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
    Ok(double.element(1))
}

/// `P = A·B − C` on the odd coset `ω_{2n}·H`, from `A·z`, `B·z` on `H` (`C·z` taken as their
/// product, which it is on a satisfying assignment). `a` and `b` are consumed (domain size each).
pub(crate) fn odd_coset_values<F: FftField, D: EvaluationDomain<F>>(
    domain: &D,
    mut a: Vec<F>,
    mut b: Vec<F>,
) -> Result<Vec<F>, SynthesisError> {
    let shift = odd_coset_shift(domain)?;
    let mut c: Vec<F> = a.par_iter().zip(&b).map(|(a, b)| *a * b).collect();
    for v in [&mut a, &mut b] {
        domain.ifft_in_place(v);
        D::distribute_powers_and_mul_by_const(v, shift, F::one());
        domain.fft_in_place(v);
    }
    a.par_iter_mut().zip(&b).for_each(|(a, b)| *a *= b);
    drop(b);
    domain.ifft_in_place(&mut c);
    D::distribute_powers_and_mul_by_const(&mut c, shift, F::one());
    domain.fft_in_place(&mut c);
    a.par_iter_mut().zip(c).for_each(|(ab, c)| *ab -= &c);
    Ok(a)
}

/// `L_{2j+1}(t)` for `j < n`: the Lagrange basis of the domain of size `2n` at `t`, odd indices.
pub(crate) fn odd_lagrange_at<F: FftField, D: EvaluationDomain<F>>(
    domain: &D,
    t: F,
) -> Result<Vec<F>, SynthesisError> {
    let double = D::new(2 * domain.size()).ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
    Ok(double
        .evaluate_all_lagrange_coefficients(t)
        .into_iter()
        .skip(1)
        .step_by(2)
        .collect())
}

impl R1CSToQAP for SnarkjsReduction {
    #[allow(clippy::type_complexity)]
    fn instance_map_with_evaluation<F: PrimeField, D: EvaluationDomain<F>>(
        cs: ConstraintSystemRef<F>,
        t: &F,
    ) -> R1CSResult<(Vec<F>, Vec<F>, Vec<F>, F, usize, usize)> {
        LibsnarkReduction::instance_map_with_evaluation::<F, D>(cs, t)
    }

    fn witness_map_from_matrices<F: PrimeField, D: EvaluationDomain<F>>(
        matrices: &[Matrix<F>],
        num_inputs: usize,
        num_constraints: usize,
        full_assignment: &[F],
    ) -> R1CSResult<Vec<F>> {
        let domain =
            D::new(num_constraints + num_inputs).ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
        let (ma, mb) = match matrices {
            [a, b, ..] => (a, b),
            _ => return Err(SynthesisError::Unsatisfiable),
        };
        let mut a = vec![F::zero(); domain.size()];
        let mut b = vec![F::zero(); domain.size()];
        a[..num_constraints]
            .par_iter_mut()
            .zip(&mut b[..num_constraints])
            .zip(ma)
            .zip(mb)
            .for_each(|(((a, b), at), bt)| {
                *a = evaluate_constraint(at, full_assignment);
                *b = evaluate_constraint(bt, full_assignment);
            });
        a[num_constraints..num_constraints + num_inputs]
            .clone_from_slice(&full_assignment[..num_inputs]);
        odd_coset_values(&domain, a, b)
    }

    fn h_query_scalars<F: PrimeField, D: EvaluationDomain<F>>(
        max_power: usize,
        t: F,
        _zt: F,
        delta_inverse: F,
    ) -> Result<Vec<F>, SynthesisError> {
        // arkworks passes the domain size less one.
        let domain = D::new(max_power + 1).ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
        let mut scalars = odd_lagrange_at(&domain, t)?;
        scalars.par_iter_mut().for_each(|s| *s *= delta_inverse);
        Ok(scalars)
    }
}
