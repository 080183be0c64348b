//! Who pays for an order and how: a private person or a company, its
//! address and VAT number, the purchase-order reference, the way of
//! paying, and the terms accepted. Parsed here, on both targets, so the
//! order form and the server read a billing address by the same rules.

use super::form::{Checks, Field, FieldError, Problem, check_line};
use serde::{Deserialize, Serialize};

/// The version of the terms and conditions `/terms` shows, recorded on
/// every order placed under them. A change of the terms' text comes with
/// a new version here.
pub const TERMS_VERSION: &str = "2026-12-01";

pub const NAME_MAX: usize = 120;
pub const ADDRESS_MAX: usize = 200;
pub const POSTCODE_MAX: usize = 20;
pub const CITY_MAX: usize = 80;
pub const PURCHASE_ORDER_MAX: usize = 60;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BillingKind {
    #[default]
    Private,
    Company,
}

impl BillingKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BillingKind::Private => "private",
            BillingKind::Company => "company",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "private" => Some(BillingKind::Private),
            "company" => Some(BillingKind::Company),
            _ => None,
        }
    }
}

/// How an order is paid. Both are by bank transfer against an invoice;
/// they differ in who pays and when the invoice falls due. A card
/// provider would be a third way, recorded on the same payment records.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    /// Pay now by bank transfer, quoting the payment reference.
    #[default]
    Transfer,
    /// An invoice to the company's accounts, paid within the academy's
    /// payment terms.
    Invoice,
}

impl PaymentMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethod::Transfer => "transfer",
            PaymentMethod::Invoice => "invoice",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "transfer" => Some(PaymentMethod::Transfer),
            "invoice" => Some(PaymentMethod::Invoice),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PaymentMethod::Transfer => "Bank transfer",
            PaymentMethod::Invoice => "Invoice to my company",
        }
    }
}

/// Countries an address may be in: the European Union's, with the
/// others an academy in Europe usually bills. ISO 3166-1 alpha-2 codes.
pub const COUNTRIES: &[(&str, &str)] = &[
    ("AT", "Austria"),
    ("BE", "Belgium"),
    ("BG", "Bulgaria"),
    ("HR", "Croatia"),
    ("CY", "Cyprus"),
    ("CZ", "Czechia"),
    ("DK", "Denmark"),
    ("EE", "Estonia"),
    ("FI", "Finland"),
    ("FR", "France"),
    ("DE", "Germany"),
    ("GR", "Greece"),
    ("HU", "Hungary"),
    ("IE", "Ireland"),
    ("IT", "Italy"),
    ("LV", "Latvia"),
    ("LT", "Lithuania"),
    ("LU", "Luxembourg"),
    ("MT", "Malta"),
    ("NL", "Netherlands"),
    ("PL", "Poland"),
    ("PT", "Portugal"),
    ("RO", "Romania"),
    ("SK", "Slovakia"),
    ("SI", "Slovenia"),
    ("ES", "Spain"),
    ("SE", "Sweden"),
    ("IS", "Iceland"),
    ("LI", "Liechtenstein"),
    ("NO", "Norway"),
    ("CH", "Switzerland"),
    ("GB", "United Kingdom"),
    ("US", "United States"),
];

pub fn country_name(code: &str) -> Option<&'static str> {
    COUNTRIES.iter().find(|(c, _)| *c == code).map(|(_, name)| *name)
}

/// The shape of each EU member state's VAT number after its prefix (VIES's
/// formats): `9` a digit, `A` a letter, `X` a letter or digit, `+` a
/// letter, digit, `+` or `*` (Ireland's old numbers), `B` a literal B.
/// Greece's prefix is `EL`, Northern Ireland's `XI`.
const VAT_FORMATS: &[(&str, &[&str])] = &[
    ("AT", &["U99999999"]),
    ("BE", &["9999999999"]),
    ("BG", &["999999999", "9999999999"]),
    ("CY", &["99999999A"]),
    ("CZ", &["99999999", "999999999", "9999999999"]),
    ("DE", &["999999999"]),
    ("DK", &["99999999"]),
    ("EE", &["999999999"]),
    ("EL", &["999999999"]),
    ("ES", &["X9999999X"]),
    ("FI", &["99999999"]),
    ("FR", &["XX999999999"]),
    ("HR", &["99999999999"]),
    ("HU", &["99999999"]),
    ("IE", &["9999999A", "9999999AA", "9+99999A"]),
    ("IT", &["99999999999"]),
    ("LT", &["999999999", "999999999999"]),
    ("LU", &["99999999"]),
    ("LV", &["99999999999"]),
    ("MT", &["99999999"]),
    ("NL", &["999999999B99"]),
    ("PL", &["9999999999"]),
    ("PT", &["999999999"]),
    ("RO", &["99", "999", "9999", "99999", "999999", "9999999", "99999999", "999999999", "9999999999"]),
    ("SE", &["999999999901"]),
    ("SI", &["99999999"]),
    ("SK", &["9999999999"]),
    ("XI", &["999999999", "999999999999", "GD999", "HA999"]),
];

fn fits(body: &str, format: &str) -> bool {
    body.len() == format.len()
        && body.chars().zip(format.chars()).all(|(c, f)| match f {
            '9' => c.is_ascii_digit(),
            'A' => c.is_ascii_uppercase(),
            'X' => c.is_ascii_uppercase() || c.is_ascii_digit(),
            '+' => c.is_ascii_uppercase() || c.is_ascii_digit() || c == '+' || c == '*',
            // SE's fixed "01" ending and NL's "B", spelled in the format.
            literal => c == literal,
        })
}

/// A VAT identification number of an EU member state, in its canonical
/// form: the country prefix and the number, upper case, no spaces or
/// punctuation ("MT12345678").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VatNumber(String);

impl VatNumber {
    /// Reads a VAT number typed any usual way ("mt 1234 5678",
    /// "DE-123.456.789"), checked against its country's format. Whether
    /// the number is registered is VIES's to say, not a format's.
    pub fn parse(text: &str) -> Result<Self, Problem> {
        let compact: String =
            text.chars().filter(|c| !matches!(c, ' ' | '.' | '-' | '\u{a0}')).collect::<String>().to_uppercase();
        if compact.is_empty() {
            return Err(Problem::Required);
        }
        if compact.len() < 4 || !compact.is_ascii() {
            return Err(Problem::MalformedVatNumber);
        }
        let (prefix, body) = compact.split_at(2);
        let Some((_, formats)) = VAT_FORMATS.iter().find(|(p, _)| *p == prefix) else {
            return Err(Problem::MalformedVatNumber);
        };
        match formats.iter().any(|format| fits(body, format)) {
            true => Ok(Self(compact)),
            false => Err(Problem::MalformedVatNumber),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The ISO country the number belongs to (Greece's `EL` is `GR`,
    /// Northern Ireland's `XI` is `GB`).
    pub fn country(&self) -> &str {
        match &self.0[..2] {
            "EL" => "GR",
            "XI" => "GB",
            other => other,
        }
    }
}

impl std::fmt::Display for VatNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The order form's billing part, as posted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingForm {
    #[serde(default)]
    pub billing: String,
    /// The private person's name, or the company's legal name.
    #[serde(default)]
    pub billing_name: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub postcode: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub country: String,
    #[serde(default)]
    pub vat_number: String,
    #[serde(default)]
    pub purchase_order: String,
    #[serde(default)]
    pub payment: String,
    /// The terms box: present ("on") when ticked.
    #[serde(default)]
    pub accept_terms: Option<String>,
}

/// A billing address and the way of paying, parsed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Billing {
    pub kind: BillingKind,
    pub name: String,
    pub address: String,
    pub postcode: String,
    pub city: String,
    /// ISO code, one of [`COUNTRIES`].
    pub country: String,
    /// A company's VAT number, when it has one.
    pub vat_number: Option<VatNumber>,
    pub purchase_order: Option<String>,
    pub payment: PaymentMethod,
    pub terms_version: String,
}

impl Billing {
    /// The address as a document prints it, one line each.
    pub fn address_lines(&self) -> Vec<String> {
        let country = country_name(&self.country).unwrap_or(&self.country);
        vec![self.address.clone(), format!("{} {}", self.postcode, self.city).trim().to_string(), country.to_string()]
    }
}

fn optional(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

impl BillingForm {
    /// Every problem of the form at once, or the billing it describes.
    pub fn parse(&self) -> Result<Billing, Vec<FieldError>> {
        let mut checks = Checks::default();
        let kind = checks.take(Field::Billing, BillingKind::parse(&self.billing).ok_or(Problem::UnknownChoice));
        checks.check(Field::BillingName, check_line(&self.billing_name, true, NAME_MAX));
        checks.check(Field::Address, check_line(&self.address, true, ADDRESS_MAX));
        checks.check(Field::Postcode, check_line(&self.postcode, false, POSTCODE_MAX));
        checks.check(Field::City, check_line(&self.city, true, CITY_MAX));
        let country = checks.take(
            Field::Country,
            country_name(self.country.trim()).map(|_| self.country.trim().to_string()).ok_or(Problem::UnknownChoice),
        );
        let vat_number = match (kind, self.vat_number.trim().is_empty()) {
            (_, true) => None,
            // A private person has no VAT number to give.
            (Some(BillingKind::Private), false) => {
                checks.add(Field::VatNumber, Problem::PrivateVatNumber);
                None
            }
            (_, false) => checks.take(Field::VatNumber, VatNumber::parse(&self.vat_number)),
        };
        if let (Some(number), Some(country)) = (&vat_number, &country) {
            if number.country() != country {
                checks.add(Field::VatNumber, Problem::VatNumberCountry);
            }
        }
        checks.check(Field::PurchaseOrder, check_line(&self.purchase_order, false, PURCHASE_ORDER_MAX));
        let payment =
            checks.take(Field::PaymentMethod, PaymentMethod::parse(&self.payment).ok_or(Problem::UnknownChoice));
        if self.accept_terms.as_deref().is_none_or(str::is_empty) {
            checks.add(Field::Terms, Problem::TermsNotAccepted);
        }
        checks.finish()?;
        let (Some(kind), Some(country), Some(payment)) = (kind, country, payment) else {
            unreachable!("a form that passed its checks has every value")
        };
        Ok(Billing {
            kind,
            name: self.billing_name.trim().to_string(),
            address: self.address.trim().to_string(),
            postcode: self.postcode.trim().to_string(),
            city: self.city.trim().to_string(),
            country,
            vat_number,
            purchase_order: optional(&self.purchase_order),
            payment,
            terms_version: TERMS_VERSION.to_string(),
        })
    }
}

/// How many colleagues one order may book besides the booker.
pub const COLLEAGUES_MAX: usize = 20;
/// Rows for colleagues the order form offers (without JavaScript, the form
/// cannot add rows: a larger group books in more than one order).
pub const COLLEAGUE_ROWS: usize = 4;

/// One colleague row of the order form, as posted; both empty is no row.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ColleagueForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
}

/// A colleague the booker books a seat for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Colleague {
    pub name: String,
    pub email: crate::model::account::Email,
}

/// Who attends on an order: the booker, colleagues, or both.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attendees {
    pub booker: bool,
    pub colleagues: Vec<Colleague>,
}

impl Attendees {
    /// Only the booker, the usual case.
    pub fn booker_only() -> Self {
        Self { booker: true, colleagues: Vec::new() }
    }

    /// The order form's attendees: whether the booker attends (`me` is
    /// present when ticked) and each colleague row filled in. Every problem
    /// is reported against the attendees' fieldset, with the row it is in.
    pub fn parse(me: bool, rows: &[ColleagueForm], booker_email: &str) -> Result<Self, Vec<FieldError>> {
        let mut checks = Checks::default();
        let mut colleagues: Vec<Colleague> = Vec::new();
        let filled = rows.iter().enumerate().filter(|(_, r)| !(r.name.trim().is_empty() && r.email.trim().is_empty()));
        for (index, row) in filled {
            let row_number = u16::try_from(index + 1).unwrap_or(u16::MAX);
            let name_ok = check_line(&row.name, true, NAME_MAX).is_ok();
            match (name_ok, crate::model::account::Email::parse(&row.email)) {
                (true, Ok(email)) => {
                    let twice = email.as_str() == booker_email || colleagues.iter().any(|c| c.email == email);
                    if twice {
                        checks.add(Field::Attendees, Problem::AttendeeTwice { row: row_number });
                    }
                    colleagues.push(Colleague { name: row.name.trim().to_string(), email });
                }
                _ => checks.add(Field::Attendees, Problem::AttendeeRow { row: row_number }),
            }
        }
        if colleagues.len() > COLLEAGUES_MAX {
            checks.add(Field::Attendees, Problem::TooMany { max: COLLEAGUES_MAX as u16 });
        }
        if !me && colleagues.is_empty() && checks.is_empty() {
            checks.add(Field::Attendees, Problem::NoAttendee);
        }
        checks.finish()?;
        Ok(Self { booker: me, colleagues })
    }

    pub fn count(&self) -> usize {
        usize::from(self.booker) + self.colleagues.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vat_numbers_are_read_any_usual_way_and_checked_per_country() {
        for (typed, canonical) in [
            ("mt 1234 5678", "MT12345678"),
            ("DE-123.456.789", "DE123456789"),
            ("ATU12345678", "ATU12345678"),
            ("NL123456789B01", "NL123456789B01"),
            ("FR 1A 123456789", "FR1A123456789"),
            ("IE1234567T", "IE1234567T"),
            ("IE1234567WA", "IE1234567WA"),
            ("IE8Z49289F", "IE8Z49289F"),
            ("EL123456789", "EL123456789"),
            ("ESX1234567X", "ESX1234567X"),
            ("SE123456789701", "SE123456789701"),
            ("RO12", "RO12"),
            ("XIGD123", "XIGD123"),
            ("CY12345678L", "CY12345678L"),
        ] {
            assert_eq!(VatNumber::parse(typed).map(|n| n.0), Ok(canonical.to_string()), "{typed}");
        }
        for typed in [
            "MT1234567",      // a digit short
            "DE12345678X",    // a letter where a digit goes
            "AT12345678",     // without the U
            "NL123456789C01", // C where B goes
            "SE123456789702", // SE ends in 01
            "GR123456789",    // Greece is EL
            "US123456789",    // not a member state
            "MT1234567８",    // a full-width digit
            "12345678",       // no prefix
            "MT",
        ] {
            assert_eq!(VatNumber::parse(typed), Err(Problem::MalformedVatNumber), "{typed}");
        }
        assert_eq!(VatNumber::parse("  "), Err(Problem::Required));
        assert_eq!(VatNumber::parse("EL123456789").unwrap().country(), "GR");
    }

    fn company() -> BillingForm {
        BillingForm {
            billing: "company".into(),
            billing_name: "Borg & Vella Ltd".into(),
            address: "12 Triq il-Merkanti".into(),
            postcode: "VLT 1170".into(),
            city: "Valletta".into(),
            country: "MT".into(),
            vat_number: "MT 1234 5678".into(),
            purchase_order: " PO-7781 ".into(),
            payment: "invoice".into(),
            accept_terms: Some("on".into()),
        }
    }

    #[test]
    fn a_company_order_parses_with_its_vat_number_and_purchase_order() {
        let billing = company().parse().unwrap();
        assert_eq!(billing.kind, BillingKind::Company);
        assert_eq!(billing.vat_number.unwrap().as_str(), "MT12345678");
        assert_eq!(billing.purchase_order.as_deref(), Some("PO-7781"));
        assert_eq!(billing.terms_version, TERMS_VERSION);
        assert_eq!(billing.payment, PaymentMethod::Invoice);
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let form = BillingForm {
            billing: "friend".into(),
            country: "XX".into(),
            vat_number: "MT12".into(),
            payment: "card".into(),
            accept_terms: None,
            ..BillingForm::default()
        };
        let fields: Vec<Field> = form.parse().unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            vec![
                Field::Billing,
                Field::BillingName,
                Field::Address,
                Field::City,
                Field::Country,
                Field::VatNumber,
                Field::PaymentMethod,
                Field::Terms
            ]
        );
    }

    #[test]
    fn a_vat_number_belongs_to_the_address_country_and_to_companies() {
        let other = BillingForm { country: "DE".into(), ..company() };
        assert_eq!(other.parse().unwrap_err()[0].problem, Problem::VatNumberCountry);
        let private = BillingForm { billing: "private".into(), ..company() };
        assert_eq!(private.parse().unwrap_err()[0].problem, Problem::PrivateVatNumber);
        let greek = BillingForm { country: "GR".into(), vat_number: "EL123456789".into(), ..company() };
        assert!(greek.parse().is_ok());
    }

    #[test]
    fn attendees_are_the_booker_and_each_colleague_row_filled_in() {
        let row = |name: &str, email: &str| ColleagueForm { name: name.into(), email: email.into() };
        let rows = [row("Ann Borg", "ann@example.com"), row("", ""), row("Bob Vella", "BOB@example.com ")];
        let attendees = Attendees::parse(false, &rows, "booker@example.com").unwrap();
        assert_eq!(attendees.count(), 2);
        assert_eq!(attendees.colleagues[1].email.as_str(), "bob@example.com");
        let problems = |me: bool, rows: &[ColleagueForm]| -> Vec<Problem> {
            Attendees::parse(me, rows, "booker@example.com").unwrap_err().into_iter().map(|e| e.problem).collect()
        };
        assert_eq!(problems(false, &[]), [Problem::NoAttendee]);
        assert_eq!(problems(true, &[row("Ann", "not an address")]), [Problem::AttendeeRow { row: 1 }]);
        assert_eq!(problems(true, &[row("", "ann@example.com")]), [Problem::AttendeeRow { row: 1 }]);
        assert_eq!(problems(true, &[row("Me again", "booker@example.com")]), [Problem::AttendeeTwice { row: 1 }]);
        assert_eq!(
            problems(false, &[row("Ann", "ann@example.com"), row("Ann", "Ann@Example.com")]),
            [Problem::AttendeeTwice { row: 2 }]
        );
        let many: Vec<ColleagueForm> = (0..21).map(|i| row("X", &format!("x{i}@example.com"))).collect();
        assert_eq!(problems(true, &many), [Problem::TooMany { max: 20 }]);
    }
}
