//! The agreement report as a flat table: one row per parameter and scope (inter, intra), the
//! same columns in the GUI, the CSV table export and the PDF QC report.

use super::analysis::{AgreementReport, Entry};
use super::icc::Estimate;

/// Column headers of [`rows`], in order.
pub const COLUMNS: [&str; 14] = [
    "scope",
    "parameter",
    "unit",
    "n",
    "raters",
    "missing",
    "icc_2_1",
    "icc_2_1_ci95",
    "icc_3_1",
    "icc_3_1_ci95",
    "bias",
    "loa95",
    "wscv_percent",
    "agreement",
];

fn num(v: f64) -> String {
    format!("{v:.3}")
}

fn opt(v: Option<f64>) -> String {
    v.map(num).unwrap_or_default()
}

fn est(e: Option<&Estimate>) -> (String, String) {
    match e {
        None => (String::new(), String::new()),
        Some(e) => (
            num(e.value),
            e.ci95
                .map(|[lo, hi]| format!("{} to {}", num(lo), num(hi)))
                .unwrap_or_default(),
        ),
    }
}

fn row(scope: &str, e: &Entry) -> Vec<String> {
    match e {
        Entry::Continuous(c) => {
            let (i2, i2ci) = est(c.icc_2_1.as_ref());
            let (i3, i3ci) = est(c.icc_3_1.as_ref());
            let ba = c.bland_altman.flatten();
            vec![
                scope.to_owned(),
                c.parameter.clone(),
                c.unit.clone().unwrap_or_default(),
                c.n.to_string(),
                c.raters.to_string(),
                c.missing.to_string(),
                i2,
                i2ci,
                i3,
                i3ci,
                opt(ba.map(|b| b.bias)),
                ba.map(|b| format!("{} to {}", num(b.loa[0]), num(b.loa[1])))
                    .unwrap_or_default(),
                opt(c.wscv_percent.flatten()),
                String::new(),
            ]
        }
        Entry::Grade(g) => {
            let mut agreement = g
                .percent_agreement
                .map(|p| format!("{p:.1} % agree"))
                .unwrap_or_default();
            if let Some(k) = &g.kappa {
                agreement.push_str(&format!(
                    "; kappa {} / linear {} / quadratic {}",
                    opt(k.unweighted),
                    opt(k.linear),
                    opt(k.quadratic)
                ));
            }
            if let Some(f) = g.fleiss_kappa {
                agreement.push_str(&format!("; Fleiss kappa {}", opt(f)));
            }
            let mut r = vec![
                scope.to_owned(),
                g.parameter.clone(),
                String::new(),
                g.n.to_string(),
                g.raters.to_string(),
                g.missing.to_string(),
            ];
            r.extend(std::iter::repeat_n(String::new(), 7));
            r.push(agreement);
            r
        }
    }
}

/// One row per entry: inter-reader entries first, then intra-reader.
pub fn rows(report: &AgreementReport) -> Vec<Vec<String>> {
    report
        .inter_reader
        .iter()
        .map(|e| row("inter", e))
        .chain(report.intra_reader.iter().map(|e| row("intra", e)))
        .collect()
}

/// Column headers of [`reader_rows`].
pub const READER_COLUMNS: [&str; 7] = [
    "reader",
    "reads",
    "rereads",
    "pairs",
    "discordance_rate",
    "adjudication_rate",
    "adjudicator_sided_rate",
];

/// One row per reader.
pub fn reader_rows(report: &AgreementReport) -> Vec<Vec<String>> {
    report
        .readers
        .iter()
        .map(|r| {
            vec![
                r.reader.clone(),
                r.reads.to_string(),
                r.rereads.to_string(),
                r.pairs.map(|p| p.to_string()).unwrap_or_default(),
                opt(r.discordance_rate),
                opt(r.adjudication_rate),
                opt(r.adjudicator_sided_rate),
            ]
        })
        .collect()
}

/// The table and the reader rows as CSV (two sections separated by an empty line).
pub fn to_csv(report: &AgreementReport) -> Result<Vec<u8>, String> {
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    w.write_record(COLUMNS).map_err(|e| e.to_string())?;
    for r in rows(report) {
        w.write_record(&r).map_err(|e| e.to_string())?;
    }
    w.write_record([""]).map_err(|e| e.to_string())?;
    w.write_record(READER_COLUMNS).map_err(|e| e.to_string())?;
    for r in reader_rows(report) {
        w.write_record(&r).map_err(|e| e.to_string())?;
    }
    w.into_inner().map_err(|e| e.to_string())
}
