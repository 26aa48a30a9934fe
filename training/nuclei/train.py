"""Trains Tessera's shipped nuclei segmentation model on ../shared/fixtures/patches/gbm40-nuclei.

Data: 40 H&E glioblastoma tiles (512 x 512) with 4,976 hand-drawn nucleus outlines. Split by file name:
01-28 train, 29-32 validation (model selection), 33-40 held-out test. Targets have three classes so that
touching nuclei can be told apart: background, nucleus interior, nucleus boundary (the outermost two pixels
of each outline). A small U-Net (widths 16-128, about 0.5 M parameters) is trained from scratch on 256 px
crops with flips, quarter turns and mild colour jitter.

Usage: /usr/bin/python3 training/nuclei/train.py [OUT_DIR]   (default models/nuclei-segmentation)
Writes model.onnx, tessera.json and metrics.json; MODEL_CARD.md quotes metrics.json.
"""
import json
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image, ImageDraw
from scipy import ndimage

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..'))
DATA = os.path.abspath(os.path.join(ROOT, '..', 'shared', 'fixtures', 'patches', 'gbm40-nuclei'))
OUT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, 'models', 'nuclei-segmentation'))
CROP = 256
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]
EPOCHS = int(os.environ.get('EPOCHS', 60))
CROPS_PER_IMAGE = 4
SEED = 11

torch.manual_seed(SEED)
random.seed(SEED)
np.random.seed(SEED)
torch.set_num_threads(os.cpu_count() or 2)


def instances(entry):
    """Label image: 0 background, k = the k-th outline (later outlines drawn over earlier ones)."""
    img = Image.new('I', (entry['width'], entry['height']), 0)
    draw = ImageDraw.Draw(img)
    for k, poly in enumerate(entry['nuclei'], start=1):
        if len(poly) >= 3:
            draw.polygon([tuple(p) for p in poly], fill=k)
    return np.asarray(img, dtype=np.int32)


def three_class(inst):
    """0 background, 1 interior, 2 boundary: foreground pixels within 2 px of another label."""
    fg = inst > 0
    grown = ndimage.grey_dilation(inst, size=(5, 5))
    shrunk = -ndimage.grey_dilation(-np.where(fg, inst, 0), size=(5, 5))
    boundary = fg & ((grown != inst) | (shrunk != inst))
    return np.where(boundary, 2, np.where(fg, 1, 0)).astype(np.int64)


def load(names, contours):
    out = []
    for name in names:
        rgb = np.asarray(Image.open(os.path.join(DATA, name)).convert('RGB'), dtype=np.float32) / 255.0
        inst = instances(contours[name])
        out.append((name, rgb, inst, three_class(inst)))
    return out


def normalise(rgb):
    x = torch.from_numpy(np.ascontiguousarray(rgb)).permute(2, 0, 1)
    return (x - torch.tensor(MEAN).view(3, 1, 1)) / torch.tensor(STD).view(3, 1, 1)


def random_crop(rgb, target):
    y = random.randint(0, rgb.shape[0] - CROP)
    x = random.randint(0, rgb.shape[1] - CROP)
    rgb, target = rgb[y:y + CROP, x:x + CROP], target[y:y + CROP, x:x + CROP]
    k = random.randint(0, 3)
    rgb, target = np.rot90(rgb, k), np.rot90(target, k)
    if random.random() < 0.5:
        rgb, target = rgb[:, ::-1], target[:, ::-1]
    # Mild stain variation: per-channel gain and offset.
    rgb = np.clip(rgb * np.random.uniform(0.9, 1.1, 3) + np.random.uniform(-0.05, 0.05, 3), 0, 1).astype(np.float32)
    return rgb, np.ascontiguousarray(target)


def conv_block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                         nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class SmallUNet(nn.Module):
    def __init__(self, widths=(16, 32, 64, 128), classes=3):
        super().__init__()
        self.down = nn.ModuleList()
        cin = 3
        for w in widths:
            self.down.append(conv_block(cin, w))
            cin = w
        self.up = nn.ModuleList()
        self.merge = nn.ModuleList()
        for w in reversed(widths[:-1]):
            self.up.append(nn.ConvTranspose2d(cin, w, 2, stride=2))
            self.merge.append(conv_block(2 * w, w))
            cin = w
        self.head = nn.Conv2d(cin, classes, 1)

    def forward(self, x):
        skips = []
        for i, block in enumerate(self.down):
            x = block(x if i == 0 else F.max_pool2d(x, 2))
            skips.append(x)
        for up, merge, skip in zip(self.up, self.merge, reversed(skips[:-1])):
            x = merge(torch.cat([up(x), skip], 1))
        return self.head(x)


def predict_classes(model, rgb):
    model.eval()
    with torch.no_grad():
        return model(normalise(rgb)[None]).argmax(1)[0].numpy()


def nuclei_from_classes(classes):
    """Instances: connected interiors, each grown back over the boundary pixels next to it."""
    labels, n = ndimage.label(classes == 1)
    fg = classes > 0
    for _ in range(2):
        grown = ndimage.grey_dilation(labels, size=(3, 3))
        labels = np.where((labels == 0) & fg, grown, labels)
    return labels, n


def dice(a, b):
    return 2 * np.logical_and(a, b).sum() / max(1, a.sum() + b.sum())


def nucleus_f1(pred, n_pred, gt):
    """A predicted nucleus matches a true one when their IoU is at least 0.5 (then the match is unique)."""
    gt_ids = [g for g in np.unique(gt) if g > 0]
    matched = 0
    for g in gt_ids:
        mask = gt == g
        cand, counts = np.unique(pred[mask], return_counts=True)
        for c, inter in zip(cand, counts):
            if c == 0:
                continue
            union = mask.sum() + (pred == c).sum() - inter
            if inter / union >= 0.5:
                matched += 1
                break
    precision = matched / max(1, n_pred)
    recall = matched / max(1, len(gt_ids))
    return {'tp': matched, 'predicted': int(n_pred), 'true': len(gt_ids), 'precision': precision, 'recall': recall,
            'f1': 2 * precision * recall / max(1e-9, precision + recall)}


def evaluate(model, items):
    dices, f1s, tp, npred, ntrue = [], [], 0, 0, 0
    for _, rgb, inst, _ in items:
        classes = predict_classes(model, rgb)
        dices.append(dice(classes > 0, inst > 0))
        labels, n = nuclei_from_classes(classes)
        r = nucleus_f1(labels, n, inst)
        tp, npred, ntrue = tp + r['tp'], npred + r['predicted'], ntrue + r['true']
    precision, recall = tp / max(1, npred), tp / max(1, ntrue)
    return {'images': len(items), 'pixel_dice_mean': float(np.mean(dices)), 'nuclei_true': ntrue, 'nuclei_predicted': npred,
            'nucleus_precision': precision, 'nucleus_recall': recall,
            'nucleus_f1': 2 * precision * recall / max(1e-9, precision + recall)}


def main():
    contours = json.load(open(os.path.join(DATA, 'nuclei-contours.json')))
    names = sorted(contours)
    train, val, test = load(names[:28], contours), load(names[28:32], contours), load(names[32:], contours)
    counts = np.bincount(np.concatenate([t[3].ravel() for t in train]), minlength=3)
    weights = torch.tensor((counts.sum() / (3 * counts)) ** 0.5, dtype=torch.float32)
    model = SmallUNet()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    steps = EPOCHS * ((len(train) * CROPS_PER_IMAGE + 7) // 8)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    best, best_state, t0 = -1.0, None, time.time()
    for epoch in range(EPOCHS):
        model.train()
        crops = [random_crop(rgb, target) for _, rgb, _, target in train for _ in range(CROPS_PER_IMAGE)]
        random.shuffle(crops)
        for i in range(0, len(crops), 8):
            chunk = crops[i:i + 8]
            x = torch.stack([normalise(r) for r, _ in chunk])
            y = torch.stack([torch.from_numpy(t) for _, t in chunk])
            loss = F.cross_entropy(model(x), y, weight=weights)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        if epoch % 5 == 4 or epoch == EPOCHS - 1:
            v = evaluate(model, val)
            if v['nucleus_f1'] > best:
                best, best_state = v['nucleus_f1'], {k: t.clone() for k, t in model.state_dict().items()}
            print(f"epoch {epoch + 1}/{EPOCHS} loss {loss.item():.3f} val dice {v['pixel_dice_mean']:.3f} val F1 {v['nucleus_f1']:.3f} ({time.time() - t0:.0f} s)", flush=True)
    model.load_state_dict(best_state)
    model.eval()
    areas = np.concatenate([np.bincount(inst.ravel())[1:] for _, _, inst, _ in train])
    report = {
        'validation': evaluate(model, val),
        'test': evaluate(model, test),
        'split': {'train': names[:28], 'validation': names[28:32], 'test': names[32:]},
        'epochs': EPOCHS,
        'training_seconds': round(time.time() - t0),
        'parameters': sum(p.numel() for p in model.parameters()),
        'median_nucleus_area_px': float(np.median(areas[areas > 0])),
    }
    os.makedirs(OUT, exist_ok=True)
    torch.onnx.export(model, torch.zeros(1, 3, CROP, CROP), os.path.join(OUT, 'model.onnx'), opset_version=17,
                      input_names=['image'], output_names=['logits'], dynamic_axes={'image': {0: 'batch'}, 'logits': {0: 'batch'}})
    json.dump(report, open(os.path.join(OUT, 'metrics.json'), 'w'), indent=2)
    manifest = {
        'name': 'Nuclei (H&E)',
        'task': 'segmentation',
        'format': 'onnx',
        'weights': 'model.onnx',
        # The source gives no pixel size; 0.5 µm/px (20x) is estimated from nucleus sizes (MODEL_CARD.md).
        'input': {'size': [CROP, CROP], 'spacingUmPx': 0.5, 'channels': 'rgb', 'scale': 255, 'mean': MEAN, 'std': STD},
        'output': {'activation': 'softmax', 'classes': [
            {'name': 'background', 'color': '#000000'},
            {'name': 'nucleus', 'color': '#3f51b5'},
            {'name': 'boundary', 'color': '#ffc107'}]},
        'vote': {'rule': 'plurality', 'ignore': ['background']},
    }
    json.dump(manifest, open(os.path.join(OUT, 'tessera.json'), 'w'), indent=2)
    print(json.dumps({k: report[k] for k in ('validation', 'test', 'median_nucleus_area_px')}, indent=2))


if __name__ == '__main__':
    main()
