import { createServer, type AddressInfo } from 'node:net';
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { timingSafeEqual } from 'node:crypto';
import { Aedes, type AedesOptions, type Client } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { WasmhostError } from '../src/errors.js';
import { BROWSER_USERNAME, HOST_USERNAME, isPeerId, mayPublish, maySubscribe, type AclPolicy } from '../src/bridge/acl.js';

/** Who is asking: the MQTT client id and the username it authenticated with. */
export interface BrokerClient {
  clientId: string;
  username: string | undefined;
}

/** Options of the embedded broker. */
export interface BrokerOptions {
  /** TCP port; 0 picks a free one (default 1883). */
  port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Topic root the access rule applies to (default `wasmhost/v1`). */
  root?: string;
  /** The password the host's own client (`wasmhost-host`) must give; unset, it needs none. */
  hostPassword?: string;
  /** The password browser hosts (`wasmhost-browser`) must give; unset, that username is refused. */
  browserPassword?: string;
  /**
   * Decides who may connect (default: the host's client with its password, browser hosts with
   * theirs, and any client whose username is a valid peer id; nobody anonymous).
   */
  authenticate?: (client: BrokerClient, password: Uint8Array | undefined) => boolean | Promise<boolean>;
  /** Decides each publish (default: `mayPublish` from src/bridge/acl.ts). */
  authorizePublish?: (client: BrokerClient, topic: string) => boolean;
  /** Decides each subscription (default: `maySubscribe` from src/bridge/acl.ts). */
  authorizeSubscribe?: (client: BrokerClient, filter: string) => boolean;
  /** Told about refused connections, publishes and subscriptions (default: console.warn). */
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
  /** Disconnects every client and stops listening. */
  close(): Promise<void>;
}

/**
 * Starts an in-process aedes broker on a TCP port with TCP_NODELAY on every connection and the
 * bridge's access rule: a peer publishes and subscribes only on its own topics; the host's client
 * may do anything; a browser host anything but speak for a peer. Publishing to `$SYS/` is
 * refused to everyone.
 */
export async function startBroker(options: BrokerOptions = {}): Promise<RunningBroker> {
  const host = options.host ?? '127.0.0.1';
  const policy: AclPolicy = { root: options.root };
  const log = options.log ?? ((line) => console.warn(`broker: ${line}`));
  const usernames = new WeakMap<Client, string | undefined>();
  const who = (client: Client | null): BrokerClient => ({ clientId: client?.id ?? '', username: client ? usernames.get(client) : undefined });
  const authenticate = options.authenticate ?? defaultAuthenticate(options.hostPassword, options.browserPassword);
  const authorizePublish = options.authorizePublish ?? ((c: BrokerClient, topic: string) => mayPublish(c.username, topic, policy));
  const authorizeSubscribe = options.authorizeSubscribe ?? ((c: BrokerClient, filter: string) => maySubscribe(c.username, filter, policy));

  const hooks: AedesOptions = {
    authenticate(client, username, password, done) {
      usernames.set(client, username);
      Promise.resolve(authenticate({ clientId: client.id, username }, password === undefined ? undefined : new Uint8Array(password)))
        .then((ok) => {
          if (!ok) log(`refused the connection of ${client.id} (username ${username ?? 'none'})`);
          done(null, ok);
        })
        .catch((error: unknown) => {
          log(`authenticate failed for ${client.id}: ${String(error)}`);
          done(null, false);
        });
    },
    authorizePublish(client, packet, done) {
      const c = who(client);
      if (packet.topic.startsWith('$SYS/') || !authorizePublish(c, packet.topic)) {
        log(`refused a publish of ${c.clientId} (username ${c.username ?? 'none'}) to ${packet.topic}`);
        done(new WasmhostError('denied', `${c.username ?? 'an anonymous client'} may not publish to ${packet.topic}`));
        return;
      }
      done(null);
    },
    authorizeSubscribe(client, subscription, done) {
      const c = who(client);
      if (!authorizeSubscribe(c, subscription.topic)) {
        log(`refused a subscription of ${c.clientId} (username ${c.username ?? 'none'}) to ${subscription.topic}`);
        done(null, null);
        return;
      }
      done(null, subscription);
    },
  };
  const broker = await Aedes.createBroker(hooks);
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    broker.handle(socket);
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
  const ws = options.wsPort === undefined ? undefined : await listenWebSocket(broker, host, options.wsPort);
  const attached = options.attach && attachWebSocket(broker, options.attach.server, options.attach.path);
  let closed: Promise<void> | undefined;
  return {
    url: `mqtt://${hostInUrl}:${port}`,
    port,
    ...(ws ? { wsUrl: `ws://${hostInUrl}:${ws.port}` } : {}),
    ...(options.attach ? { wsPath: options.attach.path } : {}),
    protocolVersion: 4,
    close() {
      closed ??= new Promise<void>((resolve) => {
        ws?.server.close();
        attached?.close();
        server.close(() => resolve());
        broker.close();
      });
      return closed;
    },
  };
}

/** MQTT over WebSocket (subprotocol `mqtt`) into the same broker. */
async function listenWebSocket(broker: Aedes, host: string, port: number): Promise<{ server: WebSocketServer; port: number }> {
  const server = new WebSocketServer({ host, port, handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : false) });
  server.on('connection', (socket) => broker.handle(createWebSocketStream(socket) as never));
  await new Promise<void>((resolve, reject) => {
    server.once('listening', () => resolve());
    server.once('error', (error) => reject(new WasmhostError('io', `the embedded MQTT broker could not listen for WebSocket on ${host}:${port}: ${error.message}`, { cause: error })));
  });
  return { server, port: (server.address() as AddressInfo).port };
}

/** MQTT over WebSocket on the caller's HTTP server, at one path; `close` detaches and drops its clients. */
function attachWebSocket(broker: Aedes, server: HttpServer, path: string): { close(): void } {
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : false) });
  wss.on('connection', (socket) => broker.handle(createWebSocketStream(socket) as never));
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

function defaultAuthenticate(hostPassword: string | undefined, browserPassword: string | undefined) {
  return (client: BrokerClient, password: Uint8Array | undefined): boolean => {
    if (client.username === HOST_USERNAME) return hostPassword === undefined || sameBytes(password, new TextEncoder().encode(hostPassword));
    if (client.username === BROWSER_USERNAME) return browserPassword !== undefined && sameBytes(password, new TextEncoder().encode(browserPassword));
    return client.username !== undefined && isPeerId(client.username);
  };
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && a.byteLength === b.byteLength && timingSafeEqual(a, b);
}
