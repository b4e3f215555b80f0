//! IG006 config-not-in-effect: a config file inside the scanned tree that is not the run's.
//!
//! Not a check of resources: the run reports it (`crate::findings::config_not_in_effect`) for
//! each config file the walk finds that is not the config in effect.

use super::doc::rule_doc;
use super::{Check, Definition, Rule};

/// IG006.
pub(crate) const RULE: Rule = Rule::new(&DEFINITION);

const DEFINITION: Definition = Definition {
    doc: rule_doc(include_str!("../../rules/IG006-config-not-in-effect.md")),
    fix_title: "Move the settings into the config in effect, or delete the file",
    check: Check::Pipeline,
};

/// The message and the label of an IG006 about the config file `file`, when the run's config
/// is `in_effect` (its path as displayed, `None` for the embedded default).
pub(crate) fn wording(file: &str, in_effect: Option<&str>) -> (String, String) {
    let used = match in_effect {
        Some(path) => format!("the run used {path}"),
        None => "the run used the embedded default".to_string(),
    };
    (
        format!(
            "{file} is not the config in effect ({used}): one config holds for the whole run, and a config lower in the tree does not apply to its folder"
        ),
        "not the config in effect".to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Severity;

    #[test]
    fn metadata_comes_from_the_document() {
        let d = RULE.doc();
        assert_eq!((d.id, d.name), ("IG006", "config-not-in-effect"));
        assert_eq!(RULE.severity(), Severity::Warning);
        assert!(RULE.resource_rule().is_none());
    }

    #[test]
    fn the_message_names_the_config_in_effect() {
        let (message, _) = wording("team/imagegate.toml", Some("imagegate.toml"));
        assert!(message.starts_with(
            "team/imagegate.toml is not the config in effect (the run used imagegate.toml)"
        ));
        let (message, label) = wording("x/.imagegate.toml", None);
        assert!(message.contains("the embedded default"), "{message}");
        assert_eq!(label, "not the config in effect");
    }
}
