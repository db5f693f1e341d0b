//! The measured images of a report and their view type, and where their files are.
//!
//! An image is every SOP Instance UID named by a measurement's geometry. Its view type is the
//! catalog view of the measurements made on it, up to the first comma (`Apical 4-chamber` for
//! `lv_a4c_ed`), else the file's Series Description, else `other`: the catalog view is the
//! same at every visit, so the two sides can be matched by it. Files are found with
//! [`crate::export::images::ImageIndex`] over the search folders.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::catalog::Catalog;
use crate::export::images::ImageIndex;
use crate::report::ReadingReport;

/// One measured image of a report.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageChoice {
    /// SOP Instance UID.
    pub sop_instance_uid: String,
    /// File name the workstation used, when recorded.
    pub source_file: Option<String>,
    /// View type (see the module docs).
    pub view: String,
    /// Catalog ids measured on it.
    pub measured: Vec<String>,
    /// The file, when found.
    pub path: Option<PathBuf>,
    /// Number of frames (from the header), when found.
    pub frames: Option<u32>,
}

impl ImageChoice {
    /// One line for pickers: file name (or UID tail), frames, what was measured.
    pub fn label(&self) -> String {
        let name = self
            .path
            .as_ref()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .or_else(|| self.source_file.clone())
            .unwrap_or_else(|| crate::gui::records::short_uid(&self.sop_instance_uid));
        let frames = match self.frames {
            Some(1) => " · 1 frame".to_owned(),
            Some(n) => format!(" · {n} frames"),
            None => " · file not found".to_owned(),
        };
        format!("{name}{frames} · {}", self.measured.join(", "))
    }
}

/// The catalog view of `id` up to the first comma, if the catalog has one.
fn catalog_view(catalog: &Catalog, id: &str) -> Option<String> {
    let view = catalog.get(id)?.view.as_deref()?;
    let head = view.split(',').next().unwrap_or(view).trim();
    (!head.is_empty()).then(|| head.to_owned())
}

/// The measured images of `report`, located in `index`, sorted by view type then UID.
pub fn measured_images(report: &ReadingReport, index: &mut ImageIndex) -> Vec<ImageChoice> {
    let catalog = Catalog::builtin();
    let mut by_sop: BTreeMap<String, (Option<String>, Vec<String>)> = BTreeMap::new();
    for m in &report.measurements {
        let Some(g) = &m.geometry else { continue };
        let Some(sop) = g.sop_instance_uid.as_deref().filter(|s| !s.is_empty()) else {
            continue;
        };
        let entry = by_sop.entry(sop.to_owned()).or_default();
        if entry.0.is_none() {
            entry.0.clone_from(&g.source_file);
        }
        if !entry.1.contains(&m.quantity) {
            entry.1.push(m.quantity.clone());
        }
    }
    let mut out: Vec<ImageChoice> = by_sop
        .into_iter()
        .map(|(sop, (source_file, measured))| {
            let located = index.find(&sop, source_file.as_deref());
            let path = located.as_ref().map(|l| l.path.clone());
            let description = path.as_ref().and_then(|p| {
                crate::dicom::DicomFile::open(p)
                    .ok()
                    .and_then(|f| f.header().series_description.clone())
            });
            let view = measured
                .iter()
                .find_map(|id| catalog_view(catalog, id))
                .or(description)
                .unwrap_or_else(|| "other".to_owned());
            ImageChoice {
                sop_instance_uid: sop,
                source_file,
                view,
                measured,
                path,
                frames: located.map(|l| l.number_of_frames),
            }
        })
        .collect();
    out.sort_by(|a, b| (&a.view, &a.sop_instance_uid).cmp(&(&b.view, &b.sop_instance_uid)));
    out
}

/// View types present on both sides, cine views (more than one frame on both sides) first.
pub fn common_views(baseline: &[ImageChoice], followup: &[ImageChoice]) -> Vec<String> {
    let frames = |side: &[ImageChoice], view: &str| {
        side.iter()
            .filter(|c| c.view == view)
            .filter_map(|c| c.frames)
            .max()
            .unwrap_or(0)
    };
    let mut views: Vec<String> = baseline
        .iter()
        .map(|c| c.view.clone())
        .filter(|v| followup.iter().any(|c| &c.view == v))
        .collect();
    views.sort();
    views.dedup();
    views.sort_by_key(|v| frames(baseline, v).min(frames(followup, v)) <= 1);
    views
}

/// The images of `view` on one side (indices into `choices`), found files first.
pub fn of_view(choices: &[ImageChoice], view: &str) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..choices.len())
        .filter(|&i| choices.get(i).is_some_and(|c| c.view == view))
        .collect();
    idx.sort_by_key(|&i| {
        choices.get(i).map_or((true, 0), |c| {
            (c.path.is_none(), u32::MAX - c.frames.unwrap_or(0))
        })
    });
    idx
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choice(sop: &str, view: &str, frames: Option<u32>) -> ImageChoice {
        ImageChoice {
            sop_instance_uid: sop.to_owned(),
            source_file: None,
            view: view.to_owned(),
            measured: vec!["lv_a4c_ed".to_owned()],
            path: frames.map(|_| PathBuf::from(format!("{sop}.dcm"))),
            frames,
        }
    }

    #[test]
    fn catalog_views_stop_at_the_first_comma() {
        let c = Catalog::builtin();
        assert_eq!(
            catalog_view(c, "lv_a4c_ed").as_deref(),
            Some("Apical 4-chamber")
        );
        assert_eq!(
            catalog_view(c, "lv_a2c_es").as_deref(),
            Some("Apical 2-chamber")
        );
        assert_eq!(catalog_view(c, "no_such_id"), None);
    }

    #[test]
    fn common_views_put_cines_first_and_of_view_found_files_first() {
        let b = vec![
            choice("1", "PLAX", Some(1)),
            choice("2", "Apical 4-chamber", Some(32)),
            choice("3", "Apical 2-chamber", Some(32)),
        ];
        let f = vec![
            choice("4", "PLAX", Some(1)),
            choice("5", "Apical 4-chamber", None),
            choice("6", "Apical 4-chamber", Some(40)),
        ];
        assert_eq!(common_views(&b, &f), vec!["Apical 4-chamber", "PLAX"]);
        // The found 40-frame file before the missing one.
        assert_eq!(of_view(&f, "Apical 4-chamber"), vec![2, 1]);
        assert!(of_view(&f, "Apical 2-chamber").is_empty());
        assert!(choice("5", "x", None).label().contains("file not found"));
    }
}
