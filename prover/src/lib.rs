//! zkyuma prover: loads or generates proving keys, builds witnesses from the native reference
//! semantics of [`zkyuma_circuits`], and proves the score and epoch statements on all cores.
//!
//! The foundation stage holds no circuit yet; the epoch witness is the native
//! [`zkyuma_circuits::yuma::EpochTrace`], which the epoch circuit will consume.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use zkyuma_circuits::yuma::{run_epoch_traced, EpochTrace};
