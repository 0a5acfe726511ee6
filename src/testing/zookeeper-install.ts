/**
 * Finds a local Apache ZooKeeper installation and a Java runtime to run it with. The test harness never
 * downloads anything: it uses what `scripts/ensure-zookeeper.sh` (or the user) installed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Where the jars of a {@link ZooKeeperInstallation} were found. */
export type ZooKeeperSource = 'ZOOKEEPER_CLASSPATH' | 'ZK_HOME' | 'debian';

/** A Java runtime and the classpath of an Apache ZooKeeper server. */
export interface ZooKeeperInstallation {
  /** Classpath entries (jars, or `dir/*` wildcards as Java understands them). */
  classpath: string[];
  /** The `java` executable. */
  java: string;
  /** Which rule found the jars. */
  source: ZooKeeperSource;
}

/** Where the Debian package `zookeeper` (and its dependencies) put their jars. */
export const DEBIAN_JAR_DIR = '/usr/share/java';

/** Jars the Debian layout cannot run without. */
const DEBIAN_REQUIRED = ['zookeeper.jar', 'zookeeper-jute.jar', 'slf4j-api.jar'];

/** Jars used when present: logging to a file, and Netty for servers configured to use it. */
const DEBIAN_OPTIONAL = [
  'slf4j-simple.jar',
  'netty-handler.jar',
  'netty-transport.jar',
  'netty-common.jar',
  'netty-buffer.jar',
  'netty-codec.jar',
  'netty-resolver.jar',
  'netty-transport-native-epoll.jar',
  'netty-transport-native-unix-common.jar',
];

/** What to do about a missing installation, naming the install script as the user can type it from here. */
function howToInstall(): string {
  return (
    `Run \`bash ${installScript()}\` (Debian/Ubuntu: \`apt-get install zookeeper\`), ` +
    'or set ZK_HOME to an unpacked Apache ZooKeeper 3.8 release, or ZOOKEEPER_CLASSPATH to its jars.'
  );
}

/**
 * The package's `scripts/ensure-zookeeper.sh` as the user can type it from the working directory: in an
 * app `node_modules/zk-recipes/scripts/ensure-zookeeper.sh`, in this repository `scripts/ensure-zookeeper.sh`.
 */
function installScript(): string {
  const installed = path.join('node_modules', 'zk-recipes', 'scripts', 'ensure-zookeeper.sh');
  const repository = path.join('scripts', 'ensure-zookeeper.sh');
  return !fs.existsSync(installed) && fs.existsSync(repository) ? repository : installed;
}

/** Thrown when no ZooKeeper installation or no Java runtime can be found; the message says how to get one. */
export class ZooKeeperNotFoundError extends Error {
  override readonly name = 'ZooKeeperNotFoundError';
}

/**
 * Finds ZooKeeper's classpath: `ZOOKEEPER_CLASSPATH`, else `ZK_HOME` (its `lib/*.jar` and its zookeeper
 * jar), else the jars of the Debian package in `/usr/share/java`; and `java` from `JAVA_HOME` or `PATH`.
 *
 * @param env - the environment to read (`process.env` by default; pass your own to test or override).
 * @throws {@link ZooKeeperNotFoundError} naming the package's `scripts/ensure-zookeeper.sh` when something is missing.
 */
export function findZooKeeper(env: NodeJS.ProcessEnv = process.env): ZooKeeperInstallation {
  const found = findClasspath(env);
  return { ...found, java: findJava(env) };
}

function findClasspath(env: NodeJS.ProcessEnv): Omit<ZooKeeperInstallation, 'java'> {
  const explicit = env['ZOOKEEPER_CLASSPATH'];
  if (explicit) {
    const classpath = explicit.split(path.delimiter).filter((entry) => entry.length > 0);
    if (classpath.length === 0) {
      throw new ZooKeeperNotFoundError(`ZOOKEEPER_CLASSPATH is set but lists no jars. ${howToInstall()}`);
    }
    return { classpath, source: 'ZOOKEEPER_CLASSPATH' };
  }

  const home = env['ZK_HOME'];
  if (home) {
    return { classpath: zkHomeClasspath(home), source: 'ZK_HOME' };
  }

  const missing = DEBIAN_REQUIRED.filter((jar) => !fs.existsSync(path.join(DEBIAN_JAR_DIR, jar)));
  if (missing.length > 0) {
    throw new ZooKeeperNotFoundError(
      `No Apache ZooKeeper installation found: ZK_HOME and ZOOKEEPER_CLASSPATH are not set and ` +
        `${missing.map((jar) => path.join(DEBIAN_JAR_DIR, jar)).join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing. ` +
        howToInstall(),
    );
  }
  const optional = DEBIAN_OPTIONAL.filter((jar) => fs.existsSync(path.join(DEBIAN_JAR_DIR, jar)));
  return {
    classpath: [...DEBIAN_REQUIRED, ...optional].map((jar) => path.join(DEBIAN_JAR_DIR, jar)),
    source: 'debian',
  };
}

/** A release has its jars in `lib/`; older layouts also keep the zookeeper jar at the top. */
function zkHomeClasspath(home: string): string[] {
  const jarsIn = (dir: string): string[] => {
    try {
      return fs
        .readdirSync(dir)
        .filter((name) => name.endsWith('.jar'))
        .sort()
        .map((name) => path.join(dir, name));
    } catch {
      return [];
    }
  };
  const topLevel = jarsIn(home).filter((jar) => /zookeeper[^/]*\.jar$/.test(path.basename(jar)));
  const classpath = [...topLevel, ...jarsIn(path.join(home, 'lib'))];
  if (!classpath.some((jar) => /^zookeeper-\d[^/]*\.jar$|^zookeeper\.jar$/.test(path.basename(jar)))) {
    throw new ZooKeeperNotFoundError(
      `ZK_HOME=${home} does not look like an Apache ZooKeeper release (no zookeeper jar in it or in its lib/). ` +
        howToInstall(),
    );
  }
  return classpath;
}

function findJava(env: NodeJS.ProcessEnv): string {
  const javaHome = env['JAVA_HOME'];
  if (javaHome) {
    const java = path.join(javaHome, 'bin', 'java');
    if (isExecutable(java)) return java;
  }
  for (const dir of (env['PATH'] ?? '').split(path.delimiter)) {
    if (dir.length === 0) continue;
    const java = path.join(dir, 'java');
    if (isExecutable(java)) return java;
  }
  throw new ZooKeeperNotFoundError(`No Java runtime found (no \`java\` on PATH or in JAVA_HOME). ${howToInstall()}`);
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
