//! The template evaluator.
//!
//! [`Scope`] evaluates one lowered template ([`ir::Template`]) into [`crate::value::Value`]s: parameters (from a
//! parameter file, the caller, or defaults), variables (lazily, memoised, with cycle
//! detection), user-defined functions, copy loops and the ARM function library. Anything that
//! cannot be known offline becomes [`crate::value::Kind::Unknown`] (or a hole in a partially
//! known string) with a reason; nothing in a template can make evaluation panic, hang or
//! allocate without bound (see [`Limits`]).
//!
//! Modules: [`ir`] is what frontends lower templates into, [`expr`] parses expressions,
//! `functions` is the function library, [`hash`] holds uniqueString/guid/base64, [`ops`] value
//! helpers, [`scope`] the evaluator, `expand` the walk over a template's resources and
//! deployments, `links` the linked templates it may follow (loaded before, by the frontends:
//! the evaluator reads no file).

mod allowance;
mod expand;
pub mod expr;
mod functions;
pub mod hash;
pub(crate) mod ir;
mod links;
pub mod ops;
pub mod scope;

pub(crate) use allowance::{Allowance, Spent};
pub use expand::Expanded;
pub(crate) use expand::{expand, link_targets};
pub(crate) use functions::percent_decoded;
pub(crate) use links::{
    LinkResult, LinkTarget, LinkedTemplate, Links, literal_links, mapped_reference,
};
pub use ops::literal_value;
pub use scope::{ParameterValues, Scope};

use crate::value::Why;
use crate::value::cause::DeploymentSetting;

/// The deployment the template is evaluated for, as configured by the user; `None` fields are
/// unknown offline and become holes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeploymentScope {
    /// The deploying subscription's ID.
    pub subscription_id: Option<String>,
    /// The deploying resource group's name.
    pub resource_group: Option<String>,
    /// The deployment (or resource group) location.
    pub location: Option<String>,
    /// The deploying tenant's ID.
    pub tenant_id: Option<String>,
    /// The deployment's name.
    pub deployment_name: Option<String>,
    /// Why a setting above is unknown, when that is not only because `[deployment]` leaves it
    /// unset (a nested deployment to a resource group named by a parameter).
    pub(crate) unknown: Vec<(DeploymentSetting, Why)>,
}

/// Every bound a run holds each walked file to: the evaluation budgets (exceeding any yields an
/// unknown value whose reason names the budget) and the sizes of the documents read for it
/// (a file beyond them is refused with an IG000 naming the limit).
///
/// A run takes them from its workspace (`Workspace::with_limits`; [`Limits::default`] unless
/// said otherwise): the per-file pipeline makes each walked file's allowance of them, and
/// everything that reads or evaluates for that file holds to the allowance's limits. Tests
/// run at small limits, with inputs scaled to match, so that a budget is reached in
/// milliseconds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Evaluation steps per walked file, all its scopes together (expression nodes, loop
    /// iterations, resource instances, and the size of every literal string and of every value
    /// copied out of a parameter, variable or lambda variable).
    pub max_steps: u64,
    /// Most resources judged per walked file, all its parameter files, allowed values, nested
    /// deployments and linked templates together; each instance of a nested deployment, a
    /// linked template or a module is one of them (a deployment is a resource), so templates
    /// that deploy each other many times over are bounded per file like copy loops.
    pub max_resources: usize,
    /// Most bytes of the files one walked file leads to (linked templates, a plan's `.tf`
    /// sources), all together; each is also held to the loader's size limit.
    pub max_linked_bytes: u64,
    /// Longest string any function may build, in bytes.
    pub max_string: usize,
    /// Longest array any function or copy loop may build.
    pub max_array: usize,
    /// Deepest nesting of variable, parameter-default, user-function and lambda evaluation.
    pub max_nesting: usize,
    /// Largest value (nodes, string bytes / 16, and the holes of partially known strings and
    /// the hops of unknowns' reasons: `ops::weight_and_depth`) a parameter, variable or
    /// accumulator may hold.
    pub max_value_weight: u64,
    /// Deepest nesting of arrays/objects a parameter, variable or accumulator may hold.
    pub max_value_depth: usize,
    /// Most stack (bytes) one evaluation may use below its entry point; the calling thread
    /// needs this much plus some headroom (the 2 MiB default of spawned threads is enough
    /// for the default of 1 MiB).
    pub max_stack_bytes: usize,
    /// Largest file read for `check` (a walked file, a document read from standard input, the
    /// files it leads to), in bytes; a larger file that claims to be infrastructure as code is
    /// an IG000.
    pub max_file_bytes: u64,
    /// Largest inventory export read for `audit`, in bytes (an estate's export is larger than
    /// any template).
    pub max_export_bytes: u64,
    /// Most values (of any kind, members' values included) one JSON document read for a file
    /// may hold (each element, for an inventory export read element by element); a document
    /// with more is refused as a whole, with an IG000 naming the limit.
    pub max_document_values: usize,
    /// Most tokens the text of one template written in a template language (a walked file,
    /// a parameter file, a module or import it reads) may hold; a file with more is refused
    /// as a whole, with an IG000 naming the limit, before its syntax tree is built (a tree
    /// holds a few nodes per token at most).
    pub max_syntax_tokens: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_steps: 4_000_000,
            max_resources: 20_000,
            max_linked_bytes: 64 * 1024 * 1024,
            max_string: 1024 * 1024,
            max_array: 100_000,
            max_nesting: 64,
            max_value_weight: 250_000,
            max_value_depth: 200,
            max_stack_bytes: 1024 * 1024,
            max_file_bytes: crate::source::MAX_FILE_BYTES,
            max_export_bytes: crate::source::MAX_EXPORT_BYTES,
            max_document_values: crate::json::MAX_VALUES,
            max_syntax_tokens: 4_000_000,
        }
    }
}

#[cfg(test)]
mod tests;
