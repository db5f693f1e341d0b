//! Small typed readers over dicom-object elements: trimmed strings, numbers from
//! binary or text VRs (`'76.000000'`, `' 30'`), and multi-valued lists.

use dicom_core::Tag;
use dicom_object::InMemDicomObject;

/// Trimmed string value (trailing spaces and NULs removed), `None` if absent or empty.
pub(crate) fn string(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    let element = obj.get(tag)?;
    let text = element.to_str().ok()?;
    let trimmed = text.trim_matches(|c: char| c.is_whitespace() || c == '\0');
    if trimmed.is_empty() {
        None
    } else {
        Some(trimmed.to_owned())
    }
}

/// All values of a numeric attribute as `f64` (binary VRs or DS/IS text).
pub(crate) fn floats(obj: &InMemDicomObject, tag: Tag) -> Option<Vec<f64>> {
    let element = obj.get(tag)?;
    if let Ok(values) = element.to_multi_float64()
        && !values.is_empty()
        && values.iter().all(|v| v.is_finite())
    {
        return Some(values);
    }
    // Fall back to parsing text by hand (odd padding, backslash lists).
    let text = element.to_str().ok()?;
    let values: Option<Vec<f64>> = text
        .split('\\')
        .map(|part| {
            part.trim_matches(|c: char| c.is_whitespace() || c == '\0')
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
        })
        .collect();
    values.filter(|v| !v.is_empty())
}

/// First value of a numeric attribute as `f64`.
pub(crate) fn float(obj: &InMemDicomObject, tag: Tag) -> Option<f64> {
    floats(obj, tag)?.first().copied()
}

/// First value of an integer attribute; `None` if absent, non-integral or out of range.
pub(crate) fn int(obj: &InMemDicomObject, tag: Tag) -> Option<i64> {
    let value = float(obj, tag)?;
    if value.fract() == 0.0 && value.abs() < 9.0e15 {
        // In range of i64 and integral, so the cast is exact.
        #[allow(clippy::cast_possible_truncation)]
        Some(value as i64)
    } else {
        None
    }
}

/// First value of an unsigned integer attribute that must fit in `u32`.
pub(crate) fn uint(obj: &InMemDicomObject, tag: Tag) -> Option<u32> {
    int(obj, tag).and_then(|v| u32::try_from(v).ok())
}

/// First value as `u16`.
pub(crate) fn u16_value(obj: &InMemDicomObject, tag: Tag) -> Option<u16> {
    int(obj, tag).and_then(|v| u16::try_from(v).ok())
}

/// All values of an integer attribute (US/SS/UL/IS lists), skipping none.
pub(crate) fn ints(obj: &InMemDicomObject, tag: Tag) -> Option<Vec<i64>> {
    let values = floats(obj, tag)?;
    values
        .into_iter()
        .map(|v| {
            if v.fract() == 0.0 && v.abs() < 9.0e15 {
                #[allow(clippy::cast_possible_truncation)]
                Some(v as i64)
            } else {
                None
            }
        })
        .collect()
}

/// Raw 16-bit words of an OW/US element (LUT data), in native value order.
pub(crate) fn words(obj: &InMemDicomObject, tag: Tag) -> Option<Vec<u16>> {
    use dicom_core::value::{PrimitiveValue, Value};
    let element = obj.get(tag)?;
    match element.value() {
        Value::Primitive(PrimitiveValue::U16(values)) => Some(values.to_vec()),
        Value::Primitive(PrimitiveValue::I16(values)) => Some(
            values
                .iter()
                .map(|v| u16::from_ne_bytes(v.to_ne_bytes()))
                .collect(),
        ),
        Value::Primitive(PrimitiveValue::U8(bytes)) => Some(
            bytes
                .chunks_exact(2)
                .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
                .collect(),
        ),
        Value::Primitive(other) => {
            // Implicit VR files sometimes carry LUT data typed as OB or UN.
            let bytes = other.to_bytes();
            Some(
                bytes
                    .chunks_exact(2)
                    .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
                    .collect(),
            )
        }
        _ => None,
    }
}
