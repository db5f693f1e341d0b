//! Malformed inputs give errors, never panics, and never make the reader allocate what
//! the header claims without checking it against the bytes present: truncated files,
//! lying element lengths, missing pixel data, zero frames, absurd sizes and garbage bytes.
//! Randomly corrupted and mutated real files, under an allocation cap, are in `fuzz_dicom.rs`.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::tags;
use dicom_object::{DefaultDicomObject, OpenFileOptions};
use echolab::dicom::{DicomError, DicomFile};

fn corpus_file(name: &str) -> PathBuf {
    let dir = std::env::var_os("ECHOLAB_REAL_DICOM").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/dicom"),
        PathBuf::from,
    );
    let path = dir.join("files").join(name);
    assert!(
        path.is_file(),
        "real DICOM corpus not found at {} (set ECHOLAB_REAL_DICOM)",
        dir.display()
    );
    path
}

fn bytes_of(name: &str) -> Vec<u8> {
    std::fs::read(corpus_file(name)).unwrap()
}

fn object(name: &str) -> DefaultDicomObject {
    OpenFileOptions::new().open_file(corpus_file(name)).unwrap()
}

fn serialize(obj: &DefaultDicomObject) -> Vec<u8> {
    let mut out = Vec::new();
    obj.write_all(&mut out).unwrap();
    out
}

/// Opens and decodes every frame; returns whether everything succeeded. Panics fail the test.
fn exercise(bytes: &[u8]) -> bool {
    match DicomFile::from_bytes(bytes) {
        Err(_) => false,
        Ok(file) => {
            let mut ok = true;
            for i in 0..file.frame_count() {
                ok &= file.frame_rgb(i).is_ok();
            }
            ok
        }
    }
}

/// Deterministic xorshift for reproducible corruption.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

const FAMILIES: [&str; 8] = [
    "US1_UNCR.dcm",                   // explicit LE RGB
    "US-RGB-8-epicard",               // explicit BE planar
    "US1_RLE",                        // RLE
    "OBXXXX1A_rle_2frame.dcm",        // RLE palette
    "examples_ybr_color.dcm",         // JPEG baseline multi-frame
    "JPGLosslessP14SV1_1s_1f_8b.dcm", // JPEG lossless
    "jpeg-ls-Palette.dcm",            // JPEG-LS
    "US1_J2KR.dcm",                   // JPEG 2000
];

#[test]
fn truncated_files_are_errors() {
    for name in FAMILIES {
        let bytes = bytes_of(name);
        assert!(exercise(&bytes), "{name} must decode intact");
        for k in 0..24 {
            let cut = bytes.len() * k / 24;
            assert!(!exercise(&bytes[..cut]), "{name} cut at {cut} decoded");
        }
    }
    // A native file cut inside its pixel data names the shortfall.
    let bytes = bytes_of("US1_UNCR.dcm");
    match DicomFile::from_bytes(&bytes[..bytes.len() - 1000]) {
        Err(DicomError::PixelDataTooShort { needed, available }) => {
            assert_eq!(needed, 480 * 640 * 3);
            assert!(available < needed);
        }
        Err(other) => {
            // dicom-rs may already refuse the short element: still an error with a reason.
            assert!(!other.to_string().is_empty());
        }
        Ok(_) => panic!("truncated pixel data opened"),
    }
}

#[test]
fn lying_lengths_are_errors() {
    // Explicit VR LE: find Rows (0028,0010) US and claim a huge length; then claim the
    // Pixel Data element (OB/OW, 32-bit length) runs far past the end of the file.
    let bytes = bytes_of("US1_UNCR.dcm");
    let rows_tag = [0x28, 0x00, 0x10, 0x00, b'U', b'S'];
    let at = bytes.windows(6).position(|w| w == rows_tag).unwrap();
    let mut lying = bytes.clone();
    lying[at + 6..at + 8].copy_from_slice(&0xFFF0u16.to_le_bytes());
    assert!(!exercise(&lying));

    let pixel_tag = [0xE0, 0x7F, 0x10, 0x00];
    let at = bytes.windows(4).rposition(|w| w == pixel_tag).unwrap();
    let mut lying = bytes.clone();
    lying[at + 8..at + 12].copy_from_slice(&0x7FFF_FFF0u32.to_le_bytes());
    assert!(!exercise(&lying));

    // Encapsulated: a fragment item claiming more bytes than remain.
    let bytes = bytes_of("examples_ybr_color.dcm");
    let item = [0xFE, 0xFF, 0x00, 0xE0];
    let first = bytes.windows(4).position(|w| w == item).unwrap();
    let second = first
        + 8
        + bytes
            .windows(4)
            .skip(first + 4)
            .position(|w| w == item)
            .unwrap()
        - 4;
    let mut lying = bytes.clone();
    lying[second + 4..second + 8].copy_from_slice(&0x7FFF_0000u32.to_le_bytes());
    assert!(!exercise(&lying));
}

#[test]
fn missing_pixel_data_is_an_error() {
    let mut obj = object("US1_UNCR.dcm");
    obj.remove_element(tags::PIXEL_DATA);
    let err = DicomFile::from_bytes(&serialize(&obj)).unwrap_err();
    assert!(matches!(err, DicomError::NoPixelData), "{err}");
    assert_eq!(err.to_string(), "no pixel data in the file");
}

#[test]
fn zero_and_absurd_frame_counts_are_errors() {
    for (frames, expect) in [
        ("0", "0 frames"),
        ("-3", "-3 frames"),
        ("abc", "not a whole number"),
    ] {
        let mut obj = object("examples_ybr_color.dcm");
        obj.put(DataElement::new(
            tags::NUMBER_OF_FRAMES,
            VR::IS,
            PrimitiveValue::from(frames),
        ));
        let err = DicomFile::from_bytes(&serialize(&obj)).unwrap_err();
        assert!(err.to_string().contains(expect), "{frames}: {err}");
    }
    // More frames than fragments (encapsulated) or than bytes (native).
    let mut obj = object("examples_ybr_color.dcm");
    obj.put(DataElement::new(
        tags::NUMBER_OF_FRAMES,
        VR::IS,
        PrimitiveValue::from("2000000000"),
    ));
    let err = DicomFile::from_bytes(&serialize(&obj)).unwrap_err();
    assert!(err.to_string().contains("absurd"), "{err}");
    let mut obj = object("examples_ybr_color.dcm");
    obj.put(DataElement::new(
        tags::NUMBER_OF_FRAMES,
        VR::IS,
        PrimitiveValue::from("31"),
    ));
    let err = DicomFile::from_bytes(&serialize(&obj)).unwrap_err();
    assert!(err.to_string().contains("fragments"), "{err}");
    let mut obj = object("US1_UNCR.dcm");
    obj.put(DataElement::new(
        tags::NUMBER_OF_FRAMES,
        VR::IS,
        PrimitiveValue::from("900000"),
    ));
    let err = DicomFile::from_bytes(&serialize(&obj)).unwrap_err();
    assert!(matches!(err, DicomError::PixelDataTooShort { .. }), "{err}");
}

#[test]
fn absurd_image_sizes_are_refused_before_allocating() {
    // 65535 x 65535 x 3 samples: far beyond the per-frame cap, refused at open.
    for name in ["US1_UNCR.dcm", "examples_ybr_color.dcm", "US1_J2KR.dcm"] {
        let mut obj = object(name);
        obj.put(DataElement::new(
            tags::ROWS,
            VR::US,
            PrimitiveValue::from(65535u16),
        ));
        obj.put(DataElement::new(
            tags::COLUMNS,
            VR::US,
            PrimitiveValue::from(65535u16),
        ));
        let err = DicomFile::from_bytes(&serialize(&obj)).unwrap_err();
        assert!(err.to_string().contains("absurd"), "{name}: {err}");
    }
    // Large but under the cap: a native file cannot hold it; a JPEG's own header disagrees.
    let mut obj = object("US1_UNCR.dcm");
    obj.put(DataElement::new(
        tags::ROWS,
        VR::US,
        PrimitiveValue::from(8000u16),
    ));
    assert!(matches!(
        DicomFile::from_bytes(&serialize(&obj)),
        Err(DicomError::PixelDataTooShort { .. })
    ));
    let mut obj = object("examples_ybr_color.dcm");
    obj.put(DataElement::new(
        tags::ROWS,
        VR::US,
        PrimitiveValue::from(8000u16),
    ));
    obj.put(DataElement::new(
        tags::COLUMNS,
        VR::US,
        PrimitiveValue::from(8000u16),
    ));
    let file = DicomFile::from_bytes(&serialize(&obj)).unwrap();
    let err = file.frame_rgb(0).unwrap_err();
    assert!(matches!(err, DicomError::Decode { frame: 0, .. }), "{err}");
    // Zero rows, unsupported samples and bit depths.
    for (tag, vr, value) in [
        (tags::ROWS, VR::US, PrimitiveValue::from(0u16)),
        (tags::SAMPLES_PER_PIXEL, VR::US, PrimitiveValue::from(4u16)),
        (tags::BITS_ALLOCATED, VR::US, PrimitiveValue::from(12u16)),
    ] {
        let mut obj = object("US1_UNCR.dcm");
        obj.put(DataElement::new(tag, vr, value));
        assert!(DicomFile::from_bytes(&serialize(&obj)).is_err(), "{tag}");
    }
    // A palette image without its palette.
    let mut obj = object("OBXXXX1A.dcm");
    obj.remove_element(tags::RED_PALETTE_COLOR_LOOKUP_TABLE_DATA);
    assert!(DicomFile::from_bytes(&serialize(&obj)).is_err());
}

#[test]
fn garbage_bytes_are_errors() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for len in [0usize, 1, 7, 8, 131, 132, 200, 4096, 100_000] {
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        assert!(!exercise(&bytes), "random {len} bytes opened");
        if len >= 132 {
            bytes[128..132].copy_from_slice(b"DICM");
            assert!(!exercise(&bytes), "DICM + random {len} bytes opened");
        }
    }
    assert!(!exercise(b"DICM"));
}

#[test]
fn bare_data_sets_without_meta_are_read() {
    // Implicit VR LE data set without preamble or meta group.
    let obj = object("OBXXXX1A.dcm");
    let ts = dicom_transfer_syntax_registry::entries::IMPLICIT_VR_LITTLE_ENDIAN.erased();
    let mut bare = Vec::new();
    obj.write_dataset_with_ts(&mut bare, &ts).unwrap();
    let file = DicomFile::from_bytes(&bare).unwrap();
    assert_eq!(file.header().transfer_syntax_uid, "1.2.840.10008.1.2");
    let original = DicomFile::open(corpus_file("OBXXXX1A.dcm")).unwrap();
    assert_eq!(
        file.frame_samples(0).unwrap().sha256_hex(),
        original.frame_samples(0).unwrap().sha256_hex()
    );
    assert_eq!(file.calibration().regions.len(), 2);
}

#[test]
fn truncated_files_on_disk_are_errors() {
    // `open(path)` leaves uncompressed pixel data in the file: the length checks must
    // hold there too (little and big endian, implicit VR).
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "US1_UNCR.dcm",
        "US-RGB-8-epicard",
        "OBXXXX1A.dcm",
        "GREYSCALE_CINE.dcm",
    ] {
        let bytes = bytes_of(name);
        let path = dir.path().join("cut.dcm");
        for k in 1..12 {
            let cut = bytes.len() * k / 12;
            std::fs::write(&path, &bytes[..cut]).unwrap();
            let result = DicomFile::open(&path)
                .and_then(|f| (0..f.frame_count()).try_for_each(|i| f.frame_rgb(i).map(|_| ())));
            assert!(result.is_err(), "{name} cut at {cut} decoded");
        }
        std::fs::write(&path, &bytes).unwrap();
        let file = DicomFile::open(&path).unwrap();
        let from_memory = DicomFile::from_bytes(&bytes).unwrap();
        let last = file.frame_count() - 1;
        assert_eq!(
            file.frame_samples(last).unwrap(),
            from_memory.frame_samples(last).unwrap(),
            "{name}: file-backed and in-memory frames differ"
        );
    }
}

#[test]
fn deflated_data_sets_are_read() {
    // The corpus has no deflated file: make one from a real file and compare frames.
    let mut obj = object("OBXXXX1A.dcm");
    obj.update_meta(|meta| {
        meta.set_transfer_syntax(
            &dicom_transfer_syntax_registry::entries::DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN,
        );
    });
    let bytes = serialize(&obj);
    assert!(
        bytes.len()
            < std::fs::metadata(corpus_file("OBXXXX1A.dcm"))
                .unwrap()
                .len() as usize
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deflated.dcm");
    std::fs::write(&path, &bytes).unwrap();
    let file = DicomFile::open(&path).unwrap();
    assert_eq!(file.header().transfer_syntax_uid, "1.2.840.10008.1.2.1.99");
    let original = DicomFile::open(corpus_file("OBXXXX1A.dcm")).unwrap();
    assert_eq!(
        file.frame_samples(0).unwrap(),
        original.frame_samples(0).unwrap()
    );
    assert_eq!(file.calibration(), original.calibration());
}
