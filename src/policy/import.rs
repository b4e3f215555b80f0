//! `imagegate policy import FILE`: the allowed images of an Azure Policy definition or
//! assignment as imagegate's `[approved]` table.
//!
//! Understood: the lists `policy export` writes (by parameter name); and, in any rule, the
//! conditions on `Microsoft.Compute/imageId`, `imagePublisher`, `imageOffer`, `imageSku` and
//! `imageVersion` (or the `storageProfile.imageReference` aliases) that say what is allowed —
//! a `not` over `in`/`equals`/`like`, or `notIn`/`notEquals`/`notLike` — with their values
//! written inline or taken from a parameter (the assignment's value, else the definition's
//! default), as Azure's samples write them (`allowed-custom-images`: `imageIds`;
//! `allowed-image-publishers`; `platform-image-policy`). Conditions joined by `allOf` are one
//! allowed combination.
//!
//! The import is never broader than the policy: a value imagegate would read more widely is
//! left out and named in a comment (a gallery image definition ID the policy allows exactly —
//! imagegate approves a definition with every version; an image version ID; a platform image
//! ID, which also pins a location; `*` or `?` in a value compared exactly).

use serde_json::Value as Json;

use super::{PLATFORM, Part, SHAPES, Shape};
use crate::config::Config;
use crate::image::{Image, Version};
use crate::value::{Kind, Value};

/// The largest file `import` reads (a definition is kilobytes).
pub const MAX_BYTES: u64 = 16 * 1024 * 1024;

/// What a file yields.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Imported {
    /// What the file is, for the comment.
    pub source: String,
    /// Image globs.
    pub images: Vec<String>,
    /// Marketplace entries: publisher, offer, sku, version.
    pub marketplace: Vec<[String; 3]>,
    /// Marketplace versions, by entry (`None`: any).
    pub versions: Vec<Option<String>>,
    /// Values left out, and why.
    pub skipped: Vec<(String, String)>,
}

/// A file `import` cannot use.
#[derive(Debug)]
pub enum ImportError {
    /// Not JSON.
    NotJson(String),
    /// JSON, but no list of allowed images found.
    NotUnderstood(String),
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImportError::NotJson(e) => write!(f, "not a JSON document: {e}"),
            ImportError::NotUnderstood(what) => write!(
                f,
                "{what}: expected an Azure Policy definition (the resource, its `properties`, or a `policyRule` with `parameters`) or assignment whose allowed images are the lists `policy export` writes ({}), or conditions allowing values of Microsoft.Compute/imageId, imagePublisher, imageOffer or imageSku (e.g. `\"not\": {{\"field\": \"Microsoft.Compute/imageId\", \"in\": \"[parameters('imageIds')]\"}}`)",
                SHAPES
                    .iter()
                    .map(|s| s.parameter)
                    .chain([PLATFORM.parameter])
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

impl std::error::Error for ImportError {}

/// Which image property a condition reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Prop {
    Id,
    Publisher,
    Offer,
    Sku,
    Version,
}

fn prop_of(field: &str) -> Option<Prop> {
    let f = field.to_ascii_lowercase();
    let tail = |s: &str| {
        f == format!("microsoft.compute/{s}")
            || f.ends_with(&format!("imagereference.{}", s.trim_start_matches("image")))
    };
    if f == "microsoft.compute/imageid" || f.ends_with("storageprofile.imagereference.id") {
        Some(Prop::Id)
    } else if tail("imagepublisher") {
        Some(Prop::Publisher)
    } else if tail("imageoffer") {
        Some(Prop::Offer)
    } else if tail("imagesku") {
        Some(Prop::Sku)
    } else if tail("imageversion") {
        Some(Prop::Version)
    } else {
        None
    }
}

/// Allowed values of one property: exact values or `like` patterns.
#[derive(Clone, Debug)]
struct Allowed {
    prop: Prop,
    values: Vec<String>,
    like: bool,
}

/// One allowed combination (the conditions of one `allOf`).
type Group = Vec<Allowed>;

/// The file's parameter values, by lower-cased name.
struct Parameters(Vec<(String, Json)>);

impl Parameters {
    fn get(&self, name: &str) -> Option<&Json> {
        let name = name.to_ascii_lowercase();
        self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }
}

/// `[parameters('name')]` → `name`.
fn parameter_reference(text: &str) -> Option<&str> {
    let inner = text
        .trim()
        .strip_prefix("[parameters(")?
        .strip_suffix(")]")?;
    Some(inner.trim().trim_matches('\''))
}

fn strings(value: &Json, parameters: &Parameters) -> Option<Vec<String>> {
    match value {
        Json::String(s) => match parameter_reference(s) {
            Some(name) => strings(parameters.get(name)?, parameters),
            None => Some(vec![s.clone()]),
        },
        Json::Array(items) => Some(
            items
                .iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect(),
        ),
        _ => None,
    }
}

/// The allowed combinations of a rule's `if` (`negated`: under an odd number of `not`s). The
/// `if` says what is non-compliant, so a positive condition under `not` (or a negative one
/// outside) lists what is allowed.
fn walk(node: &Json, negated: bool, parameters: &Parameters, depth: usize) -> Vec<Group> {
    let Some(object) = node.as_object() else {
        return Vec::new();
    };
    if depth > 64 {
        return Vec::new();
    }
    let children = |key: &str| -> Option<Vec<Vec<Group>>> {
        object.get(key).and_then(Json::as_array).map(|items| {
            items
                .iter()
                .map(|c| walk(c, negated, parameters, depth + 1))
                .collect()
        })
    };
    if let Some(inner) = object.get("not") {
        return walk(inner, !negated, parameters, depth + 1);
    }
    for (key, conjunctive) in [("allOf", negated), ("anyOf", !negated)] {
        let Some(parts) = children(key) else {
            continue;
        };
        let parts: Vec<Vec<Group>> = parts.into_iter().filter(|g| !g.is_empty()).collect();
        if !conjunctive {
            return parts.into_iter().flatten().collect();
        }
        // Every part holds: combine each alternative of each (bounded).
        let mut out: Vec<Group> = vec![Vec::new()];
        for alternatives in parts {
            let mut next = Vec::new();
            for done in &out {
                for alternative in &alternatives {
                    if next.len() < 256 {
                        let mut g = done.clone();
                        g.extend(alternative.iter().cloned());
                        next.push(g);
                    }
                }
            }
            out = next;
        }
        return out.into_iter().filter(|g| !g.is_empty()).collect();
    }
    let Some(prop) = object.get("field").and_then(Json::as_str).and_then(prop_of) else {
        return Vec::new();
    };
    for (op, positive, like) in [
        ("in", true, false),
        ("equals", true, false),
        ("like", true, true),
        ("notIn", false, false),
        ("notEquals", false, false),
        ("notLike", false, true),
    ] {
        if let Some(value) = object.get(op) {
            if positive != negated {
                // A list of what is refused: nothing to import.
                return Vec::new();
            }
            return match strings(value, parameters) {
                Some(values) => vec![vec![Allowed { prop, values, like }]],
                None => Vec::new(),
            };
        }
    }
    Vec::new()
}

/// Reads a definition or assignment.
pub fn import(text: &str) -> Result<Imported, ImportError> {
    let document: Json = serde_json::from_str(text.trim_start_matches('\u{feff}'))
        .map_err(|e| ImportError::NotJson(e.to_string()))?;
    let Some(root) = document.as_object() else {
        return Err(ImportError::NotUnderstood(
            "the document is not an object".into(),
        ));
    };
    let kind = root.get("type").and_then(Json::as_str).unwrap_or_default();
    let properties = root
        .get("properties")
        .and_then(Json::as_object)
        .unwrap_or(root);
    let name = properties
        .get("displayName")
        .or_else(|| root.get("name"))
        .and_then(Json::as_str);
    let assignment = kind.eq_ignore_ascii_case("Microsoft.Authorization/policyAssignments")
        || properties.contains_key("policyDefinitionId");
    // Parameter values: an assignment's `value`s, a definition's `defaultValue`s, or a bare
    // parameter file of either form.
    let rule = properties
        .get("policyRule")
        .or_else(|| root.contains_key("if").then_some(&document));
    let none = serde_json::Map::new();
    let declared = match properties.get("parameters").and_then(Json::as_object) {
        Some(declared) => declared,
        None if rule.is_none() => properties,
        None => &none,
    };
    let mut values = Vec::new();
    for (key, entry) in declared {
        let value = entry.get("value").or_else(|| entry.get("defaultValue"));
        if let Some(value) = value {
            values.push((key.to_ascii_lowercase(), value.clone()));
        }
    }
    let parameters = Parameters(values);
    let mut out = Imported {
        source: match (assignment, rule.is_some(), name) {
            (true, _, Some(n)) => format!("the policy assignment \"{n}\" (its parameter values)"),
            (true, _, None) => "a policy assignment (its parameter values)".into(),
            (false, true, Some(n)) => {
                format!("the policy definition \"{n}\" (its rule and parameter defaults)")
            }
            (false, true, None) => "a policy rule (with its parameter defaults)".into(),
            (false, false, _) => "a parameter file".into(),
        },
        ..Imported::default()
    };
    let mut found = false;
    // The lists `policy export` writes.
    for shape in SHAPES {
        if let Some(entries) = parameters.get(shape.parameter) {
            found = true;
            for entry in entries.as_array().into_iter().flatten() {
                match glob_of(shape, entry) {
                    Ok(glob) => add_image(&mut out, glob),
                    Err(why) => out.skipped.push((entry.to_string(), why.into())),
                }
            }
        }
    }
    if let Some(entries) = parameters.get(PLATFORM.parameter) {
        found = true;
        for entry in entries.as_array().into_iter().flatten() {
            let field = |k: &str| entry.get(k).and_then(Json::as_str).map(str::to_string);
            let fields = [field("publisher"), field("offer"), field("sku")];
            let version = field("version");
            match (fields, version) {
                ([Some(p), Some(o), Some(s)], version) => {
                    let all = [&p, &o, &s];
                    if let Some(why) = all
                        .iter()
                        .chain(version.as_ref().iter())
                        .find_map(|v| like_pattern(v))
                    {
                        out.skipped.push((entry.to_string(), why.into()));
                    } else {
                        let version = version.filter(|v| v != "*");
                        add_marketplace(&mut out, [p, o, s], version);
                    }
                }
                _ => out.skipped.push((
                    entry.to_string(),
                    "an entry needs publisher, offer and sku".into(),
                )),
            }
        }
    }
    // Conditions in the rule (or, for an assignment or parameter file alone, parameters
    // named like the samples' lists).
    let groups = match rule {
        Some(rule) => rule
            .get("if")
            .map_or_else(Vec::new, |c| walk(c, false, &parameters, 0)),
        None => parameters
            .0
            .iter()
            .filter(|(name, _)| !is_ours(name))
            .filter_map(|(name, value)| {
                let prop = if name.contains("imageid") {
                    Prop::Id
                } else if name.contains("publisher") {
                    Prop::Publisher
                } else if name.contains("offer") {
                    Prop::Offer
                } else if name.contains("sku") {
                    Prop::Sku
                } else {
                    return None;
                };
                Some(vec![Allowed {
                    prop,
                    values: strings(value, &parameters)?,
                    like: false,
                }])
            })
            .collect(),
    };
    for group in groups {
        found = true;
        take_group(&mut out, &group);
    }
    if !found {
        let unset: Vec<&str> = declared
            .iter()
            .filter(|(_, e)| e.get("value").or_else(|| e.get("defaultValue")).is_none())
            .map(|(k, _)| k.as_str())
            .collect();
        let hint = if unset.is_empty() {
            String::new()
        } else {
            format!(
                " (parameters without a value here: {}; import the assignment that sets them)",
                unset.join(", ")
            )
        };
        return Err(ImportError::NotUnderstood(format!(
            "found no list of allowed images in {}{hint}",
            out.source
        )));
    }
    Ok(out)
}

fn is_ours(name: &str) -> bool {
    SHAPES
        .iter()
        .map(|s| s.parameter)
        .chain([PLATFORM.parameter])
        .any(|p| p.eq_ignore_ascii_case(name))
}

/// Why a `like` pattern cannot be a glob field, if it cannot.
fn like_pattern(value: &str) -> Option<&'static str> {
    if value.contains('?') {
        Some("`?` is a literal character to Azure Policy and a wildcard to imagegate")
    } else if value.matches('*').count() > 1 {
        Some("Azure Policy's `like` takes one `*`: the policy cannot use it")
    } else if value.is_empty() || value.contains('/') {
        Some("not one part of an ID")
    } else {
        None
    }
}

/// The glob of one exported entry.
fn glob_of(shape: &Shape, entry: &Json) -> Result<String, &'static str> {
    let mut glob = String::new();
    for part in shape.parts {
        glob.push('/');
        match part {
            Part::Lit(word) => glob.push_str(word),
            Part::Any => glob.push('*'),
            Part::Field(name) => {
                let value = entry
                    .get(name)
                    .and_then(Json::as_str)
                    .ok_or("an entry lacks a field of its list")?;
                if let Some(why) = like_pattern(value) {
                    return Err(why);
                }
                glob.push_str(value);
            }
        }
    }
    Ok(glob)
}

fn add_image(out: &mut Imported, glob: String) {
    // A glob the config would refuse (it could approve nothing) is named, not written.
    match Config::parse(
        &format!("[approved]\nimages = [{}]\n", toml_string(&glob)),
        std::path::Path::new("imported"),
    ) {
        Ok(_) if !out.images.contains(&glob) => out.images.push(glob),
        Ok(_) => {}
        Err(e) => out.skipped.push((glob, e.to_string())),
    }
}

fn add_marketplace(out: &mut Imported, fields: [String; 3], version: Option<String>) {
    let exists = out
        .marketplace
        .iter()
        .zip(&out.versions)
        .any(|(f, v)| *f == fields && *v == version);
    if !exists {
        out.marketplace.push(fields);
        out.versions.push(version);
    }
}

/// Adds what one allowed combination says.
fn take_group(out: &mut Imported, group: &[Allowed]) {
    let has = |p: Prop| group.iter().any(|a| a.prop == p);
    let market = [Prop::Publisher, Prop::Offer, Prop::Sku, Prop::Version];
    if has(Prop::Id) && market.iter().any(|p| has(*p)) {
        out.skipped.push((
            format!("{} conditions joined with allOf", group.len()),
            "an image ID and Marketplace fields allowed together: imagegate approves either, never both at once".into(),
        ));
        return;
    }
    if has(Prop::Id) {
        // Several ID conditions in one combination: only an ID every one allows would be
        // allowed; take one list, only when it is the only one.
        let ids: Vec<&Allowed> = group.iter().filter(|a| a.prop == Prop::Id).collect();
        if ids.len() > 1 {
            out.skipped.push((
                "several image ID conditions joined with allOf".into(),
                "their intersection is not a list imagegate can hold".into(),
            ));
            return;
        }
        for value in &ids[0].values {
            match id_glob(value, ids[0].like) {
                Ok(glob) => add_image(out, glob),
                Err(why) => out.skipped.push((value.clone(), why.into())),
            }
        }
        return;
    }
    // Marketplace: every combination of the allowed values; a field not constrained is `*`.
    let values = |p: Prop| -> Result<Vec<Option<String>>, (String, &'static str)> {
        let lists: Vec<&Allowed> = group.iter().filter(|a| a.prop == p).collect();
        match lists.as_slice() {
            [] => Ok(vec![None]),
            [one] => one
                .values
                .iter()
                .map(|v| {
                    let why = if one.like {
                        like_pattern(v)
                    } else if v.contains(['*', '?']) || v.is_empty() {
                        Some(
                            "a value compared exactly: `*` and `?` would be wildcards to imagegate",
                        )
                    } else {
                        None
                    };
                    match why {
                        Some(why) => Err((v.clone(), why)),
                        None => Ok(Some(v.clone())),
                    }
                })
                .collect(),
            _ => Err((
                format!("several {p:?} conditions joined with allOf"),
                "their intersection is not a list imagegate can hold",
            )),
        }
    };
    let lists = (|| {
        Ok::<_, (String, &'static str)>([
            values(Prop::Publisher)?,
            values(Prop::Offer)?,
            values(Prop::Sku)?,
            values(Prop::Version)?,
        ])
    })();
    let [publishers, offers, skus, versions] = match lists {
        Ok(lists) => lists,
        Err((value, why)) => {
            out.skipped.push((value, why.into()));
            return;
        }
    };
    let star = || "*".to_string();
    for p in &publishers {
        for o in &offers {
            for s in &skus {
                for v in &versions {
                    if out.marketplace.len() >= 1000 {
                        return;
                    }
                    add_marketplace(
                        out,
                        [
                            p.clone().unwrap_or_else(star),
                            o.clone().unwrap_or_else(star),
                            s.clone().unwrap_or_else(star),
                        ],
                        v.clone(),
                    );
                }
            }
        }
    }
}

/// The glob for an image ID the policy allows (exactly, or `like` it), when imagegate's
/// reading of it is no broader.
fn id_glob(value: &str, like: bool) -> Result<String, &'static str> {
    let value = value.trim();
    if value.contains('?') {
        return Err("`?` is a literal character to Azure Policy and a wildcard to imagegate");
    }
    if !like && value.contains('*') {
        return Err("a value compared exactly: `*` would be a wildcard to imagegate");
    }
    if value.matches('*').count() > 1 {
        return Err("Azure Policy's `like` takes one `*`: the policy cannot use it");
    }
    match Image::from_id(&Value::composed(Kind::Str(value.into()))) {
        Image::Gallery {
            version: Version::Missing,
            ..
        } => {
            // imagegate approves the definition's versions too: only when the policy's
            // pattern ends in `*` does it allow them as well.
            if like && value.ends_with('*') {
                Ok(value.to_string())
            } else {
                Err(
                    "the policy allows this image definition ID itself (latest), not its versions; imagegate approves a definition with every version — add it yourself if that is meant",
                )
            }
        }
        Image::Gallery { .. } => Err(
            "an image version: imagegate approves image definitions (every version), so this one version cannot be said",
        ),
        Image::Platform(_) => Err(
            "a platform image ID also pins a subscription and location, which imagegate does not judge: add the Marketplace entry yourself if that is meant",
        ),
        Image::Managed(_) | Image::OtherId(_) if !like || value.ends_with('*') => {
            Ok(value.to_string())
        }
        Image::Managed(_) | Image::OtherId(_) => Err(
            "a `*` inside an ID matches across `/` in Azure Policy, within one part in imagegate",
        ),
        _ => Err("not an image resource ID"),
    }
}

/// A TOML basic string.
pub(crate) fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A comment line's text, on one line.
fn comment(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The `[approved]` table, commented with where it came from and what was left out.
pub fn to_toml(imported: &Imported, file: &str) -> String {
    let mut out = format!(
        "# Imported by `imagegate policy import` from {}:\n# {}.\n",
        comment(file),
        comment(&imported.source)
    );
    if !imported.skipped.is_empty() {
        out.push_str("# Not imported (imagegate would approve more than the policy allows):\n");
        for (value, why) in &imported.skipped {
            out.push_str(&format!("#   {}: {}\n", comment(value), comment(why)));
        }
    }
    out.push_str("[approved]\n");
    if imported.images.is_empty() {
        // Written out: without `images` the embedded default (every gallery) would apply.
        out.push_str("images = []\n");
    } else {
        out.push_str("images = [\n");
        for glob in &imported.images {
            out.push_str(&format!("  {},\n", toml_string(glob)));
        }
        out.push_str("]\n");
    }
    if !imported.marketplace.is_empty() {
        out.push_str("marketplace = [\n");
        for ([p, o, s], v) in imported.marketplace.iter().zip(&imported.versions) {
            let version = v
                .as_ref()
                .map(|v| format!(", version = {}", toml_string(v)))
                .unwrap_or_default();
            out.push_str(&format!(
                "  {{ publisher = {}, offer = {}, sku = {}{version} }},\n",
                toml_string(p),
                toml_string(o),
                toml_string(s)
            ));
        }
        out.push_str("]\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob(value: &str, like: bool) -> Result<String, &'static str> {
        id_glob(value, like)
    }

    #[test]
    fn ids_are_imported_only_when_imagegate_reads_them_no_wider() {
        let managed =
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/images/ContosoStdImage";
        assert_eq!(glob(managed, false).unwrap(), managed);
        let definition = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/ubuntu";
        assert!(glob(definition, false).is_err());
        assert!(glob(&format!("{definition}/versions/1.0.0"), false).is_err());
        let pattern =
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/*";
        assert_eq!(glob(pattern, true).unwrap(), pattern);
        assert!(glob(pattern, false).is_err());
        assert!(glob("/Subscriptions/s/Providers/Microsoft.Compute/Locations/centralus/Publishers/MicrosoftWindowsServer/ArtifactTypes/VMImage/Offers/WindowsServer/Skus/2016-Datacenter/Versions/2016.127.20180510", false).is_err());
        assert!(
            glob(
                "/subscriptions/*/resourceGroups/rg/providers/Microsoft.Compute/images/x",
                true
            )
            .is_err()
        );
    }

    #[test]
    fn deny_lists_are_not_allow_lists() {
        let rule = r#"{"if": {"allOf": [
            {"field": "type", "equals": "Microsoft.Compute/virtualMachines"},
            {"field": "Microsoft.Compute/imagePublisher", "in": ["BadPublisher"]}
        ]}, "then": {"effect": "deny"}}"#;
        assert!(matches!(import(rule), Err(ImportError::NotUnderstood(_))));
    }

    #[test]
    fn a_rule_alone_names_no_parameter_as_unset() {
        let rule = r#"{"if": {"field": "type", "equals": "Microsoft.Compute/disks"}, "then": {"effect": "audit"}}"#;
        let e = import(rule).unwrap_err().to_string();
        assert!(
            e.contains("found no list of allowed images in a policy rule"),
            "{e}"
        );
        assert!(!e.contains("without a value"), "{e}");
    }

    #[test]
    fn hostile_documents_are_errors_never_panics() {
        let deep = format!("{}{}", "{\"not\":".repeat(5000), "}".repeat(5000));
        assert!(import(&deep).is_err());
        let wide_allof = format!(
            "{{\"if\": {{\"not\": {{\"allOf\": [{}]}}}}}}",
            vec![r#"{"anyOf": [{"field": "Microsoft.Compute/imageOffer", "in": ["a","b","c"]}, {"field": "Microsoft.Compute/imageSku", "in": ["x"]}]}"#; 40].join(",")
        );
        let out = import(&wide_allof).unwrap();
        assert!(out.marketplace.len() <= 1000);
    }

    #[test]
    fn toml_strings_escape() {
        assert_eq!(toml_string("a\"b\\c\n"), "\"a\\\"b\\\\c\\u000A\"");
    }
}
