import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ERROR_CODES } from '../../core/error-codes.js';
import { LifelineError } from '../../core/errors.js';
import { isLoopback } from '../../core/local-server.js';
import { TOOL_VERSION } from '../../version.js';
import { TOXICS } from '../toxics/index.js';
import type { ToxicSpec } from './active-toxic.js';
import { ProxyError } from './errors.js';
import type { FaultProxy, NewToxic } from './proxy.js';
import { type ProxyFields, ProxyRegistry } from './registry.js';

/** Toxiproxy's default control port. */
export const DEFAULT_CONTROL_PORT = 8474;
const MAX_BODY_BYTES = 1024 * 1024;

export interface ControlApiOptions {
  /** Loopback only. @default 127.0.0.1 */
  host?: string;
  /** 0 picks a free port. @default 8474 */
  port?: number;
  /** @default a new, empty registry */
  registry?: ProxyRegistry;
}

export interface ControlApi {
  readonly host: string;
  /** The real port (useful with port 0). */
  readonly port: number;
  /** e.g. http://127.0.0.1:8474 */
  readonly url: string;
  readonly registry: ProxyRegistry;
  /** Stops answering, then stops every proxy in the registry. */
  close(): Promise<void>;
}

/** Toxiproxy's JSON for a proxy. */
export interface ProxyJson {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics: ToxicSpec[];
}

export const proxyJson = (proxy: FaultProxy): ProxyJson => ({
  name: proxy.name,
  listen: proxy.listen,
  upstream: proxy.upstream,
  enabled: proxy.enabled,
  toxics: proxy.toxics,
});

/**
 * Starts a Toxiproxy-compatible HTTP control API (GET /proxies, POST /proxies/{proxy}/toxics, …) on a
 * loopback address. Fails with ERR_LIFELINE_CONTROL_ADDRESS for a non-loopback host and
 * ERR_LIFELINE_CONTROL_LISTEN when the port cannot be bound.
 */
export async function startControlApi(options: ControlApiOptions = {}): Promise<ControlApi> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? DEFAULT_CONTROL_PORT;
  if (!isLoopback(host)) {
    throw new LifelineError(
      ERROR_CODES.controlAddress,
      `control API host "${host}" is not a loopback address; it only listens on this machine (127.0.0.1, ::1, localhost)`,
    );
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new LifelineError(
      ERROR_CODES.controlAddress,
      `control API port ${port} is not a port number (0-65535)`,
    );
  }
  const registry = options.registry ?? new ProxyRegistry();
  const server = createServer((request, response) => {
    handle(registry, request, response).catch((error: unknown) => sendError(response, error));
  });
  // Toxiproxy reads a request within 15 s; an idle client never holds the API.
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  const bindHost = host.replace(/^\[(.*)\]$/, '$1');
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(
        new LifelineError(
          ERROR_CODES.controlListen,
          error.code === 'EADDRINUSE'
            ? `cannot listen on ${formatHostPort(bindHost, port)}: the port is in use (is Toxiproxy or another lifeline proxy running? try --port 0)`
            : `cannot listen on ${formatHostPort(bindHost, port)}: ${error.code ?? error.message}`,
          { cause: error },
        ),
      );
    };
    server.once('error', onError);
    server.listen(port, bindHost, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', () => undefined); // after listening, errors are per connection
  const address = server.address();
  const realPort = typeof address === 'object' && address ? address.port : port;
  let closing: Promise<void> | undefined;
  return {
    host: bindHost,
    port: realPort,
    url: `http://${formatHostPort(bindHost, realPort)}`,
    registry,
    close() {
      closing ??= (async () => {
        await closeServer(server);
        await registry.close();
      })();
      return closing;
    },
  };
}

function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

type Handler = (ctx: {
  registry: ProxyRegistry;
  params: string[];
  body: () => Promise<unknown>;
}) => Promise<Reply>;

interface Reply {
  status: number;
  body?: unknown;
}

const ok = (body: unknown, status = 200): Reply => ({ status, body });
const noContent: Reply = { status: 204 };

/** path pattern (":" marks a parameter) → method → handler */
const ROUTES: [string[], Record<string, Handler>][] = [
  [['version'], { GET: async () => ok({ version: TOOL_VERSION }) }],
  [
    ['proxies'],
    {
      GET: async ({ registry }) => ok(Object.fromEntries(registry.list().map((p) => [p.name, proxyJson(p)]))),
      POST: async ({ registry, body }) =>
        ok(proxyJson(await registry.create(asObject(await body()) as unknown as ProxyFields)), 201),
    },
  ],
  [
    ['populate'],
    {
      POST: async ({ registry, body }) => {
        const entries = await body();
        if (!Array.isArray(entries)) throw badBody('expected a JSON array of proxies');
        const proxies = await registry.populate(entries as ProxyFields[]);
        return ok({ proxies: proxies.map(proxyJson) }, 201);
      },
    },
  ],
  [
    ['reset'],
    {
      POST: async ({ registry }) => {
        await registry.reset();
        return noContent;
      },
    },
  ],
  [
    ['toxics', 'types'],
    {
      GET: async () =>
        ok(
          TOXICS.map((t) => ({
            type: t.type,
            description: t.description,
            scope: t.scope,
            attributes: Object.fromEntries(
              Object.entries(t.attributes).map(([name, spec]) => [
                name,
                { default: spec.default, doc: spec.doc },
              ]),
            ),
          })),
        ),
    },
  ],
  [
    ['metrics'],
    {
      GET: async () => {
        throw new ProxyError(
          ERROR_CODES.notImplemented,
          'metrics are not implemented by the lifeline proxy (see docs/proxy.md)',
          404,
        );
      },
    },
  ],
  [
    ['proxies', ':'],
    {
      GET: async ({ registry, params: [name] }) => ok(proxyJson(registry.get(name as string))),
      POST: updateProxy,
      PATCH: updateProxy,
      DELETE: async ({ registry, params: [name] }) => {
        await registry.remove(name as string);
        return noContent;
      },
    },
  ],
  [
    ['proxies', ':', 'toxics'],
    {
      GET: async ({ registry, params: [name] }) => ok(registry.get(name as string).toxics),
      // Toxiproxy answers 200 (not 201) for a new toxic.
      POST: async ({ registry, params: [name], body }) => {
        registry.get(name as string); // 404 before looking at the body, as Toxiproxy
        return ok(await registry.addToxic(name as string, toxicFields(await body())));
      },
    },
  ],
  [
    ['proxies', ':', 'toxics', ':'],
    {
      GET: async ({ registry, params: [proxy, toxic] }) => {
        const found = registry.get(proxy as string).toxics.find((t) => t.name === toxic);
        if (!found) {
          throw new ProxyError(
            ERROR_CODES.toxicNotFound,
            `toxic not found: "${toxic}" on proxy "${proxy}"`,
            404,
          );
        }
        return ok(found);
      },
      POST: updateToxic,
      PATCH: updateToxic,
      DELETE: async ({ registry, params: [proxy, toxic] }) => {
        await registry.removeToxic(proxy as string, toxic as string);
        return noContent;
      },
    },
  ],
];

async function updateProxy({ registry, params: [name], body }: Parameters<Handler>[0]): Promise<Reply> {
  registry.get(name as string);
  const input = asObject(await body());
  const fields: { listen?: string; upstream?: string; enabled?: boolean } = {};
  for (const key of ['listen', 'upstream'] as const) {
    const value = input[key];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw badBody(`${key} must be a string`);
    fields[key] = value;
  }
  if (input.enabled !== undefined) {
    if (typeof input.enabled !== 'boolean') throw badBody('enabled must be true or false');
    fields.enabled = input.enabled;
  }
  return ok(proxyJson(await registry.update(name as string, fields)));
}

async function updateToxic({
  registry,
  params: [proxy, toxic],
  body,
}: Parameters<Handler>[0]): Promise<Reply> {
  registry.get(proxy as string);
  // Like Toxiproxy, only toxicity and attributes change; name, type and stream in the body are ignored.
  const input = asObject(await body());
  const fields: { toxicity?: number; attributes?: Record<string, number> } = {};
  if (input.toxicity !== undefined) fields.toxicity = toxicity(input.toxicity);
  if (input.attributes !== undefined) fields.attributes = attributes(input.attributes);
  return ok(await registry.updateToxic(proxy as string, toxic as string, fields));
}

function toxicFields(body: unknown): NewToxic {
  const input = asObject(body);
  if (input.type === undefined || input.type === '') {
    throw new ProxyError(ERROR_CODES.missingField, 'missing required field: type', 400);
  }
  if (typeof input.type !== 'string') throw badBody('type must be a string');
  if (input.name !== undefined && typeof input.name !== 'string') throw badBody('name must be a string');
  if (input.stream !== undefined && typeof input.stream !== 'string')
    throw badBody('stream must be a string');
  const out: NewToxic = { type: input.type };
  if (input.name) out.name = input.name; // "" means the default <type>_<stream>, as in Toxiproxy
  if (input.stream !== undefined) out.stream = input.stream as NewToxic['stream'];
  if (input.toxicity !== undefined) out.toxicity = toxicity(input.toxicity);
  if (input.attributes !== undefined) out.attributes = attributes(input.attributes);
  return out;
}

function toxicity(value: unknown): number {
  if (typeof value !== 'number') throw badBody('toxicity must be a number from 0 to 1');
  return value;
}

function attributes(value: unknown): Record<string, number> {
  if (value === null) return {};
  return asObject(value, 'attributes must be an object') as Record<string, number>;
}

function asObject(value: unknown, what = 'expected a JSON object'): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badBody(what);
  return value as Record<string, unknown>;
}

const badBody = (detail: string) =>
  new ProxyError(ERROR_CODES.badRequest, `bad request body: ${detail}`, 400);

function match(pattern: string[], segments: string[]): string[] | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: string[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const want = pattern[i] as string;
    const got = segments[i] as string;
    if (want === ':') params.push(got);
    else if (want !== got) return undefined;
  }
  return params;
}

async function handle(
  registry: ProxyRegistry,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  // Toxiproxy refuses browsers, so a web page cannot drive the API; the Host check also stops DNS rebinding.
  if (request.headers['user-agent']?.startsWith('Mozilla/')) {
    throw new ProxyError(ERROR_CODES.forbidden, 'User agent not allowed', 403);
  }
  const hostHeader = request.headers.host;
  if (hostHeader && !isLoopback(hostHeader.replace(/:\d+$/, ''))) {
    throw new ProxyError(ERROR_CODES.forbidden, `Host "${hostHeader}" not allowed: loopback only`, 403);
  }
  const path = (request.url ?? '/').split('?')[0] as string;
  let segments: string[];
  try {
    segments = path.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    // Toxiproxy (Go's HTTP server) answers 400 for a path it cannot decode, before any route.
    throw new ProxyError(
      ERROR_CODES.badRequest,
      `malformed path "${path}": a bad %-escape; encode names with encodeURIComponent`,
      400,
    );
  }
  for (const [pattern, methods] of ROUTES) {
    const params = match(pattern, segments);
    if (!params) continue;
    const method = request.method === 'HEAD' ? 'GET' : (request.method ?? 'GET');
    const handler = methods[method];
    if (!handler) {
      response.setHeader('Allow', Object.keys(methods).join(', '));
      throw new ProxyError(ERROR_CODES.method, `method ${request.method} not allowed on ${path}`, 405);
    }
    send(response, await handler({ registry, params, body: () => readJson(request) }));
    return;
  }
  request.resume();
  throw new ProxyError(ERROR_CODES.notFound, `no endpoint ${path} (see docs/proxy.md)`, 404);
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of request as AsyncIterable<Buffer>) {
    size += part.length;
    if (size > MAX_BODY_BYTES) {
      throw new ProxyError(ERROR_CODES.badRequest, 'bad request body: larger than 1 MiB', 413);
    }
    parts.push(part);
  }
  const text = Buffer.concat(parts).toString('utf8');
  if (text.trim() === '') throw badBody('empty (expected JSON)');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw badBody((error as Error).message);
  }
}

function send(response: ServerResponse, reply: Reply): void {
  if (reply.body === undefined) {
    response.writeHead(reply.status).end();
    return;
  }
  const body = JSON.stringify(reply.body);
  response
    .writeHead(reply.status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
    })
    .end(body);
}

/** Toxiproxy's error body, {"error": message, "status": code}, plus our stable `code`. */
function sendError(response: ServerResponse, error: unknown): void {
  const status = error instanceof ProxyError ? error.status : 500;
  const code = error instanceof LifelineError ? error.code : ERROR_CODES.internal;
  const message = error instanceof Error ? error.message : String(error);
  if (response.headersSent) {
    response.destroy();
    return;
  }
  // A body not read yet would be left in the socket: close the connection after this answer.
  if (!response.req.complete) response.setHeader('Connection', 'close');
  send(response, { status, body: { error: message, status, code } });
}
