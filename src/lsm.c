/* SPDX-License-Identifier: MIT */
#include "barco/lsm.h"
