//! Cheap classification: is this text an ARM deployment template?
//!
//! Most JSON in a repository (package.json, tsconfig, lock files, data) never mentions
//! `deploymentTemplate`; those are dismissed with one SIMD substring search and no parse.

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
/// (`deploymentTemplate.json`, `subscriptionDeploymentTemplate.json`, …).
const MARKER: &[u8] = b"eploymentTemplate";

/// Whether `bytes` contain the marker every template's schema URL holds (one SIMD search).
pub fn has_marker(bytes: &[u8]) -> bool {
    use memchr::memmem::Finder;
    static FINDER: std::sync::LazyLock<Finder<'static>> =
        std::sync::LazyLock::new(|| Finder::new(MARKER));
    FINDER.find(bytes).is_some()
}

/// Classifies `text`, parsing it only when it can be a template.
pub fn classify(text: &str) -> Classification {
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
    match json::parse(text) {
        Ok(root) => {
            let is_template = root
                .get("$schema")
                .and_then(Json::as_str)
                .is_some_and(|s| s.to_ascii_lowercase().contains("deploymenttemplate.json"));
            if is_template {
                Classification::Template(root)
            } else {
                Classification::NotTemplate
            }
        }
        Err(e) if claims_to_be_template(bytes) => Classification::Broken(e),
        Err(_) => Classification::NotTemplate,
    }
}

/// Whether a template can declare an image-bearing resource or a deployment (which may link
/// one): it names, in any case, the namespace of a catalogued type or
/// `Microsoft.Resources/deployments`.
fn may_hold_images(bytes: &[u8]) -> bool {
    static NEEDLES: std::sync::OnceLock<aho_corasick::AhoCorasick> = std::sync::OnceLock::new();
    let needles = NEEDLES.get_or_init(|| {
        let mut n: Vec<String> = crate::catalog::Catalog::builtin()
            .arm_types()
            .filter_map(|t| t.split('/').next())
            .map(|ns| format!("{ns}/"))
            .collect();
        n.push("Microsoft.Resources/deployments".into());
        n.sort();
        n.dedup();
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(n)
            .expect("the catalogue's namespaces are valid needles")
    });
    needles.is_match(bytes)
}

/// Whether unparseable text still clearly claims to be a template: a `"$schema"` key whose
/// string value names a deployment template.
fn claims_to_be_template(bytes: &[u8]) -> bool {
    memchr::memmem::find_iter(bytes, b"\"$schema\"").any(|i| {
        let after = bytes[i + 9..].trim_ascii_start();
        let Some(value) = after.strip_prefix(b":").map(<[u8]>::trim_ascii_start) else {
            return false;
        };
        let Some(value) = value.strip_prefix(b"\"") else {
            return false;
        };
        let end = memchr::memchr(b'"', value).unwrap_or(value.len()).min(300);
        memchr::memmem::find(&value[..end], MARKER).is_some()
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
            assert!(matches!(classify(&empty), Classification::Inert), "{s}");
            let vm = empty.replace("[]", "[{\"type\": \"Microsoft.Compute/virtualMachines\"}]");
            assert!(matches!(classify(&vm), Classification::Template(_)), "{s}");
        }
    }

    #[test]
    fn other_json_is_not_a_template() {
        assert!(matches!(
            classify("{\"name\": \"pkg\"}"),
            Classification::NotTemplate
        ));
        let params = "{\"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#\"}";
        assert!(matches!(classify(params), Classification::NotTemplate));
        // Mentions the marker in data, and is broken: still not claimed.
        assert!(matches!(
            classify("{\"docs\": \"see deploymentTemplate.json\", oops}"),
            Classification::NotTemplate
        ));
    }

    #[test]
    fn templates_without_images_are_only_validated() {
        let storage = format!(
            "{{\"$schema\": \"{SCHEMA}\", \"resources\": [{{\"type\": \"Microsoft.Storage/storageAccounts\"}}]}}"
        );
        assert!(matches!(classify(&storage), Classification::Inert));
        assert!(matches!(
            classify(&storage.replace("]}", "]")),
            Classification::Broken(_)
        ));
        let vm = storage.replace(
            "Microsoft.Storage/storageAccounts",
            "microsoft.compute/VIRTUALMACHINES",
        );
        assert!(matches!(classify(&vm), Classification::Template(_)));
        let nested = storage.replace(
            "Microsoft.Storage/storageAccounts",
            "Microsoft.Resources/deployments",
        );
        assert!(matches!(classify(&nested), Classification::Template(_)));
    }

    #[test]
    fn broken_template_is_reported() {
        let text = format!("{{\n  \"$schema\": \"{SCHEMA}\",\n  \"resources\": [\n");
        assert!(matches!(classify(&text), Classification::Broken(_)));
    }
}
