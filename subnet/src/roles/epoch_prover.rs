//! The epoch prover (DESIGN §1 step 4): reads each accepted row's weight opening from the chain,
//! where it was sealed to the epoch prover's hotkey with the row's score submission, opens it
//! against the accepted weight commitment, runs the native epoch over the opened rows and its own
//! previous bonds, proves it, and submits the proof. A row whose sealed opening does not open its
//! commitment is dropped, with a disclosure that lets anyone check why. It is the one party that
//! sees the weight rows (a trust assumption stated in the README). Its bonds are kept on disk,
//! written atomically, so a restart loses nothing.

use crate::chain::{opening_context, unix_now, DroppedRow, EpochState, WeightOpening};
use crate::net::hotkey::Hotkey;
use crate::net::protocol::{self, pb};
use crate::net::sealed;
use crate::net::serve::chain_client;
use ark_bn254::Fr;
use ark_ff::UniformRand;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use zkyuma_circuits::epoch::EpochRound;
use zkyuma_circuits::epoch::EpochStatement;
use zkyuma_circuits::field::serde_hex;
use zkyuma_prover::keys::write_atomic;
use zkyuma_prover::system::StatementProver;

/// Bonds the prover holds (private), with the blinding of their commitment.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Default)]
pub struct Bonds {
    /// Sparse bonds per uid, as the native epoch writes them.
    pub rows: Vec<Vec<(u16, u16)>>,
    /// Blinding.
    #[serde(with = "serde_hex::fr")]
    pub blinding: Fr,
}

#[derive(Clone, Debug, Serialize, Deserialize, Default)]
struct Persisted {
    /// Bonds of the last paid epoch.
    bonds: Bonds,
    /// Bonds of a submitted epoch not yet known to be paid.
    pending: Option<Bonds>,
}

/// Why proving an epoch failed.
#[derive(Debug, thiserror::Error)]
pub enum EpochProverError {
    /// The chain is unreachable or refused.
    #[error("chain: {0}")]
    Chain(String),
    /// The chain's state and the prover's bonds disagree.
    #[error("the chain's previous bonds commitment matches none of the prover's bonds")]
    BondsMismatch,
    /// Proving failed.
    #[error("proving: {0}")]
    Prove(String),
    /// The chain refused the proof.
    #[error("the chain refused the epoch proof: {0}")]
    Refused(crate::chain::Refusal),
    /// Storage.
    #[error("storage: {0}")]
    Storage(String),
}

/// What one proven epoch produced.
#[derive(Clone, Debug)]
pub struct EpochProofReport {
    /// The statement.
    pub statement: zkyuma_circuits::epoch::EpochStatement,
    /// Proof bytes.
    pub proof_bytes: usize,
    /// Proving time.
    pub prove_time: Duration,
}

/// The epoch prover.
#[derive(Clone)]
pub struct EpochProver {
    netuid: u16,
    hotkey: Hotkey,
    keys: Arc<dyn StatementProver<EpochStatement>>,
    chain_url: String,
    state_path: PathBuf,
    state: Arc<Mutex<Persisted>>,
}

impl EpochProver {
    /// A prover for `netuid` with its hotkey (the weight openings are sealed to it), the epoch
    /// circuit's keys, its state under `state_dir` (resumed if present).
    pub fn open(
        netuid: u16,
        hotkey: Hotkey,
        keys: Arc<dyn StatementProver<EpochStatement>>,
        chain_url: String,
        state_dir: PathBuf,
    ) -> Result<Self, EpochProverError> {
        let state_path = state_dir.join("epoch-prover.json");
        let state = match std::fs::read(&state_path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| EpochProverError::Storage(format!("{}: {e}", state_path.display())))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Persisted::default(),
            Err(e) => return Err(EpochProverError::Storage(e.to_string())),
        };
        Ok(Self {
            netuid,
            hotkey,
            keys,
            chain_url,
            state_path,
            state: Arc::new(Mutex::new(state)),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Persisted> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn save(&self, p: &Persisted) -> Result<(), EpochProverError> {
        write_atomic(&self.state_path, &protocol::to_json(p))
            .map_err(|e| EpochProverError::Storage(e.to_string()))
    }

    /// Prove the chain's open epoch `epoch` and submit the proof.
    pub async fn prove_and_submit(&self, epoch: u64) -> Result<EpochProofReport, EpochProverError> {
        let chain_err = |e: String| EpochProverError::Chain(e);
        let mut chain = chain_client(&self.chain_url).map_err(|e| chain_err(e.to_string()))?;
        let (state, meta) = self.chain_state(&mut chain, Some(epoch)).await?;
        let (round, dropped) = {
            let mut p = self.lock();
            let round = self.build_round(&mut p, &state, &meta)?;
            let snapshot = p.clone();
            drop(p);
            self.save(&snapshot)?;
            round
        };
        let keys = self.keys.clone();
        let _turn = crate::PROVING
            .acquire()
            .await
            .map_err(|e| EpochProverError::Prove(e.to_string()))?;
        let started = Instant::now();
        let (proof, output) = tokio::task::spawn_blocking(move || {
            let output = zkyuma_circuits::yuma::run_epoch(&round.input)
                .map_err(|e| EpochProverError::Prove(e.to_string()))?;
            let (statement, witness) = round
                .build(keys.vk_hash())
                .map_err(|e| EpochProverError::Prove(e.to_string()))?;
            let bytes = keys
                .prove(&statement, &witness)
                .map_err(|e| EpochProverError::Prove(e.to_string()))?;
            let proof = zkyuma_prover::epoch::EpochProof {
                statement,
                proof: bytes,
            };
            Ok::<_, EpochProverError>((proof, (output, round.new_bonds_blinding)))
        })
        .await
        .map_err(|e| EpochProverError::Prove(e.to_string()))??;
        let prove_time = started.elapsed();
        // Keep the new bonds before submitting: if the chain pays and this process dies, the next
        // epoch still finds them.
        {
            let mut p = self.lock();
            p.pending = Some(Bonds {
                rows: output.0.bonds_out.clone(),
                blinding: output.1,
            });
            let snapshot = p.clone();
            drop(p);
            self.save(&snapshot)?;
        }
        let receipt = chain
            .submit_epoch(pb::EpochSubmission {
                statement_json: protocol::to_json(&proof.statement),
                proof: proof.proof.clone(),
                proof_system: self.keys.system().name().into(),
                dropped_json: if dropped.is_empty() {
                    Vec::new()
                } else {
                    protocol::to_json(&dropped)
                },
            })
            .await
            .map_err(|e| chain_err(e.message().to_string()))?
            .into_inner();
        protocol::verdict(&receipt).map_err(EpochProverError::Refused)?;
        {
            let mut p = self.lock();
            if let Some(b) = p.pending.take() {
                p.bonds = b;
            }
            let snapshot = p.clone();
            drop(p);
            self.save(&snapshot)?;
        }
        Ok(EpochProofReport {
            proof_bytes: proof.proof.len(),
            statement: proof.statement,
            prove_time,
        })
    }

    fn build_round(
        &self,
        p: &mut Persisted,
        state: &EpochState,
        meta: &pb::Metagraph,
    ) -> Result<(EpochRound, Vec<DroppedRow>), EpochProverError> {
        let mut input = state.input.clone();
        let n = usize::from(input.n);
        // Which bonds does the chain continue from: the paid ones, or the pending ones?
        // The previous commitment holds the rows of `state.prev_rows`, with their uids.
        let rows_of = |b: &Bonds| -> (Vec<Vec<u16>>, Fr) {
            let dense: Vec<Vec<u16>> = state
                .prev_rows
                .iter()
                .map(|u| usize::from(*u))
                .map(|u| {
                    let mut d = vec![0u16; n];
                    for (j, v) in b.rows.get(u).map(Vec::as_slice).unwrap_or(&[]) {
                        if let Some(c) = d.get_mut(usize::from(*j)) {
                            *c = *v;
                        }
                    }
                    d
                })
                .collect();
            (dense, b.blinding)
        };
        let commits = |b: &Bonds| {
            let (rows, blinding) = rows_of(b);
            zkyuma_circuits::epoch::bonds_commitment(&state.prev_rows, &rows, blinding)
                == state.prev_bonds_commitment
        };
        if let Some(pending) = p.pending.take() {
            if commits(&pending) {
                p.bonds = pending;
            }
        }
        if !commits(&p.bonds) {
            return Err(EpochProverError::BondsMismatch);
        }
        input.bonds = (0..n)
            .map(|u| p.bonds.rows.get(u).cloned().unwrap_or_default())
            .collect();
        // Each accepted row's opening, sealed to this prover on the chain. One that does not
        // open the row's commitment drops the row, with a disclosure anyone can check.
        let secret = self.hotkey.recipient_secret();
        let mut blindings = Vec::new();
        let mut dropped = Vec::new();
        for u in state.rows.iter().map(|u| usize::from(*u)) {
            let accepted = state.accepted.iter().find(|a| usize::from(a.uid) == u);
            let Some(a) = accepted else {
                blindings.push(Fr::from(0u64));
                continue;
            };
            let hotkey = meta
                .neurons
                .get(u)
                .and_then(|nr| <[u8; 32]>::try_from(nr.hotkey.as_slice()).ok())
                .ok_or_else(|| EpochProverError::Chain(format!("uid {u}: no hotkey")))?;
            let context = opening_context(state.netuid, state.epoch, &hotkey, &a.commitment);
            let opening = sealed::open(&secret, &context, &a.sealed_opening)
                .ok()
                .and_then(|plain| WeightOpening::parse(&plain, &a.commitment, n));
            match opening {
                Some(o) => {
                    // The committed row is dense; the chain stores its non-zero entries in uid
                    // order, as subtensor stores a row the bittensor SDK emits (zeros
                    // filtered). Zeros and absent entries are alike in every rule but the
                    // liquid-alpha EMA, which keeps an old bond only under a stored entry.
                    input.weights[u] = o
                        .row
                        .iter()
                        .enumerate()
                        .filter(|(_, w)| **w != 0)
                        .map(|(j, w)| (j as u16, *w))
                        .collect();
                    blindings.push(o.blinding);
                }
                None => {
                    let disclosure =
                        sealed::disclose(&secret, &context, &a.sealed_opening, rand::rngs::OsRng)
                            .map_err(|e| EpochProverError::Chain(format!("uid {u}: {e}")))?;
                    dropped.push(DroppedRow {
                        uid: a.uid,
                        disclosure,
                    });
                    input.weights[u] = Vec::new();
                    blindings.push(Fr::from(0u64));
                }
            }
        }
        Ok((
            EpochRound {
                netuid: state.netuid,
                epoch: state.epoch,
                input,
                validators: Some(state.rows.clone()),
                prev_validators: Some(state.prev_rows.clone()),
                weight_blindings: blindings,
                prev_bonds_blinding: p.bonds.blinding,
                new_bonds_blinding: Fr::rand(&mut rand::rngs::OsRng),
            },
            dropped,
        ))
    }
}

/// The epoch prover process's configuration (`zkyuma serve epoch-prover --config prover.json`):
///
/// ```json
/// { "hotkey": { "seed_file": "epoch-prover.key" }, "netuid": 1, "chain": "http://127.0.0.1:50051",
///   "keys": { "params": "params", "keys": "zkyuma-data/keys", "name": "epoch-4x12-yuma3" },
///   "shape": { "validators": 4, "uids": 12, "bonds": "yuma3" },
///   "state_dir": "zkyuma-data/epoch-prover", "poll_ms": 200, "epochs": null }
/// ```
/// It proves the chain's open epoch once the chain takes it: the seed is known and every permit
/// holder has submitted, or the chain's score window has closed (a refused or silent
/// validator's row is dropped); `epochs` (if set) stops it after that many proofs. Its hotkey
/// must be the subnet's `epoch_prover`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EpochProverConfig {
    /// The epoch prover's hotkey (the weight openings are sealed to it).
    pub hotkey: crate::roles::config::HotkeySpec,
    /// Subnet.
    pub netuid: u16,
    /// The chain's URL.
    pub chain: String,
    /// The epoch circuit's keys.
    pub keys: crate::roles::config::KeysSpec,
    /// The keys' proof system (`groth16`, `halo2-ipa` or `halo2-kzg`; halo2 keys are read from
    /// `params/<name>.<system>/` and regenerated from their setup).
    #[serde(default)]
    pub proof_system: zkyuma_circuits::statement::ProofSystem,
    /// halo2-kzg: the powers-of-tau file its keys were made from.
    #[serde(default)]
    pub ptau: Option<PathBuf>,
    /// The epoch circuit's shape (checked against the keys).
    pub shape: zkyuma_circuits::epoch::EpochShape,
    /// Where its bonds are kept.
    pub state_dir: PathBuf,
    /// How often the chain is polled (milliseconds).
    #[serde(default = "default_poll_ms")]
    pub poll_ms: u64,
    /// Stop after this many proven epochs (run until shut down when absent).
    #[serde(default)]
    pub epochs: Option<u64>,
}

fn default_poll_ms() -> u64 {
    200
}

/// Where the chain's open epoch stands, as the epoch prover sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Readiness {
    /// The open epoch.
    pub epoch: u64,
    /// Accepted score proofs (rows).
    pub accepted: usize,
    /// Permit holders.
    pub permits: usize,
    /// Whether the chain will take the epoch's proof now: its seed is known and every permit
    /// holder has submitted, or the score window has closed.
    pub ready: bool,
}

impl EpochProver {
    /// The chain's state of `epoch` (the open one when `None`) and its metagraph.
    async fn chain_state(
        &self,
        chain: &mut pb::chain_client::ChainClient<tonic::transport::Channel>,
        epoch: Option<u64>,
    ) -> Result<(EpochState, pb::Metagraph), EpochProverError> {
        let chain_err = |e: String| EpochProverError::Chain(e);
        let meta = chain
            .get_metagraph(pb::MetagraphRequest {
                netuid: u32::from(self.netuid),
            })
            .await
            .map_err(|e| chain_err(e.message().to_string()))?
            .into_inner();
        let st = chain
            .get_epoch_state(pb::BundleRequest {
                netuid: u32::from(self.netuid),
                epoch: epoch.unwrap_or(meta.epoch),
            })
            .await
            .map_err(|e| chain_err(e.message().to_string()))?
            .into_inner();
        let state: EpochState = protocol::json_field("state_json", &st.state_json)
            .map_err(|e| chain_err(e.to_string()))?;
        Ok((state, meta))
    }

    /// Where the chain's open epoch stands.
    pub async fn readiness(&self) -> Result<Readiness, EpochProverError> {
        let mut chain =
            chain_client(&self.chain_url).map_err(|e| EpochProverError::Chain(e.to_string()))?;
        let (state, meta) = self.chain_state(&mut chain, None).await?;
        Ok(Readiness {
            epoch: meta.epoch,
            accepted: state.accepted.len(),
            permits: meta.neurons.iter().filter(|n| n.validator_permit).count(),
            ready: state.ready(unix_now()),
        })
    }
}

/// Run the epoch prover: watch the chain and prove each epoch when it is ready, until
/// `shutdown` resolves (or `epochs` are proven).
pub async fn run(
    config: &EpochProverConfig,
    shutdown: impl std::future::Future<Output = ()> + Send,
) -> Result<(), EpochProverError> {
    let paths = zkyuma_prover::keys::KeyPaths::new(
        &config.keys.params,
        &config.keys.keys,
        &config.keys.name,
    );
    use zkyuma_circuits::statement::ProofSystem;
    use zkyuma_prover::halo2::Halo2Setup;
    let keys = match (config.proof_system, &config.ptau) {
        (ProofSystem::Groth16, _) => {
            zkyuma_prover::system::load_epoch_prover(config.proof_system, &paths, &config.shape)
        }
        (ProofSystem::Halo2Kzg, None) => {
            return Err(EpochProverError::Prove(
                "halo2-kzg keys need `ptau`, the powers-of-tau file they were made from".into(),
            ))
        }
        (system, ptau) => {
            let setup = match (system, ptau) {
                (ProofSystem::Halo2Kzg, Some(path)) => {
                    zkyuma_prover::ceremony::ptau::Ptau::open(path)
                        .map(|p| Halo2Setup::Kzg(std::sync::Arc::new(p)))
                }
                _ => Ok(Halo2Setup::Ipa),
            };
            setup.and_then(|setup| {
                zkyuma_prover::system::load_halo2_epoch_prover(
                    &config.keys.params,
                    &setup,
                    &config.shape,
                )
            })
        }
    }
    .map_err(|e| EpochProverError::Prove(e.to_string()))?;
    let hotkey = config
        .hotkey
        .load()
        .map_err(|e| EpochProverError::Storage(e.to_string()))?;
    let prover = EpochProver::open(
        config.netuid,
        hotkey,
        keys,
        config.chain.clone(),
        config.state_dir.clone(),
    )?;
    tokio::pin!(shutdown);
    let mut proven = 0u64;
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            _ = tokio::time::sleep(Duration::from_millis(config.poll_ms)) => {}
        }
        let readiness = match prover.readiness().await {
            Ok(r) => r,
            // The chain may be restarting: try again at the next poll.
            Err(e) => {
                eprintln!("epoch-prover: {e}");
                continue;
            }
        };
        let epoch = readiness.epoch;
        if readiness.ready {
            match prover.prove_and_submit(epoch).await {
                Ok(r) => {
                    println!(
                        "epoch-prover: epoch {epoch} proven in {:.1} s, verified and paid",
                        r.prove_time.as_secs_f64()
                    );
                    proven += 1;
                    if config.epochs == Some(proven) {
                        break;
                    }
                }
                Err(e) => eprintln!("epoch-prover: epoch {epoch}: {e}"),
            }
        }
    }
    Ok(())
}
