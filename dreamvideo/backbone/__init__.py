"""The pretrained classification networks everything looks through: loading them (with their
precision), their static layer tables (checked before any TensorFlow), and downloading weights."""
