//! Lifecycle and governance rules through the binary: IG004 (deprecated image versions, from
//! `[[approved.image]]` and a gallery snapshot), IG005 (required tags) and IG007 (the
//! image-version tag), on `testdata/rollout/lifecycle/` (ARM, Bicep and a Terraform plan with
//! their own imagegate.toml), and the config errors of the new keys.

use crate::common::Command;
use crate::common::*;
use predicates::prelude::*;
use serde_json::Value;

const MANIFEST: &str = env!("CARGO_MANIFEST_DIR");
const FIXTURE: &str = "testdata/rollout/lifecycle";

/// `imagegate check --format json testdata/rollout/lifecycle` with "today" set, and its exit
/// code.
fn run_fixture(today: &str) -> (Value, Option<i32>) {
    let out = Command::new()
        .current_dir(MANIFEST)
        .env("IMAGEGATE_TODAY", today)
        .args(["check", "--format", "json", FIXTURE])
        .output()
        .unwrap();
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
    (report, out.status.code())
}

/// Every finding as (rule, file below the fixture, line, resource name), sorted.
fn located(report: &Value) -> Vec<(String, String, u64, String)> {
    let mut found: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["path"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches(FIXTURE)
                    .trim_start_matches('/')
                    .to_owned(),
                f["line"].as_u64().unwrap(),
                f["resource"]["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    found.sort();
    found
}

fn want(rows: &[(&str, &str, u64, &str)]) -> Vec<(String, String, u64, String)> {
    let mut rows: Vec<_> = rows
        .iter()
        .map(|(r, p, l, n)| (r.to_string(), p.to_string(), *l, n.to_string()))
        .collect();
    rows.sort();
    rows
}

fn finding<'r>(report: &'r Value, rule: &str, name: &str) -> &'r Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == rule && f["resource"]["name"] == name)
        .unwrap_or_else(|| panic!("no {rule} on {name}: {report:#}"))
}

const NEWEST: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu-22.04/versions/1.6.2";

#[test]
fn the_lifecycle_fixtures_hold() {
    let (report, code) = run_fixture("2026-11-28");
    assert_eq!(
        located(&report),
        want(&[
            // ARM. web-01: 1.3.0 is past its end of life (2026-05-31) and below 1.4.0; its
            // tags are complete and state its version.
            ("IG004", "arm/azuredeploy.json", 41, "web-01"),
            // web-02: 1.6.2 is current; `Owner` is `owner` (tag names are case-insensitive),
            // `costCenter` is empty; the tag says 1.6.0.
            ("IG005", "arm/azuredeploy.json", 52, "web-02"),
            ("IG007", "arm/azuredeploy.json", 55, "web-02"),
            // web-03: its tags are a parameter nobody sets (said, not passed); 1.4.0 ended
            // on 2026-09-30 (snapshot).
            ("IG005", "arm/azuredeploy.json", 72, "web-03"),
            ("IG004", "arm/azuredeploy.json", 77, "web-03"),
            // jump-01: the win2019 definition ended on 2026-06-30. Tags in capitals count;
            // no `imageVersion` tag: nothing to compare.
            ("IG004", "arm/azuredeploy.json", 96, "jump-01"),
            // (web-04: 1.6.2, every tag, `imageVersion` 01.6.2 is 1.6.2: nothing.)
            // Bicep. The workers run 1.5.1 (`1.5.*` is deprecated); their tag follows the
            // same parameter.
            ("IG004", "bicep/main.bicep", 27, "batch-workers"),
            // The scheduler lacks `costCenter`, follows `latest` and still claims 1.6.2.
            ("IG005", "bicep/main.bicep", 38, "batch-scheduler"),
            ("IG007", "bicep/main.bicep", 40, "batch-scheduler"),
            ("IG003", "bicep/main.bicep", 45, "batch-scheduler"),
            // Terraform plan. api["01"]: 1.3.0, no `costCenter`; api["02"]: 1.6.2 and tags
            // known only after apply (said at the resource).
            (
                "IG004",
                "terraform/plan.json",
                40,
                "azurerm_linux_virtual_machine.api[\"01\"]"
            ),
            (
                "IG005",
                "terraform/plan.json",
                42,
                "azurerm_linux_virtual_machine.api[\"01\"]"
            ),
            (
                "IG005",
                "terraform/plan.json",
                72,
                "azurerm_linux_virtual_machine.api[\"02\"]"
            ),
        ]),
        "{report:#}"
    );
    // All warnings by default: the run passes.
    assert_eq!(code, Some(0));
    // A deprecated image is still an approved one: every resource is compliant.
    let statuses = resource_statuses(&report);
    assert_eq!(statuses.len(), 9);
    assert!(statuses.iter().all(|s| s == "compliant"), "{statuses:?}");

    let web01 = finding(&report, "IG004", "web-01");
    assert!(
        web01["message"].as_str().unwrap().ends_with(
            "/ubuntu-22.04/versions/1.3.0 is approved, but version 1.3.0 is deprecated: the \
             version reached its end of life on 2026-05-31 (gallery snapshot); and it is below \
             the minimum version 1.4.0"
        ),
        "{web01:#}"
    );
    // The newest good version: 1.7.0 is excluded from latest, so 1.6.2.
    for (rule, name) in [("IG004", "web-01"), ("IG003", "batch-scheduler")] {
        let help = finding(&report, rule, name)["help"].as_str().unwrap();
        assert!(
            help.starts_with(&format!("pin `{NEWEST}`, the newest")),
            "{help}"
        );
    }
    // The definition's end of life has no snapshot: no version to name.
    assert!(finding(&report, "IG004", "jump-01")["help"].is_null());
    assert!(
        finding(&report, "IG004", "jump-01")["message"]
            .as_str()
            .unwrap()
            .ends_with("the image definition reached its end of life on 2026-06-30")
    );
    assert_eq!(
        finding(&report, "IG005", "web-02")["message"],
        "virtualMachines 'web-02' lacks the required tag `costCenter` (empty value)"
    );
    let unknown = finding(&report, "IG005", "web-03")["message"]
        .as_str()
        .unwrap();
    assert!(
        unknown.starts_with(
            "cannot tell whether virtualMachines 'web-03' carries the required tags `owner`, \
             `costCenter`: its tags are not known offline (parameter 'commonTags'"
        ),
        "{unknown}"
    );
    let mismatch = finding(&report, "IG007", "web-02");
    assert!(
        mismatch["message"]
            .as_str()
            .unwrap()
            .starts_with("the tag `imageVersion` says the image version is 1.6.0, but the resource deploys version 1.6.2"),
        "{mismatch:#}"
    );
    // Related location: the image.
    assert!(
        mismatch["related"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["line"] == 61
                && r["message"]
                    .as_str()
                    .unwrap()
                    .starts_with("the image is set here")),
        "{mismatch:#}"
    );
}

#[test]
fn today_decides_what_has_reached_its_end_of_life() {
    // Before every end of life: only the minimum version and the deprecated glob remain.
    let (report, _) = run_fixture("2026-05-30");
    let deprecated: Vec<String> = located(&report)
        .into_iter()
        .filter(|(rule, ..)| rule == "IG004")
        .map(|(.., name)| name)
        .collect();
    assert_eq!(
        deprecated,
        [
            "web-01",
            "batch-workers",
            "azurerm_linux_virtual_machine.api[\"01\"]"
        ]
    );
    assert!(
        finding(&report, "IG004", "web-01")["message"]
            .as_str()
            .unwrap()
            .ends_with("is deprecated: it is below the minimum version 1.4.0")
    );
    // On the definition's end-of-life day itself it has not passed yet.
    let (report, _) = run_fixture("2026-06-30");
    assert!(!located(&report).iter().any(|(.., name)| name == "jump-01"));
    let (report, _) = run_fixture("2026-07-01");
    assert!(located(&report).iter().any(|(.., name)| name == "jump-01"));
}

#[test]
fn a_today_that_is_not_a_date_stops_the_run() {
    Command::new()
        .current_dir(MANIFEST)
        .env("IMAGEGATE_TODAY", "tomorrow")
        .args(["check", FIXTURE])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "IMAGEGATE_TODAY is set to `tomorrow`",
        ));
}

#[test]
fn the_new_rules_are_listed_documented_and_configurable() {
    let repo = Repo::new();
    repo.imagegate(&["rules"]).assert().success().stdout(
        predicate::str::contains("IG004")
            .and(predicate::str::contains("deprecated-image-version"))
            .and(predicate::str::contains("missing-required-tags"))
            .and(predicate::str::contains("image-tag-mismatch")),
    );
    repo.imagegate(&["rules", "IG007"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Why not IG006"));
    // `[rules]` makes a tag rule fail the run.
    repo.write(
        "azuredeploy.json",
        arm_template(
            "",
            "",
            &arm_vm(
                "vm1",
                &format!(r#"{{ "id": "{GOLDEN_VERSION}" }}"#),
                r#""tags": { "owner": "x" },"#,
            ),
        ),
    );
    repo.write("imagegate.toml", "[tags]\nrequired = [\"owner\"]\n");
    repo.imagegate(&["check"]).assert().code(0);
    repo.write(
        "imagegate.toml",
        "[tags]\nrequired = [\"owner\", \"costCenter\"]\n[rules]\nIG005 = \"error\"\n",
    );
    repo.imagegate(&["check"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("error[IG005]"));
}

/// An imagegate.toml with one lifecycle entry whose last lines are `entry`.
fn lifecycle_toml(entry: &str) -> String {
    format!(
        "[approved]\nimages = []\n\n[[approved.image]]\nid = \"/subscriptions/*/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/*\"\n{entry}"
    )
}

#[test]
fn bad_lifecycle_config_is_a_usage_error_naming_file_line_and_key() {
    let repo = Repo::new();
    repo.write("azuredeploy.json", golden_vm("vm1"));
    let cases = [
        (
            "min_version = \"1.4\"\n",
            "imagegate.toml:6: key `approved.image[0].min_version`: `1.4` is not an image version",
        ),
        (
            "end_of_life = \"2027-02-30\"\n",
            "imagegate.toml:6: key `approved.image[0].end_of_life`",
        ),
        (
            "deprecated = [\"1.2.x\"]\n",
            "imagegate.toml:6: key `approved.image[0].deprecated`: `1.2.x` is not a version glob",
        ),
        (
            "gallery_versions = [\"gallery/ubuntu.json\"]\n",
            "imagegate.toml:6: key `approved.image[0].gallery_versions`: gallery snapshot `gallery/ubuntu.json`: ",
        ),
        (
            "[tags]\nrequired = [\"\"]\n",
            "imagegate.toml:7: key `tags.required[0]`: a tag name must not be empty",
        ),
    ];
    for (entry, wanted) in cases {
        repo.write("imagegate.toml", lifecycle_toml(entry));
        repo.imagegate(&["check"])
            .assert()
            .code(2)
            .stderr(
                predicate::str::contains(wanted).and(predicate::str::starts_with(
                    "imagegate: error: invalid config ",
                )),
            );
    }
    // A snapshot that is not what `az sig image-version list -o json` prints.
    repo.write(
        "gallery/ubuntu.json",
        "{\"value\": [{\"name\": \"1.0.0\",}]}",
    );
    repo.write(
        "imagegate.toml",
        lifecycle_toml("gallery_versions = [\"gallery/ubuntu.json\"]\n"),
    );
    repo.imagegate(&["check"]).assert().code(2).stderr(predicate::str::contains(
        "imagegate.toml:6: key `approved.image[0].gallery_versions`: gallery snapshot `gallery/ubuntu.json`: trailing comma",
    ));
    // And one that is: the run goes on.
    repo.write("gallery/ubuntu.json", "[]");
    repo.imagegate(&["check"]).assert().code(0);
}

#[test]
fn a_deprecated_version_is_never_suggested_from_the_repository() {
    // Two VMs of one definition: one pinned, one unpinned. The unpinned one's help names the
    // newest version the repository deploys — unless the lifecycle deprecates it.
    let definition = GOLDEN_VERSION.trim_end_matches("/versions/1.4.0");
    let repo = Repo::new();
    repo.write(
        "azuredeploy.json",
        arm_template(
            "",
            "",
            &format!(
                "{},{}",
                arm_vm("pinned", &format!(r#"{{ "id": "{GOLDEN_VERSION}" }}"#), ""),
                arm_vm("unpinned", &format!(r#"{{ "id": "{definition}" }}"#), "")
            ),
        ),
    );
    let help = |min_version: &str| {
        repo.write(
            "imagegate.toml",
            format!(
                "[[approved.image]]\nid = \"/subscriptions/*/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/*\"\nmin_version = \"{min_version}\"\n"
            ),
        );
        let report = check_json(&repo, &[]);
        finding(&report, "IG003", "unpinned")["help"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        help("1.0.0"),
        format!("pin a tested version: the newest this repository deploys is `{GOLDEN_VERSION}`")
    );
    assert_eq!(
        help("1.5.0"),
        format!("pin a tested version: `{definition}/versions/<major.minor.patch>`")
    );
}
