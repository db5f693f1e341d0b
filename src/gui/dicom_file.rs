//! [`ImageFile`] over [`crate::dicom::DicomFile`]: header facts for the study list, frames for
//! the decode-ahead thread, and the US-region calibration for measurements. A thin adapter: every
//! number comes from the DICOM module.

use std::path::Path;
use std::sync::Arc;

use egui::{ColorImage, Rect, pos2};

use crate::dicom::{
    Calibration, CalibrationError as DicomCalError, DicomFile, ImagePoint, PhysicalUnit,
    RegionDataType, UsRegion,
};
use crate::gui::background::{FrameSource, color_image};
use crate::gui::library::{Calibrated, CalibrationError, FileInfo, ImageFile, RegionInfo};
use crate::measure::{RegionType, Unit};

/// An opened DICOM file.
pub struct DicomImage {
    file: DicomFile,
    info: FileInfo,
    regions: Vec<RegionInfo>,
}

/// Opens a DICOM file lazily (header, frame index, timing, regions; no pixels yet).
pub fn open(path: &Path) -> Result<Arc<dyn ImageFile>, String> {
    let file = DicomFile::open(path).map_err(|e| format!("{e:#} ({})", path.display()))?;
    let info = file_info(&file);
    let regions = file.calibration().regions.iter().map(region_info).collect();
    Ok(Arc::new(DicomImage {
        file,
        info,
        regions,
    }))
}

fn file_info(file: &DicomFile) -> FileInfo {
    let h = file.header();
    let timing = file.timing();
    let n = file.frame_count() as usize;
    let times = &timing.frame_times_ms;
    let interval_s = timing.frame_interval_ms / 1000.0;
    let frame_durations_s = (0..n)
        .map(|i| match (times.get(i), times.get(i + 1)) {
            (Some(a), Some(b)) if b > a => (b - a) / 1000.0,
            _ => interval_s,
        })
        .collect();
    let patient = match (&h.patient_name, &h.patient_id) {
        (Some(name), Some(id)) => format!("{} ({id})", name.replace('^', " ").trim()),
        (Some(name), None) => name.replace('^', " ").trim().to_owned(),
        (None, Some(id)) => format!("({id})"),
        (None, None) => "(no patient)".to_owned(),
    };
    let study = [
        h.study_description.clone(),
        h.study_date.clone().map(pretty_date),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    let series = match (&h.series_number, &h.series_description) {
        (Some(n), Some(d)) => format!("{n} {d}"),
        (Some(n), None) => n.to_string(),
        (None, Some(d)) => d.clone(),
        (None, None) => String::new(),
    };
    let calibration = file.calibration();
    FileInfo {
        patient,
        study_uid: h.study_instance_uid.clone().unwrap_or_default(),
        study,
        series_uid: h.series_instance_uid.clone().unwrap_or_default(),
        sop_instance_uid: h.sop_instance_uid.clone().unwrap_or_default(),
        series,
        series_number: h.series_number,
        frame_count: n,
        size: [usize::from(h.columns), usize::from(h.rows)],
        frame_durations_s,
        mode: mode_text(calibration, h.modality.as_deref()),
        calibrated: calibration.regions.iter().any(UsRegion::is_calibrated),
    }
}

fn pretty_date(d: String) -> String {
    if d.len() == 8 && d.chars().all(|c| c.is_ascii_digit()) {
        format!("{}-{}-{}", &d[0..4], &d[4..6], &d[6..8])
    } else {
        d
    }
}

/// `2D`, `2D + color`, `CW`, `PW`, … from the region data types.
fn mode_text(calibration: &Calibration, modality: Option<&str>) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for r in &calibration.regions {
        let part = match r.data_type {
            RegionDataType::Tissue => "2D",
            RegionDataType::ColorFlow => "color",
            RegionDataType::PwSpectralDoppler => "PW",
            RegionDataType::CwSpectralDoppler => "CW",
            _ => continue,
        };
        if !parts.contains(&part) {
            parts.push(part);
        }
    }
    if parts.is_empty() {
        modality.unwrap_or("image").to_owned()
    } else {
        parts.join(" + ")
    }
}

fn region_type(t: RegionDataType) -> Option<RegionType> {
    match t {
        RegionDataType::Tissue => Some(RegionType::Tissue2d),
        RegionDataType::ColorFlow => Some(RegionType::ColorFlow),
        RegionDataType::PwSpectralDoppler => Some(RegionType::Pw),
        RegionDataType::CwSpectralDoppler => Some(RegionType::Cw),
        _ => None,
    }
}

fn unit(u: PhysicalUnit) -> Option<Unit> {
    match u {
        PhysicalUnit::Cm => Some(Unit::Cm),
        PhysicalUnit::Seconds => Some(Unit::S),
        PhysicalUnit::CmPerSecond => Some(Unit::CmPerS),
        PhysicalUnit::Percent => Some(Unit::Percent),
        PhysicalUnit::Cm2 => Some(Unit::Cm2),
        PhysicalUnit::Cm3 => Some(Unit::Ml),
        PhysicalUnit::Degrees => Some(Unit::Deg),
        _ => None,
    }
}

fn region_info(r: &UsRegion) -> RegionInfo {
    RegionInfo {
        // Region bounds are inclusive pixel indices; the rectangle covers whole pixels.
        bounds_px: Rect::from_min_max(
            pos2(r.x0 as f32, r.y0 as f32),
            pos2(r.x1 as f32 + 1.0, r.y1 as f32 + 1.0),
        ),
        region_type: region_type(r.data_type),
        calibrated: r.is_calibrated(),
    }
}

fn image_point(p: &[f64; 2]) -> ImagePoint {
    ImagePoint::new(p[0], p[1])
}

impl FrameSource for DicomImage {
    fn frame_count(&self) -> usize {
        self.info.frame_count
    }

    /// Decodes through [`DicomFile::decode_rgb_into`] into a buffer of the calling thread
    /// (allocated once per decode thread), not through the file's RGB cache: the GUI keeps
    /// frames as textures in its own bounded LRU, so a second copy would only cost memory.
    fn decode_image(&self, index: usize) -> Result<ColorImage, String> {
        thread_local! {
            static RGB: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        let index = u32::try_from(index).map_err(|_| format!("frame {index} out of range"))?;
        RGB.with(|cell| {
            let mut rgb = cell.borrow_mut();
            self.file
                .decode_rgb_into(index, &mut rgb)
                .map_err(|e| format!("{e:#}"))?;
            color_image(self.info.size, &rgb)
        })
    }
}

impl ImageFile for DicomImage {
    fn info(&self) -> &FileInfo {
        &self.info
    }

    fn regions(&self) -> &[RegionInfo] {
        &self.regions
    }

    fn calibrate(&self, points_px: &[[f64; 2]]) -> Result<Calibrated, CalibrationError> {
        let points: Vec<ImagePoint> = points_px.iter().map(image_point).collect();
        let region = self
            .file
            .calibration()
            .common_region(&points)
            .map_err(|e| match e {
                DicomCalError::Uncalibrated => CalibrationError::Uncalibrated,
                DicomCalError::NoRegionAt { .. } => CalibrationError::OutsideRegions,
                DicomCalError::SpansRegions { first, second } => {
                    CalibrationError::SpansRegions(format!("{first} and {second}"))
                }
                other => CalibrationError::WrongRegion(other.to_string()),
            })?;
        let units = [unit(region.units_x), unit(region.units_y)];
        if units.iter().all(Option::is_none) {
            return Err(CalibrationError::Uncalibrated);
        }
        let points_phys = points
            .iter()
            .map(|p| {
                let (x, y) = region.physical(*p);
                [x.value, y.value]
            })
            .collect();
        Ok(Calibrated {
            region_index: region.index,
            region_type: region_type(region.data_type),
            units,
            points_phys,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_units() {
        assert_eq!(pretty_date("20240131".to_owned()), "2024-01-31");
        assert_eq!(pretty_date("2024".to_owned()), "2024");
        assert_eq!(unit(PhysicalUnit::CmPerSecond), Some(Unit::CmPerS));
        assert_eq!(unit(PhysicalUnit::Hertz), None);
    }
}
