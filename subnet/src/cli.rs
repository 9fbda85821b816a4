//! The `zkyuma` command line.

use clap::{Parser, Subcommand};
use std::io::Read;
use std::path::PathBuf;
use thiserror::Error;
use zkyuma_circuits::yuma::{run_epoch, EpochError, EpochInput};

/// zkyuma: zero-knowledge proofs of Bittensor subnet weights and Yuma consensus.
#[derive(Debug, Parser)]
#[command(name = "zkyuma", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// The Yuma epoch, computed natively (bit-exact with subtensor).
    #[command(subcommand)]
    Epoch(EpochCommand),
}

/// `zkyuma epoch ...`
#[derive(Debug, Subcommand)]
pub enum EpochCommand {
    /// Read one epoch input (JSON; `-` for stdin) and print the epoch output as JSON.
    Run {
        /// Path of the epoch input JSON, or `-` for standard input.
        input: PathBuf,
    },
}

/// Why a command failed.
#[derive(Debug, Error)]
pub enum CliError {
    /// The input could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// What was read.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The epoch input was refused.
    #[error(transparent)]
    Epoch(#[from] EpochError),
    /// The output could not be encoded.
    #[error("cannot encode output: {0}")]
    Encode(#[from] serde_json::Error),
}

/// Read a file, or standard input for `-`.
pub fn read_input(path: &PathBuf) -> Result<String, CliError> {
    let mut s = String::new();
    let shown = path.display().to_string();
    if shown == "-" {
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|source| CliError::Read {
                path: shown,
                source,
            })?;
    } else {
        s = std::fs::read_to_string(path).map_err(|source| CliError::Read {
            path: shown,
            source,
        })?;
    }
    Ok(s)
}

/// `zkyuma epoch run`: the epoch output for an input document, as pretty JSON.
pub fn epoch_run_json(input: &str) -> Result<String, CliError> {
    let input = EpochInput::from_json_str(input)?;
    let output = run_epoch(&input)?;
    Ok(serde_json::to_string_pretty(&output)?)
}

/// Run a parsed command line, writing results to standard output.
pub fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Epoch(EpochCommand::Run { input }) => {
            let text = read_input(&input)?;
            println!("{}", epoch_run_json(&text)?);
            Ok(())
        }
    }
}
