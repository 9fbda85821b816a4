//! The subtensor calls a validator makes, built and decoded offline against the real runtime
//! metadata in `subnet/metadata/`: every argument survives the round trip, the bytes are the SCALE
//! encoding the pallet expects, the commit hash follows the chain's rule, signed extrinsics decode
//! with their signer, and malformed input is refused. A live test reads a node when
//! `ZKYUMA_SUBTENSOR_URL` is set.
use blake2::digest::consts::U32;
use blake2::{Blake2b, Digest};
use zkyuma_subnet::chain::subtensor::{
    self, decode_call, decode_extrinsic, decode_metadata, value_seq, value_u128, ChainError,
    EvmCall, OfflineChain, Subtensor, METADATA,
};

fn metadata() -> subxt::Metadata {
    decode_metadata(METADATA).expect("committed metadata decodes")
}

fn chain() -> OfflineChain {
    OfflineChain::new(metadata(), [7; 32], 225, 1).expect("offline client")
}

/// Pallet and call indices from the metadata, independently of the encoder.
fn indices(pallet: &str, call: &str) -> (u8, u8) {
    let m = metadata();
    let p = m.pallet_by_name(pallet).expect("pallet");
    let v = p.call_variant_by_name(call).expect("call");
    (p.call_index(), v.index)
}

fn compact_len(n: usize) -> Vec<u8> {
    assert!(n < 64, "single-byte compact only");
    vec![(n as u8) << 2]
}

fn scale_u16s(v: &[u16]) -> Vec<u8> {
    let mut out = compact_len(v.len());
    for x in v {
        out.extend_from_slice(&x.to_le_bytes());
    }
    out
}

#[test]
fn metadata_has_the_calls_and_storage_the_client_uses() {
    // The client's call and storage shapes exist in the committed runtime metadata.
    let m = metadata();
    let p = m
        .pallet_by_name("SubtensorModule")
        .expect("SubtensorModule");
    for (call, args) in [
        (
            "set_weights",
            vec!["netuid", "dests", "weights", "version_key"],
        ),
        ("commit_weights", vec!["netuid", "commit_hash"]),
        (
            "reveal_weights",
            vec!["netuid", "uids", "values", "salt", "version_key"],
        ),
    ] {
        let v = p
            .call_variant_by_name(call)
            .unwrap_or_else(|| panic!("{call}"));
        let names: Vec<_> = v.fields.iter().filter_map(|f| f.name.as_deref()).collect();
        assert_eq!(names, args, "{call}");
    }
    let storage = p.storage().expect("storage");
    for entry in [
        subtensor::storage::SUBNETWORK_N,
        subtensor::storage::KEYS,
        subtensor::storage::TOTAL_HOTKEY_ALPHA,
        subtensor::storage::COMMIT_REVEAL,
        subtensor::storage::WEIGHTS_VERSION_KEY,
    ] {
        assert!(storage.entry_by_name(entry).is_some(), "storage {entry}");
    }
    let evm = m.pallet_by_name("EVM").expect("EVM");
    assert!(evm.call_variant_by_name("call").is_some());
}

#[test]
fn set_weights_encodes_as_the_pallet_expects_and_decodes_back() {
    // The exact SCALE bytes, and a decode that returns every argument.
    let uids = [0u16, 5, 17];
    let values = [65535u16, 1234, 0];
    let call = subtensor::set_weights(3, &uids, &values, 42).expect("call");
    let bytes = chain().call_data(&call).expect("encode");
    let (p, c) = indices("SubtensorModule", "set_weights");
    let mut expected = vec![p, c];
    expected.extend_from_slice(&3u16.to_le_bytes());
    expected.extend(scale_u16s(&uids));
    expected.extend(scale_u16s(&values));
    expected.extend_from_slice(&42u64.to_le_bytes());
    assert_eq!(bytes, expected);

    let d = decode_call(&metadata(), &bytes).expect("decode");
    assert_eq!(
        (d.pallet.as_str(), d.call.as_str()),
        ("SubtensorModule", "set_weights")
    );
    assert_eq!(value_u128(d.arg("netuid").expect("netuid")), Some(3));
    assert_eq!(
        value_seq(d.arg("dests").expect("dests")),
        Some(vec![0, 5, 17])
    );
    assert_eq!(
        value_seq(d.arg("weights").expect("weights")),
        Some(vec![65535, 1234, 0])
    );
    assert_eq!(value_u128(d.arg("version_key").expect("vk")), Some(42));
}

/// The chain's rule written out independently: BlakeTwo256 (blake2b-256) of the SCALE bytes of
/// `(AccountId32, u16, Vec<u16>, Vec<u16>, Vec<u16>, u64)`.
fn reference_commit_hash(
    who: &[u8; 32],
    netuid: u16,
    uids: &[u16],
    values: &[u16],
    salt: &[u16],
    version_key: u64,
) -> [u8; 32] {
    let mut bytes = who.to_vec();
    bytes.extend_from_slice(&netuid.to_le_bytes());
    bytes.extend(scale_u16s(uids));
    bytes.extend(scale_u16s(values));
    bytes.extend(scale_u16s(salt));
    bytes.extend_from_slice(&version_key.to_le_bytes());
    Blake2b::<U32>::digest(&bytes).into()
}

#[test]
fn commit_hash_follows_the_chains_rule() {
    // commit_weights carries exactly the hash reveal_weights is checked against.
    let who = [9u8; 32];
    let (uids, values, salt) = ([1u16, 2, 3], [100u16, 65535, 7], [11u16, 22, 33, 44]);
    let h = subtensor::commit_hash(&who, 4, &uids, &values, &salt, 8);
    assert_eq!(h, reference_commit_hash(&who, 4, &uids, &values, &salt, 8));
    // Every input changes it.
    let mut other_who = who;
    other_who[0] ^= 1;
    for (field, other) in [
        (
            "who",
            subtensor::commit_hash(&other_who, 4, &uids, &values, &salt, 8),
        ),
        (
            "netuid",
            subtensor::commit_hash(&who, 5, &uids, &values, &salt, 8),
        ),
        (
            "uids",
            subtensor::commit_hash(&who, 4, &[1, 2, 4], &values, &salt, 8),
        ),
        (
            "values",
            subtensor::commit_hash(&who, 4, &uids, &[100, 65535, 8], &salt, 8),
        ),
        (
            "salt",
            subtensor::commit_hash(&who, 4, &uids, &values, &[11, 22, 33, 45], 8),
        ),
        (
            "version",
            subtensor::commit_hash(&who, 4, &uids, &values, &salt, 9),
        ),
    ] {
        assert_ne!(h, other, "{field}");
    }

    let call = subtensor::commit_weights(4, h);
    let bytes = chain().call_data(&call).expect("encode");
    let (p, c) = indices("SubtensorModule", "commit_weights");
    let mut expected = vec![p, c, 4, 0];
    expected.extend_from_slice(&h);
    assert_eq!(bytes, expected);
    let d = decode_call(&metadata(), &bytes).expect("decode");
    let decoded: Vec<u8> = value_seq(d.arg("commit_hash").expect("hash"))
        .expect("bytes")
        .into_iter()
        .map(|b| b as u8)
        .collect();
    assert_eq!(decoded, h.to_vec());

    let reveal = subtensor::reveal_weights(4, &uids, &values, &salt, 8).expect("reveal");
    let bytes = chain().call_data(&reveal).expect("encode");
    let d = decode_call(&metadata(), &bytes).expect("decode");
    assert_eq!(d.call, "reveal_weights");
    assert_eq!(
        value_seq(d.arg("salt").expect("salt")),
        Some(vec![11, 22, 33, 44])
    );
    assert_eq!(
        value_seq(d.arg("values").expect("v")),
        Some(vec![100, 65535, 7])
    );
    assert_eq!(value_u128(d.arg("version_key").expect("vk")), Some(8));
}

#[test]
fn evm_call_carries_the_registry_calldata() {
    // The proof reaches the contract as EVM::call input from the signer's truncated address.
    let key = subtensor::keypair("//Alice").expect("key");
    let source = subtensor::evm_address(&subtensor::account_of(&key));
    let input: Vec<u8> = (0..420u32).map(|i| (i * 7) as u8).collect();
    let call = EvmCall {
        source,
        target: [0xab; 20],
        input: input.clone(),
        gas_limit: 400_000,
        max_fee_per_gas: 20_000_000_000,
    };
    let m = metadata();
    let payload = subtensor::evm_call(&m, &call).expect("payload");
    let bytes = chain().call_data(&payload).expect("encode");
    let (p, c) = indices("EVM", "call");
    assert_eq!(bytes[..2], [p, c]);
    assert_eq!(bytes[2..22], source);
    assert_eq!(bytes[22..42], [0xab; 20]);
    let d = decode_call(&m, &bytes).expect("decode");
    assert_eq!((d.pallet.as_str(), d.call.as_str()), ("EVM", "call"));
    let as_bytes = |name: &str| -> Vec<u8> {
        value_seq(d.arg(name).unwrap_or_else(|| panic!("{name}")))
            .expect("bytes")
            .into_iter()
            .map(|b| b as u8)
            .collect()
    };
    assert_eq!(as_bytes("source"), source.to_vec());
    assert_eq!(as_bytes("target"), vec![0xab; 20]);
    assert_eq!(as_bytes("input"), input);
    assert_eq!(value_u128(d.arg("gas_limit").expect("gas")), Some(400_000));
    // U256 as four u64 limbs, least significant first.
    assert_eq!(
        value_seq(d.arg("max_fee_per_gas").expect("fee")),
        Some(vec![20_000_000_000, 0, 0, 0])
    );
}

#[test]
fn signed_extrinsics_decode_with_their_signer() {
    // What the node receives: signed by the validator's hotkey, decodable to the same call.
    let key = subtensor::keypair("//Bob").expect("key");
    let c = chain();
    let call = subtensor::set_weights(1, &[0, 1], &[65535, 3], 0).expect("call");
    let ext = c.sign(&call, &key, 5).expect("sign");
    let (d, signer) = decode_extrinsic(c.metadata(), &ext).expect("decode");
    assert_eq!(signer, Some(subtensor::account_of(&key)));
    assert_eq!(d.call, "set_weights");
    assert_eq!(
        value_seq(d.arg("weights").expect("w")),
        Some(vec![65535, 3])
    );
    // The call bytes sit inside the extrinsic unchanged.
    let data = c.call_data(&call).expect("call data");
    assert!(ext.windows(data.len()).any(|w| w == data.as_slice()));

    let commit = subtensor::commit_weights(1, [3; 32]);
    let ext = c.sign(&commit, &key, 6).expect("sign");
    let (d, _) = decode_extrinsic(c.metadata(), &ext).expect("decode");
    assert_eq!(d.call, "commit_weights");
}

#[test]
fn storage_keys_are_the_pallets() {
    // Metagraph reads address SubtensorModule storage: twox128(pallet) ++ twox128(entry) ++ keys.
    let c = chain();
    let key = c
        .storage_key(subtensor::storage::KEYS, (3u16, 7u16))
        .expect("key");
    let mut prefix = sp_crypto_hashing::twox_128(b"SubtensorModule").to_vec();
    prefix.extend_from_slice(&sp_crypto_hashing::twox_128(b"Keys"));
    assert_eq!(key[..32], prefix[..]);
    assert!(key.len() > 32);
    let n = c
        .storage_key(subtensor::storage::SUBNETWORK_N, (3u16,))
        .expect("key");
    assert_eq!(n[16..32], sp_crypto_hashing::twox_128(b"SubnetworkN"));
}

#[test]
fn malformed_input_is_refused_with_typed_errors() {
    // Bad rows, keys and bytes give errors, never panics.
    assert!(matches!(
        subtensor::set_weights(1, &[0, 1], &[1], 0),
        Err(ChainError::Weights(_))
    ));
    assert!(matches!(
        subtensor::reveal_weights(1, &[0], &[1, 2], &[], 0),
        Err(ChainError::Weights(_))
    ));
    assert!(matches!(
        subtensor::keypair("not a phrase at all"),
        Err(ChainError::Key(_))
    ));
    let m = metadata();
    let call = subtensor::set_weights(3, &[0, 5], &[65535, 1], 42).expect("call");
    let bytes = chain().call_data(&call).expect("encode");
    for cut in [0, 1, 3, bytes.len() - 1] {
        assert!(
            matches!(
                decode_call(&m, &bytes[..cut]),
                Err(ChainError::Decode { .. })
            ),
            "cut at {cut}"
        );
    }
    let mut long = bytes.clone();
    long.push(0);
    assert!(matches!(
        decode_call(&m, &long),
        Err(ChainError::Decode { .. })
    ));
    assert!(matches!(
        decode_call(&m, &[250, 250, 0]),
        Err(ChainError::Decode { .. })
    ));
    assert!(matches!(
        decode_extrinsic(&m, &[1, 2, 3]),
        Err(ChainError::Decode { .. })
    ));
    assert!(matches!(
        decode_metadata(&METADATA[..100]),
        Err(ChainError::Metadata(_))
    ));
}

#[test]
fn live_node_metagraph() {
    // Against a real node when ZKYUMA_SUBTENSOR_URL is set (netuid from ZKYUMA_SUBTENSOR_NETUID,
    // default 1); otherwise reported as skipped.
    let Ok(url) = std::env::var("ZKYUMA_SUBTENSOR_URL") else {
        eprintln!("SKIPPED live_node_metagraph: ZKYUMA_SUBTENSOR_URL is not set");
        return;
    };
    let netuid: u16 = std::env::var("ZKYUMA_SUBTENSOR_NETUID")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let node = Subtensor::connect(&url).await.expect("connect");
        let m = node.metadata().await.expect("metadata");
        // The live runtime still has the calls the client builds.
        let p = m.pallet_by_name("SubtensorModule").expect("pallet");
        for call in ["set_weights", "commit_weights", "reveal_weights"] {
            assert!(p.call_variant_by_name(call).is_some(), "{call}");
        }
        subtensor::evm_call(
            &m,
            &EvmCall {
                source: [1; 20],
                target: [2; 20],
                input: vec![],
                gas_limit: 1,
                max_fee_per_gas: 1,
            },
        )
        .expect("EVM::call shape");
        let mg = node.metagraph(netuid).await.expect("metagraph");
        assert_eq!(mg.netuid, netuid);
        assert!(mg
            .neurons
            .iter()
            .enumerate()
            .all(|(i, n)| n.uid as usize == i));
        println!(
            "netuid {netuid} at block {}: {} neurons, commit-reveal {}",
            mg.block,
            mg.neurons.len(),
            mg.commit_reveal
        );
    });
}

fn run_cli(args: &[&str]) -> Result<(), zkyuma_subnet::cli::CliError> {
    use clap::Parser;
    let cli = zkyuma_subnet::cli::Cli::try_parse_from(args).expect("parse");
    zkyuma_subnet::cli::run(cli)
}

#[test]
fn commit_then_reveal_on_the_command_line() {
    // `zkyuma chain commit-weights --dry-run` writes reveal data whose hash is the chain's rule
    // for the signing hotkey; `reveal-weights` accepts it and refuses it once tampered with.
    let dir = tempfile::tempdir().expect("tempdir");
    let reveal = dir.path().join("reveal.json");
    let reveal_arg = reveal.to_str().expect("utf8");
    let key_file = dir.path().join("hotkey.suri");
    std::fs::write(&key_file, "//Alice\n").expect("key file");
    let key_arg = key_file.to_str().expect("utf8");
    run_cli(&[
        "zkyuma",
        "chain",
        "commit-weights",
        "--url",
        "ws://127.0.0.1:1",
        "--key-file",
        key_arg,
        "--netuid",
        "3",
        "--uids",
        "0,1,2",
        "--values",
        "65535,10,0",
        "--version-key",
        "7",
        "--reveal-out",
        reveal_arg,
        "--dry-run",
    ])
    .expect("commit");
    let data: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&reveal).expect("reveal")).expect("json");
    let salt: Vec<u16> = serde_json::from_value(data["salt"].clone()).expect("salt");
    let alice = subtensor::account_of(&subtensor::keypair("//Alice").expect("key"));
    let hash = reference_commit_hash(&alice, 3, &[0, 1, 2], &[65535, 10, 0], &salt, 7);
    assert_eq!(data["commit_hash"], format!("0x{}", hex::encode(hash)));

    let reveal_cmd = |key: &str| {
        run_cli(&[
            "zkyuma",
            "chain",
            "reveal-weights",
            "--url",
            "ws://127.0.0.1:1",
            "--key",
            key,
            "--reveal",
            reveal_arg,
            "--dry-run",
        ])
    };
    reveal_cmd("//Alice").expect("reveal");
    // Another hotkey would not match the commit.
    assert!(reveal_cmd("//Bob").is_err());
    // A changed row does not match either.
    let mut tampered = data.clone();
    tampered["values"] = serde_json::json!([65535, 11, 0]);
    std::fs::write(&reveal, tampered.to_string()).expect("write");
    assert!(reveal_cmd("//Alice").is_err());
    // No key at all is a usage error.
    assert!(run_cli(&[
        "zkyuma",
        "chain",
        "commit-weights",
        "--url",
        "ws://127.0.0.1:1",
        "--netuid",
        "3",
        "--uids",
        "0",
        "--values",
        "1",
        "--dry-run",
    ])
    .is_err());
}
