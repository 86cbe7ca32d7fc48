/* Building and sending responses and ERROR frames. */
#include <stdarg.h>

#include "agent_internal.h"
#include "fmt.h"
#include "port.h"

void agent_send_error(tf_agent *a, uint16_t seq, uint16_t code,
                      const char *msg)
{
    tx_begin(&a->tx, TF_ERROR, seq);
    tx_u16(&a->tx, code);
    tx_str(&a->tx, msg);
    tx_send(&a->tx, port_uart_write);
}

void agent_errorf(tf_agent *a, uint16_t seq, uint16_t code, const char *fmt,
                  ...)
{
    char msg[ENGINE_MSG_LEN];
    va_list ap;
    va_start(ap, fmt);
    tf_vfmt(msg, sizeof msg, fmt, ap);
    va_end(ap);
    agent_send_error(a, seq, code, msg);
}

void agent_send_empty(tf_agent *a, const tf_frame *f)
{
    tx_begin(&a->tx, TF_RESPONSE(f->type), f->seq);
    tx_send(&a->tx, port_uart_write);
}

/* Engine status codes are the protocol's error codes by design (engine.h). */
void agent_send_engine_error(tf_agent *a, uint16_t seq, int status)
{
    uint16_t code = (uint16_t)(a->err.status ? a->err.status : status);
    if (code != TF_E_MODEL_INVALID && code != TF_E_UNSUPPORTED &&
        code != TF_E_ARENA_TOO_SMALL && code != TF_E_INFER_FAILED)
        code = TF_E_INFER_FAILED;
    a->err.msg[ENGINE_MSG_LEN - 1] = 0;
    agent_send_error(a, seq, code, a->err.msg);
}
