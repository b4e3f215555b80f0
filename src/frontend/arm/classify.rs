//! Cheap classification: is this text an ARM deployment template?
//!
//! Most JSON in a repository (package.json, tsconfig, lock files, data) never mentions
//! `deploymentTemplate`; those are dismissed with one search and no parse. The search sees
//! the text as the parser does — in any letter case and through JSON escapes — so that it
//! never dismisses a file the full classifier ([`classify`]) accepts.

use crate::eval::ir::Container;
use crate::frontend::unescape::{Needles, unescaped};
use crate::json::{self, Json};

/// What a text turned out to be.
#[derive(Debug)]
pub enum Classification {
    /// Not an ARM template (skipped silently).
    NotTemplate,
    /// An ARM template, parsed.
    Template(Json),
    /// An ARM template that declares no image-bearing namespace and no deployment: valid, and
    /// nothing in it can be judged (its syntax was checked without building a tree).
    Inert,
    /// Claims to be an ARM template but cannot be parsed.
    Broken(json::ParseError),
}

/// The marker every ARM template schema URL contains, at every deployment scope
/// (`deploymentTemplate.json`, `subscriptionDeploymentTemplate.json`, …), in lower case.
const MARKER: &str = "eploymenttemplate";

/// Whether `bytes` contain the marker every template's schema URL holds, in any letter case
/// and however the JSON escapes spell it (`deploymenttemplate.json#`,
/// `\u0064eploymentTemplate`): every text [`classify`] takes for a template has it.
pub fn has_marker(bytes: &[u8]) -> bool {
    static NEEDLES: std::sync::LazyLock<Needles> =
        std::sync::LazyLock::new(|| Needles::new(&[MARKER], b'y'));
    NEEDLES.any(bytes)
}

/// Classifies `text`, parsing it only when it can be a template, as a document of at most
/// `max_values` JSON values (the run's limit).
pub fn classify(text: &str, max_values: usize) -> Classification {
    let bytes = text.as_bytes();
    if !has_marker(bytes) {
        return Classification::NotTemplate;
    }
    if !may_hold_images(bytes) {
        if !claims_to_be_template(bytes) {
            return Classification::NotTemplate;
        }
        return match json::validate(text) {
            Ok(()) => Classification::Inert,
            Err(e) => Classification::Broken(e),
        };
    }
    // Only what lowering reads is built; the rest is checked as a whole parse checks it.
    match super::lower::parse_template(text, max_values) {
        Ok(root) => {
            if is_template_schema(root.get("$schema")) {
                Classification::Template(root)
            } else {
                Classification::NotTemplate
            }
        }
        Err(e) if claims_to_be_template(bytes) => Classification::Broken(e),
        Err(_) => Classification::NotTemplate,
    }
}

/// Whether `schema`, the value of a document's `$schema`, names a deployment template.
fn is_template_schema(schema: Option<&Json>) -> bool {
    schema
        .and_then(Json::as_str)
        .is_some_and(|s| s.to_ascii_lowercase().contains("deploymenttemplate.json"))
}

/// The members under `keys` (at any depth, ASCII case-insensitively, not inside one another)
/// of `text` when [`classify`] takes it for a template it parses
/// ([`Classification::Template`]), found without building the rest of its tree; `None` when
/// it does not. What a look for a few members of every template of a project costs, instead
/// of every template's tree.
pub fn template_members(text: &str, keys: &[&str], max_values: usize) -> Option<Vec<json::Member>> {
    let bytes = text.as_bytes();
    if !has_marker(bytes) || !may_hold_images(bytes) {
        return None;
    }
    let picked = json::pick_within(text, &["$schema"], keys, max_values).ok()?;
    is_template_schema(picked.top.last().map(|m| &m.value)).then_some(picked.anywhere)
}

/// Whether a template can declare an image-bearing resource or a container of templates
/// (which may deploy one: a deployment, a deployment stack, a template spec version, a managed
/// application or its definition): it names the namespace of a catalogued type or a
/// container's type (a template spec version's parent type, as a child `versions` is written
/// inside it), in any case and however JSON escapes spell it
/// (`Microsoft.Compute\/virtualMachines`). The search anchors on the `.` every namespace holds.
fn may_hold_images(bytes: &[u8]) -> bool {
    static NEEDLES: std::sync::LazyLock<Needles> = std::sync::LazyLock::new(|| {
        let mut n: Vec<String> = crate::catalog::Catalog::builtin()
            .arm_types()
            .filter_map(|t| t.split('/').next())
            .map(|ns| format!("{ns}/"))
            .collect();
        // `Microsoft.Resources/templateSpecs/versions` may be written as `versions` inside
        // `Microsoft.Resources/templateSpecs`: its first two segments are the needle.
        n.extend(Container::ALL.iter().map(|(_, t)| {
            let mut segments = t.split('/');
            let namespace = segments.next().unwrap_or_default();
            format!("{namespace}/{}", segments.next().unwrap_or_default())
        }));
        n.sort();
        n.dedup();
        let n: Vec<&str> = n.iter().map(String::as_str).collect();
        Needles::new(&n, b'.')
    });
    NEEDLES.any(bytes)
}

/// Whether unparseable text still clearly claims to be a template: a `"$schema"` key whose
/// string value names a deployment template (both in any case, escapes read as the parser
/// reads them).
fn claims_to_be_template(bytes: &[u8]) -> bool {
    let text = unescaped(bytes);
    memchr::memchr_iter(b'$', &text).any(|i| {
        let key = text.get(i.saturating_sub(1)..i + 8);
        if !key.is_some_and(|k| k.eq_ignore_ascii_case(b"\"$schema\"")) {
            return false;
        }
        let after = text[i + 8..].trim_ascii_start();
        let Some(value) = after.strip_prefix(b":").map(<[u8]>::trim_ascii_start) else {
            return false;
        };
        let Some(value) = value.strip_prefix(b"\"") else {
            return false;
        };
        let end = memchr::memchr(b'"', value).unwrap_or(value.len()).min(300);
        let value = value[..end].to_ascii_lowercase();
        memchr::memmem::find(&value, MARKER.as_bytes()).is_some()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: &str =
        "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";

    #[test]
    fn templates_at_every_scope() {
        for s in [
            SCHEMA,
            "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#",
            "https://schema.management.azure.com/schemas/2019-08-01/managementGroupDeploymentTemplate.json#",
            "https://schema.management.azure.com/schemas/2019-08-01/tenantDeploymentTemplate.json#",
        ] {
            let empty = format!("{{\"$schema\": \"{s}\", \"resources\": []}}");
            assert!(
                matches!(classify(&empty, json::MAX_VALUES), Classification::Inert),
                "{s}"
            );
            let vm = empty.replace("[]", "[{\"type\": \"Microsoft.Compute/virtualMachines\"}]");
            assert!(
                matches!(classify(&vm, json::MAX_VALUES), Classification::Template(_)),
                "{s}"
            );
        }
    }

    #[test]
    fn other_json_is_not_a_template() {
        assert!(matches!(
            classify("{\"name\": \"pkg\"}", json::MAX_VALUES),
            Classification::NotTemplate
        ));
        let params = "{\"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#\"}";
        assert!(matches!(
            classify(params, json::MAX_VALUES),
            Classification::NotTemplate
        ));
        // Mentions the marker in data, and is broken: still not claimed.
        assert!(matches!(
            classify(
                "{\"docs\": \"see deploymentTemplate.json\", oops}",
                json::MAX_VALUES
            ),
            Classification::NotTemplate
        ));
    }

    #[test]
    fn templates_without_images_are_only_validated() {
        let storage = format!(
            "{{\"$schema\": \"{SCHEMA}\", \"resources\": [{{\"type\": \"Microsoft.Storage/storageAccounts\"}}]}}"
        );
        assert!(matches!(
            classify(&storage, json::MAX_VALUES),
            Classification::Inert
        ));
        assert!(matches!(
            classify(&storage.replace("]}", "]"), json::MAX_VALUES),
            Classification::Broken(_)
        ));
        let vm = storage.replace(
            "Microsoft.Storage/storageAccounts",
            "microsoft.compute/VIRTUALMACHINES",
        );
        assert!(matches!(
            classify(&vm, json::MAX_VALUES),
            Classification::Template(_)
        ));
        let nested = storage.replace(
            "Microsoft.Storage/storageAccounts",
            "Microsoft.Resources/deployments",
        );
        assert!(matches!(
            classify(&nested, json::MAX_VALUES),
            Classification::Template(_)
        ));
        // Containers of templates are read too (#24): each may deploy an image.
        for container in [
            "Microsoft.Resources/deploymentStacks",
            "Microsoft.Resources/templateSpecs/versions",
            "Microsoft.Resources/templateSpecs",
            "Microsoft.Solutions/applicationDefinitions",
            "microsoft.solutions/APPLICATIONS",
        ] {
            let held = storage.replace("Microsoft.Storage/storageAccounts", container);
            assert!(
                matches!(
                    classify(&held, json::MAX_VALUES),
                    Classification::Template(_)
                ),
                "{container}"
            );
        }
    }

    #[test]
    fn broken_template_is_reported() {
        let text = format!("{{\n  \"$schema\": \"{SCHEMA}\",\n  \"resources\": [\n");
        assert!(matches!(
            classify(&text, json::MAX_VALUES),
            Classification::Broken(_)
        ));
    }

    #[test]
    fn case_and_escapes_do_not_hide_a_template() {
        let lower = format!(
            "{{\"$schema\": \"{}\", \"resources\": []}}",
            SCHEMA.to_ascii_lowercase()
        );
        assert!(has_marker(lower.as_bytes()));
        assert!(matches!(
            classify(&lower, json::MAX_VALUES),
            Classification::Inert
        ));
        let escaped = lower.replace("deploymenttemplate", "\\u0064eployment\\u0054emplate");
        assert!(matches!(
            classify(&escaped, json::MAX_VALUES),
            Classification::Inert
        ));
        // An escaped namespace does not make an image-bearing template inert.
        for ty in [
            "Microsoft.Compute\\/virtualMachines",
            "\\u004dicrosoft.\\u0043ompute/virtualMachines",
            "Microsoft.Resources\\/deployments",
        ] {
            let vm = lower.replace("[]", &format!("[{{\"type\": \"{ty}\"}}]"));
            assert!(
                matches!(classify(&vm, json::MAX_VALUES), Classification::Template(_)),
                "{ty}"
            );
        }
        // Broken, the schema in another case: still claimed.
        let broken = format!(
            "{{\"$SCHEMA\": \"{}\", \"resources\": [",
            SCHEMA.to_uppercase()
        );
        assert!(matches!(
            classify(&broken, json::MAX_VALUES),
            Classification::Broken(_)
        ));
    }

    /// How a property test spells each character of a string: as is, in the other case, as a
    /// `\u` escape in lower or upper hexadecimal, or `\/` for a slash.
    fn spell(text: &str, choices: &[u8]) -> String {
        let mut out = String::new();
        for (c, choice) in text.chars().zip(choices.iter().cycle()) {
            match choice % 5 {
                1 if c.is_ascii_lowercase() => out.push(c.to_ascii_uppercase()),
                1 => out.push(c.to_ascii_lowercase()),
                2 => out.push_str(&format!("\\u{:04x}", c as u32)),
                3 => out.push_str(&format!("\\u{:04X}", c as u32)),
                4 if c == '/' => out.push_str("\\/"),
                _ if c == '"' || c == '\\' => {
                    out.push('\\');
                    out.push(c);
                }
                _ => out.push(c),
            }
        }
        out
    }

    /// What the full classifier takes for a template: the parsed document's `$schema` names
    /// a deployment template.
    fn fully_classified_as_template(text: &str) -> bool {
        json::parse(text).is_ok_and(|root| {
            root.get("$schema")
                .and_then(Json::as_str)
                .is_some_and(|s| s.to_ascii_lowercase().contains("deploymenttemplate.json"))
        })
    }

    proptest::proptest! {
        /// Every file the full classifier accepts passes the byte prefilter, and one that
        /// declares an image-bearing type or a deployment is never taken for inert.
        #[test]
        fn the_prefilter_never_dismisses_a_template(
            scope in proptest::sample::select(vec![
                "", "subscription", "managementGroup", "tenant",
            ]),
            ty in proptest::sample::select(vec![
                "Microsoft.Compute/virtualMachines",
                "Microsoft.Compute/virtualMachineScaleSets",
                "Microsoft.Compute/disks",
                "Microsoft.Batch/batchAccounts/pools",
                "Microsoft.DevTestLab/labs/virtualmachines",
                "Microsoft.VirtualMachineImages/imageTemplates",
                "Microsoft.Resources/deployments",
                "Microsoft.Resources/deploymentStacks",
                "Microsoft.Resources/templateSpecs/versions",
                "Microsoft.Solutions/applicationDefinitions",
                "Microsoft.Solutions/applications",
                "Microsoft.Storage/storageAccounts",
            ]),
            choices in proptest::collection::vec(0u8..5, 1..40),
            key_choices in proptest::collection::vec(0u8..5, 1..8),
            type_choices in proptest::collection::vec(0u8..5, 1..40),
        ) {
            let url = format!(
                "https://schema.management.azure.com/schemas/2019-04-01/{scope}{}eploymentTemplate.json#",
                if scope.is_empty() { "d" } else { "D" }
            );
            let text = format!(
                "{{\n  \"{}\": \"{}\",\n  \"contentVersion\": \"1.0.0.0\",\n  \"resources\": [{{ \"type\": \"{}\", \"name\": \"x\" }}]\n}}",
                spell("$schema", &key_choices),
                spell(&url, &choices),
                spell(ty, &type_choices),
            );
            if fully_classified_as_template(&text) {
                proptest::prop_assert!(has_marker(text.as_bytes()), "{}", text);
                let holds_images = ty != "Microsoft.Storage/storageAccounts";
                let classified = classify(&text, json::MAX_VALUES);
                if holds_images {
                    proptest::prop_assert!(matches!(classified, Classification::Template(_)), "{}", text);
                } else {
                    proptest::prop_assert!(!matches!(classified, Classification::NotTemplate | Classification::Broken(_)), "{}", text);
                }
            }
        }
    }
}
