//! Which arguments of a command are keys, and what the command does to them: a small
//! interpreter of the Redis 7 key-spec model over a table generated from real servers'
//! `COMMAND INFO` (keyspecs.tsv; scripts/gen-keyspecs.py says how). Pure.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::resp::{as_array, as_int, as_map, as_text};

/// What a command does to one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    Read,
    /// Read-modify-write or in-place update (INCR, HSET, LPUSH, ...).
    Write,
    /// Replaces the value without reading it (SET, SETEX, MSET, ...): how caches are filled.
    Overwrite,
    Delete,
}

#[derive(Debug, Clone)]
enum Begin {
    Index(usize),
    Keyword(Vec<u8>, i64),
}

#[derive(Debug, Clone)]
enum Find {
    Range {
        lastkey: i64,
        step: usize,
        limit: i64,
    },
    KeyNum {
        idx: usize,
        first: usize,
        step: usize,
    },
}

#[derive(Debug, Clone)]
struct Spec {
    access: Access,
    begin: Begin,
    find: Find,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct CommandSpec {
    specs: Vec<Spec>,
    /// SET: its key spec says RW only because of the GET option; without GET it overwrites.
    set_like: bool,
    /// A container (`object`, `xinfo`, ...): keys are described by `name|sub`.
    has_subcommands: bool,
}

#[derive(Debug)]
pub(crate) struct CommandTable {
    commands: HashMap<Vec<u8>, CommandSpec>,
}

/// Keys of one command, with what it does to each.
#[cfg(test)]
pub(crate) enum Keys {
    /// From the table.
    Known(Vec<(usize, Access)>),
    /// Not in the table: callers may ask the server, or take the first argument.
    Unknown,
}

const TSV: &str = include_str!("keyspecs.tsv");

impl CommandTable {
    /// The built-in table (parsed once).
    pub(crate) fn builtin() -> &'static CommandTable {
        static T: OnceLock<CommandTable> = OnceLock::new();
        T.get_or_init(|| CommandTable::parse(TSV))
    }

    fn parse(text: &str) -> CommandTable {
        let mut commands: HashMap<Vec<u8>, CommandSpec> = HashMap::new();
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let mut cols = line.split('\t');
            let (Some(name), _flags, specs) = (cols.next(), cols.next(), cols.next().unwrap_or(""))
            else {
                continue;
            };
            let specs = specs
                .split(';')
                .filter(|s| !s.is_empty())
                .filter_map(parse_spec)
                .collect();
            if let Some((container, _)) = name.split_once('|') {
                commands
                    .entry(container.as_bytes().to_vec())
                    .or_default()
                    .has_subcommands = true;
            }
            let entry = commands.entry(name.as_bytes().to_vec()).or_default();
            entry.specs = specs;
            entry.set_like = name == "set";
        }
        CommandTable { commands }
    }

    /// This table plus the commands of `tsv` it does not know (e.g. a server's modules).
    pub(crate) fn with_extra(&self, tsv: &str) -> (CommandTable, usize) {
        let extra = CommandTable::parse(tsv);
        let mut commands = self.commands.clone();
        let mut added = 0;
        for (name, spec) in extra.commands {
            if let std::collections::hash_map::Entry::Vacant(e) = commands.entry(name) {
                e.insert(spec);
                added += 1;
            }
        }
        (CommandTable { commands }, added)
    }

    /// The entry for a lowercase command name.
    pub(crate) fn lookup(&self, lower_name: &[u8]) -> Option<&CommandSpec> {
        self.commands.get(lower_name)
    }

    /// Key positions in `args` (args[0] is the command name).
    #[cfg(test)]
    pub(crate) fn keys(&self, args: &[impl AsRef<[u8]>]) -> Keys {
        let Some(name) = args.first().map(|a| a.as_ref().to_ascii_lowercase()) else {
            return Keys::Unknown;
        };
        match self.lookup(&name) {
            Some(cmd) => {
                let mut out = Vec::new();
                cmd.keys_into(self, &name, args, &mut out);
                Keys::Known(out)
            }
            None => Keys::Unknown,
        }
    }
}

/// The keys of one command: from its key specs when `spec` (the table's entry for
/// `lower_name`) is known, else the first argument, as a read (where most commands keep
/// their key). Returns false for a command the table does not know.
pub(crate) fn keys_or_first_arg(
    table: &CommandTable,
    spec: Option<&CommandSpec>,
    lower_name: &[u8],
    args: &[impl AsRef<[u8]>],
    out: &mut Vec<(usize, Access)>,
) -> bool {
    match spec {
        Some(spec) => {
            spec.keys_into(table, lower_name, args, out);
            true
        }
        None => {
            if args.len() > 1 {
                out.push((1, Access::Read));
            }
            false
        }
    }
}

impl CommandSpec {
    /// Appends the key positions of `args` to `out` (`lower_name` is args[0] lowercased).
    pub(crate) fn keys_into(
        &self,
        table: &CommandTable,
        lower_name: &[u8],
        args: &[impl AsRef<[u8]>],
        out: &mut Vec<(usize, Access)>,
    ) {
        if !self.has_subcommands {
            find_keys(self, args, out);
            if self.set_like
                && !args
                    .iter()
                    .skip(3)
                    .any(|a| a.as_ref().eq_ignore_ascii_case(b"GET"))
            {
                for k in out.iter_mut() {
                    k.1 = Access::Overwrite;
                }
            }
            return;
        }
        let Some(sub) = args.get(1) else {
            return;
        };
        let mut full = lower_name.to_vec();
        full.push(b'|');
        full.extend(sub.as_ref().iter().map(u8::to_ascii_lowercase));
        if let Some(spec) = table.lookup(&full) {
            find_keys(spec, args, out);
        }
    }
}

fn parse_spec(s: &str) -> Option<Spec> {
    let mut parts = s.splitn(3, '/');
    let (flags, begin, find) = (parts.next()?, parts.next()?, parts.next()?);
    let flags: Vec<&str> = flags.split(',').collect();
    let access = if flags.contains(&"RM") || flags.contains(&"delete") && !flags.contains(&"RW") {
        Access::Delete
    } else if flags.contains(&"RO") {
        Access::Read
    } else if flags.contains(&"OW") {
        Access::Overwrite
    } else {
        Access::Write
    };
    let begin = match begin.split_at(1) {
        ("i", n) => Begin::Index(n.parse().ok()?),
        ("k", rest) => {
            let (kw, from) = rest.rsplit_once(',')?;
            Begin::Keyword(kw.as_bytes().to_vec(), from.parse().ok()?)
        }
        _ => return None,
    };
    let nums: Vec<i64> = find[1..]
        .split(',')
        .filter_map(|n| n.parse().ok())
        .collect();
    let find = match (&find[..1], nums.as_slice()) {
        ("r", [last, step, limit]) => Find::Range {
            lastkey: *last,
            step: usize::try_from(*step).ok()?.max(1),
            limit: *limit,
        },
        ("n", [idx, first, step]) => Find::KeyNum {
            idx: usize::try_from(*idx).ok()?,
            first: usize::try_from(*first).ok()?,
            step: usize::try_from(*step).ok()?.max(1),
        },
        _ => return None,
    };
    Some(Spec {
        access,
        begin,
        find,
    })
}

/// Redis's getKeysUsingKeySpecs, tolerant of wrong argument counts (gives fewer keys).
fn find_keys(cmd: &CommandSpec, args: &[impl AsRef<[u8]>], out: &mut Vec<(usize, Access)>) {
    let argc = args.len() as i64;
    for spec in &cmd.specs {
        let first = match &spec.begin {
            Begin::Index(i) => *i as i64,
            Begin::Keyword(kw, from) => {
                let (start, end) = if *from > 0 {
                    (*from, argc - 1)
                } else {
                    (argc + from, 1)
                };
                let mut found = None;
                let mut i = start;
                while i != end {
                    if i >= argc || i < 1 {
                        break;
                    }
                    if args[i as usize].as_ref().eq_ignore_ascii_case(kw) {
                        found = Some(i + 1);
                        break;
                    }
                    i += if start <= end { 1 } else { -1 };
                }
                match found {
                    Some(f) => f,
                    None => continue,
                }
            }
        };
        let (first, last, step) = match &spec.find {
            Find::Range {
                lastkey,
                step,
                limit,
            } => {
                let last = if *lastkey >= 0 {
                    first + lastkey
                } else if *limit <= 1 {
                    argc + lastkey
                } else {
                    first + ((argc - first) / limit + lastkey)
                };
                (first, last, *step as i64)
            }
            Find::KeyNum {
                idx,
                first: fk,
                step,
            } => {
                let Some(n) = args
                    .get((first + *idx as i64) as usize)
                    .and_then(|a| std::str::from_utf8(a.as_ref()).ok()?.parse::<i64>().ok())
                    .filter(|n| *n >= 0)
                else {
                    continue;
                };
                let f = first + *fk as i64;
                (f, f + n - 1, *step as i64)
            }
        };
        let mut i = first;
        while i <= last {
            if i >= argc || i < 1 {
                break;
            }
            out.push((i as usize, spec.access));
            i += step;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(line: &str) -> Vec<(String, Access)> {
        let args: Vec<&[u8]> = line.split(' ').map(str::as_bytes).collect();
        match CommandTable::builtin().keys(&args) {
            Keys::Known(k) => k
                .into_iter()
                .map(|(i, a)| (line.split(' ').nth(i).unwrap().to_string(), a))
                .collect(),
            Keys::Unknown => panic!("unknown: {line}"),
        }
    }

    fn names(line: &str) -> Vec<String> {
        keys(line).into_iter().map(|(k, _)| k).collect()
    }

    #[test]
    fn single_and_multi_key() {
        assert_eq!(keys("GET a"), [("a".into(), Access::Read)]);
        assert_eq!(keys("set a v")[0].1, Access::Overwrite);
        assert_eq!(keys("SET a v EX 5 GET")[0].1, Access::Write);
        assert_eq!(keys("INCR a")[0].1, Access::Write);
        assert_eq!(names("MGET a b c"), ["a", "b", "c"]);
        assert_eq!(names("MSET a 1 b 2"), ["a", "b"]);
        assert_eq!(
            keys("DEL a b"),
            [("a".into(), Access::Delete), ("b".into(), Access::Delete)]
        );
        assert_eq!(names("UNLINK a b"), ["a", "b"]);
        assert_eq!(names("EXISTS a b"), ["a", "b"]);
        assert_eq!(names("BLPOP l1 l2 0"), ["l1", "l2"]);
    }

    #[test]
    fn numkeys_keyword_and_subcommands() {
        assert_eq!(names("EVAL return 2 k1 k2 arg"), ["k1", "k2"]);
        assert_eq!(names("EVALSHA abc 1 k1 arg"), ["k1"]);
        assert_eq!(names("FCALL f 2 k1 k2 x"), ["k1", "k2"]);
        assert_eq!(names("XREAD COUNT 2 STREAMS s1 s2 0 0"), ["s1", "s2"]);
        assert_eq!(
            names("ZUNIONSTORE dst 2 z1 z2 WEIGHTS 1 2"),
            ["dst", "z1", "z2"]
        );
        assert_eq!(names("SORT src BY w STORE dst")[0], "src");
        assert_eq!(names("OBJECT FREQ k"), ["k"]);
        assert!(names("CLIENT LIST").is_empty());
        assert!(names("PING").is_empty());
        assert!(
            names("EVAL x 5 a").len() == 1,
            "short numkeys gives what exists"
        );
    }

    #[test]
    fn unknown_command() {
        let args: Vec<&[u8]> = vec![b"JSON.GET", b"doc"];
        assert!(matches!(CommandTable::builtin().keys(&args), Keys::Unknown));
    }
}

/// A server's `COMMAND INFO` reply in the keyspecs.tsv format (the same transformation as
/// scripts/gen-keyspecs.py), so a live server's own commands — modules included — can be
/// added to the table.
pub(crate) fn tsv_from_command_info(v: &redis::Value) -> String {
    let mut out = Vec::new();
    for e in as_array(v).unwrap_or(&[]) {
        command_lines(e, &mut out);
    }
    out.join("\n")
}

/// One COMMAND INFO entry (and its subcommands) as `name\tflags\tspecs` lines.
fn command_lines(e: &redis::Value, out: &mut Vec<String>) {
    let Some(f) = as_array(e) else { return };
    let Some(name) = f.first().and_then(as_text) else {
        return;
    };
    let texts = |i: usize, each: fn(&redis::Value) -> Option<String>| -> Vec<String> {
        f.get(i)
            .and_then(as_array)
            .unwrap_or(&[])
            .iter()
            .filter_map(each)
            .collect()
    };
    let (flags, specs) = (texts(2, as_text), texts(8, key_spec_text));
    out.push(format!(
        "{}\t{}\t{}",
        name.to_ascii_lowercase(),
        flags.join(","),
        specs.join(";")
    ));
    for sub in f.get(9).and_then(as_array).unwrap_or(&[]) {
        command_lines(sub, out);
    }
}

/// A field of a RESP map read by [`as_map`].
fn field<'a>(m: &[(String, &'a redis::Value)], name: &str) -> Option<&'a redis::Value> {
    m.iter().find(|(k, _)| k == name).map(|(_, v)| *v)
}

/// One key spec as `flags/begin/find` (`RW,access/i1/r0,1,0`), the TSV's notation.
fn key_spec_text(v: &redis::Value) -> Option<String> {
    let m = as_map(v)?;
    let flags: Vec<String> = field(&m, "flags")
        .and_then(as_array)
        .unwrap_or(&[])
        .iter()
        .filter_map(as_text)
        .collect();
    let bs = as_map(field(&m, "begin_search")?)?;
    let bspec = as_map(field(&bs, "spec")?)?;
    let bnum = |n: &str| field(&bspec, n).and_then(as_int);
    let begin = match as_text(field(&bs, "type")?)?.as_str() {
        "index" => format!("i{}", bnum("index")?),
        "keyword" => format!(
            "k{},{}",
            field(&bspec, "keyword").and_then(as_text)?,
            bnum("startfrom")?
        ),
        _ => return None,
    };
    let fk = as_map(field(&m, "find_keys")?)?;
    let fspec = as_map(field(&fk, "spec")?)?;
    let fnum = |n: &str| field(&fspec, n).and_then(as_int);
    let find = match as_text(field(&fk, "type")?)?.as_str() {
        "range" => format!(
            "r{},{},{}",
            fnum("lastkey")?,
            fnum("keystep")?,
            fnum("limit")?
        ),
        "keynum" => format!(
            "n{},{},{}",
            fnum("keynumidx")?,
            fnum("firstkey")?,
            fnum("keystep")?
        ),
        _ => return None,
    };
    Some(format!("{}/{begin}/{find}", flags.join(",")))
}

#[cfg(test)]
mod command_info_tests {
    use super::*;
    use redis::Value;

    fn bs(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn a_servers_module_command_joins_the_table() {
        // COMMAND INFO entry of a module command the built-in table does not have.
        let spec = Value::Array(vec![
            bs("flags"),
            Value::Array(vec![Value::SimpleString("RO".into())]),
            bs("begin_search"),
            Value::Array(vec![
                bs("type"),
                bs("index"),
                bs("spec"),
                Value::Array(vec![bs("index"), Value::Int(1)]),
            ]),
            bs("find_keys"),
            Value::Array(vec![
                bs("type"),
                bs("range"),
                bs("spec"),
                Value::Array(vec![
                    bs("lastkey"),
                    Value::Int(0),
                    bs("keystep"),
                    Value::Int(1),
                    bs("limit"),
                    Value::Int(0),
                ]),
            ]),
        ]);
        let entry = Value::Array(vec![
            bs("json.get"),
            Value::Int(-2),
            Value::Array(vec![Value::SimpleString("readonly".into())]),
            Value::Int(1),
            Value::Int(1),
            Value::Int(1),
            Value::Array(vec![]),
            Value::Array(vec![]),
            Value::Array(vec![spec]),
            Value::Array(vec![]),
        ]);
        let tsv = tsv_from_command_info(&Value::Array(vec![entry]));
        assert_eq!(tsv, "json.get\treadonly\tRO/i1/r0,1,0");
        let (t, added) = CommandTable::builtin().with_extra(&tsv);
        assert_eq!(added, 1);
        let args: Vec<&[u8]> = vec![b"JSON.GET", b"doc", b"$"];
        match t.keys(&args) {
            Keys::Known(k) => assert_eq!(k, vec![(1, Access::Read)]),
            Keys::Unknown => panic!("json.get should be known now"),
        }
    }
}
