//! A minimal page-layout layer over `pdf-writer`: A4 pages, Helvetica text (WinAnsi encoding,
//! so `pdftotext` and every viewer extract it), word wrap, page breaks, JPEG images with vector
//! overlays.

use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

/// A4 in points.
pub(crate) const PAGE_W: f32 = 595.0;
pub(crate) const PAGE_H: f32 = 842.0;
pub(crate) const MARGIN: f32 = 50.0;
const FOOTER_H: f32 = 40.0;

/// Helvetica advance widths (1/1000 em) of ASCII 32..=126.
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
    611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
    222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

/// Text as WinAnsi bytes; characters outside it are spelled out (`≥` → `>=`, `→` → `->`).
pub(crate) fn win_ansi(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for ch in text.chars() {
        let code = ch as u32;
        match ch {
            '\u{20}'..='\u{7e}' => out.push(code as u8),
            '\u{a0}'..='\u{ff}' => out.push(code as u8),
            '€' => out.push(0x80),
            '‚' => out.push(0x82),
            '„' => out.push(0x84),
            '…' => out.push(0x85),
            '†' => out.push(0x86),
            '‰' => out.push(0x89),
            '‘' => out.push(0x91),
            '’' => out.push(0x92),
            '“' => out.push(0x93),
            '”' => out.push(0x94),
            '•' => out.push(0x95),
            '–' => out.push(0x96),
            '—' => out.push(0x97),
            '™' => out.push(0x99),
            '≥' => out.extend_from_slice(b">="),
            '≤' => out.extend_from_slice(b"<="),
            '≠' => out.extend_from_slice(b"!="),
            '→' => out.extend_from_slice(b"->"),
            '←' => out.extend_from_slice(b"<-"),
            'α' => out.extend_from_slice(b"alpha"),
            'π' => out.extend_from_slice(b"pi"),
            'Δ' => out.extend_from_slice(b"delta "),
            '√' => out.extend_from_slice(b"sqrt"),
            '\t' => out.push(b' '),
            _ => out.push(b'?'),
        }
    }
    out
}

fn width_of(bytes: &[u8], size: f32, bold: bool) -> f32 {
    let units: u32 = bytes
        .iter()
        .map(|&b| {
            if (32..=126).contains(&b) {
                u32::from(HELVETICA[usize::from(b - 32)])
            } else {
                556
            }
        })
        .sum();
    units as f32 / 1000.0 * size * if bold { 1.08 } else { 1.0 }
}

/// Splits `text` into lines no wider than `max_w`.
pub(crate) fn wrap(text: &str, size: f32, bold: bool, max_w: f32) -> Vec<Vec<u8>> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line: Vec<u8> = Vec::new();
        for word in para.split(' ') {
            let w = win_ansi(word);
            let mut candidate = line.clone();
            if !candidate.is_empty() {
                candidate.push(b' ');
            }
            candidate.extend_from_slice(&w);
            if width_of(&candidate, size, bold) <= max_w || line.is_empty() {
                line = candidate;
            } else {
                lines.push(std::mem::take(&mut line));
                line = w;
            }
        }
        lines.push(line);
    }
    lines
}

/// An image placed on a page, with its overlay drawn in image-pixel coordinates.
pub(crate) struct PlacedImage {
    /// JPEG bytes (baseline, RGB).
    pub jpeg: Vec<u8>,
    /// Pixel size.
    pub width: u32,
    /// Pixel size.
    pub height: u32,
    /// Polylines in image pixels (column, row); closed when the flag is set.
    pub overlays: Vec<(Vec<[f64; 2]>, bool)>,
}

struct Page {
    content: Content,
    images: Vec<(Name<'static>, usize)>,
}

/// A document being laid out top to bottom.
pub(crate) struct Doc {
    pages: Vec<Page>,
    images: Vec<PlacedImage>,
    y: f32,
    footer: String,
    title: String,
}

const IMAGE_NAMES: [&[u8]; 16] = [
    b"Im0", b"Im1", b"Im2", b"Im3", b"Im4", b"Im5", b"Im6", b"Im7", b"Im8", b"Im9", b"Im10",
    b"Im11", b"Im12", b"Im13", b"Im14", b"Im15",
];

/// Most images per document (key frames beyond this are listed, not drawn).
pub(crate) const MAX_IMAGES: usize = IMAGE_NAMES.len();

impl Doc {
    /// A new document; `footer` is printed at the bottom of every page.
    pub(crate) fn new(title: &str, footer: &str) -> Doc {
        let mut d = Doc {
            pages: Vec::new(),
            images: Vec::new(),
            y: 0.0,
            footer: footer.to_owned(),
            title: title.to_owned(),
        };
        d.new_page();
        d
    }

    fn new_page(&mut self) {
        self.pages.push(Page {
            content: Content::new(),
            images: Vec::new(),
        });
        self.y = PAGE_H - MARGIN;
    }

    fn page(&mut self) -> &mut Page {
        if self.pages.is_empty() {
            self.new_page();
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Makes room for `h` points, starting a new page when needed.
    pub(crate) fn ensure(&mut self, h: f32) {
        if self.y - h < MARGIN + FOOTER_H {
            self.new_page();
        }
    }

    fn show(&mut self, x: f32, y: f32, size: f32, bold: bool, bytes: &[u8]) {
        let c = &mut self.page().content;
        c.begin_text();
        c.set_font(Name(if bold { b"F2" } else { b"F1" }), size);
        c.next_line(x, y);
        c.show(Str(bytes));
        c.end_text();
    }

    /// A wrapped paragraph at the left margin (indented by `indent`).
    pub(crate) fn para(&mut self, text: &str, size: f32, bold: bool, indent: f32) {
        let lead = size * 1.3;
        for line in wrap(text, size, bold, PAGE_W - 2.0 * MARGIN - indent) {
            self.ensure(lead);
            self.y -= lead;
            let y = self.y;
            self.show(MARGIN + indent, y, size, bold, &line);
        }
    }

    /// Vertical space.
    pub(crate) fn gap(&mut self, h: f32) {
        self.y -= h;
    }

    /// A table row: cells at fractions of the text width, each wrapped in its column.
    pub(crate) fn row(&mut self, cells: &[&str], fractions: &[f32], size: f32, bold: bool) {
        let total = PAGE_W - 2.0 * MARGIN;
        let lead = size * 1.3;
        let mut x = MARGIN;
        let mut columns = Vec::new();
        for (cell, f) in cells.iter().zip(fractions) {
            let w = total * f;
            columns.push((x, wrap(cell, size, bold, w - 6.0)));
            x += w;
        }
        let n = columns.iter().map(|(_, l)| l.len()).max().unwrap_or(1);
        self.ensure(lead * n as f32);
        let top = self.y;
        for (x, lines) in columns {
            for (i, line) in lines.iter().enumerate() {
                self.show(x, top - lead * (i as f32 + 1.0), size, bold, line);
            }
        }
        self.y = top - lead * n as f32;
    }

    /// Reserves a band `h` points high across the text width for a vector drawing (plots);
    /// returns the page content, the band's lower-left corner and its width. Fonts `F1`
    /// (Helvetica) and `F2` (bold) may be used in it.
    pub(crate) fn band(&mut self, h: f32) -> (&mut Content, f32, f32, f32) {
        self.ensure(h);
        self.y -= h;
        let (x, y) = (MARGIN, self.y);
        (&mut self.page().content, x, y, PAGE_W - 2.0 * MARGIN)
    }

    /// A horizontal rule.
    pub(crate) fn rule(&mut self) {
        self.ensure(6.0);
        self.y -= 4.0;
        let y = self.y;
        let c = &mut self.page().content;
        c.set_line_width(0.5);
        c.move_to(MARGIN, y);
        c.line_to(PAGE_W - MARGIN, y);
        c.stroke();
        self.y -= 2.0;
    }

    /// Places an image scaled to the text width (at most `max_h` high) and draws its overlays.
    pub(crate) fn image(&mut self, img: PlacedImage, max_h: f32) {
        if self.images.len() >= MAX_IMAGES || img.width == 0 || img.height == 0 {
            return;
        }
        let max_w = PAGE_W - 2.0 * MARGIN;
        let scale = (max_w / img.width as f32).min(max_h / img.height as f32);
        let (w, h) = (img.width as f32 * scale, img.height as f32 * scale);
        self.ensure(h + 4.0);
        self.y -= h;
        let (x0, y0) = (MARGIN, self.y);
        let index = self.images.len();
        let name = Name(IMAGE_NAMES[index]);
        let overlays = img.overlays.clone();
        let (iw, ih) = (img.width as f32, img.height as f32);
        self.images.push(img);
        let page = self.page();
        page.images.push((name, index));
        let c = &mut page.content;
        c.save_state();
        c.transform([w, 0.0, 0.0, h, x0, y0]);
        c.x_object(name);
        c.restore_state();
        // Overlays: pixel (col,row) → page (x0 + col*scale, y0 + h - row*scale). Pixel centres
        // are at integer + 0.5 in the image square.
        c.save_state();
        c.set_stroke_rgb(1.0, 0.85, 0.0);
        c.set_line_width(1.2);
        let to_page = |p: [f64; 2]| {
            (
                x0 + (p[0] as f32 + 0.5).clamp(0.0, iw) * scale,
                y0 + h - (p[1] as f32 + 0.5).clamp(0.0, ih) * scale,
            )
        };
        for (points, closed) in &overlays {
            let Some((first, rest)) = points.split_first() else {
                continue;
            };
            let (fx, fy) = to_page(*first);
            if rest.is_empty() {
                c.rect(fx - 2.0, fy - 2.0, 4.0, 4.0);
                c.stroke();
                continue;
            }
            c.move_to(fx, fy);
            for p in rest {
                let (x, y) = to_page(*p);
                c.line_to(x, y);
            }
            if *closed {
                c.close_path();
            }
            c.stroke();
            for p in points {
                let (x, y) = to_page(*p);
                c.rect(x - 1.5, y - 1.5, 3.0, 3.0);
            }
            c.stroke();
        }
        c.restore_state();
        self.y -= 4.0;
    }

    /// Finishes the document: footers with page numbers, fonts, images, info.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        let n_pages = self.pages.len();
        let footer = win_ansi(&self.footer);
        for (i, page) in self.pages.iter_mut().enumerate() {
            let c = &mut page.content;
            c.set_line_width(0.5);
            c.move_to(MARGIN, MARGIN + 24.0);
            c.line_to(PAGE_W - MARGIN, MARGIN + 24.0);
            c.stroke();
            for (k, line) in wrap_bytes(&footer, 7.0, PAGE_W - 2.0 * MARGIN - 60.0)
                .iter()
                .enumerate()
                .take(2)
            {
                c.begin_text();
                c.set_font(Name(b"F1"), 7.0);
                c.next_line(MARGIN, MARGIN + 14.0 - 9.0 * k as f32);
                c.show(Str(line));
                c.end_text();
            }
            let num = format!("Page {} of {n_pages}", i + 1);
            c.begin_text();
            c.set_font(Name(b"F1"), 7.0);
            c.next_line(PAGE_W - MARGIN - 45.0, MARGIN + 14.0);
            c.show(Str(num.as_bytes()));
            c.end_text();
        }
        let mut pdf = Pdf::new();
        let mut next = 1;
        let mut alloc = || {
            let r = Ref::new(next);
            next += 1;
            r
        };
        let catalog = alloc();
        let tree = alloc();
        let font = alloc();
        let bold = alloc();
        let info = alloc();
        let image_refs: Vec<Ref> = self.images.iter().map(|_| alloc()).collect();
        let page_refs: Vec<(Ref, Ref)> = self.pages.iter().map(|_| (alloc(), alloc())).collect();
        pdf.catalog(catalog).pages(tree);
        pdf.pages(tree)
            .kids(page_refs.iter().map(|(p, _)| *p))
            .count(page_refs.len() as i32);
        pdf.type1_font(font)
            .base_font(Name(b"Helvetica"))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
        pdf.type1_font(bold)
            .base_font(Name(b"Helvetica-Bold"))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
        pdf.document_info(info)
            .title(TextStr(&self.title))
            .producer(TextStr(&crate::report::engine_build()));
        for (img, r) in self.images.iter().zip(&image_refs) {
            let mut x = pdf.image_xobject(*r, &img.jpeg);
            x.filter(Filter::DctDecode);
            x.width(img.width as i32);
            x.height(img.height as i32);
            x.color_space().device_rgb();
            x.bits_per_component(8);
            x.finish();
        }
        for (page, (page_ref, content_ref)) in self.pages.into_iter().zip(&page_refs) {
            let mut p = pdf.page(*page_ref);
            p.parent(tree);
            p.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H));
            p.contents(*content_ref);
            let mut res = p.resources();
            res.fonts().pair(Name(b"F1"), font).pair(Name(b"F2"), bold);
            if !page.images.is_empty() {
                let mut xo = res.x_objects();
                for (name, index) in &page.images {
                    if let Some(r) = image_refs.get(*index) {
                        xo.pair(*name, *r);
                    }
                }
                xo.finish();
            }
            res.finish();
            p.finish();
            pdf.stream(*content_ref, &page.content.finish());
        }
        pdf.finish()
    }
}

fn wrap_bytes(bytes: &[u8], size: f32, max_w: f32) -> Vec<Vec<u8>> {
    let mut lines = Vec::new();
    let mut line: Vec<u8> = Vec::new();
    for word in bytes.split(|&b| b == b' ') {
        let mut candidate = line.clone();
        if !candidate.is_empty() {
            candidate.push(b' ');
        }
        candidate.extend_from_slice(word);
        if width_of(&candidate, size, false) <= max_w || line.is_empty() {
            line = candidate;
        } else {
            lines.push(std::mem::take(&mut line));
            line = word.to_vec();
        }
    }
    lines.push(line);
    lines
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn win_ansi_spells_out_symbols() {
        assert_eq!(win_ansi("≥ 0.40 cm²"), b">= 0.40 cm\xb2".to_vec());
        assert_eq!(win_ansi("severe → mild"), b"severe -> mild".to_vec());
    }

    #[test]
    fn wrap_respects_width() {
        let text = "word ".repeat(100);
        let lines = wrap(&text, 10.0, false, 200.0);
        assert!(lines.len() > 5);
        assert!(lines.iter().all(|l| width_of(l, 10.0, false) <= 200.0));
    }
}
