//! Key → pattern inference. Pure.
//!
//! A key is split on separators (`:` `/` `.` `|` `#` by default); each segment that looks
//! like an identifier — a number, UUID, hex hash (8+), ULID, long random-looking token,
//! date or timestamp, binary bytes — becomes `*`, as do IPv4 and e-mail addresses
//! anywhere in the key, and runs of 3+ digits inside a word (`page1234` → `page*`). Hash
//! tags keep their braces (`{*}`) so a tagged family stays visible. User rules
//! (`REGEX=REPLACEMENT`) run first, on the key as text. The result is a valid SCAN MATCH
//! glob: literal `* ? [ ] \` are escaped.

use regex::bytes::Regex;

pub(crate) struct PatternRules {
    separators: Vec<u8>,
    user: Vec<(Regex, Vec<u8>)>,
    ipv4: Regex,
    email: Regex,
}

/// Stands for a wildcard while the pattern is built (a byte that never survives escaping).
const WILD: u8 = 0;

impl PatternRules {
    /// `separators`: bytes that split segments; `rules`: `REGEX=REPLACEMENT` strings.
    pub(crate) fn new(separators: &str, rules: &[String]) -> Result<Self, String> {
        let mut user = Vec::new();
        for r in rules {
            let (re, rep) = r
                .rsplit_once('=')
                .ok_or_else(|| format!("--rule '{r}': expected REGEX=REPLACEMENT"))?;
            let re = Regex::new(re).map_err(|e| format!("--rule '{r}': {}", regex_error(&e)))?;
            user.push((re, rep.as_bytes().to_vec()));
        }
        Ok(PatternRules {
            separators: separators.as_bytes().to_vec(),
            user,
            ipv4: Regex::new(r"(?-u)\b(?:\d{1,3}\.){3}\d{1,3}\b").expect("static regex"),
            email: Regex::new(r"(?-u)[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
                .expect("static regex"),
        })
    }

    #[cfg(test)]
    pub(crate) fn default_rules() -> Self {
        Self::new(":/.|#", &[]).expect("default rules are valid")
    }

    /// The pattern of `key`, as glob bytes.
    pub(crate) fn pattern(&self, key: &[u8]) -> Vec<u8> {
        let mut k: Vec<u8> = escape_literals(key);
        for (re, rep) in &self.user {
            // A `*` in a replacement is a wildcard, not a literal.
            let rep: Vec<u8> = rep
                .iter()
                .map(|&b| if b == b'*' { WILD } else { b })
                .collect();
            k = re.replace_all(&k, rep.as_slice()).into_owned();
        }
        // The regexes only where they can match: most keys have no '@' and few dots.
        if memchr::memchr(b'@', &k).is_some() {
            k = self.email.replace_all(&k, &[WILD][..]).into_owned();
        }
        if memchr::memchr_iter(b'.', &k).nth(2).is_some() {
            k = self.ipv4.replace_all(&k, &[WILD][..]).into_owned();
        }
        let mut out = Vec::with_capacity(k.len());
        let mut seg_start = 0;
        for i in 0..=k.len() {
            let at_sep = i == k.len() || self.separators.contains(&k[i]);
            if at_sep {
                segment(&k[seg_start..i], &mut out);
                if i < k.len() {
                    out.push(k[i]);
                }
                seg_start = i + 1;
            }
        }
        finish(out)
    }
}

/// A regex error in one line: the regex crate's syntax errors span several (the pattern,
/// a caret line, `error: ...`); keep the message and where it points.
fn regex_error(e: &regex::Error) -> String {
    let text = e.to_string();
    let Some(why) = text.lines().find_map(|l| l.trim().strip_prefix("error: ")) else {
        return text.split_whitespace().collect::<Vec<_>>().join(" ");
    };
    // The caret line is indented 4 spaces, like the pattern line above it.
    let at = text
        .lines()
        .find(|l| l.trim() == "^" || l.trim().chars().all(|c| c == '^'))
        .and_then(|l| l.find('^'))
        .map(|i| format!(" at character {}", i.saturating_sub(3)));
    format!("invalid regex: {why}{}", at.unwrap_or_default())
}

/// Literal glob characters in a key get a backslash, so they match only themselves.
fn escape_literals(key: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(key.len() + 2);
    for &b in key {
        if matches!(b, b'*' | b'?' | b'[' | b']' | b'\\') {
            v.push(b'\\');
        }
        v.push(if b == WILD { 1 } else { b });
    }
    v
}

/// Wildcard markers → `*`, runs collapsed.
fn finish(v: Vec<u8>) -> Vec<u8> {
    let mut out = Vec::with_capacity(v.len());
    for b in v {
        if b == WILD {
            if out.last() != Some(&b'*') || out.ends_with(b"\\*") {
                out.push(b'*');
            }
        } else {
            out.push(b);
        }
    }
    out
}

fn segment(seg: &[u8], out: &mut Vec<u8>) {
    // A hash tag: keep the braces, judge what is inside.
    if seg.len() >= 2 && seg[0] == b'{' && seg[seg.len() - 1] == b'}' {
        out.push(b'{');
        segment(&seg[1..seg.len() - 1], out);
        out.push(b'}');
        return;
    }
    if is_identifier(seg) {
        out.push(WILD);
        return;
    }
    // Runs of 3+ digits inside a word.
    let mut i = 0;
    while i < seg.len() {
        if seg[i].is_ascii_digit() {
            let j = seg[i..]
                .iter()
                .position(|b| !b.is_ascii_digit())
                .map_or(seg.len(), |p| i + p);
            if j - i >= 3 {
                out.push(WILD);
            } else {
                out.extend_from_slice(&seg[i..j]);
            }
            i = j;
        } else {
            out.push(seg[i]);
            i += 1;
        }
    }
}

fn is_identifier(s: &[u8]) -> bool {
    if s.is_empty() || s == [WILD] {
        return s == [WILD];
    }
    let digits = s.iter().filter(|b| b.is_ascii_digit()).count();
    let alpha = s.iter().filter(|b| b.is_ascii_alphabetic()).count();
    let hex = s.iter().all(|b| b.is_ascii_hexdigit());
    // Binary or control bytes.
    s.iter().any(|&b| b != WILD && !(0x20..0x7f).contains(&b))
        // A number (negative or decimal too).
        || s.iter().all(|b| b.is_ascii_digit() || *b == b'-' || *b == b'.') && digits > 0
        // A hex hash of 8+ with at least one digit (so plain words like "deadbeef" need one).
        || hex && s.len() >= 8 && digits > 0
        || is_uuid(s)
        || is_ulid(s)
        || is_date(s)
        // A long random-looking token: 16+ characters of letters and digits mixed.
        || s.len() >= 16
            && s.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'=' | b'+'))
            && digits >= 2
            && alpha >= 2
}

fn is_uuid(s: &[u8]) -> bool {
    s.len() == 36
        && s.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

fn is_ulid(s: &[u8]) -> bool {
    s.len() == 26
        && s.iter().all(|b| {
            b.is_ascii_digit()
                || (b.is_ascii_uppercase() && !matches!(b, b'I' | b'L' | b'O' | b'U'))
        })
        && s.iter().any(u8::is_ascii_digit)
}

/// 2024-01-31, 20240131, 2024-01-31T10 (the rest of a timestamp is split off by `:`).
fn is_date(s: &[u8]) -> bool {
    let d = |r: std::ops::Range<usize>| s.get(r).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    (s.len() >= 10 && d(0..4) && s[4] == b'-' && d(5..7) && s[7] == b'-' && d(8..10))
        || (s.len() == 8 && d(0..8) && s.starts_with(b"20"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(key: &str) -> String {
        String::from_utf8(PatternRules::default_rules().pattern(key.as_bytes())).unwrap()
    }

    #[test]
    fn identifiers_become_wildcards() {
        assert_eq!(p("user:1234:profile"), "user:*:profile");
        assert_eq!(
            p("session:550e8400-e29b-41d4-a716-446655440000"),
            "session:*"
        );
        assert_eq!(
            p("cache:page:d41d8cd98f00b204e9800998ecf8427e"),
            "cache:page:*"
        );
        assert_eq!(p("order/01ARZ3NDEKTSV4RRFFQ69G5FAV"), "order/*");
        assert_eq!(p("stats:2024-01-31:views"), "stats:*:views");
        assert_eq!(p("rl:10.0.0.12:login"), "rl:*:login");
        assert_eq!(p("mail:jane.doe@example.com:inbox"), "mail:*:inbox");
        assert_eq!(p("tok:aZ3k9Qw2Lm8Xp0Rt"), "tok:*");
        assert_eq!(p("page1234"), "page*");
        assert_eq!(p("feed:v2:home"), "feed:v2:home");
        assert_eq!(p("config"), "config");
    }

    #[test]
    fn hash_tags_and_binary() {
        assert_eq!(p("cart:{42}:items"), "cart:{*}:items");
        assert_eq!(p("{user1000}.following"), "{user*}.following");
        assert_eq!(
            String::from_utf8_lossy(&PatternRules::default_rules().pattern(b"bin:\xff\x00:x")),
            "bin:*:x"
        );
    }

    #[test]
    fn result_is_a_glob_that_matches_the_key() {
        assert_eq!(p("weird*key?[1]"), "weird\\*key\\?\\[1\\]");
        assert_eq!(p("a:1:2:3"), "a:*:*:*");
    }

    #[test]
    fn user_rules_run_first() {
        let r = PatternRules::new(":", &["^tenant-[a-z]+=tenant-*".to_string()]).unwrap();
        assert_eq!(r.pattern(b"tenant-acme:user:5"), b"tenant-*:user:*");
        assert!(PatternRules::new(":", &["nope".to_string()]).is_err());
        assert!(PatternRules::new(":", &["(=x".to_string()]).is_err());
        let e = PatternRules::new(":", &["([=x".to_string()]).err().unwrap();
        assert_eq!(
            e,
            "--rule '([=x': invalid regex: unclosed character class at character 2"
        );
        let e = PatternRules::new(":", &["a{99999999}=x".to_string()])
            .err()
            .unwrap();
        assert_eq!(e.lines().count(), 1, "{e}");
    }
}
