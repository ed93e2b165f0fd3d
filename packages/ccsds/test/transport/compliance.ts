/**
 * The Transport compliance suite: one function that registers the same tests for any
 * transport, given a factory of two connected endpoints. The `*.test.ts` files beside it run it
 * against memory, UDP, TCP, ZMQ (when `zeromq` loads) and Space Packets over UDP and TCP.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, test } from 'node:test';
import { CcsdsErrorCode, SeededRandom, isCcsdsError } from 'ccsds/core';
import type { Transport } from 'ccsds/transport';

/** Two endpoints that can reach each other (`a` sends to `b.address` and back). */
export interface TransportPair {
  a: Transport;
  b: Transport;
}

/** Options of {@link transportCompliance}. */
export interface TransportComplianceOptions {
  /** Skip the whole suite, with this reason printed. */
  skip?: string;
  /** The `from` of a message is the sender's `address` (not a connection's address). */
  fromIsAddress?: boolean;
  /** For stream transports: the `host:port` a raw TCP client can connect to, to send bad framing. */
  rawStream?: (t: Transport) => { host: string; port: number };
  /** Number of in-order messages (default 10,000). */
  inOrderCount?: number;
}

/** A received message. */
export interface Received {
  data: Uint8Array;
  from: string;
}

/**
 * Resolves with the next `n` messages `t` receives; rejects after `timeoutMs` saying how many
 * arrived.
 */
export function collect(t: Transport, n: number, timeoutMs = 10_000): Promise<Received[]> {
  return new Promise((resolve, reject) => {
    const got: Received[] = [];
    const timer = setTimeout(() => {
      off();
      reject(new Error(`received ${got.length} of ${n} messages in ${timeoutMs} ms`));
    }, timeoutMs);
    const off = t.events.on('message', (data, from) => {
      got.push({ data: data.slice(), from });
      if (got.length === n) {
        clearTimeout(timer);
        off();
        resolve(got);
      }
    });
  });
}

/** Resolves with the next `error` event of `t`. */
export function nextError(t: Transport, timeoutMs = 5000): Promise<Error> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no error event in ${timeoutMs} ms`));
    }, timeoutMs);
    const off = t.events.on('error', (e) => {
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Registers the compliance tests for the pairs `make` produces (a fresh pair per test). */
export function transportCompliance(
  name: string,
  make: () => Promise<TransportPair>,
  options: TransportComplianceOptions = {},
): void {
  const it = (title: string, fn: (p: TransportPair) => Promise<void>): void => {
    test(title, async () => {
      const p = await make();
      try {
        await fn(p);
      } finally {
        await p.a.close();
        await p.b.close();
      }
    });
  };

  describe(
    `Transport compliance: ${name}`,
    options.skip === undefined ? {} : { skip: options.skip },
    () => {
      it('message boundaries are preserved for 1, 1000, 8192 octets and the maximum', async ({
        a,
        b,
      }) => {
        const rng = new SeededRandom(1);
        const sizes = [1, 1000, 8192, b.maxMessageLength, a.maxMessageLength, 1];
        assert.ok(a.maxMessageLength >= 8192, `max ${a.maxMessageLength}`);
        const sent = sizes.map((n) => rng.bytes(Math.min(n, a.maxMessageLength)));
        const got = collect(b, sent.length, 20_000);
        for (const m of sent) await a.send(b.address, m);
        const received = await got;
        assert.deepEqual(
          received.map((r) => r.data.length),
          sent.map((m) => m.length),
        );
        for (let i = 0; i < sent.length; i++) {
          assert.ok(
            received[i]!.data.every((x, k) => x === sent[i]![k]),
            `message ${i}`,
          );
          assert.equal(typeof received[i]!.from, 'string');
          if (options.fromIsAddress === true) assert.equal(received[i]!.from, a.address);
        }
      });

      it('the sender may reuse its buffer as soon as send resolves', async ({ a, b }) => {
        const buf = new Uint8Array(100);
        const got = collect(b, 50);
        for (let i = 0; i < 50; i++) {
          buf.fill(i);
          await a.send(b.address, buf);
        }
        buf.fill(0xee);
        const r = await got;
        r.forEach((m, i) =>
          assert.ok(
            m.data.every((x) => x === i),
            `message ${i} intact`,
          ),
        );
      });

      const count = options.inOrderCount ?? 10_000;
      it(`${count} messages arrive in order, none lost, when the sender awaits each send`, async ({
        a,
        b,
      }) => {
        const got = collect(b, count, 25_000);
        const m = new Uint8Array(200);
        const view = new DataView(m.buffer);
        for (let i = 0; i < count; i++) {
          view.setUint32(0, i);
          m[199] = i & 0xff;
          await a.send(b.address, m);
        }
        const received = await got;
        for (let i = 0; i < count; i++) {
          const d = received[i]!.data;
          const seq = new DataView(d.buffer, d.byteOffset, d.length).getUint32(0);
          if (seq !== i || d.length !== 200 || d[199] !== (i & 0xff)) {
            assert.fail(`message ${i}: got sequence ${seq}, length ${d.length}`);
          }
        }
      });

      it('bidirectional: replies to `from` reach the sender, and b can send to a.address', async ({
        a,
        b,
      }) => {
        const off = b.events.on('message', (data, from) => {
          const reply = data.slice();
          reply[0] = reply[0]! ^ 0xff;
          void b.send(from, reply).catch(() => {});
        });
        const replies = collect(a, 100);
        for (let i = 0; i < 100; i++) await a.send(b.address, new Uint8Array([i, 1, 2, 3]));
        const r = await replies;
        off();
        assert.deepEqual(
          r.map((x) => [...x.data]),
          Array.from({ length: 100 }, (_, i) => [i ^ 0xff, 1, 2, 3]),
        );
        const direct = collect(a, 3);
        for (let i = 0; i < 3; i++) await b.send(a.address, new Uint8Array([9, i]));
        assert.deepEqual(
          (await direct).map((x) => [...x.data]),
          [
            [9, 0],
            [9, 1],
            [9, 2],
          ],
        );
      });

      it('oversized messages and bad addresses are refused with a CcsdsError', async ({ a, b }) => {
        await assert.rejects(a.send(b.address, new Uint8Array(a.maxMessageLength + 1)), (e) =>
          isCcsdsError(e, CcsdsErrorCode.LIMIT_EXCEEDED),
        );
        for (const bad of ['nonsense', 'http://127.0.0.1:1', '', 'udp://127.0.0.1']) {
          await assert.rejects(
            a.send(bad, new Uint8Array(1)),
            (e) => isCcsdsError(e, CcsdsErrorCode.INVALID_ARGUMENT),
            bad,
          );
        }
        // Still works afterwards.
        const got = collect(b, 1);
        await a.send(b.address, new Uint8Array([42]));
        assert.deepEqual([...(await got)[0]!.data], [42]);
      });

      it('close is idempotent and stops delivery', async ({ a, b }) => {
        const first = collect(b, 1);
        await a.send(b.address, new Uint8Array([1]));
        await first;
        let after = 0;
        b.events.on('message', () => after++);
        await Promise.all([b.close(), b.close()]);
        await b.close();
        await assert.rejects(b.send(a.address, new Uint8Array([1])), (e) =>
          isCcsdsError(e, CcsdsErrorCode.INVALID_STATE),
        );
        // Sending to a closed peer settles (resolves, or rejects for an unknown address).
        const settled = await Promise.race([
          a.send(b.address, new Uint8Array([2])).then(
            () => 'resolved',
            () => 'rejected',
          ),
          sleep(3000).then(() => 'hung'),
        ]);
        assert.notEqual(settled, 'hung');
        await sleep(50);
        assert.equal(after, 0);
      });

      if (options.rawStream !== undefined) {
        const raw = options.rawStream;
        it('bad framing (a giant length) is an error event, not a crash', async ({ a, b }) => {
          const { host, port } = raw(b);
          const err = nextError(b);
          const sock = connect({ host, port });
          const closed = new Promise<void>((r) => sock.on('close', () => r()));
          sock.on('error', () => {});
          sock.write(new Uint8Array([0xff, 0xff, 0xff, 0xf0, 1, 2, 3]));
          const e = await err;
          assert.ok(isCcsdsError(e, CcsdsErrorCode.LIMIT_EXCEEDED), String(e));
          await closed; // the transport closed that connection
          const got = collect(b, 1);
          await a.send(b.address, new Uint8Array([7]));
          assert.deepEqual([...(await got)[0]!.data], [7]);
        });
      }
    },
  );
}
