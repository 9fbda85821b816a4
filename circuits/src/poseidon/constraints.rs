//! Poseidon in R1CS: the same permutation on `FpVar`s (3 constraints per S-box).

use super::constants::*;
use super::{capacity, Domain};
use ark_bn254::Fr;
use ark_ff::Zero;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::fields::FieldVar;
use ark_relations::gr1cs::SynthesisError;

fn sbox(x: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
    let x2 = x.square()?;
    let x4 = x2.square()?;
    Ok(x4 * x)
}

fn permute<const T: usize>(
    mut state: [FpVar<Fr>; T],
    ark: &[Fr],
    mds: &[[Fr; T]; T],
    full_rounds: usize,
    partial_rounds: usize,
) -> Result<[FpVar<Fr>; T], SynthesisError> {
    let half = full_rounds / 2;
    for round in 0..full_rounds + partial_rounds {
        for (i, s) in state.iter_mut().enumerate() {
            *s += ark[round * T + i];
        }
        let full = round < half || round >= half + partial_rounds;
        if full {
            for s in state.iter_mut() {
                *s = sbox(s)?;
            }
        } else {
            state[0] = sbox(&state[0])?;
        }
        let old = state.clone();
        for (i, s) in state.iter_mut().enumerate() {
            let mut acc = FpVar::zero();
            for (a, m) in old.iter().zip(mds[i].iter()) {
                acc += a * *m;
            }
            *s = acc;
        }
    }
    Ok(state)
}

/// circom `Poseidon(2)` in R1CS.
pub fn hash2(a: &FpVar<Fr>, b: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
    hash2_with_capacity(Fr::zero(), a, b)
}

/// [`super::hash2_with_capacity`] in R1CS (a constant capacity: no extra constraint).
pub fn hash2_with_capacity(
    capacity: Fr,
    a: &FpVar<Fr>,
    b: &FpVar<Fr>,
) -> Result<FpVar<Fr>, SynthesisError> {
    let state = [FpVar::constant(capacity), a.clone(), b.clone()];
    let [h, ..] = permute(state, &ARK_T3, &MDS_T3, FULL_ROUNDS_T3, PARTIAL_ROUNDS_T3)?;
    Ok(h)
}

/// circom `Poseidon(4)` in R1CS.
pub fn hash4(
    a: &FpVar<Fr>,
    b: &FpVar<Fr>,
    c: &FpVar<Fr>,
    d: &FpVar<Fr>,
) -> Result<FpVar<Fr>, SynthesisError> {
    hash4_with_capacity(Fr::zero(), a, b, c, d)
}

/// [`super::hash4_with_capacity`] in R1CS (a constant capacity: no extra constraint).
pub fn hash4_with_capacity(
    capacity: Fr,
    a: &FpVar<Fr>,
    b: &FpVar<Fr>,
    c: &FpVar<Fr>,
    d: &FpVar<Fr>,
) -> Result<FpVar<Fr>, SynthesisError> {
    let state = [
        FpVar::constant(capacity),
        a.clone(),
        b.clone(),
        c.clone(),
        d.clone(),
    ];
    let [h, ..] = permute(state, &ARK_T5, &MDS_T5, FULL_ROUNDS_T5, PARTIAL_ROUNDS_T5)?;
    Ok(h)
}

/// [`super::hash_many`] in R1CS: the same tag, length, widths and padding.
pub fn hash_many(domain: Domain, elements: &[FpVar<Fr>]) -> Result<FpVar<Fr>, SynthesisError> {
    let at = |i: usize| elements.get(i).cloned().unwrap_or_else(FpVar::zero);
    let c = capacity(domain, elements.len());
    if elements.len() <= 2 {
        return hash2_with_capacity(c, &at(0), &at(1));
    }
    let mut h = hash4_with_capacity(c, &at(0), &at(1), &at(2), &at(3))?;
    let mut i = 4;
    while i < elements.len() {
        h = hash4(&h, &at(i), &at(i + 1), &at(i + 2))?;
        i += 3;
    }
    Ok(h)
}
