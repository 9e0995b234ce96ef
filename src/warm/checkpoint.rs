//! `warm --checkpoint FILE`: how far a run got, saved as it goes (written to a temporary
//! file then renamed over the old one, so a crash leaves the last whole checkpoint), and
//! read back by `--resume` to go on after the keys already handled. A checkpoint names its
//! plan (a hash of the keys in order, the source and the target): one from another run is
//! refused.
//!
//! # Format
//!
//! `{"schema": "cachestorm.warm.checkpoint/v1", "plan": "<16 hex digits>", "keys": N,
//! "done": M}`: the first M of the plan's N keys (hottest first) have been handled. A
//! `--from-source-scan` run has `"keys": 0` (not known ahead) and `"scan": [NODE, CURSOR]`:
//! it goes on with that SCAN cursor on the NODE-th source master (by address).

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::copy::{fnv1a, FNV_OFFSET};
use super::feed::Position;
use crate::error::{Error, Result};

pub(crate) const SCHEMA: &str = "cachestorm.warm.checkpoint/v1";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Checkpoint {
    pub(crate) schema: String,
    pub(crate) plan: String,
    pub(crate) keys: u64,
    #[serde(flatten)]
    pub(crate) at: Position,
}

/// The plan's identity: the keys in order (a scan: its source nodes, `--match`, `--slots`,
/// in `source`), where they come from and where they go.
pub(crate) fn plan_id(keys: &[Vec<u8>], source: &str, target: &str) -> String {
    let mut h = FNV_OFFSET;
    // Each part ends with 0xff (a byte no UTF-8 text holds), so parts cannot run together.
    let mut eat = |bytes: &[u8]| h = fnv1a(fnv1a(h, bytes), &[0xff]);
    eat(source.as_bytes());
    eat(target.as_bytes());
    for k in keys {
        eat(k);
    }
    format!("{h:016x}")
}

impl Checkpoint {
    pub(crate) fn new(plan: String, keys: u64, at: Position) -> Self {
        Checkpoint {
            schema: SCHEMA.into(),
            plan,
            keys,
            at,
        }
    }

    /// Writes the checkpoint atomically (a temporary file in the same folder, renamed).
    pub(crate) fn save(&self, path: &Path) -> Result<()> {
        let tmp = path.with_extension("tmp");
        let fail =
            |e: std::io::Error| Error::Input(format!("--checkpoint {}: {e}", path.display()));
        let text = serde_json::to_string(self)
            .map_err(std::io::Error::from)
            .map_err(fail)?;
        std::fs::write(&tmp, text + "\n").map_err(fail)?;
        std::fs::rename(&tmp, path).map_err(fail)
    }

    /// Reads a checkpoint for `--resume`, refusing one of another plan.
    pub(crate) fn load(path: &Path, plan: &str, keys: u64) -> Result<Self> {
        let shown = path.display();
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Input(format!("--resume: reading {shown}: {e}")))?;
        let cp: Checkpoint = serde_json::from_str(&text).map_err(|e| {
            Error::Input(format!("--resume: {shown} is not a warm checkpoint ({e})"))
        })?;
        if cp.schema != SCHEMA {
            return Err(Error::Input(format!(
                "--resume: {shown} is a {:?} document, not {SCHEMA:?}",
                cp.schema
            )));
        }
        if cp.plan != plan || cp.keys != keys || (keys > 0 && cp.at.done > keys) {
            return Err(Error::Input(format!(
                "--resume: {shown} belongs to another run (other keys, source or target): start afresh without --resume"
            )));
        }
        Ok(cp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_loaded_and_refused_for_another_plan() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("cp.json");
        let keys = vec![b"a".to_vec(), b"b".to_vec()];
        let id = plan_id(&keys, "s:1", "t:2");
        assert_ne!(id, plan_id(&keys, "s:1", "t:3"));
        assert_ne!(id, plan_id(&[b"b".to_vec(), b"a".to_vec()], "s:1", "t:2"));
        let at = Position {
            done: 1,
            scan: None,
        };
        Checkpoint::new(id.clone(), 2, at).save(&p).unwrap();
        assert_eq!(Checkpoint::load(&p, &id, 2).unwrap().at, at);
        let scan = Position {
            done: 7,
            scan: Some((1, 99)),
        };
        Checkpoint::new(id.clone(), 0, scan).save(&p).unwrap();
        assert_eq!(Checkpoint::load(&p, &id, 0).unwrap().at, scan);
        assert!(Checkpoint::load(&p, "0000", 2)
            .unwrap_err()
            .to_string()
            .contains("another run"));
        std::fs::write(&p, "{}").unwrap();
        assert!(Checkpoint::load(&p, &id, 2).is_err());
    }
}
