//! The live audit (`zkyuma audit --subtensor`), offline against recorded node answers.
//!
//! The answers are made here the way a subtensor node gives them: the storage keys and the
//! events' encoding come from mainnet's April 2026 metadata (`state_getMetadata` answers with
//! it), and the registry's logs are the ones the real `ZkyumaRegistry` emitted in revm for real
//! score proofs. Four validators: one whose stored row is its proven row (proven), one whose
//! stored row is another (mismatch), one whose recorded proof does not verify natively — a lying
//! registry (mismatch), and one with a row and no proof (unproven). A live run happens when
//! `ZKYUMA_SUBTENSOR_URL` is set.

mod evm_support;

use ark_bn254::Fr;
use evm_support::{deploy_verifier, deployer, registry, Chain, Evm};
use parity_scale_codec::{Compact, Encode};
use revm::primitives::{keccak256, Address};
use serde_json::{json, Value};
use std::path::Path;
use zkyuma_circuits::score::{MinerAnswer, Record, ScoreRound, WeightsMode};
use zkyuma_circuits::scoring::Scoring;
use zkyuma_prover::keys::{KeyPaths, SetupKind};
use zkyuma_prover::score::{params_name, prove_score, setup_score};
use zkyuma_subnet::chain::subtensor::{decode_metadata, OfflineChain, MAINNET_METADATA};
use zkyuma_subnet::subtensor_audit::{
    audit_subtensor, Exchange, Node, Recording, SubtensorAuditError, SubtensorAuditOptions, Verdict,
};
use zkyuma_verifier::evm::submit_score_calldata;
use zkyuma_verifier::Proof;

const NETUID: u16 = 1;
const UIDS: usize = 4;
const FIRST: u64 = 10;
const LOGS_AT: u64 = 11;
const LAST: u64 = 12;

fn hotkey(uid: usize) -> [u8; 32] {
    core::array::from_fn(|i| (0x31 * (uid as u8 + 1)) ^ (i as u8 * 5))
}

fn round(uid: usize, epoch: u64) -> ScoreRound {
    ScoreRound {
        netuid: NETUID,
        epoch,
        validator_hotkey: hotkey(uid),
        depth: 3,
        mode: WeightsMode::Public,
        sample_seed: [epoch as u8 ^ uid as u8; 32],
        records: (0..6)
            .map(|r| Record {
                features: vec![r, 3 * r],
                label: 9_000 * r as u16,
            })
            .collect(),
        samples: 3,
        // uids 0 and 1 are validators (absent), uids 2 and 3 answer.
        miners: (0..UIDS)
            .map(|i| {
                (i >= 2).then(|| MinerAnswer {
                    outputs: (0..3).map(|k| (i * 7_000 + k * 3_000) as u16).collect(),
                    blinding: Fr::from(40 + i as u64),
                })
            })
            .collect(),
        weight_blinding: Fr::from(0u64),
    }
}

fn hash_of(block: u64) -> String {
    format!("0x{}", hex::encode([block as u8; 32]))
}

fn exchange(method: &str, params: Vec<Value>, result: Value) -> Exchange {
    Exchange {
        method: method.into(),
        params,
        result,
    }
}

fn storage(key: Vec<u8>, block: u64, value: Option<Vec<u8>>) -> Exchange {
    exchange(
        "state_getStorage",
        vec![
            json!(format!("0x{}", hex::encode(key))),
            json!(hash_of(block)),
        ],
        match value {
            Some(v) => json!(format!("0x{}", hex::encode(v))),
            None => Value::Null,
        },
    )
}

/// One `EventRecord` of `System::Events`: applied in extrinsic `index`, no topics.
fn event_record(pallet: u8, variant: u8, fields: &[u8], index: u32) -> Vec<u8> {
    let mut out = vec![0u8]; // Phase::ApplyExtrinsic
    out.extend(index.encode());
    out.push(pallet);
    out.push(variant);
    out.extend_from_slice(fields);
    out.extend(Compact(0u32).encode()); // topics
    out
}

fn indices(chain: &OfflineChain, pallet: &str, event: &str) -> (u8, u8) {
    let p = chain.metadata().pallet_by_name(pallet).expect("pallet");
    let v = p
        .event_variants()
        .expect("events")
        .iter()
        .find(|v| v.name == event)
        .expect("event");
    (p.event_index(), v.index)
}

struct Fixture {
    recording: Recording,
    registry: [u8; 20],
    params: tempfile::TempDir,
    statements: Vec<zkyuma_circuits::score::ScoreStatement>,
}

fn fixture() -> Fixture {
    let scoring = Scoring::Mse { amplification: 16 };
    let shape = round(0, 1).shape();
    let keys = setup_score(
        scoring,
        shape,
        SetupKind::InsecureDeterministic {
            seed: "subtensor-audit".into(),
        },
    )
    .expect("setup");
    let params = tempfile::tempdir().expect("params");
    let name = params_name(&scoring, &shape);
    KeyPaths::new(params.path(), &params.path().join("keys"), &name)
        .save(&keys)
        .expect("save keys");

    // The registry in revm: the key registered, validators 0 and 1 submit real proofs.
    let vk = zkyuma_verifier::VerifyingKey::from_bytes(&keys.vk_bytes(), 6).expect("vk");
    let (circuit, shape_label) = (format!("score/{}", "mse-a16"), shape.name());
    let mut evm = Evm::new(Chain::Bittensor);
    let (verifier, _) = deploy_verifier(
        &mut evm,
        &vk,
        zkyuma_verifier::evm::PrecompileMap::Bittensor,
        &circuit,
        &shape_label,
    );
    let registry_address = evm.deploy(deployer(), &registry().creation);
    let out = evm.call(
        deployer(),
        registry_address,
        evm_support::register_call(NETUID, &circuit, &shape_label, 1, verifier, 1),
    );
    assert!(out.success, "register: {out:?}");
    let key_id = keccak256(zkyuma_verifier::evm::key_id_preimage(
        NETUID,
        &circuit,
        &shape_label,
        1,
    ))
    .0;
    let mut logs = Vec::new();
    let mut statements = Vec::new();
    for uid in [0usize, 1] {
        let p = prove_score(&keys, scoring, &round(uid, 7)).expect("prove");
        let inputs = p.statement.public_inputs();
        let proof = Proof::from_bytes(&p.proof).expect("proof");
        let out = evm.call(
            Address::from_slice(&hotkey(uid)[..20]),
            registry_address,
            submit_score_calldata(&key_id, 7, &hotkey(uid), &inputs[4], &inputs[5], &proof),
        );
        assert!(out.success, "submitScore: {out:?}");
        assert_eq!(out.logs.len(), 1);
        logs.push(out.logs[0].clone());
        statements.push(p.statement);
    }
    // A lying registry: uid 2 "verified" with uid 1's proof and inputs.
    let mut lie = logs[1].clone();
    let mut topics = lie.topics().to_vec();
    topics[3] = hotkey(2).into();
    lie.data = revm::primitives::LogData::new_unchecked(topics, lie.data.data.clone());
    logs.push(lie);
    // The same log from another contract is not the registry's.
    let mut elsewhere = logs[0].clone();
    elsewhere.address = Address::with_last_byte(0xee);
    logs.push(elsewhere);

    let chain = OfflineChain::new(
        decode_metadata(MAINNET_METADATA).expect("metadata"),
        [0; 32],
        0,
        1,
    )
    .expect("offline chain");
    let (evm_pallet, log_variant) = indices(&chain, "EVM", "Log");
    let (system, success) = indices(&chain, "System", "ExtrinsicSuccess");
    let mut records = Vec::new();
    // ExtrinsicSuccess { dispatch_info: { weight: { ref_time, proof_size }, class, pays_fee } }
    let mut info = Compact(1_000_000u64).encode();
    info.extend(Compact(2_000u64).encode());
    info.extend([0u8, 0u8]);
    records.push(event_record(system, success, &info, 0));
    for (i, log) in logs.iter().enumerate() {
        let topics: Vec<[u8; 32]> = log.topics().iter().map(|t| t.0).collect();
        let fields = (log.address.0 .0, topics, log.data.data.to_vec()).encode();
        records.push(event_record(evm_pallet, log_variant, &fields, 1 + i as u32));
    }
    let mut events = Compact(records.len() as u32).encode();
    for r in &records {
        events.extend_from_slice(r);
    }

    // What the chain stores, as the SDK stores rows (non-zero entries, uid order): uid 0 its
    // proven row, uid 1 another row, uid 2 (the lie's) and uid 3 (no proof) rows of their own.
    let sparse = |row: &[u16]| -> Vec<(u16, u16)> {
        row.iter()
            .enumerate()
            .filter(|(_, w)| **w != 0)
            .map(|(u, w)| (u as u16, *w))
            .collect()
    };
    let proven_row = |s: &zkyuma_circuits::score::ScoreStatement| match &s.weights {
        zkyuma_circuits::score::WeightsBinding::Public { row } => row.clone(),
        _ => panic!("public"),
    };
    let row0 = sparse(&proven_row(&statements[0]));
    let mut row1 = sparse(&proven_row(&statements[1]));
    row1[0].1 = row1[0].1.saturating_sub(1);
    let rows = [row0, row1, vec![(3u16, 65535u16)], vec![(2u16, 65535u16)]];

    let mut ex = vec![
        exchange(
            "chain_getHeader",
            vec![],
            json!({"number": format!("0x{LAST:x}")}),
        ),
        exchange(
            "state_getMetadata",
            vec![json!(hash_of(LAST))],
            json!(format!("0x{}", hex::encode(MAINNET_METADATA))),
        ),
    ];
    for b in FIRST..=LAST {
        ex.push(exchange(
            "chain_getBlockHash",
            vec![json!(b)],
            json!(hash_of(b)),
        ));
        let key = chain.plain_storage_key("System", "Events");
        ex.push(storage(key, b, (b == LOGS_AT).then(|| events.clone())));
    }
    let at = LAST;
    ex.push(storage(
        chain.storage_key("SubnetworkN", (NETUID,)).expect("key"),
        at,
        Some((UIDS as u16).encode()),
    ));
    for (uid, row) in rows.iter().enumerate() {
        ex.push(storage(
            chain
                .storage_key("Keys", (NETUID, uid as u16))
                .expect("key"),
            at,
            Some(hotkey(uid).encode()),
        ));
        ex.push(storage(
            chain
                .storage_key("Weights", (NETUID, uid as u16))
                .expect("key"),
            at,
            Some(row.encode()),
        ));
    }
    Fixture {
        recording: Recording {
            node: "recorded for the test (mainnet 2026-04 metadata)".into(),
            exchanges: ex,
        },
        registry: registry_address.0 .0,
        params,
        statements,
    }
}

fn options(f: &Fixture, params: &Path) -> SubtensorAuditOptions {
    SubtensorAuditOptions {
        netuid: NETUID,
        registry: Some(f.registry),
        from_block: Some(FIRST),
        to_block: None,
        params: params.to_path_buf(),
        key_version: 1,
        bundles: None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn recorded_answers_give_proven_unproven_and_mismatch() {
    let f = fixture();
    assert_eq!(f.statements.len(), 2);
    let node = Node::Replay(f.recording.clone());
    let report = audit_subtensor(&node, &options(&f, f.params.path()))
        .await
        .expect("audit");
    println!("{}", report.render());
    assert_eq!((report.from_block, report.to_block), (FIRST, LAST));
    let verdict = |uid: u16| {
        report
            .uids
            .iter()
            .find(|u| u.uid == uid)
            .map(|u| u.verdict.clone())
    };
    assert_eq!(
        verdict(0),
        Some(Verdict::Proven {
            epoch: 7,
            block: LOGS_AT
        })
    );
    assert_eq!(
        verdict(1),
        Some(Verdict::Mismatch {
            reason: "epoch 7: the stored row is not the proven row".into()
        })
    );
    match verdict(2) {
        Some(Verdict::Mismatch { reason }) => {
            assert!(reason.contains("does not verify natively"), "{reason}")
        }
        other => panic!("uid 2: {other:?}"),
    }
    assert_eq!(
        verdict(3),
        Some(Verdict::Unproven {
            reason: "no recorded proof in the range".into()
        })
    );
    assert!(!report.consistent());
    assert!(report.unmatched.is_empty(), "{:?}", report.unmatched);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_row_without_a_proof_is_unproven_and_no_registry_proves_nothing() {
    let f = fixture();
    let node = Node::Replay(f.recording.clone());
    let mut opts = options(&f, f.params.path());
    opts.registry = None;
    let report = audit_subtensor(&node, &opts).await.expect("audit");
    assert_eq!(report.uids.len(), UIDS);
    for u in &report.uids {
        assert_eq!(
            u.verdict,
            Verdict::Unproven {
                reason: "no recorded proof in the range".into()
            },
            "uid {}",
            u.uid
        );
    }
    assert!(report.consistent());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_proof_under_a_key_not_pinned_is_unmatched_and_leaves_the_row_unproven() {
    let f = fixture();
    let node = Node::Replay(f.recording.clone());
    let empty = tempfile::tempdir().expect("params");
    let report = audit_subtensor(&node, &options(&f, empty.path()))
        .await
        .expect("audit");
    assert_eq!(report.unmatched.len(), 3, "{:?}", report.unmatched);
    assert!(report.unmatched[0].contains("its key is not under --params"));
    assert!(report
        .uids
        .iter()
        .all(|u| matches!(u.verdict, Verdict::Unproven { .. })));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_rest_digest_must_be_an_audited_bundles() {
    // Bundles that do not hold the validators' statements: every recorded proof is a mismatch.
    let f = fixture();
    let node = Node::Replay(f.recording.clone());
    let bundles = tempfile::tempdir().expect("bundles");
    let mut opts = options(&f, f.params.path());
    opts.bundles = Some(bundles.path().to_path_buf());
    let report = audit_subtensor(&node, &opts).await.expect("audit");
    let reasons: Vec<String> = report
        .uids
        .iter()
        .filter_map(|u| match &u.verdict {
            Verdict::Mismatch { reason } => Some(reason.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        reasons
            .iter()
            .filter(|r| r.contains("no accepted statement of this hotkey in an audited bundle"))
            .count(),
        2,
        "{reasons:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn answers_missing_from_a_recording_are_a_typed_error() {
    let f = fixture();
    let node = Node::Replay(f.recording.clone());
    let mut opts = options(&f, f.params.path());
    opts.from_block = Some(FIRST - 1);
    match audit_subtensor(&node, &opts).await {
        Err(SubtensorAuditError::NotRecorded { method, params }) => {
            assert_eq!(method, "chain_getBlockHash");
            assert_eq!(params, format!("[{}]", FIRST - 1));
        }
        other => panic!("{other:?}"),
    }
    opts.from_block = Some(LAST + 1);
    assert!(matches!(
        audit_subtensor(&node, &opts).await,
        Err(SubtensorAuditError::Range { .. })
    ));
}

#[test]
fn the_command_line_replays_a_recording_and_fails_on_a_mismatch() {
    let f = fixture();
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("answers.json");
    std::fs::write(
        &file,
        serde_json::to_vec(&f.recording).expect("recording json"),
    )
    .expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_zkyuma"))
        .args(["audit", "--replay"])
        .arg(&file)
        .args([
            "--netuid",
            "1",
            "--from-block",
            &FIRST.to_string(),
            "--json",
        ])
        .args(["--registry", &format!("0x{}", hex::encode(f.registry))])
        .arg("--params")
        .arg(f.params.path())
        .output()
        .expect("zkyuma");
    assert!(!out.status.success(), "a mismatch fails the audit");
    let report: Value = serde_json::from_slice(&out.stdout).expect("json report");
    let verdicts: Vec<&str> = report["uids"]
        .as_array()
        .expect("uids")
        .iter()
        .map(|u| u["verdict"]["verdict"].as_str().expect("verdict"))
        .collect();
    assert_eq!(verdicts, ["proven", "mismatch", "mismatch", "unproven"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not match the chain"));
}

#[tokio::test(flavor = "multi_thread")]
async fn live_node_when_configured() {
    let Ok(url) = std::env::var("ZKYUMA_SUBTENSOR_URL") else {
        eprintln!(
            "skipped: set ZKYUMA_SUBTENSOR_URL (and ZKYUMA_SUBTENSOR_NETUID) to audit a live node"
        );
        return;
    };
    let netuid: u16 = std::env::var("ZKYUMA_SUBTENSOR_NETUID")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    let node = Node::connect(&url).await.expect("connect");
    let params = tempfile::tempdir().expect("params");
    let report = audit_subtensor(
        &node,
        &SubtensorAuditOptions {
            netuid,
            registry: None,
            from_block: None,
            to_block: None,
            params: params.path().to_path_buf(),
            key_version: 1,
            bundles: None,
        },
    )
    .await
    .expect("live audit");
    println!("{}", report.render());
    // Replaying what the node answered gives the same report.
    let again = audit_subtensor(
        &Node::Replay(node.recording()),
        &SubtensorAuditOptions {
            netuid,
            registry: None,
            from_block: Some(report.from_block),
            to_block: Some(report.to_block),
            params: params.path().to_path_buf(),
            key_version: 1,
            bundles: None,
        },
    )
    .await
    .expect("replayed audit");
    assert_eq!(again, report);
}
