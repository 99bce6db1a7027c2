import { createServer, type AddressInfo } from 'node:net';
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { timingSafeEqual } from 'node:crypto';
import { Aedes, type AedesOptions, type Client } from 'aedes';
import type { WebSocketServer } from 'ws';
import { WasmhostError } from '../src/errors.js';
import { HOST_USERNAME, mayPublish, maySubscribe, pageMayPublish, pageMayReceive, pageMaySubscribe, type AclPolicy, type PageGrant } from '../src/bridge/acl.js';
import { createLogLimiter } from '../src/bridge/rate-limit.js';
import type { CredentialStore } from './credentials.js';
import { createAedesTransport, type AedesBroker } from './aedes-transport.js';
import type { MqttTransport } from '../src/ports/mqtt-transport.js';

/** Who is asking: the MQTT client id and the username it authenticated with. */
export interface BrokerClient {
  clientId: string;
  username: string | undefined;
}

/** What the broker needs of the credential store (host-node/credentials.ts). */
export type CredentialCheck = Pick<CredentialStore, 'verify' | 'get'> & Partial<Pick<CredentialStore, 'watch'>>;

/** The largest MQTT packet the broker takes by default: bridge frames are ≤ 4 KiB, bus messages small. */
export const DEFAULT_MAX_PACKET_BYTES = 64 * 1024;

/** Where a refused publish is delivered instead of its topic: nobody subscribes to it. */
const REFUSED_TOPIC = '$SYS/wasmhost/refused';

/** Options of the embedded broker. */
export interface BrokerOptions {
  /** TCP port; 0 picks a free one (default 1883). */
  port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Topic root the access rule applies to (default `wasmhost/v1`). */
  root?: string;
  /** The password the host's own client (`wasmhost-host`) must give; unset, nobody gets in as the host. */
  hostPassword?: string;
  /**
   * The peers' and pages' credentials (`wasmhost peer add`, `wasmhost serve`'s pages): a client
   * whose username is a stored id gets in with that id's secret, as client id = username, once
   * at a time. Unset: nobody but the host's client gets in.
   */
  credentials?: CredentialCheck;
  /**
   * Replaces the credential check for everyone but the host's client (tests): who it accepts is
   * a peer named by its username. Client id binding and one-connection-per-id still apply.
   */
  authenticate?: (client: BrokerClient, password: Uint8Array | undefined) => boolean | Promise<boolean>;
  /** Decides each publish of a peer (default: `mayPublish` from src/bridge/acl.ts). */
  authorizePublish?: (client: BrokerClient, topic: string) => boolean;
  /** Decides each subscription of a peer (default: `maySubscribe` from src/bridge/acl.ts). */
  authorizeSubscribe?: (client: BrokerClient, filter: string) => boolean;
  /** A connection that sends a larger packet is closed (default 64 KiB). */
  maxPacketBytes?: number;
  /** Told about refused connections, publishes and subscriptions, at most a few lines per kind every 10 s (default: console.warn). */
  log?: (line: string) => void;
  /** Also serve MQTT over WebSocket on this port (0: any free one), for browser devices; off when unset. */
  wsPort?: number;
  /**
   * Also serve MQTT over WebSocket on an existing HTTP(S) server, for upgrade requests to `path`
   * (e.g. `wasmhost serve`'s page server at `/mqtt`). The server stays the caller's to listen on
   * and close; upgrades to other paths are refused unless the server has other upgrade listeners.
   */
  attach?: { server: HttpServer; path: string };
}

/** A running embedded broker. */
export interface RunningBroker {
  /** `mqtt://host:port`, for createMqttTransport. */
  url: string;
  port: number;
  /** `ws://host:port` when `wsPort` was given: the same broker, same rules, over WebSocket. */
  wsUrl?: string;
  /** The path on the attached HTTP server (`attach`), when given. */
  wsPath?: string;
  /** aedes 1.2 speaks MQTT 3.1.1 only: clients must connect with this protocol version. */
  protocolVersion: 4;
  /**
   * A transport for the host's own use from this process, straight into the broker (no TCP, no
   * MQTT client library), with the rights of the host's client; MQTT 3.1.1 like the broker.
   */
  localTransport(): MqttTransport;
  /** Disconnects the client connected as this peer or page id (after a revocation); false when none was. */
  disconnect(id: string): boolean;
  /** Disconnects every client and stops listening. */
  close(): Promise<void>;
}

/** What a connected client is: the host's own, a peer, or a page with the peers it was issued for. */
type Role = { kind: 'host' } | { kind: 'peer'; id: string; hash?: string } | { kind: 'page'; id: string; hash: string; grant: PageGrant };

/**
 * Starts an in-process aedes broker on a TCP port with TCP_NODELAY on every connection and the
 * bridge's access rule: a peer publishes and subscribes only on its own topics; a page reaches
 * only its peers' rpc and hears only their outbound topics; the host's client may do anything.
 * Publishing to `$SYS/` is refused to everyone. A refused publish is acknowledged and dropped (the
 * connection stays); packets over `maxPacketBytes` close the connection.
 */
export async function startBroker(options: BrokerOptions = {}): Promise<RunningBroker> {
  const host = options.host ?? '127.0.0.1';
  const policy: AclPolicy = { root: options.root };
  const limited = createLogLimiter(options.log ?? ((line) => console.warn(`broker: ${line}`)), Date.now);
  const maxPacket = options.maxPacketBytes ?? DEFAULT_MAX_PACKET_BYTES;
  const roles = new WeakMap<Client, Role>();
  const usernames = new WeakMap<Client, string | undefined>();
  /** Peer and page ids connected (or authenticating) now: a second connection as the same id is refused. */
  const claimed = new Map<string, Client>();
  /** A connection that is closing already does not hold its id. */
  const isClaimed = (id: string) => {
    const holder = claimed.get(id);
    return holder !== undefined && !(holder as unknown as { closed: boolean }).closed && !holder.conn.destroyed;
  };
  const who = (client: Client | null): BrokerClient => ({ clientId: client?.id ?? '', username: client ? usernames.get(client) : undefined });
  const authorizePublish = options.authorizePublish ?? ((c: BrokerClient, topic: string) => mayPublish(c.username, topic, policy));
  const authorizeSubscribe = options.authorizeSubscribe ?? ((c: BrokerClient, filter: string) => maySubscribe(c.username, filter, policy));

  /** The role of a client presenting `username`/`password`, or why it is refused. */
  async function roleOf(client: Client, username: string | undefined, password: Uint8Array | undefined): Promise<Role | string> {
    if (username === undefined) return 'no username';
    if (username === HOST_USERNAME) {
      const ok = options.hostPassword !== undefined && password !== undefined && sameBytes(password, new TextEncoder().encode(options.hostPassword));
      return ok ? { kind: 'host' } : 'wrong password';
    }
    if (client.id !== username) return `client id ${client.id} is not its username (a peer or page connects with client id = its id)`;
    if (isClaimed(username)) return `${username} is already connected (one connection per id)`;
    if (options.authenticate) return (await options.authenticate({ clientId: client.id, username }, password)) ? { kind: 'peer', id: username } : 'refused';
    const credential = options.credentials?.verify(username, password);
    if (!credential) return options.credentials?.get(username) ? 'wrong password' : 'unknown id (provision it with wasmhost peer add)';
    if (credential.kind === 'page') return { kind: 'page', id: username, hash: credential.hash, grant: { id: username, peers: credential.peers ?? [] } };
    return { kind: 'peer', id: username, hash: credential.hash };
  }

  const hooks: AedesOptions = {
    authenticate(client, username, password, done) {
      usernames.set(client, username);
      roleOf(client, username, password === undefined ? undefined : new Uint8Array(password))
        .then((role) => {
          if (typeof role === 'string') {
            limited('connect', `refused the connection of ${client.id} (username ${username ?? 'none'}): ${role}`);
            // 5 (not authorized) for every refusal: clients report it as such and retry with backoff.
            const error = Object.assign(new Error(role), { returnCode: 5 });
            return done(error as never, false);
          }
          if (role.kind !== 'host') {
            if (isClaimed(role.id)) return done(Object.assign(new Error(`${role.id} is already connected`), { returnCode: 5 }) as never, false);
            claimed.set(role.id, client);
            client.conn.once('close', () => {
              if (claimed.get(role.id) === client) claimed.delete(role.id);
            });
          }
          roles.set(client, role);
          done(null, true);
        })
        .catch((error: unknown) => {
          limited('connect', `authenticate failed for ${client.id}: ${String(error)}`);
          done(null, false);
        });
    },
    authorizePublish(client, packet, done) {
      const c = who(client);
      const role = client ? roles.get(client) : undefined;
      const ok = !packet.topic.startsWith('$SYS/') && role !== undefined && (role.kind === 'host'
        || (role.kind === 'page' ? pageMayPublish(role.grant, packet.topic, policy) : authorizePublish(c, packet.topic)));
      if (!ok) {
        limited('publish', `refused a publish of ${c.clientId} (username ${c.username ?? 'none'}) to ${packet.topic}`);
        // Acknowledged and dropped, as mosquitto does for MQTT 3.1.1 (which has no refusal code):
        // aedes would close the connection on an error, and a peer with one wrong topic would
        // reconnect forever. The packet goes to a `$SYS/` topic that wildcards never match and
        // that no peer or page may subscribe to, and is never retained.
        packet.topic = REFUSED_TOPIC;
        packet.retain = false;
        done(null);
        return;
      }
      done(null);
    },
    authorizeSubscribe(client, subscription, done) {
      const c = who(client);
      const role = client ? roles.get(client) : undefined;
      const ok = role !== undefined && (role.kind === 'host'
        || (role.kind === 'page' ? pageMaySubscribe(subscription.topic) : authorizeSubscribe(c, subscription.topic)));
      if (!ok) {
        limited('subscribe', `refused a subscription of ${c.clientId} (username ${c.username ?? 'none'}) to ${subscription.topic}`);
        done(null, null);
        return;
      }
      done(null, subscription);
    },
    authorizeForward(client, packet) {
      const role = roles.get(client);
      return role?.kind !== 'page' || pageMayReceive(role.grant, packet.topic, policy) ? packet : null;
    },
  };
  const broker = await Aedes.createBroker(hooks);
  const handle = (stream: Duplex) => guardPacketSize(broker.handle(stream as never), stream, maxPacket, (size) => limited('packet', `closed a connection that sent a ${size}-byte packet (limit ${maxPacket})`));
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    handle(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new WasmhostError('io', `the embedded MQTT broker could not listen on ${host}:${options.port ?? 1883}: ${error.message}`, { cause: error })));
    server.listen(options.port ?? 1883, host, () => resolve());
  }).catch(async (error: unknown) => {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    throw error;
  });
  const port = (server.address() as AddressInfo).port;
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  // `ws` (about 11 MB of RSS) is loaded only when MQTT over WebSocket is asked for.
  const wsLib = options.wsPort !== undefined || options.attach ? await import('ws') : undefined;
  const ws = options.wsPort === undefined ? undefined : await listenWebSocket(wsLib!, handle, host, options.wsPort, maxPacket);
  const attached = options.attach && attachWebSocket(wsLib!, handle, options.attach.server, options.attach.path, maxPacket);
  const disconnect = (id: string) => {
    const client = claimed.get(id);
    if (!client) return false;
    claimed.delete(id);
    client.close();
    return true;
  };
  // A revoked (or re-issued) credential ends the connection made with it.
  const unwatch = options.credentials?.watch?.(() => {
    for (const [id, client] of claimed) {
      const role = roles.get(client);
      const hash = role && role.kind !== 'host' ? role.hash : undefined;
      if (hash !== undefined && options.credentials?.get(id)?.hash !== hash) {
        limited('revoked', `disconnected ${id}: its credential was removed or replaced`);
        disconnect(id);
      }
    }
  });
  let closed: Promise<void> | undefined;
  return {
    url: `mqtt://${hostInUrl}:${port}`,
    port,
    ...(ws ? { wsUrl: `ws://${hostInUrl}:${ws.port}` } : {}),
    ...(options.attach ? { wsPath: options.attach.path } : {}),
    protocolVersion: 4,
    localTransport: () => createAedesTransport(broker as unknown as AedesBroker, { maxPacketBytes: maxPacket, name: `mqtt://${hostInUrl}:${port}` }),
    disconnect,
    close() {
      closed ??= new Promise<void>((resolve) => {
        unwatch?.();
        ws?.server.close();
        attached?.close();
        server.close(() => resolve());
        broker.close();
      });
      return closed;
    },
  };
}

/**
 * Closes the connection when a packet's fixed header announces more than `max` bytes, before
 * the body is buffered (the MQTT parser would otherwise collect it all). Wraps the parser's
 * length step, which runs as soon as the remaining-length field is complete.
 */
function guardPacketSize(client: Client, stream: Duplex, max: number, onRefused: (size: number) => void): void {
  const parser = (client as unknown as { _parser: { _parseLength(): boolean; packet: { length: number } } })._parser;
  const parseLength = parser._parseLength;
  parser._parseLength = function guarded(this: typeof parser) {
    const ok = parseLength.call(this);
    if (ok && this.packet.length > max) {
      onRefused(this.packet.length);
      stream.destroy();
      return false;
    }
    return ok;
  };
}

type WsLib = typeof import('ws');

/** MQTT over WebSocket (subprotocol `mqtt`) into the same broker. */
async function listenWebSocket(lib: WsLib, handle: (stream: Duplex) => void, host: string, port: number, maxPacket: number): Promise<{ server: WebSocketServer; port: number }> {
  const { WebSocketServer, createWebSocketStream } = lib;
  const server = new WebSocketServer({ host, port, maxPayload: maxPacket + 8, handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : false) });
  server.on('connection', (socket) => handle(createWebSocketStream(socket)));
  await new Promise<void>((resolve, reject) => {
    server.once('listening', () => resolve());
    server.once('error', (error) => reject(new WasmhostError('io', `the embedded MQTT broker could not listen for WebSocket on ${host}:${port}: ${error.message}`, { cause: error })));
  });
  return { server, port: (server.address() as AddressInfo).port };
}

/** MQTT over WebSocket on the caller's HTTP server, at one path; `close` detaches and drops its clients. */
function attachWebSocket(lib: WsLib, handle: (stream: Duplex) => void, server: HttpServer, path: string, maxPacket: number): { close(): void } {
  const { WebSocketServer, createWebSocketStream } = lib;
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxPacket + 8, handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : false) });
  wss.on('connection', (socket) => handle(createWebSocketStream(socket)));
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if ((request.url ?? '').split('?')[0] === path) {
      wss.handleUpgrade(request, socket, head, (client) => wss.emit('connection', client, request));
    } else if (server.listenerCount('upgrade') === 1) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    }
  };
  server.on('upgrade', onUpgrade);
  return {
    close() {
      server.off('upgrade', onUpgrade);
      for (const client of wss.clients) client.terminate();
      wss.close();
    },
  };
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && a.byteLength === b.byteLength && timingSafeEqual(a, b);
}
