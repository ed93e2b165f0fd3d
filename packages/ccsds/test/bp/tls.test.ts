/**
 * TCPCLv4 with TLS (RFC 9174 §4.4) on real sockets, with certificates made at test time by the
 * `openssl` command (the tests are skipped, saying why, when it is not installed).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type Socket, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { RealClock, SeededRandom, toHex } from 'ccsds/core';
import { parseHostPort } from 'ccsds/transport';
import { BundleAgent } from 'ccsds/bp';
import { TcpclConvergenceLayer, type TcpclTlsOptions } from 'ccsds/bp/node';
import { bundleOfLength, collectBundles } from './cla-compliance.js';

let skip: string | false = false;
try {
  execFileSync('openssl', ['version'], { stdio: 'ignore' });
} catch {
  skip = 'the openssl command is not installed, so no certificates can be made';
  console.log(`# TCPCL TLS tests skipped: ${skip}`);
}

const dir = mkdtempSync(join(tmpdir(), 'ccsds-tcpcl-tls-'));
const pki: Record<string, string> = {};

/** A CA and a node certificate for 127.0.0.1 signed by it; a second, unrelated CA. */
before(() => {
  if (skip !== false) return;
  const ossl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  for (const ca of ['ca', 'other-ca'])
    ossl(
      'req',
      '-x509',
      ...ec,
      '-keyout',
      `${ca}.key`,
      '-out',
      `${ca}.pem`,
      '-days',
      '2',
      '-subj',
      `/CN=${ca}`,
    );
  /** `<name>.key` and `<name>.pem`, signed by `ca`, with the subjectAltName `san`. */
  const issue = (name: string, san: string) => {
    ossl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    writeFileSync(join(dir, `${name}.cnf`), `subjectAltName=${san}\n`);
    ossl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-extfile',
      `${name}.cnf`,
    );
    for (const f of [`${name}.key`, `${name}.pem`]) pki[f] = readFileSync(join(dir, f), 'utf8');
  };
  issue('node', 'IP:127.0.0.1,URI:ipn:2.0'); // node 2's own certificate
  issue('impostor', 'IP:127.0.0.1,URI:ipn:9.0'); // names another node
  issue('no-node-id', 'IP:127.0.0.1,URI:https://example.com/'); // names no node ID
  issue('client1', 'URI:ipn:1.0'); // node 1's certificate as a TLS client
  issue('client7', 'URI:ipn:7.0');
  for (const f of ['ca.pem', 'other-ca.pem']) pki[f] = readFileSync(join(dir, f), 'utf8');
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** A TCP relay that records what passes each way. */
async function recorder(target: string) {
  const { host, port } = parseHostPort(target);
  const up: Buffer[] = [];
  const down: Buffer[] = [];
  const live = new Set<Socket>();
  const server = createServer((client) => {
    const server2 = connect({ host, port });
    for (const s of [client, server2]) {
      live.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        client.destroy();
        server2.destroy();
      });
    }
    client.on('data', (d: Buffer) => (up.push(d), server2.write(d)));
    server2.on('data', (d: Buffer) => (down.push(d), client.write(d)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const a = server.address() as { port: number };
  return {
    address: `tcpcl://127.0.0.1:${a.port}`,
    up: () => Buffer.concat(up),
    down: () => Buffer.concat(down),
    close: async () => {
      for (const s of live) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function pair(aTls: TcpclTlsOptions | undefined, bTls: TcpclTlsOptions | undefined) {
  const b = await TcpclConvergenceLayer.open({
    nodeId: 'ipn:2.0',
    segmentMru: 16_384,
    ...(bTls === undefined ? {} : { tls: bTls }),
  });
  const a = await TcpclConvergenceLayer.open({
    nodeId: 'ipn:1.0',
    connectTimeoutMs: 3000,
    ...(aTls === undefined ? {} : { tls: aTls }),
  });
  const errors: Error[] = [];
  a.events.on('error', (e) => errors.push(e));
  b.events.on('error', (e) => errors.push(e));
  return { a, b, errors, close: async () => (await a.close(), await b.close()) };
}

test(
  'TCPCL over TLS: CAN_TLS in both contact headers, a TLS handshake next, bundles carried encrypted',
  { skip },
  async () => {
    const t = await pair({ ca: pki['ca.pem']! }, { key: pki['node.key']!, cert: pki['node.pem']! });
    const r = await recorder(t.b.address);
    try {
      const marker = new TextEncoder().encode('PLAINTEXT-MARKER-0123456789');
      const payloads = [bundleOfLength(300, 1), bundleOfLength(100_000, 2)];
      const withMarker = new Uint8Array(2000);
      withMarker.set(new SeededRandom(3).bytes(2000));
      withMarker.set(marker, 500);
      const got = collectBundles(t.b, 3);
      for (const p of payloads) await t.a.send(r.address, p);
      await t.a.send(r.address, withMarker);
      const recv = await got;
      assert.deepEqual(
        recv.map((x) => toHex(x.data)),
        [...payloads, withMarker].map((x) => toHex(x)),
      );
      const up = r.up();
      const down = r.down();
      assert.equal(toHex(up.subarray(0, 6)), '64746e210401'); // "dtn!", version 4, CAN_TLS
      assert.equal(toHex(down.subarray(0, 6)), '64746e210401');
      assert.equal(up[6], 0x16, 'a TLS handshake record follows the contact header');
      assert.equal(down[6], 0x16);
      assert.equal(up.indexOf(Buffer.from(marker)), -1, 'the payload is not in clear on the wire');
      assert.equal(up.indexOf(Buffer.from('ipn:1.0')), -1, 'nor is SESS_INIT');
    } finally {
      await r.close();
      await t.close();
    }
  },
);

test(
  'TCPCL over TLS: a certificate from an unknown CA fails the session; nothing is delivered',
  { skip },
  async () => {
    const t = await pair(
      { ca: pki['other-ca.pem']! },
      { key: pki['node.key']!, cert: pki['node.pem']! },
    );
    try {
      let delivered = 0;
      t.b.events.on('message', () => delivered++);
      await assert.rejects(t.a.send(t.b.address, bundleOfLength(200)));
      assert.ok(t.errors.some((e) => /TLS negotiation failed|certificate/i.test(e.message)));
      assert.equal(delivered, 0);
    } finally {
      await t.close();
    }
  },
);

test(
  'TCPCL TLS offered to a peer without TLS: plain TCPCL, unless TLS is required',
  { skip },
  async () => {
    const plain = await pair(undefined, { key: pki['node.key']!, cert: pki['node.pem']! });
    try {
      const got = collectBundles(plain.b, 1);
      await plain.a.send(plain.b.address, bundleOfLength(500));
      assert.equal((await got)[0]!.data.length, 500);
    } finally {
      await plain.close();
    }
    const strict = await pair(undefined, {
      key: pki['node.key']!,
      cert: pki['node.pem']!,
      require: true,
    });
    try {
      await assert.rejects(strict.a.send(strict.b.address, bundleOfLength(500)));
      assert.ok(strict.errors.some((e) => /does not offer TLS/.test(e.message)));
    } finally {
      await strict.close();
    }
  },
);

const nodeIdFailure = /TLS node ID authentication of (ipn:\d+\.0) failed: (.*)/;

/**
 * Sends one bundle from `t.a` to `t.b` and checks it is refused by the node ID check: the send
 * rejects, an error says whose node ID failed (`node`) and why (`why`), nothing is delivered and
 * neither layer keeps a session. Closes the pair.
 */
async function refusedForNodeId(
  t: Awaited<ReturnType<typeof pair>>,
  node: string,
  why: RegExp,
): Promise<void> {
  try {
    let delivered = 0;
    t.b.events.on('message', () => delivered++);
    await assert.rejects(t.a.send(t.b.address, bundleOfLength(200)));
    const m = t.errors.map((e) => nodeIdFailure.exec(e.message)).find((x) => x !== null);
    assert.ok(m, t.errors.map((e) => e.message).join('; '));
    assert.equal(m[1], node);
    assert.match(m[2]!, why);
    assert.equal(delivered, 0);
    assert.deepEqual(t.a.peers, []);
    assert.deepEqual(t.b.peers, []);
  } finally {
    await t.close();
  }
}

test(
  'TCPCL TLS node ID authentication: the certificate names the SESS_INIT node ID (both ways), the session is established and agents forward a bundle',
  { skip },
  async () => {
    const b = await TcpclConvergenceLayer.open({
      nodeId: 'ipn:2.0',
      tls: {
        key: pki['node.key']!,
        cert: pki['node.pem']!,
        ca: pki['ca.pem']!,
        requestCert: true,
        nodeIdAuthentication: 'required',
      },
    });
    const a = await TcpclConvergenceLayer.open({
      nodeId: 'ipn:1.0',
      connectTimeoutMs: 3000,
      tls: {
        key: pki['client1.key']!,
        cert: pki['client1.pem']!,
        ca: pki['ca.pem']!,
        nodeIdAuthentication: 'required',
      },
    });
    const clock = new RealClock();
    const agentA = new BundleAgent({
      node: 1,
      clock,
      clas: [a],
      routes: [{ node: 2, address: b.address }],
    });
    const agentB = new BundleAgent({ node: 2, clock, clas: [b] });
    const errors: Error[] = [];
    for (const x of [agentA, agentB]) x.events.on('error', (e) => errors.push(e));
    try {
      const got = new Promise<string>((resolve) =>
        agentB.register(5).events.on('bundle', (p) => resolve(new TextDecoder().decode(p))),
      );
      await agentA.send('ipn:2.5', new TextEncoder().encode('authenticated'));
      assert.equal(await got, 'authenticated');
      assert.deepEqual(a.peers, ['ipn:2.0']);
      assert.deepEqual(b.peers, ['ipn:1.0']);
      assert.deepEqual(errors, []);
    } finally {
      agentA.close();
      agentB.close();
      await a.close();
      await b.close();
    }
  },
);

test(
  'TCPCL TLS node ID authentication: a server certificate naming another node is refused by the client (contact failure), nothing is delivered',
  { skip },
  async () => {
    const t = await pair(
      { ca: pki['ca.pem']! },
      { key: pki['impostor.key']!, cert: pki['impostor.pem']! },
    );
    await refusedForNodeId(t, 'ipn:2.0', /names ipn:9\.0/);
  },
);

test(
  'TCPCL TLS node ID authentication: a client certificate naming another node is refused by the server',
  { skip },
  async () => {
    const t = await pair(
      { ca: pki['ca.pem']!, key: pki['client7.key']!, cert: pki['client7.pem']! },
      { key: pki['node.key']!, cert: pki['node.pem']!, ca: pki['ca.pem']!, requestCert: true },
    );
    await refusedForNodeId(t, 'ipn:1.0', /names ipn:7\.0/);
  },
);

test(
  'TCPCL TLS node ID authentication: a certificate naming no node ID is accepted by default, refused when required',
  { skip },
  async () => {
    const lax = await pair(
      { ca: pki['ca.pem']! },
      { key: pki['no-node-id.key']!, cert: pki['no-node-id.pem']! },
    );
    try {
      const got = collectBundles(lax.b, 1);
      await lax.a.send(lax.b.address, bundleOfLength(300));
      assert.equal((await got)[0]!.data.length, 300);
    } finally {
      await lax.close();
    }
    const strict = await pair(
      { ca: pki['ca.pem']!, nodeIdAuthentication: 'required' },
      { key: pki['no-node-id.key']!, cert: pki['no-node-id.pem']! },
    );
    await refusedForNodeId(strict, 'ipn:2.0', /names no node ID/);
  },
);
