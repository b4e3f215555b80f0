//! A Terraform module as Terraform reads it: every `.tf` file of one folder together, and the
//! variable definition files Terraform loads automatically beside them
//! (<https://developer.hashicorp.com/terraform/language/values/variables#variable-definitions-tfvars-files>):
//! `terraform.tfvars`, `terraform.tfvars.json`, then every `*.auto.tfvars` and
//! `*.auto.tfvars.json` in lexical order of their names.
//!
//! The folder is judged once, for its *lead* file: the first `.tf` file of the folder the run
//! walks, by name. Every other `.tf` file of the folder lowers to nothing of its own (what it
//! declares is judged with the lead's). Files are read through the run's loader (its roots,
//! size limit and unsaved buffers), all together within the walked file's allowance of
//! bytes of files led to.

use std::path::{Path, PathBuf};

use crate::frontend::terraform::CONFIGURATION_EXTENSION;
pub(crate) use crate::frontend::terraform::{
    MAX_BRACKETS, MAX_WIDTH, is_json_source, too_deep, too_wide,
};
use crate::frontend::{Env, Lowered, ParseProblem};
use crate::source::{FileId, Loaded, Loader};

use super::syntax::{Block, Syntax};

/// Whether the Terraform source at `path` is an override file, whose blocks Terraform merges
/// into those the other files declare
/// (<https://developer.hashicorp.com/terraform/language/files/override>): `override.tf`,
/// `*_override.tf`, and the same in JSON.
fn is_override(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let stem = name
        .strip_suffix(".tf.json")
        .or_else(|| name.strip_suffix(".tf"))
        .unwrap_or("");
    stem == "override" || stem.ends_with("_override")
}

impl Module {
    /// The module's top-level blocks of type `kind`, each with the blocks of the override files
    /// of the same type and labels merged into it (as layers: the block's arguments are
    /// replaced by theirs, its nested blocks of a type by theirs of that type); an override
    /// file's `locals` are locals of their own, after the others (a later one wins). An
    /// override block with no block to merge into is left out (Terraform rejects it).
    pub(crate) fn blocks(&self, kind: &str) -> Vec<Block<'_>> {
        let mut out: Vec<Block<'_>> = self
            .sources
            .iter()
            .flat_map(|p| p.syntax.blocks(kind, p.file))
            .collect();
        for parsed in &self.overrides {
            for block in parsed.syntax.blocks(kind, parsed.file) {
                if kind == "locals" {
                    out.push(block);
                } else if let Some(base) = out.iter_mut().find(|b| b.labels == block.labels) {
                    base.layers.push((block.body, block.file));
                }
            }
        }
        out
    }
}

/// Whether the file at `path` is a Terraform source: `.tf`, or `.tf.json`.
fn is_source(path: &Path) -> bool {
    is_json_source(path)
        || path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case(CONFIGURATION_EXTENSION))
}

/// The headline of an IG000 about a Terraform source that cannot be read.
pub(crate) const HEADLINE: &str = "cannot parse Terraform source";

/// Most `.tf` and `.tfvars` files of one folder read.
const MAX_FILES: usize = 1024;

/// A parsed Terraform source file.
pub(crate) struct Parsed {
    /// The file, in the lowering's sources.
    pub(crate) file: FileId,
    /// Its root body, in its syntax.
    pub(crate) syntax: Syntax,
}

/// A variable definitions file: HCL (`.tfvars`) or JSON (`.tfvars.json`).
pub(crate) enum Definitions {
    /// `name = value` attributes.
    Hcl(FileId, hcl_edit::structure::Body),
    /// A JSON object of values.
    Json(FileId, crate::json::Json),
}

/// What a folder holds for Terraform: its `.tf` files (by name), then its variable
/// definitions in precedence order (a later one wins).
pub(crate) struct Module {
    /// The lead file, in the lowering's sources.
    pub(crate) lead: FileId,
    /// The `.tf` files in lexical order of their names, then the `.tf.json` files (but the
    /// override files).
    pub(crate) sources: Vec<Parsed>,
    /// The override files (`override.tf`, `*_override.tf`, and their `.tf.json`), in the
    /// order Terraform merges them.
    pub(crate) overrides: Vec<Parsed>,
    /// The variable definition files Terraform loads, in the order it loads them.
    pub(crate) definitions: Vec<Definitions>,
}

/// The Terraform sources of canonical folder `folder` (canonical paths): its `.tf` files
/// sorted by name, then its `.tf.json` files sorted by name (Terraform reads them all as one
/// module), with `me` (which may not be on disk: an unsaved buffer) among them when given.
pub(crate) fn sources_of(folder: &Path, me: Option<&Path>) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(folder)
        .into_iter()
        .flatten()
        .flatten()
        .take(64 * MAX_FILES)
        .map(|e| e.path())
        .filter(|p| is_source(p))
        .collect();
    if let Some(me) = me
        && !paths.iter().any(|p| p == me)
    {
        paths.push(me.to_path_buf());
    }
    paths.sort_by(|a, b| {
        (is_json_source(a), a.file_name()).cmp(&(is_json_source(b), b.file_name()))
    });
    paths.truncate(MAX_FILES);
    paths
}

/// Whether the walked Terraform source at canonical path `me` is its folder's lead: the
/// first of the folder's sources ([`sources_of`]) the run walks.
pub(crate) fn is_lead(me: &Path, loader: Loader<'_>) -> bool {
    let Some(folder) = me.parent() else {
        return true;
    };
    sources_of(folder, Some(me))
        .iter()
        .find(|p| *p == me || loader.walked(p))
        .is_none_or(|first| first == me)
}

/// Whether a file named `name` is a variable definitions file Terraform loads by itself
/// (<https://developer.hashicorp.com/terraform/language/values/variables#variable-definitions-tfvars-files>):
/// `terraform.tfvars`, `terraform.tfvars.json`, or a `*.auto.tfvars(.json)`. Any other is a
/// `-var-file`, read only when the command line names it.
pub(crate) fn loaded_by_itself(name: &str) -> bool {
    matches!(name, "terraform.tfvars" | "terraform.tfvars.json") || is_auto(name)
}

/// Whether a file named `name` is a `*.auto.tfvars` or `*.auto.tfvars.json` file.
fn is_auto(name: &str) -> bool {
    name.ends_with(".auto.tfvars") || name.ends_with(".auto.tfvars.json")
}

/// The variable definition files of canonical folder `folder` Terraform loads, in its order.
fn definitions_of(folder: &Path) -> Vec<PathBuf> {
    let mut auto: Vec<PathBuf> = std::fs::read_dir(folder)
        .into_iter()
        .flatten()
        .flatten()
        .take(64 * MAX_FILES)
        .map(|e| e.path())
        .filter(|p| p.file_name().is_some_and(|n| is_auto(&n.to_string_lossy())))
        .collect();
    auto.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    auto.truncate(MAX_FILES);
    let mut out = vec![
        folder.join("terraform.tfvars"),
        folder.join("terraform.tfvars.json"),
    ];
    out.extend(auto);
    out
}

/// Reads the module of the lead file `lead` (already read): its folder's `.tf` files and
/// variable definitions, each added to `out.sources`. A file that cannot be parsed is an
/// IG000 (in `out.problems`) and left out; one that cannot be read, a note.
pub(crate) fn read(lead: Loaded, env: &Env<'_>, out: &mut Lowered) -> Module {
    let me = lead.canonical.clone();
    let folder = me.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut module = Module {
        lead: FileId(0),
        sources: Vec::new(),
        overrides: Vec::new(),
        definitions: Vec::new(),
    };
    let mut lead = Some(lead);
    for path in sources_of(&folder, Some(&me)) {
        let is_lead = path == me;
        let loaded = if is_lead {
            match lead.take() {
                Some(l) => l,
                None => continue,
            }
        } else {
            match read_beside(&path, env, out) {
                Some(l) => l,
                None => continue,
            }
        };
        if is_lead {
            module.lead = FileId(out.sources.len() as u32);
        }
        if let Some((file, syntax)) = parse(loaded, out) {
            if is_override(&path) {
                module.overrides.push(Parsed { file, syntax });
            } else {
                module.sources.push(Parsed { file, syntax });
            }
        }
    }
    for path in definitions_of(&folder) {
        // Not there is the common case: nothing to say.
        if std::fs::symlink_metadata(&path).is_err() && !env.loader.overlaid(&path) {
            continue;
        }
        let Some(loaded) = read_beside(&path, env, out) else {
            continue;
        };
        module.definitions.extend(definitions(loaded, env, out));
    }
    module
}

/// The variable definitions of `loaded` (HCL, or JSON by its name), added to `out.sources`;
/// `None` (an IG000 in `out.problems`) when it cannot be parsed.
fn definitions(loaded: Loaded, env: &Env<'_>, out: &mut Lowered) -> Option<Definitions> {
    let json = loaded
        .canonical
        .file_name()
        .is_some_and(|n| n.to_string_lossy().ends_with(".json"));
    if json {
        let limit = env.allowance.limits().max_document_values;
        let parsed = crate::json::parse_within(&loaded.text, limit);
        let id = loaded.add_to(&mut out.sources);
        match parsed {
            Ok(root) => Some(Definitions::Json(id, root)),
            Err(e) => {
                let text = &out.sources.get(id).text;
                let problem = ParseProblem::at_char(id, text, e.offset, HEADLINE, e.message);
                out.problems.push(problem);
                None
            }
        }
    } else {
        match parse(loaded, out) {
            Some((file, Syntax::Hcl(body))) => Some(Definitions::Hcl(file, body)),
            _ => None,
        }
    }
}

/// The `-var-file` definitions the config maps to the module's folder (`[parameter_files]`
/// naming the folder: the project graph gives them as the lead file's parameter files), each
/// with its display path, in the order the config lists them. One that cannot be read is
/// said in a note and left out; one that cannot be parsed is an IG000.
pub(crate) fn var_files(env: &Env<'_>, out: &mut Lowered) -> Vec<(String, Definitions)> {
    let mut found = Vec::new();
    for file in env.options.parameter_files.iter().filter(|p| p.mapped) {
        match env
            .loader
            .read(&file.path, &file.canonical, file.display.clone())
        {
            Ok(loaded) => {
                if let Some(definitions) = definitions(loaded, env, out) {
                    found.push((file.display.clone(), definitions));
                }
            }
            Err(e) => out.notes.push(crate::note::Note::new(
                crate::note::NoteKind::NotRead,
                file.display.clone(),
                format!("not read: {e}"),
            )),
        }
    }
    found
}

/// Reads the module a call names in canonical folder `dir`: its `.tf` files (a called module
/// reads no `.tfvars`: its caller sets its variables), each added to `out.sources`, or `None`
/// when none can be read and parsed. The canonical paths of its `.tf` files are added to
/// `out.links`: they are judged here, through their caller.
pub(crate) fn read_module(dir: &Path, env: &Env<'_>, out: &mut Lowered) -> Option<Module> {
    let mut module = Module {
        lead: FileId(0),
        sources: Vec::new(),
        overrides: Vec::new(),
        definitions: Vec::new(),
    };
    for path in sources_of(dir, None) {
        if !out.links.contains(&path) {
            out.links.push(path.clone());
        }
        let Some(loaded) = read_beside(&path, env, out) else {
            continue;
        };
        let id = FileId(out.sources.len() as u32);
        if let Some((file, syntax)) = parse(loaded, out) {
            if is_override(&path) {
                module.overrides.push(Parsed { file, syntax });
                continue;
            }
            if module.sources.is_empty() {
                module.lead = id;
            }
            module.sources.push(Parsed { file, syntax });
        }
    }
    (!module.sources.is_empty()).then_some(module)
}

/// Reads the file at canonical path `path` beside the lead, within the allowance of bytes
/// of files led to; a note when it cannot be read.
fn read_beside(path: &Path, env: &Env<'_>, out: &mut Lowered) -> Option<Loaded> {
    let display = env.loader.display(path);
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        // Not through a link: the file itself must be a regular file of the folder.
        if !meta.is_file() {
            return None;
        }
        if !env.allowance.linked_bytes_fit(meta.len()) {
            out.notes.push(crate::note::Note::new(
                crate::note::NoteKind::NotRead,
                display,
                "not read: the Terraform sources of this folder are larger than the bytes one file may lead to",
            ));
            return None;
        }
    }
    match env.loader.read(path, path, display.clone()) {
        Ok(loaded) => {
            env.allowance.take_linked_bytes(loaded.text.len() as u64);
            Some(loaded)
        }
        Err(e) => {
            out.notes.push(crate::note::Note::new(
                crate::note::NoteKind::NotRead,
                display,
                format!("not read: {e}"),
            ));
            None
        }
    }
}

/// Parses `loaded` in its syntax (a `.tf.json` file as JSON, any other as HCL), adding it to
/// `out.sources`; an IG000 when it cannot be parsed or nests deeper than [`MAX_BRACKETS`].
fn parse(loaded: Loaded, out: &mut Lowered) -> Option<(FileId, Syntax)> {
    let json = is_json_source(&loaded.canonical);
    let deep = too_deep(&loaded.text);
    let id = loaded.add_to(&mut out.sources);
    let text = &out.sources.get(id).text;
    if let Some(offset) = deep {
        let message = format!("it nests brackets deeper than {MAX_BRACKETS} levels");
        out.problems.push(ParseProblem::at_char(
            id,
            text,
            offset as u32,
            HEADLINE,
            message,
        ));
        return None;
    }
    match parse_text(text, json) {
        Ok(syntax) => Some((id, syntax)),
        Err((offset, message)) => {
            out.problems
                .push(ParseProblem::at_char(id, text, offset, HEADLINE, message));
            None
        }
    }
}

/// The source `text` parsed (as JSON when `json`), or the offset and message of its error. A
/// JSON source must be JSON whose root is an object, as Terraform requires; it is then read
/// as an HCL expression ([`super::syntax`]).
pub(crate) fn parse_text(text: &str, json: bool) -> Result<Syntax, (u32, String)> {
    if let Some(offset) = too_wide(text, json) {
        let message = format!(
            "its braces hold more members than imagegate reads (the squares of their counts add up past {MAX_WIDTH})"
        );
        return Err((u32::try_from(offset).unwrap_or(u32::MAX), message));
    }
    if !json {
        return hcl_edit::parser::parse_body(text)
            .map(Syntax::Hcl)
            .map_err(|e| {
                let offset = u32::try_from(e.location().offset()).unwrap_or(u32::MAX);
                (offset, e.message().to_string())
            });
    }
    crate::json::validate(text).map_err(|e| (e.offset, e.message))?;
    if !text.trim_start().starts_with('{') {
        return Err((0, "a Terraform JSON file holds one object".to_string()));
    }
    let relaxed = super::syntax::json_as_hcl(text);
    // What follows the object is blank (or comments, which HCL reads as blanks where they
    // are not last): left out, which moves no offset.
    let hcl = relaxed.as_deref().unwrap_or(text).trim_end();
    hcl_edit::parser::parse_expr(hcl)
        .map(Syntax::Json)
        .map_err(|e| {
            let offset = u32::try_from(e.location().offset()).unwrap_or(u32::MAX);
            (offset, e.message().to_string())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_too_wide_to_parse_in_time_are_found_before_parsing() {
        let wide = |n: usize, json: bool| {
            let members: Vec<String> = (0..n)
                .map(|i| {
                    if json {
                        format!("\"k{i}\": 1")
                    } else {
                        format!("k{i} = 1")
                    }
                })
                .collect();
            if json {
                format!("{{\"locals\": {{{}}}}}", members.join(",\n"))
            } else {
                format!("locals {{\n{}\n}}\n", members.join("\n"))
            }
        };
        for json in [false, true] {
            assert_eq!(too_wide(&wide(5_000, json), json), None, "{json}");
            assert!(too_wide(&wide(20_000, json), json).is_some(), "{json}");
        }
        // Lines of strings and heredocs are no members.
        let heredoc = format!(
            "locals {{\n  script = <<-EOT\n{}  EOT\n  s = \"{}\"\n}}\n",
            "echo\n".repeat(20_000),
            ",".repeat(20_000)
        );
        assert_eq!(too_wide(&heredoc, false), None);
        // Many narrow objects fit; their squares add up.
        let narrow = "locals {\n  a = { x = 1, y = 2 }\n}\n".repeat(10_000);
        assert_eq!(too_wide(&narrow, false), None);
        // What would hide an object from the count does not: a `<<` in a comment, braces
        // closed in strings, an object in an interpolation.
        let members = |n: usize| {
            (0..n)
                .map(|i| format!("k{i} = \"}}\"\n"))
                .collect::<String>()
        };
        let hidden = format!(
            "# a << EOF\nlocals {{\n  m = {{\n{}  }}\n}}\n",
            members(20_000)
        );
        assert!(too_wide(&hidden, false).is_some());
        let inline: Vec<String> = (0..20_000).map(|i| format!("k{i} = 1")).collect();
        let interpolated = format!(
            "locals {{\n  s = \"${{ {{ {} }} }}\"\n}}\n",
            inline.join(", ")
        );
        assert!(too_wide(&interpolated, false).is_some());
        let heredoc = format!(
            "locals {{\n  s = <<EOT\n${{ {{ {} }} }}\nEOT\n}}\n",
            inline.join(", ")
        );
        assert!(too_wide(&heredoc, false).is_some());
    }

    #[test]
    fn deep_nesting_is_found_before_parsing() {
        assert_eq!(too_deep("a = [[1]]"), None);
        let deep = format!("a = {}1{}", "[".repeat(300), "]".repeat(300));
        assert_eq!(too_deep(&deep), Some(4 + MAX_BRACKETS));
    }
}
