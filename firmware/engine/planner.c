#include "planner.h"

static int live_together(const plan_buf *a, const plan_buf *b)
{
    return a->first <= b->last && b->first <= a->last;
}

/* Insertion sort of indices by decreasing size (ties: earlier first use
 * first, so the result does not depend on tensor numbering quirks). */
static void sort_by_size(const plan_buf *bufs, uint16_t *order, uint16_t n)
{
    for (uint16_t i = 0; i < n; i++) {
        uint16_t v = i;
        uint16_t j = i;
        while (j > 0u) {
            const plan_buf *p = &bufs[order[j - 1u]];
            const plan_buf *q = &bufs[v];
            if (p->size > q->size || (p->size == q->size && p->first <= q->first)) {
                break;
            }
            order[j] = order[j - 1u];
            j--;
        }
        order[j] = v;
    }
}

/* Lowest offset for b among the placed buffers, which by_off lists in
 * increasing offset order. */
static uint32_t first_fit(const plan_buf *bufs, const uint16_t *by_off, uint16_t n_placed, const plan_buf *b)
{
    uint32_t cand = 0;
    for (uint16_t k = 0; k < n_placed; k++) {
        const plan_buf *p = &bufs[by_off[k]];
        if (!live_together(p, b)) {
            continue;
        }
        if (p->offset >= cand + b->size) {
            break; /* the gap before p fits b */
        }
        if (p->offset + p->size > cand) {
            cand = p->offset + p->size;
        }
    }
    return cand;
}

uint32_t plan_greedy(plan_buf *bufs, uint16_t n, uint16_t *scratch)
{
    uint16_t *order = scratch;
    uint16_t *by_off = scratch + n;
    uint32_t total = 0;
    for (uint16_t i = 0; i < n; i++) {
        bufs[i].size = (bufs[i].size + ENG_PLAN_ALIGN - 1u) & ~(ENG_PLAN_ALIGN - 1u);
    }
    sort_by_size(bufs, order, n);
    for (uint16_t k = 0; k < n; k++) {
        plan_buf *b = &bufs[order[k]];
        b->offset = first_fit(bufs, by_off, k, b);
        /* insert into by_off, keeping offsets increasing */
        uint16_t j = k;
        while (j > 0u && bufs[by_off[j - 1u]].offset > b->offset) {
            by_off[j] = by_off[j - 1u];
            j--;
        }
        by_off[j] = order[k];
        if (b->offset + b->size > total) {
            total = b->offset + b->size;
        }
    }
    return total;
}
