#include "contract/scratch_store.hpp"

namespace parley::contract {

ScratchStore::ScratchStore(std::unique_ptr<store::Store> backend, std::function<void()> remove_data,
                           std::function<std::unique_ptr<store::Store>()> open_again)
    : backend_(std::move(backend)),
      remove_data_(std::move(remove_data)),
      open_again_(std::move(open_again)) {}

std::unique_ptr<store::Store> ScratchStore::open_again() const {
  return open_again_ ? open_again_() : nullptr;
}

ScratchStore::~ScratchStore() {
  backend_.reset();  // closed first: its files or database are in use until then
  if (remove_data_) remove_data_();
}

store::Result<store::RoomRecord> ScratchStore::open_room(const core::RoomName& room) {
  return backend_->open_room(room);
}

store::Result<std::optional<store::RoomRecord>> ScratchStore::enter_room(
    const core::RoomName& room, const core::Identity& viewer, bool create) {
  return backend_->enter_room(room, viewer, create);
}

store::Result<bool> ScratchStore::create_room(const core::RoomName& room, core::RoomKind kind,
                                              const core::Identity& owner, std::int64_t now_ms) {
  return backend_->create_room(room, kind, owner, now_ms);
}

store::Result<std::optional<store::DirectRoom>> ScratchStore::open_direct(
    const core::Identity& caller, const core::UserName& other, std::int64_t now_ms) {
  return backend_->open_direct(caller, other, now_ms);
}

store::Result<store::AccessChange> ScratchStore::grant_access(const core::RoomName& room,
                                                              const core::Identity& actor,
                                                              const core::UserName& user,
                                                              std::int64_t now_ms) {
  return backend_->grant_access(room, actor, user, now_ms);
}

store::Result<store::AccessChange> ScratchStore::revoke_access(const core::RoomName& room,
                                                               const core::Identity& actor,
                                                               const core::UserName& user) {
  return backend_->revoke_access(room, actor, user);
}

store::Result<std::vector<std::string>> ScratchStore::list_access(const core::RoomName& room) {
  return backend_->list_access(room);
}

store::Result<std::vector<store::Appended>> ScratchStore::append_batch(
    std::span<const store::AppendRequest> requests, std::int64_t now_ms) {
  return backend_->append_batch(requests, now_ms);
}

store::Result<std::vector<store::StoredMessage>> ScratchStore::read_messages(
    const store::RangeQuery& query) {
  return backend_->read_messages(query);
}

store::Result<std::vector<store::RoomRecord>> ScratchStore::list_rooms(std::size_t limit) {
  return backend_->list_rooms(limit);
}

store::Result<std::optional<store::ReadMarker>> ScratchStore::mark_read(
    const std::string& reader, const core::RoomName& room, std::optional<std::uint64_t> seq) {
  return backend_->mark_read(reader, room, seq);
}

store::Result<std::vector<store::RoomReading>> ScratchStore::list_reading(
    const core::Identity& reader, std::size_t limit) {
  return backend_->list_reading(reader, limit);
}

store::Result<bool> ScratchStore::create_account(const core::UserName& user,
                                                 const std::string& password_hash,
                                                 std::int64_t now_ms) {
  return backend_->create_account(user, password_hash, now_ms);
}

store::Result<std::optional<store::Account>> ScratchStore::find_account(
    const core::UserName& user) {
  return backend_->find_account(user);
}

store::Result<bool> ScratchStore::is_name_taken(const core::UserName& user, std::int64_t now_ms) {
  return backend_->is_name_taken(user, now_ms);
}

store::Result<bool> ScratchStore::create_session(const store::SessionRecord& session,
                                                 std::int64_t now_ms) {
  return backend_->create_session(session, now_ms);
}

store::Result<std::optional<store::SessionRecord>> ScratchStore::find_session(
    const std::string& id_digest, std::int64_t now_ms) {
  return backend_->find_session(id_digest, now_ms);
}

store::Result<void> ScratchStore::extend_session(const std::string& id_digest,
                                                 std::int64_t expires_ms) {
  return backend_->extend_session(id_digest, expires_ms);
}

store::Result<std::size_t> ScratchStore::extend_live_sessions(
    const std::vector<std::string>& id_digests, std::int64_t expires_ms, std::int64_t now_ms) {
  return backend_->extend_live_sessions(id_digests, expires_ms, now_ms);
}

store::Result<void> ScratchStore::delete_session(const std::string& id_digest) {
  return backend_->delete_session(id_digest);
}

store::Result<std::size_t> ScratchStore::delete_expired_sessions(std::int64_t now_ms) {
  return backend_->delete_expired_sessions(now_ms);
}

store::Result<void> ScratchStore::create_token(const store::TokenRecord& token) {
  return backend_->create_token(token);
}

store::Result<std::optional<store::TokenRecord>> ScratchStore::find_token(
    const std::string& digest) {
  return backend_->find_token(digest);
}

store::Result<std::vector<store::TokenRecord>> ScratchStore::list_tokens(
    const core::UserName& user) {
  return backend_->list_tokens(user);
}

store::Result<std::size_t> ScratchStore::count_live_tokens(const core::UserName& user) {
  return backend_->count_live_tokens(user);
}

store::Result<bool> ScratchStore::revoke_token(const core::UserName& user, const std::string& id) {
  return backend_->revoke_token(user, id);
}

store::Result<bool> ScratchStore::set_password(const core::UserName& user,
                                               const std::string& password_hash) {
  return backend_->set_password(user, password_hash);
}

store::Result<bool> ScratchStore::set_server_role(const core::UserName& user,
                                                  store::ServerRole role) {
  return backend_->set_server_role(user, role);
}

store::Result<bool> ScratchStore::delete_account(const core::UserName& user, std::int64_t now_ms) {
  return backend_->delete_account(user, now_ms);
}

store::Result<std::vector<store::RoomSummary>> ScratchStore::list_all_rooms() {
  return backend_->list_all_rooms();
}

store::Result<bool> ScratchStore::delete_room(const core::RoomName& room) {
  return backend_->delete_room(room);
}

store::Result<std::vector<store::ArchivedRoom>> ScratchStore::list_archived_rooms(
    const std::string& after_key, std::size_t limit) {
  return backend_->list_archived_rooms(after_key, limit);
}

store::Result<bool> ScratchStore::import_room(const store::ArchivedRoom& room) {
  return backend_->import_room(room);
}

store::Result<void> ScratchStore::import_events(const core::RoomName& room,
                                                std::span<const store::StoredMessage> events) {
  return backend_->import_events(room, events);
}

store::Result<store::RetentionBatch> ScratchStore::trim_history(
    const store::RetentionPolicy& policy, const store::RetentionCursor& from, std::int64_t now_ms) {
  return backend_->trim_history(policy, from, now_ms);
}

store::Result<std::uint64_t> ScratchStore::trimmed_seq(const core::RoomName& room) {
  return backend_->trimmed_seq(room);
}

store::Result<void> ScratchStore::check() {
  return backend_->check();
}

bool ScratchStore::last_failure_is_transient() const {
  return backend_->last_failure_is_transient();
}

}  // namespace parley::contract
