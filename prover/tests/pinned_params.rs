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

/// The demo's halo2-ipa keys (`zkyuma demo --proof-system halo2-ipa`): IPA needs no setup, so
/// the keys are a function of the circuit alone, and the pinned `vk.bin` is what anyone
/// regenerates (the demo and every prover refuse any other: `Halo2KeyMismatch`).
#[test]
fn demo_halo2_ipa_params_are_pinned() {
    use zkyuma_circuits::statement::ProofSystem;
    use zkyuma_prover::halo2::{params_name as halo2_name, Halo2Keys, Halo2Setup, DEMO_LIMB_BITS};
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("params");
    let check = |name: &str, keys: Halo2Keys, id: &str| {
        let paths = KeyPaths::new(&root, &root, name);
        let description = keys.describe(id, 0.0);
        if std::env::var_os("ZKYUMA_REGENERATE_PARAMS").is_some() {
            keys.save(&paths, &description).expect("save");
        }
        let pinned = zkyuma_prover::halo2::load_description(&paths).expect("pinned circuit.json");
        assert_eq!(
            (
                pinned.circuit_id.as_str(),
                pinned.k,
                pinned.rows,
                pinned.limb_bits
            ),
            (id, description.k, description.rows, DEMO_LIMB_BITS),
            "{name}"
        );
        assert_eq!(pinned.vk_hash, description.vk_hash, "{name}: key drifted");
        assert_eq!(
            paths.load_vk_bytes().expect("vk.bin"),
            keys.verifying_key().to_bytes(),
            "{name}"
        );
    };
    let score_shape = ScoreShape {
        miners: 12,
        samples: 16,
        depth: 7,
        mode: WeightsMode::Hidden,
    };
    let blank = zkyuma_circuits::score::halo2::ScoreHalo2 {
        limb_bits: DEMO_LIMB_BITS,
        ..zkyuma_circuits::score::halo2::ScoreHalo2::blank(Mse::DEFAULT, score_shape)
    };
    let keys = Halo2Keys::generate(&Halo2Setup::Ipa, &blank, 6).expect("keys");
    check(
        &halo2_name(
            &params_name(&Mse::DEFAULT, &score_shape),
            ProofSystem::Halo2Ipa,
        ),
        keys,
        &zkyuma_circuits::score::circuit_id("mse-a16", &score_shape),
    );
    let epoch_shape = EpochShape {
        validators: 4,
        uids: 12,
        bonds: BondsRule::Yuma3,
    };
    let blank = zkyuma_circuits::epoch::halo2::EpochHalo2 {
        limb_bits: DEMO_LIMB_BITS,
        ..zkyuma_circuits::epoch::halo2::EpochHalo2::blank(epoch_shape)
    };
    let keys = Halo2Keys::generate(&Halo2Setup::Ipa, &blank, 1).expect("keys");
    check(
        &halo2_name(
            &zkyuma_prover::epoch::params_name(&epoch_shape),
            ProofSystem::Halo2Ipa,
        ),
        keys,
        &zkyuma_circuits::epoch::circuit_id(&epoch_shape),
    );
}
