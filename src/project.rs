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
//! A target computed during evaluation (a link built by an expression) may be any file: the
//! file that computes it reaches every file. Cycles are walked once (each node is visited once).

use std::path::{Path, PathBuf};

use foldhash::HashMap;
use rayon::prelude::*;

use crate::frontend::{self, ParameterFile, Relation, RelationKind, Target};
use crate::source::{Loader, lexical_join};
use crate::walk::FileToRead;

/// How much of each file building the graph reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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

/// A file of the graph.
#[derive(Clone, Debug)]
struct Node {
    /// How it is shown.
    display: String,
    /// The path to open.
    path: PathBuf,
    /// Its canonical path.
    canonical: PathBuf,
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
    /// The files: those walked, in the walk's order, then those the config maps that the walk
    /// did not find.
    nodes: Vec<Node>,
    /// Each node by its canonical path.
    index: HashMap<PathBuf, usize>,
    /// What each file relates to.
    forward: Vec<Vec<Edge>>,
    /// What relates to each file.
    reverse: Vec<Vec<Edge>>,
    /// The files with a relation whose target is computed during evaluation: they may reach
    /// any file.
    computed: Vec<usize>,
}

impl ProjectGraph {
    /// The graph of the walked `files`, reading them with `loader` as `discovery` says; the
    /// config's `[links]` (`links`) and `[parameter_files]` (`mapped`: canonical template →
    /// canonical parameter files) add theirs.
    pub(crate) fn build(
        files: &[FileToRead],
        discovery: Discovery,
        loader: Loader<'_>,
        links: &[(String, PathBuf)],
        mapped: &[(PathBuf, Vec<PathBuf>)],
    ) -> ProjectGraph {
        let mut graph = ProjectGraph {
            nodes: files
                .iter()
                .map(|f| Node {
                    display: f.display.clone(),
                    path: f.path.clone(),
                    canonical: f.canonical.clone(),
                })
                .collect(),
            ..ProjectGraph::default()
        };
        graph.index = graph
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.canonical.clone(), i))
            .collect();
        let relations: Vec<Vec<Relation>> = files
            .par_iter()
            .map(|f| sniff(f, discovery, loader))
            .collect();
        let by_folder = graph.by_folder();
        let mut edges: Vec<(usize, Edge)> = Vec::new();
        for (from, relations) in relations.into_iter().enumerate() {
            for relation in relations {
                let targets = graph.resolve(from, &relation.target, &by_folder, links);
                match targets {
                    None => graph.computed.push(from),
                    Some(targets) => edges.extend(targets.into_iter().map(|to| {
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
            let Some(&to) = graph.index.get(template) else {
                continue;
            };
            for p in parameter_files {
                let from = graph.node_of(p, loader);
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
        graph.computed.dedup();
        graph.forward = vec![Vec::new(); graph.nodes.len()];
        graph.reverse = vec![Vec::new(); graph.nodes.len()];
        for (from, edge) in edges {
            if from == edge.node {
                continue;
            }
            graph.forward[from].push(edge);
            graph.reverse[edge.node].push(Edge { node: from, ..edge });
        }
        for list in graph.forward.iter_mut().chain(graph.reverse.iter_mut()) {
            list.sort();
            list.dedup_by(|a, b| a.kind == b.kind && a.node == b.node);
        }
        graph
    }

    /// The node of the canonical path `canonical`, added (shown as `loader` shows it) when
    /// the walk did not find it.
    fn node_of(&mut self, canonical: &Path, loader: Loader<'_>) -> usize {
        if let Some(&i) = self.index.get(canonical) {
            return i;
        }
        self.nodes.push(Node {
            display: loader.display(canonical),
            path: canonical.to_path_buf(),
            canonical: canonical.to_path_buf(),
        });
        let i = self.nodes.len() - 1;
        self.index.insert(canonical.to_path_buf(), i);
        i
    }

    /// The walked files of each folder, by the folder's canonical path.
    fn by_folder(&self) -> HashMap<PathBuf, Vec<usize>> {
        let mut out: HashMap<PathBuf, Vec<usize>> = HashMap::default();
        for (i, n) in self.nodes.iter().enumerate() {
            if let Some(folder) = n.canonical.parent() {
                out.entry(folder.to_path_buf()).or_default().push(i);
            }
        }
        out
    }

    /// The nodes `target`, written in node `from`, leads to (none when it names no walked
    /// file), or `None` when it is computed and may be any file.
    fn resolve(
        &self,
        from: usize,
        target: &Target,
        by_folder: &HashMap<PathBuf, Vec<usize>>,
        links: &[(String, PathBuf)],
    ) -> Option<Vec<usize>> {
        let me = &self.nodes[from].canonical;
        let folder = me.parent().unwrap_or(me);
        let found = |path: PathBuf| self.index.get(&path).copied().into_iter().collect();
        Some(match target {
            Target::Relative(relative) => found(lexical_join(folder, &relative.replace('\\', "/"))),
            Target::Uri(reference) => match crate::eval::mapped_reference(reference, links) {
                Some(local) => found(local),
                None => Vec::new(),
            },
            Target::Beside(stem) => by_folder
                .get(folder)
                .into_iter()
                .flatten()
                .copied()
                .filter(|&i| i != from)
                .filter(|&i| {
                    let name = self.nodes[i].canonical.file_name();
                    let name = name.map(|n| n.to_string_lossy()).unwrap_or_default();
                    name.rsplit_once('.')
                        .is_some_and(|(s, _)| s.eq_ignore_ascii_case(stem))
                })
                .collect(),
            Target::Computed => return None,
        })
    }

    /// The parameter files of the walked file at canonical path `template`, in the order its
    /// contexts are evaluated: those in its own folder by name, then those elsewhere that
    /// name it (by display), then those the config maps to it in the config's order.
    pub(crate) fn parameter_files(&self, template: &Path) -> Vec<ParameterFile> {
        let Some(&t) = self.index.get(template) else {
            return Vec::new();
        };
        let folder = template.parent();
        let mut found: Vec<(u8, &Node, bool)> = self.reverse[t]
            .iter()
            .filter(|e| e.kind == RelationKind::Parameters)
            .map(|e| {
                let n = &self.nodes[e.node];
                let rank = if e.mapped {
                    2
                } else if n.canonical.parent() == folder {
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
    /// judges: the named files and, transitively, every file whose judgement reads one of
    /// them — the callers of a linked template or module, the importers and readers of a
    /// file, the parameter files that extend one, the templates a parameter file gives values
    /// to — every file whose targets are computed (it may reach any file) with what reaches
    /// those, and the template compiled from, or to, each of them (a compiled template is
    /// judged beside its source). Sorted.
    pub(crate) fn reaching(&self, named: &[PathBuf]) -> Vec<PathBuf> {
        let mut seen = vec![false; self.nodes.len()];
        let mut stack: Vec<usize> = named
            .iter()
            .filter_map(|p| self.index.get(p).copied())
            .chain(self.computed.iter().copied())
            .collect();
        while let Some(i) = stack.pop() {
            if std::mem::replace(&mut seen[i], true) {
                continue;
            }
            // Who needs this file: its callers, importers, readers and extenders, and the
            // Bicep file it was compiled from or to.
            stack.extend(
                self.reverse[i]
                    .iter()
                    .filter(|e| e.kind != RelationKind::Parameters)
                    .map(|e| e.node),
            );
            // The templates it gives values to, and its compiled twin.
            stack.extend(
                self.forward[i]
                    .iter()
                    .filter(|e| {
                        matches!(
                            e.kind,
                            RelationKind::Parameters | RelationKind::CompiledFrom
                        )
                    })
                    .map(|e| e.node),
            );
        }
        let mut out: Vec<PathBuf> = seen
            .iter()
            .enumerate()
            .filter(|(_, s)| **s)
            .map(|(i, _)| self.nodes[i].canonical.clone())
            .collect();
        out.extend(
            named
                .iter()
                .filter(|p| !self.index.contains_key(*p))
                .cloned(),
        );
        out.sort();
        out.dedup();
        out
    }
}

/// The relations of the walked file `file`: by its name, and (as `discovery` says) as its
/// text writes them. A file that cannot be read has those of its name: what cannot be read
/// is said when it is judged.
fn sniff(file: &FileToRead, discovery: Discovery, loader: Loader<'_>) -> Vec<Relation> {
    let read = match discovery {
        Discovery::None => return Vec::new(),
        Discovery::All => true,
        Discovery::Contexts => frontend::names_its_template(&file.path),
    };
    if !read {
        return frontend::relations_by_name(&file.path);
    }
    match loader.read_walked(file, |_| true) {
        Ok(Some(loaded)) => frontend::relations(&file.path, &loaded.text),
        _ => frontend::relations_by_name(&file.path),
    }
}
