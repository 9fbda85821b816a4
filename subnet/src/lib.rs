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
