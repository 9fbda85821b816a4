//! The soak at a small shape (2 validators × 6 uids, 4 epochs: one of each fault), every role a
//! separate `zkyuma serve` process: a miner killed and restarted, a validator killed before its
//! proof was saved, the chain killed between the two submissions and restarted from its store,
//! a hostile peer's oversized, malformed and replayed messages, and a slow miner throughout.
//! Every epoch must be paid once and audit, with nothing lost or duplicated. The README's
//! figures come from `zkyuma soak` at 16 × 64 for 20 epochs.

use std::path::Path;
use std::time::Duration;
use zkyuma_subnet::soak::{run_soak, FaultKind, SoakOptions};

#[test]
fn four_epochs_with_every_fault() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let opts = SoakOptions {
        validators: 2,
        miners: 4,
        samples: 4,
        depth: 3,
        per_hospital: 8,
        epochs: 4,
        out: tmp.path().to_path_buf(),
        exe: Path::new(env!("CARGO_BIN_EXE_zkyuma")).to_path_buf(),
        limit: Duration::from_secs(900),
    };
    let report = run_soak(&opts).expect("the soak runs");
    let table = report.render();
    println!("{table}");
    assert!(report.passed(), "{table}");
    // No role died of a fault it was not the target of (the chain's restart included): the
    // supervisor restarted nothing.
    assert!(report.restarts.is_empty(), "{table}");
    assert_eq!(report.epochs.len(), 4);
    for e in &report.epochs {
        assert_eq!(e.accepted, 2, "epoch {}: {table}", e.epoch);
        assert!(e.commitments > 0 && e.commitments <= 8, "{table}");
    }
    // Every fault was injected (none missed its epoch), in turn.
    let kinds: Vec<FaultKind> = report.faults.iter().map(|f| f.kind).collect();
    assert_eq!(
        kinds,
        [
            FaultKind::MinerRestart,
            FaultKind::ValidatorKilledMidProof,
            FaultKind::ChainKilledBetweenSubmissions,
            FaultKind::HostilePeer
        ],
        "{table}"
    );
    assert!(
        report
            .faults
            .iter()
            .all(|f| !f.detail.starts_with("not injected")),
        "{table}"
    );
    let hostile = &report.faults[3].detail;
    assert!(hostile.contains("replayed score: refused"), "{hostile}");
    assert!(
        hostile.contains("chain answering afterwards: true"),
        "{hostile}"
    );
    // The report is on disk for other tools.
    let json: serde_json::Value = serde_json::from_slice(
        &std::fs::read(tmp.path().join("soak-report.json")).expect("the report"),
    )
    .expect("JSON");
    assert_eq!(json["epochs"].as_array().map(Vec::len), Some(4));
}
