//! The one way a [`Finding`] is made: [`FindingBuilder`], started from the rule (the
//! registry's entry) and the place the finding points at. And the findings about files
//! themselves (IG000, IG006), made with it.

use std::ops::Range;

use super::{Detail, Excerpt, Finding, Fix, ImageRef, Location, Related, ResourceRef, severity};
use crate::config::Config;
use crate::rules::{self, Rule, Severity};
use crate::source::SourceFile;

/// A finding being made (zizmor's `FindingBuilder`): started from its rule, as the registry
/// in `crate::rules` holds it, and the place it points at; given what it says and what it is
/// about; then built, which gives it the severity the rule's entry decides (under the
/// config's mode and `[rules]`, for [`FindingBuilder::build_under`]) and its fingerprint.
/// Every finding of every rule is made by one, so that what a finding is made of is decided
/// in one place.
#[derive(Debug)]
#[must_use]
pub(crate) struct FindingBuilder {
    /// The rule.
    rule: Rule,
    /// Where a person changes it.
    location: Location,
    /// The byte range of that place in its file.
    bytes: Range<u32>,
    /// The source lines around it, when they are kept.
    excerpt: Option<Box<Excerpt>>,
    /// What is wrong, and why (clipped).
    message: String,
    /// The short label under the caret.
    label: String,
    /// The resource it is about.
    resource: Option<ResourceRef>,
    /// The parameter file whose values were used.
    parameter_file: Option<String>,
    /// The rest of the chain.
    related: Vec<Related>,
    /// The image it is about.
    image: Option<std::sync::Arc<ImageRef>>,
    /// The concrete next step (clipped).
    help: Option<std::sync::Arc<str>>,
    /// A change that resolves it, when one is safe.
    fix: Option<Box<Fix>>,
    /// Why there is none, when the rule could give one.
    no_fix: Option<String>,
    /// What it is about, for its fingerprint after the rule's id; `None`: its file.
    identity: Option<Vec<String>>,
}

impl FindingBuilder {
    /// A finding of `rule` at bytes `at` of `file`, keeping what `detail` says of it (the
    /// source lines around it). It says nothing until given a message and a label.
    pub(crate) fn new(rule: Rule, file: &SourceFile, at: Range<u32>, detail: Detail) -> Self {
        FindingBuilder {
            rule,
            location: Location::of(file, at.start, at.end),
            excerpt: detail
                .excerpts
                .then(|| Box::new(Excerpt::of(file, at.start, at.end))),
            bytes: at,
            message: String::new(),
            label: String::new(),
            resource: None,
            parameter_file: None,
            related: Vec::new(),
            image: None,
            help: None,
            fix: None,
            no_fix: None,
            identity: None,
        }
    }

    /// What is wrong, and why: clipped to [`MAX_MESSAGE_CHARS`] characters (a message carries
    /// text the templates control).
    pub(crate) fn message(mut self, message: &str) -> Self {
        self.message = clipped(message);
        self
    }

    /// The short label shown under the caret.
    pub(crate) fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// The resource the finding is about.
    pub(crate) fn resource(mut self, resource: ResourceRef) -> Self {
        self.resource = Some(resource);
        self
    }

    /// The parameter file whose values were used, if any.
    pub(crate) fn parameter_file(mut self, parameter_file: Option<&str>) -> Self {
        self.parameter_file = parameter_file.map(str::to_owned);
        self
    }

    /// The rest of the chain: the other places that make the finding.
    pub(crate) fn related(mut self, related: Vec<Related>) -> Self {
        self.related = related;
        self
    }

    /// The image the finding is about, if it is about one.
    pub(crate) fn image(mut self, image: Option<std::sync::Arc<ImageRef>>) -> Self {
        self.image = image;
        self
    }

    /// The concrete next step, when one can be named (clipped like a message); else the
    /// rule's fix title is the advice.
    pub(crate) fn help(mut self, help: Option<String>) -> Self {
        self.help = help.map(|h| shared(clipped(&h)));
        self
    }

    /// A change that resolves the finding, when one is safe to make.
    pub(crate) fn fix(mut self, fix: Option<Fix>) -> Self {
        self.fix = fix.map(Box::new);
        self
    }

    /// Why the finding has no fix where its rule could give one.
    pub(crate) fn no_fix(mut self, why: Option<String>) -> Self {
        self.no_fix = why;
        self
    }

    /// What the finding is about, not where (after the rule's id, which always leads): its
    /// fingerprint is the hash of them. Without it, the finding is about its file.
    pub(crate) fn identity(mut self, parts: &[&str]) -> Self {
        self.identity = Some(parts.iter().map(|p| (*p).to_owned()).collect());
        self
    }

    /// The finding, at the severity the rule's registry entry documents: for the findings
    /// made before any config is consulted (while files are read), which
    /// `findings::apply_severities` puts under the config's.
    pub(crate) fn build(self) -> Finding {
        let severity = self.rule.severity();
        self.finish(severity)
    }

    /// The finding, at the severity `config` gives its rule (`findings::severity`: the
    /// rule's registry entry under the config's `[rules]` and mode); `None` when the config
    /// turns the rule off.
    pub(crate) fn build_under(self, config: &Config) -> Option<Finding> {
        let severity = severity(self.rule, config)?;
        Some(self.finish(severity))
    }

    /// The finding at `severity`, with its fingerprint.
    fn finish(self, severity: Severity) -> Finding {
        let rule = self.rule.id();
        let fingerprint = match &self.identity {
            Some(parts) => {
                let parts: Vec<&str> = std::iter::once(rule)
                    .chain(parts.iter().map(String::as_str))
                    .collect();
                fingerprint(&parts)
            }
            None => fingerprint(&[rule, &self.location.path]),
        };
        Finding::from(super::FindingBody {
            rule: self.rule,
            severity,
            message: self.message,
            label: self.label,
            location: self.location,
            bytes: self.bytes,
            excerpt: self.excerpt,
            resource: self.resource,
            parameter_file: self.parameter_file,
            related: self.related,
            image: self.image,
            help: self.help,
            fingerprint,
            no_fix: self.no_fix,
            fix: self.fix,
            suppression: None,
            latent: false,
        })
    }
}

/// A stable 64-bit FNV-1a hash of `parts`, as 16 hex digits.
pub(crate) fn fingerprint(parts: &[&str]) -> String {
    let mut hash: u64 = 0xcbf29ce484222325;
    for part in parts {
        for b in part.bytes().chain([0x1f]) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x100000001b3);
        }
    }
    format!("{hash:016x}")
}
/// Most characters of template-controlled text a message carries: an 800 KB image ID copied
/// into 100 loop instances must not make an 80 MB report.
const MAX_MESSAGE_CHARS: usize = 1000;

/// Most distinct values one thread shares of each kind ([`shared_image`], [`shared`]): past
/// them it starts again (a run whose findings each give other advice keeps no more than it
/// would without sharing).
const MAX_SHARED: usize = 1024;

thread_local! {
    /// The images [`shared_image`] handed out on this thread.
    static SHARED_IMAGES: std::cell::RefCell<foldhash::HashSet<std::sync::Arc<ImageRef>>> =
        std::cell::RefCell::new(foldhash::HashSet::default());
    /// The texts [`shared`] handed out on this thread.
    static SHARED: std::cell::RefCell<foldhash::HashSet<std::sync::Arc<str>>> =
        std::cell::RefCell::new(foldhash::HashSet::default());
}

/// The value of `set` equal to `value`, or `value` made shared (`made`) and kept there (the
/// set emptied first when it holds [`MAX_SHARED`]).
fn share<T, V>(
    set: &mut foldhash::HashSet<std::sync::Arc<T>>,
    value: V,
    made: impl FnOnce(V) -> std::sync::Arc<T>,
) -> std::sync::Arc<T>
where
    T: ?Sized + Eq + std::hash::Hash,
    V: std::borrow::Borrow<T>,
{
    if let Some(kept) = set.get(value.borrow()) {
        return std::sync::Arc::clone(kept);
    }
    if set.len() >= MAX_SHARED {
        set.clear();
    }
    let kept = made(value);
    set.insert(std::sync::Arc::clone(&kept));
    kept
}

/// `image`, shared with the equal images this thread shared before: an estate deploys a few
/// images from thousands of resources, and every resource entry and finding keeps its images
/// until the report is written (one allocation of each image's parts and text, not one per
/// resource).
pub(crate) fn shared_image(image: ImageRef) -> std::sync::Arc<ImageRef> {
    SHARED_IMAGES.with_borrow_mut(|set| share(set, image, std::sync::Arc::new))
}

/// `text`, shared with the equal texts this thread shared before (one allocation for the
/// advice thousands of findings repeat).
pub(crate) fn shared(text: String) -> std::sync::Arc<str> {
    SHARED.with_borrow_mut(|set| share(set, text, std::sync::Arc::from))
}

/// `text`, or when longer than [`MAX_MESSAGE_CHARS`] characters its head and tail around a mark
/// saying how many characters were left out (the tail of a message holds its cause).
pub(crate) fn clipped(text: &str) -> String {
    const HEAD: usize = MAX_MESSAGE_CHARS * 3 / 5;
    const TAIL: usize = MAX_MESSAGE_CHARS - HEAD;
    let count = text.chars().count();
    if count <= MAX_MESSAGE_CHARS {
        return text.to_owned();
    }
    let head_end = text.char_indices().nth(HEAD).map_or(text.len(), |(i, _)| i);
    let tail_start = text
        .char_indices()
        .nth(count - TAIL)
        .map_or(text.len(), |(i, _)| i);
    format!(
        "{} … ({} characters left out) … {}",
        &text[..head_end],
        count - HEAD - TAIL,
        &text[tail_start..]
    )
}

/// An IG000 finding: `headline` says what could not be read ("cannot parse ARM template"),
/// `problem` why, at bytes `at` of `file`.
pub(crate) fn parse_error(
    file: &SourceFile,
    detail: Detail,
    at: Range<u32>,
    headline: &str,
    problem: &str,
) -> Finding {
    let (message, label) = rules::parse_error_wording(headline, problem);
    FindingBuilder::new(rules::PARSE_ERROR, file, at, detail)
        .message(&message)
        .label(label)
        .build()
}

/// The IG000 of a folder the walk could not list (`folder`), or of an entry of one whose kind
/// it could not tell, at `path` (shown as `display`): none of the files in it was judged, so
/// the run cannot pass. It has no excerpt: there is no text to show.
pub(crate) fn unreadable_entry(
    path: &std::path::Path,
    display: &str,
    folder: bool,
    error: &std::io::Error,
) -> Finding {
    let file = SourceFile::new(
        path.to_path_buf(),
        display.to_string(),
        String::new(),
        crate::source::Encoding::Utf8,
    );
    let (headline, problem) = rules::unreadable_wording(folder, error);
    parse_error(&file, Detail::default(), 0..0, headline, &problem)
}

/// An IG006 finding: the config file `file` (found in the scanned tree) is not the config in
/// effect, whose path is `in_effect` as displayed (`None`: the embedded default). It points
/// at the file's first line.
pub(crate) fn config_not_in_effect(
    file: &SourceFile,
    in_effect: Option<&str>,
    detail: Detail,
) -> Finding {
    let (message, label) = rules::config_not_in_effect_wording(&file.display, in_effect);
    let end = file.text.find('\n').unwrap_or(file.text.len()) as u32;
    FindingBuilder::new(rules::CONFIG_NOT_IN_EFFECT, file, 0..end, detail)
        .message(&message)
        .label(label)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An image judged for thousands of resources is one allocation, and the set of images
    /// kept stays bounded.
    #[test]
    fn equal_images_are_shared_and_the_set_stays_bounded() {
        let image = |sku: &str| ImageRef {
            parts: super::super::ImageParts::Marketplace {
                publisher: Some("Canonical".into()),
                offer: Some("ubuntu".into()),
                sku: Some(sku.into()),
                version: Some("latest".into()),
                plan: None,
            },
            display: format!("Marketplace image Canonical:ubuntu:{sku}:latest"),
        };
        let a = shared_image(image("22_04-lts"));
        let b = shared_image(image("22_04-lts"));
        assert!(std::sync::Arc::ptr_eq(&a, &b));
        assert!(!std::sync::Arc::ptr_eq(
            &a,
            &shared_image(image("20_04-lts"))
        ));
        for i in 0..MAX_SHARED + 10 {
            assert_eq!(*shared_image(image(&i.to_string())), image(&i.to_string()));
        }
        SHARED_IMAGES.with_borrow(|set| assert!(set.len() <= MAX_SHARED));
    }

    /// Equal advice is one allocation however many findings give it, and a thread that
    /// shared more distinct texts than it keeps still gives each its own text.
    #[test]
    fn equal_texts_are_shared_and_the_set_stays_bounded() {
        let a = shared("use an approved image".to_owned());
        let b = shared("use an approved image".to_owned());
        assert!(std::sync::Arc::ptr_eq(&a, &b));
        for i in 0..MAX_SHARED + 10 {
            assert_eq!(&*shared(format!("advice {i}")), format!("advice {i}"));
        }
        SHARED.with_borrow(|set| assert!(set.len() <= MAX_SHARED, "{}", set.len()));
        assert_eq!(
            &*shared("use an approved image".to_owned()),
            "use an approved image"
        );
    }
    use crate::source::Encoding;

    #[test]
    fn fingerprints_are_stable() {
        assert_eq!(
            fingerprint(&["IG001", "a.json"]),
            fingerprint(&["IG001", "a.json"])
        );
        assert_ne!(
            fingerprint(&["IG001", "a.json"]),
            fingerprint(&["IG001a", ".json"])
        );
        // Pinned value: changing the algorithm changes every user's baseline.
        assert_eq!(fingerprint(&["IG001"]), "997df81412e1605d");
    }

    #[test]
    fn long_messages_keep_their_head_and_tail() {
        let short = "é".repeat(MAX_MESSAGE_CHARS);
        assert_eq!(clipped(&short), short);
        // Multi-byte characters are counted and cut as characters.
        let long = format!("{}{}{}", "h".repeat(700), "é".repeat(800_000), "the cause");
        let clipped = clipped(&long);
        assert_eq!(
            clipped,
            format!(
                "{} … (799709 characters left out) … {}the cause",
                "h".repeat(600),
                "é".repeat(391)
            )
        );
    }

    #[test]
    fn a_parse_error_is_located_and_worded() {
        let text = "{\n  \"a\": 1 \"b\": 2\n}\n".to_string();
        let file = SourceFile::new("t.json".into(), "dir/t.json".into(), text, Encoding::Utf8);
        let f = parse_error(
            &file,
            Detail { excerpts: true },
            11..12,
            "cannot parse ARM template",
            "expected `,` or `}`",
        );
        assert_eq!(f.rule, rules::PARSE_ERROR);
        assert_eq!(f.severity, Severity::Error);
        assert_eq!(f.message, "cannot parse ARM template: expected `,` or `}`");
        assert_eq!(f.label, "expected `,` or `}`");
        assert_eq!(
            (&*f.location.path, f.location.line, f.location.column),
            ("dir/t.json", 2, 10)
        );
        assert_eq!(f.bytes, 11..12);
        assert!(f.excerpt.is_some());
        assert_eq!(f.fingerprint, fingerprint(&["IG000", "dir/t.json"]));
        assert!(f.fix.is_none() && f.suppression.is_none());
        let bare = parse_error(&file, Detail::default(), 0..0, "h", "m");
        assert!(bare.excerpt.is_none());
    }

    #[test]
    fn a_built_finding_takes_its_severity_from_the_registry_and_the_config() {
        use crate::config::{Level, Mode};
        let file = SourceFile::new("a".into(), "a.json".into(), "{}".into(), Encoding::Utf8);
        let unapproved = Rule::find("IG001").expect("registered");
        let make = || {
            FindingBuilder::new(unapproved, &file, 0..1, Detail::default())
                .message("m")
                .identity(&["a.json", "x"])
        };
        assert_eq!(make().build().severity, unapproved.severity());
        let mut config = Config {
            mode: Mode::Audit,
            ..Config::embedded()
        };
        let audited = make().build_under(&config).expect("on");
        assert_eq!(audited.severity, Severity::Warning);
        assert_eq!(audited.fingerprint, fingerprint(&["IG001", "a.json", "x"]));
        config.rules = vec![(unapproved, Level::Off)];
        assert!(make().build_under(&config).is_none());
        // Every message is bounded, whoever words it.
        let long = make().message(&"x".repeat(5000)).build();
        assert!(long.message.chars().count() < 1100);
    }
}
