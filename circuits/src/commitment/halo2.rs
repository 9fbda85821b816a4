//! Commitments, digests and Merkle paths as halo2 chips, the twins of `constraints.rs`: the same
//! packing and the same Poseidon inputs, so the same values come out.

use super::U16_PER_ELEMENT;
use crate::halo2::arith::{linear, mul, weighted_sum};
use crate::halo2::{Fp, Rows, Wire};
use crate::poseidon::halo2::{hash2, hash_many};
use crate::poseidon::Domain;
use halo2_axiom::halo2curves::ff::Field;
use halo2_axiom::plonk::Error;

/// `Σ v_i·2^(bits·i)`, `per_element` values to an element (injective only for values the
/// caller has range-checked below `2^bits`). Twin of `pack_le_vars`.
pub fn pack(
    rows: &mut Rows<'_, '_>,
    values: &[Wire],
    bits: u32,
    per_element: usize,
) -> Result<Vec<Wire>, Error> {
    values
        .chunks(per_element)
        .map(|chunk| {
            let shifts: Vec<Fp> = (0..chunk.len())
                .map(|i| Fp::from(2).pow([u64::from(bits) * i as u64]))
                .collect();
            let terms: Vec<(Fp, &Wire)> = shifts.iter().copied().zip(chunk).collect();
            weighted_sum(rows, &terms, Fp::ZERO)
        })
        .collect()
}

/// u16 values packed 15 to an element.
pub fn pack_u16(rows: &mut Rows<'_, '_>, values: &[Wire]) -> Result<Vec<Wire>, Error> {
    pack(rows, values, 16, U16_PER_ELEMENT)
}

/// `hash_many(domain, pack(values) ‖ blinding)`: a miner's outputs or a hidden weight row.
pub fn u16_commitment(
    rows: &mut Rows<'_, '_>,
    domain: Domain,
    values: &[Wire],
    blinding: &Wire,
) -> Result<Wire, Error> {
    let mut elements = pack_u16(rows, values)?;
    elements.push(*blinding);
    hash_many(rows, domain, &elements)
}

/// The public-mode weights input, `hash_many(PublicWeights, pack(row))`.
pub fn public_weights_digest(rows: &mut Rows<'_, '_>, values: &[Wire]) -> Result<Wire, Error> {
    let elements = pack_u16(rows, values)?;
    hash_many(rows, Domain::PublicWeights, &elements)
}

/// The query digest of the sampled records' features digests.
pub fn query_digest(rows: &mut Rows<'_, '_>, features: &[Wire]) -> Result<Wire, Error> {
    hash_many(rows, Domain::Queries, features)
}

/// An evaluation-set leaf `[features_digest, label]`.
pub fn record_leaf(rows: &mut Rows<'_, '_>, features: &Wire, label: &Wire) -> Result<Wire, Error> {
    hash_many(rows, Domain::MerkleLeaf, &[*features, *label])
}

/// The root a leaf reaches along `path` at the index whose little-endian bits (boolean cells)
/// are `index_bits`: at each level `(left, right) = bit ? (sibling, node) : (node, sibling)`,
/// then `Poseidon(2)(left, right)`.
pub fn merkle_root(
    rows: &mut Rows<'_, '_>,
    leaf: &Wire,
    index_bits: &[Wire],
    path: &[Wire],
) -> Result<Wire, Error> {
    let mut node = *leaf;
    for (bit, sibling) in index_bits.iter().zip(path) {
        let diff = linear(rows, &[(Fp::ONE, sibling), (-Fp::ONE, &node)], Fp::ZERO)?;
        let swing = mul(rows, bit, &diff)?;
        let left = linear(rows, &[(Fp::ONE, &node), (Fp::ONE, &swing)], Fp::ZERO)?;
        let right = linear(rows, &[(Fp::ONE, sibling), (-Fp::ONE, &swing)], Fp::ZERO)?;
        node = hash2(rows, &left, &right)?;
    }
    Ok(node)
}
