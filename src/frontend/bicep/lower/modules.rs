//! Modules: nested deployments of local files and registries, the parameters they pass, the
//! scope they deploy to, and their outputs computed in the caller.

use super::*;
use crate::eval::ir::{Catalogued, RegistryModule};
use crate::frontend::bicep::catalogue;
use crate::frontend::bicep::registry::{Reference, Version};

/// What imagegate's catalogue of public modules says of `reference`, referenced at `at` by a
/// module that passes the parameters named in `passed` (`None` for a reference outside the
/// public registry, or a module it does not know). The public registry is the one the built-in
/// `br/public` alias names (`mcr.microsoft.com`, module path `bicep/`), however the reference
/// spells it.
fn catalogued(reference: &Reference, at: Span, passed: &[&str]) -> Option<Catalogued> {
    let Reference::Registry {
        registry,
        repository,
        version,
    } = reference
    else {
        return None;
    };
    let module = repository.strip_prefix("bicep/")?;
    if registry != "mcr.microsoft.com" {
        return None;
    }
    let version = match version {
        Version::Tag(tag) => tag.as_str(),
        Version::Digest(digest) => digest.as_str(),
    };
    catalogue::lookup(module, version, at, passed)
}

impl<'s> Lowering<'s> {
    pub(super) fn module(&mut self, decl: SyntaxNode<'s>) -> Option<ResourceDecl> {
        let symbol = ident(self.text, decl.child(K::Identifier)?).to_owned();
        let path_node = decl.child(K::String)?;
        let path = self.plain_string(path_node);
        let (body, each) = unwrap_body(value_child(decl));
        let condition_node = condition_of(value_child(decl));
        let (copy, pushed) = self.declaration_loop(each, &symbol);
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
            Some(p) if is_registry_reference(p) => {
                let written = Node {
                    span: path_span,
                    kind: NodeKind::Str(p.as_str().into()),
                };
                let (resolved, catalogued) = match self.files.registry_module(p) {
                    Ok((reference, resolved)) => {
                        // The parameters it passes by name (a spread passes ones unknown here).
                        let passed: Vec<String> = body
                            .and_then(|b| self.property(b, "params"))
                            .filter(|p| p.kind == K::Object)
                            .map(|p| {
                                p.nodes()
                                    .filter(|n| n.kind == K::ObjectProperty)
                                    .filter_map(|n| self.key_text(n))
                                    .collect()
                            })
                            .unwrap_or_default();
                        let passed: Vec<&str> = passed.iter().map(String::as_str).collect();
                        let catalogued = catalogued(&reference, path_span, &passed);
                        (Ok(resolved), catalogued)
                    }
                    Err(why) => (Err(why), None),
                };
                DeployedTemplate::Registry(Box::new(RegistryModule {
                    written,
                    resolved,
                    catalogued,
                }))
            }
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
    pub(super) fn passed(&mut self, params: SyntaxNode<'s>) -> PassedParameters {
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

    /// The subscription and resource group a module's `scope:` deploys to: `resourceGroup(…)`,
    /// `subscription(…)`, or a resource group the file declares (`scope: rg`, `scope: rgs[i]`:
    /// that group by its name, in the subscription its own `scope:` names, else the deploying
    /// one).
    pub(super) fn module_scope(&mut self, scope: SyntaxNode<'s>) -> (Option<Node>, Option<Node>) {
        if let Some((index, at)) = self.resource_symbol(scope)
            && self.infos[index]
                .full_type
                .eq_ignore_ascii_case("Microsoft.Resources/resourceGroups")
        {
            let group = self.expr_node(scope, |l, s| {
                let at = at.map(|a| l.expr(a));
                let (start, end) = l.at(s);
                l.resource_name(index, at, start, end)
            });
            let own_scope = self.infos[index]
                .body
                .and_then(|b| self.property(b, "scope"));
            // A resource group's own scope is a subscription; anything else (another
            // resource, itself) is not followed.
            let subscription = match own_scope {
                Some(s) if self.resource_symbol(s).is_some() => Some(self.unknowable(
                    &s.span,
                    Cause::BicepConstruct {
                        construct: "a resource group declared in a scope given this way",
                    },
                )),
                Some(s) => match self.module_scope(s) {
                    (subscription, None) => subscription,
                    _ => Some(self.unknowable(
                        &s.span,
                        Cause::BicepConstruct {
                            construct: "a resource group declared in a scope given this way",
                        },
                    )),
                },
                None => None,
            };
            return (subscription, Some(group));
        }
        let name = match scope.kind {
            K::FunctionCall => scope.child(K::Identifier).map(|i| ident(self.text, i)),
            K::InstanceFunctionCall => scope
                .nodes()
                .rfind(|n| n.kind == K::Identifier)
                .map(|i| ident(self.text, i)),
            _ => None,
        };
        let args: Vec<SyntaxNode<'s>> = arguments(scope).collect();
        match (name, args.as_slice()) {
            (Some("resourceGroup"), [rg]) => (None, Some(self.node(*rg))),
            (Some("resourceGroup"), [sub, rg]) => (Some(self.node(*sub)), Some(self.node(*rg))),
            (Some("subscription"), [sub]) => (Some(self.node(*sub)), None),
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

    /// Output `output` of module `module` (instance `at` of a module loop), when the module is
    /// a local Bicep file and the output is a function of its parameters: the output's
    /// expression lowered here, the module's parameters replaced by the arguments this file
    /// passes (or their defaults), its variables by their values, every span at the reference.
    /// Anything else of the module (its own modules' outputs aside) is unknown, never a guess.
    pub(super) fn module_output(
        &mut self,
        module: SyntaxNode<'s>,
        at: Option<Expr>,
        output: &str,
        start: u32,
        end: u32,
    ) -> Expr {
        // A module outside any loop has one value per output: lowered once, as a variable of
        // this template located at the module (an output named a hundred times is evaluated
        // once, not lowered a hundred times).
        let (_, each) = unwrap_body(value_child(module));
        if at.is_none() && each.is_none() && self.inline.is_none() {
            let key = (module.span.start, output.to_owned());
            let name = match self.shared_values.get(&key) {
                Some(name) => name.clone(),
                None => {
                    let len = module.span.end - module.span.start;
                    let expr = self.module_output_here(module, None, output, 0, len);
                    let name = format!("__output{}_{output}", module.span.start);
                    self.share(name.clone(), &module.span, expr);
                    self.shared_values.insert(key, name.clone());
                    name
                }
            };
            let n = self.lit(&name, start, end);
            return self.call_at("variables", vec![n], start, end);
        }
        self.module_output_here(module, at, output, start, end)
    }

    /// The output's expression, lowered at `start..end`.
    fn module_output_here(
        &mut self,
        module: SyntaxNode<'s>,
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
        let Ok(file) = self.other_file(&path) else {
            return unknown(self);
        };
        if !file.parsed.errors.is_empty() {
            return unknown(self);
        }
        let (text, parsed) = (&file.text, &file.parsed);
        let Some(value) = parsed
            .root()
            .nodes()
            .filter(|n| n.kind == K::OutputDeclaration)
            .find(|n| {
                n.child(K::Identifier)
                    .is_some_and(|i| ident(text, i) == output)
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
        let scoped = body.and_then(|b| self.property(b, "scope")).is_some();
        let inline = Inline { arguments, scoped };
        self.lower_elsewhere(parsed.root(), text, value, inline, start, end)
    }

    pub(super) fn module_symbol(
        &self,
        node: SyntaxNode<'s>,
    ) -> Option<(SyntaxNode<'s>, Option<SyntaxNode<'s>>)> {
        match node.kind {
            K::VariableAccess => match self.global_symbol(node)? {
                SymbolRef::Module(m) => Some((m, None)),
                _ => None,
            },
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
