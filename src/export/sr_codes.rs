//! Concept codes of the echo SR (reference §7.1, §7.3): document title, sections, measurement
//! concepts with their modifiers, methods and UCUM units.

use crate::grading::Grade;
use crate::measure::Unit;

/// A coded concept: (code value, coding scheme designator, code meaning).
pub(crate) type Code = (&'static str, &'static str, &'static str);

pub(crate) const ADULT_ECHO_REPORT: Code =
    ("125200", "DCM", "Adult Echocardiography Procedure Report");
pub(crate) const LANGUAGE: Code = ("121049", "DCM", "Language of Content Item and Descendants");
pub(crate) const ENGLISH: Code = ("en", "RFC5646", "English");
pub(crate) const OBSERVER_TYPE: Code = ("121005", "DCM", "Observer Type");
pub(crate) const PERSON: Code = ("121006", "DCM", "Person");
pub(crate) const PERSON_OBSERVER_NAME: Code = ("121008", "DCM", "Person Observer Name");
pub(crate) const IMAGE_LIBRARY: Code = ("111028", "DCM", "Image Library");
pub(crate) const FINDINGS: Code = ("121070", "DCM", "Findings");
pub(crate) const MEASUREMENT_GROUP: Code = ("125007", "DCM", "Measurement Group");
pub(crate) const FINDING_SITE: Code = ("363698007", "SCT", "Finding Site");
pub(crate) const FLOW_DIRECTION: Code = ("260674002", "SCT", "Flow Direction");
pub(crate) const REGURGITANT_FLOW: Code = ("397417004", "SCT", "Regurgitant Flow");
pub(crate) const MEASUREMENT_METHOD: Code = ("370129005", "SCT", "Measurement Method");
pub(crate) const FINDING: Code = ("121071", "DCM", "Finding");
pub(crate) const SEVERITY: Code = ("246112005", "SCT", "Severity");

pub(crate) const MITRAL_VALVE: Code = ("91134007", "SCT", "Mitral Valve");
pub(crate) const LEFT_VENTRICLE: Code = ("87878005", "SCT", "Left Ventricle");
pub(crate) const LEFT_ATRIUM: Code = ("82471001", "SCT", "Left atrium");
pub(crate) const MITRAL_ANNULUS: Code = ("65197004", "SCT", "Mitral Annulus");

pub(crate) const PISA: Code = ("125216", "DCM", "Proximal Isovelocity Surface Area");
pub(crate) const DOPPLER_VOLUME_FLOW: Code = ("125219", "DCM", "Doppler Volume Flow");
pub(crate) const BIPLANE_DISKS: Code = ("125207", "DCM", "Method of Disks, Biplane");

/// SOP Class UIDs.
pub(crate) const COMPREHENSIVE_SR: &str = "1.2.840.10008.5.1.4.1.1.88.33";
/// Ultrasound Multi-frame Image Storage (assumed when a measured file is not found).
pub(crate) const US_MULTIFRAME: &str = "1.2.840.10008.5.1.4.1.1.3.1";
/// Image storage classes that hold one frame (their references carry no frame number):
/// Ultrasound Image, Secondary Capture, and the retired Ultrasound Image (1993).
pub(crate) const SINGLE_FRAME_CLASSES: &[&str] = &[
    "1.2.840.10008.5.1.4.1.1.6.1",
    "1.2.840.10008.5.1.4.1.1.7",
    "1.2.840.10008.5.1.4.1.1.6",
];

/// The report section a concept belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Section {
    MitralValve,
    LeftVentricle,
    LeftAtrium,
}

impl Section {
    pub(crate) const ALL: [Section; 3] = [
        Section::MitralValve,
        Section::LeftVentricle,
        Section::LeftAtrium,
    ];

    pub(crate) fn site(self) -> Code {
        match self {
            Section::MitralValve => MITRAL_VALVE,
            Section::LeftVentricle => LEFT_VENTRICLE,
            Section::LeftAtrium => LEFT_ATRIUM,
        }
    }
}

/// How one catalog id is encoded as a TID 5203 measurement.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Concept {
    pub section: Section,
    pub name: Code,
    /// Flow Direction = Regurgitant Flow modifier.
    pub regurgitant: bool,
    /// Extra Finding Site modifier (mitral annulus values in the mitral valve section).
    pub site: Option<Code>,
}

const fn c(section: Section, name: Code, regurgitant: bool, site: Option<Code>) -> Concept {
    Concept {
        section,
        name,
        regurgitant,
        site,
    }
}

/// The TID 5200 post-coordinated concept of a catalog id (reference §7.3), if it has one.
/// Ids without a standard concept (jet/LA ratio, stroke volumes) are not encoded.
pub(crate) fn concept(id: &str) -> Option<Concept> {
    use Section::*;
    Some(match id {
        "mr_eroa" => c(
            MitralValve,
            ("399367004", "SCT", "Cardiovascular Orifice Area"),
            true,
            None,
        ),
        "mr_rvol" => c(MitralValve, ("33878-0", "LN", "Volume flow"), true, None),
        "mr_rf" => c(
            MitralValve,
            ("399301000", "SCT", "Regurgitant Fraction"),
            true,
            None,
        ),
        "mr_vc_width" => c(
            MitralValve,
            ("125334", "DCM", "Vena Contracta Width"),
            true,
            None,
        ),
        "mr_vmax" => c(
            MitralValve,
            ("20355-4", "LN", "Peak Blood Velocity"),
            true,
            None,
        ),
        "mr_peak_gradient" => c(MitralValve, ("20247-3", "LN", "Peak Gradient"), true, None),
        "mr_vti" => c(
            MitralValve,
            ("20354-7", "LN", "Velocity Time Integral"),
            true,
            None,
        ),
        "mr_pisa_radius" => c(MitralValve, ("59102-4", "LN", "Flow Radius"), true, None),
        "mr_alias_velocity" => c(MitralValve, ("59130-5", "LN", "Alias velocity"), true, None),
        "mr_pisa_flow" => c(
            MitralValve,
            ("34141-2", "LN", "Peak Instantaneous Flow Rate"),
            true,
            None,
        ),
        "mr_jet_area" => c(MitralValve, ("59123-0", "LN", "Jet Area"), true, None),
        "mv_e_velocity" => c(
            MitralValve,
            ("18037-2", "LN", "Mitral Valve E-Wave Peak Velocity"),
            false,
            None,
        ),
        "ma_diameter" => c(
            MitralValve,
            ("399027007", "SCT", "Cardiovascular Orifice Diameter"),
            false,
            Some(MITRAL_ANNULUS),
        ),
        "ma_vti" => c(
            MitralValve,
            ("20354-7", "LN", "Velocity Time Integral"),
            false,
            Some(MITRAL_ANNULUS),
        ),
        "lv_edv" => c(
            LeftVentricle,
            ("18026-5", "LN", "Left Ventricular End Diastolic Volume"),
            false,
            None,
        ),
        "lv_esv" => c(
            LeftVentricle,
            ("18148-7", "LN", "Left Ventricular End Systolic Volume"),
            false,
            None,
        ),
        "lv_ef" => c(
            LeftVentricle,
            ("18043-0", "LN", "Left Ventricular Ejection Fraction by US"),
            false,
            None,
        ),
        "lvot_diameter" => c(
            LeftVentricle,
            (
                "80028-4",
                "LN",
                "Left ventricular outflow tract dimension (2D)",
            ),
            false,
            None,
        ),
        "lvot_vti" => c(
            LeftVentricle,
            ("80030-0", "LN", "Left ventricular outflow tract VTI"),
            false,
            None,
        ),
        "la_area" => c(
            LeftAtrium,
            ("17977-0", "LN", "Left Atrium Area A4C view"),
            false,
            None,
        ),
        _ => return None,
    })
}

/// The measurement-method code of an engine method tag, when one applies.
pub(crate) fn method_code(id: &str, method: Option<&str>) -> Option<Code> {
    match (id, method?) {
        (_, "pisa") => Some(PISA),
        ("mr_rvol" | "mr_rf", "volumetric_ma") => Some(DOPPLER_VOLUME_FLOW),
        ("lv_edv" | "lv_esv" | "lv_ef", "biplane_disks") => Some(BIPLANE_DISKS),
        _ => None,
    }
}

/// UCUM unit code of a unit.
pub(crate) fn ucum(unit: Unit) -> Code {
    match unit {
        Unit::Cm => ("cm", "UCUM", "centimeter"),
        Unit::Mm => ("mm", "UCUM", "millimeter"),
        Unit::M => ("m", "UCUM", "meter"),
        Unit::Cm2 => ("cm2", "UCUM", "square centimeter"),
        Unit::Mm2 => ("mm2", "UCUM", "square millimeter"),
        Unit::CmPerS => ("cm/s", "UCUM", "centimeter/second"),
        Unit::MPerS => ("m/s", "UCUM", "meter/second"),
        Unit::Ml => ("ml", "UCUM", "milliliter"),
        Unit::L => ("l", "UCUM", "liter"),
        Unit::MlPerS => ("ml/s", "UCUM", "milliliter/second"),
        Unit::Percent => ("%", "UCUM", "percent"),
        Unit::S => ("s", "UCUM", "second"),
        Unit::Ms => ("ms", "UCUM", "millisecond"),
        Unit::Deg => ("deg", "UCUM", "degree"),
        Unit::MmHg => ("mm[Hg]", "UCUM", "millimeter of mercury"),
        Unit::Ratio => ("{ratio}", "UCUM", "ratio"),
    }
}

/// SNOMED CT severity code of a grade (None for indeterminate).
pub(crate) fn severity_code(g: Grade) -> Option<Code> {
    match g {
        Grade::Mild => Some(("255604002", "SCT", "Mild")),
        Grade::MildToModerate => Some(("371923003", "SCT", "Mild to moderate")),
        Grade::ModerateToSevere => Some(("371924009", "SCT", "Moderate to severe")),
        Grade::Severe => Some(("24484000", "SCT", "Severe")),
        Grade::Indeterminate => None,
    }
}
