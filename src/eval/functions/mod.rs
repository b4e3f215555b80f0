//! The ARM template function library (everything except the functions that need the evaluator:
//! `parameters`, `variables`, `if`, `and`, `or`, `coalesce`, `copyIndex`, the lambda functions
//! and user-defined functions, which live in [`crate::eval::scope`]).
//!
//! Every function takes already evaluated arguments and returns a [`Value`]; when it cannot
//! decide because an argument is unknown it returns `Err(why)` carrying that argument's
//! [`Why`] forward, and when the call itself is invalid (Azure would fail the deployment) it
//! returns a reason naming the function.

mod array;
mod encode;
mod format;
mod logic;
mod resource;
mod string;

use super::{Allowance, DeploymentScope, Limits};
use crate::source::Span;
use crate::value::call::Wanted;
use crate::value::cause::{Budget, DeploymentTimeFunction, ScopeProperty};
use crate::value::{CallProblem, Cause, Kind, Part, Value, Why, string_from_parts};

pub(crate) use encode::unescape as percent_decoded;
pub(crate) use format::dotnet_format;

/// What a function implementation may know about its call.
pub(crate) struct Ctx<'c> {
    /// The function name as written.
    pub name: &'c str,
    /// The span of the call.
    pub span: Span,
    /// Budgets.
    pub limits: &'c Limits,
    /// What the walked file has left to spend.
    pub allowance: &'c Allowance,
    /// The deployment scope (subscription, resource group...).
    pub deployment: &'c DeploymentScope,
}

/// A function result: a value, or why it is unknown.
pub(crate) type R<T> = Result<T, Why>;

impl Ctx<'_> {
    /// Why a call is invalid (one Azure would reject).
    pub fn invalid(&self, problem: CallProblem) -> Why {
        Why::at(
            Cause::InvalidCall {
                function: self.name.to_owned(),
                problem,
            },
            self.span,
        )
    }

    /// A budget exceeded by this call.
    fn over(&self, budget: Budget) -> Why {
        Why::at(Cause::Budget(budget), self.span)
    }

    /// Checks the number of arguments.
    pub fn arity(&self, args: &[Value], min: usize, max: usize) -> R<()> {
        if args.len() < min || args.len() > max {
            return Err(self.invalid(CallProblem::Arity {
                min,
                max,
                got: args.len(),
            }));
        }
        Ok(())
    }

    /// The argument as a fully known string.
    pub fn str<'v>(&self, v: &'v Value) -> R<&'v str> {
        match &v.kind {
            Kind::Str(s) => Ok(s),
            _ => Err(self.not(v, Wanted::String)),
        }
    }

    /// The argument as an integer (integral floats accepted).
    pub fn int(&self, v: &Value) -> R<i64> {
        match &v.kind {
            Kind::Int(i) => Ok(*i),
            Kind::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e18 => Ok(*f as i64),
            _ => Err(self.not(v, Wanted::Integer)),
        }
    }

    /// The argument as a boolean.
    pub fn bool(&self, v: &Value) -> R<bool> {
        match &v.kind {
            Kind::Bool(b) => Ok(*b),
            _ => Err(self.not(v, Wanted::Boolean)),
        }
    }

    /// The argument as an array.
    pub fn array<'v>(&self, v: &'v Value) -> R<&'v [Value]> {
        match &v.kind {
            Kind::Array(a) => Ok(a),
            _ => Err(self.not(v, Wanted::Array)),
        }
    }

    /// The argument as an object.
    pub fn object<'v>(&self, v: &'v Value) -> R<&'v [(String, Value)]> {
        match &v.kind {
            Kind::Object(m) => Ok(m),
            _ => Err(self.not(v, Wanted::Object)),
        }
    }

    /// The reason a value is not of the wanted type: its own unknown reason when it is
    /// (partly) unknown, otherwise a type error.
    pub fn not(&self, v: &Value, wanted: Wanted) -> Why {
        match &v.kind {
            Kind::Unknown(w) => w.clone(),
            Kind::Partial(_) if wanted == Wanted::String => v
                .first_unknown()
                .cloned()
                .unwrap_or_else(|| self.invalid(CallProblem::PartiallyKnownString)),
            _ => self.invalid(CallProblem::WrongType {
                wanted,
                got: super::ops::type_name(v),
            }),
        }
    }

    /// Fails when a string would exceed the string budget.
    pub fn check_len(&self, len: usize) -> R<()> {
        if len > self.limits.max_string {
            return Err(self.over(Budget::StringLength {
                function: self.name.to_owned(),
                length: len,
                limit: self.limits.max_string,
            }));
        }
        Ok(())
    }

    /// Fails when an array would exceed the array budget.
    pub fn check_count(&self, n: u128) -> R<()> {
        if n > self.limits.max_array as u128 {
            return Err(self.over(Budget::ArrayLength {
                function: self.name.to_owned(),
                count: n,
                limit: self.limits.max_array,
            }));
        }
        Ok(())
    }
}

/// A computed string value.
pub(crate) fn string(s: impl Into<String>) -> Value {
    Value::composed(Kind::Str(s.into()))
}

/// A computed value of any kind.
pub(crate) fn val(kind: Kind) -> Value {
    Value::composed(kind)
}

/// Most holes a computed string keeps: one with more is unknown as a whole, for the reason
/// of its first hole. Real strings have a few (a resource ID's subscription, group and
/// name); a string whose holes double with each interpolation (`'${a}-${a}'`) would
/// otherwise hold millions of them, each with its own reason, before any budget weighed it.
pub(crate) const MAX_HOLES: usize = 64;

/// A computed string from parts (known text and holes); unknown as a whole past
/// [`MAX_HOLES`] holes.
pub(crate) fn parts_value(parts: Vec<Part>) -> Value {
    let mut holes = parts.iter().filter(|p| matches!(p, Part::Hole(_)));
    if let Some(Part::Hole(first)) = holes.next()
        && holes.count() >= MAX_HOLES
    {
        return Value::unknown(first.clone());
    }
    Value::composed(string_from_parts(parts))
}

/// Why the functions that can never be evaluated offline cannot be; `None` for the others.
pub(crate) fn unknowable(lname: &str) -> Option<Cause> {
    use DeploymentTimeFunction as F;
    Some(Cause::DeploymentTimeFunction(match lname {
        "reference" => F::Reference,
        "references" => F::References,
        "newguid" => F::NewGuid,
        "utcnow" => F::UtcNow,
        "pickzones" => F::PickZones,
        "providers" => F::Providers,
        "deployer" => F::Deployer,
        "managementgroup" => return Some(Cause::ScopeProperty(ScopeProperty::ManagementGroup)),
        n if n.starts_with("list") => F::List,
        _ => return None,
    }))
}

/// Calls the library function `lname` (lower-case) with evaluated arguments; `None` when no
/// such function exists.
pub(crate) fn call(ctx: &Ctx<'_>, lname: &str, args: Vec<Value>) -> Option<Value> {
    let result = string::call(ctx, lname, &args)
        .or_else(|| array::call(ctx, lname, &args))
        .or_else(|| logic::call(ctx, lname, &args))
        .or_else(|| encode::call(ctx, lname, &args))
        .or_else(|| resource::call(ctx, lname, &args))?;
    Some(result.unwrap_or_else(Value::unknown))
}

impl Ctx<'_> {
    /// Charges the `work` an operation is about to do to the walked file's steps; fails when
    /// they do not cover it (then the operation is not done).
    pub fn check_work(&self, work: u128) -> R<()> {
        let charged = u64::try_from(work).is_ok_and(|w| self.allowance.charge(w));
        if !charged {
            return Err(self.over(Budget::Comparisons {
                function: self.name.to_owned(),
                work,
                limit: self.limits.max_steps,
            }));
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers for calling library functions directly in tests.
    use super::*;
    use crate::source::FileId;

    /// A known string.
    pub fn s(x: &str) -> Value {
        string(x)
    }
    /// A known int.
    pub fn i(x: i64) -> Value {
        val(Kind::Int(x))
    }
    /// A known bool.
    pub fn b(x: bool) -> Value {
        val(Kind::Bool(x))
    }
    /// An array.
    pub fn arr(items: Vec<Value>) -> Value {
        val(Kind::Array(items))
    }
    /// Why parameter `name` is unknown when nobody sets it.
    pub fn unset(name: &str) -> Why {
        Why::new(Cause::UnsetParameter { name: name.into() })
    }
    /// The value of parameter `name` when nobody sets it.
    pub fn unk(name: &str) -> Value {
        Value::unknown(unset(name))
    }
    /// Parses JSON text into a value (no expression evaluation).
    pub fn j(text: &str) -> Value {
        match crate::json::parse(text) {
            Ok(node) => strip(super::super::ops::literal_value(&node, FileId(0))),
            Err(e) => panic!("bad test JSON {text}: {e:?}"),
        }
    }
    fn strip(v: Value) -> Value {
        let kind = match v.kind {
            Kind::Array(a) => Kind::Array(a.into_iter().map(strip).collect()),
            Kind::Object(m) => Kind::Object(m.into_iter().map(|(k, v)| (k, strip(v))).collect()),
            k => k,
        };
        Value::composed(kind)
    }
    /// Calls a function with a default deployment scope.
    pub fn run(name: &str, args: Vec<Value>) -> Value {
        run_in(&DeploymentScope::default(), name, args)
    }
    /// Calls a function in a deployment scope.
    pub fn run_in(dep: &DeploymentScope, name: &str, args: Vec<Value>) -> Value {
        let limits = Limits::default();
        let allowance = Allowance::new(&limits);
        let ctx = Ctx {
            name,
            span: Span::new(FileId(0), 0, 0),
            limits: &limits,
            allowance: &allowance,
            deployment: dep,
        };
        match call(&ctx, &name.to_ascii_lowercase(), args) {
            Some(v) => strip(v),
            None => panic!("no function {name}"),
        }
    }
    /// Why a result is unknown (panics when known).
    pub fn why_of(v: &Value) -> Why {
        match &v.kind {
            Kind::Unknown(w) => w.clone(),
            other => panic!("expected unknown, got {other:?}"),
        }
    }
    /// The reason of an unknown result, as shown (panics when known).
    pub fn reason(v: &Value) -> String {
        why_of(v).explain()
    }
}
