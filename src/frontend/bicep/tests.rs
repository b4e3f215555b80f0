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
fn first_difference(ours: &[(usize, Annotation)], theirs: &[(usize, Annotation)]) -> Option<String> {
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
        && ours.last().is_some_and(|(_, a)| a.2.ends_with("EndOfFile ||") || a.2.ends_with("Token(EndOfFile) ||"));
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
    let parsed = if params { parse_params(text) } else { parse(text) };
    let mut result = [false, false];
    for (i, (file, items)) in [
        (tokens_file, token_items(text, &lexed.tokens)),
        (syntax_file, tree_items(text, &parsed.root)),
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

fn samples() -> Option<PathBuf> {
    std::env::var_os("BICEP_SAMPLES").map(PathBuf::from)
}

fn folders(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect())
        .unwrap_or_default();
    out.sort();
    out
}

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
        let name = folder.file_name().unwrap_or_default().to_string_lossy().into_owned();
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
        let name = folder.file_name().unwrap_or_default().to_string_lossy().into_owned();
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
    for (path, text) in &texts {
        let params = path.extension().is_some_and(|e| e == "bicepparam");
        let parsed = if params { parse_params(text) } else { parse(text) };
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
}
