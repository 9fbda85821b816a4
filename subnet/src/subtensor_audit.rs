//! The live audit of a subnet on a subtensor node (`zkyuma audit --subtensor`).
//!
//! What it reads, at the range's last block: the subnet's uids, hotkeys and stored weight rows
//! (`SubtensorModule::{SubnetworkN, Keys, Weights}`) and the commits not revealed yet
//! (`WeightCommits`, `TimelockedWeightCommits` of the reveal period's epochs); over the range, every block's events
//! (`System::Events`), keeping the registry's `ScoreVerified` logs (`EVM::Log`). For each
//! recorded proof it rebuilds the public inputs from the log (subnet, epoch, hotkey, weights,
//! rest digest), decodes the proof and **re-verifies it natively** against the pinned verifying key
//! under `--params` (the registry and its verifier are not trusted); with `--bundles` it also checks
//! the rest digest against the statement in the subnet's audited bundle for that epoch (whose miner
//! commitments are the miners' signed ones). Per uid with a row or a proof it reports:
//!
//! * **proven** — the latest recorded proof verifies natively and binds the stored row (a
//!   public-mode proof: the digest of the stored row is the proof's weights input);
//! * **unproven** — a stored row with no verified proof for it (or only a hidden-mode one, whose
//!   commitment cannot be matched to a row without its opening);
//! * **mismatch** — a recorded proof that does not verify natively, or binds another row, or whose
//!   rest digest is not the bundle's.
//!
//! Every JSON-RPC answer can be recorded (`--record`) and replayed (`--replay`), so an audit is
//! repeatable offline, and the tests run against recorded answers.

use crate::chain::subtensor::{decode_metadata, ChainError, OfflineChain};
use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField};
use parity_scale_codec::Decode;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use sha3::{Digest, Keccak256};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use zkyuma_prover::keys::KeyPaths;
use zkyuma_verifier::{PreparedVerifyingKey, VerifyingKey};

/// The `ScoreVerified` event of the registry (`verifier/src/evm/ZkyumaRegistry.sol`).
pub const SCORE_VERIFIED: &str = "ScoreVerified(bytes32,uint64,bytes32,uint256,uint256,uint256[8])";

/// The most blocks one audit scans (two requests each).
pub const MAX_BLOCKS: u64 = 7200;

/// Why a live audit could not run.
#[derive(Debug, thiserror::Error)]
pub enum SubtensorAuditError {
    /// The node refused or failed a request.
    #[error("{method}: {message}")]
    Rpc {
        /// The JSON-RPC method.
        method: String,
        /// What went wrong.
        message: String,
    },
    /// A replayed audit asked for an answer the recording does not hold.
    #[error("{method} {params} is not in the recording")]
    NotRecorded {
        /// The JSON-RPC method.
        method: String,
        /// Its parameters (JSON).
        params: String,
    },
    /// An answer that does not decode.
    #[error("{what}: {message}")]
    Decode {
        /// What was decoded.
        what: String,
        /// Why it failed.
        message: String,
    },
    /// The node has no such block.
    #[error("no block {0}")]
    NoBlock(u64),
    /// A block range that is empty or too long.
    #[error("blocks {from}..={to}: {reason}")]
    Range {
        /// First block.
        from: u64,
        /// Last block.
        to: u64,
        /// Why.
        reason: String,
    },
    /// Metadata, storage keys or events.
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// A file (recording, keys, bundles).
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
}

fn decode_err(what: impl Into<String>, message: impl std::fmt::Display) -> SubtensorAuditError {
    SubtensorAuditError::Decode {
        what: what.into(),
        message: message.to_string(),
    }
}

/// One JSON-RPC request and its answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Exchange {
    /// Method.
    pub method: String,
    /// Parameters.
    pub params: Vec<Json>,
    /// The node's answer.
    pub result: Json,
}

/// The answers an audit got, in order: replaying them repeats the audit offline.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Recording {
    /// Where they came from.
    pub node: String,
    /// The exchanges.
    pub exchanges: Vec<Exchange>,
}

impl Recording {
    /// A recording from its JSON. Its numbers must be integers (zkyuma's requests and a node's
    /// answers carry no others): a float does not survive a write and a read exactly, so a
    /// replay could miss an answer it recorded (found by fuzzing, `node_answers`).
    pub fn from_json(bytes: &[u8]) -> Result<Self, String> {
        let recording: Recording =
            serde_json::from_slice(bytes).map_err(|e| format!("not a recording: {e}"))?;
        fn integers_only(v: &Json) -> bool {
            match v {
                Json::Number(n) => n.is_u64() || n.is_i64(),
                Json::Array(a) => a.iter().all(integers_only),
                Json::Object(o) => o.values().all(integers_only),
                _ => true,
            }
        }
        let clean = recording
            .exchanges
            .iter()
            .all(|x| x.params.iter().all(integers_only) && integers_only(&x.result));
        if !clean {
            return Err("not a recording: a number that is not an integer".into());
        }
        Ok(recording)
    }
}

/// Where answers come from: a node, or a recording of one.
pub enum Node {
    /// A live node over JSON-RPC; what it answers is kept for [`Node::recording`].
    Live {
        /// Its URL.
        url: String,
        /// The client.
        client: subxt::rpcs::RpcClient,
        /// Every exchange so far.
        log: Mutex<Vec<Exchange>>,
    },
    /// A recording.
    Replay(Recording),
}

impl Node {
    /// Connect to `url` (`ws://` for a local node, `wss://` otherwise).
    pub async fn connect(url: &str) -> Result<Self, SubtensorAuditError> {
        let rpc = |e: subxt::rpcs::Error| SubtensorAuditError::Rpc {
            method: "connect".into(),
            message: e.to_string(),
        };
        let client = if url.starts_with("ws://") {
            subxt::rpcs::RpcClient::from_insecure_url(url).await
        } else {
            subxt::rpcs::RpcClient::from_url(url).await
        }
        .map_err(rpc)?;
        Ok(Node::Live {
            url: url.to_string(),
            client,
            log: Mutex::new(Vec::new()),
        })
    }

    /// Replay the recording in `path`.
    pub fn replay(path: &Path) -> Result<Self, SubtensorAuditError> {
        let file = |message: String| SubtensorAuditError::File {
            path: path.display().to_string(),
            message,
        };
        let bytes = std::fs::read(path).map_err(|e| file(e.to_string()))?;
        let recording = Recording::from_json(&bytes).map_err(file)?;
        Ok(Node::Replay(recording))
    }

    /// What a live node answered so far (for a replay, its recording).
    pub fn recording(&self) -> Recording {
        match self {
            Node::Live { url, log, .. } => Recording {
                node: url.clone(),
                exchanges: log.lock().map(|l| l.clone()).unwrap_or_default(),
            },
            Node::Replay(r) => r.clone(),
        }
    }

    async fn call(&self, method: &str, params: Vec<Json>) -> Result<Json, SubtensorAuditError> {
        match self {
            Node::Live { client, log, .. } => {
                let mut p = subxt::rpcs::client::RpcParams::new();
                for x in &params {
                    p.push(x).map_err(|e| SubtensorAuditError::Rpc {
                        method: method.into(),
                        message: e.to_string(),
                    })?;
                }
                let result: Json = tokio::time::timeout(
                    crate::chain::subtensor::RPC_TIMEOUT,
                    client.request(method, p),
                )
                .await
                .map_err(|_| SubtensorAuditError::Rpc {
                    method: method.into(),
                    message: "no answer in time".into(),
                })?
                .map_err(|e| SubtensorAuditError::Rpc {
                    method: method.into(),
                    message: e.to_string(),
                })?;
                if let Ok(mut l) = log.lock() {
                    l.push(Exchange {
                        method: method.into(),
                        params,
                        result: result.clone(),
                    });
                }
                Ok(result)
            }
            Node::Replay(r) => r
                .exchanges
                .iter()
                .find(|x| x.method == method && x.params == params)
                .map(|x| x.result.clone())
                .ok_or_else(|| SubtensorAuditError::NotRecorded {
                    method: method.into(),
                    params: Json::Array(params).to_string(),
                }),
        }
    }

    async fn head(&self) -> Result<u64, SubtensorAuditError> {
        let header = self.call("chain_getHeader", vec![]).await?;
        let number = header
            .get("number")
            .and_then(Json::as_str)
            .ok_or_else(|| decode_err("chain_getHeader", "no number"))?;
        u64::from_str_radix(number.trim_start_matches("0x"), 16)
            .map_err(|e| decode_err("chain_getHeader number", e))
    }

    async fn block_hash(&self, n: u64) -> Result<String, SubtensorAuditError> {
        match self.call("chain_getBlockHash", vec![Json::from(n)]).await? {
            Json::String(h) => Ok(h),
            _ => Err(SubtensorAuditError::NoBlock(n)),
        }
    }

    async fn bytes(
        &self,
        method: &str,
        params: Vec<Json>,
    ) -> Result<Option<Vec<u8>>, SubtensorAuditError> {
        match self.call(method, params).await? {
            Json::Null => Ok(None),
            Json::String(h) => hex::decode(h.trim_start_matches("0x"))
                .map(Some)
                .map_err(|e| decode_err(method, e)),
            other => Err(decode_err(method, format!("unexpected answer {other}"))),
        }
    }

    async fn storage(&self, key: &[u8], at: &str) -> Result<Option<Vec<u8>>, SubtensorAuditError> {
        self.bytes(
            "state_getStorage",
            vec![
                Json::from(format!("0x{}", hex::encode(key))),
                Json::from(at),
            ],
        )
        .await
    }
}

/// A `ScoreVerified` log of the registry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScoreRecord {
    /// Block it was emitted in.
    pub block: u64,
    /// The registry key's id.
    pub key_id: [u8; 32],
    /// Epoch.
    pub epoch: u64,
    /// Validator hotkey.
    pub hotkey: [u8; 32],
    /// The weights input (a row's digest in public mode, its commitment in hidden mode).
    pub weights: [u8; 32],
    /// The rest digest.
    pub rest_digest: [u8; 32],
    /// The proof's 8 words.
    pub proof: [[u8; 32]; 8],
}

/// Decode a registry log into a [`ScoreRecord`]; `None` for any other log.
pub fn score_record(
    block: u64,
    topics: &[[u8; 32]],
    data: &[u8],
) -> Result<Option<ScoreRecord>, SubtensorAuditError> {
    let signature: [u8; 32] = Keccak256::digest(SCORE_VERIFIED.as_bytes()).into();
    if topics.first() != Some(&signature) {
        return Ok(None);
    }
    if topics.len() != 4 || data.len() != 64 + 8 * 32 {
        return Err(decode_err(
            format!("ScoreVerified log in block {block}"),
            format!("{} topics and {} data bytes", topics.len(), data.len()),
        ));
    }
    let word = |i: usize| -> [u8; 32] {
        let mut w = [0u8; 32];
        w.copy_from_slice(&data[32 * i..32 * i + 32]);
        w
    };
    if topics[2][..24].iter().any(|b| *b != 0) {
        return Err(decode_err(
            format!("ScoreVerified log in block {block}"),
            "epoch topic over 64 bits",
        ));
    }
    let mut epoch = [0u8; 8];
    epoch.copy_from_slice(&topics[2][24..]);
    Ok(Some(ScoreRecord {
        block,
        key_id: topics[1],
        epoch: u64::from_be_bytes(epoch),
        hotkey: topics[3],
        weights: word(0),
        rest_digest: word(1),
        proof: core::array::from_fn(|i| word(2 + i)),
    }))
}

/// A score key under `--params`, as the registry names it.
pub struct PinnedScoreKey {
    /// The params directory's name.
    pub name: String,
    /// The registry's key id for the audited subnet and `--key-version`.
    pub key_id: [u8; 32],
    /// Public mode (the row is a public input) or hidden.
    pub public: bool,
    /// Miners of the shape (the row's length).
    pub miners: usize,
    /// The prepared key.
    pub pvk: PreparedVerifyingKey,
}

/// Every score key under `params` (directories `score-*` with a description), keyed as the
/// registry keys them for `netuid` at `version`.
pub fn pinned_score_keys(
    params: &Path,
    netuid: u16,
    version: u32,
) -> Result<Vec<PinnedScoreKey>, SubtensorAuditError> {
    let file = |p: &Path, message: String| SubtensorAuditError::File {
        path: p.display().to_string(),
        message,
    };
    let mut keys = Vec::new();
    let dir = std::fs::read_dir(params).map_err(|e| file(params, e.to_string()))?;
    let mut names: Vec<String> = dir
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with("score-"))
        .collect();
    names.sort();
    for name in names {
        let paths = KeyPaths::new(params, Path::new("."), &name);
        let description = paths
            .load_description()
            .map_err(|e| file(&paths.description_path(), e.to_string()))?;
        // `zkyuma/score/v2/<scoring>/<miners>x<samples>-d<depth>-<mode>`
        let id = description.circuit_id.clone();
        let mut parts = id.rsplitn(3, '/');
        let (Some(shape), Some(scoring)) = (parts.next(), parts.next()) else {
            return Err(file(
                &paths.description_path(),
                format!("circuit id {id:?}"),
            ));
        };
        let miners: usize = shape
            .split('x')
            .next()
            .and_then(|m| m.parse().ok())
            .ok_or_else(|| file(&paths.description_path(), format!("shape {shape:?}")))?;
        let (circuit, shape_label) = crate::cli::chain::registry_labels(
            crate::cli::chain::CircuitArg::Score,
            scoring,
            shape,
        );
        let vk_bytes = paths
            .load_vk_bytes()
            .map_err(|e| file(&paths.vk_path(), e.to_string()))?;
        let vk = VerifyingKey::from_bytes(&vk_bytes, zkyuma_circuits::score::PUBLIC_INPUTS)
            .map_err(|e| file(&paths.vk_path(), e.to_string()))?;
        let key_id = crate::cli::chain::key_id(netuid, &circuit, &shape_label, version);
        if let Some(other) = keys.iter().find(|k: &&PinnedScoreKey| k.key_id == key_id) {
            return Err(file(
                &paths.description_path(),
                format!("the same registry key as {}", other.name),
            ));
        }
        keys.push(PinnedScoreKey {
            name,
            key_id,
            public: shape.ends_with("-public"),
            miners,
            pvk: PreparedVerifyingKey::new(vk),
        });
    }
    Ok(keys)
}

/// What the audit concluded for one uid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// The latest recorded proof verifies natively and binds the stored row.
    Proven {
        /// Its epoch.
        epoch: u64,
        /// The block it was recorded in.
        block: u64,
        /// Whether its statement (the rest digest) was checked against the subnet's audited
        /// bundles; without them the proof binds the row to data the validator named.
        statement_checked: bool,
    },
    /// A stored row that no verified proof binds.
    Unproven {
        /// Why.
        reason: String,
    },
    /// A recorded proof that fails a check.
    Mismatch {
        /// Which check.
        reason: String,
    },
}

/// A weight commit the runtime holds and has not revealed yet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PendingCommit {
    /// `commit_timelocked_weights` / `commit_crv3_weights`: the runtime decrypts it itself at
    /// `reveal_round` (`TimelockedWeightCommits`).
    Timelocked {
        /// The subnet epoch it was committed in.
        epoch: u64,
        /// Block it was committed in.
        commit_block: u64,
        /// The drand round that reveals it.
        reveal_round: u64,
        /// Ciphertext bytes.
        bytes: usize,
    },
    /// `commit_weights`: the validator reveals it (`WeightCommits`).
    Hash {
        /// Block it was committed in.
        commit_block: u64,
        /// First block it may be revealed in.
        first_reveal_block: u64,
        /// Last block it may be revealed in.
        last_reveal_block: u64,
    },
}

/// One uid's audit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UidAudit {
    /// Uid.
    pub uid: u16,
    /// Hotkey (hex).
    pub hotkey: String,
    /// The stored row, `(uid, weight)` pairs.
    pub row: Vec<(u16, u16)>,
    /// Recorded proofs in the range (epoch, block).
    pub proofs: Vec<(u64, u64)>,
    /// Its commits not revealed yet: the row they reveal is audited once stored.
    pub pending: Vec<PendingCommit>,
    /// The verdict on the stored row.
    pub verdict: Verdict,
}

/// The audit of a subnet on a node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SubtensorAudit {
    /// Subnet.
    pub netuid: u16,
    /// Blocks scanned for registry logs.
    pub from_block: u64,
    /// The last one (rows and hotkeys are read there).
    pub to_block: u64,
    /// Per uid with a row or a proof.
    pub uids: Vec<UidAudit>,
    /// Recorded proofs of hotkeys not in the subnet, or under keys not in `--params`.
    pub unmatched: Vec<String>,
    /// Registry logs that should never have been emitted: malformed, or a proof that does not
    /// decode or verify natively (a registry or verifier not to be trusted).
    pub faults: Vec<String>,
}

impl SubtensorAudit {
    /// Whether no uid's verdict is a mismatch and the registry recorded nothing it should have
    /// refused.
    pub fn consistent(&self) -> bool {
        self.faults.is_empty()
            && !self
                .uids
                .iter()
                .any(|u| matches!(u.verdict, Verdict::Mismatch { .. }))
    }

    /// A readable report.
    pub fn render(&self) -> String {
        let mut out = format!(
            "subnet {} at block {} (registry logs from block {}):\n",
            self.netuid, self.to_block, self.from_block
        );
        for u in &self.uids {
            let short = u.hotkey.get(..12).unwrap_or(&u.hotkey);
            let verdict = match &u.verdict {
                Verdict::Proven {
                    epoch,
                    block,
                    statement_checked,
                } => format!(
                    "proven      epoch {epoch}, recorded in block {block}{}",
                    if *statement_checked {
                        ", statement checked against the bundles"
                    } else {
                        " (statement unchecked: no bundles)"
                    }
                ),
                Verdict::Unproven { reason } => format!("unproven    {reason}"),
                Verdict::Mismatch { reason } => format!("MISMATCH    {reason}"),
            };
            out.push_str(&format!(
                "  uid {:>4} {short}…  {:>3} weights  {verdict}\n",
                u.uid,
                u.row.len()
            ));
            for p in &u.pending {
                out.push_str(&match p {
                    PendingCommit::Timelocked {
                        epoch,
                        commit_block,
                        reveal_round,
                        ..
                    } => format!(
                        "           pending timelocked commit of epoch {epoch} (block {commit_block}), revealed at drand round {reveal_round}\n"
                    ),
                    PendingCommit::Hash {
                        commit_block,
                        first_reveal_block,
                        last_reveal_block,
                    } => format!(
                        "           pending hash commit (block {commit_block}), to be revealed in blocks {first_reveal_block}..={last_reveal_block}\n"
                    ),
                });
            }
        }
        for m in &self.unmatched {
            out.push_str(&format!("  unmatched proof: {m}\n"));
        }
        for f in &self.faults {
            out.push_str(&format!("  REGISTRY FAULT: {f}\n"));
        }
        out
    }
}

/// What to audit.
pub struct SubtensorAuditOptions {
    /// Subnet.
    pub netuid: u16,
    /// The registry contract (none: rows only, every row unproven).
    pub registry: Option<[u8; 20]>,
    /// First block to scan for registry logs (default: one tempo of 360 blocks before the last).
    pub from_block: Option<u64>,
    /// Last block (default: the head).
    pub to_block: Option<u64>,
    /// Where the pinned verifying keys are.
    pub params: PathBuf,
    /// The registry key version the subnet registered (`register`'s `version`).
    pub key_version: u32,
    /// The subnet's epoch bundles, for the rest digests.
    pub bundles: Option<PathBuf>,
}

/// Rest digests of the bundles' accepted statements by (epoch, hotkey); `None` where two differ.
type BundleStatements = std::collections::BTreeMap<(u64, [u8; 32]), Option<Fr>>;

fn fr_of(w: &[u8; 32]) -> Option<Fr> {
    let x = Fr::from_be_bytes_mod_order(w);
    (x.into_bigint().to_bytes_be() == w.to_vec()).then_some(x)
}

/// The rest digests of accepted statements in the subnet's bundles that pass their own audit:
/// `(epoch, hotkey) -> rest digest` (`None` where two accepted statements disagree).
fn bundle_rest_digests(
    dir: &Path,
    params: &Path,
    netuid: u16,
) -> Result<BundleStatements, SubtensorAuditError> {
    let report =
        crate::audit::audit_dir(dir, Some(params)).map_err(|e| SubtensorAuditError::File {
            path: e.path.clone(),
            message: e.source.to_string(),
        })?;
    let mut out = std::collections::BTreeMap::new();
    for e in report.epochs.iter().filter(|e| e.failures.is_empty()) {
        let Ok(bytes) = std::fs::read(&e.path) else {
            continue;
        };
        let Ok(bundle) = serde_json::from_slice::<crate::bundle::EpochBundle>(&bytes) else {
            continue;
        };
        if bundle.netuid != netuid {
            continue;
        }
        for s in bundle
            .scores
            .iter()
            .filter(|s| s.accepted && s.statement.netuid == netuid)
        {
            let rest = s.statement.public_inputs()[5];
            // Two different accepted statements for one (epoch, hotkey): neither is taken.
            out.entry((s.statement.epoch, s.statement.validator_hotkey))
                .and_modify(|d: &mut Option<Fr>| {
                    if *d != Some(rest) {
                        *d = None
                    }
                })
                .or_insert(Some(rest));
        }
    }
    Ok(out)
}

/// Audit subnet `opts.netuid` on `node`.
pub async fn audit_subtensor(
    node: &Node,
    opts: &SubtensorAuditOptions,
) -> Result<SubtensorAudit, SubtensorAuditError> {
    let to = match opts.to_block {
        Some(b) => b,
        None => node.head().await?,
    };
    let from = opts.from_block.unwrap_or(to.saturating_sub(360));
    if from > to || to - from >= MAX_BLOCKS {
        return Err(SubtensorAuditError::Range {
            from,
            to,
            reason: format!("must be non-empty and at most {MAX_BLOCKS} blocks"),
        });
    }
    let at = node.block_hash(to).await?;
    let metadata_bytes = node
        .bytes("state_getMetadata", vec![Json::from(at.as_str())])
        .await?
        .ok_or_else(|| decode_err("state_getMetadata", "no metadata"))?;
    let chain = OfflineChain::new(decode_metadata(&metadata_bytes)?, [0; 32], 0, 1)?;
    let netuid = opts.netuid;

    let n: u16 = match node
        .storage(&chain.storage_key("SubnetworkN", (netuid,))?, &at)
        .await?
    {
        Some(b) => u16::decode(&mut b.as_slice()).map_err(|e| decode_err("SubnetworkN", e))?,
        None => 0,
    };
    let mut neurons = Vec::with_capacity(usize::from(n));
    for uid in 0..n {
        let hotkey: [u8; 32] = match node
            .storage(&chain.storage_key("Keys", (netuid, uid))?, &at)
            .await?
        {
            Some(b) => <[u8; 32]>::decode(&mut b.as_slice())
                .map_err(|e| decode_err(format!("Keys({netuid}, {uid})"), e))?,
            None => return Err(decode_err(format!("Keys({netuid}, {uid})"), "missing")),
        };
        let row: Vec<(u16, u16)> = match node
            .storage(&chain.storage_key("Weights", (netuid, uid))?, &at)
            .await?
        {
            Some(b) => Vec::<(u16, u16)>::decode(&mut b.as_slice())
                .map_err(|e| decode_err(format!("Weights({netuid}, {uid})"), e))?,
            None => Vec::new(),
        };
        let pending = match node
            .storage(&chain.storage_key("WeightCommits", (netuid, hotkey))?, &at)
            .await?
        {
            Some(b) => Vec::<([u8; 32], u64, u64, u64)>::decode(&mut b.as_slice())
                .map_err(|e| decode_err(format!("WeightCommits({netuid}, uid {uid})"), e))?
                .into_iter()
                .map(|(_, commit_block, first, last)| PendingCommit::Hash {
                    commit_block,
                    first_reveal_block: first,
                    last_reveal_block: last,
                })
                .collect(),
            None => Vec::new(),
        };
        neurons.push((uid, hotkey, row, pending));
    }
    for (who, commit) in timelocked_commits(node, &chain, netuid, to, &at).await? {
        if let Some(n) = neurons.iter_mut().find(|n| n.1 == who) {
            n.3.push(commit);
        }
    }

    let mut records = Vec::new();
    let mut faults = Vec::new();
    if let Some(registry) = opts.registry {
        let events_key = chain.plain_storage_key("System", "Events");
        for block in from..=to {
            let hash = node.block_hash(block).await?;
            let Some(events) = node.storage(&events_key, &hash).await? else {
                continue;
            };
            for log in chain.evm_logs(events)? {
                if log.address != registry {
                    continue;
                }
                match score_record(block, &log.topics, &log.data) {
                    Ok(Some(r)) => records.push(r),
                    Ok(None) => {}
                    Err(e) => faults.push(e.to_string()),
                }
            }
        }
    }

    let keys = pinned_score_keys(&opts.params, netuid, opts.key_version)?;
    let rests = match &opts.bundles {
        Some(dir) => Some(bundle_rest_digests(dir, &opts.params, netuid)?),
        None => None,
    };
    let mut unmatched = Vec::new();
    for r in &records {
        let known_hotkey = neurons.iter().any(|n| n.1 == r.hotkey);
        let known_key = keys.iter().any(|k| k.key_id == r.key_id);
        if !known_hotkey || !known_key {
            unmatched.push(format!(
                "block {} epoch {} hotkey 0x{} key 0x{}: {}",
                r.block,
                r.epoch,
                hex::encode(r.hotkey),
                hex::encode(r.key_id),
                if known_hotkey {
                    "its key is not under --params"
                } else {
                    "the hotkey is not in the subnet"
                }
            ));
        }
    }

    let mut uids = Vec::new();
    for (uid, hotkey, row, pending) in neurons {
        let mut mine: Vec<&ScoreRecord> = records
            .iter()
            .filter(|r| r.hotkey == hotkey && keys.iter().any(|k| k.key_id == r.key_id))
            .collect();
        if row.is_empty() && mine.is_empty() && pending.is_empty() {
            continue;
        }
        mine.sort_by_key(|r| (r.block, r.epoch));
        let checks: Vec<(&ScoreRecord, RecordCheck)> = mine
            .iter()
            .map(|r| (*r, check_record(netuid, r, &row, &keys, rests.as_ref())))
            .collect();
        for (r, c) in &checks {
            if let RecordCheck::Fault(reason) = c {
                faults.push(format!(
                    "uid {uid}, block {}, epoch {}: {reason}",
                    r.block, r.epoch
                ));
            }
        }
        let verdict = if row.is_empty() && mine.is_empty() {
            Verdict::Unproven {
                reason: "no stored row yet, only commits".into(),
            }
        } else {
            verdict(&checks, rests.is_some())
        };
        uids.push(UidAudit {
            uid,
            hotkey: format!("0x{}", hex::encode(hotkey)),
            row,
            proofs: mine.iter().map(|r| (r.epoch, r.block)).collect(),
            verdict,
            pending,
        });
    }
    Ok(SubtensorAudit {
        netuid,
        from_block: from,
        to_block: to,
        uids,
        unmatched,
        faults,
    })
}

/// The reveal period the commits of a subnet wait (`RevealPeriodEpochs`), at most this many
/// epochs read back.
const MAX_REVEAL_PERIOD: u64 = 16;

/// The timelocked commits the runtime holds for `netuid` at block `to`: those of the reveal
/// period's epochs (`TimelockedWeightCommits(netuid, epoch)`), as (hotkey, commit).
async fn timelocked_commits(
    node: &Node,
    chain: &OfflineChain,
    netuid: u16,
    to: u64,
    at: &str,
) -> Result<Vec<([u8; 32], PendingCommit)>, SubtensorAuditError> {
    let u64_at = |entry: &'static str| async move {
        match node
            .storage(&chain.storage_key(entry, (netuid,))?, at)
            .await?
        {
            Some(b) => u64::decode(&mut b.as_slice())
                .map(Some)
                .map_err(|e| decode_err(entry, e)),
            None => Ok(None),
        }
    };
    let has = |entry: &str| {
        chain
            .metadata()
            .pallet_by_name("SubtensorModule")
            .and_then(|p| p.storage())
            .and_then(|s| s.entry_by_name(entry))
            .is_some()
    };
    if !has("TimelockedWeightCommits") {
        return Ok(Vec::new());
    }
    // The epoch index commits are keyed by: the runtime's counter where it keeps one, else
    // `(block + netuid + 1) / (tempo + 1)`.
    let current = if has("SubnetEpochIndex") {
        u64_at("SubnetEpochIndex").await?.unwrap_or(0)
    } else {
        let tempo = match node
            .storage(&chain.storage_key("Tempo", (netuid,))?, at)
            .await?
        {
            Some(b) => u16::decode(&mut b.as_slice()).map_err(|e| decode_err("Tempo", e))?,
            None => 360,
        };
        (to + u64::from(netuid) + 1) / (u64::from(tempo) + 1)
    };
    let period = u64_at("RevealPeriodEpochs")
        .await?
        .unwrap_or(1)
        .min(MAX_REVEAL_PERIOD);
    let mut out = Vec::new();
    for epoch in current.saturating_sub(period)..=current {
        let key = chain.storage_key("TimelockedWeightCommits", (netuid, epoch))?;
        let Some(b) = node.storage(&key, at).await? else {
            continue;
        };
        let commits = Vec::<([u8; 32], u64, Vec<u8>, u64)>::decode(&mut b.as_slice())
            .map_err(|e| decode_err(format!("TimelockedWeightCommits({netuid}, {epoch})"), e))?;
        for (who, commit_block, ciphertext, reveal_round) in commits {
            out.push((
                who,
                PendingCommit::Timelocked {
                    epoch,
                    commit_block,
                    reveal_round,
                    bytes: ciphertext.len(),
                },
            ));
        }
    }
    Ok(out)
}

/// What one recorded proof shows about a uid's stored row.
enum RecordCheck {
    /// It does not decode or verify natively: the registry (or its verifier) recorded a proof
    /// it should have refused.
    Fault(String),
    /// It verifies natively, but its rest digest is not the bundle's.
    OtherStatement(String),
    /// It verifies natively (and matches the bundles, given), binding the stored row or not.
    Verified {
        /// `None`: binds the row; otherwise why not.
        binds: Option<String>,
        /// A hidden-mode proof (it binds a commitment, not a row).
        hidden: bool,
    },
}

/// The verdict from every recorded proof of a uid (oldest first): proven when any of them
/// verifies and binds the stored row (the latest such is named).
fn verdict(checks: &[(&ScoreRecord, RecordCheck)], statement_checked: bool) -> Verdict {
    let latest = |pick: &dyn Fn(&RecordCheck) -> Option<String>| {
        checks
            .iter()
            .rev()
            .find_map(|(r, c)| pick(c).map(|reason| (r.epoch, reason)))
    };
    if let Some((r, _)) = checks.iter().rev().find(|(_, c)| {
        matches!(
            c,
            RecordCheck::Verified {
                binds: None,
                hidden: false
            }
        )
    }) {
        return Verdict::Proven {
            epoch: r.epoch,
            block: r.block,
            statement_checked,
        };
    }
    let found = latest(&|c| match c {
        RecordCheck::Verified {
            binds: Some(why),
            hidden: false,
        } => Some(why.clone()),
        RecordCheck::OtherStatement(why) => Some(why.clone()),
        _ => None,
    });
    if let Some((epoch, why)) = found {
        return Verdict::Mismatch {
            reason: format!("epoch {epoch}: {why}"),
        };
    }
    if let Some((epoch, _)) = latest(&|c| match c {
        RecordCheck::Verified { hidden: true, .. } => Some(String::new()),
        _ => None,
    }) {
        return Verdict::Unproven {
            reason: format!(
                "epoch {epoch}: a hidden-mode proof binds a commitment; the stored row needs its opening"
            ),
        };
    }
    if let Some((epoch, why)) = latest(&|c| match c {
        RecordCheck::Fault(why) => Some(why.clone()),
        _ => None,
    }) {
        return Verdict::Mismatch {
            reason: format!("epoch {epoch}: {why}"),
        };
    }
    Verdict::Unproven {
        reason: "no recorded proof in the range".into(),
    }
}

/// Check one recorded proof against the pinned key, the bundles' statements and the stored row.
fn check_record(
    netuid: u16,
    r: &ScoreRecord,
    row: &[(u16, u16)],
    keys: &[PinnedScoreKey],
    rests: Option<&BundleStatements>,
) -> RecordCheck {
    let Some(key) = keys.iter().find(|k| k.key_id == r.key_id) else {
        return RecordCheck::Fault("its key is not under --params".into());
    };
    let (Some(weights), Some(rest)) = (fr_of(&r.weights), fr_of(&r.rest_digest)) else {
        return RecordCheck::Fault("a public input is not a field element".into());
    };
    let proof = match zkyuma_verifier::evm::proof_from_words(&r.proof) {
        Ok(p) => p,
        Err(e) => return RecordCheck::Fault(format!("the recorded proof: {e}")),
    };
    let [lo, hi] = zkyuma_circuits::field::bytes32_to_fr_pair(&r.hotkey);
    let inputs = [Fr::from(netuid), Fr::from(r.epoch), lo, hi, weights, rest];
    if let Err(e) = zkyuma_verifier::verify(&key.pvk, &inputs, &proof) {
        return RecordCheck::Fault(format!(
            "the recorded proof does not verify natively under {} ({e})",
            key.name
        ));
    }
    if let Some(rests) = rests {
        match rests.get(&(r.epoch, r.hotkey)) {
            Some(Some(d)) if *d == rest => {}
            Some(Some(_)) => {
                return RecordCheck::OtherStatement(
                    "the rest digest is not the one of the bundle's statement".into(),
                )
            }
            Some(None) => {
                return RecordCheck::OtherStatement(
                    "the bundles hold two different accepted statements of this hotkey".into(),
                )
            }
            None => {
                return RecordCheck::OtherStatement(
                    "no accepted statement of this hotkey in an audited bundle".into(),
                )
            }
        }
    }
    if !key.public {
        return RecordCheck::Verified {
            binds: None,
            hidden: true,
        };
    }
    let mut dense = vec![0u16; key.miners];
    let mut seen = vec![false; key.miners];
    for (uid, w) in row {
        let i = usize::from(*uid);
        let (Some(x), Some(s)) = (dense.get_mut(i), seen.get_mut(i)) else {
            return RecordCheck::Verified {
                binds: Some(format!(
                    "the stored row names uid {uid}, beyond the proof's {} miners",
                    key.miners
                )),
                hidden: false,
            };
        };
        if *s {
            return RecordCheck::Verified {
                binds: Some(format!("the stored row names uid {uid} twice")),
                hidden: false,
            };
        }
        *s = true;
        *x = *w;
    }
    let binds = (zkyuma_circuits::commitment::public_weights_digest(&dense) != weights)
        .then(|| "the stored row is not the proven row".to_string());
    RecordCheck::Verified {
        binds,
        hidden: false,
    }
}
