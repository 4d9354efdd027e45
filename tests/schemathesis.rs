//! Schema fuzzing: schemathesis against the server's own `/openapi.json`, as the operator, a
//! wallet and a partner, with every check (`.ci/fuzz.py` says which check is left out where,
//! and why). It runs when `SCHEMATHESIS_BIN` names schemathesis's `st`, as `.ci/run`
//! does after installing the pinned version; elsewhere it says so and passes.
//!
//! The server and schemathesis run inside a network namespace of their own with only loopback
//! (`unshare -n`) where the machine allows one, so that no URL schemathesis makes up is ever
//! called; without one, webhook endpoints are not registered.

use std::path::PathBuf;
use std::process::Command;

/// Whether this process may make a network namespace and bring its loopback up.
fn can_isolate() -> bool {
    Command::new("unshare")
        .args(["-n", "sh", "-c", "ip link set lo up"])
        .output()
        .is_ok_and(|output| output.status.success())
}

#[test]
fn schemathesis_finds_no_failure_as_operator_wallet_and_partner() {
    let st = match std::env::var("SCHEMATHESIS_BIN") {
        Ok(path) if !path.is_empty() => path,
        _ => {
            eprintln!(
                "skipped: set SCHEMATHESIS_BIN to schemathesis's `st` to fuzz (.ci/run does)"
            );
            return;
        }
    };
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".ci/fuzz.py");
    let script = script.to_str().expect("a UTF-8 path");
    let binary = env!("CARGO_BIN_EXE_rampflow");
    let mut fuzz = vec!["python3", script, "--binary", binary, "--st", &st];
    let mut command = if can_isolate() {
        fuzz.push("--isolated");
        let mut command = Command::new("unshare");
        command
            .args(["-n", "sh", "-c", "ip link set lo up && exec \"$@\"", "fuzz"])
            .args(&fuzz);
        command
    } else {
        eprintln!("no network namespace here: webhook endpoints are not fuzzed");
        let mut command = Command::new(fuzz[0]);
        command.args(&fuzz[1..]);
        command
    };
    let output = command.output().expect("python3 runs");
    let text = String::from_utf8_lossy(&output.stdout);
    let errors = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "schemathesis found failures:\n{text}\n{errors}"
    );
    // The summary of each role's run.
    for line in text
        .lines()
        .filter(|l| l.starts_with("== ") || l.contains("passed"))
    {
        eprintln!("{line}");
    }
}
