/* Entry points of conv.c (convolutions, max pooling, Adam), registered by mnist_accel.c. */
#ifndef MNIST_ACCEL_CONV_H
#define MNIST_ACCEL_CONV_H

#include <node_api.h>

napi_value conv2d_forward(napi_env env, napi_callback_info info);
napi_value conv2d_grad(napi_env env, napi_callback_info info);
napi_value max_pool(napi_env env, napi_callback_info info);
napi_value adam_step(napi_env env, napi_callback_info info);

#endif
