//! Every answer the black-box suite gets through [`crate::helpers::TestApp::request`] is
//! checked against the committed `openapi.json`, with a JSON Schema 2020-12 validator (the
//! `jsonschema` crate, formats included): its status must be documented for its operation,
//! its content type must be one the operation lists for that status, and a JSON body must
//! validate against the documented schema. A request to no documented path (unknown paths,
//! 405s) must answer the error envelope, `ErrorBody`. And a JSON body the server took (a 2xx)
//! must be one the operation's request schema allows. A test whose server answers off the
//! contract fails, whatever it was testing.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use regex::Regex;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// The committed document and a validator per `(method, template, status)`, made on first use.
struct Contract {
    spec: Value,
    /// `(method, template, matcher, literal characters)`; the most literal match wins.
    operations: Vec<(String, String, Regex, usize)>,
    validators: Mutex<HashMap<String, Arc<jsonschema::Validator>>>,
}

fn contract() -> &'static Contract {
    static CONTRACT: OnceLock<Contract> = OnceLock::new();
    CONTRACT.get_or_init(|| {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
        let text = std::fs::read_to_string(&path).expect("openapi.json is committed");
        let spec: Value = serde_json::from_str(&text).expect("openapi.json is JSON");
        let mut operations = Vec::new();
        // `{name}` as `regex::escape` writes it.
        let parameter = Regex::new(r"\\\{[^}]+\\\}").unwrap();
        for (template, item) in spec["paths"].as_object().expect("paths") {
            let pattern = parameter
                .replace_all(&regex::escape(template), "[^/]+")
                .into_owned();
            let matcher = Regex::new(&format!("^{pattern}$")).expect("a path template");
            let literal = template.chars().count() - templated_chars(template);
            for method in item.as_object().expect("a path item").keys() {
                operations.push((method.clone(), template.clone(), matcher.clone(), literal));
            }
        }
        Contract {
            spec,
            operations,
            validators: Mutex::new(HashMap::new()),
        }
    })
}

/// Characters of `{…}` segments in a template, braces included: not literal.
fn templated_chars(template: &str) -> usize {
    let mut inside = false;
    let mut count = 0;
    for c in template.chars() {
        if c == '{' {
            inside = true;
        }
        if inside {
            count += 1;
        }
        if c == '}' {
            inside = false;
        }
    }
    count
}

/// Follows a local `$ref` (`#/components/...`).
fn resolve<'a>(spec: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let target = reference
                .strip_prefix('#')
                .and_then(|pointer| spec.pointer(pointer))
                .unwrap_or_else(|| panic!("{reference} does not resolve"));
            resolve(spec, target)
        }
        None => value,
    }
}

impl Contract {
    /// The documented template of `method path`, if any.
    fn template(&self, method: &Method, path: &str) -> Option<&str> {
        let method = method.as_str().to_ascii_lowercase();
        self.operations
            .iter()
            .filter(|(m, _, matcher, _)| *m == method && matcher.is_match(path))
            .max_by_key(|(_, _, _, literal)| *literal)
            .map(|(_, template, _, _)| template.as_str())
    }

    /// A validator for `schema`, a schema of the document (its `$ref`s resolve against it).
    fn validator(&self, key: &str, schema: &Value) -> Arc<jsonschema::Validator> {
        if let Some(validator) = self.validators.lock().unwrap().get(key) {
            return validator.clone();
        }
        let mut root = schema.clone();
        if let Some(object) = root.as_object_mut() {
            object.insert("components".into(), self.spec["components"].clone());
        } else {
            root = json!({"allOf": [schema], "components": self.spec["components"]});
        }
        let validator = jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&root)
            .unwrap_or_else(|e| panic!("the schema of {key} compiles: {e}"));
        let validator = Arc::new(validator);
        self.validators
            .lock()
            .unwrap()
            .insert(key.to_owned(), validator.clone());
        validator
    }

    /// What is off the contract in this answer; empty when it conforms.
    fn problems(
        &self,
        method: &Method,
        path: &str,
        status: StatusCode,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Vec<String> {
        let mut problems = Vec::new();
        let essence = content_type.map(|t| t.split(';').next().unwrap_or(t).trim().to_owned());
        let Some(template) = self.template(method, path) else {
            // No operation: an unknown path or a method the path does not have.
            if essence.as_deref() != Some("application/json") {
                problems.push(format!(
                    "content type {content_type:?}, not the JSON envelope"
                ));
                return problems;
            }
            let schema = json!({"$ref": "#/components/schemas/ErrorBody"});
            self.check_json("ErrorBody", &schema, body, &mut problems);
            return problems;
        };
        let operation = &self.spec["paths"][template][method.as_str().to_ascii_lowercase()];
        let responses = &operation["responses"];
        let documented = responses
            .get(status.as_str())
            .or_else(|| responses.get("default"));
        let Some(response) = documented else {
            problems.push(format!(
                "status {status} is not documented for {method} {template}"
            ));
            return problems;
        };
        let response = resolve(&self.spec, response);
        let Some(content) = response.get("content").and_then(Value::as_object) else {
            if !body.is_empty() {
                problems.push("a body where the spec documents none".into());
            }
            return problems;
        };
        let Some(essence) = essence else {
            if !body.is_empty() || !content.is_empty() {
                problems.push("no Content-Type".into());
            }
            return problems;
        };
        let media = content.iter().find_map(|(documented, media)| {
            let documented = documented.split(';').next().unwrap_or(documented).trim();
            (documented == essence).then_some(media)
        });
        let Some(media) = media else {
            problems.push(format!(
                "content type {essence} is not documented for {status} of {method} {template} \
                 (documented: {:?})",
                content.keys().collect::<Vec<_>>()
            ));
            return problems;
        };
        if essence == "application/json" {
            if let Some(schema) = media.get("schema") {
                let key = format!("{method} {template} {status}");
                self.check_json(&key, schema, body, &mut problems);
            }
        }
        problems
    }

    fn check_json(&self, key: &str, schema: &Value, body: &[u8], problems: &mut Vec<String>) {
        let value: Value = match serde_json::from_slice(body) {
            Ok(value) => value,
            Err(e) => {
                problems.push(format!("the body is not JSON: {e}"));
                return;
            }
        };
        let validator = self.validator(key, schema);
        for error in validator.iter_errors(&value) {
            problems.push(format!("at {}: {error}", error.instance_path()));
        }
    }
}

/// Panics, with what is off the contract, unless this answer conforms to the committed spec.
pub fn assert_conforms(
    method: &Method,
    path_and_query: &str,
    status: StatusCode,
    content_type: Option<&str>,
    body: &[u8],
) {
    let path = path_and_query.split('?').next().unwrap_or(path_and_query);
    let problems = contract().problems(method, path, status, content_type, body);
    assert!(
        problems.is_empty(),
        "{method} {path_and_query} answered {status} off the contract (openapi.json):\n  {}\nbody: {}",
        problems.join("\n  "),
        String::from_utf8_lossy(&body[..body.len().min(2000)])
    );
}

/// Panics unless a request the server took (a 2xx) is one its schema allows: a spec stricter
/// than the server would have a generated client refuse to send what works.
pub fn assert_accepted_request_conforms(method: &Method, path_and_query: &str, body: &Value) {
    let path = path_and_query.split('?').next().unwrap_or(path_and_query);
    let contract = contract();
    let Some(template) = contract.template(method, path) else {
        return;
    };
    let operation = &contract.spec["paths"][template][method.as_str().to_ascii_lowercase()];
    let Some(schema) = operation
        .pointer("/requestBody/content/application~1json/schema")
        .cloned()
    else {
        return;
    };
    let key = format!("request of {method} {template}");
    let validator = contract.validator(&key, &schema);
    let problems: Vec<String> = validator
        .iter_errors(body)
        .map(|error| format!("at {}: {error}", error.instance_path()))
        .collect();
    assert!(
        problems.is_empty(),
        "{method} {path_and_query} took a body its schema refuses (openapi.json):\n  {}\nbody: {body}",
        problems.join("\n  ")
    );
}

/// The check itself: answers off the contract are caught, conforming ones pass.
#[test]
fn the_contract_check_catches_what_is_off_the_contract() {
    let problems = |method: Method, path: &str, status: u16, kind: &str, body: Value| {
        contract().problems(
            &method,
            path,
            StatusCode::from_u16(status).unwrap(),
            Some(kind),
            body.to_string().as_bytes(),
        )
    };
    let user = json!({
        "user_ref": "u-1", "email": null, "phone": null, "name": null, "birth_date": null,
        "country": "NG", "document": null, "bank_account": null,
        "created_at": "2026-11-22T10:15:30.123Z", "updated_at": "2026-11-22T10:15:30.123Z"
    });
    let json = "application/json";
    assert_eq!(
        problems(Method::GET, "/v1/users/u-1", 200, json, user.clone()),
        Vec::<String>::new()
    );
    let mut extra = user.clone();
    extra["secret"] = json!("x");
    let mut missing = user.clone();
    missing.as_object_mut().unwrap().remove("user_ref");
    let mut wrong = user.clone();
    wrong["created_at"] = json!("yesterday");
    for body in [extra, missing, wrong] {
        assert!(
            !problems(Method::GET, "/v1/users/u-1", 200, json, body.clone()).is_empty(),
            "{body}"
        );
    }
    assert!(!problems(
        Method::GET,
        "/v1/users/u-1",
        200,
        "text/plain",
        user.clone()
    )
    .is_empty());
    assert!(!problems(Method::GET, "/v1/users/u-1", 418, json, user).is_empty());
    let envelope =
        json!({"error": {"code": "not_found", "message": "no such path", "details": null}});
    assert!(problems(Method::GET, "/nowhere", 404, json, envelope.clone()).is_empty());
    assert!(!problems(Method::GET, "/nowhere", 404, json, json!({"error": "gone"})).is_empty());
    // A concrete path finds its template.
    assert_eq!(
        contract().template(&Method::GET, "/v1/orders/123/user"),
        Some("/v1/orders/{id}/user")
    );
}

/// The committed schema of `pointer` (under `#/components/schemas/`) takes `text` exactly
/// when `server` does.
fn agrees(pointer: &str, cases: &[&str], server: impl Fn(&str) -> bool) {
    let schema = json!({ "$ref": format!("#/components/schemas/{pointer}") });
    let validator = contract().validator(pointer, &schema);
    for text in cases {
        let value = Value::String((*text).to_owned());
        assert_eq!(
            validator.is_valid(&value),
            server(text),
            "{pointer} and the server disagree on {value}"
        );
    }
}

/// Patterns say what the parsers accept: a client generated from the spec sends nothing the
/// server refuses for its form, and the spec refuses what the server refuses.
#[test]
fn the_patterns_agree_with_the_server() {
    use rampflow_actors::model::{Address, Amount, Reason, UserRef};
    let long = "1".repeat(16);
    let places_18 = format!("0.{}1", "0".repeat(17));
    let places_19 = format!("0.{}1", "0".repeat(18));
    let amounts = [
        "0",
        "0.00",
        "0.5",
        "00.5",
        "01",
        "1",
        "10.00",
        "1.",
        ".5",
        "-1",
        "+1",
        "1e5",
        " 1",
        "999999999999999",
        "1000000000000000",
        &long,
        &places_18,
        &places_19,
        "0.000",
        "1.000000000000000000",
        "1.0000000000000000000",
    ];
    agrees("Amount", &amounts, |t| Amount::parse(t).is_ok());
    agrees("Rate", &amounts, |t| Amount::parse(t).is_ok());
    let texts = [
        "u-42",
        "a b",
        " u",
        "u ",
        "",
        "a\u{7}",
        "a\u{85}b",
        "\u{a0}x",
        "x\u{3000}",
        "a\tb",
        "ünïcödé",
        "a\u{feff}",
        &"x".repeat(128),
        &"x".repeat(129),
    ];
    agrees("UserRef", &texts, |t| UserRef::parse(t).is_ok());
    agrees("Reason", &texts, |t| Reason::parse(t).is_ok());
    agrees("Address", &texts, |t| Address::parse(t).is_ok());
    // A document number (1 to 64 characters): KYC texts follow the same rule.
    let short = &texts[..texts.len() - 2];
    agrees("IdentityDocument/properties/number", short, |t| {
        rampflow::kyc::Text::<64>::parse(t).is_ok()
    });
    let emails = [
        "ada@example.com",
        "a@b.c",
        "@b.c",
        "a@.bc",
        "a@bc.",
        "a@bc",
        "a@b@c.d",
        "a b@c.d",
        "a@b.c ",
        &format!("{}@b.c", "a".repeat(64)),
        &format!("{}@b.c", "a".repeat(65)),
        "a@b..c",
    ];
    agrees("Email", &emails, |t| rampflow::kyc::Email::parse(t).is_ok());
    let names = [
        "Acme",
        " Acme ",
        "\tAcme\n",
        "",
        "   ",
        "a\u{1}",
        "a b",
        &"a".repeat(128),
        &"a".repeat(129),
        &format!(" {} ", "a".repeat(128)),
    ];
    // `POST /v1/admin/wallets` trims the name, then wants 1 to 128 characters, none a control.
    agrees("CreateParty/properties/name", &names, |t| {
        let trimmed = t.trim();
        !trimmed.is_empty()
            && trimmed.chars().count() <= 128
            && !trimmed.chars().any(char::is_control)
    });
}

/// The bodies that take one of two sets of fields say which in their schema (`oneOf`).
#[test]
fn the_either_or_bodies_say_so() {
    let valid = |name: &str, body: Value| {
        let schema = json!({ "$ref": format!("#/components/schemas/{name}") });
        contract().validator(name, &schema).is_valid(&body)
    };
    let terms = json!({
        "direction": "offramp", "partner_id": "01936f0b-2d3e-7f4a-9b5c-6d7e8f9a0b1c",
        "user_ref": "u-42", "crypto": {"asset": "USDC", "network": "solana", "amount": "10.00"},
        "fiat": {"currency": "NGN", "amount": "15000.00"},
        "user_wallet_address": "F2etcaJ1", "payment_method": "bank_transfer"
    });
    let quote = json!({
        "quote_id": "01936f11-4a5b-7c6d-8e9f-0a1b2c3d4e5f", "user_ref": "u-42",
        "user_wallet_address": "F2etcaJ1", "payment_method": "bank_transfer"
    });
    assert!(valid("CreateOrder", terms.clone()));
    assert!(valid("CreateOrder", quote.clone()));
    let mut both = terms.clone();
    both["quote_id"] = quote["quote_id"].clone();
    assert!(!valid("CreateOrder", both));
    let mut no_fiat = terms.clone();
    no_fiat.as_object_mut().unwrap().remove("fiat");
    assert!(!valid("CreateOrder", no_fiat));
    let mut null_direction = terms;
    null_direction["direction"] = Value::Null;
    assert!(!valid("CreateOrder", null_direction));

    let ask = json!({"direction": "onramp", "crypto": {"asset": "USDC", "network": "solana"}, "fiat_currency": "NGN"});
    let with = |extra: Value| {
        let mut body = ask.clone();
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    assert!(valid("QuoteRequest", with(json!({"fiat_amount": "100"}))));
    assert!(valid(
        "QuoteRequest",
        with(json!({"crypto_amount": "1", "fiat_amount": null}))
    ));
    assert!(!valid(
        "QuoteRequest",
        with(json!({"fiat_amount": "100", "crypto_amount": "1"}))
    ));
    assert!(!valid("QuoteRequest", ask.clone()));

    let bank = json!({"name": "GTBank", "account": "0123456789", "reference": "RF-1"});
    assert!(valid(
        "DepositInput",
        json!({"address": "Dep1", "tag": {"type": "memo", "value": "7"}})
    ));
    assert!(valid("DepositInput", json!({"bank": bank})));
    assert!(!valid(
        "DepositInput",
        json!({"address": "Dep1", "bank": bank})
    ));
    assert!(!valid(
        "DepositInput",
        json!({"bank": bank, "tag": {"type": "memo", "value": "7"}})
    ));
    assert!(!valid("DepositInput", json!({})));
}
