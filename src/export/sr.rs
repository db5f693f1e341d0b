//! DICOM Comprehensive SR (1.2.840.10008.5.1.4.1.1.88.33) following TID 5200 "Echocardiography
//! Procedure Report", written with dicom-object.
//!
//! Content tree (codes of reference §7.1/§7.3, see `sr_codes`):
//!
//! ```text
//! CONTAINER Adult Echocardiography Procedure Report (TID 5200, DCMR)
//!  HAS CONCEPT MOD  CODE Language = English
//!  HAS OBS CONTEXT  CODE Observer Type = Person; PNAME Person Observer Name = signer
//!  CONTAINS CONTAINER Image Library > IMAGE (every image of the study)
//!  CONTAINS CONTAINER Findings (one per section: Mitral Valve, Left Ventricle, Left atrium)
//!    HAS CONCEPT MOD CODE Finding Site = section
//!    CONTAINS CONTAINER Measurement Group
//!      CONTAINS NUM <concept> (+ Flow Direction = Regurgitant Flow, Method, Finding Site)
//!        INFERRED FROM SCOORD (the drawn points, image pixels) > SELECTED FROM IMAGE (frame)
//!    CONTAINS CODE Severity = MR grade; TEXT Finding = grade, criteria, eligibility
//! ```
//!
//! The header copies patient and study fields from the measured image when it is found (so a
//! PACS files the SR with its study), lists every referenced image in the Current Requested
//! Procedure Evidence Sequence, and carries the Part 11 signature as the verifying observer
//! (name, date-time) with Verification Flag `VERIFIED`. SR UIDs derive from the signed record's
//! hash, so exporting the same report twice gives the same object.

use std::collections::BTreeMap;

use dicom_core::VR;
use dicom_dictionary_std::{tags, uids};
use dicom_object::InMemDicomObject;
use dicom_object::meta::FileMetaTableBuilder;
use sha2::{Digest, Sha256};

use super::deident::{self, Deidentifier};
use super::images::{ImageIndex, StudyHeader};
use super::sheet::grade_lines;
use super::sr_codes::{self as codes, Section};
use super::sr_tree::{Item, Rel, code_item, el_seq, el_str, sop_ref};
use crate::compare::{ValueSource, all_values};
use crate::report::ReadingReport;

/// A referenced image: (SOP class, SOP instance, series), all original UIDs.
#[derive(Debug, Clone)]
struct ImageInfo {
    sop_class: String,
    series: String,
    frames: u32,
}

/// Text for the data set: symbols spelled out in ASCII (`≥` → `>=`, `²` → `2`, `→` → `->`);
/// letters outside ASCII (accented names) are kept and select the character set.
fn sr_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '≥' => out.push_str(">="),
            '≤' => out.push_str("<="),
            '→' => out.push_str("->"),
            '←' => out.push_str("<-"),
            '²' => out.push('2'),
            '³' => out.push('3'),
            '°' => out.push_str(" deg"),
            'α' => out.push_str("alpha"),
            'π' => out.push_str("pi"),
            '·' | '×' => out.push('*'),
            '—' | '–' => out.push('-'),
            'Δ' => out.push_str("delta "),
            '\u{2018}' | '\u{2019}' => out.push('\''),
            '\u{201c}' | '\u{201d}' => out.push('"'),
            c => out.push(c),
        }
    }
    out
}

/// The Specific Character Set for `texts`: none for ASCII, ISO_IR 100 for Latin-1, else
/// ISO_IR 192 (UTF-8).
fn charset<'a>(texts: impl IntoIterator<Item = &'a str>) -> Option<&'static str> {
    let mut latin1 = true;
    let mut ascii = true;
    for t in texts {
        for c in t.chars() {
            ascii &= c.is_ascii();
            latin1 &= (c as u32) < 0x100;
        }
    }
    if ascii {
        None
    } else if latin1 {
        Some("ISO_IR 100")
    } else {
        Some("ISO_IR 192")
    }
}

/// A printed name as a DICOM PN: the last word is the family name (`Reader^Dr Ada`).
fn person_name(printed: &str) -> String {
    let t = sr_text(printed.trim()).replace('^', " ");
    match t.rsplit_once(' ') {
        Some((given, family)) => format!("{}^{}", family.trim(), given.trim()),
        None => t,
    }
}

fn hashed_uid(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update(b"\n");
    }
    let d = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    format!("2.25.{}", u128::from_be_bytes(b))
}

/// `2026-05-01T14:03:27Z` → (`20260501`, `140327`).
fn da_tm(utc: &str) -> (String, String) {
    let digits: String = utc.chars().filter(char::is_ascii_digit).collect();
    let (d, t) = digits.split_at(digits.len().min(8));
    (d.to_owned(), t.chars().take(6).collect())
}

fn points_of(points_px: &[[f64; 2]]) -> Vec<f32> {
    points_px
        .iter()
        .flat_map(|p| [p[0] as f32, p[1] as f32])
        .collect()
}

/// Encodes `report` as a Comprehensive SR file. Returns the file bytes and notes (images not
/// found, values without a standard concept).
pub fn comprehensive_sr(
    report: &ReadingReport,
    deid: Option<&Deidentifier>,
    index: &mut ImageIndex,
) -> Result<(Vec<u8>, Vec<String>), String> {
    let mut notes = Vec::new();
    let sig = report
        .signature
        .as_ref()
        .ok_or_else(|| "the report is not signed".to_owned())?;
    let map_uid = |u: &str| deid.map_or_else(|| u.to_owned(), |d| d.uid(u));
    let record = crate::signing::record_sha256(report).map_err(|e| e.to_string())?;
    let salt = deid.map_or("", |d| d.trial_id());

    // Referenced images (original UIDs), with SOP class from the file when found.
    let mut images: BTreeMap<String, ImageInfo> = BTreeMap::new();
    let mut header: Option<StudyHeader> = None;
    let mut wanted: Vec<(String, Option<String>, Option<String>)> = Vec::new();
    if let Some(study) = &report.study {
        for i in &study.images {
            wanted.push((
                i.sop_instance_uid.clone(),
                Some(i.series_instance_uid.clone()),
                None,
            ));
        }
    }
    for m in &report.measurements {
        if let Some(g) = &m.geometry
            && let Some(sop) = &g.sop_instance_uid
        {
            wanted.push((sop.clone(), None, g.source_file.clone()));
        }
    }
    for (sop, series, source) in wanted {
        if images.contains_key(&sop) {
            continue;
        }
        let found = index.find(&sop, source.as_deref());
        if header.is_none() {
            header = found.as_ref().map(|f| f.header.clone());
        }
        let info = match found {
            Some(f) => ImageInfo {
                sop_class: f.sop_class_uid,
                series: series.unwrap_or(f.series_instance_uid),
                frames: f.number_of_frames,
            },
            None => {
                let recorded = report.study.as_ref().and_then(|s| {
                    s.images
                        .iter()
                        .find(|i| i.sop_instance_uid == sop)
                        .and_then(|i| i.sop_class_uid.clone())
                });
                if recorded.is_none() {
                    notes.push(format!(
                        "image {sop} not found: SOP class assumed Ultrasound Multi-frame Image \
                         Storage"
                    ));
                }
                // Without the file the frame count is unknown: a single-frame class references
                // no frame, anything else references the measured frame.
                let frames = match recorded.as_deref() {
                    Some(c) if codes::SINGLE_FRAME_CLASSES.contains(&c) => 1,
                    _ => 2,
                };
                ImageInfo {
                    sop_class: recorded.unwrap_or_else(|| codes::US_MULTIFRAME.to_owned()),
                    series: series.unwrap_or_else(|| hashed_uid(&["series-of", &sop])),
                    frames,
                }
            }
        };
        images.insert(sop, info);
    }
    let study_uid = match &report.study {
        Some(s) => s.study_instance_uid.clone(),
        None => {
            notes.push("the report names no study: a new Study Instance UID was made".to_owned());
            hashed_uid(&["study", &record])
        }
    };

    // Content tree.
    let image_item = |rel: Rel, sop: &str, frame: Option<u32>| {
        let info = images.get(sop);
        Item::Image {
            rel,
            sop_class: info
                .map_or_else(|| codes::US_MULTIFRAME.to_owned(), |i| i.sop_class.clone()),
            sop_instance: map_uid(sop),
            frame,
        }
    };
    let mut root_children = vec![
        Item::Code {
            rel: Rel::HasConceptMod,
            concept: codes::LANGUAGE,
            value: codes::ENGLISH,
        },
        Item::Code {
            rel: Rel::HasObsContext,
            concept: codes::OBSERVER_TYPE,
            value: codes::PERSON,
        },
        Item::PName {
            rel: Rel::HasObsContext,
            concept: codes::PERSON_OBSERVER_NAME,
            name: person_name(&sig.printed_name),
        },
    ];
    if !images.is_empty() {
        root_children.push(Item::Container {
            rel: Rel::Contains,
            concept: codes::IMAGE_LIBRARY,
            children: images
                .keys()
                .map(|sop| image_item(Rel::Contains, sop, None))
                .collect(),
        });
    }
    let mut sections: BTreeMap<Section, Vec<Item>> = BTreeMap::new();
    for (id, v) in all_values(report) {
        let Some(concept) = codes::concept(&id) else {
            continue;
        };
        let method = match &v.source {
            ValueSource::Derived { method } => method.as_deref(),
            ValueSource::Measured { .. } => None,
        };
        let mut children = Vec::new();
        if let Some(site) = concept.site {
            children.push(Item::Code {
                rel: Rel::HasConceptMod,
                concept: codes::FINDING_SITE,
                value: site,
            });
        }
        if concept.regurgitant {
            children.push(Item::Code {
                rel: Rel::HasConceptMod,
                concept: codes::FLOW_DIRECTION,
                value: codes::REGURGITANT_FLOW,
            });
        }
        if let Some(m) = codes::method_code(&id, method) {
            children.push(Item::Code {
                rel: Rel::HasConceptMod,
                concept: codes::MEASUREMENT_METHOD,
                value: m,
            });
        }
        for m in report.measurements.iter().filter(|m| m.quantity == id) {
            let Some(g) = &m.geometry else { continue };
            let Some(sop) = &g.sop_instance_uid else {
                continue;
            };
            if g.points_px.is_empty() {
                continue;
            }
            // Referenced Frame Number only for multi-frame images.
            let multi = images.get(sop).is_some_and(|i| i.frames > 1);
            children.push(Item::Scoord {
                rel: Rel::InferredFrom,
                graphic_type: if g.points_px.len() == 1 {
                    "POINT"
                } else {
                    "POLYLINE"
                },
                points: points_of(&g.points_px),
                children: vec![image_item(
                    Rel::SelectedFrom,
                    sop,
                    g.frame.filter(|_| multi).map(|f| f as u32 + 1),
                )],
            });
        }
        sections
            .entry(concept.section)
            .or_default()
            .push(Item::Num {
                rel: Rel::Contains,
                concept: concept.name,
                value: v.value,
                unit: codes::ucum(v.unit),
                children,
            });
    }
    let grade = report.grade.as_ref().map(|g| g.result.grade);
    for section in Section::ALL {
        let nums = sections.remove(&section).unwrap_or_default();
        let is_mv = section == Section::MitralValve;
        if nums.is_empty() && !(is_mv && grade.is_some()) {
            continue;
        }
        let mut children = vec![Item::Code {
            rel: Rel::HasConceptMod,
            concept: codes::FINDING_SITE,
            value: section.site(),
        }];
        if !nums.is_empty() {
            children.push(Item::Container {
                rel: Rel::Contains,
                concept: codes::MEASUREMENT_GROUP,
                children: nums,
            });
        }
        if is_mv && let Some(g) = grade {
            if let Some(code) = codes::severity_code(g) {
                children.push(Item::Code {
                    rel: Rel::Contains,
                    concept: codes::SEVERITY,
                    value: code,
                });
            }
            children.push(Item::Text {
                rel: Rel::Contains,
                concept: codes::FINDING,
                text: sr_text(&format!(
                    "Mitral regurgitation grade: {}",
                    grade_lines(report).join("\n")
                )),
            });
        }
        root_children.push(Item::Container {
            rel: Rel::Contains,
            concept: codes::FINDINGS,
            children,
        });
    }

    // Header.
    let (date, time) = da_tm(&sig.signed_at_utc);
    let (dt_date, dt_time) = (date.clone(), time.clone());
    let subject = report.subject_id.clone().unwrap_or_default();
    let h = match (deid, header) {
        // Basic profile with the full-dates option: identity removed, study date/time kept.
        (Some(d), found) => StudyHeader {
            patient_name: format!("{}^", d.subject(report.subject_id.as_deref())),
            patient_id: d.subject(report.subject_id.as_deref()),
            study_date: found
                .as_ref()
                .map(|h| h.study_date.clone())
                .unwrap_or_default(),
            study_time: found.map(|h| h.study_time).unwrap_or_default(),
            ..StudyHeader::default()
        },
        (None, Some(h)) => h,
        (None, None) => StudyHeader {
            patient_id: subject.clone(),
            ..StudyHeader::default()
        },
    };
    let sop_instance = hashed_uid(&["sr-instance", &record, salt]);
    let series_uid = hashed_uid(&["sr-series", &record, salt]);
    let mut obj = InMemDicomObject::new_empty();
    let s = |o: &mut InMemDicomObject, tag, vr, v: &str| {
        o.put(el_str(tag, vr, v));
    };
    let texts = [
        h.patient_name.as_str(),
        h.referring_physician.as_str(),
        sig.printed_name.as_str(),
    ];
    let grade_text = sr_text(&grade_lines(report).join("\n"));
    if let Some(cs) = charset(texts.into_iter().chain([grade_text.as_str()])) {
        s(&mut obj, tags::SPECIFIC_CHARACTER_SET, VR::CS, cs);
    }
    s(
        &mut obj,
        tags::SOP_CLASS_UID,
        VR::UI,
        codes::COMPREHENSIVE_SR,
    );
    s(&mut obj, tags::SOP_INSTANCE_UID, VR::UI, &sop_instance);
    s(&mut obj, tags::INSTANCE_CREATION_DATE, VR::DA, &date);
    s(&mut obj, tags::INSTANCE_CREATION_TIME, VR::TM, &time);
    // Patient
    s(&mut obj, tags::PATIENT_NAME, VR::PN, &h.patient_name);
    s(&mut obj, tags::PATIENT_ID, VR::LO, &h.patient_id);
    s(&mut obj, tags::PATIENT_BIRTH_DATE, VR::DA, &h.birth_date);
    s(&mut obj, tags::PATIENT_SEX, VR::CS, &h.sex);
    // General Study
    s(
        &mut obj,
        tags::STUDY_INSTANCE_UID,
        VR::UI,
        &map_uid(&study_uid),
    );
    s(&mut obj, tags::STUDY_DATE, VR::DA, &h.study_date);
    s(&mut obj, tags::STUDY_TIME, VR::TM, &h.study_time);
    s(
        &mut obj,
        tags::REFERRING_PHYSICIAN_NAME,
        VR::PN,
        &h.referring_physician,
    );
    s(&mut obj, tags::STUDY_ID, VR::SH, &h.study_id);
    s(
        &mut obj,
        tags::ACCESSION_NUMBER,
        VR::SH,
        &h.accession_number,
    );
    // SR Document Series
    s(&mut obj, tags::MODALITY, VR::CS, "SR");
    s(&mut obj, tags::SERIES_INSTANCE_UID, VR::UI, &series_uid);
    s(&mut obj, tags::SERIES_NUMBER, VR::IS, "901");
    s(
        &mut obj,
        tags::SERIES_DESCRIPTION,
        VR::LO,
        "Echolab core-lab read",
    );
    obj.put(el_seq(
        tags::REFERENCED_PERFORMED_PROCEDURE_STEP_SEQUENCE,
        vec![],
    ));
    // General Equipment
    s(&mut obj, tags::MANUFACTURER, VR::LO, "Echolab");
    s(
        &mut obj,
        tags::SOFTWARE_VERSIONS,
        VR::LO,
        &crate::report::engine_build(),
    );
    // SR Document General
    s(&mut obj, tags::INSTANCE_NUMBER, VR::IS, "1");
    s(&mut obj, tags::COMPLETION_FLAG, VR::CS, "COMPLETE");
    s(&mut obj, tags::VERIFICATION_FLAG, VR::CS, "VERIFIED");
    s(&mut obj, tags::CONTENT_DATE, VR::DA, &date);
    s(&mut obj, tags::CONTENT_TIME, VR::TM, &time);
    let verifier = InMemDicomObject::from_element_iter([
        el_str(
            tags::VERIFYING_OBSERVER_NAME,
            VR::PN,
            &person_name(&sig.printed_name),
        ),
        el_seq(
            tags::VERIFYING_OBSERVER_IDENTIFICATION_CODE_SEQUENCE,
            vec![],
        ),
        el_str(tags::VERIFYING_ORGANIZATION, VR::LO, "Echolab core lab"),
        el_str(
            tags::VERIFICATION_DATE_TIME,
            VR::DT,
            &format!("{dt_date}{dt_time}+0000"),
        ),
    ]);
    obj.put(el_seq(tags::VERIFYING_OBSERVER_SEQUENCE, vec![verifier]));
    obj.put(el_seq(tags::PERFORMED_PROCEDURE_CODE_SEQUENCE, vec![]));
    if !images.is_empty() {
        let mut by_series: BTreeMap<&str, Vec<(&str, &str)>> = BTreeMap::new();
        for (sop, info) in &images {
            by_series
                .entry(info.series.as_str())
                .or_default()
                .push((info.sop_class.as_str(), sop.as_str()));
        }
        let series_items = by_series
            .into_iter()
            .map(|(series, sops)| {
                InMemDicomObject::from_element_iter([
                    el_str(tags::SERIES_INSTANCE_UID, VR::UI, &map_uid(series)),
                    el_seq(
                        tags::REFERENCED_SOP_SEQUENCE,
                        sops.into_iter()
                            .map(|(class, sop)| sop_ref(class, &map_uid(sop), None))
                            .collect(),
                    ),
                ])
            })
            .collect();
        let study_item = InMemDicomObject::from_element_iter([
            el_str(tags::STUDY_INSTANCE_UID, VR::UI, &map_uid(&study_uid)),
            el_seq(tags::REFERENCED_SERIES_SEQUENCE, series_items),
        ]);
        obj.put(el_seq(
            tags::CURRENT_REQUESTED_PROCEDURE_EVIDENCE_SEQUENCE,
            vec![study_item],
        ));
    }
    // SR Document Content (root)
    s(&mut obj, tags::VALUE_TYPE, VR::CS, "CONTAINER");
    obj.put(el_seq(
        tags::CONCEPT_NAME_CODE_SEQUENCE,
        vec![code_item(codes::ADULT_ECHO_REPORT)],
    ));
    s(&mut obj, tags::CONTINUITY_OF_CONTENT, VR::CS, "SEPARATE");
    obj.put(el_seq(
        tags::CONTENT_TEMPLATE_SEQUENCE,
        vec![InMemDicomObject::from_element_iter([
            el_str(tags::MAPPING_RESOURCE, VR::CS, "DCMR"),
            el_str(tags::TEMPLATE_IDENTIFIER, VR::CS, "5200"),
        ])],
    ));
    obj.put(el_seq(
        tags::CONTENT_SEQUENCE,
        root_children.iter().map(Item::to_dataset).collect(),
    ));
    if deid.is_some() {
        s(&mut obj, tags::PATIENT_IDENTITY_REMOVED, VR::CS, "YES");
        s(
            &mut obj,
            tags::DEIDENTIFICATION_METHOD,
            VR::LO,
            deident::METHOD_TEXT,
        );
        obj.put(el_seq(
            tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE,
            vec![
                code_item(deident::BASIC_PROFILE_CODE),
                code_item(deident::FULL_DATES_OPTION_CODE),
            ],
        ));
        s(
            &mut obj,
            tags::LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED,
            VR::CS,
            "UNMODIFIED",
        );
    }
    let file = obj
        .with_meta(
            FileMetaTableBuilder::new()
                .transfer_syntax(uids::EXPLICIT_VR_LITTLE_ENDIAN)
                .implementation_class_uid("2.25.140046355436437386366196575462158471226")
                .implementation_version_name("ECHOLAB"),
        )
        .map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    file.write_all(&mut bytes).map_err(|e| e.to_string())?;
    Ok((bytes, notes))
}
