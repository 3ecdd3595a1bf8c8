"""Forward hooks that capture a plain torch.nn.Module's activations by name, as compnn's
TorchScript capture names them: NAME is a submodule's output, NAME:input the tensor entering it,
and names are those of ``named_modules()``."""

import torch


def split_name(name):
    """("module path", True) for NAME:input, ("module path", False) for NAME."""
    if name.endswith(":input"):
        return name[: -len(":input")], True
    return name, False


class Capture:
    """Registers hooks for ``names`` on ``model``; after a forward pass, ``values[name]`` holds
    each captured tensor (N, C, H, W). A context manager: hooks are removed on exit."""

    def __init__(self, model, names):
        self.values = {}
        self.calls = {}
        self._handles = []
        modules = dict(model.named_modules())
        wanted = {}
        for name in names:
            path, is_input = split_name(name)
            if path not in modules or path == "":
                raise ValueError(_unknown_layer_message(name, model))
            wanted.setdefault(path, []).append((name, is_input))
        for path, entries in wanted.items():
            self._handles.append(modules[path].register_forward_hook(self._hook(path, entries)))

    def _hook(self, path, entries):
        def hook(module, inputs, output):
            self.calls[path] = self.calls.get(path, 0) + 1
            for name, is_input in entries:
                value = inputs[0] if is_input else output
                if not isinstance(value, torch.Tensor) or value.dim() != 4:
                    kind = "input" if is_input else "output"
                    raise ValueError(
                        f"layer {name}: the submodule's {kind} is not an (N, C, H, W) tensor"
                    )
                self.values[name] = value.detach()

        return hook

    def check_called_once(self):
        for path, calls in self.calls.items():
            if calls != 1:
                raise ValueError(
                    f"layer {path}: the submodule runs {calls} times in one forward pass, so its "
                    "activation is ambiguous; capture a submodule that runs once"
                )

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for handle in self._handles:
            handle.remove()
        return False


def _unknown_layer_message(name, model):
    names = [n for n, _ in model.named_modules() if n]
    shown = ", ".join(names[:12]) + (f", ... ({len(names)} in all)" if len(names) > 12 else "")
    return (
        f"layer {name!r} is not a submodule of {type(model).__name__} "
        f"(named_modules() gives {shown}; NAME:input is the tensor entering NAME)"
    )


def layer_shapes(model, example):
    """Every submodule whose output is an (N, C, H, W) tensor, in the order the forward pass calls
    them: a list of (name, channels, height, width), measured with one pass over ``example``."""
    order, shapes, handles = [], {}, []
    for name, module in model.named_modules():
        if not name:
            continue

        def pre(module, inputs, name=name):
            if name not in order:
                order.append(name)

        def post(module, inputs, output, name=name):
            if isinstance(output, torch.Tensor) and output.dim() == 4 and name not in shapes:
                shapes[name] = tuple(output.shape[1:])

        handles.append(module.register_forward_pre_hook(pre))
        handles.append(module.register_forward_hook(post))
    try:
        with torch.no_grad():
            model(example)
    finally:
        for handle in handles:
            handle.remove()
    return [(name,) + shapes[name] for name in order if name in shapes]
