//! How keys and times are shown everywhere, in tables and JSON alike. Shared by the pure
//! core (`analysis`) and `output`, so it sits below both. Pure.
//!
//! Keys are bytes: printable ASCII as is, `\` and `"` escaped, everything else `\xHH` — so
//! a key can be pasted back between double quotes in redis-cli. (Tables may shorten what
//! this gives; JSON never does.)
//!
//! Times are RFC 3339 in UTC with sub-second digits: milliseconds for the clock's own
//! readings, microseconds for times that come from MONITOR events (which have them).

/// A key in its printable form; linear in the key's length (keys can be megabytes).
pub(crate) fn key(key: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(key.len());
    for &b in key {
        match b {
            b'\\' => s.push_str("\\\\"),
            b'"' => s.push_str("\\\""),
            0x20..=0x7e => s.push(b as char),
            _ => {
                s.push_str("\\x");
                s.push(char::from(HEX[usize::from(b >> 4)]));
                s.push(char::from(HEX[usize::from(b & 15)]));
            }
        }
    }
    s
}

/// A time as RFC 3339 UTC with microseconds: `2026-11-22T23:04:22.000123Z`.
pub(crate) fn rfc3339_micros(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// A time as RFC 3339 UTC with milliseconds: `2026-11-22T23:04:22.000Z`.
pub(crate) fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Microseconds since the epoch as RFC 3339 UTC with microseconds:
/// `2026-11-22T23:04:22.123456Z` (None past the year 262143).
pub(crate) fn rfc3339_us(unix_us: u64) -> Option<String> {
    let t = chrono::DateTime::from_timestamp_micros(i64::try_from(unix_us).ok()?)?;
    Some(rfc3339_micros(t))
}

/// Unix seconds (fractions kept to the millisecond) as RFC 3339 UTC with milliseconds;
/// an impossible time shows as the epoch.
pub(crate) fn rfc3339_secs(unix: f64) -> String {
    let ms = (unix * 1000.0).round() as i64;
    rfc3339(chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::{key, rfc3339_us};

    #[test]
    fn printable_form() {
        assert_eq!(key(b"user:1"), "user:1");
        assert_eq!(key(b"a\x00b\xff\n"), "a\\x00b\\xff\\x0a");
        assert_eq!(key(b"q\"\\"), "q\\\"\\\\");
    }

    #[test]
    fn event_times_keep_microseconds() {
        assert_eq!(
            rfc3339_us(1_764_633_600_000_001).as_deref(),
            Some("2025-12-02T00:00:00.000001Z")
        );
    }
}

/// Serde helpers that show durations kept in seconds (or minutes) as the milliseconds
/// every document uses (`_ms` fields, docs/JSON.md). Pair each with
/// `#[schemars(with = "f64")]` (or `Option<f64>`).
pub(crate) mod ms {
    use serde::Serializer;

    pub(crate) fn from_secs<S: Serializer>(secs: &f64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(secs * 1000.0)
    }

    pub(crate) fn from_opt_secs<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(secs) => s.serialize_f64(secs * 1000.0),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn from_whole_secs<S: Serializer>(secs: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(secs.saturating_mul(1000))
    }

    pub(crate) fn from_opt_whole_secs<S: Serializer>(
        v: &Option<u64>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            Some(secs) => s.serialize_u64(secs.saturating_mul(1000)),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn from_opt_usec<S: Serializer>(v: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(us) => s.serialize_f64(*us as f64 / 1000.0),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn from_mins<S: Serializer>(mins: &u32, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::from(*mins) * 60_000)
    }
}
