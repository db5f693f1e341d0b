//! Headless interaction tests on the bundled sample study (egui_kittest, no GPU): the real
//! window, the real DICOM loader and calibration, the real grading. Every expected value comes
//! from `sample_data/ground_truth.json`; drawings are placed with the pointer at its pixels.
#![cfg(feature = "gui")]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use echolab::grading::Grade;
use echolab::gui::App;
use echolab::gui::app::Command;
use echolab::gui::calibrate::gui_from_dicom;
use echolab::gui::document::FileId;
use echolab::measure::{DrawKind, Unit};
use egui::{Key, Modifiers, Pos2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use serde_json::Value;

fn sample_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample_data")
}

fn ground_truth() -> Value {
    let text = std::fs::read_to_string(sample_dir().join("ground_truth.json"))
        .expect("sample_data/ground_truth.json");
    serde_json::from_str(&text).expect("ground truth JSON")
}

/// One expected measurement of the ground truth.
struct Truth {
    file: String,
    frame: usize,
    points: Vec<Pos2>,
    value: f64,
    unit: Unit,
    tolerance: f64,
}

fn truth(gt: &Value, name: &str) -> Truth {
    let m = gt["measurements"]
        .as_array()
        .expect("measurements")
        .iter()
        .find(|m| m["name"] == name)
        .unwrap_or_else(|| panic!("ground truth has no measurement `{name}`"));
    let unit = Unit::parse(m["unit"].as_str().expect("unit")).expect("known unit");
    Truth {
        file: m["files"][0].as_str().expect("file").to_owned(),
        frame: m["frame"].as_u64().expect("frame") as usize,
        points: m["points_px"]
            .as_array()
            .expect("points")
            .iter()
            .map(|p| gui_from_dicom([p[0].as_f64().expect("x"), p[1].as_f64().expect("y")]))
            .collect(),
        value: m["value"].as_f64().expect("value"),
        unit,
        tolerance: m["tolerance"].as_f64().expect("tolerance"),
    }
}

fn open_sample() -> Harness<'static, App> {
    let mut h = Harness::builder()
        .with_size([1280.0, 800.0])
        .with_max_steps(400)
        .build_eframe(|cc| App::new(cc, vec![sample_dir()]));
    let started = Instant::now();
    loop {
        h.step();
        let app = h.state();
        let (done, total) = app.library.progress();
        if total > 0 && done == total && app.loading_done() && app.current_file.is_some() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "sample study did not load"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    // Every file opened, none failed.
    for e in &h.state().library.entries {
        assert!(e.file().is_some(), "{} did not open", e.name());
    }
    h
}

fn file_id(h: &Harness<'_, App>, name: &str) -> FileId {
    h.state()
        .library
        .entries
        .iter()
        .find(|e| e.name() == name)
        .unwrap_or_else(|| panic!("{name} not in the study list"))
        .id
}

/// Clicks the file in the study list, goes to `frame` and waits until it is decoded.
fn show(h: &mut Harness<'_, App>, name: &str, frame: usize) {
    let id = file_id(h, name);
    h.get_by_label(name).scroll_to_me();
    h.run_ok();
    h.get_by_label(name).click();
    h.run_ok();
    assert_eq!(h.state().current_file, Some(id), "clicking {name} shows it");
    h.key_press(Key::Home);
    h.run_ok();
    if frame > 0 {
        h.state_mut()
            .apply(&egui::Context::default(), Command::SetFrame(frame));
    }
    let started = Instant::now();
    while !h.state().frame_ready(frame) {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "frame {frame} of {name} not decoded"
        );
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    h.run_ok();
    assert_eq!(h.state().cine.frame, frame);
}

fn measure_with(h: &mut Harness<'_, App>, id: &str) {
    h.state_mut().apply(
        &egui::Context::default(),
        Command::SelectMeasurement(id.to_owned()),
    );
    h.run_ok();
    assert_eq!(h.state().active.as_deref(), Some(id));
}

fn screen(h: &Harness<'_, App>, p: Pos2) -> Pos2 {
    let (_, t) = h.state().last_canvas.expect("canvas shown");
    t.apply(p)
}

fn drag(h: &mut Harness<'_, App>, from: Pos2, to: Pos2) {
    let (a, b) = (screen(h, from), screen(h, to));
    h.hover_at(a);
    h.run_ok();
    h.drag_at(a);
    h.run_ok();
    for k in 1..=5 {
        h.hover_at(a + (b - a) * (k as f32 / 5.0));
        h.run_ok();
    }
    h.drop_at(b);
    h.run_ok();
}

fn click_polygon(h: &mut Harness<'_, App>, points: &[Pos2]) {
    for p in points {
        let s = screen(h, *p);
        h.hover_at(s);
        h.run_ok();
        h.drag_at(s);
        h.drop_at(s);
        h.run_ok();
    }
    h.key_press(Key::Enter);
    h.run_ok();
}

/// The value named `name` of the last drawing, in `unit`.
fn last_value(h: &Harness<'_, App>, name: &str, unit: Unit) -> f64 {
    let app = h.state();
    let d = app.doc.drawings.last().expect("a drawing");
    let r = &app.results.reading.results[&d.uid];
    assert!(r.error.is_none(), "{}: {:?}", d.catalog_id, r.error);
    let v = r
        .values
        .iter()
        .find(|v| v.name == name)
        .unwrap_or_else(|| panic!("no `{name}` value"));
    v.quantity.to(unit).expect("same dimension").value
}

fn assert_close(what: &str, got: f64, truth: &Truth) {
    assert!(
        (got - truth.value.abs()).abs() <= truth.tolerance,
        "{what}: {got} vs ground truth {} ± {} {}",
        truth.value,
        truth.tolerance,
        truth.unit.symbol()
    );
}

fn place_caliper(h: &mut Harness<'_, App>, gt: &Value, truth_name: &str, id: &str) -> f64 {
    let t = truth(gt, truth_name);
    show(h, &t.file, t.frame);
    measure_with(h, id);
    let [a, b] = [t.points[0], t.points[t.points.len() - 1]];
    drag(h, a, b);
    let app = h.state();
    let d = app.doc.drawings.last().expect("caliper placed");
    assert_eq!(
        (d.kind, d.catalog_id.as_str(), d.frame),
        (DrawKind::Caliper, id, t.frame)
    );
    let got = last_value(h, "length", t.unit);
    assert_close(truth_name, got, &t);
    got
}

fn trace(h: &mut Harness<'_, App>, gt: &Value, truth_name: &str, id: &str) -> Truth {
    let t = truth(gt, truth_name);
    show(h, &t.file, t.frame);
    measure_with(h, id);
    let before = h.state().doc.drawings.len();
    click_polygon(h, &t.points);
    assert_eq!(
        h.state().doc.drawings.len(),
        before + 1,
        "{truth_name} traced"
    );
    t
}

#[test]
fn lvot_caliper_by_drag_matches_ground_truth_and_undo_redo() {
    let gt = ground_truth();
    let mut h = open_sample();
    let got = place_caliper(&mut h, &gt, "lvot_diameter", "lvot_diameter");
    // The value is in the measurement list with its unit.
    assert!(
        h.query_all_by_label_contains(&format!("{got:.2} cm"))
            .count()
            >= 1
    );

    // Undo removes it, redo brings it back.
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run_ok();
    assert!(h.state().doc.drawings.is_empty());
    h.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z);
    h.run_ok();
    assert_eq!(h.state().doc.drawings.len(), 1);
    let again = last_value(&h, "length", Unit::Cm);
    assert!((again - got).abs() < 1e-9);

    // Dragging across into another region is refused with a reason.
    let t = truth(&gt, "lvot_diameter");
    let id = file_id(&h, &t.file);
    let regions = h.state().library.file(id).expect("open").regions().to_vec();
    if regions.len() >= 2 {
        let inside = regions[0].bounds_px.center();
        let other = regions[1].bounds_px.center();
        drag(&mut h, inside, other);
        let app = h.state();
        let d = app.doc.drawings.last().expect("drawn");
        let err = app.results.reading.results[&d.uid].error.clone();
        assert!(err.is_some_and(|e| e.contains("region")), "span refused");
    }
}

#[test]
fn jet_and_la_areas_and_cw_envelope_match_ground_truth() {
    let gt = ground_truth();
    let mut h = open_sample();
    let t = trace(&mut h, &gt, "jet_area", "mr_jet_area");
    assert_close("jet area", last_value(&h, "area", t.unit), &t);
    let t = trace(&mut h, &gt, "la_area", "la_area");
    assert_close("LA area", last_value(&h, "area", t.unit), &t);
    let t = trace(&mut h, &gt, "mr_vti", "mr_vti");
    assert_close("MR VTI", last_value(&h, "VTI", t.unit), &t);
    let vmax = truth(&gt, "mr_vmax");
    assert_close("MR Vmax", last_value(&h, "Vmax", vmax.unit), &vmax);

    // The same peak by the Doppler point tool: one click.
    measure_with(&mut h, "mr_vmax");
    let s = screen(&h, vmax.points[0]);
    h.hover_at(s);
    h.run_ok();
    h.drag_at(s);
    h.drop_at(s);
    h.run_ok();
    assert_eq!(
        h.state().doc.drawings.last().map(|d| d.kind),
        Some(DrawKind::DopplerPoint)
    );
    assert_close(
        "MR Vmax (point)",
        last_value(&h, "velocity", vmax.unit),
        &vmax,
    );
}

#[test]
fn lv_contour_shows_length_and_area_of_the_ground_truth() {
    let gt = ground_truth();
    let mut h = open_sample();
    let view = &gt["lv"]["views"][0];
    let file = view["files"][0].as_str().expect("file").to_owned();
    let frame = view["ed"]["frame"].as_u64().expect("frame") as usize;
    show(&mut h, &file, frame);
    measure_with(&mut h, "lv_a4c_ed");
    let contour: Vec<Pos2> = view["ed"]["contour_px"]
        .as_array()
        .expect("contour")
        .iter()
        .map(|p| gui_from_dicom([p[0].as_f64().expect("x"), p[1].as_f64().expect("y")]))
        .collect();
    click_polygon(&mut h, &contour);
    let d = h.state().doc.drawings.last().expect("contour").clone();
    assert_eq!((d.kind, d.frame), (DrawKind::LvContour, frame));
    let length = truth(&gt, "lv_length_a4c_ed");
    assert_close("LV length", last_value(&h, "length", length.unit), &length);
    let area = truth(&gt, "lv_area_a4c_ed");
    assert_close("LV area", last_value(&h, "area", area.unit), &area);
    let volume = last_value(&h, "volume (single plane)", Unit::Ml);
    assert!(volume > 50.0, "volume {volume}");

    // Dragging the base handle moves both hinge points (adjusting the long axis): one undo step.
    let base = d.points[0].lerp(d.points[d.points.len() - 1], 0.5);
    let moved_to = base + egui::vec2(0.0, 10.0);
    drag_handle(&mut h, base, moved_to);
    let after = last_value(&h, "length", Unit::Cm);
    assert!(after > length.value + 0.2, "longer axis: {after}");
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run_ok();
    assert_close(
        "LV length after undo",
        last_value(&h, "length", length.unit),
        &length,
    );
}

/// Drags from `from` to `to` (image points) with the tool in place: moves a handle.
fn drag_handle(h: &mut Harness<'_, App>, from: Pos2, to: Pos2) {
    drag(h, from, to);
}

#[test]
fn grade_panel_shows_the_expected_grade_once_all_mr_measurements_are_in() {
    let gt = ground_truth();
    let mut h = open_sample();
    place_caliper(&mut h, &gt, "lvot_diameter", "lvot_diameter");
    place_caliper(&mut h, &gt, "vena_contracta", "mr_vc_width");
    place_caliper(&mut h, &gt, "pisa_radius", "mr_pisa_radius");

    // The aliasing velocity is typed beside the PISA radius.
    measure_with(&mut h, "mr_pisa_radius");
    let va = gt["derived"]["aliasing_velocity_cm_s"]
        .as_f64()
        .expect("Va");
    let field = h.get_by_role_and_label(egui::accesskit::Role::TextInput, "PISA aliasing velocity");
    field.focus();
    field.type_text(&format!("{va}"));
    h.run_ok();
    h.key_press(Key::Enter);
    h.run_ok();
    assert_eq!(
        h.state()
            .doc
            .manual
            .get("mr_alias_velocity")
            .map(|m| m.value),
        Some(va)
    );

    trace(&mut h, &gt, "jet_area", "mr_jet_area");
    trace(&mut h, &gt, "la_area", "la_area");
    trace(&mut h, &gt, "mr_vti", "mr_vti");
    trace(&mut h, &gt, "lvot_vti", "lvot_vti");
    h.run_ok();

    let expected =
        Grade::parse(gt["expected_grade"]["grade"].as_str().expect("grade")).expect("known grade");
    let app = h.state();
    let report = app
        .results
        .grade
        .as_ref()
        .expect("graded")
        .as_ref()
        .expect("grading works");
    assert_eq!(report.grade, expected, "{}", report.reason);
    let eroa = gt["derived"]["eroa_cm2"].as_f64().expect("eroa");
    let got = report.derived["mr_eroa_pisa"].value;
    assert!((got - eroa).abs() < 0.03, "EROA {got} vs {eroa}");
    let label = report.grade_label.clone();
    // The grade panel shows it.
    assert!(
        h.query_all_by_label_contains(&label).count() >= 1,
        "{label} shown"
    );

    // With everything measured the layout still fits 1280×800: the canvas sits between the
    // study list and the results column, nothing is pushed off-screen.
    let (canvas, _) = h.state().last_canvas.expect("canvas");
    let results = h.get_by_label("Results").rect();
    let studies = h.get_by_label("Studies").rect();
    assert!(
        canvas.min.x >= studies.max.x && canvas.max.x <= results.min.x,
        "{canvas:?}"
    );
    assert!(
        results.max.x <= 1280.0 && canvas.width() > 500.0,
        "{results:?} {canvas:?}"
    );

    // A click on a criterion selects the measurement behind it.
    let criterion = h
        .state()
        .results
        .grade
        .as_ref()
        .and_then(|g| g.as_ref().ok())
        .and_then(|r| {
            r.criteria
                .iter()
                .find(|c| c.input.as_deref() == Some("mr_vc_width"))
                .map(|c| c.label.clone())
        });
    if let Some(label) = criterion {
        h.state_mut()
            .apply(&egui::Context::default(), Command::SelectDrawing(None));
        h.get_by_label(&label).scroll_to_me();
        h.run_ok();
        h.get_by_label(&label).click();
        h.run_ok();
        let app = h.state();
        let selected = app.selected.as_deref().and_then(|uid| app.doc.drawing(uid));
        assert_eq!(selected.map(|d| d.catalog_id.as_str()), Some("mr_vc_width"));
    }
}
