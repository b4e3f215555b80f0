//! The common model every frontend (ARM, Bicep, Terraform plan) lowers into.
//!
//! A [`Deployment`] is one judged unit (a template, a plan); it has one or more evaluation
//! [`Context`]s (template × parameter file), each holding the [`Resource`]s it declares with
//! their properties as [`Value`] trees. Nothing downstream of this module sees JSON or syntax.

use crate::source::Span;
use crate::value::Value;

mod note;

pub use crate::value::LinkRefusal;
pub use note::{Note, NoteKind};

/// An input language: resource types, and the property paths rules read, are named in each
/// language's own terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Language {
    /// ARM deployment templates (JSON), and what lowers into the same resource types.
    Arm,
    /// A Terraform plan or state in JSON.
    TerraformPlan,
    /// Deployed resources read from an inventory export (`az vm list`, Azure Resource Graph):
    /// ARM resource types and properties, as Azure reports them.
    Inventory,
}

/// One judged unit: a template with its evaluation contexts.
#[derive(Debug)]
pub struct Deployment {
    /// The language its resource types and properties are named in (selects the catalogue
    /// section images are extracted by).
    pub language: Language,
    /// The evaluation contexts (at least one).
    pub contexts: Vec<Context>,
    /// Whether the findings about instances of one declaration (Terraform `count` and
    /// `for_each`: same rule, same fingerprint, each at its own place) are merged into one that
    /// says how many instances it stands for.
    pub merge_instances: bool,
}

/// One way of evaluating a deployment, e.g. a template with one particular parameter file.
#[derive(Debug, Default)]
pub struct Context {
    /// The parameter file (display path) this context takes values from, if any.
    pub parameter_file: Option<String>,
    /// The resources declared in this context.
    pub resources: Vec<Resource>,
    /// Notes about this context (budgets cut, link cycles), shown to the user.
    pub notes: Vec<Note>,
    /// Resources whose contents cannot be seen offline (deployments whose template is not
    /// available): said to be unknown, never passed over.
    pub unseen: Vec<Unseen>,
}

/// A resource whose contents cannot be seen offline.
#[derive(Clone, Debug)]
pub struct Unseen {
    /// The resource (a deployment), as declared.
    pub resource: Resource,
    /// What could not be read, located where a person makes it readable (the link, the
    /// template expression), or the budget that stopped the judgement.
    pub why: crate::value::Why,
    /// The property whose contents were not seen (`properties.template`, `copy`).
    pub property: &'static str,
}

/// One declared resource.
#[derive(Clone, Debug)]
pub struct Resource {
    /// The full resource type as written, e.g. `Microsoft.Compute/virtualMachines` or
    /// `azurerm_linux_virtual_machine`.
    pub resource_type: String,
    /// The name (or Terraform address) as shown to users.
    pub name: String,
    /// Where the resource is declared (its object, block or plan entry).
    pub span: Span,
    /// The resource body: for ARM the resource object from its root (so `properties.…` and
    /// `plan` paths work), holding at least every property the catalogue reads; for Terraform
    /// the planned attribute values.
    pub body: Value,
    /// Stable identity of the declaration across edits (used in fingerprints), e.g. the
    /// symbolic name or the type and name expression as written.
    pub identity: String,
    /// An assumption this instance was evaluated under, e.g. `parameter 'os' = 'Windows'`
    /// when a required parameter is judged for each of its allowed values.
    pub assumption: Option<String>,
    /// The deployments it is deployed through, innermost first: each deployment resource's
    /// span (in its caller's file) and name. Empty for a resource of the walked template
    /// itself.
    pub deployed_by: Vec<(Span, String)>,
    /// The copy loop this is an instance of (its own, else that of the deployment that
    /// deploys it), so that a finding merged over the instances says how many it covers.
    pub copy: Option<CopyOf>,
    /// For a deployed resource (read from an inventory export): where it runs.
    pub deployed: Option<Box<Deployed>>,
}

/// Where a deployed resource runs, as an inventory export reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Deployed {
    /// Its resource ID, as the export gives it.
    pub id: String,
    /// The subscription ID (from the export, else from the ID).
    pub subscription: Option<String>,
    /// The resource group (from the export, else from the ID).
    pub resource_group: Option<String>,
    /// The Azure region.
    pub location: Option<String>,
    /// The power state where the export has one (`az vm list -d`: `VM running`; Resource
    /// Graph: `PowerState/running`), as given.
    pub power_state: Option<String>,
}

/// A copy loop a resource is an instance of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopyOf {
    /// The loop's name.
    pub name: String,
    /// How many instances it has; `None` when that is not known offline (one instance, with
    /// an unknown index, then stands for all of them).
    pub count: Option<i64>,
}
