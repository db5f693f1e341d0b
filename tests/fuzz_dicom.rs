//! Hostile input to the DICOM reader, with an allocation cap: mutation fuzzing of real files
//! (the shared corpus, the sample study, a deflated file made from a corpus file), and every
//! input that ever failed kept as a recipe (corpus file name + mutation) or as a small file
//! built by code. No third-party bytes are stored here.
//!
//! This test binary runs under a capped global allocator (the `cap` crate): before each input
//! the limit is set to what is live now plus the input's budget ([`budget`]: 64 MiB + 16 × the
//! input's size for opening, plus 8 × the decoded size of the frames decoded). An allocation
//! past the cap fails, which aborts this binary: a file that makes the reader allocate what its
//! header claims without checking it cannot pass. Tests here take one lock, so one input at a
//! time is measured.

#![allow(clippy::unwrap_used)]

mod fuzz_support;

use std::alloc::System;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use cap::Cap;
use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::tags;
use dicom_object::{DefaultDicomObject, OpenFileOptions};
use echolab::dicom::{DicomError, DicomFile, MAX_INFLATED_BYTES};
use fuzz_support::run_target;

#[global_allocator]
static ALLOCATOR: Cap<System> = Cap::new(System, usize::MAX);

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

const MIB: usize = 1024 * 1024;

/// The longest one input may take (opening plus two frames), debug build included.
const MAX_CASE_TIME: Duration = Duration::from_secs(30);

fn corpus_dir() -> PathBuf {
    std::env::var_os("ECHOLAB_REAL_DICOM").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/dicom"),
        PathBuf::from,
    )
}

fn corpus_file(name: &str) -> PathBuf {
    let path = corpus_dir().join("files").join(name);
    assert!(
        path.is_file(),
        "real DICOM corpus not found at {} (set ECHOLAB_REAL_DICOM)",
        path.display()
    );
    path
}

fn object(name: &str) -> DefaultDicomObject {
    OpenFileOptions::new().open_file(corpus_file(name)).unwrap()
}

fn serialize(obj: &DefaultDicomObject) -> Vec<u8> {
    let mut out = Vec::new();
    obj.write_all(&mut out).unwrap();
    out
}

/// Runs `f` with the allocation cap set to what is live now plus `budget` bytes.
fn capped<R>(budget: usize, f: impl FnOnce() -> R) -> R {
    let live = ALLOCATOR.allocated();
    ALLOCATOR.set_limit(live.saturating_add(budget)).unwrap();
    let r = f();
    ALLOCATOR.set_limit(usize::MAX).unwrap();
    r
}

/// What opening one input may allocate.
fn budget(input_len: usize) -> usize {
    64 * MIB + 16 * input_len
}

/// Opens `bytes` and decodes its first and last frame, each step under its cap; the outcome
/// must be `Ok` or a typed error with a one-line message, within [`MAX_CASE_TIME`].
fn exercise(bytes: &[u8]) -> Result<Result<u32, DicomError>, String> {
    let start = Instant::now();
    let opened = capped(budget(bytes.len()), || DicomFile::from_bytes(bytes));
    let outcome = match opened {
        Err(e) => Err(e),
        Ok(file) => {
            let h = file.header();
            let frame_bytes =
                usize::from(h.rows) * usize::from(h.columns) * usize::from(h.samples_per_pixel);
            let last = file.frame_count() - 1;
            let mut result = Ok(file.frame_count());
            for i in [0, last] {
                let decoded = capped(budget(bytes.len()) + 8 * 4 * frame_bytes, || {
                    file.frame_rgb(i).map(|f| f.rgb.len())
                });
                match decoded {
                    Ok(len) if len != usize::from(h.rows) * usize::from(h.columns) * 3 => {
                        return Err(format!("frame {i}: {len} RGB bytes"));
                    }
                    Ok(_) => {}
                    Err(e) => {
                        result = Err(e);
                        break;
                    }
                }
            }
            result
        }
    };
    if let Err(e) = &outcome {
        let text = e.to_string();
        if text.is_empty() || text.contains('\n') || text.contains("panicked") {
            return Err(format!("error message {text:?}"));
        }
    }
    if start.elapsed() > MAX_CASE_TIME {
        return Err(format!("took {:?}", start.elapsed()));
    }
    Ok(outcome)
}

/// A deflated copy of a small real file (the corpus has no deflated file).
fn deflated_seed() -> Vec<u8> {
    let mut obj = object("OBXXXX1A.dcm");
    obj.update_meta(|meta| {
        meta.set_transfer_syntax(
            &dicom_transfer_syntax_registry::entries::DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN,
        );
    });
    serialize(&obj)
}

fn seeds() -> Vec<(String, Vec<u8>)> {
    let mut seeds: Vec<(String, Vec<u8>)> = [
        "US1_UNCR.dcm",
        "US-RGB-8-epicard",
        "US1_RLE",
        "OBXXXX1A_rle_2frame.dcm",
        "OBXXXX1A.dcm",
        "examples_ybr_color.dcm",
        "JPGLosslessP14SV1_1s_1f_8b.dcm",
        "JPEGLosslessP14SV1_3s_2f_u_08_08.dcm",
        "jpeg-ls-Palette.dcm",
        "US1_J2KR.dcm",
        "US1_J2KI.dcm",
        "orthanc_TS_1.2.840.10008.1.2.4.50.dcm",
        "Implicit-vr-us-palette.dcm",
        "GH364.dcm",
    ]
    .iter()
    .map(|n| ((*n).to_owned(), std::fs::read(corpus_file(n)).unwrap()))
    .collect();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data");
    for n in [
        "plax.dcm",
        "plax_jpeg.dcm",
        "mr_cw_jpeg.dcm",
        "mr_color.dcm",
    ] {
        seeds.push((
            format!("sample_data/{n}"),
            std::fs::read(sample.join(n)).unwrap(),
        ));
    }
    seeds.push(("deflated OBXXXX1A.dcm".to_owned(), deflated_seed()));
    seeds
}

#[test]
fn fuzz_dicom_reader_ends_in_ok_or_a_typed_error_within_its_allocation_cap() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let seeds = seeds();
    for (name, bytes) in &seeds {
        assert!(
            matches!(exercise(bytes), Ok(Ok(_))),
            "seed {name} must open and decode"
        );
    }
    let n = run_target("dicom", &seeds, &[], 4, |bytes| exercise(bytes).map(|_| ()));
    assert!(n >= fuzz_support::cases() as usize);
}

#[test]
fn randomly_corrupted_files_give_ok_or_a_typed_error() {
    // Flips of header and data bytes of every codec family: each outcome is checked (one-line
    // error, frame sizes, allocation cap), and both outcomes occur.
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (mut opened, mut refused) = (0, 0);
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for (name, bytes) in seeds().iter().take(10) {
        for round in 0..24u64 {
            let mut corrupt = bytes.clone();
            for _ in 0..1 + round % 8 {
                let span = if round % 2 == 0 {
                    corrupt.len().min(2048)
                } else {
                    corrupt.len()
                };
                let at = (next() % span as u64) as usize;
                corrupt[at] ^= (next() as u8) | 1;
            }
            match exercise(&corrupt) {
                Ok(Ok(frames)) => {
                    assert!(frames >= 1);
                    opened += 1;
                }
                Ok(Err(_)) => refused += 1,
                Err(problem) => panic!("{name} round {round}: {problem}"),
            }
        }
    }
    assert!(
        opened > 0 && refused > 0,
        "{opened} opened, {refused} refused"
    );
}

// ------------------------------------------------------------------ regressions (recipes)

/// Explicit VR little endian element with a 16-bit length.
fn short_element(out: &mut Vec<u8>, tag: (u16, u16), vr: &[u8; 2], value: &[u8]) {
    out.extend_from_slice(&tag.0.to_le_bytes());
    out.extend_from_slice(&tag.1.to_le_bytes());
    out.extend_from_slice(vr);
    out.extend_from_slice(&(value.len() as u16).to_le_bytes());
    out.extend_from_slice(value);
}

/// Explicit VR little endian element with a 32-bit length (`length` may lie).
fn long_element(out: &mut Vec<u8>, tag: (u16, u16), vr: &[u8; 2], length: u32, value: &[u8]) {
    out.extend_from_slice(&tag.0.to_le_bytes());
    out.extend_from_slice(&tag.1.to_le_bytes());
    out.extend_from_slice(vr);
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&length.to_le_bytes());
    out.extend_from_slice(value);
}

/// Preamble, DICM and a meta group naming the Deflated Explicit VR Little Endian syntax.
fn deflated_meta() -> Vec<u8> {
    let mut group = Vec::new();
    long_element(&mut group, (0x0002, 0x0001), b"OB", 2, &[0, 1]);
    short_element(
        &mut group,
        (0x0002, 0x0002),
        b"UI",
        b"1.2.840.10008.5.1.4.1.1.6.1\0",
    );
    short_element(&mut group, (0x0002, 0x0003), b"UI", b"1.2.3.4\0");
    short_element(
        &mut group,
        (0x0002, 0x0010),
        b"UI",
        b"1.2.840.10008.1.2.1.99\0",
    );
    let mut out = vec![0u8; 128];
    out.extend_from_slice(b"DICM");
    short_element(
        &mut out,
        (0x0002, 0x0000),
        b"UL",
        &(group.len() as u32).to_le_bytes(),
    );
    out.extend_from_slice(&group);
    out
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

#[test]
fn a_lying_length_inside_a_deflated_data_set_is_refused_before_allocating() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    // A few hundred bytes: a private element claiming ~3.9 GB after inflation.
    let mut data = Vec::new();
    short_element(
        &mut data,
        (0x0008, 0x0016),
        b"UI",
        b"1.2.840.10008.5.1.4.1.1.6.1\0",
    );
    short_element(&mut data, (0x0009, 0x0010), b"LO", b"LAB ");
    long_element(
        &mut data,
        (0x0009, 0x1001),
        b"OB",
        0xE800_0000,
        &[1, 2, 3, 4],
    );
    let mut file = deflated_meta();
    file.extend_from_slice(&deflate(&data));
    assert!(file.len() < 600, "{} bytes", file.len());
    let err = capped(budget(file.len()), || DicomFile::from_bytes(&file)).unwrap_err();
    assert!(err.to_string().contains("remain"), "{err}");
}

#[test]
fn a_deflate_bomb_is_refused_before_parsing() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    // A valid element of MAX_INFLATED_BYTES + 1 MiB zeros: a few hundred kB deflated.
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    let mut head = Vec::new();
    short_element(
        &mut head,
        (0x0008, 0x0016),
        b"UI",
        b"1.2.840.10008.5.1.4.1.1.6.1\0",
    );
    let size = MAX_INFLATED_BYTES + MIB;
    long_element(&mut head, (0x0009, 0x1001), b"OB", size as u32, &[]);
    enc.write_all(&head).unwrap();
    let zeros = vec![0u8; MIB];
    for _ in 0..size / MIB {
        enc.write_all(&zeros).unwrap();
    }
    let mut file = deflated_meta();
    file.extend_from_slice(&enc.finish().unwrap());
    assert!(file.len() < 2 * MIB, "{} bytes", file.len());
    let err = capped(budget(file.len()), || DicomFile::from_bytes(&file)).unwrap_err();
    assert!(err.to_string().contains("inflates past 256 MiB"), "{err}");
}

#[test]
fn a_short_length_lowered_by_one_inside_an_item_is_refused_within_the_cap() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    // Recipe: JPEGLosslessP14SV1_3s_2f_u_08_08.dcm with each 16-bit element length before the
    // pixel data lowered by 1 (one at a time); one of them used to make the parser read the
    // next header across an item's end and allocate 3.6 GB.
    let name = "JPEGLosslessP14SV1_3s_2f_u_08_08.dcm";
    let bytes = std::fs::read(corpus_file(name)).unwrap();
    let pixel = bytes
        .windows(4)
        .rposition(|w| w == [0xE0, 0x7F, 0x10, 0x00])
        .unwrap();
    let fields: Vec<(usize, usize)> = fuzz_support::length_fields(&bytes[..pixel])
        .into_iter()
        .filter(|&(_, w)| w == 2)
        .collect();
    assert!(fields.len() > 20, "{} fields", fields.len());
    for (at, _) in fields {
        let mut m = bytes.clone();
        let v = u16::from_le_bytes([m[at], m[at + 1]]);
        if v == 0 {
            continue;
        }
        m[at..at + 2].copy_from_slice(&(v - 1).to_le_bytes());
        if let Err(problem) = exercise(&m) {
            panic!("{name}, length at byte {at} lowered by 1: {problem}");
        }
    }
}

#[test]
fn stray_bytes_at_the_end_of_an_item_are_an_error() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    // A sequence with one defined-length item whose last 3 bytes cannot hold a header.
    let mut item_body = Vec::new();
    short_element(&mut item_body, (0x0008, 0x0100), b"SH", b"T-1234");
    item_body.extend_from_slice(&[0x08, 0x00, 0x04]);
    let mut item = vec![0xFE, 0xFF, 0x00, 0xE0];
    item.extend_from_slice(&(item_body.len() as u32).to_le_bytes());
    item.extend_from_slice(&item_body);
    let mut data = Vec::new();
    short_element(
        &mut data,
        (0x0008, 0x0016),
        b"UI",
        b"1.2.840.10008.5.1.4.1.1.6.1\0",
    );
    long_element(&mut data, (0x0008, 0x2218), b"SQ", item.len() as u32, &item);
    short_element(&mut data, (0x0028, 0x0010), b"US", &16u16.to_le_bytes());
    let err = capped(budget(data.len()), || DicomFile::from_bytes(&data)).unwrap_err();
    assert!(err.to_string().contains("stray bytes"), "{err}");
}

#[test]
fn a_65535_by_65535_by_100000_frame_declaration_is_refused_before_allocating() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    for name in ["US1_UNCR.dcm", "examples_ybr_color.dcm", "US1_J2KR.dcm"] {
        let mut obj = object(name);
        for (tag, value) in [(tags::ROWS, 65535u16), (tags::COLUMNS, 65535u16)] {
            obj.put(DataElement::new(tag, VR::US, PrimitiveValue::from(value)));
        }
        obj.put(DataElement::new(
            tags::NUMBER_OF_FRAMES,
            VR::IS,
            PrimitiveValue::from("100000"),
        ));
        let bytes = serialize(&obj);
        let err = capped(budget(bytes.len()), || DicomFile::from_bytes(&bytes)).unwrap_err();
        assert!(err.to_string().contains("absurd"), "{name}: {err}");
    }
}

#[test]
fn a_codestream_larger_than_rows_and_columns_is_an_error_without_panic_text() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "US1_J2KR.dcm",
        "JPGLosslessP14SV1_1s_1f_8b.dcm",
        "examples_ybr_color.dcm",
    ] {
        let mut obj = object(name);
        let rows = obj.element(tags::ROWS).unwrap().to_int::<u16>().unwrap();
        let columns = obj.element(tags::COLUMNS).unwrap().to_int::<u16>().unwrap();
        obj.put(DataElement::new(
            tags::ROWS,
            VR::US,
            PrimitiveValue::from(rows / 2),
        ));
        obj.put(DataElement::new(
            tags::COLUMNS,
            VR::US,
            PrimitiveValue::from(columns / 2),
        ));
        let bytes = serialize(&obj);
        let file = DicomFile::from_bytes(&bytes).unwrap();
        let err = file.frame_rgb(0).unwrap_err();
        assert!(
            matches!(err, DicomError::Decode { frame: 0, .. })
                && err.to_string().contains("codestream declares"),
            "{name}: {err}"
        );
        // The CLI prints the one-line error and no panic text.
        let path = dir.path().join("small.dcm");
        std::fs::write(&path, &bytes).unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_echolab"))
            .arg("frames")
            .arg(&path)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{name}: {stderr}");
    }
}
