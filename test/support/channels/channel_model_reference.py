"""A tiny model fed named slide channels, and what PyTorch gives for it (the reference for Tessera's run).

Usage: channel_model_reference.py WORKDIR

WORKDIR/spec.json: {"slideChannels": names in the slide's order, "wanted": the manifest's input.slideChannels,
"scale", "mean", "std", "regions": [...]}: each region's raw planes in the slide's channel order, either
made up by the caller ({"file", "dtype", "shape": [C, H, W]}) or read here from an OME-TIFF with tifffile
({"tiff", "level", "x", "y", "width", "height"}: the pyramid level as tifffile reads it, (C, Y, X)).
Writes WORKDIR/model.onnx (x: N x C x H x W -> per-channel spatial mean -> a fixed linear mix to 2 logits)
and WORKDIR/reference.json: {"logits": one [2] list per region}, computed here by selecting the wanted
channels by name, scaling as the manifest says ((v / scale - mean) / std) and running the module in torch.
"""
import json
import os
import sys

import numpy as np
import tifffile
import torch


class ChannelMeans(torch.nn.Module):
    def __init__(self, channels):
        super().__init__()
        # Fixed, distinct weights so that the channels' order shows in the logits.
        w = torch.tensor([[1.0 + c, -0.5 * (c + 1)] for c in range(channels)], dtype=torch.float32).T
        self.mix = torch.nn.Linear(channels, 2)
        with torch.no_grad():
            self.mix.weight.copy_(w)
            self.mix.bias.copy_(torch.tensor([0.25, -0.125]))

    def forward(self, x):
        return self.mix(x.mean(dim=(2, 3)))


def main(work):
    spec = json.load(open(os.path.join(work, 'spec.json')))
    order = [spec['slideChannels'].index(name) for name in spec['wanted']]
    model = ChannelMeans(len(order)).eval()
    mean = np.array(spec['mean'], dtype=np.float64)[:, None, None]
    std = np.array(spec['std'], dtype=np.float64)[:, None, None]
    logits = []
    levels = {}
    shape = None
    for r in spec['regions']:
        if 'tiff' in r:
            key = (r['tiff'], r['level'])
            if key not in levels:
                with tifffile.TiffFile(r['tiff']) as tif:
                    levels[key] = tif.series[0].levels[r['level']].asarray()
            planes = levels[key][:, r['y']:r['y'] + r['height'], r['x']:r['x'] + r['width']]
        else:
            planes = np.fromfile(os.path.join(work, r['file']), dtype=r['dtype']).reshape(r['shape'])
        shape = planes.shape
        x = (planes[order].astype(np.float64) / spec['scale'] - mean) / std
        with torch.no_grad():
            logits.append(model(torch.from_numpy(x[None].astype(np.float32)))[0].tolist())
    c, h, w = shape
    torch.onnx.export(model, torch.zeros(1, len(order), h, w), os.path.join(work, 'model.onnx'),
                      input_names=['x'], output_names=['logits'], opset_version=13,
                      dynamic_axes={'x': {0: 'n'}, 'logits': {0: 'n'}})
    json.dump({'logits': logits}, open(os.path.join(work, 'reference.json'), 'w'))


if __name__ == '__main__':
    main(sys.argv[1])
