//! ARM template JSON lowered into the evaluator's [`ir::Template`].
//!
//! This is where ARM's syntax is interpreted: `parameters.*.defaultValue`/`allowedValues`/
//! `nullable`, `variables` with their `copy` arrays, `functions` namespaces, `resources` as
//! arrays or languageVersion 2.0 symbolic-name objects with child `resources`, `condition`,
//! `copy` and `existing`, nested deployments (`template`, `templateLink`, `parameters`,
//! `expressionEvaluationOptions`), strings that are expressions (`[...]`, with `[[` escaping a
//! literal bracket) and property `copy` loops. Duplicate keys keep the last, compared
//! ASCII-case-insensitively, as Azure does.
//!
//! Only what can decide a judgement is lowered of a resource: the resources that carry an
//! image (with the catalogue's and the rules' paths), the resources that contain others, and
//! deployments. A VM's OS profile, network profile or custom-data script cannot change its
//! image and is never looked at.

use crate::catalog::{Catalog, Entry, Section};
use crate::eval::expr::{Classified, Expr, ExprKind, classify};
use crate::eval::ir::{
    ComputedKey, Container, CopyLoop, DeployedTemplate, ExprText, Function, Key,
    ManagedApplication, NestedDeployment, Node, NodeKind, Parameter, PassedParameters, PassedValue,
    Property, ResourceDecl, ResourceLoop, Template, Text, UnseenTemplate, Variable, VariableValue,
};
use crate::frontend::KeepPaths;
use crate::json::{self, Json, JsonKind, Member, Number};
use crate::source::{FileId, Span};
use crate::value::{Cause, Unavailable};
use std::cell::RefCell;
use std::rc::Rc;

/// Lowers the template whose root object is `root`, parsed from `text` (file `file`), keeping
/// `keep`'s paths of the image-bearing resources besides the catalogue's.
pub(crate) fn template(root: &Json, file: FileId, text: &str, keep: &KeepPaths) -> Template {
    Lowering::new(file, text, keep).template(root, true)
}

/// Parses the template `text` (a document of at most `max_values` values) as
/// [`json::parse_within`] does, with the same errors, but without building what lowering
/// ([`template`]) never reads of it: its `outputs` and type `definitions`, of each parameter
/// all but its default, allowed values and nullability, and the top-level resources that
/// cannot matter ([`may_matter`]: a network, a storage account… nor an `existing` one), each
/// of which is a `null` in the tree.
pub(crate) fn parse_template(text: &str, max_values: usize) -> Result<Json, json::ParseError> {
    let catalog = Catalog::builtin();
    let keep = |e: json::Element<'_>| !e.existing && may_matter(catalog, e.kind, e.children);
    let prune = json::Prune {
        left_out: &["outputs", "definitions"],
        declarations: "parameters",
        declared: &["defaultValue", "allowedValues", "nullable"],
        judged: "resources",
        keep: &keep,
    };
    json::parse_pruned_within(text, &prune, max_values)
}

/// Whether a resource declaration of type `resource_type` (composed with its parent's), with
/// child `resources` or not, can matter to a judgement: it carries an image, contains
/// templates, or has children (which may). Any other is never lowered.
fn may_matter(catalog: &Catalog, resource_type: &str, children: bool) -> bool {
    children || Container::of(resource_type).is_some() || catalog.arm(resource_type).is_some()
}

/// Deepest chain of templates published with a template spec that link each other, lowered
/// (as deep as nested deployments are followed).
const MAX_PUBLISHED_NESTING: u32 = 16;

/// The templates published with a template another holds (a template spec version's
/// `linkedTemplates`, by their paths; none for a deployment stack's or a managed application
/// definition's template), each lowered once, when first linked.
struct Published<'a> {
    /// The lowering of the template that declares the container: a published template
    /// carried by one of its variables is that variable's value.
    outer: Lowering<'a>,
    /// Each template's path (resolved: no `.` or `..` steps) and its value.
    entries: Vec<(String, &'a Json)>,
    /// The positions in `entries` of each path.
    by_path: foldhash::HashMap<String, Vec<usize>>,
    /// How far each is lowered.
    lowered: RefCell<Vec<Lowered>>,
}

/// How far a published template is lowered.
enum Lowered {
    /// Not linked yet.
    Not,
    /// Being lowered (a link to it now is a cycle).
    Lowering,
    /// Lowered.
    Done(Rc<Template>),
}

impl<'a> Published<'a> {
    /// The templates of `linked` (`[{path, template}]`), for a container declared in the
    /// template `outer` lowers.
    fn new(outer: Lowering<'a>, linked: &'a [Json]) -> Self {
        let entries: Vec<(String, &'a Json)> = linked
            .iter()
            .filter_map(|entry| {
                let path = entry.get("path")?.as_str()?;
                Some((join("", path)?, entry.get("template")?))
            })
            .collect();
        let lowered = RefCell::new(entries.iter().map(|_| Lowered::Not).collect());
        let mut by_path: foldhash::HashMap<String, Vec<usize>> = foldhash::HashMap::default();
        for (i, (path, _)) in entries.iter().enumerate() {
            by_path.entry(path.clone()).or_default().push(i);
        }
        Published {
            outer,
            entries,
            by_path,
            lowered,
        }
    }
}

/// The path `relative` names from the template at `base` (both `/`-separated, relative to the
/// published set's root): `base`'s folder joined with it, `.` and `..` steps resolved; `None`
/// when it leaves the root or is not a relative path.
fn join(base: &str, relative: &str) -> Option<String> {
    let relative = relative.replace('\\', "/");
    if relative.starts_with('/') || relative.contains(':') {
        return None;
    }
    let mut steps: Vec<&str> = base.split('/').collect();
    steps.pop();
    for step in relative.split('/') {
        match step {
            "" | "." => {}
            ".." => {
                steps.pop()?;
            }
            step => steps.push(step),
        }
    }
    steps.retain(|s| !s.is_empty());
    Some(steps.join("/"))
}

/// A template that cannot be seen, why, and the property that says what is deployed.
fn unseen(span: Span, why: Unavailable, property: &'static str) -> DeployedTemplate {
    DeployedTemplate::Unseen(Box::new(UnseenTemplate {
        span,
        why,
        property,
    }))
}

#[derive(Clone, Copy)]
struct Lowering<'a> {
    file: FileId,
    text: &'a str,
    catalog: &'static Catalog,
    /// The paths the rules read of each image-bearing type, kept besides the catalogue's.
    keep: &'a KeepPaths,
    /// The `variables` of the template being lowered (a nested deployment's template may be
    /// one of them).
    variables: Option<&'a Json>,
    /// Whether this template is carried by a variable (Bicep's `loadJsonContent`) or held as
    /// a property value: its own expressions are escaped once there (`[[x]` is its expression
    /// `[x]`).
    escaped: bool,
    /// Whether this template is held as a property value by the template that declares its
    /// container (a template spec's `mainTemplate`, a deployment stack's `template`): an
    /// expression not escaped (`[x]`) is evaluated there, before this template is deployed,
    /// and is unknown here.
    published: bool,
    /// The templates published with it, which its relative links name (never files).
    linked: Option<&'a Published<'a>>,
    /// The path of this template among those published with it (`""` for the main one).
    base: &'a str,
    /// How many published templates link down to this one.
    depth: u32,
}

impl<'a> Lowering<'a> {
    /// Lowering of the templates of `file`, whose text is `text`.
    fn new(file: FileId, text: &'a str, keep: &'a KeepPaths) -> Self {
        Lowering {
            file,
            text,
            catalog: Catalog::builtin(),
            keep,
            variables: None,
            escaped: false,
            published: false,
            linked: None,
            base: "",
            depth: 0,
        }
    }

    fn span(&self, node: &Json) -> Span {
        Span::new(self.file, node.start as usize, node.end as usize)
    }

    fn key_span(&self, m: &Member) -> Span {
        Span::new(self.file, m.key_start as usize, m.key_end as usize)
    }

    /// A template; `declarations` false lowers its resources only (an outer-scope nested
    /// template sees the deploying template's parameters and variables, never its own).
    fn template(&self, root: &'a Json, declarations: bool) -> Template {
        // Its expressions see its own variables, unless it is an outer-scope template.
        let this = Lowering {
            variables: if declarations {
                root.get("variables")
            } else {
                self.variables
            },
            ..*self
        };
        let start = Span::new(self.file, root.start as usize, root.start as usize);
        let mut out = Template::empty(self.file, start);
        if let Some(resources) = root.get("resources") {
            out.has_resources = true;
            out.resources = this.resources(resources, None);
        }
        if !declarations {
            return out;
        }
        if let Some(parameters) = root.get("parameters") {
            for m in last_of_each(parameters) {
                let decl = &m.value;
                let parameter = Parameter {
                    name: m.key.clone(),
                    span: self.key_span(m),
                    default: decl.get("defaultValue").map(|d| self.node(d)),
                    allowed: decl
                        .get("allowedValues")
                        .and_then(Json::as_array)
                        .map(|a| a.iter().map(|v| self.data(v)).collect()),
                    nullable: decl
                        .get("nullable")
                        .is_some_and(|n| n.kind == JsonKind::Bool(true)),
                };
                out.parameters.insert(lower(&m.key), parameter);
            }
        }
        if let Some(variables) = root.get("variables") {
            for m in last_of_each(variables) {
                if m.key.eq_ignore_ascii_case("copy") && matches!(m.value.kind, JsonKind::Array(_))
                {
                    for entry in m.value.as_array().unwrap_or_default() {
                        if let Some(name) = entry.get("name")
                            && let Some(text) = name.as_str()
                        {
                            let variable = Variable {
                                name: text.into(),
                                span: self.span(name),
                                value: VariableValue::Loop(self.copy_loop(entry)),
                            };
                            out.variables.insert(lower(text), variable);
                        }
                    }
                } else {
                    let variable = Variable {
                        name: m.key.clone(),
                        span: self.key_span(m),
                        value: VariableValue::Node(self.node(&m.value)),
                    };
                    out.variables.insert(lower(&m.key), variable);
                }
            }
        }
        for namespace in root
            .get("functions")
            .and_then(Json::as_array)
            .unwrap_or_default()
        {
            let Some(prefix) = namespace.get("namespace").and_then(Json::as_str) else {
                continue;
            };
            let Some(members) = namespace.get("members") else {
                continue;
            };
            for m in last_of_each(members) {
                let definition = &m.value;
                let function = Function {
                    parameters: definition
                        .get("parameters")
                        .and_then(Json::as_array)
                        .unwrap_or_default()
                        .iter()
                        .filter_map(|p| p.get("name").and_then(Json::as_str).map(Text::from))
                        .collect(),
                    output: definition
                        .get("output")
                        .and_then(|o| o.get("value"))
                        .map(|v| self.node(v)),
                };
                out.functions
                    .insert(lower(&format!("{prefix}.{}", m.key)), function);
            }
        }
        out
    }

    /// The resources of a `resources` array, or of a symbolic-name object.
    fn resources(&self, node: &'a Json, parent_type: Option<&str>) -> Vec<ResourceDecl> {
        match node.as_array() {
            Some(items) => items
                .iter()
                .filter_map(|item| self.resource(item, None, parent_type))
                .collect(),
            None => node
                .members()
                .into_iter()
                .filter_map(|m| self.resource(&m.value, Some(&m.key), parent_type))
                .collect(),
        }
    }

    /// One resource declaration, or `None` when it cannot matter: not an object, a reference
    /// to an `existing` resource, or a type that carries no image and contains nothing that
    /// could (networks, storage, extensions…).
    fn resource(
        &self,
        node: &'a Json,
        symbol: Option<&Text>,
        parent_type: Option<&str>,
    ) -> Option<ResourceDecl> {
        if !node.is_object() {
            return None;
        }
        if node
            .get("existing")
            .is_some_and(|e| e.kind == JsonKind::Bool(true))
        {
            return None;
        }
        let written_type = node.get("type").and_then(Json::as_str).unwrap_or("");
        let resource_type = compose_type(parent_type, written_type);
        let children = node.get("resources");
        if !may_matter(self.catalog, &resource_type, children.is_some()) {
            return None;
        }
        let container = Container::of(&resource_type);
        let entry = self.catalog.arm(&resource_type);
        Some(ResourceDecl {
            span: self.span(node),
            symbol: symbol.cloned(),
            written_name: self.written_name(node).into(),
            name: node.get("name").map(|n| self.node(n)),
            condition: node.get("condition").map(|c| self.node(c)),
            copy: node
                .get("copy")
                .filter(|c| c.is_object())
                .map(|c| ResourceLoop {
                    name: c.get("name").and_then(Json::as_str).unwrap_or("").into(),
                    count: c.get("count").map(|n| self.node(n)),
                }),
            body: entry.map(|entry| {
                // Tags are kept of every image-bearing resource: the report groups by the
                // owner tag, and the tag rules read them.
                let mut extra = self.keep.of(Section::Arm, &resource_type).to_vec();
                if !extra.contains(&"tags") {
                    extra.push("tags");
                }
                self.body(node, entry, &extra)
            }),
            children: children.map(|c| self.resources(c, Some(&resource_type))),
            deployment: container
                .zip(node.get("properties"))
                .map(|(container, p)| self.deployment(container, node, p)),
            resource_type: resource_type.into(),
        })
    }

    /// The name of the resource `node` as written, for identities and messages: in a template
    /// another holds as a property, as that template has it once the holder unescaped it
    /// (`[[parameters('name')]` is its `[parameters('name')]`).
    fn written_name(&self, node: &'a Json) -> &'a str {
        let written = node.get("name").and_then(Json::as_str).unwrap_or("");
        match written.strip_prefix('[') {
            Some(once) if self.published && once.starts_with('[') => once,
            _ => written,
        }
    }

    /// What the resource `node`, a `container`, deploys: a nested deployment (its `template`
    /// or `templateLink`), a deployment stack (likewise, in its own scope), the `mainTemplate`
    /// a template spec version or a managed application definition publishes (with no
    /// parameters: judged as a template on its own is), or a managed application (the
    /// definition it names); with the `parameters` it passes.
    fn deployment(
        &self,
        container: Container,
        node: &'a Json,
        properties: &'a Json,
    ) -> NestedDeployment {
        // A deployment's template is evaluated in its own scope (`inner`) or in the deploying
        // template's; any other container's, in its own.
        let inner_scope = container != Container::Deployment
            || properties
                .get("expressionEvaluationOptions")
                .and_then(|o| o.get("scope"))
                .and_then(Json::as_str)
                .is_some_and(|s| s.eq_ignore_ascii_case("inner"));
        let key = match container {
            Container::SpecVersion | Container::Definition => "mainTemplate",
            _ => "template",
        };
        let linked = properties
            .get("linkedTemplates")
            .and_then(Json::as_array)
            .filter(|_| container == Container::SpecVersion)
            .unwrap_or_default();
        let published = Published::new(*self, linked);
        // The template a container other than a deployment holds is a property value: the
        // deploying template evaluates its expressions (`[x]`) and unescapes its own (`[[x]`).
        let holds = Lowering {
            escaped: true,
            published: true,
            linked: Some(&published),
            base: "",
            ..*self
        };
        let lowering = if container.carries_escaped() {
            holds
        } else {
            *self
        };
        let template = if container == Container::Application {
            DeployedTemplate::Application(Box::new(ManagedApplication {
                definition: properties
                    .get("applicationDefinitionId")
                    .map(|n| self.node(n)),
                plan: node.get("plan").map(|n| self.node(n)),
            }))
        } else if let Some(template) = properties.get(key).filter(|t| t.is_object()) {
            if template.get("resources").is_none() {
                DeployedTemplate::Empty
            } else {
                DeployedTemplate::Inline(Box::new(lowering.template(template, inner_scope)))
            }
        } else if let Some(expression) = properties.get(key) {
            match self.carried_template(expression) {
                // Bicep's loadJsonContent: the template is a variable of this one.
                Some(carried) if carried.get("resources").is_none() => DeployedTemplate::Empty,
                Some(carried) => DeployedTemplate::Inline(Box::new(
                    Lowering {
                        escaped: true,
                        published: false,
                        ..lowering
                    }
                    .template(carried, inner_scope),
                )),
                None if container.carries_escaped() => unseen(
                    self.span(expression),
                    Unavailable::Expression,
                    "properties.mainTemplate",
                ),
                None => DeployedTemplate::Expression(self.node(expression)),
            }
        } else if let Some(link) = properties
            .get("templateLink")
            .filter(|_| matches!(container, Container::Deployment | Container::Stack))
        {
            if let Some(relative) = link.get("relativePath") {
                match self.linked {
                    // Inside a template another holds, a relative link names a template
                    // published with it, never a file.
                    Some(published) => self.published_link(published, relative),
                    None => DeployedTemplate::RelativePath(self.node(relative)),
                }
            } else if let Some(uri) = link.get("uri") {
                DeployedTemplate::Uri(self.node(uri))
            } else if let Some(id) = link.get("id") {
                DeployedTemplate::Spec(self.node(id))
            } else {
                DeployedTemplate::Spec(self.node(link))
            }
        } else if let Some(package) = properties
            .get("packageFileUri")
            .filter(|_| container == Container::Definition)
        {
            DeployedTemplate::Package(self.node(package))
        } else {
            DeployedTemplate::Missing
        };
        // A definition that gives both a template and a package: which one is deployed is
        // not decided offline.
        let template = match properties
            .get("packageFileUri")
            .filter(|_| container == Container::Definition && properties.get(key).is_some())
        {
            Some(package) => unseen(
                self.span(package),
                Unavailable::Package {
                    uri: package.as_str().unwrap_or_default().to_owned(),
                    also_inline: true,
                },
                "properties.packageFileUri",
            ),
            None => template,
        };
        // A template published with a template spec is linked, so deployed in its own scope.
        let inner_scope = inner_scope || matches!(template, DeployedTemplate::Published(_));
        let parameters = properties.get("parameters").map(|p| match &p.kind {
            JsonKind::Object(_) => PassedParameters::Each(
                p.members()
                    .into_iter()
                    .map(|m| {
                        let entry = &m.value;
                        let passed = if let Some(value) = entry.get("value") {
                            PassedValue::Value(self.node(value))
                        } else if entry.get("reference").is_some() {
                            PassedValue::KeyVault(self.span(entry))
                        } else if entry.as_str().is_some() {
                            // `"x": "[if(c, createObject('value', a), …)]"`: the entry is
                            // computed (Bicep emits this for a conditional module argument).
                            PassedValue::Entry(self.node(entry))
                        } else {
                            PassedValue::Nothing
                        };
                        (m.key.clone(), passed)
                    })
                    .collect(),
            ),
            _ => PassedParameters::Whole(self.node(p)),
        });
        NestedDeployment {
            inner_scope,
            template,
            parameters,
            parameters_link: properties
                .get("parametersLink")
                .filter(|_| matches!(container, Container::Deployment | Container::Stack))
                .map(|l| match l.get("uri") {
                    Some(uri) => self.node(uri),
                    None => self.node(l),
                }),
            subscription: node.get("subscriptionId").map(|n| self.node(n)),
            resource_group: node.get("resourceGroup").map(|n| self.node(n)),
        }
    }

    /// What a deployment inside a template another holds links by `relative` (its
    /// `templateLink.relativePath`): the template published with it at that path (a template
    /// spec version's `linkedTemplates`, the path resolved against the linking template's),
    /// each lowered once; or why none is seen.
    fn published_link(&self, published: &Published<'a>, relative: &Json) -> DeployedTemplate {
        const PROPERTY: &str = "properties.templateLink.relativePath";
        let span = self.span(relative);
        let string = match &relative.kind {
            JsonKind::String(s) => Some(self.string(s, span)),
            _ => None,
        };
        let written = match string {
            Some(NodeKind::Str(path)) => path,
            // Computed: which template it names is not known offline.
            _ => return unseen(span, Unavailable::PathUnknown, PROPERTY),
        };
        let path = join(self.base, &written);
        let found = path.as_ref().and_then(|p| published.by_path.get(p));
        let [index] = found.map_or(&[][..], Vec::as_slice) else {
            let path = path.unwrap_or_else(|| written.to_string());
            return unseen(span, Unavailable::NotPublished { path }, PROPERTY);
        };
        let (path, template) = &published.entries[*index];
        let too_deep = || {
            let levels = MAX_PUBLISHED_NESTING as usize;
            unseen(span, Unavailable::TooDeep { levels }, PROPERTY)
        };
        match published.lowered.borrow().get(*index) {
            Some(Lowered::Done(template)) => {
                return DeployedTemplate::Published(Rc::clone(template));
            }
            // It links itself, directly or through others: what it deploys at the next level
            // is not followed.
            Some(Lowered::Lowering) => return too_deep(),
            _ => {}
        }
        if self.depth >= MAX_PUBLISHED_NESTING {
            return too_deep();
        }
        // Written inline, or carried by a variable of the template that holds it (as Bicep
        // writes `loadJsonContent`).
        let (lowering, root) = if template.is_object() {
            (*self, *template)
        } else if let Some(carried) = published.outer.carried_template(template) {
            let lowering = Lowering {
                escaped: true,
                published: false,
                linked: Some(published),
                ..published.outer
            };
            (lowering, carried)
        } else {
            let at = self.span(template);
            return unseen(at, Unavailable::Expression, "properties.linkedTemplates");
        };
        if let Some(state) = published.lowered.borrow_mut().get_mut(*index) {
            *state = Lowered::Lowering;
        }
        let lowered = Lowering {
            base: path,
            depth: self.depth + 1,
            ..lowering
        }
        .template(root, true);
        let lowered = Rc::new(lowered);
        if let Some(state) = published.lowered.borrow_mut().get_mut(*index) {
            *state = Lowered::Done(Rc::clone(&lowered));
        }
        DeployedTemplate::Published(lowered)
    }

    /// The parts of the resource object that `entry` reads and the `extra` paths the rules
    /// read, from its root. Literal
    /// objects on the way are descended by key; anything else met on the way (an expression, an
    /// array, an object with a property `copy` loop or a computed key) is lowered whole, so the
    /// values at the paths are exactly those of the whole resource. The resource's child
    /// `resources` and its `copy` are not properties.
    fn body(&self, node: &Json, entry: &Entry, extra: &[&str]) -> Node {
        let mut paths = resource_paths(entry);
        paths.extend(extra);
        let paths: Vec<Vec<&str>> = paths.iter().map(|p| p.split('.').collect()).collect();
        let paths: Vec<&[&str]> = paths.iter().map(Vec::as_slice).collect();
        let members = match &node.kind {
            JsonKind::Object(members) => members.as_slice(),
            _ => &[],
        };
        let members = members.iter().filter(|m| {
            !m.key.eq_ignore_ascii_case("resources") && !m.key.eq_ignore_ascii_case("copy")
        });
        Node {
            span: self.span(node),
            kind: NodeKind::Object(self.along(members, &paths)),
        }
    }

    /// The members of an object on the way to `paths` (each relative to it, none empty), in
    /// the order of the paths. Of duplicated keys the last wins.
    fn along<'j>(
        &self,
        members: impl Iterator<Item = &'j Member> + Clone,
        paths: &[&[&str]],
    ) -> Vec<Property> {
        let mut out = Vec::new();
        for (i, path) in paths.iter().enumerate() {
            let key = path[0];
            if paths[..i].iter().any(|p| p[0].eq_ignore_ascii_case(key)) {
                continue;
            }
            let Some(member) = members
                .clone()
                .filter(|m| m.key.eq_ignore_ascii_case(key))
                .last()
            else {
                continue;
            };
            let rest: Vec<&[&str]> = paths[i..]
                .iter()
                .filter(|p| p[0].eq_ignore_ascii_case(key))
                .map(|p| &p[1..])
                .collect();
            let value = if rest.iter().any(|p| p.is_empty()) {
                self.node(&member.value)
            } else {
                self.descend(&member.value, &rest)
            };
            out.push(Property::Field {
                key: Key::Literal(member.key.clone()),
                value,
            });
        }
        out
    }

    /// `node` lowered as far as `paths` (relative to it, none empty) need.
    fn descend(&self, node: &Json, paths: &[&[&str]]) -> Node {
        let JsonKind::Object(members) = &node.kind else {
            return self.node(node);
        };
        let literal_keys = members
            .iter()
            .all(|m| !m.key.eq_ignore_ascii_case("copy") && !m.key.starts_with('['));
        if !literal_keys {
            return self.node(node);
        }
        Node {
            span: self.span(node),
            kind: NodeKind::Object(self.along(members.iter(), paths)),
        }
    }

    /// A JSON value: strings are classified as literals or expressions, objects' `copy`
    /// arrays become property loops, keys that are expressions are computed keys.
    fn node(&self, node: &Json) -> Node {
        let span = self.span(node);
        let kind = match &node.kind {
            JsonKind::Null => NodeKind::Null,
            JsonKind::Bool(b) => NodeKind::Bool(*b),
            JsonKind::Number(Number::Int(i)) => NodeKind::Int(*i),
            JsonKind::Number(Number::Float(f)) => NodeKind::Float(*f),
            JsonKind::String(s) => self.string(s, span),
            JsonKind::Array(items) => NodeKind::Array(items.iter().map(|i| self.node(i)).collect()),
            JsonKind::Object(_) => {
                // Of duplicated keys only the last is a property (and only its expressions are
                // ever evaluated), in the order of the last occurrences.
                let mut out = Vec::new();
                for m in last_of_each(node) {
                    if m.key.eq_ignore_ascii_case("copy")
                        && let JsonKind::Array(entries) = &m.value.kind
                    {
                        out.extend(
                            entries
                                .iter()
                                .map(|e| Property::Loop(Box::new(self.copy_loop(e)))),
                        );
                        continue;
                    }
                    let key = match classify(&m.key) {
                        Classified::Literal(k) => Key::Literal(k.as_ref().into()),
                        Classified::Expression { .. } => {
                            match self.string(&m.key, self.key_span(m)) {
                                NodeKind::Expr(expr) => Key::Computed(Box::new(ComputedKey {
                                    expr,
                                    raw: m.key.clone(),
                                    span: self.key_span(m),
                                })),
                                _ => Key::Literal(m.key.clone()),
                            }
                        }
                    };
                    out.push(Property::Field {
                        key,
                        value: self.node(&m.value),
                    });
                }
                NodeKind::Object(out)
            }
        };
        Node { span, kind }
    }

    /// A string written at `span` (its JSON literal, quotes included).
    fn string(&self, s: &Text, span: Span) -> NodeKind {
        if self.escaped
            && let Some(once) = s.strip_prefix('[')
            && once.starts_with('[')
            && let Classified::Expression { inner, offset } = classify(once)
        {
            // A template carried by a variable: `[[x]` is its expression `[x]`, one byte
            // further into the written string.
            let exact = self.raw_is(span, s);
            return NodeKind::Expr(ExprText {
                source: once.into(),
                inner: (offset as u32, (offset + inner.len()) as u32),
                exact_offset: exact.then_some(2),
                tree: None,
            });
        }
        match classify(s) {
            Classified::Literal(text) => NodeKind::Str(text.as_ref().into()),
            Classified::Expression { .. } if self.published => {
                // Evaluated by the template that holds this one, before it is deployed.
                let whole = Expr {
                    start: 0,
                    end: s.len() as u32,
                    kind: ExprKind::Unknowable(Box::new(Cause::PublisherExpression)),
                };
                NodeKind::Expr(ExprText {
                    source: s.clone(),
                    inner: (0, s.len() as u32),
                    exact_offset: self.raw_is(span, s).then_some(1),
                    tree: Some(Rc::new(Ok(whole))),
                })
            }
            Classified::Expression { inner, offset } => {
                // Offsets inside the string map one to one onto the file when the literal has
                // no escapes: its raw text is the string between quotes.
                let exact = self.raw_is(span, s);
                NodeKind::Expr(ExprText {
                    source: s.clone(),
                    inner: (offset as u32, (offset + inner.len()) as u32),
                    exact_offset: exact.then_some(1),
                    tree: None,
                })
            }
        }
    }

    /// The template a deployment's `template` expression stands for when it is exactly
    /// `[variables('name')]` naming a variable whose value is a template object whose own
    /// expressions are all escaped once (`[[…]`, as Bicep writes a `loadJsonContent` template):
    /// evaluating the variable then gives that object with its expressions intact.
    fn carried_template(&self, expression: &Json) -> Option<&'a Json> {
        let Classified::Expression { inner, offset } = classify(expression.as_str()?) else {
            return None;
        };
        let parsed = crate::eval::expr::parse(inner, offset).ok()?;
        let ExprKind::Call {
            namespace: None,
            name,
            args,
        } = &parsed.kind
        else {
            return None;
        };
        let [
            Expr {
                kind: ExprKind::Str(variable),
                ..
            },
        ] = args.as_slice()
        else {
            return None;
        };
        if !name.eq_ignore_ascii_case("variables") {
            return None;
        }
        let carried = self.variables?.get(variable)?;
        (carried.is_object() && !has_unescaped_expression(carried)).then_some(carried)
    }

    /// JSON data (allowed values): strings as written, keys as written (the last of
    /// duplicates wins), nothing classified as an expression or a loop.
    fn data(&self, node: &Json) -> Node {
        let kind = match &node.kind {
            JsonKind::Null => NodeKind::Null,
            JsonKind::Bool(b) => NodeKind::Bool(*b),
            JsonKind::Number(Number::Int(i)) => NodeKind::Int(*i),
            JsonKind::Number(Number::Float(f)) => NodeKind::Float(*f),
            JsonKind::String(s) => NodeKind::Str(s.clone()),
            JsonKind::Array(items) => NodeKind::Array(items.iter().map(|i| self.data(i)).collect()),
            JsonKind::Object(_) => NodeKind::Object(
                node.members()
                    .into_iter()
                    .map(|m| Property::Field {
                        key: Key::Literal(m.key.clone()),
                        value: self.data(&m.value),
                    })
                    .collect(),
            ),
        };
        Node {
            span: self.span(node),
            kind,
        }
    }

    /// Whether the JSON string literal at `span` is exactly `s` between quotes (no escapes), so
    /// offsets inside `s` map one to one onto the file.
    fn raw_is(&self, span: Span, s: &str) -> bool {
        self.text
            .get(span.start as usize..span.end as usize)
            .is_some_and(|raw| {
                raw.len() == s.len() + 2
                    && raw.starts_with('"')
                    && raw.get(1..raw.len() - 1) == Some(s)
            })
    }

    /// One `copy` entry (`{"name", "count", "input"}`).
    fn copy_loop(&self, entry: &Json) -> CopyLoop {
        CopyLoop {
            span: self.span(entry),
            name: entry.get("name").map(|n| self.node(n)),
            count: entry.get("count").map(|n| self.node(n)),
            input: entry.get("input").map(|n| self.node(n)),
        }
    }
}

/// The members of an object with duplicate keys removed (the last of each wins, keys compared
/// ASCII-case-insensitively), in the order of their last occurrence; nothing for a non-object.
fn last_of_each(node: &Json) -> impl Iterator<Item = &Member> {
    // `Json::members` hashes the keys of a large object: linear, not quadratic.
    node.members().into_iter()
}

/// Whether `node` holds a string or key that is an expression not escaped (`[x]`, not `[[x]`):
/// in a variable, that expression is evaluated where the variable is, not in the template the
/// variable carries.
fn has_unescaped_expression(node: &Json) -> bool {
    let unescaped = |s: &str| matches!(classify(s), Classified::Expression { .. });
    match &node.kind {
        JsonKind::String(s) => unescaped(s),
        JsonKind::Array(items) => items.iter().any(has_unescaped_expression),
        JsonKind::Object(members) => members
            .iter()
            .any(|m| unescaped(&m.key) || has_unescaped_expression(&m.value)),
        _ => false,
    }
}

/// A name lower-cased, as a key of the template's declarations (lower-cased in place: a
/// short name is never on the heap).
fn lower(name: &str) -> Text {
    let mut out = Text::from(name);
    out.make_ascii_lowercase();
    out
}

/// A child resource's full type: its written type under its parent's, as Azure composes it.
fn compose_type(parent_type: Option<&str>, written_type: &str) -> String {
    match parent_type {
        Some(parent) if !written_type.contains('/') => format!("{parent}/{written_type}"),
        _ => written_type.to_string(),
    }
}

/// The dotted property paths of a resource that `entry` reads (its image and plan paths, and
/// where a disk names what it is copied from).
fn resource_paths(entry: &Entry) -> Vec<&str> {
    let copied_from = entry
        .managed_disk
        .as_ref()
        .and_then(|d| d.copied_from.as_ref())
        .map(|c| c.path.as_str());
    entry
        .images
        .iter()
        .map(|i| i.path.as_str())
        .chain(entry.plan.as_deref())
        .chain(copied_from)
        .collect()
}

#[cfg(test)]
/// A JSON value of a template lowered whole: strings classified, property copy loops and
/// computed keys recognised, nothing pruned.
pub(crate) fn value(node: &Json, file: FileId, text: &str) -> Node {
    Lowering::new(file, text, KeepPaths::none()).node(node)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::ir::{DeployedTemplate, ResourceDecl};
    use crate::eval::{DeploymentScope, ParameterValues, Scope};
    use crate::value::{Kind, Value};

    /// The whole resource object evaluated, as expansion did before only the catalogue's
    /// paths were lowered: the reference the pruned body must agree with.
    fn full_body(scope: &Scope<'_>, node: &Json, text: &str) -> Value {
        let members = node
            .members()
            .into_iter()
            .filter(|m| {
                !m.key.eq_ignore_ascii_case("resources") && !m.key.eq_ignore_ascii_case("copy")
            })
            .map(|m| {
                let value = scope.eval_node(&value(&m.value, FileId(0), text));
                (m.key.to_string(), value)
            })
            .collect();
        let span = Span::new(FileId(0), node.start as usize, node.end as usize);
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

    /// Every lowered resource declaration with a body, by the byte its object starts at.
    fn bodies<'t>(decls: &'t [ResourceDecl], out: &mut Vec<&'t ResourceDecl>) {
        for decl in decls {
            if decl.body.is_some() {
                out.push(decl);
            }
            if let Some(children) = &decl.children {
                bodies(children, out);
            }
            if let Some(d) = &decl.deployment
                && let DeployedTemplate::Inline(t) = &d.template
            {
                bodies(&t.resources, out);
            }
        }
    }

    /// Checks every catalogued resource object in `text`: the lowered (pruned) body holds, at
    /// every image and plan path, exactly what the whole resource evaluates to. Returns how
    /// many resources were compared.
    fn compare(text: &str) -> usize {
        let root = crate::json::parse(text).expect("fixture parses");
        let lowered = template(&root, FileId(0), text, KeepPaths::none());
        let scope = Scope::new(&lowered, ParameterValues::new(), DeploymentScope::default());
        let mut decls = Vec::new();
        bodies(&lowered.resources, &mut decls);
        let catalog = Catalog::builtin();
        let mut compared = 0;
        let mut stack = vec![&root];
        while let Some(node) = stack.pop() {
            match &node.kind {
                JsonKind::Array(items) => stack.extend(items),
                JsonKind::Object(members) => {
                    stack.extend(members.iter().map(|m| &m.value));
                    let written = node.get("type").and_then(Json::as_str).unwrap_or("");
                    let Some(entry) = catalog.arm(written) else {
                        continue;
                    };
                    let Some(decl) = decls.iter().find(|d| d.span.start == node.start) else {
                        continue;
                    };
                    let pruned = scope.eval_node(decl.body.as_ref().expect("has a body"));
                    let full = full_body(&scope, node, text);
                    for path in resource_paths(entry) {
                        assert_eq!(
                            at(&pruned, path),
                            at(&full, path),
                            "`{path}` of the `{written}` at byte {}",
                            node.start
                        );
                    }
                    compared += 1;
                }
                _ => {}
            }
        }
        compared
    }

    #[test]
    fn published_paths_resolve_against_the_linking_template() {
        // A template spec's linked templates are named by paths relative to the template
        // that links them (#24); none leaves the published set.
        assert_eq!(
            join("", "artifacts/vm.json").as_deref(),
            Some("artifacts/vm.json")
        );
        assert_eq!(
            join("", "./artifacts/vm.json").as_deref(),
            Some("artifacts/vm.json")
        );
        assert_eq!(
            join("artifacts/web.json", "pool.json").as_deref(),
            Some("artifacts/pool.json")
        );
        assert_eq!(
            join("artifacts/web.json", "../shared\\net.json").as_deref(),
            Some("shared/net.json")
        );
        assert_eq!(join("artifacts/web.json", "../../x.json"), None);
        assert_eq!(join("", "/etc/passwd"), None);
        assert_eq!(join("", "https://example.com/x.json"), None);
    }

    #[test]
    fn paths_the_rules_need_are_lowered_too() {
        let text = r#"{
  "parameters": { "env": { "type": "string", "defaultValue": "prod" } },
  "resources": [
    { "type": "Microsoft.Compute/virtualMachines", "name": "vm",
      "tags": { "env": "[parameters('env')]", "owner": "[toUpper('team')]" },
      "properties": { "storageProfile": { "imageReference": { "id": "/x/images/a" } } } }
  ]
}"#;
        let root = crate::json::parse(text).expect("fixture parses");
        let lowered = template(&root, FileId(0), text, KeepPaths::none());
        let scope = Scope::new(&lowered, ParameterValues::new(), DeploymentScope::default());
        let node = &root.get("resources").and_then(Json::as_array).unwrap()[0];
        let entry = Catalog::builtin()
            .arm("Microsoft.Compute/virtualMachines")
            .unwrap();
        let lowering = Lowering::new(FileId(0), text, KeepPaths::none());
        // `tags` is kept of every image-bearing resource (the report's owner, the tag
        // rules); what nothing reads is pruned.
        let lowered_body = scope.eval_node(lowered.resources[0].body.as_ref().unwrap());
        let full = full_body(&scope, node, text);
        assert_eq!(at(&lowered_body, "tags"), at(&full, "tags"));
        assert_eq!(
            at(&lowered_body, "tags.env").map(Value::display),
            Some("prod".to_string())
        );
        assert_eq!(at(&lowered_body, "name"), None);
        // A path a rule asks for is lowered too.
        let with_name = scope.eval_node(&lowering.body(node, entry, &["name"]));
        assert!(at(&with_name, "name").is_some());
        assert_eq!(at(&with_name, "name"), at(&full, "name"));
        let image = "properties.storageProfile.imageReference";
        assert_eq!(at(&with_name, image), at(&full, image));
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
