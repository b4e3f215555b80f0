//! IaC ↔ estate drift: given a repository and an inventory export judged in one run, which
//! deployed machines no template in the repository declares, and which declared images differ
//! from what runs.
//!
//! Declared and deployed resources are matched by resource type and the name Azure knows them
//! by (case-insensitively, as Azure compares names). A declared resource whose name is not
//! known offline (a parameter nobody sets) cannot be matched: the report counts those, since
//! they may declare some of the "not declared" machines — never a silent "everything is
//! declared".

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::findings::{ImageParts, ImageRef, ResourceEntry, VersionKind};

/// Drift between what a repository declares and what runs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Drift {
    /// Deployed image-bearing resources compared.
    pub deployed: usize,
    /// Declared image-bearing resources compared.
    pub declared: usize,
    /// Declared resources whose name is not known offline: they may declare some of
    /// `not_declared`.
    pub declared_without_known_name: usize,
    /// Deployed resources that no declared resource of the same type and name matches.
    pub not_declared: Vec<Deployed>,
    /// Matched resources whose declared image is not what runs.
    pub image_differs: Vec<ImageDrift>,
}

/// A deployed resource no template declares.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Deployed {
    /// Its resource ID.
    pub id: String,
    /// Its type.
    #[serde(rename = "type")]
    pub resource_type: String,
    /// The image it runs, as shown.
    pub image: Option<String>,
}

/// A resource whose declared image differs from the one it runs.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ImageDrift {
    /// The deployed resource's ID.
    pub id: String,
    /// Where it is declared: `path:line`.
    pub declared_at: String,
    /// The declared image, as shown.
    pub declared: String,
    /// The image it runs, as shown.
    pub running: String,
}

/// The drift among `resources` (declared ones and deployed ones of one run); `None` unless
/// there are both.
pub(crate) fn compute(resources: &[ResourceEntry]) -> Option<Drift> {
    let (deployed, declared): (Vec<&ResourceEntry>, Vec<&ResourceEntry>) =
        resources.iter().partition(|r| r.deployed.is_some());
    if deployed.is_empty() || declared.is_empty() {
        return None;
    }
    let mut by_name: BTreeMap<(String, String), Vec<&ResourceEntry>> = BTreeMap::new();
    let mut unnamed = 0;
    for r in &declared {
        match &r.azure_name {
            Some(name) => by_name
                .entry((
                    r.resource_type.to_ascii_lowercase(),
                    name.to_ascii_lowercase(),
                ))
                .or_default()
                .push(r),
            None => unnamed += 1,
        }
    }
    let mut drift = Drift {
        deployed: deployed.len(),
        declared: declared.len(),
        declared_without_known_name: unnamed,
        ..Drift::default()
    };
    for d in deployed {
        let Some(id) = d.deployed.as_ref().map(|x| x.id.clone()) else {
            continue;
        };
        let key = (
            d.resource_type.to_ascii_lowercase(),
            d.azure_name
                .clone()
                .unwrap_or_default()
                .to_ascii_lowercase(),
        );
        let Some(matches) = by_name.get(&key) else {
            drift.not_declared.push(Deployed {
                id,
                resource_type: d.resource_type.clone(),
                image: d.image.as_deref().map(str::to_owned),
            });
            continue;
        };
        // Differs when no declaration of that name declares what runs.
        let same = matches.iter().any(|m| same_images(&m.images, &d.images));
        if !same && let Some(m) = matches.first() {
            drift.image_differs.push(ImageDrift {
                id,
                declared_at: format!("{}:{}", m.path, m.line),
                declared: m.image.as_deref().unwrap_or("no image").to_owned(),
                running: d.image.as_deref().unwrap_or("no image").to_owned(),
            });
        }
    }
    drift.not_declared.sort();
    drift.image_differs.sort();
    Some(drift)
}

/// Whether the declared images are what runs: every running image is one a declared image
/// names. A declared image that does not pin its version (`latest`, a definition ID) matches
/// any version of itself; an image not known offline matches nothing (it cannot be said to).
fn same_images(
    declared: &[std::sync::Arc<ImageRef>],
    running: &[std::sync::Arc<ImageRef>],
) -> bool {
    !running.is_empty()
        && running.iter().all(|run| {
            let (run_base, run_version) = base_and_version(run);
            declared.iter().any(|dec| {
                let (dec_base, dec_version) = base_and_version(dec);
                dec_base.is_some()
                    && dec_base == run_base
                    && (dec_version.is_none() || dec_version == run_version)
            })
        })
}

/// An image as (what it is without its version, its pinned version), lower case; the version
/// is `None` when not pinned; the base is `None` when the image is not fully known.
fn base_and_version(image: &ImageRef) -> (Option<String>, Option<String>) {
    let lower = |s: &Option<String>| s.as_ref().map(|s| s.to_ascii_lowercase());
    match &image.parts {
        ImageParts::ComputeGallery {
            id,
            version,
            version_kind,
            ..
        }
        | ImageParts::SharedGallery {
            id,
            version,
            version_kind,
            ..
        }
        | ImageParts::CommunityGallery {
            id,
            version,
            version_kind,
            ..
        } => {
            let id = lower(id);
            let base = id.map(|id| match id.rfind("/versions/") {
                Some(at) => id[..at].to_string(),
                None => id,
            });
            let version = match version_kind {
                VersionKind::Pinned => lower(version),
                _ => None,
            };
            (base, version)
        }
        ImageParts::Marketplace {
            publisher,
            offer,
            sku,
            version,
            ..
        }
        | ImageParts::PlatformImage {
            publisher,
            offer,
            sku,
            version,
        } => {
            let base = match (publisher, offer, sku) {
                (Some(p), Some(o), Some(s)) => Some(format!("{p}:{o}:{s}").to_ascii_lowercase()),
                _ => None,
            };
            let version = lower(version).filter(|v| v != "latest");
            (base, version)
        }
        _ => (image.key().map(|k| k.to_ascii_lowercase()), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{DeployedEntry, Status};

    fn gallery(id: &str, version: Option<&str>) -> ImageRef {
        ImageRef {
            parts: ImageParts::ComputeGallery {
                id: Some(match version {
                    Some(v) => format!("{id}/versions/{v}"),
                    None => id.to_string(),
                }),
                subscription: None,
                resource_group: None,
                gallery: None,
                definition: None,
                version: version.map(str::to_owned),
                version_kind: if version.is_some() {
                    VersionKind::Pinned
                } else {
                    VersionKind::None
                },
            },
            display: format!("Gallery image {id}"),
        }
    }

    fn entry(name: Option<&str>, deployed: Option<&str>, image: ImageRef) -> ResourceEntry {
        ResourceEntry::from(crate::findings::ResourceEntryBody {
            path: "main.bicep".into(),
            line: 3,
            parameter_file: None,
            resource_type: "Microsoft.Compute/virtualMachines".into(),
            name: name.unwrap_or("[parameters('name')]").into(),
            image: Some(image.display.as_str().into()),
            images: vec![image.into()],
            status: Status::Compliant,
            assumption: None,
            outdated: false,
            deployed: deployed.map(|id| {
                Box::new(DeployedEntry {
                    id: id.into(),
                    subscription: None,
                    resource_group: None,
                    location: None,
                    power_state: None,
                })
            }),
            azure_name: name.map(str::to_owned),
            tags: Default::default(),
            deployed_through: Vec::new(),
            placement: None,
        })
    }

    const DEF: &str = "/subscriptions/s/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/g/images/ubuntu";

    #[test]
    fn what_runs_is_matched_with_what_is_declared_by_type_and_name() {
        let id = |n: &str| {
            format!(
                "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/{n}"
            )
        };
        let resources = vec![
            // Declared unpinned: any version of the definition runs as declared.
            entry(Some("web-1"), None, gallery(DEF, None)),
            entry(
                Some("WEB-1"),
                Some(&id("web-1")),
                gallery(DEF, Some("1.4.0")),
            ),
            // Declared 1.4.0, runs 1.3.0: drift.
            entry(Some("db-1"), None, gallery(DEF, Some("1.4.0"))),
            entry(Some("db-1"), Some(&id("db-1")), gallery(DEF, Some("1.3.0"))),
            // Deployed, declared nowhere.
            entry(
                Some("orphan"),
                Some(&id("orphan")),
                gallery(DEF, Some("1.4.0")),
            ),
            // Declared with a name not known offline: it may be the orphan.
            entry(None, None, gallery(DEF, None)),
        ];
        let drift = compute(&resources).expect("both sides");
        assert_eq!((drift.deployed, drift.declared), (3, 3));
        assert_eq!(drift.declared_without_known_name, 1);
        assert_eq!(
            drift
                .not_declared
                .iter()
                .map(|d| d.id.as_str())
                .collect::<Vec<_>>(),
            [id("orphan")]
        );
        assert_eq!(drift.image_differs.len(), 1);
        assert_eq!(drift.image_differs[0].id, id("db-1"));
        assert_eq!(drift.image_differs[0].declared_at, "main.bicep:3");
        // Only one side: no drift to tell.
        assert!(compute(&resources[..1]).is_none());
    }
}
