//! Proving the score statement.

use crate::keys::{prove_compressed, setup, Keys, SetupKind};
use crate::ProverError;
use zkyuma_circuits::score::constraints::ScoreCircuit;
use zkyuma_circuits::score::{
    circuit_id, evaluate, ScoreEvaluation, ScoreRound, ScoreShape, ScoreStatement, ScoreWitness,
};
use zkyuma_circuits::scoring::{ScoringFunction, ScoringGadget};

/// The params directory name of a score circuit: `score-<scoring>-<shape>`.
pub fn params_name(scoring: &impl ScoringFunction, shape: &ScoreShape) -> String {
    format!("score-{}-{}", scoring.id(), shape.name())
}

/// Setup for a score circuit of `shape`.
pub fn setup_score<S: ScoringGadget + Clone>(
    scoring: S,
    shape: ScoreShape,
    kind: SetupKind,
) -> Result<Keys, ProverError> {
    shape.validate()?;
    let id = circuit_id(&scoring.id(), &shape);
    setup(&id, ScoreCircuit::blank(scoring, shape), kind)
}

/// A proof with the statement it proves.
#[derive(Clone, Debug)]
pub struct ScoreProof {
    /// The public statement.
    pub statement: ScoreStatement,
    /// Compressed Groth16 proof (128 bytes).
    pub proof: Vec<u8>,
    /// Scores and row (private to the validator).
    pub evaluation: ScoreEvaluation,
}

/// Build the statement and witness of `round`, check them natively, and prove.
pub fn prove_score<S: ScoringGadget + Clone>(
    keys: &Keys,
    scoring: S,
    round: &ScoreRound,
) -> Result<ScoreProof, ProverError> {
    let shape = round.shape();
    let id = circuit_id(&scoring.id(), &shape);
    if keys.description.circuit_id != id {
        return Err(ProverError::WrongCircuit {
            expected: id,
            found: keys.description.circuit_id.clone(),
        });
    }
    let (statement, witness, evaluation) = round.build(&scoring, keys.vk_hash())?;
    let proof = prove_statement(keys, &scoring, &statement, &witness)?;
    Ok(ScoreProof {
        statement,
        proof,
        evaluation,
    })
}

/// Write the files snarkjs proves `round` from with the same key and witness
/// ([`crate::interop::write_snarkjs_files`]).
pub fn write_snarkjs_files<S: ScoringGadget + Clone>(
    keys: &Keys,
    scoring: S,
    round: &ScoreRound,
    dir: &std::path::Path,
) -> Result<(), ProverError> {
    let (statement, witness, _) = round.build(&scoring, keys.vk_hash())?;
    evaluate(&statement, &witness, &scoring)?;
    let circuit = ScoreCircuit {
        statement,
        witness,
        scoring,
    };
    crate::interop::write_snarkjs_files(keys, circuit, dir)
}

/// Prove a score statement from its witness (the native check first).
pub(crate) fn prove_statement<S: ScoringGadget + Clone>(
    keys: &Keys,
    scoring: &S,
    statement: &ScoreStatement,
    witness: &ScoreWitness,
) -> Result<Vec<u8>, ProverError> {
    // The native reference accepts; the circuit enforces the same rules.
    evaluate(statement, witness, scoring)?;
    let circuit = ScoreCircuit {
        statement: statement.clone(),
        witness: witness.clone(),
        scoring: scoring.clone(),
    };
    prove_compressed(keys, circuit)
}
