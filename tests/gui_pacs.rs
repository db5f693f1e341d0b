//! Headless test of File ▸ Open from PACS… (egui_kittest) against a real throwaway Orthanc:
//! connect, search by patient id, retrieve the study with progress and open it in the viewer;
//! a wrong password is shown as one line and nothing is opened.
#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod gui_support;
mod pacs_support;

use std::time::{Duration, Instant};

use egui_kittest::kittest::Queryable as _;
use gui_support::{app_harness, type_into};
use pacs_support::{Orthanc, USER};

fn wait_for_job(h: &mut egui_kittest::Harness<'_, echolab::gui::App>) {
    let start = Instant::now();
    while h.state().pacs.job.is_some() {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the PACS job did not finish"
        );
        std::thread::sleep(Duration::from_millis(50));
        h.step();
    }
    h.run_ok();
}

/// A PACS holding the sample study, and the app with File ▸ Open from PACS… open.
fn open_pacs_window() -> (
    Orthanc,
    tempfile::TempDir,
    egui_kittest::Harness<'static, echolab::gui::App>,
) {
    let pacs = Orthanc::start();
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data");
    pacs.upload_folder(&sample);
    let dir = tempfile::tempdir().unwrap();
    let mut h = app_harness(dir.path(), [1280.0, 900.0], None);
    h.state_mut().pacs.cache_dir = Some(dir.path().join("cache"));
    h.get_by_label("File").click();
    h.run_ok();
    h.get_by_label("Open from PACS…").click();
    h.run_ok();
    (pacs, dir, h)
}

#[test]
fn search_retrieve_and_open_a_study_from_the_pacs() {
    let (pacs, _dir, mut h) = open_pacs_window();
    type_into(&mut h, "DICOMweb URL", &pacs.dicomweb_url());
    type_into(&mut h, "User", USER);

    // Wrong password: one line, nothing opened.
    type_into(&mut h, "Password", "wrong");
    h.get_by_label("Search").click();
    h.run_ok();
    wait_for_job(&mut h);
    assert!(
        h.query_by_label_contains("HTTP 401 (wrong user or password)")
            .is_some()
    );

    let field = h.get_by_label("Password");
    field.focus();
    h.run_ok();
    h.state_mut().pacs.form.password = pacs.password.clone();
    let patient = echolab::sample::dicom_write::PATIENT_ID;
    type_into(&mut h, "Patient / subject id", patient);
    h.get_by_label("Search").click();
    h.run_ok();
    wait_for_job(&mut h);
    assert_eq!(h.state().pacs.results.len(), 1);
    assert!(h.query_by_label_contains("1 study found").is_some());
    h.get_by_label("Retrieve and open").click();
    h.run_ok();
    wait_for_job(&mut h);
    let message = h.state().pacs.message.clone().unwrap_or_default();
    assert!(message.starts_with("retrieved into"), "{message}");
    assert!(
        !h.state().pacs.open,
        "the window closes once the study is open"
    );
    // The viewer loads the 12 retrieved files.
    let start = Instant::now();
    loop {
        let (done, total) = h.state().library.progress();
        if total == 12 && done == 12 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "loaded {done}/{total}"
        );
        std::thread::sleep(Duration::from_millis(50));
        h.step();
    }
}

#[test]
fn search_and_retrieve_over_dimse_when_no_url_is_given() {
    let (pacs, dir, mut h) = open_pacs_window();
    assert!(h.state().pacs.open, "{:?}", h.state().pacs.message);
    h.get_by_label("DIMSE (when the PACS has no DICOMweb)")
        .click();
    h.run_ok();
    type_into(&mut h, "PACS AE title", pacs_support::ORTHANC_AET);
    type_into(&mut h, "Host", "127.0.0.1");
    type_into(&mut h, "Port", &pacs.dicom_port.to_string());
    type_into(&mut h, "Our AE title", pacs_support::ECHOLAB_AET);
    h.get_by_label("Search").click();
    h.run_ok();
    wait_for_job(&mut h);
    assert_eq!(
        h.state().pacs.results.len(),
        1,
        "{:?}",
        h.state().pacs.message
    );
    h.get_by_label("Retrieve and open").click();
    h.run_ok();
    wait_for_job(&mut h);
    let message = h.state().pacs.message.clone().unwrap_or_default();
    assert!(message.starts_with("retrieved into"), "{message}");
    let files = std::fs::read_dir(dir.path().join("cache")).unwrap().count();
    assert_eq!(files, 1, "one study folder");
}
