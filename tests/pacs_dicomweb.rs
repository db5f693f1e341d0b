//! PACS over DICOMweb against a real Orthanc (see `pacs_support`).

#![allow(clippy::unwrap_used)] // tests may unwrap (COMMON.md)

mod pacs_support;

use pacs_support::Orthanc;

#[test]
fn throwaway_orthanc_accepts_the_sample_study() {
    let pacs = Orthanc::start();
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data");
    let files = pacs.upload_folder(&sample);
    assert_eq!(pacs.instance_count(), files.len());
}
