//! Reads outside the roots (#24): a path that leads outside the scanned roots is refused with
//! the same words whether or not a file is there, so a pull request cannot learn what exists
//! on the machine that judges it (`~/.ssh/id_rsa`, a runner's secrets file) from the report.
//!
//! Each case is a repository under `repo/` (the root scanned) whose files name a path under
//! `outside/`, beside it: Bicep's `load*Content()` (<https://learn.microsoft.com/azure/azure-resource-manager/bicep/bicep-functions-files>),
//! modules and `import`, a `.bicepparam`'s `using` and `extends`
//! (<https://learn.microsoft.com/azure/azure-resource-manager/bicep/bicep-using>), a
//! `bicepconfig.json`'s `extends` and one that is a link out, an ARM linked template
//! (`relativePath`, <https://learn.microsoft.com/azure/azure-resource-manager/templates/linked-templates>),
//! the config's `[parameter_files]` and `[links]`, a link inside the repository that leads
//! out, and standard input named with `--stdin-filename`. Each is run twice, once with the
//! outside files there and once without: both streams and the exit code must be the same.

use crate::common::Repo;

/// A VM whose image is the parameter or variable `image` (Bicep).
const BICEP_VM: &str = "resource vm 'Microsoft.Compute/virtualMachines@2024-03-01' = {\n  name: 'vm'\n  location: 'westeurope'\n  properties: {\n    storageProfile: {\n      imageReference: image\n    }\n  }\n}\n";

/// A Marketplace image reference (JSON).
const IMAGE: &str = r#"{ "publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2", "version": "latest" }"#;

/// An ARM template deploying a nested deployment linked by `link` (`"relativePath": …` or
/// `"uri": …`).
fn arm_linking(link: &str) -> String {
    format!(
        r#"{{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {{
      "type": "Microsoft.Resources/deployments",
      "apiVersion": "2022-09-01",
      "name": "linked",
      "properties": {{
        "mode": "Incremental",
        "templateLink": {{ {link} }}
      }}
    }}
  ]
}}
"#
    )
}

/// An ARM template with a VM whose image is the parameter `image`.
fn arm_vm_parameter() -> String {
    r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": { "image": { "type": "object" } },
  "resources": [
    {
      "type": "Microsoft.Compute/virtualMachines",
      "apiVersion": "2024-03-01",
      "name": "vm",
      "location": "westeurope",
      "properties": { "storageProfile": { "imageReference": "[parameters('image')]" } }
    }
  ]
}
"#
    .to_string()
}

/// One repository: its files under `repo/`, the files under `outside/` its paths name, and
/// symbolic links (`repo/…` → a path relative to the link) made in both runs.
struct Case {
    name: &'static str,
    files: Vec<(&'static str, String)>,
    outside: Vec<(&'static str, String)>,
    links: Vec<(&'static str, &'static str)>,
    /// The command line after `imagegate` (run in the folder holding `repo/` and `outside/`).
    args: Vec<&'static str>,
    /// Standard input.
    stdin: Option<String>,
}

/// Runs `case` with the outside files there (`present`) or not: the exit code and both
/// streams.
fn run(case: &Case, present: bool) -> (Option<i32>, String, String) {
    let base = Repo::new();
    for (path, text) in &case.files {
        base.write(&format!("repo/{path}"), text);
    }
    std::fs::create_dir_all(base.path().join("outside")).unwrap();
    if present {
        for (path, text) in &case.outside {
            base.write(&format!("outside/{path}"), text);
        }
    }
    for (link, target) in &case.links {
        let at = base.path().join("repo").join(link);
        std::fs::create_dir_all(at.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(target, at).unwrap();
    }
    let mut cmd = base.imagegate(&case.args);
    if let Some(input) = &case.stdin {
        cmd.write_stdin(input.as_bytes().to_vec());
    }
    let output = cmd.output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Asserts that `case` reads the same with and without the outside files, and returns what
/// it reads (stdout and stderr together).
fn same_whether_or_not_it_exists(case: &Case) -> String {
    let there = run(case, true);
    let missing = run(case, false);
    assert_eq!(
        there, missing,
        "{}: the output tells whether a file outside the roots exists",
        case.name
    );
    format!("{}\n{}", there.1, there.2)
}

fn case(name: &'static str, files: Vec<(&'static str, String)>) -> Case {
    Case {
        name,
        files,
        outside: Vec::new(),
        links: Vec::new(),
        args: vec!["check", "repo", "--format", "json", "--verbose"],
        stdin: None,
    }
}

#[test]
fn bicep_file_functions_modules_and_imports() {
    let mut load = case(
        "loadJsonContent",
        vec![(
            "main.bicep",
            format!("var image = loadJsonContent('../outside/image.json')\n{BICEP_VM}"),
        )],
    );
    load.outside = vec![("image.json", IMAGE.to_string())];
    let out = same_whether_or_not_it_exists(&load);
    assert!(out.contains("outside the scanned roots"), "{out}");

    let mut text = case(
        "loadTextContent",
        vec![(
            "main.bicep",
            format!(
                "var image = {{\n  id: loadTextContent('../outside/image-id.txt')\n}}\n{BICEP_VM}"
            ),
        )],
    );
    text.outside = vec![(
        "image-id.txt",
        "/subscriptions/x/resourceGroups/y/providers/Microsoft.Compute/galleries/g/images/i/versions/1.0.0".to_string(),
    )];
    same_whether_or_not_it_exists(&text);

    let mut module = case(
        "module",
        vec![(
            "main.bicep",
            "module vms '../outside/vm.bicep' = {\n  name: 'vms'\n}\n".to_string(),
        )],
    );
    module.outside = vec![(
        "vm.bicep",
        format!(
            "var image = {{ id: '/subscriptions/x/resourceGroups/y/providers/Microsoft.Compute/images/z' }}\n{BICEP_VM}"
        ),
    )];
    same_whether_or_not_it_exists(&module);

    let mut import = case(
        "import",
        vec![(
            "main.bicep",
            format!("import {{ image }} from '../outside/images.bicep'\n{BICEP_VM}"),
        )],
    );
    import.outside = vec![(
        "images.bicep",
        format!("@export()\nvar image = {IMAGE}\n").replace('"', "'"),
    )];
    same_whether_or_not_it_exists(&import);
}

#[test]
fn bicepparam_using_and_extends() {
    let mut using = case(
        "using",
        vec![(
            "env/prod.bicepparam",
            "using '../../outside/main.bicep'\n\nparam image = {}\n".to_string(),
        )],
    );
    using.outside = vec![("main.bicep", format!("param image object\n{BICEP_VM}"))];
    let out = same_whether_or_not_it_exists(&using);
    assert!(out.contains("outside the scanned roots"), "{out}");

    let mut extends = case(
        "extends",
        vec![
            ("main.bicep", format!("param image object\n{BICEP_VM}")),
            (
                "main.bicepparam",
                "using 'main.bicep'\nextends '../outside/base.bicepparam'\n".to_string(),
            ),
        ],
    );
    extends.outside = vec![(
        "base.bicepparam",
        format!("using none\n\nparam image = {IMAGE}\n").replace("\"", "'"),
    )];
    same_whether_or_not_it_exists(&extends);
}

#[test]
fn bicepconfig_extends_and_a_bicepconfig_linked_out() {
    // A registry module: the Bicep configuration is read for its alias and cache.
    let vm = format!(
        "var image = {IMAGE}\n{BICEP_VM}module m 'br:example.azurecr.io/bicep/vm:1.0.0' = {{\n  name: 'm'\n}}\n"
    )
    .replace("\"", "'");
    let mut extends = case(
        "bicepconfig extends",
        vec![
            ("main.bicep", vm.clone()),
            (
                "bicepconfig.json",
                r#"{ "extends": "../outside/bicepconfig.json" }"#.to_string(),
            ),
        ],
    );
    extends.outside = vec![("bicepconfig.json", "{}".to_string())];
    let out = same_whether_or_not_it_exists(&extends);
    assert!(out.contains("outside the scanned roots"), "{out}");

    let mut linked = case("bicepconfig linked out", vec![("main.bicep", vm)]);
    linked.outside = vec![("bicepconfig.json", "{}".to_string())];
    linked.links = vec![("bicepconfig.json", "../outside/bicepconfig.json")];
    same_whether_or_not_it_exists(&linked);
}

#[test]
fn arm_links_and_the_configs_mappings() {
    let mut relative = case(
        "relativePath",
        vec![(
            "main.json",
            arm_linking(r#""relativePath": "../outside/linked.json""#),
        )],
    );
    relative.outside = vec![("linked.json", arm_vm_parameter())];
    let out = same_whether_or_not_it_exists(&relative);
    assert!(out.contains("outside the scanned roots"), "{out}");

    let mut mapped = case(
        "[links]",
        vec![
            (
                "main.json",
                arm_linking(r#""uri": "https://example.com/templates/linked.json""#),
            ),
            (
                "imagegate.toml",
                "[links]\n\"https://example.com/templates/\" = \"../outside/\"\n".to_string(),
            ),
        ],
    );
    mapped.outside = vec![("linked.json", arm_vm_parameter())];
    same_whether_or_not_it_exists(&mapped);

    let mut parameters = case(
        "[parameter_files]",
        vec![
            ("main.json", arm_vm_parameter()),
            (
                "imagegate.toml",
                "[parameter_files]\n\"main.json\" = [\"../outside/prod.json\"]\n".to_string(),
            ),
        ],
    );
    parameters.outside = vec![(
        "prod.json",
        format!(r#"{{ "parameters": {{ "image": {{ "value": {IMAGE} }} }} }}"#),
    )];
    let out = same_whether_or_not_it_exists(&parameters);
    assert!(out.contains("outside the scanned roots"), "{out}");
}

#[test]
fn a_link_inside_the_repository_that_leads_out() {
    let mut link = case(
        "a link out",
        vec![(
            "main.bicep",
            format!("var image = loadJsonContent('data/image.json')\n{BICEP_VM}"),
        )],
    );
    link.outside = vec![("image.json", IMAGE.to_string())];
    link.links = vec![("data/image.json", "../../outside/image.json")];
    let out = same_whether_or_not_it_exists(&link);
    assert!(out.contains("outside the scanned roots"), "{out}");
    // A folder linked out.
    let mut folder = case(
        "a folder linked out",
        vec![(
            "main.bicep",
            format!("var image = loadJsonContent('data/image.json')\n{BICEP_VM}"),
        )],
    );
    folder.outside = vec![("image.json", IMAGE.to_string())];
    folder.links = vec![("data", "../outside")];
    same_whether_or_not_it_exists(&folder);
}

#[test]
fn standard_input_named_with_stdin_filename() {
    let mut piped = case("--stdin-filename", vec![("keep.txt", String::new())]);
    piped.args = vec![
        "check",
        "--format",
        "json",
        "--verbose",
        "--stdin-filename",
        "repo/main.bicep",
    ];
    piped.stdin = Some(format!(
        "var image = loadJsonContent('../outside/image.json')\n{BICEP_VM}"
    ));
    piped.outside = vec![("image.json", IMAGE.to_string())];
    same_whether_or_not_it_exists(&piped);
}
