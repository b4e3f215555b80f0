//! The Terraform plan frontend: recognises plans and states in JSON, masks their sensitive
//! values, reads the configuration beside them and lowers them into the model; once they
//! are judged, merges the findings about instances of one declaration.

use super::classify::{Classification, classify, marker};
use super::lower::{plan, state};
use super::sensitive::redact;
use super::source::TfSource;
use crate::frontend::{
    Env, Frontend, Lowered, ParseProblem, Relation, RelationKind, Sniff, Target, ToJudge,
};
use crate::source::Loaded;
use std::path::Path;

/// Terraform plans and states in JSON (`terraform show -json`).
#[derive(Debug)]
pub(crate) struct TfPlan;

impl Frontend for TfPlan {
    fn extensions(&self) -> &'static [&'static str] {
        &["json"]
    }

    fn sniff(&self, bytes: &[u8]) -> Sniff {
        if marker(bytes) {
            Sniff::Signature
        } else {
            Sniff::No
        }
    }

    fn headline(&self) -> &'static str {
        "cannot parse Terraform plan JSON"
    }

    /// Terraform writes plans in UTF-8 (UTF-16 only through a PowerShell redirect, which
    /// decodes): bytes that are neither are not taken for a plan.
    fn claims_undecodable(&self, _lossy: &str) -> bool {
        false
    }

    fn may_relate(&self, bytes: &[u8]) -> bool {
        marker(bytes)
    }

    /// A plan places its findings in the Terraform configuration beside it: the `.tf` files of
    /// its folder, and of the local modules they call (which only those files name: a run
    /// naming a `.tf` file in no plan's folder judges every plan, `ProjectGraph::reaching`).
    fn relations(&self, _path: &Path, _text: &str) -> Vec<Relation> {
        vec![Relation::new(
            RelationKind::Reads,
            Target::Folder(".".into()),
        )]
    }

    fn lower(&self, file: Loaded, env: &Env<'_>) -> Result<Lowered, Loaded> {
        let (root, is_state, problem) =
            match classify(&file.text, env.allowance.limits().max_document_values) {
                Classification::NotPlan => return Err(file),
                Classification::Plan(root) => (Some(root), false, None),
                Classification::State(root) => (Some(root), true, None),
                Classification::Broken(e) => (None, false, Some((e.offset, e.message))),
                Classification::Unsupported { offset, message } => {
                    (None, false, Some((offset, message)))
                }
            };
        let file = match &root {
            Some(root) => Loaded {
                text: redact(file.text, root),
                ..file
            },
            None => file,
        };
        let mut out = Lowered::default();
        let path = file.path.clone();
        let id = file.add_to(&mut out.sources);
        if let Some((offset, message)) = problem {
            let text = &out.sources.get(id).text;
            let headline = "cannot read Terraform plan JSON";
            let problem = ParseProblem::at_char(id, text, offset, headline, message);
            out.problems.push(problem);
            return Ok(out);
        }
        let Some(root) = root else {
            return Ok(out);
        };
        let tf = TfSource::load(&path, env.loader, &mut out.sources, env.allowance);
        let deployment = if is_state {
            state(&root, id, &tf, &mut out.embedded)
        } else {
            plan(&root, id, &tf, env.options.judge_no_op, &mut out.embedded)
        };
        // The plan stands for the configuration it was made from: the `.tf` files it read are
        // judged through it, not on their own.
        out.linkable = true;
        out.links = tf.files().to_vec();
        out.deployment = Some(ToJudge {
            file: id,
            deployment,
        });
        Ok(out)
    }
}
