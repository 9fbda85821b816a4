//! `zkyuma ceremony ...`: a Groth16 phase 2 for one circuit on a universal phase 1 (a snarkjs
//! `.ptau`, e.g. the Perpetual Powers of Tau), one directory per ceremony
//! (`zkyuma_prover::ceremony::run`).

use crate::cli::{parse_epoch_shape, parse_scoring, parse_shape, BondsArg, CliError, ModeArg};
use crate::progress::Spinner;
use clap::Subcommand;
use std::path::PathBuf;
use zkyuma_prover::ceremony::run::{CeremonyCircuit, CeremonyDir};

/// `zkyuma ceremony ...`
#[derive(Debug, Subcommand)]
pub enum CeremonyCommand {
    /// Start a ceremony: the circuit's key derived from the phase 1 (checked first), with no
    /// contribution yet (not usable until someone contributes).
    Init {
        /// `score` or `epoch`.
        #[arg(long)]
        circuit: String,
        /// The shape: `<MINERS>x<SAMPLES>` (score) or `<VALIDATORS>x<UIDS>` (epoch).
        #[arg(long)]
        shape: String,
        /// Score circuit: the tree depth.
        #[arg(long, default_value_t = 10)]
        depth: u32,
        /// Score circuit: hidden or public weight row.
        #[arg(long, value_enum, default_value_t = ModeArg::Hidden)]
        mode: ModeArg,
        /// Score circuit: the scoring function.
        #[arg(long, default_value = "mse")]
        scoring: String,
        /// Epoch circuit: the bonds rule.
        #[arg(long, value_enum, default_value_t = BondsArg::Yuma3)]
        bonds: BondsArg,
        /// The phase 1, prepared for phase 2 (`snarkjs powersoftau prepare phase2`).
        #[arg(long)]
        ptau: PathBuf,
        /// The ceremony's directory (new).
        #[arg(long)]
        out: PathBuf,
    },
    /// Contribute a secret (OS entropy, plus `--entropy` text) and print the new transcript hash.
    Contribute {
        /// The ceremony's directory.
        #[arg(long)]
        dir: PathBuf,
        /// Your name in the transcript.
        #[arg(long)]
        name: String,
        /// Extra entropy (free text), hashed with the OS's.
        #[arg(long, default_value = "")]
        entropy: String,
    },
    /// The last contribution, from a public beacon value fixed in advance (e.g. a future drand
    /// round's randomness), SHA-256'd `2^iterations` times (snarkjs's `zkey beacon`).
    Beacon {
        /// The ceremony's directory.
        #[arg(long)]
        dir: PathBuf,
        /// The beacon's value (hex).
        #[arg(long)]
        value: String,
        /// `log2` of the hash iterations (10 to 40).
        #[arg(long, default_value_t = 10)]
        iterations: u32,
    },
    /// Write the ceremony's current key as a snarkjs `.zkey` (contributions included), for
    /// `snarkjs zkey verify`, `snarkjs zkey contribute` or `snarkjs groth16 prove`.
    ExportZkey {
        /// The ceremony's directory.
        #[arg(long)]
        dir: PathBuf,
        /// The `.zkey` to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Take back a `.zkey` that snarkjs contributed to (it must extend this ceremony); the
    /// whole transcript is verified before its contributions are recorded.
    ImportZkey {
        /// The ceremony's directory.
        #[arg(long)]
        dir: PathBuf,
        /// The `.zkey` snarkjs wrote.
        #[arg(long)]
        zkey: PathBuf,
        /// The phase 1 the ceremony was started on.
        #[arg(long)]
        ptau: PathBuf,
    },
    /// Re-check the whole ceremony against the phase 1 and the circuit; prints each
    /// contribution's hash so contributors can find theirs.
    Verify {
        /// The ceremony's directory.
        #[arg(long)]
        dir: PathBuf,
        /// The phase 1 it was started on.
        #[arg(long)]
        ptau: PathBuf,
    },
    /// Verify, then write the keys into `params/` (verifying key, `circuit.json` recording the
    /// transcript hash) and the proving key into the key cache.
    Finalize {
        /// The ceremony's directory.
        #[arg(long)]
        dir: PathBuf,
        /// The phase 1 it was started on.
        #[arg(long)]
        ptau: PathBuf,
        /// Key directories.
        #[command(flatten)]
        dirs: crate::cli::KeyDirs,
    },
}

/// Run a ceremony command.
pub fn run(cmd: CeremonyCommand) -> Result<(), CliError> {
    let mut rng = rand::rngs::OsRng;
    match cmd {
        CeremonyCommand::Init {
            circuit,
            shape,
            depth,
            mode,
            scoring,
            bonds,
            ptau,
            out,
        } => {
            let circuit = match circuit.as_str() {
                "score" => CeremonyCircuit::Score {
                    scoring: parse_scoring(&scoring)?,
                    shape: parse_shape(&shape, depth, mode.into())?,
                },
                "epoch" => CeremonyCircuit::Epoch {
                    shape: parse_epoch_shape(&shape, bonds.into())?,
                },
                other => {
                    return Err(CliError::Usage(format!(
                        "--circuit {other}: `score` or `epoch`"
                    )))
                }
            };
            let spinner = Spinner::start(format!(
                "checking {} and deriving {}'s key",
                ptau.display(),
                circuit.params_name()
            ));
            let t = CeremonyDir::new(&out).init(circuit, &ptau, &mut rng)?;
            spinner.finish(format!(
                "ceremony for {} started in {} (phase 1 power {}, blake3 {}); circuit hash {}",
                t.circuit.params_name(),
                out.display(),
                t.ptau_power,
                t.ptau_blake3,
                t.circuit_hash
            ));
        }
        CeremonyCommand::Contribute { dir, name, entropy } => {
            let spinner = Spinner::start(format!("contributing as {name}"));
            let c = CeremonyDir::new(&dir).contribute(&name, entropy.as_bytes())?;
            spinner.finish(format!(
                "contributed: your contribution's hash is {}",
                c.hash
            ));
        }
        CeremonyCommand::Beacon {
            dir,
            value,
            iterations,
        } => {
            let spinner = Spinner::start("the beacon's contribution".into());
            let c = CeremonyDir::new(&dir).beacon(&value, iterations)?;
            spinner.finish(format!("beacon contributed: hash {}", c.hash));
        }
        CeremonyCommand::ExportZkey { dir, out } => {
            let spinner = Spinner::start(format!("writing {}", out.display()));
            CeremonyDir::new(&dir).export_zkey(&out)?;
            spinner.finish(format!("wrote {}", out.display()));
        }
        CeremonyCommand::ImportZkey { dir, zkey, ptau } => {
            let spinner = Spinner::start(format!("verifying {}", zkey.display()));
            let added = CeremonyDir::new(&dir).import_zkey(&zkey, &ptau, &mut rng)?;
            spinner.finish(format!(
                "{} contributions taken from {}",
                added.len(),
                zkey.display()
            ));
            for c in &added {
                println!("     {}  {}", c.hash, c.name);
            }
        }
        CeremonyCommand::Verify { dir, ptau } => {
            let spinner = Spinner::start("verifying the ceremony".into());
            let (t, _, named) = CeremonyDir::new(&dir).verify(&ptau, &mut rng)?;
            spinner.finish(format!(
                "valid: {} contributions to {} on the phase 1 {}",
                named.len(),
                t.circuit.params_name(),
                t.ptau_blake3
            ));
            for (i, (name, hash)) in named.iter().enumerate() {
                println!("{:>3}  {hash}  {name}", i + 1);
            }
        }
        CeremonyCommand::Finalize { dir, ptau, dirs } => {
            let spinner = Spinner::start("verifying and writing the keys".into());
            let keys =
                CeremonyDir::new(&dir).finalize(&ptau, &dirs.params, &dirs.keys, &mut rng)?;
            spinner.finish(format!(
                "keys written: {} under {}",
                keys.description.circuit_id,
                dirs.params.display()
            ));
            println!("{}", serde_json::to_string_pretty(&keys.description)?);
        }
    }
    Ok(())
}
