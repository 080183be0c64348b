//! Lists a page at a time: `page` (from 1) and `per_page` (at most 100),
//! answered as `{ "items", "page", "per_page", "total" }` with a `Link`
//! header to the next and previous pages.

use super::ApiProblem;
use crate::error::AppError;
use crate::model::form::{Field, FieldError, Problem};
use crate::server::error::Error;
use axum::Json;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

pub const PER_PAGE_MAX: usize = 100;
const PER_PAGE: usize = 20;

/// `page` and `per_page` as a query gives them (text, so a bad one is a
/// clear problem rather than the framework's own answer).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// The page, from 1.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100000)]
    pub page: Option<String>,
    /// How many items a page holds: 1 to 100 (20 unless asked).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub per_page: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageRequest {
    pub page: usize,
    pub per_page: usize,
}

impl PageQuery {
    pub fn parse(&self) -> Result<PageRequest, ApiProblem> {
        let mut problems = Vec::new();
        let mut number = |text: &Option<String>, field: Field, default: usize, max: usize| match text {
            None => default,
            Some(text) => match text.trim().parse::<usize>() {
                Ok(n) if (1..=max).contains(&n) => n,
                _ => {
                    let problem = Problem::OutOfRange { min: 1, max: u16::try_from(max).unwrap_or(u16::MAX) };
                    problems.push(FieldError { field, problem });
                    default
                }
            },
        };
        let page = number(&self.page, Field::Page, 1, 100_000);
        let per_page = number(&self.per_page, Field::PerPage, PER_PAGE, PER_PAGE_MAX);
        match problems.is_empty() {
            true => Ok(PageRequest { page, per_page }),
            false => Err(ApiProblem(Error::Refused(AppError::Invalid(problems)))),
        }
    }
}

/// One page of a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub page: usize,
    pub per_page: usize,
    pub total: usize,
}

impl<T: Serialize> Paged<T> {
    /// The page `request` asks for of `all`.
    pub fn of(all: Vec<T>, request: PageRequest) -> Self {
        let total = all.len();
        let items = all.into_iter().skip((request.page - 1) * request.per_page).take(request.per_page).collect();
        Paged { items, page: request.page, per_page: request.per_page, total }
    }

    /// As an answer, with `Link` to the neighbouring pages of `path`.
    pub fn answer(self, path: &str) -> Response {
        let last = self.total.div_ceil(self.per_page).max(1);
        let sep = if path.contains('?') { '&' } else { '?' };
        let link =
            |page: usize, rel: &str| format!("<{path}{sep}page={page}&per_page={}>; rel=\"{rel}\"", self.per_page);
        let mut links = Vec::new();
        if self.page < last {
            links.push(link(self.page + 1, "next"));
        }
        if self.page > 1 {
            links.push(link((self.page - 1).min(last), "prev"));
        }
        let links = links.join(", ");
        let mut response = Json(self).into_response();
        // The path is one of ours and the query re-encoded: always a valid value.
        if let (false, Ok(value)) = (links.is_empty(), HeaderValue::from_str(&links)) {
            response.headers_mut().insert(header::LINK, value);
        }
        response
    }
}

/// The query string without its `page` and `per_page`, for the `Link`
/// header to add its own.
pub fn without_page(raw: &str) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(url::form_urlencoded::parse(raw.as_bytes()).filter(|(k, _)| k != "page" && k != "per_page"))
        .finish()
}
