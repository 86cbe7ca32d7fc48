/* Offline greedy placement of activation buffers, in the spirit of TFLM's
 * GreedyMemoryPlanner: buffers are placed largest first, each at the lowest
 * offset where it overlaps no already-placed buffer that is live at the same
 * time. Sizes are rounded up to ENG_PLAN_ALIGN. O(n^2) time, no recursion. */
#ifndef ENG_PLANNER_H
#define ENG_PLANNER_H

#include <stddef.h>
#include <stdint.h>

#define ENG_PLAN_ALIGN 16u

typedef struct {
    uint32_t size;   /* bytes (rounded up by the planner) */
    uint16_t first;  /* first operator that uses the buffer */
    uint16_t last;   /* last operator that uses it (inclusive) */
    uint32_t offset; /* result */
} plan_buf;

/* Plan n buffers; scratch must hold 2 * n uint16_t. Returns the total size
 * (the arena bytes the activations need). */
uint32_t plan_greedy(plan_buf *bufs, uint16_t n, uint16_t *scratch);

#endif
