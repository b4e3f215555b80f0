//! Which files a run judges, against a pull request that tries to hide some: committed ignore
//! files, hidden folders, ignore files above the root or behind symbolic links, file names
//! that display alike, folders that cannot be read, and a git index that cannot be read.

use std::time::Duration;

use crate::common::*;

/// A git repository in `repo` with everything written so far committed.
fn commit_all(repo: &Repo) {
    if !repo.path().join(".git").exists() {
        git(repo.path(), &["init", "-q"]);
    }
    git(repo.path(), &["add", "-A", "-f", "."]);
    git(repo.path(), &["commit", "-q", "-m", "pull request"]);
}

/// `imagegate check --format json --exit-zero --verbose ARGS…` in `repo`: the report, and
/// the notes printed on standard error.
fn check(repo: &Repo, args: &[&str]) -> (serde_json::Value, Vec<String>) {
    let mut all = vec!["check", "--format", "json", "--exit-zero", "--verbose"];
    all.extend_from_slice(args);
    let out = repo
        .imagegate(&all)
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "imagegate failed: {stderr}");
    let notes = stderr
        .lines()
        .filter_map(|l| l.split_once("note: ").map(|(_, n)| n))
        .map(str::to_string)
        .collect();
    (serde_json::from_slice(&out.stdout).expect("JSON"), notes)
}

#[test]
fn a_committed_gitignore_does_not_hide_a_tracked_template() {
    let repo = Repo::new();
    repo.write("deploy/azuredeploy.json", marketplace_vm("vm-deploy"));
    repo.write("vm.json", marketplace_vm("vm-top"));
    repo.write(".gitignore", "deploy/\n*.json\n");
    commit_all(&repo);
    let r = check_json(&repo, &[]);
    assert_eq!(
        paths_of(&r, "IG001"),
        ["deploy/azuredeploy.json", "vm.json"]
    );
    repo.imagegate(&["check"]).assert().code(1);
}

#[test]
fn a_committed_dot_ignore_does_not_hide_a_tracked_template() {
    let repo = Repo::new();
    repo.write("deploy/azuredeploy.json", marketplace_vm("vm-deploy"));
    repo.write("deploy/.ignore", "*\n");
    repo.write(".ignore", "deploy/\n");
    commit_all(&repo);
    let r = check_json(&repo, &[]);
    assert_eq!(paths_of(&r, "IG001"), ["deploy/azuredeploy.json"]);
}

#[test]
fn a_tracked_template_in_a_hidden_folder_is_judged() {
    let repo = Repo::new();
    repo.write(".deploy/azuredeploy.json", marketplace_vm("vm-hidden"));
    repo.write("ok/.vm.json", marketplace_vm("vm-hidden-file"));
    commit_all(&repo);
    let r = check_json(&repo, &[]);
    assert_eq!(
        paths_of(&r, "IG001"),
        [".deploy/azuredeploy.json", "ok/.vm.json"]
    );
}

#[test]
fn an_ignore_file_above_the_root_is_not_read() {
    let repo = Repo::new();
    repo.write(".ignore", "*.json\n");
    repo.write("templates/azuredeploy.json", marketplace_vm("vm"));
    let r = check_json(&repo, &["templates"]);
    assert_eq!(paths_of(&r, "IG001"), ["templates/azuredeploy.json"]);
    // In a git repository too (untracked files: the repository's own `.gitignore` above the
    // root is not read either).
    repo.write(".gitignore", "*.json\n");
    git(repo.path(), &["init", "-q"]);
    let r = check_json(&repo, &["templates"]);
    assert_eq!(paths_of(&r, "IG001"), ["templates/azuredeploy.json"]);
}

#[cfg(unix)]
#[test]
fn symbolic_links_to_ignore_files_are_not_followed() {
    let repo = Repo::new();
    repo.write("outside/rules", "*.json\n");
    repo.write("root/azuredeploy.json", marketplace_vm("vm"));
    std::os::unix::fs::symlink("/dev/zero", repo.path().join("root/.gitignore")).unwrap();
    std::os::unix::fs::symlink("../outside/rules", repo.path().join("root/.ignore")).unwrap();
    git(&repo.path().join("root"), &["init", "-q"]);
    let (r, notes) = check(&repo, &["root"]);
    assert_eq!(paths_of(&r, "IG001"), ["root/azuredeploy.json"]);
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("root/.gitignore: not honoured") && n.contains("link")),
        "{notes:?}"
    );
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("root/.ignore: not honoured")),
        "{notes:?}"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn an_ignore_file_that_is_a_fifo_or_too_large_is_not_honoured() {
    let repo = Repo::new();
    repo.write("a/azuredeploy.json", marketplace_vm("vm-a"));
    repo.write("b/azuredeploy.json", marketplace_vm("vm-b"));
    let fifo = repo.path().join("a/.ignore");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0, "mkfifo");
    let mut big = "*.json\n".to_string();
    big.push_str(&"#\n".repeat(600 * 1024));
    repo.write("b/.ignore", big);
    let (r, notes) = check(&repo, &[]);
    assert_eq!(
        paths_of(&r, "IG001"),
        ["a/azuredeploy.json", "b/azuredeploy.json"]
    );
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("a/.ignore: not honoured")),
        "{notes:?}"
    );
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("b/.ignore: not honoured")),
        "{notes:?}"
    );
}

#[cfg(unix)]
#[test]
fn files_whose_names_display_alike_are_both_judged() {
    use std::os::unix::ffi::OsStrExt as _;
    let repo = Repo::new();
    let name = |bytes: &[u8]| repo.path().join(std::ffi::OsStr::from_bytes(bytes));
    std::fs::write(name(b"\xFE.json"), marketplace_vm("vm-fe")).unwrap();
    std::fs::write(name(b"\xFF.json"), marketplace_vm("vm-ff")).unwrap();
    std::fs::write(name(b"a\\b.json"), marketplace_vm("vm-backslash")).unwrap();
    repo.write("a/b.json", marketplace_vm("vm-slash"));
    let r = check_json(&repo, &[]);
    assert_eq!(
        paths_of(&r, "IG001"),
        [r"\xFE.json", r"\xFF.json", "a/b.json", r"a\\b.json"]
    );
    assert_eq!(r["summary"]["files_scanned"], 4, "{r}");
}

#[test]
fn a_corrupt_index_judges_every_file_and_says_why() {
    let repo = Repo::new();
    repo.write("tracked/azuredeploy.json", marketplace_vm("vm-tracked"));
    repo.write(".gitignore", "build/\n");
    commit_all(&repo);
    repo.write("build/azuredeploy.json", marketplace_vm("vm-build"));
    repo.write(".hidden/azuredeploy.json", marketplace_vm("vm-hidden"));
    let index = repo.path().join(".git/index");
    let good = std::fs::read(&index).unwrap();
    let everything = [
        ".hidden/azuredeploy.json",
        "build/azuredeploy.json",
        "tracked/azuredeploy.json",
    ];
    let corruptions: [(&str, Vec<u8>); 5] = [
        ("truncated", good[..good.len() / 2].to_vec()),
        ("not a git index", b"garbage".repeat(20)),
        ("version 9", {
            let mut b = good.clone();
            b[7] = 9;
            b
        }),
        ("empty", Vec::new()),
        ("unsorted", {
            // The first entry `.gitignore` renamed in place `zzzzzzzzzz`: now after
            // `tracked/azuredeploy.json`.
            let at = good.windows(10).position(|w| w == b".gitignore").unwrap();
            let mut b = good.clone();
            b[at..at + 10].copy_from_slice(b"zzzzzzzzzz");
            b
        }),
    ];
    for (why, bytes) in corruptions {
        std::fs::write(&index, &bytes).unwrap();
        let (r, notes) = check(&repo, &[]);
        assert_eq!(paths_of(&r, "IG001"), everything, "{why}");
        assert!(
            notes
                .iter()
                .any(|n| n.contains("tracked files are unknown") && n.contains("every file")),
            "{why}: {notes:?}"
        );
    }
    // An index larger than 256 MiB is not read (a sparse file: nothing is written).
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&index)
        .unwrap();
    file.set_len(257 * 1024 * 1024).unwrap();
    drop(file);
    let (r, notes) = check(&repo, &[]);
    assert_eq!(paths_of(&r, "IG001"), everything);
    assert!(
        notes
            .iter()
            .any(|n| n.contains("larger than the 262144 KiB limit")),
        "{notes:?}"
    );
    // A split index is not read either (its entries are in another file).
    std::fs::write(&index, &good).unwrap();
    git(repo.path(), &["update-index", "--split-index"]);
    let (r, notes) = check(&repo, &[]);
    assert_eq!(paths_of(&r, "IG001"), everything);
    assert!(
        notes
            .iter()
            .any(|n| n.contains("tracked files are unknown")),
        "{notes:?}"
    );
}

#[test]
fn versions_2_3_and_4_of_the_index_are_read() {
    let repo = Repo::new();
    repo.write(".deploy/azuredeploy.json", marketplace_vm("vm-tracked"));
    repo.write(
        ".deploy/sub/azuredeploy.json",
        marketplace_vm("vm-tracked-2"),
    );
    repo.write(".gitignore", ".deploy/\nbuild/\n");
    commit_all(&repo);
    repo.write("build/azuredeploy.json", marketplace_vm("vm-build"));
    repo.write(".untracked/azuredeploy.json", marketplace_vm("vm-hidden"));
    for version in ["2", "3", "4"] {
        git(repo.path(), &["update-index", "--index-version", version]);
        let (r, notes) = check(&repo, &[]);
        assert_eq!(
            paths_of(&r, "IG001"),
            [".deploy/azuredeploy.json", ".deploy/sub/azuredeploy.json"],
            "version {version}"
        );
        assert_eq!(notes, Vec::<String>::new(), "version {version}");
    }
    // Version 3 is written when an entry has extended flags (intent to add).
    repo.write("new/azuredeploy.json", marketplace_vm("vm-new"));
    repo.write("new/.gitignore", "*\n");
    git(repo.path(), &["add", "-N", "-f", "new/azuredeploy.json"]);
    let r = check_json(&repo, &[]);
    assert!(
        paths_of(&r, "IG001").contains(&"new/azuredeploy.json".to_string()),
        "{r}"
    );
}

#[test]
fn a_sha256_repository_is_read() {
    let repo = Repo::new();
    git(repo.path(), &["init", "-q", "--object-format=sha256"]);
    repo.write("deploy/azuredeploy.json", marketplace_vm("vm"));
    repo.write(".gitignore", "deploy/\n");
    commit_all(&repo);
    repo.write("build/azuredeploy.json", marketplace_vm("vm-build"));
    repo.write("build/.gitignore", "*\n");
    let (r, notes) = check(&repo, &[]);
    assert_eq!(paths_of(&r, "IG001"), ["deploy/azuredeploy.json"]);
    assert_eq!(notes, Vec::<String>::new());
}

#[test]
fn linked_worktrees_and_nested_repositories_use_their_own_index() {
    let repo = Repo::new();
    repo.write("main/deploy/azuredeploy.json", marketplace_vm("vm"));
    repo.write("main/.gitignore", "deploy/\n");
    let main = repo.path().join("main");
    git(&main, &["init", "-q"]);
    git(&main, &["add", "-A", "-f", "."]);
    git(&main, &["commit", "-q", "-m", "x"]);
    git(&main, &["worktree", "add", "-q", "../wt"]);
    let (r, notes) = check(&repo, &["wt"]);
    assert_eq!(paths_of(&r, "IG001"), ["wt/deploy/azuredeploy.json"]);
    assert_eq!(notes, Vec::<String>::new());
    // A nested clone: its files are tracked by its own index.
    repo.write("main/vendor/lib/.ignore", "*.json\n");
    repo.write("main/vendor/lib/azuredeploy.json", marketplace_vm("vm-lib"));
    let lib = main.join("vendor/lib");
    git(&lib, &["init", "-q"]);
    git(&lib, &["add", "-A", "-f", "."]);
    let r = check_json(&repo, &["main"]);
    assert_eq!(
        paths_of(&r, "IG001"),
        [
            "main/deploy/azuredeploy.json",
            "main/vendor/lib/azuredeploy.json"
        ]
    );
}

#[test]
fn ignore_files_still_thin_out_untracked_files() {
    let repo = Repo::new();
    repo.write("src/azuredeploy.json", marketplace_vm("vm-src"));
    repo.write(".gitignore", "build/\n/generated.json\n");
    repo.write("sub/.ignore", "*.json\n!keep.json\n");
    commit_all(&repo);
    repo.write("build/azuredeploy.json", marketplace_vm("vm-build"));
    repo.write("generated.json", marketplace_vm("vm-generated"));
    repo.write(".cache/azuredeploy.json", marketplace_vm("vm-cache"));
    repo.write("sub/skipped.json", marketplace_vm("vm-skipped"));
    repo.write("sub/keep.json", marketplace_vm("vm-keep"));
    let (r, notes) = check(&repo, &[]);
    assert_eq!(
        paths_of(&r, "IG001"),
        ["src/azuredeploy.json", "sub/keep.json"]
    );
    assert_eq!(notes, Vec::<String>::new());
    // `--no-ignore` reads no ignore file (hidden folders stay skipped).
    let r = check_json(&repo, &["--no-ignore"]);
    assert_eq!(
        paths_of(&r, "IG001"),
        [
            "build/azuredeploy.json",
            "generated.json",
            "src/azuredeploy.json",
            "sub/keep.json",
            "sub/skipped.json"
        ]
    );
}

#[test]
fn exclude_still_removes_tracked_files() {
    let repo = Repo::new();
    repo.write("legacy/azuredeploy.json", marketplace_vm("vm-legacy"));
    repo.write(".old/azuredeploy.json", marketplace_vm("vm-old"));
    repo.write("new/azuredeploy.json", marketplace_vm("vm-new"));
    commit_all(&repo);
    let r = check_json(&repo, &["--exclude", "legacy", "--exclude", ".old/**"]);
    assert_eq!(paths_of(&r, "IG001"), ["new/azuredeploy.json"]);
    let r = check_json(&repo, &["--include", "legacy/**"]);
    assert_eq!(paths_of(&r, "IG001"), ["legacy/azuredeploy.json"]);
}

#[test]
fn nothing_in_dot_git_is_read() {
    let repo = Repo::new();
    repo.write("ok/azuredeploy.json", golden_vm("vm"));
    commit_all(&repo);
    repo.write(".git/azuredeploy.json", marketplace_vm("vm-git"));
    repo.write(".git/info/azuredeploy.json", marketplace_vm("vm-git-info"));
    repo.imagegate(&["check"]).assert().code(0);
    // Not even when the index cannot be read and every other file is judged.
    std::fs::write(repo.path().join(".git/index"), "broken").unwrap();
    repo.imagegate(&["check"]).assert().code(0);
    let r = check_json(&repo, &[]);
    assert_eq!(r["summary"]["files_scanned"], 1, "{r}");
}

#[test]
fn a_tracked_file_deleted_from_the_work_tree_is_not_an_error() {
    let repo = Repo::new();
    repo.write("ok/azuredeploy.json", golden_vm("vm"));
    repo.write("gone/azuredeploy.json", marketplace_vm("vm-gone"));
    commit_all(&repo);
    std::fs::remove_file(repo.path().join("gone/azuredeploy.json")).unwrap();
    repo.imagegate(&["check"]).assert().code(0);
    let (_, notes) = check(&repo, &[]);
    assert_eq!(notes, Vec::<String>::new());
}

#[test]
fn a_sparse_index_judges_every_file_and_says_why() {
    let repo = Repo::new();
    repo.write("kept/azuredeploy.json", marketplace_vm("vm-kept"));
    repo.write("other/azuredeploy.json", marketplace_vm("vm-other"));
    commit_all(&repo);
    git(
        repo.path(),
        &["sparse-checkout", "init", "--cone", "--sparse-index"],
    );
    git(repo.path(), &["sparse-checkout", "set", "kept"]);
    repo.write("kept/.hidden/azuredeploy.json", marketplace_vm("vm-hidden"));
    let (r, notes) = check(&repo, &[]);
    assert_eq!(
        paths_of(&r, "IG001"),
        ["kept/.hidden/azuredeploy.json", "kept/azuredeploy.json"]
    );
    assert!(
        notes.iter().any(|n| n.contains("a sparse index")),
        "{notes:?}"
    );
}

/// A run over folders that judged nothing says so on standard error, and why (#25): no
/// template among the files read (check the paths). Named files that are not templates (a
/// hook's changed `package.json`) say nothing. A folder of Terraform sources is judged (#27):
/// nothing to warn about, and no note that they are not read.
#[test]
fn a_run_that_judged_nothing_says_why() {
    let stderr = |repo: &Repo, args: &[&str]| {
        let out = repo.imagegate(args).output().unwrap();
        String::from_utf8(out.stderr).unwrap()
    };
    let empty = Repo::new();
    empty.write("notes/readme.json", "{\"a\": 1}");
    let said = stderr(&empty, &["check"]);
    assert!(
        said.contains("warning: nothing was judged: no ARM template, Bicep file, parameter file, Terraform configuration or plan among the 1 file read; check the paths given"),
        "{said}"
    );
    // Named files that are not templates: no warning.
    let said = stderr(&empty, &["check", "notes/readme.json"]);
    assert!(!said.contains("warning"), "{said}");
    // Terraform sources are judged: ignore files and excludes apply (`vendor/` is not read).
    let terraform = Repo::new();
    terraform.write(
        "infra/main.tf",
        "resource \"azurerm_linux_virtual_machine\" \"vm\" {\n  source_image_id = var.image\n}\n",
    );
    terraform.write("infra/variables.tf", "variable \"image\" {}\n");
    terraform.write(
        "vendor/other.tf",
        "resource \"azurerm_linux_virtual_machine\" \"v\" {}\n",
    );
    let out = terraform
        .imagegate(&["check", "--exclude", "vendor", "--format", "json"])
        .output()
        .unwrap();
    let said = String::from_utf8(out.stderr).unwrap();
    assert!(!said.contains("nothing was judged"), "{said}");
    assert!(!said.contains("not read"), "{said}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{report:#}");
    // The unset variable leaves the image unknown: IG002 at the variable, never a pass.
    assert_eq!(findings[0]["rule"], "IG002", "{report:#}");
    assert_eq!(findings[0]["path"], "infra/variables.tf", "{report:#}");
}
