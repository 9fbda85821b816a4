//! `zkyuma setup/prove/verify score` as a user runs them, in a scratch directory: a valid proof
//! verifies (in zkyuma and in snarkjs, which also proves the round with zkyuma's key); a changed statement, a flipped proof byte, missing keys and bad arguments each fail
//! with a clear message and a non-zero exit.
mod common;
use common::{fails, ok, zkyuma};

#[test]
fn setup_prove_verify_and_rejections() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    ok(&zkyuma(
        d,
        &[
            "example",
            "score-round",
            "--shape",
            "3x2",
            "--depth",
            "2",
            "--out",
            "round.json",
        ],
    ));

    // Proving before setup says what to run.
    let err = fails(&zkyuma(
        d,
        &["prove", "score", "--input", "round.json", "--out", "p.bin"],
    ));
    assert!(
        err.contains("run `zkyuma setup score --shape 3x2 --depth 2"),
        "{err}"
    );

    let setup = ok(&zkyuma(
        d,
        &["setup", "score", "--shape", "3x2", "--depth", "2"],
    ));
    assert!(setup.contains("\"constraints\""), "{setup}");
    ok(&zkyuma(
        d,
        &[
            "prove",
            "score",
            "--input",
            "round.json",
            "--out",
            "p.bin",
            "--snarkjs",
            "sj",
        ],
    ));
    assert_eq!(std::fs::read(d.join("p.bin")).expect("proof").len(), 128);
    let valid = ok(&zkyuma(
        d,
        &[
            "verify",
            "score",
            "--proof",
            "p.bin",
            "--statement",
            "p.bin.statement.json",
        ],
    ));
    assert!(valid.starts_with("valid"), "{valid}");

    // The same proof as snarkjs's files: snarkjs itself accepts it.
    let exported = ok(&zkyuma(
        d,
        &[
            "export",
            "snarkjs",
            "--proof",
            "p.bin",
            "--statement",
            "p.bin.statement.json",
            "--out",
            "snarkjs",
        ],
    ));
    assert!(exported.contains("snarkjs groth16 verify"), "{exported}");
    let snarkjs = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../.ci/snarkjs/node_modules/.bin/snarkjs");
    if !snarkjs.exists() {
        let status = std::process::Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--prefix"])
            .arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../.ci/snarkjs"))
            .status();
        assert!(
            matches!(status, Ok(s) if s.success()),
            "npm ci .ci/snarkjs: {status:?}"
        );
    }
    let out = std::process::Command::new(&snarkjs)
        .args([
            "groth16",
            "verify",
            "verification_key.json",
            "public.json",
            "proof.json",
        ])
        .current_dir(d.join("snarkjs"))
        .output()
        .expect("snarkjs runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.contains("OK!"), "{text}");

    // snarkjs proves the same round with zkyuma's key and witness (`--snarkjs sj`): the same
    // public signals, and the proof verifies against zkyuma's verifying key.
    let out = std::process::Command::new(&snarkjs)
        .args([
            "groth16",
            "prove",
            "../sj/circuit.zkey",
            "../sj/witness.wtns",
            "theirs.json",
            "their_public.json",
        ])
        .current_dir(d.join("snarkjs"))
        .output()
        .expect("snarkjs runs");
    assert!(
        out.status.success(),
        "snarkjs groth16 prove: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let signals = |f: &str| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(d.join("snarkjs").join(f)).expect("read"))
            .expect("json")
    };
    assert_eq!(signals("their_public.json"), signals("public.json"));
    let out = std::process::Command::new(&snarkjs)
        .args([
            "groth16",
            "verify",
            "verification_key.json",
            "their_public.json",
            "theirs.json",
        ])
        .current_dir(d.join("snarkjs"))
        .output()
        .expect("snarkjs runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.contains("OK!"), "{text}");

    // Another statement.
    let text = std::fs::read_to_string(d.join("p.bin.statement.json")).expect("statement");
    let mut st: serde_json::Value = serde_json::from_str(&text).expect("json");
    st["epoch"] = serde_json::json!(st["epoch"].as_u64().expect("epoch") + 1);
    std::fs::write(d.join("other.json"), st.to_string()).expect("write");
    let err = fails(&zkyuma(
        d,
        &[
            "verify",
            "score",
            "--proof",
            "p.bin",
            "--statement",
            "other.json",
        ],
    ));
    assert!(err.contains("the proof does not verify"), "{err}");

    // A malformed statement names the field.
    st["miner_commitments"][0] = serde_json::json!("0x12");
    std::fs::write(d.join("bad.json"), st.to_string()).expect("write");
    let err = fails(&zkyuma(
        d,
        &[
            "verify",
            "score",
            "--proof",
            "p.bin",
            "--statement",
            "bad.json",
        ],
    ));
    assert!(err.contains("miner_commitments[0]"), "{err}");

    // A flipped proof byte.
    let mut proof = std::fs::read(d.join("p.bin")).expect("proof");
    proof[70] ^= 0x40;
    std::fs::write(d.join("flipped.bin"), &proof).expect("write");
    let err = fails(&zkyuma(
        d,
        &[
            "verify",
            "score",
            "--proof",
            "flipped.bin",
            "--statement",
            "p.bin.statement.json",
        ],
    ));
    assert!(err.contains("verification failed"), "{err}");

    // A truncated proof.
    std::fs::write(d.join("short.bin"), &proof[..100]).expect("write");
    let err = fails(&zkyuma(
        d,
        &[
            "verify",
            "score",
            "--proof",
            "short.bin",
            "--statement",
            "p.bin.statement.json",
        ],
    ));
    assert!(err.contains("proof: 100 bytes, expected 128"), "{err}");

    // Bad arguments.
    let err = fails(&zkyuma(d, &["setup", "score", "--shape", "3by2"]));
    assert!(err.contains("expected <MINERS>x<SAMPLES>"), "{err}");
    let err = fails(&zkyuma(
        d,
        &["setup", "score", "--shape", "3x2", "--scoring", "median"],
    ));
    assert!(err.contains("--scoring median"), "{err}");
}
