"""Small CNN classifier on 32x32 MNIST in [-1, 1]. Its penultimate features (FEATURE_DIM) give the
Frechet distance (FD) used to score generators; its logits give class accuracy of generated digits."""
import torch
import torch.nn as nn
import torch.nn.functional as F

FEATURE_DIM = 128


class Classifier(nn.Module):
    def __init__(self, num_classes=10, width=32, feature_dim=FEATURE_DIM):
        super().__init__()
        w = width
        self.conv1 = nn.Conv2d(1, w, 3, padding=1)
        self.conv2 = nn.Conv2d(w, w, 3, padding=1)
        self.conv3 = nn.Conv2d(w, 2 * w, 3, padding=1)
        self.conv4 = nn.Conv2d(2 * w, 2 * w, 3, padding=1)
        self.conv5 = nn.Conv2d(2 * w, 4 * w, 3, padding=1)
        self.fc = nn.Linear(4 * w * 4 * 4, feature_dim)
        self.head = nn.Linear(feature_dim, num_classes)
        self.dropout = nn.Dropout(0.3)

    def features(self, x):
        x = F.relu(self.conv1(x))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)  # 16
        x = F.max_pool2d(F.relu(self.conv3(x)), 2)  # 8
        x = F.max_pool2d(F.relu(self.conv4(x)), 2)  # 4
        x = F.relu(self.conv5(x))
        # The features are the post-ReLU penultimate activations: what FD compares.
        return F.relu(self.fc(x.flatten(1)))

    def forward(self, x):
        """Returns (logits [B,10], features [B,FEATURE_DIM]); both are ONNX outputs."""
        f = self.features(x)
        return self.head(self.dropout(f)), f
