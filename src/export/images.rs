//! Finding the DICOM files a report measured, by SOP Instance UID.
//!
//! Reports name their images by UID (and, for drawn measurements, by the file name the
//! workstation used). The index looks in the report's folder, in the folders given with
//! `--images`, and one level of sub-folders of each, reading only file headers.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use dicom_dictionary_std::tags;
use dicom_object::{DefaultDicomObject, OpenFileOptions};

/// Most files looked at per folder (protects against pointing at a huge archive).
const MAX_FILES_PER_DIR: usize = 5000;

/// Patient / study header fields of an image (copied into the SR so a PACS files it with the
/// study; de-identified exports drop them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StudyHeader {
    /// Patient's Name (0010,0010).
    pub patient_name: String,
    /// Patient ID (0010,0020).
    pub patient_id: String,
    /// Patient's Birth Date (0010,0030).
    pub birth_date: String,
    /// Patient's Sex (0010,0040).
    pub sex: String,
    /// Study Date (0008,0020).
    pub study_date: String,
    /// Study Time (0008,0030).
    pub study_time: String,
    /// Accession Number (0008,0050).
    pub accession_number: String,
    /// Referring Physician's Name (0008,0090).
    pub referring_physician: String,
    /// Study ID (0020,0010).
    pub study_id: String,
}

/// A DICOM file found for a SOP Instance UID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocatedImage {
    /// The file.
    pub path: PathBuf,
    /// SOP Class UID (0008,0016).
    pub sop_class_uid: String,
    /// SOP Instance UID (0008,0018).
    pub sop_instance_uid: String,
    /// Series Instance UID (0020,000E).
    pub series_instance_uid: String,
    /// Study Instance UID (0020,000D).
    pub study_instance_uid: String,
    /// Number of Frames (1 when absent).
    pub number_of_frames: u32,
    /// Patient and study fields.
    pub header: StudyHeader,
}

fn text(obj: &DefaultDicomObject, tag: dicom_core::Tag) -> String {
    obj.element_opt(tag)
        .ok()
        .flatten()
        .and_then(|e| e.to_str().ok())
        .map(|s| s.trim_end_matches(['\0', ' ']).to_owned())
        .unwrap_or_default()
}

fn has_dicm_magic(path: &Path) -> bool {
    let mut buf = [0u8; 132];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut buf))
        .is_ok()
        && &buf[128..132] == b"DICM"
}

/// Reads the header of a DICOM file (stops before the pixel data).
pub fn read_header(path: &Path) -> Option<LocatedImage> {
    if !has_dicm_magic(path) {
        return None;
    }
    let obj = OpenFileOptions::new()
        .read_until(tags::PIXEL_DATA)
        .open_file(path)
        .ok()?;
    let sop_instance_uid = text(&obj, tags::SOP_INSTANCE_UID);
    if sop_instance_uid.is_empty() {
        return None;
    }
    Some(LocatedImage {
        path: path.to_owned(),
        sop_class_uid: text(&obj, tags::SOP_CLASS_UID),
        sop_instance_uid,
        series_instance_uid: text(&obj, tags::SERIES_INSTANCE_UID),
        study_instance_uid: text(&obj, tags::STUDY_INSTANCE_UID),
        number_of_frames: text(&obj, tags::NUMBER_OF_FRAMES)
            .trim()
            .parse()
            .unwrap_or(1),
        header: StudyHeader {
            patient_name: text(&obj, tags::PATIENT_NAME),
            patient_id: text(&obj, tags::PATIENT_ID),
            birth_date: text(&obj, tags::PATIENT_BIRTH_DATE),
            sex: text(&obj, tags::PATIENT_SEX),
            study_date: text(&obj, tags::STUDY_DATE),
            study_time: text(&obj, tags::STUDY_TIME),
            accession_number: text(&obj, tags::ACCESSION_NUMBER),
            referring_physician: text(&obj, tags::REFERRING_PHYSICIAN_NAME),
            study_id: text(&obj, tags::STUDY_ID),
        },
    })
}

/// A lazily built index of DICOM files by SOP Instance UID.
#[derive(Debug, Clone, Default)]
pub struct ImageIndex {
    pending: Vec<PathBuf>,
    scanned: BTreeSet<PathBuf>,
    by_sop: BTreeMap<String, LocatedImage>,
}

impl ImageIndex {
    /// An index over `dirs` (scanned on the first lookup).
    pub fn new(dirs: Vec<PathBuf>) -> Self {
        ImageIndex {
            pending: dirs,
            ..ImageIndex::default()
        }
    }

    /// Adds a folder to look in.
    pub fn add_dir(&mut self, dir: &Path) {
        if !self.scanned.contains(dir) && !self.pending.iter().any(|d| d == dir) {
            self.pending.push(dir.to_owned());
        }
    }

    fn scan(&mut self, dir: &Path, depth: u32) {
        if !self.scanned.insert(dir.to_owned()) {
            return;
        }
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for p in paths.into_iter().take(MAX_FILES_PER_DIR) {
            if p.is_dir() {
                if depth > 0 {
                    self.scan(&p, depth - 1);
                }
            } else if let Some(img) = read_header(&p) {
                self.by_sop
                    .entry(img.sop_instance_uid.clone())
                    .or_insert(img);
            }
        }
    }

    /// The file of `sop_instance_uid`; `source_file` (as the workstation named it) is tried
    /// first, as given and relative to the searched folders.
    pub fn find(
        &mut self,
        sop_instance_uid: &str,
        source_file: Option<&str>,
    ) -> Option<LocatedImage> {
        let dirs: Vec<PathBuf> = self
            .pending
            .iter()
            .chain(self.scanned.iter())
            .cloned()
            .collect();
        // The file name the workstation used comes first: copies of one instance (the same SOP
        // Instance UID re-encoded) may sit in the same folders.
        if let Some(src) = source_file {
            let p = Path::new(src);
            let mut candidates = vec![p.to_owned()];
            if let Some(name) = p.file_name() {
                candidates.extend(dirs.iter().map(|d| d.join(name)));
            }
            for c in candidates {
                if let Some(img) = read_header(&c)
                    && img.sop_instance_uid == sop_instance_uid
                {
                    return Some(img);
                }
            }
        }
        if let Some(found) = self.by_sop.get(sop_instance_uid) {
            return Some(found.clone());
        }
        for d in std::mem::take(&mut self.pending) {
            self.scan(&d, 1);
        }
        self.by_sop.get(sop_instance_uid).cloned()
    }
}
