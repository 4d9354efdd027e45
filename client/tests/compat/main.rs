//! The contract the published clients were built against stays kept: `openapi.json` may grow,
//! but nothing in it may change in a way that breaks a client of
//! `clients/openapi-<version>.json`, the spec of the clients' current version (both the Rust
//! and the TypeScript client are at that version).
//!
//! A breaking change is a new major version of the contract (for 0.x, a new minor): bump both
//! clients' versions, and replace the file with a copy of `openapi.json` under the new version.

mod diff;

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use diff::breaking_changes;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn current() -> Value {
    read(&root().join("openapi.json"))
}

/// The one `clients/openapi-<version>.json`, and its version.
fn released() -> (String, Value) {
    let dir = root().join("clients");
    let mut found: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name()?.to_str()?.to_owned();
            let version = name
                .strip_prefix("openapi-")?
                .strip_suffix(".json")?
                .to_owned();
            Some((version, path))
        })
        .collect();
    assert_eq!(
        found.len(),
        1,
        "clients/ holds one released contract, openapi-<version>.json: {found:?}"
    );
    let (version, path) = found.remove(0);
    (version, read(&path))
}

#[test]
fn openapi_json_keeps_every_promise_of_the_released_contract() {
    let (version, released) = released();
    let problems = breaking_changes(&released, &current());
    assert!(
        problems.is_empty(),
        "openapi.json breaks clients built against clients/openapi-{version}.json:\n  {}\n\
         Keep the contract, or release a new version of both clients (see client/tests/compat/main.rs).",
        problems.join("\n  ")
    );
}

#[test]
fn the_released_contract_is_the_clients_version() {
    let (version, _) = released();
    let cargo = std::fs::read_to_string(root().join("client/Cargo.toml")).unwrap();
    assert!(
        cargo.contains(&format!("\nversion = \"{version}\"\n")),
        "client/Cargo.toml is not at version {version}"
    );
    let package = read(&root().join("clients/typescript/package.json"));
    assert_eq!(
        package["version"],
        version.as_str(),
        "clients/typescript/package.json"
    );
}

// The checker itself, on edits of the real spec: each breaking kind is caught, and the
// changes a client tolerates are not reported.

fn edited(edit: impl FnOnce(&mut Value)) -> Vec<String> {
    let old = current();
    let mut new = old.clone();
    edit(&mut new);
    breaking_changes(&old, &new)
}

fn schema<'a>(spec: &'a mut Value, name: &str) -> &'a mut Value {
    &mut spec["components"]["schemas"][name]
}

fn assert_reports(problems: &[String], expected: &str) {
    assert!(
        problems.iter().any(|p| p.contains(expected)),
        "expected a problem containing {expected:?}, got {problems:#?}"
    );
}

#[test]
fn the_spec_is_compatible_with_itself() {
    assert_eq!(edited(|_| {}), Vec::<String>::new());
}

#[test]
fn a_removed_path_or_operation_is_breaking() {
    let problems = edited(|spec| {
        spec["paths"].as_object_mut().unwrap().remove("/v1/quotes");
    });
    assert_reports(&problems, "POST /v1/quotes: the operation was removed");

    let problems = edited(|spec| {
        spec["paths"]["/v1/orders/{id}/cancel"]
            .as_object_mut()
            .unwrap()
            .remove("post");
    });
    assert_reports(
        &problems,
        "POST /v1/orders/{id}/cancel: the operation was removed",
    );
}

#[test]
fn a_removed_or_renamed_response_field_is_breaking() {
    let problems = edited(|spec| {
        let order = schema(spec, "Order");
        let status = order["properties"]
            .as_object_mut()
            .unwrap()
            .remove("status")
            .unwrap();
        order["properties"]["state"] = status;
        for name in order["required"].as_array_mut().unwrap() {
            if name == "status" {
                *name = json!("state");
            }
        }
    });
    // Told once, where the order schema is first met (an event's payload, or an answer).
    assert_reports(&problems, ".status: the field was removed or renamed");
}

#[test]
fn a_removed_request_field_is_breaking_because_bodies_are_strict() {
    let problems = edited(|spec| {
        let input = schema(spec, "CreateOrder");
        input["properties"]
            .as_object_mut()
            .unwrap()
            .remove("external_ref");
    });
    assert_reports(
        &problems,
        "POST /v1/orders body.external_ref: the field was removed or renamed",
    );
}

#[test]
fn a_narrowed_request_type_is_breaking() {
    // A shorter maximum length.
    let problems = edited(|spec| {
        let max = schema(spec, "ExternalRef")["maxLength"].as_u64().unwrap();
        schema(spec, "ExternalRef")["maxLength"] = json!(max - 1);
    });
    assert_reports(&problems, "no longer accepts values above its `maxLength`");

    // An enum value gone.
    let problems = edited(|spec| {
        let values = schema(spec, "Direction")["enum"].as_array_mut().unwrap();
        values.retain(|v| v != "onramp");
    });
    assert_reports(&problems, "no longer accepts \"onramp\"");

    // Null no longer allowed.
    let problems = edited(|spec| {
        schema(spec, "CreateOrder")["properties"]["external_ref"] =
            json!({"$ref": "#/components/schemas/ExternalRef"});
    });
    assert_reports(
        &problems,
        "POST /v1/orders body.external_ref: no longer accepts null",
    );

    // A query parameter's bound tightened.
    let problems = edited(|spec| {
        for param in spec["paths"]["/v1/orders"]["get"]["parameters"]
            .as_array_mut()
            .unwrap()
        {
            if param["name"] == "limit" {
                param["schema"]["maximum"] = json!(50);
            }
        }
    });
    assert_reports(
        &problems,
        "GET /v1/orders parameter `limit`: no longer accepts values above its `maximum` 50",
    );
}

#[test]
fn a_widened_response_type_is_breaking() {
    // A status the clients' enums do not know.
    let problems = edited(|spec| {
        schema(spec, "Status")["enum"]
            .as_array_mut()
            .unwrap()
            .push(json!("on_hold"));
    });
    assert_reports(&problems, "may now answer \"on_hold\"");

    // A required field made optional.
    let problems = edited(|spec| {
        schema(spec, "Order")["required"]
            .as_array_mut()
            .unwrap()
            .retain(|name| name != "version");
    });
    assert_reports(&problems, ".version: may now be absent");

    // A number where a string was.
    let problems = edited(|spec| {
        schema(spec, "Order")["properties"]["version"] = json!({"type": "string"});
    });
    assert_reports(&problems, ".version: may now answer type `string`");
}

#[test]
fn new_required_inputs_are_breaking() {
    let problems = edited(|spec| {
        schema(spec, "CreateOrder")["required"]
            .as_array_mut()
            .unwrap()
            .push(json!("external_ref"));
    });
    assert_reports(
        &problems,
        "POST /v1/orders body.external_ref: a new required field",
    );

    let problems = edited(|spec| {
        spec["paths"]["/v1/orders"]["get"]["parameters"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "region", "in": "query", "required": true, "schema": {"type": "string"}}));
    });
    assert_reports(&problems, "GET /v1/orders: new required parameter `region`");
}

#[test]
fn additions_a_client_tolerates_are_not_reported() {
    let problems = edited(|spec| {
        // A new operation, a new optional request field, a new response field, a new error
        // code, and a looser bound on a parameter. (A looser bound on a type that answers
        // carry too, such as `ExternalRef`, is breaking: a client of the old contract checks
        // it when it reads.)
        spec["paths"]["/v1/ping"] = json!({"get": {"responses": {"200": {"description": "pong"}}}});
        schema(spec, "CreateOrder")["properties"]["memo"] = json!({"type": "string"});
        schema(spec, "Order")["properties"]["memo"] = json!({"type": ["string", "null"]});
        schema(spec, "ErrorCode")["enum"]
            .as_array_mut()
            .unwrap()
            .push(json!("teapot"));
        for param in spec["paths"]["/v1/orders"]["get"]["parameters"]
            .as_array_mut()
            .unwrap()
        {
            if param["name"] == "limit" {
                param["schema"]["maximum"] = json!(500);
            }
        }
    });
    assert_eq!(problems, Vec::<String>::new());
}

#[test]
fn a_removed_alternative_is_breaking() {
    let problems = edited(|spec| {
        schema(spec, "DepositInput")["oneOf"]
            .as_array_mut()
            .unwrap()
            .retain(|variant| variant["title"] != "bank");
    });
    assert_reports(
        &problems,
        "POST /v1/orders/{id}/accept body.deposit: alternative `bank` is no longer accepted",
    );
}
