//! Pinned artifacts: the committed `params/` of the small demo circuits are exactly what the
//! deterministic demo setup produces (verifying key bytes, constraint / variable / input counts,
//! checksums). Set ZKYUMA_REGENERATE_PARAMS=1 to rewrite them (and say so in the commit).
use std::path::Path;
use zkyuma_circuits::epoch::{BondsRule, EpochShape};
use zkyuma_circuits::score::{ScoreShape, WeightsMode};
use zkyuma_circuits::scoring::Mse;
use zkyuma_prover::keys::{KeyPaths, Keys, SetupKind};
use zkyuma_prover::score::{params_name, setup_score};

const DEMO_SEED: &str = "zkyuma-insecure-demo-setup";

fn check(name: &str, keys: Keys, public_inputs: usize) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("params");
    let scratch = tempfile::tempdir().expect("tempdir");
    let paths = KeyPaths::new(&root, scratch.path(), name);
    if std::env::var_os("ZKYUMA_REGENERATE_PARAMS").is_some() {
        paths.save(&keys).expect("save");
    }
    let pinned = paths
        .load_description()
        .expect("pinned circuit.json (checked against checksums.b3)");
    assert_eq!(pinned.circuit_id, keys.description.circuit_id, "{name}");
    assert_eq!(
        pinned.constraints, keys.description.constraints,
        "{name}: constraint count drifted"
    );
    assert_eq!(
        pinned.witness_variables, keys.description.witness_variables,
        "{name}"
    );
    assert_eq!(pinned.public_inputs, public_inputs, "{name}");
    assert_eq!(
        pinned.vk_blake3, keys.description.vk_blake3,
        "{name}: verifying key drifted"
    );
    assert_eq!(
        pinned.pk_blake3, keys.description.pk_blake3,
        "{name}: proving key drifted"
    );
    assert_eq!(
        pinned.rows_blake3, keys.description.rows_blake3,
        "{name}: constraint rows drifted"
    );
    assert_eq!(
        paths.load_vk_bytes().expect("vk.bin"),
        keys.vk_bytes(),
        "{name}"
    );
}

/// Every score circuit whose keys `params/` holds: the 4 × 4 test circuit and the demo's 12 × 16.
#[test]
fn demo_score_params_are_pinned() {
    for (miners, samples, depth) in [(4, 4, 3), (12, 16, 7)] {
        let shape = ScoreShape {
            miners,
            samples,
            depth,
            mode: WeightsMode::Hidden,
        };
        let keys = setup_score(
            Mse::DEFAULT,
            shape,
            SetupKind::InsecureDeterministic {
                seed: DEMO_SEED.into(),
            },
        )
        .expect("setup");
        check(&params_name(&Mse::DEFAULT, &shape), keys, 6);
    }
}

/// Every epoch circuit whose keys `params/` holds: 2 × 4, the demo's 4 × 12, and 4 × 16.
#[test]
fn demo_epoch_params_are_pinned() {
    for (validators, uids) in [(2, 4), (4, 12), (4, 16)] {
        let shape = EpochShape {
            validators,
            uids,
            bonds: BondsRule::Yuma3,
        };
        let keys = zkyuma_prover::epoch::setup_epoch(
            shape,
            SetupKind::InsecureDeterministic {
                seed: DEMO_SEED.into(),
            },
        )
        .expect("setup");
        check(&zkyuma_prover::epoch::params_name(&shape), keys, 1);
    }
}
