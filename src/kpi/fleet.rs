//! The fleet's figures, for deployed resources read from inventory exports (`imagegate audit`,
//! `imagegate report --inventory`): compliance by subscription and resource group, how many
//! golden-image machines run the newest approved version of their definition and how old the
//! versions they run are, and the machines past their image's end of life.
//!
//! "Newest approved version" is the gallery snapshot's newest good version of the definition
//! (not excluded from latest, not past its end of life, not deprecated: the same answer IG003
//! and IG004 give), else the newest version the fleet itself runs (said so: the fleet may lag
//! the gallery). A version's age is today minus its `publishingProfile.publishedDate` in the
//! snapshot; without a snapshot it is not known, and the report says so rather than guess.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Counts, Row, rows};
use crate::config::Config;
use crate::date::Date;
use crate::findings::{ImageParts, ResourceEntry, Status, VersionKind};
use crate::image::IdPath;
use crate::judge::{Reason, VersionNumber};
use crate::value::Part;

/// The fleet's figures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fleet {
    /// Deployed resources judged.
    pub resources: usize,
    /// By subscription.
    pub by_subscription: Vec<Row>,
    /// By resource group (`subscription/resourceGroup`).
    pub by_resource_group: Vec<Row>,
    /// By power state, where the export has one (`running`, `deallocated`, …; `unknown`).
    pub by_power_state: BTreeMap<String, usize>,
    /// Golden-image resources whose version is known, and how many run the newest.
    pub golden: GoldenFreshness,
    /// Resources running an image past its end of life (the version's or the definition's).
    pub past_end_of_life: usize,
}

/// How current the golden images the fleet runs are.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GoldenFreshness {
    /// Resources on a golden image whose version is known.
    pub resources: usize,
    /// Of those, on the newest approved version of their definition.
    pub on_newest: usize,
    /// on_newest / resources × 100, rounded down (`None` when there is none).
    pub on_newest_percent: Option<f64>,
    /// The mean age in days of the versions they run, over those whose publication date the
    /// snapshot gives (`None`: no date known).
    pub mean_age_days: Option<f64>,
    /// By definition.
    pub definitions: Vec<DefinitionFreshness>,
}

/// One golden definition in the fleet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DefinitionFreshness {
    /// The image definition's ID.
    pub definition: String,
    /// The newest approved version, when known.
    pub newest: Option<String>,
    /// Where `newest` comes from: `snapshot` (the gallery's) or `fleet` (the newest the
    /// fleet runs: the gallery may have a newer one).
    pub newest_from: String,
    /// Resources on it.
    pub resources: usize,
    /// Of those, on the newest version.
    pub on_newest: usize,
    /// Each version run, newest first.
    pub versions: Vec<VersionUse>,
}

/// One version of a golden definition in the fleet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VersionUse {
    /// The version.
    pub version: String,
    /// Resources running it.
    pub resources: usize,
    /// When it was published (the snapshot's `publishedDate`), if known.
    pub published: Option<String>,
    /// Its age in days today, if its publication date is known.
    pub age_days: Option<i64>,
    /// Whether it is past its end of life (or its definition is).
    pub past_end_of_life: bool,
}

/// The fleet's figures of `resources` (those with a `deployed` entry), judged under `config`
/// on `today`; `None` when none is deployed.
pub(crate) fn compute(resources: &[ResourceEntry], config: &Config, today: Date) -> Option<Fleet> {
    let deployed: Vec<&ResourceEntry> = resources
        .iter()
        .filter(|r| r.deployed.is_some() && r.status != Status::NotJudged)
        .collect();
    if deployed.is_empty() {
        return None;
    }
    let mut by_subscription: BTreeMap<String, Counts> = BTreeMap::new();
    let mut by_group: BTreeMap<String, Counts> = BTreeMap::new();
    let mut by_power: BTreeMap<String, usize> = BTreeMap::new();
    // Definition (lower case) → (as written, version → resources).
    let mut golden: BTreeMap<String, (String, BTreeMap<String, usize>)> = BTreeMap::new();
    let mut past_end_of_life = 0;
    for r in &deployed {
        let Some(d) = &r.deployed else { continue };
        let subscription = d.subscription.clone().unwrap_or_else(|| "<unknown>".into());
        let group = d
            .resource_group
            .clone()
            .unwrap_or_else(|| "<unknown>".into());
        by_subscription
            .entry(subscription.to_ascii_lowercase())
            .or_default()
            .add(r.status, r.outdated);
        by_group
            .entry(format!("{subscription}/{group}").to_ascii_lowercase())
            .or_default()
            .add(r.status, r.outdated);
        *by_power.entry(power(d.power_state.as_deref())).or_default() += 1;
        let mut past = false;
        for image in &r.images {
            let Some((definition, version)) = golden_version(&image.parts, r.status) else {
                continue;
            };
            let entry = golden
                .entry(definition.to_ascii_lowercase())
                .or_insert_with(|| (definition.clone(), BTreeMap::new()));
            *entry.1.entry(version.clone()).or_default() += 1;
            past |= past_end_of_life_of(config, &definition, &version);
        }
        past_end_of_life += usize::from(past);
    }
    let row = |key: String, counts: Counts| Row {
        key,
        compliance_percent: counts.percent(),
        counts,
    };
    let mut freshness = GoldenFreshness::default();
    let (mut age_sum, mut aged) = (0i64, 0i64);
    for (definition, versions) in golden.into_values() {
        let path = id_path(&definition);
        let from_snapshot = path.as_ref().and_then(|p| config.policy.newest_version(p));
        let (newest, newest_from) = match from_snapshot {
            Some(v) => (Some(v), "snapshot"),
            None => (newest_of(versions.keys()), "fleet"),
        };
        let mut uses: Vec<VersionUse> = versions
            .iter()
            .map(|(version, &resources)| {
                let published = path
                    .as_ref()
                    .and_then(|p| config.policy.published_version(p, version))
                    .and_then(|p| p.published);
                let age_days = published.map(|p| today.days() - p.days());
                if let Some(age) = age_days {
                    age_sum += age * resources as i64;
                    aged += resources as i64;
                }
                VersionUse {
                    version: version.clone(),
                    resources,
                    published: published.map(|p| p.to_string()),
                    age_days,
                    past_end_of_life: past_end_of_life_of(config, &definition, version),
                }
            })
            .collect();
        uses.sort_by(|a, b| {
            let (x, y) = (
                VersionNumber::parse(&a.version),
                VersionNumber::parse(&b.version),
            );
            y.cmp(&x).then(a.version.cmp(&b.version))
        });
        let resources: usize = uses.iter().map(|u| u.resources).sum();
        let on_newest = newest.as_ref().map_or(0, |n| {
            uses.iter()
                .filter(|u| u.version.eq_ignore_ascii_case(n))
                .map(|u| u.resources)
                .sum()
        });
        freshness.resources += resources;
        freshness.on_newest += on_newest;
        freshness.definitions.push(DefinitionFreshness {
            definition,
            newest,
            newest_from: newest_from.to_string(),
            resources,
            on_newest,
            versions: uses,
        });
    }
    freshness.definitions.sort_by(|a, b| {
        b.resources
            .cmp(&a.resources)
            .then(a.definition.cmp(&b.definition))
    });
    freshness.on_newest_percent = (freshness.resources > 0).then(|| {
        ((freshness.on_newest as u128 * 1000) / freshness.resources as u128) as f64 / 10.0
    });
    freshness.mean_age_days = (aged > 0).then(|| (age_sum * 10 / aged) as f64 / 10.0);
    Some(Fleet {
        resources: deployed.len(),
        by_subscription: rows(by_subscription, &row),
        by_resource_group: rows(by_group, &row),
        by_power_state: by_power,
        golden: freshness,
        past_end_of_life,
    })
}

/// `VM running` (az -d), `PowerState/running` (Resource Graph) → `running`; none → `unknown`.
fn power(state: Option<&str>) -> String {
    let Some(state) = state else {
        return "unknown".into();
    };
    let last = state
        .rsplit(['/', ' '])
        .next()
        .unwrap_or(state)
        .trim()
        .to_ascii_lowercase();
    if last.is_empty() {
        "unknown".into()
    } else {
        last
    }
}

/// The definition ID and version of a golden image whose version is known: a compute gallery
/// image with a pinned version, of a resource whose images are approved.
fn golden_version(parts: &ImageParts, status: Status) -> Option<(String, String)> {
    let ImageParts::ComputeGallery {
        id: Some(id),
        version: Some(version),
        version_kind: VersionKind::Pinned,
        ..
    } = parts
    else {
        return None;
    };
    if status != Status::Compliant {
        return None;
    }
    let lower = id.to_ascii_lowercase();
    let at = lower.rfind("/versions/")?;
    Some((id[..at].to_string(), version.clone()))
}

/// Whether version `version` of `definition` is past its end of life on `today`.
fn past_end_of_life_of(config: &Config, definition: &str, version: &str) -> bool {
    let Some(path) = id_path(definition) else {
        return false;
    };
    config.policy.deprecation(&path, version).is_some_and(|d| {
        d.reasons.iter().any(|r| {
            matches!(
                r,
                Reason::DefinitionEndOfLife { .. } | Reason::VersionEndOfLife { .. }
            )
        })
    })
}

fn id_path(id: &str) -> Option<IdPath> {
    IdPath::parse(&[Part::Text(id.to_string())])
}

/// The newest of `versions` (Major.Minor.Patch; else the greatest text).
fn newest_of<'a>(versions: impl Iterator<Item = &'a String>) -> Option<String> {
    versions
        .max_by(|a, b| {
            VersionNumber::parse(a)
                .cmp(&VersionNumber::parse(b))
                .then(a.cmp(b))
        })
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn power_states_are_named_alike_whatever_the_export() {
        assert_eq!(power(Some("VM running")), "running");
        assert_eq!(power(Some("PowerState/deallocated")), "deallocated");
        assert_eq!(power(None), "unknown");
    }

    #[test]
    fn the_newest_version_compares_numbers() {
        let v = ["1.9.0", "1.10.0", "1.2.3"].map(String::from);
        assert_eq!(newest_of(v.iter()), Some("1.10.0".into()));
    }
}

#[cfg(test)]
mod fleet_tests {
    use super::*;
    use crate::findings::{DeployedEntry, ImageRef};

    const DEF: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu-22.04";

    fn vm(sub: &str, version: &str, status: Status, power: &str) -> ResourceEntry {
        ResourceEntry::from(crate::findings::ResourceEntryBody {
            path: "estate.json".into(),
            line: 1,
            parameter_file: None,
            resource_type: "Microsoft.Compute/virtualMachines".into(),
            name: "vm".into(),
            image: None,
            images: vec![std::sync::Arc::new(ImageRef {
                parts: ImageParts::ComputeGallery {
                    id: Some(format!("{DEF}/versions/{version}")),
                    subscription: None,
                    resource_group: None,
                    gallery: None,
                    definition: None,
                    version: Some(version.into()),
                    version_kind: VersionKind::Pinned,
                },
                display: String::new(),
            })],
            status,
            assumption: None,
            outdated: false,
            deployed: Some(Box::new(DeployedEntry {
                id: format!(
                    "/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm"
                ),
                subscription: Some(sub.into()),
                resource_group: Some("rg".into()),
                location: None,
                power_state: Some(power.into()),
            })),
            azure_name: None,
            tags: Default::default(),
            deployed_through: Vec::new(),
            placement: None,
        })
    }

    fn config(with_snapshot: bool) -> Config {
        let dir = tempfile::tempdir().unwrap();
        let snapshot = r#"[
          {"name": "1.1.0", "id": "DEF/versions/1.1.0", "publishingProfile": {"publishedDate": "2025-06-02T09:00:00+00:00", "endOfLifeDate": "2026-06-30T00:00:00+00:00"}},
          {"name": "1.3.0", "id": "DEF/versions/1.3.0", "publishingProfile": {"publishedDate": "2026-05-04T09:00:00+00:00"}},
          {"name": "1.4.0", "id": "DEF/versions/1.4.0", "publishingProfile": {"publishedDate": "2026-10-05T09:00:00+00:00"}}
        ]"#
        .replace("DEF", DEF);
        std::fs::write(dir.path().join("versions.json"), snapshot).unwrap();
        let lifecycle = if with_snapshot {
            format!("[[approved.image]]\nid = \"{DEF}\"\ngallery_versions = [\"versions.json\"]\n")
        } else {
            String::new()
        };
        let path = dir.path().join("imagegate.toml");
        let mut config = Config::parse(&lifecycle, &path).unwrap();
        config.today = Date::parse("2026-11-28").unwrap();
        config.policy.today = Some(config.today);
        config
    }

    #[test]
    fn golden_freshness_comes_from_the_snapshot_or_else_from_the_fleet() {
        let fleet_of = vec![
            vm("sub-a", "1.4.0", Status::Compliant, "VM running"),
            vm("sub-a", "1.3.0", Status::Compliant, "VM deallocated"),
            vm("sub-b", "1.1.0", Status::Compliant, "PowerState/running"),
            vm("sub-b", "1.4.0", Status::Noncompliant, "VM running"),
        ];
        let today = Date::parse("2026-11-28").unwrap();
        let f = compute(&fleet_of, &config(true), today).expect("a fleet");
        assert_eq!(f.resources, 4);
        let g = &f.golden;
        // The noncompliant one is not golden.
        assert_eq!((g.resources, g.on_newest), (3, 1));
        assert_eq!(g.on_newest_percent, Some(33.3));
        assert_eq!(g.definitions[0].newest.as_deref(), Some("1.4.0"));
        assert_eq!(g.definitions[0].newest_from, "snapshot");
        let ages: Vec<Option<i64>> = g.definitions[0]
            .versions
            .iter()
            .map(|v| v.age_days)
            .collect();
        // 1.4.0 published 2026-10-05 (54 days), 1.3.0 2026-05-04 (208), 1.1.0 2025-06-02 (544).
        assert_eq!(ages, [Some(54), Some(208), Some(544)]);
        assert_eq!(f.past_end_of_life, 1);
        assert_eq!(f.by_power_state.get("running"), Some(&3));
        assert_eq!(f.by_subscription.len(), 2);
        // Without a snapshot: the newest the fleet runs, and no ages.
        let f = compute(&fleet_of, &config(false), today).expect("a fleet");
        assert_eq!(f.golden.definitions[0].newest_from, "fleet");
        assert_eq!(f.golden.mean_age_days, None);
        assert_eq!(f.past_end_of_life, 0);
        // Nothing deployed: no fleet.
        let mut declared = fleet_of[0].clone();
        declared.deployed = None;
        assert!(compute(&[declared], &config(false), today).is_none());
    }
}
