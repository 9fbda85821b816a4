//! `zkyuma epoch run` as a user runs it: the real binary on files and stdin, and bad input
//! rejected with a clear message naming the field and a non-zero exit.
use std::io::Write;
use std::process::{Command, Output, Stdio};

fn zkyuma(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zkyuma"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn zkyuma");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(text.as_bytes())
            .expect("write stdin");
    } else {
        drop(child.stdin.take());
    }
    child.wait_with_output().expect("zkyuma runs")
}

fn example() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/epoch-input.json"
    ))
    .expect("example input")
}

fn expected() -> serde_json::Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/epoch-output.json"
    ))
    .expect("expected output");
    serde_json::from_str(&text).expect("json")
}

#[test]
fn example_file_gives_the_chain_output() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/epoch-input.json");
    let out = zkyuma(&["epoch", "run", path], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json on stdout");
    assert_eq!(got, expected());
}

#[test]
fn stdin_is_read_for_dash() {
    let out = zkyuma(&["epoch", "run", "-"], Some(&example()));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json on stdout");
    assert_eq!(got, expected());
}

fn rejected(input: &str) -> String {
    let out = zkyuma(&["epoch", "run", "-"], Some(input));
    assert!(!out.status.success(), "bad input must fail");
    assert!(out.stdout.is_empty(), "nothing on stdout for bad input");
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!err.contains("panicked"), "no panic: {err}");
    err
}

#[test]
fn malformed_input_names_the_field() {
    let mut doc: serde_json::Value = serde_json::from_str(&example()).expect("json");
    doc["weights"][1][0][1] = serde_json::json!(70000);
    let err = rejected(&doc.to_string());
    assert!(err.contains("weights[1][0]"), "{err}");

    let mut doc: serde_json::Value = serde_json::from_str(&example()).expect("json");
    doc.as_object_mut().expect("object").remove("kappa");
    assert!(rejected(&doc.to_string()).contains("kappa"));

    let mut doc: serde_json::Value = serde_json::from_str(&example()).expect("json");
    doc["stake"].as_array_mut().expect("stake").pop();
    let err = rejected(&doc.to_string());
    assert!(
        err.contains("`stake` has 4 entries, expected n = 5"),
        "{err}"
    );

    assert!(rejected("{ not json").contains("epoch input"));
    assert!(rejected("").contains("epoch input"));
}

#[test]
fn missing_file_is_reported() {
    let out = zkyuma(&["epoch", "run", "/nonexistent/epoch.json"], None);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read /nonexistent/epoch.json"));
}
