//! Poseidon over BN254 with circom's parameters (x^5 S-box, 8 full rounds), natively and in R1CS.
//!
//! `hash2(a, b)` is circom's `Poseidon(2)` (width 3) and `hash4(a, b, c, d)` circom's
//! `Poseidon(4)` (width 5), bit-identical with `light-poseidon`'s `new_circom`, so commitments and
//! roots interoperate with circom and EVM Poseidon tools. Every commitment, digest and Merkle leaf
//! goes through [`hash_many`]`(domain, elements)`: the [`Domain`] tag and the length form the
//! first permutation's capacity element (circomlib's `PoseidonEx` `initialState`), so inputs of
//! different uses or lengths never collide; Merkle nodes are the plain `Poseidon(2)` (capacity 0).
//!
//! The constraint twin (`constraints`, feature `r1cs`) applies the same rounds to `FpVar`s with the
//! same constants; `tests/poseidon.rs` shows native, in-circuit and `light-poseidon` agree.

pub mod constants;
#[cfg(feature = "r1cs")]
pub mod constraints;
#[cfg(feature = "halo2")]
pub mod halo2;
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

/// What a [`hash_many`] digest is of. Each use has its own tag, so that digests of different uses
/// (or of the same use at different lengths) are digests of different Poseidon inputs.
///
/// The tags are small distinct non-zero integers, fixed forever for their use (a new use takes a
/// new tag; a tag is never reused). With the length they make the first permutation's capacity
/// element, see [`capacity`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u64)]
pub enum Domain {
    /// A miner's commitment to its outputs, `pack(outputs) ‖ blinding`.
    MinerOutputs = 1,
    /// A validator's hidden weight-row commitment `cw`, `pack(row) ‖ blinding`.
    WeightRow = 2,
    /// The bonds commitment, `pack(V×N rows, row-major) ‖ blinding`.
    Bonds = 3,
    /// One record's features digest, the features as field elements.
    Features = 4,
    /// The query digest, the sampled records' features digests in sample order.
    Queries = 5,
    /// An evaluation-set Merkle leaf, `[features_digest, label]`.
    MerkleLeaf = 6,
    /// The score statement's `rest_digest`, `ScoreStatement::rest_elements`.
    ScoreRest = 7,
    /// The epoch statement's digest, `EpochStatement::digest_elements`.
    EpochStatement = 8,
    /// The public-mode weights input, `pack(row)` (no blinding).
    PublicWeights = 9,
}

impl Domain {
    /// Every domain, in tag order.
    pub const ALL: [Domain; 9] = [
        Domain::MinerOutputs,
        Domain::WeightRow,
        Domain::Bonds,
        Domain::Features,
        Domain::Queries,
        Domain::MerkleLeaf,
        Domain::ScoreRest,
        Domain::EpochStatement,
        Domain::PublicWeights,
    ];

    /// The domain's tag (1 ..= 9).
    pub const fn tag(self) -> u64 {
        self as u64
    }
}

/// The capacity element of [`hash_many`]'s first permutation: `tag(domain) · 2^64 + len`.
/// Injective in `(domain, len)` for `len < 2^64`, and never 0 (tags are ≥ 1), so it is never the
/// capacity 0 of the plain `Poseidon(2)` / `Poseidon(4)` (Merkle nodes, the chained steps).
pub fn capacity(domain: Domain, len: usize) -> Fr {
    Fr::from(domain.tag()) * Fr::from(u128::from(u64::MAX) + 1) + Fr::from(len as u64)
}

/// circom `Poseidon(2)` (the sparse-round permutation, bit-identical with [`permute`]).
pub fn hash2(a: Fr, b: Fr) -> Fr {
    hash2_with_capacity(Fr::zero(), a, b)
}

/// `Poseidon(2)` from the initial state `(capacity, a, b)`: circomlib's `PoseidonEx` with
/// `initialState = capacity`, `light-poseidon`'s `with_domain_tag_circom(2, capacity)`.
pub fn hash2_with_capacity(capacity: Fr, a: Fr, b: Fr) -> Fr {
    let mut state = [capacity, a, b];
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
    hash4_with_capacity(Fr::zero(), a, b, c, d)
}

/// `Poseidon(4)` from the initial state `(capacity, a, b, c, d)` (see [`hash2_with_capacity`]).
pub fn hash4_with_capacity(capacity: Fr, a: Fr, b: Fr, c: Fr, d: Fr) -> Fr {
    let mut state = [capacity, a, b, c, d];
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

/// The domain- and length-separated hash of `elements` (`n` of them), with capacity
/// `c = capacity(domain, n)`:
///
/// * `n ≤ 2`: `Poseidon(2)` from the state `(c, x0, x1)`, zero-padded;
/// * `n > 2`: `h = Poseidon(4)` from `(c, x0, x1, x2, x3)`, zero-padded, then
///   `h = Poseidon(4)(h, x, y, z)` (capacity 0) for every further three, zero-padded.
///
/// Separation: two inputs with different `(domain, n)` start from different capacities, so equal
/// digests need a Poseidon collision. Walking back from the last permutation, equal outputs with
/// different inputs are a collision; equal inputs either both are first permutations (then equal
/// `c`, so equal domain and length, and the padding is fixed by `n`), or both are chained steps
/// (recurse on `h`), or one is a first permutation (capacity `c ≠ 0`) and the other a chained
/// step (capacity 0) — different inputs. So trailing zeros and hashed prefixes no longer collide,
/// and neither do digests of different uses. The `constraints::hash_many` gadget (feature
/// `r1cs`) is the same function; `c` is a constant there, so the tag costs no constraint.
pub fn hash_many(domain: Domain, elements: &[Fr]) -> Fr {
    let at = |i: usize| elements.get(i).copied().unwrap_or_else(Fr::zero);
    let c = capacity(domain, elements.len());
    if elements.len() <= 2 {
        return hash2_with_capacity(c, at(0), at(1));
    }
    let mut h = hash4_with_capacity(c, at(0), at(1), at(2), at(3));
    let mut i = 4;
    while i < elements.len() {
        h = hash4(h, at(i), at(i + 1), at(i + 2));
        i += 3;
    }
    h
}

/// Number of permutations [`hash_many`] runs for `n` elements: one `Poseidon(2)` for `n ≤ 2`,
/// else `Poseidon(4)` calls.
pub fn hash_many_calls(n: usize) -> usize {
    1 + n.saturating_sub(4).div_ceil(3)
}
