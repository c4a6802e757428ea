"""Dreaming: gradient ascent on a backbone's activations (the dreamer), the objectives it
climbs, the views (jitter, rotation, scale) it sees the image through, the colour
decorrelation of its gradient and the Laplacian pyramid it normalises with."""
