//! `--from-monitor`: the keys a MONITOR capture (redis-cli's format, or cachestorm's own
//! `monitor` files) reads, found as the traffic count finds them: the key-spec table's
//! positions and roles, the first argument as a read for a command the table does not
//! know. Keys only written (SET, DEL, ...) are not warmed: a cache refill wants what
//! clients ask for. The `db` of each line is not kept (keys of every db are merged).

use crate::parse::keyspec::{keys_or_first_arg, Access, CommandTable};
use crate::parse::monitor::{parse_line, Skip};

use super::{each_line, Sink, SourceStats};
use crate::error::Result;

/// Counts the keys read in the capture at `path`.
pub(super) fn read(path: &str, sink: &mut Sink<'_>, stats: &mut SourceStats) -> Result<()> {
    let table = CommandTable::builtin();
    let mut name = Vec::new();
    let mut keys = Vec::new();
    each_line(path, stats, |n, line, stats| {
        let ev = match parse_line(line) {
            Ok(ev) => ev,
            Err(Skip::Blank) => {
                stats.unmatched += 1;
                return;
            }
            Err(Skip::Malformed) => {
                return stats.bad(|| format!("line {n}: not a MONITOR line"));
            }
        };
        let Some(cmd) = ev.args.first() else {
            stats.unmatched += 1;
            return;
        };
        name.clear();
        name.extend(cmd.iter().map(u8::to_ascii_lowercase));
        keys.clear();
        keys_or_first_arg(table, table.lookup(&name), &name, &ev.args, &mut keys);
        let mut read_any = false;
        for &(pos, access) in &keys {
            if access == Access::Read {
                read_any = true;
                sink.add(&ev.args[pos], 1, stats);
            }
        }
        if read_any {
            stats.matched += 1;
        } else {
            stats.unmatched += 1;
        }
    })
}
