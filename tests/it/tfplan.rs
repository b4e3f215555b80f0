//! Terraform plan and state JSON (`terraform show -json`): every image-bearing resource the plan
//! creates or changes is judged, findings point at the exact value in the (one-line) plan and
//! name the full resource address; deletes, no-ops, forgets and reads are not judged; unknown
//! values are resolved through the configuration where they can be; sensitive values are never
//! printed.

use crate::common::Command;
use crate::common::*;
use serde_json::Value;

const MANIFEST: &str = env!("CARGO_MANIFEST_DIR");

const DEFINITION: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu-22.04-cis";
const MANAGED: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-legacy/providers/Microsoft.Compute/images/legacy-ubuntu";
const SECRET: &str = "Sup3r-Secret-Pa55!";
const CUSTOM_DATA: &str = "I2Nsb3VkLWNvbmZpZwpwYXNzd29yZDogaHVudGVyMg==";

/// `imagegate ARGS…` run in the crate root (so paths are `testdata/tfplan/…`).
fn imagegate(args: &[&str]) -> std::process::Output {
    Command::new()
        .current_dir(MANIFEST)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run")
}

fn fixture(name: &str) -> String {
    format!("testdata/tfplan/{name}")
}

fn report(name: &str) -> Value {
    let out = imagegate(&["check", "--format", "json", "--exit-zero", &fixture(name)]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON report")
}

fn text(name: &str) -> String {
    std::fs::read_to_string(format!("{MANIFEST}/{}", fixture(name))).expect("fixture")
}

/// The 1-based column of the byte `skip` bytes into `needle`, where `needle` is searched after
/// each of `anchors` in turn, in a one-line ASCII plan.
fn column(text: &str, anchors: &[&str], needle: &str, skip: usize) -> u64 {
    let mut from = 0;
    for anchor in anchors.iter().chain([&needle]) {
        from += text[from..]
            .find(anchor)
            .unwrap_or_else(|| panic!("`{anchor}` not in the fixture after byte {from}"));
    }
    (from + skip + 1) as u64
}

/// The anchors of a resource's entry in `resource_changes`.
fn change(address: &str) -> [String; 2] {
    [
        "\"resource_changes\":".to_string(),
        format!("{{\"address\":{}", serde_json::to_string(address).unwrap()),
    ]
}

fn anchors(a: &[String; 2]) -> [&str; 2] {
    [a[0].as_str(), a[1].as_str()]
}

/// The findings about the resource at `address`: its own, and those that cover it with
/// other resources (whose image comes from one literal), which list its declaration among
/// their related locations.
fn about<'a>(report: &'a Value, address: &str) -> Vec<&'a Value> {
    let declared = format!("'{address}' is declared here");
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| {
            f["resource"]["name"] == address
                || f["related"].as_array().is_some_and(|r| {
                    r.iter()
                        .any(|r| r["message"].as_str().unwrap().ends_with(&declared))
                })
        })
        .collect()
}

/// The one finding about `address`, with its rule checked.
fn one<'a>(report: &'a Value, address: &str, rule: &str) -> &'a Value {
    let found = about(report, address);
    assert_eq!(found.len(), 1, "{address}: {found:#?}");
    assert_eq!(found[0]["rule"], rule, "{address}: {:#?}", found[0]);
    found[0]
}

fn status(report: &Value, address: &str) -> String {
    let entries: Vec<_> = report["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .filter(|r| r["name"] == address)
        .collect();
    assert_eq!(entries.len(), 1, "{address}: {entries:#?}");
    entries[0]["status"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn names(report: &Value) -> Vec<String> {
    report["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|r| r["name"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn modern_vms_and_scale_sets_are_judged_where_their_image_is_written() {
    let r = report("vms-1.2.json");
    let t = text("vms-1.2.json");
    assert_eq!(
        status(&r, "azurerm_linux_virtual_machine.golden"),
        "compliant"
    );
    assert!(about(&r, "azurerm_linux_virtual_machine.golden").is_empty());

    let cis = one(&r, "azurerm_linux_virtual_machine.cis", "IG001");
    assert_eq!(cis["path"], "testdata/tfplan/vms-1.2.json");
    assert_eq!(cis["line"], 1);
    assert_eq!(
        cis["column"],
        column(
            &t,
            &anchors(&change("azurerm_linux_virtual_machine.cis")),
            r#""source_image_reference":[{"offer":"cis-ubuntu"#,
            26
        )
    );
    assert_eq!(cis["resource"]["type"], "azurerm_linux_virtual_machine");
    let message = cis["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(
            "center-for-internet-security-inc:cis-ubuntu-linux-2204-l1:cis-ubuntu2204-l1:latest"
        ),
        "{message}"
    );
    assert!(
        message.contains("(plan center-for-internet-security-inc:"),
        "{message}"
    );

    one(&r, "azurerm_windows_virtual_machine.win", "IG001");
    one(
        &r,
        "azurerm_windows_virtual_machine_scale_set.market",
        "IG001",
    );

    let unpinned = one(
        &r,
        "azurerm_linux_virtual_machine_scale_set.unpinned",
        "IG003",
    );
    let needle = format!(r#""source_image_id":"{DEFINITION}""#);
    let at = change("azurerm_linux_virtual_machine_scale_set.unpinned");
    assert_eq!(unpinned["column"], column(&t, &anchors(&at), &needle, 18));
    assert_eq!(
        unpinned["end_column"],
        column(&t, &anchors(&at), &needle, needle.len())
    );
    let flex = one(
        &r,
        "azurerm_orchestrated_virtual_machine_scale_set.flex",
        "IG003",
    );
    assert!(
        flex["message"]
            .as_str()
            .unwrap_or_default()
            .contains("/versions/latest")
    );

    // Deletes, no-ops and forgets are not judged; resources without an image are not listed.
    for skipped in [
        "azurerm_linux_virtual_machine.old",
        "azurerm_linux_virtual_machine.steady",
        "azurerm_linux_virtual_machine.parked",
        "azurerm_resource_group.app",
    ] {
        assert!(about(&r, skipped).is_empty(), "{skipped}");
        assert!(!names(&r).contains(&skipped.to_string()), "{skipped}");
    }
    assert_eq!(r["resources"].as_array().map(Vec::len), Some(6));
    assert_eq!(r["findings"].as_array().map(Vec::len), Some(5));
}

#[test]
fn legacy_types_in_format_0_1() {
    let r = report("legacy-0.1.json");
    let t = text("legacy-0.1.json");
    let market = one(&r, "azurerm_virtual_machine.market", "IG001");
    assert!(
        market["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Canonical:UbuntuServer:18.04-LTS:latest")
    );
    // The block whose `id` is "" is read as a marketplace reference, located at the block.
    assert_eq!(
        market["column"],
        column(
            &t,
            &anchors(&change("azurerm_virtual_machine.market")),
            r#""storage_image_reference":[{"id":"","offer":"UbuntuServer""#,
            27
        )
    );
    assert_eq!(status(&r, "azurerm_virtual_machine.golden"), "compliant");
    let vhd = one(&r, "azurerm_virtual_machine.vhd", "IG001");
    assert!(
        vhd["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with("VHD image https://legacyimages")
    );
    assert_eq!(
        vhd["column"],
        column(
            &t,
            &anchors(&change("azurerm_virtual_machine.vhd")),
            r#""image_uri":"https://legacyimages"#,
            12
        )
    );
    // An attached existing disk is listed, not judged.
    assert!(about(&r, "azurerm_virtual_machine.attached").is_empty());
    assert_eq!(status(&r, "azurerm_virtual_machine.attached"), "not-judged");
    let vmss = one(&r, "azurerm_virtual_machine_scale_set.legacy", "IG001");
    assert!(
        vmss["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with(&format!("Managed image {MANAGED}"))
    );
}

#[test]
fn module_count_and_for_each_addresses_are_exact_and_replaces_are_judged() {
    let r = report("modules-0.2.json");
    let t = text("modules-0.2.json");
    let blue = r#"module.app.module.web.azurerm_linux_virtual_machine.vm["web.eu-west \"blue\""]"#;
    let f = one(&r, blue, "IG001");
    // The second `source_image_reference` block of the file is in blue's `change.after`
    // (the first is in planned_values).
    assert_eq!(
        f["column"],
        column(
            &t,
            &anchors(&change(blue)),
            r#""source_image_reference":[{"offer""#,
            26
        )
    );
    assert_eq!(
        status(
            &r,
            r#"module.app.module.web.azurerm_linux_virtual_machine.vm["web.eu-west \"green\""]"#
        ),
        "compliant"
    );
    // Replace in both orders.
    one(
        &r,
        r#"module.pool["eu.west"].azurerm_linux_virtual_machine.worker[0]"#,
        "IG001",
    );
    one(
        &r,
        r#"module.pool["eu.west"].azurerm_linux_virtual_machine.worker[1]"#,
        "IG003",
    );
    // An in-place update.
    one(&r, "azurerm_windows_virtual_machine.jump", "IG001");
    assert_eq!(r["findings"].as_array().map(Vec::len), Some(4));
}

#[test]
fn addresses_are_composed_when_the_plan_has_none() {
    let repo = Repo::new();
    let plan = format!(
        r#"{{"format_version":"1.2","terraform_version":"1.9.5","resource_changes":[{{"module_address":"module.a.module.b","mode":"managed","type":"azurerm_linux_virtual_machine","name":"vm","index":"key.with\"quote","provider_name":"registry.terraform.io/hashicorp/azurerm","change":{{"actions":["create"],"before":null,"after":{{"name":"vm","source_image_id":"{DEFINITION}/versions/latest"}},"after_unknown":{{"id":true}},"before_sensitive":false,"after_sensitive":{{}}}}}}]}}"#
    );
    repo.write("plan.json", plan);
    let r = check_json(&repo, &[]);
    let f = &r["findings"][0];
    assert_eq!(f["rule"], "IG003");
    assert_eq!(
        f["resource"]["name"],
        r#"module.a.module.b.azurerm_linux_virtual_machine.vm["key.with\"quote"]"#
    );
}

/// An attribute the plan marks unknown is resolved through its one reference only when that
/// value is itself unknown at plan time; a reference known at plan time (a variable, a data
/// source read during plan) means the expression combines it with something unknown.
#[test]
fn unknown_values_resolve_only_through_values_unknown_at_plan_time() {
    let r = report("unknowns-1.2.json");
    let t = text("unknowns-1.2.json");

    // Known at plan time, yet the attribute is unknown: IG002 (they were once taken for the
    // attribute's value, a false compliant for `from_data`), at the unknown mark.
    for (address, reference) in [
        (
            "azurerm_linux_virtual_machine.from_data",
            "data.azurerm_shared_image_version.golden.id",
        ),
        (
            "azurerm_linux_virtual_machine.from_legacy_data",
            "data.azurerm_image.legacy.id",
        ),
        ("azurerm_linux_virtual_machine.from_var", "var.image_id"),
        (
            "module.fleet.azurerm_linux_virtual_machine_scale_set.vmss",
            "var.image",
        ),
    ] {
        let f = one(&r, address, "IG002");
        let message = f["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(&format!(
                "`source_image_id` is known only after apply (its expression combines `{reference}`, known at plan time, with something that is not)"
            )),
            "{message}"
        );
        assert_eq!(
            f["column"],
            column(
                &t,
                &anchors(&change(address)),
                r#""source_image_id":true"#,
                // The mark with its attribute's name, never a bare `true` (#11).
                0
            ),
            "{address}"
        );
    }

    // The ID of a gallery version the same plan creates, composed from its planned arguments
    // (the subscription stays unknown, and the approved glob has `*` there): compliant, both
    // directly and through a module input.
    for address in [
        "azurerm_linux_virtual_machine.from_new_image",
        "module.pool.azurerm_linux_virtual_machine_scale_set.vmss",
    ] {
        assert_eq!(status(&r, address), "compliant", "{address}");
        assert!(about(&r, address).is_empty(), "{address}");
    }
    let entry = r["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "azurerm_linux_virtual_machine.from_new_image")
        .unwrap();
    assert_eq!(
        entry["image"],
        "Gallery image /subscriptions/<unknown>/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu-22.04-cis/versions/1.5.0"
    );

    // A managed image the same plan bakes: IG001 (no subscription makes a managed image
    // approved), at the unknown mark, naming the resource it comes from.
    let baked = one(
        &r,
        "azurerm_linux_virtual_machine.from_baked_image",
        "IG001",
    );
    let message = baked["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("Managed image /subscriptions/<unknown>/resourceGroups/rg-build/providers/Microsoft.Compute/images/baked-ubuntu"),
        "{message}"
    );
    assert!(message.contains("azurerm_image.baked"), "{message}");
    assert_eq!(
        baked["column"],
        column(
            &t,
            &anchors(&change("azurerm_linux_virtual_machine.from_baked_image")),
            r#""source_image_id":true"#,
            0
        )
    );

    // A whole block unknown with no configuration expression: IG002.
    let opaque = one(&r, "azurerm_linux_virtual_machine.opaque_block", "IG002");
    assert!(
        opaque["message"]
            .as_str()
            .unwrap_or_default()
            .contains("`source_image_reference` is known only after apply")
    );
    // A whole block resolved member by member from the configuration: the known publisher
    // decides (no Marketplace image is approved), located at its literal in the
    // configuration (the field set outside the block, #22); the unknown mark, where the
    // block is, is a related location.
    let block = one(&r, "azurerm_linux_virtual_machine.whole_block", "IG001");
    assert_eq!(
        block["column"],
        column(
            &t,
            &[
                "\"configuration\":",
                "{\"address\":\"azurerm_linux_virtual_machine.whole_block\"",
                "\"publisher\":",
            ],
            r#"{"constant_value":"Canonical"}"#,
            18
        )
    );
    let mark = column(
        &t,
        &anchors(&change("azurerm_linux_virtual_machine.whole_block")),
        r#""source_image_reference":true"#,
        0,
    );
    assert!(
        block["related"]
            .as_array()
            .expect("related")
            .iter()
            .any(|r| r["column"] == mark
                && r["message"] == "the image is set here (`source_image_reference`)"),
        "{block:#}"
    );
    // One unknown field of a block.
    let field = one(&r, "azurerm_linux_virtual_machine.one_field", "IG001");
    assert!(
        field["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Canonical:0001-com-ubuntu-server-jammy:<unknown>:latest")
    );
}

#[test]
fn expressions_that_combine_references_are_not_guessed() {
    let repo = Repo::new();
    let plan = format!(
        r#"{{"format_version":"1.2","terraform_version":"1.9.5","variables":{{"a":{{"value":"{GOLDEN_VERSION}"}},"b":{{"value":"x"}}}},"resource_changes":[{{"address":"azurerm_linux_virtual_machine.vm","mode":"managed","type":"azurerm_linux_virtual_machine","name":"vm","provider_name":"registry.terraform.io/hashicorp/azurerm","change":{{"actions":["create"],"before":null,"after":{{"name":"vm"}},"after_unknown":{{"source_image_id":true}},"before_sensitive":false,"after_sensitive":{{}}}}}}],"configuration":{{"root_module":{{"resources":[{{"address":"azurerm_linux_virtual_machine.vm","mode":"managed","type":"azurerm_linux_virtual_machine","name":"vm","expressions":{{"source_image_id":{{"references":["var.a","var.b"]}}}}}}]}}}}}}"#
    );
    repo.write("plan.json", plan);
    let r = check_json(&repo, &[]);
    let f = &r["findings"][0];
    assert_eq!(f["rule"], "IG002");
    let message = f["message"].as_str().unwrap_or_default();
    assert!(message.contains("combines `var.a`, `var.b`"), "{message}");
}

#[test]
fn azapi_bodies_are_judged_with_the_arm_catalogue() {
    let r = report("azapi-1.2.json");
    let t = text("azapi-1.2.json");
    let vm = one(&r, "azapi_resource.vm", "IG001");
    assert_eq!(vm["resource"]["type"], "Microsoft.Compute/virtualMachines");
    assert_eq!(
        vm["column"],
        column(
            &t,
            &anchors(&change("azapi_resource.vm")),
            r#""imageReference":{"publisher""#,
            17
        )
    );
    // Body as a JSON string: located at the string.
    assert_eq!(status(&r, "azapi_resource.vmss"), "compliant");
    let disk = one(&r, "azapi_update_resource.disk", "IG003");
    assert_eq!(disk["resource"]["type"], "Microsoft.Compute/disks");
    assert_eq!(
        disk["column"],
        column(
            &t,
            &anchors(&change("azapi_update_resource.disk")),
            r#""body":"{\"location"#,
            7
        )
    );
    // Not an image-bearing ARM type.
    assert!(!names(&r).contains(&"azapi_resource.vnet".to_string()));
    assert_eq!(r["findings"].as_array().map(Vec::len), Some(2));
}

#[test]
fn other_image_bearing_types() {
    let r = report("other-types-1.2.json");
    let platform = one(&r, "azurerm_managed_disk.from_platform", "IG001");
    assert!(
        platform["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with("Platform image Canonical:")
    );
    assert_eq!(status(&r, "azurerm_managed_disk.from_gallery"), "compliant");
    assert_eq!(status(&r, "azurerm_managed_disk.empty"), "not-judged");
    one(&r, "azurerm_dev_test_linux_virtual_machine.lab", "IG001");
    one(
        &r,
        "azurerm_dev_test_windows_virtual_machine.labwin",
        "IG001",
    );
    assert_eq!(status(&r, "azurerm_batch_pool.golden"), "compliant");
    one(&r, "azurerm_batch_pool.market", "IG001");
    one(&r, "azurerm_dev_center_dev_box_definition.devbox", "IG001");
}

#[test]
fn an_aws_plan_has_nothing_to_judge() {
    let r = report("aws-only-1.2.json");
    assert_eq!(r["findings"].as_array().map(Vec::len), Some(0));
    assert_eq!(r["resources"].as_array().map(Vec::len), Some(0));
    let out = imagegate(&["check", &fixture("aws-only-1.2.json")]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn a_state_is_what_is_deployed() {
    let r = report("state-1.0.json");
    one(&r, "azurerm_linux_virtual_machine.deployed", "IG001");
    assert_eq!(
        status(&r, r#"module.web.azurerm_linux_virtual_machine.vm["a.b"]"#),
        "compliant"
    );
    assert_eq!(r["resources"].as_array().map(Vec::len), Some(2));
}

#[test]
fn an_unsupported_format_version_is_ig000() {
    let r = report("format-2.0.json");
    let t = text("format-2.0.json");
    let findings = r["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let f = &findings[0];
    assert_eq!(f["rule"], "IG000");
    assert_eq!(f["column"], column(&t, &[], r#""2.0""#, 0));
    let message = f["message"].as_str().unwrap_or_default();
    assert!(message.contains("format_version `2.0`"), "{message}");
}

#[test]
fn a_truncated_plan_is_ig000_and_other_files_are_still_judged() {
    let repo = Repo::new();
    let full = text("vms-1.2.json");
    repo.write("broken/plan.json", &full[..full.len() / 2]);
    repo.write("ok/plan.json", text("legacy-0.1.json"));
    let r = check_json(&repo, &[]);
    let rules = rules_and_paths(&r);
    assert!(
        rules.contains(&("IG000".into(), "broken/plan.json".into())),
        "{rules:?}"
    );
    assert!(
        rules.iter().filter(|(_, p)| p == "ok/plan.json").count() >= 3,
        "{rules:?}"
    );
}

#[test]
fn a_utf16_plan_from_powershell_is_read() {
    let r = report("utf16le-bom-1.2.json");
    let f = one(&r, "azurerm_linux_virtual_machine.ps", "IG001");
    // Pretty-printed with CRLF: the block's object starts on its own line.
    let bytes = std::fs::read(format!("{MANIFEST}/{}", fixture("utf16le-bom-1.2.json"))).unwrap();
    let units: Vec<u16> = bytes[2..]
        .chunks(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    let decoded = String::from_utf16(&units).unwrap();
    let changes = decoded
        .find("\"resource_changes\"")
        .expect("resource_changes");
    let at = changes
        + decoded[changes..]
            .find("\"source_image_reference\": [")
            .expect("the change's block");
    let object = at + decoded[at..].find('{').unwrap();
    let line = decoded[..object].matches('\n').count() + 1;
    let col = object - decoded[..object].rfind('\n').map_or(0, |i| i + 1) + 1;
    assert_eq!(f["line"], line as u64);
    assert_eq!(f["column"], col as u64);
}

#[test]
fn sensitive_values_are_never_printed() {
    for format in ["human", "json", "sarif", "github"] {
        let out = imagegate(&[
            "check",
            "--format",
            format,
            "--exit-zero",
            "testdata/tfplan",
        ]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(!stdout.contains(SECRET), "{format} leaks a password");
        assert!(!stdout.contains(CUSTOM_DATA), "{format} leaks custom data");
    }
    // Even an image ID marked sensitive.
    let repo = Repo::new();
    let plan = r#"{"format_version":"1.2","terraform_version":"1.9.5","resource_changes":[{"address":"azurerm_linux_virtual_machine.vm","mode":"managed","type":"azurerm_linux_virtual_machine","name":"vm","provider_name":"registry.terraform.io/hashicorp/azurerm","change":{"actions":["create"],"before":null,"after":{"name":"vm","source_image_id":"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-secret/providers/Microsoft.Compute/images/top-secret-image"},"after_unknown":{},"before_sensitive":false,"after_sensitive":{"source_image_id":true}}}]}"#;
    repo.write("plan.json", plan);
    for format in ["human", "json", "sarif", "github"] {
        let out = repo
            .imagegate(&["check", "--format", format, "--exit-zero"])
            .output()
            .expect("run");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(!stdout.contains("top-secret-image"), "{format}: {stdout}");
        assert!(stdout.contains("marked sensitive"), "{format}: {stdout}");
    }
    // A hidden image cannot be judged: unresolved, not unapproved.
    let r = check_json(&repo, &[]);
    assert_eq!(r["findings"][0]["rule"], "IG002");
}

#[test]
fn planned_values_are_read_when_a_plan_has_no_resource_changes() {
    let repo = Repo::new();
    let plan = r#"{"format_version":"0.1","terraform_version":"0.12.20","planned_values":{"root_module":{"child_modules":[{"address":"module.m","resources":[{"address":"module.m.azurerm_linux_virtual_machine.vm","mode":"managed","type":"azurerm_linux_virtual_machine","name":"vm","provider_name":"azurerm","schema_version":0,"values":{"name":"vm","source_image_reference":[{"offer":"o","publisher":"p","sku":"s","version":"1.0.0"}]}}]}]}}}"#;
    repo.write("plan.json", plan);
    let r = check_json(&repo, &[]);
    assert_eq!(
        rules_and_paths(&r),
        vec![("IG001".to_string(), "plan.json".to_string())]
    );
    assert_eq!(
        r["findings"][0]["resource"]["name"],
        "module.m.azurerm_linux_virtual_machine.vm"
    );
}

#[test]
fn deny_and_audit_modes_apply_to_plans() {
    let deny = imagegate(&["check", &fixture("vms-1.2.json")]);
    assert_eq!(deny.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&deny.stdout);
    assert!(stdout.contains("error[IG001]"), "{stdout}");
    let audit = imagegate(&["check", "--mode", "audit", &fixture("vms-1.2.json")]);
    assert_eq!(audit.status.code(), Some(0));
}

#[test]
fn instances_of_one_declaration_with_the_same_image_are_one_finding() {
    let repo = Repo::new();
    let instance = |key: &str, image: &str| {
        format!(
            r#"{{"address":"module.pool[\"eu.west\"].azurerm_linux_virtual_machine.vm[{key}]","module_address":"module.pool[\"eu.west\"]","mode":"managed","type":"azurerm_linux_virtual_machine","name":"vm","index":{key},"provider_name":"registry.terraform.io/hashicorp/azurerm","change":{{"actions":["create"],"before":null,"after":{{"name":"vm","source_image_id":"{image}"}},"after_unknown":{{}},"before_sensitive":false,"after_sensitive":{{}}}}}}"#
        )
    };
    let other = format!("{DEFINITION}/versions/latest");
    let changes = [
        instance("0", MANAGED),
        instance("1", MANAGED),
        instance("2", MANAGED),
        instance("3", &other),
    ]
    .join(",");
    repo.write(
        "plan.json",
        format!(
            r#"{{"format_version":"1.2","terraform_version":"1.9.5","resource_changes":[{changes}]}}"#
        ),
    );
    let r = check_json(&repo, &[]);
    let findings = r["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 2, "{findings:#?}");
    let ig001 = findings
        .iter()
        .find(|f| f["rule"] == "IG001")
        .expect("IG001");
    assert_eq!(
        ig001["resource"]["name"],
        r#"module.pool["eu.west"].azurerm_linux_virtual_machine.vm[0]"#
    );
    let message = ig001["message"].as_str().unwrap_or_default();
    assert!(
        message.ends_with("(and 2 more instances of this declaration)"),
        "{message}"
    );
    assert!(findings.iter().any(|f| f["rule"] == "IG003"));
    // Every instance is still listed.
    assert_eq!(r["resources"].as_array().map(Vec::len), Some(4));
}

#[test]
fn odd_plans_never_crash() {
    let repo = Repo::new();
    let head = r#""format_version":"1.2","terraform_version":"1.9.5""#;
    let vm = r#""mode":"managed","type":"azurerm_linux_virtual_machine","name":"vm""#;
    let odd = [
        format!(r#"{{{head},"resource_changes":{{}}}}"#),
        format!(r#"{{{head},"resource_changes":[1,"x",null,[]]}}"#),
        format!(r#"{{{head},"resource_changes":[{{{vm},"change":"create"}}]}}"#),
        format!(
            r#"{{{head},"resource_changes":[{{{vm},"change":{{"actions":"create","after":{{}}}}}}]}}"#
        ),
        format!(
            r#"{{{head},"resource_changes":[{{{vm},"index":{{"a":1}},"change":{{"actions":["create"],"after":{{"source_image_reference":"x","source_image_id":7}},"after_unknown":"yes","after_sensitive":[true]}}}}]}}"#
        ),
        format!(
            r#"{{{head},"resource_changes":[{{{vm},"change":{{"actions":["create"],"after":{{"source_image_reference":[{{"id":null}},{{"id":"y"}}]}},"after_unknown":{{"source_image_reference":[true,true,true]}},"after_sensitive":{{"source_image_reference":false}}}}}}],"configuration":{{"root_module":{{"resources":[{{{vm},"expressions":{{"source_image_reference":[{{"id":{{"references":[]}}}}]}}}}]}}}}}}"#
        ),
        format!(
            r#"{{{head},"resource_changes":[{{{vm},"change":{{"actions":["create"],"after":{{}},"after_unknown":{{"source_image_id":true}}}}}}],"configuration":{{"root_module":{{"resources":[{{{vm},"expressions":{{"source_image_id":{{"references":["var.a"]}}}}}}],"variables":{{"a":{{"sensitive":"no"}}}}}}}},"variables":{{"a":{{"value":[1,2]}}}}}}"#
        ),
        format!(
            r#"{{{head},"resource_changes":[{{"address":"azapi_resource.x","mode":"managed","type":"azapi_resource","name":"x","change":{{"actions":["create"],"after":{{"type":"Microsoft.Compute/virtualMachines","body":"{{not json"}}}}}}]}}"#
        ),
        r#"{"format_version":1,"terraform_version":"1.9.5","planned_values":{}}"#.to_string(),
        format!(
            r#"{{{head},"values":{{"root_module":{{"child_modules":[{{"child_modules":[{{"resources":[{{{vm},"values":null}}]}}]}}]}}}}}}"#
        ),
    ];
    for (i, plan) in odd.iter().enumerate() {
        repo.write(&format!("odd/{i}.json"), plan);
    }
    for format in ["human", "json", "sarif", "github"] {
        let out = repo
            .imagegate(&["check", "--format", format, "odd"])
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{format}: {:?} {stderr}",
            out.status
        );
        assert!(!stderr.contains("panicked"), "{format}: {stderr}");
    }
}

#[test]
fn a_data_source_read_during_apply_resolves_nothing_it_already_knows() {
    let repo = Repo::new();
    let vm = |name: &str| {
        format!(
            r#"{{"address":"azurerm_linux_virtual_machine.{name}","mode":"managed","type":"azurerm_linux_virtual_machine","name":"{name}","provider_name":"registry.terraform.io/hashicorp/azurerm","change":{{"actions":["create"],"before":null,"after":{{"name":"{name}"}},"after_unknown":{{"source_image_id":true}},"before_sensitive":false,"after_sensitive":{{}}}}}}"#
        )
    };
    let config = |name: &str, attr: &str| {
        format!(
            r#"{{"address":"azurerm_linux_virtual_machine.{name}","mode":"managed","type":"azurerm_linux_virtual_machine","name":"{name}","expressions":{{"source_image_id":{{"references":["data.azurerm_shared_image.img.{attr}","data.azurerm_shared_image.img"]}}}}}}"#
        )
    };
    let read = format!(
        r#"{{"address":"data.azurerm_shared_image.img","mode":"data","type":"azurerm_shared_image","name":"img","provider_name":"registry.terraform.io/hashicorp/azurerm","action_reason":"read_because_dependency_pending","change":{{"actions":["read"],"before":null,"after":{{"gallery_name":"corpGallery","name":"ubuntu-22.04-cis","resource_group_name":"rg-golden","id":"{DEFINITION}"}},"after_unknown":{{"location":true,"tags":true}},"before_sensitive":false,"after_sensitive":{{}}}}}}"#
    );
    let plan = format!(
        r#"{{"format_version":"1.2","terraform_version":"1.9.5","resource_changes":[{},{},{read}],"configuration":{{"root_module":{{"resources":[{},{}]}}}}}}"#,
        vm("known"),
        vm("later"),
        config("known", "id"),
        config("later", "location"),
    );
    repo.write("plan.json", &plan);
    let r = check_json(&repo, &[]);
    // The read's `id` is already known when Terraform plans, so an attribute that only referred
    // to it would be known too: the expression combines it with something unknown.
    let known = one(&r, "azurerm_linux_virtual_machine.known", "IG002");
    let message = known["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("combines `data.azurerm_shared_image.img.id`, known at plan time"),
        "{message}"
    );
    let later = one(&r, "azurerm_linux_virtual_machine.later", "IG002");
    let message = later["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("`data.azurerm_shared_image.img`, which is read only during apply"),
        "{message}"
    );
}

#[test]
fn no_op_resources_are_judged_on_request() {
    let out = imagegate(&[
        "check",
        "--format",
        "json",
        "--exit-zero",
        "--judge-no-op",
        &fixture("vms-1.2.json"),
    ]);
    let r: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    // The unchanged VM is part of the estate: judged. Deletes and forgets still are not.
    let steady = about(&r, "azurerm_linux_virtual_machine.steady");
    assert_eq!(steady.len(), 1, "{r:#}");
    assert_eq!(steady[0]["rule"], "IG001");
    assert!(about(&r, "azurerm_linux_virtual_machine.old").is_empty());
    assert!(about(&r, "azurerm_linux_virtual_machine.parked").is_empty());
}

/// `source_image_id = "${var.image}-${uuid()}"` and `var.golden ? "<golden>" : "<other>"`:
/// the plan lists one reference, known at plan time (the variable), yet the attribute is unknown,
/// so the expression combines it with something unknown. It used to be resolved to the
/// variable's (golden) value: a false compliant. A reference to the ID of a version the plan
/// creates is resolved.
#[test]
fn a_known_reference_in_an_unknown_attribute_is_not_its_value() {
    let repo = Repo::new();
    repo.write(
        "plan.json",
        plan_with_new_version(&[
            ("suffixed", &["var.image"]),
            ("conditional", &["var.golden"]),
            (
                "new_version",
                &[
                    "azurerm_shared_image_version.next.id",
                    "azurerm_shared_image_version.next",
                ],
            ),
        ]),
    );
    let r = check_json(&repo, &[]);
    for (name, reference) in [("suffixed", "var.image"), ("conditional", "var.golden")] {
        let f = one(
            &r,
            &format!("azurerm_linux_virtual_machine.{name}"),
            "IG002",
        );
        let message = f["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(&format!("combines `{reference}`, known at plan time")),
            "{message}"
        );
    }
    assert_eq!(
        status(&r, "azurerm_linux_virtual_machine.new_version"),
        "compliant"
    );
    assert!(about(&r, "azurerm_linux_virtual_machine.new_version").is_empty());
}

/// Types and forms the catalogue missed before issue #9: a compute fleet's location-profile
/// overrides (each element judged), every node type of a Service Fabric managed cluster, a
/// lab's image, a disk imported from a VHD, a VM that attaches a disk the same plan creates
/// (judged through the disk), `azapi_resource_action` with a `PUT` body, and ARM templates
/// embedded in the plan (judged by the ARM frontend when they declare an image-bearing
/// resource).
/// Attribute paths from the azurerm provider documentation (`compute_fleet`,
/// `service_fabric_managed_cluster`, `lab_service_lab`, `managed_disk`,
/// `resource_group_template_deployment`) and the azapi `azapi_resource_action` documentation.
#[test]
fn catalogue_gaps_of_issue_9_are_judged() {
    let r = report("catalogue-gaps-1.2.json");
    let t = text("catalogue-gaps-1.2.json");

    // The base profile is golden; the second location's override is Marketplace.
    let fleet = one(&r, "azurerm_compute_fleet.multi", "IG001");
    assert!(
        fleet["message"]
            .as_str()
            .unwrap()
            .contains("Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest")
    );
    let [rc, entry] = change("azurerm_compute_fleet.multi");
    assert_eq!(
        fleet["column"],
        column(
            &t,
            &[&rc, &entry, r#""location":"eastus""#],
            r#""source_image_reference":[{"#,
            26
        )
    );

    // Both node types of the managed cluster.
    let sf = about(&r, "azurerm_service_fabric_managed_cluster.sf");
    assert_eq!(sf.len(), 2, "{sf:#?}");
    assert!(sf.iter().all(|f| f["rule"] == "IG001"));

    one(&r, "azurerm_lab_service_lab.lab", "IG001");
    let imported = one(&r, "azurerm_managed_disk.imported", "IG001");
    assert!(
        imported["message"]
            .as_str()
            .unwrap()
            .contains("VHD image https://legacyimages.blob.core.windows.net/vhds/ubuntu-base.vhd")
    );
    // A data disk imported from a VHD boots nothing.
    assert_eq!(
        status(&r, "azurerm_managed_disk.imported_data"),
        "not-judged"
    );
    // Attaching the imported disk: the VHD, at the disk's `source_uri`: one problem, so the
    // disk's finding, which covers both.
    let restored = one(&r, "azurerm_virtual_machine.restored", "IG001");
    assert_eq!(restored["column"], imported["column"]);
    assert_eq!(restored, imported);
    assert!(
        restored["message"].as_str().unwrap().ends_with(
            " (for 2 resources: azurerm_managed_disk 'azurerm_managed_disk.imported', azurerm_virtual_machine 'azurerm_virtual_machine.restored')"
        ),
        "{restored:#}"
    );
    // Attaching a disk made from the golden image: compliant (it was "not judged").
    assert_eq!(
        status(&r, "azurerm_linux_virtual_machine.attached"),
        "compliant"
    );

    // A PUT of a VM body through azapi_resource_action is a VM; a POST action is nothing.
    one(&r, "azapi_resource_action.put_vm", "IG001");
    assert!(about(&r, "azapi_resource_action.start_vm").is_empty());

    // Embedded ARM templates are judged by the ARM frontend (tests/tfplan_embedded.rs): the
    // VM they declare is IG001 where its image is set: at the attribute holding the template,
    // or at the one holding the deployment's parameters when a field of the image is set
    // there (#22); nothing for a storage account.
    for (address, attribute) in [
        (
            "azurerm_resource_group_template_deployment.vm_template",
            "the parameters in `parameters_content`",
        ),
        (
            "azapi_resource.deployment",
            "the ARM template embedded in `body.properties.template`",
        ),
    ] {
        let tail = format!(" (in {attribute} of {address}, line ");
        let found: Vec<_> = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["message"].as_str().unwrap().contains(&tail))
            .collect();
        assert_eq!(found.len(), 1, "{address}: {found:#?}");
        assert_eq!(found[0]["rule"], "IG001", "{:#?}", found[0]);
        assert_eq!(found[0]["resource"]["name"], "vm-arm");
        assert!(about(&r, address).is_empty(), "{address}");
    }
    for address in [
        "azurerm_resource_group_template_deployment.storage_template",
        "azapi_resource.storage_deployment",
    ] {
        assert!(about(&r, address).is_empty(), "{address}");
        assert!(!names(&r).contains(&address.to_string()), "{address}");
    }
}

/// A data source read only during apply (e.g. it depends on a resource with pending changes)
/// is unknown at plan time: its `id` is composed from its planned arguments, as a resource's
/// is. A gallery version read as `recent` (or `latest`) is whatever is newest at apply: IG003.
#[test]
fn the_id_of_a_data_source_read_during_apply_is_composed_from_its_arguments() {
    let repo = Repo::new();
    let vm = |name: &str| {
        format!(
            r#"{{"address":"azurerm_linux_virtual_machine.{name}","mode":"managed","type":"azurerm_linux_virtual_machine","name":"{name}","provider_name":"registry.terraform.io/hashicorp/azurerm","change":{{"actions":["create"],"before":null,"after":{{"name":"{name}","source_image_reference":[]}},"after_unknown":{{"source_image_id":true}},"before_sensitive":false,"after_sensitive":{{}}}}}}"#
        )
    };
    let read = |name: &str, rtype: &str, after: &str| {
        format!(
            r#"{{"address":"data.{rtype}.{name}","mode":"data","type":"{rtype}","name":"{name}","provider_name":"registry.terraform.io/hashicorp/azurerm","action_reason":"read_because_dependency_pending","change":{{"actions":["read"],"before":null,"after":{after},"after_unknown":{{"id":true,"location":true}},"before_sensitive":false,"after_sensitive":{{}}}}}}"#
        )
    };
    let config = |name: &str, reference: &str| {
        format!(
            r#"{{"address":"azurerm_linux_virtual_machine.{name}","mode":"managed","type":"azurerm_linux_virtual_machine","name":"{name}","expressions":{{"source_image_id":{{"references":["{reference}.id","{reference}"]}}}}}}"#
        )
    };
    let plan = format!(
        r#"{{"format_version":"1.2","terraform_version":"1.9.5","resource_changes":[{},{},{},{},{},{}],"configuration":{{"root_module":{{"resources":[{},{},{}]}}}}}}"#,
        vm("pinned"),
        vm("recent"),
        vm("legacy"),
        read(
            "pinned",
            "azurerm_shared_image_version",
            r#"{"gallery_name":"corpGallery","image_name":"ubuntu-22.04-cis","name":"1.4.0","resource_group_name":"rg-golden"}"#
        ),
        read(
            "recent",
            "azurerm_shared_image_version",
            r#"{"gallery_name":"corpGallery","image_name":"ubuntu-22.04-cis","name":"recent","resource_group_name":"rg-golden"}"#
        ),
        read(
            "legacy",
            "azurerm_image",
            r#"{"name":"legacy-ubuntu","resource_group_name":"rg-legacy"}"#
        ),
        config("pinned", "data.azurerm_shared_image_version.pinned"),
        config("recent", "data.azurerm_shared_image_version.recent"),
        config("legacy", "data.azurerm_image.legacy"),
    );
    repo.write("plan.json", &plan);
    let r = check_json(&repo, &[]);
    assert_eq!(
        status(&r, "azurerm_linux_virtual_machine.pinned"),
        "compliant"
    );
    assert!(about(&r, "azurerm_linux_virtual_machine.pinned").is_empty());
    let recent = one(&r, "azurerm_linux_virtual_machine.recent", "IG003");
    assert!(
        recent["message"]
            .as_str()
            .unwrap_or_default()
            .contains("ubuntu-22.04-cis/versions/latest"),
        "{recent:#}"
    );
    let legacy = one(&r, "azurerm_linux_virtual_machine.legacy", "IG001");
    assert!(
        legacy["message"]
            .as_str()
            .unwrap_or_default()
            .contains("data.azurerm_image.legacy"),
        "{legacy:#}"
    );
}

/// An azapi `Microsoft.Resources/deployments` that links its template (a URI or a template
/// spec) deploys what the plan does not hold: IG002, not silence.
#[test]
fn an_azapi_deployment_of_a_linked_template_is_unresolved() {
    let repo = Repo::new();
    let head = r#""format_version":"1.2","terraform_version":"1.9.5""#;
    let deployment = |name: &str, link: &str| {
        format!(
            r#"{{"address":"azapi_resource.{name}","mode":"managed","type":"azapi_resource","name":"{name}","change":{{"actions":["create"],"after":{{"type":"Microsoft.Resources/deployments@2022-09-01","body":{{"properties":{{"mode":"Incremental","templateLink":{link}}}}}}},"after_unknown":{{}}}}}}"#
        )
    };
    let plan = format!(
        r#"{{{head},"resource_changes":[{},{}]}}"#,
        deployment("uri", r#"{"uri":"https://example.com/vm.json"}"#),
        deployment(
            "spec",
            r#"{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Resources/templateSpecs/vm/versions/1"}"#
        ),
    );
    repo.write("plan.json", plan);
    let report = check_json(&repo, &[]);
    let messages = finding_messages(&report);
    assert_eq!(messages.len(), 2, "{report:#}");
    assert!(
        messages
            .iter()
            .any(|m| m.contains("https://example.com/vm.json")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("template spec")),
        "{messages:?}"
    );
}
