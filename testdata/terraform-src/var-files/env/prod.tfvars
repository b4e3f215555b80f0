# Production still boots the hand-built image.
image_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-legacy/providers/Microsoft.Compute/images/ubuntu-hand-built"
