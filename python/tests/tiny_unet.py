"""A small pix2pix-like U-Net as a plain nn.Module, for the tests (64 x 64 inputs)."""

import torch
from torch import nn


class Down(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(cin, cout, 4, 2, 1), nn.BatchNorm2d(cout), nn.LeakyReLU(0.2)
        )

    def forward(self, x):
        return self.body(x)


class Up(nn.Module):
    def __init__(self, cin, cout, last=False):
        super().__init__()
        layers = [nn.ConvTranspose2d(cin, cout, 4, 2, 1)]
        layers += [nn.Tanh()] if last else [nn.BatchNorm2d(cout), nn.ReLU()]
        self.body = nn.Sequential(*layers)

    def forward(self, x):
        return self.body(x)


class TinyUNet(nn.Module):
    """64 -> 32 -> 16 -> 8 -> 4 and back, with skips."""

    def __init__(self):
        super().__init__()
        self.downs = nn.ModuleList([Down(3, 8), Down(8, 16), Down(16, 16), Down(16, 16)])
        self.ups = nn.ModuleList([Up(16, 16), Up(32, 16), Up(32, 8)])
        self.last = Up(16, 3, last=True)

    def forward(self, x):
        skips = []
        for down in self.downs:
            x = down(x)
            skips.append(x)
        skips = skips[:-1]
        for up in self.ups:
            x = torch.cat([up(x), skips.pop()], 1)
        return self.last(x)


def make_unet(seed=0):
    torch.manual_seed(seed)
    model = TinyUNet()
    # Non-trivial batch-norm statistics, so eval mode differs from a plain convolution stack.
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.running_mean.uniform_(-0.2, 0.2)
                module.running_var.uniform_(0.5, 1.5)
    return model.eval()
