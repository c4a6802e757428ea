"""The infinite zoom: the camera (``camera``), what keeps a long zoom statistically steady
(``stationary``), and the measurements that tell whether it does (``metrics``)."""

from .camera import ZoomStep

__all__ = ["ZoomStep"]
