"""Short runs that compare training ideas for the brain-MRI classifier on the VALIDATION list only.

It never loads the test list: the test figures are measured once, by train.py, for the final choice.
Each run writes <OUT>/<name>.json (per-epoch validation accuracy, loss and ROC-AUC; the last epoch's
validation probabilities, with and without a horizontal-flip average) so that ensembles of runs can be
judged on validation afterwards by summarise().

Usage:
  nice -n 10 /usr/bin/python3 training/brain_mri/experiments.py NAME [key=value ...]
      keys: size, epochs, aug (base|strong), width (multiplier of 16/32/64/128), seed, lr, mixup, smooth
  /usr/bin/python3 training/brain_mri/experiments.py --summary [OUT]
"""
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.metrics import roc_auc_score

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import train as T  # noqa: E402  (the shipped recipe's loader, network and augmentation)

OUT = os.environ.get('EXP_OUT', '/tmp/brain_exp')
DEFAULTS = {'size': 128, 'epochs': 100, 'aug': 'base', 'width': 1.0, 'seed': 7, 'lr': 3e-3, 'mixup': 0.0, 'smooth': 0.05, 'resize': 'pil'}


def parse(args):
    cfg = dict(DEFAULTS)
    for a in args:
        k, v = a.split('=')
        cfg[k] = type(DEFAULTS[k])(v)
    return cfg


def evaluate(model, items):
    """Validation probabilities of `yes`: plain, and averaged with the horizontally flipped image."""
    model.eval()
    x = T.to_tensor([img for img, _ in items])
    with torch.no_grad():
        plain = torch.softmax(model(x), 1)[:, 1]
        flipped = torch.softmax(model(torch.flip(x, [3])), 1)[:, 1]
    return plain.numpy(), ((plain + flipped) / 2).numpy()


def scores(y, p):
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-6, 1 - 1e-6)
    return {
        'acc': float(np.mean((p >= 0.5) == (y == 1))),
        'auc': float(roc_auc_score(y, p)),
        'nll': float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))),
    }


def main():
    if sys.argv[1] == '--rescore':
        rescore(sys.argv[2] if len(sys.argv) > 2 else OUT)
        return
    if sys.argv[1] == '--summary':
        summarise(sys.argv[2] if len(sys.argv) > 2 else OUT)
        return
    name, cfg = sys.argv[1], parse(sys.argv[2:])
    torch.set_num_threads(1)
    split = json.load(open(os.path.join(T.DATA, 'split.json')))['split']
    train = [T.load_at(r, cfg['size'], cfg['resize']) for r in split['train']]
    val = [T.load_at(r, cfg['size'], cfg['resize']) for r in split['val']]
    # Validation as Tessera will see it (its resize does not antialias), whatever the training resize.
    val_tessera = [T.load_at(r, cfg['size'], 'tessera') for r in split['val']]
    y_val = np.array([t for _, t in val])
    log, t0 = [], time.time()

    def on_epoch(model, epoch):
        plain, _ = evaluate(model, val)
        log.append({'epoch': epoch + 1, **scores(y_val, plain)})
        if (epoch + 1) % 10 == 0:
            print(name, log[-1], f'{time.time() - t0:.0f} s', flush=True)

    model = T.fit(train, cfg, on_epoch)
    plain, tta = evaluate(model, val)
    plain_t, tta_t = evaluate(model, val_tessera)
    os.makedirs(OUT, exist_ok=True)
    result = {'name': name, 'cfg': cfg, 'seconds': round(time.time() - t0), 'log': log,
              'final': scores(y_val, plain), 'final_tta': scores(y_val, tta),
              'best_epoch_acc': max(e['acc'] for e in log),
              'final_tessera': scores(y_val, plain_t), 'final_tessera_tta': scores(y_val, tta_t),
              'p_val': plain.tolist(), 'p_val_tta': tta.tolist(),
              'p_val_tessera': plain_t.tolist(), 'p_val_tessera_tta': tta_t.tolist(), 'y_val': y_val.tolist()}
    json.dump(result, open(os.path.join(OUT, name + '.json'), 'w'), indent=1)
    torch.save(model.state_dict(), os.path.join(OUT, name + '.pt'))
    print(name, 'final', result['final'], 'tta', result['final_tta'], f"{result['seconds']} s", flush=True)


def rescore(out):
    """Adds the Tessera-resize validation figures to runs written before experiments measured them."""
    torch.set_num_threads(1)
    split = json.load(open(os.path.join(T.DATA, 'split.json')))['split']
    for f in sorted(os.listdir(out)):
        if not f.endswith('.json'):
            continue
        r = json.load(open(os.path.join(out, f)))
        if 'final_tessera' in r or not os.path.exists(os.path.join(out, r['name'] + '.pt')):
            continue
        cfg = {**DEFAULTS, **r['cfg']}
        model = T.NarrowResNet18(T.widths_for(cfg['width']))
        model.load_state_dict(torch.load(os.path.join(out, r['name'] + '.pt')))
        plain, tta = evaluate(model, [T.load_at(x, cfg['size'], 'tessera') for x in split['val']])
        y = np.array(r['y_val'])
        r.update({'final_tessera': scores(y, plain), 'final_tessera_tta': scores(y, tta),
                  'p_val_tessera': plain.tolist(), 'p_val_tessera_tta': tta.tolist()})
        json.dump(r, open(os.path.join(out, f), 'w'), indent=1)
        print('rescored', r['name'])


def summarise(out):
    """One line per run, then the mean-probability ensembles of runs sharing a prefix before '-s'.
    Columns: validation acc / ROC-AUC / log loss, with the training resize and with Tessera's, each plain
    and with the flip average (tta)."""
    runs = [json.load(open(os.path.join(out, f))) for f in sorted(os.listdir(out)) if f.endswith('.json')]
    keys = [('p_val', 'train-resize'), ('p_val_tta', '+flip'), ('p_val_tessera', 'tessera-resize'), ('p_val_tessera_tta', '+flip')]
    print(f"{'run':34s} " + ' | '.join(f'{k:17s}' for _, k in keys) + ' | best-epoch acc | s')

    def row(label, y, ps, tail=''):
        cells = [('{acc:.2f} {auc:.3f} {nll:.3f}'.format(**scores(y, p)) if p is not None else '-').ljust(17) for p in ps]
        print(f'{label:34s} ' + ' | '.join(cells) + tail)

    groups = {}
    for r in runs:
        y = np.array(r['y_val'])
        row(r['name'], y, [r.get(k) for k, _ in keys], f" | {r['best_epoch_acc']:.2f} | {r['seconds']}")
        groups.setdefault(r['name'].split('-s')[0], []).append(r)
    for g, rs in groups.items():
        if len(rs) >= 2:
            y = np.array(rs[0]['y_val'])
            row(f'ENSEMBLE {g} x{len(rs)}', y, [np.mean([r[k] for r in rs], 0) if all(k in r for r in rs) else None for k, _ in keys])


if __name__ == '__main__':
    main()
