//! Output formats: snapshots of every format over the fixtures, and SARIF validated against
//! the official SARIF 2.1.0 schema.

use crate::common::*;
use assert_cmd::Command;

const MANIFEST: &str = env!("CARGO_MANIFEST_DIR");

fn run(args: &[&str]) -> String {
    let out = Command::cargo_bin("imagegate")
        .unwrap()
        .current_dir(MANIFEST)
        .env_remove("NO_COLOR")
        .env_remove("FORCE_COLOR")
        .env_remove("GITHUB_STEP_SUMMARY")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.stderr.is_empty() || out.status.code() != Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// The fixtures that show each rule and the main shapes, kept small for readable snapshots.
const SAMPLE: [&str; 5] = [
    "testdata/arm/golden-gallery-vm",
    "testdata/arm/expression-image",
    "testdata/arm/unresolved-image",
    "testdata/arm/quickstart-marketplace-vm",
    "testdata/hostile/truncated-template.json",
];

fn check(format: &str) -> String {
    let mut args = vec!["check", "--format", format];
    args.extend(SAMPLE);
    run(&args)
}

#[test]
fn human_snapshot() {
    insta::assert_snapshot!("human", check("human"));
}

#[test]
fn json_snapshot() {
    insta::assert_snapshot!("json", check("json"));
}

#[test]
fn sarif_snapshot() {
    insta::assert_snapshot!("sarif", check("sarif"));
}

#[test]
fn github_snapshot() {
    insta::assert_snapshot!("github", check("github"));
}

/// `--format concise`: one line per finding, like ruff's concise output.
#[test]
fn concise_snapshot() {
    let out = check("concise");
    // `--output-format` is the same option, as ruff spells it.
    let mut args = vec!["check", "--output-format", "concise"];
    args.extend(SAMPLE);
    assert_eq!(run(&args), out);
    insta::assert_snapshot!("concise", out);
}

/// `--format azure`: Azure Pipelines `task.logissue` commands
/// (<https://learn.microsoft.com/azure/devops/pipelines/scripts/logging-commands#logissue-log-an-error-or-warning>).
#[test]
fn azure_snapshot() {
    let out = check("azure");
    for line in out.lines() {
        assert!(
            line.starts_with("##vso[task.logissue type=") || line.starts_with("imagegate: "),
            "{line}"
        );
    }
    insta::assert_snapshot!("azure", out);
}

/// `--format gitlab`: a GitLab Code Quality report
/// (<https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format>): every
/// issue has the required fields, and no two share a fingerprint.
#[test]
fn gitlab_snapshot() {
    let out = check("gitlab");
    let issues: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let issues = issues.as_array().expect("an array");
    assert!(!issues.is_empty());
    let mut fingerprints = std::collections::BTreeSet::new();
    for issue in issues {
        assert!(issue["description"].is_string(), "{issue}");
        assert!(issue["check_name"].as_str().unwrap().starts_with("IG"));
        assert!(
            ["info", "minor", "major", "critical", "blocker"]
                .contains(&issue["severity"].as_str().unwrap()),
            "{issue}"
        );
        assert!(issue["location"]["path"].is_string(), "{issue}");
        assert!(issue["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
        assert!(fingerprints.insert(issue["fingerprint"].as_str().unwrap().to_string()));
    }
    insta::assert_snapshot!("gitlab", out);
}

/// `--format junit`: a failing case per error, a passing one per warning or note and per
/// compliant or exempt resource.
#[test]
fn junit_snapshot() {
    let out = check("junit");
    assert!(out.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "));
    assert_eq!(
        out.matches("<failure ").count(),
        out.matches("error[IG").count(),
        "{out}"
    );
    insta::assert_snapshot!("junit", out);
    // A run with nothing to say is one passing case.
    let clear = run(&["check", "--format", "junit", "testdata/arm/not-templates"]);
    assert!(clear.contains("tests=\"1\" failures=\"0\""), "{clear}");
}

#[test]
fn human_snapshot_all_clear() {
    insta::assert_snapshot!(
        "human_all_clear",
        run(&[
            "check",
            "testdata/arm/not-templates",
            "testdata/arm/partial-update"
        ])
    );
}

fn sarif_validator() -> jsonschema::Validator {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{MANIFEST}/testdata/schemas/sarif-2.1.0.json")).unwrap(),
    )
    .unwrap();
    jsonschema::validator_for(&schema).expect("the SARIF schema compiles")
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let validator = sarif_validator();
    for args in [
        vec!["check", "--format", "sarif", "testdata"],
        vec!["check", "--format", "sarif", "testdata/arm/not-templates"],
    ] {
        let sarif: serde_json::Value = serde_json::from_str(&run(&args)).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&sarif)
            .map(|e| format!("{} at {}", e, e.instance_path))
            .collect();
        assert!(errors.is_empty(), "{args:?}: {errors:#?}");
    }
}

#[test]
fn the_schema_check_can_fail() {
    // Guard against a validator that accepts anything.
    let validator = sarif_validator();
    let bad = serde_json::json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}},
        "results": [{"message": {"text": "m"}, "level": "fatal"}]}]});
    assert!(!validator.is_valid(&bad));
}

#[test]
fn sarif_meets_code_scanning_needs() {
    let sarif: serde_json::Value =
        serde_json::from_str(&run(&["check", "--format", "sarif", "testdata"])).unwrap();
    let run0 = &sarif["runs"][0];
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), imagegate::rules::Rule::ALL.len());
    for r in rules {
        for key in [
            "id",
            "name",
            "shortDescription",
            "fullDescription",
            "help",
            "defaultConfiguration",
        ] {
            assert!(!r[key].is_null(), "rule lacks {key}: {r}");
        }
        // No URI that does not resolve: the rule's document is in `help`.
        assert!(r["helpUri"].is_null(), "{r}");
        // What GitHub code scanning files and ranks alerts by.
        let tags = r["properties"]["tags"].as_array().unwrap();
        assert!(tags.iter().any(|t| t == "security"), "{r}");
        let score: f64 = r["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((0.0..=10.0).contains(&score), "{r}");
    }
    let severity = |id: &str| {
        let r = rules.iter().find(|r| r["id"] == id).unwrap();
        r["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // High, medium, low as GitHub ranks them (7.0-8.9, 4.0-6.9, 0.1-3.9).
    assert_eq!(severity("IG001"), "7.5");
    assert_eq!(severity("IG002"), "5.0");
    assert_eq!(severity("IG003"), "3.0");
    assert!(run0["tool"]["driver"]["informationUri"].is_null());
    assert_eq!(run0["automationDetails"]["id"], "imagegate/");
    for result in run0["results"].as_array().unwrap() {
        let loc = &result["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert!(
            loc["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .starts_with("testdata/")
        );
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(loc["region"]["startColumn"].as_u64().unwrap() >= 1);
        assert!(result["partialFingerprints"]["imagegate/v1"].is_string());
        // Each related location is linked from the message by its id (SARIF 3.11.6).
        let text = result["message"]["text"].as_str().unwrap();
        for related in result["relatedLocations"].as_array().into_iter().flatten() {
            let link = format!("]({})", related["id"]);
            assert!(text.contains(&link), "{link} not in {text}");
        }
    }
}

#[test]
fn fingerprints_survive_line_moves() {
    let dir = tempfile::tempdir().unwrap();
    let template = std::fs::read_to_string(format!(
        "{MANIFEST}/testdata/arm/quickstart-marketplace-vm/azuredeploy.json"
    ))
    .unwrap();
    let fp = |text: &str| {
        std::fs::write(dir.path().join("azuredeploy.json"), text).unwrap();
        let out = Command::cargo_bin("imagegate")
            .unwrap()
            .current_dir(dir.path())
            .args(["check", "--format", "json"])
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (
            v["findings"][0]["fingerprint"]
                .as_str()
                .unwrap()
                .to_string(),
            v["findings"][0]["line"].as_u64().unwrap(),
        )
    };
    let (a, line_a) = fp(&template);
    let moved = template.replacen("{", "{\n\n\n  // moved down\n", 1);
    let (b, line_b) = fp(&moved);
    assert_eq!(a, b);
    assert_eq!(line_b, line_a + 4);
}

#[test]
fn human_locations_on_long_lines_are_the_files_columns() {
    let json: serde_json::Value = serde_json::from_str(&run(&[
        "check",
        "--format",
        "json",
        "testdata/tfplan/azapi-1.2.json",
    ]))
    .unwrap();
    let human = run(&["check", "testdata/tfplan/azapi-1.2.json"]);
    let findings = json["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    for f in findings {
        let at = format!(
            "--> {}:{}:{}",
            f["path"].as_str().unwrap(),
            f["line"],
            f["column"]
        );
        assert!(human.contains(&at), "{at} missing from:\n{human}");
    }
}

#[test]
fn sarif_with_rules_set_by_the_config_validates() {
    let validator = sarif_validator();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("imagegate.toml");
    std::fs::write(
        &config,
        "[rules]\nIG002 = \"error\"\nIG003 = \"off\"\nIG001 = \"note\"\n",
    )
    .unwrap();
    let mut args = vec![
        "check",
        "--format",
        "sarif",
        "--config",
        config.to_str().unwrap(),
    ];
    args.extend(SAMPLE);
    let sarif: serde_json::Value = serde_json::from_str(&run(&args)).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let level = |id: &str| {
        let r = rules.iter().find(|r| r["id"] == id).unwrap();
        r["defaultConfiguration"].clone()
    };
    assert_eq!(level("IG002")["level"], "error");
    assert_eq!(level("IG003")["enabled"], false);
    assert_eq!(level("IG001")["level"], "note");
    assert_eq!(level("IG000")["level"], "error");
}

#[test]
fn sarif_with_a_config_not_in_effect_validates() {
    let validator = sarif_validator();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("imagegate.toml"), "mode = \"deny\"\n").unwrap();
    std::fs::create_dir(dir.path().join("team")).unwrap();
    std::fs::write(dir.path().join("team/imagegate.toml"), "mode = \"audit\"\n").unwrap();
    let out = Command::cargo_bin("imagegate")
        .unwrap()
        .current_dir(dir.path())
        .args(["check", "--format", "sarif"])
        .output()
        .unwrap();
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "IG006");
    assert_eq!(result["level"], "warning");
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "team/imagegate.toml");
    assert_eq!(location["region"]["startLine"], 1);
    assert_eq!(
        sarif["runs"][0]["properties"]["config"]["path"],
        "imagegate.toml"
    );
}

/// A template whose virtual machine, named by the pull request's author, boots from an image
/// no parameter file sets (an IG002 that names it).
const HOSTILE_NAME: &str = "vm|`pwn`##[error]<b>x</b>[y](1)";

fn hostile_repo() -> Repo {
    let repo = Repo::new();
    let name = HOSTILE_NAME.replace('"', "\\\"");
    repo.write(
        "infra/azuredeploy.json",
        arm_template(
            r#""imageId": { "type": "string" }"#,
            "",
            &arm_vm(&name, r#"{ "id": "[parameters('imageId')]" }"#, ""),
        ),
    );
    repo
}

/// Runs `imagegate check --format github .` in `repo` with `GITHUB_STEP_SUMMARY` set to
/// `summary` (and the runner's repository variables), returning stdout, stderr and the code.
fn github_run(repo: &Repo, summary: Option<&std::path::Path>) -> (String, String, i32) {
    let mut cmd = repo.binary(&["check", "--format", "github", "."]);
    cmd.env_remove("GITHUB_STEP_SUMMARY")
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_REPOSITORY", "contoso/infra")
        .env("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567");
    if let Some(path) = summary {
        cmd.env("GITHUB_STEP_SUMMARY", path);
    }
    let out = cmd.output().unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn the_github_format_appends_a_markdown_summary_to_the_step_summary_file() {
    let repo = hostile_repo();
    let summary = tempfile::tempdir().unwrap();
    let file = summary.path().join("step_summary.md");
    std::fs::write(&file, "## An earlier step\n").unwrap();
    let (stdout, stderr, code) = github_run(&repo, Some(&file));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    let text = std::fs::read_to_string(&file).unwrap();
    // Appended, never replacing what the job's other steps wrote.
    assert!(
        text.starts_with("## An earlier step\n## imagegate\n"),
        "{text}"
    );
    // Counts per rule and severity, the config in effect, the compliance.
    assert!(
        text.contains("| IG002 (unresolved-image) | 0 | 1 | 0 |"),
        "{text}"
    );
    assert!(text.contains("1 warning"), "{text}");
    assert!(text.contains("0% compliant"), "{text}");
    assert!(text.contains("the embedded default (deny mode)"), "{text}");
    // The finding, with a link to its line at the commit checked.
    assert!(
        text.contains(
            "| warning | IG002 | [infra/azuredeploy.json:14](https://github.com/contoso/infra/blob/0123456789abcdef0123456789abcdef01234567/infra/azuredeploy.json#L14) |"
        ),
        "{text}"
    );
    // The name is shown, neutralised: it ends no table cell, formats nothing, opens no tag,
    // forms no link and no legacy workflow command.
    assert!(
        text.contains(r"vm\|\`pwn\`\#\#\\u{5b}error\]\<b\>x\</b\>\[y\](1)"),
        "{text}"
    );
    assert!(!text.contains("##["), "{text}");
    assert!(!text.contains("<b>"), "{text}");
    for row in text.lines().filter(|l| l.starts_with("| warning |")) {
        let cells = row.replace("\\|", "").matches('|').count();
        assert_eq!(cells, 5, "a name split the row: {row}");
    }
    // The annotations are still there, and defused too.
    assert!(
        stdout.starts_with("::warning file=infra/azuredeploy.json,line=14"),
        "{stdout}"
    );
    assert!(!stdout.contains("##["), "{stdout}");
}

#[test]
fn no_summary_is_written_without_the_variable_or_a_regular_file() {
    let repo = hostile_repo();
    let before = |dir: &std::path::Path| {
        let mut names: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        names
    };
    // Unset: nothing but the report.
    let listing = before(repo.path());
    let (stdout, stderr, code) = github_run(&repo, None);
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert!(!stdout.contains("## imagegate"), "{stdout}");
    assert_eq!(before(repo.path()), listing);
    // A path that does not exist is not created; the run still reports, and says why.
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.md");
    let (stdout, stderr, code) = github_run(&repo, Some(&missing));
    assert_eq!(code, 0);
    assert!(stdout.starts_with("::warning "), "{stdout}");
    assert!(!missing.exists());
    assert!(
        stderr.contains("the step summary was not written") && stderr.contains("missing.md"),
        "{stderr}"
    );
    // A folder, and a symbolic link to a file: neither is written through.
    let (_, stderr, code) = github_run(&repo, Some(dir.path()));
    assert_eq!(code, 0);
    assert!(stderr.contains("not an existing regular file"), "{stderr}");
    let target = dir.path().join("elsewhere.md");
    std::fs::write(&target, "").unwrap();
    let link = dir.path().join("link.md");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let (_, stderr, _) = github_run(&repo, Some(&link));
    assert!(stderr.contains("not an existing regular file"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "");
}

#[test]
fn the_github_format_says_when_annotations_are_cut() {
    // Twelve unapproved images: GitHub shows ten error annotations per step.
    let repo = Repo::new();
    for i in 0..12 {
        repo.write(
            &format!("vm{i:02}.json"),
            marketplace_vm(&format!("vm-{i}")),
        );
    }
    let summary = tempfile::tempdir().unwrap();
    let file = summary.path().join("summary.md");
    std::fs::write(&file, "").unwrap();
    let (stdout, _, code) = github_run(&repo, Some(&file));
    assert_eq!(code, 1);
    assert_eq!(stdout.matches("::error ").count(), 12);
    let last = stdout.lines().last().unwrap();
    assert_eq!(
        last,
        "imagegate: 2 more findings are not shown as annotations (GitHub shows 10 errors, 10 \
         warnings and 10 notices per step); see the step summary or the SARIF report (--format \
         sarif)"
    );
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("2 more findings are not shown as annotations"),
        "{text}"
    );
    assert!(
        text.contains("| IG001 (unapproved-image) | 12 | 0 | 0 |"),
        "{text}"
    );
    // Ten or fewer of a kind: no such line.
    let repo = Repo::new();
    for i in 0..10 {
        repo.write(
            &format!("vm{i:02}.json"),
            marketplace_vm(&format!("vm-{i}")),
        );
    }
    let (stdout, _, _) = github_run(&repo, None);
    assert!(!stdout.contains("not shown as annotations"), "{stdout}");
}

#[test]
fn sarif_links_related_locations_and_template_text_forms_no_link() {
    let repo = hostile_repo();
    let out = repo
        .binary(&["check", "--format", "sarif", "."])
        .output()
        .unwrap();
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors: Vec<String> = sarif_validator()
        .iter_errors(&sarif)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let result = &sarif["runs"][0]["results"][0];
    let text = result["message"]["text"].as_str().unwrap();
    // The name's brackets are escaped (SARIF 3.11.6): its `[y](1)` is text, not a link.
    assert!(
        text.contains(r"'vm|`pwn`##\[error\]<b>x</b>\[y\](1)'"),
        "{text}"
    );
    // The one link is to the related location with that id: where the VM is declared.
    assert!(
        text.ends_with(
            r"(see [virtualMachines 'vm|`pwn`##\[error\]<b>x</b>\[y\](1)' is declared here](1))"
        ),
        "{text}"
    );
    assert_eq!(result["relatedLocations"][0]["id"], 1);
    assert_eq!(
        result["relatedLocations"][0]["physicalLocation"]["region"]["startLine"],
        7
    );
    // JSON: the finding's image, typed.
    let out = repo
        .binary(&["check", "--format", "json", "."])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let image = &json["findings"][0]["image"];
    assert_eq!(image["kind"], "unresolved");
    assert_eq!(
        image["reason"],
        "parameter 'imageId' has no default and no parameter file sets it"
    );
    assert_eq!(json["resources"][0]["images"][0], *image);
    assert_eq!(json["tool"]["version"], env!("CARGO_PKG_VERSION"));
}

/// `--sarif-category` names the run's code-scanning category (SARIF §3.17.4
/// `automationDetails.id`, `category/`), which upload-sarif keeps: two runs of different
/// categories keep their alerts apart. The default is `imagegate/`.
#[test]
fn the_sarif_category_is_the_runs_automation_id() {
    let id = |extra: &[&str]| {
        let mut args = vec![
            "check",
            "--format",
            "sarif",
            "testdata/arm/golden-gallery-vm",
        ];
        args.extend_from_slice(extra);
        let sarif: serde_json::Value = serde_json::from_str(&run(&args)).unwrap();
        assert!(sarif_validator().is_valid(&sarif));
        sarif["runs"][0]["automationDetails"]["id"].clone()
    };
    assert_eq!(id(&[]), "imagegate/");
    assert_eq!(id(&["--sarif-category", "infra/prod"]), "infra/prod/");
    assert_eq!(id(&["--sarif-category", "infra/prod/"]), "infra/prod/");
}
