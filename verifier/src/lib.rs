//! zkyuma verifier: decodes proofs and verifying keys, recomputes the public-input digest from
//! data the verifier holds, and verifies proofs singly or in batches. It is `no_std`-capable
//! (with `alloc`) so that a chain runtime can embed it, and it pulls in no prover or constraint
//! code.
//!
//! The foundation stage defines no proof format yet.
#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
