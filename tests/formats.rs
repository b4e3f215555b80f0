//! Output formats: snapshots of every format over the fixtures, and SARIF validated against
//! the official SARIF 2.1.0 schema.

use assert_cmd::Command;

const MANIFEST: &str = env!("CARGO_MANIFEST_DIR");

fn run(args: &[&str]) -> String {
    let out = Command::cargo_bin("imagegate")
        .unwrap()
        .current_dir(MANIFEST)
        .env_remove("NO_COLOR")
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
    assert_eq!(rules.len(), 5);
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
        r["properties"]["security-severity"].as_str().unwrap().to_string()
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
