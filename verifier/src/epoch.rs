//! Verifying epoch proofs against the statement the verifier holds.

use crate::{verify, PreparedVerifyingKey, Proof, VerifyError};
use alloc::string::ToString;
use zkyuma_circuits::epoch::EpochStatement;

/// Verify an epoch proof: the statement is well-formed, names this key, and the proof verifies
/// for its recomputed public digest.
pub fn verify_epoch(
    pvk: &PreparedVerifyingKey,
    statement: &EpochStatement,
    proof: &Proof,
) -> Result<(), VerifyError> {
    statement
        .validate()
        .map_err(|e| VerifyError::Statement(e.to_string()))?;
    if statement.chain.vk_hash != pvk.hash() {
        return Err(VerifyError::VkMismatch);
    }
    verify(pvk, &[statement.public_digest()], proof)
}
