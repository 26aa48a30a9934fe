"""Runs a plain ONNX graph (Conv, Relu, Sigmoid, MaxPool, ConvTranspose, Concat, Resize-free U-Nets) with torch ops.

onnxruntime is not installed for /usr/bin/python3 and the onnx reference evaluator is slow on 500 px images, so
this small interpreter executes the node list directly from the file's initializers. It reads what the file
holds (BatchNorm already folded into Conv by the exporter), so it checks the shipped weights, not the training
code. Spatial sizes are taken from the input, so a whole image can go through a fully convolutional graph.
"""
import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper


def _attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _same_pads(pads):
    """ONNX pads [top, left, bottom, right]; torch convs take symmetric padding only."""
    if not pads:
        return 0
    t, l, b, r = pads
    if t != b or l != r:
        raise ValueError(f'asymmetric pads {pads} are not supported')
    return (t, l)


def run(model_path, x):
    """x: float32 array N x C x H x W; returns the first graph output as a numpy array."""
    model = onnx.load(model_path)
    env = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in model.graph.initializer}
    env[model.graph.input[0].name] = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
    with torch.no_grad():
        for node in model.graph.node:
            a = _attrs(node)
            ins = [env[n] if n else None for n in node.input]
            op = node.op_type
            if op == 'Conv':
                y = F.conv2d(ins[0], ins[1], ins[2] if len(ins) > 2 else None, stride=tuple(a.get('strides', [1, 1])),
                             padding=_same_pads(a.get('pads')), dilation=tuple(a.get('dilations', [1, 1])),
                             groups=a.get('group', 1))
            elif op == 'ConvTranspose':
                if any(a.get('pads', [0])) or a.get('output_padding'):
                    raise ValueError('ConvTranspose with pads is not supported')
                y = F.conv_transpose2d(ins[0], ins[1], ins[2] if len(ins) > 2 else None,
                                       stride=tuple(a.get('strides', [1, 1])), groups=a.get('group', 1))
            elif op == 'Relu':
                y = F.relu(ins[0])
            elif op == 'Sigmoid':
                y = torch.sigmoid(ins[0])
            elif op == 'MaxPool':
                if any(a.get('pads', [0])) or a.get('ceil_mode', 0):
                    raise ValueError('MaxPool with pads or ceil_mode is not supported')
                y = F.max_pool2d(ins[0], tuple(a['kernel_shape']), tuple(a.get('strides', a['kernel_shape'])))
            elif op == 'Concat':
                y = torch.cat(ins, dim=a['axis'])
            else:
                raise ValueError(f'op {op} is not supported by this small interpreter')
            env[node.output[0]] = y
        return env[model.graph.output[0].name].numpy()
