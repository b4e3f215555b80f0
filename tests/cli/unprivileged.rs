//! What only a process run as another user shows: a folder or file the run cannot read fails
//! it (IG000), never passes silently. Root reads everything, so the binary runs unprivileged
//! (`setpriv`), which the in-process tests cannot do.

use std::process::Command as Process;

use crate::common::*;

#[cfg(target_os = "linux")]
#[test]
fn a_folder_or_file_that_cannot_be_read_fails_the_run() {
    use std::os::unix::fs::PermissionsExt as _;
    let repo = Repo::new();
    repo.write("ok/azuredeploy.json", golden_vm("vm-ok"));
    repo.write("locked/azuredeploy.json", marketplace_vm("vm-locked"));
    let file = repo.write("sealed.json", marketplace_vm("vm-sealed"));
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o000)).unwrap();
    std::fs::set_permissions(repo.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(
        repo.path().join("locked"),
        std::fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    // A user without privileges must reach the binary: a copy beside the repository (the
    // target folder may lie in a home folder only root can enter).
    let bin_dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(bin_dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let bin = bin_dir.path().join("imagegate");
    std::fs::copy(assert_cmd::cargo::cargo_bin("imagegate"), &bin).unwrap();
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let root = unsafe { libc::geteuid() } == 0;
    if root && Process::new("setpriv").arg("--help").output().is_err() {
        eprintln!("skipped: running as root and `setpriv` is missing");
        return;
    }
    // Root reads every folder: run without privileges.
    let unprivileged = || {
        let mut cmd = if root {
            let mut cmd = assert_cmd::Command::new("setpriv");
            cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
                .arg(&bin);
            cmd
        } else {
            assert_cmd::Command::new(&bin)
        };
        cmd.current_dir(repo.path()).env_remove("NO_COLOR");
        cmd
    };
    let mut cmd = unprivileged();
    let out = cmd
        .args(["check", "--format", "json"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(paths_of(&r, "IG000"), ["locked", "sealed.json"], "{r}");
    let message = r["findings"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("cannot read folder: Permission denied")
            && message.ends_with("the files in it were not judged"),
        "{message}"
    );
    let message = r["findings"][1]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("cannot read: Permission denied")
            && message.ends_with("it was not judged"),
        "{message}"
    );
    // Human output too: never "All clear".
    let out = unprivileged().arg("check").output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("error[IG000]"), "{stdout}");
    assert!(!stdout.contains("All clear"), "{stdout}");
    // Let the temporary folder be removed.
    std::fs::set_permissions(
        repo.path().join("locked"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
}
