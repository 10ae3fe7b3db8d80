/* SPDX-License-Identifier: MIT */
#include "barco/idmap.h"
