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
        let template = template(&parsed.root, FileId(0), &text, &damaged, &Fixed);
        proptest::prop_assert!(template.resources.len() <= text.len());
    }
}
