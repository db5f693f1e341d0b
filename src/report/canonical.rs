//! Canonical JSON: the exact bytes that are hashed and signed.
//!
//! Echolab canonicalizes a JSON value with the rules of RFC 8785 (JSON Canonicalization Scheme):
//!
//! * **Objects**: members sorted by key, comparing keys as sequences of UTF-16 code units; no
//!   duplicate keys (impossible in a parsed `serde_json::Value`).
//! * **Whitespace**: none between tokens (`{"a":1,"b":[true,null]}`).
//! * **Strings**: UTF-8, only `"` `\` and control characters escaped; `\b \t \n \f \r` use their
//!   short escapes, other controls `\u00xx` with lowercase hex; everything else literal.
//! * **Numbers**: the ECMAScript `Number.prototype.toString` form of the IEEE-754 double: the
//!   shortest digit string that round-trips, integral values without a fraction (`2.0` → `2`),
//!   plain notation for 1e-6 ≤ |x| < 1e21, otherwise `d.ddde±n`; `-0` is written `0`. NaN and
//!   infinities cannot occur in JSON and are rejected. Integers above 2^53 in magnitude are
//!   rejected too (they would not survive the conversion to a double).
//!
//! A second rendering, [`to_pretty_string`], uses the same key order and number form with
//! two-space indentation. It is how echolab writes report files, so a file written by echolab
//! is a deterministic function of its content and any later byte edit can be detected.

use serde_json::Value;

/// Why a value could not be canonicalized.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CanonicalError {
    /// A number that is not a finite double or an integer outside ±2^53.
    #[error("number {0} cannot be canonicalized (not finite, or an integer beyond ±2^53)")]
    Number(String),
}

/// Largest integer magnitude a double holds exactly.
const MAX_SAFE_INT: u64 = 1 << 53;

/// Canonical compact bytes of `value` (RFC 8785 rules, see the module docs).
pub fn to_canonical_bytes(value: &Value) -> Result<Vec<u8>, CanonicalError> {
    let mut out = String::new();
    write_value(&mut out, value, None, 0)?;
    Ok(out.into_bytes())
}

/// Canonical compact text of `value`.
pub fn to_canonical_string(value: &Value) -> Result<String, CanonicalError> {
    let mut out = String::new();
    write_value(&mut out, value, None, 0)?;
    Ok(out)
}

/// Deterministic pretty rendering: canonical key order and number form, two-space indent,
/// `"key": value` with one space after the colon, and a final newline.
pub fn to_pretty_string(value: &Value) -> Result<String, CanonicalError> {
    let mut out = String::new();
    write_value(&mut out, value, Some(2), 0)?;
    out.push('\n');
    Ok(out)
}

/// Canonical bytes of any serializable value (serialized to a JSON value first).
pub fn canonical_bytes_of<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, CanonicalJsonError> {
    let v = serde_json::to_value(value).map_err(CanonicalJsonError::Serialize)?;
    Ok(to_canonical_bytes(&v)?)
}

/// Error of [`canonical_bytes_of`].
#[derive(Debug, thiserror::Error)]
pub enum CanonicalJsonError {
    /// The value could not be turned into JSON.
    #[error("cannot serialize to JSON: {0}")]
    Serialize(serde_json::Error),
    /// The JSON could not be canonicalized.
    #[error(transparent)]
    Canonical(#[from] CanonicalError),
}

fn newline(out: &mut String, indent: Option<usize>, depth: usize) {
    if let Some(step) = indent {
        out.push('\n');
        for _ in 0..step * depth {
            out.push(' ');
        }
    }
}

fn write_value(
    out: &mut String,
    value: &Value,
    indent: Option<usize>,
    depth: usize,
) -> Result<(), CanonicalError> {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(out, n)?,
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            if !items.is_empty() {
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    newline(out, indent, depth + 1);
                    write_value(out, item, indent, depth + 1)?;
                }
                newline(out, indent, depth);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            if !entries.is_empty() {
                for (i, (k, v)) in entries.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    newline(out, indent, depth + 1);
                    write_string(out, k);
                    out.push(':');
                    if indent.is_some() {
                        out.push(' ');
                    }
                    write_value(out, v, indent, depth + 1)?;
                }
                newline(out, indent, depth);
            }
            out.push('}');
        }
    }
    Ok(())
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{08}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{0C}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn write_number(out: &mut String, n: &serde_json::Number) -> Result<(), CanonicalError> {
    if let Some(u) = n.as_u64() {
        if u > MAX_SAFE_INT {
            return Err(CanonicalError::Number(n.to_string()));
        }
        out.push_str(&u.to_string());
        return Ok(());
    }
    if let Some(i) = n.as_i64() {
        if i.unsigned_abs() > MAX_SAFE_INT {
            return Err(CanonicalError::Number(n.to_string()));
        }
        out.push_str(&i.to_string());
        return Ok(());
    }
    match n.as_f64() {
        Some(f) if f.is_finite() => {
            out.push_str(&format_double(f));
            Ok(())
        }
        _ => Err(CanonicalError::Number(n.to_string())),
    }
}

/// ECMAScript `Number::toString(x)` for a finite double (RFC 8785 §3.2.2.3).
pub fn format_double(x: f64) -> String {
    if x == 0.0 {
        return "0".to_owned();
    }
    let negative = x < 0.0;
    // Rust's `{:e}` prints the shortest round-tripping digits: "1.2345e-7", "5e0".
    let sci = format!("{:e}", x.abs());
    let (mantissa, exp) = match sci.split_once('e') {
        Some(parts) => parts,
        None => (sci.as_str(), "0"),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    // Invariant: `{:e}` of a finite non-zero double has an integer exponent.
    let e: i64 = exp.parse().unwrap_or(0);
    let k = digits.len() as i64; // number of significant digits
    let n = e + 1; // decimal point position: value = 0.d1..dk × 10^n
    let mut s = String::new();
    if negative {
        s.push('-');
    }
    if k <= n && n <= 21 {
        s.push_str(&digits);
        for _ in 0..(n - k) {
            s.push('0');
        }
    } else if 0 < n && n <= 21 {
        let (int, frac) = digits.split_at(n as usize);
        s.push_str(int);
        s.push('.');
        s.push_str(frac);
    } else if -6 < n && n <= 0 {
        s.push_str("0.");
        for _ in 0..(-n) {
            s.push('0');
        }
        s.push_str(&digits);
    } else {
        let (first, rest) = digits.split_at(1);
        s.push_str(first);
        if !rest.is_empty() {
            s.push('.');
            s.push_str(rest);
        }
        s.push('e');
        s.push(if n > 0 { '+' } else { '-' });
        s.push_str(&(n - 1).abs().to_string());
    }
    s
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_follow_ecmascript() {
        let cases: [(f64, &str); 14] = [
            (2.0, "2"),
            (-0.0, "0"),
            (1.5, "1.5"),
            (-1.25, "-1.25"),
            (1e-7, "1e-7"),
            (1.5e-7, "1.5e-7"),
            (0.000001, "0.000001"),
            (123456789.0, "123456789"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (0.1 + 0.2, "0.30000000000000004"),
            (333333333.3333333, "333333333.3333333"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (5e-324, "5e-324"),
        ];
        for (x, want) in cases {
            assert_eq!(format_double(x), want, "{x:e}");
        }
    }

    #[test]
    fn keys_sorted_and_compact() {
        let v = json!({"b": [1, 2.50, "x\n\u{1}"], "a": {"z": null, "é": true, "A": false}});
        let s = to_canonical_string(&v).unwrap();
        assert_eq!(
            s,
            r#"{"a":{"A":false,"z":null,"é":true},"b":[1,2.5,"x\n\u0001"]}"#
        );
    }

    #[test]
    fn utf16_key_order_differs_from_utf8() {
        // U+1F600 (UTF-16 D83D DE00) sorts before U+FF61 in UTF-16 code units, but after it in
        // UTF-8 bytes (F0… > EF…). RFC 8785 uses the UTF-16 order.
        let v = json!({"\u{FF61}": 2, "\u{1F600}": 1});
        let s = to_canonical_string(&v).unwrap();
        assert_eq!(s, "{\"\u{1F600}\":1,\"\u{FF61}\":2}");
    }

    #[test]
    fn pretty_round_trips_to_same_canonical() {
        let v = json!({"m": [{"value_cm": 0.45, "pts": [[1.0, 2.25]]}], "e": [], "o": {}});
        let pretty = to_pretty_string(&v).unwrap();
        let back: Value = serde_json::from_str(&pretty).unwrap();
        assert_eq!(
            to_canonical_bytes(&back).unwrap(),
            to_canonical_bytes(&v).unwrap()
        );
        assert!(pretty.contains("\"e\": [],\n"));
        assert!(pretty.ends_with("}\n"));
    }

    #[test]
    fn big_integers_rejected() {
        let v = json!({"n": u64::MAX});
        assert!(to_canonical_bytes(&v).is_err());
    }
}
