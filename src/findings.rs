//! From verdicts to findings: every image of every resource is judged, every resource rule
//! checks each judged resource, and each violation becomes a located [`Finding`] pointing where
//! a person changes it, with the rest of the chain as related locations. Every image-bearing
//! resource also gets a [`ResourceEntry`] with its status.

use crate::catalog::Catalog;
use crate::config::{Config, Mode};
use crate::extract::{self, FoundImage};
use crate::image::Image;
use crate::judge::Verdict;
use crate::model::{Deployment, Language, Resource};
use crate::report::{
    Detail, Excerpt, Finding, ImageRef, Location, Related, ResourceEntry, ResourceRef, Status,
    fingerprint,
};
use crate::rules::{self, JudgedImage, JudgedResource, Rule, Severity, Violation, short_type};
use crate::source::{FileId, SourceFile, SourceMap, Span};
use crate::value::Why;

/// What judging one deployment gives; the caller adds it to its file's outcome.
#[derive(Debug, Default)]
pub struct Judgement {
    /// Findings, located.
    pub findings: Vec<Finding>,
    /// Image-bearing resources, with their status.
    pub resources: Vec<ResourceEntry>,
    /// Notes of the evaluation contexts (budgets cut, links refused), located, for stderr.
    pub notes: Vec<String>,
}

/// Judges every image of every resource of `deployment` and runs every resource rule on each
/// judged resource. `main` is the deployment's file (where unlocated notes point); `detail`
/// says what to keep of each finding.
pub fn judge_deployment(
    deployment: &Deployment,
    sources: &SourceMap,
    main: FileId,
    config: &Config,
    detail: Detail,
) -> Judgement {
    let catalog = Catalog::builtin();
    let mut out = Judgement::default();
    for context in &deployment.contexts {
        for note in &context.notes {
            let place = note.span.map_or_else(
                || sources.get(main).display.clone(),
                |s| {
                    let l = Location::of(sources.get(s.file), s.start, s.end);
                    format!("{}:{}:{}", l.path, l.line, l.column)
                },
            );
            out.notes.push(format!("{place}: {}", note.kind));
        }
        let param = context.parameter_file.as_deref();
        let shared = Shared {
            parameter_file: param,
            sources,
            detail,
        };
        // Resources with their images, then deployments whose contents cannot be seen: those
        // have one image, unknown for the reason their template cannot be read.
        let unseen = context
            .unseen
            .iter()
            .map(|u| (&u.resource, Some((&u.why, u.property))));
        let declared = context.resources.iter().map(|r| (r, None));
        for (resource, unseen) in declared.chain(unseen) {
            let images: Vec<JudgedImage> = match unseen {
                Some((why, property)) => vec![unseen_image(resource, why, property)],
                None => {
                    let entry = match deployment.language {
                        Language::Arm => catalog.arm(&resource.resource_type),
                        // azapi resources in a plan carry the ARM type they deploy.
                        Language::TerraformPlan => catalog
                            .terraform(&resource.resource_type)
                            .or_else(|| catalog.arm(&resource.resource_type)),
                    };
                    let Some(entry) = entry else {
                        continue;
                    };
                    extract::images_among(resource, entry, &context.resources)
                        .into_iter()
                        .map(|found| {
                            let verdict = config.policy.judge(&found.image);
                            JudgedImage { found, verdict }
                        })
                        .collect()
                }
            };
            // Each image as the report shows it, made once for the entry and its findings.
            let refs: Vec<ImageRef> = images
                .iter()
                .map(|j| ImageRef::of(&j.found.image, &clipped))
                .collect();
            out.resources
                .push(resource_entry(resource, &images, &refs, sources, param));
            let judged = JudgedResource {
                resource,
                images: &images,
            };
            let mut violations: Vec<(Rule, Violation<'_>)> = Vec::new();
            for (rule, check) in rules::resource_rules() {
                violations.extend(check.check(&judged).into_iter().map(|v| (rule, v)));
            }
            // In the order of the images (then of the rules), as the resource declares them.
            violations.sort_by_key(|(_, v)| v.image.unwrap_or(usize::MAX));
            out.findings
                .extend(violations.into_iter().filter_map(|(rule, v)| {
                    let severity = severity(rule, config)?;
                    let image = v.image.and_then(|i| refs.get(i)).cloned();
                    Some(Finding {
                        image,
                        ..finding(rule, severity, v, &judged, &shared)
                    })
                }));
        }
    }
    if deployment.merge_instances {
        merge_instances(&mut out.findings, 0);
    }
    out
}

/// The one image of a resource whose contents were not seen (a deployment whose template
/// cannot be read, copies beyond the budget): unknown, for `why`, pointing where a person
/// makes it readable; `property` is what was not seen.
fn unseen_image(deployment: &Resource, why: &Why, property: &str) -> JudgedImage {
    let at = why
        .span
        .filter(|s| s.file == deployment.span.file)
        .unwrap_or(deployment.span);
    JudgedImage {
        found: FoundImage {
            image: Image::Unresolved(why.clone()),
            primary: at,
            property: at,
            path: property.to_string(),
            hops: Vec::new(),
        },
        verdict: Verdict::Unresolved(why.clone()),
    }
}

/// The resource's entry in the report: what its images were resolved to and its status.
fn resource_entry(
    resource: &Resource,
    judged: &[JudgedImage],
    refs: &[ImageRef],
    sources: &SourceMap,
    parameter_file: Option<&str>,
) -> ResourceEntry {
    let any = |verdict: fn(&Verdict) -> bool| judged.iter().any(|j| verdict(&j.verdict));
    let status = if any(|v| *v == Verdict::Unapproved) {
        Status::Noncompliant
    } else if any(|v| matches!(v, Verdict::Unresolved(_))) {
        Status::Unresolved
    } else if any(|v| matches!(v, Verdict::Compliant | Verdict::Unpinned)) {
        Status::Compliant
    } else {
        Status::NotJudged
    };
    let image = (!refs.is_empty()).then(|| {
        refs.iter()
            .map(|r| r.display.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    });
    let file = sources.get(resource.span.file);
    ResourceEntry {
        path: file.display.clone(),
        line: file.line_col(resource.span.start).line,
        resource_type: resource.resource_type.clone(),
        name: resource.name.clone(),
        image,
        images: refs.to_vec(),
        status,
        parameter_file: parameter_file.map(str::to_owned),
        assumption: resource.assumption.clone(),
    }
}

/// Most characters of template-controlled text a message carries: an 800 KB image ID copied
/// into 100 loop instances must not make an 80 MB report.
const MAX_MESSAGE_CHARS: usize = 1000;

/// `text`, or when longer than [`MAX_MESSAGE_CHARS`] characters its head and tail around a mark
/// saying how many characters were left out (the tail of a message holds its cause).
fn clipped(text: &str) -> String {
    const HEAD: usize = MAX_MESSAGE_CHARS * 3 / 5;
    const TAIL: usize = MAX_MESSAGE_CHARS - HEAD;
    let count = text.chars().count();
    if count <= MAX_MESSAGE_CHARS {
        return text.to_owned();
    }
    let head_end = text.char_indices().nth(HEAD).map_or(text.len(), |(i, _)| i);
    let tail_start = text
        .char_indices()
        .nth(count - TAIL)
        .map_or(text.len(), |(i, _)| i);
    format!(
        "{} … ({} characters left out) … {}",
        &text[..head_end],
        count - HEAD - TAIL,
        &text[tail_start..]
    )
}

/// What every finding of one evaluation context shares.
struct Shared<'a> {
    /// The parameter file the context takes values from.
    parameter_file: Option<&'a str>,
    /// The files, to locate spans.
    sources: &'a SourceMap,
    /// What to keep of each finding.
    detail: Detail,
}

/// The finding for `violation` of `rule` on `judged`: its message completed with the context,
/// located, with the resource, the image property and every hop as related locations.
fn finding(
    rule: Rule,
    severity: Severity,
    violation: Violation<'_>,
    judged: &JudgedResource<'_>,
    shared: &Shared<'_>,
) -> Finding {
    let Shared {
        parameter_file,
        sources,
        detail,
        ..
    } = *shared;
    let resource = judged.resource;
    let found = violation.image.map(|i| &judged.images[i].found);
    let mut message = clipped(&violation.message);
    if let Some(a) = &resource.assumption {
        message = format!("{message} (when {a})");
    }
    if let Some(p) = parameter_file {
        message = format!("{message} (with parameter file {p})");
    }
    let primary = violation.primary;
    let file = sources.get(primary.file);
    let mut related = Vec::new();
    let mut relate = |span: Span, message: String| {
        let message = clipped(&message);
        let seen = related.iter().any(|r: &Related| {
            r.message == message
                && r.location.path == sources.get(span.file).display
                && r.location.line == sources.get(span.file).line_col(span.start).line
        });
        if span != primary && !seen {
            let f = sources.get(span.file);
            related.push(Related {
                location: Location::of(f, span.start, span.start),
                message,
            });
        }
    };
    relate(
        resource.span,
        format!(
            "{} '{}' is declared here",
            short_type(&resource.resource_type),
            resource.name
        ),
    );
    if let Some(found) = found {
        relate(
            found.property,
            format!("the image is set here (`{}`)", found.path),
        );
        for hop in &found.hops {
            relate(hop.span, hop.via.to_string());
        }
    }
    for hop in violation.chain {
        relate(hop.span, hop.via.to_string());
    }
    let image_key = found.map_or_else(String::new, |f| match &f.image {
        Image::Unresolved(_) => f.path.clone(),
        other => other.describe(),
    });
    Finding {
        rule,
        severity,
        message,
        label: violation.label,
        location: Location::of(file, primary.start, primary.end),
        bytes: primary.start..primary.end,
        excerpt: detail
            .excerpts
            .then(|| Excerpt::of(file, primary.start, primary.end)),
        resource: Some(ResourceRef {
            resource_type: resource.resource_type.clone(),
            name: resource.name.clone(),
        }),
        parameter_file: parameter_file.map(str::to_owned),
        related,
        // Set by the caller, which made it for the resource entry.
        image: None,
        fingerprint: fingerprint(&[
            rule.id(),
            &sources.get(resource.span.file).display,
            &resource.resource_type.to_ascii_lowercase(),
            &resource.identity,
            &image_key,
            parameter_file.unwrap_or(""),
            resource.assumption.as_deref().unwrap_or(""),
        ]),
        fix: None,
        suppression: None,
    }
}

/// The severity of `rule`'s findings under `config`, or `None` when `[rules]` turns the rule
/// off: the level `[rules]` sets, else the rule's document's; in audit mode an image rule's
/// error is a warning (audit reports and never blocks on images; a file that cannot be read,
/// IG000, stays an error). The one place a finding's severity is decided.
pub(crate) fn severity(rule: Rule, config: &Config) -> Option<Severity> {
    let severity = match config.level(rule) {
        Some(level) => level.severity()?,
        None => rule.severity(),
    };
    let image_rule = rule.resource_rule().is_some();
    Some(match (config.mode, severity) {
        (Mode::Audit, Severity::Error) if image_rule => Severity::Warning,
        (_, severity) => severity,
    })
}

/// Gives every finding of the run the severity `config` decides ([`severity`]) and drops
/// those of rules it turns off: for the findings made while files are read (IG000), which
/// are made before any config is consulted.
pub(crate) fn apply_severities(findings: &mut Vec<Finding>, config: &Config) {
    if config.rules.is_empty() {
        return;
    }
    findings.retain_mut(|f| match severity(f.rule, config) {
        Some(s) => {
            f.severity = s;
            true
        }
        None => false,
    });
}

/// The effective severity of every rule under `config` (`None`: turned off), in rule order:
/// what SARIF's rule descriptors and the reports' config summary show.
pub(crate) fn rule_severities(config: &Config) -> Vec<(Rule, Option<Severity>)> {
    Rule::ALL
        .iter()
        .map(|&r| (r, severity(r, config)))
        .collect()
}

/// An IG000 finding: `headline` says what could not be read ("cannot parse ARM template"),
/// `problem` why, at bytes `at` of `file`.
pub(crate) fn parse_error(
    file: &SourceFile,
    detail: Detail,
    at: std::ops::Range<u32>,
    headline: &str,
    problem: &str,
) -> Finding {
    let (message, label) = rules::parse_error_wording(headline, problem);
    file_finding(rules::PARSE_ERROR, file, at, message, label, detail)
}

/// The IG000 of a folder the walk could not list (`folder`), or of an entry of one whose kind
/// it could not tell, at `path` (shown as `display`): none of the files in it was judged, so
/// the run cannot pass. It has no excerpt: there is no text to show.
pub(crate) fn unreadable_entry(
    path: &std::path::Path,
    display: &str,
    folder: bool,
    error: &std::io::Error,
) -> Finding {
    let file = SourceFile::new(
        path.to_path_buf(),
        display.to_string(),
        String::new(),
        crate::source::Encoding::Utf8,
    );
    let (headline, problem) = rules::unreadable_wording(folder, error);
    parse_error(&file, Detail::default(), 0..0, headline, &problem)
}

/// A finding of `rule` about the file `file` itself (not a resource), at bytes `at`.
fn file_finding(
    rule: Rule,
    file: &SourceFile,
    at: std::ops::Range<u32>,
    message: String,
    label: String,
    detail: Detail,
) -> Finding {
    Finding {
        rule,
        severity: rule.severity(),
        message: clipped(&message),
        label,
        location: Location::of(file, at.start, at.end),
        excerpt: detail.excerpts.then(|| Excerpt::of(file, at.start, at.end)),
        bytes: at,
        resource: None,
        parameter_file: None,
        related: Vec::new(),
        image: None,
        fingerprint: fingerprint(&[rule.id(), &file.display]),
        fix: None,
        suppression: None,
    }
}

/// An IG006 finding: the config file `file` (found in the scanned tree) is not the config in
/// effect, whose path is `in_effect` as displayed (`None`: the embedded default). It points
/// at the file's first line.
pub(crate) fn config_not_in_effect(
    file: &SourceFile,
    in_effect: Option<&str>,
    detail: Detail,
) -> Finding {
    let (message, label) = rules::config_not_in_effect_wording(&file.display, in_effect);
    let end = file.text.find('\n').unwrap_or(file.text.len()) as u32;
    let rule = rules::CONFIG_NOT_IN_EFFECT;
    file_finding(rule, file, 0..end, message, label, detail)
}

/// Merges the findings (from index `first`) about instances of one declaration (`count`,
/// `for_each`) that reach the same verdict for the same image: the first is kept and says how
/// many instances it stands for.
fn merge_instances(findings: &mut Vec<Finding>, first: usize) {
    let mut more: Vec<usize> = Vec::new();
    let mut index = foldhash::HashMap::default();
    for finding in findings.drain(first..).collect::<Vec<_>>() {
        let key = (finding.rule, finding.fingerprint.clone());
        if let Some(&i) = index.get(&key) {
            more[i] += 1;
        } else {
            index.insert(key, more.len());
            more.push(0);
            findings.push(finding);
        }
    }
    for (finding, &more) in findings[first..].iter_mut().zip(&more) {
        if more > 0 {
            let s = if more == 1 { "" } else { "s" };
            finding.message.push_str(&format!(
                " (and {more} more instance{s} of this declaration)"
            ));
        }
    }
}

/// A text embedded in an attribute of a host file, judged as a file of its own: where the
/// attribute is, so that what is found in the text points where a person changes it.
#[derive(Debug, Clone, Copy)]
pub struct Embedding<'a> {
    /// The name the text was judged under (the `path` of locations in it).
    pub display: &'a str,
    /// The attribute holding it, in the host's sources.
    pub host: Span,
    /// Where the host file itself holds it, when `host` is in another file (the source a
    /// person edits): kept as a related location.
    pub also: Option<Span>,
    /// What the text is, for messages ("the ARM template embedded in `template_content` of
    /// azurerm_resource_group_template_deployment.x").
    pub what: &'a str,
}

/// Moves every finding, related location, resource entry and note located in one of the
/// `embedded` texts to the host attribute that holds it (in `host`), saying in the message
/// where in the text it is: a line of a text held as an escaped string means nothing to the
/// person who edits the attribute.
pub fn relocate(
    judgement: &mut Judgement,
    embedded: &[Embedding<'_>],
    host: &SourceMap,
    detail: Detail,
) {
    let find = |path: &str| embedded.iter().find(|e| e.display == path);
    let place = |e: &Embedding<'_>| {
        let file = host.get(e.host.file);
        (file, Location::of(file, e.host.start, e.host.end))
    };
    for f in &mut judgement.findings {
        for r in &mut f.related {
            if let Some(e) = find(&r.location.path) {
                r.message = format!("{} (in {}, line {})", r.message, e.what, r.location.line);
                r.location = place(e).1;
            }
        }
        if let Some(e) = find(&f.location.path) {
            let (file, location) = place(e);
            f.message = format!("{} (in {}, line {})", f.message, e.what, f.location.line);
            f.location = location;
            f.bytes = e.host.start..e.host.end;
            f.excerpt = detail
                .excerpts
                .then(|| Excerpt::of(file, e.host.start, e.host.end));
            if let Some(also) = e.also {
                let held = host.get(also.file);
                f.related.push(Related {
                    location: Location::of(held, also.start, also.end),
                    message: format!("{}, as {} holds it", e.what, held.display),
                });
            }
        }
    }
    for r in &mut judgement.resources {
        if let Some(e) = find(&r.path) {
            let location = place(e).1;
            r.path = location.path;
            r.line = location.line;
        }
    }
    for note in &mut judgement.notes {
        // "{display}:{line}:{column}: {note}"
        let Some(e) = embedded.iter().find(|e| {
            note.strip_prefix(e.display)
                .is_some_and(|rest| rest.starts_with(':'))
        }) else {
            continue;
        };
        let rest = &note[e.display.len() + 1..];
        let l = place(e).1;
        let mut parts = rest.splitn(3, ':');
        let located = match (parts.next(), parts.next(), parts.next()) {
            (Some(line), Some(column), Some(text))
                if line.parse::<u32>().is_ok() && column.parse::<u32>().is_ok() =>
            {
                Some((line, text))
            }
            _ => None,
        };
        *note = match located {
            Some((line, text)) => format!(
                "{}:{}:{}:{text} (in {}, line {line})",
                l.path, l.line, l.column, e.what
            ),
            None => format!("{}:{}:{}:{rest} (in {})", l.path, l.line, l.column, e.what),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_messages_keep_their_head_and_tail() {
        let short = "é".repeat(MAX_MESSAGE_CHARS);
        assert_eq!(clipped(&short), short);
        // Multi-byte characters are counted and cut as characters.
        let long = format!("{}{}{}", "h".repeat(700), "é".repeat(800_000), "the cause");
        let clipped = clipped(&long);
        assert_eq!(
            clipped,
            format!(
                "{} … (799709 characters left out) … {}the cause",
                "h".repeat(600),
                "é".repeat(391)
            )
        );
    }

    #[test]
    fn audit_mode_turns_errors_into_warnings() {
        let [parse, unapproved, unresolved, unpinned] =
            ["IG000", "IG001", "IG002", "IG003"].map(|id| Rule::find(id).expect("registered"));
        let deny = Config::embedded();
        let audit = Config {
            mode: Mode::Audit,
            ..Config::embedded()
        };
        assert_eq!(severity(unapproved, &deny), Some(Severity::Error));
        assert_eq!(severity(unapproved, &audit), Some(Severity::Warning));
        for rule in [unresolved, unpinned] {
            assert_eq!(severity(rule, &deny), Some(Severity::Warning));
            assert_eq!(severity(rule, &audit), Some(Severity::Warning));
        }
        assert_eq!(severity(parse, &deny), Some(Severity::Error));
        assert_eq!(severity(parse, &audit), Some(Severity::Error));
    }

    #[test]
    fn the_config_sets_a_rules_severity_or_turns_it_off() {
        use crate::config::Level;
        let [parse, unresolved, unpinned] =
            ["IG000", "IG002", "IG003"].map(|id| Rule::find(id).expect("registered"));
        let mut config = Config::embedded();
        config.rules = vec![
            (parse, Level::Warning),
            (unresolved, Level::Error),
            (unpinned, Level::Off),
        ];
        assert_eq!(severity(unresolved, &config), Some(Severity::Error));
        assert_eq!(severity(unpinned, &config), None);
        assert_eq!(severity(parse, &config), Some(Severity::Warning));
        // Audit mode still never blocks on an image.
        config.mode = Mode::Audit;
        assert_eq!(severity(unresolved, &config), Some(Severity::Warning));
        assert_eq!(severity(unpinned, &config), None);
        let all = rule_severities(&config);
        assert_eq!(all.len(), Rule::ALL.len());
        assert!(all.contains(&(unpinned, None)));
    }

    #[test]
    fn a_parse_error_is_located_and_worded() {
        use crate::source::Encoding;
        let text = "{\n  \"a\": 1 \"b\": 2\n}\n".to_string();
        let file = SourceFile::new("t.json".into(), "dir/t.json".into(), text, Encoding::Utf8);
        let f = parse_error(
            &file,
            Detail { excerpts: true },
            11..12,
            "cannot parse ARM template",
            "expected `,` or `}`",
        );
        assert_eq!(f.rule, rules::PARSE_ERROR);
        assert_eq!(f.severity, Severity::Error);
        assert_eq!(f.message, "cannot parse ARM template: expected `,` or `}`");
        assert_eq!(f.label, "expected `,` or `}`");
        assert_eq!(
            (f.location.path.as_str(), f.location.line, f.location.column),
            ("dir/t.json", 2, 10)
        );
        assert_eq!(f.bytes, 11..12);
        assert!(f.excerpt.is_some());
        assert_eq!(f.fingerprint, fingerprint(&["IG000", "dir/t.json"]));
        assert_eq!((f.fix, f.suppression), (None, None));
        let bare = parse_error(&file, Detail::default(), 0..0, "h", "m");
        assert!(bare.excerpt.is_none());
    }

    #[test]
    fn what_is_found_in_an_embedded_text_is_moved_to_its_host_attribute() {
        use crate::source::Encoding;
        let mut host = SourceMap::default();
        let plan_text = "{\"a\":\n  \"embedded text\"}\n".to_string();
        let plan = host.add(SourceFile::new(
            "plan.json".into(),
            "plan.json".into(),
            plan_text,
            Encoding::Utf8,
        ));
        let inner = SourceFile::new(
            "x.content".into(),
            "x.content".into(),
            "{\n\n  bad".to_string(),
            Encoding::Utf8,
        );
        let finding = parse_error(
            &inner,
            Detail { excerpts: true },
            5..8,
            "cannot parse",
            "why",
        );
        let mut judgement = Judgement {
            findings: vec![finding],
            resources: vec![ResourceEntry {
                path: "x.content".into(),
                line: 3,
                parameter_file: None,
                resource_type: "T".into(),
                name: "n".into(),
                image: None,
                images: Vec::new(),
                status: Status::NotJudged,
                assumption: None,
            }],
            notes: vec![
                "x.content:3:3: budget cut".to_string(),
                "x.content: unlocated".to_string(),
                "other.json:1:1: left alone".to_string(),
            ],
        };
        let embedding = Embedding {
            display: "x.content",
            host: Span::new(plan, 8, 23),
            also: None,
            what: "the text in `a` of x",
        };
        relocate(
            &mut judgement,
            &[embedding],
            &host,
            Detail { excerpts: true },
        );
        let f = &judgement.findings[0];
        assert_eq!(f.location.path, "plan.json");
        assert_eq!((f.location.line, f.location.column), (2, 3));
        assert_eq!(f.bytes, 8..23);
        assert!(
            f.message.ends_with(" (in the text in `a` of x, line 3)"),
            "{}",
            f.message
        );
        assert_eq!(f.excerpt.as_ref().map(|e| e.line_start), Some(2));
        let r = &judgement.resources[0];
        assert_eq!((r.path.as_str(), r.line), ("plan.json", 2));
        assert_eq!(
            judgement.notes,
            [
                "plan.json:2:3: budget cut (in the text in `a` of x, line 3)",
                "plan.json:2:3: unlocated (in the text in `a` of x)",
                "other.json:1:1: left alone",
            ]
        );
    }
}
