//! A Terraform source file as the lowering reads it, whichever of Terraform's two syntaxes
//! it is written in: the native syntax (`.tf`), or JSON (`.tf.json`,
//! <https://developer.hashicorp.com/terraform/language/syntax/json>).
//!
//! A JSON file is parsed by hcl-edit as one HCL expression: JSON is, near enough, HCL's
//! expression syntax (objects with `:`, arrays, numbers, `true`/`false`/`null`, strings that
//! are string templates, as Terraform reads them where an expression is expected). Every node
//! keeps its offset in the file, so findings and fixes point into the JSON as they do into
//! a `.tf` file. Blocks are found as Terraform's JSON syntax nests them: a property per block
//! type, an object level per label (an array of objects where blocks repeat). A JSON body does
//! not tell a nested block from an argument (Terraform asks the provider's schema): every
//! property of a body is an argument, and a nested block's object is read as the block
//! (an object, or the list of them an array is), which is how the catalogue's paths read
//! blocks anyway. `"//"` properties are comments.

use std::ops::Range;

use hcl_edit::Span as _;
use hcl_edit::expr::{Expression, Object, ObjectKey};

use crate::source::FileId;

use super::eval::Written;

/// A parsed Terraform source: its root body, in either syntax.
pub(crate) enum Syntax {
    /// The native syntax.
    Hcl(hcl_edit::structure::Body),
    /// JSON: the root object, as an HCL expression.
    Json(Expression),
}

/// A block of a Terraform source: its labels, its body, where it is written, and the bodies
/// of the override files' blocks merged into it
/// (<https://developer.hashicorp.com/terraform/language/files/override>).
#[derive(Clone)]
pub(crate) struct Block<'a> {
    /// Its labels (`["azurerm_linux_virtual_machine", "web"]`).
    pub(crate) labels: Vec<&'a str>,
    /// Its body.
    pub(crate) body: Body<'a>,
    /// Where it is written (the native block; a JSON block's body object).
    pub(crate) span: Option<Range<usize>>,
    /// The file it is written in.
    pub(crate) file: FileId,
    /// The bodies of the blocks of override files merged into it, in the order Terraform
    /// merges them, with their files.
    pub(crate) layers: Vec<(Body<'a>, FileId)>,
}

impl<'a> Block<'a> {
    /// The argument `name`, as the last override that writes it writes it, else as the block
    /// does.
    pub(crate) fn written(&self, name: &str) -> Option<Written<'a>> {
        self.layers
            .iter()
            .rev()
            .chain(std::iter::once(&(self.body, self.file)))
            .find_map(|(body, file)| {
                body.attribute(name)
                    .map(|expr| Written { expr, file: *file })
            })
    }

    /// The arguments, each as [`Block::written`] says, in the order first written.
    pub(crate) fn arguments(&self) -> Vec<(&'a str, Written<'a>)> {
        let mut out: Vec<(&'a str, Written<'a>)> = Vec::new();
        for (body, file) in std::iter::once(&(self.body, self.file)).chain(&self.layers) {
            for (key, expr) in body.attributes() {
                let written = Written { expr, file: *file };
                match out.iter_mut().find(|(k, _)| *k == key) {
                    Some(slot) => slot.1 = written,
                    None => out.push((key, written)),
                }
            }
        }
        out
    }

    /// The nested blocks, with their types: an override that writes blocks of a type replaces
    /// every block of that type.
    pub(crate) fn nested(&self) -> Vec<(&'a str, Block<'a>)> {
        let mut out = self.body.all_blocks(self.file);
        for (body, file) in &self.layers {
            let more = body.all_blocks(*file);
            out.retain(|(kind, _)| !more.iter().any(|(k, _)| k == kind));
            out.extend(more);
        }
        out
    }
}

/// The body of a block, in either syntax.
#[derive(Clone, Copy)]
pub(crate) enum Body<'a> {
    /// A native body: arguments and nested blocks.
    Hcl(&'a hcl_edit::structure::Body),
    /// A JSON object: every property an argument (see the module's documentation).
    Json(&'a Object),
}

/// How many labels Terraform's top-level block `kind` has.
fn label_count(kind: &str) -> usize {
    match kind {
        "resource" | "data" => 2,
        "variable" | "output" | "module" | "provider" | "check" | "ephemeral" => 1,
        _ => 0,
    }
}

/// The text of a JSON object key (a quoted string), if it is one.
pub(crate) fn key_text(key: &ObjectKey) -> Option<&str> {
    match key {
        ObjectKey::Ident(ident) => Some(ident.as_str()),
        ObjectKey::Expression(Expression::String(s)) => Some(s.value().as_str()),
        ObjectKey::Expression(_) => None,
    }
}

impl Syntax {
    /// The top-level blocks of type `kind`, in the order written (in `file`).
    pub(crate) fn blocks(&self, kind: &str, file: FileId) -> Vec<Block<'_>> {
        match self {
            Syntax::Hcl(body) => Body::Hcl(body).blocks(kind, file),
            Syntax::Json(Expression::Object(root)) => {
                let mut out = Vec::new();
                for (key, value) in root.iter() {
                    if key_text(key) == Some(kind) {
                        let labels = label_count(kind);
                        json_blocks(value.expr(), labels, &mut Vec::new(), file, &mut out);
                    }
                }
                out
            }
            Syntax::Json(_) => Vec::new(),
        }
    }
}

/// The blocks JSON `value` holds with `labels` more labels to read (`above`: those read
/// already), added to `out`: an object level per label, an array of objects where blocks
/// repeat, `"//"` comments passed over. What is not an object there is not a block.
fn json_blocks<'a>(
    value: &'a Expression,
    labels: usize,
    above: &mut Vec<&'a str>,
    file: FileId,
    out: &mut Vec<Block<'a>>,
) {
    match value {
        Expression::Array(items) => {
            for item in items.iter() {
                json_blocks(item, labels, above, file, out);
            }
        }
        Expression::Object(object) if labels == 0 => out.push(Block {
            labels: above.clone(),
            body: Body::Json(object),
            span: value.span(),
            file,
            layers: Vec::new(),
        }),
        Expression::Object(object) => {
            for (key, inner) in object.iter() {
                let Some(label) = key_text(key).filter(|k| *k != "//") else {
                    continue;
                };
                above.push(label);
                json_blocks(inner.expr(), labels - 1, above, file, out);
                above.pop();
            }
        }
        _ => {}
    }
}

impl<'a> Body<'a> {
    /// The argument `name`'s expression, if written.
    pub(crate) fn attribute(&self, name: &str) -> Option<&'a Expression> {
        match self {
            Body::Hcl(body) => body.get_attribute(name).map(|a| &a.value),
            Body::Json(object) => object
                .iter()
                .filter(|(k, _)| key_text(k) == Some(name))
                .last()
                .map(|(_, v)| v.expr()),
        }
    }

    /// The arguments, in the order written (a JSON body's `dynamic` blocks and comments are
    /// not arguments).
    pub(crate) fn attributes(&self) -> Vec<(&'a str, &'a Expression)> {
        match self {
            Body::Hcl(body) => body
                .attributes()
                .map(|a| (a.key.as_str(), &a.value))
                .collect(),
            Body::Json(object) => object
                .iter()
                .filter_map(|(k, v)| Some((key_text(k)?, v.expr())))
                .filter(|(k, _)| *k != "//" && *k != "dynamic")
                .collect(),
        }
    }

    /// The nested blocks of type `kind` with their labels, written in `file` (a JSON body's
    /// `dynamic` blocks, one per label, and a JSON `dynamic` body's `content`; a JSON body's
    /// other nested blocks are arguments).
    pub(crate) fn blocks(&self, kind: &str, file: FileId) -> Vec<Block<'a>> {
        match self {
            Body::Hcl(body) => body
                .blocks()
                .filter(|b| b.ident.as_str() == kind)
                .map(|b| Block {
                    labels: b.labels.iter().map(|l| l.as_str()).collect(),
                    body: Body::Hcl(&b.body),
                    span: b.span(),
                    file,
                    layers: Vec::new(),
                })
                .collect(),
            Body::Json(object) => {
                let mut out = Vec::new();
                let labels = if kind == "dynamic" { 1 } else { 0 };
                for (key, value) in object.iter() {
                    if key_text(key) == Some(kind) && (kind == "dynamic" || kind == "content") {
                        json_blocks(value.expr(), labels, &mut Vec::new(), file, &mut out);
                    }
                }
                out
            }
        }
    }

    /// Every nested block written in `file`, in the order written, with its type (none in a
    /// JSON body, whose nested blocks are arguments, but its `dynamic` ones).
    pub(crate) fn all_blocks(&self, file: FileId) -> Vec<(&'a str, Block<'a>)> {
        match self {
            Body::Hcl(body) => body
                .blocks()
                .map(|b| {
                    let block = Block {
                        labels: b.labels.iter().map(|l| l.as_str()).collect(),
                        body: Body::Hcl(&b.body),
                        span: b.span(),
                        file,
                        layers: Vec::new(),
                    };
                    (b.ident.as_str(), block)
                })
                .collect(),
            Body::Json(_) => self
                .blocks("dynamic", file)
                .into_iter()
                .map(|b| ("dynamic", b))
                .collect(),
        }
    }
}

/// The text of a `.tf.json` file as HCL's parser reads it, every offset outside its strings
/// unchanged: a JSON string with escapes is written as HCL reads the template Terraform makes
/// of it (the JSON string decoded, then parsed as a template: a `\"` inside `${…}` is a
/// quote of the expression there, `\/` a slash), padded with blanks after its closing quote
/// (it is never longer). `None` when no string has an escape.
pub(crate) fn json_as_hcl(text: &str) -> Option<String> {
    if !text.contains('\\') {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('"') {
        out.push_str(&rest[..=open]);
        let after = &rest[open + 1..];
        // The end of the string: the first quote no backslash escapes.
        let mut end = None;
        let mut escaped = false;
        for (i, c) in after.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let Some(end) = end else {
            out.push_str(after);
            return Some(out);
        };
        let raw = &after[..end];
        match hcl_string(raw).filter(|h| h.len() <= raw.len()) {
            Some(hcl) if raw.contains('\\') => {
                out.push_str(&hcl);
                out.push('"');
                out.extend(std::iter::repeat_n(' ', raw.len() - hcl.len()));
            }
            _ => {
                out.push_str(raw);
                out.push('"');
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// What a template's text is in: its own literal text, an expression (`${…}`, `%{…}`, with
/// the braces open within it), or a string within an expression.
enum Mode {
    /// The template's literal text (decoded: escaped again for HCL).
    Literal,
    /// An expression, with how many braces are open within it.
    Expr(usize),
    /// A string within an expression (HCL's syntax already: copied).
    Nested,
}

/// The content of the JSON string `raw` (between its quotes) written as the content of the
/// HCL quoted template Terraform reads from it; `None` when it is not a valid JSON string.
fn hcl_string(raw: &str) -> Option<String> {
    let decoded: String = serde_json::from_str(&format!("\"{raw}\"")).ok()?;
    let mut out = String::with_capacity(decoded.len());
    let mut modes = vec![Mode::Literal];
    let chars: Vec<char> = decoded.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let opens = matches!(c, '$' | '%') && next == Some('{');
        match modes.last_mut() {
            None => return None,
            Some(Mode::Literal) => {
                if matches!(c, '$' | '%') && next == Some(c) && chars.get(i + 2) == Some(&'{') {
                    // `$${`: a literal `${`, written the same in HCL.
                    out.extend([c, c, '{']);
                    i += 3;
                    continue;
                }
                if opens {
                    out.extend([c, '{']);
                    modes.push(Mode::Expr(0));
                    i += 2;
                    continue;
                }
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
                    c => out.push(c),
                }
            }
            Some(Mode::Expr(depth)) => {
                out.push(c);
                match c {
                    '{' => *depth += 1,
                    '}' if *depth == 0 => {
                        modes.pop();
                    }
                    '}' => *depth -= 1,
                    '"' => modes.push(Mode::Nested),
                    _ => {}
                }
            }
            Some(Mode::Nested) => {
                if c == '\\' {
                    out.push(c);
                    if let Some(n) = next {
                        out.push(n);
                    }
                    i += 2;
                    continue;
                }
                if opens {
                    out.extend([c, '{']);
                    modes.push(Mode::Expr(0));
                    i += 2;
                    continue;
                }
                out.push(c);
                if c == '"' {
                    modes.pop();
                }
            }
        }
        i += 1;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Syntax {
        Syntax::Json(hcl_edit::parser::parse_expr(text).expect("JSON as HCL"))
    }

    #[test]
    fn json_blocks_nest_a_level_per_label() {
        let text = r#"{
  "//": "comment",
  "resource": {
    "azurerm_linux_virtual_machine": {
      "web": { "name": "vm-${var.env}", "count": 2, "os_disk": [{ "caching": "None" }] },
      "db": [{ "name": "a" }]
    }
  },
  "variable": { "env": { "default": "prod" } },
  "locals": [{ "a": 1 }, { "b": "x" }]
}"#;
        let syntax = json(text);
        let resources = syntax.blocks("resource", FileId(0));
        let labels: Vec<Vec<&str>> = resources.iter().map(|b| b.labels.clone()).collect();
        assert_eq!(
            labels,
            [
                vec!["azurerm_linux_virtual_machine", "web"],
                vec!["azurerm_linux_virtual_machine", "db"]
            ]
        );
        let web = &resources[0].body;
        let keys: Vec<&str> = web.attributes().iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, ["name", "count", "os_disk"]);
        // Offsets are the file's.
        let name = web.attribute("name").and_then(|e| e.span()).unwrap();
        assert_eq!(&text[name], "\"vm-${var.env}\"");
        assert_eq!(syntax.blocks("variable", FileId(0))[0].labels, ["env"]);
        assert_eq!(syntax.blocks("locals", FileId(0)).len(), 2);
    }

    #[test]
    fn json_escapes_are_read_as_terraform_reads_them_every_offset_past_the_string_kept() {
        // `\"` inside `${…}` quotes a string of the expression.
        let text = r#"{"a": "${lookup(var.m, \"k\", \"x\\\"y\")}-\"q\"", "b": 1}"#;
        let hcl = json_as_hcl(text).unwrap();
        assert_eq!(hcl.find("\"b\""), text.find("\"b\""), "{hcl}");
        assert!(
            hcl.starts_with(r#"{"a": "${lookup(var.m, "k", "x\"y")}-\"q\""#),
            "{hcl}"
        );
        assert!(json(&hcl).blocks("x", FileId(0)).is_empty());
        let text = r#"{"a": "x\/y\\/z", "b": "c"}"#;
        let hcl = json_as_hcl(text).unwrap();
        assert_eq!(hcl.len(), text.len());
        assert_eq!(hcl.find("\"b\""), text.find("\"b\""));
        let syntax = json(&hcl);
        let Syntax::Json(Expression::Object(o)) = &syntax else {
            panic!("an object");
        };
        let a = o.iter().next().unwrap().1.expr();
        assert!(matches!(a, Expression::String(s) if s.value().as_str() == "x/y\\/z"));
        assert!(json_as_hcl("{\"a\": \"x\"}").is_none());
    }

    proptest::proptest! {
        /// Any string, written as JSON writes it (and with `\/` escapes): read as HCL with
        /// every offset past it kept, and never longer; no panic.
        #[test]
        fn any_json_string_keeps_the_offsets_past_it(text in "\\PC{0,80}|['$%{}\"\\\\/ a-z~]{0,80}") {
            let json = serde_json::to_string(&text).unwrap().replace('/', "\\/");
            let file = format!("{{\"a\": {json}, \"b\": 1}}");
            if let Some(hcl) = json_as_hcl(&file) {
                proptest::prop_assert_eq!(hcl.len(), file.len());
                proptest::prop_assert_eq!(hcl.rfind("\"b\""), file.rfind("\"b\""));
            }
        }
    }
}
