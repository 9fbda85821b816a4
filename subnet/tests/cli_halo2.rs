//! `zkyuma setup/prove/verify score --proof-system halo2-ipa | halo2-kzg` as a user runs them, in
//! a scratch directory: keys without a per-circuit setup (IPA) or from a powers-of-tau file
//! (KZG), a proof that verifies under its own system and not under the other's key or with a
//! changed statement, keys regenerated and checked against `vk.bin` before proving, and clear
//! errors for a missing `--ptau` or missing keys.
mod common;
use common::{fails, ok, zkyuma};

fn round(d: &std::path::Path) {
    ok(&zkyuma(
        d,
        &[
            "example",
            "score-round",
            "--shape",
            "2x2",
            "--depth",
            "2",
            "--out",
            "round.json",
        ],
    ));
}

fn setup(d: &std::path::Path, system: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "setup",
        "score",
        "--shape",
        "2x2",
        "--depth",
        "2",
        "--limb-bits",
        "8",
        "--proof-system",
        system,
    ];
    args.extend_from_slice(extra);
    ok(&zkyuma(d, &args))
}

fn prove(d: &std::path::Path, system: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "prove",
        "score",
        "--input",
        "round.json",
        "--out",
        "p.bin",
        "--proof-system",
        system,
    ];
    args.extend_from_slice(extra);
    zkyuma(d, &args)
}

fn verify(d: &std::path::Path, system: &str, statement: &str) -> std::process::Output {
    zkyuma(
        d,
        &[
            "verify",
            "score",
            "--proof",
            "p.bin",
            "--statement",
            statement,
            "--proof-system",
            system,
        ],
    )
}

#[test]
fn halo2_ipa_from_the_command_line() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    round(d);
    let err = fails(&prove(d, "halo2-ipa", &[]));
    assert!(
        err.contains("run `zkyuma setup score --proof-system halo2-ipa"),
        "{err}"
    );
    let out = setup(d, "halo2-ipa", &[]);
    assert!(out.contains("\"system\": \"halo2-ipa\""), "{out}");
    assert!(d
        .join("params/score-mse-a16-2x2-d2-hidden.halo2-ipa/vk.bin")
        .exists());
    ok(&prove(d, "halo2-ipa", &[]));
    let valid = ok(&verify(d, "halo2-ipa", "p.bin.statement.json"));
    assert!(valid.starts_with("valid: halo2-ipa score proof"), "{valid}");

    // Another epoch in the statement: refused.
    let text = std::fs::read_to_string(d.join("p.bin.statement.json")).expect("statement");
    let changed = text.replacen("\"epoch\": ", "\"epoch\": 1", 1);
    assert_ne!(changed, text);
    std::fs::write(d.join("changed.json"), changed).expect("write");
    let err = fails(&verify(d, "halo2-ipa", "changed.json"));
    assert!(
        err.contains("the proof does not verify") || err.contains("vk_hash"),
        "{err}"
    );
    // Verified as a Groth16 proof: the Groth16 key is missing, or the bytes are no Groth16
    // proof — never valid.
    fails(&verify(d, "groth16", "p.bin.statement.json"));

    // A key directory whose vk.bin is from another circuit: the prover refuses to use it.
    let dir = d.join("params/score-mse-a16-2x2-d2-hidden.halo2-ipa");
    let sums = std::fs::read_to_string(dir.join("checksums.b3")).expect("sums");
    let mut vk = std::fs::read(dir.join("vk.bin")).expect("vk");
    let last = vk.len() - 1;
    vk[last] ^= 1;
    std::fs::write(dir.join("vk.bin"), &vk).expect("write");
    let err = fails(&prove(d, "halo2-ipa", &[]));
    assert!(err.contains("blake3") || err.contains("checksum"), "{err}");
    let _ = sums;
}

#[test]
fn halo2_kzg_needs_a_ptau_and_verifies_without_one() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    round(d);
    let err = fails(&zkyuma(
        d,
        &[
            "setup",
            "score",
            "--shape",
            "2x2",
            "--depth",
            "2",
            "--limb-bits",
            "8",
            "--proof-system",
            "halo2-kzg",
        ],
    ));
    assert!(err.contains("needs --ptau"), "{err}");
    let ptau =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../prover/tests/fixtures/pot8.ptau");
    let too_small = fails(&zkyuma(
        d,
        &[
            "setup",
            "score",
            "--shape",
            "2x2",
            "--depth",
            "2",
            "--limb-bits",
            "8",
            "--proof-system",
            "halo2-kzg",
            "--ptau",
            ptau.to_str().expect("path"),
        ],
    ));
    assert!(too_small.contains("powers-of-tau"), "{too_small}");
    let err = fails(&zkyuma(
        d,
        &[
            "setup",
            "score",
            "--shape",
            "2x2",
            "--proof-system",
            "plonky3",
        ],
    ));
    assert!(err.contains("unknown proof system"), "{err}");

    // A file with powers enough (written from known secrets: a test, not a setup).
    let ptau = d.join("pot12.ptau");
    zkyuma_prover::ceremony::ptau::write_insecure(
        &ptau,
        12,
        ark_bn254::Fr::from(11u64),
        ark_bn254::Fr::from(12u64),
        ark_bn254::Fr::from(13u64),
    )
    .expect("ptau");
    let ptau = ptau.to_str().expect("path");
    let out = setup(d, "halo2-kzg", &["--ptau", ptau]);
    assert!(out.contains("\"system\": \"halo2-kzg\""), "{out}");
    let err = fails(&prove(d, "halo2-kzg", &[]));
    assert!(err.contains("needs --ptau"), "{err}");
    ok(&prove(d, "halo2-kzg", &["--ptau", ptau]));
    // The verifier needs no ptau: the key carries its three setup points.
    let valid = ok(&verify(d, "halo2-kzg", "p.bin.statement.json"));
    assert!(valid.starts_with("valid: halo2-kzg score proof"), "{valid}");
    // Another setup file: the regenerated keys are not the ones in params/.
    let other = d.join("other.ptau");
    zkyuma_prover::ceremony::ptau::write_insecure(
        &other,
        12,
        ark_bn254::Fr::from(21u64),
        ark_bn254::Fr::from(12u64),
        ark_bn254::Fr::from(13u64),
    )
    .expect("ptau");
    let err = fails(&prove(
        d,
        "halo2-kzg",
        &["--ptau", other.to_str().expect("path")],
    ));
    assert!(err.contains("vk.bin"), "{err}");
}

/// `zkyuma setup/prove/verify epoch --proof-system ...` on a 2×4 epoch of a bonds rule.
fn epoch_cli(d: &std::path::Path, system: &str, bonds: &str, extra: &[&str]) {
    ok(&zkyuma(
        d,
        &[
            "example",
            "epoch-round",
            "--shape",
            "2x4",
            "--bonds",
            bonds,
            "--out",
            "epoch.json",
        ],
    ));
    let run = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend_from_slice(&["--proof-system", system]);
        all.extend_from_slice(extra);
        zkyuma(d, &all)
    };
    let err = fails(&run(&[
        "prove",
        "epoch",
        "--input",
        "epoch.json",
        "--out",
        "e.bin",
    ]));
    assert!(
        err.contains(&format!("run `zkyuma setup epoch --proof-system {system}")),
        "{err}"
    );
    let out = ok(&run(&[
        "setup",
        "epoch",
        "--shape",
        "2x4",
        "--bonds",
        bonds,
        "--limb-bits",
        "8",
    ]));
    assert!(out.contains(&format!("\"system\": \"{system}\"")), "{out}");
    ok(&run(&[
        "prove",
        "epoch",
        "--input",
        "epoch.json",
        "--out",
        "e.bin",
    ]));
    let verify = |statement: &str| {
        zkyuma(
            d,
            &[
                "verify",
                "epoch",
                "--proof",
                "e.bin",
                "--statement",
                statement,
                "--proof-system",
                system,
            ],
        )
    };
    let valid = ok(&verify("e.bin.statement.json"));
    assert!(
        valid.starts_with(&format!("valid: {system} epoch proof")),
        "{valid}"
    );
    // Another emission in the statement: refused.
    let text = std::fs::read_to_string(d.join("e.bin.statement.json")).expect("statement");
    let mut doc: serde_json::Value = serde_json::from_str(&text).expect("json");
    let e = doc["emission"][0].as_u64().expect("emission");
    doc["emission"][0] = serde_json::json!(e + 1);
    std::fs::write(d.join("changed.json"), doc.to_string()).expect("write");
    let err = fails(&verify("changed.json"));
    assert!(err.contains("the proof does not verify"), "{err}");
    // Not a Groth16 proof, whatever keys there are.
    fails(&zkyuma(
        d,
        &[
            "verify",
            "epoch",
            "--proof",
            "e.bin",
            "--statement",
            "e.bin.statement.json",
        ],
    ));
}

#[test]
fn halo2_epoch_proofs_from_the_command_line() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // Every bonds rule's chips use the same gates and lookups; liquid alpha's extra chips are
    // checked against the R1CS circuit in `circuits/tests/halo2_epoch.rs`.
    epoch_cli(tmp.path(), "halo2-ipa", "yuma3", &[]);
    let tmp = tempfile::tempdir().expect("tempdir");
    let ptau = tmp.path().join("pot13.ptau");
    zkyuma_prover::ceremony::ptau::write_insecure(
        &ptau,
        13,
        ark_bn254::Fr::from(11u64),
        ark_bn254::Fr::from(12u64),
        ark_bn254::Fr::from(13u64),
    )
    .expect("ptau");
    epoch_cli(
        tmp.path(),
        "halo2-kzg",
        "original",
        &["--ptau", ptau.to_str().expect("path")],
    );
}
