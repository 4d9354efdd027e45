//! The TypeScript client (`clients/typescript`) in `cargo test --workspace`: its generated
//! types must match the committed `openapi.json`, it must type-check against them (so a spec
//! change that breaks it fails here), and its own tests (Node's test runner) must pass against
//! a real server started here.
//!
//! They need Node.js 20+ and the package's dependencies: `npm ci` in `clients/typescript`
//! (`.ci/run` does it). Without them these tests fail and say so; set
//! `RAMPFLOW_SKIP_TYPESCRIPT=1` to skip them knowingly (they then print that they did).

use std::path::PathBuf;
use std::process::{Command, Output};

use crate::server::{Server, ADMIN_TOKEN};

/// `clients/typescript`, once Node and its `node_modules` are there; `None` when skipped.
fn package() -> Option<PathBuf> {
    if std::env::var_os("RAMPFLOW_SKIP_TYPESCRIPT").is_some() {
        eprintln!("SKIPPED: the TypeScript client's checks (RAMPFLOW_SKIP_TYPESCRIPT is set)");
        return None;
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../clients/typescript");
    match Command::new("node").arg("--version").output() {
        Ok(out) if out.status.success() => {}
        _ => panic!(
            "Node.js 20+ is needed to test the TypeScript client (clients/typescript): install \
             it, or set RAMPFLOW_SKIP_TYPESCRIPT=1 to skip these tests"
        ),
    }
    assert!(
        dir.join("node_modules/.bin").is_dir(),
        "clients/typescript has no node_modules: run `npm ci` in clients/typescript (as .ci/run \
         does), or set RAMPFLOW_SKIP_TYPESCRIPT=1 to skip these tests"
    );
    Some(dir)
}

fn node(dir: &PathBuf, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new("node");
    command.current_dir(dir).args(args);
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("node runs")
}

fn assert_success(what: &str, out: Output) {
    assert!(
        out.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_typescript_types_match_openapi_json_and_the_client_type_checks() {
    let Some(dir) = package() else { return };
    assert_success(
        "the freshness check of src/schema.d.ts (fix: `npm run generate` in clients/typescript)",
        node(&dir, &["scripts/generate.mjs", "--check"], &[]),
    );
    assert_success(
        "tsc --noEmit (the TypeScript client against the generated types)",
        node(
            &dir,
            &["node_modules/typescript/bin/tsc", "--noEmit", "-p", "."],
            &[],
        ),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_typescript_client_passes_its_tests_against_the_real_server() {
    let Some(dir) = package() else { return };
    let server = Server::start().await;
    let mut tests: Vec<String> = std::fs::read_dir(dir.join("test"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| format!("test/{}", e.file_name().to_string_lossy()))
        .filter(|name| name.ends_with(".test.ts"))
        .collect();
    tests.sort();
    let mut args = vec!["--import", "tsx", "--test"];
    args.extend(tests.iter().map(String::as_str));
    let env = [
        ("RAMPFLOW_URL", server.address.as_str()),
        ("RAMPFLOW_ADMIN_TOKEN", ADMIN_TOKEN),
    ];
    // Blocking is fine: the server runs on a thread of its own.
    let out = node(&dir, &args, &env);
    // Node's report (shown with --nocapture): how many tests ran.
    eprintln!("{}", String::from_utf8_lossy(&out.stdout));
    assert_success("node --test (clients/typescript)", out);
}
