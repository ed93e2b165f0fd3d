/**
 * The console's HTTP API and static files (Hono). Every route passes the access checks of
 * `security.ts` first; answers are JSON (`{ error }` with a 4xx/5xx status on failure, written
 * for the operator).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { Hono, type Context } from 'hono';
import { CcsdsError, CcsdsErrorCode } from 'ccsds/core';
import type { PacketDefinition } from 'ccsds/decode';
import { FilestoreAction } from 'ccsds/filestore';
import {
  type AccessPolicy,
  CONSOLE_HEADER,
  type RequestFacts,
  TOKEN_COOKIE,
  hasToken,
  hostProblem,
  originProblem,
} from './security.js';
import { ConsoleError, type Station, type TransferOptions, safePath } from './station.js';
import type { PacketSource } from './packets.js';
import type { LinkStatus } from './links.js';

/** What the routes need from the running console. */
export interface AppContext {
  policy: AccessPolicy;
  station: Station;
  sources: readonly PacketSource[];
  definitions: readonly PacketDefinition[];
  links(): LinkStatus[];
  /** Folder of the built client (`dist/client`), or undefined when it is not built. */
  clientDir: string | undefined;
  maxUploadOctets: number;
  demo: { entityId: string; root: string } | undefined;
  /** Switches a link the console's own code does not know (the simulated space link); false: no such link. */
  toggleLink?: (id: string, enabled: boolean) => boolean;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
};

/** The built client's files by URL path (read once: nothing outside the folder can be named). */
function clientFiles(dir: string | undefined): Map<string, { path: string; type: string }> {
  const out = new Map<string, { path: string; type: string }>();
  if (dir === undefined) return out;
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else
        out.set('/' + relative(dir, p).split(sep).join('/'), {
          path: p,
          type: TYPES[extname(name)] ?? 'application/octet-stream',
        });
    }
  };
  walk(dir);
  return out;
}

/** The request facts the access checks look at. */
export function factsOf(c: Context): RequestFacts {
  return {
    host: c.req.header('host'),
    origin: c.req.header('origin'),
    authorization: c.req.header('authorization'),
    cookie: c.req.header('cookie'),
    queryToken: c.req.query('token'),
  };
}

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

function fail(c: Context, e: unknown): Response {
  if (e instanceof ConsoleError) return c.json({ error: e.message }, e.status);
  // The filestore refuses what the path checks cannot see (a symbolic link out of the root).
  if (e instanceof CcsdsError && e.code === CcsdsErrorCode.INVALID_ARGUMENT)
    return c.json({ error: `refused: ${e.message}` }, 403);
  const m = e instanceof Error ? e.message : String(e);
  if (/timed? ?out|time limit/i.test(m)) return c.json({ error: `no answer in time: ${m}` }, 504);
  return c.json({ error: m }, 500);
}

async function bodyOf(c: Context): Promise<Record<string, unknown>> {
  try {
    const b: unknown = await c.req.json();
    if (typeof b === 'object' && b !== null && !Array.isArray(b))
      return b as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new ConsoleError('the request body must be a JSON object');
}

function options(b: Record<string, unknown>): TransferOptions {
  const o: TransferOptions = {};
  const cls = b['transmissionClass'];
  if (cls !== undefined && cls !== null && cls !== '') {
    const n = Number(cls);
    if (n !== 1 && n !== 2) throw new ConsoleError('class must be 1 or 2');
    o.transmissionClass = n;
  }
  if (typeof b['closureRequested'] === 'boolean') o.closureRequested = b['closureRequested'];
  if (typeof b['checksum'] === 'string' && b['checksum'] !== '') o.checksum = b['checksum'];
  const seg = b['segmentLength'];
  if (seg !== undefined && seg !== null && seg !== '') o.segmentLength = Number(seg);
  return o;
}

/** Builds the Hono app. */
export function createApp(ctx: AppContext): Hono {
  const app = new Hono();
  const files = clientFiles(ctx.clientDir);
  const st = ctx.station;

  app.use('*', async (c, next) => {
    const facts = factsOf(c);
    const host = hostProblem(ctx.policy, facts);
    if (host !== undefined) return c.json({ error: `refused: ${host}` }, 403);
    const path = c.req.path;
    // The page may be opened as /?token=... once: the token moves into a cookie.
    if (ctx.policy.token !== undefined && path === '/' && facts.queryToken !== undefined) {
      if (!hasToken(ctx.policy, facts)) return c.text('wrong token', 401);
      c.header(
        'set-cookie',
        `${TOKEN_COOKIE}=${encodeURIComponent(ctx.policy.token)}; Path=/; HttpOnly; SameSite=Strict${ctx.policy.secure === true ? '; Secure' : ''}`,
      );
      return c.redirect('/', 303);
    }
    if (!hasToken(ctx.policy, { ...facts, queryToken: undefined }))
      return c.json({ error: 'refused: this console needs its access token' }, 401);
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      if (c.req.header(CONSOLE_HEADER) !== '1')
        return c.json(
          { error: `refused: requests that change something need the ${CONSOLE_HEADER} header` },
          403,
        );
      const origin = originProblem(ctx.policy, facts, false);
      if (origin !== undefined) return c.json({ error: `refused: ${origin}` }, 403);
    }
    await next();
    c.header('x-content-type-options', 'nosniff');
    c.header('referrer-policy', 'no-referrer');
    c.header('x-frame-options', 'DENY');
    c.header('content-security-policy', CSP);
    c.header('cache-control', 'no-store');
  });

  const api = new Hono();

  api.get('/station', (c) =>
    c.json({
      entityId: st.entityId,
      address: st.transport.address,
      filestore: st.filestore.root,
      remotes: st.remotes(),
      sources: ctx.sources.map((s) => s.status.name),
      demo: ctx.demo,
      maxUploadOctets: ctx.maxUploadOctets,
    }),
  );
  api.get('/definitions', (c) => c.json({ definitions: ctx.definitions }));
  api.get('/links', (c) => c.json({ links: ctx.links() }));
  api.post('/links/:id', async (c) => {
    try {
      const b = await bodyOf(c);
      if (typeof b['enabled'] !== 'boolean')
        throw new ConsoleError('enabled must be true or false');
      const id = c.req.param('id');
      if (id === 'cfdp') st.transport.enabled = b['enabled'];
      else if (ctx.toggleLink?.(id, b['enabled']) === true) {
        // a link of the simulated space link
      } else {
        const s = ctx.sources.find((x) => `source:${x.status.name}` === id);
        if (s === undefined) throw new ConsoleError(`no link ${id}`, 404);
        s.setEnabled(b['enabled']);
      }
      return c.json({ links: ctx.links() });
    } catch (e) {
      return fail(c, e);
    }
  });
  api.post('/sources/:name/record', async (c) => {
    try {
      const b = await bodyOf(c);
      const s = ctx.sources.find((x) => x.status.name === c.req.param('name'));
      if (s === undefined) throw new ConsoleError(`no packet source ${c.req.param('name')}`, 404);
      if (b['on'] === true) {
        const path = safePath(
          typeof b['path'] === 'string' && b['path'] !== ''
            ? b['path']
            : `recordings/${s.status.name}-${new Date().toISOString().replace(/[:.]/g, '-')}.bin`,
        );
        const dir = path.split('/').slice(0, -1).join('/');
        if (dir !== '') await st.filestore.execute(FilestoreAction.CREATE_DIRECTORY, dir);
        await s.setRecording(st.filestore, path);
      } else await s.setRecording(undefined, undefined);
      return c.json({ recording: s.status.recording ?? null });
    } catch (e) {
      return fail(c, e);
    }
  });

  // Transfers
  api.get('/transfers', (c) => c.json({ transfers: st.book.list() }));
  api.get('/transfers/:id', (c) => {
    const r = st.book.get(c.req.param('id'));
    if (r === undefined) return c.json({ error: `no transfer ${c.req.param('id')}` }, 404);
    return c.json({ transfer: r, timeline: st.book.timeline(r.id) ?? [] });
  });
  api.post('/transfers/put', async (c) => {
    try {
      const b = await bodyOf(c);
      const r = await st.put(b['remoteEntityId'], b['localPath'], b['remotePath'], options(b));
      return c.json({ transfer: r });
    } catch (e) {
      return fail(c, e);
    }
  });
  api.post('/transfers/get', async (c) => {
    try {
      const b = await bodyOf(c);
      const r = await st.get(b['remoteEntityId'], b['remotePath'], b['localPath'], options(b));
      return c.json({ transfer: r });
    } catch (e) {
      return fail(c, e);
    }
  });
  api.post('/transfers/:id/:action', async (c) => {
    try {
      return c.json({ transfer: await st.act(c.req.param('id'), c.req.param('action')) });
    } catch (e) {
      return fail(c, e);
    }
  });

  // Local filestore
  api.get('/local/list', async (c) => {
    try {
      const path = c.req.query('path') ?? '';
      return c.json({ path: safePath(path), entries: await st.listLocal(path) });
    } catch (e) {
      return fail(c, e);
    }
  });
  api.get('/local/file', async (c) => {
    try {
      const p = safePath(c.req.query('path') ?? '');
      const s = await st.filestore.stat(p);
      if (s === undefined || s.isDirectory) throw new ConsoleError(`no such file: /${p}`, 404);
      const h = await st.filestore.openRead(p);
      let offset = 0;
      const stream = new ReadableStream<Uint8Array>({
        async pull(ctl) {
          const chunk = await h.read(offset, 64 * 1024);
          if (chunk.length === 0) {
            await h.close();
            ctl.close();
            return;
          }
          offset += chunk.length;
          ctl.enqueue(chunk);
        },
        async cancel() {
          await h.close();
        },
      });
      const name = p.split('/').pop() ?? 'file';
      return new Response(stream, {
        headers: {
          'content-type': 'application/octet-stream',
          'content-length': String(s.size),
          'content-disposition': `attachment; filename="${name.replace(/[^\w.-]/g, '_')}"`,
        },
      });
    } catch (e) {
      return fail(c, e);
    }
  });
  api.post('/local/upload', async (c) => {
    try {
      const n = await st.writeLocal(c.req.query('path'), c.req.raw.body, ctx.maxUploadOctets);
      return c.json({ octets: n });
    } catch (e) {
      return fail(c, e);
    }
  });
  api.post('/local/action', async (c) => {
    try {
      const b = await bodyOf(c);
      return c.json({ ok: true, message: await st.localAction(b['action'], b['path'], b['to']) });
    } catch (e) {
      return fail(c, e);
    }
  });

  // Remote filestore
  api.get('/remote/:entity/list', async (c) => {
    try {
      const path = c.req.query('path') ?? '';
      return c.json({
        path: safePath(path),
        entries: await st.listRemote(c.req.param('entity'), path),
      });
    } catch (e) {
      return fail(c, e);
    }
  });
  api.post('/remote/:entity/action', async (c) => {
    try {
      const b = await bodyOf(c);
      return c.json({
        ok: true,
        message: await st.remoteAction(c.req.param('entity'), b['action'], b['path'], b['to']),
      });
    } catch (e) {
      return fail(c, e);
    }
  });

  app.route('/api', api);
  app.all('/api/*', (c) => c.json({ error: 'no such API route' }, 404));

  app.get('*', (c) => {
    const f =
      files.get(c.req.path === '/' ? '/index.html' : c.req.path) ?? files.get('/index.html');
    if (f === undefined)
      return c.text(
        'The console client is not built. Run `npm run build` (or `npm install`) at the repository root.',
        503,
      );
    return c.body(readFileSync(f.path), 200, { 'content-type': f.type });
  });
  return app;
}
