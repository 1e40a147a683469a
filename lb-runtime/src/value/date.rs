//! Dates as LoopBack handles them: parsed like JavaScript's `new Date(x)`, written as
//! ISO-8601 UTC with milliseconds (`2020-01-01T00:00:00.000Z`).

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use serde_json::Value;

/// JavaScript's maximum time value (±8.64e15 ms).
const MAX_MS: i64 = 8_640_000_000_000_000;

/// Epoch milliseconds of 0000-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z: the dates a
/// stored property can hold.
pub(crate) const RFC3339_RANGE: std::ops::RangeInclusive<i64> =
    -62_167_219_200_000..=253_402_300_799_999;

/// Formats epoch milliseconds as `2020-01-01T00:00:00.000Z` (`Date.prototype.toISOString`).
pub(crate) fn format_millis(ms: i64) -> String {
    match Utc.timestamp_millis_opt(ms).single() {
        Some(d) if (0..=9999).contains(&d.year()) => d.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        Some(d) => {
            let sign = if d.year() < 0 { '-' } else { '+' };
            format!(
                "{sign}{:06}{}",
                d.year().abs(),
                d.format("-%m-%dT%H:%M:%S%.3fZ")
            )
        }
        None => "Invalid Date".into(),
    }
}

/// Parses a JSON value as `new Date(value)` would: numbers are epoch milliseconds, strings
/// are parsed by [`parse_date_string`]. `None` = Invalid Date.
pub(crate) fn parse_value(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n
            .as_f64()
            .filter(|f| f.is_finite() && f.abs() <= MAX_MS as f64)
            .map(|f| f.trunc() as i64),
        Value::String(s) => parse_date_string(s),
        _ => None,
    }
}

/// Parses a date string the way V8's `Date` parser accepts the common forms: ISO-8601
/// (date-only is UTC midnight; days past the month's end roll over as in V8), RFC 2822,
/// `YYYY/MM/DD`, `MM/DD/YYYY` and `Mon DD YYYY [HH:MM[:SS]]`. Times without an offset are UTC.
pub(crate) fn parse_date_string(s: &str) -> Option<i64> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    parse_iso(t)
        .or_else(|| {
            DateTime::parse_from_rfc2822(t)
                .ok()
                .map(|d| d.timestamp_millis())
        })
        .or_else(|| parse_loose(t))
        .filter(|ms| ms.abs() <= MAX_MS)
}

fn digits(s: &str, n: usize) -> Option<(i64, &str)> {
    if s.len() < n || !s.as_bytes()[..n].iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some((s[..n].parse().ok()?, &s[n..]))
}

fn ymd_millis(y: i64, m: i64, d: i64) -> Option<i64> {
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let first = NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m as u32, 1)?;
    let date = first.checked_add_signed(Duration::days(d - 1))?;
    Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis())
}

fn parse_iso(s: &str) -> Option<i64> {
    let (year, rest) = match s.as_bytes()[0] {
        b'+' | b'-' => {
            let (y, r) = digits(&s[1..], 6)?;
            (if s.starts_with('-') { -y } else { y }, r)
        }
        _ => digits(s, 4)?,
    };
    let (month, rest) = match rest.strip_prefix('-') {
        Some(r) => digits(r, 2)?,
        None if rest.is_empty() => (1, rest),
        None => return None,
    };
    let (day, rest) = match rest.strip_prefix('-') {
        Some(r) => digits(r, 2)?,
        None if rest.is_empty() => (1, rest),
        None => return None,
    };
    let base = ymd_millis(year, month, day)?;
    if rest.is_empty() {
        return Some(base);
    }
    let rest = rest.strip_prefix('T').or_else(|| rest.strip_prefix(' '))?;
    let (h, rest) = digits(rest, 2)?;
    let (mi, rest) = digits(rest.strip_prefix(':')?, 2)?;
    let (sec, rest) = match rest.strip_prefix(':') {
        Some(r) => digits(r, 2)?,
        None => (0, rest),
    };
    let (ms, rest) = match rest.strip_prefix('.') {
        Some(r) => {
            let n = r.bytes().take_while(u8::is_ascii_digit).count();
            if n == 0 {
                return None;
            }
            let frac = &r[..n];
            let padded = format!("{:0<3}", &frac[..n.min(3)]);
            (padded.parse::<i64>().ok()?, &r[n..])
        }
        None => (0, rest),
    };
    if h > 24 || mi > 59 || sec > 59 || (h == 24 && (mi, sec, ms) != (0, 0, 0)) {
        return None;
    }
    let offset_min = match rest {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let r = &rest[1..];
            let (oh, r) = digits(r, 2)?;
            let r = r.strip_prefix(':').unwrap_or(r);
            let (om, r) = digits(r, 2)?;
            if !r.is_empty() || oh > 23 || om > 59 {
                return None;
            }
            sign * (oh * 60 + om)
        }
    };
    Some(base + ((h * 60 + mi - offset_min) * 60 + sec) * 1000 + ms)
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

fn parse_time(s: &str) -> Option<i64> {
    let mut parts = s.split(':');
    let h: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let sec: i64 = parts.next().map_or(Some(0), |p| p.parse().ok())?;
    if parts.next().is_some() || h > 23 || m > 59 || sec > 59 {
        return None;
    }
    Some(((h * 60 + m) * 60 + sec) * 1000)
}

fn parse_loose(s: &str) -> Option<i64> {
    let tokens: Vec<&str> = s
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
        .collect();
    let (date_tok, rest) = tokens.split_first()?;
    // YYYY/MM/DD or MM/DD/YYYY
    if date_tok.contains('/') {
        let p: Vec<i64> = date_tok
            .split('/')
            .map(|x| x.parse().ok())
            .collect::<Option<_>>()?;
        let base = match p.as_slice() {
            [y, m, d] if *y > 31 => ymd_millis(*y, *m, *d)?,
            [m, d, y] => ymd_millis(*y, *m, *d)?,
            _ => return None,
        };
        return match rest {
            [] => Some(base),
            [t] => Some(base + parse_time(t)?),
            _ => None,
        };
    }
    // [Weekday] Mon DD YYYY [HH:MM[:SS]] or DD Mon YYYY
    let toks: Vec<&str> = tokens
        .iter()
        .copied()
        .filter(|t| {
            !["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
                .contains(&t.get(..3).unwrap_or("").to_ascii_lowercase().as_str())
                || t.len() > 9
        })
        .collect();
    let month_of = |t: &str| {
        let l = t.to_ascii_lowercase();
        MONTHS
            .iter()
            .position(|m| l.starts_with(m))
            .map(|i| i as i64 + 1)
    };
    let (m, d, y, rest) = match toks.as_slice() {
        [a, b, c, rest @ ..] if month_of(a).is_some() => {
            (month_of(a)?, b.parse().ok()?, c.parse().ok()?, rest)
        }
        [a, b, c, rest @ ..] if month_of(b).is_some() => {
            (month_of(b)?, a.parse().ok()?, c.parse().ok()?, rest)
        }
        _ => return None,
    };
    let base = ymd_millis(y, m, d)?;
    match rest {
        [] => Some(base),
        [t] | [t, _] => Some(base + parse_time(t)?),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(s: &str) -> String {
        parse_date_string(s)
            .map(format_millis)
            .unwrap_or_else(|| "Invalid Date".into())
    }

    #[test]
    fn js_like_parsing() {
        assert_eq!(iso("2020-01-01"), "2020-01-01T00:00:00.000Z");
        assert_eq!(iso("2020-02-30"), "2020-03-01T00:00:00.000Z");
        assert_eq!(iso("2020-01-01T10:00:00+02:00"), "2020-01-01T08:00:00.000Z");
        assert_eq!(iso("2020-01-01T00:00:00.5Z"), "2020-01-01T00:00:00.500Z");
        assert_eq!(
            iso("Wed, 01 Jan 2020 00:00:00 GMT"),
            "2020-01-01T00:00:00.000Z"
        );
        assert_eq!(iso("Jan 2 2020"), "2020-01-02T00:00:00.000Z");
        assert_eq!(iso("2020/01/02"), "2020-01-02T00:00:00.000Z");
        assert_eq!(iso("notadate"), "Invalid Date");
        assert_eq!(iso("2020-13-01"), "Invalid Date");
        assert_eq!(format_millis(0), "1970-01-01T00:00:00.000Z");
    }
}
