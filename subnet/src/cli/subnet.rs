//! `zkyuma demo` and `zkyuma audit`.

use crate::cli::CliError;
use crate::demo::ceremony::DemoSetup;
use crate::demo::{DemoOptions, DemoShape};
use clap::Args;
use std::path::PathBuf;
use std::time::Duration;

/// `zkyuma demo`.
#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Epochs to run.
    #[arg(long, default_value_t = 2)]
    pub epochs: u64,
    /// Run the network shape (64 validators × 256 uids, 32 samples, depth 10) instead of the
    /// small one (4 × 12, 16 samples, depth 7). Needs far more time and memory.
    #[arg(long)]
    pub network: bool,
    /// Run the subnet with liquid alpha on (Yuma3 bonds with a sigmoid alpha per validator and
    /// uid, the runtime's `auto` consensus mode): the epoch proof is the `yuma3-liquid` circuit.
    #[arg(long)]
    pub liquid_alpha: bool,
    /// Output directory (bundles/ and state/ are replaced).
    #[arg(long, default_value = "zkyuma-data/demo")]
    pub out: PathBuf,
    /// Where the keys come from: a phase-2 ceremony per circuit (three contributions and a
    /// beacon, on the first run; cached after), or the INSECURE seeded setup pinned in `params/`.
    #[arg(long, value_enum, default_value_t = DemoSetupArg::Ceremony)]
    pub setup: DemoSetupArg,
    /// With `--setup ceremony`: the phase 1, a prepared `.ptau` (e.g. the Perpetual Powers of
    /// Tau of power 17 or more) [default: one made on this machine, its secrets dropped]. With
    /// `--proof-system halo2-kzg`: the universal setup (power 15 or more for the small shape).
    #[arg(long)]
    pub ptau: Option<PathBuf>,
    /// The proof system of both circuits: `groth16` (keys from `--setup`), `halo2-ipa` (no setup
    /// at all) or `halo2-kzg` (the universal setup of `--ptau`). halo2 keys live in
    /// `params/<name>.<system>/` (IPA's are pinned there; `--setup` does not apply).
    #[arg(long = "proof-system", default_value = "groth16", value_parser = super::parse_proof_system)]
    pub proof_system: zkyuma_circuits::statement::ProofSystem,
    /// With `--setup ceremony`: where the ceremonies run and their keys are kept (`params/`,
    /// `keys/`, `work/` below it).
    #[arg(long, default_value = "zkyuma-data/ceremony")]
    pub ceremony_dir: PathBuf,
    /// Verifying keys, descriptions and transcripts [default: `<ceremony-dir>/params`, or
    /// `params` with `--setup insecure-seed`].
    #[arg(long)]
    pub params: Option<PathBuf>,
    /// Proving-key cache [default: `<ceremony-dir>/keys`, or `zkyuma-data/keys` with `--setup
    /// insecure-seed`].
    #[arg(long)]
    pub keys: Option<PathBuf>,
    /// Address the embedded chain serves on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub chain_addr: std::net::SocketAddr,
    /// Each task's commit window (how long miners have to post their commitments to the
    /// chain), in milliseconds [default: 3000; with --network 30000, as 192 miners answer 64
    /// hospitals at once on one machine].
    #[arg(long)]
    pub commit_window_ms: Option<u64>,
    /// Run every role (chain, miners, hospitals, epoch prover) as its own OS process
    /// (`zkyuma serve ...`, configuration files under `<out>/processes/`) instead of in this one.
    #[arg(long)]
    pub processes: bool,
}

/// Where the demo's keys come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DemoSetupArg {
    /// A phase-2 ceremony per circuit.
    Ceremony,
    /// INSECURE: the setup from the public seed pinned in `params/`.
    InsecureSeed,
}

/// `zkyuma audit`.
#[derive(Debug, Clone, Args)]
pub struct AuditArgs {
    /// Directory of epoch bundles (or, with --chain, where fetched bundles are written; with
    /// --subtensor, the subnet's bundles the rest digests are checked against).
    pub dir: Option<PathBuf>,
    /// Also require the bundles' verifying keys to equal the pinned ones in this directory.
    #[arg(long)]
    pub params: Option<PathBuf>,
    /// Fetch the bundles from a running chain at this URL (e.g. http://127.0.0.1:50051).
    #[arg(long)]
    pub chain: Option<String>,
    /// With --chain: the subnet.
    #[arg(long, default_value_t = 1)]
    pub netuid: u16,
    /// With --chain: first and last epoch, `A..B`.
    #[arg(long, default_value = "1..1")]
    pub epochs: String,
    /// Audit the subnet on a subtensor node (`ws://` or `wss://`): its stored rows against the
    /// proofs its registry recorded, each re-verified natively (with --params, default `params`).
    #[arg(long, conflicts_with = "chain")]
    pub subtensor: Option<String>,
    /// With --subtensor: replay the node's answers recorded in this file instead of asking it.
    #[arg(long, conflicts_with = "chain")]
    pub replay: Option<PathBuf>,
    /// With --subtensor: write every answer of the node to this file (for --replay).
    #[arg(long)]
    pub record: Option<PathBuf>,
    /// With --subtensor: the subnet's registry contract (0x + 40 hex digits).
    #[arg(long)]
    pub registry: Option<String>,
    /// With --subtensor: first block scanned for the registry's logs (default: 360 before the last).
    #[arg(long)]
    pub from_block: Option<u64>,
    /// With --subtensor: last block (default: the head).
    #[arg(long)]
    pub to_block: Option<u64>,
    /// With --subtensor: the version the registry's keys were registered under.
    #[arg(long, default_value_t = 1)]
    pub key_version: u32,
    /// With --subtensor: print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `zkyuma audit --subtensor URL | --replay FILE`.
fn audit_subtensor(args: &AuditArgs) -> Result<(), CliError> {
    use crate::subtensor_audit::{audit_subtensor, Node, SubtensorAuditOptions};
    let registry = args
        .registry
        .as_deref()
        .map(crate::cli::chain::parse_h160)
        .transpose()?;
    let opts = SubtensorAuditOptions {
        netuid: args.netuid,
        registry,
        from_block: args.from_block,
        to_block: args.to_block,
        params: args
            .params
            .clone()
            .unwrap_or_else(|| PathBuf::from("params")),
        key_version: args.key_version,
        bundles: args.dir.clone(),
    };
    let audit_err = |e: crate::subtensor_audit::SubtensorAuditError| CliError::Audit(e.to_string());
    let rt = runtime()?;
    let (node, report) = rt.block_on(async {
        let node = match (&args.replay, &args.subtensor) {
            (Some(file), _) => Node::replay(file).map_err(audit_err)?,
            (None, Some(url)) => Node::connect(url).await.map_err(audit_err)?,
            (None, None) => return Err(CliError::Usage("--subtensor URL or --replay FILE".into())),
        };
        let report = audit_subtensor(&node, &opts).await;
        Ok::<_, CliError>((node, report))
    })?;
    if let Some(path) = &args.record {
        let bytes = serde_json::to_vec_pretty(&node.recording())?;
        zkyuma_prover::keys::write_atomic(path, &bytes)?;
        eprintln!("answers recorded in {}", path.display());
    }
    let report = report.map_err(audit_err)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.render());
    }
    if report.consistent() {
        Ok(())
    } else {
        Err(CliError::Audit(
            "a recorded proof does not match the chain".into(),
        ))
    }
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Usage(format!("cannot start the async runtime: {e}")))
}

/// Run the demo and print how to audit its bundles.
pub fn demo(args: &DemoArgs) -> Result<(), CliError> {
    let window_ms = args
        .commit_window_ms
        .unwrap_or(if args.network { 30_000 } else { 3_000 });
    let halo2 = args.proof_system != zkyuma_circuits::statement::ProofSystem::Groth16;
    let (setup, params, keys) = match args.setup {
        // halo2 has no per-circuit setup: its keys are in `params/<name>.<system>/`.
        _ if halo2 => (
            DemoSetup::InsecureSeed,
            args.params.clone().unwrap_or_else(|| "params".into()),
            args.keys
                .clone()
                .unwrap_or_else(|| "zkyuma-data/keys".into()),
        ),
        DemoSetupArg::Ceremony => (
            DemoSetup::Ceremony {
                ptau: args.ptau.clone(),
                work: args.ceremony_dir.join("work"),
            },
            args.params
                .clone()
                .unwrap_or_else(|| args.ceremony_dir.join("params")),
            args.keys
                .clone()
                .unwrap_or_else(|| args.ceremony_dir.join("keys")),
        ),
        DemoSetupArg::InsecureSeed => {
            if args.ptau.is_some() {
                return Err(CliError::Usage("--ptau is for --setup ceremony".into()));
            }
            (
                DemoSetup::InsecureSeed,
                args.params.clone().unwrap_or_else(|| "params".into()),
                args.keys
                    .clone()
                    .unwrap_or_else(|| "zkyuma-data/keys".into()),
            )
        }
    };
    let opts = DemoOptions {
        setup,
        shape: DemoShape {
            liquid_alpha: args.liquid_alpha,
            ..if args.network {
                DemoShape::NETWORK
            } else {
                DemoShape::SMALL
            }
        },
        epochs: args.epochs.max(1),
        params: params.clone(),
        keys,
        out: args.out.clone(),
        chain_addr: args.chain_addr,
        commit_window: Duration::from_millis(window_ms),
        slow_delay: Duration::from_millis(window_ms.saturating_mul(2)),
        proof_system: args.proof_system,
        halo2_ptau: if halo2 { args.ptau.clone() } else { None },
    };
    if args.processes {
        let exe = std::env::current_exe()
            .map_err(|e| CliError::Usage(format!("cannot find the zkyuma binary: {e}")))?;
        let summary = crate::demo::processes::run_processes(&opts, &exe)?;
        print!("{}", summary.audit.render());
        println!(
            "\n{} epochs proven, verified and paid with every role its own process; audit of the fetched bundles: {}",
            summary.audit.epochs.len(),
            if summary.audit.passed() { "passed" } else { "FAILED" }
        );
        println!(
            "audit the bundles yourself: cargo run --release -p zkyuma-subnet --bin zkyuma -- audit {} --params {}",
            summary.bundles.display(),
            params.display()
        );
        return if summary.audit.passed() {
            Ok(())
        } else {
            Err(CliError::Audit("the fetched bundles fail the audit".into()))
        };
    }
    let summary = runtime()?.block_on(crate::demo::run(&opts))?;
    let report = crate::audit::audit_dir(&summary.bundles, Some(&params))
        .map_err(|e| CliError::Audit(e.to_string()))?;
    println!(
        "\n{} epochs proven, verified and paid; the demo's own audit: {}",
        summary.epochs.len(),
        if report.passed() { "passed" } else { "FAILED" }
    );
    println!(
        "audit the bundles yourself: cargo run --release -p zkyuma-subnet --bin zkyuma -- audit {} --params {}",
        summary.bundles.display(),
        params.display()
    );
    Ok(())
}

fn parse_range(s: &str) -> Result<std::ops::RangeInclusive<u64>, CliError> {
    let bad = || CliError::Usage(format!("--epochs {s}: expected A..B"));
    let (a, b) = s.split_once("..").ok_or_else(bad)?;
    let a: u64 = a.parse().map_err(|_| bad())?;
    let b: u64 = b.parse().map_err(|_| bad())?;
    if a == 0 || b < a {
        return Err(bad());
    }
    Ok(a..=b)
}

/// Audit bundles and print the report; an error (non-zero exit) on any failure.
pub fn audit(args: &AuditArgs) -> Result<(), CliError> {
    if args.subtensor.is_some() || args.replay.is_some() {
        return audit_subtensor(args);
    }
    let Some(dir) = &args.dir else {
        return Err(CliError::Usage(
            "a directory of bundles, or --subtensor URL".into(),
        ));
    };
    let report = match &args.chain {
        Some(url) => {
            let range = parse_range(&args.epochs)?;
            runtime()?
                .block_on(crate::audit::audit_chain(
                    url,
                    args.netuid,
                    range,
                    dir,
                    args.params.as_deref(),
                ))
                .map_err(CliError::Audit)?
        }
        None => crate::audit::audit_dir(dir, args.params.as_deref())
            .map_err(|e| CliError::Audit(e.to_string()))?,
    };
    print!("{}", report.render());
    if report.passed() {
        Ok(())
    } else {
        Err(CliError::Audit("one or more epochs failed".into()))
    }
}
