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
    /// How each file of the deployment's sources writes what a fix may rewrite, by file id
    /// (`None`: a file nobody edits by hand, such as a plan; a file past its end has none).
    pub literals: Vec<Option<LiteralSyntax>>,
}

/// How one file's language writes what a fix may rewrite, decided by the frontend that reads
/// it: nothing outside the frontends knows a language's quoting. Each function is given the
/// text written where the edit goes and returns its replacement, or `None` when what is
/// written is not what the run read there (the fix is then not made) or the new text cannot
/// be written in its place.
#[derive(Clone, Copy, Debug)]
pub struct LiteralSyntax {
    /// `rewrite(written, old, new)`: the string literal `written`, whose text is `old`, written
    /// so that its text is `new`. `written` may be any literal the language has (a JSON
    /// string, a string inside an ARM expression, a Bicep string).
    pub rewrite: fn(written: &str, old: &str, new: &str) -> Option<String>,
    /// `retail(written, old, new)`: the string literal `written` (a Bicep interpolated string
    /// too), whose text ends with `old` after its last interpolation, written so that its text
    /// ends with `new` instead: what appends a version to the literal that ends an ID, or
    /// changes the version it ends with.
    pub retail: fn(written: &str, old: &str, new: &str) -> Option<String>,
    /// `id_object(text, object, id)`: the object written at bytes `object` of the file's text
    /// `text`, replaced by an object whose one member `id` is `id`, laid out as the object
    /// was (on one line, or a member per line indented as its first member was).
    pub id_object: fn(text: &str, object: std::ops::Range<usize>, id: &str) -> Option<String>,
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
    /// A Terraform configuration read from its sources (a folder's `.tf` files).
    TerraformSource,
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
    /// The deployments whose contents cannot be seen with that value.
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
    /// The name (or Terraform address) as shown to users: evaluated, with the parts not known
    /// offline labelled (`<vmPrefix>-web`, [`shown_name`]).
    pub name: String,
    /// When the name is not wholly known: where its unknown parts are, and the name as
    /// written (`None`: `name` is what the resource is called, or all a frontend knows).
    pub unknown_name: Option<Box<UnknownName>>,
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
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Placement {
    /// The subscription its deployment targets (a nested deployment's or module's
    /// `subscriptionId`, else the deploying one).
    pub subscription: Placed,
    /// The resource group its deployment targets (a nested deployment's or module's
    /// `resourceGroup`, else the deploying one).
    pub resource_group: Placed,
    /// Its full name (a child resource's under its parent's), segment by segment (split at
    /// `/`); at most [`Placement::MAX_SEGMENTS`], the last holding the rest.
    pub name: Vec<Placed>,
}

/// One part of a [`Placement`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Placed {
    /// Known text, as evaluated.
    Known(String),
    /// Text not known offline, or only in part: its known text with each unknown part said
    /// by what leaves it unknown (`<parameter name>-web`, `<?>`).
    Unknown(String),
    /// The deploying subscription or resource group, which the run does not configure
    /// (`[deployment]` in imagegate.toml) and the template does not change.
    Deploying,
}

impl Placed {
    /// The text, when it is known.
    pub fn known(&self) -> Option<&str> {
        match self {
            Placed::Known(text) => Some(text),
            Placed::Unknown(_) | Placed::Deploying => None,
        }
    }
}

impl std::fmt::Display for Placed {
    /// The text, what leaves it unknown, or `<the deploying one>`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Placed::Known(text) | Placed::Unknown(text) => f.write_str(text),
            Placed::Deploying => f.write_str("<the deploying one>"),
        }
    }
}

impl Placement {
    /// The longest text of one part kept whole; a longer one is its prefix and a digest of
    /// the whole.
    const MAX: usize = 256;

    /// The most segments a name is kept in.
    pub const MAX_SEGMENTS: usize = 32;

    /// The segments of the name `value` evaluates to.
    pub fn name_of(value: &crate::value::Value) -> Vec<Placed> {
        use crate::value::{Kind, Part};
        let mut segments = Segments::default();
        match &value.kind {
            Kind::Str(s) => segments.text(s),
            Kind::Partial(parts) => {
                for part in parts {
                    match part {
                        Part::Text(t) => segments.text(t),
                        Part::Hole(why) => segments.hole(why),
                    }
                }
            }
            Kind::Unknown(why) => segments.hole(why),
            _ => segments.text(&value.display()),
        }
        segments.finish()
    }

    /// A deployment's subscription or resource group: `Ok(name)` when known, `Err(why)` when
    /// not known offline (`None`: only because the run does not configure the deploying one).
    pub fn target(part: Result<&str, Option<&crate::value::Why>>) -> Placed {
        match part {
            Ok(name) => {
                let mut out = Bounded::default();
                out.push(name);
                out.finish(Placed::Known)
            }
            Err(Some(why)) => {
                let mut out = Bounded::default();
                write_hole(&mut out, why);
                out.finish(Placed::Unknown)
            }
            Err(None) => Placed::Deploying,
        }
    }

    /// The name of a child resource whose own name is `own`, under its parent's `parent`, as
    /// Azure composes a child's full name (an own name with a `/` is full already).
    pub fn child_name(parent: &[Placed], own: Vec<Placed>) -> Vec<Placed> {
        if own.len() > 1 {
            return own;
        }
        let mut name: Vec<Placed> = parent.to_vec();
        name.extend(own);
        if name.len() > Placement::MAX_SEGMENTS {
            let rest: Vec<Placed> = name.split_off(Placement::MAX_SEGMENTS - 1);
            let mut last = Bounded::default();
            for (i, part) in rest.iter().enumerate() {
                if i > 0 {
                    last.push("/");
                }
                last.push(&part.to_string());
            }
            name.push(last.finish(Placed::Unknown));
        }
        name
    }
}

/// The segments of a name as it is written ([`Placement::name_of`]).
#[derive(Default)]
struct Segments {
    /// The segments done.
    done: Vec<Placed>,
    /// The segment being written.
    current: Bounded,
    /// Whether the segment being written has an unknown part.
    unknown: bool,
}

impl Segments {
    /// Adds known text, starting a segment at each `/` (the last holds the rest, past
    /// [`Placement::MAX_SEGMENTS`]).
    fn text(&mut self, text: &str) {
        let mut rest = text;
        while let Some(at) = rest.find('/') {
            if self.done.len() + 1 >= Placement::MAX_SEGMENTS {
                // The last segment holds the rest, separators and all: never known.
                self.unknown = true;
                self.current.push(rest);
                return;
            }
            self.current.push(&rest[..at]);
            self.close();
            rest = &rest[at + 1..];
        }
        self.current.push(rest);
    }

    /// Adds a part not known offline, for `why`.
    fn hole(&mut self, why: &crate::value::Why) {
        self.unknown = true;
        write_hole(&mut self.current, why);
    }

    /// Ends the segment being written.
    fn close(&mut self) {
        let current = std::mem::take(&mut self.current);
        let kind = if std::mem::take(&mut self.unknown) {
            Placed::Unknown
        } else {
            Placed::Known
        };
        self.done.push(current.finish(kind));
    }

    /// The segments.
    fn finish(mut self) -> Vec<Placed> {
        self.close();
        self.done
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
        | Cause::KeyVaultReference { name } => write!(out, "<parameter {name}>"),
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

    /// The text, made a part by `kind`: whole when it fits, else (never known) its prefix
    /// and the digest of all of it.
    fn finish(self, kind: fn(String) -> Placed) -> Placed {
        if self.length <= Placement::MAX {
            return kind(self.kept);
        }
        Placed::Unknown(format!("{}…#{:016x}", self.kept, self.digest))
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

/// A resource name not wholly known offline, as [`Resource::name`] shows it: where the parts
/// not known are in the shown text, and the name as written, which fingerprints tell the
/// instances of a copy loop apart by (as they did before names were shown evaluated, so that
/// baselines keep matching).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownName {
    /// The name as written (under its parent's, for a child resource).
    pub written: String,
    /// The byte ranges of the shown name that are not known offline (each a `<…>` label, or
    /// the `…` that ends a clipped name): an exemption's pattern matches the name only if it
    /// matches whatever those parts turn out to be.
    pub holes: Vec<(usize, usize)>,
}

/// The longest resource name shown whole; a longer one is clipped and ends with `…`.
const MAX_SHOWN_NAME: usize = 120;

/// A resource name as a person reads it: the text `value` evaluates to, each part not known
/// offline in angle brackets naming the parameter that decides it, else `<…>` (a deployment
/// setting or a value derived from one, a value known only at deployment),
/// under `parent`'s shown name (text and holes) for a child resource; clipped to
/// [`MAX_SHOWN_NAME`] characters. Returns the text and its unknown parts' byte ranges (empty:
/// wholly known).
pub fn shown_name(
    parent: Option<(&str, &[(usize, usize)])>,
    value: &crate::value::Value,
) -> (String, Vec<(usize, usize)>) {
    use crate::value::{Kind, Part};
    let mut text = String::new();
    let mut holes = Vec::new();
    let mut hole = |text: &mut String, why: &crate::value::Why| {
        let start = text.len();
        text.push_str(&hole_label(why));
        holes.push((start, text.len()));
    };
    match &value.kind {
        Kind::Str(s) => text.push_str(s),
        Kind::Partial(parts) => {
            for part in parts {
                match part {
                    Part::Text(t) => text.push_str(t),
                    Part::Hole(why) => hole(&mut text, why),
                }
            }
        }
        Kind::Unknown(why) => hole(&mut text, why),
        _ => text.push_str(&value.display()),
    }
    // A child's name is its name under its parent's, as Azure composes it, unless it is
    // written whole (`parent/child`).
    if let Some((parent, parent_holes)) = parent.filter(|_| !text.contains('/')) {
        let shift = parent.len() + 1;
        text = format!("{parent}/{text}");
        holes = parent_holes
            .iter()
            .copied()
            .chain(holes.into_iter().map(|(a, b)| (a + shift, b + shift)))
            .collect();
    }
    if text.chars().count() > MAX_SHOWN_NAME {
        let cut = text
            .char_indices()
            .nth(MAX_SHOWN_NAME)
            .map_or(text.len(), |(at, _)| at);
        text.truncate(cut);
        // A label cut in two is unknown to its end.
        holes.retain(|&(a, _)| a < cut);
        for h in &mut holes {
            h.1 = h.1.min(cut);
        }
        text.push('…');
        holes.push((cut, text.len()));
    }
    (text, holes)
}

/// The label of a part of a name not known offline: what decides it.
fn hole_label(why: &crate::value::Why) -> String {
    use crate::value::Cause;
    match &*why.cause {
        Cause::UnsetParameter { name }
        | Cause::UnsetOptionalParameter { name }
        | Cause::DeployerValue { name }
        | Cause::KeyVaultReference { name } => format!("<{name}>"),
        // Not a deployment setting's name: what is unknown is often derived from it
        // (`uniqueString(resourceGroup().id)`), which the cause does not tell apart.
        _ => "<…>".to_string(),
    }
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
    use super::{Placed, Placement};
    use crate::value::{Cause, Kind, Part, Value, Why};

    fn unset(name: &str) -> Why {
        Why::new(Cause::UnsetParameter { name: name.into() })
    }

    fn known(text: &str) -> Placed {
        Placed::Known(text.into())
    }

    #[test]
    fn a_name_says_which_parameter_decides_it_and_nothing_of_how_it_is_written() {
        // `'${gallery}/ubuntu/1.0.0'` in Bicep and `[format('{0}/ubuntu/1.0.0',
        // parameters('gallery'))]` in ARM JSON evaluate to the same parts.
        let partial = Value::composed(Kind::Partial(vec![
            Part::Hole(unset("gallery")),
            Part::Text("-x/ubuntu/1.0.0".into()),
        ]));
        assert_eq!(
            Placement::name_of(&partial),
            [
                Placed::Unknown("<parameter gallery>-x".into()),
                known("ubuntu"),
                known("1.0.0")
            ]
        );
        // Another parameter is another name.
        let other = Value::composed(Kind::Partial(vec![
            Part::Hole(unset("prefix")),
            Part::Text("-x/ubuntu/1.0.0".into()),
        ]));
        assert_ne!(Placement::name_of(&other), Placement::name_of(&partial));
        // What only a deployment tells is unknown whichever language computes it.
        let reference = Value::unknown(Why::new(Cause::TemplateLink));
        assert_eq!(
            Placement::name_of(&reference),
            [Placed::Unknown("<?>".into())]
        );
        let vm = Value::composed(Kind::Str("vm-web".into()));
        assert_eq!(Placement::name_of(&vm), [known("vm-web")]);
        assert_eq!(
            Placement::child_name(
                &[Placed::Unknown("<parameter dc>".into())],
                vec![known("d")]
            ),
            [Placed::Unknown("<parameter dc>".into()), known("d")]
        );
        assert_eq!(
            Placement::child_name(&[known("dc")], vec![known("dc"), known("d")]),
            [known("dc"), known("d")]
        );
    }

    #[test]
    fn a_scope_is_its_subscription_and_resource_group() {
        let group = unset("rg");
        assert_eq!(Placement::target(Ok("RG-App")), known("RG-App"));
        assert_eq!(
            Placement::target(Err(Some(&group))),
            Placed::Unknown("<parameter rg>".into())
        );
        assert_eq!(Placement::target(Err(None)), Placed::Deploying);
        assert_eq!(Placed::Deploying.to_string(), "<the deploying one>");
    }

    #[test]
    fn a_long_name_is_bounded_and_still_told_apart() {
        let long = |last: char| {
            let mut text = "x".repeat(10_000);
            text.push(last);
            Placement::name_of(&Value::composed(Kind::Str(text)))
        };
        let (a, b) = (long('a'), long('b'));
        assert_eq!(a.len(), 1);
        assert!(a[0].to_string().len() < 300);
        // Never known: what is kept of it is not the whole name.
        assert_eq!(a[0].known(), None);
        assert_ne!(a, b);
        assert_eq!(a, long('a'));
        // Segments beyond the bound are one, never known.
        let slashes = Placement::name_of(&Value::composed(Kind::Str("a/".repeat(1000))));
        assert_eq!(slashes.len(), Placement::MAX_SEGMENTS);
        assert_eq!(slashes[Placement::MAX_SEGMENTS - 1].known(), None);
    }

    #[test]
    fn a_name_is_shown_evaluated_with_what_decides_each_unknown_part() {
        use super::shown_name;
        use crate::value::cause::DeploymentSetting;
        let parts = |parts: Vec<Part>| Value::composed(Kind::Partial(parts));
        let name = parts(vec![
            Part::Text("web-".into()),
            Part::Hole(unset("env")),
            Part::Text("-".into()),
            Part::Hole(Why::new(Cause::UnsetDeploymentSetting(
                DeploymentSetting::ResourceGroup,
            ))),
        ]);
        let (text, holes) = shown_name(None, &name);
        assert_eq!(text, "web-<env>-<…>");
        assert_eq!(holes, [(4, 9), (10, 15)]);
        // Under a parent whose name is not wholly known: both are said, and where.
        let child = Value::composed(Kind::Str("default".into()));
        let (text, holes) = shown_name(Some(("<account>", &[(0, 9)])), &child);
        assert_eq!(
            (text.as_str(), holes.as_slice()),
            ("<account>/default", &[(0, 9)][..])
        );
        // A known name is itself; a long one is clipped, and what was cut is unknown.
        let long = Value::composed(Kind::Str("x".repeat(200)));
        let (text, holes) = shown_name(None, &long);
        assert_eq!(text.chars().count(), 121);
        assert!(text.ends_with('…'));
        assert_eq!(holes, [(120, 123)]);
        let (text, holes) = shown_name(None, &Value::composed(Kind::Str("vm1".into())));
        assert_eq!((text.as_str(), holes.len()), ("vm1", 0));
    }
}
