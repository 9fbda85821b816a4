//! The Python package (`subnet/python`): its abi3 wheel is built with maturin, installed into the
//! pinned tooling's virtual environment, and its pytest suite run — commitments, trees, score
//! proofs from numpy arrays, verification, the native epoch, audits with their typed exceptions,
//! and the example validator loop against a local subnet.
//!
//! The environment is `.ci/python/venv`, made from `.ci/python/requirements.txt` (maturin, pytest,
//! numpy from PyPI) on first use, so the README's test command needs nothing done by hand beyond
//! a Python 3.9+ with `venv` being present; `ZKYUMA_PYTHON` names another interpreter that has
//! those packages.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn run(what: &str, cmd: &mut Command) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The interpreter of the package tests, its tooling installed.
fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("ZKYUMA_PYTHON") {
        return PathBuf::from(p);
    }
    let dir = workspace().join(".ci/python");
    let python = dir.join("venv/bin/python");
    let ready = Command::new(&python)
        .args(["-c", "import maturin, pytest, numpy"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ready {
        run(
            "python3 -m venv .ci/python/venv",
            Command::new("python3")
                .args(["-m", "venv"])
                .arg(dir.join("venv")),
        );
        run(
            "pip install -r .ci/python/requirements.txt",
            Command::new(&python)
                .args(["-m", "pip", "install", "--quiet", "-r"])
                .arg(dir.join("requirements.txt")),
        );
    }
    python
}

fn wheel_in(dir: &Path) -> PathBuf {
    let wheels: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("wheel directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "whl"))
        .collect();
    assert_eq!(wheels.len(), 1, "one wheel expected: {wheels:?}");
    wheels[0].clone()
}

#[test]
fn the_python_package_builds_as_an_abi3_wheel_and_passes_its_tests() {
    let python = python();
    let root = workspace();
    let out = tempfile::tempdir().expect("wheel directory");
    // The dev profile shares the workspace's compiled dependencies (those are optimised).
    let mut maturin = Command::new(&python);
    maturin
        .args([
            "-m",
            "maturin",
            "build",
            "--profile",
            "dev",
            "--locked",
            "-m",
        ])
        .arg(root.join("subnet/python/Cargo.toml"))
        .arg("--out")
        .arg(out.path())
        .env("CARGO_TARGET_DIR", root.join("target"));
    run("maturin build", &mut maturin);
    let wheel = wheel_in(out.path());
    let name = wheel
        .file_name()
        .expect("name")
        .to_string_lossy()
        .to_string();
    assert!(name.contains("-cp39-abi3-"), "not an abi3 wheel: {name}");
    run(
        "pip install the wheel",
        Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--force-reinstall",
                "--no-deps",
            ])
            .arg(&wheel),
    );
    run(
        "pytest subnet/python/tests",
        Command::new(&python)
            .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"])
            .current_dir(root.join("subnet/python")),
    );
}
