//! What every proof system proves: a statement, independent of how it is proven.
//!
//! A [`Statement`] has a circuit identity, a shape check, its public inputs as BN254 scalar-field
//! elements (the one encoding every backend uses: Groth16's public inputs, a halo2 instance
//! column) and a native check that holds exactly when a circuit of that proof system is
//! satisfiable with the witness. A backend proves and verifies statements through this interface
//! only; the chain, the epoch prover and the auditor never see a proof system's own types.
//!
//! [`ProofSystem`] names the backends. Its identity travels with every key, proof, registry
//! entry, submission and bundle entry, so a verifier never checks a proof with another system's
//! key.

use alloc::string::String;
use ark_bn254::Fr;
use serde::{Deserialize, Serialize};

/// A proof system zkyuma can prove its statements with.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum ProofSystem {
    /// Groth16 over BN254 (per-circuit setup, 128-byte proofs, one pairing check).
    #[default]
    Groth16,
    /// halo2 over BN254 with the inner-product argument: transparent (no setup at all), larger
    /// proofs, verification linear in the circuit's rows.
    Halo2Ipa,
    /// halo2 over BN254 with KZG (SHPLONK): one universal setup (a powers-of-tau file) for every
    /// circuit, verification by two pairings.
    Halo2Kzg,
}

impl ProofSystem {
    /// Every proof system, in a stable order.
    pub const ALL: [ProofSystem; 3] = [
        ProofSystem::Groth16,
        ProofSystem::Halo2Ipa,
        ProofSystem::Halo2Kzg,
    ];

    /// The name used on the command line, in JSON and in protocol messages.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Groth16 => "groth16",
            Self::Halo2Ipa => "halo2-ipa",
            Self::Halo2Kzg => "halo2-kzg",
        }
    }

    /// Parse [`ProofSystem::name`].
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }
}

impl core::fmt::Display for ProofSystem {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// Which of zkyuma's two statements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatementKind {
    /// A validator's score proof (DESIGN §1 step 3).
    Score,
    /// The epoch proof (DESIGN §1 step 4).
    Epoch,
}

/// A public statement a proof attests, whatever the proof system.
pub trait Statement {
    /// The private witness that makes it true.
    type Witness;
    /// Public rules the statement names but does not carry (the score statement's scoring
    /// function); `()` where there are none.
    type Rules: ?Sized;
    /// Why the statement is malformed or the witness does not satisfy it.
    type Error: core::fmt::Debug + core::fmt::Display;

    /// Which statement this is.
    const KIND: StatementKind;

    /// The identity of the circuit that enforces it (fixed inside the circuit).
    fn circuit_id(&self) -> String;

    /// The blake3 of the verifying key the statement names.
    fn vk_hash(&self) -> [u8; 32];

    /// Check lengths and ranges against the shape (before any proof is verified).
    fn validate(&self) -> Result<(), Self::Error>;

    /// The public inputs, as BN254 scalar-field elements.
    fn public_inputs(&self) -> alloc::vec::Vec<Fr>;

    /// The native check: `Ok` exactly when the circuit is satisfiable with `witness`.
    fn check(&self, rules: &Self::Rules, witness: &Self::Witness) -> Result<(), Self::Error>;
}

impl Statement for crate::score::ScoreStatement {
    type Witness = crate::score::ScoreWitness;
    type Rules = dyn crate::scoring::ScoringFunction;
    type Error = crate::score::ScoreError;
    const KIND: StatementKind = StatementKind::Score;

    fn circuit_id(&self) -> String {
        crate::score::circuit_id(&self.scoring, &self.shape)
    }

    fn vk_hash(&self) -> [u8; 32] {
        self.vk_hash
    }

    fn validate(&self) -> Result<(), Self::Error> {
        crate::score::ScoreStatement::validate(self)
    }

    fn public_inputs(&self) -> alloc::vec::Vec<Fr> {
        crate::score::ScoreStatement::public_inputs(self)
    }

    fn check(&self, scoring: &Self::Rules, witness: &Self::Witness) -> Result<(), Self::Error> {
        crate::score::evaluate(self, witness, scoring).map(|_| ())
    }
}

impl Statement for crate::epoch::EpochStatement {
    type Witness = crate::epoch::EpochWitness;
    type Rules = ();
    type Error = crate::epoch::EpochCheckError;
    const KIND: StatementKind = StatementKind::Epoch;

    fn circuit_id(&self) -> String {
        crate::epoch::circuit_id(&self.chain.shape)
    }

    fn vk_hash(&self) -> [u8; 32] {
        self.chain.vk_hash
    }

    fn validate(&self) -> Result<(), Self::Error> {
        Ok(crate::epoch::EpochStatement::validate(self)?)
    }

    fn public_inputs(&self) -> alloc::vec::Vec<Fr> {
        alloc::vec![self.public_digest()]
    }

    fn check(&self, _: &(), witness: &Self::Witness) -> Result<(), Self::Error> {
        crate::epoch::EpochStatement::check(self, witness)
    }
}
