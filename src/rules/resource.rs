//! What a resource rule sees and says: one judged resource in, zero or more [`Violation`]s out.
//!
//! A rule never sees JSON, syntax or source text: only the resource from the common model and
//! each of its images with the policy's verdict. Turning a violation into a located finding
//! (related locations, fingerprint, severity under the mode) is [`crate::findings`]'s job.

use crate::catalog::Section;
use crate::extract::FoundImage;
use crate::image::Image;
use crate::judge::{Policy, Verdict};
use crate::model::Resource;
use crate::source::Span;
use crate::value::Hop;

/// A rule checked on every judged resource, in the spirit of ruff's `Violation`: its module
/// holds its metadata, how its message is worded and its fix title; this is its check.
pub(crate) trait ResourceRule: Sync {
    /// The resource property paths (dotted, from the resource root) this rule reads beyond the
    /// image catalogue's, for resources of `resource_type` of the catalogue's `section`: the
    /// frontends evaluate them too. None by default.
    fn paths(&self, resource_type: &str, section: Section) -> &'static [&'static str] {
        let _ = (resource_type, section);
        &[]
    }

    /// What is wrong with `resource`, if anything: zero or more violations.
    fn check<'a>(&self, resource: &JudgedResource<'a>) -> Vec<Violation<'a>>;
}

/// What the config's `[tags]` asks of image-bearing resources' tags (IG005, IG007) and which
/// tag names a resource's owner (the KPI report).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagPolicy {
    /// Tag names every image-bearing resource must carry (matched case-insensitively, as
    /// Azure matches tag names), as written (IG005).
    pub required: Vec<String>,
    /// The tag that states the image version a resource runs, if the policy names one (IG007).
    pub image_version: Option<String>,
    /// The tag that names a resource's owner (default `owner`).
    pub owner: String,
}

impl Default for TagPolicy {
    fn default() -> TagPolicy {
        TagPolicy {
            required: Vec::new(),
            image_version: None,
            owner: "owner".to_owned(),
        }
    }
}

/// One image of a resource and the policy's verdict on it.
#[derive(Clone, Debug)]
pub(crate) struct JudgedImage {
    /// The image and where it was found.
    pub(crate) found: FoundImage,
    /// The policy's verdict.
    pub(crate) verdict: Verdict,
}

/// One resource, in one evaluation context, with every image it boots from judged.
#[derive(Clone, Copy, Debug)]
pub(crate) struct JudgedResource<'a> {
    /// The resource: type, name, span, identity, body.
    pub(crate) resource: &'a Resource,
    /// Its images, in catalogue order, each with its verdict.
    pub(crate) images: &'a [JudgedImage],
    /// What the config's `[tags]` asks of it.
    pub(crate) tags: &'a TagPolicy,
    /// Whether it stands for contents that were not seen (a deployment whose template cannot
    /// be read): its one image is unknown, and it is not itself an image-bearing resource.
    pub(crate) contents_unseen: bool,
    /// The policy: what is approved, and the image factory (IG010 asks whether a gallery a
    /// resource publishes into is approved).
    pub(crate) policy: &'a Policy,
    /// Whether it is declared, and deployed only through deployments declared, in files of
    /// the image factory (`[approved] factory`): the only files that may publish into the
    /// approved galleries.
    pub(crate) in_factory: bool,
    /// Whether the catalogue lists its type for the images it boots from (`false`: only for
    /// what a rule reads of it, such as a gallery image version, which publishes an image):
    /// the rules about image-bearing resources (required tags) pass it over.
    pub(crate) image_bearing: bool,
}

/// What a rule reports about one resource.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Violation<'a> {
    /// The image it is about (an index into [`JudgedResource::images`]), if it is about one.
    pub(crate) image: Option<usize>,
    /// What is wrong, and why (the context, such as the parameter file, is added later).
    pub(crate) message: String,
    /// A short label shown under the caret.
    pub(crate) label: String,
    /// Where a person changes it.
    pub(crate) primary: Span,
    /// Places beyond the resource, the image property and the image's hops that explain it
    /// (related locations).
    pub(crate) chain: &'a [Hop],
    /// The image the resource writes, when the violation is about one (IG010: the gallery
    /// image version it publishes): the finding's image, when it is about none of
    /// [`JudgedResource::images`].
    pub(crate) written: Option<Image>,
}

/// One violation for each image of `resource` whose verdict is `verdict`, at the literal that
/// supplied the image, worded by `message` and labelled `label`.
pub(crate) fn images_judged<'a>(
    resource: &JudgedResource<'a>,
    verdict: &Verdict,
    message: fn(&FoundImage) -> String,
    label: &str,
) -> Vec<Violation<'a>> {
    resource
        .images
        .iter()
        .enumerate()
        .filter(|(_, judged)| judged.verdict == *verdict)
        .map(|(i, judged)| Violation {
            image: Some(i),
            message: message(&judged.found),
            label: label.to_string(),
            primary: judged.found.primary,
            chain: &[],
            written: None,
        })
        .collect()
}

/// `message`, followed by where the image's value came from when it travelled (through
/// parameters, variables, module inputs).
pub(crate) fn with_origin(message: String, found: &FoundImage) -> String {
    if found.hops.is_empty() {
        return message;
    }
    let via: Vec<String> = found.hops.iter().map(|h| h.via.to_string()).collect();
    format!("{message}; the value comes from {}", via.join(" \u{2190} "))
}

/// `Microsoft.Compute/virtualMachines` → `virtualMachines`, for messages.
pub(crate) fn short_type(resource_type: &str) -> &str {
    resource_type.rsplit('/').next().unwrap_or(resource_type)
}

/// Resources and images for the rules' tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::JudgedImage;
    use crate::extract::FoundImage;
    use crate::image::{Image, Marketplace, Seg};
    use crate::judge::Verdict;
    use crate::model::Resource;
    use crate::source::{FileId, Span};
    use crate::value::{Hop, Kind, Value};

    /// A span in file 0.
    pub(crate) fn span(start: usize, end: usize) -> Span {
        Span::new(FileId(0), start, end)
    }

    /// A virtual machine `vm1` declared at bytes 100..900 of file 0.
    pub(crate) fn resource() -> Resource {
        Resource {
            resource_type: "Microsoft.Compute/virtualMachines".into(),
            name: "vm1".into(),
            span: span(100, 900),
            body: Value::literal(Kind::Object(Vec::new()), span(100, 900)),
            identity: "Microsoft.Compute/virtualMachines/vm1".into(),
            assumption: None,
            deployed_by: Vec::new(),
            copy: None,
            deployed: None,
            unknown_name: None,
            placement: None,
        }
    }

    /// `Canonical:ubuntu:22_04-lts`, written at bytes 300..400, its property at 250..400.
    pub(crate) fn marketplace() -> FoundImage {
        found(Image::Marketplace(Marketplace {
            publisher: Seg::Known("Canonical".into()),
            offer: Seg::Known("ubuntu".into()),
            sku: Seg::Known("22_04-lts".into()),
            version: None,
            plan: None,
        }))
    }

    /// `image` found at `properties.storageProfile.imageReference`, bytes 300..400.
    pub(crate) fn found(image: Image) -> FoundImage {
        FoundImage {
            image,
            primary: span(300, 400),
            written: span(300, 400),
            property: span(250, 400),
            path: "properties.storageProfile.imageReference".into(),
            hops: Vec::new(),
            fields: Vec::new(),
            literal: None,
            rewrite: Default::default(),
        }
    }

    /// `found`, its value having come through a parameter and a variable.
    pub(crate) fn with_hops(mut found: FoundImage) -> FoundImage {
        found.hops = vec![
            Hop {
                span: span(10, 20),
                via: crate::value::Subject::Parameter("image".into()),
            },
            Hop {
                span: span(30, 40),
                via: crate::value::Subject::Variable("base".into()),
            },
        ];
        found
    }

    /// `found` with `verdict`.
    pub(crate) fn judged(found: FoundImage, verdict: Verdict) -> JudgedImage {
        JudgedImage { found, verdict }
    }
}
