//! Breaking changes between two OpenAPI 3.1 documents, as a client built against the older one
//! sees them. What a client sends must still be accepted (the server refuses unknown fields,
//! so a request field may not go either), and what it reads must still read: a removed
//! operation, a removed or renamed field, a narrowed request type, a new required input, or a
//! response that can now hold what the client's types cannot.
//!
//! Compared: operations, their parameters, JSON request bodies and 2xx JSON answers, through
//! `$ref`, `allOf`, `oneOf` and nullability; and per schema its types, enums, string
//! patterns, formats and lengths, numeric bounds, array items and object properties. Not
//! compared (no schema in this spec narrows through them): `not` and `propertyNames`.

use std::collections::{BTreeSet, HashSet};

use serde_json::{Map, Value};

/// Which side of the wire a schema is on: what the client sends, or what it reads.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Side {
    Request,
    Response,
}

/// Enums whose values a client must not assume complete: both clients keep an unknown
/// value (`ApiError::raw_code` in Rust, `string` in TypeScript), so adding one breaks nothing.
const OPEN_ENUMS: &[&str] = &["ErrorCode"];

const METHODS: &[&str] = &["get", "put", "post", "delete", "patch", "head", "options"];

/// Every change from `old` to `new` that breaks a client of `old`, one line each.
pub fn breaking_changes(old: &Value, new: &Value) -> Vec<String> {
    let mut diff = Diff {
        old,
        new,
        problems: Vec::new(),
        seen: HashSet::new(),
    };
    let empty = Map::new();
    let old_paths = old["paths"].as_object().unwrap_or(&empty);
    let new_paths = new["paths"].as_object().unwrap_or(&empty);
    for (path, old_item) in old_paths {
        for method in METHODS {
            let Some(old_op) = old_item.get(*method) else {
                continue;
            };
            let at = format!("{} {path}", method.to_uppercase());
            match new_paths.get(path).and_then(|item| item.get(*method)) {
                None => diff
                    .problems
                    .push(format!("{at}: the operation was removed")),
                Some(new_op) => diff.operation(&at, old_op, new_op),
            }
        }
    }
    diff.problems
}

struct Diff<'a> {
    old: &'a Value,
    new: &'a Value,
    problems: Vec<String>,
    /// Named schemas already compared: recursive schemas end, and a change in a shared one
    /// (`Amount`, say) is told once, where it is first met.
    seen: HashSet<(String, String, Side)>,
}

/// A schema with `$ref`, `allOf` and nullability taken apart.
struct Shape {
    schema: Map<String, Value>,
    /// The component it came from, if any.
    name: Option<String>,
    nullable: bool,
}

impl<'a> Diff<'a> {
    fn operation(&mut self, at: &str, old: &Value, new: &Value) {
        self.parameters(at, old, new);
        self.request_body(at, old, new);
        let empty = Map::new();
        let new_answers = new["responses"].as_object().unwrap_or(&empty);
        for (status, old_answer) in old["responses"].as_object().unwrap_or(&empty) {
            if !status.starts_with('2') {
                continue;
            }
            let Some(new_answer) = new_answers.get(status) else {
                self.problems
                    .push(format!("{at}: no longer answers {status}"));
                continue;
            };
            let old_json = &old_answer["content"]["application/json"]["schema"];
            let new_json = &new_answer["content"]["application/json"]["schema"];
            match (old_json.is_null(), new_json.is_null()) {
                (true, _) => {}
                (false, true) => self
                    .problems
                    .push(format!("{at}: its {status} answer is no longer JSON")),
                (false, false) => self.compare(
                    &format!("{at} answer {status}"),
                    old_json,
                    new_json,
                    Side::Response,
                ),
            }
        }
    }

    fn parameters(&mut self, at: &str, old: &Value, new: &Value) {
        let key = |p: &Value| (p["name"].as_str().map(str::to_owned), p["in"].clone());
        let old_params: Vec<&Value> = list(&old["parameters"]);
        let new_params: Vec<&Value> = list(&new["parameters"]);
        for old_param in &old_params {
            let name = old_param["name"].as_str().unwrap_or("?");
            match new_params.iter().find(|p| key(p) == key(old_param)) {
                None => self.problems.push(format!(
                    "{at}: parameter `{name}` was removed (a client that sends it is refused)"
                )),
                Some(new_param) => {
                    if is_true(&new_param["required"]) && !is_true(&old_param["required"]) {
                        self.problems
                            .push(format!("{at}: parameter `{name}` became required"));
                    }
                    self.compare(
                        &format!("{at} parameter `{name}`"),
                        &old_param["schema"],
                        &new_param["schema"],
                        Side::Request,
                    );
                }
            }
        }
        for new_param in &new_params {
            let known = old_params.iter().any(|p| key(p) == key(new_param));
            if !known && is_true(&new_param["required"]) {
                let name = new_param["name"].as_str().unwrap_or("?");
                self.problems
                    .push(format!("{at}: new required parameter `{name}`"));
            }
        }
    }

    fn request_body(&mut self, at: &str, old: &Value, new: &Value) {
        let old_body = &old["requestBody"];
        let new_body = &new["requestBody"];
        if old_body.is_null() {
            if is_true(&new_body["required"]) {
                self.problems
                    .push(format!("{at}: now requires a request body"));
            }
            return;
        }
        let old_json = &old_body["content"]["application/json"]["schema"];
        let new_json = &new_body["content"]["application/json"]["schema"];
        if old_json.is_null() {
            return;
        }
        if new_json.is_null() {
            self.problems
                .push(format!("{at}: no longer takes a JSON body"));
            return;
        }
        if is_true(&new_body["required"]) && !is_true(&old_body["required"]) {
            self.problems
                .push(format!("{at}: the request body became required"));
        }
        self.compare(&format!("{at} body"), old_json, new_json, Side::Request);
    }

    /// Compares one schema of `old` with its counterpart in `new`, on `side` of the wire.
    fn compare(&mut self, at: &str, old: &Value, new: &Value, side: Side) {
        let old_shape = shape(self.old, old);
        let new_shape = shape(self.new, new);
        // What the server accepts (requests) or what the client expects (responses) is the
        // wider side; the other must fit inside it.
        let (narrow, wide) = match side {
            Side::Request => (&old_shape, &new_shape),
            Side::Response => (&new_shape, &old_shape),
        };
        let what = match side {
            Side::Request => "no longer accepts",
            Side::Response => "may now answer",
        };
        // Nullability belongs to the place a schema is used, so it is checked at every one.
        if narrow.nullable && !wide.nullable {
            self.problems.push(format!("{at}: {what} null"));
        }
        if let (Some(old_name), Some(new_name)) = (&old_shape.name, &new_shape.name) {
            if !self.seen.insert((old_name.clone(), new_name.clone(), side)) {
                return;
            }
        }
        self.types(at, what, narrow, wide);
        self.enums(at, what, narrow, wide, side);
        self.constraints(at, what, narrow, wide);
        self.objects(at, &old_shape, &new_shape, side);
        self.variants(at, &old_shape, &new_shape, side);
        if let (Some(old_items), Some(new_items)) =
            (old_shape.schema.get("items"), new_shape.schema.get("items"))
        {
            self.compare(&format!("{at}[]"), old_items, new_items, side);
        }
    }

    fn types(&mut self, at: &str, what: &str, narrow: &Shape, wide: &Shape) {
        let wide_types = types(&wide.schema);
        if wide_types.is_empty() {
            return; // any type
        }
        let narrow_types = types(&narrow.schema);
        if narrow_types.is_empty() {
            self.problems
                .push(format!("{at}: {what} values of any type"));
            return;
        }
        for ty in narrow_types {
            let fits =
                wide_types.contains(&ty) || (ty == "integer" && wide_types.contains("number"));
            if !fits {
                self.problems.push(format!("{at}: {what} type `{ty}`"));
            }
        }
    }

    fn enums(&mut self, at: &str, what: &str, narrow: &Shape, wide: &Shape, side: Side) {
        let Some(wide_values) = wide.schema.get("enum").and_then(Value::as_array) else {
            return;
        };
        let open = |shape: &Shape| {
            shape
                .name
                .as_deref()
                .is_some_and(|name| OPEN_ENUMS.contains(&name))
        };
        if side == Side::Response && open(wide) {
            return;
        }
        match narrow.schema.get("enum").and_then(Value::as_array) {
            None => self
                .problems
                .push(format!("{at}: {what} values outside its enum")),
            Some(narrow_values) => {
                for value in narrow_values {
                    if !wide_values.contains(value) {
                        self.problems.push(format!("{at}: {what} {value}"));
                    }
                }
            }
        }
    }

    /// String, number and array bounds: the wide side's must hold every narrow value.
    fn constraints(&mut self, at: &str, what: &str, narrow: &Shape, wide: &Shape) {
        for key in ["pattern", "format", "const"] {
            if let Some(wide_value) = wide.schema.get(key) {
                if narrow.schema.get(key) != Some(wide_value) {
                    self.problems.push(format!(
                        "{at}: {what} values outside its `{key}` {wide_value}"
                    ));
                }
            }
        }
        let number = |shape: &Shape, key: &str| shape.schema.get(key).and_then(Value::as_f64);
        for key in [
            "maxLength",
            "maximum",
            "exclusiveMaximum",
            "maxItems",
            "maxProperties",
        ] {
            if let Some(limit) = number(wide, key) {
                if number(narrow, key).is_none_or(|n| n > limit) {
                    self.problems
                        .push(format!("{at}: {what} values above its `{key}` {limit}"));
                }
            }
        }
        for key in [
            "minLength",
            "minimum",
            "exclusiveMinimum",
            "minItems",
            "minProperties",
        ] {
            if let Some(limit) = number(wide, key) {
                if number(narrow, key).is_none_or(|n| n < limit) {
                    self.problems
                        .push(format!("{at}: {what} values below its `{key}` {limit}"));
                }
            }
        }
    }

    fn objects(&mut self, at: &str, old: &Shape, new: &Shape, side: Side) {
        let empty = Map::new();
        let old_props = old.schema.get("properties").and_then(Value::as_object);
        let new_props = new.schema.get("properties").and_then(Value::as_object);
        let old_required = required(&old.schema);
        let new_required = required(&new.schema);
        for (name, old_prop) in old_props.unwrap_or(&empty) {
            let field = format!("{at}.{name}");
            match new_props.and_then(|props| props.get(name)) {
                None => self.problems.push(match side {
                    Side::Request => format!(
                        "{field}: the field was removed or renamed (the server refuses unknown fields)"
                    ),
                    Side::Response => format!("{field}: the field was removed or renamed"),
                }),
                Some(new_prop) => {
                    if side == Side::Response
                        && old_required.contains(name.as_str())
                        && !new_required.contains(name.as_str())
                    {
                        self.problems
                            .push(format!("{field}: may now be absent"));
                    }
                    self.compare(&field, old_prop, new_prop, side);
                }
            }
        }
        if side == Side::Request {
            for name in new_required.difference(&old_required) {
                self.problems
                    .push(format!("{at}.{name}: a new required field"));
            }
        }
        let old_map = old
            .schema
            .get("additionalProperties")
            .filter(|v| v.is_object());
        let new_map = new
            .schema
            .get("additionalProperties")
            .filter(|v| v.is_object());
        if let (Some(old_map), Some(new_map)) = (old_map, new_map) {
            self.compare(&format!("{at}{{*}}"), old_map, new_map, side);
        }
    }

    /// `oneOf`: each alternative of the narrow side must fit one of the wide side's.
    fn variants(&mut self, at: &str, old: &Shape, new: &Shape, side: Side) {
        let old_variants = alternatives(&old.schema);
        let new_variants = alternatives(&new.schema);
        if old_variants.is_empty() && new_variants.is_empty() {
            return;
        }
        let (narrow, wide) = match side {
            Side::Request => (&old_variants, &new_variants),
            Side::Response => (&new_variants, &old_variants),
        };
        if wide.is_empty() {
            return; // the narrow side only adds alternatives within the same base schema
        }
        let narrow_all: Vec<Value> = if narrow.is_empty() {
            vec![Value::Object(Map::new())]
        } else {
            narrow.clone()
        };
        for (index, variant) in narrow_all.iter().enumerate() {
            let fits = wide.iter().any(|candidate| {
                let (old_v, new_v) = match side {
                    Side::Request => (variant, candidate),
                    Side::Response => (candidate, variant),
                };
                let mut trial = Diff {
                    old: self.old,
                    new: self.new,
                    problems: Vec::new(),
                    seen: HashSet::new(),
                };
                trial.compare(at, old_v, new_v, side);
                trial.problems.is_empty()
            });
            if !fits {
                let title = variant["title"].as_str().map(str::to_owned);
                let name = title.unwrap_or_else(|| format!("#{index}"));
                self.problems.push(match side {
                    Side::Request => format!("{at}: alternative `{name}` is no longer accepted"),
                    Side::Response => {
                        format!("{at}: alternative `{name}` is not one the client reads")
                    }
                });
            }
        }
    }
}

/// Takes `$ref`s, single-schema `allOf`s, merged `allOf`s and nullable `oneOf`s apart.
fn shape(doc: &Value, schema: &Value) -> Shape {
    let mut name = None;
    let mut schema = schema;
    while let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        name = reference.rsplit('/').next().map(str::to_owned);
        schema = resolve(doc, reference);
    }
    let mut map = schema.as_object().cloned().unwrap_or_default();
    let mut nullable = is_true(&map.get("nullable").cloned().unwrap_or(Value::Null));
    if let Some(Value::Array(types)) = map.get("type") {
        nullable |= types.iter().any(|t| t == "null");
    }
    if map.get("type").and_then(Value::as_str) == Some("null") {
        nullable = true;
        map.remove("type");
    }
    if let Some(all) = map.remove("allOf").as_ref().and_then(Value::as_array) {
        for part in all {
            let part = shape(doc, part);
            name = name.or(part.name);
            nullable |= part.nullable;
            merge(&mut map, part.schema);
        }
    }
    for key in ["oneOf", "anyOf"] {
        let Some(Value::Array(variants)) = map.get(key).cloned() else {
            continue;
        };
        let (nulls, others): (Vec<&Value>, Vec<&Value>) = variants
            .iter()
            .partition(|v| v.get("type") == Some(&Value::from("null")));
        if !nulls.is_empty() {
            nullable = true;
            if others.len() == 1 {
                map.remove(key);
                let inner = shape(doc, others[0]);
                name = name.or(inner.name);
                merge(&mut map, inner.schema);
            } else {
                map.insert(
                    key.into(),
                    Value::Array(others.into_iter().cloned().collect()),
                );
            }
        }
    }
    Shape {
        schema: map,
        name,
        nullable,
    }
}

/// `allOf`'s parts, merged: properties and `required` joined, other keywords kept first-wins.
fn merge(into: &mut Map<String, Value>, part: Map<String, Value>) {
    for (key, value) in part {
        match (key.as_str(), into.get_mut(&key)) {
            ("properties", Some(Value::Object(props))) => {
                if let Value::Object(more) = value {
                    props.extend(more);
                }
            }
            ("required", Some(Value::Array(names))) => {
                if let Value::Array(more) = value {
                    names.extend(more);
                }
            }
            (_, Some(_)) => {}
            (_, None) => {
                into.insert(key, value);
            }
        }
    }
}

fn resolve<'a>(doc: &'a Value, reference: &str) -> &'a Value {
    let pointer = reference.strip_prefix('#').unwrap_or(reference);
    doc.pointer(pointer).unwrap_or(&Value::Null)
}

/// The schema's types without `null`, inferred from its keywords where `type` is absent.
fn types(schema: &Map<String, Value>) -> BTreeSet<String> {
    let mut types: BTreeSet<String> = match schema.get("type") {
        Some(Value::String(ty)) => [ty.clone()].into(),
        Some(Value::Array(tys)) => tys
            .iter()
            .filter_map(Value::as_str)
            .map(Into::into)
            .collect(),
        _ => BTreeSet::new(),
    };
    types.remove("null");
    if types.is_empty() && schema.contains_key("properties") {
        types.insert("object".into());
    }
    types
}

fn required(schema: &Map<String, Value>) -> BTreeSet<String> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|names| {
            names
                .iter()
                .filter_map(Value::as_str)
                .map(Into::into)
                .collect()
        })
        .unwrap_or_default()
}

fn alternatives(schema: &Map<String, Value>) -> Vec<Value> {
    ["oneOf", "anyOf"]
        .iter()
        .filter_map(|key| schema.get(*key).and_then(Value::as_array))
        .flatten()
        .cloned()
        .collect()
}

fn list(value: &Value) -> Vec<&Value> {
    value
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

fn is_true(value: &Value) -> bool {
    value.as_bool() == Some(true)
}
