/* A minimal, fully bounds-checked FlatBuffers reader.
 *
 * Every accessor checks the offsets it follows against the buffer length
 * before reading, so a truncated or hostile model can only make an accessor
 * fail (return FB_BAD), never read out of bounds. Reads are byte-wise
 * little-endian, so no alignment is assumed. The reader never recurses and
 * never loops over data-dependent counts, so it cannot loop forever.
 *
 * Field ids are the 0-based declaration order of the fields in the schema. */
#ifndef ENG_FB_H
#define ENG_FB_H

#include <stddef.h>
#include <stdint.h>

enum { FB_OK = 0, FB_ABSENT = 1, FB_BAD = -1 };

typedef struct {
    const uint8_t *p;
    uint32_t len; /* bytes; the reader refuses buffers of 2 GiB or more */
} fb_buf;

typedef struct {
    uint32_t pos;    /* table start (where its soffset to the vtable is) */
    uint32_t vt;     /* vtable start */
    uint16_t vt_len; /* vtable size in bytes */
    uint16_t t_len;  /* table inline size in bytes */
} fb_table;

typedef struct {
    uint32_t pos; /* first element */
    uint32_t n;   /* element count (bytes for strings) */
} fb_vec;

uint32_t fb_rd_u32(const fb_buf *b, uint32_t pos);
int32_t fb_rd_i32(const fb_buf *b, uint32_t pos);
int64_t fb_rd_i64(const fb_buf *b, uint32_t pos);
float fb_rd_f32(const fb_buf *b, uint32_t pos);

/* The root table. */
int fb_root(const fb_buf *b, fb_table *t);

/* Scalar fields: FB_OK with the value, or the default when absent (still
 * FB_OK), or FB_BAD when the vtable entry points outside the table. */
int fb_u8(const fb_buf *b, const fb_table *t, unsigned id, uint8_t def, uint8_t *out);
int fb_i32(const fb_buf *b, const fb_table *t, unsigned id, int32_t def, int32_t *out);
int fb_u32(const fb_buf *b, const fb_table *t, unsigned id, uint32_t def, uint32_t *out);
int fb_f32(const fb_buf *b, const fb_table *t, unsigned id, float def, float *out);
int fb_u64(const fb_buf *b, const fb_table *t, unsigned id, uint64_t def, uint64_t *out);

/* Offset fields: FB_OK, FB_ABSENT (out zeroed) or FB_BAD. A vector's
 * elem_size * n bytes are checked to lie inside the buffer. */
int fb_vector(const fb_buf *b, const fb_table *t, unsigned id, uint32_t elem_size, fb_vec *out);
int fb_subtable(const fb_buf *b, const fb_table *t, unsigned id, fb_table *out);

/* Element i (< v->n) of a vector of tables. */
int fb_vec_table(const fb_buf *b, const fb_vec *v, uint32_t i, fb_table *out);

#endif
