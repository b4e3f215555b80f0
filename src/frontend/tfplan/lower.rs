//! Lowering a plan or state into the model: one resource per judged resource instance.

use crate::catalog::Catalog;
use crate::json::Json;
use crate::model::{Context, Deployment, Language, Resource};
use crate::source::{FileId, Span};
use crate::value::{Kind, Value, Why};

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
pub fn plan(root: &Json, file: FileId, tf: &TfSource, no_op: bool) -> Deployment {
    let mut resources = Vec::new();
    let resolver = Resolver { root, file, tf };
    if let Some(changes) = root.get("resource_changes").and_then(Json::as_array) {
        for rc in changes {
            resources.extend(change(rc, &resolver, no_op));
        }
    } else if let Some(module) = root
        .get("planned_values")
        .and_then(|p| p.get("root_module"))
    {
        each_resource(module, &mut |r| resources.extend(planned(r, &resolver)));
    }
    deployment(resources)
}

/// Lowers a state (`values.root_module`): what is deployed.
pub fn state(root: &Json, file: FileId, tf: &TfSource) -> Deployment {
    let mut resources = Vec::new();
    let resolver = Resolver { root, file, tf };
    if let Some(module) = root.get("values").and_then(|p| p.get("root_module")) {
        each_resource(module, &mut |r| {
            resources.extend(planned(r, &resolver));
        });
    }
    deployment(resources)
}

fn deployment(resources: Vec<Resource>) -> Deployment {
    Deployment {
        language: Language::TerraformPlan,
        merge_instances: true,
        contexts: vec![Context {
            parameter_file: None,
            resources,
            notes: Vec::new(),
            unseen: Vec::new(),
        }],
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
fn change(rc: &Json, resolver: &Resolver<'_>, no_op: bool) -> Option<Resource> {
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
    )
}

/// One resource of `planned_values` or a state's `values` (mode "managed" only).
fn planned(r: &Json, resolver: &Resolver<'_>) -> Option<Resource> {
    if text(r, "mode").is_some_and(|m| m != "managed") {
        return None;
    }
    let values = r.get("values").filter(|a| a.is_object())?;
    let sensitive = r.get("sensitive_values");
    lower_one(r, values, None, sensitive, resolver)
}

fn lower_one(
    r: &Json,
    after: &Json,
    unknown: Option<&Json>,
    sensitive: Option<&Json>,
    resolver: &Resolver<'_>,
) -> Option<Resource> {
    let resource_type = text(r, "type")?;
    let name = text(r, "name")?;
    let address = address(r)?;
    let catalog = Catalog::builtin();
    let azapi = matches!(resource_type, "azapi_resource" | "azapi_update_resource");
    if !azapi && catalog.terraform(resource_type).is_none() {
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
    let (resource_type, body) = if azapi {
        azapi_body(&body)?
    } else {
        (resource_type.to_string(), body)
    };
    // The declaration, without instance keys: instances of one `count`/`for_each` that reach
    // the same verdict for the same image are one finding.
    let mut identity = String::new();
    for step in &modules {
        identity.push_str("module.");
        identity.push_str(&step.name);
        identity.push('.');
    }
    identity.push_str(text(r, "type").unwrap_or_default());
    identity.push('.');
    identity.push_str(name);
    Some(Resource {
        resource_type,
        name: address,
        span: span(r, resolver.file),
        body,
        identity,
        assumption: None,
    })
}

/// An azapi resource whose `type` is a catalogued ARM type: that type, and its `body` (an
/// object, or a JSON document in a string) as the ARM resource object.
fn azapi_body(after: &Value) -> Option<(String, Value)> {
    let type_and_version = after.get("type")?.as_str()?;
    let arm_type = type_and_version
        .split('@')
        .next()
        .unwrap_or(type_and_version);
    Catalog::builtin().arm(arm_type)?;
    let body = match after.get("body") {
        None => Value::composed(Kind::Object(Vec::new())),
        Some(b) => match &b.kind {
            Kind::Str(s) => match crate::json::parse(s) {
                Ok(json) => crate::eval::ops::json_value(&json, &|_| b.origin.clone()),
                Err(e) => Value {
                    kind: Kind::Unknown(Why {
                        span: b.origin.site,
                        ..Why::new(crate::value::Cause::AzapiBodyNotJson { error: e.message })
                    }),
                    origin: b.origin.clone(),
                },
            },
            _ => b.clone(),
        },
    };
    Some((arm_type.to_string(), body))
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
