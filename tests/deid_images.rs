//! Clean Pixel Data: sample files with a burned-in patient banner (`echolab sample --banner`)
//! exported as de-identified DICOM, PNG frames and PDF key frames hold none of the banner's
//! pixels (black) while the US region pixels are unchanged; headers keep no patient identifier;
//! every real file with regions round-trips.
#![allow(clippy::unwrap_used)]

mod export_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use echolab::dicom::{DicomFile, FrameSamples, SourceImage, is_data_region};
use echolab::export::deid_image::{KEPT, export_dicom_images};
use echolab::export::{ExportFormat, ExportOptions, MaskBook, MaskSource, export, load_signed};
use export_support::*;

/// Rows of the banner the sample generator adds.
const BANNER: u32 = echolab::sample::banner::BANNER_ROWS as u32;

fn banner_study(dir: &Path) -> PathBuf {
    let d = dir.join("banner");
    echolab::sample::write_study_with(&d, true).unwrap();
    d
}

/// Kept-region test of pixel (x, y) of a file: inside a data region.
fn in_data_region(file: &DicomFile, x: u32, y: u32) -> bool {
    file.calibration()
        .regions
        .iter()
        .any(|r| is_data_region(r.data_type) && x >= r.x0 && x <= r.x1 && y >= r.y0 && y <= r.y1)
}

fn black_of(s: &FrameSamples) -> Vec<u8> {
    vec![0; usize::from(s.channels)]
}

/// Input and output frames agree inside the data regions and the output is black outside.
fn assert_clean_copy(input: &DicomFile, output: &DicomFile, what: &str) {
    assert_eq!(input.frame_count(), output.frame_count(), "{what}");
    for i in 0..input.frame_count() {
        let a = input.frame_samples(i).unwrap();
        let b = output.frame_samples(i).unwrap();
        assert_eq!((a.width, a.height), (b.width, b.height), "{what}");
        let c = usize::from(a.channels);
        // Palette and YBR sources are written as RGB: compare the reference samples.
        assert_eq!(a.channels, b.channels, "{what}");
        let black = black_of(&b);
        for y in 0..a.height {
            for x in 0..a.width {
                let at = (y as usize * a.width as usize + x as usize) * c;
                let (pa, pb) = (&a.data[at..at + c], &b.data[at..at + c]);
                if in_data_region(input, x, y) {
                    assert_eq!(pa, pb, "{what}: frame {i} pixel ({x},{y}) inside a region");
                } else {
                    assert_eq!(pb, &black[..], "{what}: frame {i} pixel ({x},{y}) outside");
                }
            }
        }
    }
}

/// Identifying values of a source header: every PN value, the LO values of attributes that
/// are not copied, and the dates of the patient module.
fn identifiers(src: &SourceImage) -> Vec<String> {
    src.text_values()
        .into_iter()
        .filter(|v| match v.vr.as_str() {
            "PN" => true,
            "LO" => !KEPT.contains(&v.tag),
            "DA" => v.tag.0 == 0x0010,
            _ => false,
        })
        .flat_map(|v| {
            v.value
                .split(['\\', '^', '='])
                .map(|s| s.trim().to_owned())
                .collect::<Vec<_>>()
        })
        // Short or numeric fragments ("1", "US", "0.5") also occur as harmless values.
        .filter(|s| {
            s.len() >= 4
                && !s
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
        })
        .collect()
}

fn assert_no_identifiers(input: &Path, output: &Path) {
    let src = SourceImage::open(input).unwrap();
    let out = SourceImage::open(output).unwrap();
    // Output values and their words: an identifier fragment must match a whole word.
    let values: Vec<String> = out.text_values().into_iter().map(|v| v.value).collect();
    for id in identifiers(&src) {
        for v in &values {
            assert!(
                v != &id && !v.split(['\\', '^', '=', ' ', ',']).any(|w| w.trim() == id),
                "{}: output value {v:?} holds the input identifier {id:?}",
                input.display()
            );
        }
    }
    assert!(
        out.tags().iter().all(|t| t.0 % 2 == 0),
        "private tags written"
    );
    assert_eq!(out.text((0x0028, 0x0301)).as_deref(), Some("NO"));
    assert_eq!(out.text((0x0012, 0x0062)).as_deref(), Some("YES"));
    let codes: Vec<String> = out
        .text_values()
        .into_iter()
        .filter(|v| v.tag == (0x0008, 0x0100))
        .map(|v| v.value)
        .collect();
    for code in ["113100", "113101", "113106"] {
        assert!(codes.iter().any(|c| c == code), "missing {code}: {codes:?}");
    }
    if let Ok(o) = Command::new("dcmdump").arg("+L").arg(output).output() {
        let dump = String::from_utf8_lossy(&o.stdout);
        // Whole values here: the meta group names the writer ("ECHOLAB").
        for id in src
            .text_values()
            .into_iter()
            .filter(|v| v.vr == "PN" || (v.vr == "LO" && !KEPT.contains(&v.tag)))
            .map(|v| v.value)
            .filter(|v| v.len() >= 4)
        {
            assert!(!dump.contains(&id), "dcmdump shows {id:?}");
        }
    }
}

/// `dciodvfy` errors of a file (empty when the tool is missing).
fn dciodvfy_errors(path: &Path) -> Vec<String> {
    match Command::new("dciodvfy").arg(path).output() {
        Ok(o) => String::from_utf8_lossy(&o.stderr)
            .lines()
            .chain(String::from_utf8_lossy(&o.stdout).lines())
            .filter(|l| l.starts_with("Error"))
            .map(str::to_owned)
            .collect(),
        Err(_) => {
            eprintln!("dciodvfy not installed: validation skipped");
            Vec::new()
        }
    }
}

fn export_one(file: &Path, out: &Path) -> echolab::export::deid_image::CleanedImage {
    let mut written = export_dicom_images(
        &[file.to_owned()],
        "TRIAL-9",
        &MaskBook::default(),
        out,
        &ExportOptions::default(),
        &mut |_| {},
    )
    .unwrap();
    written.pop().unwrap()
}

#[test]
fn banner_is_blacked_out_in_dicom_and_regions_are_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let study = banner_study(dir.path());
    for name in ["mr_color.dcm", "a4c_cine.dcm", "mr_cw_jpeg.dcm"] {
        let input_path = study.join(name);
        let input = DicomFile::open(&input_path).unwrap();
        // The banner is there: white text in the top rows, outside every region.
        let first = input.frame_rgb(0).unwrap();
        assert!(
            (0..BANNER).any(|y| (0..first.width).any(|x| first.pixel(x, y) == Some([255; 3]))),
            "{name}: no banner"
        );
        let out = dir.path().join(format!("out-{name}"));
        let written = export_one(&input_path, &out);
        assert_eq!(written.mask, MaskSource::Regions);
        assert!(!written.pixels_kept && written.stats.cleared > 0, "{name}");
        let output = DicomFile::open(&written.output).unwrap();
        assert_clean_copy(&input, &output, name);
        // Regions and timing are kept; the copy is lossless RLE.
        assert_eq!(input.calibration().regions, output.calibration().regions);
        assert_eq!(
            input.timing().frame_times_ms,
            output.timing().frame_times_ms
        );
        assert_eq!(output.header().transfer_syntax_uid, "1.2.840.10008.1.2.5");
        assert_no_identifiers(&input_path, &written.output);
        assert_eq!(output.header().patient_id.as_deref(), Some("TRIAL-9"));
        let errors = dciodvfy_errors(&written.output);
        assert!(errors.is_empty(), "{name}: {errors:#?}");
    }
}

#[test]
fn uids_follow_the_report_scheme_and_unchanged_pixels_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let study = banner_study(dir.path());
    let input_path = study.join("plax.dcm");
    let first = export_one(&input_path, &dir.path().join("a"));
    // Exporting the clean copy again changes no pixel: its pixel data is kept as is.
    let again = export_one(&first.output, &dir.path().join("b"));
    assert!(again.pixels_kept && again.stats.cleared == 0);
    assert_eq!(
        std::fs::read(&again.output).unwrap().len() / 1000,
        std::fs::read(&first.output).unwrap().len() / 1000
    );
    let src = SourceImage::open(&input_path).unwrap();
    let d =
        echolab::export::Deidentifier::for_subjects("TRIAL-9", ["SAMPLE-001".to_owned()]).unwrap();
    let out = SourceImage::open(&first.output).unwrap();
    for tag in [(0x0008, 0x0018), (0x0020, 0x000D), (0x0020, 0x000E)] {
        assert_eq!(
            out.text(tag).unwrap(),
            d.uid(&src.text(tag).unwrap()),
            "{tag:04X?}"
        );
    }
}

#[test]
fn files_whose_regions_cover_the_banner_are_refused_unless_masked() {
    let dir = tempfile::tempdir().unwrap();
    // The bundled sample's regions start a few rows from the top: inside the banner band.
    let plain = dir.path().join("plain");
    echolab::sample::write_study(&plain).unwrap();
    let file = plain.join("plax.dcm");
    let err = export_dicom_images(
        std::slice::from_ref(&file),
        "TRIAL-9",
        &MaskBook::default(),
        &dir.path().join("out"),
        &ExportOptions::default(),
        &mut |_| {},
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("refused") && err.contains("--mask"), "{err}");
    assert!(!dir.path().join("out").exists(), "nothing written");
    let masks = MaskBook::from_toml(
        "[[device]]\nmanufacturer = \"Echolab synthetic\"\nmodel = \"echolab sample generator\"\n\
         keep = [[11, 20, 461, 356]]\n",
        "test",
    )
    .unwrap();
    let written = export_dicom_images(
        &[file],
        "TRIAL-9",
        &masks,
        &dir.path().join("out"),
        &ExportOptions::default(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(written[0].mask, MaskSource::DeviceMask);
    let out = DicomFile::open(&written[0].output).unwrap();
    let f = out.frame_samples(0).unwrap();
    assert!(f.data[..(20 * f.width) as usize].iter().all(|&v| v == 0));
}

#[test]
fn png_frames_with_deidentify_are_clean() {
    let dir = tempfile::tempdir().unwrap();
    let study = banner_study(dir.path());
    let input_path = study.join("mr_color.dcm");
    let out = dir.path().join("png");
    let status = Command::new(env!("CARGO_BIN_EXE_echolab"))
        .arg("export-frames")
        .arg(&input_path)
        .arg("--out")
        .arg(&out)
        .arg("--deidentify")
        .env("ECHOLAB_CONFIG_DIR", dir.path().join("config"))
        .status()
        .unwrap();
    assert!(status.success());
    let png = image::open(out.join("frame_0000.png")).unwrap().to_rgb8();
    let input = DicomFile::open(&input_path).unwrap();
    let frame = input.frame_rgb(0).unwrap();
    for y in 0..frame.height {
        for x in 0..frame.width {
            let p = png.get_pixel(x, y).0;
            if in_data_region(&input, x, y) {
                assert_eq!(Some(p), frame.pixel(x, y), "({x},{y})");
            } else {
                assert_eq!(p, [0, 0, 0], "({x},{y})");
            }
        }
    }
    // A file whose regions cover the banner band is refused, naming the option.
    let plain = dir.path().join("plain");
    echolab::sample::write_study(&plain).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_echolab"))
        .arg("export-frames")
        .arg(plain.join("mr_color.dcm"))
        .arg("--out")
        .arg(dir.path().join("png2"))
        .arg("--deidentify")
        .env("ECHOLAB_CONFIG_DIR", dir.path().join("config"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("refused") && err.contains("--mask"), "{err}");
    assert!(!dir.path().join("png2").join("frame_0000.png").exists());
}

#[test]
fn pdf_key_frame_is_clean() {
    let dir = tempfile::tempdir().unwrap();
    let study = banner_study(dir.path());
    let input_path = study.join("mr_color.dcm");
    let input = DicomFile::open(&input_path).unwrap();
    let sop = input.header().sop_instance_uid.clone().unwrap();
    let report = signed_report(&Spec {
        id: "banner",
        values: BASELINE_VALUES,
        drawn_jet: Some(("mr_color.dcm", &sop, 0)),
        ..Spec::default()
    });
    let signed = load_signed(&write(dir.path(), &report)).unwrap();
    let pdf = dir.path().join("sheet.pdf");
    let summary = export(
        &[signed],
        ExportFormat::Pdf,
        &ExportOptions {
            deidentify_trial_id: Some("TRIAL-9".to_owned()),
            image_dirs: vec![study.clone()],
            ..ExportOptions::default()
        },
        &pdf,
        &mut |_| {},
    )
    .unwrap();
    assert!(summary.notes.is_empty(), "{:?}", summary.notes);
    // The embedded key frame, as written (JPEG).
    let images = dir.path().join("img");
    let Ok(o) = Command::new("pdfimages")
        .arg("-j")
        .arg(&pdf)
        .arg(&images)
        .output()
    else {
        eprintln!("pdfimages not installed: PDF image check skipped");
        return;
    };
    assert!(o.status.success());
    let jpeg = dir.path().join("img-000.jpg");
    let key = image::open(&jpeg).unwrap().to_rgb8();
    let frame = input.frame_rgb(0).unwrap();
    assert_eq!((key.width(), key.height()), (frame.width, frame.height));
    let (mut diff, mut n) = (0u64, 0u64);
    for y in 0..frame.height {
        for x in 0..frame.width {
            let p = key.get_pixel(x, y).0;
            if y < BANNER {
                // JPEG of an all-black band: black within coding noise.
                assert!(p.iter().all(|&v| v <= 8), "banner pixel ({x},{y}) = {p:?}");
            } else if in_data_region(&input, x, y) {
                let q = frame.pixel(x, y).unwrap();
                diff += p
                    .iter()
                    .zip(q)
                    .map(|(a, b)| u64::from(a.abs_diff(b)))
                    .sum::<u64>();
                n += 3;
            }
        }
    }
    let mean = diff as f64 / n as f64;
    assert!(mean < 10.0, "region pixels changed: mean |diff| {mean}");
}

#[test]
fn pdf_key_frame_of_a_refused_file_is_not_shown() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain");
    echolab::sample::write_study(&plain).unwrap();
    let sop = DicomFile::open(plain.join("mr_color.dcm"))
        .unwrap()
        .header()
        .sop_instance_uid
        .clone()
        .unwrap();
    let report = signed_report(&Spec {
        id: "refused",
        values: BASELINE_VALUES,
        drawn_jet: Some(("mr_color.dcm", &sop, 0)),
        ..Spec::default()
    });
    let signed = load_signed(&write(dir.path(), &report)).unwrap();
    let pdf = dir.path().join("sheet.pdf");
    let summary = export(
        &[signed],
        ExportFormat::Pdf,
        &ExportOptions {
            deidentify_trial_id: Some("TRIAL-9".to_owned()),
            image_dirs: vec![plain],
            ..ExportOptions::default()
        },
        &pdf,
        &mut |_| {},
    )
    .unwrap();
    assert!(
        summary
            .notes
            .iter()
            .any(|n| n.contains("refused for de-identified image export")),
        "{:?}",
        summary.notes
    );
    if let Ok(o) = Command::new("pdfimages").arg("-list").arg(&pdf).output() {
        let list = String::from_utf8_lossy(&o.stdout);
        assert!(list.lines().count() <= 2, "an image was embedded: {list}");
    }
}

#[test]
fn every_real_file_with_regions_round_trips() {
    let Some(corpus) = corpus_dir() else {
        panic!("real DICOM corpus not found (set ECHOLAB_REAL_DICOM)");
    };
    let dir = tempfile::tempdir().unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut done = 0;
    for f in files {
        let Ok(input) = DicomFile::open(&f) else {
            continue;
        };
        if !input
            .calibration()
            .regions
            .iter()
            .any(|r| is_data_region(r.data_type))
        {
            continue;
        }
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let out = dir.path().join(&name);
        let written = match export_dicom_images(
            std::slice::from_ref(&f),
            "TRIAL-9",
            &MaskBook::default(),
            &out,
            &ExportOptions::default(),
            &mut |_| {},
        ) {
            Ok(mut w) => w.pop().unwrap(),
            // Deeper samples cannot be re-encoded as 8 bits without loss: refused, named.
            Err(e) if e.to_string().contains("bits allocated") => {
                println!("{name}: refused: {e}");
                continue;
            }
            Err(e) => panic!("{name}: {e}"),
        };
        let output = DicomFile::open(&written.output).unwrap();
        assert_clean_copy(&input, &output, &name);
        assert_eq!(input.calibration().regions, output.calibration().regions);
        assert_eq!(
            input.timing().frame_times_ms,
            output.timing().frame_times_ms,
            "{name}"
        );
        assert_no_identifiers(&f, &written.output);
        // No error of our own: an error the source has too (e.g. a single-frame SOP class
        // holding two frames) is the source's defect, carried over and printed.
        let before = dciodvfy_errors(&f);
        let errors: Vec<String> = dciodvfy_errors(&written.output)
            .into_iter()
            .filter(|e| !before.contains(e) && !e.contains("invalid data values"))
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
        println!(
            "{name}: {:.1} % masked, {:.2} % cleared, kept as is: {}",
            written.stats.masked_percent(),
            written.stats.cleared_percent(),
            written.pixels_kept
        );
        done += 1;
    }
    assert!(done >= 10, "only {done} real files with regions");
}
