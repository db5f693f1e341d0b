//! Cardiac-phase alignment on real files: the sample study's cines (ED at frame 0 by R wave,
//! A4C with a constant Frame Time, A2C with a Frame Time Vector) and a vendor cine of the shared
//! corpus (`$ECHOLAB_REAL_DICOM`, default ../shared/dicom) that gives a Heart Rate but no
//! R waves, so its ED falls back to frame 0 with the cycle length from the heart rate.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap (COMMON.md)

use std::path::{Path, PathBuf};

use echolab::compare::{CardiacCycles, CycleSource, EdSource, LoopTiming, align_frame};
use echolab::dicom::DicomFile;

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample_data")
        .join(name)
}

/// A file of the real corpus: `$ECHOLAB_REAL_DICOM/files`, else `../shared/dicom/files` (main
/// checkout) or `../../shared/dicom/files` (a worktree under `wt/`). A missing corpus fails
/// the test, as in `dicom_real` (CI sets `ECHOLAB_REAL_DICOM`).
fn corpus_file(name: &str) -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bases: Vec<PathBuf> = match std::env::var_os("ECHOLAB_REAL_DICOM") {
        Some(dir) => vec![PathBuf::from(dir)],
        None => vec![
            manifest.join("../shared/dicom"),
            manifest.join("../../shared/dicom"),
        ],
    };
    bases
        .iter()
        .map(|b| b.join("files").join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "real DICOM corpus file {name} not found under {bases:?} (set ECHOLAB_REAL_DICOM)"
            )
        })
}

fn cycles(path: &Path, marks: &[usize]) -> CardiacCycles {
    let f = DicomFile::open(path).unwrap();
    CardiacCycles::new(&LoopTiming::from(f.timing()), marks).unwrap()
}

#[test]
fn sample_cines_align_by_r_wave_across_frame_time_vector() {
    let a4c = cycles(&sample("a4c_cine.dcm"), &[]);
    let a2c = cycles(&sample("a2c_cine.dcm"), &[]);
    assert_eq!(a4c.source(), EdSource::RWaves);
    assert_eq!(a4c.ed_frames(), &[0]);
    assert_eq!(a2c.source(), EdSource::RWaves);
    // 75 bpm: 800 ms cycles from the Heart Rate.
    assert_eq!(a4c.cycle_source(), CycleSource::HeartRate);
    assert!((a4c.cycle_ms(0).unwrap() - 800.0).abs() < 1e-6);
    // ED → ED; ES (frame 12, 300 ms) → ES in both (the A2C vector puts frame 12 at 300 ms).
    assert_eq!(align_frame(&a4c, 0, &a2c), 0);
    assert_eq!(align_frame(&a4c, 12, &a2c), 12);
    assert_eq!(align_frame(&a2c, 12, &a4c), 12);
    // Reading marks win over R waves.
    let marked = cycles(&sample("a4c_cine.dcm"), &[4]);
    assert_eq!(marked.source(), EdSource::Marks);
    assert_eq!(align_frame(&a4c, 0, &marked), 4);
}

#[test]
fn vendor_cine_without_r_waves_falls_back_to_frame_0_and_heart_rate() {
    // will-jxl.dcm: 27 frames, Frame Time 47.4359 ms, Heart Rate 57, no R Wave Pointer.
    let path = corpus_file("will-jxl.dcm");
    let vendor = cycles(&path, &[]);
    assert_eq!(vendor.frame_count(), 27);
    assert_eq!(vendor.source(), EdSource::FirstFrame);
    assert_eq!(vendor.cycle_source(), CycleSource::HeartRate);
    assert!((vendor.cycle_ms(0).unwrap() - 60_000.0 / 57.0).abs() < 1e-6);
    assert!(vendor.warning().unwrap().contains("frame 0"));
    // Half a beat of the sample A4C (400 ms of 800) is half of 1052.6 ms = 526.3 ms in the
    // vendor loop: frame 526.3 / 47.4359 = 11.1 → 11.
    let a4c = cycles(&sample("a4c_cine.dcm"), &[]);
    assert_eq!(align_frame(&a4c, 16, &vendor), 11);
    // And back: vendor frame 11 (521.8 ms, 49.6 %) → 396.6 ms of the A4C → frame 16.
    assert_eq!(align_frame(&vendor, 11, &a4c), 16);
}
