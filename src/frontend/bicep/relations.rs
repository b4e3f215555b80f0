//! What a Bicep file says of other files, found in its tokens (no parse, no evaluation):
//! the modules it deploys, the files it imports from and loads, and for a `.bicepparam` the
//! template it gives values to (`using`) and the file it extends. The project graph is made
//! of these.
//!
//! Bicep requires every such path to be a string literal without interpolation (modules,
//! `import`, `using`, `extends`: <https://learn.microsoft.com/azure/azure-resource-manager/bicep/modules#path-to-module>;
//! the `load*` functions take a compile-time constant path:
//! <https://learn.microsoft.com/azure/azure-resource-manager/bicep/bicep-functions-files>). A
//! path that is not one is [`Target::Computed`]: it may be any file.

use std::path::Path;

use super::lexer::{TokenKind, lex_within, string_value};
use super::lower::is_registry_reference;
use crate::frontend::{Relation, RelationKind, Target};

/// The functions that read a file at compile time, by the path in their first argument.
const LOADING: [&str; 5] = [
    "loadTextContent",
    "loadJsonContent",
    "loadYamlContent",
    "loadFileAsBase64",
    "loadDirectoryFileInfo",
];

/// The relations of the Bicep file at `path` (a `.bicep` or `.bicepparam`) with text `text`,
/// read from its tokens: a declaration that names a file is a keyword, maybe a name, and the
/// path's string (`module vm './vm.bicep'`, `import {x} from 'x.bicep'`, `using 'main.bicep'`,
/// `extends 'base.bicepparam'`), a loading call its name, `(` and the path. Tokens, not the
/// syntax tree: a sixth of the work of parsing, and what a declaration the parser would reject
/// names is followed too (a relation too many costs a file judged, never a finding).
pub(super) fn relations(_path: &Path, text: &str) -> Vec<Relation> {
    // A file with more tokens is refused when it is lowered: the relations of its head.
    let lexed = lex_within(text, super::parser::MAX_TOKENS);
    let tokens = &lexed.tokens;
    let word = |i: usize| {
        tokens
            .get(i)
            .filter(|t| t.kind == TokenKind::Identifier)
            .and_then(|t| text.get(t.span.start as usize..t.span.end as usize))
    };
    // The path a string token at `i` writes: plain, interpolated (computed), or no string.
    let path = |i: usize| match tokens.get(i).map(|t| t.kind) {
        Some(TokenKind::StringComplete) => Some(target(&string_value(text, &tokens[i]))),
        Some(TokenKind::StringLeftPiece) => Some(Target::Computed),
        _ => None,
    };
    let mut out = Vec::new();
    for i in 0..tokens.len() {
        let Some(keyword) = word(i) else { continue };
        let found = match keyword {
            // `module name 'path'`, and what the parser recovers without the name.
            "module" => match word(i + 1) {
                Some(_) => path(i + 2),
                None => path(i + 1),
            }
            .map(|t| (RelationKind::Deploys, t)),
            "from" => path(i + 1).map(|t| (RelationKind::Imports, t)),
            "using" => path(i + 1).map(|t| (RelationKind::Parameters, t)),
            "extends" => path(i + 1).map(|t| (RelationKind::Extends, t)),
            name if LOADING.contains(&name) => match tokens.get(i + 1).map(|t| t.kind) {
                Some(TokenKind::LeftParen) => {
                    Some((RelationKind::Reads, path(i + 2).unwrap_or(Target::Computed)))
                }
                _ => None,
            },
            _ => None,
        };
        if let Some((kind, target)) = found {
            out.push(Relation::new(kind, target));
        }
    }
    // A registry reference is read with the nearest `bicepconfig.json` (its aliases, the
    // module cache's root): a change there changes what the file deploys.
    if out
        .iter()
        .any(|r| matches!(&r.target, Target::Uri(u) if is_registry_reference(u)))
    {
        let config = Target::Nearest(super::config::FILE_NAME.to_owned());
        out.push(Relation::new(RelationKind::Reads, config));
    }
    out
}

/// Whether `bytes` may write a relation: they hold a keyword that declares one (keywords are
/// written as they are, in this case; only strings have escapes) or the name of a function
/// that reads a file. Most Bicep files deploy, import and load nothing.
pub(super) fn may_relate(bytes: &[u8]) -> bool {
    const WORDS: [&[u8]; 7] = [
        b"module",
        b"import",
        b"using",
        b"extends",
        b"Content",
        b"FileAsBase64",
        b"DirectoryFileInfo",
    ];
    WORDS
        .iter()
        .any(|w| memchr::memmem::find(bytes, w).is_some())
}

/// Where the plain path `p` leads: a registry reference, or a path relative to the file.
fn target(p: &str) -> Target {
    if is_registry_reference(p) {
        Target::Uri(p.to_owned())
    } else {
        Target::Relative(p.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(name: &str, text: &str) -> Vec<(RelationKind, Target)> {
        let mut out: Vec<_> = relations(Path::new(name), text)
            .into_iter()
            .map(|r| (r.kind, r.target))
            .collect();
        out.sort();
        out
    }

    #[test]
    fn modules_imports_and_loaded_files_of_a_template() {
        let text = "import {images} from './shared/images.bicep'\n\
            import * as types from 'br/public:avm/utl/types:0.1.0'\n\
            var data = loadJsonContent('data/images.json')\n\
            var text = sys.loadTextContent('${name}.txt')\n\
            module vm './modules/vm.bicep' = { name: 'vm' }\n\
            module ip 'br/public:avm/res/network/public-ip-address:0.4.0' = { name: 'ip' }\n";
        assert_eq!(
            of("main.bicep", text),
            [
                (
                    RelationKind::Deploys,
                    Target::Relative("./modules/vm.bicep".into())
                ),
                (
                    RelationKind::Deploys,
                    Target::Uri("br/public:avm/res/network/public-ip-address:0.4.0".into())
                ),
                (
                    RelationKind::Imports,
                    Target::Relative("./shared/images.bicep".into())
                ),
                (
                    RelationKind::Imports,
                    Target::Uri("br/public:avm/utl/types:0.1.0".into())
                ),
                (
                    RelationKind::Reads,
                    Target::Relative("data/images.json".into())
                ),
                (
                    RelationKind::Reads,
                    Target::Nearest("bicepconfig.json".into())
                ),
                (RelationKind::Reads, Target::Computed),
            ]
        );
        // Without a registry reference, no configuration is read.
        assert!(
            !of("local.bicep", "module vm './vm.bicep' = { name: 'vm' }\n")
                .iter()
                .any(|(_, t)| matches!(t, Target::Nearest(_)))
        );
    }

    #[test]
    fn using_and_extends_of_a_parameter_file() {
        let text = "using '../main.bicep'\nextends 'base.bicepparam'\nparam image = 'x'\n";
        assert_eq!(
            of("env/prod.bicepparam", text),
            [
                (
                    RelationKind::Parameters,
                    Target::Relative("../main.bicep".into())
                ),
                (
                    RelationKind::Extends,
                    Target::Relative("base.bicepparam".into())
                ),
            ]
        );
        assert!(of("base.bicepparam", "using none\nparam image = 'x'\n").is_empty());
    }

    /// What the syntax tree declares (the parser as the oracle): every module, `using`,
    /// `extends`, `import … from` and loading call with its first argument.
    fn declared(name: &str, text: &str) -> Vec<(RelationKind, Target)> {
        use super::super::parser;
        use super::super::syntax::{SyntaxKind as K, SyntaxNode};
        let parsed = if name.ends_with(".bicepparam") {
            parser::parse_params(text)
        } else {
            parser::parse(text)
        };
        let string_target = |s: SyntaxNode<'_>| {
            let mut tokens = s.tokens();
            match (tokens.next(), tokens.next(), s.nodes().next()) {
                (Some(t), None, None) if t.kind == TokenKind::StringComplete => {
                    target(&string_value(text, t))
                }
                _ => Target::Computed,
            }
        };
        let mut out = Vec::new();
        let mut stack: Vec<SyntaxNode<'_>> = vec![parsed.root()];
        while let Some(node) = stack.pop() {
            let kind = match node.kind {
                K::ModuleDeclaration => Some(RelationKind::Deploys),
                K::UsingDeclaration => Some(RelationKind::Parameters),
                K::ExtendsDeclaration => Some(RelationKind::Extends),
                K::CompileTimeImportDeclaration => Some(RelationKind::Imports),
                _ => None,
            };
            let string = match node.kind {
                K::CompileTimeImportDeclaration => node
                    .child(K::CompileTimeImportFromClause)
                    .and_then(|c| c.child(K::String)),
                _ => node.child(K::String),
            };
            if let (Some(kind), Some(string)) = (kind, string) {
                out.push((kind, string_target(string)));
            }
            if matches!(node.kind, K::FunctionCall | K::InstanceFunctionCall) {
                let name = match node.kind {
                    K::FunctionCall => node.child(K::Identifier),
                    _ => node.nodes().rfind(|n| n.kind == K::Identifier),
                };
                let name = name
                    .and_then(|n| n.tokens().next())
                    .and_then(|t| text.get(t.span.start as usize..t.span.end as usize));
                if name.is_some_and(|n| LOADING.contains(&n)) {
                    let first = node
                        .nodes()
                        .filter(|n| n.kind == K::FunctionArgument)
                        .find_map(|a| a.nodes().next());
                    let t = match first.filter(|n| n.kind == K::String) {
                        Some(s) => string_target(s),
                        None => Target::Computed,
                    };
                    out.push((RelationKind::Reads, t));
                }
            }
            stack.extend(node.nodes());
        }
        out.sort();
        out.dedup();
        out
    }

    /// Every relation the syntax tree declares in each `.bicep`/`.bicepparam` file below
    /// `dir` is one the tokens find (the tokens may find more, never fewer); returns how many
    /// files had a relation.
    fn tokens_cover_the_tree(dir: &Path) -> usize {
        let mut stack = vec![dir.to_path_buf()];
        let mut with = 0;
        while let Some(d) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&d) else {
                continue;
            };
            for e in entries.flatten() {
                let p = e.path();
                let name = p.to_string_lossy().to_string();
                if p.is_dir() {
                    stack.push(p);
                    continue;
                }
                if !(name.ends_with(".bicep") || name.ends_with(".bicepparam")) {
                    continue;
                }
                let Ok(text) = std::fs::read_to_string(&p) else {
                    continue;
                };
                let tree = declared(&name, &text);
                let tokens = of(&name, &text);
                for r in &tree {
                    assert!(
                        tokens.contains(r),
                        "{name}: {r:?} not found in tokens: {tokens:?}"
                    );
                }
                with += usize::from(!tree.is_empty());
            }
        }
        with
    }

    #[test]
    fn the_tokens_find_every_relation_the_syntax_tree_declares_in_the_fixtures() {
        let testdata = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
        assert!(tokens_cover_the_tree(&testdata) >= 10);
    }

    #[test]
    #[ignore = "needs BICEP_SAMPLES (the compiler's Bicep.Core.Samples/Files)"]
    fn the_tokens_find_every_relation_the_syntax_tree_declares_in_the_compiler_samples() {
        let samples = std::env::var_os("BICEP_SAMPLES").expect("set BICEP_SAMPLES");
        assert!(tokens_cover_the_tree(Path::new(&samples)) >= 50);
    }
}
