//! Commitments: what miners, validators and the chain commit to, and how each opens. Every hash
//! is [`hash_many`] with its own [`Domain`] (tag and length in the first permutation's capacity).
//!
//! * **Miner outputs** (DESIGN §1 step 2): `c = hash_many(MinerOutputs, pack(outputs) ‖ blinding)`,
//!   the K fixed-point u16 outputs packed 15 to a field element (16 bits each, little-endian).
//! * **Weight row**: `cw = hash_many(WeightRow, pack(row) ‖ blinding)`, the u16 row packed the
//!   same way.
//! * **Evaluation set** (step 0): a Poseidon Merkle tree of depth `d` over the validator's
//!   records, leaf `hash_many(MerkleLeaf, [features_digest, label])`, unused leaves 0, node
//!   `Poseidon(2)(left, right)` (see [`merkle_node`] for why leaves and nodes cannot be confused).
//! * **Queries** (step 1): `features_digest = hash_many(Features, features)` per record and
//!   `query_digest = hash_many(Queries, features digests)` over the sampled records, in sample
//!   order.
//! * **Sample indices**: `blake3("zkyuma/sample/v1" ‖ seed ‖ hotkey ‖ k)` read as a u64,
//!   modulo the evaluation-set size, for `k = 0..K`.
//!
//! The constraint twins live in `constraints` (feature `r1cs`), one per function here with the
//! same domain.

#[cfg(feature = "r1cs")]
pub mod constraints;
#[cfg(feature = "halo2")]
pub mod halo2;

use crate::field::pack_le;
use crate::poseidon::{hash2, hash_many, Domain};
use alloc::vec;
use alloc::vec::Vec;
use ark_bn254::Fr;
use ark_ff::Zero;

/// u16 values per packed field element.
pub const U16_PER_ELEMENT: usize = 15;

/// Pack u16 values 15 to a field element.
pub fn pack_u16(values: &[u16]) -> Vec<Fr> {
    let wide: Vec<u64> = values.iter().map(|v| u64::from(*v)).collect();
    pack_le(&wide, 16, U16_PER_ELEMENT)
}

/// The commitment `hash_many(domain, pack(values) ‖ blinding)` to u16 values with a blinding.
pub fn u16_commitment(domain: Domain, values: &[u16], blinding: Fr) -> Fr {
    let mut elements = pack_u16(values);
    elements.push(blinding);
    hash_many(domain, &elements)
}

/// A miner's commitment to its outputs for one validator's task ([`Domain::MinerOutputs`]).
pub fn miner_commitment(outputs: &[u16], blinding: Fr) -> Fr {
    u16_commitment(Domain::MinerOutputs, outputs, blinding)
}

/// A validator's commitment to its weight row ([`Domain::WeightRow`]).
pub fn weight_commitment(row: &[u16], blinding: Fr) -> Fr {
    u16_commitment(Domain::WeightRow, row, blinding)
}

/// The public-mode weights input: `hash_many(PublicWeights, pack(row))`, no blinding.
pub fn public_weights_digest(row: &[u16]) -> Fr {
    hash_many(Domain::PublicWeights, &pack_u16(row))
}

/// Digest of one record's features (fixed-point integers, e.g. values scaled by 2^16).
pub fn features_digest(features: &[i64]) -> Fr {
    let elements: Vec<Fr> = features.iter().map(|f| Fr::from(*f)).collect();
    hash_many(Domain::Features, &elements)
}

/// The digest of the queries a miner received: `hash_many(Queries, …)` of the sampled features
/// digests.
pub fn query_digest(features_digests: &[Fr]) -> Fr {
    hash_many(Domain::Queries, features_digests)
}

/// A record's Merkle leaf: `hash_many(MerkleLeaf, [features_digest, label])`, a `Poseidon(2)`
/// from the capacity `tag(MerkleLeaf)·2^64 + 2`.
pub fn record_leaf(features_digest: Fr, label: u16) -> Fr {
    hash_many(Domain::MerkleLeaf, &[features_digest, Fr::from(label)])
}

/// A Merkle node: circom's plain `Poseidon(2)(left, right)` (capacity 0).
///
/// Leaves and nodes are both width-3 permutations, but a leaf starts from the capacity
/// `tag(MerkleLeaf)·2^64 + 2 ≠ 0` and a node from 0, so a node equal to a leaf (for any
/// inputs, including the same pair) is a Poseidon collision on distinct states; a leaf cannot be
/// passed off as a node or the other way round. The other tagged digests (features, queries,
/// commitments) are separated from leaves by their own tags and from nodes by their non-zero
/// capacity in the same way. An unused leaf is the value 0 (no preimage is known, and none is
/// needed: the circuit only opens sampled records' leaves).
pub fn merkle_node(left: Fr, right: Fr) -> Fr {
    hash2(left, right)
}

/// The epoch's sample indices for one validator.
pub fn sample_indices(
    seed: &[u8; 32],
    hotkey: &[u8; 32],
    samples: usize,
    set_size: u64,
) -> Vec<u64> {
    (0..samples as u32)
        .map(|k| {
            let mut hasher = blake3::Hasher::new();
            hasher.update(b"zkyuma/sample/v1");
            hasher.update(seed);
            hasher.update(hotkey);
            hasher.update(&k.to_le_bytes());
            let h = hasher.finalize();
            let mut word = [0u8; 8];
            word.copy_from_slice(&h.as_bytes()[..8]);
            u64::from_le_bytes(word) % set_size.max(1)
        })
        .collect()
}

/// A Poseidon Merkle tree over `2^depth` leaves.
#[derive(Clone, Debug)]
pub struct MerkleTree {
    /// `levels[0]` are the leaves, `levels[depth]` the root alone.
    levels: Vec<Vec<Fr>>,
}

impl MerkleTree {
    /// Build the tree of `leaves` (at most `2^depth`; the rest are 0).
    pub fn new(leaves: &[Fr], depth: u32) -> Option<Self> {
        let width = 1usize.checked_shl(depth)?;
        if leaves.len() > width {
            return None;
        }
        let mut level = vec![Fr::zero(); width];
        level[..leaves.len()].copy_from_slice(leaves);
        let mut levels = vec![level];
        for _ in 0..depth {
            let prev = levels.last().map(Vec::as_slice).unwrap_or(&[]);
            let next: Vec<Fr> = prev.chunks(2).map(|p| merkle_node(p[0], p[1])).collect();
            levels.push(next);
        }
        Some(Self { levels })
    }

    /// The root.
    pub fn root(&self) -> Fr {
        self.levels
            .last()
            .and_then(|l| l.first())
            .copied()
            .unwrap_or_else(Fr::zero)
    }

    /// Depth of the tree.
    pub fn depth(&self) -> usize {
        self.levels.len() - 1
    }

    /// Sibling nodes from the leaf at `index` up to the root.
    pub fn path(&self, index: u64) -> Option<Vec<Fr>> {
        let mut i = usize::try_from(index).ok()?;
        if i >= self.levels[0].len() {
            return None;
        }
        let mut path = Vec::with_capacity(self.depth());
        for level in &self.levels[..self.depth()] {
            path.push(level[i ^ 1]);
            i >>= 1;
        }
        Some(path)
    }
}

/// The root a leaf and its path at `index` lead to.
pub fn merkle_root_from_path(leaf: Fr, index: u64, path: &[Fr]) -> Fr {
    let mut node = leaf;
    for (level, sibling) in path.iter().enumerate() {
        node = if (index >> level) & 1 == 0 {
            merkle_node(node, *sibling)
        } else {
            merkle_node(*sibling, node)
        };
    }
    node
}
