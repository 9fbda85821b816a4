//! The `zkyuma` command line.

pub mod ceremony;
pub mod chain;
pub mod serve;
pub mod subnet;

use crate::progress::Spinner;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::Read;
use std::path::{Path, PathBuf};
use thiserror::Error;
use zkyuma_circuits::epoch::{BondsRule, EpochRound, EpochShape, EpochStatement};
use zkyuma_circuits::score::{ScoreRound, ScoreShape, ScoreStatement, WeightsMode};
use zkyuma_circuits::scoring::{Scoring, ScoringFunction};
use zkyuma_circuits::statement::ProofSystem;
use zkyuma_circuits::yuma::{run_epoch, EpochError, EpochInput};
use zkyuma_prover::keys::{KeyPaths, SetupKind};
use zkyuma_prover::score::{params_name, prove_score, setup_score};
use zkyuma_prover::system::StatementProver;
use zkyuma_prover::ProverError;
use zkyuma_verifier::{
    verify_epoch, verify_score, PreparedVerifyingKey, Proof, StatementKey, SystemProof,
    VerifyError, VerifyingKey,
};

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
    /// Generate keys for a circuit.
    #[command(subcommand)]
    Setup(SetupCommand),
    /// Prove a statement.
    #[command(subcommand)]
    Prove(ProveCommand),
    /// Verify a proof.
    #[command(subcommand)]
    Verify(VerifyCommand),
    /// Example inputs.
    #[command(subcommand)]
    Example(ExampleCommand),
    /// A whole local subnet over real patient data: miners, hospitals (validators), the epoch
    /// prover and an embedded chain on loopback gRPC; writes epoch bundles for `zkyuma audit`.
    Demo(crate::cli::subnet::DemoArgs),
    /// Re-verify epoch bundles offline (a directory) or fetched from a running chain.
    Audit(crate::cli::subnet::AuditArgs),
    /// Run one role of the subnet (chain, miner, validator, epoch prover) as its own process.
    Serve(crate::cli::serve::ServeArgs),
    /// Run a subnet with every role its own process for many epochs while faults are injected
    /// (roles killed and restarted, a slow and a hostile peer), then audit every epoch.
    Soak(SoakArgs),
    /// Contracts for the chain side (the EVM verifier).
    #[command(subcommand)]
    Export(crate::cli::chain::ExportCommand),
    /// Talk to a subtensor node: metagraph, weights, proofs.
    #[command(subcommand)]
    Chain(crate::cli::chain::ChainCommand),
    /// A Groth16 phase-2 ceremony for one circuit on a universal phase 1 (a snarkjs `.ptau`).
    #[command(subcommand)]
    Ceremony(crate::cli::ceremony::CeremonyCommand),
}

/// `zkyuma soak`.
#[derive(Debug, Clone, Args)]
pub struct SoakArgs {
    /// Validators × uids (the uids beyond the validators are miners), e.g. `16x64`.
    #[arg(long, default_value = "16x64")]
    pub shape: String,
    /// Epochs to run back to back.
    #[arg(long, default_value_t = 20)]
    pub epochs: u64,
    /// Samples per score proof.
    #[arg(long, default_value_t = 4)]
    pub samples: u32,
    /// Evaluation-set tree depth (each hospital holds 2^depth patients).
    #[arg(long, default_value_t = 4)]
    pub depth: u32,
    /// Working directory: keys (kept for the next run), configurations, stores, bundles and
    /// `soak-report.json`.
    #[arg(long, default_value = "zkyuma-data/soak")]
    pub out: PathBuf,
    /// Give up after this many minutes.
    #[arg(long, default_value_t = 120)]
    pub limit_minutes: u64,
}

fn soak(args: &SoakArgs) -> Result<(), CliError> {
    let shape = parse_epoch_shape(&args.shape, BondsRule::Yuma3)?;
    if shape.uids <= shape.validators || args.epochs == 0 || args.depth == 0 || args.depth > 16 {
        return Err(CliError::Usage(
            "soak: --shape needs more uids than validators, --epochs at least 1, --depth 1..=16"
                .into(),
        ));
    }
    let exe = std::env::current_exe().map_err(|source| CliError::Read {
        path: "the zkyuma binary".into(),
        source,
    })?;
    let opts = crate::soak::SoakOptions {
        validators: shape.validators,
        miners: shape.uids - shape.validators,
        samples: args.samples,
        depth: args.depth,
        per_hospital: 1 << args.depth,
        epochs: args.epochs,
        out: args.out.clone(),
        exe,
        limit: std::time::Duration::from_secs(60 * args.limit_minutes),
    };
    let report = crate::soak::run_soak(&opts)?;
    print!("{}", report.render());
    if report.passed() {
        Ok(())
    } else {
        Err(CliError::Audit(
            "the soak failed (see the table above)".into(),
        ))
    }
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

/// Where keys live.
#[derive(Debug, Clone, Args)]
pub struct KeyDirs {
    /// Directory of verifying keys and circuit descriptions.
    #[arg(long, default_value = "params")]
    pub params: PathBuf,
    /// Directory of proving keys (large; not committed).
    #[arg(long, default_value = "zkyuma-data/keys")]
    pub keys: PathBuf,
}

/// Row mode on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ModeArg {
    /// Only the weight commitment is public.
    Hidden,
    /// The row is public.
    Public,
}

impl From<ModeArg> for WeightsMode {
    fn from(m: ModeArg) -> Self {
        match m {
            ModeArg::Hidden => WeightsMode::Hidden,
            ModeArg::Public => WeightsMode::Public,
        }
    }
}

/// Bonds rule on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum BondsArg {
    /// Yuma3 with a fixed alpha.
    Yuma3,
    /// The original Yuma.
    Original,
    /// Yuma3 with liquid alpha (a sigmoid alpha per validator and uid).
    Yuma3Liquid,
}

impl From<BondsArg> for BondsRule {
    fn from(b: BondsArg) -> Self {
        match b {
            BondsArg::Yuma3 => BondsRule::Yuma3,
            BondsArg::Original => BondsRule::Original,
            BondsArg::Yuma3Liquid => BondsRule::Yuma3Liquid,
        }
    }
}

/// Parse `<V>x<N>` for an epoch circuit.
pub fn parse_epoch_shape(s: &str, bonds: BondsRule) -> Result<EpochShape, CliError> {
    let bad = || {
        CliError::Usage(format!(
            "--shape {s}: expected <VALIDATORS>x<UIDS>, e.g. 16x64"
        ))
    };
    let (v, n) = s.split_once('x').ok_or_else(bad)?;
    let shape = EpochShape {
        validators: v.parse().map_err(|_| bad())?,
        uids: n.parse().map_err(|_| bad())?,
        bonds,
    };
    if shape.validators == 0
        || shape.uids == 0
        || shape.validators > shape.uids
        || shape.uids > 4096
    {
        return Err(CliError::Usage(format!(
            "--shape {s}: need 1 <= validators <= uids <= 4096"
        )));
    }
    Ok(shape)
}

/// `zkyuma setup ...`
#[derive(Debug, Subcommand)]
pub enum SetupCommand {
    /// Keys for the epoch circuit of a shape.
    Epoch {
        /// `<VALIDATORS>x<UIDS>`, e.g. `16x64`.
        #[arg(long)]
        shape: String,
        /// Bonds rule.
        #[arg(long, value_enum, default_value_t = BondsArg::Yuma3)]
        bonds: BondsArg,
        /// Draw the setup randomness from the OS instead of the INSECURE public demo seed.
        #[arg(long)]
        local_random: bool,
        /// The INSECURE deterministic seed.
        #[arg(long, default_value = "zkyuma-insecure-demo-setup")]
        insecure_seed: String,
        /// Proof system: `groth16` (a per-circuit setup), `halo2-ipa` (no setup) or `halo2-kzg`
        /// (the universal setup of `--ptau`).
        #[command(flatten)]
        system: SystemArgs,
        /// halo2: bits per range-table limb.
        #[arg(long, default_value_t = zkyuma_circuits::score::halo2::LIMB_BITS)]
        limb_bits: usize,
        /// Key directories.
        #[command(flatten)]
        dirs: KeyDirs,
    },
    /// Keys for the score circuit of a shape.
    Score {
        /// `<MINERS>x<SAMPLES>`, e.g. `256x32`.
        #[arg(long)]
        shape: String,
        /// Depth of the evaluation-set tree (up to 2^depth records).
        #[arg(long, default_value_t = 10)]
        depth: u32,
        /// Hidden (commitment) or public weight row.
        #[arg(long, value_enum, default_value_t = ModeArg::Hidden)]
        mode: ModeArg,
        /// Scoring function: `mse`, `mse-a<N>` or `accuracy`.
        #[arg(long, default_value = "mse")]
        scoring: String,
        /// Draw the setup randomness from the OS instead of the INSECURE public demo seed.
        #[arg(long)]
        local_random: bool,
        /// The INSECURE deterministic seed (anyone knowing it can forge proofs).
        #[arg(long, default_value = "zkyuma-insecure-demo-setup")]
        insecure_seed: String,
        /// Proof system: `groth16` (a per-circuit setup), `halo2-ipa` (no setup) or `halo2-kzg`
        /// (the universal setup of `--ptau`).
        #[command(flatten)]
        system: SystemArgs,
        /// halo2: bits per range-table limb (16: a `2^16`-row table; small circuits fit fewer
        /// rows with smaller tables).
        #[arg(long, default_value_t = zkyuma_circuits::score::halo2::LIMB_BITS)]
        limb_bits: usize,
        /// Key directories.
        #[command(flatten)]
        dirs: KeyDirs,
    },
}

/// Which proof system, and the universal setup a KZG one reads.
#[derive(Debug, Clone, Args)]
pub struct SystemArgs {
    /// `groth16`, `halo2-ipa` or `halo2-kzg`.
    #[arg(long = "proof-system", default_value = "groth16", value_parser = parse_proof_system)]
    pub proof_system: ProofSystem,
    /// halo2-kzg: the powers-of-tau file (snarkjs `.ptau`, e.g. from the Perpetual Powers of
    /// Tau, or the demo's ceremony).
    #[arg(long)]
    pub ptau: Option<PathBuf>,
}

pub(crate) fn parse_proof_system(s: &str) -> Result<ProofSystem, String> {
    ProofSystem::parse(s).ok_or_else(|| {
        format!(
            "unknown proof system {s:?}: expected one of {}",
            ProofSystem::ALL.map(|p| p.name()).join(", ")
        )
    })
}

impl SystemArgs {
    /// The halo2 setup, for a halo2 proof system.
    pub fn halo2_setup(&self) -> Result<zkyuma_prover::halo2::Halo2Setup, CliError> {
        use zkyuma_prover::halo2::Halo2Setup;
        match (self.proof_system, &self.ptau) {
            (ProofSystem::Halo2Ipa, _) => Ok(Halo2Setup::Ipa),
            (ProofSystem::Halo2Kzg, Some(path)) => Ok(Halo2Setup::Kzg(std::sync::Arc::new(
                zkyuma_prover::ceremony::ptau::Ptau::open(path)?,
            ))),
            (ProofSystem::Halo2Kzg, None) => Err(CliError::Usage(
                "--proof-system halo2-kzg needs --ptau FILE (its universal setup)".into(),
            )),
            (ProofSystem::Groth16, _) => Err(CliError::Usage(
                "groth16 keys come from `zkyuma setup` or a ceremony, not a halo2 setup".into(),
            )),
        }
    }
}

/// `zkyuma prove ...`
#[derive(Debug, Subcommand)]
pub enum ProveCommand {
    /// Prove an epoch (chain state + the validators' weight openings).
    Epoch {
        /// The epoch round (JSON, see the README).
        #[arg(long)]
        input: PathBuf,
        /// Where to write the 128-byte proof.
        #[arg(long)]
        out: PathBuf,
        /// Where to write the statement (default: `<out>.statement.json`).
        #[arg(long)]
        statement_out: Option<PathBuf>,
        /// Also write `circuit.r1cs`, `circuit.zkey` and `witness.wtns` here, for `snarkjs groth16
        /// prove` with the same key and witness.
        #[arg(long)]
        snarkjs: Option<PathBuf>,
        /// Proof system (the keys of `zkyuma setup epoch --proof-system ...`).
        #[command(flatten)]
        system: SystemArgs,
        /// Key directories.
        #[command(flatten)]
        dirs: KeyDirs,
    },
    /// Prove a validator's score round.
    Score {
        /// The round (JSON, see the README).
        #[arg(long)]
        input: PathBuf,
        /// Where to write the 128-byte proof.
        #[arg(long)]
        out: PathBuf,
        /// Where to write the statement (default: `<out>.statement.json`).
        #[arg(long)]
        statement_out: Option<PathBuf>,
        /// Also write `circuit.r1cs`, `circuit.zkey` and `witness.wtns` here, for `snarkjs groth16
        /// prove` with the same key and witness.
        #[arg(long)]
        snarkjs: Option<PathBuf>,
        /// Scoring function.
        #[arg(long, default_value = "mse")]
        scoring: String,
        /// Proof system (the keys of `zkyuma setup score --proof-system ...`).
        #[command(flatten)]
        system: SystemArgs,
        /// Key directories.
        #[command(flatten)]
        dirs: KeyDirs,
    },
}

/// `zkyuma verify ...`
#[derive(Debug, Subcommand)]
pub enum VerifyCommand {
    /// Verify an epoch proof against a statement.
    Epoch {
        /// The proof file.
        #[arg(long)]
        proof: PathBuf,
        /// The statement JSON.
        #[arg(long)]
        statement: PathBuf,
        /// Directory of verifying keys.
        #[arg(long, default_value = "params")]
        params: PathBuf,
        /// The proof's system: `groth16`, `halo2-ipa` or `halo2-kzg`.
        #[arg(long = "proof-system", default_value = "groth16", value_parser = parse_proof_system)]
        proof_system: ProofSystem,
    },
    /// Verify a score proof against a statement.
    Score {
        /// The proof file.
        #[arg(long)]
        proof: PathBuf,
        /// The statement JSON.
        #[arg(long)]
        statement: PathBuf,
        /// Directory of verifying keys.
        #[arg(long, default_value = "params")]
        params: PathBuf,
        /// The proof's system: `groth16`, `halo2-ipa` or `halo2-kzg` (a KZG key carries the
        /// setup points its verifier needs: no `.ptau` here).
        #[arg(long = "proof-system", default_value = "groth16", value_parser = parse_proof_system)]
        proof_system: ProofSystem,
    },
}

/// `zkyuma example ...`
#[derive(Debug, Subcommand)]
pub enum ExampleCommand {
    /// Write a synthetic epoch round (chain state and weight openings) to a file.
    EpochRound {
        /// `<VALIDATORS>x<UIDS>`.
        #[arg(long)]
        shape: String,
        /// Bonds rule.
        #[arg(long, value_enum, default_value_t = BondsArg::Yuma3)]
        bonds: BondsArg,
        /// Seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output file.
        #[arg(long)]
        out: PathBuf,
    },
    /// Write a synthetic score round (random records and miner outputs) to a file.
    ScoreRound {
        /// `<MINERS>x<SAMPLES>`.
        #[arg(long)]
        shape: String,
        /// Evaluation-set tree depth.
        #[arg(long, default_value_t = 10)]
        depth: u32,
        /// Row mode.
        #[arg(long, value_enum, default_value_t = ModeArg::Hidden)]
        mode: ModeArg,
        /// Seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output file.
        #[arg(long)]
        out: PathBuf,
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
    /// A JSON document is malformed.
    #[error("{path}: field `{field}`: {message}")]
    Json {
        /// The file.
        path: String,
        /// The offending field.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A command-line value is invalid.
    #[error("{0}")]
    Usage(String),
    /// The epoch input was refused.
    #[error(transparent)]
    Epoch(#[from] EpochError),
    /// Keys or proving failed.
    #[error(transparent)]
    Prover(#[from] ProverError),
    /// Verification failed.
    #[error("verification failed: {0}")]
    Verify(#[from] VerifyError),
    /// The output could not be encoded.
    #[error("cannot encode output: {0}")]
    Encode(#[from] serde_json::Error),
    /// A chain operation failed.
    #[error("chain: {0}")]
    Chain(#[from] crate::chain::subtensor::ChainError),
    /// A timelocked commit cannot be built.
    #[error(transparent)]
    Timelock(#[from] crate::chain::timelock::TimelockError),
    /// The demo stopped.
    #[error(transparent)]
    Demo(#[from] crate::demo::DemoError),
    /// The audit found failures or could not run.
    #[error("audit: {0}")]
    Audit(String),
}

/// Read a file, or standard input for `-`.
pub fn read_input(path: &Path) -> Result<String, CliError> {
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

fn read_bytes(path: &Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|source| CliError::Read {
        path: path.display().to_string(),
        source,
    })
}

/// Parse JSON naming the offending field.
pub fn parse_json<T: serde::de::DeserializeOwned>(path: &Path, text: &str) -> Result<T, CliError> {
    let de = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| CliError::Json {
        path: path.display().to_string(),
        field: e.path().to_string(),
        message: e.inner().to_string(),
    })
}

/// `zkyuma epoch run`: the epoch output for an input document, as pretty JSON.
pub fn epoch_run_json(input: &str) -> Result<String, CliError> {
    let input = EpochInput::from_json_str(input)?;
    let output = run_epoch(&input)?;
    Ok(serde_json::to_string_pretty(&output)?)
}

/// Parse `<MINERS>x<SAMPLES>`.
pub fn parse_shape(s: &str, depth: u32, mode: WeightsMode) -> Result<ScoreShape, CliError> {
    let bad = || {
        CliError::Usage(format!(
            "--shape {s}: expected <MINERS>x<SAMPLES>, e.g. 256x32"
        ))
    };
    let (m, k) = s.split_once('x').ok_or_else(bad)?;
    let shape = ScoreShape {
        miners: m.parse().map_err(|_| bad())?,
        samples: k.parse().map_err(|_| bad())?,
        depth,
        mode,
    };
    shape
        .validate()
        .map_err(|e| CliError::Usage(e.to_string()))?;
    Ok(shape)
}

/// Parse a scoring function name.
pub fn parse_scoring(s: &str) -> Result<Scoring, CliError> {
    Scoring::parse(s).ok_or_else(|| {
        CliError::Usage(format!(
            "--scoring {s}: expected `mse`, `mse-a<N>` (N >= 1) or `accuracy`"
        ))
    })
}

/// `zkyuma verify score`: load the key named by the statement and verify.
pub fn verify_score_files(
    proof: &Path,
    statement: &Path,
    params: &Path,
) -> Result<ScoreStatement, CliError> {
    verify_score_files_of(ProofSystem::Groth16, proof, statement, params)
}

/// `zkyuma verify score --proof-system ...`: the key of the statement's circuit under `system`.
pub fn verify_score_files_of(
    system: ProofSystem,
    proof: &Path,
    statement: &Path,
    params: &Path,
) -> Result<ScoreStatement, CliError> {
    let statement: ScoreStatement = parse_json(statement, &read_input(statement)?)?;
    let scoring = parse_scoring(&statement.scoring)?;
    let name = params_name(&scoring, &statement.shape);
    if system != ProofSystem::Groth16 {
        verify_halo2_files(system, &name, proof, &statement, params)?;
        return Ok(statement);
    }
    let paths = KeyPaths::new(params, Path::new("."), &name);
    let vk_bytes = paths.load_vk_bytes()?;
    let vk = VerifyingKey::from_bytes(&vk_bytes, zkyuma_circuits::score::PUBLIC_INPUTS)?;
    let pvk = PreparedVerifyingKey::new(vk);
    let proof = Proof::from_bytes(&read_bytes(proof)?)?;
    verify_score(&pvk, &statement, &proof)?;
    Ok(statement)
}

/// Verify a halo2 proof of `statement` with the key of `params/<name>.<system>/`.
fn verify_halo2_files<S: zkyuma_circuits::statement::Statement>(
    system: ProofSystem,
    name: &str,
    proof: &Path,
    statement: &S,
    params: &Path,
) -> Result<(), CliError> {
    let name = zkyuma_prover::halo2::params_name(name, system);
    let paths = KeyPaths::new(params, Path::new("."), &name);
    let inputs = statement.public_inputs().len();
    let key = StatementKey::from_bytes(system, &paths.load_vk_bytes()?, inputs)?;
    let sealed = SystemProof {
        system,
        bytes: read_bytes(proof)?,
    };
    key.verify(statement, &sealed)?;
    Ok(())
}

/// `zkyuma verify epoch`: load the key named by the statement and verify.
pub fn verify_epoch_files(
    proof: &Path,
    statement: &Path,
    params: &Path,
) -> Result<EpochStatement, CliError> {
    verify_epoch_files_of(ProofSystem::Groth16, proof, statement, params)
}

/// `zkyuma verify epoch --proof-system ...`: the key of the statement's circuit under `system`.
pub fn verify_epoch_files_of(
    system: ProofSystem,
    proof: &Path,
    statement: &Path,
    params: &Path,
) -> Result<EpochStatement, CliError> {
    let statement: EpochStatement = parse_json(statement, &read_input(statement)?)?;
    let name = zkyuma_prover::epoch::params_name(&statement.shape());
    if system != ProofSystem::Groth16 {
        verify_halo2_files(system, &name, proof, &statement, params)?;
        return Ok(statement);
    }
    let paths = KeyPaths::new(params, Path::new("."), &name);
    let vk = VerifyingKey::from_bytes(&paths.load_vk_bytes()?, 1)?;
    let pvk = PreparedVerifyingKey::new(vk);
    let proof = Proof::from_bytes(&read_bytes(proof)?)?;
    verify_epoch(&pvk, &statement, &proof)?;
    Ok(statement)
}

/// Load a circuit's keys; a missing file becomes a hint naming the setup command to run.
fn load_keys(
    paths: &KeyPaths,
    circuit_id: &str,
    name: &str,
    setup_command: String,
) -> Result<zkyuma_prover::keys::Keys, CliError> {
    paths.load(circuit_id).map_err(|e| match e {
        ProverError::Io { path, source } if source.kind() == std::io::ErrorKind::NotFound => {
            CliError::Usage(format!(
                "no keys for {name} ({path} missing): run `{setup_command}` first"
            ))
        }
        other => CliError::Prover(other),
    })
}

/// Run a proof with a spinner naming the circuit and its size.
fn with_progress<T>(
    name: &str,
    constraints: usize,
    prove: impl FnOnce() -> Result<T, ProverError>,
) -> Result<T, CliError> {
    let spinner = Spinner::start(format!("proving {name} ({constraints} constraints)"));
    let started = std::time::Instant::now();
    let result = prove()?;
    spinner.finish(format!(
        "proved {name} in {:.2} s",
        started.elapsed().as_secs_f64()
    ));
    Ok(result)
}

/// Write a proof and its statement (default `<out>.statement.json`), both atomically.
fn write_proof(
    out: &Path,
    statement_out: Option<PathBuf>,
    proof: &[u8],
    statement: &impl serde::Serialize,
) -> Result<PathBuf, CliError> {
    let statement_out =
        statement_out.unwrap_or_else(|| PathBuf::from(format!("{}.statement.json", out.display())));
    zkyuma_prover::keys::write_atomic(out, proof)?;
    zkyuma_prover::keys::write_atomic(
        &statement_out,
        serde_json::to_string_pretty(statement)?.as_bytes(),
    )?;
    println!(
        "proof: {} ({} bytes)\nstatement: {}",
        out.display(),
        proof.len(),
        statement_out.display()
    );
    Ok(statement_out)
}

/// `zkyuma setup score --proof-system halo2-*`: keys from the circuit's blank instance, written
/// to `params/<name>.<system>/` (no proving-key file: provers regenerate it from the setup).
fn setup_score_halo2(
    system: &SystemArgs,
    scoring: Scoring,
    shape: ScoreShape,
    limb_bits: usize,
    dirs: &KeyDirs,
) -> Result<(), CliError> {
    use zkyuma_circuits::score::halo2::ScoreHalo2;
    let blank = ScoreHalo2 {
        limb_bits,
        ..ScoreHalo2::blank(scoring, shape)
    };
    setup_halo2(
        system,
        &blank,
        (
            &zkyuma_circuits::score::circuit_id(&scoring.id(), &shape),
            &params_name(&scoring, &shape),
        ),
        zkyuma_circuits::score::PUBLIC_INPUTS,
        dirs,
    )
}

/// `zkyuma setup epoch --proof-system halo2-*`.
fn setup_epoch_halo2(
    system: &SystemArgs,
    shape: EpochShape,
    limb_bits: usize,
    dirs: &KeyDirs,
) -> Result<(), CliError> {
    use zkyuma_circuits::epoch::halo2::EpochHalo2;
    let blank = EpochHalo2 {
        limb_bits,
        ..EpochHalo2::blank(shape)
    };
    setup_halo2(
        system,
        &blank,
        (
            &zkyuma_circuits::epoch::circuit_id(&shape),
            &zkyuma_prover::epoch::params_name(&shape),
        ),
        1,
        dirs,
    )
}

/// halo2 keys of a blank circuit (named `(circuit id, params name)`), written to
/// `params/<name>.<system>/`.
fn setup_halo2<
    C: zkyuma_circuits::halo2::backend::plonk::Circuit<zkyuma_circuits::halo2::Fp, Params = usize>,
>(
    system: &SystemArgs,
    blank: &C,
    (circuit_id, name): (&str, &str),
    public_inputs: usize,
    dirs: &KeyDirs,
) -> Result<(), CliError> {
    let limb_bits = blank.params();
    if !(4..=20).contains(&limb_bits) {
        return Err(CliError::Usage("--limb-bits: 4 to 20".into()));
    }
    let setup = system.halo2_setup()?;
    let name = zkyuma_prover::halo2::params_name(name, system.proof_system);
    let spinner = Spinner::start(format!("setup {name}"));
    let t = std::time::Instant::now();
    let keys = zkyuma_prover::halo2::Halo2Keys::generate(&setup, blank, public_inputs)?;
    let description = keys.describe(circuit_id, t.elapsed().as_secs_f64());
    let paths = KeyPaths::new(&dirs.params, &dirs.keys, &name);
    keys.save(&paths, &description)?;
    spinner.finish(format!(
        "setup {name}: {} rows of 2^{}, {:.1} s",
        description.rows, description.k, description.keygen_seconds
    ));
    println!("{}", serde_json::to_string_pretty(&description)?);
    println!("verifying key: {}", paths.vk_path().display());
    Ok(())
}

/// `zkyuma prove score --proof-system halo2-*`.
fn prove_score_halo2(
    system: &SystemArgs,
    scoring: Scoring,
    round: &ScoreRound,
    out: &Path,
    statement_out: Option<PathBuf>,
    dirs: &KeyDirs,
) -> Result<(), CliError> {
    let setup = system.halo2_setup()?;
    let shape = round.shape();
    let name =
        zkyuma_prover::halo2::params_name(&params_name(&scoring, &shape), system.proof_system);
    let setup_command = format!(
        "zkyuma setup score --proof-system {} --shape {}x{} --depth {} ...",
        system.proof_system, shape.miners, shape.samples, shape.depth
    );
    let prover = halo2_prover(&name, &setup_command, || {
        zkyuma_prover::system::load_halo2_score_prover(&dirs.params, &setup, scoring, &shape)
    })?;
    let (statement, witness, evaluation) = round
        .build(&scoring, prover.vk_hash())
        .map_err(ProverError::from)?;
    prove_halo2(
        &name,
        prover.as_ref(),
        (&statement, &witness),
        out,
        statement_out,
    )?;
    println!("row: {:?}", evaluation.row);
    Ok(())
}

/// `zkyuma prove epoch --proof-system halo2-*`.
fn prove_epoch_halo2(
    system: &SystemArgs,
    round: &EpochRound,
    out: &Path,
    statement_out: Option<PathBuf>,
    dirs: &KeyDirs,
) -> Result<(), CliError> {
    let setup = system.halo2_setup()?;
    let shape = round.shape();
    let name = zkyuma_prover::halo2::params_name(
        &zkyuma_prover::epoch::params_name(&shape),
        system.proof_system,
    );
    let setup_command = format!(
        "zkyuma setup epoch --proof-system {} --shape {}x{} --bonds {}",
        system.proof_system,
        shape.validators,
        shape.uids,
        bonds_name(shape.bonds)
    );
    let prover = halo2_prover(&name, &setup_command, || {
        zkyuma_prover::system::load_halo2_epoch_prover(&dirs.params, &setup, &shape)
    })?;
    let (statement, witness) = round
        .build(prover.vk_hash())
        .map_err(|e| ProverError::Epoch(e.into()))?;
    prove_halo2(
        &name,
        prover.as_ref(),
        (&statement, &witness),
        out,
        statement_out,
    )
}

/// A halo2 prover from `params/<name>/` (regenerated and checked against `vk.bin`, with a
/// spinner); missing keys name the `setup_command` to run.
fn halo2_prover<S: zkyuma_circuits::statement::Statement>(
    name: &str,
    setup_command: &str,
    load: impl FnOnce() -> Result<std::sync::Arc<dyn StatementProver<S>>, ProverError>,
) -> Result<std::sync::Arc<dyn StatementProver<S>>, CliError> {
    let spinner = Spinner::start(format!("keys {name}"));
    let prover = load().map_err(|e| match e {
        ProverError::Io { path, source } if source.kind() == std::io::ErrorKind::NotFound => {
            CliError::Usage(format!(
                "no keys for {name} ({path}): run `{setup_command}` first"
            ))
        }
        other => CliError::Prover(other),
    })?;
    spinner.finish(format!(
        "keys {name}: regenerated and checked against vk.bin"
    ));
    Ok(prover)
}

/// Prove with a spinner, then write the proof and its statement.
fn prove_halo2<S: zkyuma_circuits::statement::Statement + serde::Serialize>(
    name: &str,
    prover: &dyn StatementProver<S>,
    (statement, witness): (&S, &S::Witness),
    out: &Path,
    statement_out: Option<PathBuf>,
) -> Result<(), CliError> {
    let spinner = Spinner::start(format!("prove {name}"));
    let t = std::time::Instant::now();
    let proof = prover.prove(statement, witness)?;
    spinner.finish(format!("prove {name}: {:.1} s", t.elapsed().as_secs_f64()));
    write_proof(out, statement_out, &proof, statement)?;
    Ok(())
}

/// The `--bonds` value of a rule.
fn bonds_name(rule: BondsRule) -> &'static str {
    match rule {
        BondsRule::Yuma3 => "yuma3",
        BondsRule::Original => "original",
        BondsRule::Yuma3Liquid => "yuma3-liquid",
    }
}

fn setup_kind(local_random: bool, insecure_seed: String) -> SetupKind {
    if local_random {
        SetupKind::LocalRandom
    } else {
        eprintln!("warning: INSECURE deterministic setup (seed {insecure_seed:?}): anyone with the seed can forge proofs; use it for tests and demos only");
        SetupKind::InsecureDeterministic {
            seed: insecure_seed,
        }
    }
}

/// Run a parsed command line, writing results to standard output.
pub fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Export(cmd) => crate::cli::chain::run_export(cmd)?,
        Command::Chain(cmd) => crate::cli::chain::run_chain(cmd)?,
        Command::Ceremony(cmd) => crate::cli::ceremony::run(cmd)?,
        Command::Demo(args) => crate::cli::subnet::demo(&args)?,
        Command::Audit(args) => crate::cli::subnet::audit(&args)?,
        Command::Serve(args) => crate::cli::serve::serve(&args)?,
        Command::Soak(args) => soak(&args)?,
        Command::Setup(SetupCommand::Epoch {
            shape,
            bonds,
            local_random,
            insecure_seed,
            system,
            limb_bits,
            dirs,
        }) => {
            let shape = parse_epoch_shape(&shape, bonds.into())?;
            if system.proof_system != ProofSystem::Groth16 {
                return setup_epoch_halo2(&system, shape, limb_bits, &dirs);
            }
            let name = zkyuma_prover::epoch::params_name(&shape);
            let spinner = Spinner::start(format!("setup {name}"));
            let keys =
                zkyuma_prover::epoch::setup_epoch(shape, setup_kind(local_random, insecure_seed))?;
            let paths = KeyPaths::new(&dirs.params, &dirs.keys, &name);
            paths.save(&keys)?;
            spinner.finish(format!(
                "setup {name}: {} constraints, {:.1} s",
                keys.description.constraints, keys.description.setup_seconds
            ));
            println!("{}", serde_json::to_string_pretty(&keys.description)?);
        }
        Command::Prove(ProveCommand::Epoch {
            input,
            out,
            statement_out,
            snarkjs,
            system,
            dirs,
        }) => {
            let round: EpochRound = parse_json(&input, &read_input(&input)?)?;
            round.input.validate()?;
            if system.proof_system != ProofSystem::Groth16 {
                if snarkjs.is_some() {
                    return Err(CliError::Usage(
                        "--snarkjs writes Groth16 files: not with a halo2 proof system".into(),
                    ));
                }
                return prove_epoch_halo2(&system, &round, &out, statement_out, &dirs);
            }
            let shape = round.shape();
            let name = zkyuma_prover::epoch::params_name(&shape);
            let paths = KeyPaths::new(&dirs.params, &dirs.keys, &name);
            let hint = format!(
                "zkyuma setup epoch --shape {}x{} --bonds {}",
                shape.validators,
                shape.uids,
                bonds_name(shape.bonds)
            );
            let keys = load_keys(
                &paths,
                &zkyuma_circuits::epoch::circuit_id(&shape),
                &name,
                hint,
            )?;
            let proof = with_progress(&name, keys.description.constraints, || {
                zkyuma_prover::epoch::prove_epoch(&keys, &round)
            })?;
            write_proof(&out, statement_out, &proof.proof, &proof.statement)?;
            if let Some(dir) = snarkjs {
                zkyuma_prover::epoch::write_snarkjs_files(&keys, &round, &dir)?;
                println!("snarkjs files in {}", dir.display());
            }
        }
        Command::Verify(VerifyCommand::Epoch {
            proof,
            statement,
            params,
            proof_system,
        }) => {
            let st = verify_epoch_files_of(proof_system, &proof, &statement, &params)?;
            println!(
                "valid: {proof_system} epoch proof for netuid {} epoch {} ({})",
                st.chain.netuid,
                st.chain.epoch,
                st.shape().name()
            );
        }
        Command::Example(ExampleCommand::EpochRound {
            shape,
            bonds,
            seed,
            out,
        }) => {
            let shape = parse_epoch_shape(&shape, bonds.into())?;
            let round = crate::examples::synthetic_epoch_round(&shape, seed);
            zkyuma_prover::keys::write_atomic(
                &out,
                serde_json::to_string_pretty(&round)?.as_bytes(),
            )?;
            println!("round: {}", out.display());
        }
        Command::Epoch(EpochCommand::Run { input }) => {
            let text = read_input(&input)?;
            println!("{}", epoch_run_json(&text)?);
        }
        Command::Setup(SetupCommand::Score {
            shape,
            depth,
            mode,
            scoring,
            local_random,
            insecure_seed,
            system,
            limb_bits,
            dirs,
        }) => {
            let shape = parse_shape(&shape, depth, mode.into())?;
            let scoring = parse_scoring(&scoring)?;
            if system.proof_system != ProofSystem::Groth16 {
                return setup_score_halo2(&system, scoring, shape, limb_bits, &dirs);
            }
            let kind = if local_random {
                SetupKind::LocalRandom
            } else {
                eprintln!("warning: INSECURE deterministic setup (seed {insecure_seed:?}): anyone with the seed can forge proofs; use it for tests and demos only");
                SetupKind::InsecureDeterministic {
                    seed: insecure_seed,
                }
            };
            let name = params_name(&scoring, &shape);
            let spinner = Spinner::start(format!("setup {name}"));
            let keys = setup_score(scoring, shape, kind)?;
            let paths = KeyPaths::new(&dirs.params, &dirs.keys, &name);
            paths.save(&keys)?;
            spinner.finish(format!(
                "setup {name}: {} constraints, {:.1} s",
                keys.description.constraints, keys.description.setup_seconds
            ));
            println!("{}", serde_json::to_string_pretty(&keys.description)?);
            println!(
                "verifying key: {}\nproving key:   {}",
                paths.vk_path().display(),
                paths.pk_path.display()
            );
        }
        Command::Prove(ProveCommand::Score {
            input,
            out,
            statement_out,
            snarkjs,
            scoring,
            system,
            dirs,
        }) => {
            let round: ScoreRound = parse_json(&input, &read_input(&input)?)?;
            let scoring = parse_scoring(&scoring)?;
            if system.proof_system != ProofSystem::Groth16 {
                if snarkjs.is_some() {
                    return Err(CliError::Usage(
                        "--snarkjs writes Groth16 files: not with a halo2 proof system".into(),
                    ));
                }
                return prove_score_halo2(&system, scoring, &round, &out, statement_out, &dirs);
            }
            let shape = round.shape();
            let name = params_name(&scoring, &shape);
            let paths = KeyPaths::new(&dirs.params, &dirs.keys, &name);
            let hint = format!(
                "zkyuma setup score --shape {}x{} --depth {} --mode {} --scoring {}",
                shape.miners,
                shape.samples,
                shape.depth,
                match shape.mode {
                    WeightsMode::Hidden => "hidden",
                    WeightsMode::Public => "public",
                },
                scoring.id()
            );
            let keys = load_keys(
                &paths,
                &zkyuma_circuits::score::circuit_id(&scoring.id(), &shape),
                &name,
                hint,
            )?;
            let proof = with_progress(&name, keys.description.constraints, || {
                prove_score(&keys, scoring, &round)
            })?;
            write_proof(&out, statement_out, &proof.proof, &proof.statement)?;
            println!("row: {:?}", proof.evaluation.row);
            if let Some(dir) = snarkjs {
                zkyuma_prover::score::write_snarkjs_files(&keys, scoring, &round, &dir)?;
                println!("snarkjs files in {}", dir.display());
            }
        }
        Command::Verify(VerifyCommand::Score {
            proof,
            statement,
            params,
            proof_system,
        }) => {
            let st = verify_score_files_of(proof_system, &proof, &statement, &params)?;
            println!(
                "valid: {proof_system} score proof for netuid {} epoch {} ({} {})",
                st.netuid,
                st.epoch,
                st.scoring,
                st.shape.name()
            );
        }
        Command::Example(ExampleCommand::ScoreRound {
            shape,
            depth,
            mode,
            seed,
            out,
        }) => {
            let shape = parse_shape(&shape, depth, mode.into())?;
            let round = crate::examples::synthetic_round(&shape, seed);
            zkyuma_prover::keys::write_atomic(
                &out,
                serde_json::to_string_pretty(&round)?.as_bytes(),
            )?;
            println!("round: {}", out.display());
        }
    }
    Ok(())
}
