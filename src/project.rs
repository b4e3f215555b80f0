//! The project graph: every relation between the files of a run, built from the walk before
//! anything is judged.
//!
//! Each walked file is a node. Its relations (a parameter file to its template, a
//! `.bicepparam` to the one it extends, a template to the templates and modules it deploys,
//! the files it imports from and loads, a compiled template to its Bicep source) are what the
//! frontends find by a sniff of its name and text ([`crate::frontend::relations`]), never by
//! evaluating it; the config adds the parameter files `[parameter_files]` maps, and `[links]`
//! leads remote references to local files. Edges run both ways: forward (what a file needs)
//! and reverse (who needs a file).
//!
//! Two questions are asked of it:
//! - the parameter files of a template ([`ProjectGraph::parameter_files`]): each is one
//!   evaluation context of the template, wherever it lies (`env/prod.bicepparam` with
//!   `using '../main.bicep'`, a JSON parameter file for a Bicep template);
//! - the files a run over named files judges ([`ProjectGraph::reaching`]): every file whose
//!   judgement can touch a named one, transitively — so that a run naming one changed file
//!   reports what the whole run reports for it.
//!
//! A target computed during evaluation (a link built by an expression) may be any file, and a
//! sniff cannot tell which: a run over named files asks the file that computes it where its
//! links lead, by the evaluator's walk without judging it ([`LinkTargets`]), and judges it
//! when they may lead to a named file. Cycles are walked once (each node is visited once).

use std::path::{Path, PathBuf};

use std::hash::BuildHasher as _;

use foldhash::HashMap;
use rayon::prelude::*;

use crate::frontend::{self, ParameterFile, Relation, RelationKind, Target};
use crate::source::{Loader, PathSet, lexical_join};
use crate::walk::FileToRead;

/// How much of each file building the graph reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Discovery {
    /// Only what a template's contexts need before it is judged: names, and the text of the
    /// files that name their template in it (`.bicepparam`). What a whole run needs: every
    /// file is judged, and its links are followed as it is.
    Contexts,
    /// Every relation of every file (its text sniffed): what a run over named files needs
    /// to find the files that reach them.
    All,
    /// No relation: the files relate to nothing (exports of what is deployed).
    None,
}

/// A file of the graph: the walk's own (shared with the run's [`PathSet`], which finds them:
/// their paths are held once), or one a relation or the config names that the walk did not
/// find.
type Node = FileToRead;

/// Which files a file whose links are computed may link to, told without judging it
/// ([`ProjectGraph::reaching`]): the file, and which of the files it links it must follow
/// (walking them with the values it passes); `None` when only judging it tells.
pub(crate) type LinkTargets<'a> =
    dyn Fn(&Node, &(dyn Fn(&Path) -> bool + Sync)) -> Option<Vec<PathBuf>> + Sync + 'a;

/// Where a file's computed links lead ([`LinkTargets`]): the nodes of the files, `None` for
/// one the graph does not hold; `None` as a whole when they may lead anywhere.
type Leads = Option<Vec<Option<usize>>>;

/// What a relation's target leads to.
enum Resolved {
    /// These files.
    Files(Vec<usize>),
    /// The files of this folder (canonical) that the walk does not read.
    Folder(PathBuf),
    /// Anything: computed during evaluation.
    Computed,
}

/// One edge: from the file that declares the relation to its target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Edge {
    /// The relation.
    kind: RelationKind,
    /// The other end (the target of a forward edge, the declaring file of a reverse one).
    node: usize,
    /// Whether the config made it (`[parameter_files]`), not the file.
    mapped: bool,
}

/// Every relation between the files of a run.
#[derive(Debug, Default)]
pub struct ProjectGraph {
    /// The walked files, in the walk's order: the nodes numbered from 0, found by canonical
    /// path in the set itself.
    walked: PathSet,
    /// The files a relation or the config names that the walk did not find: the nodes
    /// numbered after the walked ones.
    extra: Vec<Node>,
    /// Each of `extra` by its canonical path (its node's number).
    extra_index: HashMap<Key, usize>,
    /// What each file relates to.
    forward: Adjacency,
    /// What relates to each file.
    reverse: Adjacency,
    /// The files with a relation whose target is computed during evaluation, and how they
    /// relate to it: they may reach any file (a computed link, any file that may be linked).
    computed: Vec<(usize, RelationKind)>,
    /// The files that read the files of a folder the walk does not read (a plan, the `.tf`
    /// configuration beside it), by the folder's canonical path.
    folders: HashMap<Key, Vec<usize>>,
    /// The walked file whose name sorts first among the walked files of its folder with its
    /// extension (in any case), by folder and lower-case extension: what a frontend that
    /// judges a folder's files together judges them for.
    /// Each entry is a node's number, found by the hash of its folder and lower-case
    /// extension and compared through the node's own path: no key is held (a run of 100,000
    /// files in as many folders held a copy of each folder's path here).
    first_of_kind: hashbrown::HashTable<u32>,
    /// How `first_of_kind` hashes a folder and an extension.
    kinds: foldhash::fast::RandomState,
}

/// The edges of every node, one after another, and where each node's begin: most files
/// relate to nothing, and a vector per node cost 24 bytes each (two per file of a run).
#[derive(Debug, Default)]
struct Adjacency {
    /// Where the edges of node `i` begin (`starts[i]..starts[i + 1]`).
    starts: Vec<u32>,
    /// The edges, node by node, each node's sorted and without repeats.
    edges: Vec<Edge>,
}

impl Adjacency {
    /// The adjacency of `nodes` nodes with the edges `pairs` (from, edge), each node's sorted,
    /// one of each kind and node kept.
    fn of(nodes: usize, mut pairs: Vec<(usize, Edge)>) -> Adjacency {
        pairs.sort();
        pairs.dedup_by(|a, b| a.0 == b.0 && a.1.kind == b.1.kind && a.1.node == b.1.node);
        let mut starts = Vec::with_capacity(nodes + 1);
        let mut at = 0;
        for i in 0..nodes {
            // Edges are counted as `u32`: a graph's edges are bounded far below (each file
            // keeps at most `MAX_RELATIONS`, and a run's files are bounded by the walk).
            starts.push(u32::try_from(at).unwrap_or(u32::MAX));
            while at < pairs.len() && pairs[at].0 == i {
                at += 1;
            }
        }
        starts.push(u32::try_from(at).unwrap_or(u32::MAX));
        Adjacency {
            starts,
            edges: pairs.into_iter().map(|(_, e)| e).collect(),
        }
    }

    /// The edges of node `i`.
    fn of_node(&self, i: usize) -> &[Edge] {
        match (self.starts.get(i), self.starts.get(i + 1)) {
            (Some(&a), Some(&b)) => &self.edges[a as usize..b as usize],
            _ => &[],
        }
    }
}

impl std::ops::Index<usize> for Adjacency {
    type Output = [Edge];

    fn index(&self, i: usize) -> &[Edge] {
        self.of_node(i)
    }
}

/// A canonical path as a hash key: its bytes. A canonical path has one spelling, so bytes
/// compare as the paths do; `Path`'s own hash walks its components (several times the cost,
/// paid for every file of a run over named files).
type Key = Box<[u8]>;

/// The bytes of `path`, to look a [`Key`] up with.
fn key(path: &Path) -> &[u8] {
    path.as_os_str().as_encoded_bytes()
}

/// The relations read of each file (by canonical path and the discovery they were read
/// with), kept between runs by a long-lived workspace ([`ProjectGraph::build`]).
pub(crate) type Memo = std::sync::Mutex<HashMap<(PathBuf, Discovery), Vec<Relation>>>;

impl ProjectGraph {
    /// The graph of the walked `files`, reading them with `loader` as `discovery` says; the
    /// config's `[links]` (`links`) and `[parameter_files]` (`mapped`: canonical template →
    /// canonical parameter files) add theirs.
    ///
    /// Each file's relations are taken from `memo` when it holds them (a long-lived
    /// workspace's: the language server's, whose files on disk do not change between runs
    /// unless it is told), and those read are kept there. A file laid over by an unsaved
    /// buffer is always read again (its text changes as the user types).
    pub(crate) fn build(
        walked: &PathSet,
        discovery: Discovery,
        loader: Loader<'_>,
        links: &[(String, PathBuf)],
        mapped: &[(PathBuf, Vec<PathBuf>)],
        memo: Option<&Memo>,
    ) -> ProjectGraph {
        let mut graph = ProjectGraph {
            walked: walked.clone(),
            ..ProjectGraph::default()
        };
        let remembered = |f: &FileToRead| -> Option<Vec<Relation>> {
            let memo = memo?;
            if loader.overlaid(&f.canonical) {
                return None;
            }
            memo.lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(&(f.canonical.clone(), discovery))
                .cloned()
        };
        let relations: Vec<Vec<Relation>> = graph
            .files()
            .par_iter()
            .map(|f| {
                remembered(f).unwrap_or_else(|| {
                    let found = sniff(f, discovery, loader);
                    if let Some(memo) = memo
                        && !loader.overlaid(&f.canonical)
                    {
                        memo.lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .insert((f.canonical.clone(), discovery), found.clone());
                    }
                    found
                })
            })
            .collect();
        let by_folder = graph.by_folder();
        graph.first_of_kind = hashbrown::HashTable::with_capacity(by_folder.len());
        let nodes = graph.walked.clone();
        let files = nodes.files();
        let kinds = graph.kinds.clone();
        for (i, file) in files.iter().enumerate() {
            let path = &file.canonical;
            let Some(kind) = kind_of(path) else {
                continue;
            };
            // Walked files are counted as `u32` (the walk stops far sooner).
            let Ok(at) = u32::try_from(i) else { break };
            let same = |&j: &u32| {
                kind_of(&files[j as usize].canonical).is_some_and(|k| same_kind(k, kind))
            };
            let name = crate::walk::file_name_of;
            let entry = graph
                .first_of_kind
                .entry(kind_hash(&kinds, kind), same, |&j| {
                    let k = kind_of(&files[j as usize].canonical).unwrap_or_default();
                    kind_hash(&kinds, k)
                });
            match entry {
                hashbrown::hash_table::Entry::Occupied(mut slot) => {
                    let j = *slot.get() as usize;
                    if name(&files[j].canonical) > name(path) {
                        *slot.get_mut() = at;
                    }
                }
                hashbrown::hash_table::Entry::Vacant(slot) => {
                    slot.insert(at);
                }
            }
        }
        let mut edges: Vec<(usize, Edge)> = Vec::new();
        for (from, relations) in relations.into_iter().enumerate() {
            for relation in relations {
                match graph.resolve(from, &relation.target, &by_folder, links, loader) {
                    Resolved::Computed => graph.computed.push((from, relation.kind)),
                    Resolved::Folder(folder) => {
                        graph
                            .folders
                            .entry(Key::from(key(&folder)))
                            .or_default()
                            .push(from);
                    }
                    Resolved::Files(targets) => edges.extend(targets.into_iter().map(|to| {
                        let edge = Edge {
                            kind: relation.kind,
                            node: to,
                            mapped: false,
                        };
                        (from, edge)
                    })),
                }
            }
        }
        for (template, parameter_files) in mapped {
            // A file; or a folder, whose walked files that read such files as contexts take
            // them (a Terraform module's folder and its `-var-file` definitions).
            let file = graph.index_of(template);
            let targets: Vec<usize> = match file {
                Some(to) => vec![to],
                None => by_folder.get(key(template)).cloned().unwrap_or_default(),
            };
            for p in parameter_files {
                let from = graph.node_of(p, loader);
                for &to in &targets {
                    if file.is_none() && !frontend::takes_context(&graph.node(to).path, p) {
                        continue;
                    }
                    edges.push((
                        from,
                        Edge {
                            kind: RelationKind::Parameters,
                            node: to,
                            mapped: true,
                        },
                    ));
                }
            }
        }
        graph.computed.sort();
        graph.computed.dedup();
        edges.retain(|(from, edge)| *from != edge.node);
        let reverse: Vec<(usize, Edge)> = edges
            .iter()
            .map(|&(from, edge)| (edge.node, Edge { node: from, ..edge }))
            .collect();
        graph.forward = Adjacency::of(graph.len(), edges);
        graph.reverse = Adjacency::of(graph.len(), reverse);
        graph
    }

    /// The walked files, in the walk's order (the graph holds them: [`ProjectGraph::build`]).
    pub(crate) fn files(&self) -> &[FileToRead] {
        self.walked.files()
    }

    /// The node numbered `i`: a walked file, then those the walk did not find.
    fn node(&self, i: usize) -> &Node {
        let walked = self.walked.files();
        match walked.get(i) {
            Some(n) => n,
            None => &self.extra[i - walked.len()],
        }
    }

    /// How many nodes the graph has.
    fn len(&self) -> usize {
        self.walked.files().len() + self.extra.len()
    }

    /// The number of the node whose canonical path is `canonical`.
    fn index_of(&self, canonical: &Path) -> Option<usize> {
        self.walked
            .position(canonical)
            .or_else(|| self.extra_index.get(key(canonical)).copied())
    }

    /// The node of the canonical path `canonical`, added (shown as `loader` shows it) when
    /// the walk did not find it.
    fn node_of(&mut self, canonical: &Path, loader: Loader<'_>) -> usize {
        if let Some(i) = self.index_of(canonical) {
            return i;
        }
        self.extra.push(Node {
            display: loader.display(canonical),
            path: canonical.to_path_buf(),
            canonical: canonical.to_path_buf(),
        });
        let i = self.len() - 1;
        self.extra_index.insert(Key::from(key(canonical)), i);
        i
    }

    /// The walked files of each folder, by the folder's canonical path.
    fn by_folder(&self) -> HashMap<Key, Vec<usize>> {
        let mut out: HashMap<Key, Vec<usize>> = HashMap::default();
        for (i, n) in self.walked.files().iter().chain(&self.extra).enumerate() {
            if let Some(folder) = crate::walk::parent_of(&n.canonical) {
                match out.get_mut(key(folder)) {
                    Some(members) => members.push(i),
                    None => {
                        out.insert(Key::from(key(folder)), vec![i]);
                    }
                }
            }
        }
        out
    }

    /// What `target`, written in node `from`, leads to: files (a file the walk did not find
    /// is added, so that a data file of any extension is a node its readers reach, found
    /// when it is named), the files of a folder, or anything (computed).
    fn resolve(
        &mut self,
        from: usize,
        target: &Target,
        by_folder: &HashMap<Key, Vec<usize>>,
        links: &[(String, PathBuf)],
        loader: Loader<'_>,
    ) -> Resolved {
        let me = &self.node(from).canonical;
        let folder = crate::walk::parent_of(me).unwrap_or(me);
        let path = match target {
            Target::Relative(relative) => lexical_join(folder, &relative.replace('\\', "/")),
            Target::Uri(reference) => match crate::eval::mapped_reference(reference, links) {
                Some(local) => local,
                None => return Resolved::Files(Vec::new()),
            },
            Target::Folder(relative) => {
                return Resolved::Folder(lexical_join(folder, &relative.replace('\\', "/")));
            }
            Target::Beside(stem) => {
                let found = by_folder
                    .get(key(folder))
                    .into_iter()
                    .flatten()
                    .copied()
                    .filter(|&i| i != from)
                    .filter(|&i| {
                        let name = crate::walk::file_name_of(&self.node(i).canonical);
                        let name = name.map(|n| n.to_string_lossy()).unwrap_or_default();
                        name.rsplit_once('.')
                            .is_some_and(|(s, _)| s.eq_ignore_ascii_case(stem))
                    })
                    .collect();
                return Resolved::Files(found);
            }
            Target::Nearest(name) => match frontend::nearest(loader, me, name) {
                Some(found) => found,
                None => return Resolved::Files(Vec::new()),
            },
            Target::Computed => return Resolved::Computed,
        };
        Resolved::Files(vec![self.node_of(&path, loader)])
    }

    /// Whether the file at canonical path `file` gives values to a file of the graph (a
    /// parameter file related to its template by name, text or the config).
    pub(crate) fn gives_values(&self, file: &Path) -> bool {
        self.index_of(file).is_some_and(|i| {
            self.forward[i]
                .iter()
                .any(|e| e.kind == RelationKind::Parameters)
        })
    }

    /// The canonical path of the walked file whose name sorts first among the walked files of
    /// the folder of the file at canonical path `file` that have its extension (any case):
    /// `None` when the walk did not find such a file (a graph of no files).
    pub(crate) fn first_of_kind(&self, file: &Path) -> Option<&Path> {
        let kind = kind_of(file)?;
        let files = self.walked.files();
        let &i = self
            .first_of_kind
            .find(kind_hash(&self.kinds, kind), |&j| {
                kind_of(&files[j as usize].canonical).is_some_and(|k| same_kind(k, kind))
            })?;
        Some(files[i as usize].canonical.as_path())
    }

    /// The canonical paths of the files that may be compiled from the file at canonical path
    /// `source` (a `main.json` or `azuredeploy.json` beside `main.bicep`), by their names: whether
    /// one says it was is known only once it is read.
    pub(crate) fn compiled_twins(&self, source: &Path) -> Vec<&Path> {
        let Some(s) = self.index_of(source) else {
            return Vec::new();
        };
        self.reverse[s]
            .iter()
            .filter(|e| e.kind == RelationKind::CompiledFrom)
            .map(|e| self.node(e.node).canonical.as_path())
            .collect()
    }

    /// The parameter files of the walked file at canonical path `template`, in the order its
    /// contexts are evaluated: those in its own folder by name, then those elsewhere that
    /// name it (by display), then those the config maps to it in the config's order.
    pub(crate) fn parameter_files(&self, template: &Path) -> Vec<ParameterFile> {
        let Some(t) = self.index_of(template) else {
            return Vec::new();
        };
        let folder = crate::walk::parent_of(template);
        let mut found: Vec<(u8, &Node, bool)> = self.reverse[t]
            .iter()
            .filter(|e| e.kind == RelationKind::Parameters)
            .map(|e| {
                let n = self.node(e.node);
                let rank = if e.mapped {
                    2
                } else if crate::walk::parent_of(&n.canonical) == folder {
                    0
                } else {
                    1
                };
                (rank, n, e.mapped)
            })
            .collect();
        found.sort_by(|a, b| {
            a.0.cmp(&b.0).then_with(|| match a.0 {
                0 => a.1.canonical.file_name().cmp(&b.1.canonical.file_name()),
                1 => a.1.display.cmp(&b.1.display),
                _ => std::cmp::Ordering::Equal,
            })
        });
        // A file both beside it and mapped is one context.
        let mut seen = foldhash::HashSet::default();
        found
            .into_iter()
            .filter(|(_, n, _)| seen.insert(n.canonical.clone()))
            .map(|(_, n, mapped)| ParameterFile {
                path: n.path.clone(),
                canonical: n.canonical.clone(),
                display: n.display.clone(),
                mapped,
            })
            .collect()
    }

    /// The canonical paths of the files a run over the files at canonical paths `named`
    /// judges: those whose judgement may find something that touches a named file, or that
    /// the full run would keep in place of such a finding. Sorted.
    ///
    /// A file touches what its judgement reads: the named file itself; transitively, the
    /// files that deploy, import, load or extend it (their judgement reads it, and so does the
    /// judgement of whatever deploys them); the template a parameter file gives values to (but
    /// not that template's callers: they judge it with their own values, never the parameter
    /// file's); the Bicep file a compiled template was built from (it decides whether the
    /// template's findings are set aside) and the templates compiled from a Bicep file (it is
    /// judged in their contexts too); and, when a template that a computed link may
    /// reach is among them, every file with a computed link (and what reaches it). A file
    /// with any other computed relation (a computed parameters link) is always judged.
    ///
    /// The files a named file reads are judged by their other readers too: a module deployed
    /// by two callers may give the same finding through each (the same place, rule and
    /// message), and the full run keeps one of them (the least fingerprint); the run over a
    /// named caller keeps the same one only when it sees them all.
    ///
    /// Whether a file may be deployed by a computed link is asked of `linkable` (its path to
    /// open and its canonical path) only for the files a named one's judgement reads, and only
    /// when some file computes a link: a look at every file's bytes for it would cost more.
    ///
    /// Then a file that computes links is judged only when they may lead where it matters:
    /// `links` tells, without judging it, the canonical paths its deployments may link to
    /// when it is deployed on its own, through the files the predicate it is given names
    /// (those that compute links in turn, with the values this one passes them); `None`:
    /// anywhere. It matters when one of them is a file whose judgement reads a named one, or
    /// a file the graph does not hold. A file deployed by another is not asked (only judging
    /// that one tells where its links lead): it matters, and so does what deploys it.
    pub(crate) fn reaching(
        &self,
        named: &[PathBuf],
        linkable: &dyn Fn(&Path, &Path) -> bool,
        links: &LinkTargets<'_>,
    ) -> Vec<PathBuf> {
        /// How a file was reached.
        #[derive(Clone, Copy, PartialEq, Eq)]
        enum Reached {
            /// Its judgement reads a named file, and so does that of whatever reads it.
            Reads = 0,
            /// It is judged with values from a named file (or decides a named file's findings):
            /// what reads it does not read the named file.
            Context = 1,
            /// A named file's judgement reads it: its other readers may find what it does.
            Read = 2,
            /// It reads a file that a named file's judgement reads.
            Shares = 3,
        }
        let mut seen = vec![[false; 4]; self.len()];
        let mut stack: Vec<(usize, Reached)> = named
            .iter()
            .filter_map(|p| self.index_of(p).map(|i| (i, Reached::Reads)))
            .collect();
        // A named file the walk does not read and no relation names (a `.tf` file) is read by
        // what reads its folder; in no such folder (a module's), by anything that reads a
        // folder (a plan reads the modules its configuration calls).
        let extensions = frontend::extensions();
        for p in named {
            let read_by_relation = self
                .index_of(p)
                .is_some_and(|i| !self.reverse[i].is_empty());
            let walked_kind = p
                .extension()
                .map(|e| e.to_string_lossy().to_ascii_lowercase())
                .is_some_and(|e| extensions.contains(&e.as_str()));
            let readers = match crate::walk::parent_of(p).and_then(|d| self.folders.get(key(d))) {
                Some(readers) => readers.clone(),
                None if !read_by_relation && !walked_kind => {
                    self.folders.values().flatten().copied().collect()
                }
                None => Vec::new(),
            };
            stack.extend(readers.into_iter().map(|i| (i, Reached::Reads)));
        }
        let (computed_links, computed_other): (Vec<_>, Vec<_>) = self
            .computed
            .iter()
            .partition(|(_, kind)| *kind == RelationKind::Deploys);
        stack.extend(computed_other.iter().map(|(i, _)| (*i, Reached::Reads)));
        let mut links_followed = false;
        // A file that reads folders (a `.tf` file: its own, a local module's) is read in turn by
        // whatever reads its own folder (the plan made from it).
        let reads_folders: foldhash::HashSet<usize> =
            self.folders.values().flatten().copied().collect();
        let folder_readers = |i: usize| {
            let folder = crate::walk::parent_of(&self.node(i).canonical);
            let readers = folder
                .filter(|_| reads_folders.contains(&i))
                .and_then(|d| self.folders.get(key(d)));
            readers
                .into_iter()
                .flatten()
                .map(|&r| (r, Reached::Reads))
                .collect::<Vec<_>>()
        };
        let users = |i: usize, how: Reached| {
            self.reverse[i]
                .iter()
                .filter(|e| reads(e.kind))
                .map(move |e| (e.node, how))
        };
        let needs = |i: usize, how: Reached| {
            self.forward[i]
                .iter()
                .filter(|e| reads(e.kind))
                .map(move |e| (e.node, how))
        };
        // What each file that computes links may link to, asked once (`None`: anywhere).
        let mut probed: foldhash::HashMap<usize, Leads> = foldhash::HashMap::default();
        let computes_links: foldhash::HashSet<usize> =
            computed_links.iter().map(|(c, _)| *c).collect();
        loop {
            while let Some((i, how)) = stack.pop() {
                if std::mem::replace(&mut seen[i][how as usize], true) {
                    continue;
                }
                // Its findings are set aside when its Bicep source finds them all; a source is
                // judged in the contexts of the templates compiled from it too.
                stack.extend(
                    self.forward[i]
                        .iter()
                        .chain(&self.reverse[i])
                        .filter(|e| e.kind == RelationKind::CompiledFrom)
                        .map(|e| (e.node, Reached::Context)),
                );
                match how {
                    Reached::Context => {}
                    Reached::Shares => stack.extend(users(i, Reached::Shares)),
                    Reached::Read => {
                        stack.extend(users(i, Reached::Shares));
                        stack.extend(needs(i, Reached::Read));
                    }
                    Reached::Reads => {
                        if !links_followed
                            && !computed_links.is_empty()
                            && linkable(&self.node(i).path, &self.node(i).canonical)
                        {
                            links_followed = true;
                        }
                        stack.extend(users(i, Reached::Reads));
                        stack.extend(folder_readers(i));
                        stack.extend(needs(i, Reached::Read));
                        stack.extend(
                            self.forward[i]
                                .iter()
                                .filter(|e| e.kind == RelationKind::Parameters)
                                .map(|e| (e.node, Reached::Context)),
                        );
                    }
                }
            }
            if !links_followed {
                break;
            }
            // The files that compute links and may lead to one whose judgement reads a named
            // file: judged, and what deploys them (until no more are found). Each is asked
            // once, all of them at a time.
            let unasked: Vec<usize> = computed_links
                .iter()
                .map(|(c, _)| *c)
                .filter(|c| !probed.contains_key(c) && !seen[*c][Reached::Reads as usize])
                .collect();
            probed.extend(self.where_links_lead(&unasked, &computes_links, links));
            let before = stack.len();
            for &(c, _) in &computed_links {
                if seen[c][Reached::Reads as usize] {
                    continue;
                }
                // It matters when it may lead to a file whose judgement reads a named one, or
                // to one the graph does not hold.
                let matters = match &probed[&c] {
                    None => true,
                    Some(targets) => targets
                        .iter()
                        .any(|t| t.is_none_or(|t| seen[t][Reached::Reads as usize])),
                };
                if matters {
                    stack.push((c, Reached::Reads));
                }
            }
            if stack.len() == before {
                break;
            }
        }
        let seen: Vec<bool> = seen.iter().map(|s| s.iter().any(|&b| b)).collect();
        let mut out: Vec<PathBuf> = seen
            .iter()
            .enumerate()
            .filter(|(_, s)| **s)
            .map(|(i, _)| self.node(i).canonical.clone())
            .collect();
        out.extend(named.iter().filter(|p| self.index_of(p).is_none()).cloned());
        out.sort();
        out.dedup();
        out
    }

    /// Where the links of each of the files `asking` (which compute links) lead, asked of
    /// `links` all at a time, following the files of `computes_links`. A file another reads
    /// (a caller deploys it) is not asked: it computes its links with that caller's values,
    /// and only judging the caller tells.
    fn where_links_lead(
        &self,
        asking: &[usize],
        computes_links: &foldhash::HashSet<usize>,
        links: &LinkTargets<'_>,
    ) -> Vec<(usize, Leads)> {
        let follow = |path: &Path| {
            self.index_of(path)
                .is_some_and(|i| computes_links.contains(&i))
        };
        asking
            .par_iter()
            .map(|&c| {
                let deployed = self.reverse[c].iter().any(|e| reads(e.kind));
                if deployed || c >= self.files().len() {
                    return (c, None);
                }
                let leads = links(self.node(c), &follow)
                    .map(|paths| paths.iter().map(|p| self.index_of(p)).collect());
                (c, leads)
            })
            .collect()
    }
}

/// Whether a relation makes one file's judgement read the other's text.
fn reads(kind: RelationKind) -> bool {
    !matches!(kind, RelationKind::Parameters | RelationKind::CompiledFrom)
}

/// The relations of the walked file `file`: by its name, and (as `discovery` says) as its
/// text writes them. A file that cannot be read has the relations of its name: what cannot be
/// read is said when it is judged.
fn sniff(file: &FileToRead, discovery: Discovery, loader: Loader<'_>) -> Vec<Relation> {
    let read = match discovery {
        Discovery::None => return Vec::new(),
        Discovery::All => true,
        Discovery::Contexts => frontend::names_its_template(&file.path),
    };
    if !read {
        return frontend::relations_by_name(&file.path);
    }
    // Most files relate to nothing: a look at their bytes dismisses them undecoded.
    let mut sniffed = frontend::Sniffed::default();
    let read = loader.read_walked(file, |bytes| {
        sniffed = frontend::sniff_relations(&file.path, bytes);
        sniffed.any()
    });
    let mut relations = match read {
        Ok(Some(loaded)) => frontend::relations(&file.path, &loaded.text, sniffed),
        _ => frontend::relations_by_name(&file.path),
    };
    // A file naming more files than any project has is bounded: past the bound it may
    // reach anything (sound, and its nodes and edges stay few).
    if relations.len() > MAX_RELATIONS {
        relations.truncate(MAX_RELATIONS);
        // A computed read is followed whatever is named: the file is always judged.
        relations.push(Relation::new(RelationKind::Reads, Target::Computed));
    }
    relations
}

/// The kind of the file at `path` that [`ProjectGraph::first_of_kind`] groups by: the bytes of
/// its folder and of its extension (empty when it has none), the extension compared in any
/// ASCII case; `None` for a path with no folder.
fn kind_of(path: &Path) -> Option<(&[u8], &[u8])> {
    let folder = key(crate::walk::parent_of(path)?);
    let extension = crate::walk::extension_of(path).map_or(&b""[..], |e| e.as_encoded_bytes());
    Some((folder, extension))
}

/// Whether two kinds ([`kind_of`]) are one: the same folder, the extension in any ASCII case.
fn same_kind(a: (&[u8], &[u8]), b: (&[u8], &[u8])) -> bool {
    a.0 == b.0 && a.1.eq_ignore_ascii_case(b.1)
}

/// The hash of a kind ([`kind_of`]) under `state`: the extension's bytes in lower case, so
/// that kinds [`same_kind`] calls one hash alike.
fn kind_hash(state: &foldhash::fast::RandomState, (folder, extension): (&[u8], &[u8])) -> u64 {
    use std::hash::Hasher as _;
    let mut h = state.build_hasher();
    h.write(folder);
    h.write_u8(0xff);
    for b in extension {
        h.write_u8(b.to_ascii_lowercase());
    }
    h.finish()
}

/// Most relations kept of one file (a template deploying 4,096 files is far beyond any real
/// one; a hostile file naming millions would otherwise add a node for each).
const MAX_RELATIONS: usize = 4096;

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether the file at `path` may be deployed by a computed link, read from disk.
    fn on_disk(path: &Path, _canonical: &Path) -> bool {
        std::fs::read(path).is_ok_and(|bytes| frontend::linkable(path, &bytes))
    }

    /// A project of `files` (relative path → text) in a temporary folder, its graph built
    /// reading every file, and the folder.
    fn graph_of(files: &[(&str, &str)]) -> (ProjectGraph, tempfile::TempDir, Vec<FileToRead>) {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().canonicalize().expect("canonical");
        let mut walked = Vec::new();
        for (name, text) in files {
            let path = root.join(name);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(&path, text).expect("write");
            walked.push(FileToRead {
                display: (*name).to_owned(),
                canonical: path.clone(),
                path,
            });
        }
        let roots = vec![root.clone()];
        let set = PathSet::of_files(walked.clone());
        let loader = Loader::new(&roots, &root, &set);
        let graph = ProjectGraph::build(&set, Discovery::All, loader, &[], &[], None);
        (graph, dir, walked)
    }

    #[test]
    fn a_parameter_file_reaches_its_template_but_not_the_templates_callers() {
        let module = "param image object\n";
        let caller = "module m 'vm.bicep' = { name: 'm' }\n";
        let params = "using 'vm.bicep'\nparam image = {}\n";
        let (graph, _dir, files) = graph_of(&[
            ("vm.bicep", module),
            ("caller.bicep", caller),
            ("prod.bicepparam", params),
        ]);
        let path = |i: usize| files[i].canonical.clone();
        assert_eq!(graph.reaching(&[path(2)], &on_disk, &|_, _| None), {
            let mut v = vec![path(0), path(2)];
            v.sort();
            v
        });
        // The module named: its caller, and its parameter file is not needed.
        let mut want = vec![path(0), path(1)];
        want.sort();
        assert_eq!(graph.reaching(&[path(0)], &on_disk, &|_, _| None), want);
        assert_eq!(graph.parameter_files(&path(0)).len(), 1);
    }

    #[test]
    fn a_file_computing_links_is_judged_only_when_they_may_lead_to_a_named_file() {
        let template = |resources: &str| {
            format!(
                r#"{{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "contentVersion": "1.0.0.0", "resources": [{resources}]}}"#
            )
        };
        let linking = |link: &str| {
            template(&format!(
                r#"{{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "d", "properties": {{"mode": "Incremental", "templateLink": {{{link}}}}}}}"#
            ))
        };
        let computed =
            linking(r#""uri": "[uri(deployment().properties.templateLink.uri, variables('x'))]""#);
        let (graph, _dir, files) = graph_of(&[
            ("named.json", &template("")),
            ("to-named.json", &computed),
            ("elsewhere.json", &computed),
            ("other.json", &template("")),
            ("deployed.json", &computed),
            (
                "caller.json",
                &linking(r#""relativePath": "deployed.json""#),
            ),
            ("anywhere.json", &computed),
            ("unheld.json", &computed),
            ("through.json", &computed),
            ("middle.json", &linking(r#""relativePath": "inner.json""#)),
            ("inner.json", &computed),
        ]);
        let path = |name: &str| {
            files
                .iter()
                .find(|f| f.display == name)
                .expect("file")
                .canonical
                .clone()
        };
        // What each file's links lead to when it is deployed on its own. A file another
        // deploys is never asked: that one's values decide its links.
        let links = |file: &Node, _: &(dyn Fn(&Path) -> bool + Sync)| match file.display.as_str() {
            "to-named.json" => Some(vec![path("named.json")]),
            "elsewhere.json" => Some(vec![path("other.json")]),
            "anywhere.json" => None,
            "unheld.json" => Some(vec![path("named.json").with_file_name("not-walked.json")]),
            "through.json" => Some(vec![path("middle.json")]),
            "deployed.json" | "inner.json" => panic!("{} is deployed by another", file.display),
            other => panic!("{other} computes no link"),
        };
        let reached = graph.reaching(&[path("named.json")], &on_disk, &links);
        let mut want: Vec<PathBuf> = [
            "named.json",
            "to-named.json",
            "deployed.json",
            "caller.json",
            "anywhere.json",
            "unheld.json",
            // inner.json may lead anywhere with what middle.json passes it; through.json
            // deploys middle.json: found once those are.
            "inner.json",
            "middle.json",
            "through.json",
        ]
        .into_iter()
        .map(path)
        .collect();
        want.sort();
        assert_eq!(reached, want);
        // No file computing a link may lead to a file that is not a template: none is asked.
        let no_link = |_: &Node, _: &(dyn Fn(&Path) -> bool + Sync)| -> Option<Vec<PathBuf>> {
            panic!("asked")
        };
        let never = |_: &Path, _: &Path| false;
        assert_eq!(
            graph.reaching(&[path("other.json")], &never, &no_link),
            [path("other.json")]
        );
    }

    #[test]
    fn a_file_naming_thousands_of_files_is_bounded_and_reaches_anything() {
        let many: String = (0..5000)
            .map(|i| format!("module m{i} 'm{i}.bicep' = {{ name: 'm{i}' }}\n"))
            .collect();
        let (graph, _dir, files) = graph_of(&[("main.bicep", &many), ("other.bicep", "")]);
        assert!(graph.len() <= 2 + MAX_RELATIONS, "{}", graph.len());
        // It may read anything, so a run naming any file judges it.
        let reached = graph.reaching(&[files[1].canonical.clone()], &on_disk, &|_, _| None);
        assert!(
            reached.contains(&files[0].canonical),
            "main.bicep is judged"
        );
    }

    #[test]
    fn the_first_file_of_a_kind_in_each_folder_is_known_by_name() {
        let (graph, _dir, files) = graph_of(&[
            ("a/z.tf", ""),
            ("a/b.TF", ""),
            ("a/a.json", "{}"),
            ("c/main.tf", ""),
        ]);
        let path = |i: usize| files[i].canonical.as_path();
        assert_eq!(graph.first_of_kind(path(0)), Some(path(1)), "any case");
        assert_eq!(graph.first_of_kind(path(1)), Some(path(1)));
        assert_eq!(
            graph.first_of_kind(path(2)),
            Some(path(2)),
            "its own extension"
        );
        assert_eq!(
            graph.first_of_kind(path(3)),
            Some(path(3)),
            "its own folder"
        );
        let elsewhere = path(3).with_file_name("other.bicep");
        assert_eq!(graph.first_of_kind(&elsewhere), None);
    }

    proptest::proptest! {
        /// The adjacency holds, for each node, what a vector per node sorted and rid of
        /// repeats of a kind and node (the first of them kept) would, on any edges.
        #[test]
        fn an_adjacency_is_a_sorted_vector_per_node(
            nodes in 0usize..6,
            raw in proptest::collection::vec((0usize..6, 0usize..6, 0usize..6, proptest::bool::ANY), 0..40),
        ) {
            let kinds = [
                RelationKind::Parameters,
                RelationKind::Extends,
                RelationKind::Deploys,
                RelationKind::Imports,
                RelationKind::Reads,
                RelationKind::CompiledFrom,
            ];
            let pairs: Vec<(usize, Edge)> = raw
                .iter()
                .filter(|(from, to, _, _)| *from < nodes && *to < nodes)
                .map(|&(from, node, kind, mapped)| (from, Edge { kind: kinds[kind], node, mapped }))
                .collect();
            let mut want = vec![Vec::new(); nodes];
            for &(from, edge) in &pairs {
                want[from].push(edge);
            }
            for list in &mut want {
                list.sort();
                list.dedup_by(|a, b| a.kind == b.kind && a.node == b.node);
            }
            let got = Adjacency::of(nodes, pairs);
            for (i, list) in want.iter().enumerate() {
                proptest::prop_assert_eq!(&got[i], &list[..]);
            }
            proptest::prop_assert!(got.of_node(nodes).is_empty());
        }
    }

    #[test]
    fn only_a_plan_reads_its_folder() {
        // A template that links another is no plan: each frontend's relations are asked of a
        // file only when its own look at the bytes finds some.
        let schema =
            "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";
        let template = format!(
            r#"{{"$schema": "{schema}", "resources": [{{"type": "Microsoft.Resources/deployments", "name": "d", "properties": {{"templateLink": {{"relativePath": "vm.json"}}}}}}]}}"#
        );
        let plan = r#"{"format_version":"1.2","terraform_version":"1.9.5","resource_changes":[]}"#;
        let (graph, _dir, files) = graph_of(&[
            ("azuredeploy.json", &template),
            ("vm.json", "{}"),
            ("infra/plan.json", plan),
        ]);
        let readers: Vec<&usize> = graph.folders.values().flatten().collect();
        assert_eq!(readers, [&2], "{:?}", graph.folders);
        assert_eq!(graph.forward[0].len(), 1, "the link to vm.json");
        let _ = files;
    }
}
