//! The view transform between image pixels and screen points: zoom, pan, fit and 1:1.
//!
//! Coordinate spaces are named: `*_in_image` is in image pixels (continuous, pixel `i` spans
//! `[i, i + 1)`), `*_in_screen` is in egui points. `screen_from_image` maps the first to the
//! second; tools use its inverse for input.

use egui::{Pos2, Rect, Vec2, pos2, vec2};

/// Smallest and largest zoom, in screen points per image pixel.
pub const ZOOM_RANGE: (f32, f32) = (0.05, 64.0);

/// How the image is scaled into the canvas.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ZoomMode {
    /// Scale so the whole image fits the canvas, centred (follows canvas resizes).
    Fit,
    /// A fixed zoom (points per image pixel) around a chosen image point.
    Free {
        /// Screen points per image pixel.
        zoom: f32,
        /// The image point shown at the canvas centre.
        center_in_image: Pos2,
    },
}

/// The per-file view state (what the reader zoomed and panned to).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct View {
    /// Current zoom mode.
    pub mode: ZoomMode,
}

impl Default for View {
    fn default() -> Self {
        Self {
            mode: ZoomMode::Fit,
        }
    }
}

/// An affine map `screen = image * scale + offset` (uniform scale, no rotation).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScreenFromImage {
    /// Screen points per image pixel.
    pub scale: f32,
    /// Screen position of the image origin.
    pub offset: Vec2,
}

impl ScreenFromImage {
    /// Maps an image point to the screen.
    pub fn apply(&self, pos_in_image: Pos2) -> Pos2 {
        pos_in_image * self.scale + self.offset
    }

    /// Maps a screen point back to the image (the inverse map).
    pub fn image_from_screen(&self, pos_in_screen: Pos2) -> Pos2 {
        let scale = if self.scale.abs() > f32::EPSILON {
            self.scale
        } else {
            1.0
        };
        ((pos_in_screen - self.offset).to_vec2() / scale).to_pos2()
    }

    /// The screen rectangle covered by an image of `image_size` pixels.
    pub fn image_rect_in_screen(&self, image_size: Vec2) -> Rect {
        Rect::from_min_max(self.apply(Pos2::ZERO), self.apply(image_size.to_pos2()))
    }
}

/// The zoom that fits `image_size` into `canvas` (points per pixel), or 1 for empty sizes.
pub fn fit_zoom(canvas: Rect, image_size: Vec2) -> f32 {
    if image_size.x <= 0.0 || image_size.y <= 0.0 || canvas.width() <= 0.0 {
        return 1.0;
    }
    let zoom = (canvas.width() / image_size.x).min(canvas.height() / image_size.y);
    if zoom.is_finite() && zoom > 0.0 {
        zoom
    } else {
        1.0
    }
}

impl View {
    /// The current zoom (points per image pixel) for this canvas.
    pub fn zoom(&self, canvas: Rect, image_size: Vec2) -> f32 {
        match self.mode {
            ZoomMode::Fit => fit_zoom(canvas, image_size),
            ZoomMode::Free { zoom, .. } => zoom,
        }
    }

    /// The image point at the canvas centre.
    pub fn center_in_image(&self, image_size: Vec2) -> Pos2 {
        match self.mode {
            ZoomMode::Fit => (image_size * 0.5).to_pos2(),
            ZoomMode::Free {
                center_in_image, ..
            } => center_in_image,
        }
    }

    /// The map from image pixels to screen points inside `canvas`.
    pub fn screen_from_image(&self, canvas: Rect, image_size: Vec2) -> ScreenFromImage {
        let scale = self.zoom(canvas, image_size);
        let center = self.center_in_image(image_size);
        ScreenFromImage {
            scale,
            offset: canvas.center().to_vec2() - center.to_vec2() * scale,
        }
    }

    /// Multiplies the zoom by `factor`, keeping the image point under `anchor_in_screen` fixed.
    pub fn zoom_about(
        &mut self,
        factor: f32,
        anchor_in_screen: Pos2,
        canvas: Rect,
        image_size: Vec2,
    ) {
        if !factor.is_finite() || factor <= 0.0 {
            return;
        }
        let before = self.screen_from_image(canvas, image_size);
        let anchor_in_image = before.image_from_screen(anchor_in_screen);
        let zoom = (before.scale * factor).clamp(ZOOM_RANGE.0, ZOOM_RANGE.1);
        // Choose the centre so that `anchor_in_image` stays under `anchor_in_screen`.
        let center_in_image = anchor_in_image - (anchor_in_screen - canvas.center()) / zoom;
        self.mode = ZoomMode::Free {
            zoom,
            center_in_image,
        };
    }

    /// Moves the image by `delta_in_screen` points.
    pub fn pan_by(&mut self, delta_in_screen: Vec2, canvas: Rect, image_size: Vec2) {
        let zoom = self.zoom(canvas, image_size);
        let center = self.center_in_image(image_size);
        self.mode = ZoomMode::Free {
            zoom,
            center_in_image: center - delta_in_screen / zoom,
        };
    }

    /// Fit the whole image to the canvas.
    pub fn fit(&mut self) {
        self.mode = ZoomMode::Fit;
    }

    /// One image pixel per physical screen pixel, centred on the current centre.
    pub fn one_to_one(&mut self, pixels_per_point: f32, image_size: Vec2) {
        let ppp = if pixels_per_point > 0.0 {
            pixels_per_point
        } else {
            1.0
        };
        self.mode = ZoomMode::Free {
            zoom: 1.0 / ppp,
            center_in_image: self.center_in_image(image_size),
        };
    }
}

/// Distance from `p` to the segment `a`–`b` (same space for all three).
pub fn distance_to_segment(p: Pos2, a: Pos2, b: Pos2) -> f32 {
    let ab = b - a;
    let len_sq = ab.length_sq();
    if len_sq <= f32::EPSILON {
        return p.distance(a);
    }
    let t = ((p - a).dot(ab) / len_sq).clamp(0.0, 1.0);
    p.distance(a + ab * t)
}

/// A convenience: the image size of a `[width, height]` frame as a vector.
pub fn image_size_vec(size: [usize; 2]) -> Vec2 {
    vec2(size[0] as f32, size[1] as f32)
}

/// Clamps a point into the image rectangle `[0, w] × [0, h]`.
pub fn clamp_to_image(pos_in_image: Pos2, image_size: Vec2) -> Pos2 {
    pos2(
        pos_in_image.x.clamp(0.0, image_size.x),
        pos_in_image.y.clamp(0.0, image_size.y),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canvas() -> Rect {
        Rect::from_min_size(pos2(100.0, 50.0), vec2(800.0, 600.0))
    }

    #[test]
    fn fit_centres_and_scales_the_image() {
        let view = View::default();
        let image = vec2(400.0, 200.0);
        let t = view.screen_from_image(canvas(), image);
        assert!((t.scale - 2.0).abs() < 1e-6);
        let rect = t.image_rect_in_screen(image);
        assert!((rect.center() - canvas().center()).length() < 1e-4);
        assert!((rect.width() - 800.0).abs() < 1e-3);
    }

    #[test]
    fn image_from_screen_inverts_screen_from_image() {
        let mut view = View::default();
        let image = vec2(640.0, 480.0);
        view.zoom_about(1.7, pos2(300.0, 200.0), canvas(), image);
        view.pan_by(vec2(13.0, -7.0), canvas(), image);
        let t = view.screen_from_image(canvas(), image);
        let p = pos2(123.25, 321.5);
        let back = t.image_from_screen(t.apply(p));
        assert!((back - p).length() < 1e-3);
    }

    #[test]
    fn zoom_keeps_the_anchor_fixed() {
        let mut view = View::default();
        let image = vec2(640.0, 480.0);
        let anchor = pos2(250.0, 400.0);
        let before = view
            .screen_from_image(canvas(), image)
            .image_from_screen(anchor);
        view.zoom_about(2.0, anchor, canvas(), image);
        let after = view
            .screen_from_image(canvas(), image)
            .image_from_screen(anchor);
        assert!((before - after).length() < 1e-3);
        let zoom = view.zoom(canvas(), image);
        assert!((zoom - 2.0 * fit_zoom(canvas(), image)).abs() < 1e-4);
    }

    #[test]
    fn pan_moves_by_screen_delta_and_one_to_one_uses_physical_pixels() {
        let mut view = View::default();
        let image = vec2(640.0, 480.0);
        let p = pos2(10.0, 20.0);
        let before = view.screen_from_image(canvas(), image).apply(p);
        view.pan_by(vec2(30.0, 40.0), canvas(), image);
        let after = view.screen_from_image(canvas(), image).apply(p);
        assert!((after - before - vec2(30.0, 40.0)).length() < 1e-3);
        view.one_to_one(2.0, image);
        assert!((view.zoom(canvas(), image) - 0.5).abs() < 1e-6);
        view.fit();
        assert_eq!(view.mode, ZoomMode::Fit);
    }

    #[test]
    fn zoom_is_clamped_and_ignores_bad_factors() {
        let mut view = View::default();
        let image = vec2(100.0, 100.0);
        view.zoom_about(1e9, pos2(0.0, 0.0), canvas(), image);
        assert!((view.zoom(canvas(), image) - ZOOM_RANGE.1).abs() < 1e-3);
        let before = view;
        view.zoom_about(f32::NAN, pos2(0.0, 0.0), canvas(), image);
        assert_eq!(before, view);
    }

    #[test]
    fn segment_distance() {
        let d = distance_to_segment(pos2(5.0, 5.0), pos2(0.0, 0.0), pos2(10.0, 0.0));
        assert!((d - 5.0).abs() < 1e-6);
        let d = distance_to_segment(pos2(-3.0, 4.0), pos2(0.0, 0.0), pos2(10.0, 0.0));
        assert!((d - 5.0).abs() < 1e-6);
    }
}
