//! zkyuma prover: generates or loads proving keys, builds witnesses from the native reference
//! semantics of [`zkyuma_circuits`], and proves the statements with Groth16 over BN254 on all
//! cores (arkworks' multi-scalar multiplications and FFTs run on the rayon pool).
//!
//! * [`keys`] — circuit-specific setup, the `params/<circuit>/` layout (verifying key, circuit
//!   description, blake3 checksums) and proving keys checked against their checksum on load;
//! * [`groth16`] — Groth16 key generation and proving in small memory (compressed constraint
//!   rows, values-only synthesis, chunked multiplications, a proving key streamed from its file),
//!   key for key and proof for proof the same as arkworks';
//! * [`score`] and [`epoch`] — proving the score and epoch statements;
//! * [`system`] — the proof-system seam: [`system::StatementProver`], its Groth16
//!   implementations, and loading a prover for a named proof system.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod ceremony;
pub mod epoch;
pub mod groth16;
pub mod halo2;
pub mod interop;
pub mod keys;
pub mod score;
pub mod system;

pub use zkyuma_circuits::yuma::{run_epoch_traced, EpochTrace};

use thiserror::Error;

/// Why key handling or proving failed.
#[derive(Debug, Error)]
pub enum ProverError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A file's blake3 does not match its recorded checksum.
    #[error("{path}: blake3 {got} does not match the recorded {expected}")]
    Checksum {
        /// The file.
        path: String,
        /// Recorded checksum.
        expected: String,
        /// Actual checksum.
        got: String,
    },
    /// A key or description file is malformed.
    #[error("{path}: {message}")]
    Malformed {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The key was made for another circuit.
    #[error("the keys are for circuit {found}, not {expected}")]
    WrongCircuit {
        /// Wanted.
        expected: String,
        /// Found.
        found: String,
    },
    /// The witness does not satisfy the statement (checked natively before proving).
    #[error("the round does not satisfy the statement: {0}")]
    Statement(#[from] zkyuma_circuits::score::ScoreError),
    /// The epoch round cannot be turned into an epoch circuit: the statement or witness fails
    /// the native check, or the epoch is one the circuit does not cover (liquid alpha, say).
    #[error("the epoch cannot be proven: {0}")]
    Epoch(#[from] zkyuma_circuits::epoch::EpochCheckError),
    /// The constraint system could not be synthesized (the circuit's own error, or a system
    /// arkworks left in a state the prover cannot read).
    #[error("constraint synthesis failed: {what}")]
    Synthesis {
        /// What failed.
        what: String,
    },
    /// The circuit (or the shape asked for) is larger than the prover, its field or the circuit
    /// supports.
    #[error("too large: {got} {what}, at most {max}")]
    TooLarge {
        /// What is counted.
        what: &'static str,
        /// The most supported.
        max: u64,
        /// The count.
        got: u64,
    },
    /// A value the algorithm divides by or needs does not exist (a zero setup secret, no coset):
    /// never for the BN254 domain sizes the prover supports, save with negligible probability.
    #[error("degenerate setup or domain: {what}")]
    Degenerate {
        /// What is missing.
        what: &'static str,
    },
    /// A proving key query (or the verifying key's public-input points) does not have one point
    /// per scalar of the circuit: the key was made for another circuit.
    #[error(
        "the proving key's {name} has {got} points, the circuit needs {expected}: \
         the key was made for a circuit of another size"
    )]
    KeySize {
        /// The query.
        name: &'static str,
        /// Points the circuit needs.
        expected: u64,
        /// Points the key has.
        got: u64,
    },
    /// The witness synthesis allocated another number of variables than the constraint rows
    /// have: the rows are of another circuit (or the circuit changes shape with its values).
    #[error(
        "the witness synthesis allocated {got} variables, the constraint rows have {expected}"
    )]
    WrongShape {
        /// Variables of the constraint rows.
        expected: u64,
        /// Variables of the witness synthesis.
        got: u64,
    },
    /// The proof does not verify against the key's verifying key: the witness does not satisfy
    /// the circuit.
    #[error("the witness does not satisfy the circuit (the proof does not verify)")]
    Unsatisfied,
    /// A key, proof or row table could not be serialized.
    #[error("serializing {what}: {source}")]
    Serialization {
        /// What was serialized.
        what: &'static str,
        /// The serialization error.
        source: ark_serialize::SerializationError,
    },
    /// A file holds another count (of bytes, constraints, variables) than `circuit.json` records.
    #[error("{path}: {got} {what}, {expected} recorded")]
    CountMismatch {
        /// The file.
        path: String,
        /// What is counted.
        what: &'static str,
        /// The recorded count.
        expected: u64,
        /// The file's count.
        got: u64,
    },
    /// The halo2 keys regenerated from the circuit and the given setup are not the ones in the
    /// key directory: another powers-of-tau file, or keys of another circuit.
    #[error(
        "{path}: the keys regenerated from this circuit and setup are not vk.bin's \
         (another setup file, or keys of another circuit)"
    )]
    Halo2KeyMismatch {
        /// `vk.bin`.
        path: String,
    },
    /// The verifying key at the head of a proving key file is not `vk.bin`'s.
    #[error("{path}: the proving key's verifying key is not vk.bin")]
    VkMismatch {
        /// The proving key file.
        path: String,
    },
}
