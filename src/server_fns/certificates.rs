//! Certificates: the public verification page's data, and revoking one.

use crate::error::AppError;
use crate::model::certificate::CertificateView;
use leptos::prelude::*;

/// A certificate, for its public verification page. Lookups count against
/// the client's limit, so codes cannot be tried at speed.
#[server(prefix = "/rpc", endpoint = "certificates/get")]
pub async fn get_certificate(code: String) -> Result<CertificateView, AppError> {
    use crate::server::request;
    let state = request::state();
    Ok(state.certificates.verify(&code, &request::client().ip).await?)
}

/// Revokes a certificate, with the reason anyone verifying it is shown.
/// Staff only.
#[server(prefix = "/rpc", endpoint = "certificates/revoke")]
pub async fn revoke_certificate(code: String, reason: String, session_id: i64) -> Result<(), AppError> {
    use crate::model::account::Role;
    use crate::server::auth;
    let (state, _, staff) = auth::require(Role::Staff).await?;
    state.certificates.revoke(&staff, &code, &reason).await?;
    leptos_axum::redirect(&format!("/admin/sessions/{session_id}?notice=certificate-revoked"));
    Ok(())
}
