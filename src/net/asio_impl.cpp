// The compiled parts of Asio and Beast, built once here instead of in every
// file that includes them (BOOST_ASIO_SEPARATE_COMPILATION).
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
