//! The arithmetic of an order, in whole cents: a line's net, VAT and
//! gross from a course price, whichever way the academy quotes its
//! prices, and whether VAT is charged at all. No floating point: every
//! division rounds once, half away from zero, as invoices do.

use super::document::{Line, Totals};

/// `numerator / denominator`, rounded half away from zero.
pub fn divide_rounded(numerator: i128, denominator: i128) -> i64 {
    debug_assert!(denominator > 0);
    let quotient = numerator / denominator;
    let remainder = numerator % denominator;
    let rounded = if 2 * remainder.abs() >= denominator { quotient + numerator.signum() } else { quotient };
    i64::try_from(rounded).expect("an amount of cents fits in 64 bits")
}

/// How VAT applies to an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VatTreatment {
    /// The academy charges VAT at its rate.
    Standard,
    /// The buyer, a business registered for VAT in another member state,
    /// accounts for it (Article 196 of Directive 2006/112/EC): no VAT on
    /// the invoice, which says so.
    ReverseCharge,
}

/// The note a reverse-charged document carries.
pub const REVERSE_CHARGE_NOTE: &str =
    "VAT reverse charge: the customer accounts for VAT (Article 196, Council Directive 2006/112/EC).";

/// Whether VAT is reverse charged: for a business customer with a VAT
/// number of another member state, on a service whose place of supply is
/// the customer's (online training, Article 44). Training attended in
/// person is admission to an event, taxed where it takes place (Article
/// 53), so the academy's VAT applies to it whoever attends.
pub fn treatment(online: bool, buyer_vat_country: Option<&str>, academy_country: &str) -> VatTreatment {
    match buyer_vat_country {
        Some(country) if online && country != academy_country => VatTreatment::ReverseCharge,
        _ => VatTreatment::Standard,
    }
}

/// How the academy's prices are to be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pricing {
    /// Whether a course's price includes VAT at the academy's rate.
    pub includes_vat: bool,
    /// The academy's VAT rate in basis points (1800 = 18%).
    pub rate_bp: i64,
}

impl Pricing {
    /// One seat at the course `price_cents`, as a line: net and VAT from
    /// the price whichever way it is quoted, VAT at 0 when reverse
    /// charged (the price without its VAT, when prices include it).
    pub fn line(self, description: String, price_cents: i64, treatment: VatTreatment) -> Line {
        let (net, rate) = match (self.includes_vat, treatment) {
            (false, _) => (price_cents, self.rate_bp),
            (true, VatTreatment::Standard) => {
                let net = divide_rounded(i128::from(price_cents) * 10_000, 10_000 + i128::from(self.rate_bp));
                return Line {
                    description,
                    quantity: 1,
                    unit_net_cents: net,
                    net_cents: net,
                    vat_rate_bp: self.rate_bp,
                    vat_cents: price_cents - net,
                    gross_cents: price_cents,
                };
            }
            (true, VatTreatment::ReverseCharge) => {
                (divide_rounded(i128::from(price_cents) * 10_000, 10_000 + i128::from(self.rate_bp)), 0)
            }
        };
        let rate = if treatment == VatTreatment::ReverseCharge { 0 } else { rate };
        let vat = divide_rounded(i128::from(net) * i128::from(rate), 10_000);
        Line {
            description,
            quantity: 1,
            unit_net_cents: net,
            net_cents: net,
            vat_rate_bp: rate,
            vat_cents: vat,
            gross_cents: net + vat,
        }
    }
}

/// The sums of `lines`.
pub fn totals(lines: &[Line]) -> Totals {
    lines.iter().fold(Totals::default(), |sum, line| Totals {
        net_cents: sum.net_cents + line.net_cents,
        vat_cents: sum.vat_cents + line.vat_cents,
        gross_cents: sum.gross_cents + line.gross_cents,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn division_rounds_half_away_from_zero() {
        assert_eq!(divide_rounded(5, 10), 1);
        assert_eq!(divide_rounded(4, 10), 0);
        assert_eq!(divide_rounded(15, 10), 2);
        assert_eq!(divide_rounded(-5, 10), -1);
        assert_eq!(divide_rounded(-4, 10), 0);
    }

    #[test]
    fn a_price_including_vat_splits_into_net_and_vat_that_add_up() {
        let pricing = Pricing { includes_vat: true, rate_bp: 1800 };
        let line = pricing.line("x".into(), 149_500, VatTreatment::Standard);
        // 1495 / 1.18 = 1266.949... -> 1266.95
        assert_eq!((line.net_cents, line.vat_cents, line.gross_cents), (126_695, 22_805, 149_500));
        let reverse = pricing.line("x".into(), 149_500, VatTreatment::ReverseCharge);
        assert_eq!(
            (reverse.net_cents, reverse.vat_cents, reverse.gross_cents, reverse.vat_rate_bp),
            (126_695, 0, 126_695, 0)
        );
    }

    #[test]
    fn a_price_excluding_vat_gets_vat_added() {
        let pricing = Pricing { includes_vat: false, rate_bp: 1800 };
        let line = pricing.line("x".into(), 99_950, VatTreatment::Standard);
        // 999.50 * 0.18 = 179.91
        assert_eq!((line.net_cents, line.vat_cents, line.gross_cents), (99_950, 17_991, 117_941));
        let half = Pricing { includes_vat: false, rate_bp: 750 }.line("x".into(), 1_000, VatTreatment::Standard);
        assert_eq!(half.vat_cents, 75);
        let odd = Pricing { includes_vat: false, rate_bp: 1800 }.line("x".into(), 25, VatTreatment::Standard);
        // 0.25 * 0.18 = 0.045 -> 0.05
        assert_eq!(odd.vat_cents, 5);
    }

    #[test]
    fn reverse_charge_only_for_online_training_to_another_member_state() {
        assert_eq!(treatment(true, Some("DE"), "MT"), VatTreatment::ReverseCharge);
        assert_eq!(treatment(false, Some("DE"), "MT"), VatTreatment::Standard);
        assert_eq!(treatment(true, Some("MT"), "MT"), VatTreatment::Standard);
        assert_eq!(treatment(true, None, "MT"), VatTreatment::Standard);
    }
}
