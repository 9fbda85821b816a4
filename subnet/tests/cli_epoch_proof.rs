//! `zkyuma setup/prove/verify epoch` end to end in a scratch directory: a valid epoch proof
//! verifies; a changed result in the statement is refused; missing keys say what to run.
mod common;
use common::{fails, ok, zkyuma};

#[test]
fn epoch_proof_from_the_command_line() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    ok(&zkyuma(
        d,
        &[
            "example",
            "epoch-round",
            "--shape",
            "2x4",
            "--out",
            "round.json",
        ],
    ));
    let err = fails(&zkyuma(
        d,
        &["prove", "epoch", "--input", "round.json", "--out", "e.bin"],
    ));
    assert!(
        err.contains("run `zkyuma setup epoch --shape 2x4 --bonds yuma3`"),
        "{err}"
    );
    ok(&zkyuma(d, &["setup", "epoch", "--shape", "2x4"]));
    ok(&zkyuma(
        d,
        &["prove", "epoch", "--input", "round.json", "--out", "e.bin"],
    ));
    let valid = ok(&zkyuma(
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
    assert!(valid.starts_with("valid"), "{valid}");

    let text = std::fs::read_to_string(d.join("e.bin.statement.json")).expect("statement");
    let mut st: serde_json::Value = serde_json::from_str(&text).expect("json");
    let bumped = st["emission"][1].as_u64().expect("emission") + 1;
    st["emission"][1] = serde_json::json!(bumped);
    std::fs::write(d.join("other.json"), st.to_string()).expect("write");
    let err = fails(&zkyuma(
        d,
        &[
            "verify",
            "epoch",
            "--proof",
            "e.bin",
            "--statement",
            "other.json",
        ],
    ));
    assert!(err.contains("the proof does not verify"), "{err}");

    let err = fails(&zkyuma(d, &["setup", "epoch", "--shape", "9x4"]));
    assert!(err.contains("validators <= uids"), "{err}");
}
