//! Resource entries: each image-bearing resource a judgement saw, with what its images were
//! resolved to and its status. Made with the findings about it (an entry's status depends on
//! whether those are exempted); the report sorts and counts them.

use std::collections::BTreeMap;

use serde::Serialize;

use super::ImageRef;

/// A resource's overall status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Every image is approved.
    Compliant,
    /// At least one image is known and not approved.
    Noncompliant,
    /// At least one image cannot be determined (and none is known to be unapproved).
    Unresolved,
    /// Covered by an exemption.
    Exempt,
    /// No image to judge (an attached disk, or no image declared).
    NotJudged,
}

impl Status {
    /// The status as reports name it (`compliant`, `not-judged`: its JSON spelling).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Compliant => "compliant",
            Status::Noncompliant => "noncompliant",
            Status::Unresolved => "unresolved",
            Status::Exempt => "exempt",
            Status::NotJudged => "not-judged",
        }
    }
}

/// One image-bearing resource and what was found: its parts ([`ResourceEntryBody`]) in one
/// allocation, read and written through it (`entry.status`). A run keeps every entry until
/// its report is written, in its file's outcome and then in the report: gathered and sorted
/// as one pointer each, never as two copies of every entry in place. Compared, ordered and
/// written as its parts are.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct ResourceEntry(Box<ResourceEntryBody>);

impl std::ops::Deref for ResourceEntry {
    type Target = ResourceEntryBody;

    fn deref(&self) -> &ResourceEntryBody {
        &self.0
    }
}

impl std::ops::DerefMut for ResourceEntry {
    fn deref_mut(&mut self) -> &mut ResourceEntryBody {
        &mut self.0
    }
}

impl From<ResourceEntryBody> for ResourceEntry {
    fn from(body: ResourceEntryBody) -> ResourceEntry {
        ResourceEntry(Box::new(body))
    }
}

impl std::fmt::Debug for ResourceEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// What a [`ResourceEntry`] is made of.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ResourceEntryBody {
    /// File path.
    pub path: std::sync::Arc<str>,
    /// Line of the declaration.
    pub line: u32,
    /// The parameter file used, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter_file: Option<String>,
    /// Full resource type.
    #[serde(rename = "type")]
    pub resource_type: String,
    /// Name (or address).
    pub name: String,
    /// What the image was resolved to (`null` when none is declared).
    pub image: Option<String>,
    /// Each image, typed: its kind and parts (`[]` when none is declared).
    pub images: Vec<std::sync::Arc<ImageRef>>,
    /// The overall status.
    pub status: Status,
    /// The assumption this entry was judged under (a required parameter's allowed value).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assumption: Option<String>,
    /// Whether an approved image of it is at a deprecated version (IG004): compliant, but
    /// due for an update (the KPI report's "outdated").
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub outdated: bool,
    /// For a deployed resource (an inventory export): where it runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployed: Option<Box<DeployedEntry>>,
    /// The name Azure knows it by, when known offline (drift matches declared and deployed
    /// resources by type and this name).
    #[serde(skip)]
    pub azure_name: Option<String>,
    /// Its tags whose names and values are known, by name as written (`{}` omitted): the
    /// owner tag the KPI report groups by, and what the tag rules read.
    #[serde(skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
    /// The files of the deployments it is deployed through (display paths, innermost
    /// first): a named file owns the resources its modules and links deploy.
    #[serde(skip)]
    pub deployed_through: Vec<std::sync::Arc<str>>,
    /// Where it is deployed and what it is called, in terms no language has (`None`: not
    /// known): a template compiled from another is set aside only when its resources are the
    /// other's, resource for resource.
    #[serde(skip)]
    pub placement: Option<Box<crate::model::Placement>>,
}

/// Where a deployed resource runs (an inventory export's resource).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct DeployedEntry {
    /// Its resource ID.
    pub id: String,
    /// Subscription ID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscription: Option<String>,
    /// Resource group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_group: Option<String>,
    /// Azure region.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Power state, as the export gives it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub power_state: Option<String>,
}

/// A resource's known tags, sorted by name, each name once (the last value given for it):
/// a map as reports show it, held in one allocation of exactly its size. A `BTreeMap` node
/// is made for eleven entries, and a run keeps every resource entry until its report is
/// written (most resources have two or three tags, or none: no allocation).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Tags(Box<[(String, String)]>);

impl Tags {
    /// Whether there is no tag.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The tags, by name.
    pub fn iter(&self) -> std::slice::Iter<'_, (String, String)> {
        self.0.iter()
    }

    /// The value of the tag named exactly `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .binary_search_by(|(n, _)| n.as_str().cmp(name))
            .ok()
            .map(|i| self.0[i].1.as_str())
    }
}

impl FromIterator<(String, String)> for Tags {
    /// The tags given, sorted by name; of a name given twice, the last value (as a map
    /// collected from them keeps).
    fn from_iter<I: IntoIterator<Item = (String, String)>>(tags: I) -> Tags {
        let sorted: BTreeMap<String, String> = tags.into_iter().collect();
        Tags(sorted.into_iter().collect())
    }
}

impl Serialize for Tags {
    /// A map from name to value, by name (as the map it stands for).
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_a_map_by_name_in_one_allocation() {
        let tags: Tags = [("owner", "a"), ("env", "prod"), ("owner", "b")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(
            serde_json::to_string(&tags).expect("JSON"),
            r#"{"env":"prod","owner":"b"}"#
        );
        assert_eq!(tags.get("owner"), Some("b"));
        assert_eq!(tags.get("Owner"), None);
        assert_eq!(tags.iter().count(), 2);
        assert!(Tags::default().is_empty() && !tags.is_empty());
        // Held in place: no larger than the map it replaces, and a slice of the pairs.
        assert_eq!(std::mem::size_of::<Tags>(), 16);
    }
}
