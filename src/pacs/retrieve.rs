//! Retrieving a study into the local image cache, so that the reading database registers only
//! complete, checked studies.
//!
//! * Every instance is written as `<cache>/<Study UID>/<SOP Instance UID>.dcm` through
//!   [`crate::files::StagedWrites`]: each download thread stages its files under temporary
//!   names and makes them durable a few at a time (`fsync` of the batch, rename, one `fsync` of
//!   the folder), so a final name only ever holds complete bytes and the per-file `fsync` does
//!   not dominate a study of many small instances.
//! * Each instance's UIDs are read from its bytes before it is written: a PACS that answers with
//!   another instance, another study or bytes that are not DICOM is refused.
//! * An interrupted retrieval resumes: instances already in the folder whose UIDs check are kept.
//! * The folder is complete only when it holds exactly the instances the PACS listed (stale
//!   files are removed); only then does the caller import it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use super::dicomweb::DicomWeb;
use super::{InstanceRef, PacsError, PacsResult};
use crate::dicom::instance::instance_uids;
use crate::dicom::uid::validate_uid;

/// How to retrieve.
#[derive(Debug, Clone)]
pub struct RetrieveOptions<'a> {
    /// The image cache; each study gets `<cache>/<Study UID>/`.
    pub cache_dir: PathBuf,
    /// Parallel downloads (DICOMweb).
    pub threads: usize,
    /// Set to stop between instances.
    pub cancel: Option<&'a AtomicBool>,
}

/// Progress of a retrieval.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    /// Instances in the folder and checked.
    pub done: usize,
    /// Instances the PACS listed.
    pub total: usize,
    /// Bytes downloaded so far.
    pub bytes: u64,
}

/// A complete study in the cache.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RetrievedStudy {
    /// Study Instance UID.
    pub study_uid: String,
    /// Its cache folder (what the import walks).
    pub folder: PathBuf,
    /// Instances in the folder, as the PACS listed them.
    pub instances: usize,
    /// Instances downloaded by this run.
    pub downloaded: usize,
    /// Instances found complete from an earlier run.
    pub reused: usize,
    /// Bytes downloaded by this run.
    pub bytes: u64,
    /// Files in the folder that the PACS no longer lists, removed.
    pub removed_stale: usize,
}

/// The cache folder of a study (the UID is checked: it names a folder).
pub fn study_folder(cache_dir: &Path, study_uid: &str) -> PacsResult<PathBuf> {
    validate_uid(study_uid).map_err(|e| PacsError::Invalid(format!("study UID: {e}")))?;
    Ok(cache_dir.join(study_uid))
}

fn instance_path(folder: &Path, sop: &str) -> PathBuf {
    folder.join(format!("{sop}.dcm"))
}

/// Checks that `bytes` are the instance `item` of `study_uid`.
fn check_instance(bytes: &[u8], study_uid: &str, item: &InstanceRef) -> Result<(), String> {
    let got = instance_uids(bytes).map_err(|e| format!("not a readable DICOM instance: {e}"))?;
    if got.sop_instance_uid != item.sop_instance_uid {
        return Err(format!(
            "asked for instance {}, received {}",
            item.sop_instance_uid, got.sop_instance_uid
        ));
    }
    if got.study_uid != study_uid {
        return Err(format!(
            "instance {} belongs to study {}, not {study_uid}",
            item.sop_instance_uid, got.study_uid
        ));
    }
    if got.series_uid != item.series_uid {
        return Err(format!(
            "instance {} is in series {}, the PACS listed {}",
            item.sop_instance_uid, got.series_uid, item.series_uid
        ));
    }
    Ok(())
}

fn file_error(path: &Path, e: impl std::fmt::Display) -> PacsError {
    PacsError::File {
        path: path.to_owned(),
        message: e.to_string(),
    }
}

/// Which listed instances are already complete in `folder`; removes files of the folder that
/// are neither listed nor complete (stale or damaged), and leftover temporary files.
fn survey(
    folder: &Path,
    study_uid: &str,
    expected: &[InstanceRef],
) -> PacsResult<(Vec<bool>, usize)> {
    std::fs::create_dir_all(folder).map_err(|e| file_error(folder, e))?;
    let mut present = vec![false; expected.len()];
    for (i, item) in expected.iter().enumerate() {
        let path = instance_path(folder, &item.sop_instance_uid);
        if let Ok(bytes) = std::fs::read(&path) {
            present[i] = check_instance(&bytes, study_uid, item).is_ok();
        }
    }
    // Listed instances already complete: the only files kept.
    let complete: BTreeSet<String> = expected
        .iter()
        .zip(&present)
        .filter(|(_, ok)| **ok)
        .map(|(e, _)| format!("{}.dcm", e.sop_instance_uid))
        .collect();
    let mut removed = 0;
    for entry in std::fs::read_dir(folder).map_err(|e| file_error(folder, e))? {
        let entry = entry.map_err(|e| file_error(folder, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let keep = complete.contains(&name);
        if !keep && entry.file_type().map(|t| t.is_file()).unwrap_or(false) {
            std::fs::remove_file(entry.path()).map_err(|e| file_error(&entry.path(), e))?;
            if !name.starts_with('.') {
                removed += 1;
            }
        }
    }
    Ok((present, removed))
}

/// The final check: the folder holds exactly the listed instances. With `read_each`, each
/// file's UIDs are read back too (files another writer put there, e.g. DIMSE's C-GET); files
/// this module checked before writing them are not read again.
fn check_complete(
    folder: &Path,
    study_uid: &str,
    expected: &[InstanceRef],
    read_each: bool,
) -> PacsResult<()> {
    let mut names = BTreeSet::new();
    for entry in std::fs::read_dir(folder).map_err(|e| file_error(folder, e))? {
        let entry = entry.map_err(|e| file_error(folder, e))?;
        names.insert(entry.file_name().to_string_lossy().into_owned());
    }
    let want: BTreeSet<String> = expected
        .iter()
        .map(|e| format!("{}.dcm", e.sop_instance_uid))
        .collect();
    if names != want {
        let missing = want.difference(&names).count();
        let extra = names.difference(&want).count();
        return Err(PacsError::Incomplete(format!(
            "study {study_uid}: {missing} listed instance(s) missing, {extra} unexpected file(s) \
             in {}",
            folder.display()
        )));
    }
    for item in expected.iter().filter(|_| read_each) {
        let path = instance_path(folder, &item.sop_instance_uid);
        let bytes = std::fs::read(&path).map_err(|e| file_error(&path, e))?;
        check_instance(&bytes, study_uid, item)
            .map_err(|m| PacsError::Incomplete(format!("{}: {m}", path.display())))?;
    }
    Ok(())
}

fn unique_instances(study_uid: &str, expected: &[InstanceRef]) -> PacsResult<()> {
    if expected.is_empty() {
        return Err(PacsError::Incomplete(format!(
            "the PACS lists no instance of study {study_uid}"
        )));
    }
    let mut seen = BTreeSet::new();
    for e in expected {
        if !seen.insert(e.sop_instance_uid.as_str()) {
            return Err(PacsError::Incomplete(format!(
                "the PACS lists instance {} twice",
                e.sop_instance_uid
            )));
        }
    }
    Ok(())
}

/// Retrieves `study_uid` over DICOMweb into the cache, `options.threads` instances at a time.
/// Returns only when the folder holds exactly the instances the PACS listed.
pub fn retrieve_dicomweb(
    web: &DicomWeb,
    study_uid: &str,
    options: &RetrieveOptions<'_>,
    progress: &(dyn Fn(&Progress) + Sync),
) -> PacsResult<RetrievedStudy> {
    let folder = study_folder(&options.cache_dir, study_uid)?;
    let expected = web.list_instances(study_uid)?;
    unique_instances(study_uid, &expected)?;
    let (present, removed_stale) = survey(&folder, study_uid, &expected)?;
    let todo: Vec<&InstanceRef> = expected
        .iter()
        .zip(&present)
        .filter(|(_, p)| !**p)
        .map(|(e, _)| e)
        .collect();
    let reused = expected.len() - todo.len();
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(reused);
    let bytes = AtomicU64::new(0);
    let stop = AtomicBool::new(false);
    let first_error: Mutex<Option<PacsError>> = Mutex::new(None);
    let report = || {
        progress(&Progress {
            done: done.load(Ordering::Relaxed),
            total: expected.len(),
            bytes: bytes.load(Ordering::Relaxed),
        })
    };
    report();
    let fail = |e: PacsError| {
        stop.store(true, Ordering::Relaxed);
        if let Ok(mut slot) = first_error.lock()
            && slot.is_none()
        {
            *slot = Some(e);
        }
    };
    let workers = options.threads.clamp(1, 16).min(todo.len().max(1));
    // Files staged but not yet durable, per thread; committed in batches of this many.
    const BATCH: usize = 8;
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                let mut staged = crate::files::StagedWrites::default();
                let commit = |staged: &mut crate::files::StagedWrites| -> bool {
                    let n = staged.len();
                    match staged.commit() {
                        Ok(()) => {
                            done.fetch_add(n, Ordering::Relaxed);
                            report();
                            true
                        }
                        Err(e) => {
                            fail(file_error(&folder, e));
                            false
                        }
                    }
                };
                loop {
                    if stop.load(Ordering::Relaxed) {
                        return; // staged files are removed with `staged`
                    }
                    if options.cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
                        commit(&mut staged); // keep what is complete for a resume
                        return fail(PacsError::Cancelled);
                    }
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = todo.get(i) else {
                        commit(&mut staged);
                        return;
                    };
                    let data = match web.retrieve_instance(study_uid, item) {
                        Ok(d) => d,
                        Err(e) => return fail(e),
                    };
                    if let Err(m) = check_instance(&data, study_uid, item) {
                        return fail(PacsError::Malformed {
                            peer: web.url().to_owned(),
                            message: m,
                        });
                    }
                    let path = instance_path(&folder, &item.sop_instance_uid);
                    if let Err(e) = staged.stage(&path, &data) {
                        return fail(file_error(&path, e));
                    }
                    bytes.fetch_add(data.len() as u64, Ordering::Relaxed);
                    if staged.len() >= BATCH && !commit(&mut staged) {
                        return;
                    }
                }
            });
        }
    });
    if let Some(e) = first_error.into_inner().ok().flatten() {
        return Err(e);
    }
    check_complete(&folder, study_uid, &expected, false)?;
    Ok(RetrievedStudy {
        study_uid: study_uid.to_owned(),
        folder,
        instances: expected.len(),
        downloaded: todo.len(),
        reused,
        bytes: bytes.load(Ordering::Relaxed),
        removed_stale,
    })
}

/// Retrieves `study_uid` by DIMSE C-GET into the cache. The instance list (C-FIND) is taken
/// first; instances already complete are kept, but C-GET asks for the whole study, so they are
/// received again (and rewritten with the same bytes). Returns only when the folder holds exactly
/// the instances the PACS listed.
pub fn retrieve_dimse(
    peer: &crate::dicom::dimse::DimsePeer,
    study_uid: &str,
    options: &RetrieveOptions<'_>,
    progress: &(dyn Fn(&Progress) + Sync),
) -> PacsResult<RetrievedStudy> {
    let folder = study_folder(&options.cache_dir, study_uid)?;
    let expected = crate::dicom::dimse::list_instances(peer, study_uid)?;
    unique_instances(study_uid, &expected)?;
    let (present, removed_stale) = survey(&folder, study_uid, &expected)?;
    let reused = present.iter().filter(|p| **p).count();
    let total = expected.len();
    let mut done = 0usize;
    let mut bytes = 0u64;
    progress(&Progress { done, total, bytes });
    let mut on_stored = |path: &Path| {
        done += 1;
        bytes += std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        progress(&Progress {
            done: done.min(total),
            total,
            bytes,
        });
    };
    let outcome =
        crate::dicom::dimse::get_study(peer, study_uid, &folder, &mut on_stored, options.cancel)?;
    if outcome.failed > 0 {
        return Err(PacsError::Incomplete(format!(
            "{}: {} instance(s) of study {study_uid} could not be sent",
            peer.label(),
            outcome.failed
        )));
    }
    check_complete(&folder, study_uid, &expected, true)?;
    Ok(RetrievedStudy {
        study_uid: study_uid.to_owned(),
        folder,
        instances: total,
        downloaded: outcome.stored.len(),
        reused,
        bytes,
        removed_stale,
    })
}
