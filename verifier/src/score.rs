//! Verifying score proofs against the statement the verifier holds.

use crate::{batch_verify, verify, PreparedVerifyingKey, Proof, VerifyError};
use alloc::string::ToString;
use alloc::vec::Vec;
use zkyuma_circuits::score::ScoreStatement;

fn prepare_inputs(
    pvk: &PreparedVerifyingKey,
    statement: &ScoreStatement,
) -> Result<Vec<ark_bn254::Fr>, VerifyError> {
    statement
        .validate()
        .map_err(|e| VerifyError::Statement(e.to_string()))?;
    if statement.vk_hash != pvk.hash() {
        return Err(VerifyError::VkMismatch);
    }
    Ok(statement.public_inputs())
}

/// Verify a score proof: the statement is well-formed, names this key, and the proof verifies
/// for its recomputed public digest.
pub fn verify_score(
    pvk: &PreparedVerifyingKey,
    statement: &ScoreStatement,
    proof: &Proof,
) -> Result<(), VerifyError> {
    let inputs = prepare_inputs(pvk, statement)?;
    verify(pvk, &inputs, proof)
}

/// Verify many score proofs of one circuit at once.
pub fn verify_score_batch(
    pvk: &PreparedVerifyingKey,
    items: &[(ScoreStatement, Proof)],
) -> Result<(), VerifyError> {
    let prepare = |(s, p): &(ScoreStatement, Proof)| prepare_inputs(pvk, s).map(|i| (i, *p));
    #[cfg(feature = "parallel")]
    let prepared = {
        use rayon::prelude::*;
        items
            .par_iter()
            .map(prepare)
            .collect::<Result<Vec<_>, _>>()?
    };
    #[cfg(not(feature = "parallel"))]
    let prepared = items.iter().map(prepare).collect::<Result<Vec<_>, _>>()?;
    batch_verify(pvk, &prepared)
}
