//! Mutation fuzzing on stable Rust: proptest picks a seed file and a short list of mutations
//! (bit flips, byte sets, inserts, deletes, truncation, dictionary tokens, spliced spans, and
//! for DICOM the element length fields themselves); the target must end in `Ok` or a typed
//! error. A failing case shrinks to a minimal mutation list, which is kept as a recipe (seed
//! name + mutations) in the regression tests: no third-party bytes are stored.
//!
//! Cases per target: `ECHOLAB_FUZZ_CASES` (default [`DEFAULT_CASES`], what CI runs). A longer
//! run: `ECHOLAB_FUZZ_CASES=20000 cargo test --release --test fuzz_json --test fuzz_dicom --
//! --nocapture` (each target prints its execution count).
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

/// Cases per target when `ECHOLAB_FUZZ_CASES` is not set.
pub const DEFAULT_CASES: u32 = 200;

/// Cases per target for this run.
pub fn cases() -> u32 {
    std::env::var("ECHOLAB_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_CASES)
}

/// One mutation of a seed.
#[derive(Debug, Clone)]
pub enum Mutation {
    /// Flip one bit.
    Flip(Index, u8),
    /// Set one byte.
    Set(Index, u8),
    /// Insert bytes.
    Insert(Index, Vec<u8>),
    /// Delete up to `n` bytes.
    Delete(Index, usize),
    /// Cut the input here.
    Truncate(Index),
    /// Insert a dictionary token (`NaN`, a duplicate key, a huge length…).
    Token(Index, Index),
    /// Copy a span over another place (repeats structure).
    Splice(Index, Index, usize),
    /// Add a delta to a DICOM element length field (16-bit or 32-bit, as the file has it).
    Length(Index, i64),
    /// Overwrite a DICOM element length field.
    SetLength(Index, u32),
}

/// The mutation list strategy (1–`max` mutations).
pub fn mutations(max: usize) -> impl Strategy<Value = Vec<Mutation>> {
    let one = prop_oneof![
        (any::<Index>(), 0u8..8).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        (
            any::<Index>(),
            proptest::collection::vec(any::<u8>(), 1..16)
        )
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<Index>(), 1usize..64).prop_map(|(i, n)| Mutation::Delete(i, n)),
        any::<Index>().prop_map(Mutation::Truncate),
        (any::<Index>(), any::<Index>()).prop_map(|(i, t)| Mutation::Token(i, t)),
        (any::<Index>(), any::<Index>(), 1usize..256)
            .prop_map(|(a, b, n)| Mutation::Splice(a, b, n)),
        (
            any::<Index>(),
            prop_oneof![-8i64..=8, Just(-1i64), Just(1i64), Just(0x7FFF_0000i64)]
        )
            .prop_map(|(i, d)| Mutation::Length(i, d)),
        (
            any::<Index>(),
            prop_oneof![
                Just(0u32),
                Just(0xFFFF_FFFF),
                Just(0xFFFF_FFFE),
                Just(0x8000_0000),
                any::<u32>()
            ]
        )
            .prop_map(|(i, v)| Mutation::SetLength(i, v)),
    ];
    proptest::collection::vec(one, 1..=max)
}

/// Byte offsets of element length fields in an explicit- or implicit-VR little-endian file
/// (found by scanning for `(gggg,eeee) VR` patterns): `(offset, width in bytes)`.
pub fn length_fields(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let long = [
        b"OB", b"OW", b"OF", b"SQ", b"UT", b"UN", b"OD", b"OL", b"OV", b"UC", b"UR",
    ];
    let mut i = 0;
    while i + 12 <= bytes.len() {
        let vr = [bytes[i + 4], bytes[i + 5]];
        let group = u16::from_le_bytes([bytes[i], bytes[i + 1]]);
        if group == 0xFFFE && bytes[i + 3] == 0xE0 {
            out.push((i + 4, 4));
        } else if vr.iter().all(u8::is_ascii_uppercase) {
            if long.iter().any(|l| **l == vr) {
                out.push((i + 8, 4));
            } else {
                out.push((i + 6, 2));
            }
        }
        i += 2;
    }
    out.truncate(100_000);
    out
}

/// Applies `mutations` to `seed`; `dictionary` feeds [`Mutation::Token`], `lengths` (from
/// [`length_fields`]) feeds [`Mutation::Length`] and [`Mutation::SetLength`].
pub fn apply(
    seed: &[u8],
    mutations: &[Mutation],
    dictionary: &[&[u8]],
    lengths: &[(usize, usize)],
) -> Vec<u8> {
    let mut b = seed.to_vec();
    for m in mutations {
        let len = b.len();
        let at = |i: &Index| if len == 0 { 0 } else { i.index(len) };
        match m {
            Mutation::Flip(i, bit) if len > 0 => b[at(i)] ^= 1 << bit,
            Mutation::Set(i, v) if len > 0 => b[at(i)] = *v,
            Mutation::Insert(i, bytes) => {
                let p = at(i);
                b.splice(p..p, bytes.iter().copied());
            }
            Mutation::Delete(i, n) if len > 0 => {
                let p = at(i);
                b.drain(p..(p + n).min(len));
            }
            Mutation::Truncate(i) => b.truncate(at(i)),
            Mutation::Token(i, t) if !dictionary.is_empty() => {
                let p = at(i);
                let token = dictionary[t.index(dictionary.len())];
                b.splice(p..p, token.iter().copied());
            }
            Mutation::Splice(from, to, n) if len > 0 => {
                let (f, t) = (at(from), at(to));
                let span: Vec<u8> = b[f..(f + n).min(len)].to_vec();
                let end = (t + span.len()).min(len);
                b.splice(t..end, span);
            }
            Mutation::Length(i, delta) if !lengths.is_empty() => {
                let (p, w) = lengths[i.index(lengths.len())];
                if p + w <= len {
                    if w == 2 {
                        let v = u16::from_le_bytes([b[p], b[p + 1]]);
                        let v = (i64::from(v) + delta).rem_euclid(0x1_0000) as u16;
                        b[p..p + 2].copy_from_slice(&v.to_le_bytes());
                    } else {
                        let v = u32::from_le_bytes([b[p], b[p + 1], b[p + 2], b[p + 3]]);
                        let v = (i64::from(v) + delta).rem_euclid(0x1_0000_0000) as u32;
                        b[p..p + 4].copy_from_slice(&v.to_le_bytes());
                    }
                }
            }
            Mutation::SetLength(i, value) if !lengths.is_empty() => {
                let (p, w) = lengths[i.index(lengths.len())];
                if p + w <= len {
                    if w == 2 {
                        b[p..p + 2].copy_from_slice(&(*value as u16).to_le_bytes());
                    } else {
                        b[p..p + 4].copy_from_slice(&value.to_le_bytes());
                    }
                }
            }
            _ => {}
        }
    }
    b
}

/// Runs `cases` mutated inputs of `seeds` through `check`; returns the number of executions.
/// A panic or an `Err` from `check` fails the run with the shrunk mutation list.
pub fn run_target(
    name: &str,
    seeds: &[(String, Vec<u8>)],
    dictionary: &[&[u8]],
    max_mutations: usize,
    check: impl Fn(&[u8]) -> Result<(), String>,
) -> usize {
    assert!(!seeds.is_empty(), "{name}: no seeds");
    let lengths: Vec<Vec<(usize, usize)>> = seeds.iter().map(|(_, b)| length_fields(b)).collect();
    let executions = AtomicUsize::new(0);
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        max_shrink_iters: 2_000,
        ..Config::default()
    });
    let strategy = (0..seeds.len(), mutations(max_mutations));
    let result = runner.run(&strategy, |(seed, muts)| {
        executions.fetch_add(1, Ordering::Relaxed);
        let input = apply(&seeds[seed].1, &muts, dictionary, &lengths[seed]);
        check(&input).map_err(|e| {
            TestCaseError::fail(format!("{name}: seed {} {muts:?}: {e}", seeds[seed].0))
        })
    });
    let n = executions.load(Ordering::Relaxed);
    eprintln!("fuzz target {name}: {n} executions");
    if let Err(e) = result {
        panic!("fuzz target {name} failed: {e}");
    }
    n
}

/// Tokens that stress JSON readers.
pub const JSON_TOKENS: &[&[u8]] = &[
    b"NaN",
    b"Infinity",
    b"-Infinity",
    b"1e999",
    b"-1e999",
    b"-0",
    b"1e-400",
    b"18446744073709551616",
    b"\"mr_eroa\": 1, \"mr_eroa\": 2,",
    b"\"values\": {}, \"values\": {},",
    b"\xEF\xBB\xBF",
    b"\xFF\xFE",
    b"\\ud800",
    b"\"\\u0000\"",
    b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    b"{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":",
    b"null",
    b"true",
    b"-5",
    b"\"cm2\"",
    b"\"m/s\"",
    b"\"primary\"",
    b"-1.7976931348623157e308",
    b"1.7976931348623157e308",
];
