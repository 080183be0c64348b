//! Amounts, rates and dates as a financial document prints them: always two
//! decimals, thousands grouped with commas, whatever the size of the number.

use chrono::NaiveDate;

/// `cents` of `currency`: "€1,495.00" for euros, "1,495.00 CHF" for any
/// other currency (its ISO code is clearer than a symbol shared by several).
pub fn money(cents: i64, currency: &str) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let amount = grouped(cents.unsigned_abs());
    match currency.trim() {
        "EUR" => format!("{sign}€{amount}"),
        code => format!("{sign}{amount} {code}"),
    }
}

/// A non-negative number of cents as "1,234,567.89" (`unsigned_abs` keeps
/// `i64::MIN` printable).
fn grouped(cents: u64) -> String {
    let units = (cents / 100).to_string();
    let mut out = String::with_capacity(units.len() + units.len() / 3 + 3);
    for (i, digit) in units.chars().enumerate() {
        if i > 0 && (units.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    format!("{out}.{:02}", cents % 100)
}

/// A VAT rate in basis points as a percentage, without trailing zeros:
/// 1800 → "18%", 550 → "5.5%", 0 → "0%".
pub fn rate(basis_points: i64) -> String {
    let sign = if basis_points < 0 { "-" } else { "" };
    let bp = basis_points.unsigned_abs();
    let (whole, hundredths) = (bp / 100, bp % 100);
    match hundredths {
        0 => format!("{sign}{whole}%"),
        h if h % 10 == 0 => format!("{sign}{whole}.{}%", h / 10),
        h => format!("{sign}{whole}.{h:02}%"),
    }
}

/// "5 December 2026": the month spelled out, so no reader takes 05/12 for
/// the twelfth of May.
pub fn date(day: NaiveDate) -> String {
    day.format("%-d %B %Y").to_string()
}

/// An IBAN in groups of four, as it is printed on paper (ISO 13616), so
/// the buyer can copy it without losing their place.
pub fn iban(iban: &str) -> String {
    let compact: Vec<char> = iban.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_uppercase).collect();
    compact.chunks(4).map(|group| group.iter().collect::<String>()).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_has_two_decimals_and_grouped_thousands() {
        assert_eq!(money(149_500, "EUR"), "€1,495.00");
        assert_eq!(money(0, "EUR"), "€0.00");
        assert_eq!(money(5, "EUR"), "€0.05");
        assert_eq!(money(99_999, "EUR"), "€999.99");
        assert_eq!(money(100_000, "EUR"), "€1,000.00");
        assert_eq!(money(123_456_789_01, "EUR"), "€123,456,789.01");
        assert_eq!(money(-149_500, "EUR"), "-€1,495.00");
        assert_eq!(money(149_500, "CHF"), "1,495.00 CHF");
        assert_eq!(money(-7, "GBP"), "-0.07 GBP");
        assert_eq!(money(i64::MIN, "EUR"), "-€92,233,720,368,547,758.08");
        assert_eq!(money(i64::MAX, "EUR"), "€92,233,720,368,547,758.07");
    }

    #[test]
    fn rates_print_as_percentages_without_trailing_zeros() {
        assert_eq!(rate(1800), "18%");
        assert_eq!(rate(0), "0%");
        assert_eq!(rate(550), "5.5%");
        assert_eq!(rate(775), "7.75%");
        assert_eq!(rate(5), "0.05%");
        assert_eq!(rate(10_000), "100%");
        assert_eq!(rate(-250), "-2.5%");
    }

    #[test]
    fn dates_spell_out_the_month() {
        assert_eq!(date(NaiveDate::from_ymd_opt(2026, 12, 5).unwrap()), "5 December 2026");
        assert_eq!(date(NaiveDate::from_ymd_opt(2027, 1, 31).unwrap()), "31 January 2027");
    }

    #[test]
    fn ibans_are_grouped_in_fours() {
        assert_eq!(iban("mt84malt011000012345mtlcast001s"), "MT84 MALT 0110 0001 2345 MTLC AST0 01S");
        assert_eq!(iban("MT84 MALT 0110"), "MT84 MALT 0110");
        assert_eq!(iban(""), "");
    }
}
