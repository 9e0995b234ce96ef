//! The server's own command table: COMMAND INFO → the built-in key-spec table extended
//! with the commands the server knows and it does not (module commands). Must not: fail
//! a capture (any trouble falls back to the built-in table).

use super::conn::connect;
use crate::endpoint::{ConnectOptions, Endpoint};
use crate::parse::keyspec::{tsv_from_command_info, CommandTable};

/// The table to count `ep`'s traffic with, and how many commands the server added (None:
/// the server could not be asked).
pub(crate) async fn server_table(
    ep: &Endpoint,
    o: &ConnectOptions,
) -> (&'static CommandTable, Option<usize>) {
    let builtin = CommandTable::builtin();
    let Ok(mut c) = connect(ep, o).await else {
        return (builtin, None);
    };
    match c
        .query::<redis::Value>(redis::cmd("COMMAND").arg("INFO"))
        .await
    {
        Ok(v) => {
            let (table, added) = builtin.with_extra(&tsv_from_command_info(&v));
            if added == 0 {
                return (builtin, Some(0));
            }
            // Lives as long as the process: a capture's counting borrows it throughout.
            (Box::leak(Box::new(table)), Some(added))
        }
        Err(_) => (builtin, None),
    }
}
