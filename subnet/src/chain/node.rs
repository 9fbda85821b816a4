//! The chain as a process (`zkyuma serve chain --config chain.json`): its configuration, its
//! durable store, and [`run`].
//!
//! ```json
//! {
//!   "listen": "127.0.0.1:50051",
//!   "store": "zkyuma-data/chain/chain.redb",
//!   "bundles": "zkyuma-data/chain/bundles",
//!   "params": "params",
//!   "score_key": "score-mse-a16-12x16-d7-hidden",
//!   "epoch_key": "epoch-4x12-yuma3",
//!   "subnet": { "netuid": 1, "tempo": 100, "kappa": 32767, ... },
//!   "neurons": [ { "hotkey": { "demo": "hospital-0" }, "stake": 5000000000000, "endpoint": "" },
//!                { "hotkey": { "public": "<64 hex digits>" }, "stake": 0,
//!                  "endpoint": "http://10.0.0.7:50061" } ]
//! }
//! ```
//! The first start writes genesis to the store; every later start resumes from it (the
//! `subnet` and `neurons` fields are then only read to check nothing else is meant).

use super::{ChainError, ChainStore, EmbeddedChain, KeyRegistration, Neuron, SubnetConfig};
use crate::roles::config::PublicKeySpec;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::PathBuf;
use zkyuma_prover::keys::KeyPaths;

/// One neuron registered at genesis.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NeuronSpec {
    /// Its hotkey.
    pub hotkey: PublicKeySpec,
    /// Stake (RAO).
    pub stake: u64,
    /// Its miner endpoint (empty for a validator).
    #[serde(default)]
    pub endpoint: String,
}

/// The chain process's configuration.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ChainNodeConfig {
    /// Where the chain's gRPC service listens.
    pub listen: SocketAddr,
    /// The redb database file.
    pub store: PathBuf,
    /// Where bundles are written.
    pub bundles: PathBuf,
    /// The params directory holding the verifying keys.
    pub params: PathBuf,
    /// The score circuit's params name.
    pub score_key: String,
    /// The epoch circuit's params name.
    pub epoch_key: String,
    /// The keys' proof system (`groth16`).
    #[serde(default)]
    pub proof_system: zkyuma_circuits::statement::ProofSystem,
    /// The score key's proof system when it is not `proof_system` (halo2 score proofs beside a
    /// Groth16 epoch proof).
    #[serde(default)]
    pub score_proof_system: Option<zkyuma_circuits::statement::ProofSystem>,
    /// The subnet's parameters.
    pub subnet: SubnetConfig,
    /// The neurons at genesis, uid by uid.
    pub neurons: Vec<NeuronSpec>,
}

impl ChainNodeConfig {
    fn key(
        &self,
        name: &str,
        system: zkyuma_circuits::statement::ProofSystem,
    ) -> Result<KeyRegistration, ChainError> {
        // Only the verifying key is read; the proving-key directory is not used.
        let paths = KeyPaths::new(&self.params, &self.params, name);
        let bytes = paths
            .load_vk_bytes()
            .map_err(|e| ChainError::Config(format!("verifying key {name}: {e}")))?;
        if system != zkyuma_circuits::statement::ProofSystem::Groth16 {
            let description = zkyuma_prover::halo2::load_description(&paths)
                .map_err(|e| ChainError::Config(format!("verifying key {name}: {e}")))?;
            if description.system != system {
                return Err(ChainError::Config(format!(
                    "verifying key {name}: {} keys, the configuration names {system}",
                    description.system
                )));
            }
            return Ok(KeyRegistration {
                name: name.into(),
                system,
                bytes,
                transcript_hash: None,
            });
        }
        let description = paths
            .load_description()
            .map_err(|e| ChainError::Config(format!("verifying key {name}: {e}")))?;
        Ok(KeyRegistration {
            name: name.into(),
            system: self.proof_system,
            bytes,
            transcript_hash: description.setup.transcript_hash().map(str::to_string),
        })
    }

    /// Open the chain: resumed from the store, or at genesis. The second value says whether it
    /// resumed.
    pub fn open(&self) -> Result<(EmbeddedChain, bool), ChainError> {
        let neurons = self
            .neurons
            .iter()
            .map(|n| {
                Ok(Neuron {
                    hotkey: n
                        .hotkey
                        .public()
                        .map_err(|e| ChainError::Config(e.to_string()))?,
                    stake: n.stake,
                    endpoint: n.endpoint.clone(),
                })
            })
            .collect::<Result<Vec<_>, ChainError>>()?;
        let store = ChainStore::open(&self.store)?;
        EmbeddedChain::open(
            self.subnet.clone(),
            neurons,
            self.key(
                &self.score_key,
                self.score_proof_system.unwrap_or(self.proof_system),
            )?,
            self.key(&self.epoch_key, self.proof_system)?,
            self.bundles.clone(),
            store,
        )
    }
}

/// Run the chain on `listener` until `shutdown` resolves.
pub async fn run(
    config: &ChainNodeConfig,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send,
) -> Result<(), ChainError> {
    let (chain, resumed) = config.open()?;
    eprintln!(
        "chain: {} at epoch {}",
        if resumed {
            "resumed from its store"
        } else {
            "started at genesis"
        },
        chain.epoch()
    );
    crate::net::serve::run_chain(chain, listener, shutdown)
        .await
        .map_err(|e| ChainError::Storage(format!("serving: {e}")))
}
