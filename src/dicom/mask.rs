//! Pixel masks for Clean Pixel Data: which pixels of a frame hold image data (the data regions
//! of the Sequence of Ultrasound Regions, or rectangles the user gives), and blacking out the
//! rest (burned-in patient banners, side text, scale labels).
//!
//! # The banner rule
//!
//! Carts print the patient's name, ID, birth date and the institution in a banner along the top
//! edge of the frame. The top [`banner_rows`] rows (3 % of the rows, at least 12) are the
//! *banner band*. A data region that reaches into the band could hold that text inside itself,
//! where no region mask removes it, so such a file is refused ([`MaskRefusal::CoversBanner`])
//! unless the user gives an explicit mask. Files without data regions are refused too
//! ([`MaskRefusal::NoRegions`]). Burned In Annotation (0028,0301) is not trusted either way.
//!
//! Hand-written: a rectangle union over a row-major buffer is a few lines, and no imaging crate
//! knows DICOM regions.

use serde::{Deserialize, Serialize};

use super::regions::{Calibration, UsRegion};
use super::units::RegionDataType;

/// A pixel rectangle: columns `x0..=x1`, rows `y0..=y1`, 0-based (as the region sequence
/// writes them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PixelRect {
    /// First column.
    pub x0: u32,
    /// First row.
    pub y0: u32,
    /// Last column (inclusive).
    pub x1: u32,
    /// Last row (inclusive).
    pub y1: u32,
}

impl PixelRect {
    /// The rectangle of a region.
    pub fn of_region(r: &UsRegion) -> Self {
        PixelRect {
            x0: r.x0,
            y0: r.y0,
            x1: r.x1,
            y1: r.y1,
        }
    }

    /// Clipped to a `width × height` image; `None` when nothing is left.
    pub fn clipped(self, width: u32, height: u32) -> Option<Self> {
        if width == 0 || height == 0 || self.x0 >= width || self.y0 >= height {
            return None;
        }
        Some(PixelRect {
            x0: self.x0,
            y0: self.y0,
            x1: self.x1.min(width - 1).max(self.x0),
            y1: self.y1.min(height - 1).max(self.y0),
        })
    }
}

/// Rows at the top of a frame of `rows` rows where carts print the patient banner: 3 % of the
/// rows (`rows / 32`), at least 12, at most `rows`.
pub fn banner_rows(rows: u32) -> u32 {
    (rows / 32).max(12).min(rows)
}

/// True for the region data types whose pixels are image data and stay in a clean copy:
/// tissue (B-mode and M-mode), colour flow, PW/CW spectral Doppler, their traces and the
/// physiological waveforms (ECG, pulse, phono, volume and area traces). Grey and colour bars,
/// "none" and unknown types are masked (their labels are text).
pub fn is_data_region(t: RegionDataType) -> bool {
    !matches!(
        t,
        RegionDataType::None
            | RegionDataType::GrayBar
            | RegionDataType::ColorBar
            | RegionDataType::Unknown(_)
    )
}

/// Why a file's regions cannot make a mask that is known to remove burned-in text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MaskRefusal {
    /// No data region: where the image data ends and text begins is unknown.
    #[error(
        "no ultrasound data regions, so burned-in text cannot be located; give an explicit \
         mask for this device (--mask FILE)"
    )]
    NoRegions,
    /// A data region reaches into the banner band.
    #[error(
        "region {index} ({kind}) starts at row {y0}, inside the top {band} rows where carts \
         print the patient banner; give an explicit mask for this device (--mask FILE)"
    )]
    CoversBanner {
        /// Region index in the sequence.
        index: usize,
        /// Its data type word.
        kind: String,
        /// Its first row.
        y0: u32,
        /// Rows of the banner band.
        band: u32,
    },
}

/// The rectangles kept by the region rule for a `width × height` frame (see the module docs).
pub fn region_keep_rects(
    calibration: &Calibration,
    width: u32,
    height: u32,
) -> Result<Vec<PixelRect>, MaskRefusal> {
    let band = banner_rows(height);
    let mut keep = Vec::new();
    for r in calibration
        .regions
        .iter()
        .filter(|r| is_data_region(r.data_type))
    {
        let Some(rect) = PixelRect::of_region(r).clipped(width, height) else {
            continue;
        };
        if rect.y0 < band {
            return Err(MaskRefusal::CoversBanner {
                index: r.index,
                kind: r.data_type.word(),
                y0: rect.y0,
                band,
            });
        }
        keep.push(rect);
    }
    if keep.is_empty() {
        return Err(MaskRefusal::NoRegions);
    }
    Ok(keep)
}

/// What masking one frame did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct MaskStats {
    /// Pixels outside every kept rectangle (set to black).
    pub masked: u64,
    /// Of those, pixels that were not black before (text, graphics, image).
    pub cleared: u64,
    /// Pixels of the frame.
    pub total: u64,
}

impl MaskStats {
    /// Adds another frame's counts.
    pub fn add(&mut self, other: MaskStats) {
        self.masked += other.masked;
        self.cleared += other.cleared;
        self.total += other.total;
    }

    /// Percentage of the pixels masked.
    pub fn masked_percent(&self) -> f64 {
        percent(self.masked, self.total)
    }

    /// Percentage of the pixels that were not black and were cleared.
    pub fn cleared_percent(&self) -> f64 {
        percent(self.cleared, self.total)
    }
}

fn percent(part: u64, total: u64) -> f64 {
    if total == 0 {
        0.0
    } else {
        part as f64 * 100.0 / total as f64
    }
}

/// A keep map for frames of one size: `true` where a pixel stays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PixelMask {
    width: u32,
    height: u32,
    keep: Vec<bool>,
}

impl PixelMask {
    /// The mask keeping the union of `rects` (clipped to the frame).
    pub fn new(width: u32, height: u32, rects: &[PixelRect]) -> Self {
        let (w, h) = (width as usize, height as usize);
        let mut keep = vec![false; w * h];
        for r in rects.iter().filter_map(|r| r.clipped(width, height)) {
            for y in r.y0 as usize..=r.y1 as usize {
                let row = y * w;
                keep[row + r.x0 as usize..=row + r.x1 as usize].fill(true);
            }
        }
        PixelMask {
            width,
            height,
            keep,
        }
    }

    /// Frame width.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Frame height.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// Whether pixel (`x`, `y`) stays.
    pub fn keeps(&self, x: u32, y: u32) -> bool {
        x < self.width
            && y < self.height
            && self.keep[y as usize * self.width as usize + x as usize]
    }

    /// Sets every masked pixel of `data` (row-major, `black.len()` interleaved samples per
    /// pixel) to `black`. Returns the counts; a buffer of another size is left alone and
    /// reported as `Err`.
    pub fn apply(&self, data: &mut [u8], black: &[u8]) -> Result<MaskStats, String> {
        let n = self.keep.len();
        let spp = black.len();
        if spp == 0 || data.len() != n * spp {
            return Err(format!(
                "{} samples do not hold {}x{} pixels of {spp} samples",
                data.len(),
                self.width,
                self.height
            ));
        }
        let mut stats = MaskStats {
            total: n as u64,
            ..MaskStats::default()
        };
        for (px, &keep) in data.chunks_exact_mut(spp).zip(&self.keep) {
            if keep {
                continue;
            }
            stats.masked += 1;
            if px != black {
                stats.cleared += 1;
                px.copy_from_slice(black);
            }
        }
        Ok(stats)
    }

    /// Counts what [`apply`](Self::apply) would change, without changing `data`.
    pub fn measure(&self, data: &[u8], black: &[u8]) -> Result<MaskStats, String> {
        let mut copy = data.to_vec();
        self.apply(&mut copy, black)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::dicom::units::{PhysicalUnit, RegionFlags, SpatialFormat};

    fn region(index: usize, data_type: u16, x0: u32, y0: u32, x1: u32, y1: u32) -> UsRegion {
        UsRegion {
            index,
            spatial_format: SpatialFormat::TwoD,
            data_type: RegionDataType::from_code(data_type),
            flags: RegionFlags::from_raw(0),
            x0,
            y0,
            x1,
            y1,
            units_x: PhysicalUnit::Cm,
            units_y: PhysicalUnit::Cm,
            delta_x: 0.01,
            delta_y: 0.01,
            ref_pixel_x: 0,
            ref_pixel_y: 0,
            ref_value_x: 0.0,
            ref_value_y: 0.0,
            reference_defaulted: false,
            transducer_frequency_khz: None,
            pulse_repetition_frequency_hz: None,
            doppler_correction_angle_deg: None,
            steering_angle_deg: None,
        }
    }

    fn cal(regions: Vec<UsRegion>) -> Calibration {
        Calibration {
            regions,
            warnings: vec![],
        }
    }

    #[test]
    fn banner_band_is_three_percent_at_least_twelve_rows() {
        assert_eq!(banner_rows(480), 15);
        assert_eq!(banner_rows(768), 24);
        assert_eq!(banner_rows(200), 12);
        assert_eq!(banner_rows(5), 5);
    }

    #[test]
    fn region_rule_keeps_data_regions_and_refuses_banner_cover() {
        let c = cal(vec![
            region(0, 1, 10, 40, 90, 80),
            region(1, 0x0E, 0, 0, 5, 5), // colour bar: masked, may sit in the band
            region(2, 0x0A, 0, 85, 99, 99),
        ]);
        let keep = region_keep_rects(&c, 100, 100).unwrap();
        assert_eq!(keep.len(), 2);
        let c = cal(vec![region(0, 1, 0, 0, 99, 99)]);
        assert!(matches!(
            region_keep_rects(&c, 100, 100),
            Err(MaskRefusal::CoversBanner {
                y0: 0,
                band: 12,
                ..
            })
        ));
        assert_eq!(
            region_keep_rects(&cal(vec![]), 100, 100),
            Err(MaskRefusal::NoRegions)
        );
        assert_eq!(
            region_keep_rects(&cal(vec![region(0, 0x0D, 0, 50, 9, 60)]), 100, 100),
            Err(MaskRefusal::NoRegions)
        );
    }

    #[test]
    fn mask_blacks_out_everything_outside_and_counts() {
        let mask = PixelMask::new(
            4,
            3,
            &[PixelRect {
                x0: 1,
                y0: 1,
                x1: 2,
                y1: 5,
            }],
        );
        let mut rgb: Vec<u8> = (0..36).map(|i| i as u8 + 1).collect();
        let before = rgb.clone();
        let stats = mask.apply(&mut rgb, &[0, 0, 0]).unwrap();
        assert_eq!(stats.total, 12);
        assert_eq!(stats.masked, 8);
        assert_eq!(stats.cleared, 8);
        for y in 0..3u32 {
            for x in 0..4u32 {
                let at = ((y * 4 + x) * 3) as usize;
                if mask.keeps(x, y) {
                    assert_eq!(rgb[at..at + 3], before[at..at + 3]);
                } else {
                    assert_eq!(rgb[at..at + 3], [0, 0, 0]);
                }
            }
        }
        // A second pass changes nothing.
        let again = mask.apply(&mut rgb, &[0, 0, 0]).unwrap();
        assert_eq!(again.cleared, 0);
        assert!(mask.apply(&mut rgb[..5], &[0, 0, 0]).is_err());
    }
}
