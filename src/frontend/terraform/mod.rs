//! What Terraform plans and Terraform sources share: how a declared azurerm or azapi resource,
//! its attribute values lowered (planned values, or arguments evaluated from `.tf` sources),
//! becomes a resource of the model. An azapi resource is judged as the ARM resource its
//! `body` is, a template deployment hands its embedded ARM template to the ARM frontend, and a
//! managed application says what it does not show. Both Terraform frontends lower through
//! [`shape`], so a resource reads the same whichever of the two it comes from.

use crate::catalog::Catalog;
use crate::eval::ir::Container;
use crate::frontend::{Embedded, EmbeddedKind, EmbeddedParameters, EmbeddedText};
use crate::model::Resource;
use crate::source::Span;
use crate::value::{Kind, Unavailable, Value, Why};

/// The extension of Terraform configuration files.
pub(crate) const CONFIGURATION_EXTENSION: &str = "tf";

/// Most nested brackets a Terraform source may hold: deeper text is refused before it is
/// parsed (the parser recurses once per level; no configuration comes near this).
pub(crate) const MAX_BRACKETS: usize = 256;

/// How wide the braces of a Terraform source may be: the sum, over every `{…}`, of the square
/// of its members. The parser checks each object member's key against those before it (its
/// time grows with the square of an object's members), so what it is given is bounded; ten
/// thousand members in one object, or a hundred objects of a thousand, fit.
pub(crate) const MAX_WIDTH: u64 = 100_000_000;

/// The offset where the braces of `text` (JSON when `json`) first hold more members than
/// [`MAX_WIDTH`] allows: a bound, not a parse. The text is read as the parser reads it (quoted
/// strings and heredocs with their `${…}`/`%{…}` interpolations, comments), and a member is
/// counted at each comma (and, in the native syntax, each line end) directly within a brace;
/// blocks' bodies count as objects do.
pub(crate) fn too_wide(text: &str, json: bool) -> Option<usize> {
    /// What the text at hand is in.
    enum In {
        /// Braces, with their members so far.
        Brace(u64),
        /// Brackets or parentheses.
        Bracket,
        /// An interpolation or a directive (`${…}`, `%{…}`) of a string or heredoc.
        Interpolation,
        /// A quoted string.
        Quoted,
        /// A heredoc, ended by a line that is its marker.
        Heredoc(String),
    }
    let bytes = text.as_bytes();
    let mut stack: Vec<In> = Vec::new();
    let mut total: u64 = 0;
    let mut i = 0;
    let at_line_start = |i: usize| i == 0 || bytes[i - 1] == b'\n';
    while i < bytes.len() {
        let b = bytes[i];
        let next = bytes.get(i + 1).copied();
        match stack.last_mut() {
            Some(In::Quoted) => match b {
                b'\\' => i += 1,
                b'"' => {
                    stack.pop();
                }
                b'\n' if !json => {
                    stack.pop();
                }
                b'$' | b'%' if next == Some(b) && bytes.get(i + 2) == Some(&b'{') => i += 2,
                b'$' | b'%' if next == Some(b'{') => {
                    stack.push(In::Interpolation);
                    i += 1;
                }
                _ => {}
            },
            Some(In::Heredoc(marker)) => {
                if at_line_start(i) {
                    let end = text[i..].find('\n').map_or(bytes.len(), |n| i + n);
                    if text[i..end].trim() == marker.as_str() {
                        stack.pop();
                        i = end;
                        continue;
                    }
                }
                match b {
                    b'$' | b'%' if next == Some(b) && bytes.get(i + 2) == Some(&b'{') => i += 2,
                    b'$' | b'%' if next == Some(b'{') => {
                        stack.push(In::Interpolation);
                        i += 1;
                    }
                    _ => {}
                }
            }
            _ => match b {
                b'"' => stack.push(In::Quoted),
                b'#' if !json => {
                    i = text[i..].find('\n').map_or(bytes.len(), |n| i + n);
                    continue;
                }
                b'/' if next == Some(b'/') => {
                    i = text[i..].find('\n').map_or(bytes.len(), |n| i + n);
                    continue;
                }
                b'/' if next == Some(b'*') => {
                    i = text[i + 2..]
                        .find("*/")
                        .map_or(bytes.len(), |n| i + 2 + n + 2);
                    continue;
                }
                b'<' if !json && next == Some(b'<') => {
                    let rest = &text[i + 2..];
                    let rest = rest.strip_prefix('-').unwrap_or(rest);
                    let marker: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if !marker.is_empty() {
                        // The heredoc's text starts on the next line.
                        i = text[i..].find('\n').map_or(bytes.len(), |n| i + n + 1);
                        stack.push(In::Heredoc(marker));
                        continue;
                    }
                }
                b'{' => stack.push(In::Brace(0)),
                b'[' | b'(' => stack.push(In::Bracket),
                b'}' => match stack.pop() {
                    Some(In::Brace(n)) => {
                        total = total.saturating_add((n + 1).saturating_mul(n + 1));
                        if total > MAX_WIDTH {
                            return Some(i);
                        }
                    }
                    Some(In::Interpolation) | None => {}
                    Some(other) => stack.push(other),
                },
                b']' | b')' => {
                    if matches!(stack.last(), Some(In::Bracket)) {
                        stack.pop();
                    }
                }
                b',' | b'\n' if b == b',' || !json => {
                    if let Some(In::Brace(n)) = stack.last_mut() {
                        *n += 1;
                        if n.saturating_mul(*n) > MAX_WIDTH {
                            return Some(i);
                        }
                    }
                }
                _ => {}
            },
        }
        i += 1;
    }
    None
}

/// The offset where `text` first nests brackets deeper than [`MAX_BRACKETS`], counting every
/// `(`, `[` and `{` (in strings and comments too: a bound, not a parse).
pub(crate) fn too_deep(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, b) in text.bytes().enumerate() {
        match b {
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_BRACKETS {
                    return Some(i);
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// How the name of a Terraform configuration file in JSON syntax ends
/// (<https://developer.hashicorp.com/terraform/language/syntax/json>).
pub(crate) const JSON_SUFFIX: &str = ".tf.json";

/// Whether the file at `path` is a Terraform configuration file in JSON syntax (`.tf.json`,
/// any case).
pub(crate) fn is_json_source(path: &std::path::Path) -> bool {
    // Asked of every JSON file a run walks: by the name's bytes, without a copy.
    crate::walk::file_name_of(path).is_some_and(|n| {
        let n = n.as_encoded_bytes();
        n.len() >= JSON_SUFFIX.len()
            && n[n.len() - JSON_SUFFIX.len()..].eq_ignore_ascii_case(JSON_SUFFIX.as_bytes())
    })
}

/// A declared Terraform resource instance, as both Terraform frontends know it.
pub(crate) struct Declared<'a> {
    /// Its Terraform type (`azurerm_linux_virtual_machine`, `azapi_resource`).
    pub(crate) resource_type: &'a str,
    /// Its declared name (the second label of its `resource` block).
    pub(crate) name: &'a str,
    /// Its address as Terraform shows it (`module.vm.azurerm_linux_virtual_machine.this[0]`).
    pub(crate) address: String,
    /// The module calls it is declared in, outermost first (their names).
    pub(crate) modules: &'a [String],
    /// Where it is declared (its plan entry, or its `resource` block).
    pub(crate) span: Span,
    /// Whether it is an azapi resource that creates what its `body` describes.
    pub(crate) azapi: bool,
}

/// Whether resources of `resource_type` are judged: the catalogue's Terraform section lists
/// it, or it is an azapi resource (judged as its ARM type).
pub(crate) fn judged_type(resource_type: &str) -> bool {
    AZAPI.contains(&resource_type) || Catalog::builtin().terraform(resource_type).is_some()
}

/// The azapi resources that create or update what their `body` describes (an
/// `azapi_resource_action` does too when it `PUT`s a resource: its frontend says so).
pub(crate) const AZAPI: [&str; 2] = ["azapi_resource", "azapi_update_resource"];

/// The resource of the model that `declared`, whose attribute values are `body`, stands for:
/// an azapi resource as its ARM type, a template deployment's embedded template handed to the
/// ARM frontend (in `embedded`, and `None`: nothing is judged of the resource itself), a
/// managed application with what it does not show unknown. `None` as well for a type that
/// is not judged.
pub(crate) fn shape(
    declared: Declared<'_>,
    body: Value,
    embedded: &mut Vec<Embedded>,
) -> Option<Resource> {
    let Declared {
        resource_type: declared_type,
        name,
        address,
        modules,
        span,
        azapi,
    } = declared;
    if !azapi && Catalog::builtin().terraform(declared_type).is_none() {
        return None;
    }
    let host = Host {
        address: &address,
        span,
    };
    let (resource_type, body) = if azapi {
        azapi_body(&body, &host, embedded)?
    } else if let Some(holder) = HOLDERS.iter().find(|h| h.types.contains(&declared_type)) {
        let body = embedded_template(body, &host, embedded, holder)?;
        (declared_type.to_string(), body)
    } else if MANAGED_APPLICATIONS.contains(&declared_type) {
        (declared_type.to_string(), managed_application(body))
    } else {
        (declared_type.to_string(), body)
    };
    // The declaration, without instance keys: instances of one `count`/`for_each` that reach
    // the same verdict for the same image are one finding.
    let mut identity = String::new();
    for module in modules {
        identity.push_str("module.");
        identity.push_str(module);
        identity.push('.');
    }
    identity.push_str(declared_type);
    identity.push('.');
    identity.push_str(name);
    Some(Resource {
        resource_type,
        name: address,
        span,
        body,
        identity,
        assumption: None,
        deployed_by: Vec::new(),
        copy: None,
        deployed: None,
        unknown_name: None,
        placement: None,
    })
}

/// How an azurerm resource holds the ARM template it deploys, or publishes to be deployed.
struct Holder {
    /// The resource types.
    types: &'static [&'static str],
    /// The attribute that holds the template's JSON text.
    template: &'static str,
    /// The attribute that holds its parameters' JSON text, and whether each is written bare
    /// (`{"name": value}`) rather than as a parameter file writes it (`{"name": {"value": …}}`).
    parameters: Option<(&'static str, bool)>,
    /// The attribute that names a template spec version deployed instead of a template.
    spec: Option<&'static str>,
    /// The attribute that names a package (a zip file) published instead of a template.
    package: Option<&'static str>,
}

/// The azurerm resources that deploy or publish an ARM template.
const HOLDERS: [Holder; 3] = [
    // `template_content` or `template_spec_version_id`, with `parameters_content` "the
    // contents of the ARM Template parameters file"
    // (<https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/resource_group_template_deployment>).
    Holder {
        types: &[
            "azurerm_resource_group_template_deployment",
            "azurerm_subscription_template_deployment",
            "azurerm_management_group_template_deployment",
            "azurerm_tenant_template_deployment",
        ],
        template: "template_content",
        parameters: Some(("parameters_content", false)),
        spec: Some("template_spec_version_id"),
        package: None,
    },
    // Deployment stacks: the same, each parameter's value written bare (the provider wraps
    // each in `{"value": …}`)
    // (<https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/resource_group_deployment_stack>).
    Holder {
        types: &[
            "azurerm_resource_group_deployment_stack",
            "azurerm_subscription_deployment_stack",
            "azurerm_management_group_deployment_stack",
        ],
        template: "template_content",
        parameters: Some(("parameters_content", true)),
        spec: Some("template_spec_version_id"),
        package: None,
    },
    // A managed application definition publishes `main_template`, or `package_file_uri`
    // (<https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/managed_application_definition>).
    Holder {
        types: &["azurerm_managed_application_definition"],
        template: "main_template",
        parameters: None,
        spec: None,
        package: Some("package_file_uri"),
    },
];

/// The azurerm resources that deploy the template of a managed application definition,
/// which the plan does not show them with (`application_definition_id`, or a Marketplace
/// `plan`): <https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/managed_application>.
const MANAGED_APPLICATIONS: [&str; 1] = ["azurerm_managed_application"];

/// A managed application's planned values, its definition's template not seen: the
/// attribute the catalogue reads (`application_definition_id`) unknown, saying why.
fn managed_application(mut body: Value) -> Value {
    let definition = body
        .get("application_definition_id")
        .filter(|v| !matches!(v.kind, Kind::Null));
    let plan = body.get("plan").map(|p| match &p.kind {
        Kind::Array(items) => items.first().unwrap_or(p),
        _ => p,
    });
    let part = |v: &Value, k: &str| v.get(k).map(Value::display).unwrap_or_default();
    let site = definition.and_then(|d| d.origin.site);
    let why = Unavailable::ManagedApplication {
        definition: definition.map(Value::display),
        plan: plan.filter(|p| matches!(p.kind, Kind::Object(_))).map(|p| {
            format!(
                "{}:{}:{}",
                part(p, "publisher"),
                part(p, "product"),
                part(p, "name")
            )
        }),
    };
    let why = Why {
        span: site,
        ..Why::new(crate::value::Cause::TemplateNotAvailable(why))
    };
    set_unknown(&mut body, &["application_definition_id"], why);
    body
}

/// The resource a value is lowered for: its address, and where it is in the plan (where an
/// attribute without a place of its own points).
struct Host<'a> {
    address: &'a str,
    span: Span,
}

/// A template deployment's planned values, when they are judged as the resource's own: with
/// its template (`template_content`, or `holder`'s attribute) unknown at plan time or
/// sensitive, or not held at all but named (a template spec version, a package), which is not
/// seen (IG002 says why). A known template is handed to the ARM frontend (in `embedded`, with
/// its parameters) when it may deploy an image (or is not JSON: then it says so), and nothing
/// is judged of the resource itself.
fn embedded_template(
    mut body: Value,
    host: &Host<'_>,
    embedded: &mut Vec<Embedded>,
    holder: &Holder,
) -> Option<Value> {
    let named = |key: Option<&str>| {
        key.and_then(|k| body.get(k)).filter(|v| match &v.kind {
            Kind::Null => false,
            Kind::Str(s) => !s.is_empty(),
            _ => true,
        })
    };
    let held = body
        .get(holder.template)
        .filter(|v| !matches!(v.kind, Kind::Null));
    let instead = match (held, named(holder.spec), named(holder.package)) {
        // A template spec version: not in the plan, so not seen.
        (None, Some(id), _) => Some((Unavailable::Spec { id: id.display() }, id)),
        (held, _, Some(uri)) => Some((
            Unavailable::Package {
                uri: uri.display(),
                also_inline: held.is_some(),
            },
            uri,
        )),
        _ => None,
    };
    if let Some((why, at)) = instead {
        let why = Why {
            span: at.origin.site,
            ..Why::new(crate::value::Cause::TemplateNotAvailable(why))
        };
        set_unknown(&mut body, &[holder.template], why);
        return Some(body);
    }
    let content = held?;
    let text = match known_text(content) {
        Ok(Some(text)) => text,
        // Not a string: nothing an ARM deployment would read.
        Ok(None) => return None,
        // Unknown (or sensitive, or partly known): the extraction reports why.
        Err(why) => {
            if let Kind::Object(members) = &mut body.kind
                && let Some((_, v)) = members
                    .iter_mut()
                    .find(|(k, _)| k.eq_ignore_ascii_case(holder.template))
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
    let parameters = match holder
        .parameters
        .and_then(|(key, bare)| Some((key, bare, body.get(key)?)))
    {
        None => EmbeddedParameters::None,
        Some((key, bare, p)) => match known_text(p) {
            Ok(Some(t)) if !t.trim().is_empty() => EmbeddedParameters::Text(EmbeddedText {
                text: if bare {
                    wrapped_values(t)
                } else {
                    t.to_string()
                },
                display: format!("{}.{key}", host.address),
                host: site(p, host),
                also: also(p, host),
                what: format!("the parameters in `{key}` of {}", host.address),
            }),
            Ok(_) => EmbeddedParameters::None,
            Err(why) => EmbeddedParameters::Unknown(why),
        },
    };
    embedded.push(Embedded {
        kind: EmbeddedKind::ArmTemplate,
        document: EmbeddedText {
            text: text.to_string(),
            display: format!("{}.{}", host.address, holder.template),
            host: site(content, host),
            also: also(content, host),
            what: format!(
                "the ARM template embedded in `{}` of {}",
                holder.template, host.address
            ),
        },
        parameters,
    });
    None
}

/// Parameter values written bare (`{"name": value}`, as a deployment stack's
/// `parameters_content` is) as a parameter file writes them (`{"name": {"value": value}}`);
/// text that is no JSON object as it is (its parse error is reported where it is read).
fn wrapped_values(text: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(members)) => {
            let wrapped: serde_json::Map<String, serde_json::Value> = members
                .into_iter()
                .map(|(k, v)| (k, serde_json::json!({ "value": v })))
                .collect();
            serde_json::Value::Object(wrapped).to_string()
        }
        _ => text.to_string(),
    }
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
    set_member(body, path, Value::unknown(why));
}

/// Sets the value at `path` of `body` (creating the last member if it is missing) to `value`.
fn set_member(body: &mut Value, path: &[&str], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    if let Some(Value {
        kind: Kind::Object(members),
        ..
    }) = member_at(body, parents)
    {
        members.retain(|(k, _)| !k.eq_ignore_ascii_case(last));
        members.push((last.to_string(), value));
    }
}

/// Replaces the value at `path` of `body` by an unknown saying that the ARM template there
/// (the container's `key`, under `body.properties`) is only partly known at plan time,
/// keeping where it is written.
fn mark_embedded(body: &mut Value, path: &[&str], key: &str) {
    let Some(current) = member_at(body, path) else {
        return;
    };
    let why = Why {
        span: current.origin.site,
        ..Why::new(crate::value::Cause::EmbeddedArmTemplate {
            attribute: format!("body.properties.{key}"),
        })
    };
    current.kind = Kind::Unknown(why);
}

/// Whether an ARM template (as a value) declares, anywhere, a resource of a catalogued type or
/// a container of templates (a nested deployment, a deployment stack, a template spec version,
/// a managed application or its definition).
fn may_deploy_an_image(value: &Value, depth: usize) -> bool {
    if depth > crate::json::MAX_DEPTH {
        return true;
    }
    match &value.kind {
        Kind::Object(members) => {
            let declares = value.get("type").and_then(Value::as_str).is_some_and(|t| {
                let t = t.split('@').next().unwrap_or(t);
                Container::of(t).is_some() || Catalog::builtin().arm(t).is_some()
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
/// an azapi container of templates that may deploy an image (`properties.template` of a
/// `Microsoft.Resources/deployments` or `deploymentStacks`, `properties.mainTemplate` of a
/// template spec version or a managed application definition) is handed to the ARM frontend
/// (in `embedded`, with `properties.parameters` where the container passes them); when it is
/// not fully known, or the container deploys what the plan does not hold (a link, a template
/// spec, a package, a managed application's definition), it stays an `azapi_resource`
/// (IG002 says why). The body is sent to Azure as it is: its template's expressions are its
/// own.
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
    let container = Container::of(arm_type);
    if container.is_none() {
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
    let Some(container) = container else {
        return Some((arm_type.to_string(), body));
    };
    let key = match container {
        Container::SpecVersion | Container::Definition => "mainTemplate",
        _ => "template",
    };
    let unknown_body = body.is_unknown();
    let wrapped = Value::composed(Kind::Object(vec![("body".to_string(), body)]));
    if unknown_body {
        // The extraction reports why it is unknown.
        return Some(("azapi_resource".to_string(), wrapped));
    }
    let body = wrapped.get("body")?;
    let properties = body.get("properties");
    let field = |key: &str| properties.and_then(|p| p.get(key));
    // What the container deploys that the plan does not hold: not seen.
    let instead = match container {
        Container::Application => {
            let definition = field("applicationDefinitionId");
            let plan = body.get("plan").map(|p| {
                let part = |k: &str| p.get(k).map(Value::display).unwrap_or_default();
                format!("{}:{}:{}", part("publisher"), part("product"), part("name"))
            });
            let at = definition.and_then(|d| d.origin.site);
            let definition = definition.map(Value::display);
            Some((Unavailable::ManagedApplication { definition, plan }, at))
        }
        Container::Definition => field("packageFileUri").map(|uri| {
            let why = Unavailable::Package {
                uri: uri.display(),
                also_inline: field(key).is_some(),
            };
            (why, uri.origin.site)
        }),
        Container::Deployment | Container::Stack if field(key).is_none() => {
            field("templateLink").map(|link| {
                // A linked template or template spec: not in the plan, so not seen.
                let unavailable = match (link.get("uri"), link.get("id")) {
                    (Some(uri), _) => Unavailable::Uri { uri: uri.display() },
                    (None, Some(id)) => Unavailable::Spec { id: id.display() },
                    (None, None) => Unavailable::PathUnknown,
                };
                (unavailable, link.origin.site)
            })
        }
        _ => None,
    };
    if let Some((why, at)) = instead {
        let why = Why {
            span: at,
            ..Why::new(crate::value::Cause::TemplateNotAvailable(why))
        };
        return unseen_template(wrapped, why);
    }
    let mut wrapped = if key == "template" {
        wrapped
    } else {
        // The catalogue reads `body.properties.template` of every azapi container.
        let template = field(key)?.clone();
        let mut wrapped = wrapped;
        set_member(&mut wrapped, &TEMPLATE, template);
        wrapped
    };
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
            mark_embedded(&mut wrapped, &TEMPLATE, key);
            return Some(("azapi_resource".to_string(), wrapped));
        }
    };
    let template = field_of(&wrapped, "template")?;
    let passes_parameters = matches!(container, Container::Deployment | Container::Stack);
    let parameters = field_of(&wrapped, "parameters").filter(|_| passes_parameters);
    let parameters = match parameters {
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
            display: format!("{}.body.properties.{key}", host.address),
            host: site(template, host),
            also: also(template, host),
            what: format!(
                "the ARM template embedded in `body.properties.{key}` of {}",
                host.address
            ),
        },
        parameters,
    });
    None
}

/// `wrapped` (an azapi container's `{"body": …}`) as an `azapi_resource` whose
/// `body.properties.template` — what the catalogue reads of every azapi container — is
/// unknown for `why` (the attribute made when it is missing).
fn unseen_template(mut wrapped: Value, why: Why) -> Option<(String, Value)> {
    if let Some(body) = member_at(&mut wrapped, &["body"])
        && let Kind::Object(members) = &mut body.kind
        && !members
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("properties") && matches!(v.kind, Kind::Object(_)))
    {
        members.retain(|(k, _)| !k.eq_ignore_ascii_case("properties"));
        let empty = Value::composed(Kind::Object(Vec::new()));
        members.push(("properties".to_string(), empty));
    }
    set_unknown(&mut wrapped, &TEMPLATE, why);
    Some(("azapi_resource".to_string(), wrapped))
}

/// The path of what the catalogue reads of every azapi container.
const TEMPLATE: [&str; 3] = ["body", "properties", "template"];

/// The member `key` of an azapi container's `body.properties` (`wrapped` is `{"body": …}`).
fn field_of<'v>(wrapped: &'v Value, key: &str) -> Option<&'v Value> {
    wrapped.get("body")?.get("properties")?.get(key)
}
