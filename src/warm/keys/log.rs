//! `--from-log`: a key per log line that `--key-regex` matches (its group named `key`,
//! else its first group), or built from several groups by `--key-template`. Matching runs
//! on bytes (`regex::bytes`), so invalid UTF-8 never stops a line; with `(?-u)` classes
//! such as `\S` match any byte and binary keys come through whole.

use regex::bytes::{CaptureLocations, Regex, RegexBuilder};

use super::{each_line, Sink, SourceStats};
use crate::error::{Error, Result};

/// One piece of a key template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(Vec<u8>),
    Group(usize),
}

/// The compiled `--key-regex` and `--key-template`.
#[derive(Debug)]
pub(super) struct LogKeys {
    regex: Regex,
    /// The template's parts, or the one group the key is.
    parts: Vec<Part>,
}

impl LogKeys {
    /// Checks the flags: the regex compiles and has a group; the template names groups
    /// the regex has.
    pub(super) fn new(regex: &str, template: Option<&str>) -> Result<Self> {
        let re = RegexBuilder::new(regex)
            .size_limit(64 << 20)
            .build()
            .map_err(|e| Error::Usage(format!("--key-regex {regex:?}: {}", one_line(&e))))?;
        if re.captures_len() < 2 {
            return Err(Error::Usage(format!(
                "--key-regex {regex:?} has no capture group: put the key in (...) or (?P<key>...)"
            )));
        }
        let parts = match template {
            Some(t) => parse_template(t, &re)?,
            None => {
                let names = re.capture_names();
                let named = names.enumerate().find(|(_, n)| *n == Some("key"));
                vec![Part::Group(named.map_or(1, |(i, _)| i))]
            }
        };
        Ok(LogKeys { regex: re, parts })
    }

    /// The key of `line` into `out`; false when the regex does not match, a group the key
    /// needs took no part in the match, or the key is empty (counted as unmatched).
    fn key_into(&self, line: &[u8], locs: &mut CaptureLocations, out: &mut Vec<u8>) -> bool {
        out.clear();
        if self.regex.captures_read(locs, line).is_none() {
            return false;
        }
        for p in &self.parts {
            match p {
                Part::Literal(b) => out.extend_from_slice(b),
                Part::Group(i) => match locs.get(*i) {
                    Some((s, e)) => out.extend_from_slice(&line[s..e]),
                    None => return false,
                },
            }
        }
        !out.is_empty()
    }
}

/// The last line of a regex error (its message; the lines above draw the pattern).
fn one_line(e: &regex::Error) -> String {
    let s = e.to_string();
    let last = s.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("");
    last.trim().trim_start_matches("error: ").to_string()
}

/// `user:{1}:profile` → parts; `{name}` is a named group, `{{`/`}}` literal braces.
fn parse_template(t: &str, re: &Regex) -> Result<Vec<Part>> {
    let bad = |why: String| Error::Usage(format!("--key-template {t:?}: {why}"));
    let mut parts = Vec::new();
    let mut lit = Vec::new();
    let mut rest = t;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("{{") || rest.starts_with("}}") {
            lit.push(c as u8);
            rest = &rest[2..];
        } else if c == '{' {
            let end = rest
                .find('}')
                .ok_or_else(|| bad("a { without its } (write {{ for a literal brace)".into()))?;
            let name = &rest[1..end];
            let idx = match name.parse::<usize>() {
                Ok(i) if i < re.captures_len() => i,
                Ok(i) => {
                    return Err(bad(format!(
                        "the regex has no group {i} (it has {})",
                        re.captures_len() - 1
                    )))
                }
                Err(_) => re
                    .capture_names()
                    .position(|n| n == Some(name))
                    .ok_or_else(|| bad(format!("the regex has no group named {name:?}")))?,
            };
            if !lit.is_empty() {
                parts.push(Part::Literal(std::mem::take(&mut lit)));
            }
            parts.push(Part::Group(idx));
            rest = &rest[end + 1..];
        } else if c == '}' {
            return Err(bad(
                "a } without its { (write }} for a literal brace)".into()
            ));
        } else {
            let mut b = [0u8; 4];
            lit.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
            rest = &rest[c.len_utf8()..];
        }
    }
    if !lit.is_empty() {
        parts.push(Part::Literal(lit));
    }
    if !parts.iter().any(|p| matches!(p, Part::Group(_))) {
        return Err(bad(
            "it uses no group, so every line would give the same key".into(),
        ));
    }
    Ok(parts)
}

/// Counts the keys of the log at `path`.
pub(super) fn read(
    path: &str,
    keys: &LogKeys,
    sink: &mut Sink<'_>,
    stats: &mut SourceStats,
) -> Result<()> {
    let mut locs = keys.regex.capture_locations();
    let mut key = Vec::new();
    each_line(path, stats, |_, line, stats| {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if keys.key_into(line, &mut locs, &mut key) {
            stats.matched += 1;
            sink.add(&key, 1, stats);
        } else {
            stats.unmatched += 1;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &LogKeys, line: &[u8]) -> Option<Vec<u8>> {
        let mut locs = k.regex.capture_locations();
        let mut out = Vec::new();
        k.key_into(line, &mut locs, &mut out).then_some(out)
    }

    #[test]
    fn the_named_group_wins_over_the_first() {
        let k = LogKeys::new(r"(GET) /u/(?P<key>\d+)", None).unwrap();
        assert_eq!(key(&k, b"GET /u/42 200"), Some(b"42".to_vec()));
        let k = LogKeys::new(r"GET /u/(\d+)", None).unwrap();
        assert_eq!(key(&k, b"GET /u/7"), Some(b"7".to_vec()));
        assert_eq!(key(&k, b"POST /u/7"), None);
    }

    #[test]
    fn templates_take_groups_by_number_and_name_and_keep_braces() {
        let re = r"/(?P<kind>\w+)/(\d+)";
        let k = LogKeys::new(re, Some("{kind}:{2}:profile")).unwrap();
        assert_eq!(key(&k, b"GET /user/9 "), Some(b"user:9:profile".to_vec()));
        let k = LogKeys::new(re, Some("{{tag}}:{2}")).unwrap();
        assert_eq!(key(&k, b"/a/1"), Some(b"{tag}:1".to_vec()));
        for bad in ["{3}", "{nope}", "x{1", "x}", "static"] {
            let e = LogKeys::new(re, Some(bad)).unwrap_err();
            assert!(matches!(e, Error::Usage(_)), "{bad}: {e}");
        }
    }

    #[test]
    fn a_bad_regex_is_a_one_line_usage_error() {
        let e = LogKeys::new(r"(unclosed", None).unwrap_err();
        assert!(matches!(e, Error::Usage(_)));
        assert!(!e.to_string().contains('\n'), "{e}");
        assert!(e.to_string().contains("unclosed group"), "{e}");
    }

    #[test]
    fn a_group_that_took_no_part_gives_no_key() {
        let k = LogKeys::new(r"a(x)?b", None).unwrap();
        assert_eq!(key(&k, b"ab"), None);
        assert_eq!(key(&k, b"axb"), Some(b"x".to_vec()));
    }

    #[test]
    fn binary_keys_survive_with_byte_classes() {
        let k = LogKeys::new(r"(?-u)key=(\S+)", None).unwrap();
        assert_eq!(key(&k, b"key=a\xff\x00b end"), Some(b"a\xff\x00b".to_vec()));
    }
}
