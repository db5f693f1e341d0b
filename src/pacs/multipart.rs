//! Splitting a `multipart/related` body (RFC 2046 §5.1, RFC 2387) into its parts.
//!
//! Written here because no maintained synchronous crate splits `multipart/related`: `multer`
//! reads `multipart/form-data` only and is async; `multipart-rs` is async and scans binary
//! bodies line by line. A DICOMweb part is binary DICOM that may contain any bytes, so the
//! delimiter is searched as the exact byte sequence `CRLF--boundary` (memchr's memmem), which is
//! what the RFC defines.

use memchr::memmem;

/// One body part: its headers (names lower-cased) and its content.
#[derive(Debug)]
pub(crate) struct Part<'a> {
    pub headers: Vec<(String, String)>,
    pub body: &'a [u8],
}

impl Part<'_> {
    /// The value of a header (name compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The boundary and type parameter of a `multipart/related` Content-Type.
pub(crate) fn boundary_of(content_type: &str) -> Result<String, String> {
    let m: mime::Mime = content_type
        .parse()
        .map_err(|e| format!("Content-Type {content_type:?}: {e}"))?;
    if m.type_() != mime::MULTIPART {
        return Err(format!("expected multipart/related, got {content_type:?}"));
    }
    let b = m
        .get_param(mime::BOUNDARY)
        .map(|b| b.as_str().to_owned())
        .filter(|b| !b.is_empty() && b.len() <= 70)
        .ok_or_else(|| format!("Content-Type {content_type:?} has no valid boundary"))?;
    Ok(b)
}

/// Splits `body` into parts. The preamble before the first delimiter and the epilogue after
/// the close delimiter are ignored; a body without a close delimiter is refused (truncated).
pub(crate) fn split<'a>(body: &'a [u8], boundary: &str) -> Result<Vec<Part<'a>>, String> {
    let first = format!("--{boundary}");
    let delim = format!("\r\n--{boundary}");
    // The first delimiter may start the body (no preceding CRLF).
    let mut pos = if body.starts_with(first.as_bytes()) {
        first.len()
    } else {
        memmem::find(body, delim.as_bytes())
            .map(|i| i + delim.len())
            .ok_or("no multipart boundary in the body")?
    };
    let finder = memmem::Finder::new(delim.as_bytes());
    let mut parts = Vec::new();
    loop {
        let rest = body.get(pos..).unwrap_or_default();
        if rest.starts_with(b"--") {
            return Ok(parts); // close delimiter
        }
        // Transport padding, then CRLF.
        let line_end = memmem::find(rest, b"\r\n").ok_or("truncated multipart body")?;
        if rest[..line_end].iter().any(|b| !matches!(b, b' ' | b'\t')) {
            return Err("garbage after a multipart boundary".to_owned());
        }
        let start = pos + line_end + 2;
        let content = body.get(start..).unwrap_or_default();
        let end = finder
            .find(content)
            .ok_or("truncated multipart body (no closing boundary)")?;
        let part = &content[..end];
        let (head, data) = match memmem::find(part, b"\r\n\r\n") {
            Some(h) => (&part[..h], &part[h + 4..]),
            None if part.starts_with(b"\r\n") => (&part[..0], &part[2..]),
            None => return Err("multipart part without a header end".to_owned()),
        };
        let head = std::str::from_utf8(head).map_err(|_| "multipart headers are not text")?;
        let mut headers = Vec::new();
        for line in head.split("\r\n").filter(|l| !l.is_empty()) {
            let (k, v) = line
                .split_once(':')
                .ok_or_else(|| format!("bad multipart header line {line:?}"))?;
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
        parts.push(Part {
            headers,
            body: data,
        });
        pos = start + end + delim.len();
    }
}

#[cfg(test)]
mod tests {
    use super::{boundary_of, split};

    #[test]
    fn splits_binary_parts_with_crlf_inside() {
        let body = b"preamble\r\n--b1\r\nContent-Type: application/dicom\r\n\r\nA\r\n--b\r\nB\r\n--b1\r\nContent-Type: application/dicom\r\n\r\n\x00\x01\r\n--b1--\r\n";
        let parts = split(body, "b1").unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].body, b"A\r\n--b\r\nB");
        assert_eq!(parts[0].header("content-type"), Some("application/dicom"));
        assert_eq!(parts[1].body, b"\x00\x01");
    }

    #[test]
    fn truncated_and_garbage_bodies_are_refused() {
        assert!(split(b"--b1\r\n\r\nAAAA", "b1").is_err());
        assert!(split(b"nothing here", "b1").is_err());
        assert!(split(b"--b1xyz\r\n\r\nA\r\n--b1--", "b1").is_err());
    }

    #[test]
    fn boundary_from_content_type() {
        let ct = r#"multipart/related; type="application/dicom"; boundary="abc def""#;
        assert_eq!(boundary_of(ct).unwrap(), "abc def");
        assert!(boundary_of("application/json").is_err());
        assert!(boundary_of("multipart/related").is_err());
    }
}
