//! PACS over DICOMweb against a real Orthanc (see `pacs_support`): find → retrieve (parallel,
//! checked, resumable) → every frame decodes identical to the local file → register in the
//! reading database → sign → send SR → find the SR in Orthanc and read it back with `dsrdump`.
//! Bad peers (refused, silent, malformed, wrong password) are one-line errors and nothing is
//! registered.

#![allow(clippy::unwrap_used)] // tests may unwrap (COMMON.md)

mod export_support;
mod pacs_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use echolab::dicom::DicomFile;
use echolab::dicom::instance::instance_uids;
use echolab::store::Store;
use export_support::{SAMPLE_FILE, SAMPLE_STUDY, Spec, corpus_dir, signed_report, write_lab_key};
use pacs_support::{FakePeer, Orthanc, USER, http_response};

const SAMPLE_STUDY_UID_FILE: &str = "a4c_cine.dcm";

fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data")
}

fn echolab(args: &[&str], password_file: Option<&Path>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_echolab"));
    cmd.args(args);
    if let Some(p) = password_file {
        cmd.arg("--password-file").arg(p);
    }
    cmd.env_remove("ECHOLAB_PACS_PASSWORD");
    cmd.output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn uids_of(path: &Path) -> echolab::dicom::instance::InstanceUids {
    instance_uids(&std::fs::read(path).unwrap()).unwrap()
}

/// Frames of two files decode to the same RGB bytes.
fn assert_same_frames(a: &Path, b: &Path) {
    let (fa, fb) = (DicomFile::open(a).unwrap(), DicomFile::open(b).unwrap());
    assert_eq!(fa.frame_count(), fb.frame_count(), "{}", a.display());
    for i in 0..fa.frame_count() {
        assert_eq!(
            fa.frame_rgb(i).unwrap().rgb,
            fb.frame_rgb(i).unwrap().rgb,
            "{} frame {i}",
            a.display()
        );
    }
}

struct Lab {
    pacs: Orthanc,
    dir: tempfile::TempDir,
    password_file: PathBuf,
}

fn lab() -> Lab {
    let pacs = Orthanc::start();
    let dir = tempfile::tempdir().unwrap();
    let password_file = dir.path().join("pacs-password.txt");
    std::fs::write(&password_file, &pacs.password).unwrap();
    pacs.upload_folder(&sample_dir());
    Lab {
        pacs,
        dir,
        password_file,
    }
}

impl Lab {
    fn run(&self, args: &[&str]) -> Output {
        let url = self.pacs.dicomweb_url();
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--url", &url, "--user", USER]);
        echolab(&all, Some(&self.password_file))
    }
}

#[test]
fn find_retrieve_register_and_resume() {
    let lab = lab();
    let study = uids_of(&sample_dir().join(SAMPLE_STUDY_UID_FILE)).study_uid;
    let patient = {
        let f = DicomFile::open(sample_dir().join(SAMPLE_STUDY_UID_FILE)).unwrap();
        f.header().patient_id.clone().unwrap()
    };

    // find
    let out = lab.run(&[
        "pacs",
        "find",
        "--patient",
        &patient,
        "--modality",
        "US",
        "--json",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let found: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let found = found.as_array().unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["study_uid"], study.as_str());
    assert_eq!(found[0]["instances"], 12);
    let none = lab.run(&["pacs", "find", "--patient", "NOBODY", "--json"]);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&none.stdout).unwrap(),
        serde_json::json!([])
    );

    // retrieve into the cache and the reading database
    let cache = lab.dir.path().join("cache");
    let db = lab.dir.path().join("lab.sqlite3");
    let out = lab.run(&[
        "pacs",
        "retrieve",
        &study,
        "--cache",
        cache.to_str().unwrap(),
        "--threads",
        "4",
        "--into",
        db.to_str().unwrap(),
        "--trial",
        "T1",
        "--json",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let got: serde_json::Value = serde_json::from_str(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or("{}"),
    )
    .unwrap_or_else(|_| serde_json::from_slice(&out.stdout).unwrap_or_default());
    let folder = cache.join(&study);
    let mut retrieved: Vec<PathBuf> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    retrieved.sort();
    assert_eq!(retrieved.len(), 12, "{got}");
    // every frame identical to the uploaded file
    for local in std::fs::read_dir(sample_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
    {
        if local.extension().is_none_or(|x| x != "dcm") {
            continue;
        }
        let sop = uids_of(&local).sop_instance_uid;
        assert_same_frames(&local, &folder.join(format!("{sop}.dcm")));
    }
    let store = Store::open_existing(&db).unwrap();
    let files: i64 = store
        .connection()
        .query_row(
            "SELECT COUNT(*) FROM study_files WHERE study_uid = ?1",
            [&study],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(files, 12);
    drop(store);

    // resume: a missing and a damaged instance are fetched again, the rest kept
    std::fs::remove_file(&retrieved[0]).unwrap();
    std::fs::write(&retrieved[1], b"damaged").unwrap();
    std::fs::write(folder.join("stale.dcm"), b"not listed").unwrap();
    let out = lab.run(&[
        "pacs",
        "retrieve",
        &study,
        "--cache",
        cache.to_str().unwrap(),
        "--json",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let again: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(again["downloaded"], 2, "{again}");
    assert_eq!(again["reused"], 10, "{again}");
    assert!(!folder.join("stale.dcm").exists());
    assert_same_frames(
        &sample_dir().join("a4c_cine.dcm"),
        &folder.join(format!(
            "{}.dcm",
            uids_of(&sample_dir().join("a4c_cine.dcm")).sop_instance_uid
        )),
    );
}

#[test]
fn signed_read_goes_back_to_the_pacs_as_sr() {
    let Some(corpus) = corpus_dir() else {
        panic!("the real DICOM corpus is missing: set ECHOLAB_REAL_DICOM (README: tests)");
    };
    let lab = lab();
    for f in [SAMPLE_FILE, "US1_J2KI.dcm", "color3d_jpeg_baseline.dcm"] {
        lab.pacs.upload(&corpus.join(f));
    }
    let cache = lab.dir.path().join("cache");
    let out = lab.run(&[
        "pacs",
        "retrieve",
        SAMPLE_STUDY,
        "--cache",
        cache.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let images = cache.join(SAMPLE_STUDY);
    let report = signed_report(&Spec {
        drawn_vc: true,
        ..Spec::default()
    });
    let report_path = export_support::write(lab.dir.path(), &report);
    let lab_key = write_lab_key(lab.dir.path());
    let out = lab.run(&[
        "pacs",
        "send",
        report_path.to_str().unwrap(),
        "--lab-key",
        lab_key.to_str().unwrap(),
        "--images",
        images.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("sent 1 SR object"), "{}", text(&out));

    // The SR is on the PACS, in the measured study, and dsrdump reads it.
    let srs = lab.run(&["pacs", "find", "--modality", "SR", "--json"]);
    let srs: serde_json::Value = serde_json::from_slice(&srs.stdout).unwrap();
    assert_eq!(srs.as_array().unwrap().len(), 1, "{srs}");
    assert_eq!(srs[0]["study_uid"], SAMPLE_STUDY);
    let instances = lab.pacs.get("/instances?expand").unwrap();
    let sr_id = instances
        .as_array()
        .unwrap()
        .iter()
        .find(|i| {
            i["MainDicomTags"]["SOPInstanceUID"].is_string() && {
                let series = lab
                    .pacs
                    .get(&format!("/instances/{}/series", i["ID"].as_str().unwrap()))
                    .unwrap();
                series["MainDicomTags"]["Modality"] == "SR"
            }
        })
        .map(|i| i["ID"].as_str().unwrap().to_owned())
        .unwrap();
    let sr_file = lab.dir.path().join("sr.dcm");
    let bytes = lab.pacs.get_bytes(&format!("/instances/{sr_id}/file"));
    std::fs::write(&sr_file, bytes).unwrap();
    let dump = Command::new("dsrdump")
        .arg(&sr_file)
        .output()
        .unwrap_or_else(|e| panic!("dsrdump (Debian package dcmtk) not runnable: {e}"));
    let dump_text = String::from_utf8_lossy(&dump.stdout);
    let dump_err = String::from_utf8_lossy(&dump.stderr);
    assert!(
        dump.status.success() && !dump_err.contains("E:"),
        "dsrdump status {:?}: {dump_err}",
        dump.status
    );
    assert!(dump_text.contains("Comprehensive SR"), "{dump_text}");
    assert!(
        dump_text.contains(r#""Vena Contracta Width")="0.62" (cm"#),
        "{dump_text}"
    );
}

#[test]
fn bad_peers_are_one_line_errors_and_nothing_is_registered() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lab.sqlite3");
    let cache = dir.path().join("cache");
    let study = uids_of(&sample_dir().join("plax.dcm"));
    let one_instance = format!(
        r#"[{{"0020000E":{{"vr":"UI","Value":["{}"]}},"00080018":{{"vr":"UI","Value":["{}"]}}}},
            {{"0020000E":{{"vr":"UI","Value":["{}"]}},"00080018":{{"vr":"UI","Value":["1.2.3.4"]}}}}]"#,
        study.series_uid, study.sop_instance_uid, study.series_uid
    );
    let plax = std::fs::read(sample_dir().join("plax.dcm")).unwrap();
    let mut part = b"--XX\r\nContent-Type: application/dicom\r\n\r\n".to_vec();
    part.extend_from_slice(&plax);
    part.extend_from_slice(b"\r\n--XX--\r\n");
    let study_uid = study.study_uid.clone();
    let sop = study.sop_instance_uid.clone();
    let peer = FakePeer::start(move |line| {
        if line.contains("/studies?") {
            Some(http_response(
                "200 OK",
                "application/dicom+json",
                b"[{\"0020000D\": ",
            ))
        } else if line.contains("/instances?") {
            Some(http_response(
                "200 OK",
                "application/dicom+json",
                one_instance.as_bytes(),
            ))
        } else if line.contains(&sop) {
            Some(http_response(
                "200 OK",
                "multipart/related; type=\"application/dicom\"; boundary=XX",
                &part,
            ))
        } else {
            // The second instance: truncated multipart.
            Some(http_response(
                "200 OK",
                "multipart/related; type=\"application/dicom\"; boundary=XX",
                b"--XX\r\nContent-Type: application/dicom\r\n\r\nDICM",
            ))
        }
    });
    let url = peer.url();
    let out = echolab(&["pacs", "find", "--url", &url, "--json"], None);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("malformed answer"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");

    let out = echolab(
        &[
            "pacs",
            "retrieve",
            &study_uid,
            "--url",
            &url,
            "--cache",
            cache.to_str().unwrap(),
            "--into",
            db.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("truncated multipart"), "{err}");
    assert!(
        !db.exists(),
        "nothing may be registered after a failed retrieval"
    );

    // Refused connection, silent peer, wrong password.
    let closed = pacs_support::free_port();
    let out = echolab(
        &[
            "pacs",
            "find",
            "--url",
            &format!("http://127.0.0.1:{closed}/dicom-web"),
        ],
        None,
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("refused") || err.contains("failed"), "{err}");
    let silent = FakePeer::start(|_| None);
    let out = echolab(
        &["pacs", "find", "--url", &silent.url(), "--timeout", "1"],
        None,
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no answer within 1 s"), "{err}");

    let pacs = Orthanc::start();
    let wrong = dir.path().join("wrong.txt");
    std::fs::write(&wrong, "not-the-password").unwrap();
    let out = echolab(
        &[
            "pacs",
            "find",
            "--url",
            &pacs.dicomweb_url(),
            "--user",
            USER,
        ],
        Some(&wrong),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("HTTP 401 (wrong user or password)"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}
