//! dicom (to be written).
