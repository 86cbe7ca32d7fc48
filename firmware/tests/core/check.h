/* Tiny test framework: CHECK counts failures and keeps going. */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>

extern int g_failures;
extern int g_checks;

#define CHECK(cond)                                                        \
    do {                                                                   \
        g_checks++;                                                        \
        if (!(cond)) {                                                     \
            g_failures++;                                                  \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__,         \
                    __LINE__, #cond);                                      \
        }                                                                  \
    } while (0)

#define CHECK_EQ(a, b)                                                     \
    do {                                                                   \
        long long _a = (long long)(a), _b = (long long)(b);                \
        g_checks++;                                                        \
        if (_a != _b) {                                                    \
            g_failures++;                                                  \
            fprintf(stderr, "%s:%d: CHECK_EQ failed: %s = %lld, %s = %lld\n", \
                    __FILE__, __LINE__, #a, _a, #b, _b);                   \
        }                                                                  \
    } while (0)

void test_cobs(void);
void test_crc_sha(void);
void test_frame(void);
void test_agent(void);
void test_eembc(void);

#endif
