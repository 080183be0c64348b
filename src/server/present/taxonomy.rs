//! The academy's own data as the back office shows it: kinds in words,
//! holidays as days of the week.

use super::Presenter;
use crate::model::query::Kind;
use crate::model::taxonomy::{HolidayLine, SettingsView, Taxon, TaxonEdit, TaxonLine, TaxonListQuery, TaxonListView};
use crate::server::catalogue::settings::Academy;
use crate::server::catalogue::taxonomy::{TaxonLineRow, TaxonRecord};

fn kinds() -> Vec<(String, String)> {
    Kind::ALL.iter().map(|k| (k.as_str().to_string(), k.label().to_string())).collect()
}

impl Presenter<'_> {
    pub fn taxon_list(
        &self,
        taxon: Taxon,
        query: TaxonListQuery,
        rows: Vec<TaxonLineRow>,
        total: i64,
    ) -> TaxonListView {
        let lines = rows
            .into_iter()
            .map(|row| TaxonLine {
                detail: match taxon {
                    Taxon::Category => Kind::parse(&row.detail).map_or(row.detail, |k| k.label().to_string()),
                    Taxon::Campus | Taxon::Instructor => row.detail,
                },
                id: row.id,
                slug: row.slug,
                name: row.name,
                uses: row.uses,
            })
            .collect();
        TaxonListView { taxon, query, lines, total }
    }

    /// A record's edit form: `record` is `None` for a new one of `taxon`.
    pub fn taxon_edit(&self, taxon: Taxon, record: Option<TaxonRecord>) -> TaxonEdit {
        let (id, version, values, uses) = match record {
            Some(r) => (Some(r.id), r.version, r.values.into_iter().map(|(k, v)| (k.to_string(), v)).collect(), r.uses),
            None => {
                let fresh: Vec<(String, String)> = match taxon {
                    Taxon::Category => vec![("kind".into(), Kind::It.as_str().into()), ("position".into(), "0".into())],
                    Taxon::Campus => vec![("timezone".into(), self.tz.name().into())],
                    Taxon::Instructor => Vec::new(),
                };
                (None, 0, fresh, 0)
            }
        };
        TaxonEdit { taxon, id, version, values, uses, kinds: kinds() }
    }

    pub fn settings(&self, academy: &Academy) -> SettingsView {
        SettingsView {
            version: academy.version,
            phone: academy.phone.clone(),
            email: academy.email.clone(),
            opening_hours: academy.opening_hours.clone(),
            holidays: academy
                .holidays
                .iter()
                .map(|h| HolidayLine { id: h.id, day: h.day.format("%a %-d %b %Y").to_string(), name: h.name.clone() })
                .collect(),
        }
    }
}
