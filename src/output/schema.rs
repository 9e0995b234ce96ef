//! The JSON Schema of every document, generated from the report types themselves (their
//! doc comments become the descriptions), so the schemas in `docs/schema/` cannot drift
//! from what the binary prints: a test fails when a committed schema is stale, and the
//! integration tests validate every document they read against its schema.
//! `scripts/generate` rewrites them.

use schemars::JsonSchema;

use super::bigkeys::BigkeysDoc;
use super::detect::{DetectReport, ThresholdsReport};
use super::hotkeys::{HotkeysDoc, TrafficPatternsDoc};
use super::keyfreq::{LfuDoc, SlotDoc};
use super::keyspace::{KeyspaceDoc, ScanPatternsDoc};
use super::monitor::MonitorReport;
use super::stats::StatsReport;
use super::warm::WarmReport;
use super::{schema_name, Envelope, Report};

/// Every document shape: (schema name, file name under docs/schema/, JSON Schema).
pub(crate) fn all() -> Vec<(String, String, serde_json::Value)> {
    vec![
        one::<StatsReport>(),
        one::<MonitorReport>(),
        one::<HotkeysDoc<'static>>(),
        one::<LfuDoc>(),
        one::<SlotDoc>(),
        one::<TrafficPatternsDoc<'static>>(),
        one::<ScanPatternsDoc<'static>>(),
        one::<BigkeysDoc<'static>>(),
        one::<KeyspaceDoc<'static>>(),
        one::<DetectReport>(),
        one::<ThresholdsReport>(),
        one::<WarmReport>(),
    ]
}

fn one<R: Report + JsonSchema + 'static>() -> (String, String, serde_json::Value) {
    let name = schema_name(R::SCHEMA);
    let mut schema =
        serde_json::to_value(schemars::schema_for!(Envelope<'static, R>)).unwrap_or_default();
    if let Some(obj) = schema.as_object_mut() {
        obj.insert("title".into(), name.clone().into());
        // The envelope's `schema` field holds exactly this name.
        if let Some(field) = obj
            .get_mut("properties")
            .and_then(|p| p.get_mut("schema"))
            .and_then(|f| f.as_object_mut())
        {
            field.insert("const".into(), name.clone().into());
        }
    }
    let file = format!("{}.v1.json", R::SCHEMA);
    (name, file, schema)
}

#[cfg(test)]
mod tests {
    use super::all;

    /// Compares docs/schema/ with the schemas the code makes; with
    /// `CACHESTORM_UPDATE_SCHEMAS=1` (scripts/generate) it writes them instead.
    #[test]
    fn committed_schemas_are_fresh() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/schema");
        let update = std::env::var_os("CACHESTORM_UPDATE_SCHEMAS").is_some();
        for (name, file, schema) in all() {
            let text = serde_json::to_string_pretty(&schema).unwrap() + "\n";
            let path = dir.join(&file);
            if update {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, &text).unwrap();
                continue;
            }
            let committed = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                committed == text,
                "docs/schema/{file} ({name}) is stale: run scripts/generate"
            );
        }
    }
}
