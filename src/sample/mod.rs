//! The synthetic sample study: echo-like DICOM files with exact, known geometry and the ground
//! truth for every measurement on them (`echolab sample --out sample_data`).

pub mod apical;
pub mod banner;
pub mod cine;
pub mod color;
pub mod dicom_write;
pub mod ecg;
pub mod echo;
pub mod error;
pub mod font;
pub mod jpeg;
pub mod long_cine;
pub mod lv;
pub mod measurements;
pub mod output;
pub mod plax;
pub mod raster;
pub mod readme;
pub mod regions;
pub mod rle;
pub mod rng;
pub mod scan;
pub mod spectral;
pub mod study;
pub mod truth;
pub mod uids;

pub use error::SampleError;
pub use output::{write_long_cine, write_study, write_study_with};
pub use study::{SampleFile, build_study, build_study_with};
