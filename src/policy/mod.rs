//! `imagegate policy export|import`: the approved list as an Azure Policy definition, and back.
//!
//! Azure has no built-in "approved VM images" policy, only samples in Azure/azure-policy
//! (`samples/Compute/allowed-custom-images`: `Microsoft.Compute/imageId` `in` a list;
//! `allowed-image-publishers`: `Microsoft.Compute/imagePublisher`; `platform-image-policy`:
//! publisher, offer and SKU on VMs, scale sets and disks). The export is their shape — a
//! `deny`/`audit` rule over `type` and the `Microsoft.Compute/image*` aliases, with the effect
//! and the lists as parameters — made exactly as strict as imagegate's judgement, never
//! looser: a deny policy that lets through an image the commit gate refuses is a hole.
//!
//! The lists are parameters of fixed shapes ([`SHAPES`]): an image ID is approved when it has
//! one of the ID shapes imagegate recognises and each of its variable parts is `like` the
//! entry's field (one `*` at most, as `like` allows), its literal parts equal, and its parts
//! named like the keywords imagegate classifies IDs by are none of them. Globs with `**` or
//! several wildcards over an ID become one entry per shape they can match; a field that `like`
//! cannot say exactly (`?`, two `*`) is refused, never widened.

pub mod export;
pub mod import;
pub(crate) mod rule;

/// A part of an ID shape: literal text, or a field of the list's entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Part {
    /// Literal text (compared ignoring case).
    Lit(&'static str),
    /// A variable part, matched by the entry's field of this name.
    Field(&'static str),
    /// A variable part that matches anything the exclusions allow (no field).
    Any,
}

/// An image ID shape the policy checks, and the parameter listing its approved entries.
#[derive(Debug)]
pub(crate) struct Shape {
    /// The array parameter.
    pub(crate) parameter: &'static str,
    /// Its display name.
    pub(crate) title: &'static str,
    /// The ID's segments (after the leading `/`).
    pub(crate) parts: &'static [Part],
    /// Whether `…/versions/V` of an approved ID is approved too (gallery image definitions).
    pub(crate) versions: bool,
    /// Words each variable part (and the version) must not be, by position: a segment named
    /// like a keyword imagegate classifies IDs by would make imagegate read the ID as another
    /// kind of image (see `image::classify_id`), so the policy does not approve it.
    pub(crate) not: fn(usize) -> &'static [&'static str],
}

use Part::{Field, Lit};

/// Keywords that make an ID a direct shared or community gallery image wherever they are.
const GALLERY_WORDS: &[&str] = &["SharedGalleries", "CommunityGalleries"];
/// … and a platform image.
const GALLERY_AND_PLATFORM: &[&str] = &["SharedGalleries", "CommunityGalleries", "Publishers"];
/// … and, after `providers/Microsoft.Compute`, a resource of another provider.
const AFTER_PROVIDERS: &[&str] = &[
    "SharedGalleries",
    "CommunityGalleries",
    "Publishers",
    "providers",
];

/// Private Azure Compute Gallery image definitions (and their versions).
pub(crate) const GALLERY: Shape = Shape {
    parameter: "approvedGalleryImages",
    title: "Approved Azure Compute Gallery images",
    parts: &[
        Lit("subscriptions"),
        Field("subscription"),
        Lit("resourceGroups"),
        Field("resourceGroup"),
        Lit("providers"),
        Lit("Microsoft.Compute"),
        Lit("galleries"),
        Field("gallery"),
        Lit("images"),
        Field("image"),
    ],
    versions: true,
    not: |i| {
        if i > 4 {
            AFTER_PROVIDERS
        } else {
            GALLERY_AND_PLATFORM
        }
    },
};

/// Managed images.
pub(crate) const MANAGED: Shape = Shape {
    parameter: "approvedManagedImages",
    title: "Approved managed images",
    parts: &[
        Lit("subscriptions"),
        Field("subscription"),
        Lit("resourceGroups"),
        Field("resourceGroup"),
        Lit("providers"),
        Lit("Microsoft.Compute"),
        Lit("images"),
        Field("image"),
    ],
    versions: false,
    not: |_| GALLERY_AND_PLATFORM,
};

/// Direct shared gallery images (`/SharedGalleries/…`).
pub(crate) const SHARED: Shape = Shape {
    parameter: "approvedSharedGalleryImages",
    title: "Approved direct shared gallery images",
    parts: &[
        Lit("SharedGalleries"),
        Field("gallery"),
        Lit("Images"),
        Field("image"),
    ],
    versions: true,
    not: |_| GALLERY_WORDS,
};

/// Community gallery images (`/CommunityGalleries/…`).
pub(crate) const COMMUNITY: Shape = Shape {
    parameter: "approvedCommunityGalleryImages",
    title: "Approved community gallery images",
    parts: &[
        Lit("CommunityGalleries"),
        Field("gallery"),
        Lit("Images"),
        Field("image"),
    ],
    versions: true,
    not: |_| GALLERY_WORDS,
};

/// The ID shapes, in the order of the parameters.
pub(crate) const SHAPES: [&Shape; 4] = [&GALLERY, &MANAGED, &SHARED, &COMMUNITY];

/// A platform image ID (how a disk created from a Marketplace image names it), judged by the
/// Marketplace entries.
pub(crate) const PLATFORM: Shape = Shape {
    parameter: "approvedMarketplaceImages",
    title: "Approved Marketplace images",
    parts: &[
        Lit("Subscriptions"),
        Part::Any,
        Lit("Providers"),
        Lit("Microsoft.Compute"),
        Lit("Locations"),
        Part::Any,
        Lit("Publishers"),
        Field("publisher"),
        Lit("ArtifactTypes"),
        Lit("VMImage"),
        Lit("Offers"),
        Field("offer"),
        Lit("Skus"),
        Field("sku"),
        Lit("Versions"),
        Field("version"),
    ],
    versions: false,
    not: |i| {
        if i > 6 {
            GALLERY_AND_PLATFORM
        } else {
            GALLERY_WORDS
        }
    },
};

/// The aliases whose value is the image ID: VMs and scale sets (`Microsoft.Compute/imageId`,
/// as the samples use it) and disks (`creationData.imageReference.id`).
pub(crate) const ID_ALIASES: [&str; 2] = [
    "Microsoft.Compute/imageId",
    "Microsoft.Compute/disks/creationData.imageReference.id",
];

/// The fields of a Marketplace entry, with the alias each is compared with.
pub(crate) const MARKETPLACE_FIELDS: [(&str, &str); 4] = [
    ("publisher", "Microsoft.Compute/imagePublisher"),
    ("offer", "Microsoft.Compute/imageOffer"),
    ("sku", "Microsoft.Compute/imageSku"),
    ("version", "Microsoft.Compute/imageVersion"),
];

/// The resource types the policy judges.
pub const COVERED: [&str; 3] = [
    "Microsoft.Compute/virtualMachines",
    "Microsoft.Compute/virtualMachineScaleSets",
    "Microsoft.Compute/disks",
];

/// Image-bearing types imagegate judges that the policy does not cover.
pub const NOT_COVERED: [&str; 9] = [
    "Microsoft.Batch/batchAccounts/pools",
    "Microsoft.DevTestLab/labs/virtualmachines",
    "Microsoft.VirtualMachineImages/imageTemplates",
    "Microsoft.DevCenter/devcenters/devboxdefinitions",
    "Microsoft.ServiceFabric/managedClusters/nodeTypes",
    "Microsoft.LabServices/labs",
    "Microsoft.AzureFleet/fleets",
    "Microsoft.DesktopVirtualization/hostPools",
    "Microsoft.Compute/virtualMachineScaleSets/virtualMachines",
];
