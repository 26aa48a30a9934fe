#!/usr/bin/python3
"""OpenSlide's side of `npm run bench`: reads the same 256 px level-0 tiles as Tessera, one thread.

Usage: /usr/bin/python3 bench/openslide_tile_reads.py POSITIONS.json
POSITIONS.json: {"slide": PATH, "size": 256, "warmup": [[x, y], ...], "measure": [[x, y], ...], "check": K}
Each read is read_region((x, y), 0, (256, 256)) converted to a numpy array (decoded RGBA pixels).
Prints one JSON object on stdout. Exit 3 when python3-openslide or numpy is missing (Debian: apt-get install
-y python3-openslide python3-numpy; they live under /usr/bin/python3, not necessarily the first python3).
"""
import json
import sys
import time

try:
    import numpy as np
    import openslide
except ImportError as e:  # reported by bench/run.ts as a skip
    print(f"openslide_tile_reads: {e} (Debian: apt-get install -y python3-openslide python3-numpy)", file=sys.stderr)
    sys.exit(3)


def main() -> None:
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    size = int(spec.get("size", 256))
    slide = openslide.OpenSlide(spec["slide"])

    def read(x: int, y: int) -> "np.ndarray":
        a = np.asarray(slide.read_region((x, y), 0, (size, size)))
        if a.shape != (size, size, 4):
            raise RuntimeError(f"read_region({x}, {y}) gave shape {a.shape}")
        return a

    for x, y in spec["warmup"]:
        read(x, y)

    measure = spec["measure"]
    latencies = []
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    for x, y in measure:
        t = time.perf_counter()
        read(x, y)
        latencies.append((time.perf_counter() - t) * 1000)
    total_ms = (time.perf_counter() - t0) * 1000
    cpu_ms = (time.process_time() - cpu0) * 1000

    # Mean RGB of a few tiles, outside the timing: bench/run.ts compares them with Tessera's pixels.
    check = []
    for x, y in measure[: int(spec.get("check", 0))]:
        check.append([float(v) for v in read(x, y)[:, :, :3].reshape(-1, 3).mean(axis=0)])

    print(json.dumps({
        "openslideVersion": getattr(openslide, "__library_version__", None),
        "openslidePythonVersion": getattr(openslide, "__version__", None),
        "vendor": slide.properties.get("openslide.vendor"),
        "dimensions": list(slide.dimensions),
        "tiles": len(measure),
        "totalMs": total_ms,
        "cpuMs": cpu_ms,
        "latenciesMs": latencies,
        "checkMeans": check,
    }))
    slide.close()


if __name__ == "__main__":
    main()
