//! The oracle harness: our tokens and trees against the compiler's baselines, and whole
//! corpora parsed (all `#[ignore]`: they read files outside the repository, named by
//! environment variables).
//!
//! ```sh
//! BICEP_SAMPLES=/work/bicep/src/Bicep.Core.Samples/Files \
//!   cargo test --lib bicep::tests -- --ignored --nocapture
//! BICEP_CORPUS=dir1:dir2 cargo test --release --lib bicep::tests::corpus -- --ignored --nocapture
//! ```

use std::path::{Path, PathBuf};

use super::lexer::lex;
use super::parser::{parse, parse_params};
use super::printer::{Annotation, annotate, read_baseline, token_items, tree_items};

/// The first difference between ours and the baseline's annotations: a sentence, or `None`.
fn first_difference(
    ours: &[(usize, Annotation)],
    theirs: &[(usize, Annotation)],
) -> Option<String> {
    for (i, (mine, (line, baseline))) in ours.iter().zip(theirs).enumerate() {
        if &mine.1 != baseline {
            return Some(format!(
                "item {i} (baseline line {line}): ours [{}:{}) {} ≠ theirs [{}:{}) {}",
                mine.1.0, mine.1.1, mine.1.2, baseline.0, baseline.1, baseline.2
            ));
        }
    }
    // One baseline (InvalidMultilineString_CRLF: a file ending inside an unterminated
    // `'''` string) does not print the end-of-file token its compiler makes (its `Lexer.Lex`
    // always appends one): a quirk of the baseline printer, accepted here.
    let eof_only = ours.len() == theirs.len() + 1
        && ours.last().is_some_and(|(_, a)| {
            a.2.ends_with("EndOfFile ||") || a.2.ends_with("Token(EndOfFile) ||")
        });
    (ours.len() != theirs.len() && !eof_only).then(|| {
        format!(
            "ours has {} items, the baseline {}",
            ours.len(),
            theirs.len()
        )
    })
}

/// Compares one file with its tokens and syntax baselines: (tokens match, tree matches).
fn compare(
    folder: &str,
    text: &str,
    tokens_file: &Path,
    syntax_file: &Path,
    params: bool,
) -> (bool, bool) {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let lexed = lex(text);
    let parsed = if params {
        parse_params(text)
    } else {
        parse(text)
    };
    let mut result = [false, false];
    for (i, (file, items)) in [
        (tokens_file, token_items(text, &lexed.tokens)),
        (syntax_file, tree_items(text, parsed.root())),
    ]
    .into_iter()
    .enumerate()
    {
        let Ok(baseline) = std::fs::read_to_string(file) else {
            println!("{folder}: no {}", file.display());
            continue;
        };
        let ours = annotate(text, &items);
        match first_difference(&ours, &read_baseline(&baseline)) {
            None => result[i] = true,
            Some(difference) => println!(
                "{folder} {}: {difference}",
                if i == 0 { "tokens" } else { "tree" }
            ),
        }
    }
    (result[0], result[1])
}

/// The compiler's samples directory, from `BICEP_SAMPLES`.
fn samples() -> Option<PathBuf> {
    std::env::var_os("BICEP_SAMPLES").map(PathBuf::from)
}

/// The sub-directories of `dir`, sorted.
fn folders(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// (a) the valid baselines, (b) the invalid ones, and the `.bicepparam` ones: tokens and trees.
#[test]
#[ignore = "needs BICEP_SAMPLES (the compiler's Bicep.Core.Samples/Files)"]
fn baselines_match_tokens_and_trees() {
    let Some(samples) = samples() else {
        panic!("set BICEP_SAMPLES");
    };
    let (mut valid, mut tokens_ok, mut trees_ok) = (0, 0, 0);
    let (mut invalid, mut invalid_tokens_ok, mut invalid_trees_ok) = (0, 0, 0);
    for folder in folders(&samples.join("baselines")) {
        let main = folder.join("main.bicep");
        let Ok(text) = std::fs::read_to_string(&main) else {
            continue;
        };
        let name = folder
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let (tokens, tree) = compare(
            &name,
            &text,
            &folder.join("main.tokens.bicep"),
            &folder.join("main.syntax.bicep"),
            false,
        );
        if name.starts_with("Invalid") {
            invalid += 1;
            invalid_tokens_ok += usize::from(tokens);
            invalid_trees_ok += usize::from(tree);
        } else {
            valid += 1;
            tokens_ok += usize::from(tokens);
            trees_ok += usize::from(tree);
        }
    }
    let (mut params, mut params_tokens_ok, mut params_trees_ok) = (0, 0, 0);
    for folder in folders(&samples.join("baselines_bicepparam")) {
        let Ok(text) = std::fs::read_to_string(folder.join("parameters.bicepparam")) else {
            continue;
        };
        let name = folder
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let (tokens, tree) = compare(
            &name,
            &text,
            &folder.join("parameters.tokens.bicepparam"),
            &folder.join("parameters.syntax.bicepparam"),
            true,
        );
        params += 1;
        params_tokens_ok += usize::from(tokens);
        params_trees_ok += usize::from(tree);
    }
    println!("valid baselines: {valid}, tokens match {tokens_ok}, trees match {trees_ok}");
    println!(
        "invalid baselines: {invalid} parsed without panic, tokens match {invalid_tokens_ok}, trees match {invalid_trees_ok}"
    );
    println!(
        "bicepparam baselines: {params}, tokens match {params_tokens_ok}, trees match {params_trees_ok}"
    );
    assert_eq!((tokens_ok, trees_ok), (valid, valid));
}

/// The `.bicep` and `.bicepparam` files under `dir`.
fn walk_sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk_sources(&path, out);
        } else if path
            .extension()
            .is_some_and(|e| e == "bicep" || e == "bicepparam")
        {
            out.push(path);
        }
    }
}

/// (c) every file of the corpora parsed; the files with errors listed, and the throughput.
#[test]
#[ignore = "needs BICEP_CORPUS (directories of .bicep files, `:`-separated)"]
fn corpus() {
    let Some(dirs) = std::env::var_os("BICEP_CORPUS") else {
        panic!("set BICEP_CORPUS");
    };
    let mut files = Vec::new();
    for dir in std::env::split_paths(&dirs) {
        walk_sources(&dir, &mut files);
    }
    files.sort();
    let texts: Vec<(PathBuf, String)> = files
        .into_iter()
        .filter_map(|p| {
            let text = std::fs::read_to_string(&p).ok()?;
            Some((p, text))
        })
        .collect();
    let bytes: usize = texts.iter().map(|(_, t)| t.len()).sum();
    let started = std::time::Instant::now();
    let mut with_errors = 0;
    // The flat trees' sizes: tokens, nodes and child references (how much a tree reserves).
    let (mut tokens, mut nodes, mut elements) = (0, 0, 0);
    for (path, text) in &texts {
        let params = path.extension().is_some_and(|e| e == "bicepparam");
        let parsed = if params {
            parse_params(text)
        } else {
            parse(text)
        };
        tokens += parsed.tree.tokens.len();
        nodes += parsed.tree.nodes.len();
        elements += parsed.tree.elements.len();
        if let Some(error) = parsed.errors.first() {
            with_errors += 1;
            let line = text[..error.at.start as usize].matches('\n').count() + 1;
            println!(
                "{}:{line}: {} ({} errors)",
                path.display(),
                error.message,
                parsed.errors.len()
            );
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{} files, {:.1} MB, {with_errors} with errors, parsed in {seconds:.3} s: {:.1} MB/s",
        texts.len(),
        bytes as f64 / 1e6,
        bytes as f64 / 1e6 / seconds
    );
    println!("{tokens} tokens, {nodes} nodes, {elements} children");
}

/// Own fixtures and properties.
mod own {
    use super::super::lexer::{Token, TokenKind, lex};
    use super::super::parser::{
        MAX_DEPTH, MAX_TOKENS, ParseError, Parsed, parse, parse_params, parse_params_within,
        parse_within,
    };
    use super::super::printer::{render, tree_items};
    use super::super::syntax::{SyntaxElement, SyntaxKind, SyntaxNode};

    /// The tree's tokens, in order.
    pub(super) fn collect_tokens(node: SyntaxNode<'_>, out: &mut Vec<Token>) {
        for child in node.children() {
            match child {
                SyntaxElement::Token(t) => out.push(t.clone()),
                SyntaxElement::Node(n) => collect_tokens(n, out),
            }
        }
    }

    /// Whether `gap` is only whitespace, comments and pragmas.
    fn is_trivia(gap: &str) -> bool {
        let mut rest = gap.trim_start_matches('\u{FEFF}');
        loop {
            rest = rest.trim_start_matches([' ', '\t']);
            if rest.is_empty() {
                return true;
            }
            if let Some(r) = rest.strip_prefix("//") {
                rest = &r[r.find(['\n', '\r']).unwrap_or(r.len())..];
            } else if let Some(r) = rest.strip_prefix("/*") {
                rest = r.find("*/").map_or("", |i| &r[i + 2..]);
            } else if rest.starts_with('#') {
                rest = rest[1..].trim_start_matches(|c: char| {
                    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ' ' | '\t')
                });
            } else {
                return false;
            }
        }
    }

    /// Checks the round trip: the tree's tokens are the lexer's, in order, without overlap,
    /// and only trivia lies between them.
    fn assert_round_trip(text: &str, parsed: &Parsed) {
        let mut ours = Vec::new();
        collect_tokens(parsed.root(), &mut ours);
        assert_eq!(ours, lex(text).tokens, "the tree's tokens are the lexer's");
        let mut last = 0;
        for t in &ours {
            assert!(t.span.start >= last, "tokens in order");
            let gap = &text[last as usize..t.span.start as usize];
            assert!(is_trivia(gap), "only trivia between tokens: {gap:?}");
            last = t.span.end;
        }
        assert_eq!(last as usize, text.len());
    }

    /// Parses a valid fixture: no errors, round trip, the printed tree.
    fn tree(text: &str) -> String {
        let parsed = parse(text);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        assert_round_trip(text, &parsed);
        render(text, &tree_items(text, parsed.root()))
    }

    /// [`tree`] for a `.bicepparam` fixture.
    fn params_tree(text: &str) -> String {
        let parsed = parse_params(text);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        assert_round_trip(text, &parsed);
        render(text, &tree_items(text, parsed.root()))
    }

    /// The kinds of the program's children that are nodes.
    fn declarations(parsed: &Parsed) -> Vec<SyntaxKind> {
        parsed.root().nodes().map(|n| n.kind).collect()
    }

    /// Decorators target scope metadata params and vars.
    #[test]
    fn decorators_target_scope_metadata_params_and_vars() {
        insta::assert_snapshot!(tree(
            "targetScope = 'subscription'\n\
             metadata owner = 'team'\n\
             #disable-next-line no-unused-params\n\
             @description('The image')\n\
             @minLength(3)\n\
             param image string = 'img' // trailing\n\
             @secure()\n\
             param secret string\n\
             param sku 'A' | 'B' = 'A'\n\
             var typed int = 1 + 2 * 3\n\
             var untyped = !empty(image) ? image : null\n"
        ));
    }

    /// Resources existing nested parent scope and access.
    #[test]
    fn resources_existing_nested_parent_scope_and_access() {
        insta::assert_snapshot!(tree(
            "resource vnet 'Microsoft.Network/virtualNetworks@2023-04-01' existing = {\n  \
               name: 'vnet'\n  \
               scope: resourceGroup('rg')\n\n  \
               resource subnet 'subnets' existing = {\n    name: 'default'\n  }\n\
             }\n\
             resource vm 'Microsoft.Compute/virtualMachines@2023-03-01' = {\n  \
               name: 'vm'\n  \
               parent: vnet\n  \
               properties: {\n    subnetId: vnet::subnet.id\n  }\n\
             }\n"
        ));
    }

    /// Modules loops conditions and outputs.
    #[test]
    fn modules_loops_conditions_and_outputs() {
        insta::assert_snapshot!(tree(
            "module m './m.bicep' = if (deploy) {\n  name: 'm'\n}\n\
             module ms 'br/public:avm/res/x:1.0.0' = [for (item, i) in items: if (i > 0) {\n  \
               name: 'm${i}'\n}]\n\
             output ids array = [for x in xs: x.id]\n\
             output r resource 'Microsoft.Compute/virtualMachines@2023-03-01' = vm\n"
        ));
    }

    /// Types functions imports and extensions.
    #[test]
    fn types_functions_imports_and_extensions() {
        insta::assert_snapshot!(tree(
            "import { a, b as c } from 'shared.bicep'\n\
             import * as ns from 'ns.bicep'\n\
             extension microsoftGraphV1\n\
             extension 'br:x/y:1.0' with { a: 1 } as ext\n\
             @export()\n\
             type pair = [string, int?]\n\
             type obj = {\n  @description('d')\n  name: string\n  *: int\n  tags: {\n    *: string\n  }?\n}\n\
             type u = 'a' | 'b'\n\
             type props = resourceInput<'Microsoft.Compute/virtualMachines@2023-03-01'>.properties\n\
             type items = obj.tags.*\n\
             func add(a int, b int) int => a + b\n"
        ));
    }

    /// Strings interpolation multi line and verbatim.
    #[test]
    fn strings_interpolation_multi_line_and_verbatim() {
        let text = "var a = 'vm-${name}-${i}'\n\
                    var b = '''\nverbatim ${x}\n'''\n\
                    var c = $$'''\n${raw} $${hole}\n'''\n\
                    var d = 'it\\'s \\u{1F600}'\n";
        let parsed = parse(text);
        let strings: Vec<String> = lex(text)
            .tokens
            .iter()
            .filter(|t| t.kind.is_string())
            .map(|t| super::super::lexer::string_value(text, t))
            .collect();
        assert_eq!(
            strings,
            [
                "vm-",
                "-",
                "",
                "verbatim ${x}\n",
                "${raw} ",
                "\n",
                "it's 😀"
            ]
        );
        assert!(parsed.errors.is_empty());
        insta::assert_snapshot!(tree(text));
    }

    /// Objects arrays spread and operators.
    #[test]
    fn objects_arrays_spread_and_operators() {
        insta::assert_snapshot!(tree(
            "var o = {\n  a: 1\n  'b c': [\n    1\n    2\n  ]\n  ...other\n}\n\
             var inline = { a: 1, b: [1, 2, ...more] }\n\
             var ops = x ?? y.?z ?? w[?0] ?? v[^1] ?? u!.p\n\
             var cmp = a =~ b || c !~ d && e >= f\n\
             var tern = cond\n  ? 1\n  : 2\n\
             var lam = map(xs, (x, i) => x * i)\n\
             var lam1 = filter(xs, x => x.enabled)\n\
             var call = sys.concat('a', 'b')\n"
        ));
    }

    /// Parameter files.
    #[test]
    fn parameter_files() {
        insta::assert_snapshot!(params_tree(
            "using './main.bicep'\n\
             extends './base.bicepparam'\n\
             import { x } from 'shared.bicep'\n\
             param image = 'img'\n\
             param count = 2 + x\n\
             var local = 'v'\n"
        ));
        let parsed = parse_params("using none\nparam a = 1\n");
        assert!(parsed.errors.is_empty());
        assert_eq!(
            declarations(&parsed),
            [
                SyntaxKind::UsingDeclaration,
                SyntaxKind::ParameterAssignment
            ]
        );
    }

    /// Pragmas and comments are trivia.
    #[test]
    fn pragmas_and_comments_are_trivia() {
        let text = "/* header */\n#disable-next-line BCP081\nparam a string // c\n";
        let parsed = parse(text);
        assert_eq!(parsed.pragmas.len(), 1);
        assert_eq!(declarations(&parsed), [SyntaxKind::ParameterDeclaration]);
        assert_round_trip(text, &parsed);
    }

    /// A damaged declaration keeps its node and the next ones parse.
    #[test]
    fn a_damaged_declaration_keeps_its_node_and_the_next_ones_parse() {
        let text = "resource vm 'Microsoft.Compute/virtualMachines@2023-03-01' = {\n  \
                    name: 'vm'\n  properties: {\n    a: (1 +\n  }\n}\n\
                    param ok string\n\
                    var broken = 1 + + 2\n\
                    var fine = 1\n\
                    output o string = \n\
                    garbage here\n\
                    output p int = 1\n";
        let parsed = parse(text);
        assert!(!parsed.errors.is_empty());
        assert_round_trip(text, &parsed);
        let kinds = declarations(&parsed);
        assert_eq!(kinds[0], SyntaxKind::ResourceDeclaration);
        let resource = parsed.root().nodes().next().expect("a resource");
        assert_eq!(
            resource.child(SyntaxKind::String).map(|s| s.span.clone()),
            Some(12..58)
        );
        assert!(resource.has_token(TokenKind::Assignment));
        assert_eq!(resource.tokens().count(), 2); // `resource`, `=`
        for expected in [
            SyntaxKind::ParameterDeclaration,
            SyntaxKind::OutputDeclaration,
            SyntaxKind::SkippedTrivia,
        ] {
            assert!(kinds.contains(&expected), "{kinds:?}");
        }
        let last = parsed.root().nodes().last().expect("a last declaration");
        assert_eq!(last.kind, SyntaxKind::OutputDeclaration);
        assert!(last.child(SyntaxKind::IntegerLiteral).is_some());
        let vars = parsed
            .root()
            .nodes()
            .filter(|n| n.kind == SyntaxKind::VariableDeclaration)
            .count();
        assert_eq!(vars, 2);
    }

    /// Unknown declarations and dangling decorators recover.
    #[test]
    fn unknown_declarations_and_dangling_decorators_recover() {
        let parsed = parse("foo bar\n@description('x')\n\nparam p int\n@dangling()\n");
        assert_eq!(
            declarations(&parsed),
            [
                SyntaxKind::SkippedTrivia,
                SyntaxKind::ParameterDeclaration,
                SyntaxKind::MissingDeclaration
            ]
        );
        assert_eq!(parsed.errors.len(), 1);
    }

    /// Deep nesting is one error not a stack overflow.
    #[test]
    fn deep_nesting_is_one_error_not_a_stack_overflow() {
        for (open, close) in [("[", "]"), ("(", ")"), ("{a:", "}"), ("!(", ")")] {
            let depth = 20 * MAX_DEPTH as usize;
            let text = format!(
                "var x = {}1{}\nvar y = 2\n",
                open.repeat(depth),
                close.repeat(depth)
            );
            let parsed = parse(&text);
            assert_round_trip(&text, &parsed);
            let deep = parsed
                .errors
                .iter()
                .filter(|e| e.message.contains("nesting"))
                .count();
            assert_eq!(
                deep,
                1,
                "{open}: {:?}",
                &parsed.errors[..parsed.errors.len().min(5)]
            );
            assert!(
                parsed
                    .root()
                    .nodes()
                    .filter(|n| n.kind == SyntaxKind::VariableDeclaration)
                    .count()
                    == 2
            );
        }
        let types = format!(
            "type t = {}string{}\n",
            "{a:".repeat(2000),
            "}".repeat(2000)
        );
        let parsed = parse(&types);
        assert_round_trip(&types, &parsed);
        let within = format!("var x = {}1{}\n", "[".repeat(100), "]".repeat(100));
        assert!(parse(&within).errors.is_empty());
    }

    /// The height of a tree (nodes on its longest path from the root), measured without
    /// recursion.
    fn height(root: SyntaxNode<'_>) -> usize {
        let mut deepest = 0;
        let mut stack = vec![(root, 1)];
        while let Some((node, h)) = stack.pop() {
            deepest = deepest.max(h);
            stack.extend(node.nodes().map(|n| (n, h + 1)));
        }
        deepest
    }

    /// Chains built in a loop (`a + a + …`, `a.a.a…`, `a[0][0]…`, `t[][]…`, `t??…`,
    /// `@a.a.a…`) nest the tree as deeply as brackets do: past [`MAX_DEPTH`] links they are
    /// one error, like brackets, so that no tree is deeper than a bound every recursive walk
    /// of it (lowering, clone, drop) holds to. 10,000 links used to parse into a tree 10,000
    /// deep, whose lowering overflowed the stack.
    #[test]
    fn chains_nest_like_brackets_and_every_tree_is_shallow() {
        let n = 10_000;
        let chains = [
            format!("var x = {}a\n", "a + ".repeat(n)),
            format!("var x = a{}\n", "[0]".repeat(n)),
            format!("var x = a{}\n", ".a".repeat(n)),
            format!("var x = a{}\n", "!".repeat(n)),
            format!("var x = a{}\n", "::a".repeat(n)),
            format!("var x = a{}\n", ".f()".repeat(n)),
            format!("var x = a {}\n", "?? a ".repeat(n)),
            format!("type t = string{}\n", "[]".repeat(n)),
            format!("type t = string{}\n", "? ".repeat(n)),
            format!("type t = a{}\n", ".a".repeat(n)),
            format!("@a{}()\nparam p string\n", ".a".repeat(n)),
        ];
        for text in &chains {
            let text = format!("{text}var y = 2\n");
            let parsed = parse(&text);
            assert_round_trip(&text, &parsed);
            let deep = parsed
                .errors
                .iter()
                .filter(|e| e.message == "nesting deeper than 128 levels")
                .count();
            assert_eq!(
                deep,
                1,
                "{}: {:?}",
                &text[..30],
                &parsed.errors[..parsed.errors.len().min(3)]
            );
            assert!(
                height(parsed.root()) < 400,
                "{}: {}",
                &text[..30],
                height(parsed.root())
            );
            let declarations = parsed
                .root()
                .nodes()
                .filter(|n| n.kind != SyntaxKind::SkippedTrivia);
            assert!(declarations.count() >= 2, "{}", &text[..30]);
        }
        // Within the bound, chains parse; mixed with every other nesting at its deepest the
        // tree stays shallow (`lower::MAX_LOWERING_DEPTH` holds the lowering of any of them).
        let within = format!("var x = {}a\n", "a + ".repeat(100));
        assert!(parse(&within).errors.is_empty());
        let mut worst = 0;
        let levels = MAX_DEPTH as usize;
        for (open, close) in [
            ("(", ")"),
            ("[", "]"),
            ("{a:", "}"),
            ("f(", ")"),
            ("a[", "]"),
            ("a ? b : ", ""),
            ("x => ", ""),
            ("'${", "}'"),
            ("a || b && c == d < e + f * !", ""),
            ("a || b && c == d < e + f * -(", ")"),
            ("a.b[0].c!.d[", "]"),
            ("[for x in ", ": x]"),
            ("{...", "}"),
        ] {
            for k in [levels / 4, levels / 2, levels - 2, levels, levels + 1] {
                let text = format!("var x = {}a{}\n", open.repeat(k), close.repeat(k));
                let parsed = parse(&text);
                assert_round_trip(&text, &parsed);
                worst = worst.max(height(parsed.root()));
            }
        }
        assert!(worst < 600, "{worst}");
    }

    /// Pieces of Bicep, to make token soups the parser takes far.
    const FRAGMENTS: &[&str] = &[
        "param ",
        "var ",
        "resource ",
        "module ",
        "output ",
        "type ",
        "func ",
        "import ",
        "extension ",
        "targetScope",
        "metadata ",
        "existing ",
        "if ",
        "for ",
        "in ",
        "as ",
        "from ",
        "with ",
        "using ",
        "x",
        "y",
        "'s'",
        "'a${",
        "}b'",
        "'''m'''",
        "$'''${",
        "'''",
        "1",
        "true",
        "null",
        "=",
        "==",
        "!",
        "?",
        "??",
        ".?",
        ":",
        "::",
        ".",
        ",",
        "...",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        "<",
        ">",
        "|",
        "^",
        "@",
        "=>",
        "+",
        "*",
        "\n",
        " ",
        "// c\n",
        "/* c */",
        "#disable-next-line x\n",
        "'x",
        "\\",
        "$",
    ];

    proptest::proptest! {
        /// Any text: no panic, and the tree gives the text back.
        #[test]
        fn any_text_parses_without_panic_and_round_trips(text in "\\PC{0,300}") {
            let parsed = parse(&text);
            assert_round_trip(&text, &parsed);
            let parsed = parse_params(&text);
            assert_round_trip(&text, &parsed);
        }

        /// Soups of Bicep pieces: no panic, and the tree gives the text back.
        #[test]
        fn token_soups_parse_without_panic_and_round_trip(
            pieces in proptest::collection::vec(proptest::sample::select(FRAGMENTS), 0..120)
        ) {
            let text = pieces.concat();
            let parsed = parse(&text);
            assert_round_trip(&text, &parsed);
            proptest::prop_assert!(parsed.root().children().next_back().is_some_and(|c| matches!(c, SyntaxElement::Token(t) if t.kind == TokenKind::EndOfFile)));
            let parsed = parse_params(&text);
            assert_round_trip(&text, &parsed);
            // A tree holds a few nodes per token at most: `MAX_TOKENS` bounds the tree.
            let (nodes, tokens) = sizes(parsed.root());
            proptest::prop_assert!(nodes <= 4 * tokens, "{nodes} nodes, {tokens} tokens");
        }
    }

    /// The nodes and tokens of a tree, counted without recursion.
    fn sizes(root: SyntaxNode<'_>) -> (usize, usize) {
        let (mut nodes, mut tokens) = (0, 0);
        let mut stack = vec![root];
        while let Some(node) = stack.pop() {
            nodes += 1;
            tokens += node.tokens().count();
            stack.extend(node.nodes());
        }
        (nodes, tokens)
    }

    /// A file of more tokens than the limit is refused as a whole, before its tree is built,
    /// with one error naming the limit (the run's `max_syntax_tokens`; production: 4,000,000,
    /// a 64 MB array of zeros used to take over 7 GB); one of exactly the limit is parsed.
    #[test]
    fn files_beyond_the_token_limit_are_refused_whole() {
        let array = |items: usize| format!("var a = [\n{}]\n", "0\n".repeat(items));
        // `var`, `a`, `=`, `[`, a newline, two tokens per item, `]`, a newline.
        let tokens = |items: usize| 7 + 2 * items;
        let within = parse_within(&array(100), tokens(100));
        assert!(within.errors.is_empty(), "{:?}", within.errors);
        let text = array(101);
        let refused = parse_within(&text, tokens(100));
        assert_eq!(
            refused.errors,
            [ParseError {
                at: 212..213,
                message: format!(
                    "more than {} tokens in one file: too large to analyse",
                    tokens(100)
                ),
            }]
        );
        assert_eq!(refused.root().children().len(), 1);
        assert_eq!(&text[212..213], "]");
        let refused = parse_params_within(&text, tokens(100));
        assert_eq!(refused.errors.len(), 1);
        assert_eq!(MAX_TOKENS, crate::eval::Limits::default().max_syntax_tokens);
    }

    /// A tree shared by `parse_shared` is the tree of its text and limit: asked for again, the
    /// same tree; under another limit, or once 256 KB of other texts were asked for since, a
    /// tree of its own, equal to a parse of its own (issue #28).
    #[test]
    fn shared_trees_are_their_texts_trees() {
        use super::super::parser::parse_shared;
        use std::rc::Rc;
        let text = "param p string = 'a'\nvar v = [for x in range(0, 3): '${p}-${x}']\n";
        let first = parse_shared(text, MAX_TOKENS);
        assert!(Rc::ptr_eq(&first, &parse_shared(text, MAX_TOKENS)));
        let alone = parse_within(text, MAX_TOKENS);
        assert_eq!((&first.tree, &first.errors), (&alone.tree, &alone.errors));
        let limited = parse_shared(text, 5);
        assert!(!Rc::ptr_eq(&first, &limited));
        assert_eq!(limited.errors, parse_within(text, 5).errors);
        assert_eq!(limited.errors.len(), 1, "refused: more than 5 tokens");
        for i in 0..200 {
            let other = format!("var v{i} = '{}'\n", "x".repeat(2_000));
            parse_shared(&other, MAX_TOKENS);
        }
        let again = parse_shared(text, MAX_TOKENS);
        assert!(!Rc::ptr_eq(&first, &again), "400 KB of other texts drop it");
        assert_eq!(again.tree, first.tree);
    }
}

/// Every file of the corpora cut short and with a slice cut out (at pseudo-random places):
/// no panic, and the tree still gives the text back.
#[test]
#[ignore = "needs BICEP_CORPUS (directories of .bicep files, `:`-separated)"]
fn corpus_mutations() {
    let Some(dirs) = std::env::var_os("BICEP_CORPUS") else {
        panic!("set BICEP_CORPUS");
    };
    let mut files = Vec::new();
    for dir in std::env::split_paths(&dirs) {
        walk_sources(&dir, &mut files);
    }
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = |below: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % below.max(1) as u64) as usize
    };
    let mut variants = 0;
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let boundary = |mut i: usize| {
            while !text.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        for _ in 0..4 {
            let a = boundary(next(text.len() + 1));
            let b = boundary((a + next(200)).min(text.len()));
            for mutated in [
                text[..a].to_owned(),
                format!("{}{}", &text[..a], &text[b..]),
            ] {
                let parsed = parse(&mutated);
                let mut tokens = Vec::new();
                own::collect_tokens(parsed.root(), &mut tokens);
                assert_eq!(tokens, lex(&mutated).tokens, "{}", path.display());
                variants += 1;
            }
        }
    }
    println!("{variants} mutated files parsed");
}
