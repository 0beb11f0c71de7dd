# Shared by the rig scripts (sourced, not run): which recipe, where the cache
# is, and a private apt for the recipe's Debian suites.
#
#   ZLAB_RIG_ZFS     the OpenZFS line: 2.1, 2.3 or 2.4 (default: ZLAB_RIG_DEFAULT_ZFS)
#   ZLAB_RIG_CACHE   where guests, modules and chroots are cached (default ~/.cache/zlab/rig)

# The newest line, on which the whole rig suite runs (zlab's --zfs default
# says the same; a unit test in src/rig/cache.rs keeps them together).
ZLAB_RIG_DEFAULT_ZFS=2.4

rig_cache=${ZLAB_RIG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/zlab/rig}

# Loads rig/guest-<line>.conf into the caller; sets `recipe` to its path.
rig_recipe() {
  local line=${ZLAB_RIG_ZFS:-$ZLAB_RIG_DEFAULT_ZFS}
  recipe="$here/guest-$line.conf"
  if [ ! -f "$recipe" ]; then
    echo "rig: no recipe for OpenZFS $line (have: $(cd "$here" && ls guest-*.conf | sed 's/guest-//; s/\.conf//' | tr '\n' ' '))" >&2
    exit 2
  fi
  # shellcheck source=/dev/null
  . "$recipe"
}

# apt with its own sources, lists and package cache under the rig cache: the
# recipe's suites (another Debian release, backports, contrib) never reach the
# system's apt, and an empty dpkg status makes `depends --recurse` list
# everything a guest needs rather than what the host lacks.
rig_apt_setup() {
  apt_dir="$rig_cache/apt/$ZFS_LINE"
  mkdir -p "$apt_dir/state/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/parts"
  [ -f "$apt_dir/state/status" ] || : > "$apt_dir/state/status"
  local sources="" suite keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  for suite in $APT_SUITES; do
    sources+="deb [signed-by=$keyring] http://deb.debian.org/debian $suite main contrib"$'\n'
  done
  sources+="deb [signed-by=$keyring] http://deb.debian.org/debian-security $GUEST_SUITE-security main contrib"$'\n'
  apt_opts=(-o "Dir::State=$apt_dir/state" -o "Dir::State::status=$apt_dir/state/status"
    -o "Dir::Cache=$apt_dir/cache" -o "Dir::Etc::SourceList=$apt_dir/sources.list"
    -o "Dir::Etc::SourceParts=$apt_dir/parts" -o "Dir::Etc::PreferencesParts=$apt_dir/parts"
    -o "Dir::Etc::Preferences=$apt_dir/parts/none" -o APT::Sandbox::User=root)
  # Lists are refreshed when the sources change or are a day old.
  if [ "$(cat "$apt_dir/sources.list" 2>/dev/null)" != "${sources%$'\n'}" ] ||
    [ -z "$(find "$apt_dir/state/lists" -maxdepth 1 -name '*Packages*' -mmin -1440 -print -quit)" ]; then
    printf '%s' "$sources" > "$apt_dir/sources.list"
    echo "rig: apt-get update for $APT_SUITES (private lists in $apt_dir)" >&2
    apt-get "${apt_opts[@]}" update -qq >&2
  fi
}

rig_apt_get() { apt-get "${apt_opts[@]}" "$@"; }
rig_apt_cache() { apt-cache "${apt_opts[@]}" "$@"; }
