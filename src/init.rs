//! `imagegate init`: a commented `imagegate.toml` for a repository, from what a run over it
//! with the embedded default found — in audit mode, with a placeholder gallery, the galleries
//! and Marketplace images in use ready to uncomment, and the rollout keys as comments.

use std::collections::BTreeMap;
use std::path::Path;

use crate::config::Config;
use crate::findings::ImageParts;
use crate::policy::import::toml_string;
use crate::report::{Report, SourceKind};

/// The placeholder approved glob: a gallery that surely does not exist yet.
pub const PLACEHOLDER: &str = "/subscriptions/*/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/YOUR_GOLDEN_GALLERY/images/*";

/// What a run found, counted for the file and the summary line.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Found {
    /// Files read.
    pub files: usize,
    /// Files judged, by kind.
    pub arm: usize,
    /// Bicep files judged.
    pub bicep: usize,
    /// Terraform plans judged.
    pub plans: usize,
    /// All files judged (with those whose kind is not known: not parsed).
    pub templates: usize,
    /// Image-bearing resources.
    pub resources: usize,
    /// Each distinct image (as shown), with how many resources use it and, for a gallery
    /// image, which gallery (`gallery corpGallery`); most used first.
    pub images: Vec<(String, usize, Option<String>)>,
    /// The glob of each gallery in use, with how many resources use it.
    pub galleries: Vec<(String, usize)>,
    /// Marketplace images in use (publisher, offer, SKU), with counts.
    pub marketplace: Vec<([String; 3], usize)>,
}

/// Which gallery a gallery image is in, as the file says it (`gallery corpGallery`).
fn gallery_label(parts: &ImageParts) -> Option<String> {
    let (what, name) = match parts {
        ImageParts::ComputeGallery { gallery, .. } => ("gallery", gallery),
        ImageParts::SharedGallery { gallery, .. } => ("shared gallery", gallery),
        ImageParts::CommunityGallery { gallery, .. } => ("community gallery", gallery),
        ImageParts::DevCenterGallery { gallery, .. } => ("Dev Center gallery", gallery),
        _ => return None,
    };
    Some(format!(
        "{what} {}",
        one_line(name.as_deref().unwrap_or("<unknown>"))
    ))
}

/// The glob approving every image of the gallery an image is in, when it is a gallery image.
fn gallery_glob(parts: &ImageParts) -> Option<String> {
    let part = |p: &Option<String>| p.clone().unwrap_or_else(|| "*".into());
    let glob = match parts {
        ImageParts::ComputeGallery {
            subscription,
            resource_group,
            gallery,
            ..
        } => format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Compute/galleries/{}/images/*",
            part(subscription),
            part(resource_group),
            gallery.as_ref()?
        ),
        ImageParts::SharedGallery { gallery, .. } => {
            format!("/SharedGalleries/{}/Images/*", gallery.as_ref()?)
        }
        ImageParts::CommunityGallery { gallery, .. } => {
            format!("/CommunityGalleries/{}/Images/*", gallery.as_ref()?)
        }
        ImageParts::DevCenterGallery {
            subscription,
            resource_group,
            dev_center,
            gallery,
            ..
        } => format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.DevCenter/devcenters/{}/galleries/{}/images/*",
            part(subscription),
            part(resource_group),
            part(dev_center),
            gallery.as_ref()?
        ),
        _ => return None,
    };
    // Only a glob the config accepts is offered (a name with `[` in it is not one).
    Config::parse(
        &format!("[approved]\nimages = [{}]\n", toml_string(&glob)),
        Path::new("imagegate.toml"),
    )
    .ok()
    .map(|_| glob)
}

fn sorted<K: Ord + Clone>(counts: BTreeMap<K, usize>) -> Vec<(K, usize)> {
    let mut out: Vec<(K, usize)> = counts.into_iter().collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out
}

impl Found {
    /// Counts what `report` holds.
    pub fn from_report(report: &Report) -> Found {
        let kind = |k: SourceKind| report.kinds.get(&k).copied().unwrap_or(0);
        let mut images: BTreeMap<(String, Option<String>), usize> = BTreeMap::new();
        let mut galleries = BTreeMap::new();
        let mut marketplace = BTreeMap::new();
        for resource in &report.resources {
            for image in &resource.images {
                *images
                    .entry((one_line(&image.display), gallery_label(&image.parts)))
                    .or_default() += 1;
                if let Some(glob) = gallery_glob(&image.parts) {
                    *galleries.entry(glob).or_default() += 1;
                }
                if let ImageParts::Marketplace {
                    publisher: Some(p),
                    offer: Some(o),
                    sku: Some(s),
                    ..
                } = &image.parts
                {
                    *marketplace
                        .entry([p.clone(), o.clone(), s.clone()])
                        .or_default() += 1;
                }
            }
        }
        Found {
            files: report.files_scanned,
            arm: kind(SourceKind::ArmTemplate),
            bicep: kind(SourceKind::Bicep),
            plans: kind(SourceKind::TerraformPlan),
            templates: report.templates,
            resources: report.resources.len(),
            images: sorted(images)
                .into_iter()
                .map(|((display, glob), n)| (display, n, glob))
                .collect(),
            galleries: sorted(galleries),
            marketplace: sorted(marketplace),
        }
    }

    /// The one-line summary: templates by kind, resources, images.
    pub fn summary(&self) -> String {
        let in_galleries = self.images.iter().filter(|(_, _, g)| g.is_some()).count();
        format!(
            "{} files read, {} judged ({} ARM {}, {} Bicep {}, {} Terraform {}); {} image-bearing {}; {} distinct {} ({} in galleries)",
            self.files,
            self.templates,
            self.arm,
            plural(self.arm, "template", "templates"),
            self.bicep,
            plural(self.bicep, "file", "files"),
            self.plans,
            plural(self.plans, "plan", "plans"),
            self.resources,
            plural(self.resources, "resource", "resources"),
            self.images.len(),
            plural(self.images.len(), "image", "images"),
            in_galleries
        )
    }
}

fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

/// Text from the repository, made fit for one comment line.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Most images the header lists (most used first); the galleries and Marketplace images to
/// uncomment are all listed.
const MAX_IMAGES_LISTED: usize = 40;

/// The config file's text. `shown`: the folder as the user named it.
pub fn render(found: &Found, shown: &str) -> String {
    let mut out = String::from(
        "# imagegate.toml, written by `imagegate init`. Keys and their meaning: imagegate's\n\
         # docs/configuration.md. Every key below that is commented out is an option to consider.\n\
         # Editors complete and check this file with its JSON Schema, which imagegate prints:\n\
         # `imagegate schema > imagegate.schema.json`, then `#:schema ./imagegate.schema.json`\n\
         # as this file's first line (Taplo, Even Better TOML).\n#\n",
    );
    out.push_str(&format!(
        "# What `imagegate init` found in {}: {}.\n",
        if shown == "." {
            "this folder".to_string()
        } else {
            one_line(shown)
        },
        found.summary()
    ));
    if found.images.is_empty() {
        out.push_str("# No image is deployed here yet.\n");
    } else {
        out.push_str("# Images in use (resources using each):\n");
        for (display, n, label) in found.images.iter().take(MAX_IMAGES_LISTED) {
            let gallery = label
                .as_ref()
                .map(|label| format!("  [{label}]"))
                .unwrap_or_default();
            out.push_str(&format!("#   {n:>4}  {display}{gallery}\n"));
        }
        if found.images.len() > MAX_IMAGES_LISTED {
            out.push_str(&format!(
                "#   … and {} more: `imagegate report` breaks them down by source\n",
                found.images.len() - MAX_IMAGES_LISTED
            ));
        }
    }
    out.push_str(
        "\n# Audit mode first: unapproved images are warnings and the run passes. Switch to \"deny\"\n\
         # (errors: the run fails) once the repository is clean or baselined.\n\
         mode = \"audit\"\n\n[approved]\n\
         # Globs over image definition IDs (`*` one segment, `**` any number); a version is\n\
         # approved when its definition is. Replace the placeholder with your golden gallery.\n\
         images = [\n",
    );
    out.push_str(&format!("  {},\n", toml_string(PLACEHOLDER)));
    if !found.galleries.is_empty() {
        out.push_str("  # Galleries this repository deploys from: uncomment the golden ones.\n");
        for (glob, n) in &found.galleries {
            out.push_str(&format!(
                "  # {},  # {n} {}\n",
                toml_string(glob),
                plural(*n, "resource", "resources")
            ));
        }
    }
    out.push_str("]\n");
    out.push_str(
        "# Marketplace images explicitly allowed (fields are globs; `version` is optional).\n",
    );
    if found.marketplace.is_empty() {
        out.push_str("marketplace = []\n");
    } else {
        out.push_str(
            "# In use here: uncomment only what is allowed (e.g. the image factory's own base).\nmarketplace = [\n",
        );
        for ([p, o, s], n) in &found.marketplace {
            out.push_str(&format!(
                "  # {{ publisher = {}, offer = {}, sku = {} }},  # {n} {}\n",
                toml_string(p),
                toml_string(o),
                toml_string(s),
                plural(*n, "resource", "resources")
            ));
        }
        out.push_str("]\n");
    }
    out.push_str(
        "# The image factory: the only templates that may publish versions into the approved\n\
         # galleries (IG010), as globs relative to this file. Point it at your image factory.\n\
         # factory = [\"infra/images/**\"]\n",
    );
    out.push_str(
        "\n# Rollout keys (see docs/configuration.md and docs/rollout.md):\n\
         #\n\
         # Exemptions: findings that may stay for a while, with a reason and an expiry date\n\
         # (every criterion given must hold; name a path, a resource or an image).\n\
         # [[exempt]]\n\
         # path = \"legacy/**\"                 # relative to this file\n\
         # resource = \"vm-legacy-*\"           # the resource's name (or Terraform address)\n\
         # rule = \"IG001\"\n\
         # image = \"MicrosoftWindowsServer:WindowsServer:*\"   # ID, or publisher:offer:sku:version\n\
         # reason = \"Replaced by the golden image in the Q3 migration (TICKET-123)\"\n\
         # expires = 2027-06-30\n\
         #\n\
         # Tags every image-bearing resource must carry (IG005), and the tag the report groups by.\n\
         # [tags]\n\
         # required = [\"owner\", \"cost-center\"]\n\
         # owner = \"owner\"\n",
    );
    out
}

/// What to do next, printed after the file is written.
pub fn next_steps(file: &str) -> String {
    format!(
        "Next steps:\n\
         \x20 1. Put your golden gallery in {file} (replace YOUR_GOLDEN_GALLERY, or uncomment a gallery found in use).\n\
         \x20 2. imagegate check                      see what is flagged (audit mode: warnings, exit 0)\n\
         \x20 3. imagegate check --write-baseline .imagegate-baseline.json\n\
         \x20                                         accept today's findings; only new ones are reported\n\
         \x20 4. Add [[exempt]] entries (reason, expires) for what may stay for a while.\n\
         \x20 5. Set mode = \"deny\" in {file}: unapproved images then fail the run.\n\
         \x20 6. imagegate policy export -o approved-images.json\n\
         \x20                                         the same list as an Azure Policy definition (Audit, then Deny)\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_repository_gets_a_config_that_parses() {
        let text = render(&Found::default(), ".");
        let config = Config::parse(&text, Path::new("imagegate.toml")).unwrap();
        assert_eq!(config.mode, crate::config::Mode::Audit);
        assert_eq!(config.policy.images[0].as_str(), PLACEHOLDER);
        assert!(config.policy.marketplace.is_empty());
        // No address is invented: the schema comes from `imagegate schema`.
        assert!(!text.contains("http"), "{text}");
        assert!(text.contains("`imagegate schema > imagegate.schema.json`"));
    }

    #[test]
    fn the_header_lists_the_most_used_images_and_counts_the_rest() {
        let found = Found {
            images: (0..100)
                .map(|i| (format!("Marketplace image p:o:s{i}:latest"), 100 - i, None))
                .collect(),
            ..Found::default()
        };
        let text = render(&found, ".");
        assert!(text.contains("p:o:s39:latest"));
        assert!(!text.contains("p:o:s40:latest"));
        assert!(
            text.contains("#   … and 60 more: `imagegate report` breaks them down by source\n")
        );
        Config::parse(&text, Path::new("imagegate.toml")).unwrap();
    }
}
