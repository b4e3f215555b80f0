//! The options of `imagegate check` that shape what a person reads: the summary block (findings
//! by rule, totals, what was judged, the config), `--quiet`, `--color` (with NO_COLOR and
//! FORCE_COLOR), `--select`/`--ignore`, and one template read from standard input
//! (`check -`, `--stdin-filename`). Every test runs the real binary.

use crate::common::*;
use predicates::prelude::*;

/// The output of a run: exit code, standard output, standard error.
fn run(cmd: &mut assert_cmd::Command) -> (Option<i32>, String, String) {
    let out = cmd.output().expect("run");
    (
        out.status.code(),
        String::from_utf8(out.stdout).expect("UTF-8 stdout"),
        String::from_utf8(out.stderr).expect("UTF-8 stderr"),
    )
}

/// A VM whose image is the unpinned definition of an approved gallery image (IG003).
fn unpinned_vm(name: &str) -> String {
    golden_vm(name).replace("/versions/1.4.0", "")
}

/// A VM whose image comes from parameter `imageReference`, which has no default (IG002
/// unless a parameter file sets it).
fn parameterised_vm(name: &str) -> String {
    arm_template(
        r#""imageReference": { "type": "object" }"#,
        "",
        &arm_vm(name, r#""[parameters('imageReference')]""#, ""),
    )
}

/// A parameter file setting `imageReference` to Canonical's Marketplace image.
const MARKETPLACE_PARAMETERS: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "imageReference": {
      "value": { "publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2", "version": "latest" }
    }
  }
}
"#;

/// A repository with findings of four rules: two IG001, one each of IG000, IG002 and IG003.
fn several_rules() -> Repo {
    let repo = Repo::new();
    repo.write("a/azuredeploy.json", marketplace_vm("vm-a"));
    repo.write("b/azuredeploy.json", marketplace_vm("vm-b"));
    repo.write("c/azuredeploy.json", unpinned_vm("vm-c"));
    repo.write("d/azuredeploy.json", parameterised_vm("vm-d"));
    repo.write("e/azuredeploy.json", golden_vm("vm-e"));
    let truncated = marketplace_vm("vm-f");
    repo.write("f/azuredeploy.json", &truncated[..truncated.len() / 2]);
    repo
}

/// A repository with one IG001 (an error) and one IG003 (a warning).
fn error_and_warning() -> Repo {
    let repo = Repo::new();
    repo.write("bad/azuredeploy.json", marketplace_vm("vm-bad"));
    repo.write("unpinned/azuredeploy.json", unpinned_vm("vm-unpinned"));
    repo
}

// ----- the summary block --------------------------------------------------------------------

#[test]
fn the_summary_counts_findings_by_rule_most_first_then_by_id() {
    let repo = several_rules();
    let (code, stdout, _) = run(&mut repo.binary(&["check"]));
    assert_eq!(code, Some(1), "{stdout}");
    let block = &stdout[stdout.find("Findings by rule:").expect(&stdout)..];
    assert_eq!(
        block,
        "Findings by rule:\n    \
         2  IG001  unapproved-image\n    \
         1  IG000  parse-error\n    \
         1  IG002  unresolved-image\n    \
         1  IG003  unpinned-image-version\n\
         \n\
         Found 3 errors and 2 warnings.\n\
         Judged 5 resources in 6 templates (6 files read): 40% compliant.\n\
         Config: the embedded default (deny mode).\n\
         To start your own policy: `imagegate init` writes an imagegate.toml naming the galleries and images in use (audit mode).\n"
    );
    // The same every time, whatever the thread count.
    for threads in ["1", "4"] {
        let (_, again, _) = run(&mut repo.binary(&["check", "--threads", threads]));
        assert_eq!(again, stdout);
    }
}

#[test]
fn the_summary_names_the_config_and_mode_in_effect() {
    let repo = error_and_warning();
    repo.write(
        "imagegate.toml",
        "mode = \"audit\"\n[rules]\nIG003 = \"note\"\n",
    );
    let (code, stdout, _) = run(&mut repo.binary(&["check"]));
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        stdout.ends_with(
            "Found 0 errors, 1 warning and 1 note.\n\
             Judged 2 resources in 2 templates (2 files read): 50% compliant.\n\
             Config: imagegate.toml (audit mode; IG003 note).\n"
        ),
        "{stdout}"
    );
}

#[test]
fn a_clean_run_and_a_run_over_nothing_say_so() {
    let repo = Repo::new();
    repo.write("azuredeploy.json", golden_vm("vm"));
    let (code, stdout, _) = run(&mut repo.binary(&["check"]));
    assert_eq!(code, Some(0));
    assert_eq!(
        stdout,
        "All clear: no findings.\n\
         Judged 1 resource in 1 template (1 file read): 100% compliant.\n\
         Config: the embedded default (deny mode).\n\
         To start your own policy: `imagegate init` writes an imagegate.toml naming the galleries and images in use (audit mode).\n"
    );
    let empty = Repo::new();
    empty.write("notes.json", "{\"a\": 1}");
    let (code, stdout, _) = run(&mut empty.binary(&["check"]));
    assert_eq!(code, Some(0));
    assert_eq!(
        stdout,
        "No findings.\n\
         Nothing was judged: no ARM template, Bicep file, Terraform configuration or plan among the 1 file read.\n\
         Config: the embedded default (deny mode).\n\
         To start your own policy: `imagegate init` writes an imagegate.toml naming the galleries and images in use (audit mode).\n"
    );
}

// ----- --quiet ------------------------------------------------------------------------------

/// A template that links itself: a note (a link cycle) on standard error.
fn with_a_note(repo: &Repo) {
    repo.write(
        "cycle/azuredeploy.json",
        format!(
            r#"{{"$schema": "{SCHEMA}", "resources": [{{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "self", "properties": {{"mode": "Incremental", "templateLink": {{"relativePath": "azuredeploy.json"}}}}}}]}}"#
        ),
    );
}

#[test]
fn quiet_prints_only_the_findings() {
    let repo = error_and_warning();
    with_a_note(&repo);
    let (code, loud, notes) = run(&mut repo.binary(&["check"]));
    assert_eq!(code, Some(1));
    assert!(loud.contains("Findings by rule:"), "{loud}");
    assert!(
        notes.contains("note:"),
        "the note is there to hide: {notes}"
    );
    for flag in ["--quiet", "-q"] {
        let (code, stdout, stderr) = run(&mut repo.binary(&["check", flag]));
        assert_eq!(code, Some(1), "the exit code is the same");
        assert_eq!(stderr, "", "no notes");
        assert!(stdout.contains("error[IG001]"), "{stdout}");
        assert!(stdout.contains("warning[IG003]"), "{stdout}");
        assert!(
            stdout.contains("   |"),
            "the source excerpts stay: {stdout}"
        );
        for summary in ["Findings by rule", "Found ", "Judged ", "Config: "] {
            assert!(!stdout.contains(summary), "{summary}: {stdout}");
        }
        // Exactly the findings of the full output.
        assert!(loud.starts_with(&stdout), "{stdout}");
    }
    // Nothing to report: nothing printed at all.
    let clean = Repo::new();
    clean.write("azuredeploy.json", golden_vm("vm"));
    let (code, stdout, stderr) = run(&mut clean.binary(&["check", "-q"]));
    assert_eq!((code, stdout.as_str(), stderr.as_str()), (Some(0), "", ""));
    // Errors still go to standard error.
    clean
        .binary(&["check", "-q", "missing"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing"));
    // Quiet and verbose contradict each other.
    clean
        .binary(&["check", "-q", "--verbose"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--verbose"));
}

#[test]
fn quiet_keeps_machine_formats_whole() {
    let repo = error_and_warning();
    with_a_note(&repo);
    let (code, json, stderr) = run(&mut repo.binary(&["check", "-q", "--format", "json"]));
    assert_eq!((code, stderr.as_str()), (Some(1), ""));
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(finding_rules(&report), ["IG001", "IG003"]);
    assert_eq!(report["summary"]["resources_judged"], 2);
}

// ----- --color, NO_COLOR, FORCE_COLOR -----------------------------------------------------

#[test]
fn colour_follows_the_flag_then_no_color_then_force_color() {
    let repo = error_and_warning();
    let coloured = |args: &[&str], env: &[(&str, &str)]| {
        let mut cmd = repo.binary(args);
        cmd.env_remove("FORCE_COLOR");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let (code, stdout, _) = run(&mut cmd);
        assert_eq!(code, Some(1), "{args:?} {env:?}: {stdout}");
        stdout.contains('\u{1b}')
    };
    // Piped (not a terminal): plain by default.
    assert!(!coloured(&["check"], &[]));
    assert!(!coloured(&["check", "--color", "auto"], &[]));
    assert!(coloured(&["check", "--color", "always"], &[]));
    assert!(!coloured(&["check", "--color", "never"], &[]));
    // FORCE_COLOR (non-empty, whatever its value) colours where the terminal would not.
    assert!(coloured(&["check"], &[("FORCE_COLOR", "1")]));
    assert!(coloured(&["check"], &[("FORCE_COLOR", "0")]));
    assert!(!coloured(&["check"], &[("FORCE_COLOR", "")]));
    // NO_COLOR wins over FORCE_COLOR; the flag wins over both.
    assert!(!coloured(
        &["check"],
        &[("NO_COLOR", "1"), ("FORCE_COLOR", "1")]
    ));
    assert!(!coloured(
        &["check", "--color", "never"],
        &[("FORCE_COLOR", "1")]
    ));
    assert!(coloured(
        &["check", "--color", "always"],
        &[("NO_COLOR", "1")]
    ));
    // Colour is for people: the machine formats never carry it.
    for format in ["json", "sarif", "github"] {
        assert!(!coloured(
            &["check", "--format", format, "--color", "always"],
            &[("FORCE_COLOR", "1")]
        ));
    }
    // Into a file with --color always: as asked.
    repo.binary(&["check", "--color", "always", "-o", "report.txt"])
        .assert()
        .code(1);
    let written = std::fs::read(repo.path().join("report.txt")).unwrap();
    assert!(written.contains(&0x1b));
    repo.binary(&["check", "--color", "sometimes"])
        .assert()
        .code(2);
}

/// On a terminal (a pseudo-terminal from util-linux `script`): colour by default, none with
/// NO_COLOR or `--color never`.
#[cfg(target_os = "linux")]
#[test]
fn colour_on_a_terminal_unless_told_otherwise() {
    let has_script = std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_script {
        eprintln!("util-linux `script` is not available; skipping the terminal test");
        return;
    }
    let repo = error_and_warning();
    let bin = assert_cmd::cargo::cargo_bin("imagegate");
    let on_a_terminal = |args: &str, no_color: Option<&str>| {
        let mut cmd = std::process::Command::new("script");
        cmd.args(["-qec", &format!("\"$IG\" check {args}"), "/dev/null"])
            .current_dir(repo.path())
            .env("IG", &bin)
            .env_remove("NO_COLOR")
            .env_remove("FORCE_COLOR");
        if let Some(v) = no_color {
            cmd.env("NO_COLOR", v);
        }
        let out = cmd.output().expect("script");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(stdout.contains("IG001"), "{args}: {stdout}");
        stdout.contains('\u{1b}')
    };
    assert!(on_a_terminal("", None));
    assert!(on_a_terminal("", Some("")), "an empty NO_COLOR is unset");
    assert!(!on_a_terminal("", Some("1")));
    assert!(!on_a_terminal("--color never", None));
    assert!(on_a_terminal("--color always", Some("1")));
    // The report written to a file from a terminal: plain.
    assert!(!on_a_terminal("-o report.txt; cat report.txt", None));
}

// ----- --select and --ignore ----------------------------------------------------------------

#[test]
fn select_and_ignore_choose_the_rules_reported() {
    let repo = error_and_warning();
    let rules = |args: &[&str]| {
        let mut all = vec!["check", "--format", "json"];
        all.extend(args);
        let (code, stdout, stderr) = run(&mut repo.binary(&all));
        let report: serde_json::Value = serde_json::from_str(&stdout).expect(&stderr);
        (code, finding_rules(&report), report["summary"].clone())
    };
    let (code, all, summary) = rules(&[]);
    assert_eq!(
        (code, all),
        (Some(1), vec!["IG001".to_string(), "IG003".into()])
    );
    // By id or name, any case, comma-separated or repeated.
    for args in [
        &["--select", "IG003"][..],
        &["--select", "unpinned-image-version"],
        &["--select", "ig003"],
        &["--ignore", "IG001"],
        &["--ignore", "Unapproved-Image"],
        &["--select", "IG001,IG003", "--ignore", "IG001"],
    ] {
        let (code, found, filtered) = rules(args);
        // The exit code follows the findings reported: the error is left out.
        assert_eq!(
            (code, found),
            (Some(0), vec!["IG003".to_string()]),
            "{args:?}"
        );
        // What was judged is unchanged.
        assert_eq!(filtered["resources_judged"], summary["resources_judged"]);
        assert_eq!(
            filtered["compliance_percent"],
            summary["compliance_percent"]
        );
    }
    for args in [
        &["--select", "IG001,IG003"][..],
        &["--select", "IG001", "--select", "unpinned-image-version"],
        &["--ignore", "IG002"],
    ] {
        let (code, found, _) = rules(args);
        assert_eq!(
            (code, found),
            (Some(1), vec!["IG001".to_string(), "IG003".into()]),
            "{args:?}"
        );
    }
    let (code, found, _) = rules(&["--select", "IG001"]);
    assert_eq!((code, found), (Some(1), vec!["IG001".to_string()]));
    // SARIF too.
    let (_, sarif, _) = run(&mut repo.binary(&["check", "--format", "sarif", "--select", "IG003"]));
    let sarif: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["ruleId"], "IG003");
}

#[test]
fn the_summary_counts_what_a_filter_left_out_and_never_reads_all_clear() {
    let repo = error_and_warning();
    let (code, stdout, _) = run(&mut repo.binary(&["check", "--select", "IG003"]));
    assert_eq!(code, Some(0), "{stdout}");
    assert!(!stdout.contains("error[IG001]"), "{stdout}");
    assert!(
        stdout.ends_with(
            "Findings by rule:\n    1  IG003  unpinned-image-version\n\n\
             Found 0 errors and 1 warning.\n\
             Rules reported: IG000, IG003 (--select/--ignore); 1 finding of other rules not shown (1 IG001).\n\
             Judged 2 resources in 2 templates (2 files read): 50% compliant.\n\
             Config: the embedded default (deny mode).\n\
             To start your own policy: `imagegate init` writes an imagegate.toml naming the galleries and images in use (audit mode).\n"
        ),
        "{stdout}"
    );
    let (code, stdout, _) = run(&mut repo.binary(&["check", "--ignore", "IG001,IG003"]));
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        stdout.starts_with(
            "No findings shown.\n\
             Rules reported: IG000, IG002, IG004, IG005, IG006, IG007, IG008, IG009, IG010 (--select/--ignore); 2 findings of other rules not shown (1 IG001, 1 IG003).\n"
        ),
        "{stdout}"
    );
    assert!(!stdout.contains("All clear"), "{stdout}");
    // A filter that leaves nothing out says which rules it reported.
    let (_, stdout, _) = run(&mut repo.binary(&["check", "--ignore", "IG002"]));
    assert!(
        stdout.contains(
            "Rules reported: IG000, IG001, IG003, IG004, IG005, IG006, IG007, IG008, IG009, IG010 (--select/--ignore).\n"
        ),
        "{stdout}"
    );
    // No filter: no such line.
    let (_, stdout, _) = run(&mut repo.binary(&["check"]));
    assert!(!stdout.contains("Rules reported"), "{stdout}");
    // The GitHub format's log says it too, after its summary line.
    let (code, github, _) =
        run(&mut repo.binary(&["check", "--format", "github", "--ignore", "IG001"]));
    assert_eq!(code, Some(0), "{github}");
    assert!(!github.contains("IG001 (unapproved-image)"), "{github}");
    assert!(
        github.ends_with(
            "imagegate: Rules reported: IG000, IG002, IG003, IG004, IG005, IG006, IG007, IG008, IG009, IG010 (--select/--ignore); 1 finding of other rules not shown (1 IG001).\n"
        ),
        "{github}"
    );
    let (_, github, _) = run(&mut repo.binary(&["check", "--format", "github"]));
    assert!(!github.contains("Rules reported"), "{github}");
}

#[test]
fn a_file_that_cannot_be_parsed_is_reported_whatever_the_selection() {
    // A selection never makes a run over a broken template pass: IG000 is always reported,
    // and cannot be ignored.
    let repo = Repo::new();
    repo.write("ok/azuredeploy.json", golden_vm("vm"));
    let broken = marketplace_vm("vm-broken");
    repo.write("broken/azuredeploy.json", &broken[..broken.len() / 2]);
    let (code, stdout, _) = run(&mut repo.binary(&["check", "--select", "IG001"]));
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("error[IG000]"), "{stdout}");
    repo.binary(&["check", "--ignore", "IG000"])
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains(
            "IG000 (parse-error) cannot be ignored",
        ));
    repo.binary(&["check", "--ignore", "IG003,parse-error"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot be ignored"));
    // Selecting it explicitly is allowed (and changes nothing for it).
    repo.binary(&["check", "--select", "IG000"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("error[IG000]"));
}

#[test]
fn an_unknown_rule_is_a_usage_error_naming_it() {
    let repo = Repo::new();
    repo.write("azuredeploy.json", marketplace_vm("vm"));
    for (flag, value, named) in [
        ("--select", "IG999", "IG999"),
        ("--ignore", "IG001,no-such-rule", "no-such-rule"),
        ("--select", "IG001,", "expected a rule id or name"),
    ] {
        repo.binary(&["check", flag, value])
            .assert()
            .code(2)
            .stdout(predicate::str::is_empty())
            .stderr(predicate::str::contains(named).and(predicate::str::contains(flag)));
    }
}

// ----- standard input ----------------------------------------------------------------------

/// `imagegate check ARGS…` with `input` on standard input.
fn with_input(repo: &Repo, args: &[&str], input: impl Into<Vec<u8>>) -> assert_cmd::Command {
    let mut cmd = repo.binary(args);
    cmd.write_stdin(input.into());
    cmd
}

fn json_of(cmd: &mut assert_cmd::Command) -> (Option<i32>, serde_json::Value) {
    let (code, stdout, stderr) = run(cmd);
    (code, serde_json::from_str(&stdout).expect(&stderr))
}

#[test]
fn a_template_on_standard_input_is_shown_as_dash() {
    let repo = Repo::new();
    let (code, report) = json_of(&mut with_input(
        &repo,
        &["check", "--format", "json", "-"],
        marketplace_vm("vm-stdin"),
    ));
    assert_eq!(code, Some(1));
    assert_eq!(rules_and_paths(&report), [("IG001".into(), "-".into())]);
    assert_eq!(report["summary"]["files_scanned"], 1);
    assert_eq!(report["summary"]["templates"], 1);
    // Nothing on disk was walked: a template in the folder is not judged.
    repo.write("azuredeploy.json", marketplace_vm("vm-on-disk"));
    let (_, report) = json_of(&mut with_input(
        &repo,
        &["check", "--format", "json", "-"],
        golden_vm("vm-stdin"),
    ));
    assert_eq!(finding_rules(&report), Vec::<String>::new());
    assert_eq!(report["summary"]["resources_judged"], 1);
    // Human output names it `-` too.
    with_input(&repo, &["check", "-"], marketplace_vm("vm"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("--> -:"));
}

#[test]
fn stdin_filename_names_the_template_and_brings_its_folder() {
    let repo = Repo::new();
    // On disk: an older, compliant version of the file, and its parameter file.
    repo.write("infra/azuredeploy.json", golden_vm("vm-old"));
    repo.write("infra/azuredeploy.parameters.json", MARKETPLACE_PARAMETERS);
    // The editor's buffer: the image now comes from the parameter file.
    let buffer = parameterised_vm("vm-new");
    for args in [
        &[
            "check",
            "--format",
            "json",
            "--stdin-filename",
            "infra/azuredeploy.json",
            "-",
        ][..],
        // Without `-`: standard input all the same (what editors run).
        &[
            "check",
            "--format",
            "json",
            "--stdin-filename",
            "infra/azuredeploy.json",
        ],
    ] {
        let (code, report) = json_of(&mut with_input(&repo, args, buffer.clone()));
        assert_eq!(code, Some(1), "{report:#}");
        // The finding points at the literal to change: the parameter file's value.
        assert_eq!(
            rules_and_paths(&report),
            [("IG001".into(), "infra/azuredeploy.parameters.json".into())],
            "{report:#}"
        );
        let resource = &report["resources"][0];
        assert_eq!(resource["path"], "infra/azuredeploy.json", "{report:#}");
        assert_eq!(resource["name"], "vm-new");
        let finding = &report["findings"][0];
        assert_eq!(
            finding["resource"]["name"], "vm-new",
            "the buffer, not the disk"
        );
        assert_eq!(
            finding["parameter_file"],
            "infra/azuredeploy.parameters.json"
        );
    }
    // The same buffer as `-` alone has no parameter file beside it: the image is unknown.
    let (code, report) = json_of(&mut with_input(
        &repo,
        &["check", "--format", "json", "-"],
        buffer.clone(),
    ));
    assert_eq!(code, Some(0));
    assert_eq!(rules_and_paths(&report), [("IG002".into(), "-".into())]);
    // An absolute path below the working directory is shown relative; the file need not
    // exist.
    let absolute = repo.path().join("infra/new.json");
    let (_, report) = json_of(&mut with_input(
        &repo,
        &[
            "check",
            "--format",
            "json",
            "--stdin-filename",
            absolute.to_str().unwrap(),
        ],
        marketplace_vm("vm"),
    ));
    assert_eq!(
        rules_and_paths(&report),
        [("IG001".into(), "infra/new.json".into())]
    );
}

#[test]
fn stdin_filename_finds_the_config_from_its_folder() {
    let repo = Repo::new();
    let allow = "[approved]\nmarketplace = [{ publisher = \"Canonical\", offer = \"0001-com-ubuntu-server-jammy\", sku = \"22_04-lts-*\" }]\n";
    repo.write("infra/imagegate.toml", allow);
    with_input(
        &repo,
        &["check", "--stdin-filename", "infra/vm.json"],
        marketplace_vm("vm"),
    )
    .assert()
    .code(0)
    .stdout(predicate::str::contains(
        "Config: infra/imagegate.toml (deny mode).",
    ));
    // `-` alone lies in the working directory, where no config is.
    with_input(&repo, &["check", "-"], marketplace_vm("vm"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("Config: the embedded default"));
}

#[test]
fn stdin_filename_reads_a_mapped_parameter_file_elsewhere_in_its_project() {
    // The config (at the project's top) maps a parameter file in another folder to the
    // template the buffer stands for: it is read, as it is for the file named on disk.
    let repo = Repo::new();
    repo.write(
        "imagegate.toml",
        "[parameter_files]\n\"templates/vm.json\" = [\"environments/prod.json\"]\n",
    );
    repo.write("environments/prod.json", MARKETPLACE_PARAMETERS);
    repo.write("templates/vm.json", parameterised_vm("vm-disk"));
    let (code, report) = json_of(&mut with_input(
        &repo,
        &[
            "check",
            "--format",
            "json",
            "--stdin-filename",
            "templates/vm.json",
        ],
        parameterised_vm("vm-buffer"),
    ));
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(
        rules_and_paths(&report),
        [("IG001".into(), "environments/prod.json".into())],
        "{report:#}"
    );
    assert_eq!(report["findings"][0]["resource"]["name"], "vm-buffer");
}

#[test]
fn standard_input_is_decoded_like_a_file() {
    let repo = Repo::new();
    let text = marketplace_vm("vm");
    let mut utf8_bom = vec![0xEF, 0xBB, 0xBF];
    utf8_bom.extend(text.as_bytes());
    let mut utf16le = vec![0xFF, 0xFE];
    utf16le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let mut utf16be = vec![0xFE, 0xFF];
    utf16be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    for bytes in [utf8_bom, utf16le, utf16be] {
        let (code, report) = json_of(&mut with_input(
            &repo,
            &["check", "--format", "json", "-"],
            bytes,
        ));
        assert_eq!(code, Some(1));
        assert_eq!(rules_and_paths(&report), [("IG001".into(), "-".into())]);
    }
    // Not UTF-8, not UTF-16: an IG000, as for a file.
    let mut latin1 = text.replace("vm", "vm-\u{e9}").into_bytes();
    let at = latin1.iter().position(|&b| b == 0xC3).unwrap();
    latin1.splice(at..at + 2, [0xE9]);
    let (code, report) = json_of(&mut with_input(
        &repo,
        &["check", "--format", "json", "--stdin-filename", "vm.json"],
        latin1,
    ));
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(
        rules_and_paths(&report),
        [("IG000".into(), "vm.json".into())]
    );
    // Broken JSON: an IG000 at the named path.
    let (code, report) = json_of(&mut with_input(
        &repo,
        &["check", "--format", "json", "--stdin-filename", "vm.json"],
        &text.as_bytes()[..text.len() / 2],
    ));
    assert_eq!(code, Some(1));
    assert_eq!(
        rules_and_paths(&report),
        [("IG000".into(), "vm.json".into())]
    );
    // Not a template: nothing judged, said plainly.
    with_input(&repo, &["check", "-"], "{\"name\": \"not a template\"}")
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "Nothing was judged: no ARM template, Bicep file, Terraform configuration or plan among the 1 file read",
        ));
}

#[test]
fn standard_input_is_bounded_like_a_file() {
    let repo = Repo::new();
    let head = format!("{{\"$schema\": \"{SCHEMA}\", \"pad\": \"");
    let mut input = head.into_bytes();
    input.resize(64 * 1024 * 1024 + 4096, b'a');
    let (code, report) = json_of(&mut with_input(
        &repo,
        &["check", "--format", "json", "--stdin-filename", "big.json"],
        input,
    ));
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(
        rules_and_paths(&report),
        [("IG000".into(), "big.json".into())]
    );
    let message = finding_messages(&report)[0].clone();
    assert!(
        message.contains("larger than the 64 MiB limit; it was not read"),
        "{message}"
    );
}

#[cfg(unix)]
#[test]
fn standard_input_that_cannot_be_read_is_an_ig000() {
    // A folder as standard input: reading it fails (EISDIR). Never a pass.
    let repo = Repo::new();
    let folder = std::fs::File::open(repo.path()).expect("open the folder");
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("imagegate"))
        .args(["check", "--format", "json", "-"])
        .current_dir(repo.path())
        .stdin(std::process::Stdio::from(folder))
        .output()
        .expect("run");
    let code = out.status.code();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(rules_and_paths(&report), [("IG000".into(), "-".into())]);
    assert!(
        finding_messages(&report)[0].starts_with("cannot read:"),
        "{report:#}"
    );
    // Empty input: nothing judged, said plainly.
    with_input(&repo, &["check", "-"], "")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Nothing was judged"));
}

#[test]
fn standard_input_cannot_be_mixed_with_paths() {
    let repo = Repo::new();
    repo.write("azuredeploy.json", golden_vm("vm"));
    with_input(&repo, &["check", "-", "azuredeploy.json"], golden_vm("vm"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("standard input"));
    with_input(
        &repo,
        &["check", "--stdin-filename", "x.json", "azuredeploy.json"],
        golden_vm("vm"),
    )
    .assert()
    .code(2)
    .stderr(predicate::str::contains("--stdin-filename"));
}

#[test]
fn options_combine_on_standard_input() {
    // What an editor runs: quiet, one rule set, the buffer named.
    let repo = Repo::new();
    repo.write("infra/azuredeploy.parameters.json", MARKETPLACE_PARAMETERS);
    let (code, stdout, stderr) = run(&mut with_input(
        &repo,
        &[
            "check",
            "-q",
            "--color",
            "never",
            "--ignore",
            "IG003",
            "--stdin-filename",
            "infra/azuredeploy.json",
        ],
        parameterised_vm("vm"),
    ));
    assert_eq!((code, stderr.as_str()), (Some(1), ""));
    assert!(stdout.starts_with("error[IG001]"), "{stdout}");
    assert!(
        stdout.contains("--> infra/azuredeploy.parameters.json:"),
        "{stdout}"
    );
    assert!(
        stdout.contains("is declared here (infra/azuredeploy.json:"),
        "{stdout}"
    );
    assert!(!stdout.contains("Config:"), "{stdout}");
}

#[test]
fn check_help_documents_every_option() {
    let repo = Repo::new();
    let (code, help, _) = run(&mut repo.binary(&["check", "--help"]));
    assert_eq!(code, Some(0));
    for option in [
        "-q, --quiet",
        "--color <WHEN>",
        "NO_COLOR",
        "FORCE_COLOR",
        "--select <RULES>",
        "--ignore <RULES>",
        "IG000 cannot",
        "--stdin-filename <PATH>",
        "`-` reads one template",
    ] {
        assert!(help.contains(option), "{option}: {help}");
    }
}

/// `--version` names the commit the binary was built from, when it was built from a git
/// checkout (as the hook and `pip install` build it): a bug report then says exactly what ran.
#[test]
fn the_version_names_the_commit() {
    let out = assert_cmd::Command::cargo_bin("imagegate")
        .unwrap()
        .arg("--version")
        .output()
        .unwrap();
    let version = String::from_utf8(out.stdout).unwrap();
    let head = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8(o.stdout).unwrap().trim().to_string());
    match head {
        Some(commit) => assert_eq!(
            version,
            format!("imagegate {} ({commit})\n", env!("CARGO_PKG_VERSION"))
        ),
        None => assert_eq!(
            version,
            format!("imagegate {}\n", env!("CARGO_PKG_VERSION"))
        ),
    }
}
