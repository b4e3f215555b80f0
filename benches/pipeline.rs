//! Micro-benchmarks of the hot stages, on the fixtures: `cargo bench --bench pipeline`.
//! Whole-run numbers against ripgrep are in BENCHMARKS.md (scripts/bench.sh).

use std::path::Path;

use imagegate::analyze::{Detail, Run, analyze_file};
use imagegate::config::Config;

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

#[divan::bench]
fn analyze_template(bencher: divan::Bencher) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(TEMPLATE);
    let run = Run {
        config: Config::embedded(),
        detail: Detail::default(),
        roots: vec![Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()],
        folders: Default::default(),
    };
    bencher.bench(|| analyze_file(&path, TEMPLATE, &run));
}

#[divan::bench]
fn dismiss_non_template(bencher: divan::Bencher) {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/arm/not-templates/tsconfig.json");
    let run = Run {
        config: Config::embedded(),
        detail: Detail::default(),
        roots: vec![Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()],
        folders: Default::default(),
    };
    bencher.bench(|| analyze_file(&path, "tsconfig.json", &run));
}
