//! Echolab: an echocardiography core-lab reading workstation.
//!
//! Module map (dependency rule: lower layers never import higher ones; nothing imports `gui`):
//!
//! | layer | module | what it holds |
//! |---|---|---|
//! | files | [`files`] | atomic writes; every file written into a folder stays inside it |
//! | DICOM | [`dicom`] | opening files, lazy frame decoding, photometric conversion, timing, US-region calibration, UID grammar, PACS over DIMSE (echo, find, get) |
//! | sample | [`sample`] | the synthetic sample study generator and its ground truth |
//! | domain | [`catalog`], [`measure`], [`calc`], [`grading`], [`protocol`] | measurement catalog, derivations, guideline grading, trial eligibility |
//! | records | [`report`], [`store`], [`audit`], [`signing`] | reading reports, the reading database, audit trail, electronic signatures |
//! | review | [`adjudication`], [`compare`], [`agreement`], [`export`] | dual-read adjudication, visit comparison, reader agreement, exports |
//! | front ends | [`cli`], `gui` (feature `gui`) | the `echolab` command line and the egui desktop app |
//!
//! The domain modules never import egui; `cargo test --no-default-features` proves it.

pub mod adjudication;
pub mod agreement;
pub mod audit;
pub mod calc;
pub mod catalog;
pub mod cli;
pub mod compare;
pub mod dicom;
pub mod export;
pub mod files;
pub mod grading;
pub mod json;
pub mod measure;
pub mod pacs;
pub mod protocol;
pub mod report;
pub mod sample;
pub mod signing;
pub mod store;

#[cfg(feature = "gui")]
pub mod gui;
