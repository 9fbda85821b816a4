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
//!   median), clipping, trust, incentive, bonds (Yuma3 and original), dividends and emission.
#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

extern crate alloc;

pub mod fixed;
pub mod poseidon;
pub mod weights;
pub mod yuma;
