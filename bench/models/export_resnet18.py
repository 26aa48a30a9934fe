"""Exports torchvision's ResNet-18 (random weights, eval mode) to ONNX for the model benchmark.

usage: export_resnet18.py OUT.onnx

Full size (11.7 M parameters, ~45 MB), opset 17, dynamic batch ("batch"), input "input" (N, 3, 224, 224),
output "logits" (N, 1000). The weights are torchvision's random initialisation under a fixed seed: fine for
speed, meaningless as a classifier. torch.onnx.export folds BatchNormalization into the convolutions.
"""
import sys

import torch
import torchvision


def main() -> None:
    out = sys.argv[1]
    torch.manual_seed(0)
    model = torchvision.models.resnet18(weights=None).eval()
    x = torch.randn(1, 3, 224, 224)
    with torch.no_grad():
        torch.onnx.export(
            model, x, out,
            opset_version=17,
            input_names=["input"], output_names=["logits"],
            dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
            do_constant_folding=True,
        )
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}: wrote {out}")


if __name__ == "__main__":
    main()
