"""Person and vehicle detection behind one contract (`Detector`), built by `create_detector`.

Backends: OpenVINO SSD models from the model directory (default person-detection-0201), a
user-supplied YOLO-style ONNX model, and mediapipe's pose detector as the package-shipped
fallback. Backends are imported lazily so the CLI starts fast.
"""

from citywatch.detect.base import Detector
from citywatch.detect.factory import create_detector

__all__ = ["Detector", "create_detector"]
