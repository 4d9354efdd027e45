//! The committed Grafana dashboard only queries metric families the server really exports,
//! so it opens with data rather than empty panels.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::helpers::{accept_body, spawn_app};

#[tokio::test]
async fn every_family_the_dashboard_queries_is_exported() {
    let dashboard: Value =
        serde_json::from_str(include_str!("../../config/grafana/rampflow-dashboard.json"))
            .expect("the dashboard is JSON");
    assert!(dashboard["panels"]
        .as_array()
        .is_some_and(|p| !p.is_empty()));
    let names = regex::Regex::new(r"rampflow_[a-z_]+").unwrap();
    let mut queried = BTreeSet::new();
    for panel in dashboard["panels"].as_array().unwrap() {
        if panel["type"] == "row" {
            continue; // a heading over the panels below it
        }
        for target in panel["targets"].as_array().unwrap() {
            let expr = target["expr"].as_str().expect("every target has a query");
            for name in names.find_iter(expr) {
                let family = name
                    .as_str()
                    .trim_end_matches("_bucket")
                    .trim_end_matches("_sum")
                    .trim_end_matches("_count");
                queried.insert(family.to_owned());
            }
        }
    }
    assert!(
        queried.len() >= 15,
        "the dashboard covers the families: {queried:?}"
    );

    // Families labelled by command or transition appear with their first sample: run one.
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let order = app.new_order(&fixture, "offramp").await;
    let accepted = app
        .command(
            &fixture.partner.key,
            order["id"].as_str().unwrap(),
            "accept",
            &accept_body("offramp"),
        )
        .await;
    assert!(accepted.status().is_success());
    let text = app
        .client
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for family in &queried {
        assert!(
            text.contains(&format!("# TYPE {family} ")),
            "the dashboard queries {family}, which /metrics does not export"
        );
    }
}
