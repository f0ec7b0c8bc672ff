/* Each MPI rank fills its column block of a [rows, cols] he_normal weight with wi_init_shard_f32 (no
 * communication: element i is a pure function of seed, key and i); rank 0 receives every block into its
 * place with an MPI_Type_vector (rows blocks of the block's width, cols apart: no packing) and compares the
 * whole with wi_init_f32. Build: mpicc -std=c99 shard_gather.c -I .../include .../libweightinit_ffi.a -lm
 * -lpthread -ldl; run: mpirun -np N ./shard_gather. Exit 0 when identical. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weightinit.h"

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, world;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &world);
    const size_t rows = 300, cols = 257;
    const size_t shape[2] = {rows, cols};
    wi_init_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.scheme = WI_SCHEME_HE_NORMAL;
    spec.mode = WI_FAN_IN;
    spec.nonlinearity = WI_NONLINEARITY_RELU;
    spec.groups = 1;
    /* Rank r's columns: [r cols / world, (r + 1) cols / world). */
    size_t c0 = (size_t)rank * cols / (size_t)world, c1 = (size_t)(rank + 1) * cols / (size_t)world;
    size_t start[2] = {0, c0}, len[2] = {rows, c1 - c0};
    float *block = malloc(rows * (c1 - c0) * sizeof(float));
    wi_status st = wi_init_shard_f32(&spec, shape, 2, WI_LAYOUT_TORCH, 2024, 7, start, len, block,
                                     rows * (c1 - c0), NULL, 0, NULL);
    if (st != WI_OK) {
        fprintf(stderr, "rank %d: %s\n", rank, wi_status_str(st));
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    int ok = 1;
    if (rank == 0) {
        float *whole = malloc(rows * cols * sizeof(float)), *single = malloc(rows * cols * sizeof(float));
        for (size_t r = 0; r < rows; r++) memcpy(whole + r * cols, block + r * (c1 - c0), (c1 - c0) * sizeof(float));
        for (int src = 1; src < world; src++) {
            size_t s0 = (size_t)src * cols / (size_t)world, s1 = (size_t)(src + 1) * cols / (size_t)world;
            MPI_Datatype column_block;
            MPI_Type_vector((int)rows, (int)(s1 - s0), (int)cols, MPI_FLOAT, &column_block);
            MPI_Type_commit(&column_block);
            MPI_Recv(whole + s0, 1, column_block, src, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            MPI_Type_free(&column_block);
        }
        st = wi_init_f32(&spec, shape, 2, WI_LAYOUT_TORCH, 2024, 7, single, rows * cols, NULL, 0, NULL);
        ok = st == WI_OK && memcmp(whole, single, rows * cols * sizeof(float)) == 0;
        printf("%d ranks: column blocks gathered with MPI_Type_vector %s wi_init_f32\n", world,
               ok ? "equal" : "DIFFER FROM");
        free(whole);
        free(single);
    } else {
        MPI_Send(block, (int)(rows * (c1 - c0)), MPI_FLOAT, 0, 0, MPI_COMM_WORLD);
    }
    free(block);
    MPI_Finalize();
    return ok ? 0 : 1;
}
