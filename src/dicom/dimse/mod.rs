//! DICOM network client (DIMSE over the DICOM upper layer): C-ECHO, C-FIND (study and instance
//! level, Study Root) and C-GET of a whole study into Part-10 files.
//!
//! Blocking; one association per call. Every error is a [`DimseError`] whose message is one
//! line naming the peer ("PACS ORTHANC@127.0.0.1:4242: connection refused").
//!
//! # What is ours and what is dicom-rs's
//!
//! `dicom-ul` negotiates the association (presentation contexts, SCP/SCU role selection,
//! maximum PDU length, socket timeouts) and reads and writes PDUs. It has no DIMSE layer: no
//! command sets, no message assembly from P-DATA fragments, no C-FIND/C-GET state machines.
//! Those are written here, by hand, following PS3.7: command sets are a handful of group-0000
//! elements always encoded in Implicit VR Little Endian, so a small encoder and decoder
//! (`command::encode_command`, `command::decode_command`) are simpler and easier to check than routing them
//! through a general data-set writer. Identifiers (query keys and matches) are ordinary data
//! sets and go through `dicom-object` in the negotiated transfer syntax.
//!
//! # Retrieval
//!
//! [`get_study`] proposes one presentation context per (storage SOP class, transfer syntax)
//! pair from [`STORAGE_CONTEXTS`] and [`STORAGE_TRANSFER_SYNTAXES`], so the PACS can send every
//! instance in the transfer syntax it holds it in (one context listing all syntaxes would let
//! the PACS accept just one of them and transcode the rest). Each C-STORE sub-operation's data
//! set is written unchanged after a file meta group we build, so pixel data on disk is the
//! PACS's bytes.

mod command;
mod session;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use dicom_object::meta::FileMetaTableBuilder;
use dicom_ul::association::Association as _;

use super::query::{InstanceRef, StudyMatch, StudyQuery};
use super::uid::validate_uid;
use command::*;
use session::*;

/// A remote DICOM node (PACS) and how Echolab calls it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DimsePeer {
    /// The PACS's AE title (called AE title).
    pub called_aet: String,
    /// Host name or IP address.
    pub host: String,
    /// DICOM port.
    pub port: u16,
    /// Echolab's AE title as the PACS knows it (calling AE title).
    pub calling_aet: String,
    /// Connection, read and write timeout: how long one step may wait for the PACS.
    pub timeout: Duration,
}

impl DimsePeer {
    /// A peer with the default timeout of 30 s.
    pub fn new(called_aet: &str, host: &str, port: u16, calling_aet: &str) -> DimsePeer {
        DimsePeer {
            called_aet: called_aet.to_owned(),
            host: host.to_owned(),
            port,
            calling_aet: calling_aet.to_owned(),
            timeout: Duration::from_secs(30),
        }
    }

    /// `AET@host:port`, as error messages name the peer.
    pub fn label(&self) -> String {
        format!("{}@{}:{}", self.called_aet, self.host, self.port)
    }
}

/// What a C-GET brought.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GetOutcome {
    /// Files written, in the order they arrived.
    pub stored: Vec<PathBuf>,
    /// Sub-operations the PACS reports as failed.
    pub failed: u32,
    /// Sub-operations the PACS reports as completed with a warning.
    pub warnings: u32,
}

/// Why a DIMSE operation failed. Each message is one line and starts with the peer.
#[derive(Debug, thiserror::Error)]
pub enum DimseError {
    /// Nothing listens on the port.
    #[error("PACS {peer}: connection refused")]
    ConnectionRefused {
        /// `AET@host:port`.
        peer: String,
    },
    /// The connection could not be opened (name resolution, network unreachable...).
    #[error("PACS {peer}: cannot connect: {reason}")]
    Connect {
        /// `AET@host:port`.
        peer: String,
        /// The system's reason.
        reason: String,
    },
    /// The PACS did not answer (or accept data) within the peer's timeout.
    #[error("PACS {peer}: no answer within {seconds} s")]
    Timeout {
        /// `AET@host:port`.
        peer: String,
        /// The timeout, in seconds (formatted).
        seconds: String,
    },
    /// The PACS refused the association (A-ASSOCIATE-RJ).
    #[error("PACS {peer}: association rejected ({reason})")]
    Rejected {
        /// `AET@host:port`.
        peer: String,
        /// The reason the PACS gave, e.g. "called AE title not recognized".
        reason: String,
    },
    /// The association was accepted but not for the service needed.
    #[error("PACS {peer}: {service} not accepted")]
    NotAccepted {
        /// `AET@host:port`.
        peer: String,
        /// What was refused, e.g. "Study Root C-FIND".
        service: String,
    },
    /// The PACS aborted the association (A-ABORT).
    #[error("PACS {peer}: association aborted by the PACS")]
    Aborted {
        /// `AET@host:port`.
        peer: String,
    },
    /// The connection closed in the middle of an exchange.
    #[error("PACS {peer}: connection closed unexpectedly")]
    Closed {
        /// `AET@host:port`.
        peer: String,
    },
    /// The PACS sent something that is not a valid answer.
    #[error("PACS {peer}: malformed response: {reason}")]
    Malformed {
        /// `AET@host:port`.
        peer: String,
        /// What was wrong.
        reason: String,
    },
    /// The PACS answered with a failure status.
    #[error("PACS {peer}: {operation} failed with status 0x{status:04X} ({meaning})")]
    Status {
        /// `AET@host:port`.
        peer: String,
        /// `C-ECHO`, `C-FIND` or `C-GET`.
        operation: &'static str,
        /// DIMSE status code.
        status: u16,
        /// What the code means (PS3.4/PS3.7), with the PACS's error comment when it sent one.
        meaning: String,
    },
    /// The retrieval was cancelled by the caller (files already complete are kept).
    #[error("PACS {peer}: retrieval cancelled after {stored} files")]
    Cancelled {
        /// `AET@host:port`.
        peer: String,
        /// Number of complete files written before the cancel.
        stored: usize,
    },
    /// A received instance could not be written to disk.
    #[error("PACS {peer}: cannot write {}: {source}", path.display())]
    Write {
        /// `AET@host:port`.
        peer: String,
        /// The file (or folder) that could not be written.
        path: PathBuf,
        /// The system error.
        source: std::io::Error,
    },
    /// The request cannot be sent as given (bad AE title, bad UID...).
    #[error("PACS {peer}: invalid request: {reason}")]
    InvalidRequest {
        /// `AET@host:port`.
        peer: String,
        /// What is wrong.
        reason: String,
    },
    /// Another network failure.
    #[error("PACS {peer}: network error: {reason}")]
    Network {
        /// `AET@host:port`.
        peer: String,
        /// What failed.
        reason: String,
    },
}

const VERIFICATION: &str = "1.2.840.10008.1.1";
const STUDY_ROOT_FIND: &str = "1.2.840.10008.5.1.4.1.2.2.1";
const STUDY_ROOT_GET: &str = "1.2.840.10008.5.1.4.1.2.2.3";
const IMPLICIT_LE: &str = "1.2.840.10008.1.2";
const EXPLICIT_LE: &str = "1.2.840.10008.1.2.1";

/// Storage SOP classes proposed for C-GET (the PACS sends them to us as C-STORE
/// sub-operations, so each also gets an SCP role selection item).
pub const STORAGE_CONTEXTS: &[(&str, &str)] = &[
    ("1.2.840.10008.5.1.4.1.1.6.1", "Ultrasound Image Storage"),
    (
        "1.2.840.10008.5.1.4.1.1.3.1",
        "Ultrasound Multi-frame Image Storage",
    ),
    ("1.2.840.10008.5.1.4.1.1.6.2", "Enhanced US Volume Storage"),
    (
        "1.2.840.10008.5.1.4.1.1.7",
        "Secondary Capture Image Storage",
    ),
    (
        "1.2.840.10008.5.1.4.1.1.7.4",
        "Multi-frame True Color Secondary Capture Image Storage",
    ),
    ("1.2.840.10008.5.1.4.1.1.88.22", "Enhanced SR Storage"),
    ("1.2.840.10008.5.1.4.1.1.88.33", "Comprehensive SR Storage"),
];

/// Every transfer syntax Echolab decodes, proposed for each storage SOP class.
pub const STORAGE_TRANSFER_SYNTAXES: &[(&str, &str)] = &[
    ("1.2.840.10008.1.2", "Implicit VR Little Endian"),
    ("1.2.840.10008.1.2.1", "Explicit VR Little Endian"),
    ("1.2.840.10008.1.2.2", "Explicit VR Big Endian"),
    (
        "1.2.840.10008.1.2.1.99",
        "Deflated Explicit VR Little Endian",
    ),
    ("1.2.840.10008.1.2.4.50", "JPEG Baseline"),
    ("1.2.840.10008.1.2.4.51", "JPEG Extended"),
    ("1.2.840.10008.1.2.4.57", "JPEG Lossless"),
    ("1.2.840.10008.1.2.4.70", "JPEG Lossless SV1"),
    ("1.2.840.10008.1.2.4.80", "JPEG-LS Lossless"),
    ("1.2.840.10008.1.2.4.81", "JPEG-LS Near-lossless"),
    ("1.2.840.10008.1.2.4.90", "JPEG 2000 Lossless"),
    ("1.2.840.10008.1.2.4.91", "JPEG 2000"),
    ("1.2.840.10008.1.2.5", "RLE Lossless"),
];

/// Sends a request with an identifier (C-FIND, C-GET) on context `pc`; returns its message id.
fn send_request(
    s: &mut Session<'_>,
    pc: u8,
    ts: &dicom_transfer_syntax_registry::TransferSyntax,
    sop_class: &str,
    command_field: u16,
    keys: &InMemDicomObject,
    what: &str,
) -> Result<u16, DimseError> {
    let mut data = Vec::new();
    keys.write_dataset_with_ts(&mut data, ts)
        .map_err(|e| DimseError::InvalidRequest {
            peer: s.peer.label(),
            reason: format!("{what}: {e}"),
        })?;
    let id = s.message_id();
    let cmd = encode_command(&[
        (CMD_AFFECTED_SOP_CLASS, CmdValue::Uid(sop_class.to_owned())),
        (CMD_FIELD, CmdValue::U16(command_field)),
        (CMD_MESSAGE_ID, CmdValue::U16(id)),
        (CMD_PRIORITY, CmdValue::U16(0)),
        (CMD_DATA_SET_TYPE, CmdValue::U16(DATA_SET_PRESENT)),
    ]);
    s.send(pc, &cmd, Some(&data))?;
    Ok(id)
}

/// C-ECHO: checks the PACS answers DICOM at all (Verification service).
pub fn echo(peer: &DimsePeer) -> Result<(), DimseError> {
    let mut s = Session::open(peer, &[(VERIFICATION, generic_syntaxes())], &[])?;
    let (pc, _) = s.require_context(VERIFICATION, "Verification (C-ECHO)")?;
    let id = s.message_id();
    let cmd = encode_command(&[
        (
            CMD_AFFECTED_SOP_CLASS,
            CmdValue::Uid(VERIFICATION.to_owned()),
        ),
        (CMD_FIELD, CmdValue::U16(C_ECHO_RQ)),
        (CMD_MESSAGE_ID, CmdValue::U16(id)),
        (CMD_DATA_SET_TYPE, CmdValue::U16(NO_DATA_SET)),
    ]);
    s.send(pc, &cmd, None)?;
    let msg = s.receive()?;
    let status = s.response_status(&msg, C_ECHO_RSP, id)?;
    if status != 0x0000 {
        return Err(s.status_error("C-ECHO", &msg, status));
    }
    s.release();
    Ok(())
}

/// Builds a C-FIND identifier: `keys` as (tag, VR, value; empty = return key).
fn identifier(keys: &[(Tag, VR, &str)]) -> InMemDicomObject {
    let mut obj = InMemDicomObject::new_empty();
    for (tag, vr, value) in keys {
        if value.is_empty() {
            obj.put(DataElement::new(*tag, *vr, PrimitiveValue::Empty));
        } else {
            obj.put(DataElement::new(*tag, *vr, PrimitiveValue::from(*value)));
        }
    }
    obj
}

/// Runs one C-FIND on an open session; returns the matches' data sets.
fn c_find(
    s: &mut Session<'_>,
    keys: &InMemDicomObject,
) -> Result<Vec<InMemDicomObject>, DimseError> {
    let peer = s.peer;
    let (pc, ts_uid) = s.require_context(STUDY_ROOT_FIND, "Study Root C-FIND")?;
    let ts = transfer_syntax(peer, &ts_uid)?;
    let id = send_request(
        s,
        pc,
        ts,
        STUDY_ROOT_FIND,
        C_FIND_RQ,
        keys,
        "cannot encode the query",
    )?;
    let mut matches = Vec::new();
    loop {
        let msg = s.receive()?;
        let status = s.response_status(&msg, C_FIND_RSP, id)?;
        match status {
            0xFF00 | 0xFF01 => {
                let bytes = msg
                    .data
                    .as_deref()
                    .ok_or_else(|| peer.malformed("pending C-FIND response without a match"))?;
                let obj = InMemDicomObject::read_dataset_with_ts(bytes, ts)
                    .map_err(|e| peer.malformed(format!("unreadable C-FIND match: {e}")))?;
                matches.push(obj);
            }
            0x0000 => return Ok(matches),
            _ => return Err(s.status_error("C-FIND", &msg, status)),
        }
    }
}

/// A text attribute of a match, trimmed; `None` when absent or empty.
fn text(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    let s = obj.get(tag)?.to_str().ok()?;
    let s = s.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    (!s.is_empty()).then(|| s.to_owned())
}

fn find_session(peer: &DimsePeer) -> Result<Session<'_>, DimseError> {
    Session::open(peer, &[(STUDY_ROOT_FIND, generic_syntaxes())], &[])
}

/// C-FIND at STUDY level (Study Root): the studies matching `q`.
pub fn find_studies(peer: &DimsePeer, q: &StudyQuery) -> Result<Vec<StudyMatch>, DimseError> {
    if let Some(uid) = &q.study_uid {
        validate_uid(uid).map_err(|reason| DimseError::InvalidRequest {
            peer: peer.label(),
            reason,
        })?;
    }
    if let Some(date) = &q.study_date {
        super::query::check_date_range(date).map_err(|reason| DimseError::InvalidRequest {
            peer: peer.label(),
            reason,
        })?;
    }
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let (uid, pid, date, acc, modality) = (
        opt(&q.study_uid),
        opt(&q.patient_id),
        opt(&q.study_date),
        opt(&q.accession),
        opt(&q.modality),
    );
    let keys = identifier(&[
        (tags::STUDY_DATE, VR::DA, &date),
        (tags::ACCESSION_NUMBER, VR::SH, &acc),
        (tags::QUERY_RETRIEVE_LEVEL, VR::CS, "STUDY"),
        (tags::MODALITIES_IN_STUDY, VR::CS, &modality),
        (tags::STUDY_DESCRIPTION, VR::LO, ""),
        (tags::PATIENT_ID, VR::LO, &pid),
        (tags::STUDY_INSTANCE_UID, VR::UI, &uid),
        (tags::NUMBER_OF_STUDY_RELATED_INSTANCES, VR::IS, ""),
    ]);
    let mut s = find_session(peer)?;
    let found = c_find(&mut s, &keys)?;
    s.release();
    let mut studies = Vec::with_capacity(found.len());
    for obj in found {
        let Some(study_uid) = text(&obj, tags::STUDY_INSTANCE_UID) else {
            return Err(peer.malformed("study match without Study Instance UID"));
        };
        let modalities = obj
            .get(tags::MODALITIES_IN_STUDY)
            .and_then(|e| e.to_multi_str().ok())
            .map(|v| {
                v.iter()
                    .map(|m| m.trim().to_owned())
                    .filter(|m| !m.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        studies.push(StudyMatch {
            study_uid,
            patient_id: text(&obj, tags::PATIENT_ID),
            study_date: text(&obj, tags::STUDY_DATE),
            accession: text(&obj, tags::ACCESSION_NUMBER),
            description: text(&obj, tags::STUDY_DESCRIPTION),
            modalities,
            instances: text(&obj, tags::NUMBER_OF_STUDY_RELATED_INSTANCES)
                .and_then(|n| n.parse().ok()),
        });
    }
    Ok(studies)
}

/// Every instance the PACS holds for a study: C-FIND at SERIES level, then at IMAGE level
/// for each series (hierarchical queries, which every Query/Retrieve SCP supports), on one
/// association.
pub fn list_instances(peer: &DimsePeer, study_uid: &str) -> Result<Vec<InstanceRef>, DimseError> {
    validate_uid(study_uid).map_err(|reason| DimseError::InvalidRequest {
        peer: peer.label(),
        reason,
    })?;
    let mut s = find_session(peer)?;
    let series_keys = identifier(&[
        (tags::QUERY_RETRIEVE_LEVEL, VR::CS, "SERIES"),
        (tags::STUDY_INSTANCE_UID, VR::UI, study_uid),
        (tags::SERIES_INSTANCE_UID, VR::UI, ""),
    ]);
    let mut series: Vec<String> = Vec::new();
    for obj in c_find(&mut s, &series_keys)? {
        let uid = text(&obj, tags::SERIES_INSTANCE_UID)
            .ok_or_else(|| peer.malformed("series match without Series Instance UID"))?;
        validate_uid(&uid).map_err(|r| peer.malformed(r))?;
        if !series.contains(&uid) {
            series.push(uid);
        }
    }
    let mut out = Vec::new();
    for series_uid in series {
        let keys = identifier(&[
            (tags::SOP_CLASS_UID, VR::UI, ""),
            (tags::SOP_INSTANCE_UID, VR::UI, ""),
            (tags::QUERY_RETRIEVE_LEVEL, VR::CS, "IMAGE"),
            (tags::STUDY_INSTANCE_UID, VR::UI, study_uid),
            (tags::SERIES_INSTANCE_UID, VR::UI, &series_uid),
        ]);
        for obj in c_find(&mut s, &keys)? {
            let sop_instance_uid = text(&obj, tags::SOP_INSTANCE_UID)
                .ok_or_else(|| peer.malformed("instance match without SOP Instance UID"))?;
            out.push(InstanceRef {
                series_uid: series_uid.clone(),
                sop_instance_uid,
                sop_class_uid: text(&obj, tags::SOP_CLASS_UID),
            });
        }
    }
    s.release();
    Ok(out)
}

/// The Part-10 bytes of a received instance: preamble, `DICM`, a file meta group we build,
/// then the data set exactly as the PACS sent it.
fn part10(
    sop_class: &str,
    sop_instance: &str,
    transfer_syntax: &str,
    source_aet: &str,
    data_set: &[u8],
) -> Result<Vec<u8>, String> {
    let meta = FileMetaTableBuilder::new()
        .media_storage_sop_class_uid(sop_class)
        .media_storage_sop_instance_uid(sop_instance)
        .transfer_syntax(transfer_syntax)
        .source_application_entity_title(source_aet)
        .build()
        .map_err(|e| e.to_string())?;
    let mut out = Vec::with_capacity(data_set.len() + 512);
    out.extend_from_slice(&[0u8; 128]);
    out.extend_from_slice(b"DICM");
    meta.write(&mut out).map_err(|e| e.to_string())?;
    out.extend_from_slice(data_set);
    Ok(out)
}

/// C-GET of a whole study (Study Root, STUDY level). Each instance the PACS sends back as a
/// C-STORE sub-operation is written to `dest_dir/<SOPInstanceUID>.dcm` atomically (temporary
/// file, then rename) and `on_stored` is called with its path.
///
/// When `cancel` becomes true the PACS is sent a C-CANCEL and the association is aborted;
/// the result is [`DimseError::Cancelled`] and only complete files (those already passed to
/// `on_stored`) remain. No temporary file is left on any error.
pub fn get_study(
    peer: &DimsePeer,
    study_uid: &str,
    dest_dir: &Path,
    on_stored: &mut dyn FnMut(&Path),
    cancel: Option<&AtomicBool>,
) -> Result<GetOutcome, DimseError> {
    validate_uid(study_uid).map_err(|reason| DimseError::InvalidRequest {
        peer: peer.label(),
        reason,
    })?;
    std::fs::create_dir_all(dest_dir).map_err(|source| DimseError::Write {
        peer: peer.label(),
        path: dest_dir.to_owned(),
        source,
    })?;
    let mut contexts: Vec<(&str, Vec<&str>)> = vec![(STUDY_ROOT_GET, generic_syntaxes())];
    for (class, _) in STORAGE_CONTEXTS {
        for (ts, _) in STORAGE_TRANSFER_SYNTAXES {
            contexts.push((class, vec![ts]));
        }
    }
    let classes: Vec<&str> = STORAGE_CONTEXTS.iter().map(|(c, _)| *c).collect();
    let mut s = Session::open(peer, &contexts, &classes)?;
    let (pc, ts_uid) = s.require_context(STUDY_ROOT_GET, "Study Root C-GET")?;
    let storage_ok = s.assoc.as_ref().is_some_and(|a| {
        classes.iter().any(|c| {
            a.requestor_roles_for(c).scp
                && a.presentation_contexts()
                    .iter()
                    .any(|pc| pc.abstract_syntax.trim_end_matches('\0') == *c)
        })
    });
    if !storage_ok {
        return Err(DimseError::NotAccepted {
            peer: peer.label(),
            service: "Echolab as storage SCP for C-GET (role selection) of any ultrasound class"
                .to_owned(),
        });
    }
    let ts = transfer_syntax(peer, &ts_uid)?;
    let keys = identifier(&[
        (tags::QUERY_RETRIEVE_LEVEL, VR::CS, "STUDY"),
        (tags::STUDY_INSTANCE_UID, VR::UI, study_uid),
    ]);
    let id = send_request(
        &mut s,
        pc,
        ts,
        STUDY_ROOT_GET,
        C_GET_RQ,
        &keys,
        "cannot encode the retrieve identifier",
    )?;

    let mut stored: Vec<PathBuf> = Vec::new();
    let cancelled = || cancel.is_some_and(|c| c.load(Ordering::SeqCst));
    loop {
        if cancelled() {
            let cmd = encode_command(&[
                (CMD_FIELD, CmdValue::U16(C_CANCEL_RQ)),
                (CMD_RESPONDED_TO, CmdValue::U16(id)),
                (CMD_DATA_SET_TYPE, CmdValue::U16(NO_DATA_SET)),
            ]);
            let _ = s.send(pc, &cmd, None);
            s.abort();
            return Err(DimseError::Cancelled {
                peer: peer.label(),
                stored: stored.len(),
            });
        }
        let msg = s.receive()?;
        match msg.command.u16(CMD_FIELD) {
            Some(C_STORE_RQ) => {
                let path = store_one(&mut s, &msg, dest_dir)?;
                on_stored(&path);
                stored.push(path);
            }
            Some(C_GET_RSP) => {
                let status = s.response_status(&msg, C_GET_RSP, id)?;
                match status {
                    0xFF00 => {}
                    0x0000 | 0xB000 => {
                        let outcome = GetOutcome {
                            stored,
                            failed: msg.command.u16(CMD_FAILED_SUBOPS).unwrap_or(0).into(),
                            warnings: msg.command.u16(CMD_WARNING_SUBOPS).unwrap_or(0).into(),
                        };
                        s.release();
                        return Ok(outcome);
                    }
                    0xFE00 => {
                        return Err(DimseError::Cancelled {
                            peer: peer.label(),
                            stored: stored.len(),
                        });
                    }
                    _ => return Err(s.status_error("C-GET", &msg, status)),
                }
            }
            other => {
                return Err(peer.malformed(format!(
                    "unexpected command 0x{:04X} during C-GET",
                    other.unwrap_or_default()
                )));
            }
        }
    }
}

/// Handles one C-STORE sub-operation: writes the file, answers the PACS.
fn store_one(s: &mut Session<'_>, msg: &Message, dest_dir: &Path) -> Result<PathBuf, DimseError> {
    let peer = s.peer;
    let store_id = msg
        .command
        .u16(CMD_MESSAGE_ID)
        .ok_or_else(|| peer.malformed("C-STORE without Message ID"))?;
    let (context_class, context_ts) = s
        .context_by_id(msg.context_id)
        .ok_or_else(|| peer.malformed(format!("C-STORE on unknown context {}", msg.context_id)))?;
    let class = msg
        .command
        .text(CMD_AFFECTED_SOP_CLASS)
        .unwrap_or_else(|| context_class.clone());
    let instance = msg
        .command
        .text(CMD_AFFECTED_SOP_INSTANCE)
        .ok_or_else(|| peer.malformed("C-STORE without Affected SOP Instance UID"))?;
    let respond = |s: &mut Session<'_>, status: u16| {
        let rsp = encode_command(&[
            (CMD_AFFECTED_SOP_CLASS, CmdValue::Uid(class.clone())),
            (CMD_FIELD, CmdValue::U16(C_STORE_RSP)),
            (CMD_RESPONDED_TO, CmdValue::U16(store_id)),
            (CMD_DATA_SET_TYPE, CmdValue::U16(NO_DATA_SET)),
            (CMD_STATUS, CmdValue::U16(status)),
            (CMD_AFFECTED_SOP_INSTANCE, CmdValue::Uid(instance.clone())),
        ]);
        s.send(msg.context_id, &rsp, None)
    };
    // The UID becomes a file name: only the UID grammar is allowed (no path separators).
    if let Err(reason) = validate_uid(&instance) {
        let _ = respond(s, 0xC000);
        return Err(peer.malformed(format!("C-STORE with invalid SOP Instance UID: {reason}")));
    }
    let Some(data) = msg.data.as_deref() else {
        let _ = respond(s, 0xC000);
        return Err(peer.malformed("C-STORE without a data set"));
    };
    let bytes = match part10(&class, &instance, &context_ts, &peer.calling_aet, data) {
        Ok(b) => b,
        Err(reason) => {
            let _ = respond(s, 0xC000);
            return Err(peer.malformed(format!("cannot build file meta for {instance}: {reason}")));
        }
    };
    let path = dest_dir.join(format!("{instance}.dcm"));
    if let Err(source) = crate::files::write_atomic(&path, &bytes) {
        // 0xA700: refused, out of resources (our disk).
        let _ = respond(s, 0xA700);
        return Err(DimseError::Write {
            peer: peer.label(),
            path,
            source,
        });
    }
    respond(s, 0x0000)?;
    Ok(path)
}
