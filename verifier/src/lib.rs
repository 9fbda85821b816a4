//! zkyuma verifier: decodes proofs and verifying keys, recomputes the public-input digest from
//! the statement the verifier holds, and verifies Groth16 proofs over BN254 singly or in batches.
//!
//! It is `no_std`-capable (with `alloc`; build with `--no-default-features`) so that a chain
//! runtime can embed it, and it contains no prover code: Groth16 verification is written here
//! directly on `ark-ec` pairings, and the statement encoding comes from the native
//! (constraint-free) part of `zkyuma-circuits`. The `halo2` feature (std only, on by default)
//! adds [`halo2`] verification with `halo2-axiom`; a halo2 key holds commitments, not gates, so
//! that feature links the chips' gate configuration (`zkyuma_circuits::halo2::ChipLayout`) — no
//! witness or proving code.
//!
//! [`system`] is the proof-system seam: a [`StatementKey`] and a [`SystemProof`] carry their
//! [`ProofSystem`] and verify any statement of [`zkyuma_circuits::statement::Statement`].
//!
//! Every input is checked before any pairing: exact byte lengths, canonical compressed points on
//! the curve and in the prime-order subgroup, no identity points in a proof, the number of public
//! inputs, the statement's shape and the verifying key's hash. Every failure is a [`VerifyError`].
#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

extern crate alloc;

mod encoding;
mod epoch;
mod error;
pub mod evm;
mod groth16;
#[cfg(feature = "halo2")]
pub mod halo2;
mod registry;
mod score;
pub mod system;

pub use encoding::{Proof, VerifyingKey, PROOF_BYTES};
pub use epoch::verify_epoch;
pub use error::VerifyError;
pub use groth16::{batch_verify, verify, PreparedVerifyingKey};
pub use registry::{KeyId, KeyRegistry};
pub use score::{verify_score, verify_score_batch};
pub use system::{Backend, Groth16, ProofSystem, StatementKey, SystemProof};
pub use zkyuma_circuits::epoch::EpochStatement;
pub use zkyuma_circuits::score::ScoreStatement;
