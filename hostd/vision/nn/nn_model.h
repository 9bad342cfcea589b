/*
 * nn_model.h — TensorFlow.js graph models (model.json + binary weight shards)
 * parsed into a checked, topologically ordered graph with float32 constants.
 *
 * Offers: nn_graph_parse() over a JSON text and the concatenated shard bytes,
 * nn_graph_load_file() over a model.json path (the shards named by its
 * weightsManifest are read from the same directory, each size-checked), and
 * nn_graph_free().
 *
 * Every node's inputs refer to earlier nodes (indices), so a graph can be
 * evaluated front to back. Constants are decoded to float32 (int32 stays
 * int32): plain float32, float16 ("quantization": {"dtype": "float16"}) and
 * affine uint8/uint16 quantization ({scale, min}) are understood.
 * Only the operations listed in nn_op are accepted; anything else, a malformed
 * file, or weights whose total size differs from the manifest gives
 * KS_ERR_UNSUPPORTED / KS_ERR_MALFORMED with a message naming the node and op
 * in the caller's err buffer. The graph owns all of its memory.
 */
#ifndef KS_NN_MODEL_H
#define KS_NN_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define NN_MAX_DIMS 6
/* Fixed ceilings so a hostile file cannot make the loader allocate without end. */
#define NN_MAX_JSON_BYTES (32u << 20)
#define NN_MAX_WEIGHT_BYTES (512u << 20)
#define NN_MAX_NODES 20000u
#define NN_MAX_INPUTS 8u
#define NN_MAX_SHARDS 64u

typedef enum nn_dtype { NN_DT_FLOAT32, NN_DT_INT32 } nn_dtype;

typedef enum nn_op {
    NN_OP_CONST,
    NN_OP_PLACEHOLDER,
    NN_OP_IDENTITY,      /* Identity, NoOp-like pass-through */
    NN_OP_CONV2D,        /* Conv2D and _FusedConv2D */
    NN_OP_DEPTHWISE,     /* DepthwiseConv2dNative and FusedDepthwiseConv2dNative */
    NN_OP_MATMUL,        /* MatMul and _FusedMatMul */
    NN_OP_BIAS_ADD,
    NN_OP_ADD,           /* Add, AddV2 */
    NN_OP_SUB,
    NN_OP_MUL,
    NN_OP_MAXIMUM,
    NN_OP_MINIMUM,
    NN_OP_RELU,
    NN_OP_RELU6,
    NN_OP_PRELU,
    NN_OP_SIGMOID,
    NN_OP_MAXPOOL,
    NN_OP_AVGPOOL,
    NN_OP_MEAN,
    NN_OP_PAD,
    NN_OP_RESHAPE,
    NN_OP_RESIZE_BILINEAR,
    NN_OP_SOFTMAX,
} nn_op;

typedef enum nn_padding { NN_PAD_VALID, NN_PAD_SAME } nn_padding;

/* Activation fused into a _Fused* op after its optional BiasAdd. */
typedef enum nn_act { NN_ACT_NONE, NN_ACT_RELU, NN_ACT_RELU6, NN_ACT_PRELU } nn_act;

typedef struct nn_tensor {
    nn_dtype dtype;
    size_t rank;
    size_t dims[NN_MAX_DIMS];
    size_t count;  /* product of dims (1 for a scalar) */
    float *f;      /* dtype NN_DT_FLOAT32 */
    int32_t *i;    /* dtype NN_DT_INT32 */
} nn_tensor;

typedef struct nn_node {
    char *name;
    char *op_name;             /* as written in the file, for messages */
    nn_op op;
    size_t n_inputs;
    size_t inputs[NN_MAX_INPUTS]; /* indices of earlier nodes */
    nn_tensor value;           /* NN_OP_CONST only */
    /* Attributes, meaningful for the ops that carry them. */
    uint32_t strides[2];       /* H, W */
    uint32_t dilations[2];
    uint32_t ksize[2];         /* pooling window */
    nn_padding padding;
    bool has_bias;             /* fused BiasAdd: inputs[2] */
    nn_act act;                /* fused activation; PReLU slope is the last input */
    bool keep_dims;            /* Mean */
    bool transpose_a, transpose_b;  /* MatMul */
    bool align_corners, half_pixel_centers;  /* ResizeBilinear */
    size_t placeholder_rank;   /* Placeholder: declared shape, -1 read as 1 */
    size_t placeholder_dims[NN_MAX_DIMS];
} nn_node;

typedef struct nn_graph {
    nn_node *nodes;            /* topological order */
    size_t n_nodes;
    size_t input;              /* index of the single Placeholder */
    size_t n_outputs;
    size_t *outputs;           /* node indices, in the signature's order */
    char **output_names;       /* signature tensor names without ":0" */
} nn_graph;

/* Parses JSON text `json` (json_len bytes) with weights = all shards of all
 * manifest groups concatenated in manifest order (weights_len bytes). */
ks_status nn_graph_parse(const char *json, size_t json_len, const uint8_t *weights,
                         size_t weights_len, nn_graph **out, char *err, size_t cap);

/* Reads a model.json (or a directory containing model.json) and its shards. */
ks_status nn_graph_load_file(const char *path, nn_graph **out, char *err, size_t cap);

void nn_graph_free(nn_graph *g);

/* Index of the node named `name`, or n_nodes when absent. */
size_t nn_graph_find(const nn_graph *g, const char *name);

/* IEEE half (binary16) to float, exact for every value including subnormals. */
float nn_half_to_float(uint16_t h);

#endif
