//! Lowering a plan or state into the model: one resource per judged resource instance.

use crate::frontend::Embedded;
use crate::frontend::terraform::{AZAPI, Declared, judged_type, shape};
use crate::json::Json;
use crate::model::{Context, Deployment, Dialect, Resource, Section, SourceKind};
use crate::source::{FileId, Span};

use super::address::{ModuleStep, compose, module_steps};
use super::convert::{Converter, span};
use super::resolve::{Owner, Resolver};
use super::source::TfSource;

/// Whether a change with these actions is judged: creates, updates and both replace orders;
/// no-ops (what is deployed and stays) only when `no_op` asks for the current estate. Deletes,
/// forgets and reads never are.
pub fn judged_actions(actions: &[&str], no_op: bool) -> bool {
    actions
        .iter()
        .any(|a| *a == "create" || *a == "update" || (no_op && *a == "no-op"))
}

/// Lowers a plan: `resource_changes` when present (authoritative), else `planned_values`.
/// Values read straight from the plan are pointed at their attributes in `tf` when it has
/// them.
/// With `no_op`, unchanged resources are judged too (the estate as it stays deployed).
/// ARM templates embedded in template deployments are returned, to be judged by the ARM
/// frontend, instead of their resources.
pub fn plan(
    root: &Json,
    file: FileId,
    tf: &TfSource,
    no_op: bool,
    embedded: &mut Vec<Embedded>,
) -> Deployment {
    let mut resources = Vec::new();
    let resolver = Resolver { root, file, tf };
    if let Some(changes) = root.get("resource_changes").and_then(Json::as_array) {
        for rc in changes {
            resources.extend(change(rc, &resolver, no_op, embedded));
        }
    } else if let Some(module) = root
        .get("planned_values")
        .and_then(|p| p.get("root_module"))
    {
        each_resource(module, &mut |r| {
            resources.extend(planned(r, &resolver, embedded))
        });
    }
    deployment(resources)
}

/// Lowers a state (`values.root_module`): what is deployed. Embedded ARM templates are
/// returned as [`plan`] does.
pub fn state(root: &Json, file: FileId, tf: &TfSource, embedded: &mut Vec<Embedded>) -> Deployment {
    let mut resources = Vec::new();
    let resolver = Resolver { root, file, tf };
    if let Some(module) = root.get("values").and_then(|p| p.get("root_module")) {
        each_resource(module, &mut |r| {
            resources.extend(planned(r, &resolver, embedded));
        });
    }
    deployment(resources)
}

/// What a plan's deployment is, as data: Terraform resource types (an `azapi` resource's
/// ARM type), each known to Azure by its `name` attribute (its declared name is its address).
const DIALECT: Dialect = Dialect {
    catalog: &[Section::Terraform, Section::Arm],
    name_attribute: Some("name"),
    kind: SourceKind::TerraformPlan,
};

fn deployment(resources: Vec<Resource>) -> Deployment {
    Deployment {
        dialect: DIALECT,
        merge_instances: true,
        contexts: vec![Context {
            parameter_file: None,
            resources,
            ..Context::default()
        }],
        comments: Vec::new(),
        literals: Vec::new(),
    }
}

/// Calls `f` with every resource of a plan or state module (`planned_values`, `values`,
/// `prior_state`) and of its child modules, nested up to the parser's depth limit.
pub(super) fn each_resource(module: &Json, f: &mut dyn FnMut(&Json)) {
    walk_module(module, 0, f);
}

fn walk_module(module: &Json, depth: usize, f: &mut dyn FnMut(&Json)) {
    if depth > crate::json::MAX_DEPTH {
        return;
    }
    for r in module
        .get("resources")
        .and_then(Json::as_array)
        .unwrap_or(&[])
    {
        f(r);
    }
    for child in module
        .get("child_modules")
        .and_then(Json::as_array)
        .unwrap_or(&[])
    {
        walk_module(child, depth + 1, f);
    }
}

fn text<'a>(json: &'a Json, key: &str) -> Option<&'a str> {
    json.get(key).and_then(Json::as_str)
}

fn address(r: &Json) -> Option<String> {
    if let Some(a) = text(r, "address") {
        return Some(a.to_string());
    }
    Some(compose(
        text(r, "module_address"),
        text(r, "mode") == Some("data"),
        text(r, "type")?,
        text(r, "name")?,
        r.get("index"),
    ))
}

/// One entry of `resource_changes`.
fn change(
    rc: &Json,
    resolver: &Resolver<'_>,
    no_op: bool,
    embedded: &mut Vec<Embedded>,
) -> Option<Resource> {
    if text(rc, "mode") == Some("data") {
        return None;
    }
    let change = rc.get("change")?;
    let actions: Vec<&str> = change
        .get("actions")
        .and_then(Json::as_array)
        .unwrap_or(&[])
        .iter()
        .filter_map(Json::as_str)
        .collect();
    if !judged_actions(&actions, no_op) {
        return None;
    }
    let after = change.get("after").filter(|a| a.is_object())?;
    lower_one(
        rc,
        after,
        change.get("after_unknown"),
        change.get("after_sensitive"),
        resolver,
        embedded,
    )
}

/// One resource of `planned_values` or a state's `values` (mode "managed" only).
fn planned(r: &Json, resolver: &Resolver<'_>, embedded: &mut Vec<Embedded>) -> Option<Resource> {
    if text(r, "mode").is_some_and(|m| m != "managed") {
        return None;
    }
    let values = r.get("values").filter(|a| a.is_object())?;
    let sensitive = r.get("sensitive_values");
    lower_one(r, values, None, sensitive, resolver, embedded)
}

fn lower_one(
    r: &Json,
    after: &Json,
    unknown: Option<&Json>,
    sensitive: Option<&Json>,
    resolver: &Resolver<'_>,
    embedded: &mut Vec<Embedded>,
) -> Option<Resource> {
    let resource_type = text(r, "type")?;
    let name = text(r, "name")?;
    let address = address(r)?;
    let azapi = AZAPI.contains(&resource_type)
        || (resource_type == "azapi_resource_action" && creates_a_resource(after));
    if !azapi && !judged_type(resource_type) {
        return None;
    }
    let modules: Vec<ModuleStep> = match text(r, "module_address") {
        Some(m) => module_steps(m),
        None => module_steps(&address),
    };
    let owner = Owner {
        modules: &modules,
        resource_type,
        name,
    };
    let mut on_unknown =
        |path: &[super::convert::Step], at: Span| resolver.unknown(&owner, path, at);
    let mut converter = Converter {
        file: resolver.file,
        unknown: &mut on_unknown,
    };
    let mut body = converter.convert(Some(after), unknown, sensitive, &mut Vec::new())?;
    let module_names: Vec<String> = modules.iter().map(|m| m.name.clone()).collect();
    resolver
        .tf
        .relocate(&module_names, resource_type, name, &mut body);
    let modules = module_names;
    let declared = Declared {
        resource_type,
        name,
        address,
        modules: &modules,
        span: span(r, resolver.file),
        azapi,
    };
    shape(declared, body, embedded)
}

/// Whether an `azapi_resource_action` creates (or replaces) the resource it names: a `PUT` of
/// a body to the resource itself (no `action`), as `azapi_resource` does.
fn creates_a_resource(after: &Json) -> bool {
    let method = after.get("method").and_then(Json::as_str).unwrap_or("");
    let action = after.get("action").and_then(Json::as_str).unwrap_or("");
    method.eq_ignore_ascii_case("PUT") && action.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_actions_are_judged() {
        assert!(judged_actions(&["create"], false));
        assert!(judged_actions(&["update"], false));
        assert!(judged_actions(&["delete", "create"], false));
        assert!(judged_actions(&["create", "delete"], false));
        assert!(judged_actions(&["no-op"], true));
        assert!(!judged_actions(&["delete"], true));
        for skipped in [&["delete"][..], &["no-op"], &["read"], &["forget"], &[]] {
            assert!(!judged_actions(skipped, false), "{skipped:?}");
        }
    }
}
