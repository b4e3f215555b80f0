//! Local linked templates (`templateLink.relativePath`, and URIs relative to the deploying
//! template's own location), loaded lazily while templates are expanded.
//!
//! A link is resolved against the folder of the file it is relative to. It is refused when it
//! leads outside the scanned roots (imagegate reads nothing else), and the number of linked
//! files is bounded. Loading during expansion means a link whose path is computed from the
//! parameters a caller passes still resolves. Loaded files get [`FileId`]s after those of the
//! [`SourceMap`] they extend; [`Linked::into_sources`] appends them there in that order.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use crate::json::{self, Json};
use crate::source::{FileId, SourceFile, SourceMap};
use crate::value::{Kind, Part, Value};

/// Most linked files loaded for one template.
const MAX_LINKED_FILES: usize = 64;

/// A loaded linked template: its file id, parsed root and source.
pub type LinkedFile = (FileId, Rc<Json>, Arc<SourceFile>);

/// What loading one link gave: the file and its parsed root, or why not.
type Loaded = Result<(FileId, Rc<Json>), String>;

/// The linked templates of one template's expansion.
#[derive(Debug)]
pub struct Linked {
    roots: Vec<PathBuf>,
    base: u32,
    files: RefCell<Vec<Arc<SourceFile>>>,
    loaded: RefCell<HashMap<PathBuf, Loaded>>,
}

impl Linked {
    /// A loader whose files will follow those of `sources`, reading only below `roots`.
    pub fn new(sources: &SourceMap, roots: &[PathBuf]) -> Linked {
        Linked {
            roots: roots.to_vec(),
            base: sources.len() as u32,
            files: RefCell::default(),
            loaded: RefCell::default(),
        }
    }

    /// The source of `id`, whether it is in `sources` or was loaded here.
    pub fn source(&self, sources: &SourceMap, id: FileId) -> Arc<SourceFile> {
        if id.0 < self.base {
            sources.shared(id)
        } else {
            Arc::clone(&self.files.borrow()[(id.0 - self.base) as usize])
        }
    }

    /// The linked template `relative`, relative to the folder of `from`, loaded on first use.
    pub fn get(
        &self,
        sources: &SourceMap,
        from: &Path,
        relative: &str,
    ) -> Result<LinkedFile, String> {
        let target = resolve(from, relative).ok_or_else(|| "does not exist".to_string())?;
        if let Some(found) = self.loaded.borrow().get(&target) {
            return found
                .clone()
                .map(|(id, root)| (id, root, self.source(sources, id)));
        }
        let result = if self.loaded.borrow().len() >= MAX_LINKED_FILES {
            Err(format!(
                "is beyond the limit of {MAX_LINKED_FILES} linked templates"
            ))
        } else {
            self.read(&target)
        };
        self.loaded.borrow_mut().insert(target, result.clone());
        result.map(|(id, root)| (id, root, self.source(sources, id)))
    }

    fn read(&self, target: &Path) -> Loaded {
        if !self.roots.iter().any(|r| target.starts_with(r)) {
            return Err("is outside the scanned roots and was not read".into());
        }
        let bytes = std::fs::read(target).map_err(|e| format!("cannot be read: {e}"))?;
        if bytes.len() as u64 > crate::analyze::MAX_FILE_BYTES {
            return Err("is larger than the size limit".into());
        }
        let (text, encoding) = crate::source::decode(bytes)
            .map_err(|e| format!("cannot be decoded: {}", e.message))?;
        let root = json::parse(&text).map_err(|e| format!("cannot be parsed: {}", e.message))?;
        let display = display_path(target);
        let mut files = self.files.borrow_mut();
        let id = FileId(self.base + files.len() as u32);
        files.push(Arc::new(SourceFile::new(
            target.to_path_buf(),
            display,
            text,
            encoding,
        )));
        Ok((id, Rc::new(root)))
    }

    /// The canonical paths of every linked template met (loaded or refused).
    pub fn targets(&self) -> Vec<PathBuf> {
        self.loaded.borrow().keys().cloned().collect()
    }

    /// Appends the loaded files to `sources`, where their ids point.
    pub fn into_sources(self, sources: &mut SourceMap) {
        debug_assert_eq!(sources.len() as u32, self.base);
        for file in self.files.into_inner() {
            sources.add_shared(file);
        }
    }
}

/// The canonical path of `relative` from the folder of `from`, if it exists.
fn resolve(from: &Path, relative: &str) -> Option<PathBuf> {
    let base = from.parent().unwrap_or(Path::new("."));
    base.join(relative.replace('\\', "/")).canonicalize().ok()
}

/// A linked file's display path: relative to the working directory when below it.
fn display_path(target: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    let cwd = cwd.canonicalize().unwrap_or(cwd);
    crate::walk::display_path(target, &cwd)
}

/// The local file a partially known link URI names, when the URI is the deploying template's
/// own (unknown) location followed by a known relative path — the quickstart pattern
/// `uri(deployment().properties.templateLink.uri, 'nested/vm.json')`. Returns the file whose
/// location the unknown part stands for, and the relative path (query string dropped).
pub fn artifact_relative(value: &Value) -> Option<(FileId, String)> {
    let Kind::Partial(parts) = &value.kind else {
        return None;
    };
    let (Part::Hole(why), rest) = parts.split_first()? else {
        return None;
    };
    if !why.reason.contains("template link") {
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
