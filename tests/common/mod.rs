//! Helpers shared by the integration tests: temporary repositories and templates written as
//! users write them.
#![allow(dead_code)]

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command as Process;
use std::time::Duration;

use imagegate::commands::{Io, Vars, run_args};

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

    /// `imagegate ARGS…` run in-process in the repository (no colour variables set).
    pub fn imagegate(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new();
        cmd.current_dir(self.dir.path()).args(args);
        cmd
    }

    /// The `imagegate` binary run with ARGS in the repository, with colour and config
    /// discovery isolated: for the command-line contract (exit codes, streams, terminals).
    pub fn binary(&self, args: &[&str]) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::cargo_bin("imagegate").expect("binary");
        cmd.current_dir(self.dir.path())
            .args(args)
            .env_remove("NO_COLOR")
            .env_remove("FORCE_COLOR");
        cmd
    }
}

/// `imagegate` run in-process through `imagegate::commands::run_args`, built like
/// `assert_cmd::Command`: the same arguments, working directory, environment and standard
/// input, and the same `Output` (exit code, standard output, standard error) — without
/// spawning the binary. The environment holds only the variables set with [`Command::env`].
#[derive(Clone, Debug)]
pub struct Command {
    args: Vec<OsString>,
    cwd: PathBuf,
    vars: Vec<(String, OsString)>,
    stdin: Vec<u8>,
    timeout: Option<Duration>,
}

impl Command {
    /// A command run in the test process's working directory.
    pub fn new() -> Command {
        Command {
            args: vec!["imagegate".into()],
            cwd: std::env::current_dir().expect("working directory"),
            vars: Vec::new(),
            stdin: Vec::new(),
            timeout: None,
        }
    }

    /// Adds an argument.
    pub fn arg(&mut self, arg: impl Into<OsString>) -> &mut Command {
        self.args.push(arg.into());
        self
    }

    /// Adds arguments.
    pub fn args<I, S>(&mut self, args: I) -> &mut Command
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// The working directory.
    pub fn current_dir(&mut self, dir: impl AsRef<Path>) -> &mut Command {
        self.cwd = dir.as_ref().to_path_buf();
        self
    }

    /// Sets an environment variable.
    pub fn env(&mut self, name: &str, value: impl Into<OsString>) -> &mut Command {
        self.env_remove(name);
        self.vars.push((name.to_string(), value.into()));
        self
    }

    /// Unsets an environment variable.
    pub fn env_remove(&mut self, name: &str) -> &mut Command {
        self.vars.retain(|(n, _)| n != name);
        self
    }

    /// What standard input holds.
    pub fn write_stdin(&mut self, input: impl Into<Vec<u8>>) -> &mut Command {
        self.stdin = input.into();
        self
    }

    /// Fails the test when the command takes longer than `limit` (it runs on a thread of its
    /// own, which is left behind).
    pub fn timeout(&mut self, limit: Duration) -> &mut Command {
        self.timeout = Some(limit);
        self
    }

    /// Runs it: its exit code and what it wrote.
    pub fn output(&mut self) -> std::io::Result<std::process::Output> {
        // On a thread with the stack the binary's main thread has (a buffer read from
        // standard input is judged on the calling thread).
        let cmd = self.clone();
        let (send, receive) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .stack_size(8 * 1024 * 1024)
            .spawn(move || send.send(cmd.run()))
            .expect("thread");
        let limit = self.timeout.unwrap_or(Duration::from_secs(600));
        match receive.recv_timeout(limit) {
            Ok(output) => Ok(output),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                panic!("imagegate {:?} took longer than {limit:?}", self.args)
            }
            // It panicked: the panic is the test's failure.
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => match thread.join() {
                Err(panic) => std::panic::resume_unwind(panic),
                Ok(_) => unreachable!("the thread sends before it ends"),
            },
        }
    }

    /// Runs it, for assertions on its output.
    pub fn assert(&mut self) -> assert_cmd::assert::Assert {
        assert_cmd::assert::Assert::new(self.output().expect("run"))
    }

    fn run(self) -> std::process::Output {
        use std::os::unix::process::ExitStatusExt;
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        let mut stdin = self.stdin.as_slice();
        let mut io = Io {
            stdout: &mut stdout,
            stderr: &mut stderr,
            stdin: &mut stdin,
            stdout_is_terminal: false,
            cwd: self.cwd,
            vars: Vars::Given(self.vars),
            ends_process: false,
        };
        let exit = run_args(self.args, &mut io);
        std::process::Output {
            status: std::process::ExitStatus::from_raw(i32::from(exit.code()) << 8),
            stdout,
            stderr,
        }
    }
}

impl Default for Command {
    fn default() -> Command {
        Command::new()
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
    deployment_linking(
        name,
        &format!(r#""relativePath": "{relative_path}""#),
        parameters,
    )
}

/// A deployment `name` of the template at `relative` beside its caller, linked the way the
/// Azure quickstarts link them: by a URI computed from the caller's own location
/// (<https://learn.microsoft.com/azure/azure-resource-manager/templates/linked-templates#linked-template>),
/// passing `parameters` (as [`linked_deployment`]).
pub fn computed_linked_deployment(name: &str, relative: &str, parameters: &str) -> String {
    deployment_linking(
        name,
        &format!(r#""uri": "[uri(deployment().properties.templateLink.uri, '{relative}')]""#),
        parameters,
    )
}

/// A deployment `name` whose `templateLink` has the members `link` (JSON text), passing
/// `parameters`.
fn deployment_linking(name: &str, link: &str, parameters: &str) -> String {
    format!(
        r#"{{
      "type": "Microsoft.Resources/deployments",
      "apiVersion": "2022-09-01",
      "name": "{name}",
      "properties": {{
        "mode": "Incremental",
        "templateLink": {{ {link} }},
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

/// `imagegate check --format json .` run in-process on the folder `dir` (its working
/// directory too), with each file held to `limits` instead of the production defaults: the
/// report as the JSON emitter writes it, and the notes the command line would print. Budget
/// tests run at small limits, with inputs scaled to match, so that a budget is reached in
/// milliseconds.
pub fn check_with_limits_and_notes(
    dir: &Path,
    limits: imagegate::workspace::Limits,
) -> (serde_json::Value, Vec<String>) {
    check_with_limits_on(dir, limits, 0)
}

/// [`check_with_limits_and_notes`] on `threads` worker threads (0: as many as cores): one
/// thread judges the walked files in the walk's order, one after the other.
pub fn check_with_limits_on(
    dir: &Path,
    limits: imagegate::workspace::Limits,
    threads: usize,
) -> (serde_json::Value, Vec<String>) {
    use imagegate::report::emit::{Format, emitter};
    let paths = [PathBuf::from(".")];
    let mut config = imagegate::config::Config::discover(None, &paths, dir).expect("config");
    config.set_today(imagegate::date::today_from(None).expect("today"));
    let workspace = imagegate::workspace::Workspace::new(config, dir.to_path_buf(), threads)
        .expect("workspace")
        .with_limits(limits);
    let options = imagegate::walk::WalkOptions {
        roots: vec![dir.to_path_buf()],
        include: Vec::new(),
        exclude: Vec::new(),
        no_ignore: false,
        force_exclude: false,
        threads: 0,
    };
    let report = workspace
        .check(&options, Default::default())
        .expect("check");
    let mut out = Vec::new();
    emitter(Format::Json, Default::default(), None, "imagegate")
        .emit(&report, &mut out)
        .expect("emit");
    let json = serde_json::from_slice(&out).expect("JSON output");
    (json, report.notes.iter().map(ToString::to_string).collect())
}

/// [`check_with_limits_and_notes`]'s report.
pub fn check_with_limits(dir: &Path, limits: imagegate::workspace::Limits) -> serde_json::Value {
    check_with_limits_and_notes(dir, limits).0
}

/// The `(rule, path)` pairs of a JSON report, in order.
pub fn rules_and_paths(report: &serde_json::Value) -> Vec<(String, String)> {
    located(report)
        .into_iter()
        .map(|(rule, path, _)| (rule, path))
        .collect()
}

/// The `(rule, path, line)` of each finding of a JSON report, in order.
pub fn located(report: &serde_json::Value) -> Vec<(String, String, u64)> {
    placed(report)
        .into_iter()
        .map(|(rule, path, line, _)| (rule, path, line))
        .collect()
}

/// The `(rule, path, line, column)` of each finding of a JSON report, in order.
pub fn placed(report: &serde_json::Value) -> Vec<(String, String, u64, u64)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_string(),
                f["path"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64().unwrap_or_default(),
                f["column"].as_u64().unwrap_or_default(),
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

/// The paths of the findings of `rule`.
pub fn paths_of(report: &serde_json::Value, rule: &str) -> Vec<String> {
    rules_and_paths(report)
        .into_iter()
        .filter(|(r, _)| r == rule)
        .map(|(_, p)| p)
        .collect()
}

/// Every file below `dir`, relative to it, sorted.
pub fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read_dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path.strip_prefix(dir).expect("below").to_path_buf());
            }
        }
    }
    out.sort();
    out
}

/// Copies every file below `from` to the same place below `to`.
pub fn copy_tree(from: &Path, to: &Path) {
    for file in files_below(from) {
        let target = to.join(&file);
        std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
        std::fs::copy(from.join(&file), target).expect("copy");
    }
}

/// A copy of the fixture project `testdata/project/<name>` in a git repository of its own
/// (so that a named file's project is the whole copy, as in a user's repository).
pub fn fixture_project(name: &str) -> Repo {
    let repo = Repo::new();
    let folder = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/project")
        .join(name);
    copy_tree(&folder, repo.path());
    git(repo.path(), &["init", "-q"]);
    repo
}

/// `(rule, path, line, parameter file)` of each finding of a JSON report.
pub fn judged_with(report: &serde_json::Value) -> Vec<(String, String, u64, String)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_owned(),
                f["path"].as_str().unwrap_or_default().to_owned(),
                f["line"].as_u64().unwrap_or_default(),
                f["parameter_file"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// One entry of [`judged_with`].
pub fn judged(
    rule: &str,
    path: &str,
    line: u64,
    parameter_file: &str,
) -> (String, String, u64, String) {
    (rule.into(), path.into(), line, parameter_file.into())
}

/// What identifies each finding of a JSON report across runs (rule, place, message,
/// fingerprint).
pub fn finding_identities(report: &serde_json::Value) -> std::collections::BTreeSet<String> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            format!(
                "{} {}:{}:{} {} [{}]",
                f["rule"], f["path"], f["line"], f["column"], f["message"], f["fingerprint"]
            )
        })
        .collect()
}

/// Asserts that a run over `repo` naming the file shown as `name` alone reports exactly the
/// findings of `full` (the whole run's report) that touch it (#22's contract of the hook and
/// the editor); `what` names the case in the failure. Returns the named run's report.
pub fn assert_named_run_is_the_full_runs(
    repo: &Repo,
    full: &serde_json::Value,
    name: &str,
    what: &str,
) -> serde_json::Value {
    let want: std::collections::BTreeSet<String> = full["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| touches(f, name))
        .flat_map(|f| finding_identities(&serde_json::json!({ "findings": [f] })))
        .collect();
    let named = check_json(repo, &[name]);
    assert_eq!(
        finding_identities(&named),
        want,
        "{what}: `check {name}` differs from the full run restricted to it"
    );
    named
}

/// Whether the finding `f` touches the file shown as `path` (located there, judged with it as
/// a parameter file, declared there, or related there): what a run naming it must report.
pub fn touches(f: &serde_json::Value, path: &str) -> bool {
    f["path"] == path
        || f["parameter_file"] == path
        || f["resource"]["declared_in"] == path
        || f["related"]
            .as_array()
            .is_some_and(|r| r.iter().any(|r| r["path"] == path))
}
