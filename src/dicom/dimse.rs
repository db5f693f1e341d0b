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
//! ([`encode_command`], [`decode_command`]) are simpler and easier to check than routing them
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

use std::collections::BTreeMap;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_encoding::transfer_syntax::TransferSyntaxIndex as _;
use dicom_object::InMemDicomObject;
use dicom_object::meta::FileMetaTableBuilder;
use dicom_transfer_syntax_registry::{TransferSyntax, TransferSyntaxRegistry};
use dicom_ul::association::client::ClientAssociation;
use dicom_ul::association::{Association as _, Error as UlError};
use dicom_ul::pdu::{PDataValue, PDataValueType};
use dicom_ul::{ClientAssociationOptions, Pdu};

use super::query::{StudyMatch, StudyQuery};
use super::uid::validate_uid;

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

/// One instance the PACS lists for a study.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceRef {
    /// Series Instance UID.
    pub series_uid: String,
    /// SOP Instance UID.
    pub sop_instance_uid: String,
    /// SOP Class UID, when the PACS returns it.
    pub sop_class_uid: Option<String>,
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

/// Largest PDU we accept (dicom-ul's reader buffers one PDU at a time).
const MAX_PDU: u32 = 1 << 20;
/// Largest command set we accept; real ones are a few hundred bytes.
const MAX_COMMAND_BYTES: usize = 64 * 1024;

// Command Field values (PS3.7 E.1).
const C_STORE_RQ: u16 = 0x0001;
const C_STORE_RSP: u16 = 0x8001;
const C_GET_RQ: u16 = 0x0010;
const C_GET_RSP: u16 = 0x8010;
const C_FIND_RQ: u16 = 0x0020;
const C_FIND_RSP: u16 = 0x8020;
const C_ECHO_RQ: u16 = 0x0030;
const C_ECHO_RSP: u16 = 0x8030;
const C_CANCEL_RQ: u16 = 0x0FFF;
/// Command Data Set Type value meaning "no data set follows".
const NO_DATA_SET: u16 = 0x0101;
/// Command Data Set Type value we send when an identifier follows (any other value works).
const DATA_SET_PRESENT: u16 = 0x0000;

// Command set attributes (group 0000).
const CMD_AFFECTED_SOP_CLASS: (u16, u16) = (0x0000, 0x0002);
const CMD_FIELD: (u16, u16) = (0x0000, 0x0100);
const CMD_MESSAGE_ID: (u16, u16) = (0x0000, 0x0110);
const CMD_RESPONDED_TO: (u16, u16) = (0x0000, 0x0120);
const CMD_PRIORITY: (u16, u16) = (0x0000, 0x0700);
const CMD_DATA_SET_TYPE: (u16, u16) = (0x0000, 0x0800);
const CMD_STATUS: (u16, u16) = (0x0000, 0x0900);
const CMD_ERROR_COMMENT: (u16, u16) = (0x0000, 0x0902);
const CMD_AFFECTED_SOP_INSTANCE: (u16, u16) = (0x0000, 0x1000);
const CMD_FAILED_SUBOPS: (u16, u16) = (0x0000, 0x1022);
const CMD_WARNING_SUBOPS: (u16, u16) = (0x0000, 0x1023);

/// A value in a command set.
#[derive(Debug, Clone, PartialEq, Eq)]
enum CmdValue {
    /// UI (padded with NUL to even length).
    Uid(String),
    /// US.
    U16(u16),
}

/// Encodes a command set in Implicit VR Little Endian with its Command Group Length first.
/// Elements must be given in ascending tag order.
fn encode_command(elements: &[((u16, u16), CmdValue)]) -> Vec<u8> {
    let mut body = Vec::with_capacity(256);
    for ((group, element), value) in elements {
        let bytes: Vec<u8> = match value {
            CmdValue::Uid(s) => {
                let mut b = s.as_bytes().to_vec();
                if b.len() % 2 == 1 {
                    b.push(0);
                }
                b
            }
            CmdValue::U16(v) => v.to_le_bytes().to_vec(),
        };
        body.extend_from_slice(&group.to_le_bytes());
        body.extend_from_slice(&element.to_le_bytes());
        body.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        body.extend_from_slice(&bytes);
    }
    let mut out = Vec::with_capacity(body.len() + 12);
    out.extend_from_slice(&[0, 0, 0, 0, 4, 0, 0, 0]);
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

/// A received command set: raw values by tag.
#[derive(Debug, Default)]
struct Command {
    values: BTreeMap<(u16, u16), Vec<u8>>,
}

impl Command {
    fn u16(&self, tag: (u16, u16)) -> Option<u16> {
        match self.values.get(&tag) {
            Some(v) if v.len() == 2 => Some(u16::from_le_bytes([v[0], v[1]])),
            _ => None,
        }
    }

    fn text(&self, tag: (u16, u16)) -> Option<String> {
        self.values.get(&tag).map(|v| {
            String::from_utf8_lossy(v)
                .trim_end_matches(['\0', ' '])
                .trim_start()
                .to_owned()
        })
    }

    fn has_data_set(&self) -> bool {
        self.u16(CMD_DATA_SET_TYPE)
            .is_some_and(|t| t != NO_DATA_SET)
    }
}

/// Decodes a command set (Implicit VR Little Endian, no sequences).
fn decode_command(bytes: &[u8]) -> Result<Command, String> {
    let mut cmd = Command::default();
    let mut rest = bytes;
    while !rest.is_empty() {
        if rest.len() < 8 {
            return Err(format!(
                "command set truncated ({} stray bytes)",
                rest.len()
            ));
        }
        let group = u16::from_le_bytes([rest[0], rest[1]]);
        let element = u16::from_le_bytes([rest[2], rest[3]]);
        let len = u32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]]) as usize;
        if group != 0x0000 {
            return Err(format!(
                "command set holds ({group:04X},{element:04X}) outside group 0000"
            ));
        }
        let value = rest
            .get(8..8 + len)
            .ok_or_else(|| format!("command element (0000,{element:04X}) runs past the end"))?;
        cmd.values.insert((group, element), value.to_vec());
        rest = &rest[8 + len..];
    }
    if cmd.u16(CMD_FIELD).is_none() {
        return Err("command set without Command Field".to_owned());
    }
    Ok(cmd)
}

/// One DIMSE message: command set, and the data set bytes when one followed.
struct Message {
    context_id: u8,
    command: Command,
    data: Option<Vec<u8>>,
}

/// What a status code means (PS3.4 C.4 and PS3.7 C).
fn status_meaning(status: u16) -> &'static str {
    match status {
        0x0000 => "success",
        0x0001 | 0x0107 | 0x0116 | 0xB000..=0xBFFF => "warning",
        0x0105 => "no such attribute",
        0x0110 => "processing failure",
        0x0111 => "duplicate SOP instance",
        0x0112 => "no such SOP instance",
        0x0117 => "invalid object instance",
        0x0118 => "no such SOP class",
        0x0119 => "class-instance conflict",
        0x0122 => "SOP class not supported",
        0x0124 => "not authorized",
        0x0210 => "duplicate invocation",
        0x0211 => "unrecognized operation",
        0x0212 => "mistyped argument",
        0x0213 => "resource limitation",
        0xA700..=0xA7FF => "refused: out of resources",
        0xA801 => "refused: move destination unknown",
        0xA900..=0xA9FF => "identifier does not match SOP class",
        0xC000..=0xCFFF => "unable to process",
        0xFE00 => "cancelled",
        0xFF00 | 0xFF01 => "pending",
        _ => "failure",
    }
}

/// `30`, `0.5`: a timeout as the error message prints it.
fn seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        d.as_secs().to_string()
    } else {
        format!("{:.1}", d.as_secs_f64())
    }
}

/// Finds an I/O error anywhere in an error's source chain.
fn io_kind(err: &(dyn std::error::Error + 'static)) -> Option<std::io::ErrorKind> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        cur = e.source();
    }
    None
}

/// Full text of an error and its sources, on one line.
fn chain_text(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut cur = err.source();
    while let Some(e) = cur {
        let s = e.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cur = e.source();
    }
    parts.join(": ").replace('\n', " ")
}

impl DimsePeer {
    fn err_from_io(&self, kind: std::io::ErrorKind, reason: String) -> DimseError {
        use std::io::ErrorKind as K;
        let peer = self.label();
        match kind {
            K::ConnectionRefused => DimseError::ConnectionRefused { peer },
            K::TimedOut | K::WouldBlock => DimseError::Timeout {
                peer,
                seconds: seconds(self.timeout),
            },
            K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof => {
                DimseError::Closed { peer }
            }
            _ => DimseError::Network { peer, reason },
        }
    }

    /// Maps a dicom-ul error to ours.
    fn err_from_ul(&self, err: UlError) -> DimseError {
        let peer = self.label();
        match err {
            UlError::Rejected { association_rj, .. } => DimseError::Rejected {
                peer,
                reason: association_rj.source.to_string(),
            },
            UlError::NoAcceptedPresentationContexts { .. } => DimseError::NotAccepted {
                peer,
                service: "none of the proposed presentation contexts".to_owned(),
            },
            UlError::ConnectionClosed { .. } => DimseError::Closed { peer },
            UlError::Aborted { .. } => DimseError::Aborted { peer },
            UlError::UnexpectedPdu { pdu, .. } if matches!(*pdu, Pdu::AbortRQ { .. }) => {
                DimseError::Aborted { peer }
            }
            UlError::UnexpectedPdu { pdu, .. } | UlError::UnknownPdu { pdu, .. } => {
                DimseError::Malformed {
                    peer,
                    reason: format!("unexpected {}", pdu.short_description()),
                }
            }
            UlError::Connect { source, .. } => match source.kind() {
                std::io::ErrorKind::ConnectionRefused | std::io::ErrorKind::TimedOut => {
                    self.err_from_io(source.kind(), source.to_string())
                }
                _ => DimseError::Connect {
                    peer,
                    reason: source.to_string(),
                },
            },
            UlError::ToAddress { source, .. } => DimseError::Connect {
                peer,
                reason: source.to_string(),
            },
            other => {
                let text = chain_text(&other);
                match io_kind(&other) {
                    Some(kind) => self.err_from_io(kind, text),
                    // A PDU that does not parse.
                    None if matches!(other, UlError::ReceivePdu { .. }) => {
                        DimseError::Malformed { peer, reason: text }
                    }
                    None => DimseError::Network { peer, reason: text },
                }
            }
        }
    }

    fn malformed(&self, reason: impl Into<String>) -> DimseError {
        DimseError::Malformed {
            peer: self.label(),
            reason: reason.into(),
        }
    }

    fn check_aet(&self, which: &str, aet: &str) -> Result<(), DimseError> {
        let trimmed = aet.trim();
        if trimmed.is_empty()
            || trimmed.len() > 16
            || aet.chars().any(|c| c == '\\' || !(' '..='~').contains(&c))
        {
            return Err(DimseError::InvalidRequest {
                peer: self.label(),
                reason: format!(
                    "{which} AE title {aet:?} must be 1 to 16 printable ASCII characters without backslash"
                ),
            });
        }
        Ok(())
    }
}

/// An established association with the bookkeeping DIMSE needs.
struct Session<'p> {
    peer: &'p DimsePeer,
    assoc: Option<ClientAssociation<TcpStream>>,
    next_message_id: u16,
    /// PDVs received but not yet consumed (one P-DATA PDU may hold several).
    pending: std::collections::VecDeque<PDataValue>,
}

impl<'p> Session<'p> {
    /// Opens an association proposing `contexts` (abstract syntax, transfer syntaxes), with an
    /// SCP role selection item for each of `scp_roles`.
    fn open(
        peer: &'p DimsePeer,
        contexts: &[(&str, Vec<&str>)],
        scp_roles: &[&str],
    ) -> Result<Session<'p>, DimseError> {
        peer.check_aet("called", &peer.called_aet)?;
        peer.check_aet("calling", &peer.calling_aet)?;
        let mut options = ClientAssociationOptions::new()
            .calling_ae_title(peer.calling_aet.trim())
            .called_ae_title(peer.called_aet.trim())
            .max_pdu_length(MAX_PDU)
            .connection_timeout(peer.timeout)
            .read_timeout(peer.timeout)
            .write_timeout(peer.timeout);
        for (abstract_syntax, syntaxes) in contexts {
            options = options.with_presentation_context(*abstract_syntax, syntaxes.clone());
        }
        for class in scp_roles {
            options = options.with_role_selection(*class, false, true);
        }
        let assoc = options
            .establish((peer.host.as_str(), peer.port))
            .map_err(|e| peer.err_from_ul(e))?;
        Ok(Session {
            peer,
            assoc: Some(assoc),
            next_message_id: 1,
            pending: Default::default(),
        })
    }

    fn assoc(&mut self) -> Result<&mut ClientAssociation<TcpStream>, DimseError> {
        self.assoc.as_mut().ok_or_else(|| DimseError::Closed {
            peer: self.peer.label(),
        })
    }

    /// The accepted presentation context for `abstract_syntax`: (id, transfer syntax).
    fn context_for(&self, abstract_syntax: &str) -> Option<(u8, String)> {
        self.assoc.as_ref().and_then(|a| {
            a.presentation_contexts()
                .iter()
                .find(|pc| pc.abstract_syntax.trim_end_matches('\0') == abstract_syntax)
                .map(|pc| (pc.id, pc.transfer_syntax.trim_end_matches('\0').to_owned()))
        })
    }

    fn context_by_id(&self, id: u8) -> Option<(String, String)> {
        self.assoc.as_ref().and_then(|a| {
            a.presentation_contexts()
                .iter()
                .find(|pc| pc.id == id)
                .map(|pc| {
                    (
                        pc.abstract_syntax.trim_end_matches('\0').to_owned(),
                        pc.transfer_syntax.trim_end_matches('\0').to_owned(),
                    )
                })
        })
    }

    fn message_id(&mut self) -> u16 {
        let id = self.next_message_id;
        self.next_message_id = self.next_message_id.wrapping_add(1).max(1);
        id
    }

    /// Sends a command set and, when given, a data set, fragmented to the peer's PDU size.
    fn send(
        &mut self,
        context_id: u8,
        command: &[u8],
        data: Option<&[u8]>,
    ) -> Result<(), DimseError> {
        let peer = self.peer;
        let assoc = self.assoc()?;
        // A PDV item adds 6 bytes (length, context id, control header) inside the PDU.
        let chunk =
            (assoc.acceptor_max_pdu_length().saturating_sub(6) as usize).clamp(1024, 1 << 24);
        let mut parts: Vec<(PDataValueType, &[u8])> = Vec::new();
        parts.extend(fragments(command, chunk).map(|c| (PDataValueType::Command, c)));
        if let Some(data) = data {
            parts.extend(fragments(data, chunk).map(|c| (PDataValueType::Data, c)));
        }
        let command_count = fragments(command, chunk).count();
        let data_count = parts.len() - command_count;
        for (i, (value_type, bytes)) in parts.into_iter().enumerate() {
            let is_last = if i < command_count {
                i + 1 == command_count
            } else {
                i + 1 == command_count + data_count
            };
            let pdu = Pdu::PData {
                data: vec![PDataValue {
                    presentation_context_id: context_id,
                    value_type,
                    is_last,
                    data: bytes.to_vec(),
                }],
            };
            assoc.send(&pdu).map_err(|e| peer.err_from_ul(e))?;
        }
        Ok(())
    }

    /// The next PDV, receiving PDUs as needed.
    fn next_pdv(&mut self) -> Result<PDataValue, DimseError> {
        loop {
            if let Some(pdv) = self.pending.pop_front() {
                return Ok(pdv);
            }
            let peer = self.peer;
            let pdu = self.assoc()?.receive().map_err(|e| peer.err_from_ul(e))?;
            match pdu {
                Pdu::PData { data } => self.pending.extend(data),
                Pdu::AbortRQ { .. } => {
                    self.assoc = None;
                    return Err(DimseError::Aborted { peer: peer.label() });
                }
                Pdu::ReleaseRQ => {
                    self.abort();
                    return Err(peer.malformed("the PACS released the association mid-operation"));
                }
                other => {
                    let reason = format!("unexpected {}", other.short_description());
                    self.abort();
                    return Err(peer.malformed(reason));
                }
            }
        }
    }

    /// Receives one whole message: the command set and, when it announces one, the data set.
    fn receive(&mut self) -> Result<Message, DimseError> {
        let mut command_bytes = Vec::new();
        let mut context_id = None;
        loop {
            let pdv = self.next_pdv()?;
            if pdv.value_type != PDataValueType::Command {
                return Err(self
                    .peer
                    .malformed("data fragment where a command was expected"));
            }
            if *context_id.get_or_insert(pdv.presentation_context_id) != pdv.presentation_context_id
            {
                return Err(self
                    .peer
                    .malformed("command fragments on two presentation contexts"));
            }
            command_bytes.extend_from_slice(&pdv.data);
            if command_bytes.len() > MAX_COMMAND_BYTES {
                return Err(self.peer.malformed("command set larger than 64 KiB"));
            }
            if pdv.is_last {
                break;
            }
        }
        let context_id = context_id.unwrap_or_default();
        let command = decode_command(&command_bytes).map_err(|r| self.peer.malformed(r))?;
        let data = if command.has_data_set() {
            let mut data = Vec::new();
            loop {
                let pdv = self.next_pdv()?;
                if pdv.value_type != PDataValueType::Data
                    || pdv.presentation_context_id != context_id
                {
                    return Err(self.peer.malformed(
                        "the data set announced by the command did not follow on its context",
                    ));
                }
                data.extend_from_slice(&pdv.data);
                if pdv.is_last {
                    break;
                }
            }
            Some(data)
        } else {
            None
        };
        Ok(Message {
            context_id,
            command,
            data,
        })
    }

    /// Checks that `msg` answers `message_id` with `field`; returns its status.
    fn response_status(
        &self,
        msg: &Message,
        field: u16,
        message_id: u16,
    ) -> Result<u16, DimseError> {
        let got = msg.command.u16(CMD_FIELD).unwrap_or_default();
        if got != field {
            return Err(self
                .peer
                .malformed(format!("expected command 0x{field:04X}, got 0x{got:04X}")));
        }
        if msg.command.u16(CMD_RESPONDED_TO) != Some(message_id) {
            return Err(self
                .peer
                .malformed(format!("response does not answer message {message_id}")));
        }
        msg.command
            .u16(CMD_STATUS)
            .ok_or_else(|| self.peer.malformed("response without Status"))
    }

    fn status_error(&self, operation: &'static str, msg: &Message, status: u16) -> DimseError {
        let mut meaning = status_meaning(status).to_owned();
        if let Some(comment) = msg
            .command
            .text(CMD_ERROR_COMMENT)
            .filter(|c| !c.is_empty())
        {
            meaning.push_str(": ");
            meaning.push_str(&comment);
        }
        DimseError::Status {
            peer: self.peer.label(),
            operation,
            status,
            meaning,
        }
    }

    /// Releases the association; a PACS that does not answer the release is not an error
    /// once the operation has succeeded.
    fn release(mut self) {
        if let Some(assoc) = self.assoc.take() {
            let _ = assoc.release();
        }
    }

    fn abort(&mut self) {
        if let Some(assoc) = self.assoc.take() {
            let _ = assoc.abort();
        }
    }
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        // An error path: tell the PACS we are gone rather than just closing the socket.
        self.abort();
    }
}

fn fragments(bytes: &[u8], chunk: usize) -> impl Iterator<Item = &[u8]> {
    let empty: &[u8] = &[];
    let whole = if bytes.is_empty() { Some(empty) } else { None };
    whole.into_iter().chain(bytes.chunks(chunk))
}

fn transfer_syntax(peer: &DimsePeer, uid: &str) -> Result<&'static TransferSyntax, DimseError> {
    TransferSyntaxRegistry
        .get(uid)
        .ok_or_else(|| peer.malformed(format!("negotiated unknown transfer syntax {uid}")))
}

fn generic_syntaxes() -> Vec<&'static str> {
    vec![EXPLICIT_LE, IMPLICIT_LE]
}

/// C-ECHO: checks the PACS answers DICOM at all (Verification service).
pub fn echo(peer: &DimsePeer) -> Result<(), DimseError> {
    let mut s = Session::open(peer, &[(VERIFICATION, generic_syntaxes())], &[])?;
    let (pc, _) = s
        .context_for(VERIFICATION)
        .ok_or_else(|| DimseError::NotAccepted {
            peer: peer.label(),
            service: "Verification (C-ECHO)".to_owned(),
        })?;
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
    let (pc, ts_uid) = s
        .context_for(STUDY_ROOT_FIND)
        .ok_or_else(|| DimseError::NotAccepted {
            peer: peer.label(),
            service: "Study Root C-FIND".to_owned(),
        })?;
    let ts = transfer_syntax(peer, &ts_uid)?;
    let mut data = Vec::new();
    keys.write_dataset_with_ts(&mut data, ts)
        .map_err(|e| DimseError::InvalidRequest {
            peer: peer.label(),
            reason: format!("cannot encode the query: {e}"),
        })?;
    let id = s.message_id();
    let cmd = encode_command(&[
        (
            CMD_AFFECTED_SOP_CLASS,
            CmdValue::Uid(STUDY_ROOT_FIND.to_owned()),
        ),
        (CMD_FIELD, CmdValue::U16(C_FIND_RQ)),
        (CMD_MESSAGE_ID, CmdValue::U16(id)),
        (CMD_PRIORITY, CmdValue::U16(0)),
        (CMD_DATA_SET_TYPE, CmdValue::U16(DATA_SET_PRESENT)),
    ]);
    s.send(pc, &cmd, Some(&data))?;
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
    let (pc, ts_uid) = s
        .context_for(STUDY_ROOT_GET)
        .ok_or_else(|| DimseError::NotAccepted {
            peer: peer.label(),
            service: "Study Root C-GET".to_owned(),
        })?;
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
    let mut data = Vec::new();
    keys.write_dataset_with_ts(&mut data, ts)
        .map_err(|e| DimseError::InvalidRequest {
            peer: peer.label(),
            reason: format!("cannot encode the retrieve identifier: {e}"),
        })?;
    let id = s.message_id();
    let cmd = encode_command(&[
        (
            CMD_AFFECTED_SOP_CLASS,
            CmdValue::Uid(STUDY_ROOT_GET.to_owned()),
        ),
        (CMD_FIELD, CmdValue::U16(C_GET_RQ)),
        (CMD_MESSAGE_ID, CmdValue::U16(id)),
        (CMD_PRIORITY, CmdValue::U16(0)),
        (CMD_DATA_SET_TYPE, CmdValue::U16(DATA_SET_PRESENT)),
    ]);
    s.send(pc, &cmd, Some(&data))?;

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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use std::io::{Read as _, Write as _};
    use std::net::TcpListener;

    fn peer_at(port: u16, timeout_ms: u64) -> DimsePeer {
        DimsePeer {
            called_aet: "PACS".to_owned(),
            host: "127.0.0.1".to_owned(),
            port,
            calling_aet: "ECHOLAB".to_owned(),
            timeout: Duration::from_millis(timeout_ms),
        }
    }

    #[test]
    fn dimse_command_round_trip() {
        let bytes = encode_command(&[
            (
                CMD_AFFECTED_SOP_CLASS,
                CmdValue::Uid(VERIFICATION.to_owned()),
            ),
            (CMD_FIELD, CmdValue::U16(C_ECHO_RQ)),
            (CMD_MESSAGE_ID, CmdValue::U16(7)),
            (CMD_DATA_SET_TYPE, CmdValue::U16(NO_DATA_SET)),
        ]);
        // Group length counts the bytes after itself.
        let len = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize;
        assert_eq!(len, bytes.len() - 12);
        let cmd = decode_command(&bytes).unwrap();
        assert_eq!(cmd.u16(CMD_FIELD), Some(C_ECHO_RQ));
        assert_eq!(cmd.u16(CMD_MESSAGE_ID), Some(7));
        assert_eq!(
            cmd.text(CMD_AFFECTED_SOP_CLASS).as_deref(),
            Some(VERIFICATION)
        );
        assert!(!cmd.has_data_set());
        assert!(decode_command(&bytes[..bytes.len() - 1]).is_err());
        assert!(decode_command(&[8, 0, 0, 0, 0, 0, 0, 0]).is_err());
    }

    #[test]
    fn dimse_context_table_fits_one_association() {
        // dicom-ul numbers contexts 1, 3, 5...: at most 128 in one association.
        let get_context = 1;
        assert!(get_context + STORAGE_CONTEXTS.len() * STORAGE_TRANSFER_SYNTAXES.len() <= 128);
        for (uid, _) in STORAGE_CONTEXTS.iter().chain(STORAGE_TRANSFER_SYNTAXES) {
            validate_uid(uid).unwrap();
        }
    }

    #[test]
    fn dimse_refused_port() {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let err = echo(&peer_at(port, 2000)).unwrap_err();
        assert!(matches!(err, DimseError::ConnectionRefused { .. }), "{err}");
        assert_eq!(
            err.to_string(),
            format!("PACS PACS@127.0.0.1:{port}: connection refused")
        );
    }

    /// A fake peer that accepts one connection, reads the request and answers `reply`
    /// (or nothing, then holds the connection open for a while).
    fn fake_peer(reply: Option<Vec<u8>>) -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            if let Ok((mut sock, _)) = listener.accept() {
                let mut buf = [0u8; 4096];
                let _ = sock.read(&mut buf);
                if let Some(reply) = reply {
                    let _ = sock.write_all(&reply);
                }
                std::thread::sleep(Duration::from_secs(2));
            }
        });
        port
    }

    #[test]
    fn dimse_silent_peer_times_out() {
        let port = fake_peer(None);
        let err = echo(&peer_at(port, 300)).unwrap_err();
        assert!(matches!(err, DimseError::Timeout { .. }), "{err}");
        assert!(err.to_string().ends_with("no answer within 0.3 s"), "{err}");
    }

    #[test]
    fn dimse_rejection_names_the_reason() {
        // A-ASSOCIATE-RJ: permanent, service user, called AE title not recognized.
        let port = fake_peer(Some(vec![0x03, 0, 0, 0, 0, 4, 0, 1, 1, 7]));
        let err = echo(&peer_at(port, 2000)).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "PACS PACS@127.0.0.1:{port}: association rejected (called AE title not recognized)"
            )
        );
    }

    #[test]
    fn dimse_abort_and_garbage() {
        let port = fake_peer(Some(vec![0x07, 0, 0, 0, 0, 4, 0, 0, 2, 0]));
        let err = echo(&peer_at(port, 2000)).unwrap_err();
        assert!(matches!(err, DimseError::Aborted { .. }), "{err}");
        let port = fake_peer(Some(b"HTTP/1.1 400 Bad Request\r\n\r\n".to_vec()));
        let err = echo(&peer_at(port, 2000)).unwrap_err();
        assert!(
            matches!(
                err,
                DimseError::Malformed { .. } | DimseError::Closed { .. }
            ),
            "{err}"
        );
    }

    #[test]
    fn dimse_bad_ae_title_is_refused_before_connecting() {
        let mut peer = peer_at(1, 100);
        peer.called_aet = "A_VERY_LONG_AE_TITLE".to_owned();
        assert!(matches!(
            echo(&peer).unwrap_err(),
            DimseError::InvalidRequest { .. }
        ));
    }
}
