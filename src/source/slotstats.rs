//! Hot slots without MONITOR: `CLUSTER SLOT-STATS` (Valkey 8+). (`OBJECT FREQ` over SCAN,
//! `--method lfu`, is a mode of the keyspace walker, `source::walker`.)

use redis::Value;

use super::conn::connect;
use crate::endpoint::{ConnectOptions, Endpoint};
use crate::error::{Error, Result};
use crate::parse::slotstats::{parse_slot_stats, SlotStat};

/// Every slot's stats from one node (it answers for the slots it serves).
pub(crate) async fn slot_stats(ep: &Endpoint, o: &ConnectOptions) -> Result<Vec<SlotStat>> {
    let mut c = connect(ep, o).await?;
    let v: Value = c
        .query(redis::cmd("CLUSTER").arg("SLOT-STATS").arg("SLOTSRANGE").arg(0).arg(16383))
        .await
        .map_err(|e| match e {
            Error::Server { addr, msg } if msg.to_ascii_lowercase().contains("unknown") || msg.contains("syntax") => Error::Server {
                addr,
                msg: format!("CLUSTER SLOT-STATS is not supported here ({msg}); it needs Valkey 8.0 or newer: use --method monitor"),
            },
            other => other,
        })?;
    Ok(parse_slot_stats(&v))
}
