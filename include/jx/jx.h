// The umbrella header: everything a jx user needs.
#pragma once

#include "jx/array.h"
#include "jx/device.h"
#include "jx/dtype.h"
#include "jx/error.h"
#include "jx/ir.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "jx/primitive.h"
#include "jx/shape.h"
#include "jx/transforms.h"
#include "jx/tree.h"
#if __has_include("jx/random.h")
#include "jx/random.h"
#endif
