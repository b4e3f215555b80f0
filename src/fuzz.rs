//! Entry points for the coverage-guided fuzz targets of `fuzz/` (`cargo +nightly fuzz run`),
//! compiled only under `--cfg fuzzing`, which cargo-fuzz passes: one small function per
//! target, each feeding the fuzzer's bytes to the code path a real run takes, so that a crash
//! found here is a crash of `imagegate check` (or `audit`, `policy import`, `--baseline`).
//!
//! Templates, plans and exports go through the workspace as an editor's unsaved buffer
//! ([`Workspace::check_buffer`]) or an overlay of a walked file ([`Workspace::set_overlay`]):
//! a run over named files in a project folder that holds the companion files, so that the
//! walk, the project graph, sniffing, lowering, evaluation, extraction, the judgement,
//! exemption comments and the report all run on the input. The project folders are made once
//! per process under the system's temporary folder; every input is read from memory (the
//! files on disk are empty stand-ins that overlays replace, or small fixed companions a
//! mutated input may link to). Nothing here asserts more than "no panic, no hang, no
//! exhaustion", but for the few invariants that are cheap and documented (a run judged twice
//! gives the same findings, for ARM templates and plans; [`crate::json::validate`] agrees with [`crate::json::parse`]).

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::pipeline::Detail;
use crate::report::Report;
use crate::walk::WalkOptions;
use crate::workspace::Workspace;

/// A Bicep module a mutated input may deploy (`module m 'module.bicep'`): one VM whose
/// image is its parameter.
const MODULE_BICEP: &str = "param image string = 'Canonical:UbuntuServer:18.04-LTS:latest'
resource vm 'Microsoft.Compute/virtualMachines@2023-03-01' = {
  name: 'vm'
  location: resourceGroup().location
  properties: {
    storageProfile: {
      imageReference: {
        id: image
      }
    }
  }
}
output name string = vm.name
";

/// An ARM template a mutated input may link (`relativePath: 'linked.json'`): one VM from the
/// marketplace.
const LINKED_JSON: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": { "sku": { "type": "string", "defaultValue": "18.04-LTS" } },
  "resources": [
    {
      "type": "Microsoft.Compute/virtualMachines",
      "apiVersion": "2023-03-01",
      "name": "linked",
      "location": "[resourceGroup().location]",
      "properties": {
        "storageProfile": {
          "imageReference": {
            "publisher": "Canonical",
            "offer": "UbuntuServer",
            "sku": "[parameters('sku')]",
            "version": "latest"
          }
        }
      }
    }
  ]
}
"#;

/// Files every project folder holds: the companions an input may reach (`loadTextContent`,
/// `loadJsonContent`, modules, linked templates) and the empty stand-ins that overlays
/// replace.
const COMPANIONS: &[(&str, &str)] = &[
    ("module.bicep", MODULE_BICEP),
    ("linked.json", LINKED_JSON),
    (
        "data.json",
        "{\"image\": \"Canonical:UbuntuServer:18.04-LTS:latest\"}\n",
    ),
    ("data.txt", "Canonical:UbuntuServer:18.04-LTS:latest\n"),
];

/// A Bicep resource with an unapproved image, which the exemption-comment target puts after
/// the input, so that the comments before it have a finding to exempt.
const UNAPPROVED_VM: &str = "
resource vm 'Microsoft.Compute/virtualMachines@2023-03-01' = {
  name: 'vm'
  location: 'westeurope'
  properties: {
    storageProfile: {
      imageReference: {
        publisher: 'Canonical'
        offer: 'UbuntuServer'
        sku: '18.04-LTS'
        version: 'latest'
      }
    }
  }
}
";

thread_local! {
    /// The workspace of this process (libFuzzer calls a target on one thread), made once.
    static WORKSPACE: RefCell<Option<Workspace>> = const { RefCell::new(None) };
}

/// The folder, made once per process, that holds one project folder per target: in
/// `/dev/shm` when the machine has it, else in the temporary folder. A file is written for
/// every input ([`keep_last_input`]): on a disk that other builds use, that write, not
/// imagegate, bounds the executions per second.
fn base() -> &'static Path {
    static BASE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BASE.get_or_init(|| {
        let shm = Path::new("/dev/shm");
        let parent = if shm.is_dir() {
            shm.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        let dir = parent.join(format!("imagegate-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("the fuzzing folder can be made");
        dir.canonicalize()
            .expect("the fuzzing folder has a canonical path")
    })
}

/// Keeps a copy of the input about to run in `last-input` of the fuzzing folder. A stack
/// overflow kills a fuzz target without a word: the target is built without Rust's runtime
/// (libFuzzer owns `main`), so no handler reports the overflow and libFuzzer's own handler
/// cannot run on the exhausted stack, and no crash file is written. This copy is that input.
fn keep_last_input(data: &[u8]) {
    let _ = std::fs::write(base().join("last-input"), data);
}

/// The project folder `name`, holding the companion files and an empty stand-in for each of
/// `stand_ins` (made the first time).
fn project(name: &str, stand_ins: &[&str]) -> PathBuf {
    let dir = base().join(name);
    if !dir.is_dir() {
        std::fs::create_dir_all(&dir).expect("the project folder can be made");
        for (file, text) in COMPANIONS {
            std::fs::write(dir.join(file), text).expect("a companion can be written");
        }
        for file in stand_ins {
            std::fs::write(dir.join(file), "").expect("a stand-in can be written");
        }
    }
    dir
}

/// Runs `f` with this process's workspace: the embedded configuration, one worker thread,
/// the default limits, paths shown from the fuzzing folder.
fn with_workspace<T>(f: impl FnOnce(&mut Workspace) -> T) -> T {
    WORKSPACE.with(|cell| {
        let mut slot = cell.borrow_mut();
        let workspace = slot.get_or_insert_with(|| {
            Workspace::new(Config::embedded(), base().to_path_buf(), 1)
                .expect("the worker thread starts")
        });
        f(workspace)
    })
}

/// What a report says, as compared by the determinism checks: its findings, resources and
/// notes, in order.
fn said(report: &Report) -> String {
    format!(
        "{:?}\n{:?}\n{:?}",
        report.findings, report.resources, report.notes
    )
}

/// Checks `text` as the file `name` of the project folder `dir` (an unsaved buffer: a run
/// over that named file in its project).
fn check_named(workspace: &Workspace, dir: &Path, name: &str, text: &[u8]) -> Report {
    let path = dir.join(name);
    workspace.check_buffer(&mut &text[..], Some(&path), Detail::default())
}

/// Splits `data` at its first NUL byte: the two documents of a paired target (the second is
/// empty when there is none).
fn split(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[]),
    }
}

/// The JSON parser: [`crate::json::parse`], and [`crate::json::validate`], which must agree
/// with it (same rules, same errors); an array parsed whole is also streamed element by
/// element, with as many elements.
pub fn json(data: &[u8]) {
    keep_last_input(data);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = crate::json::parse(text);
    let validated = crate::json::validate(text);
    assert_eq!(
        parsed.as_ref().err(),
        validated.as_ref().err(),
        "validate and parse disagree"
    );
    if let Ok(whole) = &parsed
        && let Some(elements) = whole.as_array()
    {
        let mut seen = 0usize;
        let streamed =
            crate::json::stream(text, crate::json::Streamed::TopArray, &mut |_| seen += 1);
        let Ok(Some((count, _))) = streamed else {
            panic!("a parsed array does not stream: {streamed:?}");
        };
        assert_eq!((count, seen), (elements.len(), elements.len()));
    }
    let _ = crate::json::stream(
        text,
        crate::json::Streamed::Member("data"),
        &mut drop::<crate::json::Json>,
    );
}

/// An ARM template (`main.json`), judged twice: the findings must be the same; then laid
/// under a run naming `linked.json`, which asks it where its links lead.
pub fn arm(data: &[u8]) {
    keep_last_input(data);
    let dir = project("arm", &["main.json"]);
    with_workspace(|w| {
        let first = check_named(w, &dir, "main.json", data);
        let second = check_named(w, &dir, "main.json", data);
        assert_eq!(said(&first), said(&second), "two runs differ");
        // Laid over the project's `main.json`, a template that computes links is asked where
        // they lead, without judging it, by a run naming a template it may link (and judged
        // when they may lead there).
        let main = dir.join("main.json");
        w.set_overlay(&main, String::from_utf8_lossy(data).into_owned())
            .expect("the stand-in exists");
        check_named(w, &dir, "linked.json", LINKED_JSON.as_bytes());
        w.remove_overlay(&main);
    });
}

/// An ARM template and its parameter file (`main.json`, then `main.parameters.json` after the
/// first NUL byte).
pub fn arm_params(data: &[u8]) {
    keep_last_input(data);
    let (template, parameters) = split(data);
    let dir = project("arm_params", &["main.json", "main.parameters.json"]);
    with_workspace(|w| {
        let parameters = String::from_utf8_lossy(parameters).into_owned();
        w.set_overlay(&dir.join("main.parameters.json"), parameters)
            .expect("the stand-in exists");
        check_named(w, &dir, "main.json", template);
    });
}

/// A Bicep file (`main.bicep`): lexer, parser, lowering, evaluation, modules. Judged once:
/// the slowest target, it gets the executions (`arm` and `tfplan` check determinism).
pub fn bicep(data: &[u8]) {
    keep_last_input(data);
    let dir = project("bicep", &["main.bicep"]);
    with_workspace(|w| {
        check_named(w, &dir, "main.bicep", data);
    });
}

/// A Bicep file and a `.bicepparam` (`main.bicep`, then `main.bicepparam` after the first NUL
/// byte), the parameter file checked as the named file.
pub fn bicepparam(data: &[u8]) {
    keep_last_input(data);
    let (template, parameters) = split(data);
    let dir = project("bicepparam", &["main.bicep", "main.bicepparam"]);
    with_workspace(|w| {
        let template = String::from_utf8_lossy(template).into_owned();
        w.set_overlay(&dir.join("main.bicep"), template)
            .expect("the stand-in exists");
        check_named(w, &dir, "main.bicepparam", parameters);
    });
}

/// A Terraform plan or state (`terraform show -json` output, `plan.json`), judged twice: the
/// findings must be the same.
pub fn tfplan(data: &[u8]) {
    keep_last_input(data);
    let dir = project("tfplan", &["plan.json"]);
    with_workspace(|w| {
        let first = check_named(w, &dir, "plan.json", data);
        let second = check_named(w, &dir, "plan.json", data);
        assert_eq!(said(&first), said(&second), "two runs differ");
    });
}

/// A local module a mutated Terraform source may call (`source = "./vm"`): one VM whose
/// image is its variable.
const MODULE_TF: &str = "variable \"image\" {
  default = \"/subscriptions/0/resourceGroups/rg/providers/Microsoft.Compute/images/old\"
}

resource \"azurerm_linux_virtual_machine\" \"vm\" {
  name            = \"vm\"
  source_image_id = var.image
}
";

/// A Terraform configuration read from its sources (`main.tf`, then `terraform.tfvars` after
/// the first NUL byte), judged twice: the findings must be the same. Its folder holds a
/// local module (`./vm`) an input may call.
pub fn tfsource(data: &[u8]) {
    keep_last_input(data);
    let (source, definitions) = split(data);
    let dir = project("tfsource", &["main.tf", "terraform.tfvars"]);
    let module = dir.join("vm");
    if !module.is_dir() {
        std::fs::create_dir_all(&module).expect("the module folder can be made");
        std::fs::write(module.join("main.tf"), MODULE_TF).expect("the module can be written");
    }
    with_workspace(|w| {
        let definitions = String::from_utf8_lossy(definitions).into_owned();
        w.set_overlay(&dir.join("terraform.tfvars"), definitions)
            .expect("the stand-in exists");
        let first = check_named(w, &dir, "main.tf", source);
        let second = check_named(w, &dir, "main.tf", source);
        assert_eq!(said(&first), said(&second), "two runs differ");
    });
}

/// An inventory export audited (`imagegate audit`): the first byte chooses JSON (`az … list`,
/// Resource Graph) or CSV (the portal's and Resource Graph Explorer's downloads), the rest is
/// the export.
pub fn inventory(data: &[u8]) {
    keep_last_input(data);
    let Some((&choice, export)) = data.split_first() else {
        return;
    };
    let name = if choice & 1 == 0 {
        "export.json"
    } else {
        "export.csv"
    };
    let dir = project("inventory", &["export.json", "export.csv"]);
    let path = dir.join(name);
    with_workspace(|w| {
        let text = String::from_utf8_lossy(export).into_owned();
        w.set_overlay(&path, text).expect("the stand-in exists");
        let options = WalkOptions {
            roots: vec![path.clone()],
            threads: 1,
            ..WalkOptions::default()
        };
        let _ = w.audit(&options, Detail::default());
    });
}

/// The configuration (`imagegate.toml`): parsed, and when it parses, its policy exported as
/// an Azure Policy definition (`imagegate policy export`).
pub fn config(data: &[u8]) {
    keep_last_input(data);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let dir = project("config", &[]);
    if let Ok(config) = Config::parse(text, &dir.join("imagegate.toml")) {
        let effect = crate::policy::export::Effect::of(config.mode);
        for layout in [
            crate::policy::export::Layout::Definition,
            crate::policy::export::Layout::Rules,
            crate::policy::export::Layout::Parameters,
        ] {
            let _ = crate::policy::export::export(&config, effect, layout);
        }
    }
}

/// An Azure Policy definition or assignment imported (`imagegate policy import`): what it
/// writes must be a configuration imagegate reads.
pub fn policy_import(data: &[u8]) {
    keep_last_input(data);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(imported) = crate::policy::import::import(text) {
        let dir = project("policy_import", &[]);
        let toml = crate::policy::import::to_toml(&imported, "policy.json");
        if let Err(e) = Config::parse(&toml, &dir.join("imagegate.toml")) {
            panic!("the imported policy is not a configuration: {e}\n{toml}");
        }
    }
}

/// A baseline (`--baseline`): read from a file, and applied to the report of a template with
/// an unapproved image.
pub fn baseline(data: &[u8]) {
    keep_last_input(data);
    let dir = project("baseline", &["main.bicep", "baseline.json"]);
    let path = dir.join("baseline.json");
    std::fs::write(&path, data).expect("the baseline can be written");
    let Ok(read) = crate::baseline::read(&path, "baseline.json") else {
        return;
    };
    with_workspace(|w| {
        let mut report = check_named(w, &dir, "main.bicep", UNAPPROVED_VM.as_bytes());
        crate::baseline::apply(&mut report, read, "baseline.json");
    });
}

/// Exemption comments (`// imagegate-ignore`, `#disable-next-line`): the input, then a
/// resource with an unapproved image, as one Bicep file.
pub fn exemptions(data: &[u8]) {
    keep_last_input(data);
    let dir = project("exemptions", &["main.bicep"]);
    let mut text = data.to_vec();
    text.extend_from_slice(UNAPPROVED_VM.as_bytes());
    with_workspace(|w| {
        check_named(w, &dir, "main.bicep", &text);
    });
}
