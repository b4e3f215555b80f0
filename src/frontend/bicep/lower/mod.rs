//! Lowering: a Bicep syntax tree → the evaluator's [`Template`], with the semantics the Bicep
//! compiler gives each construct when it emits ARM JSON (Azure/bicep `src/Bicep.Core/Emit/`):
//!
//! * `param`/`var`/`func` → parameters, variables, user functions (`__bicep.name`);
//!   `@allowed` → allowed values, a `?` type → nullable.
//! * Interpolation → `format()`, operators → `add`/`equals`/`and`/…, `?:` → `if`, `??` →
//!   `coalesce`, `.?`/`[?i]` → `tryGet`, `[^i]` → `indexFromEnd`, `x!` → `x`, lambdas →
//!   `lambda()`, objects and arrays inside expressions → `createObject`/`createArray`, spread →
//!   `shallowMerge`/`flatten`.
//! * `for` → copy loops (a loop item is the list indexed by `copyIndex`), `if` → conditions.
//! * `resource` → resource declarations (nested ones and `parent:` compose type and name);
//!   `existing` resources deploy nothing but give identities: `sym.id` → `resourceId(…)` in the
//!   resource's scope, `sym.name` → its name; a property of a declared resource is the value it
//!   is declared with, of an `existing` one unknown until deployment.
//! * `module` → a nested deployment (inner scope) of a local file, or of a registry or template
//!   spec reference that `[links]` may map to a local file.
//!
//! Expressions are lowered to the expression language's tree directly (never printed and
//! re-parsed), with offsets from the start of the value that holds them, so a value points at
//! the Bicep text that supplied it.
//!
//! This module holds the declarations (parameters, variables, functions, loops) and the
//! lowering's state; `resources`, `modules`, `imports` and `expressions` hold the rest, each
//! an `impl Lowering` of its own.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::Range;
use std::rc::Rc;

use foldhash::HashMap;

use super::lexer::{Token, TokenKind, string_value, string_values, try_string_value};
use super::syntax::{SyntaxElement, SyntaxKind as K, SyntaxNode};
use crate::catalog::Catalog;
use crate::eval::expr::{Expr, ExprKind};
use crate::eval::ir::{
    ComputedKey, CopyLoop, DeployedTemplate, ExprText, Function, Key, NestedDeployment, Node,
    NodeKind, Parameter, PassedParameters, PassedValue, Property, ResourceDecl, ResourceLoop,
    Template, Text, Variable, VariableValue,
};
use crate::source::{FileId, Span};
use crate::value::Cause;

/// The namespace the compiler gives user-defined functions.
const FUNCTION_NAMESPACE: &str = "__bicep";

/// Most expression nodes lowered for one file, its inlined loop items, resource properties,
/// imports and module outputs included: the lowered template is bounded like the syntax tree
/// it comes from (`parser::MAX_TOKENS`), whatever the file repeats.
const MAX_WORK: u64 = 4_000_000;

/// Deepest nesting of the lowering of one expression or value, inlined loop items, resource
/// properties, imported values and module outputs included. A syntax tree is less than 600
/// nodes deep (the parser's [`super::parser::MAX_DEPTH`] counts every link of a chain); an
/// expression that inlining makes deeper than this is unknown, saying so, and never a stack
/// overflow of the lowering or of the evaluation, clone or drop of what it lowers into.
pub(super) const MAX_LOWERING_DEPTH: u32 = 640;

/// Lowers the syntax tree `root` of the Bicep file `file` (text `text`). `damaged` are the
/// byte ranges of syntax errors: a declaration that overlaps one holds unknowns.
pub(crate) fn template(
    root: SyntaxNode<'_>,
    file: FileId,
    text: &str,
    damaged: &[Range<u32>],
    files: &dyn ReadBeside,
) -> Template {
    let mut lowering = Lowering::new(root, file, text, damaged, files);
    lowering.program(root)
}

/// How `load*Content()` reads a file: by its path relative to the Bicep file, inside the
/// scanned roots and within the walked file's budget; the text, or what is wrong.
pub(crate) trait ReadBeside {
    /// The text of the file at `relative`.
    fn read(&self, relative: &str) -> Result<String, String>;

    /// Most values a JSON file read (`loadJsonContent`) may hold: the run's limit for the
    /// walked file, the parser's own bound unless said.
    fn max_document_values(&self) -> usize {
        crate::json::MAX_VALUES
    }

    /// Most tokens a Bicep file read (an import, a module whose output is named) may hold:
    /// the run's limit for the walked file, the parser's own bound unless said.
    fn max_syntax_tokens(&self) -> usize {
        super::parser::MAX_TOKENS
    }

    /// The text of the file at `relative`, read as [`ReadBeside::read`] reads it, and its id
    /// among the run's files when this reader adds the files it reads to them: then what is
    /// taken from it (an imported variable, a loaded file's data) is located in it, where a
    /// person changes it. `None` when it does not: such values are located where the file is
    /// named (the `import` declaration, the `load*Content` call).
    fn read_source(&self, relative: &str) -> Result<(String, Option<FileId>), String> {
        self.read(relative).map(|text| (text, None))
    }

    /// What the registry module reference `written` (`br:…`, `br/<alias>:…`, `ts:…`) leads
    /// to, under the Bicep configuration of the file lowered and its module cache: the
    /// reference and the module as the IR holds it, or why it leads to none. Without a file
    /// system (the default): the built-in configuration, no module cache.
    fn registry_module(
        &self,
        written: &str,
    ) -> Result<
        (super::registry::Reference, crate::eval::ir::ResolvedModule),
        crate::value::Unavailable,
    > {
        super::registry::resolve_built_in(written)
    }
}

/// A `.bicepparam` file, lowered: what [`parameter_file`] returns.
pub(crate) struct ParameterFile {
    /// Its variables and functions (and `base`, when it extends another file) as a template.
    pub(crate) template: Template,
    /// The value expression of each parameter it assigns, by name.
    pub(crate) assignments: Vec<(String, Node)>,
    /// Its `readEnvironmentVariable()` calls: a value supplied there names the variable.
    pub(crate) environment_reads: Vec<EnvironmentRead>,
}

/// One `readEnvironmentVariable('NAME', …)` call of a `.bicepparam` file.
#[derive(Clone, Debug)]
pub(crate) struct EnvironmentRead {
    /// The call: the variable's value is located here, and a default is written inside.
    pub(crate) call: Span,
    /// The variable's name as written (`'NAME'`): where the finding names the variable.
    pub(crate) name_at: Span,
    /// The variable.
    pub(crate) name: String,
}

/// The name by which a `.bicepparam` file that extends another reads the values that file
/// assigns (`base.tags`), unless it declares that name itself
/// (<https://learn.microsoft.com/azure/azure-resource-manager/bicep/bicep-extend>).
pub(crate) const BASE: &str = "base";

/// Lowers a `.bicepparam` file: its variables and functions as a template, and the value
/// expression of each parameter it assigns, by name. `readEnvironmentVariable()` reads
/// `environment` (the default only when the variable is unset). A file that extends another
/// reads that file's values as the template's parameter [`BASE`], declared at its `extends`.
pub(crate) fn parameter_file(
    root: SyntaxNode<'_>,
    file: FileId,
    text: &str,
    damaged: &[Range<u32>],
    files: &dyn ReadBeside,
    environment: &BTreeMap<String, String>,
) -> ParameterFile {
    let mut lowering = Lowering::new(root, file, text, damaged, files);
    lowering.environment = Some(environment);
    let extends = root.nodes().find(|n| n.kind == K::ExtendsDeclaration);
    let base = extends.filter(|_| !lowering.symbols.contains_key(BASE));
    if base.is_some() {
        lowering
            .symbols
            .insert(Cow::Borrowed(BASE), SymbolRef::Plain(Symbol::Parameter));
    }
    let mut template = lowering.program(root);
    if let Some(extends) = base {
        let parameter = Parameter {
            name: BASE.into(),
            span: lowering.span(&extends.span),
            default: None,
            allowed: None,
            nullable: false,
        };
        template.parameters.insert(Text::from(BASE), parameter);
    }
    let mut assignments = Vec::new();
    for assignment in root.nodes().filter(|n| n.kind == K::ParameterAssignment) {
        let Some(name) = assignment.child(K::Identifier) else {
            continue;
        };
        let name = ident(text, name).to_owned();
        let value = if lowering.is_damaged(&assignment.span) {
            lowering.unknowable(&assignment.span, Cause::DamagedDeclaration)
        } else {
            match value_child(assignment).filter(|v| v.kind != K::Identifier) {
                Some(v) => lowering.node(v),
                None => continue,
            }
        };
        assignments.push((name, value));
    }
    // The values the assignments share (an imported variable, a loaded file) are variables
    // of the file's template, like those its declarations share.
    for (key, variable) in std::mem::take(&mut lowering.shared) {
        template.variables.insert(key, variable);
    }
    ParameterFile {
        template,
        assignments,
        environment_reads: std::mem::take(&mut lowering.environment_reads),
    }
}

/// What a name declared at the top of a file (or nested in a resource) is.
#[derive(Clone, Copy)]
enum Symbol {
    Parameter,
    Variable,
    Function,
    /// An imported symbol, a type, an output: nothing the evaluator can use as a value.
    Other,
}

/// What lowering needs to know of a resource declaration to answer `sym.id`, `sym.name`,
/// `sym.properties.x` wherever they are used.
struct ResourceInfo<'s> {
    decl: SyntaxNode<'s>,
    symbol: String,
    /// The full type, without the API version.
    full_type: String,
    api_version: String,
    existing: bool,
    /// The resource's object (inside `if` and `for`).
    body: Option<SyntaxNode<'s>>,
    /// The `for` around the body, if any.
    each: Option<SyntaxNode<'s>>,
    /// The resource it is declared in, or names in `parent:`.
    parent: Option<usize>,
    /// The `parent:` property's value, when written.
    parent_ref: Option<SyntaxNode<'s>>,
}

/// A name bound inside an expression.
#[derive(Clone)]
enum Local<'s> {
    /// A `for` item: the list indexed by the loop's index.
    Item {
        name: String,
        list: SyntaxNode<'s>,
        index: LoopIndex,
        /// How many locals were in scope where the loop is written (those its list sees).
        outside: usize,
    },
    /// A `for` index.
    Index { name: String, index: LoopIndex },
    /// A lambda's parameter.
    Lambda { name: String },
    /// A user function's parameter.
    FunctionParameter { name: String },
}

/// How a loop's index is read.
#[derive(Clone)]
enum LoopIndex {
    /// `copyIndex('name')`.
    Copy(String),
    /// `lambdaVariables('name')` (a `for` inside an expression, lowered to `map`).
    Lambda(String),
    /// A fixed expression (`sym[i]`: the loop of `sym` at index `i`).
    Fixed(Box<Expr>),
}

struct Lowering<'s> {
    root: SyntaxNode<'s>,
    text: &'s str,
    files: &'s dyn ReadBeside,
    file: FileId,
    /// The syntax errors' ranges, sorted and merged.
    damaged: Vec<Range<u32>>,
    infos: Vec<ResourceInfo<'s>>,
    /// Top-level and nested symbols → what they are (resources by index into `infos`), by
    /// name: borrowed from the text where it is written (a copy of every declaration's name
    /// was most of the table's cost).
    symbols: HashMap<Cow<'s, str>, SymbolRef<'s>>,
    /// `parent::child` paths of nested resources.
    nested: HashMap<(usize, String), usize>,
    locals: Vec<Local<'s>>,
    /// Offset the expression being built counts from.
    base: u32,
    /// When set, every span of the expression being built (an inlined expression written
    /// elsewhere).
    pin: Option<(u32, u32)>,
    target_scope: String,
    /// Depth of inlined resource properties (bounds self-reference).
    inlining: u32,
    lambdas: u32,
    /// Expression nodes lowered so far, and the most allowed (proportional to the text, at
    /// most [`MAX_WORK`]).
    work: u64,
    max_work: u64,
    /// How deeply the lowering of expressions and values nests now: at most
    /// [`MAX_LOWERING_DEPTH`].
    depth: u32,
    /// The resources whose IDs are being built ([`Lowering::resource_id`]), innermost last:
    /// an ID needed again while it is built depends on itself (a cycle of scopes, parents and
    /// names), which is unknown at once rather than rebuilt until a budget ends it.
    ids_building: Vec<usize>,
    /// Set when this file's expressions are lowered into another file's (a module output):
    /// nothing may name this file's parameters, variables or functions by name there.
    inline: Option<Inline>,
    /// What `import` declarations bring in: the file (as written), the symbol's name there
    /// (empty for a wildcard's namespace) and the declaration's bytes.
    imports: Vec<(String, String, Range<u32>)>,
    /// Values lowered once and shared as variables of this template (a module's output, an
    /// imported variable), by where they come from; their variables wait in `shared`.
    shared_values: HashMap<(u32, String), String>,
    shared: Vec<(Text, Variable)>,
    /// The properties of large objects by key, the last of each ([`Lowering::property`]), by
    /// object (every object outlives the lowering, so its address names it).
    property_indexes: std::cell::RefCell<HashMap<usize, HashMap<String, SyntaxNode<'s>>>>,
    /// Other files read (modules whose outputs are named, imported files), by path as written.
    other_files: std::cell::RefCell<HashMap<String, Result<Rc<OtherFile>, String>>>,
    /// The environment `readEnvironmentVariable()` reads: set for a `.bicepparam` file, the
    /// only kind of file Bicep lets call it.
    environment: Option<&'s BTreeMap<String, String>>,
    /// The `readEnvironmentVariable()` calls lowered.
    environment_reads: Vec<EnvironmentRead>,
}

/// Another Bicep file, read and parsed.
struct OtherFile {
    /// Its id among the run's files, when the reader added it to them
    /// ([`ReadBeside::read_source`]).
    id: Option<FileId>,
    /// Its text.
    text: String,
    /// Its tree (shared with the other readers of the same text on this thread).
    parsed: Rc<super::parser::Parsed>,
}

/// How a module's names are replaced when its output is lowered into its caller.
struct Inline {
    /// The arguments the caller passes, by parameter name, lowered in the caller.
    arguments: HashMap<String, Expr>,
    /// Whether the module is deployed to a scope of its own (`scope:`): then its
    /// `resourceGroup()` is not the caller's.
    scoped: bool,
}

/// A reader that reads nothing (files a module output would load are not followed).
struct Refuse;

impl ReadBeside for Refuse {
    fn read(&self, _relative: &str) -> Result<String, String> {
        Err("a file loaded by a module output is not followed".into())
    }
}

#[derive(Clone, Copy)]
enum SymbolRef<'s> {
    Plain(Symbol),
    Resource(usize),
    Module(SyntaxNode<'s>),
    /// A symbol imported by name (`import {x as y} from 'f.bicep'`): index into `imports`.
    Imported(usize),
    /// A namespace of a wildcard import (`import * as ns from 'f.bicep'`): the file path's
    /// index into `imports` (with an empty name).
    Namespace(usize),
}

/// The text of an identifier node or token.
fn ident<'t>(text: &'t str, node: SyntaxNode<'_>) -> &'t str {
    node.tokens().next().map_or("", |t| slice(text, &t.span))
}

fn slice<'t>(text: &'t str, span: &Range<u32>) -> &'t str {
    text.get(span.start as usize..span.end as usize)
        .unwrap_or("")
}

/// Whether `node` is an expression node (not a token, decorator or newline).
fn value_child(node: SyntaxNode<'_>) -> Option<SyntaxNode<'_>> {
    node.nodes().next_back()
}

impl<'s> Lowering<'s> {
    pub(super) fn new(
        root: SyntaxNode<'s>,
        file: FileId,
        text: &'s str,
        damaged: &'s [Range<u32>],
        files: &'s dyn ReadBeside,
    ) -> Self {
        let mut l = Lowering {
            root,
            text,
            files,
            file,
            damaged: merged(damaged),
            infos: Vec::new(),
            symbols: HashMap::default(),
            nested: HashMap::default(),
            locals: Vec::new(),
            base: 0,
            pin: None,
            target_scope: "resourceGroup".into(),
            inlining: 0,
            lambdas: 0,
            work: 0,
            max_work: (100_000 + 64 * text.len() as u64).min(MAX_WORK),
            depth: 0,
            ids_building: Vec::new(),
            inline: None,
            imports: Vec::new(),
            other_files: Default::default(),
            property_indexes: Default::default(),
            shared_values: HashMap::default(),
            shared: Vec::new(),
            environment: None,
            environment_reads: Vec::new(),
        };
        l.declare(root);
        l
    }

    /// First pass: every top-level name, and every resource (nested ones too).
    pub(super) fn declare(&mut self, root: SyntaxNode<'s>) {
        for decl in root.nodes() {
            if decl.kind == K::CompileTimeImportDeclaration {
                self.declare_imports(decl);
                continue;
            }
            let name = decl
                .child(K::Identifier)
                .map(|n| Cow::Borrowed(ident(self.text, n)));
            let Some(name) = name else {
                if decl.kind == K::TargetScope
                    && let Some(s) = decl.child(K::String)
                {
                    self.target_scope = self.plain_string(s).unwrap_or_default();
                }
                continue;
            };
            let symbol = match decl.kind {
                // Metadata and outputs are names of their own, never values: every Azure
                // Verified Module declares `metadata name`, `param name` and `output name`
                // in one file, and `bicep build` compiles it (`parameters.name` and
                // `outputs.name` of its main.json). Neither hides the parameter.
                K::MetadataDeclaration | K::OutputDeclaration => continue,
                K::ParameterDeclaration => SymbolRef::Plain(Symbol::Parameter),
                K::VariableDeclaration => SymbolRef::Plain(Symbol::Variable),
                K::FunctionDeclaration => SymbolRef::Plain(Symbol::Function),
                K::ModuleDeclaration => SymbolRef::Module(decl),
                K::ResourceDeclaration => SymbolRef::Resource(self.resource_info(decl, None)),
                _ => SymbolRef::Plain(Symbol::Other),
            };
            self.symbols.entry(name).or_insert(symbol);
        }
    }

    pub(super) fn span(&self, range: &Range<u32>) -> Span {
        Span {
            file: self.file,
            start: range.start,
            end: range.end,
        }
    }

    pub(super) fn is_damaged(&self, range: &Range<u32>) -> bool {
        // The damaged ranges are sorted, disjoint and not empty: the first that ends after
        // `range` starts is the only one that may overlap it (a search, not a scan: a file
        // of many syntax errors and many expressions is not quadratic).
        let i = self.damaged.partition_point(|d| d.end <= range.start);
        self.damaged
            .get(i)
            .is_some_and(|d| d.start < range.end.max(range.start + 1))
    }

    // ----- the program -----------------------------------------------------------------

    pub(super) fn program(&mut self, root: SyntaxNode<'s>) -> Template {
        let span = self.span(&root.span);
        let mut template = Template::empty(self.file, span);
        for decl in root.nodes() {
            match decl.kind {
                K::ParameterDeclaration => {
                    if let Some((key, p)) = self.parameter(decl) {
                        template.parameters.insert(key, p);
                    }
                }
                K::VariableDeclaration => {
                    if let Some((key, v)) = self.variable(decl) {
                        template.variables.insert(key, v);
                    }
                }
                K::FunctionDeclaration => {
                    if let Some((key, f)) = self.function(decl) {
                        template.functions.insert(key, f);
                    }
                }
                K::ResourceDeclaration | K::ModuleDeclaration => {
                    template.has_resources = true;
                }
                _ => {}
            }
        }
        // Top-level resources, and those declared inside an `existing` one (deployed with
        // their parent's name before theirs, as `parent:` would).
        for index in 0..self.infos.len() {
            let top = match self.infos[index].parent {
                None => true,
                Some(p) => self.infos[p].existing,
            };
            if top && let Some(decl) = self.resource(index) {
                template.resources.push(decl);
            }
        }
        for decl in root.nodes().filter(|n| n.kind == K::ModuleDeclaration) {
            if let Some(m) = self.module(decl) {
                template.resources.push(m);
            }
        }
        if !self.damaged.is_empty() {
            let swallowed = self.swallowed(root);
            template.has_resources |= !swallowed.is_empty();
            template.resources.extend(swallowed);
        }
        template.resources.sort_by_key(|r| r.span.start);
        // Lowered last: resources and modules are what name the shared values.
        for (key, variable) in std::mem::take(&mut self.shared) {
            template.variables.insert(key, variable);
        }
        template
    }

    pub(super) fn decorators(
        &self,
        decl: SyntaxNode<'s>,
    ) -> impl Iterator<Item = (&'s str, SyntaxNode<'s>)> {
        let text = self.text;
        decl.nodes()
            .filter(|n| n.kind == K::Decorator)
            .filter_map(move |d| {
                let call = d.nodes().next()?;
                let name = match call.kind {
                    K::FunctionCall => ident(text, call.child(K::Identifier)?),
                    K::InstanceFunctionCall => {
                        ident(text, call.nodes().find(|n| n.kind == K::Identifier)?)
                    }
                    _ => return None,
                };
                Some((name, call))
            })
    }

    pub(super) fn parameter(&mut self, decl: SyntaxNode<'s>) -> Option<(Text, Parameter)> {
        let id = decl.child(K::Identifier)?;
        let name = ident(self.text, id);
        let damaged = self.is_damaged(&decl.span);
        let default = match decl.child(K::ParameterDefaultValue).and_then(value_child) {
            _ if damaged => Some(self.unknowable(&decl.span, Cause::DamagedDeclaration)),
            Some(v) => Some(self.node(v)),
            None => None,
        };
        let mut allowed = None;
        let decorators: Vec<(&'s str, SyntaxNode<'s>)> = self.decorators(decl).collect();
        for (decorator, call) in decorators {
            if decorator == "allowed"
                && let Some(array) = arguments(call).next()
                && array.kind == K::Array
            {
                let items: Vec<Node> = array
                    .nodes()
                    .filter(|n| n.kind == K::ArrayItem)
                    .filter_map(value_child)
                    .map(|v| self.node(v))
                    .collect();
                allowed = Some(items);
            }
        }
        let nullable = decl.nodes().any(|n| n.kind == K::NullableType);
        Some((
            Text::from(name.to_ascii_lowercase()),
            Parameter {
                name: name.into(),
                span: self.span(&id.span),
                default,
                allowed,
                nullable,
            },
        ))
    }

    pub(super) fn variable(&mut self, decl: SyntaxNode<'s>) -> Option<(Text, Variable)> {
        let id = decl.child(K::Identifier)?;
        let name = ident(self.text, id);
        let value = if self.is_damaged(&decl.span) {
            VariableValue::Node(self.unknowable(&decl.span, Cause::DamagedDeclaration))
        } else {
            let v = value_child(decl)?;
            if v.kind == K::For {
                VariableValue::Loop(self.copy_loop(v, name))
            } else {
                VariableValue::Node(self.node(v))
            }
        };
        Some((
            Text::from(name.to_ascii_lowercase()),
            Variable {
                name: name.into(),
                span: self.span(&id.span),
                value,
            },
        ))
    }

    pub(super) fn function(&mut self, decl: SyntaxNode<'s>) -> Option<(Text, Function)> {
        let name = ident(self.text, decl.child(K::Identifier)?);
        let lambda = decl.child(K::TypedLambda)?;
        let parameters: Vec<Text> = lambda
            .child(K::TypedVariableBlock)
            .into_iter()
            .flat_map(|b| b.nodes().filter(|n| n.kind == K::TypedLocalVariable))
            .filter_map(|v| v.child(K::Identifier))
            .map(|i| Text::from(ident(self.text, i)))
            .collect();
        let body = value_child(lambda)?;
        let saved = std::mem::take(&mut self.locals);
        self.locals = parameters
            .iter()
            .map(|p| Local::FunctionParameter {
                name: p.to_string(),
            })
            .collect();
        let output = self.node(body);
        self.locals = saved;
        Some((
            Text::from(format!(
                "{FUNCTION_NAMESPACE}.{}",
                name.to_ascii_lowercase()
            )),
            Function {
                parameters,
                output: Some(output),
            },
        ))
    }

    /// The copy loop a `for` builds (a variable's, or a property's), named `name`.
    pub(super) fn copy_loop(&mut self, each: SyntaxNode<'s>, name: &str) -> CopyLoop {
        let span = self.span(&each.span);
        let Some((item, index, list, body)) = for_parts(each, self.text) else {
            return CopyLoop {
                span,
                name: Some(self.str_node(&each.span, name)),
                count: None,
                input: None,
            };
        };
        let count = self.length_of(list);
        let pushed = self.push_loop(item, index, list, LoopIndex::Copy(name.to_owned()));
        let input = self.node(body);
        self.locals.truncate(self.locals.len() - pushed);
        CopyLoop {
            span,
            name: Some(self.str_node(&each.span, name)),
            count: Some(count),
            input: Some(input),
        }
    }

    pub(super) fn push_loop(
        &mut self,
        item: Option<&str>,
        index: Option<&str>,
        list: SyntaxNode<'s>,
        how: LoopIndex,
    ) -> usize {
        let mut pushed = 0;
        if let Some(item) = item {
            let outside = self.locals.len();
            self.locals.push(Local::Item {
                outside,
                name: item.to_owned(),
                list,
                index: how.clone(),
            });
            pushed += 1;
        }
        if let Some(index) = index {
            self.locals.push(Local::Index {
                name: index.to_owned(),
                index: how,
            });
            pushed += 1;
        }
        pushed
    }

    /// The copy loop of a resource or module declared with `for` (named by its symbol), its
    /// variables pushed in scope; returns the loop and how many locals to pop after.
    pub(super) fn declaration_loop(
        &mut self,
        each: Option<SyntaxNode<'s>>,
        symbol: &str,
    ) -> (Option<ResourceLoop>, usize) {
        let Some((item, index, list, _)) = each.and_then(|e| for_parts(e, self.text)) else {
            return (None, 0);
        };
        let count = self.length_of(list);
        let copy = ResourceLoop {
            name: symbol.into(),
            count: Some(count),
        };
        let pushed = self.push_loop(item, index, list, LoopIndex::Copy(symbol.to_owned()));
        (Some(copy), pushed)
    }

    /// Makes `expr` (lowered with offsets from the start of `at`) a variable `name` of this
    /// template, located at `at`.
    pub(super) fn share(&mut self, name: String, at: &Range<u32>, expr: Expr) {
        let node = self.tree_node(at, expr);
        let variable = Variable {
            name: name.as_str().into(),
            span: self.span(at),
            value: VariableValue::Node(node),
        };
        self.shared
            .push((Text::from(name.to_ascii_lowercase()), variable));
    }

    /// Makes `value` (lowered in the file it is written in) a variable `name` of this template,
    /// shown as `shown` and declared at `at` (in that file): an imported variable or a loaded
    /// file's data, located where a person changes it.
    pub(super) fn share_located(&mut self, name: String, shown: &str, at: Span, value: Node) {
        let variable = Variable {
            name: shown.into(),
            span: at,
            value: VariableValue::Node(value),
        };
        self.shared
            .push((Text::from(name.to_ascii_lowercase()), variable));
    }

    /// The top-level symbol a variable access names, unless a local shadows it.
    pub(super) fn global_symbol(&self, access: SyntaxNode<'_>) -> Option<SymbolRef<'s>> {
        let name = ident(self.text, access.child(K::Identifier)?);
        if self.locals.iter().any(|l| local_name(l) == name) {
            return None;
        }
        self.symbols.get(name).copied()
    }

    /// `length(list)` as a node.
    pub(super) fn length_of(&mut self, list: SyntaxNode<'s>) -> Node {
        self.expr_node(list, |l, list| {
            let e = l.expr(list);
            l.call("length", vec![e], list)
        })
    }

    // ----- values ----------------------------------------------------------------------

    /// The value of property `name` of object `object` (the last one written wins).
    pub(super) fn property(&self, object: SyntaxNode<'s>, name: &str) -> Option<SyntaxNode<'s>> {
        let properties = || object.nodes().filter(|n| n.kind == K::ObjectProperty);
        if object.children().len() <= 64 {
            // The last written wins: looked for from the end, each key compared where it is
            // written (no copy of it).
            return properties()
                .rev()
                .find(|p| self.key_str(*p).as_deref() == Some(name))
                .and_then(value_child);
        }
        // A large object's properties are indexed once: a file that reads each of 100,000
        // properties of a resource is lowered in linear time, not quadratic.
        let mut indexes = self.property_indexes.borrow_mut();
        let index = indexes.entry(object.key()).or_insert_with(|| {
            let mut index = HashMap::default();
            for property in properties() {
                if let Some(key) = self.key_text(property) {
                    index.insert(key, property);
                }
            }
            index
        });
        index.get(name).copied().and_then(value_child)
    }

    /// A value as written, for messages: a string without its quotes (messages quote names).
    pub(super) fn written(&self, node: SyntaxNode<'_>) -> String {
        let text = slice(self.text, &node.span);
        match text.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')) {
            Some(inner) if node.kind == K::String && !text.starts_with("'''") => inner.to_owned(),
            _ => text.to_owned(),
        }
    }

    /// The key of an object property, when it is a plain identifier or string.
    pub(super) fn key_text(&self, property: SyntaxNode<'_>) -> Option<String> {
        self.key_str(property).map(Cow::into_owned)
    }

    /// [`Lowering::key_text`], borrowed from the text when it can be (every key of every
    /// object is read: most are names and plain strings, which need no copy of their own).
    pub(super) fn key_str(&self, property: SyntaxNode<'_>) -> Option<Cow<'s, str>> {
        let key = property.nodes().next()?;
        match key.kind {
            K::Identifier => Some(Cow::Borrowed(ident(self.text, key))),
            K::String => self.plain_str(key),
            _ => None,
        }
    }

    /// The value of a string without interpolation.
    pub(super) fn plain_string(&self, node: SyntaxNode<'_>) -> Option<String> {
        self.plain_str(node).map(Cow::into_owned)
    }

    /// [`Lowering::plain_string`], borrowed from the text when it has no escape.
    pub(super) fn plain_str(&self, node: SyntaxNode<'_>) -> Option<Cow<'s, str>> {
        if node.nodes().next().is_some() {
            return None;
        }
        let mut tokens = node.tokens();
        let t = tokens.next()?;
        if t.kind != TokenKind::StringComplete || tokens.next().is_some() {
            return None;
        }
        // As `string_value`: the text as written when the token is damaged.
        let text: &'s str = self.text;
        Some(try_string_value(text, t).unwrap_or_else(|| {
            Cow::Borrowed(
                text.get(t.span.start as usize..t.span.end as usize)
                    .unwrap_or_default(),
            )
        }))
    }
}

fn local_name<'a>(local: &'a Local<'_>) -> &'a str {
    match local {
        Local::Item { name, .. }
        | Local::Index { name, .. }
        | Local::Lambda { name }
        | Local::FunctionParameter { name } => name,
    }
}

/// The object of a resource or module body, and the `for` around it.
fn unwrap_body(body: Option<SyntaxNode<'_>>) -> (Option<SyntaxNode<'_>>, Option<SyntaxNode<'_>>) {
    match body {
        Some(b) if b.kind == K::Object => (Some(b), None),
        Some(b) if b.kind == K::IfCondition => {
            (value_child(b).filter(|o| o.kind == K::Object), None)
        }
        Some(b) if b.kind == K::For => {
            let inner = value_child(b);
            let (object, _) = unwrap_body(inner);
            (object, Some(b))
        }
        _ => (None, None),
    }
}

/// The condition of a body: `if (c) {…}`, or `[for … : if (c) {…}]`.
fn condition_of(body: Option<SyntaxNode<'_>>) -> Option<SyntaxNode<'_>> {
    let body = body?;
    let condition = match body.kind {
        K::IfCondition => body,
        K::For => value_child(body).filter(|b| b.kind == K::IfCondition)?,
        _ => return None,
    };
    let paren = condition.child(K::ParenthesizedExpression)?;
    paren.nodes().next()
}

/// `ranges` sorted and merged, each at least one byte long.
fn merged(ranges: &[Range<u32>]) -> Vec<Range<u32>> {
    let mut sorted: Vec<Range<u32>> = ranges
        .iter()
        .map(|r| r.start..r.end.max(r.start + 1))
        .collect();
    sorted.sort_by_key(|r| r.start);
    let mut out: Vec<Range<u32>> = Vec::with_capacity(sorted.len());
    for r in sorted {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

/// The parts of a `for`: item name, index name, list, body.
fn for_parts<'s>(
    each: SyntaxNode<'s>,
    text: &'s str,
) -> Option<(
    Option<&'s str>,
    Option<&'s str>,
    SyntaxNode<'s>,
    SyntaxNode<'s>,
)> {
    let mut nodes = each.nodes();
    let variables = nodes.next()?;
    let list = nodes.next()?;
    let body = nodes.next()?;
    let (item, index) = match variables.kind {
        K::LocalVariable => (variables.child(K::Identifier), None),
        K::VariableBlock => {
            let mut vars = variables
                .nodes()
                .filter(|n| n.kind == K::LocalVariable)
                .filter_map(|v| v.child(K::Identifier));
            (vars.next(), vars.next())
        }
        _ => (None, None),
    };
    Some((
        item.map(|i| ident(text, i)),
        index.map(|i| ident(text, i)),
        list,
        body,
    ))
}

/// The value a JSON path selects: `$`, then `.name`, `['name']` and `[index]` steps (the
/// forms templates use); `None` for anything else.
fn select<'j>(json: &'j crate::json::Json, path: &str) -> Option<&'j crate::json::Json> {
    let rest = path.trim().strip_prefix('$')?;
    let mut cur = json;
    let mut rest = rest;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            cur = cur.get(&r[..end])?;
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let close = r.find(']')?;
            let inner = r[..close].trim();
            cur = match inner.strip_prefix('\'').and_then(|i| i.strip_suffix('\'')) {
                Some(key) => cur.get(key)?,
                None => {
                    let index: usize = inner.parse().ok()?;
                    match &cur.kind {
                        crate::json::JsonKind::Array(items) => items.get(index)?,
                        _ => return None,
                    }
                }
            };
            rest = &r[close + 1..];
        } else {
            return None;
        }
    }
    Some(cur)
}

/// Arguments of a call node.
fn arguments(call: SyntaxNode<'_>) -> impl Iterator<Item = SyntaxNode<'_>> {
    call.nodes()
        .filter(|n| n.kind == K::FunctionArgument)
        .filter_map(|a| a.nodes().next())
}

fn integer(text: &str, node: SyntaxNode<'_>) -> Option<i64> {
    let t: &Token = node.tokens().next()?;
    slice(text, &t.span).parse().ok()
}

/// Whether a module path is a registry (`br:`, `br/alias:`) or template spec (`ts:`,
/// `ts/alias:`) reference rather than a local file.
pub(in crate::frontend::bicep) fn is_registry_reference(path: &str) -> bool {
    let scheme = path.split(':').next().unwrap_or("");
    path.contains(':')
        && (scheme == "br"
            || scheme == "ts"
            || scheme.starts_with("br/")
            || scheme.starts_with("ts/"))
}

mod expressions;
mod imports;
mod modules;
mod resources;
#[cfg(test)]
mod tests;
