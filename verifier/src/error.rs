//! The verifier's one error type.

use alloc::string::String;
use thiserror::Error;

/// Why verification failed. Structured so that callers can act on it without parsing text.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum VerifyError {
    /// Encoded bytes have the wrong length.
    #[error("{what}: {got} bytes, expected {expected}")]
    Length {
        /// What was decoded.
        what: &'static str,
        /// Required length.
        expected: usize,
        /// Length found.
        got: usize,
    },
    /// Bytes do not decode to canonical points on the curve in the prime-order subgroup.
    #[error("{what}: not a canonical encoding of valid curve points")]
    Encoding {
        /// What was decoded.
        what: &'static str,
    },
    /// A proof element is the point at infinity.
    #[error("proof element {element} is the identity")]
    IdentityPoint {
        /// `a`, `b` or `c`.
        element: &'static str,
    },
    /// The number of public inputs does not match the verifying key.
    #[error("public inputs: the key takes {expected}, got {got}")]
    PublicInputs {
        /// Inputs the key expects.
        expected: usize,
        /// Inputs given.
        got: usize,
    },
    /// The proof was made by another proof system than the key's.
    #[error("the proof is a {got} proof, the key is a {expected} key")]
    SystemMismatch {
        /// The key's proof system.
        expected: zkyuma_circuits::statement::ProofSystem,
        /// The proof's.
        got: zkyuma_circuits::statement::ProofSystem,
    },
    /// The statement names another verifying key.
    #[error("the statement's vk_hash does not match the verifying key")]
    VkMismatch,
    /// No verifying key is registered for the statement's circuit.
    #[error("no verifying key registered for {0}")]
    UnknownKey(String),
    /// The statement is malformed.
    #[error("statement: {0}")]
    Statement(String),
    /// The pairing check failed: the proof does not prove this statement under this key.
    #[error("the proof does not verify")]
    Rejected,
    /// A batch failed; `index` is the first proof that fails on its own.
    #[error("batch: proof {index} does not verify")]
    BatchRejected {
        /// Position of the first failing proof.
        index: usize,
    },
    /// This build of the verifier does not include the proof system (the `halo2` feature).
    #[error("this verifier was built without {0} support")]
    NotBuilt(zkyuma_circuits::statement::ProofSystem),
    /// An empty batch.
    #[error("batch: no proofs")]
    EmptyBatch,
}
