//! Today's mainnet rules beside the pinned vectors: the liquid-alpha consensus mode (runtime
//! 446: `current`, `previous`, `auto`), the stored previous consensus, and the bonds cutoff
//! read from `LastYumaStepBlock`. No chain node is reachable here, so these epochs are chains
//! built by the native reference (`tests/vectors/epoch_consensus_modes.json`, regenerated with
//! `ZKYUMA_REGENERATE_VECTORS=1`) and cross-checked by an independent implementation written
//! from subtensor's source (`tests/oracle/yuma_oracle.py`, run here by `python3`).

use serde_json::{json, Value};
use std::path::PathBuf;
use zkyuma_circuits::yuma::{
    run_epoch, ConsensusMode, EpochConsensus, EpochError, EpochInput, EpochOutput,
};

fn vectors_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/epoch_consensus_modes.json")
}

/// A Yuma3 liquid-alpha subnet of 6 uids: validators 0–2 (stakes 5 : 3 : 2), miners 3–5; the
/// validators disagree about the miners, and move their weights from epoch to epoch, so this
/// epoch's consensus and the previous one differ.
fn base(penalty: u16, mode: ConsensusMode) -> EpochInput {
    EpochInput {
        n: 6,
        current_block: 100,
        tempo: 100,
        activity_cutoff_blocks: 5000,
        last_mechanism_step_block: 0,
        last_update: vec![99, 99, 99, 0, 0, 0],
        block_at_registration: vec![0; 6],
        stake: vec![5_000_000_000, 3_000_000_000, 2_000_000_000, 0, 0, 0],
        stake_threshold: 0,
        owner_uid: None,
        validator_permit: vec![true, true, true, false, false, false],
        max_allowed_validators: 3,
        weights: vec![Vec::new(); 6],
        bonds: vec![Vec::new(); 6],
        kappa: 32767,
        bonds_penalty: penalty,
        bonds_moving_average: 900_000,
        yuma3: true,
        liquid_alpha: true,
        alpha_low: 45875,
        alpha_high: 58982,
        alpha_sigmoid_steepness: 1000,
        rao_emission: 1_000_000_000,
        commit_reveal_commit_blocks: None,
        liquid_alpha_consensus_mode: mode,
        ..EpochInput::default_modes()
    }
}

/// Epoch `k`'s weight rows (u16, max-upscaled as stored).
fn weights(k: u64) -> Vec<Vec<(u16, u16)>> {
    let k = k as u16;
    vec![
        vec![(3, 65535), (4, 30000 + 5000 * k), (5, 10000)],
        vec![(3, 20000 + 9000 * k), (4, 65535), (5, 40000)],
        vec![(3, 65535 - 8000 * k), (4, 12000), (5, 65535)],
        Vec::new(),
        Vec::new(),
        Vec::new(),
    ]
}

/// A chain of `epochs` epochs from `first`: each next input carries the bonds, the stored
/// consensus and the step blocks the previous epoch left.
fn chain(name: &str, first: EpochInput, epochs: u64, out: &mut Vec<Value>) {
    let mut input = first;
    for k in 0..epochs {
        input.weights = weights(k);
        let output = run_epoch(&input).expect("epoch");
        out.push(
            json!({ "label": format!("{name} epoch {}", k + 1), "input": input, "output": output }),
        );
        input.bonds = output.bonds_out.clone();
        input.previous_consensus = Some(output.consensus_u16.clone());
        input.last_mechanism_step_block = input.current_block;
        if input.last_yuma_step_block.is_some() {
            input.last_yuma_step_block = Some(input.current_block);
        }
        input.current_block += input.tempo;
        input.last_update = vec![input.current_block - 1; 3]
            .into_iter()
            .chain([0; 3])
            .collect();
    }
}

fn generate() -> Value {
    let mut epochs = Vec::new();
    // Every mode over three epochs: from the second on, `previous` reads the stored consensus.
    chain(
        "current",
        base(65535, ConsensusMode::Current),
        3,
        &mut epochs,
    );
    chain(
        "previous",
        base(65535, ConsensusMode::Previous),
        3,
        &mut epochs,
    );
    // Auto: previous at the default penalty 65535, current at any other.
    chain(
        "auto, penalty 65535",
        base(65535, ConsensusMode::Auto),
        3,
        &mut epochs,
    );
    chain(
        "auto, penalty 32767",
        base(32767, ConsensusMode::Auto),
        3,
        &mut epochs,
    );
    // Previous with nothing stored (an empty stored vector): this epoch's consensus.
    let mut empty = base(65535, ConsensusMode::Previous);
    empty.previous_consensus = Some(Vec::new());
    chain("previous, nothing stored", empty, 2, &mut epochs);
    // The bonds cutoff from the last Yuma epoch: miner 4 re-registered at block 150, after the
    // last Yuma epoch (100) but before the last (Null) epoch (180): its bonds are dropped.
    let mut cutoff = base(65535, ConsensusMode::Auto);
    cutoff.current_block = 250;
    cutoff.last_mechanism_step_block = 180;
    cutoff.last_yuma_step_block = Some(100);
    cutoff.block_at_registration = vec![0, 0, 0, 0, 150, 0];
    cutoff.last_update = vec![249, 249, 249, 0, 0, 0];
    cutoff.bonds = vec![
        vec![(3, 30000), (4, 20000), (5, 9000)],
        vec![(3, 10000), (4, 40000), (5, 12000)],
        vec![(3, 25000), (4, 5000), (5, 30000)],
        Vec::new(),
        Vec::new(),
        Vec::new(),
    ];
    cutoff.previous_consensus = Some(vec![0, 0, 0, 30000, 20000, 15000]);
    chain(
        "bond cutoff from the last Yuma epoch",
        cutoff,
        2,
        &mut epochs,
    );
    json!({
        "id": "epoch_consensus_modes",
        "description": "Liquid-alpha consensus modes (runtime 446) and the LastYumaStepBlock bonds cutoff: chains built by zkyuma's native reference, cross-checked by tests/oracle/yuma_oracle.py",
        "epochs": epochs,
    })
}

#[test]
fn the_mode_vectors_are_reproduced_exactly() {
    let fresh = generate();
    let path = vectors_path();
    if std::env::var_os("ZKYUMA_REGENERATE_VECTORS").is_some() {
        let text = serde_json::to_string_pretty(&fresh).expect("json");
        std::fs::write(&path, text + "\n").expect("write vectors");
    }
    let text = std::fs::read_to_string(&path).expect("the committed vectors");
    let committed: Value = serde_json::from_str(&text).expect("json");
    let epochs = committed["epochs"].as_array().expect("epochs");
    assert_eq!(epochs.len(), 16);
    for e in epochs {
        let input: EpochInput = serde_json::from_value(e["input"].clone()).expect("input");
        let want: EpochOutput = serde_json::from_value(e["output"].clone()).expect("output");
        assert_eq!(run_epoch(&input).expect("epoch"), want, "{}", e["label"]);
    }
    assert_eq!(
        committed, fresh,
        "the committed vectors are the generator's"
    );
}

#[test]
fn the_modes_change_what_they_should() {
    let doc = generate();
    let epochs = doc["epochs"].as_array().expect("epochs");
    let out = |label: &str| -> EpochOutput {
        let e = epochs
            .iter()
            .find(|e| e["label"] == label)
            .unwrap_or_else(|| panic!("{label}"));
        serde_json::from_value(e["output"].clone()).expect("output")
    };
    // First epoch: nothing stored, every mode reads this epoch's consensus.
    assert_eq!(out("current epoch 1"), out("previous epoch 1"));
    assert_eq!(out("current epoch 1"), out("auto, penalty 65535 epoch 1"));
    // From the second epoch, previous (and auto at penalty 65535) moves the bonds and dividends.
    assert_ne!(
        out("current epoch 2").bonds_out,
        out("previous epoch 2").bonds_out
    );
    assert_eq!(out("previous epoch 2"), out("auto, penalty 65535 epoch 2"));
    assert_eq!(out("previous epoch 3"), out("auto, penalty 65535 epoch 3"));
    // An empty stored consensus is as none.
    assert_eq!(
        out("current epoch 1"),
        out("previous, nothing stored epoch 1")
    );
    // The cutoff: miner 4's bonds dropped (last Yuma step 100 < registration 150).
    let cutoff = out("bond cutoff from the last Yuma epoch epoch 1");
    let mut without = base(65535, ConsensusMode::Auto);
    without.current_block = 250;
    without.last_mechanism_step_block = 180;
    without.block_at_registration = vec![0, 0, 0, 0, 150, 0];
    without.last_update = vec![249, 249, 249, 0, 0, 0];
    without.weights = weights(0);
    without.bonds = epochs
        .iter()
        .find(|e| e["label"] == "bond cutoff from the last Yuma epoch epoch 1")
        .map(|e| serde_json::from_value(e["input"]["bonds"].clone()).expect("bonds"))
        .expect("epoch");
    without.previous_consensus = Some(vec![0, 0, 0, 30000, 20000, 15000]);
    // Without the Yuma step block the cutoff is the last (Null) step: miner 4 keeps its bonds.
    assert_ne!(
        run_epoch(&without).expect("epoch").bonds_out,
        cutoff.bonds_out
    );
}

#[test]
fn the_null_consensus_has_no_yuma_core_and_a_resized_stored_consensus_is_refused_by_name() {
    // The Null consensus is computed natively (tests/null_consensus.rs) but has no Yuma core,
    // which the epoch circuits read: that path refuses it by name.
    let mut null = base(65535, ConsensusMode::Auto);
    null.weights = weights(0);
    null.consensus_kind = EpochConsensus::Null;
    let out = run_epoch(&null).expect("the Null epoch");
    assert!(out.consensus_u16.iter().all(|c| *c == 0));
    assert_eq!(
        zkyuma_circuits::yuma::EpochCore::from_input(&null).err(),
        Some(EpochError::NullConsensus)
    );
    let mut resized = base(65535, ConsensusMode::Previous);
    resized.weights = weights(0);
    resized.previous_consensus = Some(vec![1, 2, 3]);
    assert!(matches!(
        run_epoch(&resized),
        Err(EpochError::Length {
            field: "previous_consensus",
            ..
        })
    ));
    // The JSON stays backward compatible: an old input without the new fields reads as
    // `current`, nothing stored, Yuma, no Yuma step block.
    let mut old: Value = serde_json::to_value(base(0, ConsensusMode::Current)).expect("json");
    for f in [
        "liquid_alpha_consensus_mode",
        "previous_consensus",
        "consensus_kind",
        "last_yuma_step_block",
    ] {
        old.as_object_mut().expect("object").remove(f);
    }
    let read: EpochInput = serde_json::from_value(old).expect("an old input reads");
    assert_eq!(read, base(0, ConsensusMode::Current));
}

#[test]
fn an_independent_oracle_agrees_on_every_vector() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("vectors"))
        .expect("vectors")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("epoch_") && n.ends_with(".json"))
        })
        .collect();
    files.sort();
    assert_eq!(
        files.len(),
        11,
        "the nine pinned files, the modes and the Null epochs"
    );
    let out = std::process::Command::new("python3")
        .arg("-B")
        .arg(dir.join("oracle/yuma_oracle.py"))
        .args(&files)
        .output()
        .expect("python3 runs the oracle");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the oracle disagrees:\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.lines().filter(|l| l.starts_with("ok ")).count(), 83);
}

#[test]
fn the_oracle_passes_its_selftest_from_the_runtimes_own_figures() {
    // The oracle's self-checks: the runtime tests' assertions and figures (Yuma and Null), and
    // mutations of the Null apportionment and tie-break that must fail them.
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oracle");
    let out = std::process::Command::new("python3")
        .arg("-B")
        .arg(dir.join("selftest.py"))
        .output()
        .expect("python3 runs the selftest");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("selftest: ok"),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
