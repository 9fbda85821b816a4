//! A local subnet over real loopback gRPC: the embedded chain served on port 0, miners watching
//! its task board, the epoch prover and the validators ready to be driven epoch by epoch.
//!
//! It is what the protocol tests and the Python package's offline validator loop run against.
//! The shape is tiny ([`UIDS`] uids, a score circuit of 4 samples over a depth-3 evaluation set,
//! 2 epoch-circuit rows) so that its keys are made in seconds; the keys are the caller's.

use crate::chain::{EmbeddedChain, KeyRegistration, Neuron, SubnetConfig};
use crate::net::hotkey::Hotkey;
use crate::net::serve::{serve_chain, Served};
use crate::roles::epoch_prover::EpochProver;
use crate::roles::miner::{Behaviour, Miner, Model};
use crate::roles::validator::{Behaviour as ValidatorBehaviour, Validator};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use zkyuma_circuits::epoch::{BondsRule, EpochShape};
use zkyuma_circuits::score::{Record, ScoreShape, ScoreStatement, WeightsMode};
use zkyuma_circuits::scoring::Scoring;
use zkyuma_prover::keys::{Keys, SetupKind};
use zkyuma_prover::system::{Groth16Epoch, Groth16Score, StatementProver};

/// Uids of a local subnet: the validators first, then the miners.
pub const UIDS: u32 = 7;

/// The seed of the local subnet's insecure, deterministic setup: its keys are for tests and
/// offline examples only (anyone with the seed can forge proofs).
pub const LOCAL_SETUP_SEED: &str = "zkyuma-local-subnet-test-setup";

/// Why a local subnet could not start.
#[derive(Debug, thiserror::Error)]
pub enum LocalSubnetError {
    /// The stakes and miners do not add up to [`UIDS`] uids.
    #[error("{validators} validators and {miners} miners: a local subnet has exactly {UIDS} uids")]
    Uids {
        /// Validators asked for.
        validators: usize,
        /// Miners asked for.
        miners: usize,
    },
    /// Key setup failed.
    #[error("key setup: {0}")]
    Setup(#[from] zkyuma_prover::ProverError),
    /// The chain refused its genesis.
    #[error("genesis: {0}")]
    Genesis(#[from] crate::chain::ChainError),
    /// The scratch directory or the chain's port.
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    /// The epoch prover's state.
    #[error("epoch prover: {0}")]
    EpochProver(#[from] crate::roles::epoch_prover::EpochProverError),
    /// The open epoch never became ready.
    #[error("epoch {epoch} did not become ready within {seconds} s")]
    NotReady {
        /// The chain's open epoch.
        epoch: u64,
        /// How long was waited.
        seconds: u64,
    },
}

/// The subnet's scoring function and circuit shapes.
pub fn shapes() -> (Scoring, ScoreShape, EpochShape) {
    (
        Scoring::Mse { amplification: 4 },
        ScoreShape {
            miners: UIDS,
            samples: 4,
            depth: 3,
            mode: WeightsMode::Hidden,
        },
        EpochShape {
            validators: 2,
            uids: UIDS,
            bonds: BondsRule::Yuma3,
        },
    )
}

/// The local subnet's score and epoch keys from the insecure deterministic setup, registered
/// under the names `score` and `epoch`.
pub fn local_keys() -> Result<[(String, Keys); 2], LocalSubnetError> {
    let (scoring, score_shape, epoch_shape) = shapes();
    let kind = || SetupKind::InsecureDeterministic {
        seed: LOCAL_SETUP_SEED.into(),
    };
    let score = zkyuma_prover::score::setup_score(scoring, score_shape, kind())?;
    let epoch = zkyuma_prover::epoch::setup_epoch(epoch_shape, kind())?;
    Ok([("score".into(), score), ("epoch".into(), epoch)])
}

/// Eight records whose first feature is the label (the honest miner reads it off), shifted by
/// `offset` so that each validator holds its own evaluation set.
pub fn records(offset: u16) -> Vec<Record> {
    (0..8u16)
        .map(|r| {
            let label = 3000 + 7000 * r + offset;
            Record {
                features: vec![i64::from(label), i64::from(r)],
                label,
            }
        })
        .collect()
}

/// What to start.
pub struct LocalSubnetSpec {
    /// Names the hotkeys (`<name>-validator-<i>`, `<name>-miner-<i>`).
    pub name: String,
    /// One stake per validator.
    pub validator_stakes: Vec<u64>,
    /// One (stake, behaviour) per miner; every miner runs the perfect model.
    pub miners: Vec<(u64, Behaviour)>,
    /// Score and epoch keys, each registered under its name.
    pub keys: [(String, Keys); 2],
    /// Where state and bundles go; none: a scratch directory removed with the subnet.
    pub dir: Option<PathBuf>,
    /// Score proofs by this prover (any proof system; its key registered under the score key's
    /// name) instead of Groth16 with the score keys.
    pub score_prover: Option<Arc<dyn StatementProver<ScoreStatement>>>,
    /// Epoch proofs by this prover (any proof system; its key registered under the epoch key's
    /// name) instead of Groth16 with the epoch keys.
    pub epoch_prover: Option<Arc<dyn StatementProver<zkyuma_circuits::epoch::EpochStatement>>>,
}

/// A running local subnet.
pub struct LocalSubnet {
    /// Its directory: the chain's bundles under `bundles/`, the epoch prover's state under
    /// `prover/`, validator `i`'s under `v<i>/`.
    pub dir: PathBuf,
    /// The chain.
    pub chain: EmbeddedChain,
    /// Its URL.
    pub chain_url: String,
    /// The epoch prover.
    pub prover: EpochProver,
    /// Validators, uid order.
    pub validators: Vec<Validator>,
    /// Their hotkeys.
    pub validator_keys: Vec<Hotkey>,
    /// blake3 of the epoch verifying key.
    pub epoch_vk_hash: [u8; 32],
    served: Vec<Served>,
    stop_miners: tokio::sync::watch::Sender<bool>,
    miners: tokio::task::JoinSet<()>,
    _scratch: Option<tempfile::TempDir>,
}

impl LocalSubnet {
    /// Start the subnet (within a tokio runtime): serve the chain on a free loopback port and
    /// start the miners; the subnet's commit window is 1.5 s, adjusted by `tweak`.
    pub async fn start(
        spec: LocalSubnetSpec,
        tweak: impl FnOnce(&mut SubnetConfig),
    ) -> Result<Self, LocalSubnetError> {
        let LocalSubnetSpec {
            name,
            validator_stakes,
            miners: miner_specs,
            keys: [(score_name, score_keys), (epoch_name, epoch_keys)],
            dir,
            score_prover,
            epoch_prover,
        } = spec;
        if validator_stakes.len() + miner_specs.len() != UIDS as usize {
            return Err(LocalSubnetError::Uids {
                validators: validator_stakes.len(),
                miners: miner_specs.len(),
            });
        }
        let (scratch, dir) = match dir {
            Some(d) => {
                std::fs::create_dir_all(&d)?;
                (None, d)
            }
            None => {
                let t = tempfile::tempdir()?;
                let d = t.path().to_path_buf();
                (Some(t), d)
            }
        };
        let (scoring, score_shape, epoch_shape) = shapes();
        let any = std::net::SocketAddr::from(([127, 0, 0, 1], 0));

        let validator_keys: Vec<Hotkey> = (0..validator_stakes.len())
            .map(|i| Hotkey::demo(&format!("{name}-validator-{i}")))
            .collect();
        let mut neurons: Vec<Neuron> = validator_keys
            .iter()
            .zip(&validator_stakes)
            .map(|(k, stake)| Neuron {
                hotkey: k.public(),
                stake: *stake,
                endpoint: String::new(),
            })
            .collect();
        let perfect: Model = Arc::new(|f: &[i64]| f.first().map_or(0, |x| *x as u16));
        let mut miner_roles = Vec::new();
        for (i, (stake, behaviour)) in miner_specs.iter().enumerate() {
            let key = Hotkey::demo(&format!("{name}-miner-{i}"));
            miner_roles.push(Miner::new(key.clone(), perfect.clone(), behaviour.clone()));
            neurons.push(Neuron {
                hotkey: key.public(),
                stake: *stake,
                endpoint: String::new(),
            });
        }

        let mut config = SubnetConfig::local(scoring, score_shape, epoch_shape);
        config.commit_window_ms = 1500;
        tweak(&mut config);
        // A prover given in the spec registers its own key (under the circuit's name).
        let registration = |name: &str, system, bytes| KeyRegistration {
            name: name.into(),
            system,
            bytes,
            transcript_hash: None,
        };
        let score_registration = match &score_prover {
            Some(p) => registration(&score_name, p.system(), p.vk_bytes()),
            None => KeyRegistration::from_keys(&score_name, &score_keys),
        };
        let epoch_registration = match &epoch_prover {
            Some(p) => registration(&epoch_name, p.system(), p.vk_bytes()),
            None => KeyRegistration::from_keys(&epoch_name, &epoch_keys),
        };
        let chain = EmbeddedChain::genesis(
            config,
            neurons,
            score_registration,
            epoch_registration,
            dir.join("bundles"),
        )?;
        let chain_served = serve_chain(chain.clone(), any).await?;
        let chain_url = chain_served.url();
        let (stop_miners, stopped) = tokio::sync::watch::channel(false);
        let mut miners = tokio::task::JoinSet::new();
        for miner in miner_roles {
            let (url, mut stopped) = (chain_url.clone(), stopped.clone());
            miners.spawn(async move {
                let shutdown = async move {
                    let _ = stopped.wait_for(|s| *s).await;
                };
                // A miner that loses the chain stops; the validators then see it silent.
                let _ = miner
                    .run(&url, 1, Duration::from_millis(50), shutdown, |_| {})
                    .await;
            });
        }
        let epoch_prover: Arc<dyn StatementProver<zkyuma_circuits::epoch::EpochStatement>> =
            match epoch_prover {
                Some(p) => p,
                None => Arc::new(Groth16Epoch::new(Arc::new(epoch_keys))),
            };
        let epoch_vk_hash = epoch_prover.vk_hash();
        let prover = EpochProver::open(
            1,
            Hotkey::demo("epoch-prover"),
            epoch_prover,
            chain_url.clone(),
            dir.join("prover"),
        )?;
        let score_prover: Arc<dyn StatementProver<ScoreStatement>> = match score_prover {
            Some(p) => p,
            None => Arc::new(Groth16Score::new(Arc::new(score_keys), scoring)),
        };
        let validators: Vec<Validator> = validator_keys
            .iter()
            .enumerate()
            .map(|(i, key)| Validator {
                name: format!("v{i}"),
                hotkey: key.clone(),
                netuid: 1,
                records: Arc::new(records(100 * i as u16)),
                depth: score_shape.depth,
                samples: score_shape.samples,
                scoring,
                keys: score_prover.clone(),
                chain_url: chain_url.clone(),
                state_dir: dir.join(format!("v{i}")),
                behaviour: ValidatorBehaviour::Honest,
            })
            .collect();
        Ok(LocalSubnet {
            dir,
            chain,
            chain_url,
            prover,
            validators,
            validator_keys,
            epoch_vk_hash,
            served: vec![chain_served],
            stop_miners,
            miners,
            _scratch: scratch,
        })
    }

    /// Where the chain writes its bundles.
    pub fn bundles(&self) -> PathBuf {
        self.dir.join("bundles")
    }

    /// Wait (at most two minutes) until the chain takes the open epoch's proof: its seed known,
    /// and every permit holder submitted or the score window closed.
    pub async fn wait_until_ready(&self) -> Result<(), LocalSubnetError> {
        for _ in 0..1200 {
            if self.chain.epoch_state().ready(crate::chain::unix_now()) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(LocalSubnetError::NotReady {
            epoch: self.chain.epoch(),
            seconds: 120,
        })
    }

    /// Stop the miners and the chain's server.
    pub async fn stop(mut self) {
        let _ = self.stop_miners.send(true);
        while self.miners.join_next().await.is_some() {}
        for s in self.served.drain(..) {
            s.stop().await;
        }
    }
}
