//! Helpers shared by the integration tests: temporary repositories and templates written as
//! users write them.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use assert_cmd::Command;

pub mod plans;
#[allow(unused_imports)]
pub use plans::*;

/// The ARM template schema URL.
pub const SCHEMA: &str =
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";

/// A gallery image version ID in the approved (default) form.
pub const GOLDEN_VERSION: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu-22.04-cis/versions/1.4.0";

/// A temporary directory that is the working directory of the commands run in it.
pub struct Repo {
    dir: tempfile::TempDir,
}

impl Repo {
    /// A new empty repository.
    pub fn new() -> Repo {
        Repo {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file (creating folders) and returns its path.
    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.path().join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, contents).expect("write");
        path
    }

    /// `imagegate ARGS…` run in the repository, with colour and config discovery isolated.
    pub fn imagegate(&self, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("imagegate").expect("binary");
        cmd.current_dir(self.dir.path())
            .args(args)
            .env_remove("NO_COLOR")
            .env_remove("FORCE_COLOR");
        cmd
    }
}

/// A quickstart-style VM template whose `imageReference` is the given JSON text.
pub fn vm_template(name: &str, image_reference: &str) -> String {
    format!(
        r#"{{
  "$schema": "{SCHEMA}",
  "contentVersion": "1.0.0.0",
  "parameters": {{
    "location": {{ "type": "string", "defaultValue": "[resourceGroup().location]" }}
  }},
  "resources": [
    {{
      "type": "Microsoft.Compute/virtualMachines",
      "apiVersion": "2024-03-01",
      "name": "{name}",
      "location": "[parameters('location')]",
      "properties": {{
        "hardwareProfile": {{ "vmSize": "Standard_D2s_v5" }},
        "storageProfile": {{
          "imageReference": {image_reference},
          "osDisk": {{ "createOption": "FromImage" }}
        }}
      }}
    }}
  ]
}}
"#
    )
}

/// A VM booting from Canonical's Ubuntu 22.04 Marketplace image.
pub fn marketplace_vm(name: &str) -> String {
    vm_template(
        name,
        r#"{ "publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2", "version": "latest" }"#,
    )
}

/// A VM booting from a pinned version of an approved gallery image.
pub fn golden_vm(name: &str) -> String {
    vm_template(name, &format!(r#"{{ "id": "{GOLDEN_VERSION}" }}"#))
}

/// An ARM template with the given `parameters`, `variables` (members, as JSON text) and
/// `resources` (array elements, as JSON text).
pub fn arm_template(parameters: &str, variables: &str, resources: &str) -> String {
    format!(
        r#"{{
  "$schema": "{SCHEMA}",
  "contentVersion": "1.0.0.0",
  "parameters": {{{parameters}}},
  "variables": {{{variables}}},
  "resources": [{resources}]
}}
"#
    )
}

/// A VM resource whose `imageReference` is the given JSON text; `extra` is inserted among its
/// top-level members (a `copy`, a `condition`…).
pub fn arm_vm(name: &str, image_reference: &str, extra: &str) -> String {
    format!(
        r#"
    {{
      "type": "Microsoft.Compute/virtualMachines",
      "apiVersion": "2024-03-01",
      "name": "{name}",
      "location": "westeurope",{extra}
      "properties": {{
        "storageProfile": {{
          "imageReference": {image_reference}
        }}
      }}
    }}"#
    )
}

/// A deployment parameter file with the given `parameters` members (JSON text).
pub fn parameters_file(members: &str) -> String {
    format!(
        r#"{{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {{ {members} }}
}}"#
    )
}

/// A deployment `name` of the linked template at `relative_path`, passing `parameters` (the
/// members of its `parameters` object, as JSON text; may be empty).
pub fn linked_deployment(name: &str, relative_path: &str, parameters: &str) -> String {
    format!(
        r#"{{
      "type": "Microsoft.Resources/deployments",
      "apiVersion": "2022-09-01",
      "name": "{name}",
      "properties": {{
        "mode": "Incremental",
        "templateLink": {{ "relativePath": "{relative_path}" }},
        "parameters": {{ {parameters} }}
      }}
    }}"#
    )
}

/// The rule of each finding of a JSON report, in order.
pub fn finding_rules(report: &serde_json::Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["rule"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// The message of each finding of a JSON report, in order.
pub fn finding_messages(report: &serde_json::Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["message"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// The status of each resource entry of a JSON report, in order.
pub fn resource_statuses(report: &serde_json::Value) -> Vec<String> {
    report["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|r| r["status"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Runs `imagegate check --format json` and parses the output.
pub fn check_json(repo: &Repo, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["check", "--format", "json", "--exit-zero"];
    all.extend_from_slice(args);
    let out = repo.imagegate(&all).output().expect("run");
    assert!(
        out.status.success(),
        "imagegate failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON output")
}

/// The `(rule, path)` pairs of a JSON report, in order.
pub fn rules_and_paths(report: &serde_json::Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_string(),
                f["path"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Runs `git ARGS…` in `dir`, isolated from the machine's git configuration.
pub fn git(dir: &Path, args: &[&str]) {
    let out = Process::new("git")
        .args([
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.com",
            "-c",
            "core.autocrlf=false",
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("git is needed to run these tests");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
