//! What the fuzz targets found (FUZZING.md): each input, minimised, is a file of
//! `testdata/fuzz-regressions/`, checked here the way the fuzz target ran it (as the file it
//! stood for, in a project folder), with what a correct run reports. The files end in `.in`,
//! so that runs over `testdata/` (the fixtures' tables, the SARIF checks) do not read them. Before its fix each one
//! crashed the run (a stack overflow aborts the process: no report at all).

use crate::common::*;

/// The minimised input `name` of `testdata/fuzz-regressions/`.
fn regression(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/testdata/fuzz-regressions/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The findings of `imagegate check` on a project whose file `file` holds `text`, as
/// (rule, path) pairs.
fn check_file(file: &str, text: &[u8]) -> Vec<(String, String)> {
    rules_and_paths(&check_report(file, text))
}

/// The report (JSON) of `imagegate check` on a project whose file `file` holds `text`.
fn check_report(file: &str, text: &[u8]) -> serde_json::Value {
    let repo = Repo::new();
    repo.write(file, text);
    check_json(&repo, &[])
}

/// What a resource ID that depends on itself is, in the message of the IG002 it leads to.
const CYCLE: &str = "a resource ID that depends on itself";

/// Two resources each scoped to the other (`scope: b` in `a`, `scope: a` in `b`): Bicep
/// refuses the cycle (BCP080); the lowering built each one's resource ID from the other's
/// until the stack overflowed (fuzz target `bicep`). The VM whose image is `a.id` is
/// IG002: its image cannot be known.
/// https://learn.microsoft.com/azure/azure-resource-manager/bicep/scope-extension-resources
#[test]
fn a_cycle_of_resource_scopes_is_an_unknown_not_a_stack_overflow() {
    let report = check_report("main.bicep", &regression("bicep-scope-cycle.bicep.in"));
    assert_eq!(
        rules_and_paths(&report),
        [("IG002".to_string(), "main.bicep".to_string())]
    );
    let message = report["findings"][0]["message"].as_str().unwrap();
    assert!(message.contains(CYCLE), "{message}");
}

/// A cycle through parents and names, not scopes alone (fuzz target `bicep`, a timeout,
/// minimised): `keyVaultKeyCryptoRole`'s ID is built from `keyVault::key`'s, whose parents
/// (as the syntax errors' recovery nests them) lead back to `keyVaultKeyCryptoRole`, whose
/// name needs `keyVault::key`'s ID. Each branch rebuilt the cycle until the lowering's work
/// budget ended it: 0.9 s and 368 MB for the 12 KB input found, 2.2 GB for 70 KB. The ID is
/// unknown at once, and said to be a cycle.
#[test]
fn a_resource_id_that_depends_on_itself_through_parents_is_unknown_at_once() {
    let report = check_report(
        "main.bicep",
        &regression("bicep-id-cycle-through-parents.bicep.in"),
    );
    let vm: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "IG002")
        .collect();
    assert_eq!(vm.len(), 1, "{report:#}");
    let message = vm[0]["message"].as_str().unwrap();
    assert!(message.contains(CYCLE), "{message}");
}

/// The same class without a cycle: a chain of extension resources, each scoped to the one
/// before, longer than the lowering follows. The ID at its end is unknown (IG002), and the
/// run ends; a short chain is still followed to a known ID (no finding of IG002 for a VM
/// whose image is a literal beside it).
#[test]
fn a_long_chain_of_resource_scopes_is_bounded() {
    let chain = |links: usize| {
        let mut text = String::from(
            "resource l0 'Microsoft.Authorization/locks@2020-05-01' = {\n  name: 'l0'\n  properties: {\n    level: 'CanNotDelete'\n  }\n}\n",
        );
        for i in 1..links {
            text.push_str(&format!(
                "resource l{i} 'Microsoft.Authorization/locks@2020-05-01' = {{\n  name: 'l{i}'\n  scope: l{}\n  properties: {{\n    level: 'CanNotDelete'\n  }}\n}}\n",
                i - 1
            ));
        }
        text.push_str(&format!(
            "resource vm 'Microsoft.Compute/virtualMachines@2023-03-01' = {{\n  name: 'vm'\n  location: 'westeurope'\n  properties: {{\n    storageProfile: {{\n      imageReference: {{\n        id: l{}.id\n      }}\n    }}\n  }}\n}}\n",
            links - 1
        ));
        text
    };
    let long = check_file("main.bicep", chain(5_000).as_bytes());
    assert_eq!(long, [("IG002".to_string(), "main.bicep".to_string())]);
    // A short chain gives a known ID: a lock's ID is no image of an approved gallery (IG001).
    let short = check_file("main.bicep", chain(3).as_bytes());
    assert_eq!(short, [("IG001".to_string(), "main.bicep".to_string())]);
}

/// An inventory export whose instance-view status code has a multi-byte character across
/// its 11th byte (fuzz target `inventory`, a panic: the code was sliced as a `str` at byte
/// 11 to compare it with `PowerState/`). The audit reads on: that status is no power state,
/// and the next one, `PowerState/running`, is the instance's.
/// https://learn.microsoft.com/azure/virtual-machines/states-billing
#[test]
fn a_status_code_with_a_multi_byte_character_is_read_not_a_panic() {
    let repo = Repo::new();
    repo.write(
        "export.json",
        regression("inventory-status-code-multibyte.json.in"),
    );
    let out = repo
        .imagegate(&["audit", "export.json", "--format", "json", "--exit-zero"])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let instance = report["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["name"]
                .as_str()
                .is_some_and(|n| n.ends_with("/virtualMachines/3"))
        })
        .unwrap_or_else(|| panic!("instance 3 is judged: {report:#}"));
    assert_eq!(instance["deployed"]["power_state"], "PowerState/running");
}
