//! Secrets at rest in a cluster: every node opens what another sealed, and a node started with
//! another master key refuses to join, before it serves anything.

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::{node_env, TestCluster, CLUSTER_MASTER_KEY};
use crate::helpers::Fixture;
use crate::recovery::ADMIN;
use crate::secrets::refused_start;

/// Another 32 bytes in base64.
const OTHER_KEY: &str = "b3RoZXItY2x1c3Rlci1tYXN0ZXIta2V5LTMyLWJ5dGU=";

#[tokio::test]
async fn every_node_opens_what_another_sealed_and_a_node_with_another_key_is_refused() {
    assert_ne!(OTHER_KEY, CLUSTER_MASTER_KEY);
    let cluster = TestCluster::start(2, &[]).await;
    let fixture = cluster.fixture().await;
    let user = json!({"email": "sealed.in.a.cluster@example.com", "document": {"type": "passport", "number": "CL-1", "country": "NG"}});
    for (writer, reader) in [(0, 1), (1, 0)] {
        let mut data = user.clone();
        data["name"] = json!({"first": format!("Node{writer}")});
        let (status, _) = cluster
            .node(writer)
            .call(
                Method::PUT,
                "/v1/users/u-cl",
                &fixture.wallet.key,
                Some(&data),
            )
            .await
            .unwrap();
        assert!(status.is_success(), "{status}");
        let (status, read) = cluster
            .node(reader)
            .call(Method::GET, "/v1/users/u-cl", &fixture.wallet.key, None)
            .await
            .unwrap();
        assert_eq!(status, StatusCode::OK, "{read}");
        assert_eq!(read["name"]["first"], format!("Node{writer}"));
        assert_eq!(read["document"]["number"], "CL-1");
    }

    let dir = tempfile::tempdir().unwrap();
    let mut env: Vec<(String, String)> = node_env(&[("RAMPFLOW_MASTER_KEY", OTHER_KEY)]);
    env.push(("RAMPFLOW_ADMIN_TOKEN".into(), ADMIN.into()));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let stderr = refused_start(dir.path(), &cluster.url(), &env).await;
    assert!(stderr.contains("wrong master key"), "{stderr}");
    // It never joined: the cluster still has its two nodes, and both serve.
    let ops = cluster.ops(0).await;
    let alive = ops["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["alive"] == true)
        .count();
    assert_eq!(alive, 2, "{ops}");
    for index in 0..2 {
        let (status, _) = cluster
            .node(index)
            .call(Method::GET, "/v1/users/u-cl", &fixture.wallet.key, None)
            .await
            .unwrap();
        assert_eq!(status, StatusCode::OK);
    }
}

/// Every running node serves the fixture's user.
async fn read_everywhere(cluster: &TestCluster, fixture: &Fixture) {
    for index in cluster.up() {
        let (status, user) = cluster
            .node(index)
            .call(
                Method::GET,
                &format!("/v1/users/{}", fixture.user_ref),
                &fixture.wallet.key,
                None,
            )
            .await
            .unwrap();
        assert_eq!(status, StatusCode::OK, "node {index}: {user}");
    }
}

/// `rampflow keys <command>` (the built binary) on the cluster's database with `master_key`.
fn keys(cluster: &TestCluster, command: &str, master_key: &str) -> std::process::Output {
    let mut keys = std::process::Command::new(env!("CARGO_BIN_EXE_rampflow"));
    for (key, _) in std::env::vars() {
        if key.starts_with("RAMPFLOW_") {
            keys.env_remove(key);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    keys.args(["keys", command])
        .env("RAMPFLOW_DATABASE_URL", cluster.url())
        .env("RAMPFLOW_DATA_DIR", dir.path())
        .env("RAMPFLOW_MASTER_KEY", master_key)
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("rampflow keys runs")
}

/// The rotation of a key given in `RAMPFLOW_MASTER_KEY`, as the README says: every node
/// restarted in turn with `NEW,OLD`, `rampflow keys rotate`, then `NEW` alone. The cluster
/// serves the users' data throughout.
#[tokio::test]
async fn a_master_key_in_the_environment_rotates_with_a_rolling_restart() {
    let mut cluster = TestCluster::start(2, &[]).await;
    let fixture = cluster.fixture().await;
    // One key in the setting: the command says what to do instead of rotating.
    let refused = keys(&cluster, "rotate", CLUSTER_MASTER_KEY);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("NEW,OLD"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );

    let both = format!("{OTHER_KEY},{CLUSTER_MASTER_KEY}");
    cluster.env = node_env(&[("RAMPFLOW_MASTER_KEY", &both)]);
    for index in 0..2 {
        cluster.terminate(index).await;
        read_everywhere(&cluster, &fixture).await;
        cluster.restart(index).await;
        read_everywhere(&cluster, &fixture).await;
    }
    // A user written now gets a data key under the new master key already.
    let (status, _) = cluster
        .node(1)
        .call(
            Method::PUT,
            "/v1/users/u-new",
            &fixture.wallet.key,
            Some(&json!({"country": "GH"})),
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::CREATED);

    let rotated = keys(&cluster, "rotate", &both);
    let stdout = String::from_utf8_lossy(&rotated.stdout);
    assert!(
        rotated.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&rotated.stderr)
    );
    assert!(stdout.contains("rotation complete"), "{stdout}");
    let status = keys(&cluster, "status", OTHER_KEY);
    let stdout = String::from_utf8_lossy(&status.stdout);
    assert!(stdout.contains("rotation: complete"), "{stdout}");

    // The old key goes; everything reads back under the new one alone.
    cluster.env = node_env(&[("RAMPFLOW_MASTER_KEY", OTHER_KEY)]);
    for index in 0..2 {
        cluster.terminate(index).await;
        cluster.restart(index).await;
    }
    read_everywhere(&cluster, &fixture).await;
    let (status, _) = cluster
        .node(0)
        .call(Method::GET, "/v1/users/u-new", &fixture.wallet.key, None)
        .await
        .unwrap();
    assert_eq!(status, StatusCode::OK);
}
