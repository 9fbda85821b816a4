//! Commitment openings in R1CS, beside their native rules in the parent module.

use super::U16_PER_ELEMENT;
use crate::poseidon::constraints::{hash2, hash_many};
use crate::poseidon::Domain;
use alloc::vec::Vec;
use ark_bn254::Fr;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::select::CondSelectGadget;
use ark_relations::gr1cs::SynthesisError;

/// Pack range-checked u16 values 15 to an element (linear: no constraint). Injective only because
/// every value is range-checked to 16 bits by the caller.
pub fn pack_u16(values: &[FpVar<Fr>]) -> Vec<FpVar<Fr>> {
    crate::gadgets::pack_le_vars(values, 16, U16_PER_ELEMENT)
}

/// [`super::u16_commitment`]: the commitment to range-checked u16 values with a blinding (miner
/// outputs, weight rows, bonds; the domain says which).
pub fn u16_commitment(
    domain: Domain,
    values: &[FpVar<Fr>],
    blinding: &FpVar<Fr>,
) -> Result<FpVar<Fr>, SynthesisError> {
    let mut elements = pack_u16(values);
    elements.push(blinding.clone());
    hash_many(domain, &elements)
}

/// [`super::public_weights_digest`] of range-checked u16 values.
pub fn public_weights_digest(values: &[FpVar<Fr>]) -> Result<FpVar<Fr>, SynthesisError> {
    hash_many(Domain::PublicWeights, &pack_u16(values))
}

/// [`super::query_digest`] of the sampled features digests.
pub fn query_digest(features_digests: &[FpVar<Fr>]) -> Result<FpVar<Fr>, SynthesisError> {
    hash_many(Domain::Queries, features_digests)
}

/// [`super::record_leaf`]: `hash_many(MerkleLeaf, [features_digest, label])`.
pub fn record_leaf(
    features_digest: &FpVar<Fr>,
    label: &FpVar<Fr>,
) -> Result<FpVar<Fr>, SynthesisError> {
    hash_many(
        Domain::MerkleLeaf,
        &[features_digest.clone(), label.clone()],
    )
}

/// [`super::merkle_node`]: the plain `Poseidon(2)(left, right)`.
pub fn merkle_node(left: &FpVar<Fr>, right: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
    hash2(left, right)
}

/// The root reached from `leaf` along `path`, turning left or right by the index bits
/// (little-endian, one per level): 2 selections and one [`merkle_node`] per level.
pub fn merkle_root(
    leaf: &FpVar<Fr>,
    index_bits: &[Boolean<Fr>],
    path: &[FpVar<Fr>],
) -> Result<FpVar<Fr>, SynthesisError> {
    let mut node = leaf.clone();
    for (bit, sibling) in index_bits.iter().zip(path) {
        let left = FpVar::conditionally_select(bit, sibling, &node)?;
        let right = FpVar::conditionally_select(bit, &node, sibling)?;
        node = merkle_node(&left, &right)?;
    }
    Ok(node)
}
