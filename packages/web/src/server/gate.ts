/**
 * A transport wrapper that an operator can disable: while disabled nothing is sent or delivered
 * (both directions are dropped and counted), as if the link were down. Used by the Links page
 * for the CFDP transport.
 */
import { TypedEmitter } from 'ccsds/core';
import type { Transport, TransportEvents } from 'ccsds/transport';

/** Counters of a {@link GatedTransport}. */
export interface GateCounters {
  messagesSent: number;
  messagesReceived: number;
  octetsSent: number;
  octetsReceived: number;
  /** Messages dropped (either direction) while disabled. */
  droppedWhileDisabled: number;
  sendErrors: number;
}

/** See the module comment. */
export class GatedTransport implements Transport {
  readonly events = new TypedEmitter<TransportEvents>();
  readonly counters: GateCounters = {
    messagesSent: 0,
    messagesReceived: 0,
    octetsSent: 0,
    octetsReceived: 0,
    droppedWhileDisabled: 0,
    sendErrors: 0,
  };
  /** False while the operator has the link disabled. */
  enabled = true;
  private readonly offs: (() => void)[];

  constructor(private readonly inner: Transport) {
    this.offs = [
      inner.events.on('message', (data, from) => {
        if (!this.enabled) {
          this.counters.droppedWhileDisabled++;
          return;
        }
        this.counters.messagesReceived++;
        this.counters.octetsReceived += data.length;
        this.events.emit('message', data, from);
      }),
      inner.events.on('link', (peer, up) => this.events.emit('link', peer, up)),
      inner.events.on('error', (e) => this.events.emit('error', e)),
    ];
  }

  /** The wrapped transport's address. */
  get address(): string {
    return this.inner.address;
  }

  /** The wrapped transport's largest message. */
  get maxMessageLength(): number {
    return this.inner.maxMessageLength;
  }

  /** Sends through the wrapped transport, or drops while disabled. */
  async send(to: string, data: Uint8Array): Promise<void> {
    if (!this.enabled) {
      this.counters.droppedWhileDisabled++;
      return;
    }
    try {
      await this.inner.send(to, data);
      this.counters.messagesSent++;
      this.counters.octetsSent += data.length;
    } catch (e) {
      this.counters.sendErrors++;
      throw e;
    }
  }

  /** Closes the wrapped transport. */
  async close(): Promise<void> {
    for (const off of this.offs) off();
    await this.inner.close();
  }
}
