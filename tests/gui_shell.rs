//! Headless tests of the app shell with a fake image file (no DICOM, no GPU): caliper by drag,
//! handle drag as one undo step, undo/redo keys, cine keys, ED/ES marks, selection jumps.
#![cfg(feature = "gui")]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use echolab::gui::App;
use echolab::gui::app::Command;
use echolab::gui::background::{FrameSource, color_image};
use echolab::gui::library::{Calibrated, CalibrationError, FileInfo, ImageFile, RegionInfo};
use echolab::measure::{DrawKind, RegionType, Unit};
use egui::{Key, Modifiers, Pos2, Rect, pos2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;

const CM_PER_PX: f64 = 0.05;

struct FakeFile {
    info: FileInfo,
    regions: Vec<RegionInfo>,
}

impl FrameSource for FakeFile {
    fn frame_count(&self) -> usize {
        self.info.frame_count
    }
    fn decode_image(&self, index: usize) -> Result<egui::ColorImage, String> {
        let [w, h] = self.info.size;
        color_image([w, h], &vec![(index * 40) as u8; w * h * 3])
    }
}

impl ImageFile for FakeFile {
    fn info(&self) -> &FileInfo {
        &self.info
    }
    fn regions(&self) -> &[RegionInfo] {
        &self.regions
    }
    fn calibrate(&self, points: &[[f64; 2]]) -> Result<Calibrated, CalibrationError> {
        if points
            .iter()
            .any(|p| p[0] < 0.0 || p[1] < 0.0 || p[0] > 200.0 || p[1] > 200.0)
        {
            return Err(CalibrationError::OutsideRegions);
        }
        Ok(Calibrated {
            region_index: 0,
            region_type: Some(RegionType::Tissue2d),
            units: [Some(Unit::Cm), Some(Unit::Cm)],
            points_phys: points
                .iter()
                .map(|p| [p[0] * CM_PER_PX, p[1] * CM_PER_PX])
                .collect(),
        })
    }
}

fn open_fake(path: &Path) -> Result<Arc<dyn ImageFile>, String> {
    if path.to_string_lossy().contains("broken") {
        return Err(format!("not a DICOM file: {}", path.display()));
    }
    Ok(Arc::new(FakeFile {
        info: FileInfo {
            patient: "TEST^PATIENT (1)".to_owned(),
            study_uid: "1.2.3".to_owned(),
            study: "Echo".to_owned(),
            series_uid: "1.2.3.4".to_owned(),
            sop_instance_uid: format!("1.2.3.4.{}", path.to_string_lossy().len()),
            series: "1".to_owned(),
            series_number: Some(1),
            frame_count: 3,
            size: [200, 200],
            frame_durations_s: vec![0.04; 3],
            mode: "2D".to_owned(),
            calibrated: true,
        },
        regions: vec![RegionInfo {
            bounds_px: Rect::from_min_max(Pos2::ZERO, pos2(200.0, 200.0)),
            region_type: Some(RegionType::Tissue2d),
            calibrated: true,
        }],
    }))
}

fn harness(files: &[&str]) -> Harness<'static, App> {
    let dir = tempfile::tempdir().expect("tempdir");
    let paths: Vec<PathBuf> = files
        .iter()
        .map(|name| {
            let p = dir.path().join(name);
            std::fs::write(&p, b"fake").expect("write");
            p
        })
        .collect();
    let mut harness = Harness::builder()
        .with_size([1280.0, 800.0])
        .build_eframe(move |cc| App::with_opener(&cc.egui_ctx, paths, Arc::new(open_fake)));
    // Keep the directory alive until files are opened.
    for _ in 0..200 {
        harness.step();
        let app = harness.state();
        if app.loading_done() && app.current_file.is_some() && app.decoded_frames() == 3 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    drop(dir);
    assert_eq!(harness.state().decoded_frames(), 3, "frames decoded");
    harness.run_ok();
    harness
}

fn screen(harness: &Harness<'_, App>, p: Pos2) -> Pos2 {
    let (_, t) = harness.state().last_canvas.expect("canvas shown");
    t.apply(p)
}

fn drag(harness: &mut Harness<'_, App>, from: Pos2, to: Pos2) {
    let a = screen(harness, from);
    let b = screen(harness, to);
    harness.hover_at(a);
    harness.run_ok();
    harness.drag_at(a);
    harness.run_ok();
    for k in 1..=4 {
        harness.hover_at(a + (b - a) * (k as f32 / 4.0));
        harness.run_ok();
    }
    harness.drop_at(b);
    harness.run_ok();
}

fn value_of(app: &App, uid: &str) -> f64 {
    app.results.reading.results[uid].values[0].quantity.value
}

#[test]
fn caliper_drag_measures_and_handle_drag_is_one_undo_step() {
    let mut h = harness(&["a.dcm", "broken.dcm"]);
    h.state_mut().apply(
        &egui::Context::default(),
        Command::SelectMeasurement("lvot_diameter".to_owned()),
    );
    h.run_ok();
    drag(&mut h, pos2(50.0, 50.0), pos2(90.0, 80.0));
    let app = h.state();
    assert_eq!(app.doc.drawings.len(), 1, "one caliper");
    let d = &app.doc.drawings[0];
    assert_eq!(d.kind, DrawKind::Caliper);
    assert_eq!(d.catalog_id, "lvot_diameter");
    // 50 px × 0.05 cm = 2.5 cm (within a screen point of placement).
    let len = value_of(app, &d.uid);
    assert!((len - 2.5).abs() < 0.05, "length {len}");
    let uid = d.uid.clone();
    // The value with its unit is in the measurement list.
    let text = format!("{len:.2} cm");
    assert!(
        h.query_all_by_label_contains(&text).count() >= 1,
        "{text} shown"
    );

    // Drag the second handle: one undo step.
    drag(&mut h, pos2(90.0, 80.0), pos2(130.0, 110.0));
    let moved = value_of(h.state(), &uid);
    assert!((moved - 5.0).abs() < 0.08, "moved length {moved}");
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run_ok();
    let back = value_of(h.state(), &uid);
    assert!((back - 2.5).abs() < 0.05, "undo restores {back}");
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run_ok();
    assert!(
        h.state().doc.drawings.is_empty(),
        "second undo removes the caliper"
    );
    h.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z);
    h.run_ok();
    h.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z);
    h.run_ok();
    let redone = value_of(h.state(), &uid);
    assert!((redone - 5.0).abs() < 0.08, "redo {redone}");

    // The broken file shows its error in the list.
    assert!(h.query_by_label_contains("not a DICOM file").is_some());
}

#[test]
fn cine_keys_marks_and_selection_jumps_to_the_drawing_frame() {
    let mut h = harness(&["a.dcm", "b.dcm"]);
    // Page Down / Up walk the study list.
    let first = h.state().current_file;
    h.key_press(Key::PageDown);
    h.run_ok();
    assert_ne!(h.state().current_file, first);
    h.key_press(Key::PageUp);
    h.run_ok();
    assert_eq!(h.state().current_file, first);
    for _ in 0..200 {
        if h.state().decoded_frames() == 3 {
            break;
        }
        h.step();
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    h.key_press(Key::ArrowRight);
    h.run_ok();
    assert_eq!(h.state().cine.frame, 1);
    h.key_press(Key::E);
    h.run_ok();
    let file = h.state().current_file.expect("file");
    assert_eq!(h.state().doc.marks[&file].ed, Some(1));
    h.key_press(Key::End);
    h.run_ok();
    assert_eq!(h.state().cine.frame, 2);
    h.key_press(Key::S);
    h.run_ok();
    assert_eq!(h.state().doc.marks[&file].es, Some(2));
    h.key_press(Key::Home);
    h.run_ok();
    assert_eq!(h.state().cine.frame, 0);

    // Area on frame 0 by clicking a polygon, then Enter.
    h.key_press(Key::A);
    h.run_ok();
    assert_eq!(h.state().active_kind(), Some(DrawKind::AreaTrace));
    for p in [
        pos2(20.0, 20.0),
        pos2(60.0, 20.0),
        pos2(60.0, 60.0),
        pos2(20.0, 60.0),
    ] {
        let s = screen(&h, p);
        h.hover_at(s);
        h.run_ok();
        h.drag_at(s);
        h.drop_at(s);
        h.run_ok();
    }
    h.key_press(Key::Enter);
    h.run_ok();
    let app = h.state();
    assert_eq!(app.doc.drawings.len(), 1);
    let uid = app.doc.drawings[0].uid.clone();
    let area = value_of(app, &uid);
    assert!((area - 4.0).abs() < 0.1, "2 cm × 2 cm = {area}");

    // Go to frame 2, select the drawing from the list: jumps back to frame 0.
    h.key_press(Key::End);
    h.run_ok();
    h.get_by_label_contains(&format!("{uid} ")).click();
    h.run_ok();
    assert_eq!(h.state().cine.frame, 0);
    assert_eq!(h.state().selected.as_deref(), Some(uid.as_str()));
    h.key_press(Key::Delete);
    h.run_ok();
    assert!(h.state().doc.drawings.is_empty());

    // Play advances frames at the native rate.
    h.key_press(Key::Space);
    h.run_ok();
    assert!(h.state().cine.playing);
    h.key_press(Key::F1);
    h.run_ok();
    assert!(h.query_by_label("Keyboard shortcuts").is_some());
}

#[test]
fn wheel_zooms_about_the_pointer_middle_drag_pans_and_f_fits() {
    let mut h = harness(&["a.dcm"]);
    let (_, fit) = h.state().last_canvas.expect("canvas");
    let anchor = pos2(50.0, 60.0);
    let s = screen(&h, anchor);
    h.hover_at(s);
    h.run_ok();
    h.event(egui::Event::MouseWheel {
        unit: egui::MouseWheelUnit::Point,
        delta: egui::vec2(0.0, 200.0),
        phase: egui::TouchPhase::Move,
        source: egui::MouseWheelSource::Wheel,
        modifiers: Modifiers::NONE,
    });
    h.run_ok();
    let (_, zoomed) = h.state().last_canvas.expect("canvas");
    assert!(
        zoomed.scale > fit.scale * 1.1,
        "{} vs {}",
        zoomed.scale,
        fit.scale
    );
    let still = zoomed.image_from_screen(s);
    assert!((still - anchor).length() < 0.5, "anchor moved to {still:?}");

    // Middle-button drag pans by the pointer delta.
    let delta = egui::vec2(30.0, 20.0);
    let pan_event = |pos: Pos2, pressed: bool| egui::Event::PointerButton {
        pos,
        button: egui::PointerButton::Middle,
        pressed,
        modifiers: Modifiers::NONE,
    };
    h.event(pan_event(s, true));
    h.run_ok();
    for k in 1..=3 {
        h.hover_at(s + delta * (k as f32 / 3.0));
        h.run_ok();
    }
    h.event(pan_event(s + delta, false));
    h.run_ok();
    let (_, panned) = h.state().last_canvas.expect("canvas");
    let moved = panned.apply(anchor) - zoomed.apply(anchor);
    assert!((moved - delta).length() < 1.0, "panned by {moved:?}");
    assert!(h.state().doc.drawings.is_empty(), "panning draws nothing");

    // F fits again.
    h.key_press(Key::F);
    h.run_ok();
    let (_, again) = h.state().last_canvas.expect("canvas");
    assert!((again.scale - fit.scale).abs() < 1e-4);
}
