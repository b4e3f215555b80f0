//! A Terraform module read from its sources, lowered into the model: its variables decided as
//! Terraform decides them, its locals, and one resource per instance of each resource block
//! of a judged type, its arguments evaluated ([`super::eval`]) into the attribute values a
//! plan would show (blocks as lists of objects), shaped by what both Terraform frontends
//! share ([`crate::frontend::terraform::shape`]).

use std::cell::RefCell;

use foldhash::{HashMap, HashMapExt};

use crate::frontend::Embedded;
use crate::frontend::terraform::{AZAPI, Declared, judged_type, shape};
use crate::model::{Context, Deployment, Dialect, Resource, Section, SourceKind, Unseen};
use crate::source::{FileId, Span};
use crate::value::cause::{Budget, TfUnknown};
use crate::value::{Cause, Hop, Kind, Subject, Value, Why};

use super::eval::{Instance, Scope, Written, composed, not_evaluated, span_of};
use super::folder::{Definitions, Module};
use super::frontend::{Child, MAX_MODULE_DEPTH, Tree};
use super::syntax::Block;
use crate::value::subject::ModuleVariable;

/// What a module read from its sources is, as data: Terraform resource types (an azapi
/// resource's ARM type), each known to Azure by its `name` argument.
const DIALECT: Dialect = Dialect {
    catalog: &[Section::Terraform, Section::Arm],
    name_attribute: Some("name"),
    kind: SourceKind::TerraformSource,
};

/// The meta-arguments of a resource block, which are not attributes of the resource
/// (<https://developer.hashicorp.com/terraform/language/meta-arguments>).
const META: [&str; 6] = [
    "count",
    "for_each",
    "depends_on",
    "provider",
    "lifecycle",
    "provisioner",
];

/// Where `block` is written in `file`.
fn at(block: &Block<'_>, file: FileId) -> Option<Span> {
    block.span.clone().map(|r| Span::new(file, r.start, r.end))
}

/// Lowers the configuration `tree` with `environment` (the root's `TF_VAR_` variables are
/// read from it), spending from `allowance`; the ARM templates its template deployments embed
/// go to `embedded`. Local modules are evaluated with the arguments their calls pass; a call
/// whose module is not read is unseen (IG002 at its `source`).
///
/// Each of `var_files` (the `-var-file` definitions the config maps to the module's folder,
/// each shown as its display path) is a context of its own, read after the definitions
/// Terraform loads by itself, as a `-var-file` is
/// (<https://developer.hashicorp.com/terraform/language/values/variables#variable-definition-precedence>);
/// with none, the module is judged once with what it loads by itself.
pub(crate) fn tree(
    tree: &Tree,
    var_files: &[(String, Definitions)],
    environment: &std::collections::BTreeMap<String, String>,
    allowance: &crate::eval::Allowance,
    embedded: &mut Vec<Embedded>,
) -> Deployment {
    let mut contexts = Vec::new();
    let runs: Vec<Option<&(String, Definitions)>> = if var_files.is_empty() {
        vec![None]
    } else {
        var_files.iter().map(Some).collect()
    };
    for var_file in runs {
        let extra = var_file
            .map(|(_, d)| std::slice::from_ref(d))
            .unwrap_or_default();
        let variables = variables(&tree.modules[0], extra, environment, allowance);
        let mut context = Context {
            parameter_file: var_file.map(|(shown, _)| shown.clone()),
            ..Context::default()
        };
        let mut out = Out {
            context: &mut context,
            embedded,
        };
        let at = Place {
            index: 0,
            address: String::new(),
            modules: Vec::new(),
        };
        let mut stack = vec![0];
        evaluate(tree, &at, variables, allowance, &mut out, &mut stack);
        contexts.push(context);
    }
    Deployment {
        dialect: DIALECT,
        merge_instances: true,
        contexts,
        comments: Vec::new(),
        literals: Vec::new(),
    }
}

/// Where a module instance is evaluated: its index in the tree, the address its resources
/// are prefixed with (`module.app.module.vm["a"].`) and its module calls' names (no keys).
struct Place {
    /// The module's index in the tree.
    index: usize,
    /// What its resources' addresses start with (empty at the root).
    address: String,
    /// The names of the module calls it is reached through, outermost first, without keys.
    modules: Vec<String>,
}

/// What evaluating a configuration makes.
struct Out<'o> {
    /// The one context: resources, and what is unseen.
    context: &'o mut Context,
    /// The ARM templates template deployments embed, for the ARM frontend.
    embedded: &'o mut Vec<Embedded>,
}

/// Evaluates the module instance at `at` with its `variables` decided: its resources, and
/// the modules it calls (`stack`: the modules being evaluated, a call back into one is not
/// followed).
fn evaluate(
    tree: &Tree,
    at: &Place,
    variables: HashMap<String, Value>,
    allowance: &crate::eval::Allowance,
    out: &mut Out<'_>,
    stack: &mut Vec<usize>,
) {
    let module = &tree.modules[at.index];
    let calls = Calls::new(tree, at.index, &at.address, stack);
    let mut scope = scope_of(module, variables, allowance).with_modules(&calls);
    for block in module.blocks("resource") {
        resource(&block, block.file, &mut scope, at, out);
    }
    for block in module.blocks("module") {
        call(tree, &block, block.file, &mut scope, at, out, stack);
    }
}

/// The scope of an instance of `module` whose `variables` are decided: its locals, and the
/// data sources and resources whose `id` the catalogue composes (one instance each), and the
/// platform images data sources read.
fn scope_of<'t>(
    module: &'t Module,
    variables: HashMap<String, Value>,
    allowance: &'t crate::eval::Allowance,
) -> Scope<'t> {
    let mut locals = Vec::new();
    for block in module.blocks("locals") {
        for (key, written) in block.arguments() {
            locals.push((key.to_string(), written));
        }
    }
    let mut declared = HashMap::new();
    {
        for (data, kind) in [(true, "data"), (false, "resource")] {
            for block in module.blocks(kind) {
                let [t, n] = block.labels.as_slice() else {
                    continue;
                };
                let looped = ["count", "for_each"]
                    .iter()
                    .any(|m| block.written(m).is_some());
                let composed = crate::catalog::Catalog::builtin().terraform_id(t).is_some()
                    || (data && *t == super::eval::PLATFORM_IMAGE);
                if looped || !composed {
                    continue;
                }
                let key = (data, t.to_string(), n.to_string());
                let body = super::eval::Declared {
                    at: at(&block, block.file),
                    block: block.clone(),
                };
                declared.insert(key, body);
            }
        }
    }
    Scope::new(variables, locals, allowance).with_declared(declared)
}

/// The module calls of one module instance, as its expressions read them (`module.NAME`):
/// each call's outputs evaluated once, when first read, from the called module's sources
/// with the arguments each of its instances passes.
struct Calls<'t> {
    /// The configuration.
    tree: &'t Tree,
    /// The calling module's index in the tree.
    index: usize,
    /// What the calling instance's addresses start with (`module.app.`, empty at the root).
    address: String,
    /// The modules being evaluated, the calling one last: a call back into one is a cycle.
    stack: Vec<usize>,
    /// Each call's value, once evaluated.
    done: RefCell<HashMap<String, Value>>,
    /// The calls being evaluated (one read again while it is, is a cycle).
    busy: RefCell<Vec<String>>,
}

impl<'t> Calls<'t> {
    /// The calls of the instance of module `index` of `tree` at `address`, reached through
    /// the modules of `stack`.
    fn new(tree: &'t Tree, index: usize, address: &str, stack: &[usize]) -> Calls<'t> {
        let mut stack = stack.to_vec();
        if stack.last() != Some(&index) {
            stack.push(index);
        }
        Calls {
            tree,
            index,
            address: address.to_string(),
            stack,
            done: RefCell::new(HashMap::new()),
            busy: RefCell::new(Vec::new()),
        }
    }

    /// The call `name`: its block and file, in the calling module.
    fn block(&self, name: &str) -> Option<(Block<'t>, FileId)> {
        self.tree.modules[self.index]
            .blocks("module")
            .into_iter()
            .find(|b| matches!(b.labels.as_slice(), [l] if *l == name))
            .map(|b| {
                let file = b.file;
                (b, file)
            })
    }

    /// The value of the call `block` of `file` (to module `child`), named `name`, read at
    /// `at` in the caller's `scope`: see [`Modules::call`].
    fn evaluate(
        &self,
        scope: &Scope<'_>,
        name: &str,
        (block, file): (Block<'_>, FileId),
        child: usize,
        at: Option<Span>,
    ) -> Value {
        let allowance = scope.allowance();
        let nesting = scope.nesting() + 1;
        let limit = allowance.limits().max_nesting;
        if nesting >= limit {
            let subject = Subject::Variable(format!("module.{name}"));
            let cause = Cause::Budget(Budget::Recursion { limit, subject });
            return super::eval::unknown(cause, at);
        }
        let counted = block.written("count").is_some();
        let each = block.written("for_each").is_some();
        let address = format!("{}module.{name}", self.address);
        let mut list = Vec::new();
        let mut map = super::eval::Members::default();
        for (key, instance) in instances(&block, scope) {
            if !allowance.charge(1) {
                let limit = allowance.max_steps();
                return super::eval::unknown(Cause::Budget(Budget::Steps { limit }), at);
            }
            let unknown_key = [&instance.index, &instance.key]
                .into_iter()
                .flatten()
                .find_map(|v| v.first_unknown().cloned());
            if let Some(why) = unknown_key {
                return super::eval::unknown((*why.cause).clone(), why.span.or(at));
            }
            let map_key = instance.key.as_ref().map(Value::display);
            let before = scope.set_instance(instance);
            let module = format!("{address}{key}");
            let variables = inputs(&self.tree.modules[child], &block, scope, &module);
            scope.set_instance(before);
            let calls = Calls::new(self.tree, child, &format!("{module}."), &self.stack);
            let outputs = outputs(self.tree, child, variables, allowance, &calls, &module)
                .with_nesting(nesting);
            let value = outputs.value();
            match map_key {
                Some(k) if each => map.set(k, value),
                _ => list.push(value),
            }
        }
        let site = self::at(&block, file);
        if each {
            composed(map.into_kind(), site)
        } else if counted {
            composed(Kind::Array(list), site)
        } else {
            list.pop()
                .unwrap_or_else(|| composed(Kind::Object(Vec::new()), site))
        }
    }
}

impl super::eval::Modules for Calls<'_> {
    fn call(&self, scope: &Scope<'_>, name: &str, at: Option<Span>) -> Value {
        if let Some(v) = self.done.borrow().get(name) {
            return scope.copy(v, at).unwrap_or_else(|spent| spent);
        }
        let Some(block) = self.block(name) else {
            let name = format!("module.{name}");
            return super::eval::unknown(Cause::UndeclaredVariable { name }, at);
        };
        let child = match self.tree.calls.get(&(self.index, name.to_string())) {
            Some(Child::Loaded(child)) => *child,
            Some(Child::Unseen(why)) => {
                return super::eval::unknown(Cause::TerraformSource(why.clone()), at);
            }
            None => return not_evaluated(format!("the module call '{name}'"), at),
        };
        if self.stack.contains(&child) || self.stack.len() > MAX_MODULE_DEPTH {
            return not_evaluated("a module that calls itself", at);
        }
        if self.busy.borrow().iter().any(|b| b == name) {
            let name = format!("module.{name}");
            let cycle = vec![name.clone()];
            return super::eval::unknown(Cause::VariableCycle { name, cycle }, at);
        }
        self.busy.borrow_mut().push(name.to_string());
        let v = self.evaluate(scope, name, block, child, at);
        self.busy.borrow_mut().retain(|b| b != name);
        self.done.borrow_mut().insert(name.to_string(), v.clone());
        v
    }
}

/// The outputs of an instance of module `index` of `tree` (at `address`, `module.vm["a"]`)
/// whose `variables` are decided, its own calls read through `calls`: evaluated when
/// [`Outputs::value`] is asked.
fn outputs<'t>(
    tree: &'t Tree,
    index: usize,
    variables: HashMap<String, Value>,
    allowance: &'t crate::eval::Allowance,
    calls: &'t Calls<'t>,
    address: &str,
) -> Outputs<'t> {
    let module = &tree.modules[index];
    Outputs {
        module,
        scope: scope_of(module, variables, allowance).with_modules(calls),
        address: address.to_string(),
    }
}

/// A module instance whose outputs are to be evaluated.
struct Outputs<'t> {
    /// The module.
    module: &'t Module,
    /// Its scope.
    scope: Scope<'t>,
    /// Its address (`module.vm`), as hops name it.
    address: String,
}

impl Outputs<'_> {
    /// These outputs, their locals evaluated within `nesting` levels already.
    fn with_nesting(self, nesting: usize) -> Self {
        Outputs {
            scope: self.scope.with_nesting(nesting),
            ..self
        }
    }

    /// Each `output` block's `value`, by the output's name, through a hop naming it
    /// (<https://developer.hashicorp.com/terraform/language/values/outputs>).
    fn value(&self) -> Value {
        let mut members = super::eval::Members::default();
        for block in self.module.blocks("output") {
            let [label] = block.labels.as_slice() else {
                continue;
            };
            let name = label.to_string();
            let Some(value) = block.written("value") else {
                continue;
            };
            let v = self.scope.eval(value);
            let via = Subject::ModuleOutput(ModuleVariable {
                name: name.clone(),
                module: self.address.clone(),
            });
            let v = super::eval::through(v, via, span_of(value.expr, value.file));
            members.set(name, v);
        }
        Value::composed(members.into_kind())
    }
}

/// The module call `block` of `file`, in the module instance at `at`: each of its instances
/// evaluated with the arguments it passes, or unseen (IG002 at its `source`) when its module
/// is not read, or is being evaluated already.
fn call(
    tree: &Tree,
    block: &Block<'_>,
    file: FileId,
    scope: &mut Scope<'_>,
    at: &Place,
    out: &mut Out<'_>,
    stack: &mut Vec<usize>,
) {
    let [label] = block.labels.as_slice() else {
        return;
    };
    let label = *label;
    let span = self::at(block, file).unwrap_or(Span::new(file, 0, 0));
    let source_at = block
        .written("source")
        .and_then(|w| span_of(w.expr, w.file))
        .unwrap_or(span);
    let address = format!("{}module.{label}", at.address);
    let unseen = |why: TfUnknown, out: &mut Out<'_>| {
        out.context.unseen.push(Unseen {
            resource: stand_in("module", address.clone(), span),
            why: Why::at(Cause::TerraformSource(why), source_at),
            property: "source",
        });
    };
    let child = match tree.calls.get(&(at.index, label.to_string())) {
        Some(Child::Loaded(child)) => *child,
        Some(Child::Unseen(why)) => return unseen(why.clone(), out),
        None => return,
    };
    if stack.contains(&child) || stack.len() > MAX_MODULE_DEPTH {
        let construct = "a module that calls itself".to_string();
        return unseen(TfUnknown::NotEvaluated { construct }, out);
    }
    for (key, instance) in instances(block, scope) {
        // Each module instance is a resource of the file's budget (as a nested deployment
        // is), so that calls nested in counted calls stay bounded.
        if !scope.allowance().take_resource() {
            let limit = scope.allowance().max_resources();
            out.context.unseen.push(Unseen {
                resource: stand_in("module", format!("{address}{key}"), span),
                why: Why::at(Cause::Budget(Budget::Resources { limit }), span),
                property: "source",
            });
            break;
        }
        scope.set_instance(instance);
        let module = format!("{address}{key}");
        let variables = inputs(&tree.modules[child], block, scope, &module);
        let mut modules = at.modules.clone();
        modules.push(label.to_string());
        let place = Place {
            index: child,
            address: format!("{module}."),
            modules,
        };
        stack.push(child);
        evaluate(tree, &place, variables, scope.allowance(), out, stack);
        stack.pop();
    }
    scope.set_instance(Instance::default());
}

/// The variables of the called `module`, decided by the call `block` (its arguments evaluated in
/// the caller's `scope`): the argument the call passes, else the variable's default, else
/// unknown. `address` is the call's (`module.vm`), as hops name it.
fn inputs(
    module: &Module,
    block: &Block<'_>,
    scope: &Scope<'_>,
    address: &str,
) -> HashMap<String, Value> {
    let empty = Scope::empty(scope.allowance());
    let mut out = HashMap::new();
    for variable in module.blocks("variable") {
        let [label] = variable.labels.as_slice() else {
            continue;
        };
        let name = label.to_string();
        let input = ModuleVariable {
            name: name.clone(),
            module: address.to_string(),
        };
        let value = match block.written(&name) {
            Some(argument) => {
                let v = scope.eval(argument);
                let at = span_of(argument.expr, argument.file);
                super::eval::through(v, Subject::ModuleInput(input), at)
            }
            None => match variable.written("default") {
                Some(default) => {
                    let v = empty.eval(default);
                    let at = span_of(default.expr, default.file);
                    super::eval::through(v, Subject::VariableDefault(input), at)
                }
                None => super::eval::unknown(
                    Cause::TerraformSource(TfUnknown::InputNotSet {
                        name: name.clone(),
                        module: address.to_string(),
                    }),
                    self::at(&variable, variable.file),
                ),
            },
        };
        out.insert(name, value);
    }
    out
}

/// Each declared variable's value, decided as Terraform decides it: its default, then a
/// `TF_VAR_` environment variable, then the definition files in the order they are loaded
/// (a later one wins)
/// (<https://developer.hashicorp.com/terraform/language/values/variables#variable-definition-precedence>).
/// A variable nothing sets is unknown (Terraform asks for it, or a `-var` gives it).
fn variables(
    module: &Module,
    var_files: &[Definitions],
    environment: &std::collections::BTreeMap<String, String>,
    allowance: &crate::eval::Allowance,
) -> HashMap<String, Value> {
    let empty = Scope::empty(allowance);
    let mut out: HashMap<String, Value> = HashMap::new();
    for block in module.blocks("variable") {
        let [label] = block.labels.as_slice() else {
            continue;
        };
        let name = label.to_string();
        let declared = at(&block, block.file);
        let mut value = match block.written("default") {
            Some(default) => empty.eval(default),
            None => super::eval::unknown(
                Cause::TerraformSource(TfUnknown::UnsetVariable { name: name.clone() }),
                declared,
            ),
        };
        if let Some(text) = environment.get(&format!("TF_VAR_{name}")) {
            value = from_environment(&name, text, &block, declared);
        }
        out.insert(name, value);
    }
    for definitions in module.definitions.iter().chain(var_files) {
        match definitions {
            Definitions::Hcl(file, body) => {
                for attribute in body.attributes() {
                    let name = attribute.key.as_str();
                    if let Some(slot) = out.get_mut(name) {
                        *slot = empty.eval(Written {
                            expr: &attribute.value,
                            file: *file,
                        });
                    }
                }
            }
            Definitions::Json(file, root) => {
                for member in root.members() {
                    if let Some(slot) = out.get_mut::<str>(&member.key) {
                        *slot = crate::value::json::json_value(&member.value, &|node| {
                            let span = Span::new(*file, node.start as usize, node.end as usize);
                            crate::value::Origin {
                                literal: Some(span),
                                site: Some(span),
                                ..Default::default()
                            }
                        });
                    }
                }
            }
        }
    }
    out
}

/// The value of variable `name` (declared by `block` at `declared`) that the environment
/// variable `TF_VAR_name` gives as `text`: the text itself for a string variable (or one of
/// no declared type), else the text parsed as a literal value
/// (<https://developer.hashicorp.com/terraform/cli/config/environment-variables#tf_var_name>).
fn from_environment(name: &str, text: &str, block: &Block<'_>, declared: Option<Span>) -> Value {
    // `string` in the native syntax, `"string"` in JSON.
    let typed = block.written("type").is_some_and(|t| match t.expr {
        hcl_edit::expr::Expression::Variable(v) => v.as_str() != "string",
        hcl_edit::expr::Expression::String(s) => s.value().as_str() != "string",
        _ => true,
    });
    let kind = if typed {
        match hcl_edit::parser::parse_expr(text) {
            Ok(hcl_edit::expr::Expression::Bool(b)) => Kind::Bool(*b.value()),
            Ok(hcl_edit::expr::Expression::Number(n)) => match n.value().as_i64() {
                Some(i) => Kind::Int(i),
                None => Kind::Float(n.value().as_f64().unwrap_or(f64::NAN)),
            },
            _ => {
                return not_evaluated(
                    format!("the value of TF_VAR_{name} (a collection given in the environment)"),
                    declared,
                );
            }
        }
    } else {
        Kind::Str(text.to_string())
    };
    let mut v = Value::composed(kind);
    if let Some(declared) = declared {
        v.origin.site = Some(declared);
        v.origin.hops.push(Hop {
            span: declared,
            via: Subject::EnvironmentVariable(format!("TF_VAR_{name}")),
        });
    }
    v
}

/// The instances of the resource `block` of `file` judged into `context`: each of its
/// `count` or `for_each` when those are known, else one whose index or key is unknown.
fn resource(
    block: &Block<'_>,
    file: FileId,
    scope: &mut Scope<'_>,
    place: &Place,
    out: &mut Out<'_>,
) {
    let [resource_type, name] = block.labels.as_slice() else {
        return;
    };
    let (resource_type, name) = (*resource_type, *name);
    let action = resource_type == "azapi_resource_action";
    if !action && !judged_type(resource_type) {
        return;
    }
    let span = at(block, file).unwrap_or(Span::new(file, 0, 0));
    let instances = instances(block, scope);
    for (key, instance) in instances {
        if !scope.allowance().take_resource() {
            // Never passed over: the instance is unseen, for the budget.
            let limit = scope.allowance().max_resources();
            let address = format!("{}{resource_type}.{name}{key}", place.address);
            out.context.unseen.push(Unseen {
                resource: stand_in(resource_type, address, span),
                why: Why::at(Cause::Budget(Budget::Resources { limit }), span),
                property: "count",
            });
            return;
        }
        scope.set_instance(instance);
        let mut body = body_of(block, scope, 0);
        if AZAPI.contains(&resource_type) {
            encoded_body(block, scope, &mut body);
        }
        let azapi = AZAPI.contains(&resource_type) || (action && creates_a_resource(&body));
        if action && !azapi {
            continue;
        }
        let declared = Declared {
            resource_type,
            name,
            address: format!("{}{resource_type}.{name}{key}", place.address),
            modules: &place.modules,
            span,
            azapi,
        };
        if let Some(mut resource) = shape(declared, body, out.embedded) {
            if !azapi {
                no_image(&mut resource);
            }
            out.context.resources.push(resource);
        }
    }
    scope.set_instance(Instance::default());
}

/// An azapi resource's `body` written as `jsonencode(value)` (the provider's 1.x form, a JSON
/// string: <https://registry.terraform.io/providers/Azure/azapi/latest/docs/resources/resource#body>)
/// is the value encoded: the provider decodes the string back into it
/// (<https://developer.hashicorp.com/terraform/language/functions/jsonencode>), so `value` is
/// evaluated in its place, keeping each literal's place for findings and fixes.
fn encoded_body(block: &Block<'_>, scope: &Scope<'_>, body: &mut Value) {
    let Some(written) = block.written("body") else {
        return;
    };
    let hcl_edit::expr::Expression::FuncCall(call) = written.expr else {
        return;
    };
    let args: Vec<&hcl_edit::expr::Expression> = call.args.iter().collect();
    if call.name.is_namespaced()
        || call.name.name.as_str() != "jsonencode"
        || call.args.expand_final()
        || args.len() != 1
    {
        return;
    }
    let value = scope.eval(Written {
        expr: args[0],
        file: written.file,
    });
    if let Kind::Object(members) = &mut body.kind
        && let Some((_, slot)) = members.iter_mut().find(|(k, _)| k == "body")
    {
        *slot = value;
    }
}

/// The instances of `block` (a resource or a module call): one per element of its
/// `count` or `for_each` when those are known (each with its address key, `[0]` or
/// `["key"]`), else one whose index or key is unknown; one with no key without either.
fn instances(block: &Block<'_>, scope: &Scope<'_>) -> Vec<(String, Instance)> {
    let written = |key: &str| block.written(key);
    if let Some(count) = written("count") {
        let n = scope.eval(count);
        match n.kind {
            // Past the resource budget, instances are not judged: no more are made.
            Kind::Int(n) => (0..n.max(0))
                .take(scope.allowance().max_resources().saturating_add(1))
                .map(|i| {
                    let index = Value::composed(Kind::Int(i));
                    (
                        format!("[{i}]"),
                        Instance {
                            index: Some(index),
                            ..Instance::default()
                        },
                    )
                })
                .collect(),
            Kind::Unknown(why) => vec![(
                "[?]".to_string(),
                Instance {
                    index: Some(Value::unknown(why)),
                    ..Instance::default()
                },
            )],
            _ => vec![(
                "[?]".to_string(),
                Instance {
                    index: Some(not_evaluated(
                        "a `count` that is not a number",
                        span_of(count.expr, count.file),
                    )),
                    ..Instance::default()
                },
            )],
        }
    } else if let Some(each) = written("for_each") {
        let collection = scope.eval(each);
        match collection.kind {
            Kind::Object(members) => members
                .into_iter()
                .map(|(k, v)| {
                    let key = Value::composed(Kind::Str(k.clone()));
                    let address = format!("[{}]", serde_json::Value::String(k));
                    (
                        address,
                        Instance {
                            key: Some(key),
                            value: Some(v),
                            index: None,
                        },
                    )
                })
                .collect(),
            Kind::Array(items) => items
                .into_iter()
                .map(|item| {
                    let k = item.display();
                    let address = format!("[{}]", serde_json::Value::String(k));
                    (
                        address,
                        Instance {
                            key: Some(item.clone()),
                            value: Some(item),
                            index: None,
                        },
                    )
                })
                .collect(),
            Kind::Unknown(why) => vec![(
                "[?]".to_string(),
                Instance {
                    key: Some(Value::unknown(why.clone())),
                    value: Some(Value::unknown(why)),
                    index: None,
                },
            )],
            _ => {
                let v = not_evaluated(
                    "a `for_each` that is not a map or set",
                    span_of(each.expr, each.file),
                );
                vec![(
                    "[?]".to_string(),
                    Instance {
                        key: Some(v.clone()),
                        value: Some(v),
                        index: None,
                    },
                )]
            }
        }
    } else {
        vec![(String::new(), Instance::default())]
    }
}

/// The machines whose image is named by one of a few arguments, and whether Terraform requires
/// one of them: the types, the arguments (the first is where an unknown is set), and whether
/// the image is required (else the provider computes it at apply).
type ImageArguments = (&'static [&'static str], &'static [&'static str], bool);

/// The machines that cannot be created without an image: VMs and scale sets take
/// `source_image_id` or `source_image_reference`, one of them required
/// (<https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/linux_virtual_machine#source_image_id>,
/// the provider says `one of source_image_id or source_image_reference must be specified`;
/// a VM may attach an OS disk, `os_managed_disk_id`, instead). The legacy
/// `azurerm_virtual_machine`'s `storage_image_reference` is Optional and Computed
/// (<https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/virtual_machine#storage_image_reference>):
/// unwritten, and no OS disk attached, a plan shows it known only after apply.
const IMAGE_ARGUMENTS: [ImageArguments; 5] = [
    (
        &[
            "azurerm_linux_virtual_machine",
            "azurerm_windows_virtual_machine",
        ],
        &[
            "source_image_id",
            "source_image_reference",
            "os_managed_disk_id",
        ],
        true,
    ),
    (
        &[
            "azurerm_linux_virtual_machine_scale_set",
            "azurerm_windows_virtual_machine_scale_set",
        ],
        &["source_image_id", "source_image_reference"],
        true,
    ),
    (
        &["azurerm_virtual_machine"],
        &["storage_image_reference", "storage_os_disk.image_uri"],
        false,
    ),
    // Required blocks: <https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/batch_pool#storage_image_reference>,
    // <https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/dev_test_linux_virtual_machine#gallery_image_reference>.
    (&["azurerm_batch_pool"], &["storage_image_reference"], true),
    (
        &[
            "azurerm_dev_test_linux_virtual_machine",
            "azurerm_dev_test_windows_virtual_machine",
        ],
        &["gallery_image_reference"],
        true,
    ),
];

/// Marks the image of `resource` unknown, saying which arguments are missing, when it is a
/// machine of [`IMAGE_ARGUMENTS`] that writes none of them (nor, for the legacy VM, attaches
/// its OS disk): IG002, never a machine listed without a judgement.
fn no_image(resource: &mut Resource) {
    let Some((_, arguments, required)) = IMAGE_ARGUMENTS
        .iter()
        .find(|(types, _, _)| types.contains(&resource.resource_type.as_str()))
    else {
        return;
    };
    let set = |path: &str| {
        let mut v = Some(&resource.body);
        for key in path.split('.') {
            v = v.and_then(|v| match &v.kind {
                Kind::Array(items) => items.first().and_then(|i| i.get(key)),
                _ => v.get(key),
            });
        }
        v.is_some_and(|v| match &v.kind {
            Kind::Null => false,
            Kind::Str(s) => !s.is_empty(),
            Kind::Array(items) => !items.is_empty(),
            _ => true,
        })
    };
    let attached = resource
        .body
        .get("storage_os_disk")
        .map(|d| match &d.kind {
            Kind::Array(items) => items.first().unwrap_or(d),
            _ => d,
        })
        .and_then(|d| d.get("create_option"))
        .is_some_and(|c| !matches!(c.as_str(), Some(s) if !s.eq_ignore_ascii_case("attach")));
    if arguments.iter().any(|a| set(a)) || (!required && attached) {
        return;
    }
    let named: Vec<String> = arguments
        .iter()
        .filter(|a| !a.contains('.'))
        .map(|a| format!("`{a}`"))
        .collect();
    let why = Why::at(
        Cause::TerraformSource(TfUnknown::NoImage {
            arguments: named.join(", "),
            required: *required,
        }),
        resource.span,
    );
    if let Kind::Object(members) = &mut resource.body.kind {
        members.retain(|(k, _)| k != arguments[0]);
        members.push((arguments[0].to_string(), Value::unknown(why)));
    }
}

/// Whether an `azapi_resource_action` (its arguments evaluated) creates the resource it
/// names: a `PUT` of a body to the resource itself (no `action`).
fn creates_a_resource(body: &Value) -> bool {
    let text = |k: &str| {
        body.get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    text("method").eq_ignore_ascii_case("PUT") && text("action").is_empty()
}

/// The attribute values of a block's `body` as a plan shows them: each argument's value,
/// each nested block a list of objects (in the order written), the blocks a `dynamic` block
/// generates among them ([`dynamic`]).
fn body_of(block: &Block<'_>, scope: &Scope<'_>, depth: usize) -> Value {
    let mut members = super::eval::Members::default();
    for (key, written) in block.arguments() {
        if depth == 0 && META.contains(&key) {
            continue;
        }
        let v = scope.eval(written);
        members.set(key.to_string(), v);
    }
    let mut blocks: Vec<(String, Vec<Value>, Option<Span>)> = Vec::new();
    let mut block_index: HashMap<String, usize> = HashMap::new();
    let mut add = |key: &str, v: Value, site: Option<Span>| match block_index.get(key) {
        Some(&i) => blocks[i].1.push(v),
        None => {
            block_index.insert(key.to_string(), blocks.len());
            blocks.push((key.to_string(), vec![v], site));
        }
    };
    // Blocks whose list is unknown (a `dynamic` block over a collection not known offline).
    let mut unknown_blocks: Vec<(String, Value)> = Vec::new();
    for (ident, block) in block.nested() {
        let file = block.file;
        if depth == 0 && META.contains(&ident) {
            continue;
        }
        if depth >= super::eval::MAX_DEPTH {
            let limit = super::eval::MAX_DEPTH;
            let v = super::eval::unknown(
                Cause::Budget(Budget::ExpressionDepth { limit }),
                at(&block, file),
            );
            add(ident, v, at(&block, file));
            continue;
        }
        if ident == "dynamic" {
            let Some(name) = block.labels.first() else {
                continue;
            };
            match dynamic(&block, scope, depth) {
                Ok(generated) => {
                    for v in generated {
                        add(name, v, at(&block, file));
                    }
                }
                Err(v) => unknown_blocks.push((name.to_string(), v)),
            }
            continue;
        }
        let mut v = body_of(&block, scope, depth + 1);
        v.origin.site = at(&block, file);
        add(ident, v, at(&block, file));
    }
    for (key, items, site) in blocks {
        members.set(key, composed(Kind::Array(items), site));
    }
    // A block list a `dynamic` block leaves unknown is unknown whatever else is written.
    for (key, v) in unknown_blocks {
        members.set(key, v);
    }
    Value::composed(members.into_kind())
}

/// The blocks the `dynamic` block `block` of `file` generates
/// (<https://developer.hashicorp.com/terraform/language/expressions/dynamic-blocks>): its
/// `content` once per element of its `for_each` (a list's in order, a map's by key), with its
/// iterator (`iterator`, else the block's label) bound to `{ key, value }`; `Err` with the
/// unknown list when `for_each` is not known offline, or not a collection.
fn dynamic(block: &Block<'_>, scope: &Scope<'_>, depth: usize) -> Result<Vec<Value>, Value> {
    let site = at(block, block.file);
    let Some(name) = block.labels.first() else {
        return Ok(Vec::new());
    };
    let Some(each) = block.written("for_each") else {
        return Err(not_evaluated("a `dynamic` block without `for_each`", site));
    };
    let content = block.body.blocks("content", block.file).into_iter().next();
    let Some(content) = content else {
        return Err(not_evaluated("a `dynamic` block without `content`", site));
    };
    // `iterator = s` in the native syntax, `"iterator": "s"` in JSON.
    let iterator = match block.written("iterator").map(|w| w.expr) {
        None => name.to_string(),
        Some(hcl_edit::expr::Expression::Variable(v)) => v.as_str().to_string(),
        Some(hcl_edit::expr::Expression::String(s)) => s.value().to_string(),
        Some(_) => return Err(not_evaluated("a `dynamic` block's `iterator`", site)),
    };
    let collection = scope.eval(each);
    let elements: Vec<(Value, Value)> = match super::eval::elements_of(collection.kind) {
        Ok(elements) => elements,
        Err(Kind::Null) => Vec::new(),
        Err(Kind::Unknown(why)) => {
            return Err(Value {
                kind: Kind::Unknown(why),
                origin: crate::value::Origin {
                    site,
                    ..Default::default()
                },
            });
        }
        Err(_) => {
            return Err(not_evaluated(
                "a `dynamic` block's `for_each` that is not a collection",
                site,
            ));
        }
    };
    let mut out = Vec::with_capacity(elements.len());
    for (key, value) in elements {
        if !scope.allowance().charge(1) {
            let limit = scope.allowance().max_steps();
            return Err(super::eval::unknown(
                Cause::Budget(Budget::Steps { limit }),
                site,
            ));
        }
        let bound = Value::composed(Kind::Object(vec![
            ("key".to_string(), key),
            ("value".to_string(), value),
        ]));
        let mark = scope.bind(iterator.clone(), bound);
        let mut v = body_of(&content, scope, depth + 1);
        scope.unbind(mark);
        v.origin.site = site;
        out.push(v);
    }
    Ok(out)
}

/// A declaration whose contents are not seen (a module call, an instance past the budget),
/// as a resource of the model.
fn stand_in(resource_type: &str, address: String, span: Span) -> Resource {
    Resource {
        resource_type: resource_type.to_string(),
        name: address.clone(),
        span,
        body: Value::composed(Kind::Object(Vec::new())),
        identity: address,
        assumption: None,
        deployed_by: Vec::new(),
        copy: None,
        deployed: None,
        unknown_name: None,
        placement: None,
    }
}
