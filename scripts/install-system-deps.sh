#!/usr/bin/env bash
# Installs the Debian packages the tests need, if missing: Chromium (headless browser with WebGPU on
# SwiftShader, and the SwiftShader Vulkan ICD that Dawn for Node uses), the Vulkan loader, and PyTorch/ONNX
# for the training smoke tests. Needs root (or sudo); does nothing when everything is present.
set -euo pipefail
packages=(chromium libvulkan1 python3-torch python3-numpy python3-onnx python3-pil libopenblas0-pthread)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
