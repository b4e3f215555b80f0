//! Names the commit the binary is built from, for `imagegate --version`: `0.1.0 (<commit>)`
//! when the source is a git checkout (a clone, what pre-commit and `pip install` build from),
//! the bare version otherwise (a source archive).

use std::path::PathBuf;
use std::process::Command;

/// What `git` prints for `args` in the package's folder, when it runs and succeeds.
fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(std::env::var_os("CARGO_MANIFEST_DIR")?)
        .output()
        .ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    (output.status.success() && !text.trim().is_empty()).then(|| text.trim().to_string())
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let version = env!("CARGO_PKG_VERSION");
    let commit = git(&["rev-parse", "--short=12", "HEAD"]);
    // Built again when HEAD moves: HEAD itself, the branch it names, and packed refs.
    if commit.is_some() {
        for path in [
            git(&["rev-parse", "--path-format=absolute", "--git-path", "HEAD"]),
            git(&["symbolic-ref", "-q", "HEAD"])
                .and_then(|r| git(&["rev-parse", "--path-format=absolute", "--git-path", &r])),
            git(&[
                "rev-parse",
                "--path-format=absolute",
                "--git-path",
                "packed-refs",
            ]),
        ]
        .into_iter()
        .flatten()
        {
            if PathBuf::from(&path).exists() {
                println!("cargo:rerun-if-changed={path}");
            }
        }
    }
    let full = match commit {
        Some(commit) => format!("{version} ({commit})"),
        None => version.to_string(),
    };
    println!("cargo:rustc-env=IMAGEGATE_VERSION={full}");
}
