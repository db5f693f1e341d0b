//! Shared harness of the GUI tests (egui_kittest, no GPU): the real app started on an empty
//! folder (so each test opens what it needs), optionally on a reading database, and typing into
//! a labelled field.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use echolab::gui::App;
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;

/// The app of size `size`, started on `dir/empty`, with `db` as its reading database.
pub fn app_harness(dir: &Path, size: [f32; 2], db: Option<PathBuf>) -> Harness<'static, App> {
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let mut h = Harness::builder()
        .with_size(size)
        .with_max_steps(200)
        .build_eframe(move |cc| {
            let mut app = App::new(cc, vec![empty]);
            if db.is_some() {
                app.records.model.db_path = db;
            }
            app
        });
    h.run_ok();
    h
}

/// Scrolls the field labelled `label` into view, focuses it and types `text`. Passphrase fields
/// are password inputs to assistive technology; multi-line fields are found too.
pub fn type_into(h: &mut Harness<'_, App>, label: &str, text: &str) {
    let role = [
        Role::TextInput,
        Role::PasswordInput,
        Role::MultilineTextInput,
    ]
    .into_iter()
    .find(|r| h.query_by_role_and_label(*r, label).is_some())
    .unwrap_or_else(|| panic!("no text field labelled {label:?}"));
    h.get_by_role_and_label(role, label).scroll_to_me();
    h.run_ok();
    let field = h.get_by_role_and_label(role, label);
    field.focus();
    field.type_text(text);
    h.run_ok();
}
