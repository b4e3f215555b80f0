//! Local linked templates (`templateLink.relativePath`, URIs relative to the deploying
//! template's own location, and what `[links]` maps; Bicep modules), read for the evaluator:
//! the loading stage of expansion, shared by the languages that link files (ARM JSON and
//! Bicep). A linked JSON template is lowered by the ARM lowering, asked of the frontends'
//! registry ([`crate::frontend::lower_json_template`]); a `.bicep` module by the lowering its
//! caller gives ([`Linked::with_bicep`]).
//!
//! The evaluator reads no file: it follows the links of a [`Links`] set and says which
//! targets it met that the set lacks (`wanted`). [`Linked::expand`] reads those and expands
//! again, until nothing is wanted, so that a link whose path is computed from the parameters a
//! caller passes still resolves. The links written as plain strings are read before the first
//! expansion (most `relativePath` links, every Bicep module), so that one expansion is usually
//! enough.
//!
//! The result is the one reading each file when the walk first reaches it would give: files
//! are read in the order the walk reaches them (their [`FileId`]s follow that order, and the
//! bounds below refuse the same files). A file read ahead of its turn, or that the walk never
//! reaches, is undone (its bytes given back) and read again in its place; each expansion
//! spends the walked file's [`Allowance`] from where the first one started.
//!
//! A link is resolved against the folder of the file it is relative to. It is refused when it
//! leads outside the scanned roots (imagegate reads nothing else), and the number of linked
//! files and their bytes are bounded. Loaded files get [`FileId`]s after those of the
//! [`SourceMap`] they extend; [`Linked::into_sources`] appends them there in that order.

use foldhash::{HashMap, HashSet};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use crate::eval::ir::Template;
use crate::eval::{
    Allowance, DeploymentScope, Expanded, LinkResult, LinkTarget, LinkedTemplate, Links,
    ParameterValues, Spent, literal_links,
};
use crate::frontend::{KeepPaths, ParseProblem};
use crate::json;
use crate::model::LinkRefusal;
use crate::source::{FileId, LoadError, Loader, SourceFile, SourceMap};

/// Most linked files loaded for one template.
const MAX_LINKED_FILES: usize = 64;

/// Expansions of one context after which files are no longer read again in the walk's order
/// (only those still wanted are read): far more than any template needs (each expansion
/// settles at least one more file in its place), it bounds the work of a hostile one.
const MAX_ORDERED_ROUNDS: usize = 4 * MAX_LINKED_FILES;

/// How many times a walked file's step budget ([`Allowance::max_steps`]) the expansions of one
/// context may spend on being done again (links computed during evaluation are read only once
/// the walk computed them: each level of such links costs one expansion more). Beyond it the
/// links still unread are refused ([`LinkRefusal::Unfollowed`]): templates spend a small part
/// of it, but a chain of computed links behind a loop that spends the budget would otherwise
/// cost it once per link.
const MAX_STEPS_AGAIN: u64 = 2;

/// A lowering for linked files of another language than ARM JSON (Bicep modules): the text
/// of the file `id` at the canonical path `path` → its template; `loader` and `allowance`
/// read the files it loads in turn, `environment` (the run's) locates the module cache.
/// Returns the template and the problems met reading it (IG000s, reported by the caller).
pub(crate) type LowerLinked = fn(
    text: &str,
    id: FileId,
    path: &Path,
    loader: Loader<'_>,
    allowance: &Allowance,
    environment: &BTreeMap<String, String>,
) -> (Template, Vec<ParseProblem>);

/// The linked templates of one template's expansion, and the expansion that reads them.
#[derive(Debug)]
pub(crate) struct Linked<'r> {
    loader: Loader<'r>,
    /// `[links]` of the config: URI prefixes and template-spec IDs, and their local paths.
    mapped: &'r [(String, PathBuf)],
    template: &'r Path,
    base: u32,
    /// The walked file's allowance: its linked files' bytes are counted there, so that all
    /// links of a file (embedded templates' too) read at most its budget.
    allowance: &'r Rc<Allowance>,
    /// How `.bicep` files are lowered, when the links come from Bicep, and the run's
    /// environment they are lowered with.
    bicep: Option<(LowerLinked, &'r BTreeMap<String, String>)>,
    /// Whether relative links from the files before `base` lead nowhere (an embedded
    /// template has no location to be relative to).
    placeless: bool,
    /// What was read, and what is known of the links met.
    state: RefCell<State>,
    /// The paths the rules read, kept in the linked templates' bodies ([`Linked::keeping`]).
    keep: &'r KeepPaths,
    /// Whether expansions judge latent resources ([`Linked::judging_latent`]).
    latent: bool,
}

/// What a [`Linked`] read and learned.
#[derive(Debug, Default)]
struct State {
    /// The files read (or refused), each canonical path once, in the order the walk reached
    /// them.
    read: Vec<Read>,
    /// Where each canonical path is in `read`.
    by_path: HashMap<PathBuf, usize>,
    /// The indices in `read` of the files read (those with a [`FileId`]), in order.
    files: Vec<usize>,
    /// Every link target met (or read ahead), in the order first met: the keys of the
    /// [`Links`] handed to the evaluator.
    targets: Vec<LinkTarget>,
    /// The same, to look up.
    known: HashSet<LinkTarget>,
    /// Relative paths resolved on disk: (canonical path of the file they are relative to,
    /// path) → the canonical path, if the file exists.
    beside: HashMap<(PathBuf, String), Option<PathBuf>>,
    /// Mapped local paths resolved on disk.
    local: HashMap<PathBuf, Option<PathBuf>>,
    /// The files of the Bicep module cache met (by canonical path): the cache root they must
    /// stay under, and whether each holds a template spec version.
    cached: HashMap<PathBuf, (PathBuf, bool)>,
    /// Sizes asked of the file system, by canonical path.
    sizes: HashMap<PathBuf, u64>,
    /// Files read from disk, by canonical path (kept when their place is undone, so that
    /// reading them again in another place does not touch the disk).
    texts: HashMap<PathBuf, Result<Arc<SourceFile>, LinkRefusal>>,
    /// Whether the links written in the template itself were read ahead.
    read_ahead: bool,
}

/// One linked file, read (or refused) in its place.
#[derive(Debug)]
struct Read {
    /// Its canonical path.
    path: PathBuf,
    /// Its template, or why not.
    result: LinkResult,
    /// Its source, when it was read.
    file: Option<Arc<SourceFile>>,
    /// What made it partly unreadable (syntax errors recovery went past).
    problems: Vec<ParseProblem>,
    /// Whether an expansion that stands reached it (it is judged in this template's context
    /// only then).
    reached: bool,
    /// What the allowance had spent before it was read: undoing the read gives back its
    /// bytes (and those of the files its lowering read).
    before: Spent,
}

impl<'r> Linked<'r> {
    /// A loader of linked templates whose files will follow those of `sources`, reading
    /// through `loader`. `template` is the canonical path of the template the files of
    /// `sources` belong to.
    /// `mapped` is the config's `[links]` table; `allowance` the walked file's.
    pub(crate) fn new(
        sources: &SourceMap,
        loader: Loader<'r>,
        template: &'r Path,
        mapped: &'r [(String, PathBuf)],
        allowance: &'r Rc<Allowance>,
    ) -> Linked<'r> {
        Linked {
            loader,
            mapped,
            template,
            base: sources.len() as u32,
            allowance,
            bicep: None,
            placeless: false,
            state: RefCell::default(),
            keep: KeepPaths::none(),
            latent: true,
        }
    }

    /// The same loader, which keeps `keep`'s paths in the bodies of the templates it lowers.
    pub(crate) fn keeping(mut self, keep: &'r KeepPaths) -> Linked<'r> {
        self.keep = keep;
        self
    }

    /// The same linker, whose expansions judge (`true`) or leave out (`false`) what a
    /// condition a deployer can flip leaves out under the parameters' defaults.
    pub(crate) fn judging_latent(mut self, latent: bool) -> Linked<'r> {
        self.latent = latent;
        self
    }

    /// The same loader, which lowers linked `.bicep` files with `lower` (a Bicep module's)
    /// in the run's `environment`.
    pub(crate) fn with_bicep(
        mut self,
        lower: LowerLinked,
        environment: &'r BTreeMap<String, String>,
    ) -> Linked<'r> {
        self.bicep = Some((lower, environment));
        self
    }

    /// The same loader, for a template embedded in another file: relative links from the
    /// files of `sources` lead nowhere (those from the files read through `[links]` still
    /// resolve).
    pub(crate) fn placeless(mut self) -> Linked<'r> {
        self.placeless = true;
        self
    }

    /// Expands `template` (one of the files of `sources`) with the parameter values
    /// `supplied` for `deployment`, reading the linked files the expansion reaches: the
    /// expansion reading each file when it first reaches it would give.
    pub(crate) fn expand(
        &self,
        template: &Template,
        supplied: ParameterValues<'_>,
        deployment: &DeploymentScope,
    ) -> Expanded {
        let start = self.allowance.spent();
        let mut state = self.state.borrow_mut();
        let state = &mut *state;
        // Files read by earlier contexts are settled; this context's are checked.
        let first = state.read.len();
        if !state.read_ahead {
            state.read_ahead = true;
            self.read_ahead(state, template);
        }
        let mut rounds = 0;
        // The steps of the expansions done again, beyond those of the one that stands.
        let mut again = 0u64;
        loop {
            let mut links = self.links(state);
            let complete = again > MAX_STEPS_AGAIN.saturating_mul(self.allowance.max_steps());
            if complete {
                // Enough work spent on expanding again: the links still unread are refused.
                let steps = self.allowance.max_steps();
                links = links.complete(LinkRefusal::Unfollowed { steps });
            }
            let expanded = crate::eval::expand(
                template,
                &links,
                supplied.clone(),
                deployment,
                self.allowance,
                self.latent,
            );
            drop(links);
            // The files of this context, in the order the walk reached them.
            let mut reached: Vec<PathBuf> = Vec::new();
            let mut seen: HashSet<PathBuf> = HashSet::default();
            for target in &expanded.reached {
                self.know(state, target);
                let Some(path) = self.resolve(state, target) else {
                    continue;
                };
                if state.by_path.get(&path).is_some_and(|&i| i < first) {
                    continue;
                }
                if seen.insert(path.clone()) {
                    reached.push(path);
                }
            }
            let agree = state.read[first..]
                .iter()
                .zip(&reached)
                .take_while(|(read, path)| read.path == **path)
                .count();
            // Every file the walk reached was read in its place.
            let in_place = agree == reached.len();
            rounds += 1;
            let ordered = rounds <= MAX_ORDERED_ROUNDS;
            if complete || expanded.wanted.is_empty() && (in_place || !ordered) {
                if ordered && in_place {
                    // Files read ahead that the walk never reached (a module under a false
                    // condition) were not looked at: undone, the expansion stands.
                    self.undo(state, first + agree);
                }
                // Judged here: only the files the walk reached through deployments the
                // parameter values deploy (those reached only through latent ones are judged
                // on their own too).
                let deployed: HashSet<PathBuf> = expanded
                    .reached
                    .iter()
                    .filter(|t| !expanded.latent_only.contains(t))
                    .filter_map(|t| self.resolve(state, t))
                    .collect();
                for path in reached.iter().filter(|p| deployed.contains(*p)) {
                    if let Some(&i) = state.by_path.get(path) {
                        state.read[i].reached = true;
                    }
                }
                return expanded;
            }
            // Expanded again, from where this one started.
            again = again.saturating_add(self.allowance.steps_since(start));
            self.allowance.restore_evaluation(start);
            if ordered {
                // What the walk reached after the last file in its place was read ahead of
                // its turn, or never reached: undone, and read again in the walk's order.
                self.undo(state, first + agree);
            }
            for path in reached {
                if !state.by_path.contains_key(&path) {
                    let read = self.read(state, path);
                    if ordered && let Ok((id, linked)) = read {
                        self.read_ahead_from(state, id, &linked);
                    }
                }
            }
        }
    }

    /// The canonical paths of the files the deployments of `template` (one of the files of
    /// `sources`) may link to, with the parameter values `supplied` for `deployment`, told
    /// without expanding it ([`crate::eval::link_targets`]): through the linked files that
    /// `follow` names (read, and walked in turn with the values passed to them), not through
    /// the others. `None` when a file to follow cannot be read, or the walks do not settle
    /// within the bounds of an expansion: then only an expansion tells.
    pub(crate) fn link_targets(
        &self,
        template: &Template,
        supplied: ParameterValues<'_>,
        deployment: &DeploymentScope,
        follow: &dyn Fn(&Path) -> bool,
    ) -> Option<Vec<PathBuf>> {
        let start = self.allowance.spent();
        let mut state = self.state.borrow_mut();
        let state = &mut *state;
        // The steps of the walks done again, as an expansion counts them.
        let mut again = 0u64;
        for _ in 0..MAX_ORDERED_ROUNDS {
            let links = self.links(state);
            let walked = crate::eval::link_targets(
                template,
                &links,
                supplied.clone(),
                deployment,
                self.allowance,
                self.latent,
            );
            drop(links);
            // A walk cut short by the budget, or whose values it left unknown, may have
            // missed a link an expansion (whose each walk starts from the same budget) meets.
            if walked.cut || self.allowance.steps_spent() {
                return None;
            }
            again = again.saturating_add(self.allowance.steps_since(start));
            if again > MAX_STEPS_AGAIN.saturating_mul(self.allowance.max_steps()) {
                return None;
            }
            self.allowance.restore_evaluation(start);
            for target in &walked.reached {
                self.know(state, target);
            }
            // The targets wanted are met: those to follow are read, the others only noted.
            // Walked again, it meets no others unless it read one.
            let mut read = false;
            for target in &walked.wanted {
                let Some(path) = self.resolve(state, target) else {
                    continue;
                };
                if state.by_path.contains_key(&path) {
                    continue;
                }
                if follow(&path) {
                    // What it links with these values is known only once it is read.
                    self.read(state, path).ok()?;
                    read = true;
                } else {
                    // Met, never read (no expansion reports this refusal).
                    state.by_path.insert(path.clone(), state.read.len());
                    state.read.push(Read {
                        path,
                        result: Err(LinkRefusal::NotFound),
                        file: None,
                        problems: Vec::new(),
                        reached: false,
                        before: self.allowance.spent(),
                    });
                }
            }
            if !read {
                let targets = state.targets.clone();
                let mut paths: Vec<PathBuf> = targets
                    .iter()
                    .filter_map(|t| self.resolve(state, t))
                    .collect();
                paths.sort();
                paths.dedup();
                return Some(paths);
            }
        }
        None
    }

    /// Reads ahead the links written as plain strings in `template` (the walked file's own),
    /// in the order the walk would reach them.
    fn read_ahead(&self, state: &mut State, template: &Template) {
        self.read_ahead_from(state, template.file, template);
    }

    /// Reads ahead the links written as plain strings in `template` (of file `from`), and
    /// theirs in turn, in the order the walk would reach them when every condition holds.
    fn read_ahead_from(&self, state: &mut State, from: FileId, template: &Template) {
        let mapping = Links::new(self.mapped, crate::frontend::template_extensions());
        for target in literal_links(template, from, &mapping) {
            self.know(state, &target);
            let Some(path) = self.resolve(state, &target) else {
                continue;
            };
            if state.by_path.contains_key(&path) {
                continue;
            }
            if let Ok((id, linked)) = self.read(state, path) {
                self.read_ahead_from(state, id, &linked);
            }
        }
    }

    /// Remembers the link target `target`, met by the walk.
    fn know(&self, state: &mut State, target: &LinkTarget) {
        if state.known.insert(target.clone()) {
            state.targets.push(target.clone());
        }
    }

    /// The linked templates read so far, by every target met that leads to one (or to
    /// nothing): what the evaluator may follow.
    fn links(&self, state: &mut State) -> Links<'r> {
        let mut links = Links::new(self.mapped, crate::frontend::template_extensions());
        let targets = std::mem::take(&mut state.targets);
        for target in &targets {
            let template = match self.resolve(state, target) {
                None => Err(LinkRefusal::NotFound),
                Some(path) => match state.by_path.get(&path) {
                    Some(&i) => state.read[i].result.clone(),
                    None => continue,
                },
            };
            let shown = match target {
                LinkTarget::Relative { path, .. } => path.clone(),
                LinkTarget::Local { path } | LinkTarget::Cached { path, .. } => {
                    self.loader.display(path)
                }
            };
            links.insert(target.clone(), LinkedTemplate { shown, template });
        }
        state.targets = targets;
        links
    }

    /// The canonical path `target` leads to, if the file exists (asked of the file system
    /// once).
    fn resolve(&self, state: &mut State, target: &LinkTarget) -> Option<PathBuf> {
        match target {
            LinkTarget::Relative { from, path } => {
                let from = match from.0.checked_sub(self.base) {
                    None if self.placeless => return None,
                    None => self.template.to_path_buf(),
                    Some(i) => {
                        let &read = state.files.get(i as usize)?;
                        state.read[read].path.clone()
                    }
                };
                let key = (from, path.clone());
                if let Some(found) = state.beside.get(&key) {
                    return found.clone();
                }
                let found = self.loader.beside(&key.0, path);
                state.beside.insert(key, found.clone());
                found
            }
            // A symbolic link is resolved first, so the roots check sees where it leads (and
            // nothing outside the roots is looked at: a refusal there says the same whether a
            // file is there or not).
            LinkTarget::Local { path } => state
                .local
                .entry(path.clone())
                .or_insert_with(|| self.loader.locate(path))
                .clone(),
            // Likewise, and the file is read as the cache's (under its root) when it is read.
            LinkTarget::Cached { root, path, spec } => {
                let found = state
                    .local
                    .entry(path.clone())
                    .or_insert_with(|| path.canonicalize().ok())
                    .clone()?;
                state.cached.insert(found.clone(), (root.clone(), *spec));
                Some(found)
            }
        }
    }

    /// Reads the linked template at the canonical path `target` in the next place, or
    /// refuses it (beyond the bounds, unreadable).
    fn read(&self, state: &mut State, target: PathBuf) -> LinkResult {
        let before = self.allowance.spent();
        let mut read = Read {
            path: target,
            result: Err(LinkRefusal::NotFound),
            file: None,
            problems: Vec::new(),
            reached: false,
            before,
        };
        read.result = if state.read.len() >= MAX_LINKED_FILES {
            Err(LinkRefusal::TooManyLinks {
                limit: MAX_LINKED_FILES,
            })
        } else {
            // Asked before reading; a file that grew since is counted as read.
            let cached = state.cached.contains_key(&read.path);
            let size = *state.sizes.entry(read.path.clone()).or_insert_with(|| {
                if cached {
                    std::fs::metadata(&read.path).map_or(0, |m| m.len())
                } else {
                    // Outside the roots: never looked at (the read is refused).
                    self.loader.size(&read.path)
                }
            });
            if !self.allowance.linked_bytes_fit(size) {
                Err(LinkRefusal::LinkedBytes {
                    limit_mib: self.allowance.max_linked_bytes() / (1024 * 1024),
                })
            } else {
                let id = FileId(self.base + state.files.len() as u32);
                self.lower(state, &mut read, id)
            }
        };
        let result = read.result.clone();
        if read.file.is_some() {
            state.files.push(state.read.len());
        }
        state.by_path.insert(read.path.clone(), state.read.len());
        state.read.push(read);
        result
    }

    /// Reads (once from disk), parses and lowers the linked template of `read` as file `id`
    /// (its JSON tree is dropped once lowered).
    fn lower(&self, state: &mut State, read: &mut Read, id: FileId) -> LinkResult {
        let target = read.path.as_path();
        let cached = state.cached.get(target).cloned();
        let loaded = state
            .texts
            .entry(target.to_path_buf())
            .or_insert_with(|| {
                let display = self.loader.display(target);
                let loaded = match &cached {
                    // The one file read outside the roots: under its cache root.
                    Some((root, _)) => self.loader.read_cached(target, root, display),
                    None => self.loader.read(target, target, display),
                };
                let external = cached.is_some();
                loaded
                    .map(|loaded| {
                        let mut source = loaded.into_source();
                        source.external = external;
                        Arc::new(source)
                    })
                    .map_err(|e| match e {
                        LoadError::TooLarge { .. } => LinkRefusal::TooLarge,
                        LoadError::OutsideRoots => LinkRefusal::OutsideRoots,
                        LoadError::Unreadable(error) => LinkRefusal::Unreadable {
                            error: error.to_string(),
                        },
                        LoadError::Undecodable(error) => LinkRefusal::Undecodable {
                            error: error.message,
                        },
                    })
            })
            .clone()?;
        self.allowance.take_linked_bytes(loaded.text.len() as u64);
        let is_bicep = target
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("bicep"));
        let key = LoweredKey {
            run: self.loader.run(),
            path: target.to_path_buf(),
            id,
            bicep: is_bicep,
            spec: matches!(cached, Some((_, true))),
            keep: std::ptr::from_ref(self.keep),
            limits: self.allowance.limits().clone(),
        };
        // A workspace that records what each judgement read (the language server) must see
        // every read: it lowers anew.
        let shared = !self.loader.records();
        if shared && let Some((template, problems, bytes)) = lowered::get(&key, &loaded.text) {
            // The files its lowering read fit in what is left: it reads them alike.
            if self.allowance.linked_bytes_fit(bytes) {
                self.allowance.take_linked_bytes(bytes);
                read.problems = problems;
                read.file = Some(loaded);
                return Ok((id, template));
            }
        }
        let reads = self.allowance.linked_reads();
        let template = match (is_bicep, self.bicep) {
            (true, Some((lower, environment))) => {
                let (template, problems) = lower(
                    &loaded.text,
                    id,
                    target,
                    self.loader,
                    self.allowance,
                    environment,
                );
                read.problems = problems;
                template
            }
            (true, None) => {
                return Err(LinkRefusal::Unparsable {
                    error: "an ARM template cannot deploy a Bicep file".into(),
                });
            }
            (false, _) => {
                let max_values = self.allowance.limits().max_document_values;
                let root = json::parse_within(&loaded.text, max_values)
                    .map_err(|e| LinkRefusal::Unparsable { error: e.message })?;
                // A template spec's cached file is the template spec version as the service
                // returns it; its template is `properties.mainTemplate` (Azure/bicep 9beb0fee60,
                // src/Bicep.Core/SourceGraph/SourceFileFactory.cs).
                let template = match cached {
                    Some((_, true)) => root
                        .get("properties")
                        .and_then(|p| p.get("mainTemplate"))
                        .ok_or_else(|| LinkRefusal::Unparsable {
                        error: "the cached template spec has no `properties.mainTemplate`".into(),
                    })?,
                    _ => &root,
                };
                crate::frontend::lower_json_template(template, id, &loaded.text, self.keep)
            }
        };
        let template = Rc::new(template);
        // A lowering that no budget refused depends on nothing but its key and text (the
        // files it read are the run's): the next caller of the same module in this run takes
        // it as it is, when what it read fits in that caller's budget.
        let after = self.allowance.linked_reads();
        if shared && after.refusals == reads.refusals {
            let bytes = after.bytes - reads.bytes;
            lowered::keep(key, &loaded.text, &template, &read.problems, bytes);
        }
        read.file = Some(loaded);
        Ok((id, template))
    }

    /// Undoes the reads from place `keep` on (giving their bytes back).
    fn undo(&self, state: &mut State, keep: usize) {
        let Some(first) = state.read.get(keep) else {
            return;
        };
        self.allowance.restore_linked_bytes(first.before);
        for read in state.read.drain(keep..) {
            state.by_path.remove(&read.path);
        }
        state.files.retain(|&i| i < keep);
    }

    /// The problems met reading the linked files the walk reached (for IG000s), taken once.
    pub(crate) fn take_problems(&self) -> Vec<ParseProblem> {
        let mut state = self.state.borrow_mut();
        state
            .read
            .iter_mut()
            .filter(|read| read.reached)
            .flat_map(|read| std::mem::take(&mut read.problems))
            .collect()
    }

    /// The canonical paths of the linked templates loaded (judged in this context).
    pub(crate) fn targets(&self) -> Vec<PathBuf> {
        // Only those judged here: a link refused (beyond the limit, say) leaves the file to be
        // judged on its own.
        self.state
            .borrow()
            .read
            .iter()
            .filter(|read| read.result.is_ok() && read.reached)
            .map(|read| read.path.clone())
            .collect()
    }

    /// Appends the loaded files to `sources`, where their ids point.
    pub(crate) fn into_sources(self, sources: &mut SourceMap) {
        debug_assert_eq!(sources.len() as u32, self.base);
        for read in self.state.into_inner().read {
            if let Some(file) = read.file {
                sources.add_shared(file);
            }
        }
    }
}

/// What a linked file's lowering is a function of, besides its text: the run (its disk and
/// buffers), the file, the id its spans carry, how it is read (Bicep, JSON, a template spec's
/// cached version), the paths kept beyond the catalogue's and the limits.
#[derive(Clone, Debug, PartialEq)]
struct LoweredKey {
    run: u64,
    path: PathBuf,
    id: FileId,
    bicep: bool,
    spec: bool,
    keep: *const KeepPaths,
    limits: crate::eval::Limits,
}

/// Linked templates lowered on this thread, shared with the next expansion that reads the same
/// file as the same id in the same run. A module is lowered in each of its callers' contexts:
/// on Azure Verified Modules each test file lowers its module and the modules under it again
/// (2.1 G of 8.1 G instructions). Only lowerings that no budget refused a file are kept,
/// with the bytes of the files they read (imports, `load*Content()`): a caller takes one only
/// when those bytes fit in its own budget, so what it gives cannot depend on the caller.
mod lowered {
    use std::cell::RefCell;
    use std::rc::Rc;

    use super::LoweredKey;
    use crate::eval::ir::Template;
    use crate::frontend::ParseProblem;

    /// Most bytes of text whose templates one thread keeps (the templates are some ten times
    /// larger): the modules of one module's tests.
    const KEPT_TEXT_BYTES: usize = 1 << 18;

    /// One kept lowering: its key, text, template, problems, the bytes of the linked files
    /// it read, and its last use.
    struct Entry {
        key: LoweredKey,
        text: Rc<str>,
        template: Rc<Template>,
        problems: Vec<ParseProblem>,
        bytes: u64,
        used: u64,
    }

    /// The lowerings kept on one thread.
    #[derive(Default)]
    struct Kept {
        entries: Vec<Entry>,
        bytes: usize,
        uses: u64,
    }

    impl Kept {
        /// Readies the kept lowerings for run `run`: another run's are another disk's, dropped
        /// at the first look.
        fn for_run(&mut self, run: u64) {
            if self.entries.first().is_some_and(|e| e.key.run != run) {
                self.entries.clear();
                self.bytes = 0;
            }
        }
    }

    thread_local! {
        static KEPT: RefCell<Kept> = RefCell::new(Kept::default());
    }

    /// The template, problems and bytes read kept for `key` and `text`, if any.
    pub(super) fn get(
        key: &LoweredKey,
        text: &str,
    ) -> Option<(Rc<Template>, Vec<ParseProblem>, u64)> {
        KEPT.with_borrow_mut(|kept| {
            kept.for_run(key.run);
            kept.uses += 1;
            let now = kept.uses;
            let entry = kept
                .entries
                .iter_mut()
                .find(|e| e.key == *key && *e.text == *text)?;
            entry.used = now;
            Some((
                Rc::clone(&entry.template),
                entry.problems.clone(),
                entry.bytes,
            ))
        })
    }

    /// Keeps `template` and `problems`, the lowering of `text` under `key` that read `bytes`
    /// of linked files, dropping the least recently used beyond the bound (a text too long
    /// for it is not kept).
    pub(super) fn keep(
        key: LoweredKey,
        text: &str,
        template: &Rc<Template>,
        problems: &[ParseProblem],
        bytes: u64,
    ) {
        if text.len() > KEPT_TEXT_BYTES / 4 {
            return;
        }
        KEPT.with_borrow_mut(|kept| {
            kept.for_run(key.run);
            while kept.bytes + text.len() > KEPT_TEXT_BYTES {
                let Some(oldest) = (0..kept.entries.len()).min_by_key(|&i| kept.entries[i].used)
                else {
                    break;
                };
                let gone = kept.entries.swap_remove(oldest);
                kept.bytes -= gone.text.len();
            }
            kept.uses += 1;
            kept.bytes += text.len();
            kept.entries.push(Entry {
                key,
                text: Rc::from(text),
                template: Rc::clone(template),
                problems: problems.to_vec(),
                bytes,
                used: kept.uses,
            });
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Limits;
    use crate::source::Encoding;

    /// A deployment of the linked template `path` (a literal or an expression), deployed
    /// when `condition` holds.
    fn deployment(name: &str, path: &str, condition: bool) -> String {
        format!(
            r#"{{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01",
                "name": "{name}", "condition": {condition},
                "properties": {{"mode": "Incremental", "templateLink": {{"relativePath": "{path}"}}}}}}"#
        )
    }

    /// A template declaring one virtual machine named `name`.
    fn machine(name: &str) -> String {
        format!(
            r#"{{"resources": [{{"type": "Microsoft.Compute/virtualMachines",
                "apiVersion": "2023-03-01", "name": "{name}", "location": "westeurope",
                "properties": {{"storageProfile": {{"imageReference": {{"publisher": "Canonical",
                "offer": "ubuntu-24_04-lts", "sku": "server", "version": "latest"}}}}}}}}]}}"#
        )
    }

    /// The walked template `name` in `root` (its text `text`): its source map, its lowered
    /// template and its path.
    fn walked_template(root: &Path, name: &str, text: &str) -> (SourceMap, Template, PathBuf) {
        let path = root.join(name);
        let mut sources = SourceMap::default();
        let id = sources.add(SourceFile::new(
            path.clone(),
            name.into(),
            text.to_owned(),
            Encoding::Utf8,
        ));
        let root_node = json::parse(text).unwrap();
        let template =
            crate::frontend::arm::lower::template(&root_node, id, text, KeepPaths::none());
        (sources, template, path)
    }

    #[test]
    fn files_are_read_in_the_order_the_walk_reaches_them_and_only_those() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().canonicalize().expect("canonical");
        let write = |name: &str, text: &str| {
            std::fs::write(root.join(name), text).expect("write");
        };
        // `a.json` links `c.json` by a path computed from its parameter (not read ahead);
        // `n.json` is linked under a false condition (read ahead, never reached).
        let main = format!(
            r#"{{"resources": [{}, {}, {}]}}"#,
            deployment("a", "a.json", true),
            deployment("b", "b.json", true),
            deployment("n", "n.json", false),
        );
        write("main.json", &main);
        write(
            "a.json",
            &format!(
                r#"{{"parameters": {{"next": {{"type": "string", "defaultValue": "c.json"}}}},
                    "resources": [{}]}}"#,
                deployment("c", "[parameters('next')]", true)
            ),
        );
        for name in ["b", "c", "n"] {
            write(&format!("{name}.json"), &machine(name));
        }
        let roots = vec![root.clone()];
        let walked = Default::default();
        let loader = Loader::new(&roots, &root, &walked);
        let (mut sources, template, main_path) = walked_template(&root, "main.json", &main);
        let allowance = Rc::new(Allowance::new(&Limits::default()));
        let linked = Linked::new(&sources, loader, &main_path, &[], &allowance);
        let expanded = linked.expand(
            &template,
            ParameterValues::new(),
            &DeploymentScope::default(),
        );
        assert!(expanded.wanted.is_empty());
        let machines: Vec<&str> = expanded
            .resources
            .iter()
            .filter(|r| r.resource_type == "Microsoft.Compute/virtualMachines")
            .map(|r| r.name.as_str())
            .collect();
        assert_eq!(machines, ["c", "b"]);
        // Read when the walk reached them: `c.json` (inside `a.json`) before `b.json`;
        // `n.json` was read ahead and undone.
        let names = |paths: Vec<PathBuf>| -> Vec<String> {
            paths
                .iter()
                .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
                .collect()
        };
        assert_eq!(names(linked.targets()), ["a.json", "c.json", "b.json"]);
        linked.into_sources(&mut sources);
        let files: Vec<PathBuf> = (1..sources.len() as u32)
            .map(|i| sources.get(FileId(i)).path.clone())
            .collect();
        assert_eq!(names(files), ["a.json", "c.json", "b.json"]);
        // The bytes of `n.json` were given back: only those of the files kept are spent.
        let kept: u64 = ["a.json", "b.json", "c.json"]
            .iter()
            .map(|n| std::fs::metadata(root.join(n)).unwrap().len())
            .sum();
        let room = allowance.max_linked_bytes() - kept;
        assert!(allowance.linked_bytes_fit(room));
        assert!(!allowance.linked_bytes_fit(room + 1));
    }

    #[test]
    fn expanding_again_for_computed_links_is_bounded() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().canonicalize().expect("canonical");
        // Each file links the next by a path computed from a parameter (read only once the
        // walk computed it): each link costs one expansion more, each walking the chain so
        // far, which a small budget cannot pay for twenty links.
        let file = |i: usize| {
            format!(
                r#"{{"parameters": {{"next": {{"type": "string", "defaultValue": "f{}.json"}}}},
                    "resources": [{}]}}"#,
                i + 1,
                deployment("next", "[parameters('next')]", true)
            )
        };
        for i in 0..20 {
            std::fs::write(root.join(format!("f{i}.json")), file(i)).expect("write");
        }
        let roots = vec![root.clone()];
        let walked = Default::default();
        let loader = Loader::new(&roots, &root, &walked);
        let (sources, template, main_path) = walked_template(&root, "f0.json", &file(0));
        let limits = Limits {
            max_steps: 200,
            ..Limits::default()
        };
        let allowance = Rc::new(Allowance::new(&limits));
        let linked = Linked::new(&sources, loader, &main_path, &[], &allowance);
        let expanded = linked.expand(
            &template,
            ParameterValues::new(),
            &DeploymentScope::default(),
        );
        assert!(expanded.wanted.is_empty());
        // Some links were followed, the rest refused for the work spent, and said so.
        let unfollowed = expanded
            .unseen
            .iter()
            .filter(|u| {
                matches!(
                    &*u.why.cause,
                    crate::value::Cause::TemplateNotAvailable(crate::value::Unavailable::Refused {
                        refusal: LinkRefusal::Unfollowed { steps: 200 },
                        ..
                    })
                )
            })
            .count();
        assert_eq!(unfollowed, 1, "{:?}", expanded.unseen);
        let followed = linked.targets().len();
        assert!((1..19).contains(&followed), "{followed}");
    }
}
