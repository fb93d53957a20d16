"""The app's IDX files for the Python peers of `npm run bench` (no numpy or torch needed here)."""

import struct


def read_idx(path, magic, dims):
    """(shape, raw bytes) of one IDX file; raises ValueError on a wrong magic number."""
    with open(path, "rb") as handle:
        data = handle.read()
    header = struct.unpack(">" + "I" * (1 + dims), data[: 4 * (1 + dims)])
    if header[0] != magic:
        raise ValueError(f"{path}: not an IDX file with magic {magic:#x}")
    return header[1:], data[4 * (1 + dims):]


def read_mnist(data_dir):
    """(train_count, train_pixels, train_labels, test_count, test_pixels, test_labels); 28x28 uint8 bytes."""
    (count, _, _), pixels = read_idx(f"{data_dir}/train-images-idx3-ubyte", 0x803, 3)
    (label_count,), labels = read_idx(f"{data_dir}/train-labels-idx1-ubyte", 0x801, 1)
    (test_count, _, _), test_pixels = read_idx(f"{data_dir}/t10k-images-idx3-ubyte", 0x803, 3)
    (_,), test_labels = read_idx(f"{data_dir}/t10k-labels-idx1-ubyte", 0x801, 1)
    return min(count, label_count), pixels, labels, test_count, test_pixels, test_labels
