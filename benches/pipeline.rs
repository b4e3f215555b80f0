//! Micro-benchmarks of the hot stages, on the fixtures: `cargo bench --bench pipeline`.
//! Whole-run numbers against ripgrep are in BENCHMARKS.md (scripts/bench.sh).

use std::path::Path;

use imagegate::config::Config;
use imagegate::pipeline::{Detail, Run, analyze_file};
use imagegate::walk::FileToRead;

fn main() {
    divan::main();
}

const TEMPLATE: &str = "testdata/arm/other-types/azuredeploy.json";

fn text() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(TEMPLATE)).unwrap()
}

#[divan::bench]
fn parse_json(bencher: divan::Bencher) {
    let text = text();
    bencher
        .counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| imagegate::json::parse(divan::black_box(&text)).unwrap());
}

/// The run and walked entry for one file of the repository, as `imagegate check` builds them.
fn setup(relative: &str) -> (Run, FileToRead) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .canonicalize()
        .unwrap();
    let path = root.join(relative);
    let file = FileToRead {
        display: relative.to_string(),
        canonical: path.clone(),
        path,
    };
    let run = Run {
        config: Config::embedded(),
        detail: Detail::default(),
        roots: vec![root.clone()],
        walked: [file.canonical.clone()].into_iter().collect(),
        cwd: root,
        exempter: Default::default(),
        purpose: Default::default(),
        limits: Default::default(),
        overlays: Default::default(),
        graph: Default::default(),
        environment: Default::default(),
    };
    (run, file)
}

#[divan::bench]
fn analyze_template(bencher: divan::Bencher) {
    let (run, file) = setup(TEMPLATE);
    bencher.bench(|| analyze_file(&file, &run));
}

#[divan::bench]
fn dismiss_non_template(bencher: divan::Bencher) {
    let (run, file) = setup("testdata/arm/not-templates/tsconfig.json");
    bencher.bench(|| analyze_file(&file, &run));
}
