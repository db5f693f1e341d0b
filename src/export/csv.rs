//! CSV for the trial database: UTF-8, RFC 4180 quoting (the `csv` crate), deterministic columns.
//!
//! * Wide ([`wide_csv`]): one row per signed read. Columns: the read and signature columns of
//!   [`META_COLUMNS`], then one column per numeric catalog id with the unit in its name
//!   (`mr_eroa_pisa_cm2`, `mr_vc_width_cm`, `lv_ef_pct`: see [`value_column`]), in catalog
//!   order (measurements, then derived values), then one column per finding (`mr_etiology`).
//!   The column set depends only on the catalog, never on the data.
//!   `warnings` holds the grading warnings (implausible values, inconsistent methods, …) as
//!   `code: message` joined by ` | `.
//! * Long ([`long_csv`]): one row per value, finding, grade, eligibility result and grading
//!   warning (kind `warning`, parameter = the warning code), with the columns of
//!   [`LONG_COLUMNS`].

use std::collections::BTreeSet;

use crate::catalog::Catalog;
use crate::compare::{ValueSource, all_values, param_value};
use crate::measure::{DrawKind, Unit};
use crate::report::ReadingReport;

/// The read and signature columns of the wide CSV, in order.
pub const META_COLUMNS: [&str; 21] = [
    "report_id",
    "report_version",
    "subject_id",
    "visit",
    "visit_months",
    "study_instance_uid",
    "reader_id",
    "signer_id",
    "signer_name",
    "signed_at_utc",
    "signature_meaning",
    "content_sha256",
    "guideline_id",
    "ruleset_version",
    "protocol_id",
    "mr_grade",
    "mr_grade_label",
    "grade_basis",
    "grade_discordant",
    "eligibility",
    "warnings",
];

/// The columns of the long CSV (`read` is 1 for a first read, 2 for a blinded re-read).
pub const LONG_COLUMNS: [&str; 15] = [
    "report_id",
    "report_version",
    "subject_id",
    "visit",
    "reader_id",
    "signer_name",
    "signed_at_utc",
    "signature_meaning",
    "kind",
    "parameter",
    "label",
    "value",
    "unit",
    "source",
    "read",
];

/// The column-name suffix of a unit (`cm2`, `cm_s`, `ml`, `pct`, `mmhg`).
pub fn unit_suffix(unit: Unit) -> &'static str {
    match unit {
        Unit::Cm => "cm",
        Unit::Mm => "mm",
        Unit::M => "m",
        Unit::Cm2 => "cm2",
        Unit::Mm2 => "mm2",
        Unit::CmPerS => "cm_s",
        Unit::MPerS => "m_s",
        Unit::Ml => "ml",
        Unit::L => "l",
        Unit::MlPerS => "ml_s",
        Unit::Percent => "pct",
        Unit::S => "s",
        Unit::Ms => "ms",
        Unit::Deg => "deg",
        Unit::MmHg => "mmhg",
        Unit::Ratio => "ratio",
    }
}

/// The wide-CSV column of a numeric id in `unit`: `<id>_<unit suffix>`.
pub fn value_column(id: &str, unit: Unit) -> String {
    format!("{id}_{}", unit_suffix(unit))
}

/// The numeric ids of the wide CSV with their units, in column order.
pub fn value_ids() -> Vec<(String, Unit)> {
    let catalog = Catalog::builtin();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for e in catalog.entries() {
        if let (Some(unit), false) = (e.unit, e.is_finding() || e.kind == DrawKind::LvContour)
            && seen.insert(e.id.clone())
        {
            out.push((e.id.clone(), unit));
        }
    }
    for d in catalog.derived() {
        if seen.insert(d.id.clone()) {
            out.push((d.id.clone(), d.unit));
        }
    }
    out
}

/// The finding ids of the wide CSV, in catalog order.
pub fn finding_ids() -> Vec<String> {
    Catalog::builtin()
        .entries()
        .iter()
        .filter(|e| e.is_finding())
        .map(|e| e.id.clone())
        .collect()
}

/// Every wide-CSV column name, in order.
pub fn wide_columns() -> Vec<String> {
    let mut cols: Vec<String> = META_COLUMNS.iter().map(|s| (*s).to_owned()).collect();
    cols.extend(value_ids().into_iter().map(|(id, u)| value_column(&id, u)));
    cols.extend(finding_ids());
    cols
}

fn num(v: f64) -> String {
    // Rust prints the shortest text that reads back to the same f64.
    format!("{v}")
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn eligibility_code(r: &ReadingReport) -> String {
    crate::compare::report_eligibility(r)
        .map(|s| match s {
            crate::protocol::EligibilityStatus::Eligible => "eligible",
            crate::protocol::EligibilityStatus::NotEligible => "not_eligible",
            crate::protocol::EligibilityStatus::Incomplete => "incomplete",
        })
        .unwrap_or_default()
        .to_owned()
}

fn meta_fields(r: &ReadingReport) -> Vec<String> {
    let sig = r.signature.as_ref();
    let g = r.grade.as_ref();
    vec![
        r.report_id.clone(),
        r.version.to_string(),
        opt(r.subject_id.as_deref()),
        opt(r.visit.map(|v| v.code())),
        opt(r.visit.map(|v| v.months())),
        opt(r.study.as_ref().map(|s| s.study_instance_uid.as_str())),
        opt(r.reader_id.as_deref()),
        opt(sig.map(|s| s.signer_id.as_str())),
        opt(sig.map(|s| s.printed_name.as_str())),
        opt(sig.map(|s| s.signed_at_utc.as_str())),
        opt(sig.map(|s| s.meaning.code())),
        opt(sig.map(|s| s.content_sha256.as_str())),
        opt(g.map(|g| g.result.guideline.id.as_str())),
        opt(g.map(|g| g.result.guideline.version.as_str())),
        opt(g.and_then(|g| g.protocol_id.as_deref())),
        opt(g.map(|g| g.result.grade.as_str())),
        opt(g.map(|g| g.result.grade_label.as_str())),
        opt(g.map(|g| g.result.basis.as_str())),
        opt(g.map(|g| g.result.discordant)),
        eligibility_code(r),
        g.map(|g| {
            g.result
                .warnings
                .iter()
                .map(|w| format!("{}: {}", w.code, w.message))
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .unwrap_or_default(),
    ]
}

fn finish(w: csv::Writer<Vec<u8>>) -> Result<Vec<u8>, String> {
    w.into_inner().map_err(|e| e.to_string())
}

/// One row per read (see the module docs).
pub fn wide_csv(reports: &[ReadingReport]) -> Result<Vec<u8>, String> {
    let ids = value_ids();
    let findings = finding_ids();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(wide_columns()).map_err(|e| e.to_string())?;
    for r in reports {
        let mut row = meta_fields(r);
        for (id, unit) in &ids {
            row.push(
                param_value(r, id)
                    .and_then(|v| v.unit.convert(v.value, *unit).ok())
                    .map(num)
                    .unwrap_or_default(),
            );
        }
        for f in &findings {
            row.push(opt(r.findings.get(f)));
        }
        w.write_record(&row).map_err(|e| e.to_string())?;
    }
    finish(w)
}

/// One row per value, finding, grade and eligibility (see the module docs).
pub fn long_csv(reports: &[ReadingReport]) -> Result<Vec<u8>, String> {
    let catalog = Catalog::builtin();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(LONG_COLUMNS).map_err(|e| e.to_string())?;
    for r in reports {
        let sig = r.signature.as_ref();
        let head = [
            r.report_id.clone(),
            r.version.to_string(),
            opt(r.subject_id.as_deref()),
            opt(r.visit.map(|v| v.code())),
            opt(r.reader_id.as_deref()),
            opt(sig.map(|s| s.printed_name.as_str())),
            opt(sig.map(|s| s.signed_at_utc.as_str())),
            opt(sig.map(|s| s.meaning.code())),
        ];
        let mut write =
            |kind: &str, id: &str, label: &str, value: String, unit: &str, src: String| {
                let mut row: Vec<String> = head.to_vec();
                row.extend([
                    kind.to_owned(),
                    id.to_owned(),
                    label.to_owned(),
                    value,
                    unit.to_owned(),
                    src,
                    r.read_number.unwrap_or(1).to_string(),
                ]);
                w.write_record(&row).map_err(|e| e.to_string())
            };
        if let Some(g) = &r.grade {
            write(
                "grade",
                "mr_grade",
                "MR grade",
                g.result.grade.as_str().to_owned(),
                "",
                g.ruleset_label(),
            )?;
            let e = eligibility_code(r);
            if !e.is_empty() {
                write(
                    "eligibility",
                    "eligibility",
                    "Protocol eligibility",
                    e,
                    "",
                    opt(g.protocol_id.as_deref()),
                )?;
            }
            for warning in &g.result.warnings {
                write(
                    "warning",
                    &warning.code,
                    "Grading warning",
                    warning.message.clone(),
                    "",
                    g.ruleset_label(),
                )?;
            }
        }
        for (id, v) in all_values(r) {
            let src = match &v.source {
                ValueSource::Derived { method } => {
                    format!(
                        "derived{}",
                        method.as_ref().map(|m| format!(":{m}")).unwrap_or_default()
                    )
                }
                ValueSource::Measured { count } => format!("measured:{count}"),
            };
            write(
                "value",
                &id,
                catalog.label(&id),
                num(v.value),
                v.unit.symbol(),
                src,
            )?;
        }
        for (id, f) in &r.findings {
            write(
                "finding",
                id,
                catalog.label(id),
                f.to_string(),
                "",
                String::new(),
            )?;
        }
    }
    finish(w)
}

/// Adds a last column `version_status` (`current` / `superseded`) to a wide or long CSV, keyed
/// by its first two columns (report id and version).
pub fn with_status_column(
    csv_bytes: &[u8],
    status: &std::collections::BTreeMap<(String, u32), &str>,
) -> Result<Vec<u8>, String> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv_bytes);
    let mut w = csv::Writer::from_writer(Vec::new());
    for (n, rec) in r.records().enumerate() {
        let rec = rec.map_err(|e| e.to_string())?;
        let mut row: Vec<String> = rec.iter().map(str::to_owned).collect();
        if n == 0 {
            row.push("version_status".to_owned());
        } else {
            let key = (
                rec.get(0).unwrap_or_default().to_owned(),
                rec.get(1).and_then(|v| v.parse().ok()).unwrap_or(0),
            );
            row.push(status.get(&key).copied().unwrap_or("current").to_owned());
        }
        w.write_record(&row).map_err(|e| e.to_string())?;
    }
    finish(w)
}
