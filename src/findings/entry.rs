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

#[cfg(test)]
impl ResourceEntry {
    /// An entry of `resource_type` named `name` at line `line` of `path` with status `status`,
    /// and nothing else known of it: what tests of what consumes entries start from.
    pub(crate) fn bare(
        path: &str,
        line: u32,
        resource_type: &str,
        name: &str,
        status: Status,
    ) -> ResourceEntry {
        ResourceEntry::from(ResourceEntryBody {
            path: path.into(),
            line,
            parameter_file: None,
            resource_type: resource_type.into(),
            name: name.into(),
            image: None,
            images: Vec::new(),
            status,
            assumption: None,
            outdated: false,
            deployed: None,
            azure_name: None,
            tags: Default::default(),
            deployed_through: Vec::new(),
            placement: None,
        })
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
    /// What the image was resolved to (`null` when none is declared). Shared
    /// ([`super::builder::shared`]): an estate deploys a few images from thousands of
    /// resources.
    pub image: Option<std::sync::Arc<str>>,
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
/// a map as reports show it, held in one allocation of exactly its size (each tag's name and
/// value, each after its length). A map would hold a node made for eleven entries and two
/// allocations a tag, and a run keeps every resource entry until its report is written (most
/// resources have two or three tags, or none: no allocation). Compared and ordered as the map
/// it stands for: tag by tag, name then value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tags(Box<[u8]>);

impl Tags {
    /// Whether there is no tag.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The tags, by name: (name, value).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        let mut rest: &[u8] = &self.0;
        std::iter::from_fn(move || {
            if rest.is_empty() {
                return None;
            }
            let name = take_text(&mut rest);
            let value = take_text(&mut rest);
            Some((name, value))
        })
    }

    /// The value of the tag named exactly `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }
}

/// The next text of a [`Tags`]' bytes (its length, four bytes little-endian, then its UTF-8),
/// taken from the front of `rest`; empty past the end (the bytes are only ever written by
/// [`Tags::from_iter`], from texts).
fn take_text<'a>(rest: &mut &'a [u8]) -> &'a str {
    let (len, after) = rest.split_at(4.min(rest.len()));
    let len = len
        .try_into()
        .map_or(0, |b: [u8; 4]| u32::from_le_bytes(b) as usize);
    let (text, after) = after.split_at(len.min(after.len()));
    *rest = after;
    std::str::from_utf8(text).unwrap_or_default()
}

impl PartialOrd for Tags {
    fn partial_cmp(&self, other: &Tags) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Tags {
    /// As maps compare: tag by tag, by name then value.
    fn cmp(&self, other: &Tags) -> std::cmp::Ordering {
        self.iter().cmp(other.iter())
    }
}

impl FromIterator<(String, String)> for Tags {
    /// The tags given, sorted by name; of a name given twice, the last value (as a map
    /// collected from them keeps).
    fn from_iter<I: IntoIterator<Item = (String, String)>>(tags: I) -> Tags {
        let sorted: BTreeMap<String, String> = tags.into_iter().collect();
        let size = sorted.iter().map(|(k, v)| 8 + k.len() + v.len()).sum();
        let mut bytes = Vec::with_capacity(size);
        for text in sorted.iter().flat_map(|(k, v)| [k, v]) {
            // A text longer than 4 GiB cannot be in a template the loader reads.
            let len = u32::try_from(text.len()).unwrap_or(u32::MAX);
            bytes.extend_from_slice(&len.to_le_bytes());
            bytes.extend_from_slice(&text.as_bytes()[..len as usize]);
        }
        Tags(bytes.into_boxed_slice())
    }
}

impl Serialize for Tags {
    /// A map from name to value, by name (as the map it stands for).
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
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
        // One allocation of exactly the tags' texts and their lengths.
        assert_eq!(std::mem::size_of::<Tags>(), 16);
        assert_eq!(tags.0.len(), 4 * 4 + "envprodownerb".len());
        // Ordered as maps are: tag by tag, name then value (not by the bytes' lengths).
        let map = |pairs: &[(&str, &str)]| -> Tags {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let (a, b) = (map(&[("a", "zz")]), map(&[("aa", "b")]));
        let (x, y): (BTreeMap<_, _>, BTreeMap<_, _>) = ([("a", "zz")].into(), [("aa", "b")].into());
        assert_eq!(a.cmp(&b), x.cmp(&y));
        assert_eq!(
            map(&[("a", "b")]).cmp(&map(&[("a", "b"), ("c", "d")])),
            std::cmp::Ordering::Less
        );
        assert_eq!(map(&[("é", "ü")]).iter().collect::<Vec<_>>(), [("é", "ü")]);
    }
}
