//! An image as the JSON report shows it: its kind and its parts, typed from [`Image`] (never
//! parsed back out of the text shown to people), with the text itself as `display`.
//!
//! A part that is not known offline is `None` (JSON `null`); the display shows it as
//! `<unknown>`. Parts that do not apply to a kind are not there at all.

use serde::Serialize;

use crate::image::{GalleryKind, IdPath, Image, Marketplace, Seg, Version};

/// One image of a resource: what kind it is, its parts, and the text shown for it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ImageRef {
    /// The kind (JSON `kind`) and the parts of that kind.
    #[serde(flatten)]
    pub parts: ImageParts,
    /// What people read: the same text as the resource entry's `image`, e.g. `Marketplace
    /// image Canonical:ubuntu:22_04-lts:latest`, with `<unknown>` for unknown parts.
    pub display: String,
}

/// How a gallery image ID names its version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VersionKind {
    /// A version, e.g. `1.4.0`.
    Pinned,
    /// `latest`, spelled out.
    Latest,
    /// No version: the image definition's ID, which deploys its latest version.
    None,
    /// The version is not known offline.
    Unknown,
}

/// The kind of an image (JSON `kind`, kebab-case) and its parts. `None` (JSON `null`): not
/// known offline.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ImageParts {
    /// An image of an Azure Compute Gallery (`Microsoft.Compute/galleries`): a version ID, or
    /// a definition ID (`version_kind` `none`).
    ComputeGallery {
        /// The image's full ID (with `/versions/…` when it has one), when every part is known.
        id: Option<String>,
        /// Subscription ID.
        subscription: Option<String>,
        /// Resource group.
        resource_group: Option<String>,
        /// Gallery name.
        gallery: Option<String>,
        /// Image definition name.
        definition: Option<String>,
        /// The version as written (`latest` when spelled out); `None` when there is none or
        /// it is unknown (`version_kind` tells which).
        version: Option<String>,
        /// How the ID names its version.
        version_kind: VersionKind,
    },
    /// An image of a direct shared gallery (`/SharedGalleries/…`).
    SharedGallery {
        /// The image's full ID, when every part is known.
        id: Option<String>,
        /// The gallery's unique name.
        gallery: Option<String>,
        /// Image definition name.
        definition: Option<String>,
        /// The version as written (see `version_kind`).
        version: Option<String>,
        /// How the ID names its version.
        version_kind: VersionKind,
    },
    /// An image of a community gallery (`/CommunityGalleries/…`).
    CommunityGallery {
        /// The image's full ID, when every part is known.
        id: Option<String>,
        /// The gallery's public name.
        gallery: Option<String>,
        /// Image definition name.
        definition: Option<String>,
        /// The version as written (see `version_kind`).
        version: Option<String>,
        /// How the ID names its version.
        version_kind: VersionKind,
    },
    /// An image of a Dev Center gallery (`Microsoft.DevCenter/devcenters/…/galleries`).
    DevCenterGallery {
        /// The image's full ID, when every part is known.
        id: Option<String>,
        /// Subscription ID.
        subscription: Option<String>,
        /// Resource group.
        resource_group: Option<String>,
        /// Dev center name.
        dev_center: Option<String>,
        /// Gallery name.
        gallery: Option<String>,
        /// Image name.
        definition: Option<String>,
        /// The version as written (see `version_kind`).
        version: Option<String>,
        /// How the ID names its version.
        version_kind: VersionKind,
    },
    /// A Marketplace image (publisher, offer, SKU, version).
    Marketplace {
        /// Publisher, e.g. `Canonical`.
        publisher: Option<String>,
        /// Offer.
        offer: Option<String>,
        /// SKU.
        sku: Option<String>,
        /// Version; `latest` when none is given (Azure deploys the latest).
        version: Option<String>,
        /// The purchase plan, `publisher:product:name`; `None` when none is declared.
        plan: Option<String>,
    },
    /// A platform image ID (`…/Publishers/P/ArtifactTypes/VMImage/Offers/O/Skus/S/Versions/V`).
    PlatformImage {
        /// Publisher.
        publisher: Option<String>,
        /// Offer.
        offer: Option<String>,
        /// SKU.
        sku: Option<String>,
        /// Version; `latest` when the ID names none.
        version: Option<String>,
    },
    /// A managed image (`Microsoft.Compute/images`).
    ManagedImage {
        /// Its ID, when every part is known.
        id: Option<String>,
        /// Subscription ID.
        subscription: Option<String>,
        /// Resource group.
        resource_group: Option<String>,
        /// The image's name.
        name: Option<String>,
    },
    /// Another resource ID used as an image (a DevTest Labs custom image, say).
    ResourceId {
        /// The ID, when every part is known.
        id: Option<String>,
    },
    /// A VHD or blob URI.
    Vhd {
        /// The URI.
        uri: String,
    },
    /// An existing disk attached as the OS disk: not an image, not judged.
    AttachedDisk {
        /// The disk (its ID, or what the template gives).
        disk: String,
    },
    /// An image a service names from its own well-known set (e.g. `ubuntu-22.04/latest`).
    WellKnown {
        /// The name.
        name: String,
    },
    /// An image ID property whose value is not a resource ID, as written.
    NotAnId {
        /// The value.
        value: String,
    },
    /// The image cannot be determined offline.
    Unresolved {
        /// Why, as a sentence.
        reason: String,
    },
}

impl ImageRef {
    /// The image as one normalised text, for what matches images by pattern (an exemption's
    /// `image`): a gallery, managed or other image's resource ID, a Marketplace or platform
    /// image's `publisher:offer:sku:version` (`latest` when none is given), a VHD's URI, a
    /// well-known image's name. `None` when it is not fully known (an unresolved image, an ID
    /// with unknown parts): a pattern never matches what cannot be seen.
    pub fn key(&self) -> Option<String> {
        match &self.parts {
            ImageParts::ComputeGallery { id, .. }
            | ImageParts::SharedGallery { id, .. }
            | ImageParts::CommunityGallery { id, .. }
            | ImageParts::DevCenterGallery { id, .. }
            | ImageParts::ManagedImage { id, .. }
            | ImageParts::ResourceId { id } => id.clone(),
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
            } => Some(format!(
                "{}:{}:{}:{}",
                publisher.as_deref()?,
                offer.as_deref()?,
                sku.as_deref()?,
                version.as_deref().unwrap_or("latest")
            )),
            ImageParts::Vhd { uri } => Some(uri.clone()),
            ImageParts::WellKnown { name } => Some(name.clone()),
            ImageParts::NotAnId { value } => Some(value.clone()),
            ImageParts::AttachedDisk { .. } | ImageParts::Unresolved { .. } => None,
        }
    }

    /// `image` as the report shows it. `clip` shortens text a template controls (an ID can be
    /// as long as a file), the same way messages are.
    pub fn of(image: &Image, clip: &dyn Fn(&str) -> String) -> ImageRef {
        let text = |seg: &Seg| seg.known().map(clip);
        let parts = match image {
            Image::Gallery {
                kind,
                definition,
                version,
            } => gallery(*kind, definition, version, &text, clip),
            Image::Managed(id) => ImageParts::ManagedImage {
                id: known_id(id).map(|s| clip(&s)),
                subscription: after(id, "subscriptions").and_then(&text),
                resource_group: after(id, "resourceGroups").and_then(&text),
                name: from_end(id, 0).and_then(&text),
            },
            Image::Marketplace(m) => {
                let (publisher, offer, sku, version) = coordinates(m, &text);
                ImageParts::Marketplace {
                    publisher,
                    offer,
                    sku,
                    version,
                    plan: m.plan.as_deref().map(clip),
                }
            }
            Image::Platform(m) => {
                let (publisher, offer, sku, version) = coordinates(m, &text);
                ImageParts::PlatformImage {
                    publisher,
                    offer,
                    sku,
                    version,
                }
            }
            Image::OtherId(id) => ImageParts::ResourceId {
                id: known_id(id).map(|s| clip(&s)),
            },
            Image::Vhd(uri) => ImageParts::Vhd { uri: clip(uri) },
            Image::AttachedDisk(disk) => ImageParts::AttachedDisk { disk: clip(disk) },
            Image::WellKnown(name) => ImageParts::WellKnown { name: clip(name) },
            Image::NotAnId(value) => ImageParts::NotAnId { value: clip(value) },
            Image::Unresolved(why) => ImageParts::Unresolved {
                reason: clip(&why.explain()),
            },
        };
        let display = match image {
            Image::Unresolved(why) => format!("unresolved: {}", why.explain()),
            other => other.describe(),
        };
        ImageRef {
            parts,
            display: clip(&display),
        }
    }
}

/// A gallery image's parts: the definition ID ends with `…/galleries/G/images/D` (or
/// `…/SharedGalleries/G/Images/D`), so the gallery and definition are counted from its end.
fn gallery(
    kind: GalleryKind,
    definition: &IdPath,
    version: &Version,
    text: &dyn Fn(&Seg) -> Option<String>,
    clip: &dyn Fn(&str) -> String,
) -> ImageParts {
    let (version, version_kind) = match version {
        Version::Pinned(v) => (Some(clip(v)), VersionKind::Pinned),
        Version::Latest => (Some("latest".to_string()), VersionKind::Latest),
        Version::Missing => (None, VersionKind::None),
        Version::Unknown(_) => (None, VersionKind::Unknown),
    };
    let id = match (known_id(definition), version_kind) {
        (Some(id), VersionKind::None) => Some(id),
        (Some(id), VersionKind::Pinned | VersionKind::Latest) => {
            let word = match kind {
                GalleryKind::Shared | GalleryKind::Community => "Versions",
                GalleryKind::Compute | GalleryKind::DevCenter => "versions",
            };
            Some(format!("{id}/{word}/{}", version.as_deref().unwrap_or("")))
        }
        _ => None,
    }
    .map(|id| clip(&id));
    let gallery = from_end(definition, 2).and_then(text);
    let name = from_end(definition, 0).and_then(text);
    match kind {
        GalleryKind::Compute => ImageParts::ComputeGallery {
            id,
            subscription: after(definition, "subscriptions").and_then(text),
            resource_group: after(definition, "resourceGroups").and_then(text),
            gallery,
            definition: name,
            version,
            version_kind,
        },
        GalleryKind::Shared => ImageParts::SharedGallery {
            id,
            gallery,
            definition: name,
            version,
            version_kind,
        },
        GalleryKind::Community => ImageParts::CommunityGallery {
            id,
            gallery,
            definition: name,
            version,
            version_kind,
        },
        GalleryKind::DevCenter => ImageParts::DevCenterGallery {
            id,
            subscription: after(definition, "subscriptions").and_then(text),
            resource_group: after(definition, "resourceGroups").and_then(text),
            dev_center: after(definition, "devcenters").and_then(text),
            gallery,
            definition: name,
            version,
            version_kind,
        },
    }
}

/// Publisher, offer, SKU and version (`latest` when none is given).
type Coordinates = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn coordinates(m: &Marketplace, text: &dyn Fn(&Seg) -> Option<String>) -> Coordinates {
    (
        text(&m.publisher),
        text(&m.offer),
        text(&m.sku),
        match &m.version {
            Some(v) => text(v),
            None => Some("latest".to_string()),
        },
    )
}

/// The ID as text (`/a/b/…`) when every segment is known.
fn known_id(id: &IdPath) -> Option<String> {
    id.first_hole().is_none().then(|| id.to_string())
}

/// The segment after the first known segment equal to `word` (case-insensitive).
fn after<'a>(id: &'a IdPath, word: &str) -> Option<&'a Seg> {
    let i =
        id.0.iter()
            .position(|s| s.known().is_some_and(|k| k.eq_ignore_ascii_case(word)))?;
    id.seg(i + 1)
}

/// The segment `back` places before the last one.
fn from_end(id: &IdPath, back: usize) -> Option<&Seg> {
    id.0.len().checked_sub(back + 1).and_then(|i| id.seg(i))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{Cause, Kind, Part, Value, Why};

    fn unset() -> Why {
        Why::new(Cause::UnsetDeploymentSetting(
            crate::value::cause::DeploymentSetting::Subscription,
        ))
    }

    /// The image an ID string (with `{}` standing for an unknown part) is read as, as JSON.
    fn json_of(id: &str) -> serde_json::Value {
        let parts: Vec<Part> = id
            .split("{}")
            .enumerate()
            .flat_map(|(i, text)| {
                let hole = (i > 0).then(|| Part::Hole(unset()));
                hole.into_iter().chain([Part::Text(text.to_string())])
            })
            .collect();
        let value = if parts.len() == 1 {
            Value::composed(Kind::Str(id.to_string()))
        } else {
            Value::composed(Kind::Partial(parts))
        };
        json(&Image::from_id(&value))
    }

    fn json(image: &Image) -> serde_json::Value {
        serde_json::to_value(ImageRef::of(image, &|s: &str| s.to_string())).unwrap()
    }

    const GALLERY: &str = "/subscriptions/0000/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu";

    #[test]
    fn compute_gallery_versions_and_definitions() {
        assert_eq!(
            json_of(&format!("{GALLERY}/versions/1.4.0")),
            serde_json::json!({
                "kind": "compute-gallery",
                "id": format!("{GALLERY}/versions/1.4.0"),
                "subscription": "0000",
                "resource_group": "rg-golden",
                "gallery": "corpGallery",
                "definition": "ubuntu",
                "version": "1.4.0",
                "version_kind": "pinned",
                "display": format!("Gallery image {GALLERY}/versions/1.4.0"),
            })
        );
        let definition = json_of(GALLERY);
        assert_eq!(definition["version"], serde_json::Value::Null);
        assert_eq!(definition["version_kind"], "none");
        assert_eq!(definition["id"], GALLERY);
        let latest = json_of(&format!("{GALLERY}/versions/latest"));
        assert_eq!(
            (&latest["version"], &latest["version_kind"]),
            (&"latest".into(), &"latest".into())
        );
    }

    #[test]
    fn unknown_parts_are_null_and_shown_as_unknown() {
        let image = json_of(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Compute/galleries/g/images/i/versions/{}",
        );
        assert_eq!(image["kind"], "compute-gallery");
        for key in ["id", "subscription", "resource_group", "version"] {
            assert_eq!(image[key], serde_json::Value::Null, "{key}");
        }
        assert_eq!(
            (&image["gallery"], &image["definition"]),
            (&"g".into(), &"i".into())
        );
        assert_eq!(image["version_kind"], "unknown");
        assert_eq!(
            image["display"],
            "Gallery image /subscriptions/<unknown>/resourceGroups/<unknown>/providers/Microsoft.Compute/galleries/g/images/i/versions/<unknown>"
        );
    }

    #[test]
    fn shared_community_and_dev_center_galleries() {
        let shared = json_of(
            "/subscriptions/s/providers/Microsoft.Compute/locations/westeurope/SharedGalleries/abc-CORP/Images/win/Versions/latest",
        );
        assert_eq!(
            shared,
            serde_json::json!({
                "kind": "shared-gallery",
                "id": "/subscriptions/s/providers/Microsoft.Compute/locations/westeurope/SharedGalleries/abc-CORP/Images/win/Versions/latest",
                "gallery": "abc-CORP",
                "definition": "win",
                "version": "latest",
                "version_kind": "latest",
                "display": "Direct shared gallery image /subscriptions/s/providers/Microsoft.Compute/locations/westeurope/SharedGalleries/abc-CORP/Images/win/versions/latest",
            })
        );
        let community = json_of("/CommunityGalleries/contoso-1a2b/Images/ubuntu/Versions/1.0.0");
        assert_eq!(community["kind"], "community-gallery");
        assert_eq!(
            (
                &community["gallery"],
                &community["definition"],
                &community["version"]
            ),
            (&"contoso-1a2b".into(), &"ubuntu".into(), &"1.0.0".into())
        );
        let dev_center = json_of(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.DevCenter/devcenters/dc/galleries/g/images/img",
        );
        assert_eq!(
            dev_center,
            serde_json::json!({
                "kind": "dev-center-gallery",
                "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.DevCenter/devcenters/dc/galleries/g/images/img",
                "subscription": "s",
                "resource_group": "rg",
                "dev_center": "dc",
                "gallery": "g",
                "definition": "img",
                "version": null,
                "version_kind": "none",
                "display": "Dev Center gallery image /subscriptions/s/resourceGroups/rg/providers/Microsoft.DevCenter/devcenters/dc/galleries/g/images/img (no version: latest)",
            })
        );
    }

    #[test]
    fn marketplace_and_platform_images() {
        let image = Image::Marketplace(Marketplace {
            publisher: Seg::Known("Canonical".into()),
            offer: Seg::Hole(unset()),
            sku: Seg::Known("22_04-lts".into()),
            version: None,
            plan: Some("canonical:ubuntu:pro".into()),
        });
        assert_eq!(
            json(&image),
            serde_json::json!({
                "kind": "marketplace",
                "publisher": "Canonical",
                "offer": null,
                "sku": "22_04-lts",
                "version": "latest",
                "plan": "canonical:ubuntu:pro",
                "display": "Marketplace image Canonical:<unknown>:22_04-lts:latest (plan canonical:ubuntu:pro)",
            })
        );
        let platform = json_of(
            "/Subscriptions/0/Providers/Microsoft.Compute/Locations/westeurope/Publishers/Canonical/ArtifactTypes/VMImage/Offers/ubuntu/Skus/22_04-lts/Versions/22.04.1",
        );
        assert_eq!(
            platform,
            serde_json::json!({
                "kind": "platform-image",
                "publisher": "Canonical",
                "offer": "ubuntu",
                "sku": "22_04-lts",
                "version": "22.04.1",
                "display": "Platform image Canonical:ubuntu:22_04-lts:22.04.1",
            })
        );
    }

    #[test]
    fn managed_images_other_ids_and_the_rest() {
        let managed =
            json_of("/subscriptions/x/resourceGroups/r/providers/Microsoft.Compute/images/win");
        assert_eq!(
            managed,
            serde_json::json!({
                "kind": "managed-image",
                "id": "/subscriptions/x/resourceGroups/r/providers/Microsoft.Compute/images/win",
                "subscription": "x",
                "resource_group": "r",
                "name": "win",
                "display": "Managed image /subscriptions/x/resourceGroups/r/providers/Microsoft.Compute/images/win",
            })
        );
        let other = json_of(
            "/subscriptions/{}/resourceGroups/r/providers/Microsoft.DevTestLab/labs/l/customimages/c",
        );
        assert_eq!(other["kind"], "resource-id");
        assert_eq!(other["id"], serde_json::Value::Null);
        let known = json_of("/subscriptions/x/providers/Other.Thing/things/t");
        assert_eq!(
            known["id"],
            "/subscriptions/x/providers/Other.Thing/things/t"
        );
        let cases = [
            (
                Image::Vhd("https://a.blob.core.windows.net/v/os.vhd".into()),
                serde_json::json!({"kind": "vhd", "uri": "https://a.blob.core.windows.net/v/os.vhd",
                    "display": "VHD image https://a.blob.core.windows.net/v/os.vhd"}),
            ),
            (
                Image::AttachedDisk("osdisk".into()),
                serde_json::json!({"kind": "attached-disk", "disk": "osdisk",
                    "display": "Attached OS disk osdisk"}),
            ),
            (
                Image::WellKnown("ubuntu-22.04/latest".into()),
                serde_json::json!({"kind": "well-known", "name": "ubuntu-22.04/latest",
                    "display": "Well-known image ubuntu-22.04/latest"}),
            ),
        ];
        for (image, expected) in cases {
            assert_eq!(json(&image), expected);
        }
        let unresolved = json(&Image::Unresolved(unset()));
        assert_eq!(unresolved["kind"], "unresolved");
        let reason = unset().explain();
        assert_eq!(unresolved["reason"], reason.as_str());
        assert_eq!(unresolved["display"], format!("unresolved: {reason}"));
    }

    #[test]
    fn template_text_is_clipped() {
        let long = format!("/CommunityGalleries/{}/Images/i", "g".repeat(50));
        let value = Value::composed(Kind::Str(long));
        let image = ImageRef::of(&Image::from_id(&value), &|s: &str| {
            s.chars().take(10).collect()
        });
        match image.parts {
            ImageParts::CommunityGallery { gallery, id, .. } => {
                assert_eq!(gallery.as_deref(), Some("gggggggggg"));
                assert_eq!(id.map(|s| s.len()), Some(10));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(image.display.chars().count(), 10);
    }
}
