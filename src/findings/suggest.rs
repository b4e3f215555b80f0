//! The help of findings completed with what the whole run saw the repository deploy.

use super::{Finding, ImageParts, ResourceEntry, Status, VersionKind};

/// Completes the help of findings with what the run saw the repository deploy: an unpinned
/// image of a definition that other resources deploy pinned is told the newest such version,
/// and an unapproved image is told the approved gallery image the repository deploys most (a
/// golden definition to use). Only compliant, pinned, fully known gallery images count, and
/// not versions `policy`'s lifecycle deprecates; an unpinned image whose gallery snapshot
/// names the newest version keeps that help.
pub(crate) fn suggest_from_repository(
    findings: &mut [Finding],
    resources: &[ResourceEntry],
    policy: &crate::judge::Policy,
) {
    // By lower-cased definition ID: the definition as written, its newest version, and how
    // many resources deploy it.
    let mut deployed: foldhash::HashMap<String, (String, String, usize)> = Default::default();
    for entry in resources.iter().filter(|r| r.status == Status::Compliant) {
        for image in &entry.images {
            let ImageParts::ComputeGallery {
                id: Some(id),
                version: Some(version),
                version_kind: VersionKind::Pinned,
                ..
            } = &image.parts
            else {
                continue;
            };
            let Some(definition) = definition_of(id) else {
                continue;
            };
            if policy.deprecation(&known_id(definition), version).is_some() {
                continue;
            }
            let slot = deployed
                .entry(definition.to_ascii_lowercase())
                .or_insert_with(|| (definition.to_owned(), version.clone(), 0));
            slot.2 += 1;
            if newer(version, &slot.1) {
                slot.1 = version.clone();
            }
        }
    }
    if deployed.is_empty() {
        return;
    }
    let most = deployed
        .values()
        .max_by(|a, b| a.2.cmp(&b.2).then_with(|| b.0.cmp(&a.0)))
        .map(|(definition, version, _)| format!("{definition}/versions/{version}"));
    for finding in findings.iter_mut() {
        let unpinned_definition = finding.image.as_ref().and_then(|image| match &image.parts {
            ImageParts::ComputeGallery {
                id: Some(id),
                version_kind: VersionKind::Latest | VersionKind::None,
                ..
            } => Some(definition_of(id).unwrap_or(id).to_ascii_lowercase()),
            _ => None,
        });
        match finding.rule.id() {
            "IG003" => {
                let from_snapshot = unpinned_definition
                    .as_deref()
                    .is_some_and(|d| policy.newest_version(&known_id(d)).is_some());
                if let Some((definition, version, _)) = unpinned_definition
                    .and_then(|d| deployed.get(&d))
                    .filter(|_| !from_snapshot)
                {
                    finding.help = Some(super::builder::shared(format!(
                        "pin a tested version: the newest this repository deploys is \
                         `{definition}/versions/{version}`"
                    )));
                }
            }
            "IG001" => {
                if let (Some(help), Some(most)) = (&mut finding.help, &most) {
                    // After what to use, before the alternative of approving it.
                    let example = format!(" (this repository deploys the approved `{most}`)");
                    let at = help.find(", or ").unwrap_or(help.len());
                    let mut text = help.to_string();
                    text.insert_str(at, &example);
                    *help = super::builder::shared(text);
                }
            }
            _ => {}
        }
    }
}

/// A resource ID written out in full, as the judgement sees IDs.
fn known_id(id: &str) -> crate::image::IdPath {
    crate::image::IdPath(
        id.trim_start_matches('/')
            .split('/')
            .map(|s| crate::image::Seg::Known(s.to_owned()))
            .collect(),
    )
}

/// The definition ID of a gallery image version ID (`…/images/D/versions/V` → `…/images/D`).
fn definition_of(id: &str) -> Option<&str> {
    let lower = id.to_ascii_lowercase();
    let at = lower.rfind("/versions/")?;
    Some(&id[..at])
}

/// Whether version `a` is newer than `b`: numerically part by part (`1.10.0` > `1.9.2`),
/// else as text.
fn newer(a: &str, b: &str) -> bool {
    let parts = |v: &str| -> Option<Vec<u64>> { v.split('.').map(|p| p.parse().ok()).collect() };
    match (parts(a), parts(b)) {
        (Some(x), Some(y)) => x > y,
        _ => a > b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_by_number_then_as_text() {
        assert!(newer("1.10.0", "1.9.2"));
        assert!(!newer("1.9.2", "1.10.0"));
        assert!(!newer("1.4.0", "1.4.0"));
        assert!(newer("2024.06.01", "2023.12.31"));
        assert!(newer("b", "a"));
        assert_eq!(
            definition_of("/s/x/images/d/VERSIONS/1.0.0"),
            Some("/s/x/images/d")
        );
        assert_eq!(definition_of("/s/x/images/d"), None);
    }
}
