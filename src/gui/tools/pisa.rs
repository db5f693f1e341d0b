//! PISA: the radius is a caliper (catalog `mr_pisa_radius`) on the colour frame; the aliasing
//! velocity is not in the DICOM header, so the reader enters it beside the radius (and α when
//! the flow convergence is constrained). This panel shows those fields together.

use egui::Ui;

use crate::catalog::Catalog;
use crate::gui::app::Command;
use crate::gui::document::Document;
use crate::gui::tools::manual::manual_value_ui;

/// Catalog id of the PISA radius.
pub const RADIUS_ID: &str = "mr_pisa_radius";
/// Catalog ids entered with the radius.
pub const COMPANION_IDS: [&str; 2] = ["mr_alias_velocity", "mr_pisa_angle"];

/// Whether `id` belongs to the PISA group of fields.
pub fn is_pisa(id: &str) -> bool {
    id == RADIUS_ID || COMPANION_IDS.contains(&id)
}

/// The aliasing velocity and angle fields.
pub fn pisa_ui(ui: &mut Ui, doc: &Document) -> Vec<Command> {
    let catalog = Catalog::builtin();
    let mut out = Vec::new();
    for id in COMPANION_IDS {
        if let Some(entry) = catalog.get(id) {
            let current = doc.manual.get(id).map(|m| m.value);
            out.extend(manual_value_ui(ui, entry, current));
        }
    }
    out
}
