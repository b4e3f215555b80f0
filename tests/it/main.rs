//! The integration tests, in-process: every command runs through `imagegate::commands` on a
//! temporary repository or the fixtures (`common::Command` has `assert_cmd`'s shape), with no
//! binary spawned. The command-line contract that needs the real process (exit codes as the
//! shell sees them, streams, terminals, the hook, the Action) is the `cli` test crate.
//!
//! One crate, so one link: `cargo test --test it`.

#[path = "../common/mod.rs"]
mod common;

mod action_inputs;
mod arm_eval;
mod baseline;
mod bicep;
mod bicep_params;
mod budgets;
mod catalogue;
mod config_discovery;
mod config_rules;
mod containers;
mod exemptions;
mod factory;
mod findings_quality;
mod fixes;
mod fixtures;
mod fleet;
mod fuzz_regressions;
mod hostile;
mod init;
mod inventory;
mod latent;
mod lifecycle;
mod literals;
mod module_graph;
mod named_files;
mod output_integrity;
mod outside_roots;
mod pairs;
mod policy;
mod prefilter;
mod provenance;
mod registry;
mod report;
mod rules;
mod silent_pass;
mod terraform_sources;
mod tfplan;
mod tfplan_embedded;
mod tfsource;
mod walk;
mod workspace;
