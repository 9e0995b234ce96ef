//! Human units in and out: `500ms`/`10s`/`5m`/`1h` durations, sizes as redis.conf writes
//! them (`10k` = 10,000 bytes, `10kb` = 10,240), and the compact renderings tables use
//! (`1.2MiB`, `3.4k`). Pure.

use std::time::Duration;

/// `1.5kb` → (1.5, "kb"): the leading number and the lowercase unit after it.
fn number_and_unit(s: &str) -> Option<(f64, String)> {
    let t = s.trim().to_ascii_lowercase();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    Some((num.parse().ok()?, unit.to_string()))
}

/// Parses `500ms`, `10s`, `5m`, `1h`, `1.5s`, or a bare number of seconds.
pub(crate) fn parse_duration(s: &str) -> Result<Duration, String> {
    let (value, unit) = number_and_unit(s)
        .ok_or_else(|| format!("invalid duration '{s}': expected e.g. 500ms, 10s, 5m, 1h"))?;
    let secs = match unit.as_str() {
        "ms" => value / 1000.0,
        "" | "s" => value,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        _ => return Err(format!("invalid duration unit in '{s}': use ms, s, m or h")),
    };
    if !secs.is_finite() || !(0.0..=365.0 * 86400.0).contains(&secs) {
        return Err(format!("duration '{s}' is out of range"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// A duration that must be above zero (an interval, a timeout, a window, a bound).
pub(crate) fn parse_nonzero_duration(s: &str) -> Result<Duration, String> {
    let d = parse_duration(s)?;
    if d.is_zero() {
        return Err("must be more than 0 (e.g. 500ms, 10s)".into());
    }
    Ok(d)
}

/// A duration counted in whole `unit`s (named `units`, one written `one`), at least one:
/// the settings that are bucket sizes.
pub(crate) fn parse_whole_duration(
    s: &str,
    unit: Duration,
    units: &str,
    one: &str,
) -> Result<Duration, String> {
    let d = parse_duration(s)?;
    if d < unit || d.as_nanos() % unit.as_nanos() != 0 {
        return Err(format!("must be a whole number of {units}, at least {one}"));
    }
    Ok(d)
}

/// A percentage from 0 to 100 (`5`, `12.5`; a trailing `%` is fine).
pub(crate) fn parse_pct(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .trim_end_matches('%')
        .parse()
        .map_err(|_| "expected a percentage, e.g. 5 or 12.5".to_string())?;
    if !(0.0..=100.0).contains(&v) {
        return Err("a percentage from 0 to 100".into());
    }
    Ok(v)
}

/// Parses a size as redis.conf does (its header comment; `memtoull` in the server), any
/// case: `512` or `512b` bytes; `k`, `m`, `g` are powers of 1000 and `kb`, `mb`, `gb`
/// powers of 1024 (`1k` = 1000, `1kb` = 1024).
pub(crate) fn parse_size(s: &str) -> Result<u64, String> {
    let (value, unit) = number_and_unit(s)
        .ok_or_else(|| format!("invalid size '{s}': expected e.g. 512, 10kb, 5mb, 1gb"))?;
    let mult = match unit.as_str() {
        "" | "b" => 1.0,
        "k" => 1e3,
        "kb" => 1024.0,
        "m" => 1e6,
        "mb" => 1024.0 * 1024.0,
        "g" => 1e9,
        "gb" => 1024.0 * 1024.0 * 1024.0,
        _ => {
            return Err(format!(
                "invalid size unit in '{s}': use b, k, kb, m, mb, g or gb (k = 1000, kb = 1024, as in redis.conf)"
            ))
        }
    };
    let bytes = value * mult;
    if !bytes.is_finite() || bytes < 0.0 || bytes > u64::MAX as f64 {
        return Err(format!("size '{s}' is out of range"));
    }
    Ok(bytes as u64)
}

/// Bytes as `512B`, `1.5KiB`, `3.2MiB`, `1.1GiB`: binary multiples, labelled as such
/// (IEC), so the label means the number.
pub(crate) fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut i = 0;
    while v >= 1024.0 && i < UNITS.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{n}B")
    } else if v >= 100.0 {
        format!("{v:.0}{}", UNITS[i])
    } else {
        format!("{v:.1}{}", UNITS[i])
    }
}

/// A count or rate in compact form: `950`, `12.3k`, `4.5M`.
pub(crate) fn count(v: f64) -> String {
    let a = v.abs();
    if a >= 1e9 {
        format!("{:.1}G", v / 1e9)
    } else if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.1}k", v / 1e3)
    } else if a >= 100.0 || v == v.trunc() {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// A rate or an average, always with one decimal so a column of them reads alike:
/// `3.0`, `3.3`, `446.4`, then compact from 10,000 on: `12.3k`, `4.5M`.
pub(crate) fn decimal(v: f64) -> String {
    if v.abs() >= 1e4 {
        count(v)
    } else {
        format!("{v:.1}")
    }
}

/// Microseconds as `830µs`, `12.3ms`, `1.50s`, then minutes and hours ([`secs`]).
pub(crate) fn micros(us: u64) -> String {
    if us < 1000 {
        format!("{us}µs")
    } else if us < 1_000_000 {
        format!("{:.1}ms", us as f64 / 1e3)
    } else if us < 60_000_000 {
        format!("{:.2}s", us as f64 / 1e6)
    } else {
        secs(us / 1_000_000)
    }
}

/// A percentage with one decimal: `66.7%`.
pub(crate) fn pct(v: f64) -> String {
    format!("{v:.1}%")
}

/// Whole seconds as `45s`, `12m`, `3h20m`, `2d4h` (two units at most).
pub(crate) fn secs(n: u64) -> String {
    let (d, h, m, s) = (n / 86_400, n / 3600 % 24, n / 60 % 60, n % 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, _) if s == 0 => format!("{m}m"),
        (0, 0, _) => format!("{m}m{s}s"),
        (0, _, 0) => format!("{h}h"),
        (0, _, _) => format!("{h}h{m}m"),
        (_, 0, _) => format!("{d}d"),
        _ => format!("{d}d{h}h"),
    }
}

/// A duration as people write it: `500ms`, `2s`, `1.5s`, `5m`, `1h30m` (for messages).
pub(crate) fn duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms}ms")
    } else if !ms.is_multiple_of(1000) && ms < 60_000 {
        format!("{:.1}s", d.as_secs_f64())
    } else {
        secs(d.as_secs())
    }
}

/// `-` for a value that does not exist (no limit, no traffic, first sample).
pub(crate) fn or_dash<T>(v: Option<T>, f: impl Fn(T) -> String) -> String {
    v.map(f).unwrap_or_else(|| "-".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_for_people() {
        assert_eq!(secs(45), "45s");
        assert_eq!(secs(720), "12m");
        assert_eq!(secs(725), "12m5s");
        assert_eq!(secs(12_000), "3h20m");
        assert_eq!(secs(7200), "2h");
        assert_eq!(secs(187_200), "2d4h");
        assert_eq!(duration(Duration::from_millis(500)), "500ms");
        assert_eq!(duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(duration(Duration::from_secs(5)), "5s");
        assert_eq!(duration(Duration::from_secs(90)), "1m30s");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("10s").unwrap(), Duration::from_secs(10));
        assert_eq!(parse_duration("5m").unwrap(), Duration::from_secs(300));
        assert_eq!(parse_duration("1h").unwrap(), Duration::from_secs(3600));
        assert_eq!(parse_duration("2").unwrap(), Duration::from_secs(2));
        assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
        assert!(parse_duration("ten").is_err());
        assert!(parse_duration("5d").is_err());
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn validated_durations_and_percentages() {
        assert!(parse_nonzero_duration("0s").is_err());
        assert!(parse_nonzero_duration("0ms").is_err());
        assert_eq!(
            parse_nonzero_duration("1ms").unwrap(),
            Duration::from_millis(1)
        );
        let s = Duration::from_secs(1);
        let whole = |v| parse_whole_duration(v, s, "seconds", "1s");
        assert!(whole("0s").is_err());
        assert!(whole("500ms").is_err());
        assert!(whole("1500ms").is_err());
        assert_eq!(whole("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_pct("12.5").unwrap(), 12.5);
        assert_eq!(parse_pct("0").unwrap(), 0.0);
        assert_eq!(parse_pct("100%").unwrap(), 100.0);
        assert!(parse_pct("200").is_err());
        assert!(parse_pct("-1").is_err());
        assert!(parse_pct("NaN").is_err());
        assert!(parse_pct("lots").is_err());
    }

    #[test]
    fn sizes_read_like_redis_conf() {
        // redis.conf: 1k => 1000 bytes, 1kb => 1024 bytes, ...; units are case insensitive.
        assert_eq!(parse_size("512").unwrap(), 512);
        assert_eq!(parse_size("512b").unwrap(), 512);
        assert_eq!(parse_size("1k").unwrap(), 1000);
        assert_eq!(parse_size("1kb").unwrap(), 1024);
        assert_eq!(parse_size("10kb").unwrap(), 10240);
        assert_eq!(parse_size("1m").unwrap(), 1_000_000);
        assert_eq!(parse_size("5MB").unwrap(), 5 * 1024 * 1024);
        assert_eq!(parse_size("1G").unwrap(), 1_000_000_000);
        assert_eq!(parse_size("1gB").unwrap(), 1 << 30);
        assert!(parse_size("5xb").is_err());
    }

    #[test]
    fn rendering() {
        assert_eq!(bytes(512), "512B");
        assert_eq!(bytes(1536), "1.5KiB");
        assert_eq!(bytes(3 * 1024 * 1024), "3.0MiB");
        assert_eq!(bytes(1023 * 1024), "1023KiB");
        assert_eq!(decimal(3.0), "3.0");
        assert_eq!(decimal(3.26), "3.3");
        assert_eq!(decimal(446.4), "446.4");
        assert_eq!(decimal(12_345.0), "12.3k");
        assert_eq!(micros(830), "830µs");
        assert_eq!(micros(12_340), "12.3ms");
        assert_eq!(micros(1_500_000), "1.50s");
        assert_eq!(count(950.0), "950");
        assert_eq!(count(12_345.0), "12.3k");
        assert_eq!(count(2.25), "2.2");
        assert_eq!(pct(66.666), "66.7%");
    }
}
