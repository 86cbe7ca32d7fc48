#include "check.h"

int g_failures;
int g_checks;

int main(void)
{
    test_cobs();
    test_crc_sha();
    test_frame();
    test_agent();
    test_eembc();
    printf("%d checks, %d failures\n", g_checks, g_failures);
    return g_failures ? 1 : 0;
}
