//! Readers: accounts, roles, sealed signing keys, sign-in and the signer-key registry check.

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;

use super::{Store, StoreError, StoreResult, audit_all};
use crate::audit::{AuditAction, EntityType, NewAuditEntry};
use crate::report::{SignatureBlock, format_utc};
use crate::signing::{self, EncryptedKey, SigningError};

/// A reader's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads assigned studies; blinded.
    Reader,
    /// Reads assigned studies and sees every signed read; blinded.
    Adjudicator,
    /// Manages the study; sees everything, unblinded.
    Admin,
}

impl Role {
    /// Lower-case code stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            Role::Reader => "reader",
            Role::Adjudicator => "adjudicator",
            Role::Admin => "admin",
        }
    }

    /// Parses a role code.
    pub fn from_code(code: &str) -> Option<Role> {
        match code {
            "reader" => Some(Role::Reader),
            "adjudicator" => Some(Role::Adjudicator),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    /// True for roles that must not see visit labels and unblinding fields.
    pub fn is_blinded(self) -> bool {
        !matches!(self, Role::Admin)
    }
}

/// A registered reader (without the sealed key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReaderInfo {
    /// Reader id (login).
    pub id: String,
    /// Printed name used in signature manifestations.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Public key, lowercase hex.
    pub public_key_hex: String,
    /// When the account was created.
    pub created_utc: String,
}

/// A signed-in reader: obtained only from [`Store::sign_in`] with the passphrase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    reader: ReaderInfo,
}

impl Session {
    /// Reader id.
    pub fn reader_id(&self) -> &str {
        &self.reader.id
    }
    /// Printed name.
    pub fn name(&self) -> &str {
        &self.reader.name
    }
    /// Role.
    pub fn role(&self) -> Role {
        self.reader.role
    }
    /// The reader record.
    pub fn reader(&self) -> &ReaderInfo {
        &self.reader
    }
}

/// Both identification components required for each signature (§11.200(a)(1)).
#[derive(Clone)]
pub struct Credentials {
    /// Reader id, typed again in the signing dialog.
    pub reader_id: String,
    /// Passphrase.
    pub passphrase: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("reader_id", &self.reader_id)
            .field("passphrase", &"<hidden>")
            .finish()
    }
}

/// Which trust check ran on a signature's embedded public key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "check", rename_all = "snake_case")]
pub enum KeyCheck {
    /// No database was available: only the key embedded in the report was used.
    EmbeddedOnly,
    /// The embedded key is the key registered for the signer.
    MatchesRegistry {
        /// Signer.
        reader_id: String,
        /// Registered printed name (may differ from the one signed if renamed since).
        registered_name: String,
    },
    /// The signer is registered with a different key: the signature is not trustworthy.
    KeyMismatch {
        /// Signer.
        reader_id: String,
    },
    /// The signer is not registered in this database.
    UnknownReader {
        /// Signer.
        reader_id: String,
    },
}

impl KeyCheck {
    /// False when the registry contradicts the embedded key.
    pub fn is_acceptable(&self) -> bool {
        !matches!(
            self,
            KeyCheck::KeyMismatch { .. } | KeyCheck::UnknownReader { .. }
        )
    }
}

/// Checks the reader id grammar: 1–64 ASCII letters, digits, `.`, `_` or `-`, starting with a
/// letter or digit, with no `..` (ids appear in file names and audit record ids).
pub fn validate_reader_id(id: &str) -> StoreResult<()> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id.starts_with(|c: char| c.is_ascii_alphanumeric())
        && !id.contains("..")
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "reader id {id:?}: use 1-64 letters, digits, '.', '_' or '-', starting with a letter \
             or digit, without '..'"
        )))
    }
}

fn reader_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(ReaderInfo, String)> {
    let role: String = r.get(2)?;
    let role = Role::from_code(&role).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            2,
            rusqlite::types::Type::Text,
            format!("unknown role {role:?}").into(),
        )
    })?;
    Ok((
        ReaderInfo {
            id: r.get(0)?,
            name: r.get(1)?,
            role,
            public_key_hex: r.get(3)?,
            created_utc: r.get(5)?,
        },
        r.get(4)?,
    ))
}

impl Store {
    /// Registers a reader, generating a key pair sealed with `passphrase` and certified by the
    /// lab key (which must be unlocked: [`Store::init_lab`] or [`Store::unlock_lab`]).
    pub fn add_reader(
        &mut self,
        actor: &str,
        id: &str,
        name: &str,
        role: Role,
        passphrase: &str,
        now: OffsetDateTime,
    ) -> StoreResult<ReaderInfo> {
        validate_reader_id(id)?;
        if name.trim().is_empty() {
            return Err(StoreError::Invalid("the printed name is empty".into()));
        }
        if self.reader(id)?.is_some() {
            return Err(StoreError::Conflict(format!("reader {id} already exists")));
        }
        // Enrolment needs the lab key: checked before the (slow) key generation.
        self.lab_signer()?;
        let (_public, sealed) = signing::generate_key(id, passphrase, self.kdf)?;
        let sealed_json = serde_json::to_string(&sealed)
            .map_err(|e| StoreError::Invalid(format!("key record: {e}")))?;
        let cert = self.certify(id, name.trim(), role.code(), &sealed.public_key_hex, now)?;
        let cert_json = serde_json::to_string(&cert)
            .map_err(|e| StoreError::Invalid(format!("certificate: {e}")))?;
        let info = ReaderInfo {
            id: id.to_owned(),
            name: name.trim().to_owned(),
            role,
            public_key_hex: sealed.public_key_hex.clone(),
            created_utc: format_utc(now),
        };
        let tx = self.write_tx()?;
        tx.execute(
            "INSERT INTO readers (id, name, role, public_key_hex, encrypted_key_json, created_utc, \
             certificate_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                info.id,
                info.name,
                role.code(),
                info.public_key_hex,
                sealed_json,
                info.created_utc,
                cert_json
            ],
        )?;
        super::lab::insert_certificate(&tx, &cert, now)?;
        audit_all(
            &tx,
            &[NewAuditEntry {
                actor: actor.to_owned(),
                entity_type: EntityType::Reader,
                entity_id: id.to_owned(),
                action: AuditAction::Create,
                old_value: None,
                new_value: Some(json!({
                    "name": info.name,
                    "role": role.code(),
                    "public_key_hex": info.public_key_hex,
                    "key_fingerprint_sha256": signing::parse_public_key(&info.public_key_hex)
                        .map(|k| signing::key_fingerprint(&k))
                        .unwrap_or_default(),
                    "certificate_sha256": super::lab::item_sha256(&cert)?,
                    "lab_key_fingerprint_sha256": cert.lab_key_fingerprint_sha256,
                })),
                ruleset: None,
            }],
            now,
        )?;
        tx.commit()?;
        Ok(info)
    }

    /// The reader with this id, if registered.
    pub fn reader(&self, id: &str) -> StoreResult<Option<ReaderInfo>> {
        Ok(self.reader_with_key(id)?.map(|(r, _)| r))
    }

    fn reader_with_key(&self, id: &str) -> StoreResult<Option<(ReaderInfo, String)>> {
        Ok(self
            .conn
            .query_row(
                "SELECT id, name, role, public_key_hex, encrypted_key_json, created_utc \
                 FROM readers WHERE id = ?1",
                [id],
                reader_from_row,
            )
            .optional()?)
    }

    /// All readers, by id.
    pub fn readers(&self) -> StoreResult<Vec<ReaderInfo>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, name, role, public_key_hex, encrypted_key_json, created_utc \
             FROM readers ORDER BY id",
        )?;
        let rows = stmt.query_map([], reader_from_row)?;
        Ok(rows.map(|r| r.map(|(i, _)| i)).collect::<Result<_, _>>()?)
    }

    /// Unlocks a reader's signing key with both identification components. A wrong passphrase
    /// is refused and the refusal is written to the audit log.
    pub(crate) fn unlock_signing_key(
        &mut self,
        credentials: &Credentials,
        now: OffsetDateTime,
    ) -> StoreResult<(ReaderInfo, ed25519_dalek::SigningKey)> {
        let Some((info, sealed_json)) = self.reader_with_key(&credentials.reader_id)? else {
            return Err(StoreError::AccessDenied(format!(
                "unknown reader {}",
                credentials.reader_id
            )));
        };
        let sealed: EncryptedKey = crate::json::from_str(&sealed_json)
            .map_err(|e| SigningError::KeyFormat(format!("stored key of {}: {e}", info.id)))?;
        match signing::unlock(&info.id, &sealed, &credentials.passphrase) {
            Ok(key) => Ok((info, key)),
            Err(SigningError::WrongPassphrase) => {
                let tx = self.write_tx()?;
                audit_all(
                    &tx,
                    &[NewAuditEntry {
                        actor: info.id.clone(),
                        entity_type: EntityType::Signature,
                        entity_id: info.id.clone(),
                        action: AuditAction::Refused,
                        old_value: None,
                        new_value: Some(json!({"reason": "wrong passphrase"})),
                        ruleset: None,
                    }],
                    now,
                )?;
                tx.commit()?;
                Err(SigningError::WrongPassphrase.into())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Signs a reader in: checks the passphrase against the reader's sealed key.
    pub fn sign_in(
        &mut self,
        credentials: &Credentials,
        now: OffsetDateTime,
    ) -> StoreResult<Session> {
        let (reader, _key) = self.unlock_signing_key(credentials, now)?;
        Ok(Session { reader })
    }

    /// Compares a signature's embedded public key with the key registered for its signer.
    pub fn check_signer_key(&self, block: &SignatureBlock) -> StoreResult<KeyCheck> {
        Ok(match self.reader(&block.signer_id)? {
            None => KeyCheck::UnknownReader {
                reader_id: block.signer_id.clone(),
            },
            Some(r) if r.public_key_hex == block.public_key_hex => KeyCheck::MatchesRegistry {
                reader_id: r.id,
                registered_name: r.name,
            },
            Some(r) => KeyCheck::KeyMismatch { reader_id: r.id },
        })
    }
}
