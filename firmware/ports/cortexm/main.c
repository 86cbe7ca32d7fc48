#include "agent.h"
#include "port.h"

int main(void)
{
    port_init();
    agent_init();
    agent_announce();
    agent_run();
    return 0;
}
