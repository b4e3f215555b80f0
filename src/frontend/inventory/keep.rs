//! Which members of an inventory entry are converted to values: only what the judgement reads
//! (the catalogue's image paths, the rules' paths, the power state), so that an export of many
//! machines holds little besides their images.

use crate::catalog::{Catalog, Section};
use crate::frontend::KeepPaths;

/// Which members of an entry are converted: only what the judgement reads, so that an export
/// of many machines holds little besides their images.
#[derive(Debug, Clone)]
pub(crate) enum Keep {
    /// A type that carries no image: only `type` and `id` (the entry is counted, not judged).
    Nothing,
    /// The members of `properties` (in `az`'s flattened resource: the resource's members)
    /// named, beside the resource's own (`id`, `type`, `location`, `tags`, …).
    Only(Vec<String>),
    /// Every member of `properties` (a catalogue path reads `properties` itself).
    All,
}

/// The members of a resource itself (not of its `properties`) that are read.
const OWN: [&str; 9] = [
    "id",
    "type",
    "name",
    "location",
    "tags",
    "plan",
    "subscriptionId",
    "resourceGroup",
    "powerState",
];

impl Keep {
    /// What of a resource of `resource_type` the catalogue's image paths, the rules' paths and
    /// the power state read.
    pub(crate) fn of(resource_type: &str, catalog: &Catalog, rules: &KeepPaths) -> Keep {
        let Some(entry) = catalog.arm(resource_type) else {
            return Keep::Nothing;
        };
        let rules = rules.of(Section::Arm, resource_type).iter().copied();
        let paths = entry
            .images
            .iter()
            .map(|i| i.path.as_str())
            .chain(entry.plan.as_deref())
            .chain(rules);
        // The power state: Resource Graph's `extended`, an instance view's statuses.
        let mut roots = vec!["extended".to_string(), "instanceView".to_string()];
        for path in paths {
            match path.strip_prefix("properties") {
                Some("") => return Keep::All,
                Some(rest) => {
                    if let Some(root) = rest.strip_prefix('.').and_then(|r| r.split('.').next()) {
                        roots.push(root.to_string());
                    }
                }
                None => {}
            }
        }
        Keep::Only(roots)
    }

    /// Whether a member `key` of the resource itself is converted; `flattened`: `az`'s
    /// resources, whose `properties` members sit beside the resource's own.
    pub(crate) fn own(&self, key: &str, flattened: bool) -> bool {
        let own = OWN.iter().any(|k| k.eq_ignore_ascii_case(key));
        match self {
            Keep::Nothing => key.eq_ignore_ascii_case("id") || key.eq_ignore_ascii_case("type"),
            _ if own => true,
            _ if !flattened => key.eq_ignore_ascii_case("properties"),
            keep => keep.property(key),
        }
    }

    /// Whether the member `key` of `properties` is converted.
    pub(crate) fn property(&self, key: &str) -> bool {
        match self {
            Keep::Nothing => false,
            Keep::All => true,
            Keep::Only(roots) => roots.iter().any(|r| r.eq_ignore_ascii_case(key)),
        }
    }
}
