//! Imports: variables and functions of other files (`import {x} from`, `import * as ns`), and the
//! names of a file lowered into another (a module output, an imported symbol).

use super::*;

impl<'s> Lowering<'s> {
    /// Records the symbols an `import … from 'file'` brings in.
    pub(super) fn declare_imports(&mut self, decl: SyntaxNode<'s>) {
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
                self.imports
                    .push((path.clone(), original, decl.span.clone()));
                let index = self.imports.len() - 1;
                self.symbols
                    .entry(Cow::Owned(local))
                    .or_insert(SymbolRef::Imported(index));
            }
        } else if let Some(alias) = decl
            .child(K::WildcardImport)
            .and_then(|w| w.child(K::AliasAsClause))
            .and_then(|a| a.child(K::Identifier))
        {
            self.imports.push((path, String::new(), decl.span.clone()));
            let index = self.imports.len() - 1;
            self.symbols
                .entry(Cow::Borrowed(ident(self.text, alias)))
                .or_insert(SymbolRef::Namespace(index));
        }
    }

    /// The text and tree of the file an `import` names (relative to this one), or the unknown
    /// that says why it is not read (a registry, too deep, unreadable, not parsed whole).
    fn read_import(&self, path: &str, start: u32, end: u32) -> Result<Rc<OtherFile>, Expr> {
        let unknown = |problem: &str| {
            self.unknowable_expr(
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
            return Err(unknown("a registry file is not read offline"));
        }
        if self.inlining >= 8 {
            return Err(unknown("imports nested this deep are not followed"));
        }
        let file = self
            .other_file_as(path, true)
            .map_err(|problem| unknown(&problem))?;
        if !file.parsed.errors.is_empty() {
            return Err(unknown("it has syntax errors"));
        }
        Ok(file)
    }

    /// Another Bicep file (relative to this one), read and parsed once per file lowered: a
    /// module's outputs and an import's symbols are looked up in it as often as they are
    /// named, and its bytes are counted once.
    pub(super) fn other_file(&self, path: &str) -> Result<Rc<OtherFile>, String> {
        self.other_file_as(path, false)
    }

    /// [`Lowering::other_file`], added to the run's files when `located` and the reader can
    /// ([`ReadBeside::read_source`]): an imported file, whose values are located in it. A
    /// module's file is not (the linker reads it as a file of its own); the first read of a
    /// path decides.
    fn other_file_as(&self, path: &str, located: bool) -> Result<Rc<OtherFile>, String> {
        if let Some(found) = self.other_files.borrow().get(path) {
            return found.clone();
        }
        let read = if located {
            self.files.read_source(path)
        } else {
            self.files.read(path).map(|text| (text, None))
        };
        let read = read.map(|(text, id)| {
            let parsed = super::super::parser::parse_shared(&text, self.files.max_syntax_tokens());
            Rc::new(OtherFile { id, text, parsed })
        });
        self.other_files
            .borrow_mut()
            .insert(path.to_owned(), read.clone());
        read
    }

    /// `value`, an expression of another file (`root`, `text`), lowered here with that file's
    /// names replaced as `inline` says, every span at `start..end`, sharing this file's
    /// budget of work.
    pub(super) fn lower_elsewhere(
        &mut self,
        root: SyntaxNode<'_>,
        text: &str,
        value: SyntaxNode<'_>,
        inline: Inline,
        start: u32,
        end: u32,
    ) -> Expr {
        let refuse = Refuse;
        let mut inner = Lowering::new(root, self.file, text, &[], &refuse);
        inner.inline = Some(inline);
        inner.pin = Some((start, end));
        inner.inlining = self.inlining + 1;
        inner.work = self.work;
        inner.max_work = self.max_work;
        inner.depth = self.depth;
        let out = inner.expr(value);
        self.work = inner.work;
        out
    }

    /// The value of variable `name` exported by the file at `path` (relative to this one),
    /// lowered here; anything else (a function, a type, a registry file) is unknown.
    pub(super) fn imported(
        &mut self,
        node: SyntaxNode<'s>,
        path: &str,
        name: &str,
        declared: &Range<u32>,
    ) -> Expr {
        let (start, end) = self.at(node);
        // Outside another file's lowering, an imported variable has one value: lowered once,
        // as a variable of this template, located in the file that declares it when the
        // reader added that file to the run's files, else at the import.
        if self.inline.is_none() && self.pin.is_none() {
            let key = (declared.start, format!("{path}\u{0}{name}"));
            let shared = match self.shared_values.get(&key) {
                Some(shared) => shared.clone(),
                None => {
                    let shared = format!("__import{}_{name}", declared.start);
                    match self.imported_in_place(path, name) {
                        Some((value, at)) => self.share_located(shared.clone(), name, at, value),
                        None => {
                            let len = declared.end - declared.start;
                            let pin = self.pin.replace((0, len));
                            let expr = self.imported_here(node, path, name, 0, len);
                            self.pin = pin;
                            // Shown by the name it is imported by, at the import.
                            let value = self.tree_node(declared, expr);
                            let at = self.span(declared);
                            self.share_located(shared.clone(), name, at, value);
                        }
                    }
                    self.shared_values.insert(key, shared.clone());
                    shared
                }
            };
            let n = self.lit(&shared, start, end);
            return self.call_at("variables", vec![n], start, end);
        }
        self.imported_here(node, path, name, start, end)
    }

    /// The value of the variable `name` of the file at `path`, lowered as a value of that
    /// file (every part located where it is written there), with the span of its name: when
    /// the reader added the file to the run's files and declares such a variable. `None`
    /// otherwise ([`Lowering::imported_here`] says why, at the import).
    ///
    /// The file's other names are replaced as a module output's are (`Inline`): each name it
    /// uses is lowered where it is used, sharing this file's budget of work.
    fn imported_in_place(&mut self, path: &str, name: &str) -> Option<(Node, Span)> {
        let file = self.read_import(path, 0, 0).ok()?;
        let id = file.id?;
        let (text, parsed) = (&file.text, &file.parsed);
        let declaration = parsed
            .root()
            .nodes()
            .filter(|n| n.kind == K::VariableDeclaration)
            .find(|n| {
                n.child(K::Identifier)
                    .is_some_and(|i| ident(text, i) == name)
            })?;
        let identifier = declaration.child(K::Identifier)?;
        let value = value_child(declaration)?;
        let refuse = Refuse;
        let mut inner = Lowering::new(parsed.root(), id, text, &[], &refuse);
        inner.inline = Some(Inline {
            arguments: HashMap::default(),
            scoped: false,
        });
        inner.inlining = self.inlining + 1;
        inner.work = self.work;
        inner.max_work = self.max_work;
        inner.depth = self.depth;
        let node = inner.node(value);
        self.work = inner.work;
        Some((node, inner.span(&identifier.span)))
    }

    /// The imported variable's value, lowered at `start..end`.
    fn imported_here(
        &mut self,
        node: SyntaxNode<'s>,
        path: &str,
        name: &str,
        start: u32,
        end: u32,
    ) -> Expr {
        let file = match self.read_import(path, start, end) {
            Ok(file) => file,
            Err(unknown) => return unknown,
        };
        let (text, parsed) = (&file.text, &file.parsed);
        let Some(value) = parsed
            .root()
            .nodes()
            .filter(|n| n.kind == K::VariableDeclaration)
            .find(|n| {
                n.child(K::Identifier)
                    .is_some_and(|i| ident(text, i) == name)
            })
            .and_then(value_child)
        else {
            return self.construct(node, "an imported function or type used as a value");
        };
        let inline = Inline {
            arguments: HashMap::default(),
            scoped: false,
        };
        self.lower_elsewhere(parsed.root(), text, value, inline, start, end)
    }

    /// The wildcard import an instance call is made on (`ns.f()`), if any.
    pub(super) fn namespace_of(&self, call: SyntaxNode<'_>) -> Option<usize> {
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
    pub(super) fn imported_function(
        &mut self,
        node: SyntaxNode<'s>,
        path: &str,
        name: &str,
        args: &[SyntaxNode<'s>],
    ) -> Expr {
        let (start, end) = self.at(node);
        let file = match self.read_import(path, start, end) {
            Ok(file) => file,
            Err(unknown) => return unknown,
        };
        let (text, parsed) = (&file.text, &file.parsed);
        let Some(lambda) = parsed
            .root()
            .nodes()
            .filter(|n| n.kind == K::FunctionDeclaration)
            .find(|n| {
                n.child(K::Identifier)
                    .is_some_and(|i| ident(text, i) == name)
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
            .map(|i| ident(text, i).to_owned())
            .collect();
        let Some(body) = value_child(lambda) else {
            return self.construct(node, "a function without a body");
        };
        let mut arguments = HashMap::default();
        for (parameter, arg) in parameters.iter().zip(args) {
            let e = if arg.kind == K::Lambda {
                self.lambda(*arg)
            } else {
                self.expr(*arg)
            };
            arguments.insert(parameter.clone(), e);
        }
        let inline = Inline {
            arguments,
            scoped: false,
        };
        self.lower_elsewhere(parsed.root(), text, body, inline, start, end)
    }

    /// A parameter or variable of a module whose output is lowered into its caller: the
    /// argument passed, the default, the variable's value; anything else unknown.
    pub(super) fn inlined_name(
        &mut self,
        node: SyntaxNode<'s>,
        name: &str,
        start: u32,
        end: u32,
    ) -> Expr {
        let passed = self
            .inline
            .as_ref()
            .and_then(|i| i.arguments.get(name).cloned());
        if let Some(e) = passed {
            return e;
        }
        // The declaration is written elsewhere in its file: what it is lowered to is located
        // at the name that uses it.
        let pin = self.pin.replace((start, end));
        let e = self.inlined_declaration(node, name, start, end);
        self.pin = pin;
        e
    }

    /// [`Lowering::inlined_name`]'s declaration, lowered (pinned at the name).
    fn inlined_declaration(
        &mut self,
        node: SyntaxNode<'s>,
        name: &str,
        start: u32,
        end: u32,
    ) -> Expr {
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

    /// The top-level declaration named `name`.
    pub(super) fn root_declaration(&self, name: &str) -> Option<SyntaxNode<'s>> {
        self.root
            .nodes()
            .filter(|n| matches!(n.kind, K::ParameterDeclaration | K::VariableDeclaration))
            .find(|n| {
                n.child(K::Identifier)
                    .is_some_and(|i| ident(self.text, i) == name)
            })
    }
}
