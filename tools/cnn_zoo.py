"""Dev-only: export small CNNs with the patterns structured pruning must survive (grouped and depthwise convs,
channel shuffle, residual adds, dense concats, grouped ConvTranspose, SE gating, global pooling + Linear) to ONNX,
for `npx tsx tools/structured-zoo.ts DIR`. Needs Debian python3-torch; the product never runs it.

Run: /usr/bin/python3 tools/cnn_zoo.py OUT_DIR
"""
import sys

import torch
import torch.nn as nn

torch.manual_seed(0)


def cbr(i, o, k=1, s=1, g=1):
    return nn.Sequential(nn.Conv2d(i, o, k, s, k // 2, groups=g, bias=False), nn.BatchNorm2d(o), nn.ReLU())


class Shuffle(nn.Module):
    def __init__(self, g):
        super().__init__()
        self.g = g

    def forward(self, x):
        b, c, h, w = x.shape
        return x.view(b, self.g, c // self.g, h, w).transpose(1, 2).reshape(b, c, h, w)


class ResNeXtBlock(nn.Module):
    def __init__(self, c, mid, g):
        super().__init__()
        self.a, self.b = cbr(c, mid), cbr(mid, mid, 3, 1, g)
        self.c = nn.Sequential(nn.Conv2d(mid, c, 1, bias=False), nn.BatchNorm2d(c))

    def forward(self, x):
        return torch.relu(x + self.c(self.b(self.a(x))))


class InvertedResidual(nn.Module):
    def __init__(self, c, e):
        super().__init__()
        self.m = nn.Sequential(cbr(c, c * e), cbr(c * e, c * e, 3, 1, c * e), nn.Conv2d(c * e, c, 1), nn.BatchNorm2d(c))

    def forward(self, x):
        return x + self.m(x)


class Dense(nn.Module):
    def __init__(self, c, growth, n):
        super().__init__()
        self.layers = nn.ModuleList(cbr(c + k * growth, growth, 3) for k in range(n))

    def forward(self, x):
        for layer in self.layers:
            x = torch.cat([x, layer(x)], 1)
        return x


class SE(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.fc = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(c, c // 4, 1), nn.ReLU(), nn.Conv2d(c // 4, c, 1), nn.Sigmoid())

    def forward(self, x):
        return x * self.fc(x)


class Net(nn.Module):
    def __init__(self, body, width, classes=10):
        super().__init__()
        self.body, self.pool, self.fc = nn.Sequential(*body), nn.AdaptiveAvgPool2d(1), nn.Linear(width, classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.body(x)), 1))


NETS = {
    'resnext': Net([cbr(3, 64, 3, 2), ResNeXtBlock(64, 64, 8), ResNeXtBlock(64, 128, 32), cbr(64, 64, 3, 2, 4)], 64),
    'grouped_chain': Net([cbr(3, 32, 3, 2), cbr(32, 64, 3, 1, 2), cbr(64, 64, 3, 2, 4), cbr(64, 64, 1, 1, 8), cbr(64, 64, 3, 1, 64)], 64),
    'shuffle': Net([cbr(3, 64, 3, 2), cbr(64, 64, 1, 1, 4), Shuffle(4), cbr(64, 64, 3, 1, 64), cbr(64, 64, 1, 1, 4)], 64),
    'grouped_transpose': Net([cbr(3, 64, 3, 2), nn.ConvTranspose2d(64, 64, 2, 2, groups=4), nn.ReLU(), cbr(64, 64, 3, 1, 2)], 64),
    'mobilenet': Net([cbr(3, 32, 3, 2), InvertedResidual(32, 4), InvertedResidual(32, 6), cbr(32, 96, 1), SE(96)], 96),
    'densenet': Net([cbr(3, 32, 3, 2), Dense(32, 16, 4), cbr(96, 64, 1), nn.AvgPool2d(2), Dense(64, 16, 3)], 112),
}

if __name__ == '__main__':
    out = sys.argv[1]
    for name, net in NETS.items():
        net.eval()
        with torch.no_grad():
            for m in net.modules():
                if isinstance(m, nn.BatchNorm2d):
                    m.running_mean.uniform_(-1, 1)
                    m.running_var.uniform_(0.5, 2)
                    m.weight.uniform_(0.2, 1.5)
        torch.onnx.export(net, torch.randn(1, 3, 64, 64), f'{out}/{name}.onnx', opset_version=13, input_names=['x'], output_names=['y'])
        print(name)
