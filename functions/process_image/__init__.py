"""process_image: validate, make upright, strip metadata and watermark uploaded material images (issue 4)."""
