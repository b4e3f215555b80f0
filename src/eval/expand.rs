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
    CacheLookup, Catalogued, Container, DeployedTemplate, ManagedApplication, NestedDeployment,
    Node, PassedParameters, PassedValue, RegistryModule, ResourceDecl, Template, UnseenTemplate,
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
    walk(
        template, links, supplied, deployment, allowance, latent, false,
    )
}

/// The link targets an expansion of `template` with the parameter values `supplied` meets
/// (its [`Expanded::reached`] and [`Expanded::wanted`]; nothing else of it is filled), found by
/// walking only the declarations that may link a template. The walk is the expansion's, so
/// the targets are those an expansion with the same `links` meets (a superset: the budgets it
/// spends on the resources it leaves out may leave more to follow).
pub(crate) fn link_targets(
    template: &Template,
    links: &Links<'_>,
    supplied: ParameterValues,
    deployment: &DeploymentScope,
    allowance: &Rc<Allowance>,
    latent: bool,
) -> Expanded {
    walk(
        template, links, supplied, deployment, allowance, latent, true,
    )
}

/// [`expand`], or [`link_targets`] when `links_only`.
fn walk(
    template: &Template,
    links: &Links<'_>,
    supplied: ParameterValues,
    deployment: &DeploymentScope,
    allowance: &Rc<Allowance>,
    latent: bool,
    links_only: bool,
) -> Expanded {
    let scope = Scope::sharing(template, supplied, deployment.clone(), Rc::clone(allowance));
    let mut walker = Walker {
        latent,
        links_only,
        links,
        out: Expanded::default(),
        met: HashSet::default(),
        met_deployed: HashSet::default(),
        chain: vec![template.file],
        noted_steps: false,
        probes: MAX_WALK_PROBES,
        may_deploy: HashMap::default(),
        definitions: HashMap::default(),
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
    walker.resources(&scope, &template.resources, top, &template.resources);
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

/// Whether `decl` deploys a template, or a child resource of it does.
fn may_link(decl: &ResourceDecl) -> bool {
    decl.deployment.is_some() || decl.children.iter().flatten().any(may_link)
}

/// The resource a child resource is declared in.
struct Parent {
    /// Its name (children's names are composed under it).
    name: Named,
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
    /// Whether only what may link a template is walked, and no resource is recorded
    /// ([`link_targets`]).
    links_only: bool,
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
    /// The positions of the managed application definitions among each list of declarations
    /// an application was met among, by the list's address and length (found once per list,
    /// whatever the number of applications).
    definitions: HashMap<(*const ResourceDecl, usize), Rc<[usize]>>,
}

impl Walker<'_> {
    fn note(&mut self, span: Span, kind: NoteKind) {
        self.out.notes.push(Note {
            span: Some(span),
            kind,
        });
    }

    /// Walks the declarations `decls` at `at`; `siblings` are the resources of the template
    /// they are declared in (`decls` themselves, or those their parent is declared among).
    fn resources<'s>(
        &mut self,
        scope: &Scope<'s>,
        decls: &'s [ResourceDecl],
        at: Place<'_>,
        siblings: &'s [ResourceDecl],
    ) {
        for decl in decls {
            self.resource(scope, decl, at, siblings);
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

    fn resource<'s>(
        &mut self,
        scope: &Scope<'s>,
        decl: &'s ResourceDecl,
        at: Place<'_>,
        siblings: &'s [ResourceDecl],
    ) {
        if self.links_only && !may_link(decl) || self.stop(scope, decl, at) {
            return;
        }
        match &decl.copy {
            None => self.instance(scope, decl, at, siblings),
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
                        self.instance(&any, decl, at, siblings);
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
                    self.instance(&inner, decl, at, siblings);
                }
            }
        }
    }

    fn instance<'s>(
        &mut self,
        scope: &Scope<'s>,
        decl: &'s ResourceDecl,
        at: Place<'_>,
        siblings: &'s [ResourceDecl],
    ) {
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
        // Names serve the resources recorded, which a walk for links records none of.
        let name_value = (decl.name.as_ref())
            .filter(|_| !self.links_only)
            .map(|n| scope.eval_node(n));
        let name = Named::of(parent, name_value.as_ref(), decl);
        let identity = match &decl.symbol {
            Some(s) => format!("{prefix}{s}"),
            None => format!("{prefix}{}/{}", decl.resource_type, decl.written_name),
        };
        let placed = placed_name(parent, name_value.as_ref(), decl);
        // The scope this resource (not its children) is evaluated in, and its own name there.
        let (here, own_name, own_placed, latent_at) = match &latent {
            Some((probe, why)) => {
                let value = (decl.name.as_ref())
                    .filter(|_| !self.links_only)
                    .map(|n| probe.eval_node(n));
                let own = Named::of(parent, value.as_ref(), decl);
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
        if let Some(body) = decl.body.as_ref().filter(|_| deployed && !self.links_only) {
            let taken = here.allowance().take_resource() && here.allowance().charge(entry_steps);
            if !taken && self.stop(here, decl, at_here) {
                return;
            }
            self.out.resources.push(Resource {
                resource_type: decl.resource_type.as_str().to_owned(),
                name: own_name.shown.clone(),
                unknown_name: own_name.unknown(),
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
                name: own_name.shown.clone(),
                unknown_name: own_name.unknown(),
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
            self.resources(scope, children, child, siblings);
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
            self.deploy(
                here,
                file,
                &deployment.template,
                deployment,
                me,
                at_here,
                siblings,
            );
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
            DeployedTemplate::Published(template) => Some(&**template),
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
        self.unseen_at(me, why, at, "properties.template");
    }

    /// [`Walker::unseen`], naming the `property` that says what is deployed.
    fn unseen_at(
        &mut self,
        me: Resource,
        why: Unavailable,
        at: Option<Span>,
        property: &'static str,
    ) {
        let why = Why::at(Cause::TemplateNotAvailable(why), at.unwrap_or(me.span));
        self.out.unseen.push(Unseen {
            resource: me,
            why,
            property,
        });
    }

    /// Deploys the template written inline (or published with a template spec) `template`
    /// as `deployment`, in its inner or outer scope.
    #[allow(
        clippy::too_many_arguments,
        reason = "one walk step, its place and its subject"
    )]
    fn inline<'s>(
        &mut self,
        scope: &Scope<'s>,
        file: FileId,
        template: &'s Template,
        deployment: &'s NestedDeployment,
        prefix: &str,
        callers: &[(Span, String)],
        at: Place<'_>,
    ) {
        // The deployment itself is the first of the callers of what it deploys.
        let span = callers.first().map_or(template.start, |(span, _)| *span);
        let place = nested(file, prefix, at.depth, callers, at.copy, at.latent);
        if deployment.inner_scope {
            self.inner(scope, template, deployment, place, span);
        } else {
            // Outer scope: the nested template's expressions see the parent's parameters and
            // variables.
            self.resources(scope, &template.resources, place, &template.resources);
        }
    }

    /// Deploys `template` as the deployment `me` (whose parameters, scope and target are
    /// `deployment`'s), declared among `siblings`: `deployment`'s own template, or that of the
    /// managed application definition a managed application names.
    #[allow(
        clippy::too_many_arguments,
        reason = "one walk step, its place and its subject"
    )]
    fn deploy<'s>(
        &mut self,
        scope: &Scope<'s>,
        file: FileId,
        template: &'s DeployedTemplate,
        deployment: &'s NestedDeployment,
        me: Resource,
        at: Place<'_>,
        siblings: &'s [ResourceDecl],
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
        let target = match template {
            DeployedTemplate::Empty | DeployedTemplate::Missing => return,
            DeployedTemplate::Expression(node) => {
                self.unseen(me, Unavailable::Expression, Some(node.span));
                return;
            }
            DeployedTemplate::Unseen(unseen) => {
                let UnseenTemplate {
                    span,
                    why,
                    property,
                } = &**unseen;
                self.unseen_at(me, why.clone(), Some(*span), property);
                return;
            }
            DeployedTemplate::Inline(template) => {
                self.inline(scope, file, template, deployment, &prefix, &callers, at);
                return;
            }
            DeployedTemplate::Published(template) => {
                self.inline(scope, file, template, deployment, &prefix, &callers, at);
                return;
            }
            DeployedTemplate::Application(application) => {
                let key = (siblings.as_ptr(), siblings.len());
                let definitions = Rc::clone(self.definitions.entry(key).or_insert_with(|| {
                    siblings
                        .iter()
                        .enumerate()
                        .filter(|(_, d)| {
                            Container::of(&d.resource_type) == Some(Container::Definition)
                        })
                        .map(|(i, _)| i)
                        .collect()
                }));
                let declared = definitions.iter().filter_map(|&i| siblings.get(i));
                match definition_of(scope, application, declared) {
                    // The definition's template (never another application's: definitions
                    // deploy templates), with the application's parameters.
                    Ok(definition) if !matches!(definition, DeployedTemplate::Application(_)) => {
                        self.deploy(scope, file, definition, deployment, me, at, siblings);
                    }
                    Ok(_) => {}
                    Err((definition, plan, at)) => {
                        let why = Unavailable::ManagedApplication { definition, plan };
                        self.unseen_at(me, why, at, "properties.applicationDefinitionId");
                    }
                }
                return;
            }
            DeployedTemplate::Package(node) => {
                let uri = scope.eval_node(node);
                match self.links.uri(&uri) {
                    Some(target) => target,
                    None => {
                        let uri = clip(&uri.display());
                        let why = Unavailable::Package {
                            uri,
                            also_inline: false,
                        };
                        self.unseen_at(me, why, Some(node.span), "properties.packageFileUri");
                        return;
                    }
                }
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
                    &template.resources,
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
        self.resources(&inner, &template.resources, place, &template.resources);
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

/// What the managed application `application` deploys: the template of the managed
/// application definition its `applicationDefinitionId` names, when that is one of
/// `definitions` (those of the template that declares the application) — declared once, deployed
/// (no condition, or one that holds), named as the ID's last segment says, and in the
/// subscription and resource group the template deploys to (the ID says so, or leaves them
/// to the deployment as `resourceId()` does). Otherwise what it is of (the ID or the
/// Marketplace plan, as far as known) and where that is written: its template is not seen.
#[allow(
    clippy::type_complexity,
    reason = "what the application is of, and where"
)]
fn definition_of<'s>(
    scope: &Scope<'s>,
    application: &ManagedApplication,
    definitions: impl Iterator<Item = &'s ResourceDecl>,
) -> Result<&'s DeployedTemplate, (Option<String>, Option<String>, Option<Span>)> {
    let Some(node) = &application.definition else {
        return Err(match &application.plan {
            Some(p) => {
                let plan = scope.eval_node(p);
                let part = |k: &str| plan.get(k).map(Value::display).unwrap_or_default();
                let text = format!("{}:{}:{}", part("publisher"), part("product"), part("name"));
                (None, Some(clip(&text)), Some(p.span))
            }
            None => (None, None, None),
        });
    };
    let id = scope.eval_node(node);
    let not_here = || (Some(clip(&id.display())), None, Some(node.span));
    let Some(name) = definition_name(scope, &id) else {
        return Err(not_here());
    };
    let mut found = definitions.filter(|decl| {
        decl.deployment.is_some()
            && decl.copy.is_none()
            && decl
                .condition
                .as_ref()
                .is_none_or(|c| scope.eval_node(c).kind == Kind::Bool(true))
            && decl
                .name
                .as_ref()
                .map(|n| scope.eval_node(n))
                .is_some_and(|n| n.as_str().is_some_and(|n| n.eq_ignore_ascii_case(name)))
    });
    match (found.next(), found.next()) {
        (Some(decl), None) => decl
            .deployment
            .as_ref()
            .map(|d| &d.template)
            .ok_or_else(not_here),
        _ => Err(not_here()),
    }
}

/// The name of the managed application definition the resource ID `id` names, when it is
/// known and the ID is in the subscription and resource group of `scope`'s deployment: each
/// written as the deployment's (when known), or left unknown exactly as the deployment leaves
/// it (`resourceId()`, `subscription().subscriptionId`, `resourceGroup().name`).
fn definition_name<'v>(scope: &Scope<'_>, id: &'v Value) -> Option<&'v str> {
    use crate::value::Part;
    use crate::value::cause::DeploymentSetting;
    /// One `/`-separated segment: known text, or one hole alone.
    enum Segment<'v> {
        Text(String),
        Hole(&'v Why),
        Mixed,
    }
    let parts: &[Part] = match &id.kind {
        Kind::Partial(parts) => parts,
        Kind::Str(s) => {
            let segments: Vec<&str> = s.split('/').collect();
            return match segments.as_slice() {
                [
                    "",
                    subscriptions,
                    sub,
                    groups,
                    group,
                    providers,
                    ns,
                    ty,
                    name,
                ] if subscriptions.eq_ignore_ascii_case("subscriptions")
                    && groups.eq_ignore_ascii_case("resourceGroups")
                    && providers.eq_ignore_ascii_case("providers")
                    && ns.eq_ignore_ascii_case("Microsoft.Solutions")
                    && ty.eq_ignore_ascii_case("applicationDefinitions")
                    && !name.is_empty() =>
                {
                    let deployment = scope.deployment();
                    let same = |known: &Option<String>, written: &str| {
                        known
                            .as_deref()
                            .is_some_and(|k| k.eq_ignore_ascii_case(written))
                    };
                    (same(&deployment.subscription_id, sub)
                        && same(&deployment.resource_group, group))
                    .then_some(*name)
                }
                _ => None,
            };
        }
        _ => return None,
    };
    let mut segments: Vec<Segment<'v>> = vec![Segment::Text(String::new())];
    for part in parts {
        match part {
            Part::Text(text) => {
                let mut pieces = text.split('/');
                if let Some(first) = pieces.next() {
                    let last = segments.last_mut()?;
                    match last {
                        Segment::Text(t) => t.push_str(first),
                        _ if first.is_empty() => {}
                        _ => *last = Segment::Mixed,
                    }
                }
                segments.extend(pieces.map(|p| Segment::Text(p.to_owned())));
            }
            Part::Hole(why) => {
                let last = segments.last_mut()?;
                *last = match last {
                    Segment::Text(t) if t.is_empty() => Segment::Hole(why),
                    _ => Segment::Mixed,
                };
            }
        }
    }
    let deployment = scope.deployment();
    // A segment the deployment's own `setting` stands in.
    let same = |segment: &Segment<'_>, known: &Option<String>, setting: DeploymentSetting| match (
        segment, known,
    ) {
        (Segment::Text(t), Some(k)) => t.eq_ignore_ascii_case(k),
        (Segment::Hole(why), None) => {
            match deployment.unknown.iter().find(|(s, _)| *s == setting) {
                Some((_, unknown)) => unknown == *why,
                None => *why.cause == Cause::UnsetDeploymentSetting(setting),
            }
        }
        _ => false,
    };
    let word = |segment: &Segment<'_>, word: &str| matches!(segment, Segment::Text(t) if t.eq_ignore_ascii_case(word));
    match segments.as_slice() {
        [
            root,
            subscriptions,
            sub,
            groups,
            group,
            providers,
            ns,
            ty,
            Segment::Text(_),
        ] if word(root, "")
            && word(subscriptions, "subscriptions")
            && same(
                sub,
                &deployment.subscription_id,
                DeploymentSetting::Subscription,
            )
            && word(groups, "resourceGroups")
            && same(
                group,
                &deployment.resource_group,
                DeploymentSetting::ResourceGroup,
            )
            && word(providers, "providers")
            && word(ns, "Microsoft.Solutions")
            && word(ty, "applicationDefinitions") =>
        {
            // The name is the text after the last hole.
            match parts.last()? {
                Part::Text(t) => t.rsplit('/').next().filter(|n| !n.is_empty()),
                Part::Hole(_) => None,
            }
        }
        _ => None,
    }
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
        unknown_name: None,
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
        Some(parent) if !name.contains('/') => format!("{}/{name}", parent.name.address),
        _ => name.to_string(),
    }
}

/// A resource's name, as shown and as its address.
#[derive(Clone)]
struct Named {
    /// As a person is shown it: evaluated, the parts not known labelled
    /// ([`crate::model::shown_name`]).
    shown: String,
    /// The byte ranges of `shown` not known offline.
    holes: Vec<(usize, usize)>,
    /// The evaluated name when it is wholly known, else the name as written (under the
    /// parent's), clipped: what fingerprints tell instances apart by.
    address: String,
}

impl Named {
    /// The name of `decl` under `parent`, evaluated to `value` (`None`: it has none).
    fn of(parent: Option<&Parent>, value: Option<&Value>, decl: &ResourceDecl) -> Named {
        let evaluated = value.filter(|v| !v.has_unknown()).map(Value::display);
        let address = clip(&compose_name(
            parent,
            evaluated.as_deref().unwrap_or(&decl.written_name),
        ));
        let Some(value) = value else {
            return Named {
                shown: address.clone(),
                holes: Vec::new(),
                address,
            };
        };
        let (shown, holes) = crate::model::shown_name(
            parent.map(|p| (p.name.shown.as_str(), p.name.holes.as_slice())),
            value,
        );
        Named {
            shown,
            holes,
            address,
        }
    }

    /// What is not known of it, for [`Resource::unknown_name`].
    fn unknown(&self) -> Option<Box<crate::model::UnknownName>> {
        (!self.holes.is_empty()).then(|| {
            Box::new(crate::model::UnknownName {
                written: self.address.clone(),
                holes: self.holes.clone(),
            })
        })
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
