//! The expected measurements of the sample study, each defined by pixels on a stated frame and
//! region, and the LV model landmarks and volumes per apical view.

use std::f64::consts::PI;

use super::dicom_write::Encoding;
use super::lv::{self, ApicalView, DISKS, LvDims};
use super::study::file_name;
use super::truth::{Derived, LvFrame, LvLandmarks, LvTruth, LvView, Measurement, derive, r3};
use super::{cine, color, plax, spectral};

fn both(view: &str) -> Vec<String> {
    vec![
        file_name(view, Encoding::Rle),
        file_name(view, Encoding::Jpeg),
    ]
}

fn pt(x: f64, y: f64) -> [f64; 2] {
    [r3(x), r3(y)]
}

/// Envelope samples (one per pixel column) of beat 0 of a strip, as image pixels.
pub fn envelope_points(strip: spectral::Strip, wave: &spectral::HalfSine) -> Vec<[f64; 2]> {
    let region = spectral::spectral_region(strip);
    let onset = wave.onset_s(0);
    let end = onset + wave.duration_s;
    let (first, _) = region.pixel(onset, 0.0);
    let (last, _) = region.pixel(end, 0.0);
    (first.ceil() as i64..=last.floor() as i64)
        .map(|x| {
            let (t, _) = region.physical(x as f64, 0.0);
            let (_, y) = region.pixel(t, wave.velocity(t));
            pt(x as f64, y)
        })
        .collect()
}

fn la_contour() -> Vec<[f64; 2]> {
    let (cx, cy) = (color::LA_CENTRE_PX.0 as f64, color::LA_CENTRE_PX.1 as f64);
    let (a, b) = (color::LA_SEMI_PX.0 as f64, color::LA_SEMI_PX.1 as f64);
    let theta0 = ((color::ORIFICE_PX.1 as f64 - cy) / b).asin(); // annulus row
    let n = 96;
    (0..=n)
        .map(|i| {
            let th = theta0 + (PI - 2.0 * theta0) * f64::from(i) / f64::from(n);
            pt(cx + a * th.cos(), cy + b * th.sin())
        })
        .collect()
}

fn jet_contour() -> Vec<[f64; 2]> {
    let (ox, oy) = (color::ORIFICE_PX.0 as f64, color::ORIFICE_PX.1 as f64);
    let (h, n) = (color::VC_HALF_PX as f64, color::NECK_PX as f64);
    let (cx, cy) = (color::JET_CENTRE_PX.0 as f64, color::JET_CENTRE_PX.1 as f64);
    let (a, b) = (color::JET_SEMI_PX.0 as f64, color::JET_SEMI_PX.1 as f64);
    let mut pts = vec![pt(ox - h, oy), pt(ox + h, oy), pt(ox + h, oy + n)];
    let steps = 96;
    for i in 0..=steps {
        // From the top of the ellipse clockwise (towards the image right) back to the top.
        let th = -PI / 2.0 + 2.0 * PI * f64::from(i) / f64::from(steps);
        pts.push(pt(cx + a * th.cos(), cy + b * th.sin()));
    }
    pts.push(pt(ox - h, oy + n));
    pts
}

/// Every expected measurement.
pub fn measurements() -> Vec<Measurement> {
    let (ox, oy) = (color::ORIFICE_PX.0 as f64, color::ORIFICE_PX.1 as f64);
    let c_px = color::SPACING_CM;
    let cw = spectral::spectral_region(spectral::Strip::CwMr);
    let pw = spectral::spectral_region(spectral::Strip::PwLvot);
    let (mr_x, mr_y) = cw.pixel(spectral::MR.first_peak_s, spectral::MR.peak_cm_s);
    let (lv_x, lv_y) = pw.pixel(spectral::LVOT.first_peak_s, spectral::LVOT.peak_cm_s);
    let (e_peak, e_onset, e_dur) = spectral::INFLOW[0];
    let e_t = spectral::FIRST_R_S + e_onset + 0.35 * e_dur;
    let (e_x, e_y) = cw.pixel(e_t, e_peak);
    let la_perimeter_cm = 16.0;
    let jet_perimeter_cm = 15.0;
    let mut m = vec![
        Measurement {
            name: "lvot_diameter".to_owned(),
            kind: "distance",
            files: both("plax"),
            frame: 0,
            region_index: 0,
            points_px: vec![
                pt(plax::LVOT_COL as f64, plax::SEPTUM_EDGE_ROW + 0.5),
                pt(plax::LVOT_COL as f64, plax::CURTAIN_EDGE_ROW + 0.5),
            ],
            value: plax::lvot_diameter_cm(),
            unit: "cm",
            tolerance: plax::SPACING_CM,
            definition: "Inner edge to inner edge at column 256: first lumen row below the septum (117) to first bright row of the aorto-mitral curtain (167).",
        },
        Measurement {
            name: "pisa_radius".to_owned(),
            kind: "distance",
            files: both("mr_color"),
            frame: 0,
            region_index: 0,
            points_px: vec![pt(ox, oy), pt(ox, oy - color::PISA_RADIUS_PX as f64)],
            value: color::pisa_radius_cm(),
            unit: "cm",
            tolerance: c_px,
            definition: "Orifice (white cross) to the first aliasing boundary (blue to yellow) on the centre line; aliasing velocity 40 cm/s.",
        },
        Measurement {
            name: "vena_contracta".to_owned(),
            kind: "distance",
            files: both("mr_color"),
            frame: 0,
            region_index: 0,
            points_px: vec![
                pt(
                    ox - color::VC_HALF_PX as f64,
                    oy + (color::NECK_PX / 2) as f64,
                ),
                pt(
                    ox + color::VC_HALF_PX as f64,
                    oy + (color::NECK_PX / 2) as f64,
                ),
            ],
            value: 2.0 * color::VC_HALF_PX as f64 * c_px,
            unit: "cm",
            tolerance: c_px,
            definition: "Width of the jet neck between its outermost coloured pixel centres (columns 225 and 255, rows 192-204).",
        },
        Measurement {
            name: "la_area".to_owned(),
            kind: "area",
            files: both("mr_color"),
            frame: 0,
            region_index: 0,
            points_px: la_contour(),
            value: color::la_area_cm2(),
            unit: "cm2",
            tolerance: la_perimeter_cm * c_px,
            definition: "LA: ellipse (centre 240,272; semi-axes 112 x 100 px) cut by the annulus row 192; contour from the septal hinge round the roof back to the lateral hinge.",
        },
        Measurement {
            name: "jet_area".to_owned(),
            kind: "area",
            files: both("mr_color"),
            frame: 0,
            region_index: 0,
            points_px: jet_contour(),
            value: color::jet_area_cm2(),
            unit: "cm2",
            tolerance: jet_perimeter_cm * c_px,
            definition: "Mosaic jet: neck rectangle (columns 225-255, rows 192-204) plus ellipse (centre 240,274; semi-axes 88 x 70 px).",
        },
        Measurement {
            name: "mr_vmax".to_owned(),
            kind: "point",
            files: both("mr_cw"),
            frame: 0,
            region_index: 1,
            points_px: vec![pt(mr_x, mr_y)],
            value: spectral::MR.peak_cm_s,
            unit: "cm/s",
            tolerance: cw.delta_y.abs(),
            definition: "Peak of the MR envelope of beat 0 (beats 1 and 2 peak 200 and 400 columns later).",
        },
        Measurement {
            name: "mr_vti".to_owned(),
            kind: "vti",
            files: both("mr_cw"),
            frame: 0,
            region_index: 1,
            points_px: envelope_points(spectral::Strip::CwMr, &spectral::MR),
            value: spectral::MR.vti_cm(),
            unit: "cm",
            tolerance: 1.5,
            definition: "Envelope of beat 0: v(t) = -500 sin(pi (t - t_on) / T), T = 0.15 pi s; one sample per column.",
        },
        Measurement {
            name: "mitral_e_velocity".to_owned(),
            kind: "point",
            files: both("mr_cw"),
            frame: 0,
            region_index: 1,
            points_px: vec![pt(e_x, e_y)],
            value: e_peak,
            unit: "cm/s",
            tolerance: cw.delta_y.abs(),
            definition: "Peak of the first E wave above the baseline (flow towards the transducer).",
        },
        Measurement {
            name: "lvot_vmax".to_owned(),
            kind: "point",
            files: both("lvot_pw"),
            frame: 0,
            region_index: 1,
            points_px: vec![pt(lv_x, lv_y)],
            value: spectral::LVOT.peak_cm_s,
            unit: "cm/s",
            tolerance: pw.delta_y.abs(),
            definition: "Peak of the LVOT envelope of beat 0.",
        },
        Measurement {
            name: "lvot_vti".to_owned(),
            kind: "vti",
            files: both("lvot_pw"),
            frame: 0,
            region_index: 1,
            points_px: envelope_points(spectral::Strip::PwLvot, &spectral::LVOT),
            value: spectral::LVOT.vti_cm(),
            unit: "cm",
            tolerance: 0.3,
            definition: "Envelope of beat 0: v(t) = -100 sin(pi (t - t_on) / T), T = 0.1 pi s; one sample per column.",
        },
    ];
    for view in [ApicalView::FourChamber, ApicalView::TwoChamber] {
        let key = view_key(view);
        for (phase, frame) in [("ed", cine::ED_FRAME), ("es", cine::ES_FRAME)] {
            let l = landmarks(view, frame);
            let spacing = cine::layout().sector.spacing_cm;
            m.push(Measurement {
                name: format!("lv_length_{key}_{phase}"),
                kind: "distance",
                files: both(key),
                frame,
                region_index: 0,
                points_px: vec![l.apex_px, l.base_mid_px],
                value: l.length_cm,
                unit: "cm",
                tolerance: spacing,
                definition: "Endocardial apex to the midpoint of the mitral annulus.",
            });
            let perimeter = PI
                * (1.5 * (l.semi_minor_cm + l.length_cm) - (l.semi_minor_cm * l.length_cm).sqrt())
                / 2.0
                + 2.0 * l.semi_minor_cm;
            m.push(Measurement {
                name: format!("lv_area_{key}_{phase}"),
                kind: "area",
                files: both(key),
                frame,
                region_index: 0,
                points_px: l.contour_px.clone(),
                value: l.area_cm2,
                unit: "cm2",
                tolerance: perimeter * spacing,
                definition: "Endocardial half-ellipse closed by the annulus line (hinge, apex, hinge).",
            });
        }
    }
    m
}

fn view_key(view: ApicalView) -> &'static str {
    match view {
        ApicalView::FourChamber => "a4c",
        ApicalView::TwoChamber => "a2c",
    }
}

fn dims_of_frame(view: ApicalView, frame: usize) -> LvDims {
    let times = cine::frame_times_ms(&cine::timing(view));
    let t = times.get(frame).copied().unwrap_or(0.0);
    lv::dims_at(cine::CYCLE.contraction(t / 1000.0))
}

/// Landmarks and contour of one view at one frame.
pub fn landmarks(view: ApicalView, frame: usize) -> LvLandmarks {
    let d = dims_of_frame(view, frame);
    let p = cine::placement(view);
    let s = cine::layout().sector;
    let to_px = |w: f64, along: f64| {
        let (x, y) = p.image_from_view(w, along);
        let (px, py) = s.px_from_cm(x, y);
        pt(px, py)
    };
    let a = d.semi_cm(view);
    LvLandmarks {
        frame,
        apex_px: to_px(0.0, 0.0),
        annulus_px: [to_px(-a, d.length_cm), to_px(a, d.length_cm)],
        base_mid_px: to_px(0.0, d.length_cm),
        length_cm: d.length_cm,
        semi_minor_cm: a,
        area_cm2: PI * a * d.length_cm / 2.0,
        contour_px: lv::contour_view_cm(&d, view, 61)
            .into_iter()
            .map(|(w, along)| to_px(w, along))
            .collect(),
    }
}

/// The LV section of the ground truth.
pub fn lv_truth() -> LvTruth {
    let ed = lv::end_diastole();
    let es = lv::end_systole();
    let spacing = cine::layout().sector.spacing_cm;
    let one_px = |d: &LvDims| {
        d.volume_ml() * spacing * (1.0 / d.semi_a4c_cm + 1.0 / d.semi_a2c_cm + 1.0 / d.length_cm)
    };
    let frames = |view: ApicalView| {
        let times = cine::frame_times_ms(&cine::timing(view));
        cine::dims_per_frame(&times)
            .iter()
            .zip(&times)
            .enumerate()
            .map(|(frame, (d, &time_ms))| LvFrame {
                frame,
                time_ms,
                length_cm: d.length_cm,
                semi_a4c_cm: d.semi_a4c_cm,
                semi_a2c_cm: d.semi_a2c_cm,
                volume_ml: d.volume_ml(),
            })
            .collect()
    };
    let (disk_ed, disk_es) = (ed.biplane_disks_ml(DISKS), es.biplane_disks_ml(DISKS));
    LvTruth {
        model: "Half-ellipsoid, V = 2/3 pi a b L: a = minor semi-axis in A4C, b in A2C, L = apex to mitral annulus plane; apex fixed, base and walls move (cosine systole, rapid filling, atrial kick).",
        ed_frame: cine::ED_FRAME,
        es_frame: cine::ES_FRAME,
        edv_ml: ed.volume_ml(),
        esv_ml: es.volume_ml(),
        ef_percent: (ed.volume_ml() - es.volume_ml()) / ed.volume_ml() * 100.0,
        biplane_disks_edv_ml: disk_ed,
        biplane_disks_esv_ml: disk_es,
        biplane_disks_ef_percent: (disk_ed - disk_es) / disk_ed * 100.0,
        edv_tolerance_ml: one_px(&ed),
        esv_tolerance_ml: one_px(&es),
        ef_tolerance_percent: 3.0,
        views: [ApicalView::FourChamber, ApicalView::TwoChamber]
            .into_iter()
            .map(|view| LvView {
                view: view_key(view),
                files: both(view_key(view)),
                tilt_deg: r3(cine::placement(view).tilt_rad.to_degrees()),
                ed: landmarks(view, cine::ED_FRAME),
                es: landmarks(view, cine::ES_FRAME),
            })
            .collect(),
        frames_a4c: frames(ApicalView::FourChamber),
        frames_a2c: frames(ApicalView::TwoChamber),
    }
}

/// The derived MR quantities from the design values.
pub fn derived() -> Derived {
    derive(
        color::ALIASING_CM_S,
        color::pisa_radius_cm(),
        spectral::MR.peak_cm_s.abs(),
        spectral::MR.vti_cm(),
        plax::lvot_diameter_cm(),
        spectral::LVOT.vti_cm(),
        2.0 * color::VC_HALF_PX as f64 * color::SPACING_CM,
        color::la_area_cm2(),
        color::jet_area_cm2(),
        lv::EDV_ML,
        lv::ESV_ML,
    )
}
