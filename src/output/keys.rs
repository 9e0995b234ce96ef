//! Keys are bytes; this is how they are shown everywhere (tables and JSON alike):
//! printable ASCII as is, `\` and `"` escaped, everything else `\xHH` — so a key can be
//! pasted back between double quotes in redis-cli.

pub(crate) fn display(key: &[u8]) -> String {
    let mut s = String::with_capacity(key.len());
    for &b in key {
        match b {
            b'\\' => s.push_str("\\\\"),
            b'"' => s.push_str("\\\""),
            0x20..=0x7e => s.push(b as char),
            _ => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::display;

    #[test]
    fn printable_form() {
        assert_eq!(display(b"user:1"), "user:1");
        assert_eq!(display(b"a\x00b\xff\n"), "a\\x00b\\xff\\x0a");
        assert_eq!(display(b"q\"\\"), "q\\\"\\\\");
    }
}
