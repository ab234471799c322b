# Whether node_modules holds what package-lock.json asks for: bootstrap and start both ask.
# The answer compares the lock file's content with a stamp bootstrap writes after installing,
# not modification times: a fresh checkout of another branch (or a second worktree sharing
# one node_modules) gives the lock file a new mtime without changing a dependency, and
# reinstalling then would wipe a folder others are using.

npm_deps_manifest() { if [[ -f package-lock.json ]]; then echo package-lock.json; else echo package.json; fi; }
npm_deps_stamp() { echo node_modules/.edgestay-deps; }
npm_deps_digest() { sha256sum < "$(npm_deps_manifest)" | cut -d' ' -f1; }

# True when node_modules exists and was installed from the manifest as it is now.
npm_deps_current() {
  [[ -d node_modules && -f "$(npm_deps_stamp)" ]] && [[ "$(cat "$(npm_deps_stamp)")" == "$(npm_deps_digest)" ]]
}

npm_deps_mark_current() { npm_deps_digest > "$(npm_deps_stamp)"; }
