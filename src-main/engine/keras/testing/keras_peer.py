"""The real Keras for MNIST Studio's Keras tests and acceptance runs.

Reads MNIST from the app's IDX files (no downloads). In one process (TensorFlow starts slowly):
- every --load FILE (a .keras or .h5 exported by MNIST Studio) is opened with
  keras.saving.load_model, predicts the whole test set and is evaluated;
- with --train seed and/or --train convnet, the Keras example itself (Dense 512 relu -> Dense 10
  softmax, RMSprop, categorical cross-entropy, batch 32) and a small convnet (Reshape + Rescaling + Conv2D + MaxPooling2D +
  Flatten + Dropout + Dense, Adam) are trained and saved with model.save as .keras and .h5.
For each model, WORK_DIR/<name>.predictions.f32 holds its test-set probabilities (float32,
row-major) and the last line printed is one JSON object: {name: {"file", "loss", "acc"}}.
A model whose first layer after the input (and any Reshape) is Rescaling gets 0..255 pixels, any other 0..1 (the
Keras example divides by 255 itself).

Usage: python keras_peer.py DATA_DIR WORK_DIR [--load FILE ...] [--train seed|convnet ...]
       [--train-limit N] [--epochs N] [--units N]
"""

import argparse
import gzip
import json
import os
import struct
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402


def read_idx(folder, name):
    file = os.path.join(folder, name)
    if os.path.exists(file):
        with open(file, "rb") as handle:
            data = handle.read()
    else:
        with gzip.open(file + ".gz", "rb") as handle:
            data = handle.read()
    magic = struct.unpack(">I", data[:4])[0]
    dims = magic & 0xFF
    shape = struct.unpack(">" + "I" * dims, data[4 : 4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def model_inputs(model, pixels):
    """The test images as this model expects them (its input shape; 0..1 unless it rescales)."""
    shaping = ("InputLayer", "Reshape")
    first = next((layer for layer in model.layers if layer.__class__.__name__ not in shaping), None)
    scaled = pixels.astype("float32")
    if first is None or first.__class__.__name__ != "Rescaling":
        scaled = scaled / 255.0
    return scaled.reshape((len(pixels),) + tuple(model.input_shape[1:]))


def report(keras, model, name, file, work_dir, images, labels):
    inputs = model_inputs(model, images)
    probabilities = model.predict(inputs, batch_size=1000, verbose=0).astype("<f4")
    probabilities.tofile(os.path.join(work_dir, f"{name}.predictions.f32"))
    if not model.compiled:
        model.compile(loss="categorical_crossentropy", metrics=["accuracy"])
    loss, acc = model.evaluate(inputs, keras.utils.to_categorical(labels, 10), batch_size=1000, verbose=0)
    return {"file": file, "loss": float(loss), "acc": float(acc)}


def seed_example(keras, units):
    """The Keras example as its notebook builds it (the images are flattened and scaled by hand)."""
    model = keras.Sequential(
        [
            keras.Input(shape=(28 * 28,)),
            keras.layers.Dense(units, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def convnet(keras):
    """A small convnet on raw 28x28 images, reshaping and rescaling inside the model."""
    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28)),
            keras.layers.Reshape((28, 28, 1)),
            keras.layers.Rescaling(1.0 / 255),
            keras.layers.Conv2D(8, 3, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(16, 3, strides=2, padding="same", activation="tanh"),
            keras.layers.MaxPooling2D(pool_size=2, strides=1),
            keras.layers.Flatten(),
            keras.layers.Dropout(0.25),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.002),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir")
    parser.add_argument("work_dir")
    parser.add_argument("--load", action="append", default=[])
    parser.add_argument("--train", action="append", default=[], choices=["seed", "convnet"])
    parser.add_argument("--train-limit", type=int, default=60000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--units", type=int, default=512)
    args = parser.parse_args()

    import keras

    keras.utils.set_random_seed(1)
    test_images = read_idx(args.data_dir, "t10k-images-idx3-ubyte")
    test_labels = read_idx(args.data_dir, "t10k-labels-idx1-ubyte")
    results = {}
    for file in args.load:
        name = os.path.splitext(os.path.basename(file))[0] + "-" + file.rsplit(".", 1)[-1]
        model = keras.saving.load_model(file)
        results[name] = report(keras, model, name, file, args.work_dir, test_images, test_labels)

    if args.train:
        train_images = read_idx(args.data_dir, "train-images-idx3-ubyte")[: args.train_limit]
        train_labels = read_idx(args.data_dir, "train-labels-idx1-ubyte")[: args.train_limit]
        train_labels = keras.utils.to_categorical(train_labels, 10)
        builders = {"seed": lambda: seed_example(keras, args.units), "convnet": lambda: convnet(keras)}
        for name in args.train:
            model = builders[name]()
            model.fit(model_inputs(model, train_images), train_labels, epochs=args.epochs, batch_size=32, verbose=0)
            for extension in ("keras", "h5"):
                file = os.path.join(args.work_dir, f"{name}.{extension}")
                model.save(file)
                results[f"{name}-{extension}"] = {"file": file}
            results[name] = report(keras, model, name, None, args.work_dir, test_images, test_labels)

    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
