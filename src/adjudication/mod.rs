//! Dual independent reads and their adjudication.
//!
//! * [`rules`]: discordance rules as data ([`DiscordanceRules`]: built-in default, or the
//!   `[discordance]` table of a protocol / rules TOML file).
//! * [`discordance()`]: `(&read_a, &read_b, &rules) -> Discordance` with every rule's status and
//!   the values it compared; `echolab adjudicate check` prints it.
//! * [`record`]: [`AdjudicationRecord`], the adjudicator's decision (one read chosen, or a value
//!   per disputed parameter with reasons).
//! * [`sign`]: [`sign_adjudication`] / [`verify_adjudication`] with meaning `adjudication`.
//! * [`worklist`]: [`needing_adjudication`]`(&reports, &rules)`, the discordant pairs of signed
//!   reads per study (the adjudicator's worklist).
//! * [`adjudicated_report`]: the adjudicated result as a reading report of its own
//!   ([`adjudicated_report()`]), signed with meaning `adjudication`
//!   ([`sign_adjudication_with_report`] signs the record and the report in one step).

pub mod adjudicated_report;
pub mod discordance;
pub mod record;
pub mod rules;
pub mod sign;
pub mod worklist;

pub use adjudicated_report::{
    AdjudicatedReportError, adjudicated_report, sign_adjudicated_report,
    sign_adjudication_with_report,
};
pub use discordance::{Discordance, ReadRef, RuleResult, RuleStatus, Side, discordance};
pub use record::{
    ADJUDICATION_SCHEMA_VERSION, AdjudicatedGrade, AdjudicatedValue, AdjudicationError,
    AdjudicationRecord, AdjudicationStatus, Decision, ValueOrigin, parse_adjudication,
};
pub use rules::{DiscordanceRules, OnMissing, Rule, RuleKind, RulesError};
pub use sign::{
    ADJUDICATION_SIGNATURE_DOMAIN, adjudication_content_sha256, sign_adjudication,
    verify_adjudication,
};
pub use worklist::{needing_adjudication, study_pairs};
