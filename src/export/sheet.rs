//! The read sheet: a report's values, grade and signature flattened for printing and encoding.

use crate::calc::display_2dp;
use crate::catalog::Catalog;
use crate::compare::{KEY_PARAMETERS, ParamValue, ValueSource, all_values};
use crate::report::ReadingReport;

/// One printed value.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetRow {
    /// Catalog id.
    pub id: String,
    /// Catalog label.
    pub label: String,
    /// The value.
    pub value: ParamValue,
    /// `0.45 cm²`.
    pub display: String,
    /// `derived (pisa)`, `measured (3)`.
    pub source: String,
    /// True for the key parameters of the delta table.
    pub key: bool,
}

fn order_of(catalog: &Catalog, id: &str) -> usize {
    if let Some(i) = KEY_PARAMETERS.iter().position(|p| p.id == id) {
        return i;
    }
    let n = KEY_PARAMETERS.len();
    if let Some(i) = catalog.entries().iter().position(|e| e.id == id) {
        return n + i;
    }
    let m = catalog.entries().len();
    catalog
        .derived()
        .iter()
        .position(|d| d.id == id)
        .map_or(usize::MAX, |i| n + m + i)
}

/// The values of a report: the key parameters first, then catalog order.
pub fn sheet_rows(report: &ReadingReport) -> Vec<SheetRow> {
    let catalog = Catalog::builtin();
    let mut rows: Vec<SheetRow> = all_values(report)
        .into_iter()
        .map(|(id, value)| SheetRow {
            label: catalog.label(&id).to_owned(),
            display: format!(
                "{} {}",
                display_2dp(value.value),
                value.unit.display_symbol()
            )
            .trim_end()
            .to_owned(),
            source: match &value.source {
                ValueSource::Derived { method: Some(m) } => format!("derived ({m})"),
                ValueSource::Derived { method: None } => "derived".to_owned(),
                ValueSource::Measured { count: 1 } => "measured".to_owned(),
                ValueSource::Measured { count } => format!("mean of {count} measurements"),
            },
            key: KEY_PARAMETERS.iter().any(|p| p.id == id),
            id,
            value,
        })
        .collect();
    rows.sort_by_key(|r| (order_of(catalog, &r.id), r.id.clone()));
    rows
}

/// The grade summary lines of a report (label, basis, criteria, eligibility), or a single
/// "not graded" line.
pub fn grade_lines(report: &ReadingReport) -> Vec<String> {
    match &report.grade {
        Some(g) => crate::report::draft::grade_summary_lines(g),
        None => vec!["Not graded".to_owned()],
    }
}
