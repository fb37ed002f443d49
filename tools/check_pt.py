#!/usr/bin/python3
"""Dev cross-check (never on the CI path): load .pt checkpoints with real PyTorch and report zero counts.

Unknown project classes (ultralytics.*, models.*) are replaced by nn.Module stubs, so no project code is needed
and none runs. Usage: /usr/bin/python3 tools/check_pt.py original.pt pruned.pt
Prints, per file, the model used (ema or model), named_modules count, state_dict tensors, float elements and
zeros; with two files, the number of weights that became zero and the tensors whose bytes changed.
"""
import pickle
import sys
import types

import torch


class _Stubs(dict):
    def cls(self, module, name):
        key = (module, name)
        if key not in self:
            self[key] = type(name, (torch.nn.Module,), {'__module__': module})
        return self[key]


STUBS = _Stubs()
STUB_PREFIXES = ('ultralytics', 'models', 'utils')


class Unpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if module.split('.')[0] in STUB_PREFIXES:
            return STUBS.cls(module, name)
        return super().find_class(module, name)


# A pickle module whose Unpickler stubs the project classes. Installed as torch.serialization's `pickle`, because
# some torch builds ignore the pickle_module argument of torch.load.
pickle_module = types.ModuleType('stub_pickle')
pickle_module.__dict__.update({k: v for k, v in pickle.__dict__.items() if not k.startswith('__')})
pickle_module.Unpickler = Unpickler
torch.serialization.pickle = pickle_module


def load(path):
    ckpt = torch.load(path, map_location='cpu')
    if isinstance(ckpt, dict):
        which = 'ema' if ckpt.get('ema') is not None else 'model'
        model = ckpt[which]
    else:
        which, model = 'module', ckpt
    return which, model


def summary(path):
    which, model = load(path)
    sd = model.state_dict()
    floats = [t for t in sd.values() if t.is_floating_point()]
    elems = sum(t.numel() for t in floats)
    zeros = sum(int((t == 0).sum()) for t in floats)
    print(f'{path}: {which} {type(model).__module__}.{type(model).__name__}, {len(list(model.named_modules()))} modules, '
          f'{len(sd)} state_dict tensors, dtypes {sorted({str(t.dtype) for t in floats})}, {elems} float elements, {zeros} zeros')
    return sd, zeros


def main(paths):
    results = [summary(p) for p in paths]
    if len(results) == 2:
        (a, za), (b, zb) = results
        assert list(a) == list(b), 'state_dict keys differ'
        changed = [k for k in a if not torch.equal(a[k], b[k])]
        bad = [k for k in changed if not bool(((b[k] == 0) | (b[k] == a[k])).all())]
        print(f'newly zero: {zb - za}; tensors changed: {len(changed)}; changed by anything but zeroing: {len(bad)}')
        print(f'dtypes kept: {all(a[k].dtype == b[k].dtype for k in a)}')


if __name__ == '__main__':
    main(sys.argv[1:])
