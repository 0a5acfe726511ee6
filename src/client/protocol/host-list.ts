/** The servers of a connect string, tried in a shuffled order, and its chroot. */

/** One server address. */
export interface HostPort {
  host: string;
  port: number;
}

/** `host:port,...[/chroot]` split into shuffled servers and the chroot (`''` for none). */
export class HostList {
  private readonly hosts: HostPort[];
  private index = -1;
  private triedSinceConnected = 0;
  private preferred: HostPort | undefined;
  /** The chroot every path is under on the server, without a trailing slash (`''` for none). */
  readonly chroot: string;

  constructor(connectString: string) {
    const slash = connectString.indexOf('/');
    const chroot = slash < 0 ? '' : connectString.slice(slash).replace(/\/+$/, '');
    this.chroot = chroot;
    const hosts = (slash < 0 ? connectString : connectString.slice(0, slash)).split(',').map((entry) => {
      const trimmed = entry.trim();
      const colon = trimmed.lastIndexOf(':');
      return colon < 0 ? { host: trimmed, port: 2181 } : { host: trimmed.slice(0, colon), port: Number(trimmed.slice(colon + 1)) };
    });
    // Shuffled once, so that the clients of a fleet spread over the ensemble (as the Java client does).
    for (let i = hosts.length - 1; i > 0; i -= 1) {
      const j = Math.floor(Math.random() * (i + 1));
      const [a, b] = [hosts[i], hosts[j]];
      if (a !== undefined && b !== undefined) [hosts[i], hosts[j]] = [b, a];
    }
    this.hosts = hosts;
  }

  /** Number of servers. */
  get size(): number {
    return this.hosts.length;
  }

  /** True once every server was tried since the last successful connection: time to pause before the next. */
  get exhausted(): boolean {
    return this.triedSinceConnected >= this.hosts.length;
  }

  /** Every server, in the order they are tried. */
  get all(): readonly HostPort[] {
    return this.hosts;
  }

  /** Makes `host` (one of {@link all}) the next one {@link next} returns, once: a server known to be better. */
  prefer(host: HostPort): void {
    this.preferred = host;
  }

  /** The next server to try. */
  next(): HostPort {
    if (this.exhausted) this.triedSinceConnected = 0;
    this.triedSinceConnected += 1;
    const preferred = this.preferred;
    this.preferred = undefined;
    if (preferred !== undefined && this.hosts.includes(preferred)) {
      this.index = this.hosts.indexOf(preferred);
      return preferred;
    }
    this.index = (this.index + 1) % this.hosts.length;
    const host = this.hosts[this.index];
    if (host === undefined) throw new Error('unreachable: a connect string names at least one server');
    return host;
  }

  /** A connection succeeded: the next failure may try every server again before pausing. */
  connected(): void {
    this.triedSinceConnected = 0;
  }

  /** A client path as the server sees it (under the chroot). */
  toServer(path: string): string {
    if (this.chroot === '') return path;
    return path === '/' ? this.chroot : this.chroot + path;
  }

  /** A server path as the client sees it (chroot removed). */
  fromServer(path: string): string {
    if (this.chroot === '' || !path.startsWith(this.chroot)) return path;
    return path.length === this.chroot.length ? '/' : path.slice(this.chroot.length);
  }
}
