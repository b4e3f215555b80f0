//! Terraform resource addresses: composing them from structured fields exactly as Terraform
//! renders them, and splitting module paths (whose instance keys may contain dots and quotes).

use crate::json::{Json, JsonKind, Number};

/// An instance key rendered as Terraform does: `[0]` or `["key.with\"quote"]`.
pub fn render_index(index: &Json) -> String {
    match &index.kind {
        JsonKind::Number(Number::Int(i)) => format!("[{i}]"),
        JsonKind::Number(Number::Float(f)) => format!("[{f}]"),
        JsonKind::String(s) => format!("[{}]", quote(s)),
        _ => String::new(),
    }
}

/// A string as an HCL quoted string literal.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `module_address.[data.]type.name[index]`.
pub fn compose(
    module_address: Option<&str>,
    data: bool,
    resource_type: &str,
    name: &str,
    index: Option<&Json>,
) -> String {
    let mut out = String::new();
    if let Some(m) = module_address.filter(|m| !m.is_empty()) {
        out.push_str(m);
        out.push('.');
    }
    if data {
        out.push_str("data.");
    }
    out.push_str(resource_type);
    out.push('.');
    out.push_str(name);
    if let Some(i) = index {
        out.push_str(&render_index(i));
    }
    out
}

/// One module call on a module path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModuleStep {
    /// The call's name (`module.<name>`), as in `configuration` `module_calls`.
    pub name: String,
    /// The module instance address up to and including this step.
    pub address: String,
}

/// The module steps at the start of `address` (a module address, or a resource address whose
/// module part is wanted). Instance keys are skipped whatever they contain.
pub fn module_steps(address: &str) -> Vec<ModuleStep> {
    let bytes = address.as_bytes();
    let mut steps = Vec::new();
    let mut pos = 0;
    while address[pos..].starts_with("module.") {
        let name_start = pos + "module.".len();
        let mut end = name_start;
        while end < bytes.len() && bytes[end] != b'.' && bytes[end] != b'[' {
            end += 1;
        }
        let name = address[name_start..end].to_string();
        if end < bytes.len() && bytes[end] == b'[' {
            end = skip_index(bytes, end);
        }
        steps.push(ModuleStep {
            name,
            address: address[..end].to_string(),
        });
        if end < bytes.len() && bytes[end] == b'.' {
            pos = end + 1;
        } else {
            break;
        }
    }
    steps
}

/// The offset after the `[...]` that starts at `open`, honouring quoted keys.
pub(super) fn skip_index(bytes: &[u8], open: usize) -> usize {
    let mut i = open + 1;
    let mut quoted = false;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quoted => i += 1,
            b'"' => quoted = !quoted,
            b']' if !quoted => return i + 1,
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_render_like_terraform() {
        let key = crate::json::parse(r#""key.with\"quote""#).expect("json");
        assert_eq!(
            compose(
                Some("module.a.module.b"),
                false,
                "azurerm_linux_virtual_machine",
                "vm",
                Some(&key)
            ),
            r#"module.a.module.b.azurerm_linux_virtual_machine.vm["key.with\"quote"]"#
        );
        let zero = crate::json::parse("0").expect("json");
        assert_eq!(
            compose(None, true, "azurerm_image", "x", Some(&zero)),
            "data.azurerm_image.x[0]"
        );
    }

    #[test]
    fn module_steps_skip_keys_with_dots_and_quotes() {
        let steps = module_steps(
            r#"module.a["x.module.y\"]"].module.b[0].azurerm_linux_virtual_machine.vm"#,
        );
        assert_eq!(
            steps,
            vec![
                ModuleStep {
                    name: "a".into(),
                    address: r#"module.a["x.module.y\"]"]"#.into()
                },
                ModuleStep {
                    name: "b".into(),
                    address: r#"module.a["x.module.y\"]"].module.b[0]"#.into()
                },
            ]
        );
        assert!(module_steps("azurerm_linux_virtual_machine.vm").is_empty());
    }
}
