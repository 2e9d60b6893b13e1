// What every store call answers: a value, or the error_code of why not.
#pragma once

#include <boost/system/result.hpp>

namespace parley::store {

template <class T>
using Result = boost::system::result<T>;

}  // namespace parley::store
