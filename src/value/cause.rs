//! Why a value is unknown, as data: every kind of reason resolution can stop for, with the
//! names, limits and functions involved. The wording users see is produced here and nowhere
//! else ([`std::fmt::Display`]); later stages decide by matching on the variant, never on text.

use std::fmt;

use super::call::CallProblem;
use super::subject::{ModuleVariable, Subject};
use super::value_type::ValueType;

/// The reason resolution stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cause {
    // ----- inputs that are not given offline -----
    /// A parameter with no default that no parameter file (or caller) sets.
    UnsetParameter {
        /// The parameter's name as declared.
        name: String,
    },
    /// An optional parameter nobody sets, whose null is where an image must be.
    UnsetOptionalParameter {
        /// The parameter's name as declared.
        name: String,
    },
    /// A parameter assumed to take a value other than its default, one a deployer can pass,
    /// that is not known offline: what a resource left out under the default (a latent
    /// resource) is judged with.
    DeployerValue {
        /// The parameter's name as declared.
        name: String,
    },
    /// A parameter set by a Key Vault reference in the parameter file.
    KeyVaultReference {
        /// The parameter's name as declared.
        name: String,
    },
    /// A deployment setting that `[deployment]` in `imagegate.toml` does not configure.
    UnsetDeploymentSetting(DeploymentSetting),
    /// A function whose result exists only while the deployment runs.
    DeploymentTimeFunction(DeploymentTimeFunction),
    /// A property of the deployment's scope that cannot be configured and is not known.
    ScopeProperty(ScopeProperty),
    /// The URI of the deploying template itself (`deployment().properties.templateLink`).
    TemplateLink,
    /// The location of the resource group a nested deployment deploys to, when that is not
    /// the deploying one.
    TargetGroupLocation,
    /// What a deployment deploys cannot be read offline.
    TemplateNotAvailable(Unavailable),
    /// An expression written `[x]` (not `[[x]`) in a template that another template holds as
    /// a property (a template spec's `mainTemplate`, a deployment stack's `template`): the
    /// holding template evaluates it before the template is deployed, which imagegate does
    /// not model.
    PublisherExpression,
    /// A parameter file that could set any parameter (the one a `.bicepparam` extends) was
    /// not read: every parameter it may set is unknown, never its default.
    ParameterFileNotRead {
        /// The file as written (`extends './base.bicepparam'`).
        path: String,
        /// Why it was not read.
        problem: String,
    },
    /// An environment variable a parameter file reads is not set where imagegate runs, and
    /// the file gives no default for it.
    EnvironmentVariableUnset {
        /// The variable's name.
        name: String,
        /// What reads it.
        reader: EnvironmentReader,
    },
    /// An azd substitution in a JSON parameter file of a form imagegate does not follow
    /// (`${NAME^^}`, say): what azd makes of it is not known.
    UnfollowedSubstitution {
        /// The substitution as written, `${…}`.
        text: String,
    },

    // ----- Terraform plans -----
    /// An attribute the plan marks as known only after apply, and what stopped resolving it
    /// through the plan's configuration.
    KnownAfterApply {
        /// The attribute's path (`source_image_reference[0].sku`) or block member name.
        attribute: String,
        /// Why the configuration did not tell its value.
        detail: AfterApply,
    },
    /// A value the plan marks sensitive; imagegate never reads those.
    Sensitive,
    /// An ARM template embedded in a Terraform plan (the `template` of an azapi
    /// `Microsoft.Resources/deployments`) that is only partly known at plan time, so it cannot
    /// be handed to the ARM frontend.
    EmbeddedArmTemplate {
        /// The attribute that holds it, e.g. `template_content`.
        attribute: String,
    },
    /// An azapi resource's `body` string that is not a JSON document.
    AzapiBodyNotJson {
        /// The JSON parser's message.
        error: String,
    },

    // ----- Terraform sources -----
    /// A value of a Terraform configuration (`.tf`) that imagegate does not know offline.
    TerraformSource(TfUnknown),

    // ----- Bicep -----
    /// A declaration the parser could not read whole: what it holds is not known (the syntax
    /// error itself is an IG000).
    DamagedDeclaration,
    /// A property of a resource that exists only once it is deployed (`vm.properties.x` of an
    /// `existing` resource, say).
    RuntimeProperty {
        /// The resource's symbolic name.
        resource: String,
        /// The property path read, e.g. `properties.storageProfile`.
        property: String,
    },
    /// An output of a module whose value imagegate cannot compute from the module's inputs.
    ModuleOutput {
        /// The module's symbolic name.
        module: String,
        /// The output's name.
        output: String,
    },
    /// A file a Bicep `load*Content()` call reads that cannot be read (outside the scanned
    /// roots, missing, too large, not the format the function expects).
    LoadedFile {
        /// The function, e.g. `loadJsonContent`.
        function: &'static str,
        /// The path as written.
        path: String,
        /// What is wrong.
        problem: String,
    },
    /// A Bicep construct the evaluator does not follow.
    BicepConstruct {
        /// What it is, as users name it.
        construct: &'static str,
    },

    // ----- template errors -----
    /// `parameters('x')` naming no declared parameter.
    UndeclaredParameter {
        /// The name as written in the call.
        name: String,
    },
    /// `variables('x')` naming no declared variable.
    UndeclaredVariable {
        /// The name as written in the call.
        name: String,
    },
    /// A call to a user-defined function the template does not declare.
    UndeclaredFunction {
        /// `namespace.name` as written.
        name: String,
    },
    /// `parameters('x')` inside a user-defined function that has no such parameter.
    UndeclaredFunctionParameter {
        /// The name as written in the call.
        name: String,
    },
    /// `lambdaVariables('x')` naming no enclosing lambda parameter.
    UndeclaredLambdaVariable {
        /// The name as written in the call.
        name: String,
    },
    /// `variables()` inside a user-defined function.
    VariablesInFunction,
    /// A parameter whose default value reads the parameter itself.
    ParameterSelfReference {
        /// The parameter's name as declared.
        name: String,
    },
    /// A variable whose value depends on itself.
    VariableCycle {
        /// The variable met again.
        name: String,
        /// The variables of the cycle in evaluation order, ending with `name`.
        cycle: Vec<String>,
    },
    /// A `copy` entry with no `name`.
    CopyLoopWithoutName,
    /// A `copy` entry that cannot be expanded.
    CopyLoop {
        /// The loop's name.
        name: String,
        /// What is wrong with it.
        problem: CopyLoopProblem,
    },
    /// `copyIndex()` used where no (matching) copy loop is being expanded.
    CopyIndexOutsideLoop {
        /// The loop name given to `copyIndex`, if any.
        name: Option<String>,
    },
    /// A template expression that does not parse.
    MalformedExpression {
        /// The expression parser's message (with the offset).
        error: String,
    },
    /// A call to a function ARM does not have.
    UnknownFunction {
        /// The name as written.
        name: String,
    },
    /// A call ARM would reject.
    InvalidCall {
        /// The function as written (`namespace.name` for user-defined functions).
        function: String,
        /// What is wrong with the call.
        problem: CallProblem,
    },
    /// A string with unknown parts used where its whole text is needed.
    PartiallyKnownString,
    /// An index with unknown parts.
    PartiallyKnownIndex,
    /// A member access naming a property the object does not have.
    MissingProperty {
        /// The property name.
        name: String,
    },
    /// A member access on a value that is not an object.
    PropertyOfNonObject {
        /// The property name.
        name: String,
        /// The type of the value accessed.
        found: ValueType,
    },
    /// An array index outside the array.
    IndexOutOfRange {
        /// The index.
        index: i64,
        /// The array's length.
        length: usize,
    },
    /// An index applied to a value that cannot be indexed with it.
    NotIndexable {
        /// The type of the value indexed.
        target: ValueType,
        /// The type of the index.
        index: ValueType,
    },

    // ----- budgets -----
    /// An evaluation budget ran out.
    Budget(Budget),

    // ----- image shapes -----
    /// An image field (a marketplace field, a segment) whose value is not a string.
    NotAString {
        /// The value as shown in messages.
        value: String,
    },
    /// An image ID whose value is not a string.
    ImageIdNotAString {
        /// The value as shown in messages.
        value: String,
    },
    /// An image property path that cannot be followed.
    Unreadable {
        /// The catalogue path.
        path: String,
    },
    /// An image reference that is not an object.
    NotAnObject {
        /// The catalogue path.
        path: String,
    },
    /// A marketplace image reference that leaves one of its fields out.
    MarketplaceFieldUnset(MarketplaceField),
    /// An image property holding a JSON document in a string that does not parse.
    EmbeddedJsonInvalid {
        /// The JSON parser's message.
        error: String,
    },
    /// The judgement needs a part of the image that is not known (and no hole says why).
    ImagePartUnknown,
}

/// Why what a deployment deploys cannot be read offline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unavailable {
    /// Its template is linked by a URI that is not mapped to a local file.
    Uri {
        /// The URI as far as it is known (unknown parts as `<unknown>`).
        uri: String,
    },
    /// It deploys a template spec.
    Spec {
        /// The template spec's resource ID as far as it is known.
        id: String,
    },
    /// It deploys a Bicep module from a registry or a template spec (`br:…`, `ts:…`) that
    /// `[links]` does not map and the Bicep module cache does not give (nor imagegate's
    /// catalogue of public modules stand in for).
    Registry {
        /// The module reference as written.
        reference: String,
        /// What the Bicep module cache gave, when it was looked in (`None`: it is not read
        /// for this reference, as for a `.bicepparam`'s `using`).
        cache: Option<Box<ModuleCache>>,
    },
    /// A module reference that does not lead to a module: malformed as the Bicep CLI parses
    /// references, or naming an alias that no `bicepconfig.json` defines.
    RegistryReference {
        /// The module reference as written.
        reference: String,
        /// What is wrong with it (completes "the reference …").
        problem: String,
    },
    /// The `bicepconfig.json` that says what a module reference's alias and the module cache
    /// are could not be read (an IG000 there says why).
    RegistryConfig {
        /// The module reference as written.
        reference: String,
        /// The configuration file, and what is wrong with it.
        config: Box<ConfigUnread>,
    },
    /// A public registry module that imagegate's catalogue knows, but not at the version
    /// referenced (and no version it knows can stand in for it), and that the module cache
    /// does not give either.
    RegistryVersion(Box<UnknownVersion>),
    /// A public registry module whose version imagegate's catalogue knows deploys an image, but
    /// not which of its parameters carries it, and that the module cache does not give either.
    RegistryUntraced(Box<UntracedModule>),
    /// Its parameters come from a file linked by URI (`parametersLink`).
    ParametersLink {
        /// The URI as far as it is known.
        uri: String,
    },
    /// Its template is an expression.
    Expression,
    /// The path of its linked template is not known offline.
    PathUnknown,
    /// Its local linked template was not read.
    Refused {
        /// The link as written (resolved).
        relative: String,
        /// Why not.
        refusal: super::LinkRefusal,
    },
    /// It is nested deeper than deployments are followed.
    TooDeep {
        /// The deepest nesting followed.
        levels: usize,
    },
    /// Its template is in a managed application definition's package (`packageFileUri`), a
    /// zip file, which `[links]` does not map to a local template.
    Package {
        /// The package's URI as far as it is known.
        uri: String,
        /// Whether the definition also writes a template inline (`mainTemplate`): which of
        /// the two is deployed is not decided offline, so neither is followed.
        also_inline: bool,
    },
    /// It is a managed application whose definition is not declared in the same template
    /// (or comes from a Marketplace plan): the template it deploys is not seen.
    ManagedApplication {
        /// The definition's resource ID as far as it is known, when it names one.
        definition: Option<String>,
        /// The Marketplace plan (`publisher:product:name`), when it names none.
        plan: Option<String>,
    },
    /// It links by `relativePath` a template that is not published with it (none of its
    /// template spec's `linkedTemplates` has that path).
    NotPublished {
        /// The path, resolved against the linking template's.
        path: String,
    },
}

impl fmt::Display for Unavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const MAP: &str = "map it to a local path in [links] in imagegate.toml to follow it";
        match self {
            Unavailable::Uri { uri } => write!(
                f,
                "its template is linked by the URI `{uri}`, which is not read offline ({MAP})"
            ),
            Unavailable::Registry {
                reference,
                cache: None,
            } => write!(
                f,
                "it deploys the module `{reference}`, which is not read offline ({MAP})"
            ),
            Unavailable::Registry {
                reference,
                cache: Some(cache),
            } => {
                write!(f, "it deploys the module `{reference}`, which ")?;
                cache.tail(f)
            }
            Unavailable::RegistryReference { reference, problem } => write!(
                f,
                "it deploys the module `{reference}`, whose reference {problem}"
            ),
            Unavailable::RegistryConfig { reference, config } => write!(
                f,
                "it deploys the module `{reference}`, and `{}`, the Bicep configuration that says what its alias and the module cache are, could not be read: {}",
                config.file, config.problem
            ),
            Unavailable::RegistryVersion(unknown) => {
                let UnknownVersion {
                    reference,
                    module,
                    version,
                    known,
                    cache,
                } = &**unknown;
                write!(
                    f,
                    "it deploys the module `{reference}`: imagegate's catalogue of public modules does not know version `{version}` of `{module}` (the nearest it knows is `{known}`), and the module "
                )?;
                cache.tail(f)
            }
            Unavailable::RegistryUntraced(untraced) => {
                let UntracedModule {
                    reference,
                    module,
                    version,
                    cache,
                } = &**untraced;
                write!(
                    f,
                    "it deploys the module `{reference}`: version `{version}` of `{module}` deploys an image, but imagegate's catalogue of public modules cannot tell which of its parameters carries it, and the module "
                )?;
                cache.tail(f)
            }
            Unavailable::Spec { id } => write!(
                f,
                "it deploys the template spec `{id}`, which is not read offline ({MAP})"
            ),
            Unavailable::ParametersLink { uri } => write!(
                f,
                "its parameters come from `{uri}` (parametersLink), which is not read offline"
            ),
            Unavailable::Expression => {
                f.write_str("its template is an expression, which is not judged offline")
            }
            Unavailable::PathUnknown => {
                f.write_str("the path of its linked template is not known offline")
            }
            Unavailable::Refused { relative, refusal } => {
                write!(f, "its linked template `{relative}` {refusal}")
            }
            Unavailable::TooDeep { levels } => write!(
                f,
                "it is nested deeper than {levels} deployments, which are not followed"
            ),
            Unavailable::Package {
                uri,
                also_inline: false,
            } => write!(
                f,
                "its template is in the package `{uri}` (packageFileUri), a zip file imagegate does not read (map the URI to the package's mainTemplate.json in [links] in imagegate.toml to follow it)"
            ),
            Unavailable::Package {
                uri,
                also_inline: true,
            } => write!(
                f,
                "it gives both an inline template (mainTemplate) and the package `{uri}` (packageFileUri), and which of the two is deployed is not decided offline"
            ),
            Unavailable::ManagedApplication {
                definition: Some(definition),
                ..
            } => write!(
                f,
                "it is a managed application of the definition `{definition}`, which this template does not declare, so the template it deploys is not seen offline"
            ),
            Unavailable::ManagedApplication {
                definition: None,
                plan: Some(plan),
            } => write!(
                f,
                "it is a managed application from the Marketplace plan `{plan}`, whose template is not seen offline"
            ),
            Unavailable::ManagedApplication {
                definition: None,
                plan: None,
            } => f.write_str(
                "it is a managed application that names no definition, so the template it deploys is not seen offline",
            ),
            Unavailable::NotPublished { path } => write!(
                f,
                "its template is linked by the relative path `{path}`, which names no template published with it (its template spec's linkedTemplates)"
            ),
        }
    }
}

/// A Bicep configuration file that could not be read ([`Unavailable::RegistryConfig`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigUnread {
    /// The file, as shown to users.
    pub file: String,
    /// What is wrong with it.
    pub problem: String,
}

/// A version of a public registry module that imagegate's catalogue does not know
/// ([`Unavailable::RegistryVersion`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownVersion {
    /// The module reference as written.
    pub reference: String,
    /// The module (its repository path, e.g. `avm/res/compute/virtual-machine`).
    pub module: String,
    /// The version referenced.
    pub version: String,
    /// The nearest version the catalogue knows.
    pub known: String,
    /// What the Bicep module cache gave.
    pub cache: ModuleCache,
}

/// A public registry module at a version the catalogue knows deploys an image it cannot trace
/// to a parameter ([`Unavailable::RegistryUntraced`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UntracedModule {
    /// The module reference as written.
    pub reference: String,
    /// The module (its repository path, e.g. `avm/res/dev-center/devcenter`).
    pub module: String,
    /// The version referenced.
    pub version: String,
    /// What the Bicep module cache gave.
    pub cache: ModuleCache,
}

/// What the Bicep CLI's module cache (the files `bicep restore` writes: `~/.bicep`, or a
/// `bicepconfig.json`'s `cacheRootDirectory`) gave for a registry module it does not hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModuleCache {
    /// The module is not there: `bicep restore` writes it to this file.
    Missing {
        /// The file, as shown to users (`~/.bicep/…` under the home folder).
        path: String,
    },
    /// No cache root is known: `HOME` is not set and no `bicepconfig.json` sets
    /// `cacheRootDirectory`.
    NoRoot,
    /// The cache root lies inside the scanned roots: a copy committed there is not what the
    /// registry serves, so it is not read.
    InsideRoots {
        /// The cache root, as shown to users.
        root: String,
    },
    /// The cached file was not read.
    Refused {
        /// The file, as shown to users.
        path: String,
        /// Why not ([`super::LinkRefusal::OutsideRoots`]: it leads outside the cache root).
        refusal: super::LinkRefusal,
    },
}

impl ModuleCache {
    /// Completes "it deploys the module `x`, which …" with where imagegate looked for it.
    fn tail(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const NOT_MAPPED: &str = "is not mapped to a local copy in [links] in imagegate.toml";
        match self {
            ModuleCache::Missing { path } => write!(
                f,
                "is neither in the Bicep module cache (`bicep restore` writes it to `{path}`, where imagegate reads it) nor mapped to a local copy in [links] in imagegate.toml"
            ),
            ModuleCache::NoRoot => write!(
                f,
                "{NOT_MAPPED}, and the Bicep module cache cannot be located (`HOME` is not set and no bicepconfig.json sets `cacheRootDirectory`)"
            ),
            ModuleCache::InsideRoots { root } => write!(
                f,
                "{NOT_MAPPED}, and its Bicep module cache `{root}` lies inside the scanned files, so it is not read: a committed copy is not what the registry serves"
            ),
            ModuleCache::Refused {
                path,
                refusal: super::LinkRefusal::OutsideRoots,
            } => write!(
                f,
                "{NOT_MAPPED}, and its cached copy `{path}` leads outside the Bicep module cache, so it was not read"
            ),
            ModuleCache::Refused { path, refusal } => {
                write!(f, "{NOT_MAPPED}, and its cached copy `{path}` {refusal}")
            }
        }
    }
}

/// What reads an environment variable into a parameter value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnvironmentReader {
    /// Bicep's `readEnvironmentVariable()` in a `.bicepparam` file, evaluated by
    /// `bicep build-params` on the machine that deploys.
    BicepFunction,
    /// The Azure Developer CLI's `${NAME}` substitution in a JSON parameter file.
    Azd,
}

/// A deployment setting of `[deployment]` in `imagegate.toml`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeploymentSetting {
    /// The deploying subscription's ID (`subscription_id`).
    Subscription,
    /// The deploying resource group's name (`resource_group`).
    ResourceGroup,
    /// The deployment location (`location`).
    Location,
    /// The deploying tenant's ID (`tenant_id`).
    Tenant,
    /// The deployment's name (`deployment_name`).
    DeploymentName,
}

impl DeploymentSetting {
    /// What the setting stands for, as in "the deploying subscription".
    fn what(self) -> &'static str {
        match self {
            DeploymentSetting::Subscription => "deploying subscription",
            DeploymentSetting::ResourceGroup => "deploying resource group",
            DeploymentSetting::Location => "deployment location",
            DeploymentSetting::Tenant => "deploying tenant",
            DeploymentSetting::DeploymentName => "deployment name",
        }
    }

    /// The key in `[deployment]`.
    fn key(self) -> &'static str {
        match self {
            DeploymentSetting::Subscription => "subscription_id",
            DeploymentSetting::ResourceGroup => "resource_group",
            DeploymentSetting::Location => "location",
            DeploymentSetting::Tenant => "tenant_id",
            DeploymentSetting::DeploymentName => "deployment_name",
        }
    }
}

/// An ARM function whose result exists only while the deployment runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeploymentTimeFunction {
    /// `reference()`
    Reference,
    /// `references()`
    References,
    /// `newGuid()`
    NewGuid,
    /// `utcNow()`
    UtcNow,
    /// `pickZones()`
    PickZones,
    /// `providers()`
    Providers,
    /// `deployer()`
    Deployer,
    /// `listKeys()`, `listSecrets()` and every other `list*()` function.
    List,
}

/// A property of the deployment's scope that is not known offline (and cannot be configured).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScopeProperty {
    /// The deploying management group.
    ManagementGroup,
    /// `subscription().displayName`
    SubscriptionDisplayName,
    /// `tenant().countryCode`
    TenantCountryCode,
    /// `tenant().displayName`
    TenantDisplayName,
}

/// Why the configuration recorded in a Terraform plan does not tell an after-apply value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AfterApply {
    /// Nothing more to say (no expression, or one without references).
    Unexplained,
    /// References lead through more module inputs than are followed.
    NestedTooDeeply,
    /// The expression combines several references.
    Combines {
        /// The references, as the plan lists them.
        references: Vec<String>,
    },
    /// The plan's configuration has no expression for the attribute.
    NotRecorded,
    /// The value comes from a local value, which plans do not record.
    Local {
        /// The local's name.
        name: String,
    },
    /// The value comes from another reference that is not followed.
    Reference {
        /// The reference as written.
        reference: String,
    },
    /// A root variable the plan holds no value for.
    VariableWithoutValue {
        /// The variable's name.
        name: String,
    },
    /// A module input that the calling module does not set.
    InputNotSet(ModuleVariable),
    /// A data source read during plan that lacks the attribute.
    MissingAttribute {
        /// The data source's address.
        address: String,
        /// The attribute path, dotted.
        attribute: String,
    },
    /// A data source read only during apply.
    ReadDuringApply {
        /// The data source's address.
        address: String,
    },
    /// A data source the plan does not record.
    UnrecordedDataSource {
        /// The data source's address.
        address: String,
    },
    /// The expression's one reference is known when Terraform plans, so the attribute being
    /// unknown means the expression combines it with something that is not (`"${var.x}-${uuid()}"`,
    /// a conditional, a function the plan does not record).
    CombinesKnown {
        /// The reference, as the plan lists it.
        reference: String,
    },
    /// The `.tf` source beside the plan writes more than the one reference the plan records.
    MoreThanReference {
        /// The reference, as the plan lists it.
        reference: String,
    },
}

/// Why a value of a Terraform configuration read from its `.tf` sources is not known offline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TfUnknown {
    /// A root variable with no default that no `.tfvars` file of the configuration and no
    /// `TF_VAR_` environment variable sets (Terraform asks for it, or a `-var` gives it).
    UnsetVariable {
        /// The variable's name.
        name: String,
    },
    /// A data source's attribute: Terraform reads it from Azure when it plans.
    DataSource {
        /// The reference as written (`data.azurerm_shared_image_version.golden.id`).
        reference: String,
    },
    /// A managed resource's attribute, which imagegate does not compute from its arguments
    /// (yet): known once Terraform applies it.
    ResourceAttribute {
        /// The reference as written (`azurerm_image.golden.id`).
        reference: String,
    },
    /// An output of a module call, which is not evaluated from the module's sources (yet).
    ModuleOutput {
        /// The reference as written (`module.images.gallery_image_id`).
        reference: String,
    },
    /// What a module call deploys, from a registry or a repository that `terraform init` has
    /// not installed (`.terraform/modules/modules.json` names no folder for it).
    ModuleCall {
        /// The module's `source` as written.
        source: String,
    },
    /// A local module whose folder cannot be read (outside the scanned roots, missing, no
    /// readable `.tf` file).
    ModuleNotRead {
        /// The module's `source` as written.
        source: String,
    },
    /// A variable of a called module that its caller does not set and that has no default.
    InputNotSet {
        /// The variable's name.
        name: String,
        /// The module call's address (`module.vm`).
        module: String,
    },
    /// The subscription of the azurerm provider, where a resource's ID is composed.
    ProviderSubscription,
    /// A resource that writes none of the arguments that name its image.
    NoImage {
        /// The arguments, as the resource's documentation names them (`source_image_id`,
        /// `source_image_reference`).
        arguments: String,
        /// Whether Terraform rejects the resource without one (else the provider computes
        /// the image when Terraform applies).
        required: bool,
    },
    /// A construct or function the evaluator of Terraform sources does not follow.
    NotEvaluated {
        /// What it is, as Terraform's documentation names it (`the function 'cidrsubnet'`).
        construct: String,
    },
}

impl fmt::Display for TfUnknown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const PLAN: &str = "judge a plan of the configuration (`terraform show -json`) to know it";
        match self {
            TfUnknown::UnsetVariable { name } => write!(
                f,
                "variable '{name}' has no default, and no .tfvars file of the configuration nor TF_VAR_{name} sets it"
            ),
            TfUnknown::DataSource { reference } => write!(
                f,
                "`{reference}` is read from Azure when Terraform plans, not offline ({PLAN})"
            ),
            TfUnknown::ResourceAttribute { reference } => write!(
                f,
                "`{reference}` is an attribute of a managed resource, known once Terraform applies it ({PLAN})"
            ),
            TfUnknown::ModuleOutput { reference } => write!(
                f,
                "`{reference}` is a module output, which is not evaluated where it is read ({PLAN})"
            ),
            TfUnknown::ModuleCall { source } => write!(
                f,
                "it calls the module `{source}`, which is not read offline: run `terraform init` so that `.terraform/modules/modules.json` names its folder, or {PLAN}"
            ),
            TfUnknown::ModuleNotRead { source } => write!(
                f,
                "it calls the local module `{source}`, whose folder holds no readable `.tf` file inside the scanned paths"
            ),
            TfUnknown::InputNotSet { name, module } => write!(
                f,
                "variable '{name}' of {module} has no default, and the module call does not set it"
            ),
            TfUnknown::ProviderSubscription => {
                f.write_str("the subscription of the azurerm provider is not known offline")
            }
            TfUnknown::NoImage {
                arguments,
                required: true,
            } if arguments.contains(", ") => write!(
                f,
                "it writes none of {arguments}, and Terraform requires one of them (it rejects the configuration)"
            ),
            TfUnknown::NoImage {
                arguments,
                required: true,
            } => write!(
                f,
                "it writes no {arguments}, which Terraform requires (it rejects the configuration)"
            ),
            TfUnknown::NoImage {
                arguments,
                required: false,
            } => write!(
                f,
                "it writes no {arguments}: the provider computes it when Terraform applies (a plan shows it known only after apply)"
            ),
            TfUnknown::NotEvaluated { construct } => write!(
                f,
                "imagegate does not evaluate {construct} in Terraform sources yet"
            ),
        }
    }
}

/// What is wrong with a `copy` entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CopyLoopProblem {
    /// No `count`.
    NoCount,
    /// A `count` that is not an integer.
    CountNotInteger,
    /// A negative `count`.
    NegativeCount,
    /// No `input` (in a property or variable loop).
    NoInput,
}

/// An evaluation budget (see [`crate::eval::Limits`]) that ran out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Budget {
    /// Evaluation steps of a walked file.
    Steps {
        /// The budget.
        limit: u64,
    },
    /// Evaluation steps of a walked file, spent before this resource was reached: it and the
    /// resources after it are left out.
    StepsLeftOut {
        /// The budget.
        limit: u64,
    },
    /// Stack used by one evaluation.
    Stack {
        /// The budget in bytes.
        limit: usize,
    },
    /// Nesting of an expression once what it reads where it is written (loop items,
    /// resource properties, imported values, module outputs) is put in place.
    ExpressionDepth {
        /// The budget in levels.
        limit: usize,
    },
    /// Nesting of variable, parameter-default, function and lambda evaluation.
    Recursion {
        /// The budget.
        limit: usize,
        /// What was being evaluated.
        subject: Subject,
    },
    /// Size of a value held by a parameter, variable or accumulator.
    ValueSize {
        /// The budget in units.
        limit: u64,
        /// What held the value.
        subject: Subject,
    },
    /// Nesting depth of a value held by a parameter, variable or accumulator.
    ValueDepth {
        /// The budget in levels.
        limit: usize,
        /// What held the value.
        subject: Subject,
    },
    /// Instances of a resource copy loop judged.
    ResourceInstances {
        /// The loop's name.
        name: String,
        /// Its count.
        count: i64,
        /// How many instances are judged.
        judged: i64,
    },
    /// Resources taken from one template (all loops and nestings together).
    Resources {
        /// The budget.
        limit: usize,
    },
    /// Elements of a copy loop.
    CopyLoopLength {
        /// The loop's name.
        name: String,
        /// Its count.
        count: i64,
        /// The budget.
        limit: usize,
    },
    /// Bytes of a string a function would build.
    StringLength {
        /// The function as written.
        function: String,
        /// The length it would build.
        length: usize,
        /// The budget.
        limit: usize,
    },
    /// Elements of an array a function would build.
    ArrayLength {
        /// The function as written.
        function: String,
        /// The count it would build.
        count: u128,
        /// The budget.
        limit: usize,
    },
    /// Comparisons one function call would need, against the step budget.
    Comparisons {
        /// The function as written.
        function: String,
        /// The comparisons it would need.
        work: u128,
        /// The step budget.
        limit: u64,
    },
}

/// A field of a marketplace image reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarketplaceField {
    /// The publisher.
    Publisher,
    /// The offer.
    Offer,
    /// The SKU.
    Sku,
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cause::UnsetParameter { name } => write!(
                f,
                "parameter '{name}' has no default and no parameter file sets it"
            ),
            Cause::DeployerValue { name } => write!(
                f,
                "parameter '{name}' takes a value a deployer passes, other than its default (which leaves the resource out)"
            ),
            Cause::KeyVaultReference { name } => {
                write!(f, "parameter '{name}' is a Key Vault reference")
            }
            Cause::UnsetOptionalParameter { name } => write!(
                f,
                "parameter '{name}' is optional and no parameter file sets it, so the image is null"
            ),
            Cause::TemplateNotAvailable(unavailable) => unavailable.fmt(f),
            Cause::PublisherExpression => f.write_str(
                "it is an expression of the template that holds this one as a property value (written `[…]`, not `[[…]`), evaluated there before this template is deployed, which is not judged offline",
            ),
            Cause::ParameterFileNotRead { path, problem } => write!(
                f,
                "the parameter file it extends, `{path}`, is not read ({problem}), so any parameter it may set is not known"
            ),
            Cause::EnvironmentVariableUnset {
                name,
                reader: EnvironmentReader::BicepFunction,
            } => write!(
                f,
                "environment variable '{name}' is not set where imagegate runs, and readEnvironmentVariable() gives no default"
            ),
            Cause::EnvironmentVariableUnset {
                name,
                reader: EnvironmentReader::Azd,
            } => write!(
                f,
                "environment variable '{name}' (substituted by azd for `${{{name}}}`) is not set where imagegate runs"
            ),
            Cause::UnfollowedSubstitution { text } => write!(
                f,
                "`{text}` is an azd substitution imagegate does not follow"
            ),
            Cause::TargetGroupLocation => f.write_str(
                "the location of the resource group the nested deployment deploys to is not known offline",
            ),
            Cause::UnsetDeploymentSetting(s) => write!(
                f,
                "the {} is not known offline (set [deployment] {} in imagegate.toml)",
                s.what(),
                s.key()
            ),
            Cause::DeploymentTimeFunction(func) => f.write_str(match func {
                DeploymentTimeFunction::Reference => {
                    "reference() reads a deployed resource's runtime state, which is not known offline"
                }
                DeploymentTimeFunction::References => {
                    "references() reads deployed resources' runtime state, which is not known offline"
                }
                DeploymentTimeFunction::NewGuid => {
                    "newGuid() returns a fresh random GUID at deployment time"
                }
                DeploymentTimeFunction::UtcNow => "utcNow() returns the deployment time",
                DeploymentTimeFunction::PickZones => {
                    "pickZones() depends on the zones available in the subscription at deployment time"
                }
                DeploymentTimeFunction::Providers => {
                    "providers() reads the resource providers registered at deployment time"
                }
                DeploymentTimeFunction::Deployer => {
                    "deployer() describes the identity that runs the deployment, not known offline"
                }
                DeploymentTimeFunction::List => {
                    "list*() functions call the resource provider at deployment time"
                }
            }),
            Cause::ScopeProperty(p) => f.write_str(match p {
                ScopeProperty::ManagementGroup => {
                    "the deploying management group is not known offline"
                }
                ScopeProperty::SubscriptionDisplayName => {
                    "the subscription's display name is not known offline"
                }
                ScopeProperty::TenantCountryCode => "the tenant's country code is not known offline",
                ScopeProperty::TenantDisplayName => "the tenant's display name is not known offline",
            }),
            Cause::TemplateLink => f.write_str("the deployment's template link is not known offline"),
            Cause::DamagedDeclaration => {
                f.write_str("the declaration has a syntax error, so what it holds is not known")
            }
            Cause::RuntimeProperty { resource, property } => write!(
                f,
                "'{resource}.{property}' is known only once the resource is deployed"
            ),
            Cause::ModuleOutput { module, output } => write!(
                f,
                "output '{output}' of module '{module}' is not known offline"
            ),
            Cause::LoadedFile {
                function,
                path,
                problem,
            } => write!(f, "{function}('{path}') cannot be read: {problem}"),
            Cause::TerraformSource(why) => why.fmt(f),
            Cause::BicepConstruct { construct } => {
                write!(f, "imagegate does not evaluate {construct}")
            }
            Cause::KnownAfterApply { attribute, detail } => {
                write!(f, "`{attribute}` is known only after apply{detail}")
            }
            Cause::Sensitive => f.write_str(
                "the value is marked sensitive in the plan; imagegate does not read sensitive values",
            ),
            Cause::AzapiBodyNotJson { error } => {
                write!(f, "the azapi `body` string is not JSON: {error}")
            }
            Cause::EmbeddedArmTemplate { attribute } => write!(
                f,
                "`{attribute}` is an ARM template embedded in the Terraform plan that is only partly known at plan time, so the images it deploys are not known"
            ),
            Cause::UndeclaredParameter { name } => {
                write!(f, "parameter '{name}' is not declared in the template")
            }
            Cause::UndeclaredVariable { name } => {
                write!(f, "variable '{name}' is not declared in the template")
            }
            Cause::UndeclaredFunction { name } => write!(
                f,
                "user-defined function '{name}' is not declared in the template"
            ),
            Cause::UndeclaredFunctionParameter { name } => {
                write!(f, "the user-defined function has no parameter '{name}'")
            }
            Cause::UndeclaredLambdaVariable { name } => write!(
                f,
                "lambdaVariables('{name}') names no enclosing lambda parameter"
            ),
            Cause::VariablesInFunction => {
                f.write_str("user-defined functions cannot use variables()")
            }
            Cause::ParameterSelfReference { name } => write!(
                f,
                "the default value of parameter '{name}' refers to itself"
            ),
            Cause::VariableCycle { name, cycle } => write!(
                f,
                "variable '{name}' refers to itself (cycle: {})",
                cycle.join(" \u{2192} ")
            ),
            Cause::CopyLoopWithoutName => f.write_str("copy loop without a `name`"),
            Cause::CopyLoop { name, problem } => {
                let problem = match problem {
                    CopyLoopProblem::NoCount => "has no `count`",
                    CopyLoopProblem::CountNotInteger => "count is not an integer",
                    CopyLoopProblem::NegativeCount => "has a negative count",
                    CopyLoopProblem::NoInput => "has no `input`",
                };
                write!(f, "copy loop '{name}' {problem}")
            }
            Cause::CopyIndexOutsideLoop { name: Some(n) } => {
                write!(f, "copyIndex('{n}') is used outside the copy loop '{n}'")
            }
            Cause::CopyIndexOutsideLoop { name: None } => {
                f.write_str("copyIndex() is used outside a copy loop")
            }
            Cause::MalformedExpression { error } => write!(f, "malformed expression: {error}"),
            Cause::UnknownFunction { name } => write!(f, "unknown function '{name}'"),
            Cause::InvalidCall { function, problem } => {
                write!(f, "invalid call to {function}(): {problem}")
            }
            Cause::PartiallyKnownString => f.write_str("partially known string"),
            Cause::PartiallyKnownIndex => f.write_str("partially known index"),
            Cause::MissingProperty { name } => write!(f, "the object has no property '{name}'"),
            Cause::PropertyOfNonObject { name, found } => write!(
                f,
                "cannot read property '{name}' of a value of type {found}"
            ),
            Cause::IndexOutOfRange { index, length } => write!(
                f,
                "index {index} is outside the array (length {length})"
            ),
            Cause::NotIndexable { target, index } => {
                write!(f, "cannot index a value of type {target} with a {index}")
            }
            Cause::Budget(budget) => budget.fmt(f),
            Cause::NotAString { value } => write!(f, "`{value}` is not a string"),
            Cause::ImageIdNotAString { value } => {
                write!(f, "the image ID is `{value}`, not a string")
            }
            Cause::Unreadable { path } => write!(f, "`{path}` cannot be read"),
            Cause::NotAnObject { path } => write!(f, "`{path}` is not an object"),
            Cause::MarketplaceFieldUnset(field) => {
                write!(f, "the marketplace `{field}` is not set")
            }
            Cause::EmbeddedJsonInvalid { error } => write!(
                f,
                "the embedded JSON document cannot be parsed: {error}"
            ),
            Cause::ImagePartUnknown => f.write_str("part of the image is not known offline"),
        }
    }
}

impl fmt::Display for AfterApply {
    /// The detail as it follows "`x` is known only after apply": empty, or a space and a
    /// parenthesis.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AfterApply::Unexplained => Ok(()),
            AfterApply::NestedTooDeeply => f.write_str(" (references nested too deeply)"),
            AfterApply::Combines { references } => {
                f.write_str(" (its expression combines ")?;
                for (i, r) in references.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "`{r}`")?;
                }
                f.write_str(")")
            }
            AfterApply::NotRecorded => {
                f.write_str(" (its expression is not recorded in the plan's configuration)")
            }
            AfterApply::Local { name } => write!(
                f,
                " (it comes from `local.{name}`, which the plan does not record)"
            ),
            AfterApply::Reference { reference } => write!(f, " (it comes from `{reference}`)"),
            AfterApply::VariableWithoutValue { name } => {
                write!(f, " (variable '{name}' has no value in the plan)")
            }
            AfterApply::InputNotSet(input) => {
                write!(f, " ({input} is not set in the plan's configuration)")
            }
            AfterApply::MissingAttribute { address, attribute } => {
                write!(f, " (`{address}` has no `{attribute}` in the plan)")
            }
            AfterApply::ReadDuringApply { address } => write!(
                f,
                " (it comes from `{address}`, which is read only during apply)"
            ),
            AfterApply::UnrecordedDataSource { address } => write!(
                f,
                " (it comes from `{address}`, which the plan does not record)"
            ),
            AfterApply::CombinesKnown { reference } => write!(
                f,
                " (its expression combines `{reference}`, known at plan time, with something that is not)"
            ),
            AfterApply::MoreThanReference { reference } => write!(
                f,
                " (its expression in the configuration does more than refer to `{reference}`)"
            ),
        }
    }
}

impl fmt::Display for Budget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Budget::Steps { limit } => write!(
                f,
                "evaluation step budget ({limit} steps per file) exhausted; the template is too expensive to evaluate offline"
            ),
            Budget::StepsLeftOut { limit } => write!(
                f,
                "evaluation step budget ({limit} steps per file) exhausted before this resource: it and the resources after it are not judged"
            ),
            Budget::Stack { limit } => write!(
                f,
                "nesting budget exceeded: evaluation used more than {limit} bytes of stack"
            ),
            Budget::ExpressionDepth { limit } => write!(
                f,
                "nesting budget exceeded: the expression is nested deeper than {limit} levels once the loop items, resource properties, imports and module outputs it reads are put in place"
            ),
            Budget::Recursion { limit, subject } => write!(
                f,
                "recursion depth budget ({limit}) exceeded while evaluating {subject}"
            ),
            Budget::ValueSize { limit, subject } => {
                write!(f, "value size budget ({limit} units) exceeded by {subject}")
            }
            Budget::ValueDepth { limit, subject } => {
                write!(
                    f,
                    "value nesting budget ({limit} levels) exceeded by {subject}"
                )
            }
            Budget::ResourceInstances {
                name,
                count,
                judged,
            } => write!(
                f,
                "instance budget reached: copy loop '{name}' has {count} instances and only the first {judged} are judged"
            ),
            Budget::Resources { limit } => write!(
                f,
                "resource budget reached: only the first {limit} resources of the file are judged (all its parameter files and allowed values together)"
            ),
            Budget::CopyLoopLength { name, count, limit } => write!(
                f,
                "array length budget exceeded: copy loop '{name}' has {count} elements (limit {limit})"
            ),
            Budget::StringLength {
                function,
                length,
                limit,
            } => write!(
                f,
                "string length budget exceeded: {function}() would build {length} bytes (limit {limit})"
            ),
            Budget::ArrayLength {
                function,
                count,
                limit,
            } => write!(
                f,
                "array length budget exceeded: {function}() would build {count} elements (limit {limit})"
            ),
            Budget::Comparisons {
                function,
                work,
                limit,
            } => write!(
                f,
                "evaluation step budget ({limit} steps) exceeded: {function}() would need {work} comparisons"
            ),
        }
    }
}

impl fmt::Display for MarketplaceField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MarketplaceField::Publisher => "publisher",
            MarketplaceField::Offer => "offer",
            MarketplaceField::Sku => "sku",
        })
    }
}

#[cfg(test)]
mod tests;
