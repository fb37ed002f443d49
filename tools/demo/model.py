"""A tiny Ultralytics-style (YOLOv8 layout) detector built from an Ultralytics model yaml.

Written for the prunekit demo from the published architecture (Conv = Conv2d+BN+SiLU, C2f, SPPF, Detect with DFL);
module names follow Ultralytics (`model.<i>.cv1.conv`, `model.<i>.m.0.cv1.conv`, `model.22.cv2.0.2`, `model.22.dfl.conv`)
so ONNX node names carry the same module paths as real exports. Dev-only (Debian python3-torch).
"""
import math

import torch
import torch.nn as nn
import yaml


def autopad(k):
    return k // 2


class Conv(nn.Module):
    """Conv2d (no bias) + BatchNorm2d + SiLU; after fuse() the BN is folded into a biased conv."""

    def __init__(self, c1, c2, k=1, s=1, g=1, act=True):
        super().__init__()
        self.conv = nn.Conv2d(c1, c2, k, s, autopad(k), groups=g, bias=False)
        self.bn = nn.BatchNorm2d(c2, eps=1e-3, momentum=0.03)
        self.act = nn.SiLU() if act else nn.Identity()

    def forward(self, x):
        return self.act(self.bn(self.conv(x)) if hasattr(self, 'bn') else self.conv(x))

    def fuse(self):
        conv, bn = self.conv, self.bn
        fused = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride, conv.padding,
                          groups=conv.groups, bias=True)
        scale = bn.weight.detach() / torch.sqrt(bn.running_var + bn.eps)
        fused.weight.data = conv.weight.detach() * scale.view(-1, 1, 1, 1)
        fused.bias.data = bn.bias.detach() - bn.running_mean * scale
        self.conv = fused
        del self.bn


class Bottleneck(nn.Module):
    def __init__(self, c1, c2, shortcut=True, e=1.0):
        super().__init__()
        c_ = int(c2 * e)
        self.cv1 = Conv(c1, c_, 3)
        self.cv2 = Conv(c_, c2, 3)
        self.add = shortcut and c1 == c2

    def forward(self, x):
        y = self.cv2(self.cv1(x))
        return x + y if self.add else y


class C2f(nn.Module):
    """Split the 1x1 projection in two, run n bottlenecks on the second half, concat everything, 1x1 out."""

    def __init__(self, c1, c2, n=1, shortcut=False, e=0.5):
        super().__init__()
        self.c = int(c2 * e)
        self.cv1 = Conv(c1, 2 * self.c, 1)
        self.cv2 = Conv((2 + n) * self.c, c2, 1)
        self.m = nn.ModuleList(Bottleneck(self.c, self.c, shortcut) for _ in range(n))

    def forward(self, x):
        y = list(self.cv1(x).split((self.c, self.c), 1))  # exported as one Split node, like Ultralytics
        y.extend(m(y[-1]) for m in self.m)
        return self.cv2(torch.cat(y, 1))


class SPPF(nn.Module):
    def __init__(self, c1, c2, k=5):
        super().__init__()
        c_ = c1 // 2
        self.cv1 = Conv(c1, c_, 1)
        self.cv2 = Conv(c_ * 4, c2, 1)
        self.m = nn.MaxPool2d(k, 1, k // 2)

    def forward(self, x):
        y = [self.cv1(x)]
        y.extend(self.m(y[-1]) for _ in range(3))
        return self.cv2(torch.cat(y, 1))


class Concat(nn.Module):
    def __init__(self, d=1):
        super().__init__()
        self.d = d

    def forward(self, xs):
        return torch.cat(xs, self.d)


class DFL(nn.Module):
    """Expected value of a softmax over reg_max bins, as a fixed 1x1 conv (weights 0..reg_max-1)."""

    def __init__(self, c1=16):
        super().__init__()
        self.conv = nn.Conv2d(c1, 1, 1, bias=False).requires_grad_(False)
        self.conv.weight.data[:] = torch.arange(c1, dtype=torch.float).view(1, c1, 1, 1)
        self.c1 = c1

    def forward(self, x):
        b, _, a = x.shape
        return self.conv(x.view(b, 4, self.c1, a).transpose(2, 1).softmax(1)).view(b, 4, a)


def make_anchors(shapes, strides, offset=0.5):
    points, stride_t = [], []
    for (h, w), s in zip(shapes, strides):
        sy, sx = torch.meshgrid(torch.arange(h, dtype=torch.float) + offset,
                                torch.arange(w, dtype=torch.float) + offset, indexing='ij')
        points.append(torch.stack((sx, sy), -1).view(-1, 2))
        stride_t.append(torch.full((h * w, 1), float(s)))
    return torch.cat(points), torch.cat(stride_t)


class Detect(nn.Module):
    """YOLOv8 head. Training: list of raw maps. Export/eval: [B, 4+nc, N] with cx cy w h (px) + sigmoid scores."""

    reg_max = 8

    def __init__(self, nc, ch):
        super().__init__()
        self.nc, self.nl = nc, len(ch)
        self.no = nc + 4 * self.reg_max
        self.stride = torch.zeros(self.nl)
        c2, c3 = max(16, ch[0] // 4, self.reg_max * 4), max(ch[0], min(nc, 100))
        self.cv2 = nn.ModuleList(nn.Sequential(Conv(x, c2, 3), Conv(c2, c2, 3), nn.Conv2d(c2, 4 * self.reg_max, 1))
                                 for x in ch)
        self.cv3 = nn.ModuleList(nn.Sequential(Conv(x, c3, 3), Conv(c3, c3, 3), nn.Conv2d(c3, nc, 1)) for x in ch)
        self.dfl = DFL(self.reg_max)
        self.decode = False
        self.anchor_cache = None  # (anchors [N,2], strides [N,1]) frozen for export: traced as constants

    def forward(self, xs):
        xs = [torch.cat((self.cv2[i](x), self.cv3[i](x)), 1) for i, x in enumerate(xs)]
        if not self.decode:
            return xs
        b = xs[0].shape[0]
        if self.anchor_cache is not None:
            anchors, strides = self.anchor_cache
        else:
            anchors, strides = make_anchors([x.shape[2:] for x in xs], self.stride.tolist())
        cat = torch.cat([x.view(b, self.no, -1) for x in xs], 2)
        box, cls = cat.split((4 * self.reg_max, self.nc), 1)
        lt, rb = self.dfl(box).chunk(2, 1)
        a = anchors.transpose(0, 1).unsqueeze(0)
        x1y1, x2y2 = a - lt, a + rb
        dbox = torch.cat(((x1y1 + x2y2) / 2, x2y2 - x1y1), 1) * strides.transpose(0, 1)
        return torch.cat((dbox, cls.sigmoid()), 1)

    def bias_init(self, imgsz):
        for a, b, s in zip(self.cv2, self.cv3, self.stride.tolist()):
            a[-1].bias.data[:] = 1.0
            b[-1].bias.data[: self.nc] = math.log(5 / self.nc / (imgsz / s) ** 2)


MODULES = {'Conv': Conv, 'C2f': C2f, 'SPPF': SPPF, 'Concat': Concat, 'Detect': Detect, 'nn.Upsample': nn.Upsample}


class DetectionModel(nn.Module):
    """`self.model[i]` is yaml layer i, so parameter and ONNX node names read `model.<i>....`."""

    def __init__(self, cfg_path):
        super().__init__()
        with open(cfg_path) as f:
            cfg = yaml.safe_load(f)
        nc = cfg['nc']
        ch, layers, self.froms = [3], [], []
        for i, (f, n, m, args) in enumerate(cfg['backbone'] + cfg['head']):
            args = [nc if a == 'nc' else None if a == 'None' else a for a in args]
            if m in ('Conv', 'C2f', 'SPPF'):
                c1, c2 = ch[f], args[0]
                args = [c1, c2, *args[1:]]
                if m == 'C2f':
                    args.insert(2, n)
            elif m == 'Concat':
                c2 = sum(ch[x] for x in f)
            elif m == 'Detect':
                args = [args[0], [ch[x] for x in f]]
                c2 = None
            else:  # nn.Upsample
                c2 = ch[f]
            layers.append(MODULES[m](*args))
            self.froms.append(f)
            ch = ch + [c2] if i else [c2]
        self.model = nn.Sequential(*layers)
        self.names = {i: str(v) for i, v in cfg.get('names', {}).items()}
        det = self.model[-1]
        det.stride = torch.tensor([8.0, 16.0, 32.0])

    def forward(self, x):
        outs = []
        for m, f in zip(self.model, self.froms):
            if f != -1:
                x = outs[f] if isinstance(f, int) else [x if j == -1 else outs[j] for j in f]
            x = m(x)
            outs.append(x)
        return x

    def fuse(self):
        for m in self.modules():
            if isinstance(m, Conv) and hasattr(m, 'bn'):
                m.fuse()
        return self
