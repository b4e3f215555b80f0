//! `imagegate policy export`: the config's approved list as an Azure Policy definition.

use serde_json::{Map, Value as Json, json};

use super::rule::{Cond, Operand, Test};
use super::{COVERED, ID_ALIASES, MARKETPLACE_FIELDS, NOT_COVERED, PLATFORM, Part, SHAPES, Shape};
use crate::config::{Config, Mode};
use crate::judge::wildcard_ignore_case;

/// The effect of the exported policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Effect {
    /// Report non-compliant resources (the default in audit mode).
    Audit,
    /// Refuse to create or update them (the default in deny mode).
    Deny,
    /// Assign the policy without effect.
    Disabled,
}

impl Effect {
    /// The effect's name as Azure Policy writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Audit => "Audit",
            Effect::Deny => "Deny",
            Effect::Disabled => "Disabled",
        }
    }

    /// The default effect of a mode: deny → Deny, audit → Audit.
    pub fn of(mode: Mode) -> Effect {
        match mode {
            Mode::Deny => Effect::Deny,
            Mode::Audit => Effect::Audit,
        }
    }
}

/// What `export` writes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Layout {
    /// `{"properties": {…}}`: the body of a `Microsoft.Authorization/policyDefinitions`
    /// resource (ARM/Bicep `properties`, REST `PUT`, `New-AzPolicyDefinition -Policy`).
    #[default]
    Definition,
    /// The `policyRule` alone (`az policy definition create --rules FILE`).
    Rules,
    /// The `parameters` alone (`az policy definition create --params FILE`).
    Parameters,
}

/// An approved entry that Azure Policy cannot express exactly: the export is refused.
#[derive(Debug, PartialEq, Eq)]
pub struct Inexpressible {
    /// `approved.images` or `approved.marketplace`.
    pub key: &'static str,
    /// The glob or entry as written.
    pub entry: String,
    /// The field and its pattern that cannot be said with `like`.
    pub field: String,
    /// Why.
    pub why: &'static str,
}

impl std::fmt::Display for Inexpressible {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cannot export `{}` (key `{}`) exactly: {} {}; Azure Policy's `like` takes one `*` and no `?`, and a broader policy would let through images imagegate refuses — narrow the entry in the config, or leave it out of the policy with a config of its own (--config)",
            self.entry, self.key, self.field, self.why
        )
    }
}

impl std::error::Error for Inexpressible {}

/// An exported definition, and what the policy leaves out.
#[derive(Debug)]
pub struct Export {
    /// The JSON written.
    pub json: Json,
    /// Globs no ID of the shapes the policy checks matches: the policy denies those images.
    pub not_exported: Vec<String>,
}

/// The most members one `value count` may iterate.
const MAX_ENTRIES: usize = 100;

/// The segments of an approved glob, as `judge::IdGlob::parse` reads them (`None` for `**`).
fn glob_segments(glob: &str) -> Vec<Option<&str>> {
    let rest = glob.strip_prefix('/').unwrap_or(glob);
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    rest.split('/').map(|s| (s != "**").then_some(s)).collect()
}

/// The ways the glob's segments line up with the shape's parts: for each, the pattern each
/// field gets (`*` where `**` covers it). Literal parts must be matched by the glob there.
fn alignments(glob: &[Option<&str>], shape: &[Part]) -> Vec<Vec<String>> {
    fn go(
        glob: &[Option<&str>],
        shape: &[Part],
        fields: &mut Vec<String>,
        out: &mut Vec<Vec<String>>,
    ) {
        if out.len() >= 64 {
            return;
        }
        match (glob.split_first(), shape.split_first()) {
            (None, None) => out.push(fields.clone()),
            (Some((None, rest)), _) => {
                // `**`: covers nothing more, or the next part too.
                go(rest, shape, fields, out);
                if let Some((part, shape_rest)) = shape.split_first() {
                    let pushed = matches!(part, Part::Field(_));
                    if pushed {
                        fields.push("*".into());
                    }
                    go(glob, shape_rest, fields, out);
                    if pushed {
                        fields.pop();
                    }
                }
            }
            (Some((Some(pattern), rest)), Some((part, shape_rest))) => match part {
                Part::Lit(word) => {
                    if wildcard_ignore_case(pattern, word) {
                        go(rest, shape_rest, fields, out);
                    }
                }
                Part::Any => {
                    // Only the platform shape has these; it is not built from globs.
                    go(rest, shape_rest, fields, out);
                }
                Part::Field(_) => {
                    fields.push((*pattern).to_string());
                    go(rest, shape_rest, fields, out);
                    fields.pop();
                }
            },
            (Some((Some(_), _)), None) | (None, Some(_)) => {}
        }
    }
    let mut out = Vec::new();
    go(glob, shape, &mut Vec::new(), &mut out);
    out.dedup();
    out
}

/// Why `like` cannot say `pattern` exactly, if it cannot.
fn inexpressible(pattern: &str) -> Option<&'static str> {
    if !pattern.is_ascii() {
        // Azure compares InvariantCultureIgnoreCase, imagegate ASCII case only.
        Some("has non-ASCII characters, which Azure Policy and imagegate compare differently")
    } else if pattern.contains('?') {
        Some("uses `?`")
    } else if pattern.matches('*').count() > 1 {
        Some("has more than one `*`")
    } else {
        None
    }
}

/// The fields a shape's entries have, in order.
fn field_names(shape: &Shape) -> Vec<&'static str> {
    shape
        .parts
        .iter()
        .filter_map(|p| match p {
            Part::Field(name) => Some(*name),
            _ => None,
        })
        .collect()
}

/// The entries of each ID shape, from the approved globs.
#[allow(clippy::type_complexity)]
fn image_entries(
    config: &Config,
) -> Result<(Vec<Vec<Map<String, Json>>>, Vec<String>), Inexpressible> {
    let mut lists: Vec<Vec<Map<String, Json>>> = vec![Vec::new(); SHAPES.len()];
    let mut not_exported = Vec::new();
    for glob in &config.policy.images {
        let text = glob.as_str();
        let segments = glob_segments(text);
        let mut any = false;
        for (shape, list) in SHAPES.iter().zip(lists.iter_mut()) {
            let names = field_names(shape);
            for patterns in alignments(&segments, shape.parts) {
                any = true;
                let mut entry = Map::new();
                for (name, pattern) in names.iter().zip(patterns) {
                    if let Some(why) = inexpressible(&pattern) {
                        return Err(Inexpressible {
                            key: "approved.images",
                            entry: text.to_string(),
                            field: format!("its part `{pattern}` (the {name})"),
                            why,
                        });
                    }
                    entry.insert((*name).into(), Json::String(pattern));
                }
                if !list.contains(&entry) {
                    list.push(entry);
                }
            }
        }
        if !any {
            not_exported.push(text.to_string());
        }
    }
    Ok((lists, not_exported))
}

/// The entries of the Marketplace list.
fn marketplace_entries(config: &Config) -> Result<Vec<Map<String, Json>>, Inexpressible> {
    let mut list = Vec::new();
    for rule in &config.policy.marketplace {
        let version = rule.version.clone().unwrap_or_else(|| "*".into());
        let written = format!(
            "{}:{}:{}{}",
            rule.publisher,
            rule.offer,
            rule.sku,
            rule.version
                .as_ref()
                .map(|v| format!(":{v}"))
                .unwrap_or_default()
        );
        let mut entry = Map::new();
        for ((name, _), value) in
            MARKETPLACE_FIELDS
                .iter()
                .zip([&rule.publisher, &rule.offer, &rule.sku, &version])
        {
            if let Some(why) = inexpressible(value) {
                return Err(Inexpressible {
                    key: "approved.marketplace",
                    entry: written,
                    field: format!("its {name} `{value}`"),
                    why,
                });
            }
            entry.insert((*name).into(), Json::String(value.clone()));
        }
        if !list.contains(&entry) {
            list.push(entry);
        }
    }
    Ok(list)
}

/// The member name bound in every `value count`.
const MEMBER: &str = "entry";

/// The conditions an ID value of `alias` of shape `shape` (with `/versions/V` when `version`)
/// meets when the current entry approves it.
fn id_matches(shape: &Shape, alias: &'static str, version: bool) -> Cond {
    let mut segments: Vec<Part> = shape.parts.to_vec();
    if version {
        segments.push(Part::Lit("versions"));
        segments.push(Part::Any);
    }
    let parts = segments.len() + 1;
    let part = |index: usize| Operand::Part { alias, index };
    let mut all = vec![
        Cond::Test {
            operand: Operand::Parts(alias),
            test: Test::EqualsNumber(parts),
        },
        Cond::equals(part(0), ""),
    ];
    for (i, segment) in segments.iter().enumerate() {
        let index = i + 1;
        match segment {
            Part::Lit(word) => all.push(Cond::equals(part(index), word)),
            Part::Field(name) => all.push(Cond::Test {
                operand: part(index),
                test: Test::LikeCurrent {
                    name: MEMBER,
                    key: name,
                },
            }),
            Part::Any => {}
        }
        if !matches!(segment, Part::Lit(_)) {
            all.push(Cond::Test {
                operand: part(index),
                test: Test::NotIn((shape.not)(i).to_vec()),
            });
        }
    }
    Cond::AllOf(all)
}

/// The `value count` over a shape's list: how many entries approve the resource's image ID.
fn id_count(shape: &Shape) -> Cond {
    let mut any = Vec::new();
    for alias in ID_ALIASES {
        any.push(id_matches(shape, alias, false));
        if shape.versions {
            any.push(id_matches(shape, alias, true));
        }
    }
    Cond::Count {
        parameter: shape.parameter,
        name: MEMBER,
        where_: Box::new(Cond::AnyOf(any)),
        equals: 0,
    }
}

/// The `value count` over the Marketplace list: entries matching the image reference's
/// publisher, offer, SKU and version (a missing version is `latest`, as imagegate reads it),
/// or a disk's platform image ID.
fn marketplace_count() -> Cond {
    let like = |key: &'static str| Test::LikeCurrent { name: MEMBER, key };
    let mut reference: Vec<Cond> = MARKETPLACE_FIELDS[..3]
        .iter()
        .map(|(key, alias)| Cond::Test {
            operand: Operand::Field(alias),
            test: like(key),
        })
        .collect();
    let (_, version_alias) = MARKETPLACE_FIELDS[3];
    reference.push(Cond::AnyOf(vec![
        Cond::Test {
            operand: Operand::Field(version_alias),
            test: like("version"),
        },
        Cond::AllOf(vec![
            Cond::Test {
                operand: Operand::Field(version_alias),
                test: Test::Exists(false),
            },
            Cond::Test {
                operand: Operand::Text("latest"),
                test: like("version"),
            },
        ]),
    ]));
    Cond::Count {
        parameter: PLATFORM.parameter,
        name: MEMBER,
        where_: Box::new(Cond::AnyOf(vec![
            Cond::AllOf(reference),
            id_matches(&PLATFORM, ID_ALIASES[1], false),
        ])),
        equals: 0,
    }
}

/// The resources the rule applies to: VMs not attaching an existing OS disk (imagegate does
/// not judge those: no image), scale sets, and disks created from an image.
fn applies() -> Cond {
    Cond::AnyOf(vec![
        Cond::AllOf(vec![
            Cond::equals(Operand::Field("type"), COVERED[0]),
            Cond::Test {
                operand: Operand::Field(
                    "Microsoft.Compute/virtualMachines/storageProfile.osDisk.createOption",
                ),
                test: Test::NotEquals("Attach".into()),
            },
        ]),
        Cond::equals(Operand::Field("type"), COVERED[1]),
        Cond::AllOf(vec![
            Cond::equals(Operand::Field("type"), COVERED[2]),
            Cond::equals(
                Operand::Field("Microsoft.Compute/disks/creationData.createOption"),
                "FromImage",
            ),
        ]),
    ])
}

/// The whole `if`: a covered resource whose image no list approves.
pub(crate) fn condition() -> Cond {
    let mut all = vec![applies()];
    all.extend(SHAPES.iter().map(|s| id_count(s)));
    all.push(marketplace_count());
    Cond::AllOf(all)
}

/// What the description says the policy does not cover.
fn limits() -> String {
    format!(
        "Not covered (imagegate judges them in templates; this policy does not): {}. VMs that attach an existing OS disk are not judged (no image). Images the policy cannot recognise exactly are reported non-compliant even where imagegate approves them: disks created through creationData.galleryImageReference, shared and community gallery IDs with a location prefix, Dev Center galleries, VHD URIs, and IDs with a part named like an ID keyword (providers, Publishers, SharedGalleries, CommunityGalleries).",
        NOT_COVERED.join(", ")
    )
}

fn array_parameter(title: &str, description: String, entries: Vec<Map<String, Json>>) -> Json {
    json!({
        "type": "Array",
        "metadata": { "displayName": title, "description": description },
        "defaultValue": entries,
    })
}

/// Builds the definition for `config` with `effect`, laid out as `layout`.
pub fn export(config: &Config, effect: Effect, layout: Layout) -> Result<Export, Inexpressible> {
    let (lists, not_exported) = image_entries(config)?;
    let marketplace = marketplace_entries(config)?;
    for (list, parameter) in lists
        .iter()
        .zip(SHAPES.iter().map(|s| s.parameter))
        .chain([(&marketplace, PLATFORM.parameter)])
    {
        if list.len() > MAX_ENTRIES {
            return Err(Inexpressible {
                key: if parameter == PLATFORM.parameter {
                    "approved.marketplace"
                } else {
                    "approved.images"
                },
                entry: format!("{} entries of `{parameter}`", list.len()),
                field: "the list".into(),
                why: "is longer than the 100 members a `value count` may iterate",
            });
        }
    }
    let mut parameters = Map::new();
    parameters.insert(
        "effect".into(),
        json!({
            "type": "String",
            "metadata": {
                "displayName": "Effect",
                "description": "Audit reports non-compliant VMs, scale sets and disks; Deny refuses them; Disabled turns the policy off.",
            },
            "allowedValues": ["Audit", "Deny", "Disabled"],
            "defaultValue": effect.as_str(),
        }),
    );
    for (shape, entries) in SHAPES.iter().zip(lists) {
        let fields = field_names(shape).join(", ");
        let mut example: Vec<String> = shape
            .parts
            .iter()
            .map(|p| match p {
                Part::Lit(w) => (*w).to_string(),
                Part::Field(n) => format!("{{{n}}}"),
                Part::Any => "*".into(),
            })
            .collect();
        example.insert(0, String::new());
        let versions = if shape.versions {
            " (and its /versions/…)"
        } else {
            ""
        };
        parameters.insert(
            shape.parameter.into(),
            array_parameter(
                shape.title,
                format!(
                    "Objects with {fields}: each a pattern with at most one `*`, matched case-insensitively against the parts of the image ID {}{versions}.",
                    example.join("/")
                ),
                entries,
            ),
        );
    }
    parameters.insert(
        PLATFORM.parameter.into(),
        array_parameter(
            PLATFORM.title,
            "Objects with publisher, offer, sku and version: each a pattern with at most one `*`, matched case-insensitively; version `*` allows any version.".into(),
            marketplace,
        ),
    );
    let rule = json!({
        "if": condition().to_json(),
        "then": { "effect": "[parameters('effect')]" },
    });
    let source = config
        .path
        .as_ref()
        .map(|p| p.display().to_string().replace('\\', "/"))
        .unwrap_or_else(|| "the embedded default".into());
    let json = match layout {
        Layout::Rules => rule,
        Layout::Parameters => Json::Object(parameters),
        Layout::Definition => json!({
            "properties": {
                "displayName": "Approved VM images (imagegate)",
                "policyType": "Custom",
                // `All`, as the docs recommend for anything but tags and location; every
                // covered type supports tags and location, so `Indexed` would evaluate the
                // same resources.
                "mode": "All",
                "description": format!(
                    "VMs, scale sets and disks must boot from an approved image: the approved list of imagegate ({source}). Covered: {}. {}",
                    COVERED.join(", "),
                    limits()
                ),
                "metadata": {
                    "category": "Compute",
                    "version": "1.0.0",
                    "imagegate": {
                        "source": source,
                        "covered": COVERED,
                        "notCovered": NOT_COVERED,
                    },
                },
                "parameters": parameters,
                "policyRule": rule,
            }
        }),
    };
    Ok(Export { json, not_exported })
}

#[cfg(test)]
mod tests;
