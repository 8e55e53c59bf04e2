// Numerical checks of automatic differentiation, as jax.test_util.check_grads.
//
// check_grads(f, args, order) compares f's forward-mode derivative (jvp_flat)
// with central finite differences along one random direction, and its
// reverse-mode derivative (vjp_flat) with the same finite differences through
// the inner-product identity <t, vjp(ct)> == <jvp(t), ct>. With order > 1 it
// repeats both checks on the jvp and vjp functions themselves (forward over
// forward, reverse over reverse, ...), so second derivatives are checked too.
// Directions come from a fixed seed: a check gives the same verdict every run.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "jx/transforms_flat.h"

namespace jx::test {

/// JAX's default gradient tolerance for a dtype (absolute and relative):
/// float64 1e-5, float32 2e-3, float16 1e-2, bfloat16 1e-1; 0 for integers.
double default_gradient_tolerance(DType dt);

/// Checks the derivatives of f at `args` up to `order` in the given modes
/// ("fwd" and/or "rev"). Only floating inputs are perturbed and only floating
/// outputs compared (integer and bool values carry no tangent). Elements pass
/// when |ad - numeric| <= atol * n + rtol * n * |numeric| (n: the number of
/// elements compared; JAX's rule), with atol and rtol defaulting to the
/// largest default_gradient_tolerance of the dtypes involved and eps (the
/// finite-difference step) to 1e-4. Throws jx::Error naming the mode ("JVP",
/// "VJP of JVP", ...), the order, the worst error and the tolerance.
void check_grads(const FlatFn& f, std::span<const Array> args, int order,
                 std::vector<std::string> modes = {"fwd", "rev"}, std::optional<double> atol = {},
                 std::optional<double> rtol = {}, std::optional<double> eps = {});

}  // namespace jx::test
