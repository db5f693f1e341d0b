//! Assembles the sample study: every view in both encodings (RLE lossless and JPEG baseline),
//! then `ground_truth.json` and `README.md` describing them.

use super::dicom_write::{
    self, Encoding, FrameTiming, Frames, ObjectSpec, PATIENT_ID, PATIENT_NAME, build_file,
};
use super::error::SampleError;
use super::lv::ApicalView;
use super::regions::{DATA_COLOR_FLOW, DATA_TISSUE, UsRegion};
use super::truth::{FileTruth, GroundTruth, PatientTruth, SCHEMA};
use super::{cine, color, measurements, plax, readme, spectral, uids};

/// One generated file: its name in the output folder and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleFile {
    /// File name (no directories).
    pub name: String,
    /// File contents.
    pub bytes: Vec<u8>,
}

/// Name of the ground-truth file.
pub const GROUND_TRUTH_FILE: &str = "ground_truth.json";
/// Name of the `echolab grade` input file.
pub const GRADE_INPUT_FILE: &str = "grade_input.json";
/// Name of the README.
pub const README_FILE: &str = "README.md";

/// What differs between the views.
struct ViewSpec {
    key: &'static str,
    series_number: i32,
    description: &'static str,
    mode_bits: u16,
    frames: Frames,
    timing: Option<FrameTiming>,
    regions: Vec<UsRegion>,
}

/// File name of a view in an encoding.
pub fn file_name(view_key: &str, encoding: Encoding) -> String {
    let stem = match view_key {
        "a4c" | "a2c" => format!("{view_key}_cine"),
        other => other.to_owned(),
    };
    match encoding {
        Encoding::Rle => format!("{stem}.dcm"),
        Encoding::Jpeg => format!("{stem}_jpeg.dcm"),
    }
}

fn apical_view(view: ApicalView) -> ViewSpec {
    let lay = cine::layout();
    let (key, series_number, description) = match view {
        ApicalView::FourChamber => ("a4c", 1, "A4C cine (LV volumes)"),
        ApicalView::TwoChamber => ("a2c", 2, "A2C cine (LV volumes)"),
    };
    ViewSpec {
        key,
        series_number,
        description,
        mode_bits: 0x0001,
        frames: Frames::Gray(cine::render(view)),
        timing: Some(cine::timing(view)),
        regions: vec![lay.sector.region(DATA_TISSUE), lay.ecg.region()],
    }
}

fn views() -> Vec<ViewSpec> {
    let mut v = vec![
        apical_view(ApicalView::FourChamber),
        apical_view(ApicalView::TwoChamber),
    ];
    v.push(ViewSpec {
        key: "mr_color",
        series_number: 3,
        description: "MR colour Doppler zoom (PISA, VC, jet/LA)",
        mode_bits: 0x0011,
        frames: Frames::Rgb(vec![color::render()]),
        timing: None,
        regions: vec![color::sector().region(DATA_COLOR_FLOW)],
    });
    for (strip, key, series_number, description, mode_bits) in [
        (spectral::Strip::CwMr, "mr_cw", 4, "MR CW Doppler", 0x0005),
        (
            spectral::Strip::PwLvot,
            "lvot_pw",
            5,
            "LVOT PW Doppler",
            0x0009,
        ),
    ] {
        v.push(ViewSpec {
            key,
            series_number,
            description,
            mode_bits,
            frames: Frames::Rgb(vec![spectral::render(strip)]),
            timing: None,
            regions: vec![
                spectral::thumbnail_region(),
                spectral::spectral_region(strip),
                spectral::ecg_strip().region(),
            ],
        });
    }
    v.push(ViewSpec {
        key: "plax",
        series_number: 6,
        description: "PLAX (LVOT diameter)",
        mode_bits: 0x0001,
        frames: Frames::Gray(vec![plax::render()]),
        timing: None,
        regions: vec![plax::sector().region(DATA_TISSUE)],
    });
    v
}

/// Builds every file of the sample study in memory, deterministically: the DICOM files, then
/// `ground_truth.json` and `README.md`.
pub fn build_study() -> Result<Vec<SampleFile>, SampleError> {
    build_study_with(false)
}

/// [`build_study`], optionally with a burned-in patient banner above every frame (the regions
/// move down with the image; the measurement points of the ground truth do not; see
/// [`super::banner`]).
pub fn build_study_with(banner: bool) -> Result<Vec<SampleFile>, SampleError> {
    let mut files = Vec::new();
    let mut truths = Vec::new();
    for mut view in views() {
        if banner {
            view.frames = match view.frames {
                Frames::Gray(f) => Frames::Gray(f.iter().map(super::banner::add_gray).collect()),
                Frames::Rgb(f) => Frames::Rgb(f.iter().map(super::banner::add_rgb).collect()),
            };
            view.regions = view
                .regions
                .iter()
                .map(super::banner::shift_region)
                .collect();
        }
        for (instance_number, encoding) in [(1, Encoding::Rle), (2, Encoding::Jpeg)] {
            let spec = ObjectSpec {
                file_name: file_name(view.key, encoding),
                series_key: view.key.to_owned(),
                series_number: view.series_number,
                series_description: view.description.to_owned(),
                instance_number,
                mode_bits: view.mode_bits,
                frames: view.frames.clone(),
                timing: view.timing.clone(),
                heart_rate_bpm: Some(cine::HEART_RATE_BPM),
                r_wave_frames: if view.timing.is_some() {
                    vec![1]
                } else {
                    vec![]
                },
                regions: view.regions.clone(),
                encoding,
            };
            let bytes = build_file(&spec)?;
            truths.push(file_truth(&spec, view.key, bytes.len()));
            files.push(SampleFile {
                name: spec.file_name,
                bytes,
            });
        }
    }
    let derived = measurements::derived();
    let truth = GroundTruth {
        schema: SCHEMA,
        regenerate: "echolab sample --out sample_data",
        conventions: vec![
            "Pixel coordinates are [column, row], 0-based, at pixel centres; frame indices are 0-based.",
            "Physical value of a pixel = ref_value + (pixel - (region corner + ref_pixel)) * delta, per axis (DICOM PS3.3 C.8.5.5).",
            "Distances: Euclidean between the two points in cm. Areas: polygon (shoelace) area of points_px in cm^2. VTI: trapezoid integral of |velocity| over the envelope points.",
            "Spectral regions use a negative Physical Delta Y: rows below the baseline are negative velocities (flow away from the transducer, e.g. MR and LVOT ejection in apical views).",
            "ECG waveform regions: X in seconds, Y in mV per pixel written with unit code 0 (DICOM has no mV code).",
            "Tolerances are about one pixel's worth of the quantity; JPEG variants hold the same geometry with lossy pixels.",
        ],
        patient: PatientTruth {
            name: PATIENT_NAME,
            id: PATIENT_ID,
            study_instance_uid: uids::uid("study"),
        },
        files: truths,
        measurements: measurements::measurements(),
        lv: measurements::lv_truth(),
        expected_grade: super::truth::ase_2017_grade(&derived),
        grade_input: super::truth::grade_input(
            &derived,
            spectral::INFLOW[0].0,
            super::lv::EDV_ML,
            super::lv::ESV_ML,
        ),
        derived,
    };
    let mut json = serde_json::to_string_pretty(&truth)?;
    json.push('\n');
    files.push(SampleFile {
        name: GROUND_TRUTH_FILE.to_owned(),
        bytes: json.into_bytes(),
    });
    let mut grade = serde_json::to_string_pretty(&truth.grade_input)?;
    grade.push('\n');
    files.push(SampleFile {
        name: GRADE_INPUT_FILE.to_owned(),
        bytes: grade.into_bytes(),
    });
    files.push(SampleFile {
        name: README_FILE.to_owned(),
        bytes: readme::render(&truth).into_bytes(),
    });
    Ok(files)
}

fn file_truth(spec: &ObjectSpec, view: &str, size_bytes: usize) -> FileTruth {
    let (columns, rows, samples, frames) = match &spec.frames {
        Frames::Gray(f) => (
            f.first().map_or(0, |i| i.width),
            f.first().map_or(0, |i| i.height),
            1,
            f.len(),
        ),
        Frames::Rgb(f) => (
            f.first().map_or(0, |i| i.width),
            f.first().map_or(0, |i| i.height),
            3,
            f.len(),
        ),
    };
    FileTruth {
        file: spec.file_name.clone(),
        view: view.to_owned(),
        encoding: match spec.encoding {
            Encoding::Rle => "rle",
            Encoding::Jpeg => "jpeg",
        },
        transfer_syntax_uid: spec.encoding.transfer_syntax_uid(),
        sop_class_uid: dicom_write::sop_class_uid(spec),
        sop_instance_uid: dicom_write::sop_instance_uid(spec),
        series_instance_uid: dicom_write::series_instance_uid(spec),
        photometric_interpretation: dicom_write::photometric(spec),
        rows,
        columns,
        frames,
        samples_per_pixel: samples,
        frame_times_ms: spec
            .timing
            .as_ref()
            .map_or_else(|| vec![0.0], cine::frame_times_ms),
        heart_rate_bpm: spec.heart_rate_bpm.unwrap_or(0),
        r_wave_frames: spec.r_wave_frames.clone(),
        regions: spec.regions.clone(),
        size_bytes,
    }
}
