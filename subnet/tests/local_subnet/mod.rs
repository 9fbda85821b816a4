//! A local subnet over real loopback gRPC at a tiny shape, for the protocol tests: the embedded
//! chain served on port 0, the miners watching its task board, the epoch prover and the
//! validators driven by the test.
//! 7 uids: the validators first, then miners (by default the first answers with a perfect
//! model, the others stay silent); 2 epoch-circuit rows; a 1.5 s commit window.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;
use zkyuma_circuits::epoch::{BondsRule, EpochShape};
use zkyuma_circuits::score::{Record, ScoreShape, ScoreStatement, WeightsMode};
use zkyuma_circuits::scoring::Scoring;
use zkyuma_prover::keys::SetupKind;
use zkyuma_prover::system::{Groth16Epoch, Groth16Score, StatementProver};
use zkyuma_subnet::chain::{EmbeddedChain, KeyRegistration, Neuron, SubnetConfig};
use zkyuma_subnet::net::hotkey::Hotkey;
use zkyuma_subnet::net::serve::{serve_chain, Served};
use zkyuma_subnet::roles::epoch_prover::EpochProver;
use zkyuma_subnet::roles::miner::{Behaviour, Miner};
use zkyuma_subnet::roles::validator::{Behaviour as ValidatorBehaviour, Validator};

/// Uids of the subnet.
pub const UIDS: u32 = 7;

/// The running subnet.
pub struct LocalSubnet {
    /// Scratch directory (bundles under `bundles/`).
    pub tmp: tempfile::TempDir,
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
}

/// Records whose first feature is the label: the honest miner reads it off.
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

/// Start a subnet: validators with `validator_stakes`, then miners with `miner_stakes` (the
/// first miner honest), the subnet configuration adjusted by `tweak`.
pub async fn start(
    name: &str,
    validator_stakes: &[u64],
    miner_stakes: &[u64],
    tweak: impl FnOnce(&mut SubnetConfig),
) -> LocalSubnet {
    let miners: Vec<(u64, Behaviour)> = miner_stakes
        .iter()
        .enumerate()
        .map(|(i, stake)| {
            let b = if i == 0 {
                Behaviour::Honest
            } else {
                Behaviour::Silent
            };
            (*stake, b)
        })
        .collect();
    start_with(name, validator_stakes, &miners, tweak).await
}

/// Start a subnet whose miners have the given (stake, behaviour), all with the perfect model.
pub async fn start_with(
    name: &str,
    validator_stakes: &[u64],
    miner_specs: &[(u64, Behaviour)],
    tweak: impl FnOnce(&mut SubnetConfig),
) -> LocalSubnet {
    let (scoring, score_shape, epoch_shape) = shapes();
    let kind = || SetupKind::InsecureDeterministic {
        seed: "zkyuma-local-subnet-test-setup".into(),
    };
    let score_keys =
        zkyuma_prover::score::setup_score(scoring, score_shape, kind()).expect("score setup");
    let epoch_keys = zkyuma_prover::epoch::setup_epoch(epoch_shape, kind()).expect("epoch setup");
    start_keyed(
        name,
        validator_stakes,
        miner_specs,
        [("score".into(), score_keys), ("epoch".into(), epoch_keys)],
        tweak,
    )
    .await
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

/// Start a subnet with the given keys (score, epoch), each registered under its name.
pub async fn start_keyed(
    name: &str,
    validator_stakes: &[u64],
    miner_specs: &[(u64, Behaviour)],
    [(score_name, score_keys), (epoch_name, epoch_keys)]: [(String, zkyuma_prover::keys::Keys); 2],
    tweak: impl FnOnce(&mut SubnetConfig),
) -> LocalSubnet {
    assert_eq!(validator_stakes.len() + miner_specs.len(), UIDS as usize);
    let tmp = tempfile::tempdir().expect("tempdir");
    let (scoring, score_shape, epoch_shape) = shapes();
    let any: std::net::SocketAddr = "127.0.0.1:0".parse().expect("addr");

    let validator_keys: Vec<Hotkey> = (0..validator_stakes.len())
        .map(|i| Hotkey::demo(&format!("{name}-validator-{i}")))
        .collect();
    let mut neurons: Vec<Neuron> = validator_keys
        .iter()
        .zip(validator_stakes)
        .map(|(k, stake)| Neuron {
            hotkey: k.public(),
            stake: *stake,
            endpoint: String::new(),
        })
        .collect();
    let perfect: zkyuma_subnet::roles::miner::Model = Arc::new(|f: &[i64]| f[0] as u16);
    let mut served = Vec::new();
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
    let chain = EmbeddedChain::genesis(
        config,
        neurons,
        KeyRegistration::from_keys(&score_name, &score_keys),
        KeyRegistration::from_keys(&epoch_name, &epoch_keys),
        tmp.path().join("bundles"),
    )
    .expect("genesis");
    let chain_served = serve_chain(chain.clone(), any).await.expect("chain serves");
    let chain_url = chain_served.url();
    let (stop_miners, stopped) = tokio::sync::watch::channel(false);
    let mut miners = tokio::task::JoinSet::new();
    for miner in miner_roles {
        let (url, mut stopped) = (chain_url.clone(), stopped.clone());
        miners.spawn(async move {
            let shutdown = async move {
                let _ = stopped.wait_for(|s| *s).await;
            };
            miner
                .run(&url, 1, Duration::from_millis(50), shutdown, |_| {})
                .await
                .expect("miner runs");
        });
    }
    let epoch_prover: Arc<dyn StatementProver<zkyuma_circuits::epoch::EpochStatement>> =
        Arc::new(Groth16Epoch::new(Arc::new(epoch_keys)));
    let epoch_vk_hash = epoch_prover.vk_hash();
    let prover = EpochProver::open(
        1,
        Hotkey::demo("epoch-prover"),
        epoch_prover,
        chain_url.clone(),
        tmp.path().join("prover"),
    )
    .expect("prover");
    let score_prover: Arc<dyn StatementProver<ScoreStatement>> =
        Arc::new(Groth16Score::new(Arc::new(score_keys), scoring));
    let validators: Vec<Validator> = validator_keys
        .iter()
        .enumerate()
        .map(|(i, key)| Validator {
            name: format!("v{i}"),
            hotkey: key.clone(),
            netuid: 1,
            records: Arc::new(records(100 * i as u16)),
            depth: 3,
            samples: 4,
            scoring,
            keys: score_prover.clone(),
            chain_url: chain_url.clone(),
            state_dir: tmp.path().join(format!("v{i}")),
            behaviour: ValidatorBehaviour::Honest,
        })
        .collect();
    served.push(chain_served);
    LocalSubnet {
        tmp,
        chain,
        chain_url,
        prover,
        validators,
        validator_keys,
        epoch_vk_hash,
        served,
        stop_miners,
        miners,
    }
}

impl LocalSubnet {
    /// Where the chain writes its bundles.
    pub fn bundles(&self) -> std::path::PathBuf {
        self.tmp.path().join("bundles")
    }

    /// Wait until the chain takes the open epoch's proof (its seed known, and every permit
    /// holder submitted or the score window closed).
    pub async fn wait_until_ready(&self) {
        for _ in 0..1200 {
            if self
                .chain
                .epoch_state()
                .ready(zkyuma_subnet::chain::unix_now())
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the epoch never became ready");
    }

    /// Stop every server.
    pub async fn stop(mut self) {
        let _ = self.stop_miners.send(true);
        while self.miners.join_next().await.is_some() {}
        for s in self.served {
            s.stop().await;
        }
    }
}
