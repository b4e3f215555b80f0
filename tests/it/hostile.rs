//! Hostile inputs: each yields a clear finding or a quiet skip, never a crash or hang, and the
//! other files of the run are still judged.

use crate::common::*;

/// Writes `name` with `contents` beside a known-bad template, runs a JSON check, and returns the
/// findings about `name`. Asserts the neighbour was still judged.
fn judge_beside_neighbour(name: &str, contents: &[u8]) -> Vec<serde_json::Value> {
    judge_beside_neighbour_within(name, contents, None)
}

/// [`judge_beside_neighbour`], with each file held to `limits` (the production defaults when
/// `None`).
fn judge_beside_neighbour_within(
    name: &str,
    contents: &[u8],
    limits: Option<imagegate::workspace::Limits>,
) -> Vec<serde_json::Value> {
    let repo = Repo::new();
    repo.write(name, contents);
    repo.write("neighbour/azuredeploy.json", marketplace_vm("neighbour"));
    let report = match limits {
        Some(limits) => check_with_limits(repo.path(), limits),
        None => check_json(&repo, &[]),
    };
    let findings = report["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f["path"] == "neighbour/azuredeploy.json" && f["rule"] == "IG001"),
        "the neighbour must still be judged: {report:#}"
    );
    findings
        .iter()
        .filter(|f| f["path"] == name)
        .cloned()
        .collect()
}

fn template_prefix() -> String {
    format!("{{\n  \"$schema\": \"{SCHEMA}\",\n  \"resources\": [\n")
}

#[test]
fn deeply_nested_template_is_a_parse_error() {
    let mut text = template_prefix();
    text.push_str(&"[".repeat(200_000));
    let found = judge_beside_neighbour("deep.json", text.as_bytes());
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["rule"], "IG000");
    assert!(
        found[0]["message"]
            .as_str()
            .unwrap()
            .contains("nesting deeper")
    );
}

#[test]
fn deeply_nested_non_template_is_skipped() {
    let text = "[".repeat(200_000);
    assert!(judge_beside_neighbour("deep-data.json", text.as_bytes()).is_empty());
}

#[test]
fn binary_file_is_skipped() {
    let bytes: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect();
    assert!(judge_beside_neighbour("blob.json", &bytes).is_empty());
}

#[test]
fn latin1_template_is_a_clear_parse_error() {
    let mut bytes = marketplace_vm("vm").into_bytes();
    let at = bytes.windows(7).position(|w| w == b"\"name\":").unwrap();
    bytes.splice(at..at, b"\"description\": \"caf\xe9\", ".iter().copied());
    let found = judge_beside_neighbour("latin1.json", &bytes);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["rule"], "IG000");
    assert!(found[0]["message"].as_str().unwrap().contains("UTF-8"));
    assert!(
        found[0]["line"].as_u64().unwrap() > 1,
        "points at the bad byte"
    );
}

#[test]
fn bom_and_comments_are_accepted() {
    let mut text = String::from("\u{feff}// A template with comments\n");
    text.push_str(&marketplace_vm("vm").replace(
        "\"contentVersion\"",
        "/* block\n comment */ \"contentVersion\"",
    ));
    let found = judge_beside_neighbour("bom.json", text.as_bytes());
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["rule"], "IG001");
}

#[test]
fn control_characters_inside_strings_are_accepted() {
    let text = marketplace_vm("vm").replace(
        "\"contentVersion\"",
        "\"metadata\": { \"description\": \"tab\there\nnewline \u{1} ctrl\" },\n  \"contentVersion\"",
    );
    let found = judge_beside_neighbour("ctrl.json", text.as_bytes());
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["rule"], "IG001");
}

/// `text` in UTF-16 with a byte-order mark, each code unit passed through `unit` first.
fn utf16(text: &str, big_endian: bool, unit: impl Fn(u16) -> u16) -> Vec<u8> {
    let mut bytes = if big_endian {
        vec![0xFE, 0xFF]
    } else {
        vec![0xFF, 0xFE]
    };
    for u in text.encode_utf16().map(unit) {
        bytes.extend(if big_endian {
            u.to_be_bytes()
        } else {
            u.to_le_bytes()
        });
    }
    bytes
}

#[test]
fn utf16_templates_are_decoded() {
    for big_endian in [false, true] {
        let bytes = utf16(&marketplace_vm("vm"), big_endian, |unit| unit);
        let found = judge_beside_neighbour("utf16.json", &bytes);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0]["rule"], "IG001");
        assert_eq!(found[0]["line"], 16, "lines count in the decoded text");
    }
}

#[test]
fn utf16_templates_with_invalid_code_units_are_parse_errors_like_their_utf8_twins() {
    // A lone surrogate (0xD800) in a UTF-16 template: an IG000 at the line it is on, as an
    // invalid byte in a UTF-8 template is; it used to be skipped as "not a template".
    let text = marketplace_vm("vm").replace("\"name\": \"vm\"", "\"name\": \"vm\u{1F600}X\"");
    for big_endian in [false, true] {
        let lone = |unit| {
            if unit == u16::from(b'X') {
                0xD800
            } else {
                unit
            }
        };
        let bytes = utf16(&text, big_endian, lone);
        let found = judge_beside_neighbour("utf16.json", &bytes);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0]["rule"], "IG000", "{found:?}");
        assert_eq!(found[0]["line"], 11, "{found:?}");
        let message = found[0]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("invalid UTF-16: unpaired surrogate"),
            "{message}"
        );
    }
    let utf8 = marketplace_vm("vm").replace("\"name\": \"vm\"", "\"name\": \"vm\u{FF}\"");
    let mut bytes = utf8.into_bytes();
    let at = bytes
        .windows(2)
        .position(|w| w == "\u{FF}".as_bytes())
        .expect("ÿ");
    bytes[at] = 0xFF;
    let found = judge_beside_neighbour("utf8.json", &bytes);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["rule"], "IG000", "{found:?}");
    assert_eq!(found[0]["line"], 11, "{found:?}");
}

#[test]
fn empty_file_is_skipped() {
    assert!(judge_beside_neighbour("empty.json", b"").is_empty());
}

#[test]
fn truncated_template_is_a_parse_error_at_the_end() {
    let text = marketplace_vm("vm");
    let cut = &text[..text.len() / 2];
    let found = judge_beside_neighbour("truncated.json", cut.as_bytes());
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["rule"], "IG000");
    let lines = cut.lines().count() as u64;
    assert!(found[0]["line"].as_u64().unwrap() >= lines - 1);
}

/// Limits of 1 MiB per file (production: 64 MiB, which `pipeline::tests` holds a sparse file
/// to).
fn one_mib_files() -> Option<imagegate::workspace::Limits> {
    Some(imagegate::workspace::Limits {
        max_file_bytes: 1024 * 1024,
        ..Default::default()
    })
}

#[test]
fn huge_template_is_refused_with_a_finding() {
    // Larger than the file limit (2 MiB against 1 MiB; production: 65 MiB against 64 MiB):
    // one IG000, without reading it all.
    let mut text = template_prefix().into_bytes();
    text.resize(2 * 1024 * 1024, b' ');
    let found = judge_beside_neighbour_within("huge.json", &text, one_mib_files());
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["rule"], "IG000");
    assert!(found[0]["message"].as_str().unwrap().contains("limit"));
}

#[test]
fn huge_data_file_is_skipped() {
    // 2 MiB against a limit of 1 MiB (production: 65 MiB against 64 MiB).
    let mut text = b"{\"data\": \"".to_vec();
    text.resize(2 * 1024 * 1024, b'a');
    assert!(judge_beside_neighbour_within("huge-data.json", &text, one_mib_files()).is_empty());
}

#[test]
fn large_minified_template_is_judged() {
    // 4 MB on one line, many VMs: judged, findings point into the long line. The line is a
    // 3.6 MB description first (read, never judged) and 2,000 VMs after it, so that every
    // finding lies megabytes into the line (production-sized; it was 20,000 VMs, the resource
    // budget, which costs seconds of judging and nothing more of the line).
    let vm = r#"{"type":"Microsoft.Compute/virtualMachines","apiVersion":"2024-03-01","name":"vm","properties":{"storageProfile":{"imageReference":{"publisher":"Canonical","offer":"o","sku":"s","version":"latest"}}}}"#;
    let description = "d".repeat(3_600_000);
    let mut text = format!(
        "{{\"$schema\":\"{SCHEMA}\",\"metadata\":{{\"description\":\"{description}\"}},\"resources\":["
    );
    for i in 0..2_000 {
        if i > 0 {
            text.push(',');
        }
        text.push_str(&vm.replace("\"vm\"", &format!("\"vm{i}\"")));
    }
    text.push_str("]}");
    assert!(text.len() > 4_000_000 && !text.contains('\n'));
    let found = judge_beside_neighbour("minified.json", text.as_bytes());
    assert_eq!(found.len(), 2_000);
    assert!(found.iter().all(|f| f["line"] == 1));
    assert!(found.iter().all(|f| f["column"].as_u64() > Some(3_600_000)));
}

#[cfg(unix)]
#[test]
fn symlink_loops_and_links_out_of_the_root_are_not_followed() {
    let repo = Repo::new();
    let outside = Repo::new();
    outside.write("secret/azuredeploy.json", marketplace_vm("outside"));
    repo.write("neighbour/azuredeploy.json", marketplace_vm("neighbour"));
    std::fs::create_dir_all(repo.path().join("loop")).unwrap();
    std::os::unix::fs::symlink(repo.path().join("loop"), repo.path().join("loop/self")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret"), repo.path().join("link-out"))
        .unwrap();
    let report = check_json(&repo, &[]);
    let paths: Vec<_> = rules_and_paths(&report)
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    assert_eq!(paths, ["neighbour/azuredeploy.json"]);
}

#[test]
fn unreadable_paths_do_not_stop_the_run() {
    let repo = Repo::new();
    repo.write("neighbour/azuredeploy.json", marketplace_vm("neighbour"));
    // A directory named like a template.
    std::fs::create_dir_all(repo.path().join("dir.json")).unwrap();
    let report = check_json(&repo, &[]);
    assert_eq!(rules_and_paths(&report).len(), 1);
}

/// A caller deploying `relative_path` with `templateLink.relativePath`.
#[cfg(unix)]
fn linking_template(relative_path: &str) -> String {
    format!(
        r#"{{
  "$schema": "{}",
  "contentVersion": "1.0.0.0",
  "resources": [
    {{
      "type": "Microsoft.Resources/deployments",
      "apiVersion": "2022-09-01",
      "name": "linked",
      "properties": {{ "mode": "Incremental", "templateLink": {{ "relativePath": "{relative_path}" }} }}
    }}
  ]
}}
"#,
        crate::common::SCHEMA
    )
}

#[cfg(unix)]
#[test]
fn linked_templates_through_symlinks_do_not_leave_the_roots() {
    let repo = Repo::new();
    let outside = Repo::new();
    outside.write("secret/azuredeploy.json", marketplace_vm("outside"));
    outside.write("secret/deeper/x.json", "{}");
    repo.write("neighbour/azuredeploy.json", marketplace_vm("neighbour"));
    std::os::unix::fs::symlink(outside.path().join("secret"), repo.path().join("link-out"))
        .unwrap();
    // Straight through the link, and `..` out of a folder reached through it: ARM joins the
    // path by name (`link-out/deeper/..` is `link-out`), which is still outside.
    repo.write(
        "a/azuredeploy.json",
        linking_template("../link-out/azuredeploy.json"),
    );
    repo.write(
        "b/azuredeploy.json",
        linking_template("../link-out/deeper/../azuredeploy.json"),
    );
    let out = repo
        .imagegate(&["check", "--format", "json", "--exit-zero", "--verbose"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // Nothing outside is judged (its Marketplace VM is never read); each refused link is an
    // IG002 on its deployment, saying why.
    let found: Vec<(String, String)> = rules_and_paths(&report);
    let expected = [
        ("IG002", "a/azuredeploy.json"),
        ("IG002", "b/azuredeploy.json"),
        ("IG001", "neighbour/azuredeploy.json"),
    ]
    .map(|(r, p)| (r.to_string(), p.to_string()));
    assert_eq!(found, expected, "{report:#}");
    let refused = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["message"]
                .as_str()
                .unwrap()
                .contains("is outside the scanned roots")
        })
        .count();
    assert_eq!(refused, 2, "{report:#}");
}

#[cfg(unix)]
#[test]
fn linked_template_paths_resolve_dot_dot_by_name_as_arm_does() {
    let repo = Repo::new();
    // The linked VM's image is the one the caller passes: the finding is then at the caller's
    // value, and a run on the caller alone reports it (what lies in the named file).
    repo.write(
        "shared/vm.json",
        arm_template(
            r#""image": { "type": "object" }"#,
            "",
            &arm_vm("linked-vm", r#""[parameters('image')]""#, ""),
        ),
    );
    // `jump` is a link to a folder elsewhere in the repository; ARM resolves
    // `jump/../shared/vm.json` against the caller's URI by name, to `shared/vm.json` beside
    // `jump`, not beside the link's target.
    std::fs::create_dir_all(repo.path().join("elsewhere/deep")).unwrap();
    repo.write("elsewhere/shared/vm.json", golden_vm("wrong-file"));
    std::os::unix::fs::symlink(repo.path().join("elsewhere/deep"), repo.path().join("jump"))
        .unwrap();
    let marketplace = r#"{ "publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2", "version": "latest" }"#;
    repo.write(
        "azuredeploy.json",
        linking_template("jump/../shared/vm.json").replace(
            r#""templateLink":"#,
            &format!(
                r#""parameters": {{ "image": {{ "value": {marketplace} }} }}, "templateLink":"#
            ),
        ),
    );
    let report = check_json(&repo, &["azuredeploy.json"]);
    assert_eq!(
        rules_and_paths(&report),
        [("IG001".to_string(), "azuredeploy.json".to_string())],
        "{report:#}"
    );
    assert_eq!(report["findings"][0]["resource"]["name"], "linked-vm");
}

/// A template whose VM sits `levels` inner-scope deployments deep, each level passing the
/// image on as `value_expression` (which reads the level's own `image` parameter).
fn deployment_chain(levels: usize, value_expression: &str) -> String {
    let managed = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-images/providers/Microsoft.Compute/images/legacy";
    let vm = r#"{ "type": "Microsoft.Compute/virtualMachines", "apiVersion": "2024-03-01", "name": "deep-vm",
        "properties": { "storageProfile": { "imageReference": { "id": "[parameters('image')]" } } } }"#;
    let mut inner = format!(
        r#"{{ "$schema": "{SCHEMA}", "parameters": {{ "image": {{ "type": "string" }} }}, "resources": [ {vm} ] }}"#
    );
    for level in 0..levels {
        inner = format!(
            r#"{{ "$schema": "{SCHEMA}", "parameters": {{ "image": {{ "type": "string" }} }}, "resources": [
  {{ "type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "level{level}",
     "properties": {{ "mode": "Incremental", "expressionEvaluationOptions": {{ "scope": "inner" }},
       "parameters": {{ "image": {{ "value": "{value_expression}" }}, "unused": {{ "value": "[parameters('nope')]" }} }},
       "template": {inner} }} }} ] }}"#
        );
    }
    // The outermost template gives `image` a default.
    inner.replacen(
        r#""image": { "type": "string" }"#,
        &format!(r#""image": {{ "type": "string", "defaultValue": "{managed}" }}"#),
        1,
    )
}

#[test]
fn parameters_passed_down_a_chain_of_deployments_are_judged() {
    // Each level reads its caller's parameter only when the image needs it.
    let findings = judge_beside_neighbour(
        "chain/azuredeploy.json",
        deployment_chain(15, "[parameters('image')]").as_bytes(),
    );
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0]["rule"], "IG001", "{findings:#?}");
}

#[test]
fn deep_expressions_down_a_chain_of_deployments_stay_within_the_stack_budget() {
    // Every level wraps the image in expressions nested 120 deep; evaluating the innermost
    // image runs all fifteen callers' expressions on one stack. The stack budget covers the
    // whole chain: the image becomes unresolved (or is judged), never a crash.
    let nested = format!(
        "[{}parameters('image'){}]",
        "concat(".repeat(120),
        ")".repeat(120)
    );
    let findings = judge_beside_neighbour(
        "chain/azuredeploy.json",
        deployment_chain(15, &nested).as_bytes(),
    );
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let rule = findings[0]["rule"].as_str().unwrap();
    assert!(rule == "IG001" || rule == "IG002", "{findings:#?}");
}

/// A VM whose name carries a terminal escape sequence, a bidi override and a forged GitHub
/// workflow command after a newline (all JSON escapes, as an attacker would write them).
#[test]
fn template_text_cannot_forge_annotations_or_drive_the_terminal() {
    let repo = Repo::new();
    let name = r#"vm\u001b]8;;https://evil.example\u0007click\u001b]8;;\u0007\u202e\n::error file=x.json::forged\n##[error]forged"#;
    repo.write(
        "azuredeploy.json",
        vm_template(
            name,
            r#"{ "publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2", "version": "latest" }"#,
        )
        .replace(
            r#""location": "[parameters('location')]","#,
            &format!(r#""location": "[parameters('location')]", "tags": {{ "x": "{name}" }},"#),
        ),
    );
    let human = repo
        .imagegate(&["check", "--format", "human", "--exit-zero"])
        .output()
        .unwrap();
    let human = String::from_utf8_lossy(&human.stdout);
    assert!(
        human.contains("\\u{1b}]8;;https://evil.example"),
        "the name is shown, escaped visibly: {human}"
    );
    // The runner reads a legacy command `##[…]` anywhere in a line of a step's output, and a
    // file name is the pull request's to choose too.
    repo.write(
        "app\n::error file=y.json::forged ##[add-mask]x\r.json",
        marketplace_vm("##[set-output name=approved]true"),
    );
    for format in ["human", "github", "json", "sarif"] {
        let out = repo
            .imagegate(&["check", "--format", format, "--exit-zero", "--verbose"])
            .output()
            .unwrap();
        if matches!(format, "json" | "sarif") {
            let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid");
            // SARIF messages are plain text messages, whose brackets are escaped (SARIF 2.1.0
            // §3.11.6: text never forms a link); `\\` is how JSON writes that backslash.
            let carried = match format {
                "sarif" => r"##\\[set-output name=approved\\]true",
                _ => "##[set-output name=approved]true",
            };
            assert!(
                report.to_string().contains(carried),
                "{format} carries the text, escaped in JSON: {report:#}"
            );
        }
        for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            let text = String::from_utf8_lossy(bytes);
            assert!(
                !text.contains("##["),
                "{format} {stream} carries a raw `##[`: {text}"
            );
            assert!(
                !text.contains('\u{1b}'),
                "{format} {stream} carries ESC: {text}"
            );
            assert!(
                !text.contains('\u{7}'),
                "{format} {stream} carries BEL: {text}"
            );
            assert!(
                !text.contains('\u{202e}'),
                "{format} {stream} carries a bidi override: {text}"
            );
            for line in text.split(['\n', '\r']) {
                let line = line.trim_start();
                assert!(
                    !line.starts_with("::error file=x.json") && !line.starts_with("::error file=y"),
                    "{format} {stream} has a forged command line: {line:?}"
                );
            }
        }
    }
}

/// A linked template that is a FIFO (a named pipe nobody writes to) must not hang the run.
#[cfg(target_os = "linux")]
#[test]
fn a_fifo_where_a_linked_template_is_expected_never_hangs_the_run() {
    let repo = Repo::new();
    repo.write("app/azuredeploy.json", linking_template("nested/vm.json"));
    repo.write("app/nested/.keep", "");
    let fifo = repo.path().join("app/nested/vm.json");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(status.success());
    let out = repo
        .imagegate(&["check", "--format", "json", "--exit-zero"])
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .expect("run");
    assert!(out.status.code().is_some(), "the run was killed: it hung");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a report");
    let message = report["findings"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(
        message.contains("`nested/vm.json` cannot be read: not a regular file"),
        "{report:#}"
    );
}

/// A Bicep VM named `name` whose image ID is the Bicep expression `id`.
fn bicep_vm(name: &str, id: &str) -> String {
    format!(
        "resource {name} 'Microsoft.Compute/virtualMachines@2024-03-01' = {{
  name: '{name}'
  location: 'westeurope'
  properties: {{
    storageProfile: {{
      imageReference: {{ id: {id} }}
    }}
  }}
}}
"
    )
}

#[test]
fn bicep_expressions_nested_or_chained_past_the_bound_are_one_parse_error_not_a_crash() {
    // 10,000 chained `+`, `[0]`, `.a` (or `!`, `::`, `??`, calls on a value) parse in a loop
    // into a syntax tree 10,000 deep, and used to abort the whole run with a stack overflow
    // when it was lowered (or dropped). Each link of a chain now nests like a bracket
    // (https://learn.microsoft.com/azure/azure-resource-manager/bicep/operators: each binary
    // operator and accessor takes an operand that may itself be an operation), so past 128
    // levels the declaration is one IG000, like 10,000 nested parentheses, calls, arrays,
    // objects, `!` or ternaries, and the rest of the file and of the run is judged.
    let n = 10_000;
    let deep = [
        ("plus", format!("{}1", "1 + ".repeat(n))),
        ("index", format!("images{}", "[0]".repeat(n))),
        ("member", format!("settings{}", ".a".repeat(n))),
        ("bang", format!("settings{}.a", "!".repeat(n))),
        ("coalesce", format!("'a' {}", "?? 'a' ".repeat(n))),
        (
            "instance-call",
            format!("az{}", ".resourceGroup()".repeat(n)),
        ),
        (
            "parentheses",
            format!("{}'a'{}", "(".repeat(n), ")".repeat(n)),
        ),
        (
            "calls",
            format!("{}'a'{}", "string(".repeat(n), ")".repeat(n)),
        ),
        (
            "arrays",
            format!("{}'a'{}[0]", "[".repeat(n), "]".repeat(n)),
        ),
        (
            "objects",
            format!("{}'a'{}.a", "{a: ".repeat(n), "}".repeat(n)),
        ),
        (
            "not",
            format!("{}true{} ? 'a' : 'b'", "!(".repeat(n), ")".repeat(n)),
        ),
        ("ternaries", format!("{}'a'", "true ? 'a' : ".repeat(n))),
    ];
    let repo = Repo::new();
    repo.write("neighbour/azuredeploy.json", marketplace_vm("neighbour"));
    let prelude = "param images array = []\nparam settings object = {}\n";
    for (name, expression) in &deep {
        let text = format!(
            "{prelude}{}{}",
            bicep_vm("deep", expression),
            bicep_vm("after", "'x'")
        );
        repo.write(&format!("{name}.bicep"), text);
    }
    let report = check_json(&repo, &[]);
    let findings = report["findings"].as_array().expect("findings");
    assert!(
        findings
            .iter()
            .any(|f| f["path"] == "neighbour/azuredeploy.json" && f["rule"] == "IG001"),
        "the neighbour must still be judged"
    );
    for (name, _) in &deep {
        let path = format!("{name}.bicep");
        let here: Vec<&serde_json::Value> = findings
            .iter()
            .filter(|f| f["path"] == path.as_str())
            .collect();
        assert!(
            here.iter().any(|f| f["rule"] == "IG000"
                && f["message"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("nesting deeper than 128 levels")),
            "{name}: {here:#?}"
        );
        // The VM after it is judged (its image `x` is not approved).
        assert!(
            here.iter()
                .any(|f| f["rule"] == "IG001" && f["resource"]["name"] == "after"),
            "{name}: {here:#?}"
        );
    }

    // Within the bound, chains are evaluated.
    let repo = Repo::new();
    let id = format!("'{GOLDEN_VERSION}'{}", " ?? 'x'".repeat(100));
    repo.write("main.bicep", bicep_vm("vm", &id));
    assert_eq!(finding_rules(&check_json(&repo, &[])), Vec::<String>::new());
}

#[test]
fn bicep_expressions_inlined_deeper_than_the_lowering_follows_are_unresolved() {
    // A resource property read from a declared resource is its value as written, put in
    // place (https://learn.microsoft.com/azure/azure-resource-manager/bicep/resource-declaration#reference-deployed-resources):
    // seven resources each reading the previous one's property inside 100 parentheses make
    // an expression 700 levels deep out of a tree 100 deep. Its lowering is bounded (640
    // levels): the image is unresolved and says which budget, never a stack overflow.
    let parens = |inner: &str| format!("{}{inner}{}", "(".repeat(100), ")".repeat(100));
    let mut text = String::new();
    let mut previous = format!("'{GOLDEN_VERSION}'");
    for i in 0..7 {
        text.push_str(&format!(
            "resource r{i} 'Microsoft.Storage/storageAccounts@2023-01-01' = {{
  name: 'r{i}'
  location: 'westeurope'
  kind: {}
}}
",
            parens(&previous)
        ));
        previous = format!("r{i}.kind");
    }
    let repo = Repo::new();
    repo.write("deep.bicep", format!("{text}{}", bicep_vm("vm", &previous)));
    // Three levels of it are followed: the image is judged.
    let shallow = text.split("resource r3").next().unwrap_or_default();
    repo.write(
        "shallow.bicep",
        format!("{shallow}{}", bicep_vm("vm", "r2.kind")),
    );
    repo.write("neighbour/azuredeploy.json", marketplace_vm("neighbour"));
    let report = check_json(&repo, &[]);
    let deep: Vec<(String, String)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["path"] == "deep.bicep")
        .map(|f| (f["rule"].to_string(), f["message"].to_string()))
        .collect();
    assert!(
        deep.len() == 1
            && deep[0].0 == "\"IG002\""
            && deep[0].1.contains(
                "nesting budget exceeded: the expression is nested deeper than 640 levels"
            ),
        "{deep:?}"
    );
    assert!(
        !report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["path"] == "shallow.bicep"),
        "{report:#}"
    );
    assert_eq!(
        finding_rules(&report)
            .iter()
            .filter(|r| *r == "IG001")
            .count(),
        1
    );
}
