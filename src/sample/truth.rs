//! The ground truth of the sample study (`ground_truth.json`): per file its DICOM facts and
//! regions; per measurement the file, frame, region, exact pixel definition (caliper endpoints,
//! contour or envelope), expected physical value, unit and tolerance (about one pixel's worth);
//! the LV model per frame with the analytic and biplane-disk volumes; the derived MR quantities
//! and the expected grade.

use std::collections::BTreeMap;
use std::f64::consts::PI;

use serde::Serialize;

use super::regions::UsRegion;

/// Schema name written in the file.
pub const SCHEMA: &str = "echolab-sample-ground-truth/1";

/// The whole ground truth document.
#[derive(Debug, Clone, Serialize)]
pub struct GroundTruth {
    /// [`SCHEMA`].
    pub schema: &'static str,
    /// Command that regenerates the folder.
    pub regenerate: &'static str,
    /// How to read coordinates and values.
    pub conventions: Vec<&'static str>,
    /// Patient and study identifiers.
    pub patient: PatientTruth,
    /// One entry per DICOM file.
    pub files: Vec<FileTruth>,
    /// Every measurement with its pixel definition and expected value.
    pub measurements: Vec<Measurement>,
    /// The LV model of the apical cines.
    pub lv: LvTruth,
    /// Quantities derived from the measurements.
    pub derived: Derived,
    /// The expected MR grade.
    pub expected_grade: ExpectedGrade,
    /// The measured values in the input format of `echolab grade` (also written to
    /// `grade_input.json`).
    pub grade_input: GradeInputTruth,
}

/// A value with its unit, as `echolab grade` reads it.
#[derive(Debug, Clone, Serialize)]
pub struct ValueWithUnit {
    /// The value.
    pub value: f64,
    /// Its unit (catalog spelling).
    pub unit: &'static str,
}

/// Input of `echolab grade`: measured values by catalog id (no findings: the images do not show
/// the valve morphology or etiology).
#[derive(Debug, Clone, Serialize)]
pub struct GradeInputTruth {
    /// Values by catalog measurement id.
    pub values: BTreeMap<&'static str, ValueWithUnit>,
    /// Categorical findings by id (empty).
    pub findings: BTreeMap<&'static str, &'static str>,
}

/// The grading input for the derived values.
pub fn grade_input(d: &Derived, e_velocity_cm_s: f64, edv_ml: f64, esv_ml: f64) -> GradeInputTruth {
    let v = |value: f64, unit: &'static str| ValueWithUnit { value, unit };
    let values = BTreeMap::from([
        ("mr_pisa_radius", v(d.pisa_radius_cm, "cm")),
        ("mr_alias_velocity", v(d.aliasing_velocity_cm_s, "cm/s")),
        ("mr_vmax", v(d.mr_vmax_cm_s, "cm/s")),
        ("mr_vti", v(d.mr_vti_cm, "cm")),
        ("lvot_diameter", v(d.lvot_diameter_cm, "cm")),
        ("lvot_vti", v(d.lvot_vti_cm, "cm")),
        ("mr_vc_width", v(d.vena_contracta_cm, "cm")),
        ("mr_jet_area", v(d.jet_area_cm2, "cm2")),
        ("la_area", v(d.la_area_cm2, "cm2")),
        ("mv_e_velocity", v(e_velocity_cm_s, "cm/s")),
        ("lv_edv", v(edv_ml, "ml")),
        ("lv_esv", v(esv_ml, "ml")),
    ]);
    GradeInputTruth {
        values,
        findings: BTreeMap::new(),
    }
}

/// Patient and study identifiers shared by all files.
#[derive(Debug, Clone, Serialize)]
pub struct PatientTruth {
    /// Patient's Name.
    pub name: &'static str,
    /// Patient ID.
    pub id: &'static str,
    /// Study Instance UID.
    pub study_instance_uid: String,
}

/// Facts of one DICOM file.
#[derive(Debug, Clone, Serialize)]
pub struct FileTruth {
    /// File name in `sample_data/`.
    pub file: String,
    /// View key (`a4c`, `a2c`, `mr_color`, `mr_cw`, `lvot_pw`, `plax`).
    pub view: String,
    /// `rle` or `jpeg`.
    pub encoding: &'static str,
    /// Transfer Syntax UID.
    pub transfer_syntax_uid: &'static str,
    /// SOP Class UID.
    pub sop_class_uid: &'static str,
    /// SOP Instance UID.
    pub sop_instance_uid: String,
    /// Series Instance UID (one per view).
    pub series_instance_uid: String,
    /// Photometric Interpretation.
    pub photometric_interpretation: &'static str,
    /// Rows.
    pub rows: usize,
    /// Columns.
    pub columns: usize,
    /// Number of frames.
    pub frames: usize,
    /// Samples per pixel.
    pub samples_per_pixel: usize,
    /// Time of every frame from the first, ms (single frames: `[0]`).
    pub frame_times_ms: Vec<f64>,
    /// Heart rate written in the file, bpm.
    pub heart_rate_bpm: i32,
    /// R Wave Pointer (1-based frame numbers), empty for single frames.
    pub r_wave_frames: Vec<u16>,
    /// The Sequence of Ultrasound Regions as written.
    pub regions: Vec<UsRegion>,
    /// Size of the file, bytes.
    pub size_bytes: usize,
}

/// One expected measurement.
#[derive(Debug, Clone, Serialize)]
pub struct Measurement {
    /// Measurement key (`lvot_diameter`, `pisa_radius`, …).
    pub name: String,
    /// `distance`, `area`, `point` (spectral velocity) or `vti` (spectral trace).
    pub kind: &'static str,
    /// The files that show it (both encodings).
    pub files: Vec<String>,
    /// 0-based frame index.
    pub frame: usize,
    /// 0-based index into the file's Sequence of Ultrasound Regions.
    pub region_index: usize,
    /// Pixel definition (column, row): caliper endpoints, closed contour, or envelope samples.
    pub points_px: Vec<[f64; 2]>,
    /// Expected physical value (signed for velocities: negative = away from the transducer).
    pub value: f64,
    /// Unit of `value` and `tolerance`.
    pub unit: &'static str,
    /// Accepted absolute error (about one pixel's worth).
    pub tolerance: f64,
    /// How the value follows from the points.
    pub definition: &'static str,
}

/// The LV of the apical cines.
#[derive(Debug, Clone, Serialize)]
pub struct LvTruth {
    /// Model description.
    pub model: &'static str,
    /// ED frame index (0-based), both cines.
    pub ed_frame: usize,
    /// ES frame index (0-based), both cines.
    pub es_frame: usize,
    /// Exact half-ellipsoid EDV, mL.
    pub edv_ml: f64,
    /// Exact half-ellipsoid ESV, mL.
    pub esv_ml: f64,
    /// Exact EF, %.
    pub ef_percent: f64,
    /// Biplane method of disks (20 disks, diameters at disk mid-levels) on the exact contours, mL.
    pub biplane_disks_edv_ml: f64,
    /// Same at ES, mL.
    pub biplane_disks_esv_ml: f64,
    /// EF from the disk volumes, %.
    pub biplane_disks_ef_percent: f64,
    /// Tolerance for a traced EDV (one pixel on every axis), mL.
    pub edv_tolerance_ml: f64,
    /// Tolerance for a traced ESV, mL.
    pub esv_tolerance_ml: f64,
    /// Tolerance for the EF, percentage points.
    pub ef_tolerance_percent: f64,
    /// Per view: placement, landmarks and contours.
    pub views: Vec<LvView>,
    /// Per frame (both cines share the model; times differ): dimensions and volume.
    pub frames_a4c: Vec<LvFrame>,
    /// Per frame of the A2C cine.
    pub frames_a2c: Vec<LvFrame>,
}

/// LV landmarks in one apical view.
#[derive(Debug, Clone, Serialize)]
pub struct LvView {
    /// `a4c` or `a2c`.
    pub view: &'static str,
    /// Files of this view.
    pub files: Vec<String>,
    /// Long-axis tilt from vertical, degrees (positive: base to the image right).
    pub tilt_deg: f64,
    /// ED landmarks and contour.
    pub ed: LvLandmarks,
    /// ES landmarks and contour.
    pub es: LvLandmarks,
}

/// Landmarks of one frame of one view (image pixels, column/row).
#[derive(Debug, Clone, Serialize)]
pub struct LvLandmarks {
    /// Frame index.
    pub frame: usize,
    /// Endocardial apex.
    pub apex_px: [f64; 2],
    /// Mitral annulus hinge points (image-left first).
    pub annulus_px: [[f64; 2]; 2],
    /// Midpoint of the annulus.
    pub base_mid_px: [f64; 2],
    /// LV length (apex to annulus midpoint), cm.
    pub length_cm: f64,
    /// Minor semi-axis in this plane, cm.
    pub semi_minor_cm: f64,
    /// Cavity area in this plane (half ellipse π·a·L/2), cm².
    pub area_cm2: f64,
    /// Endocardial contour from hinge via apex to hinge (61 points), closed by the annulus.
    pub contour_px: Vec<[f64; 2]>,
}

/// LV dimensions at one frame.
#[derive(Debug, Clone, Serialize)]
pub struct LvFrame {
    /// Frame index.
    pub frame: usize,
    /// Time from frame 0, ms.
    pub time_ms: f64,
    /// Long axis, cm.
    pub length_cm: f64,
    /// A4C minor semi-axis, cm.
    pub semi_a4c_cm: f64,
    /// A2C minor semi-axis, cm.
    pub semi_a2c_cm: f64,
    /// Exact volume, mL.
    pub volume_ml: f64,
}

/// Quantities derived from the measurements (guideline formulas, reference §4–5).
#[derive(Debug, Clone, Serialize)]
pub struct Derived {
    /// Aliasing velocity of the PISA (stated by the operator, not in the DICOM header), cm/s.
    pub aliasing_velocity_cm_s: f64,
    /// PISA radius, cm.
    pub pisa_radius_cm: f64,
    /// PISA flow 2π·r²·Va, mL/s.
    pub pisa_flow_ml_s: f64,
    /// MR peak velocity (magnitude), cm/s.
    pub mr_vmax_cm_s: f64,
    /// MR VTI, cm.
    pub mr_vti_cm: f64,
    /// EROA = flow / Vmax, cm².
    pub eroa_cm2: f64,
    /// RVol = EROA × VTI, mL.
    pub rvol_ml: f64,
    /// LVOT diameter, cm.
    pub lvot_diameter_cm: f64,
    /// LVOT VTI, cm.
    pub lvot_vti_cm: f64,
    /// SV_LVOT = π·(D/2)²·VTI, mL.
    pub sv_lvot_ml: f64,
    /// RF (PISA) = RVol / (RVol + SV_LVOT), %.
    pub rf_percent: f64,
    /// Vena contracta width, cm.
    pub vena_contracta_cm: f64,
    /// LA area, cm².
    pub la_area_cm2: f64,
    /// Jet area, cm².
    pub jet_area_cm2: f64,
    /// Jet area / LA area, %.
    pub jet_la_ratio_percent: f64,
    /// LV stroke volume from the exact volumes (EDV − ESV), mL.
    pub lv_stroke_volume_ml: f64,
    /// Volumetric RVol = (EDV − ESV) − SV_LVOT, mL (cross-check of the PISA RVol).
    pub rvol_volumetric_ml: f64,
    /// Volumetric RF = RVol_volumetric / (EDV − ESV), %.
    pub rf_volumetric_percent: f64,
}

/// The expected grade.
#[derive(Debug, Clone, Serialize)]
pub struct ExpectedGrade {
    /// Guideline.
    pub guideline: &'static str,
    /// Grade key.
    pub grade: &'static str,
    /// Discordance flag.
    pub discordant: bool,
    /// Category of each parameter.
    pub parameters: Vec<[&'static str; 2]>,
    /// Why.
    pub reasoning: &'static str,
}

/// Rounds to 3 decimals (pixel coordinates in the JSON).
pub fn r3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// Builds the derived quantities from the design values.
#[allow(clippy::too_many_arguments)]
pub fn derive(
    va: f64,
    r: f64,
    vmax: f64,
    mr_vti: f64,
    lvot_d: f64,
    lvot_vti: f64,
    vc: f64,
    la: f64,
    jet: f64,
    edv: f64,
    esv: f64,
) -> Derived {
    let flow = 2.0 * PI * r * r * va;
    let eroa = flow / vmax;
    let rvol = eroa * mr_vti;
    let sv_lvot = PI * (lvot_d / 2.0).powi(2) * lvot_vti;
    let sv_lv = edv - esv;
    Derived {
        aliasing_velocity_cm_s: va,
        pisa_radius_cm: r,
        pisa_flow_ml_s: flow,
        mr_vmax_cm_s: vmax,
        mr_vti_cm: mr_vti,
        eroa_cm2: eroa,
        rvol_ml: rvol,
        lvot_diameter_cm: lvot_d,
        lvot_vti_cm: lvot_vti,
        sv_lvot_ml: sv_lvot,
        rf_percent: rvol / (rvol + sv_lvot) * 100.0,
        vena_contracta_cm: vc,
        la_area_cm2: la,
        jet_area_cm2: jet,
        jet_la_ratio_percent: jet / la * 100.0,
        lv_stroke_volume_ml: sv_lv,
        rvol_volumetric_ml: sv_lv - sv_lvot,
        rf_volumetric_percent: (sv_lv - sv_lvot) / sv_lv * 100.0,
    }
}

/// The ASE 2017 grade for the derived values (Table 6 cut-offs, reference §1.1/§9).
pub fn ase_2017_grade(d: &Derived) -> ExpectedGrade {
    let eroa = if d.eroa_cm2 >= 0.40 {
        "severe"
    } else {
        "not severe"
    };
    let rvol = if d.rvol_ml >= 60.0 {
        "severe"
    } else {
        "not severe"
    };
    let rf = if d.rf_percent >= 50.0 {
        "severe"
    } else {
        "not severe"
    };
    let all_severe = eroa == "severe" && rvol == "severe" && rf == "severe";
    ExpectedGrade {
        guideline: "ASE 2017",
        grade: if all_severe { "severe" } else { "not severe" },
        discordant: !all_severe,
        parameters: vec![
            ["eroa_cm2 >= 0.40", eroa],
            ["rvol_ml >= 60", rvol],
            ["rf_percent >= 50", rf],
            [
                "vena_contracta_cm >= 0.7 (severe-specific sign)",
                if d.vena_contracta_cm >= 0.7 {
                    "severe"
                } else {
                    "not severe"
                },
            ],
            [
                "jet_la_ratio_percent > 50 (severe sign)",
                if d.jet_la_ratio_percent > 50.0 {
                    "severe"
                } else {
                    "not severe"
                },
            ],
        ],
        reasoning: "EROA, RVol and RF all fall in the severe category (majority and unanimous); VC >= 0.7 cm and jet/LA > 50 % agree, no mild-specific sign: severe, not discordant (EXAMPLE_CASES case 1 numbers).",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_one_numbers() {
        let d = derive(
            40.0, 1.0, 500.0, 150.0, 2.0, 20.0, 0.75, 20.85, 12.32, 230.0, 92.0,
        );
        assert!((d.eroa_cm2 - 0.502_655).abs() < 1e-6);
        assert!((d.rvol_ml - 75.398_2).abs() < 1e-4);
        assert!((d.sv_lvot_ml - 62.831_9).abs() < 1e-4);
        assert!((d.rf_percent - 54.545).abs() < 1e-2);
        let g = ase_2017_grade(&d);
        assert_eq!(g.grade, "severe");
        assert!(!g.discordant);
        assert!((d.rvol_volumetric_ml - 75.168).abs() < 1e-3);
    }
}
