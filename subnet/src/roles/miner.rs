//! The miner service (DESIGN §1 step 2): answers a validator's task with its model's predictions,
//! computes the query digest of the features it received itself, commits to its outputs with a
//! fresh blinding, and signs (netuid, epoch, validator, query digest, commitment) with its hotkey.

use crate::net::hotkey::{miner_commitment_payload, Hotkey};
use crate::net::protocol::{self, fr_to_bytes, pb};
use ark_bn254::Fr;
use ark_ff::UniformRand;
use std::sync::Arc;
use std::time::Duration;
use zkyuma_circuits::commitment::{features_digest, miner_commitment, query_digest};

/// A miner's model: features (fixed point, scaled by 2^16) to a u16 prediction.
pub type Model = Arc<dyn Fn(&[i64]) -> u16 + Send + Sync>;

/// How a miner behaves (the demo and the fault tests use the misbehaving ones).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Behaviour {
    /// Answers promptly and correctly.
    Honest,
    /// Never answers (holds every request open).
    Silent,
    /// Answers after a delay.
    Slow(Duration),
    /// Signs with a key that is not its hotkey.
    MisSigns,
    /// Answers with far more outputs than asked (an oversized message).
    Oversized,
}

/// A miner: hotkey, model, behaviour.
#[derive(Clone)]
pub struct Miner {
    hotkey: Hotkey,
    model: Model,
    behaviour: Behaviour,
}

impl Miner {
    /// A miner.
    pub fn new(hotkey: Hotkey, model: Model, behaviour: Behaviour) -> Self {
        Self {
            hotkey,
            model,
            behaviour,
        }
    }

    /// The answer to a task (what the service returns).
    pub fn answer(&self, task: &pb::Task) -> Result<pb::Answer, protocol::WireError> {
        let netuid = protocol::u16_field("netuid", task.netuid)?;
        let validator = protocol::bytes32("validator_hotkey", &task.validator_hotkey)?;
        let digests: Vec<Fr> = task
            .records
            .iter()
            .map(|r| features_digest(&r.values))
            .collect();
        let q = query_digest(&digests);
        let mut outputs: Vec<u16> = task
            .records
            .iter()
            .map(|r| (self.model)(&r.values))
            .collect();
        let blinding = Fr::rand(&mut rand::rngs::OsRng);
        let commitment = miner_commitment(&outputs, blinding);
        if self.behaviour == Behaviour::Oversized {
            outputs = vec![7; 1 << 20];
        }
        let payload = miner_commitment_payload(netuid, task.epoch, &validator, &q, &commitment);
        let signature = match self.behaviour {
            Behaviour::MisSigns => Hotkey::demo("not-my-hotkey").sign(&payload),
            _ => self.hotkey.sign(&payload),
        };
        Ok(pb::Answer {
            miner_hotkey: self.hotkey.public().to_vec(),
            outputs: outputs.into_iter().map(u32::from).collect(),
            blinding: fr_to_bytes(&blinding).to_vec(),
            commitment: fr_to_bytes(&commitment).to_vec(),
            query_digest: fr_to_bytes(&q).to_vec(),
            signature: signature.to_vec(),
        })
    }
}

#[tonic::async_trait]
impl pb::miner_server::Miner for Miner {
    async fn query(
        &self,
        request: tonic::Request<pb::Task>,
    ) -> Result<tonic::Response<pb::Answer>, tonic::Status> {
        match self.behaviour {
            Behaviour::Silent => {
                // Hold the request until the caller gives up.
                tokio::time::sleep(Duration::from_secs(3600)).await;
            }
            Behaviour::Slow(d) => tokio::time::sleep(d).await,
            _ => {}
        }
        Ok(tonic::Response::new(self.answer(request.get_ref())?))
    }
}

/// How a miner process behaves (its configuration's `behaviour`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BehaviourSpec {
    /// Answers promptly and correctly.
    Honest,
    /// Never answers.
    Silent,
    /// Answers after this many milliseconds.
    SlowMs(u64),
    /// Signs with a key that is not its hotkey.
    MisSigns,
}

/// A miner process's configuration (`zkyuma serve miner --config miner.json`):
///
/// ```json
/// { "listen": "127.0.0.1:50061", "hotkey": { "seed_file": "miner.key" },
///   "model": { "kind": "linear", "columns": [0,1,2,3,4,5,6,7,8,9] },
///   "data": { "hospitals": 4, "per_hospital": 72, "seed": 2026 }, "behaviour": "honest" }
/// ```
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct MinerConfig {
    /// Where the miner listens.
    pub listen: std::net::SocketAddr,
    /// Its hotkey.
    pub hotkey: crate::roles::config::HotkeySpec,
    /// Its model.
    pub model: crate::roles::config::ModelSpec,
    /// The public training data the model is fitted on.
    pub data: crate::roles::config::PatientData,
    /// How it behaves.
    #[serde(default = "honest")]
    pub behaviour: BehaviourSpec,
}

fn honest() -> BehaviourSpec {
    BehaviourSpec::Honest
}

impl MinerConfig {
    /// The miner.
    pub fn miner(&self) -> Result<Miner, crate::roles::config::ConfigError> {
        let behaviour = match self.behaviour {
            BehaviourSpec::Honest => Behaviour::Honest,
            BehaviourSpec::Silent => Behaviour::Silent,
            BehaviourSpec::SlowMs(ms) => Behaviour::Slow(Duration::from_millis(ms)),
            BehaviourSpec::MisSigns => Behaviour::MisSigns,
        };
        Ok(Miner::new(
            self.hotkey.load()?,
            self.model.build(&self.data)?,
            behaviour,
        ))
    }
}

/// Run a miner on `listener` until `shutdown` resolves.
pub async fn run(
    config: &MinerConfig,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send,
) -> Result<(), crate::roles::config::ConfigError> {
    let miner = config.miner()?;
    crate::net::serve::run_miner(miner, listener, shutdown)
        .await
        .map_err(|e| crate::roles::config::ConfigError::Unusable(format!("serving: {e}")))
}
