//! The apical 4- and 2-chamber cines: layout (sector, ECG strip), frame times (constant Frame
//! Time for A4C, a jittered Frame Time Vector for A2C), LV size per frame, and the rendering
//! of every frame.

use super::apical::{ApicalScene, Placement};
use super::dicom_write::FrameTiming;
use super::ecg::EcgStrip;
use super::echo::render_bmode;
use super::font;
use super::lv::{ApicalView, CardiacCycle, LvDims, dims_at};
use super::raster::GrayImage;
use super::scan::{Sector, depth_mark_pixels};

/// Frames per cine (one R–R interval).
pub const FRAMES: usize = 32;
/// Nominal frame time, ms.
pub const FRAME_TIME_MS: f64 = 25.0;
/// The cardiac cycle: 75 bpm, end-systole 300 ms after the R wave.
pub const CYCLE: CardiacCycle = CardiacCycle {
    rr_s: 0.8,
    es_s: 0.3,
};
/// Heart rate written in the files, bpm.
pub const HEART_RATE_BPM: i32 = 75;
/// End-diastolic frame index (0-based): the R wave.
pub const ED_FRAME: usize = 0;
/// End-systolic frame index (0-based): t = 300 ms in both cines.
pub const ES_FRAME: usize = 12;

/// Image size and geometry shared by both apical cines.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CineLayout {
    /// Columns.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// The 2D sector.
    pub sector: Sector,
    /// The ECG strip along the bottom.
    pub ecg: EcgStrip,
}

/// The layout of the apical cines: 0.045 cm pixels, 15.6 cm deep, 84° sector, ECG below.
pub fn layout() -> CineLayout {
    let sector = Sector {
        apex_x_px: 236,
        apex_y_px: 6,
        spacing_cm: 0.045,
        half_angle_rad: 42f64.to_radians(),
        depth_cm: 15.6,
    };
    let ecg = EcgStrip {
        x0: 0,
        y0: 362,
        x1: 471,
        y1: 409,
        ref_col: 40,
        ref_row: 32,
        s_per_px: 0.0025,
        mv_per_px: -0.05,
        rr_s: CYCLE.rr_s,
        first_r_s: 0.0,
    };
    CineLayout {
        width: 472,
        height: 410,
        sector,
        ecg,
    }
}

/// Where the LV sits in each view.
pub fn placement(view: ApicalView) -> Placement {
    match view {
        ApicalView::FourChamber => Placement {
            apex_lateral_cm: 0.7,
            apex_depth_cm: 2.2,
            tilt_rad: 5f64.to_radians(),
        },
        ApicalView::TwoChamber => Placement {
            apex_lateral_cm: 0.2,
            apex_depth_cm: 2.2,
            tilt_rad: -4f64.to_radians(),
        },
    }
}

/// Frame timing of each view: A4C constant 25 ms; A2C a Frame Time Vector alternating 20 and
/// 30 ms (mean 25 ms), so that frame 12 still falls at 300 ms.
pub fn timing(view: ApicalView) -> FrameTiming {
    match view {
        ApicalView::FourChamber => FrameTiming::FrameTime(FRAME_TIME_MS),
        ApicalView::TwoChamber => FrameTiming::Vector(
            (0..FRAMES)
                .map(|k| {
                    if k == 0 {
                        0.0
                    } else if k % 2 == 1 {
                        20.0
                    } else {
                        30.0
                    }
                })
                .collect(),
        ),
    }
}

/// Time of every frame from the first, ms.
pub fn frame_times_ms(timing: &FrameTiming) -> Vec<f64> {
    match timing {
        FrameTiming::FrameTime(ms) => (0..FRAMES).map(|k| k as f64 * ms).collect(),
        FrameTiming::Vector(v) => v
            .iter()
            .scan(0.0, |t, d| {
                *t += d;
                Some(*t)
            })
            .collect(),
    }
}

/// LV dimensions at each frame time.
pub fn dims_per_frame(times_ms: &[f64]) -> Vec<LvDims> {
    times_ms
        .iter()
        .map(|t| dims_at(CYCLE.contraction(t / 1000.0)))
        .collect()
}

/// Renders all frames of one apical cine.
pub fn render(view: ApicalView) -> Vec<GrayImage> {
    let lay = layout();
    let times = frame_times_ms(&timing(view));
    let seed = match view {
        ApicalView::FourChamber => 0xA4C0_0001,
        ApicalView::TwoChamber => 0xA2C0_0002,
    };
    times
        .iter()
        .map(|&t_ms| {
            let t = t_ms / 1000.0;
            let k = CYCLE.contraction(t);
            let scene = ApicalScene {
                view,
                dims: dims_at(k),
                contraction: k,
                valves_open: CYCLE.mitral_open(t),
                placement: placement(view),
                seed,
            };
            let mut img = render_bmode(&lay.sector, &scene, lay.width, lay.height, seed);
            lay.ecg.draw_gray(&mut img, Some(t));
            annotate(&mut img, view, &lay);
            img
        })
        .collect()
}

/// Burned-in annotations: view name, heart rate, depth and the depth scale.
fn annotate(img: &mut GrayImage, view: ApicalView, lay: &CineLayout) {
    let name = match view {
        ApicalView::FourChamber => "A4C",
        ApicalView::TwoChamber => "A2C",
    };
    font::draw_gray(img, name, 6, 6, 230);
    font::draw_gray(img, "ECHOLAB", 6, 16, 150);
    let right = |t: &str| lay.width as i64 - 6 - font::text_width(t);
    let hr = format!("HR {HEART_RATE_BPM}");
    font::draw_gray(img, &hr, right(&hr), 6, 200);
    let depth = format!("{:.1} CM", lay.sector.depth_cm);
    font::draw_gray(img, &depth, right(&depth), 16, 200);
    for (x, y) in depth_mark_pixels(&lay.sector, lay.width) {
        img.put(x, y, 200);
    }
    font::draw_gray(img, "ECG", 6, i64::from(lay.ecg.y0), 150);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn es_frame_is_at_300_ms_in_both_views() {
        for view in [ApicalView::FourChamber, ApicalView::TwoChamber] {
            let t = frame_times_ms(&timing(view));
            assert_eq!(t.len(), FRAMES);
            assert!(t[0].abs() < 1e-12);
            assert!((t[ES_FRAME] - 300.0).abs() < 1e-9, "{view:?}");
            let d = dims_per_frame(&t);
            let min = d.iter().map(LvDims::volume_ml).fold(f64::MAX, f64::min);
            assert!((d[ES_FRAME].volume_ml() - min).abs() < 1e-9);
            assert!((d[ED_FRAME].volume_ml() - 230.0).abs() < 1e-9);
        }
    }

    #[test]
    fn sector_and_ecg_do_not_overlap_and_fit() {
        let lay = layout();
        let (x0, _, x1, y1) = lay.sector.bounds_px();
        assert!(x0 >= 0 && x1 < lay.width as i64);
        assert!(y1 < i64::from(lay.ecg.y0));
        assert!((lay.ecg.y1 as usize) < lay.height && (lay.ecg.x1 as usize) < lay.width);
    }
}
