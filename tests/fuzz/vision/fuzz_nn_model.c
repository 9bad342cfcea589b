/* Fuzz target: the TensorFlow.js model parser and graph builder.
 * Input layout: 4-byte little-endian split point s, then s bytes of model.json
 * text, then the weight bytes. What parses is also turned into an XNNPACK
 * runtime (shapes, folding, buffer sizes) and run once on zeros. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "nn_run.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    size_t split = (size_t)data[0] | (size_t)data[1] << 8 | (size_t)data[2] << 16 | (size_t)data[3] << 24;
    data += 4;
    size -= 4;
    if (split > size)
        split = size;
    nn_graph *g;
    char err[256];
    if (nn_graph_parse((const char *)data, split, data + split, size - split, &g, err, sizeof err) != KS_OK)
        return 0;
    nn_options opt = {1};
    nn_model *m;
    if (nn_model_from_graph(g, &opt, &m, err, sizeof err) != KS_OK)
        return 0;
    size_t dims[NN_MAX_DIMS], n = 1, rank = nn_input_shape(m, dims);
    for (size_t k = 0; k < rank; k++)
        n *= dims[k];
    /* Keep each run cheap; big inputs are still built, just not executed. */
    if (n <= 4096) {
        float *in = calloc(n, sizeof(float));
        nn_output outs[4];
        if (in && nn_run(m, in, n, outs, 4) != KS_OK)
            abort();
        free(in);
    }
    nn_model_free(m);
    return 0;
}
