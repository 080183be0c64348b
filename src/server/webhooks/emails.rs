//! The message that tells staff an endpoint was disabled. It carries a
//! link, not the endpoint's address or anything a delivery answered.

use crate::server::mail::{Mail, message};

pub fn endpoint_disabled(to: &str, endpoint_id: i64, public_url: &str) -> Mail {
    message(
        to,
        &format!("Webhook endpoint #{endpoint_id} disabled"),
        "team",
        &[
            "Every delivery to one of the academy's webhook endpoints has failed for a day, so Lyceum has \
             disabled it: nothing more is sent there until someone enables it again.",
            "Its page lists each delivery with the answers received. Once the receiver works again, enable the \
             endpoint and send the failed deliveries again from there.",
        ],
        Some(("Open the endpoint", &format!("{public_url}/admin/webhooks/{endpoint_id}"))),
    )
}
