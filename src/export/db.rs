//! Selecting signed reads from the reading database for export: one subject, one visit, or the
//! whole trial, as the signed-in user may see them (blinding is the store's: blinded roles are
//! refused versions that carry a visit, so visit-bearing exports need an admin).

use std::path::{Path, PathBuf};

use super::{ExportError, SignedInput};
use crate::report::{Visit, render_report};
use crate::signing::lab::NOT_CERTIFIED;
use crate::signing::verify_report;
use crate::store::{Session, Store};

/// Which signed reads to export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// Every signed read of one subject.
    Subject(String),
    /// Every signed read of one visit.
    Visit(Visit),
    /// Every signed read.
    Trial,
}

impl Selection {
    fn matches(&self, r: &crate::report::ReadingReport) -> bool {
        match self {
            Selection::Subject(s) => r.subject_id.as_deref() == Some(s.as_str()),
            Selection::Visit(v) => r.visit == Some(*v),
            Selection::Trial => true,
        }
    }
}

/// The current signed version of every read `session` may see that matches `selection`,
/// sorted by subject, visit and read id. Each is verified, its signer checked against the
/// database's lab key, revocations and audit trail; `db_path` names them in messages
/// (`<db>#<read id>v<version>`).
pub fn signed_reads(
    store: &Store,
    session: &Session,
    selection: &Selection,
    db_path: &Path,
) -> Result<Vec<SignedInput>, ExportError> {
    let store_err = |e: crate::store::StoreError| ExportError::Invalid(e.to_string());
    let mut out = Vec::new();
    for summary in store.reads_visible_to(session).map_err(store_err)? {
        let Some(version) = summary.signed_version else {
            continue;
        };
        let report = store
            .read_version(session, &summary.read_id, version)
            .map_err(store_err)?;
        if !selection.matches(&report) {
            continue;
        }
        let path = PathBuf::from(format!(
            "{}#{}v{version}",
            db_path.display(),
            summary.read_id
        ));
        let v = verify_report(&report);
        if !v.is_intact() {
            return Err(ExportError::NotSigned {
                path,
                problems: v.problems.join("; "),
            });
        }
        let trust = store
            .lab_trust(None)
            .map_err(|e| ExportError::NotCertified {
                path: path.clone(),
                problem: format!("{NOT_CERTIFIED}: {e}"),
            })?;
        let problems = match &report.signature {
            Some(block) => store.check_signer_trust(block, &trust).map_err(store_err)?,
            None => vec!["not signed".to_owned()],
        };
        if !problems.is_empty() {
            return Err(ExportError::NotCertified {
                path,
                problem: problems.join("; "),
            });
        }
        let bytes = render_report(&report)
            .map_err(|e| ExportError::Invalid(e.to_string()))?
            .into_bytes();
        out.push(SignedInput {
            path,
            bytes,
            report,
        });
    }
    out.sort_by(|a, b| {
        (&a.report.subject_id, a.report.visit, &a.report.report_id).cmp(&(
            &b.report.subject_id,
            b.report.visit,
            &b.report.report_id,
        ))
    });
    if out.is_empty() {
        return Err(ExportError::Invalid(format!(
            "no signed read in {} matches {selection:?} for {}",
            db_path.display(),
            session.reader_id()
        )));
    }
    Ok(out)
}
