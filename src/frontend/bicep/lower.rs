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

use std::ops::Range;
use std::rc::Rc;

use foldhash::HashMap;

use super::lexer::{Token, TokenKind, string_value, string_values};
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

/// Lowers the syntax tree `root` of the Bicep file `file` (text `text`). `damaged` are the
/// byte ranges of syntax errors: a declaration that overlaps one holds unknowns.
pub(crate) fn template(
    root: &SyntaxNode,
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
}

/// Lowers a `.bicepparam` file: its variables and functions as a template, and the value
/// expression of each parameter it assigns, by name.
pub(crate) fn parameter_file(
    root: &SyntaxNode,
    file: FileId,
    text: &str,
    damaged: &[Range<u32>],
    files: &dyn ReadBeside,
) -> (Template, Vec<(String, Node)>) {
    let mut lowering = Lowering::new(root, file, text, damaged, files);
    let template = lowering.program(root);
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
    (template, assignments)
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
    decl: &'s SyntaxNode,
    symbol: String,
    /// The full type, without the API version.
    full_type: String,
    api_version: String,
    existing: bool,
    /// The resource's object (inside `if` and `for`).
    body: Option<&'s SyntaxNode>,
    /// The `for` around the body, if any.
    each: Option<&'s SyntaxNode>,
    /// The resource it is declared in, or names in `parent:`.
    parent: Option<usize>,
    /// The `parent:` property's value, when written.
    parent_ref: Option<&'s SyntaxNode>,
}

/// A name bound inside an expression.
#[derive(Clone)]
enum Local<'s> {
    /// A `for` item: the list indexed by the loop's index.
    Item {
        name: String,
        list: &'s SyntaxNode,
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
    root: &'s SyntaxNode,
    text: &'s str,
    files: &'s dyn ReadBeside,
    file: FileId,
    /// The syntax errors' ranges, sorted and merged.
    damaged: Vec<Range<u32>>,
    infos: Vec<ResourceInfo<'s>>,
    /// Top-level and nested symbols → what they are (resources by index into `infos`).
    symbols: HashMap<String, SymbolRef<'s>>,
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
    /// Expression nodes lowered so far, and the most allowed (proportional to the text).
    work: u64,
    max_work: u64,
    /// Set when this file's expressions are lowered into another file's (a module output):
    /// nothing may name this file's parameters, variables or functions by name there.
    inline: Option<Inline>,
    /// What `import` declarations bring in: the file (as written) and the symbol's name
    /// there (empty for a wildcard's namespace).
    imports: Vec<(String, String)>,
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
    Module(&'s SyntaxNode),
    /// A symbol imported by name (`import {x as y} from 'f.bicep'`): index into `imports`.
    Imported(usize),
    /// A namespace of a wildcard import (`import * as ns from 'f.bicep'`): the file path's
    /// index into `imports` (with an empty name).
    Namespace(usize),
}

/// The text of an identifier node or token.
fn ident<'t>(text: &'t str, node: &SyntaxNode) -> &'t str {
    node.tokens().next().map_or("", |t| slice(text, &t.span))
}

fn slice<'t>(text: &'t str, span: &Range<u32>) -> &'t str {
    text.get(span.start as usize..span.end as usize)
        .unwrap_or("")
}

/// Whether `node` is an expression node (not a token, decorator or newline).
fn value_child(node: &SyntaxNode) -> Option<&SyntaxNode> {
    node.nodes().last()
}

impl<'s> Lowering<'s> {
    fn new(
        root: &'s SyntaxNode,
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
            max_work: 100_000 + 64 * text.len() as u64,
            inline: None,
            imports: Vec::new(),
        };
        l.declare(root);
        l
    }

    /// First pass: every top-level name, and every resource (nested ones too).
    fn declare(&mut self, root: &'s SyntaxNode) {
        for decl in root.nodes() {
            if decl.kind == K::CompileTimeImportDeclaration {
                self.declare_imports(decl);
                continue;
            }
            let name = decl
                .child(K::Identifier)
                .map(|n| ident(self.text, n).to_owned());
            let Some(name) = name else {
                if decl.kind == K::TargetScope
                    && let Some(s) = decl.child(K::String)
                {
                    self.target_scope = self.plain_string(s).unwrap_or_default();
                }
                continue;
            };
            let symbol = match decl.kind {
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

    /// Declarations a syntax error swallowed (recovery skipped them, or they ended up inside
    /// another declaration's damaged body): each `resource` of an image-bearing type and each
    /// `module` whose keyword, name and type or path can still be read is an unknown resource
    /// there, so what it deploys is IG002, never a pass.
    fn swallowed(&self, root: &'s SyntaxNode) -> Vec<ResourceDecl> {
        let handled: foldhash::HashSet<u32> = self
            .infos
            .iter()
            .map(|i| i.decl)
            .chain(root.nodes().filter(|n| n.kind == K::ModuleDeclaration))
            .filter_map(|decl| {
                decl.tokens()
                    .find(|t| t.kind == TokenKind::Identifier)
                    .map(|t| t.span.start)
            })
            .collect();
        let mut tokens: Vec<&Token> = Vec::new();
        let mut stack: Vec<&SyntaxNode> = vec![root];
        while let Some(node) = stack.pop() {
            for child in node.children.iter().rev() {
                match child {
                    SyntaxElement::Node(n) => stack.push(n),
                    SyntaxElement::Token(t) => tokens.push(t),
                }
            }
        }
        // Children were pushed in reverse, nodes before their tokens: order by position.
        tokens.sort_by_key(|t| t.span.start);
        let catalog = Catalog::builtin();
        let mut out = Vec::new();
        for window in tokens.windows(3) {
            let [keyword, symbol, kind] = window else {
                continue;
            };
            let word = slice(self.text, &keyword.span);
            if keyword.kind != TokenKind::Identifier
                || !(word == "resource" || word == "module")
                || symbol.kind != TokenKind::Identifier
                || kind.kind != TokenKind::StringComplete
                || handled.contains(&keyword.span.start)
            {
                continue;
            }
            let written = string_value(self.text, kind);
            let symbol_text = slice(self.text, &symbol.span);
            let at = keyword.span.start..kind.span.end;
            let span = self.span(&at);
            let damaged = || self.unknowable(&at, Cause::DamagedDeclaration);
            let (resource_type, body, deployment) = if word == "module" {
                let deployment = NestedDeployment {
                    inner_scope: true,
                    template: DeployedTemplate::Expression(damaged()),
                    parameters: None,
                    parameters_link: None,
                    subscription: None,
                    resource_group: None,
                };
                (
                    "Microsoft.Resources/deployments".to_owned(),
                    None,
                    Some(deployment),
                )
            } else {
                let resource_type = written.split('@').next().unwrap_or("").to_owned();
                if catalog.arm(&resource_type).is_none() {
                    continue;
                }
                (resource_type, Some(damaged()), None)
            };
            out.push(ResourceDecl {
                span,
                symbol: Some(symbol_text.into()),
                resource_type: resource_type.into(),
                written_name: symbol_text.into(),
                name: Some(self.str_node(&symbol.span, symbol_text)),
                condition: None,
                copy: None,
                body,
                children: None,
                deployment,
            });
        }
        out
    }

    /// Records the symbols an `import … from 'file'` brings in.
    fn declare_imports(&mut self, decl: &'s SyntaxNode) {
        let Some(path) = decl
            .child(K::CompileTimeImportFromClause)
            .and_then(|f| f.child(K::String))
            .and_then(|s| self.plain_string(s))
        else {
            return;
        };
        if let Some(list) = decl.child(K::ImportedSymbolsList) {
            for item in list
                .nodes()
                .filter(|n| n.kind == K::ImportedSymbolsListItem)
            {
                let original = match item.nodes().next() {
                    Some(n) if n.kind == K::Identifier => Some(ident(self.text, n).to_owned()),
                    Some(n) if n.kind == K::String => self.plain_string(n),
                    _ => None,
                };
                let Some(original) = original else { continue };
                let local = item
                    .child(K::AliasAsClause)
                    .and_then(|a| a.child(K::Identifier))
                    .map_or(original.clone(), |i| ident(self.text, i).to_owned());
                self.imports.push((path.clone(), original));
                let index = self.imports.len() - 1;
                self.symbols
                    .entry(local)
                    .or_insert(SymbolRef::Imported(index));
            }
        } else if let Some(alias) = decl
            .child(K::WildcardImport)
            .and_then(|w| w.child(K::AliasAsClause))
            .and_then(|a| a.child(K::Identifier))
        {
            self.imports.push((path, String::new()));
            let index = self.imports.len() - 1;
            self.symbols
                .entry(ident(self.text, alias).to_owned())
                .or_insert(SymbolRef::Namespace(index));
        }
    }

    /// The value of variable `name` exported by the file at `path` (relative to this one),
    /// lowered here; anything else (a function, a type, a registry file) is unknown.
    fn imported(&mut self, node: &'s SyntaxNode, path: &str, name: &str) -> Expr {
        let (start, end) = self.at(node);
        let unknown = |l: &Self, problem: &str| {
            l.unknowable_expr(
                start,
                end,
                Cause::LoadedFile {
                    function: "import",
                    path: path.to_owned(),
                    problem: problem.to_owned(),
                },
            )
        };
        if is_registry_reference(path) {
            return unknown(self, "a registry file is not read offline");
        }
        if self.inlining >= 8 {
            return unknown(self, "imports nested this deep are not followed");
        }
        let text = match self.files.read(path) {
            Ok(text) => text,
            Err(problem) => return unknown(self, &problem),
        };
        let parsed = super::parser::parse(&text);
        if !parsed.errors.is_empty() {
            return unknown(self, "it has syntax errors");
        }
        let Some(value) = parsed
            .root
            .nodes()
            .filter(|n| n.kind == K::VariableDeclaration)
            .find(|n| {
                n.child(K::Identifier)
                    .is_some_and(|i| ident(&text, i) == name)
            })
            .and_then(value_child)
        else {
            return self.construct(node, "an imported function or type used as a value");
        };
        let refuse = Refuse;
        let mut inner = Lowering::new(&parsed.root, self.file, &text, &[], &refuse);
        inner.inline = Some(Inline {
            arguments: HashMap::default(),
            scoped: false,
        });
        inner.pin = Some((start, end));
        inner.inlining = self.inlining + 1;
        inner.work = self.work;
        inner.max_work = self.max_work;
        let out = inner.expr(value);
        self.work = inner.work;
        out
    }

    /// The wildcard import an instance call is made on (`ns.f()`), if any.
    fn namespace_of(&self, call: &SyntaxNode) -> Option<usize> {
        let base = call
            .nodes()
            .next()
            .filter(|b| b.kind == K::VariableAccess)?;
        if self.is_local(base) {
            return None;
        }
        match self
            .symbols
            .get(ident(self.text, base.child(K::Identifier)?))?
        {
            SymbolRef::Namespace(i) => Some(*i),
            _ => None,
        }
    }

    /// A call of function `name` exported by the file at `path`: its body lowered here with
    /// its parameters bound to the arguments (lowered here first). A user function sees only
    /// its parameters and other functions, so nothing of the caller can leak in.
    fn imported_function(
        &mut self,
        node: &'s SyntaxNode,
        path: &str,
        name: &str,
        args: &[&'s SyntaxNode],
    ) -> Expr {
        let (start, end) = self.at(node);
        let unknown = |l: &Self, problem: &str| {
            l.unknowable_expr(
                start,
                end,
                Cause::LoadedFile {
                    function: "import",
                    path: path.to_owned(),
                    problem: problem.to_owned(),
                },
            )
        };
        if is_registry_reference(path) {
            return unknown(self, "a registry file is not read offline");
        }
        if self.inlining >= 8 {
            return unknown(self, "imports nested this deep are not followed");
        }
        let text = match self.files.read(path) {
            Ok(text) => text,
            Err(problem) => return unknown(self, &problem),
        };
        let parsed = super::parser::parse(&text);
        if !parsed.errors.is_empty() {
            return unknown(self, "it has syntax errors");
        }
        let Some(lambda) = parsed
            .root
            .nodes()
            .filter(|n| n.kind == K::FunctionDeclaration)
            .find(|n| {
                n.child(K::Identifier)
                    .is_some_and(|i| ident(&text, i) == name)
            })
            .and_then(|f| f.child(K::TypedLambda))
        else {
            return self.construct(node, "an imported symbol that is not a function, called");
        };
        let parameters: Vec<String> = lambda
            .child(K::TypedVariableBlock)
            .into_iter()
            .flat_map(|b| b.nodes().filter(|n| n.kind == K::TypedLocalVariable))
            .filter_map(|v| v.child(K::Identifier))
            .map(|i| ident(&text, i).to_owned())
            .collect();
        let Some(body) = value_child(lambda) else {
            return self.construct(node, "a function without a body");
        };
        let mut arguments = HashMap::default();
        for (parameter, arg) in parameters.iter().zip(args) {
            let e = if arg.kind == K::Lambda {
                self.lambda(arg)
            } else {
                self.expr(arg)
            };
            arguments.insert(parameter.clone(), e);
        }
        let refuse = Refuse;
        let mut inner = Lowering::new(&parsed.root, self.file, &text, &[], &refuse);
        inner.inline = Some(Inline {
            arguments,
            scoped: false,
        });
        inner.pin = Some((start, end));
        inner.inlining = self.inlining + 1;
        inner.work = self.work;
        inner.max_work = self.max_work;
        let out = inner.expr(body);
        self.work = inner.work;
        out
    }

    /// Records resource `decl` (declared in resource `parent`) and its nested resources;
    /// returns its index.
    fn resource_info(&mut self, decl: &'s SyntaxNode, parent: Option<usize>) -> usize {
        let symbol = decl
            .child(K::Identifier)
            .map_or(String::new(), |n| ident(self.text, n).to_owned());
        let written_type = decl
            .child(K::String)
            .and_then(|s| self.plain_string(s))
            .unwrap_or_default();
        let (own_type, api_version) = match written_type.split_once('@') {
            Some((t, v)) => (t.to_owned(), v.to_owned()),
            None => (written_type.clone(), String::new()),
        };
        let existing = decl
            .tokens()
            .any(|t| t.kind == TokenKind::Identifier && slice(self.text, &t.span) == "existing");
        let (body, each) = unwrap_body(value_child(decl));
        let parent_ref = body.and_then(|b| self.property(b, "parent"));
        let full_type = match parent {
            Some(p) if !own_type.contains('/') || own_type.matches('/').count() == 0 => {
                format!("{}/{}", self.infos[p].full_type, own_type)
            }
            _ => own_type,
        };
        let index = self.infos.len();
        self.infos.push(ResourceInfo {
            decl,
            symbol: symbol.clone(),
            full_type,
            api_version,
            existing,
            body,
            each,
            parent,
            parent_ref,
        });
        if let Some(body) = body {
            for child in body.nodes().filter(|n| n.kind == K::ResourceDeclaration) {
                let child_index = self.resource_info(child, Some(index));
                let name = self.infos[child_index].symbol.clone();
                self.nested.insert((index, name.clone()), child_index);
                self.symbols
                    .entry(name)
                    .or_insert(SymbolRef::Resource(child_index));
            }
        }
        index
    }

    fn span(&self, range: &Range<u32>) -> Span {
        Span {
            file: self.file,
            start: range.start,
            end: range.end,
        }
    }

    fn is_damaged(&self, range: &Range<u32>) -> bool {
        self.damaged.iter().any(|d| {
            d.start < range.end.max(range.start + 1) && range.start < d.end.max(d.start + 1)
        })
    }

    // ----- the program -----------------------------------------------------------------

    fn program(&mut self, root: &'s SyntaxNode) -> Template {
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
        template
    }

    fn decorators(&self, decl: &'s SyntaxNode) -> impl Iterator<Item = (&'s str, &'s SyntaxNode)> {
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

    fn parameter(&mut self, decl: &'s SyntaxNode) -> Option<(Text, Parameter)> {
        let id = decl.child(K::Identifier)?;
        let name = ident(self.text, id);
        let damaged = self.is_damaged(&decl.span);
        let default = match decl.child(K::ParameterDefaultValue).and_then(value_child) {
            _ if damaged => Some(self.unknowable(&decl.span, Cause::DamagedDeclaration)),
            Some(v) => Some(self.node(v)),
            None => None,
        };
        let mut allowed = None;
        let decorators: Vec<(&'s str, &'s SyntaxNode)> = self.decorators(decl).collect();
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

    fn variable(&mut self, decl: &'s SyntaxNode) -> Option<(Text, Variable)> {
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

    fn function(&mut self, decl: &'s SyntaxNode) -> Option<(Text, Function)> {
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
    fn copy_loop(&mut self, each: &'s SyntaxNode, name: &str) -> CopyLoop {
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

    fn push_loop(
        &mut self,
        item: Option<&str>,
        index: Option<&str>,
        list: &'s SyntaxNode,
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

    /// `length(list)` as a node.
    fn length_of(&mut self, list: &'s SyntaxNode) -> Node {
        self.expr_node(list, |l, list| {
            let e = l.expr(list);
            l.call("length", vec![e], list)
        })
    }

    // ----- resources -------------------------------------------------------------------

    fn resource(&mut self, index: usize) -> Option<ResourceDecl> {
        let info = &self.infos[index];
        if info.existing {
            return None;
        }
        let decl = info.decl;
        let symbol = info.symbol.clone();
        let full_type = info.full_type.clone();
        let each = info.each;
        let body = info.body;
        let damaged = self.is_damaged(&decl.span);
        let condition_node = condition_of(value_child(decl));
        // The loop's variables are in scope in the condition, the name and the body.
        let mut pushed = 0;
        let mut copy = None;
        if let Some(each) = each
            && let Some((item, idx, list, _)) = for_parts(each, self.text)
        {
            let count = self.length_of(list);
            copy = Some(ResourceLoop {
                name: symbol.clone().into(),
                count: Some(count),
            });
            pushed = self.push_loop(item, idx, list, LoopIndex::Copy(symbol.clone()));
        }
        let condition = condition_node.map(|c| self.node(c));
        let name_node = body.and_then(|b| self.property(b, "name"));
        let written_name = name_node.map_or(String::new(), |n| self.written(n));
        let name = match name_node {
            Some(n)
                if self.infos[index].parent_ref.is_some()
                    || self.infos[index]
                        .parent
                        .is_some_and(|p| self.infos[p].existing) =>
            {
                Some(self.expr_node(n, |l, n| l.qualified_name(index, n)))
            }
            Some(n) => Some(self.node(n)),
            None => None,
        };
        let catalog = Catalog::builtin();
        let body_node = match body {
            _ if damaged => Some(self.unknowable(&decl.span, Cause::DamagedDeclaration)),
            Some(b) if catalog.arm(&full_type).is_some() => Some(self.node(b)),
            _ => None,
        };
        // A deployments resource written as a resource (not a module) deploys what its
        // properties name, as in ARM JSON.
        let deployment = match body {
            Some(b) if full_type.eq_ignore_ascii_case("Microsoft.Resources/deployments") => {
                Some(self.raw_deployment(b, damaged, &decl.span))
            }
            _ => None,
        };
        let mut children = Vec::new();
        let child_indexes: Vec<usize> = (0..self.infos.len())
            .filter(|&i| self.infos[i].parent == Some(index))
            .collect();
        for child in child_indexes {
            if let Some(c) = self.resource(child) {
                children.push(c);
            }
        }
        self.locals.truncate(self.locals.len() - pushed);
        Some(ResourceDecl {
            span: self.span(&decl.span),
            symbol: Some(symbol.into()),
            resource_type: full_type.into(),
            written_name: written_name.into(),
            name,
            condition,
            copy,
            body: body_node,
            children: (!children.is_empty()).then_some(children),
            deployment,
        })
    }

    /// The name of resource `index` with its parent's (`parent:`) before it: `parent/own`.
    fn qualified_name(&mut self, index: usize, own: &'s SyntaxNode) -> Expr {
        let own = self.expr(own);
        let Some(parent) = self.parent_of(index) else {
            return own;
        };
        let parent_name = self.resource_name(parent, None, own.start, own.end);
        let fmt = self.lit("{0}/{1}", own.start, own.end);
        Expr {
            start: own.start,
            end: own.end,
            kind: ExprKind::Call {
                namespace: None,
                name: "format".into(),
                args: vec![fmt, parent_name, own],
            },
        }
    }

    /// The resource `parent:` names (a symbol, possibly `a::b`), or the one it is nested in.
    fn parent_of(&self, index: usize) -> Option<usize> {
        let info = &self.infos[index];
        if let Some(p) = info.parent {
            return Some(p);
        }
        let r = info.parent_ref?;
        self.resource_symbol(r).map(|(i, _)| i)
    }

    /// The resource an expression names (`sym`, `a::b`, `sym[i]`), with the index expression.
    fn resource_symbol(&self, node: &'s SyntaxNode) -> Option<(usize, Option<&'s SyntaxNode>)> {
        match node.kind {
            K::VariableAccess => {
                let name = ident(self.text, node.child(K::Identifier)?);
                if self.locals.iter().any(|l| local_name(l) == name) {
                    return None;
                }
                match self.symbols.get(name)? {
                    SymbolRef::Resource(i) => Some((*i, None)),
                    _ => None,
                }
            }
            K::ResourceAccess => {
                let mut nodes = node.nodes();
                let (base, _) = self.resource_symbol(nodes.next()?)?;
                let child = ident(self.text, nodes.next()?);
                self.nested
                    .get(&(base, child.to_owned()))
                    .map(|&i| (i, None))
            }
            K::ArrayAccess => {
                let mut nodes = node.nodes();
                let (i, None) = self.resource_symbol(nodes.next()?)? else {
                    return None;
                };
                Some((i, nodes.next()))
            }
            K::NonNullAssertion | K::ParenthesizedExpression => {
                self.resource_symbol(node.nodes().next()?)
            }
            _ => None,
        }
    }

    /// The name of resource `index` (its instance at `at`, when it is a loop), with spans
    /// pinned at `start..end`.
    fn resource_name(&mut self, index: usize, at: Option<Expr>, start: u32, end: u32) -> Expr {
        let info = &self.infos[index];
        let body = info.body;
        let each = info.each;
        let Some(name) = body.and_then(|b| self.property(b, "name")) else {
            return self.unknowable_expr(
                start,
                end,
                Cause::BicepConstruct {
                    construct: "a resource without a name",
                },
            );
        };
        let pin = self.pin.replace((start, end));
        let pushed = self.bind_instance(each, at, start, end);
        let own = self.expr(name);
        let out = match self.parent_of(index) {
            Some(parent) if self.inlining < 8 => {
                self.inlining += 1;
                let parent_name = self.resource_name(parent, None, start, end);
                self.inlining -= 1;
                let fmt = self.lit("{0}/{1}", start, end);
                self.call_at("format", vec![fmt, parent_name, own], start, end)
            }
            _ => own,
        };
        self.locals.truncate(self.locals.len() - pushed);
        self.pin = pin;
        out
    }

    /// Binds the loop variables of a resource's `for` to instance `at` (unknown when not
    /// given); returns how many locals were pushed.
    fn bind_instance(
        &mut self,
        each: Option<&'s SyntaxNode>,
        at: Option<Expr>,
        start: u32,
        end: u32,
    ) -> usize {
        let Some(each) = each else { return 0 };
        let Some((item, index, list, _)) = for_parts(each, self.text) else {
            return 0;
        };
        let at = at.unwrap_or_else(|| {
            self.unknowable_expr(
                start,
                end,
                Cause::BicepConstruct {
                    construct: "a looped resource named without an index",
                },
            )
        });
        self.push_loop(item, index, list, LoopIndex::Fixed(Box::new(at)))
    }

    /// The ID of resource `index` (instance `at`), in the scope it is declared for.
    fn resource_id(&mut self, index: usize, at: Option<Expr>, start: u32, end: u32) -> Expr {
        let mut names = Vec::new();
        let mut chain = vec![index];
        let mut cur = index;
        while let Some(p) = self.parent_of(cur) {
            if chain.contains(&p) || chain.len() > 8 {
                break;
            }
            chain.push(p);
            cur = p;
        }
        let top = *chain.last().unwrap_or(&index);
        let pin = self.pin.replace((start, end));
        for (n, &i) in chain.iter().rev().enumerate() {
            let at_here = if n + 1 == chain.len() {
                at.clone()
            } else {
                None
            };
            let info = &self.infos[i];
            let (body, each) = (info.body, info.each);
            let pushed = self.bind_instance(each, at_here, start, end);
            let name = match body.and_then(|b| self.property(b, "name")) {
                Some(name) => self.expr(name),
                None => self.unknowable_expr(
                    start,
                    end,
                    Cause::BicepConstruct {
                        construct: "a resource without a name",
                    },
                ),
            };
            self.locals.truncate(self.locals.len() - pushed);
            names.push(name);
        }
        let full_type = self.infos[index].full_type.clone();
        let scope = self.infos[top].body.and_then(|b| self.property(b, "scope"));
        let mut args = vec![self.lit(&full_type, start, end)];
        args.extend(names);
        let out = match scope {
            None => {
                let function = match self.target_scope.as_str() {
                    "subscription" => "subscriptionResourceId",
                    "tenant" => "tenantResourceId",
                    "managementGroup" => "managementGroupResourceId",
                    _ => "resourceId",
                };
                self.call_at(function, args, start, end)
            }
            Some(scope) => self.scoped_id(scope, args, start, end),
        };
        self.pin = pin;
        out
    }

    /// A resource ID in the scope `scope` names: `resourceGroup(…)`, `subscription(…)`,
    /// `tenant()`, or another resource (an extension resource).
    fn scoped_id(
        &mut self,
        scope: &'s SyntaxNode,
        mut args: Vec<Expr>,
        start: u32,
        end: u32,
    ) -> Expr {
        if let Some((i, at)) = self.resource_symbol(scope) {
            let at = at.map(|a| self.expr(a));
            let parent = self.resource_id(i, at, start, end);
            args.insert(0, parent);
            return self.call_at("extensionResourceId", args, start, end);
        }
        let (name, call_args) = match scope.kind {
            K::FunctionCall => (
                ident(self.text, scope.child(K::Identifier).unwrap_or(scope)),
                arguments(scope).collect::<Vec<_>>(),
            ),
            K::InstanceFunctionCall => (
                scope
                    .nodes()
                    .filter(|n| n.kind == K::Identifier)
                    .last()
                    .map_or("", |n| ident(self.text, n)),
                arguments(scope).collect(),
            ),
            _ => ("", Vec::new()),
        };
        let lowered: Vec<Expr> = call_args.into_iter().map(|a| self.expr(a)).collect();
        let (function, mut head) = match (name, lowered.len()) {
            ("resourceGroup", 0) => ("resourceId", Vec::new()),
            ("resourceGroup", 1 | 2) => ("resourceId", lowered),
            ("subscription", 0) => ("subscriptionResourceId", Vec::new()),
            ("subscription", 1) => ("subscriptionResourceId", lowered),
            ("tenant", 0) => ("tenantResourceId", Vec::new()),
            _ => {
                return self.unknowable_expr(
                    start,
                    end,
                    Cause::BicepConstruct {
                        construct: "a resource ID in a scope given this way",
                    },
                );
            }
        };
        head.append(&mut args);
        self.call_at(function, head, start, end)
    }

    /// What a `Microsoft.Resources/deployments` resource declared as a resource deploys:
    /// its `templateLink` (relative path, URI, template spec ID), with the `parameters` it
    /// passes; an inline `template` written in Bicep is not followed (IG002), never passed.
    fn raw_deployment(
        &mut self,
        body: &'s SyntaxNode,
        damaged: bool,
        at: &Range<u32>,
    ) -> NestedDeployment {
        let properties = self
            .property(body, "properties")
            .filter(|p| p.kind == K::Object);
        let get = |l: &Self, name: &str| properties.and_then(|p| l.property(p, name));
        let inner_scope = get(self, "expressionEvaluationOptions")
            .filter(|o| o.kind == K::Object)
            .and_then(|o| self.property(o, "scope"))
            .and_then(|s| self.plain_string(s))
            .is_some_and(|s| s.eq_ignore_ascii_case("inner"));
        let template = if damaged || properties.is_none() {
            DeployedTemplate::Expression(self.unknowable(at, Cause::DamagedDeclaration))
        } else if let Some(path) = get(self, "template")
            .filter(|_| inner_scope)
            .and_then(|t| self.loaded_json_path(t))
        {
            // `template: loadJsonContent('t.json')` in inner scope deploys that local file
            // with the parameters passed, as a relative templateLink does.
            DeployedTemplate::RelativePath(self.str_node(&path.0, &path.1))
        } else if let Some(template) = get(self, "template") {
            let deploys_nothing = template.kind == K::Object
                && self.property(template, "resources").is_none_or(|r| {
                    r.kind == K::Array && !r.nodes().any(|n| n.kind == K::ArrayItem)
                });
            if deploys_nothing {
                DeployedTemplate::Empty
            } else {
                DeployedTemplate::Expression(self.unknowable(
                    &template.span,
                    Cause::BicepConstruct {
                        construct: "an inline ARM template in a Bicep deployments resource",
                    },
                ))
            }
        } else if let Some(link) = get(self, "templateLink") {
            let field = |l: &Self, name: &str| {
                (link.kind == K::Object)
                    .then(|| l.property(link, name))
                    .flatten()
            };
            if let Some(relative) = field(self, "relativePath") {
                DeployedTemplate::RelativePath(self.node(relative))
            } else if let Some(uri) = field(self, "uri") {
                DeployedTemplate::Uri(self.node(uri))
            } else if let Some(id) = field(self, "id") {
                DeployedTemplate::Spec(self.node(id))
            } else {
                DeployedTemplate::Spec(self.node(link))
            }
        } else {
            DeployedTemplate::Missing
        };
        let parameters = get(self, "parameters").map(|p| {
            if p.kind != K::Object || p.nodes().any(|n| n.kind == K::SpreadExpression) {
                return PassedParameters::Whole(self.node(p));
            }
            let mut each = Vec::new();
            for property in p.nodes().filter(|n| n.kind == K::ObjectProperty) {
                let Some(key) = self.key_text(property) else {
                    continue;
                };
                let entry = value_child(property).filter(|e| e.kind == K::Object);
                let passed = match entry {
                    Some(e) => match (self.property(e, "value"), self.property(e, "reference")) {
                        (Some(v), _) => PassedValue::Value(self.node(v)),
                        (None, Some(_)) => PassedValue::KeyVault(self.span(&e.span)),
                        (None, None) => PassedValue::Nothing,
                    },
                    None => PassedValue::Nothing,
                };
                each.push((Text::from(key), passed));
            }
            PassedParameters::Each(each)
        });
        let parameters_link = get(self, "parametersLink").map(|l| {
            match (l.kind == K::Object)
                .then(|| self.property(l, "uri"))
                .flatten()
            {
                Some(uri) => self.node(uri),
                None => self.node(l),
            }
        });
        let subscription = self.property(body, "subscriptionId").map(|n| self.node(n));
        let resource_group = self.property(body, "resourceGroup").map(|n| self.node(n));
        NestedDeployment {
            inner_scope,
            template,
            parameters,
            parameters_link,
            subscription,
            resource_group,
        }
    }

    /// The path of `loadJsonContent('path')` (the whole file, no JSON path), with the call's
    /// bytes.
    fn loaded_json_path(&self, node: &SyntaxNode) -> Option<(Range<u32>, String)> {
        if node.kind != K::FunctionCall
            || node.child(K::Identifier).map(|i| ident(self.text, i)) != Some("loadJsonContent")
        {
            return None;
        }
        let args: Vec<&SyntaxNode> = arguments(node).collect();
        match args.as_slice() {
            [path] => Some((node.span.clone(), self.plain_string(path)?)),
            _ => None,
        }
    }

    // ----- modules ---------------------------------------------------------------------

    fn module(&mut self, decl: &'s SyntaxNode) -> Option<ResourceDecl> {
        let symbol = ident(self.text, decl.child(K::Identifier)?).to_owned();
        let path_node = decl.child(K::String)?;
        let path = self.plain_string(path_node);
        let (body, each) = unwrap_body(value_child(decl));
        let condition_node = condition_of(value_child(decl));
        let mut pushed = 0;
        let mut copy = None;
        if let Some(each) = each
            && let Some((item, idx, list, _)) = for_parts(each, self.text)
        {
            let count = self.length_of(list);
            copy = Some(ResourceLoop {
                name: symbol.clone().into(),
                count: Some(count),
            });
            pushed = self.push_loop(item, idx, list, LoopIndex::Copy(symbol.clone()));
        }
        let condition = condition_node.map(|c| self.node(c));
        let name_node = body.and_then(|b| self.property(b, "name"));
        let name = Some(match name_node {
            Some(n) => self.node(n),
            None => self.str_node(&decl.child(K::Identifier)?.span, &symbol),
        });
        let written_name = name_node.map_or(symbol.clone(), |n| self.written(n));
        let path_span = self.span(&path_node.span);
        let template = match &path {
            _ if self.is_damaged(&decl.span) => {
                DeployedTemplate::Expression(self.unknowable(&decl.span, Cause::DamagedDeclaration))
            }
            None => DeployedTemplate::Expression(self.unknowable(
                &path_node.span,
                Cause::BicepConstruct {
                    construct: "a module path that is not a plain string",
                },
            )),
            Some(p) if is_registry_reference(p) => DeployedTemplate::Registry(Node {
                span: path_span,
                kind: NodeKind::Str(p.as_str().into()),
            }),
            Some(p) => DeployedTemplate::RelativePath(Node {
                span: path_span,
                kind: NodeKind::Str(p.as_str().into()),
            }),
        };
        let parameters = body
            .and_then(|b| self.property(b, "params"))
            .map(|params| self.passed(params));
        let (subscription, resource_group) = match body.and_then(|b| self.property(b, "scope")) {
            Some(scope) => self.module_scope(scope),
            None => (None, None),
        };
        self.locals.truncate(self.locals.len() - pushed);
        Some(ResourceDecl {
            span: self.span(&decl.span),
            symbol: Some(symbol.into()),
            resource_type: "Microsoft.Resources/deployments".into(),
            written_name: written_name.into(),
            name,
            condition,
            copy,
            body: None,
            children: None,
            deployment: Some(NestedDeployment {
                inner_scope: true,
                template,
                parameters,
                parameters_link: None,
                subscription,
                resource_group,
            }),
        })
    }

    /// The parameter values a module's `params` passes.
    fn passed(&mut self, params: &'s SyntaxNode) -> PassedParameters {
        if params.kind != K::Object || params.nodes().any(|n| n.kind == K::SpreadExpression) {
            // The evaluator takes a whole set as `{name: {value: …}}`.
            return PassedParameters::Whole(self.expr_node(params, |l, p| {
                let value = l.expr(p);
                let (start, end) = (value.start, value.end);
                let var = l.lit("__param", start, end);
                let item = l.call_at("lambdaVariables", vec![var.clone()], start, end);
                let key = l.lit("value", start, end);
                let wrapped = l.call_at("createObject", vec![key, item], start, end);
                let lambda = l.call_at("lambda", vec![var, wrapped], start, end);
                l.call_at("mapValues", vec![value, lambda], start, end)
            }));
        }
        let mut each = Vec::new();
        for property in params.nodes().filter(|n| n.kind == K::ObjectProperty) {
            let Some(key) = self.key_text(property) else {
                continue;
            };
            let value = match value_child(property) {
                Some(v) => PassedValue::Value(self.node(v)),
                None => PassedValue::Nothing,
            };
            each.push((Text::from(key), value));
        }
        PassedParameters::Each(each)
    }

    /// The subscription and resource group a module's `scope:` deploys to.
    fn module_scope(&mut self, scope: &'s SyntaxNode) -> (Option<Node>, Option<Node>) {
        let name = match scope.kind {
            K::FunctionCall => scope.child(K::Identifier).map(|i| ident(self.text, i)),
            K::InstanceFunctionCall => scope
                .nodes()
                .filter(|n| n.kind == K::Identifier)
                .last()
                .map(|i| ident(self.text, i)),
            _ => None,
        };
        let args: Vec<&'s SyntaxNode> = arguments(scope).collect();
        match (name, args.as_slice()) {
            (Some("resourceGroup"), [rg]) => (None, Some(self.node(rg))),
            (Some("resourceGroup"), [sub, rg]) => (Some(self.node(sub)), Some(self.node(rg))),
            (Some("subscription"), [sub]) => (Some(self.node(sub)), None),
            (Some("resourceGroup" | "subscription" | "tenant" | "managementGroup"), _) => {
                (None, None)
            }
            _ => {
                let unknown = self.unknowable(
                    &scope.span,
                    Cause::BicepConstruct {
                        construct: "a module scope given this way",
                    },
                );
                (None, Some(unknown))
            }
        }
    }

    // ----- values ----------------------------------------------------------------------

    /// The value of property `name` of object `object` (the last one written wins).
    fn property(&self, object: &'s SyntaxNode, name: &str) -> Option<&'s SyntaxNode> {
        object
            .nodes()
            .filter(|n| n.kind == K::ObjectProperty)
            .filter(|p| self.key_text(p).as_deref() == Some(name))
            .last()
            .and_then(value_child)
    }

    /// A value as written, for messages: a string without its quotes (messages quote names).
    fn written(&self, node: &SyntaxNode) -> String {
        let text = slice(self.text, &node.span);
        match text.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')) {
            Some(inner) if node.kind == K::String && !text.starts_with("'''") => inner.to_owned(),
            _ => text.to_owned(),
        }
    }

    /// The key of an object property, when it is a plain identifier or string.
    fn key_text(&self, property: &SyntaxNode) -> Option<String> {
        let key = property.nodes().next()?;
        match key.kind {
            K::Identifier => Some(ident(self.text, key).to_owned()),
            K::String => self.plain_string(key),
            _ => None,
        }
    }

    /// The value of a string without interpolation.
    fn plain_string(&self, node: &SyntaxNode) -> Option<String> {
        if node.nodes().next().is_some() {
            return None;
        }
        let mut tokens = node.tokens();
        let t = tokens.next()?;
        (t.kind == TokenKind::StringComplete && tokens.next().is_none())
            .then(|| string_value(self.text, t))
    }

    fn str_node(&self, at: &Range<u32>, s: &str) -> Node {
        Node {
            span: self.span(at),
            kind: NodeKind::Str(s.into()),
        }
    }

    fn unknowable(&self, at: &Range<u32>, cause: Cause) -> Node {
        let expr = Expr {
            start: 0,
            end: at.end - at.start,
            kind: ExprKind::Unknowable(Box::new(cause)),
        };
        self.tree_node(at, expr)
    }

    fn tree_node(&self, at: &Range<u32>, expr: Expr) -> Node {
        let source = slice(self.text, at);
        Node {
            span: self.span(at),
            kind: NodeKind::Expr(ExprText {
                source: source.into(),
                inner: (0, source.len() as u32),
                exact_offset: Some(0),
                tree: Some(Rc::new(Ok(expr))),
            }),
        }
    }

    /// A node holding the expression `build` makes of `syntax`, offsets counted from its start.
    fn expr_node(
        &mut self,
        syntax: &'s SyntaxNode,
        build: impl FnOnce(&mut Self, &'s SyntaxNode) -> Expr,
    ) -> Node {
        let (base, pin) = (self.base, self.pin.take());
        self.base = syntax.span.start;
        let expr = build(self, syntax);
        self.base = base;
        self.pin = pin;
        self.tree_node(&syntax.span, expr)
    }

    /// A value: literals, objects and arrays stay data (each part where it is written);
    /// anything else is an expression.
    fn node(&mut self, syntax: &'s SyntaxNode) -> Node {
        let span = self.span(&syntax.span);
        match syntax.kind {
            K::String => match self.plain_string(syntax) {
                Some(s) => Node {
                    span,
                    kind: NodeKind::Str(s.into()),
                },
                None => self.expr_node(syntax, |l, s| l.expr(s)),
            },
            K::IntegerLiteral => match integer(self.text, syntax) {
                Some(i) => Node {
                    span,
                    kind: NodeKind::Int(i),
                },
                None => self.expr_node(syntax, |l, s| l.expr(s)),
            },
            K::BooleanLiteral => Node {
                span,
                kind: NodeKind::Bool(syntax.has_token(TokenKind::TrueKeyword)),
            },
            K::NullLiteral => Node {
                span,
                kind: NodeKind::Null,
            },
            K::Array if !syntax.nodes().any(|n| n.kind == K::SpreadExpression) => {
                let items = syntax
                    .nodes()
                    .filter(|n| n.kind == K::ArrayItem)
                    .filter_map(value_child)
                    .map(|v| self.node(v))
                    .collect();
                Node {
                    span,
                    kind: NodeKind::Array(items),
                }
            }
            K::Object if !syntax.nodes().any(|n| n.kind == K::SpreadExpression) => {
                let mut properties = Vec::new();
                for property in syntax.nodes().filter(|n| n.kind == K::ObjectProperty) {
                    let Some(value) = value_child(property) else {
                        continue;
                    };
                    let key = match self.key_text(property) {
                        Some(k) => Key::Literal(k.into()),
                        None => {
                            let Some(key) = property.nodes().next() else {
                                continue;
                            };
                            let NodeKind::Expr(expr) = self.expr_node(key, |l, k| l.expr(k)).kind
                            else {
                                continue;
                            };
                            Key::Computed(Box::new(ComputedKey {
                                raw: expr.source.clone(),
                                expr,
                                span: self.span(&key.span),
                            }))
                        }
                    };
                    if value.kind == K::For {
                        let name = match &key {
                            Key::Literal(k) => k.to_string(),
                            Key::Computed(_) => {
                                let v = self.expr_node(value, |l, v| l.expr(v));
                                properties.push(Property::Field { key, value: v });
                                continue;
                            }
                        };
                        let copy = self.copy_loop(value, &name);
                        properties.push(Property::Loop(Box::new(copy)));
                        continue;
                    }
                    let value = self.node(value);
                    properties.push(Property::Field { key, value });
                }
                Node {
                    span,
                    kind: NodeKind::Object(properties),
                }
            }
            K::ParenthesizedExpression | K::NonNullAssertion => match syntax.nodes().next() {
                Some(inner) => self.node(inner),
                None => self.expr_node(syntax, |l, s| l.expr(s)),
            },
            _ => self.expr_node(syntax, |l, s| l.expr(s)),
        }
    }

    // ----- expressions -----------------------------------------------------------------

    fn at(&self, node: &SyntaxNode) -> (u32, u32) {
        match self.pin {
            Some(p) => p,
            None => (
                node.span.start.saturating_sub(self.base),
                node.span.end.saturating_sub(self.base),
            ),
        }
    }

    fn lit(&self, s: &str, start: u32, end: u32) -> Expr {
        Expr {
            start,
            end,
            kind: ExprKind::Str(s.to_owned()),
        }
    }

    fn call_at(&self, name: &str, args: Vec<Expr>, start: u32, end: u32) -> Expr {
        Expr {
            start,
            end,
            kind: ExprKind::Call {
                namespace: None,
                name: name.to_owned(),
                args,
            },
        }
    }

    fn call(&self, name: &str, args: Vec<Expr>, node: &SyntaxNode) -> Expr {
        let (start, end) = self.at(node);
        self.call_at(name, args, start, end)
    }

    fn unknowable_expr(&self, start: u32, end: u32, cause: Cause) -> Expr {
        Expr {
            start,
            end,
            kind: ExprKind::Unknowable(Box::new(cause)),
        }
    }

    fn construct(&self, node: &SyntaxNode, construct: &'static str) -> Expr {
        let (start, end) = self.at(node);
        self.unknowable_expr(start, end, Cause::BicepConstruct { construct })
    }

    /// The expression `node` stands for.
    fn expr(&mut self, node: &'s SyntaxNode) -> Expr {
        let (start, end) = self.at(node);
        // Loop items and resource properties are lowered where they are used: a hostile file
        // could make that grow exponentially. The work is bounded by the file's size.
        self.work += 1;
        if self.work > self.max_work {
            return self.construct(node, "an expression this large once its loops are expanded");
        }
        if self.is_damaged(&node.span) && self.pin.is_none() {
            return self.unknowable_expr(start, end, Cause::DamagedDeclaration);
        }
        match node.kind {
            K::String => self.string(node),
            K::IntegerLiteral => match integer(self.text, node) {
                Some(i) => Expr {
                    start,
                    end,
                    kind: ExprKind::Int(i),
                },
                None => self.construct(node, "an integer this large"),
            },
            K::BooleanLiteral => {
                let name = if node.has_token(TokenKind::TrueKeyword) {
                    "true"
                } else {
                    "false"
                };
                self.call_at(name, Vec::new(), start, end)
            }
            K::NullLiteral => self.call_at("null", Vec::new(), start, end),
            K::ParenthesizedExpression | K::NonNullAssertion => match node.nodes().next() {
                Some(inner) => self.expr(inner),
                None => self.construct(node, "an empty expression"),
            },
            K::Array => self.array(node),
            K::Object => self.object(node),
            K::UnaryOperation => {
                let operand = node.nodes().next();
                let op = node.tokens().next().map(|t| t.kind);
                match (op, operand) {
                    (Some(TokenKind::Minus), Some(o)) if o.kind == K::IntegerLiteral => {
                        match slice(self.text, &o.span)
                            .parse::<i64>()
                            .ok()
                            .and_then(|i| i.checked_neg())
                        {
                            Some(i) => Expr {
                                start,
                                end,
                                kind: ExprKind::Int(i),
                            },
                            None => self.construct(node, "an integer this large"),
                        }
                    }
                    (Some(TokenKind::Minus), Some(o)) => {
                        let zero = Expr {
                            start,
                            end,
                            kind: ExprKind::Int(0),
                        };
                        let o = self.expr(o);
                        self.call_at("sub", vec![zero, o], start, end)
                    }
                    (Some(TokenKind::Exclamation), Some(o)) => {
                        let o = self.expr(o);
                        self.call_at("not", vec![o], start, end)
                    }
                    _ => self.construct(node, "this operator"),
                }
            }
            K::BinaryOperation => self.binary(node),
            K::TernaryOperation => {
                let parts: Vec<&'s SyntaxNode> = node.nodes().collect();
                match parts.as_slice() {
                    [c, a, b] => {
                        let args = vec![self.expr(c), self.expr(a), self.expr(b)];
                        self.call_at("if", args, start, end)
                    }
                    _ => self.construct(node, "an incomplete conditional"),
                }
            }
            K::FunctionCall => self.function_call(node, None),
            K::InstanceFunctionCall => {
                let base = node.nodes().next();
                match base {
                    Some(b)
                        if b.kind == K::VariableAccess
                            && matches!(
                                ident(self.text, b.child(K::Identifier).unwrap_or(b)),
                                "az" | "sys"
                            ) =>
                    {
                        self.function_call(node, None)
                    }
                    _ if self.namespace_of(node).is_some() => self.function_call(node, None),
                    _ => self.construct(
                        node,
                        "a function called on a resource (listKeys() and the like)",
                    ),
                }
            }
            K::VariableAccess => self.variable_access(node),
            K::PropertyAccess | K::ArrayAccess | K::ResourceAccess => self.access(node),
            K::Lambda => self.construct(node, "a lambda outside a function that takes one"),
            K::For => self.for_expression(node),
            K::SkippedTrivia => self.unknowable_expr(start, end, Cause::DamagedDeclaration),
            _ => self.construct(node, "this expression"),
        }
    }

    fn string(&mut self, node: &'s SyntaxNode) -> Expr {
        let (start, end) = self.at(node);
        let tokens: Vec<&Token> = node.tokens().collect();
        let Some(pieces) = string_values(self.text, &tokens) else {
            return self.unknowable_expr(start, end, Cause::DamagedDeclaration);
        };
        let mut pieces = pieces.into_iter();
        let mut format = String::new();
        let mut args = Vec::new();
        for child in &node.children {
            match child {
                SyntaxElement::Token(_) => {
                    let piece = pieces.next().unwrap_or_default();
                    format.push_str(&piece.replace('{', "{{").replace('}', "}}"));
                }
                SyntaxElement::Node(n) => {
                    format.push_str(&format!("{{{}}}", args.len()));
                    let e = self.expr(n);
                    args.push(e);
                }
            }
        }
        if args.is_empty() {
            return Expr {
                start,
                end,
                kind: ExprKind::Str(format.replace("{{", "{").replace("}}", "}")),
            };
        }
        args.insert(0, self.lit(&format, start, end));
        self.call_at("format", args, start, end)
    }

    fn array(&mut self, node: &'s SyntaxNode) -> Expr {
        let (start, end) = self.at(node);
        let mut groups: Vec<Expr> = Vec::new();
        let mut plain: Vec<Expr> = Vec::new();
        let mut spread = false;
        for item in node.nodes() {
            match item.kind {
                K::ArrayItem => {
                    if let Some(v) = value_child(item) {
                        let e = self.expr(v);
                        plain.push(e);
                    }
                }
                K::SpreadExpression => {
                    spread = true;
                    if !plain.is_empty() {
                        groups.push(self.call_at(
                            "createArray",
                            std::mem::take(&mut plain),
                            start,
                            end,
                        ));
                    }
                    if let Some(v) = item.nodes().next() {
                        let e = self.expr(v);
                        groups.push(e);
                    }
                }
                _ => {}
            }
        }
        if !spread {
            return self.call_at("createArray", plain, start, end);
        }
        if !plain.is_empty() {
            groups.push(self.call_at("createArray", plain, start, end));
        }
        let all = self.call_at("createArray", groups, start, end);
        self.call_at("flatten", vec![all], start, end)
    }

    fn object(&mut self, node: &'s SyntaxNode) -> Expr {
        let (start, end) = self.at(node);
        let mut groups: Vec<Expr> = Vec::new();
        let mut plain: Vec<Expr> = Vec::new();
        let mut spread = false;
        for item in node.nodes() {
            match item.kind {
                K::ObjectProperty => {
                    let Some(value) = value_child(item) else {
                        continue;
                    };
                    let key = match self.key_text(item) {
                        Some(k) => {
                            let (ks, ke) = item.nodes().next().map_or((start, end), |k| self.at(k));
                            self.lit(&k, ks, ke)
                        }
                        None => match item.nodes().next() {
                            Some(k) => self.expr(k),
                            None => continue,
                        },
                    };
                    plain.push(key);
                    let v = self.expr(value);
                    plain.push(v);
                }
                K::SpreadExpression => {
                    spread = true;
                    if !plain.is_empty() {
                        groups.push(self.call_at(
                            "createObject",
                            std::mem::take(&mut plain),
                            start,
                            end,
                        ));
                    }
                    if let Some(v) = item.nodes().next() {
                        let e = self.expr(v);
                        groups.push(e);
                    }
                }
                _ => {}
            }
        }
        if !spread {
            return self.call_at("createObject", plain, start, end);
        }
        if !plain.is_empty() {
            groups.push(self.call_at("createObject", plain, start, end));
        }
        let all = self.call_at("createArray", groups, start, end);
        self.call_at("shallowMerge", vec![all], start, end)
    }

    fn binary(&mut self, node: &'s SyntaxNode) -> Expr {
        let (start, end) = self.at(node);
        let mut operands = node.nodes();
        let (Some(left), Some(right)) = (operands.next(), operands.next()) else {
            return self.construct(node, "an incomplete operation");
        };
        let Some(op) = node.tokens().next().map(|t| t.kind) else {
            return self.construct(node, "an incomplete operation");
        };
        let l = self.expr(left);
        let r = self.expr(right);
        let two = |s: &Self, f: &str, l: Expr, r: Expr| s.call_at(f, vec![l, r], start, end);
        match op {
            TokenKind::Plus => two(self, "add", l, r),
            TokenKind::Minus => two(self, "sub", l, r),
            TokenKind::Asterisk => two(self, "mul", l, r),
            TokenKind::Slash => two(self, "div", l, r),
            TokenKind::Modulo => two(self, "mod", l, r),
            TokenKind::Equals => two(self, "equals", l, r),
            TokenKind::NotEquals => {
                let e = two(self, "equals", l, r);
                self.call_at("not", vec![e], start, end)
            }
            TokenKind::EqualsInsensitive | TokenKind::NotEqualsInsensitive => {
                let l = self.call_at("toLower", vec![l], start, end);
                let r = self.call_at("toLower", vec![r], start, end);
                let e = two(self, "equals", l, r);
                if op == TokenKind::NotEqualsInsensitive {
                    self.call_at("not", vec![e], start, end)
                } else {
                    e
                }
            }
            TokenKind::LeftChevron => two(self, "less", l, r),
            TokenKind::LessThanOrEqual => two(self, "lessOrEquals", l, r),
            TokenKind::RightChevron => two(self, "greater", l, r),
            TokenKind::GreaterThanOrEqual => two(self, "greaterOrEquals", l, r),
            TokenKind::LogicalAnd => two(self, "and", l, r),
            TokenKind::LogicalOr => two(self, "or", l, r),
            TokenKind::DoubleQuestion => two(self, "coalesce", l, r),
            _ => self.construct(node, "this operator"),
        }
    }

    fn function_call(&mut self, node: &'s SyntaxNode, _namespace: Option<&str>) -> Expr {
        let (start, end) = self.at(node);
        let name = match node.kind {
            K::FunctionCall => node.child(K::Identifier).map(|i| ident(self.text, i)),
            _ => node
                .nodes()
                .filter(|n| n.kind == K::Identifier)
                .last()
                .map(|i| ident(self.text, i)),
        }
        .unwrap_or("");
        let args: Vec<&'s SyntaxNode> = arguments(node).collect();
        match name {
            "any" => match args.first() {
                Some(a) => self.expr(a),
                None => self.construct(node, "any() without an argument"),
            },
            "loadTextContent" | "loadJsonContent" => self.load(node, name, &args),
            "loadYamlContent" | "loadFileAsBase64" | "loadDirectoryFileInfo" => {
                self.construct(node, "this file-loading function")
            }
            "readEnvironmentVariable" => match args.get(1) {
                Some(default) => self.expr(default),
                None => self.construct(node, "an environment variable without a default"),
            },
            "getSecret" => self.construct(node, "a Key Vault secret"),
            _ if node.kind == K::FunctionCall
                && matches!(self.symbols.get(name), Some(SymbolRef::Imported(_))) =>
            {
                let Some(SymbolRef::Imported(i)) = self.symbols.get(name).copied() else {
                    return self.construct(node, "an imported function");
                };
                let (path, original) = self.imports[i].clone();
                self.imported_function(node, &path, &original, &args)
            }
            _ if node.kind == K::InstanceFunctionCall && self.namespace_of(node).is_some() => {
                let Some(i) = self.namespace_of(node) else {
                    return self.construct(node, "an imported function");
                };
                let path = self.imports[i].0.clone();
                self.imported_function(node, &path, name, &args)
            }
            // Lowered into a caller: the module's own functions are not the caller's, and
            // its deployment is not the caller's (nor its scope, when it names one).
            _ if self.inline.is_some()
                && node.kind == K::FunctionCall
                && matches!(
                    self.symbols.get(name),
                    Some(SymbolRef::Plain(Symbol::Function))
                ) =>
            {
                self.construct(node, "a function of another file calling its own functions")
            }
            "deployment" if self.inline.is_some() => {
                self.construct(node, "deployment() inside a module output")
            }
            "resourceGroup" | "subscription" | "managementGroup"
                if args.is_empty() && self.inline.as_ref().is_some_and(|i| i.scoped) =>
            {
                self.construct(
                    node,
                    "the scope of a module deployed elsewhere, in its output",
                )
            }
            _ => {
                let user = node.kind == K::FunctionCall
                    && matches!(
                        self.symbols.get(name),
                        Some(SymbolRef::Plain(Symbol::Function))
                    )
                    && !self.locals.iter().any(|l| local_name(l) == name);
                let mut lowered = Vec::with_capacity(args.len());
                for a in args {
                    let e = if a.kind == K::Lambda {
                        self.lambda(a)
                    } else {
                        self.expr(a)
                    };
                    lowered.push(e);
                }
                Expr {
                    start,
                    end,
                    kind: ExprKind::Call {
                        namespace: user.then(|| FUNCTION_NAMESPACE.to_owned()),
                        name: name.to_owned(),
                        args: lowered,
                    },
                }
            }
        }
    }

    /// `loadTextContent(path)` → the file's text; `loadJsonContent(path, [jsonPath])` → its
    /// JSON as data (strings are never expressions), located at the call.
    fn load(&mut self, node: &'s SyntaxNode, function: &str, args: &[&'s SyntaxNode]) -> Expr {
        let (start, end) = self.at(node);
        let function: &'static str = if function == "loadJsonContent" {
            "loadJsonContent"
        } else {
            "loadTextContent"
        };
        let Some(path) = args.first().and_then(|a| self.plain_string(a)) else {
            return self.construct(
                node,
                "a file-loading function whose path is not a plain string",
            );
        };
        let unreadable = |problem: String| Cause::LoadedFile {
            function,
            path: path.clone(),
            problem,
        };
        let text = match self.files.read(&path) {
            Ok(text) => text,
            Err(problem) => return self.unknowable_expr(start, end, unreadable(problem)),
        };
        if function == "loadTextContent" {
            return self.lit(&text, start, end);
        }
        let json = match crate::json::parse(&text) {
            Ok(json) => json,
            Err(e) => return self.unknowable_expr(start, end, unreadable(e.message)),
        };
        let selected = match args.get(1) {
            None => Some(&json),
            Some(p) => match self.plain_string(p) {
                Some(json_path) => select(&json, &json_path),
                None => None,
            },
        };
        match selected {
            Some(value) => self.data(value, start, end, 0),
            None => self.unknowable_expr(
                start,
                end,
                unreadable("the JSON path selects nothing imagegate can follow".into()),
            ),
        }
    }

    /// JSON data as an expression that builds it, every part located at `start..end`.
    fn data(&self, json: &crate::json::Json, start: u32, end: u32, depth: usize) -> Expr {
        use crate::json::JsonKind;
        if depth > 64 {
            return self.unknowable_expr(
                start,
                end,
                Cause::BicepConstruct {
                    construct: "JSON nested this deep in a loaded file",
                },
            );
        }
        match &json.kind {
            JsonKind::Null => self.call_at("null", Vec::new(), start, end),
            JsonKind::Bool(b) => {
                self.call_at(if *b { "true" } else { "false" }, Vec::new(), start, end)
            }
            JsonKind::String(s) => self.lit(s, start, end),
            JsonKind::Number(crate::json::Number::Int(i)) => Expr {
                start,
                end,
                kind: ExprKind::Int(*i),
            },
            JsonKind::Number(crate::json::Number::Float(f)) => {
                let t = self.lit(&f.to_string(), start, end);
                self.call_at("json", vec![t], start, end)
            }
            JsonKind::Array(items) => {
                let items = items
                    .iter()
                    .map(|i| self.data(i, start, end, depth + 1))
                    .collect();
                self.call_at("createArray", items, start, end)
            }
            JsonKind::Object(_) => {
                let mut args = Vec::new();
                for member in json.members() {
                    args.push(self.lit(&member.key, start, end));
                    args.push(self.data(&member.value, start, end, depth + 1));
                }
                self.call_at("createObject", args, start, end)
            }
        }
    }

    /// `x => body` → `lambda('x', body)`.
    fn lambda(&mut self, node: &'s SyntaxNode) -> Expr {
        let (start, end) = self.at(node);
        let names: Vec<String> = match node.nodes().next() {
            Some(v) if v.kind == K::LocalVariable => v
                .child(K::Identifier)
                .map(|i| vec![ident(self.text, i).to_owned()])
                .unwrap_or_default(),
            Some(b) if b.kind == K::VariableBlock => b
                .nodes()
                .filter(|n| n.kind == K::LocalVariable)
                .filter_map(|v| v.child(K::Identifier))
                .map(|i| ident(self.text, i).to_owned())
                .collect(),
            _ => Vec::new(),
        };
        let Some(body) = value_child(node) else {
            return self.construct(node, "a lambda without a body");
        };
        let mut args: Vec<Expr> = names.iter().map(|n| self.lit(n, start, end)).collect();
        for n in &names {
            self.locals.push(Local::Lambda { name: n.clone() });
        }
        args.push(self.expr(body));
        self.locals.truncate(self.locals.len() - names.len());
        self.call_at("lambda", args, start, end)
    }

    /// `[for x in list: body]` inside an expression → `map(range(0, length(list)), …)`.
    fn for_expression(&mut self, node: &'s SyntaxNode) -> Expr {
        let (start, end) = self.at(node);
        let Some((item, index, list, body)) = for_parts(node, self.text) else {
            return self.construct(node, "an incomplete loop");
        };
        if body.kind == K::IfCondition {
            return self.construct(node, "a filtered loop inside an expression");
        }
        self.lambdas += 1;
        let var = format!("__for{}", self.lambdas);
        let l = self.expr(list);
        let zero = Expr {
            start,
            end,
            kind: ExprKind::Int(0),
        };
        let length = self.call_at("length", vec![l], start, end);
        let range = self.call_at("range", vec![zero, length], start, end);
        let pushed = self.push_loop(item, index, list, LoopIndex::Lambda(var.clone()));
        let b = self.expr(body);
        self.locals.truncate(self.locals.len() - pushed);
        let name = self.lit(&var, start, end);
        let lambda = self.call_at("lambda", vec![name, b], start, end);
        self.call_at("map", vec![range, lambda], start, end)
    }

    fn loop_index(&self, how: &LoopIndex, start: u32, end: u32) -> Expr {
        match how {
            LoopIndex::Copy(name) => {
                let n = self.lit(name, start, end);
                self.call_at("copyIndex", vec![n], start, end)
            }
            LoopIndex::Lambda(name) => {
                let n = self.lit(name, start, end);
                self.call_at("lambdaVariables", vec![n], start, end)
            }
            LoopIndex::Fixed(e) => (**e).clone(),
        }
    }

    fn variable_access(&mut self, node: &'s SyntaxNode) -> Expr {
        let (start, end) = self.at(node);
        let name = node
            .child(K::Identifier)
            .map_or("", |i| ident(self.text, i));
        if let Some(local) = self
            .locals
            .iter()
            .rev()
            .find(|l| local_name(l) == name)
            .cloned()
        {
            return match local {
                Local::Item {
                    list,
                    index,
                    outside,
                    ..
                } => {
                    let i = self.loop_index(&index, start, end);
                    // The list is evaluated where the loop is written: it sees the locals
                    // outside the loop, never the loop's own (or an inner loop's) item.
                    let pin = self.pin.replace((start, end));
                    let inner = self.locals.split_off(outside.min(self.locals.len()));
                    let l = self.expr(list);
                    self.locals.extend(inner);
                    self.pin = pin;
                    Expr {
                        start,
                        end,
                        kind: ExprKind::Index {
                            target: Box::new(l),
                            index: Box::new(i),
                        },
                    }
                }
                Local::Index { index, .. } => self.loop_index(&index, start, end),
                Local::Lambda { name } => {
                    let n = self.lit(&name, start, end);
                    self.call_at("lambdaVariables", vec![n], start, end)
                }
                Local::FunctionParameter { name } => {
                    let n = self.lit(&name, start, end);
                    self.call_at("parameters", vec![n], start, end)
                }
            };
        }
        if let Some(SymbolRef::Imported(i)) = self.symbols.get(name).copied() {
            let (path, original) = self.imports[i].clone();
            return self.imported(node, &path, &original);
        }
        if self.inline.is_some() {
            return self.inlined_name(node, name, start, end);
        }
        match self.symbols.get(name).copied() {
            Some(SymbolRef::Plain(Symbol::Parameter)) => {
                let n = self.lit(name, start, end);
                self.call_at("parameters", vec![n], start, end)
            }
            Some(SymbolRef::Plain(Symbol::Variable)) => {
                let n = self.lit(name, start, end);
                self.call_at("variables", vec![n], start, end)
            }
            Some(SymbolRef::Resource(_)) => {
                self.construct(node, "a whole resource used as a value")
            }
            Some(SymbolRef::Module(_)) => self.construct(node, "a whole module used as a value"),
            Some(SymbolRef::Plain(Symbol::Function)) => {
                self.construct(node, "a function used as a value")
            }
            Some(SymbolRef::Plain(_)) => {
                self.construct(node, "a type or output symbol used as a value")
            }
            Some(SymbolRef::Imported(_)) => self.construct(node, "this imported symbol"),
            Some(SymbolRef::Namespace(_)) => {
                self.construct(node, "a whole imported namespace used as a value")
            }
            None => self.unknowable_expr(
                start,
                end,
                Cause::UndeclaredVariable {
                    name: name.to_owned(),
                },
            ),
        }
    }

    /// A parameter or variable of a module whose output is lowered into its caller: the
    /// argument passed, the default, the variable's value; anything else unknown.
    fn inlined_name(&mut self, node: &'s SyntaxNode, name: &str, start: u32, end: u32) -> Expr {
        let passed = self
            .inline
            .as_ref()
            .and_then(|i| i.arguments.get(name).cloned());
        if let Some(e) = passed {
            return e;
        }
        let declaration = self.root_declaration(name);
        match (self.symbols.get(name).copied(), declaration) {
            (Some(SymbolRef::Plain(Symbol::Parameter)), Some(decl)) if self.inlining < 8 => {
                match decl.child(K::ParameterDefaultValue).and_then(value_child) {
                    Some(default) => {
                        self.inlining += 1;
                        let e = self.expr(default);
                        self.inlining -= 1;
                        e
                    }
                    None => self.unknowable_expr(
                        start,
                        end,
                        Cause::UnsetParameter {
                            name: name.to_owned(),
                        },
                    ),
                }
            }
            (Some(SymbolRef::Plain(Symbol::Variable)), Some(decl)) if self.inlining < 8 => {
                match value_child(decl) {
                    Some(value) => {
                        self.inlining += 1;
                        let e = self.expr(value);
                        self.inlining -= 1;
                        e
                    }
                    None => self.construct(node, "a variable without a value"),
                }
            }
            _ => self.construct(node, "this name inside a module output"),
        }
    }

    /// Whether `access` names a local (a loop item, a lambda parameter…).
    fn is_local(&self, access: &SyntaxNode) -> bool {
        access.child(K::Identifier).is_some_and(|i| {
            self.locals
                .iter()
                .any(|l| local_name(l) == ident(self.text, i))
        })
    }

    /// The top-level declaration named `name`.
    fn root_declaration(&self, name: &str) -> Option<&'s SyntaxNode> {
        self.root
            .nodes()
            .filter(|n| matches!(n.kind, K::ParameterDeclaration | K::VariableDeclaration))
            .find(|n| {
                n.child(K::Identifier)
                    .is_some_and(|i| ident(self.text, i) == name)
            })
    }

    /// `a.b`, `a[i]`, `a::b`, with symbolic references to resources and modules resolved.
    fn access(&mut self, node: &'s SyntaxNode) -> Expr {
        let (start, end) = self.at(node);
        // A resource or module reference: the base symbol and the path read from it.
        if let Some(e) = self.symbolic(node) {
            return e;
        }
        let mut nodes = node.nodes();
        let Some(target) = nodes.next() else {
            return self.construct(node, "an incomplete access");
        };
        if node.kind == K::PropertyAccess
            && target.kind == K::VariableAccess
            && !self.is_local(target)
            && let Some(SymbolRef::Namespace(i)) = target
                .child(K::Identifier)
                .and_then(|n| self.symbols.get(ident(self.text, n)))
                .copied()
        {
            let path = self.imports[i].0.clone();
            let name = node
                .nodes()
                .nth(1)
                .map_or("", |n| ident(self.text, n))
                .to_owned();
            return self.imported(node, &path, &name);
        }
        let question = node.has_token(TokenKind::Question);
        match node.kind {
            K::PropertyAccess => {
                let name = nodes.next().map_or("", |i| ident(self.text, i)).to_owned();
                let t = self.expr(target);
                if question {
                    let key = self.lit(&name, start, end);
                    self.call_at("tryGet", vec![t, key], start, end)
                } else {
                    Expr {
                        start,
                        end,
                        kind: ExprKind::Member {
                            target: Box::new(t),
                            name,
                        },
                    }
                }
            }
            K::ArrayAccess => {
                let Some(index) = nodes.next() else {
                    return self.construct(node, "an incomplete access");
                };
                let t = self.expr(target);
                let i = self.expr(index);
                let from_end = node.has_token(TokenKind::Hat);
                match (question, from_end) {
                    (false, false) => Expr {
                        start,
                        end,
                        kind: ExprKind::Index {
                            target: Box::new(t),
                            index: Box::new(i),
                        },
                    },
                    (true, false) => self.call_at("tryGet", vec![t, i], start, end),
                    (false, true) => self.call_at("indexFromEnd", vec![t, i], start, end),
                    (true, true) => self.call_at("tryIndexFromEnd", vec![t, i], start, end),
                }
            }
            _ => self.construct(node, "this access"),
        }
    }

    /// A read of a resource or module symbol: `sym.id`, `sym.name`, `sym[i].id`,
    /// `a::b.properties.x`, `mod.outputs.x`.
    fn symbolic(&mut self, node: &'s SyntaxNode) -> Option<Expr> {
        let (start, end) = self.at(node);
        // Peel the property names off, down to the symbol.
        let mut path: Vec<&'s SyntaxNode> = Vec::new();
        let mut cur = node;
        loop {
            if self.resource_symbol(cur).is_some() || self.module_symbol(cur).is_some() {
                break;
            }
            match cur.kind {
                K::PropertyAccess => {
                    path.push(cur);
                    cur = cur.nodes().next()?;
                }
                K::NonNullAssertion | K::ParenthesizedExpression => cur = cur.nodes().next()?,
                _ => return None,
            }
        }
        path.reverse();
        let names: Vec<&'s str> = path
            .iter()
            .map(|p| p.nodes().nth(1).map_or("", |i| ident(self.text, i)))
            .collect();
        if let Some((module, index)) = self.module_symbol(cur) {
            let symbol = ident(self.text, module.child(K::Identifier)?).to_owned();
            return Some(match names.first().copied() {
                Some("name") => {
                    let (body, _) = unwrap_body(value_child(module));
                    match body.and_then(|b| self.property(b, "name")) {
                        Some(n) if self.inlining < 8 => {
                            let pin = self.pin.replace((start, end));
                            self.inlining += 1;
                            let e = self.expr(n);
                            self.inlining -= 1;
                            self.pin = pin;
                            e
                        }
                        _ => self.lit(&symbol, start, end),
                    }
                }
                Some("outputs") if names.len() >= 2 => {
                    let at = index.map(|i| self.expr(i));
                    let mut out = self.module_output(module, at, names[1], start, end);
                    for (p, name) in path.iter().zip(&names).skip(2) {
                        let (s, e) = self.at(p);
                        out = if p.has_token(TokenKind::Question) {
                            let key = self.lit(name, s, e);
                            self.call_at("tryGet", vec![out, key], s, e)
                        } else {
                            Expr {
                                start: s,
                                end: e,
                                kind: ExprKind::Member {
                                    target: Box::new(out),
                                    name: (*name).to_owned(),
                                },
                            }
                        };
                    }
                    out
                }
                _ => self.construct(node, "this property of a module"),
            });
        }
        let (index, at) = self.resource_symbol(cur)?;
        let at = at.map(|a| self.expr(a));
        let info = &self.infos[index];
        let (existing, symbol, api) =
            (info.existing, info.symbol.clone(), info.api_version.clone());
        let first = names.first().copied();
        let (head, rest) = match first {
            Some("id") => (self.resource_id(index, at, start, end), 1),
            Some("name") => (self.resource_name(index, at, start, end), 1),
            Some("type") => {
                let t = self.infos[index].full_type.clone();
                (self.lit(&t, start, end), 1)
            }
            Some("apiVersion") => (self.lit(&api, start, end), 1),
            Some(_)
                if !existing
                    && at.is_none()
                    && self.infos[index].each.is_none()
                    && self.inlining < 8 =>
            {
                // A declared resource: the value it is declared with, if written.
                let mut value = self.infos[index].body;
                let mut used = 0;
                for name in &names {
                    match value.and_then(|v| {
                        (v.kind == K::Object)
                            .then(|| self.property(v, name))
                            .flatten()
                    }) {
                        Some(v) => {
                            value = Some(v);
                            used += 1;
                        }
                        None => break,
                    }
                }
                match value {
                    Some(v) if used > 0 => {
                        let pin = self.pin.replace((start, end));
                        self.inlining += 1;
                        let e = self.expr(v);
                        self.inlining -= 1;
                        self.pin = pin;
                        (e, used)
                    }
                    _ => {
                        return Some(self.unknowable_expr(
                            start,
                            end,
                            Cause::RuntimeProperty {
                                resource: symbol,
                                property: names.join("."),
                            },
                        ));
                    }
                }
            }
            Some(_) => {
                return Some(self.unknowable_expr(
                    start,
                    end,
                    Cause::RuntimeProperty {
                        resource: symbol,
                        property: names.join("."),
                    },
                ));
            }
            None => return Some(self.construct(node, "a whole resource used as a value")),
        };
        let mut out = head;
        for (p, name) in path.iter().zip(&names).skip(rest) {
            let (s, e) = self.at(p);
            if p.has_token(TokenKind::Question) {
                let key = self.lit(name, s, e);
                out = self.call_at("tryGet", vec![out, key], s, e);
            } else {
                out = Expr {
                    start: s,
                    end: e,
                    kind: ExprKind::Member {
                        target: Box::new(out),
                        name: (*name).to_owned(),
                    },
                };
            }
        }
        Some(out)
    }

    /// Output `output` of module `module` (instance `at` of a module loop), when the module is
    /// a local Bicep file and the output is a function of its parameters: the output's
    /// expression lowered here, the module's parameters replaced by the arguments this file
    /// passes (or their defaults), its variables by their values, every span at the reference.
    /// Anything else of the module (its own modules' outputs aside) is unknown, never a guess.
    fn module_output(
        &mut self,
        module: &'s SyntaxNode,
        at: Option<Expr>,
        output: &str,
        start: u32,
        end: u32,
    ) -> Expr {
        let symbol = module
            .child(K::Identifier)
            .map_or("", |i| ident(self.text, i))
            .to_owned();
        let unknown = |l: &Self| {
            l.unknowable_expr(
                start,
                end,
                Cause::ModuleOutput {
                    module: symbol.clone(),
                    output: output.to_owned(),
                },
            )
        };
        let path = module.child(K::String).and_then(|p| self.plain_string(p));
        let Some(path) = path.filter(|p| !is_registry_reference(p) && p.ends_with(".bicep")) else {
            return unknown(self);
        };
        if self.inlining >= 8 {
            return unknown(self);
        }
        let Ok(text) = self.files.read(&path) else {
            return unknown(self);
        };
        let parsed = super::parser::parse(&text);
        if !parsed.errors.is_empty() {
            return unknown(self);
        }
        let Some(value) = parsed
            .root
            .nodes()
            .filter(|n| n.kind == K::OutputDeclaration)
            .find(|n| {
                n.child(K::Identifier)
                    .is_some_and(|i| ident(&text, i) == output)
            })
            .and_then(value_child)
        else {
            return unknown(self);
        };
        // The arguments, lowered here (with the module loop's item bound to `at`).
        let (body, each) = unwrap_body(value_child(module));
        let pin = self.pin.replace((start, end));
        let pushed = self.bind_instance(each, at, start, end);
        let mut arguments = HashMap::default();
        if let Some(params) = body.and_then(|b| self.property(b, "params"))
            && params.kind == K::Object
        {
            for property in params.nodes().filter(|n| n.kind == K::ObjectProperty) {
                if let (Some(key), Some(v)) = (self.key_text(property), value_child(property)) {
                    self.inlining += 1;
                    let e = self.expr(v);
                    self.inlining -= 1;
                    arguments.insert(key, e);
                }
            }
        }
        self.locals.truncate(self.locals.len() - pushed);
        self.pin = pin;
        let refuse = Refuse;
        let mut inner = Lowering::new(&parsed.root, self.file, &text, &[], &refuse);
        let scoped = body.and_then(|b| self.property(b, "scope")).is_some();
        inner.inline = Some(Inline { arguments, scoped });
        inner.pin = Some((start, end));
        inner.inlining = self.inlining + 1;
        inner.work = self.work;
        inner.max_work = self.max_work;
        let out = inner.expr(value);
        self.work = inner.work;
        out
    }

    fn module_symbol(
        &self,
        node: &'s SyntaxNode,
    ) -> Option<(&'s SyntaxNode, Option<&'s SyntaxNode>)> {
        match node.kind {
            K::VariableAccess => {
                let name = ident(self.text, node.child(K::Identifier)?);
                if self.locals.iter().any(|l| local_name(l) == name) {
                    return None;
                }
                match self.symbols.get(name)? {
                    SymbolRef::Module(m) => Some((m, None)),
                    _ => None,
                }
            }
            K::ArrayAccess => {
                let mut nodes = node.nodes();
                let (m, None) = self.module_symbol(nodes.next()?)? else {
                    return None;
                };
                Some((m, nodes.next()))
            }
            _ => None,
        }
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
fn unwrap_body(body: Option<&SyntaxNode>) -> (Option<&SyntaxNode>, Option<&SyntaxNode>) {
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
fn condition_of(body: Option<&SyntaxNode>) -> Option<&SyntaxNode> {
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
    each: &'s SyntaxNode,
    text: &'s str,
) -> Option<(
    Option<&'s str>,
    Option<&'s str>,
    &'s SyntaxNode,
    &'s SyntaxNode,
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
fn arguments(call: &SyntaxNode) -> impl Iterator<Item = &SyntaxNode> {
    call.nodes()
        .filter(|n| n.kind == K::FunctionArgument)
        .filter_map(|a| a.nodes().next())
}

fn integer(text: &str, node: &SyntaxNode) -> Option<i64> {
    let t: &Token = node.tokens().next()?;
    slice(text, &t.span).parse().ok()
}

/// Whether a module path is a registry (`br:`, `br/alias:`) or template spec (`ts:`,
/// `ts/alias:`) reference rather than a local file.
fn is_registry_reference(path: &str) -> bool {
    let scheme = path.split(':').next().unwrap_or("");
    path.contains(':')
        && (scheme == "br"
            || scheme == "ts"
            || scheme.starts_with("br/")
            || scheme.starts_with("ts/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader whose every file is one small Bicep file with outputs and exported variables,
    /// so module outputs and imports are lowered too.
    struct Fixed;

    impl ReadBeside for Fixed {
        fn read(&self, _relative: &str) -> Result<String, String> {
            Ok("param p string = 'a'\nvar v = [for x in [p, p]: x]\n@export()\nvar e = { id: '${p}/${v[0]}' }\noutput o string = '${p}${v[1]}'\n".into())
        }
    }

    /// Lines and pieces of Bicep that reach every path of the lowering.
    const PIECES: &[&str] = &[
        "param p string = 'x'\n",
        "param q object\n",
        "@allowed(['a', 'b'])\nparam a string\n",
        "var v = [for (x, i) in range(0, 3): { id: '${x}-${i}' }]\n",
        "var w = v[0].?id ?? p\n",
        "func f(s string) string => '${s}!'\n",
        "import { e as imported } from 'lib.bicep'\n",
        "import * as ns from 'lib.bicep'\n",
        "module m 'mod.bicep' = { name: 'm', params: { p: p } }\n",
        "module ms 'mod.bicep' = [for x in v: { name: x.id, params: { p: x.id } }]\n",
        "resource g 'Microsoft.Compute/galleries@2023-07-03' existing = { name: 'g'\n  resource d 'images' existing = { name: p }\n}\n",
        "resource vm 'Microsoft.Compute/virtualMachines@2024-03-01' = {\n  name: f(p)\n  properties: { storageProfile: { imageReference: ",
        "resource vms 'Microsoft.Compute/virtualMachines@2024-03-01' = [for x in v: if (x != null) {\n  name: x.id\n  properties: { storageProfile: { imageReference: ",
        "{ id: g::d.id }",
        "{ id: m.outputs.o }",
        "{ id: ms[0].outputs.o }",
        "imported",
        "ns.e",
        "loadJsonContent('x.json', '$.a[0]')",
        "vm.properties.storageProfile",
        "[...v, { ...q }]",
        "x",
        " } }\n}\n",
        "}]\n",
        "\n",
        "(",
        ")",
        "{",
        "}",
        "'",
        "${",
    ];

    proptest::proptest! {
        /// Soups of declarations: lowering never panics and always ends.
        #[test]
        fn lowering_never_panics(
            pieces in proptest::collection::vec(proptest::sample::select(PIECES), 0..40)
        ) {
            let text = pieces.concat();
            let parsed = super::super::parser::parse(&text);
            let damaged: Vec<_> = parsed.errors.iter().map(|e| e.at.clone()).collect();
            let template = template(&parsed.root, FileId(0), &text, &damaged, &Fixed);
            proptest::prop_assert!(template.resources.len() <= text.len());
        }
    }
}
