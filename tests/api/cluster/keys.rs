//! Secrets at rest in a cluster: every node opens what another sealed, and a node started with
//! another master key refuses to join, before it serves anything.

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::{node_env, TestCluster, CLUSTER_MASTER_KEY};
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
