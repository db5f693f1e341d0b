//! Reading database: folder import, roles and blinding, drafts, signing through the store.

#![allow(clippy::unwrap_used)] // tests may unwrap (COMMON.md)

mod store_fixture;

use echolab::measure::FindingValue;
use echolab::report::{ReportMeasurement, ReportStatus, SignatureMeaning, Visit};
use echolab::signing::verify_report;
use echolab::store::{ImportOptions, SaveOutcome, StoreError, WorkStatus};
use store_fixture::{STUDY1, STUDY2, creds, session, setup, t0};

fn measurement(id: &str, value: f64) -> ReportMeasurement {
    ReportMeasurement {
        id: id.to_owned(),
        quantity: "mr_vc_width".to_owned(),
        draw_kind: echolab::measure::DrawKind::Caliper,
        value: Some(value),
        unit: Some("cm".to_owned()),
        geometry: None,
    }
}

#[test]
fn import_registers_studies_files_and_visits() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = setup(dir.path(), &dir.path().join("db.sqlite3"));
    let b = session(&mut s, "boss");
    let view = s.study_view(&b, STUDY1).unwrap();
    assert_eq!(view.files.len(), 2);
    assert!(view.files.iter().all(|f| f.file_sha256.len() == 64));
    // The SOP class is recorded so exports can reference the image without the file.
    assert!(
        view.files.iter().all(|f| f
            .sop_class_uid
            .as_deref()
            .is_some_and(|c| c.starts_with("1.2.840.10008.5.1.4.1.1."))),
        "{:?}",
        view.files
    );
    assert_eq!(view.visit, Some(Visit::Baseline));
    assert_eq!(view.subject_id.as_deref(), Some("S-001"));
    assert_eq!(view.site_name.as_deref(), Some("Klinikum Nord"));
    assert!(!view.blinded);
    // Re-importing is idempotent; a user-given visit overrides the header.
    let again = s
        .import_folder(
            "boss",
            &dir.path().join("dicom/b"),
            &ImportOptions {
                visit: Some(Visit::Month12),
                ..ImportOptions::default()
            },
            t0(),
        )
        .unwrap();
    assert_eq!(again.studies[0].files_added, 0);
    assert_eq!(again.studies[0].files_known, 1);
    assert_eq!(
        s.study_view(&b, STUDY2).unwrap().visit,
        Some(Visit::Month12)
    );
    let history = s.record_history(STUDY2).unwrap();
    assert_eq!(history.len(), 2, "create + visit change");
    assert_eq!(history[1].action, "modify");
    // The text file next to the DICOM files is skipped, not an error.
    let full = s
        .import_folder(
            "boss",
            &dir.path().join("dicom"),
            &ImportOptions::default(),
            t0(),
        )
        .unwrap();
    assert_eq!(full.skipped.len(), 1);
    assert!(full.skipped[0].0.ends_with("notes.txt"));
}

#[test]
fn readers_are_blinded_and_admins_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = setup(dir.path(), &dir.path().join("db.sqlite3"));
    let r1 = session(&mut store, "r1");
    let view = store.study_view(&r1, STUDY2).unwrap();
    assert!(view.blinded);
    assert_eq!(view.visit, None);
    assert_eq!(view.study_date, None);
    assert_eq!(view.site_name, None, "site names blinded by default");
    let list = store.worklist(&r1).unwrap();
    assert_eq!(list.len(), 2);
    assert!(
        list.iter()
            .all(|w| w.visit.is_none() && w.site_name.is_none())
    );
    assert!(list.iter().all(|w| w.status == WorkStatus::ToRead));
    // A reader's new draft carries no visit; an admin's does.
    let d = store.start_read(&r1, STUDY2, t0()).unwrap();
    assert_eq!(d.visit, None);
    assert_eq!(d.study.as_ref().unwrap().images.len(), 1);
    let boss = session(&mut store, "boss");
    let view = store.study_view(&boss, STUDY2).unwrap();
    assert_eq!(view.visit, Some(Visit::Month6));
    // The trial may allow site names.
    store
        .upsert_trial("boss", "TRIAL-A", "Trial A", Some("ptma"), false, t0())
        .unwrap();
    assert_eq!(
        store.study_view(&r1, STUDY2).unwrap().site_name.as_deref(),
        Some("Klinikum Nord")
    );
    // Treatment arm never reaches a reader.
    store
        .upsert_subject(
            "boss",
            "S-001",
            Some("TRIAL-A"),
            Some("SITE-7"),
            Some("device"),
            t0(),
        )
        .unwrap();
    assert_eq!(store.study_view(&r1, STUDY2).unwrap().treatment_arm, None);
    let h = store.record_history("subject:S-001").unwrap();
    assert_eq!(h.last().unwrap().action, "modify");
    assert!(
        h.last()
            .unwrap()
            .old_value
            .as_deref()
            .unwrap()
            .contains("\"treatment_arm\":null")
    );
    assert!(
        h.last()
            .unwrap()
            .new_value
            .as_deref()
            .unwrap()
            .contains("device")
    );
    assert_eq!(
        store
            .study_view(&boss, STUDY2)
            .unwrap()
            .treatment_arm
            .as_deref(),
        Some("device")
    );
    // Unassigned studies are not visible at all to readers.
    let adj = session(&mut store, "adj");
    assert!(matches!(
        store.study_view(&adj, STUDY1),
        Err(StoreError::AccessDenied(_))
    ));
}

#[test]
fn reader_cannot_open_another_readers_unsigned_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = setup(dir.path(), &dir.path().join("db.sqlite3"));
    let r1 = session(&mut store, "r1");
    let r2 = session(&mut store, "r2");
    let adj = session(&mut store, "adj");
    let boss = session(&mut store, "boss");
    let mut d1 = store.start_read(&r1, STUDY1, t0()).unwrap();
    d1.measurements.push(measurement("m1", 0.7));
    store.save_draft(&r1, &d1, t0()).unwrap();
    let d2 = store.start_read(&r2, STUDY1, t0()).unwrap();

    // Unsigned: only the owner (and the admin) can open it.
    assert!(matches!(
        store.open_read(&r2, &d1.report_id),
        Err(StoreError::AccessDenied(_))
    ));
    assert!(matches!(
        store.open_read(&adj, &d1.report_id),
        Err(StoreError::AccessDenied(_))
    ));
    assert!(store.open_read(&r1, &d1.report_id).is_ok());
    assert!(store.open_read(&boss, &d1.report_id).is_ok());
    // r2 cannot save over r1's draft either.
    assert!(matches!(
        store.save_draft(&r2, &d1, t0()),
        Err(StoreError::AccessDenied(_))
    ));
    let visible: Vec<String> = store
        .reads_visible_to(&r2)
        .unwrap()
        .into_iter()
        .map(|r| r.read_id)
        .collect();
    assert_eq!(visible, vec![d2.report_id.clone()]);

    // r1 signs: the adjudicator now sees it; r2 still does not (r2 has not signed).
    store
        .sign_read(
            &r1,
            &d1.report_id,
            &creds("r1"),
            SignatureMeaning::Authorship,
            t0(),
        )
        .unwrap();
    let opened = store.open_read(&adj, &d1.report_id).unwrap();
    assert_eq!(opened.summary.status, ReportStatus::Signed);
    assert!(verify_report(&opened.report).is_intact());
    assert!(matches!(
        store.open_read(&r2, &d1.report_id),
        Err(StoreError::AccessDenied(_))
    ));
    // After r2 signs their own read of the study, r1's signed read becomes visible to r2.
    store
        .sign_read(
            &r2,
            &d2.report_id,
            &creds("r2"),
            SignatureMeaning::Authorship,
            t0(),
        )
        .unwrap();
    assert!(store.open_read(&r2, &d1.report_id).is_ok());
    // Others never see an amendment draft, only the signed version.
    let amend = store.amend_read(&r1, &d1.report_id, t0()).unwrap();
    assert_eq!(amend.version, 2);
    let seen = store.open_read(&adj, &d1.report_id).unwrap();
    assert_eq!(seen.report.version, 1);
    assert!(
        seen.versions
            .iter()
            .all(|v| v.status != ReportStatus::Draft)
    );
    assert_eq!(
        store.open_read(&r1, &d1.report_id).unwrap().report.version,
        2
    );
    assert!(matches!(
        store.read_history(&adj, &d1.report_id),
        Err(StoreError::AccessDenied(_))
    ));
    assert!(!store.read_history(&r1, &d1.report_id).unwrap().is_empty());
    let wl = store.worklist(&r1).unwrap();
    let w1 = wl.iter().find(|w| w.study_uid == STUDY1).unwrap();
    assert_eq!(w1.status, WorkStatus::Amending);
}

#[test]
fn drafts_save_with_field_level_audit_and_lock_when_signed() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = setup(dir.path(), &dir.path().join("db.sqlite3"));
    let r1 = session(&mut store, "r1");
    let mut d = store.start_read(&r1, STUDY1, t0()).unwrap();
    assert_eq!(
        store.save_draft(&r1, &d, t0()).unwrap(),
        SaveOutcome::Unchanged
    );
    d.measurements.push(measurement("m1", 0.5));
    d.findings
        .insert("mr_etiology".into(), FindingValue::Choice("primary".into()));
    assert_eq!(
        store.save_draft(&r1, &d, t0()).unwrap(),
        SaveOutcome::Saved { changes: 2 }
    );
    d.measurements[0].value = Some(0.55);
    store.save_draft(&r1, &d, t0()).unwrap();
    let history = store.read_history(&r1, &d.report_id).unwrap();
    let m1: Vec<_> = history
        .iter()
        .filter(|e| e.entity_id.ends_with("/measurement/m1"))
        .collect();
    assert_eq!(m1.len(), 2);
    assert_eq!(m1[1].action, "modify");
    assert!(m1[1].old_value.as_deref().unwrap().contains("0.5"));
    assert!(m1[1].new_value.as_deref().unwrap().contains("0.55"));
    assert!(
        m1.iter()
            .all(|e| e.actor == "r1" && e.engine_build.starts_with("echolab "))
    );

    // Blinded readers cannot put a visit into their report.
    let mut peek = d.clone();
    peek.visit = Some(Visit::Baseline);
    assert!(matches!(
        store.save_draft(&r1, &peek, t0()),
        Err(StoreError::AccessDenied(_))
    ));

    // Signing requires the signed-in reader's own id.
    assert!(matches!(
        store.sign_read(
            &r1,
            &d.report_id,
            &creds("r2"),
            SignatureMeaning::Authorship,
            t0()
        ),
        Err(StoreError::AccessDenied(_))
    ));
    let signed = store
        .sign_read(
            &r1,
            &d.report_id,
            &creds("r1"),
            SignatureMeaning::Authorship,
            t0(),
        )
        .unwrap();
    assert_eq!(signed.measurements[0].value, Some(0.55));
    // Locked: saving the old draft again fails, and the table refuses direct edits.
    assert!(matches!(
        store.save_draft(&r1, &d, t0()),
        Err(StoreError::Conflict(_))
    ));
    let err = store
        .connection()
        .execute(
            "UPDATE read_versions SET report_json = '{}' WHERE read_id = ?1",
            [&d.report_id],
        )
        .unwrap_err();
    assert!(err.to_string().contains("locked"), "{err}");
    assert!(
        store
            .connection()
            .execute(
                "DELETE FROM read_versions WHERE read_id = ?1",
                [&d.report_id]
            )
            .is_err()
    );
}
