#!/usr/bin/env bash
# Writes a small database through the HTTP API of a parley binary, as its
# users would: two accounts, a guest, tokens (one revoked), messages in two
# rooms. Prints the secrets the clients hold, which the upgrade test uses to
# find their sessions and tokens again.
#   tests/data/make_release_database.sh path/to/parley out.db
# Needs curl, jq and the sqlite3 shell.
set -euo pipefail
binary=$1
out=$2
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

"$binary" --port 0 --data-dir "$work/data" >"$work/log" 2>&1 &
pid=$!
port=
for _ in $(seq 100); do
  port=$(sed -n 's/.*listening on http:\/\/[0-9.]*:\([0-9]*\).*/\1/p' "$work/log")
  [ -n "$port" ] && break
  sleep 0.1
done
base=http://127.0.0.1:$port
json=(-H 'Content-Type: application/json')

# POST path body jar [csrf]: the answer's body.
post() {
  curl -sf -c "$work/$3" -b "$work/$3" -X POST "$base$1" "${json[@]}" -d "$2" \
    ${4:+-H "X-CSRF-Token: $4"}
}
cookie() { awk '$6 == "parley_session" { print $7 }' "$work/$1"; }

alice_csrf=$(post /api/register '{"name":"Alice","password":"correct-horse"}' alice | jq -r .csrf_token)
carol_csrf=$(post /api/register '{"name":"carol","password":"carol-password"}' carol | jq -r .csrf_token)
gus_csrf=$(post /api/guest '{"name":"Gus"}' gus | jq -r .csrf_token)
kept=$(post /api/tokens '{}' alice "$alice_csrf")
revoked=$(post /api/tokens '{}' alice "$alice_csrf")
carol_token=$(post /api/tokens '{}' carol "$carol_csrf")

post /api/rooms/Lobby/messages '{"text":"Hello, lobby!","id":"a-1"}' alice "$alice_csrf" >/dev/null
curl -sf -X POST "$base/api/rooms/lobby/messages" "${json[@]}" \
  -H "Authorization: Bearer $(jq -r .token <<<"$kept")" \
  -d '{"text":"build #42 passed","id":"ci-42"}' >/dev/null
post /api/rooms/LOBBY/messages '{"text":"  hi <b>all</b> caf\u00e9 \ud83d\ude00","id":"g-1"}' gus \
  "$gus_csrf" >/dev/null
post /api/rooms/random/messages '{"text":"anyone here?","id":"c-1"}' carol "$carol_csrf" >/dev/null
post /api/rooms/random/messages '{"text":"me","id":"a-2"}' alice "$alice_csrf" >/dev/null
curl -sf -o /dev/null -c "$work/alice" -b "$work/alice" -X DELETE \
  "$base/api/tokens/$(jq -r .id <<<"$revoked")" -H "X-CSRF-Token: $alice_csrf"

echo "alice session: $(cookie alice)"
echo "carol session: $(cookie carol)"
echo "gus session:   $(cookie gus)"
echo "alice token:   $kept"
echo "revoked token: $revoked"
echo "carol token:   $carol_token"
curl -sf "$base/api/rooms/lobby/messages?after=0" -b "$work/alice"
echo
curl -sf "$base/api/rooms/random/messages?after=0" -b "$work/alice"
echo

kill -TERM "$pid"
wait "$pid" || true
cp "$work/data/parley.db" "$out"
# The same rows in 512-byte pages: 11 KB instead of 64 (.dump is unchanged).
sqlite3 "$out" "PRAGMA journal_mode = DELETE; PRAGMA page_size = 512; VACUUM;
  PRAGMA journal_mode = WAL;" >/dev/null
