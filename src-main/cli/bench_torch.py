"""PyTorch peer for `npm run bench`: the Keras MNIST example's model trained the same way.

dense: Dense(512, relu) -> Dense(10, softmax), RMSprop (lr 0.001, rho 0.9, epsilon 1e-7 as in
tfjs/Keras); cnn: the app's Small CNN preset (conv 16 -> pool -> conv 32 -> pool -> dense 64 ->
dense 10, Adam 0.001, epsilon 1e-7). Categorical cross-entropy, batch 32, the same IDX files,
pixels kept uint8 and scaled per batch. Prints one JSON object as its last line:
{"torch": version, "blas": ..., "threads": n, "samples": n, "epochs": n, "seconds": s,
 "samplesPerSecond": x, "testAccuracy": a, "peakRssMb": m}
Usage: python3 bench_torch.py DATA_DIR [--model dense|cnn] [--threads N] [--samples N] [--epochs N] [--seed N]
"""

import argparse
import json
import re
import resource
import sys
import time

from bench_idx import read_mnist


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
    parser.add_argument("--model", choices=["dense", "cnn"], default="dense")
    parser.add_argument("--samples", type=int, default=60000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = parser.parse_args()

    try:
        import torch
    except ImportError as error:
        print(json.dumps({"error": f"torch is not importable: {error}"}))
        return 3

    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    count, pixels, labels, test_count, test_pixels, test_labels = read_mnist(args.data_dir)
    used = min(args.samples, count)
    shape = (784,) if args.model == "dense" else (1, 28, 28)
    images = torch.frombuffer(bytearray(pixels), dtype=torch.uint8).view(-1, *shape)[:used]
    targets = torch.frombuffer(bytearray(labels), dtype=torch.uint8).to(torch.long)[:used]

    nn = torch.nn
    if args.model == "dense":
        model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10))
        optimizer = torch.optim.RMSprop(model.parameters(), lr=0.001, alpha=0.9, eps=1e-7)
    else:
        model = nn.Sequential(
            nn.Conv2d(1, 16, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(32 * 5 * 5, 64), nn.ReLU(), nn.Linear(64, 10),
        )
        optimizer = torch.optim.Adam(model.parameters(), lr=0.001, eps=1e-7)
    # CrossEntropyLoss = softmax + categorical cross-entropy on one-hot labels.
    loss_function = nn.CrossEntropyLoss()
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
        test_images = torch.frombuffer(bytearray(test_pixels), dtype=torch.uint8).view(test_count, *shape)
        test_targets = torch.frombuffer(bytearray(test_labels), dtype=torch.uint8).to(torch.long)
        predictions = model(test_images.to(torch.float32) / 255.0).argmax(dim=1)
        accuracy = (predictions == test_targets).float().mean().item()

    print(
        json.dumps(
            {
                "torch": torch.__version__,
                "model": args.model,
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
