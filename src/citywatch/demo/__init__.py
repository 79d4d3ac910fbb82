"""The demo: a small multi-camera site generated from pictures that installed packages ship."""
