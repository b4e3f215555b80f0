//! What an ARM template is, as data for the stages after lowering, and how its IG000s begin.

use crate::model::{Dialect, Section, SourceKind};

/// What an ARM template's deployment is, as data: ARM resource types, named by their
/// declared names.
pub(crate) const DIALECT: Dialect = Dialect {
    catalog: &[Section::Arm],
    name_attribute: None,
    kind: SourceKind::ArmTemplate,
};

/// The headline of an IG000 about an ARM template.
pub(crate) const HEADLINE: &str = "cannot parse ARM template";
