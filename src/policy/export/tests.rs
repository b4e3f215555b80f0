//! The exported rule, evaluated as Azure Policy documents it, against imagegate's judgement.

use std::path::Path;

use proptest::prelude::*;
use serde_json::Value as Json;

use super::*;
use crate::image::{Image, Marketplace, Seg};
use crate::judge::Verdict;
use crate::value::{Kind, Value};

fn config(text: &str) -> Config {
    Config::parse(text, Path::new("imagegate.toml")).unwrap()
}

/// What the policy decides for a resource of `kind` whose aliases have the values `fields`
/// gives: `true` when it is compliant (the `if` does not hold).
fn policy_allows(config: &Config, fields: &dyn Fn(&str) -> Option<String>) -> bool {
    let exported = export(config, Effect::Deny, Layout::Parameters).unwrap();
    let parameters = |name: &str| -> Vec<Json> {
        exported.json[name]["defaultValue"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    !condition().holds(fields, &parameters, &[])
}

fn vm_with_id(id: &str) -> impl Fn(&str) -> Option<String> + '_ {
    move |alias: &str| match alias {
        "type" => Some("Microsoft.Compute/virtualMachines".into()),
        "Microsoft.Compute/virtualMachines/storageProfile.osDisk.createOption" => {
            Some("FromImage".into())
        }
        "Microsoft.Compute/imageId" => Some(id.to_string()),
        _ => None,
    }
}

fn disk_with_id(id: &str) -> impl Fn(&str) -> Option<String> + '_ {
    move |alias: &str| match alias {
        "type" => Some("Microsoft.Compute/disks".into()),
        "Microsoft.Compute/disks/creationData.createOption" => Some("FromImage".into()),
        "Microsoft.Compute/disks/creationData.imageReference.id" => Some(id.to_string()),
        _ => None,
    }
}

/// imagegate's verdict on an image ID: approved (compliant, or approved but unpinned).
fn imagegate_allows(config: &Config, id: &str) -> bool {
    let image = Image::from_id(&Value::composed(Kind::Str(id.into())));
    matches!(
        config.policy.judge(&image),
        Verdict::Compliant | Verdict::Unpinned
    )
}

const CONFIGS: [&str; 8] = [
    "",
    "[approved]\nimages = [\"/subscriptions/*/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/*\"]\n",
    "[approved]\nimages = [\"/subscriptions/*/resourceGroups/rg-golden/**\"]\n",
    "[approved]\nimages = [\"/**\"]\n",
    "[approved]\nimages = [\"/subscriptions/*/resourceGroups/*/providers/Microsoft.Compute/galleries/*/images/ubuntu-*\", \"/subscriptions/*/resourceGroups/rg-img/providers/Microsoft.Compute/images/*\"]\n",
    "[approved]\nimages = [\"/SharedGalleries/corp-1a2b/Images/*\", \"/CommunityGalleries/*/Images/ubuntu\"]\n",
    "[approved]\nimages = [\"/**/galleries/corp*/images/*\"]\n",
    "[approved]\nimages = [\"/subscriptions/*/resourceGroups/*/providers/Microsoft.Compute/**\", \"/CommunityGalleries/**\"]\n",
];

/// Segment values that a generated ID is made of: names, keywords imagegate classifies by,
/// and the empty text.
const WORDS: [&str; 22] = [
    "00000000-0000-0000-0000-000000000000",
    "rg-golden",
    "RG-GOLDEN",
    "rg-img",
    "corpGallery",
    "corp-1a2b",
    "ubuntu",
    "ubuntu-22.04",
    "1.4.0",
    "latest",
    "",
    "images",
    "Images",
    "versions",
    "providers",
    "Microsoft.Compute",
    "galleries",
    "Publishers",
    "SharedGalleries",
    "CommunityGalleries",
    "resourceGroups",
    "subscriptions",
];

const KEYWORDS: [&str; 4] = [
    "providers",
    "publishers",
    "sharedgalleries",
    "communitygalleries",
];

/// Shapes of IDs, `{}` for a part filled from `WORDS`.
const TEMPLATES: [&str; 11] = [
    "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Compute/galleries/{}/images/{}",
    "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Compute/galleries/{}/images/{}/versions/{}",
    "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Compute/images/{}",
    "/SharedGalleries/{}/Images/{}/Versions/{}",
    "/CommunityGalleries/{}/Images/{}",
    "/CommunityGalleries/{}/Images/{}/Versions/{}",
    "/{}/{}/{}/{}/{}/{}/{}/{}/{}/{}",
    "/{}/{}/{}/{}/{}/{}/{}/{}/{}/{}/{}/{}",
    "/subscriptions/{}/resourceGroups/{}/providers/{}/{}/{}/{}/{}/{}/{}/{}",
    "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Compute/galleries/{}/images/{}/{}/{}",
    "/SharedGalleries/{}/Images/{}/{}/{}",
];

fn fill(template: &str, words: &[usize]) -> (String, bool) {
    let mut out = String::new();
    let mut keyword = false;
    let mut pieces = template.split("{}");
    out.push_str(pieces.next().unwrap());
    for (piece, w) in pieces.zip(words.iter().cycle()) {
        let word = WORDS[*w % WORDS.len()];
        keyword |= KEYWORDS.contains(&word.to_ascii_lowercase().as_str());
        out.push_str(word);
        out.push_str(piece);
    }
    (out, keyword)
}

/// Cases per property: bounded in debug builds (`cargo test`, where each case judges and
/// evaluates an exported policy unoptimised), the full count in release builds
/// (`cargo test --release`).
const CASES: u32 = if cfg!(debug_assertions) { 256 } else { 3000 };

/// `CONFIGS[c]`, parsed once for every case.
fn parsed(c: usize) -> &'static Config {
    static PARSED: std::sync::OnceLock<Vec<Config>> = std::sync::OnceLock::new();
    &PARSED.get_or_init(|| CONFIGS.iter().map(|t| config(t)).collect())[c]
}

/// The Marketplace property's config, parsed once.
fn marketplace_config() -> &'static Config {
    static PARSED: std::sync::OnceLock<Config> = std::sync::OnceLock::new();
    PARSED.get_or_init(|| config(
        "[approved]\nimages = []\nmarketplace = [\n  { publisher = \"Canonical\", offer = \"0001-com-ubuntu-server-jammy\", sku = \"22_04-lts*\" },\n  { publisher = \"Canonical\", offer = \"ubuntu-24_04-lts\", sku = \"server\", version = \"latest\" },\n  { publisher = \"MicrosoftWindowsServer\", offer = \"WindowsServer\", sku = \"2022-datacenter\", version = \"1.*\" },\n]\n",
    ))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    /// Soundness: whatever the ID, the policy never approves an image imagegate refuses —
    /// on a VM (`imageId`) or a disk; and it approves what imagegate approves, unless a part
    /// is named like a keyword (then it is stricter, by design).
    #[test]
    fn the_policy_approves_exactly_what_imagegate_approves(
        c in 0..CONFIGS.len(),
        t in 0..TEMPLATES.len(),
        words in proptest::collection::vec(0..WORDS.len(), 12),
    ) {
        let config = parsed(c);
        let (id, keyword) = fill(TEMPLATES[t], &words);
        let gate = imagegate_allows(config, &id);
        for allows in [policy_allows(config, &vm_with_id(&id)), policy_allows(config, &disk_with_id(&id))] {
            prop_assert!(!allows || gate, "policy approves {id} under config {c}; imagegate does not");
            if t < 6 && !keyword {
                prop_assert_eq!(allows, gate, "{} under config {}", id, c);
            }
        }
    }

    /// The same for Marketplace image references and disks' platform image IDs.
    #[test]
    fn marketplace_entries_approve_exactly_what_imagegate_approves(
        publisher in proptest::sample::select(vec!["Canonical", "canonical", "MicrosoftWindowsServer", "Publishers"]),
        offer in proptest::sample::select(vec!["0001-com-ubuntu-server-jammy", "ubuntu-24_04-lts", "WindowsServer"]),
        sku in proptest::sample::select(vec!["22_04-lts-gen2", "22_04-lts", "server", "2022-datacenter"]),
        version in proptest::sample::select(vec![None, Some("latest"), Some("22.04.202401010"), Some("1.0.0")]),
    ) {
        let config = marketplace_config();
        let image = Image::Marketplace(Marketplace {
            publisher: Seg::Known(publisher.into()),
            offer: Seg::Known(offer.into()),
            sku: Seg::Known(sku.into()),
            version: version.map(|v| Seg::Known(v.into())),
            plan: None,
        });
        let gate = matches!(config.policy.judge(&image), Verdict::Compliant);
        let fields = |alias: &str| match alias {
            "type" => Some("Microsoft.Compute/virtualMachineScaleSets".to_string()),
            "Microsoft.Compute/imagePublisher" => Some(publisher.into()),
            "Microsoft.Compute/imageOffer" => Some(offer.into()),
            "Microsoft.Compute/imageSku" => Some(sku.into()),
            "Microsoft.Compute/imageVersion" => version.map(String::from),
            _ => None,
        };
        prop_assert_eq!(policy_allows(config, &fields), gate);
        // A disk from the same image, named by its platform image ID.
        let id = format!(
            "/Subscriptions/s/Providers/Microsoft.Compute/Locations/westeurope/Publishers/{publisher}/ArtifactTypes/VMImage/Offers/{offer}/Skus/{sku}/Versions/{}",
            version.unwrap_or("1.0.0")
        );
        let gate = imagegate_allows(config, &id);
        let allows = policy_allows(config, &disk_with_id(&id));
        prop_assert!(!allows || gate, "{}", id);
        if publisher != "Publishers" {
            prop_assert_eq!(allows, gate, "{}", id);
        }
    }
}

#[test]
fn resources_without_an_image_are_not_judged_and_unknown_forms_are_refused() {
    let config = config(CONFIGS[1]);
    // An empty data disk, and a VM attaching an existing OS disk: not judged.
    let empty_disk = |alias: &str| match alias {
        "type" => Some("Microsoft.Compute/disks".to_string()),
        "Microsoft.Compute/disks/creationData.createOption" => Some("Empty".into()),
        _ => None,
    };
    assert!(policy_allows(&config, &empty_disk));
    let attach = |alias: &str| match alias {
        "type" => Some("Microsoft.Compute/virtualMachines".to_string()),
        "Microsoft.Compute/virtualMachines/storageProfile.osDisk.createOption" => {
            Some("Attach".into())
        }
        _ => None,
    };
    assert!(policy_allows(&config, &attach));
    // A VM with an image the aliases do not show (a VHD, a location-prefixed shared
    // gallery ID in an alias the policy does not read): non-compliant, never passed.
    let no_alias = |alias: &str| match alias {
        "type" => Some("Microsoft.Compute/virtualMachines".to_string()),
        _ => None,
    };
    assert!(!policy_allows(&config, &no_alias));
    // Another resource type: not judged.
    let other =
        |alias: &str| (alias == "type").then(|| "Microsoft.Storage/storageAccounts".to_string());
    assert!(policy_allows(&config, &other));
}

#[test]
fn globs_like_cannot_say_are_refused_and_the_message_names_them() {
    for (text, part) in [
        (
            "[approved]\nimages = [\"/subscriptions/*/resourceGroups/*/providers/Microsoft.Compute/galleries/*/images/ubuntu-*-cis-*\"]\n",
            "ubuntu-*-cis-*",
        ),
        (
            "[approved]\nimages = [\"/subscriptions/*/resourceGroups/rg-?/providers/Microsoft.Compute/galleries/g/images/*\"]\n",
            "rg-?",
        ),
    ] {
        let e = export(&config(text), Effect::Deny, Layout::Definition).unwrap_err();
        assert_eq!(e.key, "approved.images");
        let message = e.to_string();
        assert!(
            message.contains(part) && message.contains("cannot export"),
            "{message}"
        );
    }
    let e = export(
        &config("[approved]\nmarketplace = [{ publisher = \"Canonical\", offer = \"*ubuntu*\", sku = \"*\" }]\n"),
        Effect::Deny,
        Layout::Definition,
    )
    .unwrap_err();
    assert_eq!(e.key, "approved.marketplace");
    assert!(e.to_string().contains("*ubuntu*"), "{e}");
}

#[test]
fn globs_of_other_shapes_are_named_as_not_exported() {
    let config = config(
        "[approved]\nimages = [\"/subscriptions/*/resourceGroups/rg/providers/Microsoft.DevTestLab/labs/lab/customimages/*\", \"/subscriptions/*/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/g/images/*\"]\n",
    );
    let exported = export(&config, Effect::Deny, Layout::Definition).unwrap();
    assert_eq!(exported.not_exported.len(), 1);
    assert!(exported.not_exported[0].contains("DevTestLab"));
}

#[test]
fn double_star_globs_become_one_entry_per_shape() {
    let exported = export(&config(CONFIGS[2]), Effect::Audit, Layout::Parameters).unwrap();
    let p = &exported.json;
    assert_eq!(p["effect"]["defaultValue"], "Audit");
    assert_eq!(
        p["approvedGalleryImages"]["defaultValue"],
        serde_json::json!([{ "subscription": "*", "resourceGroup": "rg-golden", "gallery": "*", "image": "*" }])
    );
    assert_eq!(
        p["approvedManagedImages"]["defaultValue"],
        serde_json::json!([{ "subscription": "*", "resourceGroup": "rg-golden", "image": "*" }])
    );
    assert_eq!(
        p["approvedSharedGalleryImages"]["defaultValue"],
        serde_json::json!([])
    );
}

/// The exported rule stays within the limits Azure enforces when a definition is created
/// (<https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-policy-rule#policy-rule-limits>):
/// 4096 conditions in `if`, 2048 functions, 10 `value count` expressions, 100 members per
/// count (the parameters' lists are checked by `export`).
#[test]
fn the_rule_is_within_the_documented_limits() {
    fn walk(node: &Json, functions: &mut usize, conditions: &mut usize, counts: &mut usize) {
        match node {
            Json::Object(map) => {
                let ops = ["equals", "notEquals", "like", "notIn", "exists"];
                *conditions += usize::from(ops.iter().any(|op| map.contains_key(*op)));
                *counts += usize::from(map.contains_key("count"));
                map.values()
                    .for_each(|v| walk(v, functions, conditions, counts));
            }
            Json::Array(items) => items
                .iter()
                .for_each(|v| walk(v, functions, conditions, counts)),
            Json::String(s) if s.starts_with('[') => {
                // A function call is a name followed by `(`.
                let bytes = s.as_bytes();
                *functions += (1..bytes.len())
                    .filter(|&i| bytes[i] == b'(' && bytes[i - 1].is_ascii_alphabetic())
                    .count();
            }
            _ => {}
        }
    }
    let exported = export(&config(CONFIGS[0]), Effect::Deny, Layout::Rules).unwrap();
    let (mut functions, mut conditions, mut counts) = (0, 0, 0);
    walk(
        &exported.json["if"],
        &mut functions,
        &mut conditions,
        &mut counts,
    );
    assert!(functions <= 2048, "{functions} functions");
    assert!(conditions <= 4096, "{conditions} conditions");
    assert_eq!(counts, 5);
    let too_many: String = (0..101)
        .map(|i| format!("\"/subscriptions/*/resourceGroups/rg-{i}/providers/Microsoft.Compute/galleries/g/images/*\","))
        .collect();
    let e = export(
        &config(&format!("[approved]\nimages = [{too_many}]\n")),
        Effect::Deny,
        Layout::Rules,
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("101 entries of `approvedGalleryImages`"),
        "{e}"
    );
}
