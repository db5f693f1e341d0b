//! grading (to be written).
