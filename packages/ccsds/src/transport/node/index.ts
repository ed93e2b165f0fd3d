/**
 * `ccsds/transport/node`: the Node-only transports — {@link UdpTransport}, {@link TcpTransport},
 * {@link ZmqTransport} (with the optional `zeromq` package) — and {@link createTransport}, which
 * picks one from an address. Everything portable (`Transport`, memory network, packet
 * transport) is re-exported, so Node users need only this entry point.
 * @packageDocumentation
 */
import { CcsdsError, CcsdsErrorCode, TypedEmitter } from '../../core/index.js';
import { parseHostPort } from '../common.js';
import { MemoryNetwork } from '../memory.js';
import { PacketTransport, type PacketTransportOptions } from '../packets.js';
import type { Transport, TransportEvents } from '../transport.js';
import { TcpTransport, type TcpTransportOptions } from './tcp.js';
import { UdpTransport, type UdpTransportOptions } from './udp.js';
import { ZmqTransport, type ZmqTransportOptions } from './zmq.js';

export * from '../index.js';
export * from './udp.js';
export * from './tcp.js';
export * from './zmq.js';

/** Options of {@link createTransport}, per kind of transport. */
export interface CreateTransportOptions {
  /** Network for `mem://` addresses (default: one network shared by this module). */
  network?: MemoryNetwork;
  /** Further options of a UDP transport. */
  udp?: Omit<UdpTransportOptions, 'host' | 'port'>;
  /** Further options of a TCP transport. */
  tcp?: Omit<TcpTransportOptions, 'host' | 'port'>;
  /** Further options of a ZMQ transport. */
  zmq?: Omit<ZmqTransportOptions, 'host' | 'port'>;
}

let sharedNetwork: MemoryNetwork | undefined;

/** The memory network `createTransport('mem://...')` uses when none is given. */
export function defaultMemoryNetwork(): MemoryNetwork {
  sharedNetwork ??= new MemoryNetwork();
  return sharedNetwork;
}

function packetOptions(
  params: Map<string, string>,
  url: string,
): PacketTransportOptions | undefined {
  const apid = params.get('apid');
  if (apid === undefined) return undefined;
  const bad = (what: string): CcsdsError =>
    new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, `bad ${what} in ${JSON.stringify(url)}`);
  if (!/^\d{1,4}$/.test(apid)) throw bad('apid');
  const o: PacketTransportOptions = { apid: Number(apid) };
  const type = params.get('packetType')?.toLowerCase();
  if (type !== undefined) {
    if (type === 'tm' || type === '0') o.packetType = 0;
    else if (type === 'tc' || type === '1') o.packetType = 1;
    else throw bad('packetType');
  }
  const pec = params.get('pec');
  if (pec !== undefined) {
    if (pec !== '1' && pec !== 'true' && pec !== '0' && pec !== 'false') throw bad('pec');
    o.packetErrorControl = pec === '1' || pec === 'true';
  }
  return o;
}

/**
 * Opens the transport an address names, listening (binding) at that address:
 * - `udp://host:port` → {@link UdpTransport}
 * - `tcp://host:port` → {@link TcpTransport}
 * - `zmq+tcp://host:port` → {@link ZmqTransport}
 * - `mem://name` → an endpoint of `options.network` (or {@link defaultMemoryNetwork})
 *
 * Port 0 picks a free port (read the real one from `address`). A query `?apid=N` wraps the
 * transport in a {@link PacketTransport} with that APID; `&packetType=tc|tm` and `&pec=1` set
 * its packet type and packet error control. Other schemes reject with `INVALID_ARGUMENT`.
 *
 * ```ts
 * const t = await createTransport('udp://127.0.0.1:0?apid=100');
 * ```
 */
export async function createTransport(
  url: string,
  options: CreateTransportOptions = {},
): Promise<Transport> {
  if (typeof url !== 'string') {
    throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, 'address must be a string');
  }
  let transport: Transport;
  let params: Map<string, string>;
  if (url.toLowerCase().startsWith('mem://')) {
    const q = url.indexOf('?');
    const name = url.slice('mem://'.length, q < 0 ? undefined : q);
    params = q < 0 ? new Map() : parseHostPort(`x://h:0${url.slice(q)}`).params;
    const packets = packetOptions(params, url);
    if (packets !== undefined) await new PacketTransport(dummy, packets).close(); // validates first
    transport = (options.network ?? defaultMemoryNetwork()).endpoint(name);
    return packets === undefined ? transport : new PacketTransport(transport, packets);
  }
  const a = parseHostPort(url);
  params = a.params;
  const packets = packetOptions(params, url);
  if (packets !== undefined) await new PacketTransport(dummy, packets).close(); // validates first
  switch (a.scheme) {
    case 'udp':
      transport = await UdpTransport.open({ ...options.udp, host: a.host, port: a.port });
      break;
    case 'tcp':
      transport = await TcpTransport.open({ ...options.tcp, host: a.host, port: a.port });
      break;
    case 'zmq+tcp':
      transport = await ZmqTransport.open({ ...options.zmq, host: a.host, port: a.port });
      break;
    default:
      throw new CcsdsError(
        CcsdsErrorCode.INVALID_ARGUMENT,
        `no transport for scheme ${a.scheme}:// (udp, tcp, zmq+tcp, mem)`,
      );
  }
  return packets === undefined ? transport : new PacketTransport(transport, packets);
}

/** A transport that carries nothing, used only to validate packet options before opening sockets. */
const dummy: Transport = {
  address: 'mem://validation',
  maxMessageLength: 1 << 20,
  events: new TypedEmitter<TransportEvents>(),
  send: () => Promise.resolve(),
  close: () => Promise.resolve(),
};
