//! Fuzzes the MONITOR line parser: no input may panic it, and every argument it returns
//! must survive the server's escaping and parse back the same.
//!
//!   cargo fuzz run monitor_line fuzz/corpus/monitor_line     (nightly, cargo-fuzz)

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../src/parse/monitor.rs"]
#[allow(dead_code)]
mod monitor;

fuzz_target!(|data: &[u8]| {
    if let Ok(ev) = monitor::parse_line(data) {
        let mut line = format!("{}.{:06} [{} x:1] ", ev.ts_us / 1_000_000, ev.ts_us % 1_000_000, ev.db).into_bytes();
        for (i, a) in ev.args.iter().enumerate() {
            if i > 0 {
                line.push(b' ');
            }
            monitor::write_repr(&mut line, a);
        }
        let again = monitor::parse_line(&line).expect("re-escaped line parses");
        assert_eq!(again.args, ev.args);
        assert_eq!(again.ts_us, ev.ts_us);
    }
});
