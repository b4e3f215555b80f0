//! ARM template expansion: the template is lowered into the evaluator's IR
//! ([`super::lower`]) and expanded by the evaluator ([`crate::eval::expand`]); linked templates
//! are read ([`super::links`]) and lowered when the evaluator first reaches them.

use foldhash::HashMap;
use std::cell::RefCell;
use std::rc::Rc;

use super::links::{Linked, artifact_relative};
use crate::eval::ir::Template;
use crate::eval::{DeploymentScope, Expanded, ParameterValues, TemplateLinks};
use crate::model::LinkRefusal;
use crate::source::{FileId, SourceMap};
use crate::value::Value;

/// Expands the lowered `template` with the parameter values `supplied`.
pub(crate) fn expand(
    sources: &SourceMap,
    linked: &Linked<'_>,
    template: &Template,
    supplied: ParameterValues,
    deployment: &DeploymentScope,
) -> Expanded {
    let links = Links {
        sources,
        linked,
        lowered: RefCell::default(),
    };
    crate::eval::expand(template, &links, supplied, deployment)
}

/// Linked templates for the evaluator: read by [`Linked`], lowered once per file.
struct Links<'a> {
    sources: &'a SourceMap,
    linked: &'a Linked<'a>,
    lowered: RefCell<HashMap<FileId, Rc<Template>>>,
}

impl TemplateLinks for Links<'_> {
    fn template(
        &self,
        from: FileId,
        relative: &str,
    ) -> Result<(FileId, Rc<Template>), LinkRefusal> {
        let (id, root, source) = self.linked.get(self.sources, from, relative)?;
        if let Some(template) = self.lowered.borrow().get(&id) {
            return Ok((id, Rc::clone(template)));
        }
        let template = Rc::new(super::lower::template(&root, id, &source.text));
        self.lowered.borrow_mut().insert(id, Rc::clone(&template));
        Ok((id, template))
    }

    fn relative_uri(&self, uri: &Value) -> Option<(FileId, String)> {
        artifact_relative(uri)
    }
}
