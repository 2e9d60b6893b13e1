// What a storage backend implements: message history (MessageStore),
// identity (IdentityStore) and export, import and retention of history
// (HistoryArchive), over one connection. A Store is used by one
// thread only: the StoreWorker's. Implementations: MemoryStore (tests),
// SqliteStore.
#pragma once

#include "store/history_archive.hpp"
#include "store/identity_store.hpp"
#include "store/message_store.hpp"
#include "store/result.hpp"

namespace parley::store {

// The two halves are separate interfaces so that code which needs one says
// so; a backend implements both, since a session, a token and a message are
// written through the same connection and the same worker.
class Store : public MessageStore, public IdentityStore, public HistoryArchive {
 public:
  // Answers without error when the store can serve.
  virtual Result<void> check() = 0;

  // After append_batch failed: true when nothing of the batch reached the
  // database and the next batch may simply be tried (another process held
  // the lock, the disk was full); false when the outcome is not known (a
  // failed write or sync), after which nothing more should be written.
  virtual bool last_failure_is_transient() const { return false; }
};

}  // namespace parley::store
