"""Trains Tessera's cell detection and typing model (models/cell-types) on BRCA-M2C.

Data: ../shared/fixtures/patches/brca-m2c, 90 TCGA breast H&E patches (~500 px at ~0.5 µm/px) with labelled
cell centres of three classes (1 lymphocyte, 2 tumour/epithelial, 3 stromal). The dataset's own split:
brca_ds_train.txt (80 images) trains, brca_ds_val.txt (10) chooses the epoch and the decode settings. The
dataset's test split is not here and is left to independent evaluation.

Model: a small U-Net (Conv/BatchNorm/ReLU, MaxPool, ConvTranspose, Concat; ONNX opset 17) whose 3 output
channels are logits of per-class centre maps: the target of each class is a Gaussian (sigma SIGMA px, peak 1)
at each labelled centre of that class. Loss: CenterNet's penalty-reduced focal loss (alpha 2, beta 4) on the
sigmoid of the logits. Crops of 256 px with scale jitter, flips, quarter turns and stain jitter (in
haematoxylin-eosin-DAB optical density space, plus brightness/contrast/saturation), since the model will
meet slides stained and scanned elsewhere.

Decode (as Tessera does it): score = max over the 3 sigmoid maps; a peak is a pixel whose score is the
maximum within a disc of radius minDistanceUm / 0.5 px and at least the threshold of its class; its class is
the argmax channel. minDistanceUm and the 3 thresholds are chosen on the validation split (each class's
threshold maximises that class's F1, which maximises the macro F1 for the chosen radius).
Validation images are run whole (padded by reflection to a multiple of 16 px), not tiled.

Usage: nice -n 10 /usr/bin/python3 training/cells/train.py [OUT_DIR]   (default models/cell-types)
  Environment: EPOCHS (default 60), CROPS_PER_IMAGE (2 crops of each training image per epoch), THREADS (1),
  EVAL_EVERY (5 epochs), TIME_BUDGET (seconds; when set, training stops when it is spent and the learning
  rate follows the elapsed fraction of it instead of the step count, since the machine's speed is shared and
  unknown in advance; EPOCHS is then an upper bound).
Writes model.onnx, tessera.json, metrics.json (validation figures), and train_log.json beside them.
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
from PIL import Image
from scipy import ndimage

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from score import CLASSES, read_points, label_path, score_images, match_counts, prf  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, '..', '..'))
DATA = os.path.abspath(os.path.join(ROOT, '..', 'shared', 'fixtures', 'patches', 'brca-m2c'))
OUT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, 'models', 'cell-types'))
CROP = 256
SPACING = 0.5
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]
SIGMA = 2.0
EPOCHS = int(os.environ.get('EPOCHS', 60))
CROPS_PER_IMAGE = int(os.environ.get('CROPS_PER_IMAGE', 2))
BATCH = 8
WIDTHS = tuple(int(w) for w in os.environ.get('WIDTHS', '24,48,96,128,160').split(','))
HALF = os.environ.get('HALF', '1') == '1'
EVAL_EVERY = int(os.environ.get('EVAL_EVERY', 5))
SEED = 7
MIN_DISTANCES_UM = (1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0)
COLORS = ['#00c853', '#ff1744', '#2979ff']

torch.manual_seed(SEED)
random.seed(SEED)
np.random.seed(SEED)
torch.set_num_threads(int(os.environ.get('THREADS', 1)))


# ---------------------------------------------------------------- data
def load_split(split_file):
    names = [l.strip() for l in open(os.path.join(DATA, split_file)) if l.strip()]
    items = []
    for n in names:
        rgb = np.asarray(Image.open(os.path.join(DATA, 'images', n)).convert('RGB'), dtype=np.float32) / 255.0
        pts = read_points(label_path(os.path.join(DATA, 'labels'), n))
        items.append((n, rgb, pts))
    return items


def heatmaps(points, h, w, sigma=SIGMA):
    """3 x h x w targets: per class the max of unit-peak Gaussians at that class's centres (float coordinates)."""
    out = np.zeros((3, h, w), dtype=np.float32)
    rad = int(np.ceil(3 * sigma))
    for y, x, c in points:
        c = int(c) - 1
        cy, cx = int(round(y)), int(round(x))
        if not (0 <= cy < h and 0 <= cx < w) or not 0 <= c < 3:
            continue
        y0, y1, x0, x1 = max(0, cy - rad), min(h, cy + rad + 1), max(0, cx - rad), min(w, cx + rad + 1)
        yy, xx = np.mgrid[y0:y1, x0:x1]
        g = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * sigma ** 2)).astype(np.float32)
        np.maximum(out[c, y0:y1, x0:x1], g, out=out[c, y0:y1, x0:x1])
    return out


# Ruifrok & Johnston's haematoxylin, eosin, DAB optical-density vectors (rows), as skimage uses them.
HED_FROM_RGB = np.linalg.inv(np.array([[0.65, 0.70, 0.29], [0.07, 0.99, 0.11], [0.27, 0.57, 0.78]], dtype=np.float32))
RGB_FROM_HED = np.linalg.inv(HED_FROM_RGB)


def stain_jitter(rgb):
    """Scale and shift each stain's optical density, then brightness, contrast and saturation."""
    od = -np.log(np.clip(rgb, 1e-3, 1.0))
    hed = od.reshape(-1, 3) @ HED_FROM_RGB
    hed = hed * np.random.uniform(0.75, 1.25, 3) + np.random.uniform(-0.05, 0.05, 3)
    rgb = np.exp(-(hed @ RGB_FROM_HED)).reshape(rgb.shape)
    grey = rgb.mean(axis=2, keepdims=True)
    rgb = grey + (rgb - grey) * np.random.uniform(0.7, 1.3)           # saturation
    rgb = (rgb - rgb.mean()) * np.random.uniform(0.8, 1.2) + rgb.mean()  # contrast
    rgb = rgb * np.random.uniform(0.9, 1.1)                            # brightness
    return np.clip(rgb, 0, 1).astype(np.float32)


def random_crop(rgb, pts):
    """A CROP x CROP training sample: scale jitter +-15 %, crop, quarter turn, flip, stain jitter; Gaussian targets."""
    h, w = rgb.shape[:2]
    s = np.random.uniform(0.85, 1.15)
    side = min(int(round(CROP / s)), h, w)
    s = CROP / side
    y0 = random.randint(0, h - side)
    x0 = random.randint(0, w - side)
    patch = rgb[y0:y0 + side, x0:x0 + side]
    if side != CROP:
        patch = np.asarray(Image.fromarray((patch * 255).astype(np.uint8)).resize((CROP, CROP), Image.BILINEAR),
                           dtype=np.float32) / 255.0
    p = pts.copy()
    p[:, 0] = (p[:, 0] - y0 + 0.5) * s - 0.5
    p[:, 1] = (p[:, 1] - x0 + 0.5) * s - 0.5
    target = heatmaps(p, CROP, CROP)
    k = random.randint(0, 3)
    patch, target = np.rot90(patch, k, (0, 1)), np.rot90(target, k, (1, 2))
    if random.random() < 0.5:
        patch, target = patch[:, ::-1], target[:, :, ::-1]
    if random.random() < 0.2:  # focus variation between scanners
        patch = ndimage.gaussian_filter(patch, (np.random.uniform(0.3, 1.0),) * 2 + (0,))
    return stain_jitter(np.ascontiguousarray(patch)), np.ascontiguousarray(target)


def normalise(rgb):
    x = torch.from_numpy(np.ascontiguousarray(rgb)).permute(2, 0, 1)
    return (x - torch.tensor(MEAN).view(3, 1, 1)) / torch.tensor(STD).view(3, 1, 1)


# ---------------------------------------------------------------- model
def conv_block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                         nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class CellUNet(nn.Module):
    """U-Net with len(widths)-1 poolings (input sides must be multiples of 2**(len(widths)-1), times 2 when half).

    half: the U-Net works at half resolution behind a stride-2 stem (a quarter of the pixels, so about twice the
    training steps in the same time and twice the context); a transposed convolution lifts its features back to
    full resolution, where they meet a thin full-resolution branch of the input before the head.
    """

    def __init__(self, widths=WIDTHS, classes=3, half=HALF):
        super().__init__()
        self.half = half
        cin = 3
        if half:
            self.stem = nn.Sequential(nn.Conv2d(3, widths[0], 3, stride=2, padding=1, bias=False),
                                      nn.BatchNorm2d(widths[0]), nn.ReLU(inplace=True))
            cin = widths[0]
        self.down = nn.ModuleList()
        for w in widths:
            self.down.append(conv_block(cin, w))
            cin = w
        self.up = nn.ModuleList()
        self.merge = nn.ModuleList()
        for w in reversed(widths[:-1]):
            self.up.append(nn.ConvTranspose2d(cin, w, 2, stride=2))
            self.merge.append(conv_block(2 * w, w))
            cin = w
        if half:
            self.lift = nn.ConvTranspose2d(cin, 16, 2, stride=2)
            self.skip0 = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(inplace=True))
            self.top = nn.Sequential(nn.Conv2d(24, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(inplace=True))
            cin = 16
        self.head = nn.Conv2d(cin, classes, 1)
        # Start with a low centre probability everywhere (CenterNet's prior), so early losses are sane.
        nn.init.constant_(self.head.bias, -4.0)

    def forward(self, x):
        if self.half:
            return self.head(self.top(torch.cat([self.lift(self.body(self.stem(x))), self.skip0(x)], 1)))
        return self.head(self.body(x))

    def body(self, x):
        skips = []
        for i, block in enumerate(self.down):
            x = block(x if i == 0 else F.max_pool2d(x, 2))
            skips.append(x)
        for up, merge, skip in zip(self.up, self.merge, reversed(skips[:-1])):
            x = merge(torch.cat([up(x), skip], 1))
        return x


def focal_loss(logits, target):
    """CenterNet's penalty-reduced focal loss, normalised by the number of centres (pixels with target 1)."""
    p = torch.sigmoid(logits).clamp(1e-4, 1 - 1e-4)
    pos = target.ge(0.999).float()
    neg = 1 - pos
    pos_loss = torch.log(p) * (1 - p) ** 2 * pos
    neg_loss = torch.log(1 - p) * p ** 2 * (1 - target) ** 4 * neg
    return -(pos_loss.sum() + neg_loss.sum()) / pos.sum().clamp(min=1)


# ---------------------------------------------------------------- decode and evaluate
def predict_probs(model, rgb):
    """3 x h x w sigmoid maps for a whole image, reflect-padded to a multiple of 16 and cropped back."""
    h, w = rgb.shape[:2]
    m = 2 ** (len(WIDTHS) - 1 + (1 if HALF else 0))
    ph, pw = (-h) % m, (-w) % m
    x = normalise(rgb)[None]
    if ph or pw:
        x = F.pad(x, (0, pw, 0, ph), mode='reflect')
    model.eval()
    with torch.no_grad():
        return torch.sigmoid(model(x))[0, :, :h, :w].numpy()


def disc(radius):
    r = int(np.floor(radius))
    yy, xx = np.mgrid[-r:r + 1, -r:r + 1]
    return (yy ** 2 + xx ** 2) <= radius ** 2


def peaks(probs, radius_px):
    """All candidate peaks (before thresholds) as Tessera's detect-cells.ts finds them: rows y, x, class (1-3),
    score. A peak's score is at least every score within the disc (distance <= radius, pixels outside the
    image ignored); among equal scores the first in raster order wins. Scores below 0.01 are dropped."""
    score = probs.max(axis=0)
    cls = probs.argmax(axis=0) + 1
    local = ndimage.maximum_filter(score, footprint=disc(radius_px), mode='constant', cval=-1.0)
    ys, xs = np.nonzero((score >= local) & (score > 0.01))
    h, w = score.shape
    r = int(np.floor(radius_px))
    earlier = [(dy, dx) for dy in range(-r, 1) for dx in range(-r, r + 1)
               if (dy < 0 or dx < 0) and dy * dy + dx * dx <= radius_px * radius_px]
    keep = np.ones(len(ys), dtype=bool)
    for dy, dx in earlier:  # an equal neighbour earlier in raster order takes the peak
        qy, qx = ys + dy, xs + dx
        inside = (qy >= 0) & (qx >= 0) & (qx < w)
        same = np.zeros(len(ys), dtype=bool)
        same[inside] = score[qy[inside], qx[inside]] == score[ys[inside], xs[inside]]
        keep &= ~same
    ys, xs = ys[keep], xs[keep]
    return np.stack([ys, xs, cls[ys, xs], score[ys, xs]], axis=1).astype(np.float64)


def apply_thresholds(cands, thresholds):
    keep = cands[:, 3] >= np.asarray(thresholds)[cands[:, 2].astype(int) - 1]
    return cands[keep, :3]


def choose_decode(probs_list, gts, radii_um=MIN_DISTANCES_UM, step=0.025, cands_for=None):
    """For each radius, each class's threshold maximising that class's F1 on these images (so the macro F1
    is the best for that radius); returns the radius with the best macro F1 (ties: higher all-cell F1).
    cands_for(um) may give the candidate peaks per image instead of finding them in probs_list (tiled runs)."""
    grid = np.round(np.arange(0.05, 0.951, step), 3)
    best = None
    for um in radii_um:
        cands = cands_for(um) if cands_for else [peaks(p, um / SPACING) for p in probs_list]
        thresholds = []
        for c in range(3):
            f1s = []
            for t in grid:
                s = np.zeros(3)
                for cand, gt in zip(cands, gts):
                    pc = cand[(cand[:, 2] == c + 1) & (cand[:, 3] >= t), :2]
                    s += match_counts(gt[gt[:, 2] == c + 1, :2], pc)
                f1s.append(prf(*s)['f1'])
            thresholds.append(float(grid[int(np.argmax(f1s))]))
        figures = score_images([(gt, apply_thresholds(cand, thresholds)) for cand, gt in zip(cands, gts)])
        key = (round(figures['macro_f1'], 4), figures['all']['f1'])
        if best is None or key > best[0]:
            best = (key, um, thresholds, figures)
    return best[1], best[2], best[3]


def evaluate(model, items, min_distance_um=None, thresholds=None, quick=False):
    """Validation figures; without decode settings they are chosen here (quick: 2 µm only, coarser grid)."""
    probs = [predict_probs(model, rgb) for _, rgb, _ in items]
    gts = [pts for _, _, pts in items]
    if min_distance_um is None:
        min_distance_um, thresholds, figures = (choose_decode(probs, gts, (2.0,), 0.05) if quick
                                                else choose_decode(probs, gts))
    else:
        figures = score_images([(gt, apply_thresholds(peaks(p, min_distance_um / SPACING), thresholds))
                                for p, gt in zip(probs, gts)])
    saturated = int(sum((p >= 1.0).sum() for p in probs))
    return min_distance_um, thresholds, figures, saturated


# ---------------------------------------------------------------- main
def manifest(min_distance_um, thresholds):
    return {
        'name': 'Cell types (H&E, breast)',
        'task': 'detection',
        'format': 'onnx',
        'weights': 'model.onnx',
        'input': {'size': [CROP, CROP], 'spacingUmPx': SPACING, 'channels': 'rgb', 'scale': 255, 'mean': MEAN, 'std': STD},
        'output': {'activation': 'sigmoid',
                   'classes': [{'name': n, 'color': c} for n, c in zip(CLASSES, COLORS)]},
        'vote': {'rule': 'plurality', 'ignore': []},
        'detection': {'minDistanceUm': min_distance_um, 'thresholds': [round(t, 3) for t in thresholds]},
    }


def one_cycle(frac, max_lr=2e-3, warm=0.1):
    """Learning rate at a fraction of training: linear warm-up, then cosine down to 1 % of the peak."""
    frac = min(max(frac, 0.0), 1.0)
    if frac < warm:
        return max_lr * (0.04 + 0.96 * frac / warm)
    return max_lr * (0.01 + 0.99 * 0.5 * (1 + np.cos(np.pi * (frac - warm) / (1 - warm))))


def main():
    train, val = load_split('brca_ds_train.txt'), load_split('brca_ds_val.txt')
    model = CellUNet()
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    steps_per_epoch = (len(train) * CROPS_PER_IMAGE + BATCH - 1) // BATCH
    budget = float(os.environ.get('TIME_BUDGET', 0))
    total_steps = EPOCHS * steps_per_epoch
    best, best_state, log, t0, step = None, None, [], time.time(), 0
    epochs_run = 0
    for epoch in range(EPOCHS):
        if budget and time.time() - t0 >= budget:
            break
        model.train()
        order = [i for i in range(len(train)) for _ in range(CROPS_PER_IMAGE)]
        random.shuffle(order)
        losses = []
        for b in range(0, len(order), BATCH):
            crops = [random_crop(train[i][1], train[i][2]) for i in order[b:b + BATCH]]
            x = torch.stack([normalise(r) for r, _ in crops])
            y = torch.from_numpy(np.stack([t for _, t in crops]))
            for g in opt.param_groups:
                g['lr'] = one_cycle((time.time() - t0) / budget if budget else step / total_steps)
            loss = focal_loss(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            losses.append(loss.item())
        epochs_run = epoch + 1
        entry = {'epoch': epoch + 1, 'loss': float(np.mean(losses)), 'seconds': round(time.time() - t0)}
        last = epoch == EPOCHS - 1 or (budget and time.time() - t0 >= budget)
        if (epoch + 1) % EVAL_EVERY == 0 or last:
            um, th, fig, _ = evaluate(model, val, quick=True)
            entry.update({'val_macro_f1': fig['macro_f1'], 'val_all_f1': fig['all']['f1'], 'min_distance_um': um,
                          'thresholds': th})
            key = (fig['macro_f1'], fig['all']['f1'])
            if best is None or key > best:
                best, best_state = key, {k: t.clone() for k, t in model.state_dict().items()}
                entry['best'] = True
        log.append(entry)
        print(json.dumps(entry), flush=True)
    model.load_state_dict(best_state)
    model.eval()
    um, thresholds, figures, saturated = evaluate(model, val)
    train_seconds = round(time.time() - t0)
    os.makedirs(OUT, exist_ok=True)
    torch.onnx.export(model, torch.zeros(1, 3, CROP, CROP), os.path.join(OUT, 'model.onnx'), opset_version=17,
                      input_names=['image'], output_names=['logits'],
                      dynamic_axes={'image': {0: 'batch'}, 'logits': {0: 'batch'}})
    json.dump(manifest(um, thresholds), open(os.path.join(OUT, 'tessera.json'), 'w'), indent=2)
    metrics = {
        'split': 'validation (brca_ds_val.txt, 10 images); it also chose the epoch, minDistanceUm and thresholds',
        'how': ('whole images, reflect-padded at the bottom and right to a multiple of 16 px, one forward pass each; '
                'sigmoid; score = max over the 3 maps; peaks = pixels equal to the maximum of the score within a '
                'disc of radius minDistanceUm / 0.5 px (pixels outside the image count as lower), kept when the '
                'score is at least the threshold of the argmax class; scored by training/cells/score.py '
                '(MCSpatNet rule: same class, closer than 6 px, one-to-one, greedy in raster order of the labels)'),
        'decode': {'minDistanceUm': um, 'thresholds': thresholds},
        'validation': figures,
        'saturated_pixels': saturated,
        'epochs': epochs_run,
        'steps': step,
        'batch': BATCH,
        'time_budget_seconds': budget or None,
        'crops_per_image_per_epoch': CROPS_PER_IMAGE,
        'widths': list(WIDTHS),
        'half_resolution_body': HALF,
        'parameters': sum(p.numel() for p in model.parameters()),
        'training_seconds': train_seconds,
        'threads': torch.get_num_threads(),
    }
    json.dump(metrics, open(os.path.join(OUT, 'metrics.json'), 'w'), indent=2)
    json.dump(log, open(os.path.join(OUT, 'train_log.json'), 'w'), indent=1)
    print(json.dumps({'decode': metrics['decode'], 'all': figures['all'], 'macro_f1': figures['macro_f1'],
                      **{c: figures[c]['f1'] for c in CLASSES}}, indent=1))


if __name__ == '__main__':
    main()
