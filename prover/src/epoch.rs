//! Proving the epoch statement.

use crate::keys::{prove_compressed, setup, Keys, SetupKind};
use crate::ProverError;
use zkyuma_circuits::epoch::constraints::EpochCircuit;
use zkyuma_circuits::epoch::{circuit_id, EpochRound, EpochShape, EpochStatement, EpochWitness};

/// The params directory name of an epoch circuit: `epoch-<shape>`.
pub fn params_name(shape: &EpochShape) -> String {
    format!("epoch-{}", shape.name())
}

/// Setup for an epoch circuit of `shape`.
pub fn setup_epoch(shape: EpochShape, kind: SetupKind) -> Result<Keys, ProverError> {
    if shape.uids > zkyuma_circuits::epoch::MAX_UIDS || shape.validators > shape.uids {
        let (what, max, got) = if shape.uids > zkyuma_circuits::epoch::MAX_UIDS {
            ("epoch uids", zkyuma_circuits::epoch::MAX_UIDS, shape.uids)
        } else {
            ("epoch validator rows", shape.uids, shape.validators)
        };
        return Err(ProverError::TooLarge {
            what,
            max: max.into(),
            got: got.into(),
        });
    }
    setup(&circuit_id(&shape), EpochCircuit::blank(shape), kind)
}

/// An epoch proof with its statement.
#[derive(Clone, Debug)]
pub struct EpochProof {
    /// The public statement.
    pub statement: EpochStatement,
    /// Compressed Groth16 proof (128 bytes).
    pub proof: Vec<u8>,
}

/// Build the statement and witness of `round` from the native epoch, and prove.
pub fn prove_epoch(keys: &Keys, round: &EpochRound) -> Result<EpochProof, ProverError> {
    let id = circuit_id(&round.shape());
    if keys.description.circuit_id != id {
        return Err(ProverError::WrongCircuit {
            expected: id,
            found: keys.description.circuit_id.clone(),
        });
    }
    let (statement, witness) = round
        .build(keys.vk_hash())
        .map_err(|e| ProverError::Epoch(e.into()))?;
    let proof = prove_statement(keys, &statement, &witness)?;
    Ok(EpochProof { statement, proof })
}

/// Write the files snarkjs proves `round` from with the same key and witness
/// ([`crate::interop::write_snarkjs_files`]).
pub fn write_snarkjs_files(
    keys: &Keys,
    round: &EpochRound,
    dir: &std::path::Path,
) -> Result<(), ProverError> {
    let (statement, witness) = round
        .build(keys.vk_hash())
        .map_err(|e| ProverError::Epoch(e.into()))?;
    statement.check(&witness)?;
    let circuit = EpochCircuit::new(statement, witness)?;
    crate::interop::write_snarkjs_files(keys, circuit, dir)
}

/// Prove an epoch statement from its witness (the native check first; the circuit made from
/// both).
pub(crate) fn prove_statement(
    keys: &Keys,
    statement: &EpochStatement,
    witness: &EpochWitness,
) -> Result<Vec<u8>, ProverError> {
    statement.check(witness)?;
    let circuit = EpochCircuit::new(statement.clone(), witness.clone())?;
    prove_compressed(keys, circuit)
}
