//! The auditor's rules, one by one, on two real epoch bundles (`tests/bundles/`: epochs 1 and 2
//! of `zkyuma demo --setup insecure-seed`, with hospital-3's two refused collusion attempts in
//! each; `tests/bundles/halo2-ipa/`: epoch 1 of `zkyuma demo --proof-system halo2-ipa`). Each case changes one thing in a bundle, re-addresses it (so the file name still
//! matches its blake3) and asserts that the audit fails with that rule's own message; the honest
//! bundles pass, alone and in a chain.
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use zkyuma_subnet::audit::{audit_bundle, EpochAudit};
use zkyuma_subnet::bundle::EpochBundle;

fn fixture(epoch: u64) -> (PathBuf, Vec<u8>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bundles");
    let prefix = format!("epoch-{epoch:06}-");
    let entry = std::fs::read_dir(&dir)
        .expect("tests/bundles")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&prefix))
        })
        .expect("fixture bundle");
    let bytes = std::fs::read(&entry).expect("read bundle");
    (entry, bytes)
}

fn json_of(epoch: u64) -> Value {
    serde_json::from_slice(&fixture(epoch).1).expect("bundle json")
}

fn parsed(v: &Value) -> EpochBundle {
    serde_json::from_value(v.clone()).expect("bundle")
}

fn params() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../params")
}

/// Audit `bundle`, re-addressed, after `previous` (if any).
fn audit(bundle: &Value, previous: Option<&Value>, params: Option<&Path>) -> EpochAudit {
    let bytes = serde_json::to_vec(bundle).expect("json");
    let epoch = bundle["epoch"].as_u64().unwrap_or(0);
    let name = EpochBundle::file_name(epoch, &bytes).0;
    let previous = previous.map(parsed);
    audit_bundle(Path::new(&name), &bytes, previous.as_ref(), params).0
}

/// Change the last hex digit of a string field.
fn flip(v: &mut Value) {
    let s = v.as_str().expect("hex string").to_string();
    let last = if s.ends_with('0') { '1' } else { '0' };
    *v = json!(format!("{}{last}", &s[..s.len() - 1]));
}

/// The accepted score submission of `uid`.
fn accepted(b: &mut Value, uid: u64) -> &mut Value {
    b["scores"]
        .as_array_mut()
        .expect("scores")
        .iter_mut()
        .find(|s| s["accepted"] == json!(true) && s["validator_uid"] == json!(uid))
        .expect("accepted submission")
}

/// The first refused score submission.
fn refused(b: &mut Value) -> &mut Value {
    b["scores"]
        .as_array_mut()
        .expect("scores")
        .iter_mut()
        .find(|s| s["accepted"] == json!(false))
        .expect("refused submission")
}

type Tamper = fn(&mut Value, &mut Value);

/// Every case: what is changed (in epoch 2, or in the epoch 1 it follows) and the failure the
/// audit of epoch 2 must report.
const CASES: &[(&str, Tamper, &str)] = &[
    (
        "version",
        |b, _| b["version"] = json!(4),
        "bundle format version 4",
    ),
    (
        "beacon round removed",
        |b, _| b["beacon_round"] = Value::Null,
        "no beacon round",
    ),
    (
        "sample seed",
        |b, _| flip(&mut b["sample_seed"]),
        "sample seed is not derived from the epoch's beacon round",
    ),
    (
        "sample seed not hex",
        |b, _| b["sample_seed"] = json!("zz"),
        "sample_seed: not 32 bytes of hex",
    ),
    (
        "beacon signature",
        |b, _| flip(&mut b["beacon_round"]["signature"]),
        "beacon round ",
    ),
    (
        "epoch number",
        |b, _| b["epoch"] = json!(3),
        "epoch 3 follows epoch 1",
    ),
    (
        "beacon key",
        |b, _| b["beacon"]["period_secs"] = json!(2),
        "the beacon key differs from the previous epoch's",
    ),
    (
        "epoch prover",
        |b, _| flip(&mut b["epoch_prover"]),
        "the epoch prover's hotkey differs from the previous epoch's",
    ),
    (
        "beacon round replayed",
        |b, p| p["beacon_round"]["round"] = b["beacon_round"]["round"].clone(),
        "does not follow the previous epoch's",
    ),
    (
        "previous digest",
        |b, _| flip(&mut b["prev_digest"]),
        "prev_digest is not the previous epoch's digest",
    ),
    (
        "previous bonds",
        |_, p| flip(&mut p["epoch_statement"]["new_bonds_commitment"]),
        "previous bonds commitment breaks the chain of epochs",
    ),
    (
        "dataset root",
        |b, _| b["datasets"][0]["root"] = json!("zz"),
        "dataset root: not a field element",
    ),
    (
        "dataset signature",
        |b, _| flip(&mut b["datasets"][1]["signature"]),
        "bad signature",
    ),
    (
        "dataset from a later epoch",
        |b, _| b["datasets"][2]["epoch"] = json!(3),
        "bad signature",
    ),
    (
        "dataset size",
        |b, _| b["datasets"][3]["size"] = json!(73),
        "bad signature",
    ),
    (
        "neuron hotkey",
        |b, _| b["neurons"][5]["hotkey"] = json!("00"),
        "hotkey: not 32 bytes of hex",
    ),
    (
        "no score key",
        |b, _| b["keys"][0]["circuit"] = json!("other"),
        "no score verifying key in the bundle",
    ),
    (
        "no epoch key",
        |b, _| b["keys"][1]["circuit"] = json!("other"),
        "no epoch verifying key in the bundle",
    ),
    (
        "score key not hex",
        |b, _| b["keys"][0]["vk"] = json!("zz"),
        "score key: not hex",
    ),
    (
        "epoch key hash",
        |b, _| flip(&mut b["keys"][1]["blake3"]),
        "epoch key: blake3 does not match its bytes",
    ),
    (
        "score key bytes",
        |b, _| {
            let vk = b["keys"][0]["vk"].as_str().expect("vk").to_string();
            b["keys"][0]["vk"] = json!(&vk[..vk.len() - 2]);
        },
        "score key: ",
    ),
    (
        "task twice",
        |b, _| {
            let t = b["tasks"]["tasks"][0].clone();
            b["tasks"]["tasks"].as_array_mut().expect("tasks").push(t);
        },
        "validator uid 0 has two tasks",
    ),
    (
        "task envelope",
        |b, _| flip(&mut b["tasks"]["tasks"][1]["envelopes"][0]["envelope"]["ephemeral"]),
        "task of uid ",
    ),
    (
        "commitment to no task",
        |b, _| b["tasks"]["commitments"][0]["validator_uid"] = json!(7),
        "answers no valid task",
    ),
    (
        "commitment twice",
        |b, _| {
            let c = b["tasks"]["commitments"][0].clone();
            b["tasks"]["commitments"]
                .as_array_mut()
                .expect("commitments")
                .push(c);
        },
        "has two commitments to uid",
    ),
    (
        "commitment signature",
        |b, _| flip(&mut b["tasks"]["commitments"][2]["signature"]),
        "miner signature does not verify",
    ),
    (
        "score signature",
        |b, _| flip(&mut accepted(b, 1)["signature"]),
        "accepted submission of uid Some(1) fails a check",
    ),
    (
        "score proof not hex",
        |b, _| accepted(b, 2)["proof"] = json!("zz"),
        "accepted submission of uid Some(2) has a malformed proof",
    ),
    (
        "score proof",
        |b, _| flip(&mut accepted(b, 0)["proof"]),
        "score proofs: batch verification failed",
    ),
    (
        "score accepted twice",
        |b, _| {
            let s = accepted(b, 0).clone();
            b["scores"].as_array_mut().expect("scores").push(s);
        },
        "uid 0 has two accepted score submissions",
    ),
    (
        "valid score recorded refused",
        |b, _| accepted(b, 2)["accepted"] = json!(false),
        "submission of uid Some(2) was refused () but is valid",
    ),
    (
        "refused score recorded accepted",
        |b, _| refused(b)["accepted"] = json!(true),
        "accepted submission of uid Some(3) fails a check",
    ),
    (
        "statement's netuid",
        |b, _| b["epoch_statement"]["netuid"] = json!(2),
        "epoch statement names another netuid or epoch",
    ),
    (
        "metagraph stake",
        |b, _| b["neurons"][4]["stake"] = json!(1),
        "the epoch input's stakes or permits differ from the bundle's metagraph",
    ),
    (
        "metagraph permit",
        |b, _| b["neurons"][6]["validator_permit"] = json!(true),
        "the epoch input's stakes or permits differ from the bundle's metagraph",
    ),
    (
        "kappa",
        |b, _| b["epoch_input"]["kappa"] = json!(30000),
        "the epoch statement's chain state is not the one derived from the epoch input",
    ),
    (
        "input not provable",
        |b, _| b["epoch_input"]["n"] = json!(13),
        "the epoch input cannot be proven",
    ),
    (
        "current block",
        |b, _| b["epoch_input"]["current_block"] = json!(1),
        "the epoch input's blocks do not follow from its epoch and tempo",
    ),
    (
        "last step block",
        |b, _| {
            let s = b["epoch_input"]["last_mechanism_step_block"]
                .as_u64()
                .expect("block");
            b["epoch_input"]["last_mechanism_step_block"] = json!(s + 1);
        },
        "the epoch input's blocks do not follow from its epoch and tempo",
    ),
    (
        "last Yuma step",
        |b, _| b["epoch_input"]["last_yuma_step_block"] = json!(5),
        "the epoch input's runtime modes are not the chain's",
    ),
    (
        "stored consensus",
        |b, _| b["epoch_input"]["previous_consensus"] = json!(vec![7u16; 12]),
        "liquid-alpha consensus mode or stored consensus is not the chain's",
    ),
    (
        "last update of an accepted row",
        |b, _| b["epoch_input"]["last_update"][0] = json!(0),
        "uid 0: last update 0 does not follow the accepted submissions",
    ),
    (
        "last update of another uid",
        |b, _| b["epoch_input"]["last_update"][9] = json!(17),
        "uid 9: last update 17 does not follow the accepted submissions",
    ),
    (
        "registration block",
        |b, _| b["epoch_input"]["block_at_registration"][4] = json!(1),
        "registrations or hyperparameters differ from the previous bundle's",
    ),
    (
        "emission per epoch",
        |b, _| b["epoch_input"]["rao_emission"] = json!(1),
        "registrations or hyperparameters differ from the previous bundle's",
    ),
    (
        "stake emission",
        |b, _| b["stake_emission"] = json!(true),
        "the stakes do not follow the previous epoch's stakes and emission",
    ),
    (
        "stake",
        |b, _| {
            b["neurons"][7]["stake"] = json!(9);
            b["epoch_input"]["stake"][7] = json!(9);
        },
        "the stakes do not follow the previous epoch's stakes and emission",
    ),
    (
        "permits",
        |b, _| {
            b["neurons"][8]["validator_permit"] = json!(true);
            b["epoch_input"]["validator_permit"][8] = json!(true);
        },
        "the permits are not the ones the previous epoch computed",
    ),
    (
        "row without a drop",
        |b, _| flip(&mut b["epoch_statement"]["weight_commitments"][1]),
        "epoch rows are not the accepted weight commitments",
    ),
    (
        "rows not the permits",
        |b, _| b["epoch_statement"]["validators"][3] = json!(5),
        "epoch rows are not the permit holders",
    ),
    (
        "epoch proof not hex",
        |b, _| b["epoch_proof"] = json!("zz"),
        "epoch proof: malformed",
    ),
    (
        "epoch proof",
        |b, _| flip(&mut b["epoch_proof"]),
        "epoch proof: ",
    ),
    (
        "drop of a refused row",
        |b, _| b["dropped"] = json!([drop_of(3)]),
        "uid 3: dropped, but it has no accepted row",
    ),
    (
        "drop by a forged disclosure, twice",
        |b, _| b["dropped"] = json!([drop_of(1), drop_of(1)]),
        "uid 1: the disclosure of its sealed envelope does not verify",
    ),
    (
        "drop by a forged disclosure",
        |b, _| b["dropped"] = json!([drop_of(2)]),
        "uid 2: the disclosure of its sealed envelope does not verify",
    ),
];

/// A dropped row whose disclosure is not the epoch prover's.
fn drop_of(uid: u16) -> Value {
    json!({
        "uid": uid,
        "disclosure": {"shared": "00".repeat(32), "challenge": "00".repeat(32), "response": "00".repeat(32)},
        "reason": "undecryptable",
    })
}

#[test]
fn honest_bundles_pass_alone_and_in_a_chain() {
    let (one, two) = (json_of(1), json_of(2));
    for (b, p) in [(&one, None), (&two, Some(&one))] {
        let a = audit(b, p, Some(&params()));
        assert!(a.failures.is_empty(), "{:?}", a.failures);
        assert_eq!(a.score_proofs, 3, "three accepted score proofs");
        assert_eq!(a.refused, 2, "hospital-3's two refused submissions");
        assert!(a.unchecked.is_empty(), "{:?}", a.unchecked);
        assert_eq!(a.key_origins.len(), 2, "{:?}", a.key_origins);
        assert!(a.key_origins.iter().all(|o| o.contains("INSECURE")));
    }
    // Alone, epoch 2 passes what it can and names the continuity it could not check.
    let alone = audit(&two, None, None);
    assert!(alone.failures.is_empty(), "{:?}", alone.failures);
    assert_eq!(alone.unchecked.len(), 1);
    assert!(alone.unchecked[0].contains("continuity with epoch 1"));
    // The committed files as they are: their names are their blake3.
    for epoch in [1, 2] {
        let (path, bytes) = fixture(epoch);
        let previous = (epoch == 2).then(|| parsed(&one));
        let (a, parsed_bundle) = audit_bundle(&path, &bytes, previous.as_ref(), None);
        assert!(a.failures.is_empty(), "{:?}", a.failures);
        assert_eq!(parsed_bundle.map(|b| b.epoch), Some(epoch));
    }
}

#[test]
fn every_rule_refuses_its_change_by_name() {
    let (one, two) = (json_of(1), json_of(2));
    let mut missed = Vec::new();
    for (what, tamper, expected) in CASES {
        let (mut b, mut p) = (two.clone(), one.clone());
        tamper(&mut b, &mut p);
        assert!(b != two || p != one, "{what}: nothing changed");
        let a = audit(&b, Some(&p), None);
        if !a.failures.iter().any(|f| f.contains(expected)) {
            missed.push(format!(
                "{what}: expected {expected:?}, got {:?}",
                a.failures
            ));
        }
    }
    assert!(missed.is_empty(), "{missed:#?}");
}

#[test]
fn the_first_epoch_starts_from_genesis() {
    let one = json_of(1);
    let cases: &[(&str, Tamper, &str)] = &[
        (
            "previous digest",
            |b, _| flip(&mut b["prev_digest"]),
            "first epoch with a non-zero previous digest",
        ),
        (
            "genesis bonds",
            |b, _| flip(&mut b["epoch_statement"]["prev_bonds_commitment"]),
            "first epoch does not start from the genesis bonds",
        ),
        (
            "last update",
            |b, _| b["epoch_input"]["last_update"][10] = json!(3),
            "uid 10: last update 3 does not follow the accepted submissions",
        ),
        (
            "stored consensus",
            |b, _| b["epoch_input"]["previous_consensus"] = json!(vec![7u16; 12]),
            "liquid-alpha consensus mode or stored consensus is not the chain's",
        ),
    ];
    for (what, tamper, expected) in cases {
        let mut b = one.clone();
        tamper(&mut b, &mut Value::Null);
        let a = audit(&b, None, None);
        assert!(
            a.failures.iter().any(|f| f.contains(expected)),
            "{what}: expected {expected:?}, got {:?}",
            a.failures
        );
    }
}

#[test]
fn the_file_name_is_the_content_hash_and_bytes_must_parse() {
    let (path, mut bytes) = fixture(1);
    let last = bytes.len() - 2;
    bytes[last] = b' ';
    let (a, _) = audit_bundle(&path, &bytes, None, None);
    assert!(
        a.failures[0].contains("does not match the file name"),
        "{:?}",
        a.failures
    );
    let (a, b) = audit_bundle(&path, b"{not json", None, None);
    assert!(b.is_none());
    assert!(a
        .failures
        .iter()
        .any(|f| f.starts_with("not an epoch bundle")));
}

#[test]
fn pinned_keys_must_be_the_bundles_keys() {
    let mut two = json_of(2);
    let empty = tempfile::tempdir().expect("tmp");
    let a = audit(&two, Some(&json_of(1)), Some(empty.path()));
    assert!(
        a.failures.iter().any(|f| f.contains("vk.bin")),
        "{:?}",
        a.failures
    );
    // A key the bundle names that is not the pinned one.
    let other = tempfile::tempdir().expect("tmp");
    let name = two["keys"][1]["name"].as_str().expect("name").to_string();
    std::fs::create_dir_all(other.path().join(&name)).expect("dir");
    std::fs::write(other.path().join(&name).join("vk.bin"), b"another key").expect("write");
    let a = audit(&two, Some(&json_of(1)), Some(other.path()));
    assert!(
        a.failures
            .iter()
            .any(|f| f.starts_with("epoch key differs from")),
        "{:?}",
        a.failures
    );
    // A transcript named for keys from no ceremony.
    two["keys"][0]["transcript_hash"] = json!("ab".repeat(32));
    let a = audit(&two, Some(&json_of(1)), Some(&params()));
    assert!(
        a.failures
            .iter()
            .any(|f| f.contains("but the published keys are from no ceremony")),
        "{:?}",
        a.failures
    );
}

#[test]
fn a_directory_passes_only_when_every_bundle_does() {
    use zkyuma_subnet::audit::audit_dir;
    let dir = tempfile::tempdir().expect("tmp");
    let report = audit_dir(dir.path(), None).expect("audit runs");
    assert!(!report.passed(), "no bundle is no pass");
    assert!(report.render().contains("no epoch bundles found"));
    for epoch in [1, 2] {
        let (path, bytes) = fixture(epoch);
        std::fs::write(dir.path().join(path.file_name().expect("name")), bytes).expect("copy");
    }
    let report = audit_dir(dir.path(), None).expect("audit runs");
    assert!(report.passed(), "{}", report.render());
    let text = report.render();
    assert!(text.contains("epoch   2  OK    3 score proofs"), "{text}");
    assert!(text.ends_with("audit passed\n"), "{text}");
    // Epoch 2 with a kappa changed, re-addressed, beside the honest files.
    let mut two = json_of(2);
    two["epoch_input"]["kappa"] = json!(30000);
    let bytes = serde_json::to_vec(&two).expect("json");
    let name = EpochBundle::file_name(2, &bytes).0;
    std::fs::remove_file(
        fixture(2)
            .0
            .file_name()
            .map(|n| dir.path().join(n))
            .expect("name"),
    )
    .expect("remove");
    std::fs::write(dir.path().join(name), bytes).expect("write");
    let report = audit_dir(dir.path(), None).expect("audit runs");
    assert!(!report.passed());
    assert!(report.epochs[0].failures.is_empty());
    let text = report.render();
    assert!(text.contains("epoch   2  FAIL"), "{text}");
    assert!(
        text.contains("- the epoch statement's chain state is not the one derived"),
        "{text}"
    );
    assert!(text.ends_with("audit FAILED\n"), "{text}");
}

#[test]
fn halo2_keys_name_their_origin() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bundles/halo2-ipa");
    let path = std::fs::read_dir(&dir)
        .expect("tests/bundles/halo2-ipa")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .expect("halo2 bundle");
    let bytes = std::fs::read(&path).expect("read");
    let (a, _) = audit_bundle(&path, &bytes, None, Some(&params()));
    assert!(a.failures.is_empty(), "{:?}", a.failures);
    assert_eq!(a.score_proofs, 3);
    assert_eq!(a.key_origins.len(), 2, "{:?}", a.key_origins);
    assert!(
        a.key_origins
            .iter()
            .all(|o| o.contains("halo2-ipa, transparent: no setup")),
        "{:?}",
        a.key_origins
    );
    let b: Value = serde_json::from_slice(&bytes).expect("json");
    // Pinned keys whose description records another key (its checksums restamped), or another
    // proof system.
    let name = b["keys"][0]["name"].as_str().expect("name").to_string();
    for (field, value) in [
        ("vk_hash", json!("00".repeat(32))),
        ("system", json!("halo2-kzg")),
    ] {
        let pinned = tempfile::tempdir().expect("tmp");
        for key in b["keys"].as_array().expect("keys") {
            let key_name = key["name"].as_str().expect("name");
            let from = params().join(key_name);
            let to = pinned.path().join(key_name);
            std::fs::create_dir_all(&to).expect("dir");
            let vk = std::fs::read(from.join("vk.bin")).expect("vk");
            let mut description: Value =
                serde_json::from_slice(&std::fs::read(from.join("circuit.json")).expect("json"))
                    .expect("description");
            if key_name == name {
                description[field] = value.clone();
            }
            let description = serde_json::to_vec_pretty(&description).expect("json");
            let sums = format!(
                "{}  vk.bin\n{}  circuit.json\n",
                blake3::hash(&vk).to_hex(),
                blake3::hash(&description).to_hex()
            );
            std::fs::write(to.join("vk.bin"), vk).expect("write");
            std::fs::write(to.join("circuit.json"), description).expect("write");
            std::fs::write(to.join("checksums.b3"), sums).expect("write");
        }
        let (a, _) = audit_bundle(&path, &bytes, None, Some(pinned.path()));
        assert_eq!(a.failures.len(), 1, "{field}: {:?}", a.failures);
        assert!(
            a.failures[0].starts_with("score key: ")
                && a.failures[0]
                    .ends_with("circuit.json records another verifying key or proof system"),
            "{field}: {:?}",
            a.failures
        );
    }
    // A bundle naming a ceremony transcript for halo2 keys.
    let mut named = b.clone();
    named["keys"][1]["transcript_hash"] = json!("ab".repeat(32));
    let a = audit(&named, None, Some(&params()));
    assert!(
        a.failures
            .iter()
            .any(|f| f.starts_with("epoch key: ") && f.contains("halo2 keys come from no ceremony")),
        "{:?}",
        a.failures
    );
}
