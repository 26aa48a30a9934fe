"""Trains Tessera's shipped brain-MRI tumour classifier (the basic-image-classification seed, reproduced).

Data: ../shared/fixtures/patches/brain-mri (the Kaggle "brain MRI images for brain tumor detection" set),
split by its split.json: train (202) and val (25) for training and model selection, test (26) held out.
No ImageNet weights can be downloaded here, so the networks (narrow ResNet-18s: BasicBlock [2, 2, 2, 2],
widths 16-128) are trained from scratch with augmentation. The shipped model is an ensemble: RECIPE trained
with each of SEEDS, every member run on the image and (FLIP) its mirror, the probabilities averaged, all in
one ONNX graph. experiments.py compared the ideas on the validation list; MODEL_CARD.md has the table.

Usage: /usr/bin/python3 training/brain_mri/train.py [OUT_DIR] [--members RUN_DIR]
  OUT_DIR defaults to models/brain-mri-classifier. With --members, the members are not trained again but
  read from RUN_DIR/<RUN>-s<seed>.pt, written by experiments.py with the same recipe and the same fit().
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
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..'))
sys.path.insert(0, os.path.join(HERE, '..'))
from common.metrics import binary_report  # noqa: E402

DATA = os.path.abspath(os.path.join(ROOT, '..', 'shared', 'fixtures', 'patches', 'brain-mri'))
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]
CLASSES = ['no', 'yes']  # index 1 = tumour present = the positive class
# The recipe chosen on the validation list (experiments.py names it RUN).
RUN = 's128t'
RECIPE = {'size': 128, 'epochs': 100, 'aug': 'strong', 'width': 1.0, 'lr': 3e-3, 'mixup': 0.0, 'smooth': 0.05, 'resize': 'tessera'}
SEEDS = [7, 1, 2]
FLIP = True


def seed_all(seed):
    torch.manual_seed(seed)
    random.seed(seed)
    np.random.seed(seed)


def load_at(rel, size, resize='pil'):
    """Grey at size x size as three channels, from the whole image. resize='pil': Pillow's bilinear (which
    antialiases when it shrinks, as the shipped model was trained); 'tessera': bilinear with half-pixel centres
    and no antialiasing, in floats, which is what Tessera's preprocessing computes (resize-bilinear.ts)."""
    img = Image.open(os.path.join(DATA, rel)).convert('L')
    if resize == 'pil':
        grey = np.asarray(img.resize((size, size), Image.BILINEAR), dtype=np.float32) / 255.0
    else:
        t = torch.from_numpy(np.asarray(img, dtype=np.float32))[None, None]
        grey = F.interpolate(t, size=(size, size), mode='bilinear', align_corners=False, antialias=False)[0, 0].numpy() / 255.0
    # MRI slices come as grey or colour files; the model sees grey copied to three channels (Tessera's "grey" mode).
    return np.repeat(grey[:, :, None], 3, axis=2), CLASSES.index(rel.split('/')[0])


def to_tensor(batch, augment_batch=None):
    x = torch.from_numpy(np.stack(batch)).permute(0, 3, 1, 2)
    return normalise(x if augment_batch is None else augment_batch(x))


def augment(img):
    """Flips, 90-degree turns, small shifts and brightness/contrast changes (MRI slices vary in all of these)."""
    if random.random() < 0.5:
        img = img[:, ::-1]
    if random.random() < 0.5:
        img = img[::-1, :]
    img = np.rot90(img, random.randint(0, 3))
    dy, dx = random.randint(-12, 12), random.randint(-12, 12)
    img = np.roll(img, (dy, dx), axis=(0, 1))
    img = np.clip((img - 0.5) * random.uniform(0.8, 1.25) + 0.5 + random.uniform(-0.1, 0.1), 0, 1)
    return np.ascontiguousarray(img)


def strong_augment(x):
    """On a batch in [0, 1] (N, 3, H, W), after augment(): a random rotation of up to 20 degrees, scaling by
    0.85-1.15 and shifts of up to 8%, then gamma, contrast and brightness changes and a little noise.
    Brain slices differ in pose, field of view and windowing far more than 202 images show."""
    n = x.shape[0]
    angle = torch.empty(n).uniform_(-20, 20) * np.pi / 180
    scale = torch.empty(n).uniform_(0.85, 1.15)
    shift = torch.empty(n, 2).uniform_(-0.08, 0.08)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, mode='bilinear', padding_mode='zeros', align_corners=False)
    gamma = torch.empty(n, 1, 1, 1).uniform_(0.7, 1.4)
    x = x.clamp(0, 1) ** gamma
    x = (x - 0.5) * torch.empty(n, 1, 1, 1).uniform_(0.8, 1.25) + 0.5 + torch.empty(n, 1, 1, 1).uniform_(-0.08, 0.08)
    x = x + torch.randn(n, 1, *x.shape[2:]) * torch.empty(n, 1, 1, 1).uniform_(0, 0.03)
    return x.clamp(0, 1)


def normalise(x):
    return (x - torch.tensor(MEAN).view(1, 3, 1, 1)) / torch.tensor(STD).view(1, 3, 1, 1)


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(cout)
        self.down = None if stride == 1 and cin == cout else nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.b1(self.c1(x)))
        y = self.b2(self.c2(y))
        return F.relu(y + (x if self.down is None else self.down(x)))


class NarrowResNet18(nn.Module):
    def __init__(self, widths=(16, 32, 64, 128), classes=2):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, widths[0], 7, 2, 3, bias=False), nn.BatchNorm2d(widths[0]), nn.ReLU(), nn.MaxPool2d(3, 2, 1))
        layers, cin = [], widths[0]
        for i, w in enumerate(widths):
            layers += [Block(cin, w, 1 if i == 0 else 2), Block(w, w, 1)]
            cin = w
        self.layers = nn.Sequential(*layers)
        self.drop = nn.Dropout(0.3)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        x = self.layers(self.stem(x))
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return self.fc(self.drop(x))


def widths_for(multiplier):
    return tuple(int(round(w * multiplier)) for w in (16, 32, 64, 128))


def fit(train, cfg, on_epoch):
    """Trains one network from scratch with cfg (size, epochs, aug, width, seed, lr, mixup, smooth) and returns it
    as it is after the last epoch; on_epoch(model, epoch) is called after each epoch (e.g. to log validation)."""
    seed_all(cfg['seed'])
    train = list(train)
    model = NarrowResNet18(widths_for(cfg['width']))
    opt = torch.optim.AdamW(model.parameters(), lr=cfg['lr'] * 2 / 3, weight_decay=1e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg['lr'], epochs=cfg['epochs'], steps_per_epoch=(len(train) + 15) // 16)
    extra = strong_augment if cfg['aug'] == 'strong' else None
    for epoch in range(cfg['epochs']):
        model.train()
        random.shuffle(train)
        for i in range(0, len(train), 16):
            chunk = train[i:i + 16]
            x = to_tensor([augment(img) for img, _ in chunk], extra)
            y = torch.tensor([label for _, label in chunk])
            if cfg['mixup'] > 0:
                # Mixup: pairs of images blended, the loss blended by the same weight.
                lam = float(np.random.beta(cfg['mixup'], cfg['mixup']))
                perm = torch.randperm(x.shape[0])
                out = model(lam * x + (1 - lam) * x[perm])
                loss = lam * F.cross_entropy(out, y, label_smoothing=cfg['smooth']) + (1 - lam) * F.cross_entropy(out, y[perm], label_smoothing=cfg['smooth'])
            else:
                loss = F.cross_entropy(model(x), y, label_smoothing=cfg['smooth'])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        on_epoch(model, epoch)
    model.eval()
    return model


class Ensemble(nn.Module):
    """Several networks, each on the image and on its left-right mirror (when flip), as ONE graph for Tessera.
    It returns log(mean probability): the manifest's softmax activation turns that back into exactly the mean
    of the members' softmax probabilities (softmax(log p) = p when p sums to 1)."""

    def __init__(self, members, flip):
        super().__init__()
        self.members = nn.ModuleList(members)
        self.flip = flip

    def forward(self, x):
        views = [x, torch.flip(x, [3])] if self.flip else [x]
        probs = [torch.softmax(m(v), 1) for m in self.members for v in views]
        return torch.log(torch.stack(probs, 0).mean(0))


def export_onnx(model, size, path):
    torch.onnx.export(model, torch.zeros(1, 3, size, size), path, opset_version=17,
                      input_names=['image'], output_names=['logits'], dynamic_axes={'image': {0: 'batch'}, 'logits': {0: 'batch'}})


def predict(model, items):
    model.eval()
    with torch.no_grad():
        logits = model(to_tensor([img for img, _ in items]))
    return torch.softmax(logits, 1)[:, 1].numpy().tolist()


def main():
    args = sys.argv[1:]
    members_dir = None
    if '--members' in args:
        i = args.index('--members')
        members_dir = args[i + 1]
        args = args[:i] + args[i + 2:]
    out = os.path.abspath(args[0] if args else os.path.join(ROOT, 'models', 'brain-mri-classifier'))
    # One thread: CPU training is then repeatable, and experiments.py's runs are the same members.
    torch.set_num_threads(1)
    split = json.load(open(os.path.join(DATA, 'split.json')))['split']
    size, resize = RECIPE['size'], RECIPE['resize']
    train = [load_at(r, size, resize) for r in split['train']]
    t0, members = time.time(), []
    for seed in SEEDS:
        model = NarrowResNet18(widths_for(RECIPE['width']))
        if members_dir:
            model.load_state_dict(torch.load(os.path.join(members_dir, f'{RUN}-s{seed}.pt')))
        else:
            model = fit(train, {**RECIPE, 'seed': seed}, lambda m, e: print(f'seed {seed} epoch {e + 1}', flush=True))
        members.append(model.eval())
    ensemble = Ensemble(members, FLIP).eval()
    # Evaluated with Tessera's resize, so these are the figures Tessera gives (model card: checked through the CLI).
    val = [load_at(r, size, 'tessera') for r in split['val']]
    test = [load_at(r, size, 'tessera') for r in split['test']]
    y_val = [t for _, t in val]
    report = {
        'validation': binary_report(y_val, predict(ensemble, val)),
        'test': binary_report([t for _, t in test], predict(ensemble, test)),
        'validation_members': [binary_report(y_val, predict(m, val)) for m in members],
        'recipe': RECIPE,
        'seeds': SEEDS,
        'flip_average': FLIP,
        'selected_on': 'validation list only (experiments.py); the test list was scored once, for this model',
        'training_seconds': None if members_dir else round(time.time() - t0),
        'parameters': sum(p.numel() for p in ensemble.parameters()),
    }
    os.makedirs(out, exist_ok=True)
    export_onnx(ensemble, size, os.path.join(out, 'model.onnx'))
    json.dump(report, open(os.path.join(out, 'metrics.json'), 'w'), indent=2)
    manifest = {
        'name': 'Brain MRI tumour (yes/no)',
        'task': 'classification',
        'format': 'onnx',
        'weights': 'model.onnx',
        'input': {'size': [size, size], 'channels': 'grey', 'scale': 255, 'mean': MEAN, 'std': STD},
        # The graph returns log(mean probability); softmax turns it back into the mean probability.
        'output': {'activation': 'softmax', 'classes': [{'name': 'no', 'color': '#3b8f4a'}, {'name': 'yes', 'color': '#c0392b'}]},
        'positiveClass': 'yes',
        'vote': {'rule': 'plurality', 'ignore': []},
    }
    json.dump(manifest, open(os.path.join(out, 'tessera.json'), 'w'), indent=2)
    print(json.dumps({k: report[k] for k in ('validation', 'test')}, indent=2))


if __name__ == '__main__':
    main()
