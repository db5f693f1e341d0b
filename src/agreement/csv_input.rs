//! Observations from CSV text: the long CSV that `echolab export --format csv --long` writes
//! (one row per value), or any CSV with the columns `subject,visit,reader,read,parameter,value`.
//!
//! Accepted column names: `subject`/`subject_id`, `visit`, `reader`/`reader_id`,
//! `read`/`read_number` (optional, default 1), `parameter`, `value`, and optionally `trial` /
//! `trial_id`, `unit` (values are converted to the catalog unit) and `kind` (rows whose kind is
//! not `value` or `grade`, such as findings and eligibility, are skipped). A value is a number,
//! or a grade word for `mr_grade` (`indeterminate` counts as missing).

use std::collections::BTreeMap;

use super::data::{GRADE_PARAMETER, Observation, ObservedValue};
use crate::catalog::Catalog;
use crate::grading::Grade;
use crate::measure::Unit;

/// Why a CSV was refused; every message names the row (line number in the file).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CsvInputError(pub String);

struct Columns {
    subject: usize,
    visit: usize,
    reader: usize,
    read: Option<usize>,
    parameter: usize,
    value: usize,
    trial: Option<usize>,
    unit: Option<usize>,
    kind: Option<usize>,
}

fn find(headers: &csv::StringRecord, names: &[&str]) -> Option<usize> {
    headers
        .iter()
        .position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)))
}

fn columns(headers: &csv::StringRecord) -> Result<Columns, CsvInputError> {
    let need = |names: &[&str]| {
        find(headers, names).ok_or_else(|| {
            CsvInputError(format!(
                "row 1: no `{}` column (need subject, visit, reader, read, parameter, value)",
                names.first().copied().unwrap_or_default()
            ))
        })
    };
    Ok(Columns {
        subject: need(&["subject", "subject_id"])?,
        visit: need(&["visit"])?,
        reader: need(&["reader", "reader_id"])?,
        read: find(headers, &["read", "read_number"]),
        parameter: need(&["parameter"])?,
        value: need(&["value"])?,
        trial: find(headers, &["trial", "trial_id"]),
        unit: find(headers, &["unit"]),
        kind: find(headers, &["kind"]),
    })
}

fn cell(rec: &csv::StringRecord, i: usize) -> &str {
    rec.get(i).unwrap_or_default().trim()
}

/// Parses CSV text into observations. Refused, with the row named: an unknown parameter, a
/// non-numeric value, a read number other than 1 or 2, a value given twice, or a file with one
/// reader and no re-reads (nothing to compare).
pub fn observations_from_csv(text: &[u8]) -> Result<Vec<Observation>, CsvInputError> {
    let catalog = Catalog::builtin();
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(text);
    let headers = rdr
        .headers()
        .map_err(|e| CsvInputError(format!("row 1: {e}")))?
        .clone();
    let cols = columns(&headers)?;
    let mut out = Vec::new();
    let mut seen: BTreeMap<(String, String, String, u32, String), u64> = BTreeMap::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| CsvInputError(format!("CSV: {e}")))?;
        let row = rec.position().map_or(0, |p| p.line());
        if let Some(k) = cols.kind
            && !matches!(cell(&rec, k), "value" | "grade" | "")
        {
            continue;
        }
        let parameter = cell(&rec, cols.parameter).to_owned();
        let raw = cell(&rec, cols.value);
        let value = if parameter == GRADE_PARAMETER {
            let g = Grade::parse(raw).ok_or_else(|| {
                CsvInputError(format!(
                    "row {row}: `{raw}` is not an MR grade (mild, mild_to_moderate, \
                     moderate_to_severe, severe or indeterminate)"
                ))
            })?;
            ObservedValue::Grade(g)
        } else {
            let Some(target) = catalog.unit(&parameter) else {
                return Err(CsvInputError(format!(
                    "row {row}: unknown parameter `{parameter}` (not in the measurement catalog)"
                )));
            };
            let v: f64 = raw
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite())
                .ok_or_else(|| {
                    CsvInputError(format!(
                        "row {row}: value `{raw}` of `{parameter}` is not a number"
                    ))
                })?;
            let v = match cols.unit.map(|u| cell(&rec, u)).filter(|u| !u.is_empty()) {
                None => v,
                Some(u) => Unit::parse(u)
                    .ok()
                    .and_then(|unit| unit.convert(v, target).ok())
                    .ok_or_else(|| {
                        CsvInputError(format!(
                            "row {row}: unit `{u}` does not fit `{parameter}` ({})",
                            target.symbol()
                        ))
                    })?,
            };
            ObservedValue::Number(v)
        };
        let read = match cols.read.map(|i| cell(&rec, i)).filter(|s| !s.is_empty()) {
            None => 1,
            Some("1") => 1,
            Some("2") => 2,
            Some(other) => {
                return Err(CsvInputError(format!(
                    "row {row}: read `{other}` is not 1 (first read) or 2 (re-read)"
                )));
            }
        };
        let reader = cell(&rec, cols.reader).to_owned();
        let subject = cell(&rec, cols.subject).to_owned();
        if reader.is_empty() || subject.is_empty() {
            return Err(CsvInputError(format!(
                "row {row}: subject and reader must not be empty"
            )));
        }
        // Visit codes as the database writes them (`6`, `Month 6` → `month6`); others kept.
        let raw_visit = cell(&rec, cols.visit);
        let visit = raw_visit
            .parse::<crate::report::Visit>()
            .map_or_else(|_| raw_visit.to_owned(), |v| v.code().to_owned());
        let key = (
            subject.clone(),
            visit.clone(),
            reader.clone(),
            read,
            parameter.clone(),
        );
        if let Some(first) = seen.insert(key, row) {
            return Err(CsvInputError(format!(
                "row {row}: a second value of `{parameter}` for subject {subject}, reader \
                 {reader}, read {read} (first on row {first})"
            )));
        }
        out.push(Observation {
            subject,
            visit,
            trial: cols
                .trial
                .map(|i| cell(&rec, i).to_owned())
                .filter(|t| !t.is_empty()),
            reader,
            read,
            parameter,
            value,
        });
    }
    let first = out.first().map(|o| o.reader.clone());
    if let Some(only) = first
        && out.iter().all(|o| o.reader == only && o.read == 1)
    {
        return Err(CsvInputError(format!(
            "row 2: reader {only} is the only rater and there are no re-reads: agreement needs \
             two readers or read 2"
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_csv_parses_numbers_and_grades() {
        let text = "subject,visit,reader,read,parameter,value\n\
                    S1,baseline,a,1,mr_eroa,0.4\n\
                    S1,baseline,b,1,mr_eroa,0.5\n\
                    S1,baseline,a,2,mr_grade,severe\n";
        let obs = observations_from_csv(text.as_bytes()).unwrap();
        assert_eq!(obs.len(), 3);
        assert_eq!(obs[1].value, ObservedValue::Number(0.5));
        assert_eq!(obs[2].read, 2);
        assert_eq!(obs[2].value, ObservedValue::Grade(Grade::Severe));
    }

    #[test]
    fn refusals_name_the_row() {
        let head = "subject,visit,reader,read,parameter,value\n";
        let bad = [
            (
                "S1,baseline,a,1,mr_eroa,0.4\nS1,baseline,b,1,no_such,1\n",
                "row 3: unknown parameter",
            ),
            (
                "S1,baseline,a,1,mr_eroa,0.4\nS1,baseline,b,1,mr_eroa,big\n",
                "row 3: value `big`",
            ),
            (
                "S1,baseline,a,1,mr_eroa,0.4\nS2,baseline,a,1,mr_eroa,0.5\n",
                "row 2: reader a is the only rater",
            ),
            ("S1,baseline,a,3,mr_eroa,0.4\n", "row 2: read `3`"),
            (
                "S1,baseline,a,1,mr_grade,huge\n",
                "row 2: `huge` is not an MR grade",
            ),
        ];
        for (rows, want) in bad {
            let err = observations_from_csv(format!("{head}{rows}").as_bytes()).unwrap_err();
            assert!(err.0.starts_with(want), "{err} (want {want})");
        }
    }

    #[test]
    fn long_export_columns_units_and_kinds() {
        let text = "report_id,report_version,subject_id,visit,reader_id,kind,parameter,value,unit,read\n\
                    r1,1,S1,baseline,a,value,mr_vc_width,5,mm,1\n\
                    r1,1,S1,baseline,a,finding,mr_etiology,primary,,1\n\
                    r2,1,S1,baseline,b,value,mr_vc_width,0.6,cm,1\n";
        let obs = observations_from_csv(text.as_bytes()).unwrap();
        assert_eq!(obs.len(), 2);
        assert_eq!(obs[0].value, ObservedValue::Number(0.5));
    }
}
