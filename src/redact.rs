//! Secret redaction: every URL or message that may carry a password goes through here
//! before it is printed. Pure.

/// `redis://user:pass@host` → `redis://user:***@host`. Works on text that does not parse
/// as a URL too (it only looks at the `scheme://userinfo@` shape).
pub(crate) fn url(s: &str) -> String {
    let Some(scheme_end) = s.find("://") else {
        return s.to_string();
    };
    let rest = &s[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return s.to_string();
    };
    let userinfo = &rest[..at];
    let shown = match userinfo.split_once(':') {
        Some((user, _)) => format!("{user}:***"),
        // `redis://secret@host`: a lone userinfo is treated as a password by some clients.
        None if !userinfo.is_empty() => "***".to_string(),
        None => String::new(),
    };
    format!("{}://{}@{}", &s[..scheme_end], shown, &rest[at + 1..])
}

static REGISTERED: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// Remembers a secret for the whole process, so that [`everywhere`] can take it out of any
/// message, however it was built (a safety net under the per-target redaction).
pub(crate) fn register(secret: &str) {
    if secret.is_empty() {
        return;
    }
    if let Ok(mut v) = REGISTERED.lock() {
        if !v.iter().any(|s| s == secret) {
            v.push(secret.to_string());
        }
    }
}

/// Redacts URLs and every registered secret in `msg`.
pub(crate) fn everywhere(msg: &str) -> String {
    let regs = REGISTERED.lock().map(|v| v.clone()).unwrap_or_default();
    let refs: Vec<&str> = regs.iter().map(String::as_str).collect();
    secrets(&url(msg), &refs)
}

/// Replaces every occurrence of each secret in `msg` with `***`.
pub(crate) fn secrets(msg: &str, secrets: &[&str]) -> String {
    let mut out = msg.to_string();
    for s in secrets.iter().filter(|s| !s.is_empty()) {
        out = out.replace(s, "***");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_urls() {
        assert_eq!(url("redis://u:pw@h:1/0"), "redis://u:***@h:1/0");
        assert_eq!(url("rediss://:pw@h:1"), "rediss://:***@h:1");
        assert_eq!(url("redis://pw@h"), "redis://***@h");
        assert_eq!(url("redis://h:1"), "redis://h:1");
        assert_eq!(url("redis://u:p@ss@h"), "redis://u:***@h");
        assert_eq!(url("not a url"), "not a url");
    }

    #[test]
    fn redacts_messages() {
        assert_eq!(secrets("bad pw hunter2!", &["hunter2", ""]), "bad pw ***!");
    }
}
