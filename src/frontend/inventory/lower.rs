//! An export's entries as deployed resources of the model: the ARM body the catalogue reads
//! (`properties.storageProfile.imageReference`, …; `az` flattens `properties` into the
//! resource, Resource Graph keeps it: both become `properties`), with the image that runs
//! (`exactVersion`), and where each resource runs (`Deployed`).

use super::read::Entry;
use crate::catalog::Catalog;
use crate::model::{Deployed, Resource};
use crate::source::Span;
use crate::value::{Kind, Value};

/// What became of one entry.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// A resource of a type the catalogue knows, with what its export says of the version
    /// that runs.
    Resource(Box<Resource>, Pin),
    /// A resource of a type that carries no image (a network interface in a broad query):
    /// not judged (its type).
    Skipped(String),
    /// Not a resource: why (said at the entry).
    Problem(Span, String),
}

/// What the export says of the image version a resource runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pin {
    /// The image is judged as written: it names its version, or has none (a managed image,
    /// a disk's source).
    AsWritten,
    /// `exactVersion` gave the version that runs (a gallery definition's, or Marketplace
    /// `latest`).
    Exact,
    /// The image names no version (a gallery definition, Marketplace `latest`) and the
    /// export does not say which runs: judged as written (unpinned).
    Unknown,
}

/// The ARM resource types of the exports, as Azure spells them (Resource Graph lowers them).
const TYPES: [&str; 4] = [
    "Microsoft.Compute/virtualMachines",
    "Microsoft.Compute/virtualMachineScaleSets",
    "Microsoft.Compute/virtualMachineScaleSets/virtualMachines",
    "Microsoft.Compute/disks",
];

/// Where scale sets keep their image reference, and where everything else does.
const SCALE_SET_IMAGE: [&str; 3] = ["virtualMachineProfile", "storageProfile", "imageReference"];
const IMAGE: [&str; 2] = ["storageProfile", "imageReference"];

/// Removes the member `key` (ASCII-case-insensitive; the last wins) and returns it.
fn take(members: &mut Vec<(String, Value)>, key: &str) -> Option<Value> {
    let i = members
        .iter()
        .rposition(|(k, _)| k.eq_ignore_ascii_case(key))?;
    Some(members.swap_remove(i).1)
}

/// The member `key` of an object, mutable.
fn get_mut<'v>(value: &'v mut Value, key: &str) -> Option<&'v mut Value> {
    match &mut value.kind {
        Kind::Object(members) => members
            .iter_mut()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v),
        _ => None,
    }
}

fn known_str(value: &Option<Value>) -> Option<String> {
    value
        .as_ref()
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// The segment after `key` in a resource ID (`subscriptions`, `resourceGroups`).
fn segment_after(id: &str, key: &str) -> Option<String> {
    let mut segments = id.split('/');
    segments.find(|s| s.eq_ignore_ascii_case(key))?;
    segments.next().filter(|s| !s.is_empty()).map(str::to_owned)
}

/// Lowers one entry.
pub(crate) fn entry(entry: Entry, catalog: &Catalog) -> Outcome {
    let Entry { value, span } = entry;
    let Kind::Object(mut members) = value.kind else {
        return Outcome::Problem(span, "this entry is not an object (a resource)".into());
    };
    let Some(type_value) = take(&mut members, "type") else {
        return Outcome::Problem(span, "this entry has no `type`: not a resource".into());
    };
    let Some(written) = type_value.as_str().filter(|t| !t.is_empty()) else {
        return Outcome::Problem(span, "this entry's `type` is not a resource type".into());
    };
    let resource_type = TYPES
        .iter()
        .find(|t| t.eq_ignore_ascii_case(written))
        .map_or_else(|| written.to_string(), |t| t.to_string());
    if catalog.arm(&resource_type).is_none() {
        return Outcome::Skipped(written.to_ascii_lowercase());
    }
    let id = match take(&mut members, "id") {
        Some(id) => match id.as_str().filter(|s| !s.is_empty()) {
            Some(id) => id.to_string(),
            None => return Outcome::Problem(span, "this resource's `id` is not a string".into()),
        },
        None => {
            return Outcome::Problem(
                span,
                "this resource has no `id` (export it: the resource ID is what the audit names)"
                    .into(),
            );
        }
    };
    let location = take(&mut members, "location");
    let tags = take(&mut members, "tags");
    let plan = take(&mut members, "plan");
    let subscription = known_str(&take(&mut members, "subscriptionId"))
        .or_else(|| segment_after(&id, "subscriptions"));
    let resource_group = known_str(&take(&mut members, "resourceGroup"))
        .or_else(|| segment_after(&id, "resourceGroups"));
    let flat_power = known_str(&take(&mut members, "powerState"));
    // Resource Graph keeps `properties`; `az` flattens it into the resource.
    let mut properties = match take(&mut members, "properties") {
        Some(p) if matches!(p.kind, Kind::Object(_)) => p,
        _ => Value::composed(Kind::Object(members)),
    };
    let power_state = flat_power.or_else(|| power_state(&properties));
    let path: &[&str] = if resource_type.eq_ignore_ascii_case(TYPES[1]) {
        &SCALE_SET_IMAGE
    } else {
        &IMAGE
    };
    let mut image = Some(&mut properties);
    for key in path {
        image = image.and_then(|v| get_mut(v, key));
    }
    let pin = image.map_or(Pin::AsWritten, pin);
    let mut body = vec![
        (
            "type".to_string(),
            Value {
                kind: Kind::Str(resource_type.clone()),
                origin: type_value.origin,
            },
        ),
        (
            "name".to_string(),
            Value::literal(Kind::Str(id.clone()), span),
        ),
    ];
    for (key, value) in [("location", &location), ("tags", &tags), ("plan", &plan)] {
        if let Some(v) = value.as_ref().filter(|v| !matches!(v.kind, Kind::Null)) {
            body.push((key.to_string(), v.clone()));
        }
    }
    body.push(("properties".to_string(), properties));
    let deployed = Deployed {
        id: id.clone(),
        subscription,
        resource_group,
        location: known_str(&location),
        power_state,
    };
    let resource = Resource {
        resource_type,
        identity: id.to_ascii_lowercase(),
        name: id,
        span,
        body: Value::composed(Kind::Object(body)),
        assumption: None,
        deployed_by: Vec::new(),
        copy: None,
        deployed: Some(Box::new(deployed)),
        unknown_name: None,
        placement: None,
    };
    Outcome::Resource(Box::new(resource), pin)
}

/// The power state where the export has one: Resource Graph's
/// `properties.extended.instanceView.powerState.code`, or an instance view's statuses
/// (`az vmss list-instances --expand instanceView`).
fn power_state(properties: &Value) -> Option<String> {
    let graph = ["extended", "instanceView", "powerState", "code"]
        .iter()
        .try_fold(properties, |v, k| v.get(k))
        .and_then(Value::as_str);
    if let Some(code) = graph {
        return Some(code.to_string());
    }
    let statuses = properties.get("instanceView")?.get("statuses")?;
    match &statuses.kind {
        Kind::Array(items) => items
            .iter()
            .filter_map(|s| s.get("code").and_then(Value::as_str))
            // Compared as bytes: a code is the export's text, and its 11th byte need not
            // end a character (slicing the `str` there panicked on `PowerState/…` written
            // with a multi-byte character across it).
            .find(|c| c.len() > 11 && c.as_bytes()[..11].eq_ignore_ascii_case(b"PowerState/"))
            .map(str::to_owned),
        _ => None,
    }
}

/// Whether `id` names a gallery image definition (no version): `…/galleries/G/images/D`,
/// `/SharedGalleries/G/Images/D`, `/CommunityGalleries/G/Images/D` — not a managed image
/// (`…/providers/Microsoft.Compute/images/I`).
fn is_definition(id: &str) -> bool {
    let segments: Vec<&str> = id.trim_end_matches('/').split('/').collect();
    let gallery = segments.iter().any(|s| {
        ["galleries", "sharedGalleries", "communityGalleries"]
            .iter()
            .any(|g| s.eq_ignore_ascii_case(g))
    });
    gallery && segments.len() >= 2 && segments[segments.len() - 2].eq_ignore_ascii_case("images")
}

/// Makes `reference` name the image that runs: a gallery definition with `exactVersion` is
/// that version (`…/versions/<exactVersion>`); Marketplace `latest` is `exactVersion`.
/// Azure documents `exactVersion` as "the image version in decimal numbers that was used to
/// create the VM" (read-only), set when the image was resolved at creation:
/// https://learn.microsoft.com/rest/api/compute/virtual-machines/get#imagereference
fn pin(reference: &mut Value) -> Pin {
    let exact = reference
        .get("exactVersion")
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty())
        .map(str::to_owned);
    for key in ["id", "sharedGalleryImageId", "communityGalleryImageId"] {
        let Some(value) = get_mut(reference, key) else {
            continue;
        };
        let Kind::Str(id) = &mut value.kind else {
            continue;
        };
        if id.is_empty() {
            continue;
        }
        if !is_definition(id) {
            return Pin::AsWritten;
        }
        return match exact {
            Some(version) => {
                let trimmed = id.trim_end_matches('/').len();
                id.truncate(trimmed);
                id.push_str("/versions/");
                id.push_str(&version);
                Pin::Exact
            }
            None => Pin::Unknown,
        };
    }
    let marketplace = reference
        .get("publisher")
        .is_some_and(|p| p.as_str().is_some());
    if !marketplace {
        return Pin::AsWritten;
    }
    match get_mut(reference, "version") {
        Some(value) => match &mut value.kind {
            Kind::Str(v) if v.eq_ignore_ascii_case("latest") => match exact {
                Some(version) => {
                    *v = version;
                    Pin::Exact
                }
                None => Pin::Unknown,
            },
            Kind::Str(v) if !v.is_empty() => Pin::AsWritten,
            _ => pin_missing_version(reference, exact),
        },
        None => pin_missing_version(reference, exact),
    }
}

/// A Marketplace reference without a version: `exactVersion` is the one that runs.
fn pin_missing_version(reference: &mut Value, exact: Option<String>) -> Pin {
    let Some(version) = exact else {
        return Pin::Unknown;
    };
    let at = reference.get("exactVersion").and_then(|v| v.origin.literal);
    if let Kind::Object(members) = &mut reference.kind {
        members.retain(|(k, _)| !k.eq_ignore_ascii_case("version"));
        let value = match at {
            Some(span) => Value::literal(Kind::Str(version), span),
            None => Value::composed(Kind::Str(version)),
        };
        members.push(("version".to_string(), value));
    }
    Pin::Exact
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(json: &str) -> (Value, Pin) {
        let parsed = crate::json::parse(json).expect("json");
        let mut v = crate::value::json::json_value(&parsed, &|_| Default::default());
        let pin = pin(&mut v);
        (v, pin)
    }

    #[test]
    fn exact_version_names_the_gallery_version_that_runs() {
        let (v, p) = reference(
            r#"{"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/galleries/golden/images/ubuntu", "exactVersion": "1.4.0"}"#,
        );
        assert_eq!(p, Pin::Exact);
        assert!(
            v.get("id")
                .unwrap()
                .as_str()
                .unwrap()
                .ends_with("/images/ubuntu/versions/1.4.0")
        );
        let (_, p) = reference(
            r#"{"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/galleries/golden/images/ubuntu", "exactVersion": null}"#,
        );
        assert_eq!(p, Pin::Unknown);
        let (v, p) = reference(
            r#"{"id": null, "sharedGalleryImageId": "/SharedGalleries/abc-golden/Images/ubuntu", "exactVersion": "2.0.1"}"#,
        );
        assert_eq!(p, Pin::Exact);
        let shared = v.get("sharedGalleryImageId").unwrap().as_str().unwrap();
        assert_eq!(
            shared,
            "/SharedGalleries/abc-golden/Images/ubuntu/versions/2.0.1"
        );
    }

    #[test]
    fn managed_images_and_versions_stay_as_written() {
        let managed = r#"{"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/images/img", "exactVersion": null}"#;
        assert_eq!(reference(managed).1, Pin::AsWritten);
        let version = r#"{"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/galleries/x/images/d/versions/1.0.0", "exactVersion": "1.0.0"}"#;
        assert_eq!(reference(version).1, Pin::AsWritten);
        let (v, p) = reference(
            r#"{"publisher": "Canonical", "offer": "o", "sku": "s", "version": "latest", "exactVersion": "20.04.202301100"}"#,
        );
        assert_eq!(p, Pin::Exact);
        assert_eq!(v.get("version").unwrap().as_str(), Some("20.04.202301100"));
        let latest = r#"{"publisher": "Canonical", "offer": "o", "sku": "s", "version": "latest"}"#;
        assert_eq!(reference(latest).1, Pin::Unknown);
    }

    #[test]
    fn ids_give_the_subscription_and_group() {
        let id = "/subscriptions/0000/resourceGroups/rg-web/providers/Microsoft.Compute/disks/d";
        assert_eq!(segment_after(id, "subscriptions").as_deref(), Some("0000"));
        assert_eq!(
            segment_after(id, "resourcegroups").as_deref(),
            Some("rg-web")
        );
        assert_eq!(segment_after("/x", "subscriptions"), None);
    }
}
