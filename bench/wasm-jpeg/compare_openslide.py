#!/usr/bin/python3
"""Pixels of bench/wasm-jpeg/compare.ts's two decoders against OpenSlide's read_region on the same tiles."""
import json
import sys

import numpy as np
import openslide

OUT = "bench/results/wasm-jpeg"
spec = json.load(open(f"{OUT}/positions.json"))
size = spec["size"]
slide = openslide.OpenSlide(spec["slide"])
ref = np.stack([np.asarray(slide.read_region((x, y), 0, (size, size)))[..., :3] for x, y in spec["positions"]]).astype(int)
n = len(spec["positions"])
for name in ("imagedecoder", "wasm"):
    px = np.fromfile(f"{OUT}/{name}.rgba", np.uint8).reshape(n, size, size, 4)[..., :3].astype(int)
    d = px - ref
    exact = sum(bool((d[i] == 0).all()) for i in range(n))
    print(f"{name:13} vs OpenSlide: max |d| {np.abs(d).max()}, mean |d| {np.abs(d).mean():.3f}, mean d {d.mean():.4f}, {exact}/{n} tiles exact")
sys.exit(0)
