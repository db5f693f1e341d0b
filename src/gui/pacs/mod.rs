//! File ▸ Open from PACS…: search the lab's PACS (patient / subject id, study date range,
//! accession), pick a study in the results table, retrieve it into the image cache on a
//! background thread (progress, Cancel) and open it, over DICOMweb (URL) or DIMSE (AE title,
//! host, port). The PACS list (name, URL or AE title/host/port, user) is saved per workstation ([`crate::pacs::PacsList`]); the password is typed and never saved.
//!
//! The window reads [`PacsState`] and returns [`PacsCommand`]s; [`PacsState::apply`] is the one
//! place that changes it. The app calls [`show`] once per frame; a finished retrieval becomes
//! the app's own "open these files" command.

mod window;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::dicom::dimse::DimsePeer;
use crate::export::{ExportOptions, SignedInput};
use crate::gui::App;
use crate::gui::app::Command;
use crate::pacs::dicomweb::DicomWeb;
use crate::pacs::retrieve::RetrieveOptions;
use crate::pacs::{Pacs, PacsEndpoint, PacsList, StudyMatch, StudyQuery};

/// A PACS-window intent.
#[derive(Debug, Clone, PartialEq)]
pub enum PacsCommand {
    /// Show or hide the window.
    Show(bool),
    /// Fill the connection fields from the saved PACS of this index.
    UseSaved(usize),
    /// Save the connection fields (name, URL, user) in the workstation's PACS list.
    SaveEndpoint,
    /// Search with the form.
    Search,
    /// Retrieve this study (index into the results) and open it.
    Retrieve(usize),
    /// Stop the running retrieval.
    Cancel,
    /// Send the signed read on screen to the PACS as Comprehensive SR.
    SendSigned,
}

/// Text typed into the window.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PacsForm {
    /// Name of the PACS (for the saved list).
    pub name: String,
    /// DICOMweb base URL.
    pub url: String,
    /// User.
    pub user: String,
    /// Password (kept in memory only).
    pub password: String,
    /// DIMSE: the PACS's AE title (used when no DICOMweb URL is given).
    pub aet: String,
    /// DIMSE: host.
    pub host: String,
    /// DIMSE: port.
    pub port: String,
    /// DIMSE: Echolab's AE title (empty: ECHOLAB).
    pub calling_aet: String,
    /// Patient or subject id.
    pub patient: String,
    /// Study date from (YYYYMMDD).
    pub date_from: String,
    /// Study date to (YYYYMMDD).
    pub date_to: String,
    /// Accession number.
    pub accession: String,
}

impl PacsForm {
    /// The study query of the form (dates become a DICOM range).
    pub fn query(&self) -> StudyQuery {
        let (a, b) = (self.date_from.trim(), self.date_to.trim());
        let study_date = match (a.is_empty(), b.is_empty()) {
            (true, true) => None,
            (false, true) => Some(format!("{a}-")),
            (true, false) => Some(format!("-{b}")),
            (false, false) if a == b => Some(a.to_owned()),
            (false, false) => Some(format!("{a}-{b}")),
        };
        let text = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        StudyQuery {
            patient_id: text(&self.patient),
            study_date,
            modality: None,
            accession: text(&self.accession),
            study_uid: None,
        }
    }
}

/// What the background job reports.
#[derive(Debug, Clone, Default)]
pub struct JobStatus {
    /// Instances done / listed.
    pub done: usize,
    /// Instances listed.
    pub total: usize,
    /// Bytes downloaded.
    pub bytes: u64,
    /// Set when finished.
    pub finished: Option<JobEnd>,
}

/// How a job ended.
#[derive(Debug, Clone)]
pub enum JobEnd {
    /// A search: the matches, or the error line.
    Found(Result<Vec<StudyMatch>, String>),
    /// A retrieval: the folder to open, or the error line.
    Retrieved(Result<PathBuf, String>),
    /// A send: what happened, success or not.
    Sent(String),
}

/// A running search or retrieval.
#[derive(Debug)]
pub struct Job {
    /// What it is doing (shown).
    pub what: String,
    /// Shared with the thread.
    pub status: Arc<Mutex<JobStatus>>,
    /// Set to stop.
    pub cancel: Arc<AtomicBool>,
}

/// The window's state.
#[derive(Debug, Default)]
pub struct PacsState {
    /// Window open.
    pub open: bool,
    /// Form fields.
    pub form: PacsForm,
    /// The workstation's saved PACS list.
    pub saved: PacsList,
    /// Results of the last search.
    pub results: Vec<StudyMatch>,
    /// Last message (errors, confirmations).
    pub message: Option<String>,
    /// The running job.
    pub job: Option<Job>,
    /// Image cache (default: `pacs-cache` in the user's data directory).
    pub cache_dir: Option<PathBuf>,
    /// The window offers sending the signed read on screen.
    pub send_offered: bool,
    /// The DIMSE fields are shown.
    pub show_dimse: bool,
    pending: Vec<PacsCommand>,
}

impl PacsState {
    /// Queues a command (the menu uses this); applied in [`show`].
    pub fn request(&mut self, command: PacsCommand) {
        self.pending.push(command);
    }

    /// The PACS of the form: DICOMweb when a URL is given, else DIMSE.
    fn pacs(&self) -> Result<Pacs, String> {
        let f = &self.form;
        if !f.url.trim().is_empty() || f.aet.trim().is_empty() {
            return self.client().map(Pacs::Web);
        }
        let port: u16 = f
            .port
            .trim()
            .parse()
            .map_err(|_| format!("DIMSE port {:?} is not a number 1–65535", f.port))?;
        let calling = Some(f.calling_aet.trim()).filter(|c| !c.is_empty());
        let mut peer = DimsePeer::new(
            f.aet.trim(),
            f.host.trim(),
            port,
            calling.unwrap_or("ECHOLAB"),
        );
        peer.timeout = Duration::from_secs(30);
        Ok(Pacs::Dimse(peer))
    }

    fn client(&self) -> Result<DicomWeb, String> {
        let user = Some(self.form.user.trim()).filter(|u| !u.is_empty());
        let password = Some(self.form.password.as_str()).filter(|p| !p.is_empty());
        DicomWeb::new(&self.form.url, user, password, Duration::from_secs(30))
            .map_err(|e| e.to_string())
    }

    fn cache(&self) -> Option<PathBuf> {
        self.cache_dir.clone().or_else(|| {
            directories::ProjectDirs::from("org", "echolab", "echolab")
                .map(|d| d.data_dir().join("pacs-cache"))
        })
    }

    /// Applies one command; returns an app command when a study is ready to open.
    pub fn apply(&mut self, command: PacsCommand) {
        match command {
            PacsCommand::Show(open) => {
                self.open = open;
                if open && let Some(path) = PacsList::default_path() {
                    match PacsList::load(&path) {
                        Ok(list) => {
                            if self.form.url.is_empty()
                                && let Some(first) = list.pacs.first()
                            {
                                fill(&mut self.form, first);
                            }
                            self.saved = list;
                        }
                        Err(e) => self.message = Some(e.to_string()),
                    }
                }
            }
            PacsCommand::UseSaved(i) => {
                if let Some(e) = self.saved.pacs.get(i).cloned() {
                    fill(&mut self.form, &e);
                    self.show_dimse |= e.aet.is_some();
                }
            }
            PacsCommand::SaveEndpoint => self.save_endpoint(),
            PacsCommand::Search => self.start_search(),
            PacsCommand::Retrieve(i) => self.start_retrieve(i),
            // Needs the app's signed read: [`show`] starts it.
            PacsCommand::SendSigned => {}
            PacsCommand::Cancel => {
                if let Some(job) = &self.job {
                    job.cancel.store(true, Ordering::Relaxed);
                }
            }
        }
    }

    fn save_endpoint(&mut self) {
        let name = self.form.name.trim();
        let text = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        if name.is_empty() || (text(&self.form.url).is_none() && text(&self.form.aet).is_none()) {
            self.message = Some(
                "give the PACS a name and a DICOMweb URL or an AE title to save it".to_owned(),
            );
            return;
        }
        let Some(path) = PacsList::default_path() else {
            self.message = Some("no configuration folder to save the PACS list in".to_owned());
            return;
        };
        let mut list = self.saved.clone();
        list.upsert(PacsEndpoint {
            name: name.to_owned(),
            dicomweb_url: text(&self.form.url),
            user: text(&self.form.user),
            aet: text(&self.form.aet),
            host: text(&self.form.host),
            port: self.form.port.trim().parse().ok(),
            calling_aet: text(&self.form.calling_aet),
        });
        self.message = Some(match list.save(&path) {
            Ok(()) => format!("saved PACS {name:?} in {}", path.display()),
            Err(e) => e.to_string(),
        });
        self.saved = list;
    }

    fn start_search(&mut self) {
        if self.job.is_some() {
            return;
        }
        let client = match self.pacs() {
            Ok(c) => c,
            Err(e) => return self.message = Some(e),
        };
        let query = self.form.query();
        let status = Arc::new(Mutex::new(JobStatus::default()));
        let s = status.clone();
        std::thread::spawn(move || {
            let found = client.find_studies(&query).map_err(|e| e.to_string());
            if let Ok(mut st) = s.lock() {
                st.finished = Some(JobEnd::Found(found));
            }
        });
        self.message = None;
        self.job = Some(Job {
            what: "Searching…".to_owned(),
            status,
            cancel: Arc::new(AtomicBool::new(false)),
        });
    }

    fn start_retrieve(&mut self, index: usize) {
        if self.job.is_some() {
            return;
        }
        let Some(study) = self.results.get(index).map(|s| s.study_uid.clone()) else {
            return;
        };
        let client = match self.pacs() {
            Ok(c) => c,
            Err(e) => return self.message = Some(e),
        };
        let Some(cache) = self.cache() else {
            self.message = Some("no data folder for the image cache".to_owned());
            return;
        };
        let status = Arc::new(Mutex::new(JobStatus::default()));
        let cancel = Arc::new(AtomicBool::new(false));
        let (s, c) = (status.clone(), cancel.clone());
        std::thread::spawn(move || {
            let options = RetrieveOptions {
                cache_dir: cache,
                threads: 4,
                cancel: Some(&c),
            };
            let progress = |p: &crate::pacs::retrieve::Progress| {
                if let Ok(mut st) = s.lock() {
                    st.done = p.done;
                    st.total = p.total;
                    st.bytes = p.bytes;
                }
            };
            let outcome = client
                .retrieve(&study, &options, &progress)
                .map(|r| r.folder)
                .map_err(|e| e.to_string());
            if let Ok(mut st) = s.lock() {
                st.finished = Some(JobEnd::Retrieved(outcome));
            }
        });
        self.message = None;
        self.job = Some(Job {
            what: format!("Retrieving study {}", self.results[index].study_uid),
            status,
            cancel,
        });
    }

    /// Starts sending `prepared` (the signed read and the export options) on a background
    /// thread.
    fn start_send(&mut self, prepared: Result<(SignedInput, ExportOptions), String>) {
        if self.job.is_some() {
            return;
        }
        let (input, options) = match prepared {
            Ok(p) => p,
            Err(e) => return self.message = Some(e),
        };
        let client = match self.client() {
            Ok(c) => c,
            Err(e) => return self.message = Some(e),
        };
        let status = Arc::new(Mutex::new(JobStatus::default()));
        let s = status.clone();
        std::thread::spawn(move || {
            let outcome = crate::export::pacs_send::send_sr(&client, &[input], &options).map(|o| {
                let mut m = format!("sent {} SR object(s) to {}", o.sent, client.url());
                for n in o.notes {
                    m.push_str(&format!("\nnote: {n}"));
                }
                m
            });
            if let Ok(mut st) = s.lock() {
                st.finished = Some(JobEnd::Sent(
                    outcome.unwrap_or_else(|e| format!("not sent: {e}")),
                ));
            }
        });
        self.message = None;
        self.job = Some(Job {
            what: "Sending the signed read…".to_owned(),
            status,
            cancel: Arc::new(AtomicBool::new(false)),
        });
    }

    /// Collects a finished job: search results into the table, a retrieved folder as the path
    /// to open.
    fn poll(&mut self) -> Option<PathBuf> {
        let job = self.job.as_ref()?;
        let finished = job.status.lock().ok().and_then(|mut s| s.finished.take())?;
        self.job = None;
        match finished {
            JobEnd::Sent(message) => {
                self.message = Some(message);
                None
            }
            JobEnd::Found(Ok(found)) => {
                self.message = Some(match found.len() {
                    0 => "no study matches".to_owned(),
                    1 => "1 study found".to_owned(),
                    n => format!("{n} studies found"),
                });
                self.results = found;
                None
            }
            JobEnd::Found(Err(e)) => {
                self.message = Some(e);
                None
            }
            JobEnd::Retrieved(Ok(folder)) => {
                self.message = Some(format!("retrieved into {}", folder.display()));
                self.open = false; // the study is on screen
                Some(folder)
            }
            JobEnd::Retrieved(Err(e)) => {
                self.message = Some(format!("retrieval stopped: {e} (nothing was opened)"));
                None
            }
        }
    }
}

fn fill(form: &mut PacsForm, e: &PacsEndpoint) {
    form.name = e.name.clone();
    form.url = e.dicomweb_url.clone().unwrap_or_default();
    form.user = e.user.clone().unwrap_or_default();
    form.aet = e.aet.clone().unwrap_or_default();
    form.host = e.host.clone().unwrap_or_default();
    form.port = e.port.map(|p| p.to_string()).unwrap_or_default();
    form.calling_aet = e.calling_aet.clone().unwrap_or_default();
}

/// The signed read on screen as an export input (its signature and the signer's certificate
/// checked against the database's lab key), with the folders of the open files as image folders.
fn signed_on_screen(app: &App) -> Result<(SignedInput, ExportOptions), String> {
    let model = &app.records.model;
    let current = model
        .current
        .as_ref()
        .filter(|c| !c.is_draft())
        .ok_or("nothing to send: open and sign a read first")?;
    let store = model.database().ok_or("no reading database is open")?;
    let report = current.report.clone();
    let block = report.signature.as_ref().ok_or("the read is not signed")?;
    let trust = store.lab_trust(None).map_err(|e| e.to_string())?;
    let problems = store
        .check_signer_trust(block, &trust)
        .map_err(|e| e.to_string())?;
    if !problems.is_empty() {
        return Err(format!("not sent: {}", problems.join("; ")));
    }
    let bytes = crate::report::render_report(&report)
        .map_err(|e| e.to_string())?
        .into_bytes();
    let mut image_dirs: Vec<PathBuf> = Vec::new();
    for e in &app.library.entries {
        if let Some(dir) = e.path.parent()
            && !image_dirs.iter().any(|d| d == dir)
        {
            image_dirs.push(dir.to_owned());
        }
    }
    let input = SignedInput {
        path: PathBuf::from(format!("{}.json", report.report_id)),
        bytes,
        report,
    };
    let options = ExportOptions {
        image_dirs,
        trust: Some(trust),
        ..ExportOptions::default()
    };
    Ok((input, options))
}

/// The Reading menu entry (enabled once the read on screen is signed).
pub fn reading_menu_ui(ui: &mut egui::Ui, state: &mut PacsState, signed: bool) {
    let b = ui
        .add_enabled(signed, egui::Button::new("Send results to PACS…"))
        .on_disabled_hover_text("Sign the read first: only signed reads are sent");
    if b.clicked() {
        state.request(PacsCommand::Show(true));
        state.send_offered = true;
        ui.close();
    }
}

fn apply_all(app: &mut App, commands: Vec<PacsCommand>) {
    for c in commands {
        if c == PacsCommand::SendSigned {
            let prepared = signed_on_screen(app);
            app.pacs.start_send(prepared);
        } else {
            app.pacs.apply(c);
        }
    }
}

/// The File menu entry.
pub fn file_menu_ui(ui: &mut egui::Ui, state: &mut PacsState) {
    if ui.button("Open from PACS…").clicked() {
        state.request(PacsCommand::Show(true));
        ui.close();
    }
}

/// The window (when open) and its commands (call once per frame).
pub fn show(ctx: &egui::Context, app: &mut App) {
    // Menu requests first, so the window they open is drawn in this frame.
    let requested = std::mem::take(&mut app.pacs.pending);
    if !requested.is_empty() {
        ctx.request_repaint();
    }
    apply_all(app, requested);
    if app.pacs.open {
        let commands = window::pacs_window(ctx, &mut app.pacs);
        apply_all(app, commands);
    }
    if app.pacs.job.is_some() {
        ctx.request_repaint_after(Duration::from_millis(100));
    }
    if let Some(folder) = app.pacs.poll() {
        app.apply(ctx, Command::OpenPaths(vec![folder]));
    }
}
