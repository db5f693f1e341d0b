//! The lab's trust anchor in the database: the pinned lab key (created once by
//! [`Store::init_lab`]), reader certificates issued at enrolment and rotation, and revocations.
//! Every one of them is also an entry of the audit chain, written in the same transaction.

use ed25519_dalek::{SigningKey, VerifyingKey};
use rusqlite::{OptionalExtension, params};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::readers::{ReaderInfo, validate_reader_id};
use super::{Store, StoreError, StoreResult, audit_all};
use crate::audit::{AuditAction, EntityType, NewAuditEntry};
use crate::report::canonical::to_canonical_bytes;
use crate::report::{ReaderCertificate, SignatureBlock, format_utc};
use crate::signing::lab::{
    LAB_KEY_ID, LabPublicKey, LabTrust, NOT_CERTIFIED, Revocation, issue_certificate,
    issue_revocation,
};
use crate::signing::{self, EncryptedKey, SigningError, key_fingerprint, parse_public_key};

/// The unlocked lab key (never printed).
pub(crate) struct LabSigner(pub(crate) SigningKey);

impl std::fmt::Debug for LabSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LabSigner(***)")
    }
}

/// SHA-256 (lowercase hex) of the canonical JSON of a certificate or revocation.
pub fn item_sha256<T: serde::Serialize>(item: &T) -> StoreResult<String> {
    let v = serde_json::to_value(item).map_err(|e| StoreError::Invalid(e.to_string()))?;
    let bytes = to_canonical_bytes(&v).map_err(|e| StoreError::Invalid(e.to_string()))?;
    Ok(hex::encode(Sha256::digest(bytes)))
}

fn to_json<T: serde::Serialize>(item: &T) -> StoreResult<String> {
    serde_json::to_string(item).map_err(|e| StoreError::Invalid(e.to_string()))
}

impl Store {
    /// Creates the lab's signing key, sealed with `passphrase`, and pins its public key in the
    /// database. Done once per database (`echolab server init`); the key stays unlocked in this
    /// `Store` for enrolling readers.
    pub fn init_lab(
        &mut self,
        actor: &str,
        lab_name: &str,
        passphrase: &str,
        now: OffsetDateTime,
    ) -> StoreResult<LabPublicKey> {
        if lab_name.trim().is_empty() {
            return Err(StoreError::Invalid("the lab name is empty".into()));
        }
        if self.lab_public_key()?.is_some() {
            return Err(StoreError::Conflict(
                "this database already has a lab key; it is created only once".into(),
            ));
        }
        let (public, sealed) = signing::generate_key(LAB_KEY_ID, passphrase, self.kdf)?;
        let lab = LabPublicKey::of(lab_name.trim(), &public);
        let signer = signing::unlock(LAB_KEY_ID, &sealed, passphrase)?;
        let tx = self.write_tx()?;
        tx.execute(
            "INSERT INTO lab_key (id, lab_name, public_key_hex, fingerprint_sha256, \
             encrypted_key_json, created_utc) VALUES (1, ?1, ?2, ?3, ?4, ?5)",
            params![
                lab.lab_name,
                lab.public_key_hex,
                lab.fingerprint_sha256,
                to_json(&sealed)?,
                format_utc(now)
            ],
        )?;
        audit_all(
            &tx,
            &[NewAuditEntry {
                actor: actor.to_owned(),
                entity_type: EntityType::LabKey,
                entity_id: "lab".to_owned(),
                action: AuditAction::Create,
                old_value: None,
                new_value: Some(json!({
                    "lab_name": lab.lab_name,
                    "public_key_hex": lab.public_key_hex,
                    "fingerprint_sha256": lab.fingerprint_sha256,
                })),
                ruleset: None,
            }],
            now,
        )?;
        tx.commit()?;
        self.lab = Some(LabSigner(signer));
        Ok(lab)
    }

    /// Unlocks the lab key with its passphrase (needed to enrol, rotate or revoke readers).
    pub fn unlock_lab(&mut self, passphrase: &str) -> StoreResult<()> {
        let sealed: Option<String> = self
            .conn
            .query_row(
                "SELECT encrypted_key_json FROM lab_key WHERE id = 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        let sealed = sealed.ok_or_else(no_lab)?;
        let sealed: EncryptedKey = serde_json::from_str(&sealed)
            .map_err(|e| SigningError::KeyFormat(format!("stored lab key: {e}")))?;
        let key = match signing::unlock(LAB_KEY_ID, &sealed, passphrase) {
            Ok(k) => k,
            Err(SigningError::WrongPassphrase) => {
                return Err(StoreError::AccessDenied(
                    "wrong lab passphrase: the lab key was not unlocked".into(),
                ));
            }
            Err(e) => return Err(e.into()),
        };
        let pinned = self.lab_public_key()?.ok_or_else(no_lab)?;
        if pinned.1 != key.verifying_key() {
            return Err(StoreError::Conflict(
                "the sealed lab key does not match the pinned lab public key".into(),
            ));
        }
        self.lab = Some(LabSigner(key));
        Ok(())
    }

    /// The lab public key pinned in this database, if one was created.
    pub fn lab_public_key(&self) -> StoreResult<Option<(LabPublicKey, VerifyingKey)>> {
        let row: Option<(String, String, String)> = self
            .conn
            .query_row(
                "SELECT lab_name, public_key_hex, fingerprint_sha256 FROM lab_key WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((lab_name, public_key_hex, fingerprint)) = row else {
            return Ok(None);
        };
        let key = parse_public_key(&public_key_hex)?;
        if key_fingerprint(&key) != fingerprint {
            return Err(StoreError::Conflict(
                "the pinned lab key does not match its fingerprint".into(),
            ));
        }
        Ok(Some((LabPublicKey::of(&lab_name, &key), key)))
    }

    /// Every revocation recorded (rotations included), oldest first.
    pub fn revocations(&self) -> StoreResult<Vec<Revocation>> {
        let mut stmt = self
            .conn
            .prepare("SELECT revocation_json FROM key_revocations ORDER BY id")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for text in rows {
            let text = text?;
            out.push(serde_json::from_str(&text).map_err(|e| {
                StoreError::Invalid(format!("stored key revocation is malformed: {e}"))
            })?);
        }
        Ok(out)
    }

    /// What signers are checked against: `lab_key_file`'s key if given (it must equal the key
    /// pinned here, if any), else the pinned key; with this database's revocations.
    pub fn lab_trust(&self, lab_key_file: Option<&LabTrust>) -> StoreResult<LabTrust> {
        let pinned = self.lab_public_key()?;
        let (lab, key) = match (lab_key_file, pinned) {
            (Some(file), Some((_, pinned))) if file.key() != &pinned => {
                return Err(StoreError::Conflict(format!(
                    "the lab key pinned in this database ({}) is not the lab key given ({})",
                    key_fingerprint(&pinned),
                    file.lab.fingerprint_sha256
                )));
            }
            (Some(file), _) => (file.lab.clone(), *file.key()),
            (None, Some(p)) => p,
            (None, None) => return Err(no_lab()),
        };
        Ok(LabTrust::new(lab, key, self.revocations()?))
    }

    /// Checks the signer of `block` against `trust` and the audit trail: the certificate must
    /// be the lab's, and the audit trail must record the enrolment (or rotation) of exactly
    /// this key for this reader. Returns the problems (empty when the signer is trusted).
    pub fn check_signer_trust(
        &self,
        block: &SignatureBlock,
        trust: &LabTrust,
    ) -> StoreResult<Vec<String>> {
        let mut problems = Vec::new();
        if let Err(e) = trust.check(block) {
            problems.push(e);
            return Ok(problems);
        }
        let mut stmt = self.conn.prepare(
            "SELECT new_value FROM audit_log WHERE entity_type = 'reader' AND entity_id = ?1 \
             AND action IN ('create', 'modify') ORDER BY seq",
        )?;
        let rows = stmt.query_map([&block.signer_id], |r| r.get::<_, Option<String>>(0))?;
        let mut enrolled = false;
        for v in rows {
            let v: Option<Value> = v?.and_then(|t| serde_json::from_str(&t).ok());
            if v.as_ref()
                .and_then(|v| v.get("public_key_hex"))
                .and_then(Value::as_str)
                == Some(block.public_key_hex.as_str())
            {
                enrolled = true;
            }
        }
        if !enrolled {
            problems.push(format!(
                "{NOT_CERTIFIED}: the audit trail records no enrolment of this key for {}",
                block.signer_id
            ));
        }
        Ok(problems)
    }

    /// The certificate of the reader's current key.
    pub fn reader_certificate(&self, id: &str) -> StoreResult<Option<ReaderCertificate>> {
        let text: Option<Option<String>> = self
            .conn
            .query_row(
                "SELECT certificate_json FROM readers WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?;
        text.flatten()
            .map(|t| {
                serde_json::from_str(&t).map_err(|e| {
                    StoreError::Invalid(format!("stored certificate of {id} is malformed: {e}"))
                })
            })
            .transpose()
    }

    /// The unlocked lab key, or why enrolment cannot proceed.
    pub(crate) fn lab_signer(&self) -> StoreResult<&SigningKey> {
        match &self.lab {
            Some(LabSigner(k)) => Ok(k),
            None if self.lab_public_key()?.is_none() => Err(no_lab()),
            None => Err(StoreError::AccessDenied(
                "the lab key is locked: unlock it with the lab passphrase to enrol, rotate or \
                 revoke readers"
                    .into(),
            )),
        }
    }

    /// Issues a certificate of `public_key_hex` for a reader (lab key unlocked).
    pub(crate) fn certify(
        &self,
        id: &str,
        name: &str,
        role: &str,
        public_key_hex: &str,
        now: OffsetDateTime,
    ) -> StoreResult<ReaderCertificate> {
        let lab = self.lab_signer()?;
        Ok(issue_certificate(
            lab,
            id,
            name,
            role,
            public_key_hex,
            &format_utc(now),
        )?)
    }

    /// Revokes a reader's current key from `now`: their later signatures fail verification,
    /// earlier ones stay valid. Needs the lab key unlocked.
    pub fn revoke_reader(
        &mut self,
        actor: &str,
        id: &str,
        reason: &str,
        now: OffsetDateTime,
    ) -> StoreResult<Revocation> {
        let reader = self
            .reader(id)?
            .ok_or_else(|| StoreError::NotFound(format!("reader {id}")))?;
        let revocation = issue_revocation(
            self.lab_signer()?,
            id,
            &reader.public_key_hex,
            &format_utc(now),
            &format!("revoked: {}", reason.trim()),
        )?;
        let tx = self.write_tx()?;
        insert_revocation(&tx, &revocation)?;
        audit_all(
            &tx,
            &[NewAuditEntry {
                actor: actor.to_owned(),
                entity_type: EntityType::Reader,
                entity_id: id.to_owned(),
                action: AuditAction::Delete,
                old_value: Some(json!({"public_key_hex": reader.public_key_hex})),
                new_value: Some(json!({
                    "revoked_public_key_hex": revocation.public_key_hex,
                    "revoked_at_utc": revocation.revoked_at_utc,
                    "reason": revocation.reason,
                    "revocation_sha256": item_sha256(&revocation)?,
                })),
                ruleset: None,
            }],
            now,
        )?;
        tx.commit()?;
        Ok(revocation)
    }

    /// Replaces a reader's key pair with a new one sealed by `new_passphrase`: the old key is
    /// revoked from `now` (reason `rotated`) and the new key certified from `now`.
    pub fn rotate_reader_key(
        &mut self,
        actor: &str,
        id: &str,
        new_passphrase: &str,
        now: OffsetDateTime,
    ) -> StoreResult<ReaderInfo> {
        validate_reader_id(id)?;
        let mut reader = self
            .reader(id)?
            .ok_or_else(|| StoreError::NotFound(format!("reader {id}")))?;
        let (_public, sealed) = signing::generate_key(id, new_passphrase, self.kdf)?;
        let cert = self.certify(
            id,
            &reader.name,
            reader.role.code(),
            &sealed.public_key_hex,
            now,
        )?;
        let revocation = issue_revocation(
            self.lab_signer()?,
            id,
            &reader.public_key_hex,
            &format_utc(now),
            "rotated",
        )?;
        let old_key = std::mem::replace(&mut reader.public_key_hex, sealed.public_key_hex.clone());
        let tx = self.write_tx()?;
        tx.execute(
            "UPDATE readers SET public_key_hex = ?2, encrypted_key_json = ?3, \
             certificate_json = ?4 WHERE id = ?1",
            params![
                id,
                reader.public_key_hex,
                to_json(&sealed)?,
                to_json(&cert)?
            ],
        )?;
        insert_certificate(&tx, &cert, now)?;
        insert_revocation(&tx, &revocation)?;
        audit_all(
            &tx,
            &[NewAuditEntry {
                actor: actor.to_owned(),
                entity_type: EntityType::Reader,
                entity_id: id.to_owned(),
                action: AuditAction::Modify,
                old_value: Some(json!({"public_key_hex": old_key})),
                new_value: Some(json!({
                    "public_key_hex": reader.public_key_hex,
                    "key_fingerprint_sha256": parse_public_key(&reader.public_key_hex)
                        .map(|k| key_fingerprint(&k))
                        .unwrap_or_default(),
                    "certificate_sha256": item_sha256(&cert)?,
                    "lab_key_fingerprint_sha256": cert.lab_key_fingerprint_sha256,
                    "revocation_sha256": item_sha256(&revocation)?,
                })),
                ruleset: None,
            }],
            now,
        )?;
        tx.commit()?;
        Ok(reader)
    }
}

fn no_lab() -> StoreError {
    StoreError::NotFound(
        "this database has no lab key: create it first with `echolab server init --db PATH`".into(),
    )
}

/// Records a certificate inside `tx`.
pub(crate) fn insert_certificate(
    tx: &rusqlite::Transaction<'_>,
    cert: &ReaderCertificate,
    now: OffsetDateTime,
) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO reader_certificates (reader_id, public_key_hex, certificate_json, \
         issued_utc) VALUES (?1, ?2, ?3, ?4)",
        params![
            cert.reader_id,
            cert.public_key_hex,
            to_json(cert)?,
            format_utc(now)
        ],
    )?;
    Ok(())
}

fn insert_revocation(tx: &rusqlite::Transaction<'_>, r: &Revocation) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO key_revocations (reader_id, public_key_hex, revocation_json, revoked_utc) \
         VALUES (?1, ?2, ?3, ?4)",
        params![r.reader_id, r.public_key_hex, to_json(r)?, r.revoked_at_utc],
    )?;
    Ok(())
}
