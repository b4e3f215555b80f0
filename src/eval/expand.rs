//! Expansion: the resources a template deploys, found and evaluated the way Azure Resource
//! Manager would.
//!
//! Walks a lowered [`Template`]'s resources (child resources included), honours conditions
//! and copy loops (bounded), follows nested deployments in their inner or outer expression
//! scope and linked templates (from the [`Links`] the loading stage read before, so that
//! expansion reads no file), and evaluates the properties each image-bearing resource carries
//! into a [`Resource`] of the common model. A link whose target the loading stage has not
//! read yet is wanted ([`Expanded::wanted`]): the loading stage reads it and expands again, so
//! a link whose path is computed from a caller's parameters still resolves.

use std::rc::Rc;

use foldhash::HashSet;

use super::ir::{
    DeployedTemplate, NestedDeployment, PassedParameters, PassedValue, ResourceDecl, Template,
};
use super::links::{LinkTarget, Links};
use super::{Allowance, DeploymentScope, ParameterValues, Scope};
use crate::model::{CopyOf, Note, NoteKind, Resource, Unseen};
use crate::source::{FileId, Span};
use crate::value::cause::Budget;
use crate::value::cause::{CopyLoopProblem, DeploymentSetting};
use crate::value::{Cause, Kind, Unavailable, Value, Why};

/// Most instances judged per copy loop; those beyond are IG002 on the declaration.
const MAX_COPY_INSTANCES: i64 = 1000;
/// Deepest chain of nested and linked deployments followed.
const MAX_NESTING: usize = 16;

/// What expanding one template in one context produced.
#[derive(Debug, Default)]
pub struct Expanded {
    /// The image-bearing resources.
    pub resources: Vec<Resource>,
    /// Notes (bounds reached, links not followed).
    pub notes: Vec<Note>,
    /// Deployments whose template cannot be seen offline.
    pub unseen: Vec<Unseen>,
    /// Malformed expressions met on the way.
    pub expression_errors: Vec<(Span, Cause)>,
    /// Whether the file's allowance ran out before the walk ended: resources were left out
    /// (each context says so in `unseen`).
    pub cut: bool,
    /// The link targets the walk met, each once, in the order it first met them (those of
    /// the [`Links`] it was given and those it wanted): the loading stage reads new files in
    /// this order, the order in which reading them during the walk would have.
    pub(crate) reached: Vec<LinkTarget>,
    /// The link targets the walk met that were not in its [`Links`], in the order it met
    /// them. The deployments that link them were left out: the result is complete only when
    /// this is empty.
    pub(crate) wanted: Vec<LinkTarget>,
}

/// Expands `template` with the parameter values `supplied`, spending `allowance` (the walked
/// file's, shared with its other contexts); linked templates come from `links` (those it
/// lacks are [`Expanded::wanted`]).
pub(crate) fn expand(
    template: &Template,
    links: &Links<'_>,
    supplied: ParameterValues,
    deployment: &DeploymentScope,
    allowance: &Rc<Allowance>,
) -> Expanded {
    let scope = Scope::sharing(template, supplied, deployment.clone(), Rc::clone(allowance));
    let mut walker = Walker {
        links,
        out: Expanded::default(),
        met: HashSet::default(),
        chain: vec![template.file],
        noted_steps: false,
    };
    let top = Place {
        file: template.file,
        parent: None,
        prefix: "",
        depth: 0,
        callers: &[],
        copy: None,
    };
    walker.resources(&scope, &template.resources, top);
    walker.finish_scope(&scope, template.start);
    walker.out
}

/// The resource a child resource is declared in.
struct Parent {
    /// Its evaluated name (children's names are composed under it).
    name: String,
}

/// Where a resource declaration sits: its file, its parent resource, the identity prefix of
/// the deployments around it, how deep those are nested, and the copy loop it is an instance
/// of (its own, or that of a deployment around it).
#[derive(Clone, Copy)]
struct Place<'p> {
    file: FileId,
    parent: Option<&'p Parent>,
    prefix: &'p str,
    depth: usize,
    /// The deployments around it, innermost first (span and name).
    callers: &'p [(Span, String)],
    copy: Option<&'p CopyOf>,
}

struct Walker<'a> {
    links: &'a Links<'a>,
    out: Expanded,
    /// The link targets met so far (those of `out.reached`).
    met: HashSet<LinkTarget>,
    /// The files of the current chain of linked templates (cycle detection).
    chain: Vec<FileId>,
    /// Whether the spent step budget has been noted.
    noted_steps: bool,
}

impl Walker<'_> {
    fn note(&mut self, span: Span, kind: NoteKind) {
        self.out.notes.push(Note {
            span: Some(span),
            kind,
        });
    }

    fn resources<'s>(&mut self, scope: &Scope<'s>, decls: &'s [ResourceDecl], at: Place<'_>) {
        for decl in decls {
            self.resource(scope, decl, at);
        }
    }

    /// Whether the walk must stop: the file's allowance is spent. The first resource left out
    /// says so (an IG002 for it and those after it), once per walk.
    fn stop(&mut self, scope: &Scope<'_>, decl: &ResourceDecl, at: Place<'_>) -> bool {
        let allowance = scope.allowance();
        let budget = if allowance.resources_spent() {
            Budget::Resources {
                limit: allowance.max_resources(),
            }
        } else if allowance.steps_spent() {
            Budget::StepsLeftOut {
                limit: allowance.max_steps(),
            }
        } else {
            return false;
        };
        if !self.out.cut {
            self.out.cut = true;
            self.out.unseen.push(Unseen {
                resource: declared(decl, at),
                why: Why::at(Cause::Budget(budget), decl.span),
                property: "resources",
            });
        }
        true
    }

    fn resource<'s>(&mut self, scope: &Scope<'s>, decl: &'s ResourceDecl, at: Place<'_>) {
        if self.stop(scope, decl, at) {
            return;
        }
        match &decl.copy {
            None => self.instance(scope, decl, at),
            Some(copy) => {
                let count = copy.count.as_ref().map(|c| scope.eval_node(c));
                let n = match count {
                    Some(Value {
                        kind: Kind::Int(n), ..
                    }) => n,
                    // A count not known offline: one instance stands for all of them, with an
                    // unknown index, so whatever depends on the index (its image, its
                    // condition) is unknown and says why, and the rest is judged.
                    count => {
                        let why = unknown_count(count, &copy.name, decl.span);
                        let any = scope.with_unknown_copy_index(&copy.name, why);
                        let of = CopyOf {
                            name: copy.name.as_str().to_owned(),
                            count: None,
                        };
                        let at = Place {
                            copy: Some(&of),
                            ..at
                        };
                        self.instance(&any, decl, at);
                        return;
                    }
                };
                if n > MAX_COPY_INSTANCES {
                    // The instances beyond the budget are not judged: said, never passed.
                    let budget = Budget::ResourceInstances {
                        name: copy.name.as_str().to_owned(),
                        count: n,
                        judged: MAX_COPY_INSTANCES,
                    };
                    let why = Why::at(
                        Cause::Budget(budget),
                        copy.count.as_ref().map_or(decl.span, |c| c.span),
                    );
                    let me = declared(decl, at);
                    self.out.unseen.push(Unseen {
                        resource: me,
                        why,
                        property: "copy",
                    });
                }
                let of = CopyOf {
                    name: copy.name.as_str().to_owned(),
                    count: Some(n.max(0)),
                };
                let at = Place {
                    copy: Some(&of),
                    ..at
                };
                for i in 0..n.clamp(0, MAX_COPY_INSTANCES) {
                    let inner = scope.with_copy_index(&copy.name, i);
                    self.instance(&inner, decl, at);
                }
            }
        }
    }

    fn instance<'s>(&mut self, scope: &Scope<'s>, decl: &'s ResourceDecl, at: Place<'_>) {
        // Every instance costs a step, whether or not it has anything to evaluate: loops of
        // deployments of loops are charged for each instance they walk.
        if !scope.allowance().charge(1) && self.stop(scope, decl, at) {
            return;
        }
        let Place {
            file,
            parent,
            prefix,
            callers,
            ..
        } = at;
        // A false condition leaves this resource (and what it deploys) out, not its child
        // resources: "Condition doesn't cascade to child resources" (ARM docs, "Conditional
        // deployment in ARM templates").
        let deployed = decl
            .condition
            .as_ref()
            .is_none_or(|c| scope.eval_node(c).kind != Kind::Bool(false));
        let name_value = decl.name.as_ref().map(|n| scope.eval_node(n));
        let evaluated_name = name_value
            .as_ref()
            .filter(|v| !v.has_unknown())
            .map(Value::display);
        let name = compose_name(
            parent,
            evaluated_name.as_deref().unwrap_or(&decl.written_name),
        );
        let identity = match &decl.symbol {
            Some(s) => format!("{prefix}{s}"),
            None => format!("{prefix}{}/{}", decl.resource_type, decl.written_name),
        };
        if let Some(body) = decl.body.as_ref().filter(|_| deployed) {
            if !scope.allowance().take_resource() {
                self.stop(scope, decl, at);
                return;
            }
            self.out.resources.push(Resource {
                resource_type: decl.resource_type.as_str().to_owned(),
                name: clip(&name),
                span: decl.span,
                body: scope.eval_node(body),
                identity: identity.clone(),
                assumption: None,
                deployed_by: callers.to_vec(),
                copy: at.copy.cloned(),
                deployed: None,
            });
        }
        let deploying = decl.deployment.as_ref().filter(|_| deployed).map(|d| {
            let me = Resource {
                resource_type: decl.resource_type.as_str().to_owned(),
                name: clip(&name),
                span: decl.span,
                body: Value::composed(Kind::Null),
                identity: identity.clone(),
                assumption: None,
                deployed_by: callers.to_vec(),
                copy: at.copy.cloned(),
                deployed: None,
            };
            (d, me)
        });
        if let Some(children) = &decl.children {
            let me = Parent { name };
            let child = Place {
                parent: Some(&me),
                ..at
            };
            self.resources(scope, children, child);
        }
        if let Some((deployment, me)) = deploying {
            self.deployment(scope, file, deployment, me, at);
        }
    }

    /// Collects a finished scope's expression errors, and notes an exhausted step budget once
    /// (the images that needed more work are unknown, and say so).
    fn finish_scope(&mut self, scope: &Scope<'_>, span: Span) {
        self.out.expression_errors.extend(scope.take_errors());
        let allowance = scope.allowance();
        if allowance.steps_spent() && !self.noted_steps {
            self.noted_steps = true;
            let steps = allowance.max_steps();
            self.note(span, NoteKind::StepBudgetExhausted { steps });
        }
    }

    /// Says that what the deployment `me` deploys cannot be seen, and why (located at
    /// `at`, else at the deployment).
    fn unseen(&mut self, me: Resource, why: Unavailable, at: Option<Span>) {
        let why = Why::at(Cause::TemplateNotAvailable(why), at.unwrap_or(me.span));
        self.out.unseen.push(Unseen {
            resource: me,
            why,
            property: "properties.template",
        });
    }

    /// Follows a nested (inline) or linked deployment, the resource `me`.
    fn deployment<'s>(
        &mut self,
        scope: &Scope<'s>,
        file: FileId,
        deployment: &'s NestedDeployment,
        me: Resource,
        at: Place<'_>,
    ) {
        let span = me.span;
        let depth = at.depth;
        // What it deploys is deployed through it, then through its own callers.
        let callers: Vec<(Span, String)> = std::iter::once((span, me.name.clone()))
            .chain(at.callers.iter().cloned())
            .collect();
        if depth >= MAX_NESTING {
            let levels = MAX_NESTING;
            self.unseen(me, Unavailable::TooDeep { levels }, None);
            return;
        }
        if let Some(link) = &deployment.parameters_link {
            let uri = clip(&scope.eval_node(link).display());
            self.unseen(me, Unavailable::ParametersLink { uri }, Some(link.span));
            return;
        }
        let prefix = format!("{}>", me.identity);
        let copy = me.copy.clone();
        let copy = copy.as_ref();
        let target = match &deployment.template {
            DeployedTemplate::Empty | DeployedTemplate::Missing => return,
            DeployedTemplate::Expression(node) => {
                self.unseen(me, Unavailable::Expression, Some(node.span));
                return;
            }
            DeployedTemplate::Inline(template) => {
                if deployment.inner_scope {
                    let supplied = passed_parameters(scope, deployment);
                    let inner = inner_scope(scope, template, supplied, deployment);
                    self.resources(
                        &inner,
                        &template.resources,
                        nested(file, &prefix, depth, &callers, copy),
                    );
                    self.finish_scope(&inner, span);
                } else {
                    // Outer scope: the nested template's expressions see the parent's
                    // parameters and variables.
                    self.resources(
                        scope,
                        &template.resources,
                        nested(file, &prefix, depth, &callers, copy),
                    );
                }
                return;
            }
            DeployedTemplate::RelativePath(node) => {
                let relative = scope.eval_node(node);
                let Some(relative) = relative.as_str() else {
                    // Blame what the path depends on, when something does.
                    let why = match relative.first_unknown() {
                        Some(why) => why.clone(),
                        None => Why::at(
                            Cause::TemplateNotAvailable(Unavailable::PathUnknown),
                            node.span,
                        ),
                    };
                    self.out.unseen.push(Unseen {
                        resource: me,
                        why,
                        property: "properties.templateLink.relativePath",
                    });
                    return;
                };
                LinkTarget::Relative {
                    from: file,
                    path: relative.to_string(),
                }
            }
            DeployedTemplate::Uri(node) => {
                let uri = scope.eval_node(node);
                match self.links.uri(&uri) {
                    Some(target) => target,
                    None => {
                        let uri = clip(&uri.display());
                        self.unseen(me, Unavailable::Uri { uri }, Some(node.span));
                        return;
                    }
                }
            }
            DeployedTemplate::Registry(node) => {
                let reference = scope.eval_node(node);
                match self
                    .links
                    .spec(&reference)
                    .or_else(|| self.links.uri(&reference))
                {
                    Some(target) => target,
                    None => {
                        let reference = clip(&reference.display());
                        self.unseen(me, Unavailable::Registry { reference }, Some(node.span));
                        return;
                    }
                }
            }
            DeployedTemplate::Spec(node) => {
                let id = scope.eval_node(node);
                match self.links.spec(&id) {
                    Some(target) => target,
                    None => {
                        let id = clip(&id.display());
                        self.unseen(me, Unavailable::Spec { id }, Some(node.span));
                        return;
                    }
                }
            }
        };
        let first = self.met.insert(target.clone());
        if first {
            self.out.reached.push(target.clone());
        }
        let links = self.links;
        let Some(linked) = links.get(&target) else {
            if let Some(refusal) = links.missing() {
                // The loading stage reads no more.
                let relative = match &target {
                    LinkTarget::Relative { path, .. } => path.clone(),
                    LinkTarget::Local { path } => path.display().to_string(),
                };
                let refusal = refusal.clone();
                self.unseen(me, Unavailable::Refused { relative, refusal }, None);
            } else if first {
                // Not read yet: the loading stage reads it and expands again.
                self.out.wanted.push(target);
            }
            return;
        };
        let relative = linked.shown.as_str();
        match &linked.template {
            Ok((target, template)) => {
                let target = *target;
                if self.chain.contains(&target) {
                    self.note(
                        span,
                        NoteKind::LinkCycle {
                            relative: relative.to_owned(),
                        },
                    );
                    return;
                }
                if !template.has_resources {
                    return;
                }
                let supplied = passed_parameters(scope, deployment);
                let inner = inner_scope(scope, template, supplied, deployment);
                self.chain.push(target);
                self.resources(
                    &inner,
                    &template.resources,
                    nested(target, &prefix, depth, &callers, copy),
                );
                self.chain.pop();
                self.finish_scope(&inner, span);
            }
            Err(refusal) => {
                let relative = relative.to_owned();
                let refusal = refusal.clone();
                self.unseen(me, Unavailable::Refused { relative, refusal }, None);
            }
        }
    }
}

/// The scope of a nested deployment's own expressions (inner scope, and linked templates),
/// spending the caller's allowance.
fn inner_scope<'t>(
    caller: &Scope<'_>,
    template: &'t Template,
    supplied: ParameterValues<'t>,
    deployment: &NestedDeployment,
) -> Scope<'t> {
    Scope::sharing(
        template,
        supplied,
        target_scope(caller, deployment),
        Rc::clone(caller.allowance()),
    )
}

/// The deployment scope a nested deployment's own expressions see (inner scope, and linked
/// templates): its `subscriptionId` and `resourceGroup` when it names them, else the deploying
/// template's. "For a nested template with inner scope or a linked template, subscription()
/// and resourceGroup() return the scope the template is deployed to" (ARM docs, "Scope
/// functions for ARM templates"). A target named by an expression not known offline is
/// unknown; so is the location of a resource group other than the deploying one.
fn target_scope(scope: &Scope<'_>, deployment: &NestedDeployment) -> DeploymentScope {
    let mut target = scope.deployment().clone();
    let mut elsewhere = false;
    for (node, setting) in [
        (&deployment.subscription, DeploymentSetting::Subscription),
        (&deployment.resource_group, DeploymentSetting::ResourceGroup),
    ] {
        let Some(node) = node else { continue };
        let value = scope.eval_node(node);
        let slot = match setting {
            DeploymentSetting::Subscription => &mut target.subscription_id,
            _ => &mut target.resource_group,
        };
        let known = value.as_str().map(str::to_owned);
        let same = matches!((&known, &*slot), (Some(a), Some(b)) if a.eq_ignore_ascii_case(b));
        elsewhere |= !same;
        *slot = known;
        target.unknown.retain(|(s, _)| *s != setting);
        if slot.is_none() {
            let why = value
                .first_unknown()
                .cloned()
                .unwrap_or_else(|| Why::at(Cause::UnsetDeploymentSetting(setting), node.span));
            target.unknown.push((setting, why));
        }
    }
    if elsewhere {
        // Another resource group's location is not the deploying one's.
        target.location = None;
        target
            .unknown
            .retain(|(s, _)| *s != DeploymentSetting::Location);
        let span = deployment
            .resource_group
            .as_ref()
            .or(deployment.subscription.as_ref())
            .map(|n| n.span);
        let why = match span {
            Some(span) => Why::at(Cause::TargetGroupLocation, span),
            None => Why::new(Cause::TargetGroupLocation),
        };
        target.unknown.push((DeploymentSetting::Location, why));
    }
    target
}

/// The parameters a deployment passes to its template. Each value is evaluated in the
/// caller's scope when the template first reads it.
fn passed_parameters<'s>(
    scope: &Scope<'s>,
    deployment: &'s NestedDeployment,
) -> ParameterValues<'s> {
    let mut supplied = ParameterValues::new();
    match &deployment.parameters {
        None => {}
        Some(PassedParameters::Each(entries)) => {
            for (name, passed) in entries {
                match passed {
                    PassedValue::Value(node) => supplied.insert_deferred(name, node, scope),
                    PassedValue::KeyVault(span) => supplied.insert_key_vault(name, *span),
                    PassedValue::Entry(node) => {
                        let entry: Value = scope.eval_node(node);
                        match &entry.kind {
                            Kind::Unknown(_) => supplied.insert(name, entry),
                            _ if entry.get("value").is_some() => {
                                if let Some(v) = entry.get("value") {
                                    supplied.insert(name, v.clone());
                                }
                            }
                            _ if entry.get("reference").is_some() => {
                                supplied.insert_key_vault(name, node.span)
                            }
                            _ => {}
                        }
                    }
                    PassedValue::Nothing => {}
                }
            }
        }
        Some(PassedParameters::Whole(node)) => {
            // One expression: each known member becomes a value.
            let value: Value = scope.eval_node(node);
            if let Kind::Object(members) = value.kind {
                for (key, entry) in members {
                    if let Some(v) = entry.get("value") {
                        supplied.insert(&key, v.clone());
                    }
                }
            }
        }
    }
    supplied
}

/// Why a copy loop's count (evaluated as `count`, or missing) gives no number of instances.
fn unknown_count(count: Option<Value>, name: &str, span: Span) -> Why {
    let problem = |problem| {
        Why::at(
            Cause::CopyLoop {
                name: name.to_owned(),
                problem,
            },
            span,
        )
    };
    match count {
        None => problem(CopyLoopProblem::NoCount),
        Some(count) => match count.first_unknown() {
            Some(why) => why.clone(),
            None => problem(CopyLoopProblem::CountNotInteger),
        },
    }
}

/// The place of the resources of a deployment nested at `depth`, deployed through `callers`,
/// an instance of `copy`.
fn nested<'p>(
    file: FileId,
    prefix: &'p str,
    depth: usize,
    callers: &'p [(Span, String)],
    copy: Option<&'p CopyOf>,
) -> Place<'p> {
    Place {
        file,
        parent: None,
        prefix,
        depth: depth + 1,
        callers,
        copy,
    }
}

/// The declaration `decl` at `at` as a resource of the model, named as written (for what is
/// said about it as a whole).
fn declared(decl: &ResourceDecl, at: Place<'_>) -> Resource {
    let identity = match &decl.symbol {
        Some(s) => format!("{}{s}", at.prefix),
        None => format!("{}{}/{}", at.prefix, decl.resource_type, decl.written_name),
    };
    Resource {
        resource_type: decl.resource_type.as_str().to_owned(),
        name: clip(&compose_name(at.parent, &decl.written_name)),
        span: decl.span,
        body: Value::composed(Kind::Null),
        identity,
        assumption: None,
        deployed_by: at.callers.to_vec(),
        copy: at.copy.cloned(),
        deployed: None,
    }
}

/// A child resource's full name: its name under its parent's, as Azure composes it.
fn compose_name(parent: Option<&Parent>, name: &str) -> String {
    match parent {
        Some(parent) if !name.contains('/') => format!("{}/{name}", parent.name),
        _ => name.to_string(),
    }
}

/// Shortens long text for messages.
fn clip(s: &str) -> String {
    const MAX: usize = 120;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(MAX).collect();
        out.push('…');
        out
    }
}
