//! The export thread: verifies the chosen reports, then writes them with
//! [`crate::export::export`], sending progress to the window and stopping between reads when
//! cancelled.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;

use crate::export::{ExportError, ExportFormat, ExportOptions, ExportSummary, SignedInput};

/// What the thread is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Reading the report files and checking their signatures.
    Verifying,
    /// Writing the output.
    Writing,
}

/// Progress shown under the bar.
#[derive(Clone, Debug, PartialEq)]
pub struct JobProgress {
    /// Verifying or writing.
    pub phase: Phase,
    /// Reports done in this phase.
    pub done: usize,
    /// Reports in the batch.
    pub total: usize,
    /// The report being worked on.
    pub current: String,
}

impl JobProgress {
    /// Fraction for the progress bar: verifying fills the first 20 %, writing the rest.
    pub fn fraction(&self) -> f32 {
        let part = if self.total == 0 {
            0.0
        } else {
            self.done.min(self.total) as f32 / self.total as f32
        };
        match self.phase {
            Phase::Verifying => 0.2 * part,
            Phase::Writing => 0.2 + 0.8 * part,
        }
    }
}

/// The reports to export.
#[derive(Debug)]
pub enum JobInput {
    /// Files still to be read and verified on the thread.
    Files(Vec<PathBuf>),
    /// Reports already read and verified (from the database).
    Loaded(Vec<SignedInput>),
}

#[derive(Debug)]
enum Event {
    Progress(JobProgress),
    Finished(Result<ExportSummary, String>),
}

/// A running export.
#[derive(Debug)]
pub struct ExportJob {
    events: Receiver<Event>,
    cancel: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    /// The latest progress.
    pub progress: JobProgress,
}

impl ExportJob {
    /// Starts the export thread; `repaint` is called after every event.
    pub fn spawn(
        input: JobInput,
        format: ExportFormat,
        mut options: ExportOptions,
        out: PathBuf,
        repaint: impl Fn() + Send + 'static,
    ) -> std::io::Result<ExportJob> {
        let (tx, events) = channel();
        let cancel = Arc::new(AtomicBool::new(false));
        options.cancel = Some(cancel.clone());
        let total = match &input {
            JobInput::Files(f) => f.len(),
            JobInput::Loaded(l) => l.len(),
        };
        let thread = std::thread::Builder::new()
            .name("echolab-export".to_owned())
            .spawn(move || {
                let result = run(input, format, &options, &out, &tx, &repaint);
                let _ = tx.send(Event::Finished(result.map_err(|e| e.to_string())));
                repaint();
            })?;
        Ok(ExportJob {
            events,
            cancel,
            thread: Some(thread),
            progress: JobProgress {
                phase: Phase::Verifying,
                done: 0,
                total,
                current: String::new(),
            },
        })
    }

    /// Asks the thread to stop before the next report.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// Whether Cancel was pressed.
    pub fn is_cancelling(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// Takes the pending events: updates [`Self::progress`] and returns the result once the
    /// thread has finished.
    pub fn poll(&mut self) -> Option<Result<ExportSummary, String>> {
        let mut finished = None;
        while let Ok(event) = self.events.try_recv() {
            match event {
                Event::Progress(p) => self.progress = p,
                Event::Finished(r) => finished = Some(r),
            }
        }
        if finished.is_none() && self.thread.as_ref().is_some_and(|t| t.is_finished()) {
            // The thread ended without reporting: it panicked.
            finished = Some(Err("the export thread stopped unexpectedly".to_owned()));
        }
        if finished.is_some()
            && let Some(t) = self.thread.take()
        {
            let _ = t.join();
        }
        finished
    }
}

fn run(
    input: JobInput,
    format: ExportFormat,
    options: &ExportOptions,
    out: &std::path::Path,
    tx: &Sender<Event>,
    repaint: &dyn Fn(),
) -> Result<ExportSummary, ExportError> {
    let send = |p: JobProgress| {
        let _ = tx.send(Event::Progress(p));
        repaint();
    };
    let inputs = match input {
        JobInput::Loaded(l) => l,
        JobInput::Files(files) => {
            let total = files.len();
            let mut loaded = Vec::with_capacity(total);
            for (done, path) in files.iter().enumerate() {
                options.cancelled(0)?;
                send(JobProgress {
                    phase: Phase::Verifying,
                    done,
                    total,
                    current: path.display().to_string(),
                });
                loaded.push(crate::export::load_signed(path)?);
            }
            loaded
        }
    };
    let mut progress = |p: &crate::export::Progress| {
        send(JobProgress {
            phase: Phase::Writing,
            done: p.done,
            total: p.total,
            current: p.current.display().to_string(),
        })
    };
    crate::export::export(&inputs, format, options, out, &mut progress)
}
