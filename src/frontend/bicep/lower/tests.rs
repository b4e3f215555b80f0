//! The lowering never panics, whatever it is given.
use super::*;

/// A reader whose every file is one small Bicep file with outputs and exported variables,
/// so module outputs and imports are lowered too.
struct Fixed;

impl ReadBeside for Fixed {
    fn read(&self, _relative: &str) -> Result<String, String> {
        Ok("param p string = 'a'\nvar v = [for x in [p, p]: x]\n@export()\nvar e = { id: '${p}/${v[0]}' }\noutput o string = '${p}${v[1]}'\n".into())
    }
}

/// Lines and pieces of Bicep that reach every path of the lowering.
const PIECES: &[&str] = &[
    "param p string = 'x'\n",
    "param q object\n",
    "@allowed(['a', 'b'])\nparam a string\n",
    "var v = [for (x, i) in range(0, 3): { id: '${x}-${i}' }]\n",
    "var w = v[0].?id ?? p\n",
    "func f(s string) string => '${s}!'\n",
    "import { e as imported } from 'lib.bicep'\n",
    "import * as ns from 'lib.bicep'\n",
    "module m 'mod.bicep' = { name: 'm', params: { p: p } }\n",
    "module ms 'mod.bicep' = [for x in v: { name: x.id, params: { p: x.id } }]\n",
    "resource g 'Microsoft.Compute/galleries@2023-07-03' existing = { name: 'g'\n  resource d 'images' existing = { name: p }\n}\n",
    "resource vm 'Microsoft.Compute/virtualMachines@2024-03-01' = {\n  name: f(p)\n  properties: { storageProfile: { imageReference: ",
    "resource vms 'Microsoft.Compute/virtualMachines@2024-03-01' = [for x in v: if (x != null) {\n  name: x.id\n  properties: { storageProfile: { imageReference: ",
    "{ id: g::d.id }",
    "{ id: m.outputs.o }",
    "{ id: ms[0].outputs.o }",
    "imported",
    "ns.e",
    "loadJsonContent('x.json', '$.a[0]')",
    "vm.properties.storageProfile",
    "[...v, { ...q }]",
    "x",
    " } }\n}\n",
    "}]\n",
    "\n",
    "(",
    ")",
    "{",
    "}",
    "'",
    "${",
];

proptest::proptest! {
    /// Soups of declarations: lowering never panics and always ends.
    #[test]
    fn lowering_never_panics(
        pieces in proptest::collection::vec(proptest::sample::select(PIECES), 0..40)
    ) {
        let text = pieces.concat();
        let parsed = super::super::parser::parse(&text);
        let damaged: Vec<_> = parsed.errors.iter().map(|e| e.at.clone()).collect();
        let template = template(parsed.root(), FileId(0), &text, &damaged, &Fixed);
        proptest::prop_assert!(template.resources.len() <= text.len());
    }
}

/// Where values read from other files are located (`import`, `load*Content`), with a reader
/// that adds the files it reads to the run's files (ids 1, 2, … in the order of `files`) or
/// one that does not.
mod located {
    use super::*;
    use crate::eval::{DeploymentScope, ParameterValues, Scope};
    use crate::value::Value;

    /// Files by the path they are named by: their text, and whether the reader gives them
    /// an id.
    struct Files {
        files: Vec<(&'static str, &'static str)>,
        ids: bool,
    }

    impl ReadBeside for Files {
        fn read(&self, relative: &str) -> Result<String, String> {
            self.read_source(relative).map(|(text, _)| text)
        }

        fn read_source(&self, relative: &str) -> Result<(String, Option<FileId>), String> {
            let (i, (_, text)) = self
                .files
                .iter()
                .enumerate()
                .find(|(_, (path, _))| *path == relative)
                .ok_or("no such file")?;
            let id = self.ids.then_some(FileId(i as u32 + 1));
            Ok(((*text).to_owned(), id))
        }
    }

    const SHARED: &str = "@export()
var marketplace = {
  publisher: 'MicrosoftWindowsServer'
  offer: 'WindowsServer'
  sku: '2019-Datacenter'
  version: 'latest'
}

var gallery = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Compute/galleries/g'

@export()
var golden = {
  id: '${gallery}/images/ubuntu/versions/1.0.0'
}
";

    const IMAGES: &str = r#"{
  "jump": {
    "publisher": "Canonical",
    "offer": "0001-com-ubuntu-server-jammy",
    "sku": "22_04-lts"
  }
}
"#;

    const ID: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Compute/images/build";

    /// A virtual machine named `name` booting from `image` (Bicep).
    fn vm(name: &str, image: &str) -> String {
        format!(
            "resource {name} 'Microsoft.Compute/virtualMachines@2024-03-01' = {{\n  name: '{name}'\n  properties: {{\n    storageProfile: {{\n      imageReference: {image}\n    }}\n  }}\n}}\n"
        )
    }

    /// The image value of each virtual machine of `main`, lowered with `files` and evaluated.
    fn images(main: &str, ids: bool) -> Vec<Value> {
        let files = Files {
            files: vec![
                ("shared/images.bicep", SHARED),
                ("images.json", IMAGES),
                ("id.txt", ID),
            ],
            ids,
        };
        let parsed = super::super::super::parser::parse(main);
        let template = template(parsed.root(), FileId(0), main, &[], &files);
        let scope = Scope::new(
            &template,
            ParameterValues::new(),
            DeploymentScope::default(),
        );
        template
            .resources
            .iter()
            .map(|r| {
                let body = scope.eval_node(r.body.as_ref().expect("a body"));
                ["properties", "storageProfile", "imageReference"]
                    .iter()
                    .try_fold(&body, |v, key| v.get(key))
                    .expect("an image")
                    .clone()
            })
            .collect()
    }

    /// The text a span covers, in file 0 (`main`) or in one of the files read.
    fn text_at(main: &str, span: crate::source::Span) -> String {
        let text = match span.file.0 {
            0 => main,
            1 => SHARED,
            2 => IMAGES,
            _ => ID,
        };
        text[span.start as usize..span.end as usize].to_owned()
    }

    const MAIN: &str = "import { marketplace, golden } from 'shared/images.bicep'
var images = loadJsonContent('images.json')
var jump = loadJsonContent('images.json', '$.jump')
";

    fn main_text() -> String {
        format!(
            "{MAIN}\n{}{}{}{}{}",
            vm("imported", "marketplace"),
            vm("built", "golden"),
            vm("loaded", "images.jump"),
            vm("selected", "jump"),
            vm("text", "{\n        id: loadTextContent('id.txt')\n      }"),
        )
    }

    #[test]
    fn values_of_files_the_reader_adds_are_located_in_them() {
        // https://learn.microsoft.com/azure/azure-resource-manager/bicep/bicep-import and
        // https://learn.microsoft.com/azure/azure-resource-manager/bicep/bicep-functions-files:
        // both are evaluated at compile time from the other file's text.
        let main = main_text();
        let found = images(&main, true);
        assert_eq!(found.len(), 5);
        let [imported, built, loaded, selected, text] = found.as_slice() else {
            unreachable!()
        };
        // The imported object, and each of its fields, where `shared/images.bicep` writes it.
        let literal = |v: &Value| v.origin.literal.expect("a literal");
        assert_eq!(literal(imported).file, FileId(1));
        assert!(text_at(&main, literal(imported)).starts_with("{\n  publisher:"));
        let sku = imported.get("sku").expect("sku");
        assert_eq!(text_at(&main, literal(sku)), "'2019-Datacenter'");
        // It came through the imported variable, declared there.
        let hop = &imported.origin.hops[0];
        assert_eq!(hop.via.to_string(), "variable 'marketplace'");
        assert_eq!(
            (hop.span.file, text_at(&main, hop.span).as_str()),
            (FileId(1), "marketplace")
        );
        // A name the variable uses in its own file is lowered in place: the ID is built from
        // the file's other variable, the whole string has no one literal, and it is written
        // in `shared/images.bicep`.
        let id = built.get("id").expect("id");
        assert_eq!(
            id.as_str(),
            Some(
                "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/ubuntu/versions/1.0.0"
            )
        );
        assert_eq!(id.origin.site.map(|s| s.file), Some(FileId(1)));
        // A loaded JSON file's data where the file writes it, selected or not.
        for (v, what) in [(loaded, "whole"), (selected, "selected")] {
            assert_eq!(literal(v).file, FileId(2), "{what}");
            assert!(
                text_at(&main, literal(v)).starts_with("{\n    \"publisher\""),
                "{what}"
            );
            let offer = v.get("offer").expect("offer");
            assert_eq!(
                text_at(&main, literal(offer)),
                "\"0001-com-ubuntu-server-jammy\""
            );
        }
        // A loaded text file: the whole file.
        let id = text.get("id").expect("id");
        assert_eq!(id.as_str(), Some(ID));
        assert_eq!(
            (literal(id).file, text_at(&main, literal(id))),
            (FileId(3), ID.to_owned())
        );
    }

    #[test]
    fn values_of_files_the_reader_does_not_add_are_located_where_they_are_named() {
        let main = main_text();
        let found = images(&main, false);
        let [imported, _, loaded, selected, text] = found.as_slice() else {
            unreachable!()
        };
        // The same values, every part in `main`: the import declaration, the calls.
        let sku = imported.get("sku").expect("sku");
        assert_eq!(sku.as_str(), Some("2019-Datacenter"));
        let at = sku.origin.literal.expect("a literal");
        assert_eq!(at.file, FileId(0));
        assert!(text_at(&main, at).starts_with("import { marketplace"));
        // Shown by the name it is imported by, at the import.
        let hop = &imported.origin.hops[0];
        assert_eq!(hop.via.to_string(), "variable 'marketplace'");
        assert!(text_at(&main, hop.span).starts_with("import { marketplace"));
        for v in [loaded, selected] {
            let offer = v.get("offer").expect("offer");
            assert_eq!(offer.as_str(), Some("0001-com-ubuntu-server-jammy"));
            let at = offer.origin.literal.expect("a literal");
            assert_eq!(at.file, FileId(0));
            assert!(text_at(&main, at).starts_with("loadJsonContent('images.json'"));
        }
        let id = text.get("id").expect("id");
        let at = id.origin.literal.expect("a literal");
        assert_eq!(text_at(&main, at), "loadTextContent('id.txt')");
    }

    #[test]
    fn an_import_in_a_parameter_file_is_a_variable_of_its_template() {
        // `import` in a `.bicepparam` (Bicep docs, "Parameter files": imports): the value it
        // assigns is declared among the file's variables.
        let text = "using './main.bicep'\nimport { marketplace } from 'shared/images.bicep'\n\nparam image = marketplace\n";
        let parsed = super::super::super::parser::parse_params(text);
        for ids in [true, false] {
            let files = Files {
                files: vec![("shared/images.bicep", SHARED)],
                ids,
            };
            let no_environment = std::collections::BTreeMap::new();
            let lowered =
                parameter_file(parsed.root(), FileId(0), text, &[], &files, &no_environment);
            let (template, assignments) = (lowered.template, lowered.assignments);
            let scope = Scope::new(
                &template,
                ParameterValues::new(),
                DeploymentScope::default(),
            );
            let image = scope.eval_node(&assignments[0].1);
            assert_eq!(
                image.get("offer").and_then(Value::as_str),
                Some("WindowsServer"),
                "{image:?}"
            );
        }
    }
}

/// A `format()` argument's number is written as `write!` would write it.
#[test]
fn format_argument_numbers_are_decimal() {
    for n in [0, 1, 9, 10, 11, 99, 100, 1234, usize::MAX] {
        let mut out = String::from("{");
        expressions::push_decimal(&mut out, n);
        assert_eq!(out, format!("{{{n}"));
    }
}
