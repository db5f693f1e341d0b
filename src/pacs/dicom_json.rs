//! Reading QIDO-RS answers: the DICOM JSON model (PS3.18 F.2), through the one strict JSON
//! reader. Only the attributes a study list and a retrieval check need are read.

use serde_json::Value;

use super::{InstanceRef, StudyMatch};
use crate::dicom::uid::validate_uid;

/// The array of result objects of a QIDO-RS answer (an empty body is no match).
pub(crate) fn results(body: &[u8]) -> Result<Vec<Value>, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Vec::new());
    }
    match crate::json::value_from_slice(body).map_err(|e| e.to_string())? {
        Value::Array(items) => {
            if let Some(i) = items.iter().position(|v| !v.is_object()) {
                return Err(format!("result {i} is not a DICOM JSON object"));
            }
            Ok(items)
        }
        _ => Err("expected a JSON array of DICOM JSON objects".to_owned()),
    }
}

/// The first value of attribute `tag` (8 hex digits) as text: strings, numbers, or a person
/// name's alphabetic group.
fn text(obj: &Value, tag: &str) -> Option<String> {
    let v = obj.get(tag)?.get("Value")?.as_array()?.first()?;
    let s = match v {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        Value::Object(pn) => pn.get("Alphabetic")?.as_str()?.trim().to_owned(),
        _ => return None,
    };
    (!s.is_empty()).then_some(s)
}

fn texts(obj: &Value, tag: &str) -> Vec<String> {
    obj.get(tag)
        .and_then(|a| a.get("Value"))
        .and_then(Value::as_array)
        .map(|vs| {
            vs.iter()
                .filter_map(|v| v.as_str().map(|s| s.trim().to_owned()))
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

fn uid(obj: &Value, tag: &str, what: &str, i: usize) -> Result<String, String> {
    let u = text(obj, tag).ok_or_else(|| format!("result {i} has no {what}"))?;
    validate_uid(&u).map_err(|e| format!("result {i}: invalid {what}: {e}"))?;
    Ok(u)
}

/// Study-level results.
pub(crate) fn studies(body: &[u8]) -> Result<Vec<StudyMatch>, String> {
    results(body)?
        .iter()
        .enumerate()
        .map(|(i, o)| {
            Ok(StudyMatch {
                study_uid: uid(o, "0020000D", "Study Instance UID", i)?,
                patient_id: text(o, "00100020"),
                study_date: text(o, "00080020"),
                accession: text(o, "00080050"),
                description: text(o, "00081030"),
                modalities: texts(o, "00080061"),
                instances: text(o, "00201208").and_then(|n| n.parse().ok()),
            })
        })
        .collect()
}

/// Instance-level results of one study.
pub(crate) fn instances(body: &[u8]) -> Result<Vec<InstanceRef>, String> {
    results(body)?
        .iter()
        .enumerate()
        .map(|(i, o)| {
            Ok(InstanceRef {
                series_uid: uid(o, "0020000E", "Series Instance UID", i)?,
                sop_instance_uid: uid(o, "00080018", "SOP Instance UID", i)?,
                sop_class_uid: text(o, "00080016"),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{instances, studies};

    #[test]
    fn reads_a_study_result() {
        let body = br#"[{"0020000D":{"vr":"UI","Value":["1.2.3"]},
            "00100020":{"vr":"LO","Value":["P1"]},
            "00080061":{"vr":"CS","Value":["US","SR"]},
            "00201208":{"vr":"IS","Value":[12]},
            "00100010":{"vr":"PN","Value":[{"Alphabetic":"Doe^J"}]}}]"#;
        let s = studies(body).unwrap();
        assert_eq!(s[0].study_uid, "1.2.3");
        assert_eq!(s[0].modalities, ["US", "SR"]);
        assert_eq!(s[0].instances, Some(12));
        assert!(studies(b"").unwrap().is_empty());
    }

    #[test]
    fn malformed_answers_are_errors() {
        assert!(studies(b"{").is_err());
        assert!(studies(br#"{"a":1}"#).is_err());
        assert!(studies(br#"[1]"#).is_err());
        assert!(studies(br#"[{"0020000D":{"vr":"UI","Value":["../../etc"]}}]"#).is_err());
        assert!(instances(br#"[{"0020000E":{"vr":"UI","Value":["1.2"]}}]"#).is_err());
    }
}
