//! Image extraction: finds the images of a [`Resource`] at the catalogue's paths.
//!
//! This is the only place that knows how image properties are shaped, and it learns the
//! shapes from [`crate::catalog`]. It sees [`Value`]s, never JSON or syntax.

use crate::catalog::{Decode, Entry, Form, ImagePath, Section};
use crate::image::{Image, Marketplace, Seg};
use crate::model::Resource;
use crate::source::Span;
use crate::value::cause::MarketplaceField;
use crate::value::{Cause, Hop, Kind, Subject, Value, Why};

/// One image found on a resource, with the places a finding about it points at.
#[derive(Clone, Debug)]
pub struct FoundImage {
    /// The typed image.
    pub image: Image,
    /// Where a person changes it: the literal that supplied the whole image value, else the
    /// image property; for an image assembled from fields, the first of [`FoundImage::fields`]
    /// when any (see [`assembled`]).
    pub primary: Span,
    /// Where the image's value as a whole is written: the literal that supplied it, else the
    /// image property. `primary` too, unless a field of it is set elsewhere.
    pub written: Span,
    /// The image property in the declaring file (a related location when it differs from
    /// `primary`).
    pub property: Span,
    /// The catalogue path the image was found at, e.g. `properties.storageProfile.imageReference`.
    pub path: String,
    /// The hops the decisive value travelled through (parameters, variables, module inputs).
    pub hops: Vec<Hop>,
    /// The decisive fields of an image assembled from several values (a Marketplace
    /// reference's publisher, offer, SKU and version) whose literals lie outside `written`, in
    /// the catalogue's field order: where each is set, the first at `primary`. Empty for an
    /// image read from one value, and when every field is written in the image property.
    pub fields: Vec<FieldSite>,
    /// The string literal that supplied the whole image value, with the text it holds, when
    /// one did (an ID written in a template, a parameter file, a `.bicepparam`): what a fix
    /// rewrites. `None` for a value composed from several places.
    pub literal: Option<(Span, String)>,
    /// What else a fix may rewrite: the literals an ID composed from several places was
    /// built from, and the object a Marketplace reference is written as.
    pub rewrite: Rewritable,
}

/// What a fix may rewrite of an image that no one literal supplied whole (#26).
#[derive(Clone, Debug, Default)]
pub struct Rewritable {
    /// An ID composed from several places (`concat`, `format`, a Bicep interpolation), when
    /// literals supplied some of its text.
    pub composed: Option<Composed>,
    /// The object literal a Marketplace reference is written as in its resource's own
    /// declaration, when every field it is judged by (publisher, offer, SKU, version) is a
    /// literal written in it, and it has no other member: a fix may replace the whole object.
    pub object: Option<Span>,
}

/// An ID composed from several places: the end of its known text, and the runs of its known
/// text that literals supplied.
#[derive(Clone, Debug)]
pub struct Composed {
    /// Its known text after its last unknown part (all of it when none is unknown).
    pub tail: String,
    /// The length of its known text (its text parts joined), in bytes: the coordinates of
    /// `pieces`.
    pub len: u32,
    /// The runs literals supplied ([`crate::value::Origin::pieces`]).
    pub pieces: std::sync::Arc<[crate::value::Piece]>,
}

/// Where one field of an assembled image is set, when that is outside the image's value as
/// written (a parameter file, a `.bicepparam`, a variable, a parameter's default).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldSite {
    /// The field's property name, as the catalogue names it (`publisher`, `vmImageSku`, …).
    pub name: String,
    /// The literal that supplied its value.
    pub literal: Span,
    /// The hops its value travelled through (the template's parameter declaration, …).
    pub hops: Vec<Hop>,
}

/// Every image of `resource` according to the catalogue `entry`. An empty result means the
/// resource declares no image (e.g. a partial update of an existing machine).
pub fn images(resource: &Resource, entry: &Entry) -> Vec<FoundImage> {
    images_when(resource, entry, true)
}

/// Every image of `resource`, with the entries' `when` conditions checked or not.
fn images_when(resource: &Resource, entry: &Entry, conditions: bool) -> Vec<FoundImage> {
    let plan = entry
        .plan
        .as_deref()
        .and_then(|p| lookup(&resource.body, p).ok().flatten())
        .map(block)
        .and_then(plan_text);
    let mut found = Vec::new();
    let mut unknown_paths: Vec<&str> = Vec::new();
    // Of a resource on its own, only what it boots from (not what a machine attaching it
    // would).
    for spec in entry
        .images
        .iter()
        .filter(|i| !(conditions && i.attached_only))
    {
        match lookup(&resource.body, &spec.path) {
            Ok(None) => {}
            Ok(Some(value)) => match &value.kind {
                Kind::Array(items) if spec.each => {
                    for (i, item) in items.iter().enumerate() {
                        let index = Some(i);
                        found.extend(within(
                            resource,
                            spec,
                            item,
                            index,
                            plan.as_deref(),
                            conditions,
                        ));
                    }
                }
                _ => found.extend(within(
                    resource,
                    spec,
                    value,
                    None,
                    plan.as_deref(),
                    conditions,
                )),
            },
            Err(disk) if spec.form == Form::AttachedDisk => {
                found.extend(read(resource, spec, &spec.path, disk, plan.as_deref()));
            }
            // Entries that share a path share what hides it: one unresolved image.
            Err(_) if unknown_paths.contains(&spec.path.as_str()) => {}
            Err(unknown) => {
                unknown_paths.push(&spec.path);
                found.push(unresolved(resource, &spec.path, unknown));
            }
        }
    }
    found
}

/// Why `value` is null when an optional parameter nobody sets made it so.
fn unset_optional(value: &Value) -> Option<Why> {
    if value.kind != Kind::Null {
        return None;
    }
    value.origin.hops.iter().find_map(|hop| match &hop.via {
        Subject::UnsetOptional(name) => Some(Why::at(
            Cause::UnsetOptionalParameter { name: name.clone() },
            hop.span,
        )),
        _ => None,
    })
}

/// The image inside `container` (the value at the catalogue path, or one element of it when
/// the entry reads `each` element): checks the entry's condition, then reads the value `at`.
fn within(
    resource: &Resource,
    spec: &ImagePath,
    container: &Value,
    index: Option<usize>,
    plan: Option<&str>,
    conditions: bool,
) -> Option<FoundImage> {
    if let Some(when) = spec.when.as_ref().filter(|_| conditions) {
        match lookup(container, &when.key) {
            // Unset: the image is not used.
            Ok(None) => return None,
            Ok(Some(v)) => {
                let used = v
                    .as_str()
                    .is_some_and(|s| when.equals.iter().any(|e| e.eq_ignore_ascii_case(s)));
                if !used {
                    return None;
                }
            }
            // Unknown: the image may be used, so it is judged.
            Err(_) => {}
        }
    }
    let mut path = spec.path.clone();
    if let Some(i) = index {
        path.push_str(&format!("[{i}]"));
    }
    let Some(at) = &spec.at else {
        return read(resource, spec, &path, container, plan);
    };
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(at);
    match lookup(container, at) {
        Ok(None) => None,
        Ok(Some(value)) => read(resource, spec, &path, value, plan),
        Err(disk) if spec.form == Form::AttachedDisk => read(resource, spec, &path, disk, plan),
        Err(unknown) => Some(unresolved(resource, &path, unknown)),
    }
}

/// An image that an unknown value on the way to `path` hides.
fn unresolved(resource: &Resource, path: &str, unknown: &Value) -> FoundImage {
    let why = unknown
        .first_unknown()
        .cloned()
        .or_else(|| unset_optional(unknown))
        .unwrap_or_else(|| {
            Why::new(Cause::Unreadable {
                path: path.to_string(),
            })
        });
    located(resource, path, unknown, Image::Unresolved(why))
}

/// Most copies followed from an attached disk back to what the first of them was made from:
/// past them (and around a cycle, which Azure could not deploy) the disk stays attached, not
/// judged.
const MAX_COPIES: usize = 8;

/// The managed disks and snapshots among the resources of one deployment (those whose
/// catalogue entry, in the dialect's sections, says how they are named), indexed by the name
/// an ID names them by: what a machine's attached OS disk, and each copy it was made from, is
/// looked for among, in time linear in the deployment.
pub struct Disks<'r> {
    /// The disks by lower-cased name, in the deployment's order.
    by_name: foldhash::HashMap<String, Vec<(&'r Resource, &'static Entry)>>,
}

impl<'r> Disks<'r> {
    /// The managed disks and snapshots of `resources`, whose types are looked up in the
    /// catalogue's `sections`.
    pub fn new(resources: &'r [Resource], sections: &[Section]) -> Disks<'r> {
        let catalog = crate::catalog::Catalog::builtin();
        let mut by_name: foldhash::HashMap<String, Vec<_>> = foldhash::HashMap::default();
        for r in resources {
            let Some(entry) = catalog.entry_in(sections, &r.resource_type) else {
                continue;
            };
            let Some(disk) = &entry.managed_disk else {
                continue;
            };
            let name = match &disk.name_key {
                Some(key) => r.body.get(key).and_then(Value::as_str),
                None => Some(r.name.as_str()),
            };
            if let Some(name) = name {
                by_name
                    .entry(name.to_ascii_lowercase())
                    .or_default()
                    .push((r, entry));
            }
        }
        Disks { by_name }
    }

    /// The disk or snapshot (with its catalogue entry) the resource ID `id` names, when the
    /// deployment makes it: the ID's type its type, its name the ID's, and its resource
    /// group the ID's when both are known.
    fn named(&self, id: &str) -> Option<(&'r Resource, &'static Entry)> {
        let (id_type, group, name) = resource_id(id)?;
        let found = self.by_name.get(&name.to_ascii_lowercase())?;
        found.iter().copied().find(|(r, entry)| {
            let Some(disk) = &entry.managed_disk else {
                return false;
            };
            let own_type = disk.id_type.as_deref().unwrap_or(&r.resource_type);
            let group_key = disk.resource_group_key.as_deref();
            let own_group = group_key
                .and_then(|k| r.body.get(k))
                .and_then(Value::as_str);
            let same_group = match (group, own_group) {
                (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                _ => true,
            };
            own_type.eq_ignore_ascii_case(&id_type) && same_group
        })
    }
}

/// Every image of `resource`, as [`images`], where an OS disk it attaches is a managed disk
/// the same deployment makes (one of `disks`): the image that disk was made from stands for
/// the attached disk — its own, or, for a disk copied from a disk or snapshot the deployment
/// also makes, that one's, followed back to the image or VHD the first was made from — so a
/// machine that boots from a disk the template makes from a Marketplace image or a VHD is
/// judged by that image. A disk without an image, or copied from something the deployment
/// does not make, stays an attached disk, not judged.
pub fn images_among(resource: &Resource, entry: &Entry, disks: &Disks<'_>) -> Vec<FoundImage> {
    let mut found = images(resource, entry);
    for f in &mut found {
        let Image::AttachedDisk(id) = &f.image else {
            continue;
        };
        let Some((disk, disk_entry)) = disks.named(id) else {
            continue;
        };
        if let Some(image) = made_from(disk, disk_entry, disks, 0) {
            *f = image;
        }
    }
    found
}

/// The image the managed disk (or snapshot) `disk` was made from, `copies` copies after the
/// attached disk: when it is a copy, what its source (made by the same deployment) was made
/// from; otherwise its own image. A disk has at most one image source; the first is the one
/// Azure uses. Attached as an OS disk, it is one whatever its own `osType` says (the
/// catalogue's conditions on disks say whether a disk on its own is an OS disk).
fn made_from(
    disk: &Resource,
    entry: &Entry,
    disks: &Disks<'_>,
    copies: usize,
) -> Option<FoundImage> {
    let copied = entry.managed_disk.as_ref()?.copied_from.as_ref();
    if let Some(copied) = copied {
        match source_of(disk, copied) {
            Source::Copy(id) => {
                // A copy has the image of what it copies, when the deployment makes that;
                // otherwise it is a disk of unknown provenance.
                return disks
                    .named(&id)
                    .filter(|_| copies < MAX_COPIES)
                    .and_then(|(from, from_entry)| made_from(from, from_entry, disks, copies + 1));
            }
            Source::MaybeCopy(id) => {
                let from = disks.named(&id).filter(|_| copies < MAX_COPIES);
                if let Some(image) =
                    from.and_then(|(from, e)| made_from(from, e, disks, copies + 1))
                {
                    return Some(image);
                }
            }
            Source::NotACopy => {}
        }
    }
    images_when(disk, entry, false).into_iter().next()
}

/// Whether a disk is copied from another, per its catalogue entry's `copied_from`.
enum Source {
    /// Copied from the resource this ID names.
    Copy(String),
    /// Perhaps copied (whether it is, is not known offline) from the resource this ID names.
    MaybeCopy(String),
    /// Not a copy, or from nothing it names.
    NotACopy,
}

/// What `disk` is copied from, as `copied` says where to look.
fn source_of(disk: &Resource, copied: &crate::catalog::CopiedFrom) -> Source {
    let Ok(Some(container)) = lookup(&disk.body, &copied.path) else {
        return Source::NotACopy;
    };
    let known = match &copied.when {
        None => true,
        Some(when) => match lookup(container, &when.key) {
            Ok(None) => return Source::NotACopy,
            Ok(Some(v)) => {
                let copy = v
                    .as_str()
                    .is_some_and(|s| when.equals.iter().any(|e| e.eq_ignore_ascii_case(s)));
                if !copy {
                    return Source::NotACopy;
                }
                true
            }
            Err(_) => false,
        },
    };
    let id = match lookup(container, &copied.at) {
        Ok(Some(id)) | Err(id) => id.display(),
        Ok(None) => return Source::NotACopy,
    };
    if known {
        Source::Copy(id)
    } else {
        Source::MaybeCopy(id)
    }
}

/// The ARM type (`Microsoft.Compute/disks`), resource group (when known) and name of the
/// resource an ID names (`…/resourceGroups/G/providers/NS/TYPE/NAME`: its last three
/// segments), when its name is known.
fn resource_id(id: &str) -> Option<(String, Option<&str>, &str)> {
    let segments: Vec<&str> = id.trim_end_matches('/').split('/').collect();
    let known = |s: &&str| !s.is_empty() && !s.contains("<unknown>");
    match segments.as_slice() {
        [.., namespace, kind, name] if known(name) => {
            let group = segments
                .iter()
                .position(|s| s.eq_ignore_ascii_case("resourceGroups"))
                .and_then(|i| segments.get(i + 1))
                .filter(|s| known(s))
                .copied();
            Some((format!("{namespace}/{kind}"), group, name))
        }
        _ => None,
    }
}

/// Follows a dotted path (the empty path is `root` itself). `Ok(None)`: absent (or null);
/// `Err(v)`: an unknown value on the way.
fn lookup<'a>(root: &'a Value, path: &str) -> Result<Option<&'a Value>, &'a Value> {
    let mut current = root;
    for key in path.split('.').filter(|k| !k.is_empty()) {
        match &current.kind {
            Kind::Unknown(_) => return Err(current),
            Kind::Object(_) => match current.get(key) {
                Some(v) => current = v,
                None => return Ok(None),
            },
            // Terraform blocks are single-element arrays.
            Kind::Array(items) => match items.first().and_then(|i| i.get(key)) {
                Some(v) => current = v,
                None => return Ok(None),
            },
            _ => return Ok(None),
        }
    }
    match &current.kind {
        Kind::Null if unset_optional(current).is_some() => Err(current),
        Kind::Null => Ok(None),
        Kind::Str(s) if s.is_empty() => Ok(None),
        Kind::Array(a) if a.is_empty() => Ok(None),
        Kind::Unknown(_) => Err(current),
        _ => Ok(Some(current)),
    }
}

fn read(
    resource: &Resource,
    spec: &ImagePath,
    path: &str,
    value: &Value,
    plan: Option<&str>,
) -> Option<FoundImage> {
    let decoded;
    let value = match spec.decode {
        Some(Decode::JsonString) => match &value.kind {
            Kind::Str(text) => {
                decoded = decode_json_string(text, value);
                &decoded
            }
            _ => value,
        },
        None => value,
    };
    let value = match spec.form {
        Form::Reference | Form::OsDisk => block(value),
        _ => value,
    };
    if spec.form == Form::AttachedDisk {
        // An existing disk, not an image: reported even when its ID is known only later.
        let image = Image::AttachedDisk(value.display());
        return Some(located(resource, path, value, image));
    }
    if let Kind::Unknown(why) = &value.kind {
        let image = Image::Unresolved(why.clone());
        return Some(located(resource, path, value, image));
    }
    match spec.form {
        Form::Id => Some(located(resource, path, value, Image::from_id(value))),
        Form::Uri => Some(located(resource, path, value, uri_image(value))),
        Form::WellKnown => Some(located(resource, path, value, well_known(value))),
        Form::OsDisk => os_disk(resource, spec, path, value),
        Form::AttachedDisk => None,
        Form::Reference => reference(resource, spec, path, value, plan),
    }
}

/// A Terraform block (a list of one object) as its object; anything else as it is.
fn block(value: &Value) -> &Value {
    match &value.kind {
        Kind::Array(items) => match items.as_slice() {
            [only] => only,
            _ => value,
        },
        _ => value,
    }
}

fn reference(
    resource: &Resource,
    spec: &ImagePath,
    path: &str,
    value: &Value,
    plan: Option<&str>,
) -> Option<FoundImage> {
    if !matches!(value.kind, Kind::Object(_)) {
        let why = Why::new(Cause::NotAnObject {
            path: path.to_string(),
        });
        return Some(located(resource, path, value, Image::Unresolved(why)));
    }
    let field = |key: &str| lookup(value, key);
    let mut ids = spec.id_keys.iter().map(String::as_str).collect::<Vec<_>>();
    ids.push(&spec.shared_key);
    ids.push(&spec.community_key);
    for key in ids {
        match field(key) {
            Ok(None) => {}
            Ok(Some(id)) => return Some(located(resource, path, id, Image::from_id(id))),
            Err(unknown) => {
                let image = Image::from_id(unknown);
                return Some(located(resource, path, unknown, image));
            }
        }
    }
    let seg = |key: &str| match field(key) {
        Ok(None) => None,
        Ok(Some(v)) | Err(v) => Some(Seg::from_value(v)),
    };
    let (publisher, offer, sku) = (
        seg(&spec.publisher_key),
        seg(&spec.offer_key),
        seg(&spec.sku_key),
    );
    if publisher.is_none() && offer.is_none() && sku.is_none() {
        return None;
    }
    let missing = |field| Seg::Hole(Why::new(Cause::MarketplaceFieldUnset(field)));
    let inline_plan = spec
        .plan_key
        .as_deref()
        .and_then(|k| field(k).ok().flatten())
        .and_then(plan_text);
    let image = Image::Marketplace(Marketplace {
        publisher: publisher.unwrap_or_else(|| missing(MarketplaceField::Publisher)),
        offer: offer.unwrap_or_else(|| missing(MarketplaceField::Offer)),
        sku: sku.unwrap_or_else(|| missing(MarketplaceField::Sku)),
        version: seg(&spec.version_key),
        plan: inline_plan.or_else(|| plan.map(str::to_owned)),
    });
    let keys = [
        &spec.publisher_key,
        &spec.offer_key,
        &spec.sku_key,
        &spec.version_key,
    ];
    let decisive = keys.map(|key| (key.as_str(), field(key).ok().flatten()));
    let mut found = assembled(located(resource, path, value, image), &decisive);
    if found.fields.is_empty() {
        found.rewrite.object = own_object(resource, value, &decisive);
    }
    Some(found)
}

/// `found`, an image assembled from the `decisive` fields of its value (in the catalogue's
/// field order, each with its value when set), pointing at the literal a person changes.
///
/// The rule: the primary location is the literal of the first decisive field whose literal
/// lies outside the image's value as written (`found.written`: the image property, or the
/// literal that supplied the whole value); every such field is listed in `found.fields`,
/// which the finding shows as related locations ("`offer` is set here"). When every field is
/// written inside the value, nothing moves.
///
/// Why the first outside, in the catalogue's order (publisher, offer, SKU, version): a
/// Marketplace image set from a parameter file, a `.bicepparam`, an imported variable or a
/// data file has no one literal, and its finding must point into the file that sets it (that
/// is the file a change touches, and the only file a reviewer of that change sees); any one
/// field of those would do, and the catalogue's order makes the choice deterministic and
/// the most general field (the publisher) the one named first. A field written literally in
/// the property is no better a place than the property itself, so it is never chosen; nor is
/// a span that supplies several fields at once: that is not the literal of any one of them
/// but the place a whole value was brought in at (a Bicep module's output or an import read
/// without its file, located at the declaration that names it).
fn assembled(mut found: FoundImage, decisive: &[(&str, Option<&Value>)]) -> FoundImage {
    let within = found.written;
    let literals: Vec<Option<Span>> = decisive
        .iter()
        .map(|(_, value)| value.and_then(|v| v.origin.literal))
        .collect();
    let alone = |literal: Span| literals.iter().filter(|l| **l == Some(literal)).count() == 1;
    found.fields = decisive
        .iter()
        .filter_map(|(name, value)| {
            let value = (*value)?;
            let literal = value.origin.literal?;
            (!inside(literal, within) && alone(literal)).then(|| FieldSite {
                name: (*name).to_owned(),
                literal,
                hops: value.origin.hops.clone(),
            })
        })
        .collect();
    if let Some(first) = found.fields.first() {
        found.primary = first.literal;
    }
    found
}

/// Whether `inner` lies within `outer` (the same file, and inside its bytes).
fn inside(inner: Span, outer: Span) -> bool {
    inner.file == outer.file && inner.start >= outer.start && inner.end <= outer.end
}

fn os_disk(resource: &Resource, spec: &ImagePath, path: &str, disk: &Value) -> Option<FoundImage> {
    let attach = lookup(disk, &spec.create_option_key)
        .ok()
        .flatten()
        .and_then(Value::as_str)
        .is_some_and(|o| o.eq_ignore_ascii_case("attach"));
    if !attach {
        return None;
    }
    let id = spec
        .disk_id_keys
        .iter()
        .find_map(|key| lookup(disk, key).ok().flatten())
        .map_or_else(|| "(unnamed)".to_string(), Value::display);
    Some(located(resource, path, disk, Image::AttachedDisk(id)))
}

fn uri_image(value: &Value) -> Image {
    match &value.kind {
        Kind::Str(s) => Image::Vhd(s.clone()),
        _ => match value.first_unknown() {
            Some(why) => Image::Unresolved(why.clone()),
            None => Image::Vhd(value.display()),
        },
    }
}

fn well_known(value: &Value) -> Image {
    match &value.kind {
        Kind::Str(s) => Image::WellKnown(s.clone()),
        _ => match value.first_unknown() {
            Some(why) => Image::Unresolved(why.clone()),
            None => Image::WellKnown(value.display()),
        },
    }
}

fn plan_text(plan: &Value) -> Option<String> {
    let part = |k: &str| plan.get(k).map(Value::display);
    match (part("publisher"), part("product"), part("name")) {
        (None, None, None) => None,
        (p, o, n) => Some(format!(
            "{}:{}:{}",
            p.unwrap_or_default(),
            o.unwrap_or_default(),
            n.unwrap_or_default()
        )),
    }
}

/// Decodes a JSON document held in a string value; every decoded value is located at the
/// string itself.
fn decode_json_string(text: &str, value: &Value) -> Value {
    match crate::json::parse(text) {
        Ok(json) => crate::value::json::json_value(&json, &|_| value.origin.clone()),
        Err(e) => Value {
            kind: Kind::Unknown(Why {
                span: value.origin.site,
                ..Why::new(Cause::EmbeddedJsonInvalid { error: e.message })
            }),
            origin: value.origin.clone(),
        },
    }
}

fn located(resource: &Resource, path: &str, value: &Value, image: Image) -> FoundImage {
    let property = value.origin.site.unwrap_or(resource.span);
    let written = value.origin.literal.unwrap_or(property);
    let literal = value
        .origin
        .literal
        .and_then(|span| Some((span, value.as_str()?.to_owned())));
    FoundImage {
        image,
        primary: written,
        written,
        property,
        path: path.to_string(),
        hops: value.origin.hops.clone(),
        fields: Vec::new(),
        literal,
        rewrite: Rewritable {
            composed: composed(value),
            object: None,
        },
    }
}

/// The literals the string `value` was composed from, when it was composed and some were.
fn composed(value: &Value) -> Option<Composed> {
    let pieces = value.origin.pieces.clone()?;
    let parts = value.as_parts()?;
    let mut len = 0usize;
    let mut tail = String::new();
    for part in &parts {
        match part {
            crate::value::Part::Text(t) => {
                len += t.len();
                tail.push_str(t);
            }
            crate::value::Part::Hole(_) => tail.clear(),
        }
    }
    Some(Composed {
        tail,
        len: u32::try_from(len).ok()?,
        pieces,
    })
}

/// The object literal `value` (a Marketplace reference) is written as, when it is written in
/// `resource`'s own declaration (not a variable's or a parameter's value, whose fields other
/// expressions may read: `variables('image').offer`), every field of `decisive` that is set
/// is a literal written inside it, and it has no member but those.
fn own_object(
    resource: &Resource,
    value: &Value,
    decisive: &[(&str, Option<&Value>)],
) -> Option<Span> {
    let object = value.origin.literal?;
    if !inside(object, resource.span) || !value.origin.hops.is_empty() {
        return None;
    }
    let Kind::Object(members) = &value.kind else {
        return None;
    };
    let only_fields = members.iter().all(|(key, _)| {
        decisive
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case(key))
    });
    let written_inside = decisive.iter().all(|(_, field)| match field {
        None => true,
        Some(v) => v.as_str().is_some() && v.origin.literal.is_some_and(|l| inside(l, object)),
    });
    (only_fields && written_inside).then_some(object)
}
