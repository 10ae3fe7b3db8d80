/* SPDX-License-Identifier: MIT */
#include "barco/netdev.h"
