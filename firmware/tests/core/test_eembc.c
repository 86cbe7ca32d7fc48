/* The EEMBC personality's pure helpers: hex bytes and fixed-point results. */
#include <string.h>

#include "check.h"
#include "eembc.h"

void test_eembc(void)
{
    CHECK_EQ(eembc_hex_byte("00"), 0);
    CHECK_EQ(eembc_hex_byte("fF"), 255);
    CHECK_EQ(eembc_hex_byte("7a"), 0x7a);
    CHECK_EQ(eembc_hex_byte("g0"), -1);
    CHECK_EQ(eembc_hex_byte("0 "), -1);

    char out[16];
    eembc_fixed3(out, 0.9921875f);
    CHECK(strcmp(out, "0.992") == 0);
    eembc_fixed3(out, 0.0f);
    CHECK(strcmp(out, "0.000") == 0);
    eembc_fixed3(out, -0.125f);
    CHECK(strcmp(out, "-0.125") == 0);
    CHECK_EQ(eembc_fixed3(out, 12.3456f), 6u);
    CHECK(strcmp(out, "12.346") == 0);
    eembc_fixed3(out, 0.0004f);
    CHECK(strcmp(out, "0.000") == 0);
    eembc_fixed3(out, 0.0005f);
    CHECK(strcmp(out, "0.001") == 0);
}
