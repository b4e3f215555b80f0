//! Cheap classification: is this text a Terraform plan or state in JSON
//! (`terraform show -json`)?
//!
//! Every such document has `format_version` and `terraform_version` at the top; JSON that
//! does not name both is dismissed with one search and no parse. The search sees the keys as
//! the parser does — in any letter case and through JSON escapes — so that it never dismisses
//! a document the full classifier ([`classify`]) accepts.

use crate::frontend::unescape::{Needles, unescaped};
use crate::json::{self, Json};

/// What a text turned out to be.
#[derive(Debug)]
pub enum Classification {
    /// Not a Terraform plan or state (skipped silently).
    NotPlan,
    /// A plan (`resource_changes` / `planned_values`), parsed.
    Plan(Json),
    /// A state (`values.root_module`), parsed: what is deployed.
    State(Json),
    /// Claims to be a plan or state but cannot be parsed.
    Broken(json::ParseError),
    /// A plan or state in a format this version does not read.
    Unsupported {
        /// Byte offset of the `format_version` value.
        offset: u32,
        /// What is wrong.
        message: String,
    },
}

/// The keys every plan and state holds at the top, quoted, in lower case.
const FORMAT: &str = "\"format_version\"";
const TERRAFORM: &str = "\"terraform_version\"";

/// The `format_version` majors this version reads.
const SUPPORTED_MAJORS: [&str; 2] = ["0", "1"];

/// Whether the start of a file (e.g. the head of one too large to read) looks like a plan or
/// state: both top-level keys are there, in any letter case and however JSON escapes spell
/// them (the parser's lookups are case-insensitive and unescape keys).
pub fn marker(head: &[u8]) -> bool {
    // Anchored on the `_` both keys hold, a byte rare in JSON.
    static NEEDLES: std::sync::LazyLock<Needles> =
        std::sync::LazyLock::new(|| Needles::delimited(&[FORMAT, TERRAFORM], b'_'));
    NEEDLES.found(head) == 0b11
}

/// Classifies `text`, parsing it only when it can be a plan or state, as a document of at most
/// `max_values` JSON values (the run's limit).
pub fn classify(text: &str, max_values: usize) -> Classification {
    let bytes = text.as_bytes();
    if !marker(bytes) {
        return Classification::NotPlan;
    }
    let root = match json::parse_within(text, max_values) {
        Ok(root) => root,
        Err(e) if claims_to_be_plan(bytes) => return Classification::Broken(e),
        Err(_) => return Classification::NotPlan,
    };
    let (Some(format), Some(_)) = (root.get("format_version"), root.get("terraform_version"))
    else {
        return Classification::NotPlan;
    };
    let plan = root.get("resource_changes").is_some() || root.get("planned_values").is_some();
    let state = root
        .get("values")
        .is_some_and(|v| v.get("root_module").is_some());
    if !plan && !state {
        return Classification::NotPlan;
    }
    let version = format.as_str().unwrap_or_default();
    let major = version.split('.').next().unwrap_or_default();
    if !SUPPORTED_MAJORS.contains(&major) || version.is_empty() {
        return Classification::Unsupported {
            offset: format.start,
            message: format!(
                "unsupported Terraform JSON format_version `{}`: imagegate reads formats 0.x and 1.x",
                match &format.kind {
                    json::JsonKind::String(s) => s.to_string(),
                    _ => text[format.start as usize..format.end as usize].to_string(),
                }
            ),
        };
    }
    if plan {
        Classification::Plan(root)
    } else {
        Classification::State(root)
    }
}

/// Whether unparseable text still clearly claims to be a plan: it starts (after whitespace
/// and a BOM) with an object whose first key is `format_version` (in any case, escapes read),
/// as `terraform show -json` writes it.
fn claims_to_be_plan(bytes: &[u8]) -> bool {
    let rest = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let Some(rest) = rest.trim_ascii_start().strip_prefix(b"{") else {
        return false;
    };
    // Enough of the key for its escapes to spell `"format_version"` (six bytes a letter).
    let head = rest.trim_ascii_start();
    let head = unescaped(&head[..head.len().min(6 * FORMAT.len())]);
    head.get(..FORMAT.len())
        .is_some_and(|k| k.eq_ignore_ascii_case(FORMAT.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_and_states_are_recognised() {
        let plan = r#"{"format_version":"1.2","terraform_version":"1.9.5","planned_values":{},"resource_changes":[]}"#;
        assert!(matches!(
            classify(plan, json::MAX_VALUES),
            Classification::Plan(_)
        ));
        let old = r#"{"format_version":"0.1","terraform_version":"0.12.20","planned_values":{}}"#;
        assert!(matches!(
            classify(old, json::MAX_VALUES),
            Classification::Plan(_)
        ));
        let state =
            r#"{"format_version":"1.0","terraform_version":"1.9.5","values":{"root_module":{}}}"#;
        assert!(matches!(
            classify(state, json::MAX_VALUES),
            Classification::State(_)
        ));
    }

    #[test]
    fn other_json_is_not_a_plan() {
        for text in [
            r#"{"name":"pkg"}"#,
            // `terraform providers schema -json`
            r#"{"format_version":"1.0","provider_schemas":{}}"#,
            r#"{"format_version":"1.0","terraform_version":"1.9.5","docs":"x"}"#,
            r#"{"note": "format_version terraform_version", oops}"#,
        ] {
            assert!(
                matches!(classify(text, json::MAX_VALUES), Classification::NotPlan),
                "{text}"
            );
        }
    }

    #[test]
    fn unsupported_major_is_refused() {
        let text = r#"{"format_version":"2.0","terraform_version":"2.0.0","resource_changes":[]}"#;
        match classify(text, json::MAX_VALUES) {
            Classification::Unsupported { offset, message } => {
                assert_eq!(offset, 18);
                assert!(message.contains("`2.0`"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_head_of_a_large_plan_is_recognised() {
        assert!(marker(
            br#"{"format_version":"1.2","terraform_version":"1.9.5","planned"#
        ));
        assert!(!marker(br#"{"format_version":"1.0","provider_schemas":{"#));
    }

    #[test]
    fn truncated_plan_is_broken() {
        let text = "\u{feff}{\"format_version\":\"1.2\",\"terraform_version\":\"1.9.5\",\"resource_changes\":[";
        assert!(matches!(
            classify(text, json::MAX_VALUES),
            Classification::Broken(_)
        ));
    }

    #[test]
    fn escaped_or_cased_keys_do_not_hide_a_plan() {
        let plan =
            r#"{"format\u005fversion":"1.2","TERRAFORM_VERSION":"1.9.5","resource_changes":[]}"#;
        assert!(marker(plan.as_bytes()));
        assert!(matches!(
            classify(plan, json::MAX_VALUES),
            Classification::Plan(_)
        ));
        let truncated =
            r#"{"\u0066ormat_Version":"1.2","terraform_version":"1.9.5","resource_changes":["#;
        assert!(matches!(
            classify(truncated, json::MAX_VALUES),
            Classification::Broken(_)
        ));
    }
}
