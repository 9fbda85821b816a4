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
use zkyuma_circuits::scoring::{Scoring, ScoringFunction};
use zkyuma_prover::keys::{KeyPaths, SetupKind};
use zkyuma_prover::score::{params_name, prove_score, setup_score};
use zkyuma_subnet::chain::subtensor::{decode_metadata, OfflineChain, MAINNET_METADATA};
use zkyuma_subnet::subtensor_audit::{
    audit_subtensor, Exchange, Node, PendingCommit, Recording, SubtensorAuditError,
    SubtensorAuditOptions, Verdict,
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

/// The subnet's tempo in the recorded answers.
const TEMPO: u16 = 10;

/// Commits the runtime holds: timelocked ones of the current epoch (hotkey, commit block,
/// ciphertext, reveal round) and hash ones by uid (hash, commit block, first and last reveal
/// block).
type HashCommit = ([u8; 32], u64, u64, u64);

#[derive(Default)]
struct Commits {
    timelocked: Vec<([u8; 32], u64, Vec<u8>, u64)>,
    hash: Vec<(usize, HashCommit)>,
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

    // uid 4 has no row yet, only a timelocked commit; uid 3 a timelocked one beside its row;
    // uid 1 a hash commit.
    let hotkeys: Vec<[u8; 32]> = (0..=UIDS).map(hotkey).collect();
    let commits = Commits {
        timelocked: vec![
            (hotkey(3), 11, vec![7u8; 300], 4242),
            (hotkey(4), 12, vec![9u8; 310], 4243),
        ],
        hash: vec![(1, ([5u8; 32], 9, 20, 30))],
    };
    Fixture {
        recording: answers(&hotkeys, &rows, &logs, &commits),
        registry: registry_address.0 .0,
        params,
        statements,
    }
}

/// The answers a node gives for a subnet whose uids hold `hotkeys` and `rows`, with `logs`
/// (address, topics, data) emitted in block [`LOGS_AT`] beside a `System::ExtrinsicSuccess`.
fn answers(
    hotkeys: &[[u8; 32]],
    rows: &[Vec<(u16, u16)>],
    logs: &[revm::primitives::Log],
    commits: &Commits,
) -> Recording {
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
        Some((hotkeys.len() as u16).encode()),
    ));
    for (uid, hotkey) in hotkeys.iter().enumerate() {
        ex.push(storage(
            chain
                .storage_key("Keys", (NETUID, uid as u16))
                .expect("key"),
            at,
            Some(hotkey.encode()),
        ));
        ex.push(storage(
            chain
                .storage_key("Weights", (NETUID, uid as u16))
                .expect("key"),
            at,
            rows.get(uid).map(|r| r.encode()),
        ));
        let hash: Vec<HashCommit> = commits
            .hash
            .iter()
            .filter(|(u, _)| *u == uid)
            .map(|(_, c)| *c)
            .collect();
        ex.push(storage(
            chain
                .storage_key("WeightCommits", (NETUID, *hotkey))
                .expect("key"),
            at,
            (!hash.is_empty()).then(|| hash.encode()),
        ));
    }
    // The runtime's epoch index at block LAST: (12 + 1 + 1) / (TEMPO + 1) = 1, reveal period 1.
    ex.push(storage(
        chain.storage_key("Tempo", (NETUID,)).expect("key"),
        at,
        Some(TEMPO.encode()),
    ));
    ex.push(storage(
        chain
            .storage_key("RevealPeriodEpochs", (NETUID,))
            .expect("key"),
        at,
        Some(1u64.encode()),
    ));
    for epoch in 0..=1u64 {
        ex.push(storage(
            chain
                .storage_key("TimelockedWeightCommits", (NETUID, epoch))
                .expect("key"),
            at,
            (epoch == 1 && !commits.timelocked.is_empty()).then(|| commits.timelocked.encode()),
        ));
    }
    Recording {
        node: "recorded for the test (mainnet 2026-04 metadata)".into(),
        exchanges: ex,
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
            block: LOGS_AT,
            statement_checked: false
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
    assert_eq!(
        verdict(4),
        Some(Verdict::Unproven {
            reason: "no stored row yet, only commits".into()
        })
    );
    // The commits the runtime holds, by uid.
    let pending = |uid: u16| {
        report
            .uids
            .iter()
            .find(|u| u.uid == uid)
            .map(|u| u.pending.clone())
            .unwrap_or_default()
    };
    assert_eq!(
        pending(3),
        vec![PendingCommit::Timelocked {
            epoch: 1,
            commit_block: 11,
            reveal_round: 4242,
            bytes: 300
        }]
    );
    assert_eq!(pending(4).len(), 1);
    assert_eq!(
        pending(1),
        vec![PendingCommit::Hash {
            commit_block: 9,
            first_reveal_block: 20,
            last_reveal_block: 30
        }]
    );
    assert!(pending(0).is_empty());
    assert!(!report.consistent());
    assert!(report.unmatched.is_empty(), "{:?}", report.unmatched);
    // The lying registry's log is also a fault of the registry.
    assert_eq!(report.faults.len(), 1, "{:?}", report.faults);
    assert!(report.faults[0]
        .starts_with("uid 2, block 11, epoch 7: the recorded proof does not verify natively"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stored_row_naming_a_uid_twice_is_a_mismatch() {
    // uid 0's proven row, with its first entry repeated: its dense form would still be the proven
    // row if the last entry simply won.
    let mut f = fixture();
    let chain = OfflineChain::new(
        decode_metadata(MAINNET_METADATA).expect("metadata"),
        [0; 32],
        0,
        1,
    )
    .expect("offline chain");
    let key = format!(
        "0x{}",
        hex::encode(chain.storage_key("Weights", (NETUID, 0u16)).expect("key"))
    );
    let x = f
        .recording
        .exchanges
        .iter_mut()
        .find(|x| x.method == "state_getStorage" && x.params[0] == json!(key))
        .expect("uid 0's row");
    let text = x
        .result
        .as_str()
        .expect("hex")
        .trim_start_matches("0x")
        .to_string();
    let mut row: Vec<(u16, u16)> =
        parity_scale_codec::Decode::decode(&mut hex::decode(text).expect("hex").as_slice())
            .expect("row");
    row.insert(0, row[0]);
    x.result = json!(format!("0x{}", hex::encode(row.encode())));
    let report = audit_subtensor(
        &Node::Replay(f.recording.clone()),
        &options(&f, f.params.path()),
    )
    .await
    .expect("audit");
    assert_eq!(
        report.uids[0].verdict,
        Verdict::Mismatch {
            reason: format!("epoch 7: the stored row names uid {} twice", row[0].0)
        }
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_row_without_a_proof_is_unproven_and_no_registry_proves_nothing() {
    let f = fixture();
    let node = Node::Replay(f.recording.clone());
    let mut opts = options(&f, f.params.path());
    opts.registry = None;
    let report = audit_subtensor(&node, &opts).await.expect("audit");
    assert_eq!(report.uids.len(), UIDS + 1);
    for u in &report.uids {
        let reason = if u.uid as usize == UIDS {
            "no stored row yet, only commits"
        } else {
            "no recorded proof in the range"
        };
        assert_eq!(
            u.verdict,
            Verdict::Unproven {
                reason: reason.into()
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
    assert_eq!(
        verdicts,
        ["proven", "mismatch", "mismatch", "unproven", "unproven"]
    );
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

#[tokio::test(flavor = "multi_thread")]
async fn a_proof_of_a_statement_in_an_audited_bundle_passes_the_rest_check() {
    use zkyuma_subnet::local::{local_keys, shapes, LocalSubnet, LocalSubnetSpec};
    use zkyuma_subnet::roles::miner::Behaviour;
    // One epoch of a local subnet (hidden rows), its bundle written by the chain.
    let keys = local_keys().expect("local keys");
    let params = tempfile::tempdir().expect("params");
    for (name, k) in &keys {
        KeyPaths::new(params.path(), &params.path().join("keys"), name)
            .save(k)
            .expect("save");
    }
    let (scoring, score_shape, _) = shapes();
    let score_name = params_name(&scoring, &score_shape);
    KeyPaths::new(params.path(), &params.path().join("keys"), &score_name)
        .save(&keys[0].1)
        .expect("save");
    let spec = LocalSubnetSpec {
        name: "live-audit".into(),
        validator_stakes: vec![3_000_000, 2_000_000],
        miners: (0..5).map(|_| (0, Behaviour::Honest)).collect(),
        keys,
        dir: None,
        score_prover: None,
        epoch_prover: None,
    };
    let net = LocalSubnet::start(spec, |_| {}).await.expect("subnet");
    for v in &net.validators {
        assert_eq!(v.register().await.expect("register"), (true, String::new()));
    }
    for v in &net.validators {
        let r = v.run_epoch(1, None).await.expect("validator epoch");
        assert!(r.accepted.0, "{r:?}");
    }
    net.wait_until_ready().await.expect("ready");
    net.prover.prove_and_submit(1).await.expect("epoch 1 paid");
    let path = std::fs::read_dir(net.bundles())
        .expect("bundles")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "json"))
        .expect("a bundle");
    let bundle: zkyuma_subnet::bundle::EpochBundle =
        serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("bundle");

    // The registry's logs of the accepted statements, as `submitScore` emits them.
    let registry = Address::with_last_byte(0x77);
    let key_id = zkyuma_subnet::cli::chain::key_id(
        NETUID,
        &format!("score/{}", scoring.id()),
        &score_shape.name(),
        1,
    );
    let signature = keccak256(zkyuma_subnet::subtensor_audit::SCORE_VERIFIED.as_bytes()).0;
    let logs: Vec<revm::primitives::Log> = bundle
        .scores
        .iter()
        .filter(|s| s.accepted)
        .map(|s| {
            let inputs = s.statement.public_inputs();
            let proof = Proof::from_bytes(
                &hex::decode(s.proof.trim_start_matches("0x")).expect("proof hex"),
            )
            .expect("proof");
            let mut epoch = [0u8; 32];
            epoch[24..].copy_from_slice(&s.statement.epoch.to_be_bytes());
            let mut data = zkyuma_verifier::evm::fr_word(&inputs[4]).to_vec();
            data.extend(zkyuma_verifier::evm::fr_word(&inputs[5]));
            for w in zkyuma_verifier::evm::proof_words(&proof) {
                data.extend(w);
            }
            let topics = [signature, key_id, epoch, s.statement.validator_hotkey]
                .map(revm::primitives::B256::from)
                .to_vec();
            revm::primitives::Log::new_unchecked(registry, topics, data.into())
        })
        .collect();
    assert_eq!(logs.len(), 2);
    let hotkeys: Vec<[u8; 32]> = bundle
        .neurons
        .iter()
        .map(|n| {
            hex::decode(n.hotkey.trim_start_matches("0x"))
                .expect("hex")
                .try_into()
                .expect("32 bytes")
        })
        .collect();
    let rows = vec![vec![(2u16, 65535u16)]; hotkeys.len()];
    let recording = answers(&hotkeys, &rows, &logs, &Commits::default());
    let mut opts = SubtensorAuditOptions {
        netuid: NETUID,
        registry: Some(registry.0 .0),
        from_block: Some(FIRST),
        to_block: None,
        params: params.path().to_path_buf(),
        key_version: 1,
        bundles: Some(net.bundles()),
    };
    let report = audit_subtensor(&Node::Replay(recording.clone()), &opts)
        .await
        .expect("audit");
    // The statements match the audited bundle; the rows are hidden, so they stay unproven.
    let hidden = Verdict::Unproven {
        reason: "epoch 1: a hidden-mode proof binds a commitment; the stored row needs its opening"
            .into(),
    };
    assert_eq!(report.uids[0].verdict, hidden, "{}", report.render());
    assert_eq!(report.uids[1].verdict, hidden, "{}", report.render());
    assert!(report.faults.is_empty() && report.consistent());

    // A tampered bundle no longer passes its own audit: its statements are not taken.
    let mut tampered = bundle.clone();
    tampered.epoch_input.stake[0] += 1;
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(
        dir.path().join(path.file_name().expect("name")),
        serde_json::to_vec(&tampered).expect("json"),
    )
    .expect("write");
    opts.bundles = Some(dir.path().to_path_buf());
    let report = audit_subtensor(&Node::Replay(recording), &opts)
        .await
        .expect("audit");
    assert_eq!(
        report.uids[0].verdict,
        Verdict::Mismatch {
            reason: "epoch 1: no accepted statement of this hotkey in an audited bundle".into()
        }
    );
    net.stop().await;
}

/// `node_answers` crash-da1cf30a: a recording holding a float (`1.4444444444444444e97`) read back
/// as another float, so a replay could miss the answer it recorded. Recordings hold integers only.
#[test]
fn node_answers_crash_da1cf30a_a_recording_with_a_float_is_refused() {
    let data = include_bytes!("regressions/node_answers-crash-da1cf30a");
    // The first byte picked the recording path of the target.
    assert_eq!(data[0] % 3, 1);
    assert_eq!(
        Recording::from_json(&data[1..]),
        Err("not a recording: a number that is not an integer".to_string())
    );
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("answers.json");
    std::fs::write(&path, &data[1..]).expect("write");
    assert!(matches!(
        Node::replay(&path),
        Err(SubtensorAuditError::File { message, .. }) if message.contains("not an integer")
    ));
    // A recording of integers and strings reads back exactly.
    let f = fixture();
    let text = serde_json::to_vec(&f.recording).expect("json");
    assert_eq!(Recording::from_json(&text), Ok(f.recording));
}
