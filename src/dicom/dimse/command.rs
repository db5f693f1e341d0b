//! DIMSE command sets (PS3.7 §9–10), written by hand: a few group-0000 elements, always
//! Implicit VR Little Endian; dicom-ul has no DIMSE layer.

use std::collections::BTreeMap;
use std::time::Duration;

/// Largest PDU we accept (dicom-ul's reader buffers one PDU at a time).
pub(super) const MAX_PDU: u32 = 1 << 20;
/// Largest command set we accept; real ones are a few hundred bytes.
pub(super) const MAX_COMMAND_BYTES: usize = 64 * 1024;

// Command Field values (PS3.7 E.1).
pub(super) const C_STORE_RQ: u16 = 0x0001;
pub(super) const C_STORE_RSP: u16 = 0x8001;
pub(super) const C_GET_RQ: u16 = 0x0010;
pub(super) const C_GET_RSP: u16 = 0x8010;
pub(super) const C_FIND_RQ: u16 = 0x0020;
pub(super) const C_FIND_RSP: u16 = 0x8020;
pub(super) const C_ECHO_RQ: u16 = 0x0030;
pub(super) const C_ECHO_RSP: u16 = 0x8030;
pub(super) const C_CANCEL_RQ: u16 = 0x0FFF;
/// Command Data Set Type value meaning "no data set follows".
pub(super) const NO_DATA_SET: u16 = 0x0101;
/// Command Data Set Type value we send when an identifier follows (any other value works).
pub(super) const DATA_SET_PRESENT: u16 = 0x0000;

// Command set attributes (group 0000).
pub(super) const CMD_AFFECTED_SOP_CLASS: (u16, u16) = (0x0000, 0x0002);
pub(super) const CMD_FIELD: (u16, u16) = (0x0000, 0x0100);
pub(super) const CMD_MESSAGE_ID: (u16, u16) = (0x0000, 0x0110);
pub(super) const CMD_RESPONDED_TO: (u16, u16) = (0x0000, 0x0120);
pub(super) const CMD_PRIORITY: (u16, u16) = (0x0000, 0x0700);
pub(super) const CMD_DATA_SET_TYPE: (u16, u16) = (0x0000, 0x0800);
pub(super) const CMD_STATUS: (u16, u16) = (0x0000, 0x0900);
pub(super) const CMD_ERROR_COMMENT: (u16, u16) = (0x0000, 0x0902);
pub(super) const CMD_AFFECTED_SOP_INSTANCE: (u16, u16) = (0x0000, 0x1000);
pub(super) const CMD_FAILED_SUBOPS: (u16, u16) = (0x0000, 0x1022);
pub(super) const CMD_WARNING_SUBOPS: (u16, u16) = (0x0000, 0x1023);

/// A value in a command set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum CmdValue {
    /// UI (padded with NUL to even length).
    Uid(String),
    /// US.
    U16(u16),
}

/// Encodes a command set in Implicit VR Little Endian with its Command Group Length first.
/// Elements must be given in ascending tag order.
pub(super) fn encode_command(elements: &[((u16, u16), CmdValue)]) -> Vec<u8> {
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
pub(super) struct Command {
    pub(super) values: BTreeMap<(u16, u16), Vec<u8>>,
}

impl Command {
    pub(super) fn u16(&self, tag: (u16, u16)) -> Option<u16> {
        match self.values.get(&tag) {
            Some(v) if v.len() == 2 => Some(u16::from_le_bytes([v[0], v[1]])),
            _ => None,
        }
    }

    pub(super) fn text(&self, tag: (u16, u16)) -> Option<String> {
        self.values.get(&tag).map(|v| {
            String::from_utf8_lossy(v)
                .trim_end_matches(['\0', ' '])
                .trim_start()
                .to_owned()
        })
    }

    pub(super) fn has_data_set(&self) -> bool {
        self.u16(CMD_DATA_SET_TYPE)
            .is_some_and(|t| t != NO_DATA_SET)
    }
}

/// Decodes a command set (Implicit VR Little Endian, no sequences).
pub(super) fn decode_command(bytes: &[u8]) -> Result<Command, String> {
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
pub(super) struct Message {
    pub(super) context_id: u8,
    pub(super) command: Command,
    pub(super) data: Option<Vec<u8>>,
}

/// What a status code means (PS3.4 C.4 and PS3.7 C).
pub(super) fn status_meaning(status: u16) -> &'static str {
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
pub(super) fn seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        d.as_secs().to_string()
    } else {
        format!("{:.1}", d.as_secs_f64())
    }
}

/// Finds an I/O error anywhere in an error's source chain.
pub(super) fn io_kind(err: &(dyn std::error::Error + 'static)) -> Option<std::io::ErrorKind> {
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
pub(super) fn chain_text(err: &(dyn std::error::Error + 'static)) -> String {
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
