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

use foldhash::{HashMap, HashSet};

use super::ir::{
    CacheLookup, Catalogued, DeployedTemplate, NestedDeployment, Node, PassedParameters,
    PassedValue, RegistryModule, ResourceDecl, Template,
};
use super::links::{LinkTarget, Links};
use super::ops::{Tri, equals};
use super::scope::Defaulted;
use super::{Allowance, DeploymentScope, ParameterValues, Scope};
use crate::model::{
    Assumption, CopyOf, Latent, Note, NoteKind, Placed, Placement, Resource, Unseen,
};
use crate::source::{FileId, Span};
use crate::value::cause::{Budget, ModuleCache, UnknownVersion, UntracedModule};
use crate::value::cause::{CopyLoopProblem, DeploymentSetting};
use crate::value::{Cause, Kind, LinkRefusal, Unavailable, Value, Why};

/// Most instances judged per copy loop; those beyond are IG002 on the declaration.
const MAX_COPY_INSTANCES: i64 = 1000;
/// Deepest chain of nested and linked deployments followed.
const MAX_NESTING: usize = 16;
/// Most evaluations of one condition under other parameter values, to decide whether and how
/// a deployer deploys what it leaves out; past them it is judged with those parameters
/// unknown (said so), never dropped.
const MAX_PROBES: usize = 64;
/// Most evaluations of conditions under other parameter values in one expansion; past them
/// each further condition false under the defaults is judged with its parameters unknown.
const MAX_WALK_PROBES: usize = 4096;
/// Most evaluations of one condition with its parameters unknown, each after it read another
/// parameter at its default: past them what it leaves out is judged so.
const MAX_UNKNOWN_ROUNDS: usize = 8;

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
    /// The link targets of `reached` met only through deployments left out by conditions
    /// false under parameter defaults (latent): read and judged here, their files are still
    /// judged on their own too.
    pub(crate) latent_only: Vec<LinkTarget>,
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
    latent: bool,
) -> Expanded {
    let scope = Scope::sharing(template, supplied, deployment.clone(), Rc::clone(allowance));
    let mut walker = Walker {
        latent,
        links,
        out: Expanded::default(),
        met: HashSet::default(),
        met_deployed: HashSet::default(),
        chain: vec![template.file],
        noted_steps: false,
        probes: MAX_WALK_PROBES,
        may_deploy: HashMap::default(),
    };
    let top = Place {
        file: template.file,
        parent: None,
        prefix: "",
        depth: 0,
        callers: &[],
        copy: None,
        latent: None,
    };
    walker.resources(&scope, &template.resources, top);
    walker.finish_scope(&scope, template.start);
    let mut out = walker.out;
    out.latent_only = out
        .reached
        .iter()
        .filter(|t| !walker.met_deployed.contains(*t))
        .cloned()
        .collect();
    out
}

/// The resource a child resource is declared in.
struct Parent {
    /// Its evaluated name (children's names are composed under it).
    name: String,
    /// Its name as its [`Placement`] says it (children's are composed under it).
    placed: Vec<Placed>,
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
    /// When a deployment around it is left out by conditions false under parameter
    /// defaults a deployer can change: what would deploy it.
    latent: Option<&'p Latent>,
}

struct Walker<'a> {
    /// Whether what a condition a deployer can flip leaves out is judged (`[judge] latent`
    /// not `"off"`).
    latent: bool,
    links: &'a Links<'a>,
    out: Expanded,
    /// The link targets met so far (those of `out.reached`).
    met: HashSet<LinkTarget>,
    /// The link targets met through deployments that the parameter values given deploy
    /// (not latent).
    met_deployed: HashSet<LinkTarget>,
    /// The files of the current chain of linked templates (cycle detection).
    chain: Vec<FileId>,
    /// Whether the spent step budget has been noted.
    noted_steps: bool,
    /// How many more evaluations of conditions under other parameter values this walk may
    /// spend ([`MAX_WALK_PROBES`]).
    probes: usize,
    /// Whether each deployment declaration met under a false condition may deploy an
    /// image ([`Walker::may_deploy_images`]), by address (declarations outlive the walk).
    may_deploy: HashMap<*const ResourceDecl, bool>,
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
        // A false condition leaves this resource (and what it deploys) out, not its child
        // resources: "Condition doesn't cascade to child resources" (ARM docs, "Conditional
        // deployment in ARM templates"). Unless it is false only under parameter defaults a
        // deployer can change: the resource is then judged under values that deploy it.
        let mut latent: Option<(Scope<'s>, Latent)> = None;
        let deployed = match &decl.condition {
            None => true,
            Some(condition) => {
                let (value, defaults) = scope.eval_tracked(condition);
                if value.kind != Kind::Bool(false) {
                    true
                } else if !self.latent || !self.may_deploy_images(decl, at.depth) {
                    // Nothing of it would be judged (its children are walked either way).
                    false
                } else {
                    latent = self.latent(scope, condition, &defaults, at.latent);
                    latent.is_some()
                }
            }
        };
        let Place {
            file,
            parent,
            prefix,
            callers,
            ..
        } = at;
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
        let placed = placed_name(parent, name_value.as_ref(), decl);
        // The scope this resource (not its children) is evaluated in, and its own name there.
        let (here, own_name, own_placed, latent_at) = match &latent {
            Some((probe, why)) => {
                let value = decl.name.as_ref().map(|n| probe.eval_node(n));
                let evaluated = value
                    .as_ref()
                    .filter(|v| !v.has_unknown())
                    .map(|v| v.display());
                let own = compose_name(parent, evaluated.as_deref().unwrap_or(&decl.written_name));
                let own_placed = placed_name(parent, value.as_ref(), decl);
                (probe, own, own_placed, Some(why))
            }
            None => (scope, name.clone(), placed.clone(), at.latent),
        };
        let (subscription, resource_group) = placed_scope(here.deployment());
        let placement = Placement {
            subscription,
            resource_group,
            name: own_placed,
        };
        let assumption = latent_at.map(|why| Assumption {
            value: None,
            latent: Some(why.clone()),
        });
        let at_here = Place {
            latent: latent_at,
            ..at
        };
        // A resource entry holds the names of the deployments around it: their bytes are
        // charged, as copies are.
        let entry_steps = callers
            .iter()
            .map(|(_, name)| 1 + name.len() as u64 / 16)
            .sum::<u64>();
        if let Some(body) = decl.body.as_ref().filter(|_| deployed) {
            let taken = here.allowance().take_resource() && here.allowance().charge(entry_steps);
            if !taken && self.stop(here, decl, at_here) {
                return;
            }
            self.out.resources.push(Resource {
                resource_type: decl.resource_type.as_str().to_owned(),
                name: clip(&own_name),
                span: decl.span,
                body: here.eval_node(body),
                identity: identity.clone(),
                assumption: assumption.clone(),
                deployed_by: callers.to_vec(),
                copy: at.copy.cloned(),
                deployed: None,
                placement: Some(Box::new(placement.clone())),
            });
        }
        let deploying = decl.deployment.as_ref().filter(|_| deployed).map(|d| {
            let me = Resource {
                resource_type: decl.resource_type.as_str().to_owned(),
                name: clip(&own_name),
                span: decl.span,
                body: Value::composed(Kind::Null),
                identity: identity.clone(),
                assumption,
                deployed_by: callers.to_vec(),
                copy: at.copy.cloned(),
                deployed: None,
                placement: Some(Box::new(placement)),
            };
            (d, me)
        });
        if let Some(children) = &decl.children {
            let me = Parent { name, placed };
            let child = Place {
                parent: Some(&me),
                ..at
            };
            self.resources(scope, children, child);
        }
        if let Some((deployment, me)) = deploying {
            // Each instance of a deployment (nested, linked, a module) is a resource of the
            // file: it takes one of the file's resources whatever it deploys, so that
            // templates deploying each other several times over (3^20 instances from 21
            // files) stop at the file's budget, said as an IG002, not after gigabytes.
            let taken = here.allowance().take_resource() && here.allowance().charge(entry_steps);
            if !taken && self.stop(here, decl, at_here) {
                return;
            }
            self.deployment(here, file, deployment, me, at_here);
        }
        if let Some((probe, _)) = &latent {
            self.finish_scope(probe, decl.span);
        }
    }

    /// Whether `decl` (`depth` deployments deep) carries an image or may
    /// deploy something that does: what a condition leaving it out could hide. Read from the
    /// declarations, without evaluating anything, once per declaration: an inline template is
    /// looked into; a linked one may (it is walked, and said to be unseen if it cannot be
    /// read).
    fn may_deploy_images(&mut self, decl: &ResourceDecl, depth: usize) -> bool {
        if decl.body.is_some() {
            return true;
        }
        let Some(deployment) = &decl.deployment else {
            return false;
        };
        let key: *const ResourceDecl = decl;
        if let Some(&known) = self.may_deploy.get(&key) {
            return known;
        }
        // A linked template is walked (looking into it only when it is read would decide
        // differently before and after the loading stage reads it).
        let template = match &deployment.template {
            DeployedTemplate::Empty | DeployedTemplate::Missing => None,
            DeployedTemplate::Inline(template) => Some(&**template),
            _ => return true,
        };
        let may = match template {
            None => false,
            _ if depth >= MAX_NESTING => true,
            Some(template) => {
                // Everything in a deployment left out is: its resources' children too.
                let mut stack: Vec<&ResourceDecl> = template.resources.iter().collect();
                let mut may = false;
                while let Some(inner) = stack.pop() {
                    if self.may_deploy_images(inner, depth + 1) {
                        may = true;
                        break;
                    }
                    stack.extend(inner.children.iter().flatten());
                }
                may
            }
        };
        self.may_deploy.insert(key, may);
        may
    }

    /// Whether a resource whose `condition` is false in `scope` is left out only under
    /// parameter defaults a deployer can change (`defaults`: the deployed template's
    /// parameters the condition read at their defaults), inside deployments left out so
    /// (`around`): if so, a scope assuming values that deploy it, and what would deploy it.
    ///
    /// Each parameter with another allowed value (a bool's other value; any value, unknown,
    /// for one without allowed values) is tried alone, then two at a time; a parameter read
    /// only under another value (`and(a, b)` reads `b` only when `a` holds) joins those
    /// tried. When no value of one or two parameters deploys it, nothing does. With more
    /// parameters, or past [`MAX_PROBES`], the condition is evaluated with all of them
    /// unknown: false, it is false whatever a deployer passes; otherwise the resource is
    /// judged so, and says it.
    fn latent<'s>(
        &mut self,
        scope: &Scope<'s>,
        condition: &Node,
        defaults: &[Rc<str>],
        around: Option<&Latent>,
    ) -> Option<(Scope<'s>, Latent)> {
        let mut open: Vec<Open> = Vec::new();
        if !grow(scope, &mut open, defaults) {
            return None;
        }
        let latent = |probe: Scope<'s>, clause: String| {
            Some((probe, nested_latent(around, clause, condition.span)))
        };
        // The condition with `assumed`: the scope, whether it deploys, and the parameters it
        // read at their defaults.
        let try_with = |walker: &mut Self, assumed: &[(Rc<str>, Value)]| {
            walker.probes = walker.probes.saturating_sub(1);
            let probe = scope.assuming(assumed);
            let (value, read) = probe.eval_tracked(condition);
            let deploys = value.kind != Kind::Bool(false);
            (probe, deploys, read)
        };
        let mut tried = 0usize;
        let mut capped = self.probes == 0;
        // One parameter at a time, each of its other values.
        let mut i = 0;
        'single: while i < open.len() && !capped {
            let key = Rc::clone(&open[i].key);
            // The first scope that deploys it, and the parameters it read at their defaults.
            let mut found: Option<(Scope<'s>, Vec<Rc<str>>)> = None;
            let mut values: Vec<Value> = Vec::new();
            for j in 0..open[i].others.len() {
                if tried == MAX_PROBES || self.probes == 0 {
                    capped = true;
                    break 'single;
                }
                tried += 1;
                let value = open[i].others[j].clone();
                let (probe, deploys, read) = try_with(self, &[(Rc::clone(&key), value.clone())]);
                grow(scope, &mut open, &read);
                if deploys {
                    found.get_or_insert((probe, read));
                    values.push(value);
                }
            }
            if let Some((probe, read)) = found {
                let parameter = &open[i].parameter;
                let default = shown(&parameter.default);
                let is = match values.as_slice() {
                    [v] if matches!(v.kind, Kind::Unknown(_)) => {
                        format!("is not its default ({default})")
                    }
                    _ => {
                        let values: Vec<String> = values.iter().map(shown).collect();
                        format!("is {} (its default is {default})", values.join(" or "))
                    }
                };
                // Only: nothing else it reads a deployer can change.
                let only = if open.len() == 1 { "only " } else { "" };
                let mut clause = format!("deployed {only}when parameter '{}' {is}", parameter.name);
                // The others it read stay as they are.
                let kept: Vec<String> = open
                    .iter()
                    .filter(|o| o.key != key && read.contains(&o.key))
                    .map(|o| {
                        format!(
                            "parameter '{}' keeps its default ({})",
                            o.parameter.name,
                            shown(&o.parameter.default)
                        )
                    })
                    .collect();
                if !kept.is_empty() {
                    clause = format!("{clause} and {}", and_list(&kept));
                }
                return latent(probe, clause);
            }
            i += 1;
        }
        // Two at a time.
        let mut a = 0;
        'pairs: while a < open.len() && !capped {
            for b in a + 1..open.len() {
                for x in 0..open[a].others.len() {
                    for y in 0..open[b].others.len() {
                        if tried == MAX_PROBES || self.probes == 0 {
                            capped = true;
                            break 'pairs;
                        }
                        tried += 1;
                        let (pa, pb) = (&open[a], &open[b]);
                        let assumed = [
                            (Rc::clone(&pa.key), pa.others[x].clone()),
                            (Rc::clone(&pb.key), pb.others[y].clone()),
                        ];
                        let (probe, deploys, read) = try_with(self, &assumed);
                        if deploys {
                            let clause = format!(
                                "deployed when parameter '{}' {} and parameter '{}' {} (their defaults are {} and {})",
                                pa.parameter.name,
                                taking(&assumed[0].1),
                                pb.parameter.name,
                                taking(&assumed[1].1),
                                shown(&pa.parameter.default),
                                shown(&pb.parameter.default),
                            );
                            return latent(probe, clause);
                        }
                        grow(scope, &mut open, &read);
                    }
                }
            }
            a += 1;
        }
        if !capped && open.len() <= 2 {
            // Every value of the one or two parameters it reads was tried: none deploys it.
            return None;
        }
        // Not decided: every parameter it reads unknown, until it reads no other.
        let mut rounds = 0;
        loop {
            let unknown: Vec<(Rc<str>, Value)> = open
                .iter()
                .map(|o| (Rc::clone(&o.key), deployer_value(&o.parameter)))
                .collect();
            let (probe, deploys, read) = try_with(self, &unknown);
            rounds += 1;
            let grew = grow(scope, &mut open, &read);
            if !deploys && !grew {
                // False whatever a deployer passes.
                return None;
            }
            if deploys || rounds == MAX_UNKNOWN_ROUNDS {
                let names: Vec<String> = open
                    .iter()
                    .map(|o| format!("'{}'", o.parameter.name))
                    .collect();
                let parameters = match names.len() {
                    1 => "parameter",
                    _ => "parameters",
                };
                let clause = format!(
                    "deployed only for values of {parameters} {} other than the defaults, which imagegate did not decide (judged with them unknown)",
                    and_list(&names)
                );
                return latent(probe, clause);
            }
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
                    let place = nested(file, &prefix, depth, &callers, copy, at.latent);
                    self.inner(scope, template, deployment, place, span);
                } else {
                    // Outer scope: the nested template's expressions see the parent's
                    // parameters and variables.
                    self.resources(
                        scope,
                        &template.resources,
                        nested(file, &prefix, depth, &callers, copy, at.latent),
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
            DeployedTemplate::Registry(module) => {
                let written = scope.eval_node(&module.written);
                match self
                    .registry_target(&written, module, at.latent.is_none())
                    .map_err(|e| *e)
                {
                    Ok(target) => target,
                    Err(Err(why)) => {
                        self.unseen(me, why, Some(module.written.span));
                        return;
                    }
                    Err(Ok(cache)) => {
                        // Neither `[links]` nor the module cache gives it: the catalogue's
                        // verdict, when it knows the module.
                        let reference = clip(&written.display());
                        let why = match &module.catalogued {
                            None => Unavailable::Registry {
                                reference,
                                cache: Some(Box::new(cache)),
                            },
                            Some(Catalogued::NoImages) => return,
                            Some(Catalogued::Images(template)) => {
                                let place = nested(file, &prefix, depth, &callers, copy, at.latent);
                                self.inner(scope, template, deployment, place, span);
                                return;
                            }
                            Some(Catalogued::UnknownVersion {
                                module: name,
                                version,
                                known,
                            }) => Unavailable::RegistryVersion(Box::new(UnknownVersion {
                                reference,
                                module: name.to_string(),
                                version: version.to_string(),
                                known: known.to_string(),
                                cache,
                            })),
                            Some(Catalogued::Untraced {
                                module: name,
                                version,
                            }) => Unavailable::RegistryUntraced(Box::new(UntracedModule {
                                reference,
                                module: name.to_string(),
                                version: version.to_string(),
                                cache,
                            })),
                        };
                        self.unseen(me, why, Some(module.written.span));
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
        let first = self.meet(&target, at.latent.is_none());
        let links = self.links;
        let Some(linked) = links.get(&target) else {
            if let Some(refusal) = links.missing() {
                // The loading stage reads no more.
                let relative = match &target {
                    LinkTarget::Relative { path, .. } => path.clone(),
                    LinkTarget::Local { path } | LinkTarget::Cached { path, .. } => {
                        path.display().to_string()
                    }
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
                    nested(target, &prefix, depth, &callers, copy, at.latent),
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

impl Walker<'_> {
    /// Records that the walk met the link target `target` (through a deployment the
    /// parameter values deploy, when `deployed`); whether it is the first time.
    fn meet(&mut self, target: &LinkTarget, deployed: bool) -> bool {
        let first = self.met.insert(target.clone());
        if first {
            self.out.reached.push(target.clone());
        }
        if deployed {
            self.met_deployed.insert(target.clone());
        }
        first
    }

    /// Deploys `template` in its own (inner) scope, with the parameters `deployment` passes,
    /// at `place`: an inline nested template, or what stands for a registry module.
    fn inner<'s>(
        &mut self,
        scope: &Scope<'s>,
        template: &'s Template,
        deployment: &'s NestedDeployment,
        place: Place<'_>,
        span: Span,
    ) {
        let supplied = passed_parameters(scope, deployment);
        let inner = inner_scope(scope, template, supplied, deployment);
        self.resources(&inner, &template.resources, place);
        self.finish_scope(&inner, span);
    }

    /// The local template the registry module `module` (its reference as written evaluates
    /// to `written`) leads to: what `[links]` maps it to, else its file in the Bicep module
    /// cache when the loading stage read it there or has yet to look. Otherwise why not: the
    /// reference leads to no module (`Err(Err(_))`), or what the cache gave (`Err(Ok(_))`),
    /// for the catalogue's verdict. `deployed`: met through a deployment the parameter
    /// values deploy.
    fn registry_target(
        &mut self,
        written: &Value,
        module: &RegistryModule,
        deployed: bool,
    ) -> Result<LinkTarget, Box<Result<ModuleCache, Unavailable>>> {
        if let Some(target) = self.links.registry(written, module) {
            return Ok(target);
        }
        let resolved = match &module.resolved {
            Ok(resolved) => resolved,
            Err(why) => return Err(Box::new(Err(why.clone()))),
        };
        let (root, path, spec, shown) = match &resolved.cache {
            CacheLookup::File {
                root,
                path,
                spec,
                shown,
            } => (root, path, *spec, shown),
            CacheLookup::Not(cache) => return Err(Box::new(Ok(cache.clone()))),
        };
        let target = LinkTarget::Cached {
            root: root.clone(),
            path: path.clone(),
            spec,
        };
        let refusal = match self.links.get(&target).map(|l| &l.template) {
            // Read, or not looked for yet (wanted): followed.
            Some(Ok(_)) | None => return Ok(target),
            Some(Err(refusal)) => refusal.clone(),
        };
        // Met, so that the loading stage keeps in its place what it read for it.
        self.meet(&target, deployed);
        let path = shown.to_string();
        Err(Box::new(Ok(match refusal {
            LinkRefusal::NotFound => ModuleCache::Missing { path },
            refusal => ModuleCache::Refused { path, refusal },
        })))
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
    caller.deploying(template, supplied, target_scope(caller, deployment))
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
/// an instance of `copy`, latent when the deployment is.
fn nested<'p>(
    file: FileId,
    prefix: &'p str,
    depth: usize,
    callers: &'p [(Span, String)],
    copy: Option<&'p CopyOf>,
    latent: Option<&'p Latent>,
) -> Place<'p> {
    Place {
        file,
        parent: None,
        prefix,
        depth: depth + 1,
        callers,
        copy,
        latent,
    }
}

/// A parameter of the deployed template that a condition read at its default, and the other
/// values a deployer can pass for it.
struct Open {
    /// Its lower-case name.
    key: Rc<str>,
    /// What it is.
    parameter: Rc<Defaulted>,
    /// Its other values ([`other_values`]): never empty.
    others: Vec<Value>,
}

/// Adds to `open` the parameters of `read` (read at their defaults in `scope`'s evaluation)
/// that a deployer can pass other values for, each once; whether any was added.
fn grow(scope: &Scope<'_>, open: &mut Vec<Open>, read: &[Rc<str>]) -> bool {
    let mut grew = false;
    for key in read {
        if open.iter().any(|o| o.key == *key) {
            continue;
        }
        let Some(parameter) = scope.defaulted(key) else {
            continue;
        };
        let others = other_values(&parameter);
        if !others.is_empty() {
            open.push(Open {
                key: Rc::clone(key),
                parameter,
                others,
            });
            grew = true;
        }
    }
    grew
}

/// The other values a deployer can pass for a parameter read at its default: its other
/// allowed values; a bool's other value; else any value (unknown, [`deployer_value`]).
fn other_values(parameter: &Defaulted) -> Vec<Value> {
    match &parameter.allowed {
        Some(allowed) => allowed
            .iter()
            .filter(|v| equals(v, &parameter.default) != Tri::Yes)
            .cloned()
            .collect(),
        None => match parameter.default.kind {
            Kind::Bool(b) => vec![Value::literal(Kind::Bool(!b), parameter.span)],
            _ => vec![deployer_value(parameter)],
        },
    }
}

/// Whatever value a deployer passes for `parameter`: unknown, saying so.
fn deployer_value(parameter: &Defaulted) -> Value {
    Value::unknown(Why::at(
        Cause::DeployerValue {
            name: parameter.name.clone(),
        },
        parameter.span,
    ))
}

/// A value as a condition's clause shows it: strings quoted, long values clipped.
fn shown(value: &Value) -> String {
    const MAX: usize = 60;
    let text = match &value.kind {
        Kind::Str(s) => format!("'{s}'"),
        _ => value.display(),
    };
    if text.chars().count() <= MAX {
        text
    } else {
        let mut out: String = text.chars().take(MAX).collect();
        out.push('…');
        out
    }
}

/// `is true`, `is 'prod'`, or `is not its default` for a value not known offline.
fn taking(value: &Value) -> String {
    match value.kind {
        Kind::Unknown(_) => "is not its default".to_owned(),
        _ => format!("is {}", shown(value)),
    }
}

/// `'a'`, `'a' and 'b'`, `'a', 'b' and 'c'`.
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// What deploys a resource left out by the condition at `span` (what `clause` says), inside
/// deployments left out so (`around`).
fn nested_latent(around: Option<&Latent>, clause: String, span: Span) -> Latent {
    match around {
        None => Latent {
            when: clause,
            conditions: vec![span],
        },
        Some(around) => {
            let mut conditions = around.conditions.clone();
            conditions.push(span);
            Latent {
                when: format!("{}; {clause}", around.when),
                conditions,
            }
        }
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
        assumption: at.latent.map(|latent| Assumption {
            value: None,
            latent: Some(latent.clone()),
        }),
        deployed_by: at.callers.to_vec(),
        copy: at.copy.cloned(),
        deployed: None,
        // Not evaluated: nothing tells where it is and what it is called.
        placement: None,
    }
}

/// The name of the resource `decl` under `parent`, evaluated to `value`, as its [`Placement`]
/// says it (the name as written when it has none).
fn placed_name(parent: Option<&Parent>, value: Option<&Value>, decl: &ResourceDecl) -> Vec<Placed> {
    let own = match value {
        Some(value) => Placement::name_of(value),
        None => Placement::name_of(&Value::composed(Kind::Str(decl.written_name.to_string()))),
    };
    match parent {
        Some(parent) => Placement::child_name(&parent.placed, own),
        None => own,
    }
}

/// The subscription and resource group `deployment` targets, as a [`Placement`] says them.
fn placed_scope(deployment: &DeploymentScope) -> (Placed, Placed) {
    let unknown = |setting: DeploymentSetting| {
        deployment
            .unknown
            .iter()
            .find(|(s, _)| *s == setting)
            .map(|(_, why)| why)
    };
    (
        Placement::target(
            deployment
                .subscription_id
                .as_deref()
                .ok_or_else(|| unknown(DeploymentSetting::Subscription)),
        ),
        Placement::target(
            deployment
                .resource_group
                .as_deref()
                .ok_or_else(|| unknown(DeploymentSetting::ResourceGroup)),
        ),
    )
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
