//! Building a draft report from a grading input (to be completed when the grading engine lands).

use super::model::GradeSection;

/// Summary lines (criteria, eligibility) of a grade section for the text rendering.
pub fn grade_summary_lines(_g: &GradeSection) -> Vec<String> {
    Vec::new()
}
