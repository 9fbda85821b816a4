//! The soak (`zkyuma soak`): a subnet with every role its own process (`zkyuma serve ...` on
//! loopback) run for many epochs back to back while faults are injected, then audited.
//!
//! The harness is the roles' supervisor: it starts the chain, the miners, the epoch prover and
//! the validators, restarts any role that exits before its work is done (as systemd would), and
//! injects one fault per epoch in turn:
//!
//! - **miner restart**: a miner is killed (SIGKILL) as the epoch opens and restarted;
//! - **validator killed mid-proof**: a validator is killed once its task is posted and before
//!   its proof is saved (its `epoch-E.json` holds no proof yet), and restarted: it resumes from
//!   its saved progress;
//! - **chain killed between submissions**: once some but not every permit holder has submitted,
//!   the chain is killed and restarted from its store on the same address;
//! - **hostile peer**: a client that is no neuron sends the chain an oversized submission (over
//!   the gRPC message limit), a malformed one (a statement that is not JSON), and the previous
//!   epoch's accepted score and epoch submissions replayed; each must be refused, and the chain
//!   must go on answering.
//!
//! One miner is slow throughout (it answers each task seconds after it sees it).
//!
//! At the end every epoch's bundle is fetched over gRPC and audited, and the report says, per
//! epoch: the score proofs the chain accepted, the validators without one (*lost*), any uid
//! accepted twice (*duplicated*), and the faults with their outcomes. A soak passes when every
//! epoch is paid once, every bundle audits, nothing is lost or duplicated and every hostile
//! message was refused.

use crate::demo::processes::{write_config, RoleProcess};
use crate::demo::DemoError;
use crate::net::protocol::pb;
use serde::Serialize;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use zkyuma_circuits::epoch::{BondsRule, EpochShape};
use zkyuma_circuits::score::{ScoreShape, WeightsMode};
use zkyuma_circuits::scoring::Scoring;
use zkyuma_prover::keys::{KeyPaths, SetupKind};

/// What to soak.
#[derive(Clone, Debug)]
pub struct SoakOptions {
    /// Validators (permit holders; each a hospital with its own evaluation set).
    pub validators: u32,
    /// Miners.
    pub miners: u32,
    /// Samples per score proof.
    pub samples: u32,
    /// Evaluation-set tree depth.
    pub depth: u32,
    /// Patients per hospital.
    pub per_hospital: usize,
    /// Epochs to run back to back.
    pub epochs: u64,
    /// Working directory (keys, configurations, stores, bundles, the report).
    pub out: PathBuf,
    /// The `zkyuma` binary the roles run as.
    pub exe: PathBuf,
    /// The whole soak's time limit.
    pub limit: Duration,
}

impl SoakOptions {
    fn uids(&self) -> u32 {
        self.validators + self.miners
    }

    fn score_shape(&self) -> ScoreShape {
        ScoreShape {
            miners: self.uids(),
            samples: self.samples,
            depth: self.depth,
            mode: WeightsMode::Hidden,
        }
    }

    fn epoch_shape(&self) -> EpochShape {
        EpochShape {
            validators: self.validators,
            uids: self.uids(),
            bonds: BondsRule::Yuma3,
        }
    }
}

/// The fault injected in an epoch: the epochs take them in turn, starting with the miner restart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// A miner killed as the epoch opens, and restarted.
    MinerRestart,
    /// A validator killed before its proof was saved, and restarted.
    ValidatorKilledMidProof,
    /// The chain killed between two submissions, and restarted from its store.
    ChainKilledBetweenSubmissions,
    /// Oversized, malformed and replayed messages from a client that is no neuron.
    HostilePeer,
}

impl FaultKind {
    /// The fault planned for `epoch` (1-based).
    pub fn of_epoch(epoch: u64) -> Self {
        match (epoch.saturating_sub(1)) % 4 {
            0 => Self::MinerRestart,
            1 => Self::ValidatorKilledMidProof,
            2 => Self::ChainKilledBetweenSubmissions,
            _ => Self::HostilePeer,
        }
    }
}

/// One injected fault and what came of it.
#[derive(Clone, Debug, Serialize)]
pub struct FaultRecord {
    /// The epoch it was injected in.
    pub epoch: u64,
    /// Which fault.
    pub kind: FaultKind,
    /// What was done, and how the subnet answered.
    pub detail: String,
    /// Whether the subnet answered as it must (a hostile message refused, a role back).
    pub handled: bool,
}

/// One epoch of the soak.
#[derive(Clone, Debug, Serialize)]
pub struct EpochOutcome {
    /// The epoch.
    pub epoch: u64,
    /// Score proofs the chain accepted (and the audit verified).
    pub accepted: usize,
    /// Submissions the chain refused.
    pub refused: usize,
    /// Miner commitments on the epoch's task board, of `validators × miners` possible (a miner
    /// that does not answer a task within its commit window scores 0 for it).
    pub commitments: usize,
    /// Validators with no accepted score proof.
    pub lost: Vec<u16>,
    /// Validators with more than one accepted score proof.
    pub duplicated: Vec<u16>,
    /// Whether its bundle audits.
    pub audited: bool,
    /// Seconds from the epoch's opening to the next one's (as the harness saw it).
    pub seconds: f64,
}

/// What the soak did.
#[derive(Clone, Debug, Serialize)]
pub struct SoakReport {
    /// Validators × uids.
    pub shape: String,
    /// Per epoch.
    pub epochs: Vec<EpochOutcome>,
    /// Every fault injected.
    pub faults: Vec<FaultRecord>,
    /// Role processes the supervisor restarted because they exited early (role, epoch, status).
    pub restarts: Vec<String>,
    /// Seconds in all (keys excluded).
    pub seconds: f64,
    /// The audit's own report.
    pub audit: String,
}

impl SoakReport {
    /// Every epoch paid once and audited, nothing lost or duplicated, every fault handled.
    pub fn passed(&self) -> bool {
        !self.epochs.is_empty()
            && self
                .epochs
                .iter()
                .all(|e| e.audited && e.lost.is_empty() && e.duplicated.is_empty())
            && self.faults.iter().all(|f| f.handled)
    }

    /// A readable report.
    pub fn render(&self) -> String {
        let mut out = format!(
            "soak {}: {} epochs in {:.0} s — {}\n",
            self.shape,
            self.epochs.len(),
            self.seconds,
            if self.passed() { "PASSED" } else { "FAILED" }
        );
        out.push_str(
            "epoch  accepted  refused  commitments  lost  duplicated  audited  seconds  fault\n",
        );
        for e in &self.epochs {
            let faults: Vec<String> = self
                .faults
                .iter()
                .filter(|f| f.epoch == e.epoch)
                .map(|f| {
                    format!(
                        "{}{}",
                        f.detail,
                        if f.handled { "" } else { " [NOT HANDLED]" }
                    )
                })
                .collect();
            out.push_str(&format!(
                "{:>5}  {:>8}  {:>7}  {:>11}  {:>4}  {:>10}  {:>7}  {:>7.1}  {}\n",
                e.epoch,
                e.accepted,
                e.refused,
                e.commitments,
                e.lost.len(),
                e.duplicated.len(),
                if e.audited { "yes" } else { "NO" },
                e.seconds,
                faults.join("; ")
            ));
        }
        for r in &self.restarts {
            out.push_str(&format!("supervisor restarted {r}\n"));
        }
        out
    }
}

/// A supervised role: its process, how to start it again, and whether it is done.
struct Role {
    name: String,
    kind: &'static str,
    config: PathBuf,
    process: RoleProcess,
    /// Roles that exit when their work is done (validators, the epoch prover).
    finite: bool,
    done: bool,
}

impl Role {
    fn start(
        exe: &Path,
        kind: &'static str,
        name: &str,
        config: PathBuf,
        finite: bool,
    ) -> Result<Self, DemoError> {
        let (process, _) = RoleProcess::start(exe, kind, name, &config, false)?;
        Ok(Self {
            name: name.to_string(),
            kind,
            config,
            process,
            finite,
            done: false,
        })
    }
}

fn keys(
    opts: &SoakOptions,
    scoring: Scoring,
) -> Result<(PathBuf, PathBuf, String, String), DemoError> {
    let (params, keys) = (opts.out.join("params"), opts.out.join("keys"));
    let kind = || SetupKind::InsecureDeterministic {
        seed: "zkyuma-soak".into(),
    };
    let score_shape = opts.score_shape();
    let epoch_shape = opts.epoch_shape();
    let score_name = zkyuma_prover::score::params_name(&scoring, &score_shape);
    let epoch_name = zkyuma_prover::epoch::params_name(&epoch_shape);
    let score_paths = KeyPaths::new(&params, &keys, &score_name);
    let score_id = zkyuma_circuits::score::circuit_id(
        &zkyuma_circuits::scoring::ScoringFunction::id(&scoring),
        &score_shape,
    );
    if score_paths.load(&score_id).is_err() {
        eprintln!("soak: setting up the score circuit {score_name}");
        let k = zkyuma_prover::score::setup_score(scoring, score_shape, kind())?;
        score_paths.save(&k)?;
    }
    let epoch_paths = KeyPaths::new(&params, &keys, &epoch_name);
    if epoch_paths
        .load(&zkyuma_circuits::epoch::circuit_id(&epoch_shape))
        .is_err()
    {
        eprintln!("soak: setting up the epoch circuit {epoch_name}");
        let k = zkyuma_prover::epoch::setup_epoch(epoch_shape, kind())?;
        epoch_paths.save(&k)?;
    }
    Ok((params, keys, score_name, epoch_name))
}

/// The chain's open epoch and how many permit holders have submitted in it.
async fn chain_view(url: &str) -> Option<(u64, usize)> {
    let mut c = crate::net::serve::chain_client(url).ok()?;
    let m = c
        .get_metagraph(pb::MetagraphRequest { netuid: 1 })
        .await
        .ok()?
        .into_inner();
    let st = c
        .get_epoch_state(pb::BundleRequest {
            netuid: 1,
            epoch: m.epoch,
        })
        .await
        .ok()?
        .into_inner();
    let state: crate::chain::EpochState =
        crate::net::protocol::json_field("state_json", &st.state_json).ok()?;
    Some((m.epoch, state.submitted.len()))
}

/// A validator's saved progress for `epoch`: `Some(true)` once its proof is saved, `Some(false)`
/// while it works toward it, `None` before it started the epoch.
fn validator_proved(state_dir: &Path, epoch: u64) -> Option<bool> {
    let bytes = std::fs::read(crate::roles::validator::progress_file(state_dir, epoch)).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    Some(!v.get("proved").is_none_or(serde_json::Value::is_null))
}

/// How the chain answered a hostile submission, and whether it refused it (by a receipt naming
/// its rule, or at the wire).
fn answer_note(
    what: &str,
    answer: Result<tonic::Response<pb::Receipt>, tonic::Status>,
) -> (String, bool) {
    match answer {
        Ok(r) => match crate::net::protocol::verdict(r.get_ref()) {
            Ok(()) => (format!("{what}: ACCEPTED"), false),
            Err(refusal) => (format!("{what}: refused ({refusal})"), true),
        },
        Err(s) => (format!("{what}: {:?}", s.code()), true),
    }
}

/// The hostile peer's messages in `epoch`: each must be refused and the chain must still answer.
async fn hostile(url: &str, epoch: u64) -> (String, bool) {
    let Ok(mut c) = crate::net::serve::chain_client(url) else {
        return ("no connection to the chain".into(), false);
    };
    let mut notes = Vec::new();
    let mut handled = true;
    // Oversized: beyond the gRPC message limit.
    let big = pb::ScoreSubmission {
        statement_json: vec![b'{'; 8 << 20],
        proof_system: "groth16".into(),
        ..Default::default()
    };
    let (note, refused) = answer_note("oversized", c.submit_score(big).await);
    handled &= refused;
    notes.push(note);
    // Malformed: a statement that is not JSON.
    let bad = pb::ScoreSubmission {
        statement_json: b"{not json".to_vec(),
        proof: vec![0; 128],
        proof_system: "groth16".into(),
        ..Default::default()
    };
    let (note, refused) = answer_note("malformed", c.submit_score(bad).await);
    handled &= refused;
    notes.push(note);
    // Replayed: the previous epoch's accepted submissions, from its bundle.
    let prev = epoch.saturating_sub(1);
    match c
        .get_bundle(pb::BundleRequest {
            netuid: 1,
            epoch: prev,
        })
        .await
    {
        Ok(b) => {
            match serde_json::from_slice::<crate::bundle::EpochBundle>(&b.get_ref().bundle_json) {
                Ok(bundle) => {
                    if let Some(s) = bundle.scores.iter().find(|s| s.accepted) {
                        let sub = pb::ScoreSubmission {
                            statement_json: crate::net::protocol::to_json(&s.statement),
                            proof: hex::decode(&s.proof).unwrap_or_default(),
                            signature: hex::decode(&s.signature).unwrap_or_default(),
                            proof_system: s.proof_system.name().into(),
                            sealed_opening: hex::decode(&s.sealed_opening).unwrap_or_default(),
                            dropped_miners_json: hex::decode(&s.dropped_miners).unwrap_or_default(),
                        };
                        let (note, refused) =
                            answer_note("replayed score", c.submit_score(sub).await);
                        handled &= refused;
                        notes.push(note);
                    }
                    let sub = pb::EpochSubmission {
                        statement_json: crate::net::protocol::to_json(&bundle.epoch_statement),
                        proof: hex::decode(&bundle.epoch_proof).unwrap_or_default(),
                        proof_system: bundle.epoch_proof_system.name().into(),
                        dropped_json: b"[]".to_vec(),
                    };
                    let (note, refused) =
                        answer_note("replayed epoch proof", c.submit_epoch(sub).await);
                    handled &= refused;
                    notes.push(note);
                }
                Err(e) => {
                    handled = false;
                    notes.push(format!("previous bundle unreadable: {e}"));
                }
            }
        }
        Err(s) if prev == 0 => notes.push(format!("nothing to replay ({:?})", s.code())),
        Err(s) => {
            handled = false;
            notes.push(format!("previous bundle missing: {}", s.message()));
        }
    }
    // The chain still answers.
    let alive = c
        .get_metagraph(pb::MetagraphRequest { netuid: 1 })
        .await
        .is_ok();
    handled &= alive;
    notes.push(format!("chain answering afterwards: {alive}"));
    (format!("hostile peer: {}", notes.join(", ")), handled)
}

/// Run the soak.
pub fn run_soak(opts: &SoakOptions) -> Result<SoakReport, DemoError> {
    let scoring = Scoring::Mse { amplification: 16 };
    std::fs::create_dir_all(&opts.out)?;
    let (params, keys_dir, score_name, epoch_name) = keys(opts, scoring)?;
    let run = opts.out.join("run");
    if run.exists() {
        std::fs::remove_dir_all(&run)?;
    }
    std::fs::create_dir_all(&run)?;
    let rt = tokio::runtime::Runtime::new()?;
    let (v, m) = (opts.validators as usize, opts.miners as usize);
    let data = json!({ "hospitals": v, "per_hospital": opts.per_hospital, "seed": 7 });
    let subnet = crate::chain::SubnetConfig {
        score_window_secs: 600,
        ..crate::chain::SubnetConfig::local(scoring, opts.score_shape(), opts.epoch_shape())
    };
    let mut neurons = Vec::new();
    for i in 0..v {
        neurons.push(json!({ "hotkey": { "demo": format!("hospital-{i}") },
                             "stake": 1_000_000_000_000u64 * (v as u64 - i as u64 + 1) }));
    }
    for i in 0..m {
        neurons.push(json!({ "hotkey": { "demo": format!("miner-{i}") }, "stake": 0 }));
    }
    let chain_config = |listen: &str| {
        json!({ "listen": listen, "store": run.join("chain/chain.redb"),
                "bundles": run.join("chain/bundles"), "params": params,
                "score_key": score_name, "epoch_key": epoch_name, "subnet": subnet,
                "neurons": neurons })
    };
    let cfg = write_config(&run.join("chain.json"), &chain_config("127.0.0.1:0"))?;
    let (mut chain, addr) = RoleProcess::start(&opts.exe, "chain", "chain", &cfg, true)?;
    let addr = addr
        .ok_or_else(|| DemoError::Data("chain: no address".into()))?
        .to_string();
    let url = format!("http://{addr}");
    let chain_cfg = write_config(&run.join("chain.json"), &chain_config(&addr))?;

    let mut roles: Vec<Role> = Vec::new();
    for i in 0..m {
        let model = match i % 3 {
            0 => json!({ "kind": "linear", "columns": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] }),
            1 => json!({ "kind": "mean" }),
            _ => json!({ "kind": "noisy", "amplitude": 2000 }),
        };
        // The last miner is slow throughout.
        let behaviour = if i + 1 == m {
            json!({ "slow_ms": 2000 })
        } else {
            json!("honest")
        };
        let name = format!("miner-{i}");
        let cfg = write_config(
            &run.join(format!("{name}.json")),
            &json!({ "chain": url, "netuid": 1, "hotkey": { "demo": name }, "model": model,
                     "data": data, "behaviour": behaviour, "poll_ms": 300 }),
        )?;
        roles.push(Role::start(&opts.exe, "miner", &name, cfg, false)?);
    }
    let prover_cfg = |epochs: u64| {
        json!({ "hotkey": { "demo": "epoch-prover" }, "netuid": 1, "chain": url,
                "keys": { "params": params, "keys": keys_dir, "name": epoch_name },
                "shape": opts.epoch_shape(), "state_dir": run.join("epoch-prover"),
                "poll_ms": 200, "epochs": epochs })
    };
    let validator_cfg = |i: usize, epochs: u64| {
        json!({ "name": format!("hospital-{i}"), "hotkey": { "demo": format!("hospital-{i}") },
                "netuid": 1, "chain": url,
                "records": { "patients": { "data": data, "hospital": i } },
                "uids": opts.uids(), "samples": opts.samples, "depth": opts.depth,
                "scoring": scoring,
                "keys": { "params": params, "keys": keys_dir, "name": score_name },
                "state_dir": run.join(format!("hospital-{i}")),
                "epochs": epochs, "poll_ms": 200 })
    };
    // Every hospital registers its evaluation set first, so that all count from epoch 1.
    for i in 0..v {
        let cfg = write_config(
            &run.join(format!("hospital-{i}.json")),
            &validator_cfg(i, 0),
        )?;
        let mut r = Role::start(&opts.exe, "validator", &format!("hospital-{i}"), cfg, true)?;
        r.process.wait(Duration::from_secs(300))?;
    }
    let started = Instant::now();
    let cfg = write_config(&run.join("epoch-prover.json"), &prover_cfg(opts.epochs))?;
    roles.push(Role::start(
        &opts.exe,
        "epoch-prover",
        "epoch-prover",
        cfg,
        true,
    )?);
    for i in 0..v {
        let cfg = write_config(
            &run.join(format!("hospital-{i}.json")),
            &validator_cfg(i, opts.epochs),
        )?;
        roles.push(Role::start(
            &opts.exe,
            "validator",
            &format!("hospital-{i}"),
            cfg,
            true,
        )?);
    }

    let last = opts.epochs;
    let mut faults: Vec<FaultRecord> = Vec::new();
    let mut restarts = Vec::new();
    let mut opened: Vec<(u64, Instant)> = Vec::new();
    let mut injected = 0u64;
    let mut held_for: Option<u64> = None;
    let mut current = 0u64;
    loop {
        if started.elapsed() > opts.limit {
            return Err(DemoError::Data(format!(
                "the soak did not finish in {:?} (at epoch {current})",
                opts.limit
            )));
        }
        let view = rt.block_on(chain_view(&url));
        if let Some((epoch, _)) = view {
            if epoch != current {
                for missed in (injected + 1).max(current)..epoch.min(last + 1) {
                    if missed >= 1 && missed > injected {
                        faults.push(FaultRecord {
                            epoch: missed,
                            kind: FaultKind::of_epoch(missed),
                            detail: "not injected: the epoch closed first".into(),
                            handled: true,
                        });
                    }
                }
                injected = injected.max(epoch.saturating_sub(1));
                if held_for.is_some_and(|e| e < epoch) {
                    // Never left paused past its epoch (a process that has exited is gone).
                    if let Some(r) = roles
                        .iter()
                        .find(|r| r.name == format!("hospital-{}", v - 1))
                    {
                        let _ = r.process.pause(false);
                    }
                    held_for = None;
                }
                current = epoch;
                opened.push((epoch, Instant::now()));
                eprintln!(
                    "soak: epoch {epoch} open ({:.0} s)",
                    started.elapsed().as_secs_f64()
                );
            }
            if epoch > last {
                break;
            }
        }
        // The supervisor: a role that exited before its work is done is started again; a
        // validator or the epoch prover for the epochs left.
        for r in roles.iter_mut() {
            if r.done {
                continue;
            }
            if let Ok(Some(status)) = r.process.try_status() {
                if r.finite && status.success() {
                    r.done = true;
                    continue;
                }
                let left = last.saturating_sub(current.max(1)) + 1;
                if r.kind == "validator" {
                    let i: usize = r.name.trim_start_matches("hospital-").parse().unwrap_or(0);
                    write_config(&r.config, &validator_cfg(i, left))?;
                } else if r.kind == "epoch-prover" {
                    write_config(&r.config, &prover_cfg(left))?;
                }
                restarts.push(format!(
                    "{} in epoch {current} (it exited: {status})",
                    r.name
                ));
                r.process = RoleProcess::start(&opts.exe, r.kind, &r.name, &r.config, false)?.0;
            }
        }
        // This epoch's fault, once.
        if let Some((epoch, submitted)) = view {
            if epoch > injected && epoch <= last {
                let kind = FaultKind::of_epoch(epoch);
                let fired = match kind {
                    FaultKind::MinerRestart => {
                        let i = (epoch as usize) % m.max(1);
                        if let Some(r) = roles.iter_mut().find(|r| r.name == format!("miner-{i}")) {
                            r.process.kill();
                            std::thread::sleep(Duration::from_millis(500));
                            r.process =
                                RoleProcess::start(&opts.exe, r.kind, &r.name, &r.config, false)?.0;
                            faults.push(FaultRecord {
                                epoch,
                                kind,
                                detail: format!("miner-{i} killed and restarted"),
                                handled: true,
                            });
                        }
                        true
                    }
                    FaultKind::ValidatorKilledMidProof => {
                        let i = (epoch as usize) % v;
                        let dir = run.join(format!("hospital-{i}"));
                        match validator_proved(&dir, epoch) {
                            Some(false) => {
                                if let Some(r) =
                                    roles.iter_mut().find(|r| r.name == format!("hospital-{i}"))
                                {
                                    r.process.kill();
                                    let left = last - epoch + 1;
                                    write_config(&r.config, &validator_cfg(i, left))?;
                                    r.process = RoleProcess::start(
                                        &opts.exe, r.kind, &r.name, &r.config, false,
                                    )?
                                    .0;
                                    faults.push(FaultRecord {
                                        epoch,
                                        kind,
                                        detail: format!(
                                            "hospital-{i} killed before its proof was saved, restarted"
                                        ),
                                        handled: true,
                                    });
                                }
                                true
                            }
                            // Too late this epoch (its proof is saved): the next epoch's.
                            Some(true) => {
                                faults.push(FaultRecord {
                                    epoch,
                                    kind,
                                    detail: format!(
                                        "hospital-{i} had proven before it could be killed"
                                    ),
                                    handled: true,
                                });
                                true
                            }
                            None => false,
                        }
                    }
                    FaultKind::ChainKilledBetweenSubmissions => {
                        // The last hospital is held (SIGSTOP) from the epoch's opening until the
                        // chain has been killed after another's submission.
                        let held = format!("hospital-{}", v - 1);
                        if v >= 2 && held_for != Some(epoch) {
                            if let Some(r) = roles.iter().find(|r| r.name == held) {
                                r.process.pause(true)?;
                                held_for = Some(epoch);
                            }
                        }
                        if submitted >= 1 && submitted < v {
                            chain.kill();
                            let (c, a) =
                                RoleProcess::start(&opts.exe, "chain", "chain", &chain_cfg, true)?;
                            chain = c;
                            let back = a.map(|a| a.to_string()) == Some(addr.clone());
                            let resumed = rt.block_on(chain_view(&url));
                            if let Some(r) = roles.iter().find(|r| r.name == held) {
                                let _ = r.process.pause(false);
                            }
                            faults.push(FaultRecord {
                                epoch,
                                kind,
                                detail: format!(
                                    "chain killed after {submitted} of {v} submissions ({held} \
                                     held), restarted from its store (resumed at epoch {} with {} \
                                     submissions)",
                                    resumed.map_or(0, |r| r.0),
                                    resumed.map_or(0, |r| r.1)
                                ),
                                handled: back && resumed == Some((epoch, submitted)),
                            });
                            true
                        } else {
                            false
                        }
                    }
                    FaultKind::HostilePeer => {
                        let (detail, handled) = rt.block_on(hostile(&url, epoch));
                        faults.push(FaultRecord {
                            epoch,
                            kind,
                            detail,
                            handled,
                        });
                        true
                    }
                };
                if fired {
                    injected = epoch;
                }
            }
        }
        std::thread::sleep(Duration::from_millis(150));
    }
    let seconds = started.elapsed().as_secs_f64();

    // Fetch and audit every epoch.
    let bundles = run.join("fetched");
    let audit = rt
        .block_on(crate::audit::audit_chain(
            &url,
            1,
            1..=last,
            &bundles,
            Some(&params),
        ))
        .map_err(DemoError::Data)?;
    let mut epochs = Vec::new();
    for e in 1..=last {
        let file = audit.epochs.iter().find(|a| a.epoch == Some(e));
        let bundle: Option<crate::bundle::EpochBundle> = file
            .and_then(|a| std::fs::read(&a.path).ok())
            .and_then(|b| serde_json::from_slice(&b).ok());
        let mut lost = Vec::new();
        let mut duplicated = Vec::new();
        let (mut accepted, mut refused, mut commitments) = (0, 0, 0);
        if let Some(b) = &bundle {
            for uid in 0..opts.validators as u16 {
                let n = b
                    .scores
                    .iter()
                    .filter(|s| s.accepted && s.validator_uid == Some(uid))
                    .count();
                match n {
                    0 => lost.push(uid),
                    1 => {}
                    _ => duplicated.push(uid),
                }
            }
            commitments = b.tasks.commitments.len();
            accepted = b.scores.iter().filter(|s| s.accepted).count();
            refused = b.scores.len() - accepted;
        } else {
            lost = (0..opts.validators as u16).collect();
        }
        let at = |k: u64| opened.iter().find(|(x, _)| *x == k).map(|(_, t)| *t);
        epochs.push(EpochOutcome {
            epoch: e,
            accepted,
            refused,
            commitments,
            lost,
            duplicated,
            audited: file.is_some_and(|a| a.failures.is_empty()),
            seconds: match (at(e), at(e + 1)) {
                (Some(a), Some(b)) => (b - a).as_secs_f64(),
                _ => 0.0,
            },
        });
    }
    drop(roles);
    drop(chain);
    let report = SoakReport {
        shape: format!("{} × {}", opts.validators, opts.uids()),
        epochs,
        faults,
        restarts,
        seconds,
        audit: audit.render(),
    };
    let json = serde_json::to_vec_pretty(&report).map_err(|e| DemoError::Data(e.to_string()))?;
    zkyuma_prover::keys::write_atomic(&opts.out.join("soak-report.json"), &json)?;
    Ok(report)
}
