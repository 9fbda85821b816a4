//! zkyuma circuits: the exact arithmetic semantics of a Bittensor subnet epoch, and the circuits
//! that enforce them.
//!
//! This crate is the single place where arithmetic rules live. Each rule is written once as plain
//! Rust (the reference semantics, bit-exact with subtensor) and, beside it, as the constraints
//! that enforce it:
//!
//! * [`fixed`] — `I32F32` / `I64F64` / `I96F32` fixed point on raw integers (floor on multiply,
//!   truncation on divide, `safe_div`, saturation, narrowing, the Taylor `exp`);
//! * [`weights`] — the set_weights storage rule (validity checks and max-upscaling to u16);
//! * [`yuma`] — the Yuma epoch (`epoch_mechanism`): stake, permits, masks, consensus (weighted
//!   median), clipping, trust, incentive, bonds (Yuma3 and original), dividends and emission;
//! * [`poseidon`] — circom-compatible Poseidon over BN254, native and in R1CS, and the domain- and
//!   length-separated `hash_many` every commitment and digest uses;
//! * [`commitment`] — miner-output and weight commitments, the evaluation-set Merkle tree, query
//!   digests and sample indices;
//! * [`scoring`] — public scoring functions (native + R1CS twin);
//! * [`score`] — the score statement: public statement and digest, witness, native reference and
//!   the R1CS circuit;
//! * [`epoch`] — the epoch statement: chain state, commitments and results, the native builder
//!   and check, and the R1CS circuit;
//! * `halo2` (feature `halo2`) — the same rules as halo2 chips (lookup range checks, fixed-point
//!   floor and truncation, comparisons, Poseidon), the second proof system's constraint code;
//! * [`statement`] — the backend-neutral [`statement::Statement`] interface and the
//!   [`statement::ProofSystem`] names.
//!
//! With the `r1cs` feature off (and `std` off) the crate is `no_std` + `alloc` and holds only
//! native rules, which is what the verifier uses.
#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

extern crate alloc;

pub mod commitment;
pub mod epoch;
pub mod field;
pub mod fixed;
#[cfg(feature = "r1cs")]
pub mod gadgets;
#[cfg(feature = "halo2")]
pub mod halo2;
pub mod poseidon;
pub mod score;
pub mod scoring;
pub mod statement;
pub mod weights;
pub mod yuma;
