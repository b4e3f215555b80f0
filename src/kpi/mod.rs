//! `imagegate report`: what a platform team tracks during a golden-image rollout, from the same
//! walk and judgement as `check`: image-bearing resources by status, the compliance
//! percentage, and the breakdowns by image source (Marketplace publisher:offer, managed image,
//! another gallery, community or shared gallery, golden image by definition and version), by
//! directory and by owner tag; with `--compare`, the trend against an earlier report.
//!
//! The figures are computed from the report's resource entries alone (typed images and
//! statuses), so they are the numbers `check` judged; the renderers ([`render`]) print them
//! as a table, JSON or Markdown.

pub mod drift;
pub mod fleet;
pub mod render;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::findings::{ImageParts, ResourceEntry, Status, VersionKind};
use crate::report::Report;

/// The version of the KPI JSON (`imagegate report --format json`); bumped on incompatible
/// changes. `--compare` reads this version.
pub const KPI_VERSION: u32 = 1;

/// Resources counted by status.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Image-bearing resources judged (every status but not-judged).
    pub resources: usize,
    /// Every image approved.
    pub compliant: usize,
    /// An image known and not approved.
    pub noncompliant: usize,
    /// An image that cannot be determined offline.
    pub unresolved: usize,
    /// Every unapproved or unresolved image exempted.
    pub exempt: usize,
    /// Of the compliant, those on a deprecated version of a golden image (IG004).
    #[serde(default)]
    pub outdated: usize,
}

impl Counts {
    fn add(&mut self, status: Status, outdated: bool) {
        if outdated && status == Status::Compliant {
            self.outdated += 1;
        }
        match status {
            Status::NotJudged => return,
            Status::Compliant => self.compliant += 1,
            Status::Noncompliant => self.noncompliant += 1,
            Status::Unresolved => self.unresolved += 1,
            Status::Exempt => self.exempt += 1,
        }
        self.resources += 1;
    }

    /// compliant / resources × 100, rounded down to one decimal (never 100 unless every one
    /// is compliant); `None` when there is none.
    pub fn percent(&self) -> Option<f64> {
        (self.resources > 0)
            .then(|| ((self.compliant as u128 * 1000) / self.resources as u128) as f64 / 10.0)
    }
}

/// One row of a breakdown: a group (an image source, a directory, an owner) and its counts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// What the row groups by, e.g. `marketplace Canonical:0001-com-ubuntu-server-jammy`.
    pub key: String,
    /// The resources of the group by status.
    #[serde(flatten)]
    pub counts: Counts,
    /// Their compliance percentage.
    pub compliance_percent: Option<f64>,
}

/// The kind of an image source, for the breakdown by source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImageSource {
    /// An approved gallery image (the golden images).
    Golden,
    /// An image of a gallery that is not approved.
    OtherGallery,
    /// A direct shared gallery image.
    SharedGallery,
    /// A community gallery image.
    CommunityGallery,
    /// A Marketplace image.
    Marketplace,
    /// A platform image ID.
    PlatformImage,
    /// A managed image.
    ManagedImage,
    /// A VHD or blob URI.
    Vhd,
    /// Something else (a Dev Center gallery image, a well-known image, another resource ID).
    Other,
    /// Not known offline.
    Unresolved,
}

/// The golden images in use, by definition and version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoldenUse {
    /// The image definition's ID.
    pub definition: String,
    /// The version (`latest` when unpinned or spelled `latest`; `<unknown>` when unknown).
    pub version: String,
    /// How many resources boot from it.
    pub resources: usize,
    /// Whether the version is deprecated (IG004).
    #[serde(default)]
    pub outdated: bool,
}

/// The figures of one run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Kpis {
    /// Format version ([`KPI_VERSION`]).
    pub version: u32,
    /// Files read and judged.
    pub files_scanned: usize,
    /// Templates, Bicep files and plans judged.
    pub templates: usize,
    /// Every judged resource by status.
    pub total: Counts,
    /// The compliance percentage (compliant / judged; exempt resources are not compliant).
    pub compliance_percent: Option<f64>,
    /// Findings that count, by rule id.
    pub open_findings: BTreeMap<String, usize>,
    /// Findings that do not count, by what suppressed them (`inline`, `exemption`,
    /// `baseline`).
    pub suppressed_findings: BTreeMap<String, usize>,
    /// By image source: each image of each resource counts its resource's status.
    pub by_source: Vec<SourceRow>,
    /// Golden images in use by definition and version.
    pub golden: Vec<GoldenUse>,
    /// By directory (the resource's file's folder, to `depth` levels).
    pub by_directory: Vec<Row>,
    /// By the owner tag's value (`(no owner tag)` when absent).
    pub by_owner: Vec<Row>,
    /// The tag read as the owner.
    pub owner_tag: String,
    /// How many folder levels `by_directory` groups by.
    pub depth: usize,
    /// The config in effect, as every report names it.
    pub config: String,
    /// For deployed resources (inventory exports): the fleet's figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fleet: Option<fleet::Fleet>,
    /// With both a repository and an inventory: what runs that nothing declares, and
    /// declared images that are not what runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drift: Option<drift::Drift>,
}

/// One row of the breakdown by image source.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourceRow {
    /// The kind of source.
    pub kind: ImageSource,
    /// The row: `publisher:offer`, a gallery, a definition…
    #[serde(flatten)]
    pub row: Row,
}

/// How the figures are grouped.
#[derive(Clone, Debug)]
pub struct Grouping {
    /// The tag whose value is the owner (matched case-insensitively, as Azure does).
    pub owner_tag: String,
    /// Folder levels of the breakdown by directory.
    pub depth: usize,
}

/// The figures of `report`, judged under `config` (its gallery snapshots date the fleet's
/// versions).
pub fn compute(report: &Report, grouping: &Grouping, config: &crate::config::Config) -> Kpis {
    let mut total = Counts::default();
    // By kind and lower-cased key (Marketplace coordinates and IDs are case-insensitive in
    // Azure): the spelling shown is the least of those met, so the output is deterministic.
    let mut by_source: BTreeMap<(ImageSource, String), (String, Counts)> = BTreeMap::new();
    let mut golden: BTreeMap<(String, String), (usize, bool)> = BTreeMap::new();
    let mut by_directory: BTreeMap<String, Counts> = BTreeMap::new();
    let mut by_owner: BTreeMap<String, Counts> = BTreeMap::new();
    for r in &report.resources {
        if r.status == Status::NotJudged {
            continue;
        }
        total.add(r.status, r.outdated);
        // A deployed resource's folder is its export's: the fleet's breakdowns say where it runs.
        if r.deployed.is_none() {
            by_directory
                .entry(directory(&r.path, grouping.depth))
                .or_default()
                .add(r.status, r.outdated);
        }
        by_owner
            .entry(owner(r, &grouping.owner_tag))
            .or_default()
            .add(r.status, r.outdated);
        // Each source once per resource, even with several images of it.
        let mut sources: Vec<(ImageSource, String)> = Vec::new();
        for image in &r.images {
            let source = source(&image.parts, r.status);
            if let Some((definition, version)) = golden_use(&image.parts, r.status) {
                let used = golden.entry((definition, version)).or_default();
                used.0 += 1;
                used.1 |= r.outdated;
            }
            if !sources.contains(&source) {
                sources.push(source);
            }
        }
        for (kind, key) in sources {
            let group = by_source
                .entry((kind, key.to_lowercase()))
                .or_insert_with(|| (key.clone(), Counts::default()));
            if key < group.0 {
                group.0 = key;
            }
            group.1.add(r.status, r.outdated);
        }
    }
    let row = |key: String, counts: Counts| Row {
        key,
        compliance_percent: counts.percent(),
        counts,
    };
    let mut open = BTreeMap::new();
    let mut suppressed = BTreeMap::new();
    for f in &report.findings {
        match &f.suppression {
            None => *open.entry(f.rule.id().to_string()).or_default() += 1,
            Some(s) => *suppressed.entry(s.kind.as_str().to_string()).or_default() += 1,
        }
    }
    let mut by_source: Vec<SourceRow> = by_source
        .into_iter()
        .map(|((kind, _), (key, counts))| SourceRow {
            kind,
            row: row(key, counts),
        })
        .collect();
    by_source.sort_by(|a, b| {
        b.row
            .counts
            .resources
            .cmp(&a.row.counts.resources)
            .then(a.kind.cmp(&b.kind))
            .then(a.row.key.cmp(&b.row.key))
    });
    let mut golden: Vec<GoldenUse> = golden
        .into_iter()
        .map(|((definition, version), (resources, outdated))| GoldenUse {
            definition,
            version,
            resources,
            outdated,
        })
        .collect();
    golden.sort_by(|a, b| {
        b.resources
            .cmp(&a.resources)
            .then(a.definition.cmp(&b.definition))
            .then(a.version.cmp(&b.version))
    });
    Kpis {
        version: KPI_VERSION,
        files_scanned: report.files_scanned,
        templates: report.templates,
        compliance_percent: total.percent(),
        total,
        open_findings: open,
        suppressed_findings: suppressed,
        by_source,
        golden,
        by_directory: rows(by_directory, &row),
        by_owner: rows(by_owner, &row),
        owner_tag: grouping.owner_tag.clone(),
        depth: grouping.depth,
        config: report.config.describe(),
        fleet: fleet::compute(&report.resources, config, config.today),
        drift: drift::compute(&report.resources),
    }
}

/// Rows sorted by most resources, then key.
fn rows(groups: BTreeMap<String, Counts>, row: &dyn Fn(String, Counts) -> Row) -> Vec<Row> {
    let mut out: Vec<Row> = groups.into_iter().map(|(k, c)| row(k, c)).collect();
    out.sort_by(|a, b| {
        b.counts
            .resources
            .cmp(&a.counts.resources)
            .then(a.key.cmp(&b.key))
    });
    out
}

/// The folder of the file shown as `path`, to `depth` levels (`.` for the top).
fn directory(path: &str, depth: usize) -> String {
    let folders: Vec<&str> = path.split('/').collect();
    let folders = &folders[..folders.len().saturating_sub(1)];
    let kept: Vec<&str> = folders.iter().take(depth.max(1)).copied().collect();
    if kept.is_empty() {
        ".".to_string()
    } else {
        kept.join("/")
    }
}

/// The value of the owner tag `tag` (name matched case-insensitively).
fn owner(r: &ResourceEntry, tag: &str) -> String {
    r.tags
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(tag))
        .map_or_else(|| "(no owner tag)".to_string(), |(_, v)| v.to_string())
}

/// The source of an image, for a resource of `status`.
fn source(parts: &ImageParts, status: Status) -> (ImageSource, String) {
    let known = |v: &Option<String>| v.clone().unwrap_or_else(|| "<unknown>".into());
    match parts {
        ImageParts::ComputeGallery {
            definition,
            gallery,
            resource_group,
            ..
        } => {
            if matches!(status, Status::Compliant) {
                (
                    ImageSource::Golden,
                    format!("golden gallery {}", known(gallery)),
                )
            } else {
                (
                    ImageSource::OtherGallery,
                    format!(
                        "gallery {}/{} ({})",
                        known(gallery),
                        known(definition),
                        known(resource_group)
                    ),
                )
            }
        }
        ImageParts::SharedGallery { gallery, .. } => (
            ImageSource::SharedGallery,
            format!("shared gallery {}", known(gallery)),
        ),
        ImageParts::CommunityGallery { gallery, .. } => (
            ImageSource::CommunityGallery,
            format!("community gallery {}", known(gallery)),
        ),
        ImageParts::Marketplace {
            publisher, offer, ..
        } => (
            ImageSource::Marketplace,
            format!("marketplace {}:{}", known(publisher), known(offer)),
        ),
        ImageParts::PlatformImage {
            publisher, offer, ..
        } => (
            ImageSource::PlatformImage,
            format!("platform image {}:{}", known(publisher), known(offer)),
        ),
        ImageParts::ManagedImage { resource_group, .. } => (
            ImageSource::ManagedImage,
            format!("managed image ({})", known(resource_group)),
        ),
        ImageParts::Vhd { .. } => (ImageSource::Vhd, "VHD".into()),
        ImageParts::Unresolved { .. } => (ImageSource::Unresolved, "unresolved".into()),
        ImageParts::DevCenterGallery { .. } => (ImageSource::Other, "Dev Center gallery".into()),
        ImageParts::WellKnown { .. } => (ImageSource::Other, "well-known image".into()),
        ImageParts::ResourceId { .. } | ImageParts::NotAnId { .. } => {
            (ImageSource::Other, "other image ID".into())
        }
        ImageParts::AttachedDisk { .. } => (ImageSource::Other, "attached disk".into()),
    }
}

/// The golden definition and version an image is, when it is one (an approved gallery image
/// of a compliant resource).
fn golden_use(parts: &ImageParts, status: Status) -> Option<(String, String)> {
    let ImageParts::ComputeGallery {
        subscription,
        resource_group,
        gallery,
        definition,
        version,
        version_kind,
        ..
    } = parts
    else {
        return None;
    };
    if status != Status::Compliant {
        return None;
    }
    let known = |v: &Option<String>| v.clone().unwrap_or_else(|| "<unknown>".into());
    let id = format!(
        "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Compute/galleries/{}/images/{}",
        known(subscription),
        known(resource_group),
        known(gallery),
        known(definition)
    );
    let version = match version_kind {
        VersionKind::Pinned => known(version),
        VersionKind::Latest | VersionKind::None => "latest".into(),
        VersionKind::Unknown => "<unknown>".into(),
    };
    Some((id, version))
}

/// The trend between an earlier report (`before`) and this one (`now`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Trend {
    /// The compliance percentage before and now.
    pub compliance_percent: (Option<f64>, Option<f64>),
    /// Judged resources before and now.
    pub resources: (usize, usize),
    /// Compliant resources before and now.
    pub compliant: (usize, usize),
    /// Open findings before and now.
    pub open_findings: (usize, usize),
    /// Each image source's resources and compliant resources, before and now (rows in
    /// either).
    pub by_source: Vec<RowTrend>,
    /// The same by directory.
    pub by_directory: Vec<RowTrend>,
    /// The same by owner.
    pub by_owner: Vec<RowTrend>,
    /// Deployed resources: the same by subscription (empty without a fleet on either side).
    pub by_subscription: Vec<RowTrend>,
    /// Deployed resources: the share of golden images on the newest version, before and now.
    pub golden_on_newest_percent: (Option<f64>, Option<f64>),
}

/// One group's figures before and now.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RowTrend {
    /// The group.
    pub key: String,
    /// Resources before and now.
    pub resources: (usize, usize),
    /// Compliant resources before and now.
    pub compliant: (usize, usize),
    /// The compliance percentage before and now.
    pub compliance_percent: (Option<f64>, Option<f64>),
}

/// Why an earlier report cannot be compared with.
#[derive(Debug)]
pub struct CompareError(pub String);

impl std::fmt::Display for CompareError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CompareError {}

/// Reads an earlier `imagegate report --format json` (shown as `shown`).
pub fn read_earlier(bytes: &[u8], shown: &str) -> Result<Kpis, CompareError> {
    #[derive(Deserialize)]
    struct Head {
        version: u32,
    }
    let head: Head = serde_json::from_slice(bytes).map_err(|e| {
        CompareError(format!(
            "{shown} is not the JSON of `imagegate report --format json`: {e}"
        ))
    })?;
    if head.version != KPI_VERSION {
        return Err(CompareError(format!(
            "{shown} is version {} of the report; this imagegate compares with version {KPI_VERSION}",
            head.version
        )));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        CompareError(format!(
            "{shown} is not the JSON of `imagegate report --format json`: {e}"
        ))
    })
}

/// The trend from `before` to `now`.
pub fn trend(before: &Kpis, now: &Kpis) -> Trend {
    let open = |k: &Kpis| k.open_findings.values().sum();
    let source_rows =
        |k: &Kpis| -> Vec<Row> { k.by_source.iter().map(|s| s.row.clone()).collect() };
    Trend {
        compliance_percent: (before.compliance_percent, now.compliance_percent),
        resources: (before.total.resources, now.total.resources),
        compliant: (before.total.compliant, now.total.compliant),
        open_findings: (open(before), open(now)),
        by_source: row_trends(&source_rows(before), &source_rows(now)),
        by_directory: row_trends(&before.by_directory, &now.by_directory),
        by_owner: row_trends(&before.by_owner, &now.by_owner),
        by_subscription: row_trends(&fleet_rows(before), &fleet_rows(now)),
        golden_on_newest_percent: (
            before
                .fleet
                .as_ref()
                .and_then(|f| f.golden.on_newest_percent),
            now.fleet.as_ref().and_then(|f| f.golden.on_newest_percent),
        ),
    }
}

/// A report's rows by subscription (none without a fleet).
fn fleet_rows(k: &Kpis) -> Vec<Row> {
    k.fleet
        .as_ref()
        .map(|f| f.by_subscription.clone())
        .unwrap_or_default()
}

/// Each key of `before` or `now`, with its figures in both (in `now`'s order, then the keys
/// gone).
fn row_trends(before: &[Row], now: &[Row]) -> Vec<RowTrend> {
    let find = |rows: &[Row], key: &str| rows.iter().find(|r| r.key == key).cloned();
    let mut keys: Vec<&str> = now.iter().map(|r| r.key.as_str()).collect();
    for r in before {
        if !keys.contains(&r.key.as_str()) {
            keys.push(&r.key);
        }
    }
    keys.into_iter()
        .map(|key| {
            let (b, n) = (find(before, key), find(now, key));
            let counts = |r: &Option<Row>| r.as_ref().map(|r| r.counts.clone()).unwrap_or_default();
            let (cb, cn) = (counts(&b), counts(&n));
            RowTrend {
                key: key.to_string(),
                resources: (cb.resources, cn.resources),
                compliant: (cb.compliant, cn.compliant),
                compliance_percent: (cb.percent(), cn.percent()),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_are_cut_to_their_depth() {
        assert_eq!(directory("azuredeploy.json", 1), ".");
        assert_eq!(directory("team-a/vm/main.bicep", 1), "team-a");
        assert_eq!(directory("team-a/vm/main.bicep", 2), "team-a/vm");
        assert_eq!(directory("team-a/vm/main.bicep", 5), "team-a/vm");
    }

    #[test]
    fn percentages_round_down() {
        let c = Counts {
            resources: 3,
            compliant: 2,
            ..Counts::default()
        };
        assert_eq!(c.percent(), Some(66.6));
        assert_eq!(Counts::default().percent(), None);
    }
}
