/**
 * CFDP over the Bundle Protocol: a {@link Transport} that carries each CFDP PDU as the payload
 * of one bundle, with the service numbers of ION's `bputa`: PDUs leave from `ipn:<node>.64`
 * to `ipn:<entity>.65`, and arrive on `ipn:<node>.65`. The CFDP entity ID is the node number,
 * so the MIB address of remote entity N is `ipn:N.65` (this transport's `address` is
 * `ipn:<node>.65`, and `from` of a received PDU is `ipn:<source node>.65`, so replies work).
 */
import { CcsdsError, CcsdsErrorCode, TypedEmitter } from '../core/index.js';
import type { Transport, TransportEvents } from '../transport/index.js';
import type { BundleAgent, Registration, SendOptions } from './agent.js';
import { parseEid } from './eid.js';

/** Service number CFDP PDUs are sent from (ION `CFDP_SEND_SVC_NBR`). */
export const CFDP_SEND_SERVICE = 64;
/** Service number CFDP PDUs are received on (ION `CFDP_RECV_SVC_NBR`). */
export const CFDP_RECEIVE_SERVICE = 65;

/** CFDP PDUs in bundles through a {@link BundleAgent}; see the module comment. */
export class BpTransport implements Transport {
  readonly events = new TypedEmitter<TransportEvents>();
  readonly address: string;
  readonly maxMessageLength: number;
  private readonly registration: Registration;
  private closed = false;

  /**
   * @param agent - the local agent
   * @param options - bundle options for every PDU (lifetime, flags, CRC); the largest PDU
   * (default 65,536 octets)
   */
  constructor(
    private readonly agent: BundleAgent,
    private readonly options: Omit<SendOptions, 'service'> & { maxMessageLength?: number } = {},
  ) {
    this.address = `ipn:${agent.nodeId.node}.${CFDP_RECEIVE_SERVICE}`;
    this.maxMessageLength = options.maxMessageLength ?? 65_536;
    this.registration = agent.register(CFDP_RECEIVE_SERVICE);
    this.registration.events.on('bundle', (payload, bundle) => {
      const s = bundle.primary.source;
      const from = s.scheme === 'ipn' ? `ipn:${s.node}.${CFDP_RECEIVE_SERVICE}` : `dtn:${s.ssp}`;
      try {
        this.events.emit('message', payload, from);
      } catch (e) {
        this.events.emit('error', e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  /** {@inheritDoc Transport.send} `to` is `ipn:<entity>.65`. */
  async send(to: string, data: Uint8Array): Promise<void> {
    if (this.closed) throw new CcsdsError(CcsdsErrorCode.INVALID_STATE, 'transport is closed');
    if (!(data instanceof Uint8Array))
      throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, 'data must be a Uint8Array');
    if (data.length > this.maxMessageLength) {
      throw new CcsdsError(
        CcsdsErrorCode.LIMIT_EXCEEDED,
        `PDU of ${data.length} octets exceeds ${this.maxMessageLength}`,
      );
    }
    const dest = parseEid(to);
    if (dest.scheme !== 'ipn')
      throw new CcsdsError(
        CcsdsErrorCode.INVALID_ARGUMENT,
        `CFDP over BP needs an ipn address, got ${to}`,
      );
    const { maxMessageLength: _m, ...send } = this.options;
    await this.agent.send(dest, data.slice(), { ...send, service: CFDP_SEND_SERVICE });
  }

  /** Closes the registration (the agent stays up). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.registration.close();
  }
}
