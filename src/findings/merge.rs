//! One finding per problem: the findings of one judgement about instances of one declaration,
//! or saying the same thing at the same place, are merged into one that says what it covers;
//! and across the run, no two findings share a fingerprint.

use super::{Finding, Suppression, fingerprint};
use crate::model::{Assumption, CopyOf};
use crate::rules::Rule;
/// A finding before [`merge`]: what it is about, besides where.
pub(super) struct Draft {
    /// The finding, its message the rule's alone.
    pub(super) finding: Finding,
    /// The declaration and image it is about.
    pub(super) identity: Identity,
    /// What it covers, for its message.
    pub(super) cover: Cover,
}

/// The declaration and image a finding is about, in one context: the findings about its
/// instances are one problem.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(super) struct Identity {
    /// The resource's file, as displayed.
    pub(super) file: String,
    /// The resource type, lower case.
    pub(super) resource_type: String,
    /// The declaration's identity (`Resource::identity`).
    pub(super) declaration: String,
    /// The image as described, or the property path of an unknown one.
    pub(super) image: String,
}

/// The resource (and its instances) and the context a finding stands for.
#[derive(Clone, PartialEq, Eq)]
pub(super) struct Cover {
    /// `virtualMachines 'vm1'`.
    pub(super) resource: String,
    /// Its file and declaration's identity.
    pub(super) declaration: (String, String),
    /// How many instances of the declaration the finding stands for.
    pub(super) instances: usize,
    /// The copy loop they are instances of.
    pub(super) copy: Option<CopyOf>,
    /// The parameter file of the context.
    pub(super) parameter_file: Option<String>,
    /// The assumption the resource was judged under.
    pub(super) assumption: Option<Assumption>,
}

/// Most related locations a merged finding keeps.
const MAX_RELATED: usize = 32;

/// Most resources a merged finding names.
const MAX_NAMED: usize = 5;

/// One finding per problem: first the findings about instances of one declaration that reach
/// the same verdict for the same image (at the same place, or, with `any_place`, each at its
/// own: Terraform's `count` and `for_each` instances), then the findings that say the same
/// thing at the same place (resources, contexts sharing one literal). Each says what it
/// covers; its fingerprint is the least of its members' (unique: each member is in one).
pub(super) fn merge(drafts: Vec<Draft>, any_place: bool) -> Vec<Finding> {
    type Place<'a> = (&'a str, u32, u32);
    fn place(f: &Finding) -> Place<'_> {
        (&*f.location.path, f.bytes.start, f.bytes.end)
    }
    // Instances: (rule, declaration, image, context, place), keyed by borrowing the drafts;
    // each group is (its first draft, how many, its least fingerprint's draft).
    let mut groups: Vec<(usize, usize, usize)> = Vec::with_capacity(drafts.len());
    {
        type Key<'a> = (
            Rule,
            &'a Identity,
            Option<&'a str>,
            Option<&'a Assumption>,
            Option<Place<'a>>,
            Option<&'a Suppression>,
        );
        let mut index: foldhash::HashMap<Key<'_>, usize> = foldhash::HashMap::default();
        for (i, draft) in drafts.iter().enumerate() {
            let key = (
                draft.finding.rule,
                &draft.identity,
                draft.cover.parameter_file.as_deref(),
                draft.cover.assumption.as_ref(),
                (!any_place).then(|| place(&draft.finding)),
                draft.finding.suppression.as_deref(),
            );
            match index.entry(key) {
                std::collections::hash_map::Entry::Occupied(e) => {
                    let (_, count, least) = &mut groups[*e.get()];
                    *count += 1;
                    if draft.finding.fingerprint < drafts[*least].finding.fingerprint {
                        *least = i;
                    }
                }
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(groups.len());
                    groups.push((i, 1, i));
                }
            }
        }
    }
    let prints: Vec<String> = groups
        .iter()
        .map(|&(_, _, least)| drafts[least].finding.fingerprint.clone())
        .collect();
    let mut drafts: Vec<Option<Draft>> = drafts.into_iter().map(Some).collect();
    // Same thing at the same place: (rule, place, message but for the resource it names).
    let mut merged: Vec<(Finding, Vec<Cover>)> = Vec::with_capacity(groups.len());
    // A latent resource's finding is not merged into one about resources the defaults
    // deploy: that one stays as it was (its fingerprint, its message), and each says what
    // it is.
    type Said = (Rule, (String, u32, u32), String, Option<Suppression>, bool);
    let mut index: foldhash::HashMap<Said, usize> = Default::default();
    for ((first, count, _), print) in groups.into_iter().zip(prints) {
        let Some(Draft {
            mut finding,
            mut cover,
            ..
        }) = drafts[first].take()
        else {
            continue;
        };
        finding.fingerprint = print;
        cover.instances = count;
        // A message that names its resource says the same of another resource.
        let said = if finding.message.contains(cover.resource.as_str()) {
            finding.message.replace(cover.resource.as_str(), "\u{0}")
        } else {
            finding.message.clone()
        };
        let (path, start, end) = place(&finding);
        let latent = cover
            .assumption
            .as_ref()
            .is_some_and(|a| a.latent.is_some());
        let key = (
            finding.rule,
            (path.to_owned(), start, end),
            said,
            finding.suppression.as_deref().cloned(),
            latent,
        );
        match index.get(&key) {
            Some(&i) => {
                let (first, covers) = &mut merged[i];
                if finding.fingerprint < first.fingerprint {
                    first.fingerprint = std::mem::take(&mut finding.fingerprint);
                }
                for r in std::mem::take(&mut finding.related) {
                    if first.related.len() < MAX_RELATED && !first.related.contains(&r) {
                        first.related.push(r);
                    }
                }
                covers.push(cover);
            }
            None => {
                index.insert(key, merged.len());
                merged.push((finding, vec![cover]));
            }
        }
    }
    merged
        .into_iter()
        .map(|(mut finding, covers)| {
            finding.message.push_str(&covered(&covers, any_place));
            finding.parameter_file = covers.iter().find_map(|c| c.parameter_file.clone());
            finding
        })
        .collect()
}

/// What a merged finding covers, as it follows its message: the instances, the resources,
/// the assumptions and the parameter files, each said only when there is something to say
/// (a finding about one resource in one context reads as the rule words it).
/// `per_declaration`: the instances were merged from their own places, as instances of one
/// declaration (the deployment's `merge_instances`).
fn covered(covers: &[Cover], per_declaration: bool) -> String {
    let mut out = String::new();
    // The resources, each once, with its declarations (one resource of a linked template is
    // declared once for each deployment of it).
    // Found by hashing, not searching: a finding may cover 20,000 instances of one
    // declaration (a template deployed many times over), which must not cost 20,000².
    type Declaration = (String, String);
    let mut resources: Vec<(&str, Vec<&Declaration>, &Cover)> = Vec::new();
    let mut resource_at: foldhash::HashMap<&str, usize> = Default::default();
    let mut declared: foldhash::HashSet<(&str, &Declaration)> = Default::default();
    for c in covers {
        match resource_at.get(c.resource.as_str()) {
            Some(&i) => {
                if declared.insert((&c.resource, &c.declaration)) {
                    resources[i].1.push(&c.declaration);
                }
            }
            None => {
                resource_at.insert(&c.resource, resources.len());
                declared.insert((&c.resource, &c.declaration));
                resources.push((&c.resource, vec![&c.declaration], c));
            }
        }
    }
    match resources.as_slice() {
        [(_, d, c)] if d.len() == 1 => out.push_str(&instances(c, per_declaration)),
        [(_, d, _)] => out.push_str(&format!(" (deployed {} times)", d.len())),
        many => {
            // `virtualMachines 'a', 'b', virtualMachineScaleSets 'c'`: a type said once for
            // the names after it.
            let mut said = "";
            let named: Vec<String> = many
                .iter()
                .take(MAX_NAMED)
                .map(|(r, d, c)| {
                    let shown = match r.split_once(' ') {
                        Some((kind, name)) if kind == said => name.to_string(),
                        Some((kind, _)) => {
                            said = kind;
                            (*r).to_string()
                        }
                        None => (*r).to_string(),
                    };
                    match (d.len(), &c.copy) {
                        (1, Some(copy)) if c.instances > 1 => format!(
                            "{shown} ({} instances of copy loop '{}')",
                            c.instances, copy.name
                        ),
                        (1, _) => shown,
                        (n, _) => format!("{shown} ({n} times)"),
                    }
                })
                .collect();
            let more = match many.len().saturating_sub(MAX_NAMED) {
                0 => String::new(),
                n => format!(" and {n} more"),
            };
            out.push_str(&format!(
                " (for {} resources: {}{more})",
                many.len(),
                named.join(", ")
            ));
        }
    }
    // An assumption qualifies the finding only when every context it stands for made one.
    fn assumed(c: &Cover) -> Option<&str> {
        c.assumption.as_ref().and_then(|a| a.value.as_deref())
    }
    let mut assumptions: Vec<&str> = Vec::new();
    if covers.iter().all(|c| assumed(c).is_some()) {
        assumptions = distinct(covers.iter().filter_map(assumed));
    }
    if !assumptions.is_empty() {
        out.push_str(&format!(" (when {})", assumptions.join(", or ")));
    }
    // So does what deploys a latent resource: only when every resource it stands for is.
    fn latent(c: &Cover) -> Option<&str> {
        c.assumption
            .as_ref()
            .and_then(|a| a.latent.as_ref())
            .map(|l| l.when.as_str())
    }
    let mut whens: Vec<&str> = Vec::new();
    if covers.iter().all(|c| latent(c).is_some()) {
        whens = distinct(covers.iter().filter_map(latent));
    }
    if !whens.is_empty() {
        out.push_str(&format!(" ({})", whens.join(", or ")));
    }
    let files = distinct(covers.iter().filter_map(|c| c.parameter_file.as_deref()));
    let without = covers.iter().any(|c| c.parameter_file.is_none());
    match (files.as_slice(), without) {
        ([], _) => {}
        ([one], false) => out.push_str(&format!(" (with parameter file {one})")),
        (many, false) => out.push_str(&format!(" (with parameter files {})", many.join(", "))),
        (some, true) => out.push_str(&format!(
            " (with parameter file{} {}, and without one)",
            if some.len() == 1 { "" } else { "s" },
            some.join(", ")
        )),
    }
    out
}

/// The texts of `all`, each once, in the order they first come (hashed: linear).
fn distinct<'c>(all: impl Iterator<Item = &'c str>) -> Vec<&'c str> {
    let mut seen: foldhash::HashSet<&str> = Default::default();
    all.filter(|t| seen.insert(t)).collect()
}

/// How many instances of its declaration `cover` stands for, as it follows a message: how
/// instances of one declaration merged from their own places (`per_declaration`: Terraform's
/// `count` and `for_each`), and a copy loop's, are said.
fn instances(cover: &Cover, per_declaration: bool) -> String {
    let k = cover.instances;
    if per_declaration {
        return match k - 1 {
            0 => String::new(),
            1 => " (and 1 more instance of this declaration)".to_string(),
            more => format!(" (and {more} more instances of this declaration)"),
        };
    }
    match &cover.copy {
        Some(CopyOf { name, count: None }) => format!(
            " (covers every instance of copy loop '{name}', whose count is not known offline)"
        ),
        Some(CopyOf {
            name,
            count: Some(n),
        }) => {
            let n = usize::try_from(*n).unwrap_or(usize::MAX);
            match (k, n) {
                (1, 0 | 1) => String::new(),
                (k, n) if k == n => format!(" (covers the {n} instances of copy loop '{name}')"),
                (k, n) if k < n => {
                    format!(" (covers {k} of the {n} instances of copy loop '{name}')")
                }
                // Loops within loops (a copy loop deployed by a copy loop of deployments).
                (k, _) => format!(
                    " (covers {k} instances, of copy loop '{name}' and the loops around it)"
                ),
            }
        }
        None if k > 1 => format!(" (covers {k} instances)"),
        None => String::new(),
    }
}

/// Gives each finding that shares its fingerprint with another a fingerprint of its own, so
/// that code scanning never takes two findings for one alert: the one first by path, rule and
/// message (not by line, so that moving lines changes nothing) keeps it, each other one gets
/// the hash of it with its path, message and rank. Findings are merged so that this does not
/// happen; it is the guarantee.
pub(crate) fn unique_fingerprints(findings: &mut [Finding]) {
    let mut by_print: foldhash::HashMap<&str, Vec<usize>> = foldhash::HashMap::default();
    for (i, f) in findings.iter().enumerate() {
        by_print.entry(f.fingerprint.as_str()).or_default().push(i);
    }
    let mut shared: Vec<Vec<usize>> = by_print.into_values().filter(|v| v.len() > 1).collect();
    if shared.is_empty() {
        return;
    }
    shared.sort();
    let mut taken: foldhash::HashSet<String> =
        findings.iter().map(|f| f.fingerprint.clone()).collect();
    for mut group in shared {
        group.sort_by(|&a, &b| {
            let (a, b) = (&findings[a], &findings[b]);
            (&a.location.path, a.rule, &a.message).cmp(&(&b.location.path, b.rule, &b.message))
        });
        for (rank, &i) in group.iter().enumerate().skip(1) {
            let f = &findings[i];
            let mut salt = rank;
            let mut print;
            loop {
                print = fingerprint(&[
                    &f.fingerprint,
                    &f.location.path,
                    &f.message,
                    &salt.to_string(),
                ]);
                if taken.insert(print.clone()) {
                    break;
                }
                salt += 1;
            }
            findings[i].fingerprint = print;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cover(resource: &str, instances: usize, copy: Option<(&str, Option<i64>)>) -> Cover {
        Cover {
            resource: resource.into(),
            declaration: ("a.json".into(), resource.into()),
            instances,
            copy: copy.map(|(name, count)| CopyOf {
                name: name.into(),
                count,
            }),
            parameter_file: None,
            assumption: None,
        }
    }

    #[test]
    fn what_a_merged_finding_covers_is_said_short_and_exactly() {
        let vm = "virtualMachines 'vm-0'";
        let said = |covers: &[Cover]| covered(covers, false);
        assert_eq!(said(&[cover(vm, 1, None)]), "");
        assert_eq!(said(&[cover(vm, 1, Some(("vms", Some(1))))]), "");
        assert_eq!(
            said(&[cover(vm, 3, Some(("vms", Some(3))))]),
            " (covers the 3 instances of copy loop 'vms')"
        );
        assert_eq!(
            said(&[cover(vm, 2, Some(("vms", Some(3))))]),
            " (covers 2 of the 3 instances of copy loop 'vms')"
        );
        assert_eq!(
            said(&[cover(vm, 1, Some(("vms", None)))]),
            " (covers every instance of copy loop 'vms', whose count is not known offline)"
        );
        // A loop within a loop of deployments: more instances than the inner loop has.
        assert_eq!(
            said(&[cover(vm, 6, Some(("vms", Some(3))))]),
            " (covers 6 instances, of copy loop 'vms' and the loops around it)"
        );
        // Terraform's count and for_each.
        assert_eq!(
            covered(
                &[cover("azurerm_linux_virtual_machine 'x[0]'", 3, None)],
                true
            ),
            " (and 2 more instances of this declaration)"
        );
        // One resource deployed by two deployments.
        let mut again = cover(vm, 1, None);
        again.declaration.1 = "other>vm".into();
        assert_eq!(said(&[cover(vm, 1, None), again]), " (deployed 2 times)");
        // Several resources: a type said once for the names after it, at most five named.
        let many: Vec<Cover> = ["a", "b", "c", "d", "e", "f"]
            .iter()
            .map(|n| cover(&format!("virtualMachines '{n}'"), 1, None))
            .chain([cover("disks 'g'", 1, None)])
            .collect();
        assert_eq!(
            said(&many),
            " (for 7 resources: virtualMachines 'a', 'b', 'c', 'd', 'e' and 2 more)"
        );
        // Contexts: every parameter file; an assumption only when every context made one.
        let mut a = cover(vm, 1, None);
        a.parameter_file = Some("a.parameters.json".into());
        a.assumption = Some(Assumption {
            value: Some("parameter 'os' = 'Windows'".into()),
            latent: None,
        });
        let mut b = a.clone();
        b.parameter_file = Some("b.parameters.json".into());
        b.assumption = Some(Assumption {
            value: Some("parameter 'os' = 'Linux'".into()),
            latent: None,
        });
        assert_eq!(
            said(&[a.clone(), b.clone()]),
            " (when parameter 'os' = 'Windows', or parameter 'os' = 'Linux') (with parameter files a.parameters.json, b.parameters.json)"
        );
        b.assumption = None;
        b.parameter_file = None;
        assert_eq!(
            said(&[a, b]),
            " (with parameter file a.parameters.json, and without one)"
        );
        // What deploys a latent resource, with the allowed value it was judged with.
        let when = "deployed only when parameter 'deployVm' is true (its default is false)";
        let mut latent = cover(vm, 1, None);
        latent.assumption = Some(Assumption {
            value: Some("parameter 'os' = 'Windows'".into()),
            latent: Some(crate::model::Latent {
                when: when.into(),
                conditions: Vec::new(),
            }),
        });
        assert_eq!(
            said(&[latent]),
            format!(" (when parameter 'os' = 'Windows') ({when})")
        );
    }

    /// A finding about a latent resource and one about a resource the defaults deploy, at the
    /// same literal, stay two: the second keeps its fingerprint and message.
    #[test]
    fn a_latent_resources_finding_is_not_merged_into_a_deployed_ones() {
        use crate::findings::{Detail, FindingBuilder};
        use crate::source::{Encoding, SourceFile};
        let file = SourceFile::new(
            "a.json".into(),
            "a.json".into(),
            "{\"image\": \"x\"}".into(),
            Encoding::Utf8,
        );
        let rule = Rule::find("IG001").expect("registered");
        let draft = |name: &str, print: &str, latent: bool| {
            let mut finding = FindingBuilder::new(rule, &file, 1..8, Detail::default())
                .message("unapproved")
                .identity(&[print])
                .build();
            finding.message = format!("{} '{name}'", "virtualMachines");
            let resource = format!("virtualMachines '{name}'");
            let mut cover = cover(&resource, 1, None);
            cover.assumption = latent.then(|| Assumption {
                value: None,
                latent: Some(crate::model::Latent {
                    when: "deployed only when parameter 'x' is true (its default is false)".into(),
                    conditions: Vec::new(),
                }),
            });
            Draft {
                finding,
                identity: Identity {
                    file: "a.json".into(),
                    resource_type: "microsoft.compute/virtualmachines".into(),
                    declaration: name.into(),
                    image: "x".into(),
                },
                cover,
            }
        };
        let deployed = draft("a", "b-print", false);
        let print = deployed.finding.fingerprint.clone();
        let merged = merge(
            vec![
                deployed,
                draft("b", "a-print", true),
                draft("c", "c-print", true),
            ],
            false,
        );
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[0].fingerprint, print);
        assert_eq!(merged[0].message, "virtualMachines 'a'");
        assert_eq!(
            merged[1].message,
            "virtualMachines 'b' (for 2 resources: virtualMachines 'b', 'c') (deployed only when parameter 'x' is true (its default is false))"
        );
    }
}
