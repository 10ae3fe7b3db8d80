/* SPDX-License-Identifier: MIT */
#include "barco/procattr.h"
