//! Unit tests of the §6.1 mapping on hand-made regions.

use super::*;

fn region(index: usize, bounds: [u32; 4], units: (u16, u16), delta: (f64, f64)) -> UsRegion {
    UsRegion {
        index,
        spatial_format: SpatialFormat::TwoD,
        data_type: RegionDataType::Tissue,
        flags: RegionFlags::from_raw(0),
        x0: bounds[0],
        y0: bounds[1],
        x1: bounds[2],
        y1: bounds[3],
        units_x: PhysicalUnit::from_code(units.0),
        units_y: PhysicalUnit::from_code(units.1),
        delta_x: delta.0,
        delta_y: delta.1,
        ref_pixel_x: 0,
        ref_pixel_y: 0,
        ref_value_x: 0.0,
        ref_value_y: 0.0,
        reference_defaulted: false,
        transducer_frequency_khz: None,
        pulse_repetition_frequency_hz: None,
        doppler_correction_angle_deg: None,
        steering_angle_deg: None,
    }
}

fn spectral(units_y: u16) -> UsRegion {
    // CW strip: rows 300..=599, baseline 100 rows below the top, 2 cm/s per pixel upwards,
    // 5 ms per column, time origin 40 columns in.
    let mut r = region(1, [0, 300, 799, 599], (4, units_y), (0.005, -2.0));
    r.spatial_format = SpatialFormat::Spectral;
    r.data_type = RegionDataType::CwSpectralDoppler;
    r.ref_pixel_x = 40;
    r.ref_pixel_y = 100;
    r
}

fn calibration() -> Calibration {
    Calibration {
        regions: vec![
            region(0, [0, 0, 799, 299], (3, 3), (0.02, 0.02)),
            spectral(7),
        ],
        warnings: vec![],
    }
}

#[test]
fn reference_pixel_is_relative_to_the_region_corner() {
    let c = calibration();
    // Baseline at row 300 + 100 = 400: zero velocity.
    assert_eq!(c.velocity_cm_s(ImagePoint::new(10.0, 400.0)).unwrap(), 0.0);
    // 50 rows below the baseline with negative delta: -100 cm/s (flow away).
    assert_eq!(
        c.velocity_cm_s(ImagePoint::new(10.0, 450.0)).unwrap(),
        -100.0
    );
    // 25 rows above: +50 cm/s.
    assert_eq!(c.velocity_cm_s(ImagePoint::new(10.0, 375.0)).unwrap(), 50.0);
    // Time origin at column 40.
    assert!((c.time_s(ImagePoint::new(240.0, 400.0)).unwrap() - 1.0).abs() < 1e-12);
    let probe = c.probe(ImagePoint::new(40.0, 450.0)).unwrap();
    assert_eq!(probe.region, 1);
    assert_eq!(probe.data_type, RegionDataType::CwSpectralDoppler);
    assert_eq!(probe.x.unit, PhysicalUnit::Seconds);
    assert_eq!(probe.y.value, -100.0);
}

#[test]
fn distances_areas_and_their_errors() {
    let c = calibration();
    let d = c
        .physical_distance(ImagePoint::new(10.0, 10.0), ImagePoint::new(40.0, 50.0))
        .unwrap();
    assert!((d - 1.0).abs() < 1e-12, "{d}");
    assert!((c.area_scale_cm2_per_px2(ImagePoint::new(1.0, 1.0)).unwrap() - 0.0004).abs() < 1e-15);
    let square = [
        ImagePoint::new(0.0, 0.0),
        ImagePoint::new(50.0, 0.0),
        ImagePoint::new(50.0, 50.0),
        ImagePoint::new(0.0, 50.0),
    ];
    assert!((c.polygon_area_cm2(&square).unwrap() - 1.0).abs() < 1e-12);
    let span = c.physical_distance(ImagePoint::new(10.0, 10.0), ImagePoint::new(10.0, 400.0));
    assert_eq!(
        span.unwrap_err().to_string(),
        "points span two regions (0 and 1)"
    );
    let wrong = c.physical_distance(ImagePoint::new(10.0, 400.0), ImagePoint::new(20.0, 400.0));
    assert!(matches!(
        wrong,
        Err(CalibrationError::WrongUnits { region: 1, .. })
    ));
    let outside = c.physical_point(ImagePoint::new(900.0, 10.0)).unwrap_err();
    assert_eq!(outside.to_string(), "no calibrated region at (900, 10)");
    assert_eq!(
        Calibration::default().physical_point(ImagePoint::new(1.0, 1.0)),
        Err(CalibrationError::Uncalibrated)
    );
}

#[test]
fn frequency_scaled_strip_is_not_velocity() {
    let c = Calibration {
        regions: vec![spectral(5)],
        warnings: vec![],
    };
    let err = c.velocity_cm_s(ImagePoint::new(10.0, 450.0)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "region 1 units are hz, not velocity (cm/s)"
    );
}

#[test]
fn pixel_squares_decide_sub_pixel_points() {
    let c = Calibration {
        regions: vec![
            region(0, [32, 24, 335, 415], (3, 3), (0.04, 0.04)),
            region(1, [336, 24, 639, 415], (3, 3), (0.04, 0.04)),
        ],
        warnings: vec![],
    };
    assert_eq!(c.region_at(ImagePoint::new(335.0, 100.0)).unwrap().index, 0);
    assert_eq!(c.region_at(ImagePoint::new(335.4, 100.0)).unwrap().index, 0);
    assert_eq!(c.region_at(ImagePoint::new(335.5, 100.0)).unwrap().index, 1);
    assert!(c.region_at(ImagePoint::new(31.4, 100.0)).is_err());
}

#[test]
fn overlapping_grey_bar_loses_to_the_calibrated_sector() {
    let mut bar = region(1, [32, 40, 63, 103], (0, 0), (0.0, 0.0));
    bar.spatial_format = SpatialFormat::None;
    bar.data_type = RegionDataType::GrayBar;
    let c = Calibration {
        regions: vec![region(0, [32, 24, 335, 415], (3, 3), (0.04, 0.04)), bar],
        warnings: vec![],
    };
    assert_eq!(c.region_at(ImagePoint::new(40.0, 50.0)).unwrap().index, 0);
    // Two equal overlapping regions that disagree are ambiguous.
    let c = Calibration {
        regions: vec![
            region(0, [0, 0, 99, 99], (3, 3), (0.04, 0.04)),
            region(1, [0, 0, 99, 99], (3, 3), (0.05, 0.05)),
        ],
        warnings: vec![],
    };
    assert!(matches!(
        c.region_at(ImagePoint::new(50.0, 50.0)),
        Err(CalibrationError::Ambiguous { .. })
    ));
}
