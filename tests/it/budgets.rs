//! Every cost is bounded per file, not per context (issue #10, point 3): one allowance of
//! evaluation steps and resources per walked file, shared by its parameter files, allowed
//! values, nested deployments and linked templates; values too large to hold refused before
//! they are copied; long template text clipped in messages. What a budget stops is an IG000 or
//! IG002, never silence, and the other files of the run are still judged.
//!
//! The adversarial inputs are generated here (small versions of `scripts/adversarial.py`);
//! their time and memory are measured in BENCHMARKS.md, never here. Most tests run in-process
//! at small limits (`check_with_limits`) with inputs scaled to match, so that a budget is
//! reached in milliseconds: each says the production value its numbers stand for, and the
//! production defaults themselves are pinned by `eval::tests::the_default_limits_are_the_documented_ones`.
//! `the_step_budget_holds_at_its_production_value` runs at the production limits.

use std::time::Duration;

use imagegate::workspace::Limits;

use crate::common::*;

/// Runs `imagegate check --format json` with a generous timeout (a shape that used to run for
/// minutes must fail the test, not hang it) and parses the report.
fn check_bounded(repo: &Repo) -> serde_json::Value {
    let out = repo
        .imagegate(&["check", "--format", "json", "--exit-zero", "."])
        .timeout(Duration::from_secs(120))
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "imagegate failed or timed out: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON output")
}

/// A marketplace VM in its own file: proof that the other files of the run are still judged.
fn neighbour(repo: &Repo) {
    repo.write("other/azuredeploy.json", marketplace_vm("neighbour"));
}

/// The findings of `report` in the file `path`: `(rule, message)`.
fn findings_in(report: &serde_json::Value, path: &str) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["path"] == path)
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or_default().to_owned();
            (s("rule"), s("message"))
        })
        .collect()
}

/// The message of the one finding in the file `path`, which must be of `rule`.
fn only_finding(report: &serde_json::Value, path: &str, rule: &str) -> String {
    let found = findings_in(report, path);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, rule, "{found:?}");
    found[0].1.clone()
}

/// Whether the neighbour's marketplace image was judged (an IG001).
fn neighbour_judged(report: &serde_json::Value) {
    only_finding(report, "other/azuredeploy.json", "IG001");
}

/// An inner-scope nested deployment of `template`, in a copy loop of `count`.
fn deployments_of(template: &str, count: usize, level: usize) -> String {
    format!(
        r#"{{
      "type": "Microsoft.Resources/deployments",
      "apiVersion": "2022-09-01",
      "name": "[concat('d{level}-', copyIndex())]",
      "copy": {{ "name": "d{level}", "count": {count} }},
      "properties": {{
        "mode": "Incremental",
        "expressionEvaluationOptions": {{ "scope": "inner" }},
        "template": {template}
      }}
    }}"#
    )
}

#[test]
fn nested_copy_loops_share_one_step_budget() {
    // Three levels of inner-scope deployments in copy loops of 10 around storage accounts in a
    // copy loop of 10: 10^5 instances, none of them image-bearing, so no resource budget stops
    // them, at a budget of 4,000 steps (production: loops of 1,000, 10^12 instances, against
    // 4,000,000 steps). Each inner scope used to get a fresh step budget: the run did not end
    // within minutes (here: each scope's ten instances fit in it, and nothing would be said).
    // Now the file's one allowance runs out, and the resources it left out (the VM declared
    // last among them) are an IG002, not silence.
    let limits = Limits {
        max_steps: 4_000,
        ..Limits::default()
    };
    let storage = r#"{
      "type": "Microsoft.Storage/storageAccounts",
      "apiVersion": "2023-01-01",
      "name": "[concat('st', copyIndex())]",
      "location": "westeurope",
      "kind": "StorageV2",
      "sku": { "name": "Standard_LRS" },
      "copy": { "name": "st", "count": 10 }
    }"#;
    let mut inner = arm_template("", "", storage);
    for level in 0..3 {
        inner = arm_template("", "", &deployments_of(&inner, 10, level));
    }
    let mut resources = deployments_of(&inner, 10, 3);
    resources.push(',');
    resources.push_str(&arm_vm(
        "vm-after",
        r#"{ "id": "[parameters('image')]" }"#,
        "",
    ));
    let repo = Repo::new();
    repo.write("azuredeploy.json", arm_template("", "", &resources));
    neighbour(&repo);
    let report = check_with_limits(repo.path(), limits);
    let message = only_finding(&report, "azuredeploy.json", "IG002");
    assert!(
        message.contains(
            "evaluation step budget (4000 steps per file) exhausted before this resource: \
             it and the resources after it are not judged"
        ),
        "{message}"
    );
    neighbour_judged(&report);
}

/// A template whose VMs (golden images) are `loops` copy loops of `parameters('count')`.
fn counted_vms(loops: usize) -> String {
    let vms: Vec<String> = (0..loops)
        .map(|i| {
            arm_vm(
                &format!("[concat('vm{i}-', copyIndex())]"),
                &format!(r#"{{ "id": "{GOLDEN_VERSION}" }}"#),
                &format!(r#" "copy": {{ "name": "c{i}", "count": "[parameters('count')]" }},"#),
            )
        })
        .collect();
    arm_template(
        r#""count": { "type": "int", "defaultValue": 1 }"#,
        "",
        &vms.join(","),
    )
}

#[test]
fn parameter_files_share_one_resource_budget() {
    // Three parameter files make three contexts of 80 resources each, at a budget of 200
    // resources (production: 8,000 each against 20,000). Each context used to have a cap of
    // its own (150 such files exhausted 12 GB); now the file has 200 resources in all, and
    // the context cut short says so.
    let limits = Limits {
        max_resources: 200,
        ..Limits::default()
    };
    let repo = Repo::new();
    repo.write("azuredeploy.json", counted_vms(8));
    for k in 0..3 {
        repo.write(
            &format!("azuredeploy.parameters.{k}.json"),
            parameters_file(r#""count": { "value": 10 }"#),
        );
    }
    neighbour(&repo);
    let report = check_with_limits(repo.path(), limits);
    let message = only_finding(&report, "azuredeploy.json", "IG002");
    assert!(
        message.contains(
            "resource budget reached: only the first 200 resources of the file are judged \
             (all its parameter files and allowed values together)"
        ) && message.contains("(with parameter file azuredeploy.parameters.2.json)"),
        "{message}"
    );
    let judged = report["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .filter(|r| r["path"] == "azuredeploy.json" && r["status"] == "compliant")
        .count();
    assert_eq!(judged, 200);
    neighbour_judged(&report);
}

#[test]
fn allowed_values_the_budget_cuts_short_stay_unresolved() {
    // A required parameter with 32 allowed gallery image versions (IDs) decides the image of a
    // VM copied 10 times: each allowed value is a variant of 10 resources, 330 in all, at a
    // budget of 200 resources (production: copied 1,000 times, 33,000 against 20,000). The
    // variants beyond the file's 200 resources are not judged, so the VM stays unresolved
    // (IG002) beside the variants that were: an allowed value never judged is never passed.
    let limits = Limits {
        max_resources: 200,
        ..Limits::default()
    };
    let base = GOLDEN_VERSION.trim_end_matches("/versions/1.4.0");
    let allowed = |n: usize| {
        let ids: Vec<String> = (0..n)
            .map(|v| format!(r#""{base}/versions/1.{v}.0""#))
            .collect();
        format!(
            r#""image": {{ "type": "string", "allowedValues": [{}] }}"#,
            ids.join(",")
        )
    };
    let parameters = allowed(32);
    let vm = arm_vm(
        "[concat('vm-', copyIndex())]",
        r#"{ "id": "[parameters('image')]" }"#,
        r#" "copy": { "name": "vms", "count": 10 },"#,
    );
    let repo = Repo::new();
    repo.write("azuredeploy.json", arm_template(&parameters, "", &vm));
    neighbour(&repo);
    let report = check_with_limits(repo.path(), limits.clone());
    let found = findings_in(&report, "azuredeploy.json");
    assert!(
        found
            .iter()
            .any(|(rule, message)| rule == "IG002" && message.contains("parameter 'image'")),
        "{found:?}"
    );
    neighbour_judged(&report);

    // With 8 allowed values (90 resources; production: 9,000) every variant is judged, and
    // all are golden.
    repo.write("azuredeploy.json", arm_template(&allowed(8), "", &vm));
    let report = check_with_limits(repo.path(), limits);
    assert_eq!(findings_in(&report, "azuredeploy.json"), []);
}

#[test]
fn documents_beyond_the_value_limit_are_refused_not_held() {
    // A parameter file that is nothing but an array of 1,001 zeros, at a limit of 1,000 values
    // per document (production: 4,000,001 zeros, 8 MB, against 4,000,000), used to be held in
    // memory whole (a 60 MB one took 9 GB); a template with such a variable likewise. Both are
    // refused with an IG000 naming the limit, and the rest of the run is judged.
    let limits = Limits {
        max_document_values: 1_000,
        ..Limits::default()
    };
    let zeros = vec!["0"; 1_001].join(",");
    let repo = Repo::new();
    repo.write("app/azuredeploy.json", golden_vm("vm"));
    repo.write(
        "app/azuredeploy.parameters.json",
        parameters_file(&format!(r#""unused": {{ "value": [{zeros}] }}"#)),
    );
    let vm = arm_vm("vm", &format!(r#"{{ "id": "{GOLDEN_VERSION}" }}"#), "");
    let template = arm_template("", &format!(r#""unused": [{zeros}]"#), &vm);
    repo.write("data/azuredeploy.json", template);
    neighbour(&repo);
    let report = check_with_limits(repo.path(), limits);
    let limit = "more than 1000 values in one document: too large to analyse";
    let parameters = findings_in(&report, "app/azuredeploy.parameters.json");
    assert_eq!(parameters.len(), 1, "{parameters:?}");
    assert!(
        parameters[0].0 == "IG000" && parameters[0].1.contains(limit),
        "{parameters:?}"
    );
    let template = findings_in(&report, "data/azuredeploy.json");
    assert!(
        template.len() == 1 && template[0].0 == "IG000" && template[0].1.contains(limit),
        "{template:?}"
    );
    neighbour_judged(&report);
}

#[test]
fn parameter_values_larger_than_a_parameter_may_hold_are_unknown_when_read() {
    // 300,000 elements: within the document limit, beyond what one parameter may hold
    // (250,000 units). Unused, it costs nothing and changes nothing; read, it is unknown and
    // says why.
    let big = vec!["0"; 300_000].join(",");
    let repo = Repo::new();
    let parameters = r#""tags": { "type": "array", "defaultValue": [] },
        "image": { "type": "string", "defaultValue": "x" }"#;
    let unused = arm_vm("vm", &format!(r#"{{ "id": "{GOLDEN_VERSION}" }}"#), "");
    repo.write("azuredeploy.json", arm_template(parameters, "", &unused));
    repo.write(
        "azuredeploy.parameters.json",
        parameters_file(&format!(r#""tags": {{ "value": [{big}] }}"#)),
    );
    let report = check_bounded(&repo);
    assert_eq!(findings_in(&report, "azuredeploy.json"), []);
    assert_eq!(resource_statuses(&report), ["compliant"]);

    let used = arm_vm(
        "vm",
        r#"{ "id": "[if(empty(parameters('tags')), 'x', parameters('image'))]" }"#,
        "",
    );
    repo.write("azuredeploy.json", arm_template(parameters, "", &used));
    let report = check_bounded(&repo);
    assert_eq!(findings_in(&report, "azuredeploy.json"), []);
    // Located at the value to change, in the parameter file.
    let found = findings_in(&report, "azuredeploy.parameters.json");
    assert!(
        found.len() == 1
            && found[0].0 == "IG002"
            && found[0]
                .1
                .contains("value size budget (250000 units) exceeded by parameter 'tags'"),
        "{found:?}"
    );
}

#[test]
fn a_long_literal_copied_into_each_instance_is_charged_and_clipped() {
    // A VM copied 100 times whose image ID is a 20 KB literal, at a budget of 100,000 steps
    // (production: an 800 KB literal against 4,000,000 steps, which used to cost an 80 MB
    // report): every instance copied the literal for free and every message carried it whole
    // (here, 2 MB). Now each copy is charged to the file's steps (the instances beyond them
    // are IG002) and messages carry 1,000 characters of it, head and tail, and say how many
    // were left out.
    let limits = Limits {
        max_steps: 100_000,
        ..Limits::default()
    };
    let id = format!(
        "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Compute/images/{}",
        "a".repeat(20_000)
    );
    let vm = arm_vm(
        "[concat('vm', copyIndex())]",
        &format!(r#"{{ "id": "{id}" }}"#),
        r#" "copy": { "name": "vms", "count": 100 },"#,
    );
    let repo = Repo::new();
    repo.write("azuredeploy.json", arm_template("", "", &vm));
    neighbour(&repo);
    let report = check_with_limits(repo.path(), limits);
    let written = report.to_string().len();
    assert!(written < 1_000_000, "{written} bytes");
    let found = findings_in(&report, "azuredeploy.json");
    let rules: Vec<&str> = found.iter().map(|(r, _)| r.as_str()).collect();
    assert!(
        rules.contains(&"IG001") && rules.contains(&"IG002"),
        "{rules:?}"
    );
    for (_, message) in &found {
        assert!(message.chars().count() < 1_100, "{} chars", message.len());
    }
    let unapproved = &found.iter().find(|(r, _)| r == "IG001").expect("IG001").1;
    assert!(
        unapproved.contains(" … (") && unapproved.contains(" characters left out) … "),
        "{unapproved}"
    );
    assert!(
        found.iter().any(|(rule, message)| rule == "IG002"
            && message.contains("evaluation step budget (100000 steps per file) exhausted")),
        "{found:?}"
    );
    neighbour_judged(&report);
}

#[test]
fn the_step_budget_holds_at_its_production_value() {
    // The other tests run at small limits: this one, at the production limits, shows the step
    // budget a run applies is 4,000,000 (25,000,000 steps of `range` asked for, in well under a
    // second), what it stops is an IG002 and a note, and the other files are still judged.
    let image = r#"{ "id": "[if(equals(length(map(range(0, 5000), lambda('x', range(0, 5000)))), 0), 'a', 'b')]" }"#;
    let repo = Repo::new();
    repo.write(
        "azuredeploy.json",
        arm_template("", "", &arm_vm("vm", image, "")),
    );
    neighbour(&repo);
    let (report, notes) = check_with_limits_and_notes(repo.path(), Limits::default());
    let message = only_finding(&report, "azuredeploy.json", "IG002");
    assert!(
        message.contains("evaluation step budget (4000000 steps per file) exhausted"),
        "{message}"
    );
    assert!(
        notes.iter().any(|n| n.contains(
            "evaluation stopped at its budget of 4000000 steps; images that needed more are \
             reported as unresolved"
        )),
        "{notes:?}"
    );
    neighbour_judged(&report);
}

#[test]
fn strings_functions_build_are_charged() {
    // Each of 100 instances builds a 10 KB string, at a budget of 40,000 steps (production:
    // 1,000 instances of 1 MB, 1 GB of copies, against 4,000,000): copies that no budget
    // charged (uncharged, the instances cost a few thousand steps in all). Now what a function
    // builds is charged by its size, and the instances beyond the file's steps are
    // unresolved, said as such.
    let limits = Limits {
        max_steps: 40_000,
        ..Limits::default()
    };
    let vm = arm_vm(
        "[concat('vm', copyIndex())]",
        &format!(r#"{{ "id": "[concat('{GOLDEN_VERSION}', padLeft('', 10000, 'x'))]" }}"#),
        r#" "copy": { "name": "vms", "count": 100 },"#,
    );
    let repo = Repo::new();
    repo.write("azuredeploy.json", arm_template("", "", &vm));
    neighbour(&repo);
    let report = check_with_limits(repo.path(), limits);
    let found = findings_in(&report, "azuredeploy.json");
    assert!(
        found.iter().any(|(rule, message)| rule == "IG002"
            && message.contains("evaluation step budget (40000 steps per file) exhausted")),
        "{found:?}"
    );
    neighbour_judged(&report);
}

#[test]
fn linked_templates_share_one_byte_budget_per_file() {
    // Two linked templates of 640 KiB each (a golden VM and 640 KiB of spaces), at a limit of
    // 1 MiB per file and 1 MiB of linked templates per file (production: 40 MiB each against
    // 64 MiB and 64 MiB): each is within the loader's limit, together they are beyond what a
    // file may read through its links (64 of them could otherwise hold 4 GiB in memory at
    // once). The first is judged through the link; the second is an IG002 on its deployment
    // naming the limit, and, being a walked file itself, is still judged on its own.
    let limits = Limits {
        max_file_bytes: 1024 * 1024,
        max_linked_bytes: 1024 * 1024,
        ..Limits::default()
    };
    let padded = |name: &str| {
        let mut text = golden_vm(name);
        text.push_str(&" ".repeat(640 * 1024));
        text
    };
    let repo = Repo::new();
    repo.write("nested/a.json", padded("vm-a"));
    repo.write("nested/b.json", padded("vm-b"));
    let links = [
        linked_deployment("a", "nested/a.json", ""),
        linked_deployment("b", "nested/b.json", ""),
    ];
    repo.write("azuredeploy.json", arm_template("", "", &links.join(",")));
    neighbour(&repo);
    let report = check_with_limits(repo.path(), limits);
    let message = only_finding(&report, "azuredeploy.json", "IG002");
    assert!(
        message.contains(
            "`nested/b.json` is beyond the limit of 1 MiB of linked templates read for one file"
        ),
        "{message}"
    );
    let vms: Vec<&str> = report["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .filter(|r| r["status"] == "compliant")
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert_eq!(vms, ["vm-a", "vm-b"], "{report:#}");
    neighbour_judged(&report);
}

#[test]
fn a_module_shared_between_callers_reads_within_each_callers_budget() {
    // A module is lowered once per thread and run and shared with its next caller (#28),
    // with the bytes of the files its lowering read: a caller takes it only when those bytes
    // fit in its own budget. Two callers of one module that loads its image from a data file
    // (`loadJsonContent`, counted in the caller's budget of linked bytes: 64 KiB here,
    // 64 MiB in production), judged one after the other on one thread: `a` has the room,
    // `b` has spent 60 KiB on a text file of its own, so the data file is beyond its budget
    // and the image is an IG002 naming the limit in `b`'s context, not `a`'s answer again.
    // https://learn.microsoft.com/azure/azure-resource-manager/bicep/bicep-functions-files#loadjsoncontent
    let limits = Limits {
        max_linked_bytes: 64 * 1024,
        ..Limits::default()
    };
    let repo = Repo::new();
    let caller = |text: &str| {
        format!(
            "var note = loadTextContent('{text}')\nmodule m '../shared/mod.bicep' = {{\n  name: 'm'\n}}\n"
        )
    };
    repo.write("a/main.bicep", caller("small.txt"));
    repo.write("a/small.txt", "a note");
    repo.write("b/main.bicep", caller("big.txt"));
    repo.write("b/big.txt", "x".repeat(60 * 1024));
    let image = r#"{"publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server", "version": "latest"}"#;
    repo.write(
        "shared/data.json",
        format!("{image}{}", " ".repeat(8 * 1024)),
    );
    repo.write(
        "shared/mod.bicep",
        "var image = loadJsonContent('data.json')
resource vm 'Microsoft.Compute/virtualMachines@2024-03-01' = {
  name: 'vm'
  location: 'westeurope'
  properties: {
    storageProfile: {
      imageReference: image
    }
  }
}
",
    );
    let (report, _) = check_with_limits_on(repo.path(), limits, 1);
    let found: Vec<(String, String)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or_default().to_owned();
            (s("rule"), s("message"))
        })
        .collect();
    assert!(
        found.iter().any(|(rule, _)| rule == "IG001"),
        "the module's image in `a`'s context: {found:#?}"
    );
    assert!(
        found.iter().any(|(rule, message)| rule == "IG002"
            && message.contains("budget of files read for one file")),
        "the module's data file beyond `b`'s budget: {found:#?}"
    );
}

/// A Bicep VM named `name` whose image ID is the Bicep expression `id`, after `prelude`.
fn bicep_vm(prelude: &str, name: &str, id: &str) -> String {
    format!(
        "{prelude}
resource {name} 'Microsoft.Compute/virtualMachines@2024-03-01' = {{
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
fn bicep_files_beyond_the_token_limit_are_refused_not_held() {
    // A Bicep file holding an unused array of 1,000 zeros (2,000 tokens), at a limit of
    // 1,000 tokens per file (production: 64 MB of zeros, 32 M tokens, against 4,000,000; it
    // used to take over 7 GB to hold its syntax tree), is refused with an IG000 naming the
    // limit before its tree is built, like a JSON document beyond its value limit; a
    // `.bicepparam` file likewise. The rest of the run is judged, and a file within the
    // limit is.
    let limits = Limits {
        max_syntax_tokens: 1_000,
        ..Limits::default()
    };
    let zeros = "0\n".repeat(1_000);
    let golden = format!("'{GOLDEN_VERSION}'");
    let repo = Repo::new();
    let big = format!("var unused = [\n{zeros}]\n");
    repo.write("big/main.bicep", bicep_vm(&big, "vm", &golden));
    repo.write(
        "params/main.bicep",
        bicep_vm("param image string", "vm", "image"),
    );
    repo.write(
        "params/main.bicepparam",
        format!("using 'main.bicep'\nparam image = {golden}\nvar unused = [\n{zeros}]\n"),
    );
    let small = format!("var unused = [\n{}]\n", "0\n".repeat(100));
    repo.write("small/main.bicep", bicep_vm(&small, "vm", &golden));
    neighbour(&repo);
    let report = check_with_limits(repo.path(), limits);
    let limit = "more than 1000 tokens in one file: too large to analyse";
    for path in ["big/main.bicep", "params/main.bicepparam"] {
        let found = findings_in(&report, path);
        assert!(
            found.len() == 1 && found[0].0 == "IG000" && found[0].1.contains(limit),
            "{path}: {found:?}"
        );
    }
    assert_eq!(findings_in(&report, "small/main.bicep"), []);
    neighbour_judged(&report);
}

#[test]
fn objects_with_many_keys_are_built_in_linear_time() {
    // Objects of 100,000 keys, read for an image: an ARM variable, a Bicep variable, a Bicep
    // object spread into another (`shallowMerge`), an ARM `union`, a Terraform plan attribute
    // with its `after_sensitive` and `after_unknown` marks, and 100,000 properties of a Bicep
    // resource each read by a variable. Each key used to be searched for among the keys
    // before it (24 to 40 s each in a release build, minutes in a debug one); each is found
    // by hashing now, and the last key's value is the image, as ARM and Bicep read it. The
    // timeout only keeps a regression from hanging the suite (these take about a second).
    let n = 100_000;
    let last = n - 1;
    let keys: Vec<String> = (0..n).map(|i| format!(r#""k{i}": "v{i}""#)).collect();
    let object = format!("{{{}}}", keys.join(","));
    let bicep_object: String = (0..n).map(|i| format!("  k{i}: 'v{i}'\n")).collect();
    let repo = Repo::new();
    let vm = |id: &str| arm_vm("vm", &format!(r#"{{ "id": "{id}" }}"#), "");
    repo.write(
        "arm/azuredeploy.json",
        arm_template(
            "",
            &format!(r#""o": {object}"#),
            &vm(&format!("[variables('o').k{last}]")),
        ),
    );
    repo.write(
        "union/azuredeploy.json",
        arm_template(
            "",
            &format!(r#""o": {object}, "p": {object}"#),
            &vm(&format!("[union(variables('o'), variables('p')).k{last}]")),
        ),
    );
    repo.write(
        "bicep/main.bicep",
        bicep_vm(
            &format!("var o = {{\n{bicep_object}}}"),
            "vm",
            &format!("o.k{last}"),
        ),
    );
    repo.write(
        "spread/main.bicep",
        bicep_vm(
            &format!("var o = {{\n{bicep_object}}}\nvar p = {{\n  ...o\n  x: 'y'\n}}"),
            "vm",
            &format!("p.k{last}"),
        ),
    );
    let reads: String = (0..n)
        .map(|i| format!("var r{i} = st.properties.k{i}\n"))
        .collect();
    repo.write(
        "properties/main.bicep",
        bicep_vm(
            &format!(
                "resource st 'Microsoft.Storage/storageAccounts@2023-01-01' = {{\n  name: 'st'\n  location: 'westeurope'\n  properties: {{\n{bicep_object}  }}\n}}\n{reads}"
            ),
            "vm",
            &format!("r{last}"),
        ),
    );
    let marks: Vec<String> = (0..n).map(|i| format!(r#""k{i}": false"#)).collect();
    let marks = format!("{{{}}}", marks.join(","));
    repo.write(
        "plan/tfplan.json",
        format!(
            r#"{{"format_version":"1.2","terraform_version":"1.9.5","resource_changes":[{{"address":"azurerm_linux_virtual_machine.vm","mode":"managed","type":"azurerm_linux_virtual_machine","name":"vm","provider_name":"registry.terraform.io/hashicorp/azurerm","change":{{"actions":["create"],"before":null,"after":{{"name":"vm","source_image_id":"v{last}","tags":{object}}},"after_unknown":{{"tags":{marks}}},"before_sensitive":false,"after_sensitive":{{"tags":{marks}}}}}}}],"configuration":{{"root_module":{{"resources":[]}}}}}}"#
        ),
    );
    let report = check_bounded(&repo);
    for path in [
        "arm/azuredeploy.json",
        "union/azuredeploy.json",
        "bicep/main.bicep",
        "spread/main.bicep",
        "properties/main.bicep",
        "plan/tfplan.json",
    ] {
        let message = only_finding(&report, path, "IG001");
        assert!(message.contains(&format!("`v{last}`")), "{path}: {message}");
    }
}

#[test]
fn strings_whose_unknown_parts_double_stay_small() {
    // 32 variables each interpolating the previous one twice (`'${a}-${a}'`, Bicep's
    // string interpolation: https://learn.microsoft.com/azure/azure-resource-manager/bicep/data-types#strings),
    // from a parameter nobody sets: every level doubled the string's unknown parts, each
    // holding the chain of variables it came through, and no budget weighed them (a string
    // of 2^k holes weighed 1), so 64 levels reached 3.7 GB and aborted the run (32 here: 4 billion holes); ARM's
    // `concat` (16 levels here) likewise, without even the string budget's bound on its
    // pieces. Now a string of more than 64 holes is unknown as a whole, for its first
    // hole's reason, and what holes and reasons hold is weighed and charged: the VM's image
    // is unresolved for the parameter nobody sets, the report stays small, and the other
    // files are judged. (At the small limits here, which the same shapes reach in
    // milliseconds, the string budget used to cut them short instead: production limits
    // let them run out of memory.)
    let limits = Limits {
        max_value_weight: 20_000,
        max_string: 10_000,
        ..Limits::default()
    };
    let mut bicep = String::from("param p string\nvar a0 = p\n");
    for i in 1..=32 {
        bicep.push_str(&format!("var a{i} = '${{a{}}}-${{a{}}}'\n", i - 1, i - 1));
    }
    let mut variables = vec![r#""a0": "[parameters('p')]""#.to_owned()];
    for i in 1..=16 {
        variables.push(format!(
            r#""a{i}": "[concat(variables('a{}'), '-', variables('a{}'))]""#,
            i - 1,
            i - 1
        ));
    }
    let repo = Repo::new();
    repo.write("bicep/main.bicep", bicep_vm(&bicep, "vm", "a32"));
    repo.write(
        "arm/azuredeploy.json",
        arm_template(
            r#""p": { "type": "string" }"#,
            &variables.join(","),
            &arm_vm("vm", r#"{ "id": "[variables('a16')]" }"#, ""),
        ),
    );
    neighbour(&repo);
    let report = check_with_limits(repo.path(), limits);
    for (path, last) in [("bicep/main.bicep", "a32"), ("arm/azuredeploy.json", "a16")] {
        let message = only_finding(&report, path, "IG002");
        assert!(
            message.contains(&format!(
                "cannot be determined offline: variable '{last}' ← "
            )) && message.ends_with("parameter 'p' has no default and no parameter file sets it"),
            "{path}: {message}"
        );
    }
    let written = report.to_string().len();
    assert!(written < 100_000, "{written} bytes");
    neighbour_judged(&report);
}

#[test]
fn each_instance_of_a_linked_template_or_module_takes_a_resource_of_the_file() {
    // Nine templates each deploying the next three times, as linked templates (ARM,
    // `templateLink.relativePath`) and as modules (Bicep), with storage accounts at the end:
    // 3^8 = 6,561 deployments and as many storage accounts, none of which has an image, so
    // no resource budget stopped them; at a budget of 100 resources (production: 21 files,
    // 3^20 instances, against 20,000, which reached 3 GB). Each linked or module instance
    // is a resource of the file now (a deployment is a `Microsoft.Resources/deployments`
    // resource: https://learn.microsoft.com/azure/azure-resource-manager/templates/linked-templates),
    // so the walk stops at the file's budget and says so; the VM declared after the
    // deployments is left out with them, never passed.
    let limits = Limits {
        max_resources: 100,
        ..Limits::default()
    };
    let storage = r#"{
      "type": "Microsoft.Storage/storageAccounts",
      "apiVersion": "2023-01-01",
      "name": "st",
      "location": "westeurope",
      "kind": "StorageV2",
      "sku": { "name": "Standard_LRS" }
    }"#;
    let repo = Repo::new();
    let golden = format!(r#"{{ "id": "{GOLDEN_VERSION}" }}"#);
    for i in 0..9 {
        let mut resources: Vec<String> = if i < 8 {
            (0..3)
                .map(|k| linked_deployment(&format!("d{k}"), &format!("t{}.json", i + 1), ""))
                .collect()
        } else {
            vec![storage.to_owned()]
        };
        if i == 0 {
            resources.push(arm_vm("vm-after", &golden, ""));
        }
        repo.write(
            &format!("arm/t{i}.json"),
            arm_template("", "", &resources.join(",")),
        );
        let body = if i < 8 {
            (0..3)
                .map(|k| format!("module m{k} 'm{}.bicep' = {{\n  name: 'm{k}'\n}}\n", i + 1))
                .collect::<String>()
        } else {
            "resource st 'Microsoft.Storage/storageAccounts@2023-01-01' = {\n  name: 'st'\n  location: 'westeurope'\n  kind: 'StorageV2'\n  sku: { name: 'Standard_LRS' }\n}\n".to_owned()
        };
        let text = if i == 0 {
            bicep_vm(&body, "after", &format!("'{GOLDEN_VERSION}'"))
        } else {
            body
        };
        repo.write(&format!("bicep/m{i}.bicep"), text);
    }
    neighbour(&repo);
    let report = check_with_limits(repo.path(), limits);
    // Said at the deployment the walk stopped at, deployed through those around it up to the
    // walked file.
    for walked in ["arm/t0.json", "bicep/m0.bicep"] {
        let budget = report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| {
                f["rule"] == "IG002"
                    && f["message"].as_str().unwrap_or_default().contains(
                        "resource budget reached: only the first 100 resources of the file are judged",
                    )
            })
            .filter(|f| {
                f["related"]
                    .as_array()
                    .is_some_and(|r| r.iter().any(|l| l["path"] == walked))
            })
            .count();
        assert_eq!(budget, 1, "{walked}: {report:#}");
    }
    let after: Vec<&serde_json::Value> = report["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .filter(|r| r["name"] == "vm-after" || r["name"] == "after")
        .filter(|r| r["status"] == "compliant")
        .collect();
    assert_eq!(after, Vec::<&serde_json::Value>::new());
    neighbour_judged(&report);

    // Within the budget (two levels: 9 deployments and 9 storage accounts of each file),
    // everything is walked and the VMs after are judged.
    let limits = Limits {
        max_resources: 100,
        ..Limits::default()
    };
    let repo = Repo::new();
    for i in 0..3 {
        let mut resources: Vec<String> = if i < 2 {
            (0..3)
                .map(|k| linked_deployment(&format!("d{k}"), &format!("t{}.json", i + 1), ""))
                .collect()
        } else {
            vec![storage.to_owned()]
        };
        if i == 0 {
            resources.push(arm_vm("vm-after", &golden, ""));
        }
        repo.write(
            &format!("arm/t{i}.json"),
            arm_template("", "", &resources.join(",")),
        );
    }
    let report = check_with_limits(repo.path(), limits);
    assert_eq!(findings_in(&report, "arm/t0.json"), []);
    assert_eq!(resource_statuses(&report), ["compliant"]);
}
