#!/usr/bin/python3
"""Train the prunekit demo detector on procedural shapes and write the demo assets under demo/.

Dev-only: needs Debian's python3-torch, python3-onnx, python3-numpy, python3-pil, python3-yaml. The product and
its tests never run this; they read the committed outputs:
  demo/tiny-detector.onnx                   ONNX opset 12, BN folded, Ultralytics YOLOv8 export layout + metadata
  demo/data/images/val/*.png, labels/val/*.txt, data.yaml   labelled images (YOLO txt)
  demo/README.md                            origin, seed, measured accuracy
Usage: /usr/bin/python3 tools/demo/train_demo.py [--iters 1200] [--threads 1]
"""
import argparse
import copy
import json
import math
import os
import sys
import time

import numpy as np
import onnx
import torch

sys.dont_write_bytecode = True  # keep tools/demo free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from loss import DetectionLoss  # noqa: E402
from metrics import evaluate, nms  # noqa: E402
from model import DetectionModel, make_anchors  # noqa: E402
from shapes import NAMES, draw_image, letterbox  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
DEMO = os.path.join(ROOT, 'demo')
TRAIN_SEED0, HELDOUT_SEED0, SHIPPED_SEED0 = 1_000_000, 9_000_000, 100


def prunekit_version():
    with open(os.path.join(ROOT, 'package.json')) as f:
        return json.load(f)['version']


def make_batch(seeds, imgsz):
    """Draw + letterbox images. Returns images [B,3,S,S] float /255, gt_cls [B,M], gt_boxes [B,M,4] px, mask [B,M]."""
    imgs, labels = [], []
    for s in seeds:
        img, boxes = draw_image(s)
        arr, gain, (px, py) = letterbox(img, imgsz)
        imgs.append(arr)
        labels.append([(c, x1 * gain + px, y1 * gain + py, x2 * gain + px, y2 * gain + py) for c, x1, y1, x2, y2 in boxes])
    m = max(1, max(len(l) for l in labels))
    gt_cls = torch.zeros(len(seeds), m)
    gt_boxes = torch.zeros(len(seeds), m, 4)
    mask = torch.zeros(len(seeds), m, dtype=torch.bool)
    for i, l in enumerate(labels):
        for j, (c, *box) in enumerate(l):
            gt_cls[i, j], gt_boxes[i, j], mask[i, j] = c, torch.tensor(box), True
    x = torch.from_numpy(np.stack(imgs)).permute(0, 3, 1, 2).float() / 255.0
    return x, gt_cls, gt_boxes, mask


class EMA:
    """Exponential moving average of the weights (decay ramps up over the first iterations)."""

    def __init__(self, model, decay=0.999, tau=200):
        self.ema = copy.deepcopy(model).eval()
        self.decay, self.tau, self.updates = decay, tau, 0
        for p in self.ema.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def update(self, model):
        self.updates += 1
        d = self.decay * (1 - math.exp(-self.updates / self.tau))
        msd = model.state_dict()
        for k, v in self.ema.state_dict().items():
            if v.dtype.is_floating_point:
                v.mul_(d).add_(msd[k].detach(), alpha=1 - d)


class Batches(torch.utils.data.Dataset):
    """Batch i = images TRAIN_SEED0 + i*batch ... (each image a pure function of its seed), drawn in a worker."""

    def __init__(self, iters, batch, imgsz):
        self.iters, self.batch, self.imgsz = iters, batch, imgsz

    def __len__(self):
        return self.iters

    def __getitem__(self, it):
        return make_batch(range(TRAIN_SEED0 + it * self.batch, TRAIN_SEED0 + (it + 1) * self.batch), self.imgsz)


def train(model, iters, batch, imgsz, lr, log):
    crit = DetectionLoss(model.model[-1])
    decay, no_decay = [], []
    for n, p in model.named_parameters():
        (decay if p.ndim > 1 else no_decay).append(p)
    opt = torch.optim.AdamW([{'params': decay, 'weight_decay': 5e-4}, {'params': no_decay, 'weight_decay': 0.0}],
                            lr=lr, betas=(0.937, 0.999))
    ema = EMA(model)
    warmup = max(1, iters // 20)
    t0 = time.time()
    running = torch.zeros(3)
    loader = torch.utils.data.DataLoader(Batches(iters, batch, imgsz), batch_size=None, shuffle=False, num_workers=1)
    for it, (x, gc, gb, gm) in enumerate(loader):
        f = (it + 1) / warmup if it < warmup else 0.5 * (1 + math.cos(math.pi * (it - warmup) / (iters - warmup)))
        for g in opt.param_groups:
            g['lr'] = lr * max(f, 0.02)
        model.train()
        loss, parts = crit(model(x), gc, gb, gm)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
        opt.step()
        ema.update(model)
        running = running * 0.9 + parts * 0.1 if it else parts
        if (it + 1) % 50 == 0 or it == 0:
            log(f'iter {it + 1}/{iters}  box {running[0]:.3f} cls {running[1]:.3f} dfl {running[2]:.3f}  '
                f'{time.time() - t0:.0f}s')
    return ema.ema, time.time() - t0


@torch.no_grad()
def predict(model, img, imgsz):
    """Letterbox, run, NMS, map boxes back to the original image. Returns dets [K,6] xyxy conf cls (px)."""
    arr, gain, (px, py) = letterbox(img, imgsz)
    x = torch.from_numpy(arr).permute(2, 0, 1).float().unsqueeze(0) / 255.0
    out = model(x)[0].numpy().astype(np.float64)
    dets = nms(out)
    dets[:, [0, 2]] = ((dets[:, [0, 2]] - px) / gain).clip(0, img.size[0])
    dets[:, [1, 3]] = ((dets[:, [1, 3]] - py) / gain).clip(0, img.size[1])
    return dets


def measure(model, samples, imgsz):
    dets, gts = [], []
    for img, boxes in samples:
        dets.append(predict(model, img, imgsz))
        gts.append(np.array(boxes, np.float64).reshape(-1, 5))
    return evaluate(dets, gts, len(NAMES))


def export_onnx(model, imgsz, path, version):
    model = copy.deepcopy(model).eval().fuse()
    det = model.model[-1]
    det.decode = True
    sizes = [(imgsz // s, imgsz // s) for s in (8, 16, 32)]
    det.anchor_cache = make_anchors(sizes, [8, 16, 32])
    dummy = torch.zeros(1, 3, imgsz, imgsz)
    torch.onnx.export(model, dummy, path, opset_version=12, input_names=['images'], output_names=['output0'],
                      do_constant_folding=True)
    m = onnx.load(path)
    meta = {
        'description': 'prunekit demo: tiny YOLOv8-style detector for procedural shapes (tools/demo/train_demo.py)',
        'author': 'prunekit demo', 'license': 'MIT', 'version': version, 'stride': '32', 'task': 'detect',
        'batch': '1', 'imgsz': f'[{imgsz}, {imgsz}]', 'names': repr(dict(NAMES)),
    }
    del m.metadata_props[:]
    for k, v in meta.items():
        m.metadata_props.add(key=k, value=v)
    m.producer_name, m.producer_version = 'pytorch', torch.__version__
    onnx.checker.check_model(m)
    onnx.save(m, path)
    return model


def write_dataset(samples, seeds):
    img_dir, lbl_dir = (os.path.join(DEMO, 'data', d, 'val') for d in ('images', 'labels'))
    os.makedirs(img_dir, exist_ok=True)
    os.makedirs(lbl_dir, exist_ok=True)
    for (img, boxes), s in zip(samples, seeds):
        name = f'shapes_{s:04d}'
        img.save(os.path.join(img_dir, name + '.png'), optimize=True)
        w, h = img.size
        with open(os.path.join(lbl_dir, name + '.txt'), 'w') as f:
            for c, x1, y1, x2, y2 in boxes:
                f.write(f'{c} {(x1 + x2) / 2 / w:.6f} {(y1 + y2) / 2 / h:.6f} {(x2 - x1) / w:.6f} {(y2 - y1) / h:.6f}\n')
    with open(os.path.join(DEMO, 'data', 'data.yaml'), 'w') as f:
        f.write('# prunekit demo shapes (made by tools/demo/train_demo.py; MIT). Folders are relative to this file.\n')
        f.write('val: images/val\n')
        f.write('names:\n' + ''.join(f'  {k}: {v}\n' for k, v in NAMES.items()))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--iters', type=int, default=1200)
    ap.add_argument('--batch', type=int, default=16)
    ap.add_argument('--imgsz', type=int, default=160)
    ap.add_argument('--lr', type=float, default=0.003)
    ap.add_argument('--threads', type=int, default=1, help='torch intra-op threads (data is drawn in a second process)')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--shipped', type=int, default=20, help='labelled images written to demo/data')
    ap.add_argument('--heldout', type=int, default=300, help='extra held-out images for the accuracy check')
    ap.add_argument('--out', default=os.path.join(DEMO, 'tiny-detector.onnx'))
    ap.add_argument('--checkpoint', default='/tmp/prunekit-demo-ema.pt', help='EMA weights saved after training')
    ap.add_argument('--reuse-checkpoint', action='store_true', help='skip training: load --checkpoint, evaluate, export')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    log = lambda s: print(s, flush=True)  # noqa: E731

    model = DetectionModel(os.path.join(DEMO, 'tiny-detector.yaml'))
    model.model[-1].bias_init(args.imgsz)
    params = sum(p.numel() for p in model.parameters())
    log(f'model: {params} params (with BN), imgsz {args.imgsz}, {args.iters} iters x batch {args.batch}')
    if args.reuse_checkpoint:
        ema, seconds = model.eval(), float('nan')
        ema.load_state_dict(torch.load(args.checkpoint))
        log(f'loaded {args.checkpoint} (training skipped)')
    else:
        ema, seconds = train(model, args.iters, args.batch, args.imgsz, args.lr, log)
        torch.save(ema.state_dict(), args.checkpoint)

    ema.model[-1].decode = True
    shipped_seeds = list(range(SHIPPED_SEED0, SHIPPED_SEED0 + args.shipped))
    shipped = [draw_image(s, noise=0.0) for s in shipped_seeds]  # noise-free: small PNGs
    heldout = [draw_image(s) for s in range(HELDOUT_SEED0, HELDOUT_SEED0 + args.heldout)]
    res_shipped = measure(ema, shipped, args.imgsz)
    res_heldout = measure(ema, heldout, args.imgsz)
    log(f'shipped val ({args.shipped} imgs): mAP50 {res_shipped["map50"]:.3f} mAP50-95 {res_shipped["map"]:.3f}')
    log(f'held-out ({args.heldout} imgs): mAP50 {res_heldout["map50"]:.3f} mAP50-95 {res_heldout["map"]:.3f}')

    fused = export_onnx(ema, args.imgsz, args.out, prunekit_version())
    fused_res = measure(fused, shipped, args.imgsz)
    log(f'fused (ONNX graph) on shipped val: mAP50 {fused_res["map50"]:.3f}')
    write_dataset(shipped, shipped_seeds)
    report = {
        'seed': args.seed, 'iters': args.iters, 'batch': args.batch, 'imgsz': args.imgsz, 'lr': args.lr,
        'threads': args.threads, 'train_seconds': round(seconds, 1), 'params_with_bn': params,
        'params_fused': sum(p.numel() for p in fused.parameters()),
        'onnx_bytes': os.path.getsize(args.out), 'torch': torch.__version__, 'onnx': onnx.__version__,
        'shipped': {'images': args.shipped, 'labels': sum(len(b) for _, b in shipped), **res_shipped},
        'heldout': {'images': args.heldout, 'labels': sum(len(b) for _, b in heldout), **res_heldout},
    }
    if not args.reuse_checkpoint:  # the record describes a training run
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'last_run.json'), 'w') as f:
            json.dump(report, f, indent=2)
    log(json.dumps(report, indent=2))


if __name__ == '__main__':
    main()
