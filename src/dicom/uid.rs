//! DICOM UID grammar (PS3.5 §9.1): components of digits separated by single dots, at most 64
//! characters, no empty component, no leading zero in a component of several digits. UIDs read
//! from files are checked with [`validate_uid`] before they are used in a path or a query.

/// Checks `uid` against the UID grammar; `Err` says what is wrong.
pub fn validate_uid(uid: &str) -> Result<(), String> {
    if uid.is_empty() {
        return Err("empty UID".to_owned());
    }
    if uid.len() > 64 {
        return Err(format!("UID {uid:?} is longer than 64 characters"));
    }
    for part in uid.split('.') {
        if part.is_empty() {
            return Err(format!("UID {uid:?} has an empty component"));
        }
        if !part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "UID {uid:?} has a character other than digits and dots"
            ));
        }
        if part.len() > 1 && part.starts_with('0') {
            return Err(format!("UID {uid:?} has a component with a leading zero"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::validate_uid;

    #[test]
    fn grammar() {
        for ok in ["1.2.840.10008.5.1.4.1.1.6.1", "2.25.0", "1"] {
            assert!(validate_uid(ok).is_ok(), "{ok}");
        }
        let long = format!("1.{}", "2".repeat(63));
        for bad in [
            "", "..", ".", "1..2", "1.2.", ".1", "1.02", "1.2a", "../x", "1/2", &long,
        ] {
            assert!(validate_uid(bad).is_err(), "{bad}");
        }
    }
}
