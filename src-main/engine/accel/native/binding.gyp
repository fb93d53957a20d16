{
  "variables": {
    "openblas_static%": ""
  },
  "targets": [
    {
      "target_name": "mnist_accel",
      "sources": ["mnist_accel.c", "conv.c"],
      "include_dirs": [
        "/usr/include/x86_64-linux-gnu",
        "/usr/include/aarch64-linux-gnu",
        "/usr/include/openblas"
      ],
      "conditions": [
        [
          "openblas_static!=''",
          {
            "libraries": ["<(openblas_static)", "-Wl,--exclude-libs,ALL", "-lpthread", "-lm"]
          },
          {
            "libraries": ["-lopenblas", "-lpthread"]
          }
        ]
      ],
      "cflags": ["-O3", "-std=gnu11", "-Wall", "-fno-math-errno", "-ffp-contract=off"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
