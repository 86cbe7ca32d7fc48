/* Bounds-checked FlatBuffers reader; see fb.h. All position arithmetic is
 * done in 64 bits so that no offset sum can wrap before it is compared with
 * the buffer length. */
#include "fb.h"

#include <string.h>

uint32_t fb_rd_u32(const fb_buf *b, uint32_t pos)
{
    const uint8_t *p = b->p + pos;
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

int32_t fb_rd_i32(const fb_buf *b, uint32_t pos)
{
    return (int32_t)fb_rd_u32(b, pos);
}

static uint16_t rd_u16(const fb_buf *b, uint32_t pos)
{
    return (uint16_t)(b->p[pos] | (b->p[pos + 1u] << 8));
}

int64_t fb_rd_i64(const fb_buf *b, uint32_t pos)
{
    uint64_t lo = fb_rd_u32(b, pos);
    uint64_t hi = fb_rd_u32(b, pos + 4u);
    return (int64_t)(lo | (hi << 32));
}

float fb_rd_f32(const fb_buf *b, uint32_t pos)
{
    uint32_t u = fb_rd_u32(b, pos);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static int table_at(const fb_buf *b, uint64_t pos, fb_table *t)
{
    if (pos + 4u > b->len) {
        return FB_BAD;
    }
    int64_t vt = (int64_t)pos - (int64_t)fb_rd_i32(b, (uint32_t)pos);
    if (vt < 0 || (uint64_t)vt + 4u > b->len) {
        return FB_BAD;
    }
    uint16_t vt_len = rd_u16(b, (uint32_t)vt);
    uint16_t t_len = rd_u16(b, (uint32_t)vt + 2u);
    if (vt_len < 4u || (vt_len & 1u) != 0u || (uint64_t)vt + vt_len > b->len) {
        return FB_BAD;
    }
    if (t_len < 4u || pos + t_len > b->len) {
        return FB_BAD;
    }
    t->pos = (uint32_t)pos;
    t->vt = (uint32_t)vt;
    t->vt_len = vt_len;
    t->t_len = t_len;
    return FB_OK;
}

int fb_root(const fb_buf *b, fb_table *t)
{
    if (b->len < 8u || b->len >= 0x80000000u) {
        return FB_BAD;
    }
    return table_at(b, fb_rd_u32(b, 0), t);
}

/* Position of field id holding size bytes: FB_OK, FB_ABSENT or FB_BAD. */
static int field(const fb_buf *b, const fb_table *t, unsigned id, uint32_t size, uint32_t *pos)
{
    uint32_t slot = 4u + 2u * id;
    if (slot + 2u > t->vt_len) {
        return FB_ABSENT;
    }
    uint16_t off = rd_u16(b, t->vt + slot);
    if (off == 0u) {
        return FB_ABSENT;
    }
    if ((uint32_t)off + size > t->t_len) {
        return FB_BAD;
    }
    *pos = t->pos + off;
    return FB_OK;
}

int fb_u8(const fb_buf *b, const fb_table *t, unsigned id, uint8_t def, uint8_t *out)
{
    uint32_t pos;
    int r = field(b, t, id, 1u, &pos);
    *out = r == FB_OK ? b->p[pos] : def;
    return r == FB_BAD ? FB_BAD : FB_OK;
}

int fb_u32(const fb_buf *b, const fb_table *t, unsigned id, uint32_t def, uint32_t *out)
{
    uint32_t pos;
    int r = field(b, t, id, 4u, &pos);
    *out = r == FB_OK ? fb_rd_u32(b, pos) : def;
    return r == FB_BAD ? FB_BAD : FB_OK;
}

int fb_i32(const fb_buf *b, const fb_table *t, unsigned id, int32_t def, int32_t *out)
{
    uint32_t u;
    int r = fb_u32(b, t, id, (uint32_t)def, &u);
    *out = (int32_t)u;
    return r;
}

int fb_f32(const fb_buf *b, const fb_table *t, unsigned id, float def, float *out)
{
    uint32_t pos;
    int r = field(b, t, id, 4u, &pos);
    *out = r == FB_OK ? fb_rd_f32(b, pos) : def;
    return r == FB_BAD ? FB_BAD : FB_OK;
}

int fb_u64(const fb_buf *b, const fb_table *t, unsigned id, uint64_t def, uint64_t *out)
{
    uint32_t pos;
    int r = field(b, t, id, 8u, &pos);
    *out = r == FB_OK ? (uint64_t)fb_rd_i64(b, pos) : def;
    return r == FB_BAD ? FB_BAD : FB_OK;
}

/* Follow the uoffset stored at pos (offsets are relative to themselves). */
static int follow(const fb_buf *b, uint32_t pos, uint64_t *target)
{
    *target = (uint64_t)pos + fb_rd_u32(b, pos);
    return *target < b->len ? FB_OK : FB_BAD;
}

static int vector_at(const fb_buf *b, uint32_t ref_pos, uint32_t elem_size, fb_vec *out)
{
    uint64_t at;
    if (follow(b, ref_pos, &at) != FB_OK || at + 4u > b->len) {
        return FB_BAD;
    }
    uint32_t n = fb_rd_u32(b, (uint32_t)at);
    if ((uint64_t)n * elem_size > (uint64_t)b->len - (at + 4u)) {
        return FB_BAD;
    }
    out->pos = (uint32_t)at + 4u;
    out->n = n;
    return FB_OK;
}

int fb_vector(const fb_buf *b, const fb_table *t, unsigned id, uint32_t elem_size, fb_vec *out)
{
    uint32_t pos;
    out->pos = 0;
    out->n = 0;
    int r = field(b, t, id, 4u, &pos);
    if (r != FB_OK) {
        return r;
    }
    return vector_at(b, pos, elem_size, out);
}

int fb_subtable(const fb_buf *b, const fb_table *t, unsigned id, fb_table *out)
{
    uint32_t pos;
    uint64_t at;
    memset(out, 0, sizeof *out);
    int r = field(b, t, id, 4u, &pos);
    if (r != FB_OK) {
        return r;
    }
    if (follow(b, pos, &at) != FB_OK) {
        return FB_BAD;
    }
    return table_at(b, at, out);
}

int fb_vec_table(const fb_buf *b, const fb_vec *v, uint32_t i, fb_table *out)
{
    uint64_t at;
    if (i >= v->n) {
        return FB_BAD;
    }
    if (follow(b, v->pos + 4u * i, &at) != FB_OK) {
        return FB_BAD;
    }
    return table_at(b, at, out);
}
