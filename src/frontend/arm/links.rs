//! Local linked templates (`templateLink.relativePath`, and URIs relative to the deploying
//! template's own location), loaded lazily while templates are expanded.
//!
//! A link is resolved against the folder of the file it is relative to. It is refused when it
//! leads outside the scanned roots (imagegate reads nothing else), and the number of linked
//! files is bounded. Loading during expansion means a link whose path is computed from the
//! parameters a caller passes still resolves. Loaded files get [`FileId`]s after those of the
//! [`SourceMap`] they extend; [`Linked::into_sources`] appends them there in that order.

use foldhash::HashMap;
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use crate::eval::ir::Template;
use crate::eval::{Allowance, LinkTarget, TemplateLinks};
use crate::frontend::{KeepPaths, ParseProblem};
use crate::json;
use crate::model::LinkRefusal;
use crate::source::{FileId, LoadError, Loader, SourceFile, SourceMap};
use crate::value::{Cause, Kind, Part, Value};

/// Most linked files loaded for one template.
const MAX_LINKED_FILES: usize = 64;

/// A loaded linked template: its file id, parsed root and source.
pub(crate) type LinkedFile = (FileId, Rc<Template>);

/// What loading one link gave: the file and its parsed root, or why not.
type Loaded = Result<LinkedFile, LinkRefusal>;

/// A lowering for linked files of another language than ARM JSON (Bicep modules): the text
/// of the file `id` at the canonical path `path` → its template; `loader` and `allowance`
/// read the files it loads in turn.
/// Returns the template and the problems met reading it (IG000s, reported by the caller).
pub(crate) type LowerLinked = fn(
    text: &str,
    id: FileId,
    path: &Path,
    loader: Loader<'_>,
    allowance: &Allowance,
) -> (Template, Vec<ParseProblem>);

/// The linked templates of one template's expansion.
#[derive(Debug)]
pub(crate) struct Linked<'r> {
    loader: Loader<'r>,
    /// `[links]` of the config: URI prefixes and template-spec IDs, and their local paths.
    mapped: &'r [(String, PathBuf)],
    template: &'r Path,
    base: u32,
    files: RefCell<Vec<Arc<SourceFile>>>,
    loaded: RefCell<HashMap<PathBuf, Loaded>>,
    /// The walked file's allowance: its linked files' bytes are counted there, so that all
    /// links of a file (embedded templates' too) read at most its budget.
    allowance: &'r Allowance,
    /// How `.bicep` files are lowered, when the links come from Bicep.
    bicep: Option<LowerLinked>,
    /// What made linked files partly unreadable (syntax errors recovery went past).
    problems: RefCell<Vec<ParseProblem>>,
    /// The paths the rules read, kept in the linked templates' bodies ([`Linked::keeping`]).
    keep: &'r KeepPaths,
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
        allowance: &'r Allowance,
    ) -> Linked<'r> {
        Linked {
            loader,
            mapped,
            template,
            base: sources.len() as u32,
            files: RefCell::default(),
            loaded: RefCell::default(),
            allowance,
            bicep: None,
            problems: RefCell::default(),
            keep: KeepPaths::none(),
        }
    }

    /// The same loader, which keeps `keep`'s paths in the bodies of the templates it lowers.
    pub(crate) fn keeping(mut self, keep: &'r KeepPaths) -> Linked<'r> {
        self.keep = keep;
        self
    }

    /// The same loader, which lowers linked `.bicep` files with `lower` (a Bicep module's).
    pub(crate) fn with_bicep(mut self, lower: LowerLinked) -> Linked<'r> {
        self.bicep = Some(lower);
        self
    }

    /// The linked template `relative`, relative to the folder of file `from`, loaded on first
    /// use.
    pub(crate) fn get(&self, from: FileId, relative: &str) -> Result<LinkedFile, LinkRefusal> {
        let target = {
            let files = self.files.borrow();
            match from.0.checked_sub(self.base) {
                None => self.resolve(self.template, relative),
                Some(i) => files
                    .get(i as usize)
                    .and_then(|f| self.resolve(&f.path, relative)),
            }
        }
        .ok_or(LinkRefusal::NotFound)?;
        self.load(target)
    }

    /// The local file `path` a remote link is mapped to, loaded on first use (a symbolic link
    /// is resolved first, so the roots check sees where it leads).
    fn get_local(&self, path: &Path) -> Result<LinkedFile, LinkRefusal> {
        let target = path.canonicalize().map_err(|_| LinkRefusal::NotFound)?;
        self.load(target)
    }

    /// The linked template at the canonical path `target`, loaded on first use.
    fn load(&self, target: PathBuf) -> Result<LinkedFile, LinkRefusal> {
        if let Some(found) = self.loaded.borrow().get(&target) {
            return found.clone();
        }
        // Asked before reading; a file that grew since is counted as read.
        let size = std::fs::metadata(&target).map_or(0, |m| m.len());
        let result = if self.loaded.borrow().len() >= MAX_LINKED_FILES {
            Err(LinkRefusal::TooManyLinks {
                limit: MAX_LINKED_FILES,
            })
        } else if !self.allowance.linked_bytes_fit(size) {
            Err(LinkRefusal::LinkedBytes {
                limit_mib: self.allowance.max_linked_bytes() / (1024 * 1024),
            })
        } else {
            self.read(&target)
        };
        self.loaded.borrow_mut().insert(target, result.clone());
        result
    }

    /// Reads, parses and lowers the linked template at the canonical path `target` (its JSON
    /// tree is dropped once lowered).
    fn read(&self, target: &Path) -> Loaded {
        let display = self.loader.display(target);
        let loaded = self
            .loader
            .read(target, target, display)
            .map_err(|e| match e {
                LoadError::TooLarge { .. } => LinkRefusal::TooLarge,
                LoadError::OutsideRoots => LinkRefusal::OutsideRoots,
                LoadError::Unreadable(error) => LinkRefusal::Unreadable {
                    error: error.to_string(),
                },
                LoadError::Undecodable(error) => LinkRefusal::Undecodable {
                    error: error.message,
                },
            })?;
        self.allowance.take_linked_bytes(loaded.text.len() as u64);
        let is_bicep = target
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("bicep"));
        let mut files = self.files.borrow_mut();
        let id = FileId(self.base + files.len() as u32);
        let template = match (is_bicep, self.bicep) {
            (true, Some(lower)) => {
                let (template, problems) =
                    lower(&loaded.text, id, target, self.loader, self.allowance);
                self.problems.borrow_mut().extend(problems);
                template
            }
            (true, None) => {
                return Err(LinkRefusal::Unparsable {
                    error: "an ARM template cannot deploy a Bicep file".into(),
                });
            }
            (false, _) => {
                let root = json::parse(&loaded.text)
                    .map_err(|e| LinkRefusal::Unparsable { error: e.message })?;
                super::lower::template(&root, id, &loaded.text, self.keep)
            }
        };
        files.push(Arc::new(loaded.into_source()));
        Ok((id, Rc::new(template)))
    }

    /// The problems met reading linked files (for IG000s), taken once.
    pub(crate) fn take_problems(&self) -> Vec<ParseProblem> {
        std::mem::take(&mut *self.problems.borrow_mut())
    }

    /// The canonical paths of the linked templates loaded (judged in this context).
    pub(crate) fn targets(&self) -> Vec<PathBuf> {
        // Only those judged here: a link refused (beyond the limit, say) leaves the file to be
        // judged on its own.
        self.loaded
            .borrow()
            .iter()
            .filter(|(_, loaded)| loaded.is_ok())
            .map(|(path, _)| path.clone())
            .collect()
    }

    /// Appends the loaded files to `sources`, where their ids point.
    pub(crate) fn into_sources(self, sources: &mut SourceMap) {
        debug_assert_eq!(sources.len() as u32, self.base);
        for file in self.files.into_inner() {
            sources.add_shared(file);
        }
    }

    /// The canonical path of `relative` from the folder of the canonical path `from`, if it
    /// exists ([`Loader::beside`]).
    fn resolve(&self, from: &Path, relative: &str) -> Option<PathBuf> {
        self.loader.beside(from, relative)
    }
}

impl TemplateLinks for Linked<'_> {
    fn template(&self, target: &LinkTarget) -> Result<LinkedFile, LinkRefusal> {
        match target {
            LinkTarget::Relative { from, path } => self.get(*from, path),
            LinkTarget::Local { path, .. } => self.get_local(path),
        }
    }

    fn uri(&self, uri: &Value) -> Option<LinkTarget> {
        if let Some((from, path)) = artifact_relative(uri) {
            return Some(LinkTarget::Relative { from, path });
        }
        let path = mapped_uri(uri, self.mapped)?;
        let shown = self.loader.display(&path);
        Some(LinkTarget::Local { path, shown })
    }

    fn spec(&self, id: &Value) -> Option<LinkTarget> {
        let id = id.as_str()?;
        // The Bicep public registry has two spellings (`br/public:` is the alias of
        // `br:mcr.microsoft.com/bicep/`): a key in either form maps both.
        let same = |key: &str| {
            let (key, id) = (public_registry(key), public_registry(id));
            key.trim_end_matches('/')
                .eq_ignore_ascii_case(id.trim_end_matches('/'))
        };
        let (_, path) = self.mapped.iter().find(|(key, _)| same(key))?;
        let shown = self.loader.display(path);
        Some(LinkTarget::Local {
            path: path.clone(),
            shown,
        })
    }
}

/// The local path a link URI stands for under the `[links]` table `mapped`: the first prefix
/// the URI starts with (ASCII case-insensitively), its local path joined with the rest of the
/// URI's path (query and fragment dropped, e.g. a SAS token). A URI whose path is not fully
/// known (an unknown part before any `?`) maps to nothing.
fn mapped_uri(uri: &Value, mapped: &[(String, PathBuf)]) -> Option<PathBuf> {
    let known = match &uri.kind {
        Kind::Str(s) => s.as_str(),
        Kind::Partial(parts) => match parts.first() {
            // The unknown part must come after the path (in the query string).
            Some(Part::Text(t)) if t.contains(['?', '#']) => t.as_str(),
            _ => return None,
        },
        _ => return None,
    };
    let path = known.split(['?', '#']).next().unwrap_or("");
    mapped.iter().find_map(|(prefix, local)| {
        let head = path.get(..prefix.len())?;
        if !head.eq_ignore_ascii_case(prefix) {
            return None;
        }
        let rest = path[prefix.len()..].trim_start_matches('/');
        let mut out = local.clone();
        for segment in rest.split('/').filter(|s| !s.is_empty() && *s != ".") {
            if segment == ".." {
                out.pop();
            } else {
                out.push(segment);
            }
        }
        Some(out)
    })
}

/// A Bicep module reference with the public registry's alias spelled out
/// (`br/public:x` → `br:mcr.microsoft.com/bicep/x`); anything else as it is.
fn public_registry(reference: &str) -> std::borrow::Cow<'_, str> {
    match reference.get(..10) {
        Some(head) if head.eq_ignore_ascii_case("br/public:") => {
            std::borrow::Cow::Owned(format!("br:mcr.microsoft.com/bicep/{}", &reference[10..]))
        }
        _ => std::borrow::Cow::Borrowed(reference),
    }
}

/// The local file a partially known link URI names, when the URI is the deploying template's
/// own (unknown) location followed by a known relative path — the quickstart pattern
/// `uri(deployment().properties.templateLink.uri, 'nested/vm.json')`. Returns the file whose
/// location the unknown part stands for, and the relative path (query string dropped).
pub(crate) fn artifact_relative(value: &Value) -> Option<(FileId, String)> {
    let Kind::Partial(parts) = &value.kind else {
        return None;
    };
    let (Part::Hole(why), rest) = parts.split_first()? else {
        return None;
    };
    if *why.cause != Cause::TemplateLink {
        return None;
    }
    let mut relative = String::new();
    for part in rest {
        match part {
            Part::Text(t) => relative.push_str(t),
            Part::Hole(_) => break,
        }
    }
    let relative = relative.split(['?', '#']).next().unwrap_or("");
    let relative = relative.trim_start_matches("./");
    let base = why.span?.file;
    let lower = relative.to_ascii_lowercase();
    (lower.ends_with(".json") || lower.ends_with(".jsonc")).then(|| (base, relative.to_string()))
}
