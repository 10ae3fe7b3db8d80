/* SPDX-License-Identifier: MIT */
#ifndef BARCO_NETDEV_H
#define BARCO_NETDEV_H

#include "barco/error.h"
#include "barco/spec.h"

#endif
