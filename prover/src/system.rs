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

/// halo2 score proofs (IPA or KZG, as the keys are) with a scoring function's halo2 chip.
pub struct Halo2Score<S> {
    keys: Arc<crate::halo2::Halo2Keys>,
    circuit_id: String,
    scoring: S,
    limb_bits: usize,
}

impl<S: zkyuma_circuits::scoring::halo2::ScoringChip + Clone> Halo2Score<S> {
    /// Prove with `keys` (made for `scoring`'s circuit of `shape`, range tables of
    /// `limb_bits`-bit limbs).
    pub fn new(
        keys: Arc<crate::halo2::Halo2Keys>,
        scoring: S,
        shape: &ScoreShape,
        limb_bits: usize,
    ) -> Self {
        Self {
            circuit_id: zkyuma_circuits::score::circuit_id(&scoring.id(), shape),
            keys,
            scoring,
            limb_bits,
        }
    }
}

/// The key accessors of a halo2 statement prover (`keys: Arc<Halo2Keys>` and `circuit_id`
/// fields).
macro_rules! halo2_keys {
    () => {
        fn system(&self) -> ProofSystem {
            self.keys.verifying_key().system()
        }

        fn circuit_id(&self) -> &str {
            &self.circuit_id
        }

        fn vk_bytes(&self) -> Vec<u8> {
            self.keys.verifying_key().to_bytes()
        }

        fn vk_hash(&self) -> [u8; 32] {
            self.keys.verifying_key().hash()
        }
    };
}

/// Refuse a statement that names another circuit or key than a halo2 prover's.
fn check_halo2_names<S: Statement>(
    circuit_id: &str,
    vk_hash: [u8; 32],
    statement: &S,
) -> Result<(), ProverError> {
    if statement.circuit_id() != circuit_id {
        return Err(ProverError::WrongCircuit {
            expected: statement.circuit_id(),
            found: circuit_id.to_string(),
        });
    }
    if statement.vk_hash() != vk_hash {
        return Err(ProverError::WrongCircuit {
            expected: format!("the key {}", hex32(&statement.vk_hash())),
            found: format!("the key {}", hex32(&vk_hash)),
        });
    }
    Ok(())
}

impl<S: zkyuma_circuits::scoring::halo2::ScoringChip + Clone + Send + Sync>
    StatementProver<ScoreStatement> for Halo2Score<S>
{
    halo2_keys!();

    fn prove(
        &self,
        statement: &ScoreStatement,
        witness: &<ScoreStatement as Statement>::Witness,
    ) -> Result<Vec<u8>, ProverError> {
        check_halo2_names(&self.circuit_id, self.vk_hash(), statement)?;
        // The native reference accepts; the circuit enforces the same rules.
        zkyuma_circuits::score::evaluate(statement, witness, &self.scoring)?;
        let circuit = zkyuma_circuits::score::halo2::ScoreHalo2 {
            limb_bits: self.limb_bits,
            ..zkyuma_circuits::score::halo2::ScoreHalo2::new(
                statement.clone(),
                witness.clone(),
                self.scoring.clone(),
            )
        };
        self.keys.prove(circuit, &statement.public_inputs())
    }
}

/// A halo2 score prover from the key directory `params/<name>.<system>/`: the keys are
/// regenerated from `setup` and must be that directory's (see [`crate::halo2::Halo2Keys::load`]).
pub fn load_halo2_score_prover(
    params_root: &std::path::Path,
    setup: &crate::halo2::Halo2Setup,
    scoring: Scoring,
    shape: &ScoreShape,
) -> Result<Arc<dyn StatementProver<ScoreStatement>>, ProverError> {
    let system = setup.scheme().system();
    let name = crate::halo2::params_name(&crate::score::params_name(&scoring, shape), system);
    let paths = KeyPaths::new(params_root, params_root, &name);
    let description = crate::halo2::load_description(&paths)?;
    let blank = zkyuma_circuits::score::halo2::ScoreHalo2 {
        limb_bits: description.limb_bits,
        ..zkyuma_circuits::score::halo2::ScoreHalo2::blank(scoring, *shape)
    };
    let id = zkyuma_circuits::score::circuit_id(&scoring.id(), shape);
    let (keys, _) = crate::halo2::Halo2Keys::load(
        &paths,
        setup,
        &blank,
        &id,
        zkyuma_circuits::score::PUBLIC_INPUTS,
    )?;
    Ok(Arc::new(Halo2Score::new(
        Arc::new(keys),
        scoring,
        shape,
        description.limb_bits,
    )))
}

/// halo2 epoch proofs (IPA or KZG, as the keys are).
pub struct Halo2Epoch {
    keys: Arc<crate::halo2::Halo2Keys>,
    circuit_id: String,
    limb_bits: usize,
}

impl Halo2Epoch {
    /// Prove with `keys` (made for the epoch circuit of `shape`, range tables of
    /// `limb_bits`-bit limbs).
    pub fn new(keys: Arc<crate::halo2::Halo2Keys>, shape: &EpochShape, limb_bits: usize) -> Self {
        Self {
            circuit_id: zkyuma_circuits::epoch::circuit_id(shape),
            keys,
            limb_bits,
        }
    }
}

impl StatementProver<EpochStatement> for Halo2Epoch {
    halo2_keys!();

    fn prove(
        &self,
        statement: &EpochStatement,
        witness: &<EpochStatement as Statement>::Witness,
    ) -> Result<Vec<u8>, ProverError> {
        check_halo2_names(&self.circuit_id, self.vk_hash(), statement)?;
        // The native check holds exactly when the circuit is satisfiable.
        statement.check(witness)?;
        let circuit = zkyuma_circuits::epoch::halo2::EpochHalo2 {
            limb_bits: self.limb_bits,
            ..zkyuma_circuits::epoch::halo2::EpochHalo2::new(statement.clone(), witness.clone())?
        };
        self.keys.prove(circuit, &[statement.public_digest()])
    }
}

/// A halo2 epoch prover from the key directory `params/<name>.<system>/` (regenerated from
/// `setup` and checked against that directory, as [`load_halo2_score_prover`]).
pub fn load_halo2_epoch_prover(
    params_root: &std::path::Path,
    setup: &crate::halo2::Halo2Setup,
    shape: &EpochShape,
) -> Result<Arc<dyn StatementProver<EpochStatement>>, ProverError> {
    let system = setup.scheme().system();
    let name = crate::halo2::params_name(&crate::epoch::params_name(shape), system);
    let paths = KeyPaths::new(params_root, params_root, &name);
    let description = crate::halo2::load_description(&paths)?;
    let blank = zkyuma_circuits::epoch::halo2::EpochHalo2 {
        limb_bits: description.limb_bits,
        ..zkyuma_circuits::epoch::halo2::EpochHalo2::blank(*shape)
    };
    let id = zkyuma_circuits::epoch::circuit_id(shape);
    let (keys, _) = crate::halo2::Halo2Keys::load(&paths, setup, &blank, &id, 1)?;
    Ok(Arc::new(Halo2Epoch::new(
        Arc::new(keys),
        shape,
        description.limb_bits,
    )))
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
        what: format!(
            "{system} keys are regenerated from their setup, not read from a proving-key file: \
             use load_halo2_score_prover or load_halo2_epoch_prover"
        ),
    }
}
