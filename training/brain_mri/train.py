"""Trains Tessera's shipped brain-MRI tumour classifier (the basic-image-classification seed, reproduced).

Data: ../shared/fixtures/patches/brain-mri (the Kaggle "brain MRI images for brain tumor detection" set),
split by its split.json: train (202) and val (25) for training and model selection, test (26) held out.
No ImageNet weights can be downloaded here, so the network (a narrow ResNet-18: BasicBlock [2, 2, 2, 2],
widths 16-128) is trained from scratch with augmentation.

Usage: /usr/bin/python3 training/brain_mri/train.py [OUT_DIR]   (default models/brain-mri-classifier)
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
OUT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, 'models', 'brain-mri-classifier'))
SIZE = int(os.environ.get('SIZE', 224))
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]
CLASSES = ['no', 'yes']  # index 1 = tumour present = the positive class
EPOCHS = int(os.environ.get('EPOCHS', 120))
SEED = 7

torch.manual_seed(SEED)
random.seed(SEED)
np.random.seed(SEED)
torch.set_num_threads(os.cpu_count() or 2)


def load(rel):
    """Grey at SIZE x SIZE as three channels, resized the way Tessera's preprocessing does (bilinear, whole image)."""
    img = Image.open(os.path.join(DATA, rel)).convert('L').resize((SIZE, SIZE), Image.BILINEAR)
    grey = np.asarray(img, dtype=np.float32) / 255.0
    # MRI slices come as grey or colour files; the model sees grey copied to three channels (Tessera's "grey" mode).
    return np.repeat(grey[:, :, None], 3, axis=2), CLASSES.index(rel.split('/')[0])


def to_tensor(batch):
    x = torch.from_numpy(np.stack(batch)).permute(0, 3, 1, 2)
    return (x - torch.tensor(MEAN).view(1, 3, 1, 1)) / torch.tensor(STD).view(1, 3, 1, 1)


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


def predict(model, items):
    model.eval()
    with torch.no_grad():
        logits = model(to_tensor([img for img, _ in items]))
    return torch.softmax(logits, 1)[:, 1].numpy().tolist()


def main():
    split = json.load(open(os.path.join(DATA, 'split.json')))['split']
    train = [load(r) for r in split['train']]
    val = [load(r) for r in split['val']]
    test = [load(r) for r in split['test']]
    model = NarrowResNet18()
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, epochs=EPOCHS, steps_per_epoch=(len(train) + 15) // 16)
    best, best_state, t0 = (-1.0, 1e9), None, time.time()
    for epoch in range(EPOCHS):
        model.train()
        random.shuffle(train)
        for i in range(0, len(train), 16):
            chunk = train[i:i + 16]
            x = to_tensor([augment(img) for img, _ in chunk])
            y = torch.tensor([label for _, label in chunk])
            loss = F.cross_entropy(model(x), y, label_smoothing=0.05)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        p = predict(model, val)
        y_val = [label for _, label in val]
        acc = float(np.mean([(q >= 0.5) == bool(t) for q, t in zip(p, y_val)]))
        vloss = float(F.binary_cross_entropy(torch.tensor(p).clamp(1e-6, 1 - 1e-6), torch.tensor(y_val, dtype=torch.float32)))
        # Model selection on the validation list only: best accuracy, then lowest loss.
        if (acc, -vloss) > (best[0], -best[1]):
            best, best_state = (acc, vloss), {k: v.clone() for k, v in model.state_dict().items()}
        print(f'epoch {epoch + 1}/{EPOCHS} loss {loss.item():.3f} val acc {acc:.3f} val loss {vloss:.3f} ({time.time() - t0:.0f} s)', flush=True)
    model.load_state_dict(best_state)
    model.eval()
    report = {
        'validation': binary_report([t for _, t in val], predict(model, val)),
        'test': binary_report([t for _, t in test], predict(model, test)),
        'epochs': EPOCHS,
        'selected_on_validation': {'accuracy': best[0], 'loss': best[1]},
        'training_seconds': round(time.time() - t0),
        'parameters': sum(p.numel() for p in model.parameters()),
    }
    os.makedirs(OUT, exist_ok=True)
    torch.onnx.export(model, torch.zeros(1, 3, SIZE, SIZE), os.path.join(OUT, 'model.onnx'), opset_version=17,
                      input_names=['image'], output_names=['logits'], dynamic_axes={'image': {0: 'batch'}, 'logits': {0: 'batch'}})
    json.dump(report, open(os.path.join(OUT, 'metrics.json'), 'w'), indent=2)
    manifest = {
        'name': 'Brain MRI tumour (yes/no)',
        'task': 'classification',
        'format': 'onnx',
        'weights': 'model.onnx',
        'input': {'size': [SIZE, SIZE], 'channels': 'grey', 'scale': 255, 'mean': MEAN, 'std': STD},
        'output': {'activation': 'softmax', 'classes': [{'name': 'no', 'color': '#3b8f4a'}, {'name': 'yes', 'color': '#c0392b'}]},
        'positiveClass': 'yes',
        'vote': {'rule': 'plurality', 'ignore': []},
    }
    json.dump(manifest, open(os.path.join(OUT, 'tessera.json'), 'w'), indent=2)
    print(json.dumps(report['test'], indent=2))


if __name__ == '__main__':
    main()
