//! Glob matching exactly as SCAN MATCH and KEYS do it: a port of Redis's `stringmatchlen`
//! (src/util.c, 7.x; `nocase` off), byte for byte, quirks included. Pure.
//!
//! The quirks users meet: a `[` class without its `]` runs to the end of the pattern
//! (`[abc` matches "a"; a lone `[` matches nothing); `]` right after `[` or `[^` closes an
//! empty class (`[]a]` matches nothing, `[^]a]` is any byte followed by "a]"); `a-]` is a
//! range from `]` to `a`; a trailing `\` is a literal backslash; range ends compare as C's
//! signed `char` (bytes ≥ 0x80 sort below ASCII). The empty key matches no pattern but `*`.

/// Whether `key` matches `pattern` as SCAN MATCH / KEYS decide it. A lone `*` matches every
/// key, the empty one included: both commands skip matching for it.
pub(crate) fn matches(pattern: &[u8], key: &[u8]) -> bool {
    if pattern == b"*" {
        return true;
    }
    let mut skip_longer = false;
    stringmatch(pattern, key, &mut skip_longer, 0)
}

/// The byte at `i`, or NUL past the end: Redis strings are NUL-terminated, and
/// `stringmatchlen` reads that terminator at a few places.
fn at(p: &[u8], i: usize) -> u8 {
    p.get(i).copied().unwrap_or(0)
}

/// `stringmatchlen_impl`. `skip_longer`: a `*` found no match for the rest of the pattern
/// anywhere in the rest of the string, so no earlier `*` can do better (Redis's
/// `skipLongerMatches`, which keeps `a*a*a*…b` from going exponential). `nesting`: Redis
/// 7.2.6+ gives up (no match) beyond 1000 nested `*`.
fn stringmatch(pat: &[u8], s: &[u8], skip_longer: &mut bool, nesting: u32) -> bool {
    if nesting > 1000 {
        return false;
    }
    let (mut p, mut i) = (0usize, 0usize);
    while p < pat.len() && i < s.len() {
        match pat[p] {
            b'*' => {
                while p < pat.len() && at(pat, p + 1) == b'*' {
                    p += 1;
                }
                if pat.len() - p == 1 {
                    return true;
                }
                while i < s.len() {
                    if stringmatch(&pat[p + 1..], &s[i..], skip_longer, nesting + 1) {
                        return true;
                    }
                    if *skip_longer {
                        return false;
                    }
                    i += 1;
                }
                *skip_longer = true;
                return false;
            }
            b'?' => i += 1,
            b'[' => {
                p += 1;
                let not = at(pat, p) == b'^';
                if not {
                    p += 1;
                }
                let c = s[i];
                let mut hit = false;
                loop {
                    let left = pat.len().saturating_sub(p);
                    if at(pat, p) == b'\\' && left >= 2 {
                        p += 1;
                        hit |= pat[p] == c;
                    } else if at(pat, p) == b']' {
                        break;
                    } else if left == 0 {
                        // Not closed: the class ends with the pattern.
                        p -= 1;
                        break;
                    } else if left >= 3 && pat[p + 1] == b'-' {
                        // C `char` is signed: compare as i8.
                        let (a, b) = (pat[p] as i8, pat[p + 2] as i8);
                        let (lo, hi) = (a.min(b), a.max(b));
                        p += 2;
                        hit |= (lo..=hi).contains(&(c as i8));
                    } else {
                        hit |= pat[p] == c;
                    }
                    p += 1;
                }
                if hit == not {
                    return false;
                }
                i += 1;
            }
            b => {
                let lit = if b == b'\\' && pat.len() - p >= 2 {
                    p += 1;
                    pat[p]
                } else {
                    b
                };
                if lit != s[i] {
                    return false;
                }
                i += 1;
            }
        }
        p += 1;
        if i == s.len() {
            while at(pat, p) == b'*' {
                p += 1;
            }
            break;
        }
    }
    p == pat.len() && i == s.len()
}

#[cfg(test)]
mod tests {
    use super::matches;

    fn m(p: &str, s: &str) -> bool {
        matches(p.as_bytes(), s.as_bytes())
    }

    #[test]
    fn globs() {
        assert!(m("user:*", "user:1"));
        assert!(m("user:*:profile", "user:12:profile"));
        assert!(!m("user:*:profile", "user:12:cart"));
        assert!(m("*", ""));
        assert!(m("h?llo", "hello"));
        assert!(m("h[ae]llo", "hallo"));
        assert!(!m("h[^e]llo", "hello"));
        assert!(m("h[a-c]llo", "hbllo"));
        assert!(m("h[c-a]llo", "hbllo"));
        assert!(m("a\\*b", "a*b"));
        assert!(!m("a\\*b", "axb"));
        assert!(m("*a*b*", "xxaxxbxx"));
        assert!(!m("abc", "abcd"));
        assert!(m("cart:{*}:items", "cart:{42}:items"));
    }

    /// What redis-server 7.0 answered to KEYS with these patterns (tests/glob.rs checks many
    /// more pairs against a live server).
    #[test]
    fn redis_quirks() {
        assert!(m("[abc", "a") && m("[abc", "b"));
        assert!(!m("x[", "x[") && !m("[", "["));
        assert!(!m("[]a]", "a") && !m("[]a]", "]"));
        assert!(m("[a-]", "]") && m("[a-]", "a") && !m("[a-]", "-"));
        assert!(m("[a-", "-") && m("[a-", "a"));
        assert!(m("[^]a]", "xa]") && !m("[^]a]", "x"));
        assert!(!m("*[", "x[") && !m("*[", "["));
        assert!(m("x[^", "x["));
        assert!(m("\\", "\\") && !m("a\\", "a"));
        assert!(m("[\\]", "]"));
        assert!(m("**", "x") && !m("**", ""));
        assert!(!m("?", ""));
        // Signed char: 0xff is -1, so [a-\xff] is the range -1..='a'.
        assert!(matches(b"[a-\xff]", b"\x00"));
        assert!(!matches(b"[a-\xff]", b"b"));
    }

    #[test]
    fn many_stars_stay_fast() {
        let pat = "a*".repeat(40) + "b";
        assert!(!m(&pat, &"a".repeat(200)));
    }
}
