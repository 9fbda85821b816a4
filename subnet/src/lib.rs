//! zkyuma subnet: the network around the proofs — miner, validator and auditor services, the
//! chain client, epoch bundles on disk — and the `zkyuma` command line, whose logic lives in
//! [`cli`] so that it can be tested without a process.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod cli;
pub mod examples;
pub mod progress;
