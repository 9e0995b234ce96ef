//! Cluster slots: the slot a key lives in (Redis `keyHashSlot`: CRC16/XMODEM of the key, or
//! of its hash tag — the bytes between the first `{` and the next `}` when there are any —
//! modulo 16384), and the redirections a cluster answers with (`MOVED 3999 127.0.0.1:6381`,
//! `ASK 3999 127.0.0.1:6381`). Pure.

/// Slots in a Redis cluster.
pub(crate) const SLOTS: usize = 16384;

/// CRC16/XMODEM (polynomial 0x1021, initial 0), as Redis's `crc16.c`.
fn crc16(bytes: &[u8]) -> u16 {
    let mut crc: u16 = 0;
    for &b in bytes {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// The slot of `key`.
pub(crate) fn key_slot(key: &[u8]) -> u16 {
    let hashed = match memchr::memchr(b'{', key) {
        Some(open) => match memchr::memchr(b'}', &key[open + 1..]) {
            Some(len) if len > 0 => &key[open + 1..open + 1 + len],
            _ => key,
        },
        None => key,
    };
    crc16(hashed) & (SLOTS as u16 - 1)
}

/// A cluster's redirection of one key's command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Redirect {
    /// ASK: this command only, preceded by ASKING (the slot is migrating); MOVED: the slot
    /// now lives at `addr`.
    pub(crate) ask: bool,
    pub(crate) slot: u16,
    /// `host:port` as the server wrote it.
    pub(crate) addr: String,
}

/// The redirection in an error reply (`MOVED 3999 127.0.0.1:6381`, the code included).
pub(crate) fn redirect(error: &str) -> Option<Redirect> {
    let mut words = error.split_ascii_whitespace();
    let ask = match words.next()? {
        "MOVED" => false,
        "ASK" => true,
        _ => return None,
    };
    let slot: u16 = words
        .next()?
        .parse()
        .ok()
        .filter(|s| usize::from(*s) < SLOTS)?;
    let addr = words.next()?.to_string();
    Some(Redirect { ask, slot, addr })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_as_redis_computes_them() {
        // Values from `CLUSTER KEYSLOT` on Redis 7.0.
        assert_eq!(key_slot(b"foo"), 12182);
        assert_eq!(key_slot(b"bar"), 5061);
        assert_eq!(key_slot(b"user:1000"), 1649);
        assert_eq!(key_slot(b"{user1000}.following"), key_slot(b"user1000"));
        assert_eq!(key_slot(b"foo{}{bar}"), key_slot(b"foo{}{bar}"));
        assert_ne!(key_slot(b"foo{}{bar}"), key_slot(b"bar"));
        assert_eq!(key_slot(b"foo{{bar}}zap"), key_slot(b"{bar"));
        assert_eq!(key_slot(b""), 0);
        assert_eq!(crc16(b"123456789"), 0x31c3);
    }

    #[test]
    fn redirections_are_read() {
        assert_eq!(
            redirect("MOVED 3999 127.0.0.1:6381"),
            Some(Redirect {
                ask: false,
                slot: 3999,
                addr: "127.0.0.1:6381".into()
            })
        );
        assert_eq!(
            redirect("ASK 1 ::1:7000").map(|r| (r.ask, r.addr)),
            Some((true, "::1:7000".into()))
        );
        assert_eq!(redirect("MOVED 16384 h:1"), None);
        assert_eq!(redirect("ERR no"), None);
        assert_eq!(redirect("MOVED"), None);
    }
}
