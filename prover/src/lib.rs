//! zkyuma prover: generates or loads proving keys, builds witnesses from the native reference
//! semantics of [`zkyuma_circuits`], and proves the statements with Groth16 over BN254 on all
//! cores (arkworks' multi-scalar multiplications and FFTs run on the rayon pool).
//!
//! * [`keys`] — circuit-specific setup, the `params/<circuit>/` layout (verifying key, circuit
//!   description, blake3 checksums) and proving keys checked against their checksum on load;
//! * [`qap`] — Groth16 proving in small memory (compressed constraint rows, values-only
//!   synthesis), proof for proof the same as arkworks';
//! * [`score`] — proving the score statement.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod epoch;
pub mod keys;
pub mod qap;
pub mod score;

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
    /// The constraint system could not be synthesized or proven.
    #[error("proving failed: {0}")]
    Synthesis(String),
}
