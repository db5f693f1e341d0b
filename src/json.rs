//! The one strict JSON reader every JSON input goes through: grading inputs, drafts, signed
//! reports, adjudication records, values files and JSON kept in the database.
//!
//! On top of `serde_json` it
//!
//! * refuses a duplicate key in any object, naming the key and where it is (serde_json keeps
//!   the last one silently, and serde's derive only catches duplicates of struct fields);
//! * accepts one leading UTF-8 byte-order mark (written by some Windows editors);
//! * names what is refused: `NaN`, `Infinity` and numbers past the f64 range are refused as
//!   such, with the path of the value (`values.mr_eroa.value`);
//! * quotes at most [`QUOTE_LIMIT`] characters of any input value or key in its messages.
//!
//! It is hand-written on serde's visitor API because no JSON crate offers a duplicate-key check
//! for `serde_json::Value`; the typed step uses `serde_path_to_error` for the path.

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeOwned, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// The most characters of an input value or key an error message quotes.
pub const QUOTE_LIMIT: usize = 80;

/// A JSON text was refused. The message names the problem and where it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct JsonError {
    /// Where in the document (`values.mr_eroa.value`; empty at the top level).
    pub path: String,
    /// One line: what is wrong, with the path.
    pub message: String,
}

impl JsonError {
    fn new(path: String, what: &str) -> Self {
        let what = clip_quoted(what);
        let message = if path.is_empty() {
            what
        } else {
            format!("at `{path}`: {what}")
        };
        JsonError { path, message }
    }
}

/// `text` cut to [`QUOTE_LIMIT`] characters (with `…` when cut), for quoting input in messages.
pub fn clip(text: &str) -> String {
    match text.char_indices().nth(QUOTE_LIMIT) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

/// Cuts every quoted run (`"…"` or `` `…` ``) of a message to [`QUOTE_LIMIT`] characters, so
/// messages built by serde that quote input values stay short.
pub fn clip_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(1024));
    let mut rest = message;
    while let Some(open) = rest.find(['"', '`']) {
        let quote = rest[open..].chars().next().unwrap_or('"');
        out.push_str(&rest[..=open]);
        let after = &rest[open + 1..];
        match after.find(quote) {
            Some(close) => {
                out.push_str(&clip(&after[..close]));
                out.push(quote);
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&clip(after));
                return out;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Strips one leading UTF-8 byte-order mark.
fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{FEFF}').unwrap_or(text)
}

/// Parses JSON text into a `Value`, refusing duplicate keys and non-finite or out-of-range
/// numbers by name.
pub fn value_from_str(text: &str) -> Result<Value, JsonError> {
    let text = strip_bom(text);
    let ctx = Ctx::default();
    let mut de = serde_json::Deserializer::from_str(text);
    let parsed = StrictValue { ctx: &ctx }
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v));
    parsed.map_err(|e| {
        let path = ctx.failed_at.borrow_mut().take().unwrap_or_default();
        JsonError::new(path, &describe(&e, text))
    })
}

/// [`value_from_str`] for bytes that must be UTF-8.
pub fn value_from_slice(bytes: &[u8]) -> Result<Value, JsonError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        JsonError::new(
            String::new(),
            &format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.valid_up_to()
            ),
        )
    })?;
    value_from_str(text)
}

/// Parses JSON text strictly ([`value_from_str`]) into `T`; a type error names its path.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, JsonError> {
    from_value(value_from_str(text)?)
}

/// [`from_str`] for bytes that must be UTF-8.
pub fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, JsonError> {
    from_value(value_from_slice(bytes)?)
}

/// Converts an already strictly parsed `Value` into `T`, naming the path of a type error.
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, JsonError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { String::new() } else { path };
        JsonError::new(clip(&path), &e.into_inner().to_string())
    })
}

/// The message for a serde_json error, naming non-finite and out-of-range numbers.
fn describe(e: &serde_json::Error, text: &str) -> String {
    let message = e.to_string();
    if message.starts_with("number out of range") {
        return format!(
            "a number past the f64 range (±1.8e308) is refused (line {}, column {})",
            e.line(),
            e.column()
        );
    }
    if e.is_syntax()
        && let Some(token) = token_at(text, e.line(), e.column())
    {
        let lower = token.to_ascii_lowercase();
        let name = match lower.trim_start_matches(['-', '+']) {
            "nan" => Some("NaN"),
            "infinity" | "inf" => Some(if lower.starts_with('-') {
                "-Infinity"
            } else {
                "Infinity"
            }),
            _ => None,
        };
        if let Some(name) = name {
            return format!(
                "{name} is not a number JSON allows: non-finite values are refused (line {}, column {})",
                e.line(),
                e.column()
            );
        }
    }
    message
}

/// The word (letters, digits, sign, dot) around a 1-based line and column.
fn token_at(text: &str, line: usize, column: usize) -> Option<String> {
    let line_text = text.lines().nth(line.checked_sub(1)?)?;
    let chars: Vec<char> = line_text.chars().collect();
    let is_word = |c: &char| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.');
    let mut at = column.saturating_sub(1).min(chars.len().saturating_sub(1));
    while at > 0 && chars.get(at).is_some_and(|c| !is_word(c)) {
        at -= 1;
    }
    let mut start = at;
    while start > 0 && chars.get(start - 1).is_some_and(is_word) {
        start -= 1;
    }
    let mut end = at;
    while chars.get(end).is_some_and(is_word) {
        end += 1;
    }
    let token: String = chars.get(start..end)?.iter().take(16).collect();
    (!token.is_empty()).then_some(token)
}

/// Where the walk is, and where it first failed.
#[derive(Default)]
struct Ctx {
    path: RefCell<Vec<String>>,
    failed_at: RefCell<Option<String>>,
}

impl Ctx {
    fn path_text(&self) -> String {
        let mut out = String::new();
        for segment in self.path.borrow().iter() {
            if segment.starts_with('[') || out.is_empty() {
                out.push_str(segment);
            } else {
                out.push('.');
                out.push_str(segment);
            }
        }
        out
    }

    /// Records the current path as the failure point (the innermost one wins).
    fn fail_here(&self) {
        let mut failed = self.failed_at.borrow_mut();
        if failed.is_none() {
            *failed = Some(self.path_text());
        }
    }
}

struct StrictValue<'c> {
    ctx: &'c Ctx,
}

impl<'de> DeserializeSeed<'de> for StrictValue<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictValue<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        serde_json::Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("a non-finite number is refused"))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        loop {
            self.ctx.path.borrow_mut().push(format!("[{}]", out.len()));
            let next = seq.next_element_seed(StrictValue { ctx: self.ctx });
            if next.is_err() {
                self.ctx.fail_here();
            }
            self.ctx.path.borrow_mut().pop();
            match next? {
                Some(v) => out.push(v),
                None => return Ok(Value::Array(out)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        loop {
            let key = match map.next_key::<String>() {
                Ok(Some(k)) => k,
                Ok(None) => return Ok(Value::Object(out)),
                Err(e) => {
                    self.ctx.fail_here();
                    return Err(e);
                }
            };
            if out.contains_key(&key) {
                self.ctx.fail_here();
                return Err(de::Error::custom(format!("duplicate key `{}`", clip(&key))));
            }
            self.ctx.path.borrow_mut().push(clip(&key));
            let value = map.next_value_seed(StrictValue { ctx: self.ctx });
            if value.is_err() {
                self.ctx.fail_here();
            }
            self.ctx.path.borrow_mut().pop();
            out.insert(key, value?);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_are_an_error_naming_the_key() {
        let e = value_from_str(r#"{"values": {"mr_eroa": 1, "mr_eroa": 2}}"#).unwrap_err();
        assert_eq!(e.path, "values");
        assert!(e.message.contains("duplicate key `mr_eroa`"), "{e}");
        let e = value_from_str(r#"[{"a": 1}, {"b": 1, "b": 1}]"#).unwrap_err();
        assert!(
            e.message.contains("[1]") && e.message.contains("`b`"),
            "{e}"
        );
    }

    #[test]
    fn a_utf8_byte_order_mark_is_accepted() {
        let v = value_from_str("\u{FEFF}{\"a\": 1}").unwrap();
        assert_eq!(v["a"], 1);
        let v = value_from_slice(b"\xEF\xBB\xBF[true]").unwrap();
        assert_eq!(v[0], true);
    }

    #[test]
    fn non_finite_and_out_of_range_numbers_are_refused_by_name() {
        for (text, name) in [
            (r#"{"v": {"value": NaN}}"#, "NaN"),
            (r#"{"v": {"value": Infinity}}"#, "Infinity"),
            (r#"{"v": {"value": -Infinity}}"#, "-Infinity"),
            (r#"{"v": {"value": 1e400}}"#, "f64 range"),
            (r#"{"v": {"value": -2e308}}"#, "f64 range"),
        ] {
            let e = value_from_str(text).unwrap_err();
            assert!(e.message.contains(name), "{text}: {e}");
            assert_eq!(e.path, "v.value", "{text}: {e}");
        }
    }

    #[test]
    fn error_messages_quote_at_most_80_characters_of_input() {
        let long = "x".repeat(500);
        let e = value_from_str(&format!(r#"{{"{long}": 1, "{long}": 2}}"#)).unwrap_err();
        assert!(e.message.len() < 200, "{e}");
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct S {
            a: f64,
        }
        let e = from_str::<S>(&format!(r#"{{"a": "{long}"}}"#)).unwrap_err();
        assert!(
            e.message.contains(&format!("\"{}…\"", "x".repeat(80))),
            "{e}"
        );
        assert!(!e.message.contains(&"x".repeat(81)), "{e}");
        assert_eq!(e.path, "a");
        let e = from_str::<S>(&format!(r#"{{"{long}": 1}}"#)).unwrap_err();
        assert!(!e.message.contains(&"x".repeat(81)), "{e}");
    }

    #[test]
    fn typed_errors_name_their_path() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Inner {
            value: f64,
        }
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Outer {
            values: std::collections::BTreeMap<String, Inner>,
        }
        let e = from_str::<Outer>(r#"{"values": {"la_area": {"value": "big"}}}"#).unwrap_err();
        assert_eq!(e.path, "values.la_area.value", "{e}");
    }
}
