//! Blinded re-reads: a share of studies with a signed first read is chosen at random (seeded,
//! the seed and the choice recorded in the audit trail) and given again to the same reader(s) as
//! read number 2. Until the re-read is signed the reader cannot open any read of that study,
//! their own first read included (see [`super::access`]).
//!
//! The shuffle is a Fisher–Yates over ChaCha8 words, written out here rather than taken from
//! `rand::seq` so that a recorded seed reproduces the same choice whatever `rand` version is
//! linked (ChaCha8's output stream is fixed by its specification).

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore as _, SeedableRng as _};
use rusqlite::params;
use serde::Serialize;
use serde_json::json;
use time::{Duration, OffsetDateTime};

use super::{Store, StoreError, StoreResult, audit_all};
use crate::audit::{AuditAction, EntityType, NewAuditEntry};
use crate::protocol::RereadPolicy;
use crate::report::format_utc;

/// One re-read given to a reader.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RereadAssignment {
    /// Study.
    pub study_uid: String,
    /// Reader (the author of the first read).
    pub reader_id: String,
    /// The first read, which the reader cannot open until the re-read is signed.
    pub first_read_id: String,
    /// Earliest start of the re-read (first read signed + the minimum delay).
    pub not_before_utc: String,
}

/// The outcome of one random choice of re-reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RereadSelection {
    /// The seed (recorded in the audit trail).
    pub seed: u64,
    /// Studies whose first reads were signed at least the minimum delay ago.
    pub eligible_studies: usize,
    /// Of those, studies already chosen earlier.
    pub already_chosen: usize,
    /// Studies chosen now.
    pub chosen_studies: Vec<String>,
    /// The re-reads assigned now.
    pub assignments: Vec<RereadAssignment>,
}

/// Fisher–Yates shuffle of `items` driven by ChaCha8 seeded with `seed`.
fn shuffle<T>(items: &mut [T], seed: u64) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for i in (1..items.len()).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
}

impl Store {
    /// Chooses studies for blinded re-reads under `policy` and assigns each to the reader(s) of
    /// its signed first read(s). Eligible: studies (of `trial_id`, if given) with a signed first
    /// read signed at least `min_delay_days` before `now`. The number chosen tops the re-read
    /// studies up to `ceil(fraction × eligible)`; studies chosen earlier stay chosen.
    pub fn assign_rereads(
        &mut self,
        actor: &str,
        trial_id: Option<&str>,
        policy: &RereadPolicy,
        seed: u64,
        now: OffsetDateTime,
    ) -> StoreResult<RereadSelection> {
        if !(policy.fraction > 0.0 && policy.fraction <= 1.0) {
            return Err(StoreError::Invalid(format!(
                "re-read fraction {} is not in (0, 1]",
                policy.fraction
            )));
        }
        let cutoff = format_utc(now - Duration::days(i64::from(policy.min_delay_days)));
        // (study, reader, first read, signed at) of every signed first read old enough.
        let mut stmt = self.conn.prepare(
            "SELECT r.study_uid, r.reader_id, r.id, MIN(v.signed_utc) \
             FROM reads r JOIN read_versions v ON v.read_id = r.id \
             JOIN studies s ON s.study_uid = r.study_uid \
             LEFT JOIN subjects su ON su.id = s.subject_id \
             WHERE r.read_number = 1 AND v.status IN ('signed', 'superseded') \
               AND (?1 IS NULL OR su.trial_id = ?1) \
             GROUP BY r.id HAVING MIN(v.signed_utc) <= ?2 \
             ORDER BY r.study_uid, r.reader_id",
        )?;
        let reads: Vec<(String, String, String, String)> = stmt
            .query_map(params![trial_id, cutoff], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?
            .collect::<Result<_, _>>()?;
        drop(stmt);
        let mut studies: Vec<String> = reads.iter().map(|r| r.0.clone()).collect();
        studies.dedup();
        let mut chosen_before = self
            .conn
            .prepare("SELECT DISTINCT study_uid FROM rereads")?;
        let before: std::collections::BTreeSet<String> = chosen_before
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        drop(chosen_before);
        let already = studies.iter().filter(|s| before.contains(*s)).count();
        let target = (policy.fraction * studies.len() as f64).ceil() as usize;
        let mut pool: Vec<String> = studies
            .iter()
            .filter(|s| !before.contains(*s))
            .cloned()
            .collect();
        shuffle(&mut pool, seed);
        pool.truncate(target.saturating_sub(already));
        pool.sort();
        let delay = Duration::days(i64::from(policy.min_delay_days));
        let mut assignments = Vec::new();
        for (study, reader, first, signed_at) in &reads {
            if pool.binary_search(study).is_err() {
                continue;
            }
            let signed =
                OffsetDateTime::parse(signed_at, &time::format_description::well_known::Rfc3339)
                    .map_err(|e| StoreError::Conflict(format!("read {first}: signed time: {e}")))?;
            assignments.push(RereadAssignment {
                study_uid: study.clone(),
                reader_id: reader.clone(),
                first_read_id: first.clone(),
                not_before_utc: format_utc(signed + delay),
            });
        }
        let selection = RereadSelection {
            seed,
            eligible_studies: studies.len(),
            already_chosen: already,
            chosen_studies: pool,
            assignments,
        };
        let tx = self.write_tx()?;
        let mut entries = vec![NewAuditEntry {
            actor: actor.to_owned(),
            entity_type: EntityType::Assignment,
            entity_id: format!("reread-selection:{seed}"),
            action: AuditAction::Create,
            old_value: None,
            new_value: Some(json!({
                "seed": seed.to_string(),
                "trial_id": trial_id,
                "fraction": policy.fraction,
                "min_delay_days": policy.min_delay_days,
                "eligible_studies": selection.eligible_studies,
                "already_chosen": selection.already_chosen,
                "chosen_studies": selection.chosen_studies,
            })),
            ruleset: None,
        }];
        for a in &selection.assignments {
            tx.execute(
                "INSERT INTO rereads (study_uid, reader_id, first_read_id, seed, not_before_utc, \
                 assigned_utc, assigned_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    a.study_uid,
                    a.reader_id,
                    a.first_read_id,
                    seed.to_string(),
                    a.not_before_utc,
                    format_utc(now),
                    actor
                ],
            )?;
            entries.push(NewAuditEntry {
                actor: actor.to_owned(),
                entity_type: EntityType::Assignment,
                entity_id: format!("{}:{}:reread", a.study_uid, a.reader_id),
                action: AuditAction::Create,
                old_value: None,
                new_value: Some(json!({
                    "study_uid": a.study_uid,
                    "reader_id": a.reader_id,
                    "read_number": 2,
                    "first_read_id": a.first_read_id,
                    "not_before_utc": a.not_before_utc,
                    "seed": seed.to_string(),
                })),
                ruleset: None,
            });
        }
        audit_all(&tx, &entries, now)?;
        tx.commit()?;
        Ok(selection)
    }

    /// Every re-read assignment `(study, reader, first read, seed, not before)`, by study.
    pub fn rereads(&self) -> StoreResult<Vec<(RereadAssignment, String)>> {
        let mut stmt = self.conn.prepare(
            "SELECT study_uid, reader_id, first_read_id, not_before_utc, seed FROM rereads \
             ORDER BY study_uid, reader_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                RereadAssignment {
                    study_uid: r.get(0)?,
                    reader_id: r.get(1)?,
                    first_read_id: r.get(2)?,
                    not_before_utc: r.get(3)?,
                },
                r.get(4)?,
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::shuffle;

    #[test]
    fn seeded_shuffle_is_reproducible() {
        let mut a: Vec<u32> = (0..20).collect();
        let mut b = a.clone();
        shuffle(&mut a, 42);
        shuffle(&mut b, 42);
        assert_eq!(a, b);
        let mut c: Vec<u32> = (0..20).collect();
        shuffle(&mut c, 43);
        assert_ne!(a, c);
        let mut sorted = a.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..20).collect::<Vec<_>>());
    }
}
