//! The wording of every cause, pinned: these strings are what users read in findings.

use super::*;
use crate::value::call::Wanted;

fn s(x: &str) -> String {
    x.to_owned()
}

fn check(cases: Vec<(Cause, &str)>) {
    for (cause, expected) in cases {
        assert_eq!(cause.to_string(), expected, "{cause:?}");
    }
}

#[test]
fn inputs_not_given_offline() {
    use DeploymentSetting as D;
    use DeploymentTimeFunction as F;
    check(vec![
        (
            Cause::UnsetParameter { name: s("os") },
            "parameter 'os' has no default and no parameter file sets it",
        ),
        (
            Cause::DeployerValue { name: s("env") },
            "parameter 'env' takes a value a deployer passes, other than its default (which leaves the resource out)",
        ),
        (
            Cause::KeyVaultReference { name: s("pw") },
            "parameter 'pw' is a Key Vault reference",
        ),
        (
            Cause::UnsetOptionalParameter { name: s("image") },
            "parameter 'image' is optional and no parameter file sets it, so the image is null",
        ),
        (
            Cause::UnsetDeploymentSetting(D::Subscription),
            "the deploying subscription is not known offline (set [deployment] subscription_id in imagegate.toml)",
        ),
        (
            Cause::UnsetDeploymentSetting(D::ResourceGroup),
            "the deploying resource group is not known offline (set [deployment] resource_group in imagegate.toml)",
        ),
        (
            Cause::UnsetDeploymentSetting(D::Location),
            "the deployment location is not known offline (set [deployment] location in imagegate.toml)",
        ),
        (
            Cause::UnsetDeploymentSetting(D::Tenant),
            "the deploying tenant is not known offline (set [deployment] tenant_id in imagegate.toml)",
        ),
        (
            Cause::UnsetDeploymentSetting(D::DeploymentName),
            "the deployment name is not known offline (set [deployment] deployment_name in imagegate.toml)",
        ),
        (
            Cause::DeploymentTimeFunction(F::Reference),
            "reference() reads a deployed resource's runtime state, which is not known offline",
        ),
        (
            Cause::DeploymentTimeFunction(F::References),
            "references() reads deployed resources' runtime state, which is not known offline",
        ),
        (
            Cause::DeploymentTimeFunction(F::NewGuid),
            "newGuid() returns a fresh random GUID at deployment time",
        ),
        (
            Cause::DeploymentTimeFunction(F::UtcNow),
            "utcNow() returns the deployment time",
        ),
        (
            Cause::DeploymentTimeFunction(F::PickZones),
            "pickZones() depends on the zones available in the subscription at deployment time",
        ),
        (
            Cause::DeploymentTimeFunction(F::Providers),
            "providers() reads the resource providers registered at deployment time",
        ),
        (
            Cause::DeploymentTimeFunction(F::Deployer),
            "deployer() describes the identity that runs the deployment, not known offline",
        ),
        (
            Cause::DeploymentTimeFunction(F::List),
            "list*() functions call the resource provider at deployment time",
        ),
        (
            Cause::ScopeProperty(ScopeProperty::ManagementGroup),
            "the deploying management group is not known offline",
        ),
        (
            Cause::ScopeProperty(ScopeProperty::SubscriptionDisplayName),
            "the subscription's display name is not known offline",
        ),
        (
            Cause::ScopeProperty(ScopeProperty::TenantCountryCode),
            "the tenant's country code is not known offline",
        ),
        (
            Cause::ScopeProperty(ScopeProperty::TenantDisplayName),
            "the tenant's display name is not known offline",
        ),
        (
            Cause::TemplateLink,
            "the deployment's template link is not known offline",
        ),
        (
            Cause::TargetGroupLocation,
            "the location of the resource group the nested deployment deploys to is not known offline",
        ),
        (
            Cause::ParameterFileNotRead {
                path: s("./base.bicepparam"),
                problem: s("no such file"),
            },
            "the parameter file it extends, `./base.bicepparam`, is not read (no such file), so any parameter it may set is not known",
        ),
        (
            Cause::EnvironmentVariableUnset {
                name: s("VM_IMAGE"),
                reader: EnvironmentReader::BicepFunction,
            },
            "environment variable 'VM_IMAGE' is not set where imagegate runs, and readEnvironmentVariable() gives no default",
        ),
        (
            Cause::EnvironmentVariableUnset {
                name: s("VM_SKU"),
                reader: EnvironmentReader::Azd,
            },
            "environment variable 'VM_SKU' (substituted by azd for `${VM_SKU}`) is not set where imagegate runs",
        ),
        (
            Cause::UnfollowedSubstitution {
                text: s("${VM_SKU^^}"),
            },
            "`${VM_SKU^^}` is an azd substitution imagegate does not follow",
        ),
    ]);
}

#[test]
fn terraform() {
    let after = |detail| Cause::KnownAfterApply {
        attribute: s("source_image_reference[0].sku"),
        detail,
    };
    let head = "`source_image_reference[0].sku` is known only after apply";
    let cases = vec![
        (AfterApply::Unexplained, String::new()),
        (
            AfterApply::NestedTooDeeply,
            s(" (references nested too deeply)"),
        ),
        (
            AfterApply::Combines {
                references: vec![s("var.a"), s("var.b")],
            },
            s(" (its expression combines `var.a`, `var.b`)"),
        ),
        (
            AfterApply::NotRecorded,
            s(" (its expression is not recorded in the plan's configuration)"),
        ),
        (
            AfterApply::Local { name: s("img") },
            s(" (it comes from `local.img`, which the plan does not record)"),
        ),
        (
            AfterApply::Reference {
                reference: s("azurerm_image.x.id"),
            },
            s(" (it comes from `azurerm_image.x.id`)"),
        ),
        (
            AfterApply::VariableWithoutValue { name: s("img") },
            s(" (variable 'img' has no value in the plan)"),
        ),
        (
            AfterApply::InputNotSet(ModuleVariable {
                name: s("img"),
                module: s("module.vm"),
            }),
            s(" (input 'img' of module.vm is not set in the plan's configuration)"),
        ),
        (
            AfterApply::MissingAttribute {
                address: s("data.azurerm_image.x"),
                attribute: s("os_disk.id"),
            },
            s(" (`data.azurerm_image.x` has no `os_disk.id` in the plan)"),
        ),
        (
            AfterApply::ReadDuringApply {
                address: s("data.azurerm_image.x"),
            },
            s(" (it comes from `data.azurerm_image.x`, which is read only during apply)"),
        ),
        (
            AfterApply::UnrecordedDataSource {
                address: s("data.azurerm_image.x"),
            },
            s(" (it comes from `data.azurerm_image.x`, which the plan does not record)"),
        ),
        (
            AfterApply::CombinesKnown {
                reference: s("var.image"),
            },
            s(
                " (its expression combines `var.image`, known at plan time, with something that is not)",
            ),
        ),
        (
            AfterApply::MoreThanReference {
                reference: s("azurerm_image.x.id"),
            },
            s(
                " (its expression in the configuration does more than refer to `azurerm_image.x.id`)",
            ),
        ),
    ];
    for (detail, tail) in cases {
        assert_eq!(after(detail).to_string(), format!("{head}{tail}"));
    }
    check(vec![
        (
            Cause::Sensitive,
            "the value is marked sensitive in the plan; imagegate does not read sensitive values",
        ),
        (
            Cause::AzapiBodyNotJson {
                error: s("expected `,`"),
            },
            "the azapi `body` string is not JSON: expected `,`",
        ),
        (
            Cause::EmbeddedArmTemplate {
                attribute: s("template_content"),
            },
            "`template_content` is an ARM template embedded in the Terraform plan that is only partly known at plan time, so the images it deploys are not known",
        ),
    ]);
}

#[test]
fn terraform_sources() {
    use TfUnknown as T;
    let t = |u: TfUnknown| Cause::TerraformSource(u);
    const PLAN: &str = "judge a plan of the configuration (`terraform show -json`) to know it";
    check(vec![
        (
            t(T::UnsetVariable { name: s("image") }),
            "variable 'image' has no default, and no .tfvars file of the configuration nor TF_VAR_image sets it",
        ),
        (
            t(T::DataSource {
                reference: s("data.azurerm_image.i.id"),
            }),
            &format!(
                "`data.azurerm_image.i.id` is read from Azure when Terraform plans, not offline ({PLAN})"
            ),
        ),
        (
            t(T::ResourceAttribute {
                reference: s("azurerm_image.i.id"),
            }),
            &format!(
                "`azurerm_image.i.id` is an attribute of a managed resource, known once Terraform applies it ({PLAN})"
            ),
        ),
        (
            t(T::ModuleOutput {
                reference: s("module.m.id"),
            }),
            &format!(
                "`module.m.id` is a module output, which is not evaluated where it is read ({PLAN})"
            ),
        ),
        (
            t(T::ModuleCall {
                source: s("Azure/avm-res-compute-virtualmachine/azurerm"),
            }),
            &format!(
                "it calls the module `Azure/avm-res-compute-virtualmachine/azurerm`, which is not read offline: run `terraform init` so that `.terraform/modules/modules.json` names its folder, or {PLAN}"
            ),
        ),
        (
            t(T::ModuleNotRead { source: s("../vm") }),
            "it calls the local module `../vm`, whose folder holds no readable `.tf` file inside the scanned paths",
        ),
        (
            t(T::InputNotSet {
                name: s("image_id"),
                module: s("module.vm"),
            }),
            "variable 'image_id' of module.vm has no default, and the module call does not set it",
        ),
        (
            t(T::ProviderSubscription),
            "the subscription of the azurerm provider is not known offline",
        ),
        (
            t(T::NoImage {
                arguments: s("`source_image_id`, `source_image_reference`"),
                required: true,
            }),
            "it writes none of `source_image_id`, `source_image_reference`, and Terraform requires one of them (it rejects the configuration)",
        ),
        (
            t(T::NoImage {
                arguments: s("`storage_image_reference`"),
                required: true,
            }),
            "it writes no `storage_image_reference`, which Terraform requires (it rejects the configuration)",
        ),
        (
            t(T::NoImage {
                arguments: s("`storage_image_reference`"),
                required: false,
            }),
            "it writes no `storage_image_reference`: the provider computes it when Terraform applies (a plan shows it known only after apply)",
        ),
        (
            t(T::NotEvaluated {
                construct: s("`for` expressions"),
            }),
            "imagegate does not evaluate `for` expressions in Terraform sources yet",
        ),
    ]);
}

#[test]
fn template_errors() {
    check(vec![
        (
            Cause::UndeclaredParameter { name: s("os") },
            "parameter 'os' is not declared in the template",
        ),
        (
            Cause::UndeclaredVariable { name: s("v") },
            "variable 'v' is not declared in the template",
        ),
        (
            Cause::UndeclaredFunction { name: s("ns.f") },
            "user-defined function 'ns.f' is not declared in the template",
        ),
        (
            Cause::UndeclaredFunctionParameter { name: s("p") },
            "the user-defined function has no parameter 'p'",
        ),
        (
            Cause::UndeclaredLambdaVariable { name: s("x") },
            "lambdaVariables('x') names no enclosing lambda parameter",
        ),
        (
            Cause::VariablesInFunction,
            "user-defined functions cannot use variables()",
        ),
        (
            Cause::ParameterSelfReference { name: s("p") },
            "the default value of parameter 'p' refers to itself",
        ),
        (
            Cause::VariableCycle {
                name: s("a"),
                cycle: vec![s("a"), s("b"), s("a")],
            },
            "variable 'a' refers to itself (cycle: a \u{2192} b \u{2192} a)",
        ),
        (Cause::CopyLoopWithoutName, "copy loop without a `name`"),
        (
            Cause::CopyLoop {
                name: s("disks"),
                problem: CopyLoopProblem::NoCount,
            },
            "copy loop 'disks' has no `count`",
        ),
        (
            Cause::CopyLoop {
                name: s("disks"),
                problem: CopyLoopProblem::CountNotInteger,
            },
            "copy loop 'disks' count is not an integer",
        ),
        (
            Cause::CopyLoop {
                name: s("disks"),
                problem: CopyLoopProblem::NegativeCount,
            },
            "copy loop 'disks' has a negative count",
        ),
        (
            Cause::CopyLoop {
                name: s("disks"),
                problem: CopyLoopProblem::NoInput,
            },
            "copy loop 'disks' has no `input`",
        ),
        (
            Cause::CopyIndexOutsideLoop {
                name: Some(s("vms")),
            },
            "copyIndex('vms') is used outside the copy loop 'vms'",
        ),
        (
            Cause::CopyIndexOutsideLoop { name: None },
            "copyIndex() is used outside a copy loop",
        ),
        (
            Cause::MalformedExpression {
                error: s("expected `)` (at offset 4)"),
            },
            "malformed expression: expected `)` (at offset 4)",
        ),
        (
            Cause::UnknownFunction { name: s("frob") },
            "unknown function 'frob'",
        ),
        (
            Cause::InvalidCall {
                function: s("if"),
                problem: CallProblem::ThreeArguments,
            },
            "invalid call to if(): expects 3 arguments",
        ),
        (Cause::PartiallyKnownString, "partially known string"),
        (Cause::PartiallyKnownIndex, "partially known index"),
        (
            Cause::MissingProperty { name: s("id") },
            "the object has no property 'id'",
        ),
        (
            Cause::PropertyOfNonObject {
                name: s("id"),
                found: ValueType::Int,
            },
            "cannot read property 'id' of a value of type int",
        ),
        (
            Cause::IndexOutOfRange {
                index: 3,
                length: 2,
            },
            "index 3 is outside the array (length 2)",
        ),
        (
            Cause::NotIndexable {
                target: ValueType::String,
                index: ValueType::Bool,
            },
            "cannot index a value of type string with a bool",
        ),
    ]);
}

#[test]
fn budgets() {
    let b = |budget| Cause::Budget(budget);
    check(vec![
        (
            b(Budget::Steps { limit: 4_000_000 }),
            "evaluation step budget (4000000 steps per file) exhausted; the template is too expensive to evaluate offline",
        ),
        (
            b(Budget::StepsLeftOut { limit: 4_000_000 }),
            "evaluation step budget (4000000 steps per file) exhausted before this resource: it and the resources after it are not judged",
        ),
        (
            b(Budget::Stack { limit: 1_048_576 }),
            "nesting budget exceeded: evaluation used more than 1048576 bytes of stack",
        ),
        (
            b(Budget::ExpressionDepth { limit: 640 }),
            "nesting budget exceeded: the expression is nested deeper than 640 levels once the loop items, resource properties, imports and module outputs it reads are put in place",
        ),
        (
            b(Budget::Recursion {
                limit: 64,
                subject: Subject::Variable(s("v")),
            }),
            "recursion depth budget (64) exceeded while evaluating variable 'v'",
        ),
        (
            b(Budget::ValueSize {
                limit: 250_000,
                subject: Subject::Parameter(s("p")),
            }),
            "value size budget (250000 units) exceeded by parameter 'p'",
        ),
        (
            b(Budget::ValueDepth {
                limit: 200,
                subject: Subject::Function(s("ns.f")),
            }),
            "value nesting budget (200 levels) exceeded by function 'ns.f'",
        ),
        (
            b(Budget::ResourceInstances {
                name: s("vms"),
                count: 5000,
                judged: 1000,
            }),
            "instance budget reached: copy loop 'vms' has 5000 instances and only the first 1000 are judged",
        ),
        (
            b(Budget::Resources { limit: 20_000 }),
            "resource budget reached: only the first 20000 resources of the file are judged (all its parameter files and allowed values together)",
        ),
        (
            b(Budget::CopyLoopLength {
                name: s("vms"),
                count: 200_000,
                limit: 100_000,
            }),
            "array length budget exceeded: copy loop 'vms' has 200000 elements (limit 100000)",
        ),
        (
            b(Budget::StringLength {
                function: s("concat"),
                length: 2_000_000,
                limit: 1_048_576,
            }),
            "string length budget exceeded: concat() would build 2000000 bytes (limit 1048576)",
        ),
        (
            b(Budget::ArrayLength {
                function: s("range"),
                count: 200_000,
                limit: 100_000,
            }),
            "array length budget exceeded: range() would build 200000 elements (limit 100000)",
        ),
        (
            b(Budget::Comparisons {
                function: s("intersection"),
                work: 5_000_000,
                limit: 1_000_000,
            }),
            "evaluation step budget (1000000 steps) exceeded: intersection() would need 5000000 comparisons",
        ),
    ]);
}

#[test]
fn image_shapes() {
    check(vec![
        (
            Cause::NotAString { value: s("[1, 2]") },
            "`[1, 2]` is not a string",
        ),
        (
            Cause::ImageIdNotAString { value: s("42") },
            "the image ID is `42`, not a string",
        ),
        (
            Cause::Unreadable {
                path: s("properties.storageProfile.imageReference"),
            },
            "`properties.storageProfile.imageReference` cannot be read",
        ),
        (
            Cause::NotAnObject {
                path: s("properties.storageProfile.imageReference"),
            },
            "`properties.storageProfile.imageReference` is not an object",
        ),
        (
            Cause::MarketplaceFieldUnset(MarketplaceField::Publisher),
            "the marketplace `publisher` is not set",
        ),
        (
            Cause::MarketplaceFieldUnset(MarketplaceField::Offer),
            "the marketplace `offer` is not set",
        ),
        (
            Cause::MarketplaceFieldUnset(MarketplaceField::Sku),
            "the marketplace `sku` is not set",
        ),
        (
            Cause::EmbeddedJsonInvalid {
                error: s("unexpected end"),
            },
            "the embedded JSON document cannot be parsed: unexpected end",
        ),
        (
            Cause::ImagePartUnknown,
            "part of the image is not known offline",
        ),
    ]);
}

#[test]
fn value_types() {
    let cases = [
        (ValueType::Null, "null"),
        (ValueType::Bool, "bool"),
        (ValueType::Int, "int"),
        (ValueType::Float, "float"),
        (ValueType::String, "string"),
        (ValueType::Array, "array"),
        (ValueType::Object, "object"),
        (ValueType::Unknown, "unknown"),
    ];
    for (t, expected) in cases {
        assert_eq!(t.to_string(), expected);
    }
}

#[test]
fn invalid_calls() {
    use CallProblem as P;
    let cases: Vec<(P, &str)> = vec![
        (
            P::Arity {
                min: 1,
                max: 1,
                got: 2,
            },
            "expects 1 argument(s), got 2",
        ),
        (
            P::Arity {
                min: 1,
                max: usize::MAX,
                got: 0,
            },
            "expects at least 1 argument(s), got 0",
        ),
        (
            P::Arity {
                min: 2,
                max: 3,
                got: 1,
            },
            "expects 2 to 3 argument(s), got 1",
        ),
        (
            P::LambdaArity { min: 2, max: 2 },
            "expects 2 to 2 arguments",
        ),
        (P::ExactlyOneArgument, "expects exactly one argument"),
        (P::ThreeArguments, "expects 3 arguments"),
        (P::AtMostTwoArguments, "expects at most 2 arguments"),
        (
            P::EvenArguments,
            "expects an even number of arguments (key, value pairs)",
        ),
        (
            P::WrongType {
                wanted: Wanted::String,
                got: ValueType::Int,
            },
            "expected a string, got int",
        ),
        (
            P::WrongType {
                wanted: Wanted::Integer,
                got: ValueType::String,
            },
            "expected an integer, got string",
        ),
        (
            P::WrongType {
                wanted: Wanted::Boolean,
                got: ValueType::Null,
            },
            "expected a boolean, got null",
        ),
        (
            P::WrongType {
                wanted: Wanted::Array,
                got: ValueType::Object,
            },
            "expected an array, got object",
        ),
        (
            P::WrongType {
                wanted: Wanted::Object,
                got: ValueType::Array,
            },
            "expected an object, got array",
        ),
        (
            P::WrongType {
                wanted: Wanted::AllArrays,
                got: ValueType::Float,
            },
            "expected an array (all arguments must be arrays), got float",
        ),
        (P::PartiallyKnownString, "partially known string"),
        (P::StringName, "expects a string name"),
        (P::ConditionNotBoolean, "the condition must be a boolean"),
        (
            P::LambdaOutsideFunction,
            "lambda() can only be an argument of map, filter, reduce, sort, toObject, mapValues or groupBy",
        ),
        (P::LoopNameOrOffset, "expects a loop name or an offset"),
        (
            P::LoopNameAndOffset,
            "expects a loop name and an integer offset",
        ),
        (P::OffsetOverflows, "the offset overflows"),
        (P::NoOutput, "the function has no output value"),
        (P::LambdaArgument, "expects a lambda(...) argument"),
        (
            P::FirstArgumentNotArray,
            "the first argument must be an array",
        ),
        (
            P::FirstArgumentNotObject,
            "the first argument must be an object",
        ),
        (P::LambdaNotBoolean, "the lambda must return a boolean"),
        (P::KeyNotString, "the key lambda must return a string"),
        (P::UnsupportedLambdaFunction, "unsupported lambda function"),
        (P::MalformedPercentEncoding, "malformed percent-encoding"),
        (P::NotBase64, "the argument is not valid base64"),
        (P::NotUtf8, "the decoded bytes are not UTF-8 text"),
        (
            P::NotJson {
                error: s("expected `:`"),
            },
            "the argument is not valid JSON: expected `:`",
        ),
        (P::NotDataUri, "the argument is not a data URI"),
        (P::DataUriWithoutComma, "the data URI has no `,`"),
        (
            P::NotAbsoluteUri { uri: s("a/b") },
            "'a/b' is not an absolute URI",
        ),
        (P::NegativeCount, "the count must not be negative"),
        (
            P::CountOverLimit { count: 20_000 },
            "the count 20000 exceeds Azure's limit of 10000",
        ),
        (P::RangeOverflow, "startIndex + count exceeds 2147483647"),
        (P::NoValues, "needs at least one value"),
        (
            P::IndexFromEndOutside {
                index: 5,
                length: 2,
            },
            "index 5 from the end is outside the array (length 2)",
        ),
        (P::UnmatchedClose, "format string has an unmatched `}`"),
        (P::UnmatchedOpen, "format string has an unmatched `{`"),
        (
            P::BadFormatItem { item: s("x:N") },
            "bad format item `{x:N}`",
        ),
        (
            P::BadAlignment { item: s("0,x") },
            "bad alignment in `{0,x}`",
        ),
        (
            P::MissingFormatArgument { index: 3, given: 2 },
            "format item {3} has no argument (2 given)",
        ),
        (P::ArgumentTooLong, "argument too long"),
        (
            P::UnsupportedSpecifier { spec: s("Q") },
            "unsupported format specifier `Q`",
        ),
        (
            P::PrecisionTooLarge { spec: s("N100") },
            "precision too large in `N100`",
        ),
        (
            P::UnsupportedNumberSpecifier { spec: s("X") },
            "unsupported format specifier `X` for a number",
        ),
        (P::ConcatObject, "cannot concatenate an object"),
        (P::StringTooLong, "string too long"),
        (P::EmptyReplace, "the string to replace must not be empty"),
        (
            P::JoinItems,
            "the array must hold strings, numbers or booleans",
        ),
        (
            P::StartOutside {
                start: 9,
                length: 3,
            },
            "the start index 9 is outside the string (length 3)",
        ),
        (
            P::LengthPastEnd {
                length: 5,
                start: 1,
                available: 3,
            },
            "the length 5 from index 1 runs past the end of the string (length 3)",
        ),
        (
            P::PaddingNotOneCharacter,
            "the padding must be exactly one character",
        ),
        (
            P::NegativeTotalLength,
            "the total length must not be negative",
        ),
        (P::CompareNaN, "cannot compare NaN"),
        (
            P::Incomparable {
                left: ValueType::Array,
                right: ValueType::Int,
            },
            "cannot compare array with int",
        ),
        (P::NotInteger { text: s("x") }, "'x' is not an integer"),
        (P::NotNumber { text: s("x") }, "'x' is not a number"),
        (P::NotBoolean { text: s("x") }, "'x' is not a boolean"),
        (
            P::Overflow { left: 1, right: 0 },
            "overflow or division by zero with 1 and 0",
        ),
        (
            P::TypeAndName,
            "expects a resource type and at least one name",
        ),
        (
            P::NoResourceType,
            "no argument is a resource type (`Namespace/type`)",
        ),
        (
            P::ArgumentsBeforeType,
            "too many arguments before the resource type",
        ),
        (P::SegmentsMismatch, "name segments do not match the type"),
        (
            P::SegmentCount {
                resource_type: s("Microsoft.Compute/galleries/images"),
                needed: 2,
                got: 1,
            },
            "the type 'Microsoft.Compute/galleries/images' needs 2 name segment(s), got 1",
        ),
    ];
    for (problem, expected) in cases {
        let cause = Cause::InvalidCall {
            function: s("f"),
            problem,
        };
        assert_eq!(
            cause.to_string(),
            format!("invalid call to f(): {expected}")
        );
    }
}

#[test]
fn what_a_deployment_cannot_show_reads_as_it_should() {
    use crate::value::{LinkRefusal, Unavailable as U};
    let refused = |refusal| {
        Cause::TemplateNotAvailable(U::Refused {
            relative: "nested/vm.json".into(),
            refusal,
        })
    };
    let cases = [
        (
            Cause::TemplateNotAvailable(U::Uri {
                uri: "https://x/vm.json".into(),
            }),
            "its template is linked by the URI `https://x/vm.json`, which is not read offline (map it to a local path in [links] in imagegate.toml to follow it)",
        ),
        (
            Cause::TemplateNotAvailable(U::Spec {
                id: "/s/ts/vm".into(),
            }),
            "it deploys the template spec `/s/ts/vm`, which is not read offline (map it to a local path in [links] in imagegate.toml to follow it)",
        ),
        (
            Cause::TemplateNotAvailable(U::ParametersLink {
                uri: "https://x/p.json".into(),
            }),
            "its parameters come from `https://x/p.json` (parametersLink), which is not read offline",
        ),
        (
            Cause::TemplateNotAvailable(U::Expression),
            "its template is an expression, which is not judged offline",
        ),
        (
            Cause::TemplateNotAvailable(U::PathUnknown),
            "the path of its linked template is not known offline",
        ),
        (
            Cause::TemplateNotAvailable(U::TooDeep { levels: 16 }),
            "it is nested deeper than 16 deployments, which are not followed",
        ),
        (
            Cause::TemplateNotAvailable(U::Package {
                uri: "https://x/app.zip".into(),
                also_inline: false,
            }),
            "its template is in the package `https://x/app.zip` (packageFileUri), a zip file imagegate does not read (map the URI to the package's mainTemplate.json in [links] in imagegate.toml to follow it)",
        ),
        (
            Cause::TemplateNotAvailable(U::Package {
                uri: "https://x/app.zip".into(),
                also_inline: true,
            }),
            "it gives both an inline template (mainTemplate) and the package `https://x/app.zip` (packageFileUri), and which of the two is deployed is not decided offline",
        ),
        (
            Cause::TemplateNotAvailable(U::ManagedApplication {
                definition: Some("/s/def".into()),
                plan: None,
            }),
            "it is a managed application of the definition `/s/def`, which this template does not declare, so the template it deploys is not seen offline",
        ),
        (
            Cause::TemplateNotAvailable(U::ManagedApplication {
                definition: None,
                plan: Some("p:o:n".into()),
            }),
            "it is a managed application from the Marketplace plan `p:o:n`, whose template is not seen offline",
        ),
        (
            Cause::TemplateNotAvailable(U::ManagedApplication {
                definition: None,
                plan: None,
            }),
            "it is a managed application that names no definition, so the template it deploys is not seen offline",
        ),
        (
            Cause::TemplateNotAvailable(U::NotPublished {
                path: "artifacts/x.json".into(),
            }),
            "its template is linked by the relative path `artifacts/x.json`, which names no template published with it (its template spec's linkedTemplates)",
        ),
        (
            Cause::PublisherExpression,
            "it is an expression of the template that holds this one as a property value (written `[…]`, not `[[…]`), evaluated there before this template is deployed, which is not judged offline",
        ),
        (
            refused(LinkRefusal::NotFound),
            "its linked template `nested/vm.json` does not exist",
        ),
        (
            refused(LinkRefusal::TooManyLinks { limit: 64 }),
            "its linked template `nested/vm.json` is beyond the limit of 64 linked templates",
        ),
        (
            refused(LinkRefusal::LinkedBytes { limit_mib: 64 }),
            "its linked template `nested/vm.json` is beyond the limit of 64 MiB of linked templates read for one file",
        ),
        (
            refused(LinkRefusal::OutsideRoots),
            "its linked template `nested/vm.json` is outside the scanned roots and was not read",
        ),
        (
            refused(LinkRefusal::Unreadable {
                error: "Permission denied (os error 13)".into(),
            }),
            "its linked template `nested/vm.json` cannot be read: Permission denied (os error 13)",
        ),
        (
            refused(LinkRefusal::TooLarge),
            "its linked template `nested/vm.json` is larger than the size limit",
        ),
        (
            refused(LinkRefusal::Undecodable {
                error: "invalid UTF-16".into(),
            }),
            "its linked template `nested/vm.json` cannot be decoded: invalid UTF-16",
        ),
        (
            refused(LinkRefusal::Unparsable {
                error: "expected `,`".into(),
            }),
            "its linked template `nested/vm.json` cannot be parsed: expected `,`",
        ),
        (
            refused(LinkRefusal::Unfollowed { steps: 4_000_000 }),
            "its linked template `nested/vm.json` was not read: following links computed during evaluation spent the budget of 4000000 evaluation steps per file",
        ),
    ];
    for (cause, expected) in cases {
        assert_eq!(cause.to_string(), expected, "{cause:?}");
    }
}

#[test]
fn what_a_registry_module_cannot_show_reads_as_it_should() {
    use crate::value::cause::{ConfigUnread, ModuleCache, UnknownVersion};
    use crate::value::{LinkRefusal, Unavailable as U};
    const VM: &str = "br/public:avm/res/compute/virtual-machine:0.9.0";
    const CACHED: &str =
        "~/.bicep/br/mcr.microsoft.com/bicep$avm$res$compute$virtual-machine/0.9.0$/main.json";
    let registry = |cache: Option<ModuleCache>| {
        Cause::TemplateNotAvailable(U::Registry {
            reference: VM.into(),
            cache: cache.map(Box::new),
        })
    };
    let cases = [
        (
            registry(None),
            format!("it deploys the module `{VM}`, which is not read offline (map it to a local path in [links] in imagegate.toml to follow it)"),
        ),
        (
            registry(Some(ModuleCache::Missing {
                path: CACHED.into(),
            })),
            format!("it deploys the module `{VM}`, which is neither in the Bicep module cache (`bicep restore` writes it to `{CACHED}`, where imagegate reads it) nor mapped to a local copy in [links] in imagegate.toml"),
        ),
        (
            registry(Some(ModuleCache::NoRoot)),
            format!("it deploys the module `{VM}`, which is not mapped to a local copy in [links] in imagegate.toml, and the Bicep module cache cannot be located (`HOME` is not set and no bicepconfig.json sets `cacheRootDirectory`)"),
        ),
        (
            registry(Some(ModuleCache::InsideRoots {
                root: "./fake-cache".into(),
            })),
            format!("it deploys the module `{VM}`, which is not mapped to a local copy in [links] in imagegate.toml, and its Bicep module cache `./fake-cache` lies inside the scanned files, so it is not read: a committed copy is not what the registry serves"),
        ),
        (
            registry(Some(ModuleCache::Refused {
                path: CACHED.into(),
                refusal: LinkRefusal::OutsideRoots,
            })),
            format!("it deploys the module `{VM}`, which is not mapped to a local copy in [links] in imagegate.toml, and its cached copy `{CACHED}` leads outside the Bicep module cache, so it was not read"),
        ),
        (
            registry(Some(ModuleCache::Refused {
                path: CACHED.into(),
                refusal: LinkRefusal::TooLarge,
            })),
            format!("it deploys the module `{VM}`, which is not mapped to a local copy in [links] in imagegate.toml, and its cached copy `{CACHED}` is larger than the size limit"),
        ),
        (
            Cause::TemplateNotAvailable(U::RegistryReference {
                reference: "br/corp:vm:1".into(),
                problem: "names the alias `corp`, which `bicepconfig.json` does not define under `moduleAliases.br`".into(),
            }),
            "it deploys the module `br/corp:vm:1`, whose reference names the alias `corp`, which `bicepconfig.json` does not define under `moduleAliases.br`".into(),
        ),
        (
            Cause::TemplateNotAvailable(U::RegistryConfig {
                reference: "br/corp:vm:1".into(),
                config: Box::new(ConfigUnread {
                    file: "infra/bicepconfig.json".into(),
                    problem: "it is not JSON: expected `}`".into(),
                }),
            }),
            "it deploys the module `br/corp:vm:1`, and `infra/bicepconfig.json`, the Bicep configuration that says what its alias and the module cache are, could not be read: it is not JSON: expected `}`".into(),
        ),
        (
            Cause::TemplateNotAvailable(U::RegistryVersion(Box::new(UnknownVersion {
                reference: "br/public:avm/res/compute/virtual-machine:9.9.9".into(),
                module: "avm/res/compute/virtual-machine".into(),
                version: "9.9.9".into(),
                known: "0.9.0".into(),
                cache: ModuleCache::NoRoot,
            }))),
            "it deploys the module `br/public:avm/res/compute/virtual-machine:9.9.9`: imagegate's catalogue of public modules does not know version `9.9.9` of `avm/res/compute/virtual-machine` (the nearest it knows is `0.9.0`), and the module is not mapped to a local copy in [links] in imagegate.toml, and the Bicep module cache cannot be located (`HOME` is not set and no bicepconfig.json sets `cacheRootDirectory`)".into(),
        ),
    ];
    for (cause, expected) in cases {
        assert_eq!(cause.to_string(), expected, "{cause:?}");
    }
}
