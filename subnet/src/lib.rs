//! zkyuma subnet: the network around the proofs — miner, validator and auditor services, the
//! chain client, epoch bundles on disk — and the `zkyuma` command line, whose logic lives in
//! [`cli`] so that it can be tested without a process.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod audit;
pub mod bundle;
pub mod chain;
pub mod cli;
pub mod cli_chain;
pub mod cli_subnet;
pub mod demo;
pub mod epoch_prover;
pub mod examples;
pub mod hotkey;
pub mod miner;
pub mod progress;
pub mod protocol;
pub mod serve;
pub mod subtensor;
pub mod validator;

/// Proofs are made one at a time per process. Each already runs on every core (the rayon pool),
/// so two at once finish no sooner and hold both witnesses in memory; the demo runs every
/// validator in one process (64 score proofs at once at the network shape).
pub(crate) static PROVING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);
