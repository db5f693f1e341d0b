//! Unit tests of the DIMSE client with fake peers (no PACS needed).

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
