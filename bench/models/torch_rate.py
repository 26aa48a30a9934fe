"""PyTorch's own CPU rate for ResNet-18 (the model bench/models/export_resnet18.py exports, same seed).

usage: torch_rate.py SPEC.json   (prints one JSON object on stdout)

SPEC: {"input": path of float32 NCHW images (16 x 3 x 224 x 224), "logits": path to write the batch-16
logits to (float32), "batches": [1, 16], "warmup": 2, "max_runs": 10, "cap_s": 15}

torch.set_num_threads(os.cpu_count()), torch.no_grad(), eval mode. Each batch: `warmup` untimed runs,
then timed runs until `max_runs` or until the timed runs took `cap_s` (or would with one more).
"""
import json
import os
import resource
import sys
import time

import numpy as np
import torch
import torchvision


def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main() -> None:
    spec = json.load(open(sys.argv[1]))
    torch.set_num_threads(os.cpu_count())
    torch.manual_seed(0)
    model = torchvision.models.resnet18(weights=None).eval()
    x_all = torch.from_numpy(np.fromfile(spec["input"], dtype=np.float32).reshape(-1, 3, 224, 224).copy())
    result = {
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "threads": torch.get_num_threads(),
        "mkldnn": torch.backends.mkldnn.is_available(),
        "batches": [],
    }
    with torch.no_grad():
        for batch in spec["batches"]:
            x = x_all[:batch].contiguous()
            warmup_ms = []
            for _ in range(spec["warmup"]):
                t0 = time.perf_counter()
                model(x)
                warmup_ms.append((time.perf_counter() - t0) * 1000)
            runs_ms = []
            total = 0.0
            c0 = cpu_s()
            while len(runs_ms) < spec["max_runs"]:
                t0 = time.perf_counter()
                y = model(x)
                ms = (time.perf_counter() - t0) * 1000
                runs_ms.append(ms)
                total += ms
                if total + total / len(runs_ms) > spec["cap_s"] * 1000:
                    break
            result["batches"].append({
                "batch": batch,
                "warmupMs": warmup_ms,
                "runsMs": runs_ms,
                "imagesPerSecond": batch * len(runs_ms) * 1000 / total,
                "cpuMsPerImage": (cpu_s() - c0) * 1000 / (batch * len(runs_ms)),
            })
            if batch == x_all.shape[0] and spec.get("logits"):
                y.numpy().astype(np.float32).tofile(spec["logits"])
    print(json.dumps(result))


if __name__ == "__main__":
    main()
