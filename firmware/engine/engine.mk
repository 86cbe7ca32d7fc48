# Operator selection for the engine, shared by the firmware and test Makefiles.
#
#   OPS="CONV_2D FULLY_CONNECTED ..."   only these ops of ops.def are built in
#   OPS= (empty, the default)           every op of ops.def
#
# Sets ENGINE_OPS_DEFS: -DTF_OPS_SELECTED=1 and -DTF_OP_<NAME>=0/1 for every
# op in ops.def; engine.c leaves the unselected ops' prepare functions out of
# its table, so --gc-sections drops their kernels. A name that ops.def does
# not list is an error.
ENGINE_MK_DIR := $(dir $(lastword $(MAKEFILE_LIST)))
ENGINE_MK_PAREN := (
ENGINE_OP_NAMES := $(patsubst OP$(ENGINE_MK_PAREN)%,%,$(shell grep -o '^OP$(ENGINE_MK_PAREN)[A-Z0-9_]*' $(ENGINE_MK_DIR)ops.def))
OPS ?=
ifneq ($(strip $(OPS)),)
ENGINE_OPS_UNKNOWN := $(filter-out $(ENGINE_OP_NAMES),$(OPS))
ifneq ($(ENGINE_OPS_UNKNOWN),)
$(error OPS names ops the engine does not have: $(ENGINE_OPS_UNKNOWN) (see engine/ops.def))
endif
ENGINE_OPS_DEFS := -DTF_OPS_SELECTED=1 \
    $(foreach n,$(ENGINE_OP_NAMES),-DTF_OP_$(n)=$(if $(filter $(n),$(OPS)),1,0))
else
ENGINE_OPS_DEFS :=
endif
