//! `imagegate report` (#14): the rollout's figures from the same walk and judgement as
//! `check`, as a table, JSON and Markdown, and the trend with `--compare`.

use crate::common::{GOLDEN_VERSION, Repo, vm_template};
use serde_json::Value;

const MANIFEST: &str = env!("CARGO_MANIFEST_DIR");

const MARKETPLACE: &str = r#"{ "publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2", "version": "latest" }"#;

fn report(repo: &Repo, args: &[&str]) -> (Option<i32>, String) {
    let mut all = vec!["report"];
    all.extend_from_slice(args);
    let out = repo
        .imagegate(&all)
        .env("IMAGEGATE_TODAY", "2026-11-28")
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

/// A VM template with an owner tag.
fn tagged(name: &str, image: &str, owner: &str) -> String {
    vm_template(name, image).replace(
        "\"location\": \"[parameters('location')]\",",
        &format!("\"location\": \"[parameters('location')]\",\n      \"tags\": {{ \"Owner\": \"{owner}\" }},"),
    )
}

/// Two teams: web on the golden image and a Marketplace image, data on Marketplace and an
/// unresolved image, one of them exempted.
fn estate() -> Repo {
    let repo = Repo::new();
    let golden = format!(r#"{{ "id": "{GOLDEN_VERSION}" }}"#);
    repo.write("web/frontend.json", tagged("web-1", &golden, "team-web"));
    repo.write("web/backend.json", tagged("web-2", MARKETPLACE, "team-web"));
    repo.write("data/sql.json", tagged("sql-1", MARKETPLACE, "team-data"));
    repo.write(
        "data/etl.json",
        vm_template("etl-1", r#"{ "id": "[parameters('imageId')]" }"#).replace(
            "\"parameters\": {",
            "\"parameters\": {\n    \"imageId\": { \"type\": \"string\" },",
        ),
    );
    repo.write(
        "imagegate.toml",
        "mode = \"audit\"\n\n[[exempt]]\nresource = \"sql-*\"\nreason = \"SQL images until the golden SQL image ships\"\nexpires = 2027-03-31\n",
    );
    repo
}

#[test]
fn the_figures_are_the_judgements_of_check() {
    let repo = estate();
    let (code, json) = report(&repo, &["--format", "json"]);
    assert_eq!(code, Some(0), "{json}");
    let k: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(k["version"], 1);
    assert_eq!(
        k["total"],
        serde_json::json!({"resources": 4, "compliant": 1, "noncompliant": 1, "unresolved": 1, "exempt": 1, "outdated": 0})
    );
    assert_eq!(k["compliance_percent"], 25.0);
    assert_eq!(
        k["open_findings"],
        serde_json::json!({"IG001": 1, "IG002": 1})
    );
    assert_eq!(
        k["suppressed_findings"],
        serde_json::json!({"exemption": 1})
    );
    let keys = |name: &str| -> Vec<(String, u64, u64)> {
        k[name]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["key"].as_str().unwrap().to_string(),
                    r["resources"].as_u64().unwrap(),
                    r["compliant"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(
        keys("by_source"),
        [
            (
                "marketplace Canonical:0001-com-ubuntu-server-jammy".into(),
                2,
                0
            ),
            ("golden gallery corpGallery".into(), 1, 1),
            ("unresolved".into(), 1, 0),
        ]
    );
    assert_eq!(k["by_source"][1]["kind"], "golden");
    assert_eq!(
        keys("by_directory"),
        [("data".into(), 2, 0), ("web".into(), 2, 1)]
    );
    // The owner tag is matched case-insensitively, as Azure matches tag names.
    assert_eq!(
        keys("by_owner"),
        [
            ("team-web".into(), 2, 1),
            ("(no owner tag)".into(), 1, 0),
            ("team-data".into(), 1, 0)
        ]
    );
    assert_eq!(
        k["golden"],
        serde_json::json!([{
            "definition": GOLDEN_VERSION.split("/versions/").next().unwrap(),
            "version": "1.4.0",
            "resources": 1,
            "outdated": false
        }])
    );
    // The same numbers as check's summary.
    let out = repo
        .imagegate(&["check", "--format", "json"])
        .env("IMAGEGATE_TODAY", "2026-11-28")
        .output()
        .unwrap();
    let check: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        check["summary"]["compliance_percent"],
        k["compliance_percent"]
    );
    assert_eq!(check["summary"]["exempt"], k["total"]["exempt"]);
}

#[test]
fn the_table_and_the_markdown_say_it_for_people() {
    let repo = estate();
    let (_, table) = report(&repo, &[]);
    insta::assert_snapshot!("report_table", table);
    let (_, markdown) = report(&repo, &["--format", "markdown", "--depth", "2"]);
    insta::assert_snapshot!("report_markdown", markdown);
}

#[test]
fn compare_shows_the_trend() {
    let repo = estate();
    let (code, before) = report(&repo, &["--format", "json", "--output", "kpis-before.json"]);
    assert_eq!(code, Some(0), "{before}");
    // The web backend moves to the golden image; the data folder's ETL is retired.
    let golden = format!(r#"{{ "id": "{GOLDEN_VERSION}" }}"#);
    repo.write("web/backend.json", tagged("web-2", &golden, "team-web"));
    std::fs::remove_file(repo.path().join("data/etl.json")).unwrap();
    let (code, json) = report(
        &repo,
        &["--format", "json", "--compare", "kpis-before.json"],
    );
    assert_eq!(code, Some(0), "{json}");
    let k: Value = serde_json::from_str(&json).unwrap();
    let trend = &k["trend"];
    assert_eq!(trend["compliance_percent"], serde_json::json!([25.0, 66.6]));
    assert_eq!(trend["resources"], serde_json::json!([4, 3]));
    let web = trend["by_directory"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "web")
        .unwrap();
    assert_eq!(web["compliant"], serde_json::json!([1, 2]));
    let (_, table) = report(&repo, &["--compare", "kpis-before.json"]);
    assert!(
        table.starts_with("Compliance: 66.6% (2 of 3 image-bearing resources compliant); was 25.0% (1 of 4), +41.6 points\n"),
        "{table}"
    );
    // The earlier report must be one: a usage error, not a trend from nothing.
    repo.write("not-kpis.json", "{\"findings\": []}");
    let (code, out) = report(&repo, &["--compare", "not-kpis.json"]);
    assert_eq!(code, Some(2));
    assert!(
        out.contains("not-kpis.json is not the JSON of `imagegate report --format json`"),
        "{out}"
    );
}

#[test]
fn lifecycle_figures_count_outdated_golden_images() {
    let repo = Repo::new();
    let fixture = format!("{MANIFEST}/testdata/rollout/lifecycle");
    let out = repo
        .imagegate(&["report", "--format", "json", &fixture])
        .env("IMAGEGATE_TODAY", "2026-11-28")
        .output()
        .unwrap();
    let k: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(k["total"]["compliant"], 9);
    assert_eq!(k["total"]["outdated"], 5);
    let deprecated: Vec<&str> = k["golden"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["outdated"] == true)
        .map(|g| g["version"].as_str().unwrap())
        .collect();
    assert_eq!(deprecated, ["1.3.0", "1.4.0", "1.5.1", "2.0.3"]);
    // The config's owner tag is the default.
    assert_eq!(k["owner_tag"], "owner");
}
