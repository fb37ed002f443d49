"""Training loss for the demo detector: a small task-aligned assigner (TAL-lite) + BCE / CIoU / DFL.

Written for prunekit from the published YOLOv8/TOOD recipe (alignment = score^alpha * IoU^beta over anchors whose
centre lies inside the box, top-k per box, soft targets normalised by the best IoU). Dev-only.
"""
import math

import torch
import torch.nn.functional as F

from model import make_anchors


def box_iou_pairs(a, b, ciou=False, eps=1e-7):
    """IoU (or CIoU) of matching boxes a[..., 4], b[..., 4] in xyxy."""
    iw = (torch.min(a[..., 2], b[..., 2]) - torch.max(a[..., 0], b[..., 0])).clamp(0)
    ih = (torch.min(a[..., 3], b[..., 3]) - torch.max(a[..., 1], b[..., 1])).clamp(0)
    inter = iw * ih
    wa, ha = a[..., 2] - a[..., 0], a[..., 3] - a[..., 1]
    wb, hb = b[..., 2] - b[..., 0], b[..., 3] - b[..., 1]
    iou = inter / (wa * ha + wb * hb - inter + eps)
    if not ciou:
        return iou
    cw = torch.max(a[..., 2], b[..., 2]) - torch.min(a[..., 0], b[..., 0])
    ch = torch.max(a[..., 3], b[..., 3]) - torch.min(a[..., 1], b[..., 1])
    c2 = cw ** 2 + ch ** 2 + eps
    rho2 = ((a[..., 0] + a[..., 2] - b[..., 0] - b[..., 2]) ** 2 + (a[..., 1] + a[..., 3] - b[..., 1] - b[..., 3]) ** 2) / 4
    v = (4 / math.pi ** 2) * (torch.atan(wb / (hb + eps)) - torch.atan(wa / (ha + eps))) ** 2
    with torch.no_grad():
        alpha = v / (v - iou + (1 + eps))
    return iou - (rho2 / c2 + v * alpha)


@torch.no_grad()
def assign(scores, pboxes, anchors, gt_cls, gt_boxes, gt_mask, topk=10, alpha=0.5, beta=6.0, eps=1e-9):
    """scores [B,N,C] sigmoid, pboxes [B,N,4] px, anchors [N,2] px, gt_cls [B,M], gt_boxes [B,M,4] px, gt_mask [B,M].

    Returns target boxes [B,N,4], target scores [B,N,C], foreground mask [B,N].
    """
    b, n, c = scores.shape
    m = gt_boxes.shape[1]
    if m == 0:
        return torch.zeros_like(pboxes), torch.zeros_like(scores), torch.zeros(b, n, dtype=torch.bool)
    ax, ay = anchors[:, 0].view(1, 1, n), anchors[:, 1].view(1, 1, n)
    inside = ((ax - gt_boxes[..., 0:1]) > eps) & ((ay - gt_boxes[..., 1:2]) > eps) & \
             ((gt_boxes[..., 2:3] - ax) > eps) & ((gt_boxes[..., 3:4] - ay) > eps)
    inside = inside & gt_mask.unsqueeze(-1)
    overlaps = box_iou_pairs(gt_boxes.unsqueeze(2), pboxes.unsqueeze(1)).clamp(0) * inside
    cls_idx = gt_cls.long().clamp(0, c - 1).unsqueeze(-1).expand(b, m, n)
    cls_scores = scores.transpose(1, 2).gather(1, cls_idx) * inside
    align = cls_scores.pow(alpha) * overlaps.pow(beta)
    top = align.topk(min(topk, n), dim=-1).indices
    mask_topk = torch.zeros_like(align, dtype=torch.bool).scatter_(-1, top, True)
    mask_pos = mask_topk & inside
    multi = mask_pos.sum(1) > 1  # anchor claimed by several boxes: keep the best-IoU one
    if multi.any():
        best = overlaps.argmax(1)
        one = F.one_hot(best, m).permute(0, 2, 1).bool()
        mask_pos = torch.where(multi.unsqueeze(1), one & inside, mask_pos)
    fg = mask_pos.any(1)
    gt_idx = mask_pos.float().argmax(1)
    tboxes = gt_boxes.gather(1, gt_idx.unsqueeze(-1).expand(b, n, 4))
    tcls = gt_cls.long().gather(1, gt_idx).clamp(0, c - 1)
    align = align * mask_pos
    norm = (align * overlaps.amax(-1, keepdim=True) / (align.amax(-1, keepdim=True) + eps)).amax(1)
    tscores = F.one_hot(tcls, c).float() * (norm * fg).unsqueeze(-1)
    return tboxes, tscores, fg


class DetectionLoss:
    def __init__(self, detect, box_gain=7.5, cls_gain=0.5, dfl_gain=1.5):
        self.nc, self.reg_max = detect.nc, detect.reg_max
        self.strides = detect.stride.tolist()
        self.gains = (box_gain, cls_gain, dfl_gain)
        self.proj = torch.arange(self.reg_max, dtype=torch.float)

    def __call__(self, feats, gt_cls, gt_boxes, gt_mask):
        b = feats[0].shape[0]
        no = self.nc + 4 * self.reg_max
        cat = torch.cat([f.view(b, no, -1) for f in feats], 2).transpose(1, 2)
        pdist, plogits = cat.split((4 * self.reg_max, self.nc), 2)
        anchors, strides = make_anchors([f.shape[2:] for f in feats], self.strides)
        probs = pdist.view(b, -1, 4, self.reg_max).softmax(3)
        ltrb = probs.matmul(self.proj)  # grid units
        pboxes = torch.cat((anchors - ltrb[..., :2], anchors + ltrb[..., 2:]), -1)  # grid units
        tboxes, tscores, fg = assign(plogits.detach().sigmoid(), pboxes.detach() * strides, anchors * strides,
                                     gt_cls, gt_boxes, gt_mask)
        tsum = max(tscores.sum().item(), 1.0)
        loss_cls = F.binary_cross_entropy_with_logits(plogits, tscores, reduction='sum') / tsum
        loss_box = loss_dfl = plogits.new_zeros(())
        if fg.any():
            w = tscores.sum(-1)[fg]
            tb = tboxes / strides  # grid units
            iou = box_iou_pairs(pboxes[fg], tb[fg], ciou=True)
            loss_box = ((1.0 - iou) * w).sum() / tsum
            anc = anchors.unsqueeze(0).expand(b, -1, -1)[fg]
            target = torch.cat((anc - tb[fg][:, :2], tb[fg][:, 2:] - anc), -1).clamp(0, self.reg_max - 1 - 0.01)
            left = target.long()
            wl = left.float() + 1 - target
            logits = pdist[fg].view(-1, self.reg_max)
            dfl = (F.cross_entropy(logits, left.view(-1), reduction='none').view(left.shape) * wl
                   + F.cross_entropy(logits, (left + 1).view(-1), reduction='none').view(left.shape) * (1 - wl))
            loss_dfl = (dfl.mean(-1) * w).sum() / tsum
        bg, cg, dg = self.gains
        total = (bg * loss_box + cg * loss_cls + dg * loss_dfl) * b
        return total, torch.stack((loss_box, loss_cls, loss_dfl)).detach()
