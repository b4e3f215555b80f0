//! The crate's modules import each other in one direction only.
//!
//! Reads `src/` the way a reviewer would: every `crate::…` path in non-test code is an import of
//! that module (a file's module is its path under `src/`, two levels deep under `frontend/`,
//! `report/` and `rules/`; test modules left out). The graph must have no cycle, every module
//! sits on a layer ([`LAYERS`]) and imports only modules of lower layers, and only the
//! frontends name a language (see `docs/architecture.md`).
//!
//! Run alone with `cargo test --test it module_graph`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Module → the modules it imports.
type Graph = BTreeMap<String, BTreeSet<String>>;

/// Folders whose files are modules of their own at the second level.
const SPLIT: [&str; 3] = ["frontend", "report", "rules"];

fn module_of(relative: &str) -> Option<String> {
    let path = relative.strip_suffix(".rs")?;
    let mut parts: Vec<&str> = path.split('/').collect();
    if parts.last() == Some(&"mod") {
        parts.pop();
    }
    if parts == ["lib"] || parts == ["main"] {
        return None;
    }
    let depth = if SPLIT.contains(&parts[0]) && parts.len() > 1 {
        2
    } else {
        1
    };
    Some(parts[..depth].join("::"))
}

/// Code before the first test module (`#[cfg(test)]` followed by a `mod`), without comments.
/// Items marked `#[cfg(test)]` one by one do not end the code.
fn code(text: &str) -> String {
    let end = text
        .match_indices("#[cfg(test)]")
        .find(|(i, m)| {
            let next = text[i + m.len()..].trim_start();
            ["mod ", "pub mod ", "pub(crate) mod "]
                .iter()
                .any(|m| next.starts_with(m))
        })
        .map_or(text.len(), |(i, _)| i);
    let text = &text[..end];
    text.lines()
        .map(|line| match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The module names a `crate::` path or `use crate::{…}` group refers to.
fn references(code: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut name = |first: &str, second: Option<&str>| {
        let joined = second.map(|s| format!("{first}::{s}"));
        match joined {
            Some(j) if modules.contains(&j) => {
                out.insert(j);
            }
            _ if modules.contains(first) => {
                out.insert(first.to_string());
            }
            _ if SPLIT.contains(&first) => {
                out.insert(first.to_string());
            }
            _ => {}
        }
    };
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find("};").unwrap_or(group.len());
            for item in group[..end].split([',', '\n']) {
                let item = item.trim().trim_start_matches('{');
                let first = ident(item);
                let second = item
                    .strip_prefix(&format!("{first}::"))
                    .map(|r| ident(r.trim_start_matches('{')));
                if !first.is_empty() {
                    name(&first, second.as_deref().filter(|s| !s.is_empty()));
                }
            }
            continue;
        }
        let first = ident(rest);
        let second = rest
            .strip_prefix(&format!("{first}::"))
            .map(ident)
            .filter(|s| !s.is_empty());
        name(&first, second.as_deref());
    }
    out
}

fn graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    let mut dirs = vec![src.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs")
                && path.file_name().is_some_and(|n| n != "tests.rs")
            {
                let relative = path.strip_prefix(&src).unwrap().to_string_lossy();
                let relative = relative.replace('\\', "/");
                if let Some(module) = module_of(&relative) {
                    files.push((path, module));
                }
            }
        }
    }
    let modules: BTreeSet<String> = files.iter().map(|(_, m)| m.clone()).collect();
    let mut graph = Graph::new();
    for (path, module) in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let entry = graph.entry(module.clone()).or_default();
        for target in references(&code(&text), &modules) {
            let inside = target.starts_with(&format!("{module}::"))
                || module.starts_with(&format!("{target}::"));
            if target != *module && !inside {
                entry.insert(target);
            }
        }
    }
    graph
}

/// The strongly connected components of more than one module.
fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    struct State<'g> {
        graph: &'g Graph,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        found: Vec<Vec<String>>,
    }
    fn visit<'g>(s: &mut State<'g>, v: &'g str) {
        let i = s.index.len();
        s.index.insert(v, i);
        s.low.insert(v, i);
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s.graph.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if s.on_stack.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.found.push(component);
            }
        }
    }
    let mut state = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !state.index.contains_key(v.as_str()) {
            visit(&mut state, v);
        }
    }
    state.found
}

#[test]
fn no_two_modules_import_each_other() {
    let graph = graph();
    assert!(graph.len() > 15, "only {} modules found", graph.len());
    let found = cycles(&graph);
    assert!(found.is_empty(), "import cycles: {found:?}");
}

/// The layers, from the ground up: a module may import only modules of lower layers (and its
/// own submodules). Data flows up: files are walked and loaded (0–1), lowered by a frontend
/// into the common model of spanned values (2–7), the model's images extracted, the variants
/// of open choices settled and images judged against the policy (8–12), findings made,
/// suppressed and reported (13–15); the rollout
/// tools (16–17: baselines, figures, policy export, init), the per-file pipeline (18), the
/// workspace (19) and the command line (20–21) sit on top. Sibling frontends sit on one layer
/// and never import each other.
///
/// Every module must be listed: a new one is placed on purpose (a module of a folder listed
/// as `folder::*` takes the folder's layer).
const LAYERS: &[(&str, u8)] = &[
    // Foundations: the JSON parser, dates, the catalogue's data, notes about the run; then
    // the walk.
    ("json", 0),
    ("date", 0),
    ("catalog", 0),
    ("note", 0),
    ("walk", 1),
    // Source files, spans and the one loader.
    ("source", 2),
    // Values with origins and first-class unknowns.
    ("value", 3),
    // The common model every frontend lowers into.
    ("model", 4),
    // The evaluator: pure, it reads only what was loaded for it.
    ("eval", 5),
    // The frontends: they lower, nothing more. What they share sits under the languages,
    // which never import each other: the trait and registry, unescaping, the linker (the
    // loading stage of expansion), then the expansion of contexts.
    ("frontend", 6),
    ("frontend::unescape", 6),
    ("frontend::links", 6),
    ("frontend::expand", 7),
    ("frontend::terraform", 7),
    ("frontend::arm", 8),
    ("frontend::bicep", 8),
    ("frontend::tfplan", 8),
    ("frontend::tfsource", 8),
    ("frontend::inventory", 8),
    // Images found in the model, and the one judgement.
    ("image", 9),
    ("extract", 10),
    ("variants", 11),
    ("judge", 11),
    // The rules and the config that configures them.
    ("rules", 12),
    ("rules::*", 12),
    ("config", 13),
    // Findings, their suppression, the report.
    ("findings", 14),
    ("findings::*", 14),
    ("suppress", 15),
    ("report", 16),
    ("report::*", 16),
    // The rollout tools, which read reports and configs (`init` writes the policy's TOML).
    ("baseline", 17),
    ("kpi", 17),
    ("policy", 17),
    ("init", 18),
    // The project graph: relations found by the frontends' sniffs, before anything is judged.
    ("project", 18),
    // One file's run, the workspace's runs, the command line.
    ("pipeline", 19),
    ("workspace", 20),
    ("cli", 21),
    ("commands", 22),
    // The fuzz targets' entry points (`--cfg fuzzing` only), on the workspace like the commands.
    ("fuzz", 22),
];

/// The layer of `module`, if it is listed.
fn layer(module: &str) -> Option<u8> {
    LAYERS
        .iter()
        .find(|(m, _)| *m == module)
        .map(|(_, l)| *l)
        .or_else(|| {
            let (folder, _) = module.rsplit_once("::")?;
            LAYERS
                .iter()
                .find(|(m, _)| m.strip_suffix("::*") == Some(folder))
                .map(|(_, l)| *l)
        })
}

/// Every import that does not run down the layers: `(importer, imported)`, and the modules
/// no layer lists.
fn reach_backs(graph: &Graph) -> (Vec<(String, String)>, Vec<String>) {
    let mut back = Vec::new();
    let mut unlisted = BTreeSet::new();
    for (module, imports) in graph {
        let Some(from) = layer(module) else {
            unlisted.insert(module.clone());
            continue;
        };
        for target in imports {
            match layer(target) {
                Some(to) if to < from => {}
                Some(_) => back.push((module.clone(), target.clone())),
                None => {
                    unlisted.insert(target.clone());
                }
            }
        }
    }
    (back, unlisted.into_iter().collect())
}

/// No import runs back up the layers, and sibling frontends do not import each other.
#[test]
fn imports_only_run_down_the_layers() {
    let graph = graph();
    let (back, unlisted) = reach_backs(&graph);
    assert!(
        unlisted.is_empty(),
        "modules on no layer (place them in LAYERS): {unlisted:?}"
    );
    let said: Vec<String> = back
        .iter()
        .map(|(from, to)| {
            format!(
                "`{from}` (layer {}) imports `{to}` (layer {})",
                layer(from).unwrap_or(0),
                layer(to).unwrap_or(0)
            )
        })
        .collect();
    assert!(
        said.is_empty(),
        "imports that run back up the layers:\n{}",
        said.join("\n")
    );
}

/// The evaluator is pure: everything it reads was loaded before it runs (linked templates come
/// as an `eval::Links` set), so its code names no file-system or loader API.
#[test]
fn the_evaluator_reads_no_file() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/eval");
    let mut dirs = vec![src.clone()];
    let mut read = 0;
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            if path.file_name().is_some_and(|n| n == "tests.rs") {
                continue;
            }
            let text = code(&std::fs::read_to_string(&path).unwrap());
            read += 1;
            for api in [
                "std::fs",
                "Loader",
                "source::load",
                "File::open",
                "read_dir",
            ] {
                assert!(
                    !text.contains(api),
                    "{} names `{api}`: the evaluator reads no file",
                    path.display()
                );
            }
        }
    }
    assert!(read > 10, "src/eval is read ({read} files)");
}

/// The checker itself: a planted reach-back, a sibling import and an unlisted module are
/// each caught; imports down the layers are not.
#[test]
fn the_layer_check_catches_a_planted_reach_back() {
    let mut graph = Graph::new();
    let mut edge = |a: &str, b: &str| {
        graph.entry(a.into()).or_default().insert(b.into());
    };
    edge("frontend::arm", "eval");
    edge("commands", "workspace");
    edge("eval", "config");
    edge("frontend::bicep", "frontend::arm");
    edge("shiny", "json");
    let (back, unlisted) = reach_backs(&graph);
    assert_eq!(
        back,
        [
            ("eval".to_string(), "config".to_string()),
            ("frontend::bicep".into(), "frontend::arm".into())
        ]
    );
    assert_eq!(unlisted, ["shiny"]);
}

#[test]
fn the_reader_sees_imports_and_groups() {
    let modules: BTreeSet<String> = ["eval", "frontend::arm", "source", "value"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let code = "use crate::{eval::Scope, source::{FileId, Span}};\nfn f() { crate::value::x(); }\nuse crate::frontend::arm::lower;";
    let found = references(code, &modules);
    let expected: BTreeSet<String> = modules.iter().cloned().collect();
    assert_eq!(found, expected);
    // A cycle is found, and a chain is not one.
    let mut graph = Graph::new();
    graph.entry("a".into()).or_default().insert("b".into());
    graph.entry("b".into()).or_default().insert("c".into());
    assert!(cycles(&graph).is_empty());
    graph.entry("c".into()).or_default().insert("a".into());
    assert_eq!(
        cycles(&graph),
        vec![vec!["a".to_string(), "b".into(), "c".into()]]
    );
}

/// What only the frontends may name: a language of the model (`Language::…`) and the
/// extensions of input files. Elsewhere, what differs by language is data the frontends put
/// on the lowered model (catalogue sections, comment syntax, source kind), and the walk's
/// extensions come from the frontends (`frontend::extensions()`).
const LANGUAGE_WORDS: [&str; 7] = [
    "Language::",
    "\".bicep\"",
    "\".bicepparam\"",
    "\".json\"",
    "\".jsonc\"",
    "\".tf\"",
    "\".csv\"",
];

/// The places outside `src/frontend/` allowed to name one of [`LANGUAGE_WORDS`], each with
/// the reason: none today.
const LANGUAGE_EXCEPTIONS: [(&str, &str); 0] = [];

/// The non-test code of every `.rs` file under `src/` outside `frontend/`, by path relative to
/// `src/`: test modules and `tests.rs` files left out, comments stripped.
fn code_outside_frontends() -> Vec<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    let mut dirs = vec![src.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let relative = path.strip_prefix(&src).unwrap().to_string_lossy();
            let relative = relative.replace('\\', "/");
            if relative == "frontend" {
                continue;
            }
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs")
                && path.file_name().is_some_and(|n| n != "tests.rs")
            {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((relative, code(&text)));
            }
        }
    }
    out.sort();
    out
}

/// Where `code` (of `file`) names one of [`LANGUAGE_WORDS`] outside the exceptions.
fn language_words(file: &str, code: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (n, line) in code.lines().enumerate() {
        for word in LANGUAGE_WORDS {
            let excepted = LANGUAGE_EXCEPTIONS
                .iter()
                .any(|(f, w)| *f == file && *w == word);
            if line.contains(word) && !excepted {
                out.push(format!("src/{file}:{}: {word}", n + 1));
            }
        }
    }
    out
}

#[test]
fn only_the_frontends_name_a_language_or_an_input_extension() {
    let files = code_outside_frontends();
    assert!(
        files.iter().any(|(f, _)| f == "findings/judge.rs"),
        "src/ is read"
    );
    let found: Vec<String> = files
        .iter()
        .flat_map(|(file, code)| language_words(file, code))
        .collect();
    assert!(
        found.is_empty(),
        "only src/frontend/ may name a language or an input file's extension; make it data on the model:\n{}",
        found.join("\n")
    );
    // The check sees what it is for, and not what comments and tests say.
    let planted = "fn f(p: &str) -> bool {\n    p.ends_with(\".tf\")\n}\n";
    assert_eq!(
        language_words("x.rs", &code(planted)),
        ["src/x.rs:2: \".tf\""]
    );
    let commented =
        "// `Language::Arm`, \".bicep\"\n#[cfg(test)]\nmod tests { const X: &str = \".json\"; }\n";
    assert!(language_words("x.rs", &code(commented)).is_empty());
}
