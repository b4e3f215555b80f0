//! The Bicep frontend: `.bicep` files are parsed, lowered into the evaluator IR and expanded
//! like ARM templates (one context per `.bicepparam` file that uses them, modules followed as
//! linked deployments); a `.bicepparam` file is judged in its template's context.

use crate::note::{Note, NoteKind};
use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::path::Path;

use super::lower;
use super::parser::{self, Parsed};
use super::registry::{ModuleSources, Reference};
use super::syntax::{SyntaxKind as K, SyntaxNode};
use crate::eval::Allowance;
use crate::eval::ir::Template;
use crate::eval::{ParameterValues, Scope};
use crate::frontend::expand::{expand_contexts, push_expression_errors};
use crate::frontend::links::Linked;
use crate::frontend::{
    Env, Frontend, Lowered, ParseProblem, Relation, Sniff, ToJudge, parameter_contexts,
};
use crate::model::{Context, Deployment, Dialect, Resource, Section, SourceKind, Unseen};
use crate::source::{FileId, LoadError, Loaded, Loader, Pending, Span};
use crate::value::{Cause, Unavailable, Value, Why};

/// The headline of an IG000 about a Bicep file.
const HEADLINE: &str = "cannot parse Bicep file";

/// What a Bicep file's deployment is, as data: ARM resource types (what Bicep compiles to),
/// named by their declared names.
const DIALECT: Dialect = Dialect {
    catalog: &[Section::Arm],
    name_attribute: None,
    kind: SourceKind::Bicep,
};

/// Bicep files (`.bicep`) and their parameter files (`.bicepparam`).
#[derive(Debug)]
pub(crate) struct Bicep;

impl Frontend for Bicep {
    fn extensions(&self) -> &'static [&'static str] {
        &["bicep", "bicepparam"]
    }

    fn sniff(&self, _bytes: &[u8]) -> Sniff {
        // Only files with its extensions are offered to it (`frontend::for_file`).
        Sniff::Signature
    }

    fn headline(&self) -> &'static str {
        HEADLINE
    }

    fn claims_undecodable(&self, _lossy: &str) -> bool {
        true
    }

    fn kind(&self) -> Option<SourceKind> {
        // Only files with its extensions are offered to it: each is a Bicep file, whether
        // it parses or not.
        Some(SourceKind::Bicep)
    }

    fn lower(&self, file: Loaded, env: &Env<'_>) -> Result<Lowered, Loaded> {
        Ok(if is_parameter_file(&file.path) {
            parameter_file(file, env)
        } else {
            template(file, env)
        })
    }

    fn names_its_template(&self, path: &Path) -> bool {
        is_parameter_file(path)
    }

    fn relations(&self, path: &Path, text: &str) -> Vec<Relation> {
        super::relations::relations(path, text)
    }

    fn may_relate(&self, bytes: &[u8]) -> bool {
        super::relations::may_relate(bytes)
    }

    fn parameters(
        &self,
        file: Loaded,
        template: &Path,
        env: &Env<'_>,
        out: &mut Lowered,
    ) -> Result<Option<ParameterValues<'static>>, Loaded> {
        if !is_parameter_file(&file.path) {
            return Err(file);
        }
        Ok(bicepparam_values(file, template, env, out))
    }
}

/// The syntax errors of `parsed` as IG000s of file `id` (added to `out`), and the byte ranges
/// of all of them.
fn syntax_problems(parsed: &Parsed, id: FileId, out: &mut Lowered) -> Vec<std::ops::Range<u32>> {
    let (problems, damaged) = folded_problems(parsed, id);
    out.problems.extend(problems);
    damaged
}

/// The syntax errors of `parsed` as IG000s of file `id`: one per declaration they damage
/// (the first; what recovery met after it in the same declaration follows from it); and the
/// byte ranges of all of them.
fn folded_problems(parsed: &Parsed, id: FileId) -> (Vec<ParseProblem>, Vec<std::ops::Range<u32>>) {
    let declarations: Vec<&std::ops::Range<u32>> =
        parsed.root().nodes().map(|n| &n.data().span).collect();
    let mut damaged = Vec::with_capacity(parsed.errors.len());
    let mut problems = Vec::new();
    let mut reported: Option<usize> = None;
    for error in &parsed.errors {
        damaged.push(error.at.clone());
        // Declarations are in order: the first that ends after the error's start.
        let i = declarations.partition_point(|d| d.end <= error.at.start);
        let within = declarations
            .get(i)
            .filter(|d| d.start <= error.at.start)
            .map(|_| i);
        if within.is_some() && within == reported {
            continue;
        }
        if within.is_some() {
            reported = within;
        }
        problems.push(ParseProblem {
            span: Span {
                file: id,
                start: error.at.start,
                end: error.at.end,
            },
            headline: HEADLINE,
            message: error.message.clone(),
        });
    }
    (problems, damaged)
}

/// Lowers a linked `.bicep` file (a module) at the canonical path `path`: its syntax errors
/// leave what they damage unknown, and are reported by the caller (the module's own outcome
/// stands aside when it is judged in its callers' context).
fn lower_module(
    text: &str,
    id: FileId,
    path: &Path,
    loader: Loader<'_>,
    allowance: &Allowance,
    environment: &BTreeMap<String, String>,
) -> (Template, Vec<ParseProblem>) {
    let parsed = parser::parse_shared(text, allowance.limits().max_syntax_tokens);
    let (problems, damaged) = folded_problems(&parsed, id);
    let files = Beside::new(loader, path, allowance, environment);
    let template = lower::template(parsed.root(), id, text, &damaged, &files);
    (template, problems)
}

/// Files read by `load*Content()` beside a Bicep file (canonical path `from`): inside the
/// scanned roots, never through a path that leads out of them, counted in the walked file's
/// budget of linked bytes. With `pending`, the files it reads join the run's files, so what
/// is read from them is located in them.
struct Beside<'r> {
    loader: Loader<'r>,
    from: &'r Path,
    allowance: &'r Allowance,
    pending: Option<&'r Pending>,
    /// The run's environment (the home folder, where the module cache lies by default).
    environment: &'r BTreeMap<String, String>,
    /// The file's Bicep configuration and module cache, looked up at its first registry
    /// module.
    modules: OnceCell<ModuleSources>,
}

impl<'r> Beside<'r> {
    /// Files beside the Bicep file at canonical path `from`, read by `loader` within
    /// `allowance`, not added to the run's files; `environment` locates the module cache.
    fn new(
        loader: Loader<'r>,
        from: &'r Path,
        allowance: &'r Allowance,
        environment: &'r BTreeMap<String, String>,
    ) -> Beside<'r> {
        Beside {
            loader,
            from,
            allowance,
            pending: None,
            environment,
            modules: OnceCell::new(),
        }
    }

    /// The same, adding the files it reads to `pending` (the run's files).
    fn adding(mut self, pending: &'r Pending) -> Beside<'r> {
        self.pending = Some(pending);
        self
    }

    /// The Bicep configuration file of the file lowered, when a registry module needed it
    /// and it could not be read: an IG000 there (its file added to `pending`), with `headline`.
    fn configuration_problem(&mut self) -> Option<ParseProblem> {
        let (loaded, at, message) = self.modules.get_mut()?.take_problem()?;
        let pending = self.pending?;
        let text_len = loaded.text.len() as u32;
        let start = at.start.min(text_len);
        let end = at.end.clamp(start, text_len);
        let char_end = crate::frontend::char_end(&loaded.text, start);
        let id = pending.add(loaded);
        Some(ParseProblem {
            span: Span {
                file: id,
                start,
                end: if end > start { end } else { char_end },
            },
            headline: CONFIG_HEADLINE,
            message,
        })
    }
}

/// The headline of an IG000 about a Bicep configuration file.
const CONFIG_HEADLINE: &str = "cannot read Bicep configuration";

impl lower::ReadBeside for Beside<'_> {
    fn read(&self, relative: &str) -> Result<String, String> {
        self.load(relative).map(|loaded| loaded.text)
    }

    fn read_source(&self, relative: &str) -> Result<(String, Option<FileId>), String> {
        let loaded = self.load(relative)?;
        match self.pending {
            Some(pending) => Ok((loaded.text.clone(), Some(pending.add(loaded)))),
            None => Ok((loaded.text, None)),
        }
    }

    fn max_document_values(&self) -> usize {
        self.allowance.limits().max_document_values
    }

    fn max_syntax_tokens(&self) -> usize {
        self.allowance.limits().max_syntax_tokens
    }

    fn registry_module(
        &self,
        written: &str,
    ) -> Result<(Reference, crate::eval::ir::ResolvedModule), Unavailable> {
        let sources = self
            .modules
            .get_or_init(|| ModuleSources::for_file(self.loader, self.from, self.environment));
        sources.resolve(written)
    }
}

impl Beside<'_> {
    /// The file at `relative`, loaded, or what is wrong.
    fn load(&self, relative: &str) -> Result<Loaded, String> {
        let canonical = self
            .loader
            .beside(self.from, relative)
            .ok_or("no such file")?;
        let size = self.loader.size(&canonical);
        if !self.allowance.linked_bytes_fit(size) {
            return Err(format!(
                "beyond the {} MiB budget of files read for one file",
                self.allowance.max_linked_bytes() / (1024 * 1024)
            ));
        }
        let display = self.loader.display(&canonical);
        let loaded = self
            .loader
            .read(&canonical, &canonical, display)
            .map_err(|e| e.to_string())?;
        self.allowance.take_linked_bytes(loaded.text.len() as u64);
        Ok(loaded)
    }
}

/// Lowers a `.bicep` file and expands it in each of its contexts.
fn template(file: Loaded, env: &Env<'_>) -> Lowered {
    let mut out = Lowered {
        linkable: true,
        ..Lowered::default()
    };
    let canonical = file.canonical.clone();
    let id = file.add_to(&mut out.sources);
    let text = out.sources.get(id).text.clone();
    let parsed = parser::parse_within(&text, env.allowance.limits().max_syntax_tokens);
    let damaged = syntax_problems(&parsed, id, &mut out);
    let pending = Pending::after(&out.sources);
    let mut files = Beside::new(
        env.loader,
        &canonical,
        env.allowance,
        env.options.environment,
    )
    .adding(&pending);
    let lowered = lower::template(parsed.root(), id, &text, &damaged, &files);
    drop(parsed);
    out.problems.extend(files.configuration_problem());
    drop(files);
    pending.into_sources(&mut out.sources);
    let contexts = parameter_contexts(&mut out, &canonical, env);
    let linked = Linked::new(
        &out.sources,
        env.loader,
        &canonical,
        env.options.links,
        env.allowance,
    )
    .with_bicep(lower_module, env.options.environment)
    .keeping(env.options.keep)
    .judging_latent(env.options.latent);
    let errors = expand_contexts(&mut out, id, &lowered, contexts, &linked, env, DIALECT);
    out.links = linked.targets();
    out.problems.extend(linked.take_problems());
    linked.into_sources(&mut out.sources);
    push_expression_errors(&mut out, errors, HEADLINE);
    out
}

/// The template a `.bicepparam` file uses (`using './main.bicep'`): its path as written and
/// the string node.
fn using_target<'t>(root: SyntaxNode<'t>, text: &str) -> Option<(String, SyntaxNode<'t>)> {
    let using = root.nodes().find(|n| n.kind == K::UsingDeclaration)?;
    let path = using.child(K::String)?;
    let token = path.tokens().next()?;
    (path.nodes().next().is_none()).then(|| (super::lexer::string_value(text, token), path))
}

/// Whether the file at `path` is a Bicep parameter file (`.bicepparam`).
fn is_parameter_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("bicepparam"))
}

/// The values of the `.bicepparam` file `file` for the template at canonical path
/// `template`: those it extends (the deepest first), then its own, each located where it is
/// written (the files are added to `out.sources`). When a file of its `extends` chain is not
/// read, every parameter the chain does not set is unknown, naming that file: it could set
/// any of them. A file whose `using` names another template is left out, with a note: its
/// values are not this template's.
fn bicepparam_values(
    file: Loaded,
    template: &Path,
    env: &Env<'_>,
    out: &mut Lowered,
) -> Option<ParameterValues<'static>> {
    let canonical_param = file.canonical.clone();
    let display = file.display.clone();
    let id = file.add_to(&mut out.sources);
    let text = out.sources.get(id).text.clone();
    let parsed = parser::parse_params_within(&text, env.allowance.limits().max_syntax_tokens);
    let (using, _) = using_target(parsed.root(), &text)?;
    if env.loader.beside(&canonical_param, &using).as_deref() != Some(template) {
        out.notes.push(Note::new(
            NoteKind::Ignored,
            display,
            format!(
                "its `using` names `{using}`, not the template it is mapped to; not read for it"
            ),
        ));
        return None;
    }
    let damaged = syntax_problems(&parsed, id, out);
    let mut chain = vec![canonical_param.clone()];
    let inherited = base_values(out, &parsed, &text, id, env, &mut chain);
    let mut values = ParameterValues::new();
    if let Some(why) = &inherited.unread {
        values.others_unknown(why.clone());
    }
    for (name, value) in &inherited.values {
        values.insert(name, value.clone());
    }
    let own = parameter_values(
        &mut out.sources,
        &parsed,
        &canonical_param,
        id,
        &text,
        &damaged,
        env,
        &inherited,
    );
    for (name, value) in own {
        values.insert(&name, value);
    }
    Some(values)
}

/// The values a `.bicepparam` file assigns, evaluated (its variables and functions in scope,
/// `base` the values it `inherited`), each located where it is written (the files it imports
/// from or loads added to `sources`); a value read from an environment variable names it.
#[allow(clippy::too_many_arguments)]
fn parameter_values(
    sources: &mut crate::source::SourceMap,
    parsed: &Parsed,
    path: &Path,
    id: FileId,
    text: &str,
    damaged: &[std::ops::Range<u32>],
    env: &Env<'_>,
    inherited: &Inherited,
) -> Vec<(String, Value)> {
    let pending = Pending::after(sources);
    let files =
        Beside::new(env.loader, path, env.allowance, env.options.environment).adding(&pending);
    let lowered = lower::parameter_file(
        parsed.root(),
        id,
        text,
        damaged,
        &files,
        env.options.environment,
    );
    pending.into_sources(sources);
    let mut supplied = ParameterValues::new();
    supplied.insert(lower::BASE, inherited.as_base());
    let scope = Scope::sharing(
        &lowered.template,
        supplied,
        env.options.scope.clone(),
        std::rc::Rc::clone(env.allowance),
    );
    lowered
        .assignments
        .iter()
        .map(|(name, node)| {
            let mut value = scope.eval_node(node);
            name_environment_variables(&mut value, &lowered.environment_reads);
            (name.clone(), value)
        })
        .collect()
}

/// Adds to every part of `value` supplied by a `readEnvironmentVariable()` call (its literal
/// lies in one of `reads`: the variable's value, or the default written in the call) the
/// variable it read, at its name, so a finding about it names the variable.
fn name_environment_variables(value: &mut Value, reads: &[lower::EnvironmentRead]) {
    if reads.is_empty() {
        return;
    }
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        if let Some(at) = v.origin.literal
            && let Some(read) = reads.iter().find(|r| {
                r.call.file == at.file && r.call.start <= at.start && at.end <= r.call.end
            })
        {
            v.origin.hops.push(crate::value::Hop {
                span: read.name_at,
                via: crate::value::Subject::EnvironmentVariable(read.name.clone()),
            });
        }
        match &mut v.kind {
            crate::value::Kind::Array(items) => stack.extend(items.iter_mut()),
            crate::value::Kind::Object(members) => {
                stack.extend(members.iter_mut().map(|(_, m)| m));
            }
            _ => {}
        }
    }
}

/// Most `extends` followed from one parameter file.
const MAX_EXTENDS: usize = 4;

/// What the parameter files a `.bicepparam` file extends give it: their values, the deepest
/// file's first, each located in its own file; and, when a file of the chain was not read,
/// why every parameter they do not set is unknown (it could set any of them).
#[derive(Debug, Default)]
struct Inherited {
    /// The values, in the order they apply.
    values: Vec<(String, Value)>,
    /// Why any other parameter is unknown, located at the `extends` that was not followed.
    unread: Option<Why>,
}

impl Inherited {
    /// What `base` is in the file that extends: an object of the values (the last set of
    /// each name wins), each where it is written; unknown when no file of the chain was read.
    fn as_base(&self) -> Value {
        if self.values.is_empty()
            && let Some(why) = &self.unread
        {
            return Value::unknown(why.clone());
        }
        let mut members: Vec<(String, Value)> = Vec::with_capacity(self.values.len());
        for (name, value) in &self.values {
            match members
                .iter_mut()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
            {
                Some(slot) => slot.1 = value.clone(),
                None => members.push((name.clone(), value.clone())),
            }
        }
        Value::composed(crate::value::Kind::Object(members))
    }
}

/// The values of the parameter files the one parsed as `parsed` (text `text`, file `id`, the
/// last of `chain`, the canonical paths of the files extending down to it) extends
/// (`extends './base.bicepparam'`), the deepest first, each located in its own file (added to
/// `out.sources`). A base that cannot be followed (past [`MAX_EXTENDS`], in a cycle, not
/// found, outside the roots, unreadable, with syntax errors) leaves every parameter the chain
/// does not set unknown, at the `extends` that names it (an IG002 where an image reads one),
/// never the template's default; a note says so too.
fn base_values(
    out: &mut Lowered,
    parsed: &Parsed,
    text: &str,
    id: FileId,
    env: &Env<'_>,
    chain: &mut Vec<std::path::PathBuf>,
) -> Inherited {
    let Some(extends) = parsed
        .root()
        .nodes()
        .find(|n| n.kind == K::ExtendsDeclaration)
    else {
        return Inherited::default();
    };
    let Some(path) = chain.last().cloned() else {
        return Inherited::default();
    };
    let at = Span {
        file: id,
        start: extends.span.start,
        end: extends.span.end,
    };
    let shown = env.loader.display(&path);
    let written = extends.child(K::String).and_then(|s| {
        let token = s.tokens().next()?;
        (s.nodes().next().is_none()).then(|| super::lexer::string_value(text, token))
    });
    let unread = |out: &mut Lowered, base: &str, problem: String| {
        out.notes.push(Note::new(
            NoteKind::NotRead,
            shown.clone(),
            format!("the parameter file it extends, `{base}`, is not read ({problem})"),
        ));
        Inherited {
            values: Vec::new(),
            unread: Some(Why::at(
                Cause::ParameterFileNotRead {
                    path: base.to_owned(),
                    problem,
                },
                at,
            )),
        }
    };
    let Some(base) = written else {
        let shown_base = extends
            .child(K::String)
            .and_then(|s| text.get(s.span.start as usize..s.span.end as usize))
            .unwrap_or("")
            .to_owned();
        return unread(out, &shown_base, "its path is not a plain string".into());
    };
    if chain.len() > MAX_EXTENDS {
        let problem = format!("parameter files extend each other more than {MAX_EXTENDS} deep");
        return unread(out, &base, problem);
    }
    let Some(canonical) = env.loader.beside(&path, &base) else {
        return unread(out, &base, "no such file".into());
    };
    if chain.contains(&canonical) {
        return unread(out, &base, "the files extend each other in a cycle".into());
    }
    let display = env.loader.display(&canonical);
    let loaded = match env.loader.read(&canonical, &canonical, display) {
        Ok(loaded) => loaded,
        Err(e) => {
            let problem = match e {
                LoadError::OutsideRoots => "it is outside the scanned roots".to_owned(),
                LoadError::TooLarge { .. } => "it is larger than the size limit".to_owned(),
                LoadError::Unreadable(e) => e.to_string(),
                LoadError::Undecodable(e) => format!("it cannot be decoded: {}", e.message),
            };
            return unread(out, &base, problem);
        }
    };
    let base_id = loaded.add_to(&mut out.sources);
    let base_text = out.sources.get(base_id).text.clone();
    let base_parsed =
        parser::parse_params_within(&base_text, env.allowance.limits().max_syntax_tokens);
    let damaged = syntax_problems(&base_parsed, base_id, out);
    chain.push(canonical.clone());
    let mut inherited = base_values(out, &base_parsed, &base_text, base_id, env, chain);
    let own = parameter_values(
        &mut out.sources,
        &base_parsed,
        &canonical,
        base_id,
        &base_text,
        &damaged,
        env,
        &inherited,
    );
    inherited.values.extend(own);
    // What a syntax error swallowed is not known: the file could set any parameter there.
    if !base_parsed.errors.is_empty() && inherited.unread.is_none() {
        inherited.unread = unread(out, &base, "it has syntax errors".into()).unread;
    }
    inherited
}

/// A `.bicepparam` file walked on its own is judged in the context of the template it uses.
/// When that template cannot be read here (a registry reference, a file that is not there),
/// what it would deploy is unknown: said, never passed.
fn parameter_file(file: Loaded, env: &Env<'_>) -> Lowered {
    let mut out = Lowered::default();
    let canonical = file.canonical.clone();
    let id = file.add_to(&mut out.sources);
    let text = out.sources.get(id).text.clone();
    let parsed = parser::parse_params_within(&text, env.allowance.limits().max_syntax_tokens);
    syntax_problems(&parsed, id, &mut out);
    let Some((using, node)) = using_target(parsed.root(), &text) else {
        return out;
    };
    let found = env.loader.beside(&canonical, &using);
    if found.as_deref().is_some_and(|t| env.loader.inside(t)) {
        return out;
    }
    let span = Span {
        file: id,
        start: node.span.start,
        end: node.span.end,
    };
    let unavailable = if using.contains(':') {
        Unavailable::Registry {
            reference: using.clone(),
            cache: None,
        }
    } else {
        Unavailable::Refused {
            relative: using.clone(),
            // Outside the roots whether or not a file is there.
            refusal: match found {
                Some(_) => crate::model::LinkRefusal::OutsideRoots,
                None => crate::model::LinkRefusal::NotFound,
            },
        }
    };
    let resource = Resource {
        resource_type: "Microsoft.Resources/deployments".into(),
        name: using.clone(),
        span,
        body: Value::unknown(Why::at(
            Cause::TemplateNotAvailable(unavailable.clone()),
            span,
        )),
        identity: format!("using {using}"),
        assumption: None,
        deployed_by: Vec::new(),
        copy: None,
        deployed: None,
        unknown_name: None,
        placement: None,
    };
    out.deployment = Some(ToJudge {
        file: id,
        deployment: Deployment {
            dialect: DIALECT,
            merge_instances: false,
            contexts: vec![Context {
                unseen: vec![Unseen {
                    resource,
                    why: Why::at(Cause::TemplateNotAvailable(unavailable), span),
                    property: "using",
                }],
                ..Context::default()
            }],
            comments: Vec::new(),
            literals: Vec::new(),
        },
    });
    out
}
