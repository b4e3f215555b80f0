//! What a Bicep file says of other files, found by parsing it (no lowering, no evaluation):
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

use super::lexer::{TokenKind, string_value};
use super::lower::is_registry_reference;
use super::parser;
use super::syntax::{SyntaxKind as K, SyntaxNode};
use crate::frontend::{Relation, RelationKind, Target};

/// The functions that read a file at compile time, by the path in their first argument.
const LOADING: [&str; 5] = [
    "loadTextContent",
    "loadJsonContent",
    "loadYamlContent",
    "loadFileAsBase64",
    "loadDirectoryFileInfo",
];

/// The relations of the Bicep file at `path` with text `text`.
pub(super) fn relations(path: &Path, text: &str) -> Vec<Relation> {
    let params = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("bicepparam"));
    let parsed = if params {
        parser::parse_params(text)
    } else {
        parser::parse(text)
    };
    let mut out = Vec::new();
    // The tree is walked with a stack: its depth is the parser's, never this function's.
    let mut stack: Vec<&SyntaxNode> = vec![&parsed.root];
    while let Some(node) = stack.pop() {
        let declared = match node.kind {
            K::ModuleDeclaration => Some(RelationKind::Deploys),
            K::UsingDeclaration => Some(RelationKind::Parameters),
            K::ExtendsDeclaration => Some(RelationKind::Extends),
            K::CompileTimeImportDeclaration => Some(RelationKind::Imports),
            _ => None,
        };
        if let Some(kind) = declared {
            let string = match node.kind {
                K::CompileTimeImportDeclaration => node
                    .child(K::CompileTimeImportFromClause)
                    .and_then(|c| c.child(K::String)),
                _ => node.child(K::String),
            };
            // `using none` and a declaration the parser could not finish name no file.
            if let Some(string) = string {
                out.push(Relation::new(kind, target(text, string)));
            }
        }
        if matches!(node.kind, K::FunctionCall | K::InstanceFunctionCall) && loads(node, text) {
            let first = node
                .nodes()
                .filter(|n| n.kind == K::FunctionArgument)
                .find_map(|a| a.nodes().next());
            let target = match first.filter(|n| n.kind == K::String) {
                Some(s) => target(text, s),
                None => Target::Computed,
            };
            out.push(Relation::new(RelationKind::Reads, target));
        }
        stack.extend(node.nodes());
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

/// Whether `call` is one of the functions that read a file (`sys.` prefixed or not).
fn loads(call: &SyntaxNode, text: &str) -> bool {
    let name = match call.kind {
        K::FunctionCall => call.child(K::Identifier),
        _ => call.nodes().filter(|n| n.kind == K::Identifier).last(),
    };
    name.and_then(|n| n.tokens().next())
        .and_then(|t| text.get(t.span.start as usize..t.span.end as usize))
        .is_some_and(|name| LOADING.contains(&name))
}

/// Where the string node `string` leads: a registry reference, a relative path, or (an
/// interpolated string) anywhere.
fn target(text: &str, string: &SyntaxNode) -> Target {
    let mut tokens = string.tokens();
    let plain = match (tokens.next(), tokens.next(), string.nodes().next()) {
        (Some(t), None, None) if t.kind == TokenKind::StringComplete => Some(string_value(text, t)),
        _ => None,
    };
    match plain {
        Some(p) if is_registry_reference(&p) => Target::Uri(p),
        Some(p) => Target::Relative(p),
        None => Target::Computed,
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
                (RelationKind::Reads, Target::Computed),
            ]
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
}
