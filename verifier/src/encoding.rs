//! Canonical byte encodings of Groth16 proofs and verifying keys (compressed arkworks encoding,
//! byte-compatible with `ark-groth16`'s types).

use crate::VerifyError;
use alloc::vec::Vec;
use ark_bn254::{G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};

/// A compressed proof is exactly 128 bytes: `a` (G1, 32) ‖ `b` (G2, 64) ‖ `c` (G1, 32).
pub const PROOF_BYTES: usize = 128;
const G1_BYTES: usize = 32;
const G2_BYTES: usize = 64;

/// A Groth16 proof over BN254.
#[derive(Clone, Copy, Debug, PartialEq, Eq, CanonicalSerialize, CanonicalDeserialize)]
pub struct Proof {
    /// `A ∈ G1`.
    pub a: G1Affine,
    /// `B ∈ G2`.
    pub b: G2Affine,
    /// `C ∈ G1`.
    pub c: G1Affine,
}

impl Proof {
    /// Decode 128 compressed bytes, checking curve and subgroup membership and rejecting
    /// identity points.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, VerifyError> {
        if bytes.len() != PROOF_BYTES {
            return Err(VerifyError::Length {
                what: "proof",
                expected: PROOF_BYTES,
                got: bytes.len(),
            });
        }
        let proof = Self::deserialize_with_mode(bytes, Compress::Yes, Validate::Yes)
            .map_err(|_| VerifyError::Encoding { what: "proof" })?;
        // One encoding per proof: the point decoder ignores the coordinate bytes of a point
        // flagged as the identity, so the canonical re-encoding must be what was given.
        if proof.to_bytes() != bytes {
            return Err(VerifyError::Encoding { what: "proof" });
        }
        for (element, zero) in [
            ("a", proof.a.is_zero()),
            ("b", proof.b.is_zero()),
            ("c", proof.c.is_zero()),
        ] {
            if zero {
                return Err(VerifyError::IdentityPoint { element });
            }
        }
        Ok(proof)
    }

    /// The 128-byte compressed encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(PROOF_BYTES);
        // Serializing valid points into a Vec cannot fail.
        let _ = self.serialize_compressed(&mut out);
        out
    }
}

/// A Groth16 verifying key over BN254 (field order as `ark-groth16`).
#[derive(Clone, Debug, PartialEq, Eq, CanonicalSerialize, CanonicalDeserialize)]
pub struct VerifyingKey {
    /// `α ∈ G1`.
    pub alpha_g1: G1Affine,
    /// `β ∈ G2`.
    pub beta_g2: G2Affine,
    /// `γ ∈ G2`.
    pub gamma_g2: G2Affine,
    /// `δ ∈ G2`.
    pub delta_g2: G2Affine,
    /// `[IC_0, …, IC_n]` for `n` public inputs.
    pub gamma_abc_g1: Vec<G1Affine>,
}

impl VerifyingKey {
    /// Decode a compressed verifying key, checking its exact length, every point, and that it
    /// takes `public_inputs` inputs.
    pub fn from_bytes(bytes: &[u8], public_inputs: usize) -> Result<Self, VerifyError> {
        let expected = G1_BYTES + 3 * G2_BYTES + 8 + (public_inputs + 1) * G1_BYTES;
        if bytes.len() != expected {
            return Err(VerifyError::Length {
                what: "verifying key",
                expected,
                got: bytes.len(),
            });
        }
        let vk =
            Self::deserialize_with_mode(bytes, Compress::Yes, Validate::Yes).map_err(|_| {
                VerifyError::Encoding {
                    what: "verifying key",
                }
            })?;
        // One encoding per key (found by fuzzing: a point flagged as the identity decodes
        // whatever its coordinate bytes, so one key had many encodings and `vk_hash`, taken over
        // the canonical one, named bytes nobody registered).
        if vk.to_bytes() != bytes {
            return Err(VerifyError::Encoding {
                what: "verifying key",
            });
        }
        if vk.gamma_abc_g1.len() != public_inputs + 1 {
            return Err(VerifyError::PublicInputs {
                expected: vk.gamma_abc_g1.len().saturating_sub(1),
                got: public_inputs,
            });
        }
        Ok(vk)
    }

    /// The compressed encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let _ = self.serialize_compressed(&mut out);
        out
    }

    /// blake3 of the compressed encoding: the `vk_hash` statements name.
    pub fn hash(&self) -> [u8; 32] {
        *blake3::hash(&self.to_bytes()).as_bytes()
    }
}
