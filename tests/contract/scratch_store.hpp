// A Store made for one test: forwards every call to the backend it holds and,
// once that backend is closed, removes whatever held its data (a temporary
// folder, a database), so no test sees another's data or leaves any behind.
// One thread, like every Store.
#pragma once

#include <functional>
#include <memory>

#include "store/store.hpp"

namespace parley::contract {

class ScratchStore final : public store::Store {
 public:
  // `open_again`, when given, opens another backend on the same data.
  ScratchStore(std::unique_ptr<store::Store> backend, std::function<void()> remove_data,
               std::function<std::unique_ptr<store::Store>()> open_again = {});
  ~ScratchStore() override;
  ScratchStore(const ScratchStore&) = delete;
  ScratchStore& operator=(const ScratchStore&) = delete;

  store::Result<store::RoomRecord> open_room(const core::RoomName& room) override;
  store::Result<std::optional<store::RoomRecord>> enter_room(const core::RoomName& room,
                                                             const core::Identity& viewer,
                                                             bool create) override;
  store::Result<bool> create_room(const core::RoomName& room, core::RoomKind kind,
                                  const core::Identity& owner, std::int64_t now_ms) override;
  store::Result<std::optional<store::DirectRoom>> open_direct(const core::Identity& caller,
                                                              const core::UserName& other,
                                                              std::int64_t now_ms) override;
  store::Result<store::AccessChange> grant_access(const core::RoomName& room,
                                                  const core::Identity& actor,
                                                  const core::UserName& user,
                                                  std::int64_t now_ms) override;
  store::Result<store::AccessChange> revoke_access(const core::RoomName& room,
                                                   const core::Identity& actor,
                                                   const core::UserName& user) override;
  store::Result<std::vector<std::string>> list_access(const core::RoomName& room) override;
  store::Result<std::vector<store::Appended>> append_batch(
      std::span<const store::AppendRequest> requests, std::int64_t now_ms) override;
  store::Result<std::vector<store::StoredMessage>> read_messages(
      const store::RangeQuery& query) override;
  store::Result<std::vector<store::RoomRecord>> list_rooms(std::size_t limit) override;
  store::Result<std::optional<store::ReadMarker>> mark_read(
      const std::string& reader, const core::RoomName& room,
      std::optional<std::uint64_t> seq) override;
  store::Result<std::vector<store::RoomReading>> list_reading(const core::Identity& reader,
                                                              std::size_t limit) override;

  store::Result<bool> create_account(const core::UserName& user, const std::string& password_hash,
                                     std::int64_t now_ms) override;
  store::Result<std::optional<store::Account>> find_account(const core::UserName& user) override;
  store::Result<bool> is_name_taken(const core::UserName& user, std::int64_t now_ms) override;
  store::Result<bool> create_session(const store::SessionRecord& session,
                                     std::int64_t now_ms) override;
  store::Result<std::optional<store::SessionRecord>> find_session(const std::string& id_digest,
                                                                  std::int64_t now_ms) override;
  store::Result<void> extend_session(const std::string& id_digest,
                                     std::int64_t expires_ms) override;
  store::Result<std::size_t> extend_live_sessions(const std::vector<std::string>& id_digests,
                                                  std::int64_t expires_ms,
                                                  std::int64_t now_ms) override;
  store::Result<void> delete_session(const std::string& id_digest) override;
  store::Result<std::size_t> delete_expired_sessions(std::int64_t now_ms) override;
  store::Result<void> create_token(const store::TokenRecord& token) override;
  store::Result<std::optional<store::TokenRecord>> find_token(const std::string& digest) override;
  store::Result<std::vector<store::TokenRecord>> list_tokens(const core::UserName& user) override;
  store::Result<std::size_t> count_live_tokens(const core::UserName& user) override;
  store::Result<bool> revoke_token(const core::UserName& user, const std::string& id) override;

  store::Result<bool> set_password(const core::UserName& user,
                                   const std::string& password_hash) override;
  store::Result<bool> set_server_role(const core::UserName& user, store::ServerRole role) override;
  store::Result<bool> delete_account(const core::UserName& user, std::int64_t now_ms) override;
  store::Result<std::vector<store::RoomSummary>> list_all_rooms() override;
  store::Result<bool> delete_room(const core::RoomName& room) override;
  store::Result<std::vector<store::ArchivedRoom>> list_archived_rooms(const std::string& after_key,
                                                                      std::size_t limit) override;
  store::Result<bool> import_room(const store::ArchivedRoom& room) override;
  store::Result<void> import_events(const core::RoomName& room,
                                    std::span<const store::StoredMessage> events) override;
  store::Result<store::RetentionBatch> trim_history(const store::RetentionPolicy& policy,
                                                    const store::RetentionCursor& from,
                                                    std::int64_t now_ms) override;
  store::Result<std::uint64_t> trimmed_seq(const core::RoomName& room) override;

  store::Result<void> check() override;
  bool last_failure_is_transient() const override;

  // Another backend on this one's data (see StoreFactory::open_again);
  // nullptr when it has none.
  std::unique_ptr<store::Store> open_again() const;

 private:
  std::unique_ptr<store::Store> backend_;
  std::function<void()> remove_data_;
  std::function<std::unique_ptr<store::Store>()> open_again_;
};

}  // namespace parley::contract
