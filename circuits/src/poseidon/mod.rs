//! Poseidon over BN254 with circom's parameters (x^5 S-box, 8 full rounds), natively and in R1CS.
//!
//! `hash2(a, b)` is circom's `Poseidon(2)` (width 3) and `hash4(a, b, c, d)` circom's
//! `Poseidon(4)` (width 5), bit-identical with `light-poseidon`'s `new_circom`, so commitments and
//! roots interoperate with circom and EVM Poseidon tools. Longer inputs go through
//! [`hash_many`]: the first four elements are absorbed by one `Poseidon(4)`, every further three
//! by `Poseidon(4)(h, x, y, z)`, zero-padded; callers hash fixed-length inputs only (the length is
//! fixed by the shape in the statement), so padding is unambiguous.
//!
//! The constraint twin (`constraints`, feature `r1cs`) applies the same rounds to `FpVar`s with the
//! same constants; `tests/poseidon.rs` shows native, in-circuit and `light-poseidon` agree.

pub mod constants;
#[cfg(feature = "r1cs")]
pub mod constraints;
pub mod sparse;

use ark_bn254::Fr;
use ark_ff::{Field, Zero};
use constants::*;

/// The Poseidon permutation with circom's round schedule on a width-`T` state.
pub fn permute<const T: usize>(
    state: &mut [Fr; T],
    ark: &[Fr],
    mds: &[[Fr; T]; T],
    full_rounds: usize,
    partial_rounds: usize,
) {
    let half = full_rounds / 2;
    for round in 0..full_rounds + partial_rounds {
        for (i, s) in state.iter_mut().enumerate() {
            *s += ark[round * T + i];
        }
        let full = round < half || round >= half + partial_rounds;
        if full {
            for s in state.iter_mut() {
                *s = sbox(*s);
            }
        } else {
            state[0] = sbox(state[0]);
        }
        let old = *state;
        for (i, s) in state.iter_mut().enumerate() {
            *s = old
                .iter()
                .zip(mds[i].iter())
                .fold(Fr::zero(), |acc, (a, m)| acc + *a * m);
        }
    }
}

/// The same permutation with the partial rounds in sparse form (Poseidon paper, appendix B): each
/// partial round's MDS matrix `M` is factored as `M' · M''` with `M''` sparse (first row and first
/// column) and `M'` pushed into the next round, so a partial round costs `2T − 1` multiplications
/// instead of `T²`; the constants move through the pending maps, and the last pending map is
/// applied once before the final full rounds. Bit-identical with [`permute`].
#[allow(clippy::too_many_arguments)]
pub fn permute_sparse<const T: usize, const W: usize>(
    state: &mut [Fr; T],
    ark: &[Fr],
    mds: &[[Fr; T]; T],
    full_rounds: usize,
    partial_ark: &[[Fr; T]],
    sparse: &[[Fr; W]],
    post_partial: &[[Fr; T]; T],
) {
    let half = full_rounds / 2;
    let full_round = |state: &mut [Fr; T], round: usize| {
        for (i, s) in state.iter_mut().enumerate() {
            *s += ark[round * T + i];
            *s = sbox(*s);
        }
        *state = mat_vec(mds, state);
    };
    for round in 0..half {
        full_round(state, round);
    }
    for (c, m) in partial_ark.iter().zip(sparse) {
        for (s, ci) in state.iter_mut().zip(c) {
            *s += ci;
        }
        let s0 = sbox(state[0]);
        let mut first = m[0] * s0;
        for j in 1..T {
            first += m[j] * state[j];
            state[j] += m[T - 1 + j] * s0;
        }
        state[0] = first;
    }
    *state = mat_vec(post_partial, state);
    for round in half + partial_ark.len()..full_rounds + partial_ark.len() {
        full_round(state, round);
    }
}

fn mat_vec<const T: usize>(m: &[[Fr; T]; T], v: &[Fr; T]) -> [Fr; T] {
    let mut out = [Fr::zero(); T];
    for (o, row) in out.iter_mut().zip(m) {
        *o = row
            .iter()
            .zip(v)
            .fold(Fr::zero(), |acc, (a, b)| acc + *a * b);
    }
    out
}

fn sbox(x: Fr) -> Fr {
    let x2 = x.square();
    x2.square() * x
}

/// circom `Poseidon(2)` (the sparse-round permutation, bit-identical with [`permute`]).
pub fn hash2(a: Fr, b: Fr) -> Fr {
    let mut state = [Fr::zero(), a, b];
    permute_sparse(
        &mut state,
        &ARK_T3,
        &MDS_T3,
        FULL_ROUNDS_T3,
        &sparse::PARTIAL_ARK_T3,
        &sparse::SPARSE_T3,
        &sparse::POST_PARTIAL_T3,
    );
    state[0]
}

/// circom `Poseidon(4)` (the sparse-round permutation, bit-identical with [`permute`]).
pub fn hash4(a: Fr, b: Fr, c: Fr, d: Fr) -> Fr {
    let mut state = [Fr::zero(), a, b, c, d];
    permute_sparse(
        &mut state,
        &ARK_T5,
        &MDS_T5,
        FULL_ROUNDS_T5,
        &sparse::PARTIAL_ARK_T5,
        &sparse::SPARSE_T5,
        &sparse::POST_PARTIAL_T5,
    );
    state[0]
}

/// Hash of a fixed-length sequence: `Poseidon(4)` over the first four elements, then
/// `h = Poseidon(4)(h, x, y, z)` for every further three, zero-padded. An empty input hashes as
/// four zeros.
pub fn hash_many(elements: &[Fr]) -> Fr {
    let at = |i: usize| elements.get(i).copied().unwrap_or_else(Fr::zero);
    let mut h = hash4(at(0), at(1), at(2), at(3));
    let mut i = 4;
    while i < elements.len() {
        h = hash4(h, at(i), at(i + 1), at(i + 2));
        i += 3;
    }
    h
}

/// Number of `Poseidon(4)` calls [`hash_many`] makes for `n` elements.
pub fn hash_many_calls(n: usize) -> usize {
    1 + n.saturating_sub(4).div_ceil(3)
}
