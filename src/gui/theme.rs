//! Every colour, stroke width and overlay size of the app, in one place (design tokens).
//!
//! The look is a dark clinical viewer: a black image area, muted grey panels, and high-contrast
//! overlay colours that stay readable over both grey-scale tissue and colour Doppler.

use egui::{Color32, Stroke};

/// Background of the image area (the letterbox around the ultrasound frame).
pub const IMAGE_BACKGROUND: Color32 = Color32::from_rgb(0, 0, 0);
/// Background of side panels.
pub const PANEL_FILL: Color32 = Color32::from_rgb(24, 26, 30);
/// Background of text fields and list rows.
pub const FIELD_FILL: Color32 = Color32::from_rgb(14, 15, 18);
/// Accent colour (selection, active tool, current frame).
pub const ACCENT: Color32 = Color32::from_rgb(70, 160, 255);
/// Text of secondary importance.
pub const TEXT_WEAK: Color32 = Color32::from_rgb(150, 155, 165);
/// Normal text.
pub const TEXT: Color32 = Color32::from_rgb(220, 222, 228);

/// Colour of a finished drawing that is not selected.
pub const OVERLAY: Color32 = Color32::from_rgb(255, 214, 10);
/// Colour of the selected drawing.
pub const OVERLAY_SELECTED: Color32 = Color32::from_rgb(0, 230, 255);
/// Colour of a drawing being placed.
pub const OVERLAY_PENDING: Color32 = Color32::from_rgb(120, 255, 120);
/// Colour of the LV long axis and disks.
pub const OVERLAY_AXIS: Color32 = Color32::from_rgb(255, 120, 200);
/// Colour of an overlay label whose value could not be computed.
pub const OVERLAY_ERROR: Color32 = Color32::from_rgb(255, 90, 80);
/// Background behind overlay labels, for legibility over bright pixels.
pub const LABEL_BACKGROUND: Color32 = Color32::from_rgba_premultiplied(0, 0, 0, 190);
/// Outline of the US regions (shown faintly when a tool is active).
pub const REGION_OUTLINE: Color32 = Color32::from_rgba_premultiplied(90, 90, 110, 120);

/// Criterion met / result severe.
pub const GOOD: Color32 = Color32::from_rgb(90, 200, 120);
/// Criterion not met.
pub const NEUTRAL: Color32 = Color32::from_rgb(150, 155, 165);
/// Warnings (discordance, load errors).
pub const WARNING: Color32 = Color32::from_rgb(255, 170, 60);
/// Errors.
pub const ERROR: Color32 = Color32::from_rgb(255, 90, 80);

/// ED mark on the scrubber.
pub const MARK_ED: Color32 = Color32::from_rgb(80, 200, 255);
/// ES mark on the scrubber.
pub const MARK_ES: Color32 = Color32::from_rgb(255, 120, 80);
/// Scrubber track.
pub const SCRUBBER_TRACK: Color32 = Color32::from_rgb(50, 54, 62);
/// Frames already decoded (shown on the scrubber).
pub const SCRUBBER_DECODED: Color32 = Color32::from_rgb(70, 90, 120);

/// Overlay line width in screen points at zoom 1 (it grows gently with zoom).
pub const OVERLAY_LINE_WIDTH: f32 = 1.5;
/// Radius of a drawing's handles, in screen points.
pub const HANDLE_RADIUS: f32 = 4.0;
/// How close (screen points) the pointer must be to grab a handle.
pub const HANDLE_GRAB_RADIUS: f32 = 8.0;
/// Overlay label font size in points at zoom 1.
pub const OVERLAY_FONT_SIZE: f32 = 13.0;

/// The stroke of an overlay at `zoom` (screen points per image pixel): thicker when zoomed in,
/// never thinner than one point.
pub fn overlay_stroke(color: Color32, zoom: f32) -> Stroke {
    Stroke::new(overlay_scale(zoom) * OVERLAY_LINE_WIDTH, color)
}

/// How much overlay sizes (lines, handles, labels) scale at `zoom`: with the square root of the
/// zoom, clamped, so labels stay readable when zoomed out and do not dwarf the image when zoomed in.
pub fn overlay_scale(zoom: f32) -> f32 {
    if zoom.is_finite() && zoom > 0.0 {
        zoom.sqrt().clamp(0.8, 2.0)
    } else {
        1.0
    }
}

/// Arrows, geometric shapes and maths signs that egui's bundled fonts lack (a DejaVu Sans subset;
/// see `assets/fonts/README.md`).
const SYMBOL_FONT: &[u8] =
    include_bytes!("../../assets/fonts/EcholabSymbols-DejaVuSans-subset.ttf");

/// Adds [`SYMBOL_FONT`] as the last fallback of both font families.
pub fn install_fonts(ctx: &egui::Context) {
    use egui::epaint::text::{FontInsert, FontPriority, InsertFontFamily};
    let families = [egui::FontFamily::Proportional, egui::FontFamily::Monospace]
        .into_iter()
        .map(|family| InsertFontFamily {
            family,
            priority: FontPriority::Lowest,
        })
        .collect();
    ctx.add_font(FontInsert::new(
        "echolab-symbols",
        egui::FontData::from_static(SYMBOL_FONT),
        families,
    ));
}

/// Installs the dark clinical style and the fonts on `ctx`.
pub fn install(ctx: &egui::Context) {
    install_fonts(ctx);
    let mut visuals = egui::Visuals::dark();
    visuals.panel_fill = PANEL_FILL;
    visuals.window_fill = PANEL_FILL;
    visuals.extreme_bg_color = FIELD_FILL;
    visuals.selection.bg_fill = ACCENT.gamma_multiply(0.6);
    visuals.selection.stroke = Stroke::new(1.0, TEXT);
    visuals.hyperlink_color = ACCENT;
    visuals.warn_fg_color = WARNING;
    visuals.error_fg_color = ERROR;
    ctx.set_visuals_of(egui::Theme::Dark, visuals.clone());
    ctx.set_visuals_of(egui::Theme::Light, visuals);
    ctx.set_theme(egui::ThemePreference::Dark);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every non-ASCII character used in the GUI sources must be in the bundled fonts (egui
    /// panics on missing glyphs in tests, and shows tofu in the app).
    #[test]
    fn bundled_fonts_have_every_symbol_we_use() {
        let ctx = egui::Context::default();
        install_fonts(&ctx);
        let mut output = ctx.run_ui(egui::RawInput::default(), |_| {});
        output.textures_delta.clear();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/gui");
        let mut missing = std::collections::BTreeSet::new();
        let mut stack = vec![dir];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).expect("read src/gui") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).expect("read source");
                for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
                    for c in line.chars().filter(|c| !c.is_ascii()) {
                        let ok = ctx.fonts_mut(|f| {
                            f.has_glyph(&egui::FontId::proportional(12.0), c)
                                && f.has_glyph(&egui::FontId::monospace(12.0), c)
                        });
                        if !ok {
                            missing.insert(c);
                        }
                    }
                }
            }
        }
        assert!(missing.is_empty(), "missing glyphs: {missing:?}");
    }

    #[test]
    fn overlay_scale_is_clamped_and_finite() {
        assert!((overlay_scale(1.0) - 1.0).abs() < 1e-6);
        assert!((overlay_scale(100.0) - 2.0).abs() < 1e-6);
        assert!((overlay_scale(0.01) - 0.8).abs() < 1e-6);
        assert!((overlay_scale(f32::NAN) - 1.0).abs() < 1e-6);
        assert!(overlay_stroke(OVERLAY, 4.0).width > overlay_stroke(OVERLAY, 1.0).width);
    }
}
