/**
 * Keep-alive connections to one upstream over plain TCP. Listeners are
 * module-level functions attached once per socket; they dispatch to whoever
 * currently owns the connection, so a request allocates no closures.
 */
import { connect, type Socket } from 'node:net';
import { UsageError } from '../errors.js';

export const FailureKind = { Error: 0, Timeout: 1, Closed: 2 } as const;
export type FailureKind = (typeof FailureKind)[keyof typeof FailureKind];

/** The exchange that currently uses an upstream connection. */
export interface UpstreamOwner {
  onUpstreamData(conn: UpstreamConnection, chunk: Buffer): void;
  /** The upstream finished sending (FIN); ends close-delimited bodies. */
  onUpstreamEnd(conn: UpstreamConnection): void;
  onUpstreamFailure(conn: UpstreamConnection, kind: FailureKind, error: Error | undefined): void;
  onUpstreamDrain(conn: UpstreamConnection): void;
}

const kConnection = Symbol('kcanary.upstream');
type TaggedSocket = Socket & { [kConnection]: UpstreamConnection };

export class UpstreamConnection {
  owner: UpstreamOwner | null = null;
  /** Requests this connection has carried before the current one. */
  uses = 0;
  dead = false;

  constructor(
    readonly pool: UpstreamPool,
    readonly socket: Socket,
  ) {}

  /** Closes the connection for good (it is never returned to the pool). */
  destroy(): void {
    this.dead = true;
    this.owner = null;
    this.socket.destroy();
  }
}

export interface UpstreamPoolOptions {
  /** Inactivity limit, both while waiting on an answer and while idle in the pool. */
  timeoutMs: number;
  maxIdle?: number;
}

export class UpstreamPool {
  readonly host: string;
  readonly port: number;
  /** The value of the Host header sent upstream. */
  readonly authority: string;
  readonly base: string;
  #idle: UpstreamConnection[] = [];
  #retired = false;
  #all = new Set<UpstreamConnection>();
  readonly #timeoutMs: number;
  readonly #maxIdle: number;

  constructor(base: string, options: UpstreamPoolOptions) {
    const url = parseBase(base);
    this.base = base;
    this.host = url.hostname.replace(/^\[|\]$/g, '');
    this.port = url.port ? Number(url.port) : 80;
    this.authority = url.host;
    this.#timeoutMs = options.timeoutMs;
    this.#maxIdle = options.maxIdle ?? 256;
  }

  /** A pooled connection (most recently used first) or a new one. */
  acquire(owner: UpstreamOwner): UpstreamConnection {
    let conn = this.#idle.pop();
    while (conn !== undefined && conn.dead) conn = this.#idle.pop();
    if (conn === undefined) conn = this.#open();
    else conn.uses++;
    conn.owner = owner;
    return conn;
  }

  release(conn: UpstreamConnection): void {
    conn.owner = null;
    if (conn.dead) return;
    if (this.#retired || this.#idle.length >= this.#maxIdle) {
      conn.destroy();
      return;
    }
    if (conn.socket.isPaused()) conn.socket.resume(); // paused for a slow client, which is gone now
    this.#idle.push(conn);
  }

  get idleCount(): number {
    return this.#idle.length;
  }

  /** Exchanges using this upstream right now (a connection with an owner). */
  get inFlight(): number {
    let count = 0;
    for (const conn of this.#all) if (conn.owner !== null) count++;
    return count;
  }

  /** The upstream was replaced: in-flight exchanges finish, then their connections close. */
  retire(): void {
    this.#retired = true;
    for (const conn of this.#idle) conn.destroy();
    this.#idle.length = 0;
  }

  close(): void {
    for (const conn of this.#all) conn.destroy();
    this.#all.clear();
    this.#idle.length = 0;
  }

  #open(): UpstreamConnection {
    const socket = connect({ host: this.host, port: this.port, noDelay: true }) as TaggedSocket;
    const conn = new UpstreamConnection(this, socket);
    socket[kConnection] = conn;
    socket.setTimeout(this.#timeoutMs);
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.on('timeout', onTimeout);
    socket.on('drain', onDrain);
    this.#all.add(conn);
    return conn;
  }

  forget(conn: UpstreamConnection): void {
    conn.dead = true;
    this.#all.delete(conn);
    const at = this.#idle.indexOf(conn);
    if (at !== -1) this.#idle.splice(at, 1);
  }
}

function parseBase(base: string): URL {
  let url: URL;
  try {
    url = new URL(base);
  } catch (cause) {
    throw new UsageError(`upstream ${JSON.stringify(base)} is not a URL`, { cause });
  }
  if (url.protocol !== 'http:') throw new UsageError(`upstream ${base}: only http:// is supported`);
  return url;
}

function connectionOf(socket: Socket): UpstreamConnection {
  return (socket as TaggedSocket)[kConnection];
}

function onData(this: Socket, chunk: Buffer): void {
  const conn = connectionOf(this);
  if (conn.owner !== null) conn.owner.onUpstreamData(conn, chunk);
  else conn.destroy(); // bytes nobody asked for: the connection is out of step
}

function onEnd(this: Socket): void {
  const conn = connectionOf(this);
  const owner = conn.owner;
  conn.pool.forget(conn);
  if (owner !== null) owner.onUpstreamEnd(conn);
}

function onError(this: Socket, error: Error): void {
  fail(connectionOf(this), FailureKind.Error, error);
}

function onClose(this: Socket): void {
  fail(connectionOf(this), FailureKind.Closed, undefined);
}

function onTimeout(this: Socket): void {
  const conn = connectionOf(this);
  if (conn.owner === null) conn.destroy(); // idle too long
  else fail(conn, FailureKind.Timeout, undefined);
}

function fail(conn: UpstreamConnection, kind: FailureKind, error: Error | undefined): void {
  const owner = conn.owner;
  conn.pool.forget(conn);
  conn.owner = null;
  if (owner !== null) owner.onUpstreamFailure(conn, kind, error);
  conn.socket.destroy();
}

function onDrain(this: Socket): void {
  const conn = connectionOf(this);
  if (conn.owner !== null) conn.owner.onUpstreamDrain(conn);
}
