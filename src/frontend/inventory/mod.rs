//! Inventory exports: what is deployed, as `az` and Azure Resource Graph print it. Read by
//! `imagegate audit` only (never by `check`'s walk: an estate export in a repository is not
//! code a change deploys).
//!
//! Shapes, told apart by content ([`read`]): a JSON array of resources (`az vm list [-d]`,
//! `az vmss list`, `az vmss list-instances`, `az disk list`, the `data` of `az graph query`,
//! the portal's Resource Graph JSON download), one resource (`az vm show`), the whole `az
//! graph query --output json` answer (`{count, data, skip_token, total_records}`; a page that
//! is not the whole answer is an IG000), and a Resource Graph CSV (`id` and `type` columns;
//! `properties` and `tags` as JSON text). Each VM, scale set, instance and disk becomes a
//! [`crate::model::Resource`] of the ARM type, named by its resource ID (unique across
//! subscriptions), with the ARM body the catalogue reads ([`lower`]) and where it runs.

mod csv;
mod keep;
mod lower;
mod read;

use crate::catalog::Catalog;
use crate::frontend::{Env, Frontend, Lowered, ParseProblem, Sniff, ToJudge};
use crate::model::{Context, Deployment, Dialect, Section, SourceKind};
use crate::note::{Note, NoteKind};
use crate::source::{Loaded, Span};

use lower::{Outcome, Pin};

/// At most this many entries of one export are told as IG000 one by one; the rest are
/// counted in one more.
const MAX_PROBLEMS: usize = 100;

/// Inventory exports (`az … list`, Azure Resource Graph).
#[derive(Debug)]
pub(crate) struct Inventory;

impl Frontend for Inventory {
    fn extensions(&self) -> &'static [&'static str] {
        &["csv", "json"]
    }

    /// Every file given to `audit` is offered: one that is no export is an IG000 that names
    /// the shapes imagegate reads, never skipped.
    fn sniff(&self, _bytes: &[u8]) -> Sniff {
        Sniff::Marker
    }

    fn headline(&self) -> &'static str {
        "cannot read inventory export"
    }

    fn claims_undecodable(&self, _lossy: &str) -> bool {
        true
    }

    fn lower(&self, file: Loaded, env: &Env<'_>) -> Result<Lowered, Loaded> {
        let mut out = Lowered::default();
        let display = file.display.clone();
        let id = file.add_to(&mut out.sources);
        let text = &out.sources.get(id).text;
        let headline = self.headline();
        let max_values = env.allowance.limits().max_document_values;
        let read = match read::read(text, id, env.options.keep, max_values) {
            Ok(read) => read,
            Err((offset, message)) => {
                let problem = ParseProblem::at_char(id, text, offset, headline, message);
                out.problems.push(problem);
                return Ok(out);
            }
        };
        let mut problems: Vec<(Span, String)> = read
            .problems
            .iter()
            .map(|(offset, message)| {
                let p = ParseProblem::at_char(id, text, *offset, headline, String::new());
                (p.span, message.clone())
            })
            .collect();
        if let Some((offset, message)) = &read.partial {
            let p = ParseProblem::at_char(id, text, *offset, headline, String::new());
            problems.push((p.span, message.clone()));
        }
        let catalog = Catalog::builtin();
        let mut resources = Vec::with_capacity(read.entries.len());
        let mut skipped: Vec<String> = Vec::new();
        let mut skipped_count = 0usize;
        let mut unknown_version: (usize, Option<String>) = (0, None);
        for entry in read.entries {
            match lower::entry(entry, catalog) {
                Outcome::Resource(resource, pin) => {
                    if pin == Pin::Unknown {
                        unknown_version.0 += 1;
                        unknown_version
                            .1
                            .get_or_insert_with(|| resource.name.clone());
                    }
                    resources.push(*resource);
                }
                Outcome::Skipped(kind) => {
                    skipped_count += 1;
                    if skipped.len() < 3 && !skipped.contains(&kind) {
                        skipped.push(kind);
                    }
                }
                Outcome::Problem(span, message) => problems.push((span, message)),
            }
        }
        let total = problems.len();
        for (span, message) in problems.into_iter().take(MAX_PROBLEMS) {
            out.problems.push(ParseProblem {
                span,
                headline,
                message,
            });
        }
        if total > MAX_PROBLEMS {
            out.problems.push(ParseProblem {
                span: Span::new(id, 0, 0),
                headline,
                message: format!(
                    "{} more entries cannot be read (the first {MAX_PROBLEMS} are reported)",
                    total - MAX_PROBLEMS
                ),
            });
        }
        if skipped_count > 0 {
            out.notes.push(Note::new(
                NoteKind::Inventory,
                display.clone(),
                format!(
                    "{skipped_count} entr{} of types that carry no image ({}) not judged",
                    if skipped_count == 1 { "y" } else { "ies" },
                    skipped.join(", ")
                ),
            ));
        }
        if let (n @ 1.., Some(first)) = unknown_version {
            out.notes.push(Note::new(
                NoteKind::Inventory,
                display.clone(),
                format!(
                    "{n} resource{} name a gallery image definition or Marketplace `latest` without the `exactVersion` that runs (e.g. {first}): judged as written",
                    if n == 1 { "" } else { "s" }
                ),
            ));
        }
        out.deployment = Some(ToJudge {
            file: id,
            deployment: Deployment {
                dialect: DIALECT,
                contexts: chunks(resources),
                merge_instances: false,
                comments: Vec::new(),
                literals: Vec::new(),
            },
        });
        Ok(out)
    }
}

/// What an export's deployment is, as data: ARM resource types, each known by its ID.
const DIALECT: Dialect = Dialect {
    catalog: &[Section::Arm],
    name_attribute: None,
    kind: SourceKind::Inventory,
};

/// Deployed resources per evaluation context: the judgement drops each context's bodies once it
/// is judged, so an estate of 100,000 machines is held a few thousand at a time. An export that
/// lists disks stays one context: a machine that attaches its OS disk is judged by that disk's
/// image, which must be in its context.
const RESOURCES_PER_CONTEXT: usize = 2_000;

fn chunks(resources: Vec<crate::model::Resource>) -> Vec<Context> {
    let disks = resources.iter().any(|r| {
        r.resource_type
            .eq_ignore_ascii_case("Microsoft.Compute/disks")
    });
    if disks || resources.len() <= RESOURCES_PER_CONTEXT {
        return vec![Context {
            resources,
            ..Context::default()
        }];
    }
    let mut contexts = Vec::with_capacity(resources.len() / RESOURCES_PER_CONTEXT + 1);
    let mut rest = resources.into_iter().peekable();
    while rest.peek().is_some() {
        contexts.push(Context {
            resources: rest.by_ref().take(RESOURCES_PER_CONTEXT).collect(),
            ..Context::default()
        });
    }
    contexts
}
