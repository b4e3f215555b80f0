//! The named things a value passes through (shown as hops: "parameter 'imageId'", "input 'x'
//! of module.vm") or that are being evaluated when a budget runs out ("a lambda"), as data;
//! the wording is produced here only.

use std::fmt;

/// Something a value passed through, or that was being evaluated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// An ARM parameter (its declared name).
    Parameter(String),
    /// An ARM variable or a Terraform root variable (its declared name).
    Variable(String),
    /// A user-defined ARM function (`namespace.name`).
    Function(String),
    /// A lambda's body.
    Lambda,
    /// A value passed to a lambda or a user-defined function.
    Argument,
    /// The accumulator of `reduce()`.
    Accumulator,
    /// A Terraform module input, as its caller sets it.
    ModuleInput(ModuleVariable),
    /// The default value of a Terraform module's variable.
    VariableDefault(ModuleVariable),
    /// An output of a called Terraform module (`name` is the output's).
    ModuleOutput(ModuleVariable),
    /// A Terraform data source (its address).
    DataSource(String),
    /// A Terraform managed resource of the same plan (its address).
    Resource(String),
    /// An optional (nullable) parameter nobody sets, which is therefore null.
    UnsetOptional(String),
    /// An environment variable a parameter file reads (`readEnvironmentVariable('NAME')`,
    /// azd's `${NAME}`): its name.
    EnvironmentVariable(String),
}

/// A variable of a called Terraform module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModuleVariable {
    /// The variable's name.
    pub name: String,
    /// The module call's address, e.g. `module.vm`.
    pub module: String,
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Parameter(name) => write!(f, "parameter '{name}'"),
            // What a file-loading call reads is held as a variable named by the call, which no
            // declared name can be (names have no parentheses): shown as the call.
            Subject::Variable(name) if name.contains('(') => write!(f, "{name}"),
            Subject::Variable(name) => write!(f, "variable '{name}'"),
            Subject::Function(name) => write!(f, "function '{name}'"),
            Subject::Lambda => f.write_str("a lambda"),
            Subject::Argument => f.write_str("a lambda or function argument"),
            Subject::Accumulator => f.write_str("the reduce() accumulator"),
            Subject::ModuleInput(input) => input.fmt(f),
            Subject::VariableDefault(ModuleVariable { name, module }) => {
                write!(f, "default of variable '{name}' of {module}")
            }
            Subject::ModuleOutput(ModuleVariable { name, module }) => {
                write!(f, "output '{name}' of {module}")
            }
            Subject::DataSource(address) | Subject::Resource(address) => f.write_str(address),
            Subject::UnsetOptional(name) => write!(f, "optional parameter '{name}' (not set)"),
            Subject::EnvironmentVariable(name) => write!(f, "environment variable '{name}'"),
        }
    }
}

impl fmt::Display for ModuleVariable {
    /// The variable as a module input: "input 'name' of module.vm".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "input '{}' of {}", self.name, self.module)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_subject_reads_as_before() {
        let var = || ModuleVariable {
            name: "image_id".into(),
            module: "module.vm".into(),
        };
        let cases = [
            (Subject::Parameter("imageId".into()), "parameter 'imageId'"),
            (Subject::Variable("image".into()), "variable 'image'"),
            (
                Subject::Variable("loadJsonContent('images.json')".into()),
                "loadJsonContent('images.json')",
            ),
            (Subject::Function("ns.f".into()), "function 'ns.f'"),
            (Subject::Lambda, "a lambda"),
            (Subject::Argument, "a lambda or function argument"),
            (Subject::Accumulator, "the reduce() accumulator"),
            (Subject::ModuleInput(var()), "input 'image_id' of module.vm"),
            (
                Subject::VariableDefault(var()),
                "default of variable 'image_id' of module.vm",
            ),
            (
                Subject::ModuleOutput(var()),
                "output 'image_id' of module.vm",
            ),
            (
                Subject::DataSource("module.vm.data.azurerm_shared_image.img".into()),
                "module.vm.data.azurerm_shared_image.img",
            ),
            (
                Subject::UnsetOptional("image".into()),
                "optional parameter 'image' (not set)",
            ),
            (
                Subject::EnvironmentVariable("VM_IMAGE".into()),
                "environment variable 'VM_IMAGE'",
            ),
        ];
        for (subject, expected) in cases {
            assert_eq!(subject.to_string(), expected);
        }
    }
}
