//! The Terraform configuration beside a plan: when the plan file sits in a working directory
//! whose `.tf` files are readable, a finding points at the resource's attribute in the `.tf`
//! source (where a person changes it), with the plan position kept as a related location.
//!
//! Only these directories are read: the plan file's own directory (the root module), the
//! directories of `module` calls whose `source` is a relative path (`./x`, `../x`), and the
//! `Dir` of entries in `.terraform/modules/modules.json`; and only when the directory is
//! inside the scanned roots. Files are read through the run's loader (its size limit
//! applies), and all of them together within the plan's allowance of bytes of files led to.
//! A `.tf` file that cannot be read or parsed, or does not fit, is skipped: the finding then
//! keeps its plan location.

use foldhash::{HashMap, HashMapExt};
use std::path::{Path, PathBuf};

use hcl_edit::Span as _;
use hcl_edit::structure::Body;

use crate::eval::Allowance;
use crate::frontend::terraform;
use crate::source::{FileId, Loader, SourceMap, Span};
use crate::value::subject::ModuleVariable;
use crate::value::{Hop, Kind, Subject, Value};

/// How deep local `module` calls are followed.
const MAX_MODULE_DEPTH: usize = 16;

/// The parsed `.tf` files of one module directory.
type ModuleFiles = Vec<(FileId, Body)>;

/// The configuration of a plan's working directory, by module path (`""` for the root,
/// `web.pool` for `module.web.module.pool`).
#[derive(Default)]
pub(crate) struct TfSource {
    dirs: Vec<ModuleFiles>,
    modules: HashMap<String, usize>,
    /// The canonical paths of every `.tf` file of the directories of the configuration,
    /// read or not (too large, not parsed): the plan stands for what they declare.
    files: Vec<PathBuf>,
}

impl TfSource {
    /// The canonical paths of the `.tf` files of the configuration's directories: what the
    /// plan was made from, whose own judgement stands aside for the plan's.
    pub(crate) fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// Loads the configuration beside the plan at `plan`, adding the `.tf` files it reads
    /// through `loader` to `sources`. Directories outside the loader's roots are not read.
    pub(crate) fn load(
        plan: &Path,
        loader: Loader<'_>,
        sources: &mut SourceMap,
        allowance: &Allowance,
    ) -> TfSource {
        let mut out = TfSource::default();
        let Some(work) = plan.parent().map(|p| {
            if p.as_os_str().is_empty() {
                Path::new(".")
            } else {
                p
            }
        }) else {
            return out;
        };
        let Some(work) = inside(work, loader) else {
            return out;
        };
        let mut modules = Modules {
            loader,
            sources,
            by_dir: HashMap::new(),
            allowance,
        };
        // `.terraform/modules/modules.json`: what `terraform init` installed.
        let manifest = work.join(".terraform").join("modules").join("modules.json");
        if let Some(entries) = read_manifest(&manifest, loader) {
            for (key, dir) in entries {
                let key = if key == "." { String::new() } else { key };
                if out.modules.contains_key(&key) {
                    continue;
                }
                if let Some(dir) = inside(&work.join(dir), loader)
                    && let Some(index) = modules.dir(&dir, &mut out)
                {
                    out.modules.insert(key, index);
                }
            }
        }
        // The root module and local `module` calls, for what the manifest does not name.
        if let Some(index) = modules.dir(&work, &mut out) {
            out.modules.entry(String::new()).or_insert(index);
            modules.calls(String::new(), index, 0, &mut out);
        }
        out
    }

    /// Points the top-level attributes and blocks of `body` (a resource's planned values) at
    /// where the `resource "type" "name"` block in module `modules` writes them. Values that
    /// came from elsewhere (resolved through the configuration) are left as they are.
    pub(crate) fn relocate(
        &self,
        modules: &[String],
        resource_type: &str,
        name: &str,
        body: &mut Value,
    ) {
        let Some(&index) = self.modules.get(&modules.join(".")) else {
            return;
        };
        for (file, hcl) in &self.dirs[index] {
            let found = hcl.get_blocks("resource").find(|b| {
                b.labels.len() == 2
                    && b.labels[0].as_str() == resource_type
                    && b.labels[1].as_str() == name
            });
            if let Some(block) = found {
                let inputs = |name: &str| self.input_chain(modules, name);
                attributes(body, &block.body, *file, &inputs);
                return;
            }
        }
    }

    /// Where the value of input `name` of module `modules` is written, following bare
    /// `var.…` arguments up the module calls: the argument's span in the outermost caller
    /// that writes something else, and a hop for each `var.…` passed through (innermost
    /// first). `None` at the root module, or when a caller's `.tf` is not read.
    fn input_chain(&self, modules: &[String], name: &str) -> Option<(Span, Vec<Hop>)> {
        let mut hops = Vec::new();
        let mut depth = modules.len();
        let mut input = name.to_owned();
        let mut at = None;
        while depth > 0 {
            let (call, parent) = (&modules[depth - 1], &modules[..depth - 1]);
            let Some((span, written)) = self.argument(parent, call, &input) else {
                break;
            };
            let module = modules[..depth]
                .iter()
                .map(|m| format!("module.{m}"))
                .collect::<Vec<_>>()
                .join(".");
            at = Some(span);
            hops.push(Hop {
                span,
                via: Subject::ModuleInput(ModuleVariable {
                    name: input.clone(),
                    module,
                }),
            });
            match written.as_deref().and_then(|r| r.strip_prefix("var.")) {
                Some(next) if !next.contains('.') && !next.contains('[') => {
                    input = next.to_owned();
                    depth -= 1;
                }
                _ => break,
            }
        }
        let literal = at?;
        // The last hop is the literal itself.
        hops.pop();
        Some((literal, hops))
    }

    /// The span of the argument `input` of the `module "call"` block in module `modules`, and
    /// the reference it is when it is nothing else.
    fn argument(
        &self,
        modules: &[String],
        call: &str,
        input: &str,
    ) -> Option<(Span, Option<String>)> {
        let &index = self.modules.get(&modules.join("."))?;
        self.dirs[index].iter().find_map(|(file, hcl)| {
            let block = hcl
                .get_blocks("module")
                .find(|b| b.labels.len() == 1 && b.labels[0].as_str() == call)?;
            let attribute = block.body.get_attribute(input)?;
            let range = attribute.value.span()?;
            Some((
                Span::new(*file, range.start, range.end),
                bare_reference(&attribute.value),
            ))
        })
    }
}

impl TfSource {
    /// What the `resource "type" "name"` block in module `modules` writes at `path` (an
    /// attribute, or one in blocks written one by one), when the configuration beside the plan
    /// has that block: `Some(Some(reference))` when it is exactly one reference (`a.b.c`,
    /// `a.b["k"].c`, `"${a.b.c}"`), `Some(None)` when it is any other expression, `None` when
    /// the configuration does not tell (no `.tf` here, the block or attribute is not written
    /// plainly, e.g. `dynamic`).
    pub(crate) fn reference_at(
        &self,
        modules: &[String],
        resource_type: &str,
        name: &str,
        path: &[super::convert::Step],
    ) -> Option<Option<String>> {
        use super::convert::Step;
        let &index = self.modules.get(&modules.join("."))?;
        let block = self.dirs[index].iter().find_map(|(_, hcl)| {
            hcl.get_blocks("resource").find(|b| {
                b.labels.len() == 2
                    && b.labels[0].as_str() == resource_type
                    && b.labels[1].as_str() == name
            })
        })?;
        let mut body = &block.body;
        let mut steps = path.iter().peekable();
        while let Some(step) = steps.next() {
            let Step::Key(key) = step else {
                return None;
            };
            if steps.peek().is_none() {
                let attribute = body.get_attribute(key)?;
                return Some(bare_reference(&attribute.value));
            }
            // A nested block: the n-th written block of that name.
            let Some(Step::Index(i)) = steps.next() else {
                return None;
            };
            let blocks: Vec<_> = body.get_blocks(key).collect();
            body = &blocks.get(*i)?.body;
        }
        None
    }
}

impl TfSource {
    /// What the `module "call"` block in module `modules` writes for the input `input`, as
    /// [`TfSource::reference_at`] tells it.
    pub(crate) fn module_argument(
        &self,
        modules: &[String],
        call: &str,
        input: &str,
    ) -> Option<Option<String>> {
        let &index = self.modules.get(&modules.join("."))?;
        let block = self.dirs[index].iter().find_map(|(_, hcl)| {
            hcl.get_blocks("module")
                .find(|b| b.labels.len() == 1 && b.labels[0].as_str() == call)
        })?;
        let attribute = block.body.get_attribute(input)?;
        Some(bare_reference(&attribute.value))
    }
}

/// The reference `expr` is, as the plan's `references` spell it, when it is nothing else.
fn bare_reference(expr: &hcl_edit::expr::Expression) -> Option<String> {
    use hcl_edit::expr::{Expression, TraversalOperator};
    use hcl_edit::template::Element;
    match expr {
        Expression::Variable(v) => Some(v.as_str().to_string()),
        Expression::Parenthesis(p) => bare_reference(p.inner()),
        Expression::StringTemplate(t) => match t.iter().collect::<Vec<_>>().as_slice() {
            [Element::Interpolation(i)] => bare_reference(&i.expr),
            _ => None,
        },
        Expression::Traversal(t) => {
            let mut out = bare_reference(&t.expr)?;
            for op in &t.operators {
                match op.value() {
                    TraversalOperator::GetAttr(ident) => {
                        out.push('.');
                        out.push_str(ident.as_str());
                    }
                    TraversalOperator::Index(Expression::Number(n)) => {
                        out.push_str(&format!("[{}]", n.value()));
                    }
                    TraversalOperator::Index(Expression::String(s)) => {
                        let quoted = serde_json::to_string(s.value().as_str()).ok()?;
                        out.push_str(&format!("[{quoted}]"));
                    }
                    TraversalOperator::LegacyIndex(n) => {
                        out.push_str(&format!("[{}]", n.value()));
                    }
                    _ => return None,
                }
            }
            Some(out)
        }
        _ => None,
    }
}

/// The module directories of one plan's configuration, loaded once each.
struct Modules<'a> {
    loader: Loader<'a>,
    sources: &'a mut SourceMap,
    by_dir: HashMap<PathBuf, Option<usize>>,
    /// The walked plan's allowance: the `.tf` files read for it count against its bytes of
    /// files led to, like linked templates (a thousand plans beside a gigabyte of `.tf` must
    /// not read a terabyte).
    allowance: &'a Allowance,
}

impl Modules<'_> {
    /// The parsed `.tf` files of canonical directory `dir`, loaded once; `None` when it holds
    /// no readable, valid `.tf` file.
    fn dir(&mut self, dir: &Path, out: &mut TfSource) -> Option<usize> {
        if let Some(&known) = self.by_dir.get(dir) {
            return known;
        }
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.extension()
                    .is_some_and(|e| e == crate::frontend::terraform::CONFIGURATION_EXTENSION)
            })
            .collect();
        paths.sort();
        // Sources in JSON syntax are not read to place findings, but the plan stands for
        // what they declare as well.
        let json = std::fs::read_dir(dir).into_iter().flatten().flatten();
        out.files.extend(json.map(|e| e.path()).filter(|p| {
            terraform::is_json_source(p) && std::fs::symlink_metadata(p).is_ok_and(|m| m.is_file())
        }));
        let mut files = Vec::new();
        for path in paths {
            // Not through a link: the file itself must be a regular file in the directory
            // (whose path is then canonical).
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            if !meta.is_file() {
                continue;
            }
            out.files.push(path.clone());
            if !self.allowance.linked_bytes_fit(meta.len()) {
                continue;
            }
            let display = self.loader.display(&path);
            let Ok(loaded) = self.loader.read(&path, &path, display) else {
                continue;
            };
            self.allowance.take_linked_bytes(loaded.text.len() as u64);
            // Text nested or spread too wide for the parser to read in time is not read (the
            // sources' frontend reports it).
            let text = &loaded.text;
            if terraform::too_deep(text).is_some() || terraform::too_wide(text, false).is_some() {
                continue;
            }
            let Ok(body) = hcl_edit::parser::parse_body(&loaded.text) else {
                continue;
            };
            files.push((loaded.add_to(self.sources), body));
        }
        let index = (!files.is_empty()).then(|| {
            out.dirs.push(files);
            out.dirs.len() - 1
        });
        self.by_dir.insert(dir.to_path_buf(), index);
        index
    }

    /// Follows the local `module` calls of the module at `path` (loaded as `index`).
    fn calls(&mut self, path: String, index: usize, depth: usize, out: &mut TfSource) {
        if depth >= MAX_MODULE_DEPTH {
            return;
        }
        let mut calls = Vec::new();
        for (file, body) in &out.dirs[index] {
            let Some(dir) = self.sources.get(*file).path.parent().map(Path::to_path_buf) else {
                continue;
            };
            for block in body.get_blocks("module") {
                let [label] = block.labels.as_slice() else {
                    continue;
                };
                let source = block
                    .body
                    .get_attribute("source")
                    .and_then(|a| a.value.as_str());
                if let Some(source) = source.filter(|s| s.starts_with("./") || s.starts_with("../"))
                {
                    calls.push((label.as_str().to_string(), dir.join(source)));
                }
            }
        }
        for (name, dir) in calls {
            let key = if path.is_empty() {
                name
            } else {
                format!("{path}.{name}")
            };
            if out.modules.contains_key(&key) {
                continue;
            }
            let Some(dir) = inside(&dir, self.loader) else {
                continue;
            };
            if let Some(child) = self.dir(&dir, out) {
                out.modules.insert(key.clone(), child);
                self.calls(key, child, depth + 1, out);
            }
        }
    }
}

/// The canonical form of `dir` when it is a directory inside the loader's roots.
fn inside(dir: &Path, loader: Loader<'_>) -> Option<PathBuf> {
    let dir = dir.canonicalize().ok()?;
    (dir.is_dir() && loader.inside(&dir)).then_some(dir)
}

/// `Modules[].{Key, Dir}` of a `modules.json`, if it is readable.
fn read_manifest(path: &Path, loader: Loader<'_>) -> Option<Vec<(String, String)>> {
    // Not a link itself, and inside the roots wherever its folders lead.
    if !std::fs::symlink_metadata(path).ok()?.is_file() {
        return None;
    }
    let bytes = loader.read_bytes(path, &path.canonicalize().ok()?).ok()?;
    let json: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let entries = json.get("Modules")?.as_array()?;
    Some(
        entries
            .iter()
            .filter_map(|m| {
                Some((
                    m.get("Key")?.as_str()?.to_string(),
                    m.get("Dir")?.as_str()?.to_string(),
                ))
            })
            .collect(),
    )
}

/// Where a module's input is written, by input name (see [`TfSource::input_chain`]).
type Inputs<'i> = dyn Fn(&str) -> Option<(Span, Vec<Hop>)> + 'i;

/// Points each member of the object `value` at its attribute or block in `hcl`. An attribute
/// that is only `var.NAME` of a called module points at the caller's argument `NAME` (where a
/// person changes it), with the module's `var.NAME` as a hop.
fn attributes(value: &mut Value, hcl: &Body, file: FileId, inputs: &Inputs<'_>) {
    let Kind::Object(members) = &mut value.kind else {
        return;
    };
    for (key, member) in members {
        if let Some(attribute) = hcl.get_attribute(key) {
            let Some(range) = attribute.value.span() else {
                continue;
            };
            let here = Span::new(file, range.start, range.end);
            let input = bare_reference(&attribute.value)
                .and_then(|r| r.strip_prefix("var.").map(str::to_owned))
                .filter(|n| !n.contains('.') && !n.contains('['));
            match input.and_then(|n| Some((n.clone(), inputs(&n)?))) {
                Some((name, (literal, mut hops))) => {
                    // Innermost first: the module's own `var.NAME`, then the callers'.
                    let module_var = Hop {
                        span: here,
                        via: Subject::Variable(name),
                    };
                    hops.insert(0, module_var);
                    deep_through(member, literal, &hops);
                }
                None => deep(member, here),
            }
            continue;
        }
        let blocks: Vec<_> = hcl.get_blocks(key).collect();
        let Kind::Array(items) = &mut member.kind else {
            continue;
        };
        // Blocks written one by one (not `dynamic`): the n-th planned block is the n-th block.
        if blocks.is_empty() || blocks.len() != items.len() {
            continue;
        }
        for (item, block) in items.iter_mut().zip(&blocks) {
            if let Some(range) = block.span() {
                point(item, Span::new(file, range.start, range.end));
            }
            attributes(item, &block.body, file, inputs);
        }
        if let Some(range) = blocks[0].span() {
            point(member, Span::new(file, range.start, range.end));
        }
    }
}

/// Points `value` and everything in it at `at` (an attribute's expression).
fn deep(value: &mut Value, at: Span) {
    point(value, at);
    match &mut value.kind {
        Kind::Array(items) => items.iter_mut().for_each(|v| deep(v, at)),
        Kind::Object(members) => members.iter_mut().for_each(|(_, v)| deep(v, at)),
        _ => {}
    }
}

/// Points `value` and everything in it at `literal` (a caller's module argument), through
/// `hops`.
fn deep_through(value: &mut Value, literal: Span, hops: &[Hop]) {
    if value.origin.hops.is_empty() && value.origin.literal.is_some() {
        value.origin.literal = Some(literal);
        value.origin.hops = hops.to_vec();
    }
    match &mut value.kind {
        Kind::Array(items) => items
            .iter_mut()
            .for_each(|v| deep_through(v, literal, hops)),
        Kind::Object(members) => members
            .iter_mut()
            .for_each(|(_, v)| deep_through(v, literal, hops)),
        _ => {}
    }
}

/// Makes `at` the literal of a value read straight from the plan; the plan position stays its
/// site (a related location). A value with hops came from elsewhere and is left alone.
fn point(value: &mut Value, at: Span) {
    if value.origin.hops.is_empty() && value.origin.literal.is_some() {
        value.origin.literal = Some(at);
    }
}
