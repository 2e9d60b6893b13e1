#include "http/forms.hpp"

#include <fstream>
#include <sstream>

#include "auth/cookies.hpp"
#include "auth/secrets.hpp"
#include "http/html_template.hpp"
#include "http/http_request.hpp"
#include "http/identity_api.hpp"

namespace parley::transport {

namespace http = boost::beast::http;
using core::ErrorCode;

namespace {

constexpr std::chrono::hours kFormCookieLifetime{24};

// Where to go after the form: a room page, or home.
std::string next_of(const std::optional<std::string>& next) {
  if (next && next->starts_with("/r/") &&
      core::RoomName::parse(std::string_view(*next).substr(3))) {
    return *next;
  }
  return "/";
}

std::optional<std::string> form_cookie_of(const Request& request) {
  auto value = cookie_of(request, auth::kFormCookie);
  if (!value || !auth::looks_like_secret(*value)) return std::nullopt;
  return value;
}

Response page(ServerContext& context, const Request& request, std::string_view name,
              const TemplateValues& values, http::status status) {
  std::ifstream file(context.web_dir / "templates" / name);
  if (!file) return error_response(request, ErrorCode::internal, "page template missing");
  std::ostringstream text;
  text << file.rdbuf();
  Response response{status, request.version()};
  response.set(http::field::server, "parley");
  response.set(http::field::content_type, "text/html; charset=utf-8");
  response.set(http::field::cache_control, "no-store");
  response.set("X-Content-Type-Options", "nosniff");
  add_page_security_headers(response);
  response.keep_alive(request.keep_alive());
  response.body() = render_template(text.str(), values);
  response.prepare_payload();
  return response;
}

// The form's page, with the CSRF token it must post back.
Response form_page(ServerContext& context, const ApiCall& call, std::string_view name,
                   TemplateValues values, http::status status) {
  std::optional<std::string> new_form_cookie;
  if (call.caller.session) {
    values["csrf_token"] = call.caller.session->csrf_token;
  } else if (auto existing = form_cookie_of(call.request)) {
    values["csrf_token"] = *existing;
  } else {
    new_form_cookie = auth::random_secret();
    values["csrf_token"] = *new_form_cookie;
  }
  Response response = page(context, call.request, name, values, status);
  if (new_form_cookie) {
    response.set(http::field::set_cookie, auth::make_cookie(auth::kFormCookie, *new_form_cookie,
                                                            kFormCookieLifetime, call.transport));
  }
  return response;
}

Response see_other(const Request& request, const std::string& location) {
  Response response{http::status::see_other, request.version()};
  response.set(http::field::server, "parley");
  response.set(http::field::location, location);
  response.set(http::field::cache_control, "no-store");
  response.keep_alive(request.keep_alive());
  response.prepare_payload();
  return response;
}

void post_account_form(ServerContext& context, const ApiCallPtr& call, bool registering) {
  const std::string_view template_name = registering ? "register.html" : "login.html";
  const auto name_text = form_field(call->request, "name");
  const std::string next = next_of(form_field(call->request, "next"));
  TemplateValues values{{"name", name_text.value_or("")}, {"next", next}};
  const auto fail = [&context, call, template_name, values](
                        http::status status, std::string message, std::int64_t retry_after_s = 0) {
    TemplateValues filled = values;
    filled["error"] = std::move(message);
    Response response = form_page(context, *call, template_name, std::move(filled), status);
    if (retry_after_s > 0) response.set(http::field::retry_after, std::to_string(retry_after_s));
    call->respond(std::move(response));
  };

  // Without a session, the token must match the form cookie (double submit).
  if (!call->caller.session) {
    const auto token = form_field(call->request, "csrf_token");
    const auto cookie = form_cookie_of(call->request);
    if (!token || !cookie || !auth::equals_in_constant_time(*token, *cookie)) {
      return fail(http::status::forbidden, "This form has expired. Please try again.");
    }
  }
  auto name = name_text ? core::UserName::parse(*name_text) : std::nullopt;
  if (!name) {
    return fail(http::status::bad_request,
                "A name has 1 to 32 letters, digits, _ . or -, starting with a letter or digit.");
  }
  std::string password = form_field(call->request, "password").value_or("");
  auto done = [&context, call, next, fail](service::Outcome<service::SessionStarted> outcome) {
    if (auto* refusal = std::get_if<service::Refusal>(&outcome)) {
      return fail(static_cast<http::status>(core::http_status_of(refusal->code)), refusal->message,
                  refusal->retry_after_s);
    }
    const auto& started = std::get<service::SessionStarted>(outcome);
    Response response = see_other(call->request, next);
    response.set(http::field::set_cookie,
                 session_cookie_for(call->transport, started.secret, started.lifetime));
    call->respond(std::move(response));
  };
  if (registering) {
    context.accounts.register_account(*name, std::move(password), call->address,
                                      flag_when_abandoned(*call), std::move(done));
  } else {
    context.accounts.log_in(*name, std::move(password), call->address, flag_when_abandoned(*call),
                            std::move(done));
  }
}

}  // namespace

bool handle_form_page(ServerContext& context, const ApiCallPtr& call) {
  const std::string& path = call->path;
  const auto method = call->request.method();
  if (path == "/login" || path == "/register") {
    const bool registering = path == "/register";
    if (method == http::verb::post) {
      post_account_form(context, call, registering);
    } else if (method == http::verb::get || method == http::verb::head) {
      std::optional<std::string> next;
      const auto params = boost::urls::url_view(call->target).params();
      if (auto it = params.find("next"); it != params.end()) next = (*it).value;
      call->respond(form_page(context, *call, registering ? "register.html" : "login.html",
                              {{"next", next_of(next)}}, http::status::ok));
    } else {
      call->respond(method_not_allowed(call->request, "GET, HEAD, POST"));
    }
    return true;
  }
  if (path == "/logout") {
    if (method != http::verb::post) {
      call->respond(method_not_allowed(call->request, "POST"));
      return true;
    }
    Response response = see_other(call->request, "/");
    response.set(http::field::set_cookie,
                 auth::expire_cookie(auth::kSessionCookie, call->transport));
    if (!call->caller.session) {
      call->respond(std::move(response));
      return true;
    }
    log_out(context, call->caller,
            [call, response = std::move(response)](service::Outcome<bool>) mutable {
              call->respond(std::move(response));
            });
    return true;
  }
  return false;
}

}  // namespace parley::transport
