/**
 * UDP and STCP convergence layers over the stack's Node transports:
 * - UDP (ION's udpcl, RFC 7122 style): one bundle per datagram, `udp://host:port`, at most
 *   65,507 octets over IPv4.
 * - STCP (ION's simple TCP CL): each bundle preceded by its length as a 4-octet big-endian
 *   integer, `stcp://host:port`; zero-length records (ION's keepalives) are skipped.
 */
import { PlainConvergenceLayer } from '../cla.js';
import {
  TcpTransport,
  type TcpTransportOptions,
  UdpTransport,
  type UdpTransportOptions,
} from '../../transport/node/index.js';

/** Opens a UDP convergence layer. */
export async function openUdpCla(
  options: UdpTransportOptions = {},
): Promise<PlainConvergenceLayer> {
  return new PlainConvergenceLayer(await UdpTransport.open(options), 'udp', 'udp');
}

/** Opens an STCP convergence layer (listening at `options.host:port`). */
export async function openStcpCla(
  options: TcpTransportOptions = {},
): Promise<PlainConvergenceLayer> {
  return new PlainConvergenceLayer(await TcpTransport.open(options), 'stcp', 'tcp');
}
