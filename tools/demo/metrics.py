"""NMS and mAP for the demo's own accuracy check (Ultralytics-style: class-aware NMS, 101-point interpolated AP).

Dev-only; numpy. Written for prunekit from the published definitions (greedy NMS; AP = area under the precision
envelope sampled at 101 recall points).
"""
import numpy as np


def iou_matrix(a, b):
    """a [N,4], b [M,4] xyxy -> [N,M]."""
    ix = np.clip(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    iy = np.clip(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None)
    inter = ix * iy
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / (area_a[:, None] + area_b[None, :] - inter + 1e-9)


def nms(output, conf=0.001, iou=0.7, max_det=300):
    """output [4+nc, N] (cx cy w h px, scores) -> detections [K, 6] xyxy conf cls, best first."""
    boxes, scores = output[:4].T, output[4:].T
    cls = scores.argmax(1)
    best = scores[np.arange(len(cls)), cls]
    keep = best > conf
    boxes, best, cls = boxes[keep], best[keep], cls[keep]
    xyxy = np.concatenate((boxes[:, :2] - boxes[:, 2:] / 2, boxes[:, :2] + boxes[:, 2:] / 2), 1)
    order = np.argsort(-best, kind='stable')
    xyxy, best, cls = xyxy[order], best[order], cls[order]
    shifted = xyxy + cls[:, None] * 10000.0  # class-aware via offsets
    kept = []
    suppressed = np.zeros(len(best), bool)
    for i in range(len(best)):
        if suppressed[i]:
            continue
        kept.append(i)
        if len(kept) >= max_det:
            break
        rest = np.arange(i + 1, len(best))
        rest = rest[~suppressed[rest]]
        if len(rest):
            suppressed[rest[iou_matrix(shifted[i:i + 1], shifted[rest])[0] > iou]] = True
    k = np.array(kept, int)
    return np.concatenate((xyxy[k], best[k, None], cls[k, None].astype(np.float64)), 1)


def match(dets, gts, thresholds):
    """dets [K,6], gts [G,5] (cls, xyxy) -> tp [K, T] bool (one prediction per label, best IoU first)."""
    tp = np.zeros((len(dets), len(thresholds)), bool)
    if len(dets) == 0 or len(gts) == 0:
        return tp
    iou = iou_matrix(gts[:, 1:], dets[:, :4]) * (gts[:, :1] == dets[None, :, 5])
    for t, thr in enumerate(thresholds):
        g, d = np.nonzero(iou >= thr)
        if len(g) == 0:
            continue
        pairs = np.stack((g, d, iou[g, d]), 1)
        pairs = pairs[np.argsort(-pairs[:, 2], kind='stable')]
        pairs = pairs[np.unique(pairs[:, 1], return_index=True)[1]]
        pairs = pairs[np.unique(pairs[:, 0], return_index=True)[1]]
        tp[pairs[:, 1].astype(int), t] = True
    return tp


def average_precision(recall, precision):
    mrec = np.concatenate(([0.0], recall, [1.0]))
    mpre = np.concatenate(([1.0], precision, [0.0]))
    mpre = np.flip(np.maximum.accumulate(np.flip(mpre)))
    x = np.linspace(0, 1, 101)
    y = np.interp(x, mrec, mpre)
    return float(np.sum((y[1:] + y[:-1]) / 2 * np.diff(x)))


def evaluate(all_dets, all_gts, nc):
    """Lists per image of dets [K,6] and gts [G,5]. Returns {'map50', 'map', 'ap50': per class}."""
    thresholds = np.linspace(0.5, 0.95, 10)
    tps, confs, pcls, gcls = [], [], [], []
    for dets, gts in zip(all_dets, all_gts):
        tps.append(match(dets, gts, thresholds))
        confs.append(dets[:, 4])
        pcls.append(dets[:, 5])
        gcls.append(gts[:, 0])
    tp, conf, pc, gc = (np.concatenate(v) for v in (tps, confs, pcls, gcls))
    order = np.argsort(-conf, kind='stable')
    tp, pc = tp[order], pc[order]
    ap = np.zeros((nc, len(thresholds)))
    present = []
    for c in range(nc):
        n_l = int((gc == c).sum())
        sel = pc == c
        if n_l == 0:
            continue
        present.append(c)
        if not sel.any():
            continue
        tpc = np.cumsum(tp[sel], 0)
        fpc = np.cumsum(~tp[sel], 0)
        recall = tpc / (n_l + 1e-16)
        precision = tpc / (tpc + fpc)
        for t in range(len(thresholds)):
            ap[c, t] = average_precision(recall[:, t], precision[:, t])
    ap = ap[present]
    return {'map50': float(ap[:, 0].mean()), 'map': float(ap.mean()),
            'ap50': {int(c): float(ap[i, 0]) for i, c in enumerate(present)}}
