//! The image a resource boots from, normalised into one typed form with unknown parts kept.
//!
//! Every image form in the spec — gallery image version or definition, managed image, direct
//! shared gallery, community gallery, marketplace, platform image ID, VHD, attached disk — is
//! parsed here from a [`Value`] into an [`Image`]. Unknown parts stay [`Seg::Hole`]s so that the
//! judgement can be sound about them.

use std::fmt;

use crate::value::{Cause, Kind, Part, Value, Why};

/// One segment of a resource ID, or one marketplace field.
#[derive(Clone, Debug, PartialEq)]
pub enum Seg {
    /// Known text.
    Known(String),
    /// Text that is (at least partly) unknown.
    Hole(Why),
}

impl Seg {
    /// The text, if known.
    pub fn known(&self) -> Option<&str> {
        match self {
            Seg::Known(s) => Some(s),
            Seg::Hole(_) => None,
        }
    }

    fn is(&self, word: &str) -> bool {
        self.known().is_some_and(|s| s.eq_ignore_ascii_case(word))
    }

    /// A field from a value: known text, or a hole with the value's reason.
    pub fn from_value(value: &Value) -> Seg {
        match &value.kind {
            Kind::Str(s) => Seg::Known(s.clone()),
            Kind::Int(i) => Seg::Known(i.to_string()),
            _ => Seg::Hole(value.first_unknown().cloned().unwrap_or_else(|| {
                Why::new(Cause::NotAString {
                    value: value.display(),
                })
            })),
        }
    }
}

impl fmt::Display for Seg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Seg::Known(s) => f.write_str(s),
            Seg::Hole(_) => f.write_str("<unknown>"),
        }
    }
}

/// A resource ID as segments (without the leading slash).
#[derive(Clone, Debug, PartialEq)]
pub struct IdPath(pub Vec<Seg>);

impl IdPath {
    /// Splits a string made of known text and holes at `/`. A segment that touches a hole is a
    /// hole as a whole. Returns `None` when the text is not an absolute ID (no leading `/`).
    pub fn parse(parts: &[Part]) -> Option<IdPath> {
        let mut segs = Vec::new();
        let mut current = String::new();
        let mut hole: Option<Why> = None;
        let mut started = false;
        for part in parts {
            match part {
                Part::Text(text) => {
                    for ch in text.chars() {
                        if !started {
                            if ch == '/' {
                                started = true;
                                continue;
                            }
                            if ch.is_whitespace() {
                                continue;
                            }
                            return None;
                        }
                        if ch == '/' {
                            push_seg(&mut segs, &mut current, &mut hole);
                        } else {
                            current.push(ch);
                        }
                    }
                }
                Part::Hole(why) => {
                    if !started {
                        // An unknown prefix: we cannot tell what kind of ID this is.
                        return None;
                    }
                    hole.get_or_insert_with(|| why.clone());
                }
            }
        }
        if !started {
            return None;
        }
        push_seg(&mut segs, &mut current, &mut hole);
        Some(IdPath(segs))
    }

    /// Segment `i`, if present.
    pub fn seg(&self, i: usize) -> Option<&Seg> {
        self.0.get(i)
    }

    /// Whether segment `i` is known and equals `word` (case-insensitive).
    pub fn is(&self, i: usize, word: &str) -> bool {
        self.0.get(i).is_some_and(|s| s.is(word))
    }

    /// The first hole's reason, if any segment is unknown.
    pub fn first_hole(&self) -> Option<&Why> {
        self.0.iter().find_map(|s| match s {
            Seg::Hole(w) => Some(w),
            Seg::Known(_) => None,
        })
    }

    /// The index of the segment `word` (case-insensitive), searching from the end.
    fn rposition(&self, word: &str) -> Option<usize> {
        self.0.iter().rposition(|s| s.is(word))
    }
}

fn push_seg(segs: &mut Vec<Seg>, current: &mut String, hole: &mut Option<Why>) {
    let text = std::mem::take(current);
    match hole.take() {
        Some(why) => segs.push(Seg::Hole(why)),
        None if text.is_empty() && segs.is_empty() => {}
        None => segs.push(Seg::Known(text)),
    }
}

impl fmt::Display for IdPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for seg in &self.0 {
            write!(f, "/{seg}")?;
        }
        Ok(())
    }
}

/// Which kind of gallery an ID-based image lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GalleryKind {
    /// A private Azure Compute Gallery (`Microsoft.Compute/galleries`).
    Compute,
    /// A direct shared gallery (`/SharedGalleries/…`).
    Shared,
    /// A community gallery (`/CommunityGalleries/…`).
    Community,
    /// A Dev Center gallery (`Microsoft.DevCenter/devcenters/…/galleries`).
    DevCenter,
}

/// The version part of a gallery image ID.
#[derive(Clone, Debug, PartialEq)]
pub enum Version {
    /// A pinned version, e.g. `1.4.0`.
    Pinned(String),
    /// `latest`, spelled out.
    Latest,
    /// No version: the definition ID, which deploys the latest version.
    Missing,
    /// The version is not known offline.
    Unknown(Why),
}

/// Marketplace image coordinates.
#[derive(Clone, Debug, PartialEq)]
pub struct Marketplace {
    /// Publisher, e.g. `Canonical`.
    pub publisher: Seg,
    /// Offer, e.g. `0001-com-ubuntu-server-jammy`.
    pub offer: Seg,
    /// SKU, e.g. `22_04-lts-gen2`.
    pub sku: Seg,
    /// Version (absent means latest).
    pub version: Option<Seg>,
    /// Purchase plan (`publisher:product:name`), if one is declared.
    pub plan: Option<String>,
}

/// The image a resource boots from.
#[derive(Clone, Debug, PartialEq)]
pub enum Image {
    /// An image in a gallery: the definition ID (without `/versions/…`) and the version.
    Gallery {
        /// The kind of gallery.
        kind: GalleryKind,
        /// The image definition ID.
        definition: IdPath,
        /// The version part.
        version: Version,
    },
    /// A managed image (`Microsoft.Compute/images`).
    Managed(IdPath),
    /// A marketplace image.
    Marketplace(Marketplace),
    /// A platform image ID (`…/Publishers/P/ArtifactTypes/VMImage/Offers/O/Skus/S/Versions/V`).
    Platform(Marketplace),
    /// Another resource ID used as an image (e.g. a DevTest Labs custom image).
    OtherId(IdPath),
    /// An image ID property whose value is not a resource ID (no leading `/`), as written.
    NotAnId(String),
    /// A VHD or blob URI.
    Vhd(String),
    /// An existing disk attached as the OS disk: not an image, not judged.
    AttachedDisk(String),
    /// An image a service names from its own well-known set (e.g. `ubuntu-22.04/latest` of a
    /// Managed DevOps Pool): not in any gallery of the organisation.
    WellKnown(String),
    /// The image cannot be determined offline.
    Unresolved(Why),
}

impl Image {
    /// Parses an image resource ID (or partial ID) into its typed form.
    pub fn from_id(value: &Value) -> Image {
        let Some(parts) = value.as_parts() else {
            return Image::Unresolved(Why::new(Cause::ImageIdNotAString {
                value: value.display(),
            }));
        };
        if let [Part::Hole(why)] = parts.as_slice() {
            return Image::Unresolved(why.clone());
        }
        let Some(id) = IdPath::parse(&parts) else {
            if let Some(Part::Hole(why)) = parts.first() {
                return Image::Unresolved(why.clone());
            }
            return Image::NotAnId(value.display());
        };
        classify_id(id)
    }

    /// A short description of the image's source kind and identity, for messages.
    pub fn describe(&self) -> String {
        match self {
            Image::Gallery {
                kind,
                definition,
                version,
            } => {
                let what = match kind {
                    GalleryKind::Compute => "Gallery image",
                    GalleryKind::Shared => "Direct shared gallery image",
                    GalleryKind::Community => "Community gallery image",
                    GalleryKind::DevCenter => "Dev Center gallery image",
                };
                match version {
                    Version::Pinned(v) => format!("{what} {definition}/versions/{v}"),
                    Version::Latest => format!("{what} {definition}/versions/latest"),
                    Version::Missing => format!("{what} {definition} (no version: latest)"),
                    Version::Unknown(_) => format!("{what} {definition}/versions/<unknown>"),
                }
            }
            Image::Managed(id) => format!("Managed image {id}"),
            Image::Marketplace(m) => format!("Marketplace image {}", m.urn()),
            Image::Platform(m) => format!("Platform image {}", m.urn()),
            Image::OtherId(id) => format!("Image resource {id}"),
            Image::NotAnId(text) => format!("Image `{text}` (not a resource ID)"),
            Image::Vhd(uri) => format!("VHD image {uri}"),
            Image::AttachedDisk(disk) => format!("Attached OS disk {disk}"),
            Image::WellKnown(name) => format!("Well-known image {name}"),
            Image::Unresolved(_) => "Unresolved image".into(),
        }
    }
}

impl Marketplace {
    /// `publisher:offer:sku:version` (version `latest` when absent), with `<unknown>` holes.
    pub fn urn(&self) -> String {
        let version = self
            .version
            .as_ref()
            .map_or_else(|| "latest".to_string(), Seg::to_string);
        let mut urn = format!("{}:{}:{}:{}", self.publisher, self.offer, self.sku, version);
        if let Some(plan) = &self.plan {
            urn.push_str(&format!(" (plan {plan})"));
        }
        urn
    }
}

fn classify_id(id: IdPath) -> Image {
    let n = id.0.len();
    // Direct shared and community galleries: /SharedGalleries/G/Images/I[/Versions/V], possibly
    // after a location prefix.
    for (word, kind) in [
        ("SharedGalleries", GalleryKind::Shared),
        ("CommunityGalleries", GalleryKind::Community),
    ] {
        if let Some(i) = id.rposition(word)
            && id.is(i + 2, "images")
        {
            return gallery(id, kind, i + 4);
        }
    }
    // Platform image: …/Publishers/P/ArtifactTypes/VMImage/Offers/O/Skus/S/Versions/V
    if let Some(i) = id.rposition("Publishers")
        && id.is(i + 2, "ArtifactTypes")
        && id.is(i + 4, "Offers")
        && id.is(i + 6, "Skus")
    {
        let get = |k: usize| id.seg(k).cloned().unwrap_or(Seg::Known(String::new()));
        return Image::Platform(Marketplace {
            publisher: get(i + 1),
            offer: get(i + 5),
            sku: get(i + 7),
            version: if id.is(i + 8, "Versions") {
                id.seg(i + 9).cloned()
            } else {
                None
            },
            plan: None,
        });
    }
    // providers/Microsoft.Compute/galleries/G/images/I[/versions/V]
    if let Some(p) = id.rposition("providers") {
        let ns = id.seg(p + 1);
        if ns.is_some_and(|s| s.is("Microsoft.Compute")) {
            if id.is(p + 2, "galleries") && id.is(p + 4, "images") {
                return gallery(id, GalleryKind::Compute, p + 6);
            }
            if id.is(p + 2, "images") && n == p + 4 {
                return Image::Managed(id);
            }
        }
        if ns.is_some_and(|s| s.is("Microsoft.DevCenter"))
            && let Some(g) = id.rposition("galleries")
            && id.is(g + 2, "images")
        {
            return gallery(id, GalleryKind::DevCenter, g + 4);
        }
    }
    Image::OtherId(id)
}

/// Builds a gallery image whose definition ends at segment `def_end` (exclusive).
fn gallery(id: IdPath, kind: GalleryKind, def_end: usize) -> Image {
    let n = id.0.len();
    if n < def_end {
        return Image::OtherId(id);
    }
    let version = if n == def_end {
        Version::Missing
    } else if n == def_end + 2 && id.is(def_end, "versions") {
        match &id.0[def_end + 1] {
            Seg::Known(v) if v.eq_ignore_ascii_case("latest") => Version::Latest,
            Seg::Known(v) => Version::Pinned(v.clone()),
            Seg::Hole(w) => Version::Unknown(w.clone()),
        }
    } else {
        return Image::OtherId(id);
    };
    let mut segs = id.0;
    segs.truncate(def_end);
    Image::Gallery {
        kind,
        definition: IdPath(segs),
        version,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Value {
        Value::composed(Kind::Str(text.into()))
    }

    fn unset_subscription() -> Cause {
        Cause::UnsetDeploymentSetting(crate::value::cause::DeploymentSetting::Subscription)
    }

    #[test]
    fn gallery_version_definition_and_latest() {
        let base = "/subscriptions/0000/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu";
        match Image::from_id(&s(&format!("{base}/versions/1.4.0"))) {
            Image::Gallery {
                kind: GalleryKind::Compute,
                definition,
                version: Version::Pinned(v),
            } => {
                assert_eq!(definition.to_string(), base);
                assert_eq!(v, "1.4.0");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            Image::from_id(&s(base)),
            Image::Gallery {
                version: Version::Missing,
                ..
            }
        ));
        assert!(matches!(
            Image::from_id(&s(&format!("{base}/VERSIONS/Latest"))),
            Image::Gallery {
                version: Version::Latest,
                ..
            }
        ));
    }

    #[test]
    fn other_forms() {
        assert!(matches!(
            Image::from_id(&s(
                "/subscriptions/x/resourceGroups/r/providers/Microsoft.Compute/images/win"
            )),
            Image::Managed(_)
        ));
        assert!(matches!(
            Image::from_id(&s("/SharedGalleries/abc-CORP/Images/win/Versions/latest")),
            Image::Gallery {
                kind: GalleryKind::Shared,
                version: Version::Latest,
                ..
            }
        ));
        assert!(matches!(
            Image::from_id(&s(
                "/CommunityGalleries/contoso-1a2b/Images/ubuntu/Versions/1.0.0"
            )),
            Image::Gallery {
                kind: GalleryKind::Community,
                ..
            }
        ));
        let platform = Image::from_id(&s(
            "/Subscriptions/0/Providers/Microsoft.Compute/Locations/westeurope/Publishers/Canonical/ArtifactTypes/VMImage/Offers/ubuntu/Skus/22_04-lts/Versions/22.04.1",
        ));
        assert_eq!(
            platform.describe(),
            "Platform image Canonical:ubuntu:22_04-lts:22.04.1"
        );
    }

    #[test]
    fn holes_become_segments() {
        let parts = vec![
            Part::Text("/subscriptions/".into()),
            Part::Hole(Why::new(unset_subscription())),
            Part::Text(
                "/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/i".into(),
            ),
        ];
        let v = Value::composed(Kind::Partial(parts));
        match Image::from_id(&v) {
            Image::Gallery { definition, .. } => {
                assert_eq!(
                    definition.to_string(),
                    "/subscriptions/<unknown>/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/i"
                );
                assert_eq!(
                    *definition.first_hole().unwrap().cause,
                    unset_subscription()
                );
            }
            other => panic!("{other:?}"),
        }
        // A value that is not an ID is shown as written, without an invented `/`.
        let written = Image::from_id(&s("myimage"));
        assert_eq!(written, Image::NotAnId("myimage".into()));
        assert_eq!(written.describe(), "Image `myimage` (not a resource ID)");
        let unknown = Value::unknown(Why::new(Cause::DeploymentTimeFunction(
            crate::value::cause::DeploymentTimeFunction::Reference,
        )));
        assert!(matches!(Image::from_id(&unknown), Image::Unresolved(_)));
    }
}
