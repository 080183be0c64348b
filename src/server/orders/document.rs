//! An invoice or a credit note as the buyer receives it: everything the
//! document shows, frozen when it is issued. The academy's details and the
//! buyer's are copied in rather than looked up, so a later change of
//! either never alters a document already issued (an issued invoice is
//! never edited; a credit note corrects it). `pdf` renders it.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    Invoice,
    CreditNote,
}

impl DocumentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Invoice => "invoice",
            DocumentKind::CreditNote => "credit_note",
        }
    }

    /// The document's heading ("Invoice", "Credit note").
    pub fn title(self) -> &'static str {
        match self {
            DocumentKind::Invoice => "Invoice",
            DocumentKind::CreditNote => "Credit note",
        }
    }
}

/// The seller or the buyer, as the document names them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    /// The legal name: the academy's, a company's, or a private person's.
    pub name: String,
    /// For a company buyer, the person who booked ("Attn. ..."), if any.
    pub contact: Option<String>,
    /// Postal address, one line each (street, postcode and city, country).
    pub address: Vec<String>,
    /// VAT identification number, with its country prefix ("MT12345678").
    pub vat_number: Option<String>,
}

/// One line of the document. Amounts are in cents of the document's
/// currency; on a credit note they are positive and the document says it
/// credits them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    /// "Course title: session of 12–14 March 2027, Valletta" and who attends.
    pub description: String,
    pub quantity: i64,
    /// The unit price before VAT.
    pub unit_net_cents: i64,
    pub net_cents: i64,
    /// VAT rate in basis points (1800 = 18%).
    pub vat_rate_bp: i64,
    pub vat_cents: i64,
    pub gross_cents: i64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub net_cents: i64,
    pub vat_cents: i64,
    pub gross_cents: i64,
}

/// How to pay an invoice by bank transfer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankDetails {
    pub account_holder: String,
    pub iban: String,
    pub bic: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceDocument {
    pub kind: DocumentKind,
    /// Gapless per year: "2026-000042".
    pub number: String,
    pub issued_on: NaiveDate,
    /// When an invoice is to be paid; `None` on a credit note.
    pub due_on: Option<NaiveDate>,
    /// The invoice a credit note corrects (its number).
    pub credits: Option<String>,
    pub seller: Party,
    pub buyer: Party,
    /// The order this document belongs to ("LY-7K3M-9QXA").
    pub order_reference: String,
    /// What the buyer quotes with a transfer, so the payment is matched.
    pub payment_reference: String,
    /// The buyer's purchase-order reference, if they gave one.
    pub purchase_order: Option<String>,
    pub bank: Option<BankDetails>,
    /// ISO 4217 ("EUR").
    pub currency: String,
    pub lines: Vec<Line>,
    pub totals: Totals,
    /// Sentences the document must carry: "VAT reverse charge (Article 196,
    /// Directive 2006/112/EC)", how the order was paid, ...
    pub notes: Vec<String>,
}

impl InvoiceDocument {
    /// "invoice-2026-000042.pdf", "credit-note-2026-000043.pdf".
    pub fn file_name(&self) -> String {
        let kind = match self.kind {
            DocumentKind::Invoice => "invoice",
            DocumentKind::CreditNote => "credit-note",
        };
        format!("{kind}-{}.pdf", self.number)
    }
}
