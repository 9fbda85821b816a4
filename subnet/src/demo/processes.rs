//! `zkyuma demo --processes`: the same subnet as [`super::run`], every role its own OS process
//! (`zkyuma serve <role> --config <file>`) on loopback, configured through the files a subnet
//! would deploy (written under `<out>/processes/`). The demo process only starts the roles,
//! waits for the epochs to be paid, fetches the bundles over gRPC and stops the roles.

use super::{colluders, demo_keys, miner_roster, DemoError, DemoKeys, DemoOptions};
use crate::chain::node::{ChainNodeConfig, NeuronSpec};
use crate::chain::SubnetConfig;
use crate::roles::config::{HotkeySpec, KeysSpec, PublicKeySpec, RecordsSpec};
use crate::roles::epoch_prover::EpochProverConfig;
use crate::roles::miner::MinerConfig;
use crate::roles::validator::{ValidatorBehaviourSpec, ValidatorConfig};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A role running as a child process; killed when dropped.
pub struct RoleProcess {
    child: Child,
    /// What it is (for messages).
    pub name: String,
}

impl RoleProcess {
    /// Start `<exe> serve <role> --config <config>`. A serving role's address (from its
    /// `listening on` line) is returned; its further output is forwarded to this process's
    /// standard output, prefixed with its name.
    pub fn start(
        exe: &Path,
        role: &str,
        name: &str,
        config: &Path,
        serving: bool,
    ) -> Result<(Self, Option<SocketAddr>), DemoError> {
        let mut child = Command::new(exe)
            .args(["serve", role, "--config"])
            .arg(config)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| DemoError::Data(format!("{name}: no standard output")))?;
        let mut lines = BufReader::new(stdout).lines();
        let mut addr = None;
        if serving {
            loop {
                let Some(line) = lines.next() else {
                    return Err(DemoError::Data(format!("{name} exited before listening")));
                };
                let line = line?;
                if let Some(a) = line.split("listening on ").nth(1) {
                    let parsed = a
                        .trim()
                        .parse()
                        .map_err(|e| DemoError::Data(format!("{name}: address {a:?}: {e}")))?;
                    addr = Some(parsed);
                    break;
                }
            }
        }
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                println!("{line}");
            }
        });
        Ok((
            Self {
                child,
                name: name.to_string(),
            },
            addr,
        ))
    }

    /// Wait (at most `limit`) for the process to exit successfully.
    pub fn wait(&mut self, limit: Duration) -> Result<(), DemoError> {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                return if status.success() {
                    Ok(())
                } else {
                    Err(DemoError::Data(format!("{} failed: {status}", self.name)))
                };
            }
            if started.elapsed() > limit {
                return Err(DemoError::Data(format!(
                    "{} did not finish in {limit:?}",
                    self.name
                )));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Pause (`SIGSTOP`) or resume (`SIGCONT`) it, through `kill(1)`.
    pub fn pause(&self, paused: bool) -> std::io::Result<()> {
        let status = Command::new("kill")
            .arg(if paused { "-STOP" } else { "-CONT" })
            .arg(self.child.id().to_string())
            .status()?;
        if status.success() {
            Ok(())
        } else {
            Err(std::io::Error::other(format!("kill(1) failed: {status}")))
        }
    }

    /// Its exit status, if it has exited (without waiting).
    pub fn try_status(&mut self) -> std::io::Result<Option<std::process::ExitStatus>> {
        self.child.try_wait()
    }

    /// Kill it (SIGKILL) and reap it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for RoleProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Write a configuration file.
pub fn write_config(path: &Path, value: &impl serde::Serialize) -> Result<PathBuf, DemoError> {
    let bytes = serde_json::to_vec_pretty(value).map_err(|e| DemoError::Data(e.to_string()))?;
    zkyuma_prover::keys::write_atomic(path, &bytes)?;
    Ok(path.to_path_buf())
}

/// What the multi-process demo did.
#[derive(Clone, Debug)]
pub struct ProcessesSummary {
    /// Where the bundles were fetched to.
    pub bundles: PathBuf,
    /// The audit of the fetched bundles.
    pub audit: crate::audit::AuditReport,
}

/// Run the demo with every role its own process; `exe` is the `zkyuma` binary.
pub fn run_processes(opts: &DemoOptions, exe: &Path) -> Result<ProcessesSummary, DemoError> {
    let shape = opts.shape;
    let (score_shape, epoch_shape) = (shape.score(), shape.epoch());
    // Keys as the in-process demo makes them (set up once, cached); the roles load them.
    let DemoKeys {
        scoring,
        score_name,
        epoch_name,
        ..
    } = demo_keys(opts)?;
    let root = opts.out.join("processes");
    if root.exists() {
        std::fs::remove_dir_all(&root)?;
    }
    std::fs::create_dir_all(&root)?;
    let v = shape.validators as usize;
    let data = shape.patient_data();
    let (_, forger) = colluders(v);
    let roster = miner_roster(&shape);
    let forge_friend = roster
        .iter()
        .position(|m| m.name == "forger-friend")
        .map(|i| (v + i) as u16);

    // Neurons: hospitals, then miners (demo hotkeys, so the chain can list them first).
    let mut roles: Vec<RoleProcess> = Vec::new();
    let mut neurons: Vec<NeuronSpec> = (0..v)
        .map(|i| NeuronSpec {
            hotkey: PublicKeySpec::Demo(format!("hospital-{i}")),
            stake: 1_000_000_000_000 * (v as u64 - i as u64 + 1),
            endpoint: String::new(),
        })
        .collect();
    for (i, m) in roster.iter().enumerate() {
        neurons.push(NeuronSpec {
            hotkey: PublicKeySpec::Demo(format!("miner-{i}-{}", m.name)),
            stake: 0,
            endpoint: String::new(),
        });
    }

    // The chain.
    let chain_config = ChainNodeConfig {
        listen: opts.chain_addr,
        store: root.join("chain/chain.redb"),
        bundles: root.join("chain/bundles"),
        params: opts.params.clone(),
        score_key: score_name.clone(),
        epoch_key: epoch_name.clone(),
        proof_system: opts.proof_system,
        score_proof_system: None,
        subnet: SubnetConfig {
            score_window_secs: super::score_window_secs(epoch_shape.validators),
            commit_window_ms: opts.commit_window.as_millis() as u64,
            ..SubnetConfig::local(scoring, score_shape, epoch_shape)
        },
        neurons,
    };
    let path = write_config(&root.join("chain.json"), &chain_config)?;
    let (p, addr) = RoleProcess::start(exe, "chain", "chain", &path, true)?;
    roles.push(p);
    let chain_url = format!(
        "http://{}",
        addr.ok_or_else(|| DemoError::Data("chain: no address".into()))?
    );
    eprintln!("chain: serving on {chain_url} (its own process)");

    // Miners: each its own process, watching the chain's task board.
    for (i, m) in roster.iter().enumerate() {
        let name = format!("miner-{i}-{}", m.name);
        let config = MinerConfig {
            chain: chain_url.clone(),
            netuid: 1,
            hotkey: HotkeySpec::Demo(name.clone()),
            model: m.model.clone(),
            data,
            behaviour: m.behaviour.clone(),
            poll_ms: 100,
        };
        let path = write_config(&root.join(format!("{name}.json")), &config)?;
        roles.push(RoleProcess::start(exe, "miner", &name, &path, false)?.0);
    }

    // The epoch prover: one proof per epoch, then it exits.
    let prover_config = EpochProverConfig {
        hotkey: HotkeySpec::Demo("epoch-prover".into()),
        netuid: 1,
        chain: chain_url.clone(),
        keys: KeysSpec {
            params: opts.params.clone(),
            keys: opts.keys.clone(),
            name: epoch_name,
        },
        proof_system: opts.proof_system,
        ptau: opts.halo2_ptau.clone(),
        shape: epoch_shape,
        state_dir: root.join("epoch-prover"),
        poll_ms: 200,
        epochs: Some(opts.epochs),
    };
    let path = write_config(&root.join("epoch-prover.json"), &prover_config)?;
    let (mut prover, _) = RoleProcess::start(exe, "epoch-prover", "epoch-prover", &path, false)?;

    // Hospitals: each registers its evaluation set first (a registration made once an epoch's
    // beacon round is fixed only counts from the next epoch), then all run at once.
    let mut validators = Vec::new();
    for (pass, epochs) in [("register", 0), ("run", opts.epochs)] {
        for i in 0..v {
            let name = format!("hospital-{i}");
            let config = ValidatorConfig {
                name: name.clone(),
                hotkey: HotkeySpec::Demo(name.clone()),
                netuid: 1,
                chain: chain_url.clone(),
                records: RecordsSpec::Patients { data, hospital: i },
                uids: shape.uids(),
                samples: shape.samples,
                depth: shape.depth,
                scoring,
                keys: KeysSpec {
                    params: opts.params.clone(),
                    keys: opts.keys.clone(),
                    name: score_name.clone(),
                },
                proof_system: opts.proof_system,
                ptau: opts.halo2_ptau.clone(),
                state_dir: root.join(&name),
                epochs,
                poll_ms: 200,
                behaviour: match forge_friend {
                    // One attempt only: as a process, the epoch closes once every permit holder
                    // has submitted, so a second attempt would come after it.
                    Some(uid) if i == forger => ValidatorBehaviourSpec::DropsMiners(uid),
                    _ => ValidatorBehaviourSpec::Honest,
                },
            };
            let path = write_config(&root.join(format!("{name}.json")), &config)?;
            let mut process = RoleProcess::start(exe, "validator", &name, &path, false)?.0;
            if pass == "register" {
                process.wait(Duration::from_secs(120))?;
            } else {
                validators.push(process);
            }
        }
    }
    // Generous: a validator's epoch is seconds at the small shape.
    let limit = Duration::from_secs(600 * opts.epochs.max(1));
    for val in &mut validators {
        val.wait(limit)?;
    }
    prover.wait(limit)?;

    // Fetch and audit what the chain paid.
    let bundles = opts.out.join("bundles");
    if bundles.exists() {
        std::fs::remove_dir_all(&bundles)?;
    }
    let rt = tokio::runtime::Runtime::new()?;
    let audit = rt
        .block_on(crate::audit::audit_chain(
            &chain_url,
            1,
            1..=opts.epochs.max(1),
            &bundles,
            Some(&opts.params),
        ))
        .map_err(DemoError::Data)?;
    drop(roles);
    Ok(ProcessesSummary { bundles, audit })
}
