//! Fixed, reproducible DICOM UIDs for the sample study.
//!
//! Each UID is `2.25.<n>` where `n` is a 128-bit name-based UUID (version 8, SHA-256 of a fixed
//! name), written as a decimal integer (PS3.5 B.2). The same name always gives the same UID.

use sha2::{Digest as _, Sha256};

/// The UID for `name` (e.g. `"study"`, `"series/a4c"`, `"instance/a4c_cine.dcm"`).
pub fn uid(name: &str) -> String {
    let digest = Sha256::digest(format!("echolab-sample-study/{name}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    bytes[6] = (bytes[6] & 0x0F) | 0x80; // version 8 (custom)
    bytes[8] = (bytes[8] & 0x3F) | 0x80; // RFC 9562 variant
    format!("2.25.{}", u128::from_be_bytes(bytes))
}

/// Implementation Class UID written in the file meta group.
pub fn implementation_class_uid() -> String {
    uid("implementation")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uids_are_stable_distinct_and_valid() {
        let a = uid("study");
        assert_eq!(a, uid("study"));
        assert_ne!(a, uid("series/a4c"));
        assert!(a.len() <= 64);
        assert!(a.starts_with("2.25."));
        let n = &a[5..];
        assert!(n.chars().all(|c| c.is_ascii_digit()));
        assert!(!n.starts_with('0'));
    }
}
