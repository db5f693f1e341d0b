//! De-identifying import (`echolab db import FOLDER --deidentify --trial-id ID`): the reading
//! database registers de-identified copies of a site's files, never the files themselves.
//!
//! 1. Every file of the folder (recursively, in name order) is checked: readable DICOM, a
//!    Patient ID (else a Clinical Trial Subject ID; else the study is a subject of its own) to
//!    give a subject code to, and a Clean Pixel
//!    Data mask ([`super::masks::clean_rects`]: US data regions, or the device's explicit mask;
//!    files without either are skipped, never stored with their burned-in text).
//! 2. Each patient gets a subject code ([`Store::resolve_subject_codes`]: stored code, else the
//!    site's `--subject-map`, else `<trial>-NNN`).
//! 3. Each file is written as a de-identified copy ([`super::deid_image::clean_image`]: PS3.15
//!    basic profile with full dates, UIDs mapped by [`Deidentifier::uid`] as every export of the
//!    trial maps them, pixels cleaned) to `<store dir>/<new Study UID>/<new SOP UID>.dcm`,
//!    atomically. A copy that already exists is compared, never overwritten.
//! 4. The copies are registered study by study ([`Store::import_prepared`], one transaction
//!    each); the Patient ID → code pair is recorded (as a keyed digest) in the study's
//!    transaction. A study that cannot be registered loses the copies this import wrote for it
//!    and its files are skipped with the reason.
//!
//! Nothing this module returns names an original identifier: skipped files are named `#N
//! <file name>` (N = position in the walk order, from 1), and every reason is scrubbed of the
//! file's patient-module and other person/institution values (PN, LO, SH, DA) and of its folder
//! path before it is returned.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use time::OffsetDateTime;

use super::ExportError;
use super::deid_image::{check_cleanable, clean_image};
use super::deident::Deidentifier;
use super::masks::MaskBook;
use crate::dicom::{SourceImage, TagId};
use crate::report::Visit;
use crate::store::{ImportOptions, ImportSummary, PreparedFile, Store, SubjectMap, list_files};

const PATIENT_ID: TagId = (0x0010, 0x0020);
const CLINICAL_TRIAL_SUBJECT_ID: TagId = (0x0012, 0x0040);
const STUDY_INSTANCE_UID: TagId = (0x0020, 0x000D);
const CLINICAL_TRIAL_SITE_ID: TagId = (0x0012, 0x0030);
const CLINICAL_TRIAL_TIME_POINT_ID: TagId = (0x0012, 0x0050);
/// Values of these tags are not identifiers (they name the device in refusal messages).
const NOT_IDENTIFIERS: &[TagId] = &[(0x0008, 0x0070), (0x0008, 0x1090)];

/// What a de-identifying import needs besides the folder.
#[derive(Debug, Clone)]
pub struct DeidImport {
    /// Trial id: subject codes and UID mapping are per trial.
    pub trial_id: String,
    /// The site's map Patient ID → subject code (may be empty).
    pub subject_map: SubjectMap,
    /// Folder the de-identified copies are stored in.
    pub store_dir: PathBuf,
    /// Visit for every study (else the original's Clinical Trial Time Point ID).
    pub visit: Option<Visit>,
    /// Site id (else the original's Clinical Trial Site ID).
    pub site: Option<String>,
    /// Explicit masks per device model.
    pub masks: MaskBook,
}

/// The default folder of de-identified copies: `<database name>-images` beside the database.
pub fn default_store_dir(db_path: &Path) -> PathBuf {
    let stem = db_path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "echolab".to_owned());
    db_path
        .parent()
        .unwrap_or_else(|| Path::new("."))
        .join(format!("{stem}-images"))
}

/// Replaces every identifier value (and the folder path) found in `text` by `…`.
struct Scrubber {
    values: Vec<String>,
}

impl Scrubber {
    /// Scrubs `path`, its folder and the folder names between `root` and it.
    fn for_path(path: &Path, root: &Path) -> Scrubber {
        let mut values = vec![path.display().to_string(), root.display().to_string()];
        if let Some(dir) = path.parent() {
            values.push(dir.display().to_string());
            if let Ok(rel) = dir.strip_prefix(root) {
                values.extend(
                    rel.components()
                        .map(|c| c.as_os_str().to_string_lossy().into_owned()),
                );
            }
        }
        Scrubber { values }
    }

    fn add_source(&mut self, src: &SourceImage) {
        for v in src.text_values() {
            if matches!(
                v.vr.as_str(),
                "PN" | "LO" | "SH" | "DA" | "LT" | "ST" | "UT"
            ) && !NOT_IDENTIFIERS.contains(&v.tag)
            {
                self.values.extend(v.value.split('\\').map(str::to_owned));
                if v.vr == "PN" {
                    self.values
                        .extend(v.value.split(['^', '=', '\\']).map(str::to_owned));
                }
            }
        }
    }

    fn clean(&self, text: &str) -> String {
        let mut values: Vec<&str> = self
            .values
            .iter()
            .map(|v| v.trim())
            .filter(|v| v.chars().count() >= 3)
            .collect();
        values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        let mut out = text.to_owned();
        for v in values {
            if out.contains(v) {
                out = out.replace(v, "…");
            }
        }
        out
    }
}

fn label(index: usize, path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    PathBuf::from(format!("#{index} {name}"))
}

fn text(src: &SourceImage, t: TagId) -> Option<String> {
    src.text(t)
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

/// A file that passed the checks.
struct Candidate {
    index: usize,
    path: PathBuf,
    patient: String,
    visit: Option<Visit>,
    site: Option<String>,
    scrub: Scrubber,
}

/// Imports the files of `folder` as de-identified copies (see the module docs). Files that
/// cannot be imported are listed in the summary's `skipped`, named `#N <file name>`.
pub fn import_deidentified(
    store: &mut Store,
    actor: &str,
    folder: &Path,
    options: &DeidImport,
    now: OffsetDateTime,
) -> Result<ImportSummary, ExportError> {
    let deid = Deidentifier::for_subjects(&options.trial_id, std::iter::empty())?;
    let trial = deid.trial_id().to_owned();
    let folder_scrub = Scrubber::for_path(folder, folder);
    let store_err =
        |e: crate::store::StoreError| ExportError::Invalid(folder_scrub.clean(&e.to_string()));
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_owned());
    if canon(&options.store_dir).starts_with(canon(folder)) {
        return Err(ExportError::Invalid(
            "the folder of the de-identified copies must not be inside the folder imported"
                .to_owned(),
        ));
    }
    let paths = list_files(folder)
        .map_err(|_| ExportError::Invalid("cannot list the folder to import".to_owned()))?;
    let mut skipped: Vec<(PathBuf, String)> = Vec::new();
    let mut candidates = Vec::new();
    for (i, path) in paths.iter().enumerate() {
        let index = i + 1;
        let mut scrub = Scrubber::for_path(path, folder);
        let src = match SourceImage::open(path) {
            Ok(s) => s,
            Err(e) => {
                skipped.push((label(index, path), scrub.clean(&e.to_string())));
                continue;
            }
        };
        scrub.add_source(&src);
        // Files without a Patient ID: each study is a subject of its own (never merged).
        let Some(patient) = text(&src, PATIENT_ID)
            .or_else(|| text(&src, CLINICAL_TRIAL_SUBJECT_ID))
            .or_else(|| text(&src, STUDY_INSTANCE_UID).map(|u| format!("study {u}")))
        else {
            skipped.push((
                label(index, path),
                "no Patient ID and no Study Instance UID".to_owned(),
            ));
            continue;
        };
        if let Err(e) = check_cleanable(path, &options.masks) {
            let why = match e {
                ExportError::Encode { message, .. } => message,
                other => other.to_string(),
            };
            skipped.push((label(index, path), scrub.clean(&why)));
            continue;
        }
        candidates.push(Candidate {
            index,
            path: path.clone(),
            patient,
            visit: text(&src, CLINICAL_TRIAL_TIME_POINT_ID).and_then(|t| t.parse().ok()),
            site: text(&src, CLINICAL_TRIAL_SITE_ID),
            scrub,
        });
    }
    let patients: Vec<String> = candidates.iter().map(|c| c.patient.clone()).collect();
    let codes = store
        .resolve_subject_codes(&trial, &patients, &options.subject_map)
        .map_err(store_err)?;

    let staging = options.store_dir.join(".staging");
    // Copies by new study: (label of the source, copy, newly written by this import).
    let mut by_study: BTreeMap<PathBuf, Vec<(PathBuf, PreparedFile, bool)>> = BTreeMap::new();
    let mut seen_outputs = BTreeSet::new();
    for c in candidates {
        let Some(code) = codes.iter().find(|k| k.patient_id == c.patient) else {
            continue; // resolve_subject_codes answers every patient
        };
        let fail = |why: String| (label(c.index, &c.path), c.scrub.clean(&why));
        // Where the copy goes; an existing copy is compared, not overwritten.
        let final_path = std::cell::RefCell::new(PathBuf::new());
        let target = |study: &str, sop: &str| {
            let p = options.store_dir.join(study).join(format!("{sop}.dcm"));
            let to = if p.exists() {
                staging.join(format!("{sop}.dcm"))
            } else {
                p.clone()
            };
            *final_path.borrow_mut() = p;
            to
        };
        let cleaned = match clean_image(
            &c.path,
            &deid,
            Some(&code.subject_code),
            &options.masks,
            &target,
        ) {
            Ok(w) => w,
            Err(e) => {
                let why = match e {
                    ExportError::Encode { message, .. } => message,
                    other => other.to_string(),
                };
                skipped.push(fail(why));
                continue;
            }
        };
        let final_path = final_path.into_inner();
        if !seen_outputs.insert(final_path.clone()) {
            let _ = std::fs::remove_file(&cleaned.output);
            skipped.push(fail(format!(
                "another file of this import has the same SOP Instance UID (mapped {})",
                cleaned.sop_instance_uid
            )));
            continue;
        }
        let new = cleaned.output == final_path;
        if !new {
            let same = match (std::fs::read(&cleaned.output), std::fs::read(&final_path)) {
                (Ok(a), Ok(b)) => a == b,
                _ => false,
            };
            let _ = std::fs::remove_file(&cleaned.output);
            if !same {
                skipped.push(fail(format!(
                    "a different de-identified copy of SOP Instance UID {} is already stored",
                    cleaned.sop_instance_uid
                )));
                continue;
            }
        }
        let study_dir = final_path.parent().map(Path::to_owned).unwrap_or_default();
        by_study.entry(study_dir).or_default().push((
            label(c.index, &c.path),
            PreparedFile {
                path: final_path,
                code: code.clone(),
                visit: c.visit,
                site: c.site.clone(),
            },
            new,
        ));
    }
    let _ = std::fs::remove_dir(&staging);
    let import_options = ImportOptions {
        subject: None,
        visit: options.visit,
        trial: Some(trial),
        site: options.site.clone(),
    };
    // One registration (one transaction) per study: a study that cannot be registered loses
    // the copies this import wrote for it, and its files are skipped with the reason.
    let mut summary = ImportSummary::default();
    for (_, files) in by_study {
        let prepared: Vec<PreparedFile> = files.iter().map(|f| f.1.clone()).collect();
        match store.import_prepared(actor, &prepared, &import_options, now) {
            Ok(mut s) => {
                summary.studies.append(&mut s.studies);
                summary.skipped.append(&mut s.skipped);
            }
            Err(e) => {
                let why = folder_scrub.clean(&format!("not registered: {e}"));
                for (label, file, new) in files {
                    if new {
                        let _ = std::fs::remove_file(&file.path);
                    }
                    skipped.push((label, why.clone()));
                }
            }
        }
    }
    skipped.append(&mut summary.skipped);
    summary.skipped = skipped;
    Ok(summary)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn scrubber_removes_values_and_folders() {
        let mut s = Scrubber::for_path(Path::new("/in/DOE_JOHN/img1.dcm"), Path::new("/in"));
        s.values.push("DOE^JOHN".to_owned());
        s.values.push("DOE".to_owned());
        let out = s.clean("cannot read /in/DOE_JOHN/img1.dcm: DOE^JOHN is odd in DOE_JOHN");
        assert!(!out.contains("DOE"), "{out}");
        assert!(out.contains("cannot read") && out.contains(" in "), "{out}");
        assert_eq!(
            default_store_dir(Path::new("/lab/echolab.sqlite3")),
            PathBuf::from("/lab/echolab-images")
        );
    }
}
