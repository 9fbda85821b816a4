//! The chain's durable state: an embedded redb database beside the bundles.
//!
//! Two tables: `chain_state` holds one snapshot of the open epoch (metagraph, permits, last
//! updates, registrations, registered keys, the epoch's beacon round, previous digest, bonds commitment, the epoch's
//! submissions and accepted rows, emission totals) and `epoch_results` one record per paid epoch.
//! Every accepted change is written in one redb write transaction before the chain answers, so a
//! chain killed at any point restarts from the last answered request: nothing answered is lost,
//! nothing is applied twice.

use super::{Dataset, EpochResult, KeyRegistration, Neuron, RegisteredKey, State, SubnetConfig};
use crate::bundle::BundleScore;
use ark_bn254::Fr;
use redb::{Database, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use zkyuma_circuits::field::serde_hex;
use zkyuma_circuits::score::ScoreStatement;
use zkyuma_circuits::statement::ProofSystem;

const STATE: TableDefinition<&str, &[u8]> = TableDefinition::new("chain_state");
const RESULTS: TableDefinition<u64, &[u8]> = TableDefinition::new("epoch_results");
const SNAPSHOT: &str = "open_epoch";

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database.
    #[error("chain store {path}: {message}")]
    Database {
        /// The database file.
        path: String,
        /// redb's error.
        message: String,
    },
    /// A record that does not decode (a damaged or foreign file).
    #[error("chain store {path}: record {record}: {message}")]
    Record {
        /// The database file.
        path: String,
        /// Which record.
        record: String,
        /// The decoder's error.
        message: String,
    },
}

/// The chain's database.
pub struct ChainStore {
    db: Database,
    path: PathBuf,
}

#[derive(Serialize, Deserialize)]
struct DatasetRecord {
    #[serde(with = "serde_hex::bytes32")]
    hotkey: [u8; 32],
    #[serde(with = "serde_hex::fr")]
    root: Fr,
    size: u64,
    signature: Vec<u8>,
    epoch: u64,
}

#[derive(Serialize, Deserialize)]
struct KeyRecord {
    name: String,
    system: ProofSystem,
    bytes: Vec<u8>,
    #[serde(default)]
    transcript_hash: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct AcceptedRecord {
    uid: u16,
    #[serde(with = "serde_hex::fr")]
    commitment: Fr,
    statement: ScoreStatement,
}

/// The open epoch's state as stored.
#[derive(Serialize, Deserialize)]
struct Snapshot {
    config: SubnetConfig,
    neurons: Vec<Neuron>,
    permits: Vec<bool>,
    last_update: Vec<u64>,
    emission_total: Vec<u64>,
    datasets: Vec<DatasetRecord>,
    pending_datasets: Vec<DatasetRecord>,
    score_key: KeyRecord,
    epoch_key: KeyRecord,
    epoch: u64,
    round: Option<u64>,
    beacon: Option<super::beacon::BeaconRound>,
    seed_known_at: Option<u64>,
    last_round: u64,
    #[serde(with = "serde_hex::bytes32")]
    prev_digest: [u8; 32],
    #[serde(with = "serde_hex::fr")]
    bonds_commitment: Fr,
    bonds_rows: Vec<u16>,
    scores: Vec<BundleScore>,
    accepted: Vec<AcceptedRecord>,
    #[serde(default)]
    board: super::tasks::TaskBoard,
}

fn datasets(m: &BTreeMap<[u8; 32], Dataset>) -> Vec<DatasetRecord> {
    m.iter()
        .map(|(hk, d)| DatasetRecord {
            hotkey: *hk,
            root: d.root,
            size: d.size,
            signature: d.signature.clone(),
            epoch: d.epoch,
        })
        .collect()
}

fn dataset_map(v: Vec<DatasetRecord>) -> BTreeMap<[u8; 32], Dataset> {
    v.into_iter()
        .map(|d| {
            (
                d.hotkey,
                Dataset {
                    root: d.root,
                    size: d.size,
                    signature: d.signature,
                    epoch: d.epoch,
                },
            )
        })
        .collect()
}

fn key_record(k: &RegisteredKey) -> KeyRecord {
    KeyRecord {
        name: k.name.clone(),
        system: k.key.system(),
        bytes: k.bytes.clone(),
        transcript_hash: k.transcript_hash.clone(),
    }
}

impl ChainStore {
    /// Open (or create) the database at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Database {
                path: path.display().to_string(),
                message: e.to_string(),
            })?;
        }
        let db = Database::create(path).map_err(|e| StoreError::Database {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        Ok(Self {
            db,
            path: path.to_path_buf(),
        })
    }

    fn db_error(&self, e: impl std::fmt::Display) -> StoreError {
        StoreError::Database {
            path: self.path.display().to_string(),
            message: e.to_string(),
        }
    }

    fn record_error(&self, record: String, e: impl std::fmt::Display) -> StoreError {
        StoreError::Record {
            path: self.path.display().to_string(),
            record,
            message: e.to_string(),
        }
    }

    /// Write the open epoch's state, and the result of the epoch just paid if any, in one
    /// durable transaction.
    pub(super) fn save(&self, s: &State, paid: Option<&EpochResult>) -> Result<(), StoreError> {
        let snapshot = Snapshot {
            config: s.config.clone(),
            neurons: s.neurons.clone(),
            permits: s.permits.clone(),
            last_update: s.last_update.clone(),
            emission_total: s.emission_total.clone(),
            datasets: datasets(&s.datasets),
            pending_datasets: datasets(&s.pending_datasets),
            score_key: key_record(&s.score_key),
            epoch_key: key_record(&s.epoch_key),
            epoch: s.epoch,
            round: s.round,
            beacon: s.beacon.clone(),
            seed_known_at: s.seed_known_at,
            last_round: s.last_round,
            prev_digest: s.prev_digest,
            bonds_commitment: s.bonds_commitment,
            bonds_rows: s.bonds_rows.clone(),
            scores: s.scores.clone(),
            board: s.board.clone(),
            accepted: s
                .accepted
                .iter()
                .map(|(uid, (commitment, statement))| AcceptedRecord {
                    uid: *uid,
                    commitment: *commitment,
                    statement: statement.clone(),
                })
                .collect(),
        };
        let bytes = serde_json::to_vec(&snapshot).map_err(|e| self.db_error(e))?;
        let txn = self.db.begin_write().map_err(|e| self.db_error(e))?;
        {
            let mut table = txn.open_table(STATE).map_err(|e| self.db_error(e))?;
            table
                .insert(SNAPSHOT, bytes.as_slice())
                .map_err(|e| self.db_error(e))?;
            if let Some(r) = paid {
                let mut results = txn.open_table(RESULTS).map_err(|e| self.db_error(e))?;
                let bytes = serde_json::to_vec(r).map_err(|e| self.db_error(e))?;
                results
                    .insert(r.epoch, bytes.as_slice())
                    .map_err(|e| self.db_error(e))?;
            }
        }
        txn.commit().map_err(|e| self.db_error(e))
    }

    /// The stored state, if the chain ever started here; `bundle_dir` is where bundles go.
    pub(super) fn load(
        &self,
        bundle_dir: PathBuf,
        register: impl Fn(KeyRegistration, usize) -> Result<RegisteredKey, super::ChainError>,
    ) -> Result<Option<State>, super::ChainError> {
        let txn = self.db.begin_read().map_err(|e| self.db_error(e))?;
        let table = match txn.open_table(STATE) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(self.db_error(e).into()),
        };
        let Some(bytes) = table.get(SNAPSHOT).map_err(|e| self.db_error(e))? else {
            return Ok(None);
        };
        let snap: Snapshot = serde_json::from_slice(bytes.value())
            .map_err(|e| self.record_error(SNAPSHOT.into(), e))?;
        let mut results = Vec::new();
        match txn.open_table(RESULTS) {
            Ok(t) => {
                for entry in t.iter().map_err(|e| self.db_error(e))? {
                    let (epoch, bytes) = entry.map_err(|e| self.db_error(e))?;
                    let r: EpochResult = serde_json::from_slice(bytes.value())
                        .map_err(|e| self.record_error(format!("epoch {}", epoch.value()), e))?;
                    results.push(r);
                }
            }
            Err(redb::TableError::TableDoesNotExist(_)) => {}
            Err(e) => return Err(self.db_error(e).into()),
        }
        let n = snap.neurons.len();
        let lengths = [
            ("permits", snap.permits.len()),
            ("last_update", snap.last_update.len()),
            ("emission_total", snap.emission_total.len()),
            (
                "score shape miners",
                snap.config.score_shape.miners as usize,
            ),
            ("epoch shape uids", snap.config.epoch_shape.uids as usize),
        ];
        if let Some((what, got)) = lengths.iter().find(|(_, got)| *got != n) {
            return Err(self
                .record_error(
                    SNAPSHOT.into(),
                    format!("{what}: {got} entries for {n} neurons"),
                )
                .into());
        }
        if let Some(a) = snap.accepted.iter().find(|a| usize::from(a.uid) >= n) {
            return Err(self
                .record_error(
                    SNAPSHOT.into(),
                    format!("accepted row of uid {} among {n} neurons", a.uid),
                )
                .into());
        }
        let key = |k: KeyRecord| KeyRegistration {
            name: k.name,
            system: k.system,
            bytes: k.bytes,
            transcript_hash: k.transcript_hash,
        };
        Ok(Some(State {
            score_key: register(key(snap.score_key), zkyuma_circuits::score::PUBLIC_INPUTS)?,
            epoch_key: register(key(snap.epoch_key), 1)?,
            config: snap.config,
            neurons: snap.neurons,
            permits: snap.permits,
            last_update: snap.last_update,
            emission_total: snap.emission_total,
            datasets: dataset_map(snap.datasets),
            pending_datasets: dataset_map(snap.pending_datasets),
            epoch: snap.epoch,
            round: snap.round,
            beacon: snap.beacon,
            seed_known_at: snap.seed_known_at,
            last_round: snap.last_round,
            prev_digest: snap.prev_digest,
            bonds_commitment: snap.bonds_commitment,
            bonds_rows: snap.bonds_rows,
            scores: snap.scores,
            board: snap.board,
            accepted: snap
                .accepted
                .into_iter()
                .map(|a| (a.uid, (a.commitment, a.statement)))
                .collect(),
            results,
            bundle_dir,
        }))
    }
}

impl From<StoreError> for super::ChainError {
    fn from(e: StoreError) -> Self {
        super::ChainError::Storage(e.to_string())
    }
}
