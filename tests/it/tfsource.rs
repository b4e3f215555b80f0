//! Terraform plans in a working directory: when the `.tf` configuration beside the plan is
//! readable (the root module, local `module` sources, `.terraform/modules/modules.json`) and
//! inside the scanned roots, a finding points at the image attribute in the `.tf` source and
//! keeps the plan position as a related location; otherwise it points into the plan.

use crate::common::*;
use serde_json::Value;

const MANAGED: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-legacy/providers/Microsoft.Compute/images/legacy-ubuntu";

/// A `resource_changes` entry creating a Linux VM with these planned image attributes.
fn vm_change(module: Option<&str>, name: &str, image: &str) -> String {
    let (address, module_address) = match module {
        Some(m) => (
            format!("{m}.azurerm_linux_virtual_machine.{name}"),
            format!(r#""module_address":"{m}","#),
        ),
        None => (
            format!("azurerm_linux_virtual_machine.{name}"),
            String::new(),
        ),
    };
    format!(
        r#"{{"address":"{address}",{module_address}"mode":"managed","type":"azurerm_linux_virtual_machine","name":"{name}","provider_name":"registry.terraform.io/hashicorp/azurerm","change":{{"actions":["create"],"before":null,"after":{{"location":"westeurope","name":"vm-{name}","resource_group_name":"rg-app","size":"Standard_D2s_v5",{image}}},"after_unknown":{{"id":true}},"after_sensitive":{{}}}}}}"#
    )
}

fn direct_image() -> String {
    format!(r#""source_image_id":"{MANAGED}","source_image_reference":[]"#)
}

const MARKETPLACE: &str = r#""source_image_id":null,"source_image_reference":[{"offer":"0001-com-ubuntu-server-jammy","publisher":"Canonical","sku":"22_04-lts-gen2","version":"latest"}]"#;

/// A one-line plan with the root VM `direct` and the VM `this` of `module.vm`.
pub(crate) fn plan() -> String {
    format!(
        r#"{{"format_version":"1.2","terraform_version":"1.9.5","resource_changes":[{},{}]}}"#,
        vm_change(None, "direct", &direct_image()),
        vm_change(Some("module.vm"), "this", MARKETPLACE)
    )
}

pub(crate) fn root_tf(module_source: &str) -> String {
    format!(
        r#"resource "azurerm_resource_group" "app" {{
  name     = "rg-app"
  location = "westeurope"
}}

resource "azurerm_linux_virtual_machine" "direct" {{
  name                = "vm-direct"
  resource_group_name = "rg-app"
  location            = "westeurope"
  size                = "Standard_D2s_v5"
  source_image_id     = "{MANAGED}"
}}

module "vm" {{
  source = "{module_source}"
}}
"#
    )
}

pub(crate) const MODULE_TF: &str = r#"variable "unused" {
  default = null
}

resource "azurerm_linux_virtual_machine" "this" {
  name                = "vm-this"
  resource_group_name = "rg-app"
  location            = "westeurope"
  size                = "Standard_D2s_v5"

  source_image_reference {
    publisher = "Canonical"
    offer     = "0001-com-ubuntu-server-jammy"
    sku       = "22_04-lts-gen2"
    version   = "latest"
  }
}
"#;

/// The 1-based line and column of the first `needle` in `text`.
fn line_col(text: &str, needle: &str) -> (u64, u64) {
    let at = text.find(needle).expect("needle");
    let line = text[..at].matches('\n').count() + 1;
    let column = at - text[..at].rfind('\n').map_or(0, |i| i + 1) + 1;
    (line as u64, column as u64)
}

/// The finding about the resource at `address` (exactly one, IG001).
fn finding<'a>(report: &'a Value, address: &str) -> &'a Value {
    let found: Vec<_> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["resource"]["name"] == address)
        .collect();
    assert_eq!(found.len(), 1, "{address}: {report:#}");
    assert_eq!(found[0]["rule"], "IG001", "{:#}", found[0]);
    found[0]
}

fn related_paths(finding: &Value) -> Vec<String> {
    finding["related"]
        .as_array()
        .expect("related")
        .iter()
        .map(|r| r["path"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn assert_in_plan(finding: &Value, plan_path: &str) {
    assert_eq!(finding["path"], plan_path, "{finding:#}");
    assert_eq!(finding["line"], 1, "{finding:#}");
}

#[test]
fn findings_point_at_the_tf_source_with_the_plan_as_related() {
    let repo = Repo::new();
    let plan = plan();
    repo.write("plan.json", &plan);
    let root = root_tf("./modules/vm");
    repo.write("main.tf", &root);
    repo.write("modules/vm/main.tf", MODULE_TF);
    let r = check_json(&repo, &["."]);

    let direct = finding(&r, "azurerm_linux_virtual_machine.direct");
    let (line, column) = line_col(&root, &format!("\"{MANAGED}\""));
    assert_eq!(direct["path"], "main.tf", "{direct:#}");
    assert_eq!(
        (direct["line"].as_u64(), direct["column"].as_u64()),
        (Some(line), Some(column))
    );
    assert_eq!(
        direct["end_column"].as_u64(),
        Some(column + MANAGED.len() as u64 + 2)
    );
    let related = direct["related"].as_array().expect("related");
    let in_plan: Vec<_> = related
        .iter()
        .filter(|r| r["path"] == "plan.json")
        .collect();
    let value_at = plan.find(&format!("\"{MANAGED}\"")).expect("in plan") as u64 + 1;
    assert!(
        in_plan
            .iter()
            .any(|r| r["line"] == 1 && r["column"] == value_at),
        "{related:#?}"
    );

    let module = finding(&r, "module.vm.azurerm_linux_virtual_machine.this");
    let (line, column) = line_col(MODULE_TF, "source_image_reference {");
    assert_eq!(module["path"], "modules/vm/main.tf", "{module:#}");
    assert_eq!(
        (module["line"].as_u64(), module["column"].as_u64()),
        (Some(line), Some(column))
    );
    assert!(
        related_paths(module).contains(&"plan.json".to_string()),
        "{module:#}"
    );
    // The address is still named in full, and the resource list still names the plan.
    assert!(
        r["resources"]
            .as_array()
            .expect("resources")
            .iter()
            .all(|e| e["path"] == "plan.json"),
        "{r:#}"
    );
    // Naming the plan file itself (as a pre-commit hook does) reads its folder's .tf too.
    let named = check_json(&repo, &["plan.json"]);
    assert_eq!(
        finding(&named, "module.vm.azurerm_linux_virtual_machine.this")["path"],
        "modules/vm/main.tf",
        "{named:#}"
    );
}

#[test]
fn modules_json_names_installed_module_directories() {
    let repo = Repo::new();
    repo.write("plan.json", plan());
    // A registry source: only `terraform init`'s manifest says where it was installed.
    repo.write("main.tf", root_tf("app.terraform.io/corp/vm/azurerm"));
    repo.write(".terraform/modules/vm/main.tf", MODULE_TF);
    repo.write(
        ".terraform/modules/modules.json",
        r#"{"Modules":[{"Key":"","Source":"","Dir":"."},{"Key":"vm","Source":"app.terraform.io/corp/vm/azurerm","Version":"1.0.0","Dir":".terraform/modules/vm"}]}"#,
    );
    let r = check_json(&repo, &["."]);
    let module = finding(&r, "module.vm.azurerm_linux_virtual_machine.this");
    assert_eq!(
        module["path"], ".terraform/modules/vm/main.tf",
        "{module:#}"
    );
    assert_eq!(
        module["line"].as_u64(),
        Some(line_col(MODULE_TF, "source_image_reference {").0)
    );
    assert_eq!(
        finding(&r, "azurerm_linux_virtual_machine.direct")["path"],
        "main.tf"
    );
}

#[test]
fn a_plan_without_configuration_keeps_its_plan_locations() {
    let repo = Repo::new();
    let plan = plan();
    repo.write("plan.json", &plan);
    let r = check_json(&repo, &["."]);
    let direct = finding(&r, "azurerm_linux_virtual_machine.direct");
    assert_in_plan(direct, "plan.json");
    let value_at = plan.find(&format!("\"{MANAGED}\"")).expect("in plan") as u64 + 1;
    assert_eq!(direct["column"].as_u64(), Some(value_at));
    assert!(!related_paths(direct).iter().any(|p| p.ends_with(".tf")));
    assert_in_plan(
        finding(&r, "module.vm.azurerm_linux_virtual_machine.this"),
        "plan.json",
    );
}

#[test]
fn module_directories_outside_the_roots_are_not_read() {
    let repo = Repo::new();
    repo.write("work/plan.json", plan());
    repo.write("work/main.tf", root_tf("../outside/vm"));
    repo.write("outside/vm/main.tf", MODULE_TF);
    // Neither through a relative source nor through the manifest.
    repo.write(
        "work/.terraform/modules/modules.json",
        r#"{"Modules":[{"Key":"vm","Source":"../outside/vm","Dir":"../outside/vm"}]}"#,
    );
    let r = check_json(&repo, &["work"]);
    assert_eq!(
        finding(&r, "azurerm_linux_virtual_machine.direct")["path"],
        "work/main.tf"
    );
    let module = finding(&r, "module.vm.azurerm_linux_virtual_machine.this");
    assert_in_plan(module, "work/plan.json");
    assert!(
        !related_paths(module).iter().any(|p| p.contains("outside")),
        "{module:#}"
    );
}

#[test]
fn invalid_configuration_falls_back_to_the_plan() {
    // The root module's only file is not valid HCL: every finding stays in the plan.
    let repo = Repo::new();
    repo.write("plan.json", plan());
    repo.write(
        "main.tf",
        "resource \"azurerm_linux_virtual_machine\" \"direct\" {\n  source_image_id = \n",
    );
    repo.write("modules/vm/main.tf", MODULE_TF);
    let r = check_json(&repo, &["."]);
    assert_in_plan(
        finding(&r, "azurerm_linux_virtual_machine.direct"),
        "plan.json",
    );
    assert_in_plan(
        finding(&r, "module.vm.azurerm_linux_virtual_machine.this"),
        "plan.json",
    );
    // No valid file shows `modules/vm` to be a module of the plan's configuration: it is
    // judged from its own sources too, as a configuration of its own (#27).
    assert_eq!(
        finding(&r, "azurerm_linux_virtual_machine.this")["path"],
        "modules/vm/main.tf"
    );
    assert_eq!(r["findings"].as_array().map(Vec::len), Some(3), "{r:#}");

    // One bad file does not hide the good ones: a file that is not text is skipped, and a
    // module whose file does not parse keeps its plan location.
    let repo = Repo::new();
    repo.write("plan.json", plan());
    repo.write("main.tf", root_tf("./modules/vm"));
    repo.write("broken.tf", [0xffu8, 0xfe, 0x00, 0xd8, 0x41]);
    repo.write(
        "modules/vm/main.tf",
        "resource \"azurerm_linux_virtual_machine\" {{{\n",
    );
    let r = check_json(&repo, &["."]);
    assert_eq!(
        finding(&r, "azurerm_linux_virtual_machine.direct")["path"],
        "main.tf"
    );
    assert_in_plan(
        finding(&r, "module.vm.azurerm_linux_virtual_machine.this"),
        "plan.json",
    );
    // Terraform sources are read on their own too (#27): the file that is not text is an
    // IG000 of its own (Terraform refuses it as well).
    let findings = r["findings"].as_array().unwrap();
    let ig000: Vec<&Value> = findings.iter().filter(|f| f["rule"] == "IG000").collect();
    assert_eq!(ig000.len(), 1, "{r:#}");
    assert_eq!(ig000[0]["path"], "broken.tf", "{r:#}");
    assert_eq!(findings.len(), 3, "{r:#}");
}

/// With the `.tf` source beside the plan, an attribute is resolved through its one reference
/// only when the source writes exactly that reference (`x.id` or `"${x.id}"`); a function of it
/// (which the plan's `references` cannot show) is IG002.
#[test]
fn resolution_through_a_reference_needs_the_source_to_be_exactly_that_reference() {
    let refs: &[&str] = &[
        "azurerm_shared_image_version.next.id",
        "azurerm_shared_image_version.next",
    ];
    let plan = plan_with_new_version(&[("bare", refs), ("template", refs), ("replaced", refs)]);
    let tf = r#"resource "azurerm_shared_image_version" "next" {
  name                = "1.5.0"
  gallery_name        = "corpGallery"
  image_name          = "ubuntu-22.04-cis"
  resource_group_name = "rg-golden"
  location            = "westeurope"
}

resource "azurerm_linux_virtual_machine" "bare" {
  name            = "bare"
  source_image_id = azurerm_shared_image_version.next.id
}

resource "azurerm_linux_virtual_machine" "template" {
  name            = "template"
  source_image_id = "${azurerm_shared_image_version.next.id}"
}

resource "azurerm_linux_virtual_machine" "replaced" {
  name            = "replaced"
  source_image_id = replace(azurerm_shared_image_version.next.id, "/versions/1.5.0", "/versions/latest")
}
"#;
    let repo = Repo::new();
    repo.write("plan.json", &plan);
    repo.write("main.tf", tf);
    repo.write("imagegate.toml", FACTORY);
    let r = check_json(&repo, &[]);
    let status = |name: &str| {
        r["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == format!("azurerm_linux_virtual_machine.{name}"))
            .map(|e| e["status"].as_str().unwrap().to_string())
    };
    assert_eq!(status("bare").as_deref(), Some("compliant"), "{r:#}");
    assert_eq!(status("template").as_deref(), Some("compliant"), "{r:#}");
    assert_eq!(status("replaced").as_deref(), Some("unresolved"), "{r:#}");
    let findings = r["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{r:#}");
    let message = findings[0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(
            "its expression in the configuration does more than refer to `azurerm_shared_image_version.next.id`"
        ),
        "{message}"
    );

    // Without the `.tf` beside it, the plan alone cannot tell the three apart: resolved.
    let repo = Repo::new();
    repo.write("plan.json", &plan);
    repo.write("imagegate.toml", FACTORY);
    let r = check_json(&repo, &[]);
    assert!(r["findings"].as_array().unwrap().is_empty(), "{r:#}");
}

/// The policy of the plans that publish a gallery image version and deploy machines from it:
/// the embedded default's approved galleries, with the plan the image factory's (a version
/// published into an approved gallery elsewhere is an IG010, which these tests are not about).
const FACTORY: &str = "[approved]\nfactory = [\"**\"]\n";

/// The same holds for the value a `module` call passes on: `image = lower(x.id)` is not `x.id`.
#[test]
fn a_module_call_must_pass_exactly_the_reference() {
    let version = r#"{"address":"azurerm_shared_image_version.next","mode":"managed","type":"azurerm_shared_image_version","name":"next","provider_name":"registry.terraform.io/hashicorp/azurerm","change":{"actions":["create"],"before":null,"after":{"gallery_name":"corpGallery","image_name":"ubuntu-22.04-cis","location":"westeurope","name":"1.5.0","resource_group_name":"rg-golden"},"after_unknown":{"id":true},"before_sensitive":false,"after_sensitive":{}}}"#;
    let vm = r#"{"address":"module.pool.azurerm_linux_virtual_machine.vm","module_address":"module.pool","mode":"managed","type":"azurerm_linux_virtual_machine","name":"vm","provider_name":"registry.terraform.io/hashicorp/azurerm","change":{"actions":["create"],"before":null,"after":{"name":"vm-pool","source_image_reference":[]},"after_unknown":{"id":true,"source_image_id":true},"before_sensitive":false,"after_sensitive":{}}}"#;
    let config = r#"{"root_module":{"module_calls":{"pool":{"source":"./modules/pool","expressions":{"image":{"references":["azurerm_shared_image_version.next.id","azurerm_shared_image_version.next"]}},"module":{"resources":[{"address":"azurerm_linux_virtual_machine.vm","mode":"managed","type":"azurerm_linux_virtual_machine","name":"vm","expressions":{"source_image_id":{"references":["var.image"]}}}],"variables":{"image":{}}}}}}}"#;
    let plan = format!(
        r#"{{"format_version":"1.2","terraform_version":"1.9.5","resource_changes":[{version},{vm}],"configuration":{config}}}"#
    );
    let module_tf = r#"variable "image" {}

resource "azurerm_linux_virtual_machine" "vm" {
  name            = "vm-pool"
  source_image_id = var.image
}
"#;
    let status = |passed: &str| {
        let repo = Repo::new();
        repo.write("plan.json", &plan);
        repo.write("imagegate.toml", FACTORY);
        repo.write(
            "main.tf",
            format!("module \"pool\" {{\n  source = \"./modules/pool\"\n  image  = {passed}\n}}\n"),
        );
        repo.write("modules/pool/main.tf", module_tf);
        let r = check_json(&repo, &[]);
        let findings = r["findings"].as_array().unwrap().clone();
        (
            r["resources"][0]["status"].as_str().unwrap().to_string(),
            findings,
        )
    };
    let (exact, findings) = status("azurerm_shared_image_version.next.id");
    assert_eq!(exact, "compliant", "{findings:#?}");
    let (lowered, findings) = status("lower(azurerm_shared_image_version.next.id)");
    assert_eq!(lowered, "unresolved");
    let message = findings[0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("does more than refer to `azurerm_shared_image_version.next.id`"),
        "{message}"
    );
}

#[test]
fn the_tf_files_read_for_a_plan_share_its_byte_budget() {
    // At limits of 1 MiB per file and 1 MiB of the files a walked file leads to (production:
    // 64 MiB and 64 MiB, with 40 MiB and 30 MiB of padding): `a.tf` (640 KiB of blank lines)
    // and `main.tf` (the configuration and 480 KiB more) are each within the loader's limit,
    // together beyond what a walked file may read of the files it leads to: `main.tf` is not
    // read, and the findings keep their plan locations (a thousand plans beside a gigabyte of
    // `.tf` would otherwise read a terabyte).
    let limits = imagegate::workspace::Limits {
        max_file_bytes: 1024 * 1024,
        max_linked_bytes: 1024 * 1024,
        ..Default::default()
    };
    let repo = Repo::new();
    repo.write("plan.json", plan());
    repo.write("a.tf", "\n".repeat(640 * 1024));
    let mut main = root_tf("./modules/vm");
    main.push_str(&"\n".repeat(480 * 1024));
    repo.write("main.tf", &main);
    repo.write("modules/vm/main.tf", MODULE_TF);
    let r = check_with_limits(repo.path(), limits.clone());
    assert_in_plan(
        finding(&r, "azurerm_linux_virtual_machine.direct"),
        "plan.json",
    );
    // Without the padding, the same configuration is read.
    repo.write("main.tf", root_tf("./modules/vm"));
    let r = check_with_limits(repo.path(), limits);
    let direct = finding(&r, "azurerm_linux_virtual_machine.direct");
    assert_eq!(direct["path"], "main.tf", "{direct:#}");
}

#[test]
fn an_image_passed_as_a_module_input_points_at_the_callers_argument() {
    // The module's VM takes its image from `var.image_id`; the root `module` block writes the
    // value. The finding points at that argument (what a person changes), through two levels
    // of modules, with each `var.…` on the way as a related location.
    let repo = Repo::new();
    let plan = format!(
        r#"{{"format_version":"1.2","terraform_version":"1.9.5","resource_changes":[{}]}}"#,
        vm_change(Some("module.app.module.vm"), "this", &direct_image())
    );
    repo.write("plan.json", &plan);
    let root =
        format!("module \"app\" {{\n  source = \"./modules/app\"\n  image  = \"{MANAGED}\"\n}}\n");
    repo.write("main.tf", &root);
    let app = "variable \"image\" {}\n\nmodule \"vm\" {\n  source   = \"../vm\"\n  image_id = var.image\n}\n";
    repo.write("modules/app/main.tf", app);
    let vm = "variable \"image_id\" {}\n\nresource \"azurerm_linux_virtual_machine\" \"this\" {\n  name            = \"vm-this\"\n  source_image_id = var.image_id\n}\n";
    repo.write("modules/vm/main.tf", vm);
    let r = check_json(&repo, &["."]);
    let found = finding(
        &r,
        "module.app.module.vm.azurerm_linux_virtual_machine.this",
    );
    let (line, column) = line_col(&root, &format!("\"{MANAGED}\""));
    assert_eq!(found["path"], "main.tf", "{found:#}");
    assert_eq!(
        (found["line"].as_u64(), found["column"].as_u64()),
        (Some(line), Some(column)),
        "{found:#}"
    );
    let hops: Vec<(String, u64)> = found["related"]
        .as_array()
        .expect("related")
        .iter()
        .filter(|r| r["path"] != "plan.json")
        .map(|r| {
            (
                r["path"].as_str().unwrap_or_default().to_owned(),
                r["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert!(
        hops.contains(&("modules/vm/main.tf".to_owned(), 5))
            && hops.contains(&("modules/app/main.tf".to_owned(), 5)),
        "{found:#}"
    );
}

#[test]
fn an_exemption_comment_in_the_tf_source_exempts_the_plans_finding() {
    // `#` and `//` are comments in Terraform's language; imagegate reads `imagegate-ignore` in
    // either on the line before the attribute a plan's finding points at.
    let repo = Repo::new();
    repo.write("plan.json", plan());
    repo.write("main.tf", root_tf("./modules/vm"));
    let module = MODULE_TF.replace(
        "  source_image_reference {",
        "  # imagegate-ignore IG001: the jammy Marketplace image until the golden build (OPS-12)\n  source_image_reference {",
    );
    repo.write("modules/vm/main.tf", &module);
    let r = check_json(&repo, &["."]);
    let exempted = finding(&r, "module.vm.azurerm_linux_virtual_machine.this");
    assert_eq!(exempted["status"], "exempt", "{exempted:#}");
    assert_eq!(
        exempted["suppression"]["justification"],
        "the jammy Marketplace image until the golden build (OPS-12)"
    );
    // The other VM's finding still counts.
    assert_eq!(
        finding(&r, "azurerm_linux_virtual_machine.direct")["status"],
        "open"
    );
}

#[test]
fn a_named_tf_file_is_judged_through_the_plan_that_places_findings_in_it() {
    // pre-commit on a `.tf` change, or an editor's `.tf` buffer: the plan beside the root
    // module places its findings in the `.tf` files (its folder's, and the local modules they
    // call), so a run naming one of them judges the plan and keeps what lies in the file.
    let repo = Repo::new();
    repo.write("plan.json", plan());
    repo.write("main.tf", root_tf("./modules/vm"));
    repo.write("modules/vm/main.tf", MODULE_TF);
    git(repo.path(), &["init", "-q"]);
    let full = check_json(&repo, &["."]);
    for (named, address) in [
        ("main.tf", "azurerm_linux_virtual_machine.direct"),
        (
            "modules/vm/main.tf",
            "module.vm.azurerm_linux_virtual_machine.this",
        ),
    ] {
        let one = check_json(&repo, &[named]);
        assert_eq!(finding(&one, address)["path"], named, "{one:#}");
        assert_eq!(
            finding(&one, address)["fingerprint"],
            finding(&full, address)["fingerprint"]
        );
        assert_eq!(one["findings"].as_array().map(Vec::len), Some(1), "{one:#}");
    }
}
