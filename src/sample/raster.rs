//! Minimal 8-bit rasters (gray and RGB) with the few drawing operations the generator needs.

/// An RGB colour.
pub type Rgb = [u8; 3];

/// A row-major 8-bit single-channel image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrayImage {
    /// Columns.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// `width * height` samples, row-major.
    pub data: Vec<u8>,
}

impl GrayImage {
    /// A black image.
    pub fn new(width: usize, height: usize) -> Self {
        Self {
            width,
            height,
            data: vec![0; width * height],
        }
    }

    /// Sets pixel `(x, y)`; points outside the image are ignored.
    pub fn put(&mut self, x: i64, y: i64, value: u8) {
        if let Some(i) = self.index(x, y) {
            self.data[i] = value;
        }
    }

    /// Reads pixel `(x, y)`, `None` outside the image.
    pub fn get(&self, x: i64, y: i64) -> Option<u8> {
        self.index(x, y).map(|i| self.data[i])
    }

    /// Raises pixel `(x, y)` to at least `value`.
    pub fn lighten(&mut self, x: i64, y: i64, value: u8) {
        if let Some(i) = self.index(x, y) {
            self.data[i] = self.data[i].max(value);
        }
    }

    fn index(&self, x: i64, y: i64) -> Option<usize> {
        let (x, y) = (usize::try_from(x).ok()?, usize::try_from(y).ok()?);
        (x < self.width && y < self.height).then_some(y * self.width + x)
    }

    /// This image as RGB (gray copied to the three channels).
    pub fn to_rgb(&self) -> RgbImage {
        let mut out = RgbImage::new(self.width, self.height);
        for (dst, &v) in out.data.chunks_exact_mut(3).zip(&self.data) {
            dst.copy_from_slice(&[v, v, v]);
        }
        out
    }
}

/// A row-major 8-bit RGB image, samples interleaved (R, G, B).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RgbImage {
    /// Columns.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// `width * height * 3` samples.
    pub data: Vec<u8>,
}

impl RgbImage {
    /// A black image.
    pub fn new(width: usize, height: usize) -> Self {
        Self {
            width,
            height,
            data: vec![0; width * height * 3],
        }
    }

    /// Sets pixel `(x, y)`; points outside the image are ignored.
    pub fn put(&mut self, x: i64, y: i64, c: Rgb) {
        if let Some(i) = self.index(x, y) {
            self.data[i..i + 3].copy_from_slice(&c);
        }
    }

    /// Reads pixel `(x, y)`, `None` outside the image.
    pub fn get(&self, x: i64, y: i64) -> Option<Rgb> {
        self.index(x, y)
            .map(|i| [self.data[i], self.data[i + 1], self.data[i + 2]])
    }

    fn index(&self, x: i64, y: i64) -> Option<usize> {
        let (x, y) = (usize::try_from(x).ok()?, usize::try_from(y).ok()?);
        (x < self.width && y < self.height).then_some((y * self.width + x) * 3)
    }

    /// Copies `src` into this image with its top-left corner at `(x0, y0)`.
    pub fn blit_gray(&mut self, src: &GrayImage, x0: i64, y0: i64) {
        for y in 0..src.height {
            for x in 0..src.width {
                let v = src.data[y * src.width + x];
                self.put(x0 + x as i64, y0 + y as i64, [v, v, v]);
            }
        }
    }
}

/// Calls `plot(x, y)` for every pixel of the segment from `(x0, y0)` to `(x1, y1)` (Bresenham).
pub fn line_pixels(x0: i64, y0: i64, x1: i64, y1: i64, mut plot: impl FnMut(i64, i64)) {
    let (dx, dy) = ((x1 - x0).abs(), -(y1 - y0).abs());
    let (sx, sy) = (if x0 < x1 { 1 } else { -1 }, if y0 < y1 { 1 } else { -1 });
    let (mut x, mut y, mut err) = (x0, y0, dx + dy);
    loop {
        plot(x, y);
        if x == x1 && y == y1 {
            break;
        }
        let e2 = 2 * err;
        if e2 >= dy {
            err += dy;
            x += sx;
        }
        if e2 <= dx {
            err += dx;
            y += sy;
        }
    }
}

/// Calls `plot` for the pixels of a polyline through `points` (rounded to pixels).
pub fn polyline_pixels(points: &[(f64, f64)], mut plot: impl FnMut(i64, i64)) {
    for pair in points.windows(2) {
        let [(ax, ay), (bx, by)] = [pair[0], pair[1]];
        line_pixels(
            ax.round() as i64,
            ay.round() as i64,
            bx.round() as i64,
            by.round() as i64,
            &mut plot,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_covers_both_ends_and_is_connected() {
        let mut pts = Vec::new();
        line_pixels(2, 3, 9, -1, |x, y| pts.push((x, y)));
        assert_eq!(pts.first(), Some(&(2, 3)));
        assert_eq!(pts.last(), Some(&(9, -1)));
        for w in pts.windows(2) {
            assert!((w[0].0 - w[1].0).abs() <= 1 && (w[0].1 - w[1].1).abs() <= 1);
        }
    }

    #[test]
    fn put_outside_is_ignored() {
        let mut g = GrayImage::new(4, 3);
        g.put(-1, 0, 9);
        g.put(4, 0, 9);
        g.put(3, 2, 7);
        assert_eq!(g.get(3, 2), Some(7));
        assert_eq!(g.data.iter().filter(|&&v| v != 0).count(), 1);
        assert_eq!(g.to_rgb().get(3, 2), Some([7, 7, 7]));
    }
}
