#include "transport/http_session.hpp"

#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/url/parse.hpp>

#include "obs/log.hpp"
#include "transport/ws_session.hpp"

namespace parley::transport {

namespace beast = boost::beast;
namespace http = beast::http;
using core::ErrorCode;

HttpSession::HttpSession(boost::asio::ip::tcp::socket&& socket, ServerContext& context)
    : stream_(std::move(socket)), context_(context) {}

void HttpSession::run() { do_read(); }

void HttpSession::do_read() {
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(context_.limits.http_header_bytes));
  parser_->body_limit(context_.limits.http_body_bytes);
  // One deadline for the whole request: a slow client cannot hold it open.
  stream_.expires_after(context_.limits.http_timeout);
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
}

void HttpSession::on_read(beast::error_code error, std::size_t) {
  if (error == http::error::end_of_stream || error == beast::error::timeout ||
      error == boost::asio::error::operation_aborted || error == boost::asio::error::eof ||
      error == boost::asio::error::connection_reset) {
    stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, error);
    return;
  }
  if (error) {
    // A request we cannot parse gets one answer, then the connection closes.
    Request bad;
    bad.version(11);
    bad.keep_alive(false);
    if (error == http::error::body_limit) {
      answer(error_response(bad, ErrorCode::too_large, "request body too large"));
    } else if (error == http::error::header_limit) {
      Response response = error_response(bad, ErrorCode::bad_request, "request header too large");
      response.result(http::status::request_header_fields_too_large);
      answer(std::move(response));
    } else {
      answer(error_response(bad, ErrorCode::bad_request, "malformed HTTP request"));
    }
    return;
  }
  Request request = parser_->release();
  if (beast::websocket::is_upgrade(request)) {
    upgrade_to_websocket(std::move(request));
    return;
  }
  answer(route(request));
}

Response HttpSession::route(const Request& request) {
  auto url = boost::urls::parse_origin_form(request.target());
  if (!url) return error_response(request, ErrorCode::bad_request, "malformed request target");
  const std::string path = url->path();
  const bool is_read = request.method() == http::verb::get || request.method() == http::verb::head;

  if (path == "/healthz") {
    if (!is_read) return method_not_allowed(request, "GET, HEAD");
    if (!context_.store.is_healthy()) {
      return json_response(request, http::status::service_unavailable,
                           R"({"status":"failing","store":"failed"})");
    }
    return json_response(request, http::status::ok, R"({"status":"ok"})");
  }
  if (path == "/ws") {
    return error_response(request, ErrorCode::bad_request, "expected a WebSocket upgrade");
  }
  if (path == "/" || path == "/index.html") {
    if (!is_read) return method_not_allowed(request, "GET, HEAD");
    return file_response(request, context_.web_dir, "index.html");
  }
  if (path.starts_with("/r/")) {
    if (!is_read) return method_not_allowed(request, "GET, HEAD");
    // The name is checked but never written into the page.
    if (!core::RoomName::parse(std::string_view(path).substr(3))) {
      Response response = error_response(request, ErrorCode::not_found, "no such room");
      return response;
    }
    return file_response(request, context_.web_dir, "index.html");
  }
  if (path.starts_with("/static/")) {
    if (!is_read) return method_not_allowed(request, "GET, HEAD");
    return file_response(request, context_.web_dir, std::string_view(path).substr(8));
  }
  return error_response(request, ErrorCode::not_found, "not found");
}

void HttpSession::upgrade_to_websocket(Request request) {
  auto url = boost::urls::parse_origin_form(request.target());
  if (!url || url->path() != "/ws") {
    answer(error_response(request, ErrorCode::not_found, "not found"));
    return;
  }
  if (request.method() != http::verb::get) {
    answer(method_not_allowed(request, "GET"));
    return;
  }
  const auto params = url->params();
  if (params.contains("token")) {
    // Tokens arrive with accounts; until then no token is valid, and an
    // invalid token never falls back to another identity.
    answer(error_response(request, ErrorCode::unauthorized, "invalid token"));
    return;
  }
  auto name_param = params.find("name");
  if (name_param == params.end() || !(*name_param).has_value) {
    answer(error_response(request, ErrorCode::unauthorized, "an identity is required"));
    return;
  }
  if (!context_.allow_guests) {
    answer(error_response(request, ErrorCode::forbidden, "guests are not allowed"));
    return;
  }
  auto name = core::UserName::parse((*name_param).value);
  if (!name) {
    answer(error_response(request, ErrorCode::bad_request, "invalid user name"));
    return;
  }
  if (!context_.guests.claim(*name)) {
    answer(error_response(request, ErrorCode::conflict, "that name is taken"));
    return;
  }
  auth::Identity identity{*name, auth::IdentityKind::guest};
  std::make_shared<WsSession>(std::move(stream_), context_, std::move(identity))
      ->run(std::move(request));
}

void HttpSession::answer(Response response) {
  response_ = std::make_shared<Response>(std::move(response));
  const bool keep_alive = response_->keep_alive();
  stream_.expires_after(context_.limits.http_timeout);
  http::async_write(stream_, *response_,
                    beast::bind_front_handler(&HttpSession::on_write, shared_from_this(),
                                              keep_alive));
}

void HttpSession::on_write(bool keep_alive, beast::error_code error, std::size_t) {
  response_.reset();
  if (error) return;
  if (!keep_alive) {
    stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, error);
    return;
  }
  do_read();
}

}  // namespace parley::transport
