//! Field-level differences between two versions of a report, as audit entries: one entry per
//! created, changed or deleted measurement, derived value, finding, grade or report field.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};

use crate::audit::{AuditAction, EntityType, NewAuditEntry};
use crate::report::{GradeSection, ReadingReport};

fn to_json<T: Serialize>(t: &T) -> Value {
    serde_json::to_value(t).unwrap_or(Value::Null)
}

/// `id@version` of a grade's rule set.
pub(crate) fn ruleset_label(g: &GradeSection) -> String {
    g.ruleset_label()
}

fn entry(
    actor: &str,
    entity_type: EntityType,
    entity_id: String,
    old: Option<Value>,
    new: Option<Value>,
    ruleset: Option<String>,
) -> NewAuditEntry {
    let action = match (&old, &new) {
        (None, _) => AuditAction::Create,
        (_, None) => AuditAction::Delete,
        _ => AuditAction::Modify,
    };
    NewAuditEntry {
        actor: actor.to_owned(),
        entity_type,
        entity_id,
        action,
        old_value: old,
        new_value: new,
        ruleset,
    }
}

fn diff_maps(
    actor: &str,
    entity_type: EntityType,
    prefix: &str,
    old: &BTreeMap<String, Value>,
    new: &BTreeMap<String, Value>,
    ruleset: &Option<String>,
    out: &mut Vec<NewAuditEntry>,
) {
    for (k, o) in old {
        match new.get(k) {
            None => out.push(entry(
                actor,
                entity_type,
                format!("{prefix}/{k}"),
                Some(o.clone()),
                None,
                ruleset.clone(),
            )),
            Some(n) if n != o => out.push(entry(
                actor,
                entity_type,
                format!("{prefix}/{k}"),
                Some(o.clone()),
                Some(n.clone()),
                ruleset.clone(),
            )),
            Some(_) => {}
        }
    }
    for (k, n) in new {
        if !old.contains_key(k) {
            out.push(entry(
                actor,
                entity_type,
                format!("{prefix}/{k}"),
                None,
                Some(n.clone()),
                ruleset.clone(),
            ));
        }
    }
}

/// Audit entries describing how `new` differs from `old` (`old = None`: everything is new).
/// Entity ids: `READ/measurement/ID`, `READ/derived/ID`, `READ/finding/ID`, `READ/grade`,
/// `READ/FIELD` for the other report fields.
pub(crate) fn report_changes(
    actor: &str,
    old: Option<&ReadingReport>,
    new: &ReadingReport,
) -> Vec<NewAuditEntry> {
    let read = &new.report_id;
    let ruleset = new.grade.as_ref().map(ruleset_label);
    let mut out = Vec::new();
    let measurements = |r: Option<&ReadingReport>| -> BTreeMap<String, Value> {
        r.map(|r| {
            r.measurements
                .iter()
                .map(|m| (m.id.clone(), to_json(m)))
                .collect()
        })
        .unwrap_or_default()
    };
    diff_maps(
        actor,
        EntityType::Measurement,
        &format!("{read}/measurement"),
        &measurements(old),
        &measurements(Some(new)),
        &ruleset,
        &mut out,
    );
    let derived = |r: Option<&ReadingReport>| -> BTreeMap<String, Value> {
        r.map(|r| {
            r.derived
                .iter()
                .map(|(k, v)| (k.clone(), to_json(v)))
                .collect()
        })
        .unwrap_or_default()
    };
    diff_maps(
        actor,
        EntityType::Measurement,
        &format!("{read}/derived"),
        &derived(old),
        &derived(Some(new)),
        &ruleset,
        &mut out,
    );
    let findings = |r: Option<&ReadingReport>| -> BTreeMap<String, Value> {
        r.map(|r| {
            r.findings
                .iter()
                .map(|(k, v)| (k.clone(), to_json(v)))
                .collect()
        })
        .unwrap_or_default()
    };
    diff_maps(
        actor,
        EntityType::Finding,
        &format!("{read}/finding"),
        &findings(old),
        &findings(Some(new)),
        &ruleset,
        &mut out,
    );
    let old_grade = old.and_then(|o| o.grade.as_ref()).map(to_json);
    let new_grade = new.grade.as_ref().map(to_json);
    if old_grade != new_grade {
        let rs = new
            .grade
            .as_ref()
            .or(old.and_then(|o| o.grade.as_ref()))
            .map(ruleset_label);
        out.push(entry(
            actor,
            EntityType::Grade,
            format!("{read}/grade"),
            old_grade,
            new_grade,
            rs,
        ));
    }
    let fields = |r: &ReadingReport| -> BTreeMap<String, Value> {
        BTreeMap::from([
            ("comment".to_owned(), json!(r.comment)),
            ("visit".to_owned(), to_json(&r.visit)),
            ("subject_id".to_owned(), json!(r.subject_id)),
            ("study".to_owned(), to_json(&r.study)),
        ])
    };
    if let Some(o) = old {
        let (of, nf) = (fields(o), fields(new));
        for (k, nv) in &nf {
            let ov = of.get(k).cloned().unwrap_or(Value::Null);
            if &ov != nv {
                out.push(NewAuditEntry {
                    actor: actor.to_owned(),
                    entity_type: EntityType::Report,
                    entity_id: format!("{read}/{k}"),
                    action: AuditAction::Modify,
                    old_value: Some(ov),
                    new_value: Some(nv.clone()),
                    ruleset: None,
                });
            }
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::measure::FindingValue;
    use crate::report::ReportMeasurement;

    fn m(id: &str, v: f64) -> ReportMeasurement {
        ReportMeasurement {
            id: id.to_owned(),
            quantity: "mr_vc_width".to_owned(),
            draw_kind: crate::measure::DrawKind::ManualEntry,
            value: Some(v),
            unit: Some("cm".to_owned()),
            geometry: None,
        }
    }

    #[test]
    fn one_entry_per_changed_item() {
        let mut a = ReadingReport::new_draft("r", "2026-01-01T00:00:00Z");
        a.measurements = vec![m("m1", 0.5), m("m2", 0.3)];
        a.findings.insert("flail".into(), FindingValue::Bool(false));
        let mut b = a.clone();
        b.measurements = vec![m("m1", 0.6), m("m3", 0.1)];
        b.findings.insert("flail".into(), FindingValue::Bool(true));
        b.comment = "x".into();
        let e = report_changes("u", Some(&a), &b);
        let ids: Vec<(&str, &str)> = e
            .iter()
            .map(|e| (e.entity_id.as_str(), e.action.code()))
            .collect();
        assert_eq!(
            ids,
            vec![
                ("r/measurement/m1", "modify"),
                ("r/measurement/m2", "delete"),
                ("r/measurement/m3", "create"),
                ("r/finding/flail", "modify"),
                ("r/comment", "modify"),
            ]
        );
        assert!(report_changes("u", Some(&b), &b).is_empty());
    }
}
