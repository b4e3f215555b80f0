//! The catalogue of image-bearing resource types, loaded from `rules/catalog.toml`.
//!
//! The catalogue is data: which resource types carry an image and at which property paths.
//! Image extraction ([`crate::extract`]) is driven entirely by it.

use foldhash::{HashMap, HashMapExt};
use std::sync::OnceLock;

use serde::Deserialize;

const CATALOG_TOML: &str = include_str!("../rules/catalog.toml");

/// How the value at an image path is read.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Form {
    /// An image reference object (ID, shared/community gallery ID or marketplace fields).
    Reference,
    /// A string that is an image resource ID.
    Id,
    /// A string that is a VHD/blob URI.
    Uri,
    /// An OS disk object; `createOption: Attach` attaches an existing disk.
    OsDisk,
    /// A string that is the ID of an existing disk attached as the OS disk (not an image).
    AttachedDisk,
    /// A string naming an image of a service's own well-known set (e.g. a Managed DevOps Pool's
    /// `wellKnownImageName`, a Microsoft-hosted agent image).
    WellKnown,
}

/// How the value at an image path is decoded before it is read.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Decode {
    /// The value is a JSON document inside a string.
    JsonString,
}

/// A condition on a sibling property that says whether an image property is used at all, e.g.
/// a Dev Center pool's inline definition only counts when `devBoxDefinitionType` is `Value`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct When {
    /// Dotted path of the deciding property, relative to the value at `path` (to each element
    /// when `each` is set).
    pub key: String,
    /// The values (compared ASCII-case-insensitively) for which the image is used. An unset
    /// key means the image is not used; an unknown one means it may be, so it is judged.
    pub equals: Vec<String>,
}

/// One place where a resource type keeps an image.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImagePath {
    /// Dotted property path from the resource root. The frontends keep everything below it, so
    /// `at` and `when` may reach anything inside.
    pub path: String,
    /// The value at `path` is an array and each of its elements holds an image (e.g. a fleet's
    /// `locationProfiles[]`).
    #[serde(default)]
    pub each: bool,
    /// Dotted path from the value at `path` (from each element when `each` is set) to the
    /// image value; the value at `path` itself when absent.
    pub at: Option<String>,
    /// The condition under which the image is used, if any.
    pub when: Option<When>,
    /// How to read the value.
    pub form: Form,
    /// How to decode the value first, if at all.
    pub decode: Option<Decode>,
    /// Whether the image is read only where a machine attaches the resource (or a copy of it)
    /// as its OS disk, never of the resource on its own (a snapshot not known to boot).
    #[serde(default)]
    pub attached_only: bool,
    /// Property names that hold an image resource ID (default `["id"]`).
    #[serde(default = "default_id_keys")]
    pub id_keys: Vec<String>,
    /// Property name of a direct shared gallery image ID.
    #[serde(default = "default_shared")]
    pub shared_key: String,
    /// Property name of a community gallery image ID.
    #[serde(default = "default_community")]
    pub community_key: String,
    /// Property name of the marketplace publisher.
    #[serde(default = "default_publisher")]
    pub publisher_key: String,
    /// Property name of the marketplace offer.
    #[serde(default = "default_offer")]
    pub offer_key: String,
    /// Property name of the marketplace SKU.
    #[serde(default = "default_sku")]
    pub sku_key: String,
    /// Property name of the image version.
    #[serde(default = "default_version")]
    pub version_key: String,
    /// Property name of an inline purchase plan, if the reference carries one.
    pub plan_key: Option<String>,
    /// Property name of the create option of an OS disk (`os-disk` form).
    #[serde(default = "default_create_option")]
    pub create_option_key: String,
    /// Dotted paths, within an OS disk, of the attached disk's ID or URI (`os-disk` form).
    #[serde(default = "default_disk_id_keys")]
    pub disk_id_keys: Vec<String>,
}

fn default_id_keys() -> Vec<String> {
    vec!["id".into()]
}
fn default_shared() -> String {
    "sharedGalleryImageId".into()
}
fn default_community() -> String {
    "communityGalleryImageId".into()
}
fn default_publisher() -> String {
    "publisher".into()
}
fn default_offer() -> String {
    "offer".into()
}
fn default_sku() -> String {
    "sku".into()
}
fn default_version() -> String {
    "version".into()
}
fn default_create_option() -> String {
    "createOption".into()
}
fn default_disk_id_keys() -> Vec<String> {
    vec!["managedDisk.id".into(), "vhd.uri".into()]
}

/// The image locations of one or more resource types.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The resource types this entry covers.
    pub types: Vec<String>,
    /// Where their image lives.
    pub images: Vec<ImagePath>,
    /// Path of the marketplace purchase plan, if any.
    pub plan: Option<String>,
    /// Set when the types are managed disks or snapshots: how such a resource is named and
    /// what it is copied from, so that a machine that attaches a disk by ID is judged by the
    /// image its deployment makes that disk (or the snapshot or disk it copies) from.
    pub managed_disk: Option<ManagedDisk>,
}

/// How a managed disk (or snapshot) resource is named, to be found by the ID a machine
/// attaches or a copy names, and what it is copied from.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ManagedDisk {
    /// The property that holds the disk's name (compared case-insensitively); the resource's
    /// declared name when absent.
    pub name_key: Option<String>,
    /// The property that holds the disk's resource group, compared (case-insensitively) when
    /// both it and the ID's are known.
    pub resource_group_key: Option<String>,
    /// The ARM type its resource ID names (`Microsoft.Compute/snapshots`), compared
    /// case-insensitively with the ID's provider and type; the resource's own type when
    /// absent (an ARM type).
    pub id_type: Option<String>,
    /// Where the ID of the disk or snapshot it is copied from is, and when it is copied:
    /// a disk copied from one the same deployment makes has that one's image.
    pub copied_from: Option<CopiedFrom>,
}

/// Where a managed disk or snapshot names what it is copied from
/// (`creationData.sourceResourceId` when `createOption` is `Copy`).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CopiedFrom {
    /// Dotted property path from the resource root ("" is the root).
    pub path: String,
    /// Dotted path from the value at `path` to the source's resource ID.
    pub at: String,
    /// The condition under which it is a copy; unset means it is not, unknown that it may be.
    pub when: Option<When>,
}

/// How the `id` of a Terraform managed resource is composed from its arguments, for a
/// resource created in the same plan (its `id` is unknown until apply).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdTemplate {
    /// The Terraform resource type, e.g. `azurerm_shared_image_version`.
    #[serde(rename = "type")]
    pub resource_type: String,
    /// The ID with `{argument}` placeholders; `{subscription}` is the provider's subscription.
    pub id: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    arm: Vec<Entry>,
    #[serde(default)]
    terraform: Vec<Entry>,
    #[serde(default)]
    terraform_id: Vec<IdTemplate>,
}

/// A section of the catalogue: the resource types of one naming scheme, and the property
/// paths of their images in that scheme's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Section {
    /// ARM resource types (`Microsoft.Compute/virtualMachines`) and properties, as templates,
    /// Bicep files and inventory exports name them (`[[arm]]`).
    Arm,
    /// Terraform `azurerm` resource types (`azurerm_linux_virtual_machine`) and their
    /// arguments (`[[terraform]]`).
    Terraform,
}

impl Section {
    /// Every section, in the catalogue's order.
    pub const ALL: [Section; 2] = [Section::Arm, Section::Terraform];
}

/// The loaded catalogue, indexed by lower-cased resource type.
#[derive(Debug)]
pub struct Catalog {
    arm: Vec<Entry>,
    arm_index: HashMap<String, usize>,
    terraform: Vec<Entry>,
    terraform_index: HashMap<String, usize>,
    terraform_ids: Vec<IdTemplate>,
}

impl Catalog {
    /// The catalogue compiled into this binary.
    pub fn builtin() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| {
            Catalog::parse(CATALOG_TOML).expect("rules/catalog.toml is valid (tested)")
        })
    }

    fn parse(text: &str) -> Result<Catalog, toml::de::Error> {
        let file: CatalogFile = toml::from_str(text)?;
        Ok(Catalog {
            arm_index: index(&file.arm),
            terraform_index: index(&file.terraform),
            arm: file.arm,
            terraform: file.terraform,
            terraform_ids: file.terraform_id,
        })
    }

    /// The entry for an ARM/Bicep resource type (case-insensitive), if it carries an image.
    pub fn arm(&self, resource_type: &str) -> Option<&Entry> {
        self.arm_index
            .get(&resource_type.to_ascii_lowercase())
            .map(|&i| &self.arm[i])
    }

    /// The entry for a Terraform resource type (case-insensitive), if it carries an image.
    pub fn terraform(&self, resource_type: &str) -> Option<&Entry> {
        self.terraform_index
            .get(&resource_type.to_ascii_lowercase())
            .map(|&i| &self.terraform[i])
    }

    /// The template of the `id` of a Terraform resource type (exact type name), if the
    /// catalogue knows how it is composed.
    pub fn terraform_id(&self, resource_type: &str) -> Option<&str> {
        self.terraform_ids
            .iter()
            .find(|t| t.resource_type == resource_type)
            .map(|t| t.id.as_str())
    }

    /// Every ARM/Bicep resource type in the catalogue.
    pub fn arm_types(&self) -> impl Iterator<Item = &str> {
        self.types(Section::Arm)
    }

    /// The entry for `resource_type` (case-insensitive) in `section`, if it carries an image.
    pub fn entry(&self, section: Section, resource_type: &str) -> Option<&Entry> {
        match section {
            Section::Arm => self.arm(resource_type),
            Section::Terraform => self.terraform(resource_type),
        }
    }

    /// The entry for `resource_type` in the first of `sections` that has one.
    pub fn entry_in(&self, sections: &[Section], resource_type: &str) -> Option<&Entry> {
        sections.iter().find_map(|&s| self.entry(s, resource_type))
    }

    /// Every resource type of `section`, as the catalogue writes it.
    pub fn types(&self, section: Section) -> impl Iterator<Item = &str> {
        let entries = match section {
            Section::Arm => &self.arm,
            Section::Terraform => &self.terraform,
        };
        entries
            .iter()
            .flat_map(|e| e.types.iter().map(String::as_str))
    }
}

fn index(entries: &[Entry]) -> HashMap<String, usize> {
    let mut index = HashMap::new();
    for (i, entry) in entries.iter().enumerate() {
        for t in &entry.types {
            index.insert(t.to_ascii_lowercase(), i);
        }
    }
    index
}

#[cfg(test)]
impl Catalog {
    /// Every Terraform resource type in the catalogue.
    pub fn terraform_types(&self) -> impl Iterator<Item = &str> {
        self.types(Section::Terraform)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn managed_disks_say_how_they_are_named() {
        let c = Catalog::builtin();
        let disks: Vec<(Section, &str)> = Section::ALL
            .iter()
            .flat_map(|&s| c.types(s).map(move |t| (s, t)))
            .filter(|&(s, t)| c.entry(s, t).is_some_and(|e| e.managed_disk.is_some()))
            .collect();
        assert_eq!(
            disks,
            [
                (Section::Arm, "Microsoft.Compute/disks"),
                (Section::Arm, "Microsoft.Compute/snapshots"),
                (Section::Terraform, "azurerm_managed_disk"),
                (Section::Terraform, "azurerm_snapshot")
            ]
        );
        let arm = c.entry(Section::Arm, "microsoft.compute/DISKS").unwrap();
        let named = arm.managed_disk.as_ref().unwrap();
        assert_eq!((&named.name_key, &named.id_type), (&None, &None));
        let copied = named.copied_from.as_ref().unwrap();
        assert_eq!(
            (copied.path.as_str(), copied.at.as_str()),
            ("properties.creationData", "sourceResourceId")
        );
        let snapshot = c.entry(Section::Terraform, "azurerm_snapshot").unwrap();
        let named = snapshot.managed_disk.as_ref().unwrap();
        assert_eq!(
            named.id_type.as_deref(),
            Some("Microsoft.Compute/snapshots")
        );
        assert!(snapshot.images.iter().all(|i| i.attached_only));
        let tf = c.entry_in(&Section::ALL, "azurerm_managed_disk").unwrap();
        let named = tf.managed_disk.as_ref().unwrap();
        assert_eq!(named.name_key.as_deref(), Some("name"));
        assert_eq!(
            named.resource_group_key.as_deref(),
            Some("resource_group_name")
        );
    }

    #[test]
    fn builtin_catalog_parses_and_covers_the_spec() {
        let c = Catalog::builtin();
        for t in [
            "Microsoft.Compute/virtualMachines",
            "microsoft.compute/virtualmachinescalesets/virtualmachines",
            "Microsoft.Compute/virtualMachineScaleSets",
            "Microsoft.Compute/disks",
            "Microsoft.Batch/batchAccounts/pools",
            "Microsoft.DevTestLab/labs/virtualmachines",
            "Microsoft.VirtualMachineImages/imageTemplates",
            "Microsoft.DevCenter/devcenters/devboxdefinitions",
            "Microsoft.ServiceFabric/managedClusters/nodeTypes",
            "Microsoft.LabServices/labs",
            "Microsoft.AzureFleet/fleets",
            "Microsoft.DesktopVirtualization/hostPools",
            // Issue #9: inline Dev Box definitions and AVD session host configurations.
            "Microsoft.DevCenter/projects/pools",
            "Microsoft.DesktopVirtualization/hostPools/sessionHostConfigurations",
            "Microsoft.DevOpsInfrastructure/pools",
            // Issue #24: snapshots carry an image to the disks copied from them.
            "Microsoft.Compute/snapshots",
            // Issue #24: what publishes an image version (IG010), with no image of its own.
            "Microsoft.Compute/galleries/images/versions",
        ] {
            assert!(c.arm(t).is_some(), "{t} missing from the catalogue");
        }
        assert!(c.arm("Microsoft.Network/networkInterfaces").is_none());
        assert_eq!(c.arm_types().count(), 17);
    }

    #[test]
    fn builtin_catalog_covers_the_terraform_types() {
        let c = Catalog::builtin();
        for t in [
            "azurerm_linux_virtual_machine",
            "azurerm_windows_virtual_machine",
            "azurerm_linux_virtual_machine_scale_set",
            "azurerm_windows_virtual_machine_scale_set",
            "azurerm_orchestrated_virtual_machine_scale_set",
            "azurerm_virtual_machine",
            "azurerm_virtual_machine_scale_set",
            "azurerm_managed_disk",
            "azurerm_dev_test_linux_virtual_machine",
            "azurerm_dev_test_windows_virtual_machine",
            "azurerm_batch_pool",
            "azurerm_dev_center_dev_box_definition",
            // Issue #9.
            "azurerm_compute_fleet",
            "azurerm_service_fabric_managed_cluster",
            "azurerm_lab_service_lab",
            "azurerm_resource_group_template_deployment",
            "azurerm_subscription_template_deployment",
            "azurerm_management_group_template_deployment",
            "azurerm_tenant_template_deployment",
            "azapi_resource",
            // Issue #24: containers of templates.
            "azurerm_resource_group_deployment_stack",
            "azurerm_subscription_deployment_stack",
            "azurerm_management_group_deployment_stack",
            "azurerm_managed_application_definition",
            "azurerm_managed_application",
            // Issue #24 (IG010).
            "azurerm_shared_image_version",
        ] {
            assert!(c.terraform(t).is_some(), "{t} missing from the catalogue");
        }
        assert!(c.terraform("azurerm_network_interface").is_none());
        // ARM types are not Terraform types and vice versa.
        assert!(c.terraform("Microsoft.Compute/virtualMachines").is_none());
        assert!(c.arm("azurerm_linux_virtual_machine").is_none());
        assert_eq!(c.terraform_types().count(), 27);
    }

    #[test]
    fn terraform_id_templates_name_image_and_disk_ids() {
        let c = Catalog::builtin();
        let version = c.terraform_id("azurerm_shared_image_version").unwrap();
        assert!(version.ends_with("/galleries/{gallery_name}/images/{image_name}/versions/{name}"));
        for t in [
            "azurerm_shared_image",
            "azurerm_image",
            "azurerm_managed_disk",
            "azurerm_snapshot",
        ] {
            let id = c.terraform_id(t).unwrap();
            assert!(id.starts_with("/subscriptions/{subscription}/resourceGroups/{resource_group_name}/providers/Microsoft.Compute/"), "{t}");
        }
        assert!(c.terraform_id("azurerm_linux_virtual_machine").is_none());
    }
}
