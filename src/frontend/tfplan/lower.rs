//! Lowering a plan or state into the model: one resource per judged resource instance.

use crate::catalog::Catalog;
use crate::frontend::{Embedded, EmbeddedKind, EmbeddedParameters, EmbeddedText};
use crate::json::Json;
use crate::model::{Context, Deployment, Dialect, Resource, Section, SourceKind};
use crate::source::{FileId, Span};
use crate::value::{Kind, Unavailable, Value, Why};

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
    let catalog = Catalog::builtin();
    let azapi = matches!(resource_type, "azapi_resource" | "azapi_update_resource")
        || (resource_type == "azapi_resource_action" && creates_a_resource(after));
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
    let host = Host {
        address: &address,
        span: span(r, resolver.file),
    };
    let (resource_type, body) = if azapi {
        azapi_body(&body, &host, embedded)?
    } else if TEMPLATE_DEPLOYMENTS.contains(&resource_type) {
        let body = embedded_template(body, &host, embedded)?;
        (resource_type.to_string(), body)
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
        deployed_by: Vec::new(),
        copy: None,
        deployed: None,
        placement: None,
    })
}

/// The azurerm resources that deploy an ARM template held in `template_content`.
const TEMPLATE_DEPLOYMENTS: [&str; 4] = [
    "azurerm_resource_group_template_deployment",
    "azurerm_subscription_template_deployment",
    "azurerm_management_group_template_deployment",
    "azurerm_tenant_template_deployment",
];

/// Whether an `azapi_resource_action` creates (or replaces) the resource it names: a `PUT` of
/// a body to the resource itself (no `action`), as `azapi_resource` does.
fn creates_a_resource(after: &Json) -> bool {
    let method = after.get("method").and_then(Json::as_str).unwrap_or("");
    let action = after.get("action").and_then(Json::as_str).unwrap_or("");
    method.eq_ignore_ascii_case("PUT") && action.is_empty()
}

/// The resource a value is lowered for: its address, and where it is in the plan (where an
/// attribute without a place of its own points).
struct Host<'a> {
    address: &'a str,
    span: Span,
}

/// A template deployment's planned values, when they are judged as the resource's own: with
/// `template_content` unknown at plan time or sensitive (IG002 says why). A known
/// `template_content` is handed to the ARM frontend (in `embedded`, with `parameters_content`)
/// when it may deploy an image (or is not JSON: then it says so), and nothing is judged of the
/// resource itself.
fn embedded_template(
    mut body: Value,
    host: &Host<'_>,
    embedded: &mut Vec<Embedded>,
) -> Option<Value> {
    let content = body.get("template_content")?;
    let text = match known_text(content) {
        Ok(Some(text)) => text,
        // Not a string: nothing an ARM deployment would read.
        Ok(None) => return None,
        // Unknown (or sensitive, or partly known): the extraction reports why.
        Err(why) => {
            if let Kind::Object(members) = &mut body.kind
                && let Some((_, v)) = members
                    .iter_mut()
                    .find(|(k, _)| k.eq_ignore_ascii_case("template_content"))
            {
                v.kind = Kind::Unknown(why);
            }
            return Some(body);
        }
    };
    if let Ok(json) = crate::json::parse(text) {
        let template = crate::value::json::json_value(&json, &|_| content.origin.clone());
        if !may_deploy_an_image(&template, 0) {
            return None;
        }
    }
    let parameters = match body.get("parameters_content") {
        None => EmbeddedParameters::None,
        Some(p) => match known_text(p) {
            Ok(Some(t)) if !t.trim().is_empty() => EmbeddedParameters::Text(EmbeddedText {
                text: t.to_string(),
                display: format!("{}.parameters_content", host.address),
                host: site(p, host),
                also: also(p, host),
                what: format!("the parameters in `parameters_content` of {}", host.address),
            }),
            Ok(_) => EmbeddedParameters::None,
            Err(why) => EmbeddedParameters::Unknown(why),
        },
    };
    embedded.push(Embedded {
        kind: EmbeddedKind::ArmTemplate,
        document: EmbeddedText {
            text: text.to_string(),
            display: format!("{}.template_content", host.address),
            host: site(content, host),
            also: also(content, host),
            what: format!(
                "the ARM template embedded in `template_content` of {}",
                host.address
            ),
        },
        parameters,
    });
    None
}

/// Where `value` is written: in the `.tf` source when the plan is mapped to it, else in the
/// plan (else where the resource is).
fn site(value: &Value, host: &Host<'_>) -> Span {
    value
        .origin
        .literal
        .or(value.origin.site)
        .unwrap_or(host.span)
}

/// Where the plan holds `value`, when [`site`] is elsewhere (in the `.tf` source).
fn also(value: &Value, host: &Host<'_>) -> Option<Span> {
    value.origin.site.filter(|s| *s != site(value, host))
}

/// The text of a string attribute: `None` when it is null or no string, why it is not known
/// when it is unknown or partly so.
fn known_text(value: &Value) -> Result<Option<&str>, Why> {
    match &value.kind {
        Kind::Str(text) => Ok(Some(text)),
        Kind::Unknown(why) => Err(why.clone()),
        Kind::Partial(parts) => Err(first_hole(parts)),
        _ => Ok(None),
    }
}

fn first_hole(parts: &[crate::value::Part]) -> Why {
    parts
        .iter()
        .find_map(|p| match p {
            crate::value::Part::Hole(why) => Some(why.clone()),
            crate::value::Part::Text(_) => None,
        })
        .unwrap_or_else(|| Why::new(crate::value::Cause::PartiallyKnownString))
}

/// `value` written out as JSON, or why it cannot be (a part of it is unknown).
fn to_json(value: &Value) -> Result<serde_json::Value, Why> {
    use serde_json::Value as J;
    Ok(match &value.kind {
        Kind::Null => J::Null,
        Kind::Bool(b) => J::Bool(*b),
        Kind::Int(i) => J::from(*i),
        Kind::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
        Kind::Str(s) => J::String(s.clone()),
        Kind::Partial(parts) => return Err(first_hole(parts)),
        Kind::Unknown(why) => return Err(why.clone()),
        Kind::Array(items) => J::Array(items.iter().map(to_json).collect::<Result<_, _>>()?),
        Kind::Object(members) => {
            let mut map = serde_json::Map::new();
            for (k, v) in members {
                map.insert(k.clone(), to_json(v)?);
            }
            J::Object(map)
        }
    })
}

/// The value at `path` of `body` (object members, the last of duplicates), if there is one.
fn member_at<'v>(body: &'v mut Value, path: &[&str]) -> Option<&'v mut Value> {
    let mut current = body;
    for key in path {
        let Kind::Object(members) = &mut current.kind else {
            return None;
        };
        current = members
            .iter_mut()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)?;
    }
    Some(current)
}

/// Sets the value at `path` of `body` (creating the last member if it is missing) to an
/// unknown, for `why`.
fn set_unknown(body: &mut Value, path: &[&str], why: Why) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    if let Some(Value {
        kind: Kind::Object(members),
        ..
    }) = member_at(body, parents)
    {
        members.retain(|(k, _)| !k.eq_ignore_ascii_case(last));
        members.push((last.to_string(), Value::unknown(why)));
    }
}

/// Replaces the value at `path` of `body` by an unknown saying that the ARM template there is
/// only partly known at plan time, keeping where it is written.
fn mark_embedded(body: &mut Value, path: &[&str]) {
    let Some(current) = member_at(body, path) else {
        return;
    };
    let why = Why {
        span: current.origin.site,
        ..Why::new(crate::value::Cause::EmbeddedArmTemplate {
            attribute: path.join("."),
        })
    };
    current.kind = Kind::Unknown(why);
}

/// Whether an ARM template (as a value) declares, anywhere, a resource of a catalogued type or
/// a nested deployment.
fn may_deploy_an_image(value: &Value, depth: usize) -> bool {
    if depth > crate::json::MAX_DEPTH {
        return true;
    }
    match &value.kind {
        Kind::Object(members) => {
            let declares = value.get("type").and_then(Value::as_str).is_some_and(|t| {
                let t = t.split('@').next().unwrap_or(t);
                t.eq_ignore_ascii_case("Microsoft.Resources/deployments")
                    || Catalog::builtin().arm(t).is_some()
            });
            declares
                || members
                    .iter()
                    .any(|(_, v)| may_deploy_an_image(v, depth + 1))
        }
        Kind::Array(items) => items.iter().any(|v| may_deploy_an_image(v, depth + 1)),
        _ => false,
    }
}

/// An azapi resource whose `type` is a catalogued ARM type: that type, and its `body` (an
/// object, or a JSON document in a string) as the ARM resource object. The inline template of
/// an azapi `Microsoft.Resources/deployments` that may deploy an image is handed to the ARM
/// frontend (in `embedded`, with `properties.parameters`); when it is not fully known, the
/// deployment stays an `azapi_resource` (IG002 says why).
fn azapi_body(
    after: &Value,
    host: &Host<'_>,
    embedded: &mut Vec<Embedded>,
) -> Option<(String, Value)> {
    let type_and_version = after.get("type")?.as_str()?;
    let arm_type = type_and_version
        .split('@')
        .next()
        .unwrap_or(type_and_version);
    let deployment = arm_type.eq_ignore_ascii_case("Microsoft.Resources/deployments");
    if !deployment {
        Catalog::builtin().arm(arm_type)?;
    }
    let body = match after.get("body") {
        None => Value::composed(Kind::Object(Vec::new())),
        Some(b) => match &b.kind {
            Kind::Str(s) => match crate::json::parse(s) {
                Ok(json) => crate::value::json::json_value(&json, &|_| b.origin.clone()),
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
    if deployment {
        let mut wrapped = Value::composed(Kind::Object(vec![("body".to_string(), body)]));
        let properties = wrapped.get("body")?.get("properties")?;
        if properties.get("template").is_none()
            && let Some(link) = properties.get("templateLink")
        {
            // A linked template or template spec: not in the plan, so not seen.
            let unavailable = match (link.get("uri"), link.get("id")) {
                (Some(uri), _) => Unavailable::Uri { uri: uri.display() },
                (None, Some(id)) => Unavailable::Spec { id: id.display() },
                (None, None) => Unavailable::PathUnknown,
            };
            let why = Why {
                span: link.origin.site,
                ..Why::new(crate::value::Cause::TemplateNotAvailable(unavailable))
            };
            set_unknown(&mut wrapped, &["body", "properties", "template"], why);
            return Some(("azapi_resource".to_string(), wrapped));
        }
        let template = wrapped.get("body")?.get("properties")?.get("template")?;
        if template.is_unknown() {
            // The extraction reports why it is unknown.
            return Some(("azapi_resource".to_string(), wrapped));
        }
        if !may_deploy_an_image(template, 0) {
            return None;
        }
        let text = match to_json(template) {
            Ok(json) => json.to_string(),
            Err(_) => {
                mark_embedded(&mut wrapped, &["body", "properties", "template"]);
                return Some(("azapi_resource".to_string(), wrapped));
            }
        };
        let properties = wrapped.get("body")?.get("properties")?;
        let parameters = match properties.get("parameters") {
            None => EmbeddedParameters::None,
            Some(p) if matches!(p.kind, Kind::Null) => EmbeddedParameters::None,
            Some(p) => match to_json(p) {
                Ok(json) => EmbeddedParameters::Text(EmbeddedText {
                    text: json.to_string(),
                    display: format!("{}.body.properties.parameters", host.address),
                    host: site(p, host),
                    also: also(p, host),
                    what: format!(
                        "the parameters in `body.properties.parameters` of {}",
                        host.address
                    ),
                }),
                Err(why) => EmbeddedParameters::Unknown(why),
            },
        };
        embedded.push(Embedded {
            kind: EmbeddedKind::ArmTemplate,
            document: EmbeddedText {
                text,
                display: format!("{}.body.properties.template", host.address),
                host: site(template, host),
                also: also(template, host),
                what: format!(
                    "the ARM template embedded in `body.properties.template` of {}",
                    host.address
                ),
            },
            parameters,
        });
        return None;
    }
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
