"""PyTorch peer for `npm run bench`: the Keras MNIST example's model trained the same way.

Dense(512, relu) -> Dense(10, softmax), categorical cross-entropy, RMSprop (lr 0.001,
rho 0.9, epsilon 1e-7 as in tfjs/Keras), batch 32, the same IDX files, pixels kept uint8 and
scaled per batch. Prints one JSON object as its last line:
{"torch": version, "blas": ..., "threads": n, "samples": n, "epochs": n, "seconds": s,
 "samplesPerSecond": x, "testAccuracy": a, "peakRssMb": m}
Usage: python3 bench_torch.py DATA_DIR [--samples N] [--epochs N] [--seed N]
"""

import argparse
import json
import re
import resource
import struct
import sys
import time


def read_idx(path, magic, dims):
    with open(path, "rb") as handle:
        data = handle.read()
    header = struct.unpack(">" + "I" * (1 + dims), data[: 4 * (1 + dims)])
    if header[0] != magic:
        raise ValueError(f"{path}: not an IDX file with magic {magic:#x}")
    return header[1:], data[4 * (1 + dims):]


def blas_description(torch):
    """Which BLAS torch really calls: threadpoolctl when present, else torch's build config."""
    try:
        from threadpoolctl import threadpool_info

        found = [
            f"{info.get('internal_api')} {info.get('version')} ({info.get('architecture')}, {info.get('filepath')})"
            for info in threadpool_info()
            if info.get("user_api") == "blas"
        ]
        if found:
            return "; ".join(found)
    except ImportError:
        pass
    config = torch.__config__.show()
    blas = sorted(set(re.findall(r"\b(?:BLAS_INFO|LAPACK_INFO)=[^,\s]+", config)))
    libraries = []
    try:
        with open("/proc/self/maps", encoding="utf8") as maps:
            for line in maps:
                name = line.rsplit("/", 1)[-1].strip()
                if "blas" in name.lower() and name not in libraries:
                    libraries.append(name)
    except OSError:
        pass
    described = ", ".join(blas) if blas else "build BLAS unknown"
    return f"{described} (torch.__config__); loaded: {', '.join(libraries) or 'no BLAS library mapped'}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir")
    parser.add_argument("--samples", type=int, default=60000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    try:
        import torch
    except ImportError as error:
        print(json.dumps({"error": f"torch is not importable: {error}"}))
        return 3

    torch.manual_seed(args.seed)
    (count, rows, cols), pixels = read_idx(f"{args.data_dir}/train-images-idx3-ubyte", 0x803, 3)
    (label_count,), labels = read_idx(f"{args.data_dir}/train-labels-idx1-ubyte", 0x801, 1)
    (test_count, _, _), test_pixels = read_idx(f"{args.data_dir}/t10k-images-idx3-ubyte", 0x803, 3)
    (_,), test_labels = read_idx(f"{args.data_dir}/t10k-labels-idx1-ubyte", 0x801, 1)
    used = min(args.samples, count, label_count)
    images = torch.frombuffer(bytearray(pixels), dtype=torch.uint8).view(count, rows * cols)[:used]
    targets = torch.frombuffer(bytearray(labels), dtype=torch.uint8).to(torch.long)[:used]

    model = torch.nn.Sequential(
        torch.nn.Linear(rows * cols, 512), torch.nn.ReLU(), torch.nn.Linear(512, 10)
    )
    # CrossEntropyLoss = softmax + categorical cross-entropy on one-hot labels.
    loss_function = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.RMSprop(model.parameters(), lr=0.001, alpha=0.9, eps=1e-7)
    batch_size = 32

    started = time.perf_counter()
    for _ in range(args.epochs):
        order = torch.randperm(used)
        for start in range(0, used, batch_size):
            index = order[start : start + batch_size]
            xs = images[index].to(torch.float32).div_(255.0)
            ys = targets[index]
            optimizer.zero_grad()
            loss = loss_function(model(xs), ys)
            loss.backward()
            optimizer.step()
            loss.item()  # one read per batch, as the engine does for its running loss
    seconds = time.perf_counter() - started

    with torch.no_grad():
        test_images = torch.frombuffer(bytearray(test_pixels), dtype=torch.uint8).view(test_count, rows * cols)
        test_targets = torch.frombuffer(bytearray(test_labels), dtype=torch.uint8).to(torch.long)
        predictions = model(test_images.to(torch.float32) / 255.0).argmax(dim=1)
        accuracy = (predictions == test_targets).float().mean().item()

    print(
        json.dumps(
            {
                "torch": torch.__version__,
                "blas": blas_description(torch),
                "threads": torch.get_num_threads(),
                "samples": used,
                "epochs": args.epochs,
                "seconds": seconds,
                "samplesPerSecond": used * args.epochs / seconds,
                "testAccuracy": accuracy,
                "peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
