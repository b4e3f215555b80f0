//! Resources: declarations, their names and IDs (`sym.id`, `sym.name`, `a::b`), their scopes,
//! `Microsoft.Resources/deployments` resources, and declarations a syntax error swallowed.

use super::*;
use crate::eval::ir::{Container, ManagedApplication, UnseenTemplate};
use crate::value::Unavailable;

impl<'s> Lowering<'s> {
    /// Declarations a syntax error swallowed (recovery skipped them, or they ended up inside
    /// another declaration's damaged body): each `resource` of an image-bearing type and each
    /// `module` whose keyword, name and type or path can still be read is an unknown resource
    /// there, so what it deploys is IG002, never a pass.
    pub(super) fn swallowed(&self, root: SyntaxNode<'s>) -> Vec<ResourceDecl> {
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
        let mut stack: Vec<SyntaxNode<'_>> = vec![root];
        while let Some(node) = stack.pop() {
            for child in node.children().rev() {
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
                if Container::of(&resource_type).is_some() {
                    // A container of templates: what it deploys is unknown.
                    let deployment = NestedDeployment {
                        inner_scope: true,
                        template: DeployedTemplate::Expression(damaged()),
                        parameters: None,
                        parameters_link: None,
                        subscription: None,
                        resource_group: None,
                    };
                    (resource_type, None, Some(deployment))
                } else if catalog.arm(&resource_type).is_some() {
                    (resource_type, Some(damaged()), None)
                } else {
                    continue;
                }
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

    /// Records resource `decl` (declared in resource `parent`) and its nested resources;
    /// returns its index.
    pub(super) fn resource_info(&mut self, decl: SyntaxNode<'s>, parent: Option<usize>) -> usize {
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
                    .entry(Cow::Owned(name))
                    .or_insert(SymbolRef::Resource(child_index));
            }
        }
        index
    }

    pub(super) fn resource(&mut self, index: usize) -> Option<ResourceDecl> {
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
        let (copy, pushed) = self.declaration_loop(each, &symbol);
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
        // properties name, as in ARM JSON; so do the other containers of templates.
        let deployment = match (body, Container::of(&full_type)) {
            (Some(b), Some(container)) => {
                Some(self.raw_deployment(container, b, damaged, &decl.span))
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
    pub(super) fn qualified_name(&mut self, index: usize, own: SyntaxNode<'s>) -> Expr {
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
    pub(super) fn parent_of(&self, index: usize) -> Option<usize> {
        let info = &self.infos[index];
        if let Some(p) = info.parent {
            return Some(p);
        }
        let r = info.parent_ref?;
        self.resource_symbol(r).map(|(i, _)| i)
    }

    /// The resource an expression names (`sym`, `a::b`, `sym[i]`), with the index expression.
    pub(super) fn resource_symbol(
        &self,
        node: SyntaxNode<'s>,
    ) -> Option<(usize, Option<SyntaxNode<'s>>)> {
        match node.kind {
            K::VariableAccess => match self.global_symbol(node)? {
                SymbolRef::Resource(i) => Some((i, None)),
                _ => None,
            },
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
    pub(super) fn resource_name(
        &mut self,
        index: usize,
        at: Option<Expr>,
        start: u32,
        end: u32,
    ) -> Expr {
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
    pub(super) fn bind_instance(
        &mut self,
        each: Option<SyntaxNode<'s>>,
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
    ///
    /// The ID of a resource scoped to another (an extension resource) is built from that
    /// resource's ID, and from the names of its parents, which may name other resources'
    /// IDs: each link is one level of nesting, counted against [`MAX_LOWERING_DEPTH`] like an
    /// expression's, so that a chain longer than the lowering follows is an unknown that
    /// says so, never a stack overflow. An ID needed while it is being built depends on
    /// itself (a cycle of scopes, parents and names, which Bicep refuses: BCP080, "the
    /// expression is involved in a cycle"): it is unknown at once, not rebuilt in every
    /// branch until the lowering's work budget ends it (a 70 KB file took 2 GB that way).
    pub(super) fn resource_id(
        &mut self,
        index: usize,
        at: Option<Expr>,
        start: u32,
        end: u32,
    ) -> Expr {
        if self.ids_building.contains(&index) {
            let construct = "a resource ID that depends on itself (a cycle of scopes, parents and names, which Bicep refuses)";
            return self.unknowable_expr(start, end, Cause::BicepConstruct { construct });
        }
        if self.depth >= MAX_LOWERING_DEPTH {
            return self.unknowable_expr(start, end, super::expressions::too_deep());
        }
        self.depth += 1;
        self.ids_building.push(index);
        let id = self.resource_id_within(index, at, start, end);
        self.ids_building.pop();
        self.depth -= 1;
        id
    }

    /// [`Lowering::resource_id`] once its depth is counted.
    fn resource_id_within(&mut self, index: usize, at: Option<Expr>, start: u32, end: u32) -> Expr {
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
    pub(super) fn scoped_id(
        &mut self,
        scope: SyntaxNode<'s>,
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
                    .rfind(|n| n.kind == K::Identifier)
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
    /// The other containers of templates likewise: a deployment stack's `template` or
    /// `templateLink`; the `mainTemplate` a template spec version or a managed application
    /// definition publishes (`loadJsonContent('main.json')`: that file, with no parameters),
    /// or the definition's package (`packageFileUri`); the definition a managed application
    /// names (`applicationDefinitionId`), with its `parameters`.
    pub(super) fn raw_deployment(
        &mut self,
        container: Container,
        body: SyntaxNode<'s>,
        damaged: bool,
        at: &Range<u32>,
    ) -> NestedDeployment {
        let properties = self
            .property(body, "properties")
            .filter(|p| p.kind == K::Object);
        let get = |l: &Self, name: &str| properties.and_then(|p| l.property(p, name));
        // A deployment's template is evaluated in its own scope (`inner`) or in the deploying
        // template's; any other container's, in its own.
        let inner_scope = container != Container::Deployment
            || get(self, "expressionEvaluationOptions")
                .filter(|o| o.kind == K::Object)
                .and_then(|o| self.property(o, "scope"))
                .and_then(|s| self.plain_string(s))
                .is_some_and(|s| s.eq_ignore_ascii_case("inner"));
        let key = match container {
            Container::SpecVersion | Container::Definition => "mainTemplate",
            _ => "template",
        };
        let linking = matches!(container, Container::Deployment | Container::Stack);
        // A template spec version's templates published with it (`linkedTemplates`) are what
        // its main template's relative links name, not the files beside this one: not
        // followed from Bicep.
        let published = get(self, "linkedTemplates")
            .filter(|_| container == Container::SpecVersion)
            .filter(|l| l.kind != K::Array || l.nodes().any(|n| n.kind == K::ArrayItem));
        let package = get(self, "packageFileUri").filter(|_| container == Container::Definition);
        let template = if damaged || properties.is_none() {
            DeployedTemplate::Expression(self.unknowable(at, Cause::DamagedDeclaration))
        } else if container == Container::Application {
            DeployedTemplate::Application(Box::new(ManagedApplication {
                definition: get(self, "applicationDefinitionId").map(|n| self.node(n)),
                plan: self.property(body, "plan").map(|n| self.node(n)),
            }))
        } else if let Some(linked) = published {
            DeployedTemplate::Expression(self.unknowable(
                &linked.span,
                Cause::BicepConstruct {
                    construct: "a template spec version's linkedTemplates",
                },
            ))
        } else if let (Some(package), Some(_)) = (package, get(self, key)) {
            // Both a template and a package: which one is deployed is not decided offline.
            DeployedTemplate::Unseen(Box::new(UnseenTemplate {
                span: self.span(&package.span),
                why: Unavailable::Package {
                    uri: self.written(package),
                    also_inline: true,
                },
                property: "properties.packageFileUri",
            }))
        } else if let Some(path) = get(self, key)
            .filter(|_| inner_scope)
            .and_then(|t| self.loaded_json_path(t))
        {
            // `template: loadJsonContent('t.json')` in inner scope deploys that local file
            // with the parameters passed, as a relative templateLink does.
            DeployedTemplate::RelativePath(self.str_node(&path.0, &path.1))
        } else if let Some(template) = get(self, key) {
            let deploys_nothing = template.kind == K::Object
                && self.property(template, "resources").is_none_or(|r| {
                    r.kind == K::Array && !r.nodes().any(|n| n.kind == K::ArrayItem)
                });
            let construct = match container {
                Container::Deployment => "an inline ARM template in a Bicep deployments resource",
                _ => "an inline ARM template in a Bicep resource that holds a template",
            };
            if deploys_nothing {
                DeployedTemplate::Empty
            } else {
                DeployedTemplate::Expression(
                    self.unknowable(&template.span, Cause::BicepConstruct { construct }),
                )
            }
        } else if let Some(package) = package {
            DeployedTemplate::Package(self.node(package))
        } else if let Some(link) = get(self, "templateLink").filter(|_| linking) {
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
        let parameters = get(self, "parameters")
            .filter(|_| linking || container == Container::Application)
            .map(|p| {
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
                        Some(e) => match (self.property(e, "value"), self.property(e, "reference"))
                        {
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
        let parameters_link = get(self, "parametersLink").filter(|_| linking).map(|l| {
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
    pub(super) fn loaded_json_path(&self, node: SyntaxNode<'_>) -> Option<(Range<u32>, String)> {
        if node.kind != K::FunctionCall
            || node.child(K::Identifier).map(|i| ident(self.text, i)) != Some("loadJsonContent")
        {
            return None;
        }
        let args: Vec<SyntaxNode<'_>> = arguments(node).collect();
        match args.as_slice() {
            [path] => Some((node.span.clone(), self.plain_string(*path)?)),
            _ => None,
        }
    }
}
