//! Findings a user can act on (#11): one finding per problem, saying what it covers, with a
//! fingerprint of its own that survives moved lines; messages without noise. Each input is
//! written as a template author (or a Terraform user, or a config author) writes it.

use crate::common::{Repo, arm_template, arm_vm, check_json};
use serde_json::Value;

const UBUNTU: &str = r#"{ "publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2", "version": "latest" }"#;

fn findings(report: &Value) -> &Vec<Value> {
    report["findings"].as_array().expect("findings")
}

/// Every finding's identity (rule, path, line, column, message): none may repeat.
fn assert_no_duplicates(report: &Value) {
    let mut seen = std::collections::BTreeSet::new();
    for f in findings(report) {
        let key = (
            f["rule"].to_string(),
            f["path"].to_string(),
            f["line"].to_string(),
            f["column"].to_string(),
            f["message"].to_string(),
        );
        assert!(seen.insert(key), "duplicate finding {f:#}");
    }
    let mut prints = std::collections::BTreeSet::new();
    for f in findings(report) {
        assert!(
            prints.insert(f["fingerprint"].as_str().unwrap().to_string()),
            "fingerprint shared: {report:#}"
        );
    }
}

/// Resources of one template (two VMs and a copy loop of three) whose image comes from one
/// variable, judged with two parameter files: one problem (the variable's literal), one
/// finding, which names every resource and both parameter files.
#[test]
fn resources_and_contexts_sharing_one_literal_get_one_finding() {
    let repo = Repo::new();
    let resources = [
        arm_vm("web", r#""[variables('image')]""#, ""),
        arm_vm("db", r#""[variables('image')]""#, ""),
        arm_vm(
            "[concat('app-', copyIndex())]",
            r#""[variables('image')]""#,
            r#" "copy": { "name": "apps", "count": 3 },"#,
        ),
    ]
    .join(",");
    repo.write(
        "azuredeploy.json",
        arm_template(
            r#""size": { "type": "string", "defaultValue": "small" }"#,
            &format!(r#""image": {UBUNTU}"#),
            &resources,
        ),
    );
    let parameters =
        r#"{ "contentVersion": "1.0.0.0", "parameters": { "size": { "value": "large" } } }"#;
    repo.write("azuredeploy.parameters.json", parameters);
    repo.write("azuredeploy.parameters.prod.json", parameters);
    let report = check_json(&repo, &[]);
    assert_no_duplicates(&report);
    let all = findings(&report);
    assert_eq!(all.len(), 1, "{report:#}");
    assert_eq!(
        all[0]["message"],
        "Marketplace image Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest is not an approved image; the value comes from variable 'image' (for 3 resources: virtualMachines 'web', 'db', 'app-0' (3 instances of copy loop 'apps')) (with parameter files azuredeploy.parameters.json, azuredeploy.parameters.prod.json)"
    );
    // Each resource's declaration is a related location.
    let related = all[0]["related"].to_string();
    for name in ["web", "db", "app-0"] {
        assert!(
            related.contains(&format!("virtualMachines '{name}' is declared here")),
            "{related}"
        );
    }
    // Every resource is still counted.
    assert_eq!(report["summary"]["resources_judged"], 10, "{report:#}");
}

/// The instances of a copy loop whose image cannot be known: one IG002 that says how many
/// instances it covers, as Terraform's instances do; some of them when a condition leaves
/// some out; every one when the count is not known.
#[test]
fn a_copy_loops_ig002_says_how_many_instances_it_covers() {
    let cases = [
        (
            r#""count": 3"#,
            "",
            " (covers the 3 instances of copy loop 'vms')",
        ),
        (
            r#""count": 3"#,
            r#" "condition": "[not(equals(copyIndex(), 1))]","#,
            " (covers 2 of the 3 instances of copy loop 'vms')",
        ),
        (
            r#""count": "[parameters('count')]""#,
            "",
            " (covers every instance of copy loop 'vms', whose count is not known offline)",
        ),
    ];
    for (count, condition, tail) in cases {
        let repo = Repo::new();
        let vm = arm_vm(
            "[concat('vm-', copyIndex())]",
            r#"{ "id": "[parameters('imageId')]" }"#,
            &format!(r#" "copy": {{ "name": "vms", {count} }},{condition}"#),
        );
        repo.write(
            "azuredeploy.json",
            arm_template(
                r#""imageId": { "type": "string" }, "count": { "type": "int" }"#,
                "",
                &vm,
            ),
        );
        let report = check_json(&repo, &[]);
        assert_no_duplicates(&report);
        let all = findings(&report);
        assert_eq!(all.len(), 1, "{report:#}");
        assert_eq!(all[0]["rule"], "IG002");
        let message = all[0]["message"].as_str().unwrap();
        assert!(message.ends_with(tail), "{message}");
        assert!(
            message.contains("parameter 'imageId' has no default"),
            "{message}"
        );
    }
}

/// Two instances of one copy loop taking the same image from two different literals (the
/// sccm-currentbranch pattern: a variable per role, indexed by the copy index): two problems,
/// two findings, two fingerprints.
fn two_roles(image_b: &str, blank_lines: usize) -> String {
    let vm = arm_vm(
        "[concat('vm-', variables('roles')[copyIndex()])]",
        r#""[variables('info')[variables('roles')[copyIndex()]].imageReference]""#,
        r#" "copy": { "name": "roleLoop", "count": 2 },"#,
    );
    let template = arm_template(
        "",
        &format!(
            r#""roles": ["DC", "PS"],
    "info": {{
      "DC": {{ "imageReference": {UBUNTU} }},
      "PS": {{ "imageReference": {image_b} }}
    }}"#
        ),
        &vm,
    );
    // Blank lines above everything: every line moves.
    template.replacen('{', &format!("{{{}", "\n".repeat(blank_lines)), 1)
}

fn prints(report: &Value) -> Vec<(u64, String)> {
    findings(report)
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["fingerprint"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn instances_taking_their_image_from_different_literals_have_their_own_fingerprints() {
    let repo = Repo::new();
    repo.write("azuredeploy.json", two_roles(UBUNTU, 0));
    let report = check_json(&repo, &[]);
    assert_no_duplicates(&report);
    let before = prints(&report);
    assert_eq!(before.len(), 2, "{report:#}");
    assert_ne!(before[0].1, before[1].1);
    assert_ne!(before[0].0, before[1].0);

    // Lines moved: the same fingerprints.
    repo.write("azuredeploy.json", two_roles(UBUNTU, 7));
    let moved = prints(&check_json(&repo, &[]));
    assert_eq!(moved.len(), 2);
    for ((line, print), (moved_line, moved_print)) in before.iter().zip(&moved) {
        assert_eq!(*moved_line, line + 7);
        assert_eq!(print, moved_print);
    }

    // One image changed: that finding's fingerprint changes, the other's does not.
    let other = UBUNTU.replace("22_04-lts-gen2", "22_04-lts");
    repo.write("azuredeploy.json", two_roles(&other, 0));
    let changed = prints(&check_json(&repo, &[]));
    assert_eq!(changed.len(), 2);
    assert_eq!(changed[0], before[0]);
    assert_eq!(changed[1].0, before[1].0);
    assert_ne!(changed[1].1, before[1].1);
}

/// A plain VM: its fingerprint survives moved lines and follows its image.
#[test]
fn a_fingerprint_survives_moved_lines_and_follows_the_image() {
    let repo = Repo::new();
    let template = |image: &str, blank: usize| {
        arm_template("", "", &arm_vm("vm", image, "")).replacen(
            '{',
            &format!("{{{}", "\n".repeat(blank)),
            1,
        )
    };
    repo.write("azuredeploy.json", template(UBUNTU, 0));
    let before = prints(&check_json(&repo, &[]));
    repo.write("azuredeploy.json", template(UBUNTU, 3));
    let moved = prints(&check_json(&repo, &[]));
    assert_eq!(moved[0].0, before[0].0 + 3);
    assert_eq!(moved[0].1, before[0].1);
    repo.write(
        "azuredeploy.json",
        template(&UBUNTU.replace("latest", "22.04.202411010"), 0),
    );
    let changed = prints(&check_json(&repo, &[]));
    assert_ne!(changed[0].1, before[0].1);
}

/// A linked template deployed by two deployments of its caller, its image left to a
/// parameter neither sets: the same finding twice at the same place before; now one, which
/// says it is deployed twice.
#[test]
fn a_linked_template_deployed_twice_gets_one_finding() {
    let repo = Repo::new();
    let deployment = |name: &str| {
        format!(
            r#"{{ "type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "{name}",
      "properties": {{ "mode": "Incremental", "templateLink": {{ "relativePath": "nested/vm.json" }},
        "parameters": {{ "vmName": {{ "value": "{name}-vm" }} }} }} }}"#
        )
    };
    repo.write(
        "azuredeploy.json",
        arm_template("", "", &[deployment("one"), deployment("two")].join(",")),
    );
    repo.write(
        "nested/vm.json",
        arm_template(
            r#""vmName": { "type": "string" }, "imageId": { "type": "string" }"#,
            "",
            &arm_vm(
                "[parameters('vmName')]",
                r#"{ "id": "[parameters('imageId')]" }"#,
                "",
            ),
        ),
    );
    let report = check_json(&repo, &["azuredeploy.json"]);
    assert_no_duplicates(&report);
    let all = findings(&report);
    assert_eq!(all.len(), 1, "{report:#}");
    assert_eq!(all[0]["path"], "nested/vm.json");
    let message = all[0]["message"].as_str().unwrap();
    assert!(
        message.ends_with(" (for 2 resources: virtualMachines 'one-vm', 'two-vm')"),
        "{message}"
    );
}

/// An image ID written as a bare name (not a resource ID): the message shows it as written,
/// never with a `/` in front that the author did not write.
#[test]
fn a_value_that_is_not_an_id_is_shown_as_written() {
    let repo = Repo::new();
    repo.write(
        "azuredeploy.json",
        arm_template("", "", &arm_vm("vm", r#"{ "id": "ubuntu-golden" }"#, "")),
    );
    let report = check_json(&repo, &[]);
    let all = findings(&report);
    assert_eq!(all.len(), 1, "{report:#}");
    assert_eq!(all[0]["rule"], "IG001");
    assert_eq!(
        all[0]["message"],
        "Image `ubuntu-golden` (not a resource ID) is not an approved image"
    );
    assert!(!report.to_string().contains("/ubuntu-golden"), "{report:#}");
}

/// A Terraform plan as `terraform show -json` writes it (one long line) whose VM's
/// `source_image_id` is known only after apply and has no configuration to follow: the
/// finding points at the attribute's mark with its name, so the human output (which shows a
/// long line's flagged text after the label) never says a bare "…: true".
#[test]
fn an_attribute_known_only_after_apply_is_shown_by_its_name() {
    let repo = Repo::new();
    let plan = r#"{"format_version":"1.2","terraform_version":"1.9.5","resource_changes":[{"address":"azurerm_linux_virtual_machine.app","mode":"managed","type":"azurerm_linux_virtual_machine","name":"app","provider_name":"registry.terraform.io/hashicorp/azurerm","change":{"actions":["create"],"before":null,"after":{"name":"app","location":"westeurope","resource_group_name":"rg-app","size":"Standard_D2s_v5","admin_username":"azureuser"},"after_unknown":{"id":true,"source_image_id":true},"before_sensitive":false,"after_sensitive":{}}}]}"#;
    repo.write("plan.json", plan);
    let report = check_json(&repo, &[]);
    let all = findings(&report);
    assert_eq!(all.len(), 1, "{report:#}");
    assert_eq!(all[0]["rule"], "IG002");
    let mark = plan.find(r#""source_image_id":true"#).unwrap() as u64;
    assert_eq!(all[0]["column"], mark + 1, "{report:#}");
    assert_eq!(all[0]["end_column"], mark + 1 + 22, "{report:#}");
    let out = repo
        .imagegate(&["check", "--exit-zero", "plan.json"])
        .output()
        .expect("run");
    let human = String::from_utf8_lossy(&out.stdout);
    assert!(!human.contains("deployment: true"), "{human}");
    assert!(
        human.contains(r#"image not known before deployment: "source_image_id":true"#),
        "{human}"
    );
}

/// A config whose `[[approved.marketplace]]` entry leaves out `sku`: the error names the
/// entry's key path, the file and the line (it said a bare "missing field `sku`").
#[test]
fn a_config_error_names_the_key() {
    let repo = Repo::new();
    repo.write("azuredeploy.json", arm_template("", "", ""));
    repo.write(
        "imagegate.toml",
        "mode = \"deny\"\n\n[[approved.marketplace]]\npublisher = \"Canonical\"\noffer = \"0001-com-ubuntu-server-jammy\"\nsku = \"22_04-lts-gen2\"\n\n[[approved.marketplace]]\npublisher = \"Canonical\"\noffer = \"ubuntu-24_04-lts\"\n",
    );
    let out = repo.imagegate(&["check", "."]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("imagegate.toml:8: key `approved.marketplace[1]`: missing field `sku`"),
        "{stderr}"
    );
}

/// Whether `message` repeats a phrase before a colon right after it ("malformed expression:
/// malformed expression: …", "cannot parse ARM template: cannot parse …").
fn doubled_prefix(message: &str) -> Option<String> {
    for (i, _) in message.match_indices(": ") {
        let before = &message[..i];
        // The phrase: up to four words back, within the clause.
        let clause = before
            .rsplit(['(', ';', '←', ':'])
            .next()
            .unwrap_or(before)
            .trim();
        let words: Vec<&str> = clause.split_whitespace().collect();
        // Two words at least: "image: image…" could be meant.
        for n in 2..=words.len().min(4) {
            let phrase = words[words.len() - n..].join(" ");
            if message[i + 2..].starts_with(phrase.as_str()) {
                return Some(phrase);
            }
        }
    }
    None
}

/// Malformed expressions everywhere they can be written (a variable, a parameter's default, a
/// resource name, an inline nested template, a template embedded in a Terraform plan) and a
/// broken parameter file: no message and no label repeats its prefix. (The doubled
/// "malformed expression: malformed expression" was fixed before #11; this keeps it so in
/// every place an expression error is worded.)
#[test]
fn no_message_doubles_its_prefix() {
    let repo = Repo::new();
    let nested = r#"{ "type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "inner",
      "properties": { "mode": "Incremental", "expressionEvaluationOptions": { "scope": "inner" },
        "template": { "contentVersion": "1.0.0.0", "resources": [
          { "type": "Microsoft.Compute/virtualMachines", "apiVersion": "2024-03-01", "name": "vm-inner",
            "properties": { "storageProfile": { "imageReference": { "id": "[concat('x', ]" } } } } ] } } }"#;
    repo.write(
        "azuredeploy.json",
        arm_template(
            r#""p": { "type": "string", "defaultValue": "[concat('a', ]" }"#,
            r#""bad": "[concat('a', ]", "name": "[foo(]", "viaParameter": "[parameters('p')]""#,
            &[
                arm_vm(
                    "[variables('name')]",
                    r#"{ "id": "[variables('bad')]" }"#,
                    "",
                ),
                arm_vm("vm2", r#"{ "id": "[variables('viaParameter')]" }"#, ""),
                nested.to_string(),
            ]
            .join(","),
        ),
    );
    repo.write(
        "azuredeploy.parameters.json",
        r#"{ "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#", "parameters": { "p": { "value": "#,
    );
    let embedded = arm_template(
        "",
        "",
        &arm_vm("vm-embedded", r#"{ "id": "[concat('x', ]" }"#, ""),
    );
    let after = serde_json::json!({
        "name": "deploy", "resource_group_name": "rg-app", "deployment_mode": "Incremental",
        "template_content": embedded,
    });
    repo.write(
        "plan.json",
        format!(
            r#"{{"format_version":"1.2","terraform_version":"1.9.5","resource_changes":[{{"address":"azurerm_resource_group_template_deployment.d","mode":"managed","type":"azurerm_resource_group_template_deployment","name":"d","provider_name":"registry.terraform.io/hashicorp/azurerm","change":{{"actions":["create"],"before":null,"after":{after},"after_unknown":{{"id":true}},"before_sensitive":false,"after_sensitive":{{}}}}}}]}}"#
        ),
    );
    let report = check_json(&repo, &[]);
    let rules = crate::common::finding_rules(&report);
    assert!(
        rules.iter().filter(|r| *r == "IG000").count() >= 4,
        "{report:#}"
    );
    assert!(rules.iter().any(|r| r == "IG002"), "{report:#}");
    for message in crate::common::finding_messages(&report) {
        assert_eq!(doubled_prefix(&message), None, "{message}");
    }
    let out = repo
        .imagegate(&["check", "--exit-zero", "."])
        .output()
        .expect("run");
    let human = String::from_utf8_lossy(&out.stdout);
    for line in human.lines() {
        assert_eq!(doubled_prefix(line), None, "{line}");
    }
    // The guard itself sees a doubled prefix.
    assert!(
        doubled_prefix("cannot parse ARM template: malformed expression: malformed expression: x")
            .is_some()
    );
}

#[test]
fn help_names_what_the_repository_already_deploys() {
    // Two templates pin versions 1.9.2 and 1.10.0 of the golden definition; a third deploys it
    // unpinned, a fourth a Marketplace image. The unpinned one is told the newest version the
    // repository deploys (numerically: 1.10.0), the Marketplace one the golden image to use.
    let definition = crate::common::GOLDEN_VERSION.trim_end_matches("/versions/1.4.0");
    let vm = |version: &str| {
        arm_template(
            "",
            "",
            &arm_vm("vm", &format!(r#"{{ "id": "{definition}{version}" }}"#), ""),
        )
    };
    let repo = Repo::new();
    repo.write("a/azuredeploy.json", vm("/versions/1.9.2"));
    repo.write("b/azuredeploy.json", vm("/versions/1.10.0"));
    repo.write("c/azuredeploy.json", vm(""));
    repo.write(
        "d/azuredeploy.json",
        crate::common::marketplace_vm("legacy"),
    );
    let report = check_json(&repo, &["."]);
    let help = |path: &str| -> String {
        report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .find(|f| f["path"] == path)
            .and_then(|f| f["help"].as_str())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(
        help("c/azuredeploy.json"),
        format!(
            "pin a tested version: the newest this repository deploys is `{definition}/versions/1.10.0`"
        )
    );
    assert!(
        help("d/azuredeploy.json").contains(&format!(
            " (this repository deploys the approved `{definition}/versions/1.10.0`), or allow"
        )),
        "{}",
        help("d/azuredeploy.json")
    );
    // Without a pinned deployment to learn from, the help stays general.
    let alone = Repo::new();
    alone.write("c/azuredeploy.json", vm(""));
    let report = check_json(&alone, &["."]);
    let finding = &report["findings"][0];
    assert_eq!(
        finding["help"].as_str(),
        Some(format!("pin a tested version: `{definition}/versions/<major.minor.patch>`").as_str())
    );
}

/// Names in messages are the evaluated names (#25): text a template computes is shown as it
/// evaluates, and a part not known offline as what decides it — the parameter nobody sets
/// (`<prefix>`), else `<…>` (`uniqueString(resourceGroup().id)` is known only once deployed:
/// https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-string#uniquestring)
/// — never the expression as written.
#[test]
fn names_in_messages_are_evaluated_with_their_unknown_parts_labelled() {
    let repo = Repo::new();
    // The image comes from a parameter nobody sets: an IG002 that names its resource.
    let image = r#""[parameters('image')]""#;
    let resources = [
        arm_vm("[concat(parameters('prefix'), '-vm')]", image, ""),
        arm_vm(
            "[concat('web-', uniqueString(resourceGroup().id))]",
            image,
            "",
        ),
        arm_vm("[concat(variables('base'), '-db')]", image, ""),
    ]
    .join(",");
    repo.write(
        "azuredeploy.json",
        arm_template(
            r#""prefix": { "type": "string" }, "image": { "type": "object" }"#,
            r#""base": "[toLower('APP')]""#,
            &resources,
        ),
    );
    let report = check_json(&repo, &[]);
    let messages: Vec<&str> = findings(&report)
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    for name in ["<prefix>-vm", "web-<…>", "app-db"] {
        assert!(
            messages
                .iter()
                .any(|m| m.starts_with(&format!("the image of virtualMachines '{name}' cannot"))),
            "{name}: {messages:#?}"
        );
    }
    assert!(
        !messages.iter().any(|m| m.contains("concat(")),
        "{messages:#?}"
    );
    let names: Vec<&str> = report["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["<prefix>-vm", "web-<…>", "app-db"]);
}

/// An exemption's `resource` pattern covers a name with parts not known offline only if it
/// matches whatever those parts turn out to be: `*-vm` covers `<prefix>-vm` (every value ends
/// in `-vm`), `prod-*` does not (the prefix may be anything), and a pattern cannot match the
/// label or the expression as written (`*prefix*` matched `[concat(parameters('prefix'), …)]`
/// before #25: a false exemption).
#[test]
fn an_exemption_covers_a_name_not_wholly_known_only_whatever_it_is() {
    let repo = Repo::new();
    repo.write(
        "azuredeploy.json",
        arm_template(
            r#""prefix": { "type": "string" }"#,
            "",
            &arm_vm("[concat(parameters('prefix'), '-vm')]", UBUNTU, ""),
        ),
    );
    let status = |pattern: &str| {
        repo.write(
            "imagegate.toml",
            format!(
                "[[exempt]]\nresource = \"{pattern}\"\nreason = \"legacy (INFRA-1)\"\nexpires = \"2099-01-01\"\n"
            ),
        );
        let report = check_json(&repo, &[]);
        let f = findings(&report)
            .iter()
            .find(|f| f["rule"] == "IG001")
            .cloned()
            .expect("an IG001");
        f["status"].as_str().unwrap().to_string()
    };
    assert_eq!(status("*-vm"), "exempt");
    assert_eq!(status("*"), "exempt");
    assert_eq!(status("prod-*"), "open");
    assert_eq!(status("*prefix*"), "open");
    assert_eq!(status("<prefix>-vm"), "open");
}
