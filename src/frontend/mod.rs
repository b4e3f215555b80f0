//! Frontends: each reads one input language and lowers it into the common [`crate::model`].
//!
//! A frontend says which file extensions the walk reads for it, takes a cheap look at a
//! file's bytes ([`Frontend::sniff`]) so that files of no language are dismissed unparsed,
//! and lowers the files it recognises ([`Frontend::lower`]) into a
//! [`Deployment`] to judge, with the problems that make a file unreadable as typed values.
//! ARM templates (`arm`), Bicep files and their parameter files (`bicep`) and Terraform plans
//! (`tfplan`) are read; [`for_file`] says which of them a file is offered to.

pub(crate) mod arm;
mod bicep;
#[doc(hidden)]
pub use bicep::parse_and_lower as bicep_parse_and_lower;
mod expand;
pub(crate) mod inventory;
pub(crate) mod links;
mod terraform;
pub(crate) mod tfplan;
mod tfsource;
pub(crate) mod unescape;

use crate::note::{Note, NoteKind};
use std::path::{Path, PathBuf};

use crate::catalog::{Catalog, Section};
use crate::eval::{DeploymentScope, ParameterValues};
use crate::model::{CommentSyntax, Deployment, SourceKind};
use crate::source::{FileId, Loaded, Loader, SourceMap, Span};

/// What a cheap look at a file's bytes says about one frontend's language. Ordered: a
/// stronger sniff names a file too large to parse.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Sniff {
    /// Nothing of the language: the file is not offered to this frontend.
    No,
    /// A marker the language's files hold, which other text can mention too (ARM's schema
    /// URL in a document, or inside a plan that embeds a template).
    Marker,
    /// The keys that only the language's own documents hold together.
    Signature,
}

/// One input language.
pub(crate) trait Frontend: Sync {
    /// The extensions (lower case, without the dot) of the files the walk reads for this
    /// language.
    fn extensions(&self) -> &'static [&'static str];

    /// A cheap look at `bytes` (a whole file, or the head of one too large to read): whether
    /// it can be of this language. Never parses.
    fn sniff(&self, bytes: &[u8]) -> Sniff;

    /// What an IG000 about a file of this language that cannot be read says first
    /// ("cannot parse ARM template").
    fn headline(&self) -> &'static str;

    /// Whether a file that cannot be decoded is clearly of this language (its text with the
    /// bad bytes replaced is `lossy`), so that it is an IG000 rather than skipped.
    fn claims_undecodable(&self, lossy: &str) -> bool;

    /// Lowers `file` into the model, or hands it back when it is not of this language after
    /// all.
    fn lower(&self, file: Loaded, env: &Env<'_>) -> Result<Lowered, Loaded>;

    /// The kind of every file this frontend claims, whatever lowering it gives (an unreadable
    /// file too), when the frontend alone says it; `None` (the default): the kind of the
    /// deployment it lowers, and none when it lowers none.
    fn kind(&self) -> Option<SourceKind> {
        None
    }

    /// Lowers a document another frontend found embedded in its file, or `None` when it is
    /// not of this language (the default). What it lowers is located in the embedded texts
    /// (files named by their `display`); the pipeline relocates it to the host attributes.
    fn lower_embedded(&self, _doc: &Embedded, _env: &Env<'_>) -> Option<Lowered> {
        None
    }

    /// The extensions (lower case, no dot) of files this frontend reads only as another file's
    /// context, never walked (Terraform's `.tfvars`, read by the module of their folder): a
    /// run naming one judges what reads it. None by default.
    fn context_extensions(&self) -> &'static [&'static str] {
        &[]
    }

    /// Why the context-only file at `path` ([`Frontend::context_extensions`]) that nothing
    /// relates to (no config mapping) is read by nothing, when its language loads such files
    /// only by name (Terraform loads `terraform.tfvars` and `*.auto.tfvars` by itself, a
    /// `-var-file` only when told): said when a run names it, so that a changed file nobody
    /// reads never passes in silence. `None` (the default): it is read, or not this
    /// frontend's.
    fn unread_context(&self, _path: &Path) -> Option<String> {
        None
    }

    /// The relations a file at `path` has by its name alone (a parameter file named after
    /// its template), found without reading it. None by default.
    fn relations_by_name(&self, _path: &Path) -> Vec<Relation> {
        Vec::new()
    }

    /// Whether the text of a file at `path` may name the template it gives values to (a
    /// `.bicepparam`'s `using`): a run reads those files before judging any template, to know
    /// each template's contexts. False by default.
    fn names_its_template(&self, _path: &Path) -> bool {
        false
    }

    /// Every relation the file at `path` with text `text` has to other files, by name and as
    /// written in it: a sniff of declarations, never an evaluation. A relation whose target
    /// is computed is [`Target::Computed`]. None by default.
    fn relations(&self, path: &Path, _text: &str) -> Vec<Relation> {
        self.relations_by_name(path)
    }

    /// A cheap look at a file's bytes: whether its text may write relations
    /// ([`Frontend::relations`] is worth asking). True by default.
    fn may_relate(&self, _bytes: &[u8]) -> bool {
        true
    }

    /// Whether a file with these bytes may be deployed by a link another file computes (an
    /// ARM template: a computed `templateLink` may lead to it). False by default.
    fn linkable(&self, _bytes: &[u8]) -> bool {
        false
    }

    /// The canonical paths of the files `file`'s deployments may link to when it is deployed
    /// on its own, in each of its contexts (its parameter files), told without judging it:
    /// through the linked files `follow` names (walked with the values passed to them), not
    /// through the others. A superset of the files its judgement follows links to, there.
    /// `Ok(None)` when only judging it can tell (the default: it may lead anywhere); the file
    /// handed back when it is not of this language. Asked of a file whose links are computed,
    /// in a run over named files, to learn whether it may deploy one.
    fn link_targets(
        &self,
        file: Loaded,
        _env: &Env<'_>,
        _follow: &dyn Fn(&Path) -> bool,
    ) -> Result<Option<Vec<PathBuf>>, Loaded> {
        let _ = file;
        Ok(None)
    }

    /// Reads `file` as a parameter file of the template at canonical path `template`: its
    /// values, or the file handed back when it is not of this language (the next frontend is
    /// asked; the default). What makes it unusable (not a parameter file, an IG000, a file
    /// that names another template) is said in `out`, and the file is left out (`Ok(None)`).
    fn parameters(
        &self,
        file: Loaded,
        _template: &Path,
        _env: &Env<'_>,
        _out: &mut Lowered,
    ) -> Result<Option<ParameterValues<'static>>, Loaded> {
        Err(file)
    }
}

/// How one file relates to another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum RelationKind {
    /// The file gives the target template its parameter values (a `.bicepparam`'s `using`,
    /// a JSON parameter file named after the template).
    Parameters,
    /// The file's values start from the target's (`extends` of a `.bicepparam`).
    Extends,
    /// The file deploys the target (a linked template, a module).
    Deploys,
    /// The file takes declarations from the target (`import … from`).
    Imports,
    /// The file reads the target's content (`loadJsonContent`, a parameters link).
    Reads,
    /// The file was compiled from the target (ARM JSON built from a Bicep file).
    CompiledFrom,
}

/// Where a relation leads, as the file writes it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Target {
    /// A path relative to the file's folder (`/` or `\\` separated).
    Relative(String),
    /// A file beside this one whose name without its extension is `stem` (any case), of any
    /// extension the walk reads but this file's own.
    Beside(String),
    /// A URI or registry reference: followed when the config's `[links]` maps it.
    Uri(String),
    /// The files of a folder (relative to the file's folder) that the walk does not read: the
    /// Terraform configuration a plan's findings are placed in.
    Folder(String),
    /// The nearest file named so in the file's folder or a folder above it, inside the
    /// scanned roots (a Bicep file's `bicepconfig.json`).
    Nearest(String),
    /// Computed during evaluation (an expression): it may be any file of the project.
    Computed,
}

/// The canonical path of the nearest file named `name` in the folder of the file at canonical
/// path `file` or a folder above it, stopping at the scanned root that holds it (nothing
/// outside the roots is looked at): what [`Target::Nearest`] leads to.
pub(crate) fn nearest(loader: Loader<'_>, file: &Path, name: &str) -> Option<PathBuf> {
    let mut folder = file.parent();
    while let Some(dir) = folder.filter(|d| loader.inside(d)) {
        let candidate = dir.join(name);
        if loader.walked(&candidate) {
            return Some(candidate);
        }
        // A file there is the one (the Bicep CLI stops at it): when it leads outside the
        // roots, reading it is refused, not passed over for one further up (nor looked at:
        // whether a link out of the roots leads to a file must not decide anything).
        match loader.locate(&candidate) {
            Some(found) if !loader.inside(&found) || found.is_file() => return Some(found),
            _ => {}
        }
        folder = dir.parent();
    }
    None
}

/// One relation of a file to another, found by a sniff.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Relation {
    /// How the file relates to the target.
    pub(crate) kind: RelationKind,
    /// The target.
    pub(crate) target: Target,
}

impl Relation {
    /// A relation of `kind` to `target`.
    pub(crate) fn new(kind: RelationKind, target: Target) -> Relation {
        Relation { kind, target }
    }
}

/// The relations of the file at `path` by its name alone, as every frontend it is offered to
/// sees them.
pub(crate) fn relations_by_name(path: &Path) -> Vec<Relation> {
    collect(for_file(path).iter().map(|f| f.relations_by_name(path)))
}

/// The relations of the file at `path` with text `text`, as every frontend it is offered to
/// sees them (sniffed, not evaluated): a frontend whose look at the bytes finds nothing of
/// its relations ([`Frontend::may_relate`]: a template is no plan) gives those of the name.
/// `sniffed` is what [`sniff_relations`] said of the same text: the frontends it found
/// nothing for are not asked to look again.
pub(crate) fn relations(path: &Path, text: &str, sniffed: Sniffed) -> Vec<Relation> {
    collect(for_file(path).iter().enumerate().map(|(i, f)| {
        if sniffed.0 & (1 << i) != 0 {
            f.relations(path, text)
        } else {
            f.relations_by_name(path)
        }
    }))
}

/// Which of the frontends a file is offered to ([`for_file`], in that order) found in its
/// bytes that it may write relations ([`Frontend::may_relate`]), one bit each; none found
/// is `Sniffed(0)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Sniffed(u8);

impl Sniffed {
    /// Whether any frontend may find relations.
    pub(crate) fn any(self) -> bool {
        self.0 != 0
    }
}

/// What the frontends the walked file at `path` is offered to make of its bytes `bytes`: a
/// cheap look of each ([`Frontend::may_relate`]) at whether its text may write relations.
pub(crate) fn sniff_relations(path: &Path, bytes: &[u8]) -> Sniffed {
    let mut mask = 0u8;
    for (i, f) in for_file(path).iter().enumerate().take(8) {
        if f.may_relate(bytes) {
            mask |= 1 << i;
        }
    }
    Sniffed(mask)
}

/// Whether the file at `path`, whose bytes are `bytes`, may be deployed by a link another
/// file computes ([`Frontend::linkable`]): asked of the few files a run over named files
/// reaches, not of every file.
pub(crate) fn linkable(path: &Path, bytes: &[u8]) -> bool {
    for_file(path).iter().any(|f| f.linkable(bytes))
}

/// Whether a template compiled from the file at `path` may say so (a Bicep file: a compiled
/// template names `X.bicep` beside it as its source), so that what the file finds is compared
/// with what the template finds.
pub(crate) fn may_be_compiled_from(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == arm::SOURCE_EXTENSION)
}

/// Whether a run reads the file at `path` before judging, to learn which template it gives
/// values to ([`Frontend::names_its_template`]).
pub(crate) fn names_its_template(path: &Path) -> bool {
    for_file(path).iter().any(|f| f.names_its_template(path))
}

/// The relations of every frontend, sorted, each once.
fn collect(each: impl Iterator<Item = Vec<Relation>>) -> Vec<Relation> {
    let mut all: Vec<Relation> = each.flatten().collect();
    all.sort();
    all.dedup();
    all
}

/// A parameter file of the walked template being lowered, as the project graph found it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ParameterFile {
    /// The path to open.
    pub(crate) path: PathBuf,
    /// Its canonical path.
    pub(crate) canonical: PathBuf,
    /// How it is shown.
    pub(crate) display: String,
    /// Whether the config maps it to the template (`[parameter_files]`), rather than its
    /// name or its own text relating it.
    pub(crate) mapped: bool,
}

/// The evaluation contexts of the walked template at canonical path `template`: one per
/// parameter file the project graph relates to it ([`LowerOptions::parameter_files`]), each
/// read by the frontend of its language (a `.bicepparam` for an ARM template, a JSON file for
/// a Bicep one), or one with the defaults only. The files read are added to `out.sources`;
/// one that cannot be read is a note, one that cannot be parsed an IG000, and both are left
/// out.
pub(crate) fn parameter_contexts(
    out: &mut Lowered,
    template: &Path,
    env: &Env<'_>,
) -> Vec<(Option<String>, ParameterValues<'static>)> {
    let mut contexts = Vec::new();
    for p in &env.options.parameter_files {
        let loaded = match env.loader.read(&p.path, &p.canonical, p.display.clone()) {
            Ok(loaded) => loaded,
            Err(crate::source::LoadError::Undecodable(e)) => {
                out.notes
                    .push(Note::new(NoteKind::NotRead, p.display.clone(), e.message));
                continue;
            }
            Err(crate::source::LoadError::OutsideRoots) if p.mapped => {
                out.notes.push(Note::new(
                    NoteKind::NotRead,
                    p.display.clone(),
                    "parameter file mapped in the config is outside the scanned roots; not read",
                ));
                continue;
            }
            Err(_) => {
                out.notes.push(Note::new(
                    NoteKind::NotRead,
                    p.display.clone(),
                    "cannot read this parameter file",
                ));
                continue;
            }
        };
        let mut file = loaded;
        for f in for_file(&p.path) {
            match f.parameters(file, template, env, out) {
                Ok(Some(values)) => {
                    contexts.push((Some(p.display.clone()), values));
                    break;
                }
                Ok(None) => break,
                Err(declined) => file = declined,
            }
        }
    }
    if contexts.is_empty() {
        contexts.push((None, ParameterValues::new()));
    }
    contexts
}

/// The evaluator's template of the ARM JSON template `root` (the text `text` of file `id`),
/// keeping `keep`'s paths in resource bodies: how a linked JSON template is lowered, whichever
/// language links it (a Bicep module may be an ARM template).
pub(crate) fn lower_json_template(
    root: &crate::json::Json,
    id: FileId,
    text: &str,
    keep: &KeepPaths,
) -> crate::eval::ir::Template {
    arm::lower::template(root, id, text, keep)
}

/// The extensions of the files a template link may lead to (a link computed from the
/// deploying template's location names one): ARM templates'.
pub(crate) fn template_extensions() -> &'static [&'static str] {
    arm::Arm.extensions()
}

/// Every frontend.
pub(crate) fn all() -> &'static [&'static dyn Frontend] {
    &[
        &arm::Arm,
        &tfplan::TfPlan,
        &bicep::Bicep,
        &tfsource::TfSources,
    ]
}

/// The frontends a file at `path` is offered to, in order (the first to lower it wins): a
/// Bicep file (`.bicep`, `.bicepparam`) only to Bicep, whatever its text mentions; a Terraform
/// source (`.tf`, `.tf.json`) only to Terraform sources; any other file to the JSON languages,
/// which tell theirs apart by content.
pub(crate) fn for_file(path: &std::path::Path) -> &'static [&'static dyn Frontend] {
    let extension = crate::walk::extension_of(path).and_then(|e| e.to_str());
    let among =
        |known: &[&str]| extension.is_some_and(|e| known.iter().any(|k| k.eq_ignore_ascii_case(e)));
    if among(bicep::Bicep.extensions()) {
        &[&bicep::Bicep]
    } else if among(tfsource::TfSources.extensions()) || tfsource::is_json_source(path) {
        &[&tfsource::TfSources]
    } else {
        &[&arm::Arm, &tfplan::TfPlan]
    }
}

/// Lowers `file` with `frontend` ([`Frontend::lower`]), and says how the comments of every
/// file read for it are written.
pub(crate) fn lower(
    frontend: &dyn Frontend,
    file: Loaded,
    env: &Env<'_>,
) -> Result<Lowered, Loaded> {
    frontend.lower(file, env).map(with_comment_syntax)
}

/// Lowers `doc`, embedded in a file, with `frontend` when it reads its language
/// ([`Frontend::lower_embedded`]), and says how the comments of every text read for it are
/// written.
pub(crate) fn lower_embedded(
    frontend: &dyn Frontend,
    doc: &Embedded,
    env: &Env<'_>,
) -> Option<Lowered> {
    frontend.lower_embedded(doc, env).map(with_comment_syntax)
}

/// `lowered` with the comment syntax of each of its sources on its deployment, and how each
/// writes a string literal a fix may rewrite (none in what a frontend reads but a person does
/// not write: a plan, an inventory export).
fn with_comment_syntax(mut lowered: Lowered) -> Lowered {
    if let Some(judged) = &mut lowered.deployment {
        let display = |i: usize| &lowered.sources.get(FileId(i as u32)).display;
        judged.deployment.comments = (0..lowered.sources.len())
            .map(|i| comment_syntax(display(i)))
            .collect();
        let written_by_hand = !matches!(
            judged.deployment.dialect.kind,
            SourceKind::TerraformPlan | SourceKind::Inventory
        );
        judged.deployment.literals = (0..lowered.sources.len())
            .map(|i| {
                written_by_hand
                    .then(|| literal_syntax(display(i)))
                    .flatten()
            })
            .collect();
    }
    lowered
}

/// How the file shown as `display` writes what a fix may rewrite, by its extension: Bicep's
/// strings (`'…'`) and objects, JSON's (`"…"`, and ARM's strings inside expressions); none
/// for any other file.
fn literal_syntax(display: &str) -> Option<crate::model::LiteralSyntax> {
    let display = display.to_ascii_lowercase();
    let extension = display.rsplit_once('.').map_or("", |(_, e)| e);
    if bicep::Bicep.extensions().contains(&extension) {
        Some(bicep::LITERALS)
    } else if tfsource::TfSources.extensions().contains(&extension)
        || tfsource::TfSources
            .context_extensions()
            .contains(&extension)
        || tfsource::is_json_source(std::path::Path::new(&display))
    {
        Some(tfsource::LITERALS)
    } else if arm::Arm.extensions().contains(&extension) {
        Some(arm::LITERALS)
    } else {
        None
    }
}

/// How an object literal is laid out in its file: on one line, or a member per line (the
/// first member's indentation, the closing brace's, and the line ending the file uses).
/// JSON and Bicep lay objects out alike; each frontend writes the members.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ObjectLayout {
    /// `{ a, b }` on one line.
    OneLine,
    /// A member per line.
    Lines {
        /// The whitespace before the first member on its line.
        indent: String,
        /// The whitespace before the closing brace on its line (the opening brace's line's,
        /// when the closing brace follows a member on its line).
        closing: String,
        /// `\r\n` when the object's lines end so, else `\n`.
        newline: &'static str,
    },
}

impl ObjectLayout {
    /// The layout of the object written at bytes `object` of `text` (from `{` to `}`, both
    /// included); `None` when that is not an object with a member, or the range is not in
    /// the text. Comments (`//`, `/* */`) before the first member are passed over.
    pub(crate) fn of(text: &str, object: std::ops::Range<usize>) -> Option<ObjectLayout> {
        let written = text.get(object.clone())?;
        let inner = written.strip_prefix('{')?.strip_suffix('}')?;
        // The first member: past blanks and comments.
        let mut rest = inner;
        loop {
            let trimmed = rest.trim_start();
            if let Some(after) = trimmed.strip_prefix("//") {
                rest = after.find('\n').map_or("", |i| &after[i..]);
            } else if let Some(after) = trimmed.strip_prefix("/*") {
                rest = &after[after.find("*/")? + 2..];
            } else {
                rest = trimmed;
                break;
            }
        }
        if rest.is_empty() {
            return None;
        }
        let first = inner.len() - rest.len();
        let before = &inner[..first];
        let Some(line_start) = before.rfind('\n') else {
            return Some(ObjectLayout::OneLine);
        };
        let blanks =
            |s: &str| -> String { s.chars().take_while(|c| *c == ' ' || *c == '\t').collect() };
        let indent = blanks(&before[line_start + 1..]);
        let closing = match inner.rfind('\n') {
            Some(i) if inner[i + 1..].trim().is_empty() => blanks(&inner[i + 1..]),
            _ => {
                let opening_line = text[..object.start].rfind('\n').map_or(0, |i| i + 1);
                blanks(&text[opening_line..object.start])
            }
        };
        let newline = if written.contains("\r\n") {
            "\r\n"
        } else {
            "\n"
        };
        Some(ObjectLayout::Lines {
            indent,
            closing,
            newline,
        })
    }

    /// An object of the one member `member` (written as its language writes it), laid out so.
    pub(crate) fn write(&self, member: &str) -> String {
        match self {
            ObjectLayout::OneLine => format!("{{ {member} }}"),
            ObjectLayout::Lines {
                indent,
                closing,
                newline,
            } => format!("{{{newline}{indent}{member}{newline}{closing}}}"),
        }
    }
}

/// How the comments of the file shown as `display` are written, by its extension: Bicep's
/// (`//`, `#disable-next-line` pragmas, decorators), Terraform's (`//` and `#`), else JSON's.
fn comment_syntax(display: &str) -> CommentSyntax {
    let display = display.to_ascii_lowercase();
    let extension = display.rsplit_once('.').map_or("", |(_, e)| e);
    if bicep::Bicep.extensions().contains(&extension) {
        CommentSyntax {
            pragmas: true,
            decorators: true,
            ..CommentSyntax::PLAIN
        }
    } else if tfsource::TfSources.extensions().contains(&extension)
        || tfsource::TfSources
            .context_extensions()
            .contains(&extension)
    {
        CommentSyntax {
            hash_comments: true,
            ..CommentSyntax::PLAIN
        }
    } else {
        CommentSyntax::PLAIN
    }
}

/// A kind of input file no frontend reads, which a run counts and tells how to have judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Unread {
    /// The extension (without the dot).
    pub(crate) extension: &'static str,
    /// What such a file is, in the singular (`Terraform source file`).
    pub(crate) what: &'static str,
    /// How to have what they deploy judged.
    pub(crate) hint: &'static str,
    /// The kind of judged file that reads these beside it (to locate its findings in them).
    pub(crate) read_with: crate::model::SourceKind,
    /// What is said instead of `hint` when files of that kind were judged.
    pub(crate) beside: &'static str,
}

/// The kinds of input files the walk counts but no frontend reads.
pub(crate) fn unread() -> &'static [Unread] {
    &[]
}

/// The extensions the walk reads: those of every frontend.
pub(crate) fn extensions() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = all().iter().flat_map(|f| f.extensions()).copied().collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The extensions of every file a run may be asked about by name: those the walk reads and
/// those a frontend reads only as another file's context ([`Frontend::context_extensions`]).
pub(crate) fn named_extensions() -> Vec<&'static str> {
    let mut out = extensions();
    out.extend(all().iter().flat_map(|f| f.context_extensions()).copied());
    out.sort_unstable();
    out.dedup();
    out
}

/// Why the context-only file at `path`, which no config mapping relates to anything, is read
/// by nothing ([`Frontend::unread_context`]), as the frontend whose context it is says.
pub(crate) fn unread_context(path: &Path) -> Option<String> {
    all().iter().find_map(|f| f.unread_context(path))
}

/// Whether the walked file at `file` reads the file at `context` as its context when the
/// config maps `context` to `file`'s folder (`[parameter_files]` naming a folder): its
/// frontend reads files of that extension only as contexts (a Terraform module's `-var-file`
/// definitions).
pub(crate) fn takes_context(file: &Path, context: &Path) -> bool {
    let name = crate::walk::file_name_of(context)
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    // `x.tfvars` or its JSON form `x.tfvars.json`.
    let base = name.strip_suffix(".json").unwrap_or(&name);
    let Some(extension) = crate::walk::extension_of(Path::new(base)).and_then(|e| e.to_str())
    else {
        return false;
    };
    for_file(file)
        .iter()
        .any(|f| f.context_extensions().contains(&extension))
}

/// The frontends `imagegate audit` offers its files to: inventory exports alone (which
/// `check`'s walk never reads: they are not in [`all`]).
pub(crate) fn exports() -> &'static [&'static dyn Frontend] {
    &[&inventory::Inventory]
}

/// The extensions `imagegate audit` reads in the folders it walks.
pub(crate) fn export_extensions() -> Vec<&'static str> {
    inventory::Inventory.extensions().to_vec()
}

/// What lowering one file may use besides its text.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Env<'r> {
    /// What the run asks of lowering: links, parameter-file mapping, deployment scope.
    pub(crate) options: &'r LowerOptions<'r>,
    /// The loader for the files this one leads to.
    pub(crate) loader: Loader<'r>,
    /// What the walked file may spend on evaluation: one allowance for all its parameter
    /// files, allowed values, links and embedded templates.
    pub(crate) allowance: &'r std::rc::Rc<crate::eval::Allowance>,
}

/// What lowering needs of a run's configuration, and nothing else of it: the caller builds it
/// from the configuration, so that no frontend reads (or knows) the configuration.
#[derive(Clone, Debug)]
pub(crate) struct LowerOptions<'r> {
    /// Remote template URI prefixes and template-spec IDs that live in the scanned tree too,
    /// each with the local path it stands for, so linked templates are followed offline.
    pub(crate) links: &'r [(String, PathBuf)],
    /// The parameter files of the walked file, when it is a template: what the project graph
    /// relates to it (beside it, mapped by the config, naming it from anywhere), in order.
    /// Each is one evaluation context.
    pub(crate) parameter_files: Vec<ParameterFile>,
    /// The deployment scope templates are evaluated in (what `subscription()`,
    /// `resourceGroup()` and the like return where the run knows it).
    pub(crate) scope: DeploymentScope,
    /// Terraform plans: also judge resources whose planned action is no-op.
    pub(crate) judge_no_op: bool,
    /// Whether what a condition a deployer can flip leaves out under the parameters'
    /// defaults is judged (`[judge] latent` not `"off"`); when not, it is left out unread.
    pub(crate) latent: bool,
    /// The property paths the rules read of each catalogued type, kept in the bodies lowered.
    pub(crate) keep: &'r KeepPaths,
    /// The walked file whose name sorts first among the walked files of the lowered file's
    /// folder with its extension, as the project graph found it (`None`: not known, the
    /// frontend looks for itself): what a language whose unit is a folder judges it for.
    pub(crate) first_of_kind: Option<PathBuf>,
    /// The environment of the machine imagegate runs on, as the command was given it: what a
    /// `.bicepparam`'s `readEnvironmentVariable()` and azd's `${NAME}` in a JSON parameter
    /// file read (as `bicep build-params` and azd read theirs). Only the variables a file
    /// names are looked up.
    pub(crate) environment: &'r std::collections::BTreeMap<String, String>,
}

/// The property paths (dotted, from the resource root) the rules read of each resource type
/// of the catalogue beyond its image paths: the frontends keep them in the bodies they lower.
/// The caller computes it from the rules ([`KeepPaths::of_catalog`]), so that no frontend
/// knows a rule.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct KeepPaths {
    /// The paths of each type (lower-cased) that has any, sorted by section and type.
    by_type: Vec<((Section, String), Vec<&'static str>)>,
}

impl KeepPaths {
    /// No paths beyond the catalogue's.
    pub(crate) fn none() -> &'static KeepPaths {
        static NONE: KeepPaths = KeepPaths {
            by_type: Vec::new(),
        };
        &NONE
    }

    /// What `needed` says of each type of each section of `catalog`.
    pub(crate) fn of_catalog(
        catalog: &Catalog,
        needed: impl Fn(&str, Section) -> Vec<&'static str>,
    ) -> KeepPaths {
        let mut by_type: Vec<((Section, String), Vec<&'static str>)> = Section::ALL
            .iter()
            .flat_map(|&section| {
                catalog
                    .types(section)
                    .map(move |t| (section, t))
                    .collect::<Vec<_>>()
            })
            .map(|(section, t)| ((section, t.to_ascii_lowercase()), needed(t, section)))
            .filter(|(_, paths)| !paths.is_empty())
            .collect();
        by_type.sort_by(|a, b| a.0.cmp(&b.0));
        by_type.dedup_by(|a, b| a.0 == b.0);
        KeepPaths { by_type }
    }

    /// The paths kept of a resource of `resource_type` (any case) of `section`.
    pub(crate) fn of(&self, section: Section, resource_type: &str) -> &[&'static str] {
        if self.by_type.is_empty() {
            return &[];
        }
        let key = (section, resource_type.to_ascii_lowercase());
        match self.by_type.binary_search_by(|(k, _)| k.cmp(&key)) {
            Ok(i) => &self.by_type[i].1,
            Err(_) => &[],
        }
    }
}

/// What a frontend made of one file.
#[derive(Debug, Default)]
pub(crate) struct Lowered {
    /// Every file read for it: the file itself and those it led to.
    pub(crate) sources: SourceMap,
    /// The deployment to judge, when the file could be lowered.
    pub(crate) deployment: Option<ToJudge>,
    /// What made the file, or files it led to, unreadable: IG000 findings.
    pub(crate) problems: Vec<ParseProblem>,
    /// Notes for stderr.
    pub(crate) notes: Vec<crate::note::Note>,
    /// Whether the file is judged in its callers' context when another scanned file links
    /// it (its own outcome then stands aside).
    pub(crate) linkable: bool,
    /// The canonical paths of the files it links (judged here, in its context).
    pub(crate) links: Vec<PathBuf>,
    /// The Bicep file this one was compiled from (canonical), when it says it was (ARM JSON
    /// with the Bicep generator's metadata) and that file was walked too.
    pub(crate) compiled_from: Option<PathBuf>,
    /// Documents of another language embedded in the file (as text in an attribute), to be
    /// judged by the frontend of that language.
    pub(crate) embedded: Vec<Embedded>,
}

/// A document of another language held in an attribute of a lowered file: an ARM template in
/// a Terraform template deployment's `template_content`, say.
#[derive(Debug, Clone)]
pub(crate) struct Embedded {
    /// What language the host says the document is in.
    pub(crate) kind: EmbeddedKind,
    /// The document.
    pub(crate) document: EmbeddedText,
    /// The values it is deployed with.
    pub(crate) parameters: EmbeddedParameters,
}

/// The languages a host can embed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EmbeddedKind {
    /// An ARM deployment template (JSON).
    ArmTemplate,
}

/// The text of an embedded document and the attribute that holds it.
#[derive(Debug, Clone)]
pub(crate) struct EmbeddedText {
    /// The text, decoded (a string attribute's value, or an object attribute written out as
    /// JSON).
    pub(crate) text: String,
    /// The name the text is known by while it is lowered (unique within the host file);
    /// findings in it are relocated to `host`.
    pub(crate) display: String,
    /// Where the attribute holding it is written (in the host file, or the source a person
    /// edits), in the host's [`Lowered::sources`].
    pub(crate) host: Span,
    /// Where the host file itself holds it, when `host` is elsewhere (the source a person
    /// edits): a related location.
    pub(crate) also: Option<Span>,
    /// What it is, for messages: "the ARM template embedded in `template_content` of
    /// azurerm_resource_group_template_deployment.x".
    pub(crate) what: String,
}

/// The parameter values an embedded document is deployed with.
#[derive(Debug, Clone)]
pub(crate) enum EmbeddedParameters {
    /// None given: every parameter takes its default.
    None,
    /// A parameter file's text (`{"name": {"value": …}}`, or wrapped in `parameters`).
    Text(EmbeddedText),
    /// Given, but not known offline (unknown at plan time, sensitive, not JSON): every
    /// parameter is unknown for this reason.
    Unknown(crate::value::Why),
}

/// A deployment and the file it was lowered from.
#[derive(Debug)]
pub(crate) struct ToJudge {
    /// The file (notes without a place of their own point at it).
    pub(crate) file: FileId,
    /// The deployment.
    pub(crate) deployment: Deployment,
}

/// A file (or part of one) that cannot be read as its language: an IG000.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParseProblem {
    /// Where: the bytes of a file in [`Lowered::sources`].
    pub(crate) span: Span,
    /// What could not be read ("cannot parse ARM template").
    pub(crate) headline: &'static str,
    /// Why.
    pub(crate) message: String,
}

impl ParseProblem {
    /// A problem at the one character at `offset` of file `file` (whose text is `text`).
    pub(crate) fn at_char(
        file: FileId,
        text: &str,
        offset: u32,
        headline: &'static str,
        message: String,
    ) -> ParseProblem {
        let end = char_end(text, offset);
        ParseProblem {
            span: Span::new(file, offset as usize, end as usize),
            headline,
            message,
        }
    }
}

/// The end of the one character at `offset` (`offset` itself at a line end or the end of
/// the text).
pub(crate) fn char_end(text: &str, offset: u32) -> u32 {
    let o = offset as usize;
    match text.get(o..).and_then(|rest| rest.chars().next()) {
        Some(c) if c != '\n' && c != '\r' => (o + c.len_utf8()) as u32,
        _ => offset,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// The decoded text of every `.json` file under `testdata/<folder>`, by path.
    fn fixtures(folder: &str) -> Vec<(PathBuf, String)> {
        let mut out = Vec::new();
        let mut dirs = vec![
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("testdata")
                .join(folder),
        ];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).expect("fixture folder") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "json") {
                    let bytes = std::fs::read(&path).expect("fixture");
                    let (text, _) = crate::source::decode(bytes).expect("decodable fixture");
                    out.push((path, text));
                }
            }
        }
        assert!(!out.is_empty(), "no fixtures in {folder}");
        out
    }

    #[test]
    fn each_frontend_sniffs_its_own_fixtures_and_not_the_others() {
        let mut templates = 0;
        for (path, text) in fixtures("arm") {
            let name = path.to_string_lossy();
            if name.contains("not-templates") || name.ends_with(".parameters.json") {
                continue;
            }
            templates += 1;
            assert_eq!(arm::Arm.sniff(text.as_bytes()), Sniff::Marker, "{name}");
            assert_eq!(tfplan::TfPlan.sniff(text.as_bytes()), Sniff::No, "{name}");
        }
        assert!(templates >= 10, "only {templates} templates");
        for (path, text) in fixtures("tfplan") {
            let name = path.to_string_lossy();
            let plan = tfplan::TfPlan.sniff(text.as_bytes());
            assert_eq!(plan, Sniff::Signature, "{name}");
            assert_eq!(arm::Arm.sniff(text.as_bytes()), Sniff::No, "{name}");
        }
    }

    #[test]
    fn other_json_is_sniffed_by_no_frontend() {
        for name in ["tsconfig.json", "allowed-images.policy.json"] {
            let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("testdata/arm/not-templates")
                .join(name);
            let bytes = std::fs::read(path.clone()).expect("fixture");
            for f in for_file(&path) {
                assert_eq!(f.sniff(&bytes), Sniff::No, "{name}");
            }
        }
    }

    #[test]
    fn the_walk_reads_the_extensions_of_every_frontend() {
        assert_eq!(extensions(), ["bicep", "bicepparam", "json", "jsonc", "tf"]);
    }

    #[test]
    fn bicep_files_go_to_bicep_alone_and_json_never_to_bicep() {
        let names = |path: &str| -> Vec<&str> {
            for_file(Path::new(path))
                .iter()
                .map(|f| f.headline())
                .collect()
        };
        assert_eq!(names("infra/main.bicep"), ["cannot parse Bicep file"]);
        assert_eq!(names("infra/prod.BICEPPARAM"), ["cannot parse Bicep file"]);
        assert_eq!(
            names("infra/main.json"),
            [
                "cannot parse ARM template",
                "cannot parse Terraform plan JSON"
            ]
        );
        // Terraform sources to Terraform sources alone.
        assert_eq!(names("infra/main.TF"), ["cannot parse Terraform source"]);
    }

    #[test]
    fn kept_paths_are_looked_up_by_section_and_type_in_any_case() {
        let vm = "Microsoft.Compute/virtualMachines";
        let keep = KeepPaths::of_catalog(Catalog::builtin(), |t, section| {
            if section == Section::Arm && t == vm {
                vec!["tags", "zones"]
            } else {
                Vec::new()
            }
        });
        assert_eq!(
            keep.of(Section::Arm, "microsoft.compute/VIRTUALMACHINES"),
            ["tags", "zones"]
        );
        assert!(keep.of(Section::Terraform, vm).is_empty());
        assert!(keep.of(Section::Arm, "Microsoft.Web/sites").is_empty());
        assert!(KeepPaths::none().of(Section::Arm, vm).is_empty());
    }

    #[test]
    fn comments_are_written_as_the_language_of_each_file_writes_them() {
        let bicep = comment_syntax("infra/main.BICEP");
        assert!(bicep.pragmas && bicep.decorators && !bicep.hash_comments);
        assert_eq!(comment_syntax("infra/prod.bicepparam"), bicep);
        let terraform = comment_syntax("infra/main.tf");
        assert!(terraform.hash_comments && !terraform.pragmas && !terraform.decorators);
        for json in [
            "a.json",
            "main.tf.json",
            "a.jsonc",
            "bicep",
            "tf",
            "x.bicep/plan",
        ] {
            assert_eq!(comment_syntax(json), CommentSyntax::PLAIN, "{json}");
        }
    }

    #[test]
    fn a_problem_covers_one_character() {
        let p = ParseProblem::at_char(FileId(0), "a\u{e9}\n", 1, "h", "m".into());
        assert_eq!((p.span.start, p.span.end), (1, 3));
        assert_eq!(char_end("a\u{e9}\n", 3), 3, "empty at a line end");
        assert_eq!(char_end("a", 7), 7, "empty past the end");
    }
}
