#!/usr/bin/env python3
"""Export small PyTorch models to ONNX as parity fixtures for Tessera's ONNX importer.

Each model is a narrow version of an architecture the seeds (and their usual relatives) use: same operator
kinds, far fewer channels and blocks, tiny inputs. Weights are random (fixed seeds); BatchNorm running
statistics are made non-trivial (calibrated on random data, then perturbed). These are parity fixtures: they
check that Tessera computes what ONNX Runtime computes. They are not meaningful models.

Writes
  test/fixtures/onnx/<name>/model.onnx
  test/fixtures/onnx/broken/{unsupported-op,truncated}.onnx
  training/parity/build/spec.json                       (read by make_ort_outputs.mjs; not committed)
  training/parity/build/<name>/input.bin, torch/<output>.bin  (PyTorch's outputs for the same input)

Then run `node training/parity/make_ort_outputs.mjs`, which builds the same input, runs ONNX Runtime,
checks it against PyTorch (max abs diff <= 1e-4) and writes input.bin, outputs/*.bin and meta.json.

Run with Debian's Python: /usr/bin/python3 training/parity/export_parity_models.py
"""

import io
import json
import math
import os
import sys
import warnings

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from torchvision.models.densenet import DenseNet
from torchvision.models.resnet import BasicBlock, conv1x1
from torchvision.models.vgg import VGG, make_layers
from torchvision.models.vision_transformer import VisionTransformer

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
FIXTURES = os.path.join(ROOT, "test", "fixtures", "onnx")
BUILD = os.path.join(HERE, "build")

BATCH = 2  # batch size of the parity input; the ONNX graphs have a dynamic batch axis

torch.set_num_threads(max(1, os.cpu_count() or 1))
warnings.filterwarnings("ignore")


# --------------------------------------------------------------------------------------------------------
# Deterministic input, bit-identical to make_ort_outputs.mjs (mulberry32, then rounded to float32).
# --------------------------------------------------------------------------------------------------------

M32 = 0xFFFFFFFF


def _imul(a, b):
    return (a * b) & M32


def mulberry32(seed):
    a = seed & M32
    while True:
        a = (a + 0x6D2B79F5) & M32
        t = _imul(a ^ (a >> 15), 1 | a)
        t = ((t + _imul(t ^ (t >> 7), 61 | t)) & M32) ^ t
        yield ((t ^ (t >> 14)) & M32) / 4294967296.0


def parity_input(shape, seed, value_range):
    """value_range 'unit': [0, 1) like ToTensor; 'normalised': (u - 0.5) * 4 in [-2, 2) like Normalize."""
    n = int(np.prod(shape))
    gen = mulberry32(seed)
    u = np.fromiter((next(gen) for _ in range(n)), dtype=np.float64, count=n)
    if value_range == "unit":
        v = u
    elif value_range == "normalised":
        v = (u - 0.5) * 4.0
    else:
        raise ValueError(value_range)
    return v.astype(np.float32).reshape(shape)


# --------------------------------------------------------------------------------------------------------
# The models. Each has `output_names`, `parity_heads` (the module producing each output's pre-activation values,
# rescaled after initialisation so outputs are O(1): parity after softmax/sigmoid is then a real test).
# --------------------------------------------------------------------------------------------------------


class GlomeruliCNN(nn.Module):
    """The first seed's glomeruli classifier, narrow: CMYK (4-channel) input, conv/BN/act/maxpool blocks,
    a squeeze-and-excitation gate (squeezed, Linear, unsqueezed), view-flatten, Linear layers, one logit
    (Tessera applies the sigmoid).
    Variety: reflect padding, grouped conv, dilated conv, LeakyReLU, PReLU, ReLU6 (Clip), ceil-mode pool."""

    output_names = ["logit"]

    def __init__(self):
        super().__init__()
        self.block1 = nn.Sequential(  # 64 -> 32
            nn.Conv2d(4, 8, 3, padding=1, padding_mode="reflect"), nn.BatchNorm2d(8), nn.ReLU(inplace=True),
            nn.MaxPool2d(2))
        self.block2 = nn.Sequential(  # 32 -> 16, grouped
            nn.Conv2d(8, 16, 3, padding=1, groups=2), nn.BatchNorm2d(16), nn.LeakyReLU(0.1, inplace=True),
            nn.MaxPool2d(2))
        self.block3 = nn.Sequential(  # 16 -> 8, dilated; overlapping padded pool
            nn.Conv2d(16, 16, 3, padding=2, dilation=2), nn.BatchNorm2d(16), nn.PReLU(16),
            nn.MaxPool2d(3, stride=2, padding=1))
        self.block4 = nn.Sequential(  # 8 -> 7 -> 4 (ceil mode), conv without bias before BN
            nn.Conv2d(16, 24, 2, bias=False), nn.BatchNorm2d(24), nn.ReLU6(inplace=True),
            nn.MaxPool2d(2, ceil_mode=True))
        self.se_reduce = nn.Linear(24, 6)
        self.se_expand = nn.Linear(6, 24)
        self.classifier = nn.Sequential(
            nn.Linear(24 * 4 * 4, 32), nn.ReLU(inplace=True), nn.Dropout(0.5), nn.Linear(32, 1))
        self.parity_heads = [self.classifier[-1]]

    def forward(self, x):
        x = self.block4(self.block3(self.block2(self.block1(x))))
        s = F.adaptive_avg_pool2d(x, 1).squeeze(3).squeeze(2)             # GlobalAveragePool, Squeeze
        s = torch.sigmoid(self.se_expand(F.relu(self.se_reduce(s))))   # Gemm inside the gate
        x = x * s.unsqueeze(2).unsqueeze(3)
        x = x.view(x.size(0), -1)
        return self.classifier(x)


class NarrowResNet18(nn.Module):
    """torchvision's ResNet-18 layout (BasicBlock, [2, 2, 2, 2], 7x7 stem, maxpool, 1x1 downsample,
    adaptive avg pool, flatten, fc) at widths 8/16/24/32 instead of 64/128/256/512 (kept small because it is
    committed at three opsets)."""

    output_names = ["logits"]

    def __init__(self, widths=(8, 16, 24, 32), layers=(2, 2, 2, 2), num_classes=4):
        super().__init__()
        self.inplanes = widths[0]
        self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(widths[0], layers[0])
        self.layer2 = self._make_layer(widths[1], layers[1], stride=2)
        self.layer3 = self._make_layer(widths[2], layers[2], stride=2)
        self.layer4 = self._make_layer(widths[3], layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(widths[3] * BasicBlock.expansion, num_classes)
        self.parity_heads = [self.fc]

    def _make_layer(self, planes, blocks, stride=1):
        downsample = None
        if stride != 1 or self.inplanes != planes:
            downsample = nn.Sequential(conv1x1(self.inplanes, planes, stride), nn.BatchNorm2d(planes))
        layers = [BasicBlock(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes
        layers += [BasicBlock(self.inplanes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = torch.flatten(self.avgpool(x), 1)
        return self.fc(x)


def narrow_vgg11(num_classes=3):
    """torchvision's VGG class with cfg 'A' (VGG-11) at 1/16 width, no BN. At 64 px the features end 2x2;
    avgpool keeps them 2x2 (exported as a 1x1 AveragePool, as the real model's 7x7 -> 7x7 at 224 px), then
    the VGG classifier shape: Linear-ReLU-Dropout-Linear-ReLU-Dropout-Linear on the flattened features."""
    cfg_a = [4, "M", 8, "M", 16, 16, "M", 32, 32, "M", 32, 32, "M"]
    m = VGG(make_layers(cfg_a, batch_norm=False), num_classes=num_classes, init_weights=False)
    m.avgpool = nn.AdaptiveAvgPool2d((2, 2))
    m.classifier = nn.Sequential(
        nn.Linear(32 * 2 * 2, 64), nn.ReLU(True), nn.Dropout(0.5),
        nn.Linear(64, 64), nn.ReLU(True), nn.Dropout(0.5),
        nn.Linear(64, num_classes))
    m.output_names = ["logits"]
    m.parity_heads = [m.classifier[-1]]
    return m


def narrow_densenet121(num_classes=3):
    """torchvision's DenseNet with DenseNet-121's block config (6, 12, 24, 16) and growth rate 4 instead
    of 32: BN-ReLU-Conv1x1-BN-ReLU-Conv3x3 dense layers, concatenation, transitions with 2x2 avg pool."""
    m = DenseNet(growth_rate=4, block_config=(6, 12, 24, 16), num_init_features=8, bn_size=2, drop_rate=0,
                 num_classes=num_classes)
    m.output_names = ["logits"]
    m.parity_heads = [m.classifier]
    return m


class NarrowAlexNet(nn.Module):
    """torchvision's AlexNet layout (11x11/4 stem, 5x5, three 3x3, overlapping maxpools, adaptive avg pool,
    flatten, Dropout-Linear-ReLU-Dropout-Linear-ReLU-Linear) at 1/8 width. At 96 px the features end 2x2
    and the adaptive pool takes them to 1x1. Ends in LogSoftmax, as models trained with NLLLoss often do
    (softmax of log-softmax is softmax of the logits, so Tessera's 'softmax' activation still applies)."""

    output_names = ["log_probs"]

    def __init__(self, num_classes=5):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, kernel_size=11, stride=4, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(8, 24, kernel_size=5, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(24, 48, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(48, 32, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(32, 32, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.classifier = nn.Sequential(
            nn.Dropout(0.5), nn.Linear(32, 64), nn.ReLU(inplace=True),
            nn.Dropout(0.5), nn.Linear(64, 64), nn.ReLU(inplace=True),
            nn.Linear(64, num_classes))
        self.parity_heads = [self.classifier[-1]]

    def forward(self, x):
        x = torch.flatten(self.avgpool(self.features(x)), 1)
        return F.log_softmax(self.classifier(x), dim=1)


def small_vit(num_classes=3):
    """torchvision's VisionTransformer itself, small: patch-embedding conv, class token concatenated
    (expanded to the dynamic batch), positional embedding added, LayerNorm, MultiheadAttention, GELU (Erf)."""
    m = VisionTransformer(image_size=32, patch_size=8, num_layers=2, num_heads=2, hidden_dim=16, mlp_dim=32,
                          num_classes=num_classes)
    m.output_names = ["logits"]
    m.parity_heads = [m.heads.head]  # torchvision names its classifier `heads`
    return m


def conv_bn_relu(cin, cout, **kw):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, bias=False, **kw), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class SmallUNet(nn.Module):
    """U-Net, two levels: encoder (replicate padding, grouped conv, dilated conv, maxpool and a
    count_include_pad=False avg pool), decoder with a ConvTranspose2d and a bilinear Upsample, skip
    concatenations, a deep-supervision branch upsampled with nearest interpolation, an explicit
    zero Pad before a valid conv, per-pixel class logits (3 classes)."""

    output_names = ["logits"]

    def __init__(self, num_classes=3):
        super().__init__()
        self.enc1 = nn.Sequential(conv_bn_relu(3, 8, padding=1, padding_mode="replicate"),
                                  conv_bn_relu(8, 8, padding=1))
        self.pool1 = nn.MaxPool2d(2)
        self.enc2 = nn.Sequential(conv_bn_relu(8, 16, padding=1, groups=2),
                                  conv_bn_relu(16, 16, padding=2, dilation=2))
        self.pool2 = nn.AvgPool2d(2)
        self.bott_a = conv_bn_relu(16, 32, padding=1)
        self.bott_smooth = nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
        self.bott_b = nn.Sequential(nn.Conv2d(32, 32, 3, bias=False), nn.BatchNorm2d(32), nn.ReLU(inplace=True))
        self.up2 = nn.ConvTranspose2d(32, 16, kernel_size=2, stride=2)
        self.dec2 = conv_bn_relu(32, 16, padding=1)
        self.up1 = nn.Sequential(nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
                                 nn.Conv2d(16, 8, 1))
        self.dec1 = conv_bn_relu(16, 8, padding=1)
        self.head = nn.Conv2d(8, num_classes, 1)
        self.aux = nn.Conv2d(32, num_classes, 1)
        self.parity_heads = [self.head]

    def forward(self, x):
        s1 = self.enc1(x)                                  # 8 x 64
        s2 = self.enc2(self.pool1(s1))                     # 16 x 32
        b = self.bott_a(self.pool2(s2))                    # 32 x 16
        b = self.bott_smooth(b)
        b = self.bott_b(F.pad(b, (1, 1, 1, 1)))            # explicit constant Pad, then a valid 3x3 conv
        d2 = self.dec2(torch.cat([self.up2(b), s2], dim=1))  # 16 x 32
        d1 = self.dec1(torch.cat([self.up1(d2), s1], dim=1))  # 8 x 64
        aux = F.interpolate(self.aux(b), scale_factor=4, mode="nearest")
        return self.head(d1) + 0.5 * aux


class HoverNetLike(nn.Module):
    """HoVer-Net's shape: one shared residual encoder, three decoder branches with their own heads, three
    ONNX outputs: nucleus pixel logits (NP, 2 classes), horizontal/vertical distance maps (HV, 2 channels,
    Tanh-bounded, no activation afterwards), nucleus type logits (TP, 3 classes).
    Variety: each branch upsamples differently (nearest; ConvTranspose2d k3 s2 p1 output_padding 1;
    bilinear with align_corners=True), the bottleneck uses a hand-written per-channel normalisation
    (ReduceMean, Sub, Pow, Add, Sqrt, Div), a hand-written swish (Neg, Exp, Add, Div, Mul), a channel
    split (Split), a channel sum (ReduceSum), a clamp (Clip), Tanh and Sigmoid."""

    output_names = ["np_logits", "hv_maps", "tp_logits"]

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 7, padding=3, bias=False), nn.BatchNorm2d(8), nn.ReLU(True))
        self.down1 = self._res(8, 16)   # 64 -> 32
        self.down2 = self._res(16, 32)  # 32 -> 16
        self.short1 = nn.Sequential(nn.Conv2d(8, 16, 1, stride=2, bias=False), nn.BatchNorm2d(16))
        self.short2 = nn.Sequential(nn.Conv2d(16, 32, 1, stride=2, bias=False), nn.BatchNorm2d(32))
        self.gate = nn.Conv2d(1, 16, 1)
        self.branches = nn.ModuleDict()
        for name, cout, up in (("np", 2, "nearest"), ("hv", 2, "deconv"), ("tp", 3, "bilinear")):
            self.branches[name] = nn.ModuleDict({
                "up2": nn.ConvTranspose2d(32, 32, 3, stride=2, padding=1, output_padding=1)
                if up == "deconv" else nn.Identity(),
                "dec2": conv_bn_relu(32 + 16, 16, padding=1),
                "up1": nn.ConvTranspose2d(16, 16, 3, stride=2, padding=1, output_padding=1)
                if up == "deconv" else nn.Identity(),
                "dec1": conv_bn_relu(16 + 8, 8, padding=1),
                "head": nn.Conv2d(8, cout, 1),
            })
        self.ups = {"np": "nearest", "hv": "deconv", "tp": "bilinear"}
        self.parity_heads = [self.branches[n]["head"] for n in ("np", "hv", "tp")]
        self.parity_head_rms = [1.5, 0.8, 1.5]  # HV goes through Tanh: keep it mostly off saturation

    @staticmethod
    def _res(cin, cout):
        return nn.Sequential(nn.Conv2d(cin, cout, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(cout),
                             nn.ReLU(True), nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout))

    @staticmethod
    def _upsample(x, mode, size, deconv):
        if mode == "nearest":
            return F.interpolate(x, scale_factor=2, mode="nearest")
        if mode == "bilinear":
            return F.interpolate(x, size=size, mode="bilinear", align_corners=True)
        return deconv(x)

    def forward(self, x):
        s0 = self.stem(x)                                              # 8 x 64
        s1 = F.relu(self.down1(s0) + self.short1(s0))                  # 16 x 32
        s2 = self.down2(s1) + self.short2(s1)                          # 32 x 16
        mu = s2.mean(dim=(2, 3), keepdim=True)                         # per-channel normalisation
        var = (s2 - mu).pow(2).mean(dim=(2, 3), keepdim=True)
        s2 = (s2 - mu) / torch.sqrt(var + 1e-5)
        s2 = s2 * (1.0 / (1.0 + torch.exp(-s2)))                        # swish
        a, b = torch.split(s2, [16, 16], dim=1)                             # channel split and re-gate
        g = torch.sigmoid(self.gate(a.sum(dim=1, keepdim=True)))
        s2 = torch.cat([a, b * g], dim=1).clamp(-4.0, 4.0)
        outs = []
        for name in ("np", "hv", "tp"):
            br, mode = self.branches[name], self.ups[name]
            d = self._upsample(s2, mode, s1.shape[-2:], br["up2"])
            d = br["dec2"](torch.cat([d, s1], dim=1))
            d = self._upsample(d, mode, s0.shape[-2:], br["up1"])
            d = br["dec1"](torch.cat([d, s0], dim=1))
            y = br["head"](d)
            outs.append(torch.tanh(y) if name == "hv" else y)
        return tuple(outs)


class HandmadeOpset18(nn.Module):
    """Not a PyTorch export: PyTorch 1.13 writes opsets up to 17 and never writes auto_pad, so this small
    graph is written by hand with onnx.helper at opset 18, and this module computes the same thing in torch
    (explicit asymmetric padding) as its reference. Covers Conv auto_pad SAME_UPPER (stride 2) and
    SAME_LOWER, MaxPool auto_pad SAME_UPPER, and the opset-18 forms of ReduceMean (axes as an input),
    Split (num_outputs), Pad (axes input, reflect) and Resize (linear, half_pixel, scales)."""

    output_names = ["logits"]

    def __init__(self, num_classes=3):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, stride=2)
        self.conv2 = nn.Conv2d(8, 8, 2)
        self.head = nn.Conv2d(4, num_classes, 1)
        self.parity_heads = [self.head]

    def forward(self, x):                                          # x: N x 3 x 16 x 16
        x = F.relu(self.conv1(F.pad(x, (0, 1, 0, 1))))            # SAME_UPPER, stride 2: pad end by 1 -> 8
        x = self.conv2(F.pad(x, (1, 0, 1, 0)))                     # SAME_LOWER, k 2: pad begin by 1 -> 8
        x = F.max_pool2d(F.pad(x, (0, 1, 0, 1), value=float("-inf")), 3, stride=2)  # SAME_UPPER -> 4
        x = x - x.mean(dim=(2, 3), keepdim=True)
        a, b = torch.split(x, [4, 4], dim=1)
        x = a * torch.sigmoid(b)
        x = F.pad(x, (1, 1, 1, 1), mode="reflect")                 # -> 6
        x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)  # -> 12
        return self.head(x)

    def to_onnx(self):
        init = [numpy_helper.from_array(t.detach().numpy().astype(np.float32), n) for n, t in (
            ("conv1.weight", self.conv1.weight), ("conv1.bias", self.conv1.bias),
            ("conv2.weight", self.conv2.weight), ("conv2.bias", self.conv2.bias),
            ("head.weight", self.head.weight), ("head.bias", self.head.bias))]
        init += [numpy_helper.from_array(np.array(v, dtype=dt), n) for n, v, dt in (
            ("axes_hw", [2, 3], np.int64), ("pads_hw", [1, 1, 1, 1], np.int64),
            ("resize_scales", [1.0, 1.0, 2.0, 2.0], np.float32))]
        N = helper.make_node
        nodes = [
            N("Conv", ["input", "conv1.weight", "conv1.bias"], ["c1"], name="/conv1/Conv",
              kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER"),
            N("Relu", ["c1"], ["r1"], name="/relu1/Relu"),
            N("Conv", ["r1", "conv2.weight", "conv2.bias"], ["c2"], name="/conv2/Conv",
              kernel_shape=[2, 2], auto_pad="SAME_LOWER"),
            N("MaxPool", ["c2"], ["p"], name="/pool/MaxPool", kernel_shape=[3, 3], strides=[2, 2],
              auto_pad="SAME_UPPER"),
            N("ReduceMean", ["p", "axes_hw"], ["mu"], name="/centre/ReduceMean", keepdims=1),
            N("Sub", ["p", "mu"], ["z"], name="/centre/Sub"),
            N("Split", ["z"], ["a", "b"], name="/gate/Split", axis=1, num_outputs=2),
            N("Sigmoid", ["b"], ["sb"], name="/gate/Sigmoid"),
            N("Mul", ["a", "sb"], ["g"], name="/gate/Mul"),
            N("Pad", ["g", "pads_hw", "", "axes_hw"], ["pd"], name="/pad/Pad", mode="reflect"),
            N("Resize", ["pd", "", "resize_scales"], ["up"], name="/up/Resize", mode="linear",
              coordinate_transformation_mode="half_pixel"),
            N("Conv", ["up", "head.weight", "head.bias"], ["logits"], name="/head/Conv", kernel_shape=[1, 1]),
        ]
        graph = helper.make_graph(
            nodes, "handmade_opset18",
            [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 3, 16, 16])],
            [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 3, 12, 12])],
            initializer=init)
        # onnx 1.12 (Debian's) knows opsets up to 17, so its checker cannot check this model; ONNX Runtime
        # loads and runs it in make_ort_outputs.mjs, which is the check.
        return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)],
                                 producer_name="tessera-parity (onnx.helper)", ir_version=8)


# --------------------------------------------------------------------------------------------------------
# Initialisation: random weights, non-trivial BatchNorm statistics, O(1) outputs.
# --------------------------------------------------------------------------------------------------------


def randomise(model, input_shape, value_range, seed):
    g = torch.Generator().manual_seed(seed)

    def rand(*shape):
        return torch.rand(*shape, generator=g)

    def randn(*shape):
        return torch.randn(*shape, generator=g)

    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
                fan_in = m.weight[0].numel() if not isinstance(m, nn.ConvTranspose2d) else \
                    m.weight.shape[0] * m.weight[0, 0].numel() / max(1, m.stride[0] * m.stride[1])
                m.weight.copy_(randn(*m.weight.shape) * math.sqrt(2.0 / fan_in))
                if m.bias is not None:
                    m.bias.copy_(randn(*m.bias.shape) * 0.1)
            elif isinstance(m, nn.BatchNorm2d):
                m.weight.copy_(0.6 + 0.8 * rand(m.num_features))
                m.bias.copy_(0.2 * randn(m.num_features))
            elif isinstance(m, nn.PReLU):
                m.weight.copy_(0.05 + 0.35 * rand(*m.weight.shape))
            elif isinstance(m, nn.LayerNorm):
                m.weight.copy_(0.6 + 0.8 * rand(*m.weight.shape))
                m.bias.copy_(0.2 * randn(*m.bias.shape))
        for name, p in model.named_parameters():  # ViT's class token and positional embedding
            if name in ("class_token", "encoder.pos_embedding"):
                p.copy_(0.5 * randn(*p.shape))

        def calib_batch():
            u = rand(8, *input_shape)
            return u if value_range == "unit" else (u - 0.5) * 4.0

        # BatchNorm statistics: measured on random inputs (cumulative average), then perturbed, so that
        # running mean/var are neither 0/1 nor exactly the batch statistics.
        bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
        if bns:
            for m in bns:
                m.reset_running_stats()
                m.momentum = None
            model.train()
            for _ in range(4):
                model(calib_batch())
            for m in bns:
                m.momentum = 0.1
                std = m.running_var.sqrt()
                m.running_mean.add_(0.2 * randn(m.num_features) * std)
                m.running_var.mul_(0.6 + 0.9 * rand(m.num_features))
        model.eval()

        # Rescale each output's last layer so that its values have an RMS of ~1.5 (logits) on random input.
        x = calib_batch()
        targets = getattr(model, "parity_head_rms", [1.5] * len(model.parity_heads))
        for head, target in zip(model.parity_heads, targets):
            captured = {}
            h = head.register_forward_hook(lambda mod, inp, out: captured.__setitem__("y", out))
            model(x)
            h.remove()
            rms = captured["y"].pow(2).mean().sqrt().item()
            scale = target / max(rms, 1e-6)
            head.weight.mul_(scale)
            if head.bias is not None:
                head.bias.mul_(scale)
    return model


# --------------------------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------------------------

# name, builder, input (C, H, W), value range, opsets, activations per output, seed
MODELS = [
    ("glomeruli-cnn", GlomeruliCNN, (4, 64, 64), "unit", [17], ["sigmoid"], 101),
    ("resnet18", NarrowResNet18, (3, 64, 64), "normalised", [17, 13, 11], ["softmax"], 102),
    ("vgg11", narrow_vgg11, (3, 64, 64), "normalised", [17], ["softmax"], 103),
    ("densenet121", narrow_densenet121, (3, 64, 64), "normalised", [17], ["softmax"], 104),
    ("alexnet", NarrowAlexNet, (3, 96, 96), "normalised", [17], ["softmax"], 105),
    ("vit", small_vit, (3, 32, 32), "normalised", [17, 13], ["softmax"], 106),
    ("unet", SmallUNet, (3, 64, 64), "normalised", [17, 11], ["softmax"], 107),
    ("hovernet", HoverNetLike, (3, 64, 64), "normalised", [17], ["softmax", "none", "softmax"], 108),
    ("handmade", HandmadeOpset18, (3, 16, 16), "normalised", [18], ["softmax"], 109),
]

DEFAULT_OPSET = 17


def fixture_name(name, opset):
    if name == "handmade":
        return f"handmade-opset{opset}"
    return name if opset == DEFAULT_OPSET else f"{name}-opset{opset}"


def op_types(model_proto):
    ops = set()

    def walk(graph):
        for n in graph.node:
            ops.add(n.op_type if n.domain in ("", "ai.onnx") else f"{n.domain}:{n.op_type}")
            for a in n.attribute:
                if a.type == onnx.AttributeProto.GRAPH:
                    walk(a.g)
    walk(model_proto.graph)
    return sorted(ops)


def node_attrs_summary(model_proto):
    """Notable attribute variety, for the README."""
    notes = set()
    for n in model_proto.graph.node:
        a = {x.name: helper.get_attribute_value(x) for x in n.attribute}
        if n.op_type == "Conv":
            if a.get("group", 1) > 1:
                notes.add("Conv group>1")
            if any(d > 1 for d in a.get("dilations", [1])):
                notes.add("Conv dilations>1")
            pads = a.get("pads", [0])
            if len(set(pads)) > 1:
                notes.add("Conv asymmetric pads")
            if "auto_pad" in a and a["auto_pad"] not in (b"NOTSET", "NOTSET"):
                notes.add(f"Conv auto_pad={a['auto_pad'].decode() if isinstance(a['auto_pad'], bytes) else a['auto_pad']}")
        if n.op_type == "ConvTranspose":
            if any(p > 0 for p in a.get("output_padding", [0])):
                notes.add("ConvTranspose output_padding")
            else:
                notes.add("ConvTranspose")
        if n.op_type == "MaxPool" and a.get("ceil_mode", 0):
            notes.add("MaxPool ceil_mode")
        if n.op_type == "AveragePool":
            if a.get("count_include_pad", 0) == 0 and any(p > 0 for p in a.get("pads", [0])):
                notes.add("AveragePool pads, count_include_pad=0")
            if all(k == 1 for k in a.get("kernel_shape", [])):
                notes.add("AveragePool 1x1")
        if n.op_type == "Pad":
            mode = a.get("mode", b"constant")
            notes.add(f"Pad {mode.decode() if isinstance(mode, bytes) else mode}")
        if n.op_type in ("Resize", "Upsample"):
            mode = a.get("mode", b"nearest")
            ctm = a.get("coordinate_transformation_mode", b"half_pixel")
            mode = mode.decode() if isinstance(mode, bytes) else mode
            ctm = ctm.decode() if isinstance(ctm, bytes) else ctm
            notes.add(f"{n.op_type} {mode}/{ctm}")
    return sorted(notes)


def export(model, name, input_shape, opset, path):
    if hasattr(model, "to_onnx"):
        proto = model.to_onnx()
        assert proto.opset_import[0].version == opset
        proto.doc_string = "Tessera parity fixture written by hand with RANDOM weights. Not a meaningful model."
        os.makedirs(os.path.dirname(path), exist_ok=True)
        onnx.save(proto, path)
        return proto
    dummy = torch.zeros(BATCH, *input_shape)
    out_names = list(model.output_names)
    dyn = {"input": {0: "batch"}}
    for o in out_names:
        dyn[o] = {0: "batch"}
    buf = io.BytesIO()
    torch.onnx.export(model, dummy, buf, opset_version=opset, input_names=["input"], output_names=out_names,
                      dynamic_axes=dyn, do_constant_folding=True)
    proto = onnx.load_from_string(buf.getvalue())
    if name == "vgg11":
        proto = insert_inference_dropout(proto)
    onnx.checker.check_model(proto, full_check=True)
    proto.doc_string = ("Tessera parity fixture: a narrow %s with RANDOM weights, exported by "
                        "training/parity/export_parity_models.py. Not a meaningful model." % name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    onnx.save(proto, path)
    return proto


def insert_inference_dropout(proto):
    """PyTorch leaves Dropout out of eval-mode exports; other exporters (and older PyTorch) keep it as an
    inference-mode no-op. Put one in front of VGG's last Gemm so the importer's Dropout is exercised."""
    g = proto.graph
    gemms = [i for i, n in enumerate(g.node) if n.op_type == "Gemm"]
    i = gemms[-1]
    last = g.node[i]
    src = last.input[0]
    ratio = numpy_helper.from_array(np.array(0.5, dtype=np.float32), "tessera_dropout_ratio")
    g.initializer.append(ratio)
    drop = helper.make_node("Dropout", [src, "tessera_dropout_ratio"], ["tessera_dropout_out"],
                            name="/classifier/classifier.5/Dropout")
    last.input[0] = "tessera_dropout_out"
    g.node.insert(i, drop)
    return proto


def write_f32(path, arr):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    np.ascontiguousarray(arr, dtype="<f4").tofile(path)


# --------------------------------------------------------------------------------------------------------
# Refusal fixtures
# --------------------------------------------------------------------------------------------------------


def make_broken(glomeruli_path):
    out = os.path.join(FIXTURES, "broken")
    os.makedirs(out, exist_ok=True)

    # A tiny valid graph: Conv -> GridSample -> Relu. GridSample (opset 16) is not in Tessera's operator list.
    rng = np.random.default_rng(7)
    w = numpy_helper.from_array(rng.normal(0, 0.3, (2, 3, 3, 3)).astype(np.float32), "conv.weight")
    b = numpy_helper.from_array(np.zeros(2, np.float32), "conv.bias")
    ys, xs = np.meshgrid(np.linspace(-1, 1, 4), np.linspace(-1, 1, 4), indexing="ij")
    grid = np.stack([xs * 0.9, ys * 0.8], axis=-1)[None].astype(np.float32)  # (1, 4, 4, 2)
    gr = numpy_helper.from_array(grid, "warp.grid")
    nodes = [
        helper.make_node("Conv", ["input", "conv.weight", "conv.bias"], ["c"], name="/conv/Conv",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("GridSample", ["c", "warp.grid"], ["s"], name="/warp/GridSample",
                         mode="bilinear", padding_mode="zeros", align_corners=0),
        helper.make_node("Relu", ["s"], ["output"], name="/act/Relu"),
    ]
    graph = helper.make_graph(
        nodes, "unsupported_op",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 2, 4, 4])],
        initializer=[w, b, gr])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 16)],
                          producer_name="tessera-parity", ir_version=8)
    m.doc_string = "Refusal fixture: a valid ONNX graph whose GridSample node Tessera does not support."
    onnx.checker.check_model(m, full_check=True)
    onnx.save(m, os.path.join(out, "unsupported-op.onnx"))

    data = open(glomeruli_path, "rb").read()
    with open(os.path.join(out, "truncated.onnx"), "wb") as f:
        f.write(data[: len(data) // 2])
    return {"unsupported-op.onnx": {"op": "GridSample", "node": "/warp/GridSample", "opset": 16},
            "truncated.onnx": {"from": "glomeruli-cnn/model.onnx", "bytes": len(data) // 2, "of": len(data)}}


# --------------------------------------------------------------------------------------------------------


def main():
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}, onnx {onnx.__version__}")
    spec = {"batch": BATCH, "torch": torch.__version__, "torchvision": torchvision.__version__,
            "onnx": onnx.__version__, "models": []}
    for name, build, in_shape, value_range, opsets, activations, seed in MODELS:
        torch.manual_seed(seed)
        model = randomise(build(), in_shape, value_range, seed)
        x = parity_input((BATCH, *in_shape), seed, value_range)
        with torch.no_grad():
            ys = model(torch.from_numpy(x))
        ys = ys if isinstance(ys, tuple) else (ys,)
        n_params = sum(p.numel() for p in model.parameters())
        for opset in opsets:
            fname = fixture_name(name, opset)
            path = os.path.join(FIXTURES, fname, "model.onnx")
            proto = export(model, name, in_shape, opset, path)
            bdir = os.path.join(BUILD, fname)
            write_f32(os.path.join(bdir, "input.bin"), x)
            outs = []
            for oname, y, act in zip(model.output_names, ys, activations):
                write_f32(os.path.join(bdir, "torch", oname + ".bin"), y.numpy())
                outs.append({"name": oname, "shape": list(y.shape), "activation": act,
                             **({"axis": 1} if act == "softmax" else {})})
            ops = op_types(proto)
            spec["models"].append({
                "name": fname, "architecture": name, "opset": opset, "seed": seed, "valueRange": value_range,
                "input": {"name": "input", "shape": [BATCH, *in_shape]}, "outputs": outs,
                "parameters": n_params, "onnxBytes": os.path.getsize(path),
                "opTypes": ops, "variety": node_attrs_summary(proto)})
            print(f"{fname:20s} opset {opset}  {os.path.getsize(path)/1024:7.1f} KiB  {n_params:7d} params  "
                  f"out {[list(y.shape) for y in ys]} rms {[round(y.pow(2).mean().sqrt().item(), 2) for y in ys]}")
            print(f"    {' '.join(ops)}")
    spec["broken"] = make_broken(os.path.join(FIXTURES, "glomeruli-cnn", "model.onnx"))
    os.makedirs(BUILD, exist_ok=True)
    with open(os.path.join(BUILD, "spec.json"), "w") as f:
        json.dump(spec, f, indent=1)
    print(f"wrote {len(spec['models'])} models and 2 refusal fixtures; spec in {os.path.relpath(BUILD, ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
