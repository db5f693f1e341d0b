//! Reading reports: the versioned report record, its canonical bytes, files and autosave.
//!
//! * [`model`]: the serde structs ([`ReadingReport`] and its parts), status and signature meaning.
//! * [`canonical`]: RFC 8785 canonical JSON (what is hashed and signed) and the deterministic
//!   pretty form report files are written in.
//! * [`file`](mod@file): strict parsing, atomic writes and draft autosave to a file.
//! * [`draft`]: building a draft from a grading input (runs the grading engine).
//! * [`render`]: the human-readable form with the Part 11 signature manifestation.
//! * [`summary`]: what a signature will cover (values, grade, images), for the signing dialog.
//! * [`visit`]: trial visits.

pub mod canonical;
pub mod draft;
pub mod file;
pub mod model;
pub mod render;
pub mod summary;
pub mod visit;

pub use file::{
    ReportFileError, autosave_draft_file, new_id, parse_report, read_report, render_report,
    write_atomic, write_inside, write_report,
};
pub use model::{
    GradeSection, ImageRef, MeasurementGeometry, REPORT_SCHEMA_VERSION, ReaderCertificate,
    ReadingReport, ReportMeasurement, ReportStatus, SignatureBlock, SignatureMeaning, StudyRef,
    SupersededRef, ValueWithUnit, engine_build,
};
pub use visit::{UnknownVisit, Visit};

use time::OffsetDateTime;
use time::macros::format_description;

/// Formats `t` as RFC 3339 UTC with whole seconds: `2026-05-01T14:03:27Z`.
pub fn format_utc(t: OffsetDateTime) -> String {
    let utc = t.to_offset(time::UtcOffset::UTC);
    let fmt = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    // Invariant: every in-range UTC date-time formats with this description.
    utc.format(&fmt)
        .unwrap_or_else(|_| utc.unix_timestamp().to_string())
}

/// Parses a time written by [`format_utc`]; `None` for anything else (other offsets, fractions).
pub fn parse_utc(s: &str) -> Option<OffsetDateTime> {
    let t = OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()?;
    (format_utc(t) == s).then_some(t)
}

/// The current time (UTC).
pub fn now_utc() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}
