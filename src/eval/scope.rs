//! The evaluator: a [`Scope`] over one lowered [`Template`].

use foldhash::HashMap;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

use super::expr::{Expr, ExprKind};
use super::functions::{self, Ctx};
use super::ir::{
    CopyLoop, ExprText, Key, Node, NodeKind, Parameter, Property, Template, TextSpan, VariableValue,
};
use super::ops::{
    Members, prepend_why, utf16_len, weight_and_depth, weight_and_depth_through, why_through,
};
use super::{Allowance, DeploymentScope, Limits};
use crate::source::Span;
use crate::value::cause::{Budget, CopyLoopProblem};
use crate::value::value_type::ValueType;
use crate::value::{CallProblem, Cause, Hop, Kind, Part, Subject, Value, Why};

/// Parameter values supplied from outside the template (a parameter file, or the caller of a
/// nested deployment), keyed case-insensitively. A caller's values are evaluated when the
/// template first reads them, in the caller's scope: most parameters a deployment passes never
/// reach an image.
#[derive(Clone, Debug, Default)]
pub struct ParameterValues<'a> {
    map: HashMap<String, Supplied<'a>>,
    /// Why every parameter not in `map` is unknown, when the values come from somewhere that
    /// could set any of them but was not read (the parameter file a `.bicepparam` extends):
    /// then no parameter takes its default, which would be a guess.
    others: Option<Why>,
}

#[derive(Clone)]
enum Supplied<'a> {
    /// A value, shared by every context and variant that supplies it (a parameter file's
    /// values are cloned into each allowed-value variant: a pointer each, not a deep copy).
    Value(Rc<Value>),
    KeyVault(Span),
    /// The value expression `node`, to be evaluated in the caller's scope on first use.
    Deferred(&'a Node, Scope<'a>),
}

impl std::fmt::Debug for Supplied<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Supplied::Value(v) => f.debug_tuple("Value").field(v).finish(),
            Supplied::KeyVault(at) => f.debug_tuple("KeyVault").field(at).finish(),
            Supplied::Deferred(node, _) => f.debug_tuple("Deferred").field(node).finish(),
        }
    }
}

impl<'a> ParameterValues<'a> {
    /// No values.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets parameter `name` to `value` (which keeps its own origin).
    pub fn insert(&mut self, name: &str, value: Value) {
        self.map
            .insert(name.to_ascii_lowercase(), Supplied::Value(Rc::new(value)));
    }

    /// Sets parameter `name` to the value of `node` in the caller's `scope`, evaluated when
    /// (and if) the template reads it.
    pub(crate) fn insert_deferred(&mut self, name: &str, node: &'a Node, scope: &Scope<'a>) {
        self.map.insert(
            name.to_ascii_lowercase(),
            Supplied::Deferred(node, scope.clone()),
        );
    }

    /// Marks parameter `name` as set by a Key Vault reference written at `span`.
    pub fn insert_key_vault(&mut self, name: &str, span: Span) {
        self.map
            .insert(name.to_ascii_lowercase(), Supplied::KeyVault(span));
    }

    /// Makes every parameter not set here unknown for `why` (located where the unread
    /// source is named): what could set any parameter was not read, so none takes its
    /// default. Values set later with [`ParameterValues::insert`] still stand.
    pub(crate) fn others_unknown(&mut self, why: Why) {
        self.others = Some(why);
    }

    /// Whether `name` has a supplied value (an unknown one too, when every other parameter
    /// is unknown).
    pub fn contains(&self, name: &str) -> bool {
        self.others.is_some() || self.map.contains_key(&name.to_ascii_lowercase())
    }
}

/// An evaluation scope over one template: parameters, variables, user functions and the
/// deployment scope, plus the copy loops and lambda variables in effect.
///
/// Cloning is cheap and clones share all caches. A scope is single-threaded (`!Send`).
#[derive(Clone)]
pub struct Scope<'a> {
    shared: Rc<Shared<'a>>,
    env: Env,
}

struct Shared<'a> {
    template: &'a Template,
    supplied: ParameterValues<'a>,
    deployment: DeploymentScope,
    params: RefCell<HashMap<String, Slot>>,
    vars: RefCell<HashMap<String, Slot>>,
    var_stack: RefCell<Vec<String>>,
    errors: RefCell<Vec<(Span, Cause)>>,
    allowance: Rc<Allowance>,
    nesting: Cell<usize>,
    /// What the evaluations of this scope and of the scopes it deploys read of the deployed
    /// template's parameters at their defaults (shared with them).
    tracker: Rc<Tracker>,
    /// Whether this scope's parameters are the deployed template's own: a deployer sets
    /// them (not a caller).
    root: bool,
    /// For a scope assuming other values of the deployed template's parameters
    /// ([`Scope::assuming`]): the scope it was made from and the parameters assumed. What
    /// that one computed without reading any of them at its default holds here too.
    assumed_from: Option<(Rc<Shared<'a>>, Names)>,
}

impl<'a> Shared<'a> {
    /// The state of a scope of `template` with the parameter values `supplied`, for
    /// `deployment`, spending `allowance`, recording what it reads in `tracker`; `root` for
    /// the walked template's own scope; `assumed_from` the scope it was rebuilt from with
    /// these parameters assumed. Nothing evaluated yet.
    fn new(
        template: &'a Template,
        supplied: ParameterValues<'a>,
        deployment: DeploymentScope,
        allowance: Rc<Allowance>,
        tracker: Rc<Tracker>,
        root: bool,
        assumed_from: Option<(Rc<Shared<'a>>, Names)>,
    ) -> Shared<'a> {
        Shared {
            template,
            supplied,
            deployment,
            params: RefCell::default(),
            vars: RefCell::default(),
            var_stack: RefCell::default(),
            errors: RefCell::default(),
            allowance,
            nesting: Cell::new(0),
            tracker,
            root,
            assumed_from,
        }
    }
}

/// The parameters of the deployed template (the walked one) that a value depends on through
/// their defaults: the ones a deployer could pass otherwise. Recorded while a template and
/// the templates it deploys are evaluated, so that a condition false under the defaults says
/// which parameters deploy its resource ([`Scope::eval_tracked`]).
#[derive(Default)]
pub(crate) struct Tracker {
    /// One set for each evaluation in progress that records what it reads, innermost last.
    frames: RefCell<Vec<Vec<Rc<str>>>>,
    /// Each deployed template's parameter read at its default, by lower-case name.
    defaults: RefCell<HashMap<Rc<str>, Rc<Defaulted>>>,
}

/// A parameter of the deployed template read at its default: what a deployer could pass
/// instead.
#[derive(Debug)]
pub(crate) struct Defaulted {
    /// The name as declared.
    pub(crate) name: String,
    /// Where it is declared.
    pub(crate) span: Span,
    /// Its default (null for an optional parameter without one).
    pub(crate) default: Value,
    /// Its allowed values, when it declares literal ones (at most [`MAX_ALLOWED`]); `None`:
    /// any value of its type.
    pub(crate) allowed: Option<Vec<Value>>,
}

/// Lower-case names of parameters of the deployed template, shared.
type Names = Rc<[Rc<str>]>;

/// Most allowed values of a parameter tried one by one for a condition; a parameter with more
/// is taken as unconstrained.
pub(crate) const MAX_ALLOWED: usize = 32;

/// Most names [`union`] puts in their places one by one.
const FEW_NAMES: usize = 8;

/// The union of two sorted sets of names, into `into`.
fn union(into: &mut Vec<Rc<str>>, more: &[Rc<str>]) {
    // A reference records the few names its value read, most often some already recorded:
    // each is put in its place (not the whole set sorted again); many at once are sorted in.
    if more.len() <= FEW_NAMES {
        for name in more {
            if let Err(at) = into.binary_search(name) {
                into.insert(at, Rc::clone(name));
            }
        }
        return;
    }
    into.extend(more.iter().cloned());
    into.sort_unstable();
    into.dedup();
}

thread_local! {
    /// Address of the stack at the outermost evaluation entry on this thread (0 when not
    /// evaluating). One base for all scopes: a template's evaluation can run a caller's (a
    /// deployment's parameter, read on first use), and the stack budget covers the chain.
    static STACK_BASE: Cell<usize> = const { Cell::new(0) };
}

/// Clears [`STACK_BASE`] when the outermost evaluation ends, however it ends.
struct StackBase;

impl Drop for StackBase {
    fn drop(&mut self) {
        STACK_BASE.set(0);
    }
}

enum Slot {
    InProgress,
    /// The value (shared with every reference reading it in place), whether unknowns in it
    /// were caused by this very declaration (no hop then), its weight, and the deployed
    /// template's parameters it depends on through their defaults ([`Tracker`]).
    Done(Rc<Value>, bool, u64, Names),
}

/// A finished slot's value, root flag, weight and parameters read at their defaults.
type Done = (Rc<Value>, bool, u64, Names);

impl Slot {
    /// What `slots` hold for `key`: nothing yet (`None`), a declaration being evaluated
    /// (`Some(None)`, a cycle when met again), or its value (shared, not copied), root flag,
    /// weight and parameters read at their defaults.
    fn state(slots: &RefCell<HashMap<String, Slot>>, key: &str) -> Option<Option<Done>> {
        match slots.borrow().get(key) {
            Some(Slot::Done(v, root, w, deps)) => {
                Some(Some((Rc::clone(v), *root, *w, Rc::clone(deps))))
            }
            Some(Slot::InProgress) => Some(None),
            None => None,
        }
    }
}

#[derive(Clone, Default)]
struct Env {
    /// The copy loops in effect: each instance's index, or why it is not known.
    copy: Option<Rc<Frame<Result<i64, Why>>>>,
    lambda: Option<Rc<Frame<Value>>>,
    func: Option<Rc<Vec<(String, Value)>>>,
}

struct Frame<T> {
    name: String,
    value: T,
    parent: Option<Rc<Frame<T>>>,
}

fn lookup<'f, T>(mut frame: &'f Option<Rc<Frame<T>>>, name: Option<&str>) -> Option<&'f T> {
    while let Some(f) = frame {
        if name.is_none_or(|n| f.name.eq_ignore_ascii_case(n)) {
            return Some(&f.value);
        }
        frame = &f.parent;
    }
    None
}

struct NestGuard<'s>(&'s Cell<usize>);

impl Drop for NestGuard<'_> {
    fn drop(&mut self) {
        self.0.set(self.0.get().saturating_sub(1));
    }
}

/// The current stack position (the address of a local).
fn stack_address() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}

impl<'a> Scope<'a> {
    /// A scope over `template`, with supplied parameter values and the deployment scope, and
    /// an allowance of its own.
    #[cfg(test)]
    pub(crate) fn new(
        template: &'a Template,
        supplied: ParameterValues<'a>,
        deployment: DeploymentScope,
    ) -> Self {
        Self::with_limits(template, supplied, deployment, Limits::default())
    }

    /// Like [`Scope::new`], with explicit budgets (a fresh allowance of them).
    #[cfg(test)]
    pub(crate) fn with_limits(
        template: &'a Template,
        supplied: ParameterValues<'a>,
        deployment: DeploymentScope,
        limits: Limits,
    ) -> Self {
        let allowance = Rc::new(Allowance::new(&limits));
        Self::sharing(template, supplied, deployment, allowance)
    }

    /// A scope that spends `allowance`, shared with the other scopes of the same walked file,
    /// and holds to its limits.
    pub(crate) fn sharing(
        template: &'a Template,
        supplied: ParameterValues<'a>,
        deployment: DeploymentScope,
        allowance: Rc<Allowance>,
    ) -> Self {
        Scope {
            shared: Rc::new(Shared::new(
                template,
                supplied,
                deployment,
                allowance,
                Rc::default(),
                true,
                None,
            )),
            env: Env::default(),
        }
    }

    /// The scope of a template deployed from this one (a nested deployment with inner scope,
    /// a linked template, a module), with the parameter values `supplied` (the caller's,
    /// read in its scope), for `deployment`: it spends this scope's allowance, and what it
    /// reads of the deployed template's parameters through the caller is recorded with
    /// this scope's.
    pub(crate) fn deploying<'t>(
        &self,
        template: &'t Template,
        supplied: ParameterValues<'t>,
        deployment: DeploymentScope,
    ) -> Scope<'t> {
        Scope {
            shared: Rc::new(Shared::new(
                template,
                supplied,
                deployment,
                Rc::clone(&self.shared.allowance),
                Rc::clone(&self.shared.tracker),
                false,
                None,
            )),
            env: Env::default(),
        }
    }

    /// This scope with the deployed template's parameters `values` (lower-case names)
    /// assumed instead of their defaults: a scope of the deployed template itself takes them
    /// as supplied, a scope deployed from it sees them through its callers (rebuilt each
    /// once). What this scope computed without reading any of them at its default is reused
    /// ([`Scope::inherited`]); parameters a caller passed as one evaluated value (a whole
    /// `parameters` expression) are not evaluated again. The copy loops in effect are kept.
    pub(crate) fn assuming(&self, values: &[(Rc<str>, Value)]) -> Scope<'a> {
        let mut rebuilt = Vec::new();
        self.assuming_in(values, &mut rebuilt)
    }

    /// [`Scope::assuming`], reusing the scopes already `rebuilt` (each scope's shared part
    /// once: the callers of one chain of deployments are rebuilt once each).
    fn assuming_in(
        &self,
        values: &[(Rc<str>, Value)],
        rebuilt: &mut Vec<(*const Shared<'a>, Rc<Shared<'a>>)>,
    ) -> Scope<'a> {
        let me = Rc::as_ptr(&self.shared);
        if let Some((_, shared)) = rebuilt.iter().find(|(p, _)| *p == me) {
            return Scope {
                shared: Rc::clone(shared),
                env: self.env.clone(),
            };
        }
        let old = &self.shared;
        let mut supplied = old.supplied.clone();
        if old.root {
            for (name, value) in values {
                supplied.insert(name, value.clone());
            }
        } else {
            for passed in supplied.map.values_mut() {
                if let Supplied::Deferred(_, caller) = passed {
                    *caller = caller.assuming_in(values, rebuilt);
                }
            }
        }
        let shared = Rc::new(Shared::new(
            old.template,
            supplied,
            old.deployment.clone(),
            Rc::clone(&old.allowance),
            Rc::clone(&old.tracker),
            old.root,
            Some((
                Rc::clone(old),
                values.iter().map(|(name, _)| Rc::clone(name)).collect(),
            )),
        ));
        rebuilt.push((me, Rc::clone(&shared)));
        Scope {
            shared,
            env: self.env.clone(),
        }
    }

    /// Evaluates `node` like [`Scope::eval_node`], and says which parameters of the deployed
    /// template it read at their defaults (lower-case names, sorted): none when its value
    /// depends only on literals, parameter files and what callers pass of their own.
    pub(crate) fn eval_tracked(&self, node: &Node) -> (Value, Vec<Rc<str>>) {
        self.tracked(|| self.eval_node(node))
    }

    /// What the deployed template's parameter `key` (lower case) was when read at its
    /// default, if it was.
    pub(crate) fn defaulted(&self, key: &str) -> Option<Rc<Defaulted>> {
        self.shared.tracker.defaults.borrow().get(key).cloned()
    }

    /// Runs `f`, recording the deployed template's parameters it reads at their defaults;
    /// they count for the evaluation around it too.
    fn tracked<T>(&self, f: impl FnOnce() -> T) -> (T, Vec<Rc<str>>) {
        let tracker = &self.shared.tracker;
        tracker.frames.borrow_mut().push(Vec::new());
        let out = f();
        let deps = tracker.frames.borrow_mut().pop().unwrap_or_default();
        self.record(&deps);
        (out, deps)
    }

    /// Records that the evaluation in progress read the parameters `deps` at their defaults.
    fn record(&self, deps: &[Rc<str>]) {
        if deps.is_empty() {
            return;
        }
        if let Some(frame) = self.shared.tracker.frames.borrow_mut().last_mut() {
            union(frame, deps);
        }
    }

    /// This scope inside copy loop `name` at iteration `index` (for `copyIndex()`).
    pub fn with_copy_index(&self, name: &str, index: i64) -> Scope<'a> {
        self.in_copy_loop(name, Ok(index))
    }

    /// This scope inside copy loop `name` at an instance whose index is not known (the loop's
    /// count is not), for `why`: `copyIndex()` is unknown there, so whatever depends on the
    /// instance is unknown too, and the rest is judged.
    pub(crate) fn with_unknown_copy_index(&self, name: &str, why: Why) -> Scope<'a> {
        self.in_copy_loop(name, Err(why))
    }

    fn in_copy_loop(&self, name: &str, index: Result<i64, Why>) -> Scope<'a> {
        let mut env = self.env.clone();
        env.copy = Some(Rc::new(Frame {
            name: name.to_owned(),
            value: index,
            parent: env.copy.take(),
        }));
        Scope {
            shared: Rc::clone(&self.shared),
            env,
        }
    }

    /// Evaluates a node deeply: expressions, objects and arrays recursively, property copy
    /// loops expanded.
    pub(crate) fn eval_node(&self, node: &Node) -> Value {
        self.entry(|| self.node(&self.env, node))
    }

    /// Takes the expression syntax errors found so far (each reported once).
    pub fn take_errors(&self) -> Vec<(Span, Cause)> {
        std::mem::take(&mut *self.shared.errors.borrow_mut())
    }

    /// The deployment this scope's template is evaluated for.
    pub(crate) fn deployment(&self) -> &DeploymentScope {
        &self.shared.deployment
    }

    /// The allowance this scope spends (shared by all clones of this scope, and by the
    /// other scopes of its file).
    pub(crate) fn allowance(&self) -> &Rc<Allowance> {
        &self.shared.allowance
    }

    // ----- internals -------------------------------------------------------------------

    /// Runs a public entry point, remembering where the stack was when evaluation started.
    fn entry(&self, f: impl FnOnce() -> Value) -> Value {
        if STACK_BASE.get() != 0 {
            return f();
        }
        STACK_BASE.set(stack_address());
        let _reset = StackBase;
        f()
    }

    /// Fails when evaluation has used more stack than the budget allows.
    fn check_stack(&self, span: Span) -> Result<(), Why> {
        let base = STACK_BASE.get();
        let used = base.abs_diff(stack_address());
        if base != 0 && used > self.limits().max_stack_bytes {
            return Err(Why::at(
                Cause::Budget(Budget::Stack {
                    limit: self.limits().max_stack_bytes,
                }),
                span,
            ));
        }
        Ok(())
    }

    fn limits(&self) -> &Limits {
        self.shared.allowance.limits()
    }

    fn step(&self, n: u64, span: Span) -> Result<(), Why> {
        if !self.shared.allowance.charge(n) {
            return Err(Why::at(
                Cause::Budget(Budget::Steps {
                    limit: self.limits().max_steps,
                }),
                span,
            ));
        }
        Ok(())
    }

    fn enter(&self, what: Subject, span: Span) -> Result<NestGuard<'_>, Why> {
        let n = self.shared.nesting.get() + 1;
        if n > self.limits().max_nesting {
            return Err(Why::at(
                Cause::Budget(Budget::Recursion {
                    limit: self.limits().max_nesting,
                    subject: what,
                }),
                span,
            ));
        }
        self.shared.nesting.set(n);
        Ok(NestGuard(&self.shared.nesting))
    }

    /// Checks a value against the size budgets; returns it (or an unknown) and its weight.
    fn guard(&self, v: Value, what: Subject, span: Span) -> (Value, u64) {
        let l = self.limits();
        let (w, d) = weight_and_depth(&v, l.max_value_weight, l.max_value_depth);
        if w > l.max_value_weight {
            return (
                Value::unknown(Why::at(
                    Cause::Budget(Budget::ValueSize {
                        limit: l.max_value_weight,
                        subject: what,
                    }),
                    span,
                )),
                1,
            );
        }
        if d > l.max_value_depth {
            return (
                Value::unknown(Why::at(
                    Cause::Budget(Budget::ValueDepth {
                        limit: l.max_value_depth,
                        subject: what,
                    }),
                    span,
                )),
                1,
            );
        }
        (v, w)
    }

    fn node(&self, env: &Env, node: &Node) -> Value {
        let span = node.span;
        if let Err(w) = self.step(1, span).and_then(|_| self.check_stack(span)) {
            return Value::unknown(w).at_site(span);
        }
        match &node.kind {
            NodeKind::Str(text) => {
                // A literal is copied into every instance that evaluates it: charged by size.
                if let Err(w) = self.step(text.len() as u64 / 16, span) {
                    return Value::unknown(w).at_site(span);
                }
                Value::literal(Kind::Str(text.as_str().to_owned()), span)
            }
            NodeKind::Expr(expr) => {
                // Wherever the value came from, it is written here in this template.
                let mut value = self.expression(env, expr, span);
                value.origin.site = Some(span);
                value
            }
            NodeKind::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    out.push(self.node(env, item));
                }
                Value::literal(Kind::Array(out), span)
            }
            NodeKind::Object(properties) => {
                let mut out = Members::default();
                for property in properties {
                    match property {
                        Property::Loop(copy) => {
                            let (name, value) = self.copy_loop(env, copy);
                            out.put(name, value);
                        }
                        Property::Field { key, value } => {
                            let key = match key {
                                Key::Literal(k) => k.as_str().to_owned(),
                                Key::Computed(computed) => {
                                    match self.expression(env, &computed.expr, computed.span).kind {
                                        Kind::Str(k) => k,
                                        _ => computed.raw.as_str().to_owned(),
                                    }
                                }
                            };
                            let v = self.node(env, value);
                            out.put(key, v);
                        }
                    }
                }
                Value::literal(Kind::Object(out.into_vec()), span)
            }
            NodeKind::Null => Value::literal(Kind::Null, span),
            NodeKind::Bool(b) => Value::literal(Kind::Bool(*b), span),
            NodeKind::Int(i) => Value::literal(Kind::Int(*i), span),
            NodeKind::Float(f) => Value::literal(Kind::Float(*f), span),
        }
    }

    /// Expands one copy loop into its name and array.
    fn copy_loop(&self, env: &Env, copy: &CopyLoop) -> (String, Value) {
        let span = copy.span;
        let name_v = match &copy.name {
            Some(n) => self.node(env, n),
            None => Value::unknown(Why::at(Cause::CopyLoopWithoutName, span)),
        };
        let name = name_v
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| "copy".into());
        let count = match &copy.count {
            Some(c) => self.node(env, c),
            None => Value::unknown(copy_loop_why(&name, CopyLoopProblem::NoCount, span)),
        };
        let count = match count.kind {
            Kind::Int(i) => i,
            Kind::Float(f) if f.fract() == 0.0 => f as i64,
            Kind::Unknown(w) => return (name, Value::unknown(w)),
            _ => {
                let why = count.first_unknown().cloned().unwrap_or_else(|| {
                    copy_loop_why(&name, CopyLoopProblem::CountNotInteger, span)
                });
                return (name, Value::unknown(why));
            }
        };
        if count < 0 {
            return (
                name.clone(),
                Value::unknown(copy_loop_why(&name, CopyLoopProblem::NegativeCount, span)),
            );
        }
        if count as u64 > self.limits().max_array as u64 {
            return (
                name.clone(),
                Value::unknown(Why::at(
                    Cause::Budget(Budget::CopyLoopLength {
                        name: name.clone(),
                        count,
                        limit: self.limits().max_array,
                    }),
                    span,
                )),
            );
        }
        let Some(input) = &copy.input else {
            return (
                name.clone(),
                Value::unknown(copy_loop_why(&name, CopyLoopProblem::NoInput, span)),
            );
        };
        let mut items = Vec::with_capacity(count as usize);
        for i in 0..count {
            if let Err(w) = self.step(1, span) {
                return (name, Value::unknown(w));
            }
            let mut e = env.clone();
            e.copy = Some(Rc::new(Frame {
                name: name.clone(),
                value: Ok(i),
                parent: e.copy.take(),
            }));
            items.push(self.node(&e, input));
        }
        (name, Value::composed(Kind::Array(items)))
    }

    /// An expression's value; a malformed expression is unknown, and reported once.
    fn expression(&self, env: &Env, text: &ExprText, span: Span) -> Value {
        let loc = &text.at(span);
        let parsed = text.parsed();
        match &*parsed {
            Ok(expr) => self.expr(env, expr, loc),
            Err(e) => {
                let at = loc.span(e.offset, e.offset + 1);
                let cause = Cause::MalformedExpression {
                    error: e.message.clone(),
                };
                {
                    let mut errors = self.shared.errors.borrow_mut();
                    if !errors.iter().any(|(sp, c)| *sp == at && *c == cause) {
                        errors.push((at, cause.clone()));
                    }
                }
                Value::unknown(Why::at(cause, loc.span))
            }
        }
    }

    fn expr(&self, env: &Env, e: &Expr, loc: &TextSpan) -> Value {
        let span = loc.span(e.start, e.end);
        if let Err(w) = self.charge_expr(span) {
            return Value::unknown(w);
        }
        match &e.kind {
            ExprKind::Str(s) => {
                if let Err(w) = self.step(s.len() as u64 / 16, span) {
                    return Value::unknown(w);
                }
                Value::literal(Kind::Str(s.clone()), span)
            }
            ExprKind::Int(i) => Value::literal(Kind::Int(*i), span),
            ExprKind::Call {
                namespace,
                name,
                args,
            } => self.call(env, namespace.as_deref(), name, args, span, loc),
            ExprKind::Member { target, name } => self
                .access(env, target, Access::Member(name), span, loc)
                .into_value(),
            ExprKind::Index { target, index } => self
                .access(env, target, Access::Index(index), span, loc)
                .into_value(),
            ExprKind::Unknowable(cause) => Value::unknown(Why::at((**cause).clone(), span)),
        }
    }

    /// `target.name` or `target[index]` (`access`), written at `span`, as a [`Place`]: a
    /// member or element of a parameter's or variable's stored value is read there, not
    /// copied with the whole value first. Charged and evaluated in the order
    /// [`Scope::expr`] evaluates them (the target, then the index).
    fn access(
        &self,
        env: &Env,
        target: &Expr,
        access: Access<'_>,
        span: Span,
        loc: &TextSpan,
    ) -> Place {
        let t = self.target(env, target, loc);
        match access {
            Access::Member(name) => t.member(name, span),
            Access::Index(index) => {
                let k = self.expr(env, index, loc);
                t.index(k, span)
            }
        }
    }

    /// The target of a member or index expression as a [`Place`]: a reference to a
    /// parameter or variable (or a member or element of one) in place, anything else
    /// evaluated by [`Scope::expr`]. Charges exactly what [`Scope::expr`] charges for `e`.
    fn target(&self, env: &Env, e: &Expr, loc: &TextSpan) -> Place {
        let span = loc.span(e.start, e.end);
        let (target, access) = match &e.kind {
            ExprKind::Member { target, name } => (target, Access::Member(name)),
            ExprKind::Index { target, index } => (target, Access::Index(index)),
            ExprKind::Call {
                namespace: None,
                name,
                args,
            } => {
                let coalesce = name.eq_ignore_ascii_case("coalesce");
                let named = Named::of(name);
                if named.is_none() && !coalesce {
                    return Place::Owned(self.expr(env, e, loc));
                }
                if let Err(w) = self.charge_expr(span) {
                    return Place::Owned(Value::unknown(w));
                }
                return match named {
                    Some(named) => self.named(env, named, name, args, span, loc),
                    None => self.coalesce(env, name, args, span, loc),
                };
            }
            _ => return Place::Owned(self.expr(env, e, loc)),
        };
        match self.charge_expr(span) {
            Ok(()) => self.access(env, target, access, span, loc),
            Err(w) => Place::Owned(Value::unknown(w)),
        }
    }

    /// What every expression node costs before it is evaluated: a step, and the stack
    /// budget checked.
    fn charge_expr(&self, span: Span) -> Result<(), Why> {
        self.step(1, span).and_then(|_| self.check_stack(span))
    }

    fn call(
        &self,
        env: &Env,
        namespace: Option<&str>,
        name: &str,
        args: &[Expr],
        span: Span,
        loc: &TextSpan,
    ) -> Value {
        if let Some(ns) = namespace {
            return self.user_function(env, ns, name, args, span, loc);
        }
        let lname = name.to_ascii_lowercase();
        let eval = |e: &Expr| self.expr(env, e, loc);
        match lname.as_str() {
            "parameters" => self
                .named(env, Named::Parameters, name, args, span, loc)
                .into_value(),
            "variables" => self
                .named(env, Named::Variables, name, args, span, loc)
                .into_value(),
            "lambdavariables" => self
                .named(env, Named::LambdaVariables, name, args, span, loc)
                .into_value(),
            "if" => {
                if args.len() != 3 {
                    return invalid(name, CallProblem::ThreeArguments, span);
                }
                let c = eval(&args[0]);
                match c.kind {
                    Kind::Bool(true) => eval(&args[1]),
                    Kind::Bool(false) => eval(&args[2]),
                    Kind::Unknown(w) => Value::unknown(w),
                    _ => invalid(name, CallProblem::ConditionNotBoolean, span),
                }
            }
            "and" | "or" => {
                let is_and = lname == "and";
                let mut vals = Vec::with_capacity(args.len());
                for a in args {
                    let v = eval(a);
                    if matches!(v.kind, Kind::Bool(b) if b != is_and) {
                        return Value::composed(v.kind);
                    }
                    vals.push(v);
                }
                self.library(name, &lname, vals, span)
            }
            "coalesce" => self.coalesce(env, name, args, span, loc).into_value(),
            "length" | "empty" => self.measure(env, name, &lname, args, span, loc),
            "copyindex" => self.copy_index(env, args, span, loc),
            "lambda" => invalid(name, CallProblem::LambdaOutsideFunction, span),
            "map" | "filter" | "reduce" | "sort" | "toobject" | "mapvalues" | "groupby" => {
                self.lambda_function(env, name, &lname, args, span, loc)
            }
            "tryget" => self.try_get(env, name, args, span, loc),
            _ => {
                if let Some(cause) = functions::unknowable(&lname) {
                    return Value::unknown(Why::at(cause, span));
                }
                let vals: Vec<Value> = args.iter().map(eval).collect();
                self.library(name, &lname, vals, span)
            }
        }
    }

    /// `parameters(name)`, `variables(name)` or `lambdaVariables(name)` (`named`, called as
    /// `name`), written at `span`: a template's parameter or variable in place, in the
    /// stored value ([`Place::Stored`]); a user function's parameter or a lambda's variable,
    /// or why there is none, as a value of its own.
    fn named(
        &self,
        env: &Env,
        named: Named,
        name: &str,
        args: &[Expr],
        span: Span,
        loc: &TextSpan,
    ) -> Place {
        let [arg] = args else {
            return Place::Owned(invalid(name, CallProblem::ExactlyOneArgument, span));
        };
        let key = match self.expr(env, arg, loc).kind {
            Kind::Str(s) => s,
            Kind::Unknown(w) => return Place::Owned(Value::unknown(w)),
            _ => return Place::Owned(invalid(name, CallProblem::StringName, span)),
        };
        let value = match named {
            Named::Parameters => match &env.func {
                Some(frame) => match frame.iter().find(|(n, _)| n.eq_ignore_ascii_case(&key)) {
                    Some((_, v)) => self.charged(v.clone(), span),
                    None => Value::unknown(Why::at(
                        Cause::UndeclaredFunctionParameter { name: key },
                        span,
                    )),
                },
                None => return self.param_place(&key, span),
            },
            Named::Variables => {
                if env.func.is_some() {
                    Value::unknown(Why::at(Cause::VariablesInFunction, span))
                } else {
                    return self.var_place(&key, span);
                }
            }
            Named::LambdaVariables => match lookup(&env.lambda, Some(&key)) {
                Some(v) => self.charged(v.clone(), span),
                None => {
                    Value::unknown(Why::at(Cause::UndeclaredLambdaVariable { name: key }, span))
                }
            },
        };
        Place::Owned(value)
    }

    /// `coalesce(a, b…)` (Bicep's `??`), called as `name` at `span`: the first argument
    /// that is not null, evaluated up to it. When that is a parameter's or variable's value
    /// (or a part of one) and known, it stays in place ([`Place::Stored`]): what takes a
    /// member of it, `tryGet` or `length` reads it there. Charged what the library's
    /// `coalesce` is: the arguments, then the size of the value it gives.
    fn coalesce(&self, env: &Env, name: &str, args: &[Expr], span: Span, loc: &TextSpan) -> Place {
        let mut vals = Vec::new();
        for a in args {
            let place = self.target(env, a, loc);
            if let Place::Stored(stored) = &place {
                let part = stored.part();
                match part.kind {
                    Kind::Null => {}
                    Kind::Unknown(_) => {}
                    _ => {
                        // Every value before it is null: it is the result, as the
                        // library's `coalesce` copies it, charged its copy's size.
                        let hops = stored.hop.is_some() as u64;
                        let (w, _) = weight_and_depth_through(
                            part,
                            hops,
                            self.limits().max_steps,
                            usize::MAX,
                        );
                        return match self.step(w.saturating_sub(1), span) {
                            Ok(()) => place,
                            Err(why) => Place::Owned(Value::unknown(why)),
                        };
                    }
                }
            }
            let v = place.into_value();
            let stop = !matches!(v.kind, Kind::Null);
            vals.push(v);
            if stop {
                break;
            }
        }
        // Every value before the last is null: a known last one is the result (what the
        // library's `coalesce` copies), taken as it is.
        if let Some(last) = vals.pop_if(|v| !matches!(v.kind, Kind::Null | Kind::Unknown(_))) {
            return Place::Owned(self.built(last, span));
        }
        Place::Owned(self.library(name, "coalesce", vals, span))
    }

    /// `length(x)` or `empty(x)` (`lname`), called as `name` at `span`: of a parameter's or
    /// variable's value (or a part of one) read in place when it is an array, an object, null
    /// or a string; what the library gives of the copy, charged the same.
    fn measure(
        &self,
        env: &Env,
        name: &str,
        lname: &str,
        args: &[Expr],
        span: Span,
        loc: &TextSpan,
    ) -> Value {
        let [arg] = args else {
            let vals = args.iter().map(|a| self.expr(env, a, loc)).collect();
            return self.library(name, lname, vals, span);
        };
        let stored = match self.target(env, arg, loc) {
            Place::Stored(stored) => stored,
            Place::Owned(v) => return self.library(name, lname, vec![v], span),
        };
        match measured(stored.part(), lname == "length") {
            Some(kind) => self.built(Value::composed(kind), span),
            None => self.library(name, lname, vec![stored.into_value()], span),
        }
    }

    /// `tryGet(target, key…)` (Bicep's `.?`), called as `name` at `span`: when the target is
    /// a parameter's or variable's value (or a part of one), the keys are followed in the
    /// stored value and only what is found is copied ([`Stored::try_get`]); what the
    /// library's `tryGet` gives of the whole copy, evaluated and charged in the same order.
    fn try_get(&self, env: &Env, name: &str, args: &[Expr], span: Span, loc: &TextSpan) -> Value {
        let [target, keys @ ..] = args else {
            return self.library(name, "tryget", Vec::new(), span);
        };
        if keys.is_empty() {
            // Too few arguments: the library says so.
            let target = self.expr(env, target, loc);
            return self.library(name, "tryget", vec![target], span);
        }
        let target = self.target(env, target, loc);
        let keys: Vec<Value> = keys.iter().map(|k| self.expr(env, k, loc)).collect();
        match target {
            Place::Stored(stored) => {
                let value = stored
                    .try_get(&self.ctx(name, span), &keys)
                    .unwrap_or_else(Value::unknown);
                self.built(value, span)
            }
            Place::Owned(target) => {
                let mut vals = Vec::with_capacity(keys.len() + 1);
                vals.push(target);
                vals.extend(keys);
                self.library(name, "tryget", vals, span)
            }
        }
    }

    /// What a library function called as `name` at `span` knows of its call.
    fn ctx<'c>(&'c self, name: &'c str, span: Span) -> Ctx<'c> {
        Ctx {
            name,
            span,
            limits: self.limits(),
            allowance: &self.shared.allowance,
            deployment: &self.shared.deployment,
        }
    }

    fn library(&self, name: &str, lname: &str, vals: Vec<Value>, span: Span) -> Value {
        let ctx = self.ctx(name, span);
        let value = functions::call(&ctx, lname, vals).unwrap_or_else(|| {
            Value::unknown(Why::at(
                Cause::UnknownFunction {
                    name: name.to_owned(),
                },
                span,
            ))
        });
        self.built(value, span)
    }

    /// A value a function built at `span`, charged its size.
    fn built(&self, value: Value, span: Span) -> Value {
        // What a function builds costs its whole size (`ops::weight_and_depth`: a unit per
        // 16 bytes of text, per element or member at any depth, per piece of a partially
        // known string and per hop of an unknown's reason): a loop of calls that each build
        // a megabyte, or strings whose holes double with each call, are charged for it, and
        // the file's steps run out before its memory grows.
        let (built, _) = weight_and_depth(&value, self.limits().max_steps, usize::MAX);
        match self.step(built.saturating_sub(1), span) {
            Ok(()) => value,
            Err(why) => Value::unknown(why),
        }
    }

    /// A copy of a stored value, charging its size against the step budget.
    fn charged(&self, v: Value, span: Span) -> Value {
        let (v, w) = self.guard(v, Subject::Argument, span);
        match self.step(w, span) {
            Ok(()) => v,
            Err(why) => Value::unknown(why),
        }
    }

    /// Parameter `name` referenced at `span`: its stored value in place (evaluated and
    /// stored on first use), charged its weight.
    fn param_place(&self, name: &str, span: Span) -> Place {
        let key = name.to_ascii_lowercase();
        let Some(decl) = self.shared.template.parameters.get(key.as_str()) else {
            return Place::Owned(Value::unknown(Why::at(
                Cause::UndeclaredParameter {
                    name: name.to_owned(),
                },
                span,
            )));
        };
        let decl_span = decl.span;
        let state = Slot::state(&self.shared.params, &key)
            .or_else(|| self.inherited(false, &key).map(Some));
        let (value, root, weight, deps) = match state {
            Some(Some(done)) => done,
            Some(None) => {
                return Place::Owned(Value::unknown(Why::at(
                    Cause::ParameterSelfReference {
                        name: decl.name.as_str().to_owned(),
                    },
                    span,
                )));
            }
            None => {
                self.shared
                    .params
                    .borrow_mut()
                    .insert(key.clone(), Slot::InProgress);
                let ((v, root, defaulted), mut deps) =
                    self.tracked(|| self.resolve_param(decl, &key, decl_span));
                let (v, w) = self.guard(
                    v,
                    Subject::Parameter(decl.name.as_str().to_owned()),
                    decl_span,
                );
                if defaulted && self.shared.root {
                    // A deployer could pass another value.
                    let name: Rc<str> = Rc::from(key.as_str());
                    self.note_default(&name, decl, &v);
                    union(&mut deps, &[name]);
                }
                let deps: Names = deps.into();
                let v = Rc::new(v);
                self.shared
                    .params
                    .borrow_mut()
                    .insert(key, Slot::Done(Rc::clone(&v), root, w, Rc::clone(&deps)));
                (v, root, w, deps)
            }
        };
        self.record(&deps);
        self.reference(
            value,
            root,
            weight,
            span,
            decl_span,
            Subject::Parameter(decl.name.as_str().to_owned()),
        )
    }

    /// What the scopes this one assumes other parameter values than (the chain of
    /// [`Shared::assumed_from`]) computed for parameter `key` (variable, with `vars`), when it read
    /// none of the parameters assumed since at its default: the same here. Saves evaluating a
    /// scope's variables again for each value a condition is tried with.
    fn inherited(&self, vars: bool, key: &str) -> Option<Done> {
        let mut assumed: Vec<&Rc<str>> = Vec::new();
        let mut at = &*self.shared;
        while let Some((from, names)) = &at.assumed_from {
            assumed.extend(names.iter());
            let slots = if vars { &from.vars } else { &from.params };
            match Slot::state(slots, key) {
                Some(Some(done)) => {
                    let independent = !done.3.iter().any(|d| assumed.contains(&d));
                    return independent.then_some(done);
                }
                Some(None) => return None,
                None => at = from,
            }
        }
        None
    }

    /// Remembers what a deployer could pass instead of the default `value` of the deployed
    /// template's parameter `decl` (`name`: lower case), once.
    fn note_default(&self, name: &Rc<str>, decl: &Parameter, value: &Value) {
        let mut defaults = self.shared.tracker.defaults.borrow_mut();
        if defaults.contains_key(name) {
            return;
        }
        let allowed = decl
            .allowed
            .as_ref()
            .filter(|allowed| allowed.len() <= MAX_ALLOWED)
            .map(|allowed| allowed.iter().map(Node::data).collect());
        defaults.insert(
            Rc::clone(name),
            Rc::new(Defaulted {
                name: decl.name.as_str().to_owned(),
                span: decl.span,
                default: value.clone(),
                allowed,
            }),
        );
    }

    /// A parameter's or variable's value as seen at a reference: its size charged to the step
    /// budget, and a hop for the declaration unless the value is itself the unknown root.
    /// The value is read in place ([`Place::Stored`]): only what the expression takes of it
    /// is copied.
    fn reference(
        &self,
        value: Rc<Value>,
        root: bool,
        weight: u64,
        span: Span,
        decl_span: Span,
        via: Subject,
    ) -> Place {
        if let Err(why) = self.step(weight, span) {
            return Place::Owned(Value::unknown(why));
        }
        let hop = (!root).then_some(Hop {
            span: decl_span,
            via,
        });
        Place::Stored(Stored {
            value,
            path: Vec::new(),
            hops: hop.iter().cloned().collect(),
            hop,
        })
    }

    /// The value of parameter `decl` (`key`: its lower-case name): supplied, else its default,
    /// else unknown; whether unknowns in it are rooted here; and whether it is its default
    /// (or the null of an optional parameter nobody set).
    fn resolve_param(&self, decl: &Parameter, key: &str, decl_span: Span) -> (Value, bool, bool) {
        // A value of null, from a parameter file or a caller, means the default (when there is
        // one): the parameter is left to its declaration.
        let passed = |v: Value| (v.kind != Kind::Null || decl.default.is_none()).then_some(v);
        match self.shared.supplied.map.get(key) {
            Some(Supplied::Value(v)) => {
                // Weighed (and charged) before it is copied: a parameter file's huge value is
                // refused without a copy, however many scopes read it.
                let l = self.limits();
                let (w, _) = weight_and_depth(v, l.max_value_weight, l.max_value_depth);
                if let Err(why) = self.step(w, decl_span) {
                    return (Value::unknown(why), true, false);
                }
                if w > l.max_value_weight {
                    let budget = Budget::ValueSize {
                        limit: l.max_value_weight,
                        subject: Subject::Parameter(decl.name.as_str().to_owned()),
                    };
                    return (
                        Value::unknown(Why::at(Cause::Budget(budget), decl_span)),
                        true,
                        false,
                    );
                }
                if let Some(v) = passed(Value::clone(v)) {
                    return (v, false, false);
                }
            }
            Some(Supplied::Deferred(node, caller)) => {
                if let Some(v) = passed(caller.eval_node(node)) {
                    return (v, false, false);
                }
            }
            Some(Supplied::KeyVault(at)) => {
                return (
                    Value::unknown(Why::at(
                        Cause::KeyVaultReference {
                            name: decl.name.as_str().to_owned(),
                        },
                        *at,
                    )),
                    true,
                    false,
                );
            }
            None => {
                if let Some(why) = &self.shared.supplied.others {
                    return (Value::unknown(why.clone()), true, false);
                }
            }
        }
        match &decl.default {
            Some(default) => {
                let _guard = match self
                    .enter(Subject::Parameter(decl.name.as_str().to_owned()), decl_span)
                {
                    Ok(g) => g,
                    Err(w) => return (Value::unknown(w), true, false),
                };
                (self.node(&Env::default(), default), false, true)
            }
            // An optional parameter nobody sets is null; the null remembers why, so that an
            // image left null by it is said to be unknown rather than absent.
            None if decl.nullable => {
                let mut null = Value::literal(Kind::Null, decl_span);
                null.origin.hops.push(Hop {
                    span: decl_span,
                    via: Subject::UnsetOptional(decl.name.as_str().to_owned()),
                });
                (null, true, true)
            }
            None => (
                Value::unknown(Why::at(
                    Cause::UnsetParameter {
                        name: decl.name.as_str().to_owned(),
                    },
                    decl_span,
                )),
                true,
                false,
            ),
        }
    }

    /// Variable `name` referenced at `span`: its stored value in place (evaluated and stored
    /// on first use), charged its weight.
    fn var_place(&self, name: &str, span: Span) -> Place {
        let key = name.to_ascii_lowercase();
        let Some(decl) = self.shared.template.variables.get(key.as_str()) else {
            return Place::Owned(Value::unknown(Why::at(
                Cause::UndeclaredVariable {
                    name: name.to_owned(),
                },
                span,
            )));
        };
        // A loop variable is shown by the name its reference uses.
        let decl_name = match decl.value {
            VariableValue::Node(_) => decl.name.as_str().to_owned(),
            VariableValue::Loop(_) => name.to_owned(),
        };
        let decl_span = decl.span;
        let state =
            Slot::state(&self.shared.vars, &key).or_else(|| self.inherited(true, &key).map(Some));
        let (value, root, weight, deps) = match state {
            Some(Some(done)) => done,
            Some(None) => {
                let stack = self.shared.var_stack.borrow();
                let from = stack
                    .iter()
                    .position(|n| n.eq_ignore_ascii_case(name))
                    .unwrap_or(0);
                let mut cycle: Vec<String> = stack[from..].to_vec();
                cycle.push(decl_name.clone());
                return Place::Owned(Value::unknown(Why::at(
                    Cause::VariableCycle {
                        name: decl_name,
                        cycle,
                    },
                    span,
                )));
            }
            None => {
                self.shared
                    .vars
                    .borrow_mut()
                    .insert(key.clone(), Slot::InProgress);
                self.shared.var_stack.borrow_mut().push(decl_name.clone());
                let (v, deps) = self.tracked(|| {
                    match self.enter(Subject::Variable(decl_name.clone()), decl_span) {
                        Ok(_guard) => match &decl.value {
                            VariableValue::Node(node) => self.node(&Env::default(), node),
                            VariableValue::Loop(copy) => self.copy_loop(&Env::default(), copy).1,
                        },
                        Err(w) => Value::unknown(w),
                    }
                });
                self.shared.var_stack.borrow_mut().pop();
                let (v, w) = self.guard(v, Subject::Variable(decl_name.clone()), decl_span);
                let deps: Names = deps.into();
                let v = Rc::new(v);
                self.shared
                    .vars
                    .borrow_mut()
                    .insert(key, Slot::Done(Rc::clone(&v), false, w, Rc::clone(&deps)));
                (v, false, w, deps)
            }
        };
        self.record(&deps);
        self.reference(
            value,
            root,
            weight,
            span,
            decl_span,
            Subject::Variable(decl_name),
        )
    }

    fn copy_index(&self, env: &Env, args: &[Expr], span: Span, loc: &TextSpan) -> Value {
        if args.len() > 2 {
            return invalid("copyIndex", CallProblem::AtMostTwoArguments, span);
        }
        let vals: Vec<Value> = args.iter().map(|a| self.expr(env, a, loc)).collect();
        let (loop_name, offset) = match vals.as_slice() {
            [] => (None, 0),
            [v] => match &v.kind {
                Kind::Str(s) => (Some(s.as_str()), 0),
                Kind::Int(i) => (None, *i),
                Kind::Unknown(w) => return Value::unknown(w.clone()),
                _ => return invalid("copyIndex", CallProblem::LoopNameOrOffset, span),
            },
            [n, o] => match (&n.kind, &o.kind) {
                (Kind::Str(s), Kind::Int(i)) => (Some(s.as_str()), *i),
                (Kind::Unknown(w), _) | (_, Kind::Unknown(w)) => return Value::unknown(w.clone()),
                _ => {
                    return invalid("copyIndex", CallProblem::LoopNameAndOffset, span);
                }
            },
            _ => unreachable!("checked above"),
        };
        match lookup(&env.copy, loop_name) {
            Some(Err(why)) => Value::unknown(why.clone()),
            Some(Ok(i)) => match i.checked_add(offset) {
                Some(v) => Value::composed(Kind::Int(v)),
                None => invalid("copyIndex", CallProblem::OffsetOverflows, span),
            },
            None => Value::unknown(Why::at(
                Cause::CopyIndexOutsideLoop {
                    name: loop_name.map(str::to_owned),
                },
                span,
            )),
        }
    }

    fn user_function(
        &self,
        env: &Env,
        ns: &str,
        name: &str,
        args: &[Expr],
        span: Span,
        loc: &TextSpan,
    ) -> Value {
        let key = format!("{ns}.{name}").to_ascii_lowercase();
        let Some(def) = self.shared.template.functions.get(key.as_str()) else {
            return Value::unknown(Why::at(
                Cause::UndeclaredFunction {
                    name: format!("{ns}.{name}"),
                },
                span,
            ));
        };
        let params: Vec<String> = def
            .parameters
            .iter()
            .map(|p| p.as_str().to_owned())
            .collect();
        if params.len() != args.len() {
            return invalid(
                &format!("{ns}.{name}"),
                CallProblem::Arity {
                    min: params.len(),
                    max: params.len(),
                    got: args.len(),
                },
                span,
            );
        }
        let vals: Vec<(String, Value)> = params
            .into_iter()
            .zip(args.iter().map(|a| self.expr(env, a, loc)))
            .collect();
        let Some(output) = &def.output else {
            return invalid(&format!("{ns}.{name}"), CallProblem::NoOutput, span);
        };
        let _guard = match self.enter(Subject::Function(format!("{ns}.{name}")), span) {
            Ok(g) => g,
            Err(w) => return Value::unknown(w),
        };
        let fenv = Env {
            copy: None,
            lambda: None,
            func: Some(Rc::new(vals)),
        };
        let v = self.node(&fenv, output);
        self.guard(v, Subject::Function(format!("{ns}.{name}")), span)
            .0
    }

    fn lambda_function(
        &self,
        env: &Env,
        name: &str,
        lname: &str,
        args: &[Expr],
        span: Span,
        loc: &TextSpan,
    ) -> Value {
        let (min, max) = match lname {
            "reduce" => (3, 3),
            "toobject" => (2, 3),
            _ => (2, 2),
        };
        if args.len() < min || args.len() > max {
            return invalid(name, CallProblem::LambdaArity { min, max }, span);
        }
        let input = self.expr(env, &args[0], loc);
        let lambda_at = if lname == "reduce" { 2 } else { 1 };
        let mut lambdas = Vec::new();
        for a in &args[lambda_at..] {
            match as_lambda(a) {
                Some(l) => lambdas.push(l),
                None => return invalid(name, CallProblem::LambdaArgument, span),
            }
        }
        let call = |l: &Lambda<'_>, vals: Vec<Value>| -> Value {
            let _guard = match self.enter(Subject::Lambda, span) {
                Ok(g) => g,
                Err(w) => return Value::unknown(w),
            };
            if let Err(w) = self.step(1, span) {
                return Value::unknown(w);
            }
            let mut e = env.clone();
            for (n, v) in l.params.iter().zip(vals) {
                e.lambda = Some(Rc::new(Frame {
                    name: n.clone(),
                    value: v,
                    parent: e.lambda.take(),
                }));
            }
            self.expr(&e, l.body, loc)
        };
        let items: Vec<Value> = match (&input.kind, lname) {
            (Kind::Object(m), "mapvalues") => m.iter().map(|(_, v)| v.clone()).collect(),
            (Kind::Array(a), _) => a.clone(),
            (Kind::Unknown(w), _) => return Value::unknown(w.clone()),
            _ => return invalid(name, CallProblem::FirstArgumentNotArray, span),
        };
        let l0 = &lambdas[0];
        match lname {
            "map" => {
                let mut out = Vec::with_capacity(items.len());
                for (i, x) in items.into_iter().enumerate() {
                    out.push(call(l0, vec![x, Value::composed(Kind::Int(i as i64))]));
                }
                Value::composed(Kind::Array(out))
            }
            "mapvalues" => {
                let Kind::Object(m) = &input.kind else {
                    return invalid(name, CallProblem::FirstArgumentNotObject, span);
                };
                let out = m
                    .iter()
                    .zip(items)
                    .map(|((k, _), v)| (k.clone(), call(l0, vec![v])))
                    .collect();
                Value::composed(Kind::Object(out))
            }
            "filter" => {
                let mut out = Vec::new();
                for (i, x) in items.into_iter().enumerate() {
                    let keep = call(l0, vec![x.clone(), Value::composed(Kind::Int(i as i64))]);
                    match keep.kind {
                        Kind::Bool(true) => out.push(x),
                        Kind::Bool(false) => {}
                        Kind::Unknown(w) => return Value::unknown(w),
                        _ => return invalid(name, CallProblem::LambdaNotBoolean, span),
                    }
                }
                Value::composed(Kind::Array(out))
            }
            "reduce" => {
                let mut acc = self.expr(env, &args[1], loc);
                for (i, x) in items.into_iter().enumerate() {
                    acc = call(l0, vec![acc, x, Value::composed(Kind::Int(i as i64))]);
                    let (a, w) = self.guard(acc, Subject::Accumulator, span);
                    acc = a;
                    if let Err(why) = self.step(w, span) {
                        return Value::unknown(why);
                    }
                    if acc.is_unknown() {
                        return acc;
                    }
                }
                acc
            }
            "sort" => {
                let mut failure: Option<Why> = None;
                let mut before = |a: &Value, b: &Value| -> bool {
                    if failure.is_some() {
                        return false;
                    }
                    match call(l0, vec![a.clone(), b.clone()]).kind {
                        Kind::Bool(r) => r,
                        Kind::Unknown(w) => {
                            failure = Some(w);
                            false
                        }
                        _ => {
                            failure = Some(Why::at(
                                Cause::InvalidCall {
                                    function: "sort".into(),
                                    problem: CallProblem::LambdaNotBoolean,
                                },
                                span,
                            ));
                            false
                        }
                    }
                };
                let sorted = merge_sort(items, &mut before);
                match failure {
                    Some(w) => Value::unknown(w),
                    None => Value::composed(Kind::Array(sorted)),
                }
            }
            "toobject" => {
                let mut out = Members::default();
                for x in items {
                    let k = call(l0, vec![x.clone()]);
                    let k = match k.kind {
                        Kind::Str(s) => s,
                        Kind::Unknown(w) => return Value::unknown(w),
                        _ => {
                            return k.first_unknown().map_or_else(
                                || invalid(name, CallProblem::KeyNotString, span),
                                |w| Value::unknown(w.clone()),
                            );
                        }
                    };
                    let v = match lambdas.get(1) {
                        Some(l1) => call(l1, vec![x]),
                        None => x,
                    };
                    out.put(k, v);
                }
                Value::composed(Kind::Object(out.into_vec()))
            }
            "groupby" => {
                let mut out = Members::default();
                for x in items {
                    let k = call(l0, vec![x.clone()]);
                    let k = match k.kind {
                        Kind::Str(s) => s,
                        Kind::Unknown(w) => return Value::unknown(w),
                        _ => return invalid(name, CallProblem::KeyNotString, span),
                    };
                    match out.get_mut(&k) {
                        Some(Value {
                            kind: Kind::Array(a),
                            ..
                        }) => a.push(x),
                        _ => out.put(k, Value::composed(Kind::Array(vec![x]))),
                    }
                }
                Value::composed(Kind::Object(out.into_vec()))
            }
            _ => invalid(name, CallProblem::UnsupportedLambdaFunction, span),
        }
    }
}

struct Lambda<'e> {
    params: Vec<String>,
    body: &'e Expr,
}

fn as_lambda(e: &Expr) -> Option<Lambda<'_>> {
    let ExprKind::Call {
        namespace: None,
        name,
        args,
    } = &e.kind
    else {
        return None;
    };
    if !name.eq_ignore_ascii_case("lambda") || args.len() < 2 {
        return None;
    }
    let (body, names) = args.split_last()?;
    let params = names
        .iter()
        .map(|n| match &n.kind {
            ExprKind::Str(s) => Some(s.clone()),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()?;
    Some(Lambda { params, body })
}

/// A stable merge sort that never panics, whatever the comparator does.
fn merge_sort(mut items: Vec<Value>, before: &mut dyn FnMut(&Value, &Value) -> bool) -> Vec<Value> {
    if items.len() <= 1 {
        return items;
    }
    let right = items.split_off(items.len() / 2);
    let left = merge_sort(items, before);
    let right = merge_sort(right, before);
    let mut out = Vec::with_capacity(left.len() + right.len());
    let mut l = left.into_iter().peekable();
    let mut r = right.into_iter().peekable();
    loop {
        match (l.peek(), r.peek()) {
            (Some(a), Some(b)) => {
                if before(b, a) {
                    out.extend(r.next());
                } else {
                    out.extend(l.next());
                }
            }
            (Some(_), None) => out.extend(l.next()),
            (None, Some(_)) => out.extend(r.next()),
            (None, None) => return out,
        }
    }
}

fn invalid(name: &str, problem: CallProblem, span: Span) -> Value {
    Value::unknown(Why::at(
        Cause::InvalidCall {
            function: name.to_owned(),
            problem,
        },
        span,
    ))
}

/// Why copy loop `name`, written at `span`, cannot be expanded.
fn copy_loop_why(name: &str, problem: CopyLoopProblem, span: Span) -> Why {
    Why::at(
        Cause::CopyLoop {
            name: name.to_owned(),
            problem,
        },
        span,
    )
}

/// The functions that read a named value: a template's parameter or variable (or a user
/// function's parameter), or a lambda's variable.
#[derive(Clone, Copy)]
enum Named {
    /// `parameters(name)`.
    Parameters,
    /// `variables(name)`.
    Variables,
    /// `lambdaVariables(name)`.
    LambdaVariables,
}

impl Named {
    /// The function called `name` (ASCII-case-insensitively), if it is one of these.
    fn of(name: &str) -> Option<Named> {
        [
            ("parameters", Named::Parameters),
            ("variables", Named::Variables),
            ("lambdaVariables", Named::LambdaVariables),
        ]
        .into_iter()
        .find_map(|(n, named)| n.eq_ignore_ascii_case(name).then_some(named))
    }
}

/// What a member or index expression takes of its target.
#[derive(Clone, Copy)]
enum Access<'e> {
    /// `.name`.
    Member(&'e str),
    /// `[index]`, the index still to evaluate.
    Index(&'e Expr),
}

/// The value of an expression that may still be a part of a parameter's or variable's
/// stored value: a reference followed by members and elements
/// (`variables('vm').imageReference.offer`) is read in place, and only the part taken is
/// copied ([`Place::into_value`]), with exactly the origin and reasons that copying the
/// whole value at the reference and taking the part of the copy ([`member`],
/// [`index_value`]) gives.
enum Place {
    /// A value of its own.
    Owned(Value),
    /// A part of a stored value, not copied yet.
    Stored(Stored),
}

/// A part of a parameter's or variable's stored value, as a reference and the members and
/// elements taken of it see it.
///
/// Copying the whole value at the reference put the reference's hop in front of the value's
/// origin hops and of the chain of every unknown inside it (`ops::prepend_hops`, kept for
/// the tests that compare the two); taking a member or element of a copy puts the copy's
/// origin hops in front of the part's own. So the part seen here is the stored part with
/// `hops` in front of its origin hops and `hop` in front of the chain of every unknown in
/// it.
struct Stored {
    /// The slot's value, shared with the slot (never changed once stored).
    value: Rc<Value>,
    /// Where the part is in it: the position of an array's element or an object's member at
    /// each level, outermost first.
    path: Vec<usize>,
    /// The hops in front of the part's own origin hops: the reference's, then the origin
    /// hops of each value the part was taken out of.
    hops: Vec<Hop>,
    /// The reference's hop, in front of the chain of every unknown inside the part (none
    /// when the stored value is itself the root of its unknowns).
    hop: Option<Hop>,
}

impl Stored {
    /// The part in the stored value (the whole value for an empty path).
    fn part(&self) -> &Value {
        let mut at = &*self.value;
        for &i in &self.path {
            let next = match &at.kind {
                Kind::Array(items) => items.get(i),
                Kind::Object(members) => members.get(i).map(|(_, v)| v),
                _ => None,
            };
            // A path only ever leads to where an element or member was found.
            match next {
                Some(v) => at = v,
                None => break,
            }
        }
        at
    }

    /// `why` as seen through the reference: the reference's hop in front of its chain.
    fn through_reference(&self, why: &Why) -> Why {
        why_through(why, self.hop.as_slice())
    }

    /// The hops in front of a member or element taken of the part: `hops`, then the part's
    /// own origin hops.
    fn outer_hops(&self, part: &Value) -> Vec<Hop> {
        let mut hops = self.hops.clone();
        hops.extend(part.origin.hops.iter().cloned());
        hops
    }

    /// The member of the part at `position`, with `hops` in front of its own.
    fn enter(mut self, position: usize, hops: Vec<Hop>) -> Place {
        self.path.push(position);
        self.hops = hops;
        Place::Stored(self)
    }

    /// `part.name`, as [`member`] takes it of the part's copy.
    fn member(self, name: &str, span: Span) -> Place {
        let part = self.part();
        let value = match &part.kind {
            Kind::Object(members) => {
                let hops = self.outer_hops(part);
                return match last_member(members, name) {
                    Some(position) => self.enter(position, hops),
                    None => Place::Owned(missing_member(name, span, &hops)),
                };
            }
            Kind::Unknown(w) => Value::unknown(self.through_reference(w)),
            Kind::Partial(parts) => Value::unknown(
                parts
                    .iter()
                    .find_map(|p| match p {
                        Part::Hole(w) => Some(self.through_reference(w)),
                        Part::Text(_) => None,
                    })
                    .unwrap_or_else(|| Why::at(Cause::PartiallyKnownString, span)),
            ),
            kind => Value::unknown(Why::at(
                Cause::PropertyOfNonObject {
                    name: name.to_owned(),
                    found: ValueType::of(kind),
                },
                span,
            )),
        };
        Place::Owned(value)
    }

    /// `part[k]`, as [`index_value`] takes it of the part's copy.
    fn index(self, k: Value, span: Span) -> Place {
        let part = self.part();
        if let Kind::Unknown(w) = &part.kind {
            return Place::Owned(Value::unknown(self.through_reference(w)));
        }
        let hops = self.outer_hops(part);
        let value = match (&part.kind, &k.kind) {
            (_, Kind::Unknown(w)) => Value::unknown(why_through(w, &hops)),
            (_, Kind::Partial(_)) => Value::unknown(why_through(
                k.first_unknown()
                    .unwrap_or(&Why::at(Cause::PartiallyKnownIndex, span)),
                &hops,
            )),
            (Kind::Array(items), Kind::Int(i)) => {
                match usize::try_from(*i).ok().filter(|&at| at < items.len()) {
                    Some(position) => return self.enter(position, hops),
                    None => Value::unknown(why_through(
                        &Why::at(
                            Cause::IndexOutOfRange {
                                index: *i,
                                length: items.len(),
                            },
                            span,
                        ),
                        &hops,
                    )),
                }
            }
            (Kind::Object(members), Kind::Str(key)) => {
                return match last_member(members, key) {
                    Some(position) => self.enter(position, hops),
                    None => Place::Owned(missing_member(key, span, &hops)),
                };
            }
            (kind, _) => Value::unknown(Why::at(
                Cause::NotIndexable {
                    target: ValueType::of(kind),
                    index: super::ops::type_name(&k),
                },
                span,
            )),
        };
        Place::Owned(value)
    }

    /// `tryGet(part, keys…)`, as the library's `tryGet` takes it of the part's copy: at each
    /// key the first member of an object whose key matches it ASCII-case-insensitively, or
    /// the element of an array at it, null where there is none or the value is neither.
    /// What is found keeps its own origin hops (`tryGet` puts none in front, unlike
    /// [`member`]) and has the reference's hop in front of its unknowns' chains.
    fn try_get(mut self, ctx: &Ctx<'_>, keys: &[Value]) -> Result<Value, Why> {
        for key in keys {
            let part = self.part();
            let found = match &part.kind {
                Kind::Object(members) => {
                    let key = ctx.str(key)?;
                    members
                        .iter()
                        .position(|(k, _)| k.eq_ignore_ascii_case(key))
                }
                Kind::Array(items) => {
                    let i = ctx.int(key)?;
                    usize::try_from(i).ok().filter(|&at| at < items.len())
                }
                Kind::Unknown(w) => return Err(self.through_reference(w)),
                _ => None,
            };
            match found {
                Some(position) => {
                    self.path.push(position);
                    self.hops.clear();
                }
                None => return Ok(Value::composed(Kind::Null)),
            }
        }
        Ok(self.into_value())
    }

    /// The part, copied: what the reference and the members and elements taken give.
    fn into_value(self) -> Value {
        let mut value = self.part().clone();
        value.origin.hops.splice(0..0, self.hops);
        if let Some(hop) = self.hop {
            prepend_why(&mut value, std::slice::from_ref(&hop));
        }
        value
    }
}

impl Place {
    /// `place.name`.
    fn member(self, name: &str, span: Span) -> Place {
        match self {
            Place::Owned(t) => Place::Owned(member(t, name, span)),
            Place::Stored(stored) => stored.member(name, span),
        }
    }

    /// `place[k]`.
    fn index(self, k: Value, span: Span) -> Place {
        match self {
            Place::Owned(t) => Place::Owned(index_value(t, k, span)),
            Place::Stored(stored) => stored.index(k, span),
        }
    }

    /// The value, copied out of the stored value if it is a part of one.
    fn into_value(self) -> Value {
        match self {
            Place::Owned(v) => v,
            Place::Stored(stored) => stored.into_value(),
        }
    }
}

/// `length(v)` (`length`) or `empty(v)` of an array, an object, null or a string, as the
/// library's give them (a string's length in UTF-16 code units); `None` for the other kinds
/// (the library decides those: an error, or the reason the value is unknown).
fn measured(v: &Value, length: bool) -> Option<Kind> {
    Some(match &v.kind {
        Kind::Array(items) if length => Kind::Int(items.len() as i64),
        Kind::Object(members) if length => Kind::Int(members.len() as i64),
        Kind::Null if length => Kind::Int(0),
        Kind::Str(s) if length => Kind::Int(utf16_len(s) as i64),
        Kind::Array(items) => Kind::Bool(items.is_empty()),
        Kind::Object(members) => Kind::Bool(members.is_empty()),
        Kind::Null => Kind::Bool(true),
        Kind::Str(s) => Kind::Bool(s.is_empty()),
        _ => return None,
    })
}

/// Where the member `name` of an object is: the last whose key matches ASCII-case-
/// insensitively, as [`member`] finds it.
fn last_member(members: &[(String, Value)], name: &str) -> Option<usize> {
    members
        .iter()
        .rposition(|(k, _)| k.eq_ignore_ascii_case(name))
}

/// Why member `name`, taken at `span` of an object reached through `hops`, is unknown: the
/// object has none.
fn missing_member(name: &str, span: Span, hops: &[Hop]) -> Value {
    Value::unknown(why_through(
        &Why::at(
            Cause::MissingProperty {
                name: name.to_owned(),
            },
            span,
        ),
        hops,
    ))
}

/// `target.name`.
fn member(t: Value, name: &str, span: Span) -> Value {
    match t.kind {
        Kind::Object(members) => {
            let hops = t.origin.hops;
            match members
                .into_iter()
                .rev()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
            {
                Some((_, mut v)) => {
                    v.origin.hops.splice(0..0, hops);
                    v
                }
                None => Value::unknown(why_through(
                    &Why::at(
                        Cause::MissingProperty {
                            name: name.to_owned(),
                        },
                        span,
                    ),
                    &hops,
                )),
            }
        }
        Kind::Unknown(w) => Value::unknown(w),
        Kind::Partial(_) => Value::unknown(
            t.first_unknown()
                .cloned()
                .unwrap_or_else(|| Why::at(Cause::PartiallyKnownString, span)),
        ),
        _ => Value::unknown(Why::at(
            Cause::PropertyOfNonObject {
                name: name.to_owned(),
                found: super::ops::type_name(&Value::composed(t.kind)),
            },
            span,
        )),
    }
}

/// `target[index]`.
fn index_value(t: Value, k: Value, span: Span) -> Value {
    if let Kind::Unknown(w) = &t.kind {
        return Value::unknown(w.clone());
    }
    let hops = t.origin.hops.clone();
    match (t.kind, &k.kind) {
        (_, Kind::Unknown(w)) => Value::unknown(why_through(w, &hops)),
        (_, Kind::Partial(_)) => Value::unknown(why_through(
            k.first_unknown()
                .unwrap_or(&Why::at(Cause::PartiallyKnownIndex, span)),
            &hops,
        )),
        (Kind::Array(items), Kind::Int(i)) => {
            let len = items.len();
            match usize::try_from(*i)
                .ok()
                .and_then(|i| items.into_iter().nth(i))
            {
                Some(mut v) => {
                    v.origin.hops.splice(0..0, hops);
                    v
                }
                None => Value::unknown(why_through(
                    &Why::at(
                        Cause::IndexOutOfRange {
                            index: *i,
                            length: len,
                        },
                        span,
                    ),
                    &hops,
                )),
            }
        }
        (kind @ Kind::Object(_), Kind::Str(key)) => member(
            Value {
                kind,
                origin: crate::value::Origin {
                    literal: None,
                    site: None,
                    hops,
                    pieces: None,
                },
            },
            key,
            span,
        ),
        (kind, _) => Value::unknown(Why::at(
            Cause::NotIndexable {
                target: super::ops::type_name(&Value::composed(kind)),
                index: super::ops::type_name(&k),
            },
            span,
        )),
    }
}

/// Entry points for the evaluator's tests.
#[cfg(test)]
impl Scope<'_> {
    /// The value of parameter `name` (supplied, else its default, else unknown), with a hop
    /// for the parameter.
    pub fn parameter_value(&self, name: &str) -> Value {
        let span = self
            .shared
            .template
            .parameters
            .get(name.to_ascii_lowercase().as_str())
            .map_or(Span::new(self.file(), 0, 0), |p| p.span);
        self.entry(|| self.param_place(name, span).into_value())
    }

    /// The value of variable `name`, with a hop for the variable.
    pub fn variable_value(&self, name: &str) -> Value {
        self.entry(|| {
            self.var_place(name, Span::new(self.file(), 0, 0))
                .into_value()
        })
    }

    /// The file of the template this scope evaluates.
    fn file(&self) -> crate::source::FileId {
        self.shared.template.file
    }
}

#[cfg(test)]
mod tests;
