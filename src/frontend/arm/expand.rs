//! Template expansion: resources found and evaluated the way Azure Resource Manager would.
//!
//! Walks `resources` (arrays, child resources, languageVersion 2.0 symbolic names), honours
//! `condition` and `copy` (bounded), follows inline nested deployments in their inner or outer
//! expression scope and local linked templates (`templateLink.relativePath`, loaded on
//! demand by [`super::links`]), and evaluates the image and plan properties of each image-bearing
//! resource with the evaluator.

use super::links::{Linked, artifact_relative};
use crate::catalog::{Catalog, Entry};
use crate::eval::{DeploymentScope, ParameterValues, Scope};
use crate::json::{Json, JsonKind, Member};
use crate::model::{Note, NoteKind, Resource};
use crate::source::{FileId, SourceMap, Span};
use crate::value::{Kind, Value};

/// Most instances judged per copy loop; a note says when the bound cuts.
pub const MAX_COPY_INSTANCES: i64 = 1000;
/// Deepest chain of nested and linked deployments followed.
const MAX_NESTING: usize = 16;
/// Most resources taken from one template (all loops and nestings together).
const MAX_RESOURCES: usize = 20_000;

/// What expanding one template in one context produced.
#[derive(Debug, Default)]
pub struct Expanded {
    /// The image-bearing resources.
    pub resources: Vec<Resource>,
    /// Notes (bounds reached, links not followed).
    pub notes: Vec<Note>,
    /// Malformed expressions met on the way.
    pub expression_errors: Vec<(Span, String)>,
}

/// Expands the template `root` of `file` with the parameter values `supplied`.
pub fn expand(
    sources: &SourceMap,
    linked: &Linked<'_>,
    file: FileId,
    root: &Json,
    supplied: ParameterValues,
    deployment: &DeploymentScope,
) -> Expanded {
    let source = linked.source(sources, file);
    let scope = Scope::new(root, file, &source.text, supplied, deployment.clone());
    let mut walker = Walker {
        sources,
        linked,
        deployment,
        catalog: Catalog::builtin(),
        out: Expanded::default(),
        chain: vec![file],
    };
    if let Some(resources) = root.get("resources") {
        let top = Place {
            file,
            parent: None,
            prefix: "",
            depth: 0,
        };
        walker.resources(&scope, resources, top);
    }
    walker.finish_scope(
        &scope,
        Span::new(file, root.start as usize, root.start as usize),
    );
    walker.out
}

struct Parent {
    resource_type: String,
    name: String,
}

/// Where a resource declaration sits: its file, its parent resource, the identity prefix of
/// the deployments around it, and how deep those are nested.
#[derive(Clone, Copy)]
struct Place<'p> {
    file: FileId,
    parent: Option<&'p Parent>,
    prefix: &'p str,
    depth: usize,
}

struct Walker<'a> {
    sources: &'a SourceMap,
    linked: &'a Linked<'a>,
    deployment: &'a DeploymentScope,
    catalog: &'static Catalog,
    out: Expanded,
    /// The files of the current chain of linked templates (cycle detection).
    chain: Vec<FileId>,
}

impl Walker<'_> {
    fn note(&mut self, span: Span, kind: NoteKind) {
        self.out.notes.push(Note {
            span: Some(span),
            kind,
        });
    }

    fn resources<'s>(&mut self, scope: &Scope<'s>, node: &'s Json, at: Place<'_>) {
        if let Some(items) = node.as_array() {
            for item in items {
                self.resource(scope, item, None, at);
            }
        } else {
            for member in node.members() {
                self.resource(scope, &member.value, Some(&member.key), at);
            }
        }
    }

    fn resource<'s>(
        &mut self,
        scope: &Scope<'s>,
        node: &'s Json,
        symbol: Option<&str>,
        at: Place<'_>,
    ) {
        if !node.is_object() || self.out.resources.len() >= MAX_RESOURCES {
            return;
        }
        if node
            .get("existing")
            .is_some_and(|e| e.kind == JsonKind::Bool(true))
        {
            return;
        }
        if !self.relevant(node, at.parent) {
            return;
        }
        let span = Span::new(at.file, node.start as usize, node.end as usize);
        match node.get("copy").filter(|c| c.is_object()) {
            None => self.instance(scope, node, symbol, at),
            Some(copy) => {
                let name = copy.get("name").and_then(Json::as_str).unwrap_or("");
                let count = copy.get("count").map(|c| scope.eval_node(c));
                let n = match count.as_ref().map(|c| &c.kind) {
                    Some(Kind::Int(n)) => *n,
                    // An unknown count: judge the declaration once, as its first instance.
                    _ => 1,
                };
                if n > MAX_COPY_INSTANCES {
                    self.note(
                        span,
                        NoteKind::CopyLoopCut {
                            name: name.to_owned(),
                            instances: n,
                            judged: MAX_COPY_INSTANCES,
                        },
                    );
                }
                for i in 0..n.clamp(0, MAX_COPY_INSTANCES) {
                    let inner = scope.with_copy_index(name, i);
                    self.instance(&inner, node, symbol, at);
                }
            }
        }
    }

    fn instance<'s>(
        &mut self,
        scope: &Scope<'s>,
        node: &'s Json,
        symbol: Option<&str>,
        at: Place<'_>,
    ) {
        let Place {
            file,
            parent,
            prefix,
            depth,
        } = at;
        if let Some(condition) = node.get("condition")
            && scope.eval_node(condition).kind == Kind::Bool(false)
        {
            return;
        }
        let written_type = node.get("type").and_then(Json::as_str).unwrap_or("");
        let written_name = node.get("name").and_then(Json::as_str).unwrap_or("");
        let name_value = node.get("name").map(|n| scope.eval_node(n));
        let evaluated_name = name_value
            .as_ref()
            .filter(|v| !v.has_unknown())
            .map(Value::display);
        let (resource_type, name) = compose(
            parent,
            written_type,
            evaluated_name.as_deref().unwrap_or(written_name),
        );
        let identity = match symbol {
            Some(s) => format!("{prefix}{s}"),
            None => format!("{prefix}{resource_type}/{written_name}"),
        };
        let span = Span::new(file, node.start as usize, node.end as usize);

        if let Some(entry) = self.catalog.arm(&resource_type) {
            self.out.resources.push(Resource {
                resource_type: resource_type.clone(),
                name: super::text::clip(&name),
                span,
                body: body(scope, node, entry),
                identity: identity.clone(),
                assumption: None,
            });
        }
        if let Some(children) = node.get("resources") {
            let me = Parent {
                resource_type: resource_type.clone(),
                name,
            };
            let child = Place {
                parent: Some(&me),
                ..at
            };
            self.resources(scope, children, child);
        }
        if resource_type.eq_ignore_ascii_case("Microsoft.Resources/deployments")
            && let Some(properties) = node.get("properties")
        {
            self.deployment(scope, file, properties, span, &identity, depth);
        }
    }

    /// Collects a finished scope's expression errors, and notes an exhausted step budget (the
    /// images that needed more work are unknown, and say so).
    fn finish_scope(&mut self, scope: &Scope<'_>, span: Span) {
        self.out.expression_errors.extend(scope.take_errors());
        let budget = crate::eval::Limits::default().max_steps;
        if scope.steps_used() >= budget {
            self.note(span, NoteKind::StepBudgetExhausted { steps: budget });
        }
    }

    /// Whether a resource can matter: it carries an image, has child resources, or is a
    /// deployment. Everything else (networks, storage, extensions…) is skipped before any
    /// evaluation.
    fn relevant(&self, node: &Json, parent: Option<&Parent>) -> bool {
        if node.get("resources").is_some() {
            return true;
        }
        let Some(written) = node.get("type").and_then(Json::as_str) else {
            return false;
        };
        if written.eq_ignore_ascii_case("Microsoft.Resources/deployments") {
            return true;
        }
        let (full, _) = compose(parent, written, "");
        self.catalog.arm(&full).is_some()
    }

    /// Follows a nested (inline) or linked (relativePath) deployment.
    fn deployment<'s>(
        &mut self,
        scope: &Scope<'s>,
        file: FileId,
        properties: &'s Json,
        span: Span,
        identity: &str,
        depth: usize,
    ) {
        if depth >= MAX_NESTING {
            self.note(
                span,
                NoteKind::NestingTooDeep {
                    levels: MAX_NESTING,
                },
            );
            return;
        }
        let prefix = format!("{identity}>");
        let inner_scope = properties
            .get("expressionEvaluationOptions")
            .and_then(|o| o.get("scope"))
            .and_then(Json::as_str)
            .is_some_and(|s| s.eq_ignore_ascii_case("inner"));
        if let Some(template) = properties.get("template").filter(|t| t.is_object()) {
            let Some(resources) = template.get("resources") else {
                return;
            };
            if inner_scope {
                let supplied = passed_parameters(scope, properties);
                let source = self.linked.source(self.sources, file);
                let inner = Scope::new(
                    template,
                    file,
                    &source.text,
                    supplied,
                    self.deployment.clone(),
                );
                self.resources(&inner, resources, nested(file, &prefix, depth));
                self.finish_scope(&inner, span);
            } else {
                // Outer scope: the nested template's expressions see the parent's parameters
                // and variables.
                self.resources(scope, resources, nested(file, &prefix, depth));
            }
            return;
        }
        let Some(link) = properties.get("templateLink") else {
            return;
        };
        let (from, relative) = if let Some(relative) = link.get("relativePath") {
            let relative = scope.eval_node(relative);
            let Some(relative) = relative.as_str() else {
                self.note(span, NoteKind::LinkPathUnknown);
                return;
            };
            (file, relative.to_string())
        } else if let Some(uri) = link.get("uri") {
            match artifact_relative(&scope.eval_node(uri)) {
                Some((base, relative)) => (base, relative),
                None => {
                    self.note(span, NoteKind::LinkIsUri);
                    return;
                }
            }
        } else {
            self.note(span, NoteKind::LinkIsTemplateSpec);
            return;
        };
        let relative = relative.as_str();
        match self.linked.get(self.sources, from, relative) {
            Ok((target, root, source)) => {
                if self.chain.contains(&target) {
                    self.note(
                        span,
                        NoteKind::LinkCycle {
                            relative: relative.to_owned(),
                        },
                    );
                    return;
                }
                let Some(resources) = root.get("resources") else {
                    return;
                };
                let supplied = passed_parameters(scope, properties);
                let inner = Scope::new(
                    &root,
                    target,
                    &source.text,
                    supplied,
                    self.deployment.clone(),
                );
                self.chain.push(target);
                self.resources(&inner, resources, nested(target, &prefix, depth));
                self.chain.pop();
                self.finish_scope(&inner, span);
            }
            Err(why) => self.note(
                span,
                NoteKind::LinkRefused {
                    relative: relative.to_owned(),
                    why,
                },
            ),
        }
    }
}

/// The parameters a deployment passes to its template. Each `value` is evaluated in the
/// caller's scope when the template first reads it.
fn passed_parameters<'s>(scope: &Scope<'s>, properties: &'s Json) -> ParameterValues<'s> {
    let mut supplied = ParameterValues::new();
    let Some(parameters) = properties.get("parameters") else {
        return supplied;
    };
    match &parameters.kind {
        JsonKind::Object(_) => {
            for member in parameters.members() {
                let entry = &member.value;
                if let Some(value) = entry.get("value") {
                    supplied.insert_deferred(&member.key, value, scope);
                } else if entry.get("reference").is_some() {
                    let span = Span::new(scope.file(), entry.start as usize, entry.end as usize);
                    supplied.insert_key_vault(&member.key, span);
                }
            }
        }
        _ => {
            // `parameters` as one expression: each known member becomes a value.
            let value = scope.eval_node(parameters);
            if let Kind::Object(members) = value.kind {
                for (key, entry) in members {
                    if let Some(v) = entry.get("value") {
                        supplied.insert(&key, v.clone());
                    }
                }
            }
        }
    }
    supplied
}

/// The place of the resources of a deployment nested at `depth`.
fn nested<'p>(file: FileId, prefix: &'p str, depth: usize) -> Place<'p> {
    Place {
        file,
        parent: None,
        prefix,
        depth: depth + 1,
    }
}

/// The parts of the resource object that the catalogue `entry` reads (its image and plan
/// paths), evaluated. Literal objects on the way are descended by key without being evaluated
/// as a whole; anything else met on the way (an expression, an array, an object with a
/// property `copy` loop or a computed key) is evaluated whole, so the values at the paths are
/// exactly those of a full evaluation. The rest of the resource (OS profile, network, custom
/// data scripts…) is never evaluated: it cannot change the image.
fn body(scope: &Scope<'_>, node: &Json, entry: &Entry) -> Value {
    let paths: Vec<Vec<&str>> = entry
        .images
        .iter()
        .map(|i| i.path.as_str())
        .chain(entry.plan.as_deref())
        .map(|p| p.split('.').collect())
        .collect();
    let paths: Vec<&[&str]> = paths.iter().map(Vec::as_slice).collect();
    // The resource object itself: its child `resources` and its `copy` are not properties.
    let members = match &node.kind {
        JsonKind::Object(members) => members.as_slice(),
        _ => &[],
    };
    let members = members.iter().filter(|m| {
        !m.key.eq_ignore_ascii_case("resources") && !m.key.eq_ignore_ascii_case("copy")
    });
    let span = Span::new(scope.file(), node.start as usize, node.end as usize);
    Value::literal(Kind::Object(along(scope, members, &paths)), span)
}

/// The members of an object on the way to `paths` (each relative to it, none empty). Of
/// duplicated keys (compared ASCII-case-insensitively) the last wins, as everywhere in ARM.
fn along<'j>(
    scope: &Scope<'_>,
    members: impl Iterator<Item = &'j Member> + Clone,
    paths: &[&[&str]],
) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = Vec::new();
    for (i, path) in paths.iter().enumerate() {
        let key = path[0];
        if paths[..i].iter().any(|p| p[0].eq_ignore_ascii_case(key)) {
            continue;
        }
        let matching = members.clone().filter(|m| m.key.eq_ignore_ascii_case(key));
        let Some(member) = matching.last() else {
            continue;
        };
        let rest: Vec<&[&str]> = paths[i..]
            .iter()
            .filter(|p| p[0].eq_ignore_ascii_case(key))
            .map(|p| &p[1..])
            .collect();
        let value = if rest.iter().any(|p| p.is_empty()) {
            scope.eval_node(&member.value)
        } else {
            descend(scope, &member.value, &rest)
        };
        out.push((member.key.to_string(), value));
    }
    out
}

/// `node` evaluated as far as `paths` (relative to it, none empty) need.
fn descend(scope: &Scope<'_>, node: &Json, paths: &[&[&str]]) -> Value {
    let JsonKind::Object(members) = &node.kind else {
        return scope.eval_node(node);
    };
    let literal_keys = members
        .iter()
        .all(|m| !m.key.eq_ignore_ascii_case("copy") && !m.key.starts_with('['));
    if !literal_keys {
        return scope.eval_node(node);
    }
    let span = Span::new(scope.file(), node.start as usize, node.end as usize);
    Value::literal(Kind::Object(along(scope, members.iter(), paths)), span)
}

/// Composes a child resource's full type and name with its parent's, as Azure does.
fn compose(parent: Option<&Parent>, written_type: &str, name: &str) -> (String, String) {
    let Some(parent) = parent else {
        return (written_type.to_string(), name.to_string());
    };
    let resource_type = if written_type.contains('/') {
        written_type.to_string()
    } else {
        format!("{}/{written_type}", parent.resource_type)
    };
    let name = if name.contains('/') {
        name.to_string()
    } else {
        format!("{}/{name}", parent.name)
    };
    (resource_type, name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::{DeploymentScope, ParameterValues};

    /// The whole resource object evaluated, as expansion did before it evaluated only the
    /// catalogue's paths: the reference the pruned [`body`] must agree with.
    fn full_body(scope: &Scope<'_>, node: &Json) -> Value {
        let members = node
            .members()
            .into_iter()
            .filter(|m| {
                !m.key.eq_ignore_ascii_case("resources") && !m.key.eq_ignore_ascii_case("copy")
            })
            .map(|m| (m.key.to_string(), scope.eval_node(&m.value)))
            .collect();
        let span = Span::new(scope.file(), node.start as usize, node.end as usize);
        Value::literal(Kind::Object(members), span)
    }

    /// The value at a dotted path, descending objects by key (the last duplicate wins, as in
    /// an evaluated object), or `None` when something on the way is not an object.
    fn at<'v>(mut value: &'v Value, path: &str) -> Option<&'v Value> {
        for key in path.split('.') {
            match &value.kind {
                Kind::Object(members) => {
                    value = members
                        .iter()
                        .rev()
                        .find(|(k, _)| k.eq_ignore_ascii_case(key))
                        .map(|(_, v)| v)?;
                }
                _ => return Some(value),
            }
        }
        Some(value)
    }

    /// Checks every catalogued resource object in `text`: the pruned body holds, at every
    /// image and plan path, exactly what the full evaluation holds. Returns how many resources
    /// were compared.
    fn compare(text: &str) -> usize {
        let root = crate::json::parse(text).expect("fixture parses");
        let scope = Scope::new(
            &root,
            FileId(0),
            text,
            ParameterValues::new(),
            DeploymentScope::default(),
        );
        let catalog = Catalog::builtin();
        let mut compared = 0;
        let mut stack = vec![&root];
        while let Some(node) = stack.pop() {
            match &node.kind {
                JsonKind::Array(items) => stack.extend(items),
                JsonKind::Object(members) => {
                    stack.extend(members.iter().map(|m| &m.value));
                    let written = node.get("type").and_then(Json::as_str).unwrap_or("");
                    if let Some(entry) = catalog.arm(written) {
                        let pruned = body(&scope, node, entry);
                        let full = full_body(&scope, node);
                        let paths = entry
                            .images
                            .iter()
                            .map(|i| i.path.as_str())
                            .chain(entry.plan.as_deref());
                        for path in paths {
                            assert_eq!(
                                at(&pruned, path),
                                at(&full, path),
                                "`{path}` of the `{written}` at byte {}",
                                node.start
                            );
                        }
                        compared += 1;
                    }
                }
                _ => {}
            }
        }
        compared
    }

    #[test]
    fn pruned_bodies_agree_with_full_evaluation_on_every_fixture() {
        let mut compared = 0;
        let mut dirs = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/testdata/arm"
        ))];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "json")
                    && let Ok(bytes) = std::fs::read(&path)
                    && let Ok((text, _)) = crate::source::decode(bytes)
                    && text.contains("deploymentTemplate")
                    && crate::json::parse(&text).is_ok()
                {
                    compared += compare(&text);
                }
            }
        }
        assert!(compared >= 20, "only {compared} resources compared");
    }

    #[test]
    fn pruned_bodies_agree_with_full_evaluation_on_awkward_shapes() {
        let text = r#"{
  "parameters": { "img": { "type": "object", "defaultValue": { "id": "/x/images/a" } } },
  "variables": { "storage": { "imageReference": "[parameters('img')]" } },
  "resources": [
    { "type": "Microsoft.Compute/virtualMachines", "name": "expression-profile",
      "properties": { "storageProfile": "[variables('storage')]" } },
    { "type": "Microsoft.Compute/virtualMachines", "name": "expression-properties",
      "properties": "[createObject('storageProfile', variables('storage'))]" },
    { "type": "Microsoft.Compute/virtualMachines", "name": "property-copy",
      "properties": { "storageProfile": {
        "copy": [ { "name": "imageReference", "count": 1, "input": { "id": "[concat('/y/', string(copyIndex('imageReference')))]" } } ],
        "osDisk": { "createOption": "FromImage" } } } },
    { "type": "Microsoft.Compute/virtualMachines", "name": "duplicated-keys",
      "PROPERTIES": { "storageProfile": { "imagereference": { "id": "/first" } } },
      "properties": { "StorageProfile": { "imageReference": { "id": "/second" }, "IMAGEREFERENCE": { "id": "/third" } } } },
    { "type": "Microsoft.Compute/virtualMachines", "name": "escaped-and-computed-keys",
      "properties": { "storageProfile": { "[[literal": 1, "[concat('image', 'Reference')]": { "id": "/computed" } } } },
    { "type": "Microsoft.Compute/virtualMachines", "name": "arrays-on-the-way",
      "properties": [ { "storageProfile": { "imageReference": { "id": "/in-array" } } } ] },
    { "type": "Microsoft.Compute/virtualMachines", "name": "malformed-elsewhere",
      "properties": { "osProfile": { "customData": "[base64(concat('a', )]" },
                      "storageProfile": { "imageReference": { "id": "[parameters('missing')]" } } },
      "plan": { "name": "[toLower('SKU')]", "publisher": "p", "product": "o" } },
    { "type": "Microsoft.Compute/virtualMachineScaleSets", "name": "deep",
      "properties": { "virtualMachineProfile": { "storageProfile": { "osDisk": { "image": { "uri": "[concat('https://', 'x')]" } } } } } }
  ]
}"#;
        assert_eq!(compare(text), 8);
    }
}
