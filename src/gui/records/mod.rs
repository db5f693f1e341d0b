//! Signed reading records in the workstation: sign-in as a reader, the
//! worklist of assigned studies, draft autosave and explicit save, the Part 11 signing dialog,
//! and signed reports with their version and audit history.
//!
//! The panels read [`RecordsModel`] (plus their own form buffers) and return
//! [`RecordsCommand`]s; [`App::apply_records`](crate::gui::App::apply_records) in [`apply`] is
//! the one place that changes records state. Everything durable goes through
//! [`crate::store::Store`].
//!
//! * [`sign_in`]: reader id + passphrase;
//! * [`worklist`]: assigned studies with status to read / draft / signed;
//! * [`sign_dialog`]: the modal with the manifestation text, asking id + passphrase again;
//! * [`history`]: a read's versions (text rendering, verification) and audit entries;
//! * [`restore`]: a stored read put back on screen, so the screen is what is saved and signed.

pub mod apply;
pub mod credentials;
pub mod history;
pub mod import;
pub mod restore;
pub mod sign_dialog;
pub mod sign_in;
pub mod worklist;

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::OnceLock;

use egui::Ui;

use crate::audit::AuditEntry;
use crate::report::{ReadingReport, ReportStatus, SignatureMeaning};
use crate::store::{Session, Store, VersionInfo, WorklistItem};

/// Seconds between autosaves of the open draft.
pub const AUTOSAVE_INTERVAL_S: f64 = 2.0;

static DB_OVERRIDE: OnceLock<PathBuf> = OnceLock::new();

/// Sets the database path for every app created afterwards (`echolab --db PATH`). Only the first
/// call counts.
pub fn set_db_override(path: PathBuf) {
    let _ = DB_OVERRIDE.set(path);
}

/// A passphrase: its `Debug` form never shows the text.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// A records intent.
#[derive(Clone, Debug, PartialEq)]
pub enum RecordsCommand {
    /// Show the sign-in window.
    ShowSignIn,
    /// Hide the sign-in window.
    CloseSignIn,
    /// Show or hide the worklist window.
    ShowWorklist(bool),
    /// Sign in with these credentials.
    SignIn {
        /// Reader id.
        reader_id: String,
        /// Passphrase.
        passphrase: Secret,
    },
    /// Sign out (the open draft is saved first).
    SignOut,
    /// Reload the worklist from the database.
    RefreshWorklist,
    /// Start or resume the read of a study and open its files.
    OpenStudy(String),
    /// Save the open draft now.
    SaveDraft,
    /// Open the signing dialog for the open draft.
    OpenSignDialog,
    /// Close the signing dialog without signing.
    CancelSign,
    /// Sign the open draft (the id and passphrase are typed again).
    Sign {
        /// Reader id typed in the dialog.
        reader_id: String,
        /// Passphrase typed in the dialog.
        passphrase: Secret,
        /// Meaning of the signature.
        meaning: SignatureMeaning,
        /// The reader confirmed signing a read without measurements, findings or grade.
        confirm_empty: bool,
    },
    /// Show a read's report, versions and audit history.
    ShowHistory(String),
    /// Show this version in the history window.
    ShowVersion(u32),
    /// Close the history window.
    CloseHistory,
    /// Open an amendment (new draft version) of a signed read.
    Amend(String),
    /// Show or hide the import window (admins).
    ShowImport(bool),
    /// Choose a file or folder of the import window with the native dialog.
    PickImportPath(import::ImportPathField),
    /// Import a folder into the database (admins; runs in the background).
    StartImport(import::ImportRequest),
}

/// The read being worked on.
#[derive(Debug, Clone)]
pub struct CurrentRead {
    /// Study Instance UID.
    pub study_uid: String,
    /// The report as last loaded, saved or signed.
    pub report: ReadingReport,
    /// SOP Instance UID of each study file, by the path the database registered it with
    /// (used when an open file's header has no SOP Instance UID).
    pub sop_by_path: BTreeMap<String, String>,
    /// Whether the stored read is on screen yet (its files may still be loading).
    pub restore: RestoreState,
    /// UTC time of the last save that wrote something.
    pub saved_utc: Option<String>,
}

impl CurrentRead {
    /// The read id.
    pub fn read_id(&self) -> &str {
        &self.report.report_id
    }

    /// Whether the report can still be edited and saved.
    pub fn is_draft(&self) -> bool {
        self.report.status == ReportStatus::Draft && self.report.signature.is_none()
    }

    /// Why the workstation must not change the reading now, if it must not: a signed read is
    /// locked until Amend, and a stored read not yet on screen would be overwritten.
    pub fn edit_lock(&self) -> Option<String> {
        match &self.restore {
            RestoreState::Pending => {
                return Some("The saved read is still being put on screen; wait.".to_owned());
            }
            RestoreState::Failed(why) => {
                return Some(format!(
                    "The saved read could not be put on screen ({why}); nothing is saved until \
                     it is. Open the study again from the Worklist."
                ));
            }
            RestoreState::Done => {}
        }
        (!self.is_draft()).then(|| {
            format!(
                "Read {} version {} is signed and locked: choose Reading ▸ Amend to change it.",
                self.report.report_id, self.report.version
            )
        })
    }
}

/// Whether the stored read has been put on screen ([`restore`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestoreState {
    /// The screen shows the read (or the read was empty and takes what the screen shows).
    Done,
    /// Waiting for the study's files to open.
    Pending,
    /// A drawing's image could not be found; the read is neither saved nor signed.
    Failed(String),
}

/// The history window's content.
#[derive(Debug, Clone)]
pub struct HistoryView {
    /// Read id.
    pub read_id: String,
    /// Versions the session may see, oldest first.
    pub versions: Vec<VersionInfo>,
    /// The version shown.
    pub selected: Option<u32>,
    /// Text rendering of the selected version (with the signature manifestation).
    pub text: String,
    /// Verification result of the selected version (`None` for drafts).
    pub verification: Option<Result<String, Vec<String>>>,
    /// Audit entries, oldest first, or why they cannot be shown.
    pub audit: Result<Vec<AuditEntry>, String>,
}

/// Which records windows are open.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Windows {
    /// Sign-in window.
    pub sign_in: bool,
    /// Worklist window.
    pub worklist: bool,
    /// Signing dialog (modal).
    pub sign_dialog: bool,
    /// Import window (admins).
    pub import: bool,
}

/// Records state the panels read.
#[derive(Debug, Default)]
pub struct RecordsModel {
    /// Database path (`None`: `--db`, else `$ECHOLAB_DB`, else the user's data directory).
    pub db_path: Option<PathBuf>,
    store: Option<Store>,
    /// The signed-in reader.
    pub session: Option<Session>,
    /// The session's worklist.
    pub worklist: Vec<WorklistItem>,
    /// The read being worked on.
    pub current: Option<CurrentRead>,
    /// The history window, when open.
    pub history: Option<HistoryView>,
    /// Open windows.
    pub windows: Windows,
    /// Last records message (errors and confirmations).
    pub message: Option<String>,
    /// Error shown in the sign-in window.
    pub sign_in_error: Option<String>,
    /// Error shown in the signing dialog (e.g. a wrong passphrase).
    pub sign_error: Option<String>,
    /// `ctx.input().time` of the last autosave attempt.
    pub last_autosave_s: Option<f64>,
    /// An import is running in the background.
    pub import_running: bool,
    /// Summary (or error) of the last import.
    pub import_result: Option<Result<String, String>>,
    /// The running import's answer.
    import_job: Option<std::sync::mpsc::Receiver<Result<String, String>>>,
}

impl RecordsModel {
    /// The database path this app uses.
    pub fn resolved_db_path(&self) -> Option<PathBuf> {
        self.db_path
            .clone()
            .or_else(|| DB_OVERRIDE.get().cloned())
            .or_else(crate::store::default_db_path)
    }

    /// The open reading database (after sign-in).
    pub fn database(&self) -> Option<&Store> {
        self.store.as_ref()
    }

    /// Whether the signed-in reader is an admin.
    pub fn is_admin(&self) -> bool {
        self.session
            .as_ref()
            .is_some_and(|s| s.role() == crate::store::Role::Admin)
    }

    /// The signed-in reader's display name, `Name (id)`.
    pub fn signed_in_label(&self) -> Option<String> {
        self.session
            .as_ref()
            .map(|s| format!("{} ({})", s.name(), s.reader_id()))
    }
}

/// Text typed into the sign-in window.
#[derive(Debug, Clone, Default)]
pub struct SignInForm {
    /// Reader id.
    pub reader_id: String,
    /// Passphrase.
    pub passphrase: Secret,
}

/// Text typed into the signing dialog.
#[derive(Debug, Clone)]
pub struct SignForm {
    /// Reader id typed again.
    pub reader_id: String,
    /// Passphrase typed again.
    pub passphrase: Secret,
    /// Chosen meaning.
    pub meaning: SignatureMeaning,
    /// Ticked to sign a read that holds nothing.
    pub confirm_empty: bool,
}

impl Default for SignForm {
    fn default() -> Self {
        SignForm {
            reader_id: String::new(),
            passphrase: Secret::default(),
            meaning: SignatureMeaning::Authorship,
            confirm_empty: false,
        }
    }
}

/// Form buffers (the only state the panels write).
#[derive(Debug, Clone, Default)]
pub struct Forms {
    /// Sign-in window.
    pub sign_in: SignInForm,
    /// Signing dialog.
    pub sign: SignForm,
    /// Import window.
    pub import: import::ImportForm,
}

/// Everything the records feature keeps on the app.
#[derive(Debug, Default)]
pub struct RecordsState {
    /// State read by the panels.
    pub model: RecordsModel,
    /// Form buffers.
    pub forms: Forms,
}

/// The "Reading" menu entries (inside the menu bar's `Reading` menu).
pub fn reading_menu_ui(ui: &mut Ui, model: &RecordsModel) -> Vec<RecordsCommand> {
    let mut out = Vec::new();
    let signed_in = model.session.is_some();
    let draft = model.current.as_ref().is_some_and(CurrentRead::is_draft);
    if let Some(who) = model.signed_in_label() {
        ui.label(format!("Signed in: {who}"));
    }
    let mut item = |ui: &mut Ui, enabled: bool, text: &str, command: RecordsCommand| {
        if ui.add_enabled(enabled, egui::Button::new(text)).clicked() {
            out.push(command);
            ui.close();
        }
    };
    item(ui, !signed_in, "Sign in…", RecordsCommand::ShowSignIn);
    item(
        ui,
        signed_in,
        "Worklist",
        RecordsCommand::ShowWorklist(true),
    );
    item(ui, draft, "Save draft", RecordsCommand::SaveDraft);
    item(ui, draft, "Sign…", RecordsCommand::OpenSignDialog);
    let read = model.current.as_ref().map(|c| c.read_id().to_owned());
    let signed = model
        .current
        .as_ref()
        .is_some_and(|c| !c.is_draft() && c.restore == RestoreState::Done);
    item(
        ui,
        signed,
        "Amend signed read",
        RecordsCommand::Amend(read.clone().unwrap_or_default()),
    );
    item(
        ui,
        read.is_some(),
        "History",
        RecordsCommand::ShowHistory(read.unwrap_or_default()),
    );
    item(
        ui,
        model.is_admin(),
        "Import folder…",
        RecordsCommand::ShowImport(true),
    );
    item(ui, signed_in, "Sign out", RecordsCommand::SignOut);
    out
}

/// The records windows and the signing dialog (call once per frame).
pub fn records_ui(ctx: &egui::Context, state: &mut RecordsState) -> Vec<RecordsCommand> {
    let RecordsState { model, forms } = state;
    let model = &*model;
    let mut out = Vec::new();
    if model.windows.sign_in && model.session.is_none() {
        out.extend(sign_in::sign_in_window(ctx, model, &mut forms.sign_in));
    }
    if model.windows.worklist && model.session.is_some() {
        out.extend(worklist::worklist_window(ctx, model));
    }
    if model.history.is_some() {
        out.extend(history::history_window(ctx, model));
    }
    if model.windows.import && model.is_admin() {
        out.extend(import::import_window(ctx, model, &mut forms.import));
    }
    if model.windows.sign_dialog {
        out.extend(sign_dialog::sign_dialog_ui(ctx, model, &mut forms.sign));
    }
    out
}

/// A short form of a UID for lists: the last 12 characters.
pub fn short_uid(uid: &str) -> String {
    let n = uid.chars().count();
    if n <= 16 {
        uid.to_owned()
    } else {
        let tail: String = uid.chars().skip(n - 12).collect();
        format!("…{tail}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_debug_hides_the_text() {
        let s = Secret("hunter2".into());
        assert!(!format!("{s:?}").contains("hunter2"));
        let c = RecordsCommand::SignIn {
            reader_id: "r1".into(),
            passphrase: s,
        };
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    #[test]
    fn short_uid_keeps_the_tail() {
        assert_eq!(short_uid("1.2.3"), "1.2.3");
        assert_eq!(
            short_uid("2.25.4880751834765361451659509917129007534"),
            "…917129007534"
        );
    }
}
