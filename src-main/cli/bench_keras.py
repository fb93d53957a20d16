"""Keras peer for `npm run bench`: the Keras MNIST example itself, or the app's Small CNN preset.

dense: Dense(512, relu) -> Dense(10, softmax), RMSprop(0.001, rho 0.9, epsilon 1e-7).
cnn: Conv2D(16, 3, relu) -> MaxPooling2D(2) -> Conv2D(32, 3, relu) -> MaxPooling2D(2) -> Flatten
     -> Dense(64, relu) -> Dense(10, softmax), Adam(0.001). Both: categorical cross-entropy,
batch 32, shuffled, the given IDX files scaled to 0..1 as the example does. One JSON object on
the last line: {"keras", "tensorflow", "model", "samples", "epochs", "seconds",
"samplesPerSecond" (without the first batch, which traces the graph), "testAccuracy", "threads"}.
Usage: python bench_keras.py DATA_DIR [--model dense|cnn] [--samples N] [--epochs N] [--seed N]
"""

import argparse
import json
import os
import sys
import time

from bench_idx import read_mnist


def build(keras, model_name):
    layers = keras.layers
    if model_name == "dense":
        stack = [keras.Input((784,)), layers.Dense(512, activation="relu")]
        optimizer = keras.optimizers.RMSprop(learning_rate=0.001, rho=0.9, epsilon=1e-7)
    else:
        stack = [
            keras.Input((28, 28, 1)),
            layers.Conv2D(16, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(32, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(64, activation="relu"),
        ]
        optimizer = keras.optimizers.Adam(learning_rate=0.001, epsilon=1e-7)
    model = keras.Sequential([*stack, layers.Dense(10, activation="softmax")])
    model.compile(optimizer=optimizer, loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir")
    parser.add_argument("--model", choices=["dense", "cnn"], default="dense")
    parser.add_argument("--samples", type=int, default=60000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        import numpy as np
        import keras
        import tensorflow as tf
    except ImportError as error:
        print(json.dumps({"error": f"Keras with TensorFlow is not importable: {error}"}))
        return 3

    keras.utils.set_random_seed(args.seed)
    count, pixels, labels, test_count, test_pixels, test_labels = read_mnist(args.data_dir)
    used = min(args.samples, count)
    shape = (-1, 784) if args.model == "dense" else (-1, 28, 28, 1)
    x = np.frombuffer(pixels, dtype=np.uint8)[: used * 784].reshape(shape).astype("float32") / 255
    y = keras.utils.to_categorical(np.frombuffer(labels, dtype=np.uint8)[:used], 10)
    x_test = np.frombuffer(test_pixels, dtype=np.uint8).reshape(shape).astype("float32") / 255
    y_test = keras.utils.to_categorical(np.frombuffer(test_labels, dtype=np.uint8), 10)
    model = build(keras, args.model)

    marks = {}

    class FirstBatch(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 0 and "first" not in marks:
                marks["first"] = time.perf_counter()

    started = time.perf_counter()
    model.fit(x, y, batch_size=32, epochs=args.epochs, shuffle=True, verbose=0, callbacks=[FirstBatch()])
    seconds = time.perf_counter() - started
    steady = time.perf_counter() - marks["first"]
    _, accuracy = model.evaluate(x_test, y_test, batch_size=1000, verbose=0)
    print(
        json.dumps(
            {
                "keras": keras.__version__,
                "tensorflow": tf.__version__,
                "model": args.model,
                "samples": used,
                "epochs": args.epochs,
                "seconds": seconds,
                "samplesPerSecond": (used * args.epochs - 32) / steady,
                "testAccuracy": float(accuracy),
                "threads": os.cpu_count(),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
