//! The fleet's figures (#15): `imagegate report --inventory EXPORT` on a generated estate
//! (`scripts/gen_estate.py 12 --seed 20`, `az vm list -d` as the CLI prints it) with the
//! gallery's versions (`az sig image-version list`), the trend between two exports, and the
//! drift between a repository and what runs.

use crate::common::Command;
use serde_json::Value;

const FLEET: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/fleet");

fn report(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new()
        .current_dir(FLEET)
        .arg("report")
        .args(["--config", "fleet.toml"])
        .args(args)
        .env("IMAGEGATE_TODAY", "2026-11-28")
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

fn json(args: &[&str]) -> Value {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let (code, out) = report(&all);
    assert_eq!(code, Some(0), "{out}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[test]
fn the_fleet_is_reported_by_subscription_freshness_and_end_of_life() {
    let k = json(&["--inventory", "estate-2026-11.json"]);
    // 12 machines: 7 on the golden Ubuntu (4 on 1.4.0, 2 on 1.3.0, 1 on 1.1.0 past its end
    // of life), 2 community gallery, 2 Marketplace Windows, 1 managed image.
    assert_eq!(k["total"]["resources"], 12);
    assert_eq!(k["total"]["compliant"], 7);
    assert_eq!(k["compliance_percent"], 58.3);
    let fleet = &k["fleet"];
    assert_eq!(fleet["resources"], 12);
    assert_eq!(fleet["by_subscription"].as_array().unwrap().len(), 12);
    assert_eq!(fleet["by_power_state"]["running"], 10);
    let golden = &fleet["golden"];
    assert_eq!(
        (golden["resources"].as_u64(), golden["on_newest"].as_u64()),
        (Some(7), Some(4))
    );
    assert_eq!(golden["on_newest_percent"], 57.1);
    // (4 × 54 + 2 × 208 + 1 × 544) / 7 days, from the snapshot's publishedDate.
    assert_eq!(golden["mean_age_days"], 168.0);
    let definition = &golden["definitions"][0];
    assert_eq!(definition["newest"], "1.4.0");
    assert_eq!(definition["newest_from"], "snapshot");
    let versions: Vec<(String, u64, i64, bool)> = definition["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["version"].as_str().unwrap().to_string(),
                v["resources"].as_u64().unwrap(),
                v["age_days"].as_i64().unwrap(),
                v["past_end_of_life"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        versions,
        [
            ("1.4.0".into(), 4, 54, false),
            ("1.3.0".into(), 2, 208, false),
            ("1.1.0".into(), 1, 544, true),
        ]
    );
    assert_eq!(fleet["past_end_of_life"], 1);
    // By image source: the community gallery and the managed image are named.
    let sources: Vec<&str> = k["by_source"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["key"].as_str().unwrap())
        .collect();
    assert!(
        sources.contains(&"golden gallery corpGallery"),
        "{sources:?}"
    );
    assert!(
        sources
            .iter()
            .any(|s| s.starts_with("community gallery contoso")),
        "{sources:?}"
    );
    assert!(
        sources.contains(&"managed image (rg-images)"),
        "{sources:?}"
    );
    // The table says it for people.
    let (_, table) = report(&["--inventory", "estate-2026-11.json"]);
    assert!(
        table.contains("Golden images on the newest approved version: 57.1% (4 of 7); mean version age 168.0 days\nPast their image's end of life: 1 of 12 deployed resources\n"),
        "{table}"
    );
    assert!(
        table.contains("          1  1.1.0, 544 days old, past its end of life\n"),
        "{table}"
    );
    let (_, markdown) = report(&["--inventory", "estate-2026-11.json", "--format", "markdown"]);
    assert!(markdown.contains("### Fleet"), "{markdown}");
    assert!(markdown.contains("#### By subscription"), "{markdown}");
}

#[test]
fn two_exports_give_the_trend() {
    let dir = tempfile::tempdir().unwrap();
    let before = dir.path().join("before.json");
    let (code, out) = report(&[
        "--inventory",
        "estate-2026-11.json",
        "--format",
        "json",
        "--output",
        before.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{out}");
    // Three months later every machine runs the golden image.
    let k = json(&[
        "--inventory",
        "estate-2027-02.json",
        "--compare",
        before.to_str().unwrap(),
    ]);
    assert_eq!(
        k["trend"]["compliance_percent"],
        serde_json::json!([58.3, 100.0])
    );
    assert_eq!(
        k["trend"]["golden_on_newest_percent"][0],
        serde_json::json!(57.1)
    );
    let (_, table) = report(&[
        "--inventory",
        "estate-2027-02.json",
        "--compare",
        before.to_str().unwrap(),
    ]);
    assert!(
        table.starts_with("Compliance: 100.0% (12 of 12 image-bearing resources compliant); was 58.3% (7 of 12), +41.7 points\n"),
        "{table}"
    );
}

#[test]
fn drift_says_what_runs_undeclared_and_what_runs_otherwise() {
    // infra/vms.json declares vm-000000 and vm-000001 on the golden 1.4.0: the first runs
    // 1.1.0, the second a community gallery image; the ten others are declared nowhere.
    let k = json(&["infra", "--inventory", "estate-2026-11.json"]);
    let drift = &k["drift"];
    assert_eq!(
        (drift["deployed"].as_u64(), drift["declared"].as_u64()),
        (Some(12), Some(2))
    );
    assert_eq!(drift["not_declared"].as_array().unwrap().len(), 10);
    let differs: Vec<(&str, &str)> = drift["image_differs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["id"].as_str().unwrap().rsplit('/').next().unwrap(),
                d["declared_at"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        differs,
        [
            ("vm-000000", "infra/vms.json:9"),
            ("vm-000001", "infra/vms.json:16")
        ]
    );
    assert!(
        drift["image_differs"][0]["running"]
            .as_str()
            .unwrap()
            .ends_with("/versions/1.1.0")
    );
    // Only an inventory, or only templates: no drift to tell.
    assert!(
        json(&["--inventory", "estate-2026-11.json"])
            .get("drift")
            .is_none()
    );
    assert!(json(&["infra"]).get("drift").is_none());
}
