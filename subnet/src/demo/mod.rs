//! `zkyuma demo`: a whole local subnet on loopback gRPC over real patient data.
//!
//! Hospitals (validators) hold private evaluation sets of the diabetes dataset; miners of
//! different quality answer their tasks through the chain; an embedded chain verifies every score
//! proof and the epoch proof before it pays; every epoch's bundle is written for `zkyuma audit`.
//! Three collusion attempts run inside it: a validator that drops every miner but a useless
//! friend (the chain refuses the row: the miner commitments are the chain's, not its choice), the
//! same validator forging a high weight for the friend (the chain refuses its proof and drops its
//! row), and a validator whose evaluation set leaked to a friendly miner (its honestly proven
//! high score is clipped to the stake-weighted consensus).

pub mod ceremony;
pub mod patients;
pub mod processes;

use crate::chain::{EmbeddedChain, EpochResult, KeyRegistration, Neuron, SubnetConfig};
use crate::net::hotkey::Hotkey;
use crate::net::serve::serve_chain;
use crate::progress::Spinner;
use crate::roles::config::{ModelSpec, PatientData};
use crate::roles::epoch_prover::EpochProver;
use crate::roles::miner::{Behaviour as MinerBehaviour, BehaviourSpec, Miner, Model};
use crate::roles::validator::{
    Behaviour as ValidatorBehaviour, MinerStatus, Validator, ValidatorReport,
};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use zkyuma_circuits::epoch::{BondsRule, EpochShape, EpochStatement};
use zkyuma_circuits::score::ScoreStatement;
use zkyuma_circuits::score::{ScoreShape, WeightsMode};
use zkyuma_circuits::scoring::Scoring;
use zkyuma_circuits::statement::ProofSystem;
use zkyuma_prover::ceremony::run::CeremonyCircuit;
use zkyuma_prover::keys::{KeyPaths, Keys, SetupKind};
use zkyuma_prover::system::{Groth16Epoch, Groth16Score, StatementProver};

/// The public seed of the demo's deterministic (INSECURE) setup: the same as `params/`.
pub const DEMO_SETUP_SEED: &str = "zkyuma-insecure-demo-setup";

/// Sizes of a demo subnet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DemoShape {
    /// Validators (hospitals).
    pub validators: u32,
    /// Miners.
    pub miners: u32,
    /// Samples per task.
    pub samples: u32,
    /// Evaluation-set tree depth.
    pub depth: u32,
    /// Patients per hospital.
    pub per_hospital: usize,
    /// Liquid alpha on (the `yuma3-liquid` epoch circuit) or off (`yuma3`).
    pub liquid_alpha: bool,
}

impl DemoShape {
    /// The default: 4 hospitals × 8 miners (12 uids), 16 samples, depth 7.
    pub const SMALL: Self = Self {
        validators: 4,
        miners: 8,
        samples: 16,
        depth: 7,
        per_hospital: 72,
        liquid_alpha: false,
    };
    /// The network shape: 64 validators × 256 uids, 32 samples, depth 10.
    pub const NETWORK: Self = Self {
        validators: 64,
        miners: 192,
        samples: 32,
        depth: 10,
        // The chain wants at least `samples` records per evaluation set; the 442 patients do not
        // go round 64 hospitals, so their sets overlap (see `patients::split`).
        per_hospital: 32,
        liquid_alpha: false,
    };

    /// Uids.
    pub fn uids(&self) -> u32 {
        self.validators + self.miners
    }

    /// Score circuit shape.
    pub fn score(&self) -> ScoreShape {
        ScoreShape {
            miners: self.uids(),
            samples: self.samples,
            depth: self.depth,
            mode: WeightsMode::Hidden,
        }
    }

    /// How the patients are dealt.
    pub fn patient_data(&self) -> PatientData {
        PatientData {
            hospitals: self.validators as usize,
            per_hospital: self.per_hospital,
            seed: DEMO_DATA_SEED,
        }
    }

    /// Epoch circuit shape.
    pub fn epoch(&self) -> EpochShape {
        EpochShape {
            validators: self.validators,
            uids: self.uids(),
            bonds: if self.liquid_alpha {
                BondsRule::Yuma3Liquid
            } else {
                BondsRule::Yuma3
            },
        }
    }
}

/// Demo options.
#[derive(Clone, Debug)]
pub struct DemoOptions {
    /// Sizes.
    pub shape: DemoShape,
    /// Epochs to run.
    pub epochs: u64,
    /// Where the keys come from.
    pub setup: ceremony::DemoSetup,
    /// Verifying keys, circuit descriptions and transcripts (`params/` for the seeded setup).
    pub params: PathBuf,
    /// Proving-key cache.
    pub keys: PathBuf,
    /// Output directory: `bundles/` and `state/` below it (both replaced).
    pub out: PathBuf,
    /// Where the chain listens (port 0: any free port).
    pub chain_addr: SocketAddr,
    /// Each task's commit window (miners post their commitments to the chain within it).
    pub commit_window: Duration,
    /// The slow miner's delay (past the commit window).
    pub slow_delay: Duration,
    /// The proof system of both circuits: Groth16 (keys from `setup`) or halo2 (IPA: no setup;
    /// KZG: the universal setup `halo2_ptau`), keys in `params/<name>.<system>/`.
    pub proof_system: ProofSystem,
    /// halo2-kzg: the powers-of-tau file.
    pub halo2_ptau: Option<PathBuf>,
}

pub use zkyuma_prover::halo2::DEMO_LIMB_BITS as DEMO_HALO2_LIMB_BITS;

/// Why the demo stopped.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// Keys.
    #[error("keys: {0}")]
    Keys(#[from] zkyuma_prover::ProverError),
    /// Data.
    #[error("data: {0}")]
    Data(String),
    /// Networking.
    #[error("network: {0}")]
    Net(#[from] std::io::Error),
    /// Chain.
    #[error("chain: {0}")]
    Chain(#[from] crate::chain::ChainError),
    /// A validator.
    #[error("validator: {0}")]
    Validator(#[from] crate::roles::validator::ValidatorError),
    /// The epoch prover.
    #[error("epoch prover: {0}")]
    EpochProver(#[from] crate::roles::epoch_prover::EpochProverError),
}

/// What the demo did.
#[derive(Clone, Debug)]
pub struct DemoSummary {
    /// Paid epochs.
    pub epochs: Vec<EpochResult>,
    /// Where the bundles are.
    pub bundles: PathBuf,
    /// Validator reports per epoch.
    pub validator_reports: Vec<Vec<ValidatorReport>>,
    /// Uid of the miner that learned a leaked evaluation set, and of the forger's friend.
    pub leak_friend: u16,
    /// Uid the forging validator tried to favour.
    pub forge_friend: u16,
    /// Uid of the validator whose set leaked, and of the forging one.
    pub leaky_validator: u16,
    /// Uid of the forging validator.
    pub forging_validator: u16,
}

/// Load a circuit's keys, or run the deterministic demo setup once and cache the proving key.
pub fn load_or_setup(
    params: &Path,
    keys_dir: &Path,
    name: &str,
    circuit_id: &str,
    setup: impl FnOnce(SetupKind) -> Result<Keys, zkyuma_prover::ProverError>,
) -> Result<Keys, zkyuma_prover::ProverError> {
    let paths = KeyPaths::new(params, keys_dir, name);
    if let Ok(keys) = paths.load(circuit_id) {
        eprintln!("keys {name}: cached");
        return Ok(keys);
    }
    let spinner = Spinner::start(format!("setup {name} (first run only; cached after)"));
    let started = Instant::now();
    let keys = setup(SetupKind::InsecureDeterministic {
        seed: DEMO_SETUP_SEED.into(),
    })?;
    paths.cache(&keys)?;
    spinner.finish(format!(
        "keys {name}: set up in {:.1} s ({} constraints)",
        started.elapsed().as_secs_f64(),
        keys.description.constraints
    ));
    Ok(keys)
}

struct MinerSpec {
    name: &'static str,
    model: Model,
    behaviour: MinerBehaviour,
}

/// The seed the demo deals its patients with.
pub const DEMO_DATA_SEED: u64 = 2026;

/// Which hospitals collude: the third one's records leak to a miner; the last one forges.
pub fn colluders(validators: usize) -> (usize, usize) {
    (2.min(validators - 1), validators - 1)
}

/// One of the demo's miners: its name, model and behaviour.
#[derive(Clone, Debug)]
pub struct RosterMiner {
    /// Its name (its demo hotkey is `miner-<i>-<name>`).
    pub name: &'static str,
    /// Its model.
    pub model: ModelSpec,
    /// How it behaves.
    pub behaviour: BehaviourSpec,
}

/// The demo's miners, uid by uid after the validators: the eight kinds of the small demo, then
/// (larger shapes) honest ones with jittered linear models.
pub fn miner_roster(shape: &DemoShape) -> Vec<RosterMiner> {
    let v = shape.validators as usize;
    let (leaky, _) = colluders(v);
    let all: Vec<usize> = (0..10).collect();
    let m = |name, model, behaviour| RosterMiner {
        name,
        model,
        behaviour,
    };
    let mut roster = vec![
        m(
            "linear-all",
            ModelSpec::Linear {
                columns: all.clone(),
            },
            BehaviourSpec::Honest,
        ),
        m(
            "linear-bmi-bp",
            ModelSpec::Linear {
                columns: vec![2, 3],
            },
            BehaviourSpec::Honest,
        ),
        m("lazy-mean", ModelSpec::Mean, BehaviourSpec::Honest),
        m(
            "noisy",
            ModelSpec::Noisy { amplitude: 12_000 },
            BehaviourSpec::Honest,
        ),
        m("silent", ModelSpec::Mean, BehaviourSpec::Silent),
        m(
            "mis-signer",
            ModelSpec::Linear { columns: all },
            BehaviourSpec::MisSigns,
        ),
        m(
            "leak-friend",
            ModelSpec::Leaked { hospital: leaky },
            BehaviourSpec::Honest,
        ),
        m("forger-friend", ModelSpec::Random, BehaviourSpec::Honest),
    ];
    let mut k = 0;
    while roster.len() < shape.miners as usize {
        roster.push(m(
            "linear-jitter",
            ModelSpec::Noisy {
                amplitude: 2_000 + 500 * (k % 8) as u16,
            },
            BehaviourSpec::Honest,
        ));
        k += 1;
    }
    roster.truncate(shape.miners as usize);
    roster
}

/// The demo's circuits and their provers.
pub(crate) struct DemoKeys {
    /// The scoring function.
    pub(crate) scoring: Scoring,
    /// The score circuit's params name (`<name>.<system>` for halo2).
    pub(crate) score_name: String,
    /// The epoch circuit's params name (`<name>.<system>` for halo2).
    pub(crate) epoch_name: String,
    /// Score proofs.
    pub(crate) score: Arc<dyn StatementProver<ScoreStatement>>,
    /// Epoch proofs.
    pub(crate) epoch: Arc<dyn StatementProver<EpochStatement>>,
    /// The keys as the chain registers them.
    pub(crate) registrations: [KeyRegistration; 2],
}

/// The demo's score and epoch provers.
type DemoProvers = (
    Arc<dyn StatementProver<ScoreStatement>>,
    Arc<dyn StatementProver<EpochStatement>>,
);

/// The halo2 provers of the demo's two circuits: keys in `params/<name>.<system>/`, regenerated
/// from the setup and checked against the pinned `vk.bin` when there is one, else generated and
/// written there.
fn demo_halo2_keys(opts: &DemoOptions, scoring: Scoring) -> Result<DemoProvers, DemoError> {
    use zkyuma_prover::halo2::{params_name, Halo2Keys, Halo2Setup};
    let setup = match (opts.proof_system, &opts.halo2_ptau) {
        (ProofSystem::Halo2Kzg, Some(ptau)) => {
            Halo2Setup::Kzg(Arc::new(zkyuma_prover::ceremony::ptau::Ptau::open(ptau)?))
        }
        (ProofSystem::Halo2Kzg, None) => {
            return Err(DemoError::Data(
                "--proof-system halo2-kzg needs --ptau FILE (its universal setup)".into(),
            ))
        }
        _ => Halo2Setup::Ipa,
    };
    let system = opts.proof_system;
    let (score_shape, epoch_shape) = (opts.shape.score(), opts.shape.epoch());
    let limb = DEMO_HALO2_LIMB_BITS;
    // Generate, write and return the keys of one blank circuit.
    fn made<
        C: zkyuma_circuits::halo2::backend::plonk::Circuit<zkyuma_circuits::halo2::Fp, Params = usize>,
    >(
        opts: &DemoOptions,
        setup: &Halo2Setup,
        (name, circuit_id): (&str, &str),
        blank: &C,
        inputs: usize,
    ) -> Result<Arc<Halo2Keys>, DemoError> {
        let spinner = Spinner::start(format!("setup {name} (first run only; written to params)"));
        let started = Instant::now();
        let keys = Halo2Keys::generate(setup, blank, inputs)?;
        let description = keys.describe(circuit_id, started.elapsed().as_secs_f64());
        keys.save(
            &KeyPaths::new(&opts.params, &opts.params, name),
            &description,
        )?;
        spinner.finish(format!(
            "keys {name}: {} rows of 2^{}, {:.1} s",
            description.rows, description.k, description.keygen_seconds
        ));
        Ok(Arc::new(keys))
    }
    let pinned = |name: &str| {
        KeyPaths::new(&opts.params, &opts.params, name)
            .vk_path()
            .exists()
    };
    let score_name = params_name(
        &zkyuma_prover::score::params_name(&scoring, &score_shape),
        system,
    );
    let score: Arc<dyn StatementProver<ScoreStatement>> = if pinned(&score_name) {
        let spinner = Spinner::start(format!(
            "keys {score_name}: regenerating, checked against vk.bin"
        ));
        let p = zkyuma_prover::system::load_halo2_score_prover(
            &opts.params,
            &setup,
            scoring,
            &score_shape,
        )?;
        spinner.finish(format!("keys {score_name}: the pinned ones"));
        p
    } else {
        let blank = zkyuma_circuits::score::halo2::ScoreHalo2 {
            limb_bits: limb,
            ..zkyuma_circuits::score::halo2::ScoreHalo2::blank(scoring, score_shape)
        };
        let id = zkyuma_circuits::score::circuit_id(
            &zkyuma_circuits::scoring::ScoringFunction::id(&scoring),
            &score_shape,
        );
        let keys = made(
            opts,
            &setup,
            (&score_name, &id),
            &blank,
            zkyuma_circuits::score::PUBLIC_INPUTS,
        )?;
        Arc::new(zkyuma_prover::system::Halo2Score::new(
            keys,
            scoring,
            &score_shape,
            limb,
        ))
    };
    let epoch_name = params_name(&zkyuma_prover::epoch::params_name(&epoch_shape), system);
    let epoch: Arc<dyn StatementProver<EpochStatement>> = if pinned(&epoch_name) {
        let spinner = Spinner::start(format!(
            "keys {epoch_name}: regenerating, checked against vk.bin"
        ));
        let p = zkyuma_prover::system::load_halo2_epoch_prover(&opts.params, &setup, &epoch_shape)?;
        spinner.finish(format!("keys {epoch_name}: the pinned ones"));
        p
    } else {
        let blank = zkyuma_circuits::epoch::halo2::EpochHalo2 {
            limb_bits: limb,
            ..zkyuma_circuits::epoch::halo2::EpochHalo2::blank(epoch_shape)
        };
        let id = zkyuma_circuits::epoch::circuit_id(&epoch_shape);
        let keys = made(opts, &setup, (&epoch_name, &id), &blank, 1)?;
        Arc::new(zkyuma_prover::system::Halo2Epoch::new(
            keys,
            &epoch_shape,
            limb,
        ))
    };
    Ok((score, epoch))
}

/// Load (or set up once and cache) the keys of the demo's two circuits.
pub(crate) fn demo_keys(opts: &DemoOptions) -> Result<DemoKeys, DemoError> {
    let scoring = Scoring::Mse {
        amplification: zkyuma_circuits::scoring::Mse::DEFAULT.amplification,
    };
    let (score_shape, epoch_shape) = (opts.shape.score(), opts.shape.epoch());
    let score_name = zkyuma_prover::score::params_name(&scoring, &score_shape);
    let epoch_name = zkyuma_prover::epoch::params_name(&epoch_shape);
    if opts.proof_system != ProofSystem::Groth16 {
        let (score, epoch) = demo_halo2_keys(opts, scoring)?;
        let registration = |name: String, system, bytes| KeyRegistration {
            name,
            system,
            bytes,
            transcript_hash: None,
        };
        let system = opts.proof_system;
        let score_name = zkyuma_prover::halo2::params_name(&score_name, system);
        let epoch_name = zkyuma_prover::halo2::params_name(&epoch_name, system);
        return Ok(DemoKeys {
            scoring,
            registrations: [
                registration(score_name.clone(), system, score.vk_bytes()),
                registration(epoch_name.clone(), system, epoch.vk_bytes()),
            ],
            score_name,
            epoch_name,
            score,
            epoch,
        });
    }
    let (score, epoch) = match &opts.setup {
        ceremony::DemoSetup::InsecureSeed => (
            load_or_setup(
                &opts.params,
                &opts.keys,
                &score_name,
                &zkyuma_circuits::score::circuit_id(
                    &zkyuma_circuits::scoring::ScoringFunction::id(&scoring),
                    &score_shape,
                ),
                |kind| zkyuma_prover::score::setup_score(scoring, score_shape, kind),
            )?,
            load_or_setup(
                &opts.params,
                &opts.keys,
                &epoch_name,
                &zkyuma_circuits::epoch::circuit_id(&epoch_shape),
                |kind| zkyuma_prover::epoch::setup_epoch(epoch_shape, kind),
            )?,
        ),
        ceremony::DemoSetup::Ceremony { ptau, work } => {
            let circuits = [
                CeremonyCircuit::Score {
                    scoring,
                    shape: score_shape,
                },
                CeremonyCircuit::Epoch { shape: epoch_shape },
            ];
            let cached = circuits.iter().all(|c| {
                KeyPaths::new(&opts.params, &opts.keys, &c.params_name())
                    .load(&c.circuit_id())
                    .is_ok_and(|k| k.description.setup.transcript_hash().is_some())
            });
            // The phase 1 is needed only when a ceremony has to run.
            let phase1 = if cached {
                PathBuf::new()
            } else {
                ceremony::phase1(&[&circuits[0], &circuits[1]], ptau.as_deref(), work)?
            };
            let keys = |c: &CeremonyCircuit| {
                ceremony::ceremony_keys(c, &phase1, &opts.params, &opts.keys, work)
            };
            (keys(&circuits[0])?, keys(&circuits[1])?)
        }
    };
    Ok(DemoKeys {
        scoring,
        registrations: [
            KeyRegistration::from_keys(&score_name, &score),
            KeyRegistration::from_keys(&epoch_name, &epoch),
        ],
        score: Arc::new(Groth16Score::new(Arc::new(score), scoring)),
        epoch: Arc::new(Groth16Epoch::new(Arc::new(epoch))),
        score_name,
        epoch_name,
    })
}

/// The demo's score window: its hospitals prove one at a time, so it grows with their number
/// (the network shape's 64 score proofs take minutes).
pub fn score_window_secs(validators: u32) -> u64 {
    300 + 60 * u64::from(validators)
}

/// Run the demo.
pub async fn run(opts: &DemoOptions) -> Result<DemoSummary, DemoError> {
    let shape = opts.shape;
    let (score_shape, epoch_shape) = (shape.score(), shape.epoch());
    let DemoKeys {
        scoring,
        score: score_prover,
        epoch: epoch_prover,
        registrations: [score_registration, epoch_registration],
        ..
    } = demo_keys(opts)?;

    // Data: one evaluation set per hospital, the rest for training.
    let v = shape.validators as usize;
    let data = patients::split(v, shape.per_hospital, DEMO_DATA_SEED).map_err(DemoError::Data)?;
    let (leaky, forger) = colluders(v);
    let roster = miner_roster(&shape);
    if roster.len() < 8 {
        return Err(DemoError::Data("the demo needs at least 8 miners".into()));
    }
    let patient_data = shape.patient_data();
    let specs: Vec<MinerSpec> = roster
        .iter()
        .map(|m| {
            Ok(MinerSpec {
                name: m.name,
                model: m
                    .model
                    .build(&patient_data)
                    .map_err(|e| DemoError::Data(e.to_string()))?,
                behaviour: match m.behaviour {
                    BehaviourSpec::Silent => MinerBehaviour::Silent,
                    BehaviourSpec::MisSigns => MinerBehaviour::MisSigns,
                    BehaviourSpec::SlowMs(ms) => MinerBehaviour::Slow(Duration::from_millis(ms)),
                    BehaviourSpec::Honest => MinerBehaviour::Honest,
                },
            })
        })
        .collect::<Result<_, DemoError>>()?;
    let uid_of = |name: &str| {
        specs
            .iter()
            .position(|s| s.name == name)
            .map_or(0, |i| (v + i) as u16)
    };
    let leak_friend = uid_of("leak-friend");
    let forge_friend = uid_of("forger-friend");

    // Fresh output directories.
    let bundles = opts.out.join("bundles");
    let state = opts.out.join("state");
    for dir in [&bundles, &state] {
        if dir.exists() {
            std::fs::remove_dir_all(dir)?;
        }
        std::fs::create_dir_all(dir)?;
    }

    // Neurons: hospitals, then miners.
    let mut miners: Vec<Miner> = Vec::new();
    let mut neurons: Vec<Neuron> = Vec::new();
    for i in 0..v {
        neurons.push(Neuron {
            hotkey: Hotkey::demo(&format!("hospital-{i}")).public(),
            // Hospital 0 holds the most stake; the forger and the leaky one the least.
            stake: 1_000_000_000_000 * (v as u64 - i as u64 + 1),
            endpoint: String::new(),
        });
    }
    for (i, spec) in specs.iter().enumerate() {
        let hotkey = Hotkey::demo(&format!("miner-{i}-{}", spec.name));
        let behaviour = match spec.behaviour {
            MinerBehaviour::Slow(_) => MinerBehaviour::Slow(opts.slow_delay),
            ref b => b.clone(),
        };
        miners.push(Miner::new(hotkey.clone(), spec.model.clone(), behaviour));
        neurons.push(Neuron {
            hotkey: hotkey.public(),
            stake: 0,
            endpoint: String::new(),
        });
    }

    // The chain, with the pinned verifying keys.
    let mut config = SubnetConfig::local(scoring, score_shape, epoch_shape);
    config.score_window_secs = score_window_secs(epoch_shape.validators);
    config.commit_window_ms = opts.commit_window.as_millis() as u64;
    let chain = EmbeddedChain::genesis(
        config,
        neurons,
        score_registration,
        epoch_registration,
        bundles.clone(),
    )?;
    let chain_served = serve_chain(chain.clone(), opts.chain_addr).await?;
    eprintln!("chain: serving on {}", chain_served.url());
    // Miners: each watches the chain's task board and answers what is sealed to it.
    let (stop_miners, stopped) = tokio::sync::watch::channel(false);
    let mut miner_tasks = tokio::task::JoinSet::new();
    for miner in miners {
        let (url, mut stopped) = (chain_served.url(), stopped.clone());
        miner_tasks.spawn(async move {
            let shutdown = async move {
                let _ = stopped.wait_for(|s| *s).await;
            };
            miner
                .run(&url, 1, Duration::from_millis(100), shutdown, |_| {})
                .await
        });
    }
    drop(stopped);
    let prover = EpochProver::open(
        1,
        Hotkey::demo("epoch-prover"),
        epoch_prover,
        chain_served.url(),
        state.join("epoch-prover"),
    )?;

    // Hospitals.
    let validators: Vec<Validator> = (0..v)
        .map(|i| Validator {
            name: format!("hospital-{i}"),
            hotkey: Hotkey::demo(&format!("hospital-{i}")),
            netuid: 1,
            records: Arc::new(data.hospitals[i].clone()),
            depth: shape.depth,
            samples: shape.samples,
            scoring,
            keys: score_prover.clone(),
            chain_url: chain_served.url(),
            state_dir: state.join(format!("hospital-{i}")),
            behaviour: if i == forger {
                ValidatorBehaviour::Colludes {
                    friend: forge_friend,
                }
            } else {
                ValidatorBehaviour::Honest
            },
        })
        .collect();
    for val in &validators {
        let (ok, why) = val.register().await?;
        if !ok {
            return Err(DemoError::Data(format!(
                "{}: dataset refused: {why}",
                val.name
            )));
        }
    }

    let mut validator_reports = Vec::new();
    for epoch in 1..=opts.epochs {
        let spinner = Spinner::start(format!(
            "epoch {epoch}: {v} hospitals query {} miners and prove their scores",
            specs.len()
        ));
        let mut tasks = tokio::task::JoinSet::new();
        for val in validators.clone() {
            tasks.spawn(async move { val.run_epoch(epoch, None).await });
        }
        let mut reports = Vec::new();
        while let Some(r) = tasks.join_next().await {
            match r {
                Ok(report) => reports.push(report?),
                Err(e) => return Err(DemoError::Data(format!("validator task: {e}"))),
            }
        }
        reports.sort_by(|a, b| a.name.cmp(&b.name));
        spinner.finish(format!("epoch {epoch}: score proofs submitted"));
        let spinner = Spinner::start(format!("epoch {epoch}: proving the Yuma epoch"));
        let proof = prover.prove_and_submit(epoch).await?;
        spinner.finish(format!(
            "epoch {epoch}: epoch proof ({} B) in {:.1} s, verified and paid by the chain",
            proof.proof_bytes,
            proof.prove_time.as_secs_f64()
        ));
        if let Some(result) = chain.results().last() {
            print!(
                "{}",
                render_epoch(
                    result,
                    &reports,
                    &chain,
                    &specs,
                    v,
                    leak_friend,
                    forge_friend,
                    leaky,
                    forger
                )
            );
        }
        validator_reports.push(reports);
    }
    let _ = stop_miners.send(true);
    while miner_tasks.join_next().await.is_some() {}
    chain_served.stop().await;
    Ok(DemoSummary {
        epochs: chain.results(),
        bundles,
        validator_reports,
        leak_friend,
        forge_friend,
        leaky_validator: leaky as u16,
        forging_validator: forger as u16,
    })
}

fn fixed(bits: i64) -> f64 {
    bits as f64 / 4_294_967_296.0
}

#[allow(clippy::too_many_arguments)]
fn render_epoch(
    r: &EpochResult,
    reports: &[ValidatorReport],
    chain: &EmbeddedChain,
    specs: &[MinerSpec],
    v: usize,
    leak_friend: u16,
    forge_friend: u16,
    leaky: usize,
    forger: usize,
) -> String {
    let st = &r.statement;
    let mut out = String::new();
    out.push_str(&format!(
        "\n== epoch {} ==  bundle {}\n",
        r.epoch,
        r.bundle.display()
    ));
    for rep in reports {
        let (ok, why) = &rep.accepted;
        out.push_str(&format!(
            "  {:<11} score proof {:>5.1} s  {}\n",
            rep.name,
            rep.prove_time.as_secs_f64(),
            if *ok {
                "accepted by the chain".to_string()
            } else {
                format!("REFUSED by the chain ({why}); its row is dropped")
            }
        ));
    }
    if let Some(rep) = reports.first() {
        for m in rep
            .miners
            .iter()
            .filter(|m| usize::from(m.uid) >= v && m.status != MinerStatus::Answered)
        {
            out.push_str(&format!(
                "  uid {:>3} ({}) scores 0 for {}: {}\n",
                m.uid,
                specs.get(usize::from(m.uid) - v).map_or("?", |s| s.name),
                rep.name,
                m.status
            ));
        }
    }
    out.push_str(&format!(
        "  {:>4}  {:<10} {:<15} {:>9} {:>9} {:>9} {:>14} {:>16}\n",
        "uid",
        "role",
        "name",
        "consensus",
        "incentive",
        "dividends",
        "emission (RAO)",
        "total (RAO)"
    ));
    let totals = chain.emission_totals();
    let n = st.results.consensus_bits.len();
    for u in 0..n {
        let (role, name) = if u < v {
            ("validator", format!("hospital-{u}"))
        } else {
            (
                "miner",
                specs.get(u - v).map_or("?".into(), |s| s.name.to_string()),
            )
        };
        let row = st
            .chain
            .validators
            .iter()
            .position(|x| usize::from(*x) == u);
        let dividends = row.map_or("-".into(), |r| {
            format!("{:.4}", fixed(st.results.dividends_bits[r]))
        });
        out.push_str(&format!(
            "  {:>4}  {:<10} {:<15} {:>9.4} {:>9.4} {:>9} {:>14} {:>16}\n",
            u,
            role,
            name,
            fixed(st.results.consensus_bits[u]),
            fixed(st.results.incentive_bits[u]),
            dividends,
            st.results.emission[u],
            totals.get(u).copied().unwrap_or(0)
        ));
    }
    // The collusion attempts, told from the private data the demo can see.
    if let Some(rep) = reports.get(forger) {
        for a in rep.attempts.iter().filter(|a| a.what.contains("dropped")) {
            out.push_str(&format!(
                "  collusion 1: hospital-{forger} proved a {}, so uid {forge_friend} (forger-friend) would take it all: {}\n",
                a.what,
                match &a.verdict {
                    Ok(()) => "ACCEPTED (this must not happen)".to_string(),
                    Err(r) => format!("the chain refused it ({r}): the miner commitments are the chain's"),
                }
            ));
        }
        let honest = rep
            .scores
            .get(usize::from(forge_friend))
            .copied()
            .unwrap_or(0);
        out.push_str(&format!(
            "  collusion 2: hospital-{forger} committed weight 65535 for uid {forge_friend} (forger-friend) though its scores give {honest}: {}\n",
            if rep.accepted.0 { "ACCEPTED (this must not happen)".to_string() } else { "the chain refused the proof, the row counts as empty".to_string() }
        ));
    }
    if let Some(rep) = reports.get(leaky) {
        let share = |rep: &ValidatorReport| {
            let sum: u64 = rep.row.iter().map(|w| u64::from(*w)).sum();
            rep.row
                .get(usize::from(leak_friend))
                .map_or(0.0, |w| f64::from(*w) / sum.max(1) as f64)
        };
        let others: Vec<String> = reports
            .iter()
            .enumerate()
            .filter(|(i, r)| *i != leaky && *i != forger && r.accepted.0)
            .map(|(_, r)| format!("{} {:.3}", r.name, share(r)))
            .collect();
        out.push_str(&format!(
            "  collusion 3: hospital-{leaky}'s records leaked to uid {leak_friend} (leak-friend): its proven weight share {:.3} vs {} → consensus {:.3}; Yuma clips hospital-{leaky}'s weight to it, incentive {:.4}\n",
            share(rep),
            others.join(", "),
            fixed(st.results.consensus_bits[usize::from(leak_friend)]),
            fixed(st.results.incentive_bits[usize::from(leak_friend)])
        ));
    }
    out
}
