//! Required parameters with `allowedValues`: when nobody sets such a parameter and it decides
//! an image, the image is judged for every allowed value instead of being left unknown.

use crate::eval::{ParameterValues, literal_value};
use crate::json::{Json, JsonKind};
use crate::source::FileId;
use crate::value::Value;

/// Most allowed values expanded for one parameter.
pub const MAX_CHOICES: usize = 32;

/// A parameter with no value whose allowed values can be tried one by one.
#[derive(Debug)]
pub struct Choice {
    /// The parameter's name as declared.
    pub name: String,
    /// Its allowed values, each located at its literal in `allowedValues`.
    pub values: Vec<Value>,
}

/// The parameters of the template `root` that have `allowedValues`, no `defaultValue` and no
/// value in `supplied`.
pub fn open_choices(root: &Json, file: FileId, supplied: &ParameterValues) -> Vec<Choice> {
    let Some(parameters) = root.get("parameters") else {
        return Vec::new();
    };
    parameters
        .members()
        .into_iter()
        .filter(|m| m.value.get("defaultValue").is_none() && !supplied.contains(&m.key))
        .filter_map(|m| {
            let allowed = m.value.get("allowedValues")?.as_array()?;
            let literal =
                |v: &&Json| !matches!(v.kind, JsonKind::String(ref s) if super::is_expression(s));
            (!allowed.is_empty()
                && allowed.len() <= MAX_CHOICES
                && allowed.iter().all(|v| literal(&v)))
            .then(|| Choice {
                name: m.key.to_string(),
                values: allowed.iter().map(|v| literal_value(v, file)).collect(),
            })
        })
        .collect()
}

/// Whether an unknown reason says that parameter `name` had no value.
pub fn blames(explained: &str, name: &str) -> bool {
    explained.contains(&format!("parameter '{name}' has no default"))
}
