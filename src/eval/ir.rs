//! The evaluator's input: a frontend-neutral template.
//!
//! A frontend lowers its syntax into a [`Template`]: parameters (default, allowed values),
//! variables, user-defined functions and resources (with conditions, copy loops,
//! child resources and nested deployments). Values are [`Node`] trees whose
//! leaves are literals or expressions of the template expression language (the language ARM
//! templates use and Bicep compiles to); every node carries its absolute [`Span`] (file and
//! bytes), and an expression maps the offsets inside it to absolute spans ([`ExprText`]).
//!
//! The evaluator never sees the syntax a template was written in: ARM JSON (`defaultValue`,
//! `copy` arrays, `[...]` strings) is interpreted by the ARM frontend when it lowers, Bicep
//! (`param x string = …`, `for`, `${}`) by the Bicep frontend.

use std::rc::Rc;

use compact_str::CompactString;
use foldhash::HashMap;

use super::expr::{Expr, ExprError};
use crate::source::{FileId, Span};
use crate::value::cause::ModuleCache;
use crate::value::{Kind, Unavailable, Value};

/// Text held by the IR (short strings inline).
pub(crate) type Text = CompactString;

/// One template: what a deployment (a file, an inline nested template, a linked template)
/// declares.
#[derive(Debug)]
pub(crate) struct Template {
    /// The file the template is written in.
    pub(crate) file: FileId,
    /// Where the template starts (its root object): notes about the whole template point here.
    pub(crate) start: Span,
    /// Parameters, by lower-cased name.
    pub(crate) parameters: HashMap<Text, Parameter>,
    /// Variables, by lower-cased name.
    pub(crate) variables: HashMap<Text, Variable>,
    /// User-defined functions, by lower-cased `namespace.name`.
    pub(crate) functions: HashMap<Text, Function>,
    /// Whether the template declares resources at all (even none that matter).
    pub(crate) has_resources: bool,
    /// Resource declarations that can matter, in source order.
    pub(crate) resources: Vec<ResourceDecl>,
}

/// A declared parameter.
#[derive(Debug)]
pub(crate) struct Parameter {
    /// The name as declared.
    pub(crate) name: Text,
    /// Where the name is declared.
    pub(crate) span: Span,
    /// The default value, if any.
    pub(crate) default: Option<Node>,
    /// The allowed values, if restricted: data, never evaluated (strings that look like
    /// expressions are text).
    pub(crate) allowed: Option<Vec<Node>>,
    /// Whether the parameter may be left unset: it is then `null` (languageVersion 2.0
    /// `nullable`, Bicep's `?` types).
    pub(crate) nullable: bool,
}

/// A declared variable.
#[derive(Debug)]
pub(crate) struct Variable {
    /// The name as declared.
    pub(crate) name: Text,
    /// Where the name is declared.
    pub(crate) span: Span,
    /// How its value is computed.
    pub(crate) value: VariableValue,
}

/// How a variable's value is computed.
#[derive(Debug)]
pub(crate) enum VariableValue {
    /// From one value.
    Node(Node),
    /// As an array built by a copy loop (`for` in Bicep).
    Loop(CopyLoop),
}

/// A user-defined function.
#[derive(Debug)]
pub(crate) struct Function {
    /// The parameter names, in order.
    pub(crate) parameters: Vec<Text>,
    /// The value it returns, if declared.
    pub(crate) output: Option<Node>,
}

/// A copy loop that builds an array: `count` instances of `input`, with `copyIndex(name)`
/// giving the instance's index.
#[derive(Debug)]
pub(crate) struct CopyLoop {
    /// Where the loop is declared.
    pub(crate) span: Span,
    /// The loop's name (for `copyIndex(name)`; also the property it fills).
    pub(crate) name: Option<Node>,
    /// The number of instances.
    pub(crate) count: Option<Node>,
    /// The value of each instance.
    pub(crate) input: Option<Node>,
}

/// A resource declaration.
#[derive(Debug)]
pub(crate) struct ResourceDecl {
    /// The whole declaration.
    pub(crate) span: Span,
    /// The symbolic name, when the template names its resources (languageVersion 2.0, Bicep).
    pub(crate) symbol: Option<Text>,
    /// The full resource type, composed with the parent's for child resources (empty when the
    /// type is not a literal).
    pub(crate) resource_type: Text,
    /// The name as written (an expression's source text included), for identities.
    pub(crate) written_name: Text,
    /// The name.
    pub(crate) name: Option<Node>,
    /// The deployment condition.
    pub(crate) condition: Option<Node>,
    /// The resource copy loop.
    pub(crate) copy: Option<ResourceLoop>,
    /// The properties the catalogue and the rules read (`None` when the type carries no
    /// image): an object from the resource's root, holding at least every requested path.
    pub(crate) body: Option<Node>,
    /// Child resources, when declared inside this one.
    pub(crate) children: Option<Vec<ResourceDecl>>,
    /// What the resource deploys, when it is a deployment.
    pub(crate) deployment: Option<NestedDeployment>,
}

/// A resource copy loop.
#[derive(Debug)]
pub(crate) struct ResourceLoop {
    /// The loop's name (for `copyIndex(name)`).
    pub(crate) name: Text,
    /// The number of instances.
    pub(crate) count: Option<Node>,
}

/// A nested deployment (`Microsoft.Resources/deployments`, a Bicep module).
#[derive(Debug)]
pub(crate) struct NestedDeployment {
    /// Whether the deployed template's expressions are evaluated in its own scope (`inner`)
    /// rather than in the deploying template's (`outer`).
    pub(crate) inner_scope: bool,
    /// The template deployed.
    pub(crate) template: DeployedTemplate,
    /// The parameter values passed to it.
    pub(crate) parameters: Option<PassedParameters>,
    /// The parameter file it takes its parameters from by URI (`parametersLink`), if any.
    pub(crate) parameters_link: Option<Node>,
    /// The subscription it deploys to, when not the deploying template's.
    pub(crate) subscription: Option<Node>,
    /// The resource group it deploys to, when not the deploying template's.
    pub(crate) resource_group: Option<Node>,
}

/// The template a nested deployment deploys.
#[derive(Debug)]
pub(crate) enum DeployedTemplate {
    /// Written inline.
    Inline(Box<Template>),
    /// An inline template that declares no resources.
    Empty,
    /// An expression that stands for the template.
    Expression(Node),
    /// Linked by a path relative to the deploying template.
    RelativePath(Node),
    /// Linked by a URI.
    Uri(Node),
    /// A template spec (linked by resource ID, `templateLink.id`).
    Spec(Node),
    /// A Bicep module from a registry or a template spec (`br:…`, `br/public:…`, `ts:…`):
    /// followed through `[links]` (the whole reference, or a prefix of it), else the Bicep
    /// module cache, else what imagegate's catalogue of public modules says of it.
    Registry(Box<RegistryModule>),
    /// No template at all.
    Missing,
    /// A template published with a template spec version (one of its `linkedTemplates`),
    /// lowered once and shared by every deployment that links it by `relativePath`.
    Published(Rc<Template>),
    /// A managed application definition's package (`packageFileUri`): a zip file imagegate
    /// does not read, followed only where `[links]` maps its URI (to the package's
    /// `mainTemplate.json`).
    Package(Node),
    /// What a managed application deploys: the template of the definition it names.
    Application(Box<ManagedApplication>),
    /// A template that cannot be seen, why, and the property that says what is deployed.
    Unseen(Box<UnseenTemplate>),
}

/// The resource types that deploy a template, each as a nested deployment is judged: the
/// template it deploys, with the parameters it passes (or none, for a template published to be
/// deployed later, which is judged as a template on its own is).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Container {
    /// `Microsoft.Resources/deployments`: `template` or `templateLink`, `parameters`.
    Deployment,
    /// `Microsoft.Resources/deploymentStacks`: deploys as a deployment does, its template
    /// always in its own scope
    /// (<https://learn.microsoft.com/azure/templates/microsoft.resources/deploymentstacks>).
    Stack,
    /// `Microsoft.Resources/templateSpecs/versions`: publishes `mainTemplate` (with the
    /// `linkedTemplates` it links), deployed later with parameters not known here
    /// (<https://learn.microsoft.com/azure/templates/microsoft.resources/templatespecs/versions>).
    SpecVersion,
    /// `Microsoft.Solutions/applicationDefinitions`: publishes `mainTemplate` (or a package at
    /// `packageFileUri`), deployed by managed applications with their parameters
    /// (<https://learn.microsoft.com/azure/templates/microsoft.solutions/applicationdefinitions>).
    Definition,
    /// `Microsoft.Solutions/applications`: deploys the template of the definition
    /// `applicationDefinitionId` names (or of a Marketplace `plan`) with its `parameters`
    /// (<https://learn.microsoft.com/azure/templates/microsoft.solutions/applications>).
    Application,
}

impl Container {
    /// Every container, with its resource type.
    pub(crate) const ALL: [(Container, &'static str); 5] = [
        (Container::Deployment, "Microsoft.Resources/deployments"),
        (Container::Stack, "Microsoft.Resources/deploymentStacks"),
        (
            Container::SpecVersion,
            "Microsoft.Resources/templateSpecs/versions",
        ),
        (
            Container::Definition,
            "Microsoft.Solutions/applicationDefinitions",
        ),
        (Container::Application, "Microsoft.Solutions/applications"),
    ];

    /// The container a full resource type is (case-insensitive), if any.
    pub(crate) fn of(resource_type: &str) -> Option<Container> {
        Container::ALL
            .iter()
            .find(|(_, t)| t.eq_ignore_ascii_case(resource_type))
            .map(|(c, _)| *c)
    }

    /// Whether the template it holds in its properties is evaluated by the template that
    /// declares it as any property is (its own expressions escaped, `[[x]`), rather than in
    /// a scope of its own as a deployment's `template` is.
    pub(crate) fn carries_escaped(self) -> bool {
        self != Container::Deployment
    }
}

/// A managed application: where the template it deploys comes from.
#[derive(Debug)]
pub(crate) struct ManagedApplication {
    /// `properties.applicationDefinitionId`, when written: a definition the same template
    /// declares is deployed with the application's parameters; any other is not seen.
    pub(crate) definition: Option<Node>,
    /// The Marketplace `plan`, when written (a Marketplace application's template is not
    /// seen).
    pub(crate) plan: Option<Node>,
}

/// A template that cannot be seen ([`DeployedTemplate::Unseen`]).
#[derive(Debug)]
pub(crate) struct UnseenTemplate {
    /// Where what hides it is written.
    pub(crate) span: Span,
    /// Why it cannot be seen.
    pub(crate) why: Unavailable,
    /// The property that holds what is deployed (`properties.mainTemplate`, …).
    pub(crate) property: &'static str,
}

/// A Bicep module from a registry or a template spec, as the frontend resolved its reference
/// (<https://learn.microsoft.com/azure/azure-resource-manager/bicep/modules#file-in-registry>).
#[derive(Debug)]
pub(crate) struct RegistryModule {
    /// The reference as written (a string at the module's path): what messages name, and the
    /// first spelling `[links]` is asked for.
    pub(crate) written: Node,
    /// The module it leads to, or why it leads to none (a malformed reference, an alias no
    /// configuration defines, a configuration that cannot be read).
    pub(crate) resolved: Result<ResolvedModule, Unavailable>,
    /// What imagegate's catalogue of public modules says of it, when it knows it: asked only
    /// when neither `[links]` nor the module cache gives the module.
    pub(crate) catalogued: Option<Catalogued>,
}

/// A registry module's reference, resolved.
#[derive(Debug)]
pub(crate) struct ResolvedModule {
    /// The reference with its alias spelled out (`br:<registry>/<repository>:<tag>`,
    /// `br:…@sha256:…`, `ts:<subscription>/<resource group>/<name>:<version>`): the second
    /// spelling `[links]` is asked for.
    pub(crate) canonical: Text,
    /// For a template spec, its version's resource ID (how an ARM `templateLink.id` names
    /// it): the third spelling `[links]` is asked for.
    pub(crate) spec_id: Option<Text>,
    /// Where the Bicep CLI caches it.
    pub(crate) cache: CacheLookup,
}

/// Where a registry module lies in the Bicep CLI's module cache.
#[derive(Debug)]
pub(crate) enum CacheLookup {
    /// The file `bicep restore` writes the module to, under a cache root outside the scanned
    /// roots: read (by the loading stage) only when it stays under that root.
    File {
        /// The cache root, canonical.
        root: std::path::PathBuf,
        /// The module's file (`…/main.json`) under it.
        path: std::path::PathBuf,
        /// Whether it is a template spec's (the file holds the template spec version, whose
        /// `properties.mainTemplate` is the template) rather than a compiled module.
        spec: bool,
        /// The file as messages show it (`~/.bicep/…` under the home folder).
        shown: Text,
    },
    /// Nothing to read; what the cache gave instead (no cache root, a cache root inside the
    /// scanned roots).
    Not(ModuleCache),
}

/// What imagegate's catalogue of public registry modules says of a module that no local copy
/// stands for (no `[links]` entry, not in the Bicep CLI's module cache).
#[derive(Debug)]
#[allow(dead_code, reason = "made by the Bicep frontend's catalogue (#23)")]
pub(crate) enum Catalogued {
    /// At this version it deploys no image-bearing resource type: nothing in it to judge.
    NoImages,
    /// It deploys image-bearing types: this template, built from the catalogue's contract
    /// (which of its parameters carries each image), stands for it, judged with the parameters
    /// the caller passes. Every span in it is the module reference's.
    Images(Box<Template>),
    /// It deploys image-bearing types at this version, but the catalogue cannot trace which of
    /// its parameters carries the image.
    Untraced {
        /// The module (its repository path).
        module: Text,
        /// The version referenced.
        version: Text,
    },
    /// The catalogue knows the module, but not at this version, and no version it knows can
    /// stand in for it.
    UnknownVersion {
        /// The module (its repository path, e.g. `avm/res/compute/virtual-machine`).
        module: Text,
        /// The version referenced.
        version: Text,
        /// The nearest version the catalogue knows.
        known: Text,
    },
}

/// The parameter values a deployment passes.
#[derive(Debug)]
pub(crate) enum PassedParameters {
    /// One entry per parameter.
    Each(Vec<(Text, PassedValue)>),
    /// One expression for the whole set (`{name: {value: …}}` when evaluated).
    Whole(Node),
}

/// One parameter value a deployment passes.
#[derive(Debug)]
pub(crate) enum PassedValue {
    /// A value, evaluated in the deploying template's scope.
    Value(Node),
    /// A Key Vault reference, written at this span.
    KeyVault(Span),
    /// An expression for the whole entry (`{value: …}` or `{reference: …}` once evaluated),
    /// as Bicep writes a module argument chosen by a condition.
    Entry(Node),
    /// Neither a value nor a reference.
    Nothing,
}

/// A value in a template: a literal, an expression, or an array or object of them.
#[derive(Debug)]
pub(crate) struct Node {
    /// Where the value is written.
    pub(crate) span: Span,
    /// What it is.
    pub(crate) kind: NodeKind,
}

/// The shape of a [`Node`].
#[derive(Debug)]
pub(crate) enum NodeKind {
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A non-integral number.
    Float(f64),
    /// A literal string.
    Str(Text),
    /// An expression.
    Expr(ExprText),
    /// An array.
    Array(Vec<Node>),
    /// An object; later properties win over earlier ones with the same name (compared
    /// ASCII-case-insensitively).
    Object(Vec<Property>),
}

/// One entry of an object [`Node`].
#[derive(Debug)]
pub(crate) enum Property {
    /// `key: value`.
    Field {
        /// The key.
        key: Key,
        /// The value.
        value: Node,
    },
    /// A property filled by a copy loop (the loop's name is the property's).
    Loop(Box<CopyLoop>),
}

/// An object key.
#[derive(Debug)]
pub(crate) enum Key {
    /// Known text.
    Literal(Text),
    /// Computed by an expression.
    Computed(Box<ComputedKey>),
}

/// An object key computed by an expression.
#[derive(Debug)]
pub(crate) struct ComputedKey {
    /// The expression.
    pub(crate) expr: ExprText,
    /// The key as written, used when it does not evaluate to a known string.
    pub(crate) raw: Text,
    /// Where the key is written.
    pub(crate) span: Span,
}

/// The source text of an expression. Parsed on first evaluation (most expressions of a
/// template are never evaluated: only what can decide an image is). Where it is written is
/// the span of the node (or key) holding it; [`ExprText::at`] maps offsets inside the text to
/// absolute spans.
#[derive(Clone, Debug)]
pub(crate) struct ExprText {
    /// The text holding the expression (for ARM, the whole JSON string).
    pub(crate) source: Text,
    /// The expression's bytes inside `source`.
    pub(crate) inner: (u32, u32),
    /// How far the text's first byte is from the start of its written form, when offsets in
    /// the text map one to one onto the file (for ARM: 1, the opening quote, unless the JSON
    /// string has escapes).
    pub(crate) exact_offset: Option<u32>,
    /// The syntax tree, when the frontend built it (Bicep lowers its own syntax into the
    /// expression language's tree, with offsets from the start of `source`); `None` when
    /// `source` is expression text to parse.
    pub(crate) tree: Option<Rc<Result<Expr, ExprError>>>,
}

/// Where a piece of text is written, and whether offsets inside it map one to one onto the
/// file (they do not when the text was unescaped from a JSON string with escapes in it). Made
/// by [`ExprText::at`] when an expression is evaluated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TextSpan {
    /// The span of the written form.
    pub(crate) span: Span,
    /// Offset of the text's first byte in the file when offsets map exactly.
    pub(crate) exact_base: Option<u32>,
}

impl TextSpan {
    /// The absolute span of bytes `start..end` of the text: exact when offsets map, else the
    /// whole written form.
    pub(crate) fn span(&self, start: u32, end: u32) -> Span {
        match self.exact_base {
            Some(base) => Span {
                file: self.span.file,
                start: base + start,
                end: (base + end).min(self.span.end),
            },
            None => self.span,
        }
    }
}

impl ExprText {
    /// The expression's text.
    pub(crate) fn text(&self) -> &str {
        self.source
            .get(self.inner.0 as usize..self.inner.1 as usize)
            .unwrap_or("")
    }

    /// The map from offsets in the text to absolute spans, for the text written at `span`.
    pub(crate) fn at(&self, span: Span) -> TextSpan {
        TextSpan {
            span,
            exact_base: self.exact_offset.map(|o| span.start + o),
        }
    }

    /// The syntax tree (offsets relative to `source`).
    pub(crate) fn parsed(&self) -> Rc<Result<Expr, ExprError>> {
        if let Some(tree) = &self.tree {
            return Rc::clone(tree);
        }
        parsed(self.text(), self.inner.0 as usize)
    }
}

/// The syntax tree of expression `inner` (at `offset` in its text). Trees are kept per worker
/// thread and shared by every template it evaluates: the same expressions
/// (`[parameters('location')]`, `[resourceGroup().location]`…) recur across templates,
/// parameter contexts and copies. Parsing is a pure function of the text, so the cache cannot
/// change a result. Only short expressions are kept (long ones rarely recur), and the cache is
/// emptied when it reaches a bound, so memory stays flat (a few MB) whatever the input.
fn parsed(inner: &str, offset: usize) -> Rc<Result<Expr, ExprError>> {
    use std::cell::RefCell;
    const MAX_CACHED: usize = 4096;
    const MAX_CACHED_LEN: usize = 512;
    type Tree = Rc<Result<Expr, ExprError>>;
    thread_local! {
        static PARSED: RefCell<HashMap<String, (usize, Tree)>> = RefCell::new(HashMap::default());
    }
    if inner.len() > MAX_CACHED_LEN {
        return Rc::new(super::expr::parse(inner, offset));
    }
    PARSED.with_borrow_mut(|cache| {
        if let Some((at, p)) = cache.get(inner)
            && *at == offset
        {
            return Rc::clone(p);
        }
        if cache.len() >= MAX_CACHED {
            cache.clear();
        }
        let p = Rc::new(super::expr::parse(inner, offset));
        cache.insert(inner.to_owned(), (offset, Rc::clone(&p)));
        p
    })
}

impl Node {
    /// The node as data: every string as written (never evaluated), each node's span as its
    /// origin. For literal data such as allowed values.
    pub(crate) fn data(&self) -> Value {
        let kind = match &self.kind {
            NodeKind::Null => Kind::Null,
            NodeKind::Bool(b) => Kind::Bool(*b),
            NodeKind::Int(i) => Kind::Int(*i),
            NodeKind::Float(f) => Kind::Float(*f),
            NodeKind::Str(s) => Kind::Str(s.as_str().to_owned()),
            NodeKind::Expr(e) => Kind::Str(e.source.as_str().to_owned()),
            NodeKind::Array(items) => Kind::Array(items.iter().map(Node::data).collect()),
            NodeKind::Object(properties) => Kind::Object(
                properties
                    .iter()
                    .filter_map(|p| match p {
                        Property::Field { key, value } => {
                            let key = match key {
                                Key::Literal(k) => k,
                                Key::Computed(computed) => &computed.raw,
                            };
                            Some((key.as_str().to_owned(), value.data()))
                        }
                        Property::Loop(_) => None,
                    })
                    .collect(),
            ),
        };
        Value::literal(kind, self.span)
    }
}

impl Template {
    /// An empty template of `file`.
    pub(crate) fn empty(file: FileId, start: Span) -> Template {
        Template {
            file,
            start,
            parameters: HashMap::default(),
            variables: HashMap::default(),
            functions: HashMap::default(),
            has_resources: false,
            resources: Vec::new(),
        }
    }
}
