//! Resource and scope functions: resourceId, subscriptionResourceId, tenantResourceId,
//! extensionResourceId, managementGroupResourceId, resourceGroup, subscription, tenant,
//! deployment, environment.
//!
//! IDs are built as parts, so an unknown subscription or resource group leaves a hole in an
//! otherwise known ID.

use super::{Ctx, R, parts_value, string, val};
use crate::eval::ops::to_string_parts;
use crate::value::call::Wanted;
use crate::value::cause::{DeploymentSetting, ScopeProperty};
use crate::value::{CallProblem, Cause, Kind, Part, Value, Why};

pub(super) fn call(ctx: &Ctx<'_>, lname: &str, args: &[Value]) -> Option<R<Value>> {
    Some(match lname {
        "resourceid" => resource_id(ctx, args, Scope::ResourceGroup),
        "subscriptionresourceid" => resource_id(ctx, args, Scope::Subscription),
        "tenantresourceid" => resource_id(ctx, args, Scope::Tenant),
        "managementgroupresourceid" => resource_id(ctx, args, Scope::ManagementGroup),
        "extensionresourceid" => resource_id(ctx, args, Scope::Extension),
        "resourcegroup" => ctx.arity(args, 0, 0).map(|_| resource_group(ctx)),
        "subscription" => ctx.arity(args, 0, 0).map(|_| subscription(ctx)),
        "tenant" => ctx.arity(args, 0, 0).map(|_| tenant(ctx)),
        "deployment" => ctx.arity(args, 0, 0).map(|_| deployment(ctx)),
        "environment" => ctx.arity(args, 0, 0).map(|_| environment()),
        _ => return None,
    })
}

/// The deployment's location (`[deployment] location` in the config), else a hole.
fn location(ctx: &Ctx<'_>) -> Value {
    part_value(known_or_hole(
        ctx,
        &ctx.deployment.location,
        DeploymentSetting::Location,
    ))
}

fn known_or_hole(ctx: &Ctx<'_>, v: &Option<String>, setting: DeploymentSetting) -> Part {
    match v {
        Some(s) => Part::Text(s.clone()),
        None => Part::Hole(
            ctx.deployment
                .unknown
                .iter()
                .find(|(s, _)| *s == setting)
                .map(|(_, why)| why.clone())
                .unwrap_or_else(|| Why::at(Cause::UnsetDeploymentSetting(setting), ctx.span)),
        ),
    }
}

fn sub_part(ctx: &Ctx<'_>) -> Part {
    known_or_hole(
        ctx,
        &ctx.deployment.subscription_id,
        DeploymentSetting::Subscription,
    )
}

fn rg_part(ctx: &Ctx<'_>) -> Part {
    known_or_hole(
        ctx,
        &ctx.deployment.resource_group,
        DeploymentSetting::ResourceGroup,
    )
}

fn part_value(p: Part) -> Value {
    match p {
        Part::Text(t) => string(t),
        Part::Hole(w) => Value::unknown(w),
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Scope {
    ResourceGroup,
    Subscription,
    Tenant,
    ManagementGroup,
    Extension,
}

fn is_type(v: &Value) -> bool {
    matches!(&v.kind, Kind::Str(s) if s.contains('/'))
}

fn resource_id(ctx: &Ctx<'_>, args: &[Value], scope: Scope) -> R<Value> {
    let skip = usize::from(scope == Scope::Extension);
    if args.len() < 2 + skip {
        return Err(ctx.invalid(CallProblem::TypeAndName));
    }
    let Some(type_at) = args.iter().skip(skip).position(is_type).map(|i| i + skip) else {
        // The type itself is unknown (or malformed): nothing can be built.
        return Err(args
            .iter()
            .find_map(|a| a.first_unknown().cloned())
            .unwrap_or_else(|| ctx.invalid(CallProblem::NoResourceType)));
    };
    let scope_args = &args[skip..type_at];
    let max_scope = match scope {
        Scope::ResourceGroup => 2,
        Scope::Subscription | Scope::ManagementGroup => 1,
        Scope::Tenant | Scope::Extension => 0,
    };
    if scope_args.len() > max_scope {
        return Err(args[skip..type_at]
            .iter()
            .find_map(|a| a.first_unknown().cloned())
            .unwrap_or_else(|| ctx.invalid(CallProblem::ArgumentsBeforeType)));
    }
    let as_part = |v: &Value| -> R<Vec<Part>> {
        match &v.kind {
            Kind::Str(_) | Kind::Partial(_) | Kind::Unknown(_) | Kind::Int(_) => {
                Ok(to_string_parts(v, ctx.limits.max_string).unwrap_or_default())
            }
            _ => Err(ctx.invalid(CallProblem::WrongType {
                wanted: Wanted::String,
                got: crate::eval::ops::type_name(v),
            })),
        }
    };
    let mut out: Vec<Part> = Vec::new();
    let text = |out: &mut Vec<Part>, s: &str| out.push(Part::Text(s.to_owned()));
    match scope {
        Scope::ResourceGroup => {
            let (sub, rg) = match scope_args {
                [] => (vec![sub_part(ctx)], vec![rg_part(ctx)]),
                [rg] => (vec![sub_part(ctx)], as_part(rg)?),
                [sub, rg] => (as_part(sub)?, as_part(rg)?),
                _ => unreachable!("checked above"),
            };
            text(&mut out, "/subscriptions/");
            out.extend(sub);
            text(&mut out, "/resourceGroups/");
            out.extend(rg);
        }
        Scope::Subscription => {
            let sub = match scope_args {
                [] => vec![sub_part(ctx)],
                [s] => as_part(s)?,
                _ => unreachable!("checked above"),
            };
            text(&mut out, "/subscriptions/");
            out.extend(sub);
        }
        Scope::ManagementGroup => {
            let mg = match scope_args {
                [] => vec![Part::Hole(Why::at(
                    Cause::ScopeProperty(ScopeProperty::ManagementGroup),
                    ctx.span,
                ))],
                [m] => as_part(m)?,
                _ => unreachable!("checked above"),
            };
            text(
                &mut out,
                "/providers/Microsoft.Management/managementGroups/",
            );
            out.extend(mg);
        }
        Scope::Tenant => {}
        Scope::Extension => {
            let mut base = as_part(&args[0])?;
            if let Some(Part::Text(t)) = base.last_mut() {
                while t.ends_with('/') {
                    t.pop();
                }
            }
            out.extend(base);
        }
    }
    let ty = ctx.str(&args[type_at])?;
    let mut type_segs = ty.split('/').filter(|s| !s.is_empty());
    let namespace = type_segs.next().unwrap_or_default();
    let type_segs: Vec<&str> = type_segs.collect();
    // Name segments: known names split on '/', unknown ones count as one segment each.
    let mut names: Vec<Vec<Part>> = Vec::new();
    for n in &args[type_at + 1..] {
        match &n.kind {
            Kind::Str(s) => names.extend(s.split('/').map(|x| vec![Part::Text(x.to_owned())])),
            Kind::Int(i) => names.push(vec![Part::Text(i.to_string())]),
            _ => names.push(as_part(n)?),
        }
    }
    if names.len() != type_segs.len() {
        if args[type_at + 1..]
            .iter()
            .any(|n| !matches!(n.kind, Kind::Str(_) | Kind::Int(_)))
        {
            return Err(args[type_at + 1..]
                .iter()
                .find_map(|a| a.first_unknown().cloned())
                .unwrap_or_else(|| ctx.invalid(CallProblem::SegmentsMismatch)));
        }
        return Err(ctx.invalid(CallProblem::SegmentCount {
            resource_type: ty.to_owned(),
            needed: type_segs.len(),
            got: names.len(),
        }));
    }
    text(&mut out, "/providers/");
    text(&mut out, namespace);
    for (t, n) in type_segs.iter().zip(names) {
        text(&mut out, "/");
        text(&mut out, t);
        text(&mut out, "/");
        out.extend(n);
    }
    Ok(parts_value(out))
}

fn obj(members: Vec<(&str, Value)>) -> Value {
    val(Kind::Object(
        members
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
    ))
}

fn resource_group(ctx: &Ctx<'_>) -> Value {
    let id = parts_value(vec![
        Part::Text("/subscriptions/".into()),
        sub_part(ctx),
        Part::Text("/resourceGroups/".into()),
        rg_part(ctx),
    ]);
    obj(vec![
        ("id", id),
        ("name", part_value(rg_part(ctx))),
        ("type", string("Microsoft.Resources/resourceGroups")),
        ("location", location(ctx)),
        ("tags", val(Kind::Object(Vec::new()))),
        (
            "properties",
            obj(vec![("provisioningState", string("Succeeded"))]),
        ),
    ])
}

fn tenant_part(ctx: &Ctx<'_>) -> Part {
    known_or_hole(ctx, &ctx.deployment.tenant_id, DeploymentSetting::Tenant)
}

fn subscription(ctx: &Ctx<'_>) -> Value {
    obj(vec![
        (
            "id",
            parts_value(vec![Part::Text("/subscriptions/".into()), sub_part(ctx)]),
        ),
        ("subscriptionId", part_value(sub_part(ctx))),
        ("tenantId", part_value(tenant_part(ctx))),
        (
            "displayName",
            Value::unknown(Why::at(
                Cause::ScopeProperty(ScopeProperty::SubscriptionDisplayName),
                ctx.span,
            )),
        ),
    ])
}

fn tenant(ctx: &Ctx<'_>) -> Value {
    obj(vec![
        (
            "countryCode",
            Value::unknown(Why::at(
                Cause::ScopeProperty(ScopeProperty::TenantCountryCode),
                ctx.span,
            )),
        ),
        (
            "displayName",
            Value::unknown(Why::at(
                Cause::ScopeProperty(ScopeProperty::TenantDisplayName),
                ctx.span,
            )),
        ),
        (
            "id",
            parts_value(vec![Part::Text("/tenants/".into()), tenant_part(ctx)]),
        ),
        ("tenantId", part_value(tenant_part(ctx))),
    ])
}

fn deployment(ctx: &Ctx<'_>) -> Value {
    let d = ctx.deployment;
    obj(vec![
        (
            "name",
            part_value(known_or_hole(
                ctx,
                &d.deployment_name,
                DeploymentSetting::DeploymentName,
            )),
        ),
        (
            "properties",
            obj(vec![(
                "templateLink",
                Value::unknown(Why::at(Cause::TemplateLink, ctx.span)),
            )]),
        ),
        ("location", location(ctx)),
    ])
}

fn environment() -> Value {
    let s = string;
    obj(vec![
        ("name", s("AzureCloud")),
        ("gallery", s("https://gallery.azure.com/")),
        ("graph", s("https://graph.windows.net/")),
        ("portal", s("https://portal.azure.com")),
        ("graphAudience", s("https://graph.windows.net/")),
        ("activeDirectoryDataLake", s("https://datalake.azure.net/")),
        ("batch", s("https://batch.core.windows.net/")),
        ("media", s("https://rest.media.azure.net")),
        (
            "sqlManagement",
            s("https://management.core.windows.net:8443/"),
        ),
        (
            "vmImageAliasDoc",
            s(
                "https://raw.githubusercontent.com/Azure/azure-rest-api-specs/master/arm-compute/quickstart-templates/aliases.json",
            ),
        ),
        ("resourceManager", s("https://management.azure.com/")),
        (
            "authentication",
            obj(vec![
                ("loginEndpoint", s("https://login.microsoftonline.com/")),
                (
                    "audiences",
                    val(Kind::Array(vec![
                        s("https://management.core.windows.net/"),
                        s("https://management.azure.com/"),
                    ])),
                ),
                ("tenant", s("common")),
                ("identityProvider", s("AAD")),
            ]),
        ),
        (
            "suffixes",
            obj(vec![
                ("acrLoginServer", s(".azurecr.io")),
                (
                    "azureDatalakeAnalyticsCatalogAndJob",
                    s("azuredatalakeanalytics.net"),
                ),
                ("azureDatalakeStoreFileSystem", s("azuredatalakestore.net")),
                ("azureFrontDoorEndpointSuffix", s("azurefd.net")),
                ("keyvaultDns", s(".vault.azure.net")),
                ("sqlServerHostname", s(".database.windows.net")),
                ("storage", s("core.windows.net")),
            ]),
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::eval::DeploymentScope;

    fn dep() -> DeploymentScope {
        DeploymentScope {
            subscription_id: Some("00000000-0000-0000-0000-000000000001".into()),
            resource_group: Some("rg-app".into()),
            location: Some("westeurope".into()),
            tenant_id: Some("t1".into()),
            deployment_name: Some("main".into()),
            unknown: Vec::new(),
        }
    }

    #[test]
    fn resource_id_overloads() {
        let d = dep();
        let r = |args| run_in(&d, "resourceId", args);
        assert_eq!(
            r(vec![
                s("Microsoft.Compute/galleries/images/versions"),
                s("gal"),
                s("img"),
                s("1.0.0")
            ]),
            s(
                "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-app/providers/Microsoft.Compute/galleries/gal/images/img/versions/1.0.0"
            )
        );
        assert_eq!(
            r(vec![
                s("rg-golden"),
                s("Microsoft.Compute/galleries/images"),
                s("gal"),
                s("img")
            ]),
            s(
                "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/gal/images/img"
            )
        );
        assert_eq!(
            r(vec![
                s("sub2"),
                s("rg-golden"),
                s("Microsoft.Compute/galleries/images"),
                s("gal/img")
            ]),
            s(
                "/subscriptions/sub2/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/gal/images/img"
            )
        );
        assert_eq!(
            r(vec![
                s("Microsoft.Network/virtualNetworks/subnets"),
                s("vnet"),
                s("default")
            ]),
            s(
                "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-app/providers/Microsoft.Network/virtualNetworks/vnet/subnets/default"
            )
        );
        assert!(
            reason(&r(vec![s("Microsoft.Compute/galleries/images"), s("gal")])).contains("needs 2")
        );
        assert_eq!(
            run_in(
                &d,
                "subscriptionResourceId",
                vec![s("Microsoft.Authorization/roleDefinitions"), s("abc")]
            ),
            s(
                "/subscriptions/00000000-0000-0000-0000-000000000001/providers/Microsoft.Authorization/roleDefinitions/abc"
            )
        );
        assert_eq!(
            run_in(
                &d,
                "tenantResourceId",
                vec![s("Microsoft.Authorization/policyDefinitions"), s("p")]
            ),
            s("/providers/Microsoft.Authorization/policyDefinitions/p")
        );
        assert_eq!(
            run_in(
                &d,
                "managementGroupResourceId",
                vec![
                    s("mg1"),
                    s("Microsoft.Authorization/policyDefinitions"),
                    s("p")
                ]
            ),
            s(
                "/providers/Microsoft.Management/managementGroups/mg1/providers/Microsoft.Authorization/policyDefinitions/p"
            )
        );
        assert_eq!(
            run_in(
                &d,
                "extensionResourceId",
                vec![
                    s("/subscriptions/1/resourceGroups/r/providers/A.B/c/d"),
                    s("Microsoft.Authorization/locks"),
                    s("l")
                ]
            ),
            s(
                "/subscriptions/1/resourceGroups/r/providers/A.B/c/d/providers/Microsoft.Authorization/locks/l"
            )
        );
    }

    #[test]
    fn unknown_scope_builds_partial_ids() {
        let d = DeploymentScope::default();
        let v = run_in(
            &d,
            "resourceId",
            vec![
                s("rg-golden"),
                s("Microsoft.Compute/galleries/images"),
                s("gal"),
                s("img"),
            ],
        );
        assert_eq!(
            v.display(),
            "/subscriptions/<unknown>/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/gal/images/img"
        );
        let why = v.first_unknown().map(|w| w.explain()).unwrap_or_default();
        assert!(
            why.contains("set [deployment] subscription_id in imagegate.toml"),
            "{why}"
        );
        let rg = run_in(&d, "resourceGroup", vec![]);
        assert_eq!(
            rg.get("id").map(|v| v.display()).as_deref(),
            Some("/subscriptions/<unknown>/resourceGroups/<unknown>")
        );
        assert!(rg.get("location").is_some_and(|l| l.is_unknown()));
        let sub = run_in(&dep(), "subscription", vec![]);
        assert_eq!(
            sub.get("subscriptionId"),
            Some(&s("00000000-0000-0000-0000-000000000001"))
        );
        let v = run_in(&d, "resourceId", vec![unk("t"), s("x")]);
        assert_eq!(why_of(&v), unset("t"));
    }

    #[test]
    fn scope_objects() {
        let d = dep();
        let rg = run_in(&d, "resourceGroup", vec![]);
        assert_eq!(rg.get("name"), Some(&s("rg-app")));
        assert_eq!(rg.get("location"), Some(&s("westeurope")));
        let t = run_in(&d, "tenant", vec![]);
        assert_eq!(t.get("id"), Some(&s("/tenants/t1")));
        let dp = run_in(&d, "deployment", vec![]);
        assert_eq!(dp.get("name"), Some(&s("main")));
        let env = run_in(&d, "environment", vec![]);
        assert_eq!(env.get("name"), Some(&s("AzureCloud")));
        assert_eq!(
            env.get("suffixes").and_then(|x| x.get("storage")),
            Some(&s("core.windows.net"))
        );
    }
}
