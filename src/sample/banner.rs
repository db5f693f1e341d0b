//! A burned-in patient banner, as carts print it, for testing de-identification: the frames
//! grow by [`BANNER_ROWS`] rows on top holding the patient's name, ID, birth date and the
//! institution in white, and every US region moves down with the image, so the banner lies
//! outside all regions. Used by `echolab sample --banner` (never for `sample_data/`).

use super::dicom_write::{PATIENT_ID, PATIENT_NAME};
use super::font;
use super::raster::{GrayImage, RgbImage};
use super::regions::UsRegion;

/// Rows added on top of every frame.
pub const BANNER_ROWS: usize = 24;

/// The banner text: patient name, ID, birth date and institution.
pub fn banner_text() -> String {
    format!(
        "{}  ID {PATIENT_ID}  DOB 1960-01-01  ECHOLAB HOSPITAL",
        PATIENT_NAME.replace('^', " ")
    )
}

/// A grey frame with the banner on top.
pub fn add_gray(img: &GrayImage) -> GrayImage {
    let mut out = GrayImage::new(img.width, img.height + BANNER_ROWS);
    out.data[img.width * BANNER_ROWS..].copy_from_slice(&img.data);
    font::draw_gray(&mut out, &banner_text(), 4, 8, 255);
    out
}

/// An RGB frame with the banner on top.
pub fn add_rgb(img: &RgbImage) -> RgbImage {
    let mut out = RgbImage::new(img.width, img.height + BANNER_ROWS);
    out.data[img.width * BANNER_ROWS * 3..].copy_from_slice(&img.data);
    font::draw_rgb(&mut out, &banner_text(), 4, 8, [255, 255, 255]);
    out
}

/// A region moved down with the image.
pub fn shift_region(r: &UsRegion) -> UsRegion {
    let mut out = r.clone();
    out.y0 += BANNER_ROWS as u32;
    out.y1 += BANNER_ROWS as u32;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banner_sits_above_the_moved_image() {
        let mut img = GrayImage::new(300, 10);
        img.data.fill(7);
        let out = add_gray(&img);
        assert_eq!(out.height, 10 + BANNER_ROWS);
        assert!(out.data[..300 * BANNER_ROWS].contains(&255));
        assert!(out.data[300 * BANNER_ROWS..].iter().all(|&v| v == 7));
    }
}
