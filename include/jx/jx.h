// The umbrella header: everything a jx user needs.
#pragma once

#include "jx/array.h"
#include "jx/custom_derivatives.h"
#include "jx/device.h"
#include "jx/dtype.h"
#include "jx/error.h"
#include "jx/io.h"
#include "jx/ir.h"
#include "jx/jit.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "jx/optim.h"
#include "jx/primitive.h"
#include "jx/random.h"
#include "jx/shape.h"
#include "jx/transforms.h"
#include "jx/tree.h"
// Contractions, indexing, sorting, scans and linear algebra (one header per family).
#if __has_include("jx/lax_contract.h")
#include "jx/lax_contract.h"
#endif
#if __has_include("jx/lax_indexing.h")
#include "jx/lax_indexing.h"
#endif
#if __has_include("jx/lax_sort.h")
#include "jx/lax_sort.h"
#endif
#if __has_include("jx/lax_linalg.h")
#include "jx/lax_linalg.h"
#endif
#if __has_include("jx/numpy_indexing.h")
#include "jx/numpy_indexing.h"
#endif
#if __has_include("jx/numpy_sort.h")
#include "jx/numpy_sort.h"
#endif
#if __has_include("jx/numpy_linalg.h")
#include "jx/numpy_linalg.h"
#endif
#if __has_include("jx/numpy_contract.h")
#include "jx/numpy_contract.h"
#endif
