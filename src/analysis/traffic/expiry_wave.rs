//! The expiry wave: when the TTLs set during a capture (SET EX/PX/EXAT/PXAT, GETEX,
//! SETEX, PSETEX, EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT) will fire, counted per bucket of
//! absolute expiry time. Pure: "now" is the event's own timestamp, never the clock.

use super::Traffic;
use crate::parse::monitor::Event;

/// What kind of TTL a command sets, for the expiry wave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TtlKind {
    None,
    /// SET/GETEX with EX/PX/EXAT/PXAT options.
    Options,
    /// SETEX/EXPIRE key seconds; PSETEX/PEXPIRE key ms; EXPIREAT key unix-s; PEXPIREAT key unix-ms.
    Seconds,
    Millis,
    AtSeconds,
    AtMillis,
}

/// The kind of TTL a command (lowercase name) sets.
pub(super) fn ttl_kind(name: &[u8]) -> TtlKind {
    match name {
        b"set" | b"getex" => TtlKind::Options,
        b"setex" | b"expire" => TtlKind::Seconds,
        b"psetex" | b"pexpire" => TtlKind::Millis,
        b"expireat" => TtlKind::AtSeconds,
        b"pexpireat" => TtlKind::AtMillis,
        _ => TtlKind::None,
    }
}

fn num(b: &[u8]) -> Option<u64> {
    std::str::from_utf8(b).ok()?.parse().ok()
}

/// When the TTL set by `ev` fires, in ms since the epoch (None: no readable TTL).
fn expires_at_ms(ev: &Event<'_>, kind: TtlKind) -> Option<u64> {
    let a = &ev.args;
    let now_ms = ev.ts_us / 1000;
    let arg = |i: usize| a.get(i).and_then(|x| num(x));
    match kind {
        TtlKind::Seconds => arg(2).map(|s| now_ms + s * 1000),
        TtlKind::Millis => arg(2).map(|ms| now_ms + ms),
        TtlKind::AtSeconds => arg(2).map(|s| s * 1000),
        TtlKind::AtMillis => arg(2),
        TtlKind::Options => {
            for (i, opt) in a.iter().enumerate().skip(2) {
                let v = arg(i + 1);
                // The first TTL option decides, readable or not.
                match opt.to_ascii_lowercase().as_slice() {
                    b"ex" => return v.map(|s| now_ms + s * 1000),
                    b"px" => return v.map(|ms| now_ms + ms),
                    b"exat" => return v.map(|s| s * 1000),
                    b"pxat" => return v,
                    _ => continue,
                }
            }
            None
        }
        TtlKind::None => None,
    }
}

impl Traffic {
    /// Counts the TTL `ev` sets, if it sets one, in its expiry bucket.
    pub(super) fn note_ttl(&mut self, ev: &Event<'_>, kind: TtlKind) {
        if let Some(ms) = expires_at_ms(ev, kind) {
            let bucket = self.expiry_bucket_secs();
            *self
                .expiry_buckets
                .entry(ms / 1000 / bucket * bucket)
                .or_default() += 1;
            self.ttls_set += 1;
        }
    }
}
