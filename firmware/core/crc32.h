/* CRC-32 (IEEE 802.3, reflected, the one of zlib). */
#ifndef TF_CRC32_H
#define TF_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* Start with crc = 0; feed pieces by passing the previous result. */
uint32_t crc32_update(uint32_t crc, const uint8_t *data, size_t len);

static inline uint32_t crc32(const uint8_t *data, size_t len)
{
    return crc32_update(0, data, len);
}

#endif
