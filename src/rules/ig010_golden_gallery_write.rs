//! IG010 golden-gallery-write: a template outside the image factory publishes an image
//! version into an approved gallery (a gallery image definition `[approved] images`
//! approves), or may.
//!
//! The policy approves image definitions, so a version published into one is approved the
//! moment it exists, whatever it was built from: the image factory (`[approved] factory`)
//! is the only source of golden versions. Three resources publish one:
//!
//! * a gallery image version, `Microsoft.Compute/galleries/images/versions`
//!   (<https://learn.microsoft.com/azure/templates/microsoft.compute/galleries/images/versions>),
//!   whose full name is `gallery/definition/version`, in the resource group it is deployed to;
//!   it is built from `properties.storageProfile.source` (a managed image, a virtual machine,
//!   another version), `osDiskImage.source` (a VHD, a snapshot, a disk) or data disks;
//! * an Azure Image Builder template, `Microsoft.VirtualMachineImages/imageTemplates`
//!   (<https://learn.microsoft.com/azure/templates/microsoft.virtualmachineimages/imagetemplates>),
//!   each of whose `properties.distribute[]` items of type `SharedImage` publishes a new
//!   version into the definition its `galleryImageId` names;
//! * Terraform's `azurerm_shared_image_version`
//!   (<https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/shared_image_version>),
//!   in the gallery, definition and resource group its arguments name.
//!
//! A gallery known and approved is an IG010; known and not approved, nothing. One that is not
//! known offline (a name or resource group a parameter gives) and that the approved globs may
//! match is an IG010 too, saying it *may* publish: an IG002 is a warning that passes the
//! run, and a version written into the golden gallery is the worst false compliant there is
//! (every machine that boots from the gallery runs it). Naming the gallery, or the factory's
//! path, resolves it.

use super::doc::rule_doc;
use super::{Check, Definition, JudgedResource, ResourceRule, Rule, Violation};
use crate::catalog::Section;
use crate::image::{GalleryKind, IdPath, Image, Seg, Version};
use crate::judge::Verdict;
use crate::model::Placed;
use crate::source::Span;
use crate::value::cause::DeploymentSetting;
use crate::value::{Cause, Hop, Kind, Value, Why};

/// IG010.
pub(crate) const RULE: Rule = Rule::new(&DEFINITION);

const DEFINITION: Definition = Definition {
    doc: rule_doc(include_str!("../../rules/IG010-golden-gallery-write.md")),
    fix_title: "Publish approved image versions from the image factory only",
    check: Check::Resource(&GoldenGalleryWrite),
};

/// The check: each image version a resource publishes, against the approved galleries.
struct GoldenGalleryWrite;

/// How a resource type publishes an image version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Publishes {
    /// A gallery image version: its full name is `gallery/definition/version`, in the
    /// subscription and resource group it is deployed to.
    Version,
    /// Terraform's gallery image version: its arguments name the gallery, the definition, the
    /// version and the resource group; the subscription is the provider's.
    VersionArguments,
    /// Azure Image Builder: each `properties.distribute[]` item of type `SharedImage`
    /// publishes a version into the definition (or version) its `galleryImageId` names.
    Distribution,
}

/// The resource types that publish an image version, by catalogue section and type (ASCII
/// case ignored).
const PUBLISHERS: [(Section, &str, Publishes); 3] = [
    (
        Section::Arm,
        "Microsoft.Compute/galleries/images/versions",
        Publishes::Version,
    ),
    (
        Section::Arm,
        "Microsoft.VirtualMachineImages/imageTemplates",
        Publishes::Distribution,
    ),
    (
        Section::Terraform,
        "azurerm_shared_image_version",
        Publishes::VersionArguments,
    ),
];

/// How resources of `resource_type` publish an image version, if they do.
fn publishes(resource_type: &str) -> Option<Publishes> {
    PUBLISHERS
        .iter()
        .find(|(_, t, _)| t.eq_ignore_ascii_case(resource_type))
        .map(|(_, _, how)| *how)
}

/// The arguments of a Terraform gallery image version that say what it is built from.
const TERRAFORM_SOURCES: [&str; 4] = [
    "managed_image_id",
    "os_disk_snapshot_id",
    "os_disk_managed_disk_id",
    "blob_uri",
];

/// The arguments of a Terraform gallery image version the rule reads.
const TERRAFORM_PATHS: [&str; 8] = [
    "gallery_name",
    "image_name",
    "name",
    "resource_group_name",
    TERRAFORM_SOURCES[0],
    TERRAFORM_SOURCES[1],
    TERRAFORM_SOURCES[2],
    TERRAFORM_SOURCES[3],
];

impl ResourceRule for GoldenGalleryWrite {
    fn paths(&self, resource_type: &str, section: Section) -> &'static [&'static str] {
        let how = PUBLISHERS
            .iter()
            .find(|(s, t, _)| *s == section && t.eq_ignore_ascii_case(resource_type))
            .map(|(_, _, how)| *how);
        match how {
            Some(Publishes::Version) => &["properties.storageProfile"],
            Some(Publishes::Distribution) => &["properties.distribute"],
            Some(Publishes::VersionArguments) => &TERRAFORM_PATHS,
            None => &[],
        }
    }

    fn check<'a>(&self, resource: &JudgedResource<'a>) -> Vec<Violation<'a>> {
        let r = resource.resource;
        // The factory's own templates may; a resource seen only as deployed (an export) is
        // not a template's doing; one whose contents were not seen is an IG002 already.
        if resource.in_factory || resource.contents_unseen || r.deployed.is_some() {
            return Vec::new();
        }
        let Some(how) = publishes(&r.resource_type) else {
            return Vec::new();
        };
        let targets = match how {
            Publishes::Version => vec![version_by_name(resource)],
            Publishes::VersionArguments => vec![version_by_arguments(resource)],
            Publishes::Distribution => distributions(resource),
        };
        targets
            .into_iter()
            .filter_map(|target| {
                let verdict = resource.policy.judge_definition(&target.definition);
                let why = match verdict {
                    Verdict::Compliant | Verdict::Unpinned | Verdict::Deprecated(_) => None,
                    Verdict::Unresolved(why) => Some(why),
                    Verdict::Unapproved | Verdict::NotJudged => return None,
                };
                let said = why.as_ref().map(|why| {
                    target
                        .parts
                        .iter()
                        .find(|(part, _)| std::sync::Arc::ptr_eq(&part.cause, &why.cause))
                        .map_or_else(|| why.explain(), |(_, said)| said.clone())
                });
                let publication = match (said, &target.may) {
                    (Some(said), _) => Publication::MayBeApproved(said),
                    (None, Some(why)) => Publication::MayPublish(why.explain()),
                    (None, None) => Publication::Certain,
                };
                Some(violation(target, publication))
            })
            .collect()
    }
}

/// An image version a resource publishes.
struct Target<'a> {
    /// The image definition it is published into.
    definition: IdPath,
    /// Its version.
    version: Version,
    /// What it is built from, as a phrase (`the managed image /subscriptions/…`), when the
    /// template says.
    source: Option<String>,
    /// Where a person changes it.
    primary: Span,
    /// How the value there got there.
    chain: &'a [Hop],
    /// What the unknown parts of `definition` are, each by the reason it holds (its cause,
    /// compared by address): said instead of the reason's own words, which a part that is
    /// not a value's (a name segment, the deploying resource group) does not have.
    parts: Vec<(Why, String)>,
    /// Why it is not known offline whether the resource publishes this version at all (a
    /// distribution list, or a distribution's type, not known offline): `None` when it does.
    may: Option<Why>,
}

/// What a violation says of a version a resource publishes.
enum Publication {
    /// It publishes into an approved definition.
    Certain,
    /// It publishes into a definition that is approved for some values of what is not known
    /// offline (said).
    MayBeApproved(String),
    /// It publishes into an approved definition, if it publishes at all (why that is not
    /// known offline, said).
    MayPublish(String),
}

/// The violation for `target`, published as `publication` says.
fn violation<'a>(target: Target<'a>, publication: Publication) -> Violation<'a> {
    let what = match &target.version {
        Version::Pinned(v) => format!("image version {v}"),
        Version::Unknown(_) => "an image version whose number is not known offline".into(),
        Version::Latest | Version::Missing => "a new image version".into(),
    };
    let from = target
        .source
        .as_deref()
        .map(|s| format!(" built from {s}"))
        .unwrap_or_default();
    let only = "only the image factory may publish approved image versions (`[approved] \
                factory` in imagegate.toml lists its paths), and this template is not one of \
                them";
    let (message, label) = match publication {
        Publication::Certain => (
            format!(
                "publishes {what}{from} into the approved image definition {}: {only}",
                target.definition
            ),
            "publishes into an approved gallery",
        ),
        Publication::MayBeApproved(unknown) => (
            format!(
                "may publish {what}{from} into an approved gallery: the image definition {} is \
                 approved for some values of what is not known offline ({unknown}); {only}",
                target.definition
            ),
            "may publish into an approved gallery",
        ),
        Publication::MayPublish(unknown) => (
            format!(
                "may publish {what}{from} into the approved image definition {}: whether it \
                 does is not known offline ({unknown}); {only}",
                target.definition
            ),
            "may publish into an approved gallery",
        ),
    };
    Violation {
        image: None,
        message,
        label: label.to_owned(),
        primary: target.primary,
        chain: target.chain,
        written: Some(Image::Gallery {
            kind: GalleryKind::Compute,
            definition: target.definition,
            version: target.version,
        }),
    }
}

/// The definition ID `…/galleries/{gallery}/images/{definition}` in `subscription` and
/// `resource_group`.
fn definition_id(subscription: Seg, resource_group: Seg, gallery: Seg, definition: Seg) -> IdPath {
    let word = |w: &str| Seg::Known(w.to_owned());
    IdPath(vec![
        word("subscriptions"),
        subscription,
        word("resourceGroups"),
        resource_group,
        word("providers"),
        word("Microsoft.Compute"),
        word("galleries"),
        gallery,
        word("images"),
        definition,
    ])
}

/// A part of a placement, `what` (`the gallery's name`), as a segment of an ID: unknown when
/// it is not known, the deploying one (which the run does not configure) as the `setting`
/// nobody set. An unknown part's reason and what it is are added to `parts`.
fn placed(
    part: Option<&Placed>,
    what: &str,
    setting: DeploymentSetting,
    parts: &mut Vec<(Why, String)>,
) -> Seg {
    let (why, said) = match part {
        Some(Placed::Known(text)) => return Seg::Known(text.clone()),
        Some(Placed::Deploying) => {
            let why = Why::new(Cause::UnsetDeploymentSetting(setting));
            let said = format!("{what}: {}", why.explain());
            (why, said)
        }
        Some(Placed::Unknown(text)) => (
            Why::new(Cause::ImagePartUnknown),
            format!("{what}, `{text}`"),
        ),
        None => (
            Why::new(Cause::ImagePartUnknown),
            format!("{what}: the resource's name is not known offline"),
        ),
    };
    parts.push((why.clone(), said));
    Seg::Hole(why)
}

/// The version a gallery image version resource is: its full name's segments, in the scope it
/// is deployed to (a name not known offline leaves the gallery and definition unknown).
fn version_by_name<'a>(resource: &JudgedResource<'a>) -> Target<'a> {
    let r = resource.resource;
    let placement = r.placement.as_deref();
    let name: &[Placed] = placement.map_or(&[], |p| &p.name[..]);
    // `gallery/definition/version`; anything else is not known to be one.
    let [gallery, definition, version] = match name {
        [g, d, v] => [Some(g), Some(d), Some(v)],
        _ => [None, None, None],
    };
    // A whole name not known offline (`name: versionName`) is said once, as the name.
    let whole = name.len() == 1 && name[0].known().is_none();
    let gallery = if whole { name.first() } else { gallery };
    let mut parts = Vec::new();
    let group = DeploymentSetting::ResourceGroup;
    let definition = definition_id(
        placed(
            placement.map(|p| &p.subscription),
            "the subscription it is deployed to",
            DeploymentSetting::Subscription,
            &mut parts,
        ),
        placed(
            placement.map(|p| &p.resource_group),
            "the resource group it is deployed to",
            group,
            &mut parts,
        ),
        placed(
            gallery,
            if whole {
                "its name"
            } else {
                "the gallery's name"
            },
            group,
            &mut parts,
        ),
        placed(definition, "the image definition's name", group, &mut parts),
    );
    let version = match version {
        Some(Placed::Known(v)) => Version::Pinned(v.clone()),
        _ => Version::Unknown(Why::new(Cause::ImagePartUnknown)),
    };
    let profile = r
        .body
        .get("properties")
        .and_then(|p| p.get("storageProfile"));
    let source = profile.and_then(|p| {
        let first = |paths: &[&[&str]]| {
            paths.iter().find_map(|path| {
                let value = path
                    .iter()
                    .try_fold(p, |v, key| v.get(key))
                    .filter(|v| !matches!(v.kind, Kind::Null))?;
                Some((path.last() == Some(&"uri"), value))
            })
        };
        first(&[
            &["source", "id"],
            &["source", "virtualMachineId"],
            &["source", "uri"],
            &["osDiskImage", "source", "id"],
            &["osDiskImage", "source", "uri"],
        ])
        .map(|(uri, value)| source_phrase(value, uri))
    });
    Target {
        definition,
        version,
        source,
        primary: r.span,
        chain: &[],
        parts,
        may: None,
    }
}

/// The version a Terraform gallery image version resource is: the gallery, definition,
/// version and resource group its arguments name, in the provider's subscription.
fn version_by_arguments<'a>(resource: &JudgedResource<'a>) -> Target<'a> {
    let r = resource.resource;
    let argument = |name: &str| {
        r.body.get(name).map_or_else(
            || Seg::Hole(Why::new(Cause::ImagePartUnknown)),
            Seg::from_value,
        )
    };
    let definition = definition_id(
        Seg::Hole(Why::new(Cause::UnsetDeploymentSetting(
            DeploymentSetting::Subscription,
        ))),
        argument("resource_group_name"),
        argument("gallery_name"),
        argument("image_name"),
    );
    let version = match argument("name") {
        Seg::Known(v) => Version::Pinned(v),
        Seg::Hole(why) => Version::Unknown(why),
    };
    let source = TERRAFORM_SOURCES
        .iter()
        .filter_map(|name| Some((*name, r.body.get(name)?)))
        .find(|(_, v)| !matches!(v.kind, Kind::Null) && v.as_str() != Some(""))
        .map(|(name, value)| source_phrase(value, name == "blob_uri"));
    let gallery = r.body.get("gallery_name");
    Target {
        definition,
        version,
        source,
        primary: gallery
            .and_then(|g| g.origin.literal.or(g.origin.site))
            .unwrap_or(r.span),
        chain: gallery.map_or(&[], |g| &g.origin.hops[..]),
        parts: Vec::new(),
        may: None,
    }
}

/// The versions an Azure Image Builder template publishes: one per `distribute[]` item of
/// type `SharedImage` (or of a type not known offline), into the definition its
/// `galleryImageId` names; a distribution list not known offline may publish anywhere.
fn distributions<'a>(resource: &JudgedResource<'a>) -> Vec<Target<'a>> {
    let r = resource.resource;
    let Some(distribute) = r.body.get("properties").and_then(|p| p.get("distribute")) else {
        return Vec::new();
    };
    // What it builds from is the template's source image, which IG001 judges.
    let source = None::<String>;
    let at = |v: &Value| v.origin.literal.or(v.origin.site).unwrap_or(r.span);
    let items = match &distribute.kind {
        Kind::Array(items) => items,
        Kind::Unknown(why) => {
            return vec![anywhere(why.clone(), at(distribute), source, distribute)];
        }
        _ => return Vec::new(),
    };
    let mut out = Vec::new();
    for item in items {
        if let Kind::Unknown(why) = &item.kind {
            out.push(anywhere(why.clone(), at(item), source.clone(), item));
            continue;
        }
        let kind = item.get("type");
        let may = match kind.map(|t| &t.kind) {
            Some(Kind::Str(t)) if t.eq_ignore_ascii_case("SharedImage") => None,
            // Not known offline: it may be.
            Some(Kind::Unknown(_) | Kind::Partial(_)) => {
                kind.and_then(Value::first_unknown).cloned()
            }
            _ => continue,
        };
        let Some(id) = item.get("galleryImageId") else {
            continue;
        };
        let parsed = id.as_parts().and_then(|parts| IdPath::parse(&parts));
        let (definition, version) = match parsed {
            Some(path) => split_version(path),
            // Not an ID the template spells out: any definition of any gallery.
            None => {
                let why = id
                    .first_unknown()
                    .cloned()
                    .unwrap_or_else(|| Why::new(Cause::ImagePartUnknown));
                let mut target = anywhere(why, at(id), source.clone(), id);
                target.may = may.or(target.may);
                out.push(target);
                continue;
            }
        };
        out.push(Target {
            definition,
            version,
            source: source.clone(),
            primary: at(id),
            chain: &id.origin.hops,
            parts: Vec::new(),
            may,
        });
    }
    out
}

/// A version published into a definition of which nothing is known offline (for `why`), at
/// `primary`, whose value is `value`: whether anything is published is not known either.
fn anywhere<'a>(why: Why, primary: Span, source: Option<String>, value: &'a Value) -> Target<'a> {
    let hole = || Seg::Hole(why.clone());
    Target {
        definition: definition_id(hole(), hole(), hole(), hole()),
        version: Version::Missing,
        source,
        primary,
        chain: &value.origin.hops,
        parts: Vec::new(),
        may: Some(why.clone()),
    }
}

/// A gallery image ID split into its definition and version: `…/images/D/versions/V` is
/// version V of `…/images/D`; a definition ID alone is a new version of it (Azure Image
/// Builder numbers the versions it publishes).
fn split_version(path: IdPath) -> (IdPath, Version) {
    let n = path.0.len();
    let named_version = n >= 2
        && path
            .seg(n - 2)
            .and_then(Seg::known)
            .is_some_and(|w| w.eq_ignore_ascii_case("versions"));
    if !named_version {
        return (path, Version::Missing);
    }
    let mut segs = path.0;
    let version = match segs.pop() {
        Some(Seg::Known(v)) => Version::Pinned(v),
        Some(Seg::Hole(why)) => Version::Unknown(why),
        None => Version::Missing,
    };
    segs.pop();
    (IdPath(segs), version)
}

/// What a version is built from, from the value `source` of its source property (a URI
/// when `uri`, else a resource ID): the VHD its URI names, or the resource its ID names.
fn source_phrase(source: &Value, uri: bool) -> String {
    let Some(text) = source.as_str() else {
        return "a source not known offline".to_owned();
    };
    let lower = text.to_ascii_lowercase();
    let what = if uri {
        "the VHD"
    } else if !lower.starts_with('/') {
        return format!("`{text}` (not a resource ID)");
    } else if lower.contains("/galleries/") {
        "the gallery image"
    } else if lower.contains("/virtualmachines/") {
        "the virtual machine"
    } else if lower.contains("/snapshots/") {
        "the snapshot"
    } else if lower.contains("/disks/") {
        "the disk"
    } else if lower.contains("/images/") {
        "the managed image"
    } else {
        "the resource"
    };
    format!("{what} {text}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::{IdGlob, Policy};
    use crate::model::Placement;
    use crate::rules::Severity;
    use crate::rules::resource::testing::resource;

    const CORP: &str = "/subscriptions/*/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/*";

    fn policy() -> Policy {
        Policy {
            images: vec![IdGlob::parse(CORP).expect("glob")],
            ..Policy::default()
        }
    }

    /// A gallery image version named `name` (its segments), deployed to `group`.
    fn version(name: &[Placed], group: Placed) -> crate::model::Resource {
        let mut r = resource();
        r.resource_type = "Microsoft.Compute/galleries/images/versions".into();
        r.placement = Some(Box::new(Placement {
            subscription: Placed::Deploying,
            resource_group: group,
            name: name.to_vec(),
        }));
        r
    }

    fn known(text: &str) -> Placed {
        Placed::Known(text.into())
    }

    fn check(r: &crate::model::Resource, policy: &Policy, in_factory: bool) -> Vec<String> {
        let on = JudgedResource {
            resource: r,
            images: &[],
            tags: &crate::rules::TagPolicy::default(),
            contents_unseen: false,
            policy,
            in_factory,
            image_bearing: false,
        };
        GoldenGalleryWrite
            .check(&on)
            .into_iter()
            .map(|v| format!("{}: {}", v.label, v.message))
            .collect()
    }

    #[test]
    fn metadata_comes_from_the_document() {
        let d = RULE.doc();
        assert_eq!((d.id, d.name), ("IG010", "golden-gallery-write"));
        assert_eq!(RULE.severity(), Severity::Error);
        assert!(RULE.resource_rule().is_some());
    }

    #[test]
    fn a_version_in_an_approved_gallery_is_reported_unless_the_factory_publishes_it() {
        let name = [known("corpGallery"), known("ubuntu-22.04"), known("1.5.0")];
        let r = version(&name, known("rg-golden"));
        let found = check(&r, &policy(), false);
        assert_eq!(
            found,
            [
                "publishes into an approved gallery: publishes image version 1.5.0 into the approved image definition /subscriptions/<unknown>/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu-22.04: only the image factory may publish approved image versions (`[approved] factory` in imagegate.toml lists its paths), and this template is not one of them"
            ]
        );
        assert!(check(&r, &policy(), true).is_empty());
    }

    #[test]
    fn a_version_in_another_gallery_is_not() {
        let name = [known("teamGallery"), known("ubuntu-22.04"), known("1.5.0")];
        assert!(check(&version(&name, known("rg-golden")), &policy(), false).is_empty());
        let name = [known("corpGallery"), known("ubuntu-22.04"), known("1.5.0")];
        assert!(check(&version(&name, known("rg-team")), &policy(), false).is_empty());
    }

    #[test]
    fn a_version_whose_gallery_or_group_is_not_known_may_publish_into_the_approved_one() {
        // The resource group the run does not configure may be rg-golden.
        let name = [known("corpGallery"), known("ubuntu-22.04"), known("1.5.0")];
        let found = check(&version(&name, Placed::Deploying), &policy(), false);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].starts_with("may publish into an approved gallery: may publish image version 1.5.0 into an approved gallery"),
            "{found:?}"
        );
        // A gallery named by a parameter.
        let name = [
            Placed::Unknown("<parameter galleryName>".into()),
            known("ubuntu-22.04"),
            known("1.5.0"),
        ];
        assert_eq!(
            check(&version(&name, known("rg-golden")), &policy(), false).len(),
            1
        );
        // A whole name not known offline.
        let name = [Placed::Unknown("<parameter versionName>".into())];
        assert_eq!(
            check(&version(&name, known("rg-golden")), &policy(), false).len(),
            1
        );
        // But a gallery no approved glob can match, whatever the group, is not approved.
        let name = [known("teamGallery"), known("ubuntu-22.04"), known("1.5.0")];
        assert!(check(&version(&name, Placed::Deploying), &policy(), false).is_empty());
    }

    #[test]
    fn a_version_id_names_its_definition_and_version() {
        let id =
            |text: &str| IdPath::parse(&[crate::value::Part::Text(text.into())]).expect("an ID");
        let (definition, version) = split_version(id("/s/g/images/d/versions/1.2.3"));
        assert_eq!(definition.to_string(), "/s/g/images/d");
        assert_eq!(version, Version::Pinned("1.2.3".into()));
        let (definition, version) = split_version(id("/s/g/images/d"));
        assert_eq!(definition.to_string(), "/s/g/images/d");
        assert_eq!(version, Version::Missing);
    }

    #[test]
    fn the_source_is_named_by_what_its_id_is() {
        let text = |s: &str| {
            let uri = s.starts_with("https:");
            source_phrase(&Value::composed(Kind::Str(s.into())), uri)
        };
        assert_eq!(
            text("/subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/images/base"),
            "the managed image /subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/images/base"
        );
        assert_eq!(
            text(
                "/subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/virtualMachines/build"
            ),
            "the virtual machine /subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/virtualMachines/build"
        );
        assert_eq!(
            text("https://sa.blob.core.windows.net/vhds/os.vhd"),
            "the VHD https://sa.blob.core.windows.net/vhds/os.vhd"
        );
        assert_eq!(
            text("GET-PREREQ-imageId"),
            "`GET-PREREQ-imageId` (not a resource ID)"
        );
        assert_eq!(
            source_phrase(&Value::unknown(Why::new(Cause::ImagePartUnknown)), false),
            "a source not known offline"
        );
    }
}
