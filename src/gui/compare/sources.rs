//! Where the compared reads come from: signed report JSON files (their signature checked), or
//! the reading database's signed reads of one subject. Database reads carry visit labels, which
//! blinded roles must not see, so the database source needs an admin session.

use std::path::{Path, PathBuf};

use super::{DbRead, LoadedReport};
use crate::export::db::{Selection, signed_reads};
use crate::gui::records::RecordsModel;
use crate::store::{Session, Store};

/// Shown to blinded roles instead of database reads.
pub const BLINDED_MESSAGE: &str = "Visit labels are hidden from blinded roles (reader, \
     adjudicator): comparing visits from the reading database needs an admin session. Signed \
     report files can still be compared.";

/// Loads a signed report file (refuses drafts and reports whose signature does not verify).
pub fn load_file(path: &Path) -> Result<LoadedReport, String> {
    let input = crate::export::load_signed(path).map_err(|e| e.to_string())?;
    Ok(LoadedReport {
        report: input.report,
        origin: path.display().to_string(),
        image_dirs: path.parent().map(Path::to_path_buf).into_iter().collect(),
    })
}

/// Every signed report JSON of `folder` (sorted by name), and one line per file skipped.
pub fn load_folder(folder: &Path) -> Result<(Vec<LoadedReport>, Vec<String>), String> {
    let entries = std::fs::read_dir(folder)
        .map_err(|e| format!("cannot read the folder {}: {e}", folder.display()))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .is_some_and(|x| x.eq_ignore_ascii_case("json"))
        })
        .collect();
    paths.sort();
    let mut reports = Vec::new();
    let mut skipped = Vec::new();
    for p in paths {
        match load_file(&p) {
            Ok(r) => reports.push(r),
            Err(e) => skipped.push(format!("{}: {e}", p.display())),
        }
    }
    Ok((reports, skipped))
}

/// The admin session and the open database, or the message to show.
pub(crate) fn admin_store(records: &RecordsModel) -> Result<(Store, Session, PathBuf), String> {
    let session = records
        .session
        .clone()
        .ok_or_else(|| "Sign in (Reading ▸ Sign in…) to use the reading database.".to_owned())?;
    if session.role().is_blinded() {
        return Err(BLINDED_MESSAGE.to_owned());
    }
    let path = records
        .resolved_db_path()
        .ok_or_else(|| "no database path: start with --db PATH or set ECHOLAB_DB".to_owned())?;
    let store = Store::open_existing(&path)
        .map_err(|e| format!("cannot open the reading database {}: {e}", path.display()))?;
    Ok((store, session, path))
}

/// Folders of the study files of `study_uid` in the database.
fn study_dirs(store: &Store, session: &Session, study_uid: &str) -> Vec<PathBuf> {
    let files = store.study_files(session, study_uid).unwrap_or_default();
    let mut dirs: Vec<PathBuf> = files
        .iter()
        .filter_map(|(_, p)| Path::new(p).parent().map(Path::to_path_buf))
        .collect();
    dirs.sort();
    dirs.dedup();
    dirs
}

/// Signed reads of the database matching `selection` (admin sessions only).
fn db_reads(records: &RecordsModel, selection: &Selection) -> Result<Vec<DbRead>, String> {
    let (store, session, path) = admin_store(records)?;
    let inputs = signed_reads(&store, &session, selection, &path).map_err(|e| e.to_string())?;
    Ok(inputs
        .into_iter()
        .map(|i| {
            let r = &i.report;
            let visit = r
                .visit
                .map_or_else(|| "visit not recorded".to_owned(), |v| v.to_string());
            let label = format!(
                "{visit} · {} v{} · {}",
                r.report_id,
                r.version,
                r.reader_id.as_deref().unwrap_or("?")
            );
            let image_dirs = r
                .study
                .as_ref()
                .map(|s| study_dirs(&store, &session, &s.study_instance_uid))
                .unwrap_or_default();
            DbRead {
                label,
                report: LoadedReport {
                    origin: i.path.display().to_string(),
                    report: i.report,
                    image_dirs,
                },
            }
        })
        .collect())
}

/// The signed reads of `subject` (admin sessions only), in visit order.
pub fn subject_reads(records: &RecordsModel, subject: &str) -> Result<Vec<DbRead>, String> {
    let subject = subject.trim();
    if subject.is_empty() {
        return Err("type a subject id".to_owned());
    }
    let reads = db_reads(records, &Selection::Subject(subject.to_owned()))?;
    if reads.is_empty() {
        return Err(format!(
            "no signed reads of subject {subject} in the database"
        ));
    }
    Ok(reads)
}

/// Every signed read of the trial (admin sessions only).
pub fn trial_reads(records: &RecordsModel) -> Result<Vec<LoadedReport>, String> {
    Ok(db_reads(records, &Selection::Trial)?
        .into_iter()
        .map(|r| r.report)
        .collect())
}
