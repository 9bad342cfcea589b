/*
 * nn_run.h — runs a TensorFlow.js graph model (nn_model.h) on XNNPACK.
 *
 * nn_model_load() parses the model, checks every shape, rewrites the graph
 * into one XNNPACK subgraph (filters HWIO→OHWI, fused BiasAdd/Relu/Relu6/
 * PReLU, batch-norm Mul/Add constants and zero Pads folded into the
 * convolution before them, Relu/Minimum/Maximum by constants turned into
 * output clamps) and allocates every buffer: nn_run() itself allocates
 * nothing, so memory does not grow frame after frame.
 * An op the runtime cannot express, or a shape that does not fit, is a load
 * error naming the node and op (err buffer); nothing here aborts on bad input.
 *
 * Threads: a private pthreadpool of nn_options.threads (0 = 2) per model.
 * One model must not be run from two threads at once; separate models can.
 * The outputs returned by nn_run() point into the model and stay valid until
 * the next nn_run() or nn_model_free().
 */
#ifndef KS_NN_RUN_H
#define KS_NN_RUN_H

#include <stddef.h>

#include "nn_model.h"
#include "status.h"

typedef struct nn_options {
    unsigned threads; /* worker threads; 0 = 2, 1 = run on the caller's thread */
} nn_options;

typedef struct nn_output {
    const char *name;  /* signature tensor name, e.g. "Identity_1" */
    const float *data; /* count floats, row-major in dims order */
    size_t count;
    size_t rank;
    size_t dims[NN_MAX_DIMS];
} nn_output;

typedef struct nn_model nn_model;

/* Loads a model.json path (or a directory holding model.json). opt may be NULL. */
ks_status nn_model_load(const char *path, const nn_options *opt, nn_model **out, char *err, size_t cap);

/* Builds the runtime from an already parsed graph; takes ownership of g,
 * freeing it on failure too. */
ks_status nn_model_from_graph(nn_graph *g, const nn_options *opt, nn_model **out, char *err, size_t cap);

/* The input tensor's shape (NHWC for images, batch 1); returns its rank. */
size_t nn_input_shape(const nn_model *m, size_t dims[NN_MAX_DIMS]);

/* Number of outputs nn_run() produces. */
size_t nn_output_count(const nn_model *m);

/* Runs one inference on `n` floats (must equal the input's element count) and
 * describes up to max_outs outputs in outs[], in the signature's order. */
ks_status nn_run(nn_model *m, const float *input_nhwc, size_t n, nn_output *outs, size_t max_outs);

void nn_model_free(nn_model *m);

#endif
