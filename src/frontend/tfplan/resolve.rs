//! Resolving values that are known only after apply through the plan's `configuration`.
//!
//! The plan records an expression's references, not how it combines them. An attribute that is
//! unknown while its one reference is known at plan time (a variable, a data source read during
//! plan, a constant) must combine it with something unknown (`"${var.x}-${uuid()}"`, a
//! conditional): that is not resolved. An attribute is resolved through its reference only when
//! the referenced value is itself unknown at plan time and can be told: the `id` of a resource
//! the same plan creates, composed from its planned arguments (the catalogue's
//! `[[terraform_id]]`), through module inputs that pass it on. When the `.tf` source is beside
//! the plan, its expression must be exactly that reference. Members of a block the plan marks
//! unknown as a whole (e.g. a `dynamic` block) are each resolved through their own expression.

use crate::catalog::Catalog;
use crate::json::Json;
use crate::source::{FileId, Span};
use crate::value::cause::AfterApply;
use crate::value::subject::ModuleVariable;
use crate::value::{Cause, Hop, Kind, Part, Subject, Value, Why};

use super::address::{ModuleStep, compose};
use super::convert::{Step, literal, render, sensitive_value, span};

/// How deep references are followed (module inputs that pass variables on).
const MAX_DEPTH: usize = 16;

/// The resource whose attribute is unknown.
pub struct Owner<'a> {
    /// The module calls it is declared in, outermost first.
    pub modules: &'a [ModuleStep],
    /// Its type.
    pub resource_type: &'a str,
    /// Its name (without index).
    pub name: &'a str,
}

/// When a resolved value is known to Terraform.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Known {
    /// When it plans: an attribute that only refers to it would be known in the plan.
    AtPlan,
    /// Only after apply (e.g. the `id` of a resource created in the same plan).
    AfterApply,
}

/// Why resolution stopped, and the places passed on the way.
struct Stop {
    detail: AfterApply,
    chain: Vec<Hop>,
}

impl Stop {
    fn new(detail: AfterApply) -> Stop {
        Stop {
            detail,
            chain: Vec::new(),
        }
    }

    /// The unknown value of attribute `attribute`, marked at `at`.
    fn unknown(self, attribute: String, at: Span) -> Value {
        Value::unknown(Why {
            chain: self.chain,
            ..Why::at(
                Cause::KnownAfterApply {
                    attribute,
                    detail: self.detail,
                },
                at,
            )
        })
    }
}

/// A plan document, for resolving unknowns.
pub struct Resolver<'a> {
    /// The plan's root object.
    pub root: &'a Json,
    /// The plan file.
    pub file: FileId,
    /// The configuration beside the plan, if any was read.
    pub tf: &'a super::source::TfSource,
}

impl Resolver<'_> {
    /// The value of the attribute at `path` of `owner`, marked unknown at `at`: resolved
    /// through the configuration when it can be, else an unknown saying why.
    pub fn unknown(&self, owner: &Owner<'_>, path: &[Step], at: Span) -> Value {
        let stop = match self.expression(owner, path) {
            Some(expr) => match self.attribute(owner, path, expr) {
                // A value composed from several expressions is shown at the unknown mark.
                Ok(mut value) => {
                    place_composed(&mut value, at);
                    return value;
                }
                Err(stop) => stop,
            },
            None => Stop::new(AfterApply::Unexplained),
        };
        stop.unknown(render(path), at)
    }

    /// The value of the unknown attribute at `path` of `owner`, whose configuration expression
    /// is `expr`.
    fn attribute(&self, owner: &Owner<'_>, path: &[Step], expr: &Json) -> Result<Value, Stop> {
        // A block unknown as a whole: each member through its own expression.
        if expr.as_array().is_some() {
            return self.expr(expr, owner.modules, 0).map(|(v, _)| v);
        }
        let reference = self.written_reference(owner, path, expr)?;
        match self.expr(expr, owner.modules, 0)? {
            (value, Known::AfterApply) => Ok(value),
            // Known at plan time, yet the attribute is not: something unknown is combined in.
            (_, Known::AtPlan) => Err(Stop::new(match reference {
                Some(reference) => AfterApply::CombinesKnown { reference },
                None => AfterApply::Unexplained,
            })),
        }
    }

    /// The one reference of the expression `expr` of the attribute at `path` of `owner`; an
    /// error when the `.tf` source beside the plan writes something else there.
    fn written_reference(
        &self,
        owner: &Owner<'_>,
        path: &[Step],
        expr: &Json,
    ) -> Result<Option<String>, Stop> {
        let Some(refs) = expr.get("references").and_then(Json::as_array) else {
            return Ok(None);
        };
        let refs: Vec<&str> = refs.iter().filter_map(Json::as_str).collect();
        let Some(reference) = single_reference(&refs) else {
            return Ok(None);
        };
        let modules: Vec<String> = owner.modules.iter().map(|m| m.name.clone()).collect();
        match self
            .tf
            .reference_at(&modules, owner.resource_type, owner.name, path)
        {
            Some(Some(written)) if written == reference => Ok(Some(reference.to_string())),
            Some(_) => Err(Stop::new(AfterApply::MoreThanReference {
                reference: reference.to_string(),
            })),
            None => Ok(Some(reference.to_string())),
        }
    }

    /// The plan's `resource_changes` entry for `address`, if there is one.
    fn resource_change(&self, address: &str) -> Option<&Json> {
        self.root
            .get("resource_changes")
            .and_then(Json::as_array)?
            .iter()
            .find(|rc| rc.get("address").and_then(Json::as_str) == Some(address))
    }

    fn config_module(&self, modules: &[ModuleStep]) -> Option<&Json> {
        let mut module = self.root.get("configuration")?.get("root_module")?;
        for step in modules {
            module = module.get("module_calls")?.get(&step.name)?.get("module")?;
        }
        Some(module)
    }

    /// The configuration expression of the attribute at `path` of `owner`.
    fn expression(&self, owner: &Owner<'_>, path: &[Step]) -> Option<&Json> {
        let module = self.config_module(owner.modules)?;
        let resource = module.get("resources")?.as_array()?.iter().find(|r| {
            r.get("mode").and_then(Json::as_str) != Some("data")
                && r.get("type").and_then(Json::as_str) == Some(owner.resource_type)
                && r.get("name").and_then(Json::as_str) == Some(owner.name)
        })?;
        let mut expr = resource.get("expressions")?;
        for step in path {
            expr = match step {
                Step::Key(k) => expr.get(k)?,
                Step::Index(i) => expr.as_array()?.get(*i)?,
            };
        }
        Some(expr)
    }

    fn expr(
        &self,
        expr: &Json,
        modules: &[ModuleStep],
        depth: usize,
    ) -> Result<(Value, Known), Stop> {
        if depth > MAX_DEPTH {
            return Err(Stop::new(AfterApply::NestedTooDeeply));
        }
        if let Some(constant) = expr.get("constant_value") {
            return Ok((literal(constant, None, self.file), Known::AtPlan));
        }
        if let Some(refs) = expr.get("references").and_then(Json::as_array) {
            let refs: Vec<&str> = refs.iter().filter_map(Json::as_str).collect();
            return match single_reference(&refs) {
                Some(only) => self.reference(only, modules, depth),
                None if refs.is_empty() => Err(Stop::new(AfterApply::Unexplained)),
                None => Err(Stop::new(AfterApply::Combines {
                    references: refs.iter().map(|r| r.to_string()).collect(),
                })),
            };
        }
        // A nested block: a list of objects of expressions.
        if let Some(items) = expr.as_array() {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                out.push(self.block(item, modules, depth)?);
            }
            return Ok((Value::composed(Kind::Array(out)), Known::AfterApply));
        }
        Err(Stop::new(AfterApply::NotRecorded))
    }

    fn block(&self, block: &Json, modules: &[ModuleStep], depth: usize) -> Result<Value, Stop> {
        let members = block.members();
        if members.is_empty() {
            return Err(Stop::new(AfterApply::Unexplained));
        }
        let mut out = Vec::with_capacity(members.len());
        for m in members {
            let value = self
                .expr(&m.value, modules, depth + 1)
                .map(|(v, _)| v)
                .unwrap_or_else(|stop| stop.unknown(m.key.to_string(), span(&m.value, self.file)));
            out.push((m.key.to_string(), value));
        }
        Ok(Value::composed(Kind::Object(out)))
    }

    fn reference(
        &self,
        reference: &str,
        modules: &[ModuleStep],
        depth: usize,
    ) -> Result<(Value, Known), Stop> {
        // `data.x.y[0].id` and `data.x.y["k"].id`: the instance key is not followed.
        let plain: String = strip_keys(reference);
        let parts: Vec<&str> = plain.split('.').collect();
        match parts.as_slice() {
            ["var", name, ..] => self.variable(name, modules, depth),
            ["data", resource_type, name, attrs @ ..] => {
                let key = instance_key(reference, &format!("data.{resource_type}"), name);
                self.data_source(resource_type, &format!("{name}{key}"), attrs, modules)
            }
            ["local", name, ..] => Err(Stop::new(AfterApply::Local {
                name: name.to_string(),
            })),
            [resource_type, name, attrs @ ..] if is_resource_type(resource_type) => {
                let key = instance_key(reference, resource_type, name);
                self.managed(
                    reference,
                    resource_type,
                    &format!("{name}{key}"),
                    attrs,
                    modules,
                )
            }
            _ => Err(Stop::new(AfterApply::Reference {
                reference: reference.to_owned(),
            })),
        }
    }

    /// The attribute `attrs` (`id` when empty) of the managed resource `resource_type.name`
    /// (with its instance key) of the same plan: known at plan time when its planned value is;
    /// else its `id` composed from its planned arguments when the catalogue knows how.
    fn managed(
        &self,
        reference: &str,
        resource_type: &str,
        name: &str,
        attrs: &[&str],
        modules: &[ModuleStep],
    ) -> Result<(Value, Known), Stop> {
        let stop = || {
            Stop::new(AfterApply::Reference {
                reference: reference.to_owned(),
            })
        };
        let module = modules.last().map(|m| m.address.as_str());
        let address = compose(module, false, resource_type, name, None);
        let change = self.resource_change(&address).ok_or_else(stop)?;
        let at = span(change.get("address").unwrap_or(change), self.file);
        let hop = Hop {
            span: at,
            via: Subject::Resource(address.clone()),
        };
        let planned = change.get("change").ok_or_else(stop)?;
        let (after, unknown) = (planned.get("after"), planned.get("after_unknown"));
        let attrs: Vec<&str> = if attrs.is_empty() {
            vec!["id"]
        } else {
            attrs.to_vec()
        };
        let (mut value, mut marked) = (after, unknown);
        for attr in &attrs {
            value = value.and_then(|v| v.get(attr));
            marked = marked.and_then(|u| u.get(attr));
        }
        let is_unknown = |u: Option<&Json>| {
            u.is_some_and(|u| matches!(u.kind, crate::json::JsonKind::Bool(true)))
        };
        if !is_unknown(marked)
            && let Some(value) = value.filter(|v| !matches!(v.kind, crate::json::JsonKind::Null))
        {
            let sensitive = planned
                .get("after_sensitive")
                .and_then(|s| attrs.iter().try_fold(s, |s, attr| s.get(attr)));
            let mut v = literal(value, sensitive, self.file);
            v.origin.hops.push(hop);
            return Ok((v, Known::AtPlan));
        }
        let template = Catalog::builtin()
            .terraform_id(resource_type)
            .filter(|_| attrs == ["id"])
            .ok_or_else(stop)?;
        let mut v = compose_id(template, &address, after, unknown, Read::Resource);
        v.origin.hops.push(hop);
        Ok((v, Known::AfterApply))
    }

    fn variable(
        &self,
        name: &str,
        modules: &[ModuleStep],
        depth: usize,
    ) -> Result<(Value, Known), Stop> {
        let hop = |span: Span, via: Subject| Hop { span, via };
        let Some((call, parent)) = modules.split_last() else {
            let entry = self.root.get("variables").and_then(|v| v.get(name));
            let Some(value) = entry.and_then(|e| e.get("value")) else {
                return Err(Stop::new(AfterApply::VariableWithoutValue {
                    name: name.to_owned(),
                }));
            };
            let sensitive = self
                .config_module(&[])
                .and_then(|m| m.get("variables"))
                .and_then(|v| v.get(name))
                .and_then(|v| v.get("sensitive"))
                .is_some_and(|s| matches!(s.kind, crate::json::JsonKind::Bool(true)));
            let mut v = if sensitive {
                sensitive_value(span(value, self.file))
            } else {
                literal(value, None, self.file)
            };
            v.origin.hops.push(hop(
                span(value, self.file),
                Subject::Variable(name.to_owned()),
            ));
            return Ok((v, Known::AtPlan));
        };
        let input = ModuleVariable {
            name: name.to_owned(),
            module: call.address.clone(),
        };
        let passed = self
            .config_module(parent)
            .and_then(|m| m.get("module_calls"))
            .and_then(|c| c.get(&call.name))
            .and_then(|c| c.get("expressions"))
            .and_then(|e| e.get(name));
        match passed {
            Some(expr) => {
                let at = span(expr, self.file);
                // The `.tf` call beside the plan must pass exactly the one reference.
                let single = expr
                    .get("references")
                    .and_then(Json::as_array)
                    .map(|r| r.iter().filter_map(Json::as_str).collect::<Vec<_>>())
                    .and_then(|r| single_reference(&r).map(str::to_owned));
                if let Some(reference) = single {
                    let names: Vec<String> = parent.iter().map(|m| m.name.clone()).collect();
                    if let Some(written) = self.tf.module_argument(&names, &call.name, name)
                        && written.as_deref() != Some(reference.as_str())
                    {
                        let mut stop = Stop::new(AfterApply::MoreThanReference { reference });
                        stop.chain.insert(0, hop(at, Subject::ModuleInput(input)));
                        return Err(stop);
                    }
                }
                match self.expr(expr, parent, depth + 1) {
                    Ok((mut v, known)) => {
                        v.origin
                            .hops
                            .insert(0, hop(at, Subject::ModuleInput(input)));
                        Ok((v, known))
                    }
                    Err(mut stop) => {
                        stop.chain.insert(0, hop(at, Subject::ModuleInput(input)));
                        Err(stop)
                    }
                }
            }
            None => {
                let default = self
                    .config_module(modules)
                    .and_then(|m| m.get("variables"))
                    .and_then(|v| v.get(name))
                    .and_then(|v| v.get("default"));
                match default {
                    Some(d) => {
                        let mut v = literal(d, None, self.file);
                        v.origin
                            .hops
                            .push(hop(span(d, self.file), Subject::VariableDefault(input)));
                        Ok((v, Known::AtPlan))
                    }
                    None => Err(Stop::new(AfterApply::InputNotSet(input))),
                }
            }
        }
    }

    fn data_source(
        &self,
        resource_type: &str,
        name: &str,
        attrs: &[&str],
        modules: &[ModuleStep],
    ) -> Result<(Value, Known), Stop> {
        let module = modules.last().map(|m| m.address.as_str());
        let address = compose(module, true, resource_type, name, None);
        let attrs: Vec<&str> = if attrs.is_empty() {
            vec!["id"]
        } else {
            attrs.to_vec()
        };
        let read = self
            .root
            .get("prior_state")
            .and_then(|s| s.get("values"))
            .and_then(|v| v.get("root_module"))
            .and_then(|m| find_resource(m, &address, 0));
        if let Some(resource) = read {
            let (mut value, mut sensitive) =
                (resource.get("values"), resource.get("sensitive_values"));
            for attr in &attrs {
                // Blocks are lists of one object.
                value = value.map(|v| v.as_array().and_then(|a| a.first()).unwrap_or(v));
                sensitive = sensitive.map(|s| s.as_array().and_then(|a| a.first()).unwrap_or(s));
                value = value.and_then(|v| v.get(attr));
                sensitive = sensitive.and_then(|s| s.get(attr));
            }
            if let Some(value) = value.filter(|v| !matches!(v.kind, crate::json::JsonKind::Null)) {
                let mut v = literal(value, sensitive, self.file);
                let at = resource.get("address").unwrap_or(resource);
                v.origin.hops.push(Hop {
                    span: span(at, self.file),
                    via: Subject::DataSource(address),
                });
                return Ok((v, Known::AtPlan));
            }
            return Err(Stop::new(AfterApply::MissingAttribute {
                address,
                attribute: attrs.join("."),
            }));
        }
        let deferred = self.resource_change(&address);
        if let Some(change) = deferred.and_then(|rc| rc.get("change")) {
            // A read planned for apply may still know some attributes already.
            let (mut value, mut unknown, mut sensitive) = (
                change.get("after"),
                change.get("after_unknown"),
                change.get("after_sensitive"),
            );
            for attr in &attrs {
                value = value.and_then(|v| v.get(attr));
                unknown = unknown.and_then(|u| u.get(attr));
                sensitive = sensitive.and_then(|s| s.get(attr));
            }
            let known =
                unknown.is_none_or(|u| !matches!(u.kind, crate::json::JsonKind::Bool(true)));
            if let Some(value) =
                value.filter(|v| known && !matches!(v.kind, crate::json::JsonKind::Null))
            {
                let mut v = literal(value, sensitive, self.file);
                let at = deferred.and_then(|rc| rc.get("address")).unwrap_or(value);
                v.origin.hops.push(Hop {
                    span: span(at, self.file),
                    via: Subject::DataSource(address),
                });
                return Ok((v, Known::AtPlan));
            }
            // The `id` of a read planned for apply, composed from its planned arguments when
            // the catalogue knows how (a data source's `id` has its resource's form).
            let template = Catalog::builtin()
                .terraform_id(resource_type)
                .filter(|_| attrs == ["id"]);
            if let Some(template) = template {
                let mut v = compose_id(
                    template,
                    &address,
                    change.get("after"),
                    change.get("after_unknown"),
                    Read::DataSource,
                );
                let at = deferred.and_then(|rc| rc.get("address")).unwrap_or(change);
                v.origin.hops.push(Hop {
                    span: span(at, self.file),
                    via: Subject::DataSource(address),
                });
                return Ok((v, Known::AfterApply));
            }
        }
        Err(Stop::new(if deferred.is_some() {
            AfterApply::ReadDuringApply { address }
        } else {
            AfterApply::UnrecordedDataSource { address }
        }))
    }
}

/// The `id` of the resource (or data source) at `address`, composed by `template` from its
/// planned arguments `after` (those marked in `unknown`, the subscription, and unset ones stay
/// unknown).
fn compose_id(
    template: &str,
    address: &str,
    after: Option<&Json>,
    unknown: Option<&Json>,
    read: Read,
) -> Value {
    let is_unknown =
        |u: Option<&Json>| u.is_some_and(|u| matches!(u.kind, crate::json::JsonKind::Bool(true)));
    let hole = || {
        Part::Hole(Why::new(Cause::KnownAfterApply {
            attribute: format!("{address}.id"),
            detail: AfterApply::Unexplained,
        }))
    };
    let mut parts = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        parts.push(Part::Text(rest[..open].to_string()));
        let close = rest[open..].find('}').map_or(rest.len(), |c| open + c);
        let argument = &rest[open + 1..close];
        let known = (argument != "subscription")
            .then(|| after.and_then(|a| a.get(argument)).and_then(Json::as_str))
            .flatten()
            .filter(|_| !is_unknown(unknown.and_then(|u| u.get(argument))))
            .filter(|s| !s.is_empty());
        let known = known.map(|s| match read {
            // `data.azurerm_shared_image_version` reads the newest version for `latest` and
            // the most recently created for `recent`: either way whatever is newest at apply.
            Read::DataSource if argument == "name" && s.eq_ignore_ascii_case("recent") => "latest",
            _ => s,
        });
        parts.push(known.map_or_else(hole, |s| Part::Text(s.to_string())));
        rest = rest.get(close + 1..).unwrap_or("");
    }
    parts.push(Part::Text(rest.to_string()));
    Value::composed(Kind::Partial(parts))
}

/// Whose `id` is composed: a managed resource's, or a data source's (which reads an existing
/// object, possibly by an alias such as a version named `recent`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Read {
    Resource,
    DataSource,
}

/// Gives composed values (blocks resolved member by member) the unknown mark as their site.
fn place_composed(value: &mut Value, at: Span) {
    if value.origin.site.is_some() {
        return;
    }
    value.origin.site = Some(at);
    match &mut value.kind {
        Kind::Array(items) => items.iter_mut().for_each(|v| place_composed(v, at)),
        Kind::Object(members) => members.iter_mut().for_each(|(_, v)| place_composed(v, at)),
        _ => {}
    }
}

/// The instance key written after `<prefix>.<name>` in `reference` (the prefix is the type,
/// `data.<type>` for a data source), e.g. `["k"]`.
fn instance_key<'a>(reference: &'a str, prefix: &str, name: &str) -> &'a str {
    let start = prefix.len() + 1 + name.len();
    match reference.get(start..) {
        Some(rest) if rest.starts_with('[') => {
            let end = super::address::skip_index(rest.as_bytes(), 0);
            &rest[..end]
        }
        _ => "",
    }
}

fn strip_keys(reference: &str) -> String {
    let mut out = String::with_capacity(reference.len());
    let mut depth = 0usize;
    let mut quoted = false;
    let mut escaped = false;
    for c in reference.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' if depth > 0 => quoted = !quoted,
            '[' if !quoted => depth += 1,
            ']' if !quoted && depth > 0 => depth -= 1,
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// Whether the first word of a reference is a resource type (`azurerm_image`), not one of
/// Terraform's other namespaces.
fn is_resource_type(word: &str) -> bool {
    word.contains('_')
        && !matches!(
            word,
            "var" | "local" | "module" | "data" | "path" | "terraform" | "count" | "each" | "self"
        )
}

/// The one value an expression's `references` name, when they all name the same thing:
/// Terraform lists a reference and its containing objects (`data.x.y.id`, `data.x.y`). An
/// expression that combines several values (a conditional, a function of two variables) is not
/// resolved: the plan does not record how they are combined.
fn single_reference<'a>(refs: &[&'a str]) -> Option<&'a str> {
    let longest = refs.iter().copied().max_by_key(|r| r.len())?;
    let contained = |r: &str| {
        longest == r
            || longest
                .strip_prefix(r)
                .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
    };
    refs.iter().all(|r| contained(r)).then_some(longest)
}

/// The resource at `address` in a state module or its children.
fn find_resource<'a>(module: &'a Json, address: &str, depth: usize) -> Option<&'a Json> {
    if depth > crate::json::MAX_DEPTH {
        return None;
    }
    let here = module
        .get("resources")
        .and_then(Json::as_array)
        .and_then(|rs| {
            rs.iter()
                .find(|r| r.get("address").and_then(Json::as_str) == Some(address))
        });
    here.or_else(|| {
        module
            .get("child_modules")
            .and_then(Json::as_array)?
            .iter()
            .find_map(|c| find_resource(c, address, depth + 1))
    })
}
