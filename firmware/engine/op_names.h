/* Human-readable names of TFLite builtin operator codes and tensor types. */
#ifndef ENG_OP_NAMES_H
#define ENG_OP_NAMES_H

#include <stdint.h>

#define ENG_OP_NAME_COUNT 210u
#define ENG_TYPE_NAME_COUNT 23u

/* "?" for codes beyond the table. */
const char *eng_op_name(uint32_t code);
const char *eng_type_name(uint32_t type);

#endif
