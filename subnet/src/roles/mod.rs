//! The subnet's parties, each a library that a process (`zkyuma serve`) or the demo runs.

pub mod config;
pub mod epoch_prover;
pub mod miner;
pub mod validator;
