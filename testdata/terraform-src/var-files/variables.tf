# The image the VM boots from: the golden image by default.
variable "image_id" {
  type    = string
  default = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu-2204/versions/2.0.1"
}
