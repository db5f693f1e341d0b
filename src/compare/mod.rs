//! Baseline vs follow-up comparison and longitudinal series.
//!
//! * [`values`]: the value of a parameter in a reading report ([`param_value`]), the key
//!   parameters ([`KEY_PARAMETERS`]: EROA, RVol, RF, VC, jet/LA, MA diameter, LVEDV, LVESV,
//!   LVEF), grade and eligibility of a report.
//! * [`delta`]: [`compare`]`(&baseline, &followup) -> DeltaTable` with absolute and % change per
//!   parameter and the grade change sentence; `echolab compare --json` prints it and the GUI
//!   renders it.
//! * [`phase`]: cardiac-phase alignment of two cine loops ([`CardiacCycles`], [`align_frame`]).
//! * [`series`]: [`subject_series`] / [`trial_series`] for longitudinal plots.

pub mod delta;
pub mod phase;
pub mod series;
pub mod values;

pub use delta::{
    DeltaRow, DeltaTable, GradeChange, GradeDirection, VisitSide, compare, grade_change,
    grade_words,
};
pub use phase::{
    CardiacCycles, CycleSource, EdSource, LoopTiming, PhaseError, PhasePosition, align_frame,
    ed_frames_in_report,
};
pub use series::{
    GRADE_PARAMETER, Series, SeriesPoint, VisitStat, subject_series, trial_series, visit_summary,
};
pub use values::{
    KEY_PARAMETERS, KeyParameter, ParamValue, ValueSource, all_values, param_value,
    report_eligibility, report_grade,
};
