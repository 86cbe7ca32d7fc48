#include <string.h>

#include "../../core/crc32.h"
#include "../../core/sha256.h"
#include "check.h"

static void hex(const uint8_t *d, char *out)
{
    for (int i = 0; i < 32; i++)
        sprintf(out + 2 * i, "%02x", d[i]);
}

static int sha_is(const void *data, size_t n, const char *want)
{
    uint8_t d[32];
    char h[65];
    sha256(data, n, d);
    hex(d, h);
    return strcmp(h, want) == 0;
}

void test_crc_sha(void)
{
    CHECK_EQ(crc32((const uint8_t *)"123456789", 9), 0xCBF43926u);
    CHECK_EQ(crc32((const uint8_t *)"", 0), 0);
    const char *fox = "The quick brown fox jumps over the lazy dog";
    CHECK_EQ(crc32((const uint8_t *)fox, strlen(fox)), 0x414FA339u);
    CHECK_EQ(crc32_update(crc32((const uint8_t *)"12345", 5),
                          (const uint8_t *)"6789", 4),
             0xCBF43926u);

    CHECK(sha_is("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    CHECK(sha_is("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    CHECK(sha_is(two, strlen(two), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));

    /* One million 'a', fed in uneven pieces. */
    static uint8_t a[1000];
    memset(a, 'a', sizeof a);
    sha256_ctx c;
    sha256_init(&c);
    for (int i = 0; i < 1000; i++) {
        sha256_update(&c, a, 7);
        sha256_update(&c, a, 993);
    }
    uint8_t d[32];
    char h[65];
    sha256_final(&c, d);
    hex(d, h);
    CHECK(strcmp(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0") == 0);
}
