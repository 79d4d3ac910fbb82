"""Cluster mode on Ray (`cluster.backend: ray`): the same pipeline, spread over nodes.

- `connect`: joining (or starting) Ray, with a one-line error when it is not there.
- `batching`, `detector_server`: the detector served by actors that take frames from many
  cameras in batches; `RemoteDetector` is what a camera calls instead of a local model.
- `host`: `CameraHost`, the actor that runs some cameras (the usual `PipelineRunner`) on the
  shared store and bus, and reports their progress.
- `placement`: which host gets which camera, at start and when a host is lost.
- `runner`: `ClusterRunner`, the head's side: starts the actors, watches heartbeats and moves
  the cameras of a lost host to the others, resuming where they were.

Nothing here imports Ray until a cluster is started, so the embedded default never pays for it.
"""
