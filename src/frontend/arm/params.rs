//! Parameter files beside a template: `X.parameters.json` and `X.parameters.*.json` for
//! `X.json` (so `azuredeploy.parameters.json` for `azuredeploy.json`). Each one is its own
//! evaluation context.

use std::path::{Path, PathBuf};

/// The parameter files of the template at `template`, sorted by name. `listing` holds the
/// names of the files in its folder when the walk already knows them (no directory read);
/// otherwise the folder is read.
pub fn sibling_parameter_files(template: &Path, listing: Option<&[String]>) -> Vec<PathBuf> {
    let (Some(dir), Some(name)) = (
        template.parent(),
        template.file_name().and_then(|n| n.to_str()),
    ) else {
        return Vec::new();
    };
    let Some(stem) = strip_json(name) else {
        return Vec::new();
    };
    let exact = format!("{stem}.parameters").to_ascii_lowercase();
    let prefix = format!("{stem}.parameters.").to_ascii_lowercase();
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let names: Vec<String> = match listing {
        Some(names) => names.to_vec(),
        None => match std::fs::read_dir(dir) {
            Ok(entries) => entries
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .filter_map(|e| e.file_name().to_str().map(str::to_owned))
                .collect(),
            Err(_) => return Vec::new(),
        },
    };
    let mut found: Vec<PathBuf> = names
        .into_iter()
        .filter_map(|file_name| {
            let base = strip_json(&file_name)?.to_ascii_lowercase();
            (base == exact || base.starts_with(&prefix)).then(|| dir.join(&file_name))
        })
        .collect();
    found.sort();
    found
}

fn strip_json(name: &str) -> Option<&str> {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".jsonc") {
        Some(&name[..name.len() - 6])
    } else if lower.ends_with(".json") {
        Some(&name[..name.len() - 5])
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_siblings() {
        let dir = tempfile::tempdir().unwrap();
        for f in [
            "azuredeploy.json",
            "azuredeploy.parameters.json",
            "azuredeploy.parameters.prod.json",
            "azuredeploy.parametersX.json",
            "other.parameters.json",
        ] {
            std::fs::write(dir.path().join(f), "{}").unwrap();
        }
        let found = sibling_parameter_files(&dir.path().join("azuredeploy.json"), None);
        let listing = [
            "azuredeploy.parameters.json".to_string(),
            "x.json".to_string(),
        ];
        let listed = sibling_parameter_files(&dir.path().join("azuredeploy.json"), Some(&listing));
        assert_eq!(listed.len(), 1);
        let names: Vec<_> = found
            .iter()
            .map(|p| p.file_name().unwrap().to_str().unwrap().to_string())
            .collect();
        assert_eq!(
            names,
            [
                "azuredeploy.parameters.json",
                "azuredeploy.parameters.prod.json"
            ]
        );
    }
}
