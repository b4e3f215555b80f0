// A jump box from the platform team's registry, whose module fixes its own image: nothing in
// the cached module is this repository's to change, so the finding is at the module reference
// (the version to change), and where the module sets the image is related.
module jump 'br:contoso.azurecr.io/compute/jumpbox:1.0.0' = {
  name: 'jumpbox'
  params: {
    name: 'vm-jump-01'
  }
}
