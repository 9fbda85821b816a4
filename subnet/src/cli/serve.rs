//! `zkyuma serve <role> --config <FILE>`: one role of the subnet as its own process. The binary
//! only parses the configuration and calls the role's `run`; every role is a library function.
//! A serving role prints `<role>: listening on <ADDR>` on standard output once it accepts
//! connections (port 0 in the configuration picks a free port) and stops on Ctrl-C.

use crate::cli::CliError;
use clap::{Args, ValueEnum};
use std::io::Write;
use std::path::PathBuf;

/// Which role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Role {
    /// The embedded chain, kept in its redb store.
    Chain,
    /// A miner.
    Miner,
    /// A validator (a client of the chain, the miners and the epoch prover).
    Validator,
    /// The epoch prover.
    EpochProver,
}

/// `zkyuma serve ...`
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The role to run.
    pub role: Role,
    /// Its configuration file (JSON; see the README, "Running a role on its own machine").
    #[arg(long)]
    pub config: PathBuf,
}

fn config<T: serde::de::DeserializeOwned>(path: &std::path::Path) -> Result<T, CliError> {
    crate::roles::config::load(path).map_err(|e| CliError::Usage(e.to_string()))
}

async fn bind(role: &str, addr: std::net::SocketAddr) -> Result<tokio::net::TcpListener, CliError> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| CliError::Usage(format!("{role}: cannot listen on {addr}: {e}")))?;
    let local = listener
        .local_addr()
        .map_err(|e| CliError::Usage(format!("{role}: {e}")))?;
    println!("{role}: listening on {local}");
    let _ = std::io::stdout().flush();
    Ok(listener)
}

async fn ctrl_c() {
    // Without a signal handler the process still stops on the default signal disposition.
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Run one role until it stops.
pub fn serve(args: &ServeArgs) -> Result<(), CliError> {
    let rt = crate::cli::subnet::runtime()?;
    let failed = |role: &str, e: &dyn std::fmt::Display| CliError::Usage(format!("{role}: {e}"));
    rt.block_on(async {
        match args.role {
            Role::Chain => {
                let c: crate::chain::node::ChainNodeConfig = config(&args.config)?;
                let listener = bind("chain", c.listen).await?;
                crate::chain::node::run(&c, listener, ctrl_c())
                    .await
                    .map_err(|e| failed("chain", &e))
            }
            Role::Miner => {
                let c: crate::roles::miner::MinerConfig = config(&args.config)?;
                crate::roles::miner::run(&c, ctrl_c())
                    .await
                    .map_err(|e| failed("miner", &e))
            }
            Role::EpochProver => {
                let c: crate::roles::epoch_prover::EpochProverConfig = config(&args.config)?;
                crate::roles::epoch_prover::run(&c, ctrl_c())
                    .await
                    .map_err(|e| failed("epoch-prover", &e))
            }
            Role::Validator => {
                let c: crate::roles::validator::ValidatorConfig = config(&args.config)?;
                crate::roles::validator::run(&c, ctrl_c())
                    .await
                    .map_err(|e| failed("validator", &e))
            }
        }
    })
}
