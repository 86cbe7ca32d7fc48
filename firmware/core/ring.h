/* Single-producer single-consumer byte ring: the UART receive interrupt
 * pushes, the main loop pops. Lock-free on a single core as long as each
 * index has one writer; indices are 32-bit, so loads and stores are atomic
 * on Cortex-M. */
#ifndef TF_RING_H
#define TF_RING_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint8_t *buf;
    uint32_t size;           /* one slot stays empty to tell full from empty */
    volatile uint32_t head;  /* written by the producer only */
    volatile uint32_t tail;  /* written by the consumer only */
    volatile uint32_t dropped;
} tf_ring;

static inline void ring_init(tf_ring *r, uint8_t *buf, uint32_t size)
{
    r->buf = buf;
    r->size = size;
    r->head = 0;
    r->tail = 0;
    r->dropped = 0;
}

static inline uint32_t ring_next(const tf_ring *r, uint32_t i)
{
    return i + 1 == r->size ? 0 : i + 1;
}

/* Producer side (interrupt): returns 0 and counts the byte when full. */
static inline int ring_push(tf_ring *r, uint8_t b)
{
    uint32_t h = r->head, n = ring_next(r, h);
    if (n == r->tail) {
        r->dropped++;
        return 0;
    }
    r->buf[h] = b;
    __asm__ volatile("" ::: "memory"); /* data before index */
    r->head = n;
    return 1;
}

static inline int ring_empty(const tf_ring *r)
{
    return r->head == r->tail;
}

/* Consumer side (main loop). */
static inline size_t ring_pop(tf_ring *r, uint8_t *out, size_t max)
{
    size_t n = 0;
    uint32_t t = r->tail, h = r->head;
    __asm__ volatile("" ::: "memory"); /* index before data */
    while (n < max && t != h) {
        out[n++] = r->buf[t];
        t = ring_next(r, t);
    }
    r->tail = t;
    return n;
}

#endif
