//! Resource discovery in ARM templates: `resources` arrays, child resources, languageVersion
//! 2.0 symbolic-name objects and inline nested deployments.

use super::lower::{clip, lower};
use crate::catalog::Catalog;
use crate::json::Json;
use crate::model::{Context, Deployment, Language, Resource};
use crate::source::{FileId, Span};

/// Nested deployments deeper than this are not followed (a note says so).
const MAX_NESTING: usize = 32;

/// Lowers a parsed template into the model: every image-bearing resource it declares,
/// including those in child resources and inline nested deployments.
pub fn lower_template(file: FileId, root: &Json) -> Deployment {
    let mut context = Context::default();
    let mut walker = Walker {
        file,
        catalog: Catalog::builtin(),
        out: &mut context,
    };
    if let Some(resources) = root.get("resources") {
        walker.resources(resources, None, "", 0);
    }
    Deployment {
        language: Language::Arm,
        contexts: vec![context],
    }
}

struct Parent {
    resource_type: String,
    name: String,
}

struct Walker<'a> {
    file: FileId,
    catalog: &'static Catalog,
    out: &'a mut Context,
}

impl Walker<'_> {
    fn span(&self, json: &Json) -> Span {
        Span::new(self.file, json.start as usize, json.end as usize)
    }

    /// Walks a `resources` node: an array, or an object of symbolic names (languageVersion 2.0).
    fn resources(&mut self, node: &Json, parent: Option<&Parent>, scope: &str, depth: usize) {
        if let Some(items) = node.as_array() {
            for item in items {
                self.resource(item, None, parent, scope, depth);
            }
        } else {
            for member in node.members() {
                self.resource(&member.value, Some(&member.key), parent, scope, depth);
            }
        }
    }

    fn resource(
        &mut self,
        node: &Json,
        symbol: Option<&str>,
        parent: Option<&Parent>,
        scope: &str,
        depth: usize,
    ) {
        if !node.is_object() {
            return;
        }
        if node
            .get("existing")
            .is_some_and(|e| e.kind == crate::json::JsonKind::Bool(true))
        {
            return;
        }
        let Some(written_type) = node.get("type").and_then(Json::as_str) else {
            return;
        };
        let written_name = node.get("name").and_then(Json::as_str).unwrap_or("");
        let (resource_type, name) = compose(parent, written_type, written_name);
        let identity = match symbol {
            Some(s) => format!("{scope}{s}"),
            None => format!("{scope}{resource_type}/{name}"),
        };

        if let Some(entry) = self.catalog.arm(&resource_type) {
            let _ = entry;
            self.out.resources.push(Resource {
                resource_type: resource_type.clone(),
                name: clip(&name),
                span: self.span(node),
                body: lower(node, self.file),
                identity: identity.clone(),
            });
        }

        if let Some(children) = node.get("resources") {
            let me = Parent {
                resource_type: resource_type.clone(),
                name: name.clone(),
            };
            self.resources(children, Some(&me), scope, depth);
        }

        if resource_type.eq_ignore_ascii_case("Microsoft.Resources/deployments")
            && let Some(template) = node.get("properties").and_then(|p| p.get("template"))
            && let Some(inner) = template.get("resources")
        {
            if depth >= MAX_NESTING {
                self.out.notes.push(crate::model::Note {
                    span: Some(self.span(node)),
                    message: format!(
                        "nested deployments deeper than {MAX_NESTING} levels are not followed"
                    ),
                });
                return;
            }
            let scope = format!("{identity}>");
            self.resources(inner, None, &scope, depth + 1);
        }
    }
}

/// Composes a child resource's full type and name with its parent's, as Azure does: a child
/// type written as the last segment only (`virtualMachines`) is appended to the parent's type,
/// and a child name without `/` is appended to the parent's name.
fn compose(parent: Option<&Parent>, written_type: &str, written_name: &str) -> (String, String) {
    let Some(parent) = parent else {
        return (written_type.to_string(), written_name.to_string());
    };
    let resource_type = if written_type.contains('/') {
        written_type.to_string()
    } else {
        format!("{}/{written_type}", parent.resource_type)
    };
    let name = if written_name.contains('/') || super::lower::is_expression(written_name) {
        written_name.to_string()
    } else {
        format!("{}/{written_name}", parent.name)
    };
    (resource_type, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: &str =
        "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";

    fn lower_text(text: &str) -> Deployment {
        lower_template(FileId(0), &crate::json::parse(text).unwrap())
    }

    #[test]
    fn finds_children_symbolic_and_nested() {
        let text = format!(
            r#"{{"$schema": "{SCHEMA}", "languageVersion": "2.0", "resources": {{
                "vmss": {{"type": "Microsoft.Compute/virtualMachineScaleSets", "name": "ss",
                          "resources": [{{"type": "virtualMachines", "name": "0"}}]}},
                "old": {{"type": "Microsoft.Compute/virtualMachines", "name": "x", "existing": true}},
                "mod": {{"type": "Microsoft.Resources/deployments", "name": "m",
                         "properties": {{"template": {{"resources": [
                            {{"type": "microsoft.compute/VIRTUALMACHINES", "name": "inner"}}]}}}}}}
            }}}}"#
        );
        let d = lower_text(&text);
        let r = &d.contexts[0].resources;
        let names: Vec<_> = r
            .iter()
            .map(|r| (r.resource_type.as_str(), r.name.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("Microsoft.Compute/virtualMachineScaleSets", "ss"),
                (
                    "Microsoft.Compute/virtualMachineScaleSets/virtualMachines",
                    "ss/0"
                ),
                ("microsoft.compute/VIRTUALMACHINES", "inner"),
            ]
        );
        assert_eq!(r[0].identity, "vmss");
        assert_eq!(r[2].identity, "mod>microsoft.compute/VIRTUALMACHINES/inner");
    }
}
