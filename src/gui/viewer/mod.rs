//! The image viewer: the canvas, its overlays, the view transform and the cine clock and bar.

pub mod canvas;
pub mod cine;
pub mod cine_bar;
pub mod overlay;
pub mod transform;
