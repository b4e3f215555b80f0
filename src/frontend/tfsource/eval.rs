//! Terraform's expressions evaluated offline, as Terraform evaluates them where the value is
//! known without Azure: literals, string templates, `var.*`, `local.*`, `count.index`,
//! `each.key`/`each.value`, conditionals whose condition is known, operators, indexing and
//! attribute access of known values, splats, `for` expressions, the `id`s the catalogue
//! composes, module outputs (`module.x.y`, through [`Modules`]), and a few common functions
//! ([`super::functions`]). Everything else (other data source and resource attributes, other
//! functions) is an unknown with its reason: never a default, never a pass.
//!
//! Every value keeps where it came from ([`Origin`]): a literal is located where it is written
//! (a `.tfvars` value, a variable's default, an argument), and each `var.`/`local.` it passes
//! through is a hop. Work is bounded by the walked file's [`Allowance`] (a step per expression
//! node, the size of every string built), expression depth by [`MAX_DEPTH`] and the nesting of
//! locals by the limits' `max_nesting`.
//!
//! Semantics: <https://developer.hashicorp.com/terraform/language/expressions>.

use std::cell::RefCell;

use foldhash::{HashMap, HashMapExt};
use hcl_edit::Span as _;
use hcl_edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::template::Element;

use crate::eval::Allowance;
use crate::source::{FileId, Span};
use crate::value::cause::{Budget, TfUnknown};
use crate::value::value_type::ValueType;
use crate::value::{Cause, Hop, Kind, Part, Subject, Value, Why, string_from_parts};

/// Deepest nesting of expressions evaluated (the parser's depth is bounded before: see
/// `super::folder::MAX_BRACKETS`).
pub(crate) const MAX_DEPTH: usize = 256;

/// The data source that reads a Marketplace image's details from Azure
/// (<https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/data-sources/platform_image>).
pub(crate) const PLATFORM_IMAGE: &str = "azurerm_platform_image";

/// How a platform image's ID is composed of the data source's arguments (the provider's
/// subscription a hole): the form `Image::from_id` reads as a Marketplace image.
const PLATFORM_IMAGE_ID: &str = "/Subscriptions/{subscription}/Providers/Microsoft.Compute/Locations/{location}/Publishers/{publisher}/ArtifactTypes/VMImage/Offers/{offer}/Skus/{sku}/Versions/{version}";

/// An expression and the file it is written in.
#[derive(Clone, Copy)]
pub(crate) struct Written<'a> {
    /// The expression.
    pub(crate) expr: &'a Expression,
    /// Its file.
    pub(crate) file: FileId,
}

/// A declared local value, evaluated once, when first read.
struct Local<'a> {
    /// Its expression.
    written: Written<'a>,
    /// Its value, once evaluated.
    value: RefCell<Option<Value>>,
    /// Whether it is being evaluated (a cycle reads it again).
    busy: RefCell<bool>,
}

/// What `module.NAME` reads in a module: the outputs of its calls, evaluated from the called
/// module's sources with the arguments each instance of the call passes
/// (<https://developer.hashicorp.com/terraform/language/values/outputs#accessing-child-module-outputs>).
pub(crate) trait Modules {
    /// The value of `module.NAME` read at `at` in `scope` (the caller's): an object of the
    /// called module's outputs, a list of them for a call with `count`, a map for one with
    /// `for_each`; unknown, saying why, when the module is not read or not evaluated.
    fn call(&self, scope: &Scope<'_>, name: &str, at: Option<Span>) -> Value;
}

/// What `count` and `for_each` give one instance of a resource.
#[derive(Clone, Debug, Default)]
pub(crate) struct Instance {
    /// `count.index`, when the resource has `count`.
    pub(crate) index: Option<Value>,
    /// `each.key`, when it has `for_each`.
    pub(crate) key: Option<Value>,
    /// `each.value`, when it has `for_each`.
    pub(crate) value: Option<Value>,
}

/// A data source or managed resource of the module whose `id` the catalogue says how to
/// compose from its arguments (`[[terraform_id]]`).
#[derive(Clone)]
pub(crate) struct Declared<'a> {
    /// Its block (with what override files merge into it).
    pub(crate) block: super::syntax::Block<'a>,
    /// Where its block is written.
    pub(crate) at: Option<Span>,
}

/// What the expressions of one Terraform module read: its variables' values, its locals, the
/// instance being evaluated, and the walked file's allowance.
pub(crate) struct Scope<'a> {
    /// Each variable's value (already decided by precedence), by name.
    variables: HashMap<String, Value>,
    /// The data sources (`true`) and resources (`false`) whose `id` can be composed, by kind,
    /// type and name.
    declared: HashMap<(bool, String, String), Declared<'a>>,
    /// Each local's expression, by name.
    locals: HashMap<String, Local<'a>>,
    /// The resource or module instance being evaluated (set while its arguments are).
    instance: RefCell<Instance>,
    /// What `module.NAME` reads: the outputs of the module calls of this module.
    modules: Option<&'a dyn Modules>,
    /// What the walked file may spend.
    allowance: &'a Allowance,
    /// How deep locals are being evaluated now.
    nesting: RefCell<usize>,
    /// The variables of the `for` expressions being evaluated, innermost last.
    bound: RefCell<Vec<(String, Value)>>,
}

/// Whether `why` is an error of the expression itself (what `try` passes over), rather than
/// a value not known offline.
pub(crate) fn is_error(why: &Why) -> bool {
    matches!(
        *why.cause,
        Cause::MissingProperty { .. }
            | Cause::PropertyOfNonObject { .. }
            | Cause::IndexOutOfRange { .. }
            | Cause::NotIndexable { .. }
            | Cause::InvalidCall { .. }
    )
}

/// An unknown for `cause`, located at `at`.
pub(crate) fn unknown(cause: Cause, at: Option<Span>) -> Value {
    let why = Why {
        span: at,
        ..Why::new(cause)
    };
    Value {
        kind: Kind::Unknown(why),
        origin: crate::value::Origin {
            site: at,
            ..Default::default()
        },
    }
}

/// An unknown because the evaluator does not follow `construct`, located at `at`.
pub(crate) fn not_evaluated(construct: impl Into<String>, at: Option<Span>) -> Value {
    let construct = construct.into();
    unknown(
        Cause::TerraformSource(TfUnknown::NotEvaluated { construct }),
        at,
    )
}

/// The span of `expr` in `file`.
pub(crate) fn span_of(expr: &Expression, file: FileId) -> Option<Span> {
    expr.span().map(|r| Span::new(file, r.start, r.end))
}

impl<'a> Scope<'a> {
    /// A scope of `variables` (decided values) and `locals` (expressions), spending from
    /// `allowance`.
    pub(crate) fn new(
        variables: HashMap<String, Value>,
        locals: Vec<(String, Written<'a>)>,
        allowance: &'a Allowance,
    ) -> Scope<'a> {
        let mut by_name = HashMap::with_capacity(locals.len());
        for (name, written) in locals {
            by_name.insert(
                name,
                Local {
                    written,
                    value: RefCell::new(None),
                    busy: RefCell::new(false),
                },
            );
        }
        Scope {
            variables,
            declared: HashMap::new(),
            locals: by_name,
            instance: RefCell::new(Instance::default()),
            modules: None,
            allowance,
            nesting: RefCell::new(0),
            bound: RefCell::new(Vec::new()),
        }
    }

    /// A scope with nothing declared: what a `.tfvars` value or a variable's default is
    /// evaluated in (Terraform allows no references there).
    pub(crate) fn empty(allowance: &'a Allowance) -> Scope<'a> {
        Scope::new(HashMap::new(), Vec::new(), allowance)
    }

    /// This scope, where `data.TYPE.NAME.id` and `TYPE.NAME.id` of the blocks of `declared`
    /// (`(data source?, type, name)`) are their `id`s composed from their arguments.
    pub(crate) fn with_declared(
        mut self,
        declared: HashMap<(bool, String, String), Declared<'a>>,
    ) -> Scope<'a> {
        self.declared = declared;
        self
    }

    /// This scope, where `module.NAME` is what `modules` says the call `NAME` outputs.
    pub(crate) fn with_modules(mut self, modules: &'a dyn Modules) -> Scope<'a> {
        self.modules = Some(modules);
        self
    }

    /// This scope, its locals evaluated `nesting` levels deep already (a called module's
    /// outputs are evaluated within the reading of its caller's: one bound for both).
    pub(crate) fn with_nesting(self, nesting: usize) -> Scope<'a> {
        *self.nesting.borrow_mut() = nesting;
        self
    }

    /// How deep locals and module outputs are being evaluated now.
    pub(crate) fn nesting(&self) -> usize {
        *self.nesting.borrow()
    }

    /// Makes `instance` the one being evaluated, returning the one it replaces.
    pub(crate) fn set_instance(&self, instance: Instance) -> Instance {
        self.instance.replace(instance)
    }

    /// The allowance spent from.
    pub(crate) fn allowance(&self) -> &Allowance {
        self.allowance
    }

    /// The value of `written`.
    pub(crate) fn eval(&self, written: Written<'_>) -> Value {
        self.expr(written.expr, written.file, 0)
    }

    /// The unknown a spent step budget leaves, at `at`.
    fn spent(&self, at: Option<Span>) -> Value {
        let limit = self.allowance.max_steps();
        unknown(Cause::Budget(Budget::Steps { limit }), at)
    }

    fn expr(&self, expr: &Expression, file: FileId, depth: usize) -> Value {
        let at = span_of(expr, file);
        if !self.allowance.charge(1) {
            return self.spent(at);
        }
        if depth > MAX_DEPTH {
            let limit = MAX_DEPTH;
            return unknown(Cause::Budget(Budget::ExpressionDepth { limit }), at);
        }
        let literal = |kind: Kind| match at {
            Some(at) => Value::literal(kind, at),
            None => Value::composed(kind),
        };
        match expr {
            Expression::Null(_) => literal(Kind::Null),
            Expression::Bool(b) => literal(Kind::Bool(*b.value())),
            Expression::Number(n) => {
                let n = n.value();
                match n.as_i64() {
                    Some(i) => literal(Kind::Int(i)),
                    None => literal(Kind::Float(n.as_f64().unwrap_or(f64::NAN))),
                }
            }
            Expression::String(s) => {
                if !self.allowance.charge(s.value().len() as u64 / 16) {
                    return self.spent(at);
                }
                literal(Kind::Str(s.value().to_string()))
            }
            Expression::Array(items) => {
                let values = items
                    .iter()
                    .map(|item| self.expr(item, file, depth + 1))
                    .collect();
                composed(Kind::Array(values), at)
            }
            Expression::Object(object) => {
                let mut members = Members::default();
                for (key, value) in object.iter() {
                    let name = match key {
                        ObjectKey::Ident(ident) => ident.as_str().to_string(),
                        ObjectKey::Expression(e) => {
                            let k = self.expr(e, file, depth + 1);
                            match key_text(&k) {
                                Some(k) => k,
                                None => {
                                    return not_evaluated("an object key not known offline", at);
                                }
                            }
                        }
                    };
                    let v = self.expr(value.expr(), file, depth + 1);
                    members.set(name, v);
                }
                composed(members.into_kind(), at)
            }
            Expression::StringTemplate(t) => {
                let elements: Vec<&Element> = t.iter().collect();
                self.template(&elements, file, at, depth)
            }
            Expression::HeredocTemplate(h) => {
                let elements: Vec<&Element> = h.template.iter().collect();
                self.template(&elements, file, at, depth)
            }
            Expression::Parenthesis(p) => self.expr(p.inner(), file, depth + 1),
            Expression::Variable(v) => match self.bound(v.as_str()) {
                Some(value) => value.at_site_opt(at),
                None => not_evaluated(format!("the reference `{}`", v.as_str()), at),
            },
            Expression::Conditional(c) => {
                let condition = self.expr(&c.cond_expr, file, depth + 1);
                match condition.kind {
                    Kind::Bool(true) => self.expr(&c.true_expr, file, depth + 1),
                    Kind::Bool(false) => self.expr(&c.false_expr, file, depth + 1),
                    Kind::Unknown(why) => Value {
                        kind: Kind::Unknown(why),
                        origin: crate::value::Origin {
                            site: at,
                            ..Default::default()
                        },
                    },
                    _ => not_evaluated("a condition that is not a boolean", at),
                }
            }
            Expression::FuncCall(call) => {
                if call.name.is_namespaced() {
                    let name = call.name.name.as_str();
                    return not_evaluated(format!("the provider function '{name}'"), at);
                }
                let name = call.name.name.as_str();
                let args: Vec<&Expression> = call.args.iter().collect();
                if call.args.expand_final() {
                    return not_evaluated("a call with an expanded final argument (`...`)", at);
                }
                super::functions::call(self, name, &args, file, at, depth + 1)
            }
            Expression::Traversal(t) => self.traversal(t, file, at, depth),
            Expression::UnaryOp(op) => {
                let v = self.expr(&op.expr, file, depth + 1);
                match (op.operator.value(), &v.kind) {
                    (_, Kind::Unknown(_)) => v,
                    (UnaryOperator::Not, Kind::Bool(b)) => composed(Kind::Bool(!b), at),
                    (UnaryOperator::Neg, Kind::Int(i)) => match i.checked_neg() {
                        Some(n) => composed(Kind::Int(n), at),
                        None => not_evaluated("an integer overflow", at),
                    },
                    (UnaryOperator::Neg, Kind::Float(f)) => composed(Kind::Float(-f), at),
                    _ => not_evaluated("an operator applied to a value of another type", at),
                }
            }
            Expression::BinaryOp(op) => {
                let lhs = self.expr(&op.lhs_expr, file, depth + 1);
                let rhs = self.expr(&op.rhs_expr, file, depth + 1);
                binary(*op.operator.value(), lhs, rhs, at)
            }
            Expression::ForExpr(f) => self.for_expr(f, file, at, depth),
        }
    }

    /// A string template: its literal parts and each interpolation's value as text. A
    /// template that is one interpolation alone is that value, unconverted (as Terraform
    /// evaluates `"${var.x}"`), so it keeps where it came from.
    fn template(
        &self,
        elements: &[&Element],
        file: FileId,
        at: Option<Span>,
        depth: usize,
    ) -> Value {
        if let [Element::Interpolation(i)] = elements {
            return self.expr(&i.expr, file, depth + 1).at_site_opt(at);
        }
        let mut built = Built::default();
        if let Err(v) = self.elements(elements, file, at, depth, &mut built) {
            return v;
        }
        if !self.allowance.charge(built.length as u64 / 16) {
            return self.spent(at);
        }
        built
            .pieces
            .on(composed(string_from_parts(built.parts), at))
    }

    /// Adds what the template `elements` make to `built`: literals (whitespace stripped where
    /// a `~` says), interpolations as text, and template directives
    /// (<https://developer.hashicorp.com/terraform/language/expressions/strings#directives>):
    /// `%{ if }` by its condition, `%{ for }` once per element of a known collection; a
    /// condition or collection not known offline leaves a hole. `Err`: the string budget
    /// spent.
    fn elements(
        &self,
        elements: &[&Element],
        file: FileId,
        at: Option<Span>,
        depth: usize,
        built: &mut Built,
    ) -> Result<(), Value> {
        use hcl_edit::template::Directive;
        if depth > MAX_DEPTH {
            let limit = MAX_DEPTH;
            return Err(unknown(
                Cause::Budget(Budget::ExpressionDepth { limit }),
                at,
            ));
        }
        for element in elements {
            if !self.allowance.charge(1) {
                return Err(self.spent(at));
            }
            match element {
                Element::Literal(text) => built.text(text.value()),
                Element::Interpolation(i) => {
                    built.strip(i.strip.strip_start());
                    let v = self.expr(&i.expr, file, depth + 1);
                    built.pieces.value(built.length, &v);
                    match text_parts(&v) {
                        Ok(p) => built.parts(p),
                        Err(found) => {
                            let why = Why {
                                span: span_of(&i.expr, file),
                                ..Why::new(Cause::NotAString {
                                    value: format!("{found}"),
                                })
                            };
                            built.parts.push(Part::Hole(why));
                        }
                    }
                    built.trim_next = i.strip.strip_end();
                }
                Element::Directive(directive) => match directive.as_ref() {
                    Directive::If(d) => {
                        built.strip(d.if_expr.strip.strip_start());
                        let condition = self.expr(&d.if_expr.cond_expr, file, depth + 1);
                        let chosen = match condition.kind {
                            Kind::Bool(true) => Some((&d.if_expr.template, d.if_expr.strip)),
                            Kind::Bool(false) => {
                                d.else_expr.as_ref().map(|e| (&e.template, e.strip))
                            }
                            Kind::Unknown(why) => {
                                built.parts.push(Part::Hole(why));
                                None
                            }
                            _ => {
                                built.hole(not_evaluated(
                                    "a template `if` whose condition is not a boolean",
                                    span_of(&d.if_expr.cond_expr, file),
                                ));
                                None
                            }
                        };
                        if let Some((template, strip)) = chosen {
                            built.trim_next = strip.strip_end();
                            let inner: Vec<&Element> = template.iter().collect();
                            self.elements(&inner, file, at, depth + 1, built)?;
                        }
                        built.strip(d.endif_expr.strip.strip_start());
                        built.trim_next = d.endif_expr.strip.strip_end();
                    }
                    Directive::For(d) => {
                        built.strip(d.for_expr.strip.strip_start());
                        let collection = self.expr(&d.for_expr.collection_expr, file, depth + 1);
                        let items: Vec<(Value, Value)> = match elements_of(collection.kind) {
                            Ok(items) => items,
                            Err(Kind::Null) => Vec::new(),
                            Err(Kind::Unknown(why)) => {
                                built.parts.push(Part::Hole(why));
                                Vec::new()
                            }
                            Err(_) => {
                                built.hole(not_evaluated(
                                    "a template `for` over a value that is not a collection",
                                    span_of(&d.for_expr.collection_expr, file),
                                ));
                                Vec::new()
                            }
                        };
                        let inner: Vec<&Element> = d.for_expr.template.iter().collect();
                        let value_var = d.for_expr.value_var.as_str().to_string();
                        let key_var = d.for_expr.key_var.as_ref().map(|k| k.as_str().to_string());
                        for (key, value) in items {
                            built.trim_next = d.for_expr.strip.strip_end();
                            let mark = self.bound.borrow().len();
                            if let Some(k) = &key_var {
                                self.bound.borrow_mut().push((k.clone(), key));
                            }
                            self.bound.borrow_mut().push((value_var.clone(), value));
                            let result = self.elements(&inner, file, at, depth + 1, built);
                            self.bound.borrow_mut().truncate(mark);
                            result?;
                            built.strip(d.endfor_expr.strip.strip_start());
                        }
                        built.trim_next = d.endfor_expr.strip.strip_end();
                    }
                },
            }
            let limit = self.allowance.limits().max_string;
            if built.length > limit {
                let cause = Cause::Budget(Budget::StringLength {
                    function: "a string template".into(),
                    length: built.length,
                    limit,
                });
                return Err(unknown(cause, at));
            }
        }
        Ok(())
    }

    /// A traversal: `var.x`, `local.x`, `count.index`, `each.key`, a reference Terraform
    /// knows only when it plans or applies, or any value's attributes and elements.
    fn traversal(
        &self,
        t: &hcl_edit::expr::Traversal,
        file: FileId,
        at: Option<Span>,
        depth: usize,
    ) -> Value {
        let operators: Vec<&TraversalOperator> = t.operators.iter().map(|o| o.value()).collect();
        let attr = |i: usize| match operators.get(i) {
            Some(TraversalOperator::GetAttr(name)) => Some(name.as_str()),
            _ => None,
        };
        let (value, used) = match &t.expr {
            Expression::Variable(root) if self.bound(root.as_str()).is_some() => {
                let value = self
                    .bound(root.as_str())
                    .unwrap_or_else(|| Value::composed(Kind::Null));
                (value, 0)
            }
            Expression::Variable(root) => {
                let root = root.as_str();
                match (root, attr(0)) {
                    ("var", Some(name)) => (self.variable(name, at), 1),
                    ("local", Some(name)) => (self.local(name, at), 1),
                    ("count", Some("index")) => match &self.instance.borrow().index {
                        Some(v) => match self.copy(v, at) {
                            Ok(v) => (v.at_site_opt(at), 1),
                            Err(spent) => return spent,
                        },
                        None => return not_evaluated("`count.index` outside `count`", at),
                    },
                    ("each", Some(which @ ("key" | "value"))) => {
                        let instance = self.instance.borrow();
                        let v = if which == "key" {
                            &instance.key
                        } else {
                            &instance.value
                        };
                        match v {
                            Some(v) => match self.copy(v, at) {
                                Ok(v) => (v.at_site_opt(at), 1),
                                Err(spent) => return spent,
                            },
                            None => return not_evaluated("`each` outside `for_each`", at),
                        }
                    }
                    ("data", Some(PLATFORM_IMAGE)) if attr(1).is_some() && attr(2).is_some() => {
                        let name = attr(1).unwrap_or_default();
                        let attribute = attr(2).unwrap_or_default();
                        match self.platform_image(name, attribute, at, depth) {
                            Some(v) => (v, 3),
                            None => {
                                let reference = reference_text(root, &operators);
                                let cause =
                                    Cause::TerraformSource(TfUnknown::DataSource { reference });
                                return unknown(cause, at);
                            }
                        }
                    }
                    ("data", Some(kind)) if attr(1).is_some() && attr(2) == Some("id") => {
                        let name = attr(1).unwrap_or_default();
                        match self.composed_id(true, kind, name, at, depth) {
                            Some(v) => (v, 3),
                            None => {
                                let reference = reference_text(root, &operators);
                                let cause =
                                    Cause::TerraformSource(TfUnknown::DataSource { reference });
                                return unknown(cause, at);
                            }
                        }
                    }
                    ("data", _) => {
                        let reference = reference_text(root, &operators);
                        let cause = Cause::TerraformSource(TfUnknown::DataSource { reference });
                        return unknown(cause, at);
                    }
                    ("module", Some(name)) if self.modules.is_some() => match self.modules {
                        Some(modules) => (modules.call(self, name, at), 1),
                        None => return not_evaluated("`module`", at),
                    },
                    ("module", _) => {
                        let reference = reference_text(root, &operators);
                        let cause = Cause::TerraformSource(TfUnknown::ModuleOutput { reference });
                        return unknown(cause, at);
                    }
                    ("path" | "terraform" | "self", _) => {
                        let reference = reference_text(root, &operators);
                        return not_evaluated(format!("`{reference}`"), at);
                    }
                    (kind, Some(name)) if attr(1) == Some("id") => {
                        match self.composed_id(false, kind, name, at, depth) {
                            Some(v) => (v, 2),
                            None => {
                                let reference = reference_text(root, &operators);
                                let cause = Cause::TerraformSource(TfUnknown::ResourceAttribute {
                                    reference,
                                });
                                return unknown(cause, at);
                            }
                        }
                    }
                    (_, Some(_)) => {
                        let reference = reference_text(root, &operators);
                        let cause =
                            Cause::TerraformSource(TfUnknown::ResourceAttribute { reference });
                        return unknown(cause, at);
                    }
                    _ => {
                        let reference = reference_text(root, &operators);
                        return not_evaluated(format!("the reference `{reference}`"), at);
                    }
                }
            }
            other => (self.expr(other, file, depth + 1), 0),
        };
        self.apply(value, &operators[used..], file, at, depth)
    }

    /// Binds `name` to `value` (a `dynamic` block's iterator) until [`Scope::unbind`] is
    /// given what this returns.
    pub(crate) fn bind(&self, name: String, value: Value) -> usize {
        let mut bound = self.bound.borrow_mut();
        let mark = bound.len();
        bound.push((name, value));
        mark
    }

    /// Undoes the bindings made since `mark` ([`Scope::bind`]).
    pub(crate) fn unbind(&self, mark: usize) {
        self.bound.borrow_mut().truncate(mark);
    }

    /// The value a `for` expression being evaluated binds to `name`, if any.
    fn bound(&self, name: &str) -> Option<Value> {
        let bound = self.bound.borrow();
        let (_, v) = bound.iter().rev().find(|(n, _)| n == name)?;
        Some(self.copy(v, None).unwrap_or_else(|spent| spent))
    }

    /// A `for` expression
    /// (<https://developer.hashicorp.com/terraform/language/expressions/for>): a list, or an
    /// object when it makes keys (grouped with `...`), of its value for each element of a known
    /// collection (a map's in lexical order of its keys) its condition keeps. A collection,
    /// condition or key not known offline leaves the whole unknown.
    fn for_expr(
        &self,
        f: &hcl_edit::expr::ForExpr,
        file: FileId,
        at: Option<Span>,
        depth: usize,
    ) -> Value {
        let collection = self.expr(&f.intro.collection_expr, file, depth + 1);
        let elements: Vec<(Value, Value)> = match elements_of(collection.kind) {
            Ok(elements) => elements,
            Err(Kind::Unknown(why)) => return unknown_with(why, at),
            Err(_) => {
                return not_evaluated(
                    "a `for` expression over a value that is not a collection",
                    at,
                );
            }
        };
        let value_var = f.intro.value_var.as_str().to_string();
        let key_var = f.intro.key_var.as_ref().map(|k| k.as_str().to_string());
        let mut items = Vec::new();
        let mut members = Members::default();
        let mut groups: Vec<(String, Vec<Value>)> = Vec::new();
        let mut group_index: HashMap<String, usize> = HashMap::new();
        for (key, value) in elements {
            if !self.allowance.charge(1) {
                return self.spent(at);
            }
            let before = self.bound.borrow().len();
            if let Some(k) = &key_var {
                self.bound.borrow_mut().push((k.clone(), key));
            }
            self.bound.borrow_mut().push((value_var.clone(), value));
            let result = self.for_element(f, file, depth);
            self.bound.borrow_mut().truncate(before);
            let (k, v) = match result {
                Ok(Some(kv)) => kv,
                Ok(None) => continue,
                Err(why) => return unknown_with(why, at),
            };
            match k {
                None => items.push(v),
                Some(k) if f.grouping => match group_index.get(&k) {
                    Some(&i) => groups[i].1.push(v),
                    None => {
                        group_index.insert(k.clone(), groups.len());
                        groups.push((k, vec![v]));
                    }
                },
                Some(k) => {
                    if members.get(&k).is_some() {
                        return not_evaluated(
                            "a `for` expression that makes one key twice (Terraform rejects it)",
                            at,
                        );
                    }
                    members.set(k, v);
                }
            }
        }
        if f.key_expr.is_none() {
            return composed(Kind::Array(items), at);
        }
        for (k, vs) in groups {
            members.set(k, composed(Kind::Array(vs), at));
        }
        composed(members.into_kind(), at)
    }

    /// One element of the `for` expression `f`, its variables bound: `None` when its
    /// condition leaves it out, else its key (for an object) and value; why not, when its
    /// condition or key is not known offline.
    fn for_element(
        &self,
        f: &hcl_edit::expr::ForExpr,
        file: FileId,
        depth: usize,
    ) -> Result<Option<Made>, Why> {
        if let Some(cond) = &f.cond {
            let keep = self.expr(&cond.expr, file, depth + 1);
            match keep.kind {
                Kind::Bool(false) => return Ok(None),
                Kind::Bool(true) => {}
                Kind::Unknown(why) => return Err(why),
                _ => {
                    let at = span_of(&cond.expr, file);
                    return Err(Why {
                        span: at,
                        ..Why::new(Cause::TerraformSource(TfUnknown::NotEvaluated {
                            construct: "a `for` condition that is not a boolean".into(),
                        }))
                    });
                }
            }
        }
        let key = match &f.key_expr {
            None => None,
            Some(k) => {
                let k = self.expr(k, file, depth + 1);
                match key_text(&k) {
                    Some(k) => Some(k),
                    None => {
                        return Err(k.first_unknown().cloned().unwrap_or_else(|| {
                            Why::new(Cause::TerraformSource(TfUnknown::NotEvaluated {
                                construct: "a `for` key that is not a string".into(),
                            }))
                        }));
                    }
                }
            }
        };
        Ok(Some((key, self.expr(&f.value_expr, file, depth + 1))))
    }

    /// The `id` of the data source (`data`) or resource `kind`.`name` of the module, read at
    /// `at`, composed from its arguments as the catalogue's `[[terraform_id]]` says (the
    /// provider's subscription, and any argument not known offline, a hole): `None` when the
    /// module declares no such block the catalogue knows (or with `count`/`for_each`).
    /// A data source's gallery version named `recent` reads whatever is newest at apply, as
    /// `latest` does (<https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/data-sources/shared_image_version#name-1>).
    fn composed_id(
        &self,
        data: bool,
        kind: &str,
        name: &str,
        at: Option<Span>,
        depth: usize,
    ) -> Option<Value> {
        let declared = self
            .declared
            .get(&(data, kind.to_string(), name.to_string()))?;
        if data && kind == PLATFORM_IMAGE {
            return Some(self.compose(declared, PLATFORM_IMAGE_ID, data, kind, name, at, depth));
        }
        let template = crate::catalog::Catalog::builtin().terraform_id(kind)?;
        Some(self.compose(declared, template, data, kind, name, at, depth))
    }

    /// The attribute `attribute` of the data source `data.azurerm_platform_image.NAME`,
    /// read at `at`: its `publisher`, `offer`, `sku` and `location` are its arguments, its
    /// `version` the argument, else `latest` (the newest version is read when Terraform plans:
    /// unpinned), its `id` composed of them
    /// (<https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/data-sources/platform_image>).
    /// `None` when the module declares no such data source (or with `count`/`for_each`), or
    /// for another attribute.
    fn platform_image(
        &self,
        name: &str,
        attribute: &str,
        at: Option<Span>,
        depth: usize,
    ) -> Option<Value> {
        if attribute == "id" {
            return self.composed_id(true, PLATFORM_IMAGE, name, at, depth);
        }
        let declared = self
            .declared
            .get(&(true, PLATFORM_IMAGE.to_string(), name.to_string()))?;
        if !["publisher", "offer", "sku", "location", "version"].contains(&attribute) {
            return None;
        }
        let mut v = self.argument(declared, attribute, true, PLATFORM_IMAGE, at, depth);
        if let Some(at) = at {
            let via = Subject::DataSource(format!("data.{PLATFORM_IMAGE}.{name}"));
            v.origin.hops.push(Hop { span: at, via });
        }
        Some(v)
    }

    /// The value of the argument `argument` of the declared data source (`data`) or resource
    /// of type `kind`, read at `at`: missing, an unknown (a platform image's `version`:
    /// `latest`); a gallery version data source's `recent`, `latest`.
    fn argument(
        &self,
        declared: &Declared<'_>,
        argument: &str,
        data: bool,
        kind: &str,
        at: Option<Span>,
        depth: usize,
    ) -> Value {
        let v = match declared.block.written(argument) {
            Some(w) => self.expr(w.expr, w.file, depth + 1),
            // What a finding about it points at: the data source, where `version` is missing.
            None if data && kind == PLATFORM_IMAGE && argument == "version" => {
                composed(Kind::Str("latest".into()), declared.at.or(at))
            }
            None => unknown(
                Cause::MissingProperty {
                    name: argument.to_string(),
                },
                at,
            ),
        };
        match v.as_str() {
            Some(s) if data && argument == "name" && s.eq_ignore_ascii_case("recent") => {
                composed(Kind::Str("latest".into()), v.origin.site)
            }
            _ => v,
        }
    }

    /// The `id` of the declared data source (`data`) or resource `kind`.`name`, read at `at`,
    /// composed of its arguments as `template` says (`{argument}`; `{subscription}`, the
    /// provider's, a hole).
    #[allow(clippy::too_many_arguments)]
    fn compose(
        &self,
        declared: &Declared<'_>,
        template: &str,
        data: bool,
        kind: &str,
        name: &str,
        at: Option<Span>,
        depth: usize,
    ) -> Value {
        let mut parts = Vec::new();
        let mut pieces = crate::eval::ops::Pieces::default();
        let mut length = 0usize;
        let mut rest = template;
        let subscription = || {
            let cause = Cause::TerraformSource(TfUnknown::ProviderSubscription);
            Part::Hole(Why {
                span: at,
                ..Why::new(cause)
            })
        };
        while let Some(open) = rest.find('{') {
            let text = &rest[..open];
            length += text.len();
            parts.push(Part::Text(text.to_string()));
            let close = rest[open..].find('}').map_or(rest.len(), |c| open + c);
            let argument = &rest[open + 1..close];
            if argument == "subscription" {
                parts.push(subscription());
            } else {
                let v = self.argument(declared, argument, data, kind, at, depth);
                pieces.value(length, &v);
                match text_parts(&v) {
                    Ok(more) => {
                        for p in more {
                            if let Part::Text(t) = &p {
                                length += t.len();
                            }
                            parts.push(p);
                        }
                    }
                    Err(found) => parts.push(Part::Hole(Why {
                        span: at,
                        ..Why::new(Cause::NotAString {
                            value: format!("{found}"),
                        })
                    })),
                }
            }
            rest = rest.get(close + 1..).unwrap_or("");
        }
        parts.push(Part::Text(rest.to_string()));
        let address = if data {
            format!("data.{kind}.{name}")
        } else {
            format!("{kind}.{name}")
        };
        let via = if data {
            Subject::DataSource(address)
        } else {
            Subject::Resource(address)
        };
        let mut v = pieces.on(composed(string_from_parts(parts), at));
        if let Some(at) = at {
            v.origin.hops.push(Hop { span: at, via });
        }
        v
    }

    /// `value` with `operators` applied in order.
    fn apply(
        &self,
        mut value: Value,
        operators: &[&TraversalOperator],
        file: FileId,
        at: Option<Span>,
        depth: usize,
    ) -> Value {
        for (i, op) in operators.iter().enumerate() {
            if !self.allowance.charge(1) {
                return self.spent(at);
            }
            if value.is_unknown() {
                return value;
            }
            let hops = std::mem::take(&mut value.origin.hops);
            value = match op {
                TraversalOperator::GetAttr(name) => member(value, name.as_str(), at),
                TraversalOperator::Index(e) => {
                    let key = self.expr(e, file, depth + 1);
                    index(value, &key, at)
                }
                TraversalOperator::LegacyIndex(n) => {
                    let key = Value::composed(Kind::Int(i64::try_from(*n.value()).unwrap_or(-1)));
                    index(value, &key, at)
                }
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    let rest = &operators[i + 1..];
                    let items = match value.kind {
                        Kind::Array(items) => items,
                        Kind::Null => Vec::new(),
                        _ => vec![value],
                    };
                    let out = items
                        .into_iter()
                        .map(|item| self.apply(inherit(item, &hops), rest, file, at, depth + 1))
                        .collect();
                    return composed(Kind::Array(out), at);
                }
            };
            value = inherit(value, &hops);
        }
        value
    }

    /// The value of `var.name`, read at `at`: the variable's decided value, through a hop.
    fn variable(&self, name: &str, at: Option<Span>) -> Value {
        match self.variables.get(name) {
            // Unset: the reason names the variable already, and where it is declared.
            Some(
                v @ Value {
                    kind: Kind::Unknown(why),
                    ..
                },
            ) if matches!(&*why.cause, Cause::TerraformSource(TfUnknown::UnsetVariable { name: n }) if n == name) => {
                v.clone()
            }
            Some(v) => match self.copy(v, at) {
                Ok(v) => through(v, Subject::Variable(name.to_string()), at),
                Err(spent) => spent,
            },
            None => unknown(
                Cause::UndeclaredVariable {
                    name: name.to_string(),
                },
                at,
            ),
        }
    }

    /// A copy of `v` (a variable's or a local's value, read at `at`), its size charged to the
    /// step budget as the ARM evaluator charges what it copies out of a variable; the
    /// budget's unknown when it does not fit.
    pub(crate) fn copy(&self, v: &Value, at: Option<Span>) -> Result<Value, Value> {
        let limits = self.allowance.limits();
        let limit = self.allowance.max_steps();
        let (weight, _) = crate::eval::ops::weight_and_depth(v, limit, limits.max_value_depth);
        if self.allowance.charge(weight) {
            Ok(v.clone())
        } else {
            Err(self.spent(at))
        }
    }

    /// The value of `local.name`, read at `at`, evaluated once.
    fn local(&self, name: &str, at: Option<Span>) -> Value {
        let Some(local) = self.locals.get(name) else {
            return unknown(
                Cause::UndeclaredVariable {
                    name: format!("local.{name}"),
                },
                at,
            );
        };
        let subject = || Subject::Variable(format!("local.{name}"));
        if let Some(v) = local.value.borrow().as_ref() {
            return match self.copy(v, at) {
                Ok(v) => through(v, subject(), at),
                Err(spent) => spent,
            };
        }
        if *local.busy.borrow() {
            let cause = Cause::VariableCycle {
                name: format!("local.{name}"),
                cycle: vec![format!("local.{name}")],
            };
            return unknown(cause, at);
        }
        let limit = self.allowance.limits().max_nesting;
        if *self.nesting.borrow() >= limit {
            let cause = Cause::Budget(Budget::Recursion {
                limit,
                subject: subject(),
            });
            return unknown(cause, at);
        }
        *local.busy.borrow_mut() = true;
        *self.nesting.borrow_mut() += 1;
        let v = self.eval(local.written);
        *self.nesting.borrow_mut() -= 1;
        *local.busy.borrow_mut() = false;
        // Terraform's locals cannot read `count` or `each`: one value serves every instance.
        *local.value.borrow_mut() = Some(v.clone());
        through(v, subject(), at)
    }
}

/// The value `v`, passed through `via` (a variable or local read at `at`): a hop for a
/// known value, a link of the chain for an unknown.
pub(crate) fn through(mut v: Value, via: Subject, at: Option<Span>) -> Value {
    let Some(at) = at else {
        return v;
    };
    let hop = Hop { span: at, via };
    match &mut v.kind {
        Kind::Unknown(why) => why.chain.insert(0, hop),
        // A collection keeps the hop for what is read of it (`var.image.sku`).
        Kind::Object(_) | Kind::Array(_) => v.origin.hops.insert(0, hop),
        _ => {
            if v.origin.literal.is_some() {
                v.origin.hops.insert(0, hop);
            }
        }
    }
    v.origin.site = Some(at);
    v
}

/// `child`, read out of a collection that came through `hops`: those hops first.
fn inherit(mut child: Value, hops: &[Hop]) -> Value {
    if hops.is_empty() {
        return child;
    }
    match &mut child.kind {
        Kind::Unknown(why) => {
            why.chain.splice(0..0, hops.iter().cloned());
        }
        Kind::Object(_) | Kind::Array(_) => {
            child.origin.hops.splice(0..0, hops.iter().cloned());
        }
        _ if child.origin.literal.is_some() => {
            child.origin.hops.splice(0..0, hops.iter().cloned());
        }
        _ => {}
    }
    child
}

/// The members of an object being built, each key once (a later value replaces an earlier
/// one in its place), looked up by key in constant time: an object of many members is built
/// in linear time.
#[derive(Default)]
pub(crate) struct Members {
    /// The members, in the order their keys were first set.
    list: Vec<(String, Value)>,
    /// Each key's position in `list`.
    index: HashMap<String, usize>,
}

impl Members {
    /// Sets `key` to `value`.
    pub(crate) fn set(&mut self, key: String, value: Value) {
        match self.index.get(&key) {
            Some(&i) => self.list[i].1 = value,
            None => {
                self.index.insert(key.clone(), self.list.len());
                self.list.push((key, value));
            }
        }
    }

    /// The value of `key`, if set.
    pub(crate) fn get(&self, key: &str) -> Option<&Value> {
        self.index.get(key).map(|&i| &self.list[i].1)
    }

    /// The members, in the order their keys were first set.
    pub(crate) fn into_kind(self) -> Kind {
        Kind::Object(self.list)
    }
}

/// A string template being built: its parts, their length, the runs literals supplied (what
/// a fix edits), and whether the next literal's leading whitespace is stripped (`~}`).
#[derive(Default)]
struct Built {
    /// The parts so far.
    parts: Vec<Part>,
    /// The length of their known text.
    length: usize,
    /// The runs of the text that literals supplied (a `.tfvars` value, a default).
    pieces: crate::eval::ops::Pieces,
    /// Whether the next literal's leading whitespace is stripped.
    trim_next: bool,
}

impl Built {
    /// Adds literal `text`.
    fn text(&mut self, text: &str) {
        let text = if std::mem::take(&mut self.trim_next) {
            text.trim_start()
        } else {
            text
        };
        self.length += text.len();
        self.parts.push(Part::Text(text.to_string()));
    }

    /// Adds `more` (an interpolated value's parts).
    fn parts(&mut self, more: Vec<Part>) {
        self.trim_next = false;
        for p in more {
            if let Part::Text(t) = &p {
                self.length += t.len();
            }
            self.parts.push(p);
        }
    }

    /// Adds the hole an unknown `v` leaves.
    fn hole(&mut self, v: Value) {
        if let Kind::Unknown(why) = v.kind {
            self.parts.push(Part::Hole(why));
        }
    }

    /// Strips the trailing whitespace of the last literal when `strip` (`{~`).
    fn strip(&mut self, strip: bool) {
        if !strip {
            return;
        }
        if let Some(Part::Text(t)) = self.parts.last_mut() {
            let kept = t.trim_end().len();
            self.length = self.length.saturating_sub(t.len() - kept);
            t.truncate(kept);
        }
    }
}

/// One element a `for` expression makes: its key (when it makes an object) and its value.
type Made = (Option<String>, Value);

/// An unknown for `why`, written at `at`.
fn unknown_with(why: Why, at: Option<Span>) -> Value {
    Value {
        kind: Kind::Unknown(why),
        origin: crate::value::Origin {
            site: at,
            ..Default::default()
        },
    }
}

/// A value composed at `at` (no single literal).
pub(crate) fn composed(kind: Kind, at: Option<Span>) -> Value {
    let mut v = Value::composed(kind);
    v.origin.site = at;
    v
}

/// The text of an object key or map index.
fn key_text(v: &Value) -> Option<String> {
    match &v.kind {
        Kind::Str(s) => Some(s.clone()),
        Kind::Int(i) => Some(i.to_string()),
        Kind::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A value as text in a template, or its type when Terraform cannot convert it.
pub(crate) fn text_parts(v: &Value) -> Result<Vec<Part>, ValueType> {
    Ok(match &v.kind {
        Kind::Str(s) => vec![Part::Text(s.clone())],
        Kind::Int(i) => vec![Part::Text(i.to_string())],
        Kind::Float(f) => vec![Part::Text(f.to_string())],
        Kind::Bool(b) => vec![Part::Text(b.to_string())],
        Kind::Partial(parts) => parts.clone(),
        Kind::Unknown(why) => vec![Part::Hole(why.clone())],
        _ => return Err(ValueType::of(&v.kind)),
    })
}

/// The member `name` of `value` (an object), read at `at`.
fn member(value: Value, name: &str, at: Option<Span>) -> Value {
    match value.kind {
        Kind::Object(members) => match members.into_iter().find(|(k, _)| k == name) {
            Some((_, v)) => v,
            None => unknown(
                Cause::MissingProperty {
                    name: name.to_string(),
                },
                at,
            ),
        },
        kind => {
            let found = ValueType::of(&kind);
            unknown(
                Cause::PropertyOfNonObject {
                    name: name.to_string(),
                    found,
                },
                at,
            )
        }
    }
}

/// The element of `value` at `key` (a list's index, a map's key), read at `at`.
pub(crate) fn index(value: Value, key: &Value, at: Option<Span>) -> Value {
    if let Kind::Unknown(why) = &key.kind {
        return unknown((*why.cause).clone(), why.span.or(at));
    }
    match (value.kind, &key.kind) {
        (Kind::Array(items), Kind::Int(i)) => {
            let length = items.len();
            match usize::try_from(*i).ok().filter(|i| *i < length) {
                Some(i) => items
                    .into_iter()
                    .nth(i)
                    .unwrap_or(Value::composed(Kind::Null)),
                None => unknown(Cause::IndexOutOfRange { index: *i, length }, at),
            }
        }
        (Kind::Array(items), Kind::Str(s)) if s.parse::<i64>().is_ok() => {
            let i: i64 = s.parse().unwrap_or(-1);
            index(
                Value::composed(Kind::Array(items)),
                &Value::composed(Kind::Int(i)),
                at,
            )
        }
        (Kind::Object(members), _) if key_text(key).is_some() => {
            let name = key_text(key).unwrap_or_default();
            member(Value::composed(Kind::Object(members)), &name, at)
        }
        (kind, _) => unknown(
            Cause::NotIndexable {
                target: ValueType::of(&kind),
                index: ValueType::of(&key.kind),
            },
            at,
        ),
    }
}

/// `lhs op rhs`, at `at`.
fn binary(op: BinaryOperator, lhs: Value, rhs: Value, at: Option<Span>) -> Value {
    use BinaryOperator as B;
    // `&&` and `||` are decided by a known side when the other is unknown.
    match (op, &lhs.kind, &rhs.kind) {
        (B::And, Kind::Bool(false), _) | (B::And, _, Kind::Bool(false)) => {
            return composed(Kind::Bool(false), at);
        }
        (B::Or, Kind::Bool(true), _) | (B::Or, _, Kind::Bool(true)) => {
            return composed(Kind::Bool(true), at);
        }
        _ => {}
    }
    if let Some(why) = lhs.first_unknown().or(rhs.first_unknown()) {
        return Value {
            kind: Kind::Unknown(why.clone()),
            origin: crate::value::Origin {
                site: at,
                ..Default::default()
            },
        };
    }
    let number = |v: &Value| match &v.kind {
        Kind::Int(i) => Some(*i as f64),
        Kind::Float(f) => Some(*f),
        Kind::Str(s) => s.parse::<f64>().ok(),
        _ => None,
    };
    let kind = match op {
        B::Eq => Kind::Bool(equal(&lhs, &rhs)),
        B::NotEq => Kind::Bool(!equal(&lhs, &rhs)),
        B::And | B::Or => match (&lhs.kind, &rhs.kind) {
            (Kind::Bool(a), Kind::Bool(b)) => {
                Kind::Bool(if op == B::And { *a && *b } else { *a || *b })
            }
            _ => return not_evaluated("a logical operator applied to non-booleans", at),
        },
        _ => {
            let (Some(a), Some(b)) = (number(&lhs), number(&rhs)) else {
                return not_evaluated("an arithmetic operator applied to non-numbers", at);
            };
            let both_int = matches!((&lhs.kind, &rhs.kind), (Kind::Int(_), Kind::Int(_)));
            let n = match op {
                B::Less => return composed(Kind::Bool(a < b), at),
                B::LessEq => return composed(Kind::Bool(a <= b), at),
                B::Greater => return composed(Kind::Bool(a > b), at),
                B::GreaterEq => return composed(Kind::Bool(a >= b), at),
                B::Plus => a + b,
                B::Minus => a - b,
                B::Mul => a * b,
                B::Div if b != 0.0 => a / b,
                B::Mod if b != 0.0 => a % b,
                _ => return not_evaluated("a division by zero", at),
            };
            if both_int && n.fract() == 0.0 && n.abs() < 9.0e15 {
                Kind::Int(n as i64)
            } else {
                Kind::Float(n)
            }
        }
    };
    composed(kind, at)
}

/// Whether two known values are equal as Terraform compares them (numbers by value).
fn equal(a: &Value, b: &Value) -> bool {
    match (&a.kind, &b.kind) {
        (Kind::Int(x), Kind::Float(y)) | (Kind::Float(y), Kind::Int(x)) => (*x as f64) == *y,
        (Kind::Array(x), Kind::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| equal(a, b))
        }
        (Kind::Object(x), Kind::Object(y)) => {
            let by_key: HashMap<&str, &Value> = y.iter().map(|(k, v)| (k.as_str(), v)).collect();
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| by_key.get(k.as_str()).is_some_and(|v2| equal(v, v2)))
        }
        (x, y) => x == y,
    }
}

/// A reference as written: its root and the attribute and index steps that follow it.
fn reference_text(root: &str, operators: &[&TraversalOperator]) -> String {
    let mut out = root.to_string();
    for op in operators {
        match op {
            TraversalOperator::GetAttr(name) => {
                out.push('.');
                out.push_str(name.as_str());
            }
            TraversalOperator::Index(Expression::Number(n)) => {
                out.push_str(&format!("[{}]", n.value()));
            }
            TraversalOperator::Index(Expression::String(s)) => {
                out.push_str(&format!("[\"{}\"]", s.value().as_str()));
            }
            TraversalOperator::LegacyIndex(n) => out.push_str(&format!(".{}", n.value())),
            TraversalOperator::AttrSplat(_) => out.push_str(".*"),
            TraversalOperator::FullSplat(_) => out.push_str("[*]"),
            TraversalOperator::Index(_) => out.push_str("[…]"),
        }
        if out.len() > 200 {
            out.push('…');
            break;
        }
    }
    out
}

/// Where a value is written, kept when it has a place already.
trait AtSite {
    /// The value, written at `at` when it has no site yet.
    fn at_site_opt(self, at: Option<Span>) -> Self;
}

impl AtSite for Value {
    fn at_site_opt(self, at: Option<Span>) -> Self {
        match at {
            Some(at) => self.at_site(at),
            None => self,
        }
    }
}

/// The elements of a collection as Terraform iterates them, each with its key: a list's by
/// index in order, a map's (object's) by key in lexical order
/// (<https://developer.hashicorp.com/terraform/language/expressions/for>). Anything else is
/// given back, for the caller to say what it makes of it.
pub(crate) fn elements_of(kind: Kind) -> Result<Vec<(Value, Value)>, Kind> {
    match kind {
        Kind::Array(items) => Ok(items
            .into_iter()
            .enumerate()
            .map(|(i, v)| (Value::composed(Kind::Int(i as i64)), v))
            .collect()),
        Kind::Object(mut members) => {
            members.sort_by(|a, b| a.0.cmp(&b.0));
            Ok(members
                .into_iter()
                .map(|(k, v)| (Value::composed(Kind::Str(k)), v))
                .collect())
        }
        other => Err(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Limits;

    /// The value of the expression `text` with the variables `vars` (name, HCL literal).
    fn eval_with(text: &str, vars: &[(&str, &str)], limits: &Limits) -> Value {
        let allowance = Allowance::new(limits);
        let parsed: Vec<(String, Expression)> = vars
            .iter()
            .map(|(n, v)| (n.to_string(), hcl_edit::parser::parse_expr(v).expect("var")))
            .collect();
        let empty = Scope::empty(&allowance);
        let variables = parsed
            .iter()
            .map(|(n, e)| {
                let v = empty.eval(Written {
                    expr: e,
                    file: FileId(1),
                });
                (n.clone(), v)
            })
            .collect();
        let expr = hcl_edit::parser::parse_expr(text).expect("expression");
        let scope = Scope::new(variables, Vec::new(), &allowance);
        scope.eval(Written {
            expr: &expr,
            file: FileId(0),
        })
    }

    fn eval(text: &str) -> Value {
        eval_with(
            text,
            &[("x", "\"a\""), ("n", "2"), ("m", "{ k = \"v\" }")],
            &Limits::default(),
        )
    }

    fn cause(v: &Value) -> Cause {
        (*v.first_unknown().expect("unknown").cause).clone()
    }

    #[test]
    fn known_values_evaluate() {
        assert_eq!(eval("\"${var.x}-b\"").display(), "a-b");
        assert_eq!(eval("var.n + 1").kind, Kind::Int(3));
        assert_eq!(eval("var.n > 1 ? var.m.k : \"no\"").display(), "v");
        assert_eq!(eval("var.m[\"k\"]").display(), "v");
        assert_eq!(eval("[{ a = 1 }, { a = 2 }][*].a").display(), "[1, 2]");
        assert_eq!(
            eval("upper(format(\"%s%%-%d\", var.x, 7))").display(),
            "A%-7"
        );
        assert_eq!(eval("join(\"/\", [\"a\", var.x])").display(), "a/a");
        assert_eq!(
            eval("try(var.m.missing, \"fallback\")").display(),
            "fallback"
        );
        assert_eq!(eval("coalesce(\"\", null, var.x)").display(), "a");
        assert_eq!(eval("element([\"a\", \"b\"], 3)").display(), "b");
        assert_eq!(eval("toset([\"b\", \"a\", \"b\"])").display(), "[a, b]");
        // `for` expressions: lists, objects, grouping, conditions, a map's keys in order.
        assert_eq!(
            eval("[for s in [\"a\", \"b\"] : upper(s)]").display(),
            "[A, B]"
        );
        assert_eq!(
            eval("{ for s in [\"a\", \"b\", \"a\"] : s => s... }").display(),
            "{a: [a, a], b: [b]}"
        );
        assert_eq!(
            eval("[for k, v in { b = 2, a = 1 } : k if v > 0]").display(),
            "[a, b]"
        );
        assert!(eval("[for s in [\"a\"] : s if data.x.y.z]").is_unknown());
        assert!(
            eval("{ for s in [\"a\", \"a\"] : s => 1 }").is_unknown(),
            "a key twice"
        );
        // `&&`/`||` decided by the known side.
        assert_eq!(eval("data.x.y.z && false").kind, Kind::Bool(false));
    }

    #[test]
    fn template_directives_are_evaluated_over_known_values() {
        // https://developer.hashicorp.com/terraform/language/expressions/strings#directives
        assert_eq!(
            eval("\"%{ if var.n > 1 }big%{ else }small%{ endif }\"").display(),
            "big"
        );
        assert_eq!(eval("\"%{ if var.n > 5 }big%{ endif }-\"").display(), "-");
        assert_eq!(
            eval("\"%{ for s in [\"a\", \"b\"] }${s}-%{ endfor }\"").display(),
            "a-b-"
        );
        // `~` strips the whitespace beside it.
        assert_eq!(
            eval("\"%{ for k, v in var.m ~} ${k}=${v} %{~ endfor }\"").display(),
            "k=v"
        );
        // A condition not known offline leaves a hole, never a branch.
        let v = eval("\"x%{ if data.a.b.c }y%{ endif }\"");
        assert!(v.has_unknown(), "{v:?}");
        assert!(matches!(
            cause(&v),
            Cause::TerraformSource(TfUnknown::DataSource { .. })
        ));
    }

    #[test]
    fn a_value_read_through_a_variable_keeps_its_literal_and_the_hop() {
        let v = eval("var.x");
        assert_eq!(v.origin.literal.map(|s| s.file), Some(FileId(1)));
        assert_eq!(v.origin.hops.len(), 1);
        assert_eq!(v.origin.hops[0].via, Subject::Variable("x".into()));
        // Read out of a collection: the collection's hop too.
        let k = eval("var.m.k");
        assert_eq!(k.origin.hops[0].via, Subject::Variable("m".into()));
    }

    #[test]
    fn what_is_not_known_offline_says_why() {
        assert!(matches!(
            cause(&eval("data.azurerm_image.i.id")),
            Cause::TerraformSource(TfUnknown::DataSource { reference }) if reference == "data.azurerm_image.i.id"
        ));
        assert!(matches!(
            cause(&eval("azurerm_image.i.id")),
            Cause::TerraformSource(TfUnknown::ResourceAttribute { .. })
        ));
        assert!(matches!(
            cause(&eval("module.m.out")),
            Cause::TerraformSource(TfUnknown::ModuleOutput { .. })
        ));
        assert!(matches!(
            cause(&eval("cidrsubnet(\"10.0.0.0/8\", 8, 1)")),
            Cause::TerraformSource(TfUnknown::NotEvaluated { construct }) if construct.contains("cidrsubnet")
        ));
        // An unknown condition leaves the result unknown, whatever the branches.
        assert!(eval("data.x.y.z ? \"a\" : \"a\"").is_unknown());
        // A hole in a template keeps the known text around it.
        let partial = eval("\"pre-${data.x.y.z}-post\"");
        assert!(matches!(partial.kind, Kind::Partial(_)), "{partial:?}");
        assert!(matches!(
            cause(&eval("var.m.none")),
            Cause::MissingProperty { .. }
        ));
        assert!(matches!(
            cause(&eval("[1][4]")),
            Cause::IndexOutOfRange { .. }
        ));
    }

    #[test]
    fn work_is_bounded() {
        let small = Limits {
            max_steps: 20,
            ..Limits::default()
        };
        let long = format!("[{}]", vec!["1"; 100].join(", "));
        let v = eval_with(&long, &[], &small);
        assert!(v.has_unknown(), "a spent budget leaves unknowns");
        let strings = Limits {
            max_string: 8,
            ..Limits::default()
        };
        let v = eval_with("\"${var.x}0123456789\"", &[("x", "\"a\"")], &strings);
        assert!(matches!(
            cause(&v),
            Cause::Budget(Budget::StringLength { .. })
        ));
    }
}
