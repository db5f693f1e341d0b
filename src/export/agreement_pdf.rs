//! The trial QC report of reader agreement as PDF: the agreement table, the per-reader rows,
//! and for every two-rater continuous parameter a Bland–Altman plot (difference against mean,
//! bias and limits of agreement) beside a scatter plot with the identity line.

use pdf_writer::{Content, Name, Str};

use super::pdf_doc::{Doc, win_ansi};
use crate::agreement::{AgreementReport, ContinuousEntry, Entry, table};

/// Axis range with a little padding; never empty.
fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if (hi - lo).abs() < 1e-12 {
        return (lo - 1.0, hi + 1.0);
    }
    let pad = (hi - lo) * 0.08;
    (lo - pad, hi + pad)
}

fn text(c: &mut Content, x: f32, y: f32, size: f32, s: &str) {
    c.begin_text();
    c.set_font(Name(b"F1"), size);
    c.next_line(x, y);
    c.show(Str(&win_ansi(s)));
    c.end_text();
}

/// One plot panel: frame, axis extremes, points, and horizontal (`hlines`) or identity lines.
struct Panel<'a> {
    title: &'a str,
    x_label: &'a str,
    y_label: &'a str,
    points: Vec<(f64, f64)>,
    hlines: Vec<f64>,
    identity: bool,
}

fn draw(c: &mut Content, p: &Panel<'_>, x0: f32, y0: f32, w: f32, h: f32) {
    let (l, b) = (x0 + 34.0, y0 + 24.0);
    let (pw, ph) = (w - 44.0, h - 42.0);
    let (mut xr, mut yr) = (
        range(p.points.iter().map(|q| q.0)),
        range(p.points.iter().map(|q| q.1).chain(p.hlines.iter().copied())),
    );
    if p.identity {
        let both = range(p.points.iter().flat_map(|q| [q.0, q.1]));
        xr = both;
        yr = both;
    }
    let sx = |v: f64| l + ((v - xr.0) / (xr.1 - xr.0)) as f32 * pw;
    let sy = |v: f64| b + ((v - yr.0) / (yr.1 - yr.0)) as f32 * ph;
    c.save_state();
    c.set_line_width(0.6);
    c.set_stroke_gray(0.0);
    c.rect(l, b, pw, ph);
    c.stroke();
    text(c, l, b + ph + 6.0, 8.5, p.title);
    text(c, l + pw / 2.0 - 20.0, y0 + 4.0, 7.0, p.x_label);
    text(c, l, b - 9.0, 6.5, &format!("{:.3}", xr.0));
    text(c, l + pw - 24.0, b - 9.0, 6.5, &format!("{:.3}", xr.1));
    text(c, x0, b, 6.5, &format!("{:.2}", yr.0));
    text(c, x0, b + ph - 6.0, 6.5, &format!("{:.2}", yr.1));
    text(c, x0, b + ph / 2.0, 6.5, p.y_label);
    // Reference lines: dashed grey.
    c.set_stroke_gray(0.45);
    c.set_dash_pattern([3.0, 2.0], 0.0);
    for &v in &p.hlines {
        c.move_to(l, sy(v));
        c.line_to(l + pw, sy(v));
        c.stroke();
    }
    if p.identity {
        let lo = xr.0.max(yr.0);
        let hi = xr.1.min(yr.1);
        c.move_to(sx(lo), sy(lo));
        c.line_to(sx(hi), sy(hi));
        c.stroke();
    }
    c.set_dash_pattern([], 0.0);
    c.set_fill_rgb(0.13, 0.4, 0.75);
    for &(x, y) in &p.points {
        c.rect(sx(x) - 1.6, sy(y) - 1.6, 3.2, 3.2);
    }
    c.fill_nonzero();
    c.restore_state();
}

fn plots(doc: &mut Doc, scope: &str, e: &ContinuousEntry) {
    let pairs: Vec<(f64, f64)> = e
        .rows
        .iter()
        .filter_map(|r| Some((*r.first()?, *r.get(1)?)))
        .collect();
    let Some(Some(ba)) = e.bland_altman else {
        return;
    };
    if pairs.len() < 2 {
        return;
    }
    let unit = e.unit.as_deref().unwrap_or("");
    let (first, second) = if scope == "intra" {
        ("read 1", "read 2")
    } else {
        ("reader 1", "reader 2")
    };
    let ba_title = format!(
        "{} {scope}: Bland-Altman (bias {:.3}, LoA {:.3} to {:.3} {unit})",
        e.parameter, ba.bias, ba.loa[0], ba.loa[1]
    );
    let sc_title = format!("{} {scope}: {first} vs {second} (n = {})", e.parameter, e.n);
    let left = Panel {
        title: &ba_title,
        x_label: "mean",
        y_label: "diff",
        points: pairs.iter().map(|(a, b)| ((a + b) / 2.0, a - b)).collect(),
        hlines: vec![ba.bias, ba.loa[0], ba.loa[1]],
        identity: false,
    };
    let right = Panel {
        title: &sc_title,
        x_label: first,
        y_label: "",
        points: pairs,
        hlines: Vec::new(),
        identity: true,
    };
    let (c, x, y, w) = doc.band(190.0);
    let half = w / 2.0;
    draw(c, &left, x, y, half - 8.0, 185.0);
    draw(c, &right, x + half + 8.0, y, half - 8.0, 185.0);
}

/// The QC report of `report` as PDF bytes.
pub fn agreement_pdf(report: &AgreementReport, title: &str) -> Result<Vec<u8>, String> {
    let mut doc = Doc::new(title, "Echolab reader agreement (trial QC)");
    doc.para(title, 15.0, true, 0.0);
    doc.para(
        "Inter-reader: first reads of each subject/visit. Intra-reader: read 1 vs blinded re-read \
         (read 2) of the same reader. ICC(2,1) two-way random, absolute agreement; ICC(3,1) \
         two-way mixed, consistency (Shrout & Fleiss 1979; McGraw & Wong 1996), 95 % CI. \
         Bland-Altman bias and 95 % limits (bias +/- 1.96 SD). Units missing a value are left \
         out and counted.",
        8.0,
        false,
        0.0,
    );
    doc.gap(6.0);
    let fractions = [0.07, 0.15, 0.05, 0.04, 0.05, 0.2, 0.2, 0.24];
    doc.row(
        &[
            "scope",
            "parameter",
            "n",
            "k",
            "miss",
            "ICC(2,1) [95% CI]",
            "ICC(3,1) [95% CI]",
            "bias [LoA]; wSCV %; grade agreement",
        ],
        &fractions,
        7.0,
        true,
    );
    doc.rule();
    for r in table::rows(report) {
        let c = |i: usize| r.get(i).cloned().unwrap_or_default();
        let mut last = String::new();
        if !c(10).is_empty() {
            last = format!("{} [{}]", c(10), c(11));
        }
        if !c(12).is_empty() {
            last.push_str(&format!("; wSCV {} %", c(12)));
        }
        last.push_str(&c(13));
        let unit = c(2);
        let name = if unit.is_empty() {
            c(1)
        } else {
            format!("{} ({unit})", c(1))
        };
        doc.row(
            &[
                &c(0),
                &name,
                &c(3),
                &c(4),
                &c(5),
                &format!("{} [{}]", c(6), c(7)),
                &format!("{} [{}]", c(8), c(9)),
                &last,
            ],
            &fractions,
            7.0,
            false,
        );
    }
    doc.gap(10.0);
    doc.para("Readers", 11.0, true, 0.0);
    let rf = [0.2, 0.1, 0.1, 0.1, 0.16, 0.17, 0.17];
    doc.row(
        &[
            "reader",
            "reads",
            "re-reads",
            "pairs",
            "discordant",
            "adjudicated",
            "adjudicator sided",
        ],
        &rf,
        7.5,
        true,
    );
    doc.rule();
    for r in table::reader_rows(report) {
        let cells: Vec<&str> = r.iter().map(String::as_str).collect();
        doc.row(&cells, &rf, 7.5, false);
    }
    for (scope, entries) in [
        ("inter", &report.inter_reader),
        ("intra", &report.intra_reader),
    ] {
        for e in entries.iter() {
            if let Entry::Continuous(c) = e {
                plots(&mut doc, scope, c);
            }
        }
    }
    Ok(doc.finish())
}
