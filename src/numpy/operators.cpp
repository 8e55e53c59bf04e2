// The Array operators (declared in jx/numpy.h): each is the np function of
// the same meaning. The location of an error is the user's expression, carried
// by detail::ArrayAt (see jx/numpy.h).
#include "jx/numpy.h"

namespace jx {

Array operator+(detail::ArrayAt x, const Array& y) { return np::add(x.a, y, x.loc); }
Array operator-(detail::ArrayAt x, const Array& y) { return np::subtract(x.a, y, x.loc); }
Array operator*(detail::ArrayAt x, const Array& y) { return np::multiply(x.a, y, x.loc); }
Array operator/(detail::ArrayAt x, const Array& y) { return np::true_divide(x.a, y, x.loc); }
Array operator%(detail::ArrayAt x, const Array& y) { return np::mod(x.a, y, x.loc); }
Array operator<(detail::ArrayAt x, const Array& y) { return np::less(x.a, y, x.loc); }
Array operator<=(detail::ArrayAt x, const Array& y) { return np::less_equal(x.a, y, x.loc); }
Array operator>(detail::ArrayAt x, const Array& y) { return np::greater(x.a, y, x.loc); }
Array operator>=(detail::ArrayAt x, const Array& y) { return np::greater_equal(x.a, y, x.loc); }
Array operator==(detail::ArrayAt x, const Array& y) { return np::equal(x.a, y, x.loc); }
Array operator!=(detail::ArrayAt x, const Array& y) { return np::not_equal(x.a, y, x.loc); }
Array operator&(detail::ArrayAt x, const Array& y) { return np::bitwise_and(x.a, y, x.loc); }
Array operator|(detail::ArrayAt x, const Array& y) { return np::bitwise_or(x.a, y, x.loc); }
Array operator^(detail::ArrayAt x, const Array& y) { return np::bitwise_xor(x.a, y, x.loc); }

Array operator-(detail::ArrayAt x) { return np::negative(x.a, x.loc); }
Array operator+(detail::ArrayAt x) { return np::positive(x.a, x.loc); }
Array operator~(detail::ArrayAt x) { return np::invert(x.a, x.loc); }

Array& operator+=(Array& x, const np::ArrayLike& y) { return x = np::add(x, y); }
Array& operator-=(Array& x, const np::ArrayLike& y) { return x = np::subtract(x, y); }
Array& operator*=(Array& x, const np::ArrayLike& y) { return x = np::multiply(x, y); }
Array& operator/=(Array& x, const np::ArrayLike& y) { return x = np::true_divide(x, y); }

}  // namespace jx
