//! Human-readable rendering of a report, including the Part 11 signature manifestation
//! (§11.50(b): printed name, date and time, and meaning appear in every human-readable form).

use std::fmt::Write as _;

use super::model::{ReadingReport, SignatureBlock, SignatureMeaning};

/// The one-line manifestation of a signature, e.g.
/// `Electronically signed by Jane Roe (reader01) on 2026-05-01T14:03:27Z (UTC) — meaning: authorship (I am the author of this reading report)`.
pub fn manifestation_line(block: &SignatureBlock) -> String {
    format!(
        "Electronically signed by {} ({}) on {} (UTC) — meaning: {} ({})",
        block.printed_name,
        block.signer_id,
        block.signed_at_utc,
        block.meaning.code(),
        block.meaning.statement()
    )
}

/// The text of the signing dialog (shown before the reader types id and passphrase again):
/// who signs, the meaning, and that the time is recorded in UTC at signing.
pub fn signing_dialog_text(
    printed_name: &str,
    reader_id: &str,
    meaning: SignatureMeaning,
) -> String {
    format!(
        "I, {printed_name} ({reader_id}), sign this reading report electronically.\n\
         Meaning of this signature: {} — {}.\n\
         The date and time of signing are recorded in UTC. My printed name, the date and time \
         and this meaning become part of the signed record and appear on every display and \
         printout of it (21 CFR 11.50). Once signed, the report is locked: changes require an \
         amendment, which is signed again.\n\
         Enter your reader id and passphrase to sign.",
        meaning.code(),
        meaning.statement()
    )
}

/// Multi-line text form of a report for terminals and printouts.
pub fn render_text(report: &ReadingReport) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Reading report {} version {} — {}",
        report.report_id,
        report.version,
        report.status.code()
    );
    if let Some(sup) = &report.supersedes {
        let _ = writeln!(
            s,
            "Amends version {} (record sha256 {})",
            sup.version, sup.record_sha256
        );
    }
    let _ = writeln!(
        s,
        "Reader: {}",
        report.reader_id.as_deref().unwrap_or("(not set)")
    );
    if let Some(study) = &report.study {
        let _ = writeln!(
            s,
            "Study: {} ({} image file(s))",
            study.study_instance_uid,
            study.images.len()
        );
    }
    if let Some(subject) = &report.subject_id {
        let _ = writeln!(s, "Subject: {subject}");
    }
    if let Some(visit) = report.visit {
        let _ = writeln!(s, "Visit: {visit}");
    }
    let _ = writeln!(
        s,
        "Created: {} by {}",
        report.created_utc, report.engine_build
    );
    if !report.measurements.is_empty() {
        let _ = writeln!(s, "Measurements:");
        for m in &report.measurements {
            let place = match &m.geometry {
                Some(g) => format!(
                    " [frame {}, {} point(s){}]",
                    g.frame
                        .map(|f| f.to_string())
                        .unwrap_or_else(|| "-".to_owned()),
                    g.points_px.len(),
                    g.region
                        .map(|r| format!(", region {r}"))
                        .unwrap_or_default()
                ),
                None => String::new(),
            };
            let value = match (m.value, &m.unit) {
                (Some(v), Some(u)) => format!("{v} {u}"),
                (Some(v), None) => v.to_string(),
                _ => "(drawn)".to_owned(),
            };
            let _ = writeln!(s, "  {:<32} {value}{place}", m.quantity);
        }
    }
    if !report.derived.is_empty() {
        let _ = writeln!(s, "Derived values:");
        for (id, v) in &report.derived {
            let _ = writeln!(s, "  {id:<32} {} {}", v.value, v.unit);
        }
    }
    if !report.findings.is_empty() {
        let _ = writeln!(s, "Findings:");
        for (id, v) in &report.findings {
            let _ = writeln!(s, "  {id:<32} {v}");
        }
    }
    if let Some(g) = &report.grade {
        let _ = writeln!(
            s,
            "Grade: {} (rule set {} version {}{})",
            g.result.grade.as_str(),
            g.result.guideline.id,
            g.result.guideline.version,
            g.protocol_id
                .as_deref()
                .map(|p| format!(", protocol {p}"))
                .unwrap_or_default()
        );
        for line in super::draft::grade_summary_lines(g) {
            let _ = writeln!(s, "  {line}");
        }
    }
    if !report.comment.is_empty() {
        let _ = writeln!(s, "Comment: {}", report.comment);
    }
    match &report.signature {
        Some(b) => {
            let _ = writeln!(s, "{}", manifestation_line(b));
            let _ = writeln!(s, "Key fingerprint (SHA-256): {}", b.key_fingerprint_sha256);
        }
        None => {
            let _ = writeln!(s, "Not signed.");
        }
    }
    s
}
