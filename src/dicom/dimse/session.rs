//! One association with the bookkeeping DIMSE needs: negotiation through dicom-ul, message
//! assembly from P-DATA fragments, errors naming the peer.

use std::net::TcpStream;

use dicom_encoding::transfer_syntax::TransferSyntaxIndex as _;
use dicom_transfer_syntax_registry::{TransferSyntax, TransferSyntaxRegistry};
use dicom_ul::association::Error as UlError;
use dicom_ul::association::client::ClientAssociation;
use dicom_ul::pdu::{PDataValue, PDataValueType};
use dicom_ul::{ClientAssociationOptions, Pdu};

use super::command::*;
use super::*;

impl DimsePeer {
    pub(super) fn err_from_io(&self, kind: std::io::ErrorKind, reason: String) -> DimseError {
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
    pub(super) fn err_from_ul(&self, err: UlError) -> DimseError {
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

    pub(super) fn malformed(&self, reason: impl Into<String>) -> DimseError {
        DimseError::Malformed {
            peer: self.label(),
            reason: reason.into(),
        }
    }

    pub(super) fn check_aet(&self, which: &str, aet: &str) -> Result<(), DimseError> {
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
pub(super) struct Session<'p> {
    pub(super) peer: &'p DimsePeer,
    pub(super) assoc: Option<ClientAssociation<TcpStream>>,
    pub(super) next_message_id: u16,
    /// PDVs received but not yet consumed (one P-DATA PDU may hold several).
    pub(super) pending: std::collections::VecDeque<PDataValue>,
}

impl<'p> Session<'p> {
    /// Opens an association proposing `contexts` (abstract syntax, transfer syntaxes), with an
    /// SCP role selection item for each of `scp_roles`.
    pub(super) fn open(
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

    pub(super) fn assoc(&mut self) -> Result<&mut ClientAssociation<TcpStream>, DimseError> {
        self.assoc.as_mut().ok_or_else(|| DimseError::Closed {
            peer: self.peer.label(),
        })
    }

    /// The accepted presentation context for `abstract_syntax`: (id, transfer syntax).
    pub(super) fn context_for(&self, abstract_syntax: &str) -> Option<(u8, String)> {
        self.assoc.as_ref().and_then(|a| {
            a.presentation_contexts()
                .iter()
                .find(|pc| pc.abstract_syntax.trim_end_matches('\0') == abstract_syntax)
                .map(|pc| (pc.id, pc.transfer_syntax.trim_end_matches('\0').to_owned()))
        })
    }

    /// The accepted context of `abstract_syntax`, or `NotAccepted` naming `service`.
    pub(super) fn require_context(
        &self,
        abstract_syntax: &str,
        service: &str,
    ) -> Result<(u8, String), DimseError> {
        self.context_for(abstract_syntax)
            .ok_or_else(|| DimseError::NotAccepted {
                peer: self.peer.label(),
                service: service.to_owned(),
            })
    }

    pub(super) fn context_by_id(&self, id: u8) -> Option<(String, String)> {
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

    pub(super) fn message_id(&mut self) -> u16 {
        let id = self.next_message_id;
        self.next_message_id = self.next_message_id.wrapping_add(1).max(1);
        id
    }

    /// Sends a command set and, when given, a data set, fragmented to the peer's PDU size.
    pub(super) fn send(
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
    pub(super) fn next_pdv(&mut self) -> Result<PDataValue, DimseError> {
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
    pub(super) fn receive(&mut self) -> Result<Message, DimseError> {
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
    pub(super) fn response_status(
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

    pub(super) fn status_error(
        &self,
        operation: &'static str,
        msg: &Message,
        status: u16,
    ) -> DimseError {
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
    pub(super) fn release(mut self) {
        if let Some(assoc) = self.assoc.take() {
            let _ = assoc.release();
        }
    }

    pub(super) fn abort(&mut self) {
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

pub(super) fn fragments(bytes: &[u8], chunk: usize) -> impl Iterator<Item = &[u8]> {
    let empty: &[u8] = &[];
    let whole = if bytes.is_empty() { Some(empty) } else { None };
    whole.into_iter().chain(bytes.chunks(chunk))
}

pub(super) fn transfer_syntax(
    peer: &DimsePeer,
    uid: &str,
) -> Result<&'static TransferSyntax, DimseError> {
    TransferSyntaxRegistry
        .get(uid)
        .ok_or_else(|| peer.malformed(format!("negotiated unknown transfer syntax {uid}")))
}

pub(super) fn generic_syntaxes() -> Vec<&'static str> {
    vec![EXPLICIT_LE, IMPLICIT_LE]
}
