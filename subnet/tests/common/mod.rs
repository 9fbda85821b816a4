//! Running the real `zkyuma` binary in a scratch directory, for the command-line and process
//! tests (each test uses some of these).
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// Run `zkyuma ARGS` in `dir`.
pub fn zkyuma(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zkyuma"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("zkyuma runs")
}

/// Assert success and return standard output.
pub fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// Assert a non-zero exit without a panic and return standard error.
pub fn fails(out: &Output) -> String {
    assert!(
        !out.status.success(),
        "must fail: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!err.contains("panicked"), "no panic: {err}");
    err
}

/// Write a role's JSON configuration (for the process tests).
pub fn write_role_config(path: &Path, value: &serde_json::Value) -> std::path::PathBuf {
    zkyuma_subnet::demo::processes::write_config(path, value).expect("config")
}

/// Start `zkyuma serve <role> --config <file>`; for a serving role, with its address.
pub fn start_role(
    role: &str,
    config: &Path,
    serving: bool,
) -> (zkyuma_subnet::demo::processes::RoleProcess, Option<String>) {
    let exe = Path::new(env!("CARGO_BIN_EXE_zkyuma"));
    let (p, addr) =
        zkyuma_subnet::demo::processes::RoleProcess::start(exe, role, role, config, serving)
            .expect("start");
    (p, addr.map(|a| a.to_string()))
}
