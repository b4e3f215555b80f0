//! Values and expressions: literals stay data, everything else becomes the expression
//! language's tree (operators, interpolation, loops, lambdas, symbolic references, loaded files).

use super::*;
use crate::value::cause::Budget;

impl<'s> Lowering<'s> {
    pub(super) fn str_node(&self, at: &Range<u32>, s: &str) -> Node {
        Node {
            span: self.span(at),
            kind: NodeKind::Str(s.into()),
        }
    }

    pub(super) fn unknowable(&self, at: &Range<u32>, cause: Cause) -> Node {
        let expr = Expr {
            start: 0,
            end: at.end - at.start,
            kind: ExprKind::Unknowable(Box::new(cause)),
        };
        self.tree_node(at, expr)
    }

    pub(super) fn tree_node(&self, at: &Range<u32>, expr: Expr) -> Node {
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
    pub(super) fn expr_node(
        &mut self,
        syntax: SyntaxNode<'s>,
        build: impl FnOnce(&mut Self, SyntaxNode<'s>) -> Expr,
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
    pub(super) fn node(&mut self, syntax: SyntaxNode<'s>) -> Node {
        if self.depth >= MAX_LOWERING_DEPTH {
            return self.unknowable(&syntax.span, too_deep());
        }
        self.depth += 1;
        let node = self.node_within(syntax);
        self.depth -= 1;
        node
    }

    /// [`Lowering::node`] once its depth is counted.
    fn node_within(&mut self, syntax: SyntaxNode<'s>) -> Node {
        let span = self.span(&syntax.span);
        match syntax.kind {
            K::String => match self.plain_str(syntax) {
                Some(s) => Node {
                    span,
                    kind: NodeKind::Str(Text::from(s.as_ref())),
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
                // Of the items' number at once (grown from empty, most arrays were copied
                // once or twice as they were built).
                let values = || syntax.nodes().filter(|n| n.kind == K::ArrayItem);
                let mut items = Vec::with_capacity(values().count());
                for value in values().filter_map(value_child) {
                    items.push(self.node(value));
                }
                Node {
                    span,
                    kind: NodeKind::Array(items),
                }
            }
            K::Object if !syntax.nodes().any(|n| n.kind == K::SpreadExpression) => {
                let written = || syntax.nodes().filter(|n| n.kind == K::ObjectProperty);
                let mut properties = Vec::with_capacity(written().count());
                for property in written() {
                    let Some(value) = value_child(property) else {
                        continue;
                    };
                    let key = match self.key_str(property) {
                        Some(k) => Key::Literal(Text::from(k.as_ref())),
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

    pub(super) fn at(&self, node: SyntaxNode<'_>) -> (u32, u32) {
        match self.pin {
            Some(p) => p,
            None => (
                node.span.start.saturating_sub(self.base),
                node.span.end.saturating_sub(self.base),
            ),
        }
    }

    pub(super) fn lit(&self, s: &str, start: u32, end: u32) -> Expr {
        Expr {
            start,
            end,
            kind: ExprKind::Str(s.to_owned()),
        }
    }

    pub(super) fn call_at(&self, name: &str, args: Vec<Expr>, start: u32, end: u32) -> Expr {
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

    pub(super) fn call(&self, name: &str, args: Vec<Expr>, node: SyntaxNode<'_>) -> Expr {
        let (start, end) = self.at(node);
        self.call_at(name, args, start, end)
    }

    pub(super) fn unknowable_expr(&self, start: u32, end: u32, cause: Cause) -> Expr {
        Expr {
            start,
            end,
            kind: ExprKind::Unknowable(Box::new(cause)),
        }
    }

    pub(super) fn construct(&self, node: SyntaxNode<'_>, construct: &'static str) -> Expr {
        let (start, end) = self.at(node);
        self.unknowable_expr(start, end, Cause::BicepConstruct { construct })
    }

    /// The expression `node` stands for.
    pub(super) fn expr(&mut self, node: SyntaxNode<'s>) -> Expr {
        if self.depth >= MAX_LOWERING_DEPTH {
            let (start, end) = self.at(node);
            return self.unknowable_expr(start, end, too_deep());
        }
        self.depth += 1;
        let expr = self.expr_within(node);
        self.depth -= 1;
        expr
    }

    /// [`Lowering::expr`] once its depth is counted.
    fn expr_within(&mut self, node: SyntaxNode<'s>) -> Expr {
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
                let parts: Vec<SyntaxNode<'s>> = node.nodes().collect();
                match parts.as_slice() {
                    [c, a, b] => {
                        let args = vec![self.expr(*c), self.expr(*a), self.expr(*b)];
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

    pub(super) fn string(&mut self, node: SyntaxNode<'s>) -> Expr {
        let (start, end) = self.at(node);
        // Most strings are one piece: its value is the literal (the format escaping below
        // and its undoing give it back unchanged), built once.
        let mut children = node.children();
        if let (1, Some(SyntaxElement::Token(only))) = (children.len(), children.next()) {
            return match try_string_value(self.text, only) {
                Some(value) => Expr {
                    start,
                    end,
                    kind: ExprKind::Str(value.into_owned()),
                },
                None => self.unknowable_expr(start, end, Cause::DamagedDeclaration),
            };
        }
        let tokens: Vec<&Token> = node.tokens().collect();
        let Some(pieces) = string_values(self.text, &tokens) else {
            return self.unknowable_expr(start, end, Cause::DamagedDeclaration);
        };
        let mut pieces = pieces.into_iter();
        // About the string's length and its holes' number: built without growing.
        let mut format = String::with_capacity(node.span.len());
        let mut args = Vec::with_capacity(node.nodes().count() + 1);
        for child in node.children() {
            match child {
                SyntaxElement::Token(_) => {
                    let piece = pieces.next().unwrap_or_default();
                    // Braces of the text are doubled: `format()` reads `{n}` as an argument.
                    if piece.contains(['{', '}']) {
                        for c in piece.chars() {
                            match c {
                                '{' => format.push_str("{{"),
                                '}' => format.push_str("}}"),
                                c => format.push(c),
                            }
                        }
                    } else {
                        format.push_str(&piece);
                    }
                }
                SyntaxElement::Node(n) => {
                    format.push('{');
                    push_decimal(&mut format, args.len());
                    format.push('}');
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

    /// `[a, b, ...c]` → `createArray(a, b)`, or with a spread
    /// `flatten(createArray(createArray(a, b), c))`.
    pub(super) fn array(&mut self, node: SyntaxNode<'s>) -> Expr {
        self.collection(node, "createArray", "flatten", 1, |l, item, plain| {
            if item.kind == K::ArrayItem
                && let Some(v) = value_child(item)
            {
                let e = l.expr(v);
                plain.push(e);
            }
        })
    }

    /// `{k: v, ...o}` → `createObject('k', v)`, or with a spread
    /// `shallowMerge(createArray(createObject('k', v), o))`.
    pub(super) fn object(&mut self, node: SyntaxNode<'s>) -> Expr {
        self.collection(node, "createObject", "shallowMerge", 2, |l, item, plain| {
            if item.kind != K::ObjectProperty {
                return;
            }
            let (Some(key_node), Some(value)) = (item.nodes().next(), value_child(item)) else {
                return;
            };
            let key = match l.key_str(item) {
                Some(k) => {
                    let (ks, ke) = l.at(key_node);
                    l.lit(&k, ks, ke)
                }
                None => l.expr(key_node),
            };
            plain.push(key);
            let v = l.expr(value);
            plain.push(v);
        })
    }

    /// An array or object: its entries (`entry` lowers one into the arguments of `build`),
    /// the runs between spreads built with `build` and all merged with `merge`.
    fn collection(
        &mut self,
        node: SyntaxNode<'s>,
        build: &str,
        merge: &str,
        per_entry: usize,
        mut entry: impl FnMut(&mut Self, SyntaxNode<'s>, &mut Vec<Expr>),
    ) -> Expr {
        let (start, end) = self.at(node);
        let mut groups: Vec<Expr> = Vec::new();
        // Room for the entries of a literal without spreads (an object's two arguments per
        // property, an array's one per item): its call's arguments, built without growing.
        let mut plain: Vec<Expr> = Vec::with_capacity(per_entry * node.nodes().count());
        let mut spread = false;
        for item in node.nodes() {
            if item.kind != K::SpreadExpression {
                entry(self, item, &mut plain);
                continue;
            }
            spread = true;
            if !plain.is_empty() {
                groups.push(self.call_at(build, std::mem::take(&mut plain), start, end));
            }
            if let Some(v) = item.nodes().next() {
                let e = self.expr(v);
                groups.push(e);
            }
        }
        if !spread {
            return self.call_at(build, plain, start, end);
        }
        if !plain.is_empty() {
            groups.push(self.call_at(build, plain, start, end));
        }
        let all = self.call_at("createArray", groups, start, end);
        self.call_at(merge, vec![all], start, end)
    }

    pub(super) fn binary(&mut self, node: SyntaxNode<'s>) -> Expr {
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

    pub(super) fn function_call(&mut self, node: SyntaxNode<'s>, _namespace: Option<&str>) -> Expr {
        let (start, end) = self.at(node);
        let name = match node.kind {
            K::FunctionCall => node.child(K::Identifier).map(|i| ident(self.text, i)),
            _ => node
                .nodes()
                .rfind(|n| n.kind == K::Identifier)
                .map(|i| ident(self.text, i)),
        }
        .unwrap_or("");
        let args: Vec<SyntaxNode<'s>> = arguments(node).collect();
        match name {
            "any" => match args.first() {
                Some(a) => self.expr(*a),
                None => self.construct(node, "any() without an argument"),
            },
            "loadTextContent" | "loadJsonContent" => self.load(node, name, &args),
            "loadYamlContent" | "loadFileAsBase64" | "loadDirectoryFileInfo" => {
                self.construct(node, "this file-loading function")
            }
            "readEnvironmentVariable" => self.environment_variable(node, &args),
            "getSecret" => self.construct(node, "a Key Vault secret"),
            _ if node.kind == K::FunctionCall
                && matches!(self.symbols.get(name), Some(SymbolRef::Imported(_))) =>
            {
                let Some(SymbolRef::Imported(i)) = self.symbols.get(name).copied() else {
                    return self.construct(node, "an imported function");
                };
                let (path, original, _) = self.imports[i].clone();
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

    /// `readEnvironmentVariable('NAME', default)` in a `.bicepparam` file: the variable's
    /// value in the environment imagegate runs in, as `bicep build-params` reads it on the
    /// machine that runs it; the default only when the variable is unset; unset without a
    /// default, unknown naming the variable
    /// (<https://learn.microsoft.com/azure/azure-resource-manager/bicep/bicep-functions-parameters-file>).
    /// Elsewhere (Bicep rejects the call outside parameter files) the default, as written.
    fn environment_variable(&mut self, node: SyntaxNode<'s>, args: &[SyntaxNode<'s>]) -> Expr {
        let Some(environment) = self.environment else {
            return match args.get(1) {
                Some(default) => self.expr(*default),
                None => self.construct(node, "an environment variable without a default"),
            };
        };
        let (start, end) = self.at(node);
        let Some((name, name_node)) = args
            .first()
            .and_then(|a| Some((self.plain_string(*a)?, *a)))
        else {
            return self.construct(
                node,
                "readEnvironmentVariable() of a name that is not a plain string",
            );
        };
        self.environment_reads.push(EnvironmentRead {
            call: self.span(&node.span),
            name_at: self.span(&name_node.span),
            name: name.clone(),
        });
        match (environment.get(&name), args.get(1)) {
            (Some(value), _) => self.lit(value, start, end),
            (None, Some(default)) => self.expr(*default),
            (None, None) => self.unknowable_expr(
                start,
                end,
                Cause::EnvironmentVariableUnset {
                    name,
                    reader: crate::value::cause::EnvironmentReader::BicepFunction,
                },
            ),
        }
    }

    /// `loadTextContent(path)` → the file's text; `loadJsonContent(path, [jsonPath])` → its
    /// JSON as data (strings are never expressions). Located in the file read, each value
    /// where it is written there, when the reader added that file to the run's files
    /// ([`ReadBeside::read_source`]; the data is then a variable of this template, read once
    /// however often the call is written); else at the call.
    pub(super) fn load(
        &mut self,
        node: SyntaxNode<'s>,
        function: &str,
        args: &[SyntaxNode<'s>],
    ) -> Expr {
        let (start, end) = self.at(node);
        let function: &'static str = if function == "loadJsonContent" {
            "loadJsonContent"
        } else {
            "loadTextContent"
        };
        let Some(path) = args.first().and_then(|a| self.plain_string(*a)) else {
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
        let (text, id) = match self.files.read_source(&path) {
            Ok(read) => read,
            Err(problem) => return self.unknowable_expr(start, end, unreadable(problem)),
        };
        // Lowered into another file (a module output), nothing can be shared with this one.
        let located = id.filter(|_| self.inline.is_none());
        let json_path = args.get(1).and_then(|p| self.plain_string(*p));
        let shown = match &json_path {
            Some(selected) => format!("{function}('{path}', '{selected}')"),
            None => format!("{function}('{path}')"),
        };
        if function == "loadTextContent" {
            return match located {
                Some(file) => {
                    let whole = Node {
                        span: Span::new(file, 0, text.len()),
                        kind: NodeKind::Str(text.as_str().into()),
                    };
                    self.loaded(whole, shown, start, end)
                }
                None => self.lit(&text, start, end),
            };
        }
        let json = match crate::json::parse_within(&text, self.files.max_document_values()) {
            Ok(json) => json,
            Err(e) => return self.unknowable_expr(start, end, unreadable(e.message)),
        };
        let selected = match args.get(1) {
            None => Some(&json),
            Some(p) => match self.plain_string(*p) {
                Some(json_path) => select(&json, &json_path),
                None => None,
            },
        };
        match selected {
            Some(value) => match located.and_then(|file| data_node(value, file, 0)) {
                Some(node) => self.loaded(node, shown, start, end),
                None => self.data(value, start, end, 0),
            },
            None => self.unknowable_expr(
                start,
                end,
                unreadable("the JSON path selects nothing imagegate can follow".into()),
            ),
        }
    }

    /// `variables(…)` of the variable holding `value`, what `shown` (the call, as `load`
    /// names it) read: shared by every call that reads the same, located at `start..end`.
    fn loaded(&mut self, value: Node, shown: String, start: u32, end: u32) -> Expr {
        let key = (u32::MAX, shown);
        let name = match self.shared_values.get(&key) {
            Some(name) => name.clone(),
            None => {
                let name = format!("__load{}", self.shared_values.len());
                let at = value.span;
                self.share_located(name.clone(), &key.1, at, value);
                self.shared_values.insert(key, name.clone());
                name
            }
        };
        let n = self.lit(&name, start, end);
        self.call_at("variables", vec![n], start, end)
    }

    /// JSON data as an expression that builds it, every part located at `start..end`.
    pub(super) fn data(
        &self,
        json: &crate::json::Json,
        start: u32,
        end: u32,
        depth: usize,
    ) -> Expr {
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
    pub(super) fn lambda(&mut self, node: SyntaxNode<'s>) -> Expr {
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
    pub(super) fn for_expression(&mut self, node: SyntaxNode<'s>) -> Expr {
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

    pub(super) fn loop_index(&self, how: &LoopIndex, start: u32, end: u32) -> Expr {
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

    pub(super) fn variable_access(&mut self, node: SyntaxNode<'s>) -> Expr {
        let (start, end) = self.at(node);
        let name = node
            .child(K::Identifier)
            .map_or("", |i| ident(self.text, i));
        // The innermost local of that name, read where it is (a copy of it, names and all,
        // per read was an allocation or two per loop item read).
        if let Some(at) = self.locals.iter().rposition(|l| local_name(l) == name) {
            return match &self.locals[at] {
                &Local::Item {
                    list,
                    ref index,
                    outside,
                    ..
                } => {
                    let i = self.loop_index(index, start, end);
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
                Local::Index { index, .. } => self.loop_index(index, start, end),
                Local::Lambda { name } => {
                    let n = self.lit(name, start, end);
                    self.call_at("lambdaVariables", vec![n], start, end)
                }
                Local::FunctionParameter { name } => {
                    let n = self.lit(name, start, end);
                    self.call_at("parameters", vec![n], start, end)
                }
            };
        }
        if let Some(SymbolRef::Imported(i)) = self.symbols.get(name).copied() {
            let (path, original, declared) = self.imports[i].clone();
            return self.imported(node, &path, &original, &declared);
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

    /// Whether `access` names a local (a loop item, a lambda parameter…).
    pub(super) fn is_local(&self, access: SyntaxNode<'_>) -> bool {
        access.child(K::Identifier).is_some_and(|i| {
            self.locals
                .iter()
                .any(|l| local_name(l) == ident(self.text, i))
        })
    }

    /// `a.b`, `a[i]`, `a::b`, with symbolic references to resources and modules resolved.
    pub(super) fn access(&mut self, node: SyntaxNode<'s>) -> Expr {
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
            let (path, _, declared) = self.imports[i].clone();
            let name = node
                .nodes()
                .nth(1)
                .map_or("", |n| ident(self.text, n))
                .to_owned();
            return self.imported(node, &path, &name, &declared);
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
    pub(super) fn symbolic(&mut self, node: SyntaxNode<'s>) -> Option<Expr> {
        let (start, end) = self.at(node);
        // Peel the property names off, down to the symbol: found first, the names gathered
        // only then (most accesses read no resource or module, and need no vector of them).
        let mut cur = node;
        let mut levels = 0;
        loop {
            if self.resource_symbol(cur).is_some() || self.module_symbol(cur).is_some() {
                break;
            }
            match cur.kind {
                K::PropertyAccess => {
                    levels += 1;
                    cur = cur.nodes().next()?;
                }
                K::NonNullAssertion | K::ParenthesizedExpression => cur = cur.nodes().next()?,
                _ => return None,
            }
        }
        let mut path: Vec<SyntaxNode<'s>> = Vec::with_capacity(levels);
        let mut at = node;
        while at != cur {
            if at.kind == K::PropertyAccess {
                path.push(at);
            }
            at = at.nodes().next()?;
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
                        let (s, e) = self.at(*p);
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
        // What only the deployment knows: a property of an `existing` (or looped) resource.
        let runtime = |l: &Self| {
            l.unknowable_expr(
                start,
                end,
                Cause::RuntimeProperty {
                    resource: symbol.clone(),
                    property: names.join("."),
                },
            )
        };
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
                    _ => return Some(runtime(self)),
                }
            }
            Some(_) => return Some(runtime(self)),
            None => return Some(self.construct(node, "a whole resource used as a value")),
        };
        let mut out = head;
        for (p, name) in path.iter().zip(&names).skip(rest) {
            let (s, e) = self.at(*p);
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
}

/// Writes `n` in decimal at the end of `out`: a `format()` argument's number, written per
/// hole of every interpolated string (without the formatting machinery `write!` goes through).
pub(super) fn push_decimal(out: &mut String, n: usize) {
    if n >= 10 {
        push_decimal(out, n / 10);
    }
    out.push(char::from(b'0' + (n % 10) as u8));
}

/// Why an expression nested deeper than the lowering follows is unknown.
pub(super) fn too_deep() -> Cause {
    Cause::Budget(Budget::ExpressionDepth {
        limit: MAX_LOWERING_DEPTH as usize,
    })
}

/// JSON data of the file `file` as a value of the template (strings are data, never
/// expressions), each part located where it is written there; `None` when it is nested deeper
/// than the lowering follows (then it is built at the call, where that is said).
fn data_node(json: &crate::json::Json, file: FileId, depth: usize) -> Option<Node> {
    use crate::json::{JsonKind, Number};
    if depth > 64 {
        return None;
    }
    let kind = match &json.kind {
        JsonKind::Null => NodeKind::Null,
        JsonKind::Bool(b) => NodeKind::Bool(*b),
        JsonKind::Number(Number::Int(i)) => NodeKind::Int(*i),
        JsonKind::Number(Number::Float(f)) => NodeKind::Float(*f),
        JsonKind::String(s) => NodeKind::Str(s.clone()),
        JsonKind::Array(items) => NodeKind::Array(
            items
                .iter()
                .map(|i| data_node(i, file, depth + 1))
                .collect::<Option<_>>()?,
        ),
        JsonKind::Object(_) => {
            let mut properties = Vec::new();
            for member in json.members() {
                properties.push(Property::Field {
                    key: Key::Literal(member.key.clone()),
                    value: data_node(&member.value, file, depth + 1)?,
                });
            }
            NodeKind::Object(properties)
        }
    };
    Some(Node {
        span: Span {
            file,
            start: json.start,
            end: json.end,
        },
        kind,
    })
}
