//! Terraform configurations judged from their sources (#27): a folder's `.tf` files together,
//! with the variable definitions Terraform loads beside them, evaluated as Terraform evaluates
//! them where that is known offline; anything else IG002, never a pass. The fixtures are
//! `testdata/terraform-src/` (each cites the Terraform documentation it follows); temporary
//! repositories cover the rest.

use crate::common::*;
use serde_json::Value;
use std::path::Path;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/terraform-src");

/// A copy of the fixture folder `name` in a git repository of its own.
fn fixture(name: &str) -> Repo {
    let repo = Repo::new();
    copy_tree(&Path::new(FIXTURES).join(name), repo.path());
    git(repo.path(), &["init", "-q"]);
    repo
}

/// Where a finding is: rule, path, line and column.
type Place = (String, String, u64, u64);

/// `(rule, path, line, column)` of each finding.
fn places(report: &Value) -> Vec<Place> {
    placed(report)
}

/// A repository with the rollout policy of testdata/rollout/fixes (1.6.2 is the newest good
/// version on 2026-11-28) and its gallery, and the gallery image whose versions it rolls out.
fn rollout_fixes() -> (Repo, &'static str) {
    let repo = Repo::new();
    let fixes = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/rollout/fixes");
    std::fs::copy(
        fixes.join("imagegate.toml"),
        repo.path().join("imagegate.toml"),
    )
    .unwrap();
    copy_tree(&fixes.join("gallery"), &repo.path().join("gallery"));
    let gallery = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu-22.04";
    (repo, gallery)
}

fn place(rule: &str, path: &str, line: u64, column: u64) -> Place {
    (rule.into(), path.into(), line, column)
}

/// A VM of `image` (the lines of its image, as written inside the resource block).
fn vm(name: &str, image: &str) -> String {
    format!(
        "resource \"azurerm_linux_virtual_machine\" \"{name}\" {{\n  name                = \"vm-{name}\"\n  resource_group_name = \"rg-app\"\n  location            = \"westeurope\"\n  size                = \"Standard_D2s_v5\"\n{image}\n}}\n"
    )
}

const GOLDEN: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu-2204/versions/2.0.1";

#[test]
fn the_fixtures_hold() {
    let cases: &[(&str, Vec<Place>)] = &[
        // The block that writes the Marketplace reference.
        ("marketplace", vec![place("IG001", "main.tf", 28, 3)]),
        ("gallery-pinned", vec![]),
        // The value terraform.tfvars gives, not the default.
        (
            "tfvars-override",
            vec![place("IG001", "terraform.tfvars", 4, 15)],
        ),
        // The template that builds the ID from locals.
        ("local-template", vec![place("IG001", "main.tf", 27, 25)]),
        // The data source's reference, and the function not evaluated.
        (
            "unknown",
            vec![
                place("IG002", "main.tf", 21, 27),
                place("IG002", "main.tf", 42, 27),
            ],
        ),
        // The last `*.auto.tfvars` wins; two instances of one declaration, one finding.
        ("auto-tfvars", vec![place("IG001", "b.auto.tfvars", 2, 7)]),
        // The plan's finding, placed in the source: no second one from the source.
        ("with-plan", vec![place("IG001", "main.tf", 24, 3)]),
        // A module's output, evaluated with the call's arguments: where the ID is built.
        (
            "module-outputs",
            vec![place("IG001", "modules/images/main.tf", 28, 11)],
        ),
        // JSON syntax, with the folder's `.tf` file: the reference's object.
        ("json-syntax", vec![place("IG001", "main.tf.json", 29, 37)]),
        // What a `dynamic` block generates, from where its iterator's value is written.
        ("dynamic-blocks", vec![place("IG001", "main.tf", 24, 19)]),
        // Override files merged into the blocks they name: the override's image.
        (
            "override-files",
            vec![place("IG001", "image_override.tf", 7, 3)],
        ),
        // azapi bodies, an object or `jsonencode(object)`: the literal inside either.
        (
            "azapi",
            vec![
                place("IG001", "main.tf", 16, 26),
                place("IG001", "main.tf", 36, 16),
            ],
        ),
        // A `-var-file` the config maps to the module's folder: its value, in its context.
        ("var-files", vec![place("IG001", "env/prod.tfvars", 2, 12)]),
        // A platform image data source without `version`: `latest`, not approved.
        (
            "platform-image",
            vec![
                place("IG001", "main.tf", 11, 15),
                place("IG001", "main.tf", 36, 21),
            ],
        ),
    ];
    for (name, want) in cases {
        let repo = fixture(name);
        let report = check_json(&repo, &["."]);
        assert_eq!(&places(&report), want, "{name}: {report:#}");
    }
}

#[test]
fn findings_say_where_the_value_came_from() {
    let report = check_json(&fixture("tfvars-override"), &["."]);
    let finding = &report["findings"][0];
    assert_eq!(
        finding["resource"]["name"],
        "azurerm_windows_virtual_machine_scale_set.workers"
    );
    let related: Vec<String> = finding["related"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{}:{} {}",
                r["path"].as_str().unwrap(),
                r["line"],
                r["message"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        related
            .iter()
            .any(|r| r.starts_with("main.tf:") && r.contains("variable 'image'")),
        "{related:#?}"
    );
    let report = check_json(&fixture("local-template"), &["."]);
    assert!(
        report["findings"][0]["message"].as_str().unwrap().contains(
            "/resourceGroups/rg-images-prod/providers/Microsoft.Compute/images/ubuntu-2204-prod"
        ),
        "{report:#}"
    );
    let report = check_json(&fixture("auto-tfvars"), &["."]);
    let statuses = resource_statuses(&report);
    assert_eq!(statuses, ["noncompliant", "noncompliant"], "{report:#}");
}

#[test]
fn a_run_naming_only_a_tfvars_file_reports_the_finding_there() {
    // pre-commit on a changed `.tfvars`: the module of its folder is judged, and the report
    // keeps what lies in the named file, as the whole run reports it.
    for (name, file) in [
        ("tfvars-override", "terraform.tfvars"),
        ("auto-tfvars", "b.auto.tfvars"),
    ] {
        let repo = fixture(name);
        let full = check_json(&repo, &["."]);
        let one = assert_named_run_is_the_full_runs(&repo, &full, file, name);
        assert_eq!(
            rules_and_paths(&one),
            [("IG001".into(), file.into())],
            "{one:#}"
        );
    }
    // Any `.tf` file of the folder judges the folder (its lead is another file).
    let repo = fixture("tfvars-override");
    let full = check_json(&repo, &["."]);
    for named in ["main.tf", "variables.tf"] {
        assert_named_run_is_the_full_runs(&repo, &full, named, named);
    }
    // A definitions file that sets nothing judged: nothing.
    let repo = fixture("auto-tfvars");
    let one = check_json(&repo, &["a.auto.tfvars"]);
    assert!(places(&one).is_empty(), "{one:#}");
}

#[test]
fn the_plan_stands_for_the_configuration_it_was_made_from() {
    // With the plan: one finding (the plan's), placed in the source.
    let repo = fixture("with-plan");
    let report = check_json(&repo, &["."]);
    let finding = &report["findings"][0];
    assert_eq!(
        report["findings"].as_array().unwrap().len(),
        1,
        "{report:#}"
    );
    assert!(
        finding["related"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["path"] == "plan.json"),
        "the plan's finding: {finding:#}"
    );
    // The sources set aside are not a template of their own: the plan is the one counted.
    assert_eq!(report["summary"]["templates"], 1, "{report:#}");
    assert_eq!(report["summary"]["files_scanned"], 2, "{report:#}");
    // Named alone, the source is judged through the plan too.
    let one = check_json(&repo, &["main.tf"]);
    assert_eq!(places(&one), places(&report), "{one:#}");
    // Without the plan, the source is judged on its own: the same place, and the folder is
    // the template counted.
    std::fs::remove_file(repo.path().join("plan.json")).unwrap();
    let alone = check_json(&repo, &["."]);
    assert_eq!(alone["summary"]["templates"], 1, "{alone:#}");
    assert_eq!(places(&alone), places(&report), "{alone:#}");
    assert!(
        !alone["findings"][0]["related"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["path"] == "plan.json"),
        "{alone:#}"
    );
}

#[test]
fn variables_follow_terraforms_precedence() {
    // default < TF_VAR_ < terraform.tfvars < terraform.tfvars.json < *.auto.tfvars (lexical).
    let image = "  source_image_id = var.image";
    let declared = format!("variable \"image\" {{\n  default = \"{GOLDEN}\"\n}}\n");
    let repo = Repo::new();
    repo.write("main.tf", vm("app", image));
    repo.write("variables.tf", &declared);
    let managed = |name: &str| {
        format!(
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-images/providers/Microsoft.Compute/images/{name}"
        )
    };
    // The default: the golden image.
    assert!(places(&check_json(&repo, &["."])).is_empty());
    // TF_VAR_image over the default.
    let out = repo
        .imagegate(&["check", "--format", "json", "--exit-zero", "."])
        .env("TF_VAR_image", managed("from-env"))
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let message = report["findings"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(message.contains("from-env"), "{report:#}");
    // terraform.tfvars.json over terraform.tfvars.
    repo.write(
        "terraform.tfvars",
        format!("image = \"{}\"\n", managed("from-tfvars")),
    );
    repo.write(
        "terraform.tfvars.json",
        format!("{{\n  \"image\": \"{}\"\n}}\n", managed("from-json")),
    );
    let report = check_json(&repo, &["."]);
    assert_eq!(
        places(&report),
        [place("IG001", "terraform.tfvars.json", 2, 12)],
        "{report:#}"
    );
    // A `.auto.tfvars` over both.
    repo.write("prod.auto.tfvars", format!("image = \"{GOLDEN}\"\n"));
    assert!(places(&check_json(&repo, &["."])).is_empty());
}

#[test]
fn what_is_not_known_offline_is_ig002_never_a_pass() {
    let cases = [
        // No default, nothing sets it: at the variable.
        (
            "variable \"image\" {}\n",
            "  source_image_id = var.image",
            "has no default",
        ),
        // A resource attribute (computed at apply).
        (
            "",
            "  source_image_id = azurerm_shared_image_version.next.id",
            "known once Terraform applies it",
        ),
        // A `for` expression over a collection not known offline.
        (
            "",
            "  source_image_id = [for i in data.azurerm_resources.images.resources : i.id][0]",
            "read from Azure when Terraform plans",
        ),
        // A condition not known offline.
        (
            "",
            &format!(
                "  source_image_id = data.azurerm_client_config.c.tenant_id == \"x\" ? \"{GOLDEN}\" : \"{GOLDEN}\""
            ),
            "read from Azure when Terraform plans",
        ),
        // A `dynamic` block over a collection not known offline.
        (
            "",
            "  dynamic \"source_image_reference\" {\n    for_each = data.azurerm_resources.images.resources\n    content {\n      publisher = \"Canonical\"\n    }\n  }",
            "read from Azure when Terraform plans",
        ),
        // A template directive whose condition is not known offline.
        (
            "",
            &format!(
                "  source_image_id = \"%{{ if data.azurerm_client_config.c.tenant_id == \"x\" }}{GOLDEN}%{{ endif }}\""
            ),
            "read from Azure when Terraform plans",
        ),
    ];
    for (extra, image, why) in cases {
        let repo = Repo::new();
        repo.write("main.tf", format!("{extra}{}", vm("app", image)));
        let report = check_json(&repo, &["."]);
        assert_eq!(finding_rules(&report), ["IG002"], "{image}: {report:#}");
        let message = report["findings"][0]["message"].as_str().unwrap();
        assert!(message.contains(why), "{image}: {message}");
        assert_eq!(resource_statuses(&report), ["unresolved"], "{image}");
    }
}

#[test]
fn known_values_are_evaluated_as_terraform_does() {
    // Each expression evaluates to the golden image (compliant: evaluated, not unresolved),
    // and, with `terraform.tfvars` naming another gallery, to an image of that gallery
    // (IG001): none passes for want of evaluating.
    let cases: [&str; 11] = [
        "source_image_id = \"${local.gallery}/images/ubuntu-2204/versions/2.0.1\"",
        "source_image_id = lookup(local.ids, \"prod\", \"x\")",
        "source_image_id = merge(local.ids, { dev = \"x\" }).prod",
        "source_image_id = try(local.ids.missing, local.ids[\"prod\"])",
        "source_image_id = coalesce(null, \"\", local.ids.prod)",
        "source_image_id = format(\"%s/images/%s/versions/%s\", local.gallery, \"ubuntu-2204\", \"2.0.1\")",
        "source_image_id = join(\"/\", [local.gallery, \"images\", lower(\"UBUNTU-2204\"), \"versions\", \"2.0.1\"])",
        "source_image_id = var.env == \"prod\" && true ? local.ids.prod : \"x\"",
        "source_image_id = local.list[1]",
        "source_image_id = [for k, v in local.ids : v if k == \"prod\"][0]",
        "source_image_id = { for k, v in local.ids : upper(k) => v }[\"PROD\"]",
    ];
    let gallery = GOLDEN.split("/images/").next().unwrap();
    let locals = format!(
        "variable \"env\" {{\n  default = \"prod\"\n}}\n\nvariable \"gallery\" {{\n  default = \"{gallery}\"\n}}\n\nlocals {{\n  gallery = var.gallery\n  ids     = {{ prod = \"${{var.gallery}}/images/ubuntu-2204/versions/2.0.1\" }}\n  list    = [\"x\", local.ids.prod]\n}}\n\n"
    );
    let policy = "[approved]\nimages = [\"/subscriptions/*/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/*\"]\n";
    let other = gallery.replace("corpGallery", "shadowGallery");
    for case in &cases {
        let repo = Repo::new();
        repo.write("imagegate.toml", policy);
        repo.write(
            "main.tf",
            format!("{locals}{}", vm("app", &format!("  {case}"))),
        );
        let report = check_json(&repo, &["."]);
        assert!(places(&report).is_empty(), "{case}: {report:#}");
        assert_eq!(resource_statuses(&report), ["compliant"], "{case}");
        repo.write("terraform.tfvars", format!("gallery = \"{other}\"\n"));
        let report = check_json(&repo, &["."]);
        assert_eq!(finding_rules(&report), ["IG001"], "{case}: {report:#}");
        let message = report["findings"][0]["message"].as_str().unwrap();
        assert!(
            message.contains("/galleries/shadowGallery/images/ubuntu-2204/versions/2.0.1 "),
            "{case}: {message}"
        );
    }
    // for_each over a known map: one instance per key, judged with `each.value`.
    let repo = Repo::new();
    let each = format!(
        "resource \"azurerm_linux_virtual_machine\" \"pool\" {{\n  for_each        = {{ a = \"{GOLDEN}\", b = \"/subscriptions/0/resourceGroups/rg/providers/Microsoft.Compute/images/old\" }}\n  name            = \"vm-${{each.key}}\"\n  source_image_id = each.value\n}}\n"
    );
    repo.write("main.tf", each);
    let report = check_json(&repo, &["."]);
    assert_eq!(
        resource_statuses(&report),
        ["compliant", "noncompliant"],
        "{report:#}"
    );
    assert_eq!(
        report["findings"][0]["resource"]["name"],
        "azurerm_linux_virtual_machine.pool[\"b\"]"
    );
    // for_each over a set of strings (`toset`): each.key and each.value are the element.
    let repo = Repo::new();
    repo.write(
        "main.tf",
        format!(
            "locals {{\n  images = {{ a = \"{GOLDEN}\", b = \"/subscriptions/0/resourceGroups/rg/providers/Microsoft.Compute/images/old\" }}\n}}\n\nresource \"azurerm_linux_virtual_machine\" \"pool\" {{\n  for_each        = toset([\"b\", \"a\", \"b\"])\n  name            = \"vm-${{each.key}}\"\n  source_image_id = local.images[each.value]\n}}\n"
        ),
    );
    let report = check_json(&repo, &["."]);
    assert_eq!(
        resource_statuses(&report),
        ["compliant", "noncompliant"],
        "{report:#}"
    );
    // count = 0: nothing is deployed, nothing judged.
    let repo = Repo::new();
    repo.write("main.tf", vm("none", "  count = 0\n  source_image_id = \"/subscriptions/0/resourceGroups/rg/providers/Microsoft.Compute/images/old\""));
    let report = check_json(&repo, &["."]);
    assert!(
        places(&report).is_empty() && resource_statuses(&report).is_empty(),
        "{report:#}"
    );
}

#[test]
fn ids_of_data_sources_and_resources_are_composed_from_their_arguments() {
    // A gallery image version's ID is its resource group, gallery, image and version
    // (https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/data-sources/shared_image_version):
    // composed as the plan frontend composes it (the catalogue's `[[terraform_id]]`), the
    // provider's subscription not known offline. `recent` and `latest` read whatever is newest.
    let data = |version: &str| {
        format!(
            "data \"azurerm_shared_image_version\" \"golden\" {{\n  name                = \"{version}\"\n  image_name          = \"ubuntu-2204\"\n  gallery_name        = \"corpGallery\"\n  resource_group_name = \"rg-golden\"\n}}\n\n{}",
            vm(
                "app",
                "  source_image_id = data.azurerm_shared_image_version.golden.id"
            )
        )
    };
    let policy = "[approved]\nimages = [\"/subscriptions/*/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/*\"]\n";
    for (version, rule) in [
        ("2.0.1", None),
        ("recent", Some("IG003")),
        ("latest", Some("IG003")),
    ] {
        let repo = Repo::new();
        repo.write("imagegate.toml", policy);
        repo.write("main.tf", data(version));
        let report = check_json(&repo, &["."]);
        assert_eq!(
            finding_rules(&report),
            rule.into_iter().collect::<Vec<_>>(),
            "{version}: {report:#}"
        );
        assert_eq!(
            resource_statuses(&report),
            ["compliant"],
            "{version}: {report:#}"
        );
    }
    // Another gallery: IG001, at the reference, naming the data source.
    let repo = Repo::new();
    repo.write("imagegate.toml", policy);
    repo.write(
        "main.tf",
        data("2.0.1").replace("corpGallery", "shadowGallery"),
    );
    let report = check_json(&repo, &["."]);
    assert_eq!(finding_rules(&report), ["IG001"], "{report:#}");
    assert!(
        report["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("/galleries/shadowGallery/images/ubuntu-2204/versions/2.0.1"),
        "{report:#}"
    );
    // A managed image the configuration creates: its ID from its arguments, IG001.
    let repo = Repo::new();
    repo.write(
        "main.tf",
        format!(
            "resource \"azurerm_image\" \"legacy\" {{\n  name                = \"legacy\"\n  resource_group_name = \"rg-images\"\n}}\n\n{}",
            vm("app", "  source_image_id = azurerm_image.legacy.id")
        ),
    );
    let report = check_json(&repo, &["."]);
    assert_eq!(finding_rules(&report), ["IG001"], "{report:#}");
    assert!(
        report["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("/resourceGroups/rg-images/providers/Microsoft.Compute/images/legacy is not an approved image"),
        "{report:#}"
    );
}

#[test]
fn local_modules_are_evaluated_with_their_callers_arguments() {
    // https://developer.hashicorp.com/terraform/language/modules/syntax: a module's variables
    // are set by the arguments of the `module` block that calls it.
    let repo = Repo::new();
    repo.write(
        "main.tf",
        "variable \"image\" {\n  default = \"/subscriptions/0/resourceGroups/rg/providers/Microsoft.Compute/images/old\"\n}\n\nmodule \"vm\" {\n  source   = \"./modules/vm\"\n  for_each = { web = \"a\", db = \"b\" }\n  image_id = var.image\n}\n\nmodule \"golden\" {\n  source = \"./modules/vm\"\n}\n\nmodule \"network\" {\n  source = \"./modules/network\"\n}\n\nmodule \"naming\" {\n  source  = \"Azure/naming/azurerm\"\n  version = \"0.4.0\"\n}\n",
    );
    repo.write(
        "modules/vm/main.tf",
        format!(
            "variable \"image_id\" {{\n  default = \"{GOLDEN}\"\n}}\n\n{}",
            vm("this", "  source_image_id = var.image_id")
        ),
    );
    repo.write(
        "modules/network/main.tf",
        "resource \"azurerm_virtual_network\" \"this\" {\n  name = \"vnet\"\n}\n",
    );
    repo.write("terraform.tfvars", "image = \"/subscriptions/0/resourceGroups/rg/providers/Microsoft.Compute/images/from-tfvars\"\n");
    git(repo.path(), &["init", "-q"]);
    let report = check_json(&repo, &["."]);
    // The caller's value (from terraform.tfvars) for both instances of module.vm: one
    // finding at the .tfvars value; the call that passes nothing takes the module's default
    // (the golden image); the registry module is IG002 at its `source`. The module folders
    // are judged through their caller only (no finding of their own: `image_id` unset).
    assert_eq!(
        places(&report),
        [
            place("IG002", "main.tf", 20, 13),
            place("IG001", "terraform.tfvars", 1, 9)
        ],
        "{report:#}"
    );
    let mut names: Vec<&str> = report["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "module.golden.azurerm_linux_virtual_machine.this",
            "module.naming",
            "module.vm[\"db\"].azurerm_linux_virtual_machine.this",
            "module.vm[\"web\"].azurerm_linux_virtual_machine.this",
        ],
        "{report:#}"
    );
    let message = report["findings"][1]["message"].as_str().unwrap();
    assert!(
        message.contains("input 'image_id' of module.vm["),
        "{message}"
    );
    // The module folders are judged as part of their caller: one template.
    assert_eq!(report["summary"]["templates"], 1, "{report:#}");
    // A run naming the module's file judges it through its caller.
    assert_named_run_is_the_full_runs(&repo, &report, "modules/vm/main.tf", "module");
    // A module input nothing sets: IG002 at the module's variable.
    repo.write(
        "modules/vm/main.tf",
        format!(
            "variable \"image_id\" {{}}\n\n{}",
            vm("this", "  source_image_id = var.image_id")
        ),
    );
    let report = check_json(&repo, &["."]);
    let unset: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["message"]
                .as_str()
                .unwrap()
                .contains("the module call does not set it")
        })
        .collect();
    assert_eq!(unset.len(), 1, "{report:#}");
    assert_eq!(unset[0]["path"], "modules/vm/main.tf", "{report:#}");
}

#[test]
fn the_source_judgement_agrees_with_the_plans() {
    // The plan of tests/it/tfsource.rs (a root VM with a managed image, a module VM with a
    // Marketplace image) and the configuration it was made from: judged from the plan, and
    // from the sources alone, the same findings at the same places.
    let repo = Repo::new();
    repo.write("plan.json", crate::tfsource::plan());
    repo.write("main.tf", crate::tfsource::root_tf("./modules/vm"));
    repo.write("modules/vm/main.tf", crate::tfsource::MODULE_TF);
    let with_plan = check_json(&repo, &["."]);
    std::fs::remove_file(repo.path().join("plan.json")).unwrap();
    let sources = check_json(&repo, &["."]);
    let rules_and_places = |r: &Value| -> Vec<(String, String, u64, u64, String)> {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().to_string(),
                    f["path"].as_str().unwrap().to_string(),
                    f["line"].as_u64().unwrap(),
                    f["column"].as_u64().unwrap(),
                    f["resource"]["name"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    assert_eq!(rules_and_places(&with_plan).len(), 2, "{with_plan:#}");
    assert_eq!(
        rules_and_places(&sources),
        rules_and_places(&with_plan),
        "{sources:#}"
    );
}

#[test]
fn broken_and_hostile_sources_are_ig000_or_bounded() {
    // A syntax error: IG000 where it is, and the other files of the folder still judged.
    let repo = Repo::new();
    repo.write(
        "a.tf",
        "resource \"azurerm_linux_virtual_machine\" \"x\" {\n  name = \n",
    );
    repo.write(
        "b.tf",
        vm("ok", "  source_image_id = \"/subscriptions/0/resourceGroups/rg/providers/Microsoft.Compute/images/old\""),
    );
    let report = check_json(&repo, &["."]);
    assert_eq!(
        rules_and_paths(&report),
        [
            ("IG000".into(), "a.tf".into()),
            ("IG001".into(), "b.tf".into())
        ],
        "{report:#}"
    );
    // Brackets nested past the bound: IG000, not a deep parse.
    let repo = Repo::new();
    let deep = format!(
        "locals {{\n  x = {}1{}\n}}\n",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    repo.write("main.tf", deep);
    let report = check_json(&repo, &["."]);
    assert_eq!(finding_rules(&report), ["IG000"], "{report:#}");
    // An object too wide for the parser to read in time (its time grows with the square of
    // the members), in either syntax: IG000, not minutes of parsing.
    for (name, text) in [
        (
            "main.tf",
            format!(
                "locals {{\n  m = {{\n{}  }}\n}}\n",
                (0..20_000)
                    .map(|i| format!("    k{i} = 1\n"))
                    .collect::<String>()
            ),
        ),
        (
            "main.tf.json",
            format!(
                "{{\"locals\": {{\"m\": {{{}}}}}}}",
                (0..20_000)
                    .map(|i| format!("\"k{i}\": 1"))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        ),
    ] {
        let repo = Repo::new();
        repo.write(name, text);
        let report = check_json(&repo, &["."]);
        assert_eq!(finding_rules(&report), ["IG000"], "{name}");
        assert!(
            report["findings"][0]["message"]
                .as_str()
                .unwrap()
                .contains("more members than imagegate reads"),
            "{report:#}"
        );
    }
    // A local that reads itself: IG002 (a cycle), not a loop.
    let repo = Repo::new();
    repo.write(
        "main.tf",
        format!(
            "locals {{\n  a = local.b\n  b = local.a\n}}\n{}",
            vm("x", "  source_image_id = local.a")
        ),
    );
    assert_eq!(finding_rules(&check_json(&repo, &["."])), ["IG002"]);
    // A step budget spent: unknown (IG002), never a pass.
    let dir = tempfile::tempdir().unwrap();
    let big: String = (0..200).map(|i| format!("  l{i} = \"{i}\"\n")).collect();
    let refs: String = (0..200).map(|i| format!("${{local.l{i}}}")).collect();
    std::fs::write(
        dir.path().join("main.tf"),
        format!(
            "locals {{\n{big}}}\n{}",
            vm("x", &format!("  source_image_id = \"{GOLDEN}{refs}\""))
        ),
    )
    .unwrap();
    let limits = imagegate::workspace::Limits {
        max_steps: 100,
        ..imagegate::workspace::Limits::default()
    };
    let report = check_with_limits(dir.path(), limits);
    assert_eq!(finding_rules(&report), ["IG002"], "{report:#}");
}

#[test]
fn a_fix_edits_the_tfvars_value_that_decides_the_version() {
    // The rollout policy of testdata/rollout/fixes (1.6.2 is the newest good version on
    // 2026-11-28): the version is interpolated from a variable that terraform.tfvars sets, so
    // `--fix` edits the `.tfvars` value, not the template.
    let (repo, gallery) = rollout_fixes();
    repo.write(
        "main.tf",
        vm(
            "web",
            &format!("  source_image_id = \"{gallery}/versions/${{var.image_version}}\""),
        )
        .replacen(
            "resource",
            "variable \"image_version\" {\n  default = \"1.2.0\"\n}\n\nresource",
            1,
        ),
    );
    repo.write("terraform.tfvars", "image_version = \"1.3.0\"\n");
    let out = repo
        .imagegate(&["check", "--diff", "."])
        .env("IMAGEGATE_TODAY", "2026-11-28")
        .output()
        .unwrap();
    let diff = String::from_utf8(out.stdout).unwrap();
    assert!(
        diff.contains("--- a/terraform.tfvars\n+++ b/terraform.tfvars\n@@ -1,1 +1,1 @@\n-image_version = \"1.3.0\"\n+image_version = \"1.6.2\"\n"),
        "{diff}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!diff.contains("main.tf"), "{diff}");
}

#[test]
fn exemption_comments_in_tf_and_tfvars_files_exempt_their_findings() {
    // `#` comments are Terraform's (https://developer.hashicorp.com/terraform/language/syntax/configuration#comments).
    let old = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Compute/images/old";
    let repo = Repo::new();
    repo.write(
        "main.tf",
        vm(
            "web",
            &format!("  # imagegate-ignore IG001: build agent image (SEC-42)\n  source_image_id = \"{old}\""),
        ),
    );
    let report = check_json(&repo, &["."]);
    assert_eq!(statuses(&report), ["exempt"], "{report:#}");
    // Without the comment, the finding stands.
    repo.write(
        "main.tf",
        vm("web", &format!("  source_image_id = \"{old}\"")),
    );
    assert_eq!(statuses(&check_json(&repo, &["."])), ["open"]);
    // Above the .tfvars value that decides the image.
    repo.write("variables.tf", "variable \"image\" {}\n");
    repo.write("main.tf", vm("web", "  source_image_id = var.image"));
    repo.write("terraform.tfvars", format!("image = \"{old}\"\n"));
    assert_eq!(statuses(&check_json(&repo, &["."])), ["open"]);
    repo.write(
        "terraform.tfvars",
        format!("# imagegate-ignore IG001: build agent image (SEC-42)\nimage = \"{old}\"\n"),
    );
    let report = check_json(&repo, &["."]);
    assert_eq!(statuses(&report), ["exempt"], "{report:#}");
}

/// The status of each finding (`open` when it counts, `exempt` when a comment exempts it).
fn statuses(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["status"].as_str().unwrap_or("open").to_string())
        .collect()
}

#[test]
fn modules_terraform_init_installed_are_read_from_its_manifest() {
    // `terraform init` installs registry and git modules under `.terraform/modules` and names
    // each call's folder in `modules.json` (by key: `vm`, `vm.disk`); without it the call is
    // IG002 saying so.
    let repo = Repo::new();
    repo.write(
        "main.tf",
        "module \"vm\" {\n  source  = \"Azure/avm-res-compute-virtualmachine/azurerm\"\n  version = \"0.19.0\"\n  image   = \"/subscriptions/0/resourceGroups/rg/providers/Microsoft.Compute/images/old\"\n}\n",
    );
    let report = check_json(&repo, &["."]);
    assert_eq!(finding_rules(&report), ["IG002"], "{report:#}");
    assert!(
        report["findings"][0]["message"].as_str().unwrap().contains(
            "run `terraform init` so that `.terraform/modules/modules.json` names its folder"
        ),
        "{report:#}"
    );
    repo.write(
        ".terraform/modules/vm/main.tf",
        format!(
            "variable \"image\" {{}}\n\n{}",
            vm("this", "  source_image_id = var.image")
        ),
    );
    repo.write(
        ".terraform/modules/modules.json",
        r#"{"Modules":[{"Key":"","Source":"","Dir":"."},{"Key":"vm","Source":"registry.terraform.io/Azure/avm-res-compute-virtualmachine/azurerm","Version":"0.19.0","Dir":".terraform/modules/vm"}]}"#,
    );
    let report = check_json(&repo, &["."]);
    assert_eq!(
        places(&report),
        [place("IG001", "main.tf", 4, 13)],
        "the caller's argument: {report:#}"
    );
    assert_eq!(
        report["findings"][0]["resource"]["name"],
        "module.vm.azurerm_linux_virtual_machine.this"
    );
    // An installed module's output, read by the caller, is evaluated as a local module's is.
    repo.write(
        ".terraform/modules/img/main.tf",
        format!("output \"id\" {{\n  value = \"{GOLDEN}\"\n}}\n"),
    );
    repo.write(
        ".terraform/modules/modules.json",
        r#"{"Modules":[{"Key":"","Source":"","Dir":"."},{"Key":"img","Source":"registry.terraform.io/contoso/golden-image/azurerm","Version":"1.0.0","Dir":".terraform/modules/img"}]}"#,
    );
    repo.write(
        "main.tf",
        format!(
            "module \"img\" {{\n  source  = \"contoso/golden-image/azurerm\"\n  version = \"1.0.0\"\n}}\n\n{}",
            vm("app", "  source_image_id = module.img.id")
        ),
    );
    let report = check_json(&repo, &["."]);
    assert!(places(&report).is_empty(), "{report:#}");
    assert_eq!(resource_statuses(&report), ["compliant"], "{report:#}");
}

#[test]
fn counted_module_calls_nested_deep_stay_within_the_resource_budget() {
    // Each level calls the next a thousand times: a million million instances, were they
    // all made. Module instances are resources of the file's budget (as nested deployments
    // are): the run ends, and what it did not judge is IG002, never a pass.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for level in 0..4 {
        let folder = if level == 0 {
            root.to_path_buf()
        } else {
            root.join(format!("m{level}"))
        };
        std::fs::create_dir_all(&folder).unwrap();
        let next = format!(
            "module \"next\" {{\n  source = \"{}m{}\"\n  count  = 1000\n}}\n",
            if level == 0 { "./" } else { "../" },
            level + 1
        );
        std::fs::write(folder.join("main.tf"), next).unwrap();
    }
    std::fs::create_dir_all(root.join("m4")).unwrap();
    std::fs::write(
        root.join("m4/main.tf"),
        vm("leaf", "  source_image_id = \"/subscriptions/0/resourceGroups/rg/providers/Microsoft.Compute/images/old\""),
    )
    .unwrap();
    let limits = imagegate::workspace::Limits {
        max_resources: 50,
        ..imagegate::workspace::Limits::default()
    };
    let report = check_with_limits(dir.path(), limits);
    let rules = finding_rules(&report);
    assert!(rules.contains(&"IG002".to_string()), "{report:#}");
    assert!(rules.contains(&"IG001".to_string()), "{report:#}");
    // The same calls read through their outputs (each level outputs its last instance's):
    // the step budget ends the reading, and the VM that reads it is IG002.
    for level in 1..4 {
        let next = format!(
            "module \"next\" {{\n  source = \"../m{}\"\n  count  = 1000\n}}\n\noutput \"id\" {{\n  value = module.next[999].id\n}}\n",
            level + 1
        );
        std::fs::write(root.join(format!("m{level}/main.tf")), next).unwrap();
    }
    std::fs::write(
        root.join("m4/main.tf"),
        "output \"id\" {\n  value = \"/subscriptions/0/resourceGroups/rg/providers/Microsoft.Compute/images/old\"\n}\n",
    )
    .unwrap();
    std::fs::write(
        root.join("main.tf"),
        format!(
            "module \"next\" {{\n  source = \"./m1\"\n  count  = 1000\n}}\n\n{}",
            vm("app", "  source_image_id = module.next[0].id")
        ),
    )
    .unwrap();
    let limits = imagegate::workspace::Limits {
        max_steps: 20_000,
        ..imagegate::workspace::Limits::default()
    };
    let report = check_with_limits(dir.path(), limits);
    assert_eq!(finding_rules(&report), ["IG002"], "{report:#}");
}

#[test]
fn module_outputs_are_evaluated_with_the_callers_arguments() {
    // https://developer.hashicorp.com/terraform/language/values/outputs#accessing-child-module-outputs:
    // `module.NAME.OUTPUT`; a call with `for_each` is a map of instances by key.
    let old = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Compute/images/old";
    let module = "variable \"image\" {\n  default = \"GOLDEN\"\n}\n\noutput \"id\" {\n  value = var.image\n}\n"
        .replace("GOLDEN", GOLDEN);
    let repo = Repo::new();
    repo.write("modules/image/main.tf", &module);
    repo.write(
        "main.tf",
        format!(
            "module \"img\" {{\n  source   = \"./modules/image\"\n  for_each = {{ web = \"{GOLDEN}\", db = \"{old}\" }}\n  image    = each.value\n}}\n\n{}{}",
            vm("web", "  source_image_id = module.img[\"web\"].id"),
            vm("db", "  source_image_id = module.img[\"db\"].id"),
        ),
    );
    let report = check_json(&repo, &["."]);
    assert_eq!(
        resource_statuses(&report),
        ["compliant", "noncompliant"],
        "{report:#}"
    );
    assert_eq!(
        places(&report),
        [place("IG001", "main.tf", 3, 191)],
        "{report:#}"
    );
    // What is not evaluated is IG002, saying why: a registry module `terraform init` has not
    // installed, an output the module does not declare, a module that calls itself.
    let cases = [
        (
            "module \"img\" {\n  source = \"Azure/avm-res-compute-image/azurerm\"\n}\n",
            "module.img.id",
            "run `terraform init`",
        ),
        (
            "module \"img\" {\n  source = \"./modules/image\"\n}\n",
            "module.img.missing",
            "missing",
        ),
        (
            "module \"img\" {\n  source = \"./\"\n}\n\noutput \"id\" {\n  value = module.img.id\n}\n",
            "module.img.id",
            "calls itself",
        ),
        (
            "locals {\n  id = module.img.id\n}\n\nmodule \"img\" {\n  source = \"./modules/image\"\n  image  = local.id\n}\n",
            "local.id",
            "refers to itself",
        ),
    ];
    for (calls, reference, why) in cases {
        let repo = Repo::new();
        repo.write("modules/image/main.tf", &module);
        repo.write(
            "main.tf",
            format!(
                "{calls}\n{}",
                vm("app", &format!("  source_image_id = {reference}"))
            ),
        );
        let report = check_json(&repo, &["."]);
        let rules = finding_rules(&report);
        assert!(
            rules.contains(&"IG002".to_string()),
            "{reference}: {report:#}"
        );
        let messages: Vec<&str> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["message"].as_str().unwrap())
            .collect();
        assert!(
            messages.iter().any(|m| m.contains(why)),
            "{reference}: {messages:#?}"
        );
        assert!(
            !resource_statuses(&report).contains(&"compliant".to_string()),
            "{reference}: {report:#}"
        );
    }
}

#[test]
fn json_sources_are_judged_with_the_folders_tf_files() {
    // https://developer.hashicorp.com/terraform/language/syntax/json: `.tf.json` files are
    // read with the folder's `.tf` files as one module; a string is a template, a nested
    // block an object (or an array of them), a `dynamic` block an object per label.
    let old = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Compute/images/old";
    let repo = fixture("json-syntax");
    // Named alone (a hook's changed file), the JSON file judges its folder.
    let full = check_json(&repo, &["."]);
    assert_named_run_is_the_full_runs(&repo, &full, "main.tf.json", "json");
    // A folder of JSON alone: a module call, its output, a `dynamic` block, `count`.
    let repo = Repo::new();
    repo.write(
        "modules/image/main.tf.json",
        r#"{"variable": {"name": {"type": "string"}}, "output": {"id": {"value": "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Compute/images/${var.name}"}}}"#,
    );
    repo.write(
        "main.tf.json",
        format!(
            r#"{{
  "module": {{ "img": {{ "source": "./modules/image", "name": "old" }} }},
  "resource": {{
    "azurerm_linux_virtual_machine": {{
      "a": {{ "name": "vm-a", "count": 2, "source_image_id": "${{module.img.id}}" }},
      "b": {{
        "name": "vm-b",
        "dynamic": {{
          "source_image_reference": {{
            "for_each": "${{[\"Canonical\"]}}",
            "content": {{ "publisher": "${{source_image_reference.value}}", "offer": "o", "sku": "s", "version": "1.0.0" }}
          }}
        }}
      }},
      "c": {{ "name": "vm-c", "source_image_id": "{GOLDEN}" }}
    }}
  }}
}}
"#
        ),
    );
    git(repo.path(), &["init", "-q"]);
    let report = check_json(&repo, &["."]);
    assert_eq!(
        rules_and_paths(&report),
        [
            ("IG001".into(), "main.tf.json".into()),
            ("IG001".into(), "modules/image/main.tf.json".into()),
        ],
        "{report:#}"
    );
    assert_eq!(
        resource_statuses(&report),
        ["noncompliant", "noncompliant", "noncompliant", "compliant"],
        "{report:#}"
    );
    let messages: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(messages[0].contains("Canonical:o:s:1.0.0"), "{messages:?}");
    assert!(messages[1].contains(old), "{messages:?}");
    // Not JSON: IG000 where it breaks.
    repo.write("main.tf.json", "{\"resource\": {\n");
    let report = check_json(&repo, &["."]);
    assert_eq!(finding_rules(&report), ["IG000"], "{report:#}");
    // A plan beside JSON sources stands for them: one finding, the plan's.
    let repo = fixture("with-plan");
    std::fs::remove_file(repo.path().join("main.tf")).unwrap();
    repo.write(
        "main.tf.json",
        r#"{"resource": {"azurerm_linux_virtual_machine": {"web": {"name": "vm-web", "source_image_reference": {"publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2", "version": "latest"}}}}}"#,
    );
    let report = check_json(&repo, &["."]);
    assert_eq!(
        rules_and_paths(&report),
        [("IG001".into(), "plan.json".into())],
        "{report:#}"
    );
    std::fs::remove_file(repo.path().join("plan.json")).unwrap();
    let report = check_json(&repo, &["."]);
    assert_eq!(
        rules_and_paths(&report),
        [("IG001".into(), "main.tf.json".into())],
        "{report:#}"
    );
}

#[test]
fn a_machine_without_an_image_argument_is_ig002_saying_what_is_missing() {
    // A VM takes `source_image_id` or `source_image_reference`, and the provider rejects one
    // with neither (https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/linux_virtual_machine#source_image_id);
    // the legacy VM's `storage_image_reference` is Optional and Computed
    // (https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/virtual_machine#storage_image_reference):
    // a plan of either says IG002, and so do the sources, never a pass.
    let legacy = |os_disk: &str| {
        format!(
            "resource \"azurerm_virtual_machine\" \"old\" {{\n  name    = \"vm-old\"\n  vm_size = \"Standard_D2s_v5\"\n\n  storage_os_disk {{\n{os_disk}\n  }}\n}}\n"
        )
    };
    let cases = [
        (vm("bare", ""), "Terraform requires one of them"),
        (
            vm("null", "  source_image_id = null"),
            "Terraform requires one of them",
        ),
        (
            legacy("    name          = \"osdisk\"\n    create_option = \"FromImage\""),
            "a plan shows it known only after apply",
        ),
        // A Batch pool's image is a required block.
        (
            "resource \"azurerm_batch_pool\" \"agents\" {\n  name         = \"agents\"\n  vm_size      = \"Standard_D2s_v5\"\n  node_agent_sku_id = \"batch.node.ubuntu 22.04\"\n}\n".to_string(),
            "it writes no `storage_image_reference`, which Terraform requires",
        ),
    ];
    for (tf, why) in cases {
        let repo = Repo::new();
        repo.write("main.tf", &tf);
        let report = check_json(&repo, &["."]);
        assert_eq!(finding_rules(&report), ["IG002"], "{tf}: {report:#}");
        let message = report["findings"][0]["message"].as_str().unwrap();
        assert!(message.contains(why), "{message}");
        assert_eq!(places(&report)[0].2, 1, "at the resource block: {report:#}");
    }
    // An OS disk attached instead of an image: reported as such, no IG002.
    let disk = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Compute/disks/os";
    for tf in [
        vm("attached", &format!("  os_managed_disk_id = \"{disk}\"")),
        legacy(&format!(
            "    name            = \"osdisk\"\n    create_option   = \"Attach\"\n    managed_disk_id = \"{disk}\""
        )),
    ] {
        let repo = Repo::new();
        repo.write("main.tf", &tf);
        let report = check_json(&repo, &["."]);
        assert!(
            !finding_rules(&report).contains(&"IG002".to_string()),
            "{tf}: {report:#}"
        );
    }
}

/// Each resource's judgement in `report`: its status and the rules of its findings, by name.
fn judgements(report: &Value) -> std::collections::BTreeMap<String, (String, Vec<String>)> {
    let mut out: std::collections::BTreeMap<String, (String, Vec<String>)> = report["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let name = r["name"].as_str().unwrap().to_string();
            (
                name,
                (r["status"].as_str().unwrap().to_string(), Vec::new()),
            )
        })
        .collect();
    for f in report["findings"].as_array().unwrap() {
        let Some(name) = f["resource"]["name"].as_str() else {
            continue;
        };
        if let Some((_, rules)) = out.get_mut(name) {
            rules.push(f["rule"].as_str().unwrap().to_string());
            rules.sort();
        }
    }
    out
}

/// How the sources' judgement of a configuration compares with its plan's, per resource.
#[derive(Debug, Default, PartialEq)]
struct Agreement {
    /// Resources both judge alike (the same status, the same rules).
    same: usize,
    /// Resources the sources leave unresolved (IG002) where the plan knows more: the plan
    /// reads Azure and the values given on Terraform's command line; never a pass.
    plan_knows_more: usize,
    /// Resources judged differently, or judged by one only: what must not be.
    differ: Vec<String>,
}

/// The sources of the configuration in `repo` (its plans, `plans`, removed) judged against
/// the plans'.
fn agreement(repo: &Repo, plans: &[&str]) -> Agreement {
    let with_plan = judgements(&check_json(repo, &["."]));
    for plan in plans {
        std::fs::remove_file(repo.path().join(plan)).unwrap();
    }
    let sources = judgements(&check_json(repo, &["."]));
    let mut out = Agreement::default();
    for (name, judged) in &with_plan {
        match sources.get(name) {
            Some(s) if s == judged => out.same += 1,
            Some((status, rules))
                if status == "unresolved" && rules.iter().all(|r| r == "IG002") =>
            {
                out.plan_knows_more += 1
            }
            Some(s) => out
                .differ
                .push(format!("{name}: plan {judged:?}, sources {s:?}")),
            None => out
                .differ
                .push(format!("{name}: plan {judged:?}, sources none")),
        }
    }
    for name in sources.keys().filter(|n| !with_plan.contains_key(*n)) {
        out.differ.push(format!("{name}: sources only"));
    }
    out
}

#[test]
fn the_sources_of_every_plan_fixture_are_judged_as_their_plan() {
    // The Terraform configurations behind the plan fixtures (the plan made from the sources
    // beside it): judged from the sources alone, each resource as its plan judges it. The
    // sources may know less than the plan (a data source Terraform reads from Azure: IG002),
    // never judge otherwise.
    let mut cases: Vec<(String, Repo, Vec<&str>)> = Vec::new();
    for (name, plans) in [
        ("with-plan", vec!["plan.json"]),
        ("with-plan-legacy-vm", vec!["plan.out.json"]),
        // testdata/provenance/tfplan/fires.json and its configuration: disk chains.
        ("with-plan-provenance", vec!["plan.json"]),
    ] {
        cases.push((name.to_string(), fixture(name), plans));
    }
    // The plan of tests/it/tfsource.rs and its configuration.
    let repo = Repo::new();
    repo.write("plan.json", crate::tfsource::plan());
    repo.write("main.tf", crate::tfsource::root_tf("./modules/vm"));
    repo.write("modules/vm/main.tf", crate::tfsource::MODULE_TF);
    cases.push(("tfsource".to_string(), repo, vec!["plan.json"]));
    let mut total = Agreement::default();
    for (name, repo, plans) in cases {
        let a = agreement(&repo, &plans);
        assert!(a.differ.is_empty(), "{name}: {a:#?}");
        assert!(a.same + a.plan_knows_more > 0, "{name}: nothing judged");
        total.same += a.same;
        total.plan_knows_more += a.plan_knows_more;
    }
    assert_eq!(
        (total.same, total.plan_knows_more),
        (11, 0),
        "every resource judged alike: {total:#?}"
    );
}

#[test]
fn a_fix_edits_the_json_string_that_decides_the_version() {
    // The rollout policy of testdata/rollout/fixes (1.6.2 is the newest good version on
    // 2026-11-28), the version a JSON variable's default: `--fix` edits that JSON string.
    let (repo, gallery) = rollout_fixes();
    repo.write(
        "main.tf.json",
        format!(
            "{{\n  \"variable\": {{ \"image_version\": {{ \"default\": \"1.2.0\" }} }},\n  \"resource\": {{ \"azurerm_linux_virtual_machine\": {{ \"web\": {{\n    \"name\": \"vm-web\",\n    \"source_image_id\": \"{gallery}/versions/${{var.image_version}}\"\n  }} }} }}\n}}\n"
        ),
    );
    let out = repo
        .imagegate(&["check", "--diff", "."])
        .env("IMAGEGATE_TODAY", "2026-11-28")
        .output()
        .unwrap();
    let diff = String::from_utf8(out.stdout).unwrap();
    assert!(
        diff.contains("-  \"variable\": { \"image_version\": { \"default\": \"1.2.0\" } },\n+  \"variable\": { \"image_version\": { \"default\": \"1.6.2\" } },\n"),
        "{diff}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// What a run naming `file` alone says on standard error.
fn said_of(repo: &Repo, file: &str) -> String {
    let out = repo
        .imagegate(&["check", "--exit-zero", file])
        .output()
        .expect("run");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `-var-file` definitions mapped to a module's folder in `[parameter_files]` are contexts of
/// their own, read after what Terraform loads by itself
/// (<https://developer.hashicorp.com/terraform/language/values/variables#variable-definitions-tfvars-files>):
/// a run naming one reports what it decides, the other context's file alone reports nothing,
/// and without the mapping neither is read (the variable's default is judged: what a plan run
/// without `-var-file` deploys).
#[test]
fn var_files_mapped_in_the_config_are_contexts() {
    let repo = fixture("var-files");
    let prod = check_json(&repo, &["env/prod.tfvars"]);
    assert_eq!(
        places(&prod),
        vec![place("IG001", "env/prod.tfvars", 2, 12)],
        "{prod:#}"
    );
    assert_eq!(
        prod["findings"][0]["parameter_file"], "env/prod.tfvars",
        "{prod:#}"
    );
    let dev = check_json(&repo, &["env/dev.tfvars"]);
    assert_eq!(places(&dev), vec![], "{dev:#}");
    assert_eq!(
        dev["resources"].as_array().map(Vec::len),
        Some(1),
        "{dev:#}"
    );
    let said = said_of(&repo, "env/dev.tfvars");
    assert!(!said.contains("not judged"), "{said}");
    repo.write("imagegate.toml", "");
    let unmapped = check_json(&repo, &["."]);
    assert_eq!(places(&unmapped), vec![], "{unmapped:#}");
    // Named alone, an unmapped -var-file is read by nothing: said, not passed in silence.
    let said = said_of(&repo, "env/prod.tfvars");
    assert!(
        said.contains("env/prod.tfvars: not judged: Terraform loads only terraform.tfvars"),
        "{said}"
    );
    // The files Terraform loads by itself are read with their module: nothing to say.
    repo.write("terraform.tfvars", "image_id = \"/x\"\n");
    let said = said_of(&repo, "terraform.tfvars");
    assert!(!said.contains("not judged"), "{said}");
}

/// A mapping that leads out of the scanned roots is not read: a note says so, and the module
/// is still judged in its other contexts.
#[test]
fn a_var_file_mapped_outside_the_roots_is_not_read() {
    let repo = fixture("var-files");
    repo.write(
        "imagegate.toml",
        "[parameter_files]\n\".\" = [\"../secret.tfvars\", \"env/prod.tfvars\"]\n",
    );
    let out = repo
        .imagegate(&["check", "--format", "json", "--exit-zero", "."])
        .output()
        .expect("run");
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        places(&report),
        vec![place("IG001", "env/prod.tfvars", 2, 12)],
        "{report:#}"
    );
    assert!(stderr.contains("secret.tfvars"), "{stderr}");
}
