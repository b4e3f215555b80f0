//! Evaluator tests over small inline templates, written as ARM templates (the readable form)
//! and lowered by the ARM frontend.

use super::ir::{Node, Template};
use super::*;
use crate::frontend::arm::lower;
use crate::json::{Json, parse};
use crate::source::{FileId, Span};
use crate::value::{Cause, Kind, Subject, Value};

const F: FileId = FileId(7);

struct T {
    text: String,
    root: Json,
    template: Template,
}

fn t(text: &str) -> T {
    let root = parse(text).unwrap_or_else(|e| panic!("bad template: {e:?}"));
    T {
        text: text.to_owned(),
        template: lower::template(&root, F, text, crate::frontend::KeepPaths::none()),
        root,
    }
}

impl T {
    fn scope(&self) -> Scope<'_> {
        self.scope_with(ParameterValues::new(), DeploymentScope::default())
    }
    fn scope_with<'s>(&'s self, p: ParameterValues<'s>, d: DeploymentScope) -> Scope<'s> {
        Scope::new(&self.template, p, d)
    }
    /// A scope of its own held to `limits` (small ones: a budget reached in milliseconds).
    fn scope_within(&self, limits: Limits) -> Scope<'_> {
        Scope::with_limits(
            &self.template,
            ParameterValues::new(),
            DeploymentScope::default(),
            limits,
        )
    }
    /// Output `name`'s value, lowered.
    fn output(&self, name: &str) -> Node {
        let node = self
            .root
            .get("outputs")
            .and_then(|o| o.get(name))
            .and_then(|o| o.get("value"))
            .unwrap_or_else(|| panic!("no output {name}"));
        self.node(node)
    }
    /// Evaluates output `name`'s value.
    fn out(&self, scope: &Scope<'_>, name: &str) -> Value {
        scope.eval_node(&self.output(name))
    }
    /// A JSON value of the template lowered whole (not only what judgements read).
    fn node(&self, json: &Json) -> Node {
        lower::value(json, F, &self.text)
    }
    fn slice(&self, span: Span) -> &str {
        assert_eq!(span.file, F);
        &self.text[span.start as usize..span.end as usize]
    }
}

fn s(x: &str) -> Kind {
    Kind::Str(x.into())
}

fn why(v: &Value) -> String {
    v.first_unknown()
        .map(|w| w.explain())
        .unwrap_or_else(|| panic!("expected unknown, got {v:?}"))
}

#[test]
fn parameters_defaults_and_supplied_values() {
    let tpl = t(r#"{
      "parameters": {
        "imageId": {"type": "string", "defaultValue": "/subscriptions/s/img"},
        "os": {"type": "string"},
        "derived": {"type": "string", "defaultValue": "[concat(parameters('ImageId'), '-x')]"}
      },
      "outputs": {
        "a": {"value": "[parameters('imageId')]"},
        "b": {"value": "[parameters('os')]"},
        "c": {"value": "[parameters('derived')]"}
      }
    }"#);
    let sc = tpl.scope();
    let a = tpl.out(&sc, "a");
    assert_eq!(a.kind, s("/subscriptions/s/img"));
    assert_eq!(
        tpl.slice(a.origin.literal.unwrap()),
        "\"/subscriptions/s/img\""
    );
    assert_eq!(a.origin.hops.len(), 1);
    assert_eq!(a.origin.hops[0].via, Subject::Parameter("imageId".into()));
    assert_eq!(tpl.slice(a.origin.hops[0].span), "\"imageId\"");
    assert_eq!(
        why(&tpl.out(&sc, "b")),
        "parameter 'os' has no default and no parameter file sets it"
    );
    assert_eq!(tpl.out(&sc, "c").kind, s("/subscriptions/s/img-x"));
    assert_eq!(tpl.out(&sc, "c").origin.literal, None);

    // Supplied values (from a parameter file) override defaults and keep their own span.
    let pf_text = r#"{"parameters": {"IMAGEID": {"value": "/sub/other"}, "os": {"reference": {"keyVault": {}}}}}"#;
    let pf = parse(pf_text).unwrap();
    let supplied = crate::frontend::arm::parameter_values(&pf, FileId(9), &Limits::default());
    let sc = tpl.scope_with(supplied, DeploymentScope::default());
    let a = tpl.out(&sc, "a");
    assert_eq!(a.kind, s("/sub/other"));
    let lit = a.origin.literal.unwrap();
    assert_eq!(lit.file, FileId(9));
    assert_eq!(
        &pf_text[lit.start as usize..lit.end as usize],
        "\"/sub/other\""
    );
    assert_eq!(
        why(&tpl.out(&sc, "b")),
        "parameter 'os' is a Key Vault reference"
    );
    assert_eq!(tpl.out(&sc, "c").kind, s("/sub/other-x"));
    assert!(why(&sc.parameter_value("nope")).contains("not declared"));
}

#[test]
fn variables_chain_with_origins_and_reasons() {
    let tpl = t(r#"{
      "parameters": {"os": {"type": "string"}, "os2": {"type": "string", "defaultValue": "linux"}},
      "variables": {
        "images": {"linux": "/galleries/g/images/ubuntu", "windows": "/galleries/g/images/win"},
        "alias": "[variables('images')]",
        "picked": "[variables('alias')[parameters('os2')]]"
      },
      "outputs": {
        "unknownOs": {"value": "[variables('images')[parameters('os')]]"},
        "picked": {"value": "[variables('picked')]"},
        "member": {"value": "[variables('images').windows]"}
      }
    }"#);
    let sc = tpl.scope();
    let u = tpl.out(&sc, "unknownOs");
    assert_eq!(
        why(&u),
        "variable 'images' \u{2190} parameter 'os' has no default and no parameter file sets it"
    );
    let p = tpl.out(&sc, "picked");
    assert_eq!(p.kind, s("/galleries/g/images/ubuntu"));
    assert_eq!(
        tpl.slice(p.origin.literal.unwrap()),
        "\"/galleries/g/images/ubuntu\""
    );
    let labels: Vec<String> = p.origin.hops.iter().map(|h| h.via.to_string()).collect();
    assert_eq!(
        labels,
        ["variable 'picked'", "variable 'alias'", "variable 'images'"]
    );
    assert_eq!(tpl.slice(p.origin.hops[2].span), "\"images\"");
    let m = tpl.out(&sc, "member");
    assert_eq!(
        tpl.slice(m.origin.literal.unwrap()),
        "\"/galleries/g/images/win\""
    );
}

#[test]
fn variable_cycles_are_unknown() {
    let tpl = t(r#"{
      "variables": {"a": "[variables('b')]", "b": "[concat('x', variables('a'))]", "self": "[variables('self')]"},
      "outputs": {"a": {"value": "[variables('a')]"}, "s": {"value": "[variables('self')]"}}
    }"#);
    let sc = tpl.scope();
    let a = why(&tpl.out(&sc, "a"));
    assert!(
        a.contains("refers to itself (cycle: a \u{2192} b \u{2192} a)"),
        "{a}"
    );
    assert!(why(&tpl.out(&sc, "s")).contains("variable 'self' refers to itself"));
}

#[test]
fn copy_in_variables_and_properties() {
    let tpl = t(r#"{
      "parameters": {"n": {"type": "int", "defaultValue": 3}},
      "variables": {
        "copy": [{"name": "disks", "count": "[parameters('n')]", "input": {"lun": "[copyIndex('disks')]", "name": "[concat('d', copyIndex('disks', 1))]"}}],
        "obj": {"copy": [{"name": "items", "count": 2, "input": "[copyIndex('items')]"}], "other": 1}
      },
      "outputs": {
        "disks": {"value": "[variables('disks')]"},
        "obj": {"value": "[variables('obj')]"}
      },
      "resources": [{
        "type": "Microsoft.Compute/virtualMachines",
        "copy": {"name": "vmLoop", "count": 2},
        "name": "[concat('vm', copyIndex())]",
        "properties": {"storageProfile": {"copy": [{"name": "dataDisks", "count": 2,
           "input": {"lun": "[copyIndex('dataDisks')]", "vm": "[copyIndex('vmLoop')]"}}]}}
      }]
    }"#);
    let sc = tpl.scope();
    let disks = tpl.out(&sc, "disks");
    assert_eq!(
        disks.display(),
        "[{lun: 0, name: d1}, {lun: 1, name: d2}, {lun: 2, name: d3}]"
    );
    assert_eq!(tpl.out(&sc, "obj").display(), "{items: [0, 1], other: 1}");
    let res = &tpl.root.get("resources").unwrap().as_array().unwrap()[0];
    let r1 = sc.with_copy_index("vmLoop", 1);
    assert_eq!(
        r1.eval_node(&tpl.node(res.get("name").unwrap())).kind,
        s("vm1")
    );
    let props = r1.eval_node(&tpl.node(res.get("properties").unwrap()));
    assert_eq!(
        props.display(),
        "{storageProfile: {dataDisks: [{lun: 0, vm: 1}, {lun: 1, vm: 1}]}}"
    );
    // Outside the loop copyIndex() is unknown, with a reason.
    assert!(
        why(&sc.eval_node(&tpl.node(res.get("name").unwrap()))).contains("outside a copy loop")
    );
}

#[test]
fn user_defined_functions() {
    let tpl = t(r#"{
      "functions": [{"namespace": "img", "members": {
        "galleryId": {"parameters": [{"name": "sub", "type": "string"}, {"name": "name", "type": "string"}],
                      "output": {"type": "string", "value": "[concat('/subscriptions/', parameters('sub'), '/galleries/', toLower(parameters('name')))]"}},
        "bad": {"parameters": [], "output": {"type": "string", "value": "[variables('x')]"}},
        "loop": {"parameters": [], "output": {"type": "string", "value": "[img.loop()]"}}
      }}],
      "variables": {"x": "1"},
      "outputs": {
        "id": {"value": "[img.galleryId('s1', 'Golden')]"},
        "bad": {"value": "[img.bad()]"},
        "loop": {"value": "[IMG.LOOP()]"},
        "missing": {"value": "[img.nope()]"}
      }
    }"#);
    let sc = tpl.scope();
    assert_eq!(
        tpl.out(&sc, "id").kind,
        s("/subscriptions/s1/galleries/golden")
    );
    assert!(why(&tpl.out(&sc, "bad")).contains("cannot use variables"));
    assert!(why(&tpl.out(&sc, "loop")).contains("recursion depth budget"));
    assert!(why(&tpl.out(&sc, "missing")).contains("not declared"));
}

#[test]
fn partial_ids_with_unknown_subscription() {
    let tpl = t(r#"{
      "outputs": {
        "concat": {"value": "[concat('/subscriptions/', subscription().subscriptionId, '/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/g/images/i')]"},
        "rid": {"value": "[resourceId('rg-golden', 'Microsoft.Compute/galleries/images', 'g', 'i')]"},
        "eq": {"value": "[equals(subscription().id, '/providers/x')]"},
        "if": {"value": "[if(true(), 'a', reference('x').id)]"},
        "co": {"value": "[coalesce('x', reference('y'))]"},
        "and": {"value": "[and(false(), reference('x').ok)]"},
        "or": {"value": "[or(true(), reference('x').ok)]"},
        "ref": {"value": "[reference('x').id]"}
      }
    }"#);
    let sc = tpl.scope();
    let c = tpl.out(&sc, "concat");
    assert_eq!(
        c.display(),
        "/subscriptions/<unknown>/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/g/images/i"
    );
    assert!(why(&c).contains("deploying subscription is not known offline (set [deployment] subscription_id in imagegate.toml)"));
    assert_eq!(
        tpl.out(&sc, "rid").display(),
        "/subscriptions/<unknown>/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/g/images/i"
    );
    assert_eq!(tpl.out(&sc, "eq").kind, Kind::Bool(false));
    assert_eq!(tpl.out(&sc, "if").kind, s("a"));
    assert_eq!(tpl.out(&sc, "co").kind, s("x"));
    assert_eq!(tpl.out(&sc, "and").kind, Kind::Bool(false));
    assert_eq!(tpl.out(&sc, "or").kind, Kind::Bool(true));
    let r = tpl.out(&sc, "ref");
    assert!(why(&r).contains("reference()"), "{}", why(&r));
    // The reason is located at the call inside the string.
    let at = r.first_unknown().and_then(|w| w.span).unwrap();
    assert_eq!(tpl.slice(at), "reference('x')");

    let dep = DeploymentScope {
        subscription_id: Some("1111".into()),
        ..DeploymentScope::default()
    };
    let sc = tpl.scope_with(ParameterValues::new(), dep);
    assert_eq!(
        tpl.out(&sc, "rid").kind,
        s(
            "/subscriptions/1111/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/g/images/i"
        )
    );
}

#[test]
fn malformed_expressions_are_unknown_and_reported() {
    let tpl = t(r#"{
      "variables": {"bad": "[concat('a', ]", "escaped": "[[not an expression]", "alsoLiteral": "[x"},
      "outputs": {"bad": {"value": "[variables('bad')]"}, "e": {"value": "[variables('escaped')]"},
                  "l": {"value": "[variables('alsoLiteral')]"}}
    }"#);
    let sc = tpl.scope();
    assert!(why(&tpl.out(&sc, "bad")).starts_with("variable 'bad' \u{2190} malformed expression:"));
    // Evaluated twice, reported once.
    let _ = tpl.out(&sc, "bad");
    let errors = sc.take_errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(tpl.slice(errors[0].0), "]");
    assert!(errors[0].1.to_string().contains("expected an expression"));
    assert!(sc.take_errors().is_empty());
    assert_eq!(tpl.out(&sc, "e").kind, s("[not an expression]"));
    assert_eq!(tpl.out(&sc, "l").kind, s("[x"));
}

#[test]
fn lambdas() {
    let tpl = t(r#"{
      "variables": {
        "dogs": [{"name": "Evie", "age": 5}, {"name": "Casper", "age": 3}, {"name": "Indy", "age": 2}, {"name": "Kira", "age": 8}],
        "ages": [5, 3, 2, 8]
      },
      "outputs": {
        "old": {"value": "[filter(variables('dogs'), lambda('dog', greaterOrEquals(lambdaVariables('dog').age, 5)))]"},
        "names": {"value": "[map(variables('dogs'), lambda('dog', lambdaVariables('dog').name))]"},
        "indexed": {"value": "[map(createArray('a', 'b'), lambda('x', 'i', concat(lambdaVariables('x'), string(lambdaVariables('i')))))]"},
        "sum": {"value": "[reduce(variables('ages'), 0, lambda('cur', 'next', add(lambdaVariables('cur'), lambdaVariables('next'))))]"},
        "sorted": {"value": "[map(sort(variables('dogs'), lambda('a', 'b', less(lambdaVariables('a').age, lambdaVariables('b').age))), lambda('d', lambdaVariables('d').name))]"},
        "obj": {"value": "[toObject(variables('dogs'), lambda('d', lambdaVariables('d').name), lambda('d', lambdaVariables('d').age))]"},
        "badSort": {"value": "[sort(variables('ages'), lambda('a', 'b', 'yes'))]"},
        "stray": {"value": "[lambdaVariables('zz')]"}
      }
    }"#);
    let sc = tpl.scope();
    assert_eq!(
        tpl.out(&sc, "old").display(),
        "[{name: Evie, age: 5}, {name: Kira, age: 8}]"
    );
    assert_eq!(
        tpl.out(&sc, "names").display(),
        "[Evie, Casper, Indy, Kira]"
    );
    assert_eq!(tpl.out(&sc, "indexed").display(), "[a0, b1]");
    assert_eq!(tpl.out(&sc, "sum").kind, Kind::Int(18));
    assert_eq!(
        tpl.out(&sc, "sorted").display(),
        "[Indy, Casper, Evie, Kira]"
    );
    assert_eq!(
        tpl.out(&sc, "obj").display(),
        "{Evie: 5, Casper: 3, Indy: 2, Kira: 8}"
    );
    assert!(why(&tpl.out(&sc, "badSort")).contains("boolean"));
    assert!(why(&tpl.out(&sc, "stray")).contains("no enclosing lambda"));
}

#[test]
fn budget_billion_element_range_and_copy() {
    let tpl = t(r#"{
      "variables": {"copy": [{"name": "huge", "count": 1000000000, "input": "x"}]},
      "outputs": {
        "r": {"value": "[range(0, 1000000000)]"},
        "huge": {"value": "[variables('huge')]"},
        "prop": {"value": {"copy": [{"name": "p", "count": 2000000000, "input": 1}]}}
      }
    }"#);
    let sc = tpl.scope();
    assert!(why(&tpl.out(&sc, "r")).contains("10000"));
    assert!(why(&tpl.out(&sc, "huge")).contains("array length budget"));
    assert!(why(&tpl.out(&sc, "prop")).contains("array length budget"));
}

#[test]
fn budget_exponential_string_doubling() {
    // At small limits (the defaults are 4,000,000 steps, 1 MiB strings and 250,000 units of
    // value: see `the_default_limits_are_the_documented_ones`), so that doubling reaches them
    // in milliseconds; what stops it, and that it stops long before the steps are spent, is
    // the same.
    let limits = Limits {
        max_steps: 40_000,
        max_string: 16 * 1024,
        max_array: 1_000,
        max_value_weight: 2_500,
        ..Limits::default()
    };
    let mut vars = vec![r#""v0": "abcdefghijklmnop""#.to_owned()];
    for i in 1..40 {
        vars.push(format!(
            r#""v{i}": "[concat(variables('v{p}'), variables('v{p}'))]""#,
            p = i - 1
        ));
    }
    let text = format!(
        r#"{{"variables": {{{}}}, "outputs": {{"o": {{"value": "[length(variables('v39'))]"}}}}}}"#,
        vars.join(",")
    );
    let tpl = t(&text);
    let sc = tpl.scope_within(limits.clone());
    let o = tpl.out(&sc, "o");
    let w = why(&o);
    assert!(w.contains("budget"), "{w}");
    assert!(sc.allowance().steps_used() < limits.max_steps / 2);

    // The same with arrays: createArray of the previous twice.
    let mut vars = vec![r#""v0": [1]"#.to_owned()];
    for i in 1..60 {
        vars.push(format!(
            r#""v{i}": "[createArray(variables('v{p}'), variables('v{p}'))]""#,
            p = i - 1
        ));
    }
    let text = format!(
        r#"{{"variables": {{{}}}, "outputs": {{"o": {{"value": "[variables('v59')]"}}}}}}"#,
        vars.join(",")
    );
    let tpl = t(&text);
    let sc = tpl.scope_within(limits);
    let w = why(&tpl.out(&sc, "o"));
    assert!(w.contains("budget"), "{w}");
}

#[test]
fn budget_deep_recursion_and_steps() {
    // A chain of 5000 variables each referring to the next.
    let mut vars = Vec::new();
    for i in 0..5000 {
        vars.push(format!(r#""v{i}": "[variables('v{}')]""#, i + 1));
    }
    vars.push(r#""v5000": "end""#.to_owned());
    let text = format!(
        r#"{{"variables": {{{}}}, "outputs": {{"o": {{"value": "[variables('v0')]"}}}}}}"#,
        vars.join(",")
    );
    let tpl = t(&text);
    let sc = tpl.scope();
    let w = why(&tpl.out(&sc, "o"));
    assert!(w.contains("recursion depth budget (64)"), "{w}");

    // Step budget: a small budget runs out on a long copy loop and stays exhausted.
    let tpl = t(
        r#"{"outputs": {"o": {"value": {"copy": [{"name": "x", "count": 5000, "input": "[concat('a', string(copyIndex('x')))]"}]}}}}"#,
    );
    let limits = Limits {
        max_steps: 1000,
        ..Limits::default()
    };
    let sc = Scope::with_limits(
        &tpl.template,
        ParameterValues::new(),
        DeploymentScope::default(),
        limits,
    );
    let o = tpl.out(&sc, "o");
    assert!(
        why(&o).contains("evaluation step budget (1000 steps per file)"),
        "{}",
        why(&o)
    );
}

#[test]
fn expression_spans_map_into_the_file() {
    let tpl = t(
        r#"{"outputs": {"o": {"value": "[concat('a', utcNow())]"}, "esc": {"value": "[concat('\u0041', utcNow())]"}}}"#,
    );
    let sc = tpl.scope();
    let o = tpl.out(&sc, "o");
    let w = o.first_unknown().unwrap();
    assert_eq!(tpl.slice(w.span.unwrap()), "utcNow()");
    // With a JSON escape inside, spans fall back to the whole string literal.
    let e = tpl.out(&sc, "esc");
    let w = e.first_unknown().unwrap();
    assert_eq!(
        tpl.slice(w.span.unwrap()),
        r#""[concat('\u0041', utcNow())]""#
    );
    assert_eq!(e.display(), "A<unknown>");
}

#[test]
fn expression_property_names_and_literals_in_expressions() {
    let tpl = t(r#"{
      "parameters": {"tag": {"type": "string", "defaultValue": "env"}, "useA": {"type": "bool", "defaultValue": true}},
      "outputs": {
        "tags": {"value": {"[parameters('tag')]": "prod"}},
        "pick": {"value": "[if(parameters('useA'), '/img/a', '/img/b')]"}
      }
    }"#);
    let sc = tpl.scope();
    assert_eq!(tpl.out(&sc, "tags").display(), "{env: prod}");
    let p = tpl.out(&sc, "pick");
    assert_eq!(p.kind, s("/img/a"));
    assert_eq!(tpl.slice(p.origin.literal.unwrap()), "'/img/a'");
}

#[test]
fn worst_case_nesting_does_not_overflow_the_stack() {
    // 63 variables, each with an expression nested 120 deep referring to the next variable,
    // evaluated on a thread with a 2 MiB stack (the Rust default for spawned threads).
    let mut vars = Vec::new();
    for i in 0..63 {
        vars.push(format!(
            r#""v{i}": "[{}variables('v{}'){}]""#,
            "concat(".repeat(120),
            i + 1,
            ")".repeat(120)
        ));
    }
    vars.push(r#""v63": "end""#.to_owned());
    let deep_json = format!("{}\"[concat('a')]\"{}", "[".repeat(250), "]".repeat(250));
    let text = format!(
        r#"{{"variables": {{{}}}, "outputs": {{"o": {{"value": "[variables('v0')]"}}, "j": {{"value": {deep_json}}}}}}}"#,
        vars.join(",")
    );
    let handle = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || {
            let tpl = t(&text);
            let sc = tpl.scope();
            let o = tpl.out(&sc, "o");
            let j = tpl.out(&sc, "j");
            let reason = o.first_unknown().map(|w| w.explain());
            (o.display(), reason, j.has_unknown())
        })
        .unwrap();
    let (o, reason, j) = handle.join().unwrap();
    match reason {
        Some(r) => assert!(r.contains("budget"), "{r}"),
        None => assert_eq!(o, "end"),
    }
    assert!(!j);
}

const FUZZ_FUNCTIONS: &[&str] = &[
    "concat",
    "format",
    "string",
    "toLower",
    "toUpper",
    "replace",
    "split",
    "join",
    "substring",
    "indexOf",
    "lastIndexOf",
    "startsWith",
    "endsWith",
    "trim",
    "padLeft",
    "uniqueString",
    "guid",
    "base64",
    "base64ToString",
    "base64ToJson",
    "uri",
    "uriComponent",
    "uriComponentToString",
    "dataUri",
    "dataUriToString",
    "first",
    "last",
    "length",
    "empty",
    "contains",
    "union",
    "intersection",
    "createObject",
    "createArray",
    "json",
    "items",
    "range",
    "skip",
    "take",
    "min",
    "max",
    "array",
    "flatten",
    "objectKeys",
    "shallowMerge",
    "tryGet",
    "indexFromEnd",
    "tryIndexFromEnd",
    "if",
    "equals",
    "not",
    "and",
    "or",
    "coalesce",
    "less",
    "lessOrEquals",
    "greater",
    "greaterOrEquals",
    "int",
    "bool",
    "float",
    "add",
    "sub",
    "mul",
    "div",
    "mod",
    "resourceId",
    "subscriptionResourceId",
    "tenantResourceId",
    "extensionResourceId",
    "managementGroupResourceId",
    "copyIndex",
    "parameters",
    "variables",
    "map",
    "filter",
    "reduce",
    "sort",
    "toObject",
    "lambda",
    "lambdaVariables",
    "reference",
    "listKeys",
];

/// Cases of `evaluator_never_panics`: bounded in debug builds (`cargo test`, unoptimised), the
/// full count in release builds (`cargo test --release`).
const CASES: u32 = if cfg!(debug_assertions) { 256 } else { 400 };

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(CASES))]

    #[test]
    fn evaluator_never_panics(
        calls in proptest::collection::vec(
            (0..FUZZ_FUNCTIONS.len(), proptest::collection::vec(
                proptest::prop_oneof![
                    "'[a-zA-Z0-9/{}:,.%=é -]{0,8}'",
                    "-?[0-9]{1,3}",
                    proptest::strategy::Just("createArray(1, 'a')".to_owned()),
                    proptest::strategy::Just("createObject('a', 1)".to_owned()),
                    proptest::strategy::Just("parameters('p')".to_owned()),
                    proptest::strategy::Just("variables('v')".to_owned()),
                    proptest::strategy::Just("subscription().subscriptionId".to_owned()),
                    proptest::strategy::Just("lambda('x', lambdaVariables('x'))".to_owned()),
                    proptest::strategy::Just("null()".to_owned()),
                    proptest::strategy::Just("true()".to_owned()),
                ],
                0..4,
            )),
            1..3,
        )
    ) {
        let mut expr = String::new();
        for (f, args) in &calls {
            let call = format!("{}({})", FUZZ_FUNCTIONS[*f], args.join(", "));
            expr = if expr.is_empty() { call } else { format!("concat({expr}, {call})") };
        }
        let text = format!(
            r#"{{"parameters": {{"p": {{"type": "string", "defaultValue": "x/y"}}}}, "variables": {{"v": [1, "a"]}}, "outputs": {{"o": {{"value": "[{}]"}}}}}}"#,
            expr.replace(['\\', '"'], "")
        );
        if parse(&text).is_ok() {
            let tpl = t(&text);
            let sc = tpl.scope();
            let _ = tpl.out(&sc, "o");
        }
    }

    #[test]
    fn arbitrary_strings_never_panic(s in "\\[[a-zA-Z(),' 0-9.\\[\\]-]{0,40}\\]") {
        let text = format!(
            r#"{{"parameters": {{"a": {{"type": "int", "defaultValue": 1}}}}, "outputs": {{"o": {{"value": {}}}}}}}"#,
            serde_json::to_string(&s).unwrap()
        );
        let tpl = t(&text);
        let sc = tpl.scope();
        let _ = tpl.out(&sc, "o");
    }
}

#[test]
fn partial_resource_id_from_unknown_parameter_and_secure_types() {
    let tpl = t(r#"{
      "parameters": {
        "rg": {"type": "string"},
        "img": {"type": "securestring", "defaultValue": "ubuntu"}
      },
      "variables": {"gallery": "[resourceId(parameters('rg'), 'Microsoft.Compute/galleries/images', 'g', parameters('img'))]"},
      "outputs": {"o": {"value": "[variables('gallery')]"}}
    }"#);
    let dep = DeploymentScope {
        subscription_id: Some("s1".into()),
        ..DeploymentScope::default()
    };
    let sc = tpl.scope_with(ParameterValues::new(), dep);
    let o = tpl.out(&sc, "o");
    assert_eq!(
        o.display(),
        "/subscriptions/s1/resourceGroups/<unknown>/providers/Microsoft.Compute/galleries/g/images/ubuntu"
    );
    assert_eq!(
        why(&o),
        "variable 'gallery' \u{2190} parameter 'rg' has no default and no parameter file sets it"
    );
    assert_eq!(o.origin.literal, None);
    let mut p = ParameterValues::new();
    p.insert("rg", Value::composed(Kind::Str("rg-golden".into())));
    let sc = tpl.scope_with(p, DeploymentScope::default());
    assert_eq!(
        sc.variable_value("GALLERY").display(),
        "/subscriptions/<unknown>/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/g/images/ubuntu"
    );
}

/// A template deploying `child` (a link target) with parameter `name` = "from-parent".
const LINKING: &str = r#"{"resources": [{
    "type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "nested",
    "properties": {"mode": "Incremental", "templateLink": {"relativePath": "child.json"},
        "parameters": {"name": {"value": "from-parent"}}}}]}"#;

/// The linked template: one virtual machine named by its parameter.
const LINKED: &str = r#"{"parameters": {"name": {"type": "string"}}, "resources": [{
    "type": "Microsoft.Compute/virtualMachines", "apiVersion": "2023-03-01",
    "name": "[parameters('name')]", "location": "westeurope",
    "properties": {"storageProfile": {"imageReference": {"publisher": "Canonical",
        "offer": "ubuntu-24_04-lts", "sku": "server", "version": "latest"}}}}]}"#;

/// Expands `parent` with the linked templates of `links` (no file is read).
fn expand_linked(parent: &T, links: &Links<'_>) -> Expanded {
    let allowance = std::rc::Rc::new(Allowance::new(&Limits::default()));
    expand(
        &parent.template,
        links,
        ParameterValues::new(),
        &DeploymentScope::default(),
        &allowance,
        true,
    )
}

#[test]
fn linked_templates_are_followed_from_the_set_handed_in() {
    let parent = t(LINKING);
    let child_id = FileId(8);
    let root = parse(LINKED).unwrap();
    let child = std::rc::Rc::new(lower::template(
        &root,
        child_id,
        LINKED,
        crate::frontend::KeepPaths::none(),
    ));
    let target = LinkTarget::Relative {
        from: F,
        path: "child.json".into(),
    };
    let mut links = Links::new(&[], &["json", "jsonc"]);
    links.insert(
        target.clone(),
        LinkedTemplate {
            shown: "child.json".into(),
            template: Ok((child_id, child)),
        },
    );
    let out = expand_linked(&parent, &links);
    assert!(out.wanted.is_empty(), "{:?}", out.wanted);
    assert_eq!(out.reached, vec![target]);
    let vm = out
        .resources
        .iter()
        .find(|r| r.resource_type == "Microsoft.Compute/virtualMachines")
        .unwrap_or_else(|| panic!("{:?}", out.resources));
    // Its name is the parameter the parent passed; it is located in the linked file.
    assert_eq!(vm.name, "from-parent");
    assert_eq!(vm.span.file, child_id);
    assert_eq!(vm.deployed_by.len(), 1);
    assert!(out.unseen.is_empty(), "{:?}", out.unseen);

    // A refusal in the set is said, as the loading stage gave it.
    let mut refused = Links::new(&[], &["json", "jsonc"]);
    refused.insert(
        LinkTarget::Relative {
            from: F,
            path: "child.json".into(),
        },
        LinkedTemplate {
            shown: "child.json".into(),
            template: Err(crate::value::LinkRefusal::NotFound),
        },
    );
    let out = expand_linked(&parent, &refused);
    assert!(out.wanted.is_empty());
    assert_eq!(out.unseen.len(), 1, "{:?}", out.unseen);
    let refused = Cause::TemplateNotAvailable(crate::value::Unavailable::Refused {
        relative: "child.json".into(),
        refusal: crate::value::LinkRefusal::NotFound,
    });
    assert_eq!(*out.unseen[0].why.cause, refused);
}

#[test]
fn a_link_not_in_the_set_is_wanted_not_read() {
    // Literal: the target as written.
    let out = expand_linked(&t(LINKING), &Links::new(&[], &["json", "jsonc"]));
    let target = LinkTarget::Relative {
        from: F,
        path: "child.json".into(),
    };
    assert_eq!(out.wanted, vec![target.clone()]);
    assert_eq!(out.reached, vec![target]);
    // The deployment is left out, neither judged nor said unseen: the loading stage reads
    // the file and expands again.
    assert!(
        out.resources
            .iter()
            .all(|r| r.resource_type == "Microsoft.Resources/deployments"),
        "{:?}",
        out.resources
    );
    assert!(out.unseen.is_empty(), "{:?}", out.unseen);
    assert!(out.notes.is_empty(), "{:?}", out.notes);

    // Computed from the template's own location: the path it leads to once evaluated.
    let computed = LINKING.replace(
        r#"{"relativePath": "child.json"}"#,
        r#"{"uri": "[uri(deployment().properties.templateLink.uri, concat('nested/', 'child.json'))]"}"#,
    );
    let out = expand_linked(&t(&computed), &Links::new(&[], &["json", "jsonc"]));
    assert_eq!(
        out.wanted,
        vec![LinkTarget::Relative {
            from: F,
            path: "nested/child.json".into(),
        }]
    );
}

#[test]
fn the_default_limits_are_the_documented_ones() {
    // docs/languages.md ("Evaluation has step, size and depth budgets…"), docs/usage.md ("up to
    // 64 MiB") and docs/estate-audit.md ("1 GiB limit")
    // and the messages of the budgets name these; the tests run at smaller limits, so this is
    // where the production values are pinned.
    let limits = Limits::default();
    assert_eq!(limits.max_steps, 4_000_000);
    assert_eq!(limits.max_resources, 20_000);
    assert_eq!(limits.max_linked_bytes, 64 * 1024 * 1024);
    assert_eq!(limits.max_string, 1024 * 1024);
    assert_eq!(limits.max_array, 100_000);
    assert_eq!(limits.max_nesting, 64);
    assert_eq!(limits.max_value_weight, 250_000);
    assert_eq!(limits.max_value_depth, 200);
    assert_eq!(limits.max_stack_bytes, 1024 * 1024);
    assert_eq!(limits.max_file_bytes, 64 * 1024 * 1024);
    assert_eq!(limits.max_export_bytes, 1024 * 1024 * 1024);
    assert_eq!(limits.max_document_values, 4_000_000);
    assert_eq!(limits.max_syntax_tokens, 4_000_000);
    // What the loader and the parser hold to when no run says otherwise.
    assert_eq!(limits.max_file_bytes, crate::source::MAX_FILE_BYTES);
    assert_eq!(limits.max_export_bytes, crate::source::MAX_EXPORT_BYTES);
    assert_eq!(limits.max_document_values, crate::json::MAX_VALUES);
}

/// What a value read of the deployed template's parameters at their defaults is recorded
/// through cached variables and parameter defaults, and not for supplied values.
#[test]
fn the_parameters_read_at_their_defaults_are_tracked_through_caches() {
    let tpl = t(r#"{
      "parameters": {
        "deployVm": {"type": "bool", "defaultValue": false},
        "env": {"type": "string", "defaultValue": "dev", "allowedValues": ["dev", "prod"]},
        "derived": {"type": "bool", "defaultValue": "[parameters('deployVm')]"},
        "given": {"type": "bool", "defaultValue": false}
      },
      "variables": {
        "deploy": "[and(parameters('deployVm'), equals(parameters('env'), 'prod'))]",
        "constant": false
      },
      "outputs": {
        "viaVariable": {"type": "bool", "value": "[variables('deploy')]"},
        "viaDefault": {"type": "bool", "value": "[parameters('derived')]"},
        "constant": {"type": "bool", "value": "[variables('constant')]"},
        "given": {"type": "bool", "value": "[parameters('given')]"}
      }
    }"#);
    let mut supplied = ParameterValues::new();
    supplied.insert("given", Value::composed(Kind::Bool(true)));
    let scope = tpl.scope_with(supplied, DeploymentScope::default());
    let tracked = |name: &str| scope.eval_tracked(&tpl.output(name));
    let names = |deps: Vec<std::rc::Rc<str>>| -> Vec<String> {
        deps.iter().map(|d| d.to_string()).collect()
    };
    // The variable is evaluated (and cached) before it is tracked: its reads still count.
    let _ = tpl.out(&scope, "viaVariable");
    let (value, deps) = tracked("viaVariable");
    assert_eq!(value.kind, Kind::Bool(false));
    // `and` stops at the first false: `env` is not read.
    assert_eq!(names(deps), ["deployvm"]);
    // A default read through another parameter's default: both.
    let (_, deps) = tracked("viaDefault");
    assert_eq!(names(deps), ["deployvm", "derived"]);
    // Constants and supplied values: none.
    assert!(tracked("constant").1.is_empty());
    assert!(tracked("given").1.is_empty());
    let defaulted = scope.defaulted("deployvm").expect("read at its default");
    assert_eq!(defaulted.name, "deployVm");
    assert_eq!(defaulted.default.kind, Kind::Bool(false));
    assert!(defaulted.allowed.is_none());
    assert!(scope.defaulted("given").is_none());

    // Assuming other values: `env` is read once `deployVm` holds.
    let assumed = scope.assuming(&[("deployvm".into(), Value::composed(Kind::Bool(true)))]);
    let node = tpl.output("viaVariable");
    let (value, deps) = assumed.eval_tracked(&node);
    assert_eq!(value.kind, Kind::Bool(false));
    assert_eq!(names(deps), ["env"]);
    assert_eq!(
        scope
            .defaulted("env")
            .and_then(|e| e.allowed.clone())
            .map(|a| a.len()),
        Some(2)
    );
    let both = scope.assuming(&[
        ("deployvm".into(), Value::composed(Kind::Bool(true))),
        ("env".into(), Value::composed(s("prod"))),
    ]);
    let (value, deps) = both.eval_tracked(&node);
    assert_eq!(value.kind, Kind::Bool(true));
    assert!(deps.is_empty());
    // The scope assumed from is as it was.
    assert_eq!(tpl.out(&scope, "viaVariable").kind, Kind::Bool(false));
}

/// A deployed template reads the deploying one's defaults through the parameters its caller
/// passes; assuming other values rebuilds the caller it reads them through.
#[test]
fn a_deployed_templates_reads_of_the_callers_defaults_are_the_callers() {
    let caller = t(r#"{
      "parameters": {"deploy": {"type": "bool", "defaultValue": false}},
      "outputs": {"passed": {"type": "bool", "value": "[parameters('deploy')]"}}
    }"#);
    let inner = t(r#"{
      "parameters": {
        "deployVm": {"type": "bool", "defaultValue": true},
        "own": {"type": "bool", "defaultValue": false}
      },
      "outputs": {
        "condition": {"type": "bool", "value": "[parameters('deployVm')]"},
        "own": {"type": "bool", "value": "[parameters('own')]"}
      }
    }"#);
    let outer = caller.scope();
    let passed = caller.output("passed");
    let mut supplied = ParameterValues::new();
    supplied.insert_deferred("deployVm", &passed, &outer);
    let scope = outer.deploying(&inner.template, supplied, DeploymentScope::default());
    let condition = inner.output("condition");
    let (value, deps) = scope.eval_tracked(&condition);
    assert_eq!(value.kind, Kind::Bool(false));
    assert_eq!(deps.iter().map(|d| &**d).collect::<Vec<_>>(), ["deploy"]);
    // Its own default is not a deployer's to change.
    let own = inner.output("own");
    assert!(scope.eval_tracked(&own).1.is_empty());
    let assumed = scope.assuming(&[("deploy".into(), Value::composed(Kind::Bool(true)))]);
    assert_eq!(assumed.eval_node(&condition).kind, Kind::Bool(true));
    assert_eq!(scope.eval_node(&condition).kind, Kind::Bool(false));
}

/// A template deploying a registry module (a Bicep module as the frontend lowers one, built
/// here by hand over an ARM nested deployment): `vm` with parameter `imageReference` set to a
/// Marketplace image written in the caller.
const MODULE_CALLER: &str = r#"{"resources": [{
    "type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "vm",
    "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"},
        "templateLink": {"relativePath": "placeholder.json"},
        "parameters": {"imageReference": {"value": {"publisher": "Canonical",
            "offer": "ubuntu-24_04-lts", "sku": "server", "version": "latest"}}}}}]}"#;

/// What the catalogue's contract of a VM module stands for: one machine whose image is its
/// `imageReference` parameter.
const MODULE_CONTRACT: &str = r#"{"parameters": {"imageReference": {"type": "object"}},
    "resources": [{"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2024-07-01",
        "name": "vm", "location": "westeurope",
        "properties": {"storageProfile": {"imageReference": "[parameters('imageReference')]"}}}]}"#;

/// `MODULE_CALLER` with its deployment's template replaced by the registry module
/// `br/public:avm/res/compute/virtual-machine:<version>` found in the module cache as `cache`
/// says, and catalogued as `catalogued` says.
fn registry_caller(
    version: &str,
    cache: super::ir::CacheLookup,
    catalogued: Option<super::ir::Catalogued>,
) -> T {
    use super::ir::{DeployedTemplate, NodeKind, RegistryModule, ResolvedModule};
    let mut caller = t(MODULE_CALLER);
    let written = format!("br/public:avm/res/compute/virtual-machine:{version}");
    let deployment = caller.template.resources[0]
        .deployment
        .as_mut()
        .expect("a deployment");
    let span = match &deployment.template {
        DeployedTemplate::RelativePath(node) => node.span,
        other => panic!("{other:?}"),
    };
    deployment.template = DeployedTemplate::Registry(Box::new(RegistryModule {
        written: Node {
            span,
            kind: NodeKind::Str(written.as_str().into()),
        },
        resolved: Ok(ResolvedModule {
            canonical: format!(
                "br:mcr.microsoft.com/bicep/avm/res/compute/virtual-machine:{version}"
            )
            .into(),
            spec_id: None,
            cache,
        }),
        catalogued,
    }));
    caller
}

/// The cache as the frontend gives it when no cache root is known.
fn no_cache() -> super::ir::CacheLookup {
    super::ir::CacheLookup::Not(crate::value::cause::ModuleCache::NoRoot)
}

fn machines(out: &Expanded) -> Vec<&crate::model::Resource> {
    out.resources
        .iter()
        .filter(|r| r.resource_type == "Microsoft.Compute/virtualMachines")
        .collect()
}

#[test]
fn a_registry_module_the_catalogue_says_deploys_no_image_deploys_nothing_judged() {
    use super::ir::Catalogued;
    let caller = registry_caller("0.9.0", no_cache(), Some(Catalogued::NoImages));
    let out = expand_linked(&caller, &Links::new(&[], &["json"]));
    assert!(machines(&out).is_empty(), "{:?}", out.resources);
    // Not unseen (no IG002), nothing wanted of the loading stage.
    assert!(out.unseen.is_empty(), "{:?}", out.unseen);
    assert!(out.wanted.is_empty(), "{:?}", out.wanted);
}

#[test]
fn a_registry_module_the_catalogue_stands_for_is_judged_with_the_callers_arguments() {
    use super::ir::Catalogued;
    let contract = t(MODULE_CONTRACT).template;
    let caller = registry_caller(
        "0.9.0",
        no_cache(),
        Some(Catalogued::Images(Box::new(contract))),
    );
    let out = expand_linked(&caller, &Links::new(&[], &["json"]));
    assert!(out.unseen.is_empty(), "{:?}", out.unseen);
    let found = machines(&out);
    assert_eq!(found.len(), 1, "{:?}", out.resources);
    // Deployed through the module, in its own scope, with the caller's argument: the image
    // is the caller's literal.
    assert_eq!(found[0].deployed_by.len(), 1);
    let image = found[0]
        .body
        .get("properties")
        .and_then(|p| p.get("storageProfile"))
        .and_then(|p| p.get("imageReference"))
        .expect("an image");
    assert_eq!(
        image.get("publisher").map(|p| p.kind.clone()),
        Some(s("Canonical"))
    );
    let at = image.origin.literal.expect("located");
    assert!(
        caller
            .slice(at)
            .starts_with("{\"publisher\": \"Canonical\""),
        "{}",
        caller.slice(at)
    );
}

#[test]
fn a_registry_module_at_a_version_the_catalogue_does_not_know_names_it() {
    use super::ir::Catalogued;
    let caller = registry_caller(
        "9.9.9",
        no_cache(),
        Some(Catalogued::UnknownVersion {
            module: "avm/res/compute/virtual-machine".into(),
            version: "9.9.9".into(),
            known: "0.9.0".into(),
        }),
    );
    let out = expand_linked(&caller, &Links::new(&[], &["json"]));
    assert!(machines(&out).is_empty());
    assert_eq!(out.unseen.len(), 1, "{:?}", out.unseen);
    let reason = out.unseen[0].why.cause.to_string();
    assert!(
        reason.contains("version `9.9.9` of `avm/res/compute/virtual-machine`"),
        "{reason}"
    );
    assert!(
        reason.contains("the nearest it knows is `0.9.0`"),
        "{reason}"
    );
    // Located at the reference as written.
    let at = out.unseen[0].why.span.expect("located");
    assert_eq!(caller.slice(at), "\"placeholder.json\"");
}

#[test]
fn a_registry_module_nobody_gives_is_unseen_saying_where_the_cache_would_be() {
    let caller = registry_caller("0.9.0", no_cache(), None);
    let out = expand_linked(&caller, &Links::new(&[], &["json"]));
    assert_eq!(out.unseen.len(), 1, "{:?}", out.unseen);
    let expected = Cause::TemplateNotAvailable(crate::value::Unavailable::Registry {
        reference: "br/public:avm/res/compute/virtual-machine:0.9.0".into(),
        cache: Some(Box::new(crate::value::cause::ModuleCache::NoRoot)),
    });
    assert_eq!(*out.unseen[0].why.cause, expected);
}

#[test]
fn a_registry_module_is_followed_through_links_first_then_the_module_cache() {
    use super::ir::{CacheLookup, Catalogued};
    use std::path::PathBuf;
    let root = PathBuf::from("/home/user/.bicep");
    let path =
        root.join("br/mcr.microsoft.com/bicep$avm$res$compute$virtual-machine/0.9.0$/main.json");
    let cache = || CacheLookup::File {
        root: root.clone(),
        path: path.clone(),
        spec: false,
        shown:
            "~/.bicep/br/mcr.microsoft.com/bicep$avm$res$compute$virtual-machine/0.9.0$/main.json"
                .into(),
    };
    let cached = LinkTarget::Cached {
        root: root.clone(),
        path: path.clone(),
        spec: false,
    };
    // `[links]` maps it, by either spelling of the public registry: that file is wanted, the
    // cache is not looked at.
    for key in [
        "br/public:avm/res/compute/virtual-machine:0.9.0",
        "br:mcr.microsoft.com/bicep/avm/res/compute/virtual-machine:0.9.0",
    ] {
        let mapped = [(key.to_owned(), PathBuf::from("/repo/vendor/vm.json"))];
        let caller = registry_caller("0.9.0", cache(), Some(Catalogued::NoImages));
        let out = expand_linked(&caller, &Links::new(&mapped, &["json"]));
        assert_eq!(
            out.wanted,
            vec![LinkTarget::Local {
                path: PathBuf::from("/repo/vendor/vm.json")
            }],
            "{key}"
        );
    }
    // Not mapped: the file in the cache is wanted (the loading stage looks for it).
    let caller = registry_caller("0.9.0", cache(), Some(Catalogued::NoImages));
    let out = expand_linked(&caller, &Links::new(&[], &["json"]));
    assert_eq!(out.wanted, vec![cached.clone()]);
    // Read there: followed with the caller's arguments, located in the caller.
    let child_id = FileId(8);
    let root_json = parse(MODULE_CONTRACT).unwrap();
    let child = std::rc::Rc::new(lower::template(
        &root_json,
        child_id,
        MODULE_CONTRACT,
        crate::frontend::KeepPaths::none(),
    ));
    let mut links = Links::new(&[], &["json"]);
    links.insert(
        cached.clone(),
        LinkedTemplate {
            shown: "main.json".into(),
            template: Ok((child_id, child)),
        },
    );
    let out = expand_linked(&caller, &links);
    assert!(out.wanted.is_empty() && out.unseen.is_empty(), "{out:?}");
    let found = machines(&out);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].span.file, child_id);
    // Not there: the catalogue's verdict (here: nothing to judge), the target kept as met.
    let mut links = Links::new(&[], &["json"]);
    links.insert(
        cached.clone(),
        LinkedTemplate {
            shown: "main.json".into(),
            template: Err(crate::value::LinkRefusal::NotFound),
        },
    );
    let out = expand_linked(&caller, &links);
    assert!(
        out.unseen.is_empty() && machines(&out).is_empty(),
        "{out:?}"
    );
    assert_eq!(out.reached, vec![cached.clone()]);
    // Not there, and not catalogued: unseen, saying where `bicep restore` writes it.
    let caller = registry_caller("0.9.0", cache(), None);
    let out = expand_linked(&caller, &links);
    let reason = out.unseen[0].why.cause.to_string();
    assert!(
        reason.contains("`bicep restore` writes it to `~/.bicep/br/mcr.microsoft.com/bicep$avm$res$compute$virtual-machine/0.9.0$/main.json`"),
        "{reason}"
    );
    // Refused there (a link out of the cache): unseen, saying so.
    let mut links = Links::new(&[], &["json"]);
    links.insert(
        cached,
        LinkedTemplate {
            shown: "main.json".into(),
            template: Err(crate::value::LinkRefusal::OutsideRoots),
        },
    );
    let out = expand_linked(&caller, &links);
    let reason = out.unseen[0].why.cause.to_string();
    assert!(
        reason.contains("leads outside the Bicep module cache"),
        "{reason}"
    );
}

/// A reference followed by members and an index is charged what the copy of the whole
/// value was charged (the value's weight, at the reference), in the same order relative to
/// the index expression: a step for each expression node, the name, the variable's value
/// evaluated on first use and its weight, then the index expression (the parameter's
/// default and its weight). Each budget below the total runs out at the charge it ran out
/// at before references read the stored value in place.
#[test]
fn a_reference_is_charged_its_weight_before_the_index_and_members_taken() {
    let tpl = t(r#"{
      "parameters": {"i": {"type": "int", "defaultValue": 1}},
      "variables": {"v": {"images": [{"offer": "a"}, {"offer": "b"}]}},
      "outputs": {
        "o": {"value": "[variables('v').images[parameters('i')].offer]"},
        "again": {"value": "[variables('v').images[parameters('i')].offer]"}
      }
    }"#);
    let sc = tpl.scope();
    assert_eq!(tpl.out(&sc, "o").kind, s("b"));
    let first = sc.allowance().steps_used();
    assert_eq!(tpl.out(&sc, "again").kind, s("b"));
    // Stored now: the node, the three accessors, the call and its name (6), the weight of
    // `v` (the object, the array, two objects, two strings: 6), the index's call and its
    // name (2) and the weight of `i` (1).
    assert_eq!(sc.allowance().steps_used() - first, 15);
    assert_eq!(first, 22);

    // Where each budget short of the total runs out, from the last charge back.
    let mut ran_out = Vec::new();
    for spare in 1..=first {
        let sc = tpl.scope_within(Limits {
            max_steps: first - spare,
            ..Limits::default()
        });
        let o = tpl.out(&sc, "o");
        let w = o
            .first_unknown()
            .unwrap_or_else(|| panic!("known with {spare} steps short: {o:?}"));
        assert!(matches!(*w.cause, Cause::Budget(_)), "{}", w.explain());
        let at = tpl.slice(w.span.expect("a budget is located"));
        if ran_out.last() != Some(&at) {
            ran_out.push(at);
        }
    }
    assert_eq!(
        ran_out,
        [
            // The weight of `i`, its name, its call: the index expression.
            "parameters('i')",
            "'i'",
            "parameters('i')",
            // The weight of `v` (what its value's evaluation ran out at, too), its name, its
            // call: the reference, before the index.
            "variables('v')",
            "'v'",
            "variables('v')",
            // The accessors, innermost last, and the node.
            "variables('v').images",
            "variables('v').images[parameters('i')]",
            "variables('v').images[parameters('i')].offer",
            "\"[variables('v').images[parameters('i')].offer]\"",
        ],
    );
}

/// `tryGet` (Bicep's `.?`) of a reference follows its keys in the stored value, and a
/// `coalesce` takes its known value as it is: each charged what the copy of the whole
/// value was (its weight at the reference, then the keys, then the size of what the call
/// gives), with the same results.
#[test]
fn try_get_and_coalesce_of_a_reference_are_charged_as_copies() {
    let tpl = t(r#"{
      "parameters": {"n": {"type": "object", "nullable": true}},
      "variables": {"v": {"images": [{"offer": "a"}, {"Offer": "b", "offer": "c"}]}},
      "outputs": {
        "warm": {"value": "[variables('v')]"},
        "found": {"value": "[tryGet(variables('v'), 'images', 1, 'OFFER')]"},
        "missing": {"value": "[tryGet(variables('v').images[0], 'sku')]"},
        "wrong": {"value": "[tryGet(variables('v'), 1)]"},
        "whole": {"value": "[tryGet(variables('v'), 'images')]"},
        "default": {"value": "[coalesce(parameters('n'), variables('v').images[1])]"}
      }
    }"#);
    let sc = tpl.scope();
    let mut spent = Vec::new();
    let mut last = 0;
    let mut shown = Vec::new();
    for name in ["warm", "found", "missing", "wrong", "whole", "default"] {
        let v = tpl.out(&sc, name);
        shown.push(match v.first_unknown() {
            Some(w) => format!("unknown: {}", w.explain()),
            None => v.display(),
        });
        let used = sc.allowance().steps_used();
        spent.push(used - last);
        last = used;
    }
    assert_eq!(
        shown,
        [
            // A key written twice is one member (ARM compares keys case-insensitively).
            "{images: [{offer: a}, {offer: c}]}",
            "c",
            "null",
            "unknown: invalid call to tryGet(): expected a string, got int",
            "[{offer: a}, {offer: c}]",
            "{offer: c}",
        ]
    );
    assert_eq!(spent, [15, 13, 14, 11, 15, 17]);
}

/// What reads a reference in place through `coalesce` (Bicep's `??`), `length` and `empty`
/// gives and is charged what it was of the copy: the same values and reasons, the same
/// steps per output.
#[test]
fn coalesce_length_and_empty_of_a_reference_are_charged_as_copies() {
    let tpl = t(r#"{
      "parameters": {"n": {"type": "object", "nullable": true}, "u": {"type": "array"}},
      "variables": {"v": {"images": [{"offer": "a"}, {"offer": "ćc"}]}},
      "outputs": {
        "warm": {"value": "[variables('v')]"},
        "length": {"value": "[length(coalesce(parameters('n'), variables('v').images))]"},
        "text": {"value": "[length(variables('v').images[1].offer)]"},
        "empty": {"value": "[empty(variables('v').images)]"},
        "null": {"value": "[empty(parameters('n'))]"},
        "nested": {"value": "[tryGet(coalesce(parameters('n'), variables('v')), 'images', 0, 'offer')]"},
        "member": {"value": "[coalesce(parameters('n'), variables('v')).images[1].offer]"},
        "unset": {"value": "[coalesce(parameters('u'), variables('v'))]"},
        "unsetLength": {"value": "[length(parameters('u'))]"},
        "wrong": {"value": "[length(variables('v').images[0].offer, 1)]"}
      }
    }"#);
    let sc = tpl.scope();
    let names = [
        "warm",
        "length",
        "text",
        "empty",
        "null",
        "nested",
        "member",
        "unset",
        "unsetLength",
        "wrong",
    ];
    let mut spent = Vec::new();
    let mut last = 0;
    let mut shown = Vec::new();
    for name in names {
        let v = tpl.out(&sc, name);
        shown.push(match v.first_unknown() {
            Some(w) => format!("unknown: {}", w.explain()),
            None => v.display(),
        });
        let used = sc.allowance().steps_used();
        spent.push(used - last);
        last = used;
    }
    let unset = "unknown: parameter 'u' has no default and no parameter file sets it";
    assert_eq!(
        shown,
        [
            "{images: [{offer: a}, {offer: ćc}]}",
            "2",
            "2",
            "false",
            "true",
            "a",
            "ćc",
            unset,
            unset,
            "unknown: invalid call to length(): expects 1 argument(s), got 2",
        ]
    );
    assert_eq!(spent, [15, 19, 14, 11, 5, 22, 22, 5, 5, 15]);
}
