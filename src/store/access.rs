//! Roles and blinding, enforced in the queries.
//!
//! * A **reader** sees their own reads (every version). Another reader's read of the same study
//!   becomes visible (its signed versions only) once the reader has signed their own read of
//!   that study.
//! * An **adjudicator** sees their own reads and the signed versions of every read.
//! * An **admin** sees everything.
//!
//! * A reader chosen for a blinded **re-read** of a study (see `rereads.rs`) sees no read of that
//!   study, their own first read included, until the re-read is signed.
//!
//! Blinding: readers and adjudicators never see visit labels, study dates, treatment arms, or
//! site names when the trial says site names could unblind (the default when unknown). Reports
//! of blinded readers are created without the visit; a report shown to a blinded role that does
//! carry a visit is returned with it removed and flagged `redacted`.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::readers::{Role, Session};
use super::reads::{OpenedRead, ReadSummary, VersionInfo};
use super::{Store, StoreError, StoreResult};
use crate::audit::AuditEntry;
use crate::report::{ImageRef, ReadingReport, ReportStatus, Visit};

/// Status of an assigned study in a reader's worklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkStatus {
    /// Not started.
    ToRead,
    /// A draft exists.
    Draft,
    /// Signed.
    Signed,
    /// Signed, and an amendment draft is open.
    Amending,
}

impl WorkStatus {
    /// Display label (`to read`, `draft`, `signed`, `amending`).
    pub fn label(self) -> &'static str {
        match self {
            WorkStatus::ToRead => "to read",
            WorkStatus::Draft => "draft",
            WorkStatus::Signed => "signed",
            WorkStatus::Amending => "amending",
        }
    }
}

/// One row of a reader's worklist (blinded fields are `None` for blinded roles).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorklistItem {
    /// Study.
    pub study_uid: String,
    /// Subject.
    pub subject_id: Option<String>,
    /// Visit (hidden from blinded roles).
    pub visit: Option<Visit>,
    /// Site name (hidden from blinded roles when the trial says so).
    pub site_name: Option<String>,
    /// When assigned.
    pub assigned_utc: String,
    /// The reader's read of the study, once started.
    pub read_id: Option<String>,
    /// Status.
    pub status: WorkStatus,
    /// True when this is a blinded re-read (read 2) of a study the reader has read before.
    pub reread: bool,
}

/// A study as a session may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StudyView {
    /// Study Instance UID.
    pub study_uid: String,
    /// Subject.
    pub subject_id: Option<String>,
    /// Visit (hidden when blinded).
    pub visit: Option<Visit>,
    /// Study date (hidden when blinded: it reveals the time point).
    pub study_date: Option<String>,
    /// Site name (hidden when blinded and the trial says so).
    pub site_name: Option<String>,
    /// Treatment arm (hidden when blinded).
    pub treatment_arm: Option<String>,
    /// Files (UIDs and hashes).
    pub files: Vec<ImageRef>,
    /// True when fields were hidden.
    pub blinded: bool,
}

/// Visibility condition shared by the read queries (`:me`, `:role` bound by the caller;
/// `s.v` = current signed version). A reader with an unsigned blinded re-read of a study sees
/// no other read of that study, their own first read included, until the re-read is signed.
const VISIBLE_SQL: &str = "WITH latest AS (SELECT read_id, MAX(version) AS v FROM read_versions GROUP BY read_id), \
     signed AS (SELECT read_id, MAX(version) AS v FROM read_versions WHERE status = 'signed' GROUP BY read_id) \
     SELECT r.id, r.study_uid, r.reader_id, l.v, lv.status, s.v \
     FROM reads r JOIN latest l ON l.read_id = r.id \
     JOIN read_versions lv ON lv.read_id = r.id AND lv.version = l.v \
     LEFT JOIN signed s ON s.read_id = r.id \
     WHERE (:id IS NULL OR r.id = :id) AND ( \
       :role = 'admin' OR r.reader_id = :me \
       OR (s.v IS NOT NULL AND (:role = 'adjudicator' OR EXISTS ( \
           SELECT 1 FROM reads r2 JOIN read_versions v2 ON v2.read_id = r2.id \
           WHERE r2.reader_id = :me AND r2.study_uid = r.study_uid \
             AND v2.status IN ('signed', 'superseded'))))) \
     AND (:role = 'admin' OR (r.reader_id = :me AND r.read_number = 2) OR NOT EXISTS ( \
       SELECT 1 FROM rereads rr WHERE rr.study_uid = r.study_uid AND rr.reader_id = :me \
         AND NOT EXISTS (SELECT 1 FROM reads r3 JOIN read_versions v3 ON v3.read_id = r3.id \
           WHERE r3.study_uid = rr.study_uid AND r3.reader_id = :me AND r3.read_number = 2 \
             AND v3.status IN ('signed', 'superseded')))) \
     ORDER BY r.study_uid, r.reader_id, r.read_number, r.id";

/// True when `session` sees every version of a read by `owner`.
fn sees_drafts(session: &Session, owner: &str) -> bool {
    session.role() == Role::Admin || session.reader_id() == owner
}

impl Store {
    fn visible_reads(&self, session: &Session, id: Option<&str>) -> StoreResult<Vec<ReadSummary>> {
        let mut stmt = self.conn.prepare(VISIBLE_SQL)?;
        let rows = stmt.query_map(
            rusqlite::named_params! {":id": id, ":me": session.reader_id(), ":role": session.role().code()},
            |r| {
                let status: String = r.get(4)?;
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, u32>(3)?,
                    status,
                    r.get::<_, Option<u32>>(5)?,
                ))
            },
        )?;
        let mut out = Vec::new();
        for row in rows {
            let (read_id, study_uid, reader_id, latest, status, signed) = row?;
            let status = ReportStatus::from_code(&status).unwrap_or(ReportStatus::Draft);
            let (version, status) = if sees_drafts(session, &reader_id) {
                (latest, status)
            } else {
                // Others see only the current signed version (the query guarantees one).
                (signed.unwrap_or(latest), ReportStatus::Signed)
            };
            out.push(ReadSummary {
                read_id,
                study_uid,
                reader_id,
                version,
                status,
                signed_version: signed,
            });
        }
        Ok(out)
    }

    /// Every read the session may see.
    pub fn reads_visible_to(&self, session: &Session) -> StoreResult<Vec<ReadSummary>> {
        self.visible_reads(session, None)
    }

    fn visible_read(&self, session: &Session, read_id: &str) -> StoreResult<ReadSummary> {
        self.visible_reads(session, Some(read_id))?
            .pop()
            .ok_or_else(|| {
                StoreError::AccessDenied(format!(
                    "read {read_id} is not visible to {} ({}): it does not exist, or it belongs \
                     to another reader and is not signed",
                    session.reader_id(),
                    session.role().code()
                ))
            })
    }

    /// Opens a read: [`StoreError::AccessDenied`] unless the session may see it.
    pub fn open_read(&self, session: &Session, read_id: &str) -> StoreResult<OpenedRead> {
        let summary = self.visible_read(session, read_id)?;
        let mut report = self.load_version(read_id, summary.version)?;
        let redacted = session.role().is_blinded() && report.visit.is_some();
        if redacted {
            report.visit = None;
        }
        let versions = self.read_versions(session, read_id)?;
        Ok(OpenedRead {
            summary,
            report,
            redacted,
            versions,
        })
    }

    /// Versions of a read the session may see (others' drafts are hidden).
    pub fn read_versions(&self, session: &Session, read_id: &str) -> StoreResult<Vec<VersionInfo>> {
        let summary = self.visible_read(session, read_id)?;
        let all = self.all_versions(read_id)?;
        Ok(if sees_drafts(session, &summary.reader_id) {
            all
        } else {
            all.into_iter()
                .filter(|v| v.status != ReportStatus::Draft)
                .collect()
        })
    }

    /// One version of a read, unredacted (so its signature can be verified). Blinded roles get
    /// [`StoreError::AccessDenied`] for a version that carries a visit.
    pub fn read_version(
        &self,
        session: &Session,
        read_id: &str,
        version: u32,
    ) -> StoreResult<ReadingReport> {
        let allowed = self
            .read_versions(session, read_id)?
            .iter()
            .any(|v| v.version == version);
        if !allowed {
            return Err(StoreError::AccessDenied(format!(
                "read {read_id} version {version} is not visible to {}",
                session.reader_id()
            )));
        }
        let report = self.load_version(read_id, version)?;
        if session.role().is_blinded() && report.visit.is_some() {
            return Err(StoreError::AccessDenied(
                "this version carries the visit label, which is hidden from blinded readers".into(),
            ));
        }
        Ok(report)
    }

    /// Audit history of a read (the owner and admins).
    pub fn read_history(&self, session: &Session, read_id: &str) -> StoreResult<Vec<AuditEntry>> {
        let summary = self.visible_read(session, read_id)?;
        if !sees_drafts(session, &summary.reader_id) {
            return Err(StoreError::AccessDenied(format!(
                "the history of read {read_id} is shown to its reader and to admins"
            )));
        }
        self.record_history(read_id)
    }

    /// The session reader's assigned studies with their read status.
    pub fn worklist(&self, session: &Session) -> StoreResult<Vec<WorklistItem>> {
        let mut stmt = self.conn.prepare(
            "SELECT a.study_uid, a.assigned_utc, s.subject_id, vi.visit, si.name, \
                    COALESCE(t.blind_site_names, 1), r.id, \
                    (SELECT status FROM read_versions WHERE read_id = r.id ORDER BY version DESC LIMIT 1), \
                    (SELECT COUNT(*) FROM read_versions WHERE read_id = r.id AND status = 'signed'), \
                    EXISTS (SELECT 1 FROM rereads rr WHERE rr.study_uid = a.study_uid \
                        AND rr.reader_id = a.reader_id) \
             FROM assignments a JOIN studies s ON s.study_uid = a.study_uid \
             LEFT JOIN visits vi ON vi.id = s.visit_id \
             LEFT JOIN subjects su ON su.id = s.subject_id \
             LEFT JOIN sites si ON si.id = su.site_id \
             LEFT JOIN trials t ON t.id = su.trial_id \
             LEFT JOIN reads r ON r.study_uid = a.study_uid AND r.reader_id = a.reader_id \
                  AND r.read_number = CASE WHEN EXISTS (SELECT 1 FROM rereads rr \
                      WHERE rr.study_uid = a.study_uid AND rr.reader_id = a.reader_id) \
                      THEN 2 ELSE 1 END \
             WHERE a.reader_id = ?1 ORDER BY a.assigned_utc, a.study_uid",
        )?;
        let blinded = session.role().is_blinded();
        let rows = stmt.query_map([session.reader_id()], |r| {
            let visit: Option<String> = r.get(3)?;
            let blind_sites: bool = r.get(5)?;
            let latest: Option<String> = r.get(7)?;
            let signed: i64 = r.get(8)?;
            let status = match (latest.as_deref(), signed > 0) {
                (None, _) => WorkStatus::ToRead,
                (Some("draft"), true) => WorkStatus::Amending,
                (Some("draft"), false) => WorkStatus::Draft,
                (Some(_), _) => WorkStatus::Signed,
            };
            Ok(WorklistItem {
                study_uid: r.get(0)?,
                assigned_utc: r.get(1)?,
                subject_id: r.get(2)?,
                visit: if blinded {
                    None
                } else {
                    visit.and_then(|v| v.parse().ok())
                },
                site_name: if blinded && blind_sites {
                    None
                } else {
                    r.get(4)?
                },
                read_id: r.get(6)?,
                status,
                reread: r.get(9)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The study's files as imported, `(SOP Instance UID, path)` sorted by path, after checking
    /// that the session may see the study.
    pub fn study_files(
        &self,
        session: &Session,
        study_uid: &str,
    ) -> StoreResult<Vec<(String, String)>> {
        self.study_view(session, study_uid)?;
        let mut stmt = self.conn.prepare(
            "SELECT sop_instance_uid, path FROM study_files WHERE study_uid = ?1 ORDER BY path",
        )?;
        let rows = stmt.query_map([study_uid], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// A study as the session may see it (assigned studies; adjudicators also studies with a
    /// signed read; admins all).
    pub fn study_view(&self, session: &Session, study_uid: &str) -> StoreResult<StudyView> {
        let me = session.reader_id();
        let allowed: bool = self.conn.query_row(
            "SELECT ?3 = 'admin' \
               OR EXISTS (SELECT 1 FROM assignments WHERE study_uid = ?1 AND reader_id = ?2) \
               OR (?3 = 'adjudicator' AND EXISTS (SELECT 1 FROM reads r JOIN read_versions v \
                   ON v.read_id = r.id WHERE r.study_uid = ?1 AND v.status = 'signed'))",
            params![study_uid, me, session.role().code()],
            |r| r.get(0),
        )?;
        if !allowed {
            return Err(StoreError::AccessDenied(format!(
                "study {study_uid} is not assigned to {me}"
            )));
        }
        type Row = (
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            bool,
        );
        let row: Row = self
            .conn
            .query_row(
                "SELECT s.subject_id, vi.visit, s.study_date, si.name, su.treatment_arm, \
                        COALESCE(t.blind_site_names, 1) \
                 FROM studies s LEFT JOIN visits vi ON vi.id = s.visit_id \
                 LEFT JOIN subjects su ON su.id = s.subject_id \
                 LEFT JOIN sites si ON si.id = su.site_id \
                 LEFT JOIN trials t ON t.id = su.trial_id WHERE s.study_uid = ?1",
                [study_uid],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ))
                },
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("study {study_uid}")))?;
        let (subject_id, visit, study_date, site_name, arm, blind_sites) = row;
        let blinded = session.role().is_blinded();
        let study = self.study_reference(study_uid)?.images;
        Ok(StudyView {
            study_uid: study_uid.to_owned(),
            subject_id,
            visit: if blinded {
                None
            } else {
                visit.and_then(|v| v.parse().ok())
            },
            study_date: if blinded { None } else { study_date },
            site_name: if blinded && blind_sites {
                None
            } else {
                site_name
            },
            treatment_arm: if blinded { None } else { arm },
            files: study,
            blinded,
        })
    }
}
