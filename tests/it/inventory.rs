//! Estate audit (#15): `imagegate audit FILE…` reads inventory exports (`az vm list [-d]`,
//! `az vmss list`, `az vmss list-instances`, `az disk list`, `az graph query`, the portal's
//! Resource Graph CSV) and judges every deployed resource with the config `check` uses: every
//! rule, exemptions, baselines, severities, the four formats. Findings point at the resource's
//! entry in the export and name its resource ID; `check` never reads exports.
//!
//! Azure's documented semantics these tests rely on:
//! * `imageReference.exactVersion` is "the image version in decimal numbers that was used to
//!   create the VM" (read-only), so it is the version that runs when the reference names a
//!   gallery definition or Marketplace `latest`:
//!   https://learn.microsoft.com/rest/api/compute/virtual-machines/get#imagereference
//! * `az graph query` returns at most `--first` records (default 100, at most 1000) with a
//!   `skip_token` for the next page:
//!   https://learn.microsoft.com/azure/governance/resource-graph/concepts/work-with-data

use crate::common::Command;
use crate::common::Repo;
use serde_json::Value;

const MANIFEST: &str = env!("CARGO_MANIFEST_DIR");
const CONFIG: &str = "testdata/inventory/estate.toml";
const SUB: &str = "00000000-0000-0000-0000-000000000000";

/// `imagegate ARGS…` run in the crate root (paths are `testdata/inventory/…`).
fn imagegate(args: &[&str]) -> std::process::Output {
    Command::new()
        .current_dir(MANIFEST)
        .args(args)
        .env("NO_COLOR", "1")
        .env("IMAGEGATE_TODAY", "2026-11-28")
        .output()
        .expect("run")
}

fn fixture(name: &str) -> String {
    format!("testdata/inventory/{name}")
}

/// The JSON report of `audit` over `paths` with the fixtures' policy.
fn audit(paths: &[&str]) -> Value {
    let mut args = vec![
        "audit",
        "--config",
        CONFIG,
        "--format",
        "json",
        "--exit-zero",
    ];
    args.extend(paths);
    let out = imagegate(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON report")
}

fn vm_id(sub: &str, group: &str, name: &str) -> String {
    format!(
        "/subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.Compute/virtualMachines/{name}"
    )
}

/// The resource entry named `id`.
fn resource<'r>(report: &'r Value, id: &str) -> &'r Value {
    report["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .find(|r| r["name"] == id)
        .unwrap_or_else(|| panic!("no resource {id} in {:#}", report["resources"]))
}

/// The findings about the resource named `id`: (rule, line, column).
fn findings_about(report: &Value, id: &str) -> Vec<(String, u64, u64)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["resource"]["name"] == id)
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// The 1-based line and column of the first `needle` after `anchor` in a fixture.
fn place(name: &str, anchor: &str, needle: &str) -> (u64, u64) {
    let text = std::fs::read_to_string(format!("{MANIFEST}/{}", fixture(name))).unwrap();
    let from = text.find(anchor).expect("anchor");
    let at = from + text[from..].find(needle).expect("needle");
    let line = text[..at].matches('\n').count() as u64 + 1;
    let column = (at - text[..at].rfind('\n').map_or(0, |n| n + 1)) as u64 + 1;
    (line, column)
}

fn rules(report: &Value) -> Vec<String> {
    let mut out: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect();
    out.sort();
    out
}

#[test]
fn az_vm_list_judges_the_image_that_runs() {
    let report = audit(&[&fixture("az-vm-list.json")]);
    assert_eq!(rules(&report), ["IG001", "IG001"]);
    // A golden definition with `exactVersion` runs that version: pinned, compliant, no IG003.
    let web = resource(&report, &vm_id(SUB, "rg-web", "vm-web-01"));
    assert_eq!(web["status"], "compliant");
    assert_eq!(web["type"], "Microsoft.Compute/virtualMachines");
    assert!(
        web["images"][0]["id"]
            .as_str()
            .unwrap()
            .ends_with("/images/ubuntu-22.04-cis/versions/1.4.2"),
        "{web:#}"
    );
    let deployed = &web["deployed"];
    assert_eq!(deployed["id"], vm_id(SUB, "rg-web", "vm-web-01"));
    assert_eq!(deployed["subscription"], SUB);
    assert_eq!(deployed["resource_group"], "RG-WEB");
    assert_eq!(deployed["location"], "westeurope");
    assert!(deployed.get("power_state").is_none(), "no -d: {deployed:#}");
    assert_eq!(web["tags"]["owner"], "web-team");
    // Marketplace `latest` runs its exactVersion.
    let legacy = vm_id(SUB, "rg-legacy", "vm-legacy-01");
    let entry = resource(&report, &legacy);
    assert_eq!(entry["status"], "noncompliant");
    assert_eq!(entry["images"][0]["version"], "22.04.202502110");
    // Findings sit at the image in the export and name the resource ID.
    let found = findings_about(&report, &legacy);
    // The `imageReference` object that holds the exact version.
    let text =
        std::fs::read_to_string(format!("{MANIFEST}/{}", fixture("az-vm-list.json"))).unwrap();
    let exact = text.find("\"exactVersion\": \"22.04").unwrap();
    let object =
        text[..exact].rfind("\"imageReference\": {").unwrap() + "\"imageReference\": ".len();
    let line = text[..object].matches('\n').count() as u64 + 1;
    let column = (object - text[..object].rfind('\n').unwrap()) as u64;
    assert_eq!(found, [("IG001".to_string(), line, column)]);
    let managed = vm_id(SUB, "rg-app", "vm-app-01");
    let (line, column) = place(
        "az-vm-list.json",
        "\"communityGalleryImageId\": null,\n        \"exactVersion\": null,\n        \"id\": \"/subscriptions",
        "\"/subscriptions",
    );
    assert_eq!(
        findings_about(&report, &managed),
        [("IG001".into(), line, column)]
    );
    assert_eq!(report["summary"]["resources_judged"], 3);
}

#[test]
fn az_vm_list_d_gives_power_states_and_attached_disks_stay_not_judged() {
    let report = audit(&[&fixture("az-vm-list-d.json")]);
    let web = resource(&report, &vm_id(SUB, "rg-web", "vm-web-01"));
    assert_eq!(web["deployed"]["power_state"], "VM running");
    let other = "11111111-1111-1111-1111-111111111111";
    let batch = vm_id(other, "rg-batch", "vm-batch-01");
    let entry = resource(&report, &batch);
    assert_eq!(entry["deployed"]["power_state"], "VM deallocated");
    assert_eq!(entry["deployed"]["subscription"], other);
    assert_eq!(entry["deployed"]["location"], "northeurope");
    assert_eq!(entry["images"][0]["kind"], "community-gallery");
    assert_eq!(entry["images"][0]["version"], "2025.1.7");
    assert_eq!(findings_about(&report, &batch).len(), 1);
    // A VM created from an existing disk (createOption Attach): reported, not judged.
    let restored = resource(&report, &vm_id(SUB, "rg-dr", "vm-restored-01"));
    assert_eq!(restored["status"], "not-judged", "{restored:#}");
    assert_eq!(rules(&report), ["IG001"]);
}

#[test]
fn scale_sets_instances_and_disks() {
    let report = audit(&[&fixture("az-vmss-list.json")]);
    let web = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-web/providers/Microsoft.Compute/virtualMachineScaleSets/vmss-web";
    let entry = resource(&report, web);
    assert_eq!(entry["type"], "Microsoft.Compute/virtualMachineScaleSets");
    assert_eq!(entry["status"], "compliant");
    let partner = resource(
        &report,
        &web.replace("rg-web", "rg-partner")
            .replace("vmss-web", "vmss-partner"),
    );
    assert_eq!(
        partner["images"][0]["kind"], "shared-gallery",
        "{partner:#}"
    );
    assert_eq!(partner["status"], "noncompliant");

    let report = audit(&[&fixture("az-vmss-list-instances.json")]);
    let instance = |n: u32| {
        format!(
            "/subscriptions/{SUB}/resourceGroups/RG-WEB/providers/Microsoft.Compute/virtualMachineScaleSets/vmss-web/virtualMachines/{n}"
        )
    };
    let zero = resource(&report, &instance(0));
    assert_eq!(
        zero["type"],
        "Microsoft.Compute/virtualMachineScaleSets/virtualMachines"
    );
    assert_eq!(zero["status"], "compliant");
    // The instance still on 1.9.0 (below the minimum 2.0.0) runs a deprecated version.
    let three = resource(&report, &instance(3));
    assert_eq!(three["deployed"]["power_state"], "PowerState/running");
    assert_eq!(findings_about(&report, &instance(3))[0].0, "IG004");

    let report = audit(&[&fixture("az-disk-list.json")]);
    let disk = |g: &str, n: &str| {
        format!("/subscriptions/{SUB}/resourceGroups/{g}/providers/Microsoft.Compute/disks/{n}")
    };
    let legacy = resource(&report, &disk("RG-LEGACY", "vm-legacy-01_OsDisk_1_3f9c2a"));
    assert_eq!(legacy["status"], "noncompliant");
    assert_eq!(legacy["images"][0]["kind"], "platform-image", "{legacy:#}");
    let web = resource(&report, &disk("RG-WEB", "vm-web-01_OsDisk_1_3f9c2a"));
    assert_eq!(web["status"], "compliant");
    assert_eq!(rules(&report), ["IG001"]);
}

#[test]
fn resource_graph_rows_page_and_csv_read_the_same_estate() {
    let mut seen = Vec::new();
    for name in [
        "graph-query-rows.json",
        "graph-query.json",
        "portal-resource-graph.csv",
    ] {
        let report = audit(&[&fixture(name)]);
        let web = resource(&report, &vm_id(SUB, "rg-web", "vm-web-01"));
        assert_eq!(web["status"], "compliant", "{name}");
        assert_eq!(web["type"], "Microsoft.Compute/virtualMachines", "{name}");
        assert_eq!(
            web["deployed"]["power_state"], "PowerState/running",
            "{name}"
        );
        assert_eq!(web["deployed"]["resource_group"], "rg-web", "{name}");
        let batch = vm_id(
            "11111111-1111-1111-1111-111111111111",
            "rg-batch",
            "vm-batch-01",
        );
        assert_eq!(
            resource(&report, &batch)["deployed"]["power_state"],
            "PowerState/deallocated"
        );
        let statuses: Vec<(String, String)> = report["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let s = |k: &str| r[k].as_str().unwrap().to_string();
                (s("name"), s("status"))
            })
            .collect();
        seen.push(statuses);
        assert_eq!(rules(&report), ["IG001", "IG001"], "{name}");
    }
    assert_eq!(seen[0], seen[1]);
    assert_eq!(seen[0], seen[2]);
}

#[test]
fn findings_in_a_csv_point_at_the_value_inside_its_cell() {
    let report = audit(&[&fixture("portal-resource-graph.csv")]);
    let text = std::fs::read_to_string(format!(
        "{MANIFEST}/{}",
        fixture("portal-resource-graph.csv")
    ))
    .unwrap();
    let batch = vm_id(
        "11111111-1111-1111-1111-111111111111",
        "rg-batch",
        "vm-batch-01",
    );
    let found = findings_about(&report, &batch);
    assert_eq!(found.len(), 1);
    let (line, column) = (found[0].1 as usize, found[0].2 as usize);
    let line_text = text.split("\r\n").nth(line - 1).unwrap();
    assert!(
        line_text[column - 1..].starts_with("\"\"/CommunityGalleries/"),
        "{}",
        &line_text[column - 1..column + 40]
    );
}

#[test]
fn every_format_works_and_sarif_validates() {
    let all = ["testdata/inventory"];
    for format in ["human", "json", "sarif", "github"] {
        let out = imagegate(&["audit", "--config", CONFIG, "--format", format, all[0]]);
        assert_eq!(out.status.code(), Some(1), "{format}: errors fail the run");
        let text = String::from_utf8(out.stdout).unwrap();
        // GitHub's annotations are the lines of the export; the others name the resource ID.
        if format != "github" {
            assert!(
                text.contains(&vm_id(SUB, "rg-legacy", "vm-legacy-01")),
                "{format}: {text}"
            );
        }
        match format {
            "github" => assert!(
                text.contains("::error file=testdata/inventory/az-vm-list.json,line=206"),
                "{text}"
            ),
            "human" => {
                assert!(
                    text.contains("--> testdata/inventory/az-vm-list.json:206:25"),
                    "{text}"
                );
                let listed = format!(
                    "virtualMachines '{}' is listed here (deployed) (testdata/inventory/az-vm-list.json:126:3)",
                    vm_id(SUB, "rg-legacy", "vm-legacy-01")
                );
                assert!(text.contains(&listed), "{text}");
            }
            "sarif" => {
                let sarif: Value = serde_json::from_str(&text).unwrap();
                let schema: Value = serde_json::from_str(
                    &std::fs::read_to_string(format!(
                        "{MANIFEST}/testdata/schemas/sarif-2.1.0.json"
                    ))
                    .unwrap(),
                )
                .unwrap();
                let validator = jsonschema::validator_for(&schema).unwrap();
                let errors: Vec<String> = validator
                    .iter_errors(&sarif)
                    .map(|e| e.to_string())
                    .collect();
                assert!(errors.is_empty(), "{errors:?}");
                assert!(sarif["runs"][0]["results"].as_array().unwrap().len() >= 8);
            }
            _ => {}
        }
    }
    // A folder: the `.json` and `.csv` exports in it; the policy, the generator and the
    // README beside them are not read.
    let report = audit(&all);
    assert_eq!(
        report["summary"]["files_scanned"], 8,
        "{:#}",
        report["summary"]
    );
    assert!(!rules(&report).contains(&"IG000".to_string()));
}

#[test]
fn exemptions_and_a_baseline_hold_across_exports_of_the_estate() {
    let repo = Repo::new();
    let copy = |name: &str| {
        let text = std::fs::read(format!("{MANIFEST}/{}", fixture(name))).unwrap();
        repo.write(&format!("exports/{name}"), text);
    };
    copy("az-vm-list.json");
    copy("graph-query.json");
    repo.write(
        "imagegate.toml",
        format!(
            "{}\n[[exempt]]\nresource = \"*/virtualMachines/vm-app-01\"\nrule = \"IG001\"\nreason = \"Retired in January (INFRA-42)\"\n",
            std::fs::read_to_string(format!("{MANIFEST}/{CONFIG}")).unwrap()
        ),
    );
    let run = |args: &[&str]| -> (Option<i32>, Value) {
        let out = repo
            .imagegate(&[&["audit", "--format", "json"][..], args].concat())
            .env("IMAGEGATE_TODAY", "2026-11-28")
            .output()
            .unwrap();
        (
            out.status.code(),
            serde_json::from_slice(&out.stdout).unwrap(),
        )
    };
    // Monday's export: vm-app-01 is exempt, vm-legacy-01 is accepted into the baseline.
    let (code, report) = run(&[
        "exports/az-vm-list.json",
        "--write-baseline",
        "baseline.json",
    ]);
    assert_eq!(code, Some(0));
    let app = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["resource"]["name"] == vm_id(SUB, "rg-app", "vm-app-01"))
        .unwrap();
    assert_eq!(app["status"], "exempt");
    // Tuesday's Resource Graph export of the same estate: vm-legacy-01 is known by its ID
    // (another file, another shape) and stays in the baseline; vm-batch-01 is new.
    let (code, report) = run(&["exports/graph-query.json", "--baseline", "baseline.json"]);
    assert_eq!(code, Some(1));
    let statuses: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "IG001")
        .map(|f| {
            let name = f["resource"]["name"].as_str().unwrap();
            let short = name.rsplit('/').next().unwrap().to_string();
            (short, f["status"].as_str().unwrap().to_string())
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("vm-legacy-01".to_string(), "baseline".to_string()),
            ("vm-batch-01".to_string(), "open".to_string())
        ]
    );
}

#[test]
fn check_never_reads_exports() {
    // A repository holding an estate export beside its template: `check` judges the
    // template alone; the export does not change its verdict.
    let repo = Repo::new();
    repo.write("infra/main.json", crate::common::golden_vm("web"));
    let export = std::fs::read(format!("{MANIFEST}/{}", fixture("az-vm-list.json"))).unwrap();
    repo.write("inventory/az-vm-list.json", &export);
    repo.write(
        "inventory/estate.csv",
        std::fs::read(format!(
            "{MANIFEST}/{}",
            fixture("portal-resource-graph.csv")
        ))
        .unwrap(),
    );
    let out = repo
        .imagegate(&["check", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["templates"], 1);
    assert!(report["findings"].as_array().unwrap().is_empty());
    // Named on the command line, too.
    let out = repo
        .imagegate(&["check", "--format", "json", "inventory/az-vm-list.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["templates"], 0);
    // And the fixtures' folder, which `check testdata` walks in CI.
    let out = imagegate(&["check", "--format", "json", "testdata/inventory"]);
    assert_eq!(out.status.code(), Some(0));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["templates"], 0);
    assert!(report["findings"].as_array().unwrap().is_empty());
}

/// `audit` over files written in a temporary folder: the exit code and the JSON report.
fn audit_files(files: &[(&str, &[u8])]) -> (Option<i32>, Value, String) {
    let repo = Repo::new();
    repo.write(
        "estate.toml",
        std::fs::read(format!("{MANIFEST}/{CONFIG}")).unwrap(),
    );
    for (name, bytes) in files {
        repo.write(name, bytes);
    }
    let mut args = vec!["audit", "--config", "estate.toml", "--format", "json"];
    args.extend(files.iter().map(|(name, _)| *name));
    let out = repo.imagegate(&args).output().unwrap();
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (
        out.status.code(),
        report,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The IG000 messages of a report, by path.
fn parse_errors(report: &Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "IG000")
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_file_of_no_known_shape_is_an_ig000_naming_the_shapes() {
    let golden = std::fs::read(format!("{MANIFEST}/{}", fixture("az-vm-list.json"))).unwrap();
    let (code, report, _) = audit_files(&[
        ("tsconfig.json", br#"{"compilerOptions": {"strict": true}}"#),
        ("packages.csv", b"name,version\nserde,1.0\n"),
        ("template.json", crate::common::golden_vm("web").as_bytes()),
        ("az-vm-list.json", &golden),
    ]);
    assert_eq!(code, Some(1));
    let errors = parse_errors(&report);
    let paths: Vec<&str> = errors.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(paths, ["packages.csv", "template.json", "tsconfig.json"]);
    for (_, message) in &errors {
        assert!(
            message.starts_with("cannot read inventory export: not an inventory export"),
            "{message}"
        );
        assert!(
            message.contains("`az vm list`") && message.contains("CSV"),
            "{message}"
        );
    }
    // The export beside them is judged.
    assert_eq!(report["summary"]["resources_judged"], 3);
}

#[test]
fn one_page_of_a_graph_answer_says_the_rest_was_not_read() {
    let page = r#"{
  "count": 1,
  "data": [
    {
      "id": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-web/providers/Microsoft.Compute/virtualMachines/vm-web-01",
      "name": "vm-web-01",
      "properties": {"storageProfile": {"imageReference": {"id": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu-22.04-cis", "exactVersion": "1.4.2"}}},
      "type": "microsoft.compute/virtualmachines"
    }
  ],
  "skip_token": "ew0KICAiJGlkIjogIjEiLA0KICAiTWF4Um93cyI6IDEsDQp9",
  "total_records": 1250
}
"#;
    let (code, report, _) = audit_files(&[("page.json", page.as_bytes())]);
    assert_eq!(
        code,
        Some(1),
        "an audit of part of the estate does not pass"
    );
    let errors = parse_errors(&report);
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].1.contains("one page (1 of 1250 records)"),
        "{}",
        errors[0].1
    );
    assert_eq!(report["summary"]["compliant"], 1);
}

#[test]
fn an_unknown_exact_version_is_said_and_the_image_judged_as_written() {
    let text =
        std::fs::read_to_string(format!("{MANIFEST}/{}", fixture("az-vm-list.json"))).unwrap();
    let unpinned = text.replacen("\"exactVersion\": \"1.4.2\"", "\"exactVersion\": null", 1);
    assert_ne!(text, unpinned);
    let (_, report, stderr) = audit_files(&[("vms.json", unpinned.as_bytes())]);
    let web = vm_id(SUB, "rg-web", "vm-web-01");
    assert_eq!(
        findings_about(&report, &web)[0].0,
        "IG003",
        "{:#}",
        report["findings"]
    );
    assert!(
        stderr.contains("without the `exactVersion` that runs (e.g. /subscriptions/"),
        "{stderr}"
    );
}

#[test]
fn hostile_exports_are_ig000_and_the_others_still_judged() {
    let golden =
        std::fs::read_to_string(format!("{MANIFEST}/{}", fixture("az-vm-list.json"))).unwrap();
    // PowerShell's `az vm list > vms.json` writes UTF-16 LE with a BOM: read.
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in golden.replace('\n', "\r\n").encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    let deep = format!("[{}]", "[".repeat(5000) + &"]".repeat(5000));
    let not_utf8 = b"[{\"id\": \"/subscriptions/\xff\xfe\x80\", \"type\": \"x\"}]".to_vec();
    // As a spreadsheet writes it: every field with a quote, comma or line break quoted, its
    // quotes doubled.
    let quote = |field: &str| format!("\"{}\"", field.replace('"', "\"\""));
    let row = [
        quote("/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/a"),
        quote("web, \"a\"\nsecond line"),
        "Microsoft.Compute/virtualMachines".to_string(),
        quote(r#"{"storageProfile": {"imageReference": {"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/images/x"}}}"#),
        quote(r#"{"note": "two, \"quoted\"\nlines"}"#),
    ]
    .join(",");
    let good_csv = format!("id,name,type,properties,tags\r\n{row}\r\n");
    let csv = format!("{good_csv}\"/never closed\n");
    let (code, report, _) = audit_files(&[
        ("utf16.json", &utf16),
        ("deep.json", deep.as_bytes()),
        ("latin1.json", &not_utf8),
        ("broken.csv", csv.as_bytes()),
        ("empty.json", b""),
    ]);
    assert_eq!(code, Some(1));
    let errors = parse_errors(&report);
    let paths: Vec<&str> = errors.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        ["broken.csv", "deep.json", "empty.json", "latin1.json"],
        "{errors:?}"
    );
    assert!(errors[0].1.contains("never closed"), "{}", errors[0].1);
    // The UTF-16 export is judged like the UTF-8 one.
    let utf16_findings = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"] == "utf16.json" && f["rule"] == "IG001")
        .count();
    assert_eq!(utf16_findings, 2);

    // A CSV whose quoted fields hold commas, quotes and line breaks is read.
    let (_, report, _) = audit_files(&[("estate.csv", good_csv.as_bytes())]);
    assert!(parse_errors(&report).is_empty(), "{:#}", report["findings"]);
    let entry = &report["resources"][0];
    assert_eq!(entry["tags"]["note"], "two, \"quoted\"\nlines");
    assert_eq!(entry["status"], "noncompliant");
}

#[test]
fn an_export_beyond_the_size_limit_is_an_ig000() {
    let repo = Repo::new();
    let path = repo.write("huge.json", "[{\"id\": \"/subscriptions/");
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    // Exports are larger than templates (100,000 machines are about 150 MB): the limit is
    // 1 GiB. The file is sparse: only its head is read.
    file.set_len(1024 * 1024 * 1024 + 1).unwrap();
    let out = repo
        .imagegate(&["audit", "--format", "json", "huge.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors = parse_errors(&report);
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].1.starts_with(
            "cannot read inventory export: the file is 1024 MiB, larger than the 1024 MiB limit"
        ),
        "{}",
        errors[0].1
    );
}

#[test]
fn audit_needs_files_and_refuses_the_options_about_templates() {
    let out = imagegate(&["audit"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("<PATHS>"));
    let out = imagegate(&["audit", "--judge-no-op", &fixture("az-vm-list.json")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("options of `check`"));
    // `audit --help` does not offer them.
    let help = String::from_utf8(imagegate(&["audit", "--help"]).stdout).unwrap();
    assert!(help.contains("Inventory exports") && !help.contains("--stdin-filename"));
}

#[test]
fn tag_rules_read_deployed_tags_and_other_types_are_counted() {
    let export = std::fs::read(format!("{MANIFEST}/{}", fixture("graph-query-rows.json"))).unwrap();
    let mut rows: Vec<Value> = serde_json::from_slice(&export).unwrap();
    // A broad `Resources` query also returns resources that carry no image.
    rows.push(serde_json::json!({
        "id": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-web/providers/Microsoft.Network/networkInterfaces/vm-web-01-nic",
        "name": "vm-web-01-nic",
        "type": "microsoft.network/networkinterfaces",
        "properties": {"ipConfigurations": []}
    }));
    rows[1]["tags"] = serde_json::json!({});
    let repo = Repo::new();
    repo.write("rows.json", serde_json::to_string_pretty(&rows).unwrap());
    repo.write(
        "imagegate.toml",
        format!(
            "{}\n[tags]\nrequired = [\"owner\"]\n",
            std::fs::read_to_string(format!("{MANIFEST}/{CONFIG}")).unwrap()
        ),
    );
    let out = repo
        .imagegate(&["audit", "--format", "json", "rows.json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let legacy = vm_id(SUB, "rg-legacy", "vm-legacy-01");
    let mut found: Vec<String> = findings_about(&report, &legacy)
        .into_iter()
        .map(|(rule, _, _)| rule)
        .collect();
    found.sort();
    assert_eq!(found, ["IG001", "IG005"], "{:#}", report["findings"]);
    assert!(findings_about(&report, &vm_id(SUB, "rg-web", "vm-web-01")).is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("rows.json: 1 entry of types that carry no image (microsoft.network/networkinterfaces) not judged"),
        "{stderr}"
    );
    assert_eq!(report["resources"].as_array().unwrap().len(), 3);
}
