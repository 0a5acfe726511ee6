#!/usr/bin/env bash
# Makes sure Java and Apache ZooKeeper 3.8 are present for the test harness (src/testing), and the Apache
# Curator jars that the interop tests run against.
#
# Runs before every `npm test`, so the common case (everything installed) is a few file tests and one
# `java -version`, and prints nothing. Where something is missing and we are root with apt-get, it installs
# the Debian packages; otherwise it prints what to install and exits 1.
#
# A ZooKeeper of your own is used as is: set ZK_HOME (an unpacked release) or ZOOKEEPER_CLASSPATH
# (colon-separated jars) and nothing is installed.
set -euo pipefail

debian_jars=/usr/share/java

java_runs() {
  command -v java >/dev/null 2>&1 && java -version >/dev/null 2>&1
}

own_zookeeper() {
  [[ -n "${ZK_HOME:-}" || -n "${ZOOKEEPER_CLASSPATH:-}" ]]
}

missing=()
if ! java_runs; then
  missing+=(default-jre-headless)
fi
if own_zookeeper; then
  # The user brought ZooKeeper; only Java can be missing, and we do not install Curator next to it.
  if ((${#missing[@]} == 0)); then
    exit 0
  fi
else
  if [[ ! -f "$debian_jars/zookeeper.jar" ]]; then
    missing+=(zookeeper)
  fi
  if [[ ! -f "$debian_jars/curator-recipes.jar" || ! -f "$debian_jars/curator-framework.jar" ]]; then
    missing+=(libcurator-recipes-java libcurator-framework-java)
  fi
  # curator-x-discovery, for the naming interop tests; it brings Jackson (jackson-databind.jar) along.
  if [[ ! -f "$debian_jars/curator-x-discovery.jar" || ! -f "$debian_jars/jackson-databind.jar" ]]; then
    missing+=(libcurator-discovery-java)
  fi
  if ((${#missing[@]} == 0)); then
    exit 0
  fi
fi

if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-zookeeper: installing ${missing[*]} (apt-get)" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
  if ! java_runs; then
    echo "ensure-zookeeper: java still does not run after installing ${missing[*]}" >&2
    exit 1
  fi
  if ! own_zookeeper && [[ ! -f "$debian_jars/zookeeper.jar" ]]; then
    echo "ensure-zookeeper: $debian_jars/zookeeper.jar is still missing after installing ${missing[*]}" >&2
    exit 1
  fi
  exit 0
fi

only_curator=true
for package in "${missing[@]}"; do
  case "$package" in
    libcurator-*) ;;
    *) only_curator=false ;;
  esac
done

if [[ "$only_curator" == true ]]; then
  # ZooKeeper and Java are there, so the test servers run; only the Curator interop tests need these jars.
  cat >&2 <<EOF
ensure-zookeeper: warning: the Apache Curator jars are missing; the Curator interop tests will fail.
  Install them with: sudo apt-get install ${missing[*]}
EOF
  exit 0
fi

cat >&2 <<EOF
ensure-zookeeper: the tests need Java (17 or later) and Apache ZooKeeper 3.8; missing: ${missing[*]}.
  On Debian/Ubuntu, as root:
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y ${missing[*]}
  Elsewhere: install a Java runtime (17+) so that \`java\` is on PATH, unpack an Apache ZooKeeper 3.8.x
  release and set ZK_HOME to its directory (or ZOOKEEPER_CLASSPATH to its jars, colon-separated).
EOF
exit 1
