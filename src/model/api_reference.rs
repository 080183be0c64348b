//! The REST API's reference as `/api/docs` shows it: read on the server
//! from the OpenAPI document (`server::api::reference`), so the page and
//! the document cannot disagree. Descriptions arrive as sanitised HTML
//! (the document writes them in Markdown).

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiReference {
    pub title: String,
    pub version: String,
    pub openapi: String,
    pub description_html: String,
    /// The bearer scheme, as the document describes it.
    pub authentication_html: String,
    pub groups: Vec<OperationGroup>,
    pub schemas: Vec<SchemaDoc>,
    /// The errors every operation may answer, by name.
    pub errors: Vec<ErrorDoc>,
}

/// The operations of one tag.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationGroup {
    pub tag: String,
    pub description: String,
    pub operations: Vec<OperationDoc>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationDoc {
    /// Its `operationId`, which is also its anchor on the page.
    pub id: String,
    pub method: String,
    pub path: String,
    pub summary: String,
    pub description_html: String,
    /// Each way it may be called: the scopes a token needs for it (an
    /// empty list: any token). No way at all: anyone may call it.
    pub scopes: Vec<Vec<String>>,
    pub parameters: Vec<ParameterDoc>,
    /// The body's schema, by name, and its media type.
    pub body: Option<(String, String)>,
    pub responses: Vec<ResponseDoc>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParameterDoc {
    pub name: String,
    /// `path`, `query` or `header`.
    pub place: String,
    pub required: bool,
    pub kind: String,
    pub description: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseDoc {
    pub status: String,
    pub description: String,
    /// The body's schema, by name (or a plain type).
    pub schema: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaDoc {
    pub name: String,
    pub description: String,
    /// For an object, its fields; for a choice, none (see `kind`).
    pub fields: Vec<FieldDoc>,
    pub kind: String,
    /// An example, as pretty JSON.
    pub example: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldDoc {
    pub name: String,
    pub kind: String,
    pub required: bool,
    pub description: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDoc {
    pub name: String,
    pub status: String,
    pub description: String,
}
