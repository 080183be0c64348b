//! The reference `/api/docs` shows, read from the OpenAPI document itself
//! (as JSON, the form every reader of it sees), so the page describes
//! exactly what the document does.

use crate::model::api_reference::{
    ApiReference, ErrorDoc, FieldDoc, OperationDoc, OperationGroup, ParameterDoc, ResponseDoc, SchemaDoc,
};
use crate::server::markdown::to_html;
use serde_json::Value;
use std::sync::OnceLock;

const METHODS: [&str; 5] = ["get", "post", "patch", "put", "delete"];

/// The reference, made once from the document.
pub fn reference() -> &'static ApiReference {
    static REFERENCE: OnceLock<ApiReference> = OnceLock::new();
    REFERENCE.get_or_init(|| {
        let doc = serde_json::to_value(super::document()).expect("the document serialises");
        read(&doc)
    })
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_string()
}

/// The name a `$ref` points at.
fn referenced(value: &Value) -> Option<String> {
    value["$ref"].as_str().and_then(|r| r.rsplit('/').next()).map(str::to_string)
}

/// A schema's type, in words: `Session`, `string (date-time)`, `array of
/// Money`, `integer or null`, `one of "a", "b"`.
fn kind(schema: &Value) -> String {
    if let Some(name) = referenced(schema) {
        return name;
    }
    if let Some(choices) = schema["enum"].as_array() {
        let listed: Vec<String> = choices.iter().map(|c| format!("\"{}\"", c.as_str().unwrap_or_default())).collect();
        return format!("one of {}", listed.join(", "));
    }
    if let Some(options) = schema["oneOf"].as_array() {
        return options.iter().map(kind).collect::<Vec<_>>().join(" or ");
    }
    if let Some(parts) = schema["allOf"].as_array() {
        return parts.iter().map(kind).collect::<Vec<_>>().join(" with ");
    }
    let base = match &schema["type"] {
        Value::String(name) => name.clone(),
        Value::Array(names) => names.iter().map(text).collect::<Vec<_>>().join(" or "),
        _ => "any".to_string(),
    };
    if base.starts_with("array") {
        return format!("array of {}", kind(&schema["items"]));
    }
    match schema["format"].as_str() {
        Some(format) if !matches!(format, "int32" | "int64") => format!("{base} ({format})"),
        _ => base,
    }
}

fn fields(schema: &Value) -> Vec<FieldDoc> {
    let required: Vec<&str> =
        schema["required"].as_array().map(|r| r.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
    let mut all: Vec<FieldDoc> = schema["properties"]
        .as_object()
        .map(|properties| {
            properties
                .iter()
                .map(|(name, field)| FieldDoc {
                    name: name.clone(),
                    kind: kind(field),
                    required: required.contains(&name.as_str()),
                    description: text(&field["description"]),
                })
                .collect()
        })
        .unwrap_or_default();
    // What an `allOf` adds to the schema it extends.
    for part in schema["allOf"].as_array().into_iter().flatten() {
        all.extend(fields(part));
    }
    all
}

fn operation(method: &str, path: &str, op: &Value) -> OperationDoc {
    let parameters = op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| ParameterDoc {
            name: text(&p["name"]),
            place: text(&p["in"]),
            required: p["required"].as_bool().unwrap_or(false),
            kind: kind(&p["schema"]),
            description: text(&p["description"]),
        })
        .collect();
    let body = op["requestBody"]["content"]
        .as_object()
        .and_then(|content| content.iter().next().map(|(media, body)| (kind(&body["schema"]), media.clone())));
    let responses = op["responses"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(status, response)| match referenced(response) {
            Some(name) => {
                ResponseDoc { status: status.clone(), description: format!("See {name} below."), schema: None }
            }
            None => ResponseDoc {
                status: status.clone(),
                description: text(&response["description"]),
                schema: response["content"]
                    .as_object()
                    .and_then(|c| c.values().next())
                    .map(|content| kind(&content["schema"])),
            },
        })
        .collect();
    let scopes = op["security"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|requirement| requirement["bearer"].as_array().map(|s| s.iter().map(text).collect()).unwrap_or_default())
        .collect();
    OperationDoc {
        id: text(&op["operationId"]),
        method: method.to_ascii_uppercase(),
        path: path.to_string(),
        summary: text(&op["summary"]),
        description_html: to_html(op["description"].as_str().unwrap_or_default()),
        scopes,
        parameters,
        body,
        responses,
    }
}

/// The reference of a document.
pub fn read(doc: &Value) -> ApiReference {
    let mut groups: Vec<OperationGroup> = doc["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|tag| OperationGroup {
            tag: text(&tag["name"]),
            description: text(&tag["description"]),
            operations: vec![],
        })
        .collect();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for method in METHODS {
            let op = &item[method];
            if !op.is_object() {
                continue;
            }
            let tag = op["tags"][0].as_str().unwrap_or("other").to_string();
            let operation = operation(method, path, op);
            match groups.iter_mut().find(|g| g.tag == tag) {
                Some(group) => group.operations.push(operation),
                None => groups.push(OperationGroup { tag, description: String::new(), operations: vec![operation] }),
            }
        }
    }
    groups.retain(|g| !g.operations.is_empty());
    let components = &doc["components"];
    let schemas = components["schemas"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, schema)| SchemaDoc {
            name: name.clone(),
            description: text(&schema["description"]),
            fields: fields(schema),
            kind: kind(schema),
            example: schema.get("example").and_then(|e| serde_json::to_string_pretty(e).ok()),
        })
        .collect();
    let errors = components["responses"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, response)| {
            let status = super::doc::status_of(name).unwrap_or_default().to_string();
            ErrorDoc { name: name.clone(), status, description: text(&response["description"]) }
        })
        .collect();
    ApiReference {
        title: text(&doc["info"]["title"]),
        version: text(&doc["info"]["version"]),
        openapi: text(&doc["openapi"]),
        description_html: to_html(doc["info"]["description"].as_str().unwrap_or_default()),
        authentication_html: to_html(
            doc["components"]["securitySchemes"][super::doc::BEARER]["description"].as_str().unwrap_or_default(),
        ),
        groups,
        schemas,
        errors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_has_every_operation_and_schema_of_the_document() {
        let doc = serde_json::to_value(super::super::document()).unwrap();
        let reference = read(&doc);
        let operations: usize = reference.groups.iter().map(|g| g.operations.len()).sum();
        let documented: usize = doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .map(|item| METHODS.iter().filter(|m| item[**m].is_object()).count())
            .sum();
        assert_eq!(operations, documented);
        assert_eq!(reference.schemas.len(), doc["components"]["schemas"].as_object().unwrap().len());
        let enrol = reference.groups.iter().flat_map(|g| &g.operations).find(|o| o.id == "enrol").unwrap();
        assert_eq!(enrol.scopes, vec![vec!["enrollments:write".to_string()]]);
        assert_eq!(enrol.body.as_ref().map(|b| b.0.as_str()), Some("EnrolmentRequest"));
        assert!(enrol.responses.iter().any(|r| r.status == "429" && r.description.contains("TooManyRequests")));
        let session = reference.schemas.iter().find(|s| s.name == "Session").unwrap();
        let starts = session.fields.iter().find(|f| f.name == "starts_at").unwrap();
        assert_eq!((starts.kind.as_str(), starts.required), ("string (date-time)", true));
        let location = session.fields.iter().find(|f| f.name == "location").unwrap();
        assert_eq!(location.kind, "string or null");
        let mode = reference.schemas.iter().find(|s| s.name == "Mode").unwrap();
        assert_eq!(mode.kind, "one of \"online\", \"in-person\"");
        assert!(reference.errors.iter().any(|e| e.name == "Invalid" && e.status == "422"));
    }
}
