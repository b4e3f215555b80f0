//! The common model every frontend (ARM, Bicep, Terraform plan) lowers into.
//!
//! A [`Deployment`] is one judged unit (a template, a plan); it has one or more evaluation
//! [`Context`]s (template × parameter file), each holding the [`Resource`]s it declares with
//! their properties as [`Value`] trees. Nothing downstream of this module sees JSON or syntax.

pub use crate::catalog::Section;
use crate::source::Span;
use crate::value::Value;

mod note;

pub use crate::value::LinkRefusal;
pub use note::{Note, NoteKind};

/// One judged unit: a template with its evaluation contexts.
#[derive(Debug)]
pub struct Deployment {
    /// What differs by the language it was lowered from, as data: the language-neutral stages
    /// read this, never which language it was.
    pub dialect: Dialect,
    /// The evaluation contexts (at least one).
    pub contexts: Vec<Context>,
    /// Whether the findings about instances of one declaration (Terraform `count` and
    /// `for_each`: same rule, same fingerprint, each at its own place) are merged into one that
    /// says how many instances it stands for.
    pub merge_instances: bool,
    /// The comment syntax of each file of the deployment's sources, by file id (where
    /// exemption comments are looked for); a file past its end has [`CommentSyntax::PLAIN`].
    pub comments: Vec<CommentSyntax>,
}

/// What differs between the languages a deployment can be lowered from, filled by its
/// frontend: the catalogue section its types are named in, where a resource's Azure name is,
/// and what kind of source it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dialect {
    /// The catalogue sections its resource types are looked up in, in order (a Terraform
    /// plan's `azapi` resources carry the ARM type they deploy).
    pub catalog: &'static [Section],
    /// The attribute of a declared resource's body that holds the name Azure knows it by,
    /// when its declared name is something else (a Terraform address); `None`: the last
    /// segment of its declared name (`parent/child` for an ARM child resource).
    pub name_attribute: Option<&'static str>,
    /// What kind of source it was lowered from (the report counts judged files by kind).
    pub kind: SourceKind,
}

/// What kind of infrastructure-as-code a judged file is: decided by the frontend that
/// lowered it, counted by the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SourceKind {
    /// An ARM template (JSON).
    ArmTemplate,
    /// A Bicep file (or parameter file).
    Bicep,
    /// A Terraform plan (or state) in JSON.
    TerraformPlan,
    /// An inventory export of deployed resources (`az`, Azure Resource Graph).
    Inventory,
}

/// How a file's comments are written, for the exemption comments in it: every language read
/// has `//` line comments; some have more.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CommentSyntax {
    /// Whether `#` starts a line comment too (`# imagegate-ignore …`).
    pub hash_comments: bool,
    /// Whether `#disable-next-line` pragmas (which name `imagegate-` codes) exempt, and `#`
    /// lines are passed over like comments.
    pub pragmas: bool,
    /// Whether a run of `@` decorator lines belongs to the declaration after it (a comment
    /// before the decorators covers the declaration).
    pub decorators: bool,
}

impl CommentSyntax {
    /// `//` comments only (JSON with comments).
    pub const PLAIN: CommentSyntax = CommentSyntax {
        hash_comments: false,
        pragmas: false,
        decorators: false,
    };
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
    /// The required parameters with allowed values that nobody set, in the order they are
    /// declared, each with this context evaluated under each of its values: where a resource's
    /// image is unknown only for want of one, its variants stand for it ([`crate::variants`]).
    pub choices: Vec<OpenChoice>,
}

/// A required parameter with allowed values that nobody set, and what the context declares
/// under each of its values.
#[derive(Debug, Default)]
pub struct OpenChoice {
    /// The parameter's name as declared (names are compared ASCII-case-insensitively).
    pub parameter: String,
    /// One variant per allowed value, in the order the values are declared.
    pub variants: Vec<Variant>,
    /// Whether the allowance cut a variant's evaluation short: a resource then stays unknown
    /// beside its variants (an allowed value not judged is never passed).
    pub cut: bool,
}

/// The context evaluated with one allowed value of an [`OpenChoice`].
#[derive(Debug)]
pub struct Variant {
    /// The assumption its resources are judged under (`parameter 'os' = 'Windows'`).
    pub assumption: String,
    /// The resources the context declares with that value.
    pub resources: Vec<Resource>,
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
    /// What this instance was evaluated under beyond its context's parameter values: an
    /// allowed value of a required parameter nobody set, or parameter values other than the
    /// defaults that a condition needs to deploy it (a latent resource).
    pub assumption: Option<Assumption>,
    /// The deployments it is deployed through, innermost first: each deployment resource's
    /// span (in its caller's file) and name. Empty for a resource of the walked template
    /// itself.
    pub deployed_by: Vec<(Span, String)>,
    /// The copy loop this is an instance of (its own, else that of the deployment that
    /// deploys it), so that a finding merged over the instances says how many it covers.
    pub copy: Option<CopyOf>,
    /// For a deployed resource (read from an inventory export): where it runs.
    pub deployed: Option<Box<Deployed>>,
    /// Where it is deployed and what it is called, as evaluated, in terms no input language
    /// has (`None`: not known, as for a resource a budget left unevaluated, or not a
    /// template's): what tells a template compiled from another apart from a different one.
    pub placement: Option<Box<Placement>>,
}

/// Where a template's resource is deployed and what it is called, as evaluated, written so
/// that the same resource evaluated from two languages (a Bicep file and the ARM JSON it
/// compiles to) compares equal and two different ones do not: known text as it is, a part
/// that a parameter decides as that parameter (`<parameter name>`: what a deployer sets), a
/// deployment setting the run does not configure as that setting, and any other part not
/// known offline as `<?>` (a deployment-time value, a module's output: how a language
/// computes those differs, what they stand for does not). Never as a language writes the
/// expression. Long texts are kept as a prefix and a digest of the whole, so a placement
/// stays small whatever a template computes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Placement {
    /// The subscription and resource group its deployment targets (a nested deployment's or
    /// module's `subscriptionId`/`resourceGroup`, else the deploying one's), each a known
    /// name, lower-cased as Azure compares them, or what leaves it unknown.
    pub scope: String,
    /// Its full name (a child resource's under its parent's).
    pub name: String,
}

impl Placement {
    /// The longest text kept whole; a longer one is its prefix and a digest of the whole.
    const MAX: usize = 256;

    /// The text of the value `value` of a name, in terms no language has.
    pub fn name_of(value: &crate::value::Value) -> String {
        let mut out = Bounded::default();
        write_value(&mut out, value);
        out.finish()
    }

    /// The text of a deployment's target: its subscription and resource group, each
    /// `Ok(name)` when known, `Err(why)` when not known offline (`None`: what leaves it
    /// unknown is only that the run does not configure the deploying one).
    pub fn scope_of(
        subscription: Result<&str, Option<&crate::value::Why>>,
        resource_group: Result<&str, Option<&crate::value::Why>>,
    ) -> String {
        let mut out = Bounded::default();
        for (label, part) in [("subscription ", subscription), (" group ", resource_group)] {
            out.push(label);
            match part {
                Ok(name) => out.push(&name.to_ascii_lowercase()),
                Err(Some(why)) => write_hole(&mut out, why),
                Err(None) => out.push("<the deploying one>"),
            }
        }
        out.finish()
    }

    /// A child resource's placement under its parent's name `parent`, as Azure composes a
    /// child's full name (a name with a `/` of its own is full already).
    pub fn child_name(parent: &str, name: &str) -> String {
        if name.contains('/') {
            return name.to_owned();
        }
        let mut out = Bounded::default();
        out.push(parent);
        out.push("/");
        out.push(name);
        out.finish()
    }
}

/// Writes `value` as [`Placement::name_of`] says.
fn write_value(out: &mut Bounded, value: &crate::value::Value) {
    use crate::value::{Kind, Part};
    match &value.kind {
        Kind::Str(s) => out.push(s),
        Kind::Partial(parts) => {
            for part in parts {
                match part {
                    Part::Text(t) => out.push(t),
                    Part::Hole(why) => write_hole(out, why),
                }
            }
        }
        Kind::Unknown(why) => write_hole(out, why),
        _ => out.push(&value.display()),
    }
}

/// Writes a part not known offline, for `why`, as [`Placement`] says.
fn write_hole(out: &mut Bounded, why: &crate::value::Why) {
    use crate::value::Cause;
    use std::fmt::Write;
    let _ = match &*why.cause {
        Cause::UnsetParameter { name }
        | Cause::UnsetOptionalParameter { name }
        | Cause::DeployerValue { name }
        | Cause::KeyVaultReference { name } => {
            write!(out, "<parameter {}>", name.to_ascii_lowercase())
        }
        Cause::UnsetDeploymentSetting(setting) => write!(out, "<{setting:?}>"),
        _ => write!(out, "<?>"),
    };
}

/// Text written up to [`Placement::MAX`] bytes, with a digest (FNV-1a, 64 bits) of all of
/// it: what is kept of a text is bounded, and texts that differ past the bound still differ.
struct Bounded {
    /// The text, up to the bound.
    kept: String,
    /// Every byte written.
    length: usize,
    /// The digest of every byte written.
    digest: u64,
}

impl Default for Bounded {
    fn default() -> Self {
        Bounded {
            kept: String::new(),
            length: 0,
            digest: 0xcbf2_9ce4_8422_2325,
        }
    }
}

impl Bounded {
    /// Writes `text`.
    fn push(&mut self, text: &str) {
        for &b in text.as_bytes() {
            self.digest = (self.digest ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.length += text.len();
        let room = Placement::MAX.saturating_sub(self.kept.len());
        if room > 0 {
            let mut end = room.min(text.len());
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            self.kept.push_str(&text[..end]);
        }
    }

    /// The text: whole when it fits, else its prefix and the digest of all of it.
    fn finish(self) -> String {
        if self.length <= Placement::MAX {
            return self.kept;
        }
        format!("{}…#{:016x}", self.kept, self.digest)
    }
}

impl std::fmt::Write for Bounded {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.push(s);
        Ok(())
    }
}

/// What a resource was evaluated under beyond its context's parameter values. Its findings
/// say so; only [`Assumption::value`] tells findings apart (their fingerprints): a resource
/// whose condition's default flips keeps its findings' identity.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Assumption {
    /// The allowed value of a required parameter nobody set that it was evaluated with
    /// (`parameter 'os' = 'Windows'`): one of its variants ([`crate::variants`]).
    pub value: Option<String>,
    /// Set when the context's values leave it out only through conditions false under
    /// parameter defaults a deployer can change: what would deploy it.
    pub latent: Option<Latent>,
}

impl Assumption {
    /// The assumption as users read it: the allowed value, then what would deploy a latent
    /// resource (`parameter 'os' = 'Windows'; deployed only when parameter 'deployVm' is true
    /// (its default is false)`); `None` when it says nothing.
    pub fn shown(&self) -> Option<String> {
        let latent = self.latent.as_ref().map(|l| l.when.as_str());
        match (self.value.as_deref(), latent) {
            (Some(value), Some(when)) => Some(format!("{value}; {when}")),
            (Some(one), None) | (None, Some(one)) => Some(one.to_owned()),
            (None, None) => None,
        }
    }
}

/// A resource, module or nested deployment that the context's parameter values leave out
/// only because a condition is false under parameter defaults that a deployer can change
/// (the parameter has other allowed values, or none are listed): it is judged under values
/// that deploy it ("Conditional deployment in ARM templates", "Conditional deployments in
/// Bicep").
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Latent {
    /// What would deploy it, as users read it: `deployed only when parameter 'deployVm' is
    /// true (its default is false)`; the clauses of conditions nested in one another (a
    /// resource of a module left out by its own condition) are joined by `; `.
    pub when: String,
    /// The conditions false under the defaults, outermost first (each expression's span).
    pub conditions: Vec<Span>,
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

#[cfg(test)]
mod tests {
    use super::Placement;
    use crate::value::{Cause, Kind, Part, Value, Why};

    fn unset(name: &str) -> Why {
        Why::new(Cause::UnsetParameter { name: name.into() })
    }

    #[test]
    fn a_name_says_which_parameter_decides_it_and_nothing_of_how_it_is_written() {
        // `'${name}-web'` in Bicep and `[format('{0}-web', parameters('name'))]` in ARM JSON
        // evaluate to the same parts.
        let partial = Value::composed(Kind::Partial(vec![
            Part::Hole(unset("Name")),
            Part::Text("-web".into()),
        ]));
        assert_eq!(Placement::name_of(&partial), "<parameter name>-web");
        // Another parameter is another name.
        let other = Value::composed(Kind::Partial(vec![
            Part::Hole(unset("prefix")),
            Part::Text("-web".into()),
        ]));
        assert_ne!(Placement::name_of(&other), Placement::name_of(&partial));
        // What only a deployment tells is unknown whichever language computes it.
        let reference = Value::unknown(Why::new(Cause::TemplateLink));
        assert_eq!(Placement::name_of(&reference), "<?>");
        assert_eq!(
            Placement::name_of(&Value::composed(Kind::Str("vm-web".into()))),
            "vm-web"
        );
        assert_eq!(
            Placement::child_name("<parameter dc>", "def"),
            "<parameter dc>/def"
        );
        assert_eq!(Placement::child_name("dc", "dc/def"), "dc/def");
    }

    #[test]
    fn a_scope_is_its_subscription_and_resource_group() {
        let group = unset("rg");
        assert_eq!(
            Placement::scope_of(Err(None), Ok("RG-App")),
            "subscription <the deploying one> group rg-app"
        );
        assert_eq!(
            Placement::scope_of(Err(None), Err(Some(&group))),
            "subscription <the deploying one> group <parameter rg>"
        );
        assert_ne!(
            Placement::scope_of(Err(None), Ok("rg-app")),
            Placement::scope_of(Err(None), Ok("rg-prod"))
        );
    }

    #[test]
    fn a_long_name_is_bounded_and_still_told_apart() {
        let long = |last: char| {
            let mut text = "x".repeat(10_000);
            text.push(last);
            Placement::name_of(&Value::composed(Kind::Str(text)))
        };
        let (a, b) = (long('a'), long('b'));
        assert!(a.len() < 300, "{}", a.len());
        assert_ne!(a, b);
        assert_eq!(a, long('a'));
    }
}
