//! The proof-system seam on the proving side.
//!
//! A [`StatementProver`] proves one statement kind with one proof system's keys; callers (the
//! validator, the epoch prover) hold it as `Arc<dyn StatementProver<S>>` and never see the
//! proof system's types. [`Groth16Score`] and [`Groth16Epoch`] are the Groth16 implementations;
//! [`load_score_prover`] and [`load_epoch_prover`] open a circuit's keys for a named
//! [`ProofSystem`] — the one place a second proof system is registered.

use crate::keys::{KeyPaths, Keys};
use crate::ProverError;
use std::sync::Arc;
use zkyuma_circuits::epoch::{EpochShape, EpochStatement};
use zkyuma_circuits::score::{ScoreShape, ScoreStatement};
use zkyuma_circuits::scoring::{Scoring, ScoringFunction, ScoringGadget};
use zkyuma_circuits::statement::{ProofSystem, Statement};

/// Proves statements of kind `S` with one circuit's keys.
pub trait StatementProver<S: Statement>: Send + Sync {
    /// The proof system.
    fn system(&self) -> ProofSystem;
    /// The circuit the keys are for.
    fn circuit_id(&self) -> &str;
    /// The verifying key, in the proof system's encoding.
    fn vk_bytes(&self) -> Vec<u8>;
    /// The verifying key's identity (what statements name).
    fn vk_hash(&self) -> [u8; 32];
    /// Prove `statement` from `witness`: refused unless the statement names this circuit and
    /// key and the native check holds; the proof is checked against the key before it is
    /// returned.
    fn prove(&self, statement: &S, witness: &S::Witness) -> Result<Vec<u8>, ProverError>;
}

fn check_names<S: Statement>(keys: &Keys, statement: &S) -> Result<(), ProverError> {
    if statement.circuit_id() != keys.description.circuit_id {
        return Err(ProverError::WrongCircuit {
            expected: statement.circuit_id(),
            found: keys.description.circuit_id.clone(),
        });
    }
    if statement.vk_hash() != keys.vk_hash() {
        return Err(ProverError::WrongCircuit {
            expected: format!("the key {}", hex32(&statement.vk_hash())),
            found: format!("the key {}", hex32(&keys.vk_hash())),
        });
    }
    Ok(())
}

fn hex32(b: &[u8; 32]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The key accessors of a Groth16 statement prover (a `keys: Arc<Keys>` field).
macro_rules! groth16_keys {
    () => {
        fn system(&self) -> ProofSystem {
            ProofSystem::Groth16
        }

        fn circuit_id(&self) -> &str {
            &self.keys.description.circuit_id
        }

        fn vk_bytes(&self) -> Vec<u8> {
            self.keys.vk_bytes()
        }

        fn vk_hash(&self) -> [u8; 32] {
            self.keys.vk_hash()
        }
    };
}

/// Groth16 score proofs with a scoring function's R1CS twin.
pub struct Groth16Score<G> {
    keys: Arc<Keys>,
    scoring: G,
}

impl<G: ScoringGadget + Clone> Groth16Score<G> {
    /// Prove with `keys` (made for `scoring`'s circuit).
    pub fn new(keys: Arc<Keys>, scoring: G) -> Self {
        Self { keys, scoring }
    }
}

impl<G: ScoringGadget + Clone + Send + Sync> StatementProver<ScoreStatement> for Groth16Score<G> {
    groth16_keys!();

    fn prove(
        &self,
        statement: &ScoreStatement,
        witness: &<ScoreStatement as Statement>::Witness,
    ) -> Result<Vec<u8>, ProverError> {
        check_names(&self.keys, statement)?;
        crate::score::prove_statement(&self.keys, &self.scoring, statement, witness)
    }
}

/// Groth16 epoch proofs.
pub struct Groth16Epoch {
    keys: Arc<Keys>,
}

impl Groth16Epoch {
    /// Prove with `keys` (made for an epoch circuit).
    pub fn new(keys: Arc<Keys>) -> Self {
        Self { keys }
    }
}

impl StatementProver<EpochStatement> for Groth16Epoch {
    groth16_keys!();

    fn prove(
        &self,
        statement: &EpochStatement,
        witness: &<EpochStatement as Statement>::Witness,
    ) -> Result<Vec<u8>, ProverError> {
        check_names(&self.keys, statement)?;
        crate::epoch::prove_statement(&self.keys, statement, witness)
    }
}

/// A score prover for `system` from the keys at `paths` (checked against the circuit that
/// `scoring` and `shape` name).
pub fn load_score_prover(
    system: ProofSystem,
    paths: &KeyPaths,
    scoring: Scoring,
    shape: &ScoreShape,
) -> Result<Arc<dyn StatementProver<ScoreStatement>>, ProverError> {
    let id = zkyuma_circuits::score::circuit_id(&scoring.id(), shape);
    match system {
        ProofSystem::Groth16 => Ok(Arc::new(Groth16Score::new(
            Arc::new(paths.load(&id)?),
            scoring,
        ))),
        ProofSystem::Halo2Ipa | ProofSystem::Halo2Kzg => Err(halo2_not_on_disk(system)),
    }
}

/// An epoch prover for `system` from the keys at `paths` (checked against `shape`'s circuit).
pub fn load_epoch_prover(
    system: ProofSystem,
    paths: &KeyPaths,
    shape: &EpochShape,
) -> Result<Arc<dyn StatementProver<EpochStatement>>, ProverError> {
    let id = zkyuma_circuits::epoch::circuit_id(shape);
    match system {
        ProofSystem::Groth16 => Ok(Arc::new(Groth16Epoch::new(Arc::new(paths.load(&id)?)))),
        ProofSystem::Halo2Ipa | ProofSystem::Halo2Kzg => Err(halo2_not_on_disk(system)),
    }
}

fn halo2_not_on_disk(system: ProofSystem) -> ProverError {
    ProverError::Synthesis {
        what: format!("{system} keys are not read from key files yet"),
    }
}
