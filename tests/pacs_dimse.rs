//! PACS over DIMSE (C-ECHO, C-FIND, C-GET) against a real Orthanc (see `pacs_support`).

#![allow(clippy::unwrap_used)] // tests may unwrap (COMMON.md)

mod pacs_support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use echolab::dicom::DicomFile;
use echolab::dicom::dimse::{self, DimseError, DimsePeer};
use echolab::dicom::query::StudyQuery;
use pacs_support::{ECHOLAB_AET, ORTHANC_AET, Orthanc};

fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data")
}

fn peer(pacs: &Orthanc) -> DimsePeer {
    DimsePeer {
        called_aet: ORTHANC_AET.to_owned(),
        host: "127.0.0.1".to_owned(),
        port: pacs.dicom_port,
        calling_aet: ECHOLAB_AET.to_owned(),
        timeout: Duration::from_secs(30),
    }
}

/// The sample study's UID and patient id, read from the files themselves.
fn sample_study() -> (String, String) {
    let mut studies = BTreeSet::new();
    for entry in std::fs::read_dir(sample_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|x| x == "dcm") {
            let h = DicomFile::open(&path).unwrap().header().clone();
            studies.insert((h.study_instance_uid.unwrap(), h.patient_id.unwrap()));
        }
    }
    assert_eq!(studies.len(), 1, "sample_data holds one study");
    studies.into_iter().next().unwrap()
}

/// Files in `dir` (names), sorted.
fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// The bytes from the first Pixel Data tag (7FE0,0010) to the end of a file.
fn pixel_data_tail(bytes: &[u8]) -> &[u8] {
    let tag = [0xE0, 0x7F, 0x10, 0x00];
    let at = bytes
        .windows(4)
        .position(|w| w == tag)
        .expect("no Pixel Data tag");
    &bytes[at..]
}

#[test]
fn echo_answers_and_failures_name_the_peer() {
    let pacs = Orthanc::start();
    dimse::echo(&peer(&pacs)).unwrap();

    let closed = DimsePeer {
        port: pacs_support::free_port(),
        ..peer(&pacs)
    };
    let err = dimse::echo(&closed).unwrap_err();
    assert!(matches!(err, DimseError::ConnectionRefused { .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("refused"), "{msg}");
    assert!(
        msg.contains(&format!("ORTHANC@127.0.0.1:{}", closed.port)),
        "{msg}"
    );

    // The fixture runs Orthanc with DicomCheckCalledAet: a wrong called AE title is rejected.
    let wrong = DimsePeer {
        called_aet: "NOT_ORTHANC".to_owned(),
        ..peer(&pacs)
    };
    let err = dimse::echo(&wrong).unwrap_err();
    assert!(matches!(err, DimseError::Rejected { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("association rejected (called AE title not recognized)"),
        "{err}"
    );
}

#[test]
fn find_list_and_get_the_sample_study() {
    let pacs = Orthanc::start();
    let originals = pacs.upload_folder(&sample_dir());
    assert_eq!(originals.len(), 12);
    let (study_uid, patient_id) = sample_study();
    let peer = peer(&pacs);

    // C-FIND, study level, by patient id.
    let q = StudyQuery {
        patient_id: Some(patient_id.clone()),
        ..Default::default()
    };
    let studies = dimse::find_studies(&peer, &q).unwrap();
    assert_eq!(studies.len(), 1, "{studies:?}");
    assert_eq!(studies[0].study_uid, study_uid);
    assert_eq!(studies[0].patient_id.as_deref(), Some(patient_id.as_str()));
    assert_eq!(studies[0].instances, Some(12));
    assert!(
        studies[0].modalities.iter().any(|m| m == "US"),
        "{studies:?}"
    );
    let none = StudyQuery {
        patient_id: Some("NO-SUCH-PATIENT".to_owned()),
        ..Default::default()
    };
    assert!(dimse::find_studies(&peer, &none).unwrap().is_empty());

    // C-FIND, instance level.
    let listed = dimse::list_instances(&peer, &study_uid).unwrap();
    assert_eq!(listed.len(), 12, "{listed:?}");
    let listed_uids: BTreeSet<String> = listed.iter().map(|i| i.sop_instance_uid.clone()).collect();
    assert_eq!(listed_uids.len(), 12);

    // C-GET of the study.
    let dest = tempfile::tempdir().unwrap();
    let mut reported = Vec::new();
    let outcome = dimse::get_study(
        &peer,
        &study_uid,
        dest.path(),
        &mut |p: &Path| reported.push(p.to_owned()),
        None,
    )
    .unwrap();
    assert_eq!(outcome.stored.len(), 12, "{outcome:?}");
    assert_eq!((outcome.failed, outcome.warnings), (0, 0));
    assert_eq!(reported, outcome.stored);
    let stored_uids: BTreeSet<String> = outcome
        .stored
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(stored_uids, listed_uids);
    assert_eq!(names_in(dest.path()).len(), 12, "no temporary files left");

    // Every frame of every retrieved file decodes exactly like the original.
    for original in &originals {
        let a = DicomFile::open(original).unwrap();
        let uid = a.header().sop_instance_uid.clone().unwrap();
        let b = DicomFile::open(dest.path().join(format!("{uid}.dcm"))).unwrap();
        assert_eq!(b.header().sop_instance_uid.as_deref(), Some(uid.as_str()));
        assert_eq!(
            b.header().transfer_syntax_uid,
            a.header().transfer_syntax_uid,
            "{}: transfer syntax kept",
            original.display()
        );
        // Pixel Data (the last element of these files) is the PACS's bytes, not re-encoded.
        assert_eq!(
            pixel_data_tail(&std::fs::read(original).unwrap()),
            pixel_data_tail(&std::fs::read(dest.path().join(format!("{uid}.dcm"))).unwrap()),
            "{}: pixel data bytes kept",
            original.display()
        );
        assert_eq!(a.frame_count(), b.frame_count());
        for i in 0..a.frame_count() {
            let (fa, fb) = (a.frame_rgb(i).unwrap(), b.frame_rgb(i).unwrap());
            assert_eq!((fa.width, fa.height), (fb.width, fb.height));
            assert!(
                fa.rgb == fb.rgb,
                "{} frame {i} decodes differently",
                original.display()
            );
        }
    }
}

#[test]
fn cancelled_get_leaves_no_files() {
    let pacs = Orthanc::start();
    pacs.upload_folder(&sample_dir());
    let (study_uid, _) = sample_study();
    let peer = peer(&pacs);

    // Cancelled before the first instance arrives: nothing on disk.
    let dest = tempfile::tempdir().unwrap();
    let cancel = AtomicBool::new(true);
    let err =
        dimse::get_study(&peer, &study_uid, dest.path(), &mut |_| {}, Some(&cancel)).unwrap_err();
    assert!(
        matches!(err, DimseError::Cancelled { stored: 0, .. }),
        "{err}"
    );
    assert!(
        names_in(dest.path()).is_empty(),
        "{:?}",
        names_in(dest.path())
    );

    // Cancelled after the first file: only that complete file, no temporary file.
    let dest = tempfile::tempdir().unwrap();
    let cancel = AtomicBool::new(false);
    let mut stored = Vec::new();
    let err = dimse::get_study(
        &peer,
        &study_uid,
        dest.path(),
        &mut |p: &Path| {
            stored.push(p.to_owned());
            cancel.store(true, std::sync::atomic::Ordering::SeqCst);
        },
        Some(&cancel),
    )
    .unwrap_err();
    assert!(
        matches!(err, DimseError::Cancelled { stored: 1, .. }),
        "{err}"
    );
    let names = names_in(dest.path());
    assert_eq!(names.len(), 1, "{names:?}");
    assert_eq!(dest.path().join(&names[0]), stored[0]);
    DicomFile::open(&stored[0]).unwrap();

    // The PACS is still usable afterwards.
    dimse::echo(&peer).unwrap();
}

/// The command line over DIMSE: echo, find, retrieve by C-GET into the cache and the reading
/// database, every frame identical to the uploaded files; a closed port is one line.
#[test]
fn command_line_over_dimse_retrieves_and_registers() {
    let pacs = Orthanc::start();
    pacs.upload_folder(&sample_dir());
    let (study, patient) = sample_study();
    let dir = tempfile::tempdir().unwrap();
    let port = pacs.dicom_port.to_string();
    let dimse_args = [
        "--aet",
        ORTHANC_AET,
        "--host",
        "127.0.0.1",
        "--port",
        &port,
        "--calling-aet",
        ECHOLAB_AET,
    ];
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_echolab"))
            .args(args)
            .args(dimse_args)
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out, text)
    };
    let (out, text) = run(&["pacs", "echo"]);
    assert!(out.status.success() && text.contains("answers"), "{text}");
    let (out, text) = run(&["pacs", "find", "--patient", &patient, "--json"]);
    assert!(out.status.success(), "{text}");
    let found: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(found[0]["study_uid"], study.as_str(), "{found}");
    let cache = dir.path().join("cache");
    let db = dir.path().join("lab.sqlite3");
    let (out, text) = run(&[
        "pacs",
        "retrieve",
        &study,
        "--cache",
        cache.to_str().unwrap(),
        "--into",
        db.to_str().unwrap(),
        "--trial",
        "T1",
    ]);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("12 instance(s)"), "{text}");
    for entry in std::fs::read_dir(sample_dir()).unwrap() {
        let local = entry.unwrap().path();
        if local.extension().is_none_or(|x| x != "dcm") {
            continue;
        }
        let a = DicomFile::open(&local).unwrap();
        let sop = a.header().sop_instance_uid.clone().unwrap();
        let b = DicomFile::open(cache.join(&study).join(format!("{sop}.dcm"))).unwrap();
        for i in 0..a.frame_count() {
            assert_eq!(
                a.frame_rgb(i).unwrap().rgb,
                b.frame_rgb(i).unwrap().rgb,
                "{sop} {i}"
            );
        }
    }
    let store = echolab::store::Store::open_existing(&db).unwrap();
    let n: i64 = store
        .connection()
        .query_row("SELECT COUNT(*) FROM study_files", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 12);

    let closed = pacs_support::free_port().to_string();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_echolab"))
        .args([
            "pacs",
            "echo",
            "--aet",
            ORTHANC_AET,
            "--host",
            "127.0.0.1",
            "--port",
            &closed,
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(err.contains("connection refused"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}
