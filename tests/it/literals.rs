//! Findings at the literal to change (#22): when an image, or a decisive field of an image
//! assembled from several values, is set in a parameter file, a `.bicepparam`, the base a
//! `.bicepparam` extends, an imported variable or a data file, the finding points there; the
//! resource, the image property and the template's declarations are related locations, and so
//! is every other field set elsewhere ("`offer` is set here"). The contract of
//! `testdata/literals/`: the primary location (file and line) and the related locations of
//! every finding.

use crate::common::*;

/// One finding of a report: its rule, where it points (file and line) and its related
/// locations (file, line, message), in order.
type Located = (String, String, u64, Vec<(String, u64, String)>);

/// `imagegate check --format json DIR` over a folder of `testdata/literals/`, from the
/// repository's root: every finding, located, in the report's order.
fn findings_in(dir: &str) -> Vec<Located> {
    let out = Command::new()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["check", "--format", "json", "--exit-zero"])
        .arg(format!("testdata/literals/{dir}"))
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let related = f["related"]
                .as_array()
                .expect("related")
                .iter()
                .map(|r| {
                    let path = text(&r["path"]);
                    let file = path.rsplit('/').next().unwrap_or_default().to_owned();
                    (
                        file,
                        r["line"].as_u64().unwrap_or_default(),
                        text(&r["message"]),
                    )
                })
                .collect();
            let path = text(&f["path"]);
            let file = path.rsplit('/').next().unwrap_or_default().to_owned();
            (
                text(&f["rule"]),
                file,
                f["line"].as_u64().unwrap_or_default(),
                related,
            )
        })
        .collect()
}

/// `(file, line, message)` of a related location.
fn at(file: &str, line: u64, message: &str) -> (String, u64, String) {
    (file.to_owned(), line, message.to_owned())
}

/// The finding about `name` (named in its related "is declared here").
fn about<'a>(found: &'a [Located], name: &str) -> &'a Located {
    let declared = format!("virtualMachines '{name}' is declared here");
    found
        .iter()
        .find(|f| f.3.iter().any(|r| r.2 == declared))
        .unwrap_or_else(|| panic!("no finding about {name}: {found:#?}"))
}

#[test]
fn a_marketplace_image_set_in_a_parameter_file_points_at_the_parameter_file() {
    // A parameter file supplies the values of the template's parameters
    // (https://learn.microsoft.com/azure/azure-resource-manager/templates/parameter-files):
    // publisher, offer and SKU all come from it, so the finding points at the first of them
    // in the catalogue's order (the publisher) and lists the others.
    let found = findings_in("arm-parameter-file");
    assert_eq!(found.len(), 3, "{found:#?}");
    let template = "azuredeploy.json";
    let parameters = "azuredeploy.parameters.json";
    let app = about(&found, "vm-app");
    assert_eq!(
        (app.0.as_str(), app.1.as_str(), app.2),
        ("IG001", parameters, 6)
    );
    assert_eq!(
        app.3,
        [
            at(template, 26, "virtualMachines 'vm-app' is declared here"),
            at(
                template,
                36,
                "the image is set here (`properties.storageProfile.imageReference`)"
            ),
            at(template, 5, "parameter 'imagePublisher'"),
            at(parameters, 9, "`offer` is set here"),
            at(template, 9, "parameter 'imageOffer'"),
            at(parameters, 12, "`sku` is set here"),
            at(template, 13, "parameter 'imageSku'"),
        ]
    );
    // Publisher and offer written in the property: the SKU, the one field set elsewhere, is
    // where the finding points.
    let jump = about(&found, "vm-jump");
    assert_eq!((jump.1.as_str(), jump.2), (parameters, 15));
    assert_eq!(
        jump.3,
        [
            at(template, 45, "virtualMachines 'vm-jump' is declared here"),
            at(
                template,
                55,
                "the image is set here (`properties.storageProfile.imageReference`)"
            ),
            at(template, 17, "parameter 'jumpSku'"),
        ]
    );
    // An image ID is one value: its literal in the parameter file.
    let build = about(&found, "vm-build");
    assert_eq!((build.1.as_str(), build.2), (parameters, 18));
    assert!(
        build
            .3
            .contains(&at(template, 21, "parameter 'buildImageId'")),
        "{build:#?}"
    );
}

#[test]
fn a_marketplace_image_written_in_the_property_stays_at_the_property() {
    // Every field is written in `imageReference`: that is the literal to change, whatever
    // the parameter file sets (here only the size).
    let found = findings_in("arm-inline");
    assert_eq!(
        found,
        [(
            "IG001".to_owned(),
            "azuredeploy.json".to_owned(),
            21,
            vec![at(
                "azuredeploy.json",
                11,
                "virtualMachines 'vm-inline' is declared here"
            )]
        )]
    );
}

#[test]
fn a_marketplace_image_set_in_a_bicepparam_file_points_at_it() {
    // A `.bicepparam` file assigns the parameters of the template its `using` names
    // (https://learn.microsoft.com/azure/azure-resource-manager/bicep/parameter-files).
    let found = findings_in("bicepparam");
    let [(rule, file, line, related)] = found.as_slice() else {
        panic!("one finding: {found:#?}");
    };
    assert_eq!(
        (rule.as_str(), file.as_str(), *line),
        ("IG001", "prod.bicepparam", 3)
    );
    assert_eq!(
        related,
        &[
            at("main.bicep", 6, "virtualMachines 'vm-app' is declared here"),
            at(
                "main.bicep",
                14,
                "the image is set here (`properties.storageProfile.imageReference`)"
            ),
            at("main.bicep", 2, "parameter 'imagePublisher'"),
            at("prod.bicepparam", 4, "`offer` is set here"),
            at("main.bicep", 3, "parameter 'imageOffer'"),
            at("prod.bicepparam", 5, "`sku` is set here"),
            at("main.bicep", 4, "parameter 'imageSku'"),
        ]
    );
}

#[test]
fn fields_set_in_the_base_a_bicepparam_file_extends_point_at_the_base() {
    // `extends './base.bicepparam'`: the base's assignments apply unless the file overrides
    // them (https://learn.microsoft.com/azure/azure-resource-manager/bicep/parameter-files,
    // "Extend parameter files"). Publisher and offer come from the base, the SKU from the file.
    let found = findings_in("bicep-extends");
    let [(rule, file, line, related)] = found.as_slice() else {
        panic!("one finding: {found:#?}");
    };
    assert_eq!(
        (rule.as_str(), file.as_str(), *line),
        ("IG001", "base.bicepparam", 3)
    );
    assert_eq!(
        related,
        &[
            at("main.bicep", 6, "virtualMachines 'vm-app' is declared here"),
            at(
                "main.bicep",
                14,
                "the image is set here (`properties.storageProfile.imageReference`)"
            ),
            at("main.bicep", 2, "parameter 'imagePublisher'"),
            at("base.bicepparam", 4, "`offer` is set here"),
            at("main.bicep", 3, "parameter 'imageOffer'"),
            at("prod.bicepparam", 4, "`sku` is set here"),
            at("main.bicep", 4, "parameter 'imageSku'"),
        ]
    );
}

#[test]
fn an_image_in_an_imported_variable_points_at_the_file_that_exports_it() {
    // `import {x} from 'f.bicep'` brings in an exported variable at compile time
    // (https://learn.microsoft.com/azure/azure-resource-manager/bicep/bicep-import): the
    // literal to change is in the exporting file. The golden image it exports is approved.
    let found = findings_in("bicep-imported");
    let [(rule, file, line, related)] = found.as_slice() else {
        panic!("one finding: {found:#?}");
    };
    assert_eq!(
        (rule.as_str(), file.as_str(), *line),
        ("IG001", "images.bicep", 12)
    );
    assert_eq!(
        related,
        &[
            at(
                "main.bicep",
                13,
                "virtualMachines 'vm-jump' is declared here"
            ),
            at(
                "main.bicep",
                18,
                "the image is set here (`properties.storageProfile.imageReference`)"
            ),
            at("images.bicep", 12, "variable 'jumpbox'"),
        ]
    );
}

#[test]
fn an_image_imported_by_a_bicepparam_file_points_at_the_file_that_exports_it() {
    // A `.bicepparam` file may import variables too (Bicep docs, "Parameter files"): the
    // value it assigns is the exported one, written in the exporting file.
    let found = findings_in("bicepparam-import");
    let [(rule, file, line, related)] = found.as_slice() else {
        panic!("one finding: {found:#?}");
    };
    assert_eq!(
        (rule.as_str(), file.as_str(), *line),
        ("IG001", "images.bicep", 12)
    );
    assert_eq!(
        related,
        &[
            at(
                "main.bicep",
                4,
                "virtualMachines 'vm-jump' is declared here"
            ),
            at(
                "main.bicep",
                9,
                "the image is set here (`properties.storageProfile.imageReference`)"
            ),
            at("main.bicep", 2, "parameter 'image'"),
            at("images.bicep", 12, "variable 'jumpbox'"),
        ]
    );
}

#[test]
fn an_image_in_a_loaded_data_file_points_at_the_data_file() {
    // `loadJsonContent(path, [jsonPath])` and `loadTextContent(path)` read a file at compile
    // time (https://learn.microsoft.com/azure/azure-resource-manager/bicep/bicep-functions-files):
    // the value is written in that file. The gallery image it holds for `vm-app` is approved.
    let found = findings_in("bicep-loaded");
    assert_eq!(found.len(), 2, "{found:#?}");
    let build = about(&found, "vm-build");
    assert_eq!((build.1.as_str(), build.2), ("images.json", 5));
    assert_eq!(
        build.3,
        [
            at(
                "main.bicep",
                13,
                "virtualMachines 'vm-build' is declared here"
            ),
            at(
                "main.bicep",
                18,
                "the image is set here (`properties.storageProfile.imageReference`)"
            ),
        ]
    );
    let agent = about(&found, "vm-agent");
    assert_eq!((agent.1.as_str(), agent.2), ("agent-image-id.txt", 1));
    assert!(
        agent.3.contains(&at(
            "main.bicep",
            29,
            "the image is set here (`properties.storageProfile.imageReference`)"
        )),
        "{agent:#?}"
    );
}
