//! De-identifying import end to end (`echolab db import FOLDER --deidentify --trial-id ID`):
//! the site's identifiers (names, IDs, birth dates, institution, folder names) reach neither the
//! database file, the audit trail, the stored copies nor the command's output; the stored
//! copies are pixel-cleaned; the subject map is strict and admin-only; files without US regions
//! are refused unless a device mask is given; a plain import audits subject codes only.
#![allow(clippy::unwrap_used)]

mod store_fixture;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use dicom_core::value::DataSetSequence;
use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::{InMemDicomObject, open_file};
use echolab::dicom::{DicomFile, SourceImage};
use echolab::signing::KdfParams;
use echolab::store::{Role, Store, StoreError};

const TRIAL: &str = "TRIAL-X";
/// Identifiers of the second (edited) patient.
const NAME: &str = "DOE^JANE";
const PID: &str = "PAT-DOE-42";
const OTHER_ID: &str = "MRN-778899";
const BIRTH: &str = "19550505";
const INSTITUTION: &str = "ST ELSEWHERE CLINIC";
const FOLDER: &str = "DOE_JANE";

fn echolab(db: &Path, config: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_echolab"))
        .args(args)
        .args(["--db", &db.to_string_lossy()])
        .env("ECHOLAB_CONFIG_DIR", config)
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Every original identifier of the site's files.
fn forbidden(input: &Path) -> Vec<String> {
    let s = echolab::sample::dicom_write::PATIENT_NAME;
    let mut v: Vec<String> = vec![
        s.to_owned(),
        echolab::sample::dicom_write::PATIENT_ID.to_owned(),
        "19600101".to_owned(),
        "SAMPLE-ACC-1".to_owned(),
        NAME.to_owned(),
        PID.to_owned(),
        OTHER_ID.to_owned(),
        BIRTH.to_owned(),
        INSTITUTION.to_owned(),
        FOLDER.to_owned(),
        input.display().to_string(),
    ];
    v.retain(|s| !s.is_empty());
    v
}

fn assert_free_of(what: &str, haystack: &[u8], needles: &[String]) {
    for n in needles {
        let found = haystack
            .windows(n.len())
            .any(|w| w.eq_ignore_ascii_case(n.as_bytes()));
        assert!(!found, "{what} contains the identifier {n:?}");
    }
}

fn dcm_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            dcm_files(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// The banner sample study, plus one of its files edited into another patient with more
/// identifiers (institution, other IDs in a nested sequence, a private tag, trial attributes)
/// in a folder named after her.
fn site_folder(dir: &Path) -> PathBuf {
    let input = dir.join("site");
    echolab::sample::write_study_with(&input, true).unwrap();
    let mut obj = open_file(input.join("a4c_cine.dcm")).unwrap();
    let lo = |t: Tag, v: &str| DataElement::new(t, VR::LO, PrimitiveValue::from(v));
    obj.put(DataElement::new(
        tags::PATIENT_NAME,
        VR::PN,
        PrimitiveValue::from(NAME),
    ));
    obj.put(lo(tags::PATIENT_ID, PID));
    obj.put(DataElement::new(
        tags::PATIENT_BIRTH_DATE,
        VR::DA,
        PrimitiveValue::from(BIRTH),
    ));
    obj.put(lo(tags::INSTITUTION_NAME, INSTITUTION));
    obj.put(DataElement::new(
        tags::OTHER_PATIENT_I_DS_SEQUENCE,
        VR::SQ,
        DataSetSequence::from(vec![InMemDicomObject::from_element_iter([lo(
            tags::PATIENT_ID,
            OTHER_ID,
        )])]),
    ));
    obj.put(lo(Tag(0x0009, 0x0010), "ACME PRIVATE"));
    obj.put(lo(Tag(0x0009, 0x1001), NAME));
    obj.put(lo(tags::CLINICAL_TRIAL_SITE_ID, "SITE-7"));
    obj.put(lo(tags::CLINICAL_TRIAL_TIME_POINT_ID, "Baseline"));
    // New UIDs, so it is a study of its own.
    for (t, uid) in [
        (tags::STUDY_INSTANCE_UID, "1.2.826.0.1.3680043.10.999.1"),
        (tags::SERIES_INSTANCE_UID, "1.2.826.0.1.3680043.10.999.1.1"),
        (tags::SOP_INSTANCE_UID, "1.2.826.0.1.3680043.10.999.1.1.1"),
    ] {
        obj.put(DataElement::new(t, VR::UI, PrimitiveValue::from(uid)));
    }
    obj.meta_mut().media_storage_sop_instance_uid = "1.2.826.0.1.3680043.10.999.1.1.1".to_owned();
    obj.meta_mut().update_information_group_length();
    std::fs::create_dir_all(input.join(FOLDER)).unwrap();
    obj.write_to_file(input.join(FOLDER).join("img1.dcm"))
        .unwrap();
    input
}

fn admin_and_reader(db: &Path) -> Store {
    let mut store = Store::open(db).unwrap();
    store.set_kdf_params(KdfParams::insecure_fast_for_tests());
    let t0 = store_fixture::t0();
    store
        .init_lab("setup", "Test lab", store_fixture::LAB_PASS, t0)
        .unwrap();
    for (id, role) in [("boss", Role::Admin), ("r1", Role::Reader)] {
        store
            .add_reader("setup", id, id, role, store_fixture::PASS, t0)
            .unwrap();
    }
    store
}

#[test]
fn deidentified_import_leaks_no_identifier_anywhere() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = site_folder(d);
    let db = d.join("lab").join("echolab.sqlite3");
    let config = d.join("config");
    let map = d.join("map.csv");
    std::fs::write(&map, format!("patient_id,subject_code\n{PID},TX-0042\n")).unwrap();
    let out = echolab(
        &db,
        &config,
        &[
            "db",
            "import",
            &input.to_string_lossy(),
            "--deidentify",
            "--trial-id",
            TRIAL,
            "--subject-map",
            &map.to_string_lossy(),
        ],
    );
    let log = text(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    // The sample patient has no map entry: generated code; the edited patient: the map's code,
    // with the visit and site of her original header.
    assert!(
        log.contains("subject TRIAL-X-001 visit (none): 12 file(s) added"),
        "{log}"
    );
    assert!(
        log.contains("subject TX-0042 visit screening/baseline: 1 file(s) added"),
        "{log}"
    );
    assert!(log.contains("skipped #2 README.md"), "{log}");
    let needles = forbidden(&input);
    assert_free_of("the command's output", log.as_bytes(), &needles);

    // The database file (and its WAL), byte for byte.
    let lab = db.parent().unwrap();
    let mut db_bytes = 0;
    for e in std::fs::read_dir(lab).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            let bytes = std::fs::read(&p).unwrap();
            db_bytes += bytes.len();
            assert_free_of(&p.display().to_string(), &bytes, &needles);
        }
    }
    assert!(db_bytes > 0);
    // The audit rows and the reading tables, as SQL sees them.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let mut rows = String::new();
    for sql in [
        "SELECT actor || entity_id || action || COALESCE(old_value,'') || COALESCE(new_value,'') \
         FROM audit_log",
        "SELECT study_uid || COALESCE(subject_id,'') || COALESCE(patient_id,'') || \
         COALESCE(study_date,'') || COALESCE(source_folder,'') FROM studies",
        "SELECT sop_instance_uid || series_uid || path FROM study_files",
        "SELECT id || COALESCE(site_id,'') FROM subjects",
        "SELECT id || COALESCE(name,'') FROM sites",
    ] {
        let mut stmt = conn.prepare(sql).unwrap();
        for r in stmt.query_map([], |r| r.get::<_, String>(0)).unwrap() {
            rows.push_str(&r.unwrap());
            rows.push('\n');
        }
    }
    assert!(
        rows.contains("TRIAL-X-001") && rows.contains("TX-0042"),
        "{rows}"
    );
    assert!(rows.contains("SITE-7"), "{rows}");
    assert!(rows.contains("\"deidentified\""), "{rows}");
    assert_free_of("the database rows", rows.as_bytes(), &needles);
    let patient_ids: Vec<Option<String>> = conn
        .prepare("SELECT patient_id FROM studies")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(patient_ids, vec![None, None]);
    drop(conn);

    // The stored copies: bytes, parsed text values, and black banner rows.
    let store_dir = lab.join("echolab-images");
    let mut files = Vec::new();
    dcm_files(&store_dir, &mut files);
    assert_eq!(files.len(), 13, "{files:?}");
    let banner = echolab::sample::banner::BANNER_ROWS;
    for f in &files {
        assert_free_of(
            &f.display().to_string(),
            &std::fs::read(f).unwrap(),
            &needles,
        );
        let src = SourceImage::open(f).unwrap();
        for v in src.text_values() {
            if matches!(v.vr.as_str(), "PN" | "LO" | "DA" | "SH") {
                assert!(
                    !needles.iter().any(|n| v.value.contains(n.as_str())),
                    "{}: {:?}",
                    f.display(),
                    v
                );
            }
        }
        assert_eq!(src.text((0x0012, 0x0062)).as_deref(), Some("YES"));
        let file = DicomFile::open(f).unwrap();
        let s = file.frame_samples(0).unwrap();
        let row_bytes = s.width as usize * usize::from(s.channels);
        assert!(
            s.data[..banner * row_bytes].iter().all(|&b| b == 0),
            "{}: banner rows are not black",
            f.display()
        );
    }

    // Importing again changes nothing: same codes, same copies, nothing added.
    let again = echolab(
        &db,
        &config,
        &[
            "db",
            "import",
            &input.to_string_lossy(),
            "--deidentify",
            "--trial-id",
            TRIAL,
        ],
    );
    let log2 = text(&again);
    // The copies may not be stored inside the folder being imported.
    let inside = echolab(
        &db,
        &config,
        &[
            "db",
            "import",
            &input.to_string_lossy(),
            "--deidentify",
            "--trial-id",
            TRIAL,
            "--store-dir",
            &input.join("copies").to_string_lossy(),
        ],
    );
    assert_eq!(inside.status.code(), Some(2));
    assert!(text(&inside).contains("must not be inside the folder imported"));
    assert!(!input.join("copies").exists());
    assert_eq!(again.status.code(), Some(0), "{log2}");
    assert!(
        log2.contains("subject TX-0042 visit screening/baseline: 0 file(s) added, 1 already known"),
        "{log2}"
    );
    assert!(
        log2.contains("subject TRIAL-X-001 visit (none): 0 file(s) added, 12"),
        "{log2}"
    );

    // The code table is admins' only, and holds no Patient ID.
    drop(admin_and_reader(&db));
    let pass = d.join("pass");
    std::fs::write(&pass, store_fixture::PASS).unwrap();
    let patients = d.join("patients.txt");
    std::fs::write(&patients, format!("{PID}\nNOBODY-1\n")).unwrap();
    let lookup = |reader: &str| {
        echolab(
            &db,
            &config,
            &[
                "db",
                "subject-codes",
                "--trial-id",
                TRIAL,
                "--reader",
                reader,
                "--passphrase-file",
                &pass.to_string_lossy(),
                "--patients",
                &patients.to_string_lossy(),
            ],
        )
    };
    let out = lookup("boss");
    let log3 = text(&out);
    assert_eq!(out.status.code(), Some(0), "{log3}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "line 1: TX-0042\nline 2: not coded in this trial\n"
    );
    let out = lookup("r1");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("access denied"), "{}", text(&out));
    assert!(!text(&out).contains(PID));
    let mut store = Store::open(&db).unwrap();
    let t0 = store_fixture::t0();
    let reader = store.sign_in(&store_fixture::creds("r1"), t0).unwrap();
    let admin = store.sign_in(&store_fixture::creds("boss"), t0).unwrap();
    assert!(matches!(
        store.subject_codes(&reader, Some(TRIAL)),
        Err(StoreError::AccessDenied(_))
    ));
    assert!(matches!(
        store.subject_code_of(&reader, TRIAL, PID),
        Err(StoreError::AccessDenied(_))
    ));
    let rows = store.subject_codes(&admin, Some(TRIAL)).unwrap();
    let codes: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r.subject_code.as_str(), r.source.as_str()))
        .collect();
    assert_eq!(codes, [("TRIAL-X-001", "generated"), ("TX-0042", "map")]);
    assert_eq!(
        store
            .subject_code_of(&admin, TRIAL, PID)
            .unwrap()
            .as_deref(),
        Some("TX-0042")
    );
    assert_eq!(store.subject_code_of(&admin, "OTHER", PID).unwrap(), None);
}

#[test]
fn subject_map_errors_name_lines_not_patients() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = site_folder(d);
    let db = d.join("db.sqlite3");
    let map = d.join("map.csv");
    std::fs::write(
        &map,
        format!("patient_id,subject_code\n{PID},TX-1\n{PID},TX-2\n"),
    )
    .unwrap();
    let out = echolab(
        &db,
        &d.join("config"),
        &[
            "db",
            "import",
            &input.to_string_lossy(),
            "--deidentify",
            "--trial-id",
            TRIAL,
            "--subject-map",
            &map.to_string_lossy(),
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("line 3: patient_id repeated (first on line 2)"),
        "{err}"
    );
    assert!(!err.contains(PID), "{err}");
    // A map that gives a patient another code than the stored one is refused by line.
    std::fs::write(&map, format!("patient_id,subject_code\n{PID},TX-1\n")).unwrap();
    let first = echolab(
        &db,
        &d.join("config"),
        &[
            "db",
            "import",
            &input.join(FOLDER).to_string_lossy(),
            "--deidentify",
            "--trial-id",
            TRIAL,
        ],
    );
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    assert!(
        text(&first).contains("subject TRIAL-X-001"),
        "{}",
        text(&first)
    );
    let out = echolab(
        &db,
        &d.join("config"),
        &[
            "db",
            "import",
            &input.join(FOLDER).to_string_lossy(),
            "--deidentify",
            "--trial-id",
            TRIAL,
            "--subject-map",
            &map.to_string_lossy(),
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("subject map line 2: this patient already has subject code TRIAL-X-001"),
        "{err}"
    );
    assert_free_of("the error", err.as_bytes(), &forbidden(&input));
}

#[test]
fn files_without_regions_are_refused_unless_the_device_has_a_mask() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let sample = d.join("sample");
    echolab::sample::write_study_with(&sample, true).unwrap();
    let input = d.join("site");
    std::fs::create_dir_all(&input).unwrap();
    let mut obj = open_file(sample.join("lvot_pw.dcm")).unwrap();
    obj.remove_element(tags::SEQUENCE_OF_ULTRASOUND_REGIONS);
    obj.write_to_file(input.join("noregions.dcm")).unwrap();
    let db = d.join("db.sqlite3");
    let config = d.join("config");
    let args = [
        "db",
        "import",
        &input.to_string_lossy(),
        "--deidentify",
        "--trial-id",
        TRIAL,
    ];
    let out = echolab(&db, &config, &args);
    let log = text(&out);
    assert_eq!(out.status.code(), Some(2), "{log}");
    assert!(
        log.contains("skipped #1 noregions.dcm: refused for de-identified image export"),
        "{log}"
    );
    let mut stored = Vec::new();
    if d.join("db-images").exists() {
        dcm_files(&d.join("db-images"), &mut stored);
    }
    assert!(stored.is_empty(), "{stored:?}");
    // With an explicit mask for the device the file is imported, cleaned by that mask.
    let mask = d.join("mask.toml");
    std::fs::write(
        &mask,
        "[[device]]\nmanufacturer = \"Echolab synthetic\"\nmodel = \"echolab sample generator\"\n\
         keep = [[0, 100, 50, 120]]\n",
    )
    .unwrap();
    let mut with_mask = args.to_vec();
    let m = mask.to_string_lossy().into_owned();
    with_mask.extend(["--mask", &m]);
    let out = echolab(&db, &config, &with_mask);
    let log = text(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert!(log.contains("1 file(s) added"), "{log}");
    dcm_files(&d.join("db-images"), &mut stored);
    assert_eq!(stored.len(), 1);
    let s = DicomFile::open(&stored[0])
        .unwrap()
        .frame_samples(0)
        .unwrap();
    let c = usize::from(s.channels);
    let outside = (10 * s.width as usize + 200) * c; // row 10, column 200: masked
    assert!(s.data[outside..outside + c].iter().all(|&b| b == 0));
}

#[test]
fn plain_import_audits_subject_codes_not_patient_ids() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = d.join("site");
    echolab::sample::write_study_with(&input, false).unwrap();
    let db = d.join("db.sqlite3");
    let out = echolab(
        &db,
        &d.join("config"),
        &["db", "import", &input.to_string_lossy(), "--trial", "T9"],
    );
    let log = text(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert!(log.contains("subject T9-001"), "{log}");
    let pid = echolab::sample::dicom_write::PATIENT_ID;
    assert!(!log.contains(pid), "{log}");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let audit: Vec<String> = conn
        .prepare(
            "SELECT entity_id || COALESCE(old_value,'') || COALESCE(new_value,'') FROM audit_log",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(!audit.is_empty());
    assert!(audit.iter().any(|a| a.contains("T9-001")), "{audit:?}");
    assert!(audit.iter().all(|a| !a.contains(pid)), "{audit:?}");
    // The identified import keeps the Patient ID in its studies row (not audited).
    let stored: String = conn
        .query_row("SELECT patient_id FROM studies", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored, pid);
}

/// Identifier values of a real file's header worth searching for: every PN value, the patient
/// module's LO and DA values and the institution, split into name components. Short values
/// that could occur by chance in a decimal UID or a hex digest (e.g. `1234`, `abcd`) are left
/// out.
fn header_identifiers(src: &SourceImage) -> Vec<String> {
    src.text_values()
        .into_iter()
        .filter(|v| {
            v.vr == "PN"
                || (v.tag.0 == 0x0010 && matches!(v.vr.as_str(), "LO" | "DA" | "SH"))
                || v.tag == (0x0008, 0x0080)
        })
        .flat_map(|v| {
            v.value
                .split(['\\', '^', '='])
                .map(|s| s.trim().to_owned())
                .collect::<Vec<_>>()
        })
        .filter(|s| s.len() >= 8 || (s.len() >= 4 && !s.chars().all(|c| c.is_ascii_hexdigit())))
        .collect()
}

#[test]
fn real_corpus_imports_de_identified_without_identifiers() {
    let base = std::env::var_os("ECHOLAB_REAL_DICOM")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/dicom"));
    let corpus = [
        base.join("files"),
        PathBuf::from("/work/shared/dicom/files"),
    ]
    .into_iter()
    .find(|p| p.is_dir())
    .expect("real DICOM corpus not found (set ECHOLAB_REAL_DICOM)");
    let mut needles = Vec::new();
    let mut inputs = Vec::new();
    dcm_files(&corpus, &mut inputs);
    for f in &inputs {
        if let Ok(src) = SourceImage::open(f) {
            needles.extend(header_identifiers(&src));
        }
    }
    needles.sort();
    needles.dedup();
    assert!(needles.len() >= 10, "{needles:?}");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lab.sqlite3");
    let out = echolab(
        &db,
        &dir.path().join("config"),
        &[
            "db",
            "import",
            &corpus.to_string_lossy(),
            "--deidentify",
            "--trial-id",
            "REAL-1",
        ],
    );
    let log = text(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    let imported = log.lines().filter(|l| l.starts_with("new study")).count();
    assert!(imported >= 10, "{log}");
    // Files without regions are refused, named by position and file name only.
    assert!(
        log.contains(": refused for de-identified image export"),
        "{log}"
    );
    assert!(
        log.lines()
            .filter(|l| l.starts_with("skipped "))
            .all(|l| l.starts_with("skipped #")),
        "{log}"
    );
    assert_free_of("the command's output", log.as_bytes(), &needles);
    // The database file, byte for byte, leaving out words of its own schema ("MARY" is in
    // "PRIMARY KEY").
    let schema: String = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT group_concat(sql, ' ') FROM sqlite_master",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let schema = schema.to_ascii_uppercase();
    let db_needles: Vec<String> = needles
        .iter()
        .filter(|n| !schema.contains(&n.to_ascii_uppercase()))
        .cloned()
        .collect();
    for e in std::fs::read_dir(dir.path()).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            assert_free_of(
                &p.display().to_string(),
                &std::fs::read(&p).unwrap(),
                &db_needles,
            );
        }
    }
    let mut copies = Vec::new();
    dcm_files(&dir.path().join("lab-images"), &mut copies);
    assert_eq!(copies.len(), imported, "one file per imported study here");
    for f in &copies {
        let src = SourceImage::open(f).unwrap();
        for v in src.text_values() {
            if !matches!(
                v.vr.as_str(),
                "PN" | "LO" | "SH" | "DA" | "LT" | "ST" | "UT"
            ) {
                continue;
            }
            let parts: Vec<&str> = v.value.split(['\\', '^', '=']).map(str::trim).collect();
            assert!(
                !needles
                    .iter()
                    .any(|n| parts.contains(&n.as_str()) || v.value.contains(n.as_str())),
                "{}: {v:?}",
                f.display()
            );
        }
    }
}
