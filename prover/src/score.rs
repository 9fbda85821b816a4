//! Proving the score statement.

use crate::keys::{prove_compressed, setup, Keys, SetupKind};
use crate::ProverError;
use zkyuma_circuits::score::constraints::ScoreCircuit;
use zkyuma_circuits::score::{
    circuit_id, evaluate, ScoreEvaluation, ScoreRound, ScoreShape, ScoreStatement,
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
    // The native reference accepted; the circuit enforces the same rules.
    evaluate(&statement, &witness, &scoring)?;
    let circuit = ScoreCircuit {
        statement: statement.clone(),
        witness,
        scoring,
    };
    Ok(ScoreProof {
        statement,
        proof: prove_compressed(keys, circuit)?,
        evaluation,
    })
}
