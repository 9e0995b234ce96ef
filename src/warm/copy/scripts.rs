//! The typed copy's write scripts: one Lua script per type that, in one atomic step,
//! returns 0 if the key exists (unless overwrite), else writes the whole value and its TTL
//! and returns 1. So the fallback never clobbers a key and never leaves half a value.
//!
//! Calling convention: KEYS[1] the key, KEYS[2] a scratch key in the same cluster slot;
//! ARGV[1] "1" to overwrite, ARGV[2] the TTL in ms ("0": none), ARGV[3..] the value's
//! elements (string: the value; hash: field, value...; list: elements in order; set:
//! members; zset: score, member...; stream: id, field count, field, value...).
//!
//! Overwriting never deletes: the new value is built under the scratch key (which no
//! client can see, the script being atomic) and RENAMEd over the old one, as RESTORE
//! REPLACE swaps a value in place. A scratch key that exists is an error, never touched.

use std::sync::{LazyLock, OnceLock};

use crate::error::Error;
use crate::source::conn::NodeConn;

/// Checks the key and picks where the value is built.
const PRELUDE: &str = r"
local key, dest = KEYS[1], KEYS[1]
if redis.call('EXISTS', key) == 1 then
  if ARGV[1] ~= '1' then return 0 end
  dest = KEYS[2]
  if redis.call('EXISTS', dest) == 1 then
    return redis.error_reply('ERR scratch key ' .. dest .. ' exists')
  end
end
local n = #ARGV
";

/// Puts the value in place and sets its TTL.
const EPILOGUE: &str = r"
if dest ~= key then redis.call('RENAME', dest, key) end
local ttl = tonumber(ARGV[2])
if ttl > 0 then redis.call('PEXPIRE', key, ttl) end
return 1
";

/// Elements go to the server 1000 at a time (an even number, so pairs stay whole): Lua's
/// `unpack` has a stack limit (8000 in Redis's Lua).
fn chunked(cmd: &str) -> String {
    format!(
        "for i = 3, n, 1000 do redis.call('{cmd}', dest, unpack(ARGV, i, math.min(i + 999, n))) end"
    )
}

const STREAM: &str = r"
local i = 3
while i <= n do
  local fields = tonumber(ARGV[i + 1])
  redis.call('XADD', dest, ARGV[i], unpack(ARGV, i + 2, i + 1 + 2 * fields))
  i = i + 2 + 2 * fields
end
";

/// A script's text (for SCRIPT LOAD) and its SHA1 (for EVALSHA), learned from the
/// first server that loads it (the same on every server: SHA1 of the text).
pub(super) struct WriteScript {
    pub(super) code: String,
    sha: OnceLock<String>,
}

impl WriteScript {
    /// The script's SHA1, loading it on `target` the first time it is asked for. Callers
    /// still queue SCRIPT LOAD before their EVALSHAs: another server may not have it.
    pub(super) async fn sha(&self, target: &mut NodeConn) -> Result<&str, Error> {
        if let Some(s) = self.sha.get() {
            return Ok(s);
        }
        let sha: String = target
            .query(redis::cmd("SCRIPT").arg("LOAD").arg(&self.code))
            .await?;
        Ok(self.sha.get_or_init(|| sha))
    }
}

fn script(body: &str) -> WriteScript {
    WriteScript {
        code: format!("{PRELUDE}{body}{EPILOGUE}"),
        sha: OnceLock::new(),
    }
}

pub(super) static STRING: LazyLock<WriteScript> =
    LazyLock::new(|| script("redis.call('SET', dest, ARGV[3])"));
pub(super) static HASH: LazyLock<WriteScript> = LazyLock::new(|| script(&chunked("HSET")));
pub(super) static LIST: LazyLock<WriteScript> = LazyLock::new(|| script(&chunked("RPUSH")));
pub(super) static SET: LazyLock<WriteScript> = LazyLock::new(|| script(&chunked("SADD")));
pub(super) static ZSET: LazyLock<WriteScript> = LazyLock::new(|| script(&chunked("ZADD")));
pub(super) static STREAM_SCRIPT: LazyLock<WriteScript> = LazyLock::new(|| script(STREAM));

/// A key in the same cluster slot as `key`, to build a replacement value under: the key
/// itself with a suffix when it has a hash tag (the tag still decides), else the key as
/// the tag. A key with a `}` and no tag, or the empty key, has no such name; then any name will do outside a
/// cluster, and in one the script fails with CROSSSLOT (a failed key, never a bad write).
pub(super) fn scratch_key(key: &[u8]) -> Vec<u8> {
    const SUFFIX: &[u8] = b":cachestorm-warm-scratch";
    let tagged = memchr::memchr(b'{', key)
        .is_some_and(|open| memchr::memchr(b'}', &key[open + 1..]).is_some_and(|close| close > 0));
    let mut s = Vec::with_capacity(key.len() + SUFFIX.len() + 2);
    if tagged || key.is_empty() || memchr::memchr(b'}', key).is_some() {
        s.extend_from_slice(key);
    } else {
        s.push(b'{');
        s.extend_from_slice(key);
        s.push(b'}');
    }
    s.extend_from_slice(SUFFIX);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The part of a key that decides its cluster slot (Redis `keyHashSlot`).
    fn tag(key: &[u8]) -> &[u8] {
        if let Some(open) = key.iter().position(|&b| b == b'{') {
            if let Some(len) = key[open + 1..].iter().position(|&b| b == b'}') {
                if len > 0 {
                    return &key[open + 1..open + 1 + len];
                }
            }
        }
        key
    }

    #[test]
    fn the_scratch_key_shares_the_slot() {
        for k in [&b"user:1"[..], b"x{t}y", b"a{b", b"{a}", b"{a}}"] {
            let s = scratch_key(k);
            assert_ne!(s, k);
            assert_eq!(tag(&s), tag(k), "{:?}", String::from_utf8_lossy(&s));
        }
        // The documented exceptions: a `}` and no tag (the whole key is hashed), "".
        assert_eq!(scratch_key(b"{}x"), b"{}x:cachestorm-warm-scratch");
        assert_eq!(scratch_key(b""), b":cachestorm-warm-scratch");
    }

    #[test]
    fn scripts_never_delete() {
        let all: String = [&*STRING, &*HASH, &*LIST, &*SET, &*ZSET, &*STREAM_SCRIPT]
            .iter()
            .map(|s| s.code.to_uppercase())
            .collect();
        for word in ["'DEL'", "UNLINK", "FLUSH", "'KEYS'", "GETDEL"] {
            assert!(!all.contains(word), "{word}");
        }
    }
}
