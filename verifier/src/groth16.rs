//! Groth16 verification on BN254, single and batched.
//!
//! A proof `(A, B, C)` for public inputs `x` verifies when
//! `e(A, B) · e(IC(x), −γ) · e(C, −δ) = e(α, β)` with `IC(x) = IC_0 + Σ x_i IC_i`.
//! A batch of `n` proofs is checked with one multi-pairing of `n + 2` pairs and one final
//! exponentiation: with 128-bit scalars `r_j` derived by blake3 from the whole batch,
//! `Π e(r_j A_j, B_j) · e(Σ r_j IC(x_j), −γ) · e(Σ r_j C_j, −δ) = e(α, β)^{Σ r_j}`.
//! A false proof passes only with probability about `2^-128`.

use crate::{Proof, VerifyError, VerifyingKey};
use alloc::vec::Vec;
use ark_bn254::{Bn254, Fr, G1Projective, G2Affine};
use ark_ec::pairing::{Pairing, PairingOutput};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{PrimeField, Zero};
use ark_serialize::CanonicalSerialize;

/// A verifying key with its pairing-friendly precomputations.
#[derive(Clone, Debug)]
pub struct PreparedVerifyingKey {
    /// The key.
    pub vk: VerifyingKey,
    alpha_beta: PairingOutput<Bn254>,
    neg_gamma: <Bn254 as Pairing>::G2Prepared,
    neg_delta: <Bn254 as Pairing>::G2Prepared,
    hash: [u8; 32],
}

impl PreparedVerifyingKey {
    /// Prepare a key.
    pub fn new(vk: VerifyingKey) -> Self {
        let alpha_beta = Bn254::pairing(vk.alpha_g1, vk.beta_g2);
        let neg =
            |p: G2Affine| <Bn254 as Pairing>::G2Prepared::from((-p.into_group()).into_affine());
        Self {
            alpha_beta,
            neg_gamma: neg(vk.gamma_g2),
            neg_delta: neg(vk.delta_g2),
            hash: vk.hash(),
            vk,
        }
    }

    /// blake3 of the key's compressed encoding.
    pub fn hash(&self) -> [u8; 32] {
        self.hash
    }

    fn check_inputs(&self, inputs: &[Fr]) -> Result<(), VerifyError> {
        let expected = self.vk.gamma_abc_g1.len().saturating_sub(1);
        if inputs.len() != expected {
            return Err(VerifyError::PublicInputs {
                expected,
                got: inputs.len(),
            });
        }
        Ok(())
    }

    fn input_commitment(&self, inputs: &[Fr]) -> G1Projective {
        let mut acc = self.vk.gamma_abc_g1[0].into_group();
        for (x, base) in inputs.iter().zip(&self.vk.gamma_abc_g1[1..]) {
            acc += base.mul_bigint(x.into_bigint());
        }
        acc
    }
}

/// Verify one proof.
pub fn verify(pvk: &PreparedVerifyingKey, inputs: &[Fr], proof: &Proof) -> Result<(), VerifyError> {
    pvk.check_inputs(inputs)?;
    let ic = pvk.input_commitment(inputs).into_affine();
    let lhs = Bn254::multi_pairing(
        [
            <Bn254 as Pairing>::G1Prepared::from(proof.a),
            ic.into(),
            proof.c.into(),
        ],
        [
            <Bn254 as Pairing>::G2Prepared::from(proof.b),
            pvk.neg_gamma.clone(),
            pvk.neg_delta.clone(),
        ],
    );
    if lhs == pvk.alpha_beta {
        Ok(())
    } else {
        Err(VerifyError::Rejected)
    }
}

/// The batch's random scalars: blake3 (extendable output) over the key hash, every input and
/// every proof, read as 128-bit integers.
fn batch_scalars(pvk: &PreparedVerifyingKey, items: &[(Vec<Fr>, Proof)]) -> Vec<Fr> {
    let mut hasher = blake3::Hasher::new();
    hasher.update(b"zkyuma/batch-verify/v1");
    hasher.update(&pvk.hash);
    let mut buf = Vec::new();
    for (inputs, proof) in items {
        buf.clear();
        let _ = inputs.serialize_compressed(&mut buf);
        let _ = proof.serialize_compressed(&mut buf);
        hasher.update(&buf);
    }
    let mut reader = hasher.finalize_xof();
    (0..items.len())
        .map(|_| {
            let mut word = [0u8; 16];
            reader.fill(&mut word);
            Fr::from(u128::from_le_bytes(word) | 1)
        })
        .collect()
}

/// Verify many proofs under one key at once. On failure, the first proof that fails on its own
/// is named.
pub fn batch_verify(
    pvk: &PreparedVerifyingKey,
    items: &[(Vec<Fr>, Proof)],
) -> Result<(), VerifyError> {
    if items.is_empty() {
        return Err(VerifyError::EmptyBatch);
    }
    for (inputs, _) in items {
        pvk.check_inputs(inputs)?;
    }
    let r = batch_scalars(pvk, items);
    let mut g1 = Vec::with_capacity(items.len() + 2);
    let mut g2 = Vec::with_capacity(items.len() + 2);
    let mut ic_sum = G1Projective::zero();
    let mut c_sum = G1Projective::zero();
    let mut r_sum = Fr::zero();
    for ((inputs, proof), r) in items.iter().zip(&r) {
        let rb = r.into_bigint();
        g1.push(<Bn254 as Pairing>::G1Prepared::from(
            proof.a.mul_bigint(rb).into_affine(),
        ));
        g2.push(<Bn254 as Pairing>::G2Prepared::from(proof.b));
        ic_sum += pvk.input_commitment(inputs) * r;
        c_sum += proof.c.mul_bigint(rb);
        r_sum += r;
    }
    g1.push(ic_sum.into_affine().into());
    g2.push(pvk.neg_gamma.clone());
    g1.push(c_sum.into_affine().into());
    g2.push(pvk.neg_delta.clone());
    let lhs = Bn254::multi_pairing(g1, g2);
    if lhs == pvk.alpha_beta * r_sum {
        return Ok(());
    }
    for (index, (inputs, proof)) in items.iter().enumerate() {
        if verify(pvk, inputs, proof).is_err() {
            return Err(VerifyError::BatchRejected { index });
        }
    }
    Err(VerifyError::Rejected)
}
