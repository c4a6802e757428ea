"""Motion between frames: optical flow (estimated with OpenCV or given exactly), its warps,
occlusion masks and edge-aware smoothing, and the camera motion fitted to it."""
