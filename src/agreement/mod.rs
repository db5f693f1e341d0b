//! Reader agreement: inter- and intra-reader reproducibility of every parameter of a trial.
//!
//! * [`data`]: observations (one value of one parameter in one read) and filters.
//! * [`csv_input`]: observations from the long CSV export or any
//!   `subject,visit,reader,read,parameter,value` CSV.
//! * [`icc`]: ICC(2,1) and ICC(3,1) with 95 % intervals (Shrout & Fleiss 1979; McGraw & Wong
//!   1996), F quantiles from `statrs`.
//! * [`bland_altman`]: bias and 95 % limits of agreement; within-subject CV of re-reads.
//! * [`kappa`]: percent agreement, Cohen's kappa (unweighted, linear, quadratic), Fleiss' kappa.
//! * [`analysis`]: [`analyse`] → [`AgreementReport`] (what `echolab agreement --json` prints).
//! * [`readers`]: per-reader reads, discordance, adjudication and adjudicator agreement.
//! * [`source`]: observations and dual-read outcomes from the reading database.
//! * [`table`]: the report as table rows (GUI, CSV table export, PDF).

pub mod analysis;
pub mod bland_altman;
pub mod csv_input;
pub mod data;
pub mod icc;
pub mod kappa;
pub mod readers;
pub mod source;
pub mod table;

pub use analysis::{AgreementReport, ContinuousEntry, Entry, GradeEntry, KappaSet, analyse};
pub use csv_input::{CsvInputError, observations_from_csv};
pub use data::{Filter, GRADE_PARAMETER, GRADE_SCALE, Observation, ObservedValue};
pub use readers::{PairOutcome, ReaderRow, reader_rows};
