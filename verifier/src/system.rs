//! The proof-system seam on the verifying side.
//!
//! [`Backend`] is what a proof system implements to verify zkyuma's statements: decode its keys
//! and proofs, hash a key, verify one proof or a batch for public inputs given as BN254 field
//! elements. [`Groth16`] is the first implementation. Callers (the chain, the auditor) hold a
//! [`StatementKey`] and a [`SystemProof`], both tagged with their [`ProofSystem`], and verify any
//! [`Statement`] through them: a proof is never checked with another system's key, and adding a
//! backend adds a variant here, not code in the callers.

use crate::{batch_verify, verify, PreparedVerifyingKey, Proof, VerifyError, VerifyingKey};
use alloc::string::ToString;
use alloc::vec::Vec;
use ark_bn254::Fr;
pub use zkyuma_circuits::statement::ProofSystem;
use zkyuma_circuits::statement::Statement;

/// What a proof system provides to verify statements.
pub trait Backend {
    /// The system's name tag.
    const SYSTEM: ProofSystem;
    /// A verifying key, decoded and prepared.
    type Key: Clone + core::fmt::Debug;
    /// A decoded proof.
    type Proof: Clone + core::fmt::Debug;

    /// Decode a verifying key for a circuit with `public_inputs` public inputs.
    fn decode_key(bytes: &[u8], public_inputs: usize) -> Result<Self::Key, VerifyError>;
    /// Decode a proof.
    fn decode_proof(bytes: &[u8]) -> Result<Self::Proof, VerifyError>;
    /// The key's identity (blake3 of its canonical bytes), as statements name it.
    fn key_hash(key: &Self::Key) -> [u8; 32];
    /// Verify one proof for `inputs`.
    fn verify(key: &Self::Key, inputs: &[Fr], proof: &Self::Proof) -> Result<(), VerifyError>;
    /// Verify many proofs under one key; on failure the first proof that fails alone is named.
    fn verify_batch(key: &Self::Key, items: &[(Vec<Fr>, Self::Proof)]) -> Result<(), VerifyError>;
}

/// Groth16 over BN254 (this crate's [`crate::verify`] and [`crate::batch_verify`]).
#[derive(Clone, Copy, Debug)]
pub struct Groth16;

impl Backend for Groth16 {
    const SYSTEM: ProofSystem = ProofSystem::Groth16;
    type Key = PreparedVerifyingKey;
    type Proof = Proof;

    fn decode_key(bytes: &[u8], public_inputs: usize) -> Result<Self::Key, VerifyError> {
        Ok(PreparedVerifyingKey::new(VerifyingKey::from_bytes(
            bytes,
            public_inputs,
        )?))
    }

    fn decode_proof(bytes: &[u8]) -> Result<Self::Proof, VerifyError> {
        Proof::from_bytes(bytes)
    }

    fn key_hash(key: &Self::Key) -> [u8; 32] {
        key.hash()
    }

    fn verify(key: &Self::Key, inputs: &[Fr], proof: &Self::Proof) -> Result<(), VerifyError> {
        verify(key, inputs, proof)
    }

    fn verify_batch(key: &Self::Key, items: &[(Vec<Fr>, Self::Proof)]) -> Result<(), VerifyError> {
        batch_verify(key, items)
    }
}

/// A proof as it travels: its proof system and its bytes in that system's encoding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SystemProof {
    /// The proof system that made it.
    pub system: ProofSystem,
    /// Its encoding.
    pub bytes: Vec<u8>,
}

impl SystemProof {
    /// A Groth16 proof.
    pub fn groth16(proof: &Proof) -> Self {
        Self {
            system: ProofSystem::Groth16,
            bytes: proof.to_bytes(),
        }
    }
}

/// A verifying key of some proof system, decoded and prepared.
#[derive(Clone, Debug)]
#[allow(clippy::large_enum_variant)] // a few keys, held for long: size does not matter here
pub enum StatementKey {
    /// Groth16.
    Groth16(<Groth16 as Backend>::Key),
    /// halo2, IPA or KZG (the key says which).
    #[cfg(feature = "halo2")]
    Halo2(crate::halo2::Halo2Key),
}

impl StatementKey {
    /// Decode `bytes` as a verifying key of `system` for a circuit with `public_inputs` inputs.
    pub fn from_bytes(
        system: ProofSystem,
        bytes: &[u8],
        public_inputs: usize,
    ) -> Result<Self, VerifyError> {
        match system {
            ProofSystem::Groth16 => Ok(Self::Groth16(Groth16::decode_key(bytes, public_inputs)?)),
            #[cfg(feature = "halo2")]
            ProofSystem::Halo2Ipa | ProofSystem::Halo2Kzg => Ok(Self::Halo2(
                crate::halo2::Halo2Key::from_bytes(system, bytes, public_inputs)?,
            )),
            #[cfg(not(feature = "halo2"))]
            ProofSystem::Halo2Ipa | ProofSystem::Halo2Kzg => Err(VerifyError::NotBuilt(system)),
        }
    }

    /// The key's proof system.
    pub fn system(&self) -> ProofSystem {
        match self {
            Self::Groth16(_) => Groth16::SYSTEM,
            #[cfg(feature = "halo2")]
            Self::Halo2(k) => k.system(),
        }
    }

    /// The key's identity (what a statement's `vk_hash` must equal).
    pub fn hash(&self) -> [u8; 32] {
        match self {
            Self::Groth16(k) => Groth16::key_hash(k),
            #[cfg(feature = "halo2")]
            Self::Halo2(k) => k.hash(),
        }
    }

    fn same_system(&self, proof: &SystemProof) -> Result<(), VerifyError> {
        if proof.system != self.system() {
            return Err(VerifyError::SystemMismatch {
                expected: self.system(),
                got: proof.system,
            });
        }
        Ok(())
    }

    /// The statement's public inputs, once it is well-formed and names this key.
    fn inputs<S: Statement>(&self, statement: &S) -> Result<Vec<Fr>, VerifyError> {
        statement
            .validate()
            .map_err(|e| VerifyError::Statement(e.to_string()))?;
        if statement.vk_hash() != self.hash() {
            return Err(VerifyError::VkMismatch);
        }
        Ok(statement.public_inputs())
    }

    /// Verify a proof of `statement`: the proof is of this key's system, the statement is
    /// well-formed and names this key, and the proof verifies for its recomputed public inputs.
    pub fn verify<S: Statement>(
        &self,
        statement: &S,
        proof: &SystemProof,
    ) -> Result<(), VerifyError> {
        self.same_system(proof)?;
        let inputs = self.inputs(statement)?;
        match self {
            Self::Groth16(k) => Groth16::verify(k, &inputs, &Groth16::decode_proof(&proof.bytes)?),
            #[cfg(feature = "halo2")]
            Self::Halo2(k) => k.verify(&inputs, &proof.bytes),
        }
    }

    /// Verify many proofs of one circuit at once.
    pub fn verify_batch<S: Statement + Sync>(
        &self,
        items: &[(&S, &SystemProof)],
    ) -> Result<(), VerifyError> {
        for (_, p) in items {
            self.same_system(p)?;
        }
        let inputs = |(s, _): &(&S, &SystemProof)| self.inputs(*s);
        #[cfg(feature = "parallel")]
        let inputs: Vec<Vec<Fr>> = {
            use rayon::prelude::*;
            items.par_iter().map(inputs).collect::<Result<_, _>>()?
        };
        #[cfg(not(feature = "parallel"))]
        let inputs: Vec<Vec<Fr>> = items.iter().map(inputs).collect::<Result<_, _>>()?;
        match self {
            Self::Groth16(k) => {
                let mut batch = Vec::with_capacity(items.len());
                for (i, (_, p)) in inputs.into_iter().zip(items) {
                    batch.push((i, Groth16::decode_proof(&p.bytes)?));
                }
                Groth16::verify_batch(k, &batch)
            }
            #[cfg(feature = "halo2")]
            Self::Halo2(k) => {
                if items.is_empty() {
                    return Err(VerifyError::EmptyBatch);
                }
                // halo2 proofs are verified one by one (no batching across proofs yet).
                for (index, (i, (_, p))) in inputs.iter().zip(items).enumerate() {
                    k.verify(i, &p.bytes).map_err(|e| match e {
                        VerifyError::Rejected => VerifyError::BatchRejected { index },
                        other => other,
                    })?;
                }
                Ok(())
            }
        }
    }
}
