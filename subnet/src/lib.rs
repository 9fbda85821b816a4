//! zkyuma subnet: the network around the proofs, and the `zkyuma` command line.
//!
//! * [`roles`] — the parties: [`roles::miner`], [`roles::validator`], [`roles::epoch_prover`];
//! * [`chain`] — the embedded chain (state machine, admission rules, typed refusals) and the
//!   subtensor client ([`chain::subtensor`]);
//! * [`net`] — the wire protocol, serving and connecting, hotkeys and signed payloads;
//! * [`bundle`] and [`audit`] — epoch bundles on disk and their offline re-verification;
//!   [`subtensor_audit`] — the live audit of a subnet on a subtensor node;
//! * [`cli`] — the `zkyuma` command line (logic here, so it is tested without a process);
//! * [`demo`] — `zkyuma demo`, a whole local subnet;
//! * [`local`] — a tiny local subnet on loopback, for tests and the Python package;
//! * [`soak`] — `zkyuma soak`: every role a process for many epochs, with faults injected.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod audit;
pub mod bundle;
pub mod chain;
pub mod cli;
pub mod demo;
pub mod examples;
pub mod local;
pub mod net;
pub mod progress;
pub mod roles;
pub mod soak;
pub mod subtensor_audit;

/// Proofs are made one at a time per process. Each already runs on every core (the rayon pool),
/// so two at once finish no sooner and hold both witnesses in memory; the demo runs every
/// validator in one process (64 score proofs at once at the network shape).
pub(crate) static PROVING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);
