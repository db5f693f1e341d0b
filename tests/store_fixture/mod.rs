//! Shared set-up for the store tests: tiny DICOM files, a database with readers, studies and
//! assignments. (A folder module, so Cargo does not build it as a test of its own.)

#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};
use echolab::report::Visit;
use echolab::signing::KdfParams;
use echolab::store::{Credentials, ImportOptions, Role, Session, Store};
use time::OffsetDateTime;
use time::macros::datetime;

/// Passphrase of the test lab key.
pub const LAB_PASS: &str = "lab passphrase 123";
/// Passphrase of every test reader.
pub const PASS: &str = "correct horse battery staple";
/// Study 1 (baseline of subject S-001, site "Klinikum Nord").
pub const STUDY1: &str = "1.2.826.0.1.3680043.8.498.1";
/// Study 2 (6-month visit of subject S-001).
pub const STUDY2: &str = "1.2.826.0.1.3680043.8.498.2";

/// A fixed clock.
pub fn t0() -> OffsetDateTime {
    datetime!(2026-03-04 10:00:00 UTC)
}

/// Writes a minimal ultrasound DICOM file (no pixel data) with clinical-trial attributes.
pub fn write_dicom(
    path: &Path,
    study: &str,
    series: &str,
    sop: &str,
    subject: &str,
    time_point: &str,
) {
    let obj = InMemDicomObject::from_element_iter([
        DataElement::new(
            tags::SOP_CLASS_UID,
            VR::UI,
            PrimitiveValue::from(uids::ULTRASOUND_MULTI_FRAME_IMAGE_STORAGE),
        ),
        DataElement::new(tags::SOP_INSTANCE_UID, VR::UI, PrimitiveValue::from(sop)),
        DataElement::new(tags::STUDY_DATE, VR::DA, PrimitiveValue::from("20260101")),
        DataElement::new(tags::PATIENT_ID, VR::LO, PrimitiveValue::from("PAT-9")),
        DataElement::new(
            tags::CLINICAL_TRIAL_PROTOCOL_ID,
            VR::LO,
            PrimitiveValue::from("TRIAL-A"),
        ),
        DataElement::new(
            tags::CLINICAL_TRIAL_SITE_ID,
            VR::LO,
            PrimitiveValue::from("SITE-7"),
        ),
        DataElement::new(
            tags::CLINICAL_TRIAL_SITE_NAME,
            VR::LO,
            PrimitiveValue::from("Klinikum Nord"),
        ),
        DataElement::new(
            tags::CLINICAL_TRIAL_SUBJECT_ID,
            VR::LO,
            PrimitiveValue::from(subject),
        ),
        DataElement::new(
            tags::CLINICAL_TRIAL_TIME_POINT_ID,
            VR::LO,
            PrimitiveValue::from(time_point),
        ),
        DataElement::new(
            tags::STUDY_INSTANCE_UID,
            VR::UI,
            PrimitiveValue::from(study),
        ),
        DataElement::new(
            tags::SERIES_INSTANCE_UID,
            VR::UI,
            PrimitiveValue::from(series),
        ),
    ]);
    let file = obj
        .with_meta(FileMetaTableBuilder::new().transfer_syntax(uids::EXPLICIT_VR_LITTLE_ENDIAN))
        .unwrap();
    file.write_to_file(path).unwrap();
}

/// Writes two studies (two files each) into `dir` and returns the folder.
pub fn write_studies(dir: &Path) -> PathBuf {
    let folder = dir.join("dicom");
    std::fs::create_dir_all(folder.join("b")).unwrap();
    write_dicom(
        &folder.join("a1.dcm"),
        STUDY1,
        "1.2.3.1",
        "1.2.3.1.1",
        "S-001",
        "Baseline",
    );
    write_dicom(
        &folder.join("a2.dcm"),
        STUDY1,
        "1.2.3.1",
        "1.2.3.1.2",
        "S-001",
        "Baseline",
    );
    write_dicom(
        &folder.join("b/b1.dcm"),
        STUDY2,
        "1.2.3.2",
        "1.2.3.2.1",
        "S-001",
        "Month 6",
    );
    std::fs::write(folder.join("notes.txt"), "not dicom").unwrap();
    folder
}

/// Credentials of a test reader.
pub fn creds(id: &str) -> Credentials {
    Credentials {
        reader_id: id.to_owned(),
        passphrase: PASS.to_owned(),
    }
}

/// A database at `db` with readers r1, r2 (reader), adj (adjudicator), boss (admin), both
/// studies imported from `dir` and assigned to r1 and r2.
pub fn setup(dir: &Path, db: &Path) -> Store {
    let mut store = Store::open(db).unwrap();
    store.set_kdf_params(KdfParams::insecure_fast_for_tests());
    store.init_lab("setup", "Test lab", LAB_PASS, t0()).unwrap();
    for (id, name, role) in [
        ("r1", "Rita One", Role::Reader),
        ("r2", "Rolf Two", Role::Reader),
        ("adj", "Ada Judge", Role::Adjudicator),
        ("boss", "Bo Admin", Role::Admin),
    ] {
        store
            .add_reader("setup", id, name, role, PASS, t0())
            .unwrap();
    }
    let folder = write_studies(dir);
    let summary = store
        .import_folder("setup", &folder, &ImportOptions::default(), t0())
        .unwrap();
    assert_eq!(summary.studies.len(), 2);
    assert_eq!(summary.studies[1].visit, Some(Visit::Month6));
    for study in [STUDY1, STUDY2] {
        for reader in ["r1", "r2"] {
            assert!(store.assign("boss", study, reader, t0()).unwrap());
        }
    }
    store
}

/// Signs a reader in.
pub fn session(store: &mut Store, id: &str) -> Session {
    store.sign_in(&creds(id), t0()).unwrap()
}
