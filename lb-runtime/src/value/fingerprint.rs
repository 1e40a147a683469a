//! 64-bit fingerprints of scalar values: equality filters reject most rows by comparing
//! them, without building a `Value` (compact rows compute them from their slots).

use serde_json::{Number, Value};

const FNV: u64 = 0xcbf2_9ce4_8422_2325;

fn mix(seed: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(seed, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    })
}

pub(crate) fn fingerprint_str(s: &str) -> u64 {
    mix(FNV, s.as_bytes())
}

pub(crate) fn fingerprint_number(n: &Number) -> Option<u64> {
    let f = n.as_f64()?;
    let f = if f == 0.0 { 0.0 } else { f };
    Some(mix(FNV ^ 0x9e37_79b9_7f4a_7c15, &f.to_bits().to_le_bytes()))
}

pub(crate) fn fingerprint_bool(b: bool) -> u64 {
    mix(FNV ^ 0x51_7cc1_b727_220a, &[u8::from(b)])
}

/// A 64-bit fingerprint of a scalar value (strings, numbers, booleans). Equal values have equal
/// fingerprints (numbers compare by value: `5` and `5.0` agree); `None` for other values.
pub(crate) fn fingerprint(v: &Value) -> Option<u64> {
    match v {
        Value::String(s) => Some(fingerprint_str(s)),
        Value::Number(n) => fingerprint_number(n),
        Value::Bool(b) => Some(fingerprint_bool(*b)),
        _ => None,
    }
}
