//! Exemptions (#14): `[[exempt]]` entries in the config and inline comments in templates.
//! Exempted findings are never silent (JSON `status`, SARIF `suppressions`, the summary), never
//! fail a run; an expired entry stops exempting and is reported (IG008); one that exempts
//! nothing is reported (IG009).

use crate::common::{Repo, vm_template};
use serde_json::Value;

const MARKETPLACE: &str = r#"{ "publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2", "version": "latest" }"#;

/// Runs `imagegate ARGS` on `IMAGEGATE_TODAY` = 2026-11-28; (exit code, stdout).
fn run(repo: &Repo, args: &[&str]) -> (Option<i32>, String, String) {
    let out = repo
        .imagegate(args)
        .env("IMAGEGATE_TODAY", "2026-11-28")
        .output()
        .expect("runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(repo: &Repo, args: &[&str]) -> (Option<i32>, Value) {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = run(repo, &all);
    (
        code,
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}{stderr}")),
    )
}

/// (rule, path, line, status) of every finding.
fn findings(report: &Value) -> Vec<(String, String, u64, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn statuses(report: &Value) -> Vec<(String, String)> {
    report["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_string(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A repository with a legacy VM and a new VM, both on a Marketplace image.
fn estate(config: &str) -> Repo {
    let repo = Repo::new();
    repo.write("imagegate.toml", config);
    repo.write(
        "legacy/azuredeploy.json",
        vm_template("legacy-vm", MARKETPLACE),
    );
    repo.write("app/azuredeploy.json", vm_template("app-vm", MARKETPLACE));
    repo
}

#[test]
fn an_entry_exempts_by_path_and_rule_and_the_resource_is_exempt() {
    let repo = estate(
        r#"
[[exempt]]
path = "legacy/**"
rule = "IG001"
reason = "Legacy estate, migrating by Q2 (INFRA-123)"
expires = 2027-06-30
"#,
    );
    let (code, report) = json(&repo, &[]);
    // The other VM still fails the run.
    assert_eq!(code, Some(1));
    assert_eq!(
        findings(&report),
        [
            (
                "IG001".into(),
                "app/azuredeploy.json".into(),
                16,
                "open".into()
            ),
            (
                "IG001".into(),
                "legacy/azuredeploy.json".into(),
                16,
                "exempt".into()
            ),
        ]
    );
    let exempted = &report["findings"][1]["suppression"];
    assert_eq!(exempted["kind"], "exemption");
    assert_eq!(
        exempted["justification"],
        "Legacy estate, migrating by Q2 (INFRA-123)"
    );
    assert_eq!(exempted["source"], "imagegate.toml:2");
    assert_eq!(exempted["expires"], "2027-06-30");
    assert_eq!(
        statuses(&report),
        [
            ("app-vm".into(), "noncompliant".into()),
            ("legacy-vm".into(), "exempt".into())
        ]
    );
    let summary = &report["summary"];
    assert_eq!(summary["findings"]["error"], 1);
    assert_eq!(summary["suppressed"]["exemption"], 1);
    assert_eq!(summary["exempt"], 1);
    // An exempt resource is not compliant: the percentage tells the truth.
    assert_eq!(summary["compliance_percent"], 0.0);
    // The human report lists it, with its reason, and does not count it.
    let (_, human, _) = run(&repo, &["check"]);
    assert!(
        human.contains("Exempted (not counted):\n  legacy/azuredeploy.json:16:29: IG001 Marketplace image Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest is not an approved image (\"Legacy estate, migrating by Q2 (INFRA-123)\", imagegate.toml:2, until 2027-06-30)\n"),
        "{human}"
    );
    assert!(
        human.contains("Found 1 error and 0 warnings.\nNot counted: 1 exempted finding (1 by the config); 1 resource exempt.\n"),
        "{human}"
    );
}

#[test]
fn every_criterion_given_must_hold() {
    // Resource name (case-insensitive wildcard) and image pattern, without a path.
    let repo = estate(
        r#"
[[exempt]]
resource = "LEGACY-*"
image = "canonical:0001-com-ubuntu-server-jammy:*"
reason = "r"

[[exempt]]
resource = "app-vm"
image = "MicrosoftWindowsServer:*"
reason = "another image: does not match"
"#,
    );
    let (code, report) = json(&repo, &[]);
    assert_eq!(code, Some(1));
    let f = findings(&report);
    assert_eq!(f[0].1, "app/azuredeploy.json");
    assert_eq!(f[0].3, "open", "app-vm's image is not the entry's: {f:?}");
    assert_eq!(f[2].1, "legacy/azuredeploy.json");
    assert_eq!(f[2].3, "exempt");
    // The second entry matched nothing in a run over the whole project: IG009 at its line.
    assert!(
        f.contains(&("IG009".into(), "imagegate.toml".into(), 7, "open".into())),
        "{f:?}"
    );
}

#[test]
fn an_expired_entry_stops_exempting_and_is_reported() {
    let repo = estate(
        r#"mode = "deny"

[[exempt]]
path = "legacy/**"
reason = "Migration promised for Q3"
expires = "2026-09-30"
"#,
    );
    let (code, report) = json(&repo, &[]);
    assert_eq!(code, Some(1));
    let f = findings(&report);
    assert!(f.iter().all(|f| f.3 == "open"), "{f:?}");
    let expired = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "IG008")
        .expect("IG008");
    assert_eq!(
        (expired["path"].as_str(), expired["line"].as_u64()),
        (Some("imagegate.toml"), Some(3))
    );
    assert_eq!(
        expired["message"],
        "exemption (path `legacy/**`) expired on 2026-09-30 (\"Migration promised for Q3\"): it no longer exempts the finding it matches"
    );
    assert_eq!(expired["severity"], "warning");
    // The last day still exempts.
    let out = repo
        .imagegate(&["check", "--format", "json"])
        .env("IMAGEGATE_TODAY", "2026-09-30")
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(findings(&report).iter().any(|f| f.3 == "exempt"));
    assert!(findings(&report).iter().all(|f| f.0 != "IG008"));
    // A "today" that is not a date is a usage error, never a silent clock.
    let out = repo
        .imagegate(&["check"])
        .env("IMAGEGATE_TODAY", "next tuesday")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("IMAGEGATE_TODAY is set to `next tuesday`")
    );
}

#[test]
fn unused_entries_are_told_only_when_the_run_saw_the_whole_project() {
    let repo = estate(
        r#"
[[exempt]]
path = "retired/**"
reason = "nothing is there any more"
"#,
    );
    let (_, report) = json(&repo, &[]);
    let f = findings(&report);
    assert!(
        f.contains(&("IG009".into(), "imagegate.toml".into(), 2, "open".into())),
        "{f:?}"
    );
    assert_eq!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == "IG009")
            .unwrap()["message"],
        "exemption (path `retired/**`) matched no finding (\"nothing is there any more\")"
    );
    // A pre-commit run over one file sees too little to say an entry is unused.
    let (_, report) = json(&repo, &["app/azuredeploy.json"]);
    assert!(findings(&report).iter().all(|f| f.0 != "IG009"), "{report}");
    // Nor does a run that leaves files out.
    let (_, report) = json(&repo, &["--exclude", "app/**"]);
    assert!(findings(&report).iter().all(|f| f.0 != "IG009"), "{report}");
}

#[test]
fn bad_entries_are_usage_errors_naming_the_key() {
    for (config, expected) in [
        (
            "[[exempt]]\npath = \"a/**\"\nreason = \"\"\n",
            "imagegate.toml:1: key `exempt[0].reason`: an exemption needs a reason",
        ),
        (
            "[[exempt]]\nrule = \"IG001\"\nreason = \"all of them\"\n",
            "key `exempt[0]`: an exemption must name a `path`, a `resource` or an `image`",
        ),
        (
            "[[exempt]]\npath = \"a/**\"\nrule = \"IG000\"\nreason = \"x\"\n",
            "key `exempt[0].rule`: IG000 (parse-error) cannot be exempted",
        ),
        (
            "[[exempt]]\npath = \"a/**\"\nrule = [\"IG001\", \"IG404\"]\nreason = \"x\"\n",
            "key `exempt[0].rule`: `IG404` names no rule",
        ),
        (
            "[[exempt]]\npath = \"a/[**\"\nreason = \"x\"\n",
            "key `exempt[0].path`: bad glob `a/[**`",
        ),
        (
            "[[exempt]]\npath = \"a/**\"\nreason = \"x\"\nexpires = 2027-02-30\n",
            "key `exempt.expires`: invalid date",
        ),
        (
            "[[exempt]]\npath = \"a/**\"\nreason = \"x\"\nexpires = \"2027-02-30\"\n",
            "`2027-02-30` is not a date (YYYY-MM-DD)",
        ),
        (
            "[[exempt]]\npath = \"a/**\"\nreason = \"x\"\nowner = \"me\"\n",
            "unknown field `owner`",
        ),
    ] {
        let repo = estate(config);
        let (code, _, stderr) = run(&repo, &["check"]);
        assert_eq!(code, Some(2), "{config}: {stderr}");
        assert!(stderr.contains(expected), "{config}: {stderr}");
    }
}

#[test]
fn an_inline_comment_exempts_the_finding_on_the_line_after_it() {
    let repo = Repo::new();
    let template = vm_template("build-agent", MARKETPLACE).replace(
        "          \"imageReference\"",
        "          // imagegate-ignore IG001: build agents use the Marketplace image until SEC-42 ships\n          \"imageReference\"",
    );
    repo.write("agents/azuredeploy.json", &template);
    let (code, report) = json(&repo, &[]);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(
        findings(&report),
        [(
            "IG001".into(),
            "agents/azuredeploy.json".into(),
            17,
            "exempt".into()
        )]
    );
    let s = &report["findings"][0]["suppression"];
    assert_eq!(s["kind"], "inline");
    assert_eq!(
        s["justification"],
        "build agents use the Marketplace image until SEC-42 ships"
    );
    assert_eq!(statuses(&report), [("build-agent".into(), "exempt".into())]);
    // Above the resource's first line works too.
    let repo = Repo::new();
    let template = vm_template("build-agent", MARKETPLACE).replace(
        "  \"resources\": [\n    {",
        "  \"resources\": [\n    // imagegate-ignore unapproved-image: build agent\n    {",
    );
    repo.write("azuredeploy.json", &template);
    let (code, report) = json(&repo, &[]);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(findings(&report)[0].3, "exempt");
}

#[test]
fn an_inline_comment_exempts_only_the_rules_it_names_and_only_where_it_stands() {
    let repo = Repo::new();
    // It names IG003, not IG001; and another file's finding on the same line is not its.
    let template = vm_template("vm", MARKETPLACE).replace(
        "          \"imageReference\"",
        "          // imagegate-ignore IG003: pinned by the pipeline\n          \"imageReference\"",
    );
    repo.write("a/azuredeploy.json", &template);
    repo.write(
        "b/azuredeploy.json",
        vm_template("vm", MARKETPLACE).replace("\"resources\"", "\n\"resources\""),
    );
    let (code, report) = json(&repo, &[]);
    assert_eq!(code, Some(1));
    let f = findings(&report);
    assert_eq!(
        f,
        [
            (
                "IG009".into(),
                "a/azuredeploy.json".into(),
                16,
                "open".into()
            ),
            (
                "IG001".into(),
                "a/azuredeploy.json".into(),
                17,
                "open".into()
            ),
            (
                "IG001".into(),
                "b/azuredeploy.json".into(),
                17,
                "open".into()
            ),
        ]
    );
    let unused = &report["findings"][0];
    assert_eq!(
        unused["message"],
        "this exemption comment (IG003) matched no finding on the line after it"
    );
}

#[test]
fn an_inline_comment_without_a_reason_or_with_a_run_rule_exempts_nothing() {
    for (comment, why) in [
        ("// imagegate-ignore IG001", "it gives no reason"),
        ("// imagegate-ignore: because", "it names no rule"),
        (
            "// imagegate-ignore IG000, IG001: hide the parse error",
            "IG000 (parse-error) cannot be exempted",
        ),
    ] {
        let repo = Repo::new();
        let template = vm_template("vm", MARKETPLACE).replace(
            "          \"imageReference\"",
            &format!("          {comment}\n          \"imageReference\""),
        );
        repo.write("azuredeploy.json", &template);
        let (code, report) = json(&repo, &[]);
        assert_eq!(code, Some(1), "{comment}");
        let f = findings(&report);
        assert_eq!(f[0].0, "IG009");
        assert_eq!(
            f[1],
            ("IG001".into(), "azuredeploy.json".into(), 17, "open".into())
        );
        let message = report["findings"][0]["message"].as_str().unwrap();
        assert!(message.contains(why), "{comment}: {message}");
    }
}

#[test]
fn the_config_can_turn_inline_exemptions_off() {
    let repo = Repo::new();
    repo.write("imagegate.toml", "inline_exemptions = false\n");
    let template = vm_template("vm", MARKETPLACE).replace(
        "          \"imageReference\"",
        "          // imagegate-ignore IG001: please\n          \"imageReference\"",
    );
    repo.write("azuredeploy.json", &template);
    let (code, report) = json(&repo, &[]);
    assert_eq!(code, Some(1));
    let f = findings(&report);
    assert_eq!(
        f[1],
        ("IG001".into(), "azuredeploy.json".into(), 17, "open".into())
    );
    assert!(
        report["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("the config turns inline exemptions off"),
        "{report}"
    );
}

#[test]
fn bicep_pragmas_and_comments_exempt() {
    // Bicep's own pragma (https://learn.microsoft.com/azure/azure-resource-manager/bicep/linter#silencing-false-positives):
    // `#disable-next-line <codes>` silences the next line; imagegate reads its `imagegate-` codes.
    let repo = Repo::new();
    repo.write(
        "main.bicep",
        "param imageId string\n\n#disable-next-line no-hardcoded-location imagegate-IG002 // the release pipeline passes the golden image\n@description('The app VM')\nresource vm 'Microsoft.Compute/virtualMachines@2024-03-01' = {\n  name: 'app-vm'\n  location: 'westeurope'\n  properties: {\n    storageProfile: {\n      imageReference: { id: imageId }\n    }\n  }\n}\n\nresource agent 'Microsoft.Compute/virtualMachines@2024-03-01' = {\n  name: 'agent'\n  location: 'westeurope'\n  properties: {\n    storageProfile: {\n      // imagegate-ignore IG001: build agent (SEC-42)\n      imageReference: { publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: 'latest' }\n    }\n  }\n}\n",
    );
    let (code, report) = json(&repo, &[]);
    assert_eq!(code, Some(0), "{report}");
    let f = findings(&report);
    assert_eq!(
        f,
        [
            ("IG002".into(), "main.bicep".into(), 10, "exempt".into()),
            ("IG001".into(), "main.bicep".into(), 21, "exempt".into()),
        ]
    );
    assert_eq!(
        report["findings"][0]["suppression"]["justification"],
        "the release pipeline passes the golden image"
    );
}

#[test]
fn a_lone_carriage_return_ends_the_line_an_exemption_covers() {
    // A lone CR (no LF) ends a line for Bicep (its lexer, and `#disable-next-line`'s "next
    // line": https://learn.microsoft.com/azure/azure-resource-manager/bicep/linter#silencing-false-positives),
    // for the Language Server Protocol and SARIF (3.30.2), and in every editor a reviewer reads
    // the change in. The pragma below covers the `osDisk` line after the CR, not the Marketplace
    // `imageReference` on the line after that: the image is judged, and the pragma, which
    // exempts nothing, is told.
    let repo = Repo::new();
    repo.write(
        "main.bicep",
        "resource vm 'Microsoft.Compute/virtualMachines@2024-03-01' = {\n  name: 'app-vm'\n  location: 'westeurope'\n  properties: {\n    storageProfile: {\n      #disable-next-line imagegate-IG001 // the OS disk's settings are the platform team's\r      osDisk: { createOption: 'FromImage' }\n      imageReference: { publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: 'latest' }\n    }\n  }\n}\n",
    );
    let (code, report) = json(&repo, &[]);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(
        findings(&report),
        [
            ("IG009".into(), "main.bicep".into(), 6, "open".into()),
            ("IG001".into(), "main.bicep".into(), 8, "open".into()),
        ]
    );
}

#[test]
fn exempted_findings_are_suppressions_in_sarif_and_absent_from_github_annotations() {
    let repo = estate(
        r#"
[[exempt]]
path = "legacy/**"
reason = "Legacy estate"
"#,
    );
    let (_, sarif, _) = run(&repo, &["check", "--format", "sarif"]);
    let sarif: Value = serde_json::from_str(&sarif).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let legacy = results
        .iter()
        .find(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                == "legacy/azuredeploy.json"
        })
        .unwrap();
    assert_eq!(
        legacy["suppressions"],
        serde_json::json!([{ "kind": "external", "status": "accepted", "justification": "Legacy estate", "properties": { "source": "imagegate.toml:2" } }])
    );
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/testdata/schemas/sarif-2.1.0.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(validator.is_valid(&sarif));
    let (code, github, _) = run(&repo, &["check", "--format", "github"]);
    assert_eq!(code, Some(1));
    assert!(!github.contains("file=legacy/"), "{github}");
    assert!(github.contains("file=app/azuredeploy.json"), "{github}");
    assert!(
        github.contains("Not counted: 1 exempted finding (1 by the config); 1 resource exempt."),
        "{github}"
    );
}

#[test]
fn a_flood_of_exemption_comments_is_bounded_and_the_other_files_are_judged() {
    // Hostile: a file of comments that look like exemptions. Each is reported (it exempts
    // nothing), at most 1,000 are honoured, one more says so, and nothing else changes.
    let repo = Repo::new();
    let flood = "// imagegate-ignore IG001: nothing to see\n".repeat(5_000);
    repo.write(
        "flood/azuredeploy.json",
        format!("{flood}{}", vm_template("flood-vm", MARKETPLACE)),
    );
    repo.write("app/azuredeploy.json", vm_template("app-vm", MARKETPLACE));
    let (code, report) = json(&repo, &[]);
    assert_eq!(code, Some(1));
    let f = findings(&report);
    let unused = f.iter().filter(|f| f.0 == "IG009").count();
    assert_eq!(unused, 1001, "{:?}", &f[..3]);
    assert!(report["findings"].as_array().unwrap().iter().any(|f| {
        f["message"]
            .as_str()
            .unwrap()
            .contains("more than 1000 exemption comments")
    }));
    for path in ["app/azuredeploy.json", "flood/azuredeploy.json"] {
        assert!(
            f.iter()
                .any(|f| f.0 == "IG001" && f.1 == path && f.3 == "open"),
            "{path}"
        );
    }
}

/// A copy of `testdata/exemptions/trusted/<tree>` (`base`: a repository's main branch, `pr`: a
/// pull request against it) in a git repository of its own.
fn trusted_fixture(tree: &str) -> Repo {
    let repo = Repo::new();
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/exemptions/trusted")
        .join(tree);
    crate::common::copy_tree(&folder, repo.path());
    crate::common::git(repo.path(), &["init", "-q"]);
    repo
}

/// The base branch's trusted exemptions, written by a run over it into `into`.
fn base_trusted_exemptions(into: &Repo) -> String {
    let base = trusted_fixture("base");
    let file = into.path().join("trusted-exemptions.json");
    let file = file.to_str().unwrap().to_string();
    let (code, _, stderr) = run(
        &base,
        &["check", "--exit-zero", "--write-trusted-exemptions", &file],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("wrote 6 exempted findings to the trusted exemptions"),
        "{stderr}"
    );
    file
}

#[test]
fn trusted_exemptions_record_what_each_comment_exempted_each_resource_its_own() {
    let scratch = Repo::new();
    let file = base_trusted_exemptions(&scratch);
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(
        (&written["version"], &written["tool"]),
        (&1.into(), &"imagegate".into())
    );
    let entries: Vec<(&str, &str, &str)> = written["exemptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["path"].as_str().unwrap(),
                e["rule"].as_str().unwrap(),
                e["resource"].as_str().unwrap(),
            )
        })
        .collect();
    // The copy loop's three VMs are one finding in the report, three entries here: a pull
    // request that leaves them alone keeps each exempted.
    assert_eq!(
        entries,
        [
            (
                "agents/azuredeploy.json",
                "IG001",
                "Microsoft.Compute/virtualMachines/agent-0"
            ),
            (
                "agents/azuredeploy.json",
                "IG001",
                "Microsoft.Compute/virtualMachines/agent-1"
            ),
            (
                "agents/azuredeploy.json",
                "IG001",
                "Microsoft.Compute/virtualMachines/agent-2"
            ),
            (
                "legacy/azuredeploy.json",
                "IG001",
                "Microsoft.Compute/virtualMachines/legacy-agent"
            ),
            (
                "moved/azuredeploy.json",
                "IG001",
                "Microsoft.Compute/virtualMachines/old-vm"
            ),
            (
                "tools/main.bicep",
                "IG001",
                "Microsoft.Compute/virtualMachines/tools"
            ),
        ]
    );
    // The base branch's own run with them: every comment still exempts.
    let base = trusted_fixture("base");
    let (code, report) = json(&base, &["--trusted-exemptions", &file]);
    assert_eq!(code, Some(1), "{report}");
    assert!(
        findings(&report)
            .iter()
            .all(|f| f.0 == "IG001" && (f.3 == "exempt" || f.1 == "app/main.bicep")),
        "{report}"
    );
}

#[test]
fn trusted_exemptions_let_only_the_base_branchs_comments_exempt() {
    let scratch = Repo::new();
    let file = base_trusted_exemptions(&scratch);
    let pr = trusted_fixture("pr");
    // Without them, every comment of the pull request exempts what it covers.
    let (code, report) = json(&pr, &[]);
    assert_eq!(code, Some(0), "{report}");
    assert!(
        findings(&report).iter().all(|f| f.3 == "exempt"),
        "{report}"
    );
    let (code, report) = json(&pr, &["--trusted-exemptions", &file]);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(
        findings(&report),
        [
            // Unchanged: each VM of the loop is the base branch's exemption.
            (
                "IG001".into(),
                "agents/azuredeploy.json".into(),
                19,
                "exempt".into()
            ),
            // Added: the pull request approves its own image.
            ("IG009".into(), "app/main.bicep".into(), 9, "open".into()),
            ("IG001".into(), "app/main.bicep".into(), 10, "open".into()),
            // Moved down four lines with its resource: still the base branch's.
            (
                "IG001".into(),
                "legacy/azuredeploy.json".into(),
                21,
                "exempt".into()
            ),
            // The same comment above another VM: not the base branch's exemption.
            (
                "IG009".into(),
                "moved/azuredeploy.json".into(),
                12,
                "open".into()
            ),
            (
                "IG001".into(),
                "moved/azuredeploy.json".into(),
                13,
                "open".into()
            ),
            // The same comment above another image: not either.
            ("IG009".into(), "tools/main.bicep".into(), 9, "open".into()),
            ("IG001".into(), "tools/main.bicep".into(), 10, "open".into()),
        ]
    );
    let messages: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "IG009")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages[0],
        "this exemption comment does not exempt IG001 on `app` (Marketplace image Canonical:ubuntu-24_04-lts:server:latest): it is new or changed (the trusted exemptions the run was given, in the GitHub Action the base branch's, do not exempt that finding), so a reviewer must approve it; until then the finding counts"
    );
    assert!(messages[1].contains("IG001 on `new-vm`"), "{}", messages[1]);
    assert!(
        messages[2].contains("IG001 on `tools` (Marketplace image vendor:appliance:v2:2.0.0)"),
        "{}",
        messages[2]
    );
    let help = report["findings"][1]["help"].as_str().unwrap();
    assert!(
        help.contains("a reviewer approves the exemption by merging it"),
        "{help}"
    );
    assert_eq!(
        statuses(&report),
        [
            ("agent-0".into(), "exempt".into()),
            ("agent-1".into(), "exempt".into()),
            ("agent-2".into(), "exempt".into()),
            ("app".into(), "noncompliant".into()),
            ("legacy-agent".into(), "exempt".into()),
            ("new-vm".into(), "noncompliant".into()),
            ("tools".into(), "noncompliant".into()),
        ]
    );
    // The rollout figures count as `check` does.
    let (code, figures, stderr) = run(
        &pr,
        &["report", "--format", "json", "--trusted-exemptions", &file],
    );
    assert_eq!(code, Some(0), "{stderr}");
    let figures: Value = serde_json::from_str(&figures).unwrap();
    assert_eq!(figures["total"]["exempt"], 4, "{figures}");
}

#[test]
fn trusted_exemptions_that_cannot_be_read_stop_the_run() {
    let repo = trusted_fixture("pr");
    repo.write("not-json.json", "{ \"version\": 1");
    repo.write(
        "other-version.json",
        "{ \"version\": 2, \"tool\": \"imagegate\", \"exemptions\": [] }",
    );
    repo.write(
        "baseline.json",
        "{ \"version\": 1, \"tool\": \"imagegate\", \"findings\": [] }",
    );
    for (file, expected) in [
        (
            "missing.json",
            "cannot read the trusted exemptions missing.json",
        ),
        (
            "not-json.json",
            "not-json.json is not a file of trusted exemptions: EOF",
        ),
        (
            "other-version.json",
            "version 2 of imagegate, not version 1 of imagegate",
        ),
        ("baseline.json", "unknown field `findings`"),
    ] {
        let (code, stdout, stderr) = run(&repo, &["check", "--trusted-exemptions", file]);
        assert_eq!(code, Some(2), "{file}: {stdout}");
        assert!(stderr.contains(expected), "{file}: {stderr}");
        assert!(stdout.is_empty(), "{file}: {stdout}");
    }
}
