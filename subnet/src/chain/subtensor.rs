//! A subtensor client (subxt): read a subnet's metagraph, submit a validator's weights through the
//! call the subnet's commit-reveal setting requires, and send a proof to the EVM verifier through
//! the `EVM` pallet.
//!
//! Calls are built dynamically against runtime metadata, so the same code serves the metadata
//! committed in `subnet/metadata/` (offline: tests, and building extrinsics without a node) and
//! whatever a connected node reports. The calls, as subtensor defines them:
//! - `SubtensorModule::set_weights(netuid, dests, weights, version_key)` — rejected while
//!   commit-reveal is on (the default);
//! - `SubtensorModule::commit_weights(netuid, commit_hash)` then, `RevealPeriodEpochs` later,
//!   `reveal_weights(netuid, uids, values, salt, version_key)`, where `commit_hash` is
//!   BlakeTwo256 of the SCALE encoding of `(who, netuid, uids, values, salt, version_key)`
//!   ([`commit_hash`]);
//! - `SubtensorModule::commit_timelocked_weights(netuid, commit, reveal_round,
//!   commit_reveal_version)` — the row encrypted to a drand quicknet round, revealed by the
//!   runtime (commit-reveal version 4, the default; [`super::timelock`]), or
//!   `commit_crv3_weights(netuid, commit, reveal_round)` on runtimes of version 3; which one a
//!   subnet needs is [`WeightsPath::choose`] over the node's own metadata;
//! - `EVM::call(source, target, input, value, gas_limit, max_fee_per_gas,
//!   max_priority_fee_per_gas, nonce, access_list[, authorization_list])`, whose `source` must be
//!   the first 20 bytes of the signer's account (Bittensor's `EnsureAddressTruncated`).

use std::time::Duration;
use subxt::config::substrate::{SpecVersionForRange, H256};
use subxt::dynamic::Value;
use subxt::ext::codec::{Decode, Encode};
use subxt::ext::scale_value::{Composite, ValueDef};
use subxt::transactions::DynamicPayload;
use subxt::{ArcMetadata, Metadata, OfflineClient, OnlineClient, SubstrateConfig};
use subxt_signer::sr25519::Keypair;
use subxt_signer::SecretUri;
use thiserror::Error;

/// Runtime metadata (V15) of a subtensor devnet runtime, March 2025: the call and storage
/// shapes used offline.
pub const METADATA: &[u8] = include_bytes!("../../metadata/subtensor-devnet-2025-03-07.scale");

/// Runtime metadata (V15) of mainnet (finney), April 2026, as a node served it: commit-reveal
/// version 4 (`commit_timelocked_weights`). `set-weights --dry-run` builds against it.
pub const MAINNET_METADATA: &[u8] = include_bytes!("../../metadata/subtensor-finney-2026-04.scale");

/// The pallet that holds subnets, weights and stake.
pub const SUBTENSOR: &str = "SubtensorModule";

/// A payload of positional call arguments.
pub type Call = DynamicPayload<Composite<()>>;

/// Why a chain operation failed.
#[derive(Debug, Error)]
pub enum ChainError {
    /// The metadata cannot be decoded or lacks something.
    #[error("metadata: {0}")]
    Metadata(String),
    /// A call or extrinsic cannot be built.
    #[error("cannot encode {what}: {message}")]
    Encode {
        /// What was built.
        what: String,
        /// Why it failed.
        message: String,
    },
    /// Bytes do not decode against the metadata.
    #[error("cannot decode {what}: {message}")]
    Decode {
        /// What was decoded.
        what: &'static str,
        /// Why it failed.
        message: String,
    },
    /// The node could not be reached or answered with an error.
    #[error("node: {0}")]
    Rpc(String),
    /// The signing key is malformed.
    #[error("key: {0}")]
    Key(String),
    /// A weight row is malformed.
    #[error("weights: {0}")]
    Weights(String),
    /// The extrinsic was included but failed.
    #[error("extrinsic failed: {0}")]
    Dispatch(String),
}

fn encode_err(what: impl Into<String>) -> impl FnOnce(subxt::Error) -> ChainError {
    let what = what.into();
    move |e| ChainError::Encode {
        what,
        message: e.to_string(),
    }
}

/// Decode runtime metadata (`meta` prefix, V14+).
pub fn decode_metadata(bytes: &[u8]) -> Result<Metadata, ChainError> {
    Metadata::decode_from(bytes).map_err(|e| ChainError::Metadata(e.to_string()))
}

/// A signing key from a secret URI: `//Alice`, a 12/24-word phrase (with `//hard` or `/soft`
/// derivations and `///password`), or `0x` + a 32-byte hex seed.
pub fn keypair(suri: &str) -> Result<Keypair, ChainError> {
    let uri: SecretUri = suri
        .parse()
        .map_err(|e: subxt_signer::SecretUriError| ChainError::Key(e.to_string()))?;
    Keypair::from_uri(&uri).map_err(|e| ChainError::Key(e.to_string()))
}

/// The 32-byte account of a key (the hotkey, for a validator).
pub fn account_of(key: &Keypair) -> [u8; 32] {
    key.public_key().0
}

/// The EVM address of an account: its first 20 bytes (what `EnsureAddressTruncated` accepts as
/// the `source` of an `EVM::call` the account signs).
pub fn evm_address(account: &[u8; 32]) -> [u8; 20] {
    let mut a = [0u8; 20];
    a.copy_from_slice(&account[..20]);
    a
}

fn u16_seq(values: &[u16]) -> Value {
    Value::unnamed_composite(values.iter().map(|v| Value::u128(u128::from(*v))))
}

fn check_row(uids: &[u16], values: &[u16]) -> Result<(), ChainError> {
    if uids.len() != values.len() {
        return Err(ChainError::Weights(format!(
            "{} uids but {} values",
            uids.len(),
            values.len()
        )));
    }
    Ok(())
}

/// `SubtensorModule::set_weights(netuid, dests, weights, version_key)`.
pub fn set_weights(
    netuid: u16,
    uids: &[u16],
    values: &[u16],
    version_key: u64,
) -> Result<Call, ChainError> {
    check_row(uids, values)?;
    Ok(subxt::dynamic::tx(
        SUBTENSOR,
        "set_weights",
        Composite::unnamed([
            Value::u128(u128::from(netuid)),
            u16_seq(uids),
            u16_seq(values),
            Value::u128(u128::from(version_key)),
        ]),
    ))
}

/// `SubtensorModule::commit_weights(netuid, commit_hash)`.
pub fn commit_weights(netuid: u16, commit_hash: [u8; 32]) -> Call {
    subxt::dynamic::tx(
        SUBTENSOR,
        "commit_weights",
        Composite::unnamed([
            Value::u128(u128::from(netuid)),
            Value::from_bytes(commit_hash),
        ]),
    )
}

/// `SubtensorModule::reveal_weights(netuid, uids, values, salt, version_key)`.
pub fn reveal_weights(
    netuid: u16,
    uids: &[u16],
    values: &[u16],
    salt: &[u16],
    version_key: u64,
) -> Result<Call, ChainError> {
    check_row(uids, values)?;
    Ok(subxt::dynamic::tx(
        SUBTENSOR,
        "reveal_weights",
        Composite::unnamed([
            Value::u128(u128::from(netuid)),
            u16_seq(uids),
            u16_seq(values),
            u16_seq(salt),
            Value::u128(u128::from(version_key)),
        ]),
    ))
}

/// `SubtensorModule::commit_timelocked_weights(netuid, commit, reveal_round,
/// commit_reveal_version)`: a row encrypted to a drand round ([`super::timelock`]).
pub fn commit_timelocked_weights(
    netuid: u16,
    commit: &[u8],
    reveal_round: u64,
    commit_reveal_version: u16,
) -> Call {
    subxt::dynamic::tx(
        SUBTENSOR,
        "commit_timelocked_weights",
        Composite::unnamed([
            Value::u128(u128::from(netuid)),
            Value::from_bytes(commit),
            Value::u128(u128::from(reveal_round)),
            Value::u128(u128::from(commit_reveal_version)),
        ]),
    )
}

/// `SubtensorModule::commit_crv3_weights(netuid, commit, reveal_round)`: the timelocked commit
/// of runtimes before `commit_timelocked_weights` (commit-reveal version 3, whose payload has no
/// hotkey).
pub fn commit_crv3_weights(netuid: u16, commit: &[u8], reveal_round: u64) -> Call {
    subxt::dynamic::tx(
        SUBTENSOR,
        "commit_crv3_weights",
        Composite::unnamed([
            Value::u128(u128::from(netuid)),
            Value::from_bytes(commit),
            Value::u128(u128::from(reveal_round)),
        ]),
    )
}

/// How a validator's row reaches the chain, as the subnet's settings and the runtime's
/// metadata require.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WeightsPath {
    /// Commit-reveal off: `set_weights`.
    Plain,
    /// Commit-reveal on, a runtime with timelocked commits: `commit_timelocked_weights` with the
    /// subnet's commit-reveal version (the payload names the hotkey); the runtime reveals it.
    Timelocked {
        /// `CommitRevealWeightsVersion`.
        version: u16,
    },
    /// Commit-reveal on, a runtime with only version 3: `commit_crv3_weights` (the payload
    /// without the hotkey); the runtime reveals it.
    TimelockedV3,
    /// Commit-reveal on, a runtime without timelocked commits: `commit_weights` with a hash,
    /// revealed by the validator with `reveal_weights`.
    HashCommit,
}

/// Whether the runtime's metadata has `SubtensorModule::<call>`.
pub fn has_call(metadata: &Metadata, call: &str) -> bool {
    metadata
        .pallet_by_name(SUBTENSOR)
        .and_then(|p| p.call_variant_by_name(call))
        .is_some()
}

impl WeightsPath {
    /// The path for a subnet with commit-reveal `commit_reveal` and commit-reveal version
    /// `version` on the runtime `metadata` describes (the node's own, read at run time).
    pub fn choose(metadata: &Metadata, commit_reveal: bool, version: u16) -> Self {
        if !commit_reveal {
            Self::Plain
        } else if version >= 4 && has_call(metadata, "commit_timelocked_weights") {
            Self::Timelocked { version }
        } else if has_call(metadata, "commit_crv3_weights") {
            Self::TimelockedV3
        } else {
            Self::HashCommit
        }
    }
}

/// The hash `commit_weights` carries and `reveal_weights` is checked against: BlakeTwo256 of the
/// SCALE encoding of `(who, netuid, uids, values, salt, version_key)` (`who` the hotkey's 32-byte
/// account, `netuid` as u16 — the chain's storage index of the subnet's main mechanism).
pub fn commit_hash(
    who: &[u8; 32],
    netuid: u16,
    uids: &[u16],
    values: &[u16],
    salt: &[u16],
    version_key: u64,
) -> [u8; 32] {
    let encoded = (
        who,
        netuid,
        uids.to_vec(),
        values.to_vec(),
        salt.to_vec(),
        version_key,
    )
        .encode();
    sp_crypto_hashing::blake2_256(&encoded)
}

/// A call to a contract through the `EVM` pallet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvmCall {
    /// The caller: the first 20 bytes of the signing account.
    pub source: [u8; 20],
    /// The contract.
    pub target: [u8; 20],
    /// ABI calldata.
    pub input: Vec<u8>,
    /// Gas limit.
    pub gas_limit: u64,
    /// Max fee per gas (wei-like units of the EVM's balance).
    pub max_fee_per_gas: u128,
}

fn u256(v: u128) -> Value {
    // sp_core::U256 is four little-endian u64 limbs.
    Value::unnamed_composite([
        Value::u128(v & u128::from(u64::MAX)),
        Value::u128(v >> 64),
        Value::u128(0),
        Value::u128(0),
    ])
}

fn none() -> Value {
    Value::unnamed_variant("None", [])
}

/// `EVM::call(...)` for `call`, shaped after the metadata's argument list (newer runtimes add an
/// `authorization_list`, passed empty).
pub fn evm_call(metadata: &Metadata, call: &EvmCall) -> Result<Call, ChainError> {
    let arity = metadata
        .pallet_by_name("EVM")
        .and_then(|p| p.call_variant_by_name("call"))
        .map(|v| v.fields.len())
        .ok_or_else(|| ChainError::Metadata("no EVM::call".into()))?;
    let mut args = vec![
        Value::from_bytes(call.source),
        Value::from_bytes(call.target),
        Value::from_bytes(&call.input),
        u256(0),
        Value::u128(u128::from(call.gas_limit)),
        u256(call.max_fee_per_gas),
        none(),
        none(),
        Value::unnamed_composite([]),
    ];
    match arity {
        9 => {}
        10 => args.push(Value::unnamed_composite([])),
        n => {
            return Err(ChainError::Metadata(format!(
                "EVM::call takes {n} arguments; 9 or 10 are supported"
            )))
        }
    }
    Ok(subxt::dynamic::tx("EVM", "call", Composite::unnamed(args)))
}

/// A call decoded against the metadata.
#[derive(Clone, Debug)]
pub struct DecodedCall {
    /// Pallet name.
    pub pallet: String,
    /// Call name.
    pub call: String,
    /// Arguments in order: name and value.
    pub args: Vec<(String, Value<u32>)>,
}

impl DecodedCall {
    /// The argument `name`.
    pub fn arg(&self, name: &str) -> Option<&Value<u32>> {
        self.args.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
}

/// Decode the arguments of an extrinsic's call (bytes of `decoded.call_data_range()`).
fn decode_args<'a>(
    metadata: &Metadata,
    bytes: &[u8],
    args: impl Iterator<Item = (&'a str, u32, std::ops::Range<usize>)>,
) -> Result<Vec<(String, Value<u32>)>, ChainError> {
    args.map(|(name, ty, range)| {
        let mut slice = bytes.get(range).ok_or(ChainError::Decode {
            what: "call argument",
            message: format!("{name}: out of range"),
        })?;
        let value =
            subxt::ext::scale_value::scale::decode_as_type(&mut slice, ty, metadata.types())
                .map_err(|e| ChainError::Decode {
                    what: "call argument",
                    message: format!("{name}: {e}"),
                })?;
        Ok((name.to_string(), value))
    })
    .collect()
}

/// Decode a whole extrinsic (signed or not): the call and, if signed, the signer's account.
pub fn decode_extrinsic(
    metadata: &Metadata,
    bytes: &[u8],
) -> Result<(DecodedCall, Option<[u8; 32]>), ChainError> {
    let mut cursor = bytes;
    let ext = subxt::ext::frame_decode::extrinsics::decode_extrinsic(
        &mut cursor,
        metadata,
        metadata.types(),
    )
    .map_err(|e| ChainError::Decode {
        what: "extrinsic",
        message: e.to_string(),
    })?;
    if !cursor.is_empty() {
        return Err(ChainError::Decode {
            what: "extrinsic",
            message: format!("{} trailing bytes", cursor.len()),
        });
    }
    let args = decode_args(
        metadata,
        bytes,
        ext.call_data().map(|a| (a.name(), *a.ty(), a.range())),
    )?;
    let signer = match ext.signature_payload() {
        Some(sig) => {
            let addr = bytes.get(sig.address_range()).ok_or(ChainError::Decode {
                what: "extrinsic",
                message: "address out of range".into(),
            })?;
            // MultiAddress::Id: variant 0 then the 32-byte account.
            match addr {
                [0, rest @ ..] if rest.len() == 32 => {
                    let mut a = [0u8; 32];
                    a.copy_from_slice(rest);
                    Some(a)
                }
                _ => {
                    return Err(ChainError::Decode {
                        what: "extrinsic",
                        message: "the signer is not a MultiAddress::Id".into(),
                    })
                }
            }
        }
        None => None,
    };
    Ok((
        DecodedCall {
            pallet: ext.pallet_name().to_string(),
            call: ext.call_name().to_string(),
            args,
        },
        signer,
    ))
}

/// Decode SCALE call data (pallet index, call index, arguments).
pub fn decode_call(metadata: &Metadata, bytes: &[u8]) -> Result<DecodedCall, ChainError> {
    use subxt::ext::frame_decode::extrinsics::ExtrinsicTypeInfo;
    let bad = |message: String| ChainError::Decode {
        what: "call",
        message,
    };
    let &[pallet_index, call_index, ..] = bytes else {
        return Err(bad(format!("{} bytes", bytes.len())));
    };
    let info = metadata
        .extrinsic_call_info_by_index(pallet_index, call_index)
        .map_err(|e| bad(e.to_string()))?;
    let mut cursor = &bytes[2..];
    let mut args = Vec::new();
    for arg in info.args.iter() {
        let value =
            subxt::ext::scale_value::scale::decode_as_type(&mut cursor, arg.id, metadata.types())
                .map_err(|e| bad(format!("{}: {e}", arg.name)))?;
        args.push((arg.name.to_string(), value));
    }
    if !cursor.is_empty() {
        return Err(bad(format!("{} trailing bytes", cursor.len())));
    }
    Ok(DecodedCall {
        pallet: info.pallet_name.to_string(),
        call: info.call_name.to_string(),
        args,
    })
}

/// Read a decoded value as an unsigned integer.
pub fn value_u128(v: &Value<u32>) -> Option<u128> {
    match &v.value {
        ValueDef::Primitive(p) => p.as_u128(),
        _ => None,
    }
}

/// Read a decoded sequence (or fixed array) of unsigned integers; newtype wrappers such as
/// `H256([u8; 32])` or `U256([u64; 4])` are looked through.
pub fn value_seq(v: &Value<u32>) -> Option<Vec<u128>> {
    match &v.value {
        ValueDef::Composite(c) => {
            let values: Vec<&Value<u32>> = c.values().collect();
            match values.as_slice() {
                [inner] if matches!(inner.value, ValueDef::Composite(_)) => value_seq(inner),
                _ => values.into_iter().map(value_u128).collect(),
            }
        }
        _ => None,
    }
}

/// A client that builds and signs extrinsics without a node, for given chain parameters.
pub struct OfflineChain {
    metadata: ArcMetadata,
    client: subxt::client::OfflineClientAtBlock<SubstrateConfig>,
}

impl OfflineChain {
    /// A client over `metadata` for a chain with this genesis hash and runtime versions.
    pub fn new(
        metadata: Metadata,
        genesis_hash: [u8; 32],
        spec_version: u32,
        transaction_version: u32,
    ) -> Result<Self, ChainError> {
        let metadata: ArcMetadata = metadata.into();
        let config = SubstrateConfig::builder()
            .set_genesis_hash(H256(genesis_hash))
            .set_metadata_for_spec_versions([(spec_version, metadata.clone())])
            .set_spec_version_for_block_ranges([SpecVersionForRange {
                block_range: 0..u64::MAX,
                spec_version,
                transaction_version,
            }])
            .build();
        let client = OfflineClient::new_with_config(config)
            .at_block(0u64)
            .map_err(|e| ChainError::Metadata(e.to_string()))?;
        Ok(Self { metadata, client })
    }

    /// The metadata.
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// The storage key of `SubtensorModule::<entry>(keys...)`.
    pub fn storage_key<K>(&self, entry: &str, keys: K) -> Result<Vec<u8>, ChainError>
    where
        K: subxt::ext::frame_decode::storage::IntoEncodableValues
            + subxt::ext::frame_decode::storage::IntoDecodableValues,
    {
        let addr = subxt::dynamic::storage::<K, Value>(SUBTENSOR, entry);
        let err = |e: String| ChainError::Encode {
            what: format!("storage key {entry}"),
            message: e,
        };
        self.client
            .storage()
            .entry(addr)
            .map_err(|e| err(e.to_string()))?
            .fetch_key(keys)
            .map_err(|e| err(e.to_string()))
    }

    /// The storage key of a plain (keyless) entry `pallet::entry`.
    pub fn plain_storage_key(&self, pallet: &str, entry: &str) -> Vec<u8> {
        [
            sp_crypto_hashing::twox_128(pallet.as_bytes()),
            sp_crypto_hashing::twox_128(entry.as_bytes()),
        ]
        .concat()
    }

    /// The `EVM::Log` events in a block's `System::Events` value, decoded with this metadata.
    pub fn evm_logs(&self, events: Vec<u8>) -> Result<Vec<EvmLog>, ChainError> {
        let decode = |e: String| ChainError::Decode {
            what: "System::Events",
            message: e,
        };
        let events = self.client.events().from_bytes(events);
        let mut logs = Vec::new();
        for ev in events.iter() {
            let ev = ev.map_err(|e| decode(e.to_string()))?;
            if ev.pallet_name() != "EVM" || ev.event_name() != "Log" {
                continue;
            }
            let (address, topics, data) =
                <([u8; 20], Vec<[u8; 32]>, Vec<u8>)>::decode(&mut ev.field_bytes())
                    .map_err(|e| decode(format!("EVM::Log: {e}")))?;
            logs.push(EvmLog {
                address,
                topics,
                data,
            });
        }
        Ok(logs)
    }

    /// SCALE call data of `call`.
    pub fn call_data(&self, call: &Call) -> Result<Vec<u8>, ChainError> {
        self.client
            .tx()
            .call_data(call)
            .map_err(|e| encode_err(call.call_name())(e.into()))
    }

    /// A signed, immortal extrinsic of `call` from `signer` with `nonce`.
    pub fn sign(&self, call: &Call, signer: &Keypair, nonce: u64) -> Result<Vec<u8>, ChainError> {
        let params = subxt::config::DefaultExtrinsicParamsBuilder::<SubstrateConfig>::new()
            .nonce(nonce)
            .build();
        let mut signable = self
            .client
            .tx()
            .create_signable_offline(call, params)
            .map_err(|e| encode_err(call.call_name())(e.into()))?;
        let signed = signable
            .sign(signer)
            .map_err(|e| encode_err(call.call_name())(e.into()))?;
        Ok(signed.into_encoded())
    }
}

/// An EVM log as the runtime's `EVM::Log` event carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvmLog {
    /// The emitting contract.
    pub address: [u8; 20],
    /// Topics.
    pub topics: Vec<[u8; 32]>,
    /// Data.
    pub data: Vec<u8>,
}

/// A subnet's metagraph: one entry per uid.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Metagraph {
    /// Subnet.
    pub netuid: u16,
    /// Block the state was read at.
    pub block: u64,
    /// Whether weights go through commit-reveal.
    pub commit_reveal: bool,
    /// The subnet's weights version key.
    pub weights_version_key: u64,
    /// Neurons by uid.
    pub neurons: Vec<Neuron>,
}

/// One uid of a metagraph.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Neuron {
    /// Uid.
    pub uid: u16,
    /// Hotkey (hex).
    pub hotkey: String,
    /// Stake on the subnet (alpha, RAO).
    pub stake: u64,
}

/// Storage entries the client reads, as `(entry, key parts)`.
pub mod storage {
    /// `SubnetworkN(netuid) -> u16`.
    pub const SUBNETWORK_N: &str = "SubnetworkN";
    /// `Keys(netuid, uid) -> AccountId`.
    pub const KEYS: &str = "Keys";
    /// `TotalHotkeyAlpha(hotkey, netuid) -> u64`.
    pub const TOTAL_HOTKEY_ALPHA: &str = "TotalHotkeyAlpha";
    /// `CommitRevealWeightsEnabled(netuid) -> bool`.
    pub const COMMIT_REVEAL: &str = "CommitRevealWeightsEnabled";
    /// `WeightsVersionKey(netuid) -> u64`.
    pub const WEIGHTS_VERSION_KEY: &str = "WeightsVersionKey";
    /// `CommitRevealWeightsVersion() -> u16` (default 4).
    pub const COMMIT_REVEAL_VERSION: &str = "CommitRevealWeightsVersion";
    /// `Tempo(netuid) -> u16`.
    pub const TEMPO: &str = "Tempo";
    /// `RevealPeriodEpochs(netuid) -> u64`.
    pub const REVEAL_PERIOD_EPOCHS: &str = "RevealPeriodEpochs";
    /// `LastEpochBlock(netuid) -> u64` (the stateful epoch schedule).
    pub const LAST_EPOCH_BLOCK: &str = "LastEpochBlock";
    /// `PendingEpochAt(netuid) -> u64`.
    pub const PENDING_EPOCH_AT: &str = "PendingEpochAt";
    /// `SubnetEpochIndex(netuid) -> u64`.
    pub const SUBNET_EPOCH_INDEX: &str = "SubnetEpochIndex";
    /// `BlocksSinceLastStep(netuid) -> u64`.
    pub const BLOCKS_SINCE_LAST_STEP: &str = "BlocksSinceLastStep";
}

/// How long a node may take to answer one request.
pub const RPC_TIMEOUT: Duration = Duration::from_secs(60);

async fn timed<T, E: std::fmt::Display>(
    what: &str,
    f: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T, ChainError> {
    match tokio::time::timeout(RPC_TIMEOUT, f).await {
        Ok(r) => r.map_err(|e| ChainError::Rpc(format!("{what}: {e}"))),
        Err(_) => Err(ChainError::Rpc(format!(
            "{what}: no answer within {} s",
            RPC_TIMEOUT.as_secs()
        ))),
    }
}

/// A connection to a subtensor node.
pub struct Subtensor {
    client: OnlineClient<SubstrateConfig>,
}

impl Subtensor {
    /// Connect to `url` (`ws://` or `wss://`; plain `ws://` is allowed for local nodes).
    pub async fn connect(url: &str) -> Result<Self, ChainError> {
        let client = if url.starts_with("ws://") {
            timed(
                "connect",
                OnlineClient::<SubstrateConfig>::from_insecure_url(url),
            )
            .await?
        } else {
            timed("connect", OnlineClient::<SubstrateConfig>::from_url(url)).await?
        };
        Ok(Self { client })
    }

    /// The metadata of the current runtime.
    pub async fn metadata(&self) -> Result<ArcMetadata, ChainError> {
        let at = timed("block", self.client.at_current_block()).await?;
        Ok(at.metadata())
    }

    async fn fetch<K, V>(&self, entry: &str, keys: K) -> Result<Option<V>, ChainError>
    where
        K: subxt::ext::frame_decode::storage::IntoEncodableValues
            + subxt::ext::frame_decode::storage::IntoDecodableValues,
        V: subxt::ext::scale_decode::DecodeAsType,
    {
        let at = timed("block", self.client.at_current_block()).await?;
        let addr = subxt::dynamic::storage::<K, V>(SUBTENSOR, entry);
        let value = timed(entry, at.storage().try_fetch(addr, keys)).await?;
        match value {
            Some(v) => Ok(Some(v.decode().map_err(|e| ChainError::Decode {
                what: "storage value",
                message: format!("{entry}: {e}"),
            })?)),
            None => Ok(None),
        }
    }

    /// Whether the subnet takes weights through commit-reveal.
    pub async fn commit_reveal_enabled(&self, netuid: u16) -> Result<bool, ChainError> {
        Ok(self
            .fetch::<(u16,), bool>(storage::COMMIT_REVEAL, (netuid,))
            .await?
            .unwrap_or(true))
    }

    /// The subnet's weights version key.
    pub async fn weights_version_key(&self, netuid: u16) -> Result<u64, ChainError> {
        Ok(self
            .fetch::<(u16,), u64>(storage::WEIGHTS_VERSION_KEY, (netuid,))
            .await?
            .unwrap_or(0))
    }

    /// The runtime's commit-reveal version (`CommitRevealWeightsVersion`; 3 on a runtime that
    /// has no such item, 4 when unset).
    pub async fn commit_reveal_version(&self) -> Result<u16, ChainError> {
        let metadata = self.metadata().await?;
        let known = metadata
            .pallet_by_name(SUBTENSOR)
            .and_then(|p| p.storage())
            .and_then(|s| s.entry_by_name(storage::COMMIT_REVEAL_VERSION))
            .is_some();
        if !known {
            return Ok(3);
        }
        Ok(self
            .fetch::<(), u16>(storage::COMMIT_REVEAL_VERSION, ())
            .await?
            .unwrap_or(crate::chain::timelock::COMMIT_REVEAL_VERSION))
    }

    /// The subnet's tempo and reveal period (epochs), for the reveal round.
    pub async fn reveal_schedule(&self, netuid: u16) -> Result<(u16, u64), ChainError> {
        let tempo = self
            .fetch::<(u16,), u16>(storage::TEMPO, (netuid,))
            .await?
            .unwrap_or(360);
        let period = self
            .fetch::<(u16,), u64>(storage::REVEAL_PERIOD_EPOCHS, (netuid,))
            .await?
            .unwrap_or(1);
        Ok((tempo, period))
    }

    /// The subnet's stateful epoch schedule at the head, on runtimes that keep one
    /// (`SubnetEpochIndex`); `None` on older runtimes.
    pub async fn epoch_schedule(
        &self,
        netuid: u16,
    ) -> Result<Option<crate::chain::timelock::EpochSchedule>, ChainError> {
        let metadata = self.metadata().await?;
        let stateful = metadata
            .pallet_by_name(SUBTENSOR)
            .and_then(|p| p.storage())
            .and_then(|s| s.entry_by_name(storage::SUBNET_EPOCH_INDEX))
            .is_some();
        if !stateful {
            return Ok(None);
        }
        let current_block = self.block_number().await?;
        let u64_at = |entry: &'static str| async move {
            Ok::<u64, ChainError>(
                self.fetch::<(u16,), u64>(entry, (netuid,))
                    .await?
                    .unwrap_or(0),
            )
        };
        Ok(Some(crate::chain::timelock::EpochSchedule {
            tempo: self.reveal_schedule(netuid).await?.0,
            last_epoch_block: u64_at(storage::LAST_EPOCH_BLOCK).await?,
            pending_epoch_at: u64_at(storage::PENDING_EPOCH_AT).await?,
            subnet_epoch_index: u64_at(storage::SUBNET_EPOCH_INDEX).await?,
            blocks_since_last_step: u64_at(storage::BLOCKS_SINCE_LAST_STEP).await?,
            current_block,
        }))
    }

    /// The current block number.
    pub async fn block_number(&self) -> Result<u64, ChainError> {
        let at = timed("block", self.client.at_current_block()).await?;
        Ok(at.block_number())
    }

    /// Read the metagraph: uids, hotkeys and stake.
    pub async fn metagraph(&self, netuid: u16) -> Result<Metagraph, ChainError> {
        let at = timed("block", self.client.at_current_block()).await?;
        let block = at.block_number();
        let n = self
            .fetch::<(u16,), u16>(storage::SUBNETWORK_N, (netuid,))
            .await?
            .unwrap_or(0);
        let mut neurons = Vec::with_capacity(usize::from(n));
        for uid in 0..n {
            let hotkey: [u8; 32] = self
                .fetch::<(u16, u16), [u8; 32]>(storage::KEYS, (netuid, uid))
                .await?
                .ok_or_else(|| ChainError::Rpc(format!("no hotkey for uid {uid}")))?;
            let stake = self
                .fetch::<([u8; 32], u16), u64>(storage::TOTAL_HOTKEY_ALPHA, (hotkey, netuid))
                .await?
                .unwrap_or(0);
            neurons.push(Neuron {
                uid,
                hotkey: format!("0x{}", hex::encode(hotkey)),
                stake,
            });
        }
        Ok(Metagraph {
            netuid,
            block,
            commit_reveal: self.commit_reveal_enabled(netuid).await?,
            weights_version_key: self.weights_version_key(netuid).await?,
            neurons,
        })
    }

    /// Sign `call` with `signer`, submit it and wait until it is in a finalized block; the
    /// extrinsic's hash.
    pub async fn submit(&self, call: &Call, signer: &Keypair) -> Result<[u8; 32], ChainError> {
        let at = timed("block", self.client.at_current_block()).await?;
        let progress = timed(
            call.call_name(),
            at.transactions()
                .sign_and_submit_then_watch_default(call, signer),
        )
        .await?;
        let hash = progress.extrinsic_hash();
        timed(call.call_name(), progress.wait_for_finalized_success())
            .await
            .map_err(|e| ChainError::Dispatch(e.to_string()))?;
        Ok(hash.0)
    }
}
