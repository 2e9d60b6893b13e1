#include "http/identity_api.hpp"

#include <boost/json.hpp>

#include "auth/cookies.hpp"
#include "http/http_request.hpp"
#include "service/account_service.hpp"

namespace parley::transport {

namespace http = boost::beast::http;
namespace json = boost::json;
using core::ErrorCode;

namespace {

std::string identity_json(const auth::Identity& identity, const std::string& csrf_token) {
  return json::serialize(json::object{
      {"user", identity.user.text()}, {"guest", identity.is_guest()}, {"csrf_token", csrf_token}});
}

// Answers a new session: its JSON and its cookie.
auto answer_session(ServerContext& context, const ApiCallPtr& call, http::status status) {
  return [&context, call, status](service::Outcome<service::SessionStarted> outcome) {
    if (auto* refusal = std::get_if<service::Refusal>(&outcome)) return call->refuse(*refusal);
    const auto& started = std::get<service::SessionStarted>(outcome);
    Response response =
        json_response(call->request, status, identity_json(started.identity, started.csrf_token));
    response.set(http::field::set_cookie,
                 session_cookie_for(call->transport, started.secret, started.lifetime));
    call->respond(std::move(response));
  };
}

// The name (and password) of a JSON body, or the answer already sent.
struct NameAndPassword {
  std::optional<core::UserName> name;
  std::string password;
};
std::optional<NameAndPassword> read_credentials(const ApiCall& call, bool with_password) {
  auto body = json_body_of(call.request);
  if (auto* refused = std::get_if<Response>(&body)) {
    call.respond(std::move(*refused));
    return std::nullopt;
  }
  const auto& object = std::get<json::object>(body);
  auto name_text = string_field(object, "name");
  auto name = name_text ? core::UserName::parse(*name_text) : std::nullopt;
  if (!name) {
    call.refuse(ErrorCode::bad_request,
                "name must be 1-32 of A-Z a-z 0-9 _ . - starting with a letter or digit");
    return std::nullopt;
  }
  NameAndPassword result{name, ""};
  if (with_password) {
    auto password = string_field(object, "password");
    if (!password) {
      call.refuse(ErrorCode::bad_request, "password must be a string");
      return std::nullopt;
    }
    result.password = std::move(*password);
  }
  return result;
}

}  // namespace

auth::ClientGone flag_when_abandoned(ApiCall& call) {
  auto gone = std::make_shared<std::atomic<bool>>(false);
  call.when_abandoned([gone] { gone->store(true, std::memory_order_release); });
  return gone;
}

void log_out(ServerContext& context, const auth::Caller& caller,
             service::AccountService::Done<bool> done) {
  context.accounts.log_out(*caller.session, std::move(done));
  if (caller.identity && caller.identity->is_guest()) context.polls.leave_all_of(*caller.identity);
}

std::string session_cookie_for(auth::Transport transport, const std::string& secret,
                               std::chrono::seconds lifetime) {
  return auth::make_cookie(auth::kSessionCookie, secret, lifetime, transport);
}

bool handle_identity_api(ServerContext& context, const ApiCallPtr& call) {
  const std::string& path = call->path;
  const auto method = call->request.method();
  service::AccountService& accounts = context.accounts;

  if (path == "/api/guest" || path == "/api/register" || path == "/api/login") {
    if (method != http::verb::post) {
      call->respond(method_not_allowed(call->request, "POST"));
      return true;
    }
    const bool with_password = path != "/api/guest";
    auto input = read_credentials(*call, with_password);
    if (!input) return true;
    if (path == "/api/guest") {
      accounts.start_guest(*input->name, call->address,
                           answer_session(context, call, http::status::ok));
    } else if (path == "/api/register") {
      accounts.register_account(*input->name, std::move(input->password), call->address,
                                flag_when_abandoned(*call),
                                answer_session(context, call, http::status::created));
    } else {
      accounts.log_in(*input->name, std::move(input->password), call->address,
                      flag_when_abandoned(*call), answer_session(context, call, http::status::ok));
    }
    return true;
  }

  if (path == "/api/logout") {
    if (method != http::verb::post) {
      call->respond(method_not_allowed(call->request, "POST"));
      return true;
    }
    if (!call->require_identity()) return true;
    const auto answer = [&context, call](service::Outcome<bool> outcome) {
      if (auto* refusal = std::get_if<service::Refusal>(&outcome)) return call->refuse(*refusal);
      Response response = no_content_response(call->request);
      if (call->caller.session) {
        response.set(http::field::set_cookie,
                     auth::expire_cookie(auth::kSessionCookie, call->transport));
      }
      call->respond(std::move(response));
    };
    if (call->caller.session) {
      log_out(context, call->caller, answer);
    } else {
      answer(true);  // a bearer token has no session to end
    }
    return true;
  }

  if (path == "/api/me") {
    if (method != http::verb::get && method != http::verb::head) {
      call->respond(method_not_allowed(call->request, "GET, HEAD"));
      return true;
    }
    if (!call->require_identity()) return true;
    const std::string csrf = call->caller.session ? call->caller.session->csrf_token : "";
    call->respond(json_response(call->request, http::status::ok,
                                identity_json(*call->caller.identity, csrf)));
    return true;
  }

  if (path == "/api/tokens") {
    if (method != http::verb::post && method != http::verb::get && method != http::verb::head) {
      call->respond(method_not_allowed(call->request, "GET, HEAD, POST"));
      return true;
    }
    if (!call->require_identity()) return true;
    if (method == http::verb::post) {
      accounts.create_token(
          *call->caller.identity, [call](service::Outcome<service::TokenCreated> outcome) {
            if (auto* refusal = std::get_if<service::Refusal>(&outcome)) {
              return call->refuse(*refusal);
            }
            const auto& created = std::get<service::TokenCreated>(outcome);
            call->respond(json_response(
                call->request, http::status::created,
                json::serialize(json::object{{"token", created.token}, {"id", created.id}})));
          });
    } else if (!call->answered_head()) {
      accounts.list_tokens(
          *call->caller.identity,
          [call](service::Outcome<std::vector<store::TokenRecord>> outcome) {
            if (auto* refusal = std::get_if<service::Refusal>(&outcome)) {
              return call->refuse(*refusal);
            }
            json::array tokens;
            for (const auto& token : std::get<std::vector<store::TokenRecord>>(outcome)) {
              tokens.push_back(json::object{{"id", token.id}, {"created", token.created_ms}});
            }
            call->respond(json_response(call->request, http::status::ok,
                                        json::serialize(json::object{{"tokens", tokens}})));
          });
    }
    return true;
  }

  if (path.starts_with("/api/tokens/")) {
    if (method != http::verb::delete_) {
      call->respond(method_not_allowed(call->request, "DELETE"));
      return true;
    }
    if (!call->require_identity()) return true;
    accounts.revoke_token(*call->caller.identity, path.substr(12),
                          [call](service::Outcome<bool> outcome) {
                            if (auto* refusal = std::get_if<service::Refusal>(&outcome)) {
                              return call->refuse(*refusal);
                            }
                            call->respond(no_content_response(call->request));
                          });
    return true;
  }
  return false;
}

}  // namespace parley::transport
