//! What an ARM template says of other files, found without evaluating it: the templates its
//! deployments link (`templateLink.relativePath`, `templateLink.uri`, `templateLink.id`), the
//! package a managed application definition names (`packageFileUri`, which `[links]` may map
//! to a local template) and the parameter files they link (`parametersLink.uri`). A link written as an expression is
//! computed during evaluation (`[uri(deployment().properties.templateLink.uri,
//! 'nested/vm.json')]`): it may lead to any file of the project ([`Target::Computed`]).
//! See <https://learn.microsoft.com/azure/azure-resource-manager/templates/linked-templates>.

use std::path::Path;

use super::classify::template_members;
use crate::frontend::unescape::Needles;
use crate::frontend::{Relation, RelationKind, Target};
use crate::json::Json;

/// The relations of the JSON file at `path` with text `text`: those of its name, and the
/// links of a template. A document of more than `max_values` JSON values is not read for
/// links (the caller passes the parser's own bound: a sniff has no run's limits at hand, and
/// a larger document is refused by lowering either way).
pub(super) fn relations(path: &Path, text: &str, max_values: usize) -> Vec<Relation> {
    let mut out = super::params::relations_by_name(path);
    if !mentions_links(text.as_bytes()) {
        return out;
    }
    // Only the links are built: the rest of each template is checked, as `classify` checks
    // it, not kept.
    let keys = ["templateLink", "packageFileUri", "parametersLink"];
    let Some(members) = template_members(text, &keys, max_values) else {
        return out;
    };
    for m in &members {
        if m.key.eq_ignore_ascii_case("packageFileUri") {
            // A URI: a local template only where `[links]` maps it.
            let target = match m.value.as_str() {
                Some(s) if s.starts_with("[[") => Target::Uri(s[1..].to_owned()),
                Some(s) if !(s.starts_with('[') && s.ends_with(']')) => Target::Uri(s.to_owned()),
                _ => Target::Computed,
            };
            out.push(Relation::new(RelationKind::Deploys, target));
        } else if m.key.eq_ignore_ascii_case("templateLink") {
            out.extend(link(&m.value, RelationKind::Deploys));
        } else {
            out.extend(link(&m.value, RelationKind::Reads));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The targets of one `templateLink` or `parametersLink` object.
fn link(object: &Json, kind: RelationKind) -> Vec<Relation> {
    object
        .members()
        .into_iter()
        .filter_map(|m| {
            let relative = m.key.eq_ignore_ascii_case("relativePath");
            let uri = m.key.eq_ignore_ascii_case("uri") || m.key.eq_ignore_ascii_case("id");
            if !relative && !uri {
                return None;
            }
            let target = match m.value.as_str() {
                // `[[` starts a literal string that begins with `[`.
                Some(s) if s.starts_with("[[") => literal(&s[1..], relative),
                Some(s) if s.starts_with('[') && s.ends_with(']') => Target::Computed,
                Some(s) => literal(s, relative),
                None => Target::Computed,
            };
            Some(Relation::new(kind, target))
        })
        .collect()
}

/// A link written as the plain string `s`.
fn literal(s: &str, relative: bool) -> Target {
    if relative {
        Target::Relative(s.to_owned())
    } else {
        Target::Uri(s.to_owned())
    }
}

/// Whether `bytes` may hold a template or parameters link or a package as a member: its key
/// with the quote that closes it, in any case and however JSON escapes spell it. A template
/// that holds none links nothing; most templates only mention a link in an expression
/// (`[deployment().properties.templateLink.uri]`), and are dismissed without a parse.
pub(super) fn mentions_links(bytes: &[u8]) -> bool {
    static NEEDLES: std::sync::LazyLock<Needles> = std::sync::LazyLock::new(|| {
        Needles::delimited(
            &["templatelink\"", "parameterslink\"", "packagefileuri\""],
            b'k',
        )
    });
    NEEDLES.any(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_plain_computed_and_escaped() {
        let text = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "resources": [
    {"type": "Microsoft.Resources/deployments", "name": "a",
     "properties": {"TemplateLink": {"relativePath": "nested/vm.json"}}},
    {"type": "Microsoft.Resources/deployments", "name": "b",
     "properties": {"templateLink": {"uri": "[uri(deployment().properties.templateLink.uri, 'x.json')]"},
                    "parametersLink": {"uri": "https://example.com/p.json"}}},
    {"type": "Microsoft.Resources/deployments", "name": "c",
     "properties": {"template\u004cink": {"relativePath": "[[odd].json"}}}
  ]
}"#;
        let found: Vec<(RelationKind, Target)> =
            relations(Path::new("azuredeploy.json"), text, 1000)
                .into_iter()
                .map(|r| (r.kind, r.target))
                .filter(|(k, _)| *k != RelationKind::CompiledFrom)
                .collect();
        assert_eq!(
            found,
            [
                (RelationKind::Deploys, Target::Relative("[odd].json".into())),
                (
                    RelationKind::Deploys,
                    Target::Relative("nested/vm.json".into())
                ),
                (RelationKind::Deploys, Target::Computed),
                (
                    RelationKind::Reads,
                    Target::Uri("https://example.com/p.json".into())
                ),
            ]
        );
    }

    #[test]
    fn a_link_is_looked_for_as_a_member_however_its_key_is_spelled() {
        let member =
            |key: &str| format!(r#"{{"properties": {{"{key}" : {{"relativePath": "x.json"}}}}}}"#);
        for key in [
            "templateLink",
            "TEMPLATELINK",
            "template\\u004cink",
            "templateLin\\u006B",
            "parametersLink",
            "packageFileUri",
            "packageFile\\u0055ri",
        ] {
            assert!(mentions_links(member(key).as_bytes()), "{key}");
        }
        // Only in an expression (most quickstarts' `_artifactsLocation` default): no member.
        let expression = r#"{"defaultValue": "[deployment().properties.templateLink.uri]"}"#;
        assert!(!mentions_links(expression.as_bytes()));
        assert!(!mentions_links(member("templateLinks").as_bytes()));
    }

    #[test]
    fn a_managed_application_package_is_a_link_links_may_map() {
        // `packageFileUri`: a URI `[links]` may map to the package's main template (#24).
        let text = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "resources": [
    {"type": "Microsoft.Solutions/applicationDefinitions", "name": "a",
     "properties": {"packageFileUri": "https://example.com/app.zip"}},
    {"type": "Microsoft.Solutions/applicationDefinitions", "name": "b",
     "properties": {"PackageFileUri": "[variables('package')]"}}
  ]
}"#;
        let found: Vec<(RelationKind, Target)> =
            relations(Path::new("azuredeploy.json"), text, 1000)
                .into_iter()
                .map(|r| (r.kind, r.target))
                .filter(|(k, _)| *k != RelationKind::CompiledFrom)
                .collect();
        assert_eq!(
            found,
            [
                (
                    RelationKind::Deploys,
                    Target::Uri("https://example.com/app.zip".into())
                ),
                (RelationKind::Deploys, Target::Computed),
            ]
        );
    }

    #[test]
    fn a_document_that_is_no_template_links_nothing() {
        let text = r#"{"templateLink": {"relativePath": "x.json"}}"#;
        assert!(
            relations(Path::new("data.json"), text, 1000)
                .iter()
                .all(|r| r.kind == RelationKind::CompiledFrom)
        );
    }
}
